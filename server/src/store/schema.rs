//! Versioned migrations of the server schema, tracked in `PRAGMA user_version`.
//!
//! Each migration is a file in `server/migrations/` that never changes once shipped.

use rusqlite::Connection;

use mitan_core::store::apply_migrations;

use crate::error::{Error, Result};

/// Migrations in order; the schema version is the number applied, and each file's number is
/// the version it brings a database to. A new migration takes the next number and goes last.
const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/001_initial.sql"),
    include_str!("../../migrations/002_targets_supervision_exports.sql"),
    include_str!("../../migrations/003_stored_name_key_covering_report_indexes.sql"),
    include_str!("../../migrations/004_volunteer_keys.sql"),
    include_str!("../../migrations/005_phone_blind_index.sql"),
    include_str!("../../migrations/006_access_log.sql"),
    include_str!("../../migrations/007_consent_notices.sql"),
    include_str!("../../migrations/008_supervisor_withdrawal.sql"),
    include_str!("../../migrations/009_entry_keys.sql"),
    include_str!("../../migrations/010_change_log_by_entry.sql"),
    include_str!("../../migrations/011_device_keys_change_signatures.sql"),
    include_str!("../../migrations/012_console_sign_in.sql"),
    include_str!("../../migrations/013_trainers.sql"),
    include_str!("../../migrations/014_programmes.sql"),
    include_str!("../../migrations/015_cameras.sql"),
    include_str!("../../migrations/016_staff_groups.sql"),
    include_str!("../../migrations/017_sync_manifests.sql"),
    include_str!("../../migrations/018_device_protocol.sql"),
    include_str!("../../migrations/019_levels_above_the_district.sql"),
];

/// The schema version this build creates.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The schema version that added `volunteer.trained_by`, which rows written earlier lack.
pub(super) const TRAINERS_VERSION: i64 = 13;

/// The schema version that added the `camera` rows, which cameras registered earlier lack.
pub(super) const CAMERAS_VERSION: i64 = 15;

/// The schema version that added `volunteer.birth_year`, which rows written earlier lack.
pub(super) const BIRTH_YEARS_VERSION: i64 = 16;

/// The database's schema version as it stands (0 for a new file).
pub(super) fn version(connection: &Connection) -> Result<i64> {
    Ok(connection.query_row("PRAGMA user_version", [], |row| row.get(0))?)
}

/// Brings the database up to [`SCHEMA_VERSION`], each step in its own transaction, with the
/// same runner as the phone's store.
pub(super) fn migrate(connection: &mut Connection) -> Result<()> {
    apply_migrations(connection, MIGRATIONS).map_err(|error| match error {
        mitan_core::Error::SchemaTooNew { found, supported } => {
            Error::SchemaTooNew { found, supported }
        }
        mitan_core::Error::Storage(error) => Error::from(error),
        other => Error::Core(other),
    })
}

