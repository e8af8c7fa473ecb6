//! `DeviceStore`: the SQLite file on the phone.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::index;
use super::keys::{KeyChanges, save_key_changes};
use super::schema::migrate;
use crate::error::{Error, Result};
use crate::model::{BadgeNumber, Camera, DeviceId, RosterChange, RosterId, UnitCode, Volunteer};
use crate::provenance::DeviceKey;
use crate::sync::Hash;

/// Who this device is: fixed at registration and stored in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceIdentity {
    /// The id the server gave the device.
    pub device_id: DeviceId,
    /// The Automerge actor the device writes with (registered with the server).
    pub actor: [u8; 16],
    /// The badge number of the constable using it.
    pub badge: BadgeNumber,
    /// The constable's station.
    pub station: UnitCode,
    /// The beats the constable works, one roster each.
    pub beats: Vec<UnitCode>,
    /// The enrolment quota per employee (25 in the Bilaspur drive).
    pub quota: u32,
}

/// What the store holds of one roster: a snapshot and the changes logged after it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RosterParts {
    /// The compacted document, if the roster was ever compacted.
    pub snapshot: Option<Vec<u8>>,
    /// Changes stored after the snapshot (or all of them), in the order stored.
    pub changes: Vec<Vec<u8>>,
}

/// The key the whole store file is encrypted with (SQLCipher, AES-256 per page). The app
/// supplies it: on Android it is generated once and kept in the Keystore, so a store file
/// copied off the phone shows nothing without it.
#[derive(Clone, PartialEq, Eq)]
pub struct StoreKey([u8; 32]);

impl StoreKey {
    /// The key with these bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        StoreKey(bytes)
    }

    /// The key's bytes, for the app to keep.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl std::fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A key must never reach a log line.
        f.write_str("StoreKey(…)")
    }
}

/// The on-device SQLite store.
#[derive(Debug)]
pub struct DeviceStore {
    connection: Connection,
}

