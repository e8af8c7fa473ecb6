//! `/healthz` and `/metrics`.

use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::IntoResponse;

use super::AppState;
use crate::auth::{bearer, hash_secret};
use crate::error::{Error, Result};

/// Answers `ok` when the database answers.
pub(super) async fn healthz(State(state): State<AppState>) -> Result<&'static str> {
    state
        .with_district(|district, _| district.store().ping())
        .await?;
    Ok("ok\n")
}

/// The Prometheus text exposition; with a metrics token set, only for a scraper presenting it.
pub(super) async fn metrics(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<impl IntoResponse> {
    if let Some(wanted) = &state.metrics_token {
        let presented = bearer(
            headers
                .get(header::AUTHORIZATION)
                .and_then(|value| value.to_str().ok()),
        )?;
        // Hashes are compared, so the comparison's time says nothing about the token.
        if hash_secret(presented) != *wanted {
            return Err(Error::Unauthorized);
        }
    }
    Ok((
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics().render(),
    ))
}
