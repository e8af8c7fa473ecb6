//! Device registration and revocation, and registration codes issued over the API.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use mitan_core::model::DeviceId;
use serde::{Deserialize, Serialize};

use super::AppState;
use crate::auth::{Caller, authenticate, bearer, parse_badge};
use crate::error::{Error, Result};
use crate::registration::{self, DEFAULT_CODE_TTL_MS, RegisterRequest, RegisteredDevice};
use crate::store::ServerStore;

fn json_body<T>(body: std::result::Result<Json<T>, JsonRejection>) -> Result<T> {
    body.map(|Json(value)| value)
        .map_err(|rejection| Error::BadRequest {
            code: "malformed_body",
            message: rejection.body_text(),
        })
}

fn credential(headers: &HeaderMap) -> Result<String> {
    bearer(
        headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok()),
    )
    .map(str::to_owned)
}

/// Authenticates a caller who manages devices.
fn manager(store: &ServerStore, credential: &str) -> Result<Caller> {
    let caller = authenticate(store, credential)?;
    if !caller.user.role.manages_devices() {
        return Err(Error::Forbidden {
            reason: format!("a {} does not manage devices", caller.user.role),
        });
    }
    Ok(caller)
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

/// The reply to a revocation.
#[derive(Debug, Serialize, Deserialize)]
pub struct Revoked {
    /// The device revoked.
    pub device_id: String,
}

/// `POST /v1/devices/{id}/revoke`, by an in-charge, circle officer or admin over the device's
/// user.
pub(super) async fn revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Revoked>> {
    let credential = credential(&headers)?;
    let device: DeviceId = id.parse().map_err(|_| Error::NotFound {
        what: "device",
        id: id.clone(),
    })?;
    let revoked = state
        .with_district(move |district, now_ms| {
            let caller = manager(district.store(), &credential)?;
            let record = district
                .store()
                .load_device(&device)?
                .ok_or_else(|| Error::NotFound {
                    what: "device",
                    id: device.to_string(),
                })?;
            let owner =
                district
                    .store()
                    .load_user(&record.badge)?
                    .ok_or_else(|| Error::NotFound {
                        what: "user",
                        id: record.badge.to_string(),
                    })?;
            if !caller.may_manage(district.store(), &owner)? {
                return Err(Error::Forbidden {
                    reason: format!("device {device} is outside {}", caller.user.unit),
                });
            }
            district
                .store_mut()
                .revoke_device(&device, caller.user.badge.as_str(), now_ms)?;
            tracing::info!(%device, by = %caller.user.badge, "device revoked");
            Ok(Revoked {
                device_id: device.to_string(),
            })
        })
        .await?;
    Ok(Json(revoked))
}

/// What an in-charge sends to get a registration code for one of their people.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CodeRequest {
    /// The badge the code is for.
    pub badge: String,
    /// How long it works, in hours (24 if absent).
    #[serde(default)]
    pub ttl_hours: Option<u32>,
}

/// A code issued over the API.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CodeIssued {
    /// The one-time code.
    pub code: String,
    /// For whom.
    pub badge: String,
    /// When it expires, by the server clock.
    pub expires_at_ms: i64,
}

/// `POST /v1/registration-codes`.
pub(super) async fn issue_code(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: std::result::Result<Json<CodeRequest>, JsonRejection>,
) -> Result<Json<CodeIssued>> {
    let credential = credential(&headers)?;
    let request = json_body(body)?;
    let issued = state
        .with_district(move |district, now_ms| {
            let caller = manager(district.store(), &credential)?;
            let badge = parse_badge(&request.badge)?;
            let user = district
                .store()
                .load_user(&badge)?
                .ok_or_else(|| Error::NotFound {
                    what: "user",
                    id: badge.to_string(),
                })?;
            if !caller.may_manage(district.store(), &user)? {
                return Err(Error::Forbidden {
                    reason: format!("{badge} is outside {}", caller.user.unit),
                });
            }
            let ttl_ms = request
                .ttl_hours
                .map_or(DEFAULT_CODE_TTL_MS, |hours| i64::from(hours) * 3_600_000);
            registration::issue_code(
                district.store_mut(),
                &badge,
                caller.user.badge.as_str(),
                ttl_ms,
                now_ms,
            )
        })
        .await?;
    Ok(Json(CodeIssued {
        code: issued.code,
        badge: issued.badge.to_string(),
        expires_at_ms: issued.expires_at_ms,
    }))
}
