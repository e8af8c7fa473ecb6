//! Indian mobile numbers: every way people write one, reduced to the canonical `+91XXXXXXXXXX`.

use std::fmt;
use std::str::FromStr;

use phonenumber::metadata::DATABASE;
use phonenumber::{Type, country};

use super::digits::ascii_digits;
use crate::model::invalid::{Field, Invalid, InvalidCode};

/// The longest input (in characters, after trimming) worth parsing. The most decorated real
/// form, "(+91) 98765-43210" or "0091 98765 43210", is under 20; anything past this is refused
/// before it reaches the parser, so a hostile 10,000-character paste costs almost nothing.
const MAX_INPUT_CHARS: usize = 32;

/// India's country calling code.
const INDIA: &str = "91";

/// Digits in an Indian mobile number after the country code.
const NATIONAL_DIGITS: usize = 10;

/// An Indian mobile number in canonical form: `+91` then ten digits, the first of which is
/// 6, 7, 8 or 9.
///
/// The only way to get one is [`parse_phone`] (or [`FromStr`], which goes through it), so two
/// `Phone`s are equal exactly when they ring the same handset, whatever the constable typed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Phone(String);

impl Phone {
    /// The canonical form, e.g. `+919876543210`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The ten digits after `+91`, e.g. `9876543210`.
    pub fn national_digits(&self) -> &str {
        self.0
            .strip_prefix("+91")
            .expect("a Phone is only built by parse_phone, which always writes the +91 prefix")
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Strict: accepts only the canonical form `+91XXXXXXXXXX` that [`Phone::as_str`] produces.
///
/// This is for reading back stored values (database, sync payloads); a non-canonical value
/// there means something wrote around [`parse_phone`], so it is refused with
/// [`InvalidCode::BadFormat`] rather than silently repaired. Errors name [`Field::Phone`].
/// Use [`parse_phone`] for anything a person typed.
impl FromStr for Phone {
    type Err = Invalid;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let phone = parse_phone(Field::Phone, s)?;
        if phone.as_str() == s {
            Ok(phone)
        } else {
            Err(Invalid::new(Field::Phone, InvalidCode::BadFormat))
        }
    }
}

/// Parses an Indian mobile number as people write it, into its canonical form.
///
/// Accepted: "98765 43210", "+91-98765-43210", "098765 43210", "+91 9876543210",
/// "91 98765 43210", "(+91) 98765-43210", "0091 98765 43210", "+91 098765 43210",
/// Devanagari digits ("९८७६५ ४३२१०"), and spaces, tabs, hyphens, dots and parentheses anywhere.
///
/// `field` is the field being validated ([`Field::Phone`] or [`Field::GuardianPhone`]) and is
/// what every error names. Refusals, checked in this order:
///
/// - [`InvalidCode::Required`]: nothing but whitespace.
/// - [`InvalidCode::TooLong`]: more than 32 characters after trimming.
/// - [`InvalidCode::BadFormat`]: not written like a phone number at all: letters, symbols
///   other than the separators above, a `+` anywhere but the start, no digits, or an
///   international prefix with no such country code (e.g. "+999 1234567").
/// - [`InvalidCode::NotIndian`]: a `+` or `00` followed by a real country code other than 91,
///   e.g. "+1 650 253 0000" or "+44 7911 123456".
/// - [`InvalidCode::NotMobile`]: written like an Indian number but not a mobile one: not
///   exactly ten digits after the country code / trunk `0`, a first digit other than 6–9, or a
///   number the libphonenumber metadata positively knows as a landline or service number
///   (e.g. "0755 2555555", Bhopal). Numbers the metadata does not know are accepted, because
///   its ranges lag new mobile allocations and a real volunteer must never be unenrollable.
///
/// Ten digits that begin with 91 ("9198765432") are a mobile number, not a country code
/// followed by eight digits; the 91 is only taken as a country code when twelve digits follow.
///
/// Never panics.
pub fn parse_phone(field: Field, input: &str) -> Result<Phone, Invalid> {
    let refuse = |code| Invalid::new(field, code);

    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(refuse(InvalidCode::Required));
    }
    if trimmed.chars().nth(MAX_INPUT_CHARS).is_some() {
        return Err(refuse(InvalidCode::TooLong));
    }

