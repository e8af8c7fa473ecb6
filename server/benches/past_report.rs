//! The progress report at a past moment (`GET /v1/audit/report`, `mitan audit report`) on a
//! district of real beat rosters, against the live report over the volunteer rows, which it
//! must agree with and which is the floor it is measured against in the same run.
//!
//! Each beat's roster is built from demo enrolments (one device per 25) and logged as a server
//! receives it: the first half on day one, the rest on day two, with the volunteer rows and a
//! snapshot after day two. A moment after the snapshot loads from it; day one replays the
//! changes received by then onto the genesis. The
//! bench then times, as the district admin, the live report, the report replayed at the end of
//! day two (which must equal the live one) and at the end of day one, and what moved between
//! the two (`GET /v1/audit/report/diff`, both moments replayed).
//!
//! Run: `cargo bench -p mitan-server --bench past_report` (64 beats of 100 volunteers);
//! `-- BEATS PER_BEAT` for another size.

use std::time::{Duration, Instant};

use mitan_core::model::sealed::TestKeys;
use mitan_core::model::{Action, Unit, UnitKind, inspect_change};
use mitan_server::auth::Role;
use mitan_server::district::received_change;
use mitan_server::reports::past::{self, PastReportQuery};
use mitan_server::reports::progress_diff::{ReportDiffQuery, progress_diff};
use mitan_server::reports::{self, ReportQuery};
use mitan_server::store::{KeyUpdate, ServerStore, User};

const BEATS_PER_STATION: usize = 8;
const DAY_ONE: i64 = 1_763_913_600_000;
const DAY_TWO: i64 = DAY_ONE + 86_400_000;
const RUNS: usize = 5;

fn main() -> anyhow::Result<()> {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|argument| argument.parse().ok())
        .collect();
    let beats = sizes.first().copied().unwrap_or(64);
    let per_beat = sizes.get(1).copied().unwrap_or(100);
    let dir = tempfile::tempdir()?;
    let mut store = ServerStore::open(&dir.path().join("district.db"))?;
    let admin = fill(&mut store, beats, per_beat)?;

    let live = || reports::progress(&store, &admin, &ReportQuery::default());
    let at = |at_ms: i64| {
        past::progress_at(
            &store,
            &admin,
            &PastReportQuery {
                at_ms: Some(at_ms),
                ..PastReportQuery::default()
            },
            &mut |_, _| {},
        )
    };
    let now = at(DAY_TWO)?;
    anyhow::ensure!(
        now.report == live()?,
        "the report replayed at the end agrees with the live report"
    );
    let halfway = at(DAY_ONE)?;
    anyhow::ensure!(
        halfway.report.units[0].enrolled == (beats * (per_beat / 2)) as u64,
        "day one replays to the first half of every beat"
    );
    let enrolled = |report: &reports::ProgressReport| report.units[0].enrolled;
    println!(
        "replayed: {} rosters; day one {} enrolled of {} changes, day two {} of {}",
        now.moment.rosters,
        enrolled(&halfway.report),
        halfway.moment.changes,
        enrolled(&now.report),
        now.moment.changes
    );

    let second_day = || {
        progress_diff(
            &store,
            &admin,
            &ReportDiffQuery {
                from_ms: Some(DAY_ONE),
                to_ms: Some(DAY_TWO),
                ..ReportDiffQuery::default()
            },
            DAY_TWO,
            &mut |_, _| {},
        )
    };
    let moved = second_day()?;
    let district = &moved.units[0];
    anyhow::ensure!(
        district.enrolled.from == enrolled(&halfway.report)
            && district.enrolled.to == enrolled(&now.report),
        "the diff moves the district from day one's count to day two's"
    );

    let floor = median(|| live().map(drop))?;
    let end = median(|| at(DAY_TWO).map(drop))?;
    let middle = median(|| at(DAY_ONE).map(drop))?;
    let diff = median(|| second_day().map(drop))?;
    println!();
    println!(
        "| district of {beats} beats × {per_beat} volunteers | median ms | × live report | ms per beat |"
    );
    println!("|---|---:|---:|---:|");
    for (what, time) in [
        ("live progress report (floor: SQL over the rows)", floor),
        ("replayed at the end of day two", end),
        ("replayed at the end of day one", middle),
        ("what moved from day one to day two (both replayed)", diff),
    ] {
        println!(
            "| {what} | {:.1} | {:.1} | {:.2} |",
            time.as_secs_f64() * 1e3,
            time.as_secs_f64() / floor.as_secs_f64(),
            time.as_secs_f64() * 1e3 / beats as f64
        );
    }
    Ok(())
}

