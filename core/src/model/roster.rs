//! A roster: one beat's volunteers and cameras, held as an Automerge document behind a typed
//! API. No Automerge path or object id leaves this module.
//!
//! # Document layout
//!
//! ```text
//! ROOT { schema: 2, roster: "<beat code>",
//!        volunteers: { <VolunteerId>: VOLUNTEER }, cameras: { <CameraId>: CAMERA } }
//! VOLUNTEER { personal: { all,  name_deva, name_latin, phone, household,
//!                         guardian_name, guardian_relation, guardian_phone }  (each sealed;
//!                         `all` holds every field sealed together at enrolment, and a field
//!                         written apart by an edit wins over its value there),
//!             gender, age ("y:34" | "b:1990"), village, beat, station,
//!             programmes: { <code>: true }, enrolled_by, enrolled_on, enrolled_at,
//!             trained_by, consent_at, consent_lang, consent_notice, consent_witness,
//!             guardian_consent, review (JSON scalar), withdrawn (JSON scalar) }
//! CAMERA { owner: { owner_name, owner_phone }  (each sealed, deleted on removal),
//!          lat, lon, village, coverage, direction, recording_days,
//!          removed ("<reason>"), removed_at }
//! ```
//!
//! Every personal field is a byte string sealed under the key of its own entry, volunteer or
//! camera ([`super::sealed`]); the key is never written here. A reader without the key sees
//! the entry with its personal fields sealed ([`Volunteer::sealed`], [`Camera::sealed`]).
//! Cameras were first written with their owner in plain text (`owner_name`, `owner_phone`
//! strings on the entry); no build that wrote them can sync with one that reads this layout
//! (sync protocol 3), and such an entry reads as malformed rather than showing the owner.
//!
//! The root maps come from a genesis change that every replica builds byte for byte the same
//! (a fixed actor and time), so two phones that start a roster offline share one `volunteers`
//! map instead of each creating a rival map that would hide the other's entries.
//!
//! # Merge rules, field by field
//!
//! * Personal fields, gender, age, village: per-field last-writer-wins as Automerge resolves
//!   it (the same winner on every replica). Edits of different fields from two devices both
//!   stand; a field both devices changed is listed in [`Volunteer::conflicts`] for review.
//! * Programmes: a set; a join and a leave of different programmes both stand, and a
//!   concurrent join and leave of the same programme ends joined (add wins).
//! * Review: one scalar holding decision, author and time. Concurrent decisions resolve by
//!   caution — duplicate over reject over verify over reopen (see [`Decision`]). An edit and a
//!   verification made concurrently both stand: they touch different fields.
//! * Withdrawal: a scalar that is written and never removed, so it wins over everything:
//!   a concurrent verification or edit cannot bring a withdrawn person back, and their
//!   personal fields are no longer shown.
//! * Two enrolments of the same person (same phone) on two phones are two entries with two
//!   ids; nothing is dropped. [`Roster::duplicate_phones`] lists them for a supervisor.
//! * A move: the winning `moved` marker says where the person lives now; what reaches an
//!   entry they left is carried into the live one (`carry.rs`, [`super::lineage`]).

use std::collections::{BTreeMap, BTreeSet};
use std::panic::{AssertUnwindSafe, catch_unwind};

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{
    ActorId, AutoCommit, Change, ChangeHash, ObjId, ObjType, PatchAction, Prop, ROOT, ReadDoc,
    ScalarValue, Value,
};

use super::camera::{Camera, CameraOwner};
use super::change_meta::{Action, ChangeMessage, ChangeMeta};
use super::edit::FieldUpdate;
use super::enrolment::Enrolment;
use super::id::{CameraId, EntryId, RosterId, VolunteerId};
use super::invalid::Field;
use super::review::{Decision, Review, Withdrawal, WithdrawalChannel};
use super::sealed::{EntryKey, KeyRing, Sealing, open};
use super::volunteer::{AgeClaim, Consent, Gender, Guardian, Personal, Status, Trainer, Volunteer};
use crate::error::{Error, Result};

/// The version of the document layout above. 2: personal fields sealed per volunteer.
pub const SCHEMA_VERSION: i64 = 2;
/// The actor of the genesis change every replica builds alike: no device may write as it.
pub const GENESIS_ACTOR: [u8; 16] = *b"mitan-genesis-v1";

const VOLUNTEERS: &str = "volunteers";
const CAMERAS: &str = "cameras";
/// A camera's removal reason; its presence is the removal.
const REMOVED: &str = "removed";
const PERSONAL: &str = "personal";
/// The key of a volunteer's personal fields sealed together ([`Roster::seal_personal_together`]).
pub(crate) const TOGETHER: &str = "all";
const OWNER: &str = "owner";
const PROGRAMMES: &str = "programmes";
const REVIEW: &str = "review";
const WITHDRAWN: &str = "withdrawn";
const MOVED: &str = "moved";
const MOVED_FROM: &str = "moved_from";

mod carry;
mod reissue;
mod replay;
mod transfer;
pub use carry::{Carry, CarryWrite, EntryLinks, Reflected};
pub use reissue::Recreated;
pub use replay::{ChangeEffect, ChangeReader, FieldWrite, Target, Written};
pub use transfer::Transfer;

/// The id and raw bytes of one change, as stored and as sent over the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterChange {
    /// The change's hash.
    pub hash: [u8; 32],
    /// The encoded change.
    pub bytes: Vec<u8>,
}

impl RosterChange {
    fn from_change(change: &Change) -> Self {
        RosterChange {
            hash: change.hash().0,
            bytes: change.raw_bytes().to_vec(),
        }
    }
}

/// What applying received changes did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// Volunteers whose entry changed.
    pub volunteers: BTreeSet<VolunteerId>,
    /// Cameras whose entry changed.
    pub cameras: BTreeSet<CameraId>,
    /// How many of the received changes were new here.
    pub new_changes: usize,
}

/// An entry that exists in the document but cannot be read as a volunteer: written by a
/// buggy or hostile peer. Reported, never fatal to the rest of the roster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    /// The entry's key.
    pub key: String,
    /// The first field that could not be read.
    pub field: Field,
}

/// One beat's roster.
pub struct Roster {
    id: RosterId,
    doc: AutoCommit,
    /// Whether a new entry's personal fields are sealed together as one value
    /// ([`Roster::seal_personal_together`]).
    together: bool,
}

