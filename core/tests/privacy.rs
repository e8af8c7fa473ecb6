//! Personal fields sealed per roster entry (volunteers, and camera owners), keys that travel
//! only beside the changes, and erasure on withdrawal that reaches every copy, through real
//! SQLite stores and the in-memory reference server.

mod common;

use std::path::Path;

use mitan_core::demo::Generator;
use mitan_core::device::{Device, Moment};
use mitan_core::history::{HistoryEntry, Shown};
use mitan_core::model::{
    Action, CameraForm, CameraId, EnrolmentForm, EnrolmentRules, EntryId, Status, VolunteerEdit,
    VolunteerId, WithdrawalChannel,
};
use mitan_core::store::StoreKey;
use mitan_core::sync::{Limits, MemoryHub, SyncResponse};

use common::{BEAT, NOW, STATION, identity, open, sync};

/// A person whose name and number are easy to look for in raw bytes.
fn rare_person() -> EnrolmentForm {
    let mut form = Generator::new(5).enrolment_form(STATION, BEAT, "430001");
    form.name_devanagari = "झुम्मनलाल कोसरिया".into();
    form.name_latin = "Jhummanlal Kosariya".into();
    form.phone = "9131975318".into();
    form
}

/// Enrols the rare person on `device`, offline.
fn enrol_rare(device: &mut Device) -> VolunteerId {
    device
        .enrol(
            &rare_person(),
            Moment {
                now_ms: NOW,
                random: 1,
            },
        )
        .expect("enrolled")
        .id
}

/// What a phone's store holds, decrypted with its key: every table, as SQLite bytes.
fn held(device: &Device) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("temp dir");
    let copy = dir.path().join("plain.db");
    if let Err(error) = device.store().decrypted_copy(&copy) {
        panic!("the store did not decrypt: {error}");
    }
    std::fs::read(copy).expect("the copy reads")
}

/// Every file of a store as it lies on disk: the database and its write-ahead log.
fn on_disk(dir: &Path, number: u8) -> Vec<u8> {
    let mut bytes = Vec::new();
    for suffix in ["", "-wal"] {
        if let Ok(file) = std::fs::read(dir.join(format!("device-{number}.db{suffix}"))) {
            bytes.extend(file);
        }
    }
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

#[test]
fn a_phone_that_did_not_enrol_reads_the_person_once_the_key_arrives_with_the_entry() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut hub = MemoryHub::default();
    let mut first = open(dir.path(), 1);
    let mut second = open(dir.path(), 2);
    let id = enrol_rare(&mut first);
    sync(&mut first, &mut hub);
    assert_eq!(
        hub.keys().len(),
        1,
        "the key went to the server with the entry"
    );

    // The roster the server holds shows ciphertext only.
    let roster = hub
        .roster_mut(&BEAT.parse().expect("valid"))
        .expect("hub has the roster");
    let saved = roster.save();
    assert!(!contains(&saved, "Jhummanlal"));
    assert!(!contains(&saved, "9131975318"));

    sync(&mut second, &mut hub);
    let seen = second.volunteer(&id).expect("on the second phone");
    assert!(!seen.sealed);
    let personal = seen.personal.expect("readable with the key");
    assert_eq!(personal.name_latin.as_deref(), Some("Jhummanlal Kosariya"));
    assert_eq!(personal.phone.as_str(), "+919131975318");
    assert_eq!(
        second
            .search("Jhumman", 10)
            .expect("search")
            .into_iter()
            .map(|row| row.id)
            .collect::<Vec<_>>(),
        vec![id]
    );
}

