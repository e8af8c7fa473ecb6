//! Signing officers in and keeping them signed in: argon2id passwords, a lock after repeated
//! failures, server-side sessions that idle out, and the CSRF token every form carries.
//!
//! Passwords are hashed and checked outside the district's writer (a check costs tens of
//! milliseconds by design, and syncs must not wait for it); only the rows are written under
//! it.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use mitan_core::model::BadgeNumber;

use crate::auth::{hash_secret, new_credential, normalize_code, random_bytes};
use crate::error::{Error, Result};
use crate::store::{ServerStore, User};

/// A session unused for this long ends: a station PC left signed in is not left open.
pub const IDLE_MS: i64 = 30 * 60 * 1000;

/// Wrong passwords in a row that lock a badge.
pub const LOCK_AFTER: u32 = 5;

/// How long a badge stays locked.
pub const LOCK_MS: i64 = 15 * 60 * 1000;

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// A session is marked as seen at most this often, so that reading pages rarely writes.
const TOUCH_EVERY_MS: i64 = 60 * 1000;

/// The cookie holding the session's token.
pub const SESSION_COOKIE: &str = "mitan_session";

/// A hash that matches no password: checked when the badge has none, so that a wrong badge
/// takes as long to refuse as a wrong password and badges cannot be told apart by timing.
const NO_PASSWORD: &str = "$argon2id$v=19$m=19456,t=2,p=1$bWl0YW4tbm8tcGFzc3dvcmQ$5kOkQvY2xkbnVQd2dYNmc4dm9CU2c5cGhQd2F2bEE";

/// The argon2id hash of `password`, as a PHC string, under a fresh salt.
pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::encode_b64(&random_bytes::<16>()?).map_err(|error| Error::Corrupt {
        what: "password salt",
        reason: error.to_string(),
    })?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| Error::Corrupt {
            what: "password hash",
            reason: error.to_string(),
        })
}

/// Whether `password` matches the stored `hash`.
pub fn password_matches(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// What a sign-in attempt found, before anything is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checked {
    /// The badge and password match.
    Matches(BadgeNumber),
    /// They do not (or the badge is unknown, or has no password): one failure more.
    Wrong(Option<(BadgeNumber, u32)>),
    /// The badge is locked; the password was not even checked.
    Locked,
}

/// Checks a sign-in against the stored password, on a read-only connection.
pub fn check_sign_in(
    store: &ServerStore,
    badge: &str,
    password: &str,
    now_ms: i64,
) -> Result<Checked> {
    let Ok(badge) = badge.trim().parse::<BadgeNumber>() else {
        password_matches(NO_PASSWORD, password);
        return Ok(Checked::Wrong(None));
    };
    let stored = match store.load_user(&badge)? {
        Some(_) => store.load_console_password(&badge)?,
        None => None,
    };
    let Some(stored) = stored else {
        password_matches(NO_PASSWORD, password);
        return Ok(Checked::Wrong(None));
    };
    if stored.locked_until_ms.is_some_and(|until| until > now_ms) {
        return Ok(Checked::Locked);
    }
    if password_matches(&stored.hash, password) {
        Ok(Checked::Matches(badge))
    } else {
        Ok(Checked::Wrong(Some((badge, stored.failures + 1))))
    }
}

/// A session started: the token for the cookie, shown once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Started {
    /// The token.
    pub token: String,
}

/// Records what [`check_sign_in`] found, under the writer: a match starts a session, a
/// failure counts and may lock the badge. Returns the session, if one started, and whether
/// the badge is now locked.
pub fn record_sign_in(
    store: &mut ServerStore,
    checked: &Checked,
    now_ms: i64,
) -> Result<Option<Started>> {
    match checked {
        Checked::Matches(badge) => {
            store.record_console_sign_in(badge, true, None)?;
            let token = new_credential()?;
            let csrf = hex::encode(random_bytes::<16>()?);
            store.save_console_session(&hash_secret(&token), badge, &csrf, now_ms)?;
            tracing::info!(%badge, "console sign-in");
            Ok(Some(Started { token }))
        }
        Checked::Wrong(Some((badge, failures))) => {
            let lock = (*failures >= LOCK_AFTER).then_some(now_ms + LOCK_MS);
            store.record_console_sign_in(badge, false, lock)?;
            if lock.is_some() {
                tracing::warn!(%badge, failures, "console badge locked after wrong passwords");
            }
            Ok(None)
        }
        Checked::Wrong(None) | Checked::Locked => Ok(None),
    }
}

