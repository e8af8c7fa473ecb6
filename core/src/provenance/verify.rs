//! Checking an audit export with nothing but the file: the server's signature of the whole,
//! and for every change that its bytes hash to the hash logged, that its dependencies are in
//! the export (a removed change shows as a missing dependency, or a missing head when it was
//! the newest), that it carries the actor of the device it is attributed to, and that the
//! device's key signed it. Every problem is reported, not just the first.
//!
//! The keys inside the file are what it vouches for itself: an auditor who wants more than
//! internal consistency compares the server key's fingerprint ([`VerifyReport::server_key`])
//! with the one the district publishes.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use super::export::{AuditExport, ExportedDevice, ExportedManifest, SignedExport};
use super::{ChangeHash, PublicKey, verify_change, verify_export_signature, verify_manifest};
use crate::error::Result;
use crate::model::{DeviceId, Roster, RosterId, inspect_change};

/// Why a change (or the export) fails verification. Codes are stable snake_case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum FindingReason {
    /// The server's signature of the whole export does not hold: something in it was
    /// changed, added or removed after the server wrote it.
    ExportSignature,
    /// The bytes are not an Automerge change (damaged).
    Undecodable,
    /// The bytes hash to another hash than the one logged: the change was altered.
    HashMismatch {
        /// What the bytes hash to.
        actual: String,
    },
    /// The bytes' 4-byte checksum is not the start of their hash: the change was altered in
    /// the one place its hash does not cover (Automerge does not check it on reading).
    ChecksumMismatch,
    /// A change it depends on is not in the export: that change was removed.
    MissingDependency {
        /// The missing change's hash.
        dependency: String,
    },
    /// One of the roster's heads is not in the export: the newest change was removed.
    MissingHead,
    /// The change is logged twice in one roster.
    Duplicate,
    /// The change carries no signature.
    Unsigned,
    /// The device it is attributed to is not in the export.
    UnknownDevice,
    /// The device it is attributed to has no registered key.
    DeviceWithoutKey,
    /// The signature is not the device's key's signature of this change and device.
    BadSignature,
    /// The change names a manifest that is not in the export, or one that does not list it.
    NotInManifest,
    /// The change's actor is not the actor of the device it is attributed to.
    ForeignActor,
}

impl FindingReason {
    /// Whether the finding means a change is missing rather than altered or unsigned.
    pub fn is_missing(&self) -> bool {
        matches!(
            self,
            FindingReason::MissingDependency { .. } | FindingReason::MissingHead
        )
    }
}

impl std::fmt::Display for FindingReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FindingReason::ExportSignature => {
                f.write_str("the server's signature of the export does not hold")
            }
            FindingReason::Undecodable => f.write_str("tampered: the bytes are not a change"),
            FindingReason::HashMismatch { actual } => {
                write!(f, "tampered: the bytes hash to {actual}")
            }
            FindingReason::ChecksumMismatch => {
                f.write_str("tampered: the bytes' checksum does not match their hash")
            }
            FindingReason::MissingDependency { dependency } => {
                write!(
                    f,
                    "missing: depends on {dependency}, which is not in the export"
                )
            }
            FindingReason::MissingHead => {
                f.write_str("missing: a head of the roster is not in the export")
            }
            FindingReason::Duplicate => f.write_str("logged twice"),
            FindingReason::Unsigned => f.write_str("unsigned"),
            FindingReason::UnknownDevice => f.write_str("its device is not in the export"),
            FindingReason::DeviceWithoutKey => {
                f.write_str("unsigned: its device registered no key")
            }
            FindingReason::BadSignature => {
                f.write_str("bad signature: not signed by its device's key")
            }
            FindingReason::ForeignActor => f.write_str("its actor is not the actor of its device"),
            FindingReason::NotInManifest => {
                f.write_str("unsigned: the manifest it names does not list it")
            }
        }
    }
}

/// One problem found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The roster; empty for a finding about the whole export.
    pub roster: String,
    /// The change's hash as logged (hex), if the finding is about one change.
    pub change: Option<String>,
    /// The device the change is attributed to.
    pub device: Option<String>,
    /// What is wrong.
    pub reason: FindingReason,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.roster.is_empty() {
            return write!(f, "export: {}", self.reason);
        }
        write!(f, "roster {}", self.roster)?;
        if let Some(change) = &self.change {
            write!(f, ": change {change}")?;
        }
        if let Some(device) = &self.device {
            write!(f, " (device {device})")?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// What verifying an export found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// When the server wrote the export.
    pub created_at_ms: i64,
    /// Who asked for it.
    pub exported_by: String,
    /// What it covers.
    pub scope: String,
    /// The server key it names (hex): compare it with the district's published one.
    pub server_key: String,
    /// Rosters checked.
    pub rosters: u64,
    /// Changes checked.
    pub changes: u64,
    /// Changes whose signature holds.
    pub signed: u64,
    /// Devices named.
    pub devices: u64,
    /// Every problem, in the export's order.
    pub findings: Vec<Finding>,
}

