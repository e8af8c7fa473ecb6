//! Provenance that auditors can check offline (issue 6, part 3): every change a device sends
//! is signed with the device's own Ed25519 key, and the district's history can be exported
//! into one self-contained file ([`export`]) that [`verify`] checks with nothing else.
//!
//! A signature covers the change's hash *and* the id of the device that sent it, under a
//! domain tag, so it cannot be moved to another device's change, nor confused with a
//! signature over anything else a key might one day sign.
//!
//! No I/O and no randomness here: keys arrive as bytes drawn by the store (phone) or the
//! server's store, so signing and verifying replay in plain tests.

pub mod export;
pub mod verify;

use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

use crate::model::DeviceId;

/// A change hash (Automerge's, 32 bytes). Spelled out rather than taken from `sync`, which
/// depends on this module for its signatures.
pub type ChangeHash = [u8; 32];

pub use export::{
    AuditExport, EXPORT_FORMAT_VERSION, EXPORT_MAGIC, ExportedChange, ExportedDevice,
    ExportedManifest, ExportedRoster, SignedExport,
};
pub use verify::{
    Finding, FindingReason, VerifyReport, read_export, verify_export, verify_export_with_progress,
};

/// What a device signature is made over: this tag, the device id's length and bytes, then the
/// change hash. The tag names the version of this layout.
const CHANGE_SIGNATURE_TAG: &[u8] = b"mitan/change-signature/v1";

/// What a request's manifest signature is made over: this tag, the device id's length and
/// bytes, the number of hashes (little-endian `u32`), then the hashes in the order offered.
const MANIFEST_SIGNATURE_TAG: &[u8] = b"mitan/sync-manifest/v1";

/// What a whole export is signed over by the server: this tag, then the export's body.
const EXPORT_SIGNATURE_TAG: &[u8] = b"mitan/audit-export/v1";

/// An Ed25519 public key, as registered for a device or held by the server.
pub type PublicKey = [u8; 32];

/// An Ed25519 signature of a change (or of an export), 64 bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Signature(pub [u8; 64]);

impl std::fmt::Debug for Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Signature({}…)",
            crate::history::hex_encode(&self.0[..8])
        )
    }
}

impl Signature {
    /// The signature held in `bytes`, if they are 64 long (as a database column holds it).
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok().map(Signature)
    }
}

// Serialized as a byte string rather than 64 separate elements: postcard then writes a
// one-byte length and the bytes, and JSON (if anyone asks) a compact array.
impl Serialize for Signature {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(&self.0)
    }
}

impl<'de> Deserialize<'de> for Signature {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Signature;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("64 signature bytes")
            }
            fn visit_bytes<E: serde::de::Error>(self, bytes: &[u8]) -> Result<Signature, E> {
                Signature::from_slice(bytes)
                    .ok_or_else(|| E::invalid_length(bytes.len(), &"64 bytes"))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Signature, A::Error> {
                let mut bytes = [0u8; 64];
                for (index, byte) in bytes.iter_mut().enumerate() {
                    *byte = seq
                        .next_element()?
                        .ok_or_else(|| serde::de::Error::invalid_length(index, &"64 bytes"))?;
                }
                Ok(Signature(bytes))
            }
        }
        deserializer.deserialize_bytes(Visitor)
    }
}

/// A device's (or the server's) private signing key. It never leaves the store that drew it,
/// and never reaches a log line.
#[derive(Clone)]
pub struct DeviceKey(SigningKey);

impl std::fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "DeviceKey(public {})",
            crate::history::hex_encode(&self.public())
        )
    }
}

impl DeviceKey {
    /// The key whose secret is these 32 bytes (drawn from the operating system's RNG by
    /// whoever stores it).
    pub fn from_secret(secret: [u8; 32]) -> Self {
        DeviceKey(SigningKey::from_bytes(&secret))
    }

