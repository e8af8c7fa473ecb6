//! A private CCTV camera registered with the police (Durg's Trinayan register): the second
//! kind of roster entry, which shows that a roster is not tied to volunteers.
//!
//! The owner is a private person, so their name and phone are personal fields under the
//! same rules as a volunteer's: sealed in the roster under a key of the camera's own
//! (`super::sealed`). Where the camera is and what it covers are not personal and stay plain,
//! so a phone without the key still places every camera on the map.

use super::id::CameraId;
use super::invalid::{Field, Invalid, InvalidCode};
use super::validate::{LgdCode, Phone, clean_name, clean_text, parse_lgd_code, parse_phone};

/// Longest description of what a camera covers, in characters.
pub const MAX_COVERAGE_CHARS: usize = 200;

/// Most days of footage a recorder is said to keep: a year. Recorders sold in India keep
/// 7 to 30 days; a larger number is a typing slip.
pub const MAX_RECORDING_DAYS: u16 = 365;

/// Which way a camera looks, as a constable standing beside it reads it off a phone's
/// compass: one of the eight points, which is as fine as a private camera's field of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Direction {
    /// North.
    North,
    /// North-east.
    NorthEast,
    /// East.
    East,
    /// South-east.
    SouthEast,
    /// South.
    South,
    /// South-west.
    SouthWest,
    /// West.
    West,
    /// North-west.
    NorthWest,
}

impl Direction {
    /// Every direction, clockwise from north.
    pub const ALL: [Direction; 8] = [
        Direction::North,
        Direction::NorthEast,
        Direction::East,
        Direction::SouthEast,
        Direction::South,
        Direction::SouthWest,
        Direction::West,
        Direction::NorthWest,
    ];

    /// Its stable code: `n`, `ne`, `e`, `se`, `s`, `sw`, `w`, `nw`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::North => "n",
            Direction::NorthEast => "ne",
            Direction::East => "e",
            Direction::SouthEast => "se",
            Direction::South => "s",
            Direction::SouthWest => "sw",
            Direction::West => "w",
            Direction::NorthWest => "nw",
        }
    }
}

impl std::fmt::Display for Direction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Direction {
    type Err = Invalid;

    /// A code in either case (`NE`, `ne`), with or without a hyphen (`n-e`).
    fn from_str(text: &str) -> Result<Self, Invalid> {
        let code: String = text
            .trim()
            .chars()
            .filter(|c| *c != '-')
            .flat_map(char::to_lowercase)
            .collect();
        if code.is_empty() {
            return Err(Invalid::new(Field::Direction, InvalidCode::Required));
        }
        Direction::ALL
            .into_iter()
            .find(|direction| direction.as_str() == code)
            .ok_or(Invalid::new(Field::Direction, InvalidCode::Unknown))
    }
}

/// Why a camera left the register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CameraRemoval {
    /// The owner asked for it to be taken off: their name and phone are erased.
    OwnerAsked,
    /// The camera was taken down or no longer works.
    Dismantled,
    /// Registered by mistake (twice, or in the wrong place).
    EnteredInError,
}

impl CameraRemoval {
    /// Every reason.
    pub const ALL: [CameraRemoval; 3] = [
        CameraRemoval::OwnerAsked,
        CameraRemoval::Dismantled,
        CameraRemoval::EnteredInError,
    ];

    /// Its stable code.
    pub fn as_str(self) -> &'static str {
        match self {
            CameraRemoval::OwnerAsked => "owner_asked",
            CameraRemoval::Dismantled => "dismantled",
            CameraRemoval::EnteredInError => "entered_in_error",
        }
    }
}

impl std::fmt::Display for CameraRemoval {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for CameraRemoval {
    type Err = Invalid;

    fn from_str(text: &str) -> Result<Self, Invalid> {
        CameraRemoval::ALL
            .into_iter()
            .find(|reason| reason.as_str() == text.trim())
            .ok_or(Invalid::new(Field::Reason, InvalidCode::Unknown))
    }
}

/// A camera's removal from the register, as its roster records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Removed {
    /// Why.
    pub reason: CameraRemoval,
    /// The removing device's clock, in milliseconds since the Unix epoch: a claim.
    pub at_ms: i64,
}

/// The camera form exactly as typed.
#[derive(Debug, Clone, Default, PartialEq)]
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
    /// What the camera covers (e.g. "चौक और बस स्टैंड").
    pub coverage: String,
    /// Which way it looks: a compass point's code (`n`, `ne`, …).
    pub direction: String,
    /// How many days of footage the recorder keeps, as typed (Devanagari digits too).
    pub recording_days: String,
}

/// A camera owner's personal fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CameraOwner {
    /// The owner's name.
    pub name: String,
    /// The owner's phone.
    pub phone: Phone,
}

/// A registered camera.
#[derive(Debug, Clone, PartialEq)]
pub struct Camera {
    /// Its id.
    pub id: CameraId,
    /// The owner, when this reader holds the camera's key; `None` when sealed.
    pub owner: Option<CameraOwner>,
    /// Latitude in decimal degrees.
    pub latitude: f64,
    /// Longitude in decimal degrees.
    pub longitude: f64,
    /// Village.
    pub village: LgdCode,
    /// What it covers.
    pub coverage: String,
    /// Which way it looks; `None` for a camera registered before this was asked.
    pub direction: Option<Direction>,
    /// Days of footage its recorder keeps; `None` for a camera registered before this was
    /// asked.
    pub recording_days: Option<u16>,
    /// Its removal from the register, once removed; its owner is then erased.
    pub removed: Option<Removed>,
    /// The owner's fields are in the roster but this reader lacks the camera's key: show
    /// them as sealed, not as missing.
    pub sealed: bool,
}

