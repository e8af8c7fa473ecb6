//! One person stays one person across beats: what is done to an entry the person has left
//! follows them to the live entry, and concurrent moves end in one live entry. Replicas here
//! are sets of rosters exchanging changes directly: two district servers holding every beat
//! (as two Mitan servers sharing a district would) and phones holding some beats.

use std::collections::BTreeMap;

use mitan_core::demo::Generator;
use mitan_core::model::lineage::{self, Plan};
use mitan_core::model::sealed::TestKeys;
use mitan_core::model::{
    Action, ChangeMeta, ChangeReader, Decision, EnrolmentRules, Field, Roster, RosterId, Status,
    UnitCode, Volunteer, VolunteerEdit, VolunteerId, WithdrawalChannel,
};

const STATION: &str = "BSP-PS-KONI";

fn beat(number: u8) -> RosterId {
    format!("BSP-PS-KONI-B{number:02}")
        .parse()
        .expect("valid beat")
}

fn meta(badge: &str, device: &str, clock_ms: i64) -> ChangeMeta {
    ChangeMeta {
        badge: badge.parse().expect("valid badge"),
        device: device.parse().expect("valid device"),
        device_clock_ms: clock_ms,
    }
}

/// A replica: the rosters it holds, written with one actor.
struct Replica {
    actor: [u8; 16],
    rosters: BTreeMap<RosterId, Roster>,
}

impl Replica {
    fn new(actor: u8, beats: &[u8]) -> Self {
        let rosters = beats
            .iter()
            .map(|number| {
                let mut roster = Roster::genesis(&beat(*number));
                roster.set_actor([actor; 16]);
                (beat(*number), roster)
            })
            .collect();
        Replica {
            actor: [actor; 16],
            rosters,
        }
    }

    fn roster(&mut self, number: u8) -> &mut Roster {
        let roster = self.rosters.get_mut(&beat(number)).expect("held");
        roster.set_actor(self.actor);
        roster
    }

    fn enrol(&mut self, number: u8, seed: u64, clock_ms: i64) -> VolunteerId {
        let beat_code = beat(number).to_string();
        let mut generator = Generator::new(seed);
        let form = generator.enrolment_form(STATION, &beat_code, "430001");
        let enrolment = form
            .validate(&EnrolmentRules::standard(2026))
            .expect("demo forms are valid");
        let id = VolunteerId::from_parts(clock_ms as u64, generator.next_u128());
        self.roster(number)
            .enrol(
                id,
                &enrolment,
                &meta("CG-101", "dev-a", clock_ms),
                &TestKeys::sealing(&id),
            )
            .expect("enrol");
        id
    }

    fn edit_phone(&mut self, number: u8, id: &VolunteerId, phone: &str, who: &ChangeMeta) {
        let edit = VolunteerEdit {
            phone: Some(phone.into()),
            ..Default::default()
        };
        self.roster(number)
            .edit(
                id,
                &edit.validate().expect("valid"),
                who,
                Some(&TestKeys::sealing(id)),
            )
            .expect("edit");
    }

    /// A supervisor's move, as the district server writes it: copy in, then the marker.
    fn move_volunteer(&mut self, id: &VolunteerId, from: u8, to: u8, clock_ms: i64) {
        let supervisor = meta("CG-100", "srv-1", clock_ms);
        let before = self
            .roster(from)
            .volunteer(id, &TestKeys)
            .expect("reads")
            .expect("present");
        let station: UnitCode = STATION.parse().expect("valid");
        self.roster(to)
            .move_in(
                &before,
                &beat(from),
                &station,
                &supervisor,
                &TestKeys::sealing(id),
            )
            .expect("copied in");
        self.roster(from)
            .move_out(id, &beat(to), &supervisor)
            .expect("moved out");
    }

    fn reconcile(&mut self, id: &VolunteerId, start: u8) -> lineage::Reconciled {
        lineage::reconcile(
            &mut self.rosters,
            id,
            &beat(start),
            self.actor,
            &meta("CG-100", "srv-1", 90_000),
        )
        .expect("reconciles")
    }

    fn read(&mut self, number: u8, id: &VolunteerId) -> Volunteer {
        self.roster(number)
            .volunteer(id, &TestKeys)
            .expect("reads")
            .expect("present")
    }

