//! The HTTP API: routes, shared state, and the bridge from async handlers to the blocking
//! SQLite and Automerge work, which never runs on the async executor.

mod openapi;
mod operations;
pub mod ops;
mod registration;
pub(crate) use registration::ClientAddress;
mod sync;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::connect_info::Connected;
use axum::routing::{get, post, put};
use axum::serve::IncomingStream;
use tokio::net::TcpListener;

use crate::access::AccessLogQuery;
use crate::admin::{CampaignSpec, TargetSpec};
use crate::audit::RecordQuery;
use crate::audit::{DiffQuery, HistoryQuery, StateQuery};
use crate::consent::{NoticeSpec, PolicySpec};
use crate::district::District;
use crate::error::{Error, Result};
use crate::exports::{ExportLogQuery, ExportQuery};
use crate::metrics::Metrics;
use crate::ops::{administration, devices, directory, groups, imports, reports, review};
use crate::programmes::ProgrammeSpec;
use crate::rate_limit::{RegistrationLimiter, RegistrationRate, SyncRate, SyncRateLimiter};
use crate::registration::RegisterRequest;
use crate::reports::past::PastReportQuery;
use crate::reports::progress_diff::ReportDiffQuery;
use crate::store::{DatabaseKey, ServerStore};
use crate::tls::TlsListener;

pub use openapi::{ROUTES, RouteAuth, RouteDoc, document as openapi_document};
pub use ops::PARTS_HEADER;
pub use sync::OCTET_STREAM;

/// The largest sync body accepted by default: a day of a busy constable's enrolments is tens
/// of kilobytes compressed, so 8 MiB leaves room for a reinstall and refuses abuse.
pub const DEFAULT_BODY_LIMIT: usize = 8 * 1024 * 1024;

/// The server clock, in milliseconds since the Unix epoch; injected so tests control time.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// The wall clock.
pub fn system_clock() -> Clock {
    Arc::new(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|elapsed| i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0)
    })
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    district: Arc<Mutex<District>>,
    metrics: Arc<Metrics>,
    clock: Clock,
    body_limit: usize,
    /// `None` when sync requests are not rate limited (benchmarks, trusted load tests).
    sync_limiter: Option<Arc<SyncRateLimiter>>,
    /// `None` when registrations are not throttled (tests that register many phones).
    registration_limiter: Option<Arc<RegistrationLimiter>>,
    /// The hash of the bearer token `/metrics` asks for; `None` serves it to anyone (on a
    /// loopback address, or behind a proxy that guards it).
    metrics_token: Option<[u8; 32]>,
    /// The database file, which audit replays read on connections of their own so that they
    /// never hold the district lock; `None` for an in-memory database.
    database: Option<PathBuf>,
    /// The key that file is encrypted under, if it is.
    database_key: Option<DatabaseKey>,
    /// Whether the console's cookies are marked `Secure` (served over TLS).
    secure_cookies: bool,
    /// The fingerprint of the district CA the server's certificate chains to, printed on the
    /// registration slips the console issues; `None` over plain HTTP.
    ca_fingerprint: Option<String>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("body_limit", &self.body_limit)
            .field(
                "sync_rate",
                &self.sync_limiter.as_ref().map(|limiter| limiter.rate()),
            )
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// State over `district`, with the wall clock and the default body limit.
    pub fn new(mut district: District) -> Self {
        // A serving process checkpoints the WAL off the sync path; if the thread cannot be
        // had, SQLite goes on checkpointing inside commits as it always did.
        if let Err(error) = district.store_mut().checkpoint_in_background() {
            tracing::warn!(%error, "WAL checkpoints stay inside commits");
        }
        let database = district.store().path();
        let database_key = district.store().key().cloned();
        AppState {
            database,
            database_key,
            district: Arc::new(Mutex::new(district)),
            metrics: Arc::new(Metrics::default()),
            clock: system_clock(),
            body_limit: DEFAULT_BODY_LIMIT,
            sync_limiter: Some(Arc::new(SyncRateLimiter::new(SyncRate::default()))),
            registration_limiter: Some(Arc::new(RegistrationLimiter::new(
                RegistrationRate::default(),
            ))),
            metrics_token: None,
            secure_cookies: false,
            ca_fingerprint: None,
        }
    }

    /// The same state printing `fingerprint` (`sha256:…`) on registration slips.
    pub fn with_ca_fingerprint(mut self, fingerprint: Option<String>) -> Self {
        self.ca_fingerprint = fingerprint;
        self
    }

    /// The CA fingerprint phones pin, when the server speaks TLS.
    pub fn ca_fingerprint(&self) -> Option<&str> {
        self.ca_fingerprint.as_deref()
    }

    /// Whether the console's cookies travel over TLS only.
    pub fn secure_cookies(&self) -> bool {
        self.secure_cookies
    }

    /// The same state with `/metrics` behind `token` (`Authorization: Bearer …`), or open.
    pub fn with_metrics_token(mut self, token: Option<&str>) -> Self {
        self.metrics_token = token.map(crate::auth::hash_secret);
        self
    }

    /// The same state with another registration allowance; `None` lifts it.
    pub fn with_registration_rate(mut self, rate: Option<RegistrationRate>) -> Self {
        self.registration_limiter = rate.map(|rate| Arc::new(RegistrationLimiter::new(rate)));
        self
    }

    /// The registration limiter, if one is in force.
    pub fn registration_limiter(&self) -> Option<&RegistrationLimiter> {
        self.registration_limiter.as_deref()
    }

    /// The same state with another per-device sync rate; `None` lifts the limit.
    pub fn with_sync_rate(mut self, rate: Option<SyncRate>) -> Self {
        self.sync_limiter = rate.map(|rate| Arc::new(SyncRateLimiter::new(rate)));
        self
    }

    /// The per-device sync limiter, if one is in force.
    pub fn sync_limiter(&self) -> Option<&SyncRateLimiter> {
        self.sync_limiter.as_deref()
    }

    /// The same state with another clock.
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// The same state with another limit on request bodies.
    pub fn with_body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// The metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The server clock now.
    pub fn now_ms(&self) -> i64 {
        (self.clock)()
    }

    /// Locks district state. One writer at a time keeps the loaded rosters and the database in
    /// step; if a worker panicked while holding the lock, the loaded rosters are dropped
    /// (they may hold uncommitted changes) and the store, which only ever commits whole
    /// transactions, carries on.
    pub fn lock_district(&self) -> MutexGuard<'_, District> {
        match self.district.lock() {
            Ok(guard) => guard,
            Err(poisoned) => {
                let mut guard = poisoned.into_inner();
                guard.forget_rosters();
                self.district.clear_poison();
                guard
            }
        }
    }

    /// Runs blocking work with district state on the blocking pool.
    pub async fn with_district<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut District, i64) -> Result<T> + Send + 'static,
    {
        let state = self.clone();
        blocking(move || {
            let now_ms = state.now_ms();
            let mut district = state.lock_district();
            work(&mut district, now_ms)
        })
        .await
    }

    /// Runs a long read (an audit replay) on the blocking pool over a read-only connection of
    /// its own, so syncs go on meanwhile; an in-memory database has no second connection, and
    /// is read under the district lock instead.
    pub async fn with_reader<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&ServerStore) -> Result<T> + Send + 'static,
    {
        let state = self.clone();
        blocking(move || match &state.database {
            Some(path) => work(&ServerStore::open_reader_keyed(
                path,
                state.database_key.as_ref(),
            )?),
            None => work(state.lock_district().store()),
        })
        .await
    }
}

