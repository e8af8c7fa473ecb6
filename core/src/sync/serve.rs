//! The server side of a sync, without I/O: apply an offer to the server's copy of a roster,
//! then build the reply. The server stores what [`apply_offer`] accepted durably *between*
//! the two calls, so nothing is acknowledged before it is safe.

use std::collections::BTreeSet;

use super::refusal::Refusal;
use super::wire::{Hash, KeyGrant, Limits, RejectedChange, RosterOffer, RosterReply};
use crate::error::Result;
use crate::model::sealed::EntryKey;
use crate::model::{Action, Applied, ChangeInfo, EntryId, Roster, RosterChange, inspect_change};
use crate::provenance::Signature;

/// An offered change the roster now holds, with its header as read once on arrival.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredChange {
    /// The change.
    pub change: RosterChange,
    /// Its header: actor, dependencies, device clock, message.
    pub info: ChangeInfo,
    /// The signature the offer carried for it, if any (checked by `authorize`).
    pub signature: Option<Signature>,
}

/// What applying one offer did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OfferOutcome {
    /// Offered changes the roster now holds, new or already known: the server stores each
    /// (idempotently, by hash) before replying.
    pub stored: Vec<StoredChange>,
    /// Offered changes that were refused.
    pub rejected: Vec<RejectedChange>,
    /// Which entries changed.
    pub applied: Applied,
}

/// The code of [`Refusal::Undecodable`], for callers that compare wire strings.
pub const UNDECODABLE: &str = Refusal::Undecodable.as_str();
/// The code of [`Refusal::MissingDependency`].
pub const MISSING_DEPENDENCY: &str = Refusal::MissingDependency.as_str();
/// The code of [`Refusal::OversizeChange`].
pub const OVERSIZE_CHANGE: &str = Refusal::OversizeChange.as_str();
/// The code of [`Refusal::OutsideLayout`].
pub const OUTSIDE_LAYOUT: &str = Refusal::OutsideLayout.as_str();

/// The most operations a change may hold. Mitan's largest writes (an enrolment, or a move
/// that copies a whole entry) hold about 40; a tampered phone's change nesting thousands of
/// maps, which every phone of the beat would then have to load, is refused.
pub const MAX_CHANGE_OPS: usize = 512;
/// The most bytes a change may take. A sealed enrolment takes about 400.
pub const MAX_CHANGE_BYTES: usize = 16 * 1024;

/// Why a change falls outside what any Mitan build writes, if it does.
fn outside_limits(info: &ChangeInfo) -> Option<Refusal> {
    if info.ops > MAX_CHANGE_OPS || info.bytes > MAX_CHANGE_BYTES {
        Some(Refusal::OversizeChange)
    } else if info.writes_root {
        Some(Refusal::OutsideLayout)
    } else {
        None
    }
}

/// Applies an offer's changes to `roster`. `authorize` sees each new change's header and the
/// signature offered with it, and returns a refusal to refuse it (e.g. an actor not
/// registered to the sending device, or a signature that is not the device's).
/// [`apply_ruled`](super::apply_ruled) runs this under the rules of what a roster may hold.
/// Changes are checked one by one in the order offered; a refused change also refuses the
/// changes that depend on it, and nothing refused ever enters the roster.
pub fn apply_offer(
    roster: &mut Roster,
    offer: &RosterOffer,
    authorize: impl Fn(&ChangeInfo, Option<&Signature>) -> std::result::Result<(), Refusal>,
) -> Result<OfferOutcome> {
    let mut outcome = OfferOutcome::default();
    let mut batch_hashes: BTreeSet<Hash> = BTreeSet::new();
    let mut to_apply = Vec::new();
    for (index, bytes) in offer.changes.iter().enumerate() {
        let signature = offer.signatures.get(index).copied();
        let info = match inspect_change(bytes) {
            Ok(info) => info,
            Err(_) => {
                outcome
                    .rejected
                    .push(RejectedChange::new([0; 32], Refusal::Undecodable));
                continue;
            }
        };
        let change = RosterChange {
            hash: info.hash,
            bytes: bytes.clone(),
        };
        if roster.has_all(&[info.hash]) {
            outcome.stored.push(StoredChange {
                change,
                info,
                signature,
            });
            continue;
        }
        if let Some(refusal) = outside_limits(&info) {
            outcome
                .rejected
                .push(RejectedChange::new(info.hash, refusal));
            continue;
        }
        if let Err(refusal) = authorize(&info, signature.as_ref()) {
            outcome
                .rejected
                .push(RejectedChange::new(info.hash, refusal));
            continue;
        }
        let deps_known = info
            .deps
            .iter()
            .all(|dep| batch_hashes.contains(dep) || roster.has_all(&[*dep]));
        if !deps_known {
            outcome
                .rejected
                .push(RejectedChange::new(info.hash, Refusal::MissingDependency));
            continue;
        }
        batch_hashes.insert(info.hash);
        to_apply.push(StoredChange {
            change,
            info,
            signature,
        });
    }
    if !to_apply.is_empty() {
        let bytes: Vec<Vec<u8>> = to_apply
            .iter()
            .map(|stored| stored.change.bytes.clone())
            .collect();
        outcome.applied = roster.apply_changes(&bytes)?;
        outcome.stored.extend(to_apply);
    }
    Ok(outcome)
}

