//! The device side of a sync, without I/O: feed it the device's state, get bytes to send;
//! feed it the reply, get the updates to store. The durable part of its state (which changes
//! the server has acknowledged) lives in the store, so a sync cut off at any point resumes
//! where it stopped and resends only what was never acknowledged.
//!
//! ```
//! use mitan_core::sync::{ClientSession, Limits, MemoryHub, RosterState};
//! use mitan_core::model::RosterId;
//!
//! let mut hub = MemoryHub::default();
//! let roster: RosterId = "BEAT-1".parse().unwrap();
//! let mut session = ClientSession::new(Limits::default());
//! let mut state = vec![RosterState::new(roster)];
//! while let Some(request) = session.next_request(&state).unwrap() {
//!     let reply = hub.handle(&request).unwrap();
//!     let update = session.receive(&reply).unwrap();
//!     // A real device stores `update` durably here and re-reads its state.
//!     state[0].heads = update.rosters[0].server_heads.clone();
//! }
//! ```

use std::collections::{BTreeMap, BTreeSet};

use super::wire::{
    Hash, KeyGrant, Limits, OLDEST_PROTOCOL, PROTOCOL_VERSION, RosterOffer, SyncRequest,
    SyncResponse,
};
use crate::error::{Error, Result};
use crate::model::{DeviceId, EntryId, RosterChange, RosterId};
use crate::provenance::DeviceKey;

/// What the device knows of one roster when a round starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterState {
    /// The roster.
    pub roster: RosterId,
    /// The device's current heads (empty if it holds nothing of this roster yet).
    pub heads: Vec<Hash>,
    /// The device's changes that the server has not acknowledged, in causal order.
    pub unacked: Vec<RosterChange>,
    /// Keys of the entries this device wrote in those changes, sent with them.
    pub keys: Vec<KeyGrant>,
    /// Entries whose personal fields the device holds sealed, without a key.
    pub want_keys: Vec<EntryId>,
}

impl RosterState {
    /// The state of a roster the device holds nothing of yet.
    pub fn new(roster: RosterId) -> Self {
        RosterState {
            roster,
            heads: Vec::new(),
            unacked: Vec::new(),
            keys: Vec::new(),
            want_keys: Vec::new(),
        }
    }
}

/// What arrived for one roster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming {
    /// Nothing new.
    Nothing,
    /// Changes to apply, in causal order.
    Changes(Vec<Vec<u8>>),
    /// A whole saved document to merge.
    Snapshot(Vec<u8>),
}

/// What one reply means for one roster. The device applies it in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterUpdate {
    /// The roster.
    pub roster: RosterId,
    /// Hashes of changes this device sent that the server has durably stored.
    pub acked: Vec<Hash>,
    /// Changes the server refused, with the reason code.
    pub rejected: Vec<(Hash, String)>,
    /// New material from the server.
    pub incoming: Incoming,
    /// The server's heads.
    pub server_heads: Vec<Hash>,
    /// The server asked for every own change again: mark them all unacknowledged.
    pub resend_all: bool,
    /// The whole roster was refused, with the reason code.
    pub refused: Option<String>,
    /// Entries' keys the server sent.
    pub keys: Vec<KeyGrant>,
    /// The server lets this phone seal new entries' personal fields together.
    pub seal_together: bool,
}

/// Everything one reply means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncUpdate {
    /// Per roster.
    pub rosters: Vec<RosterUpdate>,
}

/// One sync, from first request to settled.
#[derive(Debug)]
pub struct ClientSession {
    limits: Limits,
    rounds: u32,
    in_flight: BTreeMap<String, Vec<Hash>>,
    /// Rosters for which the server has more to send, or asked for a resend.
    unsettled: BTreeSet<String>,
    /// Hashes the server refused in this sync: they are not offered again until the next one,
    /// or the session would loop on a change the server will never take.
    refused_hashes: BTreeSet<Hash>,
    refused_rosters: BTreeSet<String>,
    /// A resend of everything is honoured once per sync; a server that keeps asking is not
    /// allowed to keep the phone busy.
    resent_all: BTreeSet<String>,
    /// The device that sends, and its key: each offered change is signed as this device's.
    signer: Option<(DeviceId, DeviceKey)>,
    /// The protocol version the requests are written in.
    protocol: u16,
}

impl ClientSession {
    /// A new sync under `limits`.
    pub fn new(limits: Limits) -> Self {
        ClientSession {
            limits,
            rounds: 0,
            in_flight: BTreeMap::new(),
            unsettled: BTreeSet::new(),
            refused_hashes: BTreeSet::new(),
            refused_rosters: BTreeSet::new(),
            resent_all: BTreeSet::new(),
            signer: None,
            protocol: PROTOCOL_VERSION,
        }
    }

    /// Writes requests in an older `protocol` (at least [`OLDEST_PROTOCOL`]): what a phone does
    /// for a server of the previous release (`Device::sync`), and what rollout tests use to
    /// play a phone of that release.
    pub fn speaking(mut self, protocol: u16) -> Self {
        self.protocol = protocol.clamp(OLDEST_PROTOCOL, PROTOCOL_VERSION);
        self
    }

    /// Signs every offered change as `device`'s with `key`. A session without a signer
    /// offers unsigned changes, which only a test hub takes.
    pub fn signing_as(mut self, device: DeviceId, key: DeviceKey) -> Self {
        self.signer = Some((device, key));
        self
    }

    /// How many requests this session has built.
    pub fn rounds(&self) -> u32 {
        self.rounds
    }

