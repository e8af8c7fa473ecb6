//! Registered devices and the one-time codes they register with.

use mitan_core::model::{BadgeNumber, DeviceId};
use mitan_core::provenance::PublicKey;
use rusqlite::{OptionalExtension, params};

use super::ServerStore;
use crate::error::{Error, Result};

/// A registered device as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRecord {
    /// Its id.
    pub id: DeviceId,
    /// Whose it is.
    pub badge: BadgeNumber,
    /// The Automerge actor its changes must carry.
    pub actor: [u8; 16],
    /// Whether it was revoked (lost, stolen, replaced).
    pub revoked: bool,
    /// The Ed25519 public key its changes must be signed with; `None` for a device
    /// registered before keys were (migration 011), whose changes are refused.
    pub public_key: Option<PublicKey>,
}

/// A registered device as an administrator lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct DeviceListing {
    /// Its id.
    #[schema(value_type = String)]
    pub device: DeviceId,
    /// Whose it is.
    #[schema(value_type = String)]
    pub badge: BadgeNumber,
    /// When it registered (server clock).
    pub registered_at_ms: i64,
    /// When it was revoked, if it was.
    pub revoked_at_ms: Option<i64>,
    /// Who revoked it (a badge), or `replaced by DEVICE` when a phone restored from a backup
    /// re-registered itself with this device's credential.
    pub revoked_by: Option<String>,
    /// Whether it registered a signing key, without which its changes are refused.
    pub signs_changes: bool,
    /// When the server last received a change from it (a sync that sent nothing leaves no
    /// trace here).
    pub last_change_at_ms: Option<i64>,
    /// When it last synced, whether or not it sent anything.
    pub last_sync_at_ms: Option<i64>,
    /// The sync protocol it last spoke; `None` if it has not synced since the server began
    /// recording it. A phone still on an older protocol keeps the district's phones from
    /// sealing new entries' fields together (ADR 0011).
    pub sync_protocol: Option<u16>,
}

/// A code as issued: the clear text is shown once and never stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedCode {
    /// The code to give the constable.
    pub code: String,
    /// For whom.
    pub badge: BadgeNumber,
    /// When it stops working, by the server clock.
    pub expires_at_ms: i64,
}

/// What a registration asks the store to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    /// The hash of the one-time code presented.
    pub code_hash: [u8; 32],
    /// The new device's id.
    pub device: DeviceId,
    /// The actor the device will write with.
    pub actor: [u8; 16],
    /// The hash of the credential handed to the device.
    pub credential_hash: [u8; 32],
    /// The public key the device signs its changes with, if it registered one.
    pub public_key: Option<PublicKey>,
}

/// A device row as read: id, badge, actor, revoked, public key.
type DeviceRow = (String, String, Vec<u8>, bool, Option<Vec<u8>>);

fn read_device(row: &rusqlite::Row<'_>) -> rusqlite::Result<DeviceRow> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
    ))
}

fn to_record((id, badge, actor, revoked, public_key): DeviceRow) -> Result<DeviceRecord> {
    let corrupt = |what| Error::Corrupt {
        what,
        reason: "stored value does not parse".into(),
    };
    Ok(DeviceRecord {
        id: id.parse().map_err(|_| corrupt("device id"))?,
        badge: badge.parse().map_err(|_| corrupt("badge"))?,
        actor: actor.try_into().map_err(|_| corrupt("actor"))?,
        revoked,
        public_key: public_key
            .map(|key| key.try_into().map_err(|_| corrupt("public key")))
            .transpose()?,
    })
}

