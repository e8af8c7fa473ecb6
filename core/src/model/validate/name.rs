//! Person names in Devanagari and Latin letters: cleaning what was typed, checking its script,
//! and folding it into keys for prefix search and for spotting the same person twice.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::digits::ascii_digit;
use crate::model::invalid::{Field, Invalid, InvalidCode};

/// The most characters (Unicode scalar values, after NFC normalisation and whitespace
/// cleaning) a name may have.
pub const MAX_NAME_CHARS: usize = 80;

/// The most characters a label an officer types may have: a unit's or a campaign's name.
pub const MAX_LABEL_CHARS: usize = 120;

/// Raw input longer than this many bytes is refused before it is normalised, so a hostile
/// paste costs nothing. It is far above any real name: 80 Devanagari characters are 240 bytes.
const MAX_INPUT_BYTES: usize = 4096;

/// Zero-width non-joiner: in Devanagari it breaks a conjunct into its half forms.
const ZWNJ: char = '\u{200C}';
/// Zero-width joiner: in Devanagari it asks for a half form, as in "क्‍ष".
const ZWJ: char = '\u{200D}';
/// Devanagari nukta, the dot below that turns ज into ज़ (z) or फ into फ़ (f).
const NUKTA: char = '\u{093C}';
/// Devanagari virama, which kills a consonant's inherent vowel to form a conjunct.
const VIRAMA: char = '\u{094D}';
/// The most combining marks one letter may carry: ज़ें is a letter, a nukta, a vowel sign
/// and an anusvara.
const MAX_MARKS_ON_LETTER: usize = 3;

/// Cleans a name typed into any name field (`field` is named in the error).
///
/// The name is NFC-normalised, leading and trailing whitespace is trimmed, and every run of
/// internal whitespace (spaces, no-break spaces, …) becomes one ASCII space.
///
/// Whitespace decision: leading and trailing whitespace, *including* `\n`, `\r` and `\t`, is
/// trimmed silently, because a trailing newline is what a copy-paste from WhatsApp or a
/// spreadsheet leaves behind, not an attack. Any control character that survives the trim is
/// refused: a tab or newline *inside* the name, or a NUL, escape or bidi control anywhere
/// (those are not whitespace, so they are never trimmed away).
///
/// Refusals, first failure wins:
/// - [`InvalidCode::TooLong`]: more than 4 KiB of raw input (checked before any work), or more
///   than [`MAX_NAME_CHARS`] characters once cleaned.
/// - [`InvalidCode::Required`]: nothing left after trimming.
/// - [`InvalidCode::ControlCharacter`]: control characters (Unicode Cc), line and paragraph
///   separators, bidi controls (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C).
/// - [`InvalidCode::InvisibleCharacter`]: zero-width and invisible characters (U+200B, U+2060,
///   U+FEFF, soft hyphen U+00AD, U+180E, U+2061–U+2064, and a few well-known lookalike
///   blanks and selectors). ZWJ (U+200D) and ZWNJ (U+200C) shape Devanagari conjuncts, so they
///   are allowed between two Devanagari characters and refused anywhere else.
pub fn clean_name(field: Field, input: &str) -> Result<String, Invalid> {
    clean_text(field, input, MAX_NAME_CHARS)
}

/// Cleans free text in any script (a household, a reason, what a camera covers) exactly as
/// [`clean_name`] cleans a name, but with a length bound of `max_chars` characters.
pub fn clean_text(field: Field, input: &str, max_chars: usize) -> Result<String, Invalid> {
    let refuse = |code| Invalid::new(field, code);

    if input.len() > MAX_INPUT_BYTES {
        return Err(refuse(InvalidCode::TooLong));
    }
    let normalised: String = input.nfc().collect();
    let trimmed = normalised.trim();
    if trimmed.is_empty() {
        return Err(refuse(InvalidCode::Required));
    }

    let chars: Vec<char> = trimmed.chars().collect();
    let mut cleaned = String::with_capacity(trimmed.len());
    let mut in_space = false;
    let mut marks_on_letter = 0;
    for (i, &c) in chars.iter().enumerate() {
        // A letter carries a few marks at most (a nukta, a vowel sign, an anusvara); a stack
        // of twenty renders as a smear that hides what is written.
        if is_combining_mark(c) {
            marks_on_letter += 1;
            if marks_on_letter > MAX_MARKS_ON_LETTER {
                return Err(refuse(InvalidCode::TooManyMarks));
            }
        } else {
            marks_on_letter = 0;
        }
        if is_control(c) {
            return Err(refuse(InvalidCode::ControlCharacter));
        }
        if is_invisible(c) {
            return Err(refuse(InvalidCode::InvisibleCharacter));
        }
        if c == ZWJ || c == ZWNJ {
            // Only where a Devanagari conjunct uses them: after a virama (क्‍ष, क्‌ष, the
            // eyelash र्‍), before a letter. Anywhere else a joiner only hides that two
            // spellings are one name.
            let before = i.checked_sub(1).and_then(|j| chars.get(j));
            let after = chars.get(i + 1);
            let shapes_a_conjunct =
                before == Some(&VIRAMA) && after.is_some_and(|&a| is_devanagari(a));
            if !shapes_a_conjunct {
                return Err(refuse(InvalidCode::InvisibleCharacter));
            }
        }
        if c.is_whitespace() {
            in_space = true;
            continue;
        }
        if in_space {
            cleaned.push(' ');
            in_space = false;
        }
        cleaned.push(c);
    }

    if cleaned.chars().count() > max_chars {
        return Err(refuse(InvalidCode::TooLong));
    }
    Ok(cleaned)
}