/// Past this many missing changes, a reply weighs sending the whole saved roster instead.
const SNAPSHOT_CONSIDERED_AFTER: usize = 16;

/// Builds the reply to `offer` once what it brought is stored: the changes the device lacks,
/// or the whole roster for a device that shares no history with us, cut at the reply size
/// limit.
pub fn reply_to_offer(
    roster: &mut Roster,
    offer: &RosterOffer,
    outcome: &OfferOutcome,
    limits: &Limits,
) -> RosterReply {
    let device_heads_known = roster.has_all(&offer.heads);
    let mut reply = RosterReply {
        roster: offer.roster.clone(),
        refused: None,
        rejected: outcome.rejected.clone(),
        changes: Vec::new(),
        snapshot: None,
        server_heads: Vec::new(),
        more: false,
        resend_all: !device_heads_known,
        keys: Vec::new(),
        seal_together: false,
    };
    let pending = roster.changes_since(&offer.heads);
    // A device far behind (a first sync, a reinstall, a device whose heads we lost) would be
    // sent its missing history change by change; the saved document carries the same history
    // in far fewer bytes once more than a handful of changes are due, so send whichever is
    // smaller.
    let shares_history = offer.heads.iter().any(|head| roster.has_all(&[*head]));
    if !shares_history || pending.len() > SNAPSHOT_CONSIDERED_AFTER {
        let snapshot = roster.save();
        let pending_bytes: usize = pending.iter().map(|change| change.bytes.len()).sum();
        if !shares_history || snapshot.len() < pending_bytes {
            reply.snapshot = Some(snapshot);
            reply.server_heads = roster.heads();
            return reply;
        }
    }
    let mut budget = limits.max_reply_change_bytes;
    for change in pending {
        if change.bytes.len() > budget && !reply.changes.is_empty() {
            reply.more = true;
            break;
        }
        budget = budget.saturating_sub(change.bytes.len());
        reply.changes.push(change.bytes);
    }
    reply.server_heads = roster.heads();
    reply
}

/// A reply refusing a whole offer; nothing of it was stored.
pub fn refuse_offer(offer: &RosterOffer, reason: &str) -> RosterReply {
    RosterReply {
        roster: offer.roster.clone(),
        refused: Some(reason.to_owned()),
        rejected: Vec::new(),
        changes: Vec::new(),
        snapshot: None,
        server_heads: Vec::new(),
        more: false,
        resend_all: false,
        keys: Vec::new(),
        seal_together: false,
    }
}

/// The grants of `offer` whose key opens the entry it names in `roster` (after the offer was
/// applied). Any other grant is dropped: a device can neither plant a wrong key for someone
/// else's entry nor revive the key of a volunteer who withdrew.
pub fn accepted_grants(roster: &Roster, offer: &RosterOffer) -> Vec<(EntryId, EntryKey)> {
    offer
        .keys
        .iter()
        .map(|grant| (EntryId::from(grant.entry), EntryKey::from_bytes(grant.key)))
        .filter(|(entry, key)| roster.opens_with(entry, key))
        .collect()
}

/// The entries whose keys go with `reply`: every entry its changes write (or, with a
/// snapshot, every entry), and those the device asked for, but only entries of this roster
/// that still hold personal fields.
pub fn key_candidates(
    roster: &Roster,
    offer: &RosterOffer,
    reply: &RosterReply,
) -> BTreeSet<EntryId> {
    let mut wanted: BTreeSet<EntryId> = offer
        .want_keys
        .iter()
        .map(|entry| EntryId::from(*entry))
        .collect();
    if reply.snapshot.is_some() {
        wanted.extend(roster.personal_entries());
    } else {
        wanted.extend(entries_written(&reply.changes));
    }
    wanted.retain(|entry| roster.holds_personal(entry));
    wanted
}

/// The entries that encoded `changes` name as the entry they write: a camera for a camera's
/// registration or removal, a volunteer for every other action.
pub fn entries_written(changes: &[Vec<u8>]) -> BTreeSet<EntryId> {
    changes
        .iter()
        .filter_map(|bytes| {
            let message = crate::model::change_hash_and_message(bytes).ok()?.1?;
            let entry = message.entry?;
            match message.action {
                Action::Camera | Action::RemoveCamera => entry.parse().ok().map(EntryId::Camera),
                _ => entry.parse().ok().map(EntryId::Volunteer),
            }
        })
        .collect()
}

/// The grants to send for `entries`, from whatever holds the keys.
pub fn grants_for(
    entries: &BTreeSet<EntryId>,
    keys: &dyn crate::model::sealed::KeyRing,
) -> Vec<KeyGrant> {
    entries
        .iter()
        .filter_map(|entry| {
            keys.key(entry).map(|key| KeyGrant {
                entry: (*entry).into(),
                key: *key.as_bytes(),
            })
        })
        .collect()
}
