//! `POST /v1/sync`: the body is an encoded `SyncRequest`, the reply an encoded
//! `SyncResponse`, both `application/octet-stream`.

use std::time::Instant;

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use mitan_core::sync::{Limits, SyncRequest};

use super::{AppState, blocking};
use crate::auth::{authenticate, bearer};
use crate::error::{Error, Result};
use crate::metrics::SyncStatus;

/// The media type of sync bodies.
pub const OCTET_STREAM: &str = "application/octet-stream";

pub(super) async fn sync(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Response {
    let started = Instant::now();
    let bytes_in = body.as_ref().map_or(0, Bytes::len);
    let result = answer(&state, &headers, body).await;
    let (status, bytes_out, merged, rejected) = match &result {
        Ok(done) => (SyncStatus::Ok, done.reply.len(), done.merged, done.rejected),
        Err(Error::BadRequest { .. } | Error::PayloadTooLarge { .. }) => {
            (SyncStatus::BadRequest, 0, 0, 0)
        }
        Err(Error::Unauthorized) => (SyncStatus::Unauthorized, 0, 0, 0),
        Err(Error::Forbidden { .. }) => (SyncStatus::Forbidden, 0, 0, 0),
        Err(Error::RateLimited { .. }) => (SyncStatus::RateLimited, 0, 0, 0),
        Err(_) => (SyncStatus::Failed, 0, 0, 0),
    };
    let took = started.elapsed();
    state
        .metrics()
        .record_sync(status, bytes_in, bytes_out, merged, rejected, took);
    match result {
        Ok(done) => {
            tracing::info!(
                device = %done.device,
                bytes_in,
                bytes_out,
                merged,
                rejected,
                millis = took.as_millis() as u64,
                "sync"
            );
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, OCTET_STREAM)],
                done.reply,
            )
                .into_response()
        }
        Err(error) => error.into_response(),
    }
}

struct Answered {
    device: String,
    reply: Vec<u8>,
    merged: u64,
    rejected: u64,
}

async fn answer(
    state: &AppState,
    headers: &HeaderMap,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<Answered> {
    let credential = bearer(
        headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok()),
    )?
    .to_owned();
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Error::PayloadTooLarge {
                limit: state.body_limit,
            }
        } else {
            Error::BadRequest {
                code: "unreadable_body",
                message: rejection.body_text(),
            }
        }
    })?;
    let state = state.clone();
    blocking(move || {
        // Authenticate before decoding, so a stranger cannot make the server decompress.
        let caller = {
            let district = state.lock_district();
            authenticate(district.store(), &credential)?
        };
        // Counted per device before decompressing, so a refused request costs almost nothing.
        if let Some(limiter) = state.sync_limiter() {
            limiter.check(&caller.device)?;
        }
        // Decoding is CPU work that needs no district state: it runs outside the lock. The
        // change count is checked by `District::sync`, which names the limit in a stable code
        // instead of the decoder's generic "malformed".
        let limits = Limits {
            max_changes_per_request: usize::MAX,
            ..*state.lock_district().limits()
        };
        let request = SyncRequest::decode(&body, &limits).map_err(|error| match error {
            mitan_core::Error::UnsupportedProtocol { .. } => Error::BadRequest {
                code: mitan_core::device::UNSUPPORTED_PROTOCOL,
                message: error.to_string(),
            },
            other => Error::BadRequest {
                code: mitan_core::device::MALFORMED_BODY,
                message: other.to_string(),
            },
        })?;
        // Signatures are checked before the lock, on this worker's thread.
        let verified = crate::district::Verified::of(&caller, &request);
        let now_ms = state.now_ms();
        let done = state
            .lock_district()
            .sync_verified(&caller, &request, &verified, now_ms)?;
        // The lock is released: the wait for the disk is shared with whoever committed
        // meanwhile, and the next request merges while this one waits.
        let (merged, rejected) = (done.merged, done.rejected);
        Ok(Answered {
            device: caller.device.to_string(),
            reply: done.into_reply()?,
            merged,
            rejected,
        })
    })
    .await
}