/// Runs `work` on tokio's blocking pool.
async fn blocking<T, F>(work: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T> + Send + 'static,
{
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| Error::Worker(error.to_string()))?
}

/// Every operation served over HTTP, each listed once: the router ([`app`]) and the OpenAPI
/// document ([`openapi_document`]) are both built from this list, so an operation cannot be
/// served undocumented or documented unserved.
macro_rules! operations {
    ($($kind:ident $operation:ty => $tag:literal;)*) => {
        fn route_operations(router: Router<AppState>) -> Router<AppState> {
            router$(.route(
                <$operation as crate::ops::Operation>::PATH,
                operations!(@handler $kind $operation),
            ))*
        }

        fn document_operations(document: &mut openapi::Document) {
            $(document.operation::<$operation>($tag);)*
        }
    };
    (@handler read $operation:ty) => { get(ops::read::<$operation>) };
    (@handler logged $operation:ty) => { get(ops::read_logged::<$operation>) };
    (@handler replay $operation:ty) => { get(ops::replay::<$operation>) };
    (@handler file $operation:ty) => { get(ops::file::<$operation>) };
    (@handler text $operation:ty) => { post(ops::text::<$operation>) };
    (@handler register $operation:ty) => { post(registration::register) };
    (@handler write $operation:ty) => { post(ops::write::<$operation>) };
    (@handler set $operation:ty) => { put(ops::write::<$operation>) };
}

