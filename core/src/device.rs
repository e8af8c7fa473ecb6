//! The device facade: what the Android app (through `mitan-ffi`) and the command-line field
//! client call. It joins the model, the store and the sync session, and it is the only place
//! that decides when something is durable enough to acknowledge.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::error::{Error, Result};
use crate::history::{History, HistoryEntry};
use crate::model::sealed::{EntryKey, NONCE_LEN, NoKeys, Sealing};
use crate::model::{
    Camera, CameraForm, CameraId, ChangeMeta, ConsentNotice, ConsentTerms, Decision,
    DistrictProgramme, EnrolmentForm, EnrolmentRules, EntryId, LgdCode, NoticeRef, Programme,
    Roster, RosterChange, RosterId, UnitCode, Village, Volunteer, VolunteerEdit, VolunteerId,
    WithdrawalChannel, inspect_change,
};
use crate::provenance::{DeviceKey, PublicKey};
use crate::store::{
    DeviceIdentity, DeviceStore, KeyChanges, QuotaProgress, StoreKey, VolunteerFilter, VolunteerRow,
};
use crate::sync::{
    ClientSession, Incoming, Limits, OLDEST_PROTOCOL, RosterState, erased_camera_key, erased_key,
};

mod recovery;
mod transport;

pub use recovery::Replacement;

pub use transport::{
    ACTOR_REUSED, MALFORMED_BODY, Transport, TransportError, UNSUPPORTED_PROTOCOL,
};

/// Compaction folds a roster's log into a snapshot once it holds this many changes: enough to
/// keep enrolment writes small, few enough that opening a roster stays fast.
pub const COMPACT_AFTER_CHANGES: u64 = 512;

/// The device clock and fresh randomness for one action. The facade takes them as arguments
/// so that tests and replays are deterministic. (Keys and nonces, which must never repeat
/// whatever the caller passes, come from the operating system instead.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Moment {
    /// The device clock, milliseconds since the Unix epoch.
    pub now_ms: i64,
    /// Random bits for new ids.
    pub random: u128,
}

/// Something worth a second look that does not stop an enrolment: it goes to the review
/// queue, and the app may show it to the constable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Another volunteer on this device has the same phone number.
    SamePhoneAs(VolunteerId),
    /// Another active volunteer of the beat lives in the same household (Bilaspur's rule of
    /// one volunteer per household): a warning for the constable, not a refusal.
    SameHouseholdAs(VolunteerId),
}

/// An accepted enrolment: the new id, durably stored, and any problems found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrolOutcome {
    /// The new volunteer's id.
    pub id: VolunteerId,
    /// Likely duplicates and similar findings.
    pub problems: Vec<Problem>,
}

/// One of this phone's changes the server refused, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedChange {
    /// The roster (beat) it was offered in.
    pub roster: RosterId,
    /// The change's hash.
    pub change: [u8; 32],
    /// The server's stable reason (`beat_mismatch`, `forged_actor`, …; `docs/errors.md`).
    pub reason: String,
    /// What the change did and to whom, read from its own message, when Mitan wrote it.
    pub action: Option<crate::model::Action>,
    /// The volunteer or camera it wrote, by id.
    pub entry: Option<String>,
}

/// How far a running sync has come, told after each round trip is stored: the phone shows it
/// while a long sync (the first at a station after days offline) is under way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncProgress {
    /// Round trips finished and stored so far.
    pub round: u32,
    /// Own changes still waiting for the server's acknowledgement.
    pub pending: u64,
    /// Own changes the server acknowledged so far.
    pub acknowledged: u64,
    /// Changes (or snapshots) received and stored so far.
    pub received: u64,
    /// Request bytes sent so far.
    pub bytes_up: u64,
    /// Reply bytes received so far.
    pub bytes_down: u64,
}

/// What a finished sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Round trips taken.
    pub round_trips: u32,
    /// Own changes the server acknowledged.
    pub acknowledged: u64,
    /// Changes (or snapshots) received and stored.
    pub received: u64,
    /// Own changes the server refused.
    pub refused: u64,
    /// Request bytes sent.
    pub bytes_up: u64,
    /// Reply bytes received.
    pub bytes_down: u64,
    /// Changes of this phone's old actor written again under its new one, after a recovery.
    pub reissued: u64,
    /// Each refused change, with the server's reason.
    pub refusals: Vec<RefusedChange>,
}

