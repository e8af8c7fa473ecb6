//! The floors: the same rows inserted straight into SQLite, one transaction per phone's
//! daily sync (WAL, `synchronous=FULL`, the servers' durability), and the bytes of the same
//! records as JSON compressed with zstd per daily batch. No server, no socket: the least
//! any system can do to keep these enrolments.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Context;
use rusqlite::Connection;

use super::{Finished, OwnBytes, System};
use crate::child::Usage;
use crate::records;
use crate::workload::{Enrolment, Review, Workload};

/// The zstd level of Mitan's own sync messages, so the bytes floor is like for like.
const ZSTD_LEVEL: i32 = 15;

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
        let json = serde_json::to_vec(&serde_json::Value::Array(
            batch.iter().map(|e| records::json(e, badge)).collect(),
        ))?;
        let compressed = zstd::bulk::compress(&json, ZSTD_LEVEL)?;
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
