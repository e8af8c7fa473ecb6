//! What a roster may hold, beyond what [`apply_offer`] checks of each change on its own: only
//! its own beat's volunteers, and only entries that read back as an honest phone writes them.
//! The server and the reference hub both apply offers through [`apply_ruled`], so a core test
//! syncing with `MemoryHub` meets the refusals a phone meets at the district server, and the
//! rule of which keys a merge destroys ([`erased_key`]) is the phone's and the server's alike.

use std::collections::{BTreeMap, BTreeSet};

use super::refusal::Refusal;
use super::serve::{OfferOutcome, accepted_grants, apply_offer};
use super::wire::{Hash, RosterOffer};
use crate::error::Result;
use crate::model::sealed::EntryKey;
use crate::model::{
    Camera, ChangeInfo, EntryId, LgdCode, Roster, Status, Trainer, Volunteer, VolunteerId,
};
use crate::provenance::Signature;

/// The keys a caller holds, by entry.
type Keys = BTreeMap<EntryId, EntryKey>;

/// An entry the roster may not hold, found once the offer was applied: every change naming it
/// is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedEntry {
    /// The entry's id, as changes name it in their message.
    pub entry: String,
    /// Why.
    pub refusal: Refusal,
    /// What was found, for a log line. It names fields and beats, never a personal value.
    pub detail: String,
}

/// What the caller knows of the district beyond the roster, that the roster's entries are
/// checked against. The default knows nothing and checks nothing of it.
#[derive(Default)]
pub struct DistrictFacts<'a> {
    /// The beat's villages as the district's directory lists them; `None` when the caller
    /// knows no list for the beat.
    pub villages: Option<&'a BTreeSet<LgdCode>>,
    /// Who trained a volunteer of another roster, by id, as far as the caller knows: to find
    /// a loop of trainers that runs through other beats.
    pub trainer_of: Option<&'a TrainerLookup<'a>>,
}

/// Who trained a volunteer, by id, as far as the caller knows.
pub type TrainerLookup<'a> = dyn Fn(&VolunteerId) -> Option<Trainer> + 'a;

/// The longest chain of trainers followed when looking for a loop: a cascade of volunteers
/// training volunteers is a few levels deep, so a longer chain is cut rather than followed.
const MAX_CASCADE_DEPTH: usize = 64;

/// An offer applied under the rules of what a roster may hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuledOffer {
    /// What applying it did; every refused change is in `outcome.rejected`.
    pub outcome: OfferOutcome,
    /// The offer's keys that open the entries they name ([`accepted_grants`]): to keep.
    pub keys: Vec<(EntryId, EntryKey)>,
    /// Every volunteer entry the offer wrote, as it now reads with the keys at hand. An entry
    /// a person left after a move (`moved_to` set) is here too, though no row follows it.
    pub volunteers: Vec<Volunteer>,
    /// Every camera entry the offer wrote, as it now reads with the keys at hand.
    pub cameras: Vec<Camera>,
    /// The entries whose key the merge destroys ([`erased_key`]).
    pub erased: Vec<EntryId>,
    /// Entries the roster may not hold, whose changes were refused.
    pub refused: Vec<RefusedEntry>,
}

/// What [`apply_ruled`] made of an offer.
#[derive(Debug, Clone, PartialEq)]
pub enum Ruling {
    /// Applied, with what the roster may not hold refused change by change.
    Applied(RuledOffer),
    /// Changes that do not name the entry they write put entries there that the roster may
    /// not hold, so they cannot be told apart from the honest changes: nothing of the offer
    /// was applied, and the roster is as it was. The server refuses the whole request.
    Refused {
        /// The refusal of the first entry, by id: the request's error code.
        refusal: Refusal,
        /// Every entry that could not be kept, by id.
        entries: Vec<RefusedEntry>,
    },
}