/// India's bounding box, generously: a camera outside it is a typing slip.
const LATITUDE_RANGE: std::ops::RangeInclusive<f64> = 6.0..=37.5;
const LONGITUDE_RANGE: std::ops::RangeInclusive<f64> = 68.0..=97.5;

impl CameraForm {
    /// Validates the form; every refused field is listed.
    pub fn validate(&self, id: CameraId) -> Result<Camera, super::Rejection> {
        let mut problems = Vec::new();
        let owner_name = clean_name(Field::OwnerName, &self.owner_name)
            .map_err(|e| problems.push(e))
            .ok();
        let owner_phone = parse_phone(Field::Phone, &self.owner_phone)
            .map_err(|e| problems.push(e))
            .ok();
        let village = parse_lgd_code(&self.village_lgd)
            .map_err(|e| problems.push(e))
            .ok();
        let coverage = clean_text(Field::Coverage, &self.coverage, MAX_COVERAGE_CHARS)
            .map_err(|e| problems.push(e))
            .ok();
        let direction = self
            .direction
            .parse::<Direction>()
            .map_err(|e| problems.push(e))
            .ok();
        let recording_days = parse_recording_days(&self.recording_days)
            .map_err(|e| problems.push(e))
            .ok();
        if !LATITUDE_RANGE.contains(&self.latitude) {
            problems.push(Invalid::new(Field::Latitude, InvalidCode::OutOfRange));
        }
        if !LONGITUDE_RANGE.contains(&self.longitude) {
            problems.push(Invalid::new(Field::Longitude, InvalidCode::OutOfRange));
        }
        match (
            owner_name,
            owner_phone,
            village,
            coverage,
            direction,
            recording_days,
        ) {
            (
                Some(owner_name),
                Some(owner_phone),
                Some(village),
                Some(coverage),
                Some(direction),
                Some(recording_days),
            ) if problems.is_empty() => Ok(Camera {
                id,
                owner: Some(CameraOwner {
                    name: owner_name,
                    phone: owner_phone,
                }),
                latitude: self.latitude,
                longitude: self.longitude,
                village,
                coverage,
                direction: Some(direction),
                recording_days: Some(recording_days),
                removed: None,
                sealed: false,
            }),
            _ => Err(super::Rejection { problems }),
        }
    }
}

/// Days of footage, 1 to [`MAX_RECORDING_DAYS`], typed in ASCII or Devanagari digits.
fn parse_recording_days(text: &str) -> Result<u16, Invalid> {
    let text = super::validate::ascii_digits(text.trim());
    if text.is_empty() {
        return Err(Invalid::new(Field::RecordingDays, InvalidCode::Required));
    }
    if !text.chars().all(|c| c.is_ascii_digit()) {
        return Err(Invalid::new(Field::RecordingDays, InvalidCode::BadFormat));
    }
    match text.parse::<u16>() {
        Ok(days) if (1..=MAX_RECORDING_DAYS).contains(&days) => Ok(days),
        _ => Err(Invalid::new(Field::RecordingDays, InvalidCode::OutOfRange)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> CameraForm {
        CameraForm {
            owner_name: "रमेश साहू".to_owned(),
            owner_phone: "9876543210".to_owned(),
            latitude: 21.19,
            longitude: 81.28,
            village_lgd: "433720".to_owned(),
            coverage: "चौक".to_owned(),
            direction: "NE".to_owned(),
            recording_days: "३०".to_owned(),
        }
    }

    fn refused(form: &CameraForm) -> Vec<(Field, InvalidCode)> {
        form.validate(CameraId::from_parts(1, 0))
            .expect_err("the form is refused")
            .problems
            .iter()
            .map(|problem| (problem.field, problem.code))
            .collect()
    }

    #[test]
    fn a_full_form_gives_direction_and_days() {
        let camera = form()
            .validate(CameraId::from_parts(1, 0))
            .expect("a valid form");
        assert_eq!(camera.direction, Some(Direction::NorthEast));
        assert_eq!(camera.recording_days, Some(30));
        assert_eq!(camera.removed, None);
    }

    #[test]
    fn directions_read_in_either_case_and_with_a_hyphen() {
        assert_eq!("n-w".parse::<Direction>(), Ok(Direction::NorthWest));
        assert_eq!(" S ".parse::<Direction>(), Ok(Direction::South));
        for direction in Direction::ALL {
            assert_eq!(direction.as_str().parse::<Direction>(), Ok(direction));
        }
    }

    #[test]
    fn a_wrong_direction_and_days_are_each_named() {
        let mut form = form();
        form.direction = "up".to_owned();
        form.recording_days = "0".to_owned();
        assert_eq!(
            refused(&form),
            vec![
                (Field::Direction, InvalidCode::Unknown),
                (Field::RecordingDays, InvalidCode::OutOfRange),
            ]
        );
        form.direction = String::new();
        form.recording_days = "30 din".to_owned();
        assert_eq!(
            refused(&form),
            vec![
                (Field::Direction, InvalidCode::Required),
                (Field::RecordingDays, InvalidCode::BadFormat),
            ]
        );
    }

    #[test]
    fn removal_reasons_round_trip() {
        for reason in CameraRemoval::ALL {
            assert_eq!(reason.as_str().parse::<CameraRemoval>(), Ok(reason));
        }
        assert!("lost".parse::<CameraRemoval>().is_err());
    }
}