    let written = Written::read(&ascii_digits(trimmed)).ok_or(refuse(InvalidCode::BadFormat))?;
    let national = match written.dialled() {
        Dialled::India(national) => national,
        Dialled::Abroad(international) => return Err(refuse(foreign(international))),
    };

    if national.len() != NATIONAL_DIGITS || !national.starts_with(['6', '7', '8', '9']) {
        return Err(refuse(InvalidCode::NotMobile));
    }
    let canonical = format!("+{INDIA}{national}");
    if !mobile_by_metadata(national, &canonical) {
        return Err(refuse(InvalidCode::NotMobile));
    }
    Ok(Phone(canonical))
}

/// How many national numbers [`mobile_by_metadata`] remembers: about a district's volunteers
/// (16 bytes each); past that it starts again, which costs only time.
const REMEMBERED_NUMBERS: usize = 400_000;

/// Whether libphonenumber's metadata lets the ten-digit `national` number (of `canonical`)
/// be a mobile. Its patterns are regular expressions, and the server reads every number back
/// from the rosters at each merge, so each number's answer is kept once computed.
fn mobile_by_metadata(national: &str, canonical: &str) -> bool {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static KNOWN: OnceLock<Mutex<HashMap<u64, bool>>> = OnceLock::new();
    let key: Option<u64> = national.parse().ok();
    let known = KNOWN.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(key) = key
        && let Some(answer) = known.lock().ok().and_then(|known| known.get(&key).copied())
    {
        return answer;
    }
    let answer = phonenumber::parse(Some(country::IN), canonical).map_or(true, |number| {
        could_be_mobile(number.number_type(&DATABASE))
    });
    if let (Some(key), Ok(mut known)) = (key, known.lock()) {
        if known.len() >= REMEMBERED_NUMBERS {
            known.clear();
        }
        known.insert(key, answer);
    }
    answer
}

/// The digits of a number as written, with the separators dropped.
struct Written {
    /// Whether the number started with `+` (possibly inside a parenthesis, "(+91)").
    plus: bool,
    /// The ASCII digits, in order.
    digits: String,
}

impl Written {
    /// Reads digits and separators; `None` if anything else appears or there are no digits.
    fn read(input: &str) -> Option<Written> {
        let mut written = Written {
            plus: false,
            digits: String::with_capacity(input.len()),
        };
        for c in input.chars() {
            match c {
                '0'..='9' => written.digits.push(c),
                '+' if !written.plus && written.digits.is_empty() => written.plus = true,
                '-' | '.' | '(' | ')' => {}
                c if c.is_whitespace() => {}
                _ => return None,
            }
        }
        (!written.digits.is_empty()).then_some(written)
    }

    /// Works out where the number was dialled to, the way a phone in India would.
    fn dialled(&self) -> Dialled<'_> {
        let digits = self.digits.as_str();
        let international = if self.plus {
            Some(digits)
        } else {
            // 00 is India's international dialling prefix.
            digits.strip_prefix("00")
        };
        if let Some(international) = international {
            return match international.strip_prefix(INDIA) {
                // "+91 098765 43210": the trunk 0 is often kept after the country code.
                Some(national) if national.len() == NATIONAL_DIGITS + 1 => {
                    Dialled::India(national.strip_prefix('0').unwrap_or(national))
                }
                Some(national) => Dialled::India(national),
                None => Dialled::Abroad(international),
            };
        }
        if let Some(national) = digits.strip_prefix('0') {
            return Dialled::India(national);
        }
        match digits.strip_prefix(INDIA) {
            Some(national) if national.len() == NATIONAL_DIGITS => Dialled::India(national),
            _ => Dialled::India(digits),
        }
    }
}

