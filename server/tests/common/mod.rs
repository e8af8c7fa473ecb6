//! What the server's integration tests share: one district (its hierarchy and officers) on a
//! real SQLite file, the clock the server reads, the router answered through `oneshot`, and
//! phones registered and synced into a `District` without HTTP. A test file takes it with
//! `mod common;` and keeps only what is particular to it; the `mitan` command's tests take it
//! too, through `server/cli/tests/common`, which adds the binary.

// Each test file compiles its own copy of this module and uses only part of it.
#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use mitan_core::demo::Generator;
use mitan_core::device::{Device, Moment, SyncReport};
use mitan_core::model::sealed::TestKeys;
use mitan_core::model::{
    ChangeMeta, EnrolmentRules, Roster, RosterChange, RosterId, Unit, UnitKind, VolunteerId,
};
use mitan_core::provenance::DeviceKey;
use mitan_core::store::{DeviceIdentity, StoreKey};
use mitan_core::sync::SyncRequest;
use mitan_server::auth::{Caller, Role, authenticate};
use mitan_server::district::{District, DistrictConfig};
use mitan_server::http::{Clock, OCTET_STREAM};
use mitan_server::registration::{RegisterRequest, RegisteredDevice, issue_code, register};
use mitan_server::store::{ServerStore, User};
use mitan_server::{AppState, ErrorBody, app};
use tower::ServiceExt;

pub(crate) mod phone_index;

/// The moment the tests' districts are set up and, unless a test moves its clock, the
/// server's time.
pub(crate) const NOW: i64 = 1_763_900_000_000;

/// How long a registration code issued by a test stays valid: an hour.
const CODE_VALID_MS: i64 = 3_600_000;

/// A station's code and the codes of its beats.
pub(crate) type Station<'a> = (&'a str, &'a [&'a str]);

pub(crate) fn unit(kind: UnitKind, code: &str, parent: Option<&str>) -> Unit {
    Unit {
        kind,
        code: code.parse().expect("valid code"),
        name_hi: format!("{code} हिंदी"),
        name_en: code.to_owned(),
        parent: parent.map(|parent| parent.parse().expect("valid code")),
        lgd_code: None,
    }
}

pub(crate) fn user(badge: &str, role: Role, unit: &str, beats: &[&str]) -> User {
    User {
        badge: badge.parse().expect("valid badge"),
        name: format!("Officer {badge}"),
        role,
        unit: unit.parse().expect("valid unit"),
        beats: beats
            .iter()
            .map(|beat| beat.parse().expect("valid beat"))
            .collect(),
    }
}

