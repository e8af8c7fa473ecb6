//! An in-memory sync server: the reference loop of the server side, used by the deterministic
//! sync harness in tests and by the field-day example. It keeps nothing on disk; the real
//! server runs the same two calls with a durable commit between them.

use std::collections::BTreeMap;

use super::serve::{accepted_grants, apply_offer, grants_for, key_candidates, reply_to_offer};
use super::wire::{Limits, PROTOCOL_VERSION, SyncRequest, SyncResponse};
use crate::error::Result;
use crate::model::sealed::{EntryKey, NoKeys};
use crate::model::{EntryId, Roster, RosterId, Status};

/// Rosters held in memory, answering sync requests. Like the server, it holds every entry's
/// key and destroys a volunteer's key when the volunteer withdraws.
#[derive(Debug, Default)]
pub struct MemoryHub {
    rosters: BTreeMap<String, Roster>,
    keys: BTreeMap<EntryId, EntryKey>,
    limits: Limits,
    exchanges: u64,
}

impl MemoryHub {
    /// A hub with the given limits.
    pub fn with_limits(limits: Limits) -> Self {
        MemoryHub {
            limits,
            ..MemoryHub::default()
        }
    }

    /// Answers one request.
    pub fn handle(&mut self, request: &[u8]) -> Result<Vec<u8>> {
        self.exchanges += 1;
        let request = SyncRequest::decode(request, &self.limits)?;
        let mut response = SyncResponse {
            protocol: PROTOCOL_VERSION,
            rosters: Vec::with_capacity(request.rosters.len()),
        };
        for offer in &request.rosters {
            let id: RosterId = offer.roster.parse()?;
            let roster = self
                .rosters
                .entry(offer.roster.clone())
                .or_insert_with(|| Roster::genesis(&id));
            // The reference hub knows no device keys: it checks the merge, not the provenance,
            // which the server checks.
            let outcome = apply_offer(roster, offer, |_, _| Ok(()))?;
            self.keys.extend(accepted_grants(roster, offer));
            for id in &outcome.applied.volunteers {
                if let Ok(Some(volunteer)) = roster.volunteer(id, &NoKeys)
                    && volunteer.status == Status::Withdrawn
                {
                    self.keys.remove(&EntryId::Volunteer(*id));
                }
            }
            let mut reply = reply_to_offer(roster, offer, &outcome, &self.limits);
            reply.keys = grants_for(&key_candidates(roster, offer, &reply), &self.keys);
            response.rosters.push(reply);
        }
        Ok(response.encode())
    }

    /// The entries' keys the hub holds.
    pub fn keys(&self) -> &BTreeMap<EntryId, EntryKey> {
        &self.keys
    }

    /// The hub's copy of a roster.
    pub fn roster(&self, id: &RosterId) -> Option<&Roster> {
        self.rosters.get(id.as_str())
    }

    /// The hub's copy of a roster, mutably (for heads and saves).
    pub fn roster_mut(&mut self, id: &RosterId) -> Option<&mut Roster> {
        self.rosters.get_mut(id.as_str())
    }

    /// How many requests it has answered.
    pub fn exchanges(&self) -> u64 {
        self.exchanges
    }
}