impl std::fmt::Debug for Roster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Roster")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl Roster {
    /// A new, empty roster whose first change is identical on every replica.
    pub fn genesis(id: &RosterId) -> Self {
        let mut doc = AutoCommit::new().with_actor(ActorId::from(GENESIS_ACTOR));
        let built: std::result::Result<(), automerge::AutomergeError> = (|| {
            doc.put(ROOT, "schema", SCHEMA_VERSION)?;
            doc.put(ROOT, "roster", id.as_str())?;
            doc.put_object(ROOT, VOLUNTEERS, ObjType::Map)?;
            doc.put_object(ROOT, CAMERAS, ObjType::Map)?;
            Ok(())
        })();
        built.expect("writing fixed keys into a fresh document cannot fail");
        let message = ChangeMessage {
            action: Action::Genesis,
            badge: String::new(),
            device: String::new(),
            entry: None,
            carried_from: None,
        };
        doc.commit_with(
            CommitOptions::default()
                .with_message(message.encode())
                .with_time(0),
        );
        Roster {
            id: id.clone(),
            doc,
            together: false,
        }
    }

    /// Rebuilds a roster from a saved document and the changes stored after it, in any order.
    /// Without a snapshot the roster starts from genesis.
    pub fn load(id: &RosterId, snapshot: Option<&[u8]>, changes: &[Vec<u8>]) -> Result<Self> {
        let mut roster = match snapshot {
            Some(bytes) => {
                let doc = guard(|| AutoCommit::load(bytes))??;
                Roster {
                    id: id.clone(),
                    doc,
                    together: false,
                }
            }
            None => Roster::genesis(id),
        };
        let mut decoded = Vec::with_capacity(changes.len());
        for bytes in changes {
            decoded.push(decode_change(bytes)?);
        }
        let doc = &mut roster.doc;
        guard(|| doc.apply_changes(decoded))??;
        // A document from a newer build may hold fields this one would misread or drop on
        // the next write; refusing it keeps the newer data intact until the app is updated.
        let layout = Reader::new(&roster.doc, &ROOT).int("schema");
        if let Some(found) = layout.filter(|found| *found > SCHEMA_VERSION) {
            return Err(Error::MalformedRoster {
                roster: id.to_string(),
                reason: format!(
                    "document layout {found} is newer than this build's ({SCHEMA_VERSION})"
                ),
            });
        }
        Ok(roster)
    }

    /// Sets the actor that this replica's own changes carry: one per device.
    pub fn set_actor(&mut self, actor: [u8; 16]) {
        self.doc.set_actor(ActorId::from(actor));
    }

    /// This roster's id.
    pub fn id(&self) -> &RosterId {
        &self.id
    }

    /// The hashes of the newest changes: the roster's version.
    pub fn heads(&mut self) -> Vec<[u8; 32]> {
        self.doc
            .get_heads()
            .into_iter()
            .map(|hash| hash.0)
            .collect()
    }

    /// Whether every hash in `heads` is a change this replica has.
    pub fn has_all(&mut self, heads: &[[u8; 32]]) -> bool {
        heads
            .iter()
            .all(|hash| holds(&mut self.doc, &ChangeHash(*hash)))
    }

    /// The whole roster as one compact document, for snapshots and first syncs.
    pub fn save(&mut self) -> Vec<u8> {
        self.doc.save()
    }

    /// Every change this replica has that is not an ancestor of `heads`, in causal order.
    /// Hashes this replica does not know are ignored, which errs towards sending more.
    pub fn changes_since(&mut self, heads: &[[u8; 32]]) -> Vec<RosterChange> {
        let known: Vec<ChangeHash> = heads
            .iter()
            .map(|hash| ChangeHash(*hash))
            .filter(|hash| holds(&mut self.doc, hash))
            .collect();
        self.doc
            .get_changes(&known)
            .iter()
            .map(RosterChange::from_change)
            .collect()
    }

    /// This roster rebuilt without the changes `dropped`: what a phone holds once the changes
    /// of its old actor are set aside (`reissue`). A kept change that depends on a dropped one
    /// could never be applied, so such a rebuild is refused.
    pub fn without(&mut self, dropped: &BTreeSet<[u8; 32]>) -> Result<Roster> {
        let kept: Vec<Vec<u8>> = self
            .doc
            .get_changes(&[])
            .iter()
            .filter(|change| !dropped.contains(&change.hash().0))
            .map(|change| change.raw_bytes().to_vec())
            .collect();
        let mut rebuilt = Roster::load(&self.id, None, &kept)?;
        if rebuilt.change_count() != kept.len() {
            return Err(Error::MalformedRoster {
                roster: self.id.to_string(),
                reason: "a change kept depends on a change set aside".into(),
            });
        }
        Ok(rebuilt)
    }

    /// The number of changes in the roster's history.
    pub fn change_count(&mut self) -> usize {
        self.doc.get_changes(&[]).len()
    }

    /// Applies changes received from elsewhere, in any order and with duplicates. Changes whose
    /// dependencies are missing wait inside the document until the dependencies arrive.
    pub fn apply_changes(&mut self, changes: &[Vec<u8>]) -> Result<Applied> {
        let mut decoded = Vec::with_capacity(changes.len());
        for bytes in changes {
            decoded.push(decode_change(bytes)?);
        }
        let fresh: BTreeSet<ChangeHash> = decoded
            .iter()
            .map(Change::hash)
            .filter(|hash| !holds(&mut self.doc, hash))
            .collect();
        if fresh.is_empty() {
            return Ok(Applied::default());
        }
        let before = self.doc.get_heads();
        let doc = &mut self.doc;
        guard(|| doc.apply_changes(decoded))??;
        let after = self.doc.get_heads();
        let mut applied = self.touched_between(&before, &after);
        // A change whose dependencies have not arrived waits in the document's queue and is
        // not counted until it is applied.
        applied.new_changes = fresh
            .iter()
            .filter(|hash| holds(&mut self.doc, hash))
            .count();
        Ok(applied)
    }

    /// Applies a whole saved document from elsewhere (a first sync after a reinstall).
    pub fn merge_saved(&mut self, saved: &[u8]) -> Result<Applied> {
        let before = self.doc.get_heads();
        // Counting changes walks the whole history; a snapshot arrives once per reinstall, so
        // the cost is paid rarely.
        let count_before = self.doc.get_changes(&[]).len();
        let doc = &mut self.doc;
        guard(|| doc.load_incremental(saved))??;
        let after = self.doc.get_heads();
        let mut applied = self.touched_between(&before, &after);
        applied.new_changes = self.doc.get_changes(&[]).len().saturating_sub(count_before);
        Ok(applied)
    }

    fn touched_between(&mut self, before: &[ChangeHash], after: &[ChangeHash]) -> Applied {
        let mut applied = Applied::default();
        if before == after {
            return applied;
        }
        let volunteers = self.container(VOLUNTEERS);
        let cameras = self.container(CAMERAS);
        for patch in self.doc.diff(before, after) {
            // Each step of a patch's path names an object and the key taken inside it, so the
            // step taken inside a container names the entry; a patch on the container itself
            // names it in its action.
            let from_path = patch.path.iter().find_map(|(obj, prop)| match prop {
                Prop::Map(key)
                    if Some(obj) == volunteers.as_ref() || Some(obj) == cameras.as_ref() =>
                {
                    Some((obj.clone(), key.clone()))
                }
                _ => None,
            });
            let entry = from_path.or_else(|| match &patch.action {
                PatchAction::PutMap { key, .. } | PatchAction::DeleteMap { key } => {
                    Some((patch.obj.clone(), key.clone()))
                }
                _ => None,
            });
            let Some((container, key)) = entry else {
                continue;
            };
            if Some(&container) == volunteers.as_ref()
                && let Ok(id) = key.parse()
            {
                applied.volunteers.insert(id);
            } else if Some(&container) == cameras.as_ref()
                && let Ok(id) = key.parse()
            {
                applied.cameras.insert(id);
            }
        }
        // The document keeps the patches of its last diff, every value the changes wrote,
        // for as long as it lives: some 480 KiB for a beat's first 50 enrolments, on every
        // roster a server holds in memory. A diff of nothing on the root alone replaces them
        // with none.
        let _ = self.doc.diff_obj(&ROOT, after, after, false);
        applied
    }

    fn container(&self, key: &str) -> Option<ObjId> {
        match self.doc.get(ROOT, key) {
            Ok(Some((Value::Object(ObjType::Map), id))) => Some(id),
            _ => None,
        }
    }

    fn require_container(&self, key: &str) -> Result<ObjId> {
        self.container(key).ok_or_else(|| Error::MalformedRoster {
            roster: self.id.to_string(),
            reason: format!("no {key} map"),
        })
    }

    fn entry(&self, container: &str, key: &str) -> Result<Option<ObjId>> {
        let parent = self.require_container(container)?;
        Ok(match self.doc.get(&parent, key)? {
            Some((Value::Object(ObjType::Map), id)) => Some(id),
            _ => None,
        })
    }

    fn require_volunteer(&self, id: &VolunteerId) -> Result<ObjId> {
        self.entry(VOLUNTEERS, &id.to_string())?
            .ok_or_else(|| Error::NotFound {
                what: "volunteer",
                id: id.to_string(),
            })
    }

    fn commit(&mut self, action: Action, entry: String, meta: &ChangeMeta) -> RosterChange {
        let message = ChangeMessage {
            action,
            badge: meta.badge.to_string(),
            device: meta.device.to_string(),
            entry: Some(entry),
            carried_from: None,
        };
        self.commit_message(&message, meta.device_clock_ms)
    }

    fn commit_message(&mut self, message: &ChangeMessage, time_ms: i64) -> RosterChange {
        let text = message.encode();
        let options = || {
            CommitOptions::default()
                .with_message(text.clone())
                .with_time(time_ms)
        };
        // Automerge records nothing for a write that leaves every value as it was (an edit
        // to the age already held); an empty change still records who acted, and when,
        // so every action returns the change it made.
        let hash = match self.doc.commit_with(options()) {
            Some(hash) => hash,
            None => self.doc.empty_change(options()),
        };
        let change = self
            .doc
            .get_change_by_hash(&hash)
            .expect("a change was committed just above");
        RosterChange::from_change(&change)
    }

    /// Runs `write` and commits it as one change, or rolls everything back if it fails, so a
    /// failed write leaves the roster as it was.
    fn write(
        &mut self,
        action: Action,
        entry: String,
        meta: &ChangeMeta,
        write: impl FnOnce(&mut AutoCommit) -> Result<()>,
    ) -> Result<RosterChange> {
        match write(&mut self.doc) {
            Ok(()) => Ok(self.commit(action, entry, meta)),
            Err(error) => {
                self.doc.rollback();
                Err(error)
            }
        }
    }

    /// Seals a new entry's personal fields (an enrolment, or a volunteer moved in) together as
    /// one value, under the key `all`, instead of each apart: one nonce and one tag instead of
    /// up to seven, about 70 bytes less per enrolment on the wire. An edit still seals each
    /// field it changes apart, and a field written apart wins over the one sealed together,
    /// so fields merge as before. Only builds of sync protocol 5 read it, so a phone turns it
    /// on when the server says every phone of the district speaks 5.
    pub fn seal_personal_together(&mut self, together: bool) {
        self.together = together;
    }

    /// Enrols a validated volunteer under a new id and returns the change to store.
    pub fn enrol(
        &mut self,
        id: VolunteerId,
        enrolment: &Enrolment,
        meta: &ChangeMeta,
        sealing: &Sealing,
    ) -> Result<RosterChange> {
        let volunteers = self.require_container(VOLUNTEERS)?;
        if self.entry(VOLUNTEERS, &id.to_string())?.is_some() {
            return Err(Error::AlreadyExists {
                what: "volunteer",
                id: id.to_string(),
            });
        }
        let consent = enrolment.consent(&meta.badge, meta.device_clock_ms);
        let together = self.together;
        self.write(Action::Enrol, id.to_string(), meta, |doc| {
            let entry = doc.put_object(&volunteers, id.to_string(), ObjType::Map)?;
            let personal = doc.put_object(&entry, PERSONAL, ObjType::Map)?;
            write_personal(doc, &personal, &id, &enrolment.personal, sealing, together)?;
            doc.put(&entry, "gender", enrolment.gender.as_str())?;
            doc.put(&entry, "age", encode_age(enrolment.age))?;
            doc.put(&entry, "village", enrolment.village.to_string())?;
            doc.put(&entry, "beat", enrolment.beat.as_str())?;
            doc.put(&entry, "station", enrolment.station.as_str())?;
            let programmes = doc.put_object(&entry, PROGRAMMES, ObjType::Map)?;
            for programme in &enrolment.programmes {
                doc.put(&programmes, programme.as_str(), true)?;
            }
            doc.put(&entry, "enrolled_by", meta.badge.as_str())?;
            doc.put(&entry, "enrolled_on", meta.device.as_str())?;
            doc.put(
                &entry,
                "enrolled_at",
                ScalarValue::Timestamp(meta.device_clock_ms),
            )?;
            if let Some(trainer) = &enrolment.trained_by {
                doc.put(&entry, "trained_by", trainer.encode())?;
            }
            write_consent(doc, &entry, &consent)?;
            Ok(())
        })
    }

    /// Applies validated field edits to a volunteer. Personal fields are sealed with
    /// `sealing`, which an edit of personal fields must bring (a holder without the
    /// volunteer's key cannot write them).
    pub fn edit(
        &mut self,
        id: &VolunteerId,
        updates: &[FieldUpdate],
        meta: &ChangeMeta,
        sealing: Option<&Sealing>,
    ) -> Result<RosterChange> {
        let entry = self.require_volunteer(id)?;
        let personal = self.personal_map(&entry)?;
        let programmes = self.programmes_map(&entry)?;
        let personal_field = |update: &FieldUpdate| match update {
            FieldUpdate::NameDevanagari(_) => Some(Field::NameDevanagari),
            FieldUpdate::NameLatin(_) => Some(Field::NameLatin),
            FieldUpdate::Phone(_) => Some(Field::Phone),
            FieldUpdate::Household(_) => Some(Field::Household),
            _ => None,
        };
        let sealing = match (updates.iter().find_map(personal_field), sealing) {
            (Some(field), None) => {
                return Err(Error::Invalid(
                    super::Invalid::new(field, super::InvalidCode::Sealed).into(),
                ));
            }
            (_, sealing) => sealing,
        };
        let id = *id;
        self.write(Action::Edit, id.to_string(), meta, |doc| {
            let mut index = 0u8;
            let mut seal = |doc: &mut AutoCommit, key: &str, value: &str| -> Result<()> {
                if let Some(sealing) = sealing {
                    doc.put(&personal, key, sealing.seal(id, key, index, value))?;
                    index = index.wrapping_add(1);
                }
                Ok(())
            };
            for update in updates {
                match update {
                    FieldUpdate::NameDevanagari(name) => seal(doc, "name_deva", name)?,
                    FieldUpdate::NameLatin(name) => seal(doc, "name_latin", name)?,
                    FieldUpdate::Phone(phone) => seal(doc, "phone", phone.as_str())?,
                    FieldUpdate::Household(household) => seal(doc, "household", household)?,
                    FieldUpdate::Gender(gender) => doc.put(&entry, "gender", gender.as_str())?,
                    FieldUpdate::Age(age) => doc.put(&entry, "age", encode_age(*age))?,
                    FieldUpdate::Village(village) => {
                        doc.put(&entry, "village", village.to_string())?
                    }
                    FieldUpdate::AddProgramme(programme) => {
                        doc.put(&programmes, programme.as_str(), true)?
                    }
                    FieldUpdate::RemoveProgramme(programme) => {
                        if doc.get(&programmes, programme.as_str())?.is_some() {
                            doc.delete(&programmes, programme.as_str())?;
                        }
                    }
                }
            }
            Ok(())
        })
    }

    /// Records a supervisor's decision on a volunteer.
    pub fn review(
        &mut self,
        id: &VolunteerId,
        decision: Decision,
        meta: &ChangeMeta,
    ) -> Result<RosterChange> {
        let entry = self.require_volunteer(id)?;
        if decision == Decision::DuplicateOf(*id) {
            return Err(Error::Invalid(
                super::Invalid::new(Field::VolunteerId, super::InvalidCode::Duplicate).into(),
            ));
        }
        let review = Review {
            decision,
            by: meta.badge.clone(),
            at_ms: meta.device_clock_ms,
        };
        self.write(Action::Review, id.to_string(), meta, |doc| {
            doc.put(&entry, REVIEW, review.encode())?;
            Ok(())
        })
    }

    /// Records that a volunteer withdrew consent. Their personal fields are blanked in the
    /// current state at once; erasing them from history needs the per-person keys of the
    /// privacy design (docs/adr, ADR 0004).
    pub fn withdraw(
        &mut self,
        id: &VolunteerId,
        via: WithdrawalChannel,
        meta: &ChangeMeta,
    ) -> Result<RosterChange> {
        let entry = self.require_volunteer(id)?;
        let personal = self.personal_map(&entry)?;
        let withdrawal = Withdrawal {
            by: meta.badge.to_string(),
            at: meta.device_clock_ms,
            via,
        };
        self.write(Action::Withdraw, id.to_string(), meta, |doc| {
            doc.put(&entry, WITHDRAWN, withdrawal.encode())?;
            let present: Vec<String> = doc.keys(&personal).collect();
            for key in present {
                doc.delete(&personal, key.as_str())?;
            }
            Ok(())
        })
    }

    /// Registers a validated camera, its owner's name and phone sealed with `sealing` (the
    /// camera's own key).
    pub fn add_camera(
        &mut self,
        camera: &Camera,
        meta: &ChangeMeta,
        sealing: &Sealing,
    ) -> Result<RosterChange> {
        let cameras = self.require_container(CAMERAS)?;
        if self.entry(CAMERAS, &camera.id.to_string())?.is_some() {
            return Err(Error::AlreadyExists {
                what: "camera",
                id: camera.id.to_string(),
            });
        }
        // A camera read without its key has no owner to write back: registering one is a
        // caller's mistake, refused before anything is written.
        let Some(owner) = &camera.owner else {
            return Err(Error::Invalid(
                super::Invalid::new(Field::OwnerName, super::InvalidCode::Sealed).into(),
            ));
        };
        let id = camera.id;
        self.write(Action::Camera, id.to_string(), meta, |doc| {
            let entry = doc.put_object(&cameras, id.to_string(), ObjType::Map)?;
            let owner_map = doc.put_object(&entry, OWNER, ObjType::Map)?;
            doc.put(
                &owner_map,
                "owner_name",
                sealing.seal(id, "owner_name", 0, &owner.name),
            )?;
            doc.put(
                &owner_map,
                "owner_phone",
                sealing.seal(id, "owner_phone", 1, owner.phone.as_str()),
            )?;
            doc.put(&entry, "lat", camera.latitude)?;
            doc.put(&entry, "lon", camera.longitude)?;
            doc.put(&entry, "village", camera.village.to_string())?;
            doc.put(&entry, "coverage", camera.coverage.as_str())?;
            if let Some(direction) = camera.direction {
                doc.put(&entry, "direction", direction.as_str())?;
            }
            if let Some(days) = camera.recording_days {
                doc.put(&entry, "recording_days", i64::from(days))?;
            }
            Ok(())
        })
    }

    /// Takes a camera off the register: the removal is written and never removed, and the
    /// owner's sealed fields are deleted, as a withdrawal deletes a volunteer's. The caller
    /// destroys the camera's key in the same transaction, which erases the owner from every
    /// copy of the history. Removing a removed camera is refused: the first reason stands.
    pub fn remove_camera(
        &mut self,
        id: &CameraId,
        reason: super::CameraRemoval,
        meta: &ChangeMeta,
    ) -> Result<RosterChange> {
        let Some(entry) = self.entry(CAMERAS, &id.to_string())? else {
            return Err(Error::NotFound {
                what: "camera",
                id: id.to_string(),
            });
        };
        if Reader::new(&self.doc, &entry).string(REMOVED).is_some() {
            return Err(Error::Invalid(
                super::Invalid::new(Field::CameraId, super::InvalidCode::Duplicate).into(),
            ));
        }
        let owner = Reader::new(&self.doc, &entry).child(OWNER);
        self.write(Action::RemoveCamera, id.to_string(), meta, |doc| {
            doc.put(&entry, REMOVED, reason.as_str())?;
            doc.put(&entry, "removed_at", meta.device_clock_ms)?;
            if let Some(owner) = owner {
                let present: Vec<String> = doc.keys(&owner).collect();
                for key in present {
                    doc.delete(&owner, key.as_str())?;
                }
            }
            Ok(())
        })
    }

    fn personal_map(&self, entry: &ObjId) -> Result<ObjId> {
        self.child_map(entry, PERSONAL, Field::Phone)
    }

    fn programmes_map(&self, entry: &ObjId) -> Result<ObjId> {
        self.child_map(entry, PROGRAMMES, Field::Programmes)
    }

    fn child_map(&self, entry: &ObjId, key: &str, field: Field) -> Result<ObjId> {
        match self.doc.get(entry, key)? {
            Some((Value::Object(ObjType::Map), id)) => Ok(id),
            _ => Err(Error::MalformedRoster {
                roster: self.id.to_string(),
                reason: format!("entry has no {field} map"),
            }),
        }
    }

    /// One volunteer as the roster now shows them.
    pub fn volunteer(&self, id: &VolunteerId, keys: &dyn KeyRing) -> Result<Option<Volunteer>> {
        let Some(entry) = self.entry(VOLUNTEERS, &id.to_string())? else {
            return Ok(None);
        };
        read_volunteer(&self.doc, *id, &entry, keys)
            .map(Some)
            .map_err(|malformed| Error::MalformedRoster {
                roster: self.id.to_string(),
                reason: format!("volunteer {}: {}", malformed.key, malformed.field),
            })
    }

    /// Every volunteer, in id order (which is enrolment order by device clock). Entries that
    /// cannot be read are returned as [`Malformed`] rather than hidden.
    pub fn volunteers(&self, keys: &dyn KeyRing) -> Vec<std::result::Result<Volunteer, Malformed>> {
        let Some(container) = self.container(VOLUNTEERS) else {
            return Vec::new();
        };
        self.doc
            .map_range(&container, ..)
            .map(|item| {
                let key = item.key.to_string();
                let id: VolunteerId = key.parse().map_err(|_| Malformed {
                    key: key.clone(),
                    field: Field::VolunteerId,
                })?;
                let (_, entry) = self
                    .doc
                    .get(&container, key.as_str())
                    .ok()
                    .flatten()
                    .ok_or(Malformed {
                        key: key.clone(),
                        field: Field::VolunteerId,
                    })?;
                read_volunteer(&self.doc, id, &entry, keys)
            })
            .collect()
    }

    /// One camera as the roster now shows it; its owner is sealed unless `keys` holds the
    /// camera's key.
    pub fn camera(&self, id: &CameraId, keys: &dyn KeyRing) -> Result<Option<Camera>> {
        let Some(entry) = self.entry(CAMERAS, &id.to_string())? else {
            return Ok(None);
        };
        read_camera(&self.doc, *id, &entry, keys)
            .map(Some)
            .map_err(|malformed| Error::MalformedRoster {
                roster: self.id.to_string(),
                reason: format!("camera {}: {}", malformed.key, malformed.field),
            })
    }

    /// Every camera, in id order; owners are sealed unless `keys` holds their camera's key.
    pub fn cameras(&self, keys: &dyn KeyRing) -> Vec<std::result::Result<Camera, Malformed>> {
        let Some(container) = self.container(CAMERAS) else {
            return Vec::new();
        };
        let entry_keys: Vec<String> = self.doc.keys(&container).collect();
        entry_keys
            .into_iter()
            .map(|key| {
                let malformed = |field| Malformed {
                    key: key.clone(),
                    field,
                };
                let id: CameraId = key.parse().map_err(|_| malformed(Field::CameraId))?;
                let Ok(Some((Value::Object(ObjType::Map), entry))) =
                    self.doc.get(&container, key.as_str())
                else {
                    return Err(malformed(Field::CameraId));
                };
                read_camera(&self.doc, id, &entry, keys)
            })
            .collect()
    }

    /// The sealed field that tells whether a key opens entry `entry` (a volunteer's phone or
    /// fields sealed together, a camera owner's phone), with its field name, if the entry is
    /// live and still holds it.
    fn sealed_check_field(&self, entry: &EntryId) -> Option<(Vec<u8>, &'static str)> {
        match entry {
            EntryId::Volunteer(id) => self.sealed_phone(id),
            EntryId::Camera(id) => {
                let entry = self.entry(CAMERAS, &id.to_string()).ok()??;
                let owner = Reader::new(&self.doc, &entry).child(OWNER)?;
                Reader::new(&self.doc, &owner)
                    .bytes("owner_phone")
                    .map(|sealed| (sealed, "owner_phone"))
            }
        }
    }

    /// The sealed phone of live entry `id` (not withdrawn, not moved away), or its fields
    /// sealed together, with the key it is under, if it has either.
    fn sealed_phone(&self, id: &VolunteerId) -> Option<(Vec<u8>, &'static str)> {
        let entry = self.entry(VOLUNTEERS, &id.to_string()).ok()??;
        let reader = Reader::new(&self.doc, &entry);
        if reader.scalar(WITHDRAWN).is_some() || transfer::moved_to(&reader).is_some() {
            return None;
        }
        let personal = reader.child(PERSONAL)?;
        let personal = Reader::new(&self.doc, &personal);
        personal
            .bytes("phone")
            .map(|sealed| (sealed, "phone"))
            .or_else(|| personal.bytes(TOGETHER).map(|sealed| (sealed, TOGETHER)))
    }

    /// Whether entry `entry` still holds personal fields: a key for it is worth sending.
    pub fn holds_personal(&self, entry: &EntryId) -> bool {
        self.sealed_check_field(entry).is_some()
    }

    /// Whether `key` opens the personal fields of entry `entry`: how a key received from a
    /// peer is checked before it is kept. False for a withdrawn or moved-away volunteer,
    /// whose fields are gone.
    pub fn opens_with(&self, entry: &EntryId, key: &EntryKey) -> bool {
        self.sealed_check_field(entry)
            .and_then(|(sealed, field)| open(key, *entry, field, &sealed))
            .is_some()
    }

    /// Every entry, volunteer or camera, that still holds personal fields.
    pub fn personal_entries(&self) -> Vec<EntryId> {
        let mut entries = Vec::new();
        for (container, kind) in [(VOLUNTEERS, "volunteer"), (CAMERAS, "camera")] {
            let Some(map) = self.container(container) else {
                continue;
            };
            entries.extend(
                self.doc
                    .keys(&map)
                    .filter_map(|key| EntryId::parse(kind, &key))
                    .filter(|entry| self.holds_personal(entry)),
            );
        }
        entries
    }

    /// Groups of volunteers who share a phone number: candidates for a supervisor to merge.
    /// Withdrawn volunteers have no phone on record and never appear.
    pub fn duplicate_phones(&self, keys: &dyn KeyRing) -> Vec<Vec<VolunteerId>> {
        let mut by_phone: BTreeMap<String, Vec<VolunteerId>> = BTreeMap::new();
        for volunteer in self.volunteers(keys).into_iter().flatten() {
            if let Some(personal) = &volunteer.personal {
                by_phone
                    .entry(personal.phone.to_string())
                    .or_default()
                    .push(volunteer.id);
            }
        }
        by_phone.into_values().filter(|ids| ids.len() > 1).collect()
    }
}

