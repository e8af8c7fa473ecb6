//! The one shape of a validation failure: which field, and a stable code.
//!
//! The core never produces user-facing sentences; the app turns `(field, code)` into Hindi or
//! English text, so both halves are stable snake_case identifiers that apps may match on.

use std::fmt;

/// A field that a person fills in when enrolling a volunteer or registering a camera.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// The name as written in Devanagari.
    NameDevanagari,
    /// The name as written in Latin letters.
    NameLatin,
    /// The volunteer's mobile number.
    Phone,
    /// The household the volunteer belongs to.
    Household,
    /// The household's house number.
    HouseNumber,
    /// The household's family name.
    FamilyName,
    /// Gender.
    Gender,
    /// Age in years, or birth year.
    Age,
    /// The village (LGD code) the volunteer lives in.
    Village,
    /// The beat that covers the village.
    Beat,
    /// The police station.
    Station,
    /// The programmes the volunteer joins.
    Programmes,
    /// The badge number of the enrolling constable.
    EnrolledBy,
    /// Who trained the volunteer.
    TrainedBy,
    /// The consent record.
    Consent,
    /// The language in which the consent notice was shown.
    ConsentLanguage,
    /// The version of the consent notice.
    ConsentNotice,
    /// The constable who witnessed consent.
    ConsentWitness,
    /// The guardian's consent (for a volunteer under 18).
    GuardianConsent,
    /// The guardian's name (for a volunteer under 18).
    GuardianName,
    /// The guardian's relation to the volunteer.
    GuardianRelation,
    /// The guardian's mobile number.
    GuardianPhone,
    /// A reason given for rejecting a volunteer.
    Reason,
    /// A camera owner's name.
    OwnerName,
    /// A camera's latitude.
    Latitude,
    /// A camera's longitude.
    Longitude,
    /// What a camera covers.
    Coverage,
    /// Which way a camera looks.
    Direction,
    /// How many days of footage a camera's recorder keeps.
    RecordingDays,
    /// A unit code in the police hierarchy.
    UnitCode,
    /// A volunteer id.
    VolunteerId,
    /// A camera id.
    CameraId,
    /// A registered device id.
    Device,
    /// A police employee's name, as an admin types it.
    EmployeeName,
    /// A unit's name, in Hindi or English.
    UnitName,
    /// A campaign's name.
    CampaignName,
    /// A supervisor's note (on a withdrawal taken by telephone).
    Note,
}