/// Records a one-time code in `table` (`registration_code` or `console_code`, which share
/// their columns): only its hash, for whom, by whom, and until when.
pub(super) fn insert_code(
    connection: &rusqlite::Connection,
    table: &'static str,
    code_hash: &[u8; 32],
    badge: &BadgeNumber,
    issued_by: &str,
    now_ms: i64,
    expires_at_ms: i64,
) -> Result<()> {
    connection.execute(
        &format!(
            "INSERT INTO {table} (code_hash, badge, issued_by, issued_at_ms, expires_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5)"
        ),
        params![
            code_hash.as_slice(),
            badge.as_str(),
            issued_by,
            now_ms,
            expires_at_ms
        ],
    )?;
    Ok(())
}

/// Stores the device `registration` names for `badge`, refusing an actor some device already
/// writes with: an actor belongs to exactly one writer.
fn insert_device(
    transaction: &rusqlite::Transaction<'_>,
    badge: &str,
    registration: &Registration,
    now_ms: i64,
) -> Result<()> {
    let actor_taken: Option<i64> = transaction
        .query_row(
            "SELECT 1 FROM device WHERE actor = ?1",
            [registration.actor.as_slice()],
            |row| row.get(0),
        )
        .optional()?;
    if actor_taken.is_some() {
        return Err(Error::Conflict {
            what: "actor",
            id: hex::encode(registration.actor),
        });
    }
    transaction.execute(
        "INSERT INTO device (id, badge, actor, credential_hash, registered_at_ms, public_key)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            registration.device.as_str(),
            badge,
            registration.actor.as_slice(),
            registration.credential_hash.as_slice(),
            now_ms,
            registration.public_key.as_ref().map(|key| key.as_slice())
        ],
    )?;
    Ok(())
}

impl ServerStore {
    /// Records a registration code for `badge`, issued by `issued_by`.
    pub fn save_registration_code(
        &mut self,
        code_hash: &[u8; 32],
        badge: &BadgeNumber,
        issued_by: &str,
        now_ms: i64,
        expires_at_ms: i64,
    ) -> Result<()> {
        insert_code(
            &self.connection,
            "registration_code",
            code_hash,
            badge,
            issued_by,
            now_ms,
            expires_at_ms,
        )
    }

    /// Registers a device with a one-time code, in one transaction: the code is spent if and
    /// only if the device is stored. Returns the badge the code was issued for.
    pub fn register_device(
        &mut self,
        registration: &Registration,
        now_ms: i64,
    ) -> Result<BadgeNumber> {
        let transaction = self.connection.transaction()?;
        let badge: Option<String> = transaction
            .query_row(
                "SELECT badge FROM registration_code
                 WHERE code_hash = ?1 AND used_at_ms IS NULL AND expires_at_ms > ?2",
                params![registration.code_hash.as_slice(), now_ms],
                |row| row.get(0),
            )
            .optional()?;
        // An unknown, spent or expired code are refused alike, so a guesser learns nothing.
        let badge = badge.ok_or(Error::Unauthorized)?;
        insert_device(&transaction, &badge, registration, now_ms)?;
        transaction.execute(
            "UPDATE registration_code SET used_at_ms = ?2, used_by_device = ?3 WHERE code_hash = ?1",
            params![
                registration.code_hash.as_slice(),
                now_ms,
                registration.device.as_str()
            ],
        )?;
        transaction.commit()?;
        badge.parse().map_err(|_| Error::Corrupt {
            what: "badge",
            reason: "stored value does not parse".into(),
        })
    }

    /// Registers `registration.device` in place of `old`, in one transaction: the new device
    /// is stored for `old`'s owner and `old` is revoked (`replaced by` the new one). Returns
    /// the owner's badge. A revoked `old` replaces nothing.
    pub fn replace_device(
        &mut self,
        old: &DeviceId,
        registration: &Registration,
        now_ms: i64,
    ) -> Result<BadgeNumber> {
        let transaction = self.connection.transaction()?;
        let badge: Option<String> = transaction
            .query_row(
                "SELECT badge FROM device WHERE id = ?1 AND revoked_at_ms IS NULL",
                [old.as_str()],
                |row| row.get(0),
            )
            .optional()?;
        let badge = badge.ok_or(Error::Unauthorized)?;
        insert_device(&transaction, &badge, registration, now_ms)?;
        transaction.execute(
            "UPDATE device SET revoked_at_ms = ?2, revoked_by = ?3 WHERE id = ?1",
            params![
                old.as_str(),
                now_ms,
                format!("replaced by {}", registration.device)
            ],
        )?;
        transaction.commit()?;
        badge.parse().map_err(|_| Error::Corrupt {
            what: "badge",
            reason: "stored value does not parse".into(),
        })
    }

