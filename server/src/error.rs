//! The server's one error type, and the one place that turns an error into an HTTP status.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

mod problem;

pub use problem::Problem;

/// Everything that can go wrong in `mitan-server`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request could not be read; nothing was stored.
    #[error("{code}: {message}")]
    BadRequest {
        /// A stable code the client can act on.
        code: &'static str,
        /// What was wrong, for a person reading logs.
        message: String,
    },
    /// The body is larger than the server accepts.
    #[error("body exceeds {limit} bytes")]
    PayloadTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The caller sent more requests than its allowance; it may try again later.
    #[error("{caller}: too many requests, retry after {retry_after_secs} s")]
    RateLimited {
        /// Who was refused: `device dev-…`, `registrations from 10.0.0.7`.
        caller: String,
        /// Whole seconds until the device may try again (the `Retry-After` header).
        retry_after_secs: u64,
    },
    /// No credential, an unknown one, or one of a revoked device.
    #[error("unauthorized")]
    Unauthorized,
    /// The caller is known but may not do this.
    #[error("forbidden: {reason}")]
    Forbidden {
        /// What was refused, e.g. `roster BEAT-7`.
        reason: String,
    },
    /// The thing asked for does not exist.
    #[error("{what} {id}: not found")]
    NotFound {
        /// What kind of thing.
        what: &'static str,
        /// Its id.
        id: String,
    },
    /// The request conflicts with what is stored (e.g. an actor registered twice).
    #[error("{what} {id}: conflict")]
    Conflict {
        /// What kind of thing.
        what: &'static str,
        /// Its id.
        id: String,
    },
    /// A field of a request was refused; nothing was done.
    #[error("{field}: {problem}")]
    Invalid {
        /// The field, as the request names it.
        field: &'static str,
        /// Why, with its stable code.
        problem: Problem,
    },
    /// A field of a request could not be read as its type (an id, a code, a number, a date);
    /// nothing was done.
    #[error("{field}: {reason}")]
    BadField {
        /// The field, as the request names it (`volunteer`, `to_beat`, `limit`).
        field: String,
        /// Why.
        reason: String,
    },
    /// A row of an imported file was refused; nothing of the file was stored.
    #[error("line {line}: {field}: {code}: {reason}")]
    BadRow {
        /// The line of the file, counting the header as line 1.
        line: u64,
        /// The column.
        field: &'static str,
        /// A stable code, e.g. `unknown_parent`.
        code: &'static str,
        /// What was wrong, for a person.
        reason: String,
    },
    /// Rows of an imported file were refused; nothing of the file was stored. The list is in
    /// line order and capped, so that one refusal tells an admin everything to fix without
    /// growing with a file that is wrong throughout.
    #[error("{}", bad_rows_message(problems, *more))]
    BadRows {
        /// The problems listed, never empty.
        problems: Vec<RowProblem>,
        /// How many further problems were found but not listed.
        more: usize,
    },
    /// The server store failed.
    #[error("store: {0}")]
    Storage(#[from] rusqlite::Error),
    /// The server store was written by a newer build.
    #[error("store: schema version {found} is newer than this build ({supported})")]
    SchemaTooNew {
        /// The version in the file.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// The database file does not open: encrypted under another key, or not encrypted when a
    /// key was given, or encrypted when none was.
    #[error("{}", locked_message(path, *keyed))]
    Locked {
        /// The database file.
        path: String,
        /// Whether a key was given.
        keyed: bool,
    },
    /// TLS could not be set up: a certificate or key that does not read, or does not fit.
    #[error("tls: {0}")]
    Tls(String),
    /// A database key file could not be read or written.
    #[error("key file {path}: {reason}")]
    KeyFile {
        /// The key file.
        path: String,
        /// Why.
        reason: String,
    },
    /// A stored document or row could not be read back.
    #[error("store: corrupt {what}: {reason}")]
    Corrupt {
        /// What was being read.
        what: &'static str,
        /// Why it failed.
        reason: String,
    },
    /// The core refused or failed an operation.
    #[error(transparent)]
    Core(#[from] mitan_core::Error),
    /// A blocking task panicked or was cancelled.
    #[error("worker: {0}")]
    Worker(String),
    /// The operating system refused (sockets, randomness, files).
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
}

fn locked_message(path: &str, keyed: bool) -> String {
    if keyed {
        format!(
            "store: {path} does not open with this key: another key, or a database that is \
             not encrypted (encrypt it with `mitan admin encrypt`)"
        )
    } else {
        format!(
            "store: {path} does not open: it is encrypted (give its key with --db-key-file) \
             or it is not a Mitan database"
        )
    }
}

/// The server's result type.
pub type Result<T> = std::result::Result<T, Error>;

/// The most bytes of a client's input an error message or log line quotes: a refusal names
/// what was wrong without echoing a megabyte back or into the logs.
pub(crate) const MAX_QUOTED_BYTES: usize = 100;

/// `text` cut to at most [`MAX_QUOTED_BYTES`] bytes on a character boundary, with `…` when
/// it was cut.
pub(crate) fn clipped(text: &str) -> std::borrow::Cow<'_, str> {
    if text.len() <= MAX_QUOTED_BYTES {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut end = MAX_QUOTED_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    std::borrow::Cow::Owned(format!("{}…", &text[..end]))
}

/// A client's input quoted for a message: in quotes, escaped, and [`clipped`].
pub(crate) fn quote(text: &str) -> String {
    format!("{:?}", clipped(text))
}

/// One refused row of an imported file, or one column of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    /// The line of the file, counting the header as line 1.
    pub line: u64,
    /// The column.
    pub field: &'static str,
    /// A stable code, e.g. `unknown_parent`.
    pub code: &'static str,
    /// What was wrong, for a person.
    pub reason: String,
}

impl RowProblem {
    /// A problem at `line`, in `field`.
    pub fn new(
        line: u64,
        field: &'static str,
        code: &'static str,
        reason: impl Into<String>,
    ) -> Self {
        RowProblem {
            line,
            field,
            code,
            reason: reason.into(),
        }
    }
}

impl std::fmt::Display for RowProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {}: {}: {}: {}",
            self.line, self.field, self.code, self.reason
        )
    }
}

