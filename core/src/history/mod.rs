//! What auditors read: every change of a roster in order, with its author, device, the
//! device's clock, the server's receipt time when known, and what it changed field by field;
//! the roster as it stood at any earlier moment; and the difference between two moments.
//!
//! Everything here reads a [`Roster`] and never writes one, so a phone could show the same
//! history as the server. Personal fields show opened when the reader holds the volunteer's
//! key, sealed when it does not, and erased once the volunteer has withdrawn: the ciphertext
//! stays in the history, and the history still replays.

mod hex;
mod state;

use std::collections::{BTreeSet, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::sealed::{EntryKey, KeyRing, open};
use crate::model::{
    Action, ChangeReader, EntryId, Personal, Roster, RosterId, Target, VolunteerId, Written,
};

pub(crate) use hex::encode as hex_encode;
pub use hex::{decode_hash, encode_hash};
pub use state::{FieldDiff, RosterDiff, RosterState, VolunteerDiff, VolunteerState, diff};

/// What a history shows of one written field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "shown", content = "value", rename_all = "snake_case")]
pub enum Shown {
    /// A plain field's value (gender, village, review, …).
    Value(String),
    /// A personal field, opened with the volunteer's key.
    Opened(String),
    /// A personal field this reader holds no key for.
    Sealed,
    /// A personal field of a volunteer who withdrew: the key is destroyed, the value gone.
    Erased,
    /// A sealed field that does not open under the volunteer's key: written by a broken or
    /// hostile peer.
    Unopenable,
    /// The entry was created.
    Created,
    /// The field was removed.
    Removed,
}

/// One field a change wrote, as the auditor sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    /// The volunteer written, if the field is a volunteer's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volunteer: Option<String>,
    /// The camera written, if the field is a camera's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub camera: Option<String>,
    /// The field: `phone`, `village`, `review`, `programmes.cyber_mitan`, … (empty for the
    /// entry itself).
    pub field: String,
    /// What was written.
    #[serde(flatten)]
    pub shown: Shown,
}

/// One change of a roster's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// Its position in the history: 0 is the genesis every replica shares.
    pub seq: u64,
    /// The change hash.
    #[serde(with = "hex::hash")]
    pub hash: [u8; 32],
    /// The changes it builds on.
    #[serde(with = "hex::hashes")]
    pub deps: Vec<[u8; 32]>,
    /// What it did, as its message says (absent for a change Mitan did not write).
    pub action: Option<Action>,
    /// The author's badge.
    pub badge: Option<String>,
    /// The author's role, when the reader knows it (the server does).
    pub role: Option<String>,
    /// The device it was made on.
    pub device: Option<String>,
    /// The Automerge actor that made it, hex.
    pub actor: String,
    /// The device's clock when it was made: a claim, never the truth.
    pub device_clock_ms: i64,
    /// When the server received it, when the reader knows it (the server does).
    pub received_at_ms: Option<i64>,
    /// The entry it acted on, as its message says.
    pub entry: Option<String>,
    /// For a change carried to a moved volunteer's live entry, the hash (hex) of the original
    /// change, written on the entry the person had left; the author above is the original's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carried_from: Option<String>,
    /// What it wrote, field by field.
    pub fields: Vec<FieldChange>,
}

impl HistoryEntry {
    /// Whether this change touched volunteer `id`.
    pub fn touches(&self, id: &str) -> bool {
        self.entry.as_deref() == Some(id)
            || self
                .fields
                .iter()
                .any(|field| field.volunteer.as_deref() == Some(id))
    }

    /// Whether this change touched camera `id`.
    pub fn touches_camera(&self, id: &str) -> bool {
        self.entry.as_deref() == Some(id)
            || self
                .fields
                .iter()
                .any(|field| field.camera.as_deref() == Some(id))
    }
}

/// Which clock a moment is read on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Clock {
    /// The server's receipt time: the default, since phone clocks are often wrong.
    #[default]
    Server,
    /// The device's own claim.
    Device,
}

impl std::str::FromStr for Clock {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        match text {
            "server" => Ok(Clock::Server),
            "device" => Ok(Clock::Device),
            _ => Err(Error::Decode {
                what: "clock",
                reason: format!("{text:?} is not server or device"),
            }),
        }
    }
}

/// A moment of a roster's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Point {
    /// Everything.
    Latest,
    /// Everything up to and including this change, in history order.
    Change([u8; 32]),
    /// Every change made by `at_ms` on `clock`, with whatever they build on.
    Time {
        /// The moment, ms since the Unix epoch.
        at_ms: i64,
        /// The clock it is read on.
        clock: Clock,
    },
}

