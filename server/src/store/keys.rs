//! Volunteers' data keys on the server: the district's copy of every key, taken from the
//! phone that enrolled the person and destroyed when the person withdraws. A key changes in
//! the same transaction as the merge that brings or erases it.

use std::collections::{BTreeMap, BTreeSet};

use mitan_core::model::VolunteerId;
use mitan_core::model::sealed::VolunteerKey;
use rusqlite::{Transaction, params};

use super::ServerStore;
use crate::error::{Error, Result};

/// Keys a merge adds or destroys.
#[derive(Debug, Clone, Default)]
pub struct KeyUpdate {
    /// Keys received, each checked against the entry it opens.
    pub added: Vec<(VolunteerId, VolunteerKey)>,
    /// Volunteers who withdrew: their keys are destroyed.
    pub erased: Vec<VolunteerId>,
}

impl KeyUpdate {
    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.erased.is_empty()
    }
}

pub(super) fn save_key_update(
    transaction: &Transaction<'_>,
    keys: &KeyUpdate,
    device: &str,
    now_ms: i64,
) -> Result<()> {
    // Keys never change, and an erased volunteer's key is never taken back.
    let mut add = transaction.prepare_cached(
        "INSERT OR IGNORE INTO volunteer_key (volunteer_id, key, from_device, received_at_ms)
         SELECT ?1, ?2, ?3, ?4
         WHERE NOT EXISTS (SELECT 1 FROM erased_volunteer WHERE volunteer_id = ?1)",
    )?;
    for (id, key) in &keys.added {
        add.execute(params![
            id.to_string(),
            key.as_bytes().as_slice(),
            device,
            now_ms
        ])?;
    }
    let mut erase =
        transaction.prepare_cached("DELETE FROM volunteer_key WHERE volunteer_id = ?1")?;
    let mut mark = transaction.prepare_cached(
        "INSERT OR IGNORE INTO erased_volunteer (volunteer_id, erased_at_ms) VALUES (?1, ?2)",
    )?;
    for id in &keys.erased {
        erase.execute([id.to_string()])?;
        mark.execute(params![id.to_string(), now_ms])?;
    }
    Ok(())
}

impl ServerStore {
    /// The keys held for `ids` (erased or never received ones are simply absent).
    pub fn load_keys(
        &self,
        ids: &BTreeSet<VolunteerId>,
    ) -> Result<BTreeMap<VolunteerId, VolunteerKey>> {
        let mut statement = self
            .connection
            .prepare_cached("SELECT key FROM volunteer_key WHERE volunteer_id = ?1")?;
        let mut keys = BTreeMap::new();
        for id in ids {
            let key: Option<Vec<u8>> = statement
                .query_row([id.to_string()], |row| row.get(0))
                .map(Some)
                .or_else(|error| match error {
                    rusqlite::Error::QueryReturnedNoRows => Ok(None),
                    other => Err(other),
                })?;
            if let Some(key) = key {
                let key: [u8; 32] = key.try_into().map_err(|_| Error::Corrupt {
                    what: "volunteer key",
                    reason: format!("key of {id} is not 32 bytes"),
                })?;
                keys.insert(*id, VolunteerKey::from_bytes(key));
            }
        }
        Ok(keys)
    }

    /// After a commit that destroyed keys or personal fields: folds the write-ahead log
    /// into the database and truncates it, so the pages that held them before the erasure
    /// do not live on in the log file.
    pub(super) fn purge_log_after_erasure(&self, keys: &KeyUpdate) -> Result<()> {
        if !keys.erased.is_empty() {
            self.connection
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        }
        Ok(())
    }

    /// How many keys the server holds.
    pub fn key_count(&self) -> Result<u64> {
        super::count(&self.connection, "SELECT count(*) FROM volunteer_key", [])
    }
}
