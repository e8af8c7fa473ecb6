//! Volunteers' data keys on the device: minted at enrolment, received from the server for
//! the volunteers the device may see, and destroyed when a volunteer withdraws. Keys change
//! in the same transaction as the changes that call for them, so a crash never leaves an
//! enrolment without its key or a withdrawal with one.

use std::collections::BTreeMap;

use rusqlite::{Transaction, params};

use super::device_store::DeviceStore;
use crate::error::{Error, Result};
use crate::model::sealed::VolunteerKey;
use crate::model::{RosterId, VolunteerId};
use crate::sync::{Hash, KeyGrant};

/// Keys a write adds or destroys.
#[derive(Debug, Clone, Default)]
pub struct KeyChanges {
    /// New keys, with the hash of this device's enrolment change for keys minted here.
    pub added: Vec<(VolunteerId, VolunteerKey, Option<Hash>)>,
    /// Keys to destroy: the volunteers withdrew.
    pub erased: Vec<VolunteerId>,
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
        "INSERT OR IGNORE INTO volunteer_key (volunteer_id, key, origin_change) VALUES (?1, ?2, ?3)",
    )?;
    for (id, key, origin) in &keys.added {
        add.execute(params![
            id.to_string(),
            key.as_bytes().as_slice(),
            origin.as_ref().map(|hash| hash.as_slice())
        ])?;
    }
    let mut erase =
        transaction.prepare_cached("DELETE FROM volunteer_key WHERE volunteer_id = ?1")?;
    for id in &keys.erased {
        erase.execute([id.to_string()])?;
    }
    Ok(())
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
    pub fn load_keys(&self) -> Result<BTreeMap<VolunteerId, VolunteerKey>> {
        let mut statement = self
            .connection()
            .prepare("SELECT volunteer_id, key FROM volunteer_key")?;
        let rows = statement
            .query_map([], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, Vec<u8>>(1)?))
            })?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(id, key)| {
                let id = id.parse().map_err(|_| corrupt("volunteer id"))?;
                let key: [u8; 32] = key.try_into().map_err(|_| corrupt("key is not 32 bytes"))?;
                Ok((id, VolunteerKey::from_bytes(key)))
            })
            .collect()
    }

    /// The keys minted here whose enrolment the server has not acknowledged in `roster`:
    /// they go with the next offer of that roster.
    pub fn keys_to_offer(&self, roster: &RosterId) -> Result<Vec<KeyGrant>> {
        let mut statement = self.connection().prepare_cached(
            "SELECT k.volunteer_id, k.key FROM volunteer_key k
             JOIN roster_change c ON c.roster_id = ?1 AND c.hash = k.origin_change
             WHERE k.origin_change IS NOT NULL AND c.acked = 0",
        )?;
        let rows = statement
            .query_map([roster.as_str()], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, Vec<u8>>(1)?))
            })?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(id, key)| {
                let id: VolunteerId = id.parse().map_err(|_| corrupt("volunteer id"))?;
                Ok(KeyGrant {
                    volunteer: id.to_bytes(),
                    key: key.try_into().map_err(|_| corrupt("key is not 32 bytes"))?,
                })
            })
            .collect()
    }

    /// Volunteers of `roster` whose personal fields this device holds sealed, without a key.
    pub fn sealed_volunteers(&self, roster: &RosterId) -> Result<Vec<VolunteerId>> {
        let mut statement = self.connection().prepare_cached(
            "SELECT id FROM volunteer WHERE roster_id = ?1 AND sealed = 1 ORDER BY id",
        )?;
        let ids = statement
            .query_map([roster.as_str()], |row| row.get::<_, String>(0))?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        ids.into_iter()
            .map(|id| id.parse().map_err(|_| corrupt("volunteer id")))
            .collect()
    }
}
