//! `GET /v1/reports/…`: district state as JSON, each caller seeing only their units. The
//! review queue and duplicate candidates carry volunteers' personal fields and are read
//! through [`crate::access`], which logs each answer.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};

use super::AppState;
use crate::access::{self, Reader};
use crate::auth::{Caller, authenticate, bearer};
use crate::error::Result;
use crate::reports::{
    self, CoverageReport, DuplicateReport, ProgrammeReport, ProgressReport, ReportQuery,
    ReviewQueue,
};
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

/// Authenticates the caller of a report or action.
pub(super) fn caller(store: &ServerStore, credential: &str) -> Result<Caller> {
    authenticate(store, credential)
}

/// `GET /v1/reports/progress`.
pub(super) async fn progress(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<ReportQuery>,
) -> Result<Json<ProgressReport>> {
    let credential = credential(&headers)?;
    let report = state
        .with_district(move |district, _| {
            let caller = caller(district.store(), &credential)?;
            reports::progress(district.store(), &caller.user, &query)
        })
        .await?;
    Ok(Json(report))
}

/// `GET /v1/reports/coverage`.
pub(super) async fn coverage(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<ReportQuery>,
) -> Result<Json<CoverageReport>> {
    let credential = credential(&headers)?;
    let report = state
        .with_district(move |district, _| {
            let caller = caller(district.store(), &credential)?;
            reports::coverage(district.store(), &caller.user, &query)
        })
        .await?;
    Ok(Json(report))
}

/// `GET /v1/reports/review-queue`.
pub(super) async fn review_queue(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<ReportQuery>,
) -> Result<Json<ReviewQueue>> {
    let credential = credential(&headers)?;
    let report = state
        .with_district(move |district, now_ms| {
            let caller = caller(district.store(), &credential)?;
            let reader = Reader {
                user: &caller.user,
                via: caller.device.as_str(),
            };
            access::review_queue(district.store(), reader, &query, now_ms)
        })
        .await?;
    Ok(Json(report))
}

/// `GET /v1/reports/duplicates`.
pub(super) async fn duplicates(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<ReportQuery>,
) -> Result<Json<DuplicateReport>> {
    let credential = credential(&headers)?;
    let report = state
        .with_district(move |district, now_ms| {
            let caller = caller(district.store(), &credential)?;
            let reader = Reader {
                user: &caller.user,
                via: caller.device.as_str(),
            };
            access::duplicates(district.store(), reader, &query, now_ms)
        })
        .await?;
    Ok(Json(report))
}

/// `GET /v1/reports/programmes`.
pub(super) async fn programmes(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<ReportQuery>,
) -> Result<Json<ProgrammeReport>> {
    let credential = credential(&headers)?;
    let report = state
        .with_district(move |district, _| {
            let caller = caller(district.store(), &credential)?;
            reports::programmes(district.store(), &caller.user, &query)
        })
        .await?;
    Ok(Json(report))
}
