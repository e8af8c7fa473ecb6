//! `mitan audit export`: the district's history as one self-contained, signed file that an
//! auditor checks offline with `mitan audit verify` (the file's format and the checks are the
//! core's, `mitan_core::provenance`).
//!
//! An export is not logged in the access log: it carries every change as the server holds it,
//! so personal fields are in it only as ciphertext, and no key is exported. The access log
//! records answers that show personal fields opened, which an export never does.

use std::collections::{BTreeMap, BTreeSet};

use mitan_core::model::{DeviceId, Roster, RosterId, UnitCode};
use mitan_core::provenance::{AuditExport, ExportedRoster};

use crate::audit::check_auditor;
use crate::error::{Error, Result};
use crate::store::{ServerStore, User};

/// What an export covers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportQuery {
    /// The unit whose beats are exported; the reader's own unit (the district, for an
    /// auditor) if absent.
    pub unit: Option<String>,
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportDone {
    /// The file's bytes.
    pub file: Vec<u8>,
    /// Rosters in it.
    pub rosters: u64,
    /// Changes in it.
    pub changes: u64,
    /// Changes without a signature (logged before signatures were).
    pub unsigned: u64,
}

/// Builds the export `query` asks for, read by `user` at `now_ms`, calling
/// `progress(done, total)` per roster.
pub fn export(
    store: &ServerStore,
    user: &User,
    query: &ExportQuery,
    now_ms: i64,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<ExportDone> {
    check_auditor(user)?;
    let unit: UnitCode = match query.unit.as_deref().filter(|text| !text.is_empty()) {
        None => user.unit.clone(),
        Some(text) => {
            let unit = crate::ops::parse_unit("unit", text)?;
            if store.unit_kind(&unit)?.is_none() {
                return Err(Error::NotFound {
                    what: "unit",
                    id: unit.to_string(),
                });
            }
            if !store.unit_is_within(&unit, &user.unit)? {
                return Err(Error::Forbidden {
                    reason: format!("{unit} is outside {}", user.unit),
                });
            }
            unit
        }
    };
    let beats = store.beats_within(&unit)?;
    let total = beats.len() as u64;
    let mut rosters = Vec::new();
    let mut devices: BTreeSet<DeviceId> = BTreeSet::new();
    let mut manifests = BTreeMap::new();
    for (index, beat) in beats.iter().enumerate() {
        progress(index as u64, total);
        let id: RosterId = beat.as_str().parse().map_err(|_| Error::Corrupt {
            what: "beat",
            reason: format!("{beat} is not a roster id"),
        })?;
        let changes = store.load_changes_for_export(&id, &mut manifests)?;
        // A beat nobody has synced has no history to vouch for.
        if changes.is_empty() {
            continue;
        }
        for change in &changes {
            devices.insert(change.device.parse().map_err(|_| Error::Corrupt {
                what: "change log",
                reason: format!("device id {:?} does not parse", change.device),
            })?);
        }
        // The heads as the server holds them: they name the newest changes, so removing one
        // from the file shows even though nothing depends on it.
        let parts = store.load_roster(&id)?;
        let mut roster =
            Roster::load(&id, parts.snapshot.as_deref(), &parts.changes).map_err(|error| {
                Error::Corrupt {
                    what: "roster",
                    reason: format!("{id}: {error}"),
                }
            })?;
        rosters.push(ExportedRoster {
            roster: id.to_string(),
            heads: roster.heads(),
            changes,
        });
    }
    progress(total, total);
    let server_key = store.load_server_key()?;
    let export = AuditExport {
        created_at_ms: now_ms,
        exported_by: user.badge.to_string(),
        scope: unit.to_string(),
        server_key: server_key.public(),
        devices: store.load_devices_for_export(&devices)?,
        rosters,
        manifests: store.load_manifests_for_export(&manifests)?,
    };
    let changes: u64 = export
        .rosters
        .iter()
        .map(|roster| roster.changes.len() as u64)
        .sum();
    let unsigned = export
        .rosters
        .iter()
        .flat_map(|roster| &roster.changes)
        .filter(|change| change.signature.is_none() && change.manifest.is_none())
        .count() as u64;
    Ok(ExportDone {
        rosters: export.rosters.len() as u64,
        changes,
        unsigned,
        file: export.encode(&server_key),
    })
}
