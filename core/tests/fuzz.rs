//! Fuzzing, proptest-driven, of what a phone or the server decodes from outside: the sync
//! request and response decoders and the stored-document loader (a saved roster, and changes
//! applied on top of one). Inputs are valid messages and documents with their bytes mutated
//! (flipped, cut, spliced, repeated), plus plain random bytes. A target passes when it answers
//! with a value or an error and never panics.
//!
//! Cases per target: 2,000 by default (CI); `MITAN_FUZZ_CASES=250000` for the long mode (over
//! a million inputs across the five targets). A failing input is written under the test's temporary directory
//! (the panic message names the file); copy it into `tests/fuzz-regressions/<target>/`,
//! where `kept_crashers_never_panic` replays it in every run.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use mitan_core::demo::Generator;
use mitan_core::model::sealed::TestKeys;
use mitan_core::model::{
    CameraForm, CameraId, ChangeMeta, Decision, EnrolmentRules, Roster, RosterId, VolunteerId,
};
use mitan_core::sync::{
    EntryRef, KeyGrant, Limits, PROTOCOL_VERSION, RejectedChange, RosterOffer, RosterReply,
    SyncRequest, SyncResponse,
};
use proptest::prelude::*;

const BEAT: &str = "BSP-PS-KONI-B01";

fn cases() -> u32 {
    std::env::var("MITAN_FUZZ_CASES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(2_000)
}

/// Valid inputs to start from: a roster with enrolments, a camera, a verification; its saved
/// bytes, its changes, and a request and a response that carry them.
struct Corpus {
    snapshot: Vec<u8>,
    /// The saved document before the last few changes, and those changes.
    base: Vec<u8>,
    changes: Vec<Vec<u8>>,
    request: Vec<u8>,
    response: Vec<u8>,
}

fn corpus() -> &'static Corpus {
    static CORPUS: OnceLock<Corpus> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let id: RosterId = BEAT.parse().expect("valid beat");
        let mut roster = Roster::genesis(&id);
        roster.set_actor([7; 16]);
        let rules = EnrolmentRules::standard(2026);
        let meta = |clock_ms: i64| ChangeMeta {
            badge: "CG-042".parse().expect("valid badge"),
            device: "dev-fuzz".parse().expect("valid device"),
            device_clock_ms: clock_ms,
        };
        let mut ids = Vec::new();
        for seed in 0..3u64 {
            let mut generator = Generator::new(seed);
            let form = generator.enrolment_form("BSP-PS-KONI", BEAT, "430001");
            let volunteer =
                VolunteerId::from_parts(1_764_000_000_000 + seed, generator.next_u128());
            let enrolment = form.validate(&rules).expect("demo forms are valid");
            roster
                .enrol(
                    volunteer,
                    &enrolment,
                    &meta(seed as i64),
                    &TestKeys::sealing(&volunteer),
                )
                .expect("enrol");
            ids.push(volunteer);
        }
        let camera_id = CameraId::from_parts(1_764_000_000_010, 77);
        let camera = CameraForm {
            owner_name: "फग्गूराम ध्रुव".into(),
            owner_phone: "9407312468".into(),
            latitude: 22.08,
            longitude: 82.14,
            village_lgd: "430001".into(),
            coverage: "बस स्टैंड".into(),
            direction: "ne".into(),
            recording_days: "30".into(),
        }
        .validate(camera_id)
        .expect("a valid camera");
        roster
            .add_camera(&camera, &meta(5), &TestKeys::sealing(&camera_id))
            .expect("camera");
        let base = roster.save();
        let heads = roster.heads();
        roster
            .review(&ids[0], Decision::Verify, &meta(10))
            .expect("verify");
        let changes: Vec<Vec<u8>> = roster
            .changes_since(&heads)
            .into_iter()
            .map(|change| change.bytes)
            .collect();
        let all: Vec<Vec<u8>> = roster
            .changes_since(&[])
            .into_iter()
            .map(|change| change.bytes)
            .collect();
        let snapshot = roster.save();
        let mut keys: Vec<KeyGrant> = ids
            .iter()
            .map(|volunteer| KeyGrant {
                entry: EntryRef::Volunteer(volunteer.to_bytes()),
                key: *TestKeys::key_of(volunteer).as_bytes(),
            })
            .collect();
        keys.push(KeyGrant {
            entry: EntryRef::Camera(camera_id.to_bytes()),
            key: *TestKeys::key_of(&camera_id).as_bytes(),
        });
        let request = SyncRequest::new(vec![RosterOffer {
            roster: BEAT.into(),
            heads: heads.clone(),
            changes: all.clone(),
            keys: keys.clone(),
            want_keys: vec![
                EntryRef::Volunteer(ids[1].to_bytes()),
                EntryRef::Camera(camera_id.to_bytes()),
            ],
            signatures: Vec::new(),
        }])
        .signed_by(
            &"dev-fuzz".parse().expect("valid device id"),
            &mitan_core::provenance::DeviceKey::from_secret([3; 32]),
        );
        let response = SyncResponse {
            protocol: PROTOCOL_VERSION,
            rosters: vec![RosterReply {
                roster: BEAT.into(),
                refused: None,
                rejected: vec![RejectedChange {
                    hash: [3; 32],
                    reason: "forged_actor".into(),
                }],
                changes: all,
                snapshot: Some(snapshot.clone()),
                server_heads: heads,
                more: false,
                resend_all: false,
                keys,
                seal_together: false,
            }],
        };
        Corpus {
            snapshot,
            base,
            changes,
            // The postcard payload of the request, as this build's protocol lays it out.
            request: mitan_core::sync::inflate(&request.encode(), 1 << 24).expect("inflates"),
            response: postcard::to_stdvec(&response).expect("encodes"),
        }
    })
}

