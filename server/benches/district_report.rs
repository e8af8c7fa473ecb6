//! District report latency at 2 lakh volunteers: fills a SQLite file with 200,000 volunteer
//! rows through the store's own merge write (`save_merge`), then times each report as the
//! district admin and as one station in-charge sees it, printing the median of several runs.
//!
//! Run: `cargo bench -p mitan-server --bench district_report` (add `-- 50000` for fewer rows).
//! Filling takes about a minute; set `MITAN_BENCH_DB=/some/file.db` to keep the filled database
//! and time the reports again on it (an older schema is migrated on open, which also times a
//! migration at this size).

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use mitan_core::model::{
    AgeClaim, Consent, Gender, Personal, RosterId, Status, Unit, UnitKind, Volunteer, VolunteerId,
};
use mitan_server::auth::Role;
use mitan_server::reports::{self, ReportQuery};
use mitan_server::store::{KeyUpdate, ServerStore, User};

const CIRCLES: usize = 4;
const STATIONS_PER_CIRCLE: usize = 8;
const BEATS_PER_STATION: usize = 8;
const VILLAGES_PER_BEAT: usize = 4;
const RUNS: usize = 7;

/// One report, run for its time only.
type Run<'a> = Box<dyn Fn() -> anyhow::Result<()> + 'a>;

const FIRST: [(&str, &str); 20] = [
    ("रमेश", "Ramesh"),
    ("सुनीता", "Sunita"),
    ("महेश", "Mahesh"),
    ("गीता", "Geeta"),
    ("राजेश", "Rajesh"),
    ("अनीता", "Anita"),
    ("सुरेश", "Suresh"),
    ("कविता", "Kavita"),
    ("दिनेश", "Dinesh"),
    ("ममता", "Mamta"),
    ("मुकेश", "Mukesh"),
    ("रेखा", "Rekha"),
    ("संतोष", "Santosh"),
    ("पूजा", "Pooja"),
    ("विनोद", "Vinod"),
    ("सीमा", "Seema"),
    ("अशोक", "Ashok"),
    ("लता", "Lata"),
    ("प्रकाश", "Prakash"),
    ("उषा", "Usha"),
];
const LAST: [(&str, &str); 16] = [
    ("साहू", "Sahu"),
    ("वर्मा", "Verma"),
    ("यादव", "Yadav"),
    ("पटेल", "Patel"),
    ("कश्यप", "Kashyap"),
    ("ध्रुव", "Dhruw"),
    ("निषाद", "Nishad"),
    ("सिंह", "Singh"),
    ("मरकाम", "Markam"),
    ("नेताम", "Netam"),
    ("ठाकुर", "Thakur"),
    ("देवांगन", "Dewangan"),
    ("गुप्ता", "Gupta"),
    ("श्रीवास", "Shrivas"),
    ("पांडे", "Pandey"),
    ("चंद्रा", "Chandra"),
];

fn station(circle: usize, index: usize) -> String {
    format!("BSP-PS-{circle}{index:02}")
}

fn main() -> anyhow::Result<()> {
    let volunteers: usize = std::env::args()
        .skip(1)
        .find_map(|arg| arg.parse().ok())
        .unwrap_or(200_000);
    let dir = tempfile::tempdir()?;
    let path = std::env::var_os("MITAN_BENCH_DB")
        .map_or_else(|| dir.path().join("district.db"), Into::into);
    let reused = path.exists();
    let opened = Instant::now();
    let mut store = ServerStore::open(&path)?;
    if reused {
        println!(
            "reused {} volunteers from {} (opened and migrated in {:.1} s)",
            store.volunteer_count()?,
            path.display(),
            opened.elapsed().as_secs_f64()
        );
    } else {
        fill(&mut store, volunteers)?;
    }
    let admin = User {
        badge: "SP-BSP".parse()?,
        name: "SP".into(),
        role: Role::DistrictAdmin,
        unit: "BSP".parse()?,
        beats: Vec::new(),
    };
    let incharge = User {
        badge: "SHO-000".parse()?,
        name: "SHO".into(),
        role: Role::StationIncharge,
        unit: station(0, 0).parse()?,
        beats: Vec::new(),
    };
    time_reports(&store, &admin, &incharge)?;
    time_console_pages(&store, &admin, &incharge)
}

