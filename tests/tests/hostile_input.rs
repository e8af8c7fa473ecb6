//! The catalogue of hostile and messy input (RELIABILITY.md), end to end over real HTTP: what
//! a tampered phone can send with its own genuine credential and actor, and what an honest
//! phone can be given to type. Each case gets a clear refusal or is stored safely, and the
//! server keeps serving honest phones afterwards.
//!
//! Cases covered elsewhere are listed in RELIABILITY.md with their tests.

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{ActorId, AutoCommit, ObjType, ROOT, ReadDoc};
use mitan_core::demo::Generator;
use mitan_core::model::sealed::TestKeys;
use mitan_core::model::{
    ChangeMeta, DeviceId, Enrolment, EnrolmentRules, Roster, RosterId, VolunteerId,
};
use mitan_core::provenance::DeviceKey;
use mitan_core::sync::{
    Limits, MAX_CHANGE_BYTES, MAX_CHANGE_OPS, OUTSIDE_LAYOUT, OVERSIZE_CHANGE, PROTOCOL_VERSION,
    RosterOffer, SyncRequest, SyncResponse, entries_written, grants_for,
};
use mitan_e2e::{FieldDevice, TestServer, beat, database_bytes, station};
use mitan_server::auth::Role;

const NOW_MS: i64 = 1_764_000_000_000;

struct Setup {
    server: TestServer,
    /// An honest phone of the beat.
    phone: FieldDevice,
    dir: tempfile::TempDir,
    tampered: usize,
}

/// A phone whose software was altered: its credential and actor are genuine, so what it
/// sends passes authentication and the actor check.
struct Tampered {
    credential: String,
    actor: [u8; 16],
    device_id: String,
    /// Its genuine signing key, read from its store: what it sends is signed as its own.
    key: DeviceKey,
}

/// A district with one constable's phone, which has enrolled one person and synced.
fn setup() -> Setup {
    let server = TestServer::start_without_sync_limit(1).expect("server starts");
    server
        .add_user("CG-001", Role::Constable, &station(0), &[beat(0, 0)])
        .expect("constable added");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut phone = server
        .field_device("CG-001", &dir.path().join("phone"))
        .expect("the phone registers");
    phone.enrol_seeded(&station(0), &beat(0, 0), 1, NOW_MS);
    phone.sync_ok(NOW_MS);
    Setup {
        server,
        phone,
        dir,
        tampered: 0,
    }
}

impl Setup {
    /// Registers a new constable's phone of the beat and takes its credential and actor.
    fn tampered(&mut self) -> Tampered {
        self.tampered += 1;
        let badge = format!("CG-{:03}", 100 + self.tampered);
        self.server
            .add_user(&badge, Role::Constable, &station(0), &[beat(0, 0)])
            .expect("constable added");
        let phone = self
            .server
            .field_device(&badge, &self.dir.path().join(&badge))
            .expect("the phone registers");
        Tampered {
            credential: phone.credential(),
            actor: phone.profile.identity().expect("identity").actor,
            device_id: phone.profile.device.device_id.clone(),
            key: phone.signing_key(),
        }
    }

    /// Posts `changes` of the beat with `from`'s credential, with the keys of the entries
    /// they write; the status and the body.
    fn offer(&self, from: &Tampered, changes: Vec<Vec<u8>>) -> (u16, Vec<u8>) {
        let device: DeviceId = from.device_id.parse().expect("valid device id");
        let body = SyncRequest::new(vec![RosterOffer {
            roster: beat(0, 0),
            heads: Vec::new(),
            keys: grants_for(&entries_written(&changes), &TestKeys),
            want_keys: Vec::new(),
            changes,
            signatures: Vec::new(),
        }])
        // Signed with the phone's genuine key, so each refusal below is for what the change
        // holds, not for its signature.
        .signed_by(&device, &from.key)
        .encode();
        self.server.post_bytes("/v1/sync", &from.credential, &body)
    }

