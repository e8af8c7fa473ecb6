//! Exports: a unit's roster as CSV, its private cameras with their owners as CSV, and
//! WhatsApp-ready lists (group lists in parts of at most 1,024 members, broadcast lists of at
//! most 256) of the unit's volunteers or of a group made by rule (`crate::groups`), as CSV or
//! as vCard 3.0 for a contacts import. Only verified people are exported unless the caller
//! asks for pending ones too; withdrawn people only on request, and never into a WhatsApp list
//! (they have no number on record). Rejected, duplicate and moved entries are never exported.
//! Every export is logged with who took it, in the export log and in the access log
//! (`crate::access`).

pub mod cell;
pub mod vcard;

use std::collections::BTreeMap;

use clap::{Args, ValueEnum};
use mitan_core::model::{CameraOwner, UnitCode};
use serde::{Deserialize, Serialize};

use crate::access::{AccessKind, Reader};
use crate::error::{Error, Problem, Result};
use crate::ops::{Permission, Policy};
use crate::store::{CameraRow, ExportRow, ExportTaken, ServerStore, User};

/// WhatsApp's cap on a group's members.
pub const GROUP_LIMIT: u32 = 1_024;
/// WhatsApp's cap on a broadcast list's contacts.
pub const BROADCAST_LIMIT: u32 = 256;

/// Export a unit's volunteers: the roster as CSV, or WhatsApp-ready group (at most 1,024) and
/// broadcast (at most 256) lists as CSV or vCard; logged with who took it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Args, utoipa::ToSchema)]
#[group(skip)]
pub struct ExportQuery {
    /// The unit (any level) whose volunteers are exported.
    #[arg(long)]
    pub unit: String,
    /// Only this programme.
    #[serde(default)]
    #[arg(long)]
    pub programme: Option<String>,
    /// `roster` (every field, CSV; the default), `group` or `broadcast`.
    #[serde(default)]
    #[arg(long, value_enum)]
    pub kind: Option<ExportKind>,
    /// `csv` (the default) or `vcard` (lists only).
    #[serde(default)]
    #[arg(long, value_enum)]
    pub format: Option<ExportFormat>,
    /// Include people not yet verified.
    #[serde(default)]
    #[arg(long)]
    pub include_unverified: bool,
    /// Include people who withdrew (roster exports only; their personal fields are blank).
    #[serde(default)]
    #[arg(long)]
    pub include_withdrawn: bool,
    /// Only this part of a list (1-based); every part, one after another, if absent. The
    /// command line writes every part, each to a file of its own.
    #[serde(default)]
    #[arg(skip)]
    pub part: Option<u32>,
    /// Members per part, at most the WhatsApp cap (the cap if absent).
    #[serde(default)]
    #[arg(long)]
    pub part_size: Option<u32>,
    /// A group of `unit` made by rule (`mitan admin define-group`): its members instead of
    /// the unit's volunteers, as a group list unless `kind` says broadcast.
    #[serde(default)]
    #[arg(long)]
    pub group: Option<String>,
}

/// The kind of export.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ValueEnum, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum ExportKind {
    /// Every field of every volunteer, CSV.
    #[default]
    Roster,
    /// A WhatsApp group list.
    Group,
    /// A WhatsApp broadcast list.
    Broadcast,
    /// The unit's private CCTV cameras (the Trinayan register), CSV: place, direction,
    /// coverage, recording days and owner. Removed cameras only with `include_withdrawn`,
    /// without their owner.
    Cameras,
}

/// The file format of an export.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ValueEnum, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// Comma-separated values, with a header row.
    #[default]
    Csv,
    /// vCard 3.0 contacts, for a phone's contacts import (group and broadcast lists only).
    Vcard,
}

impl ExportKind {
    /// As a request spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            ExportKind::Roster => "roster",
            ExportKind::Group => "group",
            ExportKind::Broadcast => "broadcast",
            ExportKind::Cameras => "cameras",
        }
    }
}

/// A file ready to hand over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    /// Its media type.
    pub content_type: &'static str,
    /// A file name for `Content-Disposition`.
    pub filename: String,
    /// The content.
    pub body: String,
    /// People in it.
    pub rows: u64,
    /// Parts the whole list has (1 for a roster export).
    pub parts: u32,
}

