//! The HTTP side of [`crate::ops`]: one generic handler per kind of operation, so a route is
//! one line in `app()` and no handler repeats credential, caller and parsing code.
//!
//! A `GET` operation is read from the query string; a `POST` or `PUT` one from the path's
//! `{name}` segments and a JSON body holding its other fields (an empty body for none).
//! Whatever cannot be read is a JSON 400 naming the field.

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, RawQuery, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use super::AppState;
use crate::auth::{authenticate, bearer};
use crate::error::{Error, Result, clipped};
use crate::ops::{
    Caller, FileOperation, ReadOperation, ReplayOperation, TextRequest, WriteOperation,
};
use crate::store::ServerStore;

/// The bearer credential of a request, as the one extractor every operation's route uses.
#[derive(Debug, Clone)]
pub struct Credential(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Credential {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self> {
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok());
        bearer(value).map(|token| Credential(token.to_owned()))
    }
}

/// A query string read as `T`: axum's `Query`, except that a query that does not read is
/// the JSON error body naming the field, never a plain-text 400.
#[derive(Debug, Clone)]
pub struct JsonQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for JsonQuery<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self> {
        from_query(parts.uri.query().unwrap_or("")).map(JsonQuery)
    }
}

/// Reads a request from a query string, naming the field that did not read.
pub fn from_query<T: DeserializeOwned>(query: &str) -> Result<T> {
    let deserializer =
        serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(deserializer).map_err(bad_field)
}

/// Reads a request from JSON, naming the field that did not read.
pub fn from_json<T: DeserializeOwned>(value: serde_json::Value) -> Result<T> {
    serde_path_to_error::deserialize(value).map_err(bad_field)
}

fn bad_field<E: std::fmt::Display>(error: serde_path_to_error::Error<E>) -> Error {
    // The decoder's message quotes the input, and a client may send a key or value of a
    // megabyte: both are cut before they reach the answer or the log.
    let field = clipped(&error.path().to_string()).into_owned();
    let reason = clipped(&error.inner().to_string()).into_owned();
    if field == "." {
        // A missing field names itself only in the message: `missing field `reason``.
        let missing = reason
            .split('`')
            .nth(1)
            .filter(|_| reason.starts_with("missing field"))
            .map(str::to_owned);
        return match missing {
            Some(field) => Error::BadField { field, reason },
            None => Error::BadRequest {
                code: "malformed_body",
                message: reason,
            },
        };
    }
    Error::BadField { field, reason }
}

/// `GET` of a read operation: answered on a read-only connection of its own.
pub(super) async fn read<O: ReadOperation>(
    State(state): State<AppState>,
    Credential(credential): Credential,
    RawQuery(query): RawQuery,
) -> Result<Json<O::Answer>> {
    let request: O = from_query(query.as_deref().unwrap_or(""))?;
    on_reader(&state, credential, move |store, caller, now_ms| {
        request.read(store, caller, now_ms)
    })
    .await
    .map(Json)
}

/// Authenticates and runs `work` on a read-only connection of its own.
async fn on_reader<T, F>(state: &AppState, credential: String, work: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce(&ServerStore, &Caller, i64) -> Result<T> + Send + 'static,
{
    let now_ms = state.now_ms();
    state
        .with_reader(move |store| {
            let caller = Caller::device(authenticate(store, &credential)?);
            work(store, &caller, now_ms)
        })
        .await
}

/// `GET` of a replay of the merge history: replayed on a read-only connection of its own,
/// then what it opened is written to the access log, with the writer, before the answer
/// leaves.
pub(super) async fn replay<O: ReplayOperation>(
    State(state): State<AppState>,
    Credential(credential): Credential,
    RawQuery(query): RawQuery,
) -> Result<Json<O::Answer>> {
    let request: O = from_query(query.as_deref().unwrap_or(""))?;
    let answer = on_reader(&state, credential, move |store, caller, now_ms| {
        request.replay(store, caller, now_ms, &mut |_, _| {})
    })
    .await?;
    Ok(Json(logged(&state, answer).await?))
}

/// A replay's answer, once the access-log line it carries is written: nothing personal is
/// shown unless its reading is logged.
pub(crate) async fn logged<T>(state: &AppState, answer: crate::ops::Replayed<T>) -> Result<T> {
    if let Some(line) = answer.access {
        state
            .with_district(move |district, now_ms| district.store_mut().save_access(&line, now_ms))
            .await?;
    }
    Ok(answer.value)
}

/// The header telling how many parts the whole list has.
pub const PARTS_HEADER: &str = "x-mitan-parts";

/// `GET` of an operation that hands over a file: the file, with its media type, a file name to
/// save it under and how many parts the whole list has.
pub(super) async fn file<O: FileOperation>(
    State(state): State<AppState>,
    Credential(credential): Credential,
    RawQuery(query): RawQuery,
) -> Result<Response> {
    let request: O = from_query(query.as_deref().unwrap_or(""))?;
    let file = state
        .with_district(move |district, now_ms| {
            let caller = Caller::device(authenticate(district.store(), &credential)?);
            request.take(district, &caller, now_ms)
        })
        .await?;
    Ok(file_response(file))
}

/// An export as a download: its media type, a file name to save it under and how many parts
/// the whole list has.
pub(crate) fn file_response(file: crate::exports::Export) -> Response {
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
    // A list of names and numbers is never kept by a cache on the way.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `POST` of an operation whose body is a text file (a CSV import): the body is the request.
pub(super) async fn text<O: TextRequest>(
    State(state): State<AppState>,
    Credential(credential): Credential,
    body: String,
) -> Result<Json<O::Answer>> {
    write_with(state, credential, O::from_text(body)).await
}

/// `GET` of an operation that reads personal fields and logs the read.
pub(super) async fn read_logged<O: WriteOperation>(
    State(state): State<AppState>,
    Credential(credential): Credential,
    RawQuery(query): RawQuery,
) -> Result<Json<O::Answer>> {
    let request: O = from_query(query.as_deref().unwrap_or(""))?;
    write_with(state, credential, request).await
}

/// `POST` or `PUT` of an operation that writes: the path's fields and the JSON body make the
/// request.
pub(super) async fn write<O: WriteOperation>(
    State(state): State<AppState>,
    Credential(credential): Credential,
    Path(path): Path<HashMap<String, String>>,
    body: Bytes,
) -> Result<Json<O::Answer>> {
    let mut fields = if body.iter().all(u8::is_ascii_whitespace) {
        serde_json::Map::new()
    } else {
        match serde_json::from_slice::<serde_json::Value>(&body) {
            Ok(serde_json::Value::Object(fields)) => fields,
            Ok(_) => {
                return Err(Error::BadRequest {
                    code: "malformed_body",
                    message: "the body is not a JSON object".into(),
                });
            }
            Err(error) => {
                return Err(Error::BadRequest {
                    code: "malformed_body",
                    message: error.to_string(),
                });
            }
        }
    };
    // The path names the thing acted on; a body cannot redirect the action elsewhere.
    for (name, value) in path {
        fields.insert(name, serde_json::Value::String(value));
    }
    let request: O = from_json(serde_json::Value::Object(fields))?;
    write_with(state, credential, request).await
}

async fn write_with<O: WriteOperation>(
    state: AppState,
    credential: String,
    request: O,
) -> Result<Json<O::Answer>> {
    let answer = state
        .with_district(move |district, now_ms| {
            let caller = Caller::device(authenticate(district.store(), &credential)?);
            request.write(district, &caller, now_ms)
        })
        .await?;
    Ok(Json(answer))
}
