//! The HTTP API through the router alone (`oneshot`), on a real SQLite file: status codes,
//! error bodies, and that refused or replayed requests store nothing new.

use mitan_core::model::sealed::TestKeys;
use mitan_core::provenance::{DeviceKey, Signature};
use mitan_core::sync::{entries_written, grants_for};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use mitan_core::demo::Generator;
use mitan_core::model::{
    ChangeMeta, DeviceId, EnrolmentRules, Roster, RosterChange, RosterId, Unit, UnitKind,
    VolunteerId, inspect_change,
};
use mitan_core::sync::{PROTOCOL_VERSION, RosterOffer, SyncRequest, SyncResponse};
use mitan_server::auth::Role;
use mitan_server::district::{
    BAD_SIGNATURE, District, DistrictConfig, FORGED_ACTOR, READ_ONLY, UNSIGNED,
};
use mitan_server::registration::{RegisteredDevice, issue_code};
use mitan_server::store::{ServerStore, User};
use mitan_server::{AppState, ErrorBody, app};
use tower::ServiceExt;

const NOW: i64 = 1_763_900_000_000;
const STATION_A: &str = "BSP-PS-KONI";
const STATION_B: &str = "BSP-PS-SIPAT";
const BEAT_A: &str = "BSP-PS-KONI-B01";
const BEAT_B: &str = "BSP-PS-SIPAT-B01";

fn unit(kind: UnitKind, code: &str, parent: Option<&str>) -> Unit {
    Unit {
        kind,
        code: code.parse().expect("valid code"),
        name_hi: format!("{code} हिंदी"),
        name_en: code.to_owned(),
        parent: parent.map(|parent| parent.parse().expect("valid code")),
        lgd_code: None,
    }
}

fn user(badge: &str, role: Role, unit: &str, beats: &[&str]) -> User {
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

struct Fixture {
    _dir: tempfile::TempDir,
    state: AppState,
    router: Router,
    clock: Arc<AtomicI64>,
}

impl Fixture {
    fn new(body_limit: usize) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut store = ServerStore::open(&dir.path().join("server.db")).expect("store opens");
        for (kind, code, parent) in [
            (UnitKind::District, "BSP", None),
            (UnitKind::Circle, "BSP-C1", Some("BSP")),
            (UnitKind::Station, STATION_A, Some("BSP-C1")),
            (UnitKind::Station, STATION_B, Some("BSP-C1")),
            (UnitKind::Beat, BEAT_A, Some(STATION_A)),
            (UnitKind::Beat, BEAT_B, Some(STATION_B)),
        ] {
            let mut unit = unit(kind, code, parent);
            if kind == UnitKind::District {
                // The fixture's district is the top of its hierarchy; the core insists a
                // district has a parent, so hang it off a state.
                store
                    .save_unit(&self::unit(UnitKind::State, "CG", None))
                    .expect("state");
                store
                    .save_unit(&self::unit(UnitKind::Range, "CG-BSP", Some("CG")))
                    .expect("range");
                unit.parent = Some("CG-BSP".parse().expect("valid"));
            }
            store.save_unit(&unit).expect("unit saved");
        }
        for user in [
            user("CG-001", Role::Constable, STATION_A, &[BEAT_A]),
            user("CG-002", Role::Constable, STATION_B, &[BEAT_B]),
            user("CG-100", Role::StationIncharge, STATION_A, &[]),
            user("CG-900", Role::Auditor, "BSP", &[]),
        ] {
            store.save_user(&user, NOW).expect("user saved");
        }
        let clock = Arc::new(AtomicI64::new(NOW));
        let reading = Arc::clone(&clock);
        let state = AppState::new(District::new(store, DistrictConfig::default()))
            .with_clock(Arc::new(move || reading.load(Ordering::SeqCst)))
            .with_body_limit(body_limit);
        let router = app(state.clone());
        Fixture {
            _dir: dir,
            state,
            router,
            clock,
        }
    }

    async fn send(&self, request: Request<Body>) -> (StatusCode, Vec<u8>) {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router answers");
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body reads")
            .to_bytes()
            .to_vec();
        (status, body)
    }

    fn code_for(&self, badge: &str) -> String {
        let mut district = self.state.lock_district();
        issue_code(
            district.store_mut(),
            &badge.parse().expect("valid badge"),
            "test",
            3_600_000,
            NOW,
        )
        .expect("code issued")
        .code
    }

    async fn register(&self, badge: &str, actor: [u8; 16]) -> RegisteredDevice {
        let code = self.code_for(badge);
        let (status, body) = self.send(register_request(&code, actor)).await;
        assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
        serde_json::from_slice(&body).expect("registration reply")
    }

    async fn sync(&self, credential: &str, body: Vec<u8>) -> (StatusCode, Vec<u8>) {
        self.send(sync_request(credential, body)).await
    }

    fn counts(&self) -> (u64, u64) {
        let district = self.state.lock_district();
        (
            district.store().change_log_count().expect("count"),
            district.store().volunteer_count().expect("count"),
        )
    }
}