    /// A raw Automerge change on the beat's genesis, written under the phone's own actor by
    /// `edit`, as a tampered phone could.
    fn raw_change(&self, from: &Tampered, edit: impl FnOnce(&mut AutoCommit)) -> Vec<u8> {
        let id: RosterId = beat(0, 0).parse().expect("valid beat");
        let mut doc = AutoCommit::load(&Roster::genesis(&id).save()).expect("genesis loads");
        let heads = doc.get_heads();
        doc.set_actor(ActorId::from(from.actor));
        edit(&mut doc);
        doc.commit_with(CommitOptions::default().with_message(
            r#"{"a":"enrol","b":"CG-001","d":"dev-x","e":"01KAXXXXXXXXXXXXXXXXXXXXXX"}"#,
        ));
        let changes = doc.get_changes(&heads);
        assert_eq!(changes.len(), 1);
        changes[0].raw_bytes().to_vec()
    }

    /// An enrolment written through the core's own API under `from`'s actor, with the
    /// validated form then altered by `tamper`: what a phone with patched validation sends.
    fn tampered_enrolment(
        &self,
        from: &Tampered,
        seed: u64,
        tamper: impl FnOnce(&mut Enrolment),
    ) -> (VolunteerId, Vec<u8>) {
        let id: RosterId = beat(0, 0).parse().expect("valid beat");
        let mut roster = Roster::genesis(&id);
        roster.set_actor(from.actor);
        let mut generator = Generator::new(seed);
        let form = generator.enrolment_form(&station(0), &beat(0, 0), "430001");
        let mut enrolment = form
            .validate(&EnrolmentRules::standard(2026))
            .expect("demo forms are valid");
        tamper(&mut enrolment);
        let volunteer = VolunteerId::from_parts(NOW_MS as u64, generator.next_u128());
        let meta = ChangeMeta {
            badge: "CG-001".parse().expect("valid badge"),
            device: from.device_id.parse().expect("valid device"),
            device_clock_ms: NOW_MS,
        };
        let change = roster
            .enrol(volunteer, &enrolment, &meta, &TestKeys::sealing(&volunteer))
            .expect("the core writes what it is given");
        (volunteer, change.bytes)
    }

    /// The server still takes an honest phone's enrolment and answers its reports.
    /// Adds an officer of `role` at `unit` and registers a device for them: its credential.
    fn officer(&self, badge: &str, role: Role, unit: &str) -> String {
        self.server
            .add_user(badge, role, unit, &[])
            .expect("officer added");
        self.server
            .field_device(badge, &self.dir.path().join(badge))
            .expect("the officer's device registers")
            .credential()
    }

    fn still_serves(&mut self, seed: u64) {
        self.phone
            .enrol_seeded(&station(0), &beat(0, 0), seed, NOW_MS);
        let report = self.phone.sync_ok(NOW_MS);
        assert_eq!(report.refused, 0);
    }
}

/// The reasons the server gave for the offered changes it did not store.
fn rejections(status: u16, body: &[u8]) -> Vec<String> {
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(body));
    let reply = SyncResponse::decode(body, &Limits::default()).expect("a sync reply");
    assert_eq!(reply.rosters[0].refused, None);
    reply.rosters[0]
        .rejected
        .iter()
        .map(|rejected| rejected.reason.clone())
        .collect()
}

#[test]
fn a_change_nesting_thousands_of_maps_is_refused_and_the_beat_carries_on() {
    let mut setup = setup();
    let from = setup.tampered();
    let deep = setup.raw_change(&from, |doc| {
        let volunteers = doc
            .get(ROOT, "volunteers")
            .expect("read")
            .expect("the container exists")
            .1;
        let mut parent = doc
            .put_object(&volunteers, "01KAXXXXXXXXXXXXXXXXXXXXXX", ObjType::Map)
            .expect("map");
        for _ in 0..MAX_CHANGE_OPS * 2 {
            parent = doc.put_object(&parent, "n", ObjType::Map).expect("map");
        }
    });
    let before = setup.server.logged_changes();
    let (status, body) = setup.offer(&from, vec![deep]);
    assert_eq!(rejections(status, &body), [OVERSIZE_CHANGE]);
    assert_eq!(setup.server.logged_changes(), before);
    setup.still_serves(99);
}

