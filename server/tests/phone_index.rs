//! The keyed blind index of phones (migration 005): shared phones are grouped by an HMAC of the
//! number under a secret that only the server's database holds. The secret differs from one
//! database to the next, no API or CLI output shows it, and a withdrawal takes the tag away
//! with the number. Also the paging of duplicate candidates over groups.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{NOW, district_store, issue_code_in, user};
use hmac::{Hmac, KeyInit, Mac};
use mitan_core::model::{
    AgeClaim, Consent, Gender, Personal, RosterId, Status, Volunteer, VolunteerId,
};
use mitan_server::AppState;
use mitan_server::auth::Role;
use mitan_server::background::BackgroundServer;
use mitan_server::district::{District, DistrictConfig};
use mitan_server::http::openapi_document;
use mitan_server::registration::RegisteredDevice;
use mitan_server::reports::{self, DuplicateReport, ReportQuery};
use mitan_server::store::{KeyUpdate, ServerStore, User};
use sha2::Sha256;

const STATION_ONE: &str = "BSP-PS-KONI";
const STATION_TWO: &str = "BSP-PS-SIPAT";
const BEAT_ONE: &str = "BSP-PS-KONI-B01";
const BEAT_TWO: &str = "BSP-PS-KONI-B02";
const BEAT_OTHER_STATION: &str = "BSP-PS-SIPAT-B01";
const PHONE: &str = "+919131975318";

fn admin() -> User {
    user("SP-BSP", Role::DistrictAdmin, "BSP", &[])
}

fn incharge() -> User {
    user("SHO-KONI", Role::StationIncharge, STATION_ONE, &[])
}

/// A district of two stations (two beats in the first, one in the second), its admin and the
/// first station's in-charge, in a database file.
fn district(dir: &Path) -> (PathBuf, ServerStore) {
    let path = dir.join("server.db");
    let store = district_store(
        &path,
        &[
            (STATION_ONE, &[BEAT_ONE, BEAT_TWO]),
            (STATION_TWO, &[BEAT_OTHER_STATION]),
        ],
        &[admin(), incharge()],
    );
    (path, store)
}

/// Volunteer `n` of `beat`, named `name`, with mobile `phone`.
fn volunteer(n: u64, beat: &str, name: &str, phone: &str) -> (RosterId, Volunteer) {
    let station = if beat.starts_with(STATION_ONE) {
        STATION_ONE
    } else {
        STATION_TWO
    };
    let volunteer = Volunteer {
        id: VolunteerId::from_parts(1_763_900_000_000 + n, u128::from(n)),
        personal: Some(Personal {
            name_devanagari: None,
            name_latin: Some(name.to_owned()),
            phone: phone.parse().expect("valid phone"),
            household: format!("H-{n}"),
            guardian: None,
        }),
        gender: Gender::Female,
        age: AgeClaim::Years(30),
        village: 400_001u32.try_into().expect("valid LGD code"),
        beat: beat.parse().expect("valid beat"),
        station: station.parse().expect("valid station"),
        programmes: BTreeSet::from(["cyber_mitan".parse().expect("valid programme")]),
        enrolled_by: "CG-1".parse().expect("valid badge"),
        enrolled_on: "dev-1".parse().expect("valid device"),
        enrolled_at_ms: NOW + i64::try_from(n).expect("small"),
        trained_by: None,
        consent: Consent {
            given_at_ms: NOW,
            language: "hi".into(),
            notice_version: 1,
            witness: "CG-1".parse().expect("valid badge"),
            guardian_consented: false,
        },
        status: Status::Pending,
        reviewed_by: None,
        conflicts: Vec::new(),
        sealed: false,
        moved_to: None,
    };
    (beat.parse().expect("valid roster"), volunteer)
}

fn save(store: &mut ServerStore, rows: &[(RosterId, Volunteer)], keys: &KeyUpdate) {
    store
        .save_merge(
            &"dev-1".parse().expect("valid device"),
            &"CG-1".parse().expect("valid badge"),
            &[],
            rows,
            keys,
            NOW,
        )
        .expect("merge saved");
}

/// The secret as the database holds it, read around the store as an attacker with the file
/// would.
fn secret_in(path: &Path) -> Vec<u8> {
    rusqlite::Connection::open(path)
        .expect("the file opens")
        .query_row("SELECT secret FROM phone_index_secret", [], |row| {
            row.get(0)
        })
        .expect("migration 005 drew a secret")
}