/// One way to damage an input.
#[derive(Debug, Clone)]
enum Mutation {
    Flip { at: usize, bits: u8 },
    Set { at: usize, byte: u8 },
    Cut { at: usize },
    Remove { at: usize, len: usize },
    Insert { at: usize, bytes: Vec<u8> },
    Repeat { at: usize, len: usize, times: u8 },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1..=255u8).prop_map(|(at, bits)| Mutation::Flip { at, bits }),
        (
            any::<usize>(),
            prop_oneof![Just(0u8), Just(0x7f), Just(0x80), Just(0xff), any::<u8>()]
        )
            .prop_map(|(at, byte)| Mutation::Set { at, byte }),
        any::<usize>().prop_map(|at| Mutation::Cut { at }),
        (any::<usize>(), 1..64usize).prop_map(|(at, len)| Mutation::Remove { at, len }),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        (any::<usize>(), 1..32usize, 2..8u8).prop_map(|(at, len, times)| Mutation::Repeat {
            at,
            len,
            times
        }),
    ]
}

fn mutate(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for mutation in mutations {
        let len = bytes.len().max(1);
        match mutation {
            Mutation::Flip { at, bits } => {
                if let Some(byte) = bytes.get_mut(at % len) {
                    *byte ^= bits;
                }
            }
            Mutation::Set { at, byte } => {
                if let Some(slot) = bytes.get_mut(at % len) {
                    *slot = *byte;
                }
            }
            Mutation::Cut { at } => bytes.truncate(at % len),
            Mutation::Remove { at, len: count } => {
                let start = at % len;
                let end = (start + count).min(bytes.len());
                if start < end {
                    bytes.drain(start..end);
                }
            }
            Mutation::Insert { at, bytes: extra } => {
                let at = (at % len).min(bytes.len());
                bytes.splice(at..at, extra.iter().copied());
            }
            Mutation::Repeat {
                at,
                len: count,
                times,
            } => {
                let start = (at % len).min(bytes.len());
                let end = (start + count).min(bytes.len());
                let piece = bytes[start..end].to_vec();
                for _ in 1..*times {
                    bytes.splice(end..end, piece.iter().copied());
                }
            }
        }
    }
    bytes
}

/// The fuzzed targets, each given raw bytes.
#[derive(Debug, Clone, Copy)]
enum Target {
    /// Postcard bytes of a request, compressed as a sender would, then decoded.
    Request,
    /// The same for a response.
    Response,
    /// Bytes on the wire as they arrive, not compressed by us: garbage for zstd.
    RawWire,
    /// A saved roster document.
    Document,
    /// A change applied on top of a saved roster.
    Change,
}

