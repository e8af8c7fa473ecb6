//! Why a field of a request was refused, as a stable code a client can act on and a sentence
//! a person can read. The code is part of the API: a client matches on it, so a variant's
//! code never changes once released, and the words around it may.

use std::fmt;

use mitan_core::model::InvalidCode;

/// What was wrong with a refused field. Each variant has one stable snake_case code
/// ([`Problem::code`]); the codes shared with the core's validation (`bad_format`,
/// `required`, `out_of_range`, …) mean the same on both sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// `bad_format`: the text does not read as what the field holds.
    Unreadable {
        /// What was given, quoted back.
        given: String,
        /// What the field holds, as a person would say it ("a unit code").
        expected: &'static str,
    },
    /// `required`: the field is needed and was not given, or was blank.
    Missing {
        /// What to give ("a name", "the first moment").
        what: &'static str,
    },
    /// `exactly_one`: of several fields, exactly one must be given.
    ExactlyOne {
        /// The choices, as a person would list them ("roster, unit or volunteer").
        of: &'static str,
    },
    /// `out_of_range`: a length or number outside what is allowed.
    OutOfRange {
        /// The least allowed.
        min: u64,
        /// The most allowed.
        max: u64,
        /// What is counted ("characters", "people", "parts").
        of: &'static str,
    },
    /// `ends_before_start`: the end of a period or comparison is before its start.
    EndsBeforeStart {
        /// The start, as people write it.
        starts: String,
        /// The end, as people write it.
        ends: String,
    },
    /// `self_reference`: a volunteer named as a duplicate of themselves.
    SelfReference,
    /// `wrong_status`: the volunteer's status does not allow this.
    WrongStatus {
        /// The volunteer.
        id: String,
        /// Their status now.
        status: String,
        /// What the action needs them to be ("a volunteer to keep").
        needed: &'static str,
    },
    /// `not_a_beat`: the unit named is not a beat.
    NotABeat {
        /// The unit.
        unit: String,
    },
    /// `already_there`: the volunteer already belongs where they are sent.
    AlreadyThere {
        /// The volunteer.
        id: String,
        /// Where they are.
        unit: String,
    },
    /// `no_station`: the beat lies under no police station.
    NoStation {
        /// The beat.
        unit: String,
    },
    /// `outside_unit`: a beat given for a user lies outside the user's unit.
    OutsideUnit {
        /// The beat.
        beat: String,
        /// The user's unit.
        unit: String,
    },
    /// `wrong_parent`: a unit placed under a unit of a kind it cannot sit under.
    WrongParent {
        /// The unit's kind.
        kind: String,
        /// The parent's kind.
        parent_kind: String,
    },
    /// `wrong_unit_kind`: a user placed in a unit of a kind their role does not belong to.
    WrongUnitKind {
        /// The role.
        role: String,
        /// The kind of unit the role belongs to.
        belongs_to: String,
        /// The kind given.
        given: String,
    },
    /// `not_for_role`: the field does not apply to users of this role.
    NotForRole {
        /// The role.
        role: String,
    },
    /// `device_clock_needs_time`: on the devices' clocks a moment is a time; a change and the
    /// server's now name moments on the server's clock only.
    DeviceClockNeedsTime,
    /// `version_not_newer`: a notice's version must go above the one published.
    VersionNotNewer {
        /// The language of the notice.
        language: String,
        /// The newest version published.
        latest: u32,
    },
    /// `not_reported`: a target on a unit that no report shows (a village), so it would be
    /// stored and never counted against.
    NotReported {
        /// The unit.
        unit: String,
        /// Its kind.
        kind: String,
    },
    /// `reserved`: the value is kept for Mitan's own use.
    Reserved {
        /// What it is kept for.
        for_what: &'static str,
    },
    /// The core's validation refused the value, with the core's own code (`too_long`,
    /// `wrong_script`, `control_character`, …).
    Core(InvalidCode),
}

impl Problem {
    /// Shorthand for [`Problem::Unreadable`]; what was given is kept [`super::clipped`].
    pub fn unreadable(given: impl AsRef<str>, expected: &'static str) -> Self {
        Problem::Unreadable {
            given: super::clipped(given.as_ref()).into_owned(),
            expected,
        }
    }

