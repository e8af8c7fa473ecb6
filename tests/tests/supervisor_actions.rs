//! Duplicate marks and moves between beats taken over real HTTP: their refusals, how they reach
//! the phones, and what they do to reports and exports. Also campaigns with explicit targets,
//! and a WhatsApp group list too big for one group.

use std::collections::{BTreeMap, BTreeSet};

use mitan_core::demo::Generator;
use mitan_core::model::VolunteerId;
use mitan_core::store::VolunteerFilter;
use mitan_e2e::http::{Reply, column, csv_records};
use mitan_e2e::{DISTRICT, FieldDevice, TestServer, beat, station};
use mitan_server::auth::Role;

/// 2025-11-23, mid-morning in India.
const NOW: i64 = 1_763_870_000_000;

struct World {
    server: TestServer,
    _dirs: tempfile::TempDir,
    /// CG-001: works both beats of station 0, so the phone holds both rosters.
    both_beats: FieldDevice,
    /// CG-002: works beat 1 of station 0 only.
    beat_one: FieldDevice,
    /// CG-003: works beat 0 of station 1.
    other_station: FieldDevice,
    incharge: String,
    other_incharge: String,
    circle_officer: String,
    admin: String,
    auditor: String,
}

fn world() -> World {
    let server = TestServer::start(2).expect("the server starts");
    let dirs = tempfile::tempdir().expect("temp dir");
    let constables = [
        ("CG-001", station(0), vec![beat(0, 0), beat(0, 1)]),
        ("CG-002", station(0), vec![beat(0, 1)]),
        ("CG-003", station(1), vec![beat(1, 0)]),
    ];
    for (badge, unit, beats) in &constables {
        server
            .add_user(badge, Role::Constable, unit, beats)
            .expect("constable added");
    }
    for (badge, role, unit) in [
        ("CG-100", Role::StationIncharge, station(0)),
        ("CG-200", Role::StationIncharge, station(1)),
        ("CG-300", Role::CircleOfficer, "BSP-C1".to_owned()),
        ("CG-500", Role::DistrictAdmin, DISTRICT.to_owned()),
        ("CG-900", Role::Auditor, DISTRICT.to_owned()),
    ] {
        server
            .add_user(badge, role, &unit, &[])
            .expect("officer added");
    }
    let device = |badge: &str| {
        server
            .field_device(badge, &dirs.path().join(badge))
            .expect("registers")
    };
    World {
        both_beats: device("CG-001"),
        beat_one: device("CG-002"),
        other_station: device("CG-003"),
        incharge: device("CG-100").credential(),
        other_incharge: device("CG-200").credential(),
        circle_officer: device("CG-300").credential(),
        admin: device("CG-500").credential(),
        auditor: device("CG-900").credential(),
        server,
        _dirs: dirs,
    }
}

fn ok(reply: Reply) -> serde_json::Value {
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()
}

fn refused(reply: Reply, status: u16, field: &str) {
    assert_eq!(reply.status, status, "{}", reply.body);
    if !field.is_empty() {
        assert_eq!(reply.error_field(), field, "{}", reply.body);
    }
}

fn on_server(server: &TestServer, id: &VolunteerId) -> String {
    server
        .volunteers()
        .into_iter()
        .find(|(volunteer, _)| *volunteer == id.to_string())
        .map(|(_, status)| status)
        .expect("the server holds the volunteer")
}

/// The volunteer as the phone's own lists show them: (beat, status), or None.
fn on_phone(device: &FieldDevice, id: &VolunteerId) -> Option<(String, String)> {
    device
        .device
        .list(&VolunteerFilter::default())
        .expect("the phone lists")
        .into_iter()
        .find(|row| row.id == *id)
        .map(|row| (row.beat, row.status))
}

fn export_ids(server: &TestServer, credential: &str, query: &str) -> BTreeSet<String> {
    let reply = server.get(&format!("/v1/exports?{query}"), credential);
    assert_eq!(reply.status, 200, "{}", reply.body);
    column(&csv_records(&reply.body), 0).into_iter().collect()
}

