//! Golden bytes of the two formats other builds must keep reading: the sync protocol 5
//! request and response (`sync::SyncRequest`, `sync::SyncResponse`), and protocol 4's, which
//! phones of the previous release keep sending during a rollout; the audit export file format
//! 2 (`provenance::AuditExport`), and format 1, which older exports on auditors' pen drives
//! are written in. Each message is built from fixed ids, keys,
//! nonces and clocks, so its bytes are the same on every run; an accidental change of a
//! format fails here, and a deliberate one shows as a diff of `tests/golden/`.
//!
//! What is pinned is the postcard payload (`*.postcard.hex`), not the zstd output: zstd may
//! compress the same payload differently after an upgrade of the library, which changes no
//! format. The compressed files (`*.hex`, what travels or is written to disk) are kept as
//! inputs that every later build must still decode and decompress to the pinned payload.
//!
//! After a deliberate format change, rewrite the files and review their diff:
//! `MITAN_BLESS_GOLDEN=1 cargo test -p mitan-core --test wire_golden`.

use std::path::PathBuf;

use mitan_core::model::sealed::{EntryKey, Sealing};
use mitan_core::model::{
    CameraForm, CameraId, ChangeMeta, Decision, EnrolmentForm, EnrolmentRules, Roster, RosterId,
    VolunteerId, inspect_change,
};
use mitan_core::provenance::{
    AuditExport, DeviceKey, EXPORT_FORMAT_VERSION, EXPORT_MAGIC, ExportedChange, ExportedDevice,
    ExportedManifest, ExportedRoster, SignedExport, verify_change, verify_export, verify_manifest,
};
use mitan_core::sync::{
    EntryRef, KeyGrant, Limits, PROTOCOL_VERSION, RejectedChange, RosterOffer, RosterReply,
    SyncRequest, SyncResponse,
};

const STATION: &str = "BSP-PS-KONI";
const BEAT: &str = "BSP-PS-KONI-B01";
const OTHER_BEAT: &str = "BSP-PS-KONI-B02";
const FOREIGN_BEAT: &str = "BSP-PS-SIPAT-B01";
const NOW: i64 = 1_763_900_000_000;
const DEVICE: &str = "dev-golden";
const ACTOR: [u8; 16] = [7; 16];
/// Bytes that are no Automerge change: packing sends them raw, its second wire form.
const NOT_A_CHANGE: &[u8] = b"\x85\x6f\x4a\x83not a change";

/// Hex bytes per line of a golden file: short lines make a diff point at the bytes that moved.
const BYTES_PER_LINE: usize = 32;

fn volunteer() -> VolunteerId {
    VolunteerId::from_parts(NOW as u64, 0x0123_4567_89ab_cdef_0123_4567_89ab)
}

fn camera() -> CameraId {
    CameraId::from_parts(NOW as u64 + 1, 0x0fed_cba9_8765_4321)
}

/// A volunteer the device holds sealed and asks the key of.
fn sealed_volunteer() -> VolunteerId {
    VolunteerId::from_parts(NOW as u64 - 86_400_000, 42)
}

fn volunteer_key() -> [u8; 32] {
    [0x11; 32]
}

fn camera_key() -> [u8; 32] {
    [0x12; 32]
}

fn device_key() -> DeviceKey {
    DeviceKey::from_secret([3; 32])
}

fn server_key() -> DeviceKey {
    DeviceKey::from_secret([9; 32])
}

fn meta(clock_ms: i64) -> ChangeMeta {
    ChangeMeta {
        badge: "CG-042".parse().expect("valid badge"),
        device: DEVICE.parse().expect("valid device"),
        device_clock_ms: clock_ms,
    }
}