/// Cleans a name written in Devanagari, for [`Field::NameDevanagari`].
///
/// Everything [`clean_name`] does, then every character must be a Devanagari letter, vowel
/// sign or mark (U+0900–U+097F, U+A8E0–U+A8FF, but not the digits ०–९ or the dandas), a
/// space, `.`, `-` or `'` (a typographic `’` is stored as `'`). A letter of another script is
/// [`InvalidCode::WrongScript`]; any other character (a digit, a danda, a bracket) is
/// [`InvalidCode::BadCharacter`]. A name of punctuation alone is [`InvalidCode::BadFormat`].
pub fn clean_devanagari_name(input: &str) -> Result<String, Invalid> {
    let field = Field::NameDevanagari;
    let cleaned = clean_name(field, input)?;
    check_script(field, cleaned, |c| {
        (is_devanagari(c) && !is_devanagari_punctuation_or_digit(c)) || c == ZWJ || c == ZWNJ
    })
}

/// Cleans a name written in Latin letters, for [`Field::NameLatin`].
///
/// Everything [`clean_name`] does, then every character must be a Latin letter (ASCII, Latin-1,
/// Latin Extended-A/B, Latin Extended Additional, so "Kṛṣṇa" and "José" pass), a combining
/// accent, a space, `.`, `-` or `'` (a typographic `’` is stored as `'`). A letter of another
/// script (Devanagari, a Cyrillic look-alike) is [`InvalidCode::WrongScript`]; any other
/// character (a digit, `;`, `)`) is [`InvalidCode::BadCharacter`]. A name of punctuation
/// alone is [`InvalidCode::BadFormat`].
pub fn clean_latin_name(input: &str) -> Result<String, Invalid> {
    let field = Field::NameLatin;
    let cleaned = clean_name(field, input)?;
    check_script(field, cleaned, |c| {
        is_latin_letter(c) || is_combining_accent(c)
    })
}

/// Cleans a label an officer types (an employee's, a unit's or a campaign's name): everything
/// [`clean_text`] does, with `max_chars`, and every letter Devanagari or Latin, one script to
/// a word. Digits and punctuation are allowed (`Beat 3 (Koni)`, `निरीक्षक राजेश सिंह (Rajesh
/// Singh)`); a Cyrillic or Greek look-alike, or a word mixing the two scripts, is
/// [`InvalidCode::WrongScript`].
pub fn clean_label(field: Field, input: &str, max_chars: usize) -> Result<String, Invalid> {
    let cleaned = clean_text(field, input, max_chars)?;
    for word in cleaned.split(' ') {
        let letters = word
            .chars()
            .filter(|c| c.is_alphabetic() || is_combining_mark(*c));
        let mut devanagari = false;
        let mut latin = false;
        for c in letters {
            if is_devanagari(c) {
                devanagari = true;
            } else if is_latin_letter(c) || is_combining_accent(c) {
                latin = true;
            } else {
                return Err(Invalid::new(field, InvalidCode::WrongScript));
            }
        }
        if devanagari && latin {
            return Err(Invalid::new(field, InvalidCode::WrongScript));
        }
    }
    Ok(cleaned)
}

/// Checks that `name` holds only `allowed` characters and name punctuation, with at least
/// one letter; folds the typographic apostrophe into `'`.
fn check_script(
    field: Field,
    name: String,
    allowed: impl Fn(char) -> bool,
) -> Result<String, Invalid> {
    let mut has_letter = false;
    for c in name.chars() {
        match c {
            ' ' | '.' | '-' | '\'' | '\u{2019}' => {}
            c if allowed(c) => has_letter |= c.is_alphabetic(),
            // A letter of another script (Latin in a Devanagari name, a Cyrillic look-alike
            // in a Latin one) is the wrong script; a bracket, semicolon or digit is simply
            // not part of a name, and telling the constable "wrong script" would mislead.
            c if c.is_alphabetic() || is_combining_mark(c) => {
                return Err(Invalid::new(field, InvalidCode::WrongScript));
            }
            _ => return Err(Invalid::new(field, InvalidCode::BadCharacter)),
        }
    }
    if !has_letter {
        return Err(Invalid::new(field, InvalidCode::BadFormat));
    }
    // Android keyboards autocorrect ' to ’; storing one form keeps "D'Souza" a single name.
    Ok(if name.contains('\u{2019}') {
        name.replace('\u{2019}', "'")
    } else {
        name
    })
}

/// Folds a name (or a search query) into a key for prefix search and duplicate detection
/// across spellings that differ only in case, accents or punctuation.
///
/// The key is NFC, lowercase, and holds only letters, vowel signs, digits and single spaces:
/// Latin accents are stripped ("José" → "jose"), `.`, `-`, `'` and all other punctuation are
/// dropped ("R.K. Sharma" → "rk sharma"), whitespace runs become one space, and in
/// Devanagari the nukta is dropped (ज़ → ज) and candrabindu becomes anusvara (ँ → ं).
/// Because no punctuation survives, the key never contains SQL `LIKE` wildcards (`%`, `_`)
/// or escape characters, so `key || '%'` is a safe prefix pattern. The script is kept: a
/// Devanagari query only finds Devanagari names (see [`phonetic_key`] for across scripts).
pub fn name_key(name: &str) -> String {
    let mut key = String::with_capacity(name.len());
    let mut in_space = false;
    for c in name.nfd().flat_map(char::to_lowercase) {
        let c = if c == '\u{0901}' { '\u{0902}' } else { c };
        if c.is_whitespace() {
            in_space = !key.is_empty();
            continue;
        }
        let keep = if is_devanagari(c) {
            c != NUKTA && !is_devanagari_punctuation(c)
        } else {
            c.is_alphanumeric() && !is_combining_accent(c)
        };
        if !keep {
            continue;
        }
        if in_space {
            key.push(' ');
            in_space = false;
        }
        key.push(c);
    }
    key.nfc().collect()
}

