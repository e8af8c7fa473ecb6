//! Who is calling and what they may do: roles, device credentials, registration codes, and
//! the authorization rules for rosters.
//!
//! Credentials are 32 random bytes and only their SHA-256 is stored. A slow password hash
//! (argon2) defends guessable secrets; a 256-bit random credential cannot be guessed, and a
//! fast hash keeps the lookup on every sync cheap. Registration codes are shorter so a person
//! can read them out, which is why they are one-time and expire within hours.

use std::fmt;
use std::str::FromStr;

use mitan_core::model::{BadgeNumber, DeviceId, RosterId, UnitCode, UnitKind};
use mitan_core::provenance::PublicKey;
use sha2::{Digest, Sha256};

use crate::error::{Error, Problem, Result};
use crate::store::{ServerStore, User};

/// A police employee's role in Mitan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Enrols volunteers in their beats.
    Constable,
    /// Runs a station: reviews its rosters and registers its constables' phones.
    StationIncharge,
    /// Oversees the stations of a circle.
    CircleOfficer,
    /// The district's administrator (the SP's office).
    DistrictAdmin,
    /// Reads everything in the district and writes nothing.
    Auditor,
    /// A range's inspector general: follows the districts of the range and writes nothing.
    RangeIg,
    /// The state HQ's monitoring cell (the DGP's): follows every unit of the state and writes
    /// nothing.
    StateMonitor,
    /// The state's administrator: state and range staff, the state's campaigns and targets,
    /// and the state's groups.
    StateAdmin,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 8] = [
        Role::Constable,
        Role::StationIncharge,
        Role::CircleOfficer,
        Role::DistrictAdmin,
        Role::Auditor,
        Role::RangeIg,
        Role::StateMonitor,
        Role::StateAdmin,
    ];

    /// The stable identifier of this role.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Constable => "constable",
            Role::StationIncharge => "station_incharge",
            Role::CircleOfficer => "circle_officer",
            Role::DistrictAdmin => "district_admin",
            Role::Auditor => "auditor",
            Role::RangeIg => "range_ig",
            Role::StateMonitor => "state_monitor",
            Role::StateAdmin => "state_admin",
        }
    }

    /// The kind of unit a user of this role is attached to.
    pub fn unit_kind(self) -> UnitKind {
        match self {
            Role::Constable | Role::StationIncharge => UnitKind::Station,
            Role::CircleOfficer => UnitKind::Circle,
            Role::DistrictAdmin | Role::Auditor => UnitKind::District,
            Role::RangeIg => UnitKind::Range,
            Role::StateMonitor | Role::StateAdmin => UnitKind::State,
        }
    }

    /// Whether this role may register devices and revoke them within its unit.
    pub fn manages_devices(self) -> bool {
        matches!(
            self,
            Role::StationIncharge | Role::CircleOfficer | Role::DistrictAdmin | Role::StateAdmin
        )
    }

    /// Whether this role only reads: it changes no roster, setting or record of anyone's
    /// (an auditor, a range IG, the state's monitoring cell).
    pub fn reads_only(self) -> bool {
        matches!(self, Role::Auditor | Role::RangeIg | Role::StateMonitor)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = Error;
    fn from_str(input: &str) -> Result<Self> {
        let wanted = input.trim().to_ascii_lowercase();
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == wanted)
            .ok_or_else(|| Error::invalid("role", Problem::unreadable(input, "a role")))
    }
}

/// An authenticated device and the person it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The device.
    pub device: DeviceId,
    /// The Automerge actor registered to the device.
    pub actor: [u8; 16],
    /// The public key registered to the device, which its changes must be signed with.
    pub public_key: Option<PublicKey>,
    /// Its user.
    pub user: User,
}

