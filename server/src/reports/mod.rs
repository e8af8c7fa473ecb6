//! District state as JSON reports: progress of every unit and employee against its target,
//! household coverage per village, the pending-review queue, duplicate candidates, and counts
//! per programme. Each caller sees only the units under their own (a constable: their beats
//! and their own work).
//!
//! The counts come from SQL over the volunteer rows, grouped by beat, employee or village; the
//! hierarchy (hundreds to a few thousand units) is rolled up in memory.
//!
//! Default targets, from the domain brief, when a campaign sets none explicitly:
//! 25 per employee (Bilaspur's Cyber Mitan), 25 per constable working a beat, 100 per
//! outpost and 200 per station (the Bihar order); a circle, district, range or state is the
//! sum of the units under it. The "one per household" goal is the coverage report.
//!
//! Progress counts people, not entries: a phone enrolled twice counts once at each unit and
//! for each employee, and the entries left out are shown beside the count ([`people`]).

pub mod cameras;
pub mod past;
pub mod people;
pub mod progress_diff;
pub mod trainers;
pub mod window;

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::auth::Role;
use crate::error::{Error, Problem, Result};
use crate::store::{
    CandidateGroups, CountedBy, EmployeeRow, Page, QueueFilter, SearchTerm, ServerStore, UnitRow,
    User, VolunteerBrief,
};
use mitan_core::model::UnitKind;
use people::{People, Tallied};
use window::{Day, Window};

/// Volunteers each employee is asked to enrol.
pub const PER_EMPLOYEE: u64 = 25;
/// Volunteers each station is asked for.
pub const PER_STATION: u64 = 200;
/// Volunteers each outpost is asked for.
pub const PER_OUTPOST: u64 = 100;
/// Longest page of the review queue.
pub const MAX_QUEUE_PAGE: u32 = 1_000;
/// Most groups of each kind on a page of duplicate candidates.
pub const MAX_DUPLICATE_PAGE: u32 = 1_000;

/// The query every report takes.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, clap::Args, utoipa::ToSchema,
)]
#[group(skip)]
pub struct ReportQuery {
    /// Count only within this campaign's window and programme.
    #[serde(default)]
    #[arg(long)]
    pub campaign: Option<String>,
    /// Count only this programme (when the campaign does not fix one).
    #[serde(default)]
    #[arg(long)]
    pub programme: Option<String>,
    /// Page size of the review queue, or groups of each kind of duplicate candidates (100 if
    /// absent, at most 1,000).
    #[serde(default)]
    #[arg(long)]
    pub limit: Option<u32>,
    /// Rows of the review queue, or groups of duplicate candidates, to skip.
    #[serde(default)]
    #[arg(long)]
    pub offset: Option<u32>,
    /// Report on this unit and the units under it (one within the caller's reach) rather
    /// than on the caller's whole unit: a state's zone, range or district, a district's
    /// station.
    #[serde(default)]
    #[arg(long)]
    pub unit: Option<String>,
    /// The lowest kind of unit listed: `zone`, `range`, `district`, `circle`, `station`,
    /// `outpost` or `beat`. Counts always take in everything under a unit; this only says
    /// how far down the rows go. Reports opening above a district go down to the districts
    /// unless told otherwise, the others to the beats.
    #[serde(default)]
    #[arg(long)]
    pub down_to: Option<String>,
}

/// What was counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Counted {
    /// The campaign, if any.
    pub campaign: Option<String>,
    /// The programme, or every programme.
    pub programme: Option<String>,
    /// First day counted (India time), if bounded.
    pub starts_on: Option<String>,
    /// Last day counted, if bounded.
    pub ends_on: Option<String>,
}

struct Filter {
    counted: Counted,
    window: Window,
}

fn resolve(store: &ServerStore, user: &User, query: &ReportQuery) -> Result<Filter> {
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
    let Some(code) = query.campaign.as_deref().filter(|text| !text.is_empty()) else {
        return Ok(Filter {
            counted: Counted {
                campaign: None,
                programme,
                starts_on: None,
                ends_on: None,
            },
            window: Window::ALL,
        });
    };
    let campaign = store.load_campaign(code)?.ok_or_else(|| Error::NotFound {
        what: "campaign",
        id: code.to_owned(),
    })?;
    if !crate::admin::campaign_visible(store, user, campaign.unit.as_deref())? {
        return Err(Error::Forbidden {
            reason: format!(
                "campaign {code} belongs to {}, neither above nor within {}",
                campaign.unit.as_deref().unwrap_or("?"),
                user.unit
            ),
        });
    }
    let corrupt = |_| Error::Corrupt {
        what: "campaign",
        reason: format!("{code}: stored date does not parse"),
    };
    let window = Window::days(
        campaign.starts_on.parse::<Day>().map_err(corrupt)?,
        campaign.ends_on.parse::<Day>().map_err(corrupt)?,
    )?;
    Ok(Filter {
        counted: Counted {
            campaign: Some(campaign.code),
            programme: campaign.programme.or(programme),
            starts_on: Some(campaign.starts_on),
            ends_on: Some(campaign.ends_on),
        },
        window,
    })
}

/// The hierarchy, in memory.
#[derive(Debug)]
pub struct Tree {
    units: HashMap<String, UnitRow>,
    children: HashMap<String, Vec<String>>,
}

