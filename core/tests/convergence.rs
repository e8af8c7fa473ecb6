//! Property: whatever the order, duplication or partition of deliveries, every replica of a
//! roster ends identical, no enrolment is lost, and a withdrawal always stands.

use std::collections::BTreeSet;

use mitan_core::demo::Generator;
use mitan_core::model::sealed::TestKeys;
use mitan_core::model::{
    ChangeMeta, Decision, EnrolmentRules, Roster, RosterId, Status, VolunteerEdit, VolunteerId,
    WithdrawalChannel,
};
use proptest::prelude::*;

const REPLICAS: usize = 5;
const BEAT: &str = "BSP-PS-KONI-B01";

#[derive(Debug, Clone)]
enum Step {
    Enrol {
        replica: usize,
        seed: u64,
    },
    Edit {
        replica: usize,
        pick: usize,
        seed: u64,
    },
    Verify {
        replica: usize,
        pick: usize,
    },
    Withdraw {
        replica: usize,
        pick: usize,
    },
    /// Deliver some of `from`'s changes to `to`, shuffled, some twice.
    Deliver {
        from: usize,
        to: usize,
        keep_one_in: u8,
        shuffle_seed: u64,
        duplicate: bool,
    },
}

fn step() -> impl Strategy<Value = Step> {
    let replica = 0..REPLICAS;
    prop_oneof![
        3 => (replica.clone(), any::<u64>()).prop_map(|(replica, seed)| Step::Enrol { replica, seed }),
        2 => (replica.clone(), any::<usize>(), any::<u64>()).prop_map(|(replica, pick, seed)| Step::Edit { replica, pick, seed }),
        1 => (replica.clone(), any::<usize>()).prop_map(|(replica, pick)| Step::Verify { replica, pick }),
        1 => (replica.clone(), any::<usize>()).prop_map(|(replica, pick)| Step::Withdraw { replica, pick }),
        4 => (replica.clone(), replica, 1u8..4, any::<u64>(), any::<bool>()).prop_map(
            |(from, to, keep_one_in, shuffle_seed, duplicate)| Step::Deliver { from, to, keep_one_in, shuffle_seed, duplicate }
        ),
    ]
}

fn meta(replica: usize, clock_ms: i64) -> ChangeMeta {
    ChangeMeta {
        badge: format!("CG-{replica}").parse().expect("valid badge"),
        device: format!("dev-{replica}").parse().expect("valid device"),
        device_clock_ms: clock_ms,
    }
}

/// The volunteers a replica can see, so edits only target entries it knows.
fn known_ids(roster: &Roster) -> Vec<VolunteerId> {
    roster
        .volunteers(&TestKeys)
        .into_iter()
        .flatten()
        .map(|volunteer| volunteer.id)
        .collect()
}

fn deliver(
    rosters: &mut [Roster],
    from: usize,
    to: usize,
    keep_one_in: u8,
    shuffle_seed: u64,
    duplicate: bool,
) {
    if from == to {
        return;
    }
    let mut changes: Vec<Vec<u8>> = rosters[from]
        .changes_since(&[])
        .into_iter()
        .map(|change| change.bytes)
        .collect();
    let mut generator = Generator::new(shuffle_seed);
    changes.retain(|_| generator.below(u64::from(keep_one_in)) == 0);
    if duplicate {
        let copies: Vec<Vec<u8>> = changes.iter().step_by(2).cloned().collect();
        changes.extend(copies);
    }
    for index in (1..changes.len()).rev() {
        let other = generator.below(index as u64 + 1) as usize;
        changes.swap(index, other);
    }
    // Deliver one change at a time, as a lossy link would: each may arrive before its deps.
    for change in changes {
        rosters[to]
            .apply_changes(&[change])
            .expect("replica changes always apply");
    }
}

