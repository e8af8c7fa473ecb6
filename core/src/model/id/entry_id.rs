//! `EntryId`: which roster entry a data key belongs to, a volunteer or a camera.

use super::{CameraId, VolunteerId};

/// A roster entry that holds personal fields of its own, each entry under its own data key:
/// a volunteer (their name, phone, household, guardian) or a private camera (its owner's name
/// and phone). The kind is part of the identity: ids of the two kinds are minted
/// independently, so the same ULID could name one of each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntryId {
    /// A volunteer's entry.
    Volunteer(VolunteerId),
    /// A camera's entry.
    Camera(CameraId),
}

impl EntryId {
    /// The kind as stored beside keys: `volunteer` or `camera`.
    pub fn kind(&self) -> &'static str {
        match self {
            EntryId::Volunteer(_) => "volunteer",
            EntryId::Camera(_) => "camera",
        }
    }

    /// The sixteen bytes of the id, without the kind.
    pub fn to_bytes(self) -> [u8; 16] {
        match self {
            EntryId::Volunteer(id) => id.to_bytes(),
            EntryId::Camera(id) => id.to_bytes(),
        }
    }

    /// The entry of `kind` (as [`EntryId::kind`] names it) with the id written as `id`, or
    /// `None` when either does not parse.
    pub fn parse(kind: &str, id: &str) -> Option<Self> {
        match kind {
            "volunteer" => id.parse().ok().map(EntryId::Volunteer),
            "camera" => id.parse().ok().map(EntryId::Camera),
            _ => None,
        }
    }

    /// The volunteer's id, if this is a volunteer's entry.
    pub fn volunteer(&self) -> Option<VolunteerId> {
        match self {
            EntryId::Volunteer(id) => Some(*id),
            EntryId::Camera(_) => None,
        }
    }

    /// The camera's id, if this is a camera's entry.
    pub fn camera(&self) -> Option<CameraId> {
        match self {
            EntryId::Camera(id) => Some(*id),
            EntryId::Volunteer(_) => None,
        }
    }
}

impl std::fmt::Display for EntryId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EntryId::Volunteer(id) => write!(f, "volunteer {id}"),
            EntryId::Camera(id) => write!(f, "camera {id}"),
        }
    }
}

impl From<VolunteerId> for EntryId {
    fn from(id: VolunteerId) -> Self {
        EntryId::Volunteer(id)
    }
}

impl From<CameraId> for EntryId {
    fn from(id: CameraId) -> Self {
        EntryId::Camera(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_volunteer_and_a_camera_with_the_same_ulid_are_different_entries() {
        let volunteer = EntryId::from(VolunteerId::from_parts(1_763_900_000_000, 7));
        let camera = EntryId::from(CameraId::from_parts(1_763_900_000_000, 7));
        assert_eq!(volunteer.to_bytes(), camera.to_bytes());
        assert_ne!(volunteer, camera);
        let written = camera.camera().expect("a camera").to_string();
        assert_eq!(EntryId::parse(camera.kind(), &written), Some(camera));
        assert_eq!(EntryId::parse("volunteer", &written), Some(volunteer));
        assert_eq!(EntryId::parse("household", &written), None);
        assert_eq!(EntryId::parse("camera", "not an id"), None);
    }
}
