//! District state: the server store and the loaded rosters, and the one place where a sync
//! request becomes durable district state.
//!
//! A request is handled as the core's reference loop (`MemoryHub`) does, with a durable commit
//! between `apply_offer` and `reply_to_offer`: every roster is authorized first, every offer
//! is applied, everything the rosters now hold is written in one transaction, and only then is
//! the reply built. Any failure before the commit drops the touched rosters from memory, so
//! memory never holds a change the database does not. The commit does not wait for the disk
//! under the district lock: the reply is released only once it is durable
//! ([`SyncDone::into_reply`], group commit in `store::group_commit`).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use mitan_core::model::lineage;
use mitan_core::model::{
    Camera, ChangeInfo, ChangeMeta, EntryId, Roster, RosterChange, RosterId, Volunteer,
    VolunteerId, inspect_change,
};
use mitan_core::provenance::{Signature, verify_change, verify_manifest};
use mitan_core::sync::{
    DistrictFacts, EntryRef, Limits, OfferOutcome, Refusal, RosterOffer, RosterReply, Ruling,
    SyncRequest, SyncResponse, apply_ruled, erased_key, grants_for, key_candidates, reply_to_offer,
};

use crate::access::{AccessKind, Reader};
use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::roster_cache::RosterCache;
use crate::store::{
    Arrival, KeyUpdate, Pending, ReceivedChange, ServerStore, ServerWritten, SyncManifest,
};

/// The code of [`Refusal::ForgedActor`], for callers that compare wire strings.
pub const FORGED_ACTOR: &str = Refusal::ForgedActor.as_str();
/// The code of [`Refusal::Unsigned`].
pub const UNSIGNED: &str = Refusal::Unsigned.as_str();
/// The code of [`Refusal::BadSignature`].
pub const BAD_SIGNATURE: &str = Refusal::BadSignature.as_str();
/// The code of [`Refusal::ReadOnly`].
pub const READ_ONLY: &str = Refusal::ReadOnly.as_str();
/// The code of [`Refusal::BeatMismatch`]; also the error code of a request refused whole for
/// it (see `Ruling::Refused`).
pub const BEAT_MISMATCH: &str = Refusal::BeatMismatch.as_str();
/// The code of [`Refusal::InvalidEntry`]; also the error code of a request refused whole for
/// it.
pub const INVALID_ENTRY: &str = Refusal::InvalidEntry.as_str();
/// The most rounds of loading rosters one volunteer's lineage of moves may take: each round
/// loads every beat named so far, so this bounds a chain of moves, not a count of beats.
const MAX_LINEAGE_ROUNDS: usize = 16;
/// Error code: a request offers more changes than [`Limits::max_changes_per_request`].
pub const TOO_MANY_CHANGES: &str = "too_many_changes";
/// Error code: the device's actor wrote a change under a sequence number it had already used
/// for other content, as a phone restored from a backup, or cloned, does. Nothing of the
/// request is stored; the phone must be registered again to write under a new actor.
pub const ACTOR_REUSED: &str = "actor_reused";

/// Tunables of district state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DistrictConfig {
    /// Limits of the sync protocol.
    pub limits: Limits,
    /// How many rosters stay loaded in memory.
    pub cached_rosters: usize,
    /// A roster whose log has grown this much past its snapshot gets a new snapshot, so
    /// loading it stays quick.
    pub snapshot_after_changes: u64,
    /// The most rosters one request may offer.
    pub max_rosters_per_request: usize,
}

impl Default for DistrictConfig {
    fn default() -> Self {
        DistrictConfig {
            limits: Limits::default(),
            cached_rosters: 256,
            snapshot_after_changes: 512,
            max_rosters_per_request: 256,
        }
    }
}

