//! `/v1/admin/hierarchy` and `/v1/admin/users`: imports of CSV bodies, for the district admin.
//! Campaigns, targets, notices and the policy are operations (`ops::administration`).

use axum::Json;
use axum::extract::State;

use super::AppState;
use super::ops::Credential;
use crate::admin::{self, ImportSummary};
use crate::auth::{Caller, authenticate};
use crate::error::Result;
use crate::ops::{Permission, Policy};
use crate::store::ServerStore;

fn district_admin(store: &ServerStore, credential: &str) -> Result<Caller> {
    let caller = authenticate(store, credential)?;
    Policy::check(store, &caller.user, Permission::Administer, None)?;
    Ok(caller)
}

/// `POST /v1/admin/hierarchy`, body `text/csv`.
pub(super) async fn import_hierarchy(
    State(state): State<AppState>,
    Credential(credential): Credential,
    body: String,
) -> Result<Json<ImportSummary>> {
    let summary = state
        .with_district(move |district, _| {
            district_admin(district.store(), &credential)?;
            admin::import_hierarchy(district.store_mut(), &body)
        })
        .await?;
    Ok(Json(summary))
}

/// `POST /v1/admin/users`, body `text/csv`.
pub(super) async fn import_users(
    State(state): State<AppState>,
    Credential(credential): Credential,
    body: String,
) -> Result<Json<ImportSummary>> {
    let summary = state
        .with_district(move |district, now_ms| {
            district_admin(district.store(), &credential)?;
            admin::import_users(district.store_mut(), &body, now_ms)
        })
        .await?;
    Ok(Json(summary))
}
