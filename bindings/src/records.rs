//! The records Kotlin sees, and their conversions to and from the core's types. Each record
//! is plain data with names that make sense without a module path (`VolunteerSummary`, not
//! `Row`); ids and codes cross as strings, checked by the core's parsers on the way in.

use mitan_core::device::{EnrolOutcome, Problem, SyncReport};
use mitan_core::history::{FieldChange, HistoryEntry, Shown};
use mitan_core::model::{self, Action, AgeClaim, Field, Invalid, Status, Trainer, Volunteer};
use mitan_core::store::{self, QuotaProgress, VolunteerRow};

use crate::error::ApiError;

/// Who this phone is, as the server told it at registration.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DeviceIdentity {
    /// The device id the server gave.
    pub device_id: String,
    /// The Automerge actor registered for this device: 16 bytes, drawn once by the app.
    pub actor: Vec<u8>,
    /// The constable's badge number.
    pub badge: String,
    /// The constable's station.
    pub station: String,
    /// The beats whose rosters this phone holds.
    pub beats: Vec<String>,
    /// The enrolment quota per employee (25 in the Bilaspur drive).
    pub quota: u32,
}

/// The new actor and signing key a phone restored from a backup (or cloned) registers with:
/// sent to `POST /v1/devices/register` with a code, or `POST /v1/devices/replace` with the
/// phone's credential.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Replacement {
    /// The Automerge actor, 16 bytes.
    pub actor: Vec<u8>,
    /// The public half of the new signing key, 32 bytes.
    pub public_key: Vec<u8>,
}

impl From<mitan_core::device::Replacement> for Replacement {
    fn from(replacement: mitan_core::device::Replacement) -> Self {
        Replacement {
            actor: replacement.actor.to_vec(),
            public_key: replacement.public_key.to_vec(),
        }
    }
}

impl TryFrom<DeviceIdentity> for store::DeviceIdentity {
    type Error = ApiError;

    fn try_from(identity: DeviceIdentity) -> Result<Self, ApiError> {
        let actor: [u8; 16] = identity
            .actor
            .try_into()
            .map_err(|_| ApiError::invalid("actor", mitan_core::model::InvalidCode::BadFormat))?;
        Ok(store::DeviceIdentity {
            device_id: identity.device_id.parse()?,
            actor,
            badge: model::BadgeNumber::parse_as(Field::EnrolledBy, &identity.badge)?,
            station: model::UnitCode::parse_as(Field::Station, &identity.station)?,
            beats: identity
                .beats
                .iter()
                .map(|beat| model::UnitCode::parse_as(Field::Beat, beat))
                .collect::<Result<_, Invalid>>()?,
            quota: identity.quota,
        })
    }
}

/// The enrolment form exactly as typed; empty text means "not given".
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct EnrolmentForm {
    /// Name in Devanagari (this or `name_latin` is required).
    pub name_devanagari: String,
    /// Name in Latin letters.
    pub name_latin: String,
    /// Mobile number in any common Indian format.
    pub phone: String,
    /// `female`, `male` or `transgender` (Hindi words are accepted too).
    pub gender: String,
    /// Age in years, if the person gave an age.
    pub age_years: Option<u32>,
    /// Birth year, if the person gave one instead.
    pub birth_year: Option<u32>,
    /// The village's 6-digit LGD code.
    pub village_lgd: String,
    /// The household as one description; used only when both parts below are empty.
    pub household: String,
    /// The household's house number (`12`, `१२/३`).
    #[uniffi(default = "")]
    pub house_number: String,
    /// The household's family name, in any script.
    #[uniffi(default = "")]
    pub family_name: String,
    /// The beat's unit code.
    pub beat: String,
    /// The station's unit code.
    pub station: String,
    /// Programme codes (`cyber_mitan`, …).
    pub programmes: Vec<String>,
    /// Who trained the person: a volunteer id or a badge number, or empty.
    pub trained_by: String,
    /// Whether the person consented after the notice was shown.
    pub consent_given: bool,
    /// The language of the notice shown.
    pub consent_language: String,
    /// The version of the notice shown.
    pub consent_notice_version: u32,
    /// Guardian's name, for someone under 18.
    pub guardian_name: String,
    /// Guardian's relation, for someone under 18.
    pub guardian_relation: String,
    /// Guardian's mobile number, for someone under 18.
    pub guardian_phone: String,
    /// Whether the guardian consented.
    pub guardian_consent_given: bool,
}

