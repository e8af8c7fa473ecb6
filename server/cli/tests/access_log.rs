//! The access log over real HTTP on loopback, on the demo district filled by simulated phones:
//! each read of volunteers' personal fields (review queue, duplicates, exports over HTTP and
//! the CLI, syncs granting keys) leaves exactly one line naming who, through what, which
//! scope, how many people and when; counts leave none; auditors and district admins list the
//! lines with filters and pages, others get 403; and no line can be changed or removed.

mod common;

use std::collections::HashSet;
use std::path::Path;
use std::process::Command;

use common::{TestClock, issue_code_in};
use mitan_cli::demo::{self, DemoDb};
use mitan_cli::field;
use mitan_server::AppState;
use mitan_server::access::{AccessLog, AccessLogLine};
use mitan_server::background::BackgroundServer;
use mitan_server::district::{District, DistrictConfig};
use mitan_server::registration::RegisteredDevice;
use mitan_server::store::{AccessRead, ServerStore};

const MITAN: &str = env!("CARGO_BIN_EXE_mitan");
const FILLED_AT: i64 = 1_763_900_000_000;

struct Server {
    url: String,
    state: AppState,
    clock: TestClock,
    db: std::path::PathBuf,
    // Declared before the directory: the server stops before its database is deleted.
    _running: BackgroundServer,
    dir: tempfile::TempDir,
}

impl Server {
    /// The demo district, filled through simulated phones at [`FILLED_AT`].
    fn demo() -> (Self, demo::DemoFill) {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("mitan-demo.db");
        let (store, found) = demo::open_demo_db(&db, FILLED_AT).expect("a fresh demo db");
        assert_eq!(found, DemoDb::Fresh);
        let clock = TestClock::at(FILLED_AT);
        let state = AppState::new(District::new(store, DistrictConfig::default()))
            .with_clock(clock.reading())
            .with_sync_rate(None);
        let running = BackgroundServer::start(state.clone()).expect("the server starts");
        let server = Server {
            url: demo::local_url(running.address),
            state,
            clock,
            db: db.clone(),
            _running: running,
            dir,
        };
        let fill = demo::fill(
            &server.url,
            &server.state,
            &demo::devices_dir(&db),
            demo::DEMO_SEED,
        )
        .expect("the simulated phones enrol and sync");
        (server, fill)
    }

    fn set_time(&self, now_ms: i64) {
        self.clock.set(now_ms);
    }

    /// A new device of `badge`, registered over HTTP.
    fn device(&self, badge: &str) -> RegisteredDevice {
        let code = issue_code_in(&self.state, badge);
        let dir = self.dir.path().join(format!("device-{badge}"));
        field::register(&self.url, &code, None, &dir)
            .expect("the device registers")
            .device
    }

    fn get(&self, path: &str, credential: &str) -> (u16, String) {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut response = agent
            .get(&format!("{}{path}", self.url))
            .header("Authorization", &format!("Bearer {credential}"))
            .call()
            .expect("the server answers");
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_string()
            .expect("the body reads");
        (status, body)
    }

    fn get_json(&self, path: &str, credential: &str) -> serde_json::Value {
        let (status, body) = self.get(path, credential);
        assert_eq!(status, 200, "{path}: {body}");
        serde_json::from_str(&body).expect("a JSON body")
    }

    fn access_log(&self, query: &str, credential: &str) -> AccessLog {
        let (status, body) = self.get(&format!("/v1/audit/access-log?{query}"), credential);
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).expect("an access log")
    }

    /// Every line of the access log, newest first, read straight from the store.
    fn all_lines(&self) -> Vec<AccessLogLine> {
        let district = self.state.lock_district();
        mitan_server::access::list(
            district.store(),
            &mitan_server::access::AccessLogQuery {
                limit: Some(1_000),
                ..Default::default()
            },
        )
        .expect("the log lists")
        .entries
    }

    fn mitan(&self, args: &[&str]) -> String {
        let output = Command::new(MITAN)
            .arg("admin")
            .arg("--db")
            .arg(&self.db)
            .args(args)
            .output()
            .expect("mitan runs");
        assert!(
            output.status.success(),
            "mitan {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("utf-8 output")
    }
}

/// The lines added since `before` lines were in the log, oldest first.
fn added(server: &Server, before: usize) -> Vec<AccessLogLine> {
    let mut lines = server.all_lines();
    lines.reverse();
    lines.split_off(before)
}

