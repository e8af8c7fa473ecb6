//! District state without HTTP: real devices syncing into `District` over a real SQLite file,
//! across cache evictions, snapshots and a restart.

mod common;

use std::path::Path;

use common::{NOW, enrol_people, register_phone, sync_phone, user};
use mitan_core::demo::Generator;
use mitan_core::device::{Device, SyncReport};
use mitan_core::store::StoreKey;
use mitan_server::auth::{Caller, Role, authenticate};
use mitan_server::district::{District, DistrictConfig};
use mitan_server::store::User;

const STATION: &str = "BSP-PS-KONI";
const BEATS: [&str; 2] = ["BSP-PS-KONI-B01", "BSP-PS-KONI-B02"];

fn district_at(path: &Path, config: DistrictConfig) -> District {
    District::new(
        common::district_store(path, &[(STATION, &BEATS)], &[]),
        config,
    )
}

/// Registers a device for a new user and opens its store; returns the caller the server sees.
fn device(district: &mut District, dir: &Path, number: u8, role: Role) -> (Device, Caller) {
    let badge = format!("CG-{number:03}");
    let own_beat = [BEATS[usize::from(number) % 2]];
    let beats: &[&str] = if role == Role::Constable {
        &own_beat
    } else {
        &[]
    };
    district
        .store_mut()
        .save_user(&user(&badge, role, STATION, beats), NOW)
        .expect("user saved");
    register_phone(
        district,
        &dir.join(format!("device-{number}.db")),
        &StoreKey::from_bytes([7; 32]),
        &badge,
        [number; 16],
        STATION,
    )
}

fn enrol(device: &mut Device, generator: &mut Generator, count: usize) {
    enrol_people(device, generator, count, |index| {
        Generator::village_lgd(0, index % 4)
    });
}

fn sync(device: &mut Device, district: &mut District, caller: &Caller) -> SyncReport {
    sync_phone(device, district, caller, NOW)
}

#[test]
fn a_roster_dropped_from_the_cache_is_reloaded_with_everything_committed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = DistrictConfig {
        cached_rosters: 1,
        ..DistrictConfig::default()
    };
    let mut district = district_at(&dir.path().join("server.db"), config);
    let mut generator = Generator::new(1);
    let (mut first, first_caller) = device(&mut district, dir.path(), 1, Role::Constable);
    let (mut second, second_caller) = device(&mut district, dir.path(), 2, Role::Constable);
    for _ in 0..3 {
        enrol(&mut first, &mut generator, 2);
        sync(&mut first, &mut district, &first_caller);
        enrol(&mut second, &mut generator, 2);
        sync(&mut second, &mut district, &second_caller);
        assert_eq!(district.loaded_rosters(), 1);
    }
    let (mut incharge, incharge_caller) =
        device(&mut district, dir.path(), 9, Role::StationIncharge);
    let report = sync(&mut incharge, &mut district, &incharge_caller);
    assert_eq!(report.round_trips, 1);
    assert_eq!(incharge.store().volunteer_count().expect("count"), 12);
    assert_eq!(district.store().volunteer_count().expect("count"), 12);
    assert_eq!(district.store().change_log_count().expect("count"), 12);
}

#[test]
fn a_restarted_server_loads_rosters_from_snapshot_and_log() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("server.db");
    let config = DistrictConfig {
        snapshot_after_changes: 4,
        ..DistrictConfig::default()
    };
    let mut district = district_at(&path, config);
    let mut generator = Generator::new(2);
    let (mut constable, caller) = device(&mut district, dir.path(), 1, Role::Constable);
    enrol(&mut constable, &mut generator, 5);
    sync(&mut constable, &mut district, &caller);
    enrol(&mut constable, &mut generator, 2);
    sync(&mut constable, &mut district, &caller);
    let roster = BEATS[1].parse().expect("valid");
    let counts = district.store().roster_counts(&roster).expect("counts");
    assert_eq!(
        counts.since_snapshot, 2,
        "the first five were folded into a snapshot"
    );
    drop(district);

    let mut restarted = district_at(&path, config);
    let record = restarted
        .store()
        .load_device(&caller.device)
        .expect("readable")
        .expect("the device survived the restart");
    assert!(!record.revoked);
    // Device 3 works the same beat as device 1, and starts with nothing.
    let (mut newcomer, newcomer_caller) = device(&mut restarted, dir.path(), 3, Role::Constable);
    let report = sync(&mut newcomer, &mut restarted, &newcomer_caller);
    assert_eq!(report.round_trips, 1);
    assert_eq!(newcomer.store().volunteer_count().expect("count"), 7);
    // The first phone, already up to date, gets nothing new and sends nothing again.
    let report = sync(&mut constable, &mut restarted, &caller);
    assert_eq!((report.acknowledged, report.received), (0, 0));
    assert_eq!(restarted.store().change_log_count().expect("count"), 7);
}

#[test]
fn the_past_report_reads_a_snapshot_only_when_every_change_in_it_had_arrived() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = DistrictConfig {
        snapshot_after_changes: 4,
        ..DistrictConfig::default()
    };
    let mut district = district_at(&dir.path().join("server.db"), config);
    let mut generator = Generator::new(3);
    let (mut constable, caller) = device(&mut district, dir.path(), 1, Role::Constable);
    let auditor = User {
        badge: "CG-900".parse().expect("valid"),
        name: "Auditor".into(),
        role: Role::Auditor,
        unit: "BSP".parse().expect("valid"),
        beats: Vec::new(),
    };
    district
        .store_mut()
        .save_user(&auditor, NOW)
        .expect("auditor saved");
    // Three syncs received a second apart: 5, then 2, then 3 enrolments. A snapshot follows
    // the first and the third; the second moment lies inside the last snapshot.
    for (second, count) in [(1, 5), (2, 2), (3, 3)] {
        enrol(&mut constable, &mut generator, count);
        sync_phone(&mut constable, &mut district, &caller, NOW + second * 1_000);
    }
    let roster = BEATS[1].parse().expect("valid");
    let counts = district.store().roster_counts(&roster).expect("counts");
    assert_eq!(
        counts.since_snapshot, 0,
        "the last sync was folded into a snapshot"
    );

    let at = |at_ms: i64| {
        let report = mitan_server::reports::past::progress_at(
            district.store(),
            &auditor,
            &mitan_server::reports::past::PastReportQuery {
                at_ms: Some(at_ms),
                ..Default::default()
            },
            &mut |_, _| {},
        )
        .expect("the past report reads");
        (
            report.moment.rosters,
            report.moment.changes,
            report.report.units[0].enrolled,
        )
    };
    assert_eq!(at(NOW), (0, 0, 0));
    assert_eq!(at(NOW + 1_000), (1, 6, 5));
    assert_eq!(
        at(NOW + 2_000),
        (1, 8, 7),
        "read past the snapshot, from the log"
    );
    assert_eq!(at(NOW + 3_000), (1, 11, 10), "read from the snapshot");
}

#[test]
fn authenticate_refuses_an_unknown_credential() {
    let dir = tempfile::tempdir().expect("temp dir");
    let district = district_at(&dir.path().join("server.db"), DistrictConfig::default());
    assert!(matches!(
        authenticate(district.store(), "nope"),
        Err(mitan_server::Error::Unauthorized)
    ));
}
