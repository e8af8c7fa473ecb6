//! The district database encrypted at rest with SQLCipher, as the phone's store is: a
//! database file copied off the server, or a backup of it, then shows nothing without the
//! key, which lives in a file of its own (`--db-key-file`) that can be kept on another disk,
//! mounted from a secret store, or left out of the backups.

use std::fmt;
use std::path::Path;

use rusqlite::Connection;

use crate::auth::random_bytes;
use crate::error::{Error, Result};

/// A 256-bit SQLCipher key, written in its file as 64 hex digits.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseKey([u8; 32]);

impl fmt::Debug for DatabaseKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DatabaseKey(…)")
    }
}

impl DatabaseKey {
    /// Reads the key from `path`.
    pub fn from_file(path: &Path) -> Result<Self> {
        let unreadable = |reason: String| Error::KeyFile {
            path: path.display().to_string(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|error| unreadable(error.to_string()))?;
        let bytes = hex::decode(text.trim())
            .ok()
            .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
            .ok_or_else(|| unreadable("expected 64 hex digits".into()))?;
        Ok(DatabaseKey(bytes))
    }

    /// Draws a new key and writes it to `path`, which must not exist yet, readable by its
    /// owner alone.
    pub fn create_file(path: &Path) -> Result<Self> {
        let key = DatabaseKey(random_bytes::<32>()?);
        if path.exists() {
            return Err(Error::KeyFile {
                path: path.display().to_string(),
                reason: "already exists; a key file is never overwritten".into(),
            });
        }
        crate::private_files::write(path, format!("{}\n", hex::encode(key.0)).as_bytes())?;
        Ok(key)
    }

    /// The key as SQLCipher's `PRAGMA key` takes a raw key (no passphrase derivation: it is
    /// random already).
    pub(super) fn pragma(&self) -> String {
        format!("x'{}'", hex::encode(self.0))
    }
}

/// Gives `connection` its key, first of all, and checks that the file opens with it.
pub(super) fn unlock(
    connection: &Connection,
    key: Option<&DatabaseKey>,
    path: &Path,
) -> Result<()> {
    mitan_core::store::finish_sqlcipher_setup();
    if let Some(key) = key {
        connection.pragma_update(None, "key", key.pragma())?;
    }
    // A busy database is waited for, so that a lock is never taken for a wrong key.
    connection.busy_timeout(std::time::Duration::from_secs(5))?;
    match connection.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(())) {
        Ok(()) => Ok(()),
        Err(rusqlite::Error::SqliteFailure(failure, _))
            if failure.code == rusqlite::ErrorCode::NotADatabase =>
        {
            Err(Error::Locked {
                path: path.display().to_string(),
                keyed: key.is_some(),
            })
        }
        Err(other) => Err(other.into()),
    }
}

/// Encrypts the plain database at `path` under `key`, in place: its content is copied into an
/// encrypted file beside it, which then replaces it. Nothing else may have it open.
pub fn encrypt_in_place(path: &Path, key: &DatabaseKey) -> Result<()> {
    let encrypted = path.with_extension("encrypting");
    let _ = std::fs::remove_file(&encrypted);
    crate::private_files::prepare_database(&encrypted)?;
    {
        let connection = Connection::open(path)?;
        unlock(&connection, None, path)?;
        // Everything in the WAL goes into the main file first, so that the copy misses
        // nothing and the plain WAL can go.
        connection.pragma_update(None, "wal_checkpoint", "TRUNCATE")?;
        connection.execute(
            "ATTACH DATABASE ?1 AS encrypted KEY ?2",
            rusqlite::params![
                encrypted.to_string_lossy(),
                format!("x'{}'", hex::encode(key.0))
            ],
        )?;
        connection.query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))?;
        // The export copies tables, not the header: the schema version goes across by hand,
        // or the migrations would run again on the copy.
        let version: i64 = connection.query_row("PRAGMA user_version", [], |row| row.get(0))?;
        connection.execute_batch(&format!("PRAGMA encrypted.user_version = {version}"))?;
        connection.execute("DETACH DATABASE encrypted", [])?;
    }
    std::fs::rename(&encrypted, path)?;
    for suffix in ["-wal", "-shm"] {
        let mut side = path.as_os_str().to_owned();
        side.push(suffix);
        let _ = std::fs::remove_file(std::path::PathBuf::from(side));
    }
    Ok(())
}
