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
        if !LATITUDE_RANGE.contains(&self.latitude) {
            problems.push(Invalid::new(Field::Latitude, InvalidCode::OutOfRange));
        }
        if !LONGITUDE_RANGE.contains(&self.longitude) {
            problems.push(Invalid::new(Field::Longitude, InvalidCode::OutOfRange));
        }
        match (owner_name, owner_phone, village, coverage) {
            (Some(owner_name), Some(owner_phone), Some(village), Some(coverage))
                if problems.is_empty() =>
            {
                Ok(Camera {
                    id,
                    owner: Some(CameraOwner {
                        name: owner_name,
                        phone: owner_phone,
                    }),
                    latitude: self.latitude,
                    longitude: self.longitude,
                    village,
                    coverage,
                    sealed: false,
                })
            }
            _ => Err(super::Rejection { problems }),
        }
    }
}