fn write_personal(
    doc: &mut AutoCommit,
    personal: &ObjId,
    id: &VolunteerId,
    fields: &Personal,
    sealing: &Sealing,
    together: bool,
) -> Result<()> {
    if together {
        doc.put(
            personal,
            TOGETHER,
            sealing.seal(*id, TOGETHER, 0, &fields.together()),
        )?;
        return Ok(());
    }
    let values = fields.sealed_fields();
    for (index, (key, value)) in (0u8..).zip(values) {
        doc.put(personal, key, sealing.seal(*id, key, index, value))?;
    }
    Ok(())
}

fn write_consent(doc: &mut AutoCommit, entry: &ObjId, consent: &Consent) -> Result<()> {
    doc.put(
        entry,
        "consent_at",
        ScalarValue::Timestamp(consent.given_at_ms),
    )?;
    doc.put(entry, "consent_lang", consent.language.as_str())?;
    doc.put(entry, "consent_notice", u64::from(consent.notice_version))?;
    doc.put(entry, "consent_witness", consent.witness.as_str())?;
    doc.put(entry, "guardian_consent", consent.guardian_consented)?;
    Ok(())
}

fn encode_age(age: AgeClaim) -> String {
    match age {
        AgeClaim::Years(years) => format!("y:{years}"),
        AgeClaim::BirthYear(year) => format!("b:{year}"),
    }
}

