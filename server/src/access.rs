//! The access log: every answer that hands someone volunteers' personal fields (the review
//! queue, duplicate candidates, exports, and sync replies carrying the keys that open entries)
//! is logged with who, through what, for which scope, how many people and when; auditors and
//! district admins list it.
//!
//! Reports that carry personal fields are read here, through [`ServerStore::read_logged`], so
//! that the answer and its line commit together; the report functions in [`crate::reports`]
//! stay plain reads for benches and tests.

use std::collections::HashSet;

use clap::Args;
use serde::{Deserialize, Serialize};

use crate::auth::{Role, parse_badge};
use crate::error::{Error, Problem, Result};
use crate::ops::{Permission, Policy};
use crate::reports::{self, DuplicateReport, ReportQuery, ReviewQueue};
use crate::store::{AccessFilter, AccessRead, ServerStore, User};

/// What kind of read a line records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccessKind {
    /// `GET /v1/reports/review-queue`.
    ReviewQueue,
    /// `GET /v1/reports/duplicates`.
    Duplicates,
    /// `GET /v1/exports` or `mitan admin export`.
    Export,
    /// `POST /v1/sync` whose reply granted keys of entries.
    Sync,
    /// `GET /v1/audit/history`, `/state` or `/diff` (or `mitan audit`) showing personal fields
    /// opened.
    History,
    /// `GET /v1/search`: volunteers found by name, phone or village.
    Search,
    /// `GET /v1/groups/members`: a group's members with their names and numbers.
    GroupMembers,
}

impl AccessKind {
    /// Every kind.
    pub const ALL: [AccessKind; 7] = [
        AccessKind::ReviewQueue,
        AccessKind::Duplicates,
        AccessKind::Export,
        AccessKind::Sync,
        AccessKind::History,
        AccessKind::Search,
        AccessKind::GroupMembers,
    ];

    /// The stable identifier stored and filtered on.
    pub fn as_str(self) -> &'static str {
        match self {
            AccessKind::ReviewQueue => "review_queue",
            AccessKind::Duplicates => "duplicates",
            AccessKind::Export => "export",
            AccessKind::Sync => "sync",
            AccessKind::History => "history",
            AccessKind::Search => "search",
            AccessKind::GroupMembers => "group_members",
        }
    }
}

impl std::str::FromStr for AccessKind {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        AccessKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
            .ok_or_else(|| {
                Error::invalid(
                    "kind",
                    Problem::unreadable(
                        text,
                        "review_queue, duplicates, export, sync, history or search",
                    ),
                )
            })
    }
}

/// Who reads, and through what: a device id, or `cli`.
#[derive(Debug, Clone, Copy)]
pub struct Reader<'a> {
    /// The user.
    pub user: &'a User,
    /// The device the request came from, or `cli`.
    pub via: &'a str,
}

impl Reader<'_> {
    /// The line recording that this reader read `volunteers` people's fields.
    pub fn read(
        &self,
        kind: AccessKind,
        scope: String,
        query: String,
        volunteers: u64,
    ) -> AccessRead {
        AccessRead {
            badge: self.user.badge.to_string(),
            role: self.user.role.to_string(),
            requested_via: self.via.to_owned(),
            kind: kind.as_str().to_owned(),
            scope,
            query,
            volunteers,
        }
    }

    /// What a report shows this reader: a constable's beats, or everything under their unit.
    fn report_scope(&self) -> String {
        if self.user.role == Role::Constable {
            let beats: Vec<String> = self.user.beats.iter().map(ToString::to_string).collect();
            beats.join(",")
        } else {
            self.user.unit.to_string()
        }
    }
}

/// The review queue of `reader`'s scope, logged with the number of people on the page.
pub fn review_queue(
    store: &ServerStore,
    reader: Reader<'_>,
    query: &crate::ops::reports::Queue,
    now_ms: i64,
) -> Result<ReviewQueue> {
    store.read_logged(
        now_ms,
        |store| reports::review_queue(store, reader.user, query),
        |queue| {
            // The filters as asked, so that the log says which people were listed.
            let asked = serde_urlencoded::to_string(query).unwrap_or_default();
            reader.read(
                AccessKind::ReviewQueue,
                reader.report_scope(),
                asked,
                queue.volunteers.len() as u64,
            )
        },
    )
}

/// The paging a report was asked for, as the access log records it: `limit=…&offset=…`.
fn page_filters(query: &ReportQuery) -> String {
    let mut filters = Vec::new();
    if let Some(limit) = query.limit {
        filters.push(format!("limit={limit}"));
    }
    if let Some(offset) = query.offset {
        filters.push(format!("offset={offset}"));
    }
    filters.join("&")
}

/// One page of duplicate candidates in `reader`'s scope, logged with its paging and the number
/// of distinct people in the page's groups (one person can sit in a phone group and a name
/// group).
pub fn duplicates(
    store: &ServerStore,
    reader: Reader<'_>,
    query: &ReportQuery,
    now_ms: i64,
) -> Result<DuplicateReport> {
    store.read_logged(
        now_ms,
        |store| reports::duplicates(store, reader.user, query),
        |report| {
            let people: HashSet<&str> = report
                .same_phone
                .iter()
                .chain(&report.similar_name)
                .flat_map(|group| &group.volunteers)
                .map(|volunteer| volunteer.id.as_str())
                .collect();
            reader.read(
                AccessKind::Duplicates,
                reader.report_scope(),
                page_filters(query),
                people.len() as u64,
            )
        },
    )
}

