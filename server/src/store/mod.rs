//! The server's SQLite store: the police hierarchy and its users, registered devices, roster
//! documents as snapshot plus an append-only change log, and the relational tables of current
//! volunteers that district queries read.
//!
//! Like the phone's store it runs in WAL mode with `synchronous=FULL`, and a sync is
//! acknowledged only after the transaction holding its changes has committed and is on disk:
//! the sync's own commits leave the fsync to a group commit after the district lock
//! (`group_commit`), and WAL checkpoints run on a thread of their own (`checkpoints`).

mod access;
mod admin;
mod cameras;
mod checkpoints;
mod console;
mod devices;
mod directory;
mod exports;
mod group_commit;
mod groups;
mod history;
mod key;
mod keys;
mod notices;
mod phone_index;
mod provenance;
mod reports;
mod rosters;
mod schema;
mod supervision;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use group_commit::GroupCommit;
use rusqlite::{Connection, Transaction, TransactionBehavior};

use crate::error::Result;

pub use cameras::CameraRow;
pub use console::{StoredPassword, StoredSession};
pub use devices::{DeviceListing, DeviceRecord, IssuedCode, Registration};
pub use directory::{NewUnit, User};
pub use group_commit::Pending;
pub use groups::{GroupVolunteerRow, StaffMemberRow, StoredGroup};
pub use key::{DatabaseKey, encrypt_in_place};
pub use keys::KeyUpdate;
pub use notices::StoredNotice;
pub use rosters::{Arrival, ReceivedChange, RosterCounts, ServerWritten, SyncManifest};
pub use schema::SCHEMA_VERSION;

pub use access::{AccessFilter, AccessLogEntry, AccessRead};
pub use admin::{StoredCampaign, StoredTarget};
pub use exports::{ExportLogEntry, ExportRow, ExportTaken};
pub use reports::{
    CandidateGroups, CountedBy, EmployeeRow, KeyedCounts, Page, QueueFilter, SearchTerm,
    TrainerCount, UnitRow, VillageCounts, VolunteerBrief,
};
pub use supervision::{ActionRecord, SupervisorDevice};

/// The server's database.
#[derive(Debug)]
pub struct ServerStore {
    connection: Connection,
    phone_index: phone_index::PhoneIndex,
    /// The key the file is encrypted under, which every further connection to it needs.
    key: Option<DatabaseKey>,
    /// Commits made without waiting for the disk, made durable together (sync merges).
    group: Arc<GroupCommit>,
}

impl ServerStore {
    /// Opens the database at `path`, creating and migrating it if needed.
    pub fn open(path: &Path) -> Result<Self> {
        Self::open_keyed(path, None)
    }

    /// Opens the database at `path`, encrypted under `key` when one is given (a new file is
    /// created encrypted), creating and migrating it if needed.
    pub fn open_keyed(path: &Path, key: Option<&DatabaseKey>) -> Result<Self> {
        crate::private_files::prepare_database(path)?;
        let connection = Connection::open(path)?;
        key::unlock(&connection, key, path)?;
        Self::prepare(connection, key.cloned())
    }

    /// An in-memory database, for tests that need no file.
    pub fn open_in_memory() -> Result<Self> {
        Self::prepare(Connection::open_in_memory()?, None)
    }

    /// The key the database is encrypted under, if it is.
    pub fn key(&self) -> Option<&DatabaseKey> {
        self.key.as_ref()
    }

    fn prepare(mut connection: Connection, key: Option<DatabaseKey>) -> Result<Self> {
        // Two processes write this file (`mitan serve`, and `mitan admin` beside it): each
        // waits up to the busy timeout for the other's commit, from the first statement on.
        // A deferred transaction that reads and then writes would not wait: SQLite refuses
        // to upgrade a read to a write under another writer without calling the busy
        // handler, and answers "database is locked" at once. So every transaction takes the
        // write lock as it begins.
        connection.busy_timeout(Duration::from_secs(5))?;
        connection.set_transaction_behavior(TransactionBehavior::Immediate);
        // A sync runs some thirty distinct statements; rusqlite keeps sixteen prepared by
        // default, so each sync evicted and parsed again the ones the last one had used.
        connection.set_prepared_statement_cache_capacity(128);
        // WAL keeps readers off the writer's back; synchronous=FULL fsyncs the WAL at every
        // commit, so a sync reply is only ever sent for changes that survive a power cut.
        connection.pragma_update(None, "journal_mode", "WAL")?;
        connection.pragma_update(None, "synchronous", "FULL")?;
        connection.pragma_update(None, "foreign_keys", true)?;
        // Erasure must reach the file: deleted rows (a destroyed key, a withdrawn person's
        // name) are overwritten with zeros instead of lingering in free pages.
        connection.pragma_update(None, "secure_delete", true)?;
        register_functions(&connection)?;
        let found = schema::version(&connection)?;
        schema::migrate(&mut connection)?;
        provenance::ensure_server_key(&mut connection)?;
        let phone_index = phone_index::PhoneIndex::load(&connection)?;
        // SQLite names the WAL file after the database; an in-memory one has none.
        let wal = connection
            .path()
            .filter(|path| !path.is_empty())
            .map(|path| PathBuf::from(format!("{path}-wal")));
        let mut store = ServerStore {
            connection,
            phone_index,
            key,
            group: GroupCommit::new(wal),
        };
        if (1..schema::TRAINERS_VERSION).contains(&found) {
            store.backfill_trainers()?;
        }
        if (1..schema::CAMERAS_VERSION).contains(&found) {
            store.backfill_cameras()?;
        }
        if (1..schema::BIRTH_YEARS_VERSION).contains(&found) {
            store.backfill_birth_years()?;
        }
        Ok(store)
    }