/// What one sync did, for the reply and the metrics. Its commit may not be on disk yet:
/// the reply comes out of [`SyncDone::into_reply`], which waits for that, and is meant to be
/// called once the district lock is released, so that other requests merge meanwhile.
#[derive(Debug)]
#[must_use = "a sync is answered only through into_reply, once durable"]
pub struct SyncDone {
    response: SyncResponse,
    durable: Pending,
    /// Changes new to the change log.
    pub merged: u64,
    /// Offered changes refused.
    pub rejected: u64,
}

impl SyncDone {
    /// Waits until everything the sync wrote is durable, then lays the reply out (a zstd
    /// pass, also kept out of the lock).
    pub fn into_reply(self) -> Result<Vec<u8>> {
        self.durable.wait()?;
        Ok(self.response.encode())
    }
}

/// The changes of one request whose signatures were checked, and found the caller's, before
/// the district lock was taken ([`Verified::of`]): a worker checks its request's signatures
/// on its own thread, so no request's checks wait behind another's merge. A protocol 4
/// change outside the set is checked under the lock as before, so the set only ever saves
/// work; a protocol 5 request's one signature is always checked here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verified {
    /// Protocol 4: each change whose own signature held.
    signed: HashMap<[u8; 32], Signature>,
    /// Protocol 5: the request's manifest when its signature held, with its hashes as a set.
    manifest: Option<(SyncManifest, HashSet<[u8; 32]>)>,
    /// Protocol 5: the request carried a manifest signature that did not hold.
    manifest_refused: bool,
}

impl Verified {
    /// Checks every signature `request` carries against `caller`'s registered key.
    pub fn of(caller: &Caller, request: &SyncRequest) -> Verified {
        let Some(key) = caller.public_key.as_ref() else {
            return Verified::default();
        };
        let mut verified = Verified::default();
        if let Some(signature) = request.manifest {
            let hashes = request.manifest_hashes();
            if verify_manifest(key, &caller.device, &hashes, &signature) {
                let set = hashes.iter().copied().collect();
                verified.manifest = Some((SyncManifest { hashes, signature }, set));
            } else {
                verified.manifest_refused = true;
            }
        }
        for offer in &request.rosters {
            for (bytes, signature) in offer.changes.iter().zip(&offer.signatures) {
                // A change that does not decode is refused under the lock, with its reason.
                let Ok(info) = inspect_change(bytes) else {
                    continue;
                };
                if verify_change(key, &caller.device, &info.hash, signature) {
                    verified.signed.insert(info.hash, *signature);
                }
            }
        }
        verified
    }

    /// Whether change `hash` was checked with exactly `signature`.
    fn holds(&self, hash: &[u8; 32], signature: &Signature) -> bool {
        self.signed.get(hash) == Some(signature)
    }

    /// Whether the request's manifest, its signature checked, lists change `hash`.
    fn vouches(&self, hash: &[u8; 32]) -> bool {
        self.manifest
            .as_ref()
            .is_some_and(|(_, hashes)| hashes.contains(hash))
    }

    /// The manifest to log beside the changes it vouches for.
    fn manifest(&self) -> Option<&SyncManifest> {
        self.manifest.as_ref().map(|(manifest, _)| manifest)
    }
}

/// One offer applied to its roster, with the volunteer rows it changed.
struct CheckedOffer {
    roster: Roster,
    outcome: OfferOutcome,
    rows: Vec<(RosterId, Volunteer)>,
    /// The rows of the cameras the offer wrote.
    cameras: Vec<(RosterId, Camera)>,
    keys: KeyUpdate,
    /// Volunteers whose entry here belongs to a lineage of moves: what reached them here may
    /// have to be carried to the live entry (`mitan_core::model::lineage`).
    moved: Vec<VolunteerId>,
}

/// What reconciling moved volunteers wrote during one sync, for the same transaction.
#[derive(Default)]
struct Reconciliation {
    /// The changes written, with the writer that wrote them.
    written: Option<ServerWritten>,
    /// Each reconciled volunteer's live row.
    rows: Vec<(RosterId, Volunteer)>,
    /// Volunteers whose withdrawal reached their live entry: their key goes.
    erased: Vec<VolunteerId>,
    /// Rosters of a lineage that the request did not offer, loaded to reconcile it.
    loaded: Vec<Roster>,
}