impl From<EnrolmentForm> for model::EnrolmentForm {
    fn from(form: EnrolmentForm) -> Self {
        model::EnrolmentForm {
            name_devanagari: form.name_devanagari,
            name_latin: form.name_latin,
            phone: form.phone,
            gender: form.gender,
            age_years: form.age_years,
            birth_year: form.birth_year,
            village_lgd: form.village_lgd,
            household: form.household,
            house_number: form.house_number,
            family_name: form.family_name,
            beat: form.beat,
            station: form.station,
            programmes: form.programmes,
            trained_by: form.trained_by,
            consent_given: form.consent_given,
            consent_language: form.consent_language,
            consent_notice_version: form.consent_notice_version,
            guardian_name: form.guardian_name,
            guardian_relation: form.guardian_relation,
            guardian_phone: form.guardian_phone,
            guardian_consent_given: form.guardian_consent_given,
        }
    }
}

/// Worth a second look, but no reason to refuse: the enrolment is stored and the entry goes
/// to the supervisor's review queue.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum EnrolmentProblem {
    /// Another volunteer on this phone has the same mobile number.
    SamePhoneAs {
        /// That volunteer's id.
        volunteer_id: String,
    },
    /// Another active volunteer of the beat lives in the same household (one volunteer per
    /// household): the constable may go on.
    SameHouseholdAs {
        /// That volunteer's id.
        volunteer_id: String,
    },
}

/// An enrolment stored durably on the phone.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct EnrolmentReceipt {
    /// The new volunteer's id.
    pub volunteer_id: String,
    /// Likely duplicates and similar findings.
    pub problems: Vec<EnrolmentProblem>,
}

impl From<EnrolOutcome> for EnrolmentReceipt {
    fn from(outcome: EnrolOutcome) -> Self {
        EnrolmentReceipt {
            volunteer_id: outcome.id.to_string(),
            problems: outcome
                .problems
                .into_iter()
                .map(|problem| match problem {
                    Problem::SamePhoneAs(other) => EnrolmentProblem::SamePhoneAs {
                        volunteer_id: other.to_string(),
                    },
                    Problem::SameHouseholdAs(other) => EnrolmentProblem::SameHouseholdAs {
                        volunteer_id: other.to_string(),
                    },
                })
                .collect(),
        }
    }
}

/// One line of the roster list: what the phone's index holds, no document loaded.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct VolunteerSummary {
    /// The volunteer's id.
    pub volunteer_id: String,
    /// Name in Devanagari, if given (absent once withdrawn).
    pub name_devanagari: Option<String>,
    /// Name in Latin letters, if given (absent once withdrawn).
    pub name_latin: Option<String>,
    /// Mobile number (absent once withdrawn).
    pub phone: Option<String>,
    /// The village's LGD code.
    pub village: String,
    /// The beat.
    pub beat: String,
    /// `pending`, `verified`, `rejected`, `duplicate`, `withdrawn` or `moved`.
    pub status: String,
    /// Programme codes.
    pub programmes: Vec<String>,
    /// The badge of the constable who enrolled them.
    pub enrolled_by: String,
    /// The enrolling phone's clock at enrolment (a claim, not the truth).
    pub enrolled_at_ms: i64,
    /// The beat the person moved to, when this row is the entry they left (`status` is then
    /// `moved`, or `withdrawn` if this phone's constable withdrew them there).
    pub moved_to: Option<String>,
}

impl From<VolunteerRow> for VolunteerSummary {
    fn from(row: VolunteerRow) -> Self {
        VolunteerSummary {
            volunteer_id: row.id.to_string(),
            name_devanagari: row.name_devanagari,
            name_latin: row.name_latin,
            phone: row.phone,
            village: row.village,
            beat: row.beat,
            status: row.status,
            programmes: row.programmes,
            enrolled_by: row.enrolled_by,
            enrolled_at_ms: row.enrolled_at_ms,
            moved_to: row.moved_to,
        }
    }
}

/// Which volunteers to list; absent fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct RosterFilter {
    /// Only this beat.
    pub beat: Option<String>,
    /// Only this village (LGD code).
    pub village: Option<String>,
    /// Only this status (`pending`, `verified`, …).
    pub status: Option<String>,
    /// Only this programme.
    pub programme: Option<String>,
    /// Only those enrolled by this badge.
    pub enrolled_by: Option<String>,
    /// At most this many rows; 0 means no limit.
    pub limit: u32,
    /// Skip this many rows first.
    pub offset: u32,
}

