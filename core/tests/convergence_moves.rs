//! Property: with volunteers moved between beats, by two servers that may move the same
//! person concurrently, and phones that hold some beats and keep editing and withdrawing the
//! entries they last saw, every replica of every roster ends identical whatever the order of
//! delivery; each person has one live entry, the same on both servers; no enrolment is lost;
//! and a withdrawal made on any of a person's entries holds in the live one.

use std::collections::{BTreeMap, BTreeSet};

use mitan_core::demo::Generator;
use mitan_core::model::lineage;
use mitan_core::model::sealed::TestKeys;
use mitan_core::model::{
    ChangeMeta, Decision, EnrolmentRules, Roster, RosterId, Status, UnitCode, VolunteerEdit,
    VolunteerId, WithdrawalChannel,
};
use proptest::prelude::*;

const STATION: &str = "BSP-PS-KONI";
/// Beats 1 to 3.
const BEATS: u8 = 3;
/// Replicas 0 and 1 are servers holding every beat; the others are phones.
const SERVERS: usize = 2;
/// The beats each phone holds.
const PHONES: [&[u8]; 3] = [&[1], &[2], &[1, 3]];
const REPLICAS: usize = SERVERS + PHONES.len();

fn beat(number: u8) -> RosterId {
    format!("BSP-PS-KONI-B{number:02}")
        .parse()
        .expect("valid beat")
}

fn beats_of(replica: usize) -> Vec<u8> {
    if replica < SERVERS {
        (1..=BEATS).collect()
    } else {
        PHONES[replica - SERVERS].to_vec()
    }
}

fn meta(replica: usize, clock_ms: i64) -> ChangeMeta {
    ChangeMeta {
        badge: format!("CG-{replica}").parse().expect("valid badge"),
        device: format!("dev-{replica}").parse().expect("valid device"),
        device_clock_ms: clock_ms,
    }
}

#[derive(Debug, Clone)]
enum Step {
    Enrol {
        phone: usize,
        seed: u64,
    },
    Edit {
        phone: usize,
        pick: usize,
        seed: u64,
    },
    Withdraw {
        phone: usize,
        pick: usize,
    },
    Review {
        server: usize,
        pick: usize,
        reject: bool,
    },
    Move {
        server: usize,
        pick: usize,
        to: u8,
    },
    Reconcile {
        server: usize,
    },
    /// A phone syncs with a server: each of its beats both ways, some changes lost.
    Sync {
        phone: usize,
        server: usize,
        keep_one_in: u8,
        shuffle_seed: u64,
    },
    /// Deliver some of one roster's changes from one replica to another, shuffled, one at a
    /// time, so each may arrive before its dependencies.
    Deliver {
        from: usize,
        to: usize,
        beat: u8,
        keep_one_in: u8,
        shuffle_seed: u64,
    },
}

fn step() -> impl Strategy<Value = Step> {
    let phone = SERVERS..REPLICAS;
    let server = 0..SERVERS;
    prop_oneof![
        3 => (phone.clone(), any::<u64>()).prop_map(|(phone, seed)| Step::Enrol { phone, seed }),
        2 => (phone.clone(), any::<usize>(), any::<u64>()).prop_map(|(phone, pick, seed)| Step::Edit { phone, pick, seed }),
        1 => (phone.clone(), any::<usize>()).prop_map(|(phone, pick)| Step::Withdraw { phone, pick }),
        1 => (server.clone(), any::<usize>(), any::<bool>()).prop_map(|(server, pick, reject)| Step::Review { server, pick, reject }),
        3 => (server.clone(), any::<usize>(), 1..=BEATS).prop_map(|(server, pick, to)| Step::Move { server, pick, to }),
        1 => server.clone().prop_map(|server| Step::Reconcile { server }),
        6 => (phone.clone(), server.clone(), 1u8..3, any::<u64>()).prop_map(
            |(phone, server, keep_one_in, shuffle_seed)| Step::Sync { phone, server, keep_one_in, shuffle_seed }
        ),
        3 => (0..REPLICAS, 0..REPLICAS, 1..=BEATS, 1u8..3, any::<u64>()).prop_map(
            |(from, to, beat, keep_one_in, shuffle_seed)| Step::Deliver { from, to, beat, keep_one_in, shuffle_seed }
        ),
    ]
}

type Replica = BTreeMap<RosterId, Roster>;

fn new_replica(replica: usize) -> Replica {
    beats_of(replica)
        .into_iter()
        .map(|number| {
            let mut roster = Roster::genesis(&beat(number));
            roster.set_actor([replica as u8 + 1; 16]);
            (beat(number), roster)
        })
        .collect()
}