fn phone_tag_in(path: &Path, id: &VolunteerId) -> Option<Vec<u8>> {
    rusqlite::Connection::open(path)
        .expect("the file opens")
        .query_row(
            "SELECT phone_tag FROM volunteer WHERE id = ?1",
            [id.to_string()],
            |row| row.get(0),
        )
        .expect("the row exists")
}

/// HMAC-SHA256 of the canonical number, cut to 16 bytes, computed here independently.
fn expected_tag(secret: &[u8], phone: &str) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret).expect("any key length");
    mac.update(phone.as_bytes());
    mac.finalize().into_bytes()[..16].to_vec()
}

fn duplicates(store: &ServerStore, user: &User, limit: u32, offset: u32) -> DuplicateReport {
    let query = ReportQuery {
        limit: Some(limit),
        offset: Some(offset),
        ..ReportQuery::default()
    };
    reports::duplicates(store, user, &query).expect("the report runs")
}

fn ids(group: &reports::DuplicateGroup) -> Vec<String> {
    group.volunteers.iter().map(|v| v.id.clone()).collect()
}

#[test]
fn one_phone_enrolled_in_two_beats_is_one_group_keyed_by_its_tag_not_the_number() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (path, mut store) = district(dir.path());
    let first = volunteer(1, BEAT_ONE, "Sunita Sahu", PHONE);
    let again = volunteer(2, BEAT_TWO, "Kavita Verma", PHONE);
    let other = volunteer(3, BEAT_TWO, "Geeta Yadav", "+919131975319");
    save(
        &mut store,
        &[first.clone(), again.clone(), other],
        &KeyUpdate::default(),
    );

    let tag = hex::encode(expected_tag(&secret_in(&path), PHONE));
    for user in [admin(), incharge()] {
        let report = duplicates(&store, &user, 100, 0);
        assert_eq!(report.total_groups.same_phone, 1);
        let [group] = &report.same_phone[..] else {
            panic!("one group: {:?}", report.same_phone);
        };
        assert_eq!(group.key, tag);
        assert!(!group.key.contains("9131975318"));
        assert_eq!(ids(group), [first.1.id.to_string(), again.1.id.to_string()]);
        // What a supervisor decides on: who, by name and number.
        let names: Vec<_> = group
            .volunteers
            .iter()
            .map(|v| (v.name_latin.as_deref(), v.phone.as_deref()))
            .collect();
        assert_eq!(
            names,
            [
                (Some("Sunita Sahu"), Some(PHONE)),
                (Some("Kavita Verma"), Some(PHONE))
            ]
        );
    }
}

#[test]
fn the_same_phone_gets_another_secret_and_tag_in_another_database() {
    let dirs = [
        tempfile::tempdir().expect("temp dir"),
        tempfile::tempdir().expect("temp dir"),
    ];
    let mut secrets = Vec::new();
    let mut keys = Vec::new();
    for dir in &dirs {
        let (path, mut store) = district(dir.path());
        save(
            &mut store,
            &[
                volunteer(1, BEAT_ONE, "Sunita Sahu", PHONE),
                volunteer(2, BEAT_TWO, "Kavita Verma", PHONE),
            ],
            &KeyUpdate::default(),
        );
        let secret = secret_in(&path);
        assert_eq!(secret.len(), 32);
        let report = duplicates(&store, &admin(), 100, 0);
        assert_eq!(report.same_phone.len(), 1);
        assert_eq!(
            report.same_phone[0].key,
            hex::encode(expected_tag(&secret, PHONE))
        );
        secrets.push(secret);
        keys.push(report.same_phone[0].key.clone());
    }
    assert_ne!(secrets[0], secrets[1]);
    assert_ne!(keys[0], keys[1]);
}

