//! `POST /v1/volunteers/{id}/…`: supervisors verify, reject, mark duplicates and move
//! volunteers; each action is written into the roster and reaches the phones on next sync.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use mitan_core::model::{UnitCode, VolunteerId};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::reports::{caller, credential};
use crate::error::{Error, Result};
use crate::supervisor::{self, ActionDone, SupervisorAction};

fn json_body<T>(body: std::result::Result<Json<T>, JsonRejection>) -> Result<T> {
    body.map(|Json(value)| value)
        .map_err(|rejection| Error::BadRequest {
            code: "malformed_body",
            message: rejection.body_text(),
        })
}

fn volunteer_id(text: &str) -> Result<VolunteerId> {
    text.parse().map_err(|_| Error::NotFound {
        what: "volunteer",
        id: text.to_owned(),
    })
}

/// The body of a rejection.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RejectRequest {
    /// Why; the constable sees it.
    pub reason: String,
}

/// The body of a duplicate mark.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DuplicateRequest {
    /// The volunteer kept.
    pub duplicate_of: String,
}

/// The body of a withdrawal recorded from a phone call; the body may be left out.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct WithdrawRequest {
    /// What the supervisor notes about the call.
    #[serde(default)]
    pub note: Option<String>,
}

/// The body of a move.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MoveRequest {
    /// The beat the volunteer moves to.
    pub to_beat: String,
}

async fn act(
    state: AppState,
    headers: HeaderMap,
    id: String,
    action: SupervisorAction,
) -> Result<Json<ActionDone>> {
    let credential = credential(&headers)?;
    let id = volunteer_id(&id)?;
    let done = state
        .with_district(move |district, now_ms| {
            let caller = caller(district.store(), &credential)?;
            supervisor::act(
                district,
                &caller.user,
                caller.device.as_str(),
                &id,
                action,
                now_ms,
            )
        })
        .await?;
    Ok(Json(done))
}

/// `POST /v1/volunteers/{id}/verify`.
pub(super) async fn verify(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<ActionDone>> {
    act(state, headers, id, SupervisorAction::Verify).await
}

/// `POST /v1/volunteers/{id}/reject`.
pub(super) async fn reject(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: std::result::Result<Json<RejectRequest>, JsonRejection>,
) -> Result<Json<ActionDone>> {
    let request = json_body(body)?;
    act(
        state,
        headers,
        id,
        SupervisorAction::Reject {
            reason: request.reason,
        },
    )
    .await
}

/// `POST /v1/volunteers/{id}/duplicate`.
pub(super) async fn duplicate(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: std::result::Result<Json<DuplicateRequest>, JsonRejection>,
) -> Result<Json<ActionDone>> {
    let request = json_body(body)?;
    let kept = request.duplicate_of.parse().map_err(|_| Error::Invalid {
        field: "duplicate_of",
        reason: format!("{:?} is not a volunteer id", request.duplicate_of),
    })?;
    act(state, headers, id, SupervisorAction::DuplicateOf(kept)).await
}

/// `POST /v1/volunteers/{id}/move`.
pub(super) async fn move_volunteer(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: std::result::Result<Json<MoveRequest>, JsonRejection>,
) -> Result<Json<ActionDone>> {
    let request = json_body(body)?;
    let to: UnitCode = request.to_beat.parse().map_err(|_| Error::Invalid {
        field: "to_beat",
        reason: format!("{:?} is not a unit code", request.to_beat),
    })?;
    act(state, headers, id, SupervisorAction::Move { to }).await
}

/// `POST /v1/volunteers/{id}/withdraw`: a withdrawal of consent given by phone.
pub(super) async fn withdraw(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<ActionDone>> {
    // The note is optional, so an empty body is a withdrawal without one.
    let request: WithdrawRequest = if body.is_empty() {
        WithdrawRequest::default()
    } else {
        serde_json::from_slice(&body).map_err(|error| Error::BadRequest {
            code: "malformed_body",
            message: error.to_string(),
        })?
    };
    act(
        state,
        headers,
        id,
        SupervisorAction::Withdraw { note: request.note },
    )
    .await
}
