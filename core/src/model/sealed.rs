//! Personal fields sealed per roster entry: each volunteer, and each private camera, has a
//! data key of its own, and each personal field (a volunteer's name, phone, household,
//! guardian; a camera owner's name and phone) sits in the roster only as ciphertext under
//! that key. Destroying the key erases the person from every copy of the history at once,
//! without editing the history, so auditors can still replay it.
//!
//! The cipher is ChaCha20-Poly1305 with a random 96-bit nonce per field write. A key seals at
//! most a few dozen values in its life (one per field per edit), so random nonces are safe
//! (a collision is about as likely as guessing the key); the 24-byte nonces of XChaCha20 would
//! add 12 bytes to every field of every enrolment sent over 2G for no gain at that volume.
//! The associated data binds each ciphertext to its entry and field, so a sealed phone
//! number cannot be moved into another person's entry or another field and still open.
//! It holds the entry's id bytes and the field's name, not the entry's kind: the field names
//! of volunteers and cameras are disjoint (`phone` against `owner_phone`), which keeps a
//! volunteer's ciphertext exactly as it was sealed before cameras were sealed too.
//!
//! A sealed value is `nonce (12 bytes) ‖ ciphertext ‖ tag (16 bytes)`.

use std::collections::BTreeMap;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};

use super::id::EntryId;

/// Bytes of a nonce.
pub const NONCE_LEN: usize = 12;
/// Bytes of the authentication tag.
pub const TAG_LEN: usize = 16;
/// What sealing adds to each field, in bytes.
pub const SEAL_OVERHEAD: usize = NONCE_LEN + TAG_LEN;

/// A roster entry's data key (a volunteer's, or a camera's). Never written into a roster; kept
/// in the stores of the server and of the devices that may see the entry, and sent only over
/// the authenticated channel.
#[derive(Clone, PartialEq, Eq)]
pub struct EntryKey([u8; 32]);

impl EntryKey {
    /// The key with these bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        EntryKey(bytes)
    }

    /// The key's bytes, for storing and sending.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl std::fmt::Debug for EntryKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A key must never reach a log line.
        f.write_str("EntryKey(…)")
    }
}

/// What a write of personal fields needs: the entry's key and fresh randomness for the
/// nonces. The model draws no random numbers itself (see ARCHITECTURE.md), so the caller
/// supplies `nonce_seed` from the operating system for every write.
#[derive(Debug, Clone)]
pub struct Sealing {
    /// The entry's key.
    pub key: EntryKey,
    /// Fresh random bytes; the nonce of the `n`th field written is this seed with `n` mixed
    /// into its last byte, so the fields of one write never share a nonce.
    pub nonce_seed: [u8; NONCE_LEN],
}