impl From<RosterFilter> for store::VolunteerFilter {
    fn from(filter: RosterFilter) -> Self {
        store::VolunteerFilter {
            beat: filter.beat,
            village: filter.village,
            status: filter.status,
            programme: filter.programme,
            enrolled_by: filter.enrolled_by,
            limit: filter.limit,
            offset: filter.offset,
        }
    }
}

/// Where a volunteer stands in review.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum VolunteerStatus {
    /// Enrolled, not yet reviewed.
    Pending,
    /// Verified by a supervisor.
    Verified,
    /// Rejected by a supervisor.
    Rejected {
        /// The supervisor's reason, for the constable to read.
        reason: String,
    },
    /// The same person as another entry, which is kept.
    DuplicateOf {
        /// The entry kept.
        volunteer_id: String,
    },
    /// Consent withdrawn; personal fields are gone.
    Withdrawn,
    /// Moved to another beat by a supervisor.
    Moved {
        /// The beat they moved to.
        to_beat: String,
    },
}

impl From<Status> for VolunteerStatus {
    fn from(status: Status) -> Self {
        match status {
            Status::Pending => VolunteerStatus::Pending,
            Status::Verified => VolunteerStatus::Verified,
            Status::Rejected { reason } => VolunteerStatus::Rejected { reason },
            Status::DuplicateOf(kept) => VolunteerStatus::DuplicateOf {
                volunteer_id: kept.to_string(),
            },
            Status::Withdrawn => VolunteerStatus::Withdrawn,
            Status::Moved { to } => VolunteerStatus::Moved {
                to_beat: to.to_string(),
            },
        }
    }
}

/// One volunteer as the roster shows them now.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct VolunteerDetail {
    /// The id minted at enrolment.
    pub volunteer_id: String,
    /// Name in Devanagari; absent if not given, withdrawn, or sealed to this phone.
    pub name_devanagari: Option<String>,
    /// Name in Latin letters; absent as above.
    pub name_latin: Option<String>,
    /// Mobile number; absent once withdrawn or while sealed.
    pub phone: Option<String>,
    /// Household; absent once withdrawn or while sealed.
    pub household: Option<String>,
    /// Gender.
    pub gender: mitan_core::model::Gender,
    /// Age in years, if that is what the person gave.
    pub age_years: Option<u32>,
    /// Birth year, if that is what the person gave.
    pub birth_year: Option<u32>,
    /// The village's LGD code.
    pub village: String,
    /// The beat.
    pub beat: String,
    /// The station.
    pub station: String,
    /// Programme codes.
    pub programmes: Vec<String>,
    /// The badge of the constable who enrolled them.
    pub enrolled_by: String,
    /// The phone they were enrolled on.
    pub enrolled_on: String,
    /// The enrolling phone's clock at enrolment.
    pub enrolled_at_ms: i64,
    /// Who trained them: a volunteer id or a badge number.
    pub trained_by: Option<String>,
    /// The language of the consent notice shown.
    pub consent_language: String,
    /// The version of the consent notice shown.
    pub consent_notice_version: u32,
    /// Review status.
    pub status: VolunteerStatus,
    /// The supervisor who set the status, if any.
    pub reviewed_by: Option<String>,
    /// Fields that two phones changed at once; the supervisor should look at them.
    pub conflicts: Vec<String>,
    /// The entry holds personal fields this phone has no key for (yet).
    pub sealed: bool,
    /// The beat the person was moved to, when this is the entry they left (a phone holding
    /// only the old beat shows where they went, even after withdrawing them there).
    pub moved_to: Option<String>,
}

