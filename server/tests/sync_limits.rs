//! The bounds of `POST /v1/sync`, over real HTTP on loopback: the per-device rate limit, the
//! most changes per request, the body size limit, malformed bodies, and the rule that a
//! roster holds only its own beat's volunteers. Every refusal stores nothing.

mod common;

use common::{
    Served, counts, device_key, enrolled_replica, error_code, issue_code_in, post_over_http, user,
};
use mitan_core::model::sealed::TestKeys;
use mitan_core::model::{DeviceId, Roster, RosterChange, inspect_change};
use mitan_core::sync::{
    Limits, MISSING_DEPENDENCY, RosterOffer, SyncRequest, SyncResponse, entries_written, grants_for,
};
use mitan_server::auth::Role;
use mitan_server::district::{BEAT_MISMATCH, DistrictConfig, TOO_MANY_CHANGES};
use mitan_server::rate_limit::SyncRate;
use mitan_server::registration::{RegisterRequest, RegisteredDevice};

const STATION: &str = "BSP-PS-KONI";
const BEAT: &str = "BSP-PS-KONI-B01";
const OTHER_BEAT: &str = "BSP-PS-KONI-B02";

/// A server on its own thread and runtime, stopped when dropped.
struct Server(Served);

impl std::ops::Deref for Server {
    type Target = Served;

    fn deref(&self) -> &Served {
        &self.0
    }
}

impl Server {
    fn start(config: DistrictConfig, rate: Option<SyncRate>, body_limit: usize) -> Self {
        let constables = ["CG-001", "CG-002"]
            .map(|badge| user(badge, Role::Constable, STATION, &[BEAT, OTHER_BEAT]));
        Server(Served::start(
            &[(STATION, &[BEAT, OTHER_BEAT])],
            &constables,
            config,
            |state| state.with_sync_rate(rate).with_body_limit(body_limit),
        ))
    }

    fn register(&self, badge: &str, actor: [u8; 16]) -> RegisteredDevice {
        let code = issue_code_in(&self.state, badge);
        let request = RegisterRequest {
            code,
            actor: hex::encode(actor),
            public_key: Some(hex::encode(device_key(&actor).public())),
        };
        let (status, _, body) = post_over_http(
            &format!("{}/v1/devices/register", self.url),
            None,
            "application/json",
            &serde_json::to_vec(&request).expect("serialises"),
        );
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        serde_json::from_slice(&body).expect("a registration reply")
    }

    /// Posts `body` as `device`. A well-formed request has its changes signed first, as the
    /// device's `ClientSession` signs them, so the refusals tested here are for what the
    /// changes hold; a malformed body goes as it is.
    fn sync(&self, device: &RegisteredDevice, body: &[u8]) -> (u16, Option<String>, Vec<u8>) {
        let unbounded = Limits {
            max_changes_per_request: usize::MAX,
            ..Limits::default()
        };
        let body = match SyncRequest::decode(body, &unbounded) {
            Ok(request) => {
                let device_id: DeviceId = device.device_id.parse().expect("valid device id");
                // One device writes every change of a request, so the first change's actor
                // names the key of all.
                let actor = request
                    .rosters
                    .iter()
                    .flat_map(|offer| &offer.changes)
                    .find_map(|bytes| inspect_change(bytes).ok())
                    .map(|info| info.actor)
                    .unwrap_or_default();
                request.signed_by(&device_id, &device_key(&actor)).encode()
            }
            Err(_) => body.to_vec(),
        };
        let body = body.as_slice();
        post_over_http(
            &format!("{}/v1/sync", self.url),
            Some(&device.credential),
            "application/octet-stream",
            body,
        )
    }

    /// (changes logged, volunteer rows).
    fn counts(&self) -> (u64, u64) {
        counts(&self.state)
    }

    fn metrics(&self) -> String {
        let mut response = ureq::get(&format!("{}/metrics", self.url))
            .call()
            .expect("metrics answer");
        response.body_mut().read_to_string().expect("text")
    }
}

/// A replica of `roster` written by `actor`, with `count` enrolments of the demo generator's
/// people from `seed` on, whose entries name `beats[index % beats.len()]` as their beat.
fn replica(roster: &str, actor: [u8; 16], seed: u64, beats: &[&str], count: usize) -> Roster {
    enrolled_replica(roster, STATION, beats, actor, seed, count).0
}

/// The offer of every change of `replica` except its genesis.
fn offer_of(replica: &mut Roster) -> RosterOffer {
    let genesis = Roster::genesis(replica.id()).heads();
    let changes: Vec<RosterChange> = replica.changes_since(&genesis);
    let changes: Vec<Vec<u8>> = changes.into_iter().map(|change| change.bytes).collect();
    RosterOffer {
        roster: replica.id().to_string(),
        heads: Vec::new(),
        keys: grants_for(&entries_written(&changes), &TestKeys),
        want_keys: Vec::new(),
        changes,
        signatures: Vec::new(),
    }
}

/// The request offering every change of `replica` except its genesis.
fn request_for(replica: &mut Roster) -> Vec<u8> {
    SyncRequest::new(vec![offer_of(replica)]).encode()
}

fn empty_request(roster: &str) -> Vec<u8> {
    SyncRequest::new(vec![RosterOffer {
        roster: roster.to_owned(),
        heads: Vec::new(),
        changes: Vec::new(),
        keys: Vec::new(),
        want_keys: Vec::new(),
        signatures: Vec::new(),
    }])
    .encode()
}