impl Field {
    /// The stable identifier of this field, as apps and the HTTP API see it.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::NameDevanagari => "name_devanagari",
            Field::NameLatin => "name_latin",
            Field::Phone => "phone",
            Field::Household => "household",
            Field::HouseNumber => "house_number",
            Field::FamilyName => "family_name",
            Field::Gender => "gender",
            Field::Age => "age",
            Field::Village => "village",
            Field::Beat => "beat",
            Field::Station => "station",
            Field::Programmes => "programmes",
            Field::EnrolledBy => "enrolled_by",
            Field::TrainedBy => "trained_by",
            Field::Consent => "consent",
            Field::ConsentLanguage => "consent_language",
            Field::ConsentNotice => "consent_notice",
            Field::ConsentWitness => "consent_witness",
            Field::GuardianConsent => "guardian_consent",
            Field::GuardianName => "guardian_name",
            Field::GuardianRelation => "guardian_relation",
            Field::GuardianPhone => "guardian_phone",
            Field::Reason => "reason",
            Field::OwnerName => "owner_name",
            Field::Latitude => "latitude",
            Field::Longitude => "longitude",
            Field::Coverage => "coverage",
            Field::Direction => "direction",
            Field::RecordingDays => "recording_days",
            Field::UnitCode => "unit_code",
            Field::VolunteerId => "volunteer_id",
            Field::CameraId => "camera_id",
            Field::Device => "device",
            Field::EmployeeName => "employee_name",
            Field::UnitName => "unit_name",
            Field::CampaignName => "campaign_name",
            Field::Note => "note",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a field was refused. The identifiers never change once shipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InvalidCode {
    /// The field is required and was empty.
    Required,
    /// Longer than the field allows.
    TooLong,
    /// Shorter than the field allows.
    TooShort,
    /// Contains a control character (newline, tab, NUL, bidi override, …).
    ControlCharacter,
    /// Contains a zero-width or otherwise invisible character.
    InvisibleCharacter,
    /// Contains characters outside the script the field expects.
    WrongScript,
    /// Not in the shape the field expects.
    BadFormat,
    /// A phone number that is not an Indian number.
    NotIndian,
    /// An Indian number that is not a mobile number (+91 then 10 digits starting 6–9).
    NotMobile,
    /// A number outside the allowed range.
    OutOfRange,
    /// Not one of the known values.
    Unknown,
    /// Under 18 without a guardian's consent.
    GuardianConsentRequired,
    /// Under 18 where the district enrols adults only.
    AdultsOnly,
    /// The same value given twice where it must be unique.
    Duplicate,
    /// A personal field of a volunteer whose key this holder lacks: it cannot be written.
    Sealed,
    /// Holds a character the field never has: punctuation other than `.`, `'` and `-` in a
    /// name, or a digit.
    BadCharacter,
    /// More combining marks on one letter than any word needs.
    TooManyMarks,
    /// A village the directory does not list under the beat (or an LGD code in no district).
    NotInBeat,
}

impl InvalidCode {
    /// Every code, so that a table of words for them can be checked for gaps.
    pub const ALL: [InvalidCode; 18] = [
        InvalidCode::Required,
        InvalidCode::TooLong,
        InvalidCode::TooShort,
        InvalidCode::ControlCharacter,
        InvalidCode::InvisibleCharacter,
        InvalidCode::WrongScript,
        InvalidCode::BadFormat,
        InvalidCode::NotIndian,
        InvalidCode::NotMobile,
        InvalidCode::OutOfRange,
        InvalidCode::Unknown,
        InvalidCode::GuardianConsentRequired,
        InvalidCode::AdultsOnly,
        InvalidCode::Duplicate,
        InvalidCode::Sealed,
        InvalidCode::BadCharacter,
        InvalidCode::TooManyMarks,
        InvalidCode::NotInBeat,
    ];

    /// The stable identifier of this code.
    pub fn as_str(self) -> &'static str {
        match self {
            InvalidCode::Required => "required",
            InvalidCode::TooLong => "too_long",
            InvalidCode::TooShort => "too_short",
            InvalidCode::ControlCharacter => "control_character",
            InvalidCode::InvisibleCharacter => "invisible_character",
            InvalidCode::WrongScript => "wrong_script",
            InvalidCode::BadFormat => "bad_format",
            InvalidCode::NotIndian => "not_indian",
            InvalidCode::NotMobile => "not_mobile",
            InvalidCode::OutOfRange => "out_of_range",
            InvalidCode::Unknown => "unknown",
            InvalidCode::GuardianConsentRequired => "guardian_consent_required",
            InvalidCode::AdultsOnly => "adults_only",
            InvalidCode::Duplicate => "duplicate",
            InvalidCode::Sealed => "sealed",
            InvalidCode::BadCharacter => "bad_character",
            InvalidCode::TooManyMarks => "too_many_marks",
            InvalidCode::NotInBeat => "not_in_beat",
        }
    }
}

impl fmt::Display for InvalidCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A refused field: which one, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("{field}: {code}")]
pub struct Invalid {
    /// The field that was refused.
    pub field: Field,
    /// Why it was refused.
    pub code: InvalidCode,
}

impl Invalid {
    /// A refusal of `field` for `code`.
    pub fn new(field: Field, code: InvalidCode) -> Self {
        Invalid { field, code }
    }
}
