//! Group commit: a sync's transaction commits under the district lock without waiting for the
//! disk, and the worker makes it durable after the lock is released, with one fsync of the
//! write-ahead log shared by every request that committed meanwhile.
//!
//! With `synchronous=FULL` each commit fsyncs the WAL while the district lock is held, about
//! 3 ms on the machines we measure on, twice per sync (the merge and the access line of the
//! keys it hands out): most of the time the lock was held. A commit made with
//! `synchronous=NORMAL` has written its frames to the WAL file but not flushed them; an
//! fsync of that file started after the commit returned flushes them, whichever descriptor
//! wrote them. So the reply waits for such an fsync ([`Pending::wait`]) and nothing is
//! acknowledged before it is durable, as before. A checkpoint that folds the frames into the
//! database meanwhile syncs the WAL before and the database after, so it loses nothing either.
//!
//! A failed fsync leaves the kernel's page state unknown (a retry may report success for pages
//! it dropped), so after one every wait fails until the server is restarted, and SQLite's
//! recovery on open reads what the disk really holds.

use std::fs::File;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use crate::error::{Error, Result};

/// The commits of one database made without fsync, and how far they are durable.
#[derive(Debug)]
pub(super) struct GroupCommit {
    /// The database's WAL file; `None` for an in-memory database, which has nothing to flush.
    wal: Option<PathBuf>,
    state: Mutex<State>,
    flushed: Condvar,
}

#[derive(Debug, Default)]
struct State {
    /// Commits made so far, numbered from 1 in commit order.
    committed: u64,
    /// Every commit up to this number is on disk.
    durable: u64,
    /// An fsync is under way on some worker.
    flushing: bool,
    /// An fsync failed: nothing more is acknowledged by this process.
    failed: Option<String>,
}

/// A commit not yet known to be on disk: whoever acknowledges it waits for it first.
#[derive(Debug)]
#[must_use = "a commit is acknowledged only after waiting for it to be durable"]
pub struct Pending {
    group: Arc<GroupCommit>,
    ticket: u64,
}

impl GroupCommit {
    /// The group commit of the database whose WAL file is `wal`.
    pub(super) fn new(wal: Option<PathBuf>) -> Arc<Self> {
        Arc::new(GroupCommit {
            wal,
            state: Mutex::new(State::default()),
            flushed: Condvar::new(),
        })
    }

    /// Records a commit that has just returned. Called by the committing connection, so the
    /// numbers follow commit order.
    pub(super) fn committed(self: &Arc<Self>) -> Pending {
        let mut state = self.lock();
        state.committed += 1;
        Pending {
            group: Arc::clone(self),
            ticket: state.committed,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is a few counters updated in one step each: a panic elsewhere cannot
        // leave it half-written.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn flush(&self) -> std::io::Result<()> {
        let Some(wal) = &self.wal else {
            return Ok(());
        };
        match File::open(wal) {
            Ok(file) => file.sync_data(),
            // No WAL file: the last connection checkpointed and removed it, which syncs the
            // database first, so every commit is already on disk.
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(error) => Err(error),
        }
    }
}

impl Pending {
    /// Waits until this commit is on disk, flushing the WAL if no other worker is already
    /// doing it; the first waiter's fsync makes every commit made before it durable.
    pub fn wait(self) -> Result<()> {
        let group = &self.group;
        let mut state = group.lock();
        loop {
            if let Some(reason) = &state.failed {
                return Err(not_durable(reason));
            }
            if state.durable >= self.ticket {
                return Ok(());
            }
            if state.flushing {
                state = group
                    .flushed
                    .wait(state)
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                continue;
            }
            state.flushing = true;
            let upto = state.committed;
            drop(state);
            let flushed = group.flush();
            state = group.lock();
            state.flushing = false;
            match flushed {
                Ok(()) => state.durable = state.durable.max(upto),
                Err(error) => state.failed = Some(error.to_string()),
            }
            group.flushed.notify_all();
        }
    }

    /// The later of two commits of the same database: waiting for it waits for both.
    pub fn and(self, later: Pending) -> Pending {
        debug_assert!(Arc::ptr_eq(&self.group, &later.group));
        if later.ticket >= self.ticket {
            later
        } else {
            self
        }
    }
}

fn not_durable(reason: &str) -> Error {
    Error::Corrupt {
        what: "write-ahead log",
        reason: format!(
            "an fsync failed ({reason}); nothing more is acknowledged until the server restarts"
        ),
    }
}

#[cfg(test)]
mod tests {
    use std::thread;

    use super::*;

    #[test]
    fn one_flush_makes_every_earlier_commit_durable() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let wal = dir.path().join("db-wal");
        std::fs::write(&wal, b"frames").expect("wal written");
        let group = GroupCommit::new(Some(wal));
        let first = group.committed();
        let second = group.committed();
        second.wait().expect("flushed");
        assert_eq!(group.lock().durable, 2);
        // The first commit is already covered by the second's flush.
        first.wait().expect("already durable");
    }

    #[test]
    fn waiters_on_many_threads_all_return_durable() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let wal = dir.path().join("db-wal");
        std::fs::write(&wal, b"frames").expect("wal written");
        let group = GroupCommit::new(Some(wal));
        let workers: Vec<_> = (0..8)
            .map(|_| {
                let group = Arc::clone(&group);
                thread::spawn(move || {
                    for _ in 0..20 {
                        group.committed().wait().expect("flushed");
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.join().expect("worker finished");
        }
        let state = group.lock();
        assert_eq!(state.committed, 160);
        assert_eq!(state.durable, 160);
        assert!(!state.flushing);
    }

    #[test]
    fn a_failed_flush_refuses_every_later_acknowledgement() {
        let dir = tempfile::tempdir().expect("temporary directory");
        // A WAL path under a plain file: opening it fails with "not a directory".
        let blocker = dir.path().join("blocker");
        std::fs::write(&blocker, b"").expect("file written");
        let group = GroupCommit::new(Some(blocker.join("db-wal")));
        let error = group.committed().wait().expect_err("flush fails");
        assert!(error.to_string().contains("fsync failed"), "{error}");
        assert!(group.committed().wait().is_err());
    }

    #[test]
    fn a_missing_wal_file_means_everything_was_checkpointed() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let group = GroupCommit::new(Some(dir.path().join("db-wal")));
        group.committed().wait().expect("nothing to flush");
    }
}
