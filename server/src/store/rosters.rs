//! Roster documents on the server: the append-only change log, snapshots that shorten
//! loading, and the relational rows of current volunteers.

use mitan_core::model::validate::phonetic_key;
use mitan_core::model::{
    AgeClaim, BadgeNumber, Camera, DeviceId, Programme, RosterId, Trainer, Volunteer, VolunteerId,
};
use mitan_core::provenance::Signature;
use mitan_core::store::RosterParts;
use rusqlite::{OptionalExtension, Transaction, params};

use super::keys::{KeyUpdate, save_key_update};
use super::phone_index::PhoneIndex;
use super::{Pending, ServerStore, count};
use crate::error::{Error, Result};

/// One change a device sent that the roster now holds, with what its header says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedChange {
    /// The roster.
    pub roster: RosterId,
    /// The change hash.
    pub hash: [u8; 32],
    /// The encoded change.
    pub bytes: Vec<u8>,
    /// The actor that made it.
    pub actor: Vec<u8>,
    /// The action recorded in its message, if Mitan wrote it.
    pub action: Option<String>,
    /// The entry it acted on, if any.
    pub entry: Option<String>,
    /// The device's clock when it was made: a claim.
    pub device_clock_ms: i64,
    /// The sending device's signature of it (the server's, for a supervisor's action), when
    /// it came signed on its own (protocol 4).
    pub signature: Option<Signature>,
    /// Whether the request's [`SyncManifest`] vouches for it instead (protocol 5).
    pub in_manifest: bool,
}

/// What the server keeps of a sync request itself, beside the changes it brought.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Arrival {
    /// The protocol the device spoke, recorded on its row; `None` for a merge that did not
    /// come from a device's request.
    pub protocol: Option<u16>,
    /// The manifest of a protocol 5 request.
    pub manifest: Option<SyncManifest>,
}

/// A protocol 5 request's manifest, as the device signed it: kept with the changes it
/// vouches for, in the same transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncManifest {
    /// Every offered change's hash, in the order offered.
    pub hashes: Vec<[u8; 32]>,
    /// The device's signature of them.
    pub signature: Signature,
}

/// Changes the server wrote itself during a merge, and its writer that wrote them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerWritten {
    /// The server-side writer's device.
    pub device: DeviceId,
    /// The changes.
    pub changes: Vec<ReceivedChange>,
}

/// Appends `changes` to the change log, attributed to `device` and `badge` and stamped with
/// the server's receipt time; a change already logged stays as it was, so a replay changes
/// nothing. The `manifest` that vouches for some of them is logged once, with the first of
/// them new to the log, and not at all for a request that brought nothing new. Returns how
/// many were new.
pub(super) fn log_changes(
    transaction: &Transaction<'_>,
    changes: &[ReceivedChange],
    manifest: Option<&SyncManifest>,
    device: &DeviceId,
    badge: &BadgeNumber,
    now_ms: i64,
) -> Result<u64> {
    let mut insert = transaction.prepare_cached(
        "INSERT OR IGNORE INTO change_log (roster_id, hash, bytes, actor, device_id, badge,
             action, entry, device_clock_ms, received_at_ms, signature, manifest)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?;
    let mut logged_manifest: Option<i64> = None;
    let mut logged = 0;
    for change in changes {
        let vouching = match manifest {
            Some(manifest) if change.in_manifest => match logged_manifest {
                Some(id) => Some(id),
                None if is_logged(transaction, change)? => None,
                None => {
                    let id = log_manifest(transaction, manifest, device, now_ms)?;
                    logged_manifest = Some(id);
                    Some(id)
                }
            },
            _ => None,
        };
        logged += insert.execute(params![
            change.roster.as_str(),
            change.hash.as_slice(),
            change.bytes,
            change.actor,
            device.as_str(),
            badge.as_str(),
            change.action,
            change.entry,
            change.device_clock_ms,
            now_ms,
            change
                .signature
                .as_ref()
                .map(|signature| signature.0.as_slice()),
            vouching,
        ])? as u64;
    }
    Ok(logged)
}

