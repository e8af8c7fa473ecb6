//! The merge rules of a roster, one scenario each, on two or three replicas that exchange
//! changes directly (no store, no network).

use mitan_core::demo::Generator;
use mitan_core::model::sealed::TestKeys;
use mitan_core::model::{
    ChangeMeta, Decision, EnrolmentRules, Field, Roster, RosterId, Status, VolunteerEdit,
    VolunteerId, WithdrawalChannel,
};

const STATION: &str = "BSP-PS-KONI";
const BEAT: &str = "BSP-PS-KONI-B01";

fn replica(actor: u8) -> Roster {
    let mut roster = Roster::genesis(&BEAT.parse::<RosterId>().expect("valid beat code"));
    roster.set_actor([actor; 16]);
    roster
}

fn meta(badge: &str, device: &str, clock_ms: i64) -> ChangeMeta {
    ChangeMeta {
        badge: badge.parse().expect("valid badge"),
        device: device.parse().expect("valid device"),
        device_clock_ms: clock_ms,
    }
}

/// Sends every change `from` has that `to` lacks.
fn deliver(from: &mut Roster, to: &mut Roster) {
    let heads = to.heads();
    let changes: Vec<Vec<u8>> = from
        .changes_since(&heads)
        .into_iter()
        .map(|change| change.bytes)
        .collect();
    to.apply_changes(&changes)
        .expect("changes from a replica apply");
}

fn enrol_one(roster: &mut Roster, seed: u64, clock_ms: i64) -> VolunteerId {
    let mut generator = Generator::new(seed);
    let form = generator.enrolment_form(STATION, BEAT, "430001");
    let enrolment = form
        .validate(&EnrolmentRules::standard(2026))
        .expect("demo forms are valid");
    let id = VolunteerId::from_parts(clock_ms as u64, generator.next_u128());
    roster
        .enrol(
            id,
            &enrolment,
            &meta("CG-101", "dev-a", clock_ms),
            &TestKeys::sealing(&id),
        )
        .expect("enrol");
    id
}

#[test]
fn genesis_is_identical_on_every_replica() {
    assert_eq!(replica(1).heads(), replica(2).heads());
}

#[test]
fn two_phones_enrol_offline_both_entries_survive_the_merge() {
    let mut phone_a = replica(1);
    let mut phone_b = replica(2);
    let first = enrol_one(&mut phone_a, 1, 1_000);
    let second = enrol_one(&mut phone_b, 2, 2_000);
    deliver(&mut phone_a, &mut phone_b);
    deliver(&mut phone_b, &mut phone_a);
    for phone in [&phone_a, &phone_b] {
        assert!(
            phone
                .volunteer(&first, &TestKeys)
                .expect("readable")
                .is_some()
        );
        assert!(
            phone
                .volunteer(&second, &TestKeys)
                .expect("readable")
                .is_some()
        );
    }
    assert_eq!(phone_a.heads(), phone_b.heads());
}

#[test]
fn two_devices_edit_different_fields_of_the_same_volunteer_both_edits_stand() {
    let mut phone_a = replica(1);
    let id = enrol_one(&mut phone_a, 3, 1_000);
    let mut phone_b = replica(2);
    deliver(&mut phone_a, &mut phone_b);

    let phone_edit = VolunteerEdit {
        phone: Some("9876543210".into()),
        ..Default::default()
    };
    let name_edit = VolunteerEdit {
        name_latin: Some("Ramesh Sahu".into()),
        ..Default::default()
    };
    phone_a
        .edit(
            &id,
            &phone_edit.validate().expect("valid"),
            &meta("CG-101", "dev-a", 5_000),
            Some(&TestKeys::sealing(&id)),
        )
        .expect("edit a");
    phone_b
        .edit(
            &id,
            &name_edit.validate().expect("valid"),
            &meta("CG-102", "dev-b", 5_000),
            Some(&TestKeys::sealing(&id)),
        )
        .expect("edit b");
    deliver(&mut phone_a, &mut phone_b);
    deliver(&mut phone_b, &mut phone_a);

    for phone in [&phone_a, &phone_b] {
        let volunteer = phone
            .volunteer(&id, &TestKeys)
            .expect("readable")
            .expect("present");
        let personal = volunteer.personal.expect("not withdrawn");
        assert_eq!(personal.phone.as_str(), "+919876543210");
        assert_eq!(personal.name_latin.as_deref(), Some("Ramesh Sahu"));
        assert!(volunteer.conflicts.is_empty());
    }
}