#[test]
fn each_read_of_personal_fields_leaves_one_line_and_counts_leave_none() {
    let (server, fill) = Server::demo();
    let plan = demo::district();
    let incharge = plan.incharges[0].clone();
    let station = plan
        .users
        .iter()
        .find(|user| user.badge.to_string() == incharge)
        .expect("the in-charge is a demo user")
        .unit
        .to_string();

    // The fill itself: each in-charge's first sync pulled the keys of their station's people,
    // so those syncs are the only lines, and between them they cover every person once.
    let after_fill = server.all_lines();
    assert!(after_fill.iter().all(|line| line.kind == "sync"));
    assert!(
        after_fill
            .iter()
            .all(|line| line.role == "station_incharge" && line.at_ms == FILLED_AT),
        "{after_fill:?}"
    );
    assert_eq!(after_fill.len(), plan.incharges.len(), "{after_fill:?}");
    // The people whose keys those syncs carried: every volunteer, and every camera's owner.
    assert_eq!(
        after_fill.iter().map(|line| line.volunteers).sum::<u64>(),
        fill.enrolled + fill.cameras
    );

    let device = server.device(&incharge);
    let before = server.all_lines().len();

    // Counts carry no personal fields.
    for path in [
        "/v1/reports/progress",
        "/v1/reports/coverage",
        "/v1/reports/programmes",
    ] {
        server.get_json(path, &device.credential);
    }
    assert!(added(&server, before).is_empty());

    let t1 = FILLED_AT + 60_000;
    server.set_time(t1);
    let queue = server.get_json("/v1/reports/review-queue?limit=5", &device.credential);
    let shown = queue["volunteers"].as_array().expect("a page").len() as u64;
    assert_eq!(
        shown, 5,
        "the demo leaves about half of each station pending"
    );
    let lines = added(&server, before);
    assert_eq!(lines.len(), 1, "{lines:?}");
    let line = &lines[0];
    assert_eq!(
        (
            line.badge.as_str(),
            line.role.as_str(),
            line.requested_via.as_str(),
            line.kind.as_str(),
            line.scope.as_str(),
            line.query.as_str(),
            line.volunteers,
            line.at_ms
        ),
        (
            incharge.as_str(),
            "station_incharge",
            device.device_id.as_str(),
            "review_queue",
            station.as_str(),
            "limit=5",
            shown,
            t1
        )
    );

    let t2 = t1 + 60_000;
    server.set_time(t2);
    let before = server.all_lines().len();
    let duplicates = server.get_json("/v1/reports/duplicates", &device.credential);
    let people: HashSet<String> = ["same_phone", "similar_name"]
        .iter()
        .flat_map(|list| duplicates[*list].as_array().expect("groups").clone())
        .flat_map(|group| group["volunteers"].as_array().expect("people").clone())
        .map(|person| person["id"].as_str().expect("an id").to_owned())
        .collect();
    let lines = added(&server, before);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0].kind, "duplicates");
    assert_eq!(lines[0].volunteers, people.len() as u64);
    assert_eq!(lines[0].at_ms, t2);

    let t3 = t2 + 60_000;
    server.set_time(t3);
    let before = server.all_lines().len();
    let (status, csv) = server.get(
        &format!("/v1/exports?unit={station}&kind=group&include_unverified=true"),
        &device.credential,
    );
    assert_eq!(status, 200, "{csv}");
    let members = csv.lines().count() as u64 - 1;
    assert!(members > 0);
    let lines = added(&server, before);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(
        (
            lines[0].kind.as_str(),
            lines[0].scope.as_str(),
            lines[0].query.as_str(),
            lines[0].volunteers,
            lines[0].requested_via.as_str()
        ),
        (
            "export",
            station.as_str(),
            "kind=group&format=csv&include_unverified=true",
            members,
            device.device_id.as_str()
        )
    );

    // A refused read hands out nothing and logs nothing.
    let before = server.all_lines().len();
    let (status, _) = server.get("/v1/exports?unit=DEMO", &device.credential);
    assert_eq!(status, 403);
    assert!(added(&server, before).is_empty());

    // An export through the CLI is logged as taken there.
    let out = server.dir.path().join("roster.csv");
    server.mitan(&[
        "export",
        "--as",
        &incharge,
        "--unit",
        &station,
        "--out",
        out.to_str().expect("utf-8 path"),
    ]);
    let lines = added(&server, before);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(
        (
            lines[0].kind.as_str(),
            lines[0].requested_via.as_str(),
            lines[0].query.as_str()
        ),
        ("export", "cli", "kind=roster&format=csv")
    );

    // The auditor lists them, narrowed by kind, badge and time, page by page.
    let auditor = server.device("CG-9001");
    let before = server.all_lines().len();
    let by_kind = server.access_log("kind=review_queue", &auditor.credential);
    assert_eq!(by_kind.entries.len(), 1);
    assert_eq!(by_kind.entries[0].at_ms, t1);
    let by_badge = server.access_log(&format!("badge={incharge}"), &auditor.credential);
    let kinds: Vec<&str> = by_badge
        .entries
        .iter()
        .map(|line| line.kind.as_str())
        .collect();
    assert_eq!(
        kinds,
        ["export", "export", "duplicates", "review_queue", "sync"]
    );
    let window = server.access_log(&format!("from_ms={t1}&to_ms={t3}"), &auditor.credential);
    let kinds: Vec<&str> = window
        .entries
        .iter()
        .map(|line| line.kind.as_str())
        .collect();
    assert_eq!(kinds, ["duplicates", "review_queue"]);
    let first = server.access_log("limit=2", &auditor.credential);
    assert_eq!(first.entries.len(), 2);
    let next_before = first.next_before.expect("more than one page");
    let second = server.access_log(
        &format!("limit=2&before={next_before}"),
        &auditor.credential,
    );
    assert!(second.entries[0].seq < first.entries[1].seq);
    let (status, _) = server.get("/v1/audit/access-log?kind=gossip", &auditor.credential);
    assert_eq!(status, 400);
    // Reading the log shows officers, not volunteers: it is not itself logged.
    assert!(added(&server, before).is_empty());

    // The district admin may list it; an in-charge and a constable may not.
    let admin_log = server.access_log("", &fill.admin_credential);
    assert_eq!(admin_log.entries.len(), server.all_lines().len());
    let (status, _) = server.get("/v1/audit/access-log", &device.credential);
    assert_eq!(status, 403);
    let constable = server.device(&plan.constables[0].badge);
    let (status, _) = server.get("/v1/audit/access-log", &constable.credential);
    assert_eq!(status, 403);

    // The CLI lists the same lines, filtered.
    let printed = server.mitan(&["access-log", "--kind", "export"]);
    let printed: Vec<&str> = printed.lines().collect();
    assert_eq!(printed.len(), 2, "{printed:?}");
    assert!(printed[0].contains("\tcli\texport\t"), "{}", printed[0]);
    assert!(printed[1].contains(&device.device_id), "{}", printed[1]);
}

