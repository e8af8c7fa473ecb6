//! What moved in the progress report between two moments, for auditors: "how many did each
//! station enrol and verify on the second day of the drive?"
//!
//! Both moments are replayed as `GET /v1/audit/report` replays one (see [`super::past`]), so a
//! diff is exactly the difference of the two past reports, people counted as the live report
//! counts them (each phone once per unit, [`super::people`]); only the units and employees
//! whose counts moved, duplicates included, are listed, with how many did not.

use std::collections::HashMap;

use clap::Args;
use serde::{Deserialize, Serialize};

use super::past::{PastMoment, PastProgressReport, moment, replay};
use super::{Counted, EmployeeProgress, ReportQuery, UnitProgress};
use crate::audit::{ClockName, check_auditor};
use crate::error::{Error, Problem, Result};
use crate::store::{ServerStore, User};
use mitan_core::history::Clock;

/// `GET /v1/audit/report/diff` and `mitan audit report-diff`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Args, utoipa::ToSchema)]
#[group(skip)]
pub struct ReportDiffQuery {
    /// The first moment, ms since the epoch (on the command line also India time). This or
    /// `from_change` is required.
    #[serde(default)]
    #[arg(long, conflicts_with = "from_change", required_unless_present = "from_change",
          alias = "from", value_parser = crate::ist::moment_arg)]
    pub from_ms: Option<i64>,
    /// Or the moment the server received this change (its hash in hex).
    #[serde(default)]
    #[arg(long)]
    pub from_change: Option<String>,
    /// The second moment; now when neither this nor `to_change` is given (server clock only).
    #[serde(default)]
    #[arg(long, conflicts_with = "to_change", alias = "to", value_parser = crate::ist::moment_arg)]
    pub to_ms: Option<i64>,
    /// Or the moment the server received this change.
    #[serde(default)]
    #[arg(long)]
    pub to_change: Option<String>,
    /// The clock the times are read on: `server` (receipt time, the default) or `device`.
    #[serde(default)]
    #[arg(long, value_enum)]
    pub clock: Option<ClockName>,
    /// Count only within this campaign's window and programme.
    #[serde(default)]
    #[arg(long)]
    pub campaign: Option<String>,
    /// Count only this programme.
    #[serde(default)]
    #[arg(long)]
    pub programme: Option<String>,
}

/// A count at both moments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Movement {
    /// At the first moment.
    pub from: u64,
    /// At the second.
    pub to: u64,
    /// `to - from`: negative when volunteers left (a withdrawal, a duplicate mark, a
    /// rejection) faster than others came.
    pub by: i64,
}

impl Movement {
    fn of(from: u64, to: u64) -> Self {
        let signed = |count: u64| i64::try_from(count).unwrap_or(i64::MAX);
        Movement {
            from,
            to,
            by: signed(to) - signed(from),
        }
    }

    fn moved(&self) -> bool {
        self.from != self.to
    }
}

/// A unit whose counts moved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UnitMovement {
    /// Code.
    pub code: String,
    /// Kind.
    pub kind: String,
    /// Hindi name.
    pub name_hi: String,
    /// English name.
    pub name_en: String,
    /// The target (as the campaign sets it now).
    pub target: u64,
    /// People with an active entry (pending or verified), each phone once.
    pub enrolled: Movement,
    /// People with a verified entry.
    pub verified: Movement,
    /// Active entries left out as the same phone as another.
    pub duplicates: Movement,
}

/// An employee whose counts moved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EmployeeMovement {
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
    /// People they enrolled (active entries, each phone once).
    pub enrolled: Movement,
    /// Of which verified.
    pub verified: Movement,
    /// Their active entries left out as the same phone as another of theirs.
    pub duplicates: Movement,
}

/// What moved in the progress report between two moments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReportDiff {
    /// The first moment.
    pub from: PastMoment,
    /// The second.
    pub to: PastMoment,
    /// The clock both were read on.
    pub clock: String,
    /// What was counted.
    pub counted: Counted,
    /// Units whose counts moved, in the report's order (depth first).
    pub units: Vec<UnitMovement>,
    /// Units in scope whose counts did not move.
    pub units_unchanged: u64,
    /// Employees whose counts moved, in the report's order.
    pub employees: Vec<EmployeeMovement>,
    /// Employees in scope whose counts did not move.
    pub employees_unchanged: u64,
}