/// Applies `offer` to `roster`, refusing, change by change, what a roster may not hold:
///
/// - whatever `check` refuses: the checks only the caller can make, on who sent the change
///   and with which key (authorization, actor, signature);
/// - a volunteer of another beat than the roster's ([`Refusal::BeatMismatch`]): a roster is
///   one beat's, and such an entry would be counted, exported and reviewed in the wrong place;
/// - a volunteer or camera that does not read back, or whose personal fields a phone's
///   validation would refuse ([`Refusal::InvalidEntry`]): kept, it would hand every phone of
///   the beat what a tampered phone wrote;
/// - a volunteer or camera in a village outside `facts.villages`, the beat's villages as the
///   district's directory lists them ([`Refusal::VillageOutsideBeat`]); `None` when the
///   caller knows no list for the beat, which then checks nothing;
/// - a volunteer trained by themselves, or by a trainer whose own chain of trainers leads
///   back to them, through this roster and `facts.trainer_of` ([`Refusal::InvalidEntry`]): no
///   phone writes one (a trainer is picked among volunteers already enrolled), and a loop
///   would put people at the top of their own cascade.
///
/// `load_keys` answers the keys the caller holds of the volunteers the offer wrote, so their
/// personal fields are opened and checked; the keys the offer brings are added to them.
/// The phone's facade never writes what is refused here, so only a broken or hostile client
/// meets these refusals, and the rest of its offer still lands.
///
/// Which change wrote a wrong entry shows only once it is applied, so a first pass finds the
/// entries, and a second pass over the roster as it was refuses the changes naming them
/// (and, through their dependencies, the changes built on them).
pub fn apply_ruled<E: From<crate::Error>>(
    roster: &mut Roster,
    offer: &RosterOffer,
    facts: &DistrictFacts<'_>,
    check: impl Fn(&ChangeInfo, Option<&Signature>) -> std::result::Result<(), Refusal>,
    mut load_keys: impl FnMut(&BTreeSet<EntryId>) -> std::result::Result<Keys, E>,
) -> std::result::Result<Ruling, E> {
    let before = roster.heads();
    let (first, wrong) = apply_pass(roster, offer, facts, &check, &mut load_keys, &[])?;
    if wrong.is_empty() {
        return Ok(Ruling::Applied(first));
    }
    *roster = rebuilt_at(roster, &before)?;
    let (mut second, still_wrong) =
        apply_pass(roster, offer, facts, &check, &mut load_keys, &wrong)?;
    if still_wrong.is_empty() {
        second.refused = wrong;
        return Ok(Ruling::Applied(second));
    }
    *roster = rebuilt_at(roster, &before)?;
    Ok(Ruling::Refused {
        refusal: still_wrong[0].refusal,
        entries: still_wrong,
    })
}

/// One pass of [`apply_ruled`]: applies the offer, refusing changes that name an entry of
/// `refused`, and returns what it did with the entries it finds the roster may not hold.
fn apply_pass<E: From<crate::Error>>(
    roster: &mut Roster,
    offer: &RosterOffer,
    facts: &DistrictFacts<'_>,
    check: &impl Fn(&ChangeInfo, Option<&Signature>) -> std::result::Result<(), Refusal>,
    load_keys: &mut impl FnMut(&BTreeSet<EntryId>) -> std::result::Result<Keys, E>,
    refused: &[RefusedEntry],
) -> std::result::Result<(RuledOffer, Vec<RefusedEntry>), E> {
    let outcome = apply_offer(roster, offer, |info, signature| {
        check(info, signature)?;
        let named = info
            .message
            .as_ref()
            .and_then(|message| message.entry.as_deref());
        match refused
            .iter()
            .find(|entry| Some(entry.entry.as_str()) == named)
        {
            Some(entry) => Err(entry.refusal),
            None => Ok(()),
        }
    })?;
    let keys = accepted_grants(roster, offer);
    let written: BTreeSet<EntryId> = outcome
        .applied
        .volunteers
        .iter()
        .map(|volunteer| EntryId::Volunteer(*volunteer))
        .chain(
            outcome
                .applied
                .cameras
                .iter()
                .map(|camera| EntryId::Camera(*camera)),
        )
        .collect();
    let mut known = load_keys(&written)?;
    for (entry, key) in &keys {
        known.entry(*entry).or_insert_with(|| key.clone());
    }
    let mut ruled = RuledOffer {
        keys,
        ..RuledOffer::default()
    };
    let mut wrong = Vec::new();
    for volunteer_id in &outcome.applied.volunteers {
        match roster.volunteer(volunteer_id, &known) {
            Ok(Some(volunteer)) => match entry_refusal(&volunteer, roster, facts) {
                Some((refusal, detail)) => wrong.push(RefusedEntry {
                    entry: volunteer_id.to_string(),
                    refusal,
                    detail,
                }),
                None => {
                    ruled.erased.extend(erased_key(&volunteer));
                    ruled.volunteers.push(volunteer);
                }
            },
            Ok(None) => {}
            // No Mitan build writes an entry that does not read back (a name in plain text
            // where ciphertext belongs, a field of the wrong type).
            Err(error) => wrong.push(RefusedEntry {
                entry: volunteer_id.to_string(),
                refusal: Refusal::InvalidEntry,
                detail: error.to_string(),
            }),
        }
    }
    for camera_id in &outcome.applied.cameras {
        match roster.camera(camera_id, &known) {
            Err(error) => wrong.push(RefusedEntry {
                entry: camera_id.to_string(),
                refusal: Refusal::InvalidEntry,
                detail: error.to_string(),
            }),
            Ok(Some(camera)) => match outside(camera.village, facts.villages) {
                Some(detail) => wrong.push(RefusedEntry {
                    entry: camera_id.to_string(),
                    refusal: Refusal::VillageOutsideBeat,
                    detail,
                }),
                None => {
                    ruled.erased.extend(erased_camera_key(&camera));
                    ruled.cameras.push(camera);
                }
            },
            Ok(None) => {}
        }
    }
    // By id, so the refusal that names a request refused whole does not depend on whether a
    // volunteer or a camera was read first.
    wrong.sort_by(|left, right| left.entry.cmp(&right.entry));
    ruled.outcome = outcome;
    Ok((ruled, wrong))
}