operations! {
    read reports::Progress => "reports";
    read reports::Coverage => "reports";
    logged reports::Queue => "reports";
    logged reports::Duplicates => "reports";
    read reports::Programmes => "reports";
    read reports::Trainers => "reports";
    read reports::CameraQuery => "reports";
    read crate::groups::GroupQuery => "groups";
    logged groups::GroupMembers => "groups";
    set crate::groups::GroupSpec => "administration";
    read reports::Daily => "reports";
    write review::Verify => "review";
    write review::Reject => "review";
    write review::MarkDuplicate => "review";
    write review::Move => "review";
    write review::Withdraw => "review";
    logged review::Search => "review";
    read directory::ListUnits => "directory";
    read directory::ListUsers => "directory";
    read directory::ListDevices => "directory";
    read administration::Campaigns => "administration";
    set CampaignSpec => "administration";
    set TargetSpec => "administration";
    set NoticeSpec => "administration";
    set PolicySpec => "administration";
    read administration::Programmes => "administration";
    set ProgrammeSpec => "administration";
    read administration::Notices => "devices";
    write devices::IssueCode => "devices";
    write devices::Revoke => "devices";
    write devices::Replace => "devices";
    replay HistoryQuery => "audit";
    replay StateQuery => "audit";
    replay DiffQuery => "audit";
    replay PastReportQuery => "audit";
    replay ReportDiffQuery => "audit";
    replay RecordQuery => "review";
    read AccessLogQuery => "audit";
    file ExportQuery => "exports";
    read ExportLogQuery => "exports";
    text imports::ImportHierarchy => "admin";
    text imports::ImportUsers => "admin";
    register RegisterRequest => "devices";
}

/// The routes that are not operations yet, each with the methods it serves: every one must
/// have a row of [`ROUTES`] per method, which `server/tests/openapi.rs` checks against this
/// list, and which answers on a real server.
macro_rules! documented_routes {
    ($($path:literal [$($method:literal),+] => $handler:expr;)*) => {
        fn route_documented(router: Router<AppState>) -> Router<AppState> {
            router$(.route($path, $handler))*
        }

        /// Each route served from a row of [`ROUTES`], with its methods.
        pub const DOCUMENTED_ROUTES: &[(&str, &[&str])] = &[$(($path, &[$($method),+])),*];
    };
}

documented_routes! {
    "/v1/sync" ["post"] => post(sync::sync);
    "/healthz" ["get"] => get(operations::healthz);
    "/metrics" ["get"] => get(operations::metrics);
    "/openapi.json" ["get"] => get(openapi::openapi_json);
}

/// The router, for tests (`tower::ServiceExt::oneshot`) and for [`run`].
pub fn app(state: AppState) -> Router {
    let body_limit = state.body_limit;
    route_documented(route_operations(crate::console::routes()))
        .layer(DefaultBodyLimit::max(body_limit))
        .with_state(state)
}

/// The address a connection came from, as handlers see it, over plain TCP or TLS alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerAddress(pub SocketAddr);

impl Connected<IncomingStream<'_, TcpListener>> for PeerAddress {
    fn connect_info(stream: IncomingStream<'_, TcpListener>) -> Self {
        PeerAddress(*stream.remote_addr())
    }
}

impl Connected<IncomingStream<'_, TlsListener>> for PeerAddress {
    fn connect_info(stream: IncomingStream<'_, TlsListener>) -> Self {
        PeerAddress(*stream.remote_addr())
    }
}

/// Serves `state` over plain HTTP on `listener` until `shutdown` completes, then lets
/// requests in flight finish: a sync that has committed still gets its reply.
pub async fn run(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let address = listener.local_addr()?;
    tracing::info!(%address, "serving");
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<PeerAddress>(),
    )
    .with_graceful_shutdown(shutdown)
    .await?;
    tracing::info!("stopped");
    Ok(())
}

/// [`run`] over TLS with `tls`: every connection is HTTPS.
pub async fn run_tls(
    listener: TcpListener,
    tls: Arc<rustls::ServerConfig>,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let address = listener.local_addr()?;
    tracing::info!(%address, "serving over TLS");
    let state = AppState {
        secure_cookies: true,
        ..state
    };
    axum::serve(
        TlsListener::new(listener, tls)?,
        app(state).into_make_service_with_connect_info::<PeerAddress>(),
    )
    .with_graceful_shutdown(shutdown)
    .await?;
    tracing::info!("stopped");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::district::DistrictConfig;
    use crate::store::ServerStore;

    #[test]
    fn a_panic_while_holding_district_state_drops_the_loaded_rosters_and_serving_goes_on() {
        let store = ServerStore::open_in_memory().expect("store opens");
        let state = AppState::new(District::new(store, DistrictConfig::default()));
        let panicking = state.clone();
        let outcome = std::thread::spawn(move || {
            let _district = panicking.lock_district();
            panic!("a worker dies holding the lock");
        })
        .join();
        assert!(outcome.is_err());
        let district = state.lock_district();
        assert_eq!(district.loaded_rosters(), 0);
        district.store().ping().expect("the store still answers");
    }
}
