//! Opening the district database while another connection is writing to it, as `mitan admin`
//! does beside a running `mitan serve` (and the crash tests beside theirs): the opener waits
//! for the writer's commit, up to the busy timeout, instead of failing with "database is
//! locked".

use std::time::Duration;

use mitan_server::store::ServerStore;

#[test]
fn a_store_opened_while_another_connection_writes_waits_for_its_commit() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("district.db");
    drop(ServerStore::open(&path).expect("the district is created"));

    // Another process's write transaction, held open across the other's open.
    let writer = rusqlite::Connection::open(&path).expect("a connection opens");
    writer
        .execute_batch("BEGIN IMMEDIATE; UPDATE device SET public_key = public_key;")
        .expect("the write lock is taken");
    let opener = {
        let path = path.clone();
        std::thread::spawn(move || ServerStore::open(&path).map(|store| store.ping()))
    };
    std::thread::sleep(Duration::from_millis(300));
    writer.execute_batch("COMMIT").expect("the writer commits");
    let opened = opener.join().expect("the opener ends");
    assert!(
        matches!(opened, Ok(Ok(()))),
        "the store did not wait for the writer: {opened:?}"
    );
}