/// Saves what every test district hangs from (state `CG`, range `CG-BSP`, district `BSP`,
/// circle `BSP-C1`), then `stations` under the circle, then each station's beats. The core
/// insists that a district has a parent, hence the state and range.
pub(crate) fn save_hierarchy(store: &mut ServerStore, stations: &[Station<'_>]) {
    let mut units = vec![
        unit(UnitKind::State, "CG", None),
        unit(UnitKind::Range, "CG-BSP", Some("CG")),
        unit(UnitKind::District, "BSP", Some("CG-BSP")),
        unit(UnitKind::Circle, "BSP-C1", Some("BSP")),
    ];
    for (station, _) in stations {
        units.push(unit(UnitKind::Station, station, Some("BSP-C1")));
    }
    for (station, beats) in stations {
        for beat in *beats {
            units.push(unit(UnitKind::Beat, beat, Some(station)));
        }
    }
    for unit in &units {
        store.save_unit(unit).expect("unit saved");
    }
}

/// A district database at `path`: the hierarchy of `stations` and `users`, saved at [`NOW`].
pub(crate) fn district_store(path: &Path, stations: &[Station<'_>], users: &[User]) -> ServerStore {
    let mut store = ServerStore::open(path).expect("store opens");
    save_hierarchy(&mut store, stations);
    for user in users {
        store.save_user(user, NOW).expect("user saved");
    }
    store
}

/// The clock a test server reads, moved only by the test.
#[derive(Clone)]
pub(crate) struct TestClock(Arc<AtomicI64>);

impl TestClock {
    pub(crate) fn at(now_ms: i64) -> Self {
        TestClock(Arc::new(AtomicI64::new(now_ms)))
    }

    pub(crate) fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }

    pub(crate) fn set(&self, now_ms: i64) {
        self.0.store(now_ms, Ordering::SeqCst);
    }

    pub(crate) fn advance(&self, by_ms: i64) {
        self.0.fetch_add(by_ms, Ordering::SeqCst);
    }

    /// The clock to hand to `AppState::with_clock`.
    pub(crate) fn reading(&self) -> Clock {
        let shared = Arc::clone(&self.0);
        Arc::new(move || shared.load(Ordering::SeqCst))
    }
}

/// A district served by the router alone (`oneshot`), on a SQLite file in a temp dir.
pub(crate) struct Api {
    pub(crate) state: AppState,
    pub(crate) clock: TestClock,
    router: Router,
    _dir: tempfile::TempDir,
}

impl Api {
    pub(crate) fn new(stations: &[Station<'_>], users: &[User]) -> Self {
        Self::configured(stations, users, |state| state)
    }

    /// As [`Api::new`], with `configure` applied to the state before the router is built.
    pub(crate) fn configured(
        stations: &[Station<'_>],
        users: &[User],
        configure: impl FnOnce(AppState) -> AppState,
    ) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = district_store(&dir.path().join("server.db"), stations, users);
        let clock = TestClock::at(NOW);
        let state = configure(
            AppState::new(District::new(store, DistrictConfig::default()))
                .with_clock(clock.reading()),
        );
        Api {
            router: app(state.clone()),
            state,
            clock,
            _dir: dir,
        }
    }

    /// The server's database file opened beside the server, for what no operation shows.
    pub(crate) fn database(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self._dir.path().join("server.db")).expect("the database opens")
    }

    pub(crate) async fn send(&self, request: Request<Body>) -> (StatusCode, Vec<u8>) {
        let (status, _, body) = self.respond(request).await;
        (status, body)
    }

    /// The status, headers and body of the answer to `request`.
    pub(crate) async fn respond(
        &self,
        request: Request<Body>,
    ) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router answers");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body reads")
            .to_bytes()
            .to_vec();
        (status, headers, body)
    }

    /// `POST /v1/sync` with `body` as `credential`.
    pub(crate) async fn sync(&self, credential: &str, body: Vec<u8>) -> (StatusCode, Vec<u8>) {
        self.send(post("/v1/sync", credential, OCTET_STREAM, body))
            .await
    }

    /// A registration code for `badge`, issued now and valid for an hour.
    pub(crate) fn issue_code(&self, badge: &str) -> String {
        issue_code_in(&self.state, badge)
    }

    /// Registers a device of `badge` writing with `actor` and signing with its
    /// [`device_key`], over HTTP.
    pub(crate) async fn register(&self, badge: &str, actor: [u8; 16]) -> RegisteredDevice {
        let code = self.issue_code(badge);
        let (status, body) = self.send(register_request(&code, actor)).await;
        assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
        serde_json::from_slice(&body).expect("registration reply")
    }

    /// The credential of a new device of `badge` writing with actor `[actor; 16]`.
    pub(crate) async fn credential(&self, badge: &str, actor: u8) -> String {
        self.register(badge, [actor; 16]).await.credential
    }

    /// `GET path` as `credential`, which must answer 200 with JSON.
    pub(crate) async fn get_json(&self, path: &str, credential: &str) -> serde_json::Value {
        let (status, body) = self.send(get(path, credential)).await;
        assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
        serde_json::from_slice(&body).expect("JSON")
    }

    /// (changes logged, volunteer rows).
    pub(crate) fn counts(&self) -> (u64, u64) {
        counts(&self.state)
    }
}

/// A registration code for `badge`, issued at the server's time and valid for an hour.
pub(crate) fn issue_code_in(state: &AppState, badge: &str) -> String {
    let now_ms = state.now_ms();
    let mut district = state.lock_district();
    issue_code(
        district.store_mut(),
        &badge.parse().expect("valid badge"),
        "test",
        CODE_VALID_MS,
        now_ms,
    )
    .expect("code issued")
    .code
}