fn display_name(row: &ExportRow) -> String {
    match (&row.name_devanagari, &row.name_latin) {
        (Some(deva), Some(latin)) => format!("{deva} ({latin})"),
        (Some(name), None) | (None, Some(name)) => name.clone(),
        (None, None) => String::new(),
    }
}

/// An export checked against the caller's rights and read from the store, not yet written
/// into a file or logged.
struct Selection {
    kind: ExportKind,
    vcard: bool,
    unit: UnitCode,
    programme: Option<String>,
    stem: String,
    rows: Vec<ExportRow>,
    /// The cameras of a camera export (empty for the other kinds).
    cameras: Vec<CameraRow>,
    /// Their owners, by camera id, opened from the rosters (removed cameras have none).
    owners: BTreeMap<String, CameraOwner>,
    /// Members per part of a list, never 0.
    part_size: usize,
}

/// The members of one part of a list, with the part's number.
type Part<'a> = (u32, &'a [&'a ExportRow]);

/// A group's member as a row of a list.
fn member_row(member: crate::groups::Member) -> ExportRow {
    ExportRow {
        id: member.id,
        beat: member.unit,
        station: String::new(),
        village: member.village,
        status: String::new(),
        gender: String::new(),
        name_devanagari: Some(member.name),
        name_latin: None,
        phone: Some(member.phone),
        household: None,
        programmes: member.detail,
        enrolled_by: String::new(),
        enrolled_at_ms: 0,
        trained_by: None,
    }
}

fn select(store: &ServerStore, user: &User, query: &ExportQuery, now_ms: i64) -> Result<Selection> {
    Policy::check_role(user, Permission::Export)?;
    let group = query.group();
    let kind = match (query.kind, group) {
        (Some(ExportKind::Roster | ExportKind::Cameras), Some(_)) => {
            return Err(Error::invalid(
                "kind",
                Problem::unreadable(
                    query.kind.unwrap_or_default().as_str(),
                    "the kind of a group's export (group or broadcast)",
                ),
            ));
        }
        _ => query.kind_taken(),
    };
    let vcard = match query.format.unwrap_or_default() {
        ExportFormat::Csv => false,
        ExportFormat::Vcard if kind.is_list() => true,
        ExportFormat::Vcard => {
            return Err(Error::invalid(
                "format",
                Problem::unreadable("vcard", "a format of a roster or camera export (csv)"),
            ));
        }
    };
    let unit = crate::ops::parse_unit("unit", &query.unit)?;
    if store.unit_kind(&unit)?.is_none() {
        return Err(Error::NotFound {
            what: "unit",
            id: unit.to_string(),
        });
    }
    Policy::check(store, user, Permission::Export, Some(&unit))?;
    let programme = query
        .programme
        .as_deref()
        .filter(|text| !text.is_empty())
        .map(|text| {
            text.parse::<mitan_core::model::Programme>()
                .map(|programme| programme.to_string())
                .map_err(|_| {
                    Error::invalid("programme", Problem::unreadable(text, "a programme code"))
                })
        })
        .transpose()?;
    // A group's rules say whom it holds, and cameras have no programme or review: a filter
    // that would be silently ignored is refused instead.
    if group.is_some() || kind == ExportKind::Cameras {
        let what = if group.is_some() {
            "a filter of a group's export (its rules choose whom it holds)"
        } else {
            "a filter of a camera export"
        };
        if programme.is_some() {
            return Err(Error::invalid(
                "programme",
                Problem::unreadable(query.programme.as_deref().unwrap_or(""), what),
            ));
        }
        if query.include_unverified {
            return Err(Error::invalid(
                "include_unverified",
                Problem::unreadable("true", what),
            ));
        }
    }
    let part_size = match kind {
        // A roster is one file, never cut into parts.
        ExportKind::Roster | ExportKind::Cameras => u32::MAX,
        ExportKind::Group | ExportKind::Broadcast => {
            let cap = if kind == ExportKind::Group {
                GROUP_LIMIT
            } else {
                BROADCAST_LIMIT
            };
            let part_size = query.part_size.unwrap_or(cap);
            if part_size == 0 || part_size > cap {
                return Err(Error::invalid(
                    "part_size",
                    Problem::OutOfRange {
                        min: 1,
                        max: cap as u64,
                        of: "people",
                    },
                ));
            }
            part_size
        }
    };
    let mut statuses = vec!["verified"];
    if query.include_unverified {
        statuses.push("pending");
    }
    if query.include_withdrawn && kind == ExportKind::Roster {
        statuses.push("withdrawn");
    }
    let beats: Vec<String> = store
        .beats_within(&unit)?
        .iter()
        .map(ToString::to_string)
        .collect();
    let (rows, cameras, owners) = if let Some(code) = group {
        let stored = crate::groups::group_for(store, user, &unit, code, Permission::Export)?;
        let tree = crate::reports::Tree::load(store)?;
        let members = crate::groups::members(store, &tree, &stored, now_ms)?.members;
        let rows = members.into_iter().map(member_row).collect();
        (rows, Vec::new(), BTreeMap::new())
    } else if kind == ExportKind::Cameras {
        let cameras: Vec<CameraRow> = store
            .cameras_in(Some(&beats))?
            .into_iter()
            .filter(|camera| camera.removed.is_none() || query.include_withdrawn)
            .collect();
        // Owners are opened from the rosters, so only the beats that hold a camera on the
        // register are loaded, not every beat of the unit.
        let mut holding: Vec<String> = cameras
            .iter()
            .filter(|camera| camera.removed.is_none())
            .map(|camera| camera.beat.clone())
            .collect();
        holding.dedup();
        let owners = store.camera_owners(&holding)?;
        (Vec::new(), cameras, owners)
    } else {
        (
            store.export_rows(&beats, &statuses, programme.as_deref())?,
            Vec::new(),
            BTreeMap::new(),
        )
    };
    let stem = match (&programme, kind) {
        _ if group.is_some() => format!("{unit}-{}", group.unwrap_or_default()),
        (_, ExportKind::Cameras) => format!("{unit}-cameras"),
        (Some(programme), _) => format!("{unit}-{programme}"),
        (None, _) => unit.to_string(),
    };
    Ok(Selection {
        kind,
        vcard,
        unit,
        programme,
        stem,
        rows,
        cameras,
        owners,
        part_size: part_size as usize,
    })
}

impl ExportQuery {
    /// The group asked for, if any.
    fn group(&self) -> Option<&str> {
        self.group.as_deref().filter(|code| !code.is_empty())
    }

    /// The kind of export this takes: the one asked for, or else a group list for a group
    /// and a roster otherwise.
    pub fn kind_taken(&self) -> ExportKind {
        match (self.kind, self.group()) {
            (Some(kind), _) => kind,
            (None, Some(_)) => ExportKind::Group,
            (None, None) => ExportKind::Roster,
        }
    }
}

impl ExportKind {
    /// Whether it is a WhatsApp list, cut into parts (each a file of its own on the command
    /// line) and offered as vCard too.
    pub fn is_list(self) -> bool {
        matches!(self, ExportKind::Group | ExportKind::Broadcast)
    }
}

impl Selection {
    fn roster_file(&self) -> Result<Export> {
        if self.kind == ExportKind::Cameras {
            return Ok(Export {
                content_type: "text/csv; charset=utf-8",
                filename: format!("{}.csv", self.stem),
                body: cameras_csv(&self.cameras, &self.owners)?,
                rows: self.cameras.len() as u64,
                parts: 1,
            });
        }
        Ok(Export {
            content_type: "text/csv; charset=utf-8",
            filename: format!("{}.csv", self.stem),
            body: roster_csv(&self.rows)?,
            rows: self.rows.len() as u64,
            parts: 1,
        })
    }

    /// The people of a list, one entry per number: a person enrolled twice is still one
    /// contact.
    fn contacts(&self) -> Vec<&ExportRow> {
        let mut seen = std::collections::HashSet::new();
        self.rows
            .iter()
            .filter(|row| {
                row.phone
                    .as_ref()
                    .is_some_and(|phone| seen.insert(phone.clone()))
            })
            .collect()
    }

    /// The parts asked for (every part unless `part` names one), and how many the list has.
    fn parts<'a>(
        &self,
        contacts: &'a [&'a ExportRow],
        part: Option<u32>,
    ) -> Result<(Vec<Part<'a>>, u32)> {
        let parts: Vec<&[&ExportRow]> = contacts.chunks(self.part_size).collect();
        let total = u32::try_from(parts.len()).unwrap_or(u32::MAX).max(1);
        let chosen = match part {
            Some(part) if part == 0 || part > total => {
                return Err(Error::invalid(
                    "part",
                    Problem::OutOfRange {
                        min: 1,
                        max: total as u64,
                        of: "parts",
                    },
                ));
            }
            Some(part) => vec![(part, parts.get(part as usize - 1).copied().unwrap_or(&[]))],
            None => (1..).zip(parts.iter().copied()).collect(),
        };
        Ok((chosen, total))
    }

    fn list_file(&self, chosen: &[Part<'_>], total: u32, suffix: &str) -> Result<Export> {
        let kind = self.kind.as_str();
        let list_name = format!("Mitan {} {kind}", self.stem);
        let count: usize = chosen.iter().map(|(_, members)| members.len()).sum();
        Ok(if self.vcard {
            Export {
                content_type: "text/vcard; charset=utf-8",
                filename: format!("{}-{kind}{suffix}.vcf", self.stem),
                body: vcard::cards(&list_name, chosen),
                rows: count as u64,
                parts: total,
            }
        } else {
            Export {
                content_type: "text/csv; charset=utf-8",
                filename: format!("{}-{kind}{suffix}.csv", self.stem),
                body: list_csv(chosen)?,
                rows: count as u64,
                parts: total,
            }
        })
    }

    /// The export's filters as the access log records them.
    fn access_query(&self, query: &ExportQuery) -> String {
        let mut filters = vec![
            format!("kind={}", self.kind.as_str()),
            format!("format={}", if self.vcard { "vcard" } else { "csv" }),
        ];
        if let Some(programme) = &self.programme {
            filters.push(format!("programme={programme}"));
        }
        if query.include_unverified {
            filters.push("include_unverified=true".to_owned());
        }
        if query.include_withdrawn {
            filters.push("include_withdrawn=true".to_owned());
        }
        if let Some(part) = query.part {
            filters.push(format!("part={part}"));
        }
        if let Some(group) = &query.group {
            filters.push(format!("group={group}"));
        }
        filters.join("&")
    }

    fn save_log(
        &self,
        store: &mut ServerStore,
        user: &User,
        requested_via: &str,
        query: &ExportQuery,
        rows: u64,
        now_ms: i64,
    ) -> Result<()> {
        // A withdrawn person's row in a roster export has blank personal fields, so only the
        // others count as read; every member of a list has at least a number; a camera
        // export reads the owners still on record.
        let volunteers = if self.kind == ExportKind::Cameras {
            self.cameras
                .iter()
                .filter(|camera| self.owners.contains_key(&camera.id))
                .count() as u64
        } else if self.kind == ExportKind::Roster {
            self.rows
                .iter()
                .filter(|row| {
                    row.name_devanagari.is_some()
                        || row.name_latin.is_some()
                        || row.phone.is_some()
                        || row.household.is_some()
                })
                .count() as u64
        } else {
            rows
        };
        let reader = Reader {
            user,
            via: requested_via,
        };
        let access = reader.read(
            AccessKind::Export,
            self.unit.to_string(),
            self.access_query(query),
            volunteers,
        );
        store.save_export_log(
            &ExportTaken {
                badge: user.badge.to_string(),
                role: user.role.to_string(),
                requested_via: requested_via.to_owned(),
                kind: self.kind.as_str().to_owned(),
                format: if self.vcard { "vcard" } else { "csv" }.to_owned(),
                unit: self.unit.to_string(),
                programme: self.programme.clone(),
                include_unverified: query.include_unverified,
                include_withdrawn: query.include_withdrawn,
                part: query.part,
                rows,
            },
            &access,
            now_ms,
        )?;
        tracing::info!(
            by = %user.badge,
            via = requested_via,
            unit = %self.unit,
            kind = self.kind.as_str(),
            rows,
            "export taken"
        );
        Ok(())
    }
}

