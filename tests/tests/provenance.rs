//! Provenance checked offline (issue 6, part 3), over the real server: three phones and two
//! supervisors write a history (enrol, edit, verify, merge a duplicate, withdraw by phone and
//! by a supervisor), `mitan audit export` writes it to a file, and `mitan audit verify` passes
//! it untouched and catches every tampering tried: one byte changed in any change, any one
//! change removed, any one change re-signed by another device's key, and bytes of the file
//! itself flipped at seeded positions.

use mitan_core::demo::Generator;
use mitan_core::device::Moment;
use mitan_core::history::encode_hash;
use mitan_core::model::{VolunteerEdit, WithdrawalChannel};
use mitan_core::provenance::{
    AuditExport, DeviceKey, FindingReason, SignedExport, VerifyReport, read_export, verify_export,
};
use mitan_e2e::{DISTRICT, TestServer, beat, station};
use mitan_server::auth::Role;
use mitan_server::store::ServerStore;

const NOW: i64 = 1_763_870_000_000;

struct Scripted {
    server: TestServer,
    _dirs: tempfile::TempDir,
    /// Each phone's device id and signing key, as its store holds them.
    phones: Vec<(String, DeviceKey)>,
}

/// The history of `tests/tests/audit.rs`, plus a supervisor's withdrawal recorded by phone.
fn scripted_history() -> Scripted {
    let server = TestServer::start_without_sync_limit(1).expect("the server starts");
    let dirs = tempfile::tempdir().expect("temp dir");
    for badge in ["CG-001", "CG-002", "CG-003"] {
        server
            .add_user(badge, Role::Constable, &station(0), &[beat(0, 0)])
            .expect("constable added");
    }
    server
        .add_user("CG-100", Role::StationIncharge, &station(0), &[])
        .expect("in-charge added");
    server
        .add_user("CG-150", Role::CircleOfficer, "BSP-C1", &[])
        .expect("circle officer added");
    server
        .add_user("CG-900", Role::Auditor, DISTRICT, &[])
        .expect("auditor added");
    let mut phones = Vec::new();
    for (badge, dir) in [("CG-001", "a"), ("CG-002", "b"), ("CG-003", "c")] {
        phones.push(
            server
                .field_device(badge, &dirs.path().join(dir))
                .expect("registers"),
        );
    }
    let incharge = server
        .field_device("CG-100", &dirs.path().join("incharge"))
        .expect("registers")
        .credential();
    let circle_officer = server
        .field_device("CG-150", &dirs.path().join("co"))
        .expect("registers")
        .credential();
    let roster = beat(0, 0);
    let form = |seed: u64, phone: &str| {
        let mut form = Generator::new(seed).enrolment_form(&station(0), &roster, "430001");
        form.phone = phone.to_owned();
        form
    };
    let first = phones[0].enrol_form(&form(1, "9876543210"), 1, NOW);
    phones[0].sync_ok(NOW + 1_000);
    let again = phones[1].enrol_form(&form(2, "9876543210"), 2, NOW + 2_000);
    phones[1].sync_ok(NOW + 3_000);
    let leaver = phones[2].enrol_form(&form(3, "7000012345"), 3, NOW + 4_000);
    let caller = phones[2].enrol_form(&form(4, "7000054321"), 4, NOW + 4_500);
    phones[2].sync_ok(NOW + 5_000);
    phones[0]
        .device
        .edit(
            &first,
            &VolunteerEdit {
                phone: Some("+919812345678".into()),
                ..VolunteerEdit::default()
            },
            Moment {
                now_ms: NOW + 6_000,
                random: 4,
            },
        )
        .expect("edited");
    phones[0].sync_ok(NOW + 7_000);
    let verified = server.post(&format!("/v1/volunteers/{first}/verify"), &incharge, None);
    assert_eq!(verified.status, 200, "{}", verified.body);
    let merged = server.post(
        &format!("/v1/volunteers/{again}/duplicate"),
        &circle_officer,
        Some(serde_json::json!({ "duplicate_of": first.to_string() })),
    );
    assert_eq!(merged.status, 200, "{}", merged.body);
    phones[2]
        .device
        .withdraw(
            &leaver,
            WithdrawalChannel::InPerson,
            Moment {
                now_ms: NOW + 8_000,
                random: 5,
            },
        )
        .expect("withdrawn");
    phones[2].sync_ok(NOW + 9_000);
    let by_phone = server.post(
        &format!("/v1/volunteers/{caller}/withdraw"),
        &incharge,
        None,
    );
    assert_eq!(by_phone.status, 200, "{}", by_phone.body);
    for phone in &mut phones {
        phone.sync_ok(NOW + 10_000);
    }
    let keys = phones
        .iter()
        .map(|phone| (phone.profile.device.device_id.clone(), phone.signing_key()))
        .collect();
    Scripted {
        server,
        _dirs: dirs,
        phones: keys,
    }
}