fn read(badge: &str) -> AccessRead {
    AccessRead {
        badge: badge.to_owned(),
        role: "station_incharge".to_owned(),
        requested_via: "dev-1".to_owned(),
        kind: "review_queue".to_owned(),
        scope: "BSP-PS-KONI".to_owned(),
        query: String::new(),
        volunteers: 3,
    }
}

#[test]
fn access_log_lines_cannot_be_changed_or_removed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("server.db");
    {
        let mut store = ServerStore::open(&db).expect("store opens");
        store.save_access(&read("CG-100"), 1).expect("logged");
    }
    let connection = rusqlite::Connection::open(&db).expect("the database opens");
    for sql in [
        "UPDATE access_log SET badge = 'CG-999'",
        "UPDATE access_log SET volunteers = 0",
        "DELETE FROM access_log",
    ] {
        let error = connection
            .execute(sql, [])
            .expect_err("the log refuses changes");
        assert!(error.to_string().contains("append-only"), "{sql}: {error}");
    }
    let kept: (String, i64) = connection
        .query_row("SELECT badge, volunteers FROM access_log", [], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .expect("the line is still there");
    assert_eq!(kept, ("CG-100".to_owned(), 3));
    assert_db_is_the_servers(&db);
}

/// The refusals come from the schema, not from the server's code: the file opened by any
/// tool still holds the triggers.
fn assert_db_is_the_servers(db: &Path) {
    let connection = rusqlite::Connection::open(db).expect("the database opens");
    let triggers: i64 = connection
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'
                 AND tbl_name = 'access_log'",
            [],
            |row| row.get(0),
        )
        .expect("sqlite_master reads");
    assert_eq!(triggers, 2);
}
