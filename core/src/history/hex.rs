//! Change hashes as auditors read and type them: lowercase hex.

use crate::error::{Error, Result};

/// Lowercase hex of `bytes`.
pub(crate) fn encode(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    text
}

/// A change hash as hex.
pub fn encode_hash(hash: &[u8; 32]) -> String {
    encode(hash)
}

/// A change hash typed as 64 hex digits; the error names what is wrong with it.
pub fn decode_hash(text: &str) -> Result<[u8; 32]> {
    let bad = |reason: &str| Error::Decode {
        what: "change hash",
        reason: format!("{text:?}: {reason}"),
    };
    let text = text.trim();
    if text.len() != 64 {
        return Err(bad("expected 64 hex digits"));
    }
    let mut hash = [0u8; 32];
    for (byte, pair) in hash.iter_mut().zip(text.as_bytes().chunks(2)) {
        let pair = std::str::from_utf8(pair).map_err(|_| bad("not hex"))?;
        *byte = u8::from_str_radix(pair, 16).map_err(|_| bad("not hex"))?;
    }
    Ok(hash)
}

/// Serde for one hash as hex.
pub(crate) mod hash {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(hash: &[u8; 32], out: S) -> Result<S::Ok, S::Error> {
        out.serialize_str(&super::encode(hash))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(input: D) -> Result<[u8; 32], D::Error> {
        let text = String::deserialize(input)?;
        super::decode_hash(&text).map_err(serde::de::Error::custom)
    }
}

/// Serde for a list of hashes as hex.
pub(crate) mod hashes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(hashes: &[[u8; 32]], out: S) -> Result<S::Ok, S::Error> {
        out.collect_seq(hashes.iter().map(|hash| super::encode(hash)))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        input: D,
    ) -> Result<Vec<[u8; 32]>, D::Error> {
        Vec::<String>::deserialize(input)?
            .iter()
            .map(|text| super::decode_hash(text).map_err(serde::de::Error::custom))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_reads_back_from_its_hex_and_a_bad_one_names_the_problem() {
        let hash = [0xa5; 32];
        assert_eq!(decode_hash(&encode_hash(&hash)).expect("round trip"), hash);
        let error = decode_hash("abc").expect_err("too short").to_string();
        assert!(error.contains("64 hex digits"), "{error}");
        assert!(decode_hash(&"zz".repeat(32)).is_err());
    }
}
