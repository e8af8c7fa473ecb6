//! What one roster knows about a volunteer's other entries, and the writes that keep one live
//! entry per person when they moved between beats (the cross-roster rules are in
//! [`crate::model::lineage`]).
//!
//! A change made on an entry the person has left (a withdrawal or an edit on a phone that had
//! not seen the move, or edits on the losing copy of two concurrent moves) is read back from
//! its own operations and written again into the live entry as a **carried** change: the same
//! values, the original author and device in its message, and the original change's hash
//! (`ChangeMessage::carried_from`). The live entry records each original it absorbed under a
//! key `carried:<hash>`, so no replica carries one change twice.
//!
//! A carried change depends only on the change that created the live entry and on earlier
//! carried changes, never on what the live entry's own phones wrote since the move: the
//! original author had not seen those either. Automerge then merges the two as the concurrent
//! edits they were, with the field-by-field rules of ARCHITECTURE.md (a field both changed is
//! listed for review, the more cautious review wins, a withdrawal wins).

use std::collections::{BTreeSet, HashSet};

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ChangeHash, ObjId, ReadDoc, ScalarValue, Value};

use super::replay::{ChangeReader, Target, Written};
use super::transfer::Transfer;
use super::{MOVED, MOVED_FROM, PROGRAMMES, REVIEW, Reader, Roster, RosterChange, WITHDRAWN};
use crate::error::Result;
use crate::model::change_meta::{Action, ChangeMessage, ChangeMeta};
use crate::model::enrolment::refused_personal_value;
use crate::model::id::{EntryId, RosterId, VolunteerId};
use crate::model::invalid::Field;
use crate::model::programme::Programme;
use crate::model::review::{Review, Withdrawal};
use crate::model::sealed::{EntryKey, open};
use crate::model::validate::LgdCode;
use crate::model::volunteer::{Gender, Trainer};

/// The key prefix under which a live entry records an original change it absorbed.
const CARRIED_PREFIX: &str = "carried:";

/// Where a volunteer's entry in one roster points.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntryLinks {
    /// The beats the person was moved to from this entry: the winning move first, then any
    /// made concurrently with it. Empty while the entry is live.
    pub moved_to: Vec<RosterId>,
    /// The beat this entry was copied from, when it arrived by a move.
    pub moved_from: Option<RosterId>,
    /// Who made the move that created this entry, when it arrived by one.
    pub moved_in_by: Option<String>,
    /// Every beat a move from this entry named, in any of its copies: two moves into one beat
    /// made concurrently leave two entry objects under one id, of which readers see one.
    pub known_moves: Vec<RosterId>,
    /// Every beat any copy here was moved from.
    pub known_sources: Vec<RosterId>,
    /// Whether such a hidden copy exists here.
    pub hidden_copies: bool,
}

/// Which changes to an entry its live entry has already taken (see
/// [`Roster::pending_carries`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reflected {
    /// The person moved on from here by this change; its copy took everything before it.
    UpTo([u8; 32]),
    /// Nothing: a copy that lost to a concurrent move passed nothing on.
    Nothing,
    /// This is the live entry, created by this change: what it was built on and what was
    /// written to it since are its own; only what was written to a hidden copy is not.
    LiveSince([u8; 32]),
}

/// One field a carried change writes into the live entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CarryWrite {
    /// A personal field, as the ciphertext stored: sealed under the person's own key with
    /// their id and the field's name, so it opens in any roster.
    Personal {
        /// The field's key (`phone`, `name_deva`, …).
        field: String,
        /// The sealed bytes.
        sealed: Vec<u8>,
    },
    /// A plain field of the entry: gender, age, village or trained-by, as stored.
    Plain {
        /// The field's key.
        field: String,
        /// The stored text.
        value: String,
    },
    /// A programme joined (`true`) or left.
    Programme {
        /// The programme's code.
        code: String,
        /// Joined or left.
        joined: bool,
    },
    /// A review decision, as stored.
    Review(String),
    /// A withdrawal of consent, as stored; the personal fields go with it.
    Withdrawal(String),
}

/// A change made on an entry the person has left, to be written into their live entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Carry {
    /// The volunteer.
    pub volunteer: VolunteerId,
    /// The roster holding the change carried.
    pub source: RosterId,
    /// The change first made by a person: a carried change carried again names it too.
    pub original: [u8; 32],
    /// What the original did.
    pub action: Action,
    /// The original author's badge, as their change recorded it.
    pub badge: String,
    /// The original author's device.
    pub device: String,
    /// The original author's device clock.
    pub device_clock_ms: i64,
    /// What it wrote to the volunteer, in order.
    pub writes: Vec<CarryWrite>,
}