impl From<Volunteer> for VolunteerDetail {
    fn from(volunteer: Volunteer) -> Self {
        let (age_years, birth_year) = match volunteer.age {
            AgeClaim::Years(years) => (Some(u32::from(years)), None),
            AgeClaim::BirthYear(year) => (None, Some(u32::from(year))),
        };
        let personal = volunteer.personal;
        VolunteerDetail {
            volunteer_id: volunteer.id.to_string(),
            name_devanagari: personal.as_ref().and_then(|p| p.name_devanagari.clone()),
            name_latin: personal.as_ref().and_then(|p| p.name_latin.clone()),
            phone: personal.as_ref().map(|p| p.phone.to_string()),
            household: personal.map(|p| p.household),
            gender: volunteer.gender,
            age_years,
            birth_year,
            village: volunteer.village.to_string(),
            beat: volunteer.beat.to_string(),
            station: volunteer.station.to_string(),
            programmes: volunteer
                .programmes
                .iter()
                .map(|programme| programme.as_str().to_owned())
                .collect(),
            enrolled_by: volunteer.enrolled_by.to_string(),
            enrolled_on: volunteer.enrolled_on.to_string(),
            enrolled_at_ms: volunteer.enrolled_at_ms,
            trained_by: volunteer.trained_by.map(|trainer| match trainer {
                Trainer::Volunteer(id) => id.to_string(),
                Trainer::Employee(badge) => badge.to_string(),
            }),
            consent_language: volunteer.consent.language,
            consent_notice_version: volunteer.consent.notice_version,
            status: volunteer.status.into(),
            reviewed_by: volunteer.reviewed_by.map(|badge| badge.to_string()),
            conflicts: volunteer
                .conflicts
                .iter()
                .map(|field| field.as_str().to_owned())
                .collect(),
            sealed: volunteer.sealed,
            moved_to: volunteer.moved_to.map(|beat| beat.to_string()),
        }
    }
}

/// A constable's enrolments against their quota ("my quota": `counted` / `quota`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct QuotaStatus {
    /// The quota (25 in the Bilaspur drive).
    pub quota: u32,
    /// Enrolments that count: not rejected, not duplicates, not withdrawn.
    pub counted: u32,
    /// Of those, verified by a supervisor.
    pub verified: u32,
    /// Every enrolment, counted or not.
    pub enrolled: u32,
}

impl From<QuotaProgress> for QuotaStatus {
    fn from(progress: QuotaProgress) -> Self {
        QuotaStatus {
            quota: progress.quota,
            counted: progress.counted,
            verified: progress.verified,
            enrolled: progress.enrolled,
        }
    }
}

/// What a finished sync did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncSummary {
    /// Round trips taken.
    pub round_trips: u32,
    /// This phone's changes the server stored and acknowledged.
    pub acknowledged: u64,
    /// Changes (or snapshots) received from the server and stored.
    pub received: u64,
    /// This phone's changes the server refused.
    pub refused: u64,
    /// Request bytes sent.
    pub bytes_up: u64,
    /// Reply bytes received.
    pub bytes_down: u64,
    /// Changes made before a recovery written again under the phone's new identity.
    pub reissued: u64,
    /// Each change the server refused, with its reason.
    pub refused_changes: Vec<RefusedChange>,
}

/// One of this phone's changes the server refused.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RefusedChange {
    /// The beat whose roster it was offered in.
    pub beat: String,
    /// The change's hash, 64 hex digits.
    pub change: String,
    /// The server's stable reason (`beat_mismatch`, …).
    pub reason: String,
    /// What it did, when Mitan wrote it.
    pub action: Option<ChangeAction>,
    /// The volunteer or camera it wrote.
    pub entry_id: Option<String>,
}

impl From<SyncReport> for SyncSummary {
    fn from(report: SyncReport) -> Self {
        SyncSummary {
            round_trips: report.round_trips,
            acknowledged: report.acknowledged,
            received: report.received,
            refused: report.refused,
            bytes_up: report.bytes_up,
            bytes_down: report.bytes_down,
            reissued: report.reissued,
            refused_changes: report
                .refusals
                .into_iter()
                .map(|refused| RefusedChange {
                    beat: refused.roster.to_string(),
                    change: mitan_core::history::encode_hash(&refused.change),
                    reason: refused.reason,
                    action: refused.action.map(ChangeAction::from),
                    entry_id: refused.entry,
                })
                .collect(),
        }
    }
}

/// The programmes every district knows (`cyber_mitan`, `police_mitra`, …), in the order the
/// enrolment form offers them; the app has words for each.
#[uniffi::export]
pub fn built_in_programmes() -> Vec<String> {
    model::Programme::BUILT_IN
        .iter()
        .map(|code| (*code).to_string())
        .collect()
}

/// The directions a camera may look (`n`, `ne`, … clockwise from north), in the order the
/// camera form offers them; the app has words for each.
#[uniffi::export]
pub fn camera_directions() -> Vec<String> {
    model::Direction::ALL
        .iter()
        .map(|direction| direction.as_str().to_string())
        .collect()
}