#[test]
fn a_change_carrying_megabytes_is_refused() {
    let mut setup = setup();
    let from = setup.tampered();
    let huge = setup.raw_change(&from, |doc| {
        let volunteers = doc
            .get(ROOT, "volunteers")
            .expect("read")
            .expect("the container exists")
            .1;
        doc.put(&volunteers, "junk", "x".repeat(4 * 1024 * 1024))
            .expect("put");
    });
    assert!(huge.len() > MAX_CHANGE_BYTES);
    let (status, body) = setup.offer(&from, vec![huge]);
    assert_eq!(rejections(status, &body), [OVERSIZE_CHANGE]);
    setup.still_serves(99);
}

#[test]
fn a_change_writing_the_documents_root_is_refused() {
    let mut setup = setup();
    let from = setup.tampered();
    let root = setup.raw_change(&from, |doc| {
        // Raising the layout version would make every phone refuse to load the beat.
        doc.put(ROOT, "schema", 99).expect("put");
    });
    let before = setup.server.logged_changes();
    let (status, body) = setup.offer(&from, vec![root]);
    assert_eq!(rejections(status, &body), [OUTSIDE_LAYOUT]);
    assert_eq!(setup.server.logged_changes(), before);
    setup.still_serves(99);
}

#[test]
fn an_sql_looking_household_is_kept_verbatim_and_the_tables_survive() {
    let mut setup = setup();
    let household = "मकान 12'); DROP TABLE volunteer; --";
    let mut form = Generator::new(5).enrolment_form(&station(0), &beat(0, 0), "430001");
    form.household = household.into();
    let id = setup.phone.enrol_form(&form, 5, NOW_MS);
    setup.phone.sync_ok(NOW_MS);
    let on_server = setup.server.volunteers();
    assert!(
        on_server
            .iter()
            .any(|(stored, _)| *stored == id.to_string())
    );
    let kept = setup
        .phone
        .device
        .volunteer(&id)
        .expect("present")
        .personal
        .expect("the phone holds the key")
        .household;
    assert_eq!(kept, household);
    setup.still_serves(99);
}

#[test]
fn device_clocks_years_off_are_kept_as_claims_and_the_enrolments_land() {
    let mut setup = setup();
    const YEAR_MS: i64 = 365 * 24 * 3_600_000;
    let future = setup
        .phone
        .enrol_seeded(&station(0), &beat(0, 0), 11, NOW_MS + 20 * YEAR_MS);
    let past = setup
        .phone
        .enrol_seeded(&station(0), &beat(0, 0), 12, NOW_MS - 30 * YEAR_MS);
    let report = setup.phone.sync_ok(NOW_MS);
    assert_eq!(report.refused, 0);
    let on_server: Vec<String> = setup
        .server
        .volunteers()
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert!(on_server.contains(&future.to_string()));
    assert!(on_server.contains(&past.to_string()));
}

/// Names no phone's validation lets through, each sent by a phone whose validation was
/// bypassed: each is refused alone, with the reason, and never reaches a report.
#[test]
fn names_a_phone_would_refuse_are_refused_from_a_tampered_phone() {
    let mut setup = setup();
    let tampered_names = [
        ("10,000 characters", "Ramesh ".repeat(1_430)),
        ("right-to-left override", "Ram\u{202E}hsem".to_owned()),
        ("zero-width space", "Ram\u{200B}esh".to_owned()),
        ("mixed scripts in a Latin name", "Ramesh रमेश".to_owned()),
        ("a control character", "Ramesh\u{0007}".to_owned()),
        (
            "twenty marks on one letter",
            format!("Ram{}esh", "\u{0301}".repeat(20)),
        ),
        ("a Cyrillic look-alike", "Rаmesh".to_owned()),
        (
            "SQL punctuation",
            "Robert'); DROP TABLE volunteer; --".to_owned(),
        ),
    ];
    for (seed, (what, name)) in tampered_names.into_iter().enumerate() {
        let from = setup.tampered();
        let (volunteer, change) = setup.tampered_enrolment(&from, 100 + seed as u64, |enrolment| {
            enrolment.personal.name_latin = Some(name);
        });
        let (status, body) = setup.offer(&from, vec![change]);
        assert_eq!(rejections(status, &body), ["invalid_entry"], "{what}");
        assert!(
            !setup
                .server
                .volunteers()
                .iter()
                .any(|(id, _)| *id == volunteer.to_string()),
            "{what}: the entry reached the server's rows"
        );
    }
    // A joiner between two Devanagari letters with no virama shapes nothing: it only makes
    // रमेश and र‍मेश two people to the duplicate check.
    let from = setup.tampered();
    let (_, change) = setup.tampered_enrolment(&from, 150, |enrolment| {
        enrolment.personal.name_devanagari = Some("र\u{200D}मेश".to_owned());
    });
    let (status, body) = setup.offer(&from, vec![change]);
    assert_eq!(rejections(status, &body), ["invalid_entry"], "a joiner");
    // A tampered household too, and an honest enrolment from the same kind of phone lands.
    let from = setup.tampered();
    let (_, change) = setup.tampered_enrolment(&from, 200, |enrolment| {
        enrolment.personal.household = "x".repeat(5_000);
    });
    let (status, body) = setup.offer(&from, vec![change]);
    assert_eq!(rejections(status, &body), ["invalid_entry"]);
    let from = setup.tampered();
    let (honest, change) = setup.tampered_enrolment(&from, 201, |_| {});
    let (status, body) = setup.offer(&from, vec![change]);
    assert!(rejections(status, &body).is_empty());
    assert!(
        setup
            .server
            .volunteers()
            .iter()
            .any(|(id, _)| *id == honest.to_string())
    );
    setup.still_serves(99);
}

