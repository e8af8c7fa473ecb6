//! The progress report as it stood at a past moment, for auditors: "what did the station's
//! roster look like on the last day of the drive?"
//!
//! Every beat in the reader's scope is replayed from its change log to that moment (on the
//! server's clock, the changes received by then; on the devices' clocks, the version the
//! history finds, as `GET /v1/audit/state` does), and the volunteers it then held are counted
//! as the live report counts its rows, each phone once per unit ([`super::people`]). A report
//! read live and the same moment replayed later therefore agree, unit by unit and employee by
//! employee (the end-to-end tests check it, duplicates included).
//!
//! Replays run on a read-only connection. To count a phone once, a replay opens the phone of
//! each active entry with the district's key, as the merge did when it wrote the row, and
//! keeps only its tag in the server's blind index; no personal field leaves the server, so
//! nothing goes to the access log. A person who has since withdrawn has no key left: their
//! entry counts as a person of its own, which a live report read before the withdrawal may
//! have counted once with another entry of the same phone.

use std::collections::{BTreeSet, HashSet};

use clap::Args;
use mitan_core::history::{Clock, History, Point, decode_hash};
use mitan_core::model::sealed::NoKeys;
use mitan_core::model::{EntryId, Roster, RosterId, Status};
use serde::{Deserialize, Serialize};

use super::people::{Entry, Tallied};
use super::{ProgressReport, ReportQuery, Scope, Tally, Tree, Window, progress_with, resolve};
use crate::audit::{ClockName, check_auditor, clock_name};
use crate::error::{Error, Problem, Result};
use crate::store::{ServerStore, User};

/// `GET /v1/audit/report` and `mitan audit report`: the progress report at a past moment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Args, utoipa::ToSchema)]
#[group(skip)]
pub struct PastReportQuery {
    /// The moment, ms since the epoch (on the command line also India time). This or
    /// `change` is required.
    #[serde(default)]
    #[arg(long, required_unless_present = "change", conflicts_with = "change", alias = "at",
          value_parser = crate::ist::moment_arg)]
    pub at_ms: Option<i64>,
    /// Or a change (its hash in hex): the moment the server received it, on the server's
    /// clock, so the report holds that change and everything that had arrived with or
    /// before it.
    #[serde(default)]
    #[arg(long)]
    pub change: Option<String>,
    /// The clock `at_ms` is read on: `server` (receipt time, the default) or `device`.
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

/// A moment a report was replayed at, and what the replay held then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PastMoment {
    /// The moment, ms since the epoch.
    pub at_ms: i64,
    /// The change the moment was named by, when it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<String>,
    /// Rosters replayed: the beats in scope whose roster held any change then.
    pub rosters: u64,
    /// Changes those rosters held at that moment, each roster's genesis included.
    pub changes: u64,
    /// Entries that could not be read, written by a broken or hostile peer: not counted.
    pub unreadable: u64,
}

/// The progress report as it stood at a moment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PastProgressReport {
    /// The moment, and what the replay held then.
    #[serde(flatten)]
    pub moment: PastMoment,
    /// The clock it was read on.
    pub clock: String,
    /// The report.
    #[serde(flatten)]
    pub report: ProgressReport,
}

