//! Personal fields sealed per volunteer: each volunteer has a data key of their own, and each
//! personal field (name, phone, household, guardian) sits in the roster only as ciphertext
//! under that key. Destroying the key erases the person from every copy of the history at
//! once, without editing the history, so auditors can still replay it.
//!
//! The cipher is ChaCha20-Poly1305 with a random 96-bit nonce per field write. A key seals at
//! most a few dozen values in its life (one per field per edit), so random nonces are safe
//! (a collision is about as likely as guessing the key); the 24-byte nonces of XChaCha20 would
//! add 12 bytes to every field of every enrolment sent over 2G for no gain at that volume.
//! The associated data binds each ciphertext to its volunteer and field, so a sealed phone
//! number cannot be moved into another person's entry or another field and still open.
//!
//! A sealed value is `nonce (12 bytes) ‖ ciphertext ‖ tag (16 bytes)`.

use std::collections::BTreeMap;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};

use super::id::VolunteerId;

/// Bytes of a nonce.
pub const NONCE_LEN: usize = 12;
/// Bytes of the authentication tag.
pub const TAG_LEN: usize = 16;
/// What sealing adds to each field, in bytes.
pub const SEAL_OVERHEAD: usize = NONCE_LEN + TAG_LEN;

/// A volunteer's data key. Never written into a roster; kept in the stores of the server and
/// of the devices that may see the volunteer, and sent only over the authenticated channel.
#[derive(Clone, PartialEq, Eq)]
pub struct VolunteerKey([u8; 32]);

impl VolunteerKey {
    /// The key with these bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        VolunteerKey(bytes)
    }

    /// The key's bytes, for storing and sending.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl std::fmt::Debug for VolunteerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A key must never reach a log line.
        f.write_str("VolunteerKey(…)")
    }
}

/// What a write of personal fields needs: the volunteer's key and fresh randomness for the
/// nonces. The model draws no random numbers itself (see ARCHITECTURE.md), so the caller
/// supplies `nonce_seed` from the operating system for every write.
#[derive(Debug, Clone)]
pub struct Sealing {
    /// The volunteer's key.
    pub key: VolunteerKey,
    /// Fresh random bytes; the nonce of the `n`th field written is this seed with `n` mixed
    /// into its last byte, so the fields of one write never share a nonce.
    pub nonce_seed: [u8; NONCE_LEN],
}

impl Sealing {
    /// Seals `plaintext` as field `field` of volunteer `id`; `index` tells apart the fields
    /// written with this sealing (at most 256).
    pub fn seal(&self, id: &VolunteerId, field: &str, index: u8, plaintext: &str) -> Vec<u8> {
        let mut nonce = self.nonce_seed;
        nonce[NONCE_LEN - 1] ^= index;
        let cipher = ChaCha20Poly1305::new(&Key::from(self.key.0));
        let aad = associated_data(id, field);
        let sealed = cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: &aad,
                },
            )
            // ChaCha20-Poly1305 fails only past 256 GiB of plaintext.
            .unwrap_or_default();
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }
}

/// Opens a sealed field, or `None` when the key is wrong or the bytes were tampered with.
pub fn open(key: &VolunteerKey, id: &VolunteerId, field: &str, sealed: &[u8]) -> Option<String> {
    if sealed.len() < SEAL_OVERHEAD {
        return None;
    }
    let (nonce, body) = sealed.split_at(NONCE_LEN);
    let nonce: [u8; NONCE_LEN] = nonce.try_into().ok()?;
    let cipher = ChaCha20Poly1305::new(&Key::from(key.0));
    let aad = associated_data(id, field);
    let plain = cipher
        .decrypt(
            &Nonce::from(nonce),
            Payload {
                msg: body,
                aad: &aad,
            },
        )
        .ok()?;
    String::from_utf8(plain).ok()
}

fn associated_data(id: &VolunteerId, field: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(16 + field.len());
    aad.extend_from_slice(&id.to_bytes());
    aad.extend_from_slice(field.as_bytes());
    aad
}

