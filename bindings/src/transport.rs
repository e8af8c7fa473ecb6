//! The sync transport the app implements: one HTTP POST of the request bytes to the server's
//! `/v1/sync`, returning the reply body. Keeping HTTP in the app lets Android choose its own
//! client, proxy, TLS settings and network constraints; Rust only produces and consumes bytes.

use mitan_core::device::{SyncProgress, TransportError};

use crate::error::ApiError;

/// Moves one sync request to the server and brings its reply back. Implemented in Kotlin.
///
/// Return the reply body only for an HTTP 200. Otherwise throw: `ApiException.Unauthorized`
/// for a 401, `ApiException.Refused` with the error body's code for another 4xx carrying
/// one, `ApiException.Server` for a 5xx or an unreadable answer, `ApiException.Network` when
/// nothing arrived. A throw means "the reply did not arrive": the sync stops, keeps what
/// earlier replies stored, and the next sync resends the rest.
#[uniffi::export(callback_interface)]
pub trait SyncTransport: Send + Sync {
    /// Sends `request` and returns the server's reply.
    fn exchange(&self, request: Vec<u8>) -> Result<Vec<u8>, ApiError>;
}

/// Hears how a long sync goes. Implemented in Kotlin; called on the syncing thread, so post
/// to the UI rather than drawing from it.
#[uniffi::export(callback_interface)]
pub trait SyncObserver: Send + Sync {
    /// A round trip's reply is stored: what it brought is durable.
    fn round_stored(&self, progress: SyncProgress);
}

/// Lends an app's transport to the core's sync loop.
pub(crate) struct Bridge<'a>(pub(crate) &'a dyn SyncTransport);

impl mitan_core::device::Transport for Bridge<'_> {
    fn exchange(&mut self, request: Vec<u8>) -> Result<Vec<u8>, TransportError> {
        self.0.exchange(request).map_err(TransportError::from)
    }
}