    /// The beats where this replica holds a live entry of the volunteer.
    fn live_beats(&mut self, id: &VolunteerId) -> Vec<RosterId> {
        self.rosters
            .iter()
            .filter(|(_, roster)| {
                roster
                    .links(id)
                    .is_some_and(|links| links.moved_to.is_empty())
            })
            .map(|(beat, _)| beat.clone())
            .collect()
    }
}

/// Sends every change of every roster both hold, one way.
fn deliver(from: &mut Replica, to: &mut Replica) {
    for (id, roster) in from.rosters.iter_mut() {
        let Some(target) = to.rosters.get_mut(id) else {
            continue;
        };
        let changes: Vec<Vec<u8>> = roster
            .changes_since(&target.heads())
            .into_iter()
            .map(|change| change.bytes)
            .collect();
        target.apply_changes(&changes).expect("changes apply");
    }
}

fn exchange(a: &mut Replica, b: &mut Replica) {
    deliver(a, b);
    deliver(b, a);
}

#[test]
fn an_offline_withdrawal_on_the_old_beat_after_a_move_erases_the_person_in_the_new_beat() {
    let mut server = Replica::new(9, &[1, 2]);
    let mut old_phone = Replica::new(1, &[1]);
    let id = old_phone.enrol(1, 1, 1_000);
    deliver(&mut old_phone, &mut server);
    server.move_volunteer(&id, 1, 2, 2_000);
    // The old beat's phone has not seen the move: it records the withdrawal on its entry.
    old_phone
        .roster(1)
        .withdraw(
            &id,
            WithdrawalChannel::InPerson,
            &meta("CG-101", "dev-a", 3_000),
        )
        .expect("withdrawn");
    deliver(&mut old_phone, &mut server);
    let done = server.reconcile(&id, 1);
    assert_eq!(done.live, Some(beat(2)));
    assert!(done.withdrawn);
    assert_eq!(done.written.len(), 1);

    let live = server.read(2, &id);
    assert_eq!(live.status, Status::Withdrawn);
    assert_eq!(live.personal, None);
    assert_eq!(server.live_beats(&id), vec![beat(2)]);

    // The carried change names the original and its author, not the server.
    let (_, carried) = &done.written[0];
    let mut reader = ChangeReader::new();
    let mut effect = None;
    for change in server.roster(2).changes() {
        let read = reader.read(&change.bytes).expect("reads");
        if change.hash == carried.hash {
            effect = Some(read);
        }
    }
    let message = effect
        .and_then(|effect| effect.info.message)
        .expect("a Mitan message");
    assert_eq!(message.action, Action::Withdraw);
    assert_eq!(message.badge, "CG-101");
    assert_eq!(message.device, "dev-a");
    assert!(message.carried_from.is_some());

    // The old beat's phone learns where the person went, and still shows the withdrawal.
    deliver(&mut server, &mut old_phone);
    let left = old_phone.read(1, &id);
    assert_eq!(left.status, Status::Withdrawn);
    assert_eq!(
        left.moved_to.as_ref().map(UnitCode::as_str),
        Some("BSP-PS-KONI-B02")
    );
}

