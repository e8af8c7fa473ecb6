//! A field day without a server: four constables of one station enrol villagers offline on
//! their own phones (real SQLite stores in a temp dir), two of them enrol the same person, a
//! supervisor verifies at the station, and everyone syncs through the core's in-memory
//! reference hub. Prints what each phone holds afterwards.
//!
//! Run with `cargo run -p mitan-core --example field_day`.

use std::error::Error;

use mitan_core::demo::Generator;
use mitan_core::device::{Device, Moment, Problem};
use mitan_core::model::{Decision, EnrolmentRules, VolunteerId};
use mitan_core::store::StoreKey;
use mitan_core::store::{DeviceIdentity, VolunteerFilter};
use mitan_core::sync::MemoryHub;

const STATION: &str = "BSP-PS-KONI";
const BEATS: [&str; 2] = ["BSP-PS-KONI-B01", "BSP-PS-KONI-B02"];
/// 23 November 2026, 10:00 IST, in milliseconds since the epoch.
const MORNING_MS: i64 = 1_795_410_000_000;
const ENROLMENTS_PER_CONSTABLE: usize = 25;

fn identity(number: u8, beat: &str) -> Result<DeviceIdentity, Box<dyn Error>> {
    Ok(DeviceIdentity {
        device_id: format!("koni-phone-{number}").parse()?,
        actor: [number; 16],
        badge: format!("CG-{:04}", 1200 + u32::from(number)).parse()?,
        station: STATION.parse()?,
        beats: vec![beat.parse()?],
        quota: 25,
    })
}

fn main() -> Result<(), Box<dyn Error>> {
    let dir = tempfile::tempdir()?;
    let rules = EnrolmentRules::standard(2026);
    let mut generator = Generator::new(2026);
    let mut hub = MemoryHub::default();
    // Each tap is a minute and a half after the last; a Cell lets syncs read the same clock.
    let clock_ms = std::cell::Cell::new(MORNING_MS);
    let moment = |generator: &mut Generator| {
        clock_ms.set(clock_ms.get() + 90_000);
        Moment {
            now_ms: clock_ms.get(),
            random: generator.next_u128(),
        }
    };

    let mut phones = Vec::new();
    for number in 1..=4u8 {
        let beat = BEATS[usize::from(number - 1) % BEATS.len()];
        let path = dir.path().join(format!("phone-{number}.db"));
        phones.push(Device::open(
            &path,
            &StoreKey::from_bytes([7; 32]),
            &identity(number, beat)?,
            rules.clone(),
        )?);
    }

    println!("Field day at {STATION}: 4 constables, 2 beats, all offline until evening\n");
    let mut first_of_beat: Vec<Option<(usize, mitan_core::model::EnrolmentForm)>> =
        vec![None; BEATS.len()];
    for (index, phone) in phones.iter_mut().enumerate() {
        let beat = BEATS[index % BEATS.len()];
        let mut warnings = 0;
        for village in 0..ENROLMENTS_PER_CONSTABLE {
            let lgd = Generator::village_lgd(index % BEATS.len(), village % 6);
            let mut form = generator.enrolment_form(STATION, beat, &lgd);
            // The second constable of each beat meets someone the first already enrolled.
            if village == 0 {
                match &first_of_beat[index % BEATS.len()] {
                    None => first_of_beat[index % BEATS.len()] = Some((index, form.clone())),
                    Some((_, earlier)) => form = earlier.clone(),
                }
            }
            let outcome = phone.enrol(&form, moment(&mut generator))?;
            warnings += outcome
                .problems
                .iter()
                .filter(|problem| matches!(problem, Problem::SamePhoneAs(_)))
                .count();
        }
        // A form with a local landline number and a zero-width space hidden in the name is
        // refused, field by field, and nothing of it is stored.
        let mut messy = generator.enrolment_form(STATION, beat, &Generator::village_lgd(0, 0));
        messy.phone = "223 4567".into();
        messy.name_latin = "Ra\u{200B}mesh".into();
        let refused = match phone.enrol(&messy, moment(&mut generator)) {
            Err(mitan_core::Error::Invalid(rejection)) => rejection
                .problems
                .iter()
                .map(|problem| format!("{}:{}", problem.field, problem.code))
                .collect::<Vec<_>>()
                .join(", "),
            other => format!("unexpected: {other:?}"),
        };
        println!(
            "{} enrolled {} offline ({} waiting to sync, {} same-phone warnings); refused a messy form: {refused}",
            phone.identity().badge,
            phone.my_quota()?.enrolled,
            phone.pending_sync_count()?,
            warnings,
        );
    }

    println!("\nEvening at the station: every phone syncs, twice round so news reaches all");
    for _ in 0..2 {
        for phone in phones.iter_mut() {
            let mut transport =
                |request: Vec<u8>| hub.handle(&request).map_err(|error| error.to_string());
            let report = phone.sync(&mut transport, clock_ms.get())?;
            println!(
                "  {}: {} round trip(s), {} B up, {} B down, {} acknowledged, {} received",
                phone.identity().badge,
                report.round_trips,
                report.bytes_up,
                report.bytes_down,
                report.acknowledged,
                report.received,
            );
        }
    }

    // The station in-charge reviews on the first phone: verify one, mark the twin a duplicate.
    let supervisor = &mut phones[0];
    let duplicates = supervisor.duplicate_phones()?;
    let rows = supervisor.list(&VolunteerFilter::default())?;
    if let Some(row) = rows.first() {
        supervisor.review(&row.id, Decision::Verify, moment(&mut generator))?;
    }
    for group in &duplicates {
        if let [kept, twin, ..] = group.as_slice() {
            let of: VolunteerId = *kept;
            supervisor.review(twin, Decision::DuplicateOf(of), moment(&mut generator))?;
        }
    }
    for phone in phones.iter_mut() {
        let mut transport =
            |request: Vec<u8>| hub.handle(&request).map_err(|error| error.to_string());
        phone.sync(&mut transport, clock_ms.get())?;
    }

    println!("\nAfter the supervisor's review and one more sync:");
    for phone in &phones {
        let quota = phone.my_quota()?;
        let beat_rows = phone.list(&VolunteerFilter::default())?;
        println!(
            "  {} sees {} volunteers in its beat; quota {}/{} counted ({} verified), {} waiting",
            phone.identity().badge,
            beat_rows.len(),
            quota.counted,
            quota.quota,
            quota.verified,
            phone.pending_sync_count()?,
        );
    }
    println!(
        "\nIn {}, the person enrolled twice offline was kept twice and flagged ({} pair), then marked duplicate",
        BEATS[0],
        duplicates.len()
    );
    Ok(())
}
