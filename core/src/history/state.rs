//! A roster as it stood at one moment, flattened field by field so that two moments compare
//! with a plain diff.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Shown;
use super::hex;
use crate::model::sealed::KeyRing;
use crate::model::{AgeClaim, Roster, Status, Volunteer};

/// One volunteer at one moment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VolunteerState {
    /// The volunteer's id.
    pub id: String,
    /// Their status then: `pending`, `verified`, `rejected`, `duplicate`, `withdrawn`, `moved`.
    pub status: String,
    /// Every field then, by name; personal fields opened, sealed or erased as for the history.
    pub fields: BTreeMap<String, Shown>,
}

/// A roster at one moment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RosterState {
    /// The roster's heads at that moment.
    #[serde(with = "hex::hashes")]
    pub heads: Vec<[u8; 32]>,
    /// How many changes it held.
    pub changes: usize,
    /// Its volunteers, in id order.
    pub volunteers: Vec<VolunteerState>,
    /// How many cameras it held.
    pub cameras: usize,
    /// Entries that could not be read, by key: written by a broken or hostile peer.
    pub unreadable: Vec<String>,
}

impl RosterState {
    /// Flattens `roster` (already cut at `heads`) for auditors.
    pub fn of(roster: &Roster, heads: Vec<[u8; 32]>, changes: usize, keys: &dyn KeyRing) -> Self {
        let mut volunteers = Vec::new();
        let mut unreadable = Vec::new();
        for read in roster.volunteers(keys) {
            match read {
                Ok(volunteer) => volunteers.push(VolunteerState::of(&volunteer)),
                Err(malformed) => unreadable.push(malformed.key),
            }
        }
        RosterState {
            heads,
            changes,
            volunteers,
            cameras: roster.cameras(keys).len(),
            unreadable,
        }
    }

    /// How many volunteers this state shows with personal fields opened.
    pub fn opened(&self) -> usize {
        self.volunteers
            .iter()
            .filter(|volunteer| {
                volunteer
                    .fields
                    .values()
                    .any(|shown| matches!(shown, Shown::Opened(_)))
            })
            .count()
    }
}

impl VolunteerState {
    /// Flattens one volunteer.
    pub fn of(volunteer: &Volunteer) -> Self {
        let mut fields = BTreeMap::new();
        let mut value = |name: &str, text: String| {
            fields.insert(name.to_owned(), Shown::Value(text));
        };
        value("gender", volunteer.gender.to_string());
        value(
            "age",
            match volunteer.age {
                AgeClaim::Years(years) => format!("{years} years"),
                AgeClaim::BirthYear(year) => format!("born {year}"),
            },
        );
        value("village", volunteer.village.to_string());
        value("beat", volunteer.beat.to_string());
        value("station", volunteer.station.to_string());
        let programmes: Vec<&str> = volunteer
            .programmes
            .iter()
            .map(|programme| programme.as_str())
            .collect();
        value("programmes", programmes.join(" "));
        value("enrolled_by", volunteer.enrolled_by.to_string());
        value("enrolled_on", volunteer.enrolled_on.to_string());
        value("enrolled_at", volunteer.enrolled_at_ms.to_string());
        if let Some(trainer) = &volunteer.trained_by {
            value("trained_by", trainer.encode());
        }
        value("consent_at", volunteer.consent.given_at_ms.to_string());
        value("consent_lang", volunteer.consent.language.clone());
        value(
            "consent_notice",
            volunteer.consent.notice_version.to_string(),
        );
        value("consent_witness", volunteer.consent.witness.to_string());
        match &volunteer.status {
            Status::Rejected { reason } => value("reject_reason", reason.clone()),
            Status::DuplicateOf(kept) => value("duplicate_of", kept.to_string()),
            Status::Moved { to } => value("moved_to", to.to_string()),
            _ => {}
        }
        if let Some(by) = &volunteer.reviewed_by {
            value("reviewed_by", by.to_string());
        }
        let personal_names = ["name_deva", "name_latin", "phone", "household"];
        match &volunteer.personal {
            Some(personal) => {
                let mut opened = |name: &str, text: Option<&str>| {
                    if let Some(text) = text {
                        fields.insert(name.to_owned(), Shown::Opened(text.to_owned()));
                    }
                };
                opened("name_deva", personal.name_devanagari.as_deref());
                opened("name_latin", personal.name_latin.as_deref());
                opened("phone", Some(personal.phone.as_str()));
                opened("household", Some(&personal.household));
                if let Some(guardian) = &personal.guardian {
                    opened("guardian_name", Some(&guardian.name));
                    opened("guardian_relation", Some(&guardian.relation));
                    opened("guardian_phone", Some(guardian.phone.as_str()));
                }
            }
            None if volunteer.sealed => {
                for name in personal_names {
                    fields.insert(name.to_owned(), Shown::Sealed);
                }
            }
            None if volunteer.status == Status::Withdrawn => {
                for name in personal_names {
                    fields.insert(name.to_owned(), Shown::Erased);
                }
            }
            // Moved away: the personal fields live on in the other beat's roster.
            None => {}
        }
        VolunteerState {
            id: volunteer.id.to_string(),
            status: volunteer.status.as_str().to_owned(),
            fields,
        }
    }
}