/// The signing key of the test device writing with `actor`: derived from it, so an offer can
/// be signed from its changes alone.
fn key_of(actor: &[u8]) -> DeviceKey {
    DeviceKey::from_secret([actor.first().copied().unwrap_or(0); 32])
}

fn register_request(code: &str, actor: [u8; 16]) -> Request<Body> {
    let body = serde_json::json!({
        "code": code,
        "actor": hex::encode(actor),
        "public_key": hex::encode(key_of(&actor).public()),
    })
    .to_string();
    Request::post("/v1/devices/register")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .expect("request builds")
}

fn sync_request(credential: &str, body: Vec<u8>) -> Request<Body> {
    Request::post("/v1/sync")
        .header(header::AUTHORIZATION, format!("Bearer {credential}"))
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .body(Body::from(body))
        .expect("request builds")
}

/// Enrols `count` volunteers in a fresh replica of `beat` written by `actor`.
fn enrolments(beat: &str, station: &str, actor: [u8; 16], count: usize) -> Vec<RosterChange> {
    let id: RosterId = beat.parse().expect("valid roster");
    let mut roster = Roster::genesis(&id);
    roster.set_actor(actor);
    let mut generator = Generator::new(u64::from(actor[0]) + 1);
    let rules = EnrolmentRules::standard(2026);
    (0..count)
        .map(|index| {
            let form = generator.enrolment_form(station, beat, &Generator::village_lgd(0, index));
            let enrolment = form.validate(&rules).expect("demo form is valid");
            let meta = ChangeMeta {
                badge: "CG-001".parse().expect("valid"),
                device: "dev-test".parse().expect("valid"),
                device_clock_ms: NOW + index as i64,
            };
            let volunteer =
                VolunteerId::from_parts(NOW as u64 + index as u64, generator.next_u128());
            roster
                .enrol(volunteer, &enrolment, &meta, &TestKeys::sealing(&volunteer))
                .expect("enrolled")
        })
        .collect()
}

/// An offer of `changes` sent by device `by`, each signed with the key of its actor.
fn offer(by: &str, beat: &str, changes: &[RosterChange]) -> RosterOffer {
    let device: DeviceId = by.parse().expect("valid device id");
    let mut offer = RosterOffer {
        roster: beat.to_owned(),
        heads: Vec::new(),
        changes: changes.iter().map(|change| change.bytes.clone()).collect(),
        keys: Vec::new(),
        want_keys: Vec::new(),
        signatures: changes
            .iter()
            .map(|change| {
                let info = inspect_change(&change.bytes).expect("a change");
                key_of(&info.actor).sign_change(&device, &change.hash)
            })
            .collect(),
    };
    offer.keys = grants_for(&entries_written(&offer.changes), &TestKeys);
    offer
}

fn encode(offers: Vec<RosterOffer>) -> Vec<u8> {
    SyncRequest {
        protocol: PROTOCOL_VERSION,
        rosters: offers,
    }
    .encode()
}

fn error_code(body: &[u8]) -> String {
    let body: ErrorBody = serde_json::from_slice(body).expect("a JSON error body");
    body.error.code
}

fn decode_reply(body: &[u8]) -> SyncResponse {
    SyncResponse::decode(body, &Default::default()).expect("a sync response")
}

#[tokio::test]
async fn a_malformed_body_gets_400_with_a_json_error_and_stores_nothing() {
    let fixture = Fixture::new(1 << 20);
    let device = fixture.register("CG-001", [1; 16]).await;
    let (status, body) = fixture
        .sync(&device.credential, b"not a sync request".to_vec())
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "malformed_body");
    assert_eq!(fixture.counts(), (0, 0));
}