fn unit_progress(report: &serde_json::Value, code: &str) -> serde_json::Value {
    report["units"]
        .as_array()
        .expect("units")
        .iter()
        .find(|unit| unit["code"] == code)
        .unwrap_or_else(|| panic!("{code} is in the report"))
        .clone()
}

#[test]
fn a_duplicate_mark_reaches_the_phone_and_leaves_reports_and_exports() {
    let mut world = world();
    let kept = world
        .both_beats
        .enrol_seeded(&station(0), &beat(0, 0), 101, NOW);
    // The same person, enrolled again offline on another phone: same number, other beat.
    let mut again = Generator::new(102).enrolment_form(&station(0), &beat(0, 1), "430001");
    again.phone = Generator::new(101)
        .enrolment_form(&station(0), &beat(0, 0), "430001")
        .phone;
    let twin = world.beat_one.enrol_form(&again, 102, NOW + 1);
    world.both_beats.sync_ok(NOW + 10_000);
    world.beat_one.sync_ok(NOW + 10_000);

    let duplicates = ok(world.server.get("/v1/reports/duplicates", &world.incharge));
    assert_eq!(
        duplicates["same_phone"]
            .as_array()
            .expect("same_phone")
            .len(),
        1
    );

    let path = format!("/v1/volunteers/{twin}/duplicate");
    let body = |id: &VolunteerId| Some(serde_json::json!({ "duplicate_of": id.to_string() }));
    // Refusals first, each naming the field, and none of them changes anything.
    refused(
        world.server.post(&path, &world.incharge, body(&twin)),
        400,
        "duplicate_of",
    );
    refused(
        world.server.post(
            &path,
            &world.incharge,
            Some(serde_json::json!({ "duplicate_of": "not-an-id" })),
        ),
        400,
        "duplicate_of",
    );
    refused(
        world.server.post(&path, &world.other_incharge, body(&kept)),
        403,
        "",
    );
    refused(
        world.server.post(&path, &world.auditor, body(&kept)),
        403,
        "",
    );
    let logged = world.server.logged_changes();
    assert_eq!(on_server(&world.server, &twin), "pending");

    let done = ok(world.server.post(&path, &world.incharge, body(&kept)));
    assert_eq!(done["status"], "duplicate");
    assert_eq!(done["roster"], beat(0, 1));
    assert_eq!(world.server.logged_changes(), logged + 1);
    assert_eq!(on_server(&world.server, &twin), "duplicate");
    // The kept entry cannot now be folded into the one marked as its duplicate.
    refused(
        world.server.post(
            &format!("/v1/volunteers/{kept}/duplicate"),
            &world.incharge,
            body(&twin),
        ),
        400,
        "duplicate_of",
    );

    // The constable who enrolled the twin sees the mark after the next sync.
    assert_eq!(
        on_phone(&world.beat_one, &twin).map(|(_, status)| status),
        Some("pending".into())
    );
    world.beat_one.sync_ok(NOW + 20_000);
    assert_eq!(
        on_phone(&world.beat_one, &twin).map(|(_, status)| status),
        Some("duplicate".into())
    );
    let on_device = world
        .beat_one
        .device
        .volunteer(&twin)
        .expect("on the phone");
    assert_eq!(
        on_device.status,
        mitan_core::model::Status::DuplicateOf(kept)
    );

    // Gone from the duplicate candidates, the counts and the exports; the kept one stays.
    let duplicates = ok(world.server.get("/v1/reports/duplicates", &world.incharge));
    assert!(
        duplicates["same_phone"]
            .as_array()
            .expect("same_phone")
            .is_empty(),
        "{duplicates}"
    );
    let progress = ok(world.server.get("/v1/reports/progress", &world.incharge));
    assert_eq!(unit_progress(&progress, &beat(0, 1))["enrolled"], 0);
    assert_eq!(unit_progress(&progress, &beat(0, 0))["enrolled"], 1);
    let exported = export_ids(
        &world.server,
        &world.incharge,
        &format!("unit={}&include_unverified=true", station(0)),
    );
    assert_eq!(exported, BTreeSet::from([kept.to_string()]));
}