impl Carry {
    /// The first field of this carry that no Mitan build writes: a personal field that does
    /// not open under the person's key (`None` when the key is gone, and with it the fields),
    /// or opens to a value a phone's validation refuses; a plain field, review or withdrawal
    /// that does not read back. The change it repeats was accepted into an entry nobody reads
    /// any more; carried, it would make the live entry unreadable on every phone.
    pub fn refused_field(&self, key: Option<&EntryKey>) -> Option<Field> {
        let entry = EntryId::Volunteer(self.volunteer);
        self.writes.iter().find_map(|write| match write {
            CarryWrite::Personal { field, sealed } => {
                let key = key?;
                match open(key, entry, field, sealed) {
                    Some(plain) => refused_personal_value(field, &plain),
                    None => Some(super::personal_field(field)),
                }
            }
            CarryWrite::Plain { field, value } => {
                let readable = match field.as_str() {
                    "gender" => value.parse::<Gender>().is_ok(),
                    "age" => super::decode_age(value).is_some(),
                    "village" => value.parse::<LgdCode>().is_ok(),
                    "trained_by" => Trainer::decode(value).is_ok(),
                    _ => false,
                };
                (!readable).then_some(match field.as_str() {
                    "gender" => Field::Gender,
                    "age" => Field::Age,
                    "village" => Field::Village,
                    _ => Field::TrainedBy,
                })
            }
            CarryWrite::Programme { code, .. } => code
                .parse::<Programme>()
                .is_err()
                .then_some(Field::Programmes),
            CarryWrite::Review(text) => Review::decode(text).is_none().then_some(Field::Reason),
            CarryWrite::Withdrawal(text) => serde_json::from_str::<Withdrawal>(text)
                .is_err()
                .then_some(Field::Consent),
        })
    }

    /// Whether this carry records a withdrawal.
    pub fn withdraws(&self) -> bool {
        self.writes
            .iter()
            .any(|write| matches!(write, CarryWrite::Withdrawal(_)))
    }
}

fn transfers(doc: &AutoCommit, entry: &ObjId, key: &str) -> Vec<Transfer> {
    // The winning value first: it decides where the chain of moves goes.
    let winner = match doc.get(entry, key) {
        Ok(Some((Value::Scalar(value), _))) => value.as_str().map(str::to_owned),
        _ => None,
    };
    let mut all: Vec<String> = doc
        .get_all(entry, key)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(value, _)| match value {
            Value::Scalar(scalar) => scalar.as_str().map(str::to_owned),
            Value::Object(_) => None,
        })
        .collect();
    if let Some(winner) = &winner {
        all.retain(|text| text != winner);
        all.insert(0, winner.clone());
    }
    all.iter()
        .filter_map(|text| serde_json::from_str(text).ok())
        .collect()
}

fn parse_hash(text: &str) -> Option<[u8; 32]> {
    let bytes = hex::decode(text).ok()?;
    bytes.try_into().ok()
}

impl Roster {
    /// Whether entry `id` of this roster took part in a move, either way: two lookups, for
    /// the server, which asks it of every volunteer a sync touched; [`Roster::links`] says
    /// where the move went.
    pub fn in_a_move(&self, id: &VolunteerId) -> bool {
        let Ok(Some(entry)) = self.entry(super::VOLUNTEERS, &id.to_string()) else {
            return false;
        };
        [MOVED, MOVED_FROM]
            .iter()
            .any(|key| matches!(self.doc.get(&entry, *key), Ok(Some(_))))
    }