#[test]
fn two_devices_edit_the_same_field_one_value_wins_everywhere_and_the_conflict_is_listed() {
    let mut phone_a = replica(1);
    let id = enrol_one(&mut phone_a, 4, 1_000);
    let mut phone_b = replica(2);
    deliver(&mut phone_a, &mut phone_b);
    let edit_a = VolunteerEdit {
        phone: Some("9876543210".into()),
        ..Default::default()
    };
    let edit_b = VolunteerEdit {
        phone: Some("9123456780".into()),
        ..Default::default()
    };
    phone_a
        .edit(
            &id,
            &edit_a.validate().expect("valid"),
            &meta("CG-101", "dev-a", 5_000),
            Some(&TestKeys::sealing(&id)),
        )
        .expect("edit");
    phone_b
        .edit(
            &id,
            &edit_b.validate().expect("valid"),
            &meta("CG-102", "dev-b", 5_000),
            Some(&TestKeys::sealing(&id)),
        )
        .expect("edit");
    deliver(&mut phone_a, &mut phone_b);
    deliver(&mut phone_b, &mut phone_a);
    let on_a = phone_a
        .volunteer(&id, &TestKeys)
        .expect("readable")
        .expect("present");
    let on_b = phone_b
        .volunteer(&id, &TestKeys)
        .expect("readable")
        .expect("present");
    assert_eq!(on_a, on_b);
    assert_eq!(on_a.conflicts, vec![Field::Phone]);
}

#[test]
fn an_edit_racing_a_verification_keeps_both() {
    let mut constable = replica(1);
    let id = enrol_one(&mut constable, 5, 1_000);
    let mut supervisor = replica(9);
    deliver(&mut constable, &mut supervisor);
    supervisor
        .review(&id, Decision::Verify, &meta("CG-SHO-1", "dev-sho", 6_000))
        .expect("verify");
    let edit = VolunteerEdit {
        household: Some("मकान नं. 12".into()),
        ..Default::default()
    };
    constable
        .edit(
            &id,
            &edit.validate().expect("valid"),
            &meta("CG-101", "dev-a", 6_000),
            Some(&TestKeys::sealing(&id)),
        )
        .expect("edit");
    deliver(&mut constable, &mut supervisor);
    deliver(&mut supervisor, &mut constable);
    for roster in [&constable, &supervisor] {
        let volunteer = roster
            .volunteer(&id, &TestKeys)
            .expect("readable")
            .expect("present");
        assert_eq!(volunteer.status, Status::Verified);
        assert_eq!(volunteer.personal.expect("present").household, "मकान नं. 12");
        assert_eq!(
            volunteer.reviewed_by.expect("reviewed").as_str(),
            "CG-SHO-1"
        );
    }
}

#[test]
fn a_withdrawal_racing_an_edit_wins_and_hides_personal_fields() {
    let mut constable = replica(1);
    let id = enrol_one(&mut constable, 6, 1_000);
    let mut supervisor = replica(9);
    deliver(&mut constable, &mut supervisor);
    supervisor
        .withdraw(
            &id,
            WithdrawalChannel::PhoneCall,
            &meta("CG-SHO-1", "dev-sho", 7_000),
        )
        .expect("withdraw");
    let edit = VolunteerEdit {
        phone: Some("9988776655".into()),
        ..Default::default()
    };
    constable
        .edit(
            &id,
            &edit.validate().expect("valid"),
            &meta("CG-101", "dev-a", 7_500),
            Some(&TestKeys::sealing(&id)),
        )
        .expect("edit");
    constable
        .review(&id, Decision::Verify, &meta("CG-101", "dev-a", 7_600))
        .expect("verify");
    deliver(&mut constable, &mut supervisor);
    deliver(&mut supervisor, &mut constable);
    for roster in [&constable, &supervisor] {
        let volunteer = roster
            .volunteer(&id, &TestKeys)
            .expect("readable")
            .expect("present");
        assert_eq!(volunteer.status, Status::Withdrawn);
        assert_eq!(volunteer.personal, None);
    }
    assert!(supervisor.duplicate_phones(&TestKeys).is_empty());
}