fn decode_age(text: &str) -> Option<AgeClaim> {
    match text.split_once(':')? {
        ("y", years) => years.parse().ok().map(AgeClaim::Years),
        ("b", year) => year.parse().ok().map(AgeClaim::BirthYear),
        _ => None,
    }
}

/// Typed reads of one map object; every accessor returns `None` on a missing key or a value
/// of the wrong type, because the document may come from a peer we do not trust.
struct Reader<'a> {
    doc: &'a AutoCommit,
    obj: &'a ObjId,
    /// Every key of the object with its winning value, whether concurrent writes left others
    /// standing, read in one pass: a `get` seeks its key through the whole document, and a
    /// volunteer read key by key spent most of its time seeking (`docs/bench-log.md`, audit).
    entries: Vec<ReadEntry>,
}

/// One key of an object as [`Reader`] holds it.
struct ReadEntry {
    key: String,
    value: Value<'static>,
    id: ObjId,
    conflict: bool,
}

impl<'a> Reader<'a> {
    fn new(doc: &'a AutoCommit, obj: &'a ObjId) -> Self {
        let entries = doc
            .map_range(obj, ..)
            .map(|item| ReadEntry {
                id: item.id(),
                key: item.key.into_owned(),
                value: Value::from(item.value),
                conflict: item.conflict,
            })
            .collect();
        Reader { doc, obj, entries }
    }

