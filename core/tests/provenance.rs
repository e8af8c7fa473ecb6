//! The offline verification of an audit export (`mitan_core::provenance`), on an export put
//! together from a roster written by two devices, without a server: the findings the
//! end-to-end test (`tests/tests/provenance.rs`) does not reach, each named with its change
//! and device.

use mitan_core::demo::Generator;
use mitan_core::history::encode_hash;
use mitan_core::model::sealed::TestKeys;
use mitan_core::model::{
    ChangeMeta, EnrolmentRules, Roster, RosterId, VolunteerId, inspect_change,
};
use mitan_core::provenance::{
    AuditExport, DeviceKey, ExportedChange, ExportedDevice, ExportedManifest, ExportedRoster,
    Finding, FindingReason, verify_export,
};

const STATION: &str = "BSP-PS-KONI";
const BEAT: &str = "BSP-PS-KONI-B01";
const NOW: i64 = 1_763_870_000_000;

/// Two devices (actors 1 and 2) enrol two volunteers each, one after the other.
fn written() -> (Roster, Vec<(String, DeviceKey, [u8; 16])>) {
    let id: RosterId = BEAT.parse().expect("valid beat");
    let mut roster = Roster::genesis(&id);
    let devices: Vec<(String, DeviceKey, [u8; 16])> = (1..=2u8)
        .map(|n| (format!("dev-{n}"), DeviceKey::from_secret([n; 32]), [n; 16]))
        .collect();
    let mut generator = Generator::new(5);
    let rules = EnrolmentRules::standard(2026);
    for index in 0..4 {
        let (device, _, actor) = &devices[index % 2];
        roster.set_actor(*actor);
        let form = generator.enrolment_form(STATION, BEAT, "430001");
        let enrolment = form.validate(&rules).expect("demo forms are valid");
        let volunteer = VolunteerId::from_parts(NOW as u64 + index as u64, generator.next_u128());
        let meta = ChangeMeta {
            badge: "CG-001".parse().expect("valid badge"),
            device: device.parse().expect("valid device"),
            device_clock_ms: NOW + index as i64,
        };
        roster
            .enrol(volunteer, &enrolment, &meta, &TestKeys::sealing(&volunteer))
            .expect("enrolled");
    }
    (roster, devices)
}

/// The export of `roster` as the server writes it, every change signed by its device.
fn export_of(roster: &mut Roster, devices: &[(String, DeviceKey, [u8; 16])]) -> AuditExport {
    let genesis = Roster::genesis(roster.id()).heads();
    let changes = roster
        .changes_since(&genesis)
        .into_iter()
        .enumerate()
        .map(|(index, change)| {
            let actor = inspect_change(&change.bytes).expect("a change").actor;
            let (device, key, _) = devices
                .iter()
                .find(|(_, _, own)| own.as_slice() == actor.as_slice())
                .expect("every change is one of the devices'");
            ExportedChange {
                hash: change.hash,
                signature: Some(key.sign_change(&device.parse().expect("valid"), &change.hash)),
                bytes: change.bytes,
                device: device.clone(),
                received_at_ms: NOW + 10_000 + index as i64,
                manifest: None,
            }
        })
        .collect();
    AuditExport {
        created_at_ms: NOW + 20_000,
        exported_by: "CG-900".into(),
        scope: "BSP".into(),
        server_key: server_key().public(),
        devices: devices
            .iter()
            .map(|(device, key, actor)| ExportedDevice {
                device: device.clone(),
                badge: "CG-001".into(),
                actor: *actor,
                public_key: Some(key.public()),
            })
            .collect(),
        rosters: vec![ExportedRoster {
            roster: BEAT.into(),
            heads: roster.heads(),
            changes,
        }],
        manifests: Vec::new(),
    }
}

/// `export` as protocol 5 phones and the server write it: each device's changes vouched for
/// by one manifest of that device, signed over their hashes, none signed on its own.
fn with_manifests(
    mut export: AuditExport,
    devices: &[(String, DeviceKey, [u8; 16])],
) -> AuditExport {
    for (device, key, _) in devices {
        let index = export.manifests.len() as u32;
        let changes = export.rosters[0]
            .changes
            .iter_mut()
            .filter(|change| &change.device == device);
        let mut hashes = Vec::new();
        for change in changes {
            change.signature = None;
            change.manifest = Some(index);
            hashes.push(change.hash);
        }
        export.manifests.push(ExportedManifest {
            device: device.clone(),
            signature: key.sign_manifest(&device.parse().expect("valid"), &hashes),
            hashes,
        });
    }
    export
}