/// Entries this replica sees as live (not withdrawn, not moved away), with their roster.
fn live_here(replica: &Replica) -> Vec<(RosterId, VolunteerId, Status)> {
    let mut found = Vec::new();
    for (roster_id, roster) in replica {
        for volunteer in roster.volunteers(&TestKeys).into_iter().flatten() {
            if volunteer.moved_to.is_none() && volunteer.status != Status::Withdrawn {
                found.push((roster_id.clone(), volunteer.id, volunteer.status));
            }
        }
    }
    found
}

fn deliver(
    replicas: &mut [Replica],
    from: usize,
    to: usize,
    number: u8,
    keep_one_in: u8,
    shuffle_seed: u64,
) {
    if from == to {
        return;
    }
    let id = beat(number);
    let Some(source) = replicas[from].get_mut(&id) else {
        return;
    };
    let mut changes: Vec<Vec<u8>> = source
        .changes_since(&[])
        .into_iter()
        .map(|change| change.bytes)
        .collect();
    let Some(target) = replicas[to].get_mut(&id) else {
        return;
    };
    let mut generator = Generator::new(shuffle_seed);
    changes.retain(|_| generator.below(u64::from(keep_one_in)) == 0);
    for index in (1..changes.len()).rev() {
        let other = generator.below(index as u64 + 1) as usize;
        changes.swap(index, other);
    }
    for change in changes {
        target
            .apply_changes(&[change])
            .expect("replica changes always apply");
    }
}

/// Reconciles every moved volunteer a server holds; returns how many changes it wrote.
fn reconcile_all(replica: &mut Replica, server: usize, clock_ms: i64) -> usize {
    let mut lineages: BTreeMap<VolunteerId, RosterId> = BTreeMap::new();
    for (roster_id, roster) in replica.iter() {
        for volunteer in roster.volunteers(&TestKeys).into_iter().flatten() {
            let moved = roster
                .links(&volunteer.id)
                .is_some_and(|links| !links.moved_to.is_empty() || links.moved_from.is_some());
            if moved {
                lineages
                    .entry(volunteer.id)
                    .or_insert_with(|| roster_id.clone());
            }
        }
    }
    let mut written = 0;
    for (id, start) in lineages {
        for roster in replica.values_mut() {
            roster.set_actor([server as u8 + 1; 16]);
        }
        written += lineage::reconcile(
            replica,
            &id,
            &start,
            [server as u8 + 1; 16],
            &meta(server, clock_ms),
        )
        .expect("reconciles")
        .written
        .len();
    }
    written
}

