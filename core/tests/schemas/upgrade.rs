//! The "upgraded equals fresh" check of a store's migrations, shared by the phone's store
//! (`core/src/store/schema.rs`) and the server's (`server/src/store/schema.rs`), which each
//! include this file into their test module with `#[path]`: the migration runner and the
//! `MIGRATIONS` lists are private to those modules, and both stores must be held to the
//! same comparison.
//!
//! A store keeps one snapshot per schema version in a folder of its own (`v001.sql`, …):
//! the `sqlite_master` SQL after migrations 1 to k, then `PRAGMA user_version = k`. Old
//! snapshots stand for databases already in the field; the newest is the "old" database of
//! the next migration. Snapshots are written by the test (`MITAN_BLESS_SCHEMAS=1`) and
//! never edited by hand.

use std::path::{Path, PathBuf};

use rusqlite::Connection;

/// What a store's tests hand over: where its snapshots live and how it migrates.
pub(super) struct Store<'a> {
    /// Which store, for messages.
    pub(super) name: &'a str,
    /// The folder of its snapshots.
    pub(super) snapshots: PathBuf,
    /// The number of migrations this build ships: the newest schema version.
    pub(super) versions: usize,
    /// An empty database on which the store's migrations can run (its SQL functions
    /// registered).
    pub(super) open: fn() -> Connection,
    /// Applies the first `k` migrations, as a build of version `k` did.
    pub(super) migrate_to: fn(&mut Connection, usize),
    /// The store's real migration code, as it runs on open.
    pub(super) migrate: fn(&mut Connection),
    /// The command that rewrites the snapshots.
    pub(super) regenerate: &'a str,
}

/// One schema object as compared: type, name, table and SQL with white space folded. The
/// root page is left out: it says where the object sits in the file, not what it is.
type SchemaObject = (String, String, String, Option<String>);

fn objects(connection: &Connection) -> Vec<SchemaObject> {
    let mut statement = connection
        .prepare("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name")
        .expect("sqlite_master is always readable");
    statement
        .query_map([], |row| {
            let sql: Option<String> = row.get(3)?;
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                sql.map(|sql| sql.split_whitespace().collect::<Vec<_>>().join(" ")),
            ))
        })
        .expect("query runs")
        .collect::<Result<_, _>>()
        .expect("rows decode")
}

fn user_version(connection: &Connection) -> usize {
    connection
        .query_row("PRAGMA user_version", [], |row| row.get::<_, i64>(0))
        .expect("version")
        .try_into()
        .expect("a schema version is never negative")
}

/// The snapshot of `connection`'s schema: every object SQLite does not make on its own,
/// tables first so that indexes, views and triggers find theirs, each group in the order it
/// was created.
fn dump(store: &Store<'_>, connection: &Connection) -> String {
    let version = user_version(connection);
    let mut statement = connection
        .prepare(
            "SELECT sql FROM sqlite_master
             WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
             ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 WHEN 'view' THEN 2
                 ELSE 3 END, rowid",
        )
        .expect("sqlite_master is always readable");
    let statements: Vec<String> = statement
        .query_map([], |row| row.get(0))
        .expect("query runs")
        .collect::<Result<_, _>>()
        .expect("rows decode");
    let mut text = format!(
        "-- The {} schema at version {version}, as migrations 1 to {version} leave it.\n\
         -- Written by the test; regenerate with: {}\n\n",
        store.name, store.regenerate
    );
    for sql in statements {
        text.push_str(&sql);
        text.push_str(";\n\n");
    }
    text.push_str(&format!("PRAGMA user_version = {version};\n"));
    text
}

fn snapshot_path(store: &Store<'_>, version: usize) -> PathBuf {
    store.snapshots.join(format!("v{version:03}.sql"))
}

fn read_snapshot(store: &Store<'_>, version: usize) -> String {
    let path = snapshot_path(store, version);
    std::fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!(
            "{}: {error}; every schema version needs its snapshot: {}",
            path.display(),
            store.regenerate
        )
    })
}

fn blessing() -> bool {
    std::env::var_os("MITAN_BLESS_SCHEMAS").is_some()
}

/// Checks that the snapshot of every version is what migrations 1 to k make today, so a
/// migration edited after it shipped fails here; with `MITAN_BLESS_SCHEMAS` set, writes
/// the snapshots instead.
pub(super) fn snapshots_are_what_the_migrations_make(store: &Store<'_>) {
    for version in 1..=store.versions {
        let mut connection = (store.open)();
        (store.migrate_to)(&mut connection, version);
        let made = dump(store, &connection);
        if blessing() {
            write(&snapshot_path(store, version), &made);
            continue;
        }
        assert!(
            read_snapshot(store, version) == made,
            "{}: migrations 1 to {version} no longer make this schema. A shipped migration \
             must not change; if this snapshot is new or was wrong, {}",
            snapshot_path(store, version).display(),
            store.regenerate
        );
    }
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("a snapshot sits in a folder"))
        .expect("the snapshot folder can be made");
    std::fs::write(path, text).expect("the snapshot can be written");
}

/// Creates a database from each older snapshot, runs the real migration code on it, and
/// compares its schema with a database migrated from empty.
pub(super) fn every_old_schema_upgrades_to_the_fresh_one(store: &Store<'_>) {
    if blessing() {
        // The snapshots are being rewritten beside this test; the next run checks them.
        return;
    }
    let mut fresh = (store.open)();
    (store.migrate)(&mut fresh);
    assert_eq!(user_version(&fresh), store.versions);
    let expected = objects(&fresh);
    for version in 1..store.versions {
        let mut connection = (store.open)();
        connection
            .execute_batch(&read_snapshot(store, version))
            .unwrap_or_else(|error| {
                panic!("the {} snapshot v{version:03} loads: {error}", store.name)
            });
        assert_eq!(user_version(&connection), version, "the snapshot sets it");
        (store.migrate)(&mut connection);
        assert_eq!(user_version(&connection), store.versions);
        let upgraded = objects(&connection);
        let only_fresh: Vec<&SchemaObject> = expected
            .iter()
            .filter(|object| !upgraded.contains(object))
            .collect();
        let only_upgraded: Vec<&SchemaObject> = upgraded
            .iter()
            .filter(|object| !expected.contains(object))
            .collect();
        assert!(
            only_fresh.is_empty() && only_upgraded.is_empty(),
            "the {} store upgraded from version {version} differs from a fresh one\n\
             only in the fresh one: {only_fresh:#?}\nonly in the upgraded one: {only_upgraded:#?}",
            store.name
        );
    }
}
