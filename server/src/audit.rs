//! Auditors replay the merge history: every change of the district's rosters with its author
//! (badge and role), device, device clock and server receipt time, field by field; any roster
//! as it stood at a past moment; and the difference between two moments.
//!
//! The reading itself is the core's (`mitan_core::history`); this module picks the rosters a
//! query reaches, loads them with the district's keys and receipt times, checks who may ask,
//! and says which answers carry personal fields, so that the HTTP handlers and
//! `mitan audit` log them in the access log before answering.

use std::collections::{BTreeMap, BTreeSet};

use clap::{ArgGroup, Args, ValueEnum};
use mitan_core::history::{
    self, Clock, History, HistoryEntry, HistoryFilter, Point, RosterDiff, RosterState,
};
use mitan_core::model::sealed::NoKeys;
use mitan_core::model::{
    BadgeNumber, CameraId, DeviceId, EntryId, Roster, RosterId, UnitCode, UnitKind, VolunteerId,
};
use serde::{Deserialize, Serialize};

mod record;

pub use record::{RecordQuery, VolunteerRecord, volunteer_record};

use crate::access::{AccessKind, Reader};
use crate::error::{Error, Problem, Result};
use crate::ops::{Permission, Policy};
use crate::store::{AccessRead, ServerStore, User};

/// The most history entries one page holds.
pub const MAX_PAGE: u32 = 1_000;

/// `GET /v1/audit/history` and `mitan audit history`. One of `roster`, `unit`, `volunteer`
/// or `camera` says whose history; the rest filter it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Args, utoipa::ToSchema)]
#[group(skip)]
#[command(group(ArgGroup::new("whose").required(true).args(["roster", "unit", "volunteer", "camera"])))]
pub struct HistoryQuery {
    /// One roster (a beat code).
    #[serde(default)]
    #[arg(long)]
    #[schema(value_type = Option<String>)]
    pub roster: Option<RosterId>,
    /// Every roster under a unit (station, circle, district, …).
    #[serde(default)]
    #[arg(long)]
    #[schema(value_type = Option<String>)]
    pub unit: Option<UnitCode>,
    /// One volunteer, across every roster that holds their changes.
    #[serde(default)]
    #[arg(long)]
    #[schema(value_type = Option<String>)]
    pub volunteer: Option<VolunteerId>,
    /// One private camera: its registration and removal.
    #[serde(default)]
    #[arg(long)]
    #[schema(value_type = Option<String>)]
    pub camera: Option<CameraId>,
    /// Only changes by this badge.
    #[serde(default)]
    #[arg(long)]
    #[schema(value_type = Option<String>)]
    pub badge: Option<BadgeNumber>,
    /// Only changes made on this device.
    #[serde(default)]
    #[arg(long)]
    #[schema(value_type = Option<String>)]
    pub device: Option<DeviceId>,
    /// Only changes at or after this time (ms since the epoch; on the command line also India
    /// time, e.g. 2026-12-07 14:05).
    #[serde(default)]
    #[arg(long, alias = "from", value_parser = crate::ist::moment_arg)]
    pub from_ms: Option<i64>,
    /// Only changes before this time.
    #[serde(default)]
    #[arg(long, alias = "to", value_parser = crate::ist::moment_arg)]
    pub to_ms: Option<i64>,
    /// The clock of the time range: `server` (receipt time, the default) or `device` (the
    /// device's claim).
    #[serde(default)]
    #[arg(long, value_enum)]
    pub clock: Option<ClockName>,
    /// At most this many entries (100 if absent, at most 1,000).
    #[serde(default)]
    #[arg(long)]
    pub limit: Option<u32>,
    /// Skip this many matching entries (the next page).
    #[serde(default)]
    #[arg(long)]
    pub offset: Option<u64>,
}

/// One change in a history page, with the roster it belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditEntry {
    /// The roster.
    pub roster: String,
    /// The change: its hash, author, device, times and the fields it wrote.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub change: HistoryEntry,
}

/// A page of history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HistoryPage {
    /// The rosters read.
    pub rosters: Vec<String>,
    /// How many changes matched, across pages.
    pub total: u64,
    /// This page's changes: by server receipt time, then in each roster's causal order.
    pub entries: Vec<AuditEntry>,
    /// Pass as `offset` for the next page; absent on the last page.
    pub next_offset: Option<u64>,
}