/// Romanises Devanagari into lowercase ASCII, by simple rules good enough for names:
/// "रमेश" → "ramesh", "राजेश कुमार" → "rajesh kumar", "लक्ष्मी" → "lakshmi".
///
/// The rules: each consonant carries an inherent "a" unless a vowel sign (matra) replaces it
/// or a virama kills it; long and short vowels are written alike (ा → a, ी → i, ू → u), as
/// Indian names are usually spelt; anusvara and candrabindu are "n", visarga "h"; nukta
/// consonants take their Urdu value (ज़ → z, फ़ → f, क़ → q, ड़ → r); ज्ञ is "gy".
/// Hindi schwa deletion: a word's final inherent "a" is dropped ("मोहन" → "mohan") unless the
/// word's last consonant ends a conjunct ("नरेंद्र" → "narendra") or it is the word's only
/// vowel; an inner inherent "a" between a vowel and a consonant that has its own vowel is
/// dropped too ("कमलेश" → "kamlesh", "जगदीश" → "jagdish"), right to left, never twice in a
/// row ("कमलनाथ" → "kamalnath"). Without a dictionary compounds can come out wrong
/// ("रामनगर" → "ramangar", not "ramnagar"); the result is a hint, not a spelling to store.
///
/// ASCII passes through lowercased, Devanagari digits become ASCII, whitespace runs become one
/// space, and anything else (other scripts, dandas, joiners) is dropped. This is a romanisation
/// for matching and display hints, not a standard transliteration (ISO 15919 or IAST).
pub fn transliterate_devanagari(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut word: Vec<char> = Vec::new();
    let mut in_space = false;
    let mut chars = input.chars().peekable();
    while let Some(c) = chars.next() {
        if is_devanagari_word_char(c) {
            word.push(c);
            if chars.peek().is_some_and(|&n| is_devanagari_word_char(n)) {
                continue;
            }
            if in_space {
                out.push(' ');
                in_space = false;
            }
            romanise_word(&word, &mut out);
            word.clear();
            continue;
        }
        let ascii = if c.is_whitespace() {
            in_space = !out.is_empty();
            continue;
        } else if c.is_ascii() {
            c.to_ascii_lowercase()
        } else if let Some(digit) = ascii_digit(c) {
            digit
        } else {
            continue;
        };
        if in_space {
            out.push(' ');
            in_space = false;
        }
        out.push(ascii);
    }
    out
}

/// Folds a name, Latin or Devanagari, into a coarse sound-alike key, so that "रमेश", "Ramesh"
/// and "Rames" collide, as do "सुनीता", "Sunita" and "Suneeta".
///
/// This is a heuristic for finding duplicate *candidates* to show a person, never for merging
/// records automatically: distinct people share keys ("Ramesh"/"Rames") and it misses some
/// real variants.
///
/// Devanagari is romanised with [`transliterate_devanagari`] and Latin accents stripped; `.`
/// and `-` split words, other punctuation and digits are dropped. Then, per word: x → ks,
/// q → k, w → v, z → j, f → p; ee → i, oo → u; an h after a consonant is dropped (sh → s,
/// th → t, kh → k, bh → b, ph → p, chh → c); doubled letters collapse (aa → a, ii → i, ll → l);
/// a trailing "a" is dropped from words of three or more letters. Words are joined by single
/// spaces.
pub fn phonetic_key(name: &str) -> String {
    let without_accents: String = name.nfd().filter(|&c| !is_combining_accent(c)).collect();
    let roman = transliterate_devanagari(&without_accents);
    let words: Vec<String> = roman
        .split([' ', '.', '-'])
        .map(fold_sounds)
        .filter(|word| !word.is_empty())
        .collect();
    words.join(" ")
}

/// The sound-folding rules of [`phonetic_key`], for one lowercase ASCII word.
fn fold_sounds(word: &str) -> String {
    let mut spelled = String::with_capacity(word.len() + 2);
    for c in word.chars() {
        match c {
            'x' => spelled.push_str("ks"),
            'q' => spelled.push('k'),
            'w' => spelled.push('v'),
            'z' => spelled.push('j'),
            'f' => spelled.push('p'),
            'a'..='z' => spelled.push(c),
            _ => {}
        }
    }
    let spelled = spelled.replace("ee", "i").replace("oo", "u");

    let mut folded = String::with_capacity(spelled.len());
    let mut last: Option<char> = None;
    for c in spelled.chars() {
        let after_consonant = last.is_some_and(|l| !matches!(l, 'a' | 'e' | 'i' | 'o' | 'u'));
        if (c == 'h' && after_consonant) || last == Some(c) {
            continue;
        }
        folded.push(c);
        last = Some(c);
    }
    if folded.len() >= 3 && folded.ends_with('a') {
        folded.pop();
    }
    folded
}

