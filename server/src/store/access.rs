//! The access log: every read that handed out volunteers' personal fields, appended in the
//! transaction of the read itself, and listed for auditors.

use rusqlite::types::ToSql;
use rusqlite::{Transaction, TransactionBehavior, params};

use super::{Pending, ServerStore};
use crate::error::Result;

/// One read of personal fields, as logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRead {
    /// Who read.
    pub badge: String,
    /// Their role then.
    pub role: String,
    /// The device the request came from, or `cli`.
    pub requested_via: String,
    /// What was read: `review_queue`, `duplicates`, `export` or `sync`.
    pub kind: String,
    /// The unit read, a constable's beats, or a sync's rosters.
    pub scope: String,
    /// The request's other filters, as a query string.
    pub query: String,
    /// How many volunteers' personal fields the answer held.
    pub volunteers: u64,
}

/// A line of the access log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessLogEntry {
    /// Its sequence number.
    pub seq: i64,
    /// The read.
    pub read: AccessRead,
    /// When, by the server clock.
    pub at_ms: i64,
}

/// Which lines of the access log to list; every field narrows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessFilter {
    /// Only reads at or after this server time (ms).
    pub from_ms: Option<i64>,
    /// Only reads before this server time (ms).
    pub to_ms: Option<i64>,
    /// Only this reader.
    pub badge: Option<String>,
    /// Only this kind of read.
    pub kind: Option<String>,
    /// Only lines older than this sequence number (the page before).
    pub before_seq: Option<i64>,
}

pub(super) fn insert(
    connection: &rusqlite::Connection,
    read: &AccessRead,
    now_ms: i64,
) -> Result<()> {
    connection
        .prepare_cached(
            "INSERT INTO access_log (badge, role, requested_via, kind, scope, query, volunteers,
                 at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![
            read.badge,
            read.role,
            read.requested_via,
            read.kind,
            read.scope,
            read.query,
            i64::try_from(read.volunteers).unwrap_or(i64::MAX),
            now_ms
        ])?;
    Ok(())
}

impl ServerStore {
    /// Runs `read` and appends the access line `logged` makes of its answer, in one
    /// transaction: the answer is returned only once its line is committed, so a read whose
    /// logging fails hands out nothing. The transaction is taken as a writer from the start,
    /// so that another process writing meanwhile makes it wait (busy timeout) rather than fail
    /// between the read and its line.
    pub fn read_logged<T>(
        &self,
        now_ms: i64,
        read: impl FnOnce(&ServerStore) -> Result<T>,
        logged: impl FnOnce(&T) -> AccessRead,
    ) -> Result<T> {
        let transaction =
            Transaction::new_unchecked(&self.connection, TransactionBehavior::Immediate)?;
        let answer = read(self)?;
        insert(&transaction, &logged(&answer), now_ms)?;
        transaction.commit()?;
        Ok(answer)
    }

    /// Appends one read to the access log, for reads whose answer is built after a commit of
    /// their own (a sync reply).
    pub fn save_access(&mut self, read: &AccessRead, now_ms: i64) -> Result<()> {
        insert(&self.connection, read, now_ms)
    }

    /// [`ServerStore::save_access`] for the sync path, committed without waiting for the
    /// disk: the read it logs is handed out only after the returned [`Pending`] is waited for.
    pub fn save_access_pending(&mut self, read: &AccessRead, now_ms: i64) -> Result<Pending> {
        let ServerStore {
            connection, group, ..
        } = self;
        let ((), pending) = super::commit_pending(connection, group, |transaction| {
            insert(transaction, read, now_ms)
        })?;
        Ok(pending)
    }

