//! Villages checked against the hierarchy, through the real server: a phone receives its
//! beats' villages at registration and refuses an enrolment elsewhere, the server refuses an
//! entry naming a village outside the roster's beat (alone, with its code) from a phone that
//! did not check, and a move into another beat must name a village of that beat.

use mitan_core::demo::Generator;
use mitan_core::device::Moment;
use mitan_core::model::{Field, InvalidCode, LgdCode, Unit, UnitCode, UnitKind};
use mitan_e2e::http::Reply;
use mitan_e2e::{TestServer, beat, station};
use mitan_server::auth::Role;

/// 2025-11-23, mid-morning in India.
const NOW: i64 = 1_763_870_000_000;

/// Koni and Birkona lie in beat 0 of station 0, Sendri in its beat 1.
const KONI: &str = "430001";
const BIRKONA: &str = "430002";
const SENDRI: &str = "430101";

fn add_village(server: &TestServer, code: &str, lgd: &str, name_en: &str, beat: &str) {
    let mut district = server.state.lock_district();
    district
        .store_mut()
        .save_unit(&Unit {
            kind: UnitKind::Village,
            code: code.parse().expect("unit code"),
            name_hi: format!("{name_en} (हिंदी)"),
            name_en: name_en.to_owned(),
            parent: Some(beat.parse().expect("beat")),
            lgd_code: Some(lgd.parse().expect("lgd code")),
        })
        .expect("village saved");
}

fn server() -> TestServer {
    let server = TestServer::start(1).expect("the server starts");
    add_village(&server, "V-KONI", KONI, "Koni", &beat(0, 0));
    add_village(&server, "V-BIRKONA", BIRKONA, "Birkona", &beat(0, 0));
    add_village(&server, "V-SENDRI", SENDRI, "Sendri", &beat(0, 1));
    server
}

fn moment(random: u128) -> Moment {
    Moment {
        now_ms: NOW,
        random,
    }
}

#[test]
fn a_phone_holds_its_beats_villages_and_refuses_an_enrolment_elsewhere() {
    let server = server();
    let dirs = tempfile::tempdir().expect("temp dir");
    let mut phone = server
        .staff_device(
            "CG-001",
            Role::Constable,
            &station(0),
            &[beat(0, 0)],
            dirs.path(),
        )
        .expect("registers");
    let home: UnitCode = beat(0, 0).parse().expect("beat");
    let held: Vec<String> = phone
        .device
        .villages(&home)
        .expect("villages read")
        .into_iter()
        .map(|village| village.name_en)
        .collect();
    assert_eq!(held, ["Birkona", "Koni"], "the beat's villages, by name");

    let mut generator = Generator::new(5);
    for (village, random) in [(SENDRI, 1), ("999999", 2)] {
        let form = generator.enrolment_form(&station(0), &beat(0, 0), village);
        let refused = phone
            .device
            .enrol(&form, moment(random))
            .expect_err("a village outside the beat");
        let mitan_core::Error::Invalid(rejection) = refused else {
            panic!("refused as {refused:?}");
        };
        assert_eq!(
            rejection
                .problems
                .iter()
                .map(|problem| (problem.field, problem.code))
                .collect::<Vec<_>>(),
            [(Field::Village, InvalidCode::NotInBeat)],
            "{village}"
        );
    }
    assert_eq!(phone.device.pending_sync_count().expect("count"), 0);
    let form = generator.enrolment_form(&station(0), &beat(0, 0), KONI);
    phone.enrol_form(&form, 3, NOW);
    assert_eq!(phone.sync_ok(NOW + 1_000).acknowledged, 1);
}