impl Scripted {
    /// The export an auditor takes, through the same function `mitan audit export` calls.
    fn export(&self) -> Vec<u8> {
        let store = ServerStore::open_reader(&self.server.db).expect("a reader opens");
        let auditor = store
            .load_user(&"CG-900".parse().expect("valid"))
            .expect("reads")
            .expect("the auditor exists");
        mitan_server::provenance::export(
            &store,
            &auditor,
            &mitan_server::provenance::ExportQuery::default(),
            NOW + 20_000,
            &mut |_, _| {},
        )
        .expect("exports")
        .file
    }

    /// The server's key: an insider holding it can re-sign the whole export, which the
    /// device signatures must still catch.
    fn server_key(&self) -> DeviceKey {
        self.server
            .state
            .lock_district()
            .store()
            .load_server_key()
            .expect("the server has a key")
    }
}

/// The export's body with `tamper` applied, re-signed by the server's key.
fn tampered(file: &[u8], server_key: &DeviceKey, tamper: impl FnOnce(&mut AuditExport)) -> Vec<u8> {
    let (mut export, _) = read_export(file).expect("the export reads");
    tamper(&mut export);
    export.encode(server_key)
}

fn report(file: &[u8]) -> VerifyReport {
    verify_export(file).expect("still an export")
}

/// Every change of the export as (roster index, change index).
fn positions(export: &AuditExport) -> Vec<(usize, usize)> {
    export
        .rosters
        .iter()
        .enumerate()
        .flat_map(|(roster, exported)| {
            (0..exported.changes.len()).map(move |change| (roster, change))
        })
        .collect()
}

#[test]
fn an_untampered_export_of_a_scripted_history_verifies_with_every_change_signed() {
    let scripted = scripted_history();
    let file = scripted.export();
    let verdict = report(&file);
    assert!(verdict.passed(), "{:?}", verdict.findings);
    let logged = scripted.server.logged_changes();
    assert_eq!(verdict.changes, logged);
    assert_eq!(
        verdict.signed, logged,
        "phones' and supervisors' changes alike"
    );
    // Three phones, and the two supervisors' server-side writers plus the in-charge's
    // withdrawal (the same writer as their verification).
    assert_eq!(verdict.devices, 5);
    assert_eq!(
        verdict.server_key,
        encode_hash(&scripted.server_key().public())
    );

    // The command line: export to a file, verify it, and fail on a tampered one.
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("district.mitan-audit");
    let db = scripted.server.db.display().to_string();
    let run = |args: &[&str]| {
        let cli = <mitan_cli::Cli as clap::Parser>::try_parse_from(args)
            .expect("the command line parses");
        mitan_cli::execute(cli)
    };
    run(&[
        "mitan",
        "audit",
        "--db",
        &db,
        "--as",
        "CG-900",
        "export",
        "-o",
        &path.display().to_string(),
    ])
    .expect("mitan audit export");
    run(&["mitan", "audit", "verify", &path.display().to_string()]).expect("verifies");
    let written = std::fs::read(&path).expect("the export was written");
    let broken = tampered(&written, &scripted.server_key(), |export| {
        export.rosters[0].changes.remove(0);
    });
    std::fs::write(&path, broken).expect("written");
    let failed = run(&["mitan", "audit", "verify", &path.display().to_string()])
        .expect_err("a tampered export fails");
    assert!(
        matches!(
            failed,
            mitan_cli::Error::VerificationFailed { findings } if findings > 0
        ),
        "{failed}"
    );
}

#[test]
fn one_byte_changed_in_any_change_is_caught_even_when_the_export_is_re_signed() {
    let scripted = scripted_history();
    let file = scripted.export();
    let server_key = scripted.server_key();
    let (export, _) = read_export(&file).expect("reads");
    let mut seeds = Generator::new(6);
    let mut tried = 0;
    let every = positions(&export);
    // Nine changes: four enrolments, an edit, a verification, a duplicate, two withdrawals.
    assert_eq!(every.len(), 9);
    for (roster, change) in every.iter().copied() {
        let logged = &export.rosters[roster].changes[change];
        let hash = encode_hash(&logged.hash);
        // Three seeded positions in every change's bytes.
        for _ in 0..3 {
            let at = (seeds.next_u128() % logged.bytes.len() as u128) as usize;
            let flip = (seeds.next_u128() % 255 + 1) as u8;
            let broken = tampered(&file, &server_key, |export| {
                export.rosters[roster].changes[change].bytes[at] ^= flip;
            });
            let verdict = report(&broken);
            assert!(
                verdict.findings.iter().any(|finding| {
                    finding.change.as_deref() == Some(hash.as_str())
                        && matches!(
                            finding.reason,
                            FindingReason::Undecodable
                                | FindingReason::ChecksumMismatch
                                | FindingReason::HashMismatch { .. }
                                | FindingReason::BadSignature
                        )
                        && finding.device.as_deref() == Some(logged.device.as_str())
                }),
                "byte {at} of change {hash} flipped: {:?}",
                verdict.findings
            );
            tried += 1;
        }
    }
    assert_eq!(tried, 3 * every.len());
}