/// The progress report's movement between the two moments `query` names, every beat in
/// `user`'s scope replayed at each; `now_ms` is the second moment when none is named.
/// `progress` is told how many beat replays of how many are done, both moments together.
pub fn progress_diff(
    store: &ServerStore,
    user: &User,
    query: &ReportDiffQuery,
    now_ms: i64,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<ReportDiff> {
    check_auditor(user)?;
    let clock = Clock::from(query.clock.unwrap_or_default());
    let from = moment(
        store,
        query.from_ms,
        query.from_change.as_deref(),
        clock,
        ("from_ms", "from_change"),
    )?
    .ok_or_else(|| {
        Error::invalid(
            "from_ms",
            Problem::Missing {
                what: "the first moment (from_ms or from_change)",
            },
        )
    })?;
    let to = match moment(
        store,
        query.to_ms,
        query.to_change.as_deref(),
        clock,
        ("to_ms", "to_change"),
    )? {
        Some(to) => to,
        None if clock == Clock::Server => (now_ms, None),
        // A phone's clock may run ahead of the server's, so the server's now is no
        // moment on the devices' clocks.
        None => {
            return Err(Error::invalid("to_ms", Problem::DeviceClockNeedsTime));
        }
    };
    if to.0 < from.0 {
        return Err(Error::invalid(
            if to.1.is_some() { "to_change" } else { "to_ms" },
            Problem::EndsBeforeStart {
                starts: crate::ist::precise(from.0),
                ends: crate::ist::precise(to.0),
            },
        ));
    }
    let counted = ReportQuery {
        campaign: query.campaign.clone(),
        programme: query.programme.clone(),
        ..ReportQuery::default()
    };
    let before = replay(store, user, from, clock, &counted, &mut |done, total| {
        progress(done, 2 * total)
    })?;
    let after = replay(store, user, to, clock, &counted, &mut |done, total| {
        progress(total + done, 2 * total)
    })?;
    Ok(ReportDiff::between(before, after))
}

impl ReportDiff {
    /// What moved from `before` to `after`, two replays of the same scope and counting.
    fn between(before: PastProgressReport, after: PastProgressReport) -> ReportDiff {
        let (units, units_unchanged) = moved(
            &before.report.units,
            &after.report.units,
            |unit, [enrolled, verified, duplicates]| UnitMovement {
                code: unit.code.clone(),
                kind: unit.kind.clone(),
                name_hi: unit.name_hi.clone(),
                name_en: unit.name_en.clone(),
                target: unit.target,
                enrolled,
                verified,
                duplicates,
            },
        );
        let (employees, employees_unchanged) = moved(
            &before.report.employees,
            &after.report.employees,
            |employee, [enrolled, verified, duplicates]| EmployeeMovement {
                badge: employee.badge.clone(),
                name: employee.name.clone(),
                role: employee.role.clone(),
                station: employee.station.clone(),
                target: employee.target,
                enrolled,
                verified,
                duplicates,
            },
        );
        ReportDiff {
            from: before.moment,
            to: after.moment,
            clock: after.clock,
            counted: after.report.counted,
            units,
            units_unchanged,
            employees,
            employees_unchanged,
        }
    }
}

/// A row of the progress report: a unit or an employee.
trait ReportRow {
    /// What names it in the report: a unit's code, an employee's badge.
    fn key(&self) -> &str;
    /// `[enrolled, verified, duplicates]`.
    fn counts(&self) -> [u64; 3];
}

impl ReportRow for UnitProgress {
    fn key(&self) -> &str {
        &self.code
    }

    fn counts(&self) -> [u64; 3] {
        [self.enrolled, self.verified, self.duplicates]
    }
}

impl ReportRow for EmployeeProgress {
    fn key(&self) -> &str {
        &self.badge
    }

    fn counts(&self) -> [u64; 3] {
        [self.enrolled, self.verified, self.duplicates]
    }
}

/// The rows of `after` whose counts differ from the same row in `before`, made by `movement`
/// in `after`'s order, and how many did not move. A row missing from `before` (a unit added
/// to the district in between) counts 0 there.
fn moved<R: ReportRow, M>(
    before: &[R],
    after: &[R],
    movement: impl Fn(&R, [Movement; 3]) -> M,
) -> (Vec<M>, u64) {
    let then: HashMap<&str, [u64; 3]> =
        before.iter().map(|row| (row.key(), row.counts())).collect();
    let mut moved = Vec::new();
    let mut unchanged = 0;
    for row in after {
        let was = then.get(row.key()).copied().unwrap_or_default();
        let now = row.counts();
        let movements = [0, 1, 2].map(|index| Movement::of(was[index], now[index]));
        if movements.iter().any(Movement::moved) {
            moved.push(movement(row, movements));
        } else {
            unchanged += 1;
        }
    }
    (moved, unchanged)
}
