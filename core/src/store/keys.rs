//! Roster entries' data keys on the device: minted at a volunteer's enrolment or a camera's
//! registration, received from the server for the entries the device may see, and destroyed
//! when a volunteer withdraws. Keys change in the same transaction as the changes that call
//! for them, so a crash never leaves an enrolment without its key or a withdrawal with one.

use std::collections::BTreeMap;

use rusqlite::{Transaction, params};

use super::device_store::DeviceStore;
use crate::error::{Error, Result};
use crate::model::sealed::EntryKey;
use crate::model::{EntryId, RosterId};
use crate::sync::{Hash, KeyGrant};

/// Keys a write adds or destroys.
#[derive(Debug, Clone, Default)]
pub struct KeyChanges {
    /// New keys, with the hash of this device's change writing the entry for keys minted
    /// here.
    pub added: Vec<(EntryId, EntryKey, Option<Hash>)>,
    /// Keys to destroy: the volunteers withdrew.
    pub erased: Vec<EntryId>,
}

impl KeyChanges {
    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.erased.is_empty()
    }
}

pub(super) fn save_key_changes(transaction: &Transaction<'_>, keys: &KeyChanges) -> Result<()> {
    // A key already held is kept: keys never change, and the one minted here carries the
    // origin that decides when it is sent.
    let mut add = transaction.prepare_cached(
        "INSERT OR IGNORE INTO entry_key (entry_kind, entry_id, key, origin_change)
         VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (entry, key, origin) in &keys.added {
        add.execute(params![
            entry.kind(),
            entry_text(entry),
            key.as_bytes().as_slice(),
            origin.as_ref().map(|hash| hash.as_slice())
        ])?;
    }
    let mut erase = transaction
        .prepare_cached("DELETE FROM entry_key WHERE entry_kind = ?1 AND entry_id = ?2")?;
    for entry in &keys.erased {
        erase.execute([entry.kind().to_owned(), entry_text(entry)])?;
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

fn corrupt(reason: &str) -> Error {
    Error::Decode {
        what: "stored key",
        reason: reason.to_owned(),
    }
}

impl DeviceStore {
    /// After a commit that destroyed keys: folds the write-ahead log into the database and
    /// truncates it, so the pages that held the erased person's name and key before the
    /// erasure do not live on in the log file.
    pub(super) fn purge_log_after_erasure(&self, keys: &KeyChanges) -> Result<()> {
        if !keys.erased.is_empty() {
            self.connection()
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        }
        Ok(())
    }

    /// Every key this device holds.
    pub fn load_keys(&self) -> Result<BTreeMap<EntryId, EntryKey>> {
        let mut statement = self
            .connection()
            .prepare("SELECT entry_kind, entry_id, key FROM entry_key")?;
        let rows = statement
            .query_map([], read_key_row)?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(kind, id, key)| {
                let entry = EntryId::parse(&kind, &id).ok_or_else(|| corrupt("entry id"))?;
                let key: [u8; 32] = key.try_into().map_err(|_| corrupt("key is not 32 bytes"))?;
                Ok((entry, EntryKey::from_bytes(key)))
            })
            .collect()
    }

    /// The keys minted here whose change writing the entry the server has not acknowledged
    /// in `roster`: they go with the next offer of that roster.
    pub fn keys_to_offer(&self, roster: &RosterId) -> Result<Vec<KeyGrant>> {
        let mut statement = self.connection().prepare_cached(
            "SELECT k.entry_kind, k.entry_id, k.key FROM entry_key k
             JOIN roster_change c ON c.roster_id = ?1 AND c.hash = k.origin_change
             WHERE k.origin_change IS NOT NULL AND c.acked = 0",
        )?;
        let rows = statement
            .query_map([roster.as_str()], read_key_row)?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(kind, id, key)| {
                let entry = EntryId::parse(&kind, &id).ok_or_else(|| corrupt("entry id"))?;
                Ok(KeyGrant {
                    entry: entry.into(),
                    key: key.try_into().map_err(|_| corrupt("key is not 32 bytes"))?,
                })
            })
            .collect()
    }

    /// Entries of `roster` (volunteers, then cameras) whose personal fields this device holds
    /// sealed, without a key.
    pub fn sealed_entries(&self, roster: &RosterId) -> Result<Vec<EntryId>> {
        let mut statement = self.connection().prepare_cached(
            "SELECT 'volunteer', id FROM volunteer WHERE roster_id = ?1 AND sealed = 1
             UNION ALL
             SELECT 'camera', id FROM camera WHERE roster_id = ?1 AND sealed = 1
             ORDER BY 1 DESC, 2",
        )?;
        let rows = statement
            .query_map([roster.as_str()], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
            })?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(kind, id)| EntryId::parse(&kind, &id).ok_or_else(|| corrupt("entry id")))
            .collect()
    }
}

fn read_key_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<(String, String, Vec<u8>)> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
}