#[test]
fn a_move_between_beats_reaches_every_phone_holding_either_beat() {
    let mut world = world();
    let moving = world
        .beat_one
        .enrol_seeded(&station(0), &beat(0, 1), 201, NOW);
    let staying = world
        .beat_one
        .enrol_seeded(&station(0), &beat(0, 1), 202, NOW + 1);
    world.beat_one.sync_ok(NOW + 10_000);
    world.both_beats.sync_ok(NOW + 10_000);
    assert_eq!(
        on_phone(&world.both_beats, &moving),
        Some((beat(0, 1), "pending".into()))
    );

    let path = format!("/v1/volunteers/{moving}/move");
    let to = |beat: &str| Some(serde_json::json!({ "to_beat": beat }));
    let logged = world.server.logged_changes();
    refused(
        world.server.post(&path, &world.incharge, to(&beat(0, 1))),
        400,
        "to_beat",
    );
    refused(
        world.server.post(&path, &world.incharge, to(&station(0))),
        400,
        "to_beat",
    );
    refused(
        world.server.post(&path, &world.incharge, to("not a code")),
        400,
        "to_beat",
    );
    // Another station's beat is outside the in-charge's reach, and so is this volunteer
    // for the other station's in-charge.
    refused(
        world.server.post(&path, &world.incharge, to(&beat(1, 0))),
        403,
        "",
    );
    refused(
        world
            .server
            .post(&path, &world.other_incharge, to(&beat(0, 0))),
        403,
        "",
    );
    assert_eq!(world.server.logged_changes(), logged);

    let done = ok(world.server.post(&path, &world.incharge, to(&beat(0, 0))));
    assert_eq!(done["roster"], beat(0, 0));
    assert_eq!(done["status"], "pending");
    assert_eq!(done["changes"].as_array().expect("changes").len(), 2);
    assert_eq!(world.server.logged_changes(), logged + 2);

    // The phone holding both beats shows the live entry in its new beat, not the marker the
    // old beat's roster keeps; the phone holding the old beat only shows the marker.
    world.both_beats.sync_ok(NOW + 20_000);
    world.beat_one.sync_ok(NOW + 20_000);
    assert_eq!(
        on_phone(&world.both_beats, &moving),
        Some((beat(0, 0), "pending".into()))
    );
    assert_eq!(
        on_phone(&world.beat_one, &moving),
        Some((beat(0, 1), "moved".into()))
    );
    let live = world.both_beats.device.volunteer(&moving).expect("live");
    assert_eq!(live.beat.as_str(), beat(0, 0));
    assert!(live.personal.is_some(), "the live entry keeps the person");
    assert_eq!(
        on_phone(&world.beat_one, &staying),
        Some((beat(0, 1), "pending".into()))
    );

    // Reports count the volunteer in the new beat once.
    let progress = ok(world.server.get("/v1/reports/progress", &world.incharge));
    assert_eq!(unit_progress(&progress, &beat(0, 0))["enrolled"], 1);
    assert_eq!(unit_progress(&progress, &beat(0, 1))["enrolled"], 1);
    assert_eq!(unit_progress(&progress, &station(0))["enrolled"], 2);

    // A verification after the move is written into the new beat and reaches that phone.
    let verified = ok(world.server.post(
        &format!("/v1/volunteers/{moving}/verify"),
        &world.incharge,
        None,
    ));
    assert_eq!(verified["roster"], beat(0, 0));
    world.both_beats.sync_ok(NOW + 30_000);
    assert_eq!(
        on_phone(&world.both_beats, &moving),
        Some((beat(0, 0), "verified".into()))
    );

    // The circle officer reaches both stations and moves the volunteer across them; the
    // first station's in-charge then no longer reaches the volunteer, the second's does.
    let across = ok(world
        .server
        .post(&path, &world.circle_officer, to(&beat(1, 0))));
    assert_eq!(across["roster"], beat(1, 0));
    world.other_station.sync_ok(NOW + 40_000);
    let arrived = world
        .other_station
        .device
        .volunteer(&moving)
        .expect("on the other station's phone");
    assert_eq!(arrived.station.as_str(), station(1));
    assert_eq!(arrived.beat.as_str(), beat(1, 0));
    refused(
        world.server.post(
            &format!("/v1/volunteers/{moving}/verify"),
            &world.incharge,
            None,
        ),
        403,
        "",
    );
    ok(world.server.post(
        &format!("/v1/volunteers/{moving}/reject"),
        &world.other_incharge,
        Some(serde_json::json!({ "reason": "गलत थाना" })),
    ));
    let progress = ok(world.server.get("/v1/reports/progress", &world.admin));
    assert_eq!(unit_progress(&progress, &station(0))["enrolled"], 1);
    assert_eq!(unit_progress(&progress, &beat(1, 0))["enrolled"], 0);
}