/// A beat's roster after one device enrolled a volunteer, registered a camera and verified
/// the volunteer, and those three changes in order. Automerge writes a change's bytes from
/// its actor, dependencies, time, message and operations alone, and the sealed fields use
/// fixed nonces, so every run writes the same bytes.
fn written() -> (Roster, Vec<Vec<u8>>) {
    let id: RosterId = BEAT.parse().expect("valid beat");
    let mut roster = Roster::genesis(&id);
    roster.set_actor(ACTOR);
    let form = EnrolmentForm {
        name_devanagari: "सुनीता साहू".into(),
        name_latin: "Sunita Sahu".into(),
        phone: "9131975318".into(),
        gender: "female".into(),
        age_years: Some(34),
        birth_year: None,
        village_lgd: "430001".into(),
        household: "H-12, Ramesh Sahu".into(),
        house_number: String::new(),
        family_name: String::new(),
        beat: BEAT.into(),
        station: STATION.into(),
        programmes: vec!["cyber_mitan".into()],
        trained_by: String::new(),
        consent_given: true,
        consent_language: "hi".into(),
        consent_notice_version: 1,
        guardian_name: String::new(),
        guardian_relation: String::new(),
        guardian_phone: String::new(),
        guardian_consent_given: false,
    };
    let enrolment = form
        .validate(&EnrolmentRules::standard(2026))
        .expect("a valid form");
    let enrol = roster
        .enrol(
            volunteer(),
            &enrolment,
            &meta(NOW),
            &Sealing {
                key: EntryKey::from_bytes(volunteer_key()),
                nonce_seed: [0x21; 12],
            },
        )
        .expect("enrolled");
    // A camera as builds before direction and recording days wrote it: the golden payload
    // stays the one those builds sent, and this build still reads it.
    let mut camera = CameraForm {
        owner_name: "फग्गूराम ध्रुव".into(),
        owner_phone: "9407312468".into(),
        latitude: 22.08,
        longitude: 82.14,
        village_lgd: "430001".into(),
        coverage: "बस स्टैंड".into(),
        direction: "ne".into(),
        recording_days: "30".into(),
    }
    .validate(camera())
    .expect("a valid camera");
    camera.direction = None;
    camera.recording_days = None;
    let register = roster
        .add_camera(
            &camera,
            &meta(NOW + 1_000),
            &Sealing {
                key: EntryKey::from_bytes(camera_key()),
                nonce_seed: [0x22; 12],
            },
        )
        .expect("camera registered");
    let verify = roster
        .review(&volunteer(), Decision::Verify, &meta(NOW + 2_000))
        .expect("verified");
    let changes = vec![enrol.bytes, register.bytes, verify.bytes];
    (roster, changes)
}

fn grants() -> Vec<KeyGrant> {
    vec![
        KeyGrant {
            entry: EntryRef::Volunteer(volunteer().to_bytes()),
            key: volunteer_key(),
        },
        KeyGrant {
            entry: EntryRef::Camera(camera().to_bytes()),
            key: camera_key(),
        },
    ]
}

fn genesis_heads(beat: &str) -> Vec<[u8; 32]> {
    Roster::genesis(&beat.parse().expect("valid beat")).heads()
}

/// A request offering the three changes and a raw non-change, with their keys, signed as
/// `protocol` signs (one manifest in 5, each change in 4), asking for keys of entries of both
/// kinds; and an empty offer of a second beat.
fn request(protocol: u16) -> SyncRequest {
    let (_, mut changes) = written();
    changes.push(NOT_A_CHANGE.to_vec());
    let offer = RosterOffer {
        roster: BEAT.into(),
        heads: genesis_heads(BEAT),
        changes,
        keys: grants(),
        want_keys: vec![
            EntryRef::Volunteer(sealed_volunteer().to_bytes()),
            EntryRef::Camera(CameraId::from_parts(NOW as u64 - 1, 7).to_bytes()),
        ],
        signatures: Vec::new(),
    };
    let empty = RosterOffer {
        roster: OTHER_BEAT.into(),
        heads: Vec::new(),
        changes: Vec::new(),
        keys: Vec::new(),
        want_keys: Vec::new(),
        signatures: Vec::new(),
    };
    SyncRequest {
        protocol,
        rosters: vec![offer, empty],
        manifest: None,
    }
    .signed_by(&DEVICE.parse().expect("valid device"), &device_key())
}