impl DeviceStore {
    /// Opens (creating and migrating if needed) the store at `path`, encrypted with `key`.
    /// A file written under another key, or not a store at all, is refused with
    /// [`Error::StoreLocked`] and left untouched.
    pub fn open(path: &Path, key: &StoreKey) -> Result<Self> {
        finish_sqlcipher_setup();
        let mut connection = Connection::open(path)?;
        // The key must be the first thing the connection sees. It is a raw 256-bit key, so
        // SQLCipher skips its passphrase derivation: the Keystore already made it random.
        let hex: String = key.0.iter().map(|byte| format!("{byte:02x}")).collect();
        connection.pragma_update(None, "key", format!("x'{hex}'"))?;
        // Before anything reads the file: a second connection opened while the first is
        // writing (as the crash tests open one to check the store) waits instead of failing,
        // and a lock is never mistaken for a wrong key below. Transactions take the write
        // lock as they begin, since SQLite upgrades a read to a write under another writer
        // without waiting ("database is locked" at once).
        connection.busy_timeout(std::time::Duration::from_secs(5))?;
        connection.set_transaction_behavior(rusqlite::TransactionBehavior::Immediate);
        if connection
            .query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))
            .is_err()
        {
            return Err(Error::StoreLocked);
        }
        // WAL lets readers run beside the writer; synchronous=FULL fsyncs the WAL at every
        // commit, which is what makes "acknowledged" mean "survives power loss" on a phone
        // whose battery dies mid-enrolment.
        connection.pragma_update(None, "journal_mode", "WAL")?;
        connection.pragma_update(None, "synchronous", "FULL")?;
        connection.pragma_update(None, "foreign_keys", true)?;
        // Erasure must reach the file: deleted rows (a destroyed key, a withdrawn person's
        // name) are overwritten with zeros instead of lingering in free pages.
        connection.pragma_update(None, "secure_delete", true)?;
        migrate(&mut connection)?;
        Ok(DeviceStore { connection })
    }

    /// The identity stored at registration, if any.
    pub fn load_identity(&self) -> Result<Option<DeviceIdentity>> {
        let row = self
            .connection
            .query_row(
                "SELECT device_id, actor, badge, station, quota FROM device_identity",
                [],
                |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, Vec<u8>>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, String>(3)?,
                        row.get::<_, u32>(4)?,
                    ))
                },
            )
            .optional()?;
        let Some((device_id, actor, badge, station, quota)) = row else {
            return Ok(None);
        };
        let corrupt = |what: &str| Error::Decode {
            what: "device identity",
            reason: what.to_owned(),
        };
        let mut statement = self
            .connection
            .prepare("SELECT beat FROM device_beat ORDER BY beat")?;
        let beats = statement
            .query_map([], |row| row.get::<_, String>(0))?
            .map(|beat| beat?.parse().map_err(|_| corrupt("beat")))
            .collect::<Result<Vec<UnitCode>>>()?;
        Ok(Some(DeviceIdentity {
            device_id: device_id.parse().map_err(|_| corrupt("device id"))?,
            actor: actor.try_into().map_err(|_| corrupt("actor"))?,
            badge: badge.parse().map_err(|_| corrupt("badge"))?,
            station: station.parse().map_err(|_| corrupt("station"))?,
            beats,
            quota,
        }))
    }

    /// The device's signing key, if one was drawn.
    pub fn load_signing_key(&self) -> Result<Option<DeviceKey>> {
        let stored: Option<Vec<u8>> = self
            .connection
            .query_row(
                "SELECT secret FROM device_signing_key WHERE singleton = 1",
                [],
                |row| row.get(0),
            )
            .optional()?;
        stored
            .map(|secret| {
                let secret: [u8; 32] = secret.try_into().map_err(|_| Error::Decode {
                    what: "device signing key",
                    reason: "stored secret is not 32 bytes".into(),
                })?;
                Ok(DeviceKey::from_secret(secret))
            })
            .transpose()
    }

    /// The device's signing key, drawn from the operating system's RNG and stored on first
    /// call (before registration, which sends its public half), the stored one after.
    pub fn load_or_create_signing_key(&mut self) -> Result<DeviceKey> {
        if let Some(key) = self.load_signing_key()? {
            return Ok(key);
        }
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(|error| Error::Randomness(error.to_string()))?;
        // OR IGNORE and a re-read: if another connection drew a key first, both use that one.
        self.connection.execute(
            "INSERT OR IGNORE INTO device_signing_key (singleton, secret) VALUES (1, ?1)",
            [secret.as_slice()],
        )?;
        self.load_signing_key()?.ok_or_else(|| Error::Decode {
            what: "device signing key",
            reason: "not stored after it was drawn".into(),
        })
    }

    /// Keeps the bearer credential issued for `device`, replacing one kept for it before.
    pub fn save_credential(&mut self, device: &DeviceId, credential: &str) -> Result<()> {
        self.connection.execute(
            "INSERT OR REPLACE INTO device_credential (device_id, credential) VALUES (?1, ?2)",
            params![device.as_str(), credential],
        )?;
        Ok(())
    }

    /// The bearer credential kept for `device`, if any.
    pub fn load_credential(&self, device: &DeviceId) -> Result<Option<String>> {
        Ok(self
            .connection
            .query_row(
                "SELECT credential FROM device_credential WHERE device_id = ?1",
                [device.as_str()],
                |row| row.get(0),
            )
            .optional()?)
    }

    /// Stores the device's identity and creates an empty roster row for each beat.
    pub fn save_identity(&mut self, identity: &DeviceIdentity) -> Result<()> {
        let transaction = self.connection.transaction()?;
        write_identity(&transaction, identity)?;
        transaction.commit()?;
        Ok(())
    }

    /// The rosters held on this device.
    pub fn roster_ids(&self) -> Result<Vec<RosterId>> {
        let mut statement = self
            .connection
            .prepare("SELECT roster_id FROM roster ORDER BY roster_id")?;
        let ids = statement
            .query_map([], |row| row.get::<_, String>(0))?
            .map(|id| {
                id?.parse().map_err(|_| Error::Decode {
                    what: "roster id",
                    reason: "stored id is malformed".into(),
                })
            })
            .collect::<Result<Vec<RosterId>>>()?;
        Ok(ids)
    }

    /// The snapshot and logged changes of a roster.
    pub fn load_roster(&self, roster: &RosterId) -> Result<RosterParts> {
        let snapshot = self
            .connection
            .query_row(
                "SELECT snapshot FROM roster WHERE roster_id = ?1",
                [roster.as_str()],
                |row| row.get::<_, Option<Vec<u8>>>(0),
            )
            .optional()?
            .flatten();
        let mut statement = self
            .connection
            .prepare_cached("SELECT bytes FROM roster_change WHERE roster_id = ?1 ORDER BY seq")?;
        let changes = statement
            .query_map([roster.as_str()], |row| row.get::<_, Vec<u8>>(0))?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(RosterParts { snapshot, changes })
    }

    /// Records whether the server lets this phone seal new entries' personal fields together,
    /// for each of `rosters` (as its registration answer says, before any sync).
    pub fn set_seal_together(&mut self, rosters: &[RosterId], allowed: bool) -> Result<()> {
        let transaction = self.connection.transaction()?;
        for roster in rosters {
            ensure_roster(&transaction, roster)?;
            transaction.execute(
                "UPDATE roster SET seal_together = ?2 WHERE roster_id = ?1",
                params![roster.as_str(), allowed],
            )?;
        }
        transaction.commit()?;
        Ok(())
    }

    /// Whether the server's last reply let this phone seal new entries' personal fields of
    /// `roster` together (`Roster::seal_personal_together`).
    pub fn seals_together(&self, roster: &RosterId) -> Result<bool> {
        Ok(self
            .connection
            .query_row(
                "SELECT seal_together FROM roster WHERE roster_id = ?1",
                [roster.as_str()],
                |row| row.get(0),
            )
            .optional()?
            .unwrap_or(false))
    }

    /// Durably stores one change made on this device, with the index rows and keys it
    /// affects, in one transaction. When this returns, the change survives a crash.
    pub fn save_local_change(
        &mut self,
        roster: &RosterId,
        change: &RosterChange,
        volunteers: &[Volunteer],
        cameras: &[Camera],
        keys: &KeyChanges,
    ) -> Result<()> {
        let transaction = self.connection.transaction()?;
        ensure_roster(&transaction, roster)?;
        insert_change(&transaction, roster, change, true, false)?;
        save_key_changes(&transaction, keys)?;
        index::save_volunteers(&transaction, roster, volunteers)?;
        index::save_cameras(&transaction, roster, cameras)?;
        transaction.commit()?;
        self.purge_log_after_erasure(keys)
    }

    /// Durably applies what one sync reply brought for one roster: received changes (already
    /// acknowledged by the server, since it sent them), acknowledgements of ours, the new
    /// server heads, keys received and destroyed, and the index rows that changed.
    #[allow(clippy::too_many_arguments)]
    pub fn save_sync_result(
        &mut self,
        roster: &RosterId,
        received: &[RosterChange],
        snapshot: Option<&[u8]>,
        acked: &[Hash],
        resend_all: bool,
        server_heads: &[Hash],
        seal_together: bool,
        volunteers: &[Volunteer],
        cameras: &[Camera],
        keys: &KeyChanges,
        now_ms: i64,
    ) -> Result<()> {
        let transaction = self.connection.transaction()?;
        ensure_roster(&transaction, roster)?;
        if let Some(snapshot) = snapshot {
            // A snapshot from the server replaces only acknowledged history: our own
            // unacknowledged changes stay in the log and are offered again.
            transaction.execute(
                "UPDATE roster SET snapshot = ?2 WHERE roster_id = ?1",
                params![roster.as_str(), snapshot],
            )?;
        }
        for change in received {
            insert_change(&transaction, roster, change, false, true)?;
        }
        {
            let mut acknowledge = transaction.prepare_cached(
                "UPDATE roster_change SET acked = 1 WHERE roster_id = ?1 AND hash = ?2",
            )?;
            for hash in acked {
                acknowledge.execute(params![roster.as_str(), hash.as_slice()])?;
            }
        }
        if resend_all {
            // Only our own changes need offering again: what we received from the server
            // is history the server gave us, and resending it would only cost bytes.
            transaction.execute(
                "UPDATE roster_change SET acked = 0 WHERE roster_id = ?1 AND local = 1",
                [roster.as_str()],
            )?;
        }
        transaction.execute(
            "UPDATE roster SET server_heads = ?2, last_sync_ms = ?3, seal_together = ?4
             WHERE roster_id = ?1",
            params![
                roster.as_str(),
                server_heads.concat(),
                now_ms,
                seal_together
            ],
        )?;
        save_key_changes(&transaction, keys)?;
        index::save_volunteers(&transaction, roster, volunteers)?;
        index::save_cameras(&transaction, roster, cameras)?;
        transaction.commit()?;
        self.purge_log_after_erasure(keys)
    }

    /// The changes the server has not acknowledged, oldest first.
    pub fn unacked_changes(&self, roster: &RosterId) -> Result<Vec<RosterChange>> {
        changes_of(
            &self.connection,
            "SELECT hash, bytes FROM roster_change WHERE roster_id = ?1 AND acked = 0 ORDER BY seq",
            roster,
        )
    }

    /// How many of this device's changes wait to be synced, counting those set aside by a
    /// recovery until they are written again.
    pub fn pending_sync_count(&self) -> Result<u64> {
        count(
            &self.connection,
            "SELECT (SELECT count(*) FROM roster_change WHERE acked = 0)
                  + (SELECT count(*) FROM set_aside_change)",
            [],
        )
    }

    /// When the last successful sync finished, by the device clock, if ever.
    pub fn last_sync_ms(&self) -> Result<Option<i64>> {
        Ok(self
            .connection
            .query_row("SELECT max(last_sync_ms) FROM roster", [], |row| row.get(0))?)
    }

    /// Replaces a roster's logged history by a snapshot. Acknowledged changes are dropped
    /// from the log (the snapshot holds them); unacknowledged ones stay, because they still
    /// have to be offered to the server one by one.
    pub fn compact(&mut self, roster: &RosterId, snapshot: &[u8]) -> Result<()> {
        let transaction = self.connection.transaction()?;
        transaction.execute(
            "UPDATE roster SET snapshot = ?2 WHERE roster_id = ?1",
            params![roster.as_str(), snapshot],
        )?;
        transaction.execute(
            "DELETE FROM roster_change WHERE roster_id = ?1 AND acked = 1",
            [roster.as_str()],
        )?;
        transaction.commit()?;
        Ok(())
    }

    /// How many changes are logged for a roster (what compaction would fold).
    pub fn logged_change_count(&self, roster: &RosterId) -> Result<u64> {
        count(
            &self.connection,
            "SELECT count(*) FROM roster_change WHERE roster_id = ?1",
            [roster.as_str()],
        )
    }

    /// Runs `PRAGMA integrity_check`; `Ok(true)` when SQLite reports `ok`.
    pub fn integrity_ok(&self) -> Result<bool> {
        let verdict: String = self
            .connection
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))?;
        Ok(verdict == "ok")
    }

    /// Writes the store's logical content, decrypted, to a new SQLite file at `to`: for a
    /// support engineer holding the key, and for tests that check what a store still holds
    /// after an erasure. Free pages are not copied (they are zeroed on delete anyway).
    pub fn decrypted_copy(&self, to: &Path) -> Result<()> {
        let target = to.to_str().ok_or_else(|| Error::Decode {
            what: "copy path",
            reason: "not valid UTF-8".into(),
        })?;
        self.connection
            .execute("ATTACH DATABASE ?1 AS plaintext KEY ''", [target])?;
        let exported =
            self.connection
                .query_row("SELECT sqlcipher_export('plaintext')", [], |_| Ok(()));
        self.connection.execute("DETACH DATABASE plaintext", [])?;
        exported?;
        Ok(())
    }

    /// The connection, for the index queries in this module.
    pub(super) fn connection(&self) -> &Connection {
        &self.connection
    }

    /// The connection, for writes of sibling modules that need a transaction.
    pub(super) fn connection_mut(&mut self) -> &mut Connection {
        &mut self.connection
    }
}