#[test]
fn a_device_over_its_sync_allowance_gets_429_with_retry_after_and_others_carry_on() {
    let server = Server::start(
        DistrictConfig::default(),
        SyncRate::new(1, 2),
        mitan_server::http::DEFAULT_BODY_LIMIT,
    );
    let busy = server.register("CG-001", [1; 16]);
    let quiet = server.register("CG-002", [2; 16]);
    let request = empty_request(BEAT);
    for _ in 0..2 {
        let (status, _, body) = server.sync(&busy, &request);
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    }
    let (status, retry_after, body) = server.sync(&busy, &request);
    assert_eq!(status, 429);
    assert_eq!(error_code(&body), "rate_limited");
    let retry_after: u64 = retry_after
        .expect("a Retry-After header")
        .parse()
        .expect("whole seconds");
    // One request a minute: the next one is due within the minute, never now.
    assert!((1..=60).contains(&retry_after), "{retry_after}");

    let (status, _, _) = server.sync(&quiet, &request);
    assert_eq!(status, 200, "another device keeps its own allowance");
    assert!(
        server
            .metrics()
            .contains("mitan_sync_requests_total{status=\"rate_limited\"} 1"),
        "{}",
        server.metrics()
    );
}

#[test]
fn a_request_over_the_change_limit_gets_400_too_many_changes_and_stores_nothing() {
    let config = DistrictConfig {
        limits: Limits {
            max_changes_per_request: 5,
            ..Limits::default()
        },
        ..DistrictConfig::default()
    };
    let server = Server::start(config, None, mitan_server::http::DEFAULT_BODY_LIMIT);
    let device = server.register("CG-001", [3; 16]);

    let mut six = replica(BEAT, [3; 16], 3, &[BEAT], 6);
    let (status, _, body) = server.sync(&device, &request_for(&mut six));
    assert_eq!(status, 400);
    assert_eq!(error_code(&body), TOO_MANY_CHANGES);
    assert_eq!(server.counts(), (0, 0));

    let mut five = replica(BEAT, [3; 16], 3, &[BEAT], 5);
    let (status, _, body) = server.sync(&device, &request_for(&mut five));
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(server.counts(), (5, 5));
}

#[test]
fn an_enrolment_naming_another_beat_is_refused_alone_and_the_rest_of_the_request_is_kept() {
    let server = Server::start(
        DistrictConfig::default(),
        None,
        mitan_server::http::DEFAULT_BODY_LIMIT,
    );
    let device = server.register("CG-001", [4; 16]);

    // One enrolment of the roster's own beat, one naming the station's other beat, then two
    // more written on top of it; and, in the same request, two enrolments of the other beat.
    let mut mixed = replica(BEAT, [4; 16], 4, &[BEAT, OTHER_BEAT, BEAT, BEAT], 4);
    let mut other = replica(OTHER_BEAT, [4; 16], 40, &[OTHER_BEAT], 2);
    let mixed_changes = mixed.changes_since(&Roster::genesis(mixed.id()).heads());
    let request = SyncRequest::new(vec![offer_of(&mut mixed), offer_of(&mut other)]).encode();
    let (status, _, body) = server.sync(&device, &request);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let reply = SyncResponse::decode(&body, &Limits::default()).expect("a sync reply");
    let refused: Vec<([u8; 32], &str)> = reply.rosters[0]
        .rejected
        .iter()
        .map(|change| (change.hash, change.reason.as_str()))
        .collect();
    assert_eq!(
        refused,
        vec![
            (mixed_changes[1].hash, BEAT_MISMATCH),
            (mixed_changes[2].hash, MISSING_DEPENDENCY),
            (mixed_changes[3].hash, MISSING_DEPENDENCY),
        ]
    );
    assert_eq!(reply.rosters[0].server_heads, vec![mixed_changes[0].hash]);
    assert!(reply.rosters[1].rejected.is_empty());
    assert_eq!(reply.rosters[1].server_heads, other.heads());
    assert_eq!(server.counts(), (3, 3));

    // Offered again, the misplaced entry is refused again and nothing else changes.
    let (status, _, body) = server.sync(&device, &request);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(server.counts(), (3, 3));
}

#[test]
fn an_oversize_body_gets_413_over_real_http_and_stores_nothing() {
    let server = Server::start(DistrictConfig::default(), None, 4 * 1024);
    let device = server.register("CG-001", [5; 16]);
    let (status, _, body) = server.sync(&device, &vec![7u8; 64 * 1024]);
    assert_eq!(status, 413);
    assert_eq!(error_code(&body), "payload_too_large");
    assert_eq!(server.counts(), (0, 0));
}

#[test]
fn a_request_cut_in_half_gets_400_and_stores_nothing() {
    let server = Server::start(
        DistrictConfig::default(),
        None,
        mitan_server::http::DEFAULT_BODY_LIMIT,
    );
    let device = server.register("CG-001", [6; 16]);
    let whole = request_for(&mut replica(BEAT, [6; 16], 6, &[BEAT], 10));
    let (status, _, body) = server.sync(&device, &whole[..whole.len() / 2]);
    assert_eq!(status, 400);
    assert_eq!(error_code(&body), "malformed_body");
    assert_eq!(server.counts(), (0, 0));

    let (status, _, _) = server.sync(&device, &whole);
    assert_eq!(status, 200, "the whole request still goes through");
    assert_eq!(server.counts(), (10, 10));
}