/// `GET /v1/audit/state` and `mitan audit state`: a roster at a change or a time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Args, utoipa::ToSchema)]
#[group(skip)]
pub struct StateQuery {
    /// The roster (a beat code).
    #[arg(long)]
    #[schema(value_type = String)]
    pub roster: RosterId,
    /// The moment, ms since the epoch (on the command line also India time); the latest
    /// state if neither this nor `change`.
    #[serde(default)]
    #[arg(long, conflicts_with = "change", alias = "at", value_parser = crate::ist::moment_arg)]
    pub at_ms: Option<i64>,
    /// A change hash (hex): the roster just after it.
    #[serde(default)]
    #[arg(long)]
    pub change: Option<String>,
    /// The clock `at_ms` is read on: `server` (the default) or `device`.
    #[serde(default)]
    #[arg(long, value_enum)]
    pub clock: Option<ClockName>,
}

/// A roster at one moment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditState {
    /// The roster.
    pub roster: String,
    /// Its state: the moment, and every entry as it stood then.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub state: RosterState,
}

/// `GET /v1/audit/diff` and `mitan audit diff`: what changed between two moments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Args, utoipa::ToSchema)]
#[group(skip)]
pub struct DiffQuery {
    /// The roster (a beat code).
    #[arg(long)]
    #[schema(value_type = String)]
    pub roster: RosterId,
    /// The first moment, ms since the epoch (on the command line also India time), or
    /// `from_change`.
    #[serde(default)]
    #[arg(long, conflicts_with = "from_change", required_unless_present = "from_change",
          alias = "from", value_parser = crate::ist::moment_arg)]
    pub from_ms: Option<i64>,
    /// The first moment as a change hash.
    #[serde(default)]
    #[arg(long)]
    pub from_change: Option<String>,
    /// The second moment, ms since the epoch (or `to_change`; the latest if neither).
    #[serde(default)]
    #[arg(long, conflicts_with = "to_change", alias = "to", value_parser = crate::ist::moment_arg)]
    pub to_ms: Option<i64>,
    /// The second moment as a change hash.
    #[serde(default)]
    #[arg(long)]
    pub to_change: Option<String>,
    /// The clock the times are read on: `server` (the default) or `device`.
    #[serde(default)]
    #[arg(long, value_enum)]
    pub clock: Option<ClockName>,
}

/// A roster's difference between two moments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditDiff {
    /// The roster.
    pub roster: String,
    /// The difference: entries added, changed and removed between the two moments.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub diff: RosterDiff,
}

/// The clock a time is read on, as a request names it.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ValueEnum, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum ClockName {
    /// When the server received the change: the one clock every roster shares.
    #[default]
    Server,
    /// What the device's clock said when the change was made.
    Device,
}

impl From<ClockName> for Clock {
    fn from(name: ClockName) -> Self {
        match name {
            ClockName::Server => Clock::Server,
            ClockName::Device => Clock::Device,
        }
    }
}

impl ClockName {
    /// As a request spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            ClockName::Server => "server",
            ClockName::Device => "device",
        }
    }
}

/// An answer, with the access-log line it needs when it shows personal fields.
#[derive(Debug)]
pub struct Answer<T> {
    /// The answer.
    pub value: T,
    /// The line to log before answering; `None` when no personal field is shown opened.
    pub access: Option<AccessRead>,
}

/// Only auditors and the district admin replay the history: it reaches every beat.
pub(crate) fn check_auditor(user: &User) -> Result<()> {
    Policy::check_role(user, Permission::Audit)
}

fn parse_roster(field: &'static str, text: &str) -> Result<RosterId> {
    text.parse()
        .map_err(|_| Error::invalid(field, Problem::unreadable(text, "a roster id")))
}

fn parse_change(field: &'static str, text: &str) -> Result<[u8; 32]> {
    history::decode_hash(text).map_err(|_| {
        Error::invalid(
            field,
            Problem::unreadable(text, "a change hash (64 hex digits)"),
        )
    })
}

fn point(
    at_ms: Option<i64>,
    change: Option<&str>,
    clock: Clock,
    field: &'static str,
) -> Result<Point> {
    match (at_ms, change.filter(|text| !text.is_empty())) {
        (Some(_), Some(_)) => Err(Error::invalid(
            field,
            Problem::ExactlyOne {
                of: "a time and a change",
            },
        )),
        (Some(at_ms), None) => Ok(Point::Time { at_ms, clock }),
        (None, Some(hash)) => Ok(Point::Change(parse_change(field, hash)?)),
        (None, None) => Ok(Point::Latest),
    }
}

/// A roster loaded for reading, with its history annotated by the district.
struct Loaded {
    roster: Roster,
    history: History,
    keys: BTreeMap<EntryId, mitan_core::model::sealed::EntryKey>,
}