impl Tree {
    /// Loads the hierarchy.
    pub fn load(store: &ServerStore) -> Result<Tree> {
        let rows = store.load_units()?;
        let mut children: HashMap<String, Vec<String>> = HashMap::new();
        for row in &rows {
            if let Some(parent) = &row.parent {
                children
                    .entry(parent.clone())
                    .or_default()
                    .push(row.code.clone());
            }
        }
        Ok(Tree {
            units: rows
                .into_iter()
                .map(|row| (row.code.clone(), row))
                .collect(),
            children,
        })
    }

    /// `code` and every unit under it, depth first in code order.
    pub fn subtree(&self, code: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut stack = vec![code.to_owned()];
        while let Some(next) = stack.pop() {
            if !self.units.contains_key(&next) {
                continue;
            }
            if let Some(children) = self.children.get(&next) {
                let mut sorted = children.clone();
                sorted.sort();
                stack.extend(sorted.into_iter().rev());
            }
            out.push(next);
        }
        out
    }

    /// Whether `code` is a beat of the hierarchy.
    pub fn is_beat(&self, code: &str) -> bool {
        self.kind(code) == Some("beat")
    }

    fn kind(&self, code: &str) -> Option<&str> {
        self.units.get(code).map(|unit| unit.kind.as_str())
    }

    /// The level of `code`, if it is a unit of the hierarchy.
    pub fn level(&self, code: &str) -> Option<UnitKind> {
        self.kind(code).and_then(|kind| kind.parse().ok())
    }

    /// The unit `code` as stored, if it is one.
    pub fn unit(&self, code: &str) -> Option<&UnitRow> {
        self.units.get(code)
    }

    /// `code` and every unit above it, nearest first: the units an entry filed under `code`
    /// counts in. A parent missing from the hierarchy, or a loop in it, ends the chain.
    pub fn up_from(&self, code: &str) -> Vec<String> {
        let mut chain = vec![code.to_owned()];
        let mut current = self.units.get(code);
        while let Some(parent) = current.and_then(|unit| unit.parent.as_deref()) {
            // No real hierarchy is 16 deep (state, range, district, circle, station, beat).
            if chain.len() > 16 || chain.iter().any(|seen| seen == parent) {
                break;
            }
            chain.push(parent.to_owned());
            current = self.units.get(parent);
        }
        chain
    }

    /// The station a beat or outpost lies in.
    pub fn station_of(&self, code: &str) -> Option<String> {
        let mut current = self.units.get(code)?;
        for _ in 0..16 {
            if current.kind == "station" {
                return Some(current.code.clone());
            }
            current = self.units.get(current.parent.as_deref()?)?;
        }
        None
    }
}

/// What one caller may see.
#[derive(Debug, Clone)]
pub struct Scope {
    /// Units shown, depth first.
    units: Vec<String>,
    unit_set: HashSet<String>,
    beats: HashSet<String>,
    /// Whether the scope is every beat of the database (no SQL filter needed).
    everything: bool,
    /// A constable sees only their own employee line.
    only_employee: Option<String>,
    /// The unit a report opens at; `None` for a constable, whose scope is their beats.
    root: Option<String>,
    /// The lowest kind of unit a report lists.
    down_to: UnitKind,
}

/// The lowest kind of unit a report opening at a unit of `kind` lists unless asked: from
/// above a district, the districts (a state has thousands of stations, and its officers
/// follow districts); from a district or below, every beat.
pub fn default_down_to(kind: Option<UnitKind>) -> UnitKind {
    match kind {
        Some(kind) if kind < UnitKind::District => UnitKind::District,
        _ => UnitKind::Beat,
    }
}

impl Scope {
    /// The scope of `user`: their whole reach, listed as far down as a report opening at
    /// their unit goes.
    pub fn of(user: &User, tree: &Tree) -> Scope {
        let root = (user.role != Role::Constable).then(|| user.unit.to_string());
        let down_to = default_down_to(root.as_deref().and_then(|root| tree.level(root)));
        Scope::at(user, tree, root, down_to)
    }

    /// The scope a report `query` asks of `user`: their reach, or the unit it names within
    /// it (refused if outside), listed down to the kind it names.
    pub fn asked(
        store: &ServerStore,
        user: &User,
        tree: &Tree,
        query: &ReportQuery,
    ) -> Result<Scope> {
        let down_to = query
            .down_to
            .as_deref()
            .filter(|text| !text.trim().is_empty())
            .map(|text| {
                text.parse::<UnitKind>().map_err(|_| {
                    Error::invalid(
                        "down_to",
                        Problem::unreadable(
                            text,
                            "a kind of unit: zone, range, district, circle, station, outpost or beat",
                        ),
                    )
                })
            })
            .transpose()?;
        let Some(text) = query.unit.as_deref().filter(|text| !text.trim().is_empty()) else {
            let mut scope = Scope::of(user, tree);
            if let Some(down_to) = down_to {
                scope.down_to = down_to;
            }
            return Ok(scope);
        };
        let unit = crate::ops::parse_unit("unit", text.trim())?;
        if tree.unit(unit.as_str()).is_none() {
            return Err(Error::NotFound {
                what: "unit",
                id: unit.to_string(),
            });
        }
        crate::ops::Policy::check(store, user, crate::ops::Permission::ReadCounts, Some(&unit))?;
        let down_to = down_to.unwrap_or_else(|| default_down_to(tree.level(unit.as_str())));
        if user.role == Role::Constable {
            // A constable's scope is their beats; the one asked is one of them.
            let mut scope = Scope::at(user, tree, None, down_to);
            scope.units.retain(|code| *code == unit.as_str());
            scope.unit_set = scope.units.iter().cloned().collect();
            scope.beats.retain(|code| *code == unit.as_str());
            return Ok(scope);
        }
        Ok(Scope::at(user, tree, Some(unit.to_string()), down_to))
    }

