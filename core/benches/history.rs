//! The auditors' replay on a long history: a beat roster of 400 volunteers followed by
//! edits until it holds 100,000 changes. Measures the listing of the whole history (field by
//! field, personal fields opened) and the roster's state at past points (issue 6: ≤ 200 ms).

mod support;

use std::time::Instant;

use mitan_core::history::{History, Point, state_at};
use mitan_core::model::sealed::TestKeys;
use mitan_core::model::{ChangeMeta, VolunteerEdit};

const VOLUNTEERS: usize = 400;
const CHANGES: usize = 100_000;
const RUNS: usize = 5;

fn main() {
    let started = Instant::now();
    let mut roster = support::build_roster(0, VOLUNTEERS, 4_242);
    let ids: Vec<_> = roster
        .volunteers(&TestKeys)
        .into_iter()
        .map(|volunteer| volunteer.expect("readable").id)
        .collect();
    // Edits of ages, one change each, by 40 devices in turn: the long tail of a busy beat.
    let mut clock_ms = 1_763_990_000_000_i64;
    while roster.change_count() < CHANGES {
        let left = CHANGES - roster.change_count();
        for index in 0..left.min(1_000) {
            let device = index % 40;
            roster.set_actor(((1u128 << 100) | device as u128).to_be_bytes());
            let edit = VolunteerEdit {
                age_years: Some(18 + (index % 60) as u32),
                ..VolunteerEdit::default()
            }
            .validate()
            .expect("a valid edit");
            clock_ms += 1;
            let meta = ChangeMeta {
                badge: format!("CG-{device:03}").parse().expect("valid badge"),
                device: format!("dev-edit-{device}").parse().expect("valid device"),
                device_clock_ms: clock_ms,
            };
            roster
                .edit(&ids[index % ids.len()], &edit, &meta, None)
                .expect("edit");
        }
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
    for fraction in [10, 50, 90, 100] {
        let position = (changes - 1) * fraction / 100;
        let point = Point::Change(history.entries[position].hash);
        let mut volunteers = 0;
        let time = support::median_time(RUNS, || {
            let state = state_at(&mut roster, &history, &point, &TestKeys).expect("state replays");
            volunteers = state.volunteers.len();
        });
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
}
