//! The police hierarchy: state → zone → range → district → circle → station → outpost → beat →
//! village. Zones are optional: a state without them hangs its ranges directly under itself.

use std::fmt;
use std::str::FromStr;

use super::id::UnitCode;
use super::invalid::{Field, Invalid, InvalidCode};
use super::validate::{LgdCode, MAX_LABEL_CHARS};

/// The level of a unit in the hierarchy, from the top down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum UnitKind {
    /// A state (its police headquarters).
    State,
    /// A zone of several ranges, headed by an ADG or IG (not every state has them).
    Zone,
    /// A range, headed by an IG.
    Range,
    /// A district, headed by an SP.
    District,
    /// A circle, headed by a circle officer.
    Circle,
    /// A police station (thana).
    Station,
    /// An outpost (OP) under a station.
    Outpost,
    /// A beat: the patch of villages one constable covers.
    Beat,
    /// A village, identified by its LGD code.
    Village,
}

impl UnitKind {
    /// Every kind, from the top of the hierarchy down.
    pub const ALL: [UnitKind; 9] = [
        UnitKind::State,
        UnitKind::Zone,
        UnitKind::Range,
        UnitKind::District,
        UnitKind::Circle,
        UnitKind::Station,
        UnitKind::Outpost,
        UnitKind::Beat,
        UnitKind::Village,
    ];

    /// The stable identifier of this kind.
    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::State => "state",
            UnitKind::Zone => "zone",
            UnitKind::Range => "range",
            UnitKind::District => "district",
            UnitKind::Circle => "circle",
            UnitKind::Station => "station",
            UnitKind::Outpost => "outpost",
            UnitKind::Beat => "beat",
            UnitKind::Village => "village",
        }
    }

    /// Whether a unit of this kind may sit directly under a unit of `parent` kind. Outposts are
    /// optional, so a beat may hang off a station or an outpost; zones are too, so a range may
    /// hang off a zone or the state.
    pub fn may_sit_under(self, parent: UnitKind) -> bool {
        matches!(
            (parent, self),
            (UnitKind::State, UnitKind::Zone)
                | (UnitKind::State, UnitKind::Range)
                | (UnitKind::Zone, UnitKind::Range)
                | (UnitKind::Range, UnitKind::District)
                | (UnitKind::District, UnitKind::Circle)
                | (UnitKind::Circle, UnitKind::Station)
                | (UnitKind::Station, UnitKind::Outpost)
                | (UnitKind::Station, UnitKind::Beat)
                | (UnitKind::Outpost, UnitKind::Beat)
                | (UnitKind::Beat, UnitKind::Village)
        )
    }
}

impl fmt::Display for UnitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for UnitKind {
    type Err = Invalid;
    fn from_str(input: &str) -> Result<Self, Invalid> {
        let wanted = input.trim().to_ascii_lowercase();
        UnitKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == wanted)
            .ok_or(Invalid::new(Field::UnitCode, InvalidCode::Unknown))
    }
}

/// One unit of the hierarchy with its names in Hindi and English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// Its level.
    pub kind: UnitKind,
    /// Its code in the district's register.
    pub code: UnitCode,
    /// Its name in Hindi (Devanagari).
    pub name_hi: String,
    /// Its name in English.
    pub name_en: String,
    /// The unit it sits under; `None` only for a state.
    pub parent: Option<UnitCode>,
    /// The village's Local Government Directory code; set for villages and only for them.
    pub lgd_code: Option<LgdCode>,
}

/// A village of one of the phone's beats, as the district's directory lists it: what the
/// enrolment form offers by name, so nobody types a six-digit code from memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Village {
    /// Its Local Government Directory code, which the enrolment records.
    pub lgd_code: LgdCode,
    /// Its name in Hindi.
    pub name_hi: String,
    /// Its name in English.
    pub name_en: String,
}

