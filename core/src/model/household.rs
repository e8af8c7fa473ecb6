//! A volunteer's household: a house number and a family name, and the key that tells two
//! descriptions of one household apart from two households (Bilaspur's rule: one volunteer
//! per household).
//!
//! The household stays one sealed personal field (`household`), written as
//! `<house number>; <family name>` when the form gives the two apart, or as the constable
//! typed it on builds before. Either way [`household_key`] reads the house number (digits in
//! Devanagari or ASCII, a letter or `/` part after them) and the family name (by the
//! cross-script sound-alike key of names), so `मकान 12` and `मकान नं. १२, पटेल परिवार` are one
//! household and `House 12` in another village is not (a key is compared within a village).

use super::invalid::{Field, Invalid, InvalidCode};
use super::validate::{ascii_digits, clean_text, phonetic_key};

/// Longest house number, in characters.
pub const MAX_HOUSE_NUMBER_CHARS: usize = 20;
/// Longest family name, in characters.
pub const MAX_FAMILY_NAME_CHARS: usize = 60;

/// What separates the house number from the family name in the stored text. Neither part
/// may hold it.
const SEPARATOR: &str = "; ";

/// Words that say "house", "number", "family" and the like, in Hindi and English, which a
/// free description puts around the number and the name.
const FILLER_WORDS: &[&str] = &[
    "मकान",
    "मक़ान",
    "घर",
    "नं",
    "नं.",
    "न.",
    "नंबर",
    "नम्बर",
    "क्र",
    "क्र.",
    "क्रमांक",
    "परिवार",
    "का",
    "की",
    "के",
    "house",
    "h",
    "h.",
    "no",
    "no.",
    "number",
    "hno",
    "h.no",
    "h.no.",
    "family",
    "of",
    "makan",
    "makaan",
    "ghar",
    "parivar",
    "pariwar",
];

/// A household as the form gives it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Household {
    /// The house number (`12`, `१२/३`, `45A`), if known.
    pub house_number: Option<String>,
    /// The family name (`पटेल`, `Sahu`), if known.
    pub family_name: Option<String>,
}

impl Household {
    /// Checks the two parts as typed; at least one is required. Every refused part is named.
    pub fn parse(house_number: &str, family_name: &str) -> Result<Self, Vec<Invalid>> {
        let mut problems = Vec::new();
        let mut part = |text: &str, field: Field, longest: usize| -> Option<String> {
            if text.trim().is_empty() {
                return None;
            }
            match clean_text(field, text, longest) {
                Ok(clean) if clean.contains(';') => {
                    problems.push(Invalid::new(field, InvalidCode::BadCharacter));
                    None
                }
                Ok(clean) => Some(clean),
                Err(invalid) => {
                    problems.push(invalid);
                    None
                }
            }
        };
        let household = Household {
            house_number: part(house_number, Field::HouseNumber, MAX_HOUSE_NUMBER_CHARS),
            family_name: part(family_name, Field::FamilyName, MAX_FAMILY_NAME_CHARS),
        };
        if let Some(number) = &household.house_number
            && !ascii_digits(number).chars().any(|c| c.is_ascii_digit())
        {
            problems.push(Invalid::new(Field::HouseNumber, InvalidCode::BadFormat));
        }
        if problems.is_empty()
            && household.house_number.is_none()
            && household.family_name.is_none()
        {
            problems.push(Invalid::new(Field::Household, InvalidCode::Required));
        }
        if problems.is_empty() {
            Ok(household)
        } else {
            Err(problems)
        }
    }

    /// The text stored as the `household` personal field.
    pub fn encode(&self) -> String {
        match (&self.house_number, &self.family_name) {
            (Some(number), Some(family)) => format!("{number}{SEPARATOR}{family}"),
            (Some(number), None) => number.clone(),
            (None, Some(family)) => format!("{SEPARATOR}{family}"),
            (None, None) => String::new(),
        }
    }