    /// The stable code a client sees as `error.code`.
    pub fn code(&self) -> &'static str {
        match self {
            Problem::Unreadable { .. } => "bad_format",
            Problem::Missing { .. } => "required",
            Problem::ExactlyOne { .. } => "exactly_one",
            Problem::OutOfRange { .. } => "out_of_range",
            Problem::EndsBeforeStart { .. } => "ends_before_start",
            Problem::SelfReference => "self_reference",
            Problem::WrongStatus { .. } => "wrong_status",
            Problem::NotABeat { .. } => "not_a_beat",
            Problem::AlreadyThere { .. } => "already_there",
            Problem::NoStation { .. } => "no_station",
            Problem::OutsideUnit { .. } => "outside_unit",
            Problem::WrongParent { .. } => "wrong_parent",
            Problem::WrongUnitKind { .. } => "wrong_unit_kind",
            Problem::NotForRole { .. } => "not_for_role",
            Problem::DeviceClockNeedsTime => "device_clock_needs_time",
            Problem::VersionNotNewer { .. } => "version_not_newer",
            Problem::NotReported { .. } => "not_reported",
            Problem::Reserved { .. } => "reserved",
            Problem::Core(code) => code.as_str(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Unreadable { given, expected } => {
                write!(f, "{} is not {expected}", super::quote(given))
            }
            Problem::Missing { what } => write!(f, "give {what}"),
            Problem::ExactlyOne { of } => write!(f, "give exactly one of {of}"),
            Problem::OutOfRange { min: 0, max, of } => write!(f, "at most {max} {of}"),
            Problem::OutOfRange { min, max, of } => write!(f, "{min} to {max} {of}"),
            Problem::EndsBeforeStart { starts, ends } => {
                write!(f, "the end, {ends}, is before the start, {starts}")
            }
            Problem::SelfReference => {
                f.write_str("a volunteer cannot be a duplicate of themselves")
            }
            Problem::WrongStatus { id, status, needed } => {
                write!(f, "{id} is {status}, not {needed}")
            }
            Problem::NotABeat { unit } => write!(f, "{unit} is not a beat"),
            Problem::AlreadyThere { id, unit } => write!(f, "{id} is already in {unit}"),
            Problem::NoStation { unit } => write!(f, "{unit} lies under no station"),
            Problem::OutsideUnit { beat, unit } => write!(f, "{beat} is not a beat of {unit}"),
            Problem::WrongParent { kind, parent_kind } => {
                write!(f, "a {kind} cannot sit under a {parent_kind}")
            }
            Problem::WrongUnitKind {
                role,
                belongs_to,
                given,
            } => write!(f, "a {role} belongs to a {belongs_to}, not a {given}"),
            Problem::NotForRole { role } => write!(f, "does not apply to a {role}"),
            Problem::DeviceClockNeedsTime => f.write_str(
                "on the devices' clocks give a time: a change, or now, names a moment on the \
                 server's clock",
            ),
            Problem::VersionNotNewer { language, latest } => write!(
                f,
                "version {latest} of the {language} notice is published; publish {} or above",
                latest + 1
            ),
            Problem::NotReported { unit, kind } => write!(
                f,
                "{unit} is a {kind}, which no report shows: set the target on its beat or above"
            ),
            Problem::Reserved { for_what } => write!(f, "is reserved for {for_what}"),
            Problem::Core(code) => write!(f, "refused: {code}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One of each variant, so that a new one is not forgotten here.
    fn every_problem() -> Vec<Problem> {
        vec![
            Problem::unreadable("x", "a unit code"),
            Problem::Missing { what: "a name" },
            Problem::ExactlyOne { of: "a or b" },
            Problem::OutOfRange {
                min: 1,
                max: 2,
                of: "parts",
            },
            Problem::EndsBeforeStart {
                starts: "b".into(),
                ends: "a".into(),
            },
            Problem::SelfReference,
            Problem::WrongStatus {
                id: "v".into(),
                status: "s".into(),
                needed: "n",
            },
            Problem::NotABeat { unit: "u".into() },
            Problem::AlreadyThere {
                id: "v".into(),
                unit: "u".into(),
            },
            Problem::NoStation { unit: "u".into() },
            Problem::OutsideUnit {
                beat: "b".into(),
                unit: "u".into(),
            },
            Problem::WrongParent {
                kind: "beat".into(),
                parent_kind: "circle".into(),
            },
            Problem::WrongUnitKind {
                role: "r".into(),
                belongs_to: "k".into(),
                given: "g".into(),
            },
            Problem::NotForRole { role: "r".into() },
            Problem::DeviceClockNeedsTime,
            Problem::VersionNotNewer {
                language: "hi".into(),
                latest: 1,
            },
            Problem::NotReported {
                unit: "v".into(),
                kind: "village".into(),
            },
            Problem::Reserved { for_what: "x" },
        ]
    }

    #[test]
    fn every_code_is_snake_case_and_names_one_problem() {
        let problems = every_problem();
        let mut codes: Vec<&str> = problems.iter().map(Problem::code).collect();
        for code in &codes {
            assert!(
                code.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{code} is not snake_case"
            );
        }
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), problems.len(), "two problems share a code");
    }

    #[test]
    fn every_code_is_listed_for_clients() {
        let listed = include_str!("../../../docs/errors.md");
        for problem in every_problem() {
            let code = problem.code();
            assert!(
                listed.contains(&format!("| `{code}` |")),
                "docs/errors.md does not list {code}"
            );
        }
    }

    #[test]
    fn the_codes_shared_with_the_core_mean_the_same() {
        assert_eq!(
            Problem::unreadable("x", "y").code(),
            InvalidCode::BadFormat.as_str()
        );
        assert_eq!(
            Problem::Missing { what: "x" }.code(),
            InvalidCode::Required.as_str()
        );
        assert_eq!(
            Problem::OutOfRange {
                min: 0,
                max: 1,
                of: "x"
            }
            .code(),
            InvalidCode::OutOfRange.as_str()
        );
    }
}
