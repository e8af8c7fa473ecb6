//! Versioned migrations of the on-device schema, tracked in `PRAGMA user_version`.
//!
//! Each migration is a file in `core/migrations/` that never changes once shipped; the test
//! below checks that a database upgraded step by step equals one created fresh.

use rusqlite::Connection;

use crate::error::{Error, Result};

/// Migrations in order; the schema version is the number applied.
const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/001_initial.sql"),
    include_str!("../../migrations/002_volunteer_keys.sql"),
    include_str!("../../migrations/003_consent_notices.sql"),
];

/// The schema version this build creates.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the database up to [`SCHEMA_VERSION`], each step in its own transaction.
pub(crate) fn migrate(connection: &mut Connection) -> Result<()> {
    apply_migrations(connection, MIGRATIONS)
}

/// Applies the `migrations` a database has not seen yet, in order, each in its own
/// transaction, recording the count applied in `PRAGMA user_version`. A database that has
/// seen more migrations than `migrations` holds was written by a newer build and is refused
/// untouched. The server's store uses the same runner over its own list.
pub fn apply_migrations(connection: &mut Connection, migrations: &[&str]) -> Result<()> {
    let supported = migrations.len() as i64;
    let found: i64 = connection.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if found > supported {
        return Err(Error::SchemaTooNew { found, supported });
    }
    for (index, sql) in migrations
        .iter()
        .enumerate()
        .skip(usize::try_from(found).unwrap_or(0))
    {
        let transaction = connection.transaction()?;
        transaction.execute_batch(sql)?;
        transaction.pragma_update(None, "user_version", index as i64 + 1)?;
        transaction.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema_of(connection: &Connection) -> Vec<(String, String)> {
        let mut statement = connection
            .prepare("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")
            .expect("sqlite_master is always readable");
        statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .expect("query runs")
            .collect::<std::result::Result<_, _>>()
            .expect("rows decode")
    }

    #[test]
    fn migrating_twice_changes_nothing() {
        let mut connection = Connection::open_in_memory().expect("in-memory database");
        migrate(&mut connection).expect("first migration");
        let once = schema_of(&connection);
        migrate(&mut connection).expect("second migration is a no-op");
        assert_eq!(once, schema_of(&connection));
        let version: i64 = connection
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .expect("version");
        assert_eq!(version, SCHEMA_VERSION);
    }

    #[test]
    fn a_store_from_a_newer_build_is_refused() {
        let mut connection = Connection::open_in_memory().expect("in-memory database");
        connection
            .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .expect("set version");
        assert!(matches!(
            migrate(&mut connection),
            Err(Error::SchemaTooNew { .. })
        ));
    }
}
