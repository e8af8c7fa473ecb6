//! The core's types whose shape Kotlin takes as it is, declared to uniffi as remote types:
//! no hand-written copy to keep in step, and the Kotlin compiler sees the core's own fields.
//! (uniffi needs each one restated here; a field added in the core and not here fails the
//! build, which is the point.)

use mitan_core::device::SyncProgress;
use mitan_core::model::{CameraForm, Gender, InvalidCode, VolunteerEdit};

/// How far a running sync has come, after a round trip whose reply is stored.
#[uniffi::remote(Record)]
pub struct SyncProgress {
    /// Round trips finished and stored so far.
    pub round: u32,
    /// This phone's changes still waiting for the server's acknowledgement.
    pub pending: u64,
    /// This phone's changes the server acknowledged so far.
    pub acknowledged: u64,
    /// Changes (or snapshots) received and stored so far.
    pub received: u64,
    /// Request bytes sent so far.
    pub bytes_up: u64,
    /// Reply bytes received so far.
    pub bytes_down: u64,
}

/// Gender as recorded at enrolment.
#[uniffi::remote(Enum)]
pub enum Gender {
    /// Female.
    Female,
    /// Male.
    Male,
    /// Transgender.
    Transgender,
}

/// The fields a constable corrects after a rejection; `None` (or an empty list) leaves a
/// field as it is.
#[uniffi::remote(Record)]
pub struct VolunteerEdit {
    /// New Devanagari name.
    #[uniffi(default = None)]
    pub name_devanagari: Option<String>,
    /// New Latin name.
    #[uniffi(default = None)]
    pub name_latin: Option<String>,
    /// New mobile number.
    #[uniffi(default = None)]
    pub phone: Option<String>,
    /// New household.
    #[uniffi(default = None)]
    pub household: Option<String>,
    /// New gender, as typed.
    #[uniffi(default = None)]
    pub gender: Option<String>,
    /// New age in years.
    #[uniffi(default = None)]
    pub age_years: Option<u32>,
    /// New birth year.
    #[uniffi(default = None)]
    pub birth_year: Option<u32>,
    /// New village LGD code.
    #[uniffi(default = None)]
    pub village_lgd: Option<String>,
    /// Programmes to join.
    #[uniffi(default = [])]
    pub add_programmes: Vec<String>,
    /// Programmes to leave.
    #[uniffi(default = [])]
    pub remove_programmes: Vec<String>,
}

/// A private CCTV camera as the constable types it (issue: Durg's Trinayan registry).
#[uniffi::remote(Record)]
pub struct CameraForm {
    /// The owner's name, in any script.
    pub owner_name: String,
    /// The owner's mobile number.
    pub owner_phone: String,
    /// Latitude in decimal degrees.
    pub latitude: f64,
    /// Longitude in decimal degrees.
    pub longitude: f64,
    /// The village's LGD code.
    pub village_lgd: String,
    /// What the camera covers.
    pub coverage: String,
    /// Which way it looks: `n`, `ne`, `e`, `se`, `s`, `sw`, `w` or `nw`.
    pub direction: String,
    /// Days of footage the recorder keeps, as typed.
    pub recording_days: String,
}

/// Why a field was refused: the core's stable codes. The app's words for them are a `when`
/// over this enum, which the Kotlin compiler checks complete.
#[uniffi::remote(Enum)]
pub enum InvalidCode {
    /// Required, and empty.
    Required,
    /// Too long.
    TooLong,
    /// Too short.
    TooShort,
    /// Holds a control character.
    ControlCharacter,
    /// Holds an invisible character.
    InvisibleCharacter,
    /// Letters of another script than the field takes.
    WrongScript,
    /// Not in the expected form.
    BadFormat,
    /// Not an Indian number.
    NotIndian,
    /// Not a mobile number.
    NotMobile,
    /// Outside the allowed range.
    OutOfRange,
    /// Not one of the known values.
    Unknown,
    /// Under 18 without a guardian's consent.
    GuardianConsentRequired,
    /// Under 18 where the district enrols adults only.
    AdultsOnly,
    /// Given twice.
    Duplicate,
    /// Sealed on this phone.
    Sealed,
    /// A character a name does not have.
    BadCharacter,
    /// Too many marks on one letter.
    TooManyMarks,
    /// A village not listed under the beat.
    NotInBeat,
}