/// Loads `id` from the store with every key the district holds for its volunteers, its
/// receipt times and its authors' roles.
fn load(store: &ServerStore, id: &RosterId, roles: &mut RoleBook) -> Result<Loaded> {
    let parts = store.load_roster(id)?;
    if parts.snapshot.is_none() && parts.changes.is_empty() {
        return Err(Error::NotFound {
            what: "roster",
            id: id.to_string(),
        });
    }
    let mut roster =
        Roster::load(id, parts.snapshot.as_deref(), &parts.changes).map_err(|error| {
            Error::Corrupt {
                what: "roster",
                reason: format!("{id}: {error}"),
            }
        })?;
    let ids: BTreeSet<EntryId> = roster
        .volunteers(&NoKeys)
        .into_iter()
        .filter_map(|volunteer| {
            volunteer
                .ok()
                .map(|volunteer| EntryId::Volunteer(volunteer.id))
        })
        .chain(
            roster
                .cameras(&NoKeys)
                .into_iter()
                .filter_map(|camera| camera.ok().map(|camera| EntryId::Camera(camera.id))),
        )
        .collect();
    let keys = store.load_keys(&ids)?;
    let receipts = store.load_receipts(id)?;
    let history =
        History::of(&mut roster, &keys)?.with_receipts(|hash| receipts.get(hash).copied());
    for entry in &history.entries {
        if let Some(badge) = &entry.badge {
            roles.learn(store, badge)?;
        }
    }
    let history = history.with_roles(|badge| roles.role(badge));
    Ok(Loaded {
        roster,
        history,
        keys,
    })
}

/// Roles by badge, looked up once each.
#[derive(Default)]
struct RoleBook(BTreeMap<String, Option<String>>);

impl RoleBook {
    fn learn(&mut self, store: &ServerStore, badge: &str) -> Result<()> {
        if self.0.contains_key(badge) {
            return Ok(());
        }
        let role = match badge.parse::<BadgeNumber>() {
            Ok(badge) => store.load_user(&badge)?.map(|user| user.role.to_string()),
            Err(_) => None,
        };
        self.0.insert(badge.to_owned(), role);
        Ok(())
    }

    fn role(&self, badge: &str) -> Option<String> {
        self.0.get(badge).cloned().flatten()
    }
}

/// The rosters a history query reaches.
fn rosters_of(store: &ServerStore, user: &User, query: &HistoryQuery) -> Result<Vec<RosterId>> {
    let given = [
        query.roster.is_some(),
        query.unit.is_some(),
        query.volunteer.is_some(),
        query.camera.is_some(),
    ]
    .into_iter()
    .filter(|given| *given)
    .count();
    if given != 1 {
        return Err(Error::invalid(
            "roster",
            Problem::ExactlyOne {
                of: "roster, unit, volunteer and camera",
            },
        ));
    }
    if let Some(camera) = &query.camera {
        let row = store
            .camera_row(&camera.to_string())?
            .ok_or_else(|| Error::NotFound {
                what: "camera",
                id: camera.to_string(),
            })?;
        let roster = parse_roster("camera", &row.beat)?;
        check_within(store, user, &roster)?;
        return Ok(vec![roster]);
    }
    if let Some(roster) = &query.roster {
        check_within(store, user, roster)?;
        return Ok(vec![roster.clone()]);
    }
    if let Some(unit) = &query.unit {
        if store.unit_kind(unit)?.is_none() {
            return Err(Error::NotFound {
                what: "unit",
                id: unit.to_string(),
            });
        }
        Policy::check(store, user, Permission::Audit, Some(unit))?;
        return store
            .beats_within(unit)?
            .iter()
            .map(|beat| parse_roster("unit", beat.as_str()))
            .collect();
    }
    let Some(id) = query.volunteer else {
        unreachable!("exactly one of roster, unit, volunteer and camera was given");
    };
    let rosters = store.rosters_naming(&id)?;
    if rosters.is_empty() {
        return Err(Error::NotFound {
            what: "volunteer",
            id: id.to_string(),
        });
    }
    for roster in &rosters {
        check_within(store, user, roster)?;
    }
    Ok(rosters)
}

fn check_within(store: &ServerStore, user: &User, roster: &RosterId) -> Result<()> {
    let beat: UnitCode = roster.as_str().parse().map_err(|_| {
        Error::invalid(
            "roster",
            Problem::unreadable(roster.as_str(), "a beat code"),
        )
    })?;
    if store.unit_kind(&beat)? != Some(UnitKind::Beat) {
        return Err(Error::NotFound {
            what: "roster",
            id: roster.to_string(),
        });
    }
    Policy::check(store, user, Permission::Audit, Some(&beat))
}