/// Makes an export for `user` as one file (every part of a list in it unless `query.part`
/// names one) and logs it.
pub fn export(
    store: &mut ServerStore,
    user: &User,
    requested_via: &str,
    query: &ExportQuery,
    now_ms: i64,
) -> Result<Export> {
    let selection = select(store, user, query, now_ms)?;
    let export = if !selection.kind.is_list() {
        selection.roster_file()?
    } else {
        let contacts = selection.contacts();
        let (chosen, total) = selection.parts(&contacts, query.part)?;
        let suffix = query
            .part
            .map_or(String::new(), |part| format!("-part{part}"));
        selection.list_file(&chosen, total, &suffix)?
    };
    selection.save_log(store, user, requested_via, query, export.rows, now_ms)?;
    Ok(export)
}

/// Makes an export for `user` as separate files, a roster as one and a list as one per part
/// (each a group or broadcast list of its own), and logs it once.
///
/// An empty list still gives one file, holding only the header, so that whoever runs the
/// export sees that nobody matched rather than wondering whether anything ran.
pub fn export_files(
    store: &mut ServerStore,
    user: &User,
    requested_via: &str,
    query: &ExportQuery,
    now_ms: i64,
) -> Result<Vec<Export>> {
    let selection = select(store, user, query, now_ms)?;
    let files = if !selection.kind.is_list() {
        vec![selection.roster_file()?]
    } else {
        let contacts = selection.contacts();
        let (mut chosen, total) = selection.parts(&contacts, query.part)?;
        if chosen.is_empty() {
            chosen.push((1, &[]));
        }
        chosen
            .iter()
            .map(|part| selection.list_file(&[*part], total, &format!("-part{}", part.0)))
            .collect::<Result<Vec<_>>>()?
    };
    let rows = files.iter().map(|file| file.rows).sum();
    selection.save_log(store, user, requested_via, query, rows, now_ms)?;
    Ok(files)
}

