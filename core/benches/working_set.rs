//! Opening a constable's working set in a 10,000-volunteer station: `Device::open`, then
//! `open_working_set`, then the first list of a beat, in a fresh process, with the time and the
//! process's peak RSS. The alternative it is compared with is loading the whole station as one
//! 10,000-volunteer Automerge document. Goal: at most 150 ms and 50 MB peak RSS.

mod support;

use std::path::Path;
use std::time::Instant;

use mitan_core::device::Device;
use mitan_core::model::{EnrolmentRules, Roster, RosterId};
use mitan_core::store::StoreKey;
use mitan_core::store::{DeviceIdentity, VolunteerFilter};
use mitan_core::sync::MemoryHub;

const BEATS: usize = 25;
const PER_BEAT: usize = 400;
/// The constable works two of the station's beats.
const CONSTABLE_BEATS: [usize; 2] = [3, 17];
const RUNS: usize = 9;

fn constable() -> DeviceIdentity {
    support::constable_identity("constable", 0xC0, &CONSTABLE_BEATS)
}

fn in_charge() -> DeviceIdentity {
    let all: Vec<usize> = (0..BEATS).collect();
    support::constable_identity("in-charge", 0xC1, &all)
}

/// In a child: opens the device at `path`, its working set (unless `lazy`: lists come from
/// the SQLite index and need no document), and the first beat's list.
fn open_working_set(path: &Path, identity: &DeviceIdentity, lazy: bool) {
    let started = Instant::now();
    let mut device = Device::open(
        path,
        &StoreKey::from_bytes([7; 32]),
        identity,
        EnrolmentRules::standard(2026),
    )
    .expect("open the store");
    if !lazy {
        device.open_working_set().expect("load the rosters");
    }
    let rows = device
        .list(&VolunteerFilter {
            beat: Some(identity.beats[0].to_string()),
            ..VolunteerFilter::default()
        })
        .expect("list the first beat");
    support::report_child(started.elapsed(), rows.len() as u64);
}

/// In a child: reads and loads the whole station saved as one document.
fn open_whole_station(path: &Path) {
    let started = Instant::now();
    let bytes = std::fs::read(path).expect("read the saved station");
    let id: RosterId = support::beat_code(0).parse().expect("valid roster id");
    let roster = Roster::load(&id, Some(&bytes), &[]).expect("load the station document");
    let elapsed = started.elapsed();
    drop(roster);
    support::report_child(elapsed, bytes.len() as u64);
}

fn main() {
    if let Some((mode, argument)) = support::child_mode() {
        match mode.as_str() {
            "baseline" => support::report_child(std::time::Duration::ZERO, 0),
            "constable" => open_working_set(Path::new(&argument), &constable(), false),
            "in-charge" => open_working_set(Path::new(&argument), &in_charge(), false),
            "in-charge-lazy" => open_working_set(Path::new(&argument), &in_charge(), true),
            "station" => open_whole_station(Path::new(&argument)),
            other => panic!("unknown child mode {other}"),
        }
        return;
    }

    let dir = tempfile::tempdir().expect("temp dir");
    let started = Instant::now();
    let mut hub = MemoryHub::with_limits(support::seeding_limits());
    for beat in 0..BEATS {
        let mut roster = support::build_roster(beat, PER_BEAT, 1_000 + beat as u64);
        support::seed_hub(&mut hub, &mut roster);
    }
    let station = support::build_roster(0, BEATS * PER_BEAT, 77);
    let station_path = dir.path().join("station.automerge");
    let mut station = station;
    std::fs::write(&station_path, station.save()).expect("write the station document");
    drop(station);

    // The constable's phone: a first sync brings its two beats, it enrols 25 villagers
    // offline, and a second sync delivers them; the store now holds snapshots and a log.
    let constable_path = dir.path().join("constable.db");
    {
        let mut device = Device::open(
            &constable_path,
            &StoreKey::from_bytes([7; 32]),
            &constable(),
            EnrolmentRules::standard(2026),
        )
        .expect("open the constable's store");
        support::sync_with(&mut device, &mut hub, 1_764_000_000_000);
        support::enrol_offline(&mut device, 25, 5);
        support::sync_with(&mut device, &mut hub, 1_764_100_000_000);
    }
    // For comparison, the station in-charge's device, which holds all 25 beats.
    let in_charge_path = dir.path().join("in-charge.db");
    {
        let mut device = Device::open(
            &in_charge_path,
            &StoreKey::from_bytes([7; 32]),
            &in_charge(),
            EnrolmentRules::standard(2026),
        )
        .expect("open the in-charge's store");
        support::sync_with(&mut device, &mut hub, 1_764_100_000_000);
    }
    eprintln!("setup took {:.1} s", started.elapsed().as_secs_f64());

    let baseline = support::median_child("baseline", "", RUNS);
    let constable = support::median_child(
        "constable",
        constable_path.to_str().expect("utf-8 temp path"),
        RUNS,
    );
    let in_charge = support::median_child(
        "in-charge",
        in_charge_path.to_str().expect("utf-8 temp path"),
        RUNS,
    );
    let in_charge_lazy = support::median_child(
        "in-charge-lazy",
        in_charge_path.to_str().expect("utf-8 temp path"),
        RUNS,
    );
    let whole = support::median_child(
        "station",
        station_path.to_str().expect("utf-8 temp path"),
        RUNS,
    );

    let row = |what: &str, result: &support::ChildResult, note: String| {
        vec![
            what.to_owned(),
            support::ms(result.elapsed),
            support::mib(result.peak_rss),
            support::mib(result.peak_rss.saturating_sub(baseline.peak_rss)),
            note,
        ]
    };
    support::print_table(
        &format!(
            "Opening a working set in a {}-volunteer station ({BEATS} beats × {PER_BEAT}), fresh process, median of {RUNS}",
            BEATS * PER_BEAT
        ),
        &[
            "what",
            "time",
            "peak RSS (VmHWM)",
            "above empty process",
            "note",
        ],
        &[
            row("empty process (baseline)", &baseline, String::new()),
            row(
                "constable: Device::open + open_working_set + first list (2 beats)",
                &constable,
                format!("{} rows listed", constable.extra),
            ),
            row(
                "station in-charge: the same with all 25 beats",
                &in_charge,
                format!("{} rows listed", in_charge.extra),
            ),
            row(
                "station in-charge: Device::open + first list, documents left on disk",
                &in_charge_lazy,
                format!("{} rows listed", in_charge_lazy.extra),
            ),
            row(
                "whole station as ONE Automerge document: read + load",
                &whole,
                format!("{} saved", support::kib(whole.extra as usize)),
            ),
        ],
    );
    let met = constable.elapsed.as_millis() <= 150 && constable.peak_rss <= 50 * 1024 * 1024;
    println!(
        "goal: constable ≤ 150 ms and ≤ 50 MB peak RSS: {}",
        if met { "met" } else { "MISSED" }
    );
}
