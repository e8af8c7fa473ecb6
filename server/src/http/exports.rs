//! `GET /v1/exports` (a file) and `GET /v1/exports/log` (who took which export).

use axum::Json;
use axum::extract::State;

use super::ops::JsonQuery;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::ops::Credential;
use crate::auth::authenticate;
use crate::error::Result;
use crate::exports::{self, ExportLog, ExportLogQuery, ExportQuery};

/// The header telling how many parts the whole list has.
pub const PARTS_HEADER: &str = "x-mitan-parts";

/// `GET /v1/exports?unit=…&kind=roster|group|broadcast&format=csv|vcard&…`.
pub(super) async fn export(
    State(state): State<AppState>,
    Credential(credential): Credential,
    JsonQuery(query): JsonQuery<ExportQuery>,
) -> Result<Response> {
    let file = state
        .with_district(move |district, now_ms| {
            let caller = authenticate(district.store(), &credential)?;
            exports::export(
                district.store_mut(),
                &caller.user,
                caller.device.as_str(),
                &query,
                now_ms,
            )
        })
        .await?;
    let disposition = format!(
        "attachment; filename=\"{}\"",
        file.filename.replace('"', "")
    );
    let mut response = file.body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(file.content_type),
    );
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(PARTS_HEADER, HeaderValue::from(file.parts));
    Ok(response)
}

/// `GET /v1/exports/log`.
pub(super) async fn log(
    State(state): State<AppState>,
    Credential(credential): Credential,
    JsonQuery(query): JsonQuery<ExportLogQuery>,
) -> Result<Json<ExportLog>> {
    let log = state
        .with_district(move |district, _| {
            let caller = authenticate(district.store(), &credential)?;
            exports::log(district.store(), &caller.user, &query)
        })
        .await?;
    Ok(Json(log))
}