/// The first problem as a single bad row reads, so that a client or operator who only reads
/// one line still learns what to fix first, then how many others there are.
fn bad_rows_message(problems: &[RowProblem], more: usize) -> String {
    let others = problems.len().saturating_sub(1) + more;
    match (problems.first(), others) {
        (None, _) => format!("{more} bad row(s)"),
        (Some(first), 0) => first.to_string(),
        (Some(first), others) => format!("{first} (and {others} more problem(s))"),
    }
}

impl Error {
    /// A refusal of `field` for `problem`.
    pub fn invalid(field: &'static str, problem: Problem) -> Self {
        Error::Invalid { field, problem }
    }

    /// The status and stable code a client sees.
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Error::BadRequest { code, .. } => (StatusCode::BAD_REQUEST, code),
            Error::Invalid { problem, .. } => (StatusCode::BAD_REQUEST, problem.code()),
            Error::BadField { .. } => (StatusCode::BAD_REQUEST, "bad_format"),
            Error::BadRow { code, .. } => (StatusCode::BAD_REQUEST, code),
            Error::BadRows { problems, .. } => (
                StatusCode::BAD_REQUEST,
                problems.first().map_or("bad_rows", |problem| problem.code),
            ),
            Error::PayloadTooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            Error::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            Error::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            Error::Forbidden { .. } => (StatusCode::FORBIDDEN, "forbidden"),
            Error::NotFound { .. } => (StatusCode::NOT_FOUND, "not_found"),
            Error::Conflict { .. } => (StatusCode::CONFLICT, "conflict"),
            Error::Storage(_)
            | Error::SchemaTooNew { .. }
            | Error::Corrupt { .. }
            | Error::Locked { .. }
            | Error::KeyFile { .. }
            | Error::Tls(_)
            | Error::Core(_)
            | Error::Worker(_)
            | Error::Io(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

/// The JSON body of every error reply: `{"error": {"code": …, "message": …}}`.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// The code and message of an error reply.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// A stable code a client matches on; `docs/errors.md` lists them all.
    pub code: String,
    /// A message for people; never internal detail on a 5xx.
    pub message: String,
    /// The field refused, when the error is about one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The line of an imported file, when the error is about one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// Every problem of a refused import, in line order; `code`, `field` and `line` above
    /// repeat the first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<ProblemDetail>,
    /// How many further problems of a refused import were found but not listed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub more: Option<usize>,
}

/// One problem of a refused import, as a client sees it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ProblemDetail {
    /// The line of the file, counting the header as line 1.
    pub line: u64,
    /// The column.
    pub field: String,
    /// A stable code.
    pub code: String,
    /// What was wrong, for a person.
    pub reason: String,
}