/// A signed-in officer.
#[derive(Debug, Clone)]
pub struct Session {
    /// Who.
    pub user: User,
    /// The token every form of this session must carry.
    pub csrf: String,
    token_hash: [u8; 32],
    last_seen_ms: i64,
}

impl Session {
    /// Whether a submitted form carries this session's CSRF token.
    pub fn accepts(&self, csrf: Option<&str>) -> bool {
        // Compared as hashes, so the comparison's time says nothing about the token.
        csrf.is_some_and(|csrf| hash_secret(csrf) == hash_secret(&self.csrf))
    }
}

/// What a session cookie leads to.
#[derive(Debug)]
pub enum Resumed {
    /// A live session.
    Live(Session),
    /// None, or one that ended (signed out, idle, password changed).
    Gone,
    /// One that idled out just now: it must be ended.
    IdledOut([u8; 32]),
}

/// The session of `token`, read on a read-only connection.
pub fn resume(store: &ServerStore, token: &str, now_ms: i64) -> Result<Resumed> {
    let token_hash = hash_secret(token);
    let Some(stored) = store.load_console_session(&token_hash)? else {
        return Ok(Resumed::Gone);
    };
    if now_ms - stored.last_seen_ms > IDLE_MS {
        return Ok(Resumed::IdledOut(token_hash));
    }
    let Ok(badge) = stored.badge.parse::<BadgeNumber>() else {
        return Ok(Resumed::Gone);
    };
    let Some(user) = store.load_user(&badge)? else {
        return Ok(Resumed::Gone);
    };
    Ok(Resumed::Live(Session {
        user,
        csrf: stored.csrf,
        token_hash,
        last_seen_ms: stored.last_seen_ms,
    }))
}

/// Whether `session` should be marked as seen now.
pub fn needs_touch(session: &Session, now_ms: i64) -> bool {
    now_ms - session.last_seen_ms > TOUCH_EVERY_MS
}

/// Marks `session` as seen now.
pub fn touch(store: &mut ServerStore, session: &Session, now_ms: i64) -> Result<()> {
    store.touch_console_session(&session.token_hash, now_ms)
}

/// Ends the session of `token_hash`.
pub fn end(store: &mut ServerStore, token_hash: &[u8; 32], now_ms: i64) -> Result<()> {
    store.end_console_session(token_hash, now_ms)
}

/// Ends `session` (signing out).
pub fn sign_out(store: &mut ServerStore, session: &Session, now_ms: i64) -> Result<()> {
    tracing::info!(badge = %session.user.badge, "console sign-out");
    end(store, &session.token_hash, now_ms)
}

/// Why a first password was not set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordRefusal {
    /// Shorter than [`MIN_PASSWORD_CHARS`].
    TooShort,
    /// The two entries differ.
    Differ,
    /// The code is wrong, spent or expired, or not for this badge.
    Code,
}

/// Checks a new password as typed twice.
pub fn check_new_password(password: &str, again: &str) -> std::result::Result<(), PasswordRefusal> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(PasswordRefusal::TooShort);
    }
    if password != again {
        return Err(PasswordRefusal::Differ);
    }
    Ok(())
}

/// Sets `badge`'s password to the already hashed `hash` with a one-time `code`, under the
/// writer; every session of the badge ends.
pub fn set_password(
    store: &mut ServerStore,
    badge: &str,
    code: &str,
    hash: &str,
    now_ms: i64,
) -> Result<std::result::Result<(), PasswordRefusal>> {
    let Ok(badge) = badge.trim().parse::<BadgeNumber>() else {
        return Ok(Err(PasswordRefusal::Code));
    };
    let code_hash = hash_secret(&normalize_code(code));
    if store.set_console_password(&badge, &code_hash, hash, now_ms)? {
        tracing::info!(%badge, "console password set with a one-time code");
        Ok(Ok(()))
    } else {
        Ok(Err(PasswordRefusal::Code))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_matches_its_hash_only() {
        let hash = hash_password("मितान-2026-थाना").expect("hashes");
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(password_matches(&hash, "मितान-2026-थाना"));
        assert!(!password_matches(&hash, "मितान-2026-थान"));
        assert!(!password_matches(NO_PASSWORD, "anything at all"));
    }

    #[test]
    fn a_new_password_is_long_enough_and_typed_twice_alike() {
        assert_eq!(
            check_new_password("short", "short"),
            Err(PasswordRefusal::TooShort)
        );
        assert_eq!(
            check_new_password("long enough 1", "long enough 2"),
            Err(PasswordRefusal::Differ)
        );
        assert_eq!(check_new_password("long enough 1", "long enough 1"), Ok(()));
    }
}
