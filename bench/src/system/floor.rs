//! The floors: the same rows inserted straight into SQLite, one transaction per phone's
//! daily sync (WAL, `synchronous=FULL`, the servers' durability), and the bytes of the same
//! records as JSON compressed with zstd per daily batch. No server, no socket: the least
//! any system can do to keep these enrolments.
//!
//! Beside the plain bytes floor stands the sealed floor (issue 23): the same records, each
//! with its personal fields sealed as one value under a key of its own, the key carried
//! beside it, and one signature per sync. It is the least a system can send that keeps
//! Mitan's promises (erasure by destroying a key, every change signed), so Mitan's bytes up
//! are measured against it. It is a function of the workload alone, computed once per size
//! outside every timed part of the drive ([`sealed_floor`]).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Context;
use mitan_core::demo::Generator;
use mitan_core::model::EnrolmentRules;
use mitan_core::model::sealed::{EntryKey, Sealing};
use mitan_core::provenance::DeviceKey;
use rusqlite::Connection;

use super::{Finished, OwnBytes, System};
use crate::child::Usage;
use crate::records;
use crate::workload::{CURRENT_YEAR, Enrolment, Review, Workload};

/// The zstd level of Mitan's own sync messages, so the bytes floor is like for like.
pub const ZSTD_LEVEL: i32 = 15;

/// The records of one sync as the plain floor sends them before compression: one JSON array.
pub fn plain_batch<'a>(
    batch: impl IntoIterator<Item = &'a Enrolment>,
    badge: &str,
) -> anyhow::Result<Vec<u8>> {
    Ok(serde_json::to_vec(&serde_json::Value::Array(
        batch
            .into_iter()
            .map(|enrolment| records::json(enrolment, badge))
            .collect(),
    ))?)
}

/// Every sync of the drive as the floor makes them: each evening every phone syncs once and
/// sends what it enrolled that day, in the order typed (a phone with nothing new still
/// syncs). Yields the phone and its batch.
pub fn syncs(workload: &Workload) -> impl Iterator<Item = (usize, Vec<&Enrolment>)> {
    workload.days.iter().flat_map(move |day| {
        day.by_phone
            .iter()
            .enumerate()
            .map(move |(phone, indices)| {
                let batch = indices
                    .iter()
                    .map(|&index| &workload.enrolments[index])
                    .collect();
                (phone, batch)
            })
    })
}

/// The name the sealed value's associated data binds it to: the roster field a Mitan phone
/// writes the personal fields sealed together to (`all`, the core's `TOGETHER`). It is not
/// sent, so it changes no byte the floor counts.
const TOGETHER: &str = "all";

fn random_bytes<const N: usize>(generator: &mut Generator) -> [u8; N] {
    let mut bytes = [0; N];
    for chunk in bytes.chunks_mut(8) {
        let word = generator.next_u64().to_le_bytes();
        chunk.copy_from_slice(&word[..chunk.len()]);
    }
    bytes
}

