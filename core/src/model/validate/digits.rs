//! Devanagari digits (०–९) mapped to ASCII, so numbers typed on a Hindi keyboard parse.

use std::borrow::Cow;

/// `input` with every Devanagari digit (U+0966–U+096F) replaced by its ASCII digit.
///
/// Borrows when there is nothing to map, which is the common case of an English keyboard.
pub(crate) fn ascii_digits(input: &str) -> Cow<'_, str> {
    if !input.chars().any(|c| ascii_digit(c).is_some()) {
        return Cow::Borrowed(input);
    }
    Cow::Owned(input.chars().map(|c| ascii_digit(c).unwrap_or(c)).collect())
}

/// The ASCII digit for a Devanagari digit, `None` for any other character.
pub(crate) fn ascii_digit(c: char) -> Option<char> {
    let offset = u32::from(c).checked_sub(0x0966)?;
    if offset < 10 {
        char::from_digit(offset, 10)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devanagari_digits_become_ascii() {
        assert_eq!(ascii_digits("९८७६५ ४३२१०"), "98765 43210");
        assert_eq!(ascii_digits("०१२३४५६७८९"), "0123456789");
    }

    #[test]
    fn ascii_input_is_borrowed_unchanged() {
        assert!(matches!(ascii_digits("+91 98765 43210"), Cow::Borrowed(_)));
    }

    #[test]
    fn mixed_scripts_keep_everything_else() {
        assert_eq!(ascii_digits("+९१-98765-४३२१०"), "+91-98765-43210");
        assert_eq!(ascii_digits("गाँव ५"), "गाँव 5");
    }

    #[test]
    fn single_digits_map_and_others_do_not() {
        assert_eq!(ascii_digit('०'), Some('0'));
        assert_eq!(ascii_digit('९'), Some('9'));
        assert_eq!(ascii_digit('9'), None);
        assert_eq!(ascii_digit('क'), None);
        assert_eq!(ascii_digit('৯'), None);
    }

    #[test]
    fn neighbouring_code_points_are_not_digits() {
        // U+0965 (double danda) and U+0970 (abbreviation sign) sit either side of the digits.
        assert_eq!(ascii_digits("\u{0965}\u{0970}"), "\u{0965}\u{0970}");
    }
}