/// The progress of every unit and employee in `user`'s scope as it stood at the moment
/// `query` names. `progress` is told how many beats of how many are replayed, as they are.
///
/// Only the beats in scope are replayed, so an employee's count takes in the volunteers they
/// enrolled there; auditors and the district admin, the only readers, see the whole district.
pub fn progress_at(
    store: &ServerStore,
    user: &User,
    query: &PastReportQuery,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<PastProgressReport> {
    check_auditor(user)?;
    let clock = Clock::from(query.clock.unwrap_or_default());
    let moment = moment(
        store,
        query.at_ms,
        query.change.as_deref(),
        clock,
        ("at_ms", "change"),
    )?
    .ok_or_else(|| {
        Error::invalid(
            "at_ms",
            Problem::Missing {
                what: "the moment (at_ms or at_change)",
            },
        )
    })?;
    let counted = ReportQuery {
        campaign: query.campaign.clone(),
        programme: query.programme.clone(),
        ..ReportQuery::default()
    };
    replay(store, user, moment, clock, &counted, progress)
}

/// A moment named by a time or by a change: `(at_ms, change)`.
pub(super) type Moment = (i64, Option<String>);

/// The moment `at_ms` or `change` names, `None` when neither is given. `fields` are the
/// names the two go by in the query, for the error that names the one at fault.
pub(super) fn moment(
    store: &ServerStore,
    at_ms: Option<i64>,
    change: Option<&str>,
    clock: Clock,
    fields: (&'static str, &'static str),
) -> Result<Option<Moment>> {
    let change = change.filter(|text| !text.is_empty());
    match (at_ms, change) {
        (Some(at_ms), None) => Ok(Some((at_ms, None))),
        (None, Some(change)) => Ok(Some((
            received_at(store, change, clock, fields.1)?,
            Some(change.to_owned()),
        ))),
        (Some(_), Some(_)) => Err(Error::invalid(
            fields.1,
            Problem::ExactlyOne {
                of: "a time and a change",
            },
        )),
        (None, None) => Ok(None),
    }
}

/// The progress report at `moment`, read on `clock`, counted as `counted` asks: every beat
/// in `user`'s scope replayed, `progress` told how many of how many as they are.
pub(super) fn replay(
    store: &ServerStore,
    user: &User,
    (at_ms, change): Moment,
    clock: Clock,
    counted: &ReportQuery,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<PastProgressReport> {
    let filter = resolve(store, user, counted)?;
    let tree = Tree::load(store)?;
    let scope = Scope::asked(store, user, &tree, counted)?;
    let mut beats: Vec<&String> = scope.beats.iter().collect();
    beats.sort();
    let point = Point::Time { at_ms, clock };
    let mut replayed = Replayed::default();
    let total = beats.len() as u64;
    for (done, beat) in (1u64..).zip(beats) {
        replayed.add(store, beat, &point)?;
        progress(done, total);
    }
    let moment = PastMoment {
        at_ms,
        change,
        rosters: replayed.rosters,
        changes: replayed.changes,
        unreadable: replayed.unreadable,
    };
    let report = progress_with(store, filter, &tree, &scope, &mut replayed)?;
    Ok(PastProgressReport {
        moment,
        clock: clock_name(clock).to_owned(),
        report,
    })
}

/// The moment the server received `change`: a change names a moment on the server's clock
/// only, since a device's claim for it says nothing of what else had arrived by then.
fn received_at(
    store: &ServerStore,
    change: &str,
    clock: Clock,
    field: &'static str,
) -> Result<i64> {
    if clock != Clock::Server {
        return Err(Error::invalid("clock", Problem::DeviceClockNeedsTime));
    }
    let hash = decode_hash(change).map_err(|_| {
        Error::invalid(
            field,
            Problem::unreadable(change, "a change hash (64 hex digits)"),
        )
    })?;
    store
        .change_received_at(&hash)?
        .ok_or_else(|| Error::NotFound {
            what: "change",
            id: change.to_owned(),
        })
}

/// One active volunteer (pending or verified) at the moment replayed.
struct Active {
    beat: String,
    enrolled_by: String,
    enrolled_at_ms: i64,
    programmes: BTreeSet<String>,
    verified: bool,
    /// The phone's tag in the blind index, when the district still holds the entry's key.
    phone_tag: Option<Vec<u8>>,
}

impl Active {
    fn counts(&self, window: Window, programme: Option<&str>) -> bool {
        self.enrolled_at_ms >= window.from_ms
            && self.enrolled_at_ms < window.until_ms
            && programme.is_none_or(|programme| self.programmes.contains(programme))
    }
}

/// The volunteers the replayed rosters held, counted like the live rows.
#[derive(Default)]
struct Replayed {
    active: Vec<Active>,
    /// The live table holds one row per volunteer; a volunteer in two rosters (a move) is
    /// counted once here too.
    seen: HashSet<String>,
    rosters: u64,
    changes: u64,
    unreadable: u64,
}

impl Replayed {
    /// Replays `beat`'s roster to `point` and keeps its active volunteers.
    fn add(&mut self, store: &ServerStore, beat: &str, point: &Point) -> Result<()> {
        let id: RosterId = beat.parse().map_err(|_| Error::Corrupt {
            what: "unit",
            reason: format!("{beat:?} is not a roster id"),
        })?;
        let load = |snapshot: Option<&[u8]>, changes: &[Vec<u8>]| {
            Roster::load(&id, snapshot, changes).map_err(|error| Error::Corrupt {
                what: "roster",
                reason: format!("{id}: {error}"),
            })
        };
        let (past, changes) = match *point {
            // On the server's clock the roster then is exactly the changes received by then:
            // loading them is far cheaper than reading the whole history to find its heads.
            Point::Time {
                at_ms,
                clock: Clock::Server,
            } => {
                let Some((parts, received)) = store.load_roster_received_by(&id, at_ms)? else {
                    return Ok(());
                };
                // The genesis is never received: every roster starts from it.
                let changes = usize::try_from(received).unwrap_or(usize::MAX) + 1;
                (load(parts.snapshot.as_deref(), &parts.changes)?, changes)
            }
            // A device's clock is only its claim: the history finds the version it implies.
            _ => {
                let parts = store.load_roster(&id)?;
                if parts.snapshot.is_none() && parts.changes.is_empty() {
                    return Ok(());
                }
                let mut roster = load(parts.snapshot.as_deref(), &parts.changes)?;
                let receipts = store.load_receipts(&id)?;
                let history = History::of(&mut roster, &NoKeys)?
                    .with_receipts(|hash| receipts.get(hash).copied());
                let heads = history.heads_at(point)?;
                let changes = history.count_at(&heads);
                // Only the genesis: nothing had been enrolled in this beat by then.
                if changes <= 1 {
                    return Ok(());
                }
                (roster.at(&heads)?, changes)
            }
        };
        self.rosters += 1;
        self.changes += changes as u64;
        // The keys of the entries active then, to tell their phones' tags: an erased key
        // (a withdrawal) is simply absent.
        let active_ids: BTreeSet<EntryId> = past
            .volunteers(&NoKeys)
            .into_iter()
            .flatten()
            .filter(|volunteer| matches!(volunteer.status, Status::Verified | Status::Pending))
            .map(|volunteer| EntryId::Volunteer(volunteer.id))
            .collect();
        let keys = store.load_keys(&active_ids)?;
        for read in past.volunteers(&keys) {
            let Ok(volunteer) = read else {
                self.unreadable += 1;
                continue;
            };
            let verified = match volunteer.status {
                Status::Verified => true,
                Status::Pending => false,
                _ => continue,
            };
            if !self.seen.insert(volunteer.id.to_string()) {
                continue;
            }
            let phone_tag = volunteer
                .personal
                .as_ref()
                .map(|personal| store.phone_tag(&personal.phone));
            self.active.push(Active {
                phone_tag,
                beat: volunteer.beat.to_string(),
                enrolled_by: volunteer.enrolled_by.to_string(),
                enrolled_at_ms: volunteer.enrolled_at_ms,
                programmes: volunteer
                    .programmes
                    .iter()
                    .map(|programme| programme.as_str().to_owned())
                    .collect(),
                verified,
            });
        }
        Ok(())
    }

    /// The entries counted (within `window`, in `programme`, and whose key is among `among`
    /// when given), each under the key `key` gives it.
    fn tallied(
        &self,
        window: Window,
        programme: Option<&str>,
        key: impl Fn(&Active) -> &str,
        among: Option<&[String]>,
    ) -> Tallied {
        let among: Option<HashSet<&str>> =
            among.map(|among| among.iter().map(String::as_str).collect());
        Tallied::of_entries(
            self.active
                .iter()
                .filter(|active| {
                    active.counts(window, programme)
                        && among
                            .as_ref()
                            .is_none_or(|among| among.contains(key(active)))
                })
                .map(|active| Entry {
                    key: key(active),
                    tag: active.phone_tag.as_deref(),
                    verified: active.verified,
                }),
        )
    }
}

impl Tally for Replayed {
    fn by_beat(
        &mut self,
        window: Window,
        programme: Option<&str>,
        units: Option<&[String]>,
    ) -> Result<Tallied> {
        let mut tallied = self.tallied(window, programme, |active| &active.beat, units);
        // The live query's second key is the beat again.
        for row in &mut tallied.counts {
            row.beat = row.key.clone();
        }
        Ok(tallied)
    }

    fn by_employee(
        &mut self,
        window: Window,
        programme: Option<&str>,
        badges: Option<&[String]>,
    ) -> Result<Tallied> {
        Ok(self.tallied(window, programme, |active| &active.enrolled_by, badges))
    }
}
