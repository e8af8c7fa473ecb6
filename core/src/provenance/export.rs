//! The audit export file: every logged change of the rosters it covers (raw bytes), each
//! change's signature, the sending devices' public keys and actors, and the server's receipt
//! times, signed as a whole by the server's key. An auditor verifies it with nothing else
//! ([`super::verify_export`]).
//!
//! Layout, version 2:
//!
//! | bytes | what |
//! |---|---|
//! | 8 | magic `MITANAUD` |
//! | 2 | format version, little-endian (2; 1 is still read) |
//! | rest | zstd of postcard of [`SignedExport`]: the postcard bytes of an [`AuditExport`] and the server's signature of them |
//!
//! The body is kept as the exact bytes the server signed, so verification never depends on
//! re-encoding. Fields are only ever added at the end of a struct, with a new version.
//! Version 2 added the signed manifests of protocol 5's requests: a change sent by such a
//! request names its manifest instead of carrying a signature of its own.
//! Personal fields stay sealed: they are ciphertext inside the changes, and no key is exported.

use serde::{Deserialize, Serialize};

use super::{ChangeHash, DeviceKey, PublicKey, Signature};
use crate::error::{Error, Result};

/// The first bytes of every export file.
pub const EXPORT_MAGIC: &[u8; 8] = b"MITANAUD";

/// The format version this build writes; it also reads version 1.
pub const EXPORT_FORMAT_VERSION: u16 = 2;

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
    /// The signed manifests that the changes name (version 2).
    pub manifests: Vec<ExportedManifest>,
}

/// A protocol 5 request's manifest as the server logged it: the hashes of every change the
/// request offered, in order, and the sending device's signature of them. It may name
/// changes the export does not hold (refused, or of a roster outside its scope): the
/// signature covers the whole list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportedManifest {
    /// The device that sent the request.
    pub device: String,
    /// The offered changes' hashes, in the order offered.
    pub hashes: Vec<ChangeHash>,
    /// The device's signature of them (`DeviceKey::sign_manifest`).
    pub signature: Signature,
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
    /// The device's signature of `hash`; `None` for a change that a manifest vouches for, or
    /// one logged before signatures.
    pub signature: Option<Signature>,
    /// When the server received it, by the server's clock.
    pub received_at_ms: i64,
    /// The index in [`AuditExport::manifests`] of the manifest that vouches for it, for a
    /// change sent in protocol 5 (version 2).
    pub manifest: Option<u32>,
}

/// Version 1's layouts, read from older files.
mod v1 {
    use super::*;

    #[derive(Deserialize)]
    pub(super) struct Export {
        created_at_ms: i64,
        exported_by: String,
        scope: String,
        server_key: PublicKey,
        devices: Vec<ExportedDevice>,
        rosters: Vec<Roster>,
    }

    #[derive(Deserialize)]
    struct Roster {
        roster: String,
        heads: Vec<ChangeHash>,
        changes: Vec<Change>,
    }

    #[derive(Deserialize)]
    struct Change {
        hash: ChangeHash,
        bytes: Vec<u8>,
        device: String,
        signature: Option<Signature>,
        received_at_ms: i64,
    }

    impl From<Export> for AuditExport {
        fn from(old: Export) -> Self {
            AuditExport {
                created_at_ms: old.created_at_ms,
                exported_by: old.exported_by,
                scope: old.scope,
                server_key: old.server_key,
                devices: old.devices,
                rosters: old
                    .rosters
                    .into_iter()
                    .map(|roster| ExportedRoster {
                        roster: roster.roster,
                        heads: roster.heads,
                        changes: roster
                            .changes
                            .into_iter()
                            .map(|change| ExportedChange {
                                hash: change.hash,
                                bytes: change.bytes,
                                device: change.device,
                                signature: change.signature,
                                received_at_ms: change.received_at_ms,
                                manifest: None,
                            })
                            .collect(),
                    })
                    .collect(),
                manifests: Vec::new(),
            }
        }
    }
}

/// The container: the body's exact bytes and the server's signature of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedExport {
    /// The postcard encoding of an [`AuditExport`].
    pub body: Vec<u8>,
    /// The server's signature of `body` (`DeviceKey::sign_export`).
    pub signature: Signature,
    /// The file's format version, which decides the body's layout; not part of the
    /// container's bytes (the file's header carries it).
    #[serde(skip)]
    pub format: u16,
}

impl AuditExport {
    /// The export file's bytes, signed with `server_key`, whose public half must be
    /// `self.server_key`.
    pub fn encode(&self, server_key: &DeviceKey) -> Vec<u8> {
        let body = postcard::to_stdvec(self).expect("an export holds only plain data");
        let signed = SignedExport {
            signature: server_key.sign_export(&body),
            body,
            format: EXPORT_FORMAT_VERSION,
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
        file.extend_from_slice(&self.format.to_le_bytes());
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
        if !(1..=EXPORT_FORMAT_VERSION).contains(&version) {
            return Err(bad(format!(
                "format version {version} not supported (this build reads 1 to {EXPORT_FORMAT_VERSION})"
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
        let mut signed: SignedExport =
            postcard::from_bytes(&plain).map_err(|error| bad(format!("postcard: {error}")))?;
        signed.format = version;
        Ok(signed)
    }

    /// The export the body holds, read in the layout of the file's format version.
    pub fn export(&self) -> Result<AuditExport> {
        let bad = |error: postcard::Error| Error::Decode {
            what: "audit export body",
            reason: format!("postcard: {error}"),
        };
        if self.format == 1 {
            postcard::from_bytes::<v1::Export>(&self.body)
                .map(AuditExport::from)
                .map_err(bad)
        } else {
            postcard::from_bytes(&self.body).map_err(bad)
        }
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
                    manifest: None,
                }],
            }],
            manifests: Vec::new(),
        }
    }

    #[test]
    fn an_export_round_trips_through_its_file() {
        let export = sample();
        let file = export.encode(&DeviceKey::from_secret([1; 32]));
        assert!(file.starts_with(b"MITANAUD\x02\x00"));
        let signed = SignedExport::decode(&file).expect("decodes");
        assert_eq!(signed.export().expect("body decodes"), export);
    }

    #[test]
    fn another_format_version_is_refused_by_name() {
        let mut file = sample().encode(&DeviceKey::from_secret([1; 32]));
        file[8] = 3;
        let error = SignedExport::decode(&file)
            .expect_err("refused")
            .to_string();
        assert!(error.contains("format version 3 not supported"), "{error}");
        assert!(SignedExport::decode(b"PK\x03\x04").is_err());
    }
}
