//! One volunteer's record as a supervisor opens it: the entry as their roster holds it now
//! (personal fields opened with the district's key), and every change that touched it, in
//! causal order, as the auditors' history shows changes. Reading it opens personal fields, so
//! the answer carries its access-log line, written before it is shown.

use clap::Args;
use mitan_core::model::{AgeClaim, EntryId, RosterId, Status, Trainer, VolunteerId};
use serde::{Deserialize, Serialize};

use super::{Answer, AuditEntry, RoleBook, load};
use crate::access::{AccessKind, Reader};
use crate::error::{Error, Result};
use crate::ops::{Permission, Policy};
use crate::store::ServerStore;

/// One volunteer's record and history, for a supervisor of their beat (logged).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Args, utoipa::ToSchema)]
#[group(skip)]
pub struct RecordQuery {
    /// The volunteer's id.
    #[arg(long)]
    #[schema(value_type = String)]
    pub volunteer: VolunteerId,
}

/// A volunteer as their live entry holds them now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct VolunteerRecord {
    /// Id.
    pub id: String,
    /// `pending`, `verified`, `rejected`, `duplicate`, `withdrawn` or `moved`.
    pub status: String,
    /// Why a supervisor rejected the entry, when they did.
    pub rejected_because: Option<String>,
    /// The volunteer this one duplicates, when marked so.
    pub duplicate_of: Option<String>,
    /// Who set the status.
    pub reviewed_by: Option<String>,
    /// Beat.
    pub beat: String,
    /// Station.
    pub station: String,
    /// Village LGD code.
    pub village: String,
    /// Devanagari name; absent once withdrawn.
    pub name_devanagari: Option<String>,
    /// Latin name.
    pub name_latin: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Household.
    pub household: Option<String>,
    /// The guardian, for a minor: name, relation and phone.
    pub guardian: Option<String>,
    /// `female`, `male` or `other`.
    pub gender: String,
    /// Age in years, or the birth year, as given.
    pub age: String,
    /// Programmes joined.
    pub programmes: Vec<String>,
    /// Who enrolled them, on which phone, and when by its clock.
    pub enrolled_by: String,
    /// The enrolling phone.
    pub enrolled_on: String,
    /// When, by the enrolling phone's clock.
    pub enrolled_at_ms: i64,
    /// Who trained them, if recorded.
    pub trained_by: Option<String>,
    /// The consent notice's language.
    pub consent_language: String,
    /// The consent notice's version.
    pub consent_notice_version: u32,
    /// When consent was given, by the phone's clock.
    pub consent_given_at_ms: i64,
    /// Whether a guardian consented.
    pub guardian_consented: bool,
    /// Fields on which concurrent edits disagreed, for review.
    pub conflicts: Vec<String>,
    /// Every change that touched the entry, oldest first.
    pub history: Vec<AuditEntry>,
}

/// The record of `query.volunteer`, for a reader who may read personal fields in their beat.
pub fn volunteer_record(
    store: &ServerStore,
    reader: Reader<'_>,
    query: &RecordQuery,
) -> Result<Answer<VolunteerRecord>> {
    let id = query.volunteer;
    let not_found = || Error::NotFound {
        what: "volunteer",
        id: id.to_string(),
    };
    let (roster, _) = store
        .volunteer_place(&id.to_string())?
        .ok_or_else(not_found)?;
    let roster: RosterId = roster.parse().map_err(|_| Error::Corrupt {
        what: "roster id",
        reason: roster.clone(),
    })?;
    let beat = roster.as_str().parse().map_err(|_| Error::Corrupt {
        what: "beat",
        reason: roster.to_string(),
    })?;
    Policy::check(store, reader.user, Permission::ReadPersonal, Some(&beat))?;
    let mut roles = RoleBook::default();
    let loaded = load(store, &roster, &mut roles)?;
    let volunteer = loaded
        .roster
        .volunteer(&id, &loaded.keys)
        .map_err(|error| Error::Corrupt {
            what: "roster",
            reason: error.to_string(),
        })?
        .ok_or_else(not_found)?;
    let entry = id.to_string();
    let history: Vec<AuditEntry> = loaded
        .history
        .entries
        .iter()
        .filter(|change| change.touches(&entry))
        .map(|change| {
            let mut change = change.clone();
            change
                .fields
                .retain(|field| field.volunteer.as_deref() == Some(entry.as_str()));
            AuditEntry {
                roster: roster.to_string(),
                change,
            }
        })
        .collect();
    let personal = volunteer.personal.as_ref();
    let opened = personal.is_some() && loaded.keys.contains_key(&EntryId::Volunteer(id));
    let access = opened.then(|| {
        reader.read(
            AccessKind::History,
            roster.to_string(),
            format!("volunteer={id}"),
            1,
        )
    });
    let (rejected_because, duplicate_of) = match &volunteer.status {
        Status::Rejected { reason } => (Some(reason.clone()), None),
        Status::DuplicateOf(of) => (None, Some(of.to_string())),
        _ => (None, None),
    };
    Ok(Answer {
        value: VolunteerRecord {
            id: entry,
            status: volunteer.status.as_str().to_owned(),
            rejected_because,
            duplicate_of,
            reviewed_by: volunteer.reviewed_by.as_ref().map(ToString::to_string),
            beat: volunteer.beat.to_string(),
            station: volunteer.station.to_string(),
            village: volunteer.village.to_string(),
            name_devanagari: personal.and_then(|personal| personal.name_devanagari.clone()),
            name_latin: personal.and_then(|personal| personal.name_latin.clone()),
            phone: personal.map(|personal| personal.phone.to_string()),
            household: personal.map(|personal| personal.household.clone()),
            guardian: personal
                .and_then(|personal| personal.guardian.as_ref())
                .map(|guardian| {
                    format!(
                        "{} ({}), {}",
                        guardian.name, guardian.relation, guardian.phone
                    )
                }),
            gender: volunteer.gender.to_string(),
            age: match volunteer.age {
                AgeClaim::Years(years) => years.to_string(),
                AgeClaim::BirthYear(year) => format!("born {year}"),
            },
            programmes: volunteer
                .programmes
                .iter()
                .map(ToString::to_string)
                .collect(),
            enrolled_by: volunteer.enrolled_by.to_string(),
            enrolled_on: volunteer.enrolled_on.to_string(),
            enrolled_at_ms: volunteer.enrolled_at_ms,
            trained_by: volunteer.trained_by.as_ref().map(|trainer| match trainer {
                Trainer::Volunteer(id) => id.to_string(),
                Trainer::Employee(badge) => badge.to_string(),
            }),
            consent_language: volunteer.consent.language.clone(),
            consent_notice_version: volunteer.consent.notice_version,
            consent_given_at_ms: volunteer.consent.given_at_ms,
            guardian_consented: volunteer.consent.guardian_consented,
            conflicts: volunteer
                .conflicts
                .iter()
                .map(|field| field.as_str().to_owned())
                .collect(),
            history,
        },
        access,
    })
}
