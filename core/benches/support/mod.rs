//! What every benchmark shares: peak RSS from /proc, measurements in a fresh child process,
//! a station of demo rosters, a hub seeded with them, and a plain table printer.

#![allow(dead_code, unreachable_pub)]

use std::process::Command;
use std::time::Duration;

use mitan_core::demo::Generator;
use mitan_core::device::{Device, Moment, SyncReport};
use mitan_core::model::sealed::TestKeys;
use mitan_core::model::{EnrolmentForm, Roster, UnitCode, VolunteerId};
use mitan_core::store::DeviceIdentity;
use mitan_core::sync::{Limits, MemoryHub, RosterOffer, SyncRequest, grants_for};

/// Peak resident set size of this process (VmHWM), in bytes.
pub fn peak_rss() -> usize {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmHWM:"))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kib| kib.parse::<usize>().ok())
        })
        .map(|kib| kib * 1024)
        .unwrap_or(0)
}

pub const STATION: &str = "BSP-PS-KONI";

pub fn beat_code(index: usize) -> String {
    format!("{STATION}-B{index:02}")
}

/// A beat roster of `volunteers` demo enrolments, built in memory. Every 25 enrolments come
/// from another device (its own actor, badge and device id), as a real roster's would.
pub fn build_roster(beat_index: usize, volunteers: usize, seed: u64) -> Roster {
    mitan_core::demo::beat_roster(
        STATION,
        &beat_code(beat_index),
        beat_index,
        volunteers,
        seed,
    )
}

pub fn print_table(title: &str, header: &[&str], rows: &[Vec<String>]) {
    println!("\n{title}");
    println!("| {} |", header.join(" | "));
    println!(
        "|{}|",
        header.iter().map(|_| "---").collect::<Vec<_>>().join("|")
    );
    for row in rows {
        println!("| {} |", row.join(" | "));
    }
}

pub fn mib(bytes: usize) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

/// Limits for a hub that is seeded with whole rosters in one request.
pub fn seeding_limits() -> Limits {
    Limits {
        max_changes_per_request: 1_000_000,
        max_message_bytes: 256 * 1024 * 1024,
        ..Limits::default()
    }
}

/// Gives `hub` every change of `roster`, as if its devices had synced it. The offer names the
/// roster's own heads so the hub answers with nothing instead of a snapshot.
pub fn seed_hub(hub: &mut MemoryHub, roster: &mut Roster) {
    let changes = roster.changes_since(&[]);
    let request = SyncRequest::new(vec![RosterOffer {
        roster: roster.id().to_string(),
        heads: roster.heads(),
        changes: changes.into_iter().map(|change| change.bytes).collect(),
        // The rosters were written with the derived test keys; the hub, like the server,
        // holds every key.
        keys: grants_for(&roster.personal_entries().into_iter().collect(), &TestKeys),
        want_keys: Vec::new(),
        // The reference hub checks merges, not provenance.
        signatures: Vec::new(),
    }]);
    hub.handle(&request.encode())
        .expect("the hub takes a well-formed roster");
}

/// A constable's device identity working `beats` of the demo station.
pub fn constable_identity(name: &str, actor_byte: u8, beats: &[usize]) -> DeviceIdentity {
    DeviceIdentity {
        device_id: format!("dev-{name}").parse().expect("valid device id"),
        actor: [actor_byte; 16],
        badge: format!("CG-{}", 900 + u32::from(actor_byte))
            .parse()
            .expect("valid badge"),
        station: STATION.parse().expect("valid station code"),
        beats: beats
            .iter()
            .map(|index| beat_code(*index).parse::<UnitCode>().expect("valid beat"))
            .collect(),
        quota: 25,
    }
}

/// Syncs `device` with `hub` until it settles.
pub fn sync_with(device: &mut Device, hub: &mut MemoryHub, now_ms: i64) -> SyncReport {
    let mut transport = |request: Vec<u8>| hub.handle(&request).map_err(|error| error.to_string());
    device
        .sync(&mut transport, now_ms)
        .expect("sync with the in-memory hub")
}