/// A reply of each kind: changes and keys cut at the size limit with one change refused; a
/// snapshot for a device that has nothing, told to resend; a refused offer.
fn response(protocol: u16) -> SyncResponse {
    let (mut roster, changes) = written();
    let genesis = Roster::genesis(&OTHER_BEAT.parse().expect("valid beat")).save();
    SyncResponse {
        protocol,
        rosters: vec![
            RosterReply {
                roster: BEAT.into(),
                refused: None,
                rejected: vec![RejectedChange {
                    hash: [0; 32],
                    reason: "undecodable".into(),
                }],
                changes,
                snapshot: None,
                server_heads: roster.heads(),
                more: true,
                resend_all: false,
                keys: grants(),
                // Protocol 4's layout has no room for it, so its phones read it as false.
                seal_together: protocol >= 5,
            },
            RosterReply {
                roster: OTHER_BEAT.into(),
                refused: None,
                rejected: Vec::new(),
                changes: Vec::new(),
                snapshot: Some(genesis),
                server_heads: genesis_heads(OTHER_BEAT),
                more: false,
                resend_all: true,
                keys: Vec::new(),
                seal_together: false,
            },
            RosterReply {
                roster: FOREIGN_BEAT.into(),
                refused: Some("forbidden".into()),
                rejected: Vec::new(),
                changes: Vec::new(),
                snapshot: None,
                server_heads: Vec::new(),
                more: false,
                resend_all: false,
                keys: Vec::new(),
                seal_together: false,
            },
        ],
    }
}

/// The devices an export names: the golden device, and a second registered before keys were.
fn exported_devices() -> Vec<ExportedDevice> {
    vec![
        ExportedDevice {
            device: DEVICE.into(),
            badge: "CG-042".into(),
            actor: ACTOR,
            public_key: Some(device_key().public()),
        },
        ExportedDevice {
            device: "dev-before-keys".into(),
            badge: "CG-043".into(),
            actor: [8; 16],
            public_key: None,
        },
    ]
}

/// An export of format 1: the beat's three changes, each signed by its device.
fn export_v1() -> AuditExport {
    let (mut roster, changes) = written();
    let device = DEVICE.parse().expect("valid device");
    let changes = changes
        .into_iter()
        .enumerate()
        .map(|(index, bytes)| {
            let hash = inspect_change(&bytes).expect("a change").hash;
            ExportedChange {
                hash,
                signature: Some(device_key().sign_change(&device, &hash)),
                bytes,
                device: DEVICE.into(),
                received_at_ms: NOW + 5_000 + index as i64,
                manifest: None,
            }
        })
        .collect();
    AuditExport {
        created_at_ms: NOW + 10_000,
        exported_by: "CG-900".into(),
        scope: "district".into(),
        server_key: server_key().public(),
        devices: exported_devices(),
        rosters: vec![ExportedRoster {
            roster: BEAT.into(),
            heads: roster.heads(),
            changes,
        }],
        manifests: Vec::new(),
    }
}

/// An export of format 2: the first change signed on its own (a protocol 4 phone), the other
/// two vouched for by one manifest that also lists a change the export does not hold.
fn export() -> AuditExport {
    let mut export = export_v1();
    let device = DEVICE.parse().expect("valid device");
    let changes = &mut export.rosters[0].changes;
    let mut hashes: Vec<[u8; 32]> = changes[1..].iter().map(|change| change.hash).collect();
    hashes.push([0x5a; 32]);
    for change in &mut changes[1..] {
        change.signature = None;
        change.manifest = Some(0);
    }
    export.manifests = vec![ExportedManifest {
        device: DEVICE.into(),
        signature: device_key().sign_manifest(&device, &hashes),
        hashes,
    }];
    export
}

fn golden_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name)
}

fn blessing() -> bool {
    std::env::var_os("MITAN_BLESS_GOLDEN").is_some()
}

/// The bytes of golden file `name`, hex in lines.
fn read_golden(name: &str) -> Vec<u8> {
    let path = golden_path(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!(
            "{}: {error}; write it with MITAN_BLESS_GOLDEN=1",
            path.display()
        )
    });
    let digits: String = text.split_whitespace().collect();
    hex::decode(&digits).unwrap_or_else(|error| panic!("{}: not hex: {error}", path.display()))
}

fn write_golden(name: &str, bytes: &[u8]) {
    let mut text = String::new();
    for line in bytes.chunks(BYTES_PER_LINE) {
        text.push_str(&hex::encode(line));
        text.push('\n');
    }
    let path = golden_path(name);
    std::fs::create_dir_all(path.parent().expect("the golden folder has a parent"))
        .expect("the golden folder can be made");
    std::fs::write(&path, text).expect("the golden file can be written");
}