/// Random schedules per run: 24 in CI, `MITAN_CONVERGENCE_SCHEDULES=1000` for the long mode.
fn schedules() -> u32 {
    std::env::var("MITAN_CONVERGENCE_SCHEDULES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(24)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: schedules(), ..ProptestConfig::default() })]

    #[test]
    fn moved_volunteers_converge_to_one_live_entry_whatever_the_delivery(
        steps in prop::collection::vec(step(), 1..80)
    ) {
        let mut replicas: Vec<Replica> = (0..REPLICAS).map(new_replica).collect();
        let rules = EnrolmentRules::standard(2026);
        let station: UnitCode = STATION.parse().expect("valid station");
        let mut enrolled = BTreeSet::new();
        let mut withdrawn = BTreeSet::new();
        let mut been: BTreeMap<VolunteerId, BTreeSet<u8>> = BTreeMap::new();
        for (clock, step) in steps.into_iter().enumerate() {
            let clock_ms = 1_700_000_000_000 + clock as i64;
            match step {
                Step::Enrol { phone, seed } => {
                    let number = beats_of(phone)[0];
                    let mut generator = Generator::new(seed);
                    let form = generator.enrolment_form(STATION, beat(number).as_str(), "430001");
                    let id = VolunteerId::from_parts(clock_ms as u64, generator.next_u128());
                    let enrolment = form.validate(&rules).expect("demo forms are valid");
                    let roster = replicas[phone].get_mut(&beat(number)).expect("held");
                    roster.enrol(id, &enrolment, &meta(phone, clock_ms), &TestKeys::sealing(&id)).expect("enrol");
                    enrolled.insert(id);
                    been.insert(id, BTreeSet::from([number]));
                }
                Step::Edit { phone, pick, seed } => {
                    let live = live_here(&replicas[phone]);
                    if live.is_empty() { continue; }
                    let (roster_id, id, _) = &live[pick % live.len()];
                    let mut generator = Generator::new(seed);
                    let edit = VolunteerEdit {
                        phone: Some(generator.phone()),
                        household: (seed % 2 == 0).then(|| format!("मकान {}", seed % 100)),
                        add_programmes: vec!["gram_rakshak".into()],
                        ..Default::default()
                    };
                    let updates = edit.validate().expect("valid edit");
                    let roster = replicas[phone].get_mut(roster_id).expect("held");
                    roster.edit(id, &updates, &meta(phone, clock_ms), Some(&TestKeys::sealing(id))).expect("edit");
                }
                Step::Withdraw { phone, pick } => {
                    let live = live_here(&replicas[phone]);
                    if live.is_empty() { continue; }
                    let (roster_id, id, _) = &live[pick % live.len()];
                    let roster = replicas[phone].get_mut(roster_id).expect("held");
                    roster.withdraw(id, WithdrawalChannel::InPerson, &meta(phone, clock_ms)).expect("withdraw");
                    withdrawn.insert(*id);
                }
                Step::Review { server, pick, reject } => {
                    let live = live_here(&replicas[server]);
                    if live.is_empty() { continue; }
                    let (roster_id, id, _) = &live[pick % live.len()];
                    let decision = if reject {
                        Decision::Reject { reason: "photo missing".into() }
                    } else {
                        Decision::Verify
                    };
                    let roster = replicas[server].get_mut(roster_id).expect("held");
                    roster.review(id, decision, &meta(server, clock_ms)).expect("review");
                }
                Step::Move { server, pick, to } => {
                    let movable: Vec<(RosterId, VolunteerId)> = live_here(&replicas[server])
                        .into_iter()
                        .filter(|(_, _, status)| matches!(status, Status::Pending | Status::Verified))
                        .map(|(roster_id, id, _)| (roster_id, id))
                        .collect();
                    if movable.is_empty() { continue; }
                    let (from, id) = &movable[pick % movable.len()];
                    let target_id = beat(to);
                    // The servers of a district share one database, which knows every beat a
                    // person has been in: none moves them back into one (`move_in` refuses),
                    // even when its copy of that beat's roster lags.
                    let been_in = been.entry(*id).or_default();
                    if *from == target_id || been_in.contains(&to) { continue; }
                    been_in.insert(to);
                    let replica = &mut replicas[server];
                    let before = replica[from].volunteer(id, &TestKeys).expect("reads").expect("present");
                    let mover = meta(server, clock_ms);
                    replica.get_mut(&target_id).expect("held")
                        .move_in(&before, from, &station, &mover, &TestKeys::sealing(id))
                        .expect("copied in");
                    replica.get_mut(from).expect("held")
                        .move_out(id, &target_id, &mover)
                        .expect("moved out");
                }
                Step::Reconcile { server } => {
                    reconcile_all(&mut replicas[server], server, clock_ms);
                }
                Step::Sync { phone, server, keep_one_in, shuffle_seed } => {
                    for number in beats_of(phone) {
                        deliver(&mut replicas, phone, server, number, keep_one_in, shuffle_seed);
                        deliver(&mut replicas, server, phone, number, keep_one_in, shuffle_seed);
                    }
                }
                Step::Deliver { from, to, beat, keep_one_in, shuffle_seed } => {
                    deliver(&mut replicas, from, to, beat, keep_one_in, shuffle_seed);
                }
            }
        }

        // Heal the partition: everyone hears from everyone and the servers reconcile, until
        // a round writes nothing. A schedule that never settles fails here, not by looping.
        let mut settled = false;
        for round in 0..8 {
            for _ in 0..2 {
                for from in 0..REPLICAS {
                    for to in 0..REPLICAS {
                        for number in 1..=BEATS {
                            deliver(&mut replicas, from, to, number, 1, 0);
                        }
                    }
                }
            }
            let clock_ms = 1_800_000_000_000 + round;
            let written: usize = (0..SERVERS)
                .map(|server| reconcile_all(&mut replicas[server], server, clock_ms))
                .sum();
            if written == 0 {
                settled = true;
                break;
            }
        }
        prop_assert!(settled, "reconciling kept writing");

        for number in 1..=BEATS {
            let id = beat(number);
            let holders: Vec<usize> = (0..REPLICAS).filter(|replica| replicas[*replica].contains_key(&id)).collect();
            let reference = replicas[holders[0]].get_mut(&id).expect("held").heads();
            for holder in &holders[1..] {
                prop_assert_eq!(replicas[*holder].get_mut(&id).expect("held").heads(), reference.clone());
            }
        }
        for id in &enrolled {
            let mut live_on: Vec<Vec<RosterId>> = Vec::new();
            for replica in replicas.iter().take(SERVERS) {
                live_on.push(
                    replica
                        .iter()
                        .filter(|(_, roster)| roster.links(id).is_some_and(|links| links.moved_to.is_empty()))
                        .map(|(roster_id, _)| roster_id.clone())
                        .collect(),
                );
            }
            prop_assert_eq!(live_on[0].len(), 1, "one live entry of {}: {:?}", id, live_on[0]);
            prop_assert_eq!(&live_on[0], &live_on[1]);
            let live = replicas[0][&live_on[0][0]].volunteer(id, &TestKeys).expect("reads").expect("present");
            prop_assert_eq!(live.status == Status::Withdrawn, withdrawn.contains(id));
        }
    }
}