/// Why a camera may leave the register (`owner_asked`, `dismantled`, `entered_in_error`);
/// the app has words for each.
#[uniffi::export]
pub fn camera_removal_reasons() -> Vec<String> {
    model::CameraRemoval::ALL
        .iter()
        .map(|reason| reason.as_str().to_string())
        .collect()
}

/// A private CCTV camera as this phone holds it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CameraRecord {
    /// Its id.
    pub id: String,
    /// The village's LGD code.
    pub village: String,
    /// Latitude in decimal degrees.
    pub latitude: f64,
    /// Longitude in decimal degrees.
    pub longitude: f64,
    /// Which way it looks (`n`, `ne`, …); absent for a camera registered before it was asked.
    pub direction: Option<String>,
    /// What it covers.
    pub coverage: String,
    /// Days of footage its recorder keeps; absent as `direction` is.
    pub recording_days: Option<u16>,
    /// The owner's name, when this phone holds the camera's key.
    pub owner_name: Option<String>,
    /// The owner's mobile number, likewise.
    pub owner_phone: Option<String>,
    /// The owner's fields are there but this phone lacks the key: the next sync asks for it.
    pub sealed: bool,
    /// Why it was removed (`owner_asked`, …), once it was; its owner is then erased.
    pub removed: Option<String>,
    /// When it was removed, by the removing phone's clock (ms since the epoch; shown in IST).
    pub removed_at_ms: Option<i64>,
}

impl From<model::Camera> for CameraRecord {
    fn from(camera: model::Camera) -> Self {
        CameraRecord {
            id: camera.id.to_string(),
            village: camera.village.to_string(),
            latitude: camera.latitude,
            longitude: camera.longitude,
            direction: camera
                .direction
                .map(|direction| direction.as_str().to_string()),
            coverage: camera.coverage,
            recording_days: camera.recording_days,
            owner_name: camera.owner.as_ref().map(|owner| owner.name.clone()),
            owner_phone: camera
                .owner
                .as_ref()
                .map(|owner| owner.phone.as_str().to_string()),
            sealed: camera.sealed,
            removed: camera
                .removed
                .map(|removed| removed.reason.as_str().to_string()),
            removed_at_ms: camera.removed.map(|removed| removed.at_ms),
        }
    }
}

/// A programme of the district's list, with its names: what the form offers.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DistrictProgramme {
    /// The code (`cyber_mitan`, or one the district added).
    pub code: String,
    /// Its name in Hindi.
    pub name_hi: String,
    /// Its name in English.
    pub name_en: String,
}

impl From<model::DistrictProgramme> for DistrictProgramme {
    fn from(programme: model::DistrictProgramme) -> Self {
        DistrictProgramme {
            code: programme.code.to_string(),
            name_hi: programme.name_hi,
            name_en: programme.name_en,
        }
    }
}

impl TryFrom<DistrictProgramme> for model::DistrictProgramme {
    type Error = ApiError;
    fn try_from(programme: DistrictProgramme) -> Result<Self, ApiError> {
        Ok(model::DistrictProgramme::checked(
            &programme.code,
            &programme.name_hi,
            &programme.name_en,
        )?)
    }
}

/// A village of one of the phone's beats, offered by name on the enrolment form.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Village {
    /// Its six-digit LGD code: what the form's `village_lgd` takes.
    pub lgd_code: String,
    /// Its name in Hindi.
    pub name_hi: String,
    /// Its name in English.
    pub name_en: String,
}

impl From<model::Village> for Village {
    fn from(village: model::Village) -> Self {
        Village {
            lgd_code: village.lgd_code.to_string(),
            name_hi: village.name_hi,
            name_en: village.name_en,
        }
    }
}

impl TryFrom<Village> for model::Village {
    type Error = ApiError;
    fn try_from(village: Village) -> Result<Self, ApiError> {
        Ok(model::Village::checked(
            &village.lgd_code,
            &village.name_hi,
            &village.name_en,
        )?)
    }
}

/// A consent notice of the district, shown before a person consents.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ConsentNotice {
    /// The language code (`hi`, `en`, …).
    pub language: String,
    /// The version; an enrolment names the version shown.
    pub version: u32,
    /// The text to show.
    pub text: String,
    /// When the district published it, by the server clock.
    pub published_at_ms: i64,
}

impl From<model::ConsentNotice> for ConsentNotice {
    fn from(notice: model::ConsentNotice) -> Self {
        ConsentNotice {
            language: notice.language,
            version: notice.version,
            text: notice.text,
            published_at_ms: notice.published_at_ms,
        }
    }
}

