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

/// Starts `mitan serve` on a free port and returns the child and its URL.
fn serve(db: &Path) -> (Server, String) {
    let (server, address) = serve_with(db, &[]);
    (server, format!("http://{address}"))
}

#[test]
fn the_binary_serves_administers_and_runs_a_field_device_then_stops_on_sigterm() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("district.db");
    let db_arg = db.to_str().expect("utf-8 path");
    let (mut server, url) = serve(&db);

    add_district(db_arg);
    let code = mitan(&["admin", "--db", db_arg, "issue-code", "--badge", "CG-001"]);

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
    let synced = enrol_and_sync(phone_arg);
    assert!(synced.contains("1 acknowledged"), "{synced}");
    let listed = mitan(&["field", "--dir", phone_arg, "list"]);
    assert!(listed.contains("सुनीता वर्मा"), "{listed}");
    // The constable, trained by the in-charge, named them as her trainer.
    let trainers = mitan(&["report", "--db", db_arg, "--as", "CG-001", "trainers"]);
    assert!(trainers.contains("staff CG-100\t1\t0\t1\t0"), "{trainers}");
    sync_stands_when_the_notices_fail(&phone, &url);

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
    drop(store);
    encrypted_at_rest(&db);
}

/// Encrypted in place, the database opens only with its key, for `admin`, `report` and
/// `serve` alike, and still holds the enrolment.
fn encrypted_at_rest(db: &Path) {
    let db_arg = db.to_str().expect("utf-8 path");
    let key = db.with_extension("key");
    let key_arg = key.to_str().expect("utf-8 path");
    let said = mitan(&["admin", "--db", db_arg, "encrypt", "--key-file", key_arg]);
    assert!(said.contains("is encrypted"), "{said}");
    let bytes = std::fs::read(db).expect("the file");
    assert!(!bytes.windows(15).any(|window| window == b"SQLite format 3"));

    let refused = common::mitan_run(&["admin", "--db", db_arg, "list-units"]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("--db-key-file"), "{stderr}");
    let units = mitan(&[
        "admin",
        "--db",
        db_arg,
        "--db-key-file",
        key_arg,
        "list-units",
    ]);
    assert!(units.contains("BSP-PS-KONI-B01"), "{units}");
    let progress = mitan(&[
        "report",
        "--db",
        db_arg,
        "--db-key-file",
        key_arg,
        "--as",
        "CG-001",
        "progress",
    ]);
    assert!(progress.contains("BSP-PS-KONI"), "{progress}");

    let (_server, address) = serve_with(db, &["--db-key-file", key_arg]);
    let health = ureq::get(&format!("http://{address}/healthz"))
        .call()
        .expect("healthz answers")
        .body_mut()
        .read_to_string()
        .expect("text");
    assert_eq!(health, "ok\n");
}

