//! The station console's passwords, first-password codes and sessions (migration 012).
//! Policy (how many failures lock a badge, how long a session idles) lives in
//! `crate::console::session`; this module only reads and writes rows.

use mitan_core::model::BadgeNumber;
use rusqlite::{OptionalExtension, params};

use super::ServerStore;
use crate::error::Result;

/// A console password as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPassword {
    /// The argon2id hash, as a PHC string.
    pub hash: String,
    /// Wrong passwords in a row.
    pub failures: u32,
    /// Until when the badge is locked, if it is.
    pub locked_until_ms: Option<i64>,
}

/// A live console session as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSession {
    /// Whose.
    pub badge: String,
    /// The token every form of the session carries.
    pub csrf: String,
    /// When the session last answered a request.
    pub last_seen_ms: i64,
}

impl ServerStore {
    /// Records a one-time code with which `badge` sets a console password.
    pub fn save_console_code(
        &mut self,
        code_hash: &[u8; 32],
        badge: &BadgeNumber,
        issued_by: &str,
        now_ms: i64,
        expires_at_ms: i64,
    ) -> Result<()> {
        super::devices::insert_code(
            &self.connection,
            "console_code",
            code_hash,
            badge,
            issued_by,
            now_ms,
            expires_at_ms,
        )
    }

    /// Sets `badge`'s password to `hash` if `code_hash` is an unspent, unexpired code issued
    /// for that badge, spending the code, in one transaction. Returns whether it did; every
    /// session of the badge ends with the old password.
    pub fn set_console_password(
        &mut self,
        badge: &BadgeNumber,
        code_hash: &[u8; 32],
        hash: &str,
        now_ms: i64,
    ) -> Result<bool> {
        let transaction = self.connection.transaction()?;
        let spent = transaction.execute(
            "UPDATE console_code SET used_at_ms = ?3
             WHERE code_hash = ?1 AND badge = ?2 AND used_at_ms IS NULL AND expires_at_ms > ?3",
            params![code_hash.as_slice(), badge.as_str(), now_ms],
        )?;
        if spent == 0 {
            return Ok(false);
        }
        transaction.execute(
            "INSERT OR REPLACE INTO console_password (badge, hash, set_at_ms, failures)
             VALUES (?1, ?2, ?3, 0)",
            params![badge.as_str(), hash, now_ms],
        )?;
        transaction.execute(
            "UPDATE console_session SET ended_at_ms = ?2 WHERE badge = ?1 AND ended_at_ms IS NULL",
            params![badge.as_str(), now_ms],
        )?;
        transaction.commit()?;
        Ok(true)
    }

    /// Sets `badge`'s password directly: for the demo district, whose officers must be able
    /// to sign in at once.
    pub fn force_console_password(
        &mut self,
        badge: &BadgeNumber,
        hash: &str,
        now_ms: i64,
    ) -> Result<()> {
        self.connection.execute(
            "INSERT OR REPLACE INTO console_password (badge, hash, set_at_ms, failures)
             VALUES (?1, ?2, ?3, 0)",
            params![badge.as_str(), hash, now_ms],
        )?;
        Ok(())
    }

    /// `badge`'s password, if one was set.
    pub fn load_console_password(&self, badge: &BadgeNumber) -> Result<Option<StoredPassword>> {
        Ok(self
            .connection
            .query_row(
                "SELECT hash, failures, locked_until_ms FROM console_password WHERE badge = ?1",
                [badge.as_str()],
                |row| {
                    Ok(StoredPassword {
                        hash: row.get(0)?,
                        failures: row.get(1)?,
                        locked_until_ms: row.get(2)?,
                    })
                },
            )
            .optional()?)
    }

    /// Records the outcome of a sign-in: a success clears the failures, a failure counts one
    /// and locks the badge until `lock_until_ms` when given.
    pub fn record_console_sign_in(
        &mut self,
        badge: &BadgeNumber,
        succeeded: bool,
        lock_until_ms: Option<i64>,
    ) -> Result<()> {
        if succeeded {
            self.connection.execute(
                "UPDATE console_password SET failures = 0, locked_until_ms = NULL WHERE badge = ?1",
                [badge.as_str()],
            )?;
        } else {
            self.connection.execute(
                "UPDATE console_password SET failures = failures + 1,
                     locked_until_ms = coalesce(?2, locked_until_ms)
                 WHERE badge = ?1",
                params![badge.as_str(), lock_until_ms],
            )?;
        }
        Ok(())
    }

    /// Starts a session.
    pub fn save_console_session(
        &mut self,
        token_hash: &[u8; 32],
        badge: &BadgeNumber,
        csrf: &str,
        now_ms: i64,
    ) -> Result<()> {
        self.connection.execute(
            "INSERT INTO console_session (token_hash, badge, csrf, created_at_ms, last_seen_ms)
             VALUES (?1, ?2, ?3, ?4, ?4)",
            params![token_hash.as_slice(), badge.as_str(), csrf, now_ms],
        )?;
        Ok(())
    }

    /// The live (not ended) session with this token hash.
    pub fn load_console_session(&self, token_hash: &[u8; 32]) -> Result<Option<StoredSession>> {
        Ok(self
            .connection
            .query_row(
                "SELECT badge, csrf, last_seen_ms FROM console_session
                 WHERE token_hash = ?1 AND ended_at_ms IS NULL",
                [token_hash.as_slice()],
                |row| {
                    Ok(StoredSession {
                        badge: row.get(0)?,
                        csrf: row.get(1)?,
                        last_seen_ms: row.get(2)?,
                    })
                },
            )
            .optional()?)
    }

    /// Marks a session as seen now.
    pub fn touch_console_session(&mut self, token_hash: &[u8; 32], now_ms: i64) -> Result<()> {
        self.connection.execute(
            "UPDATE console_session SET last_seen_ms = ?2 WHERE token_hash = ?1",
            params![token_hash.as_slice(), now_ms],
        )?;
        Ok(())
    }

    /// Ends a session (signed out, or idle too long).
    pub fn end_console_session(&mut self, token_hash: &[u8; 32], now_ms: i64) -> Result<()> {
        self.connection.execute(
            "UPDATE console_session SET ended_at_ms = coalesce(ended_at_ms, ?2)
             WHERE token_hash = ?1",
            params![token_hash.as_slice(), now_ms],
        )?;
        Ok(())
    }
}
