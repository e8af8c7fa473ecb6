//! One person, one live entry across beats.
//!
//! A move leaves the person's entry in the old beat as a `moved` marker and copies it, under
//! the same id, into the new beat ([`Roster::move_in`], [`Roster::move_out`]). The entries of
//! one volunteer across rosters form a **lineage**: the enrolment at its root, each entry
//! pointing to where the person went. The **live** entry is found by following, from the
//! root, the move that wins in each entry (Automerge's winner of the `moved` key, the same on
//! every replica), until an entry that has not moved on.
//!
//! Whatever was done to any other entry of the lineage that the live entry has not seen is
//! carried into it ([`Roster::carry_in`]): an offline withdrawal or edit on the old beat's
//! phone, or the edits made on the copy that lost to a concurrent move. That losing copy is
//! marked as moved to the live entry ([`Roster::mark_moved`]), so every replica ends with one
//! live entry whatever the order in which it learnt of the moves.
//!
//! [`plan`] only reads; the caller (the district server, which holds every roster) writes the
//! plan and stores it. A replica that lacks a roster of the lineage, or has a copy whose move
//! marker has not arrived yet, gets [`Plan::Unsettled`] and changes nothing: it reconciles
//! once the rest arrives, as the district server always does in the same transaction as the
//! merge that brought it.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::change_meta::ChangeMeta;
use super::id::{RosterId, VolunteerId};
use super::roster::{Carry, EntryLinks, Reflected, Roster, RosterChange};
use crate::error::Result;

/// What reconciling a volunteer's lineage needs to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// Rosters of the lineage that the caller must load before asking again.
    Missing(Vec<RosterId>),
    /// The lineage cannot be settled from what this replica holds (a copy whose move marker
    /// has not arrived, a roster that does not hold the entry yet): nothing to do now.
    Unsettled,
    /// One live entry, and everything written elsewhere has reached it.
    Settled {
        /// The roster holding the live entry.
        live: RosterId,
    },
    /// Writes that bring the lineage to one live entry holding everything done to the person.
    Reconcile {
        /// The roster holding the live entry.
        live: RosterId,
        /// Copies that lost to a concurrent move, to be marked as moved to `live`.
        losers: Vec<RosterId>,
        /// Who made the move that created the live entry: the losers' markers name them.
        mover: Option<String>,
        /// Changes to carry into the live entry, in order.
        carries: Vec<Carry>,
    },
}

