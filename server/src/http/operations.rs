//! `/healthz` and `/metrics`.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

use super::AppState;
use crate::error::Result;

/// Answers `ok` when the database answers.
pub(super) async fn healthz(State(state): State<AppState>) -> Result<&'static str> {
    state
        .with_district(|district, _| district.store().ping())
        .await?;
    Ok("ok\n")
}

/// The Prometheus text exposition.
pub(super) async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics().render(),
    )
}
