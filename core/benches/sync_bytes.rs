//! The bytes that carry 25 offline enrolments: a device that holds its synced rosters enrols
//! 25 villagers offline and syncs once. Its request is set against the same 25 records as
//! JSON compressed with zstd, the floor. Also counts the round trips of that sync and of a
//! first sync after a reinstall. Goals: at most 1.25× the JSON, one round trip in the common
//! case, at most two after a reinstall.

mod support;

use mitan_core::device::{Device, SyncReport};
use mitan_core::model::{AgeClaim, EnrolmentRules, Volunteer, VolunteerId};
use mitan_core::store::StoreKey;
use mitan_core::sync::MemoryHub;
use serde_json::json;

const BEATS: [usize; 2] = [3, 17];
const PER_BEAT: usize = 400;
const ENROLMENTS: usize = 25;

/// A volunteer as a plain JSON record: every field the enrolment change carries.
fn as_json(volunteer: &Volunteer) -> serde_json::Value {
    let personal = volunteer
        .personal
        .as_ref()
        .expect("a fresh enrolment has personal fields");
    json!({
        "id": volunteer.id.to_string(),
        "name_devanagari": personal.name_devanagari,
        "name_latin": personal.name_latin,
        "phone": personal.phone.as_str(),
        "household": personal.household,
        "gender": volunteer.gender.as_str(),
        "age": match volunteer.age {
            AgeClaim::Years(years) => json!({ "years": years }),
            AgeClaim::BirthYear(year) => json!({ "birth_year": year }),
        },
        "village": volunteer.village.to_string(),
        "beat": volunteer.beat.as_str(),
        "station": volunteer.station.as_str(),
        "programmes": volunteer.programmes.iter().map(|programme| programme.as_str()).collect::<Vec<_>>(),
        "enrolled_by": volunteer.enrolled_by.as_str(),
        "enrolled_on": volunteer.enrolled_on.as_str(),
        "enrolled_at_ms": volunteer.enrolled_at_ms,
        "consent": {
            "given_at_ms": volunteer.consent.given_at_ms,
            "language": volunteer.consent.language,
            "notice_version": volunteer.consent.notice_version,
            "witness": volunteer.consent.witness.as_str(),
            "guardian_consented": volunteer.consent.guardian_consented,
        },
    })
}

