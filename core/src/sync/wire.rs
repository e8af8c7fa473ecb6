//! The sync messages and their encoding: postcard, then zstd. Lists of changes are packed
//! (`packing`) so the hashes that chain them are not sent twice.
//!
//! Every exchange is self-contained (PITFALLS: Automerge's own sync protocol assumes a
//! reliable, in-order transport, and HTTP over 2G is neither). A request carries what the
//! device has that the server has not acknowledged, plus the device's heads; the reply carries
//! what the device lacks. One round trip is the common case.

use serde::{Deserialize, Serialize};

use super::compression::{compress, inflate};
use super::layouts::{RequestV4, RequestV5, ResponseV5};
use super::refusal::Refusal;
use crate::error::{Error, Result};
use crate::model::{DeviceId, EntryId};
use crate::provenance::{DeviceKey, Signature};

/// The protocol version this build speaks. 2: data keys travel beside the changes. 3: keys
/// name a roster entry of either kind, volunteer or camera (camera owners are sealed too).
/// 4: every offered change carries the sending device's signature (`provenance`).
/// 5: one signature per request, over the manifest of every change hash it offers; keys of
/// the entries the changes write sent without their ids; zstd with a dictionary fixed for
/// the version (`compression`); and replies saying when a phone may seal a new entry's
/// personal fields together.
pub const PROTOCOL_VERSION: u16 = 5;

/// The oldest version this build still reads and answers in, so phones of the previous
/// release keep syncing while a district rolls the new one out.
pub const OLDEST_PROTOCOL: u16 = 4;

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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncRequest {
    /// The version the sender speaks, [`OLDEST_PROTOCOL`] to [`PROTOCOL_VERSION`]; it decides
    /// the layout on the wire and how the changes are signed.
    pub protocol: u16,
    /// One offer per roster the device holds.
    pub rosters: Vec<RosterOffer>,
    /// Protocol 5: the sending device's signature of the request's manifest, the hashes of
    /// every change in `rosters` in the order offered (`DeviceKey::sign_manifest`). `None`
    /// in protocol 4, whose offers sign each change instead.
    pub manifest: Option<Signature>,
}

impl SyncRequest {
    /// A request of this build's protocol, unsigned: a device signs it with
    /// [`SyncRequest::signed_by`].
    pub fn new(rosters: Vec<RosterOffer>) -> Self {
        SyncRequest {
            protocol: PROTOCOL_VERSION,
            rosters,
            manifest: None,
        }
    }

    /// The hashes of every offered change, in the order offered: what a protocol 5 manifest
    /// signs. Bytes that are no change count as the all-zero hash, which no signature of a
    /// real manifest can cover by accident, since the server refuses them anyway.
    pub fn manifest_hashes(&self) -> Vec<Hash> {
        self.rosters
            .iter()
            .flat_map(|offer| &offer.changes)
            .map(|bytes| {
                crate::model::change_hash_and_message(bytes).map_or([0; 32], |(hash, _)| hash)
            })
            .collect()
    }

    /// This request signed as `device`'s with `key` in the way its protocol signs: one
    /// manifest signature (5), or one signature per change (4). What `ClientSession` does for
    /// a device, for tools and tests that build requests by hand.
    pub fn signed_by(mut self, device: &DeviceId, key: &DeviceKey) -> Self {
        if self.protocol >= 5 {
            for offer in &mut self.rosters {
                offer.signatures.clear();
            }
            let hashes = self.manifest_hashes();
            self.manifest = (!hashes.is_empty()).then(|| key.sign_manifest(device, &hashes));
        } else {
            self.rosters = self
                .rosters
                .into_iter()
                .map(|offer| offer.signed_by(device, key))
                .collect();
            self.manifest = None;
        }
        self
    }
}

/// A device's position in one roster and the changes the server has not acknowledged. Its
/// serde layout is protocol 4's; protocol 5's is in `layouts`.
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
    /// Protocol 4: the sending device's signature of each change in `changes`, in the same
    /// order (`provenance::DeviceKey::sign_change`). Empty in protocol 5, where the request's
    /// manifest signs every change. The server refuses a change signed neither way.
    pub signatures: Vec<Signature>,
}