#[test]
fn a_name_written_in_plain_text_is_refused_and_never_reaches_the_roster() {
    let mut setup = setup();
    let from = setup.tampered();
    // An honest enrolment lands; then the same phone overwrites the sealed name with the
    // name in plain text, which would sit in every phone's history for good.
    let (volunteer, enrolment) = setup.tampered_enrolment(&from, 300, |_| {});
    let (status, body) = setup.offer(&from, vec![enrolment.clone()]);
    assert!(rejections(status, &body).is_empty());
    let id: RosterId = beat(0, 0).parse().expect("valid beat");
    let mut doc = AutoCommit::load(&Roster::genesis(&id).save()).expect("genesis loads");
    doc.load_incremental(&enrolment)
        .expect("the enrolment applies");
    let heads = doc.get_heads();
    doc.set_actor(ActorId::from(from.actor));
    let volunteers = doc
        .get(ROOT, "volunteers")
        .expect("read")
        .expect("the container exists")
        .1;
    let entry = doc
        .get(&volunteers, volunteer.to_string())
        .expect("read")
        .expect("the entry exists")
        .1;
    let personal = doc
        .get(&entry, "personal")
        .expect("read")
        .expect("sealed fields")
        .1;
    doc.put(&personal, "name_latin", "Jhummanlal").expect("put");
    doc.commit_with(CommitOptions::default().with_message(format!(
        r#"{{"a":"edit","b":"CG-001","d":"{}","e":"{volunteer}"}}"#,
        from.device_id
    )));
    let plain = doc.get_changes(&heads)[0].raw_bytes().to_vec();
    let before = setup.server.logged_changes();
    let (status, body) = setup.offer(&from, vec![plain]);
    assert_eq!(rejections(status, &body), ["invalid_entry"]);
    assert_eq!(setup.server.logged_changes(), before);
    assert!(
        !String::from_utf8_lossy(&database_bytes(&setup.server.db)).contains("Jhummanlal"),
        "the plain name reached the server's database or its write-ahead log"
    );
    setup.still_serves(99);
}