/// The store and the loaded rosters.
#[derive(Debug)]
pub struct District {
    store: ServerStore,
    rosters: RosterCache,
    config: DistrictConfig,
    /// The database's `data_version` when the loaded rosters were last known to match it.
    seen_version: Option<i64>,
}

impl District {
    /// District state over `store`.
    pub fn new(store: ServerStore, config: DistrictConfig) -> Self {
        District {
            store,
            rosters: RosterCache::new(config.cached_rosters),
            config,
            seen_version: None,
        }
    }

    /// The store, for administration and queries.
    pub fn store(&self) -> &ServerStore {
        &self.store
    }

    /// The store, mutably, for administration.
    pub fn store_mut(&mut self) -> &mut ServerStore {
        &mut self.store
    }

    /// The protocol limits in force.
    pub fn limits(&self) -> &Limits {
        &self.config.limits
    }

    /// Drops every loaded roster; they are reloaded from the store on next use. Called when
    /// a worker panicked while holding district state.
    pub fn forget_rosters(&mut self) {
        self.rosters = RosterCache::new(self.config.cached_rosters);
    }

    /// How many rosters are loaded.
    pub fn loaded_rosters(&self) -> usize {
        self.rosters.len()
    }

    /// Puts back a roster taken with [`District::take_roster`], once what was written into it
    /// is committed (supervisor actions, `crate::supervisor`).
    pub(crate) fn keep_roster(&mut self, roster: Roster) {
        self.rosters.insert(roster);
    }

    pub(crate) fn take_roster(&mut self, id: &RosterId) -> Result<Roster> {
        // Another process that wrote to the database (a supervisor's `mitan review` beside
        // the server) may have changed any roster: the loaded ones are dropped and reloaded
        // from what is committed, so no reply misses its change.
        let version = self.store.data_version()?;
        if self.seen_version.is_some_and(|seen| seen != version) {
            self.forget_rosters();
        }
        self.seen_version = Some(version);
        if let Some(roster) = self.rosters.take(id) {
            return Ok(roster);
        }
        let parts = self.store.load_roster(id)?;
        Roster::load(id, parts.snapshot.as_deref(), &parts.changes).map_err(|error| {
            Error::Corrupt {
                what: "roster",
                reason: format!("{id}: {error}"),
            }
        })
    }

    /// Handles one decoded sync request from an authenticated caller.
    pub fn sync(
        &mut self,
        caller: &Caller,
        request: &SyncRequest,
        now_ms: i64,
    ) -> Result<SyncDone> {
        self.sync_verified(caller, request, &Verified::of(caller, request), now_ms)
    }