    /// Where entry `id` of this roster points, or `None` if the roster holds no such entry.
    pub fn links(&self, id: &VolunteerId) -> Option<EntryLinks> {
        let entry = self.entry(super::VOLUNTEERS, &id.to_string()).ok()??;
        let moved_to = transfers(&self.doc, &entry, MOVED)
            .into_iter()
            .filter_map(|transfer| transfer.beat.parse().ok())
            .collect();
        let came = transfers(&self.doc, &entry, MOVED_FROM).into_iter().next();
        let copies: Vec<ObjId> = self
            .container(super::VOLUNTEERS)
            .map(|volunteers| {
                self.doc
                    .get_all(&volunteers, id.to_string())
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|(value, _)| matches!(value, Value::Object(_)))
                    .map(|(_, copy)| copy)
                    .collect()
            })
            .unwrap_or_default();
        let mut known_moves: Vec<RosterId> = Vec::new();
        let mut known_sources: Vec<RosterId> = Vec::new();
        for copy in &copies {
            for (key, known) in [(MOVED, &mut known_moves), (MOVED_FROM, &mut known_sources)] {
                for transfer in transfers(&self.doc, copy, key) {
                    if let Ok(beat) = transfer.beat.parse()
                        && !known.contains(&beat)
                    {
                        known.push(beat);
                    }
                }
            }
        }
        Some(EntryLinks {
            moved_to,
            moved_from: came.as_ref().and_then(|came| came.beat.parse().ok()),
            moved_in_by: came.map(|came| came.by),
            known_moves,
            known_sources,
            hidden_copies: copies.len() > 1,
        })
    }

    /// The hash of the change that created entry `id` as readers see it.
    pub fn creation_hash(&self, id: &VolunteerId) -> Option<[u8; 32]> {
        let entry = self.entry(super::VOLUNTEERS, &id.to_string()).ok()??;
        self.doc.hash_for_opid(&entry).map(|hash| hash.0)
    }

    /// The hash of the change that wrote the winning `moved` marker of entry `id`.
    pub fn move_hash(&self, id: &VolunteerId) -> Option<[u8; 32]> {
        let entry = self.entry(super::VOLUNTEERS, &id.to_string()).ok()??;
        let (_, op) = self.doc.get(&entry, MOVED).ok()??;
        self.doc.hash_for_opid(&op).map(|hash| hash.0)
    }

    /// The original changes the live entry `id` has absorbed, by hash.
    pub fn carried_originals(&self, id: &VolunteerId) -> BTreeSet<[u8; 32]> {
        let Ok(Some(entry)) = self.entry(super::VOLUNTEERS, &id.to_string()) else {
            return BTreeSet::new();
        };
        self.doc
            .keys(&entry)
            .filter_map(|key| key.strip_prefix(CARRIED_PREFIX).and_then(parse_hash))
            .collect()
    }

    /// The changes to entry `id` that its live entry has not taken (see [`Reflected`]):
    /// every edit, review or withdrawal written here, in causal order, whose original is not
    /// in `absorbed`.
    pub fn pending_carries(
        &mut self,
        id: &VolunteerId,
        reflected: Reflected,
        absorbed: &BTreeSet<[u8; 32]>,
    ) -> Result<Vec<Carry>> {
        let all = self.changes();
        let mut taken: HashSet<[u8; 32]> = match reflected {
            Reflected::UpTo(hash) | Reflected::LiveSince(hash) => {
                let after: HashSet<[u8; 32]> = self
                    .changes_since(&[hash])
                    .iter()
                    .map(|change| change.hash)
                    .collect();
                all.iter()
                    .map(|change| change.hash)
                    .filter(|hash| !after.contains(hash))
                    .collect()
            }
            Reflected::Nothing => HashSet::new(),
        };
        // The live entry's own descendants: every change whose history holds its creation.
        let mut descendants: HashSet<[u8; 32]> = HashSet::new();
        let since = match reflected {
            Reflected::LiveSince(hash) => Some(hash),
            _ => None,
        };
        let wanted = id.to_string();
        let mut reader = ChangeReader::new();
        let mut carries = Vec::new();
        for change in &all {
            // Every change goes through the reader, so it knows which object is whose.
            let effect = reader.read(&change.bytes)?;
            if let Some(created) = since
                && (change.hash == created
                    || effect.info.deps.iter().any(|dep| descendants.contains(dep)))
            {
                descendants.insert(change.hash);
                taken.insert(change.hash);
            }
            let Some(message) = &effect.info.message else {
                continue;
            };
            if message.entry.as_deref() != Some(wanted.as_str())
                || !matches!(
                    message.action,
                    Action::Edit | Action::Review | Action::Withdraw
                )
                || taken.contains(&change.hash)
            {
                continue;
            }
            let original = message
                .carried_from
                .as_deref()
                .and_then(parse_hash)
                .unwrap_or(change.hash);
            if absorbed.contains(&original) {
                continue;
            }
            let writes: Vec<CarryWrite> = effect
                .writes
                .iter()
                .filter(|write| write.target == Target::Volunteer(*id))
                .filter_map(|write| carry_write(&write.field, &write.value))
                .collect();
            if writes.is_empty() {
                continue;
            }
            carries.push(Carry {
                volunteer: *id,
                source: self.id.clone(),
                original,
                action: message.action,
                badge: message.badge.clone(),
                device: message.device.clone(),
                device_clock_ms: effect.info.device_clock_ms,
                writes,
            });
        }
        Ok(carries)
    }

    /// Writes `carry` into live entry `id` of this roster as a change of its own, made by
    /// `actor` on the original author's behalf (see the module's notes on what it depends on).
    pub fn carry_in(
        &mut self,
        id: &VolunteerId,
        carry: &Carry,
        actor: [u8; 16],
    ) -> Result<RosterChange> {
        let entry = self.require_volunteer(id)?;
        let mut heads: Vec<ChangeHash> = Vec::new();
        if let Some(created) = self.doc.hash_for_opid(&entry) {
            heads.push(created);
        }
        let carried_keys: Vec<String> = self
            .doc
            .keys(&entry)
            .filter(|key| key.starts_with(CARRIED_PREFIX))
            .collect();
        for key in &carried_keys {
            for (_, op) in self.doc.get_all(&entry, key.as_str()).unwrap_or_default() {
                if let Some(hash) = self.doc.hash_for_opid(&op) {
                    heads.push(hash);
                }
            }
        }
        heads.sort();
        heads.dedup();
        // A person who has withdrawn here keeps no personal field, even one carried in.
        let withdrawn_here = Reader::new(&self.doc, &entry).scalar(WITHDRAWN).is_some();
        let message = ChangeMessage {
            action: carry.action,
            badge: carry.badge.clone(),
            device: carry.device.clone(),
            entry: Some(id.to_string()),
            carried_from: Some(hex::encode(carry.original)),
        };
        self.doc.set_actor(automerge::ActorId::from(actor));
        self.doc.isolate(&heads);
        let written = self.write_carry(&entry, carry, withdrawn_here);
        let result = match written {
            Ok(()) => Ok(self.commit_message(&message, carry.device_clock_ms)),
            Err(error) => {
                self.doc.rollback();
                Err(error)
            }
        };
        self.doc.integrate();
        result
    }

    fn write_carry(&mut self, entry: &ObjId, carry: &Carry, withdrawn_here: bool) -> Result<()> {
        let personal = self.personal_map(entry)?;
        let programmes = self.programmes_map(entry)?;
        let doc = &mut self.doc;
        for write in &carry.writes {
            match write {
                CarryWrite::Personal { field, sealed } if !withdrawn_here => {
                    doc.put(
                        &personal,
                        field.as_str(),
                        ScalarValue::Bytes(sealed.clone()),
                    )?;
                }
                CarryWrite::Personal { .. } => {}
                CarryWrite::Plain { field, value } => doc.put(entry, field.as_str(), value)?,
                CarryWrite::Programme { code, joined: true } => {
                    doc.put(&programmes, code.as_str(), true)?;
                }
                CarryWrite::Programme {
                    code,
                    joined: false,
                } => {
                    if doc.get(&programmes, code.as_str())?.is_some() {
                        doc.delete(&programmes, code.as_str())?;
                    }
                }
                CarryWrite::Review(text) => doc.put(entry, REVIEW, text.as_str())?,
                CarryWrite::Withdrawal(text) => {
                    doc.put(entry, WITHDRAWN, text.as_str())?;
                    let present: Vec<String> = doc.keys(&personal).collect();
                    for key in present {
                        doc.delete(&personal, key.as_str())?;
                    }
                }
            }
        }
        doc.put(
            entry,
            format!("{CARRIED_PREFIX}{}", hex::encode(carry.original)),
            carry.source.as_str(),
        )?;
        Ok(())
    }

    /// Marks entry `id` as moved to `to` and deletes its personal fields: the source side of
    /// a move ([`Roster::move_out`] checks it may move first), or the losing copy of two
    /// concurrent moves, pointed at the live entry.
    pub fn mark_moved(
        &mut self,
        id: &VolunteerId,
        to: &RosterId,
        meta: &ChangeMeta,
    ) -> Result<RosterChange> {
        let entry = self.require_volunteer(id)?;
        let personal = self.personal_map(&entry)?;
        let transfer = Transfer {
            beat: to.to_string(),
            by: meta.badge.to_string(),
            at: meta.device_clock_ms,
        };
        self.write(Action::Move, id.to_string(), meta, |doc| {
            super::transfer::mark_moved(doc, &entry, &personal, &transfer)
        })
    }
}

