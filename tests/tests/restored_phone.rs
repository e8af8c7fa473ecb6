//! A phone restored from a backup (or cloned) reuses sequence numbers its actor already spent
//! on other content. The server refuses such a sync whole with the stable code
//! `actor_reused`, which tells the phone, and whoever supports it, what happened, instead of
//! a generic refusal; and it stores nothing of it. The phone then recovers (ADR 0008): it
//! re-registers under a new actor, with its credential or a code from the in-charge, and
//! what it wrote since the backup reaches the server once, with the same volunteer ids.

use std::collections::BTreeSet;

use mitan_core::device::TransportError;
use mitan_core::model::VolunteerId;
use mitan_e2e::{FieldDevice, TestServer, beat, station};
use mitan_server::auth::Role;

const NOW_MS: i64 = 1_764_000_000_000;

/// Copies every file of a field device's folder: its store, WAL and profile, as a backup.
fn copy_folder(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("backup folder");
    for entry in std::fs::read_dir(from).expect("the folder reads") {
        let entry = entry.expect("an entry");
        std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copied");
    }
}

fn reopen(dir: &std::path::Path) -> FieldDevice {
    let (device, profile) = mitan_cli::field::open_device(dir).expect("the store opens");
    FieldDevice { device, profile }
}

#[test]
fn a_phone_restored_from_a_backup_is_told_its_actor_was_reused_and_nothing_is_stored() {
    let server = TestServer::start_without_sync_limit(1).expect("the server starts");
    server
        .add_user("CG-001", Role::Constable, &station(0), &[beat(0, 0)])
        .expect("constable added");
    let dir = tempfile::tempdir().expect("temp dir");
    let (live, backup) = (dir.path().join("phone"), dir.path().join("backup"));
    let mut phone = server
        .field_device("CG-001", &live)
        .expect("the phone registers");
    phone.enrol_seeded(&station(0), &beat(0, 0), 1, NOW_MS);
    phone.sync_ok(NOW_MS);
    drop(phone);
    copy_folder(&live, &backup);

    // Life goes on after the backup: an enrolment, synced.
    let mut phone = reopen(&live);
    phone.enrol_seeded(&station(0), &beat(0, 0), 2, NOW_MS + 1);
    phone.sync_ok(NOW_MS + 1);
    drop(phone);
    let before = server.logged_changes();

    // The backup is restored and enrols someone else: its next change reuses the sequence
    // number the live phone spent on the second enrolment.
    let mut restored = reopen(&backup);
    restored.enrol_seeded(&station(0), &beat(0, 0), 3, NOW_MS + 2);
    let mut transport = restored.transport();
    let refused = restored
        .device
        .sync(&mut transport, NOW_MS + 2)
        .expect_err("the sync is refused");
    assert_eq!(transport.last_status, Some(400), "{refused}");
    assert!(refused.to_string().contains("actor_reused"), "{refused}");
    assert_eq!(server.logged_changes(), before, "nothing of it was stored");
    assert_eq!(server.volunteers().len(), 2);
}

/// The volunteers on the server, each id once, or a panic naming the one held twice.
fn server_ids(server: &TestServer) -> BTreeSet<String> {
    let rows = server.volunteers();
    let ids: BTreeSet<String> = rows.iter().map(|(id, _)| id.clone()).collect();
    assert_eq!(ids.len(), rows.len(), "a volunteer is held twice: {rows:?}");
    ids
}

fn ids(volunteers: &[VolunteerId]) -> BTreeSet<String> {
    volunteers.iter().map(ToString::to_string).collect()
}

/// Syncs expecting the server to say the actor was reused.
fn refused_as_reused(phone: &mut FieldDevice, now_ms: i64) {
    let mut transport = phone.transport();
    match phone.device.sync(&mut transport, now_ms) {
        Err(mitan_core::Error::Transport(failure)) if failure.is_actor_reused() => {}
        other => panic!("expected actor_reused, got {other:?}"),
    }
}

/// A server with one constable and an auditor, the constable's phone registered in
/// `dir/phone`, one enrolment synced and a second enrolled but not synced; then the backup
/// of that phone is taken into `dir/backup`, and the phone syncs the second and enrols and
/// syncs a third. Returns the server and the three ids.
fn backed_up(dir: &std::path::Path) -> (TestServer, [VolunteerId; 3]) {
    let server = TestServer::start_without_sync_limit(1).expect("the server starts");
    server
        .add_user("CG-001", Role::Constable, &station(0), &[beat(0, 0)])
        .expect("constable added");
    server
        .add_user("CG-900", Role::Auditor, "BSP", &[])
        .expect("auditor added");
    let live = dir.join("phone");
    let mut phone = server
        .field_device("CG-001", &live)
        .expect("the phone registers");
    let first = phone.enrol_seeded(&station(0), &beat(0, 0), 1, NOW_MS);
    phone.sync_ok(NOW_MS);
    let second = phone.enrol_seeded(&station(0), &beat(0, 0), 2, NOW_MS + 1);
    drop(phone);
    copy_folder(&live, &dir.join("backup"));
    let mut phone = reopen(&live);
    let third = phone.enrol_seeded(&station(0), &beat(0, 0), 3, NOW_MS + 2);
    phone.sync_ok(NOW_MS + 2);
    (server, [first, second, third])
}