    /// [`District::sync`], with the signatures `verified` already checked outside the lock.
    pub fn sync_verified(
        &mut self,
        caller: &Caller,
        request: &SyncRequest,
        verified: &Verified,
        now_ms: i64,
    ) -> Result<SyncDone> {
        let ids = self.authorize(caller, request)?;
        let mut working: Vec<Roster> = Vec::with_capacity(ids.len());
        let mut outcomes: Vec<OfferOutcome> = Vec::with_capacity(ids.len());
        let mut received = Vec::new();
        let mut volunteers: Vec<(RosterId, Volunteer)> = Vec::new();
        let mut cameras: Vec<(RosterId, Camera)> = Vec::new();
        let mut keys = KeyUpdate::default();
        let mut moved: Vec<(RosterId, VolunteerId)> = Vec::new();
        for (offer, id) in request.rosters.iter().zip(&ids) {
            let CheckedOffer {
                roster,
                outcome,
                rows,
                cameras: offer_cameras,
                keys: offer_keys,
                moved: offer_moved,
            } = self.apply_checked(caller, id, offer, verified)?;
            cameras.extend(offer_cameras);
            moved.extend(
                offer_moved
                    .into_iter()
                    .map(|volunteer| (id.clone(), volunteer)),
            );
            keys.added.extend(offer_keys.added);
            keys.erased.extend(offer_keys.erased);
            keys.erased_cameras.extend(offer_keys.erased_cameras);
            // Every replica builds the same genesis change, so it is no one's work: it stays
            // out of the log even when a device offers it back.
            let genesis = Roster::genesis(id).heads();
            received.extend(
                outcome
                    .stored
                    .iter()
                    .filter(|stored| !genesis.contains(&stored.change.hash))
                    .map(|stored| {
                        let mut received =
                            received_change(id, &stored.change, &stored.info, stored.signature);
                        received.in_manifest =
                            stored.signature.is_none() && verified.vouches(&stored.change.hash);
                        received
                    }),
            );
            volunteers.extend(rows);
            working.push(roster);
            outcomes.push(outcome);
        }
        let reconciliation = self.reconcile_moved(caller, &mut working, &moved, &keys, now_ms)?;
        // The live rows come after the rows the offers wrote, so they are the ones kept.
        volunteers.extend(reconciliation.rows);
        keys.erased.extend(reconciliation.erased);
        let (merged, committed) = self.store.save_merge_pending(
            &caller.device,
            &caller.user.badge,
            &received,
            &Arrival {
                protocol: Some(request.protocol),
                manifest: verified.manifest().cloned(),
            },
            reconciliation.written.as_ref(),
            &volunteers,
            &cameras,
            &keys,
            now_ms,
        )?;
        for roster in reconciliation.loaded {
            self.rosters.insert(roster);
        }
        // Committed: from here on the rosters in hand match the database.
        // Answered in the version the phone spoke: a phone of the previous release keeps
        // syncing while the district rolls the new one out.
        let mut response = SyncResponse {
            protocol: request.protocol,
            rosters: Vec::with_capacity(working.len()),
        };
        let mut rejected = 0;
        // Phones may seal new entries' fields together once every phone in use reads that.
        let seal_together = request.protocol >= 5 && self.store.every_device_speaks(5)?;
        for ((offer, outcome), roster) in request.rosters.iter().zip(&outcomes).zip(&mut working) {
            rejected += outcome.rejected.len() as u64;
            let mut reply = reply_to_offer(roster, offer, outcome, &self.config.limits);
            // Keys go to a device only beside the entries of a roster it may sync, and only
            // now that the merge is committed: erased ones are gone from the store.
            let wanted = key_candidates(roster, offer, &reply);
            reply.keys = grants_for(&wanted, &self.store.load_keys(&wanted)?);
            reply.seal_together = seal_together;
            response.rosters.push(reply);
        }
        for (mut roster, outcome) in working.into_iter().zip(&outcomes) {
            if outcome.applied.new_changes > 0 {
                self.snapshot_if_long(&mut roster, now_ms);
            }
            self.rosters.insert(roster);
        }
        let logged = self.log_key_grants(caller, &response, now_ms)?;
        Ok(SyncDone {
            response,
            durable: match logged {
                Some(logged) => committed.and(logged),
                None => committed,
            },
            merged,
            rejected,
        })
    }