    fn at(user: &User, tree: &Tree, root: Option<String>, down_to: UnitKind) -> Scope {
        let units: Vec<String> = match &root {
            None => user.beats.iter().map(ToString::to_string).collect(),
            Some(root) => tree.subtree(root),
        };
        let beats: HashSet<String> = units
            .iter()
            .filter(|code| tree.kind(code) == Some("beat"))
            .cloned()
            .collect();
        let all_beats = tree
            .units
            .values()
            .filter(|unit| unit.kind == "beat")
            .count();
        Scope {
            unit_set: units.iter().cloned().collect(),
            everything: user.role != Role::Constable && beats.len() == all_beats,
            units,
            beats,
            only_employee: (user.role == Role::Constable).then(|| user.badge.to_string()),
            root,
            down_to,
        }
    }

    /// Whether a report lists the unit `code` as a row of its own: a unit of the scope no
    /// lower than the kind asked, and never a village.
    pub fn lists(&self, tree: &Tree, code: &str) -> bool {
        self.has_unit(code)
            && tree
                .level(code)
                .is_some_and(|kind| kind <= self.down_to && kind != UnitKind::Village)
    }

    /// The lowest kind of unit listed.
    pub fn down_to(&self) -> UnitKind {
        self.down_to
    }

    /// Every unit of the scope, depth first.
    pub fn units(&self) -> &[String] {
        &self.units
    }

    /// Whether `beat` is within the scope.
    pub fn has_beat(&self, beat: &str) -> bool {
        self.beats.contains(beat)
    }

    /// Whether the unit `code` is within the scope.
    pub fn has_unit(&self, code: &str) -> bool {
        self.unit_set.contains(code)
    }

    /// The beats to read, or `None` for every beat of the database: what SQL filters on so
    /// that a station reads its own rows only.
    fn beat_filter(&self) -> Option<Vec<String>> {
        if self.everything {
            None
        } else {
            let mut beats: Vec<String> = self.beats.iter().cloned().collect();
            beats.sort();
            Some(beats)
        }
    }

    /// The units whose volunteers can count towards a unit shown by `progress`, or `None` for
    /// all of them: every unit in scope and every unit under one. A unit's count only sums
    /// volunteers filed under it or a unit below it, so reading these rows alone changes no
    /// number shown; a constable's beats are listed without what lies under them, hence the
    /// subtrees.
    fn progress_units(&self, tree: &Tree) -> Option<Vec<String>> {
        if self.everything {
            return None;
        }
        let mut units: Vec<String> = self
            .units
            .iter()
            .flat_map(|code| tree.subtree(code))
            .chain(self.units.iter().cloned())
            .collect();
        units.sort();
        units.dedup();
        Some(units)
    }
}

fn percent(done: u64, target: u64) -> Option<f64> {
    (target > 0).then(|| (done as f64 * 1000.0 / target as f64).round() / 10.0)
}

/// One unit against its target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UnitProgress {
    /// Code.
    pub code: String,
    /// Kind.
    pub kind: String,
    /// Hindi name.
    pub name_hi: String,
    /// English name.
    pub name_en: String,
    /// Parent.
    pub parent: Option<String>,
    /// The target.
    pub target: u64,
    /// `explicit`, `default` or `sum` (of the units under it).
    pub target_source: String,
    /// People with an active entry (pending or verified) under the unit, each phone once.
    pub enrolled: u64,
    /// People with a verified entry under the unit.
    pub verified: u64,
    /// Active entries under the unit left out of `enrolled` because another entry under it
    /// has the same phone: the same person enrolled twice, for a supervisor to resolve.
    #[serde(default)]
    pub duplicates: u64,
    /// Enrolled as a percentage of the target; absent when the target is 0.
    pub percent: Option<f64>,
    /// A beat no constable works: nobody enrols there, and its default target is 0. Shown
    /// so that the gap is seen rather than counted as a beat on track.
    #[serde(default)]
    pub no_constable: bool,
}

/// One employee against their target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EmployeeProgress {
    /// Badge.
    pub badge: String,
    /// Name.
    pub name: String,
    /// Role.
    pub role: String,
    /// Station.
    pub station: String,
    /// The target.
    pub target: u64,
    /// `explicit` or `default`.
    pub target_source: String,
    /// People they enrolled (active entries, each phone once).
    pub enrolled: u64,
    /// Of which verified.
    pub verified: u64,
    /// Active entries of theirs left out of `enrolled` because another of their entries has
    /// the same phone.
    #[serde(default)]
    pub duplicates: u64,
    /// Enrolled as a percentage of the target.
    pub percent: Option<f64>,
}

/// `GET /v1/reports/progress`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProgressReport {
    /// What was counted.
    pub counted: Counted,
    /// Every unit in scope down to the kind asked (never villages), depth first.
    pub units: Vec<UnitProgress>,
    /// Every employee in scope, when the rows go down to stations or below.
    pub employees: Vec<EmployeeProgress>,
}

