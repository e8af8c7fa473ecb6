//! Consent notices and the district's consent policy in the server's database.

use rusqlite::{OptionalExtension, params};

use super::ServerStore;
use crate::error::Result;

/// A published notice, with who published it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredNotice {
    /// The language code.
    pub language: String,
    /// The version within the language.
    pub version: u32,
    /// The text.
    pub text: String,
    /// When it was published, by the server clock.
    pub published_at_ms: i64,
    /// The badge of the admin who published it.
    pub published_by: String,
}

impl ServerStore {
    /// Adds a programme to the district's list, or renames one.
    pub fn save_programme(
        &mut self,
        programme: &mitan_core::model::DistrictProgramme,
        set_by: &str,
        now_ms: i64,
    ) -> Result<()> {
        self.connection.execute(
            "INSERT INTO programme (code, name_hi, name_en, set_by, set_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (code) DO UPDATE SET name_hi = excluded.name_hi,
                 name_en = excluded.name_en, set_by = excluded.set_by,
                 set_at_ms = excluded.set_at_ms",
            params![
                programme.code.as_str(),
                programme.name_hi,
                programme.name_en,
                set_by,
                now_ms
            ],
        )?;
        Ok(())
    }

    /// The district's programmes as (code, Hindi name, English name), by code.
    pub fn load_programmes(&self) -> Result<Vec<(String, String, String)>> {
        let mut statement = self
            .connection
            .prepare_cached("SELECT code, name_hi, name_en FROM programme ORDER BY code")?;
        let rows = statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Adds a notice. The table refuses a version already published (primary key), and its
    /// triggers refuse changing or removing one.
    pub fn save_notice(&mut self, notice: &StoredNotice) -> Result<()> {
        self.connection.execute(
            "INSERT INTO consent_notice (language, version, text, published_at_ms, published_by)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                notice.language,
                notice.version,
                notice.text,
                notice.published_at_ms,
                notice.published_by
            ],
        )?;
        Ok(())
    }

    /// The newest version published in `language`, if any.
    pub fn latest_notice_version(&self, language: &str) -> Result<Option<u32>> {
        Ok(self.connection.query_row(
            "SELECT max(version) FROM consent_notice WHERE language = ?1",
            [language],
            |row| row.get(0),
        )?)
    }

    /// The newest notice of every language, by language.
    pub fn load_current_notices(&self) -> Result<Vec<StoredNotice>> {
        let mut statement = self.connection.prepare(
            "SELECT language, version, text, published_at_ms, published_by
             FROM consent_notice AS notice
             WHERE version = (SELECT max(version) FROM consent_notice
                              WHERE language = notice.language)
             ORDER BY language",
        )?;
        let notices = statement
            .query_map([], |row| {
                Ok(StoredNotice {
                    language: row.get(0)?,
                    version: row.get(1)?,
                    text: row.get(2)?,
                    published_at_ms: row.get(3)?,
                    published_by: row.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(notices)
    }

    /// Sets the district's policy on people under 18.
    pub fn save_adults_only(&mut self, adults_only: bool, set_by: &str, now_ms: i64) -> Result<()> {
        self.connection.execute(
            "INSERT INTO consent_policy (only_row, adults_only, set_by, set_at_ms)
             VALUES (1, ?1, ?2, ?3)
             ON CONFLICT (only_row) DO UPDATE SET adults_only = excluded.adults_only,
                 set_by = excluded.set_by, set_at_ms = excluded.set_at_ms",
            params![adults_only, set_by, now_ms],
        )?;
        Ok(())
    }

    /// Whether the district enrols adults only; `false` until an admin says otherwise.
    pub fn load_adults_only(&self) -> Result<bool> {
        Ok(self
            .connection
            .query_row(
                "SELECT adults_only FROM consent_policy WHERE only_row = 1",
                [],
                |row| row.get(0),
            )
            .optional()?
            .unwrap_or(false))
    }
}
