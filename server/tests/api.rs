//! The HTTP API through the router alone (`oneshot`), on a real SQLite file: status codes,
//! error bodies, and that refused or replayed requests store nothing new.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{Api, Station, device_key, enrolled_replica, error_code, register_request, user};
use mitan_core::model::sealed::TestKeys;
use mitan_core::model::{DeviceId, Roster, RosterChange, inspect_change};
use mitan_core::provenance::Signature;
use mitan_core::sync::{
    PROTOCOL_VERSION, RosterOffer, SyncRequest, SyncResponse, entries_written, grants_for,
};
use mitan_server::auth::Role;
use mitan_server::district::{BAD_SIGNATURE, FORGED_ACTOR, READ_ONLY, UNSIGNED};

const STATION_A: &str = "BSP-PS-KONI";
const STATION_B: &str = "BSP-PS-SIPAT";
const BEAT_A: &str = "BSP-PS-KONI-B01";
const BEAT_B: &str = "BSP-PS-SIPAT-B01";
const STATIONS: &[Station<'static>] = &[(STATION_A, &[BEAT_A]), (STATION_B, &[BEAT_B])];

/// Two stations of a beat each, a constable on each beat, the first station's in-charge
/// and the district's auditor; request bodies up to `body_limit` bytes.
fn district(body_limit: usize) -> Api {
    let users = [
        user("CG-001", Role::Constable, STATION_A, &[BEAT_A]),
        user("CG-002", Role::Constable, STATION_B, &[BEAT_B]),
        user("CG-100", Role::StationIncharge, STATION_A, &[]),
        user("CG-900", Role::Auditor, "BSP", &[]),
    ];
    Api::configured(STATIONS, &users, |state| state.with_body_limit(body_limit))
}

/// Enrols `count` volunteers in a fresh replica of `beat` written by `actor`.
fn enrolments(beat: &str, station: &str, actor: [u8; 16], count: usize) -> Vec<RosterChange> {
    enrolled_replica(
        beat,
        station,
        &[beat],
        actor,
        u64::from(actor[0]) + 1,
        count,
    )
    .1
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
                device_key(&info.actor).sign_change(&device, &change.hash)
            })
            .collect(),
    };
    offer.keys = grants_for(&entries_written(&offer.changes), &TestKeys);
    offer
}

/// A protocol 4 request of `offers`, each change signed on its own as `offer` signed it:
/// what a phone of the previous release sends, which the server keeps taking during a
/// rollout. Protocol 5's one signature per request is tried in `protocol_5_*` below.
fn encode(offers: Vec<RosterOffer>) -> Vec<u8> {
    SyncRequest {
        protocol: 4,
        rosters: offers,
        manifest: None,
    }
    .encode()
}

fn decode_reply(body: &[u8]) -> SyncResponse {
    SyncResponse::decode(body, &Default::default()).expect("a sync response")
}

#[tokio::test]
async fn a_malformed_body_gets_400_with_a_json_error_and_stores_nothing() {
    let fixture = district(1 << 20);
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
    let fixture = district(1 << 20);
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
    let fixture = district(1 << 20);
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
    let fixture = district(4 * 1024);
    let device = fixture.register("CG-001", [1; 16]).await;
    let (status, body) = fixture.sync(&device.credential, vec![7; 16 * 1024]).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_code(&body), "payload_too_large");
    assert_eq!(fixture.counts(), (0, 0));
}

