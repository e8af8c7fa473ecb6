//! `mitan serve --demo` as a newcomer runs it: no database named, so `./mitan-demo.db` in the
//! working directory; the guide printed once the simulated phones are done; a graceful stop
//! on SIGTERM. And `--demo` pointed at a real district's database refuses to start.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

mod common;

use common::{MITAN, Process as Server};

#[test]
fn serve_demo_fills_the_default_database_prints_the_guide_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(MITAN)
        .args(["serve", "--demo"])
        .current_dir(dir.path())
        .env_remove("MITAN_DB")
        // The address comes from the environment, as under systemd or in a container.
        .env("MITAN_LISTEN", "127.0.0.1:0")
        .env("MITAN_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the server starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut server = Server(child);
    let (lines, guide) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let mut printed = Vec::new();
    while !printed
        .iter()
        .any(|line: &String| line.contains("mitan field --dir ./my-phone sync"))
    {
        printed.push(
            guide
                .recv_timeout(Duration::from_secs(120))
                .expect("the demo prints its guide"),
        );
    }
    let url = printed[0]
        .split(" at ")
        .nth(1)
        .expect("the first line names the server's address")
        .trim()
        .to_owned();
    assert!(
        printed
            .iter()
            .any(|line| line.contains("volunteers enrolled")),
        "{printed:#?}"
    );
    assert!(dir.path().join("mitan-demo.db").exists());
    assert!(dir.path().join("mitan-demo.db.phones").is_dir());

    let mut health = ureq::get(&format!("{url}/healthz"))
        .call()
        .expect("the server answers");
    assert_eq!(health.body_mut().read_to_string().expect("body"), "ok\n");

    let status = Command::new("kill")
        .args(["-TERM", &server.0.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let exit = server.0.wait().expect("the server exits");
    assert!(exit.success(), "a graceful stop exits cleanly: {exit:?}");
}

#[test]
fn serve_demo_refuses_a_database_that_is_not_the_demos() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("district.db");
    let db_arg = db.to_str().expect("utf-8 path");
    let added = Command::new(MITAN)
        .args([
            "admin",
            "--db",
            db_arg,
            "add-unit",
            "--kind",
            "state",
            "--code",
            "CG",
            "--name-hi",
            "छत्तीसगढ़",
            "--name-en",
            "Chhattisgarh",
        ])
        .env("MITAN_LOG", "warn")
        .output()
        .expect("the binary runs");
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let before = std::fs::read(&db).expect("the database reads");
    let refused = Command::new(MITAN)
        .args(["serve", "--demo", "--db", db_arg, "--listen", "127.0.0.1:0"])
        .env("MITAN_LOG", "warn")
        .output()
        .expect("the binary runs");
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("not a demo database"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    // Refused before anything was written: not even a schema migration.
    assert_eq!(std::fs::read(&db).expect("the database reads"), before);

    // Some other program's SQLite file is refused as it is, not turned into a Mitan schema.
    let foreign = dir.path().join("registers.db");
    {
        let connection = rusqlite::Connection::open(&foreign).expect("creates");
        connection
            .execute_batch("CREATE TABLE register (entry TEXT); INSERT INTO register VALUES ('x');")
            .expect("writes");
    }
    let before = std::fs::read(&foreign).expect("reads");
    let refused = Command::new(MITAN)
        .args([
            "serve",
            "--demo",
            "--db",
            foreign.to_str().expect("utf-8 path"),
            "--listen",
            "127.0.0.1:0",
        ])
        .env("MITAN_LOG", "warn")
        .output()
        .expect("the binary runs");
    assert!(!refused.status.success());
    assert_eq!(std::fs::read(&foreign).expect("reads"), before);
}
