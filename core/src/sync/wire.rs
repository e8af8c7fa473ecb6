//! The sync messages and their encoding: postcard, then zstd. Lists of changes are packed
//! (`packing`) so the hashes that chain them are not sent twice.
//!
//! Every exchange is self-contained (PITFALLS: Automerge's own sync protocol assumes a
//! reliable, in-order transport, and HTTP over 2G is neither). A request carries what the
//! device has that the server has not acknowledged, plus the device's heads; the reply carries
//! what the device lacks. One round trip is the common case.

use serde::{Deserialize, Serialize};

use super::refusal::Refusal;
use crate::error::{Error, Result};
use crate::model::{DeviceId, EntryId};
use crate::provenance::{DeviceKey, Signature};

/// The protocol version this build speaks. 2: data keys travel beside the changes. 3: keys
/// name a roster entry of either kind, volunteer or camera (camera owners are sealed too).
/// 4: every offered change carries the sending device's signature (`provenance`).
pub const PROTOCOL_VERSION: u16 = 4;

/// A change hash on the wire.
pub type Hash = [u8; 32];

/// Limits both sides enforce on what they accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most bytes a message may decompress to: a guard against compression bombs.
    pub max_message_bytes: usize,
    /// The most changes a device sends in one request; the rest wait for the next round.
    pub max_changes_per_request: usize,
    /// The most change bytes the server sends in one reply before saying "more".
    pub max_reply_change_bytes: usize,
    /// The most rounds one sync may take before it is abandoned as not settling.
    pub max_rounds: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message_bytes: 32 * 1024 * 1024,
            max_changes_per_request: 1_000,
            max_reply_change_bytes: 4 * 1024 * 1024,
            max_rounds: 8,
        }
    }
}

/// What a device sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncRequest {
    /// [`PROTOCOL_VERSION`] of the sender.
    pub protocol: u16,
    /// One offer per roster the device holds.
    pub rosters: Vec<RosterOffer>,
}

/// A device's position in one roster and the changes the server has not acknowledged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterOffer {
    /// The roster (beat code).
    pub roster: String,
    /// The device's heads; empty when the device has nothing (a new or reinstalled phone).
    pub heads: Vec<Hash>,
    /// Encoded changes, in causal order.
    #[serde(with = "super::packing::changes")]
    pub changes: Vec<Vec<u8>>,
    /// The data keys of the entries (volunteers enrolled, cameras registered) this device
    /// wrote in changes the server has not acknowledged. The server keeps a key only once it
    /// holds the entry and the key opens it.
    pub keys: Vec<KeyGrant>,
    /// Entries of this roster whose personal fields this device holds sealed, without a key:
    /// the server answers with the keys the device may have.
    pub want_keys: Vec<EntryRef>,
    /// The sending device's signature of each change in `changes`, in the same order
    /// (`provenance::DeviceKey::sign_change`). The server refuses a change without one.
    pub signatures: Vec<Signature>,
}

impl RosterOffer {
    /// This offer with every change signed as `device`'s with `key`, replacing any
    /// signatures it held: what `ClientSession` does for a device, for tools and tests that
    /// build offers by hand. Bytes that are no change get a signature of nothing (all-zero
    /// hash), which no server accepts.
    pub fn signed_by(mut self, device: &DeviceId, key: &DeviceKey) -> Self {
        self.signatures = self
            .changes
            .iter()
            .map(|bytes| {
                let hash = crate::model::inspect_change(bytes).map_or([0; 32], |info| info.hash);
                key.sign_change(device, &hash)
            })
            .collect();
        self
    }
}

/// A roster entry on the wire: its kind (one byte) and its ULID bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum EntryRef {
    /// A volunteer.
    Volunteer([u8; 16]),
    /// A private camera.
    Camera([u8; 16]),
}

impl From<EntryId> for EntryRef {
    fn from(entry: EntryId) -> Self {
        match entry {
            EntryId::Volunteer(id) => EntryRef::Volunteer(id.to_bytes()),
            EntryId::Camera(id) => EntryRef::Camera(id.to_bytes()),
        }
    }
}

impl From<EntryRef> for EntryId {
    fn from(entry: EntryRef) -> Self {
        match entry {
            EntryRef::Volunteer(bytes) => {
                EntryId::Volunteer(crate::model::VolunteerId::from_bytes(bytes))
            }
            EntryRef::Camera(bytes) => EntryId::Camera(crate::model::CameraId::from_bytes(bytes)),
        }
    }
}