impl VerifyReport {
    /// Whether nothing failed.
    pub fn passed(&self) -> bool {
        self.findings.is_empty()
    }
}

/// Verifies the export file `file`. A file that is not an export at all (no magic, another
/// format version, damaged compression) is an error; everything else is reported in the
/// [`VerifyReport`].
///
/// ```
/// # use mitan_core::provenance::verify_export;
/// assert!(verify_export(b"not an export").is_err());
/// ```
pub fn verify_export(file: &[u8]) -> Result<VerifyReport> {
    verify_export_with_progress(file, &mut |_, _| {})
}

/// As [`verify_export`], calling `progress(done, total)` as changes are checked, for a
/// progress bar.
pub fn verify_export_with_progress(
    file: &[u8],
    progress: &mut dyn FnMut(u64, u64),
) -> Result<VerifyReport> {
    let signed = SignedExport::decode(file)?;
    let export = signed.export()?;
    let mut findings = Vec::new();
    if !verify_export_signature(&export.server_key, &signed.body, &signed.signature) {
        findings.push(Finding {
            roster: String::new(),
            change: None,
            device: None,
            reason: FindingReason::ExportSignature,
        });
    }
    let devices: BTreeMap<&str, &ExportedDevice> = export
        .devices
        .iter()
        .map(|device| (device.device.as_str(), device))
        .collect();
    let total: u64 = export
        .rosters
        .iter()
        .map(|roster| roster.changes.len() as u64)
        .sum();
    let mut done = 0;
    let mut signed_count = 0;
    let mut manifests = Manifests::new(&export.manifests);
    for roster in &export.rosters {
        signed_count += check_roster(
            roster,
            &devices,
            &mut manifests,
            &mut findings,
            &mut |checked| {
                done += checked;
                progress(done, total);
            },
        );
    }
    Ok(VerifyReport {
        created_at_ms: export.created_at_ms,
        exported_by: export.exported_by.clone(),
        scope: export.scope.clone(),
        server_key: crate::history::hex_encode(&export.server_key),
        rosters: export.rosters.len() as u64,
        changes: total,
        signed: signed_count,
        devices: export.devices.len() as u64,
        findings,
    })
}

/// The export's manifests, each checked once, when a change first names it.
struct Manifests<'a> {
    listed: &'a [ExportedManifest],
    /// Per manifest: whether its signature held for the device that named it, and the
    /// hashes it lists.
    checked: HashMap<u32, (bool, HashSet<ChangeHash>)>,
}

impl<'a> Manifests<'a> {
    fn new(listed: &'a [ExportedManifest]) -> Self {
        Manifests {
            listed,
            checked: HashMap::new(),
        }
    }

    /// Whether manifest `index`, signed by `device` with `key`, vouches for change `hash`:
    /// `Ok` if it does, else the finding.
    fn vouches(
        &mut self,
        index: u32,
        device: &str,
        key: &PublicKey,
        hash: &ChangeHash,
    ) -> std::result::Result<(), FindingReason> {
        let Some(manifest) = self.listed.get(index as usize) else {
            return Err(FindingReason::NotInManifest);
        };
        // A manifest is one device's; a change of another device naming it is not vouched for.
        if manifest.device != device {
            return Err(FindingReason::BadSignature);
        }
        let (holds, hashes) = self.checked.entry(index).or_insert_with(|| {
            let holds = device.parse::<DeviceId>().is_ok_and(|device| {
                verify_manifest(key, &device, &manifest.hashes, &manifest.signature)
            });
            (holds, manifest.hashes.iter().copied().collect())
        });
        if !*holds {
            Err(FindingReason::BadSignature)
        } else if !hashes.contains(hash) {
            Err(FindingReason::NotInManifest)
        } else {
            Ok(())
        }
    }
}

