//! Supervisor actions over real HTTP reach the constable's phone on its next sync, and only
//! supervisors of the volunteer's own units may take them.

use mitan_core::demo::Generator;
use mitan_core::device::{Device, Moment};
use mitan_core::model::{Status, VolunteerId};
use mitan_core::store::VolunteerFilter;
use mitan_e2e::{FieldDevice, TestServer, beat, station};
use mitan_server::auth::Role;

const NOW: i64 = 1_763_900_000_000;

/// An HTTP answer: status and body.
struct Reply {
    status: u16,
    body: String,
}

impl Reply {
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("the body is JSON")
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

fn post(url: &str, credential: &str, body: Option<serde_json::Value>) -> Reply {
    let request = agent()
        .post(url)
        .header("Authorization", &format!("Bearer {credential}"));
    let mut response = match body {
        Some(body) => request
            .header("Content-Type", "application/json")
            .send(body.to_string()),
        None => request.send_empty(),
    }
    .expect("the server answers");
    Reply {
        status: response.status().as_u16(),
        body: response
            .body_mut()
            .read_to_string()
            .expect("the body reads"),
    }
}

fn credential(device: &FieldDevice) -> String {
    device.profile.device.credential.clone()
}

fn enrol(device: &mut Device, station_code: &str, beat_code: &str, seed: u64) -> VolunteerId {
    let form = Generator::new(seed).enrolment_form(station_code, beat_code, "430001");
    device
        .enrol(
            &form,
            Moment {
                now_ms: NOW + seed as i64,
                random: u128::from(seed),
            },
        )
        .expect("a demo enrolment is accepted")
        .id
}

fn sync(device: &mut FieldDevice, now_ms: i64) {
    let mut transport = device.transport();
    let result = device.device.sync(&mut transport, now_ms);
    assert!(
        result.is_ok(),
        "sync failed with status {:?}: {result:?}",
        transport.last_status
    );
}

fn status_on_server(server: &TestServer, id: &VolunteerId) -> String {
    server
        .volunteers()
        .into_iter()
        .find(|(volunteer, _)| *volunteer == id.to_string())
        .map(|(_, status)| status)
        .expect("the server holds the volunteer")
}

struct World {
    server: TestServer,
    _dirs: tempfile::TempDir,
    constable: FieldDevice,
    incharge_a: FieldDevice,
    incharge_b: FieldDevice,
    auditor: FieldDevice,
}

fn world() -> World {
    let server = TestServer::start(2).expect("the server starts");
    let dirs = tempfile::tempdir().expect("temp dir");
    server
        .add_user(
            "CG-001",
            Role::Constable,
            &station(0),
            std::slice::from_ref(&beat(0, 0)),
        )
        .expect("constable added");
    server
        .add_user("CG-100", Role::StationIncharge, &station(0), &[])
        .expect("in-charge of station A added");
    server
        .add_user("CG-200", Role::StationIncharge, &station(1), &[])
        .expect("in-charge of station B added");
    server
        .add_user("CG-900", Role::Auditor, mitan_e2e::DISTRICT, &[])
        .expect("auditor added");
    let constable = server
        .field_device("CG-001", &dirs.path().join("constable"))
        .expect("constable registers");
    let incharge_a = server
        .field_device("CG-100", &dirs.path().join("incharge-a"))
        .expect("in-charge A registers");
    let incharge_b = server
        .field_device("CG-200", &dirs.path().join("incharge-b"))
        .expect("in-charge B registers");
    let auditor = server
        .field_device("CG-900", &dirs.path().join("auditor"))
        .expect("auditor registers");
    World {
        server,
        _dirs: dirs,
        constable,
        incharge_a,
        incharge_b,
        auditor,
    }
}

#[test]
fn a_verification_and_a_rejection_with_its_reason_reach_the_constables_phone() {
    let mut world = world();
    let (station_a, beat_a) = (station(0), beat(0, 0));
    // Enrolled offline, then synced.
    let kept = enrol(&mut world.constable.device, &station_a, &beat_a, 11);
    let refused = enrol(&mut world.constable.device, &station_a, &beat_a, 12);
    let untouched = enrol(&mut world.constable.device, &station_a, &beat_a, 13);
    sync(&mut world.constable, NOW + 1_000);
    assert_eq!(world.server.volunteers().len(), 3);
    let logged_before = world.server.logged_changes();

    let incharge = credential(&world.incharge_a);
    let verified = post(
        &format!("{}/v1/volunteers/{kept}/verify", world.server.url),
        &incharge,
        None,
    );
    assert_eq!(verified.status, 200, "{}", verified.body);
    assert_eq!(verified.json()["status"], "verified");
    assert_eq!(verified.json()["volunteer_id"], kept.to_string());

    let reason = "फ़ोन नंबर किसी और का है; please re-check the number";
    let rejected = post(
        &format!("{}/v1/volunteers/{refused}/reject", world.server.url),
        &incharge,
        Some(serde_json::json!({ "reason": reason })),
    );
    assert_eq!(rejected.status, 200, "{}", rejected.body);
    assert_eq!(rejected.json()["status"], "rejected");

    // Each action is one change in the roster, logged on the server.
    assert_eq!(world.server.logged_changes(), logged_before + 2);
    assert_eq!(status_on_server(&world.server, &kept), "verified");
    assert_eq!(status_on_server(&world.server, &refused), "rejected");

    // The phone has not synced yet: it still shows both as pending.
    assert_eq!(
        world
            .constable
            .device
            .volunteer(&kept)
            .expect("on the phone")
            .status,
        Status::Pending
    );

    sync(&mut world.constable, NOW + 2_000);
    let phone = &mut world.constable.device;
    let kept_now = phone.volunteer(&kept).expect("on the phone");
    assert_eq!(kept_now.status, Status::Verified);
    assert_eq!(
        kept_now.reviewed_by.as_ref().map(ToString::to_string),
        Some("CG-100".to_owned())
    );
    let refused_now = phone.volunteer(&refused).expect("on the phone");
    assert_eq!(
        refused_now.status,
        Status::Rejected {
            reason: reason.to_owned()
        }
    );
    assert_eq!(
        phone.volunteer(&untouched).expect("on the phone").status,
        Status::Pending
    );

    // The phone's list index agrees with the roster.
    let listed = |status: &str| -> Vec<String> {
        phone
            .list(&VolunteerFilter {
                status: Some(status.to_owned()),
                ..VolunteerFilter::default()
            })
            .expect("the phone lists")
            .into_iter()
            .map(|row| row.id.to_string())
            .collect()
    };
    assert_eq!(listed("verified"), vec![kept.to_string()]);
    assert_eq!(listed("rejected"), vec![refused.to_string()]);
    assert_eq!(listed("pending"), vec![untouched.to_string()]);
}

#[test]
fn an_incharge_of_another_station_and_an_auditor_get_403_and_nothing_changes() {
    let mut world = world();
    let (station_a, beat_a) = (station(0), beat(0, 0));
    let id = enrol(&mut world.constable.device, &station_a, &beat_a, 21);
    sync(&mut world.constable, NOW + 1_000);
    let logged_before = world.server.logged_changes();

    let other_station = credential(&world.incharge_b);
    let auditor = credential(&world.auditor);
    let constable = credential(&world.constable);
    let verify = format!("{}/v1/volunteers/{id}/verify", world.server.url);
    let reject = format!("{}/v1/volunteers/{id}/reject", world.server.url);
    let reason = serde_json::json!({ "reason": "not from this village" });

    for (who, credential) in [
        ("in-charge of station B", &other_station),
        ("auditor", &auditor),
        ("constable", &constable),
    ] {
        let reply = post(&verify, credential, None);
        assert_eq!(reply.status, 403, "{who} verifying: {}", reply.body);
        assert_eq!(reply.json()["error"]["code"], "forbidden");
        let reply = post(&reject, credential, Some(reason.clone()));
        assert_eq!(reply.status, 403, "{who} rejecting: {}", reply.body);
    }
    // Unauthenticated: 401.
    let reply = post(&verify, "not-a-credential", None);
    assert_eq!(reply.status, 401, "{}", reply.body);

    assert_eq!(world.server.logged_changes(), logged_before);
    assert_eq!(status_on_server(&world.server, &id), "pending");
    sync(&mut world.constable, NOW + 2_000);
    assert_eq!(
        world
            .constable
            .device
            .volunteer(&id)
            .expect("on the phone")
            .status,
        Status::Pending
    );

    // The in-charge of the volunteer's own station may act.
    let reply = post(&verify, &credential(&world.incharge_a), None);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(status_on_server(&world.server, &id), "verified");
}