fn csv_error(error: impl std::fmt::Display) -> Error {
    Error::Worker(format!("csv: {error}"))
}

fn finish(writer: csv::Writer<Vec<u8>>) -> Result<String> {
    let bytes = writer.into_inner().map_err(csv_error)?;
    String::from_utf8(bytes).map_err(csv_error)
}

fn roster_csv(rows: &[ExportRow]) -> Result<String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record([
            "volunteer_id",
            "name_devanagari",
            "name_latin",
            "phone",
            "gender",
            "household",
            "village_lgd",
            "beat",
            "station",
            "status",
            "programmes",
            "enrolled_by",
            "enrolled_at_ms",
            "enrolled_at_ist",
            "trained_by",
        ])
        .map_err(csv_error)?;
    for row in rows {
        cell::write_row(
            &mut writer,
            &[
                row.id.as_str(),
                row.name_devanagari.as_deref().unwrap_or_default(),
                row.name_latin.as_deref().unwrap_or_default(),
                row.phone.as_deref().unwrap_or_default(),
                row.gender.as_str(),
                row.household.as_deref().unwrap_or_default(),
                row.village.as_str(),
                row.beat.as_str(),
                row.station.as_str(),
                row.status.as_str(),
                row.programmes.as_str(),
                row.enrolled_by.as_str(),
                &row.enrolled_at_ms.to_string(),
                &crate::ist::date_time(row.enrolled_at_ms),
                row.trained_by.as_deref().unwrap_or_default(),
            ],
        )
        .map_err(csv_error)?;
    }
    finish(writer)
}