fn is_logged(transaction: &Transaction<'_>, change: &ReceivedChange) -> Result<bool> {
    Ok(transaction
        .prepare_cached("SELECT 1 FROM change_log WHERE roster_id = ?1 AND hash = ?2")?
        .exists(params![change.roster.as_str(), change.hash.as_slice()])?)
}

fn log_manifest(
    transaction: &Transaction<'_>,
    manifest: &SyncManifest,
    device: &DeviceId,
    now_ms: i64,
) -> Result<i64> {
    transaction
        .prepare_cached(
            "INSERT INTO sync_manifest (device_id, hashes, signature, received_at_ms)
             VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![
            device.as_str(),
            manifest.hashes.concat(),
            manifest.signature.0.as_slice(),
            now_ms
        ])?;
    Ok(transaction.last_insert_rowid())
}

/// How much of a roster is stored, for deciding when to snapshot.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RosterCounts {
    /// Changes logged after the latest snapshot.
    pub since_snapshot: u64,
    /// The newest log sequence number of the roster (0 if none).
    pub last_seq: i64,
}

impl ServerStore {
    /// The latest snapshot of a roster and the changes logged after it, in receipt order.
    pub fn load_roster(&self, roster: &RosterId) -> Result<RosterParts> {
        let snapshot: Option<(Vec<u8>, i64)> = self
            .connection
            .query_row(
                "SELECT bytes, upto_seq FROM roster_snapshot WHERE roster_id = ?1",
                [roster.as_str()],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        let after = snapshot.as_ref().map_or(0, |(_, seq)| *seq);
        let mut statement = self.connection.prepare_cached(
            "SELECT bytes FROM change_log WHERE roster_id = ?1 AND seq > ?2 ORDER BY seq",
        )?;
        let changes = statement
            .query_map(params![roster.as_str(), after], |row| row.get(0))?
            .collect::<std::result::Result<Vec<Vec<u8>>, _>>()?;
        Ok(RosterParts {
            snapshot: snapshot.map(|(bytes, _)| bytes),
            changes,
        })
    }

    /// Durably stores what one sync request brought, in one transaction: every change the
    /// rosters now hold (a change already logged is left as it was, so a replay changes
    /// nothing), the keys received or destroyed, and the current rows of every volunteer it
    /// touched. Returns how many changes were new to the log.
    pub fn save_merge(
        &mut self,
        device: &DeviceId,
        badge: &BadgeNumber,
        changes: &[ReceivedChange],
        volunteers: &[(RosterId, Volunteer)],
        keys: &KeyUpdate,
        now_ms: i64,
    ) -> Result<u64> {
        let (logged, pending) = self.save_merge_pending(
            device,
            badge,
            changes,
            &Arrival::default(),
            None,
            volunteers,
            &[],
            keys,
            now_ms,
        )?;
        pending.wait()?;
        Ok(logged)
    }

    /// [`ServerStore::save_merge`] for the sync path: committed without waiting for the disk,
    /// so nothing it wrote may be acknowledged before the returned [`Pending`] is waited for
    /// (group commit, `group_commit`). Also stores the changes the server wrote during the
    /// merge to carry what reached a moved volunteer's old entry to the live one (`written`,
    /// logged under the server-side writer of the same badge), the rows of the cameras the
    /// merge touched, and what the `arrival` of the request says of itself (its protocol and
    /// manifest). Only `changes` count as merged.
    #[allow(clippy::too_many_arguments)]
    pub fn save_merge_pending(
        &mut self,
        device: &DeviceId,
        badge: &BadgeNumber,
        changes: &[ReceivedChange],
        arrival: &Arrival,
        written: Option<&ServerWritten>,
        volunteers: &[(RosterId, Volunteer)],
        cameras: &[(RosterId, Camera)],
        keys: &KeyUpdate,
        now_ms: i64,
    ) -> Result<(u64, Pending)> {
        let ServerStore {
            connection,
            phone_index,
            group,
            ..
        } = self;
        let (logged, pending) = super::commit_pending(connection, group, |transaction| {
            let logged = log_changes(
                transaction,
                changes,
                arrival.manifest.as_ref(),
                device,
                badge,
                now_ms,
            )?;
            if let Some(written) = written {
                log_changes(
                    transaction,
                    &written.changes,
                    None,
                    &written.device,
                    badge,
                    now_ms,
                )?;
            }
            save_key_update(transaction, keys, device.as_str(), now_ms)?;
            save_volunteers(transaction, phone_index, volunteers, now_ms)?;
            super::cameras::save_cameras(transaction, cameras, now_ms)?;
            transaction
                .prepare_cached(
                    "UPDATE device SET last_sync_at_ms = ?2, protocol = coalesce(?3, protocol)
                     WHERE id = ?1",
                )?
                .execute(params![device.as_str(), now_ms, arrival.protocol])?;
            Ok(logged)
        })?;
        // An erasure's checkpoint syncs the WAL before folding it in, so it also makes this
        // commit durable; the pending one stays for the caller all the same.
        self.purge_log_after_erasure(keys)?;
        Ok((logged, pending))
    }

    /// Whether every device in use speaks sync protocol `protocol` or later: none that is not
    /// revoked last synced with an older one. Phones are told they may write what only that
    /// protocol's builds read once this holds.
    pub fn every_device_speaks(&self, protocol: u16) -> Result<bool> {
        Ok(!self
            .connection
            .prepare_cached(
                "SELECT 1 FROM device INDEXED BY device_in_use_by_protocol
                 WHERE revoked_at_ms IS NULL AND last_sync_at_ms IS NOT NULL
                     AND (protocol IS NULL OR protocol < ?1)",
            )?
            .exists([protocol])?)
    }

    /// How many changes of a roster lie after its snapshot.
    pub fn roster_counts(&self, roster: &RosterId) -> Result<RosterCounts> {
        // Asked after every sync that brought a change: prepared once.
        let after: i64 = self
            .connection
            .prepare_cached(
                "SELECT coalesce((SELECT upto_seq FROM roster_snapshot WHERE roster_id = ?1), 0)",
            )?
            .query_row([roster.as_str()], |row| row.get(0))?;
        let (since, last): (i64, Option<i64>) = self
            .connection
            .prepare_cached(
                "SELECT count(*), max(seq) FROM change_log WHERE roster_id = ?1 AND seq > ?2",
            )?
            .query_row(params![roster.as_str(), after], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })?;
        Ok(RosterCounts {
            since_snapshot: u64::try_from(since).unwrap_or(0),
            last_seq: last.unwrap_or(after),
        })
    }

