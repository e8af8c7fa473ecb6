//! `mitan review` and `mitan report` as a newcomer meets them after `mitan serve --demo`: an
//! in-charge verifies a demo volunteer on the database beside the running server, the
//! district admin rejects another through the server, and the phone that enrolled them sees
//! both, the reason included, after its next sync. Refusals read as one line, and output
//! piped into a reader that stops early ends cleanly.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

mod common;

use common::{MITAN, Process as Server, mitan as ok, mitan_run as run};

/// The demo's station in-charge of Koni, whose station's first beat constable CG-4101 works.
const INCHARGE: &str = "CG-2101";
const CONSTABLE: &str = "CG-4101";
/// The demo's district admin, whose phone folder holds a credential to use on the server.
const ADMIN: &str = "CG-0001";

/// Starts `mitan serve --demo` on a free port and waits for its guide: the demo is filled.
fn demo(db: &Path) -> (Server, String) {
    let mut child = Command::new(MITAN)
        .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--db"])
        .arg(db)
        .env("MITAN_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the server starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    let (found, address) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(rest) = line.split(" at http://").nth(1) {
                let _ = found.send(format!("http://{}", rest.trim()));
            }
        }
    });
    let url = address
        .recv_timeout(Duration::from_secs(120))
        .expect("the demo fills and prints its address");
    (Server(child), url)
}

/// The first volunteers of the in-charge's review queue enrolled by `constable`.
fn queued_by(db: &str, constable: &str, count: usize) -> Vec<String> {
    let queue: serde_json::Value = serde_json::from_str(&ok(&[
        "review", "--db", db, "--as", INCHARGE, "queue", "--limit", "1000", "--json",
    ]))
    .expect("the queue as JSON");
    queue["volunteers"]
        .as_array()
        .expect("volunteers")
        .iter()
        .filter(|volunteer| volunteer["enrolled_by"] == constable)
        .take(count)
        .map(|volunteer| volunteer["id"].as_str().expect("an id").to_owned())
        .collect()
}

#[test]
fn a_demo_volunteer_verified_and_another_rejected_from_the_command_line_reach_the_phone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db_path = dir.path().join("demo.db");
    let db = db_path.to_str().expect("utf-8 path");
    let (_server, url) = demo(&db_path);
    let phones = dir.path().join("demo.db.phones");
    let phone = phones.join(CONSTABLE);
    let phone = phone.to_str().expect("utf-8 path");

    // The queue a person reads: India time as people write it, names as written.
    let queue = ok(&[
        "review", "--db", db, "--as", INCHARGE, "queue", "--limit", "5",
    ]);
    assert!(queue.contains("waiting for review"), "{queue}");
    assert!(
        !queue.contains("\\u{"),
        "names are printed, not escaped: {queue}"
    );
    assert!(
        queue
            .lines()
            .nth(2)
            .is_some_and(|line| line.contains(" Dec ") || line.contains(" Nov ")),
        "enrolment dates as dates: {queue}"
    );

    let picked = queued_by(db, CONSTABLE, 2);
    let [verified, rejected] = [picked[0].as_str(), picked[1].as_str()];
    // On the database beside the running server: the server notices and hands it out.
    let done = ok(&["review", "--db", db, "--as", INCHARGE, "verify", verified]);
    assert!(done.contains(&format!("{verified}\tverified")), "{done}");
    // Through the server, with the district admin's device credential.
    let profile: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(phones.join(ADMIN).join("profile.json")).expect("profile"),
    )
    .expect("profile JSON");
    let credential = profile["device"]["credential"]
        .as_str()
        .expect("a credential");
    let reason = "फ़ोटो साफ़ नहीं है";
    let answer: serde_json::Value = serde_json::from_str(&ok(&[
        "review",
        "--server",
        &url,
        "--credential",
        credential,
        "--json",
        "reject",
        rejected,
        "--reason",
        reason,
    ]))
    .expect("the action as JSON");
    assert_eq!(answer["status"], "rejected");

    // The constable's phone sees both at its next sync, the reason included.
    ok(&["field", "--dir", phone, "sync"]);
    let listed = ok(&["field", "--dir", phone, "list"]);
    let status_of = |id: &str| {
        listed
            .lines()
            .find(|line| line.starts_with(id))
            .and_then(|line| line.split('\t').nth(1))
            .map(str::to_owned)
    };
    assert_eq!(status_of(verified).as_deref(), Some("verified"));
    assert_eq!(
        status_of(rejected),
        Some(format!("rejected: {reason}")),
        "{listed}"
    );

    // The rejection in the volunteer's history: the same replay on the database and through
    // the server, and each read logged in the reader's name, via what they read through.
    let history = |place: &[&str]| -> serde_json::Value {
        let mut args = vec!["audit"];
        args.extend_from_slice(place);
        args.extend_from_slice(&["history", "--volunteer", rejected, "--json"]);
        serde_json::from_str(&ok(&args)).expect("the history as JSON")
    };
    let remote = history(&["--server", &url, "--credential", credential]);
    let local = history(&["--db", db, "--as", ADMIN]);
    assert_eq!(remote, local);
    let actions: Vec<&str> = remote["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|entry| entry["action"].as_str())
        .collect();
    assert!(
        actions.contains(&"enrol") && actions.contains(&"review"),
        "{remote}"
    );
    let log: serde_json::Value = serde_json::from_str(&ok(&[
        "admin",
        "--db",
        db,
        "access-log",
        "--kind",
        "history",
        "--json",
    ]))
    .expect("the access log as JSON");
    let via: Vec<&str> = log["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|line| line["badge"] == ADMIN)
        .filter_map(|line| line["requested_via"].as_str())
        .collect();
    assert!(via.contains(&"cli"), "{log}");
    assert!(via.iter().any(|via| *via != "cli"), "{log}");

    // A constable may not review: one line saying so, no backtrace, nothing written.
    let refused = run(&["review", "--db", db, "--as", CONSTABLE, "verify", rejected]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("a constable does not review volunteers"),
        "{stderr}"
    );
    // A typo in an id names the argument.
    let typo = run(&[
        "review",
        "--db",
        db,
        "--as",
        INCHARGE,
        "verify",
        "not-an-id",
    ]);
    assert!(!typo.status.success());
    assert!(String::from_utf8_lossy(&typo.stderr).contains("VOLUNTEERS"));

    // `mitan report … | head`: the reader has gone before the report is written; the report
    // ends quietly and successfully instead of panicking on the closed pipe.
    let units = ok(&["admin", "--db", db, "list-units"]);
    assert!(units.lines().count() > 30, "{units}");
    let mut child = Command::new(MITAN)
        .args(["report", "--db", db, "--as", ADMIN, "progress"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the report runs");
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("the report ends");
    assert!(output.status.success(), "{output:?}");
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