#[test]
fn concurrent_reviews_resolve_to_the_cautious_decision() {
    let mut first = replica(1);
    let id = enrol_one(&mut first, 7, 1_000);
    let other = enrol_one(&mut first, 8, 1_001);
    let mut second = replica(2);
    deliver(&mut first, &mut second);
    first
        .review(&id, Decision::Verify, &meta("CG-SHO-1", "dev-1", 9_000))
        .expect("verify");
    second
        .review(
            &id,
            Decision::DuplicateOf(other),
            &meta("CG-CO-1", "dev-2", 8_000),
        )
        .expect("duplicate");
    deliver(&mut first, &mut second);
    deliver(&mut second, &mut first);
    for roster in [&first, &second] {
        let volunteer = roster
            .volunteer(&id, &TestKeys)
            .expect("readable")
            .expect("present");
        assert_eq!(volunteer.status, Status::DuplicateOf(other));
    }
}

#[test]
fn two_constables_enrol_the_same_phone_offline_both_are_kept_and_flagged() {
    let mut phone_a = replica(1);
    let mut phone_b = replica(2);
    let rules = EnrolmentRules::standard(2026);
    let mut generator = Generator::new(11);
    let mut form = generator.enrolment_form(STATION, BEAT, "430001");
    form.phone = "98765 43210".into();
    let first = VolunteerId::from_parts(1_000, 1);
    phone_a
        .enrol(
            first,
            &form.validate(&rules).expect("valid"),
            &meta("CG-101", "dev-a", 1_000),
            &TestKeys::sealing(&first),
        )
        .expect("enrol a");
    form.phone = "+91-98765-43210".into();
    form.name_devanagari = String::new();
    form.name_latin = "Rames Sahu".into();
    let second = VolunteerId::from_parts(1_000, 2);
    phone_b
        .enrol(
            second,
            &form.validate(&rules).expect("valid"),
            &meta("CG-102", "dev-b", 1_000),
            &TestKeys::sealing(&second),
        )
        .expect("enrol b");
    deliver(&mut phone_a, &mut phone_b);
    deliver(&mut phone_b, &mut phone_a);
    for phone in [&phone_a, &phone_b] {
        assert_eq!(phone.volunteers(&TestKeys).len(), 2);
        assert_eq!(phone.duplicate_phones(&TestKeys), vec![vec![first, second]]);
    }
}

#[test]
fn programmes_join_and_leave_merge_as_a_set() {
    let mut phone_a = replica(1);
    let id = enrol_one(&mut phone_a, 12, 1_000);
    let mut phone_b = replica(2);
    deliver(&mut phone_a, &mut phone_b);
    let join = VolunteerEdit {
        add_programmes: vec!["gram_rakshak".into()],
        ..Default::default()
    };
    let leave = VolunteerEdit {
        remove_programmes: vec!["cyber_mitan".into(), "suraksha_sakhi".into()],
        add_programmes: vec!["police_mitra".into()],
        ..Default::default()
    };
    phone_a
        .edit(
            &id,
            &join.validate().expect("valid"),
            &meta("CG-101", "dev-a", 2_000),
            Some(&TestKeys::sealing(&id)),
        )
        .expect("join");
    phone_b
        .edit(
            &id,
            &leave.validate().expect("valid"),
            &meta("CG-102", "dev-b", 2_000),
            Some(&TestKeys::sealing(&id)),
        )
        .expect("leave");
    deliver(&mut phone_a, &mut phone_b);
    deliver(&mut phone_b, &mut phone_a);
    let programmes: Vec<String> = phone_a
        .volunteer(&id, &TestKeys)
        .expect("readable")
        .expect("present")
        .programmes
        .iter()
        .map(|programme| programme.to_string())
        .collect();
    assert_eq!(programmes, vec!["gram_rakshak", "police_mitra"]);
}

#[test]
fn garbage_change_bytes_are_an_error_not_a_panic() {
    let mut roster = replica(1);
    for garbage in [
        vec![],
        vec![0u8; 10],
        vec![0x85, 0x6f, 0x4a, 0x83, 1, 2, 3],
        b"not a change".to_vec(),
    ] {
        assert!(roster.apply_changes(&[garbage]).is_err());
    }
    assert_eq!(roster.heads(), replica(2).heads());
}