/// Why a volunteer entry, as it reads after the merge, may not stay in `roster`, if it may
/// not, with what was found.
fn entry_refusal(
    volunteer: &Volunteer,
    roster: &Roster,
    facts: &DistrictFacts<'_>,
) -> Option<(Refusal, String)> {
    let roster_id = roster.id();
    if volunteer.beat.as_str() != roster_id.as_str() {
        return Some((
            Refusal::BeatMismatch,
            format!("volunteer of beat {} in roster {roster_id}", volunteer.beat),
        ));
    }
    if let Some(detail) = outside(volunteer.village, facts.villages) {
        return Some((Refusal::VillageOutsideBeat, detail));
    }
    if let Some(detail) = trainer_loop(volunteer, roster, facts) {
        return Some((Refusal::InvalidEntry, detail));
    }
    let field = volunteer.personal.as_ref()?.refused_field()?;
    Some((Refusal::InvalidEntry, format!("refused field {field}")))
}

/// The loop of trainers `volunteer` closes, if their chain of trainers leads back to them:
/// each trainer is looked up in this roster first, then through `facts.trainer_of`.
fn trainer_loop(
    volunteer: &Volunteer,
    roster: &Roster,
    facts: &DistrictFacts<'_>,
) -> Option<String> {
    let mut chain: Vec<VolunteerId> = Vec::new();
    let mut trainer = volunteer.trained_by.clone();
    while let Some(Trainer::Volunteer(id)) = trainer {
        if id == volunteer.id {
            return Some(if chain.is_empty() {
                "trained by themselves".to_owned()
            } else {
                format!("in a loop of {} trainers", chain.len() + 1)
            });
        }
        if chain.contains(&id) || chain.len() >= MAX_CASCADE_DEPTH {
            // A loop above this volunteer is not theirs to answer for.
            return None;
        }
        chain.push(id);
        trainer = match roster.volunteer(&id, &crate::model::sealed::NoKeys) {
            Ok(Some(found)) => found.trained_by,
            _ => facts.trainer_of.and_then(|lookup| lookup(&id)),
        };
    }
    None
}

/// What is wrong with `village` when the beat's list is known and does not hold it.
fn outside(village: LgdCode, villages: Option<&BTreeSet<LgdCode>>) -> Option<String> {
    let listed = villages?;
    (!listed.contains(&village)).then(|| format!("village {village} is not listed under the beat"))
}

/// The roster as it was at `heads`, rebuilt from its own changes. Automerge cannot take a
/// change back out of a document, and the hub has no store to reload from; a rebuild costs a
/// replay of the roster's history, paid only when a hostile offer is refused.
fn rebuilt_at(roster: &mut Roster, heads: &[Hash]) -> Result<Roster> {
    let since: BTreeSet<Hash> = roster
        .changes_since(heads)
        .into_iter()
        .map(|change| change.hash)
        .collect();
    let kept: Vec<Vec<u8>> = roster
        .changes_since(&[])
        .into_iter()
        .filter(|change| !since.contains(&change.hash))
        .map(|change| change.bytes)
        .collect();
    Roster::load(roster.id(), None, &kept)
}

/// The entry whose key is destroyed once a merge leaves `volunteer` reading as it does: a
/// withdrawn volunteer's, on a phone and on the server alike (each destroys only a key it
/// holds). This holds on an entry the person left after a move (`moved_to` set) too: the
/// withdrawal written there is theirs, and is carried to the live entry later (docs/adr/0002),
/// but the key goes at once.
pub fn erased_key(volunteer: &Volunteer) -> Option<EntryId> {
    (volunteer.status == Status::Withdrawn).then_some(EntryId::Volunteer(volunteer.id))
}

/// The entry whose key is destroyed once a merge leaves `camera` reading as it does: a
/// removed camera's, whose owner is then erased as a withdrawn volunteer is.
pub fn erased_camera_key(camera: &Camera) -> Option<EntryId> {
    camera
        .removed
        .is_some()
        .then_some(EntryId::Camera(camera.id))
}
