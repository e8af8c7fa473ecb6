//! `/v1/admin/…`: hierarchy and user imports (CSV bodies), campaigns and targets, consent
//! notices and policy. Writes are for the district admin; every authenticated caller may list
//! campaigns and fetch the consent notices (`/v1/notices`).

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::caller::{caller, credential};
pub use crate::admin::CampaignView;
use crate::admin::{self, CampaignSpec, ImportSummary, TargetSpec};
use crate::auth::{Caller, Role};
use crate::consent::{self, ConsentTermsView, NoticeSpec, NoticeView, PolicySpec};
use crate::error::{Error, Result};
use crate::store::ServerStore;

fn json_body<T>(body: std::result::Result<Json<T>, JsonRejection>) -> Result<T> {
    body.map(|Json(value)| value)
        .map_err(|rejection| Error::BadRequest {
            code: "malformed_body",
            message: rejection.body_text(),
        })
}

fn district_admin(store: &ServerStore, credential: &str) -> Result<Caller> {
    let caller = caller(store, credential)?;
    if caller.user.role != Role::DistrictAdmin {
        return Err(Error::Forbidden {
            reason: format!("a {} does not administer the district", caller.user.role),
        });
    }
    Ok(caller)
}

/// `POST /v1/admin/hierarchy`, body `text/csv`.
pub(super) async fn import_hierarchy(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: String,
) -> Result<Json<ImportSummary>> {
    let credential = credential(&headers)?;
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
    headers: HeaderMap,
    body: String,
) -> Result<Json<ImportSummary>> {
    let credential = credential(&headers)?;
    let summary = state
        .with_district(move |district, now_ms| {
            district_admin(district.store(), &credential)?;
            admin::import_users(district.store_mut(), &body, now_ms)
        })
        .await?;
    Ok(Json(summary))
}

/// `GET /v1/admin/campaigns`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Campaigns {
    /// Newest first.
    pub campaigns: Vec<CampaignView>,
}

/// `PUT /v1/admin/campaigns`.
pub(super) async fn save_campaign(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: std::result::Result<Json<CampaignSpec>, JsonRejection>,
) -> Result<Json<CampaignSpec>> {
    let credential = credential(&headers)?;
    let spec = json_body(body)?;
    let saved = state
        .with_district(move |district, now_ms| {
            let caller = district_admin(district.store(), &credential)?;
            admin::set_campaign(
                district.store_mut(),
                &spec,
                caller.user.badge.as_str(),
                now_ms,
            )?;
            Ok(spec)
        })
        .await?;
    Ok(Json(saved))
}

/// `PUT /v1/admin/targets`.
pub(super) async fn save_target(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: std::result::Result<Json<TargetSpec>, JsonRejection>,
) -> Result<Json<TargetSpec>> {
    let credential = credential(&headers)?;
    let spec = json_body(body)?;
    let saved = state
        .with_district(move |district, now_ms| {
            let caller = district_admin(district.store(), &credential)?;
            admin::set_target(
                district.store_mut(),
                &spec,
                caller.user.badge.as_str(),
                now_ms,
            )?;
            Ok(spec)
        })
        .await?;
    Ok(Json(saved))
}

/// `GET /v1/admin/campaigns`.
pub(super) async fn campaigns(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Campaigns>> {
    let credential = credential(&headers)?;
    let campaigns = state
        .with_district(move |district, _| {
            caller(district.store(), &credential)?;
            admin::load_campaigns(district.store())
        })
        .await?;
    Ok(Json(Campaigns { campaigns }))
}

/// `PUT /v1/admin/notices`: publishes the next version of a language's consent notice.
pub(super) async fn publish_notice(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: std::result::Result<Json<NoticeSpec>, JsonRejection>,
) -> Result<Json<NoticeView>> {
    let credential = credential(&headers)?;
    let spec = json_body(body)?;
    let published = state
        .with_district(move |district, now_ms| {
            let caller = district_admin(district.store(), &credential)?;
            consent::publish_notice(
                district.store_mut(),
                &spec,
                caller.user.badge.as_str(),
                now_ms,
            )
        })
        .await?;
    Ok(Json(published))
}

/// `PUT /v1/admin/policy`: whether the district enrols adults only.
pub(super) async fn save_policy(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: std::result::Result<Json<PolicySpec>, JsonRejection>,
) -> Result<Json<PolicySpec>> {
    let credential = credential(&headers)?;
    let spec = json_body(body)?;
    let saved = state
        .with_district(move |district, now_ms| {
            let caller = district_admin(district.store(), &credential)?;
            consent::set_policy(
                district.store_mut(),
                spec,
                caller.user.badge.as_str(),
                now_ms,
            )
        })
        .await?;
    Ok(Json(saved))
}

/// `GET /v1/notices`: the current notices and the policy, for any registered device; a phone
/// fetches them at registration and at each sync and shows them offline.
pub(super) async fn notices(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<ConsentTermsView>> {
    let credential = credential(&headers)?;
    let terms = state
        .with_district(move |district, _| {
            caller(district.store(), &credential)?;
            consent::current_terms(district.store())
        })
        .await?;
    Ok(Json(terms))
}