/// A phone's Mitan: its identity, its store, and its rosters in memory.
#[derive(Debug)]
pub struct Device {
    identity: DeviceIdentity,
    store: DeviceStore,
    rosters: BTreeMap<RosterId, Roster>,
    /// Every entry key (volunteers' and cameras') this device holds, loaded at open: a phone
    /// holds at most a few thousand, 32 bytes each.
    keys: BTreeMap<EntryId, EntryKey>,
    /// The rules the app opened the device with; the district's terms held in the store are
    /// added to them at each enrolment (see [`Device::rules`]).
    rules: EnrolmentRules,
    /// Every notice the store holds, kept in memory because each enrolment checks against it.
    held_notices: Vec<NoticeRef>,
    /// The district's policy on under-18s, once received.
    district_adults_only: Option<bool>,
    /// The villages of each of this phone's beats, once received: each enrolment, edit and
    /// camera is checked against them.
    held_villages: BTreeMap<UnitCode, BTreeSet<LgdCode>>,
    /// The district's programmes, once received: each enrolment and edit is checked against
    /// them.
    held_programmes: BTreeSet<Programme>,
    limits: Limits,
    /// The key every change this device sends is signed with (`provenance`).
    signing_key: DeviceKey,
}

/// The public half of the signing key of the store at `path`, drawing and storing the key if
/// the store has none yet. A phone calls this before registering, since the registration
/// carries the public key; [`Device::open`] later finds the same key in the store.
pub fn signing_public_key(path: &Path, key: &StoreKey) -> Result<PublicKey> {
    let mut store = DeviceStore::open(path, key)?;
    Ok(store.load_or_create_signing_key()?.public())
}

/// Keeps `credential`, issued for `device`, inside the encrypted store at `path` (created if
/// absent): the bearer credential the server answered a registration with, kept beside the
/// signing key rather than in the app's plain files. The app calls it as soon as the answer arrives, before it
/// keeps anything else of the registration.
pub fn save_credential(
    path: &Path,
    key: &StoreKey,
    device: &crate::model::DeviceId,
    credential: &str,
) -> Result<()> {
    DeviceStore::open(path, key)?.save_credential(device, credential)
}

/// Fresh random bytes from the operating system.
fn os_random<const N: usize>() -> Result<[u8; N]> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|error| Error::Randomness(error.to_string()))?;
    Ok(bytes)
}

fn sealing_with(key: EntryKey) -> Result<Sealing> {
    Ok(Sealing {
        key,
        nonce_seed: os_random::<NONCE_LEN>()?,
    })
}

impl Device {
    /// Opens the store at `path`, encrypted with `key`. The first open of a new file records
    /// `identity`; later opens read the stored identity, and refuse one that names a
    /// different device.
    pub fn open(
        path: &Path,
        key: &StoreKey,
        identity: &DeviceIdentity,
        rules: EnrolmentRules,
    ) -> Result<Self> {
        let mut store = DeviceStore::open(path, key)?;
        // An identity for the replacement drawn in this store is one the app kept from the
        // server's answer before the phone could adopt it: adoption finishes below.
        let mut adopting = None;
        match store.load_identity()? {
            Some(stored)
                if stored.device_id != identity.device_id || stored.actor != identity.actor =>
            {
                let drawn = store.load_replacement()?.map(|(actor, _)| actor);
                if drawn != Some(identity.actor) {
                    return Err(Error::AlreadyExists {
                        what: "device store for another device",
                        id: stored.device_id.to_string(),
                    });
                }
                adopting = Some(stored);
            }
            Some(stored) if stored == *identity => {}
            _ => store.save_identity(identity)?,
        }
        let keys = store.load_keys()?;
        // A store opened before its owner registered a key (one of a build older than
        // protocol 4) gets one now; its public half must then reach the server before the
        // device's changes are accepted.
        let signing_key = store.load_or_create_signing_key()?;
        let held_notices = store
            .load_notices()?
            .iter()
            .map(ConsentNotice::reference)
            .collect();
        let district_adults_only = store.load_adults_only()?;
        let mut held_villages = BTreeMap::new();
        for beat in &identity.beats {
            let listed: BTreeSet<LgdCode> = store
                .load_villages(beat)?
                .into_iter()
                .map(|village| village.lgd_code)
                .collect();
            if !listed.is_empty() {
                held_villages.insert(beat.clone(), listed);
            }
        }
        let held_programmes = store
            .load_programmes()?
            .into_iter()
            .map(|programme| programme.code)
            .collect();
        let mut device = Device {
            identity: adopting.clone().unwrap_or_else(|| identity.clone()),
            store,
            rosters: BTreeMap::new(),
            keys,
            rules,
            held_notices,
            district_adults_only,
            held_villages,
            held_programmes,
            limits: Limits::default(),
            signing_key,
        };
        if adopting.is_some() {
            device.adopt_replacement(identity)?;
        }
        Ok(device)
    }

    /// The bearer credential kept in the store for this device's identity, if any.
    pub fn credential(&self) -> Result<Option<String>> {
        self.store.load_credential(&self.identity.device_id)
    }