impl Target {
    fn name(self) -> &'static str {
        match self {
            Target::Request => "request",
            Target::Response => "response",
            Target::RawWire => "raw-wire",
            Target::Document => "document",
            Target::Change => "change",
        }
    }

    fn run(self, bytes: &[u8]) {
        let limits = Limits::default();
        match self {
            Target::Request => {
                let wire = zstd::bulk::compress(bytes, 1).expect("compresses");
                if let Ok(request) = SyncRequest::decode(&wire, &limits) {
                    // What decodes must survive its own round trip unchanged.
                    let again = SyncRequest::decode(&request.encode(), &limits)
                        .expect("a decoded request re-encodes");
                    assert_eq!(again, request);
                }
            }
            Target::Response => {
                let wire = zstd::bulk::compress(bytes, 1).expect("compresses");
                if let Ok(response) = SyncResponse::decode(&wire, &limits) {
                    let again = SyncResponse::decode(&response.encode(), &limits)
                        .expect("a decoded response re-encodes");
                    assert_eq!(again, response);
                }
            }
            Target::RawWire => {
                let _ = SyncRequest::decode(bytes, &limits);
                let _ = SyncResponse::decode(bytes, &limits);
            }
            Target::Document => {
                let id: RosterId = BEAT.parse().expect("valid beat");
                if let Ok(roster) = Roster::load(&id, Some(bytes), &[]) {
                    // A document that loads must also be readable entry by entry.
                    let _ = roster.volunteers(&TestKeys);
                    let _ = roster.cameras(&TestKeys);
                }
            }
            Target::Change => {
                let id: RosterId = BEAT.parse().expect("valid beat");
                if let Ok(roster) = Roster::load(&id, Some(&corpus().base), &[bytes.to_vec()]) {
                    let _ = roster.volunteers(&TestKeys);
                }
            }
        }
    }

    /// Runs the target; a panic is written to a file and reported with its path.
    fn check(self, bytes: &[u8]) -> Result<(), TestCaseError> {
        if catch_unwind(AssertUnwindSafe(|| self.run(bytes))).is_ok() {
            return Ok(());
        }
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fuzz-crashers");
        std::fs::create_dir_all(&dir).expect("crasher directory");
        let digest: u64 = bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
            (hash ^ u64::from(*byte)).wrapping_mul(0x100_0000_01b3)
        });
        let path = dir.join(format!("{}-{digest:016x}.bin", self.name()));
        std::fs::write(&path, bytes).expect("crasher written");
        Err(TestCaseError::fail(format!(
            "{} panicked; input kept at {}",
            self.name(),
            path.display()
        )))
    }
}

fn seed_of(target: Target) -> Vec<u8> {
    let corpus = corpus();
    match target {
        Target::Request | Target::RawWire => corpus.request.clone(),
        Target::Response => corpus.response.clone(),
        Target::Document => corpus.snapshot.clone(),
        Target::Change => corpus.changes.concat(),
    }
}

fn damaged(target: Target) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => prop::collection::vec(mutation(), 1..6)
            .prop_map(move |mutations| mutate(seed_of(target), &mutations)),
        1 => prop::collection::vec(any::<u8>(), 0..512),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn sync_request_decoder_never_panics(bytes in damaged(Target::Request)) {
        Target::Request.check(&bytes)?;
    }

    #[test]
    fn sync_response_decoder_never_panics(bytes in damaged(Target::Response)) {
        Target::Response.check(&bytes)?;
    }

    #[test]
    fn raw_wire_bytes_never_panic_a_decoder(bytes in damaged(Target::RawWire)) {
        // Mutating the compressed form exercises zstd's frame checks rather than postcard.
        let wire = zstd::bulk::compress(&bytes, 1).expect("compresses");
        Target::RawWire.check(&bytes)?;
        Target::RawWire.check(&mutate(wire, &[Mutation::Flip { at: bytes.len() / 2, bits: 0x10 }]))?;
    }

    #[test]
    fn document_loader_never_panics(bytes in damaged(Target::Document)) {
        Target::Document.check(&bytes)?;
    }

    #[test]
    fn change_loader_never_panics(bytes in damaged(Target::Change)) {
        Target::Change.check(&bytes)?;
    }
}

fn regression_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions")
}

#[test]
fn kept_crashers_never_panic() {
    let mut replayed = 0;
    for target in [
        Target::Request,
        Target::Response,
        Target::RawWire,
        Target::Document,
        Target::Change,
    ] {
        let dir = regression_dir().join(target.name());
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("directory entry").path();
            let bytes = std::fs::read(&path).expect("regression input readable");
            if let Err(error) = target.check(&bytes) {
                panic!("{}: {error}", path.display());
            }
            replayed += 1;
        }
    }
    eprintln!("{replayed} kept inputs replayed");
}

#[test]
fn a_compression_bomb_is_refused_before_it_is_inflated() {
    // 64 MiB of zeros compresses to a few kilobytes; inflating it would take twice the
    // message limit in memory.
    let limits = Limits::default();
    let bomb =
        zstd::bulk::compress(&vec![0u8; 2 * limits.max_message_bytes], 19).expect("compresses");
    assert!(bomb.len() < 64 * 1024, "the bomb is small on the wire");
    assert!(SyncRequest::decode(&bomb, &limits).is_err());
    assert!(SyncResponse::decode(&bomb, &limits).is_err());
}

#[test]
fn a_request_claiming_a_huge_list_is_refused_without_allocating_it() {
    // Protocol version, then a list of rosters claiming u32::MAX entries and holding none.
    let mut plain = postcard::to_stdvec(&PROTOCOL_VERSION).expect("encodes");
    plain.extend([0xff, 0xff, 0xff, 0xff, 0x0f]);
    let wire = zstd::bulk::compress(&plain, 1).expect("compresses");
    assert!(SyncRequest::decode(&wire, &Limits::default()).is_err());
}
