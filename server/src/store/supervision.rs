//! Supervisors' server-side actors and the durable record of their actions.

use mitan_core::model::{BadgeNumber, DeviceId, RosterId, Volunteer};
use rusqlite::{OptionalExtension, params};

use super::ServerStore;
use super::keys::{KeyUpdate, save_key_update};
use super::rosters::{log_changes, save_volunteers};
use crate::error::{Error, Result};
use crate::store::ReceivedChange;

/// A supervisor's server-side writer: a `device` row nobody holds a credential for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupervisorDevice {
    /// Its device id.
    pub device: DeviceId,
    /// Its Automerge actor, used by the server alone.
    pub actor: [u8; 16],
}

/// One supervisor action, as logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionRecord {
    /// `verify`, `reject`, `duplicate`, `move` or `withdraw`.
    pub action: &'static str,
    /// The volunteer.
    pub volunteer: String,
    /// The roster written (the source roster of a move).
    pub roster: RosterId,
    /// The target roster of a move.
    pub target_roster: Option<RosterId>,
    /// The volunteer kept, for a duplicate.
    pub duplicate_of: Option<String>,
    /// The reason of a rejection.
    pub reason: Option<String>,
    /// The supervisor.
    pub badge: BadgeNumber,
    /// Their role.
    pub role: String,
    /// The device the request came from, or `cli`.
    pub requested_via: String,
    /// The hash of the (first) change written.
    pub change_hash: [u8; 32],
}

impl ServerStore {
    /// The server-side writer of `badge`, if one was made.
    pub fn load_supervisor_device(&self, badge: &BadgeNumber) -> Result<Option<SupervisorDevice>> {
        let row: Option<(String, Vec<u8>)> = self
            .connection
            .query_row(
                "SELECT d.id, d.actor FROM supervisor_actor s JOIN device d ON d.id = s.device_id
                 WHERE s.badge = ?1",
                [badge.as_str()],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        let corrupt = |what| Error::Corrupt {
            what,
            reason: "stored value does not parse".into(),
        };
        row.map(|(device, actor)| {
            Ok(SupervisorDevice {
                device: device.parse().map_err(|_| corrupt("device id"))?,
                actor: actor.try_into().map_err(|_| corrupt("actor"))?,
            })
        })
        .transpose()
    }

    /// Records a server-side writer for `badge`: a device row (so no phone can ever register
    /// the same actor, and the change log attributes it) and its link to the supervisor.
    pub fn save_supervisor_device(
        &mut self,
        badge: &BadgeNumber,
        writer: &SupervisorDevice,
        unusable_credential_hash: &[u8; 32],
        public_key: &[u8; 32],
        now_ms: i64,
    ) -> Result<()> {
        let transaction = self.connection.transaction()?;
        let taken: Option<i64> = transaction
            .query_row(
                "SELECT 1 FROM device WHERE actor = ?1",
                [writer.actor.as_slice()],
                |row| row.get(0),
            )
            .optional()?;
        if taken.is_some() {
            return Err(Error::Conflict {
                what: "actor",
                id: hex::encode(writer.actor),
            });
        }
        transaction.execute(
            "INSERT INTO device (id, badge, actor, credential_hash, registered_at_ms, public_key)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                writer.device.as_str(),
                badge.as_str(),
                writer.actor.as_slice(),
                unusable_credential_hash.as_slice(),
                now_ms,
                public_key.as_slice()
            ],
        )?;
        transaction.execute(
            "INSERT INTO supervisor_actor (badge, device_id, created_at_ms) VALUES (?1, ?2, ?3)",
            params![badge.as_str(), writer.device.as_str(), now_ms],
        )?;
        transaction.commit()?;
        Ok(())
    }

    /// Where a volunteer's live row is: its roster and status.
    pub fn volunteer_place(&self, id: &str) -> Result<Option<(String, String)>> {
        Ok(self
            .connection
            .query_row(
                "SELECT roster_id, status FROM volunteer WHERE id = ?1",
                [id],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?)
    }

    /// Durably stores a supervisor action in one transaction, as a sync merge stores a
    /// device's changes: the changes in the log (attributed to the supervisor's server-side
    /// device), the keys it destroys, the volunteer rows, and the action record.
    pub fn save_supervision(
        &mut self,
        writer: &SupervisorDevice,
        changes: &[ReceivedChange],
        volunteers: &[(RosterId, Volunteer)],
        record: &ActionRecord,
        keys: &KeyUpdate,
        now_ms: i64,
    ) -> Result<()> {
        let transaction = self.connection.transaction()?;
        log_changes(
            &transaction,
            changes,
            None,
            &writer.device,
            &record.badge,
            now_ms,
        )?;
        save_key_update(&transaction, keys, writer.device.as_str(), now_ms)?;
        save_volunteers(&transaction, &self.phone_index, volunteers, now_ms)?;
        transaction.execute(
            "INSERT INTO supervisor_action (action, volunteer_id, roster_id, target_roster_id,
                 duplicate_of, reason, badge, role, requested_via, change_hash, at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                record.action,
                record.volunteer,
                record.roster.as_str(),
                record.target_roster.as_ref().map(RosterId::as_str),
                record.duplicate_of,
                record.reason,
                record.badge.as_str(),
                record.role,
                record.requested_via,
                record.change_hash.as_slice(),
                now_ms
            ],
        )?;
        transaction.commit()?;
        self.purge_log_after_erasure(keys)
    }
}