#[test]
fn a_withdrawal_destroys_the_key_on_the_server_and_on_every_phone_at_next_sync() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut hub = MemoryHub::default();
    let mut first = open(dir.path(), 1);
    let mut second = open(dir.path(), 2);
    let id = enrol_rare(&mut first);
    // Someone else, who stays.
    let other = first
        .enrol(
            &Generator::new(6).enrolment_form(STATION, BEAT, "430001"),
            Moment {
                now_ms: NOW + 1,
                random: 2,
            },
        )
        .expect("enrolled")
        .id;
    sync(&mut first, &mut hub);
    sync(&mut second, &mut hub);
    assert!(contains(&held(&second), "Jhummanlal"));

    second
        .withdraw(
            &id,
            WithdrawalChannel::InPerson,
            Moment {
                now_ms: NOW + 10,
                random: 3,
            },
        )
        .expect("withdrawn");
    // The withdrawing phone forgets at once; its store no longer holds the person.
    let bytes = held(&second);
    assert!(!contains(&bytes, "Jhummanlal"), "name left in the store");
    assert!(!contains(&bytes, "झुम्मनलाल"), "name left in the store");
    assert!(!contains(&bytes, "9131975318"), "phone left in the store");

    sync(&mut second, &mut hub);
    assert!(
        !hub.keys().contains_key(&EntryId::from(id)),
        "the server destroyed the key"
    );
    assert!(hub.keys().contains_key(&EntryId::from(other)));

    // The phone that enrolled the person still has them until it syncs.
    assert!(first.volunteer(&id).expect("present").personal.is_some());
    sync(&mut first, &mut hub);
    let gone = first.volunteer(&id).expect("the entry stays");
    assert_eq!(gone.status, Status::Withdrawn);
    assert!(gone.personal.is_none());
    assert!(!gone.sealed, "erased, not merely sealed");
    let bytes = held(&first);
    assert!(!contains(&bytes, "Jhummanlal"), "name left in the store");
    assert!(!contains(&bytes, "9131975318"), "phone left in the store");
    assert!(
        first.volunteer(&other).expect("present").personal.is_some(),
        "others are untouched"
    );

    // A reinstalled phone gets the history, but never the erased person's key.
    let mut fresh = open(dir.path(), 3);
    sync(&mut fresh, &mut hub);
    let replayed = fresh.volunteer(&id).expect("the entry replays");
    assert_eq!(replayed.status, Status::Withdrawn);
    assert!(replayed.personal.is_none());
    assert!(fresh.volunteer(&other).expect("present").personal.is_some());
}

/// What `history` shows of `field` in each change, in order, for changes that wrote it.
fn shown(history: &[HistoryEntry], field: &str) -> Vec<(Option<Action>, Shown)> {
    history
        .iter()
        .flat_map(|change| {
            change
                .fields
                .iter()
                .filter(|written| written.field == field)
                .map(|written| (change.action, written.shown.clone()))
        })
        .collect()
}