/// The records of one sync as the sealed floor sends them before compression.
///
/// The encoding is the plain floor's JSON for what stays in the clear, and a binary tail for
/// what cannot: random bytes written as base64 or hex inside JSON would cost the sealed floor
/// a third or double of their size, and a floor should not be handicapped by its own format.
/// A batch is
///
/// ```text
/// u32 LE: length of the JSON
/// JSON: the batch's records without their personal fields (records::public_json), one array
/// for each record, in the JSON's order:
///     u16 LE: length of the sealed value
///     the sealed value: nonce (12) ‖ ChaCha20-Poly1305 ciphertext of Personal::together ‖ tag (16)
///     the record's key (32)
/// the device's Ed25519 signature of every byte above (64)
/// ```
///
/// The signature is the core's `DeviceKey::sign_export`, its one signing of a whole body;
/// a protocol 5 manifest signature is the same 64 bytes.
///
/// The plaintext is what a Mitan phone seals: the validated form's personal fields joined by
/// `Personal::together`, sealed by the core's own `Sealing`. Keys and nonces are drawn from
/// `generator`, so a seed gives the same bytes; ciphertext under any key looks random to zstd
/// all the same.
pub fn sealed_batch(
    batch: &[&Enrolment],
    badge: &str,
    device: &DeviceKey,
    rules: &EnrolmentRules,
    generator: &mut Generator,
) -> anyhow::Result<Vec<u8>> {
    let json = serde_json::to_vec(&serde_json::Value::Array(
        batch
            .iter()
            .map(|enrolment| records::public_json(enrolment, badge))
            .collect(),
    ))?;
    let mut frame = Vec::with_capacity(4 + json.len() + batch.len() * 200 + 64);
    frame.extend_from_slice(&u32::try_from(json.len())?.to_le_bytes());
    frame.extend_from_slice(&json);
    for enrolment in batch {
        let valid = enrolment.form.validate(rules).map_err(|rejection| {
            anyhow::anyhow!(
                "enrolment {}: refused by validation: {:?}",
                enrolment.id,
                rejection.first()
            )
        })?;
        let key: [u8; 32] = random_bytes(generator);
        let sealing = Sealing {
            key: EntryKey::from_bytes(key),
            nonce_seed: random_bytes(generator),
        };
        let sealed = sealing.seal(enrolment.id, TOGETHER, 0, &valid.personal.together());
        frame.extend_from_slice(&u16::try_from(sealed.len())?.to_le_bytes());
        frame.extend_from_slice(&sealed);
        frame.extend_from_slice(&key);
    }
    let signature = device.sign_export(&frame);
    frame.extend_from_slice(&signature.0);
    Ok(frame)
}

/// The seed of the sealed floor's keys, nonces and device keys, apart from the workload's
/// own draws.
const SEALED_FLOOR_STREAM: u64 = 0x5EA1_ED00;

/// Bytes up of the whole drive at the sealed floor: every sync of [`syncs`] encoded by
/// [`sealed_batch`] and compressed with zstd at [`ZSTD_LEVEL`], as the plain floor compresses
/// its JSON. Each phone signs with a device key of its own. The same workload (and so the
/// same seed) gives the same count.
pub fn sealed_floor(workload: &Workload) -> anyhow::Result<u64> {
    let mut generator = Generator::new(workload.seed ^ SEALED_FLOOR_STREAM);
    let devices: Vec<DeviceKey> = workload
        .phones
        .iter()
        .map(|_| DeviceKey::from_secret(random_bytes(&mut generator)))
        .collect();
    let rules = EnrolmentRules::standard(CURRENT_YEAR);
    let mut bytes = 0;
    for (phone, batch) in syncs(workload) {
        let frame = sealed_batch(
            &batch,
            &workload.phones[phone].badge,
            &devices[phone],
            &rules,
            &mut generator,
        )?;
        bytes += zstd::bulk::compress(&frame, ZSTD_LEVEL)?.len() as u64;
    }
    Ok(bytes)
}

/// SQLite and zstd JSON, in process.
#[derive(Default)]
pub struct Floor {
    path: PathBuf,
    connection: Mutex<Option<Connection>>,
    badges: Vec<String>,
    pending: Vec<Mutex<Vec<Enrolment>>>,
    bytes_up: AtomicU64,
}

/// Opens a SQLite file with the durability every server here uses.
pub fn open_durable(path: &Path) -> anyhow::Result<Connection> {
    let connection = Connection::open(path)?;
    connection.pragma_update(None, "journal_mode", "WAL")?;
    connection.pragma_update(None, "synchronous", "FULL")?;
    Ok(connection)
}

