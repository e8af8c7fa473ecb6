//! What the auditors' history needs from the store beyond the rosters themselves: when the
//! server received each change, which rosters a volunteer's changes sit in, and a read-only
//! connection so that a long replay never waits on, or holds up, a sync.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use mitan_core::model::{RosterId, VolunteerId};
use mitan_core::store::RosterParts;
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use super::{ServerStore, phone_index, register_functions};
use crate::error::{Error, Result};

/// Read through `change_log_by_entry` (migration 010): a volunteer's history must not read
/// every change the district ever received.
const ROSTERS_NAMING: &str =
    "SELECT DISTINCT roster_id FROM change_log WHERE entry = ?1 AND entry IS NOT NULL
     ORDER BY roster_id";

impl ServerStore {
    /// Opens a read-only connection to the database at `path`, already created and migrated
    /// by the server that writes it. WAL lets it read while syncs commit.
    pub fn open_reader(path: &Path) -> Result<Self> {
        Self::open_reader_keyed(path, None)
    }

    /// [`ServerStore::open_reader`] of a database encrypted under `key`.
    pub fn open_reader_keyed(path: &Path, key: Option<&super::DatabaseKey>) -> Result<Self> {
        let connection = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        super::key::unlock(&connection, key, path)?;
        connection.busy_timeout(Duration::from_secs(5))?;
        connection.pragma_update(None, "query_only", true)?;
        register_functions(&connection)?;
        let phone_index = phone_index::PhoneIndex::load(&connection)?;
        Ok(ServerStore {
            connection,
            phone_index,
            key: key.cloned(),
            // A reader commits nothing.
            group: super::group_commit::GroupCommit::new(None),
        })
    }

    /// The file this store lives in; `None` for an in-memory database.
    pub fn path(&self) -> Option<PathBuf> {
        self.connection
            .path()
            .filter(|path| !path.is_empty())
            .map(PathBuf::from)
    }

    /// When the server received each change it logged for `roster`, by hash.
    pub fn load_receipts(&self, roster: &RosterId) -> Result<HashMap<[u8; 32], i64>> {
        let mut statement = self.connection.prepare_cached(
            "SELECT hash, received_at_ms FROM change_log WHERE roster_id = ?1 ORDER BY seq",
        )?;
        let rows = statement.query_map([roster.as_str()], |row| {
            Ok((row.get::<_, Vec<u8>>(0)?, row.get::<_, i64>(1)?))
        })?;
        let mut receipts = HashMap::new();
        for row in rows {
            let (hash, at_ms) = row?;
            let hash: [u8; 32] = hash.try_into().map_err(|_| Error::Corrupt {
                what: "change hash",
                reason: "not 32 bytes".into(),
            })?;
            receipts.insert(hash, at_ms);
        }
        Ok(receipts)
    }

    /// When the server received the change `hash`, in whichever roster holds it, or `None`
    /// if no roster does. Auditors name a change to mean the moment it arrived.
    pub fn change_received_at(&self, hash: &[u8; 32]) -> Result<Option<i64>> {
        let mut statement = self.connection.prepare_cached(
            "SELECT received_at_ms FROM change_log WHERE hash = ?1 ORDER BY seq LIMIT 1",
        )?;
        let mut rows = statement.query_map([hash.as_slice()], |row| row.get::<_, i64>(0))?;
        rows.next().transpose().map_err(Into::into)
    }

    /// `roster` as the server held it at `at_ms`: the changes it had received by then
    /// (inclusive), with how many there were, or `None` if it had received none. They come
    /// on top of the latest snapshot when every change in it had been received by then (a
    /// snapshot holds a prefix of the log), so a moment after the last snapshot loads as fast
    /// as the live roster; otherwise on top of the genesis. The server accepts a change only
    /// after the changes it builds on, so the set is whole.
    pub fn load_roster_received_by(
        &self,
        roster: &RosterId,
        at_ms: i64,
    ) -> Result<Option<(RosterParts, u64)>> {
        let received: i64 = self.connection.query_row(
            "SELECT count(*) FROM change_log WHERE roster_id = ?1 AND received_at_ms <= ?2",
            params![roster.as_str(), at_ms],
            |row| row.get(0),
        )?;
        if received == 0 {
            return Ok(None);
        }
        let snapshot: Option<(Vec<u8>, i64)> = self
            .connection
            .query_row(
                "SELECT s.bytes, s.upto_seq FROM roster_snapshot s
                 WHERE s.roster_id = ?1 AND NOT EXISTS (
                     SELECT 1 FROM change_log c
                     WHERE c.roster_id = ?1 AND c.seq <= s.upto_seq AND c.received_at_ms > ?2)",
                params![roster.as_str(), at_ms],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        let after = snapshot.as_ref().map_or(0, |(_, seq)| *seq);
        let mut statement = self.connection.prepare_cached(
            "SELECT bytes FROM change_log
             WHERE roster_id = ?1 AND seq > ?2 AND received_at_ms <= ?3 ORDER BY seq",
        )?;
        let changes = statement
            .query_map(params![roster.as_str(), after, at_ms], |row| row.get(0))?
            .collect::<std::result::Result<Vec<Vec<u8>>, _>>()?;
        let parts = RosterParts {
            snapshot: snapshot.map(|(bytes, _)| bytes),
            changes,
        };
        Ok(Some((parts, u64::try_from(received).unwrap_or(0))))
    }

    /// Every roster holding a change that names volunteer `id` as its entry: their beat,
    /// and any beat they were moved from or to.
    pub fn rosters_naming(&self, id: &VolunteerId) -> Result<Vec<RosterId>> {
        let mut statement = self.connection.prepare_cached(ROSTERS_NAMING)?;
        let rows = statement
            .query_map([id.to_string()], |row| row.get::<_, String>(0))?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|roster| {
                roster.parse().map_err(|_| Error::Corrupt {
                    what: "roster id",
                    reason: format!("{roster:?} in the change log"),
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rosters_naming_a_volunteer_are_found_through_the_entry_index() {
        let store = ServerStore::open_in_memory().expect("in-memory store");
        let plan: Vec<String> = store
            .connection
            .prepare(&format!("EXPLAIN QUERY PLAN {ROSTERS_NAMING}"))
            .expect("plan prepares")
            .query_map(["01JBXYZ"], |row| row.get::<_, String>(3))
            .expect("plan runs")
            .collect::<std::result::Result<_, _>>()
            .expect("plan rows decode");
        assert!(
            plan.iter()
                .any(|step| step.contains("USING COVERING INDEX change_log_by_entry")),
            "{plan:?}"
        );
        assert!(
            !plan.iter().any(|step| step.starts_with("SCAN")),
            "{plan:?}"
        );
    }
}
