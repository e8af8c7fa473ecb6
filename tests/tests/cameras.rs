//! A private camera's owner end to end: a camera registered on one phone is synced through a
//! real server over HTTP and read on a second phone of the same beat with its owner, while
//! the owner's name and number are in no byte of the roster document, the server's database
//! or the phones' stores, and a phone of another beat never receives the camera's key.

use mitan_core::device::Moment;
use mitan_core::model::{
    CameraForm, CameraId, CameraRemoval, EntryId, Roster, RosterId, Unit, UnitKind,
};
use mitan_e2e::http::csv_records;
use mitan_e2e::{DISTRICT, FieldDevice, TestServer, beat, database_bytes, found_in, station};
use mitan_server::auth::Role;

const NOW: i64 = 1_763_870_000_000;
const OWNER_NAME: &str = "फग्गूराम ध्रुव";
const OWNER_FIRST_NAME: &str = "फग्गूराम";
const OWNER_PHONE_DIGITS: &str = "9407312468";

fn camera_form() -> CameraForm {
    CameraForm {
        owner_name: OWNER_NAME.into(),
        owner_phone: OWNER_PHONE_DIGITS.into(),
        latitude: 22.0797,
        longitude: 82.1409,
        village_lgd: "430001".into(),
        coverage: "चौक और बस स्टैंड".into(),
        direction: "ne".into(),
        recording_days: "30".into(),
    }
}

/// The roster as a phone's store holds it, saved as one document.
fn saved_roster(device: &FieldDevice, roster: &RosterId) -> Vec<u8> {
    let parts = device
        .device
        .store()
        .load_roster(roster)
        .expect("the roster loads");
    Roster::load(roster, parts.snapshot.as_deref(), &parts.changes)
        .expect("the roster rebuilds")
        .save()
}

/// Which of the owner's identifiers appear in `bytes`.
fn traces(bytes: &[u8]) -> Vec<&'static str> {
    found_in(bytes, &[OWNER_NAME, OWNER_FIRST_NAME, OWNER_PHONE_DIGITS])
}

#[test]
fn a_camera_owner_reaches_a_phone_of_the_same_beat_sealed_and_no_other_beat_gets_the_key() {
    let server = TestServer::start(1).expect("the server starts");
    let dirs = tempfile::tempdir().expect("temp dir");
    server
        .add_user("CG-001", Role::Constable, &station(0), &[beat(0, 0)])
        .expect("constable added");
    server
        .add_user("CG-002", Role::Constable, &station(0), &[beat(0, 0)])
        .expect("colleague added");
    server
        .add_user("CG-003", Role::Constable, &station(0), &[beat(0, 1)])
        .expect("constable of the other beat added");
    let mut registering = server
        .field_device("CG-001", &dirs.path().join("registering"))
        .expect("registers");
    let mut colleague = server
        .field_device("CG-002", &dirs.path().join("colleague"))
        .expect("registers");
    let mut other_beat = server
        .field_device("CG-003", &dirs.path().join("other-beat"))
        .expect("registers");

    let camera = registering
        .device
        .add_camera(
            &beat(0, 0).parse().expect("a beat code"),
            &camera_form(),
            Moment {
                now_ms: NOW,
                random: 11,
            },
        )
        .expect("the camera is registered");
    // A volunteer enrolled beside it, so the other beat's phone has something to refuse.
    registering.enrol_seeded(&station(0), &beat(0, 0), 2, NOW + 1);
    registering.sync_ok(NOW + 10_000);
    colleague.sync_ok(NOW + 10_000);
    other_beat.sync_ok(NOW + 10_000);

    let key_of_camera = EntryId::Camera(camera);
    assert_eq!(
        server
            .state
            .lock_district()
            .store()
            .load_keys(&[key_of_camera].into())
            .expect("keys load")
            .len(),
        1,
        "the server kept the camera's key: it opens the entry"
    );
    let seen = colleague
        .device
        .camera(&camera)
        .expect("the camera reached the colleague's phone");
    let owner = seen.owner.expect("the key came with the entry");
    assert_eq!(owner.name, OWNER_NAME);
    assert_eq!(owner.phone.as_str(), format!("+91{OWNER_PHONE_DIGITS}"));
    assert!(!seen.sealed);
    assert_eq!(seen.coverage, "चौक और बस स्टैंड");
    assert!(
        colleague
            .device
            .store()
            .load_keys()
            .expect("keys load")
            .contains_key(&key_of_camera)
    );

    // The other beat's phone may not sync that roster: neither the camera nor its key.
    assert!(
        !other_beat
            .device
            .store()
            .load_keys()
            .expect("keys load")
            .contains_key(&key_of_camera),
        "a phone of another beat got the camera's key"
    );
    assert!(other_beat.device.camera(&camera).is_err());

    // Nowhere in plain text: the roster document, the server's database, the phones' stores
    // (decrypted with their keys, so the SQLCipher encryption hides nothing from this check).
    let roster = RosterId::for_beat(&beat(0, 0).parse().expect("a beat code"));
    for (what, bytes) in [
        (
            "roster saved on the registering phone",
            saved_roster(&registering, &roster),
        ),
        (
            "roster saved on the colleague's phone",
            saved_roster(&colleague, &roster),
        ),
        ("server database", database_bytes(&server.db)),
        ("registering phone's store", registering.store_bytes()),
        ("colleague's store", colleague.store_bytes()),
        ("other beat's store", other_beat.store_bytes()),
    ] {
        assert_eq!(traces(&bytes), Vec::<&str>::new(), "{what}");
    }
    // The check can find the owner where they are meant to be readable: on screen.
    assert!(!traces(format!("{owner:?}").as_bytes()).is_empty());
}

