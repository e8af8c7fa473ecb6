//! A phone restored from a backup (or cloned) reuses sequence numbers its actor already spent
//! on other content. The server refuses such a sync whole with the stable code
//! `actor_reused`, which tells the phone, and whoever supports it, what happened, instead of
//! a generic refusal; and it stores nothing of it.

use mitan_e2e::{FieldDevice, TestServer, beat, station};
use mitan_server::auth::Role;

const NOW_MS: i64 = 1_764_000_000_000;

/// Copies every file of a field device's folder: its store, WAL and profile, as a backup.
fn copy_folder(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("backup folder");
    for entry in std::fs::read_dir(from).expect("the folder reads") {
        let entry = entry.expect("an entry");
        std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copied");
    }
}

fn reopen(dir: &std::path::Path) -> FieldDevice {
    let (device, profile) = mitan_cli::field::open_device(dir).expect("the store opens");
    FieldDevice { device, profile }
}

#[test]
fn a_phone_restored_from_a_backup_is_told_its_actor_was_reused_and_nothing_is_stored() {
    let server = TestServer::start_without_sync_limit(1).expect("the server starts");
    server
        .add_user("CG-001", Role::Constable, &station(0), &[beat(0, 0)])
        .expect("constable added");
    let dir = tempfile::tempdir().expect("temp dir");
    let (live, backup) = (dir.path().join("phone"), dir.path().join("backup"));
    let mut phone = server
        .field_device("CG-001", &live)
        .expect("the phone registers");
    phone.enrol_seeded(&station(0), &beat(0, 0), 1, NOW_MS);
    phone.sync_ok(NOW_MS);
    drop(phone);
    copy_folder(&live, &backup);

    // Life goes on after the backup: an enrolment, synced.
    let mut phone = reopen(&live);
    phone.enrol_seeded(&station(0), &beat(0, 0), 2, NOW_MS + 1);
    phone.sync_ok(NOW_MS + 1);
    drop(phone);
    let before = server.logged_changes();

    // The backup is restored and enrols someone else: its next change reuses the sequence
    // number the live phone spent on the second enrolment.
    let mut restored = reopen(&backup);
    restored.enrol_seeded(&station(0), &beat(0, 0), 3, NOW_MS + 2);
    let mut transport = restored.transport();
    let refused = restored
        .device
        .sync(&mut transport, NOW_MS + 2)
        .expect_err("the sync is refused");
    assert_eq!(transport.last_status, Some(400), "{refused}");
    assert!(refused.to_string().contains("actor_reused"), "{refused}");
    assert_eq!(server.logged_changes(), before, "nothing of it was stored");
    assert_eq!(server.volunteers().len(), 2);
}