fn cameras_csv(cameras: &[CameraRow], owners: &BTreeMap<String, CameraOwner>) -> Result<String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record([
            "camera_id",
            "beat",
            "village_lgd",
            "latitude",
            "longitude",
            "direction",
            "coverage",
            "recording_days",
            "owner_name",
            "owner_phone",
            "registered_at_ist",
            "removed",
            "removed_at_ist",
        ])
        .map_err(csv_error)?;
    for camera in cameras {
        let owner = owners.get(&camera.id);
        cell::write_row(
            &mut writer,
            &[
                camera.id.as_str(),
                camera.beat.as_str(),
                camera.village.as_str(),
                &format!("{:.6}", camera.latitude),
                &format!("{:.6}", camera.longitude),
                camera.direction.as_deref().unwrap_or_default(),
                camera.coverage.as_str(),
                &camera
                    .recording_days
                    .map(|days| days.to_string())
                    .unwrap_or_default(),
                owner.map_or("", |owner| owner.name.as_str()),
                owner.map_or("", |owner| owner.phone.as_str()),
                &crate::ist::date_time(camera.registered_at_ms),
                camera.removed.as_deref().unwrap_or_default(),
                &camera
                    .removed_at_ms
                    .map(crate::ist::date_time)
                    .unwrap_or_default(),
            ],
        )
        .map_err(csv_error)?;
    }
    finish(writer)
}