    /// Reads a stored household: the two parts when written apart, or a free description
    /// (`मकान नं. 12, पटेल परिवार`) taken apart into its number and the words around it.
    pub fn decode(text: &str) -> Self {
        if let Some((number, family)) = text.split_once(SEPARATOR.trim_end()) {
            let some = |part: &str| Some(part.trim().to_owned()).filter(|part| !part.is_empty());
            return Household {
                house_number: some(number),
                family_name: some(family),
            };
        }
        let mut house_number = None;
        let mut family = Vec::new();
        for word in text
            .split(|c: char| c.is_whitespace() || c == ',' || c == ':')
            .filter(|word| !word.is_empty())
        {
            let ascii = ascii_digits(word);
            if house_number.is_none() && ascii.chars().any(|c| c.is_ascii_digit()) {
                house_number = Some(word.to_owned());
            } else if !FILLER_WORDS.contains(&word.to_lowercase().as_str()) {
                family.push(word);
            }
        }
        Household {
            house_number,
            family_name: Some(family.join(" ")).filter(|family| !family.is_empty()),
        }
    }
}

/// The key of the household `text` describes, compared within one village: `h:<number>` when
/// it gives a house number (digits made ASCII, letters lowercased, `नं.`-style prefixes
/// dropped), else `f:<sound-alike key>` of its family name; `None` when it gives neither.
///
/// A house number wins over a family name: one house is one household, however its family
/// is written, and a village's house numbers are its own.
pub fn household_key(text: &str) -> Option<String> {
    let household = Household::decode(text);
    if let Some(number) = household.house_number {
        let ascii = ascii_digits(&number).to_lowercase();
        // From the first digit on: "H12" and "12" are one house, "12-A" and "12a" too.
        let from_digit = ascii.trim_start_matches(|c: char| !c.is_ascii_digit());
        let key: String = from_digit
            .chars()
            .filter(|c| c.is_alphanumeric() || *c == '/')
            .collect();
        if !key.is_empty() {
            return Some(format!("h:{key}"));
        }
    }
    let family = household.family_name?;
    let key = phonetic_key(&family);
    (!key.is_empty()).then(|| format!("f:{key}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_house_described_two_ways_has_one_key() {
        assert_eq!(household_key("मकान 12"), Some("h:12".to_owned()));
        assert_eq!(
            household_key("मकान नं. १२, पटेल परिवार"),
            household_key("मकान 12")
        );
        assert_eq!(
            household_key("House No. 12, Patel family"),
            Some("h:12".to_owned())
        );
        assert_eq!(household_key("12-A"), household_key("h.no 12a"));
        assert_eq!(household_key("१२/३; साहू"), Some("h:12/3".to_owned()));
        assert_ne!(household_key("मकान 12"), household_key("मकान 13"));
    }

    #[test]
    fn without_a_number_the_family_name_is_the_key_in_either_script() {
        assert_eq!(household_key("; पटेल"), household_key("Patel parivar"));
        assert_eq!(household_key("पटेल परिवार"), household_key("; Patel"));
        assert_ne!(household_key("साहू परिवार"), household_key("पटेल परिवार"));
        assert_eq!(household_key("परिवार"), None);
        assert_eq!(household_key(""), None);
    }

    #[test]
    fn the_two_parts_round_trip_through_the_stored_text() {
        for (number, family) in [("12", "पटेल"), ("", "Sahu"), ("45A", "")] {
            let household = Household::parse(number, family).expect("valid");
            assert_eq!(Household::decode(&household.encode()), household);
        }
    }

    #[test]
    fn a_household_needs_a_part_and_a_number_needs_a_digit() {
        let codes = |number: &str, family: &str| -> Vec<(Field, InvalidCode)> {
            Household::parse(number, family)
                .expect_err("refused")
                .iter()
                .map(|invalid| (invalid.field, invalid.code))
                .collect()
        };
        assert_eq!(codes(" ", ""), [(Field::Household, InvalidCode::Required)]);
        assert_eq!(
            codes("पीपल के पास", "साहू"),
            [(Field::HouseNumber, InvalidCode::BadFormat)]
        );
        assert_eq!(
            codes("12", "साहू; पटेल"),
            [(Field::FamilyName, InvalidCode::BadCharacter)]
        );
        assert!(Household::parse("१२", "").is_ok());
    }
}
