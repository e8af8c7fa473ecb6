//! A phone restored from a backup or cloned recovers: it re-registers under a new actor, and
//! what it wrote since the backup reaches the server once, under the new actor, with the same
//! volunteer ids (ADR 0008). The server here is the in-memory reference hub, which refuses a
//! reused sequence number as the real one does.

mod common;

use std::path::Path;

use mitan_core::demo::Generator;
use mitan_core::device::{Device, Moment};
use mitan_core::model::{EnrolmentRules, RosterId, Volunteer, VolunteerEdit, VolunteerId};
use mitan_core::store::DeviceIdentity;
use mitan_core::sync::MemoryHub;

use common::{BEAT, NOW, STATION, identity, open, store_key, sync};

fn enrol(device: &mut Device, generator: &mut Generator, at: i64) -> VolunteerId {
    let form = generator.enrolment_form(STATION, BEAT, &Generator::village_lgd(0, 0));
    device
        .enrol(
            &form,
            Moment {
                now_ms: at,
                random: generator.next_u128(),
            },
        )
        .expect("the enrolment is accepted")
        .id
}

fn copy_store(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("backup folder");
    for entry in std::fs::read_dir(from).expect("the folder reads") {
        let entry = entry.expect("an entry");
        std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copied");
    }
}

fn try_sync(device: &mut Device, hub: &mut MemoryHub) -> mitan_core::Result<u64> {
    let mut transport = |request: Vec<u8>| hub.handle(&request).map_err(|error| error.to_string());
    device
        .sync(&mut transport, NOW)
        .map(|report| report.reissued)
}

/// The registration a server would answer for `device`'s drawn replacement.
fn replaced(device: &mut Device, number: u8) -> DeviceIdentity {
    let replacement = device.prepare_replacement().expect("drawn");
    DeviceIdentity {
        device_id: format!("dev-{number}-again")
            .parse()
            .expect("valid device id"),
        actor: replacement.actor,
        ..identity(number)
    }
}

fn on_hub(hub: &MemoryHub) -> Vec<Volunteer> {
    let roster = hub
        .roster(&RosterId::for_beat(&BEAT.parse().expect("beat")))
        .expect("the hub holds the beat");
    roster
        .volunteers(hub.keys())
        .into_iter()
        .map(|volunteer| volunteer.expect("every entry reads"))
        .collect()
}

#[test]
fn a_restored_phone_writes_again_what_it_did_since_the_backup_and_nothing_twice() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (live, backup) = (dir.path().join("live"), dir.path().join("backup"));
    std::fs::create_dir_all(&live).expect("folder");
    let mut hub = MemoryHub::default();
    let mut generator = Generator::new(3);
    let mut phone = open(&live, 1);
    let first = enrol(&mut phone, &mut generator, NOW);
    sync(&mut phone, &mut hub);
    // Enrolled before the backup, never synced by the backup: the live phone sends it.
    let second = enrol(&mut phone, &mut generator, NOW + 1);
    drop(phone);
    copy_store(&live, &backup);
    let mut phone = open(&live, 1);
    let third = enrol(&mut phone, &mut generator, NOW + 2);
    sync(&mut phone, &mut hub);
    drop(phone);

    let mut restored = open(&backup, 1);
    let fourth = enrol(&mut restored, &mut generator, NOW + 3);
    let edit = VolunteerEdit {
        household: Some("मकान 14".into()),
        ..VolunteerEdit::default()
    };
    restored
        .edit(
            &fourth,
            &edit,
            Moment {
                now_ms: NOW + 4,
                random: 0,
            },
        )
        .expect("the edit is accepted");
    assert!(
        try_sync(&mut restored, &mut hub).is_err(),
        "the actor was reused"
    );

    let new_identity = replaced(&mut restored, 1);
    // Set aside: the second enrolment (which the server has), the fourth and its edit.
    assert_eq!(
        restored.adopt_replacement(&new_identity).expect("adopted"),
        3
    );
    assert_eq!(restored.pending_sync_count().expect("count"), 3);
    assert_eq!(
        try_sync(&mut restored, &mut hub).expect("the sync succeeds"),
        2
    );

    let ids: Vec<VolunteerId> = on_hub(&hub).iter().map(|volunteer| volunteer.id).collect();
    assert_eq!(ids.len(), 4, "{ids:?}");
    for id in [first, second, third, fourth] {
        assert!(ids.contains(&id), "{id} reached the server once");
    }
    let written_again = on_hub(&hub)
        .into_iter()
        .find(|volunteer| volunteer.id == fourth)
        .expect("the fourth");
    assert_eq!(
        written_again
            .personal
            .as_ref()
            .map(|personal| personal.household.as_str()),
        Some("मकान 14"),
        "the edit followed the enrolment written again, and its key reached the server"
    );
    assert_eq!(restored.pending_sync_count().expect("count"), 0);
    assert_eq!(restored.store().volunteer_count().expect("count"), 4);
    assert_eq!(restored.identity().actor, new_identity.actor);
}

#[test]
fn an_identity_kept_before_the_phone_adopted_it_is_adopted_when_the_store_opens() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut hub = MemoryHub::default();
    let mut generator = Generator::new(4);
    let mut phone = open(dir.path(), 1);
    let enrolled = enrol(&mut phone, &mut generator, NOW);
    let new_identity = replaced(&mut phone, 1);
    // The app kept the server's answer, and the phone died before adopting it.
    drop(phone);
    let mut phone = Device::open(
        &dir.path().join("device-1.db"),
        &store_key(1),
        &new_identity,
        EnrolmentRules::standard(2026),
    )
    .expect("the store opens and adopts");
    assert_eq!(phone.identity(), &new_identity);
    assert_eq!(phone.set_aside_count().expect("count"), 1);
    assert_eq!(try_sync(&mut phone, &mut hub).expect("synced"), 1);
    assert_eq!(on_hub(&hub)[0].id, enrolled);
    // A store opened with an identity it never drew is still refused.
    drop(phone);
    assert!(
        Device::open(
            &dir.path().join("device-1.db"),
            &store_key(1),
            &identity(1),
            EnrolmentRules::standard(2026),
        )
        .is_err()
    );
}

#[test]
fn the_credential_kept_in_the_store_follows_the_identity_the_phone_opens_with() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("device-1.db");
    mitan_core::device::save_credential(&path, &store_key(1), &identity(1).device_id, "old")
        .expect("kept before the store is opened");
    let mut phone = open(dir.path(), 1);
    assert_eq!(phone.credential().expect("reads").as_deref(), Some("old"));
    let new_identity = replaced(&mut phone, 1);
    // A recovery keeps the new credential first, under the new device's id.
    phone
        .save_credential(&new_identity.device_id, "new")
        .expect("kept");
    assert_eq!(phone.credential().expect("reads").as_deref(), Some("old"));
    phone.adopt_replacement(&new_identity).expect("adopted");
    assert_eq!(phone.credential().expect("reads").as_deref(), Some("new"));
}
