//! Consent notices and the district's consent policy: the versioned texts a constable shows
//! before a person consents, and whether the district enrols people under 18 at all.
//!
//! A consent record names a notice by language and version, so a published text is never
//! changed: a district that rewords its notice publishes the next version.

use unicode_normalization::UnicodeNormalization;

use super::invalid::{Field, Invalid, InvalidCode};

/// Longest notice text, in characters: a page or two, which a constable can read out.
pub const MAX_NOTICE_CHARS: usize = 16_000;

/// Which notice a person was shown: its language and version.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NoticeRef {
    /// The language code, e.g. `hi`, `en`, `hne`.
    pub language: String,
    /// The version, counting from 1 within the language.
    pub version: u32,
}

impl NoticeRef {
    /// The notice of `language` at `version`.
    pub fn new(language: &str, version: u32) -> Self {
        NoticeRef {
            language: language.to_owned(),
            version,
        }
    }
}

/// One published notice text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentNotice {
    /// The language code.
    pub language: String,
    /// The version within the language.
    pub version: u32,
    /// The text shown to the person.
    pub text: String,
    /// When the district published it, by the server clock.
    pub published_at_ms: i64,
}

impl ConsentNotice {
    /// Checks a notice as an admin publishes it or a device receives it, and returns it with
    /// the language and text normalised.
    pub fn checked(
        language: &str,
        version: u32,
        text: &str,
        published_at_ms: i64,
    ) -> Result<Self, Invalid> {
        let language = parse_notice_language(language)?;
        if version == 0 {
            return Err(Invalid::new(Field::ConsentNotice, InvalidCode::OutOfRange));
        }
        Ok(ConsentNotice {
            language,
            version,
            text: clean_notice_text(text)?,
            published_at_ms,
        })
    }

    /// Which notice this is.
    pub fn reference(&self) -> NoticeRef {
        NoticeRef::new(&self.language, self.version)
    }
}

/// What a device needs from the district before it enrols: the current notices and the
/// policy on people under 18.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConsentTerms {
    /// Whether the district enrols adults only.
    pub adults_only: bool,
    /// The current notice of each language.
    pub notices: Vec<ConsentNotice>,
}

/// A notice language: an ISO 639 code of two or three letters (`hi`, `en`, and languages a
/// district adds, such as `hne` for Chhattisgarhi or `sat` for Santali), in lower case.
pub fn parse_notice_language(input: &str) -> Result<String, Invalid> {
    let code = input.trim().to_ascii_lowercase();
    if code.is_empty() {
        return Err(Invalid::new(Field::ConsentLanguage, InvalidCode::Required));
    }
    if !(2..=3).contains(&code.len()) || !code.bytes().all(|byte| byte.is_ascii_lowercase()) {
        return Err(Invalid::new(Field::ConsentLanguage, InvalidCode::BadFormat));
    }
    Ok(code)
}

/// A notice's text: NFC-normalised and trimmed; paragraphs (newlines) and tabs are kept, other
/// control characters are refused because a bidi override could make the phone show a text
/// other than the one recorded.
fn clean_notice_text(input: &str) -> Result<String, Invalid> {
    let refuse = |code| Invalid::new(Field::ConsentNotice, code);
    let normalised: String = input.nfc().collect();
    let text = normalised.trim();
    if text.is_empty() {
        return Err(refuse(InvalidCode::Required));
    }
    if text.chars().count() > MAX_NOTICE_CHARS {
        return Err(refuse(InvalidCode::TooLong));
    }
    let forbidden = |c: char| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    };
    if text.chars().any(forbidden) {
        return Err(refuse(InvalidCode::ControlCharacter));
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_a_district_adds_are_accepted_in_lower_case() {
        assert_eq!(parse_notice_language(" HNE ").as_deref(), Ok("hne"));
        assert_eq!(parse_notice_language("hi").as_deref(), Ok("hi"));
    }

    #[test]
    fn a_language_that_is_not_a_code_is_refused() {
        for bad in ["hindi", "h", "h1", "हि", "en-IN"] {
            assert_eq!(
                parse_notice_language(bad),
                Err(Invalid::new(Field::ConsentLanguage, InvalidCode::BadFormat)),
                "{bad}"
            );
        }
        assert_eq!(
            parse_notice_language("  "),
            Err(Invalid::new(Field::ConsentLanguage, InvalidCode::Required))
        );
    }

    #[test]
    fn a_notice_keeps_its_paragraphs_and_refuses_version_zero_and_bidi_overrides() {
        let notice = ConsentNotice::checked("en", 1, " First.\n\nSecond. ", 5).expect("valid");
        assert_eq!(notice.text, "First.\n\nSecond.");
        assert_eq!(
            ConsentNotice::checked("en", 0, "text", 5),
            Err(Invalid::new(Field::ConsentNotice, InvalidCode::OutOfRange))
        );
        assert_eq!(
            ConsentNotice::checked("en", 1, "you agree \u{202E}ton", 5),
            Err(Invalid::new(
                Field::ConsentNotice,
                InvalidCode::ControlCharacter
            ))
        );
        assert_eq!(
            ConsentNotice::checked("en", 1, " \n ", 5),
            Err(Invalid::new(Field::ConsentNotice, InvalidCode::Required))
        );
    }
}