/// One syllable of a Devanagari word, as [`romanise_word`] sees it.
struct Syllable {
    /// The consonant's letter, if the syllable has one (an independent vowel has none).
    letter: Option<char>,
    /// The consonant's romanisation, empty for an independent vowel.
    consonant: &'static str,
    /// What follows the consonant.
    vowel: Vowel,
    /// Anusvara, candrabindu or visarga after the vowel.
    coda: &'static str,
}

/// The vowel of a [`Syllable`].
#[derive(Clone, Copy, PartialEq, Eq)]
enum Vowel {
    /// The consonant's own "a", which schwa deletion may still remove.
    Inherent,
    /// The inherent "a", removed by schwa deletion.
    Deleted,
    /// A vowel sign or independent vowel.
    Written(&'static str),
    /// A virama: the consonant joins the next one in a conjunct.
    Killed,
}

impl Syllable {
    /// Whether the syllable is pronounced with a vowel.
    fn voiced(&self) -> bool {
        matches!(self.vowel, Vowel::Inherent | Vowel::Written(_))
    }
}

/// Romanises one word of Devanagari letters and signs onto `out`.
fn romanise_word(word: &[char], out: &mut String) {
    let mut syllables: Vec<Syllable> = Vec::with_capacity(word.len());
    let mut i = 0;
    while let Some(&c) = word.get(i) {
        i += 1;
        if let Some(consonant) = consonant(c).or_else(|| nukta_consonant(c)) {
            let mut consonant = consonant;
            if word.get(i) == Some(&NUKTA) {
                consonant = with_nukta(c).unwrap_or(consonant);
                i += 1;
            }
            let vowel = match word.get(i) {
                Some(&VIRAMA) => {
                    i += 1;
                    Vowel::Killed
                }
                Some(&sign) => match vowel_sign(sign) {
                    Some(written) => {
                        i += 1;
                        Vowel::Written(written)
                    }
                    None => Vowel::Inherent,
                },
                None => Vowel::Inherent,
            };
            syllables.push(Syllable {
                letter: Some(c),
                consonant,
                vowel,
                coda: "",
            });
        } else if let Some(written) = independent_vowel(c).or_else(|| vowel_sign(c)) {
            // A stray vowel sign (no consonant before it) is read as its vowel.
            syllables.push(Syllable {
                letter: None,
                consonant: "",
                vowel: Vowel::Written(written),
                coda: "",
            });
        } else if let Some(coda) = coda(c) {
            if let Some(last) = syllables.last_mut()
                && last.coda.is_empty()
            {
                last.coda = coda;
            } else {
                syllables.push(Syllable {
                    letter: None,
                    consonant: coda,
                    vowel: Vowel::Killed,
                    coda: "",
                });
            }
        }
        // Anything else (nukta or virama out of place, joiners, avagraha) has no sound.
    }

    // ज्ञ is pronounced "gy" in Hindi ("ज्ञान" → "gyan").
    for k in 1..syllables.len() {
        let (before, after) = syllables.split_at_mut(k);
        if let (Some(j), Some(nya)) = (before.last_mut(), after.first_mut())
            && j.letter == Some('ज')
            && j.vowel == Vowel::Killed
            && nya.letter == Some('ञ')
        {
            j.consonant = "g";
            nya.consonant = "y";
        }
    }

    delete_schwas(&mut syllables);

    for syllable in &syllables {
        out.push_str(syllable.consonant);
        match syllable.vowel {
            Vowel::Inherent => out.push('a'),
            Vowel::Written(v) => out.push_str(v),
            Vowel::Deleted | Vowel::Killed => {}
        }
        out.push_str(syllable.coda);
    }
}

/// Hindi schwa deletion, as described on [`transliterate_devanagari`].
fn delete_schwas(syllables: &mut [Syllable]) {
    let deletable =
        |s: &Syllable| s.vowel == Vowel::Inherent && s.coda.is_empty() && s.letter.is_some();

    let Some(last) = syllables.len().checked_sub(1) else {
        return;
    };
    let ends_conjunct = last > 0 && syllables[last - 1].vowel == Vowel::Killed;
    let only_vowel = syllables[..last].iter().all(|s| !s.voiced());
    if deletable(&syllables[last]) && !ends_conjunct && !only_vowel {
        syllables[last].vowel = Vowel::Deleted;
    }

    for i in (1..last).rev() {
        let after_open_vowel = syllables[i - 1].voiced() && syllables[i - 1].coda.is_empty();
        let before_consonant_vowel = syllables[i + 1].letter.is_some() && syllables[i + 1].voiced();
        if deletable(&syllables[i]) && after_open_vowel && before_consonant_vowel {
            syllables[i].vowel = Vowel::Deleted;
        }
    }
}

/// The romanisation of a Devanagari consonant.
fn consonant(c: char) -> Option<&'static str> {
    Some(match c {
        'क' => "k",
        'ख' => "kh",
        'ग' => "g",
        'घ' => "gh",
        'ङ' => "n",
        'च' => "ch",
        'छ' => "chh",
        'ज' => "j",
        'झ' => "jh",
        'ञ' => "n",
        'ट' => "t",
        'ठ' => "th",
        'ड' => "d",
        'ढ' => "dh",
        'ण' => "n",
        'त' => "t",
        'थ' => "th",
        'द' => "d",
        'ध' => "dh",
        'न' | 'ऩ' => "n",
        'प' => "p",
        'फ' => "ph",
        'ब' => "b",
        'भ' => "bh",
        'म' => "m",
        'य' => "y",
        'र' | 'ऱ' => "r",
        'ल' | 'ळ' | 'ऴ' => "l",
        'व' => "v",
        'श' | 'ष' => "sh",
        'स' => "s",
        'ह' => "h",
        _ => return None,
    })
}