#[test]
fn any_one_change_removed_is_reported_missing_and_without_the_server_key_the_export_fails() {
    let scripted = scripted_history();
    let file = scripted.export();
    let server_key = scripted.server_key();
    let (export, signed) = read_export(&file).expect("reads");
    for (roster, change) in positions(&export) {
        let removed = encode_hash(&export.rosters[roster].changes[change].hash);
        let broken = tampered(&file, &server_key, |export| {
            export.rosters[roster].changes.remove(change);
        });
        let verdict = report(&broken);
        let caught = verdict
            .findings
            .iter()
            .any(|finding| match &finding.reason {
                FindingReason::MissingDependency { dependency } => *dependency == removed,
                FindingReason::MissingHead => finding.change.as_deref() == Some(removed.as_str()),
                _ => false,
            });
        assert!(caught, "change {removed} removed: {:?}", verdict.findings);
    }
    // Without the server's key, the removal also breaks the export's own signature.
    let mut body: AuditExport = signed.export().expect("decodes");
    body.rosters[0].changes.pop();
    let forged = SignedExport {
        body: postcard_body(&body),
        signature: signed.signature,
        format: signed.format,
    }
    .encode();
    let verdict = report(&forged);
    assert!(
        verdict
            .findings
            .iter()
            .any(|finding| finding.reason == FindingReason::ExportSignature),
        "{:?}",
        verdict.findings
    );
}

/// The body bytes of `export` as the server would sign them: re-encoded through the core's
/// own encoder, then unwrapped, so the test uses no encoding of its own.
fn postcard_body(export: &AuditExport) -> Vec<u8> {
    let file = export.encode(&DeviceKey::from_secret([1; 32]));
    SignedExport::decode(&file).expect("decodes").body
}

#[test]
fn any_one_change_re_signed_by_another_devices_key_is_caught() {
    let scripted = scripted_history();
    let file = scripted.export();
    let server_key = scripted.server_key();
    let (export, _) = read_export(&file).expect("reads");
    for (roster, change) in positions(&export) {
        let logged = export.rosters[roster].changes[change].clone();
        let hash = encode_hash(&logged.hash);
        let (other_device, other_key) = scripted
            .phones
            .iter()
            .find(|(device, _)| *device != logged.device)
            .expect("three phones");
        // Kept in its device's name, signed with another device's key.
        let re_signed = tampered(&file, &server_key, |export| {
            let target = &mut export.rosters[roster].changes[change];
            target.signature =
                Some(other_key.sign_change(&logged.device.parse().expect("valid"), &logged.hash));
        });
        let verdict = report(&re_signed);
        assert!(
            verdict.findings.iter().any(|finding| {
                finding.change.as_deref() == Some(hash.as_str())
                    && finding.reason == FindingReason::BadSignature
            }),
            "change {hash}: {:?}",
            verdict.findings
        );
        // Moved to the other device's name and signed as its own: its actor gives it away.
        let moved = tampered(&file, &server_key, |export| {
            let target = &mut export.rosters[roster].changes[change];
            target.device = other_device.clone();
            target.signature =
                Some(other_key.sign_change(&other_device.parse().expect("valid"), &logged.hash));
        });
        let verdict = report(&moved);
        assert!(
            verdict.findings.iter().any(|finding| {
                finding.change.as_deref() == Some(hash.as_str())
                    && finding.reason == FindingReason::ForeignActor
            }),
            "change {hash}: {:?}",
            verdict.findings
        );
    }
}

#[test]
fn bytes_of_the_file_flipped_at_seeded_positions_never_pass() {
    let scripted = scripted_history();
    let file = scripted.export();
    let mut seeds = Generator::new(9);
    for _ in 0..200 {
        let at = (seeds.next_u128() % file.len() as u128) as usize;
        let flip = (seeds.next_u128() % 255 + 1) as u8;
        let mut broken = file.clone();
        broken[at] ^= flip;
        // Either the file no longer reads as an export, or something in it fails.
        if let Ok(verdict) = verify_export(&broken) {
            assert!(
                !verdict.passed(),
                "byte {at} flipped with {flip:#04x} passed"
            );
        }
    }
}