impl From<&RowProblem> for ProblemDetail {
    fn from(problem: &RowProblem) -> Self {
        ProblemDetail {
            line: problem.line,
            field: problem.field.to_owned(),
            code: problem.code.to_owned(),
            reason: problem.reason.clone(),
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let message = if status.is_server_error() {
            // The detail may name files, SQL or internals; it goes to the log only.
            tracing::error!(error = %self, "request failed");
            "internal error".to_owned()
        } else {
            tracing::debug!(error = %self, status = status.as_u16(), "request refused");
            self.to_string()
        };
        let (field, line, problems, more) = match &self {
            Error::Invalid { field, .. } => (Some((*field).to_owned()), None, Vec::new(), None),
            Error::BadField { field, .. } => (Some(field.clone()), None, Vec::new(), None),
            Error::BadRow {
                line,
                field,
                code,
                reason,
            } => (
                Some((*field).to_owned()),
                Some(*line),
                vec![ProblemDetail::from(&RowProblem::new(
                    *line,
                    field,
                    code,
                    reason.clone(),
                ))],
                Some(0),
            ),
            Error::BadRows { problems, more } => (
                problems.first().map(|first| first.field.to_owned()),
                problems.first().map(|first| first.line),
                problems.iter().map(ProblemDetail::from).collect(),
                Some(*more),
            ),
            _ => (None, None, Vec::new(), None),
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: code.to_owned(),
                message,
                field,
                line,
                problems,
                more,
            },
        };
        let mut response = (status, Json(body)).into_response();
        if let Error::RateLimited {
            retry_after_secs, ..
        } = self
        {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(retry_after_secs),
            );
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quote_holds_at_most_a_hundred_bytes_of_the_input() {
        let huge = "क".repeat(400_000);
        let quoted = quote(&huge);
        assert!(
            quoted.len() <= MAX_QUOTED_BYTES + "\"…\"".len(),
            "{}",
            quoted.len()
        );
        assert!(quoted.ends_with("…\""));
        assert_eq!(quote("CG-12"), "\"CG-12\"");
        let refused = Error::invalid("unit", Problem::unreadable(huge, "a unit code"));
        assert!(refused.to_string().len() < 200);
    }

    #[test]
    fn a_server_error_body_reveals_nothing_internal() {
        let error = Error::Corrupt {
            what: "roster",
            reason: "/var/lib/mitan/district.db: page 7 is garbage".into(),
        };
        let response = error.into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime")
            .block_on(axum::body::to_bytes(response.into_body(), 1 << 16))
            .expect("the body reads");
        let body: ErrorBody = serde_json::from_slice(&body).expect("a JSON error body");
        assert_eq!(body.error.code, "internal");
        assert_eq!(body.error.message, "internal error");
    }
}
