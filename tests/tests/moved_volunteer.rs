//! One person stays one person across beats, through the real server: what the old beat's
//! phone does offline to a volunteer the in-charge has just moved follows them to the live
//! entry, on the server and on every phone of both beats, and no report or export counts
//! them twice.

use std::collections::BTreeSet;

use mitan_core::demo::Generator;
use mitan_core::device::Moment;
use mitan_core::model::{Status, VolunteerEdit, VolunteerId, WithdrawalChannel};
use mitan_core::store::VolunteerFilter;
use mitan_e2e::http::{Reply, column, csv_records};
use mitan_e2e::{DISTRICT, FieldDevice, TestServer, beat, found_in, station};
use mitan_server::auth::Role;

/// 2025-11-23, mid-morning in India.
const NOW: i64 = 1_763_870_000_000;
/// The moved volunteer's name, searched for in every file once they have withdrawn.
const NAME: &str = "Bhagwati Prasad Tandon";

struct World {
    server: TestServer,
    _dirs: tempfile::TempDir,
    /// CG-002: works beat 1 of station 0, where the volunteer is enrolled.
    old_beat: FieldDevice,
    /// CG-004: works beat 0 of station 0, where the in-charge moves them.
    new_beat: FieldDevice,
    /// CG-001: works both beats.
    both_beats: FieldDevice,
    incharge: String,
}

fn world() -> World {
    let server = TestServer::start(1).expect("the server starts");
    let dirs = tempfile::tempdir().expect("temp dir");
    for (badge, beats) in [
        ("CG-001", vec![beat(0, 0), beat(0, 1)]),
        ("CG-002", vec![beat(0, 1)]),
        ("CG-004", vec![beat(0, 0)]),
    ] {
        server
            .add_user(badge, Role::Constable, &station(0), &beats)
            .expect("constable added");
    }
    server
        .add_user("CG-100", Role::StationIncharge, &station(0), &[])
        .expect("in-charge added");
    server
        .add_user("CG-900", Role::Auditor, DISTRICT, &[])
        .expect("auditor added");
    let device = |badge: &str| {
        server
            .field_device(badge, &dirs.path().join(badge))
            .expect("registers")
    };
    World {
        old_beat: device("CG-002"),
        new_beat: device("CG-004"),
        both_beats: device("CG-001"),
        incharge: device("CG-100").credential(),
        server,
        _dirs: dirs,
    }
}

fn ok(reply: Reply) -> serde_json::Value {
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()
}

fn on_phone(device: &FieldDevice, id: &VolunteerId) -> Option<(String, String)> {
    device
        .device
        .list(&VolunteerFilter::default())
        .expect("the phone lists")
        .into_iter()
        .find(|row| row.id == *id)
        .map(|row| (row.beat, row.status))
}

fn enrolled(report: &serde_json::Value, code: &str) -> u64 {
    report["units"]
        .as_array()
        .expect("units")
        .iter()
        .find(|unit| unit["code"] == code)
        .unwrap_or_else(|| panic!("{code} is in the report"))["enrolled"]
        .as_u64()
        .expect("a count")
}

/// Enrols the volunteer on the old beat's phone, syncs every phone, and moves them to the new
/// beat over HTTP; the old beat's phone does not sync again.
fn enrolled_and_moved(world: &mut World) -> VolunteerId {
    let mut form = Generator::new(31).enrolment_form(&station(0), &beat(0, 1), "430001");
    form.name_latin = NAME.into();
    let id = world.old_beat.enrol_form(&form, 31, NOW);
    world.old_beat.sync_ok(NOW + 1_000);
    world.new_beat.sync_ok(NOW + 1_000);
    world.both_beats.sync_ok(NOW + 1_000);
    let moved = ok(world.server.post(
        &format!("/v1/volunteers/{id}/move"),
        &world.incharge,
        Some(serde_json::json!({ "to_beat": beat(0, 0) })),
    ));
    assert_eq!(moved["roster"], beat(0, 0));
    id
}

fn moment(now_ms: i64) -> Moment {
    Moment {
        now_ms,
        random: 0x5EED,
    }
}

