//! The `mitan` command's one error type: whatever the server library or the core refuses,
//! passed through unchanged, and what only a client meets (a server out of reach or refusing,
//! a field profile on disk, an audit export that fails verification).

/// Everything that can go wrong in `mitan-cli`.
///
/// The server's and the core's errors are boxed: each is about as large as clippy's limit for
/// an error, and wrapping one unboxed would make every `Result` of this crate larger still.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The server library refused or failed: an operation, an import, the district database.
    #[error(transparent)]
    Server(Box<mitan_server::Error>),
    /// The core refused or failed: the field device's store, a form, an audit export.
    #[error(transparent)]
    Core(Box<mitan_core::Error>),
    /// An argument or a file named on the command line was refused; nothing was done.
    #[error("{field}: {reason}")]
    Invalid {
        /// The argument, as the command line names it (`as`, `file`, `db`).
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// The thing named on the command line does not exist.
    #[error("{what} {id}: not found")]
    NotFound {
        /// What kind of thing.
        what: &'static str,
        /// Its id.
        id: String,
    },
    /// The field client's profile (its credential and store key) could not be read or written.
    #[error("store: corrupt field profile: {reason}")]
    Profile {
        /// Why.
        reason: String,
    },
    /// A request or an answer could not be written as JSON or as a query string.
    #[error("encode: {0}")]
    Encode(String),
    /// A server answered the field client with an error status.
    #[error("server answered {status}: {body}")]
    Remote {
        /// The HTTP status.
        status: u16,
        /// The body, as text.
        body: String,
    },
    /// A server refused a request from the command line with its JSON error body.
    #[error("the server refused ({status} {code}): {message}")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// Its stable code.
        code: String,
        /// The field refused, if it named one.
        field: Option<String>,
        /// Its message.
        message: String,
    },
    /// The client could not reach the server, or could not read its answer.
    #[error("network: {0}")]
    Network(String),
    /// The operating system refused (files, sockets, randomness).
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    /// `mitan audit verify` found changes tampered with, missing or unsigned (each printed).
    #[error("audit export: verification failed: {findings} finding(s)")]
    VerificationFailed {
        /// How many.
        findings: u64,
    },
}

impl Error {
    /// Whether a sync was refused because the store was restored from a backup or copied.
    pub fn is_actor_reused(&self) -> bool {
        matches!(self, Error::Core(error)
            if matches!(error.as_ref(), mitan_core::Error::Transport(failure) if failure.is_actor_reused()))
    }

    /// Whether the server refused the credential (revoked, or replaced by another copy).
    pub fn is_unauthorized(&self) -> bool {
        match self {
            Error::Refused { status, .. } | Error::Remote { status, .. } => *status == 401,
            Error::Core(error) => matches!(
                error.as_ref(),
                mitan_core::Error::Transport(mitan_core::device::TransportError::Unauthorized)
            ),
            _ => false,
        }
    }
}

/// The command's result type.
pub type Result<T> = std::result::Result<T, Error>;

impl From<mitan_server::Error> for Error {
    fn from(error: mitan_server::Error) -> Self {
        Error::Server(Box::new(error))
    }
}

impl From<mitan_core::Error> for Error {
    fn from(error: mitan_core::Error) -> Self {
        Error::Core(Box::new(error))
    }
}