/// Checks one roster's changes, appending findings; returns how many signatures held.
fn check_roster(
    roster: &super::ExportedRoster,
    devices: &BTreeMap<&str, &ExportedDevice>,
    manifests: &mut Manifests<'_>,
    findings: &mut Vec<Finding>,
    progress: &mut dyn FnMut(u64),
) -> u64 {
    // The genesis change is the same on every replica and no one's work, so the server does
    // not log it; it is rebuilt here from the roster's id, as every replica builds it.
    let genesis: Vec<ChangeHash> = roster
        .roster
        .parse::<RosterId>()
        .map(|id| Roster::genesis(&id).heads())
        .unwrap_or_default();
    let mut present: HashSet<ChangeHash> = genesis.iter().copied().collect();
    let mut seen: HashSet<ChangeHash> = HashSet::with_capacity(roster.changes.len());
    for change in &roster.changes {
        present.insert(change.hash);
    }
    let mut signed = 0;
    let finding = |change: &super::ExportedChange, reason: FindingReason| Finding {
        roster: roster.roster.clone(),
        change: Some(crate::history::encode_hash(&change.hash)),
        device: Some(change.device.clone()),
        reason,
    };
    for (index, change) in roster.changes.iter().enumerate() {
        if index % 1024 == 1023 {
            progress(1024);
        }
        if !seen.insert(change.hash) {
            findings.push(finding(change, FindingReason::Duplicate));
        }
        // A change that does not decode still counts as present for its dependents: it is
        // reported once, as tampered, rather than again through everything built on it.
        let info = inspect_change(&change.bytes).ok();
        let actual_hash = match &info {
            None => {
                findings.push(finding(change, FindingReason::Undecodable));
                change.hash
            }
            Some(info) => {
                // Automerge's checksum (bytes 4 to 8, after the magic) is the start of the
                // hash, but the hash is computed without it, so it is checked on its own.
                if change.bytes.get(4..8) != Some(&info.hash[..4]) {
                    findings.push(finding(change, FindingReason::ChecksumMismatch));
                }
                if info.hash != change.hash {
                    findings.push(finding(
                        change,
                        FindingReason::HashMismatch {
                            actual: crate::history::encode_hash(&info.hash),
                        },
                    ));
                }
                for dependency in &info.deps {
                    if !present.contains(dependency) {
                        findings.push(finding(
                            change,
                            FindingReason::MissingDependency {
                                dependency: crate::history::encode_hash(dependency),
                            },
                        ));
                    }
                }
                info.hash
            }
        };
        let Some(device) = devices.get(change.device.as_str()) else {
            findings.push(finding(change, FindingReason::UnknownDevice));
            continue;
        };
        if let Some(info) = &info
            && !actor_of_device(&info.actor, &device.actor)
        {
            findings.push(finding(change, FindingReason::ForeignActor));
        }
        match (&change.signature, change.manifest, &device.public_key) {
            (None, None, _) => findings.push(finding(change, FindingReason::Unsigned)),
            (_, _, None) => findings.push(finding(change, FindingReason::DeviceWithoutKey)),
            // The manifest must list what the bytes are, not just what the log claims.
            (None, Some(index), Some(key)) => {
                match manifests.vouches(index, &change.device, key, &actual_hash) {
                    Ok(()) => signed += 1,
                    Err(reason) => findings.push(finding(change, reason)),
                }
            }
            // The signature must cover what the bytes are, not just what the log claims.
            (Some(signature), _, Some(key)) => {
                let holds = change
                    .device
                    .parse::<DeviceId>()
                    .is_ok_and(|device_id| verify_change(key, &device_id, &actual_hash, signature));
                if holds {
                    signed += 1;
                } else {
                    findings.push(finding(change, FindingReason::BadSignature));
                }
            }
        }
    }
    progress(roster.changes.len() as u64 % 1024);
    for head in &roster.heads {
        if !present.contains(head) {
            findings.push(Finding {
                roster: roster.roster.clone(),
                change: Some(crate::history::encode_hash(head)),
                device: None,
                reason: FindingReason::MissingHead,
            });
        }
    }
    signed
}

/// The export's body, decoded, for tools that read more than the verdict (and for tests that
/// tamper with it).
pub fn read_export(file: &[u8]) -> Result<(AuditExport, SignedExport)> {
    let signed = SignedExport::decode(file)?;
    Ok((signed.export()?, signed))
}

/// Automerge's prefix of an actor derived from another for a change written at an earlier
/// version than the actor's last (`AutoCommit::isolate`): these four bytes, the level as
/// LEB128, then the base actor.
const DERIVED_ACTOR_MAGIC: [u8; 4] = [0x13, 0xb2, 0x23, 0x09];

/// Whether a change by `actor` may be attributed to a device whose actor is `device_actor`:
/// the same actor, or one Automerge derived from it. The server writes a change carried into
/// a volunteer's live entry (`model::lineage`) at the version the entry was created, so its
/// writer's actor comes back derived; the signature, not the actor, proves who sent it.
pub fn actor_of_device(actor: &[u8], device_actor: &[u8]) -> bool {
    if actor == device_actor {
        return true;
    }
    let Some(rest) = actor.strip_prefix(DERIVED_ACTOR_MAGIC.as_slice()) else {
        return false;
    };
    let mut reader = rest;
    leb128::read::unsigned(&mut reader).is_ok() && reader == device_actor
}
