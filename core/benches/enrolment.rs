//! A durable enrolment through the device facade against the floor: a plain SQLite insert of
//! the same row with the same durability (WAL, synchronous=FULL), measured in the same run.
//! Goal: at most 3×.

mod support;

use std::time::Instant;

use mitan_core::demo::Generator;
use mitan_core::device::{Device, Moment};
use mitan_core::model::EnrolmentRules;
use mitan_core::store::DeviceIdentity;
use mitan_core::store::StoreKey;
use rusqlite::{Connection, params};

const COUNT: usize = 400;

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let beat = support::beat_code(1);
    let identity = DeviceIdentity {
        device_id: "dev-bench".parse().expect("valid"),
        actor: [7; 16],
        badge: "CG-777".parse().expect("valid"),
        station: support::STATION.parse().expect("valid"),
        beats: vec![beat.parse().expect("valid")],
        quota: 25,
    };
    let mut generator = Generator::new(7);
    let forms: Vec<_> = (0..COUNT)
        .map(|index| {
            generator.enrolment_form(
                support::STATION,
                &beat,
                &Generator::village_lgd(1, index % 8),
            )
        })
        .collect();

    // Floor: the same fields as one row, one durable transaction per row.
    let floor_path = dir.path().join("floor.db");
    let connection = Connection::open(&floor_path).expect("open");
    connection
        .pragma_update(None, "journal_mode", "WAL")
        .expect("wal");
    connection
        .pragma_update(None, "synchronous", "FULL")
        .expect("full");
    connection
        .execute_batch(
            "CREATE TABLE volunteer (id TEXT PRIMARY KEY, name_devanagari TEXT, name_latin TEXT, phone TEXT,
               gender TEXT, age INTEGER, village TEXT, household TEXT, beat TEXT, station TEXT, programmes TEXT,
               consent_language TEXT, consent_notice INTEGER, enrolled_by TEXT, enrolled_at INTEGER)",
        )
        .expect("schema");
    let started = Instant::now();
    for (index, form) in forms.iter().enumerate() {
        connection
            .execute(
                "INSERT INTO volunteer VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
                params![
                    format!("id-{index}"),
                    form.name_devanagari,
                    form.name_latin,
                    form.phone,
                    form.gender,
                    form.age_years,
                    form.village_lgd,
                    form.household,
                    form.beat,
                    form.station,
                    form.programmes.join(","),
                    form.consent_language,
                    form.consent_notice_version,
                    "CG-777",
                    index as i64
                ],
            )
            .expect("insert");
    }
    let floor = started.elapsed();

    let mut device = Device::open(
        &dir.path().join("device.db"),
        &StoreKey::from_bytes([7; 32]),
        &identity,
        EnrolmentRules::standard(2026),
    )
    .expect("open");
    let started = Instant::now();
    for (index, form) in forms.iter().enumerate() {
        let moment = Moment {
            now_ms: 1_763_900_000_000 + index as i64,
            random: generator.next_u128(),
        };
        device.enrol(form, moment).expect("enrol");
    }
    let mitan = started.elapsed();

    let per =
        |total: std::time::Duration| format!("{:.0} µs", total.as_secs_f64() * 1e6 / COUNT as f64);
    support::print_table(
        &format!("Durable enrolment vs plain SQLite insert ({COUNT} each, WAL + synchronous=FULL)"),
        &["what", "per enrolment", "ratio to floor"],
        &[
            vec![
                "plain SQLite insert (floor)".into(),
                per(floor),
                "1.00×".into(),
            ],
            vec![
                "Mitan enrolment (validate + Automerge change + change log + index)".into(),
                per(mitan),
                format!("{:.2}×", mitan.as_secs_f64() / floor.as_secs_f64()),
            ],
        ],
    );
    println!("goal: ≤ 3×");
}