impl RosterOffer {
    /// This offer with every change signed as `device`'s with `key` the protocol 4 way, one
    /// signature per change, replacing any signatures it held. Bytes that are no change get
    /// a signature of nothing (all-zero hash), which no server accepts.
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

/// What the server answers, after everything it accepted is durably stored. Its serde layout
/// is protocol 4's; protocol 5's is in `layouts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncResponse {
    /// The version of the request it answers, which decides its layout.
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
    /// Protocol 5: the phone may seal a new entry's personal fields together as one value
    /// (`Roster::seal_personal_together`), since every phone in use reads it. Not in
    /// protocol 4's layout, whose phones never do.
    #[serde(skip)]
    pub seal_together: bool,
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

fn encode<T: Serialize>(message: &T, protocol: u16) -> Vec<u8> {
    let plain = postcard::to_stdvec(message).expect("sync messages hold only plain data");
    compress(&plain, protocol)
}

/// The decompressed bytes of a message and the protocol version its first field claims,
/// refused when this build does not speak it.
fn decompress(what: &'static str, bytes: &[u8], limits: &Limits) -> Result<(Vec<u8>, u16)> {
    let plain = inflate(bytes, limits.max_message_bytes).map_err(|error| match error {
        Error::Decode { reason, .. } => Error::Decode { what, reason },
        other => other,
    })?;
    // The version is the first field of both messages and is read on its own first: a
    // message of another version is laid out differently after it (version 4 added the
    // signatures, 5 moved them into one), and its sender must be told which version it
    // failed on, not that its bytes are malformed.
    let (protocol, _) =
        postcard::take_from_bytes::<u16>(&plain).map_err(|error| Error::Decode {
            what,
            reason: format!("postcard: {error}"),
        })?;
    check_protocol(protocol)?;
    Ok((plain, protocol))
}

/// `plain` read whole as a `T`.
fn take_whole<T: for<'de> Deserialize<'de>>(what: &'static str, plain: &[u8]) -> Result<T> {
    let (message, rest) = postcard::take_from_bytes(plain).map_err(|error| Error::Decode {
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

/// A message read in the layout of the version it claims.
enum Versioned<Old, New> {
    /// Protocol 4.
    Old(Old),
    /// Protocol 5.
    New(New),
}

fn decode_versioned<Old, New>(
    what: &'static str,
    bytes: &[u8],
    limits: &Limits,
) -> Result<Versioned<Old, New>>
where
    Old: for<'de> Deserialize<'de>,
    New: for<'de> Deserialize<'de>,
{
    let (plain, protocol) = decompress(what, bytes, limits)?;
    if protocol >= 5 {
        take_whole(what, &plain).map(Versioned::New)
    } else {
        take_whole(what, &plain).map(Versioned::Old)
    }
}

impl SyncRequest {
    /// The compressed bytes to send, in the layout of `self.protocol`.
    pub fn encode(&self) -> Vec<u8> {
        if self.protocol >= 5 {
            encode(&RequestV5::from(self.clone()), self.protocol)
        } else {
            encode(
                &RequestV4 {
                    protocol: self.protocol,
                    rosters: self.rosters.clone(),
                },
                self.protocol,
            )
        }
    }

    /// Decodes a request, refusing oversize or malformed input and versions this build does
    /// not speak.
    pub fn decode(bytes: &[u8], limits: &Limits) -> Result<Self> {
        let versioned = decode_versioned::<RequestV4, RequestV5>("sync request", bytes, limits)?;
        // Counted before protocol 5's keys are matched to the entries the changes write,
        // which decodes every change: a request over the limit costs no more than its bytes.
        let changes = match &versioned {
            Versioned::Old(old) => old.rosters.iter().map(|offer| offer.changes.len()).sum(),
            Versioned::New(new) => new.change_count(),
        };
        if changes > limits.max_changes_per_request {
            return Err(Error::Decode {
                what: "sync request",
                reason: format!(
                    "{changes} changes, limit {}",
                    limits.max_changes_per_request
                ),
            });
        }
        match versioned {
            Versioned::Old(old) => Ok(SyncRequest {
                protocol: old.protocol,
                rosters: old.rosters,
                manifest: None,
            }),
            Versioned::New(new) => new.into_request(),
        }
    }
}

impl SyncResponse {
    /// The compressed bytes to send, in the layout of `self.protocol`.
    pub fn encode(&self) -> Vec<u8> {
        if self.protocol >= 5 {
            encode(&ResponseV5::from(self.clone()), self.protocol)
        } else {
            encode(self, self.protocol)
        }
    }

    /// Decodes a response, refusing oversize or malformed input and versions this build does
    /// not speak.
    pub fn decode(bytes: &[u8], limits: &Limits) -> Result<Self> {
        match decode_versioned::<SyncResponse, ResponseV5>("sync response", bytes, limits)? {
            Versioned::Old(old) => Ok(old),
            Versioned::New(new) => new.into_response(),
        }
    }
}

fn check_protocol(got: u16) -> Result<()> {
    if (OLDEST_PROTOCOL..=PROTOCOL_VERSION).contains(&got) {
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
                seal_together: false,
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
        let bytes = encode(&old, 3);
        match SyncRequest::decode(&bytes, &Limits::default()) {
            Err(Error::UnsupportedProtocol { got, supported }) => {
                assert_eq!((got, supported), (3, PROTOCOL_VERSION));
            }
            other => panic!("expected an unsupported protocol, got {other:?}"),
        }
    }

    fn offer(changes: Vec<Vec<u8>>) -> RosterOffer {
        RosterOffer {
            roster: "BSP-PS-KONI-B01".into(),
            heads: vec![[1; 32]],
            changes,
            keys: Vec::new(),
            want_keys: Vec::new(),
            signatures: Vec::new(),
        }
    }

    #[test]
    fn both_protocols_round_trip_in_their_own_layout() {
        let device: DeviceId = "dev-1".parse().expect("valid");
        let key = DeviceKey::from_secret([4; 32]);
        let limits = Limits::default();
        let new = SyncRequest::new(vec![offer(vec![vec![2; 40]]), offer(vec![vec![3; 40]])])
            .signed_by(&device, &key);
        assert!(new.manifest.is_some());
        assert!(new.rosters.iter().all(|offer| offer.signatures.is_empty()));
        assert_eq!(
            SyncRequest::decode(&new.encode(), &limits).expect("decodes"),
            new
        );

        let mut old = SyncRequest::new(vec![offer(vec![vec![2; 40]])]);
        old.protocol = 4;
        let old = old.signed_by(&device, &key);
        assert_eq!(old.manifest, None);
        assert_eq!(old.rosters[0].signatures.len(), 1);
        let decoded = SyncRequest::decode(&old.encode(), &limits).expect("decodes");
        assert_eq!(decoded, old);
        // Protocol 4's bytes are exactly the layout phones of that release write.
        let plain = inflate(&old.encode(), 1 << 20).expect("inflates");
        let written = postcard::to_stdvec(&RequestV4 {
            protocol: 4,
            rosters: old.rosters.clone(),
        })
        .expect("encodes");
        assert_eq!(plain, written);
    }

    #[test]
    fn one_manifest_signature_costs_less_than_one_per_change() {
        let device: DeviceId = "dev-1".parse().expect("valid");
        let key = DeviceKey::from_secret([4; 32]);
        let changes: Vec<Vec<u8>> = (0..25u8).map(|n| vec![n; 300]).collect();
        let new = SyncRequest::new(vec![offer(changes.clone())]).signed_by(&device, &key);
        let mut old = SyncRequest::new(vec![offer(changes)]);
        old.protocol = 4;
        let old = old.signed_by(&device, &key);
        // Measured before compression: these stand-in changes all hash to zero, so their
        // per-change signatures would be identical and compress away, as real ones do not.
        let plain = |request: &SyncRequest| {
            inflate(&request.encode(), 1 << 20).expect("inflates").len() as i64
        };
        let saved = plain(&old) - plain(&new);
        assert!(saved >= 23 * 65, "saved only {saved} bytes");
    }

    #[test]
    fn bytes_after_a_message_are_refused() {
        let request = RequestV5::from(SyncRequest::new(Vec::new()));
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