/// Where a progress report's entries come from: the volunteer rows as they are now, or the
/// rosters replayed to a past moment (`past`). Both hand over the active (pending or
/// verified) entries enrolled within the window, in the programme when one is given, with
/// the entries whose phone may be shared; [`people::count`] turns them into people.
trait Tally {
    /// Entries per beat, for beats among `units` when given.
    fn by_beat(
        &mut self,
        window: Window,
        programme: Option<&str>,
        units: Option<&[String]>,
    ) -> Result<Tallied>;

    /// Entries per enrolling employee, for the badges in `badges` when given.
    fn by_employee(
        &mut self,
        window: Window,
        programme: Option<&str>,
        badges: Option<&[String]>,
    ) -> Result<Tallied>;
}

/// The volunteer rows as they are now.
struct Rows<'a>(&'a ServerStore);

impl Tally for Rows<'_> {
    fn by_beat(
        &mut self,
        window: Window,
        programme: Option<&str>,
        units: Option<&[String]>,
    ) -> Result<Tallied> {
        Ok(Tallied {
            counts: self.0.count_by_beat(window, programme, units)?,
            shared: self
                .0
                .shared_phone_entries(CountedBy::Beat, window, programme, units)?,
        })
    }

    fn by_employee(
        &mut self,
        window: Window,
        programme: Option<&str>,
        badges: Option<&[String]>,
    ) -> Result<Tallied> {
        Ok(Tallied {
            counts: self.0.count_by_employee(window, programme, badges)?,
            shared: self
                .0
                .shared_phone_entries(CountedBy::Employee, window, programme, badges)?,
        })
    }
}

/// Progress of every unit and employee in `user`'s scope.
pub fn progress(store: &ServerStore, user: &User, query: &ReportQuery) -> Result<ProgressReport> {
    let filter = resolve(store, user, query)?;
    let tree = Tree::load(store)?;
    let scope = Scope::asked(store, user, &tree, query)?;
    progress_with(store, filter, &tree, &scope, &mut Rows(store))
}

/// Progress of every unit and employee in `scope`, counted by `tally`.
fn progress_with(
    store: &ServerStore,
    filter: Filter,
    tree: &Tree,
    scope: &Scope,
    tally: &mut dyn Tally,
) -> Result<ProgressReport> {
    let programme = filter.counted.programme.as_deref();

    let mut explicit_units: HashMap<String, u64> = HashMap::new();
    let mut explicit_employees: HashMap<String, u64> = HashMap::new();
    if let Some(campaign) = &filter.counted.campaign {
        for target in store.load_targets(campaign)? {
            let map = if target.subject_kind == "unit" {
                &mut explicit_units
            } else {
                &mut explicit_employees
            };
            map.insert(target.subject, u64::from(target.volunteers));
        }
    }
    let constables: HashMap<String, u64> = store.constables_per_beat()?.into_iter().collect();

    // People per beat and every unit above it, each phone once per unit.
    let units_counted = scope.progress_units(tree);
    let counts = people::count(
        &tally.by_beat(filter.window, programme, units_counted.as_deref())?,
        |beat| tree.up_from(beat),
    );

    // Targets bottom up: own or default for beats, outposts and stations; sums above.
    let mut targets: HashMap<String, (u64, &'static str)> = HashMap::new();
    let root_units: Vec<String> = match &scope.root {
        None => scope.units.clone(),
        Some(root) => vec![root.clone()],
    };
    for root in &root_units {
        let order = tree.subtree(root);
        for code in order.iter().rev() {
            let Some(unit) = tree.units.get(code) else {
                continue;
            };
            if unit.kind == "village" {
                continue;
            }
            let target = if let Some(target) = explicit_units.get(code) {
                (*target, "explicit")
            } else {
                match unit.kind.as_str() {
                    "beat" => (
                        PER_EMPLOYEE * constables.get(code).copied().unwrap_or(0),
                        "default",
                    ),
                    "outpost" => (PER_OUTPOST, "default"),
                    "station" => (PER_STATION, "default"),
                    _ => {
                        let sum = tree
                            .children
                            .get(code)
                            .map(|children| {
                                children
                                    .iter()
                                    .filter_map(|child| targets.get(child))
                                    .map(|(target, _)| *target)
                                    .sum()
                            })
                            .unwrap_or(0);
                        (sum, "sum")
                    }
                }
            };
            targets.insert(code.clone(), target);
        }
    }

    let units = scope
        .units
        .iter()
        .filter(|code| scope.lists(tree, code))
        .filter_map(|code| {
            let unit = tree.units.get(code)?;
            let (target, source) = targets.get(code).copied().unwrap_or((0, "default"));
            let People {
                enrolled,
                verified,
                duplicates,
            } = counts.get(code).copied().unwrap_or_default();
            Some(UnitProgress {
                code: unit.code.clone(),
                kind: unit.kind.clone(),
                name_hi: unit.name_hi.clone(),
                name_en: unit.name_en.clone(),
                parent: unit.parent.clone(),
                target,
                target_source: source.to_owned(),
                enrolled,
                verified,
                duplicates,
                percent: percent(enrolled, target),
                no_constable: unit.kind == "beat"
                    && constables.get(code).copied().unwrap_or(0) == 0,
            })
        })
        .collect();

    // Employees are listed once the rows go down to the stations they work at: a state's
    // or a range's view is of units, not of a hundred thousand constables.
    let lists_employees = scope.down_to >= UnitKind::Station;
    let shown: Vec<EmployeeRow> = store
        .load_employees()?
        .into_iter()
        .filter(|employee| match &scope.only_employee {
            Some(badge) => *badge == employee.badge,
            None => lists_employees && scope.has_unit(&employee.unit),
        })
        .collect();
    // An employee's count takes in every beat they enrolled in, inside the scope or not, so
    // SQL narrows by who enrolled, never by beat.
    let badges: Option<Vec<String>> = (!scope.everything).then(|| {
        shown
            .iter()
            .map(|employee| employee.badge.clone())
            .collect()
    });
    let by_employee = people::count(
        &tally.by_employee(filter.window, programme, badges.as_deref())?,
        |badge| vec![badge.to_owned()],
    );
    let employees = shown
        .into_iter()
        .map(|employee| {
            let (target, source) = match explicit_employees.get(&employee.badge) {
                Some(target) => (*target, "explicit"),
                None => (PER_EMPLOYEE, "default"),
            };
            let People {
                enrolled,
                verified,
                duplicates,
            } = by_employee
                .get(&employee.badge)
                .copied()
                .unwrap_or_default();
            EmployeeProgress {
                percent: percent(enrolled, target),
                badge: employee.badge,
                name: employee.name,
                role: employee.role,
                station: employee.unit,
                target,
                target_source: source.to_owned(),
                enrolled,
                verified,
                duplicates,
            }
        })
        .collect();
    Ok(ProgressReport {
        counted: filter.counted,
        units,
        employees,
    })
}

/// One village's household coverage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct VillageCoverage {
    /// LGD code.
    pub lgd_code: String,
    /// Hindi name, if the village is in the hierarchy.
    pub name_hi: Option<String>,
    /// English name.
    pub name_en: Option<String>,
    /// The beats its volunteers belong to.
    pub beats: Vec<String>,
    /// Active volunteers.
    pub volunteers: u64,
    /// Households with at least one active volunteer.
    pub households_covered: u64,
    /// Households in the village, if the district imported the number.
    pub households: Option<u64>,
    /// Covered as a percentage of households, when known.
    pub percent: Option<f64>,
}

