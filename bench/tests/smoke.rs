//! The harness end to end at station size: every system built in (samod only with the
//! `samod` feature) plays the whole drive against its real server (a child process of the
//! built `mitan-fieldday` binary) and stores every enrolment. What CI runs; the full
//! comparison is run by hand.

use std::path::Path;
use std::time::Duration;

use mitan_fieldday::link::Shape;
use mitan_fieldday::run::{Plan, compare, run_and_finish};
use mitan_fieldday::system::SYSTEMS;
use mitan_fieldday::system::mitan::Mitan;
use mitan_fieldday::workload::{Mix, Size, Workload};

#[test]
fn a_station_drive_through_every_system_stores_every_enrolment() {
    let workload = Workload::generate(Size::STATION, 7, Mix::default());
    let plan = Plan {
        clients: 2,
        two_g_sample: 2,
        // A faster link than the real run's, so the smoke test stays short.
        two_g: Shape {
            bits_per_second: 400_000,
            round_trip: Duration::from_millis(40),
            ..Shape::RURAL_2G
        },
        deadline: Duration::from_secs(300),
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let comparison = compare(
        &workload,
        SYSTEMS,
        &plan,
        Path::new(env!("CARGO_BIN_EXE_mitan-fieldday")),
        dir.path(),
    )
    .expect("the systems are known");
    assert_eq!(
        comparison.unfinished,
        [],
        "every system plays the drive to the end"
    );
    let runs = comparison.finished;
    assert_eq!(runs.len(), SYSTEMS.len());
    for figures in &runs {
        assert_eq!(figures.stored, 300, "{}", figures.system);
        assert_eq!(
            figures.syncs, 24,
            "{}: 12 phones, two evenings",
            figures.system
        );
        assert_eq!(
            figures.two_g_times.len(),
            if figures.system == "floor" { 0 } else { 2 }
        );
        if figures.system != "floor" {
            assert!(
                figures.phones.up > 300 * 100,
                "{}: {:?}",
                figures.system,
                figures.phones
            );
            assert!(figures.reviews.up > 0, "{}", figures.system);
            let usage = figures.usage.expect("a server process");
            assert!(usage.peak_rss_kib > 0);
        }
    }
    let mitan = runs
        .iter()
        .find(|f| f.system == "mitan")
        .expect("mitan ran");
    // One request a sync, as the protocol promises, counted at the socket.
    assert_eq!(mitan.round_trips_per_sync(), Some(1.0));
    let odk = runs.iter().find(|f| f.system == "odk").expect("odk ran");
    // A HEAD, then a POST per form.
    assert_eq!(odk.phones.round_trips, 24 + 300);
    // The sealed floor is the workload's, the same beside every system, and above the plain
    // floor by at least a nonce, a tag and a key per enrolment.
    let floor = runs
        .iter()
        .find(|f| f.system == "floor")
        .expect("floor ran");
    let sealed = floor.sealed_floor_per_enrolment().expect("a sealed floor");
    assert!(
        runs.iter()
            .all(|figures| figures.sealed_floor_per_enrolment() == Some(sealed))
    );
    assert!(sealed >= floor.up_per_enrolment() + 60.0, "{sealed}");
}

#[test]
fn a_drive_larger_than_the_phones_kept_open_reopens_each_phone_and_loses_nothing() {
    let workload = Workload::generate(Size::STATION, 11, Mix::default());
    let plan = Plan {
        clients: 2,
        two_g_sample: 0,
        ..Plan::default()
    };
    let dir = tempfile::tempdir().expect("temp dir");
    // Twelve phones, three left open at a time: what the 2-lakh drive does with 8,000.
    let mut mitan = Mitan::keeping_open(4, 3);
    let figures = run_and_finish(
        &mut mitan,
        &workload,
        &plan,
        Path::new(env!("CARGO_BIN_EXE_mitan-fieldday")),
        dir.path(),
    )
    .expect("the drive plays with phones reopened");
    assert_eq!(figures.stored, 300);
    assert_eq!(figures.syncs, 24);
    assert_eq!(figures.round_trips_per_sync(), Some(1.0));
}

#[test]
fn a_system_over_its_deadline_is_recorded_as_unfinished_and_the_next_system_still_runs() {
    let workload = Workload::generate(Size::STATION, 7, Mix::default());
    let plan = Plan {
        clients: 2,
        two_g_sample: 0,
        // Over before the first evening: every system stops at its first check.
        deadline: Duration::ZERO,
        ..Plan::default()
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let comparison = compare(
        &workload,
        &["mitan", "floor"],
        &plan,
        Path::new(env!("CARGO_BIN_EXE_mitan-fieldday")),
        dir.path(),
    )
    .expect("a failing system is not an error of the comparison");
    assert!(comparison.finished.is_empty());
    let systems: Vec<&str> = comparison
        .unfinished
        .iter()
        .map(|unfinished| unfinished.system.as_str())
        .collect();
    assert_eq!(
        systems,
        ["mitan", "floor"],
        "the second ran after the first failed"
    );
    for unfinished in &comparison.unfinished {
        assert!(
            unfinished.reason.contains("over the deadline"),
            "{}: {}",
            unfinished.system,
            unfinished.reason
        );
    }
    let unknown = compare(
        &workload,
        &["telegram"],
        &plan,
        Path::new(env!("CARGO_BIN_EXE_mitan-fieldday")),
        dir.path(),
    )
    .expect_err("a name that is no system is the caller's mistake, not a run that failed");
    assert_eq!(format!("{unknown:#}"), "systems: no system \"telegram\"");
}
