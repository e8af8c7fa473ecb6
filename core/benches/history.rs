//! The auditors' replay on a long history: a beat roster of 400 volunteers followed by
//! edits until it holds 100,000 changes. Measures the listing of the whole history (field by
//! field, personal fields opened) and the roster's state at past points (issue 6: ≤ 200 ms),
//! then the audit export of the same history (every change signed by its device) and its
//! offline verification.
//!
//! Each figure is printed beside a floor taken in the same run, so a loaded machine slows
//! both sides: the listing beside Automerge's own decode of every change (header and
//! operations, read into nothing), the past states beside the live roster read and flattened
//! the same way (what a state at the newest moment would cost without any replay).

mod support;

use std::time::{Duration, Instant};

use mitan_core::history::{History, Point, RosterState, state_at};
use mitan_core::model::sealed::TestKeys;
use mitan_core::model::{AgeClaim, ChangeMeta, VolunteerEdit, inspect_change};

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

    let encoded = roster.changes_since(&[]);
    let decoding = support::median_time(RUNS, || {
        for change in &encoded {
            inspect_change(&change.bytes).expect("a change decodes");
        }
    });
    let mut history = None;
    let listing = support::median_time(RUNS, || {
        history = Some(History::of(&mut roster, &TestKeys).expect("history reads"));
    });
    let history = history.expect("listed at least once");
    let heads = roster.heads();
    let mut live_volunteers = 0;
    let live = support::median_time(RUNS, || {
        let state = RosterState::of(&roster, heads.clone(), changes, &TestKeys);
        live_volunteers = state.volunteers.len();
    });
    let mut rows = vec![
        vec![
            "floor: Automerge decodes every change".to_owned(),
            support::ms(decoding),
            "1".to_owned(),
            format!("{:.0} changes/s", changes as f64 / decoding.as_secs_f64()),
        ],
        vec![
            "list the whole history".to_owned(),
            support::ms(listing),
            times(listing, decoding),
            format!("{:.0} changes/s", changes as f64 / listing.as_secs_f64()),
        ],
        vec![
            "floor: the live roster read and flattened".to_owned(),
            support::ms(live),
            "1".to_owned(),
            format!("{live_volunteers} volunteers"),
        ],
    ];
    let mut slowest_past = Duration::ZERO;
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
            times(time, live),
            format!("{volunteers} volunteers"),
        ]);
    }
    rows.extend(export_and_verify(&mut roster, decoding));
    support::print_table(
        &format!(
            "history of a {changes}-change roster ({VOLUNTEERS} volunteers; built in {})",
            support::ms(built)
        ),
        &["operation", "median of 5", "× its floor", "notes"],
        &rows,
    );
    let goal = Duration::from_millis(200);
    println!(
        "goal: the state at a past point of a {changes}-change roster in at most {} (slowest: {}, {} × the live read): {}",
        support::ms(goal),
        support::ms(slowest_past),
        times(slowest_past, live),
        if slowest_past <= goal {
            "met"
        } else {
            "MISSED"
        }
    );
}

/// `time` as a multiple of `floor`.
fn times(time: Duration, floor: Duration) -> String {
    format!("{:.2}", time.as_secs_f64() / floor.as_secs_f64())
}

/// Changes a protocol 5 phone sends in one request, one manifest signature for all: a day's
/// enrolments.
const CHANGES_PER_MANIFEST: usize = 25;

/// The audit export of `roster` as the server writes it (every logged change vouched for by a
/// manifest its device signed over the hashes of one request, as protocol 5 phones send them,
/// with receipt times and device keys, signed as a whole) and its
/// verification: the rows of the table, each against `decoding`, the time Automerge takes to
/// decode every change.
fn export_and_verify(
    roster: &mut mitan_core::model::Roster,
    decoding: Duration,
) -> Vec<Vec<String>> {
    use std::collections::BTreeMap;

    use mitan_core::provenance::{
        AuditExport, DeviceKey, ExportedChange, ExportedDevice, ExportedManifest, ExportedRoster,
        verify_export,
    };

    let genesis = mitan_core::model::Roster::genesis(roster.id()).heads();
    let changes = roster.changes_since(&genesis);
    // One device per actor, its key derived from the actor (a bench needs no secrecy).
    let mut devices: BTreeMap<Vec<u8>, (String, DeviceKey)> = BTreeMap::new();
    let mut exported = Vec::with_capacity(changes.len());
    // Each device's open manifest (its index), and every manifest's device, key and hashes.
    let mut open: BTreeMap<String, usize> = BTreeMap::new();
    let mut manifests: Vec<(String, DeviceKey, Vec<[u8; 32]>)> = Vec::new();
    for (received_at_ms, change) in (1_764_000_000_000_i64..).zip(&changes) {
        let actor = inspect_change(&change.bytes).expect("a change").actor;
        let next = devices.len();
        let (device, key) = devices.entry(actor.clone()).or_insert_with(|| {
            let mut secret = [0u8; 32];
            secret[..actor.len().min(32)].copy_from_slice(&actor[..actor.len().min(32)]);
            (format!("dev-bench-{next}"), DeviceKey::from_secret(secret))
        });
        let index = match open.get(device.as_str()) {
            Some(&index) if manifests[index].2.len() < CHANGES_PER_MANIFEST => index,
            _ => {
                manifests.push((device.clone(), key.clone(), Vec::new()));
                open.insert(device.clone(), manifests.len() - 1);
                manifests.len() - 1
            }
        };
        manifests[index].2.push(change.hash);
        exported.push(ExportedChange {
            hash: change.hash,
            bytes: change.bytes.clone(),
            device: device.clone(),
            signature: None,
            received_at_ms,
            manifest: Some(index as u32),
        });
    }
    let manifests: Vec<ExportedManifest> = manifests
        .into_iter()
        .map(|(device, key, hashes)| ExportedManifest {
            signature: key.sign_manifest(&device.parse().expect("valid device"), &hashes),
            device,
            hashes,
        })
        .collect();
    let server_key = DeviceKey::from_secret([42; 32]);
    let export = AuditExport {
        created_at_ms: 1_765_000_000_000,
        exported_by: "CG-900".into(),
        scope: "BSP".into(),
        server_key: server_key.public(),
        devices: devices
            .iter()
            .map(|(actor, (device, key))| ExportedDevice {
                device: device.clone(),
                badge: "CG-000".into(),
                actor: actor.as_slice().try_into().expect("16-byte actors"),
                public_key: Some(key.public()),
            })
            .collect(),
        rosters: vec![ExportedRoster {
            roster: roster.id().to_string(),
            heads: roster.heads(),
            changes: exported,
        }],
        manifests,
    };
    let count = changes.len() as f64;
    let mut file = Vec::new();
    let encoding = support::median_time(RUNS, || file = export.encode(&server_key));
    let mut findings = usize::MAX;
    let verifying = support::median_time(RUNS, || {
        findings = verify_export(&file).expect("an export").findings.len();
    });
    assert_eq!(findings, 0, "an untampered export verifies");
    vec![
        vec![
            "export: encode and sign".to_owned(),
            support::ms(encoding),
            times(encoding, decoding),
            format!(
                "{:.0} changes/s, {} for {} changes",
                count / encoding.as_secs_f64(),
                support::kib(file.len()),
                changes.len()
            ),
        ],
        vec![
            "verify the export".to_owned(),
            support::ms(verifying),
            times(verifying, decoding),
            format!(
                "{:.0} changes/s, 0 findings",
                count / verifying.as_secs_f64()
            ),
        ],
    ]
}