    /// Keeps the bearer credential issued for `device`: this device's, or the new
    /// registration of a recovery, kept before the phone switches to it.
    pub fn save_credential(
        &mut self,
        device: &crate::model::DeviceId,
        credential: &str,
    ) -> Result<()> {
        self.store.save_credential(device, credential)
    }

    /// The public key this device signs its changes with, as registered with the server.
    pub fn public_key(&self) -> PublicKey {
        self.signing_key.public()
    }

    /// The rules an enrolment is checked against now: those the device was opened with, plus
    /// every notice received from the district, and adults only if either says so. Terms
    /// received only ever add notices, and the district's policy can only tighten what the app
    /// asks for, so a stale app setting never lets a minor in against the district's choice.
    pub fn rules(&self) -> EnrolmentRules {
        let mut rules = self.rules.clone();
        rules.adults_only |= self.district_adults_only.unwrap_or(false);
        for (beat, villages) in &self.held_villages {
            rules.villages.insert(beat.clone(), villages.clone());
        }
        rules
            .programmes
            .extend(self.held_programmes.iter().cloned());
        for notice in &self.held_notices {
            if !rules.notices.contains(notice) {
                rules.notices.push(notice.clone());
            }
        }
        rules
    }

    /// Holds `villages` as the villages of `beat`, one of this phone's beats, replacing the
    /// ones held: the directory fetched at the station.
    pub fn save_villages(&mut self, beat: &UnitCode, villages: &[Village]) -> Result<()> {
        self.roster_of_beat(beat)?;
        self.store.save_villages(beat, villages)?;
        let listed: BTreeSet<LgdCode> = villages.iter().map(|village| village.lgd_code).collect();
        if listed.is_empty() {
            self.held_villages.remove(beat);
        } else {
            self.held_villages.insert(beat.clone(), listed);
        }
        Ok(())
    }

    /// Records whether the server lets this phone seal a new entry's personal fields together
    /// (ADR 0011), as its registration answer says; every sync reply says so again per beat.
    pub fn allow_sealing_together(&mut self, allowed: bool) -> Result<()> {
        let rosters: Vec<RosterId> = self.identity.beats.iter().map(RosterId::for_beat).collect();
        self.store.set_seal_together(&rosters, allowed)?;
        for roster in self.rosters.values_mut() {
            roster.seal_personal_together(allowed);
        }
        Ok(())
    }

    /// Holds `programmes` as the district's list, replacing the one held: fetched with the
    /// notices at the station.
    pub fn save_programmes(&mut self, programmes: &[DistrictProgramme]) -> Result<()> {
        self.store.save_programmes(programmes)?;
        self.held_programmes = programmes
            .iter()
            .map(|programme| programme.code.clone())
            .collect();
        Ok(())
    }

    /// The district's programmes held, by code: what the enrolment form offers.
    pub fn programmes(&self) -> Result<Vec<DistrictProgramme>> {
        self.store.load_programmes()
    }

    /// Refuses `village` in the roster `roster_id` when the phone holds that beat's villages
    /// and the village is not one of them.
    fn check_village(&self, roster_id: &RosterId, village: LgdCode) -> Result<()> {
        let listed = roster_id
            .as_str()
            .parse::<UnitCode>()
            .ok()
            .and_then(|beat| self.held_villages.get(&beat));
        match listed {
            Some(listed) if !listed.contains(&village) => Err(crate::model::Invalid::new(
                crate::model::Field::Village,
                crate::model::InvalidCode::NotInBeat,
            )
            .into()),
            _ => Ok(()),
        }
    }

    /// The villages held for `beat`, by English name: what the enrolment form offers.
    pub fn villages(&self, beat: &UnitCode) -> Result<Vec<Village>> {
        self.store.load_villages(beat)
    }

    /// Stores the district's current notices and policy, as fetched from the server, durably
    /// and in one transaction. Each notice is checked as the server checked it when published;
    /// a malformed one refuses the whole delivery and changes nothing.
    pub fn save_consent_terms(&mut self, terms: &ConsentTerms, now_ms: i64) -> Result<()> {
        let notices = terms
            .notices
            .iter()
            .map(|notice| {
                ConsentNotice::checked(
                    &notice.language,
                    notice.version,
                    &notice.text,
                    notice.published_at_ms,
                )
            })
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let checked = ConsentTerms {
            adults_only: terms.adults_only,
            notices,
        };
        self.store.save_consent_terms(&checked, now_ms)?;
        for notice in &checked.notices {
            let reference = notice.reference();
            if !self.held_notices.contains(&reference) {
                self.held_notices.push(reference);
            }
        }
        self.district_adults_only = Some(checked.adults_only);
        Ok(())
    }