#[test]
fn a_restored_phone_recovers_with_its_credential_and_every_enrolment_lands_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (server, before) = backed_up(dir.path());
    let mut restored = reopen(&dir.path().join("backup"));
    let fourth = restored.enrol_seeded(&station(0), &beat(0, 0), 4, NOW_MS + 3);
    let edit = mitan_core::model::VolunteerEdit {
        household: Some("मकान नं. 9".into()),
        ..Default::default()
    };
    restored
        .device
        .edit(
            &fourth,
            &edit,
            mitan_core::device::Moment {
                now_ms: NOW_MS + 4,
                random: 9,
            },
        )
        .expect("edited");
    refused_as_reused(&mut restored, NOW_MS + 4);
    drop(restored);

    let recovered = mitan_cli::field::recover(&dir.path().join("backup"), None)
        .expect("the phone re-registers with its credential");
    // The second enrolment (which the live phone sent), the fourth and its edit.
    assert_eq!(recovered.set_aside, 3);
    let mut restored = reopen(&dir.path().join("backup"));
    let report = restored.sync_ok(NOW_MS + 5);
    assert_eq!(report.reissued, 2, "{report:?}");

    let mut expected = ids(&before);
    expected.insert(fourth.to_string());
    assert_eq!(server_ids(&server), expected);
    // Nothing lost on the phone: it holds all four, and nothing waits.
    assert_eq!(restored.device.store().volunteer_count().expect("count"), 4);
    assert_eq!(restored.device.pending_sync_count().expect("count"), 0);
    let household = restored
        .device
        .volunteer(&fourth)
        .expect("the fourth reads")
        .personal
        .map(|personal| personal.household);
    assert_eq!(household.as_deref(), Some("मकान नं. 9"));
    // The changes written again are the new device's, signed by its new key.
    server.assert_audit_export_verifies("CG-900", NOW_MS + 6);

    // The credential was spent: the live phone, whose registration this was, is told so
    // and recovers with a code, losing nothing.
    let mut live = reopen(&dir.path().join("phone"));
    let fifth = live.enrol_seeded(&station(0), &beat(0, 0), 5, NOW_MS + 7);
    let mut transport = live.transport();
    assert!(matches!(
        live.device.sync(&mut transport, NOW_MS + 7),
        Err(mitan_core::Error::Transport(TransportError::Unauthorized))
    ));
    drop(live);
    let code = server.code_for("CG-001").expect("a code");
    mitan_cli::field::recover(&dir.path().join("phone"), Some(&code)).expect("recovers");
    let mut live = reopen(&dir.path().join("phone"));
    assert_eq!(live.sync_ok(NOW_MS + 8).reissued, 1);
    expected.insert(fifth.to_string());
    assert_eq!(server_ids(&server), expected);
    assert_eq!(live.device.store().volunteer_count().expect("count"), 5);
}

#[test]
fn two_clones_of_one_phone_both_recover_one_with_the_credential_one_with_a_code() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (server, before) = backed_up(dir.path());
    let (one, two) = (dir.path().join("clone-1"), dir.path().join("clone-2"));
    copy_folder(&dir.path().join("backup"), &one);
    copy_folder(&dir.path().join("backup"), &two);
    let mut clone_one = reopen(&one);
    let mut clone_two = reopen(&two);
    let fourth = clone_one.enrol_seeded(&station(0), &beat(0, 0), 4, NOW_MS + 3);
    let fifth = clone_two.enrol_seeded(&station(0), &beat(0, 0), 5, NOW_MS + 3);
    refused_as_reused(&mut clone_one, NOW_MS + 4);
    refused_as_reused(&mut clone_two, NOW_MS + 4);
    drop((clone_one, clone_two));

    mitan_cli::field::recover(&one, None).expect("the first clone uses the credential");
    let refused = mitan_cli::field::recover(&two, None).expect_err("the credential is spent");
    assert!(refused.is_unauthorized(), "{refused}");
    let code = server.code_for("CG-001").expect("a code");
    mitan_cli::field::recover(&two, Some(&code)).expect("the second clone uses a code");

    let mut clone_one = reopen(&one);
    let mut clone_two = reopen(&two);
    clone_one.sync_ok(NOW_MS + 5);
    clone_two.sync_ok(NOW_MS + 5);
    clone_one.sync_ok(NOW_MS + 6);

    let mut expected = ids(&before);
    expected.extend([fourth.to_string(), fifth.to_string()]);
    assert_eq!(server_ids(&server), expected);
    for clone in [&clone_one, &clone_two] {
        assert_eq!(clone.device.store().volunteer_count().expect("count"), 5);
        assert_eq!(clone.device.pending_sync_count().expect("count"), 0);
    }
    assert_ne!(clone_one.profile.actor, clone_two.profile.actor);
    server.assert_audit_export_verifies("CG-900", NOW_MS + 7);
}