    /// Lines of the access log matching `filter`, newest first.
    pub fn load_access_log(
        &self,
        filter: &AccessFilter,
        limit: u32,
    ) -> Result<Vec<AccessLogEntry>> {
        // Only the conditions asked for go into the SQL, so that SQLite can use the index on
        // badge or time; an `?n IS NULL OR …` condition would make every page a full scan.
        let mut conditions = vec!["seq < ?"];
        let mut values: Vec<Box<dyn ToSql>> = vec![Box::new(filter.before_seq.unwrap_or(i64::MAX))];
        if let Some(from_ms) = filter.from_ms {
            conditions.push("at_ms >= ?");
            values.push(Box::new(from_ms));
        }
        if let Some(to_ms) = filter.to_ms {
            conditions.push("at_ms < ?");
            values.push(Box::new(to_ms));
        }
        if let Some(badge) = &filter.badge {
            conditions.push("badge = ?");
            values.push(Box::new(badge.clone()));
        }
        if let Some(kind) = &filter.kind {
            conditions.push("kind = ?");
            values.push(Box::new(kind.clone()));
        }
        values.push(Box::new(limit));
        let sql = format!(
            "SELECT seq, badge, role, requested_via, kind, scope, query, volunteers, at_ms
             FROM access_log WHERE {} ORDER BY seq DESC LIMIT ?",
            conditions.join(" AND ")
        );
        let mut statement = self.connection.prepare_cached(&sql)?;
        let rows = statement
            .query_map(rusqlite::params_from_iter(values.iter()), |row| {
                Ok(AccessLogEntry {
                    seq: row.get(0)?,
                    read: AccessRead {
                        badge: row.get(1)?,
                        role: row.get(2)?,
                        requested_via: row.get(3)?,
                        kind: row.get(4)?,
                        scope: row.get(5)?,
                        query: row.get(6)?,
                        volunteers: u64::try_from(row.get::<_, i64>(7)?).unwrap_or(0),
                    },
                    at_ms: row.get(8)?,
                })
            })?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(badge: &str, kind: &str, volunteers: u64) -> AccessRead {
        AccessRead {
            badge: badge.to_owned(),
            role: "station_incharge".to_owned(),
            requested_via: "dev-1".to_owned(),
            kind: kind.to_owned(),
            scope: "BSP-PS-KONI".to_owned(),
            query: String::new(),
            volunteers,
        }
    }

    #[test]
    fn a_read_whose_line_cannot_be_written_returns_nothing() {
        let store = ServerStore::open_in_memory().expect("store opens");
        store
            .connection
            .execute_batch(
                "CREATE TRIGGER refuse_access BEFORE INSERT ON access_log
                 BEGIN SELECT RAISE(ABORT, 'disk full, say'); END;",
            )
            .expect("trigger");
        let answer = store.read_logged(5, |_| Ok("names"), |_| read("CG-1", "duplicates", 2));
        assert!(answer.is_err());
    }

    #[test]
    fn filters_narrow_and_pages_run_newest_first() {
        let mut store = ServerStore::open_in_memory().expect("store opens");
        store
            .read_logged(10, |_| Ok(()), |_| read("CG-1", "review_queue", 3))
            .expect("logged");
        store
            .save_access(&read("CG-2", "sync", 4), 20)
            .expect("logged");
        store
            .read_logged(30, |_| Ok(()), |_| read("CG-1", "duplicates", 2))
            .expect("logged");
        let seqs = |filter: AccessFilter, limit| -> Vec<i64> {
            store
                .load_access_log(&filter, limit)
                .expect("listed")
                .iter()
                .map(|entry| entry.at_ms)
                .collect()
        };
        assert_eq!(seqs(AccessFilter::default(), 10), vec![30, 20, 10]);
        let by_badge = AccessFilter {
            badge: Some("CG-1".into()),
            ..AccessFilter::default()
        };
        assert_eq!(seqs(by_badge, 10), vec![30, 10]);
        let window = AccessFilter {
            from_ms: Some(10),
            to_ms: Some(30),
            ..AccessFilter::default()
        };
        assert_eq!(seqs(window, 10), vec![20, 10]);
        let kind = AccessFilter {
            kind: Some("sync".into()),
            ..AccessFilter::default()
        };
        assert_eq!(seqs(kind, 10), vec![20]);
        let first = store
            .load_access_log(&AccessFilter::default(), 1)
            .expect("listed");
        let next = AccessFilter {
            before_seq: Some(first[0].seq),
            ..AccessFilter::default()
        };
        assert_eq!(seqs(next, 10), vec![20, 10]);
    }
}
