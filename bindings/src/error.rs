//! `ApiError`, the one error Kotlin sees (as `ApiException`), and the one `match` that
//! translates the core's errors into it.

use mitan_core::device::TransportError;
use mitan_core::model::{Invalid, InvalidCode, Rejection};

/// Every code a form can be refused with, for the app's check that each has words.
#[uniffi::export]
pub fn problem_codes() -> Vec<InvalidCode> {
    InvalidCode::ALL.to_vec()
}

/// Every reason the server can refuse one of the phone's changes with (`beat_mismatch`, …), as
/// `RefusedChange.reason` carries it: for the app's check that each has words.
#[uniffi::export]
pub fn refusal_reasons() -> Vec<String> {
    mitan_core::sync::Refusal::ALL
        .iter()
        .map(|refusal| refusal.as_str().to_string())
        .collect()
}

/// One refused field of a form: which field, and why. The app turns the pair into Hindi or
/// English text beside the field.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FieldProblem {
    /// The field's stable identifier, as the form names it (`phone`, `village`, …).
    pub field: String,
    /// Why it was refused.
    pub code: InvalidCode,
}

impl From<Invalid> for FieldProblem {
    fn from(invalid: Invalid) -> Self {
        FieldProblem {
            field: invalid.field.as_str().to_owned(),
            code: invalid.code,
        }
    }
}

/// What went wrong, in the few kinds an app can act on.
///
/// The free-text fields are called `reason`, not `message`: every Kotlin exception already
/// has a `message`, and uniffi would generate a second one that does not compile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum ApiError {
    /// Input was refused and nothing was written: show `code` beside `field`. A form refused
    /// on several fields lists all of them in `problems`, first one first; `field` and `code`
    /// repeat the first, for callers that show one error at a time.
    #[error("{field}: {code}")]
    Invalid {
        /// The first refused field.
        field: String,
        /// Why it was refused.
        code: InvalidCode,
        /// Every refused field, in form order.
        problems: Vec<FieldProblem>,
    },
    /// The volunteer (or other thing) asked for is not on this device.
    #[error("{what} {id}: not found")]
    NotFound {
        /// What kind of thing.
        what: String,
        /// Its id.
        id: String,
    },
    /// The store on the phone could not be read or written, or does not open with the key
    /// given. Nothing was acknowledged.
    #[error("store: {reason}")]
    Storage {
        /// What the store said.
        reason: String,
    },
    /// The server could not be reached, or refused the exchange. Everything stored before the
    /// failure stays; syncing again resends only what the server never acknowledged.
    #[error("network: {reason}")]
    Network {
        /// What failed.
        reason: String,
    },
    /// The server refused this phone's credential: it was revoked, or replaced by a recovery
    /// made on another copy of the phone. Syncing cannot succeed until the phone registers
    /// again with a code from the in-charge.
    #[error("unauthorized: {reason}")]
    Unauthorized {
        /// What the server said.
        reason: String,
    },
    /// The phone's store was restored from a backup or cloned (the server said
    /// `actor_reused`): it must re-register (`MitanDevice.prepare_replacement`), with its
    /// credential or a code, and its unsynced work is written again.
    #[error("actor reused: {reason}")]
    ActorReused {
        /// The server's explanation.
        reason: String,
    },
    /// The server refused the exchange with another stable `code` (`docs/errors.md`).
    #[error("refused ({status} {code}): {reason}")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// The stable error code.
        code: String,
        /// The server's explanation.
        reason: String,
    },
    /// The server failed (a 5xx), or answered something that is not Mitan's error body.
    /// Retry later.
    #[error("server {status}: {reason}")]
    Server {
        /// The HTTP status.
        status: u16,
        /// What it said.
        reason: String,
    },
    /// A fault that the app cannot fix by itself (a bug, or a server of another protocol).
    #[error("internal: {reason}")]
    Internal {
        /// What failed.
        reason: String,
    },
}

impl ApiError {
    /// A refusal of one input of the bindings' own (`store_key`, `actor`), which the core
    /// never sees.
    pub(crate) fn invalid(field: &str, code: InvalidCode) -> Self {
        let problem = FieldProblem {
            field: field.to_owned(),
            code,
        };
        ApiError::Invalid {
            field: problem.field.clone(),
            code: problem.code,
            problems: vec![problem],
        }
    }
}