    /// The newest notice held in `language`, for the app to show before a person consents;
    /// `None` if the district's notice in that language has not reached this device.
    pub fn notice(&self, language: &str) -> Result<Option<ConsentNotice>> {
        let Ok(language) = crate::model::parse_notice_language(language) else {
            return Ok(None);
        };
        self.store.load_notice(&language, None)
    }

    /// The notice of `language` at `version`, as a consent record names it.
    pub fn notice_version(&self, language: &str, version: u32) -> Result<Option<ConsentNotice>> {
        let Ok(language) = crate::model::parse_notice_language(language) else {
            return Ok(None);
        };
        self.store.load_notice(&language, Some(version))
    }

    /// Every notice held, by language then version.
    pub fn notices(&self) -> Result<Vec<ConsentNotice>> {
        self.store.load_notices()
    }

    /// The identity this device writes with.
    pub fn identity(&self) -> &DeviceIdentity {
        &self.identity
    }

    /// Loads every roster this device holds into memory now, rather than on first use; this
    /// is "opening the working set".
    pub fn open_working_set(&mut self) -> Result<usize> {
        for id in self.store.roster_ids()? {
            self.roster(&id)?;
        }
        Ok(self.rosters.len())
    }

    fn roster(&mut self, id: &RosterId) -> Result<&mut Roster> {
        self.load_roster(id)?;
        Ok(self
            .rosters
            .get_mut(id)
            .expect("load_roster leaves the roster in memory"))
    }

    fn load_roster(&mut self, id: &RosterId) -> Result<()> {
        if !self.rosters.contains_key(id) {
            let parts = self.store.load_roster(id)?;
            let mut roster = Roster::load(id, parts.snapshot.as_deref(), &parts.changes)?;
            roster.set_actor(self.identity.actor);
            roster.seal_personal_together(self.store.seals_together(id)?);
            self.rosters.insert(id.clone(), roster);
        }
        Ok(())
    }

    fn meta(&self, moment: Moment) -> ChangeMeta {
        ChangeMeta {
            badge: self.identity.badge.clone(),
            device: self.identity.device_id.clone(),
            device_clock_ms: moment.now_ms,
        }
    }

    fn roster_of_beat(&self, beat: &UnitCode) -> Result<RosterId> {
        if self.identity.beats.contains(beat) {
            Ok(RosterId::for_beat(beat))
        } else {
            Err(crate::model::Invalid::new(
                crate::model::Field::Beat,
                crate::model::InvalidCode::Unknown,
            )
            .into())
        }
    }

    /// Writes a change made by `make` durably, with the index rows of the entries it touches
    /// and the keys it mints (`keys.added`, whose origin is this change) or destroys. If
    /// anything fails the in-memory roster is dropped and reloaded from the store on next
    /// use, and minted keys are forgotten, so memory never holds what the file does not.
    fn commit_local(
        &mut self,
        roster_id: &RosterId,
        volunteers: &[VolunteerId],
        cameras: &[CameraId],
        mut keys: KeyChanges,
        make: impl FnOnce(&mut Roster) -> Result<RosterChange>,
    ) -> Result<()> {
        let roster = self.roster(roster_id)?;
        let change = make(roster)?;
        for (entry, key, origin) in &mut keys.added {
            *origin = Some(change.hash);
            self.keys.insert(*entry, key.clone());
        }
        let result = (|| {
            let roster = self.rosters.get(roster_id).expect("loaded above");
            let volunteer_rows = volunteers
                .iter()
                .filter_map(|id| roster.volunteer(id, &self.keys).transpose())
                .collect::<Result<Vec<Volunteer>>>()?;
            let camera_rows: Vec<Camera> = roster
                .cameras(&self.keys)
                .into_iter()
                .flatten()
                .filter(|camera| cameras.contains(&camera.id))
                .collect();
            self.store
                .save_local_change(roster_id, &change, &volunteer_rows, &camera_rows, &keys)
        })();
        match result {
            Ok(()) => {
                for entry in &keys.erased {
                    self.keys.remove(entry);
                }
            }
            Err(_) => {
                self.rosters.remove(roster_id);
                for (entry, _, _) in &keys.added {
                    self.keys.remove(entry);
                }
            }
        }
        result
    }