#[test]
fn an_edit_on_a_moved_volunteers_old_entry_that_does_not_open_is_not_carried_to_the_live_one() {
    let mut setup = setup();
    let from = setup.tampered();
    setup
        .server
        .add_user("CG-900", Role::Constable, &station(0), &[beat(0, 1)])
        .expect("constable added");
    setup
        .server
        .add_user("CG-100", Role::StationIncharge, &station(0), &[])
        .expect("in-charge added");
    let incharge = setup
        .server
        .field_device("CG-100", &setup.dir.path().join("CG-100"))
        .expect("registers")
        .credential();
    let (volunteer, enrolment) = setup.tampered_enrolment(&from, 400, |_| {});
    let (status, body) = setup.offer(&from, vec![enrolment.clone()]);
    assert!(rejections(status, &body).is_empty());
    let moved = setup.server.post(
        &format!("/v1/volunteers/{volunteer}/move"),
        &incharge,
        Some(serde_json::json!({ "to_beat": beat(0, 1) })),
    );
    assert_eq!(moved.status, 200, "{}", moved.body);

    // The tampered phone, not having seen the move, writes a phone number sealed under
    // another person's key onto the entry the person has left.
    let id: RosterId = beat(0, 0).parse().expect("valid beat");
    let mut roster = Roster::load(&id, None, &[enrolment]).expect("loads");
    roster.set_actor(from.actor);
    let other = VolunteerId::from_parts(NOW_MS as u64, 7);
    let updates = mitan_core::model::VolunteerEdit {
        phone: Some("9876512345".into()),
        ..Default::default()
    }
    .validate()
    .expect("valid");
    let meta = ChangeMeta {
        badge: "CG-001".parse().expect("valid badge"),
        device: from.device_id.parse().expect("valid device"),
        device_clock_ms: NOW_MS + 1,
    };
    let wrong_key = TestKeys::sealing(&other);
    let edit = roster
        .edit(&volunteer, &updates, &meta, Some(&wrong_key))
        .expect("the core writes what it is given");
    let (status, body) = setup.offer(&from, vec![edit.bytes]);
    // Stored where nobody reads it (the old entry keeps no personal field anyone opens), and
    // not carried: the live entry still opens on the new beat's phone.
    assert!(rejections(status, &body).is_empty());
    let mut new_beat = setup
        .server
        .field_device("CG-900", &setup.dir.path().join("CG-900"))
        .expect("registers");
    new_beat.sync_ok(NOW_MS + 2);
    let live = new_beat.device.volunteer(&volunteer).expect("readable");
    assert_eq!(live.beat.as_str(), beat(0, 1));
    assert!(live.personal.is_some(), "the live entry still opens");
    assert!(live.conflicts.is_empty());
    setup.still_serves(98);
}

#[test]
fn households_typed_as_spreadsheet_formulas_leave_every_export_as_text() {
    let mut setup = setup();
    let incharge = setup.officer("CG-100", Role::StationIncharge, &station(0));
    let hostile = [
        "=HYPERLINK(\"http://evil.example/x\",\"Click\")",
        "=cmd|' /C calc'!A0",
        "@SUM(1,1)",
        "+1+1",
        "-2+3",
    ];
    for (seed, household) in (10..).zip(hostile) {
        let mut form = Generator::new(seed).enrolment_form(&station(0), &beat(0, 0), "430001");
        form.household = household.into();
        setup.phone.enrol_form(&form, seed, NOW_MS);
    }
    setup.phone.sync_ok(NOW_MS);

    let unit = station(0);
    for query in [
        "kind=roster",
        "kind=group",
        "kind=broadcast",
        "kind=group&format=vcard",
    ] {
        let reply = setup.server.get(
            &format!("/v1/exports?unit={unit}&include_unverified=true&{query}"),
            &incharge,
        );
        assert_eq!(reply.status, 200, "{query}: {}", reply.body);
        if query.ends_with("vcard") {
            // A contacts import runs nothing; its values are escaped (RFC 6350) instead.
            assert!(reply.body.contains("BEGIN:VCARD"), "{query}");
            continue;
        }
        let records = mitan_e2e::http::csv_records(&reply.body);
        assert!(records.len() > hostile.len() - 1, "{query}: {records:?}");
        for cell in records.iter().flatten() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{query}: a spreadsheet would run {cell:?}"
            );
        }
        if query == "kind=roster" {
            // The households are kept, as text: a spreadsheet shows them without the quote.
            let households = mitan_e2e::http::column(&records, 5);
            for household in hostile {
                assert!(
                    households.contains(&format!("'{household}")),
                    "{household} in {households:?}"
                );
            }
        }
    }
}