#[tokio::test]
async fn an_unknown_or_missing_credential_gets_401() {
    let fixture = Fixture::new(1 << 20);
    let body = encode(vec![offer(
        "dev-unknown",
        BEAT_A,
        &enrolments(BEAT_A, STATION_A, [1; 16], 1),
    )]);
    let (status, reply) = fixture.sync(&"ab".repeat(32), body.clone()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&reply), "unauthorized");
    let anonymous = Request::post("/v1/sync")
        .body(Body::from(body))
        .expect("request builds");
    let (status, _) = fixture.send(anonymous).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(fixture.counts(), (0, 0));
}

#[tokio::test]
async fn a_roster_of_another_station_gets_403_and_nothing_is_stored() {
    let fixture = Fixture::new(1 << 20);
    let device = fixture.register("CG-001", [1; 16]).await;
    let own = enrolments(BEAT_A, STATION_A, [1; 16], 2);
    let foreign = enrolments(BEAT_B, STATION_B, [1; 16], 1);
    let body = encode(vec![
        offer(&device.device_id, BEAT_A, &own),
        offer(&device.device_id, BEAT_B, &foreign),
    ]);
    let (status, reply) = fixture.sync(&device.credential, body).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_code(&reply), "forbidden");
    assert_eq!(fixture.counts(), (0, 0));
    // The in-charge of station A does not reach station B either.
    let incharge = fixture.register("CG-100", [3; 16]).await;
    let (status, _) = fixture
        .sync(
            &incharge.credential,
            encode(vec![offer(&incharge.device_id, BEAT_B, &[])]),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_oversize_body_gets_413() {
    let fixture = Fixture::new(4 * 1024);
    let device = fixture.register("CG-001", [1; 16]).await;
    let (status, body) = fixture.sync(&device.credential, vec![7; 16 * 1024]).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_code(&body), "payload_too_large");
    assert_eq!(fixture.counts(), (0, 0));
}

