//! `POST /v1/devices/register`: a phone registers with a one-time code (no credential yet).
//! Codes and revocation are operations (`ops::devices`).

use axum::Json;
use std::net::IpAddr;

use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;

use super::AppState;
use crate::error::{Error, Result};
use crate::registration::{self, RegisterRequest, RegisteredDevice};

/// The address a request came from: known when the server was started by [`super::run`],
/// which hands it to every request; unknown when the router is called directly (tests).
pub(crate) struct ClientAddress(pub(crate) Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self> {
        Ok(ClientAddress(
            parts
                .extensions
                .get::<ConnectInfo<super::PeerAddress>>()
                .map(|ConnectInfo(super::PeerAddress(address))| address.ip()),
        ))
    }
}

fn json_body<T>(body: std::result::Result<Json<T>, JsonRejection>) -> Result<T> {
    body.map(|Json(value)| value)
        .map_err(|rejection| Error::BadRequest {
            code: "malformed_body",
            message: rejection.body_text(),
        })
}

/// `POST /v1/devices/register`. Every attempt counts against the registration allowance
/// before its code is looked at, so guessing codes costs the guesser time, not the server.
pub(super) async fn register(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    body: std::result::Result<Json<RegisterRequest>, JsonRejection>,
) -> Result<Json<RegisteredDevice>> {
    if let Some(limiter) = state.registration_limiter() {
        limiter.check(address).inspect_err(|_| {
            tracing::warn!(?address, "registration refused: over the allowance");
        })?;
    }
    let request = json_body(body)?;
    let registered = state
        .with_district(move |district, now_ms| {
            registration::register(district.store_mut(), &request, now_ms)
        })
        .await?;
    state.metrics().record_registration();
    tracing::info!(
        device = %registered.device_id,
        badge = %registered.badge,
        ?address,
        "device registered with a code"
    );
    Ok(Json(registered))
}
