//! `POST /v1/devices/register`: a phone registers with a one-time code (no credential yet).
//! Codes and revocation are operations (`ops::devices`).

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;

use super::AppState;
use crate::error::{Error, Result};
use crate::registration::{self, RegisterRequest, RegisteredDevice};

fn json_body<T>(body: std::result::Result<Json<T>, JsonRejection>) -> Result<T> {
    body.map(|Json(value)| value)
        .map_err(|rejection| Error::BadRequest {
            code: "malformed_body",
            message: rejection.body_text(),
        })
}

/// `POST /v1/devices/register`.
pub(super) async fn register(
    State(state): State<AppState>,
    body: std::result::Result<Json<RegisterRequest>, JsonRejection>,
) -> Result<Json<RegisteredDevice>> {
    let request = json_body(body)?;
    let registered = state
        .with_district(move |district, now_ms| {
            registration::register(district.store_mut(), &request, now_ms)
        })
        .await?;
    state.metrics().record_registration();
    tracing::info!(device = %registered.device_id, badge = %registered.badge, "device registered");
    Ok(Json(registered))
}