/// One unit's household coverage: its villages rolled up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UnitCoverage {
    /// Code.
    pub code: String,
    /// Kind.
    pub kind: String,
    /// Hindi name.
    pub name_hi: String,
    /// English name.
    pub name_en: String,
    /// Parent.
    pub parent: Option<String>,
    /// Villages under it: those of the hierarchy and those its volunteers live in.
    pub villages: u64,
    /// Of which with at least one active volunteer.
    pub villages_reached: u64,
    /// Active volunteers.
    pub volunteers: u64,
    /// Households with at least one active volunteer, in every village.
    pub households_covered: u64,
    /// Households of the villages whose number the district imported.
    pub households: u64,
    /// Households covered in those villages as a percentage of their households; absent
    /// when no village under the unit has a number.
    pub percent: Option<f64>,
}

/// `GET /v1/reports/coverage`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CoverageReport {
    /// What was counted.
    pub counted: Counted,
    /// Every unit in scope down to the kind asked, depth first, its villages rolled up.
    #[serde(default)]
    pub units: Vec<UnitCoverage>,
    /// Every village in scope (those of the hierarchy and those volunteers live in), when
    /// the rows go down to beats; a state's or a range's report rolls them up in `units`.
    pub villages: Vec<VillageCoverage>,
}

/// What a unit's coverage adds up, village by village.
#[derive(Default)]
struct CoverageSums {
    villages: HashSet<String>,
    reached: HashSet<String>,
    volunteers: u64,
    households_covered: u64,
    households: u64,
    covered_of_known: u64,
}