/// Which changes a history listing keeps. Every filter given must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryFilter {
    /// Only changes at or after this time.
    pub from_ms: Option<i64>,
    /// Only changes before this time.
    pub to_ms: Option<i64>,
    /// The clock the time range is read on.
    pub clock: Clock,
    /// Only changes by this badge.
    pub badge: Option<String>,
    /// Only changes made on this device.
    pub device: Option<String>,
    /// Only changes touching this volunteer.
    pub volunteer: Option<VolunteerId>,
    /// Only changes touching this camera.
    pub camera: Option<crate::model::CameraId>,
}

impl HistoryFilter {
    /// Whether `entry` passes every filter given.
    pub fn keeps(&self, entry: &HistoryEntry) -> bool {
        let time = match self.clock {
            Clock::Server => entry.received_at_ms,
            Clock::Device => Some(entry.device_clock_ms),
        };
        let in_range = match (self.from_ms, self.to_ms) {
            (None, None) => true,
            (from, to) => time.is_some_and(|time| {
                from.is_none_or(|from| time >= from) && to.is_none_or(|to| time < to)
            }),
        };
        in_range
            && self
                .badge
                .as_ref()
                .is_none_or(|badge| entry.badge.as_ref() == Some(badge))
            && self
                .device
                .as_ref()
                .is_none_or(|device| entry.device.as_ref() == Some(device))
            && self
                .volunteer
                .as_ref()
                .is_none_or(|id| entry.touches(&id.to_string()))
            && self
                .camera
                .as_ref()
                .is_none_or(|id| entry.touches_camera(&id.to_string()))
    }
}

/// A map keyed by change hash.
type DigestMap<V> = HashMap<[u8; 32], V, BuildDigestHasher>;
type BuildDigestHasher = std::hash::BuildHasherDefault<DigestHasher>;

/// Hashes a change hash by its first eight bytes. They are SHA-256 output, uniform already;
/// SipHash over all 32 made finding a version's heads in a 100,000-change history cost tens
/// of milliseconds (`BENCHMARKS.md`). Only the server's own accepted changes are hashed here.
#[derive(Debug, Default, Clone, Copy)]
struct DigestHasher(u64);

impl std::hash::Hasher for DigestHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // An array is hashed as its length, then its bytes: the digest's bytes come last and
        // push the length out.
        for byte in bytes.iter().take(8) {
            self.0 = (self.0 << 8) | u64::from(*byte);
        }
    }
}

/// A roster's history, oldest change first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// The roster.
    pub roster: String,
    /// Every change, in causal order: each after the changes it builds on.
    pub entries: Vec<HistoryEntry>,
    /// Volunteers whose personal fields this history shows opened.
    pub opened: BTreeSet<String>,
    /// Volunteers who withdrew: erased from every moment of the history.
    pub withdrawn: BTreeSet<String>,
}

impl History {
    /// Reads the whole history of `roster`, opening personal fields with `keys`.
    pub fn of(roster: &mut Roster, keys: &dyn KeyRing) -> Result<History> {
        let changes = roster.changes();
        History::of_changes(
            roster.id(),
            changes.iter().map(|change| &change.bytes[..]),
            keys,
        )
    }