/// (changes logged, volunteer rows) of the district behind `state`.
pub(crate) fn counts(state: &AppState) -> (u64, u64) {
    let district = state.lock_district();
    (
        district.store().change_log_count().expect("count"),
        district.store().volunteer_count().expect("count"),
    )
}

/// `POST /v1/devices/register` with `code`, for a device writing with `actor` and signing
/// with its [`device_key`].
pub(crate) fn register_request(code: &str, actor: [u8; 16]) -> Request<Body> {
    let body = serde_json::json!({
        "code": code,
        "actor": hex::encode(actor),
        "public_key": hex::encode(device_key(&actor).public()),
    });
    Request::post("/v1/devices/register")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .expect("request builds")
}

pub(crate) fn get(path: &str, credential: &str) -> Request<Body> {
    Request::get(path)
        .header(header::AUTHORIZATION, format!("Bearer {credential}"))
        .body(Body::empty())
        .expect("request builds")
}

pub(crate) fn post(
    path: &str,
    credential: &str,
    content_type: &str,
    body: impl Into<Body>,
) -> Request<Body> {
    Request::post(path)
        .header(header::AUTHORIZATION, format!("Bearer {credential}"))
        .header(header::CONTENT_TYPE, content_type)
        .body(body.into())
        .expect("request builds")
}