#[test]
fn a_campaign_sets_targets_and_a_window_that_progress_counts_against() {
    let mut world = world();
    for seed in 301..305 {
        world
            .both_beats
            .enrol_seeded(&station(0), &beat(0, 0), seed, NOW + seed as i64);
    }
    world.both_beats.sync_ok(NOW + 10_000);

    let campaign = serde_json::json!({
        "code": "nov-drive",
        "name": "साइबर मितान अभियान, नवंबर",
        "starts_on": "2025-11-20",
        "ends_on": "2025-11-30",
    });
    // Only the district admin sets campaigns and targets; bad fields are named.
    refused(
        world
            .server
            .put("/v1/admin/campaigns", &world.incharge, campaign.clone()),
        403,
        "",
    );
    let mut backwards = campaign.clone();
    backwards["ends_on"] = "2025-11-01".into();
    refused(
        world
            .server
            .put("/v1/admin/campaigns", &world.admin, backwards),
        400,
        "ends_on",
    );
    let mut no_date = campaign.clone();
    no_date["starts_on"] = "20 Nov".into();
    refused(
        world
            .server
            .put("/v1/admin/campaigns", &world.admin, no_date),
        400,
        "starts_on",
    );
    let mut bad_programme = campaign.clone();
    bad_programme["programme"] = "no such programme".into();
    refused(
        world
            .server
            .put("/v1/admin/campaigns", &world.admin, bad_programme),
        400,
        "programme",
    );
    ok(world
        .server
        .put("/v1/admin/campaigns", &world.admin, campaign));
    ok(world.server.put(
        "/v1/admin/campaigns",
        &world.admin,
        serde_json::json!({
            "code": "dec-drive",
            "name": "December",
            "starts_on": "2025-12-01",
            "ends_on": "2025-12-31",
        }),
    ));

    let target = |subject: serde_json::Value, volunteers: u32| {
        let mut body = serde_json::json!({ "campaign": "nov-drive", "volunteers": volunteers });
        for (key, value) in subject.as_object().expect("an object") {
            body[key] = value.clone();
        }
        body
    };
    refused(
        world.server.put(
            "/v1/admin/targets",
            &world.admin,
            target(
                serde_json::json!({ "unit": station(0), "badge": "CG-001" }),
                5,
            ),
        ),
        400,
        "",
    );
    refused(
        world.server.put(
            "/v1/admin/targets",
            &world.incharge,
            target(serde_json::json!({ "unit": station(0) }), 50),
        ),
        403,
        "",
    );
    refused(
        world.server.put(
            "/v1/admin/targets",
            &world.admin,
            target(serde_json::json!({ "unit": "BSP-PS-99" }), 50),
        ),
        404,
        "",
    );
    ok(world.server.put(
        "/v1/admin/targets",
        &world.admin,
        target(serde_json::json!({ "unit": station(0) }), 50),
    ));
    ok(world.server.put(
        "/v1/admin/targets",
        &world.admin,
        target(serde_json::json!({ "badge": "CG-001" }), 8),
    ));

    // Every caller may list campaigns, with their targets.
    let listed = ok(world.server.get("/v1/admin/campaigns", &world.incharge));
    let campaigns: BTreeMap<String, serde_json::Value> = listed["campaigns"]
        .as_array()
        .expect("campaigns")
        .iter()
        .map(|entry| {
            (
                entry["code"].as_str().expect("code").to_owned(),
                entry.clone(),
            )
        })
        .collect();
    assert_eq!(
        campaigns.keys().map(String::as_str).collect::<Vec<_>>(),
        ["dec-drive", "nov-drive"]
    );
    assert_eq!(
        campaigns["nov-drive"]["targets"]
            .as_array()
            .expect("targets")
            .len(),
        2
    );

    // In the November window: the explicit targets, and the four enrolments counted.
    let november = ok(world
        .server
        .get("/v1/reports/progress?campaign=nov-drive", &world.incharge));
    assert_eq!(november["counted"]["starts_on"], "2025-11-20");
    let station_a = unit_progress(&november, &station(0));
    assert_eq!(
        (
            &station_a["target"],
            &station_a["target_source"],
            &station_a["enrolled"]
        ),
        (
            &serde_json::json!(50),
            &serde_json::json!("explicit"),
            &serde_json::json!(4)
        )
    );
    assert_eq!(station_a["percent"], 8.0);
    let constable = november["employees"]
        .as_array()
        .expect("employees")
        .iter()
        .find(|employee| employee["badge"] == "CG-001")
        .expect("CG-001")
        .clone();
    assert_eq!(constable["target"], 8);
    assert_eq!(constable["enrolled"], 4);
    assert_eq!(constable["percent"], 50.0);

    // December's window holds none of them, and its targets are the defaults.
    let december = ok(world
        .server
        .get("/v1/reports/progress?campaign=dec-drive", &world.incharge));
    let station_a = unit_progress(&december, &station(0));
    assert_eq!(station_a["enrolled"], 0);
    assert_eq!(station_a["target"], 200);
    assert_eq!(station_a["target_source"], "default");
    refused(
        world.server.get(
            "/v1/reports/progress?campaign=no-such-drive",
            &world.incharge,
        ),
        404,
        "",
    );
}

