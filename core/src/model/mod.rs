//! The domain: the police hierarchy, programmes, volunteers and cameras, validation of what a
//! constable types, and rosters held as Automerge documents.
//!
//! Nothing here opens a file, reads a clock or draws randomness: those come in as arguments,
//! so every rule can be replayed in a plain test.

mod camera;
mod change_meta;
mod edit;
mod enrolment;
mod household;
mod id;
mod invalid;
pub mod lineage;
mod notice;
mod programme;
mod review;
mod roster;
pub mod sealed;
mod unit;
pub mod validate;
mod volunteer;

pub use camera::{
    Camera, CameraForm, CameraOwner, CameraRemoval, Direction, MAX_COVERAGE_CHARS,
    MAX_RECORDING_DAYS, Removed,
};
pub use change_meta::{Action, ChangeMessage, ChangeMeta};
pub use edit::{FieldUpdate, VolunteerEdit};
pub use enrolment::{
    Enrolment, EnrolmentForm, EnrolmentRules, MAX_AGE_YEARS, MAX_HOUSEHOLD_CHARS, MIN_AGE_YEARS,
    Rejection, known_programmes,
};
pub use household::{Household, MAX_FAMILY_NAME_CHARS, MAX_HOUSE_NUMBER_CHARS, household_key};
pub use id::{BadgeNumber, CameraId, DeviceId, EntryId, RosterId, UnitCode, VolunteerId};
pub use invalid::{Field, Invalid, InvalidCode};
pub use notice::{ConsentNotice, ConsentTerms, MAX_NOTICE_CHARS, NoticeRef, parse_notice_language};
pub use programme::{DistrictProgramme, Programme};
pub use review::{Decision, Review, Withdrawal, WithdrawalChannel};
pub(crate) use roster::TOGETHER;
pub use roster::{
    Applied, Carry, CarryWrite, ChangeEffect, ChangeInfo, ChangeReader, EntryLinks, FieldWrite,
    GENESIS_ACTOR, Malformed, Recreated, Reflected, Roster, RosterChange, SCHEMA_VERSION, Target,
    Transfer, Written, change_hash_and_message, inspect_change,
};
pub use unit::{Unit, UnitKind, Village};
pub use validate::{LgdCode, Phone};
pub use volunteer::{AgeClaim, Consent, Gender, Guardian, Personal, Status, Trainer, Volunteer};