    /// Enrols a volunteer. Returns only once the enrolment is durable on this phone. A refused
    /// form changes nothing and lists every refused field.
    pub fn enrol(&mut self, form: &EnrolmentForm, moment: Moment) -> Result<EnrolOutcome> {
        let enrolment = form.validate(&self.rules())?;
        let roster_id = self.roster_of_beat(&enrolment.beat)?;
        let id = VolunteerId::from_parts(u64::try_from(moment.now_ms).unwrap_or(0), moment.random);
        let mut problems: Vec<Problem> = self
            .store
            .volunteers_with_phone(enrolment.personal.phone.as_str())?
            .into_iter()
            .map(Problem::SamePhoneAs)
            .collect();
        if let Some(key) = crate::model::household_key(&enrolment.personal.household) {
            problems.extend(
                self.store
                    .volunteers_in_household(
                        enrolment.beat.as_str(),
                        &enrolment.village.to_string(),
                        &key,
                    )?
                    .into_iter()
                    .map(Problem::SameHouseholdAs),
            );
        }
        let meta = self.meta(moment);
        // Each volunteer gets a key of their own, drawn here and never written into the
        // roster: destroying it later erases them from every copy of the history.
        let sealing = sealing_with(EntryKey::from_bytes(os_random::<32>()?))?;
        let keys = KeyChanges {
            added: vec![(EntryId::Volunteer(id), sealing.key.clone(), None)],
            erased: Vec::new(),
        };
        self.commit_local(&roster_id, &[id], &[], keys, |roster| {
            roster.enrol(id, &enrolment, &meta, &sealing)
        })?;
        Ok(EnrolOutcome { id, problems })
    }

    /// The roster holding entry `entry`, a volunteer or a camera.
    fn roster_holding(&mut self, entry: EntryId) -> Result<RosterId> {
        for roster_id in self.store.roster_ids()? {
            let roster = self.roster(&roster_id)?;
            let held = match &entry {
                EntryId::Volunteer(id) => roster.volunteer(id, &NoKeys)?.is_some(),
                EntryId::Camera(id) => roster.camera(id, &NoKeys)?.is_some(),
            };
            if held {
                return Ok(roster_id);
            }
        }
        Err(Error::NotFound {
            what: entry.kind(),
            id: match entry {
                EntryId::Volunteer(id) => id.to_string(),
                EntryId::Camera(id) => id.to_string(),
            },
        })
    }

    /// Edits a volunteer's fields; durable on return.
    pub fn edit(&mut self, id: &VolunteerId, edit: &VolunteerEdit, moment: Moment) -> Result<()> {
        let updates = edit.validate()?;
        let roster_id = self.roster_holding(EntryId::Volunteer(*id))?;
        for update in &updates {
            match update {
                crate::model::FieldUpdate::Village(village) => {
                    self.check_village(&roster_id, *village)?;
                }
                crate::model::FieldUpdate::AddProgramme(programme) => {
                    crate::model::known_programmes(
                        BTreeSet::from([programme.clone()]),
                        &self.held_programmes,
                    )?;
                }
                _ => {}
            }
        }
        let meta = self.meta(moment);
        let sealing = self
            .keys
            .get(&EntryId::Volunteer(*id))
            .cloned()
            .map(sealing_with)
            .transpose()?;
        self.commit_local(&roster_id, &[*id], &[], KeyChanges::default(), |roster| {
            roster.edit(id, &updates, &meta, sealing.as_ref())
        })
    }

    /// Records a supervisor's decision; durable on return.
    pub fn review(&mut self, id: &VolunteerId, decision: Decision, moment: Moment) -> Result<()> {
        let roster_id = self.roster_holding(EntryId::Volunteer(*id))?;
        let meta = self.meta(moment);
        self.commit_local(&roster_id, &[*id], &[], KeyChanges::default(), |roster| {
            roster.review(id, decision, &meta)
        })
    }

    /// Records a withdrawal of consent and destroys this device's copy of the volunteer's
    /// key in the same transaction; durable on return. A key never sent (enrolled and
    /// withdrawn between two syncs) never leaves the phone.
    pub fn withdraw(
        &mut self,
        id: &VolunteerId,
        via: WithdrawalChannel,
        moment: Moment,
    ) -> Result<()> {
        let roster_id = self.roster_holding(EntryId::Volunteer(*id))?;
        let meta = self.meta(moment);
        let keys = KeyChanges {
            added: Vec::new(),
            erased: vec![EntryId::Volunteer(*id)],
        };
        self.commit_local(&roster_id, &[*id], &[], keys, |roster| {
            roster.withdraw(id, via, &meta)
        })
    }

    /// Registers a private CCTV camera in a beat's roster; durable on return. The owner's
    /// name and phone are sealed under a key drawn here for this camera alone, which goes to
    /// the server with the registration, as a volunteer's does with their enrolment.
    pub fn add_camera(
        &mut self,
        beat: &UnitCode,
        form: &CameraForm,
        moment: Moment,
    ) -> Result<CameraId> {
        let id = CameraId::from_parts(u64::try_from(moment.now_ms).unwrap_or(0), moment.random);
        let camera = form.validate(id)?;
        let roster_id = self.roster_of_beat(beat)?;
        self.check_village(&roster_id, camera.village)?;
        let meta = self.meta(moment);
        let sealing = sealing_with(EntryKey::from_bytes(os_random::<32>()?))?;
        let keys = KeyChanges {
            added: vec![(EntryId::Camera(id), sealing.key.clone(), None)],
            erased: Vec::new(),
        };
        self.commit_local(&roster_id, &[], &[id], keys, |roster| {
            roster.add_camera(&camera, &meta, &sealing)
        })?;
        Ok(id)
    }

