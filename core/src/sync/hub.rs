//! An in-memory sync server: the reference loop of the server side, used by the deterministic
//! sync harness in tests and by the field-day example. It keeps nothing on disk; the real
//! server runs the same calls with a durable commit between them, and refuses the same
//! changes, since both apply offers through `apply_ruled`.

use std::collections::BTreeMap;

use super::rules::{DistrictFacts, Ruling, apply_ruled};
use super::serve::{grants_for, key_candidates, refuse_offer, reply_to_offer};
use super::wire::{Limits, SyncRequest, SyncResponse};
use crate::error::{Error, Result};
use crate::model::sealed::EntryKey;
use crate::model::{EntryId, Roster, RosterId};

/// Rosters held in memory, answering sync requests. Like the server, it holds every entry's
/// key, destroys a volunteer's key when the volunteer withdraws, and refuses what a roster
/// may not hold ([`apply_ruled`]); unlike it, it checks no device's actor or signature.
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
        // Answered in the version the phone spoke, as the server does.
        let mut response = SyncResponse {
            protocol: request.protocol,
            rosters: Vec::with_capacity(request.rosters.len()),
        };
        for offer in &request.rosters {
            let id: RosterId = offer.roster.parse()?;
            let roster = self
                .rosters
                .entry(offer.roster.clone())
                .or_insert_with(|| Roster::genesis(&id));
            // The reference hub knows no device keys and no directory: it checks what a
            // roster may hold, not the provenance or the villages, which the server checks.
            let keys = &self.keys;
            let ruling = apply_ruled(
                roster,
                offer,
                &DistrictFacts::default(),
                |_, _| Ok(()),
                |entries| {
                    Ok::<_, Error>(
                        entries
                            .iter()
                            .filter_map(|entry| keys.get(entry).map(|key| (*entry, key.clone())))
                            .collect(),
                    )
                },
            )?;
            let ruled = match ruling {
                Ruling::Applied(ruled) => ruled,
                // The server refuses the whole request here and rolls every roster back; the
                // hub, with no transaction to roll back, refuses this roster's offer alone.
                Ruling::Refused { refusal, .. } => {
                    response.rosters.push(refuse_offer(offer, refusal.as_str()));
                    continue;
                }
            };
            self.keys.extend(ruled.keys);
            for entry in &ruled.erased {
                self.keys.remove(entry);
            }
            let outcome = ruled.outcome;
            let mut reply = reply_to_offer(roster, offer, &outcome, &self.limits);
            reply.keys = grants_for(&key_candidates(roster, offer, &reply), &self.keys);
            // The hub knows no devices: it lets every phone that speaks 5 seal together.
            reply.seal_together = request.protocol >= 5;
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