impl Sealing {
    /// Seals `plaintext` as field `field` of entry `entry`; `index` tells apart the fields
    /// written with this sealing (at most 256).
    pub fn seal(
        &self,
        entry: impl Into<EntryId>,
        field: &str,
        index: u8,
        plaintext: &str,
    ) -> Vec<u8> {
        let mut nonce = self.nonce_seed;
        nonce[NONCE_LEN - 1] ^= index;
        let cipher = ChaCha20Poly1305::new(&Key::from(self.key.0));
        let aad = associated_data(entry.into(), field);
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
pub fn open(
    key: &EntryKey,
    entry: impl Into<EntryId>,
    field: &str,
    sealed: &[u8],
) -> Option<String> {
    if sealed.len() < SEAL_OVERHEAD {
        return None;
    }
    let (nonce, body) = sealed.split_at(NONCE_LEN);
    let nonce: [u8; NONCE_LEN] = nonce.try_into().ok()?;
    let cipher = ChaCha20Poly1305::new(&Key::from(key.0));
    let aad = associated_data(entry.into(), field);
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

fn associated_data(entry: EntryId, field: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(16 + field.len());
    aad.extend_from_slice(&entry.to_bytes());
    aad.extend_from_slice(field.as_bytes());
    aad
}

/// Where a reader finds entries' keys.
pub trait KeyRing {
    /// The key of `entry`, if this holder has it.
    fn key(&self, entry: &EntryId) -> Option<EntryKey>;
}

impl KeyRing for BTreeMap<EntryId, EntryKey> {
    fn key(&self, entry: &EntryId) -> Option<EntryKey> {
        self.get(entry).cloned()
    }
}

/// A holder of no keys: every personal field reads as sealed.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoKeys;

impl KeyRing for NoKeys {
    fn key(&self, _entry: &EntryId) -> Option<EntryKey> {
        None
    }
}

/// Keys for tests and benchmarks, derived from the entry's id so that every replica of a
/// test agrees on them without passing keys around. Anyone can derive them: never for real
/// people.
#[cfg(any(test, feature = "test-support"))]
#[derive(Debug, Clone, Copy, Default)]
pub struct TestKeys;

#[cfg(any(test, feature = "test-support"))]
impl TestKeys {
    /// The derived key of `entry`.
    pub fn key_of<E: Into<EntryId> + Copy>(entry: &E) -> EntryKey {
        use sha2::Digest;
        let entry: EntryId = (*entry).into();
        // A camera's key is derived under a prefix, so that a camera and a volunteer that
        // share a ULID in a test still get different keys, as real random keys would be.
        let digest = match entry {
            EntryId::Volunteer(id) => sha2::Sha256::digest(id.to_bytes()),
            EntryId::Camera(id) => {
                sha2::Sha256::digest([b"camera".as_slice(), id.to_bytes().as_slice()].concat())
            }
        };
        let mut key = [0u8; 32];
        key.copy_from_slice(&digest);
        EntryKey(key)
    }

    /// A sealing with the derived key of `entry` and fresh nonces.
    pub fn sealing<E: Into<EntryId> + Copy>(entry: &E) -> Sealing {
        let mut nonce_seed = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce_seed).expect("the test machine has randomness");
        Sealing {
            key: Self::key_of(entry),
            nonce_seed,
        }
    }
}

#[cfg(any(test, feature = "test-support"))]
impl KeyRing for TestKeys {
    fn key(&self, entry: &EntryId) -> Option<EntryKey> {
        Some(Self::key_of(entry))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CameraId, VolunteerId};

    fn id(n: u64) -> VolunteerId {
        VolunteerId::from_parts(1_763_900_000_000 + n, u128::from(n))
    }

    fn sealing_of(byte: u8) -> Sealing {
        Sealing {
            key: EntryKey::from_bytes([byte; 32]),
            nonce_seed: [byte.wrapping_mul(7); NONCE_LEN],
        }
    }

    #[test]
    fn a_sealed_field_opens_with_its_key_volunteer_and_field_only() {
        let sealing = sealing_of(1);
        let sealed = sealing.seal(id(1), "phone", 0, "+919876543210");
        assert_eq!(sealed.len(), "+919876543210".len() + SEAL_OVERHEAD);
        assert_eq!(
            open(&sealing.key, id(1), "phone", &sealed).as_deref(),
            Some("+919876543210")
        );
        assert_eq!(open(&sealing_of(2).key, id(1), "phone", &sealed), None);
        assert_eq!(open(&sealing.key, id(2), "phone", &sealed), None);
        assert_eq!(open(&sealing.key, id(1), "household", &sealed), None);
        let mut tampered = sealed.clone();
        tampered[NONCE_LEN + 1] ^= 1;
        assert_eq!(open(&sealing.key, id(1), "phone", &tampered), None);
        assert_eq!(open(&sealing.key, id(1), "phone", &sealed[..10]), None);
    }

    #[test]
    fn fields_of_one_write_never_share_a_nonce_and_show_no_plaintext() {
        let sealing = sealing_of(3);
        let name = sealing.seal(id(1), "name_deva", 0, "सुनीता वर्मा");
        let household = sealing.seal(id(1), "household", 1, "सुनीता वर्मा");
        assert_ne!(name[..NONCE_LEN], household[..NONCE_LEN]);
        assert_ne!(name[NONCE_LEN..], household[NONCE_LEN..]);
        let needle = "सुनीता".as_bytes();
        assert!(!name.windows(needle.len()).any(|window| window == needle));
    }

    #[test]
    fn a_camera_field_never_opens_as_a_volunteer_field_of_the_same_ulid() {
        let sealing = sealing_of(4);
        let camera = CameraId::from_bytes(id(1).to_bytes());
        let sealed = sealing.seal(camera, "owner_phone", 0, "+919876543210");
        assert_eq!(
            open(&sealing.key, camera, "owner_phone", &sealed).as_deref(),
            Some("+919876543210")
        );
        assert_eq!(open(&sealing.key, id(1), "phone", &sealed), None);
        assert_ne!(TestKeys::key_of(&camera), TestKeys::key_of(&id(1)));
    }

    #[test]
    fn a_key_never_shows_in_debug_output() {
        let text = format!("{:?}", sealing_of(9));
        assert!(!text.contains("9, 9"), "{text}");
    }
}