    /// Takes a camera off the register and destroys this phone's copy of its key in the
    /// same transaction, so the owner's name and phone are erased from every copy of the
    /// history once the server destroys its copy too; durable on return.
    pub fn remove_camera(
        &mut self,
        id: &CameraId,
        reason: crate::model::CameraRemoval,
        moment: Moment,
    ) -> Result<()> {
        let roster_id = self.roster_holding(EntryId::Camera(*id))?;
        let meta = self.meta(moment);
        let keys = KeyChanges {
            added: Vec::new(),
            erased: vec![EntryId::Camera(*id)],
        };
        self.commit_local(&roster_id, &[], &[*id], keys, |roster| {
            roster.remove_camera(id, reason, &meta)
        })
    }

    /// Every camera of a beat's roster, in id order, removed ones included (they say so);
    /// owners are shown where this phone holds the camera's key.
    pub fn cameras(&mut self, beat: &UnitCode) -> Result<Vec<Camera>> {
        let roster_id = self.roster_of_beat(beat)?;
        self.load_roster(&roster_id)?;
        Ok(self.rosters[&roster_id]
            .cameras(&self.keys)
            .into_iter()
            .flatten()
            .collect())
    }

    /// One camera as its roster shows it now: with its owner when this phone holds the
    /// camera's key, otherwise with the owner sealed.
    pub fn camera(&mut self, id: &CameraId) -> Result<Camera> {
        for roster_id in self.store.roster_ids()? {
            self.load_roster(&roster_id)?;
            if let Some(camera) = self.rosters[&roster_id].camera(id, &self.keys)? {
                return Ok(camera);
            }
        }
        Err(Error::NotFound {
            what: "camera",
            id: id.to_string(),
        })
    }

    /// One volunteer as the roster shows them now.
    pub fn volunteer(&mut self, id: &VolunteerId) -> Result<Volunteer> {
        let roster_id = self.roster_holding(EntryId::Volunteer(*id))?;
        self.load_roster(&roster_id)?;
        self.rosters[&roster_id]
            .volunteer(id, &self.keys)?
            .ok_or_else(|| Error::NotFound {
                what: "volunteer",
                id: id.to_string(),
            })
    }

    /// Every change of the roster that touched volunteer `id` (enrolment, edits, reviews,
    /// withdrawal), in causal order: who, on which device, by the device's clock, and what
    /// it wrote to this volunteer field by field (a change that also wrote another entry
    /// keeps only this one's fields), personal fields opened with this phone's keys. Read by
    /// the same [`History`] the auditors' server uses, so the phone and the audit never tell
    /// two stories. A volunteer moved between beats shows the changes of the roster holding
    /// them now.
    pub fn volunteer_history(&mut self, id: &VolunteerId) -> Result<Vec<HistoryEntry>> {
        let roster_id = self.roster_holding(EntryId::Volunteer(*id))?;
        self.load_roster(&roster_id)?;
        let roster = self
            .rosters
            .get_mut(&roster_id)
            .expect("load_roster leaves the roster in memory");
        let entry = id.to_string();
        Ok(History::of(roster, &self.keys)?
            .entries
            .into_iter()
            .filter(|change| change.touches(&entry))
            .map(|mut change| {
                change
                    .fields
                    .retain(|field| field.volunteer.as_deref() == Some(entry.as_str()));
                change
            })
            .collect())
    }

    /// Lists volunteers from the index.
    pub fn list(&self, filter: &VolunteerFilter) -> Result<Vec<VolunteerRow>> {
        self.store.list_volunteers(filter)
    }

    /// Searches volunteers by name (either script) or phone.
    pub fn search(&self, query: &str, limit: u32) -> Result<Vec<VolunteerRow>> {
        self.store.search_volunteers(query, limit)
    }

    /// This constable's enrolments against their quota.
    pub fn my_quota(&self) -> Result<QuotaProgress> {
        self.store
            .quota_progress(self.identity.badge.as_str(), self.identity.quota)
    }

    /// How many changes wait to be synced.
    pub fn pending_sync_count(&self) -> Result<u64> {
        self.store.pending_sync_count()
    }

    /// When the last sync finished, by the device clock.
    pub fn last_sync_ms(&self) -> Result<Option<i64>> {
        self.store.last_sync_ms()
    }