/// The romanisation of a consonant followed by a nukta, where it changes the sound.
fn with_nukta(c: char) -> Option<&'static str> {
    Some(match c {
        'क' => "q",
        'ख' => "kh",
        'ग' => "g",
        'ज' => "z",
        'ड' => "r",
        'ढ' => "rh",
        'फ' => "f",
        'य' => "y",
        _ => return None,
    })
}

/// The precomposed nukta consonants U+0958–U+095F, which NFC never produces but keyboards may.
fn nukta_consonant(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{0958}' => "q",
        '\u{0959}' => "kh",
        '\u{095A}' => "g",
        '\u{095B}' => "z",
        '\u{095C}' => "r",
        '\u{095D}' => "rh",
        '\u{095E}' => "f",
        '\u{095F}' => "y",
        _ => return None,
    })
}

/// The romanisation of an independent vowel letter.
fn independent_vowel(c: char) -> Option<&'static str> {
    Some(match c {
        'अ' | 'आ' => "a",
        'इ' | 'ई' => "i",
        'उ' | 'ऊ' => "u",
        'ऋ' | 'ॠ' => "ri",
        'ऌ' => "li",
        'ए' | 'ऍ' | 'ऎ' | 'ॲ' => "e",
        'ऐ' => "ai",
        'ओ' | 'ऑ' | 'ऒ' => "o",
        'औ' => "au",
        _ => return None,
    })
}

/// The romanisation of a dependent vowel sign (matra).
fn vowel_sign(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{093E}' => "a",
        '\u{093F}' | '\u{0940}' => "i",
        '\u{0941}' | '\u{0942}' => "u",
        '\u{0943}' | '\u{0944}' => "ri",
        '\u{0947}' | '\u{0945}' | '\u{0946}' => "e",
        '\u{0948}' => "ai",
        '\u{094B}' | '\u{0949}' | '\u{094A}' => "o",
        '\u{094C}' => "au",
        _ => return None,
    })
}

/// The romanisation of a sign that closes a syllable.
fn coda(c: char) -> Option<&'static str> {
    match c {
        '\u{0901}' | '\u{0902}' => Some("n"),
        '\u{0903}' => Some("h"),
        _ => None,
    }
}

/// Whether `c` is in the Devanagari or Devanagari Extended block.
fn is_devanagari(c: char) -> bool {
    matches!(c, '\u{0900}'..='\u{097F}' | '\u{A8E0}'..='\u{A8FF}')
}

/// Dandas and the abbreviation sign: Devanagari punctuation, not part of a name's sound.
fn is_devanagari_punctuation(c: char) -> bool {
    matches!(c, '\u{0964}' | '\u{0965}' | '\u{0970}')
}

/// Devanagari punctuation or a Devanagari digit.
fn is_devanagari_punctuation_or_digit(c: char) -> bool {
    is_devanagari_punctuation(c) || ascii_digit(c).is_some()
}

/// A character that belongs inside a Devanagari word for romanisation; joiners are included
/// so "क्‍ष" stays one word.
fn is_devanagari_word_char(c: char) -> bool {
    (is_devanagari(c) && !is_devanagari_punctuation_or_digit(c)) || c == ZWJ || c == ZWNJ
}

/// A letter from the Latin blocks a name in India may use.
fn is_latin_letter(c: char) -> bool {
    c.is_ascii_alphabetic()
        || (matches!(c, '\u{00C0}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}') && c.is_alphabetic())
}

/// A combining accent (Combining Diacritical Marks block), left over when NFC has no
/// precomposed letter, e.g. "m̐".
fn is_combining_accent(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}')
}

/// Control characters that make a name display or sort deceptively.
fn is_control(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}'
                | '\u{2029}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{061C}'
        )
}