#[test]
fn the_server_refuses_an_entry_in_a_village_outside_the_beat_alone_and_a_move_must_name_one_there()
{
    let server = server();
    let dirs = tempfile::tempdir().expect("temp dir");
    let mut stale = server
        .staff_device(
            "CG-002",
            Role::Constable,
            &station(0),
            &[beat(0, 0)],
            dirs.path(),
        )
        .expect("registers");
    let incharge = server
        .staff_device(
            "CG-100",
            Role::StationIncharge,
            &station(0),
            &[],
            dirs.path(),
        )
        .expect("registers")
        .credential();
    // A phone that never received the list (or whose software was altered) checks nothing.
    let home: UnitCode = beat(0, 0).parse().expect("beat");
    stale
        .device
        .save_villages(&home, &[])
        .expect("list dropped");
    let mut generator = Generator::new(6);
    let honest = stale.enrol_form(
        &generator.enrolment_form(&station(0), &beat(0, 0), BIRKONA),
        1,
        NOW,
    );
    // Written after the honest one: a refused change also refuses every later change of the
    // same phone that builds on it (Automerge's order of one writer's changes).
    let stray = stale.enrol_form(
        &generator.enrolment_form(&station(0), &beat(0, 0), SENDRI),
        2,
        NOW,
    );

    let report = stale.sync_ok(NOW + 1_000);
    assert_eq!(report.refused, 1, "{report:?}");
    assert_eq!(report.refusals[0].reason, "village_outside_beat");
    assert_eq!(
        report.refusals[0].entry.as_deref(),
        Some(stray.to_string().as_str())
    );
    let held: Vec<String> = server.volunteers().into_iter().map(|(id, _)| id).collect();
    assert!(
        held.contains(&honest.to_string()),
        "the honest enrolment lands: {held:?}"
    );
    assert!(!held.contains(&stray.to_string()), "{held:?}");

    // Moving Birkona's volunteer into beat 1, which does not list Birkona, needs their
    // village there; a village of neither beat is refused the same way.
    let path = format!("/v1/volunteers/{honest}/move");
    for body in [
        serde_json::json!({ "to_beat": beat(0, 1) }),
        serde_json::json!({ "to_beat": beat(0, 1), "village": KONI }),
    ] {
        let refused: Reply = server.post(&path, &incharge, Some(body.clone()));
        assert_eq!(refused.status, 400, "{body}: {}", refused.body);
        assert_eq!(refused.error_field(), "village", "{}", refused.body);
        assert_eq!(
            refused.json()["error"]["code"],
            "not_in_beat",
            "{}",
            refused.body
        );
    }
    let moved = server.post(
        &path,
        &incharge,
        Some(serde_json::json!({ "to_beat": beat(0, 1), "village": SENDRI })),
    );
    assert_eq!(moved.status, 200, "{}", moved.body);
    let record = server.get(
        &format!("/v1/volunteer-record?volunteer={honest}"),
        &incharge,
    );
    assert_eq!(record.status, 200, "{}", record.body);
    let sendri: LgdCode = SENDRI.parse().expect("lgd code");
    assert_eq!(record.json()["beat"], beat(0, 1), "{}", record.body);
    assert_eq!(
        record.json()["village"],
        sendri.to_string(),
        "{}",
        record.body
    );
}

#[test]
fn an_entry_from_before_the_villages_were_imported_is_flagged_in_the_review_queue() {
    let server = TestServer::start(1).expect("the server starts");
    let dirs = tempfile::tempdir().expect("temp dir");
    let (mut phone, incharge) = server.beat_team(dirs.path()).expect("registers");
    // No village is listed yet, so nothing is checked.
    let mut generator = Generator::new(7);
    let stray = phone.enrol_form(
        &generator.enrolment_form(&station(0), &beat(0, 0), "430009"),
        1,
        NOW,
    );
    let listed = phone.enrol_form(
        &generator.enrolment_form(&station(0), &beat(0, 0), KONI),
        2,
        NOW,
    );
    phone.sync_ok(NOW + 1_000);
    add_village(&server, "V-KONI", KONI, "Koni", &beat(0, 0));

    let queue = server.get("/v1/reports/review-queue", &incharge);
    assert_eq!(queue.status, 200, "{}", queue.body);
    let flagged = |id: &mitan_core::model::VolunteerId| -> bool {
        queue.json()["volunteers"]
            .as_array()
            .expect("a list")
            .iter()
            .find(|row| row["id"] == id.to_string())
            .unwrap_or_else(|| panic!("{id} not in the queue: {}", queue.body))["village_outside_beat"]
            .as_bool()
            .expect("a flag")
    };
    assert!(flagged(&stray));
    assert!(!flagged(&listed));
}
