//! Roster entries' data keys on the server: the district's copy of every key, taken from the
//! phone that enrolled the volunteer or registered the camera, and destroyed when a volunteer
//! withdraws. A key changes in the same transaction as the merge that brings or erases it.

use std::collections::{BTreeMap, BTreeSet};

use mitan_core::model::sealed::EntryKey;
use mitan_core::model::{CameraId, EntryId, VolunteerId};
use rusqlite::{Transaction, params};

use super::ServerStore;
use crate::error::{Error, Result};

/// Keys a merge adds or destroys.
#[derive(Debug, Clone, Default)]
pub struct KeyUpdate {
    /// Keys received, each checked against the entry it opens.
    pub added: Vec<(EntryId, EntryKey)>,
    /// Volunteers who withdrew: their keys are destroyed.
    pub erased: Vec<VolunteerId>,
    /// Cameras removed from the register: their keys are destroyed.
    pub erased_cameras: Vec<CameraId>,
}

impl KeyUpdate {
    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && !self.erases()
    }

    /// Whether any key is destroyed.
    pub fn erases(&self) -> bool {
        !self.erased.is_empty() || !self.erased_cameras.is_empty()
    }
}

pub(super) fn save_key_update(
    transaction: &Transaction<'_>,
    keys: &KeyUpdate,
    device: &str,
    now_ms: i64,
) -> Result<()> {
    // Keys never change, and an erased entry's key is never taken back.
    let mut add = transaction.prepare_cached(
        "INSERT OR IGNORE INTO entry_key (entry_kind, entry_id, key, from_device, received_at_ms)
         SELECT ?1, ?2, ?3, ?4, ?5
         WHERE (?1 = 'volunteer'
                AND NOT EXISTS (SELECT 1 FROM erased_volunteer WHERE volunteer_id = ?2))
            OR (?1 = 'camera'
                AND NOT EXISTS (SELECT 1 FROM erased_camera WHERE camera_id = ?2))",
    )?;
    for (entry, key) in &keys.added {
        add.execute(params![
            entry.kind(),
            entry_text(entry),
            key.as_bytes().as_slice(),
            device,
            now_ms
        ])?;
    }
    let mut erase = transaction
        .prepare_cached("DELETE FROM entry_key WHERE entry_kind = 'volunteer' AND entry_id = ?1")?;
    let mut mark = transaction.prepare_cached(
        "INSERT OR IGNORE INTO erased_volunteer (volunteer_id, erased_at_ms) VALUES (?1, ?2)",
    )?;
    for id in &keys.erased {
        erase.execute([id.to_string()])?;
        mark.execute(params![id.to_string(), now_ms])?;
    }
    let mut erase_camera = transaction
        .prepare_cached("DELETE FROM entry_key WHERE entry_kind = 'camera' AND entry_id = ?1")?;
    let mut mark_camera = transaction.prepare_cached(
        "INSERT OR IGNORE INTO erased_camera (camera_id, erased_at_ms) VALUES (?1, ?2)",
    )?;
    for id in &keys.erased_cameras {
        erase_camera.execute([id.to_string()])?;
        mark_camera.execute(params![id.to_string(), now_ms])?;
    }
    Ok(())
}

/// The entry's id as the store writes it (the ULID text), beside its kind.
fn entry_text(entry: &EntryId) -> String {
    match entry {
        EntryId::Volunteer(id) => id.to_string(),
        EntryId::Camera(id) => id.to_string(),
    }
}

impl ServerStore {
    /// The keys held for `entries` (erased or never received ones are simply absent).
    pub fn load_keys(&self, entries: &BTreeSet<EntryId>) -> Result<BTreeMap<EntryId, EntryKey>> {
        let mut statement = self
            .connection
            .prepare_cached("SELECT key FROM entry_key WHERE entry_kind = ?1 AND entry_id = ?2")?;
        let mut keys = BTreeMap::new();
        for entry in entries {
            let key: Option<Vec<u8>> = statement
                .query_row(params![entry.kind(), entry_text(entry)], |row| row.get(0))
                .map(Some)
                .or_else(|error| match error {
                    rusqlite::Error::QueryReturnedNoRows => Ok(None),
                    other => Err(other),
                })?;
            if let Some(key) = key {
                let key: [u8; 32] = key.try_into().map_err(|_| Error::Corrupt {
                    what: "entry key",
                    reason: format!("key of {entry} is not 32 bytes"),
                })?;
                keys.insert(*entry, EntryKey::from_bytes(key));
            }
        }
        Ok(keys)
    }

    /// After a commit that destroyed keys or personal fields: folds the write-ahead log
    /// into the database and truncates it, so the pages that held them before the erasure
    /// do not live on in the log file.
    pub(super) fn purge_log_after_erasure(&self, keys: &KeyUpdate) -> Result<()> {
        if keys.erases() {
            self.connection
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        }
        Ok(())
    }

    /// How many keys the server holds, of volunteers and cameras alike.
    pub fn key_count(&self) -> Result<u64> {
        super::count(&self.connection, "SELECT count(*) FROM entry_key", [])
    }
}