impl Village {
    /// A village as received, with its code parsed and its names cleaned as the server
    /// cleaned them when the hierarchy was imported.
    pub fn checked(lgd_code: &str, name_hi: &str, name_en: &str) -> Result<Village, Invalid> {
        Ok(Village {
            lgd_code: lgd_code.parse()?,
            name_hi: super::validate::clean_label(Field::UnitName, name_hi, MAX_LABEL_CHARS)?,
            name_en: super::validate::clean_label(Field::UnitName, name_en, MAX_LABEL_CHARS)?,
        })
    }
}

impl Unit {
    /// Cleans both names as every label an officer types is cleaned
    /// ([`clean_label`](super::validate::clean_label)); a blank name stays blank. Refused,
    /// the name's field (`name_hi` or `name_en`) and why.
    pub fn clean_names(&mut self) -> Result<(), (&'static str, Invalid)> {
        for (column, name) in [
            ("name_hi", &mut self.name_hi),
            ("name_en", &mut self.name_en),
        ] {
            if name.trim().is_empty() {
                name.clear();
                continue;
            }
            *name = super::validate::clean_label(Field::UnitName, name, MAX_LABEL_CHARS)
                .map_err(|invalid| (column, invalid))?;
        }
        Ok(())
    }

    /// Checks the invariants that do not need the rest of the hierarchy: names present, an LGD
    /// code exactly when the unit is a village, and a parent unless it is a state.
    pub fn check(&self) -> Result<(), Invalid> {
        if self.name_hi.trim().is_empty() && self.name_en.trim().is_empty() {
            return Err(Invalid::new(Field::UnitCode, InvalidCode::Required));
        }
        match (self.kind, self.lgd_code) {
            (UnitKind::Village, None) => {
                return Err(Invalid::new(Field::Village, InvalidCode::Required));
            }
            (kind, Some(_)) if kind != UnitKind::Village => {
                return Err(Invalid::new(Field::Village, InvalidCode::BadFormat));
            }
            _ => {}
        }
        if self.parent.is_none() && self.kind != UnitKind::State {
            return Err(Invalid::new(Field::UnitCode, InvalidCode::Required));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beats_sit_under_stations_or_outposts_only() {
        assert!(UnitKind::Beat.may_sit_under(UnitKind::Station));
        assert!(UnitKind::Beat.may_sit_under(UnitKind::Outpost));
        assert!(!UnitKind::Beat.may_sit_under(UnitKind::Circle));
        assert!(!UnitKind::Village.may_sit_under(UnitKind::Station));
    }

    #[test]
    fn ranges_sit_under_zones_or_the_state_and_zones_under_the_state_only() {
        assert!(UnitKind::Range.may_sit_under(UnitKind::Zone));
        assert!(UnitKind::Range.may_sit_under(UnitKind::State));
        assert!(UnitKind::Zone.may_sit_under(UnitKind::State));
        assert!(!UnitKind::Zone.may_sit_under(UnitKind::Range));
        assert!(!UnitKind::District.may_sit_under(UnitKind::Zone));
        assert!(UnitKind::State < UnitKind::Zone && UnitKind::Zone < UnitKind::Range);
    }

    #[test]
    fn a_village_without_lgd_code_is_refused() {
        let village = Unit {
            kind: UnitKind::Village,
            code: "V-1".parse().expect("literal code is valid"),
            name_hi: "सिरगिट्टी".into(),
            name_en: "Sirgitti".into(),
            parent: Some("B-1".parse().expect("literal code is valid")),
            lgd_code: None,
        };
        assert_eq!(
            village.check(),
            Err(Invalid::new(Field::Village, InvalidCode::Required))
        );
    }

    #[test]
    fn unit_kind_parses_its_own_names() {
        for kind in UnitKind::ALL {
            assert_eq!(kind.as_str().parse::<UnitKind>(), Ok(kind));
        }
        assert!("thana".parse::<UnitKind>().is_err());
    }
}
