//! What the auditors' history needs from the store beyond the rosters themselves: when the
//! server received each change, which rosters a volunteer's changes sit in, and a read-only
//! connection so that a long replay never waits on, or holds up, a sync.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use mitan_core::model::{RosterId, VolunteerId};
use rusqlite::{Connection, OpenFlags};

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
        let connection = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        connection.busy_timeout(Duration::from_secs(5))?;
        connection.pragma_update(None, "query_only", true)?;
        register_functions(&connection)?;
        let phone_index = phone_index::PhoneIndex::load(&connection)?;
        Ok(ServerStore {
            connection,
            phone_index,
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

    /// The changes of `roster` the server had received by `at_ms` (inclusive), in receipt
    /// order. Loaded onto the genesis they are the roster as the server held it then: the
    /// server accepts a change only after the changes it builds on, so the set is whole.
    pub fn load_changes_received_by(&self, roster: &RosterId, at_ms: i64) -> Result<Vec<Vec<u8>>> {
        let mut statement = self.connection.prepare_cached(
            "SELECT bytes FROM change_log WHERE roster_id = ?1 AND received_at_ms <= ?2
             ORDER BY seq",
        )?;
        let changes = statement
            .query_map(rusqlite::params![roster.as_str(), at_ms], |row| row.get(0))?
            .collect::<std::result::Result<Vec<Vec<u8>>, _>>()?;
        Ok(changes)
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