/// Household coverage of every village in `user`'s scope, and of every unit rolled up.
pub fn coverage(store: &ServerStore, user: &User, query: &ReportQuery) -> Result<CoverageReport> {
    let filter = resolve(store, user, query)?;
    let tree = Tree::load(store)?;
    let scope = Scope::asked(store, user, &tree, query)?;
    let households: HashMap<String, u64> = store.village_households()?.into_iter().collect();
    let mut villages: BTreeMap<String, VillageCoverage> = BTreeMap::new();
    let blank = |lgd: &str| VillageCoverage {
        lgd_code: lgd.to_owned(),
        name_hi: None,
        name_en: None,
        beats: Vec::new(),
        volunteers: 0,
        households_covered: 0,
        households: households.get(lgd).copied(),
        percent: None,
    };
    for code in &scope.units {
        let Some(unit) = tree.units.get(code) else {
            continue;
        };
        if let (Some(lgd), "village") = (&unit.lgd_code, unit.kind.as_str()) {
            let entry = villages.entry(lgd.clone()).or_insert_with(|| blank(lgd));
            entry.name_hi = Some(unit.name_hi.clone());
            entry.name_en = Some(unit.name_en.clone());
        }
    }
    let beats = scope.beat_filter();
    let mut rows_seen: Vec<(String, String, u64, u64)> = Vec::new();
    for row in store.count_by_village(
        filter.window,
        filter.counted.programme.as_deref(),
        beats.as_deref(),
    )? {
        if !scope.has_beat(&row.beat) {
            continue;
        }
        let entry = villages
            .entry(row.village.clone())
            .or_insert_with(|| blank(&row.village));
        entry.volunteers += row.volunteers;
        entry.households_covered += row.households_covered;
        rows_seen.push((
            row.beat.clone(),
            row.village.clone(),
            row.volunteers,
            row.households_covered,
        ));
        entry.beats.push(row.beat);
    }
    let villages: Vec<VillageCoverage> = villages
        .into_values()
        .map(|mut village| {
            village.percent = village
                .households
                .and_then(|total| percent(village.households_covered, total));
            village
        })
        .collect();

    // Each village counts in every listed unit above it: through the hierarchy for its own
    // place, through the beats its volunteers are filed under for theirs.
    let mut sums: HashMap<String, CoverageSums> = HashMap::new();
    let mut add_village = |code: &str, village: &VillageCoverage, row_of: Option<(u64, u64)>| {
        for unit in tree.up_from(code) {
            if !scope.lists(&tree, &unit) {
                continue;
            }
            let sum = sums.entry(unit).or_default();
            if sum.villages.insert(village.lgd_code.clone())
                && let Some(households) = village.households
            {
                sum.households += households;
            }
            if let Some((volunteers, covered)) = row_of {
                sum.volunteers += volunteers;
                sum.households_covered += covered;
                if volunteers > 0 {
                    sum.reached.insert(village.lgd_code.clone());
                }
                if village.households.is_some() {
                    sum.covered_of_known += covered;
                }
            }
        }
    };
    let by_lgd: HashMap<&str, &VillageCoverage> = villages
        .iter()
        .map(|village| (village.lgd_code.as_str(), village))
        .collect();
    for code in &scope.units {
        let Some(unit) = tree.units.get(code) else {
            continue;
        };
        if let (Some(lgd), "village") = (&unit.lgd_code, unit.kind.as_str())
            && let Some(village) = by_lgd.get(lgd.as_str())
        {
            add_village(code, village, None);
        }
    }
    for (beat, lgd, volunteers, covered) in &rows_seen {
        if let Some(village) = by_lgd.get(lgd.as_str()) {
            add_village(beat, village, Some((*volunteers, *covered)));
        }
    }
    let units = scope
        .units
        .iter()
        .filter(|code| scope.lists(&tree, code))
        .filter_map(|code| {
            let unit = tree.units.get(code)?;
            let sum = sums.remove(code).unwrap_or_default();
            Some(UnitCoverage {
                code: unit.code.clone(),
                kind: unit.kind.clone(),
                name_hi: unit.name_hi.clone(),
                name_en: unit.name_en.clone(),
                parent: unit.parent.clone(),
                villages: sum.villages.len() as u64,
                villages_reached: sum.reached.len() as u64,
                volunteers: sum.volunteers,
                households_covered: sum.households_covered,
                households: sum.households,
                percent: percent(sum.covered_of_known, sum.households),
            })
        })
        .collect();
    Ok(CoverageReport {
        counted: filter.counted,
        units,
        villages: if scope.down_to >= UnitKind::Beat {
            villages
        } else {
            Vec::new()
        },
    })
}

/// A volunteer as a report lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ListedVolunteer {
    /// Id.
    pub id: String,
    /// Beat (and roster).
    pub beat: String,
    /// Station.
    pub station: String,
    /// Village LGD code.
    pub village: String,
    /// Status.
    pub status: String,
    /// Devanagari name.
    pub name_devanagari: Option<String>,
    /// Latin name.
    pub name_latin: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Household.
    pub household: Option<String>,
    /// Who enrolled them.
    pub enrolled_by: String,
    /// When, by the enrolling phone's clock.
    pub enrolled_at_ms: i64,
    /// The village is not one the hierarchy lists under the beat: an entry from before
    /// villages were checked, to correct before it is verified.
    #[serde(default)]
    pub village_outside_beat: bool,
}

impl From<VolunteerBrief> for ListedVolunteer {
    fn from(brief: VolunteerBrief) -> Self {
        ListedVolunteer {
            id: brief.id,
            beat: brief.beat,
            station: brief.station,
            village: brief.village,
            status: brief.status,
            name_devanagari: brief.name_devanagari,
            name_latin: brief.name_latin,
            phone: brief.phone,
            household: brief.household,
            enrolled_by: brief.enrolled_by,
            enrolled_at_ms: brief.enrolled_at_ms,
            village_outside_beat: brief.village_outside_beat,
        }
    }
}

/// `GET /v1/reports/review-queue`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReviewQueue {
    /// Pending volunteers in scope, in all.
    pub total: u64,
    /// This page, oldest enrolment first.
    pub volunteers: Vec<ListedVolunteer>,
}

/// The review queue of `user`'s scope: pending entries, or those of another status, narrowed
/// as `query` asks. A beat outside the scope is refused, not answered empty.
pub fn review_queue(
    store: &ServerStore,
    user: &User,
    query: &crate::ops::reports::Queue,
) -> Result<ReviewQueue> {
    const STATUSES: [&str; 6] = [
        "pending",
        "verified",
        "rejected",
        "duplicate",
        "withdrawn",
        "moved",
    ];
    let given = |value: &Option<String>| value.clone().filter(|text| !text.trim().is_empty());
    let status = given(&query.status);
    if let Some(status) = &status
        && !STATUSES.contains(&status.as_str())
    {
        return Err(Error::invalid(
            "status",
            Problem::unreadable(
                status,
                "pending, verified, rejected, duplicate, withdrawn or moved",
            ),
        ));
    }
    let tree = Tree::load(store)?;
    let scope = Scope::of(user, &tree);
    let limit = query.limit.unwrap_or(100).clamp(1, MAX_QUEUE_PAGE);
    let beats = match given(&query.beat) {
        Some(beat) if scope.has_beat(&beat) => Some(vec![beat]),
        Some(beat) => {
            return Err(Error::Forbidden {
                reason: format!("beat {beat} is outside {}", user.unit),
            });
        }
        None => scope.beat_filter(),
    };
    let filter = QueueFilter {
        status,
        village: given(&query.village),
        enrolled_by: given(&query.constable),
        programme: given(&query.programme),
    };
    let (total, rows) =
        store.pending_review(beats.as_deref(), &filter, limit, query.offset.unwrap_or(0))?;
    Ok(ReviewQueue {
        total,
        volunteers: rows.into_iter().map(ListedVolunteer::from).collect(),
    })
}