/// The forms and moments of `count` fresh demo volunteers, alternating between `beats`: what
/// [`enrol_offline`] enrols, so a bench can write the same records another way.
pub fn offline_forms(beats: &[String], count: usize, seed: u64) -> Vec<(EnrolmentForm, Moment)> {
    let mut generator = Generator::new(seed);
    (0..count)
        .map(|index| {
            let beat = &beats[index % beats.len()];
            let form =
                generator.enrolment_form(STATION, beat, &Generator::village_lgd(0, index % 8));
            let moment = Moment {
                now_ms: 1_764_000_000_000 + seed as i64 * 1_000 + index as i64,
                random: generator.next_u128(),
            };
            (form, moment)
        })
        .collect()
}

/// Enrols `count` fresh demo volunteers on `device`, alternating between its beats, and
/// returns their ids.
pub fn enrol_offline(device: &mut Device, count: usize, seed: u64) -> Vec<VolunteerId> {
    let beats: Vec<String> = device
        .identity()
        .beats
        .iter()
        .map(|beat| beat.to_string())
        .collect();
    offline_forms(&beats, count, seed)
        .into_iter()
        .map(|(form, moment)| {
            device
                .enrol(&form, moment)
                .expect("demo forms are valid")
                .id
        })
        .collect()
}

/// Syncs `device` with `hub` until it settles, keeping every request it sent.
pub fn sync_capturing(
    device: &mut Device,
    hub: &mut MemoryHub,
    now_ms: i64,
) -> (SyncReport, Vec<Vec<u8>>) {
    let mut requests = Vec::new();
    let mut transport = |request: Vec<u8>| {
        requests.push(request.clone());
        hub.handle(&request).map_err(|error| error.to_string())
    };
    let report = device
        .sync(&mut transport, now_ms)
        .expect("sync with the in-memory hub");
    (report, requests)
}

/// The name of the environment variable that puts a bench binary in child mode.
pub const CHILD_ENV: &str = "MITAN_BENCH_CHILD";

/// What a child measured: the time of its work and its peak RSS afterwards.
#[derive(Debug, Clone, Copy)]
pub struct ChildResult {
    pub elapsed: Duration,
    pub peak_rss: usize,
    pub extra: u64,
}

/// In a child: prints the result line the parent parses.
pub fn report_child(elapsed: Duration, extra: u64) {
    println!("RESULT {} {} {}", elapsed.as_nanos(), peak_rss(), extra);
}

/// The child mode and its argument, if this process is a child.
pub fn child_mode() -> Option<(String, String)> {
    let mode = std::env::var(CHILD_ENV).ok()?;
    let (mode, argument) = mode.split_once(':').unwrap_or((mode.as_str(), ""));
    Some((mode.to_owned(), argument.to_owned()))
}

/// Runs this bench binary again in `mode` with `argument`, in a fresh process, and parses its
/// result line.
pub fn run_child(mode: &str, argument: &str) -> ChildResult {
    let exe = std::env::current_exe().expect("the bench knows its own path");
    let output = Command::new(exe)
        .env(CHILD_ENV, format!("{mode}:{argument}"))
        .output()
        .expect("the bench can start itself");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "child {mode} failed: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let line = stdout
        .lines()
        .find_map(|line| line.strip_prefix("RESULT "))
        .expect("the child prints a result line");
    let fields: Vec<u128> = line
        .split_whitespace()
        .map(|field| field.parse().expect("numeric result"))
        .collect();
    ChildResult {
        elapsed: Duration::from_nanos(fields[0] as u64),
        peak_rss: fields[1] as usize,
        extra: fields[2] as u64,
    }
}

/// Runs a child `runs` times; the median time and the median peak RSS.
pub fn median_child(mode: &str, argument: &str, runs: usize) -> ChildResult {
    let mut results: Vec<ChildResult> = (0..runs).map(|_| run_child(mode, argument)).collect();
    results.sort_by_key(|result| result.elapsed);
    let elapsed = results[runs / 2].elapsed;
    let extra = results[runs / 2].extra;
    let mut rss: Vec<usize> = results.iter().map(|result| result.peak_rss).collect();
    rss.sort_unstable();
    ChildResult {
        elapsed,
        peak_rss: rss[runs / 2],
        extra,
    }
}

/// The median of `runs` timings of `work`.
pub fn median_time(runs: usize, mut work: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let started = std::time::Instant::now();
            work();
            started.elapsed()
        })
        .collect();
    times.sort_unstable();
    times[runs / 2]
}

pub fn ms(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1e3)
}

pub fn kib(bytes: usize) -> String {
    if bytes < 10 * 1024 {
        format!("{bytes} B")
    } else {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    }
}
