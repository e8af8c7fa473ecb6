//! Village codes from the Local Government Directory (LGD), the national register of villages.

use std::fmt;
use std::str::FromStr;

use super::digits::ascii_digits;
use crate::model::invalid::{Field, Invalid, InvalidCode};

/// Digits in an LGD village code.
const LGD_DIGITS: usize = 6;

/// A village's six-digit LGD code, e.g. `434372`.
///
/// Shown zero-padded to six digits, since that is how the directory and district registers
/// print it; never zero (`000000` is a placeholder in spreadsheets, not a village).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LgdCode(u32);

impl LgdCode {
    /// The code as a number, e.g. for an integer database column.
    pub fn as_u32(self) -> u32 {
        self.0
    }
}

impl TryFrom<u32> for LgdCode {
    type Error = Invalid;

    /// Accepts 1–999999, for reading codes back from an integer column.
    fn try_from(value: u32) -> Result<Self, Self::Error> {
        if value == 0 || value > 999_999 {
            Err(Invalid::new(Field::Village, InvalidCode::OutOfRange))
        } else {
            Ok(LgdCode(value))
        }
    }
}

impl fmt::Display for LgdCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:06}", self.0)
    }
}

/// Same rules as [`parse_lgd_code`].
impl FromStr for LgdCode {
    type Err = Invalid;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_lgd_code(s)
    }
}

/// Parses a village's LGD code as typed: exactly six digits, ASCII or Devanagari, with
/// surrounding whitespace ignored.
///
/// Errors name [`Field::Village`]: [`InvalidCode::Required`] when empty,
/// [`InvalidCode::BadFormat`] for anything but digits or a length other than six (a five-digit
/// code is a typo, not a code with a dropped leading zero), [`InvalidCode::OutOfRange`] for
/// `000000`.
pub fn parse_lgd_code(input: &str) -> Result<LgdCode, Invalid> {
    let refuse = |code| Invalid::new(Field::Village, code);

    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(refuse(InvalidCode::Required));
    }
    // Bounded before mapping digits, so a long paste is refused without copying it.
    if trimmed.chars().nth(LGD_DIGITS).is_some() {
        return Err(refuse(InvalidCode::BadFormat));
    }
    let digits = ascii_digits(trimmed);
    if digits.len() != LGD_DIGITS || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(refuse(InvalidCode::BadFormat));
    }
    let value: u32 = digits.parse().map_err(|_| refuse(InvalidCode::BadFormat))?;
    LgdCode::try_from(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(input: &str) -> InvalidCode {
        match parse_lgd_code(input) {
            Ok(lgd) => panic!("{input:?} was accepted as {lgd}"),
            Err(e) => {
                assert_eq!(e.field, Field::Village);
                e.code
            }
        }
    }

    #[test]
    fn six_ascii_digits_are_accepted() {
        let lgd = parse_lgd_code("434372").expect("six digits");
        assert_eq!(lgd.as_u32(), 434_372);
        assert_eq!(lgd.to_string(), "434372");
    }

    #[test]
    fn surrounding_whitespace_is_ignored() {
        let lgd = parse_lgd_code("  434372\n").expect("six digits after trimming");
        assert_eq!(lgd.as_u32(), 434_372);
    }

    #[test]
    fn devanagari_digits_are_accepted() {
        let lgd = parse_lgd_code("४३४३७२").expect("six Devanagari digits");
        assert_eq!(lgd.as_u32(), 434_372);
        let mixed = parse_lgd_code("४३४372").expect("mixed digits");
        assert_eq!(mixed, lgd);
    }

    #[test]
    fn leading_zeros_are_kept_in_display() {
        let lgd = parse_lgd_code("004372").expect("six digits");
        assert_eq!(lgd.as_u32(), 4372);
        assert_eq!(lgd.to_string(), "004372");
        assert_eq!("004372".parse::<LgdCode>(), Ok(lgd));
    }

    #[test]
    fn empty_input_is_required() {
        assert_eq!(code(""), InvalidCode::Required);
        assert_eq!(code(" \t\n"), InvalidCode::Required);
    }

    #[test]
    fn non_digits_are_bad_format() {
        for input in [
            "43437a",
            "434 372",
            "434-372",
            "+43437",
            "-43437",
            "४३४३७२।",
            "৪৩৪৩৭২",
            "43437２",
        ] {
            assert_eq!(code(input), InvalidCode::BadFormat, "{input:?}");
        }
    }

    #[test]
    fn wrong_length_is_bad_format() {
        for input in ["43437", "4343720", "1", &"9".repeat(10_000)] {
            assert_eq!(code(input), InvalidCode::BadFormat, "{input:?}");
        }
    }

    #[test]
    fn all_zeros_is_out_of_range() {
        assert_eq!(code("000000"), InvalidCode::OutOfRange);
        assert_eq!(code("००००००"), InvalidCode::OutOfRange);
    }

    #[test]
    fn integers_round_trip_within_range() {
        assert_eq!(LgdCode::try_from(434_372).map(LgdCode::as_u32), Ok(434_372));
        assert_eq!(
            LgdCode::try_from(0),
            Err(Invalid::new(Field::Village, InvalidCode::OutOfRange))
        );
        assert_eq!(
            LgdCode::try_from(1_000_000),
            Err(Invalid::new(Field::Village, InvalidCode::OutOfRange))
        );
    }
}