#[test]
fn a_phone_installed_later_gets_the_camera_and_its_key_with_the_snapshot() {
    let server = TestServer::start(1).expect("the server starts");
    let dirs = tempfile::tempdir().expect("temp dir");
    server
        .add_user("CG-001", Role::Constable, &station(0), &[beat(0, 0)])
        .expect("constable added");
    let mut registering = server
        .field_device("CG-001", &dirs.path().join("registering"))
        .expect("registers");
    let camera: CameraId = registering
        .device
        .add_camera(
            &beat(0, 0).parse().expect("a beat code"),
            &camera_form(),
            Moment {
                now_ms: NOW,
                random: 12,
            },
        )
        .expect("the camera is registered");
    registering.sync_ok(NOW + 10_000);

    // The constable's phone is lost; the replacement starts from nothing.
    let mut replacement = server
        .field_device("CG-001", &dirs.path().join("replacement"))
        .expect("registers again");
    replacement.sync_ok(NOW + 20_000);
    let seen = replacement.device.camera(&camera).expect("replayed");
    assert_eq!(
        seen.owner.map(|owner| owner.name).as_deref(),
        Some(OWNER_NAME)
    );
    assert_eq!(traces(&replacement.store_bytes()), Vec::<&str>::new());
}

/// Koni and Birkona are the villages of beat 0 of station 0.
const KONI: &str = "430001";
const BIRKONA: &str = "430002";

fn add_village(server: &TestServer, code: &str, lgd: &str, name_en: &str) {
    server
        .state
        .lock_district()
        .store_mut()
        .save_unit(&Unit {
            kind: UnitKind::Village,
            code: code.parse().expect("unit code"),
            name_hi: format!("{name_en} (हिंदी)"),
            name_en: name_en.to_owned(),
            parent: Some(beat(0, 0).parse().expect("beat")),
            lgd_code: Some(lgd.parse().expect("lgd code")),
        })
        .expect("village saved");
}