    /// The first key of a sealed map (a volunteer's personal fields, a camera's owner) whose
    /// value is not ciphertext. No Mitan build writes one; a tampered phone could, and reading
    /// on would put a name in plain text on every phone's screen and in the server's rows.
    fn first_unsealed(&self) -> Option<&str> {
        self.entries
            .iter()
            .find(|entry| !matches!(&entry.value, Value::Scalar(value) if value.is_bytes()))
            .map(|entry| entry.key.as_str())
    }

    fn entry(&self, key: &str) -> Option<&ReadEntry> {
        self.entries.iter().find(|entry| entry.key == key)
    }

    fn scalar(&self, key: &str) -> Option<ScalarValue> {
        match &self.entry(key)?.value {
            Value::Scalar(value) => Some(value.as_ref().clone()),
            Value::Object(_) => None,
        }
    }

    fn string(&self, key: &str) -> Option<String> {
        match self.scalar(key)? {
            ScalarValue::Str(text) => Some(text.to_string()),
            _ => None,
        }
    }

    fn bytes(&self, key: &str) -> Option<Vec<u8>> {
        match self.scalar(key)? {
            ScalarValue::Bytes(bytes) => Some(bytes),
            _ => None,
        }
    }

    fn parsed<T: std::str::FromStr>(&self, key: &str) -> Option<T> {
        self.string(key)?.parse().ok()
    }

    fn int(&self, key: &str) -> Option<i64> {
        match self.scalar(key)? {
            ScalarValue::Int(value) | ScalarValue::Timestamp(value) => Some(value),
            ScalarValue::Uint(value) => i64::try_from(value).ok(),
            _ => None,
        }
    }

    fn float(&self, key: &str) -> Option<f64> {
        match self.scalar(key)? {
            ScalarValue::F64(value) => Some(value),
            _ => None,
        }
    }

    fn boolean(&self, key: &str) -> Option<bool> {
        match self.scalar(key)? {
            ScalarValue::Boolean(value) => Some(value),
            _ => None,
        }
    }

    /// Whether concurrent writes left more than one value standing for `key`.
    fn in_conflict(&self, key: &str) -> bool {
        self.entry(key).is_some_and(|entry| entry.conflict)
    }

    fn all_strings(&self, key: &str) -> Vec<String> {
        // Only a key in conflict holds more than its winner: no need to seek it again.
        if !self.in_conflict(key) {
            return self.string(key).into_iter().collect();
        }
        self.doc
            .get_all(self.obj, key)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(value, _)| match value {
                Value::Scalar(scalar) => match scalar.as_ref() {
                    ScalarValue::Str(text) => Some(text.to_string()),
                    _ => None,
                },
                Value::Object(_) => None,
            })
            .collect()
    }

    fn child(&self, key: &str) -> Option<ObjId> {
        match self.entry(key)? {
            ReadEntry {
                value: Value::Object(ObjType::Map),
                id,
                ..
            } => Some(id.clone()),
            _ => None,
        }
    }
}