pub(crate) fn put_json(path: &str, credential: &str, body: &serde_json::Value) -> Request<Body> {
    Request::put(path)
        .header(header::AUTHORIZATION, format!("Bearer {credential}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .expect("request builds")
}

/// The JSON error body of a refused request.
pub(crate) fn error_of(body: &[u8]) -> ErrorBody {
    serde_json::from_slice(body).unwrap_or_else(|error| {
        panic!("an error body ({error}): {}", String::from_utf8_lossy(body))
    })
}

/// The stable code of a refused request's error body.
pub(crate) fn error_code(body: &[u8]) -> String {
    error_of(body).error.code
}

/// The signing key of the test device writing with `actor`: derived from its first byte, so
/// an offer can be signed from its changes alone.
pub(crate) fn device_key(actor: &[u8]) -> DeviceKey {
    DeviceKey::from_secret([actor.first().copied().unwrap_or(0); 32])
}

/// A replica of `roster` written by `actor`, with `count` enrolments of the demo generator's
/// people from `seed` on, enrolment `index` naming `beats[index % beats.len()]` of `station`;
/// and those enrolments' changes, in order.
pub(crate) fn enrolled_replica(
    roster: &str,
    station: &str,
    beats: &[&str],
    actor: [u8; 16],
    seed: u64,
    count: usize,
) -> (Roster, Vec<RosterChange>) {
    let id: RosterId = roster.parse().expect("valid roster");
    let mut replica = Roster::genesis(&id);
    replica.set_actor(actor);
    let mut generator = Generator::new(seed);
    let rules = EnrolmentRules::standard(2026);
    let changes = (0..count)
        .map(|index| {
            let beat = beats[index % beats.len()];
            let form = generator.enrolment_form(station, beat, &Generator::village_lgd(0, index));
            let enrolment = form.validate(&rules).expect("demo forms are valid");
            let meta = ChangeMeta {
                badge: "CG-001".parse().expect("valid badge"),
                device: "dev-test".parse().expect("valid device"),
                device_clock_ms: NOW + index as i64,
            };
            let volunteer =
                VolunteerId::from_parts(NOW as u64 + index as u64, generator.next_u128());
            replica
                .enrol(volunteer, &enrolment, &meta, &TestKeys::sealing(&volunteer))
                .expect("enrolled")
        })
        .collect();
    (replica, changes)
}

/// A phone of `badge` (whose user is already stored) registered into `district` without
/// HTTP, as its own store at `path` draws its signing key, and opened; with the caller the
/// server sees.
pub(crate) fn register_phone(
    district: &mut District,
    path: &Path,
    store_key: &StoreKey,
    badge: &str,
    actor: [u8; 16],
    station: &str,
) -> (Device, Caller) {
    let code = issue_code(
        district.store_mut(),
        &badge.parse().expect("valid badge"),
        "test",
        CODE_VALID_MS,
        NOW,
    )
    .expect("code issued");
    let public_key = mitan_core::device::signing_public_key(path, store_key)
        .expect("the phone's store draws its key");
    let registered = register(
        district.store_mut(),
        &RegisterRequest {
            code: code.code,
            actor: hex::encode(actor),
            public_key: Some(hex::encode(public_key)),
        },
        NOW,
    )
    .expect("registered");
    let caller = authenticate(district.store(), &registered.credential).expect("authenticates");
    let identity = DeviceIdentity {
        device_id: registered.device_id.parse().expect("valid device id"),
        actor,
        badge: badge.parse().expect("valid badge"),
        station: station.parse().expect("valid station"),
        beats: registered
            .beats
            .iter()
            .map(|beat| beat.parse().expect("valid beat"))
            .collect(),
        quota: 25,
    };
    let device = Device::open(path, store_key, &identity, EnrolmentRules::standard(2026))
        .expect("device store opens");
    (device, caller)
}

/// Enrols `count` of the demo generator's people on `device`'s first beat, person `index` in
/// village `village(index)` at [`NOW`]` + index` by the phone's clock.
pub(crate) fn enrol_people(
    device: &mut Device,
    generator: &mut Generator,
    count: usize,
    village: impl Fn(usize) -> String,
) {
    let station = device.identity().station.to_string();
    let beat = device.identity().beats[0].to_string();
    for index in 0..count {
        let form = generator.enrolment_form(&station, &beat, &village(index));
        device
            .enrol(
                &form,
                Moment {
                    now_ms: NOW + index as i64,
                    random: generator.next_u128(),
                },
            )
            .expect("enrolled");
    }
}

/// Syncs `device` into `district` as `caller`, the server receiving at `now_ms` on its own
/// clock: the path of `POST /v1/sync` without HTTP.
pub(crate) fn sync_phone(
    device: &mut Device,
    district: &mut District,
    caller: &Caller,
    now_ms: i64,
) -> SyncReport {
    let limits = *district.limits();
    let mut transport = |request: Vec<u8>| {
        let request = SyncRequest::decode(&request, &limits).map_err(|error| error.to_string())?;
        district
            .sync(caller, &request, now_ms)
            .and_then(|done| done.into_reply())
            .map_err(|error| error.to_string())
    };
    device.sync(&mut transport, now_ms).expect("sync succeeds")
}

/// A district server on its own thread and runtime, over real HTTP on loopback; stopped when
/// dropped.
pub(crate) struct Served {
    /// Its base URL.
    pub(crate) url: String,
    /// Its state, to look into the database.
    pub(crate) state: mitan_server::AppState,
    // Declared before the directory: the server stops before its database is deleted.
    _running: mitan_server::background::BackgroundServer,
    _dir: tempfile::TempDir,
}

impl Served {
    /// Serves a district of `stations` and `users` on a fresh database, its state first
    /// passed through `adjust` (limits, rates).
    pub(crate) fn start(
        stations: &[Station<'_>],
        users: &[User],
        config: mitan_server::district::DistrictConfig,
        adjust: impl FnOnce(mitan_server::AppState) -> mitan_server::AppState,
    ) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = district_store(&dir.path().join("server.db"), stations, users);
        let state = adjust(mitan_server::AppState::new(
            mitan_server::district::District::new(store, config),
        ));
        let running = mitan_server::background::BackgroundServer::start(state.clone())
            .expect("the server starts");
        Served {
            url: running.url.clone(),
            state,
            _running: running,
            _dir: dir,
        }
    }
}

/// Posts `body` and returns the status, the `Retry-After` header and the body.
pub(crate) fn post_over_http(
    url: &str,
    credential: Option<&str>,
    content_type: &str,
    body: &[u8],
) -> (u16, Option<String>, Vec<u8>) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut request = agent.post(url).content_type(content_type);
    if let Some(credential) = credential {
        request = request.header("Authorization", &format!("Bearer {credential}"));
    }
    let mut response = request.send(body).expect("the server answers");
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let body = response.body_mut().read_to_vec().expect("the body reads");
    (response.status().as_u16(), retry_after, body)
}