/// SQLCipher marks itself set up before it registers `sqlcipher_export` for new
/// connections, so a connection a second thread opens in that window lacks the function
/// (seen with parallel tests). Opening one connection under a `Once` lets the first setup
/// finish before any store of this process opens.
///
/// The same connection turns SQLCipher's own logging off (a process-wide setting). By
/// default it writes to stderr, or logcat on Android, a line per failed page check: a
/// wrong key would print three `ERROR` lines beside the [`Error::StoreLocked`] we return,
/// and an app's log is no place to say which page of the roster failed to decrypt.
pub fn finish_sqlcipher_setup() {
    static SETUP: std::sync::Once = std::sync::Once::new();
    SETUP.call_once(|| {
        if let Ok(connection) = Connection::open_in_memory() {
            let _ = connection.execute_batch("PRAGMA cipher_log_level = NONE");
        }
    });
}

/// The changes `sql` selects for `roster` (its hash and bytes, as `?1` binds the roster).
pub(super) fn changes_of(
    connection: &Connection,
    sql: &str,
    roster: &RosterId,
) -> Result<Vec<RosterChange>> {
    let mut statement = connection.prepare_cached(sql)?;
    let rows = statement
        .query_map([roster.as_str()], |row| {
            Ok((row.get::<_, Vec<u8>>(0)?, row.get::<_, Vec<u8>>(1)?))
        })?
        .collect::<std::result::Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(hash, bytes)| {
            let hash = hash.try_into().map_err(|_| Error::Decode {
                what: "stored change",
                reason: "hash is not 32 bytes".into(),
            })?;
            Ok(RosterChange { hash, bytes })
        })
        .collect()
}