    /// The secret, for the store that keeps it.
    pub fn secret(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// The public half, registered with the server.
    pub fn public(&self) -> PublicKey {
        self.0.verifying_key().to_bytes()
    }

    /// Signs the change `hash` as sent by `device`.
    ///
    /// ```
    /// use mitan_core::provenance::{DeviceKey, verify_change};
    /// let key = DeviceKey::from_secret([7; 32]);
    /// let device = "dev-1".parse().unwrap();
    /// let signature = key.sign_change(&device, &[1; 32]);
    /// assert!(verify_change(&key.public(), &device, &[1; 32], &signature));
    /// assert!(!verify_change(&key.public(), &"dev-2".parse().unwrap(), &[1; 32], &signature));
    /// ```
    pub fn sign_change(&self, device: &DeviceId, hash: &ChangeHash) -> Signature {
        Signature(self.0.sign(&change_message(device, hash)).to_bytes())
    }

    /// Signs the manifest of one sync request (protocol 5): every change hash it offers, in
    /// order, as sent by `device`. One signature then vouches for the whole request, and a
    /// change is attributed by its hash being in a manifest its device signed.
    ///
    /// ```
    /// use mitan_core::provenance::{DeviceKey, verify_manifest};
    /// let key = DeviceKey::from_secret([7; 32]);
    /// let device = "dev-1".parse().unwrap();
    /// let signature = key.sign_manifest(&device, &[[1; 32], [2; 32]]);
    /// assert!(verify_manifest(&key.public(), &device, &[[1; 32], [2; 32]], &signature));
    /// assert!(!verify_manifest(&key.public(), &device, &[[2; 32], [1; 32]], &signature));
    /// ```
    pub fn sign_manifest(&self, device: &DeviceId, hashes: &[ChangeHash]) -> Signature {
        Signature(self.0.sign(&manifest_message(device, hashes)).to_bytes())
    }

    /// Signs an export's body (the server's key does this).
    pub fn sign_export(&self, body: &[u8]) -> Signature {
        Signature(self.0.sign(&tagged(EXPORT_SIGNATURE_TAG, body)).to_bytes())
    }
}

fn tagged(tag: &[u8], body: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(tag.len() + body.len());
    message.extend_from_slice(tag);
    message.extend_from_slice(body);
    message
}

/// The bytes a change signature covers. The device id is length-prefixed so that no id can
/// be extended into the hash's bytes.
fn change_message(device: &DeviceId, hash: &ChangeHash) -> Vec<u8> {
    let id = device.as_str().as_bytes();
    let mut message = Vec::with_capacity(CHANGE_SIGNATURE_TAG.len() + 1 + id.len() + hash.len());
    message.extend_from_slice(CHANGE_SIGNATURE_TAG);
    // Device ids are at most 48 bytes (`DeviceId`), so one byte holds the length.
    message.push(u8::try_from(id.len()).unwrap_or(u8::MAX));
    message.extend_from_slice(id);
    message.extend_from_slice(hash);
    message
}

/// The bytes a manifest signature covers. The count keeps a list from being read as a
/// shorter one followed by other bytes.
fn manifest_message(device: &DeviceId, hashes: &[ChangeHash]) -> Vec<u8> {
    let id = device.as_str().as_bytes();
    let mut message =
        Vec::with_capacity(MANIFEST_SIGNATURE_TAG.len() + 1 + id.len() + 4 + 32 * hashes.len());
    message.extend_from_slice(MANIFEST_SIGNATURE_TAG);
    message.push(u8::try_from(id.len()).unwrap_or(u8::MAX));
    message.extend_from_slice(id);
    message.extend_from_slice(
        &u32::try_from(hashes.len())
            .unwrap_or(u32::MAX)
            .to_le_bytes(),
    );
    for hash in hashes {
        message.extend_from_slice(hash);
    }
    message
}

fn verify_message(public: &PublicKey, message: &[u8], signature: &Signature) -> bool {
    let Ok(key) = VerifyingKey::from_bytes(public) else {
        return false;
    };
    // Strict verification refuses the malleable and small-order forms, so one change has one
    // valid signature per key and a crafted key cannot make a signature valid for everyone.
    key.verify_strict(message, &ed25519_dalek::Signature::from_bytes(&signature.0))
        .is_ok()
}

/// Whether `signature` is `public`'s signature of change `hash` sent by `device`.
pub fn verify_change(
    public: &PublicKey,
    device: &DeviceId,
    hash: &ChangeHash,
    signature: &Signature,
) -> bool {
    verify_message(public, &change_message(device, hash), signature)
}

/// Whether `signature` is `public`'s signature of the manifest `hashes` sent by `device`.
pub fn verify_manifest(
    public: &PublicKey,
    device: &DeviceId,
    hashes: &[ChangeHash],
    signature: &Signature,
) -> bool {
    verify_message(public, &manifest_message(device, hashes), signature)
}

/// Whether `signature` is `public`'s signature of the export body `body`.
pub fn verify_export_signature(public: &PublicKey, body: &[u8], signature: &Signature) -> bool {
    verify_message(public, &tagged(EXPORT_SIGNATURE_TAG, body), signature)
}

/// Whether `bytes` are a usable Ed25519 public key (a registration checks this).
pub fn is_public_key(bytes: &PublicKey) -> bool {
    VerifyingKey::from_bytes(bytes).is_ok_and(|key| !key.is_weak())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(id: &str) -> DeviceId {
        id.parse().expect("valid device id")
    }

    #[test]
    fn a_signature_holds_for_its_device_and_hash_only() {
        let key = DeviceKey::from_secret([3; 32]);
        let other = DeviceKey::from_secret([4; 32]);
        let signature = key.sign_change(&device("dev-a"), &[9; 32]);
        assert!(verify_change(
            &key.public(),
            &device("dev-a"),
            &[9; 32],
            &signature
        ));
        assert!(!verify_change(
            &key.public(),
            &device("dev-b"),
            &[9; 32],
            &signature
        ));
        assert!(!verify_change(
            &key.public(),
            &device("dev-a"),
            &[8; 32],
            &signature
        ));
        assert!(!verify_change(
            &other.public(),
            &device("dev-a"),
            &[9; 32],
            &signature
        ));
    }

    #[test]
    fn a_change_signature_is_not_an_export_signature() {
        let key = DeviceKey::from_secret([5; 32]);
        let change = change_message(&device("dev-a"), &[1; 32]);
        let signature = key.sign_export(&change);
        assert!(!verify_change(
            &key.public(),
            &device("dev-a"),
            &[1; 32],
            &signature
        ));
    }

    #[test]
    fn a_manifest_signature_is_not_a_change_signature() {
        let key = DeviceKey::from_secret([5; 32]);
        let one = key.sign_manifest(&device("dev-a"), &[[1; 32]]);
        assert!(!verify_change(
            &key.public(),
            &device("dev-a"),
            &[1; 32],
            &one
        ));
        let change = key.sign_change(&device("dev-a"), &[1; 32]);
        assert!(!verify_manifest(
            &key.public(),
            &device("dev-a"),
            &[[1; 32]],
            &change
        ));
        assert!(verify_manifest(
            &key.public(),
            &device("dev-a"),
            &[[1; 32]],
            &one
        ));
        assert!(!verify_manifest(
            &key.public(),
            &device("dev-b"),
            &[[1; 32]],
            &one
        ));
        assert!(!verify_manifest(
            &key.public(),
            &device("dev-a"),
            &[[1; 32], [1; 32]],
            &one
        ));
    }

    #[test]
    fn signatures_round_trip_through_postcard_as_65_bytes() {
        let signature = DeviceKey::from_secret([6; 32]).sign_change(&device("d"), &[2; 32]);
        let bytes = postcard::to_stdvec(&signature).expect("encodes");
        assert_eq!(bytes.len(), 65);
        let back: Signature = postcard::from_bytes(&bytes).expect("decodes");
        assert_eq!(back, signature);
        assert!(postcard::from_bytes::<Signature>(&bytes[..40]).is_err());
    }
}