#[tokio::test]
async fn a_replayed_request_changes_nothing() {
    let fixture = Fixture::new(1 << 20);
    let device = fixture.register("CG-001", [1; 16]).await;
    let changes = enrolments(BEAT_A, STATION_A, [1; 16], 5);
    let body = encode(vec![offer(&device.device_id, BEAT_A, &changes)]);
    let (status, first) = fixture.sync(&device.credential, body.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(decode_reply(&first).rosters[0].rejected.is_empty());
    assert_eq!(fixture.counts(), (5, 5));
    let log_before = fixture
        .state
        .lock_district()
        .store()
        .volunteer_statuses()
        .expect("rows");

    fixture.clock.fetch_add(60_000, Ordering::SeqCst);
    let (status, second) = fixture.sync(&device.credential, body).await;
    assert_eq!(status, StatusCode::OK);
    let reply = decode_reply(&second);
    assert!(reply.rosters[0].rejected.is_empty());
    assert_eq!(
        decode_reply(&first).rosters[0].server_heads,
        reply.rosters[0].server_heads
    );
    assert_eq!(fixture.counts(), (5, 5));
    assert_eq!(
        fixture
            .state
            .lock_district()
            .store()
            .volunteer_statuses()
            .expect("rows"),
        log_before
    );
}

#[tokio::test]
async fn a_change_with_a_forged_actor_is_rejected_and_not_stored() {
    let fixture = Fixture::new(1 << 20);
    let device = fixture.register("CG-001", [1; 16]).await;
    // Changes written by actor 9, sent with the credential of the device registered to 1.
    let forged = enrolments(BEAT_A, STATION_A, [9; 16], 2);
    let (status, body) = fixture
        .sync(
            &device.credential,
            encode(vec![offer(&device.device_id, BEAT_A, &forged)]),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let reply = decode_reply(&body);
    let reasons: Vec<&str> = reply.rosters[0]
        .rejected
        .iter()
        .map(|rejected| rejected.reason.as_str())
        .collect();
    // The first is forged; the second depends on it and is refused with it.
    assert_eq!(reasons.len(), 2);
    assert_eq!(reasons[0], FORGED_ACTOR);
    assert_eq!(fixture.counts(), (0, 0));
}

#[tokio::test]
async fn an_auditor_may_pull_but_every_change_it_offers_is_refused() {
    let fixture = Fixture::new(1 << 20);
    let constable = fixture.register("CG-001", [1; 16]).await;
    let changes = enrolments(BEAT_A, STATION_A, [1; 16], 3);
    let (status, _) = fixture
        .sync(
            &constable.credential,
            encode(vec![offer(&constable.device_id, BEAT_A, &changes)]),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let auditor = fixture.register("CG-900", [5; 16]).await;
    assert_eq!(auditor.beats, vec![BEAT_A.to_owned(), BEAT_B.to_owned()]);
    let own = enrolments(BEAT_A, STATION_A, [5; 16], 1);
    let (status, body) = fixture
        .sync(
            &auditor.credential,
            encode(vec![offer(&auditor.device_id, BEAT_A, &own)]),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let reply = decode_reply(&body);
    assert_eq!(reply.rosters[0].rejected.len(), 1);
    assert_eq!(reply.rosters[0].rejected[0].reason, READ_ONLY);
    let pulled = reply.rosters[0]
        .snapshot
        .as_ref()
        .expect("a first pull gets a snapshot");
    let mut copy = Roster::genesis(&BEAT_A.parse().expect("valid"));
    copy.merge_saved(pulled).expect("snapshot loads");
    assert_eq!(copy.volunteers(&TestKeys).len(), 3);
    assert_eq!(fixture.counts(), (3, 3));
}

#[tokio::test]
async fn a_revoked_device_gets_401() {
    let fixture = Fixture::new(1 << 20);
    let constable = fixture.register("CG-001", [1; 16]).await;
    let incharge = fixture.register("CG-100", [3; 16]).await;
    let body = encode(vec![offer(&constable.device_id, BEAT_A, &[])]);
    let (status, _) = fixture.sync(&constable.credential, body.clone()).await;
    assert_eq!(status, StatusCode::OK);

    // A constable may not revoke; the in-charge of the station may.
    let revoke = |credential: &str| {
        Request::post(format!("/v1/devices/{}/revoke", constable.device_id))
            .header(header::AUTHORIZATION, format!("Bearer {credential}"))
            .body(Body::empty())
            .expect("request builds")
    };
    let (status, _) = fixture.send(revoke(&constable.credential)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = fixture.send(revoke(&incharge.credential)).await;
    assert_eq!(status, StatusCode::OK);

    let (status, reply) = fixture.sync(&constable.credential, body).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&reply), "unauthorized");
}

#[tokio::test]
async fn a_registration_code_works_once_and_an_actor_registers_once() {
    let fixture = Fixture::new(1 << 20);
    let code = fixture.code_for("CG-001");
    let (status, _) = fixture.send(register_request(&code, [1; 16])).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = fixture.send(register_request(&code, [2; 16])).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let fresh = fixture.code_for("CG-001");
    let (status, body) = fixture.send(register_request(&fresh, [1; 16])).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "{}",
        String::from_utf8_lossy(&body)
    );
}

#[tokio::test]
async fn an_expired_registration_code_is_refused() {
    let fixture = Fixture::new(1 << 20);
    let code = fixture.code_for("CG-001");
    fixture.clock.fetch_add(2 * 3_600_000, Ordering::SeqCst);
    let (status, _) = fixture.send(register_request(&code, [1; 16])).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_incharge_issues_codes_for_their_station_only() {
    let fixture = Fixture::new(1 << 20);
    let incharge = fixture.register("CG-100", [3; 16]).await;
    let issue = |badge: &str| {
        Request::post("/v1/registration-codes")
            .header(
                header::AUTHORIZATION,
                format!("Bearer {}", incharge.credential),
            )
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(
                serde_json::json!({ "badge": badge }).to_string(),
            ))
            .expect("request builds")
    };
    let (status, body) = fixture.send(issue("CG-001")).await;
    assert_eq!(status, StatusCode::OK);
    let issued: serde_json::Value = serde_json::from_slice(&body).expect("json");
    let code = issued["code"].as_str().expect("a code");
    let (status, _) = fixture.send(register_request(code, [4; 16])).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = fixture.send(issue("CG-002")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn health_and_metrics_answer_in_plain_text() {
    let fixture = Fixture::new(1 << 20);
    let device = fixture.register("CG-001", [1; 16]).await;
    let changes = enrolments(BEAT_A, STATION_A, [1; 16], 2);
    fixture
        .sync(
            &device.credential,
            encode(vec![offer(&device.device_id, BEAT_A, &changes)]),
        )
        .await;
    let (status, body) = fixture
        .send(
            Request::get("/healthz")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(
        (status, body.as_slice()),
        (StatusCode::OK, b"ok\n".as_slice())
    );
    let (status, body) = fixture
        .send(
            Request::get("/metrics")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let text = String::from_utf8(body).expect("utf-8");
    assert!(
        text.contains("mitan_sync_requests_total{status=\"ok\"} 1"),
        "{text}"
    );
    assert!(text.contains("mitan_changes_merged_total 2"), "{text}");
    assert!(
        text.contains("mitan_device_registrations_total 1"),
        "{text}"
    );
}

#[tokio::test]
async fn undecodable_change_bytes_are_rejected_while_the_rest_is_stored() {
    let fixture = Fixture::new(1 << 20);
    let device = fixture.register("CG-001", [1; 16]).await;
    let good = enrolments(BEAT_A, STATION_A, [1; 16], 1);
    let mut hostile = offer(&device.device_id, BEAT_A, &good);
    hostile
        .changes
        .insert(0, b"\x85\x6f\x4a\x83garbage".to_vec());
    // Signatures pair with changes by position.
    hostile.signatures.insert(0, Signature([0; 64]));
    let (status, body) = fixture
        .sync(&device.credential, encode(vec![hostile]))
        .await;
    assert_eq!(status, StatusCode::OK);
    let reply = decode_reply(&body);
    assert_eq!(reply.rosters[0].rejected.len(), 1);
    assert_eq!(reply.rosters[0].rejected[0].reason, "undecodable");
    assert_eq!(fixture.counts(), (1, 1));
}

#[tokio::test]
async fn a_change_unsigned_or_signed_by_another_devices_key_is_refused_alone() {
    let fixture = Fixture::new(1 << 20);
    let device = fixture.register("CG-001", [1; 16]).await;
    let other = fixture.register("CG-002", [2; 16]).await;
    let device_id: DeviceId = device.device_id.parse().expect("valid");
    let other_id: DeviceId = other.device_id.parse().expect("valid");
    let changes = enrolments(BEAT_A, STATION_A, [1; 16], 2);
    let refusal = |body: &[u8]| -> Vec<(String, [u8; 32])> {
        decode_reply(body).rosters[0]
            .rejected
            .iter()
            .map(|change| (change.reason.clone(), change.hash))
            .collect()
    };

    // The first change honestly signed, the second signed by the other device's key for
    // this device's id: the first lands, the second alone is refused.
    let mut offered = offer(&device.device_id, BEAT_A, &changes);
    offered.signatures[1] = key_of(&[2]).sign_change(&device_id, &changes[1].hash);
    let (status, body) = fixture
        .sync(&device.credential, encode(vec![offered]))
        .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert_eq!(
        refusal(&body),
        vec![(BAD_SIGNATURE.to_owned(), changes[1].hash)]
    );
    assert_eq!(fixture.counts(), (1, 1), "only the honest change is stored");

    // Unsigned, and signed by the other device as its own: refused, nothing changes.
    let mut unsigned = offer(&device.device_id, BEAT_A, &changes[1..]);
    unsigned.signatures.clear();
    let mut moved = offer(&device.device_id, BEAT_A, &changes[1..]);
    moved.signatures = vec![key_of(&[2]).sign_change(&other_id, &changes[1].hash)];
    for (attempt, code) in [(unsigned, UNSIGNED), (moved, BAD_SIGNATURE)] {
        let (status, body) = fixture
            .sync(&device.credential, encode(vec![attempt]))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(refusal(&body), vec![(code.to_owned(), changes[1].hash)]);
        assert_eq!(fixture.counts(), (1, 1), "nothing refused was stored");
    }

    // Signed by its own device, the same change is taken.
    let (status, body) = fixture
        .sync(
            &device.credential,
            encode(vec![offer(&device.device_id, BEAT_A, &changes[1..])]),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(refusal(&body).is_empty());
    assert_eq!(fixture.counts(), (2, 2));
}