#[test]
fn a_small_body_that_inflates_to_megabytes_after_its_message_is_refused() {
    let mut setup = setup();
    // An empty protocol 5 request as postcard writes it: the version, no offers, no manifest.
    let mut plain =
        postcard::to_stdvec(&(PROTOCOL_VERSION, Vec::<u8>::new(), None::<u8>)).expect("encodes");
    plain.extend(std::iter::repeat_n(0u8, 4 << 20));
    let body = zstd::bulk::compress(&plain, 19).expect("compresses");
    assert!(body.len() < 2_048, "{} bytes", body.len());
    let credential = setup.phone.credential();
    let (status, reply) = setup.server.post_bytes("/v1/sync", &credential, &body);
    assert_eq!(status, 400);
    let error: serde_json::Value = serde_json::from_slice(&reply).expect("a JSON error");
    assert_eq!(error["error"]["code"], "malformed_body", "{error}");
    setup.still_serves(98);
}

#[test]
fn a_megabyte_typed_into_a_field_is_quoted_back_in_at_most_a_hundred_bytes() {
    let setup = setup();
    let admin = setup.officer("CG-500", Role::DistrictAdmin, mitan_e2e::DISTRICT);
    let huge = "=".repeat(1 << 20);
    for (path, body) in [
        // A value the operation refuses, and one the request does not even read as.
        (
            "/v1/admin/campaigns",
            serde_json::json!({
                "code": huge, "name": "x", "starts_on": "2026-12-01", "ends_on": "2026-12-31"
            }),
        ),
        (
            "/v1/admin/targets",
            serde_json::json!({ "campaign": "c", "unit": "BSP", "volunteers": huge }),
        ),
    ] {
        let reply = setup.server.put(path, &admin, body);
        assert_eq!(reply.status, 400, "{path}");
        assert!(
            reply.body.len() < 400,
            "{path}: {} bytes answered",
            reply.body.len()
        );
        let error = reply.json();
        assert!(error["error"]["field"].is_string(), "{path}: {error}");
    }
}

#[test]
fn text_an_officer_types_is_checked_as_a_volunteers_name_is() {
    let setup = setup();
    let incharge = setup.officer("CG-100", Role::StationIncharge, &station(0));
    let admin = setup.officer("CG-500", Role::DistrictAdmin, mitan_e2e::DISTRICT);
    let (volunteer, _) = setup.server.volunteers()[0].clone();

    // A rejection reason the constable would read with its words reordered or hidden.
    for (reason, code) in [
        ("फ़ोटो \u{202E}साफ़ नहीं", "control_character"),
        ("photo\u{200B} unclear", "invisible_character"),
        ("nul\u{0} byte", "control_character"),
    ] {
        let reply = setup.server.post(
            &format!("/v1/volunteers/{volunteer}/reject"),
            &incharge,
            Some(serde_json::json!({ "reason": reason })),
        );
        assert_eq!(reply.status, 400, "{reason:?}: {}", reply.body);
        let error = reply.json();
        assert_eq!(error["error"]["code"], code, "{reason:?}");
        assert_eq!(error["error"]["field"], "reason");
    }
    assert!(
        setup
            .server
            .volunteers()
            .iter()
            .all(|(_, status)| status == "pending"),
        "nothing was rejected"
    );

    // A campaign named with a Cyrillic look-alike.
    let reply = setup.server.put(
        "/v1/admin/campaigns",
        &admin,
        serde_json::json!({
            "code": "cm-2026", "name": "Cyber Mitаn",
            "starts_on": "2026-12-01", "ends_on": "2026-12-31"
        }),
    );
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(reply.json()["error"]["code"], "wrong_script");

    // An employee's name hiding a zero-width space, and a unit's a right-to-left override,
    // in the CSV imports.
    for (path, csv, field, code) in [
        (
            "/v1/admin/users",
            format!(
                "badge,name,role,unit\nCG-777,Ram\u{200B}esh Sahu,constable,{}\n",
                station(0)
            ),
            "name",
            "invisible_character",
        ),
        (
            "/v1/admin/hierarchy",
            format!(
                "kind,code,parent,name_hi,name_en\nbeat,{}-B77,{},बीट,Beat\u{202E}77\n",
                station(0),
                station(0)
            ),
            "name_en",
            "control_character",
        ),
    ] {
        let (status, body) = setup.server.post_bytes(path, &admin, csv.as_bytes());
        assert_eq!(status, 400, "{path}: {}", String::from_utf8_lossy(&body));
        let error: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
        assert_eq!(error["error"]["code"], code, "{path}: {error}");
        assert_eq!(error["error"]["field"], field, "{path}");
    }
}