fn read_volunteer(
    doc: &AutoCommit,
    id: VolunteerId,
    entry: &ObjId,
    keys: &dyn KeyRing,
) -> std::result::Result<Volunteer, Malformed> {
    let malformed = |field| Malformed {
        key: id.to_string(),
        field,
    };
    let reader = Reader::new(doc, entry);
    let withdrawn = reader.scalar(WITHDRAWN).is_some();
    let moved = transfer::moved_to(&reader);
    let personal_map = reader.child(PERSONAL).ok_or(malformed(Field::Phone))?;
    let personal_reader = Reader::new(doc, &personal_map);
    if let Some(key) = personal_reader.first_unsealed() {
        return Err(malformed(personal_field(key)));
    }

    let mut conflicts = Vec::new();
    let key = if withdrawn || moved.is_some() {
        None
    } else {
        keys.key(&EntryId::Volunteer(id))
    };
    // Personal fields are sealed when the entry still has them and this reader lacks the
    // key: the person is there, only their name and number are not readable here.
    let sealed = key.is_none() && !withdrawn && moved.is_none();
    let personal = if let Some(key) = key {
        let opened =
            |name: &str| -> Option<String> { open(&key, id, name, &personal_reader.bytes(name)?) };
        // The fields sealed together at enrolment, if they were; a field sealed apart (by an
        // edit) wins over its value there.
        let together = match personal_reader.bytes(TOGETHER) {
            None => None,
            Some(_) => Some(
                opened(TOGETHER)
                    .as_deref()
                    .and_then(Personal::split_together)
                    .ok_or(malformed(Field::Phone))?,
            ),
        };
        // A field present but not opening under the volunteer's key was tampered with or
        // written by a broken peer: the entry is reported as malformed, never shown wrong.
        let readable =
            |name: &str, field: Field| -> std::result::Result<Option<String>, Malformed> {
                match personal_reader.bytes(name) {
                    None => Ok(together
                        .as_ref()
                        .and_then(|together| together.get(name).cloned())),
                    Some(_) => opened(name).map(Some).ok_or(malformed(field)),
                }
            };
        let guardian = match readable("guardian_name", Field::GuardianName)? {
            Some(name) => Some(Guardian {
                name,
                relation: readable("guardian_relation", Field::GuardianRelation)?
                    .ok_or(malformed(Field::GuardianRelation))?,
                phone: readable("guardian_phone", Field::GuardianPhone)?
                    .and_then(|text| text.parse().ok())
                    .ok_or(malformed(Field::GuardianPhone))?,
            }),
            None => None,
        };
        for (key, field) in [
            ("name_deva", Field::NameDevanagari),
            ("name_latin", Field::NameLatin),
            ("phone", Field::Phone),
            ("household", Field::Household),
        ] {
            if personal_reader.in_conflict(key) {
                conflicts.push(field);
            }
        }
        Some(Personal {
            name_devanagari: readable("name_deva", Field::NameDevanagari)?,
            name_latin: readable("name_latin", Field::NameLatin)?,
            phone: readable("phone", Field::Phone)?
                .and_then(|text| text.parse().ok())
                .ok_or(malformed(Field::Phone))?,
            household: readable("household", Field::Household)?
                .ok_or(malformed(Field::Household))?,
            guardian,
        })
    } else {
        None
    };
    for (key, field) in [
        ("gender", Field::Gender),
        ("age", Field::Age),
        ("village", Field::Village),
    ] {
        if reader.in_conflict(key) {
            conflicts.push(field);
        }
    }

    let programmes_map = reader
        .child(PROGRAMMES)
        .ok_or(malformed(Field::Programmes))?;
    let programmes = doc
        .keys(&programmes_map)
        .filter_map(|code| code.parse().ok())
        .collect();

    let reviews: Vec<Review> = reader
        .all_strings(REVIEW)
        .iter()
        .filter_map(|text| Review::decode(text))
        .collect();
    let review = Review::winner(reviews);
    let status = if withdrawn {
        Status::Withdrawn
    } else if let Some(to) = moved.clone() {
        Status::Moved { to }
    } else {
        review
            .as_ref()
            .map(Review::status)
            .unwrap_or(Status::Pending)
    };

    let trained_by = match reader.string("trained_by") {
        Some(text) => Some(Trainer::decode(&text).map_err(|_| malformed(Field::TrainedBy))?),
        None => None,
    };
    Ok(Volunteer {
        id,
        personal,
        gender: reader
            .parsed::<Gender>("gender")
            .ok_or(malformed(Field::Gender))?,
        age: reader
            .string("age")
            .as_deref()
            .and_then(decode_age)
            .ok_or(malformed(Field::Age))?,
        village: reader.parsed("village").ok_or(malformed(Field::Village))?,
        beat: reader.parsed("beat").ok_or(malformed(Field::Beat))?,
        station: reader.parsed("station").ok_or(malformed(Field::Station))?,
        programmes,
        enrolled_by: reader
            .parsed("enrolled_by")
            .ok_or(malformed(Field::EnrolledBy))?,
        enrolled_on: reader
            .parsed("enrolled_on")
            .ok_or(malformed(Field::Device))?,
        enrolled_at_ms: reader
            .int("enrolled_at")
            .ok_or(malformed(Field::EnrolledBy))?,
        trained_by,
        consent: Consent {
            given_at_ms: reader.int("consent_at").ok_or(malformed(Field::Consent))?,
            language: reader
                .string("consent_lang")
                .ok_or(malformed(Field::ConsentLanguage))?,
            notice_version: reader
                .int("consent_notice")
                .and_then(|version| u32::try_from(version).ok())
                .ok_or(malformed(Field::ConsentNotice))?,
            witness: reader
                .parsed("consent_witness")
                .ok_or(malformed(Field::ConsentWitness))?,
            guardian_consented: reader
                .boolean("guardian_consent")
                .ok_or(malformed(Field::Consent))?,
        },
        status,
        reviewed_by: review.map(|review| review.by),
        conflicts,
        sealed,
        moved_to: moved,
    })
}

fn read_camera(
    doc: &AutoCommit,
    id: CameraId,
    entry: &ObjId,
    keys: &dyn KeyRing,
) -> std::result::Result<Camera, Malformed> {
    let malformed = |field| Malformed {
        key: id.to_string(),
        field,
    };
    let reader = Reader::new(doc, entry);
    let owner_map = reader.child(OWNER).ok_or(malformed(Field::OwnerName))?;
    let owner_reader = Reader::new(doc, &owner_map);
    let removed = match reader.string(REMOVED) {
        Some(reason) => Some(super::Removed {
            reason: reason.parse().map_err(|_| malformed(Field::Reason))?,
            at_ms: reader.int("removed_at").unwrap_or(0),
        }),
        None => None,
    };
    if let Some(key) = owner_reader.first_unsealed() {
        return Err(malformed(if key == "owner_phone" {
            Field::Phone
        } else {
            Field::OwnerName
        }));
    }
    // A removed camera's owner is erased: nothing is left to open, and no key to ask for.
    let key = keys.key(&EntryId::Camera(id)).filter(|_| removed.is_none());
    let sealed = key.is_none() && removed.is_none();
    let owner = match key {
        // As for a volunteer, a field that is there but does not open under the camera's key
        // was tampered with: the entry is malformed, never shown with a wrong owner.
        Some(key) => {
            let opened = |name: &str, field: Field| {
                owner_reader
                    .bytes(name)
                    .and_then(|sealed| open(&key, id, name, &sealed))
                    .ok_or(malformed(field))
            };
            Some(CameraOwner {
                name: opened("owner_name", Field::OwnerName)?,
                phone: opened("owner_phone", Field::Phone)?
                    .parse()
                    .map_err(|_| malformed(Field::Phone))?,
            })
        }
        None => None,
    };
    Ok(Camera {
        id,
        owner,
        latitude: reader.float("lat").ok_or(malformed(Field::Latitude))?,
        longitude: reader.float("lon").ok_or(malformed(Field::Longitude))?,
        village: reader.parsed("village").ok_or(malformed(Field::Village))?,
        coverage: reader
            .string("coverage")
            .ok_or(malformed(Field::Coverage))?,
        direction: match reader.string("direction") {
            Some(code) => Some(code.parse().map_err(|_| malformed(Field::Direction))?),
            None => None,
        },
        recording_days: match reader.int("recording_days") {
            Some(days) => Some(
                u16::try_from(days)
                    .ok()
                    .filter(|days| (1..=super::MAX_RECORDING_DAYS).contains(days))
                    .ok_or(malformed(Field::RecordingDays))?,
            ),
            None => None,
        },
        removed,
        sealed,
    })
}

/// Decodes one change from the wire or the store. Never panics on garbage.
fn decode_change(bytes: &[u8]) -> Result<Change> {
    guard(|| Change::from_bytes(bytes.to_vec()))?.map_err(|error| Error::Decode {
        what: "change",
        reason: error.to_string(),
    })
}

/// Runs an Automerge call that may panic on hostile input (see PITFALLS: `MissingOps`,
/// `PatchLogMismatch`) and turns a panic into an error, so one bad message cannot take a
/// server or an app down. The caller must drop or reload the roster after such an error.
fn guard<T>(call: impl FnOnce() -> T) -> Result<T> {
    catch_unwind(AssertUnwindSafe(call)).map_err(|_| Error::Decode {
        what: "roster",
        reason: "automerge panicked on this input".into(),
    })
}

