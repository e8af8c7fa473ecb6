//! Private CCTV cameras per unit (Durg's Trinayan register): how many each beat, station and
//! unit above has on the register, how many of its villages they cover, and every camera with
//! where it stands, for the map. No owner appears here: owners are in the logged export only.

use std::collections::{BTreeMap, BTreeSet};

use clap::Args;
use serde::{Deserialize, Serialize};

use super::{Scope, Tree, percent};
use crate::error::{Error, Result};
use crate::ist;
use crate::ops::{Permission, Policy};
use crate::store::{CameraRow, ServerStore, User};

/// `GET /v1/reports/cameras` and `mitan report cameras`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Args, utoipa::ToSchema)]
#[group(skip)]
pub struct CameraQuery {
    /// Only this unit and the units under it (a beat lists its cameras one by one); every
    /// unit in reach if absent.
    #[serde(default)]
    #[arg(long)]
    pub unit: Option<String>,
}

/// `GET /v1/reports/cameras`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CameraReport {
    /// Every unit above the villages, depth first: each unit before those under it.
    pub units: Vec<CameraUnit>,
    /// Every camera of the units, removed ones last, each with where it stands.
    pub cameras: Vec<CameraEntry>,
}

/// One unit's cameras.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CameraUnit {
    /// Unit code.
    pub code: String,
    /// `district`, `circle`, `station`, `outpost` or `beat`.
    pub kind: String,
    /// Hindi name.
    pub name_hi: String,
    /// English name.
    pub name_en: String,
    /// Steps below the first unit shown.
    pub depth: u32,
    /// Cameras on the register.
    pub cameras: u64,
    /// Cameras taken off it.
    pub removed: u64,
    /// Villages the hierarchy lists under the unit.
    pub villages: u64,
    /// Of them, villages with at least one camera on the register.
    pub villages_covered: u64,
    /// Covered villages as a percentage of the listed ones, when any are listed.
    pub percent: Option<f64>,
}

/// One camera, without its owner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CameraEntry {
    /// Camera id.
    pub id: String,
    /// Its beat.
    pub beat: String,
    /// The village's LGD code.
    pub village_lgd: String,
    /// The village's Hindi name, if the hierarchy lists it.
    pub village_hi: Option<String>,
    /// The village's English name.
    pub village_en: Option<String>,
    /// Latitude in decimal degrees.
    pub latitude: f64,
    /// Longitude in decimal degrees.
    pub longitude: f64,
    /// Which way it looks (`n`, `ne`, …), when recorded.
    pub direction: Option<String>,
    /// What it covers.
    pub coverage: String,
    /// Days of footage its recorder keeps, when recorded.
    pub recording_days: Option<u16>,
    /// The day it was registered, India time (the registering phone's clock).
    pub registered_on: String,
    /// Why it was removed, once it was.
    pub removed: Option<String>,
    /// The day it was removed, India time.
    pub removed_on: Option<String>,
}

/// Cameras per unit in `user`'s reach, or under `query.unit`.
pub fn cameras(store: &ServerStore, user: &User, query: &CameraQuery) -> Result<CameraReport> {
    let tree = Tree::load(store)?;
    let scope = Scope::of(user, &tree);
    let top: Vec<String> = match query.unit.as_deref().filter(|unit| !unit.is_empty()) {
        Some(text) => {
            let unit = crate::ops::parse_unit("unit", text)?;
            if !tree.units.contains_key(unit.as_str()) {
                return Err(Error::NotFound {
                    what: "unit",
                    id: unit.to_string(),
                });
            }
            Policy::check(store, user, Permission::ReadCounts, Some(&unit))?;
            tree.subtree(unit.as_str())
        }
        None => scope.units.clone(),
    };
    let shown: Vec<&String> = top
        .iter()
        .filter(|code| tree.kind(code).is_some_and(|kind| kind != "village"))
        .collect();
    let shown_set: BTreeSet<&str> = shown.iter().map(|code| code.as_str()).collect();
    let beats: Vec<String> = shown
        .iter()
        .filter(|code| tree.kind(code) == Some("beat") && scope.has_beat(code))
        .map(|code| (*code).clone())
        .collect();
    let rows = store.cameras_in(Some(&beats))?;

    // A village unit by its LGD code, for names and for coverage.
    let villages_by_lgd: BTreeMap<&str, &String> = tree
        .units
        .values()
        .filter(|unit| unit.kind == "village")
        .filter_map(|unit| unit.lgd_code.as_deref().map(|lgd| (lgd, &unit.code)))
        .collect();
    let mut live: BTreeMap<&str, u64> = BTreeMap::new();
    let mut removed: BTreeMap<&str, u64> = BTreeMap::new();
    let mut covered: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
    for row in &rows {
        let counts = if row.removed.is_some() {
            &mut removed
        } else {
            &mut live
        };
        *counts.entry(row.beat.as_str()).or_default() += 1;
        if row.removed.is_none() {
            for unit in tree.up_from(&row.beat) {
                covered
                    .entry(unit)
                    .or_default()
                    .insert(row.village.as_str());
            }
        }
    }
    let first_depth = shown
        .first()
        .map_or(0, |code| tree.up_from(code).len() as u32);
    let units = shown
        .iter()
        .map(|code| {
            let unit = &tree.units[code.as_str()];
            let under = tree.subtree(code);
            let sum = |counts: &BTreeMap<&str, u64>| -> u64 {
                under
                    .iter()
                    .filter_map(|code| counts.get(code.as_str()))
                    .sum()
            };
            let listed: BTreeSet<&str> = under
                .iter()
                .filter_map(|code| tree.units.get(code))
                .filter(|unit| unit.kind == "village")
                .filter_map(|unit| unit.lgd_code.as_deref())
                .collect();
            let villages_covered = covered
                .get(code.as_str())
                .map_or(0, |villages| villages.intersection(&listed).count())
                as u64;
            CameraUnit {
                code: unit.code.clone(),
                kind: unit.kind.clone(),
                name_hi: unit.name_hi.clone(),
                name_en: unit.name_en.clone(),
                depth: (tree.up_from(code).len() as u32).saturating_sub(first_depth),
                cameras: sum(&live),
                removed: sum(&removed),
                villages: listed.len() as u64,
                villages_covered,
                percent: percent(villages_covered, listed.len() as u64),
            }
        })
        .collect();
    let mut cameras: Vec<CameraEntry> = rows
        .iter()
        .filter(|row| shown_set.contains(row.beat.as_str()))
        .map(|row| entry(row, villages_by_lgd.get(row.village.as_str()), &tree))
        .collect();
    cameras.sort_by_key(|camera| camera.removed.is_some());
    Ok(CameraReport { units, cameras })
}

fn entry(row: &CameraRow, village: Option<&&String>, tree: &Tree) -> CameraEntry {
    let village = village.and_then(|code| tree.units.get(code.as_str()));
    CameraEntry {
        id: row.id.clone(),
        beat: row.beat.clone(),
        village_lgd: row.village.clone(),
        village_hi: village.map(|unit| unit.name_hi.clone()),
        village_en: village.map(|unit| unit.name_en.clone()),
        latitude: row.latitude,
        longitude: row.longitude,
        direction: row.direction.clone(),
        coverage: row.coverage.clone(),
        recording_days: row.recording_days,
        registered_on: ist::date(row.registered_at_ms),
        removed: row.removed.clone(),
        removed_on: row.removed_at_ms.map(ist::date),
    }
}