/// One day's work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DayCounts {
    /// The day in India, `YYYY-MM-DD`.
    pub day: String,
    /// Active volunteers enrolled that day, by the enrolling phone's clock.
    pub enrolled: u64,
    /// Verifications the server recorded that day.
    pub verified: u64,
}

/// `GET /v1/reports/daily`: enrolments and verifications day by day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DailyReport {
    /// What was counted.
    pub counted: Counted,
    /// Every day of the campaign's window (or, without a campaign, from the first day with
    /// work to the last, at most the last 90), oldest first; days without work count 0.
    pub days: Vec<DayCounts>,
}

/// The most days a report without a campaign spans.
const MAX_DAILY_DAYS: i64 = 90;

/// Enrolments and verifications per day in `user`'s scope.
pub fn daily(store: &ServerStore, user: &User, query: &ReportQuery) -> Result<DailyReport> {
    let filter = resolve(store, user, query)?;
    let tree = Tree::load(store)?;
    let scope = Scope::asked(store, user, &tree, query)?;
    let counted = store.count_by_day(
        filter.window,
        filter.counted.programme.as_deref(),
        scope.beat_filter().as_deref(),
    )?;
    let day_of = |ms: i64| (ms + 19_800_000).div_euclid(86_400_000);
    let (first, last) = if filter.window == Window::ALL {
        match (counted.first(), counted.last()) {
            (Some(first), Some(last)) => (first.0.max(last.0 - MAX_DAILY_DAYS + 1), last.0),
            _ => (0, -1),
        }
    } else {
        (
            day_of(filter.window.from_ms),
            day_of(filter.window.until_ms - 1),
        )
    };
    let by_day: std::collections::BTreeMap<i64, (u64, u64)> = counted
        .into_iter()
        .map(|(day, enrolled, verified)| (day, (enrolled, verified)))
        .collect();
    let days = (first..=last)
        .map(|day| {
            let (enrolled, verified) = by_day.get(&day).copied().unwrap_or_default();
            DayCounts {
                day: crate::ist::date_iso(day * 86_400_000),
                enrolled,
                verified,
            }
        })
        .collect();
    Ok(DailyReport {
        counted: filter.counted,
        days,
    })
}

/// What a search found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SearchResults {
    /// How the text was read: `phone`, `village` or `name` (sound-alike, across scripts).
    pub by: String,
    /// Who, oldest enrolment first.
    pub volunteers: Vec<ListedVolunteer>,
}

/// The most a search lists.
const MAX_SEARCH: u32 = 200;

/// Volunteers in `user`'s scope found by `query.q`: a mobile number (any way it is written)
/// by the blind index, six digits as a village's LGD code, anything else as a name, matched
/// by its sound-alike key in either script ("ramesh" finds "रमेश साहू").
pub fn search(
    store: &ServerStore,
    user: &User,
    query: &crate::ops::review::Search,
) -> Result<SearchResults> {
    let text = query.q.trim();
    if text.is_empty() {
        return Err(Error::invalid(
            "q",
            Problem::unreadable(text, "a name, a mobile number or a village code"),
        ));
    }
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let term = if digits.len() == 6 && text.chars().all(|c| c.is_ascii_digit() || c == ' ') {
        SearchTerm::Village(digits)
    } else if let Ok(phone) =
        mitan_core::model::validate::parse_phone(mitan_core::model::Field::Phone, text)
    {
        SearchTerm::Phone(phone.as_str().to_owned())
    } else {
        let key = mitan_core::model::validate::phonetic_key(text);
        if key.is_empty() {
            return Err(Error::invalid(
                "q",
                Problem::unreadable(text, "a name, a mobile number or a village code"),
            ));
        }
        SearchTerm::Name(key)
    };
    let tree = Tree::load(store)?;
    let scope = Scope::of(user, &tree);
    let limit = query.limit.unwrap_or(50).clamp(1, MAX_SEARCH);
    let rows = store.search_volunteers(scope.beat_filter().as_deref(), &term, limit)?;
    Ok(SearchResults {
        by: term.kind().to_owned(),
        volunteers: rows.into_iter().map(ListedVolunteer::from).collect(),
    })
}

/// Volunteers who may be one person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DuplicateGroup {
    /// What they share: their phone's tag in the server's blind index, in hex (never the
    /// number itself), or the village and sound-alike name key.
    pub key: String,
    /// Who, by id.
    pub volunteers: Vec<ListedVolunteer>,
}

/// How many groups of each kind there are in the caller's scope, on every page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DuplicateTotals {
    /// Groups sharing a phone.
    pub same_phone: u64,
    /// Groups of sound-alike names.
    pub similar_name: u64,
}