/// Compares `bytes` with golden file `name`, or rewrites it when blessing.
fn assert_golden(name: &str, bytes: &[u8]) {
    if blessing() {
        write_golden(name, bytes);
        return;
    }
    let golden = read_golden(name);
    if golden != bytes {
        let first_difference = golden
            .iter()
            .zip(bytes)
            .position(|(old, new)| old != new)
            .unwrap_or(golden.len().min(bytes.len()));
        panic!(
            "{name}: the encoding changed (golden {} bytes, now {} bytes, first difference at \
             byte {first_difference}). If the change is deliberate, bump the format version, \
             rerun with MITAN_BLESS_GOLDEN=1 and commit the diff.",
            golden.len(),
            bytes.len()
        );
    }
}

/// Writes the compressed golden file `name` when blessing; a later build only reads it.
fn keep_compressed(name: &str, bytes: &[u8]) {
    if blessing() {
        write_golden(name, bytes);
    }
}

/// A golden frame's bytes, with the dictionary the frame names (protocol 5's, or none).
fn decompress(bytes: &[u8]) -> Vec<u8> {
    mitan_core::sync::inflate(bytes, 1 << 24).expect("a zstd frame")
}

#[test]
fn the_fixed_messages_come_out_the_same_each_time_they_are_built() {
    for protocol in [4, 5] {
        assert_eq!(request(protocol), request(protocol));
        assert_eq!(response(protocol), response(protocol));
    }
    assert_eq!(PROTOCOL_VERSION, 5);
    assert_eq!(
        export().encode(&server_key()),
        export().encode(&server_key())
    );
}

#[test]
fn a_sync_request_encodes_to_the_golden_payload_of_each_protocol() {
    for protocol in [4, 5] {
        let wire = request(protocol).encode();
        assert_golden(
            &format!("sync_request_v{protocol}.postcard.hex"),
            &decompress(&wire),
        );
        keep_compressed(&format!("sync_request_v{protocol}.hex"), &wire);
    }
}

/// The golden request of `protocol`, decoded, checked against the fixed one and spelled out
/// so a reader sees what the bytes mean.
fn decode_golden_request(protocol: u16) -> SyncRequest {
    let wire = read_golden(&format!("sync_request_v{protocol}.hex"));
    assert_eq!(
        decompress(&wire),
        read_golden(&format!("sync_request_v{protocol}.postcard.hex"))
    );
    // Protocol 5 compresses with its dictionary, and the frame says so.
    let dictionary = zstd::zstd_safe::get_dict_id_from_frame(&wire).map(|id| id.get());
    let expected = (protocol >= 5).then(mitan_core::sync::dictionary_v5_id);
    assert_eq!(dictionary, expected);
    let decoded = SyncRequest::decode(&wire, &Limits::default()).expect("the golden decodes");
    assert_eq!(decoded, request(protocol));
    assert_eq!(decoded.protocol, protocol);
    let offer = &decoded.rosters[0];
    assert_eq!(offer.roster, BEAT);
    assert_eq!(offer.heads, genesis_heads(BEAT));
    assert_eq!(offer.changes.len(), 4);
    assert_eq!(offer.changes[3], NOT_A_CHANGE);
    for bytes in &offer.changes[..3] {
        assert_eq!(
            inspect_change(bytes).expect("a change").actor,
            ACTOR.to_vec()
        );
    }
    assert_eq!(offer.keys, grants());
    assert_eq!(
        offer.want_keys[0],
        EntryRef::Volunteer(sealed_volunteer().to_bytes())
    );
    assert_eq!(decoded.rosters[1].roster, OTHER_BEAT);
    assert!(decoded.rosters[1].changes.is_empty());
    decoded
}