/// The times of `RUNS` runs of `run`, fastest first.
fn timed(run: &dyn Fn() -> anyhow::Result<()>) -> anyhow::Result<Vec<Duration>> {
    let mut times: Vec<Duration> = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let started = Instant::now();
        run()?;
        times.push(started.elapsed());
    }
    times.sort();
    Ok(times)
}

/// The median of `RUNS` runs of `run`.
fn median(run: &dyn Fn() -> anyhow::Result<()>) -> anyhow::Result<Duration> {
    Ok(timed(run)?[RUNS / 2])
}

/// The console's progress page and review queue, rendered to HTML as the server sends them,
/// against the JSON answer of the same report in the same run: the floor is the API's own
/// report with `serde_json`, so the ratio is what the page costs on top of the data.
fn time_console_pages(store: &ServerStore, admin: &User, incharge: &User) -> anyhow::Result<()> {
    use mitan_server::console::pages;
    use mitan_server::console::text::Lang;
    let query = ReportQuery::default();
    let queue = mitan_server::ops::reports::Queue {
        limit: Some(50),
        ..Default::default()
    };
    println!();
    println!(
        "| console page | as | page ms (median) | JSON ms (median) | page / JSON | page bytes |"
    );
    println!("|---|---|---:|---:|---:|---:|");
    for (who, user) in [("district admin", admin), ("station in-charge", incharge)] {
        // The page shows the progress report and the day-by-day counts: the JSON of the same
        // data is both answers.
        let progress_json = median(&|| {
            let report = reports::progress(store, user, &query)?;
            let daily = reports::daily(store, user, &query)?;
            std::hint::black_box(serde_json::to_string(&report)?);
            std::hint::black_box(serde_json::to_string(&daily)?);
            Ok(())
        })?;
        let progress_page = || -> anyhow::Result<String> {
            let report = reports::progress(store, user, &query)?;
            let daily = reports::daily(store, user, &query)?;
            Ok(pages::progress(Lang::Hi, &report, &daily, &[], &query).into_string())
        };
        let progress_html = median(&|| {
            std::hint::black_box(progress_page()?);
            Ok(())
        })?;
        let queue_json = median(&|| {
            let found = reports::review_queue(store, user, &queue)?;
            std::hint::black_box(serde_json::to_string(&found)?);
            Ok(())
        })?;
        let filters = pages::QueueFilters::default();
        let queue_page = || -> anyhow::Result<String> {
            let found = reports::review_queue(store, user, &queue)?;
            let choices = pages::ReviewChoices {
                units: &[],
                users: &[],
                filters: &filters,
            };
            Ok(pages::review(Lang::Hi, &found, &choices, 0, 50, true, "csrf").into_string())
        };
        let queue_html = median(&|| {
            std::hint::black_box(queue_page()?);
            Ok(())
        })?;
        let ms = |duration: Duration| duration.as_secs_f64() * 1000.0;
        for (name, page, json, bytes) in [
            (
                "progress",
                progress_html,
                progress_json,
                progress_page()?.len(),
            ),
            (
                "review queue (50)",
                queue_html,
                queue_json,
                queue_page()?.len(),
            ),
        ] {
            println!(
                "| {name} | {who} | {:.1} | {:.1} | {:.2}× | {bytes} |",
                ms(page),
                ms(json),
                page.as_secs_f64() / json.as_secs_f64()
            );
        }
    }
    Ok(())
}

