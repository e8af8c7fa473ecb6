//! The `mitan` binary itself: `serve` on a fresh database, `admin` commands beside it, a field
//! device registering, enrolling and syncing through `mitan field`, and a graceful stop on
//! SIGTERM.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

mod common;

use common::{MITAN, Process as Server, mitan};

/// Starts `mitan serve` on a free port and returns the child and its address.
fn serve(db: &Path) -> (Server, String) {
    let mut child = Command::new(MITAN)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("MITAN_DB", db)
        .env("MITAN_LOG", "info")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("the server starts");
    let stderr = child.stderr.take().expect("stderr is piped");
    let (found, address) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("address=").nth(1) {
                let _ = found.send(rest.split_whitespace().next().unwrap_or("").to_owned());
            }
        }
    });
    let address = address
        .recv_timeout(Duration::from_secs(20))
        .expect("the server logs where it listens");
    (Server(child), format!("http://{address}"))
}

#[test]
fn the_binary_serves_administers_and_runs_a_field_device_then_stops_on_sigterm() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("district.db");
    let db_arg = db.to_str().expect("utf-8 path");
    let (mut server, url) = serve(&db);

    for unit in [
        ["state", "CG", ""],
        ["range", "CG-BSP", "CG"],
        ["district", "BSP", "CG-BSP"],
        ["circle", "BSP-C1", "BSP"],
        ["station", "BSP-PS-KONI", "BSP-C1"],
        ["beat", "BSP-PS-KONI-B01", "BSP-PS-KONI"],
    ] {
        let mut args = vec![
            "admin",
            "--db",
            db_arg,
            "add-unit",
            "--kind",
            unit[0],
            "--code",
            unit[1],
            "--name-en",
            unit[1],
        ];
        if !unit[2].is_empty() {
            args.extend(["--parent", unit[2]]);
        }
        mitan(&args);
    }
    mitan(&[
        "admin",
        "--db",
        db_arg,
        "add-user",
        "--badge",
        "CG-001",
        "--name",
        "Ramesh Sahu",
        "--role",
        "constable",
        "--unit",
        "BSP-PS-KONI",
        "--beat",
        "BSP-PS-KONI-B01",
    ]);
    let code = mitan(&["admin", "--db", db_arg, "issue-code", "--badge", "CG-001"]);
    // Without a notice of the district's, a phone has nothing to show and enrols no one.
    let notice = dir.path().join("notice-hi.txt");
    std::fs::write(&notice, "आपका नाम और फ़ोन नंबर मितान सूची में रखा जाएगा।\n")
        .expect("notice written");
    let published = mitan(&[
        "admin",
        "--db",
        db_arg,
        "publish-notice",
        "--version",
        "1",
        "--language",
        "hi",
        "--file",
        notice.to_str().expect("utf-8 path"),
    ]);
    assert!(
        published.contains("notice hi version 1 published"),
        "{published}"
    );

    let phone = dir.path().join("phone");
    let phone_arg = phone.to_str().expect("utf-8 path");
    let registered = mitan(&[
        "field",
        "--dir",
        phone_arg,
        "register",
        "--server",
        &url,
        "--code",
        code.trim(),
    ]);
    assert!(registered.contains("BSP-PS-KONI-B01"), "{registered}");
    assert!(
        registered.contains("consent notice hi version 1"),
        "{registered}"
    );
    mitan(&[
        "field",
        "--dir",
        phone_arg,
        "enrol",
        "--name-hi",
        "सुनीता वर्मा",
        "--phone",
        "98765 43210",
        "--gender",
        "female",
        "--age",
        "34",
        "--village",
        "430001",
        "--household",
        "मकान 12",
    ]);
    let synced = mitan(&["field", "--dir", phone_arg, "sync"]);
    assert!(synced.contains("1 acknowledged"), "{synced}");
    let listed = mitan(&["field", "--dir", phone_arg, "list"]);
    assert!(listed.contains("सुनीता वर्मा"), "{listed}");

    let status = Command::new("kill")
        .args(["-TERM", &server.0.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let exit = server.0.wait().expect("the server exits");
    assert!(exit.success(), "graceful shutdown exits cleanly: {exit:?}");

    // Reopened after the stop, the database holds the enrolment.
    let store = mitan_server::store::ServerStore::open(&db).expect("store reopens");
    assert_eq!(store.volunteer_count().expect("count"), 1);
    assert_eq!(store.change_log_count().expect("count"), 1);
}
