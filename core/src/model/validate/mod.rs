//! Field validators: turn what a constable typed into a canonical value, or a precise `Invalid`.

mod digits;
mod lgd;
mod name;
mod phone;

pub(crate) use digits::ascii_digits;

pub use lgd::{LgdCode, parse_lgd_code};
pub use name::{
    MAX_LABEL_CHARS, MAX_NAME_CHARS, clean_devanagari_name, clean_label, clean_latin_name,
    clean_name, clean_text, name_key, phonetic_key, transliterate_devanagari,
};
pub use phone::{Phone, parse_phone};