/// A roster entry's data key, as it travels over the authenticated channel. Keys never enter
/// a roster document.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyGrant {
    /// The entry the key opens.
    pub entry: EntryRef,
    /// The key.
    pub key: [u8; 32],
}

impl std::fmt::Debug for KeyGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A key must never reach a log line.
        f.debug_struct("KeyGrant")
            .field("entry", &EntryId::from(self.entry).to_string())
            .finish_non_exhaustive()
    }
}

/// What the server answers, after everything it accepted is durably stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncResponse {
    /// [`PROTOCOL_VERSION`] of the server.
    pub protocol: u16,
    /// One reply per offer, in the same order.
    pub rosters: Vec<RosterReply>,
}

/// The server's answer for one roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterReply {
    /// The roster (beat code).
    pub roster: String,
    /// Set when the whole offer was refused (e.g. `forbidden`); nothing of it was stored.
    pub refused: Option<String>,
    /// Offered changes that were not stored, with a stable reason code. Every other offered
    /// change is stored durably.
    pub rejected: Vec<RejectedChange>,
    /// Changes the device lacks, in causal order.
    #[serde(with = "super::packing::changes")]
    pub changes: Vec<Vec<u8>>,
    /// The whole roster as a saved document, sent instead of changes to a device that has
    /// nothing.
    pub snapshot: Option<Vec<u8>>,
    /// The server's heads after this exchange.
    pub server_heads: Vec<Hash>,
    /// The reply was cut at the size limit; ask again for the rest.
    pub more: bool,
    /// The server does not know some of the device's heads (it lost data, or the device
    /// believes it delivered changes that never arrived): the device should resend all of its
    /// own changes.
    pub resend_all: bool,
    /// Keys of entries this reply brings, or that the device asked for: only of entries in
    /// this roster, never of a volunteer who withdrew.
    pub keys: Vec<KeyGrant>,
}

/// An offered change the server did not store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedChange {
    /// Its hash (all zeros when the bytes could not even be decoded).
    pub hash: Hash,
    /// A [`Refusal`]'s code, e.g. `forged_actor`, `undecodable`, `missing_dependency`. Kept a
    /// string on the wire so that a reply naming a code of a newer build still decodes; read
    /// it with [`RejectedChange::refusal`].
    pub reason: String,
}

impl RejectedChange {
    /// The change with hash `hash`, refused for `refusal`.
    pub fn new(hash: Hash, refusal: Refusal) -> Self {
        RejectedChange {
            hash,
            reason: refusal.as_str().to_owned(),
        }
    }

    /// Why it was refused, or `None` for a code this build does not know.
    pub fn refusal(&self) -> Option<Refusal> {
        self.reason.parse().ok()
    }
}

/// zstd level for sync messages: high, because on 2G a byte costs far more than a CPU cycle,
/// and messages are small enough that even a cheap phone compresses them in milliseconds.
const ZSTD_LEVEL: i32 = 15;

fn encode<T: Serialize>(message: &T) -> Vec<u8> {
    let plain = postcard::to_stdvec(message).expect("sync messages hold only plain data");
    zstd::bulk::compress(&plain, ZSTD_LEVEL)
        .expect("compressing into a growable buffer cannot fail")
}

fn decode<T: for<'de> Deserialize<'de>>(
    what: &'static str,
    bytes: &[u8],
    limits: &Limits,
) -> Result<T> {
    let plain =
        zstd::bulk::decompress(bytes, limits.max_message_bytes).map_err(|error| Error::Decode {
            what,
            reason: format!("zstd: {error}"),
        })?;
    // The version is the first field of both messages and is read on its own first: a
    // message of another version is laid out differently after it (version 4 added the
    // signatures), and its sender must be told which version it failed on, not that its
    // bytes are malformed.
    if let Ok((protocol, _)) = postcard::take_from_bytes::<u16>(&plain) {
        check_protocol(protocol)?;
    }
    let (message, rest) = postcard::take_from_bytes(&plain).map_err(|error| Error::Decode {
        what,
        reason: format!("postcard: {error}"),
    })?;
    // Bytes after the message carry nothing a peer may act on; a body padded to inflate to
    // megabytes is refused rather than silently cut short.
    if !rest.is_empty() {
        return Err(Error::Decode {
            what,
            reason: format!("{} byte(s) after the message", rest.len()),
        });
    }
    Ok(message)
}

impl SyncRequest {
    /// The compressed bytes to send.
    pub fn encode(&self) -> Vec<u8> {
        encode(self)
    }