/// Random schedules per run: 48 in CI, `MITAN_CONVERGENCE_SCHEDULES=1000` for the long mode.
fn schedules() -> u32 {
    std::env::var("MITAN_CONVERGENCE_SCHEDULES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(48)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: schedules(), ..ProptestConfig::default() })]

    #[test]
    fn replicas_converge_whatever_the_delivery(steps in prop::collection::vec(step(), 1..60)) {
        let roster_id: RosterId = BEAT.parse().expect("valid beat");
        let mut rosters: Vec<Roster> = (0..REPLICAS)
            .map(|replica| {
                let mut roster = Roster::genesis(&roster_id);
                roster.set_actor([replica as u8 + 1; 16]);
                roster
            })
            .collect();
        let rules = EnrolmentRules::standard(2026);
        let mut enrolled = BTreeSet::new();
        let mut withdrawn = BTreeSet::new();
        for (clock, step) in steps.into_iter().enumerate() {
            let clock_ms = 1_700_000_000_000 + clock as i64;
            match step {
                Step::Enrol { replica, seed } => {
                    let mut generator = Generator::new(seed);
                    let form = generator.enrolment_form("BSP-PS-KONI", BEAT, "430001");
                    let id = VolunteerId::from_parts(clock_ms as u64, generator.next_u128());
                    let enrolment = form.validate(&rules).expect("demo forms are valid");
                    rosters[replica].enrol(id, &enrolment, &meta(replica, clock_ms), &TestKeys::sealing(&id)).expect("enrol");
                    enrolled.insert(id);
                }
                Step::Edit { replica, pick, seed } => {
                    let ids = known_ids(&rosters[replica]);
                    if ids.is_empty() { continue; }
                    let mut generator = Generator::new(seed);
                    let edit = VolunteerEdit {
                        phone: Some(generator.phone()),
                        household: (seed % 2 == 0).then(|| format!("मकान {}", seed % 100)),
                        add_programmes: vec!["gram_rakshak".into()],
                        ..Default::default()
                    };
                    let updates = edit.validate().expect("valid edit");
                    rosters[replica].edit(&ids[pick % ids.len()], &updates, &meta(replica, clock_ms), Some(&TestKeys::sealing(&ids[pick % ids.len()]))).expect("edit");
                }
                Step::Verify { replica, pick } => {
                    let ids = known_ids(&rosters[replica]);
                    if ids.is_empty() { continue; }
                    rosters[replica].review(&ids[pick % ids.len()], Decision::Verify, &meta(replica, clock_ms)).expect("verify");
                }
                Step::Withdraw { replica, pick } => {
                    let ids = known_ids(&rosters[replica]);
                    if ids.is_empty() { continue; }
                    let id = ids[pick % ids.len()];
                    rosters[replica].withdraw(&id, WithdrawalChannel::InPerson, &meta(replica, clock_ms)).expect("withdraw");
                    withdrawn.insert(id);
                }
                Step::Deliver { from, to, keep_one_in, shuffle_seed, duplicate } => {
                    deliver(&mut rosters, from, to, keep_one_in, shuffle_seed, duplicate);
                }
            }
        }
        // Heal the partition: everyone hears from everyone, twice so that relayed changes land.
        for _ in 0..2 {
            for from in 0..REPLICAS {
                for to in 0..REPLICAS {
                    deliver(&mut rosters, from, to, 1, 0, false);
                }
            }
        }
        let reference_heads = rosters[0].heads();
        let reference = rosters[0].volunteers(&TestKeys);
        for roster in &mut rosters[1..] {
            prop_assert_eq!(roster.heads(), reference_heads.clone());
            prop_assert_eq!(roster.volunteers(&TestKeys), reference.clone());
        }
        let ids: BTreeSet<VolunteerId> = reference.iter().map(|entry| entry.as_ref().expect("well formed").id).collect();
        prop_assert_eq!(&ids, &enrolled);
        for volunteer in reference.into_iter().flatten() {
            let should_be_withdrawn = withdrawn.contains(&volunteer.id);
            prop_assert_eq!(volunteer.status == Status::Withdrawn, should_be_withdrawn);
            prop_assert_eq!(volunteer.personal.is_none(), should_be_withdrawn);
        }
    }
}
