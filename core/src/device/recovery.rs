//! Recovery of a phone restored from a backup or cloned (ADR 0008).
//!
//! Such a phone's actor already spent, on changes the server holds, the sequence numbers it
//! writes next, so the server refuses its sync (`actor_reused`) and would forever. The phone
//! re-registers under a new actor and signing key:
//!
//! 1. [`Device::prepare_replacement`] draws them and keeps them in the store; the app sends
//!    the actor and public key to the server with a code from the in-charge, or with the
//!    phone's credential while it still works;
//! 2. [`Device::adopt_replacement`] switches the store to the identity the server answered,
//!    and sets aside every change of the old actor the server never acknowledged;
//! 3. the next [`Device::sync`] first brings what the server holds, then drops each change
//!    set aside that the server already has (the original phone sent it) and writes the
//!    others again under the new actor, with the same volunteer ids, and sends them.
//!
//! Every step is durable before the next, so a phone switched off anywhere resumes: a
//! replacement drawn but never answered is drawn again; an identity kept by the app but not
//! yet adopted is adopted when the store next opens with it.

use std::collections::BTreeSet;

use super::{Device, os_random};
use crate::error::{Error, Result};
use crate::model::{Camera, ChangeMessage, Recreated, RosterId, Volunteer, VolunteerId};
use crate::provenance::{DeviceKey, PublicKey};
use crate::store::DeviceIdentity;

/// The new actor and public key a recovering phone registers with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replacement {
    /// The Automerge actor it will write with.
    pub actor: [u8; 16],
    /// The public half of its new signing key.
    pub public_key: PublicKey,
}

impl Device {
    /// Draws a new actor and signing key for re-registering this phone and keeps them in
    /// the store. Each call draws new ones: a registration that failed or whose answer was
    /// lost is tried again with these.
    pub fn prepare_replacement(&mut self) -> Result<Replacement> {
        let actor = os_random::<16>()?;
        let key = DeviceKey::from_secret(os_random::<32>()?);
        self.store.save_replacement(&actor, &key)?;
        Ok(Replacement {
            actor,
            public_key: key.public(),
        })
    }

    /// Whether a replacement was drawn and not yet adopted.
    pub fn replacement_pending(&self) -> Result<Option<[u8; 16]>> {
        Ok(self.store.load_replacement()?.map(|(actor, _)| actor))
    }

    /// Switches this phone to `identity`, the registration the server answered for the
    /// replacement drawn last: the new device id, actor and signing key from now on. Every
    /// change of the old actor the server never acknowledged is set aside, to be written
    /// again at the next sync; returns how many. Durable on return.
    pub fn adopt_replacement(&mut self, identity: &DeviceIdentity) -> Result<u64> {
        let Some((actor, key)) = self.store.load_replacement()? else {
            return Err(Error::NotFound {
                what: "replacement drawn for this phone",
                id: hex::encode(identity.actor),
            });
        };
        if actor != identity.actor {
            return Err(Error::NotFound {
                what: "replacement drawn for this actor",
                id: hex::encode(identity.actor),
            });
        }
        let mut rebuilt = Vec::new();
        let mut set_aside = 0;
        for roster_id in self.store.roster_ids()? {
            let unacked: BTreeSet<[u8; 32]> = self
                .store
                .unacked_changes(&roster_id)?
                .into_iter()
                .map(|change| change.hash)
                .collect();
            if unacked.is_empty() {
                continue;
            }
            set_aside += unacked.len() as u64;
            let mut without = self.roster(&roster_id)?.without(&unacked)?;
            rebuilt.push((roster_id, without.save()));
        }
        let result = self.store.adopt_replacement(identity, &rebuilt);
        // Whatever happened, memory is rebuilt from the file on next use.
        self.rosters.clear();
        result?;
        self.identity = identity.clone();
        self.signing_key = key;
        Ok(set_aside)
    }

    /// How many changes of an old actor wait to be written again.
    pub fn set_aside_count(&self) -> Result<u64> {
        self.store.set_aside_count()
    }

    /// Settles every change set aside, roster by roster, against what the rosters hold now
    /// (call it after a sync has brought the server's state): dropped where the server had
    /// it, written again under this device's actor otherwise. Returns how many were written
    /// again.
    pub(super) fn reissue_set_aside(&mut self) -> Result<u64> {
        let mut written = 0;
        for roster_id in self.store.rosters_set_aside()? {
            let result = self.reissue_roster(&roster_id);
            if result.is_err() {
                // Changes written in memory but not stored must not outlive the failure.
                self.rosters.remove(&roster_id);
            }
            written += result?;
        }
        Ok(written)
    }

    fn reissue_roster(&mut self, roster_id: &RosterId) -> Result<u64> {
        let set_aside = self.store.set_aside_changes(roster_id)?;
        let device = self.identity.device_id.clone();
        let roster = self.roster(roster_id)?;
        let mut recreated = Recreated::default();
        let mut reissued = Vec::new();
        let mut entries = BTreeSet::new();
        for original in &set_aside {
            if roster.has_all(&[original.hash]) {
                continue;
            }
            let change = roster.reissue(&original.bytes, &device, &mut recreated)?;
            if let Some(entry) = crate::model::inspect_change(&change.bytes)?
                .message
                .and_then(|message: ChangeMessage| message.entry)
            {
                entries.insert(entry);
            }
            reissued.push((original.hash, change));
        }
        let roster = self.rosters.get(roster_id).expect("loaded above");
        let volunteers = entries
            .iter()
            .filter_map(|entry| entry.parse::<VolunteerId>().ok())
            .filter_map(|id| roster.volunteer(&id, &self.keys).transpose())
            .collect::<Result<Vec<Volunteer>>>()?;
        let cameras: Vec<Camera> = roster
            .cameras(&self.keys)
            .into_iter()
            .flatten()
            .filter(|camera| entries.contains(&camera.id.to_string()))
            .collect();
        self.store
            .save_reissued(roster_id, &reissued, &volunteers, &cameras)?;
        Ok(reissued.len() as u64)
    }
}