#[test]
fn a_withdrawn_volunteers_tag_goes_with_their_phone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (path, mut store) = district(dir.path());
    let kept = volunteer(1, BEAT_ONE, "Sunita Sahu", PHONE);
    let (roster, mut leaving) = volunteer(2, BEAT_TWO, "Kavita Verma", PHONE);
    save(
        &mut store,
        &[kept.clone(), (roster.clone(), leaving.clone())],
        &KeyUpdate::default(),
    );
    let tag = phone_tag_in(&path, &leaving.id).expect("tagged at merge");
    assert_eq!(tag, expected_tag(&secret_in(&path), PHONE));

    // A withdrawal, as a merge writes it: no personal fields, and the key destroyed.
    leaving.personal = None;
    leaving.status = Status::Withdrawn;
    save(
        &mut store,
        &[(roster, leaving.clone())],
        &KeyUpdate {
            added: Vec::new(),
            erased: vec![leaving.id],
        },
    );
    assert_eq!(phone_tag_in(&path, &leaving.id), None);
    assert!(phone_tag_in(&path, &kept.1.id).is_some());
    let report = duplicates(&store, &admin(), 100, 0);
    assert_eq!(report.total_groups.same_phone, 0);
    assert!(report.same_phone.is_empty());
    // The tag is still the kept volunteer's, so it may stay in the file; a lone number's tag
    // after the withdrawal of the only holder must not.
    let (roster, mut alone) = volunteer(3, BEAT_ONE, "Geeta Yadav", "+919131975300");
    save(
        &mut store,
        &[(roster.clone(), alone.clone())],
        &KeyUpdate::default(),
    );
    let alone_tag = phone_tag_in(&path, &alone.id).expect("tagged at merge");
    alone.personal = None;
    alone.status = Status::Withdrawn;
    save(
        &mut store,
        &[(roster, alone.clone())],
        &KeyUpdate {
            added: Vec::new(),
            erased: vec![alone.id],
        },
    );
    drop(store);
    let mut bytes = std::fs::read(&path).expect("the file reads");
    bytes.extend(std::fs::read(path.with_extension("db-wal")).unwrap_or_default());
    assert!(
        !bytes
            .windows(alone_tag.len())
            .any(|window| window == alone_tag),
        "the withdrawn volunteer's tag is in no byte of the database"
    );
}

#[test]
fn duplicate_groups_page_by_limit_and_offset_with_totals_per_kind_in_a_stable_order() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (_path, mut store) = district(dir.path());
    // Five pairs within the first station, each sharing a phone and a name; one more pair
    // split between the two stations.
    let names = [
        "Sunita Sahu",
        "Ramesh Verma",
        "Geeta Yadav",
        "Mahesh Patel",
        "Kavita Kashyap",
    ];
    let mut rows = Vec::new();
    for (index, name) in names.iter().enumerate() {
        let n = index as u64 * 2;
        let phone = format!("+91913197530{index}");
        rows.push(volunteer(n, BEAT_ONE, name, &phone));
        rows.push(volunteer(n + 1, BEAT_TWO, name, &phone));
    }
    rows.push(volunteer(20, BEAT_ONE, "Lata Netam", "+919131975399"));
    rows.push(volunteer(
        21,
        BEAT_OTHER_STATION,
        "Usha Markam",
        "+919131975399",
    ));
    save(&mut store, &rows, &KeyUpdate::default());

    let whole = duplicates(&store, &admin(), 100, 0);
    assert_eq!(whole.total_groups.same_phone, 6);
    assert_eq!(whole.total_groups.similar_name, 5);
    assert_eq!(whole.same_phone.len(), 6);
    assert_eq!(whole.similar_name.len(), 5);
    let mut phone_keys: Vec<&str> = whole.same_phone.iter().map(|g| g.key.as_str()).collect();
    let in_order = phone_keys.clone();
    phone_keys.sort_unstable();
    assert_eq!(phone_keys, in_order, "phone groups come in tag order");

    // Pages of two: neither overlapping nor skipping, in the order of the whole list.
    let mut same_phone = Vec::new();
    let mut similar_name = Vec::new();
    for offset in [0, 2, 4, 6] {
        let page = duplicates(&store, &admin(), 2, offset);
        assert_eq!(page.total_groups, whole.total_groups);
        assert!(page.same_phone.len() <= 2 && page.similar_name.len() <= 2);
        same_phone.extend(page.same_phone);
        similar_name.extend(page.similar_name);
    }
    assert_eq!(same_phone, whole.same_phone);
    assert_eq!(similar_name, whole.similar_name);
    assert!(duplicates(&store, &admin(), 2, 6).same_phone.is_empty());

    // A limit of 0 still shows one group; the same query gives the same page.
    assert_eq!(duplicates(&store, &admin(), 0, 0).same_phone.len(), 1);
    assert_eq!(
        duplicates(&store, &admin(), 3, 1),
        duplicates(&store, &admin(), 3, 1)
    );

    // The in-charge's totals count only groups of two within their station.
    let station = duplicates(&store, &incharge(), 100, 0);
    assert_eq!(station.total_groups.same_phone, 5);
    assert_eq!(station.total_groups.similar_name, 5);
    assert!(station.same_phone.iter().all(|group| {
        group
            .volunteers
            .iter()
            .all(|v| v.beat == BEAT_ONE || v.beat == BEAT_TWO)
    }));
}

