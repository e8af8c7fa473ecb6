//! The auditors' replay on a long history: a beat roster of 400 volunteers followed by
//! edits until it holds 100,000 changes. Measures the listing of the whole history (field by
//! field, personal fields opened) and the roster's state at past points (issue 6: ≤ 200 ms).

mod support;

use std::time::Instant;

use mitan_core::history::{History, Point, state_at};
use mitan_core::model::sealed::TestKeys;
use mitan_core::model::{AgeClaim, ChangeMeta, VolunteerEdit};

const VOLUNTEERS: usize = 400;
const CHANGES: usize = 100_000;
const RUNS: usize = 5;

fn main() {
    let started = Instant::now();
    let mut roster = support::build_roster(0, VOLUNTEERS, 4_242);
    let volunteers: Vec<_> = roster
        .volunteers(&TestKeys)
        .into_iter()
        .map(|volunteer| volunteer.expect("readable"))
        .collect();
    let ids: Vec<_> = volunteers.iter().map(|volunteer| volunteer.id).collect();
    let mut ages: Vec<u32> = volunteers
        .iter()
        .map(|volunteer| match volunteer.age {
            AgeClaim::Years(years) => u32::from(years),
            AgeClaim::BirthYear(_) => 0,
        })
        .collect();
    // Edits of ages, one change each, by 40 devices in turn: the long tail of a busy beat.
    // Every visit to a volunteer sets another age than the last one: a write of the value
    // already there makes no change.
    let edits = CHANGES - roster.change_count();
    for (clock_ms, index) in (1_763_990_000_001_i64..).zip(0..edits) {
        let device = index % 40;
        roster.set_actor(((1u128 << 100) | device as u128).to_be_bytes());
        let which = index % ids.len();
        ages[which] = if ages[which] == 30 { 31 } else { 30 };
        let edit = VolunteerEdit {
            age_years: Some(ages[which]),
            ..VolunteerEdit::default()
        }
        .validate()
        .expect("a valid edit");
        let meta = ChangeMeta {
            badge: format!("CG-{device:03}").parse().expect("valid badge"),
            device: format!("dev-edit-{device}").parse().expect("valid device"),
            device_clock_ms: clock_ms,
        };
        roster.edit(&ids[which], &edit, &meta, None).expect("edit");
    }
    let built = started.elapsed();
    let changes = roster.change_count();

    let mut history = None;
    let listing = support::median_time(RUNS, || {
        history = Some(History::of(&mut roster, &TestKeys).expect("history reads"));
    });
    let history = history.expect("listed at least once");
    let mut rows = vec![vec![
        "list the whole history".to_owned(),
        support::ms(listing),
        format!("{:.0} changes/s", changes as f64 / listing.as_secs_f64()),
    ]];
    let mut slowest_past = std::time::Duration::ZERO;
    for fraction in [10, 50, 90, 100] {
        let position = (changes - 1) * fraction / 100;
        let point = Point::Change(history.entries[position].hash);
        let mut volunteers = 0;
        let time = support::median_time(RUNS, || {
            let state = state_at(&mut roster, &history, &point, &TestKeys).expect("state replays");
            volunteers = state.volunteers.len();
        });
        if fraction < 100 {
            slowest_past = slowest_past.max(time);
        }
        rows.push(vec![
            format!("state after change {position} ({fraction}%)"),
            support::ms(time),
            format!("{volunteers} volunteers"),
        ]);
    }
    support::print_table(
        &format!(
            "history of a {changes}-change roster ({VOLUNTEERS} volunteers; built in {})",
            support::ms(built)
        ),
        &["operation", "median of 5", "notes"],
        &rows,
    );
    let goal = std::time::Duration::from_millis(200);
    println!(
        "goal: the state at a past point of a {changes}-change roster in at most {} (slowest: {}): {}",
        support::ms(goal),
        support::ms(slowest_past),
        if slowest_past <= goal {
            "met"
        } else {
            "MISSED"
        }
    );
}