/// Characters that render as nothing (or as a blank that is not whitespace), so two names
/// that look identical would differ. ZWJ and ZWNJ are handled by position instead.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'
            | '\u{2060}'..='\u{2064}'
            | '\u{FEFF}'
            | '\u{00AD}'
            | '\u{180E}'
            | '\u{034F}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{3164}'
            | '\u{FFA0}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180D}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{E0000}'..='\u{E007F}'
            | '\u{E0100}'..='\u{E01EF}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(result: Result<String, Invalid>) -> InvalidCode {
        match result {
            Ok(name) => panic!("accepted as {name:?}"),
            Err(e) => e.code,
        }
    }

    fn cleaned(result: Result<String, Invalid>) -> String {
        match result {
            Ok(name) => name,
            Err(e) => panic!("refused: {e}"),
        }
    }

    // --- clean_name ---

    #[test]
    fn surrounding_whitespace_and_paste_newlines_are_trimmed() {
        assert_eq!(
            cleaned(clean_name(Field::GuardianName, "  Ramesh Kumar\n")),
            "Ramesh Kumar"
        );
        assert_eq!(cleaned(clean_name(Field::GuardianName, "\tरमेश\r\n")), "रमेश");
        assert_eq!(
            cleaned(clean_name(Field::OwnerName, "\u{00A0}Sunita ")),
            "Sunita"
        );
    }

    #[test]
    fn internal_whitespace_runs_collapse_to_one_space() {
        assert_eq!(
            cleaned(clean_name(Field::OwnerName, "Rajesh    Kumar")),
            "Rajesh Kumar"
        );
        assert_eq!(
            cleaned(clean_name(Field::OwnerName, "राजेश\u{00A0}\u{2003}कुमार")),
            "राजेश कुमार"
        );
    }

    #[test]
    fn names_are_nfc_normalised() {
        // "José" typed as e + combining acute.
        assert_eq!(
            cleaned(clean_name(Field::NameLatin, "Jose\u{0301}")),
            "Jos\u{00E9}"
        );
    }

    #[test]
    fn empty_names_are_required() {
        for input in ["", "   ", "\n\t\r\n", "\u{00A0}"] {
            assert_eq!(
                refused(clean_name(Field::OwnerName, input)),
                InvalidCode::Required,
                "{input:?}"
            );
        }
    }

    #[test]
    fn control_characters_inside_are_refused() {
        for input in [
            "Ramesh\nKumar",
            "Ramesh\tKumar",
            "Ram\u{0000}esh",
            "\u{0000}Ramesh",
            "Ramesh\u{001B}",
            "Ramesh\u{007F}",
            "Ramesh\u{2028}Kumar",
        ] {
            assert_eq!(
                refused(clean_name(Field::OwnerName, input)),
                InvalidCode::ControlCharacter,
                "{input:?}"
            );
        }
    }

    #[test]
    fn bidi_controls_are_refused_even_at_the_edges() {
        for c in [
            '\u{202A}', '\u{202E}', '\u{2066}', '\u{2069}', '\u{200E}', '\u{200F}', '\u{061C}',
        ] {
            for input in [
                format!("{c}Ramesh"),
                format!("Ram{c}esh"),
                format!("Ramesh{c}"),
            ] {
                assert_eq!(
                    refused(clean_name(Field::OwnerName, &input)),
                    InvalidCode::ControlCharacter,
                    "{input:?}"
                );
            }
        }
    }

    #[test]
    fn invisible_characters_are_refused() {
        for c in [
            '\u{200B}', '\u{2060}', '\u{FEFF}', '\u{00AD}', '\u{180E}', '\u{2061}', '\u{2064}',
        ] {
            for input in [
                format!("{c}Sunita"),
                format!("Sun{c}ita"),
                format!("सुनीता{c}"),
            ] {
                assert_eq!(
                    refused(clean_name(Field::OwnerName, &input)),
                    InvalidCode::InvisibleCharacter,
                    "{input:?}"
                );
            }
        }
    }

    #[test]
    fn joiners_inside_devanagari_words_are_kept() {
        let half_ka = "क्\u{200D}ष";
        assert_eq!(cleaned(clean_name(Field::NameDevanagari, half_ka)), half_ka);
        let broken = "लक्\u{200C}ष्मी";
        assert_eq!(cleaned(clean_devanagari_name(broken)), broken);
    }

    #[test]
    fn a_joiner_between_two_letters_without_a_virama_is_an_invisible_character() {
        // Between any two Devanagari letters a joiner shapes nothing, and only makes
        // रमेश and र‍मेश two names for the duplicate check.
        for input in ["र\u{200D}मेश", "रमे\u{200C}श", "क\u{200D}ष"] {
            assert_eq!(
                refused(clean_devanagari_name(input)),
                InvalidCode::InvisibleCharacter,
                "{input:?}"
            );
        }
        let eyelash_ra = "र्\u{200D}य";
        assert_eq!(cleaned(clean_devanagari_name(eyelash_ra)), eyelash_ra);
    }

    #[test]
    fn more_than_three_marks_on_one_letter_are_refused() {
        let stacked = format!("Ram{}esh", "\u{0301}".repeat(20));
        assert_eq!(
            refused(clean_latin_name(&stacked)),
            InvalidCode::TooManyMarks
        );
        let deva = format!("र{}मेश", "\u{0947}".repeat(4));
        assert_eq!(
            refused(clean_devanagari_name(&deva)),
            InvalidCode::TooManyMarks
        );
        // A nukta, a vowel sign and an anusvara: three marks, a real syllable.
        assert_eq!(cleaned(clean_devanagari_name("ज़ें")), "ज़ें");
    }

    #[test]
    fn a_label_is_one_script_to_a_word_without_hidden_characters() {
        assert_eq!(
            cleaned(clean_label(Field::EmployeeName, "  Ramesh  Sahu ", 120)),
            "Ramesh Sahu"
        );
        for (input, code) in [
            ("Ramesh\u{0}", InvalidCode::ControlCharacter),
            ("Ramesh\u{202E}", InvalidCode::ControlCharacter),
            ("Ram\u{200B}esh", InvalidCode::InvisibleCharacter),
        ] {
            assert_eq!(
                refused(clean_label(Field::EmployeeName, input, 120)),
                code,
                "{input:?}"
            );
        }
        for label in [
            "Beat 3 (Koni)",
            "कोनी थाना",
            "Koni थाना",
            "Cyber Mitan 2026",
            "निरीक्षक राजेश सिंह (Rajesh Singh)",
        ] {
            assert_eq!(cleaned(clean_label(Field::UnitName, label, 120)), label);
        }
        for (input, code) in [
            ("Kоni", InvalidCode::WrongScript),
            ("Koniथाना", InvalidCode::WrongScript),
            ("Koni\u{200B}", InvalidCode::InvisibleCharacter),
            ("Koni\u{202E}", InvalidCode::ControlCharacter),
        ] {
            assert_eq!(
                refused(clean_label(Field::UnitName, input, 120)),
                code,
                "{input:?}"
            );
        }
    }

    #[test]
    fn joiners_outside_devanagari_words_are_invisible_characters() {
        for input in [
            "\u{200D}रमेश",
            "रमेश\u{200D}",
            "Ram\u{200D}esh",
            "Ram\u{200C}esh",
            "रमेश \u{200C}कुमार",
            "रमेश\u{200D} कुमार",
            "र\u{200D}\u{200D}मेश",
            "\u{200C}",
        ] {
            assert_eq!(
                refused(clean_name(Field::OwnerName, input)),
                InvalidCode::InvisibleCharacter,
                "{input:?}"
            );
        }
    }

    #[test]
    fn names_longer_than_the_limit_are_too_long() {
        let at_limit = "a".repeat(MAX_NAME_CHARS);
        assert_eq!(cleaned(clean_name(Field::NameLatin, &at_limit)), at_limit);
        let over = "a".repeat(MAX_NAME_CHARS + 1);
        assert_eq!(
            refused(clean_name(Field::NameLatin, &over)),
            InvalidCode::TooLong
        );
        let devanagari_at_limit = "क".repeat(MAX_NAME_CHARS);
        assert_eq!(
            cleaned(clean_name(Field::NameDevanagari, &devanagari_at_limit)),
            devanagari_at_limit
        );
        assert_eq!(
            refused(clean_name(Field::NameLatin, &"x".repeat(10_000))),
            InvalidCode::TooLong
        );
    }

    #[test]
    fn length_is_counted_after_cleaning() {
        let padded = format!("   {}   \n", "a".repeat(MAX_NAME_CHARS));
        assert_eq!(
            cleaned(clean_name(Field::NameLatin, &padded))
                .chars()
                .count(),
            MAX_NAME_CHARS
        );
        let spaced = format!("Ram{}Kumar", " ".repeat(200));
        assert_eq!(cleaned(clean_name(Field::NameLatin, &spaced)), "Ram Kumar");
    }

    #[test]
    fn errors_name_the_field_being_validated() {
        assert_eq!(
            clean_name(Field::GuardianName, " "),
            Err(Invalid::new(Field::GuardianName, InvalidCode::Required))
        );
    }

    // --- clean_devanagari_name / clean_latin_name ---

    #[test]
    fn devanagari_names_are_accepted() {
        for name in [
            "रमेश",
            "राजेश कुमार",
            "सुनीता",
            "लक्ष्मी",
            "डॉ. अनिल",
            "राम-प्रसाद",
            "ज़ीनत",
            "गाँव",
        ] {
            assert_eq!(
                cleaned(clean_devanagari_name(name)),
                name.nfc().collect::<String>()
            );
        }
    }

    #[test]
    fn latin_in_a_devanagari_name_is_wrong_script() {
        for input in ["Ramesh", "रमेश Kumar"] {
            assert_eq!(
                clean_devanagari_name(input),
                Err(Invalid::new(
                    Field::NameDevanagari,
                    InvalidCode::WrongScript
                )),
                "{input:?}"
            );
        }
    }

    #[test]
    fn digits_dandas_and_symbols_in_a_name_are_bad_characters_not_a_script() {
        for input in ["रमेश1", "रमेश २", "रमेश।", "रमेश@"] {
            assert_eq!(
                refused(clean_devanagari_name(input)),
                InvalidCode::BadCharacter,
                "{input:?}"
            );
        }
        for input in [
            "Ramesh2",
            "Ramesh_K",
            "Ramesh@home",
            "Robert'); DROP TABLE volunteer; --",
        ] {
            assert_eq!(
                refused(clean_latin_name(input)),
                InvalidCode::BadCharacter,
                "{input:?}"
            );
        }
    }

    #[test]
    fn latin_names_are_accepted() {
        for name in [
            "Ramesh",
            "Rajesh Kumar",
            "R.K. Sharma",
            "D'Souza",
            "Ram-Prasad",
            "José",
            "Kṛṣṇa",
        ] {
            assert_eq!(cleaned(clean_latin_name(name)), name);
        }
    }

    #[test]
    fn typographic_apostrophe_is_stored_as_ascii() {
        assert_eq!(cleaned(clean_latin_name("D\u{2019}Souza")), "D'Souza");
    }

    #[test]
    fn devanagari_in_a_latin_name_is_wrong_script() {
        for input in ["रमेश", "Ramesh रमेश", "Рамеш", "Rаmesh"] {
            assert_eq!(
                clean_latin_name(input),
                Err(Invalid::new(Field::NameLatin, InvalidCode::WrongScript)),
                "{input:?}"
            );
        }
    }

    #[test]
    fn punctuation_alone_is_not_a_name() {
        assert_eq!(refused(clean_latin_name(". -")), InvalidCode::BadFormat);
        assert_eq!(refused(clean_devanagari_name("'")), InvalidCode::BadFormat);
    }

    #[test]
    fn script_checks_run_after_cleaning() {
        assert_eq!(
            cleaned(clean_latin_name("  Sunita   Devi \n")),
            "Sunita Devi"
        );
        assert_eq!(refused(clean_latin_name("")), InvalidCode::Required);
        assert_eq!(
            refused(clean_devanagari_name("रमेश\u{200B}")),
            InvalidCode::InvisibleCharacter
        );
    }

    // --- name_key ---

    #[test]
    fn latin_keys_fold_case_accents_and_punctuation() {
        assert_eq!(name_key("Ramesh Kumar"), "ramesh kumar");
        assert_eq!(name_key("  RAMESH   kumar "), "ramesh kumar");
        assert_eq!(name_key("R.K. Sharma"), "rk sharma");
        assert_eq!(name_key("D'Souza"), "dsouza");
        assert_eq!(name_key("Ram-Prasad"), "ramprasad");
        assert_eq!(name_key("José"), "jose");
    }

    #[test]
    fn devanagari_keys_drop_nukta_and_fold_candrabindu() {
        assert_eq!(name_key("ज़ीनत"), "जीनत");
        assert_eq!(name_key("\u{095B}ीनत"), "जीनत");
        assert_eq!(name_key("गाँव"), "गांव");
        assert_eq!(name_key("डॉ. अनिल"), "डॉ अनिल");
        assert_eq!(name_key("राजेश   कुमार"), "राजेश कुमार");
    }

    #[test]
    fn keys_never_hold_like_wildcards() {
        assert_eq!(name_key("ra%m_e\\sh"), "ramesh");
    }

    #[test]
    fn a_typed_prefix_is_a_prefix_of_the_key() {
        assert!(name_key("Ramesh Kumar").starts_with(&name_key("ram")));
        assert!(name_key("लक्ष्मी").starts_with(&name_key("लक्")));
    }

    // --- transliterate_devanagari ---

    #[test]
    fn common_names_romanise_as_people_spell_them() {
        for (devanagari, latin) in [
            ("रमेश", "ramesh"),
            ("सुनीता", "sunita"),
            ("राजेश कुमार", "rajesh kumar"),
            ("प्रिया", "priya"),
            ("लक्ष्मी", "lakshmi"),
            ("अनिल", "anil"),
            ("गीता", "gita"),
            ("मोहन", "mohan"),
            ("संजय", "sanjay"),
            ("कमलेश", "kamlesh"),
            ("जगदीश", "jagdish"),
            ("कमलनाथ", "kamalnath"),
            ("नरेंद्र", "narendra"),
            ("भरत", "bharat"),
            ("ज्ञान", "gyan"),
            ("ज़ीनत", "zinat"),
            ("क्\u{200D}षमा", "kshama"),
        ] {
            assert_eq!(transliterate_devanagari(devanagari), latin, "{devanagari}");
        }
    }

    #[test]
    fn single_consonant_words_keep_their_vowel() {
        assert_eq!(transliterate_devanagari("न"), "na");
    }

    #[test]
    fn non_devanagari_passes_through_as_lowercase_ascii() {
        assert_eq!(transliterate_devanagari("Ramesh  रमेश"), "ramesh ramesh");
        assert_eq!(transliterate_devanagari("गाँव ५"), "ganv 5");
        assert_eq!(transliterate_devanagari("Рамеш"), "");
        assert!(transliterate_devanagari("ज़ीनत Ñ").is_ascii());
    }

    #[test]
    fn malformed_sequences_do_not_panic() {
        for input in ["ा", "्", "़", "ंं", "क््", "\u{200D}", "ः", "कःं"] {
            assert!(transliterate_devanagari(input).is_ascii(), "{input:?}");
        }
    }

    // --- phonetic_key ---

    #[test]
    fn spellings_of_ramesh_collide() {
        let key = phonetic_key("रमेश");
        for spelling in ["Ramesh", "Rames", "Ramesh ", "RAMESH", "Rammesh"] {
            assert_eq!(phonetic_key(spelling), key, "{spelling}");
        }
    }

    #[test]
    fn spellings_of_sunita_collide() {
        let key = phonetic_key("सुनीता");
        for spelling in ["Sunita", "Suneeta", "Sunitaa", "sunita"] {
            assert_eq!(phonetic_key(spelling), key, "{spelling}");
        }
    }

    #[test]
    fn spellings_across_scripts_collide() {
        for (a, b) in [
            ("लक्ष्मी", "Laxmi"),
            ("लक्ष्मी", "Lakshmi"),
            ("प्रिया", "Preeya"),
            ("गीता", "Geeta"),
            ("मोहन", "Mohan"),
            ("राजेश कुमार", "Rajesh  Kumaar"),
            ("संजय", "Sanjay"),
            ("अनिल", "Anil"),
        ] {
            assert_eq!(phonetic_key(a), phonetic_key(b), "{a} / {b}");
        }
    }

    #[test]
    fn different_names_do_not_collide() {
        for (a, b) in [
            ("Ramesh", "Suresh"),
            ("Sunita", "Sanjay"),
            ("रमेश", "सुरेश"),
            ("सुनीता", "संजय"),
            ("Mohan", "Sohan"),
            ("Anil", "Sunil"),
        ] {
            assert_ne!(phonetic_key(a), phonetic_key(b), "{a} / {b}");
        }
    }

    #[test]
    fn phonetic_keys_are_lowercase_ascii_words() {
        assert_eq!(phonetic_key("  R.K.  Sharma "), "r k sarm");
        assert_eq!(phonetic_key(""), "");
    }
}