fn list_csv(parts: &[(u32, &[&ExportRow])]) -> Result<String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record([
            "part",
            "name",
            "phone",
            "beat",
            "village_lgd",
            "volunteer_id",
        ])
        .map_err(csv_error)?;
    for (part, members) in parts {
        for row in *members {
            cell::write_row(
                &mut writer,
                &[
                    part.to_string().as_str(),
                    &display_name(row),
                    row.phone.as_deref().unwrap_or_default(),
                    &row.beat,
                    &row.village,
                    &row.id,
                ],
            )
            .map_err(csv_error)?;
        }
    }
    finish(writer)
}

/// A line of the export log, as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ExportLogLine {
    /// Sequence number; pass as `before` to page back.
    pub seq: i64,
    /// Who took it.
    pub badge: String,
    /// Their role.
    pub role: String,
    /// The device the request came from, or `cli`.
    pub requested_via: String,
    /// `roster`, `group` or `broadcast`.
    pub kind: String,
    /// `csv` or `vcard`.
    pub format: String,
    /// The unit.
    pub unit: String,
    /// The programme.
    pub programme: Option<String>,
    /// Whether pending people were included.
    pub include_unverified: bool,
    /// Whether withdrawn people were included.
    pub include_withdrawn: bool,
    /// The part taken.
    pub part: Option<u32>,
    /// People in it.
    pub rows: u64,
    /// When, by the server clock.
    pub at_ms: i64,
}

/// `GET /v1/exports/log`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ExportLog {
    /// Newest first.
    pub exports: Vec<ExportLogLine>,
}

/// Who took which export, and when: newest first, for auditors and district admins.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Args, utoipa::ToSchema)]
#[group(skip)]
pub struct ExportLogQuery {
    /// At most this many lines (100 if absent, at most 1,000).
    #[serde(default)]
    #[arg(long)]
    pub limit: Option<u32>,
    /// Only lines older than this sequence number: the `seq` of the last line of the previous
    /// page.
    #[serde(default)]
    #[arg(long)]
    pub before: Option<i64>,
}

/// The export log, for auditors and district admins.
pub fn log(store: &ServerStore, user: &User, query: &ExportLogQuery) -> Result<ExportLog> {
    Policy::check_role(user, Permission::Audit)?;
    let limit = query.limit.unwrap_or(100).clamp(1, 1_000);
    let exports = store
        .load_export_log(limit, query.before)?
        .into_iter()
        .map(|entry| ExportLogLine {
            seq: entry.seq,
            badge: entry.taken.badge,
            role: entry.taken.role,
            requested_via: entry.taken.requested_via,
            kind: entry.taken.kind,
            format: entry.taken.format,
            unit: entry.taken.unit,
            programme: entry.taken.programme,
            include_unverified: entry.taken.include_unverified,
            include_withdrawn: entry.taken.include_withdrawn,
            part: entry.taken.part,
            rows: entry.taken.rows,
            at_ms: entry.at_ms,
        })
        .collect();
    Ok(ExportLog { exports })
}