/// What a write read back from a change means for the live entry; `None` for the fields a
/// carry never repeats (the entry's creation, its place, its consent, its links).
fn carry_write(field: &str, value: &Written) -> Option<CarryWrite> {
    if let Some(code) = field
        .strip_prefix(PROGRAMMES)
        .and_then(|rest| rest.strip_prefix('.'))
    {
        return match value {
            Written::Bool(true) => Some(CarryWrite::Programme {
                code: code.to_owned(),
                joined: true,
            }),
            Written::Removed => Some(CarryWrite::Programme {
                code: code.to_owned(),
                joined: false,
            }),
            _ => None,
        };
    }
    match (field, value) {
        (field, Written::Sealed(sealed))
            if crate::model::volunteer::PERSONAL_FIELD_NAMES.contains(&field) =>
        {
            Some(CarryWrite::Personal {
                field: field.to_owned(),
                sealed: sealed.clone(),
            })
        }
        ("gender" | "age" | "village" | "trained_by", Written::Text(text)) => {
            Some(CarryWrite::Plain {
                field: field.to_owned(),
                value: text.clone(),
            })
        }
        (REVIEW, Written::Text(text)) => Some(CarryWrite::Review(text.clone())),
        (WITHDRAWN, Written::Text(text)) => Some(CarryWrite::Withdrawal(text.clone())),
        _ => None,
    }
}