#[test]
fn a_group_list_of_more_than_1024_people_comes_in_parts_of_at_most_1024() {
    let mut world = world();
    // Two constables of one station enrol 1,100 people between them, offline.
    for seed in 10_000..10_550 {
        world
            .both_beats
            .enrol_seeded(&station(0), &beat(0, 0), seed, NOW + seed as i64);
        world
            .beat_one
            .enrol_seeded(&station(0), &beat(0, 1), seed + 5_000, NOW + seed as i64);
    }
    world.both_beats.sync_ok(NOW + 100_000);
    world.beat_one.sync_ok(NOW + 100_000);

    let unit = station(0);
    let roster = csv_records(
        &world
            .server
            .get(
                &format!("/v1/exports?unit={unit}&include_unverified=true"),
                &world.incharge,
            )
            .body,
    );
    assert_eq!(roster.len(), 1_100);
    let numbers: BTreeSet<String> = column(&roster, 3).into_iter().collect();
    assert!(numbers.len() > 1_024, "{} distinct numbers", numbers.len());

    let reply = world.server.get(
        &format!("/v1/exports?unit={unit}&kind=group&include_unverified=true"),
        &world.incharge,
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.parts.as_deref(), Some("2"));
    let records = csv_records(&reply.body);
    let mut per_part: BTreeMap<String, usize> = BTreeMap::new();
    for part in column(&records, 0) {
        *per_part.entry(part).or_default() += 1;
    }
    assert_eq!(
        per_part,
        BTreeMap::from([("1".into(), 1_024), ("2".into(), numbers.len() - 1_024)])
    );
    assert_eq!(
        column(&records, 2).into_iter().collect::<BTreeSet<_>>(),
        numbers,
        "every number in exactly one part"
    );
    // One part at a time, as a vCard file for a contacts import.
    let reply = world.server.get(
        &format!("/v1/exports?unit={unit}&kind=group&include_unverified=true&part=2&format=vcard"),
        &world.incharge,
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        reply.body.matches("BEGIN:VCARD\r\n").count(),
        numbers.len() - 1_024
    );
    // Without asking for the unverified, nobody: no one has been verified yet.
    let reply = world.server.get(
        &format!("/v1/exports?unit={unit}&kind=group"),
        &world.incharge,
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(csv_records(&reply.body).is_empty());
}