/// The header of an encoded change, read without applying it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeInfo {
    /// The change's hash.
    pub hash: [u8; 32],
    /// The actor that made it.
    pub actor: Vec<u8>,
    /// The hashes it depends on.
    pub deps: Vec<[u8; 32]>,
    /// The device clock it claims.
    pub device_clock_ms: i64,
    /// Who did what, if Mitan wrote it.
    pub message: Option<ChangeMessage>,
    /// How many operations it holds.
    pub ops: usize,
    /// Its encoded size in bytes.
    pub bytes: usize,
    /// Whether it writes the document's root, which only the genesis change does: the root
    /// holds the layout version and the two containers, never data.
    pub writes_root: bool,
}

/// Changes longer than this are not expanded by [`inspect_change`]; see
/// `sync::MAX_CHANGE_OPS`, which is lower, for the limit a server applies.
const MAX_INSPECTED_OPS: usize = 4_096;

/// Whether `doc` holds (has applied) change `hash`. Asks the change graph only:
/// `get_change_by_hash` rebuilds the whole change from the op set, so each membership test
/// cost a pass over the document, once per change received in every merge.
fn holds(doc: &mut AutoCommit, hash: &ChangeHash) -> bool {
    doc.get_change_meta_by_hash(hash).is_some()
}

/// The form field a key of the personal map holds.
fn personal_field(key: &str) -> Field {
    match key {
        "name_deva" => Field::NameDevanagari,
        "name_latin" => Field::NameLatin,
        "household" => Field::Household,
        "guardian_name" => Field::GuardianName,
        "guardian_relation" => Field::GuardianRelation,
        "guardian_phone" => Field::GuardianPhone,
        // The phone, or a key no Mitan build writes.
        _ => Field::Phone,
    }
}

/// An encoded change's hash and Mitan message, read without expanding its operations: what
/// a manifest or a key sent without its id needs, at a fraction of [`inspect_change`]'s cost.
/// Never panics on garbage.
pub fn change_hash_and_message(bytes: &[u8]) -> Result<([u8; 32], Option<ChangeMessage>)> {
    let change = decode_change(bytes)?;
    Ok((
        change.hash().0,
        change.message().and_then(ChangeMessage::decode),
    ))
}

