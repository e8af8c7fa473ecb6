//! Identifier newtypes, one per file, so that a volunteer id can never be passed where a
//! camera id or a badge number is expected.

mod badge_number;
mod camera_id;
mod device_id;
mod entry_id;
mod roster_id;
mod unit_code;
mod volunteer_id;

pub use badge_number::BadgeNumber;
pub use camera_id::CameraId;
pub use device_id::DeviceId;
pub use entry_id::EntryId;
pub use roster_id::RosterId;
pub use unit_code::UnitCode;
pub use volunteer_id::VolunteerId;

use super::invalid::{Field, Invalid, InvalidCode};

/// Checks a short ASCII code typed or imported by people: trimmed, 1 to `max` characters of
/// letters, digits, `-`, `_` and `/`. Shared by unit codes, badge numbers and device ids,
/// which all come from police registers that use exactly these characters.
fn parse_code(field: Field, input: &str, max: usize) -> Result<String, Invalid> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(Invalid::new(field, InvalidCode::Required));
    }
    if trimmed.chars().count() > max {
        return Err(Invalid::new(field, InvalidCode::TooLong));
    }
    if !trimmed
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/'))
    {
        return Err(Invalid::new(field, InvalidCode::BadFormat));
    }
    Ok(trimmed.to_owned())
}

/// Declares a newtype over a validated code string with `Display`, `FromStr` and `as_str`.
/// Serde for an id: as the text people see (`Display`), read back by its own `FromStr`, so
/// ids cross JSON parsed by the same rules as everywhere else.
macro_rules! text_serde {
    ($name:ident) => {
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}
use text_serde;

macro_rules! code_newtype {
    ($(#[$doc:meta])* $name:ident, $field:expr, $max:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Validates and wraps `input`, naming the field it came from on failure.
            pub fn parse_as(field: $crate::model::Field, input: &str) -> Result<Self, $crate::model::Invalid> {
                super::parse_code(field, input, $max).map($name)
            }

            /// The code as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::model::Invalid;
            fn from_str(input: &str) -> Result<Self, Self::Err> {
                Self::parse_as($field, input)
            }
        }
        super::text_serde!($name);
    };
}
use code_newtype;

/// Declares a newtype over a ULID: 128 bits, made offline from the device clock and 80 random
/// bits supplied by the caller, so two phones never mint the same id.
macro_rules! ulid_newtype {
    ($(#[$doc:meta])* $name:ident, $field:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(ulid::Ulid);

        impl $name {
            /// Makes an id from the device clock (milliseconds since the Unix epoch) and
            /// randomness the caller draws; the model itself owns neither a clock nor a random
            /// source.
            pub fn from_parts(device_clock_ms: u64, random: u128) -> Self {
                $name(ulid::Ulid::from_parts(device_clock_ms, random))
            }

            /// The device clock the id was minted at, in milliseconds since the Unix epoch:
            /// a claim, as every device clock is.
            pub fn minted_at_ms(self) -> i64 {
                i64::try_from(self.0.timestamp_ms()).unwrap_or(i64::MAX)
            }

            /// The sixteen bytes of the id.
            pub fn to_bytes(self) -> [u8; 16] {
                self.0.to_bytes()
            }

            /// The id with these ULID bytes.
            pub fn from_bytes(bytes: [u8; 16]) -> Self {
                $name(ulid::Ulid::from_bytes(bytes))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                let mut buffer = [0u8; ulid::ULID_LEN];
                f.write_str(self.0.array_to_str(&mut buffer))
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::model::Invalid;
            fn from_str(input: &str) -> Result<Self, Self::Err> {
                ulid::Ulid::from_string(input.trim()).map($name).map_err(|_| {
                    $crate::model::Invalid::new($field, $crate::model::InvalidCode::BadFormat)
                })
            }
        }
        super::text_serde!($name);
    };
}
use ulid_newtype;