    /// A cheap query proving the database answers.
    pub fn ping(&self) -> Result<()> {
        self.connection.query_row("SELECT 1", [], |_| Ok(()))?;
        Ok(())
    }

    /// SQLite's `data_version`: it changes when another connection (another process, such
    /// as `mitan review` beside `mitan serve`) has committed to the database since this
    /// connection last looked.
    pub fn data_version(&self) -> Result<i64> {
        Ok(self
            .connection
            .query_row("PRAGMA data_version", [], |row| row.get(0))?)
    }

    /// Runs `PRAGMA integrity_check`; `Ok(true)` when SQLite reports `ok`.
    pub fn integrity_ok(&self) -> Result<bool> {
        let verdict: String = self
            .connection
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))?;
        Ok(verdict == "ok")
    }
}

/// Registers the SQL functions the migrations use: migration 002 defines the name key through
/// `mitan_phonetic_key` and migration 003 backfills the stored key with it, and migration 005
/// tags existing phones through `mitan_phone_tag`, so a database that has yet to run them needs
/// them on the connection that migrates it.
fn register_functions(connection: &Connection) -> Result<()> {
    use rusqlite::functions::FunctionFlags;
    connection.create_scalar_function(
        "mitan_phonetic_key",
        1,
        // Deterministic: SQLite may only index a generated column (migration 002) whose
        // function is.
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |context| {
            let name: Option<String> = context.get(0)?;
            Ok(name.map(|name| mitan_core::model::validate::phonetic_key(&name)))
        },
    )?;
    // One household however it is written (`मकान 12`, `मकान नं. १२, पटेल परिवार`): coverage
    // counts these keys, not the texts.
    connection.create_scalar_function(
        "mitan_household_key",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |context| {
            let household: Option<String> = context.get(0)?;
            Ok(household.and_then(|text| mitan_core::model::household_key(&text)))
        },
    )?;
    // Takes the secret as an argument rather than holding it, so that the function exists
    // before migration 005 has drawn one; it is the merge path's own `phone_tag`.
    connection.create_scalar_function(
        "mitan_phone_tag",
        2,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |context| {
            let secret: Vec<u8> = context.get(0)?;
            let phone: Option<String> = context.get(1)?;
            Ok(phone.map(|phone| phone_index::phone_tag(&secret, &phone).to_vec()))
        },
    )?;
    Ok(())
}

/// Runs a `SELECT count(*)`; SQLite counts are never negative, so the conversion holds.
fn count(connection: &Connection, sql: &str, params: impl rusqlite::Params) -> Result<u64> {
    let value: i64 = connection.query_row(sql, params, |row| row.get(0))?;
    Ok(u64::try_from(value).unwrap_or(0))
}

/// Runs `work` in one transaction of `connection` committed without waiting for the disk,
/// for the sync path (`group_commit` says why): what it wrote is acknowledged only after the
/// returned [`Pending`] is waited for, which the caller does once the district lock is
/// released.
fn commit_pending<T>(
    connection: &mut Connection,
    group: &Arc<GroupCommit>,
    work: impl FnOnce(&Transaction<'_>) -> Result<T>,
) -> Result<(T, Pending)> {
    // The setting cannot change inside a transaction, and every other commit of this
    // connection keeps fsyncing as it returns: it is set back whatever happened.
    connection.pragma_update(None, "synchronous", "NORMAL")?;
    let written = (|| -> Result<T> {
        let transaction = connection.transaction()?;
        let value = work(&transaction)?;
        transaction.commit()?;
        Ok(value)
    })();
    let restored = connection.pragma_update(None, "synchronous", "FULL");
    let value = written?;
    restored?;
    Ok((value, group.committed()))
}