#[tokio::test]
async fn a_replayed_request_changes_nothing() {
    let fixture = district(1 << 20);
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

    fixture.clock.advance(60_000);
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
    let fixture = district(1 << 20);
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
    let fixture = district(1 << 20);
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
    let fixture = district(1 << 20);
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
    let fixture = district(1 << 20);
    let code = fixture.issue_code("CG-001");
    let (status, _) = fixture.send(register_request(&code, [1; 16])).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = fixture.send(register_request(&code, [2; 16])).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let fresh = fixture.issue_code("CG-001");
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
    let fixture = district(1 << 20);
    let code = fixture.issue_code("CG-001");
    fixture.clock.advance(2 * 3_600_000);
    let (status, _) = fixture.send(register_request(&code, [1; 16])).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_incharge_issues_codes_for_their_station_only() {
    let fixture = district(1 << 20);
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
    let fixture = district(1 << 20);
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
    let fixture = district(1 << 20);
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
    let fixture = district(1 << 20);
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
    offered.signatures[1] = device_key(&[2]).sign_change(&device_id, &changes[1].hash);
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
    moved.signatures = vec![device_key(&[2]).sign_change(&other_id, &changes[1].hash)];
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

#[tokio::test]
async fn metrics_behind_a_token_answer_only_the_scraper_presenting_it() {
    let users = [user("CG-001", Role::Constable, STATION_A, &[BEAT_A])];
    let fixture = Api::configured(STATIONS, &users, |state| {
        state.with_metrics_token(Some("scrape-7f3a"))
    });
    let scrape = |token: Option<&str>| {
        let mut request = Request::get("/metrics");
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        request.body(Body::empty()).expect("request")
    };
    for refused in [None, Some("scrape-7f3b"), Some("")] {
        let (status, body) = fixture.send(scrape(refused)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{refused:?}");
        assert_eq!(error_code(&body), "unauthorized");
    }
    let (status, body) = fixture.send(scrape(Some("scrape-7f3a"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(String::from_utf8_lossy(&body).contains("mitan_sync_requests_total"));
}

#[tokio::test]
async fn a_code_asked_for_longer_than_three_days_or_for_no_time_is_refused_naming_the_field() {
    let fixture = district(1 << 20);
    let incharge = fixture.register("CG-100", [3; 16]).await;
    for hours in [0_u64, 73, u64::from(u32::MAX)] {
        let request = Request::post("/v1/registration-codes")
            .header(
                header::AUTHORIZATION,
                format!("Bearer {}", incharge.credential),
            )
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(
                serde_json::json!({ "badge": "CG-001", "ttl_hours": hours }).to_string(),
            ))
            .expect("request builds");
        let (status, body) = fixture.send(request).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{hours}");
        let error: serde_json::Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(error["error"]["code"], "out_of_range", "{hours}: {error}");
        assert_eq!(error["error"]["field"], "ttl_hours");
    }
}

/// A protocol 5 request of `changes` sent by device `by`: one signature, by `signer`'s key,
/// over the manifest of every offered hash, and none per change.
fn encode_v5(by: &str, beat: &str, changes: &[RosterChange], signer: [u8; 16]) -> Vec<u8> {
    let mut offered = offer(by, beat, changes);
    offered.signatures.clear();
    let request = SyncRequest::new(vec![offered])
        .signed_by(&by.parse().expect("valid device id"), &device_key(&signer));
    assert_eq!(request.protocol, PROTOCOL_VERSION);
    request.encode()
}

#[tokio::test]
async fn protocol_5_one_signature_vouches_for_a_request_and_a_bad_one_refuses_all_of_it() {
    let fixture = district(1 << 20);
    let device = fixture.register("CG-001", [1; 16]).await;
    let changes = enrolments(BEAT_A, STATION_A, [1; 16], 3);
    let refusals = |body: &[u8]| -> Vec<String> {
        decode_reply(body).rosters[0]
            .rejected
            .iter()
            .map(|change| change.reason.clone())
            .collect()
    };

    // Signed by another device's key: every change of the request is refused, none stored.
    let (status, body) = fixture
        .sync(
            &device.credential,
            encode_v5(&device.device_id, BEAT_A, &changes, [2; 16]),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(refusals(&body), vec![BAD_SIGNATURE.to_owned(); 3]);
    assert_eq!(fixture.counts(), (0, 0));

    // Without the manifest's signature: unsigned.
    let mut unsigned = SyncRequest::new(vec![offer(&device.device_id, BEAT_A, &changes)]);
    unsigned.rosters[0].signatures.clear();
    let (_, body) = fixture.sync(&device.credential, unsigned.encode()).await;
    assert_eq!(refusals(&body), vec![UNSIGNED.to_owned(); 3]);
    assert_eq!(fixture.counts(), (0, 0));

    // Honestly signed: all three land, answered in protocol 5, and the manifest is logged
    // once beside them; the same request again logs nothing more.
    let honest = encode_v5(&device.device_id, BEAT_A, &changes, [1; 16]);
    for _ in 0..2 {
        let (status, body) = fixture.sync(&device.credential, honest.clone()).await;
        assert_eq!(status, StatusCode::OK);
        let reply = decode_reply(&body);
        assert_eq!(reply.protocol, PROTOCOL_VERSION);
        assert!(reply.rosters[0].rejected.is_empty());
        assert_eq!(fixture.counts(), (3, 3));
        // Every phone that synced speaks 5: it may seal new entries' fields together.
        assert!(reply.rosters[0].seal_together);
    }
    let logged: (i64, i64, i64) = fixture
        .database()
        .query_row(
            "SELECT (SELECT count(*) FROM sync_manifest),
                    (SELECT count(*) FROM change_log WHERE manifest IS NOT NULL),
                    (SELECT count(*) FROM change_log WHERE signature IS NOT NULL)",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .expect("counts");
    assert_eq!(logged, (1, 3, 0));
}

#[tokio::test]
async fn phones_of_both_protocols_sync_into_one_beat_and_its_export_verifies() {
    let fixture = district(1 << 20);
    let old = fixture.register("CG-001", [1; 16]).await;
    let new = fixture.register("CG-001", [4; 16]).await;
    // No device has synced with an older protocol yet: a phone may seal together at once.
    assert!(old.seal_together && new.seal_together);
    let old_changes = enrolments(BEAT_A, STATION_A, [1; 16], 2);
    let new_changes = enrolments(BEAT_A, STATION_A, [4; 16], 2);
    let (status, body) = fixture
        .sync(
            &old.credential,
            encode(vec![offer(&old.device_id, BEAT_A, &old_changes)]),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let reply = decode_reply(&body);
    assert_eq!(reply.protocol, 4, "a protocol 4 phone is answered in 4");
    assert!(reply.rosters[0].rejected.is_empty());
    // Now one is in use: a phone registered from here on seals each field apart.
    assert!(!fixture.register("CG-001", [5; 16]).await.seal_together);
    let (status, body) = fixture
        .sync(
            &new.credential,
            encode_v5(&new.device_id, BEAT_A, &new_changes, [4; 16]),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let reply = decode_reply(&body);
    assert_eq!(reply.protocol, PROTOCOL_VERSION);
    assert!(reply.rosters[0].rejected.is_empty());
    // The new phone, which offered no heads, receives the beat with the old one's work.
    assert!(reply.rosters[0].snapshot.is_some());
    // A phone of protocol 4 is still in use: fields stay sealed apart, which it reads.
    assert!(!reply.rosters[0].seal_together);
    assert_eq!(fixture.counts(), (4, 4));

    let district = fixture.state.lock_district();
    let store = district.store();
    let auditor = store
        .load_user(&"CG-900".parse().expect("valid badge"))
        .expect("reads")
        .expect("the auditor");
    let done = mitan_server::provenance::export(
        store,
        &auditor,
        &Default::default(),
        fixture.clock.now_ms(),
        &mut |_, _| {},
    )
    .expect("exports");
    assert_eq!((done.changes, done.unsigned), (4, 0));
    let report = mitan_core::provenance::verify_export(&done.file).expect("an export");
    assert!(report.passed(), "{:?}", report.findings);
    assert_eq!(report.signed, 4);
    let (export, _) = mitan_core::provenance::read_export(&done.file).expect("reads");
    assert_eq!(export.manifests.len(), 1);
    let vouched: Vec<bool> = export.rosters[0]
        .changes
        .iter()
        .map(|change| change.manifest.is_some())
        .collect();
    assert_eq!(vouched, vec![false, false, true, true]);
}
