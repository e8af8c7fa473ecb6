//! `GET /v1/audit/…`: the access log, and the replay of the merge history (history of a
//! roster, a unit or a volunteer; a roster at a past moment; the diff between two moments;
//! the progress report at a past moment, and what moved in it between two).
//!
//! A replay is computed on a read-only connection of its own (`AppState::with_reader`), never
//! under the district lock, so it does not hold up syncs; only authentication and the
//! access-log line, written before the answer leaves, take the lock briefly.

use axum::Json;
use axum::extract::State;

use super::ops::JsonQuery;

use super::AppState;
use super::ops::Credential;
use crate::access::{self, AccessLog, AccessLogQuery, Reader};
use crate::audit::{
    self, Answer, AuditDiff, AuditState, DiffQuery, HistoryPage, HistoryQuery, StateQuery,
};
use crate::auth::{Caller, authenticate};
use crate::error::Result;
use crate::reports::past::{self, PastProgressReport, PastReportQuery};
use crate::reports::progress_diff::{self, ReportDiff, ReportDiffQuery};
use crate::store::ServerStore;

/// `GET /v1/audit/access-log?from_ms=…&to_ms=…&badge=…&kind=…&limit=…&before=…`.
pub(super) async fn access_log(
    State(state): State<AppState>,
    Credential(credential): Credential,
    JsonQuery(query): JsonQuery<AccessLogQuery>,
) -> Result<Json<AccessLog>> {
    let log = state
        .with_district(move |district, _| {
            let caller = authenticate(district.store(), &credential)?;
            access::log(district.store(), &caller.user, &query)
        })
        .await?;
    Ok(Json(log))
}

/// Authenticates, replays on a reader, and logs the answer's personal fields before it goes.
async fn replay<T, F>(state: AppState, credential: String, work: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce(&ServerStore, Reader<'_>) -> Result<Answer<T>> + Send + 'static,
{
    let caller: Caller = state
        .with_district(move |district, _| authenticate(district.store(), &credential))
        .await?;
    let answer = state
        .with_reader(move |store| {
            let reader = Reader {
                user: &caller.user,
                via: caller.device.as_str(),
            };
            work(store, reader)
        })
        .await?;
    if let Some(line) = answer.access {
        state
            .with_district(move |district, now_ms| district.store_mut().save_access(&line, now_ms))
            .await?;
    }
    Ok(answer.value)
}

/// `GET /v1/audit/history?roster=…|unit=…|volunteer=…&badge=…&device=…&from_ms=…&to_ms=…`.
pub(super) async fn history(
    State(state): State<AppState>,
    Credential(credential): Credential,
    JsonQuery(query): JsonQuery<HistoryQuery>,
) -> Result<Json<HistoryPage>> {
    let page = replay(state, credential, move |store, reader| {
        audit::history(store, reader, &query)
    })
    .await?;
    Ok(Json(page))
}

/// `GET /v1/audit/state?roster=…&at_ms=…|change=…&clock=…`.
pub(super) async fn state(
    State(state): State<AppState>,
    Credential(credential): Credential,
    JsonQuery(query): JsonQuery<StateQuery>,
) -> Result<Json<AuditState>> {
    let answer = replay(state, credential, move |store, reader| {
        audit::state(store, reader, &query)
    })
    .await?;
    Ok(Json(answer))
}

/// `GET /v1/audit/diff?roster=…&from_ms=…|from_change=…&to_ms=…|to_change=…&clock=…`.
pub(super) async fn diff(
    State(state): State<AppState>,
    Credential(credential): Credential,
    JsonQuery(query): JsonQuery<DiffQuery>,
) -> Result<Json<AuditDiff>> {
    let answer = replay(state, credential, move |store, reader| {
        audit::diff(store, reader, &query)
    })
    .await?;
    Ok(Json(answer))
}

/// `GET /v1/audit/report?at_ms=…&clock=…&campaign=…&programme=…`.
pub(super) async fn report(
    State(state): State<AppState>,
    Credential(credential): Credential,
    JsonQuery(query): JsonQuery<PastReportQuery>,
) -> Result<Json<PastProgressReport>> {
    let report = replay(state, credential, move |store, reader| {
        // Counts only: no personal field is read, so there is no access-log line.
        past::progress_at(store, reader.user, &query, &mut |_, _| {}).map(|value| Answer {
            value,
            access: None,
        })
    })
    .await?;
    Ok(Json(report))
}

/// `GET /v1/audit/report/diff?from_ms=…|from_change=…&to_ms=…|to_change=…&clock=…&campaign=…`.
pub(super) async fn report_diff(
    State(state): State<AppState>,
    Credential(credential): Credential,
    JsonQuery(query): JsonQuery<ReportDiffQuery>,
) -> Result<Json<ReportDiff>> {
    let now_ms = state.now_ms();
    let diff = replay(state, credential, move |store, reader| {
        // Counts only, as for the report itself: no access-log line.
        progress_diff::progress_diff(store, reader.user, &query, now_ms, &mut |_, _| {}).map(
            |value| Answer {
                value,
                access: None,
            },
        )
    })
    .await?;
    Ok(Json(diff))
}