/// Reads an encoded change's header. Never panics on garbage.
pub fn inspect_change(bytes: &[u8]) -> Result<ChangeInfo> {
    let change = decode_change(bytes)?;
    // Expanding the operations costs as much as the change is long; a change too long to
    // be accepted is refused on its count alone, so it is never expanded.
    let writes_root = change.len() <= MAX_INSPECTED_OPS
        && guard(|| {
            change
                .decode()
                .operations
                .iter()
                .any(|op| op.obj == automerge::legacy::ObjectId::Root)
        })?;
    Ok(ChangeInfo {
        hash: change.hash().0,
        actor: change.actor_id().to_bytes().to_vec(),
        deps: change.deps().iter().map(|hash| hash.0).collect(),
        device_clock_ms: change.timestamp(),
        message: change.message().and_then(ChangeMessage::decode),
        ops: change.len(),
        bytes: bytes.len(),
        writes_root,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_from_a_newer_layout_is_refused_on_load() {
        let id: RosterId = "BSP-PS-KONI-B01".parse().expect("valid roster");
        let mut newer = Roster::genesis(&id);
        newer.set_actor([7; 16]);
        newer
            .doc
            .put(ROOT, "schema", SCHEMA_VERSION + 1)
            .expect("a fixed key");
        newer.doc.commit();
        let saved = newer.save();
        match Roster::load(&id, Some(&saved), &[]) {
            Err(Error::MalformedRoster { reason, .. }) => {
                assert!(reason.contains("newer"), "{reason}");
            }
            other => panic!("a newer layout loaded: {other:?}"),
        }
        let mut current = Roster::genesis(&id);
        assert!(Roster::load(&id, Some(&current.save()), &[]).is_ok());
    }

    fn camera_roster() -> (Roster, CameraId) {
        use crate::model::sealed::TestKeys;
        let id: RosterId = "BSP-PS-KONI-B01".parse().expect("valid roster");
        let mut roster = Roster::genesis(&id);
        roster.set_actor([3; 16]);
        let camera_id = CameraId::from_parts(1_763_900_000_000, 5);
        let camera = crate::model::CameraForm {
            owner_name: "फग्गूराम ध्रुव".into(),
            owner_phone: "9407312468".into(),
            latitude: 22.08,
            longitude: 82.14,
            village_lgd: "430001".into(),
            coverage: "बस स्टैंड".into(),
            direction: "ne".into(),
            recording_days: "30".into(),
        }
        .validate(camera_id)
        .expect("a valid camera");
        let meta = ChangeMeta {
            badge: "CG-001".parse().expect("valid badge"),
            device: "dev-1".parse().expect("valid device"),
            device_clock_ms: 1_763_900_000_000,
        };
        roster
            .add_camera(&camera, &meta, &TestKeys::sealing(&camera_id))
            .expect("registered");
        (roster, camera_id)
    }

    #[test]
    fn a_camera_owner_opens_with_the_cameras_key_only_and_reads_sealed_without_it() {
        use crate::model::sealed::{EntryKey, NoKeys, TestKeys};
        let (mut roster, camera_id) = camera_roster();
        let entry = EntryId::Camera(camera_id);
        let saved = roster.save();
        for needle in ["फग्गूराम", "9407312468"] {
            assert!(
                !saved
                    .windows(needle.len())
                    .any(|window| window == needle.as_bytes()),
                "{needle} in the document"
            );
        }
        let open = roster
            .camera(&camera_id, &TestKeys)
            .expect("reads")
            .expect("present");
        assert_eq!(
            open.owner.as_ref().map(|owner| owner.phone.as_str()),
            Some("+919407312468")
        );
        let sealed = roster
            .camera(&camera_id, &NoKeys)
            .expect("a missing key is not an error")
            .expect("present");
        assert!(sealed.sealed && sealed.owner.is_none());
        assert_eq!(
            (sealed.latitude, sealed.coverage.as_str()),
            (22.08, "बस स्टैंड")
        );

        assert!(roster.holds_personal(&entry));
        assert!(roster.opens_with(&entry, &TestKeys::key_of(&entry)));
        assert!(!roster.opens_with(&entry, &EntryKey::from_bytes([1; 32])));
        // The volunteer of the same ULID does not exist, so no key opens it.
        let namesake = EntryId::Volunteer(VolunteerId::from_bytes(camera_id.to_bytes()));
        assert!(!roster.opens_with(&namesake, &TestKeys::key_of(&entry)));
        assert_eq!(roster.personal_entries(), vec![entry]);

        // A wrong key is tampering, not sealing: the entry is malformed, never shown wrong.
        let wrong: BTreeMap<EntryId, EntryKey> =
            BTreeMap::from([(entry, EntryKey::from_bytes([1; 32]))]);
        assert!(roster.camera(&camera_id, &wrong).is_err());
    }

    #[test]
    fn a_removed_camera_keeps_its_place_and_loses_its_owner() {
        use crate::model::sealed::TestKeys;
        let (mut roster, camera_id) = camera_roster();
        let entry = EntryId::Camera(camera_id);
        let registered = roster
            .camera(&camera_id, &TestKeys)
            .expect("reads")
            .expect("present");
        assert_eq!(
            registered.direction,
            Some(crate::model::Direction::NorthEast)
        );
        assert_eq!(registered.recording_days, Some(30));
        let meta = ChangeMeta {
            badge: "CG-002".parse().expect("valid badge"),
            device: "dev-2".parse().expect("valid device"),
            device_clock_ms: 1_763_900_100_000,
        };
        let change = roster
            .remove_camera(&camera_id, crate::model::CameraRemoval::OwnerAsked, &meta)
            .expect("removed");
        let message = inspect_change(&change.bytes)
            .expect("inspects")
            .message
            .expect("a Mitan change");
        assert_eq!(message.action, Action::RemoveCamera);
        assert_eq!(
            message.entry.as_deref(),
            Some(camera_id.to_string().as_str())
        );
        // Even the key no longer opens anything: the owner's fields are gone from the entry.
        let removed = roster
            .camera(&camera_id, &TestKeys)
            .expect("reads")
            .expect("still listed");
        assert_eq!(removed.owner, None);
        assert!(!removed.sealed);
        assert_eq!(
            removed.removed,
            Some(crate::model::Removed {
                reason: crate::model::CameraRemoval::OwnerAsked,
                at_ms: 1_763_900_100_000,
            })
        );
        assert_eq!(
            (removed.latitude, removed.direction),
            (22.08, registered.direction)
        );
        assert!(!roster.holds_personal(&entry));
        // The first reason stands.
        assert!(
            roster
                .remove_camera(&camera_id, crate::model::CameraRemoval::Dismantled, &meta)
                .is_err()
        );
        assert!(
            roster
                .remove_camera(
                    &CameraId::from_parts(1, 1),
                    crate::model::CameraRemoval::Dismantled,
                    &meta
                )
                .is_err()
        );
    }

    #[test]
    fn a_camera_written_with_its_owner_in_plain_text_reads_as_malformed() {
        let (mut roster, camera_id) = camera_roster();
        let cameras = roster.container(CAMERAS).expect("cameras map");
        let legacy = CameraId::from_parts(1_763_900_000_001, 6);
        let entry = roster
            .doc
            .put_object(&cameras, legacy.to_string(), ObjType::Map)
            .expect("writes");
        for (key, value) in [
            ("owner_name", "Plain Owner"),
            ("owner_phone", "+919876543210"),
            ("village", "430001"),
            ("coverage", "gate"),
        ] {
            roster.doc.put(&entry, key, value).expect("writes");
        }
        roster.doc.put(&entry, "lat", 22.0).expect("writes");
        roster.doc.put(&entry, "lon", 82.0).expect("writes");
        roster.doc.commit();
        let read = roster.cameras(&crate::model::sealed::TestKeys);
        assert_eq!(read.len(), 2);
        assert!(
            read.iter()
                .any(|camera| matches!(camera, Ok(camera) if camera.id == camera_id))
        );
        assert!(read.iter().any(|camera| matches!(
            camera,
            Err(Malformed {
                field: Field::OwnerName,
                ..
            })
        )));
    }

    /// A validated demo enrolment of the Koni station's first beat, with its id, sealing and
    /// change metadata, drawn from `seed`.
    struct OneEnrolment {
        id: RosterId,
        meta: ChangeMeta,
        enrolment: Enrolment,
        volunteer: VolunteerId,
        sealing: Sealing,
    }

    fn one_enrolment(seed: u64) -> OneEnrolment {
        use crate::demo::Generator;
        use crate::model::EnrolmentRules;
        use crate::model::sealed::TestKeys;

        let id: RosterId = "BSP-PS-KONI-B01".parse().expect("valid roster");
        let meta = ChangeMeta {
            badge: "CG-042".parse().expect("valid badge"),
            device: "dev-test".parse().expect("valid device"),
            device_clock_ms: 1_764_000_000_000,
        };
        let mut generator = Generator::new(seed);
        let form = generator.enrolment_form("BSP-PS-KONI", id.as_str(), "430001");
        let enrolment = form
            .validate(&EnrolmentRules::standard(2026))
            .expect("demo forms are valid");
        let volunteer = VolunteerId::from_parts(1_764_000_000_000, generator.next_u128());
        let sealing = TestKeys::sealing(&EntryId::Volunteer(volunteer));
        OneEnrolment {
            id,
            meta,
            enrolment,
            volunteer,
            sealing,
        }
    }

    #[test]
    fn an_edit_that_changes_nothing_records_an_empty_change_instead_of_panicking() {
        use crate::model::VolunteerEdit;

        let OneEnrolment {
            id,
            meta,
            enrolment,
            volunteer,
            sealing,
        } = one_enrolment(3);
        let mut roster = Roster::genesis(&id);
        roster.set_actor([7; 16]);
        roster
            .enrol(volunteer, &enrolment, &meta, &sealing)
            .expect("enrolled");
        let same_age = VolunteerEdit {
            age_years: Some(30),
            ..VolunteerEdit::default()
        }
        .validate()
        .expect("a valid edit");
        let first = roster
            .edit(&volunteer, &same_age, &meta, Some(&sealing))
            .expect("the first edit");
        let again = roster
            .edit(&volunteer, &same_age, &meta, Some(&sealing))
            .expect("the same edit again changes nothing, and says so without panicking");
        assert_ne!(first.hash, again.hash, "each action is a change of its own");
        assert!(roster.has_all(&[first.hash, again.hash]));
    }

    #[test]
    fn fields_sealed_together_read_as_fields_an_edit_wins_and_a_withdrawal_erases_them() {
        use crate::history::{History, Shown};
        use crate::model::VolunteerEdit;
        use crate::model::sealed::{NoKeys, TestKeys};

        let OneEnrolment {
            id,
            meta,
            enrolment,
            volunteer,
            sealing,
        } = one_enrolment(11);
        let mut apart = Roster::genesis(&id);
        apart.set_actor([7; 16]);
        let mut together = Roster::genesis(&id);
        together.set_actor([7; 16]);
        together.seal_personal_together(true);
        let written_apart = apart
            .enrol(volunteer, &enrolment, &meta, &sealing)
            .expect("enrolled");
        let written_together = together
            .enrol(volunteer, &enrolment, &meta, &sealing)
            .expect("enrolled");
        assert!(
            written_together.bytes.len() + 40 < written_apart.bytes.len(),
            "{} bytes together against {} apart",
            written_together.bytes.len(),
            written_apart.bytes.len()
        );
        let read = |roster: &Roster| {
            roster
                .volunteer(&volunteer, &TestKeys)
                .expect("reads")
                .expect("present")
        };
        assert_eq!(read(&together).personal, read(&apart).personal);
        assert_eq!(read(&together).personal, Some(enrolment.personal.clone()));
        let entry = EntryId::Volunteer(volunteer);
        assert!(together.holds_personal(&entry));
        assert!(together.opens_with(&entry, &sealing.key));
        assert!(!together.opens_with(
            &entry,
            &TestKeys::sealing(&EntryId::Volunteer(VolunteerId::from_parts(1, 2))).key
        ));
        let without_key = together
            .volunteer(&volunteer, &NoKeys)
            .expect("reads")
            .expect("present");
        assert!(without_key.sealed && without_key.personal.is_none());

        // An edit seals the field it changes on its own, and that value wins.
        let edit = VolunteerEdit {
            household: Some("मकान 7".into()),
            ..VolunteerEdit::default()
        }
        .validate()
        .expect("a valid edit");
        together
            .edit(&volunteer, &edit, &meta, Some(&sealing))
            .expect("edited");
        let edited = read(&together).personal.expect("opened");
        assert_eq!(edited.household, "मकान 7");
        assert_eq!(edited.phone, enrolment.personal.phone);

        // The history shows the fields sealed together one by one.
        let history = History::of(&mut together, &TestKeys).expect("history");
        let enrolled: Vec<&str> = history.entries[1]
            .fields
            .iter()
            .filter(|field| matches!(field.shown, Shown::Opened(_)))
            .map(|field| field.field.as_str())
            .collect();
        assert!(enrolled.contains(&"phone"), "{enrolled:?}");
        assert!(enrolled.contains(&"household"), "{enrolled:?}");
        assert!(!enrolled.contains(&TOGETHER), "{enrolled:?}");

        together
            .withdraw(&volunteer, WithdrawalChannel::InPerson, &meta)
            .expect("withdrawn");
        assert!(read(&together).personal.is_none());
        assert!(!together.holds_personal(&entry));
    }

    #[test]
    fn fields_sealed_together_that_do_not_split_into_the_seven_are_malformed() {
        assert!(Personal::split_together("a\u{1f}b").is_none());
        let parts =
            Personal::split_together("\u{1f}Ram\u{1f}+919876543210\u{1f}12\u{1f}\u{1f}\u{1f}")
                .expect("seven fields");
        assert_eq!(parts.len(), 3);
        assert_eq!(parts["name_latin"], "Ram");
    }
}
