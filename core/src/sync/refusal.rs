//! Why a server refuses an offered change, as one enum whose codes are what protocol 4 carries
//! in `RejectedChange::reason`. The phone, the reference hub and the server all name a refusal
//! through it, so a code cannot be misspelt on one side only.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result};

/// Why one offered change was not stored. Each has a stable snake_case code ([`Refusal::as_str`]);
/// a code is never renamed or reused, since phones of older builds read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Refusal {
    /// `undecodable`: the bytes are not a change.
    Undecodable,
    /// `missing_dependency`: the change's dependencies are neither in the roster nor earlier
    /// in the offer (often because one of them was refused).
    MissingDependency,
    /// `oversize_change`: the change is far larger than anything Mitan writes.
    OversizeChange,
    /// `outside_layout`: the change writes outside the roster's layout (the document's root).
    OutsideLayout,
    /// `read_only`: the sending device belongs to an auditor, who may read but not write.
    ReadOnly,
    /// `forged_actor`: the change's actor is not the one registered to the sending device.
    ForgedActor,
    /// `unsigned`: the change carries no signature, or its device registered no key to check
    /// one with (a device registered before keys were must register again).
    Unsigned,
    /// `bad_signature`: the signature is not the sending device's key's signature of this
    /// change.
    BadSignature,
    /// `beat_mismatch`: the change enrols or edits a volunteer of another beat than the
    /// roster's.
    BeatMismatch,
    /// `invalid_entry`: the change writes an entry that does not read back, or whose personal
    /// fields a phone's validation would have refused (a 10,000-character name, a right-to-left
    /// override, a name in plain text): the sending phone's software was altered.
    InvalidEntry,
    /// `village_outside_beat`: the change writes a volunteer or camera in a village the
    /// district's directory does not list under the roster's beat (or an LGD code in no
    /// district).
    VillageOutsideBeat,
}

impl Refusal {
    /// Every refusal, in declaration order.
    pub const ALL: [Refusal; 11] = [
        Refusal::Undecodable,
        Refusal::MissingDependency,
        Refusal::OversizeChange,
        Refusal::OutsideLayout,
        Refusal::ReadOnly,
        Refusal::ForgedActor,
        Refusal::Unsigned,
        Refusal::BadSignature,
        Refusal::BeatMismatch,
        Refusal::InvalidEntry,
        Refusal::VillageOutsideBeat,
    ];

    /// The stable code, as sent on the wire.
    ///
    /// ```
    /// use mitan_core::sync::Refusal;
    /// assert_eq!(Refusal::BeatMismatch.as_str(), "beat_mismatch");
    /// assert_eq!("beat_mismatch".parse::<Refusal>().ok(), Some(Refusal::BeatMismatch));
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Refusal::Undecodable => "undecodable",
            Refusal::MissingDependency => "missing_dependency",
            Refusal::OversizeChange => "oversize_change",
            Refusal::OutsideLayout => "outside_layout",
            Refusal::ReadOnly => "read_only",
            Refusal::ForgedActor => "forged_actor",
            Refusal::Unsigned => "unsigned",
            Refusal::BadSignature => "bad_signature",
            Refusal::BeatMismatch => "beat_mismatch",
            Refusal::InvalidEntry => "invalid_entry",
            Refusal::VillageOutsideBeat => "village_outside_beat",
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Refusal {
    type Err = Error;

    /// Parses a code. A code this build does not know (sent by a newer server) is an error
    /// here; the wire keeps the code as a string, so such a reply still decodes.
    fn from_str(code: &str) -> Result<Self> {
        Refusal::ALL
            .into_iter()
            .find(|refusal| refusal.as_str() == code)
            .ok_or_else(|| Error::Decode {
                what: "refusal",
                reason: format!("unknown code {code:?}"),
            })
    }
}

// Serialised by hand as its code string rather than derived with `rename_all`: a derived unit
// variant is written as its index by postcard, which would differ from the string that
// protocol 4 carries and shift with every variant added.
impl Serialize for Refusal {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Refusal {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        code.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_parses_back_to_its_refusal() {
        for refusal in Refusal::ALL {
            assert_eq!(refusal.as_str().parse::<Refusal>().ok(), Some(refusal));
            assert_eq!(refusal.to_string(), refusal.as_str());
        }
    }

    #[test]
    fn codes_are_distinct_snake_case() {
        let codes: std::collections::BTreeSet<&str> = Refusal::ALL
            .iter()
            .map(|refusal| refusal.as_str())
            .collect();
        assert_eq!(codes.len(), Refusal::ALL.len());
        assert!(
            codes
                .iter()
                .all(|code| { code.chars().all(|c| c.is_ascii_lowercase() || c == '_') })
        );
    }

    #[test]
    fn a_refusal_encodes_in_postcard_as_its_code_string() {
        for refusal in Refusal::ALL {
            let typed = postcard::to_stdvec(&refusal).expect("encodes");
            let plain = postcard::to_stdvec(&refusal.as_str().to_owned()).expect("encodes");
            assert_eq!(typed, plain, "{refusal}");
            let back: Refusal = postcard::from_bytes(&plain).expect("decodes");
            assert_eq!(back, refusal);
        }
    }

    #[test]
    fn an_unknown_code_is_refused_by_the_parser_not_a_panic() {
        assert!("sealed_by_moonlight".parse::<Refusal>().is_err());
        let bytes = postcard::to_stdvec("sealed_by_moonlight").expect("encodes");
        assert!(postcard::from_bytes::<Refusal>(&bytes).is_err());
    }
}
