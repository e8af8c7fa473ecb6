//! What a roster says about one volunteer, as the rest of Mitan reads it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use super::id::{BadgeNumber, DeviceId, UnitCode, VolunteerId};
use super::invalid::{Field, Invalid, InvalidCode};
use super::programme::Programme;
use super::validate::{LgdCode, Phone};

/// Gender as recorded at enrolment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Gender {
    /// Female.
    Female,
    /// Male.
    Male,
    /// Transgender (recognised as a third gender in Indian law).
    Transgender,
}

impl Gender {
    /// The stable identifier.
    pub fn as_str(self) -> &'static str {
        match self {
            Gender::Female => "female",
            Gender::Male => "male",
            Gender::Transgender => "transgender",
        }
    }
}

impl FromStr for Gender {
    type Err = Invalid;
    fn from_str(input: &str) -> Result<Self, Invalid> {
        match input.trim().to_ascii_lowercase().as_str() {
            "" => Err(Invalid::new(Field::Gender, InvalidCode::Required)),
            "female" | "f" | "महिला" | "स्त्री" => Ok(Gender::Female),
            "male" | "m" | "पुरुष" => Ok(Gender::Male),
            "transgender" | "t" | "other" | "ट्रांसजेंडर" | "अन्य" => {
                Ok(Gender::Transgender)
            }
            _ => Err(Invalid::new(Field::Gender, InvalidCode::Unknown)),
        }
    }
}

impl fmt::Display for Gender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How old a volunteer is: villagers often know their birth year, sometimes only their age.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AgeClaim {
    /// Age in completed years on the day of enrolment.
    Years(u8),
    /// Year of birth.
    BirthYear(u16),
}

impl AgeClaim {
    /// Whether the person may be under 18 in `current_year`. A birth year leaves a year of
    /// doubt, and the doubt goes towards asking for a guardian: someone born 2008 may still
    /// be 17 throughout 2026.
    pub fn may_be_minor(self, current_year: u16) -> bool {
        match self {
            AgeClaim::Years(years) => years < 18,
            AgeClaim::BirthYear(year) => i32::from(current_year) - i32::from(year) - 1 < 18,
        }
    }
}

/// Who trained a volunteer: the training cascade of the Bilaspur drive, where trained Mitans
/// go on to train others.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Trainer {
    /// Another volunteer.
    Volunteer(VolunteerId),
    /// A police employee, by badge number.
    Employee(BadgeNumber),
}

impl Trainer {
    /// Encodes the trainer as `v:<id>` or `e:<badge>`.
    pub fn encode(&self) -> String {
        match self {
            Trainer::Volunteer(id) => format!("v:{id}"),
            Trainer::Employee(badge) => format!("e:{badge}"),
        }
    }

    /// Reads the `v:`/`e:` form back; anything else is refused as a bad `trained_by`.
    pub fn decode(text: &str) -> Result<Self, Invalid> {
        let bad = Invalid::new(Field::TrainedBy, InvalidCode::BadFormat);
        match text.split_once(':') {
            Some(("v", id)) => id.parse().map(Trainer::Volunteer).map_err(|_| bad),
            Some(("e", badge)) => badge.parse().map(Trainer::Employee).map_err(|_| bad),
            _ => Err(bad),
        }
    }
}

/// A guardian who consents for a volunteer under 18.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guardian {
    /// The guardian's name, in any script.
    pub name: String,
    /// How the guardian is related (e.g. `mother`, `father`, `legal_guardian`).
    pub relation: String,
    /// The guardian's mobile number.
    pub phone: Phone,
}

/// The fields that identify a person. They are kept together so that a later version can
/// encrypt them under one per-person key and make them unreadable on erasure, without
/// rewriting the roster's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Personal {
    /// The name in Devanagari, if given.
    pub name_devanagari: Option<String>,
    /// The name in Latin letters, if given.
    pub name_latin: Option<String>,
    /// The volunteer's mobile number: the strongest key for duplicates.
    pub phone: Phone,
    /// The household, as the constable describes it (house number, head of household).
    pub household: String,
    /// The guardian, for a volunteer under 18.
    pub guardian: Option<Guardian>,
}

/// Every personal field by its name in a roster's personal map, in the order they are sealed
/// together as one value (`Personal::together`).
pub(crate) const PERSONAL_FIELD_NAMES: [&str; 7] = [
    "name_deva",
    "name_latin",
    "phone",
    "household",
    "guardian_name",
    "guardian_relation",
    "guardian_phone",
];

/// What separates the fields sealed together: a control character, which validation refuses
/// in every text field, so no field can hold it.
const TOGETHER_SEPARATOR: char = '\u{1f}';

impl Personal {
    /// Every field as one text, to be sealed as one value: the fields of [`PERSONAL_FIELD_NAMES`],
    /// an absent one empty, separated by a character no field may hold. One value costs one
    /// nonce and one tag, where seven sealed apart cost seven (issue 23).
    pub fn together(&self) -> String {
        let guardian = self.guardian.as_ref();
        [
            self.name_devanagari.as_deref().unwrap_or_default(),
            self.name_latin.as_deref().unwrap_or_default(),
            self.phone.as_str(),
            self.household.as_str(),
            guardian.map_or("", |guardian| guardian.name.as_str()),
            guardian.map_or("", |guardian| guardian.relation.as_str()),
            guardian.map_or("", |guardian| guardian.phone.as_str()),
        ]
        .join(&TOGETHER_SEPARATOR.to_string())
    }