/// One field that differs between two moments; `None` where the field was absent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldDiff {
    /// The field.
    pub field: String,
    /// Its value at the first moment.
    pub before: Option<Shown>,
    /// Its value at the second moment.
    pub after: Option<Shown>,
}

/// A volunteer who changed between two moments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VolunteerDiff {
    /// The volunteer.
    pub id: String,
    /// Status at the first moment.
    pub status_before: String,
    /// Status at the second moment.
    pub status_after: String,
    /// The fields that differ.
    pub fields: Vec<FieldDiff>,
}

/// What changed in a roster between two moments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RosterDiff {
    /// Heads at the first moment.
    #[serde(with = "hex::hashes")]
    pub from_heads: Vec<[u8; 32]>,
    /// Heads at the second moment.
    #[serde(with = "hex::hashes")]
    pub to_heads: Vec<[u8; 32]>,
    /// Volunteers present only at the second moment.
    pub added: Vec<VolunteerState>,
    /// Volunteers present only at the first moment (a history only grows, so this is empty
    /// unless the moments are given in reverse).
    pub removed: Vec<VolunteerState>,
    /// Volunteers present at both whose fields differ.
    pub changed: Vec<VolunteerDiff>,
}

/// The difference between two states of the same roster.
pub fn diff(before: &RosterState, after: &RosterState) -> RosterDiff {
    let earlier: BTreeMap<&str, &VolunteerState> = before
        .volunteers
        .iter()
        .map(|volunteer| (volunteer.id.as_str(), volunteer))
        .collect();
    let later: BTreeMap<&str, &VolunteerState> = after
        .volunteers
        .iter()
        .map(|volunteer| (volunteer.id.as_str(), volunteer))
        .collect();
    let mut result = RosterDiff {
        from_heads: before.heads.clone(),
        to_heads: after.heads.clone(),
        added: Vec::new(),
        removed: Vec::new(),
        changed: Vec::new(),
    };
    for (id, now) in &later {
        let Some(then) = earlier.get(id) else {
            result.added.push((*now).clone());
            continue;
        };
        let mut names: Vec<&String> = then.fields.keys().chain(now.fields.keys()).collect();
        names.sort();
        names.dedup();
        let fields: Vec<FieldDiff> = names
            .into_iter()
            .filter_map(|name| {
                let old = then.fields.get(name);
                let new = now.fields.get(name);
                (old != new).then(|| FieldDiff {
                    field: name.clone(),
                    before: old.cloned(),
                    after: new.cloned(),
                })
            })
            .collect();
        if !fields.is_empty() || then.status != now.status {
            result.changed.push(VolunteerDiff {
                id: (*id).to_owned(),
                status_before: then.status.clone(),
                status_after: now.status.clone(),
                fields,
            });
        }
    }
    for (id, then) in &earlier {
        if !later.contains_key(id) {
            result.removed.push((*then).clone());
        }
    }
    result
}