#[test]
fn a_manifest_vouches_for_what_it_lists_and_only_for_its_own_device() {
    let (mut roster, devices) = written();
    let clean = with_manifests(export_of(&mut roster, &devices), &devices);
    let report = verify_export(&clean.encode(&server_key())).expect("an export");
    assert!(report.passed(), "{:?}", report.findings);
    assert_eq!((report.changes, report.signed), (4, 4));
    let reasons = |export: &AuditExport| -> Vec<FindingReason> {
        findings(export).into_iter().map(|f| f.reason).collect()
    };

    // A hash of the list altered: the manifest's signature no longer holds for any of its
    // changes.
    let mut export = clean.clone();
    export.manifests[0].hashes[0][0] ^= 1;
    assert_eq!(reasons(&export), vec![FindingReason::BadSignature; 2]);

    // A change pointed at the other device's manifest, or at none that exists.
    let mut export = clean.clone();
    let first_of_dev_1 = export.rosters[0]
        .changes
        .iter()
        .position(|change| change.device == "dev-1")
        .expect("dev-1 wrote");
    export.rosters[0].changes[first_of_dev_1].manifest = Some(1);
    assert_eq!(reasons(&export), vec![FindingReason::BadSignature]);
    export.rosters[0].changes[first_of_dev_1].manifest = Some(7);
    assert_eq!(reasons(&export), vec![FindingReason::NotInManifest]);

    // A change the manifest does not list, though the manifest is its device's.
    let mut export = clean.clone();
    let listed = export.manifests[0].hashes.remove(0);
    export.manifests[0].signature = devices[0].1.sign_manifest(
        &"dev-1".parse().expect("valid"),
        &export.manifests[0].hashes,
    );
    let found = findings(&export);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].reason, FindingReason::NotInManifest);
    assert_eq!(found[0].change, Some(encode_hash(&listed)));

    // Neither a signature nor a manifest: unsigned.
    let mut export = clean.clone();
    export.rosters[0].changes[0].manifest = None;
    assert_eq!(reasons(&export), vec![FindingReason::Unsigned]);
}

fn server_key() -> DeviceKey {
    DeviceKey::from_secret([9; 32])
}

fn findings(export: &AuditExport) -> Vec<Finding> {
    verify_export(&export.encode(&server_key()))
        .expect("an export")
        .findings
}

#[test]
fn an_export_written_on_no_server_verifies_and_counts_every_signature() {
    let (mut roster, devices) = written();
    let export = export_of(&mut roster, &devices);
    let report = verify_export(&export.encode(&server_key())).expect("an export");
    assert!(report.passed(), "{:?}", report.findings);
    assert_eq!((report.changes, report.signed, report.devices), (4, 4, 2));
    assert_eq!(report.server_key, encode_hash(&server_key().public()));
}

#[test]
fn unsigned_keyless_unknown_and_duplicated_changes_are_each_named() {
    let (mut roster, devices) = written();
    let clean = export_of(&mut roster, &devices);
    let name = |index: usize| encode_hash(&clean.rosters[0].changes[index].hash);

    let mut export = clean.clone();
    export.rosters[0].changes[0].signature = None;
    let found = findings(&export);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].reason, FindingReason::Unsigned);
    assert_eq!(found[0].change.as_deref(), Some(name(0).as_str()));
    assert_eq!(found[0].device.as_deref(), Some("dev-1"));

    let mut export = clean.clone();
    export.devices[1].public_key = None;
    let reasons: Vec<FindingReason> = findings(&export).into_iter().map(|f| f.reason).collect();
    assert_eq!(reasons, vec![FindingReason::DeviceWithoutKey; 2]);

    let mut export = clean.clone();
    export.devices.remove(0);
    let reasons: Vec<FindingReason> = findings(&export).into_iter().map(|f| f.reason).collect();
    assert_eq!(reasons, vec![FindingReason::UnknownDevice; 2]);

    let mut export = clean.clone();
    let copy = export.rosters[0].changes[2].clone();
    export.rosters[0].changes.push(copy);
    let found = findings(&export);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].reason, FindingReason::Duplicate);
    assert_eq!(found[0].change.as_deref(), Some(name(2).as_str()));
}

#[test]
fn an_export_signed_by_another_server_key_or_cut_short_fails() {
    let (mut roster, devices) = written();
    let export = export_of(&mut roster, &devices);
    let impostor = export.encode(&DeviceKey::from_secret([8; 32]));
    let found = verify_export(&impostor).expect("an export").findings;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].reason, FindingReason::ExportSignature);
    assert_eq!(
        found[0].to_string(),
        "export: the server's signature of the export does not hold"
    );

    let file = export.encode(&server_key());
    for cut in [0, 9, 10, file.len() / 2, file.len() - 1] {
        assert!(
            verify_export(&file[..cut]).is_err(),
            "an export cut at {cut} of {} bytes still read",
            file.len()
        );
    }
}