    /// The device holding a credential with this hash, revoked or not.
    pub fn load_device_by_credential(&self, hash: &[u8; 32]) -> Result<Option<DeviceRecord>> {
        self.connection
            .query_row(
                "SELECT id, badge, actor, revoked_at_ms IS NOT NULL, public_key FROM device
                 WHERE credential_hash = ?1",
                [hash.as_slice()],
                read_device,
            )
            .optional()?
            .map(to_record)
            .transpose()
    }

    /// Every registered device with its owner, when it registered, whether it was revoked,
    /// and when the server last received a change from it; newest first.
    pub fn load_devices(&self) -> Result<Vec<DeviceListing>> {
        let mut statement = self.connection.prepare_cached(
            "SELECT d.id, d.badge, d.registered_at_ms, d.revoked_at_ms, d.public_key IS NOT NULL,
                    (SELECT max(received_at_ms) FROM change_log c WHERE c.device_id = d.id),
                    d.revoked_by, d.last_sync_at_ms, d.protocol
             FROM device d
             WHERE NOT EXISTS (SELECT 1 FROM supervisor_actor s WHERE s.device_id = d.id)
             ORDER BY d.registered_at_ms DESC, d.id",
        )?;
        let rows = statement
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, i64>(2)?,
                    row.get::<_, Option<i64>>(3)?,
                    row.get::<_, bool>(4)?,
                    row.get::<_, Option<i64>>(5)?,
                    row.get::<_, Option<String>>(6)?,
                    row.get::<_, Option<i64>>(7)?,
                    row.get::<_, Option<u16>>(8)?,
                ))
            })?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(
                |(id, badge, registered, revoked, signs, last, revoked_by, synced, protocol)| {
                    Ok(DeviceListing {
                        device: id.parse().map_err(|_| Error::Corrupt {
                            what: "device id",
                            reason: id.clone(),
                        })?,
                        badge: badge.parse().map_err(|_| Error::Corrupt {
                            what: "badge",
                            reason: badge.clone(),
                        })?,
                        registered_at_ms: registered,
                        revoked_at_ms: revoked,
                        revoked_by,
                        signs_changes: signs,
                        last_change_at_ms: last,
                        last_sync_at_ms: synced,
                        sync_protocol: protocol,
                    })
                },
            )
            .collect()
    }

    /// A device by id.
    pub fn load_device(&self, id: &DeviceId) -> Result<Option<DeviceRecord>> {
        self.connection
            .query_row(
                "SELECT id, badge, actor, revoked_at_ms IS NOT NULL, public_key FROM device
                 WHERE id = ?1",
                [id.as_str()],
                read_device,
            )
            .optional()?
            .map(to_record)
            .transpose()
    }

    /// Revokes a device; its credential stops working at once. Revoking twice keeps the
    /// first record of who did it and when.
    pub fn revoke_device(&mut self, id: &DeviceId, revoked_by: &str, now_ms: i64) -> Result<()> {
        let changed = self.connection.execute(
            "UPDATE device SET revoked_at_ms = coalesce(revoked_at_ms, ?2),
                 revoked_by = coalesce(revoked_by, ?3) WHERE id = ?1",
            params![id.as_str(), now_ms, revoked_by],
        )?;
        if changed == 0 {
            return Err(Error::NotFound {
                what: "device",
                id: id.to_string(),
            });
        }
        Ok(())
    }
}
