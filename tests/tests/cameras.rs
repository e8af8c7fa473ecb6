//! A private camera's owner end to end: a camera registered on one phone is synced through a
//! real server over HTTP and read on a second phone of the same beat with its owner, while
//! the owner's name and number are in no byte of the roster document, the server's database
//! or the phones' stores, and a phone of another beat never receives the camera's key.

use mitan_core::device::Moment;
use mitan_core::model::{CameraForm, CameraId, EntryId, Roster, RosterId};
use mitan_e2e::{FieldDevice, TestServer, beat, database_bytes, found_in, station};
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
