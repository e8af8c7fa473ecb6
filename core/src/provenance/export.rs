//! The audit export file: every logged change of the rosters it covers (raw bytes), each
//! change's signature, the sending devices' public keys and actors, and the server's receipt
//! times, signed as a whole by the server's key. An auditor verifies it with nothing else
//! ([`super::verify_export`]).
//!
//! Layout, version 1:
//!
//! | bytes | what |
//! |---|---|
//! | 8 | magic `MITANAUD` |
//! | 2 | format version, little-endian (1) |
//! | rest | zstd of postcard of [`SignedExport`]: the postcard bytes of an [`AuditExport`] and the server's signature of them |
//!
//! The body is kept as the exact bytes the server signed, so verification never depends on
//! re-encoding. Fields are only ever added at the end of a struct, with a new version.
//! Personal fields stay sealed: they are ciphertext inside the changes, and no key is exported.

use serde::{Deserialize, Serialize};

use super::{ChangeHash, DeviceKey, PublicKey, Signature};
use crate::error::{Error, Result};

/// The first bytes of every export file.
pub const EXPORT_MAGIC: &[u8; 8] = b"MITANAUD";

/// The format version this build writes and reads.
pub const EXPORT_FORMAT_VERSION: u16 = 1;

/// The most bytes an export may decompress to: far above a district's history (a change
/// takes about 400 bytes, so 4 GiB holds ten million), and a bound against compression bombs.
const MAX_EXPORT_BYTES: usize = 4 << 30;

/// zstd level: exports are written once, read rarely, and carried on pen drives.
const ZSTD_LEVEL: i32 = 9;

/// What an export holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditExport {
    /// When the server wrote it, by the server's clock (milliseconds since the epoch).
    pub created_at_ms: i64,
    /// The auditor's badge.
    pub exported_by: String,
    /// What was asked for: `district`, or the unit whose beats it covers.
    pub scope: String,
    /// The server's public key: it signs the export, and the changes it writes for
    /// supervisors (whose writers it names in `devices`).
    pub server_key: PublicKey,
    /// Every device that sent a change in the export.
    pub devices: Vec<ExportedDevice>,
    /// The rosters, each with every change the server logged for it.
    pub rosters: Vec<ExportedRoster>,
}

/// A device as the export names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportedDevice {
    /// Its id.
    pub device: String,
    /// Whose it is.
    pub badge: String,
    /// The Automerge actor it writes with: a change it signed must carry it.
    pub actor: [u8; 16],
    /// Its registered public key; `None` for a device registered before keys were.
    pub public_key: Option<PublicKey>,
}

/// One roster's logged changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportedRoster {
    /// The roster (beat code).
    pub roster: String,
    /// The server's heads of the roster when exported: a head missing from `changes` means
    /// the newest change was removed, which no dependency would show.
    pub heads: Vec<ChangeHash>,
    /// Every change in receipt order.
    pub changes: Vec<ExportedChange>,
}

/// One logged change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportedChange {
    /// Its hash as logged; verification recomputes it from `bytes`.
    pub hash: ChangeHash,
    /// The encoded Automerge change.
    pub bytes: Vec<u8>,
    /// The device that sent it (for a supervisor's action, their server-side writer).
    pub device: String,
    /// The device's signature of `hash`, or `None` for a change logged before signatures.
    pub signature: Option<Signature>,
    /// When the server received it, by the server's clock.
    pub received_at_ms: i64,
}

/// The container: the body's exact bytes and the server's signature of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedExport {
    /// The postcard encoding of an [`AuditExport`].
    pub body: Vec<u8>,
    /// The server's signature of `body` (`DeviceKey::sign_export`).
    pub signature: Signature,
}

impl AuditExport {
    /// The export file's bytes, signed with `server_key`, whose public half must be
    /// `self.server_key`.
    pub fn encode(&self, server_key: &DeviceKey) -> Vec<u8> {
        let body = postcard::to_stdvec(self).expect("an export holds only plain data");
        let signed = SignedExport {
            signature: server_key.sign_export(&body),
            body,
        };
        signed.encode()
    }
}

