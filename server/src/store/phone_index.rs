//! The keyed blind index of phones: each volunteer row carries an HMAC of the canonical
//! number under a secret that only this database holds (migration 005), and shared phones
//! are found by grouping those tags. The secret is read once when the store opens and never
//! leaves the server: anyone holding it could recover a number from its tag by trying the
//! ten billion candidates.

use hmac::{Hmac, KeyInit, Mac};
use rusqlite::Connection;
use sha2::Sha256;

use crate::error::{Error, Result};

/// Bytes kept of the HMAC: 128 bits make an accidental collision between two numbers of a
/// district (a few lakh) vanishingly unlikely, at half the index size of the full tag.
const TAG_LEN: usize = 16;

/// The tag of `phone` under `secret`.
pub(super) fn phone_tag(secret: &[u8], phone: &str) -> [u8; TAG_LEN] {
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(phone.as_bytes());
    let full = mac.finalize().into_bytes();
    let mut tag = [0; TAG_LEN];
    tag.copy_from_slice(&full[..TAG_LEN]);
    tag
}

/// This database's phone index secret, as loaded at open.
pub(super) struct PhoneIndex {
    secret: [u8; 32],
}

// Written by hand so that no `{:?}` of the store, in a log line or a panic, prints the
// secret.
impl std::fmt::Debug for PhoneIndex {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("PhoneIndex { secret: <withheld> }")
    }
}

impl PhoneIndex {
    /// Reads the secret migration 005 drew.
    pub(super) fn load(connection: &Connection) -> Result<PhoneIndex> {
        let secret: Vec<u8> = connection.query_row(
            "SELECT secret FROM phone_index_secret WHERE id = 1",
            [],
            |row| row.get(0),
        )?;
        let secret = secret.try_into().map_err(|_| Error::Corrupt {
            what: "phone index secret",
            reason: "not 32 bytes".into(),
        })?;
        Ok(PhoneIndex { secret })
    }

    /// The tag of a canonical phone number.
    pub(super) fn tag(&self, phone: &str) -> [u8; TAG_LEN] {
        phone_tag(&self.secret, phone)
    }
}

impl super::ServerStore {
    /// The tag of a volunteer's canonical phone number, as the merge writes it into their
    /// row: for the replays of the past, which count phones as the live rows do. The tag
    /// stays inside the server, like the rows' tags.
    pub(crate) fn phone_tag(&self, phone: &mitan_core::model::validate::Phone) -> Vec<u8> {
        self.phone_index.tag(phone.as_str()).to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tag_is_hmac_sha256_of_the_number_cut_to_16_bytes() {
        // RFC 4231, test case 2: key "Jefe", data "what do ya want for nothing?".
        let tag = phone_tag(b"Jefe", "what do ya want for nothing?");
        assert_eq!(hex::encode(tag), "5bdcc146bf60754e6a042426089575c7");
    }

    #[test]
    fn debug_output_withholds_the_secret() {
        let index = PhoneIndex { secret: [0xab; 32] };
        let shown = format!("{index:?}");
        assert!(!shown.contains("171"), "{shown}");
        assert!(!shown.to_lowercase().contains("abab"), "{shown}");
    }
}