/// The 25 records as one JSON array, compressed with zstd at `level`.
fn json_floor(device: &mut Device, ids: &[VolunteerId], level: i32) -> (usize, usize) {
    let records: Vec<serde_json::Value> = ids
        .iter()
        .map(|id| as_json(&device.volunteer(id).expect("enrolled just now")))
        .collect();
    let plain = serde_json::to_vec(&records).expect("json of plain values");
    let compressed = zstd::bulk::compress(&plain, level).expect("compress into a vec");
    (plain.len(), compressed.len())
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let rules = || EnrolmentRules::standard(2026);
    let mut hub = MemoryHub::with_limits(support::seeding_limits());
    for beat in BEATS {
        let mut roster = support::build_roster(beat, PER_BEAT, 1_000 + beat as u64);
        support::seed_hub(&mut hub, &mut roster);
    }
    let identity = support::constable_identity("constable", 0xC0, &BEATS);
    let colleague_identity = support::constable_identity("colleague", 0xC2, &BEATS);

    // Both phones hold their synced rosters.
    let mut device = Device::open(
        &dir.path().join("constable.db"),
        &StoreKey::from_bytes([7; 32]),
        &identity,
        rules(),
    )
    .expect("open");
    let first_sync = support::sync_with(&mut device, &mut hub, 1_764_000_000_000);
    let mut colleague = Device::open(
        &dir.path().join("colleague.db"),
        &StoreKey::from_bytes([7; 32]),
        &colleague_identity,
        rules(),
    )
    .expect("open");
    support::sync_with(&mut colleague, &mut hub, 1_764_000_000_000);

    // Case 1: 25 offline enrolments, nothing new at the hub.
    let ours = support::enrol_offline(&mut device, ENROLMENTS, 5);
    let exchanges_before = hub.exchanges();
    let quiet = support::sync_with(&mut device, &mut hub, 1_764_100_000_000);
    let quiet_exchanges = hub.exchanges() - exchanges_before;

    // Case 2: 25 more offline, while a colleague's 25 wait at the hub for us.
    let theirs = support::enrol_offline(&mut colleague, ENROLMENTS, 6);
    support::sync_with(&mut colleague, &mut hub, 1_764_150_000_000);
    let ours_again = support::enrol_offline(&mut device, ENROLMENTS, 7);
    let exchanges_before = hub.exchanges();
    let busy = support::sync_with(&mut device, &mut hub, 1_764_200_000_000);
    let busy_exchanges = hub.exchanges() - exchanges_before;

    // Case 3: the phone is reinstalled: an empty store with the same identity.
    let mut reinstalled = Device::open(
        &dir.path().join("reinstalled.db"),
        &StoreKey::from_bytes([7; 32]),
        &identity,
        rules(),
    )
    .expect("open");
    let exchanges_before = hub.exchanges();
    let reinstall = support::sync_with(&mut reinstalled, &mut hub, 1_764_300_000_000);
    let reinstall_exchanges = hub.exchanges() - exchanges_before;
    let reinstalled_rows = reinstalled.store().volunteer_count().expect("count");

    let (json_plain, json_15) = json_floor(&mut device, &ours, 15);
    let (_, json_3) = json_floor(&mut device, &ours, 3);
    let (_, json_19) = json_floor(&mut device, &ours, 19);
    let (theirs_plain, theirs_15) = json_floor(&mut device, &theirs, 15);
    let (_, ours_again_15) = json_floor(&mut device, &ours_again, 15);

    let ratio = |bytes: u64, floor: usize| format!("{:.2}×", bytes as f64 / floor as f64);
    let sync_row = |what: &str, report: &SyncReport, exchanges: u64| {
        vec![
            what.to_owned(),
            report.bytes_up.to_string(),
            report.bytes_down.to_string(),
            format!("{} ({} at the hub)", report.round_trips, exchanges),
        ]
    };
    support::print_table(
        &format!(
            "Sync of {ENROLMENTS} offline enrolments ({} beats × {PER_BEAT} volunteers on the device)",
            BEATS.len()
        ),
        &["sync", "bytes up", "bytes down", "round trips"],
        &[
            sync_row("first sync of a new phone (2 snapshots)", &first_sync, 1),
            sync_row(
                "25 enrolments, nothing new at the hub",
                &quiet,
                quiet_exchanges,
            ),
            sync_row(
                "25 enrolments, a colleague's 25 waiting",
                &busy,
                busy_exchanges,
            ),
            sync_row(
                &format!("reinstall: empty store, same beats ({reinstalled_rows} rows indexed)"),
                &reinstall,
                reinstall_exchanges,
            ),
        ],
    );
    support::print_table(
        "The same 25 records as JSON (one array, every field the change carries)",
        &["encoding", "bytes", "Mitan request (quiet case) ÷ this"],
        &[
            vec![
                "JSON, uncompressed".into(),
                json_plain.to_string(),
                ratio(quiet.bytes_up, json_plain),
            ],
            vec![
                "JSON + zstd level 3".into(),
                json_3.to_string(),
                ratio(quiet.bytes_up, json_3),
            ],
            vec![
                "JSON + zstd level 15 (the floor)".into(),
                json_15.to_string(),
                ratio(quiet.bytes_up, json_15),
            ],
            vec![
                "JSON + zstd level 19".into(),
                json_19.to_string(),
                ratio(quiet.bytes_up, json_19),
            ],
        ],
    );
    support::print_table(
        "Busy case against its own floors (JSON + zstd 15)",
        &["direction", "Mitan bytes", "JSON + zstd 15", "ratio"],
        &[
            vec![
                "up: our 25".into(),
                busy.bytes_up.to_string(),
                ours_again_15.to_string(),
                ratio(busy.bytes_up, ours_again_15),
            ],
            vec![
                format!("down: the colleague's 25 ({theirs_plain} B as plain JSON)"),
                busy.bytes_down.to_string(),
                theirs_15.to_string(),
                ratio(busy.bytes_down, theirs_15),
            ],
        ],
    );
    let bytes_met = quiet.bytes_up as f64 <= 1.25 * json_15 as f64;
    let rounds_met = quiet.round_trips == 1 && busy.round_trips == 1;
    let reinstall_met = reinstall.round_trips <= 2;
    let verdict = |met: bool| if met { "met" } else { "MISSED" };
    println!(
        "goal: request ≤ 1.25× JSON + zstd 15: {}; one round trip in the common case: {}; ≤ 2 after a reinstall: {}",
        verdict(bytes_met),
        verdict(rounds_met),
        verdict(reinstall_met)
    );
}