    /// The fields of a text written by [`Personal::together`], each by its name, absent ones
    /// left out; `None` unless it holds exactly the fields of [`PERSONAL_FIELD_NAMES`].
    pub(crate) fn split_together(text: &str) -> Option<BTreeMap<&'static str, String>> {
        let parts: Vec<&str> = text.split(TOGETHER_SEPARATOR).collect();
        if parts.len() != PERSONAL_FIELD_NAMES.len() {
            return None;
        }
        Some(
            PERSONAL_FIELD_NAMES
                .iter()
                .zip(parts)
                .filter(|(_, part)| !part.is_empty())
                .map(|(name, part)| (*name, part.to_owned()))
                .collect(),
        )
    }

    /// Every field a roster seals, by its name in the roster's personal map, in the order
    /// `Roster::enrol` writes them: absent optional fields are left out.
    pub fn sealed_fields(&self) -> Vec<(&'static str, &str)> {
        let mut values = Vec::with_capacity(7);
        if let Some(name) = &self.name_devanagari {
            values.push(("name_deva", name.as_str()));
        }
        if let Some(name) = &self.name_latin {
            values.push(("name_latin", name.as_str()));
        }
        values.push(("phone", self.phone.as_str()));
        values.push(("household", self.household.as_str()));
        if let Some(guardian) = &self.guardian {
            values.push(("guardian_name", guardian.name.as_str()));
            values.push(("guardian_relation", guardian.relation.as_str()));
            values.push(("guardian_phone", guardian.phone.as_str()));
        }
        values
    }

    /// The name to show: Devanagari first, as the constables read it.
    pub fn display_name(&self) -> &str {
        self.name_devanagari
            .as_deref()
            .or(self.name_latin.as_deref())
            .unwrap_or_default()
    }
}

/// The consent record taken at enrolment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    /// When consent was given, by the device's clock (milliseconds since the Unix epoch).
    pub given_at_ms: i64,
    /// The language of the notice shown (`hi`, `en`, or a language a district adds).
    pub language: String,
    /// The version of the notice shown.
    pub notice_version: u32,
    /// The constable who witnessed the consent.
    pub witness: BadgeNumber,
    /// Whether a guardian consented (required under 18).
    pub guardian_consented: bool,
}

/// Where a volunteer stands in review. Withdrawal overrides everything: see
/// [`crate::model::Roster`] for the merge rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Enrolled, not yet reviewed by a supervisor.
    Pending,
    /// Verified by a supervisor.
    Verified,
    /// Rejected by a supervisor, with the reason given.
    Rejected {
        /// Why the supervisor rejected the entry.
        reason: String,
    },
    /// Marked by a supervisor as a duplicate of another volunteer.
    DuplicateOf(VolunteerId),
    /// The volunteer withdrew consent; their personal fields are no longer shown.
    Withdrawn,
    /// A supervisor moved the volunteer to another beat, whose roster now holds them under
    /// the same id; this roster keeps the entry without personal fields (see
    /// `roster/transfer.rs`).
    Moved {
        /// The beat they moved to.
        to: UnitCode,
    },
}

impl Status {
    /// The stable identifier, used in the store and in filters.
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Verified => "verified",
            Status::Rejected { .. } => "rejected",
            Status::DuplicateOf(_) => "duplicate",
            Status::Withdrawn => "withdrawn",
            Status::Moved { .. } => "moved",
        }
    }
}

/// One volunteer as the roster currently shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Volunteer {
    /// The id minted at enrolment.
    pub id: VolunteerId,
    /// Personal fields; `None` once the volunteer has withdrawn or moved away, and while
    /// they are sealed to this reader (see `sealed`).
    pub personal: Option<Personal>,
    /// Gender.
    pub gender: Gender,
    /// Age or birth year.
    pub age: AgeClaim,
    /// The village (LGD code).
    pub village: LgdCode,
    /// The beat.
    pub beat: UnitCode,
    /// The police station.
    pub station: UnitCode,
    /// The programmes joined.
    pub programmes: BTreeSet<Programme>,
    /// The constable who enrolled them.
    pub enrolled_by: BadgeNumber,
    /// The phone they were enrolled on.
    pub enrolled_on: DeviceId,
    /// The enrolling device's clock at enrolment: the device's claim, not the truth.
    pub enrolled_at_ms: i64,
    /// Who trained them, if recorded.
    pub trained_by: Option<Trainer>,
    /// The consent record.
    pub consent: Consent,
    /// Review status.
    pub status: Status,
    /// The supervisor who set the current status, if any.
    pub reviewed_by: Option<BadgeNumber>,
    /// Fields where concurrent edits from different devices disagreed; the roster shows one
    /// value (chosen the same way on every replica) and lists the field here for review.
    pub conflicts: Vec<Field>,
    /// The entry holds personal fields this reader has no key for: they exist, sealed. After
    /// a withdrawal the key is destroyed everywhere and `personal` is `None` with this false.
    pub sealed: bool,
    /// The beat this person moved to, when this is the entry they left: the live entry is
    /// there. Set even when a withdrawal written here later makes the status `Withdrawn`, so
    /// rows and lists follow the live entry and never count the person twice.
    pub moved_to: Option<UnitCode>,
}
