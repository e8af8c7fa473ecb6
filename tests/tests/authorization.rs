//! Authorization over real HTTP: foreign rosters, forged actors, revoked devices.

use mitan_core::demo::Generator;
use mitan_core::device::{Device, Moment};
use mitan_core::model::EnrolmentRules;
use mitan_core::store::StoreKey;
use mitan_e2e::{TestServer, beat, station};
use mitan_server::auth::Role;

const NOW: i64 = 1_763_900_000_000;

fn enrol_one(device: &mut Device, station_code: &str, beat_code: &str, seed: u64) {
    let form = Generator::new(seed).enrolment_form(station_code, beat_code, "430001");
    device
        .enrol(
            &form,
            Moment {
                now_ms: NOW,
                random: u128::from(seed),
            },
        )
        .expect("a demo enrolment is accepted");
}

#[test]
fn a_device_of_station_a_touching_station_b_gets_403_and_nothing_is_stored() {
    let server = TestServer::start(2).expect("the server starts");
    let dirs = tempfile::tempdir().expect("temp dir");
    let (beat_a, beat_b) = (beat(0, 0), beat(1, 0));
    server
        .add_user(
            "CG-001",
            Role::Constable,
            &station(0),
            std::slice::from_ref(&beat_a),
        )
        .expect("user added");
    let field = server
        .field_device("CG-001", &dirs.path().join("honest"))
        .expect("registers");
    drop(field);
    // A tampered phone: the registered identity, plus a beat of another station.
    let profile =
        mitan_cli::field::FieldProfile::load(&dirs.path().join("honest")).expect("profile");
    let mut identity = profile.identity().expect("identity");
    identity.beats.push(beat_b.parse().expect("valid beat"));
    let mut device = Device::open(
        &dirs.path().join("tampered.db"),
        &StoreKey::from_bytes([7; 32]),
        &identity,
        EnrolmentRules::standard(2026),
    )
    .expect("store opens");
    enrol_one(&mut device, &station(0), &beat_a, 1);
    enrol_one(&mut device, &station(1), &beat_b, 2);

    let mut transport = profile.transport();
    let error = device
        .sync(&mut transport, NOW)
        .expect_err("the whole sync is refused");
    assert_eq!(transport.last_status, Some(403), "{error}");
    assert_eq!(server.logged_changes(), 0);
    assert!(server.volunteers().is_empty());
    assert_eq!(device.pending_sync_count().expect("count"), 2);
}

#[test]
fn a_change_under_a_forged_actor_is_refused_and_not_stored() {
    let server = TestServer::start(1).expect("the server starts");
    let dirs = tempfile::tempdir().expect("temp dir");
    let beat_code = beat(0, 0);
    server
        .add_user(
            "CG-001",
            Role::Constable,
            &station(0),
            std::slice::from_ref(&beat_code),
        )
        .expect("user added");
    server
        .field_device("CG-001", &dirs.path().join("honest"))
        .expect("registers");
    let profile =
        mitan_cli::field::FieldProfile::load(&dirs.path().join("honest")).expect("profile");
    // Someone holding the credential writes with an actor of their own.
    let mut identity = profile.identity().expect("identity");
    identity.actor = [0xEE; 16];
    let mut device = Device::open(
        &dirs.path().join("forger.db"),
        &StoreKey::from_bytes([7; 32]),
        &identity,
        EnrolmentRules::standard(2026),
    )
    .expect("store opens");
    enrol_one(&mut device, &station(0), &beat_code, 3);
    let report = device
        .sync(&mut profile.transport(), NOW)
        .expect("the sync completes");
    assert_eq!(report.refused, 1);
    assert_eq!(server.logged_changes(), 0);
    assert!(server.volunteers().is_empty());
}

#[test]
fn a_revoked_device_gets_401() {
    let server = TestServer::start(1).expect("the server starts");
    let dirs = tempfile::tempdir().expect("temp dir");
    let beat_code = beat(0, 0);
    server
        .add_user(
            "CG-001",
            Role::Constable,
            &station(0),
            std::slice::from_ref(&beat_code),
        )
        .expect("user added");
    server
        .add_user("CG-100", Role::StationIncharge, &station(0), &[])
        .expect("user added");
    let mut constable = server
        .field_device("CG-001", &dirs.path().join("constable"))
        .expect("registers");
    let incharge = server
        .field_device("CG-100", &dirs.path().join("incharge"))
        .expect("registers");
    enrol_one(&mut constable.device, &station(0), &beat_code, 4);
    let mut transport = constable.transport();
    constable
        .device
        .sync(&mut transport, NOW)
        .expect("syncs before the phone is lost");

    let response = ureq::post(&format!(
        "{}/v1/devices/{}/revoke",
        server.url, constable.profile.device.device_id
    ))
    .header(
        "Authorization",
        &format!("Bearer {}", incharge.profile.device.credential),
    )
    .send_empty()
    .expect("the in-charge revokes the phone");
    assert_eq!(response.status().as_u16(), 200);

    enrol_one(&mut constable.device, &station(0), &beat_code, 5);
    let mut transport = constable.transport();
    constable
        .device
        .sync(&mut transport, NOW)
        .expect_err("a revoked device cannot sync");
    assert_eq!(transport.last_status, Some(401));
    assert_eq!(server.logged_changes(), 1);
}

#[test]
fn a_malformed_body_gets_400_over_http_and_nothing_is_stored() {
    let server = TestServer::start(1).expect("the server starts");
    let dirs = tempfile::tempdir().expect("temp dir");
    server
        .add_user("CG-001", Role::Constable, &station(0), &[beat(0, 0)])
        .expect("user added");
    let field = server
        .field_device("CG-001", &dirs.path().join("phone"))
        .expect("registers");
    let mut response = ureq::post(&format!("{}/v1/sync", server.url))
        .config()
        .http_status_as_error(false)
        .build()
        .header(
            "Authorization",
            &format!("Bearer {}", field.profile.device.credential),
        )
        .content_type("application/octet-stream")
        .send(&b"\x28\xb5\x2f\xfd truncated zstd"[..])
        .expect("the server answers");
    assert_eq!(response.status().as_u16(), 400);
    let body: mitan_server::ErrorBody =
        serde_json::from_str(&response.body_mut().read_to_string().expect("body"))
            .expect("a JSON error body");
    assert_eq!(body.error.code, "malformed_body");
    assert_eq!(server.logged_changes(), 0);
}