#[test]
fn cameras_are_reported_exported_audited_and_a_removal_erases_the_owner_everywhere() {
    let server = TestServer::start(1).expect("the server starts");
    add_village(&server, "V-KONI", KONI, "Koni");
    add_village(&server, "V-BIRKONA", BIRKONA, "Birkona");
    let dirs = tempfile::tempdir().expect("temp dir");
    let staff = |badge: &str, role: Role, unit: &str, beats: &[String]| {
        server
            .staff_device(badge, role, unit, beats, dirs.path())
            .expect("registers")
    };
    let mut registering = staff("CG-001", Role::Constable, &station(0), &[beat(0, 0)]);
    let mut colleague = staff("CG-002", Role::Constable, &station(0), &[beat(0, 0)]);
    let incharge = staff("CG-100", Role::StationIncharge, &station(0), &[]).credential();
    let auditor = staff("CG-900", Role::Auditor, DISTRICT, &[]).credential();
    let beat_code = beat(0, 0).parse().expect("a beat code");

    let removed = registering
        .device
        .add_camera(
            &beat_code,
            &camera_form(),
            Moment {
                now_ms: NOW,
                random: 21,
            },
        )
        .expect("the camera is registered");
    let second_owner = "सुखमती बाई";
    let kept = registering
        .device
        .add_camera(
            &beat_code,
            &CameraForm {
                owner_name: second_owner.into(),
                owner_phone: "9826012345".into(),
                latitude: 22.0801,
                longitude: 82.1422,
                direction: "sw".into(),
                recording_days: "१५".into(),
                coverage: "स्कूल का गेट".into(),
                ..camera_form()
            },
            Moment {
                now_ms: NOW + 1,
                random: 22,
            },
        )
        .expect("the second camera is registered");
    // A camera of a village outside the beat never leaves the phone.
    let outside = registering.device.add_camera(
        &beat_code,
        &CameraForm {
            village_lgd: "999999".into(),
            ..camera_form()
        },
        Moment {
            now_ms: NOW + 2,
            random: 23,
        },
    );
    assert!(outside.is_err(), "a village outside the beat was accepted");
    registering.sync_ok(NOW + 10_000);

    // The in-charge's report: two cameras on the register, one of the two villages covered.
    let reply = server.get("/v1/reports/cameras", &incharge);
    assert_eq!(reply.status, 200, "{}", reply.body);
    let report = reply.json();
    let unit = |code: &str| {
        report["units"]
            .as_array()
            .expect("units")
            .iter()
            .find(|unit| unit["code"] == code)
            .unwrap_or_else(|| panic!("{code} is in the report"))
            .clone()
    };
    for code in [station(0), beat(0, 0)] {
        let row = unit(&code);
        assert_eq!(
            (
                &row["cameras"],
                &row["removed"],
                &row["villages"],
                &row["villages_covered"]
            ),
            (&2.into(), &0.into(), &2.into(), &1.into()),
            "{code}: {row}"
        );
    }
    assert_eq!(unit(&beat(0, 1))["cameras"], 0);
    let listed = report["cameras"].as_array().expect("cameras");
    assert_eq!(listed.len(), 2);
    let second = listed
        .iter()
        .find(|camera| camera["id"] == kept.to_string())
        .expect("the second camera is listed");
    assert_eq!(second["direction"], "sw");
    assert_eq!(second["recording_days"], 15);
    assert_eq!(second["village_en"], "Koni");
    assert_eq!(second["latitude"], 22.0801);
    // 2025-11-23 in India, never epoch milliseconds; and no owner in a report.
    assert_eq!(second["registered_on"], "23 Nov 2025");
    assert!(traces(reply.body.as_bytes()).is_empty());
    assert!(!reply.body.contains(second_owner));

    // The in-charge's console lists them per beat with their coordinates, in both languages,
    // without the owners.
    let session = server.console_session("CG-100");
    for (lang, heading, direction) in [
        ("en", "CCTV cameras", "South-west"),
        ("hi", "सीसीटीवी कैमरे", "दक्षिण-पश्चिम"),
    ] {
        let html = server.console_page(&session, lang, "/cameras");
        for expected in [heading, direction, "22.080100, 82.142200", "स्कूल का गेट"]
        {
            assert!(html.contains(expected), "{lang}: {expected} in {html}");
        }
        assert!(!html.contains(second_owner) && traces(html.as_bytes()).is_empty());
    }

    // The logged export carries the owners, opened with the district's keys.
    let export = server.get(
        &format!("/v1/exports?unit={}&kind=cameras", station(0)),
        &incharge,
    );
    assert_eq!(export.status, 200, "{}", export.body);
    assert!(export.body.starts_with("camera_id,"), "{}", export.body);
    let records = csv_records(&export.body);
    // camera_id, beat, village_lgd, latitude, longitude, direction, coverage, recording_days,
    // owner_name, owner_phone, …
    let owner_column = 8;
    let owners: Vec<&str> = records
        .iter()
        .map(|record| record[owner_column].as_str())
        .collect();
    assert_eq!(owners.len(), 2);
    assert!(owners.contains(&OWNER_NAME) && owners.contains(&second_owner));
    // A camera export is not a WhatsApp list.
    let vcard = server.get(
        &format!("/v1/exports?unit={}&kind=cameras&format=vcard", station(0)),
        &incharge,
    );
    assert_eq!(vcard.status, 400, "{}", vcard.body);
    assert_eq!(vcard.error_field(), "format");

    // The colleague's phone, which received the key, takes the first camera off the register
    // at its owner's request.
    colleague.sync_ok(NOW + 20_000);
    colleague
        .device
        .remove_camera(
            &removed,
            CameraRemoval::OwnerAsked,
            Moment {
                now_ms: NOW + 30_000,
                random: 24,
            },
        )
        .expect("removed");
    let entry = EntryId::Camera(removed);
    assert!(
        !colleague
            .device
            .store()
            .load_keys()
            .expect("keys load")
            .contains_key(&entry),
        "the removing phone destroyed its key at once"
    );
    assert!(
        colleague
            .device
            .remove_camera(
                &removed,
                CameraRemoval::Dismantled,
                Moment {
                    now_ms: NOW + 31_000,
                    random: 25,
                },
            )
            .is_err(),
        "a camera is removed once"
    );
    colleague.sync_ok(NOW + 40_000);
    assert!(
        server
            .state
            .lock_district()
            .store()
            .load_keys(&[entry].into())
            .expect("keys load")
            .is_empty(),
        "the server destroyed its key with the merge"
    );
    registering.sync_ok(NOW + 50_000);
    assert!(
        !registering
            .device
            .store()
            .load_keys()
            .expect("keys load")
            .contains_key(&entry),
        "the registering phone's key went at its next sync"
    );
    let seen = registering.device.camera(&removed).expect("still listed");
    assert_eq!(seen.owner, None);
    assert!(!seen.sealed, "a removed camera asks for no key");
    assert_eq!(
        seen.removed.map(|removed| removed.reason),
        Some(CameraRemoval::OwnerAsked)
    );

    // Reports count it as removed; the export leaves it out, or lists it without an owner.
    let report = server.get("/v1/reports/cameras", &incharge).json();
    let station_row = report["units"]
        .as_array()
        .expect("units")
        .iter()
        .find(|unit| unit["code"] == station(0))
        .expect("the station")
        .clone();
    assert_eq!(
        (&station_row["cameras"], &station_row["removed"]),
        (&1.into(), &1.into())
    );
    let records = csv_records(
        &server
            .get(
                &format!("/v1/exports?unit={}&kind=cameras", station(0)),
                &incharge,
            )
            .body,
    );
    assert_eq!(records.len(), 1, "the removed camera is left out");
    let records = csv_records(
        &server
            .get(
                &format!(
                    "/v1/exports?unit={}&kind=cameras&include_withdrawn=true",
                    station(0)
                ),
                &incharge,
            )
            .body,
    );
    let row = records
        .iter()
        .find(|record| record[0] == removed.to_string())
        .expect("listed on request");
    assert_eq!(row[owner_column], "");
    assert_eq!(row[owner_column + 1], "");
    assert!(row.contains(&"owner_asked".to_owned()));

    // The auditor replays the camera's history: its registration and its removal.
    let history = server.get(&format!("/v1/audit/history?camera={removed}"), &auditor);
    assert_eq!(history.status, 200, "{}", history.body);
    let actions: Vec<String> = history.json()["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|entry| entry["action"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(actions, ["camera", "remove_camera"]);
    assert!(
        !history.body.contains(OWNER_NAME),
        "the erased owner is not replayed"
    );

    // The erased owner is in no store in plain text, and the kept one only sealed.
    for (what, bytes) in [
        ("server database", database_bytes(&server.db)),
        ("registering phone's store", registering.store_bytes()),
        ("colleague's store", colleague.store_bytes()),
    ] {
        assert_eq!(traces(&bytes), Vec::<&str>::new(), "{what}");
        assert!(found_in(&bytes, &["सुखमती"]).is_empty(), "{what}");
    }
}