/// The query of `GET /v1/audit/access-log` and `mitan admin access-log`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Args, utoipa::ToSchema)]
#[group(skip)]
pub struct AccessLogQuery {
    /// Only reads at or after this server time (ms since the epoch; on the command line also
    /// India time).
    #[serde(default)]
    #[arg(long, alias = "from", value_parser = crate::ist::moment_arg)]
    pub from_ms: Option<i64>,
    /// Only reads before this server time.
    #[serde(default)]
    #[arg(long, alias = "to", value_parser = crate::ist::moment_arg)]
    pub to_ms: Option<i64>,
    /// Only this reader's badge.
    #[serde(default)]
    #[arg(long)]
    pub badge: Option<String>,
    /// Only this kind: `review_queue`, `duplicates`, `export`, `sync`, `history`, `search` or
    /// `group_members`.
    #[serde(default)]
    #[arg(long)]
    pub kind: Option<String>,
    /// At most this many lines (100 if absent, at most 1,000).
    #[serde(default)]
    #[arg(long)]
    pub limit: Option<u32>,
    /// Only lines older than this sequence number: the `next_before` of the previous page.
    #[serde(default)]
    #[arg(long)]
    pub before: Option<i64>,
}

/// A line of the access log, as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AccessLogLine {
    /// Sequence number.
    pub seq: i64,
    /// Who read.
    pub badge: String,
    /// Their role.
    pub role: String,
    /// The device the request came from, or `cli`.
    pub requested_via: String,
    /// `review_queue`, `duplicates`, `export`, `sync`, `history`, `search` or `group_members`.
    pub kind: String,
    /// The unit read, a constable's beats, or a sync's rosters.
    pub scope: String,
    /// The request's other filters, as a query string.
    pub query: String,
    /// How many volunteers' personal fields the answer held.
    pub volunteers: u64,
    /// When, by the server clock.
    pub at_ms: i64,
}

/// `GET /v1/audit/access-log`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AccessLog {
    /// Newest first.
    pub entries: Vec<AccessLogLine>,
    /// Pass as `before` for the next page; absent on the last page.
    pub next_before: Option<i64>,
}

/// The access log, for an auditor or a district admin. The district admin answers for how
/// the district's officers handle volunteers' data and already reads the export log, which
/// this log contains; the log names officers, never volunteers, and nobody can change it.
pub fn log(store: &ServerStore, user: &User, query: &AccessLogQuery) -> Result<AccessLog> {
    Policy::check_role(user, Permission::Audit)?;
    list(store, query)
}

/// The access log, for whoever holds the database (`mitan admin access-log`).
pub fn list(store: &ServerStore, query: &AccessLogQuery) -> Result<AccessLog> {
    let kind = query
        .kind
        .as_deref()
        .filter(|text| !text.is_empty())
        .map(|text| text.parse::<AccessKind>())
        .transpose()?;
    let badge = query
        .badge
        .as_deref()
        .filter(|text| !text.is_empty())
        .map(parse_badge)
        .transpose()?;
    let limit = query.limit.unwrap_or(100).clamp(1, 1_000);
    let filter = AccessFilter {
        from_ms: query.from_ms,
        to_ms: query.to_ms,
        badge: badge.map(|badge| badge.to_string()),
        kind: kind.map(|kind| kind.as_str().to_owned()),
        before_seq: query.before,
    };
    let entries: Vec<AccessLogLine> = store
        .load_access_log(&filter, limit)?
        .into_iter()
        .map(|entry| AccessLogLine {
            seq: entry.seq,
            badge: entry.read.badge,
            role: entry.read.role,
            requested_via: entry.read.requested_via,
            kind: entry.read.kind,
            scope: entry.read.scope,
            query: entry.read.query,
            volunteers: entry.read.volunteers,
            at_ms: entry.at_ms,
        })
        .collect();
    let next_before = (entries.len() == limit as usize)
        .then(|| entries.last().map(|entry| entry.seq))
        .flatten();
    Ok(AccessLog {
        entries,
        next_before,
    })
}

/// The volunteers of `reader`'s scope that `query` finds, logged with how many were shown.
/// A group's members, read by `reader` and logged: names and numbers of volunteers and of
/// staff, so the read is an access like a review queue's.
pub fn group_members(
    store: &ServerStore,
    reader: Reader<'_>,
    query: &crate::ops::groups::GroupMembers,
    now_ms: i64,
) -> Result<crate::ops::groups::MemberList> {
    let unit = crate::ops::parse_unit("unit", &query.unit)?;
    let group = crate::groups::group_for(
        store,
        reader.user,
        &unit,
        &query.code,
        crate::ops::Permission::ReadPersonal,
    )?;
    store.read_logged(
        now_ms,
        |store| {
            let tree = reports::Tree::load(store)?;
            let resolved = crate::groups::members(store, &tree, &group, now_ms)?;
            Ok(crate::ops::groups::MemberList {
                group: crate::groups::view_of(&group, &resolved),
                members: resolved.members,
            })
        },
        |list| {
            reader.read(
                AccessKind::GroupMembers,
                format!("{}/{}", list.group.unit, list.group.code),
                String::new(),
                list.members.len() as u64,
            )
        },
    )
}

pub fn search(
    store: &ServerStore,
    reader: Reader<'_>,
    query: &crate::ops::review::Search,
    now_ms: i64,
) -> Result<crate::reports::SearchResults> {
    store.read_logged(
        now_ms,
        |store| reports::search(store, reader.user, query),
        |found| {
            // What was searched for is itself personal (a name, a number): the log keeps
            // only which kind of search it was.
            reader.read(
                AccessKind::Search,
                reader.report_scope(),
                format!("by={}", found.by),
                found.volunteers.len() as u64,
            )
        },
    )
}
