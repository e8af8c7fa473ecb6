//! Personal fields sealed per volunteer, keys that travel only beside the changes, and
//! erasure on withdrawal that reaches every copy, through real SQLite stores and the
//! in-memory reference server.

mod common;

use std::path::Path;

use mitan_core::demo::Generator;
use mitan_core::device::{Device, Moment};
use mitan_core::model::{EnrolmentForm, EnrolmentRules, Status, VolunteerId, WithdrawalChannel};
use mitan_core::store::StoreKey;
use mitan_core::sync::MemoryHub;

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
        !hub.keys().contains_key(&id),
        "the server destroyed the key"
    );
    assert!(hub.keys().contains_key(&other));

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