#[test]
fn a_volunteers_history_on_a_phone_shows_what_each_change_wrote_until_a_withdrawal_erases_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut hub = MemoryHub::default();
    let mut first = open(dir.path(), 1);
    let mut second = open(dir.path(), 2);
    let id = enrol_rare(&mut first);
    // Someone else in the same roster, whose changes must not show in this history.
    first
        .enrol(
            &Generator::new(6).enrolment_form(STATION, BEAT, "430001"),
            Moment {
                now_ms: NOW + 1,
                random: 2,
            },
        )
        .expect("enrolled");
    first
        .edit(
            &id,
            &VolunteerEdit {
                phone: Some("9425012345".into()),
                ..VolunteerEdit::default()
            },
            Moment {
                now_ms: NOW + 5,
                random: 4,
            },
        )
        .expect("edited");

    let history = first.volunteer_history(&id).expect("history reads");
    let actions: Vec<Option<Action>> = history.iter().map(|change| change.action).collect();
    assert_eq!(actions, [Some(Action::Enrol), Some(Action::Edit)]);
    for change in &history {
        assert_eq!(change.badge.as_deref(), Some("CG-001"));
        assert_eq!(change.device.as_deref(), Some("dev-1"));
        assert!(
            change
                .fields
                .iter()
                .all(|field| field.volunteer.as_deref() == Some(id.to_string().as_str())),
            "only this volunteer's fields: {change:?}"
        );
    }
    assert_eq!(history[0].device_clock_ms, NOW);
    assert_eq!(history[1].device_clock_ms, NOW + 5);
    assert_eq!(
        shown(&history, "phone"),
        [
            (Some(Action::Enrol), Shown::Opened("+919131975318".into())),
            (Some(Action::Edit), Shown::Opened("+919425012345".into())),
        ]
    );
    assert_eq!(
        shown(&history, "name_latin"),
        [(
            Some(Action::Enrol),
            Shown::Opened("Jhummanlal Kosariya".into())
        )]
    );
    assert_eq!(history[1].fields.len(), 1, "the edit wrote the phone alone");

    // The second phone reads the same history, opened with the key that came with the entry.
    sync(&mut first, &mut hub);
    sync(&mut second, &mut hub);
    assert_eq!(
        second.volunteer_history(&id).expect("history reads"),
        history
    );

    second
        .withdraw(
            &id,
            WithdrawalChannel::InPerson,
            Moment {
                now_ms: NOW + 10,
                random: 3,
            },
        )
        .expect("withdrawn");
    let after = second.volunteer_history(&id).expect("history reads");
    assert_eq!(after.len(), 3);
    assert_eq!(after[2].action, Some(Action::Withdraw));
    assert_eq!(after[2].badge.as_deref(), Some("CG-002"));
    assert_eq!(
        shown(&after, "phone"),
        [
            (Some(Action::Enrol), Shown::Erased),
            (Some(Action::Edit), Shown::Erased),
            (Some(Action::Withdraw), Shown::Removed),
        ],
        "erased from every moment of the history, not only from the roster"
    );
    let printed = format!("{after:?}");
    for trace in ["Jhummanlal", "झुम्मनलाल", "9131975318", "9425012345"] {
        assert!(!printed.contains(trace), "{trace} left in the history");
    }
}

#[test]
fn an_enrolment_withdrawn_before_any_sync_never_sends_its_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut hub = MemoryHub::default();
    let mut phone = open(dir.path(), 1);
    let id = enrol_rare(&mut phone);
    phone
        .withdraw(
            &id,
            WithdrawalChannel::InPerson,
            Moment {
                now_ms: NOW + 5,
                random: 2,
            },
        )
        .expect("withdrawn");
    sync(&mut phone, &mut hub);
    assert!(hub.keys().is_empty());
    let roster = hub
        .roster(&BEAT.parse().expect("valid"))
        .expect("hub has the roster");
    assert_eq!(
        roster
            .volunteer(&id, hub.keys())
            .expect("readable")
            .expect("present")
            .status,
        Status::Withdrawn
    );
}

#[test]
fn a_store_file_copied_off_the_phone_shows_nothing_and_opens_only_with_its_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut phone = open(dir.path(), 1);
    let id = enrol_rare(&mut phone);
    assert!(
        contains(&held(&phone), "Jhummanlal"),
        "the phone itself reads it"
    );
    drop(phone);

    let bytes = on_disk(dir.path(), 1);
    assert!(bytes.len() > 4096);
    for needle in [
        "Jhummanlal",
        "झुम्मनलाल",
        "9131975318",
        "SQLite format 3",
        STATION,
    ] {
        assert!(
            !contains(&bytes, needle),
            "{needle:?} readable in the raw file"
        );
    }
    assert!(matches!(
        Device::open(
            &dir.path().join("device-1.db"),
            &StoreKey::from_bytes([9; 32]),
            &identity(1),
            EnrolmentRules::standard(2026),
        ),
        Err(mitan_core::Error::StoreLocked)
    ));
    let mut again = open(dir.path(), 1);
    assert!(again.volunteer(&id).expect("present").personal.is_some());
}

/// A camera whose owner's name and number are easy to look for in raw bytes.
fn rare_camera() -> CameraForm {
    CameraForm {
        owner_name: "फग्गूराम ध्रुव".into(),
        owner_phone: "9407312468".into(),
        latitude: 22.0797,
        longitude: 82.1409,
        village_lgd: "430001".into(),
        coverage: "चौक और बस स्टैंड".into(),
        direction: "ne".into(),
        recording_days: "30".into(),
    }
}