impl SignedExport {
    /// The export file's bytes: magic, version, then the compressed container.
    pub fn encode(&self) -> Vec<u8> {
        let plain = postcard::to_stdvec(self).expect("an export holds only plain data");
        let compressed = zstd::bulk::compress(&plain, ZSTD_LEVEL)
            .expect("compressing into a growable buffer cannot fail");
        let mut file = Vec::with_capacity(EXPORT_MAGIC.len() + 2 + compressed.len());
        file.extend_from_slice(EXPORT_MAGIC);
        file.extend_from_slice(&EXPORT_FORMAT_VERSION.to_le_bytes());
        file.extend_from_slice(&compressed);
        file
    }

    /// Reads an export file's container; the body is decoded by [`SignedExport::export`].
    pub fn decode(file: &[u8]) -> Result<Self> {
        let bad = |reason: String| Error::Decode {
            what: "audit export",
            reason,
        };
        let Some(rest) = file.strip_prefix(EXPORT_MAGIC.as_slice()) else {
            return Err(bad("not a Mitan audit export (no MITANAUD magic)".into()));
        };
        let (version, compressed) = rest
            .split_first_chunk::<2>()
            .ok_or_else(|| bad("truncated before its format version".into()))?;
        let version = u16::from_le_bytes(*version);
        if version != EXPORT_FORMAT_VERSION {
            return Err(bad(format!(
                "format version {version} not supported (this build reads {EXPORT_FORMAT_VERSION})"
            )));
        }
        // Decompressed in a stream with a cap rather than in one call, since the size the
        // frame claims is itself untrusted.
        let mut plain = Vec::new();
        let decoder = zstd::stream::read::Decoder::new(compressed)
            .map_err(|error| bad(format!("zstd: {error}")))?;
        use std::io::Read;
        decoder
            .take(MAX_EXPORT_BYTES as u64 + 1)
            .read_to_end(&mut plain)
            .map_err(|error| bad(format!("zstd: {error}")))?;
        if plain.len() > MAX_EXPORT_BYTES {
            return Err(bad(format!("decompresses past {MAX_EXPORT_BYTES} bytes")));
        }
        postcard::from_bytes(&plain).map_err(|error| bad(format!("postcard: {error}")))
    }

    /// The export the body holds.
    pub fn export(&self) -> Result<AuditExport> {
        postcard::from_bytes(&self.body).map_err(|error| Error::Decode {
            what: "audit export body",
            reason: format!("postcard: {error}"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> AuditExport {
        AuditExport {
            created_at_ms: 1_700_000_000_000,
            exported_by: "CG-AUD-1".into(),
            scope: "district".into(),
            server_key: DeviceKey::from_secret([1; 32]).public(),
            devices: vec![ExportedDevice {
                device: "dev-1".into(),
                badge: "CG-1".into(),
                actor: [2; 16],
                public_key: Some(DeviceKey::from_secret([3; 32]).public()),
            }],
            rosters: vec![ExportedRoster {
                roster: "B-1".into(),
                heads: vec![[4; 32]],
                changes: vec![ExportedChange {
                    hash: [4; 32],
                    bytes: vec![5; 40],
                    device: "dev-1".into(),
                    signature: None,
                    received_at_ms: 9,
                }],
            }],
        }
    }

    #[test]
    fn an_export_round_trips_through_its_file() {
        let export = sample();
        let file = export.encode(&DeviceKey::from_secret([1; 32]));
        assert!(file.starts_with(b"MITANAUD\x01\x00"));
        let signed = SignedExport::decode(&file).expect("decodes");
        assert_eq!(signed.export().expect("body decodes"), export);
    }

    #[test]
    fn another_format_version_is_refused_by_name() {
        let mut file = sample().encode(&DeviceKey::from_secret([1; 32]));
        file[8] = 2;
        let error = SignedExport::decode(&file)
            .expect_err("refused")
            .to_string();
        assert!(error.contains("format version 2 not supported"), "{error}");
        assert!(SignedExport::decode(b"PK\x03\x04").is_err());
    }
}