fn mitan(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_mitan"))
        .args(args)
        .env("MITAN_LOG", "info")
        .output()
        .expect("the binary runs");
    assert!(
        output.status.success(),
        "mitan {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    text
}

/// The forms in which the secret could be shown.
fn spellings(secret: &[u8]) -> Vec<Vec<u8>> {
    vec![
        secret.to_vec(),
        hex::encode(secret).into_bytes(),
        hex::encode_upper(secret).into_bytes(),
        // A JSON array of bytes, as serde writes a Vec<u8>.
        format!("{secret:?}").replace(' ', "").into_bytes(),
    ]
}

fn assert_free_of(secret: &[u8], what: &str, output: &[u8]) {
    for spelling in spellings(secret) {
        assert!(
            !output
                .windows(spelling.len())
                .any(|window| window == spelling.as_slice()),
            "{what} shows the phone index secret"
        );
    }
}

#[test]
fn no_api_or_cli_output_contains_the_secret() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (path, mut store) = district(dir.path());
    save(
        &mut store,
        &[
            volunteer(1, BEAT_ONE, "Sunita Sahu", PHONE),
            volunteer(2, BEAT_TWO, "Kavita Verma", PHONE),
        ],
        &KeyUpdate::default(),
    );
    let secret = secret_in(&path);
    assert_free_of(
        &secret,
        "the store's debug output",
        format!("{store:?}").as_bytes(),
    );

    let state = AppState::new(District::new(store, DistrictConfig::default()));
    let server = BackgroundServer::start(state.clone()).expect("the server starts");
    let code = issue_code_in(&state, "SP-BSP");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut registered = agent
        .post(&format!("{}/v1/devices/register", server.url))
        .header("Content-Type", "application/json")
        .send(serde_json::json!({ "code": code, "actor": "11".repeat(16) }).to_string())
        .expect("the server answers");
    let registered: RegisteredDevice =
        serde_json::from_slice(&registered.body_mut().read_to_vec().expect("the body reads"))
            .expect("registration reply");

    // Every GET route without a path parameter, exports in each kind and format.
    let document = serde_json::to_value(openapi_document()).expect("the document as JSON");
    let mut paths: Vec<String> = document["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .filter(|(path, item)| !path.contains('{') && item["get"].is_object())
        .filter(|(_, item)| {
            item["get"]["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .all(|parameter| parameter["required"] != true)
        })
        // The audit history needs one of its scopes, the past report a moment or a change
        // and its diff a first moment, each optional on its own.
        .map(|(path, _)| match path.as_str() {
            "/v1/audit/history" => "/v1/audit/history?unit=BSP".to_owned(),
            "/v1/audit/report" => format!("/v1/audit/report?at_ms={}", state.now_ms()),
            "/v1/audit/report/diff" => "/v1/audit/report/diff?from_ms=0".to_owned(),
            path => path.to_owned(),
        })
        .collect();
    assert!(paths.iter().any(|path| path == "/v1/reports/progress"));
    for query in [
        "unit=BSP&include_unverified=true",
        "unit=BSP&include_unverified=true&kind=group&format=vcard",
        "unit=BSP&include_unverified=true&kind=broadcast",
    ] {
        paths.push(format!("/v1/exports?{query}"));
    }
    paths.push("/v1/reports/duplicates?limit=1000".into());
    for path in &paths {
        let mut reply = agent
            .get(&format!("{}{path}", server.url))
            .header(
                "Authorization",
                &format!("Bearer {}", registered.credential),
            )
            .call()
            .expect("the server answers");
        assert!(reply.status().is_success(), "{path}: {}", reply.status());
        let body = reply.body_mut().read_to_vec().expect("the body reads");
        assert_free_of(&secret, path, &body);
    }
    drop(server);

    // The command line: an export to files and what it prints.
    let db = path.to_str().expect("utf-8 path");
    let out = dir.path().join("export");
    std::fs::create_dir(&out).expect("export directory");
    let printed = mitan(&[
        "admin",
        "--db",
        db,
        "export",
        "--as",
        "SP-BSP",
        "--unit",
        "BSP",
        "--include-unverified",
        "--out",
        out.to_str().expect("utf-8 path"),
    ]);
    assert_free_of(&secret, "mitan admin export", printed.as_bytes());
    for file in std::fs::read_dir(&out).expect("the export wrote files") {
        let file = file.expect("a directory entry").path();
        let bytes = std::fs::read(&file).expect("the export file reads");
        assert!(!bytes.is_empty());
        assert_free_of(&secret, &file.display().to_string(), &bytes);
    }
    let printed = mitan(&["admin", "--db", db, "issue-code", "--badge", "SHO-KONI"]);
    assert_free_of(&secret, "mitan admin issue-code", printed.as_bytes());
}
