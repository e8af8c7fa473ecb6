//! `GET /v1/audit/access-log`: who read volunteers' personal fields, through what, and when.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::HeaderMap;

use super::AppState;
use super::reports::{caller, credential};
use crate::access::{self, AccessLog, AccessLogQuery};
use crate::error::Result;

/// `GET /v1/audit/access-log?from_ms=…&to_ms=…&badge=…&kind=…&limit=…&before=…`.
pub(super) async fn access_log(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<AccessLogQuery>,
) -> Result<Json<AccessLog>> {
    let credential = credential(&headers)?;
    let log = state
        .with_district(move |district, _| {
            let caller = caller(district.store(), &credential)?;
            access::log(district.store(), &caller.user, &query)
        })
        .await?;
    Ok(Json(log))
}