/// Builds the district (4 circles, 32 stations, 256 beats, 1,024 villages) and its two
/// report users, then writes `volunteers` rows through `save_merge`.
fn fill(store: &mut ServerStore, volunteers: usize) -> anyhow::Result<()> {
    let unit = |kind, code: &str, parent: Option<&str>, lgd: Option<u32>| -> anyhow::Result<Unit> {
        Ok(Unit {
            kind,
            code: code.parse()?,
            name_hi: format!("{code} हिंदी"),
            name_en: code.to_owned(),
            parent: parent.map(str::parse).transpose()?,
            lgd_code: lgd.map(|code| code.try_into()).transpose()?,
        })
    };
    store.save_unit(&unit(UnitKind::State, "CG", None, None)?)?;
    store.save_unit(&unit(UnitKind::Range, "CG-BSP", Some("CG"), None)?)?;
    store.save_unit(&unit(UnitKind::District, "BSP", Some("CG-BSP"), None)?)?;
    let mut beats: Vec<(String, String, Vec<u32>, String)> = Vec::new();
    let mut lgd = 400_000u32;
    for circle in 0..CIRCLES {
        let circle_code = format!("BSP-C{circle}");
        store.save_unit(&unit(UnitKind::Circle, &circle_code, Some("BSP"), None)?)?;
        for index in 0..STATIONS_PER_CIRCLE {
            let station_code = station(circle, index);
            store.save_unit(&unit(
                UnitKind::Station,
                &station_code,
                Some(&circle_code),
                None,
            )?)?;
            for beat_index in 0..BEATS_PER_STATION {
                let beat_code = format!("{station_code}-B{beat_index:02}");
                store.save_unit(&unit(
                    UnitKind::Beat,
                    &beat_code,
                    Some(&station_code),
                    None,
                )?)?;
                let mut villages = Vec::new();
                for village in 0..VILLAGES_PER_BEAT {
                    lgd += 1;
                    store.save_unit(&unit(
                        UnitKind::Village,
                        &format!("{beat_code}-V{village}"),
                        Some(&beat_code),
                        Some(lgd),
                    )?)?;
                    villages.push(lgd);
                }
                let badge = format!("CG-{circle}{index:02}{beat_index:02}");
                store.save_user(
                    &User {
                        badge: badge.parse()?,
                        name: format!("Constable {badge}"),
                        role: Role::Constable,
                        unit: station_code.parse()?,
                        beats: vec![beat_code.parse()?],
                    },
                    0,
                )?;
                beats.push((beat_code, station_code.clone(), villages, badge));
            }
        }
    }
    store.save_user(
        &User {
            badge: "SP-BSP".parse()?,
            name: "SP".into(),
            role: Role::DistrictAdmin,
            unit: "BSP".parse()?,
            beats: Vec::new(),
        },
        0,
    )?;
    store.save_user(
        &User {
            badge: "SHO-000".parse()?,
            name: "SHO".into(),
            role: Role::StationIncharge,
            unit: station(0, 0).parse()?,
            beats: Vec::new(),
        },
        0,
    )?;

    let device = "dev-bench".parse()?;
    let badge = "CG-BENCH".parse()?;
    let filled = Instant::now();
    let programmes = ["cyber_mitan", "police_mitan", "suraksha_sakhi"];
    let mut batch: Vec<(RosterId, Volunteer)> = Vec::with_capacity(5_000);
    for n in 0..volunteers {
        let (beat, station_code, villages, enrolled_by) = &beats[n % beats.len()];
        let village = villages[(n / beats.len()) % villages.len()];
        let (first_hi, first_en) = FIRST[(n * 7) % FIRST.len()];
        let (last_hi, last_en) = LAST[(n * 13 / 3) % LAST.len()];
        // One number in a hundred is enrolled twice (a duplicate candidate).
        let phone_number = if n % 100 == 99 { n - 1 } else { n };
        let verified = n % 3 == 0;
        let volunteer = Volunteer {
            id: VolunteerId::from_parts(1_763_900_000_000 + n as u64, n as u128),
            personal: Some(Personal {
                name_devanagari: Some(format!("{first_hi} {last_hi}")),
                name_latin: Some(format!("{first_en} {last_en}")),
                phone: format!("+919{phone_number:09}").parse()?,
                household: format!("H-{}", n / 3),
                guardian: None,
            }),
            gender: if n % 2 == 0 {
                Gender::Male
            } else {
                Gender::Female
            },
            age: AgeClaim::Years(18 + (n % 50) as u8),
            village: village.try_into()?,
            beat: beat.parse()?,
            station: station_code.parse()?,
            programmes: BTreeSet::from([programmes[n % programmes.len()].parse()?]),
            enrolled_by: enrolled_by.parse()?,
            enrolled_on: "dev-1".parse()?,
            enrolled_at_ms: 1_763_900_000_000 + (n as i64 % 172_800) * 1000,
            trained_by: None,
            consent: Consent {
                given_at_ms: 1_763_900_000_000,
                language: "hi".into(),
                notice_version: 1,
                witness: enrolled_by.parse()?,
                guardian_consented: false,
            },
            status: if verified {
                Status::Verified
            } else {
                Status::Pending
            },
            reviewed_by: verified.then(|| "SHO-000".parse()).transpose()?,
            conflicts: Vec::new(),
            sealed: false,
            moved_to: None,
        };
        batch.push((beat.parse()?, volunteer));
        if batch.len() == 5_000 {
            store.save_merge(&device, &badge, &[], &batch, &KeyUpdate::default(), 0)?;
            batch.clear();
        }
    }
    store.save_merge(&device, &badge, &[], &batch, &KeyUpdate::default(), 0)?;
    println!(
        "filled {volunteers} volunteers in {} beats through save_merge in {:.1} s",
        beats.len(),
        filled.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Times each report as the district admin and as the station in-charge sees it.
fn time_reports(store: &ServerStore, admin: &User, incharge: &User) -> anyhow::Result<()> {
    let query = ReportQuery::default();
    let programme = ReportQuery {
        programme: Some("cyber_mitan".into()),
        ..ReportQuery::default()
    };
    // The largest page, past the first, as a script taking every group would ask (the filled
    // district has 2,000 same-phone and about 15,000 similar-name groups).
    let deep_page = ReportQuery {
        limit: Some(1_000),
        offset: Some(1_000),
        ..ReportQuery::default()
    };
    println!();
    println!("| report | as | median ms | min ms | max ms |");
    println!("|---|---|---:|---:|---:|");
    for (who, user) in [("district admin", admin), ("station in-charge", incharge)] {
        let reports: [(&str, Run<'_>); 7] = [
            (
                "progress",
                Box::new(|| {
                    reports::progress(store, user, &query)?;
                    Ok(())
                }),
            ),
            (
                "progress (one programme)",
                Box::new(|| {
                    reports::progress(store, user, &programme)?;
                    Ok(())
                }),
            ),
            (
                "coverage",
                Box::new(|| {
                    reports::coverage(store, user, &query)?;
                    Ok(())
                }),
            ),
            (
                "review queue (first 100)",
                Box::new(|| {
                    reports::review_queue(
                        store,
                        user,
                        &mitan_server::ops::reports::Queue::default(),
                    )?;
                    Ok(())
                }),
            ),
            (
                "duplicates (first 100 groups)",
                Box::new(|| {
                    reports::duplicates(store, user, &query)?;
                    Ok(())
                }),
            ),
            (
                "duplicates (groups 1,001 to 2,000)",
                Box::new(|| {
                    reports::duplicates(store, user, &deep_page)?;
                    Ok(())
                }),
            ),
            (
                "programmes",
                Box::new(|| {
                    reports::programmes(store, user, &query)?;
                    Ok(())
                }),
            ),
        ];
        for (name, run) in &reports {
            let times = timed(run.as_ref())?;
            let ms = |duration: Duration| duration.as_secs_f64() * 1000.0;
            println!(
                "| {name} | {who} | {:.1} | {:.1} | {:.1} |",
                ms(times[RUNS / 2]),
                ms(times[0]),
                ms(times[RUNS - 1])
            );
        }
    }
    Ok(())
}
