//! Supervisor actions over real HTTP reach the constable's phone on its next sync, and only
//! supervisors of the volunteer's own units may take them.

use mitan_core::model::{Status, VolunteerId};
use mitan_core::store::VolunteerFilter;
use mitan_e2e::{FieldDevice, TestServer, beat, station};
use mitan_server::auth::Role;

const NOW: i64 = 1_763_900_000_000;

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
    let kept = world
        .constable
        .enrol_seeded(&station_a, &beat_a, 11, NOW + 11);
    let refused = world
        .constable
        .enrol_seeded(&station_a, &beat_a, 12, NOW + 12);
    let untouched = world
        .constable
        .enrol_seeded(&station_a, &beat_a, 13, NOW + 13);
    world.constable.sync_ok(NOW + 1_000);
    assert_eq!(world.server.volunteers().len(), 3);
    let logged_before = world.server.logged_changes();

    let incharge = world.incharge_a.credential();
    let verified = world
        .server
        .post(&format!("/v1/volunteers/{kept}/verify"), &incharge, None);
    assert_eq!(verified.status, 200, "{}", verified.body);
    assert_eq!(verified.json()["status"], "verified");
    assert_eq!(verified.json()["volunteer_id"], kept.to_string());

    let reason = "फ़ोन नंबर किसी और का है; please re-check the number";
    let rejected = world.server.post(
        &format!("/v1/volunteers/{refused}/reject"),
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

    world.constable.sync_ok(NOW + 2_000);
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
    let id = world
        .constable
        .enrol_seeded(&station_a, &beat_a, 21, NOW + 21);
    world.constable.sync_ok(NOW + 1_000);
    let logged_before = world.server.logged_changes();

    let other_station = world.incharge_b.credential();
    let auditor = world.auditor.credential();
    let constable = world.constable.credential();
    let verify = format!("/v1/volunteers/{id}/verify");
    let reject = format!("/v1/volunteers/{id}/reject");
    let reason = serde_json::json!({ "reason": "not from this village" });

    for (who, credential) in [
        ("in-charge of station B", &other_station),
        ("auditor", &auditor),
        ("constable", &constable),
    ] {
        let reply = world.server.post(&verify, credential, None);
        assert_eq!(reply.status, 403, "{who} verifying: {}", reply.body);
        assert_eq!(reply.json()["error"]["code"], "forbidden");
        let reply = world.server.post(&reject, credential, Some(reason.clone()));
        assert_eq!(reply.status, 403, "{who} rejecting: {}", reply.body);
    }
    // Unauthenticated: 401.
    let reply = world.server.post(&verify, "not-a-credential", None);
    assert_eq!(reply.status, 401, "{}", reply.body);

    assert_eq!(world.server.logged_changes(), logged_before);
    assert_eq!(status_on_server(&world.server, &id), "pending");
    world.constable.sync_ok(NOW + 2_000);
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
    let reply = world
        .server
        .post(&verify, &world.incharge_a.credential(), None);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(status_on_server(&world.server, &id), "verified");
}