#[test]
fn an_offline_withdrawal_on_the_old_beat_after_a_move_erases_the_person_everywhere() {
    let mut world = world();
    let id = enrolled_and_moved(&mut world);
    let report = ok(world.server.get("/v1/reports/progress", &world.incharge));
    assert_eq!(enrolled(&report, &station(0)), 1);

    // The old beat's constable, offline, records the withdrawal on the entry they hold.
    world
        .old_beat
        .device
        .withdraw(&id, WithdrawalChannel::InPerson, moment(NOW + 2_000))
        .expect("withdrawn on the phone");
    let logged = world.server.logged_changes();
    world.old_beat.sync_ok(NOW + 3_000);
    // The withdrawal itself and its carried copy in the new beat.
    assert_eq!(world.server.logged_changes(), logged + 2);

    // The server's row is the live entry's, withdrawn; no unit counts them.
    let row = world
        .server
        .volunteers()
        .into_iter()
        .find(|(volunteer, _)| *volunteer == id.to_string())
        .map(|(_, status)| status);
    assert_eq!(row.as_deref(), Some("withdrawn"));
    let report = ok(world.server.get("/v1/reports/progress", &world.incharge));
    for unit in [station(0), beat(0, 0), beat(0, 1)] {
        assert_eq!(enrolled(&report, &unit), 0, "{unit} counts no one");
    }
    let exported: BTreeSet<String> = column(
        &csv_records(
            &world
                .server
                .get(
                    &format!("/v1/exports?unit={}&include_unverified=true", station(0)),
                    &world.incharge,
                )
                .body,
        ),
        0,
    )
    .into_iter()
    .collect();
    assert!(!exported.contains(&id.to_string()));

    // Every phone of both beats sees the person withdrawn, and holds neither key nor name.
    world.new_beat.sync_ok(NOW + 4_000);
    world.both_beats.sync_ok(NOW + 4_000);
    world.old_beat.sync_ok(NOW + 4_000);
    assert_eq!(
        on_phone(&world.new_beat, &id),
        Some((beat(0, 0), "withdrawn".into()))
    );
    assert_eq!(
        on_phone(&world.both_beats, &id),
        Some((beat(0, 0), "withdrawn".into()))
    );
    assert_eq!(
        on_phone(&world.old_beat, &id),
        Some((beat(0, 1), "withdrawn".into()))
    );
    for phone in [&mut world.new_beat, &mut world.both_beats] {
        let live = phone.device.volunteer(&id).expect("readable");
        assert_eq!(live.status, Status::Withdrawn);
        assert_eq!(live.personal, None);
        assert!(!live.sealed, "the key is gone, not merely missing");
        assert_eq!(found_in(&phone.store_bytes(), &[NAME]), Vec::<&str>::new());
    }
    // The old beat's phone learns where the person had gone, in its list and in the entry.
    let row = world
        .old_beat
        .device
        .list(&VolunteerFilter::default())
        .expect("the phone lists")
        .into_iter()
        .find(|row| row.id == id)
        .expect("listed");
    assert_eq!(row.moved_to, Some(beat(0, 0)));
    let left = world.old_beat.device.volunteer(&id).expect("readable");
    assert_eq!(
        left.moved_to.as_ref().map(ToString::to_string),
        Some(beat(0, 0))
    );
    assert_eq!(
        found_in(&world.old_beat.store_bytes(), &[NAME]),
        Vec::<&str>::new()
    );
    assert_eq!(
        found_in(&mitan_e2e::database_bytes(&world.server.db), &[NAME]),
        Vec::<&str>::new()
    );

    // The auditor sees the withdrawal twice in the person's history: as the constable wrote
    // it on the old beat, and carried into the new beat, naming the original and its author.
    let auditor = world
        .server
        .field_device("CG-900", &world._dirs.path().join("CG-900"));
    let auditor = auditor.expect("registers").credential();
    let history = ok(world
        .server
        .get(&format!("/v1/audit/history?volunteer={id}"), &auditor));
    let entries = history["entries"].as_array().expect("entries");
    let withdrawals: Vec<&serde_json::Value> = entries
        .iter()
        .filter(|entry| entry["action"] == "withdraw")
        .collect();
    assert_eq!(withdrawals.len(), 2, "{history}");
    let original = withdrawals
        .iter()
        .find(|entry| entry["roster"] == beat(0, 1))
        .expect("the original, in the old beat");
    let carried = withdrawals
        .iter()
        .find(|entry| entry["roster"] == beat(0, 0))
        .expect("the carried copy, in the new beat");
    assert_eq!(carried["carried_from"], original["hash"]);
    for entry in [original, carried] {
        assert_eq!(entry["badge"], "CG-002");
        assert_eq!(entry["device"], original["device"]);
    }

    // The carried change is signed by the server for the constable's server-side writer, so
    // the audit export still verifies whole.
    world
        .server
        .assert_audit_export_verifies("CG-900", NOW + 5_000);
}

#[test]
fn an_offline_edit_on_the_old_entry_reaches_the_live_entry_and_the_new_beats_phone() {
    let mut world = world();
    let id = enrolled_and_moved(&mut world);
    let rename = VolunteerEdit {
        name_latin: Some("Bhagwati Prasad Tandan".into()),
        ..Default::default()
    };
    world
        .old_beat
        .device
        .edit(&id, &rename, moment(NOW + 2_000))
        .expect("edited on the phone");
    world.old_beat.sync_ok(NOW + 3_000);
    world.new_beat.sync_ok(NOW + 4_000);
    let live = world.new_beat.device.volunteer(&id).expect("readable");
    assert_eq!(live.status, Status::Pending);
    assert_eq!(
        live.personal
            .as_ref()
            .and_then(|personal| personal.name_latin.as_deref()),
        Some("Bhagwati Prasad Tandan")
    );
    // The in-charge's roster export shows the corrected name once, in the new beat.
    let roster = world
        .server
        .get(
            &format!("/v1/exports?unit={}&include_unverified=true", station(0)),
            &world.incharge,
        )
        .body;
    assert_eq!(
        roster.matches("Bhagwati Prasad Tandan").count(),
        1,
        "{roster}"
    );
    assert_eq!(
        column(&csv_records(&roster), 0)
            .into_iter()
            .filter(|exported| *exported == id.to_string())
            .count(),
        1
    );
    let report = ok(world.server.get("/v1/reports/progress", &world.incharge));
    assert_eq!(enrolled(&report, &beat(0, 0)), 1);
    assert_eq!(enrolled(&report, &beat(0, 1)), 0);
    assert_eq!(enrolled(&report, &station(0)), 1);
}