    /// The volunteers of every roster on this device that share a phone number.
    pub fn duplicate_phones(&mut self) -> Result<Vec<Vec<VolunteerId>>> {
        self.open_working_set()?;
        Ok(self
            .rosters
            .values()
            .flat_map(|roster| roster.duplicate_phones(&self.keys))
            .collect())
    }

    /// Syncs every roster with the server through `transport`. Each reply is stored durably
    /// before the next request; a transport failure leaves everything stored so far in place,
    /// and the next sync resends only what the server never acknowledged.
    ///
    /// After a recovery, the changes set aside are settled once the server's state has
    /// arrived (written again under the new actor unless the server had them), and sent in a
    /// second pass of the same sync.
    pub fn sync(&mut self, transport: &mut dyn Transport, now_ms: i64) -> Result<SyncReport> {
        self.sync_observed(transport, now_ms, &mut |_| {})
    }

    /// [`Device::sync`], telling `observer` after each round trip whose reply is stored.
    pub fn sync_observed(
        &mut self,
        transport: &mut dyn Transport,
        now_ms: i64,
        observer: &mut dyn FnMut(SyncProgress),
    ) -> Result<SyncReport> {
        let mut report = SyncReport::default();
        self.sync_until_settled(transport, now_ms, &mut report, observer)?;
        if self.store.set_aside_count()? > 0 {
            report.reissued = self.reissue_set_aside()?;
            self.sync_until_settled(transport, now_ms, &mut report, observer)?;
        }
        self.compact_if_large()?;
        Ok(report)
    }

    /// Rounds until the server has nothing more to say, adding each to `report`.
    fn sync_until_settled(
        &mut self,
        transport: &mut dyn Transport,
        now_ms: i64,
        report: &mut SyncReport,
        observer: &mut dyn FnMut(SyncProgress),
    ) -> Result<()> {
        let session_of = |device: &Device| {
            ClientSession::new(device.limits).signing_as(
                device.identity.device_id.clone(),
                device.signing_key.clone(),
            )
        };
        let mut session = session_of(self);
        let mut fell_back = false;
        loop {
            let states = self.sync_states()?;
            let Some(request) = session.next_request(&states)? else {
                break;
            };
            report.bytes_up += request.len() as u64;
            let reply = match transport.exchange(request) {
                // A server of the previous release, not yet upgraded while phones are: it
                // refuses the version, or cannot even decompress a frame made with protocol 5's
                // dictionary. The sync starts again in the protocol it speaks; nothing was
                // stored by it.
                Err(error) if !fell_back && error.is_unreadable_by_server() => {
                    fell_back = true;
                    report.round_trips += 1;
                    session = session_of(self).speaking(OLDEST_PROTOCOL);
                    continue;
                }
                other => other?,
            };
            report.bytes_down += reply.len() as u64;
            report.round_trips += 1;
            let update = session.receive(&reply)?;
            for roster_update in update.rosters {
                if roster_update.refused.is_some() {
                    continue;
                }
                report.acknowledged += roster_update.acked.len() as u64;
                report.refused += roster_update.rejected.len() as u64;
                let unacked = self.store.unacked_changes(&roster_update.roster)?;
                for (hash, reason) in &roster_update.rejected {
                    let message = unacked
                        .iter()
                        .find(|change| change.hash == *hash)
                        .and_then(|change| inspect_change(&change.bytes).ok())
                        .and_then(|info| info.message);
                    report.refusals.push(RefusedChange {
                        roster: roster_update.roster.clone(),
                        change: *hash,
                        reason: reason.clone(),
                        action: message.as_ref().map(|message| message.action),
                        entry: message.and_then(|message| message.entry),
                    });
                }
                self.store_roster_update(roster_update, now_ms, report)?;
            }
            observer(SyncProgress {
                round: report.round_trips,
                pending: self.store.pending_sync_count()?,
                acknowledged: report.acknowledged,
                received: report.received,
                bytes_up: report.bytes_up,
                bytes_down: report.bytes_down,
            });
        }
        Ok(())
    }

    fn sync_states(&mut self) -> Result<Vec<RosterState>> {
        let mut states = Vec::new();
        for roster_id in self.store.roster_ids()? {
            let unacked = self.store.unacked_changes(&roster_id)?;
            let roster = self.roster(&roster_id)?;
            // A roster holding only its genesis offers no heads, so the server answers with a
            // compact snapshot instead of every change one by one.
            let heads = if roster.change_count() <= 1 {
                Vec::new()
            } else {
                roster.heads()
            };
            states.push(RosterState {
                keys: self.store.keys_to_offer(&roster_id)?,
                want_keys: self.store.sealed_entries(&roster_id)?,
                roster: roster_id,
                heads,
                unacked,
            });
        }
        Ok(states)
    }