impl From<ConsentNotice> for model::ConsentNotice {
    fn from(notice: ConsentNotice) -> Self {
        model::ConsentNotice {
            language: notice.language,
            version: notice.version,
            text: notice.text,
            published_at_ms: notice.published_at_ms,
        }
    }
}

/// The district's current notices and policy, as the server answers `GET /v1/notices`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ConsentTerms {
    /// Whether the district enrols adults only.
    pub adults_only: bool,
    /// The newest notice of each language.
    pub notices: Vec<ConsentNotice>,
}

impl From<ConsentTerms> for model::ConsentTerms {
    fn from(terms: ConsentTerms) -> Self {
        model::ConsentTerms {
            adults_only: terms.adults_only,
            notices: terms.notices.into_iter().map(Into::into).collect(),
        }
    }
}

/// What a change did to a volunteer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ChangeAction {
    /// The first change every copy of a roster shares.
    Genesis,
    /// Enrolled.
    Enrol,
    /// Fields edited.
    Edit,
    /// Verified, rejected or marked a duplicate by a supervisor.
    Review,
    /// Consent withdrawn.
    Withdraw,
    /// A camera registered.
    Camera,
    /// A camera taken off the register.
    RemoveCamera,
    /// Moved between beats by a supervisor.
    Move,
}

impl From<Action> for ChangeAction {
    fn from(action: Action) -> Self {
        match action {
            Action::Genesis => ChangeAction::Genesis,
            Action::Enrol => ChangeAction::Enrol,
            Action::Edit => ChangeAction::Edit,
            Action::Review => ChangeAction::Review,
            Action::Withdraw => ChangeAction::Withdraw,
            Action::Camera => ChangeAction::Camera,
            Action::RemoveCamera => ChangeAction::RemoveCamera,
            Action::Move => ChangeAction::Move,
        }
    }
}

/// One change in a volunteer's history: what, who, on which device, when by that device,
/// and what it wrote.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct VolunteerChange {
    /// The change's hash, 64 hex digits.
    pub hash: String,
    /// What it did.
    pub action: ChangeAction,
    /// The badge of who did it.
    pub badge: String,
    /// The device it was made on (a supervisor's server-side device for server actions).
    pub device: String,
    /// That device's clock: a claim, never the truth.
    pub device_clock_ms: i64,
    /// The volunteer's fields it wrote, in the order written.
    pub fields: Vec<ChangedField>,
}

/// One field a change wrote.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ChangedField {
    /// The field: `phone`, `village`, `review`, `programmes.cyber_mitan`, … (empty for the
    /// entry itself).
    pub field: String,
    /// What the phone can show of it.
    pub shown: FieldShown,
}

/// What the phone can show of a written field.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum FieldShown {
    /// A plain field's value (gender, village, review, …).
    Value { text: String },
    /// A personal field, opened with the volunteer's key this phone holds.
    Opened { text: String },
    /// A personal field this phone holds no key for.
    Sealed,
    /// A personal field of a volunteer who withdrew: the key is destroyed, the value gone.
    Erased,
    /// A sealed field that does not open under the volunteer's key.
    Unopenable,
    /// The entry was created.
    Created,
    /// The field was removed.
    Removed,
}

impl From<FieldChange> for ChangedField {
    fn from(change: FieldChange) -> Self {
        let shown = match change.shown {
            Shown::Value(text) => FieldShown::Value { text },
            Shown::Opened(text) => FieldShown::Opened { text },
            Shown::Sealed => FieldShown::Sealed,
            Shown::Erased => FieldShown::Erased,
            Shown::Unopenable => FieldShown::Unopenable,
            Shown::Created => FieldShown::Created,
            Shown::Removed => FieldShown::Removed,
        };
        ChangedField {
            field: change.field,
            shown,
        }
    }
}

impl VolunteerChange {
    /// The change, if Mitan wrote it (one without Mitan's message names no author).
    pub(crate) fn from_entry(entry: HistoryEntry) -> Option<Self> {
        Some(VolunteerChange {
            hash: mitan_core::history::encode_hash(&entry.hash),
            action: entry.action?.into(),
            badge: entry.badge?,
            device: entry.device?,
            device_clock_ms: entry.device_clock_ms,
            fields: entry.fields.into_iter().map(Into::into).collect(),
        })
    }
}