    /// Logs a reply that hands the device keys of entries, which open their personal fields,
    /// in the access log. Written after the merge's commit, since the reply is built from it;
    /// if the line cannot be written the reply is not sent, and the device, whose offered
    /// changes are already stored, gets them acknowledged on its next sync. The reply waits
    /// for the returned commit as for the merge's.
    fn log_key_grants(
        &mut self,
        caller: &Caller,
        response: &SyncResponse,
        now_ms: i64,
    ) -> Result<Option<Pending>> {
        let granting: Vec<&RosterReply> = response
            .rosters
            .iter()
            .filter(|reply| !reply.keys.is_empty())
            .collect();
        if granting.is_empty() {
            return Ok(None);
        }
        let rosters: Vec<&str> = granting.iter().map(|reply| reply.roster.as_str()).collect();
        // Every grant opens one person's fields: a volunteer's, or a camera owner's.
        let entries: BTreeSet<EntryRef> = granting
            .iter()
            .flat_map(|reply| reply.keys.iter().map(|grant| grant.entry))
            .collect();
        let reader = Reader {
            user: &caller.user,
            via: caller.device.as_str(),
        };
        self.store
            .save_access_pending(
                &reader.read(
                    AccessKind::Sync,
                    rosters.join(","),
                    String::new(),
                    entries.len() as u64,
                ),
                now_ms,
            )
            .map(Some)
    }

