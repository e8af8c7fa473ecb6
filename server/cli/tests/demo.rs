//! The demo district: its hierarchy and users land in the store, its volunteers arrive through
//! simulated phones syncing over real HTTP (so the change log names their devices), and a
//! database that is not the demo's is refused.

use std::collections::HashSet;
use std::path::Path;

use mitan_cli::demo::{self, DemoDb};
use mitan_core::model::UnitKind;
use mitan_server::AppState;
use mitan_server::auth::Role;
use mitan_server::background::BackgroundServer;
use mitan_server::district::{District, DistrictConfig};
use mitan_server::store::{ServerStore, User};

struct Server {
    url: String,
    state: AppState,
    _running: BackgroundServer,
}

impl Server {
    fn start(store: ServerStore) -> Self {
        let state = AppState::new(District::new(store, DistrictConfig::default()));
        let running = BackgroundServer::start(state.clone()).expect("the server starts");
        Server {
            url: demo::local_url(running.address),
            state,
            _running: running,
        }
    }
}

/// (rows, distinct devices, rows whose device belongs to a constable or in-charge) of the
/// change log, read straight from the database file as an auditor's tool would.
fn change_log_authors(db: &Path) -> (i64, i64, i64) {
    let connection = rusqlite::Connection::open_with_flags(
        db,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .expect("the database opens read-only");
    connection
        .query_row(
            "SELECT count(*), count(DISTINCT c.device_id),
                    sum(u.role IN ('constable', 'station_incharge'))
             FROM change_log c
             JOIN device d ON d.id = c.device_id
             JOIN user u ON u.badge = d.badge AND u.badge = c.badge",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .expect("the change log is readable")
}

#[test]
fn the_demo_district_is_filled_by_simulated_phones_syncing_over_http() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("mitan-demo.db");
    let (store, found) = demo::open_demo_db(&db, 1_763_900_000_000).expect("a fresh demo db");
    assert_eq!(found, DemoDb::Fresh);
    let server = Server::start(store);

    let fill = demo::fill(
        &server.url,
        &server.state,
        &demo::devices_dir(&db),
        demo::DEMO_SEED,
    )
    .expect("the simulated phones enrol and sync");

    let plan = demo::district();
    let kinds = |kind: UnitKind| plan.units.iter().filter(|unit| unit.kind == kind).count();
    assert_eq!(kinds(UnitKind::Station), 3);
    assert_eq!(kinds(UnitKind::Outpost), 3);
    assert_eq!(kinds(UnitKind::Beat), 9);
    assert_eq!(kinds(UnitKind::Village), 18);
    let roles: HashSet<Role> = plan.users.iter().map(|user| user.role).collect();
    assert_eq!(roles.len(), Role::ALL.len(), "every role has someone");
    {
        let district = server.state.lock_district();
        for unit in &plan.units {
            assert_eq!(
                district.store().unit_kind(&unit.code).expect("readable"),
                Some(unit.kind),
                "{}",
                unit.code
            );
        }
        for user in &plan.users {
            let stored: User = district
                .store()
                .load_user(&user.badge)
                .expect("readable")
                .expect("every demo user is stored");
            assert_eq!(stored.role, user.role);
        }
        assert!(
            (200..=500).contains(&fill.enrolled),
            "a few hundred volunteers: {}",
            fill.enrolled
        );
        assert_eq!(
            district.store().volunteer_count().expect("count"),
            fill.enrolled
        );
        let verified = district
            .store()
            .volunteer_statuses()
            .expect("statuses")
            .into_iter()
            .filter(|(_, status)| status == "verified")
            .count() as u64;
        assert_eq!(verified, fill.verified);
        assert!(verified > 0);
    }
    {
        let district = server.state.lock_district();
        let campaigns = district.store().load_campaigns().expect("campaigns");
        assert_eq!(campaigns.len(), 1, "the demo campaign");
        let targets = district
            .store()
            .load_targets(demo::DEMO_CAMPAIGN)
            .expect("targets");
        assert_eq!(targets.len(), 2, "a district and an employee target");
    }
    // Each constable's training cascade reaches two steps down.
    {
        let district = server.state.lock_district();
        let admin = district
            .store()
            .load_user(&plan.admin.parse().expect("badge"))
            .expect("readable")
            .expect("the admin");
        let cascade =
            mitan_server::reports::trainers::trainers(district.store(), &admin).expect("report");
        let staff = cascade
            .trainers
            .iter()
            .filter(|row| row.badge.is_some())
            .count();
        assert_eq!(staff, 9, "every constable trained someone: {cascade:?}");
        assert!(
            cascade.trainers.iter().any(|row| row.depth == 2),
            "{cascade:?}"
        );
    }
    // Two private cameras a beat, and two groups made by rule that hold volunteers and staff.
    {
        let district = server.state.lock_district();
        let admin = district
            .store()
            .load_user(&plan.admin.parse().expect("badge"))
            .expect("readable")
            .expect("the admin");
        assert_eq!(fill.cameras, 18);
        let cameras = mitan_server::reports::cameras::cameras(
            district.store(),
            &admin,
            &mitan_server::reports::cameras::CameraQuery::default(),
        )
        .expect("camera report");
        assert_eq!(cameras.cameras.len(), 18);
        assert!(
            cameras
                .units
                .iter()
                .filter(|unit| unit.kind == "beat")
                .all(|beat| beat.cameras == 2 && beat.villages_covered >= 1),
            "{cameras:?}"
        );
        let groups = mitan_server::groups::list_groups(
            district.store(),
            &admin,
            &mitan_server::groups::GroupQuery::default(),
            1_763_900_000_000,
        )
        .expect("groups");
        assert_eq!(groups.groups.len(), 2, "{groups:?}");
        for group in &groups.groups {
            assert!(group.volunteers > 0 && group.staff > 0, "{group:?}");
        }
    }
    // Nine constables and three in-charges synced, plus the SP's device that only registered.
    assert_eq!(fill.devices, 13);
    let (rows, devices, by_field_staff) = change_log_authors(&db);
    assert_eq!(rows as u64, fill.enrolled + fill.verified + fill.cameras);
    assert_eq!(devices, 12, "every change came from a simulated phone");
    assert_eq!(by_field_staff, rows);
    // Each constable synced twice and each in-charge twice: every sync took one round trip.
    assert_eq!(fill.syncs, 24);
    assert_eq!(fill.round_trips, fill.syncs);

    let sign_ins = demo::console_sign_ins(&server.state).expect("console passwords set");
    let guide = demo::guide(
        &server.url,
        &db,
        Some(&fill),
        ("CG-4101", "abcd-efgh-ijkl"),
        &sign_ins,
    );
    for path in [
        "/healthz",
        "/metrics",
        "/v1/reports/progress",
        "abcd-efgh-ijkl",
        "station in-charge",
        "auditor",
    ] {
        assert!(guide.contains(path), "{guide}");
    }
    // Each printed sign-in opens the console.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    for sign_in in &sign_ins {
        let line = format!("{}  password: {}", sign_in.badge, sign_in.password);
        assert!(guide.contains(&line), "{guide}");
        let form = format!("badge={}&password={}", sign_in.badge, sign_in.password);
        let response = agent
            .post(&format!("{}/sign-in", server.url))
            .content_type("application/x-www-form-urlencoded")
            .send(form.as_bytes())
            .expect("the console answers");
        assert_eq!(response.status().as_u16(), 303, "{}", sign_in.role);
        assert!(response.headers().contains_key("set-cookie"));
    }
    drop(server);

    let (_, again) = demo::open_demo_db(&db, 1_763_900_000_000).expect("the demo db reopens");
    assert_eq!(again, DemoDb::Filled, "a filled demo is served as it is");
}

#[test]
fn the_demo_refuses_a_database_that_is_not_the_demos() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("district.db");
    {
        let mut store = ServerStore::open(&db).expect("store opens");
        store
            .save_unit(&mitan_core::model::Unit {
                kind: UnitKind::State,
                code: "CG".parse().expect("valid"),
                name_hi: "छत्तीसगढ़".into(),
                name_en: "Chhattisgarh".into(),
                parent: None,
                lgd_code: None,
            })
            .expect("unit saved");
    }
    let error = demo::open_demo_db(&db, 0).expect_err("a real district is refused");
    assert!(error.to_string().contains("not a demo database"), "{error}");
    let store = ServerStore::open(&db).expect("store opens");
    assert_eq!(
        store
            .unit_kind(&demo::DEMO_DISTRICT.parse().expect("valid"))
            .expect("readable"),
        None,
        "nothing of the demo was written"
    );
}
