//! A durable enrolment through the device facade against the floor: a plain SQLite insert of
//! the same row with the same durability (WAL, synchronous=FULL), measured in the same run.
//! Goal: at most 3×. Also what encryption costs inside it: the same insert into a
//! SQLCipher-keyed file, and sealing the personal fields alone.

mod support;

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use mitan_core::demo::Generator;
use mitan_core::device::{Device, Moment};
use mitan_core::model::sealed::{EntryKey, Sealing};
use mitan_core::model::{Enrolment, EnrolmentForm, EnrolmentRules, VolunteerId};
use mitan_core::store::DeviceIdentity;
use mitan_core::store::StoreKey;
use rusqlite::{Connection, params};

const COUNT: usize = 400;
/// Sealing 400 enrolments takes about a millisecond, so it is timed as a median of runs.
const SEALING_RUNS: usize = 21;

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

    // Floors: the same fields as one row, one durable transaction per row; once in plain
    // SQLite and once in a SQLCipher file keyed the way `DeviceStore::open` keys the phone's
    // store, so their ratio is what page encryption alone costs.
    let plain = floor_connection(&dir.path().join("floor.db"), None);
    let cipher = floor_connection(&dir.path().join("floor-sqlcipher.db"), Some(&[9; 32]));
    let mut device = Device::open(
        &dir.path().join("device.db"),
        &StoreKey::from_bytes([7; 32]),
        &identity,
        EnrolmentRules::standard(2026),
    )
    .expect("open");

    // The three are interleaved row by row, because the other builds on this machine come and
    // go in bursts: measured one block after another, a burst lands on one side only.
    let mut plain_total = Duration::ZERO;
    let mut cipher_total = Duration::ZERO;
    let mut mitan_total = Duration::ZERO;
    for (index, form) in forms.iter().enumerate() {
        let started = Instant::now();
        insert_floor_row(&plain, index, form);
        plain_total += started.elapsed();

        let started = Instant::now();
        insert_floor_row(&cipher, index, form);
        cipher_total += started.elapsed();

        let moment = Moment {
            now_ms: 1_763_900_000_000 + index as i64,
            random: generator.next_u128(),
        };
        let started = Instant::now();
        device.enrol(form, moment).expect("enrol");
        mitan_total += started.elapsed();
    }

    // Sealing alone: the personal fields of each of the same enrolments, as `Roster::enrol`
    // seals them, with keys and nonce seeds drawn beforehand; and the draws themselves (a
    // key and a nonce seed per enrolment from the operating system, as `Device::enrol` does).
    let rules = EnrolmentRules::standard(2026);
    let enrolments: Vec<(VolunteerId, Enrolment)> = forms
        .iter()
        .enumerate()
        .map(|(index, form)| {
            let id = VolunteerId::from_parts(1_763_900_000_000 + index as u64, index as u128);
            (id, form.validate(&rules).expect("demo forms are valid"))
        })
        .collect();
    let sealings: Vec<Sealing> = enrolments
        .iter()
        .map(|_| Sealing {
            key: EntryKey::from_bytes(random_bytes()),
            nonce_seed: random_bytes(),
        })
        .collect();
    let fields: usize = enrolments
        .iter()
        .map(|(_, enrolment)| enrolment.personal.sealed_fields().len())
        .sum();
    let sealing_total = support::median_time(SEALING_RUNS, || {
        for ((id, enrolment), sealing) in enrolments.iter().zip(&sealings) {
            for (index, (field, value)) in (0u8..).zip(enrolment.personal.sealed_fields()) {
                black_box(sealing.seal(*id, field, index, value));
            }
        }
    });
    let drawing_total = support::median_time(SEALING_RUNS, || {
        for _ in 0..COUNT {
            black_box(EntryKey::from_bytes(random_bytes()));
            black_box(random_bytes::<12>());
        }
    });

    let per = |total: Duration| format!("{:.1} µs", total.as_secs_f64() * 1e6 / COUNT as f64);
    let ratio =
        |total: Duration| format!("{:.2}×", total.as_secs_f64() / plain_total.as_secs_f64());
    let share = |total: Duration| {
        format!(
            "{:.2} % of an enrolment",
            100.0 * total.as_secs_f64() / mitan_total.as_secs_f64()
        )
    };
    support::print_table(
        &format!(
            "Durable enrolment vs plain SQLite insert ({COUNT} each, interleaved, WAL + synchronous=FULL)"
        ),
        &["what", "per enrolment", "ratio to floor"],
        &[
            vec![
                "plain SQLite insert (floor)".into(),
                per(plain_total),
                "1.00×".into(),
            ],
            vec![
                "the same insert, SQLCipher-keyed file".into(),
                per(cipher_total),
                ratio(cipher_total),
            ],
            vec![
                "Mitan enrolment (validate + seal + Automerge change + change log + index + key, SQLCipher store)".into(),
                per(mitan_total),
                ratio(mitan_total),
            ],
        ],
    );
    support::print_table(
        &format!(
            "What encryption adds to an enrolment ({:.1} personal fields each on average; median of {SEALING_RUNS} runs over the {COUNT})",
            fields as f64 / COUNT as f64
        ),
        &["what", "per enrolment", "share"],
        &[
            vec![
                "sealing the personal fields (ChaCha20-Poly1305, `Sealing::seal` × fields)".into(),
                per(sealing_total),
                share(sealing_total),
            ],
            vec![
                "drawing a key and a nonce seed from the operating system".into(),
                per(drawing_total),
                share(drawing_total),
            ],
            // Signed: when the fsync dominates, the keyed file can come out faster, and
            // that noise is worth seeing rather than rounding to zero.
            vec![
                "page encryption: SQLCipher insert − plain insert".into(),
                format!(
                    "{:.1} µs",
                    (cipher_total.as_secs_f64() - plain_total.as_secs_f64()) * 1e6 / COUNT as f64
                ),
                format!(
                    "{:.2} % of an enrolment",
                    100.0 * (cipher_total.as_secs_f64() - plain_total.as_secs_f64())
                        / mitan_total.as_secs_f64()
                ),
            ],
        ],
    );
    println!(
        "ratios: durable enrolment / plain insert {:.2}×; SQLCipher insert / plain insert {:.2}×; sealing share of an enrolment {:.2} %",
        mitan_total.as_secs_f64() / plain_total.as_secs_f64(),
        cipher_total.as_secs_f64() / plain_total.as_secs_f64(),
        100.0 * sealing_total.as_secs_f64() / mitan_total.as_secs_f64()
    );
    let met = mitan_total.as_secs_f64() <= 3.0 * plain_total.as_secs_f64();
    println!("goal: ≤ 3×: {}", if met { "met" } else { "MISSED" });
}

/// A floor database with the phone store's durability; keyed like `DeviceStore::open` when
/// `key` is given (a raw key, so SQLCipher derives nothing).
fn floor_connection(path: &Path, key: Option<&[u8; 32]>) -> Connection {
    let connection = Connection::open(path).expect("open");
    if let Some(key) = key {
        let hex: String = key.iter().map(|byte| format!("{byte:02x}")).collect();
        connection
            .pragma_update(None, "key", format!("x'{hex}'"))
            .expect("key");
    }
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
    connection
}

fn insert_floor_row(connection: &Connection, index: usize, form: &EnrolmentForm) {
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

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the bench machine has randomness");
    bytes
}
