//! The credential and caller of a request, for the handlers not yet moved to
//! [`crate::ops`] (exports, audit, administration); operations use `ops::Credential`.

use axum::http::{HeaderMap, header};

use crate::auth::{Caller, authenticate, bearer};
use crate::error::Result;
use crate::store::ServerStore;

/// The bearer credential of a request.
pub(super) fn credential(headers: &HeaderMap) -> Result<String> {
    bearer(
        headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok()),
    )
    .map(str::to_owned)
}

/// Authenticates the caller of a request.
pub(super) fn caller(store: &ServerStore, credential: &str) -> Result<Caller> {
    authenticate(store, credential)
}