/// Through a proxy that passes syncs to the server and fails everything else, `mitan field
/// sync` succeeds: the server acknowledged the sync, and only the notices fetch after it
/// failed, which it warns of.
fn sync_stands_when_the_notices_fail(phone: &Path, server: &str) {
    let proxy = SyncOnlyProxy::start(server);
    let profile_path = phone.join("profile.json");
    let original = std::fs::read_to_string(&profile_path).expect("the profile");
    let mut profile: serde_json::Value = serde_json::from_str(&original).expect("JSON");
    profile["server"] = serde_json::Value::String(proxy.url.clone());
    std::fs::write(&profile_path, profile.to_string()).expect("profile rewritten");

    let output = Command::new(MITAN)
        .args(["field", "--dir", phone.to_str().expect("utf-8"), "sync"])
        .output()
        .expect("mitan runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("synced in"), "{stdout}");
    assert!(stderr.contains("could not be fetched"), "{stderr}");
    assert!(proxy.syncs() >= 1, "the sync went through the proxy");
    std::fs::write(&profile_path, original).expect("profile restored");
}

/// Forwards `POST /v1/sync` to a server and answers 503 to anything else.
struct SyncOnlyProxy {
    url: String,
    forwarded: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl SyncOnlyProxy {
    fn start(server: &str) -> Self {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
        let url = format!("http://{}", listener.local_addr().expect("bound"));
        let forwarded = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = forwarded.clone();
        let server = server.to_owned();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { break };
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).is_err() {
                    continue;
                }
                let mut length = 0;
                let mut authorization = String::new();
                loop {
                    let mut header = String::new();
                    if reader.read_line(&mut header).is_err() || header.trim().is_empty() {
                        break;
                    }
                    let lower = header.to_ascii_lowercase();
                    if let Some(value) = lower.strip_prefix("content-length:") {
                        length = value.trim().parse().unwrap_or(0);
                    }
                    if lower.starts_with("authorization:") {
                        authorization = header["authorization:".len()..].trim().to_owned();
                    }
                }
                let mut body = vec![0; length];
                if reader.read_exact(&mut body).is_err() {
                    continue;
                }
                let (status, answer) = if request_line.starts_with("POST /v1/sync ") {
                    counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let agent: ureq::Agent = ureq::Agent::config_builder()
                        .http_status_as_error(false)
                        .build()
                        .into();
                    let mut response = agent
                        .post(&format!("{server}/v1/sync"))
                        .header("Authorization", &authorization)
                        .content_type("application/octet-stream")
                        .send(&body[..])
                        .expect("the server answers");
                    (
                        response.status().as_u16(),
                        response.body_mut().read_to_vec().expect("the body"),
                    )
                } else {
                    (503, b"{}".to_vec())
                };
                let head = format!(
                    "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    answer.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&answer);
            }
        });
        SyncOnlyProxy { url, forwarded }
    }

    fn syncs(&self) -> usize {
        self.forwarded.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// Enrols one volunteer on the field device in `phone` and syncs it: what the sync printed.
fn enrol_and_sync(phone: &str) -> String {
    enrol(phone);
    mitan(&["field", "--dir", phone, "sync"])
}

/// Enrols one volunteer on the field device in `phone`, offline.
fn enrol(phone: &str) {
    mitan(&[
        "field",
        "--dir",
        phone,
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
        "--trained-by",
        "CG-100",
    ]);
}

/// The district of these tests, as an admin types it: its hierarchy down to one beat,
/// constable CG-001 working that beat, and the Hindi consent notice, without which a phone
/// has nothing to show and enrols no one.
fn add_district(db: &str) {
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
            db,
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
        db,
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
    let notice = Path::new(db).with_extension("notice-hi.txt");
    std::fs::write(&notice, "आपका नाम और फ़ोन नंबर मितान सूची में रखा जाएगा।\n")
        .expect("notice written");
    let published = mitan(&[
        "admin",
        "--db",
        db,
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
}

/// Starts `mitan serve` with `extra` arguments and returns it with the address it logs.
fn serve_with(db: &Path, extra: &[&str]) -> (Server, String) {
    let mut child = Command::new(MITAN)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(extra)
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
    (Server(child), address)
}

#[test]
fn a_district_makes_its_ca_serves_https_and_a_phone_registered_with_the_slip_syncs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = |name: &str| dir.path().join(name).to_str().expect("utf-8").to_owned();
    let (db, ca_dir, tls_dir, phone) =
        (path("district.db"), path("ca"), path("tls"), path("phone"));

    // Beyond loopback without TLS, the server refuses to start.
    let refused = common::mitan_run(&["serve", "--db", &db, "--listen", "0.0.0.0:0"]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("--tls-cert"), "{stderr}");

    let made = mitan(&[
        "admin",
        "make-ca",
        "--district",
        "BSP",
        "--out-dir",
        &ca_dir,
    ]);
    let fingerprint = made
        .lines()
        .find_map(|line| line.strip_prefix("CA: "))
        .expect("the CA's fingerprint is printed")
        .to_owned();
    mitan(&[
        "admin",
        "make-cert",
        "--ca-dir",
        &ca_dir,
        "--host",
        "localhost",
        "--host",
        "127.0.0.1",
        "--out-dir",
        &tls_dir,
    ]);
    let again = common::mitan_run(&[
        "admin",
        "make-ca",
        "--district",
        "BSP",
        "--out-dir",
        &ca_dir,
    ]);
    assert!(!again.status.success(), "a CA is never replaced");

    add_district(&db);
    let chain = format!("{tls_dir}/server.pem");
    let key = format!("{tls_dir}/server-key.pem");
    let (_server, address) = serve_with(Path::new(&db), &["--tls-cert", &chain, "--tls-key", &key]);
    let url = format!(
        "https://localhost:{}",
        address.rsplit(':').next().expect("a port")
    );

    // The registration slip: the code, the server, the CA to pin.
    let slip = mitan(&[
        "admin",
        "--db",
        &db,
        "issue-code",
        "--badge",
        "CG-001",
        "--server",
        &url,
        "--ca",
        &format!("{ca_dir}/ca.pem"),
    ]);
    let code = slip.lines().next().expect("the code").to_owned();
    assert!(slip.contains(&format!("server: {url}")), "{slip}");
    assert!(slip.contains(&format!("CA: {fingerprint}")), "{slip}");
    let registered = mitan(&[
        "field",
        "--dir",
        &phone,
        "register",
        "--server",
        &url,
        "--code",
        &code,
        "--ca-fingerprint",
        &fingerprint,
    ]);
    assert!(registered.contains("BSP-PS-KONI-B01"), "{registered}");
    let synced = enrol_and_sync(&phone);
    assert!(synced.contains("1 acknowledged"), "{synced}");
}

#[test]
fn a_field_device_restored_from_a_backup_re_registers_itself_at_its_next_sync() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("district.db");
    let db_arg = db.to_str().expect("utf-8 path");
    let (_server, url) = serve(&db);
    add_district(db_arg);
    let code = mitan(&["admin", "--db", db_arg, "issue-code", "--badge", "CG-001"]);
    let (phone, backup) = (dir.path().join("phone"), dir.path().join("backup"));
    let phone_arg = phone.to_str().expect("utf-8 path");
    mitan(&[
        "field",
        "--dir",
        phone_arg,
        "register",
        "--server",
        &url,
        "--code",
        code.trim(),
    ]);
    enrol_and_sync(phone_arg);
    std::fs::create_dir_all(&backup).expect("backup folder");
    for entry in std::fs::read_dir(&phone).expect("the folder reads") {
        let entry = entry.expect("an entry");
        std::fs::copy(entry.path(), backup.join(entry.file_name())).expect("copied");
    }
    enrol_and_sync(phone_arg);

    let backup_arg = backup.to_str().expect("utf-8 path");
    enrol(backup_arg);
    let output = Command::new(MITAN)
        .args(["field", "--dir", backup_arg, "sync"])
        .output()
        .expect("mitan runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}{stderr}");
    assert!(stderr.contains("restored from a backup"), "{stderr}");
    assert!(stdout.contains("re-registered as"), "{stdout}");
    assert!(
        stdout.contains("1 change(s) made before the recovery were written again"),
        "{stdout}"
    );
    let store = mitan_server::store::ServerStore::open_reader(&db).expect("a reader opens");
    assert_eq!(store.volunteer_count().expect("count"), 3);

    // The live phone's registration was the one replaced: it is told to ask for a code.
    let output = Command::new(MITAN)
        .args(["field", "--dir", phone_arg, "sync"])
        .output()
        .expect("mitan runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("credential"), "{stderr}");
}