/// Reads the lineage of volunteer `id`, starting from its entry in `start`, and says what to
/// write. Never writes.
pub fn plan(
    rosters: &mut BTreeMap<RosterId, Roster>,
    id: &VolunteerId,
    start: &RosterId,
) -> Result<Plan> {
    let mut links: BTreeMap<RosterId, EntryLinks> = BTreeMap::new();
    let mut missing = Vec::new();
    let mut queue = VecDeque::from([start.clone()]);
    let mut seen = BTreeSet::from([start.clone()]);
    while let Some(roster_id) = queue.pop_front() {
        let Some(roster) = rosters.get(&roster_id) else {
            missing.push(roster_id);
            continue;
        };
        // A roster named by a move but not yet holding the entry: its copy is on the way.
        let Some(entry) = roster.links(id) else {
            return Ok(Plan::Unsettled);
        };
        let neighbours = entry
            .moved_to
            .iter()
            .chain(&entry.moved_from)
            .chain(&entry.known_moves)
            .chain(&entry.known_sources);
        for next in neighbours {
            if seen.insert(next.clone()) {
                queue.push_back(next.clone());
            }
        }
        links.insert(roster_id, entry);
    }
    if !missing.is_empty() {
        return Ok(Plan::Missing(missing));
    }

    let roots: Vec<&RosterId> = links
        .iter()
        .filter(|(_, entry)| entry.moved_from.is_none())
        .map(|(roster, _)| roster)
        .collect();
    let [root] = roots.as_slice() else {
        return Ok(Plan::Unsettled);
    };
    let mut chain = vec![(*root).clone()];
    let live = loop {
        let current = chain.last().expect("the chain starts with the root");
        match links[current].moved_to.first() {
            None => break current.clone(),
            Some(next) if chain.contains(next) => return Ok(Plan::Unsettled),
            Some(next) => chain.push(next.clone()),
        }
    };
    // Every copy off the chain must be one its source knows it moved the person to; any
    // other is a move whose marker has not arrived here yet.
    let off_chain: Vec<RosterId> = links
        .keys()
        .filter(|roster| !chain.contains(roster))
        .cloned()
        .collect();
    for roster in &off_chain {
        let known = links[roster]
            .moved_from
            .as_ref()
            .and_then(|source| links.get(source))
            .is_some_and(|source| source.known_moves.contains(roster));
        if !known {
            return Ok(Plan::Unsettled);
        }
    }
    let losers: Vec<RosterId> = off_chain
        .iter()
        .filter(|roster| links[*roster].moved_to.is_empty())
        .cloned()
        .collect();

    let mut absorbed = rosters
        .get(&live)
        .map(|roster| roster.carried_originals(id))
        .unwrap_or_default();
    let mut carries = Vec::new();
    // The copy made by the winning move took everything before it; a copy that lost passed
    // nothing on; the live roster passes on only what went to a copy hidden behind it.
    let mut sources: Vec<(&RosterId, Option<Reflected>)> = Vec::new();
    for roster in chain.iter().filter(|roster| **roster != live) {
        let winning_move = rosters.get(roster).and_then(|roster| roster.move_hash(id));
        sources.push((roster, winning_move.map(Reflected::UpTo)));
    }
    sources.extend(
        off_chain
            .iter()
            .map(|roster| (roster, Some(Reflected::Nothing))),
    );
    if links[&live].hidden_copies {
        let created = rosters
            .get(&live)
            .and_then(|roster| roster.creation_hash(id));
        sources.push((&live, created.map(Reflected::LiveSince)));
    }
    for (roster_id, reflected) in sources {
        let (Some(roster), Some(reflected)) = (rosters.get_mut(roster_id), reflected) else {
            continue;
        };
        for carry in roster.pending_carries(id, reflected, &absorbed)? {
            if absorbed.insert(carry.original) {
                carries.push(carry);
            }
        }
    }
    if carries.is_empty() && losers.is_empty() {
        return Ok(Plan::Settled { live });
    }
    let mover = links[&live].moved_in_by.clone();
    Ok(Plan::Reconcile {
        live,
        losers,
        mover,
        carries,
    })
}

/// What [`reconcile`] wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reconciled {
    /// The roster holding the live entry, once known.
    pub live: Option<RosterId>,
    /// The changes written, by roster.
    pub written: Vec<(RosterId, RosterChange)>,
    /// Whether a withdrawal was carried into the live entry.
    pub withdrawn: bool,
}

/// Plans and writes the reconciliation of volunteer `id` in one go, with `actor` writing
/// every change (carried changes keep their original author in their message; losers'
/// markers are written as `marker`). Rosters of the lineage that `rosters` lacks are not
/// loaded: the result is then empty.
pub fn reconcile(
    rosters: &mut BTreeMap<RosterId, Roster>,
    id: &VolunteerId,
    start: &RosterId,
    actor: [u8; 16],
    marker: &ChangeMeta,
) -> Result<Reconciled> {
    match plan(rosters, id, start)? {
        Plan::Missing(_) | Plan::Unsettled => Ok(Reconciled::default()),
        Plan::Settled { live } => Ok(Reconciled {
            live: Some(live),
            ..Reconciled::default()
        }),
        Plan::Reconcile {
            live,
            losers,
            carries,
            ..
        } => {
            let mut done = Reconciled {
                live: Some(live.clone()),
                ..Reconciled::default()
            };
            write_plan(
                rosters, id, &live, &losers, &carries, actor, marker, &mut done,
            )?;
            Ok(done)
        }
    }
}

/// Writes a [`Plan::Reconcile`]: each carry into the live entry, then each loser's marker.
#[allow(clippy::too_many_arguments)]
pub fn write_plan(
    rosters: &mut BTreeMap<RosterId, Roster>,
    id: &VolunteerId,
    live: &RosterId,
    losers: &[RosterId],
    carries: &[Carry],
    actor: [u8; 16],
    marker: &ChangeMeta,
    done: &mut Reconciled,
) -> Result<()> {
    if let Some(roster) = rosters.get_mut(live) {
        for carry in carries {
            let change = roster.carry_in(id, carry, actor)?;
            done.withdrawn |= carry.withdraws();
            done.written.push((live.clone(), change));
        }
    }
    for loser in losers {
        if let Some(roster) = rosters.get_mut(loser) {
            roster.set_actor(actor);
            let change = roster.mark_moved(id, live, marker)?;
            done.written.push((loser.clone(), change));
        }
    }
    Ok(())
}