#[test]
fn the_golden_sync_requests_decode_to_the_fixed_requests() {
    if blessing() {
        // The encoding tests beside this one are rewriting the files.
        return;
    }
    let device = DEVICE.parse().expect("valid device");
    // Protocol 4: a signature per change.
    let old = decode_golden_request(4);
    assert_eq!(old.manifest, None);
    let offer = &old.rosters[0];
    for (bytes, signature) in offer.changes[..3].iter().zip(&offer.signatures) {
        let info = inspect_change(bytes).expect("a change");
        assert!(verify_change(
            &device_key().public(),
            &device,
            &info.hash,
            signature
        ));
    }
    // Protocol 5: one signature over every offered hash, the non-change's as all zeros.
    let new = decode_golden_request(5);
    assert!(new.rosters.iter().all(|offer| offer.signatures.is_empty()));
    let hashes = new.manifest_hashes();
    assert_eq!(hashes.len(), 4);
    assert_eq!(hashes[3], [0; 32]);
    assert!(verify_manifest(
        &device_key().public(),
        &device,
        &hashes,
        &new.manifest.expect("signed")
    ));
}

#[test]
fn a_sync_response_encodes_to_the_golden_payload_of_each_protocol() {
    for protocol in [4, 5] {
        let wire = response(protocol).encode();
        assert_golden(
            &format!("sync_response_v{protocol}.postcard.hex"),
            &decompress(&wire),
        );
        keep_compressed(&format!("sync_response_v{protocol}.hex"), &wire);
    }
}

#[test]
fn the_golden_sync_responses_decode_to_the_fixed_responses() {
    if blessing() {
        // The encoding tests beside this one are rewriting the files.
        return;
    }
    for protocol in [4, 5] {
        let wire = read_golden(&format!("sync_response_v{protocol}.hex"));
        assert_eq!(
            decompress(&wire),
            read_golden(&format!("sync_response_v{protocol}.postcard.hex"))
        );
        let decoded = SyncResponse::decode(&wire, &Limits::default()).expect("the golden decodes");
        assert_eq!(decoded, response(protocol));

        assert_eq!(decoded.protocol, protocol);
        let [changes, snapshot, refused] = &decoded.rosters[..] else {
            panic!("three replies: {:?}", decoded.rosters);
        };
        let (mut written, _) = written();
        assert_eq!(changes.server_heads, written.heads());
        assert_eq!(changes.rejected[0].reason, "undecodable");
        assert!(changes.more && !changes.resend_all);
        let mut copy = Roster::genesis(&BEAT.parse().expect("valid beat"));
        copy.apply_changes(&changes.changes)
            .expect("the changes apply");
        assert_eq!(copy.heads(), written.heads());
        let other: RosterId = OTHER_BEAT.parse().expect("valid beat");
        let loaded = Roster::load(&other, snapshot.snapshot.as_deref(), &[]).expect("loads");
        assert_eq!(loaded.id(), &other);
        assert!(snapshot.resend_all);
        assert_eq!(refused.refused.as_deref(), Some("forbidden"));
    }
}

#[test]
fn an_audit_export_encodes_to_the_golden_format_2_container() {
    let file = export().encode(&server_key());
    assert_eq!(&file[..8], EXPORT_MAGIC);
    assert_eq!(&file[8..10], &[2, 0], "format version, little-endian");
    assert_eq!(EXPORT_FORMAT_VERSION, 2);
    assert_golden("audit_export_v2.postcard.hex", &decompress(&file[10..]));
    keep_compressed("audit_export_v2.hex", &file);
}

#[test]
fn the_golden_audit_exports_of_both_formats_decode_and_verify() {
    if blessing() {
        // The encoding test beside this one is rewriting the files.
        return;
    }
    for (format, expected) in [(1u8, export_v1()), (2, export())] {
        let file = read_golden(&format!("audit_export_v{format}.hex"));
        assert_eq!(&file[..10], [b"MITANAUD".as_slice(), &[format, 0]].concat());
        assert_eq!(
            decompress(&file[10..]),
            read_golden(&format!("audit_export_v{format}.postcard.hex"))
        );
        let signed = SignedExport::decode(&file).expect("the golden decodes");
        assert_eq!(signed.export().expect("its body decodes"), expected);

        let report = verify_export(&file).expect("an export");
        assert!(report.passed(), "format {format}: {:?}", report.findings);
        assert_eq!(
            (
                report.rosters,
                report.changes,
                report.signed,
                report.devices
            ),
            (1, 3, 3, 2)
        );
        assert_eq!(report.exported_by, "CG-900");
        assert_eq!(report.created_at_ms, NOW + 10_000);
    }
}
