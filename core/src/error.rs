//! The core's one error type.

use crate::model::{Invalid, Rejection};

/// Everything that can go wrong in `mitan-core`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input was refused; nothing was written.
    #[error(transparent)]
    Invalid(#[from] Rejection),
    /// The thing asked for does not exist.
    #[error("{what} {id}: not found")]
    NotFound {
        /// What kind of thing.
        what: &'static str,
        /// Its id.
        id: String,
    },
    /// An id was minted twice; the caller should draw new randomness.
    #[error("{what} {id}: already exists")]
    AlreadyExists {
        /// What kind of thing.
        what: &'static str,
        /// Its id.
        id: String,
    },
    /// Bytes from the network or the store could not be decoded.
    #[error("{what}: cannot decode: {reason}")]
    Decode {
        /// What was being decoded.
        what: &'static str,
        /// Why it failed.
        reason: String,
    },
    /// A roster document lacks the structure Mitan writes.
    #[error("roster {roster}: malformed: {reason}")]
    MalformedRoster {
        /// The roster.
        roster: String,
        /// What is wrong.
        reason: String,
    },
    /// The peer speaks a protocol version this build does not.
    #[error("sync: protocol version {got} not supported (this build speaks {supported})")]
    UnsupportedProtocol {
        /// The version received.
        got: u16,
        /// The version spoken here.
        supported: u16,
    },
    /// A sync did not settle within its round limit.
    #[error("sync: did not settle after {rounds} rounds")]
    SyncDidNotSettle {
        /// The rounds taken.
        rounds: u32,
    },
    /// The transport failed; nothing received was applied.
    #[error("sync: {0}")]
    Transport(#[from] crate::device::TransportError),
    /// Automerge refused an operation.
    #[error("roster: {0}")]
    Automerge(#[from] automerge::AutomergeError),
    /// The on-device store failed.
    #[error("store: {0}")]
    Storage(#[from] rusqlite::Error),
    /// The store file does not open with the key given: another key, or not a store.
    #[error("store: cannot be opened with this key")]
    StoreLocked,
    /// The operating system gave no random bytes for a key or nonce; nothing was written.
    #[error("randomness unavailable: {0}")]
    Randomness(String),
    /// The store file was written by a newer version of Mitan.
    #[error("store: schema version {found} is newer than this build ({supported})")]
    SchemaTooNew {
        /// The version in the file.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
}

impl From<Invalid> for Error {
    fn from(invalid: Invalid) -> Self {
        Error::Invalid(invalid.into())
    }
}

/// The core's result type.
pub type Result<T> = std::result::Result<T, Error>;