    /// The next request to send, or `None` when the sync has settled. The first round is
    /// always sent, even with nothing to offer, because the device may be behind.
    pub fn next_request(&mut self, rosters: &[RosterState]) -> Result<Option<Vec<u8>>> {
        let offers: Vec<(RosterOffer, Vec<Hash>)> = rosters
            .iter()
            .filter(|state| !self.refused_rosters.contains(state.roster.as_str()))
            .map(|state| self.offer(state))
            .collect();
        let has_work = offers.iter().any(|(offer, _)| !offer.changes.is_empty())
            || offers
                .iter()
                .any(|(offer, _)| self.unsettled.contains(&offer.roster));
        if self.rounds > 0 && !has_work {
            return Ok(None);
        }
        if offers.is_empty() {
            return Ok(None);
        }
        if self.rounds >= self.limits.max_rounds {
            return Err(Error::SyncDidNotSettle {
                rounds: self.rounds,
            });
        }
        self.rounds += 1;
        self.in_flight.clear();
        let mut request = SyncRequest {
            protocol: self.protocol,
            rosters: Vec::with_capacity(offers.len()),
            manifest: None,
        };
        let mut manifest = Vec::new();
        for (offer, hashes) in offers {
            manifest.extend_from_slice(&hashes);
            self.in_flight.insert(offer.roster.clone(), hashes);
            request.rosters.push(offer);
        }
        // A request offering nothing needs nothing vouched for: no signature's 65 bytes.
        if self.protocol >= 5
            && !manifest.is_empty()
            && let Some((device, key)) = &self.signer
        {
            request.manifest = Some(key.sign_manifest(device, &manifest));
        }
        Ok(Some(request.encode()))
    }

    /// Builds one roster's offer within the per-request change budget, which is shared
    /// across rosters in the order given.
    fn offer(&self, state: &RosterState) -> (RosterOffer, Vec<Hash>) {
        let budget = self.limits.max_changes_per_request;
        let mut changes = Vec::new();
        let mut hashes = Vec::new();
        for change in &state.unacked {
            if changes.len() >= budget {
                break;
            }
            if self.refused_hashes.contains(&change.hash) {
                continue;
            }
            changes.push(change.bytes.clone());
            hashes.push(change.hash);
        }
        // Keys go with any offer of changes: the server keeps a key only once it holds the
        // entry, so a key sent while its enrolment waits for a later request is sent again.
        let keys = if changes.is_empty() {
            Vec::new()
        } else {
            state.keys.clone()
        };
        // Signed at each offer rather than stored with the change: signing is cheap (tens of
        // microseconds), and a change is offered rarely more than once. Protocol 5 signs the
        // request's manifest instead, once.
        let signatures = match &self.signer {
            Some((device, key)) if self.protocol < 5 => hashes
                .iter()
                .map(|hash| key.sign_change(device, hash))
                .collect(),
            _ => Vec::new(),
        };
        (
            RosterOffer {
                roster: state.roster.to_string(),
                heads: state.heads.clone(),
                changes,
                keys,
                want_keys: state
                    .want_keys
                    .iter()
                    .map(|entry| (*entry).into())
                    .collect(),
                signatures,
            },
            hashes,
        )
    }

    /// Reads the reply to the last request. Nothing in it may be trusted to be well formed;
    /// a reply that does not match the request is an error and nothing of it is applied.
    pub fn receive(&mut self, bytes: &[u8]) -> Result<SyncUpdate> {
        let response = SyncResponse::decode(bytes, &self.limits)?;
        let mut rosters = Vec::with_capacity(response.rosters.len());
        self.unsettled.clear();
        for reply in response.rosters {
            let Some(sent) = self.in_flight.remove(&reply.roster) else {
                return Err(Error::Decode {
                    what: "sync response",
                    reason: format!("reply for roster {} that was not offered", reply.roster),
                });
            };
            let roster: RosterId = reply.roster.parse().map_err(|_| Error::Decode {
                what: "sync response",
                reason: "bad roster id".into(),
            })?;
            if let Some(reason) = reply.refused {
                self.refused_rosters.insert(reply.roster.clone());
                rosters.push(RosterUpdate {
                    roster,
                    acked: Vec::new(),
                    rejected: Vec::new(),
                    incoming: Incoming::Nothing,
                    server_heads: Vec::new(),
                    resend_all: false,
                    refused: Some(reason),
                    keys: Vec::new(),
                    seal_together: false,
                });
                continue;
            }
            let rejected: BTreeSet<Hash> =
                reply.rejected.iter().map(|change| change.hash).collect();
            self.refused_hashes.extend(rejected.iter().copied());
            let acked = sent
                .into_iter()
                .filter(|hash| !rejected.contains(hash))
                .collect();
            let resend_all = reply.resend_all && self.resent_all.insert(reply.roster.clone());
            if reply.more || resend_all {
                self.unsettled.insert(reply.roster.clone());
            }
            let incoming = match (reply.snapshot, reply.changes.is_empty()) {
                (Some(snapshot), _) => Incoming::Snapshot(snapshot),
                (None, false) => Incoming::Changes(reply.changes),
                (None, true) => Incoming::Nothing,
            };
            rosters.push(RosterUpdate {
                roster,
                acked,
                rejected: reply
                    .rejected
                    .into_iter()
                    .map(|change| (change.hash, change.reason))
                    .collect(),
                incoming,
                server_heads: reply.server_heads,
                resend_all,
                refused: None,
                keys: reply.keys,
                seal_together: reply.seal_together,
            });
        }
        Ok(SyncUpdate { rosters })
    }
}