/// Where a written number leads.
enum Dialled<'a> {
    /// Inside India: the national significant number.
    India(&'a str),
    /// Abroad or nowhere: the digits after `+` / `00`, country code first.
    Abroad(&'a str),
}

/// The code for an international number that does not start with 91.
fn foreign(international: &str) -> InvalidCode {
    match phonenumber::parse(None, format!("+{international}")) {
        Ok(number) if number.code().value() != 91 => InvalidCode::NotIndian,
        // A country code libphonenumber does not recognise: a typo, not a foreign number.
        _ => InvalidCode::BadFormat,
    }
}

/// Whether the metadata leaves room for this Indian number to be a mobile.
fn could_be_mobile(kind: Type) -> bool {
    matches!(kind, Type::Mobile | Type::FixedLineOrMobile | Type::Unknown)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ok(input: &str) -> String {
        match parse_phone(Field::Phone, input) {
            Ok(phone) => phone.as_str().to_owned(),
            Err(e) => panic!("{input:?} was refused: {e}"),
        }
    }

    fn code(input: &str) -> InvalidCode {
        match parse_phone(Field::Phone, input) {
            Ok(phone) => panic!("{input:?} was accepted as {phone}"),
            Err(e) => e.code,
        }
    }

    #[test]
    fn common_written_forms_are_canonicalised() {
        for input in [
            "98765 43210",
            "+91-98765-43210",
            "098765 43210",
            "+91 9876543210",
            "91 98765 43210",
            "(+91) 98765-43210",
            "0091 98765 43210",
            "+919876543210",
            "9876543210",
            "98765.43210",
            "+91 098765 43210",
            "0 98765 43210",
            "+91 (98765) 43210",
        ] {
            assert_eq!(ok(input), "+919876543210", "{input:?}");
        }
    }

    #[test]
    fn devanagari_digits_are_accepted() {
        assert_eq!(ok("९८७६५ ४३२१०"), "+919876543210");
        assert_eq!(ok("+९१ ९८७६५-४३२१०"), "+919876543210");
    }

    #[test]
    fn surrounding_whitespace_from_a_paste_is_ignored() {
        assert_eq!(ok("  98765 43210\n"), "+919876543210");
        assert_eq!(ok("\t+91 98765 43210 \r\n"), "+919876543210");
        assert_eq!(ok("\u{00A0}98765\u{00A0}43210"), "+919876543210");
    }

    #[test]
    fn every_mobile_leading_digit_is_accepted() {
        assert_eq!(ok("6000000000"), "+916000000000");
        assert_eq!(ok("70000 00000"), "+917000000000");
        assert_eq!(ok("8123456789"), "+918123456789");
        assert_eq!(ok("99999 99999"), "+919999999999");
    }

    #[test]
    fn ten_digits_starting_with_91_are_a_mobile_not_a_country_code() {
        assert_eq!(ok("91987 65432"), "+919198765432");
        assert_eq!(ok("91 91987 65432"), "+919198765432");
    }

    #[test]
    fn empty_input_is_required() {
        assert_eq!(code(""), InvalidCode::Required);
        assert_eq!(code("   \n\t"), InvalidCode::Required);
    }

    #[test]
    fn letters_and_junk_are_bad_format() {
        for input in [
            "abc",
            "98765 4321O",
            "call 9876543210",
            "98765 43210 ext 5",
            "9876543210;ext=12",
            "tel:+91-98765-43210",
            "98765/43210",
            "+",
            "()",
            "--",
            "91+9876543210",
            "++919876543210",
            "+999 1234567",
            "९८७६५ ४३२१o",
            "98765\u{200B}43210",
            "৯৮৭৬৫ ৪৩২১০",
        ] {
            assert_eq!(code(input), InvalidCode::BadFormat, "{input:?}");
        }
    }

    #[test]
    fn foreign_country_codes_are_not_indian() {
        for input in [
            "+1 650 253 0000",
            "+44 7911 123456",
            "0044 7911 123456",
            "+977 980-1234567",
            "+92 300 1234567",
        ] {
            assert_eq!(code(input), InvalidCode::NotIndian, "{input:?}");
        }
    }

    #[test]
    fn indian_non_mobiles_are_not_mobile() {
        for input in [
            // Wrong first digit.
            "+91 12345 67890",
            "5876543210",
            "1234567890",
            // Wrong length.
            "98765 4321",
            "+91 98765 432100",
            "12345",
            "0",
            "+91",
            "+91 1800 123 4567",
            // Bhopal landline with its STD code: ten digits starting with 7, but a landline.
            "0755 2555555",
            "+91 755 2555555",
        ] {
            assert_eq!(code(input), InvalidCode::NotMobile, "{input:?}");
        }
    }

    #[test]
    fn over_long_input_is_too_long_before_parsing() {
        assert_eq!(code(&"9".repeat(10_000)), InvalidCode::TooLong);
        assert_eq!(code(&"x".repeat(10_000)), InvalidCode::TooLong);
        assert_eq!(
            code("+91 98765 43210 98765 43210 98765 4"),
            InvalidCode::TooLong
        );
    }

    #[test]
    fn errors_name_the_field_being_validated() {
        let refused = parse_phone(Field::GuardianPhone, "abc");
        assert_eq!(
            refused,
            Err(Invalid::new(Field::GuardianPhone, InvalidCode::BadFormat))
        );
    }

    #[test]
    fn national_digits_are_the_ten_after_the_country_code() {
        let phone = parse_phone(Field::Phone, "+91-98765-43210").expect("a valid mobile");
        assert_eq!(phone.national_digits(), "9876543210");
        assert_eq!(phone.to_string(), "+919876543210");
    }

    #[test]
    fn a_remembered_answer_is_the_one_the_metadata_gave() {
        // A landline that looks like a mobile, and a mobile: each asked three times, the
        // later answers from memory.
        for _ in 0..3 {
            assert_eq!(code("+91 755 2555555"), InvalidCode::NotMobile);
            assert_eq!(ok("+91 98765 43210"), "+919876543210");
        }
    }

    #[test]
    fn from_str_accepts_only_the_canonical_form() {
        let phone: Phone = "+919876543210".parse().expect("canonical form");
        assert_eq!(phone.as_str(), "+919876543210");
        assert_eq!(
            "98765 43210".parse::<Phone>(),
            Err(Invalid::new(Field::Phone, InvalidCode::BadFormat))
        );
        assert_eq!(
            "+911234567890".parse::<Phone>(),
            Err(Invalid::new(Field::Phone, InvalidCode::NotMobile))
        );
    }

    fn is_canonical(s: &str) -> bool {
        let Some(national) = s.strip_prefix("+91") else {
            return false;
        };
        national.len() == 10
            && national.bytes().all(|b| b.is_ascii_digit())
            && national.starts_with(['6', '7', '8', '9'])
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        #[test]
        fn never_panics_and_accepted_output_round_trips(input in any::<String>()) {
            if let Ok(phone) = parse_phone(Field::Phone, &input) {
                prop_assert!(is_canonical(phone.as_str()), "{phone}");
                prop_assert_eq!(parse_phone(Field::Phone, phone.as_str()), Ok(phone.clone()));
            }
        }

        #[test]
        fn phone_shaped_input_never_panics_and_round_trips(
            input in "[ +()\\-.0-9०-९]{0,24}"
        ) {
            if let Ok(phone) = parse_phone(Field::Phone, &input) {
                prop_assert!(is_canonical(phone.as_str()), "{phone}");
                prop_assert_eq!(parse_phone(Field::Phone, phone.as_str()), Ok(phone.clone()));
                prop_assert_eq!(phone.as_str().parse::<Phone>(), Ok(phone.clone()));
            }
        }
    }
}
