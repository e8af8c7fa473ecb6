//! WAL checkpoints on a thread of their own, for the serving process.
//!
//! SQLite folds the write-ahead log into the database from inside the commit that crosses
//! 1,000 pages; on the server that commit is a sync's, under the district lock, and the
//! checkpoint was a tenth of the server's sync time in the storm bench. The serving
//! connection instead tells a checkpointer thread, with a connection of its own, how long the
//! WAL has grown; the thread runs passive checkpoints, which never block a writer, while the
//! next sync merges. Durability is unchanged: a checkpoint only copies committed frames, and
//! syncs the WAL before and the database after.

use std::path::Path;
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::thread;
use std::time::Duration;

use rusqlite::wal::CheckpointMode;
use rusqlite::{Connection, OpenFlags};

use super::ServerStore;
use super::key::{self, DatabaseKey};
use crate::error::Result;

/// Pages in the WAL past which a checkpoint is asked for: four times SQLite's own default,
/// since the pages a sync touches (index pages, the device row) repeat from one commit to the
/// next and are copied once per checkpoint however often they were written.
pub(super) const CHECKPOINT_PAGES: i32 = 4_000;

impl ServerStore {
    /// Moves this connection's WAL checkpoints to a thread of their own (see the module).
    /// Does nothing for an in-memory database. The thread stops when this store is dropped.
    pub fn checkpoint_in_background(&mut self) -> Result<()> {
        let Some(path) = self.path() else {
            return Ok(());
        };
        let checkpointer = open_checkpointer(&path, self.key.as_ref())?;
        // One pending request is enough: the checkpoint that answers it folds in every frame
        // committed before it starts.
        let (asks, asked) = mpsc::sync_channel::<()>(1);
        thread::Builder::new()
            .name("wal-checkpoints".into())
            .spawn(move || run(&checkpointer, &asked))
            .map_err(|error| crate::error::Error::Worker(error.to_string()))?;
        self.connection
            .wal_hook(Some(move |_: &mut rusqlite::hooks::Wal, pages: i32| {
                if pages >= CHECKPOINT_PAGES {
                    ask(&asks);
                }
                Ok(())
            }))?;
        Ok(())
    }
}

fn ask(asks: &SyncSender<()>) {
    match asks.try_send(()) {
        // Already asked, or the thread is gone (it logged why): the WAL keeps growing until
        // the next checkpoint, which loses nothing.
        Ok(()) | Err(TrySendError::Full(())) | Err(TrySendError::Disconnected(())) => {}
    }
}

fn open_checkpointer(path: &Path, key: Option<&DatabaseKey>) -> Result<Connection> {
    let connection = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    key::unlock(&connection, key, path)?;
    connection.busy_timeout(Duration::from_secs(5))?;
    // Its own commits would otherwise checkpoint too; it makes none, but says so.
    connection.pragma_update(None, "wal_autocheckpoint", 0)?;
    Ok(connection)
}

fn run(connection: &Connection, asked: &Receiver<()>) {
    // Ends when the serving connection, which holds the sender in its hook, is dropped.
    while asked.recv().is_ok() {
        match connection.wal_checkpoint_v2(None::<&str>, CheckpointMode::PASSIVE) {
            Ok((frames, copied)) => {
                tracing::debug!(frames, copied, "wal checkpoint");
            }
            Err(error) => tracing::warn!(%error, "wal checkpoint failed; retried when asked"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_wal_is_folded_in_by_the_checkpointer_thread() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("district.db");
        let mut store = ServerStore::open(&path).expect("store opens");
        store
            .checkpoint_in_background()
            .expect("checkpointer starts");
        let before = std::fs::metadata(&path).expect("database file").len();
        // One commit of rows filling a page each, well past the threshold.
        store
            .connection
            .execute_batch(&format!(
                "CREATE TABLE filler (bytes BLOB);
                 WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {})
                 INSERT INTO filler SELECT zeroblob(4000) FROM n;",
                CHECKPOINT_PAGES + 500
            ))
            .expect("rows written");
        // The serving connection no longer checkpoints: the database file grows only when
        // the thread copies the WAL into it.
        let mut folded = false;
        for _ in 0..500 {
            let now = std::fs::metadata(&path).expect("database file").len();
            if now > before + u64::try_from(CHECKPOINT_PAGES).expect("positive") * 4_000 {
                folded = true;
                break;
            }
            thread::sleep(Duration::from_millis(20));
        }
        assert!(folded, "the checkpointer folded the WAL into the database");
    }
}