    /// Reads the history from encoded changes in causal order (as [`Roster::changes`] lists
    /// them), without a document.
    pub fn of_changes<'a>(
        roster: &RosterId,
        changes: impl IntoIterator<Item = &'a [u8]>,
        keys: &dyn KeyRing,
    ) -> Result<History> {
        let mut reader = ChangeReader::new();
        let mut effects = Vec::new();
        for bytes in changes {
            effects.push(reader.read(bytes)?);
        }
        // A withdrawal erases the person from the whole history, before and after it.
        let withdrawn: HashSet<VolunteerId> = effects
            .iter()
            .flat_map(|effect| &effect.writes)
            .filter(|write| write.is_withdrawal())
            .filter_map(|write| match write.target {
                Target::Volunteer(id) => Some(id),
                _ => None,
            })
            .collect();
        let mut key_cache = HashMap::new();
        let mut opened = BTreeSet::new();
        let mut entries = Vec::with_capacity(effects.len());
        for (seq, effect) in (0u64..).zip(effects) {
            let message = effect.info.message;
            let mut fields = Vec::with_capacity(effect.writes.len());
            for write in effect.writes {
                let (volunteer, camera) = match &write.target {
                    Target::Roster => (None, None),
                    Target::Volunteer(id) => (Some(*id), None),
                    Target::Camera(id) => (None, Some(id.to_string())),
                };
                let entry = match &write.target {
                    Target::Roster => None,
                    Target::Volunteer(id) => Some(EntryId::Volunteer(*id)),
                    Target::Camera(id) => Some(EntryId::Camera(*id)),
                };
                let shown = match write.value {
                    Written::Sealed(bytes) => match entry {
                        Some(EntryId::Volunteer(id)) if withdrawn.contains(&id) => Shown::Erased,
                        Some(entry) => {
                            let key = key_cache.entry(entry).or_insert_with(|| keys.key(&entry));
                            // The associated data names the field itself, not the map it
                            // sits in (a camera owner's fields sit in an `owner` map).
                            let name = write.field.rsplit('.').next().unwrap_or_default();
                            match key {
                                None => Shown::Sealed,
                                Some(key) => match open(key, entry, name, &bytes) {
                                    Some(text) => {
                                        if let Some(id) = volunteer {
                                            opened.insert(id.to_string());
                                        }
                                        Shown::Opened(text)
                                    }
                                    None => Shown::Unopenable,
                                },
                            }
                        }
                        None => Shown::Sealed,
                    },
                    Written::Text(text) => Shown::Value(text),
                    Written::Int(number) => Shown::Value(number.to_string()),
                    Written::Float(number) => Shown::Value(number.to_string()),
                    Written::Bool(flag) => Shown::Value(flag.to_string()),
                    Written::Created => Shown::Created,
                    Written::Removed => Shown::Removed,
                    Written::Other(kind) => Shown::Value(format!("<{kind}>")),
                };
                // Fields sealed together at enrolment are shown as the fields they are.
                let together = match &shown {
                    Shown::Opened(text)
                        if write.field.rsplit('.').next() == Some(crate::model::TOGETHER) =>
                    {
                        Personal::split_together(text)
                    }
                    _ => None,
                };
                match together {
                    Some(parts) => {
                        let prefix = write.field.trim_end_matches(crate::model::TOGETHER);
                        for (name, text) in parts {
                            fields.push(FieldChange {
                                volunteer: volunteer.map(|id| id.to_string()),
                                camera: camera.clone(),
                                field: format!("{prefix}{name}"),
                                shown: Shown::Opened(text),
                            });
                        }
                    }
                    None => fields.push(FieldChange {
                        volunteer: volunteer.map(|id| id.to_string()),
                        camera,
                        field: write.field,
                        shown,
                    }),
                }
            }
            entries.push(HistoryEntry {
                seq,
                hash: effect.info.hash,
                deps: effect.info.deps,
                action: message.as_ref().map(|message| message.action),
                badge: message
                    .as_ref()
                    .map(|message| message.badge.clone())
                    .filter(|badge| !badge.is_empty()),
                role: None,
                device: message
                    .as_ref()
                    .map(|message| message.device.clone())
                    .filter(|device| !device.is_empty()),
                actor: hex::encode(&effect.info.actor),
                device_clock_ms: effect.info.device_clock_ms,
                received_at_ms: None,
                carried_from: message
                    .as_ref()
                    .and_then(|message| message.carried_from.clone()),
                entry: message.and_then(|message| message.entry),
                fields,
            });
        }
        Ok(History {
            roster: roster.to_string(),
            entries,
            opened,
            withdrawn: withdrawn.iter().map(ToString::to_string).collect(),
        })
    }

    /// Adds the server's receipt time of each change it knows. When it knows them all (the
    /// genesis aside), the history is put in order of receipt: the order in which the roster
    /// really grew on the server, so that "up to this change" means what the server held
    /// then. That order is causal too, since the server accepts a change only after the
    /// changes it builds on, and the sort is stable, which keeps changes received together
    /// in their causal order.
    pub fn with_receipts(mut self, received_at: impl Fn(&[u8; 32]) -> Option<i64>) -> Self {
        for entry in &mut self.entries {
            entry.received_at_ms = received_at(&entry.hash);
        }
        let all_received = self
            .entries
            .iter()
            .skip(1)
            .all(|entry| entry.received_at_ms.is_some());
        if all_received {
            self.entries
                .sort_by_key(|entry| entry.received_at_ms.unwrap_or(i64::MIN));
            for (seq, entry) in (0u64..).zip(&mut self.entries) {
                entry.seq = seq;
            }
        }
        self
    }

    /// Adds each author's role, by badge.
    pub fn with_roles(mut self, role_of: impl Fn(&str) -> Option<String>) -> Self {
        for entry in &mut self.entries {
            entry.role = entry.badge.as_deref().and_then(&role_of);
        }
        self
    }

    /// The entries `filter` keeps, in order.
    pub fn filtered<'a>(
        &'a self,
        filter: &'a HistoryFilter,
    ) -> impl Iterator<Item = &'a HistoryEntry> + 'a {
        self.entries.iter().filter(|entry| filter.keeps(entry))
    }

    /// The heads of the roster at `point`: the newest changes of the history up to it.
    /// A change made by a moment brings along every change it builds on, even one whose
    /// clock says otherwise, so the result is always a version the roster really had.
    pub fn heads_at(&self, point: &Point) -> Result<Vec<[u8; 32]>> {
        Ok(self.version_at(point)?.0)
    }

    /// The heads at `point` and how many changes the roster then held.
    fn version_at(&self, point: &Point) -> Result<(Vec<[u8; 32]>, usize)> {
        let included: Vec<bool> = match point {
            Point::Latest => vec![true; self.entries.len()],
            Point::Change(hash) => {
                let position = self
                    .entries
                    .iter()
                    .position(|entry| entry.hash == *hash)
                    .ok_or_else(|| Error::NotFound {
                        what: "change",
                        id: hex::encode(hash),
                    })?;
                (0..self.entries.len()).map(|seq| seq <= position).collect()
            }
            Point::Time { at_ms, clock } => {
                let position: DigestMap<usize> = self
                    .entries
                    .iter()
                    .enumerate()
                    .map(|(seq, entry)| (entry.hash, seq))
                    .collect();
                let mut included = vec![false; self.entries.len()];
                // Walk newest first, so a change's dependencies are marked before their turn.
                for (seq, entry) in self.entries.iter().enumerate().rev() {
                    let time = match clock {
                        Clock::Server => entry.received_at_ms,
                        Clock::Device => Some(entry.device_clock_ms),
                    };
                    // The genesis is no one's work and carries no receipt: every version has it.
                    if seq == 0 || time.is_some_and(|time| time <= *at_ms) {
                        included[seq] = true;
                    }
                    if included[seq] {
                        for dep in &entry.deps {
                            if let Some(&dep_seq) = position.get(dep) {
                                included[dep_seq] = true;
                            }
                        }
                    }
                }
                included
            }
        };
        let depended: HashSet<[u8; 32], BuildDigestHasher> = self
            .entries
            .iter()
            .zip(&included)
            .filter(|(_, included)| **included)
            .flat_map(|(entry, _)| entry.deps.iter().copied())
            .collect();
        let mut heads: Vec<[u8; 32]> = self
            .entries
            .iter()
            .zip(&included)
            .filter(|(entry, included)| **included && !depended.contains(&entry.hash))
            .map(|(entry, _)| entry.hash)
            .collect();
        // Sorted, as Automerge lists a document's heads.
        heads.sort_unstable();
        // The included changes are closed under their dependencies: they are the version.
        let count = included.iter().filter(|included| **included).count();
        Ok((heads, count))
    }

    /// How many changes the roster holds at `heads`.
    pub fn count_at(&self, heads: &[[u8; 32]]) -> usize {
        let position: DigestMap<usize> = self
            .entries
            .iter()
            .enumerate()
            .map(|(seq, entry)| (entry.hash, seq))
            .collect();
        let mut seen = vec![false; self.entries.len()];
        let mut stack: Vec<usize> = heads
            .iter()
            .filter_map(|hash| position.get(hash).copied())
            .collect();
        while let Some(seq) = stack.pop() {
            if std::mem::replace(&mut seen[seq], true) {
                continue;
            }
            stack.extend(
                self.entries[seq]
                    .deps
                    .iter()
                    .filter_map(|dep| position.get(dep).copied()),
            );
        }
        seen.into_iter().filter(|seen| *seen).count()
    }
}