#[test]
fn an_offline_edit_on_the_old_entry_follows_the_person_and_races_an_edit_made_after_the_move() {
    let mut server = Replica::new(9, &[1, 2]);
    let mut old_phone = Replica::new(1, &[1]);
    let mut new_phone = Replica::new(2, &[2]);
    let id = old_phone.enrol(1, 2, 1_000);
    deliver(&mut old_phone, &mut server);
    server.move_volunteer(&id, 1, 2, 2_000);
    deliver(&mut server, &mut new_phone);

    // A name edit only the old phone makes follows the person; the phone number both make
    // is a conflict listed for review, as two edits of one entry would be.
    let old_author = meta("CG-101", "dev-a", 3_000);
    let rename = VolunteerEdit {
        name_latin: Some("Ramesh Kumar Sahu".into()),
        ..Default::default()
    };
    old_phone
        .roster(1)
        .edit(
            &id,
            &rename.validate().expect("valid"),
            &old_author,
            Some(&TestKeys::sealing(&id)),
        )
        .expect("renamed");
    old_phone.edit_phone(1, &id, "9876500001", &old_author);
    new_phone.edit_phone(2, &id, "9876500002", &meta("CG-102", "dev-b", 4_000));
    deliver(&mut new_phone, &mut server);
    deliver(&mut old_phone, &mut server);
    let done = server.reconcile(&id, 1);
    assert_eq!(done.written.len(), 2, "one carried change per original");
    assert!(!done.withdrawn);
    deliver(&mut server, &mut new_phone);

    let on_server = server.read(2, &id);
    let on_phone = new_phone.read(2, &id);
    assert_eq!(on_server, on_phone);
    let personal = on_server.personal.expect("readable with the key");
    assert_eq!(personal.name_latin.as_deref(), Some("Ramesh Kumar Sahu"));
    assert!(["+919876500001", "+919876500002"].contains(&personal.phone.as_str()));
    assert_eq!(on_server.conflicts, vec![Field::Phone]);
    assert_eq!(on_server.status, Status::Pending);

    // Nothing is carried twice.
    assert!(server.reconcile(&id, 1).written.is_empty());
    assert!(server.reconcile(&id, 2).written.is_empty());
}

#[test]
fn a_review_on_the_old_entry_meets_the_new_beats_review_and_the_more_cautious_wins() {
    let mut first = Replica::new(8, &[1, 2]);
    let mut second = Replica::new(9, &[1, 2]);
    let id = first.enrol(1, 3, 1_000);
    exchange(&mut first, &mut second);
    // The first server moves the person and, later, rejects them in the new beat; the second,
    // not having seen the move, verifies the old entry.
    first.move_volunteer(&id, 1, 2, 2_000);
    first
        .roster(2)
        .review(
            &id,
            Decision::Reject {
                reason: "photo missing".into(),
            },
            &meta("CG-100", "srv-1", 5_000),
        )
        .expect("rejected");
    second
        .roster(1)
        .review(&id, Decision::Verify, &meta("CG-200", "srv-2", 6_000))
        .expect("verified");
    exchange(&mut first, &mut second);
    let done = first.reconcile(&id, 1);
    assert_eq!(done.written.len(), 1);
    exchange(&mut first, &mut second);
    assert!(second.reconcile(&id, 1).written.is_empty());
    for replica in [&mut first, &mut second] {
        let live = replica.read(2, &id);
        assert!(
            matches!(live.status, Status::Rejected { .. }),
            "{:?}",
            live.status
        );
    }
}

#[test]
fn concurrent_moves_end_in_one_live_entry_on_every_replica_with_the_losers_edits_carried() {
    let mut first = Replica::new(8, &[1, 2, 3]);
    let mut second = Replica::new(9, &[1, 2, 3]);
    let mut phone_three = Replica::new(3, &[3]);
    let id = first.enrol(1, 4, 1_000);
    exchange(&mut first, &mut second);
    first.move_volunteer(&id, 1, 2, 2_000);
    second.move_volunteer(&id, 1, 3, 2_000);
    // Beat 3's phone works on the copy it received, which may lose.
    deliver(&mut second, &mut phone_three);
    let rename = VolunteerEdit {
        name_latin: Some("Sunita Verma".into()),
        ..Default::default()
    };
    phone_three
        .roster(3)
        .edit(
            &id,
            &rename.validate().expect("valid"),
            &meta("CG-103", "dev-c", 3_000),
            Some(&TestKeys::sealing(&id)),
        )
        .expect("renamed");
    deliver(&mut phone_three, &mut second);

    // Each server reconciles what it has, in its own order, then they exchange and settle.
    exchange(&mut first, &mut second);
    let by_first = first.reconcile(&id, 2);
    let by_second = second.reconcile(&id, 3);
    assert_eq!(by_first.live, by_second.live);
    exchange(&mut first, &mut second);
    first.reconcile(&id, 1);
    second.reconcile(&id, 1);
    exchange(&mut first, &mut second);
    assert!(first.reconcile(&id, 1).written.is_empty());
    assert!(second.reconcile(&id, 1).written.is_empty());

    let live = first.live_beats(&id);
    assert_eq!(live.len(), 1, "one live entry: {live:?}");
    assert_eq!(second.live_beats(&id), live);
    let live_number = if live[0] == beat(2) { 2 } else { 3 };
    let loser_number = 5 - live_number;
    for replica in [&mut first, &mut second] {
        let person = replica.read(live_number, &id);
        assert_eq!(
            person
                .personal
                .as_ref()
                .and_then(|personal| personal.name_latin.as_deref()),
            Some("Sunita Verma"),
            "the rename made on beat 3's copy reaches the live entry"
        );
        let loser = replica.read(loser_number, &id);
        assert_eq!(
            loser.status,
            Status::Moved {
                to: live[0].as_str().parse().expect("a beat code")
            }
        );
    }
    for number in 1..=3 {
        assert_eq!(first.roster(number).heads(), second.roster(number).heads());
    }
}