fn owner_traces(bytes: &[u8]) -> Vec<&'static str> {
    ["फग्गूराम", "9407312468"]
        .into_iter()
        .filter(|needle| contains(bytes, needle))
        .collect()
}

/// Registers the rare camera on `device`, offline.
fn register_rare(device: &mut Device) -> CameraId {
    device
        .add_camera(
            &BEAT.parse().expect("valid beat"),
            &rare_camera(),
            Moment {
                now_ms: NOW,
                random: 1,
            },
        )
        .expect("registered")
}

#[test]
fn a_camera_owner_is_sealed_under_the_cameras_own_key_and_read_on_a_second_phone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut hub = MemoryHub::default();
    let mut first = open(dir.path(), 1);
    let mut second = open(dir.path(), 2);
    let camera = register_rare(&mut first);
    // A volunteer minted at the same moment with the same randomness has the same ULID: the
    // two entries' keys must still be told apart.
    let volunteer = enrol_rare(&mut first);
    assert_eq!(camera.to_bytes(), volunteer.to_bytes());
    sync(&mut first, &mut hub);
    assert!(hub.keys().contains_key(&EntryId::Camera(camera)));
    assert!(hub.keys().contains_key(&EntryId::Volunteer(volunteer)));
    assert_ne!(
        hub.keys()[&EntryId::Camera(camera)],
        hub.keys()[&EntryId::Volunteer(volunteer)],
        "each entry has a key of its own"
    );
    let saved = hub
        .roster_mut(&BEAT.parse().expect("valid"))
        .expect("hub has the roster")
        .save();
    assert_eq!(owner_traces(&saved), Vec::<&str>::new(), "roster document");

    sync(&mut second, &mut hub);
    let seen = second.camera(&camera).expect("on the second phone");
    assert!(!seen.sealed);
    let owner = seen.owner.expect("readable with the key");
    assert_eq!(owner.name, "फग्गूराम ध्रुव");
    assert_eq!(owner.phone.as_str(), "+919407312468");
    assert_eq!(
        second
            .volunteer(&volunteer)
            .expect("present")
            .personal
            .map(|p| p.phone.to_string()),
        Some("+919131975318".to_owned())
    );
    for (phone, device) in [("first", &first), ("second", &second)] {
        assert_eq!(
            owner_traces(&held(device)),
            Vec::<&str>::new(),
            "{phone}'s store"
        );
    }
}

#[test]
fn a_camera_received_without_its_key_shows_its_owner_sealed_until_the_key_is_asked_for() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut hub = MemoryHub::default();
    let mut first = open(dir.path(), 1);
    let mut second = open(dir.path(), 2);
    let camera = register_rare(&mut first);
    sync(&mut first, &mut hub);

    // The reply loses its keys on the way, as from a server that did not hold this one yet.
    let mut keyless = |request: Vec<u8>| {
        let reply = hub.handle(&request).map_err(|error| error.to_string())?;
        let mut response =
            SyncResponse::decode(&reply, &Limits::default()).map_err(|error| error.to_string())?;
        for roster in &mut response.rosters {
            roster.keys.clear();
        }
        Ok::<_, String>(response.encode())
    };
    second.sync(&mut keyless, NOW).expect("sync succeeds");
    let seen = second.camera(&camera).expect("the camera is there");
    assert!(seen.sealed && seen.owner.is_none(), "{seen:?}");
    assert_eq!(
        seen.coverage, "चौक और बस स्टैंड",
        "what is not personal stays readable"
    );
    let roster = BEAT.parse().expect("valid");
    assert_eq!(
        second.store().sealed_entries(&roster).expect("reads"),
        vec![EntryId::Camera(camera)]
    );

    sync(&mut second, &mut hub);
    let seen = second.camera(&camera).expect("still there");
    assert!(!seen.sealed);
    assert_eq!(
        seen.owner.map(|owner| owner.name).as_deref(),
        Some("फग्गूराम ध्रुव")
    );
    assert!(
        second
            .store()
            .sealed_entries(&roster)
            .expect("reads")
            .is_empty()
    );
}
