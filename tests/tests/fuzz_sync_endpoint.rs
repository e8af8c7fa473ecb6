//! Fuzzing the sync endpoint's request body over real HTTP: a registered phone's genuine sync
//! request, decompressed, damaged, compressed again (or sent damaged as it is), and posted to
//! `POST /v1/sync` with the phone's credential. The server must answer every one with a clean
//! status (never a 5xx, never a dropped connection), and a request it refuses must change
//! nothing in its database.
//!
//! 300 requests by default (CI); `MITAN_FUZZ_REQUESTS` sets more for the long mode.

use std::sync::Mutex;

use mitan_core::device::{Transport, TransportError};
use mitan_e2e::{TestServer, beat, station};
use mitan_server::auth::Role;
use proptest::prelude::*;

/// Keeps the body of the first exchange and fails it, so the phone sends nothing.
struct Recorder(Option<Vec<u8>>);

impl Transport for Recorder {
    fn exchange(&mut self, request: Vec<u8>) -> Result<Vec<u8>, TransportError> {
        self.0 = Some(request);
        Err(TransportError::Network("recorded, not sent".into()))
    }
}

struct Fixture {
    server: TestServer,
    credential: String,
    /// The phone's genuine request, decompressed.
    plain: Vec<u8>,
    _dir: tempfile::TempDir,
}

fn fixture() -> &'static Mutex<Fixture> {
    static FIXTURE: std::sync::OnceLock<Mutex<Fixture>> = std::sync::OnceLock::new();
    FIXTURE.get_or_init(|| {
        let server = TestServer::start_without_sync_limit(1).expect("server starts");
        let dir = tempfile::tempdir().expect("temp dir");
        server
            .add_user("CG-001", Role::Constable, &station(0), &[beat(0, 0)])
            .expect("the constable is added");
        let mut phone = server
            .field_device("CG-001", &dir.path().join("phone"))
            .expect("the phone registers");
        for seed in 0..3 {
            phone.enrol_seeded(&station(0), &beat(0, 0), seed, 1_764_000_000_000);
        }
        let mut recorder = Recorder(None);
        assert!(phone.device.sync(&mut recorder, 1_764_000_000_000).is_err());
        let wire = recorder.0.expect("the phone built a request");
        let plain = mitan_core::sync::inflate(&wire, 1 << 20).expect("a genuine request inflates");
        Mutex::new(Fixture {
            server,
            credential: phone.credential(),
            plain,
            _dir: dir,
        })
    })
}

fn requests() -> u32 {
    std::env::var("MITAN_FUZZ_REQUESTS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(300)
}

/// What the database holds, to tell whether a refused request wrote anything.
fn fingerprint(server: &TestServer) -> (u64, Vec<(String, String)>) {
    (server.logged_changes(), server.volunteers())
}

/// Damage: bytes overwritten at chosen places, then perhaps a cut.
fn damage(mut bytes: Vec<u8>, writes: &[(usize, u8)], cut: Option<usize>) -> Vec<u8> {
    for (at, byte) in writes {
        let len = bytes.len();
        if len > 0 {
            bytes[at % len] = *byte;
        }
    }
    if let Some(at) = cut {
        bytes.truncate(at % (bytes.len() + 1));
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: requests(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn a_damaged_sync_body_gets_a_clean_answer_and_a_refusal_writes_nothing(
        writes in prop::collection::vec((any::<usize>(), any::<u8>()), 0..6),
        cut in prop::option::of(any::<usize>()),
        compressed_damage in any::<bool>(),
    ) {
        let fixture = fixture().lock().expect("fixture lock");
        let body = if compressed_damage {
            // The wire form damaged: zstd's frame checks meet it first.
            let wire = zstd::bulk::compress(&fixture.plain, 3).expect("compresses");
            damage(wire, &writes, cut)
        } else {
            let plain = damage(fixture.plain.clone(), &writes, cut);
            zstd::bulk::compress(&plain, 3).expect("compresses")
        };
        let before = fingerprint(&fixture.server);
        let (status, answer) = fixture.server.post_bytes("/v1/sync", &fixture.credential, &body);
        prop_assert!(status < 500, "status {status}: {}", String::from_utf8_lossy(&answer));
        if status != 200 {
            // 403: damage that turns the roster's name into another valid code (a `/` for a
            // `-`), one this phone may not sync, is refused before anything is applied.
            prop_assert!(
                matches!(status, 400 | 403 | 413 | 422),
                "status {status}"
            );
            prop_assert_eq!(fingerprint(&fixture.server), before, "a refused request wrote");
            let error: serde_json::Value = serde_json::from_slice(&answer)
                .expect("a refusal is a JSON error");
            prop_assert!(error["error"]["code"].is_string(), "{error}");
        }
    }
}

#[test]
fn the_genuine_request_is_accepted_after_all_the_damaged_ones() {
    let fixture = fixture().lock().expect("fixture lock");
    let wire = zstd::bulk::compress(&fixture.plain, 3).expect("compresses");
    let (status, _answer) = fixture
        .server
        .post_bytes("/v1/sync", &fixture.credential, &wire);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&_answer));
    assert_eq!(
        fixture.server.volunteers().len(),
        3,
        "the three enrolments arrive once, whatever was sent before"
    );
}