#[test]
fn a_chain_of_moves_carries_an_offline_edit_from_the_first_beat_to_the_last() {
    let mut server = Replica::new(9, &[1, 2, 3]);
    let mut old_phone = Replica::new(1, &[1]);
    let id = old_phone.enrol(1, 5, 1_000);
    deliver(&mut old_phone, &mut server);
    server.move_volunteer(&id, 1, 2, 2_000);
    server.move_volunteer(&id, 2, 3, 3_000);
    old_phone.edit_phone(1, &id, "9876500003", &meta("CG-101", "dev-a", 4_000));
    deliver(&mut old_phone, &mut server);
    let done = server.reconcile(&id, 1);
    assert_eq!(done.live, Some(beat(3)));
    assert_eq!(done.written.len(), 1);
    assert_eq!(
        server
            .read(3, &id)
            .personal
            .map(|personal| personal.phone.to_string()),
        Some("+919876500003".to_owned())
    );
    assert_eq!(server.live_beats(&id), vec![beat(3)]);
}

#[test]
fn a_copy_whose_move_marker_has_not_arrived_is_left_alone() {
    let mut server = Replica::new(9, &[1, 2]);
    let mut phone = Replica::new(2, &[1, 2]);
    let id = server.enrol(1, 6, 1_000);
    deliver(&mut server, &mut phone);
    server.move_volunteer(&id, 1, 2, 2_000);
    // Only beat 2's roster reaches the phone: the copy, without the old beat's marker.
    let copy: Vec<Vec<u8>> = server
        .roster(2)
        .changes()
        .into_iter()
        .map(|change| change.bytes)
        .collect();
    phone.roster(2).apply_changes(&copy).expect("applies");
    assert_eq!(
        lineage::plan(&mut phone.rosters, &id, &beat(2)).expect("plans"),
        Plan::Unsettled
    );
    assert!(phone.reconcile(&id, 2).written.is_empty());
    // Without beat 1 at all, the plan asks for it.
    let mut only_new = Replica::new(3, &[2]);
    deliver(&mut server, &mut only_new);
    assert_eq!(
        lineage::plan(&mut only_new.rosters, &id, &beat(2)).expect("plans"),
        Plan::Missing(vec![beat(1)])
    );
}

#[test]
fn both_entries_of_a_move_say_they_are_in_one_and_a_volunteer_never_moved_does_not() {
    let mut server = Replica::new(9, &[1, 2]);
    let moved = server.enrol(1, 1, 1_000);
    let stayed = server.enrol(1, 2, 1_100);
    assert!(!server.roster(1).in_a_move(&moved));
    server.move_volunteer(&moved, 1, 2, 2_000);
    assert!(server.roster(1).in_a_move(&moved), "the entry left");
    assert!(server.roster(2).in_a_move(&moved), "the entry arrived");
    assert!(!server.roster(1).in_a_move(&stayed));
    // No entry at all is in no move.
    assert!(!server.roster(2).in_a_move(&stayed));
    // The quick answer agrees with the full one wherever the full one finds a move.
    for (number, id) in [(1, moved), (2, moved), (1, stayed)] {
        let links = server.roster(number).links(&id).expect("entry held");
        assert_eq!(
            server.roster(number).in_a_move(&id),
            !links.moved_to.is_empty() || links.moved_from.is_some()
        );
    }
}