    /// Decodes a request, refusing oversize or malformed input and other protocol versions.
    pub fn decode(bytes: &[u8], limits: &Limits) -> Result<Self> {
        let request: SyncRequest = decode("sync request", bytes, limits)?;
        check_protocol(request.protocol)?;
        let changes: usize = request
            .rosters
            .iter()
            .map(|offer| offer.changes.len())
            .sum();
        if changes > limits.max_changes_per_request {
            return Err(Error::Decode {
                what: "sync request",
                reason: format!(
                    "{changes} changes, limit {}",
                    limits.max_changes_per_request
                ),
            });
        }
        Ok(request)
    }
}

impl SyncResponse {
    /// The compressed bytes to send.
    pub fn encode(&self) -> Vec<u8> {
        encode(self)
    }

    /// Decodes a response, refusing oversize or malformed input and other protocol versions.
    pub fn decode(bytes: &[u8], limits: &Limits) -> Result<Self> {
        let response: SyncResponse = decode("sync response", bytes, limits)?;
        check_protocol(response.protocol)?;
        Ok(response)
    }
}

fn check_protocol(got: u16) -> Result<()> {
    if got == PROTOCOL_VERSION {
        Ok(())
    } else {
        Err(Error::UnsupportedProtocol {
            got,
            supported: PROTOCOL_VERSION,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A roster offer as protocol 3 laid it out: no signatures.
    #[derive(Serialize)]
    struct OfferV3 {
        roster: String,
        heads: Vec<Hash>,
        changes: Vec<Vec<u8>>,
        keys: Vec<KeyGrant>,
        want_keys: Vec<EntryRef>,
    }

    #[derive(Serialize)]
    struct RequestV3 {
        protocol: u16,
        rosters: Vec<OfferV3>,
    }

    #[test]
    fn a_refusal_code_this_build_does_not_know_still_decodes() {
        let response = SyncResponse {
            protocol: PROTOCOL_VERSION,
            rosters: vec![RosterReply {
                roster: "BSP-PS-KONI-B01".into(),
                refused: None,
                rejected: vec![
                    RejectedChange::new([1; 32], Refusal::BeatMismatch),
                    RejectedChange {
                        hash: [2; 32],
                        reason: "a_code_from_a_newer_server".into(),
                    },
                ],
                changes: Vec::new(),
                snapshot: None,
                server_heads: Vec::new(),
                more: false,
                resend_all: false,
                keys: Vec::new(),
            }],
        };
        let decoded = SyncResponse::decode(&response.encode(), &Limits::default())
            .expect("an unknown code is still a string on the wire");
        let rejected = &decoded.rosters[0].rejected;
        assert_eq!(rejected[0].reason, "beat_mismatch");
        assert_eq!(rejected[0].refusal(), Some(Refusal::BeatMismatch));
        assert_eq!(rejected[1].refusal(), None);
    }

    #[test]
    fn a_protocol_3_request_is_refused_by_its_version_not_as_malformed() {
        let old = RequestV3 {
            protocol: 3,
            rosters: vec![OfferV3 {
                roster: "BSP-PS-KONI-B01".into(),
                heads: vec![[1; 32]],
                changes: vec![vec![2; 40]],
                keys: Vec::new(),
                want_keys: Vec::new(),
            }],
        };
        let bytes = encode(&old);
        match SyncRequest::decode(&bytes, &Limits::default()) {
            Err(Error::UnsupportedProtocol { got, supported }) => {
                assert_eq!((got, supported), (3, PROTOCOL_VERSION));
            }
            other => panic!("expected an unsupported protocol, got {other:?}"),
        }
    }

    #[test]
    fn bytes_after_a_message_are_refused() {
        let request = SyncRequest {
            protocol: PROTOCOL_VERSION,
            rosters: Vec::new(),
        };
        let mut plain = postcard::to_stdvec(&request).expect("encodes");
        let limits = Limits::default();
        let exact = zstd::bulk::compress(&plain, 3).expect("compresses");
        assert!(SyncRequest::decode(&exact, &limits).is_ok());
        plain.extend(std::iter::repeat_n(0u8, 1 << 20));
        let padded = zstd::bulk::compress(&plain, 3).expect("compresses");
        assert!(
            padded.len() < 1_024,
            "a small body that inflates to a megabyte"
        );
        let refused = SyncRequest::decode(&padded, &limits).expect_err("trailing bytes");
        assert!(
            refused.to_string().contains("after the message"),
            "{refused}"
        );
    }
}
