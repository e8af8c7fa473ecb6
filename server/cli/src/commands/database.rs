//! Opening the district database from the command line, encrypted or not.

use std::path::{Path, PathBuf};

use clap::Args;
use mitan_server::store::{DatabaseKey, ServerStore};

use crate::error::Result;

/// The key the district database is encrypted under, for every command that opens it.
#[derive(Debug, Clone, Default, Args)]
pub struct KeyFile {
    /// A file holding the key the database is encrypted under (64 hex digits, made by
    /// `mitan admin encrypt`); without it the database is read as a plain SQLite file.
    #[arg(long, env = "MITAN_DB_KEY_FILE", global = true)]
    pub db_key_file: Option<PathBuf>,
}

impl KeyFile {
    /// The key, read from its file, if one was named.
    pub fn key(&self) -> Result<Option<DatabaseKey>> {
        Ok(self
            .db_key_file
            .as_deref()
            .map(DatabaseKey::from_file)
            .transpose()?)
    }

    /// Opens the database at `db` to write, creating and migrating it if needed.
    pub fn open(&self, db: &Path) -> Result<ServerStore> {
        Ok(ServerStore::open_keyed(db, self.key()?.as_ref())?)
    }

    /// Opens the database at `db` to read only.
    pub fn open_reader(&self, db: &Path) -> Result<ServerStore> {
        Ok(ServerStore::open_reader_keyed(db, self.key()?.as_ref())?)
    }
}