/// `GET /v1/reports/duplicates`: one page of each kind of group, the same `offset` and
/// `limit` applying to both lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DuplicateReport {
    /// Groups in all, to page through.
    pub total_groups: DuplicateTotals,
    /// Active volunteers sharing a phone number (the strongest sign), by tag.
    pub same_phone: Vec<DuplicateGroup>,
    /// Active volunteers of one village whose names sound alike across scripts and spellings,
    /// by village and name key.
    pub similar_name: Vec<DuplicateGroup>,
}

fn listed(found: CandidateGroups, scope: &Scope) -> Vec<DuplicateGroup> {
    let mut groups: Vec<DuplicateGroup> = found
        .groups
        .into_iter()
        .map(|(key, members)| DuplicateGroup {
            key,
            volunteers: members
                .into_iter()
                .filter(|member| scope.has_beat(&member.beat))
                .map(ListedVolunteer::from)
                .collect(),
        })
        .collect();
    // SQL reads only the caller's beats, or for a district admin every row, all of whose
    // beats the hierarchy normally holds (units are added or replaced, never deleted). A row
    // filed under a beat the hierarchy lacks is still never shown, so a supervisor sees no
    // one outside their scope; a group left with one person shown is dropped from the page,
    // though the totals, counted in SQL, still include it.
    groups.retain(|group| group.volunteers.len() > 1);
    groups
}

/// Duplicate candidates in `user`'s scope, one page of groups of each kind (100 unless
/// `query.limit` says otherwise, at most [`MAX_DUPLICATE_PAGE`]).
///
/// Finding every group takes one read of an index; only the page's groups are then read in
/// full, since across a district nearly every volunteer may have a sound-alike.
pub fn duplicates(
    store: &ServerStore,
    user: &User,
    query: &ReportQuery,
) -> Result<DuplicateReport> {
    let tree = Tree::load(store)?;
    let scope = Scope::asked(store, user, &tree, query)?;
    let page = Page {
        offset: u64::from(query.offset.unwrap_or(0)),
        limit: u64::from(query.limit.unwrap_or(100).clamp(1, MAX_DUPLICATE_PAGE)),
    };
    let beats = scope.beat_filter();
    let same_phone = store.shared_phones(beats.as_deref(), page)?;
    let similar_name = store.similar_names(beats.as_deref(), page)?;
    Ok(DuplicateReport {
        total_groups: DuplicateTotals {
            same_phone: same_phone.total,
            similar_name: similar_name.total,
        },
        same_phone: listed(same_phone, &scope),
        similar_name: listed(similar_name, &scope),
    })
}

/// One programme's count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProgrammeCount {
    /// Programme code.
    pub programme: String,
    /// Active volunteers in it.
    pub volunteers: u64,
    /// Of which verified.
    pub verified: u64,
}

/// One unit's counts per programme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UnitProgrammes {
    /// Code.
    pub code: String,
    /// Kind.
    pub kind: String,
    /// Hindi name.
    pub name_hi: String,
    /// English name.
    pub name_en: String,
    /// Parent.
    pub parent: Option<String>,
    /// Every programme with volunteers under the unit.
    pub programmes: Vec<ProgrammeCount>,
}

/// `GET /v1/reports/programmes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProgrammeReport {
    /// What was counted (the programme filter does not apply here).
    pub counted: Counted,
    /// Every programme with volunteers in scope.
    pub programmes: Vec<ProgrammeCount>,
    /// Every unit in scope down to the kind asked, depth first, with its own counts.
    #[serde(default)]
    pub units: Vec<UnitProgrammes>,
}

fn programme_counts(counts: BTreeMap<String, (u64, u64)>) -> Vec<ProgrammeCount> {
    counts
        .into_iter()
        .map(|(programme, (volunteers, verified))| ProgrammeCount {
            programme,
            volunteers,
            verified,
        })
        .collect()
}

/// Counts per programme in `user`'s scope, in all and per unit.
pub fn programmes(
    store: &ServerStore,
    user: &User,
    query: &ReportQuery,
) -> Result<ProgrammeReport> {
    let filter = resolve(store, user, query)?;
    let tree = Tree::load(store)?;
    let scope = Scope::asked(store, user, &tree, query)?;
    let mut counts: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let mut per_unit: HashMap<String, BTreeMap<String, (u64, u64)>> = HashMap::new();
    let beats = scope.beat_filter();
    for row in store.count_by_programme(filter.window, beats.as_deref())? {
        if scope.has_beat(&row.beat) {
            for unit in tree.up_from(&row.beat) {
                if scope.lists(&tree, &unit) {
                    let entry = per_unit
                        .entry(unit)
                        .or_default()
                        .entry(row.key.clone())
                        .or_default();
                    entry.0 += row.active;
                    entry.1 += row.verified;
                }
            }
            let entry = counts.entry(row.key).or_default();
            entry.0 += row.active;
            entry.1 += row.verified;
        }
    }
    let units = scope
        .units
        .iter()
        .filter(|code| scope.lists(&tree, code))
        .filter_map(|code| {
            let unit = tree.units.get(code)?;
            Some(UnitProgrammes {
                code: unit.code.clone(),
                kind: unit.kind.clone(),
                name_hi: unit.name_hi.clone(),
                name_en: unit.name_en.clone(),
                parent: unit.parent.clone(),
                programmes: programme_counts(per_unit.remove(code).unwrap_or_default()),
            })
        })
        .collect();
    Ok(ProgrammeReport {
        counted: filter.counted,
        programmes: programme_counts(counts),
        units,
    })
}