/// A page of the history `query` asks for, read by `reader`.
pub fn history(
    store: &ServerStore,
    reader: Reader<'_>,
    query: &HistoryQuery,
) -> Result<Answer<HistoryPage>> {
    history_with_progress(store, reader, query, &mut |_, _| {})
}

/// [`history`], calling `progress(rosters replayed, rosters in scope)` after each roster, so
/// that a unit's history over hundreds of beats can show how far it has got.
pub fn history_with_progress(
    store: &ServerStore,
    reader: Reader<'_>,
    query: &HistoryQuery,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Answer<HistoryPage>> {
    check_auditor(reader.user)?;
    let rosters = rosters_of(store, reader.user, query)?;
    let in_scope = rosters.len() as u64;
    progress(0, in_scope);
    let filter = HistoryFilter {
        from_ms: query.from_ms,
        to_ms: query.to_ms,
        clock: Clock::from(query.clock.unwrap_or_default()),
        badge: query.badge.as_ref().map(ToString::to_string),
        device: query.device.as_ref().map(ToString::to_string),
        volunteer: query.volunteer,
        camera: query.camera,
    };
    let limit = query.limit.unwrap_or(100).clamp(1, MAX_PAGE) as usize;
    let offset = query.offset.unwrap_or(0);
    let mut roles = RoleBook::default();
    let mut matched: Vec<AuditEntry> = Vec::new();
    for (replayed, id) in (1..).zip(&rosters) {
        // A beat nobody has synced yet has no history to show.
        match load(store, id, &mut roles) {
            Ok(loaded) => {
                matched.extend(loaded.history.filtered(&filter).map(|entry| AuditEntry {
                    roster: id.to_string(),
                    change: entry.clone(),
                }))
            }
            Err(Error::NotFound { .. }) if query.roster.is_none() => {}
            Err(error) => return Err(error),
        }
        progress(replayed, in_scope);
    }
    // Across rosters, the server's receipt time is the one clock they share; within one
    // roster the causal order stands (the sort is stable).
    if rosters.len() > 1 {
        matched.sort_by_key(|entry| entry.change.received_at_ms.unwrap_or(i64::MIN));
    }
    let total = matched.len() as u64;
    let entries: Vec<AuditEntry> = matched
        .into_iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(limit)
        .collect();
    let next_offset =
        (offset + (entries.len() as u64) < total).then_some(offset + entries.len() as u64);
    let opened: BTreeSet<&str> = entries
        .iter()
        .flat_map(|entry| &entry.change.fields)
        .filter(|field| matches!(field.shown, history::Shown::Opened(_)))
        .filter_map(|field| field.volunteer.as_deref())
        .collect();
    let scope: Vec<String> = rosters.iter().map(ToString::to_string).collect();
    let access = (!opened.is_empty()).then(|| {
        reader.read(
            AccessKind::History,
            scope.join(","),
            history_filters(query),
            opened.len() as u64,
        )
    });
    Ok(Answer {
        value: HistoryPage {
            rosters: scope,
            total,
            entries,
            next_offset,
        },
        access,
    })
}

/// A diff asked for with its second moment before its first.
fn backwards(field: &'static str, starts: String, ends: String) -> Error {
    Error::invalid(field, Problem::EndsBeforeStart { starts, ends })
}

/// The filters of a history query, as the access log records them.
fn history_filters(query: &HistoryQuery) -> String {
    let mut filters = Vec::new();
    let mut push = |name: &str, value: Option<String>| {
        if let Some(value) = value.filter(|value| !value.is_empty()) {
            filters.push(format!("{name}={value}"));
        }
    };
    push("volunteer", query.volunteer.map(|id| id.to_string()));
    push("camera", query.camera.map(|id| id.to_string()));
    push("badge", query.badge.as_ref().map(ToString::to_string));
    push("device", query.device.as_ref().map(ToString::to_string));
    push("from_ms", query.from_ms.map(|ms| ms.to_string()));
    push("to_ms", query.to_ms.map(|ms| ms.to_string()));
    push("clock", query.clock.map(|clock| clock.as_str().to_owned()));
    push("limit", query.limit.map(|limit| limit.to_string()));
    push("offset", query.offset.map(|offset| offset.to_string()));
    filters.join("&")
}

fn state_line(
    reader: Reader<'_>,
    roster: &RosterId,
    query: String,
    opened: usize,
) -> Option<AccessRead> {
    (opened > 0).then(|| {
        reader.read(
            AccessKind::History,
            roster.to_string(),
            query,
            opened as u64,
        )
    })
}

/// A roster as it stood at the moment `query` names.
pub fn state(
    store: &ServerStore,
    reader: Reader<'_>,
    query: &StateQuery,
) -> Result<Answer<AuditState>> {
    check_auditor(reader.user)?;
    let id = query.roster.clone();
    check_within(store, reader.user, &id)?;
    let clock = Clock::from(query.clock.unwrap_or_default());
    let point = point(query.at_ms, query.change.as_deref(), clock, "change")?;
    let mut loaded = load(store, &id, &mut RoleBook::default())?;
    let state = history::state_at(&mut loaded.roster, &loaded.history, &point, &loaded.keys)
        .map_err(moment_error)?;
    let filters = match &point {
        Point::Latest => String::new(),
        Point::Change(hash) => format!("change={}", history::encode_hash(hash)),
        Point::Time { at_ms, .. } => format!("at_ms={at_ms}&clock={}", clock_name(clock)),
    };
    let access = state_line(reader, &id, filters, state.opened());
    Ok(Answer {
        value: AuditState {
            roster: id.to_string(),
            state,
        },
        access,
    })
}

/// What changed in a roster between the two moments `query` names.
pub fn diff(
    store: &ServerStore,
    reader: Reader<'_>,
    query: &DiffQuery,
) -> Result<Answer<AuditDiff>> {
    check_auditor(reader.user)?;
    let id = query.roster.clone();
    check_within(store, reader.user, &id)?;
    let clock = Clock::from(query.clock.unwrap_or_default());
    let from = point(
        query.from_ms,
        query.from_change.as_deref(),
        clock,
        "from_change",
    )?;
    if from == Point::Latest {
        return Err(Error::invalid(
            "from_ms",
            Problem::Missing {
                what: "the first moment (from_ms or from_change)",
            },
        ));
    }
    let to = point(query.to_ms, query.to_change.as_deref(), clock, "to_change")?;
    let to_field = if query.to_change.is_some() {
        "to_change"
    } else {
        "to_ms"
    };
    if let (Point::Time { at_ms: from_ms, .. }, Point::Time { at_ms: to_ms, .. }) = (&from, &to)
        && to_ms < from_ms
    {
        return Err(backwards(
            to_field,
            crate::ist::precise(*from_ms),
            crate::ist::precise(*to_ms),
        ));
    }
    let mut loaded = load(store, &id, &mut RoleBook::default())?;
    let before = history::state_at(&mut loaded.roster, &loaded.history, &from, &loaded.keys)
        .map_err(moment_error)?;
    let after = history::state_at(&mut loaded.roster, &loaded.history, &to, &loaded.keys)
        .map_err(moment_error)?;
    // Named by changes, the second moment may still come first: a diff read backwards would
    // show additions as removals.
    if after.changes < before.changes {
        return Err(backwards(
            to_field,
            format!("the first moment ({} changes)", before.changes),
            format!("the second ({} changes)", after.changes),
        ));
    }
    let diff = history::diff(&before, &after);
    let opened: BTreeSet<&str> = diff
        .added
        .iter()
        .chain(&diff.removed)
        .filter(|volunteer| {
            volunteer
                .fields
                .values()
                .any(|shown| matches!(shown, history::Shown::Opened(_)))
        })
        .map(|volunteer| volunteer.id.as_str())
        .chain(
            diff.changed
                .iter()
                .filter(|volunteer| {
                    volunteer.fields.iter().any(|field| {
                        [&field.before, &field.after]
                            .iter()
                            .any(|shown| matches!(shown, Some(history::Shown::Opened(_))))
                    })
                })
                .map(|volunteer| volunteer.id.as_str()),
        )
        .collect();
    let filters = format!("from={}&to={}", point_text(&from), point_text(&to));
    let access = state_line(reader, &id, filters, opened.len());
    Ok(Answer {
        value: AuditDiff {
            roster: id.to_string(),
            diff,
        },
        access,
    })
}

pub(crate) fn clock_name(clock: Clock) -> &'static str {
    match clock {
        Clock::Server => "server",
        Clock::Device => "device",
    }
}

fn point_text(point: &Point) -> String {
    match point {
        Point::Latest => "latest".into(),
        Point::Change(hash) => history::encode_hash(hash),
        Point::Time { at_ms, clock } => format!("{at_ms}@{}", clock_name(*clock)),
    }
}

/// A moment the history does not hold is the caller's mistake, not the server's.
fn moment_error(error: mitan_core::Error) -> Error {
    match error {
        mitan_core::Error::NotFound { what, id } => Error::NotFound { what, id },
        other => Error::Core(other),
    }
}