    /// Stores a snapshot holding every logged change of the roster up to `upto_seq`. The log
    /// itself is never shortened: auditors read it.
    pub fn save_snapshot(
        &mut self,
        roster: &RosterId,
        bytes: &[u8],
        upto_seq: i64,
        now_ms: i64,
    ) -> Result<()> {
        self.connection.execute(
            "INSERT OR REPLACE INTO roster_snapshot (roster_id, bytes, upto_seq, saved_at_ms)
             VALUES (?1, ?2, ?3, ?4)",
            params![roster.as_str(), bytes, upto_seq, now_ms],
        )?;
        Ok(())
    }

    /// How many changes the log holds, across all rosters.
    pub fn change_log_count(&self) -> Result<u64> {
        count(&self.connection, "SELECT count(*) FROM change_log", [])
    }

    /// How many volunteers the relational tables hold.
    pub fn volunteer_count(&self) -> Result<u64> {
        count(&self.connection, "SELECT count(*) FROM volunteer", [])
    }

    /// Every volunteer's id and status, in id order.
    pub fn volunteer_statuses(&self) -> Result<Vec<(String, String)>> {
        let mut statement = self
            .connection
            .prepare_cached("SELECT id, status FROM volunteer ORDER BY id")?;
        let rows = statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Every volunteer of the rosters that have rows, read without keys: what the backfills
    /// of columns added later read (the trainer and the age are not personal fields).
    fn volunteers_of_rosters(&self) -> Result<Vec<Volunteer>> {
        let rosters: Vec<String> = self
            .connection
            .prepare("SELECT DISTINCT roster_id FROM volunteer")?
            .query_map([], |row| row.get(0))?
            .collect::<std::result::Result<_, _>>()?;
        let mut volunteers = Vec::new();
        for roster in rosters {
            let id: RosterId = roster.parse().map_err(|_| Error::Corrupt {
                what: "roster id",
                reason: format!("{roster:?} in the volunteer table"),
            })?;
            let parts = self.load_roster(&id)?;
            let loaded =
                mitan_core::model::Roster::load(&id, parts.snapshot.as_deref(), &parts.changes)
                    .map_err(|error| Error::Corrupt {
                        what: "roster",
                        reason: format!("{id}: {error}"),
                    })?;
            volunteers.extend(
                loaded
                    .volunteers(&mitan_core::model::sealed::NoKeys)
                    .into_iter()
                    .flatten(),
            );
        }
        Ok(volunteers)
    }

    /// Sets one column of the rows of `values` (volunteer id, value), in one transaction.
    fn fill_column<T: rusqlite::ToSql>(
        &mut self,
        column: &str,
        values: &[(String, T)],
    ) -> Result<()> {
        let transaction = self.connection.transaction()?;
        {
            let mut update = transaction
                .prepare_cached(&format!("UPDATE volunteer SET {column} = ?2 WHERE id = ?1"))?;
            for (volunteer, value) in values {
                update.execute(params![volunteer, value])?;
            }
        }
        transaction.commit()?;
        tracing::info!(
            volunteers = values.len(),
            column,
            "column filled in from the rosters"
        );
        Ok(())
    }

    /// Fills `trained_by` on the rows written before the column existed, from the rosters.
    /// Run once, when a database is first opened at the schema version that added it.
    pub(super) fn backfill_trainers(&mut self) -> Result<()> {
        let trainers: Vec<(String, String)> = self
            .volunteers_of_rosters()?
            .into_iter()
            .filter_map(|volunteer| {
                let trainer = volunteer.trained_by.as_ref()?.encode();
                Some((volunteer.id.to_string(), trainer))
            })
            .collect();
        self.fill_column("trained_by", &trainers)
    }

    /// Fills `birth_year` on the rows written before the column existed, from the rosters.
    /// Run once, when a database is first opened at the schema version that added it.
    pub(super) fn backfill_birth_years(&mut self) -> Result<()> {
        let years: Vec<(String, i64)> = self
            .volunteers_of_rosters()?
            .iter()
            .map(|volunteer| (volunteer.id.to_string(), birth_year(volunteer)))
            .collect();
        self.fill_column("birth_year", &years)
    }

    /// Who trained volunteer `id`, as their row records it; `None` when the row names no
    /// trainer or there is no row.
    pub fn trainer_of(&self, id: &VolunteerId) -> Result<Option<Trainer>> {
        let encoded: Option<Option<String>> = self
            .connection
            .prepare_cached("SELECT trained_by FROM volunteer WHERE id = ?1")?
            .query_row([id.to_string()], |row| row.get(0))
            .optional()?;
        Ok(encoded
            .flatten()
            .and_then(|text| Trainer::decode(&text).ok()))
    }

    /// The volunteers of one roster, by id.
    pub fn volunteer_ids_in(&self, roster: &RosterId) -> Result<Vec<VolunteerId>> {
        let mut statement = self
            .connection
            .prepare_cached("SELECT id FROM volunteer WHERE roster_id = ?1 ORDER BY id")?;
        let ids = statement
            .query_map([roster.as_str()], |row| row.get::<_, String>(0))?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(ids.into_iter().filter_map(|id| id.parse().ok()).collect())
    }
}

/// A volunteer's year of birth as their age claim gives it: an age in years is counted back
/// from the year of enrolment in India, so it may be a year off either way.
fn birth_year(volunteer: &Volunteer) -> i64 {
    match volunteer.age {
        AgeClaim::BirthYear(year) => i64::from(year),
        AgeClaim::Years(years) => {
            i64::from(crate::ist::year(volunteer.enrolled_at_ms)) - i64::from(years)
        }
    }
}

/// Upserts the current rows of `volunteers`. A withdrawn volunteer keeps a row without
/// personal fields, so counts and history still see them.
///
/// The row also carries what reports search by (migrations 003 and 005): the sound-alike key of
/// the name, the Devanagari one or else the Latin one, the programmes, space-separated, which
/// `volunteer_programme` holds too, and the phone's tag in the blind index, which goes with
/// the phone when personal fields are scrubbed.
pub(super) fn save_volunteers(
    transaction: &Transaction<'_>,
    phone_index: &PhoneIndex,
    volunteers: &[(RosterId, Volunteer)],
    now_ms: i64,
) -> Result<()> {
    let mut upsert = transaction.prepare_cached(
        "INSERT OR REPLACE INTO volunteer (id, roster_id, station, beat, village, status, gender,
             name_devanagari, name_latin, phone, household, enrolled_by, enrolled_on,
             enrolled_at_ms, reviewed_by, updated_at_ms, name_key, programmes, phone_tag,
             trained_by, birth_year)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
             ?18, ?19, ?20, ?21)",
    )?;
    let mut clear_programmes =
        transaction.prepare_cached("DELETE FROM volunteer_programme WHERE volunteer_id = ?1")?;
    let mut add_programme = transaction.prepare_cached(
        "INSERT OR IGNORE INTO volunteer_programme (volunteer_id, programme) VALUES (?1, ?2)",
    )?;
    for (roster, volunteer) in volunteers {
        let id = volunteer.id.to_string();
        let personal = volunteer.personal.as_ref();
        let name_key = personal
            .and_then(|p| p.name_devanagari.as_deref().or(p.name_latin.as_deref()))
            .map(phonetic_key);
        let programmes = volunteer
            .programmes
            .iter()
            .map(Programme::as_str)
            .collect::<Vec<_>>()
            .join(" ");
        let phone_tag = personal.map(|p| phone_index.tag(p.phone.as_str()));
        upsert.execute(params![
            id,
            roster.as_str(),
            volunteer.station.as_str(),
            volunteer.beat.as_str(),
            volunteer.village.to_string(),
            volunteer.status.as_str(),
            volunteer.gender.as_str(),
            personal.and_then(|p| p.name_devanagari.as_deref()),
            personal.and_then(|p| p.name_latin.as_deref()),
            personal.map(|p| p.phone.as_str()),
            personal.map(|p| p.household.as_str()),
            volunteer.enrolled_by.as_str(),
            volunteer.enrolled_on.as_str(),
            volunteer.enrolled_at_ms,
            volunteer.reviewed_by.as_ref().map(BadgeNumber::as_str),
            now_ms,
            name_key,
            programmes,
            phone_tag.as_ref().map(|tag| tag.as_slice()),
            volunteer.trained_by.as_ref().map(Trainer::encode),
            birth_year(volunteer),
        ])?;
        clear_programmes.execute([&id])?;
        for programme in &volunteer.programmes {
            add_programme.execute(params![id, programme.as_str()])?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(roster: &RosterId, seed: u8) -> ReceivedChange {
        ReceivedChange {
            roster: roster.clone(),
            hash: [seed; 32],
            bytes: vec![seed; 8],
            actor: vec![1; 16],
            action: Some("enrol".into()),
            entry: None,
            device_clock_ms: 5,
            signature: None,
            in_manifest: false,
        }
    }

    #[test]
    fn the_change_log_refuses_updates_and_deletes() {
        let mut store = ServerStore::open_in_memory().expect("store opens");
        let roster: RosterId = "B-1".parse().expect("valid");
        let device: DeviceId = "dev-1".parse().expect("valid");
        let badge: BadgeNumber = "CG-1".parse().expect("valid");
        let logged = store
            .save_merge(
                &device,
                &badge,
                &[change(&roster, 1), change(&roster, 1)],
                &[],
                &KeyUpdate::default(),
                10,
            )
            .expect("saved");
        assert_eq!(logged, 1);
        assert!(
            store
                .connection
                .execute("UPDATE change_log SET badge = 'X'", [])
                .is_err()
        );
        assert!(
            store
                .connection
                .execute("DELETE FROM change_log", [])
                .is_err()
        );
        assert_eq!(store.change_log_count().expect("count"), 1);
    }
}