    fn store_roster_update(
        &mut self,
        update: crate::sync::RosterUpdate,
        now_ms: i64,
        report: &mut SyncReport,
    ) -> Result<()> {
        let roster_id = update.roster.clone();
        self.load_roster(&roster_id)?;
        let mut keys = KeyChanges::default();
        let result = (|| {
            let roster = self.rosters.get_mut(&roster_id).expect("loaded just above");
            let (received, snapshot, applied) = match &update.incoming {
                Incoming::Nothing => (Vec::new(), None, Default::default()),
                Incoming::Changes(changes) => {
                    let received = changes
                        .iter()
                        .map(|bytes| {
                            inspect_change(bytes).map(|info| RosterChange {
                                hash: info.hash,
                                bytes: bytes.clone(),
                            })
                        })
                        .collect::<Result<Vec<_>>>()?;
                    let applied = roster.apply_changes(changes)?;
                    (received, None, applied)
                }
                Incoming::Snapshot(saved) => {
                    let applied = roster.merge_saved(saved)?;
                    (Vec::new(), Some(roster.save()), applied)
                }
            };
            report.received += received.len() as u64 + u64::from(snapshot.is_some());
            // Keys are kept only when they open the entry they name, as on the server.
            for grant in &update.keys {
                let entry = EntryId::from(grant.entry);
                let key = EntryKey::from_bytes(grant.key);
                if !self.keys.contains_key(&entry) && roster.opens_with(&entry, &key) {
                    keys.added.push((entry, key, None));
                }
            }
            for (entry, key, _) in &keys.added {
                self.keys.insert(*entry, key.clone());
            }
            let mut volunteers = Vec::with_capacity(applied.volunteers.len());
            let mut touched = applied.volunteers.clone();
            touched.extend(
                keys.added
                    .iter()
                    .filter_map(|(entry, _, _)| entry.volunteer()),
            );
            for id in &touched {
                let Some(volunteer) = roster.volunteer(id, &self.keys)? else {
                    continue;
                };
                // A withdrawal written elsewhere reaches this phone: its copy of the key goes.
                if let Some(entry) =
                    erased_key(&volunteer).filter(|entry| self.keys.contains_key(entry))
                {
                    keys.erased.push(entry);
                }
                volunteers.push(volunteer);
            }
            // A camera's row changes when its entry does, and when its key arrives: the row
            // then stops asking for the key.
            let mut touched_cameras = applied.cameras.clone();
            touched_cameras.extend(keys.added.iter().filter_map(|(entry, _, _)| entry.camera()));
            let cameras: Vec<Camera> = roster
                .cameras(&self.keys)
                .into_iter()
                .flatten()
                .filter(|camera| touched_cameras.contains(&camera.id))
                .collect();
            // A removal written elsewhere reaches this phone: its copy of the owner's key goes.
            keys.erased.extend(
                cameras
                    .iter()
                    .filter_map(erased_camera_key)
                    .filter(|entry| self.keys.contains_key(entry)),
            );
            self.store.save_sync_result(
                &roster_id,
                &received,
                snapshot.as_deref(),
                &update.acked,
                update.resend_all,
                &update.server_heads,
                update.seal_together,
                &volunteers,
                &cameras,
                &keys,
                now_ms,
            )
        })();
        match result {
            Ok(()) => {
                for entry in &keys.erased {
                    self.keys.remove(entry);
                }
                if let Some(roster) = self.rosters.get_mut(&roster_id) {
                    roster.seal_personal_together(update.seal_together);
                }
            }
            Err(_) => {
                self.rosters.remove(&roster_id);
                for (entry, _, _) in &keys.added {
                    self.keys.remove(entry);
                }
            }
        }
        result
    }

    /// Folds the log of every roster with more than [`COMPACT_AFTER_CHANGES`] changes into a
    /// snapshot.
    fn compact_if_large(&mut self) -> Result<()> {
        for roster_id in self.store.roster_ids()? {
            if self.store.logged_change_count(&roster_id)? > COMPACT_AFTER_CHANGES {
                self.compact_roster(&roster_id)?;
            }
        }
        Ok(())
    }

    fn compact_roster(&mut self, roster_id: &RosterId) -> Result<()> {
        let snapshot = self.roster(roster_id)?.save();
        self.store.compact(roster_id, &snapshot)
    }

    /// Compacts every roster now.
    pub fn compact(&mut self) -> Result<()> {
        for roster_id in self.store.roster_ids()? {
            self.compact_roster(&roster_id)?;
        }
        Ok(())
    }

    /// The store, for diagnostics and tests.
    pub fn store(&self) -> &DeviceStore {
        &self.store
    }
}