impl System for Floor {
    fn name(&self) -> &'static str {
        "floor"
    }

    fn start(
        &mut self,
        workload: &Workload,
        _exe: &Path,
        dir: &Path,
    ) -> anyhow::Result<Option<SocketAddr>> {
        self.path = dir.join("floor.db");
        let connection = open_durable(&self.path)?;
        connection.execute_batch(
            "CREATE TABLE volunteer (
                id TEXT PRIMARY KEY, beat TEXT NOT NULL, station TEXT NOT NULL,
                name_deva TEXT, name_latin TEXT, phone TEXT NOT NULL, gender TEXT NOT NULL,
                age INTEGER, village TEXT NOT NULL, household TEXT NOT NULL,
                programmes TEXT NOT NULL, consent_language TEXT NOT NULL,
                enrolled_by TEXT NOT NULL, device_clock_ms INTEGER NOT NULL,
                review TEXT, duplicate_of TEXT
            ) WITHOUT ROWID;
            CREATE INDEX volunteer_by_beat ON volunteer (beat);
            CREATE INDEX volunteer_by_phone ON volunteer (phone);",
        )?;
        *self
            .connection
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(connection);
        self.badges = workload.phones.iter().map(|p| p.badge.clone()).collect();
        self.pending = workload
            .phones
            .iter()
            .map(|_| Mutex::new(Vec::new()))
            .collect();
        Ok(None)
    }

    fn enrol(&self, enrolment: &Enrolment) -> anyhow::Result<()> {
        self.pending[enrolment.phone]
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(enrolment.clone());
        Ok(())
    }

    fn sync(&self, phone: usize, _day: usize, _link: Option<SocketAddr>) -> anyhow::Result<()> {
        let batch = std::mem::take(
            &mut *self.pending[phone]
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        let badge = &self.badges[phone];
        let compressed = zstd::bulk::compress(&plain_batch(&batch, badge)?, ZSTD_LEVEL)?;
        self.bytes_up
            .fetch_add(compressed.len() as u64, Ordering::Relaxed);
        let mut guard = self
            .connection
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let connection = guard.as_mut().context("the floor is started")?;
        let transaction = connection.transaction()?;
        {
            let mut insert = transaction.prepare_cached(
                "INSERT INTO volunteer VALUES
                 (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, NULL, NULL)",
            )?;
            for enrolment in &batch {
                let form = &enrolment.form;
                insert.execute(rusqlite::params![
                    enrolment.id.to_string(),
                    form.beat,
                    form.station,
                    form.name_devanagari,
                    form.name_latin,
                    form.phone,
                    form.gender,
                    form.age_years,
                    form.village_lgd,
                    form.household,
                    form.programmes.join(","),
                    form.consent_language,
                    badge,
                    enrolment.clock_ms,
                ])?;
            }
        }
        transaction.commit()?;
        Ok(())
    }

    fn review(
        &self,
        _station: usize,
        reviews: &[Review],
        _link: Option<SocketAddr>,
    ) -> anyhow::Result<()> {
        let mut guard = self
            .connection
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let connection = guard.as_mut().context("the floor is started")?;
        let transaction = connection.transaction()?;
        {
            let mut update = transaction.prepare_cached(
                "UPDATE volunteer SET review = ?2, duplicate_of = ?3 WHERE id = ?1",
            )?;
            for review in reviews {
                let (decision, kept) = match review {
                    Review::Verify(_) => ("verified", None),
                    Review::Duplicate(_, kept) => ("duplicate", Some(kept.to_string())),
                };
                update.execute(rusqlite::params![review.id().to_string(), decision, kept])?;
            }
        }
        transaction.commit()?;
        Ok(())
    }

    fn usage(&self) -> Option<Usage> {
        None
    }

    fn own_bytes(&self) -> Option<OwnBytes> {
        Some(OwnBytes {
            up: self.bytes_up.load(Ordering::Relaxed),
        })
    }

    fn finish(&mut self) -> anyhow::Result<Finished> {
        let connection = self
            .connection
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
            .context("the floor is started")?;
        let stored: i64 =
            connection.query_row("SELECT count(*) FROM volunteer", [], |row| row.get(0))?;
        let stored = stored as u64;
        Ok(Finished {
            stored,
            usage: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::{Plan, run};
    use crate::workload::{Mix, Size};
    use mitan_core::model::sealed::{SEAL_OVERHEAD, open};
    use mitan_core::provenance::{Signature, verify_export_signature};

    fn plain_floor(workload: &Workload) -> u64 {
        syncs(workload)
            .map(|(phone, batch)| {
                let json = plain_batch(batch, &workload.phones[phone].badge).expect("encodes");
                zstd::bulk::compress(&json, ZSTD_LEVEL)
                    .expect("compresses")
                    .len() as u64
            })
            .sum()
    }

    fn together(enrolment: &Enrolment) -> String {
        enrolment
            .form
            .validate(&EnrolmentRules::standard(CURRENT_YEAR))
            .expect("the workload's forms are valid")
            .personal
            .together()
    }

    #[test]
    fn the_syncs_are_the_floors_own_so_both_floors_batch_alike() {
        let workload = Workload::generate(Size::STATION, 7, Mix::default());
        let dir = tempfile::tempdir().expect("temp dir");
        let plan = Plan {
            two_g_sample: 0,
            ..Plan::default()
        };
        let mut floor = Floor::default();
        // The floor starts no server, so it needs no executable.
        let figures = run(&mut floor, &workload, &plan, Path::new(""), dir.path()).expect("plays");
        assert_eq!(figures.syncs, syncs(&workload).count() as u64);
        assert_eq!(figures.own_bytes_up, Some(plain_floor(&workload)));
        assert_eq!(
            syncs(&workload)
                .map(|(_, batch)| batch.len())
                .sum::<usize>(),
            workload.enrolments.len()
        );
    }

    #[test]
    fn the_sealed_floor_adds_at_least_a_sealed_value_and_a_key_per_enrolment_the_same_for_a_seed() {
        let workload = Workload::generate(Size::STATION, 7, Mix::default());
        let sealed = sealed_floor(&workload).expect("encodes");
        assert_eq!(
            sealed_floor(&workload).expect("encodes"),
            sealed,
            "keys, nonces and signatures are drawn from the seed"
        );
        let plain = plain_floor(&workload);
        let enrolments = workload.enrolments.len() as u64;
        // The nonce, the tag and the key are random bytes zstd cannot shrink, and neither can
        // it shrink the ciphertext of the personal fields, which the plain floor compresses.
        let incompressible: u64 = workload
            .enrolments
            .iter()
            .map(|enrolment| (together(enrolment).len() + SEAL_OVERHEAD + 32) as u64)
            .sum::<u64>()
            + 64 * syncs(&workload).count() as u64;
        assert!(sealed >= incompressible, "{sealed} < {incompressible}");
        assert!(
            sealed >= plain + (SEAL_OVERHEAD as u64 + 32) * enrolments,
            "sealed {sealed} against plain {plain}"
        );
        // And no more than the clear part, the sealed parts with their lengths, and the
        // JSON's length prefix with zstd's framing: the clear part compresses no worse than
        // the whole plain record.
        let framing = 2 * enrolments + (4 + 16) * syncs(&workload).count() as u64;
        assert!(
            sealed <= plain + incompressible + framing,
            "sealed {sealed} against plain {plain} + {incompressible} + {framing}"
        );
    }

    #[test]
    fn a_sealed_batch_opens_with_its_keys_and_its_signature_checks() {
        let workload = Workload::generate(Size::STATION, 7, Mix::default());
        let (phone, batch) = syncs(&workload)
            .find(|(_, batch)| batch.len() > 1)
            .expect("a phone enrols on the first evening");
        let badge = &workload.phones[phone].badge;
        let device = DeviceKey::from_secret([3; 32]);
        let rules = EnrolmentRules::standard(CURRENT_YEAR);
        let frame =
            sealed_batch(&batch, badge, &device, &rules, &mut Generator::new(1)).expect("encodes");
        let (body, signature) = frame.split_at(frame.len() - 64);
        let signature = Signature(signature.try_into().expect("64 bytes"));
        assert!(verify_export_signature(&device.public(), body, &signature));

        let json_len = u32::from_le_bytes(body[..4].try_into().expect("4 bytes")) as usize;
        let public: Vec<serde_json::Value> =
            serde_json::from_slice(&body[4..4 + json_len]).expect("JSON");
        assert_eq!(public.len(), batch.len());
        let mut rest = &body[4 + json_len..];
        for (enrolment, record) in batch.iter().zip(&public) {
            assert_eq!(*record, records::public_json(enrolment, badge));
            let sealed_len = u16::from_le_bytes([rest[0], rest[1]]) as usize;
            let (sealed, after) = rest[2..].split_at(sealed_len);
            let (key, after) = after.split_at(32);
            rest = after;
            let plaintext = together(enrolment);
            assert_eq!(sealed.len(), plaintext.len() + SEAL_OVERHEAD);
            let key = EntryKey::from_bytes(key.try_into().expect("32 bytes"));
            assert_eq!(
                open(&key, enrolment.id, TOGETHER, sealed).as_deref(),
                Some(plaintext.as_str())
            );
            assert!(
                plaintext.contains(enrolment.form.household.as_str()),
                "{plaintext}"
            );
        }
        assert!(rest.is_empty(), "nothing after the last record");
    }
}
