//! Community-policing programmes a volunteer can join; districts may add their own.

use std::fmt;
use std::str::FromStr;

use super::invalid::{Field, Invalid, InvalidCode};

/// A programme code such as `cyber_mitan`. The built-in ones come from the state orders in the
/// domain brief; a district may add its own code of 2–32 lowercase letters, digits or `_`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Programme(String);

impl Programme {
    /// The programmes every district knows.
    pub const BUILT_IN: [&'static str; 7] = [
        "cyber_mitan",
        "police_mitan",
        "police_mitra",
        "cyber_prahari",
        "gram_rakshak",
        "suraksha_sakhi",
        "clg_member",
    ];

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is one of [`Programme::BUILT_IN`] rather than a district's own.
    pub fn is_built_in(&self) -> bool {
        Self::BUILT_IN.contains(&self.0.as_str())
    }
}

impl FromStr for Programme {
    type Err = Invalid;
    fn from_str(input: &str) -> Result<Self, Invalid> {
        let code = input.trim().to_ascii_lowercase();
        let well_formed = (2..=32).contains(&code.len())
            && code.starts_with(|c: char| c.is_ascii_lowercase())
            && code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if code.is_empty() {
            Err(Invalid::new(Field::Programmes, InvalidCode::Required))
        } else if well_formed {
            Ok(Programme(code))
        } else {
            Err(Invalid::new(Field::Programmes, InvalidCode::BadFormat))
        }
    }
}

impl fmt::Display for Programme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A programme of the district's list, with its names: the programmes a phone offers, and the
/// only codes it accepts once it holds the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistrictProgramme {
    /// The code.
    pub code: Programme,
    /// Its name in Hindi.
    pub name_hi: String,
    /// Its name in English.
    pub name_en: String,
}

impl DistrictProgramme {
    /// A programme as received or typed, its code parsed and its names cleaned as every label
    /// an officer types.
    pub fn checked(code: &str, name_hi: &str, name_en: &str) -> Result<Self, Invalid> {
        let label = |name: &str| {
            super::validate::clean_label(Field::Programmes, name, super::validate::MAX_LABEL_CHARS)
        };
        Ok(DistrictProgramme {
            code: code.parse()?,
            name_hi: label(name_hi)?,
            name_en: label(name_en)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_and_district_programmes_parse() {
        let cyber: Programme = " Cyber_Mitan ".parse().expect("built-in code");
        assert!(cyber.is_built_in());
        let own: Programme = "durg_trinayan".parse().expect("district code");
        assert!(!own.is_built_in());
    }

    #[test]
    fn malformed_programme_codes_are_refused() {
        for bad in ["x", "1abc", "cyber mitan", "साइबर", &"a".repeat(40)] {
            assert_eq!(
                bad.parse::<Programme>(),
                Err(Invalid::new(Field::Programmes, InvalidCode::BadFormat)),
                "{bad}"
            );
        }
    }
}