/// Where a reader finds volunteers' keys.
pub trait KeyRing {
    /// The key of `id`, if this holder has it.
    fn key(&self, id: &VolunteerId) -> Option<VolunteerKey>;
}

impl KeyRing for BTreeMap<VolunteerId, VolunteerKey> {
    fn key(&self, id: &VolunteerId) -> Option<VolunteerKey> {
        self.get(id).cloned()
    }
}

/// A holder of no keys: every personal field reads as sealed.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoKeys;

impl KeyRing for NoKeys {
    fn key(&self, _id: &VolunteerId) -> Option<VolunteerKey> {
        None
    }
}

/// Keys for tests and benchmarks, derived from the volunteer id so that every replica of a
/// test agrees on them without passing keys around. Anyone can derive them: never for real
/// people.
#[cfg(any(test, feature = "test-support"))]
#[derive(Debug, Clone, Copy, Default)]
pub struct TestKeys;

#[cfg(any(test, feature = "test-support"))]
impl TestKeys {
    /// The derived key of `id`.
    pub fn key_of(id: &VolunteerId) -> VolunteerKey {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(id.to_bytes());
        let mut key = [0u8; 32];
        key.copy_from_slice(&digest);
        VolunteerKey(key)
    }

    /// A sealing with the derived key of `id` and fresh nonces.
    pub fn sealing(id: &VolunteerId) -> Sealing {
        let mut nonce_seed = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce_seed).expect("the test machine has randomness");
        Sealing {
            key: Self::key_of(id),
            nonce_seed,
        }
    }
}

#[cfg(any(test, feature = "test-support"))]
impl KeyRing for TestKeys {
    fn key(&self, id: &VolunteerId) -> Option<VolunteerKey> {
        Some(Self::key_of(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u64) -> VolunteerId {
        VolunteerId::from_parts(1_763_900_000_000 + n, u128::from(n))
    }

    fn sealing_of(byte: u8) -> Sealing {
        Sealing {
            key: VolunteerKey::from_bytes([byte; 32]),
            nonce_seed: [byte.wrapping_mul(7); NONCE_LEN],
        }
    }

    #[test]
    fn a_sealed_field_opens_with_its_key_volunteer_and_field_only() {
        let sealing = sealing_of(1);
        let sealed = sealing.seal(&id(1), "phone", 0, "+919876543210");
        assert_eq!(sealed.len(), "+919876543210".len() + SEAL_OVERHEAD);
        assert_eq!(
            open(&sealing.key, &id(1), "phone", &sealed).as_deref(),
            Some("+919876543210")
        );
        assert_eq!(open(&sealing_of(2).key, &id(1), "phone", &sealed), None);
        assert_eq!(open(&sealing.key, &id(2), "phone", &sealed), None);
        assert_eq!(open(&sealing.key, &id(1), "household", &sealed), None);
        let mut tampered = sealed.clone();
        tampered[NONCE_LEN + 1] ^= 1;
        assert_eq!(open(&sealing.key, &id(1), "phone", &tampered), None);
        assert_eq!(open(&sealing.key, &id(1), "phone", &sealed[..10]), None);
    }

    #[test]
    fn fields_of_one_write_never_share_a_nonce_and_show_no_plaintext() {
        let sealing = sealing_of(3);
        let name = sealing.seal(&id(1), "name_deva", 0, "सुनीता वर्मा");
        let household = sealing.seal(&id(1), "household", 1, "सुनीता वर्मा");
        assert_ne!(name[..NONCE_LEN], household[..NONCE_LEN]);
        assert_ne!(name[NONCE_LEN..], household[NONCE_LEN..]);
        let needle = "सुनीता".as_bytes();
        assert!(!name.windows(needle.len()).any(|window| window == needle));
    }

    #[test]
    fn a_key_never_shows_in_debug_output() {
        let text = format!("{:?}", sealing_of(9));
        assert!(!text.contains("9, 9"), "{text}");
    }
}
