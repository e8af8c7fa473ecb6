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
    include_str!("../../migrations/004_entry_keys_camera_owner_sealed.sql"),
    include_str!("../../migrations/005_device_signing_key.sql"),
    include_str!("../../migrations/006_volunteer_moved_to.sql"),
    include_str!("../../migrations/007_phone_recovery.sql"),
    include_str!("../../migrations/008_device_credential.sql"),
    include_str!("../../migrations/009_places.sql"),
    include_str!("../../migrations/010_district_programmes.sql"),
    include_str!("../../migrations/011_roster_seal_together.sql"),
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

// The comparison is shared with the server's store, which runs it on its own migrations.
#[cfg(test)]
#[path = "../../tests/schemas/upgrade.rs"]
mod upgrade;

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
    fn migration_004_keeps_volunteers_keys_and_drops_camera_owners_from_the_index() {
        let mut connection = Connection::open_in_memory().expect("in-memory database");
        apply_migrations(&mut connection, &MIGRATIONS[..3]).expect("migrations 001 to 003");
        let key = [7u8; 32];
        let origin = [9u8; 32];
        connection
            .execute(
                "INSERT INTO volunteer_key (volunteer_id, key, origin_change) VALUES (?1, ?2, ?3)",
                rusqlite::params![
                    "01KAQ0000000000000000000V1",
                    key.as_slice(),
                    origin.as_slice()
                ],
            )
            .expect("a key of a version 3 store");
        connection
            .execute_batch(
                "INSERT INTO roster (roster_id) VALUES ('BSP-PS-KONI-B01');
                 INSERT INTO camera (id, roster_id, village, owner_name, owner_phone, latitude,
                     longitude, coverage)
                 VALUES ('01KAQ0000000000000000000C1', 'BSP-PS-KONI-B01', '430001',
                     'Plain Owner', '+919876543210', 22.0, 82.0, 'gate');",
            )
            .expect("a camera row of a version 3 store");
        migrate(&mut connection).expect("migrates to the current version");
        /// Kind, id, key and origin of a stored key.
        type KeyRow = (String, String, Vec<u8>, Option<Vec<u8>>);
        let keys: Vec<KeyRow> = connection
            .prepare("SELECT entry_kind, entry_id, key, origin_change FROM entry_key")
            .expect("query prepares")
            .query_map([], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
            })
            .expect("query runs")
            .collect::<std::result::Result<_, _>>()
            .expect("rows decode");
        assert_eq!(
            keys,
            vec![(
                "volunteer".into(),
                "01KAQ0000000000000000000V1".into(),
                key.to_vec(),
                Some(origin.to_vec())
            )]
        );
        let columns: Vec<String> = connection
            .prepare("SELECT name FROM pragma_table_info('camera') ORDER BY cid")
            .expect("query prepares")
            .query_map([], |row| row.get(0))
            .expect("query runs")
            .collect::<std::result::Result<_, _>>()
            .expect("rows decode");
        assert!(
            !columns.iter().any(|column| column.starts_with("owner")),
            "{columns:?}"
        );
        let (coverage, sealed): (String, i64) = connection
            .query_row("SELECT coverage, sealed FROM camera", [], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .expect("the camera row stays");
        assert_eq!((coverage.as_str(), sealed), ("gate", 0));
    }

    /// The phone store's snapshots, one per schema version, in `core/tests/schemas/`.
    fn snapshots() -> super::upgrade::Store<'static> {
        super::upgrade::Store {
            name: "phone",
            snapshots: std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas"),
            versions: MIGRATIONS.len(),
            // Unkeyed, as the other tests here: SQLCipher's encryption changes the pages,
            // not the schema.
            open: || Connection::open_in_memory().expect("in-memory database"),
            migrate_to: |connection, version| {
                apply_migrations(connection, &MIGRATIONS[..version]).expect("migrations apply");
            },
            migrate: |connection| migrate(connection).expect("migrates to the current version"),
            regenerate: "MITAN_BLESS_SCHEMAS=1 cargo test -p mitan-core --lib store::schema",
        }
    }

    #[test]
    fn every_schema_version_has_a_snapshot_that_its_migrations_still_make() {
        super::upgrade::snapshots_are_what_the_migrations_make(&snapshots());
    }

    #[test]
    fn a_store_upgraded_from_each_old_schema_equals_a_fresh_one() {
        super::upgrade::every_old_schema_upgrades_to_the_fresh_one(&snapshots());
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