/// The median of `RUNS` runs of `work`.
fn median(mut work: impl FnMut() -> mitan_server::Result<()>) -> anyhow::Result<Duration> {
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let started = Instant::now();
        work()?;
        times.push(started.elapsed());
    }
    times.sort();
    Ok(times[RUNS / 2])
}

/// A district of `beats` beats, eight to a station, each roster holding `per_beat` demo
/// enrolments received over two days. Returns the district admin.
fn fill(store: &mut ServerStore, beats: usize, per_beat: usize) -> anyhow::Result<User> {
    let unit = |kind, code: &str, parent: Option<&str>| -> anyhow::Result<Unit> {
        Ok(Unit {
            kind,
            code: code.parse()?,
            name_hi: format!("{code} हिंदी"),
            name_en: code.to_owned(),
            parent: parent.map(str::parse).transpose()?,
            lgd_code: None,
        })
    };
    store.save_unit(&unit(UnitKind::State, "CG", None)?)?;
    store.save_unit(&unit(UnitKind::Range, "CG-BSP", Some("CG"))?)?;
    store.save_unit(&unit(UnitKind::District, "BSP", Some("CG-BSP"))?)?;
    store.save_unit(&unit(UnitKind::Circle, "BSP-C1", Some("BSP"))?)?;
    let device = "dev-bench".parse()?;
    let badge = "CG-BENCH".parse()?;
    let filled = Instant::now();
    for index in 0..beats {
        let station = format!("BSP-PS-{:03}", index / BEATS_PER_STATION);
        if index % BEATS_PER_STATION == 0 {
            store.save_unit(&unit(UnitKind::Station, &station, Some("BSP-C1"))?)?;
        }
        let beat = format!("{station}-B{:02}", index % BEATS_PER_STATION);
        store.save_unit(&unit(UnitKind::Beat, &beat, Some(&station))?)?;
        let mut roster =
            mitan_core::demo::beat_roster(&station, &beat, index, per_beat, 1_000 + index as u64);
        let mut received = Vec::with_capacity(per_beat);
        for change in roster.changes() {
            let info = inspect_change(&change.bytes)?;
            // The genesis is every roster's common root, never received from anyone.
            if info
                .message
                .as_ref()
                .is_some_and(|message| message.action != Action::Genesis)
            {
                received.push(received_change(roster.id(), &change, &info, None));
            }
        }
        let rows: Vec<_> = roster
            .volunteers(&TestKeys)
            .into_iter()
            .map(|volunteer| volunteer.map(|volunteer| (roster.id().clone(), volunteer)))
            .collect::<Result<_, _>>()
            .map_err(|malformed| anyhow::anyhow!("demo entry {} unreadable", malformed.key))?;
        let half = received.len() / 2;
        let none = KeyUpdate::default();
        store.save_merge(&device, &badge, &received[..half], &[], &none, DAY_ONE)?;
        store.save_merge(&device, &badge, &received[half..], &rows, &none, DAY_TWO)?;
        // The server snapshots a roster as changes pile up; this one after day two.
        let upto = i64::try_from(store.change_log_count()?)?;
        let saved = roster.save();
        store.save_snapshot(roster.id(), &saved, upto, DAY_TWO)?;
    }
    let admin = User {
        badge: "SP-BSP".parse()?,
        name: "SP".into(),
        role: Role::DistrictAdmin,
        unit: "BSP".parse()?,
        beats: Vec::new(),
    };
    store.save_user(&admin, 0)?;
    println!(
        "filled {} volunteers in {beats} beats in {:.1} s",
        beats * per_beat,
        filled.elapsed().as_secs_f64()
    );
    Ok(admin)
}
