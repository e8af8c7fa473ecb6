//! What the size of one roster document costs: for rosters of 100, 400, 2,000 and 10,000
//! volunteers, the time to load the saved document, the peak RSS of a fresh process loading
//! it, the saved size, the bytes a fresh device needs to catch up, and the bytes and time of
//! 25 new enrolments. A beat has a few hundred volunteers, a station about 10,000: this backs
//! the choice of one document per beat.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use mitan_core::device::Device;
use mitan_core::model::{EnrolmentRules, Roster, RosterId};
use mitan_core::store::StoreKey;
use mitan_core::sync::MemoryHub;

const SIZES: [usize; 4] = [100, 400, 2_000, 10_000];
const CHILD_RUNS: usize = 5;

/// In a child: reads and loads one saved roster.
fn load_in_child(path: &Path) {
    let started = Instant::now();
    let bytes = std::fs::read(path).expect("read the saved roster");
    let id: RosterId = support::beat_code(0).parse().expect("valid roster id");
    let roster = Roster::load(&id, Some(&bytes), &[]).expect("load the roster");
    let elapsed = started.elapsed();
    drop(roster);
    support::report_child(elapsed, 0);
}

fn main() {
    if let Some((mode, argument)) = support::child_mode() {
        match mode.as_str() {
            "baseline" => support::report_child(Duration::ZERO, 0),
            "load" => load_in_child(Path::new(&argument)),
            other => panic!("unknown child mode {other}"),
        }
        return;
    }

    let dir = tempfile::tempdir().expect("temp dir");
    let baseline = support::median_child("baseline", "", CHILD_RUNS);
    let mut rows = Vec::new();
    for size in SIZES {
        let mut roster = support::build_roster(0, size, 4_242);
        let id = roster.id().clone();
        let saved = roster.save();
        let runs = (20_000 / size).clamp(5, 41) | 1;
        let load = support::median_time(runs, || {
            let loaded = Roster::load(&id, Some(&saved), &[]).expect("load");
            std::hint::black_box(loaded);
        });
        let path = dir.path().join(format!("roster-{size}.automerge"));
        std::fs::write(&path, &saved).expect("write the saved roster");
        let child =
            support::median_child("load", path.to_str().expect("utf-8 temp path"), CHILD_RUNS);

        let mut hub = MemoryHub::with_limits(support::seeding_limits());
        support::seed_hub(&mut hub, &mut roster);
        drop(roster);
        let identity = support::constable_identity(&format!("fresh-{size}"), 0xC3, &[0]);
        let mut device = Device::open(
            &dir.path().join(format!("device-{size}.db")),
            &StoreKey::from_bytes([7; 32]),
            &identity,
            EnrolmentRules::standard(2026),
        )
        .expect("open");
        let started = Instant::now();
        let first = support::sync_with(&mut device, &mut hub, 1_764_000_000_000);
        let first_time = started.elapsed();
        let started = Instant::now();
        support::enrol_offline(&mut device, 25, 9);
        let per_enrolment = started.elapsed() / 25;
        let after = support::sync_with(&mut device, &mut hub, 1_764_100_000_000);

        rows.push(vec![
            size.to_string(),
            support::ms(load),
            support::ms(child.elapsed),
            support::mib(child.peak_rss.saturating_sub(baseline.peak_rss)),
            support::kib(saved.len()),
            format!(
                "{} in {} round trip(s), {}",
                support::kib(first.bytes_down as usize),
                first.round_trips,
                support::ms(first_time)
            ),
            format!("{:.2} ms", per_enrolment.as_secs_f64() * 1e3),
            format!(
                "{} up / {} down, {} round trip(s)",
                after.bytes_up, after.bytes_down, after.round_trips
            ),
        ]);
    }
    support::print_table(
        &format!(
            "Roster document size: load, memory, bytes (fresh-process columns: median of {CHILD_RUNS}; empty process peaks at {})",
            support::mib(baseline.peak_rss)
        ),
        &[
            "volunteers",
            "load saved doc (in process)",
            "read + load (fresh process)",
            "peak RSS above empty process",
            "saved size",
            "fresh device catch-up (down)",
            "enrol (durable, each)",
            "sync of 25 enrolments",
        ],
        &rows,
    );
}
