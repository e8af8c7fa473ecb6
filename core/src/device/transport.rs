//! How sync bytes reach the server, and what a failed exchange tells the phone: a constable
//! out of signal waits and retries, a revoked phone needs a code from the in-charge, a phone
//! restored from a backup needs re-registering. One string for all three left the app unable
//! to tell them apart.

/// Why an exchange brought no reply. Whatever the reason, nothing of the reply was applied,
/// so the sync can always be retried.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// Nothing usable came back: no signal, a timeout, a cut connection. Retry later.
    #[error("network: {0}")]
    Network(String),
    /// The server refused the credential (401): the phone was revoked, or replaced by a
    /// recovery on another copy of it. It needs a new registration code.
    #[error("the server refused this phone's credential")]
    Unauthorized,
    /// The server refused the request with a stable code (a 4xx with Mitan's error body),
    /// such as `actor_reused` for a phone restored from a backup.
    #[error("server refused ({status} {code}): {message}")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// The stable error code (`docs/errors.md`).
        code: String,
        /// The server's explanation.
        message: String,
    },
    /// The server failed, or answered something that is not Mitan's error body.
    #[error("server answered {status}: {message}")]
    Server {
        /// The HTTP status.
        status: u16,
        /// What it said, clipped.
        message: String,
    },
}

impl TransportError {
    /// The stable code the server refused with, if it refused with one.
    pub fn refusal_code(&self) -> Option<&str> {
        match self {
            TransportError::Refused { code, .. } => Some(code),
            _ => None,
        }
    }

    /// Whether the server could not read the request at all: a version it does not speak, or
    /// a body it could not decode, as a server of an older release says of a newer protocol.
    pub fn is_unreadable_by_server(&self) -> bool {
        matches!(
            self.refusal_code(),
            Some(UNSUPPORTED_PROTOCOL | MALFORMED_BODY)
        )
    }

    /// Whether the server said this phone's store was restored from a backup or cloned: its
    /// actor sent a different change under a sequence number already spent. The phone must
    /// re-register ([`super::Device::prepare_replacement`]).
    pub fn is_actor_reused(&self) -> bool {
        self.refusal_code() == Some(ACTOR_REUSED)
    }
}

/// The code a server refuses a restored or cloned phone's sync with.
pub const ACTOR_REUSED: &str = "actor_reused";

/// The code a server refuses a request of a protocol version it does not speak with.
pub const UNSUPPORTED_PROTOCOL: &str = "unsupported_protocol";

/// The code a server refuses a request body it cannot decode with.
pub const MALFORMED_BODY: &str = "malformed_body";

/// Moves request bytes to the server and reply bytes back: HTTP on a phone, a function call in
/// tests. An error means nothing was received; the sync stops and can simply be retried.
pub trait Transport {
    /// Sends one request and returns the reply body.
    fn exchange(&mut self, request: Vec<u8>) -> Result<Vec<u8>, TransportError>;
}

/// A closure is a transport whose failures are network failures: what tests and in-process
/// hubs use.
impl<F> Transport for F
where
    F: FnMut(Vec<u8>) -> Result<Vec<u8>, String>,
{
    fn exchange(&mut self, request: Vec<u8>) -> Result<Vec<u8>, TransportError> {
        self(request).map_err(TransportError::Network)
    }
}