    /// Applies one offer under the core's rules of what a roster may hold
    /// (`mitan_core::sync::apply_ruled`), with the checks that are the server's: the caller
    /// may write, the actor is the caller's, the signature is the caller's key's. A change
    /// writing a volunteer of another beat or in a village the hierarchy does not list under
    /// the beat, or an entry no Mitan build writes, is refused on its own and the rest of the
    /// request still lands; changes that hide which entry they
    /// write and still write such an entry refuse the whole request.
    fn apply_checked(
        &mut self,
        caller: &Caller,
        id: &RosterId,
        offer: &RosterOffer,
        verified: &Verified,
    ) -> Result<CheckedOffer> {
        // Rosters taken out of the cache are simply not put back on failure: the next take
        // reloads them from what was committed.
        // The beat's villages as the hierarchy lists them; a beat with none listed (a district
        // that imported no villages there) is not checked.
        let villages = match id.as_str().parse::<mitan_core::model::UnitCode>() {
            Ok(beat) => self.store.villages_of_beat(&beat)?,
            Err(_) => BTreeSet::new(),
        };
        let mut roster = self.take_roster(id)?;
        let store = &self.store;
        // A loop of trainers may run through other beats: their volunteers' trainers come
        // from the rows, as committed (a failed read finds no loop; the rows are the truth
        // a loop is later flagged from in the trainers report).
        let trainer_of = |volunteer: &VolunteerId| store.trainer_of(volunteer).ok().flatten();
        let facts = DistrictFacts {
            villages: (!villages.is_empty()).then_some(&villages),
            trainer_of: Some(&trainer_of),
        };
        let ruling = apply_ruled(
            &mut roster,
            offer,
            &facts,
            |info, signature| change_refusal(caller, info, signature, verified),
            |entries| store.load_keys(entries).map_err(OfferError::Store),
        )
        .map_err(|error| match error {
            OfferError::Store(error) => error,
            OfferError::Change(mitan_core::Error::Automerge(
                automerge::AutomergeError::DuplicateSeqNumber(seq, _),
            )) => Error::BadRequest {
                code: ACTOR_REUSED,
                message: format!(
                    "roster {id}: this device already sent a different change {seq}: a phone \
                     restored from a backup or cloned; register it again"
                ),
            },
            OfferError::Change(error) => Error::BadRequest {
                code: "unprocessable_change",
                message: format!("roster {id}: {error}"),
            },
        })?;
        let ruled = match ruling {
            Ruling::Applied(ruled) => ruled,
            Ruling::Refused { refusal, entries } => {
                let code = refusal.as_str();
                return Err(Error::BadRequest {
                    code,
                    message: format!(
                        "roster {id}: changes without an entry name write entries that \
                         cannot be kept ({code}): {}",
                        entries
                            .iter()
                            .map(|entry| entry.entry.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
            }
        };
        if !ruled.refused.is_empty() {
            tracing::warn!(
                roster = %id,
                device = %caller.device,
                entries = ?ruled.refused,
                "changes writing entries this roster may not hold refused"
            );
        }
        // A volunteer moved to another beat keeps an entry here; their row follows the live
        // copy in the target beat (`roster/transfer.rs`), and what reached this entry is
        // carried there (`reconcile_moved`). A withdrawal written here still destroys the key
        // at once (`erased_key`).
        let moved = ruled
            .outcome
            .applied
            .volunteers
            .iter()
            .filter(|volunteer_id| roster.in_a_move(volunteer_id))
            .copied()
            .collect();
        let rows = ruled
            .volunteers
            .into_iter()
            .filter(|volunteer| volunteer.moved_to.is_none())
            .map(|volunteer| (id.clone(), volunteer))
            .collect();
        // A withdrawal or a camera's removal destroys the district's copy of the key in the
        // same transaction as the merge that brings it.
        let keys = KeyUpdate {
            added: ruled.keys,
            erased: ruled.erased.iter().filter_map(EntryId::volunteer).collect(),
            erased_cameras: ruled.erased.iter().filter_map(EntryId::camera).collect(),
        };
        let cameras = ruled
            .cameras
            .into_iter()
            .map(|camera| (id.clone(), camera))
            .collect();
        Ok(CheckedOffer {
            roster,
            outcome: ruled.outcome,
            rows,
            cameras,
            keys,
            moved,
        })
    }

    /// Brings every moved volunteer this request touched to one live entry holding all that
    /// was done to them (`mitan_core::model::lineage`): a withdrawal or edit a phone made on
    /// the entry the person had left is carried to the live entry, written by the syncing
    /// constable's server-side writer and signed by the server, in the same transaction as
    /// the merge that brought it. Rosters of the lineage the request did not offer are loaded
    /// and returned, to go back into memory after the commit.
    fn reconcile_moved(
        &mut self,
        caller: &Caller,
        working: &mut Vec<Roster>,
        moved: &[(RosterId, VolunteerId)],
        keys: &KeyUpdate,
        now_ms: i64,
    ) -> Result<Reconciliation> {
        let mut done = Reconciliation::default();
        if moved.is_empty() {
            return Ok(done);
        }
        let order: Vec<RosterId> = working.iter().map(|roster| roster.id().clone()).collect();
        let mut held: BTreeMap<RosterId, Roster> = working
            .drain(..)
            .map(|roster| (roster.id().clone(), roster))
            .collect();
        let result = self.reconcile_held(caller, &mut held, moved, keys, now_ms, &mut done);
        for id in &order {
            if let Some(roster) = held.remove(id) {
                working.push(roster);
            }
        }
        done.loaded = held.into_values().collect();
        result.map(|()| done)
    }

    fn reconcile_held(
        &mut self,
        caller: &Caller,
        held: &mut BTreeMap<RosterId, Roster>,
        moved: &[(RosterId, VolunteerId)],
        keys: &KeyUpdate,
        now_ms: i64,
        done: &mut Reconciliation,
    ) -> Result<()> {
        let mut seen = BTreeSet::new();
        let mut writer = None;
        for (start, volunteer_id) in moved {
            if !seen.insert(*volunteer_id) {
                continue;
            }
            // A lineage is a few beats long; each round loads the beats found so far.
            let mut plan = lineage::Plan::Unsettled;
            for _ in 0..MAX_LINEAGE_ROUNDS {
                plan = lineage::plan(held, volunteer_id, start).map_err(Error::Core)?;
                let lineage::Plan::Missing(missing) = &plan else {
                    break;
                };
                for roster_id in missing {
                    let roster = self.take_roster(roster_id)?;
                    held.insert(roster_id.clone(), roster);
                }
            }
            let (live, losers, mover, carries) = match plan {
                lineage::Plan::Reconcile {
                    live,
                    losers,
                    mover,
                    carries,
                } => (live, losers, mover, carries),
                lineage::Plan::Settled { .. } => continue,
                // The server holds every beat and writes both halves of a move in one
                // transaction, so its lineages always settle; one that does not is worth a look.
                lineage::Plan::Unsettled | lineage::Plan::Missing(_) => {
                    tracing::warn!(volunteer = %volunteer_id, roster = %start, "lineage of moves not settled");
                    continue;
                }
            };
            if writer.is_none() {
                writer = Some(crate::supervisor::writer_for(
                    &mut self.store,
                    &caller.user.badge,
                    now_ms,
                )?);
            }
            let writer = writer
                .as_ref()
                .expect("the writer was made just above if there was none");
            // A change no Mitan build writes may sit on an entry nobody reads any more; it is
            // not carried into the one every phone reads.
            let entry = EntryId::Volunteer(*volunteer_id);
            let mut known = self.store.load_keys(&BTreeSet::from([entry]))?;
            for (added, key) in &keys.added {
                known.entry(*added).or_insert_with(|| key.clone());
            }
            let key = known.get(&entry);
            let (carries, refused): (Vec<_>, Vec<_>) = carries
                .into_iter()
                .partition(|carry| carry.refused_field(key).is_none());
            for carry in &refused {
                tracing::warn!(
                    volunteer = %volunteer_id,
                    original = %hex::encode(carry.original),
                    field = ?carry.refused_field(key),
                    "change on an entry the person left not carried: no Mitan build writes it"
                );
            }
            let marker = ChangeMeta {
                badge: mover
                    .and_then(|badge| badge.parse().ok())
                    .unwrap_or_else(|| caller.user.badge.clone()),
                device: writer.device.clone(),
                device_clock_ms: now_ms,
            };
            let mut written = lineage::Reconciled::default();
            lineage::write_plan(
                held,
                volunteer_id,
                &live,
                &losers,
                &carries,
                writer.actor,
                &marker,
                &mut written,
            )
            .map_err(Error::Core)?;
            let server_key = self.store.load_server_key()?;
            let logged = done.written.get_or_insert_with(|| ServerWritten {
                device: writer.device.clone(),
                changes: Vec::new(),
            });
            for (roster_id, change) in &written.written {
                let info = inspect_change(&change.bytes).map_err(Error::Core)?;
                let signature = server_key.sign_change(&writer.device, &change.hash);
                logged
                    .changes
                    .push(received_change(roster_id, change, &info, Some(signature)));
            }
            let roster = held.get(&live).ok_or_else(|| Error::Corrupt {
                what: "lineage",
                reason: format!("{volunteer_id}: live roster {live} not held"),
            })?;
            if let Some(volunteer) = roster
                .volunteer(volunteer_id, &known)
                .map_err(Error::Core)?
            {
                done.erased
                    .extend(erased_key(&volunteer).and_then(|entry| entry.volunteer()));
                done.rows.push((live.clone(), volunteer));
            }
            tracing::info!(
                volunteer = %volunteer_id,
                live = %live,
                carried = carries.len(),
                losers = losers.len(),
                "moved volunteer reconciled"
            );
        }
        Ok(())
    }

    /// Checks every offered roster before anything is applied, so a request that reaches one
    /// forbidden roster stores nothing at all.
    fn authorize(&self, caller: &Caller, request: &SyncRequest) -> Result<Vec<RosterId>> {
        if request.rosters.len() > self.config.max_rosters_per_request {
            return Err(Error::BadRequest {
                code: "too_many_rosters",
                message: format!(
                    "{} rosters, limit {}",
                    request.rosters.len(),
                    self.config.max_rosters_per_request
                ),
            });
        }
        // The decoder leaves this count to us so that the refusal carries its own code; a
        // well-behaved device splits its backlog across requests (`ClientSession` keeps to
        // the same limit) and never meets it.
        let changes: usize = request
            .rosters
            .iter()
            .map(|offer| offer.changes.len())
            .sum();
        if changes > self.config.limits.max_changes_per_request {
            return Err(Error::BadRequest {
                code: TOO_MANY_CHANGES,
                message: format!(
                    "{changes} changes, limit {}",
                    self.config.limits.max_changes_per_request
                ),
            });
        }
        let mut ids: Vec<RosterId> = Vec::with_capacity(request.rosters.len());
        for offer in &request.rosters {
            let id: RosterId = offer.roster.parse().map_err(|_| Error::BadRequest {
                code: "bad_roster",
                message: format!("{:?} is not a roster id", offer.roster),
            })?;
            if ids.contains(&id) {
                return Err(Error::BadRequest {
                    code: "duplicate_roster",
                    message: format!("roster {id} offered twice"),
                });
            }
            if !caller.may_sync(&self.store, &id)? {
                return Err(Error::Forbidden {
                    reason: format!("device {} may not sync roster {id}", caller.device),
                });
            }
            ids.push(id);
        }
        Ok(ids)
    }

    /// Saves a new snapshot of a roster whose log has grown long since the last one. A failure
    /// here loses nothing (the log holds every change), so it is logged, not returned.
    fn snapshot_if_long(&mut self, roster: &mut Roster, now_ms: i64) {
        let id = roster.id().clone();
        let result = (|| {
            let counts = self.store.roster_counts(&id)?;
            if counts.since_snapshot >= self.config.snapshot_after_changes {
                let bytes = roster.save();
                self.store
                    .save_snapshot(&id, &bytes, counts.last_seq, now_ms)?;
            }
            Ok::<(), Error>(())
        })();
        if let Err(error) = result {
            tracing::warn!(roster = %id, %error, "snapshot not saved");
        }
    }
}

/// Why an offered change may not enter, by what only the server knows of its sender: an
/// auditor's device writes nothing, a change's actor must be the device's, and every change
/// a device sends must be signed by the key it registered, over the change's hash and the
/// device's id, so the signature the server keeps proves to an auditor who sent it.
fn change_refusal(
    caller: &Caller,
    info: &ChangeInfo,
    signature: Option<&Signature>,
    verified: &Verified,
) -> std::result::Result<(), Refusal> {
    if !caller.writes() {
        return Err(Refusal::ReadOnly);
    }
    if info.actor != caller.actor.as_slice() {
        return Err(Refusal::ForgedActor);
    }
    match (caller.public_key.as_ref(), signature) {
        (None, _) => Err(Refusal::Unsigned),
        (Some(_), None) if verified.vouches(&info.hash) => Ok(()),
        (Some(_), None) if verified.manifest_refused => Err(Refusal::BadSignature),
        (Some(_), None) => Err(Refusal::Unsigned),
        (Some(key), Some(signature))
            if verified.holds(&info.hash, signature)
                || verify_change(key, &caller.device, &info.hash, signature) =>
        {
            Ok(())
        }
        (Some(_), Some(_)) => Err(Refusal::BadSignature),
    }
}

/// Why an offer could not be applied: the store failed, or the core could not apply a change
/// (answered as a bad request, since the change came from the device).
enum OfferError {
    Store(Error),
    Change(mitan_core::Error),
}

impl From<mitan_core::Error> for OfferError {
    fn from(error: mitan_core::Error) -> Self {
        OfferError::Change(error)
    }
}

/// The change log's record of a change the roster now holds, with the signature it came with.
pub fn received_change(
    roster: &RosterId,
    change: &RosterChange,
    info: &ChangeInfo,
    signature: Option<Signature>,
) -> ReceivedChange {
    ReceivedChange {
        roster: roster.clone(),
        hash: change.hash,
        bytes: change.bytes.clone(),
        actor: info.actor.clone(),
        action: info
            .message
            .as_ref()
            .and_then(|message| serde_json::to_value(message.action).ok())
            .and_then(|value| value.as_str().map(str::to_owned)),
        entry: info
            .message
            .as_ref()
            .and_then(|message| message.entry.clone()),
        device_clock_ms: info.device_clock_ms,
        signature,
        in_manifest: false,
    }
}