// The comparison the phone's store runs on its migrations, run here on the server's.
#[cfg(test)]
#[path = "../../../core/tests/schemas/upgrade.rs"]
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
        super::super::register_functions(&connection).expect("functions register");
        migrate(&mut connection).expect("first migration");
        let once = schema_of(&connection);
        migrate(&mut connection).expect("second migration is a no-op");
        assert_eq!(once, schema_of(&connection));
    }

    #[test]
    fn migration_003_backfills_name_keys_and_programmes_of_existing_rows() {
        let mut connection = Connection::open_in_memory().expect("in-memory database");
        super::super::register_functions(&connection).expect("functions register");
        for sql in &MIGRATIONS[..2] {
            connection
                .execute_batch(sql)
                .expect("migrations 001 and 002 apply");
        }
        connection
            .pragma_update(None, "user_version", 2)
            .expect("set version");
        connection
            .execute_batch(
                "INSERT INTO volunteer (id, roster_id, station, beat, village, status, gender,
                     name_devanagari, name_latin, enrolled_by, enrolled_on, enrolled_at_ms,
                     updated_at_ms)
                 VALUES ('v1', 'B', 'S', 'B', '400001', 'pending', 'female', 'सुनीता साहू',
                         'Sunita Sahu', 'CG-1', 'dev-1', 1, 1),
                        ('v2', 'B', 'S', 'B', '400001', 'pending', 'female', NULL,
                         'Suneeta Saahu', 'CG-1', 'dev-1', 2, 2),
                        ('v3', 'B', 'S', 'B', '400001', 'withdrawn', 'female', NULL, NULL,
                         'CG-1', 'dev-1', 3, 3);
                 INSERT INTO volunteer_programme VALUES ('v1', 'police_mitan'),
                     ('v1', 'cyber_mitan'), ('v2', 'gram_rakshak');",
            )
            .expect("rows of a version 2 database");
        migrate(&mut connection).expect("migrates to the current version");
        let rows: Vec<(String, Option<String>, String)> = connection
            .prepare("SELECT id, name_key, programmes FROM volunteer ORDER BY id")
            .expect("query prepares")
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .expect("query runs")
            .collect::<std::result::Result<_, _>>()
            .expect("rows decode");
        let key = mitan_core::model::validate::phonetic_key;
        assert_eq!(
            rows,
            vec![
                (
                    "v1".into(),
                    Some(key("सुनीता साहू")),
                    "cyber_mitan police_mitan".into()
                ),
                (
                    "v2".into(),
                    Some(key("Suneeta Saahu")),
                    "gram_rakshak".into()
                ),
                ("v3".into(), None, String::new()),
            ]
        );
    }

    #[test]
    fn migration_005_tags_existing_phones_with_a_fresh_secret() {
        let mut connection = Connection::open_in_memory().expect("in-memory database");
        super::super::register_functions(&connection).expect("functions register");
        // File numbers name migrations; their place in `MIGRATIONS` is the version.
        let version = MIGRATIONS
            .iter()
            .position(|sql| *sql == include_str!("../../migrations/005_phone_blind_index.sql"))
            .expect("migration 005 is listed");
        for sql in &MIGRATIONS[..version] {
            connection
                .execute_batch(sql)
                .expect("the migrations before 005 apply");
        }
        connection
            .pragma_update(None, "user_version", version as i64)
            .expect("set version");
        connection
            .execute_batch(
                "INSERT INTO volunteer (id, roster_id, station, beat, village, status, gender,
                     phone, enrolled_by, enrolled_on, enrolled_at_ms, updated_at_ms)
                 VALUES ('v1', 'B', 'S', 'B', '400001', 'pending', 'female', '+919131975318',
                         'CG-1', 'dev-1', 1, 1),
                        ('v2', 'B', 'S', 'B', '400001', 'withdrawn', 'female', NULL,
                         'CG-1', 'dev-1', 2, 2);",
            )
            .expect("rows of the version before 005");
        migrate(&mut connection).expect("migrates to the current version");
        let secret: Vec<u8> = connection
            .query_row("SELECT secret FROM phone_index_secret", [], |row| {
                row.get(0)
            })
            .expect("one secret");
        assert_eq!(secret.len(), 32);
        let tags: Vec<(String, Option<Vec<u8>>)> = connection
            .prepare("SELECT id, phone_tag FROM volunteer ORDER BY id")
            .expect("query prepares")
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .expect("query runs")
            .collect::<std::result::Result<_, _>>()
            .expect("rows decode");
        let tag = super::super::phone_index::phone_tag(&secret, "+919131975318");
        assert_eq!(
            tags,
            vec![("v1".into(), Some(tag.to_vec())), ("v2".into(), None)]
        );
    }

    #[test]
    fn migration_009_keeps_every_volunteer_key_as_an_entry_key() {
        let mut connection = Connection::open_in_memory().expect("in-memory database");
        super::super::register_functions(&connection).expect("functions register");
        let version = MIGRATIONS
            .iter()
            .position(|sql| *sql == include_str!("../../migrations/009_entry_keys.sql"))
            .expect("migration 009 is listed");
        apply_migrations(&mut connection, &MIGRATIONS[..version])
            .expect("the migrations before 009");
        connection
            .execute(
                "INSERT INTO volunteer_key (volunteer_id, key, from_device, received_at_ms)
                 VALUES ('01KAQ0000000000000000000V1', ?1, 'dev-1', 5)",
                [[7u8; 32].as_slice()],
            )
            .expect("a key of the version before 009");
        migrate(&mut connection).expect("migrates to the current version");
        /// Kind, id, key, delivering device and time of a stored key.
        type KeyRow = (String, String, Vec<u8>, String, i64);
        let rows: Vec<KeyRow> = connection
            .prepare("SELECT entry_kind, entry_id, key, from_device, received_at_ms FROM entry_key")
            .expect("query prepares")
            .query_map([], |row| {
                Ok((
                    row.get(0)?,
                    row.get(1)?,
                    row.get(2)?,
                    row.get(3)?,
                    row.get(4)?,
                ))
            })
            .expect("query runs")
            .collect::<std::result::Result<_, _>>()
            .expect("rows decode");
        assert_eq!(
            rows,
            vec![(
                "volunteer".into(),
                "01KAQ0000000000000000000V1".into(),
                vec![7u8; 32],
                "dev-1".into(),
                5
            )]
        );
    }

    /// The server store's snapshots, one per schema version, in `server/tests/schemas/`.
    fn snapshots() -> super::upgrade::Store<'static> {
        super::upgrade::Store {
            name: "server",
            snapshots: std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas"),
            versions: MIGRATIONS.len(),
            open: || {
                let connection = Connection::open_in_memory().expect("in-memory database");
                super::super::register_functions(&connection).expect("functions register");
                connection
            },
            migrate_to: |connection, version| {
                apply_migrations(connection, &MIGRATIONS[..version]).expect("migrations apply");
            },
            migrate: |connection| migrate(connection).expect("migrates to the current version"),
            regenerate: "MITAN_BLESS_SCHEMAS=1 cargo test -p mitan-server --lib store::schema",
        }
    }

    #[test]
    fn every_schema_version_has_a_snapshot_that_its_migrations_still_make() {
        super::upgrade::snapshots_are_what_the_migrations_make(&snapshots());
    }

    #[test]
    fn a_database_upgraded_from_each_old_schema_equals_a_fresh_one() {
        super::upgrade::every_old_schema_upgrades_to_the_fresh_one(&snapshots());
    }

    #[test]
    fn a_database_from_a_newer_build_is_refused() {
        let mut connection = Connection::open_in_memory().expect("in-memory database");
        connection
            .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .expect("set version");
        assert!(matches!(
            migrate(&mut connection),
            Err(Error::SchemaTooNew { .. })
        ));
    }

    #[test]
    fn migration_019_keeps_every_unit_user_and_their_dependants_and_gives_campaigns_the_district() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("version-18.db");
        {
            let mut connection = Connection::open(&path).expect("database opens");
            super::super::register_functions(&connection).expect("functions register");
            connection
                .pragma_update(None, "foreign_keys", true)
                .expect("pragma");
            mitan_core::store::apply_migrations(&mut connection, &MIGRATIONS[..18])
                .expect("migrations 001 to 018");
            connection
                .execute_batch(
                    "INSERT INTO unit (code, kind, name_hi, name_en, parent, lgd_code) VALUES
                         ('CG', 'state', 'छत्तीसगढ़', 'Chhattisgarh', NULL, NULL),
                         ('CG-BSP', 'range', 'बिलासपुर रेंज', 'Bilaspur range', 'CG', NULL),
                         ('BSP', 'district', 'बिलासपुर', 'Bilaspur', 'CG-BSP', NULL),
                         ('BSP-C1', 'circle', 'वृत्त 1', 'Circle 1', 'BSP', NULL),
                         ('BSP-PS-A', 'station', 'थाना अ', 'Station A', 'BSP-C1', NULL),
                         ('BSP-PS-A-B01', 'beat', 'बीट 1', 'Beat 1', 'BSP-PS-A', NULL);
                     INSERT INTO user (badge, name, role, unit, created_at_ms) VALUES
                         ('CG-1', 'Ramesh', 'constable', 'BSP-PS-A', 1),
                         ('CG-9', 'Sunita', 'district_admin', 'BSP', 1);
                     INSERT INTO user_beat (badge, beat) VALUES ('CG-1', 'BSP-PS-A-B01');
                     INSERT INTO device (id, badge, actor, credential_hash, registered_at_ms)
                         VALUES ('dev-1', 'CG-1', randomblob(16), randomblob(32), 1);
                     INSERT INTO campaign (code, name, programme, starts_on, ends_on, set_by,
                         set_at_ms) VALUES ('cm-2025', 'Cyber Mitan', NULL, '2025-11-24',
                         '2025-11-25', 'CG-9', 1);
                     INSERT INTO target (campaign, subject_kind, subject, volunteers, set_by,
                         set_at_ms) VALUES ('cm-2025', 'unit', 'BSP-PS-A', 300, 'CG-9', 1);",
                )
                .expect("a version 18 district");
        }
        let store = super::super::ServerStore::open(&path).expect("migrates to 019");
        let connection = &store.connection;
        let count = |sql: &str| -> i64 {
            connection
                .query_row(sql, [], |row| row.get(0))
                .expect("counts")
        };
        assert_eq!(count("SELECT count(*) FROM unit"), 6);
        assert_eq!(count("SELECT count(*) FROM user"), 2);
        assert_eq!(count("SELECT count(*) FROM user_beat"), 1);
        assert_eq!(count("SELECT count(*) FROM device"), 1);
        assert_eq!(count("SELECT count(*) FROM target"), 1);
        assert_eq!(
            count("SELECT count(*) FROM pragma_foreign_key_check"),
            0,
            "every reference still finds its row"
        );
        let owner: Option<String> = connection
            .query_row(
                "SELECT unit FROM campaign WHERE code = 'cm-2025'",
                [],
                |row| row.get(0),
            )
            .expect("the campaign is kept");
        assert_eq!(owner.as_deref(), Some("BSP"));
        connection
            .execute_batch(
                "INSERT INTO unit (code, kind, name_hi, name_en, parent, lgd_code)
                     VALUES ('CG-Z1', 'zone', 'उत्तर ज़ोन', 'North zone', 'CG', NULL);
                 INSERT INTO user (badge, name, role, unit, created_at_ms)
                     VALUES ('CG-DGP-1', 'Cell', 'state_monitor', 'CG', 2);",
            )
            .expect("a zone and a state role are now allowed");
        let refused = connection.execute(
            "INSERT INTO user (badge, name, role, unit, created_at_ms)
                 VALUES ('CG-X', 'X', 'inspector', 'CG', 2)",
            [],
        );
        assert!(refused.is_err(), "the role CHECK still holds");
    }

    #[test]
    fn migration_011_gives_existing_supervisor_writers_the_servers_key_and_phones_none() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("version-10.db");
        {
            let mut connection = Connection::open(&path).expect("database opens");
            super::super::register_functions(&connection).expect("functions register");
            mitan_core::store::apply_migrations(&mut connection, &MIGRATIONS[..10])
                .expect("migrations 001 to 010");
            // With foreign keys off, the rows need no users or units.
            connection
                .pragma_update(None, "foreign_keys", false)
                .expect("pragma");
            connection
                .execute_batch(
                    "INSERT INTO device (id, badge, actor, credential_hash, registered_at_ms)
                     VALUES ('dev-phone', 'CG-001', zeroblob(16), randomblob(32), 1),
                            ('srv-writer', 'CG-100', randomblob(16), randomblob(32), 2);
                     INSERT INTO supervisor_actor (badge, device_id, created_at_ms)
                     VALUES ('CG-100', 'srv-writer', 2);",
                )
                .expect("a version 10 district's devices");
        }
        let store = super::super::ServerStore::open(&path).expect("migrates to 011");
        let server_key = store.load_server_key().expect("drawn on open").public();
        let device = |id: &str| {
            store
                .load_device(&id.parse().expect("valid"))
                .expect("reads")
                .expect("present")
        };
        assert_eq!(device("srv-writer").public_key, Some(server_key));
        assert_eq!(
            device("dev-phone").public_key,
            None,
            "a phone registered before keys must register again to sync"
        );
        drop(store);
        let reopened = super::super::ServerStore::open(&path).expect("opens again");
        assert_eq!(
            reopened.load_server_key().expect("kept").public(),
            server_key,
            "the key is drawn once"
        );
    }
}
