//! What the store keeps while a phone restored from a backup (or cloned) recovers: the new
//! actor and signing key drawn before re-registering, and the old actor's changes set aside
//! until they are written again (`device::recovery`, ADR 0008). Each step is one transaction,
//! so a phone switched off at any moment resumes where it stopped.

use rusqlite::{OptionalExtension, params};

use super::device_store::{
    DeviceIdentity, DeviceStore, changes_of, count, insert_change, write_identity,
};
use super::index;
use crate::error::{Error, Result};
use crate::model::{Camera, RosterChange, RosterId, Volunteer};
use crate::provenance::DeviceKey;
use crate::sync::Hash;

fn corrupt(reason: &str) -> Error {
    Error::Decode {
        what: "device replacement",
        reason: reason.to_owned(),
    }
}

impl DeviceStore {
    /// Keeps the actor and signing key drawn for re-registering, replacing any drawn before
    /// (a registration that failed, or whose answer was lost, is simply tried again with new
    /// ones).
    pub fn save_replacement(&mut self, actor: &[u8; 16], key: &DeviceKey) -> Result<()> {
        self.connection_mut().execute(
            "INSERT OR REPLACE INTO device_replacement (singleton, actor, secret)
             VALUES (1, ?1, ?2)",
            params![actor.as_slice(), key.secret().as_slice()],
        )?;
        Ok(())
    }

    /// The actor and signing key drawn for re-registering, if a recovery is under way.
    pub fn load_replacement(&self) -> Result<Option<([u8; 16], DeviceKey)>> {
        let row: Option<(Vec<u8>, Vec<u8>)> = self
            .connection()
            .query_row(
                "SELECT actor, secret FROM device_replacement WHERE singleton = 1",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        row.map(|(actor, secret)| {
            let actor: [u8; 16] = actor.try_into().map_err(|_| corrupt("actor"))?;
            let secret: [u8; 32] = secret.try_into().map_err(|_| corrupt("secret"))?;
            Ok((actor, DeviceKey::from_secret(secret)))
        })
        .transpose()
    }

    /// Switches the store to its new identity in one transaction: the identity and signing
    /// key drawn for it, every unacknowledged change of the old actor moved aside, and each
    /// roster that held one replaced by `rebuilt`, its snapshot without them (the snapshot
    /// holds everything else, so the roster's log is emptied).
    pub fn adopt_replacement(
        &mut self,
        identity: &DeviceIdentity,
        rebuilt: &[(RosterId, Vec<u8>)],
    ) -> Result<()> {
        let Some((actor, key)) = self.load_replacement()? else {
            return Err(corrupt("no replacement was drawn"));
        };
        if actor != identity.actor {
            return Err(corrupt(
                "the identity names another actor than the one drawn",
            ));
        }
        let transaction = self.connection_mut().transaction()?;
        transaction.execute(
            "INSERT INTO set_aside_change (seq, roster_id, hash, bytes)
             SELECT seq, roster_id, hash, bytes FROM roster_change WHERE local = 1 AND acked = 0",
            [],
        )?;
        for (roster, snapshot) in rebuilt {
            transaction.execute(
                "UPDATE roster SET snapshot = ?2 WHERE roster_id = ?1",
                params![roster.as_str(), snapshot],
            )?;
            transaction.execute(
                "DELETE FROM roster_change WHERE roster_id = ?1",
                [roster.as_str()],
            )?;
        }
        let left: i64 = transaction.query_row(
            "SELECT count(*) FROM roster_change WHERE local = 1 AND acked = 0",
            [],
            |row| row.get(0),
        )?;
        if left > 0 {
            // A roster with changes set aside was not rebuilt: its document would still hold
            // them under the old actor. Nothing is written.
            return Err(corrupt(
                "a roster holding unacknowledged changes was not rebuilt",
            ));
        }
        write_identity(&transaction, identity)?;
        transaction.execute(
            "UPDATE device_signing_key SET secret = ?1 WHERE singleton = 1",
            [key.secret().as_slice()],
        )?;
        transaction.execute("DELETE FROM device_replacement", [])?;
        transaction.commit()?;
        Ok(())
    }

    /// The rosters with changes set aside.
    pub fn rosters_set_aside(&self) -> Result<Vec<RosterId>> {
        let mut statement = self
            .connection()
            .prepare("SELECT DISTINCT roster_id FROM set_aside_change ORDER BY roster_id")?;
        let ids = statement
            .query_map([], |row| row.get::<_, String>(0))?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        ids.into_iter()
            .map(|id| id.parse().map_err(|_| corrupt("roster id")))
            .collect()
    }

    /// How many changes are set aside.
    pub fn set_aside_count(&self) -> Result<u64> {
        count(
            self.connection(),
            "SELECT count(*) FROM set_aside_change",
            [],
        )
    }

    /// The changes of `roster` set aside, in the order they were made.
    pub fn set_aside_changes(&self, roster: &RosterId) -> Result<Vec<RosterChange>> {
        changes_of(
            self.connection(),
            "SELECT hash, bytes FROM set_aside_change WHERE roster_id = ?1 ORDER BY seq",
            roster,
        )
    }

    /// Settles the changes of `roster` set aside, in one transaction: each is gone from the
    /// set; `reissued` pairs an original with the new change that wrote it again, logged as
    /// this device's own and unacknowledged, the keys it minted now going with the new change.
    pub fn save_reissued(
        &mut self,
        roster: &RosterId,
        reissued: &[(Hash, RosterChange)],
        volunteers: &[Volunteer],
        cameras: &[Camera],
    ) -> Result<()> {
        let transaction = self.connection_mut().transaction()?;
        transaction.execute(
            "DELETE FROM set_aside_change WHERE roster_id = ?1",
            [roster.as_str()],
        )?;
        for (original, change) in reissued {
            insert_change(&transaction, roster, change, true, false)?;
            transaction.execute(
                "UPDATE entry_key SET origin_change = ?2 WHERE origin_change = ?1",
                params![original.as_slice(), change.hash.as_slice()],
            )?;
        }
        index::save_volunteers(&transaction, roster, volunteers)?;
        index::save_cameras(&transaction, roster, cameras)?;
        transaction.commit()?;
        Ok(())
    }
}
