//! The server's signing key and what an audit export reads: every logged change with its
//! signature or manifest and receipt time, the manifests, and the public keys of the devices
//! that sent them.

use std::collections::BTreeMap;

use mitan_core::model::{BadgeNumber, DeviceId, RosterId};
use mitan_core::provenance::{
    DeviceKey, ExportedChange, ExportedDevice, ExportedManifest, Signature,
};
use rusqlite::{Connection, OptionalExtension};

use super::ServerStore;
use crate::error::{Error, Result};

/// Draws the server's signing key if the database has none (the first open after migration
/// 011), and gives every supervisor's server-side writer that has no public key the server's:
/// the server signs what it writes for them.
pub(super) fn ensure_server_key(connection: &mut Connection) -> Result<()> {
    let transaction = connection.transaction()?;
    let stored: Option<Vec<u8>> = transaction
        .query_row(
            "SELECT secret FROM server_signing_key WHERE singleton = 1",
            [],
            |row| row.get(0),
        )
        .optional()?;
    let key = match stored {
        Some(secret) => key_from(secret)?,
        None => {
            let secret = crate::auth::random_bytes::<32>()?;
            transaction.execute(
                "INSERT INTO server_signing_key (singleton, secret) VALUES (1, ?1)",
                [secret.as_slice()],
            )?;
            DeviceKey::from_secret(secret)
        }
    };
    transaction.execute(
        "UPDATE device SET public_key = ?1
         WHERE public_key IS NULL AND id IN (SELECT device_id FROM supervisor_actor)",
        [key.public().as_slice()],
    )?;
    transaction.commit()?;
    Ok(())
}

fn key_from(secret: Vec<u8>) -> Result<DeviceKey> {
    let secret: [u8; 32] = secret.try_into().map_err(|_| Error::Corrupt {
        what: "server signing key",
        reason: "not 32 bytes".into(),
    })?;
    Ok(DeviceKey::from_secret(secret))
}

fn corrupt(what: &'static str) -> Error {
    Error::Corrupt {
        what,
        reason: "stored value does not parse".into(),
    }
}

impl ServerStore {
    /// The server's signing key (drawn when the store was first opened for writing).
    pub fn load_server_key(&self) -> Result<DeviceKey> {
        let secret: Vec<u8> = self
            .connection
            .query_row(
                "SELECT secret FROM server_signing_key WHERE singleton = 1",
                [],
                |row| row.get(0),
            )
            .optional()?
            .ok_or_else(|| Error::Corrupt {
                what: "server signing key",
                reason: "missing: the store was never opened for writing".into(),
            })?;
        key_from(secret)
    }

    /// Every logged change of `roster` in receipt order, with the device that sent it, its
    /// signature or manifest, and the server's receipt time, as an export carries them. A
    /// manifest is named by its index in the export: `manifests` maps each manifest row met so
    /// far to its index, and gains the ones met here.
    pub fn load_changes_for_export(
        &self,
        roster: &RosterId,
        manifests: &mut BTreeMap<i64, u32>,
    ) -> Result<Vec<ExportedChange>> {
        let mut statement = self.connection.prepare_cached(
            "SELECT hash, bytes, device_id, signature, received_at_ms, manifest FROM change_log
             WHERE roster_id = ?1 ORDER BY seq",
        )?;
        let rows = statement.query_map([roster.as_str()], |row| {
            Ok((
                row.get::<_, Vec<u8>>(0)?,
                row.get::<_, Vec<u8>>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, Option<Vec<u8>>>(3)?,
                row.get::<_, i64>(4)?,
                row.get::<_, Option<i64>>(5)?,
            ))
        })?;
        let mut changes = Vec::new();
        for row in rows {
            let (hash, bytes, device, signature, received_at_ms, manifest) = row?;
            let manifest = manifest.map(|id| {
                let next = u32::try_from(manifests.len()).unwrap_or(u32::MAX);
                *manifests.entry(id).or_insert(next)
            });
            changes.push(ExportedChange {
                hash: hash.try_into().map_err(|_| corrupt("change hash"))?,
                bytes,
                device,
                signature: signature
                    .map(|signature| Signature::from_slice(&signature).ok_or(corrupt("signature")))
                    .transpose()?,
                received_at_ms,
                manifest,
            });
        }
        Ok(changes)
    }

    /// The manifests `manifests` maps to export indexes, in the order of those indexes.
    pub fn load_manifests_for_export(
        &self,
        manifests: &BTreeMap<i64, u32>,
    ) -> Result<Vec<ExportedManifest>> {
        let mut statement = self.connection.prepare_cached(
            "SELECT device_id, hashes, signature FROM sync_manifest WHERE id = ?1",
        )?;
        let mut by_index: Vec<(u32, ExportedManifest)> = Vec::with_capacity(manifests.len());
        for (id, index) in manifests {
            let (device, hashes, signature): (String, Vec<u8>, Vec<u8>) =
                statement.query_row([id], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?;
            let hashes = hashes
                .chunks_exact(32)
                .map(|hash| hash.try_into().expect("chunks of 32"))
                .collect();
            by_index.push((
                *index,
                ExportedManifest {
                    device,
                    hashes,
                    signature: Signature::from_slice(&signature)
                        .ok_or(corrupt("manifest signature"))?,
                },
            ));
        }
        by_index.sort_by_key(|(index, _)| *index);
        Ok(by_index.into_iter().map(|(_, manifest)| manifest).collect())
    }

    /// The devices named in `devices`, with their badge, actor and public key.
    pub fn load_devices_for_export(
        &self,
        devices: &std::collections::BTreeSet<DeviceId>,
    ) -> Result<Vec<ExportedDevice>> {
        let mut statement = self
            .connection
            .prepare_cached("SELECT badge, actor, public_key FROM device WHERE id = ?1")?;
        let mut exported = Vec::with_capacity(devices.len());
        for device in devices {
            let row: Option<(String, Vec<u8>, Option<Vec<u8>>)> = statement
                .query_row([device.as_str()], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                })
                .optional()?;
            let Some((badge, actor, public_key)) = row else {
                return Err(Error::Corrupt {
                    what: "change log",
                    reason: format!("device {device} sent changes but is not registered"),
                });
            };
            let badge: BadgeNumber = badge.parse().map_err(|_| corrupt("badge"))?;
            exported.push(ExportedDevice {
                device: device.to_string(),
                badge: badge.to_string(),
                actor: actor.try_into().map_err(|_| corrupt("actor"))?,
                public_key: public_key
                    .map(|key| key.try_into().map_err(|_| corrupt("public key")))
                    .transpose()?,
            });
        }
        Ok(exported)
    }
}