/// The roster as it stood at `point`, read with `keys`. A volunteer who withdrew at any time
/// shows erased at every moment, as in the history: the erasure reaches back.
pub fn state_at(
    roster: &mut Roster,
    history: &History,
    point: &Point,
    keys: &dyn KeyRing,
) -> Result<RosterState> {
    let (heads, changes) = history.version_at(point)?;
    let past = roster.at(&heads)?;
    let unwithdrawn = Unwithdrawn {
        keys,
        withdrawn: &history.withdrawn,
    };
    let mut state = RosterState::of(&past, heads, changes, &unwithdrawn);
    for volunteer in &mut state.volunteers {
        if history.withdrawn.contains(&volunteer.id) {
            for shown in volunteer.fields.values_mut() {
                if matches!(shown, Shown::Sealed | Shown::Opened(_)) {
                    *shown = Shown::Erased;
                }
            }
        }
    }
    Ok(state)
}

/// The reader's keys, minus those of volunteers who withdrew.
struct Unwithdrawn<'a> {
    keys: &'a dyn KeyRing,
    withdrawn: &'a BTreeSet<String>,
}

impl KeyRing for Unwithdrawn<'_> {
    fn key(&self, entry: &EntryId) -> Option<EntryKey> {
        match entry {
            EntryId::Volunteer(id) if self.withdrawn.contains(&id.to_string()) => None,
            _ => self.keys.key(entry),
        }
    }
}