impl From<Rejection> for ApiError {
    fn from(rejection: Rejection) -> Self {
        let first = FieldProblem::from(rejection.first());
        ApiError::Invalid {
            field: first.field,
            code: first.code,
            problems: rejection
                .problems
                .into_iter()
                .map(FieldProblem::from)
                .collect(),
        }
    }
}

impl From<Invalid> for ApiError {
    fn from(invalid: Invalid) -> Self {
        Rejection::from(invalid).into()
    }
}

impl From<mitan_core::Error> for ApiError {
    fn from(error: mitan_core::Error) -> Self {
        use mitan_core::Error;
        let reason = error.to_string();
        match error {
            Error::Invalid(rejection) => rejection.into(),
            Error::NotFound { what, id } => ApiError::NotFound {
                what: what.to_owned(),
                id,
            },
            Error::Storage(_) | Error::StoreLocked | Error::SchemaTooNew { .. } => {
                ApiError::Storage { reason }
            }
            Error::Transport(failure) => failure.into(),
            Error::SyncDidNotSettle { .. } => ApiError::Network { reason },
            Error::AlreadyExists { .. }
            | Error::Decode { .. }
            | Error::MalformedRoster { .. }
            | Error::UnsupportedProtocol { .. }
            | Error::Automerge(_)
            | Error::Randomness(_) => ApiError::Internal { reason },
        }
    }
}

impl From<TransportError> for ApiError {
    fn from(failure: TransportError) -> Self {
        match failure {
            TransportError::Network(reason) => ApiError::Network { reason },
            TransportError::Unauthorized => ApiError::Unauthorized {
                reason: TransportError::Unauthorized.to_string(),
            },
            TransportError::Refused { code, message, .. }
                if code == mitan_core::device::ACTOR_REUSED =>
            {
                ApiError::ActorReused { reason: message }
            }
            TransportError::Refused {
                status,
                code,
                message,
            } => ApiError::Refused {
                status,
                code,
                reason: message,
            },
            TransportError::Server { status, message } => ApiError::Server {
                status,
                reason: message,
            },
        }
    }
}

/// What the app's transport threw, as the core's sync loop takes it: the kinds the app can
/// act on stay apart, and anything else is a failed exchange.
impl From<ApiError> for TransportError {
    fn from(error: ApiError) -> Self {
        match error {
            ApiError::Unauthorized { .. } => TransportError::Unauthorized,
            ApiError::ActorReused { reason } => TransportError::Refused {
                status: 400,
                code: mitan_core::device::ACTOR_REUSED.to_owned(),
                message: reason,
            },
            ApiError::Refused {
                status,
                code,
                reason,
            } => TransportError::Refused {
                status,
                code,
                message: reason,
            },
            ApiError::Server { status, reason } => TransportError::Server {
                status,
                message: reason,
            },
            other => TransportError::Network(other.to_string()),
        }
    }
}

/// Kotlin threw something other than an `ApiException` from a callback: the app's bug, or a
/// runtime failure; the sync treats it as a failed exchange.
impl From<uniffi::UnexpectedUniFFICallbackError> for ApiError {
    fn from(error: uniffi::UnexpectedUniFFICallbackError) -> Self {
        ApiError::Network {
            reason: format!("transport threw: {}", error.reason),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mitan_core::model::{Field, InvalidCode};

    #[test]
    fn a_rejection_keeps_every_field_and_names_the_first() {
        let rejection = Rejection {
            problems: vec![
                Invalid::new(Field::Phone, InvalidCode::NotMobile),
                Invalid::new(Field::Village, InvalidCode::Required),
            ],
        };
        let error = ApiError::from(mitan_core::Error::from(rejection));
        assert_eq!(
            error,
            ApiError::Invalid {
                field: "phone".into(),
                code: InvalidCode::NotMobile,
                problems: vec![
                    FieldProblem {
                        field: "phone".into(),
                        code: InvalidCode::NotMobile
                    },
                    FieldProblem {
                        field: "village".into(),
                        code: InvalidCode::Required
                    },
                ],
            }
        );
        assert_eq!(error.to_string(), "phone: not_mobile");
    }

    #[test]
    fn a_wrong_store_key_is_a_storage_error_not_a_crash() {
        let error = ApiError::from(mitan_core::Error::StoreLocked);
        assert!(matches!(error, ApiError::Storage { .. }), "{error:?}");
    }
}