/// Runs a `SELECT count(*)`; SQLite counts are never negative, so the conversion holds.
pub(super) fn count(
    connection: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<u64> {
    let value: i64 = connection.query_row(sql, params, |row| row.get(0))?;
    Ok(u64::try_from(value).unwrap_or(0))
}

/// Writes `identity` over the stored one, with an empty roster row for each of its beats.
pub(super) fn write_identity(
    transaction: &Transaction<'_>,
    identity: &DeviceIdentity,
) -> Result<()> {
    transaction.execute(
        "INSERT OR REPLACE INTO device_identity (singleton, device_id, actor, badge, station, quota)
         VALUES (1, ?1, ?2, ?3, ?4, ?5)",
        params![
            identity.device_id.as_str(),
            identity.actor.as_slice(),
            identity.badge.as_str(),
            identity.station.as_str(),
            identity.quota
        ],
    )?;
    transaction.execute("DELETE FROM device_beat", [])?;
    for beat in &identity.beats {
        transaction.execute(
            "INSERT INTO device_beat (beat) VALUES (?1)",
            [beat.as_str()],
        )?;
        ensure_roster(transaction, &RosterId::for_beat(beat))?;
    }
    Ok(())
}

pub(super) fn ensure_roster(transaction: &Transaction<'_>, roster: &RosterId) -> Result<()> {
    transaction.execute(
        "INSERT OR IGNORE INTO roster (roster_id) VALUES (?1)",
        [roster.as_str()],
    )?;
    Ok(())
}

pub(super) fn insert_change(
    transaction: &Transaction<'_>,
    roster: &RosterId,
    change: &RosterChange,
    local: bool,
    acked: bool,
) -> Result<()> {
    let mut statement = transaction.prepare_cached(
        "INSERT INTO roster_change (roster_id, hash, bytes, local, acked) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (roster_id, hash) DO UPDATE SET acked = max(acked, excluded.acked)",
    )?;
    statement.execute(params![
        roster.as_str(),
        change.hash.as_slice(),
        change.bytes.as_slice(),
        local,
        acked
    ])?;
    Ok(())
}