impl Caller {
    /// Whether this caller may sync `roster`. A roster is a beat's: constables reach only the
    /// beats they work, everyone else the beats under their unit.
    pub fn may_sync(&self, store: &ServerStore, roster: &RosterId) -> Result<bool> {
        let beat: UnitCode = match roster.as_str().parse() {
            Ok(beat) => beat,
            Err(_) => return Ok(false),
        };
        if store.unit_kind(&beat)? != Some(UnitKind::Beat) {
            return Ok(false);
        }
        match self.user.role {
            Role::Constable => Ok(self.user.beats.contains(&beat)),
            _ => store.unit_is_within(&beat, &self.user.unit),
        }
    }

    /// Whether this caller may manage (issue codes for, revoke the devices of) `user`.
    pub fn may_manage(&self, store: &ServerStore, user: &User) -> Result<bool> {
        if !self.user.role.manages_devices() {
            return Ok(false);
        }
        store.unit_is_within(&user.unit, &self.user.unit)
    }

    /// Whether changes from this caller may enter rosters at all.
    pub fn writes(&self) -> bool {
        !self.user.role.reads_only()
    }
}

/// Draws `N` bytes from the operating system's random source.
pub fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes)
        .map_err(|error| Error::Io(std::io::Error::other(error.to_string())))?;
    Ok(bytes)
}

/// The stored form of a secret.
pub fn hash_secret(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// A new device credential, as the device will present it.
pub fn new_credential() -> Result<String> {
    Ok(hex::encode(random_bytes::<32>()?))
}

/// A new registration code, grouped in fours so that it can be read out over a phone call.
pub fn new_registration_code() -> Result<String> {
    let text = hex::encode(random_bytes::<6>()?);
    Ok(format!("{}-{}-{}", &text[..4], &text[4..8], &text[8..]))
}

/// A registration code as typed: dashes, spaces and case do not matter.
pub fn normalize_code(typed: &str) -> String {
    typed
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// A new device id.
pub fn new_device_id() -> Result<DeviceId> {
    let text = format!("dev-{}", hex::encode(random_bytes::<8>()?));
    text.parse().map_err(|_| Error::Corrupt {
        what: "device id",
        reason: "generated id is not a valid device id".into(),
    })
}

/// Reads the credential from an `Authorization: Bearer …` header value.
pub fn bearer(header: Option<&str>) -> Result<&str> {
    let value = header.ok_or(Error::Unauthorized)?;
    let (scheme, token) = value.trim().split_once(' ').ok_or(Error::Unauthorized)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(Error::Unauthorized);
    }
    Ok(token.trim())
}

/// Looks up the device presenting `credential`; unknown and revoked devices are refused alike.
pub fn authenticate(store: &ServerStore, credential: &str) -> Result<Caller> {
    let device = store
        .load_device_by_credential(&hash_secret(credential))?
        .ok_or(Error::Unauthorized)?;
    if device.revoked {
        return Err(Error::Unauthorized);
    }
    let user = store.load_user(&device.badge)?.ok_or(Error::Unauthorized)?;
    Ok(Caller {
        device: device.id,
        actor: device.actor,
        public_key: device.public_key,
        user,
    })
}

/// The badge as given on the command line or in a request.
pub fn parse_badge(input: &str) -> Result<BadgeNumber> {
    input
        .parse()
        .map_err(|_| Error::invalid("badge", Problem::unreadable(input, "a badge number")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registration_codes_match_however_they_are_typed() {
        let code = new_registration_code().expect("randomness");
        let typed = code.to_ascii_uppercase().replace('-', " ");
        assert_eq!(
            hash_secret(&normalize_code(&code)),
            hash_secret(&normalize_code(&typed))
        );
    }

    #[test]
    fn a_bearer_header_without_a_token_is_refused() {
        assert!(bearer(None).is_err());
        assert!(bearer(Some("Bearer ")).is_err());
        assert!(bearer(Some("Basic abc")).is_err());
        assert_eq!(bearer(Some("Bearer abc")).expect("token"), "abc");
    }

    #[test]
    fn roles_parse_their_own_names() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().expect("parses"), role);
        }
        assert!("sp".parse::<Role>().is_err());
    }
}
