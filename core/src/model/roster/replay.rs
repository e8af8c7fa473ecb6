//! Reading a roster's history change by change: what each change wrote, field by field, and
//! the roster as it stood at any earlier version.
//!
//! A change's effect is read from its own operations rather than by diffing the document
//! before and after it. That says what the author wrote (the phone number a constable typed,
//! even if a concurrent edit won the merge), which is what an auditor asks, and it needs no
//! document at all: replaying 100,000 changes is one pass over their bytes.
//!
//! Operations name the object they write by the id of the operation that made it, so the
//! reader remembers which object is which entry's map as the changes go by; changes must
//! come in causal order (as [`Roster::changes`] lists them), which puts every object's
//! creation before its first use.

use std::collections::HashMap;

use automerge::legacy::{Key, ObjectId, OpType};
use automerge::{ChangeHash, ScalarValue};

use super::{
    CAMERAS, ChangeInfo, PERSONAL, PROGRAMMES, Roster, RosterChange, VOLUNTEERS, WITHDRAWN,
    decode_change, guard,
};
use crate::error::{Error, Result};
use crate::model::change_meta::ChangeMessage;
use crate::model::id::{CameraId, VolunteerId};

/// What a written field belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    /// The roster itself (the genesis fields).
    Roster,
    /// A volunteer's entry.
    Volunteer(VolunteerId),
    /// A camera's entry.
    Camera(CameraId),
}

/// The value a change wrote into a field.
#[derive(Debug, Clone, PartialEq)]
pub enum Written {
    /// Text.
    Text(String),
    /// A personal field, sealed under the volunteer's key: the bytes as stored.
    Sealed(Vec<u8>),
    /// A whole number (or a timestamp).
    Int(i64),
    /// A fraction (a camera's coordinates).
    Float(f64),
    /// A flag.
    Bool(bool),
    /// The entry itself was created.
    Created,
    /// The field was removed.
    Removed,
    /// Something Mitan never writes, shown by its type: written by a broken or hostile peer.
    Other(&'static str),
}

/// One field a change wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldWrite {
    /// Whose field.
    pub target: Target,
    /// The field, as the document names it: `phone`, `village`, `review`, or
    /// `programmes.cyber_mitan` for a programme joined or left.
    pub field: String,
    /// What was written.
    pub value: Written,
}

/// One change as the history shows it: its header and what it wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeEffect {
    /// The header: hash, actor, dependencies, device clock, message.
    pub info: ChangeInfo,
    /// What it wrote, in the order written.
    pub writes: Vec<FieldWrite>,
}

/// Which of the roster's maps an object is.
#[derive(Debug, Clone)]
enum Place {
    Volunteers,
    Cameras,
    Volunteer(VolunteerId),
    Personal(VolunteerId),
    Programmes(VolunteerId),
    Camera(CameraId),
    /// A map inside an entry that Mitan does not write: its fields are shown under the entry.
    Nested(Target, String),
}

/// Reads changes one after another, in causal order, remembering the objects they create.
#[derive(Debug, Default)]
pub struct ChangeReader {
    objects: HashMap<(u64, Vec<u8>), Place>,
}

impl ChangeReader {
    /// A reader that has seen no change yet.
    pub fn new() -> Self {
        ChangeReader::default()
    }

    /// What one encoded change wrote. Never panics on garbage; a change writing objects this
    /// reader has not seen (out of causal order, or not made by Mitan) has those writes left
    /// out rather than guessed.
    pub fn read(&mut self, bytes: &[u8]) -> Result<ChangeEffect> {
        let change = decode_change(bytes)?;
        let expanded = guard(|| change.decode())?;
        let info = ChangeInfo {
            hash: change.hash().0,
            actor: change.actor_id().to_bytes().to_vec(),
            deps: change.deps().iter().map(|hash| hash.0).collect(),
            device_clock_ms: change.timestamp(),
            message: change.message().and_then(ChangeMessage::decode),
            ops: change.len(),
            bytes: bytes.len(),
            writes_root: expanded
                .operations
                .iter()
                .any(|op| op.obj == ObjectId::Root),
        };
        let start = expanded.start_op.get();
        let actor = expanded.actor_id.to_bytes().to_vec();
        let mut writes = Vec::new();
        for (offset, op) in (0u64..).zip(&expanded.operations) {
            let Key::Map(key) = &op.key else {
                continue;
            };
            let key = key.to_string();
            let parent = match &op.obj {
                ObjectId::Root => None,
                ObjectId::Id(id) => {
                    match self
                        .objects
                        .get(&(id.counter(), id.actor().to_bytes().to_vec()))
                    {
                        Some(place) => Some(place.clone()),
                        None => continue,
                    }
                }
            };
            let made = match &op.action {
                OpType::Make(_) => {
                    let place = self.place_of(parent.as_ref(), &key);
                    if let Some(place) = &place {
                        self.objects
                            .insert((start + offset, actor.clone()), place.clone());
                    }
                    place
                }
                _ => None,
            };
            if let Some(write) = describe(parent.as_ref(), &key, &op.action, made.as_ref()) {
                writes.push(write);
            }
        }
        Ok(ChangeEffect { info, writes })
    }

    /// What the object made at `key` inside `parent` is.
    fn place_of(&self, parent: Option<&Place>, key: &str) -> Option<Place> {
        Some(match (parent, key) {
            (None, VOLUNTEERS) => Place::Volunteers,
            (None, CAMERAS) => Place::Cameras,
            (None, _) => Place::Nested(Target::Roster, key.to_owned()),
            (Some(Place::Volunteers), id) => Place::Volunteer(id.parse().ok()?),
            (Some(Place::Cameras), id) => Place::Camera(id.parse().ok()?),
            (Some(Place::Volunteer(id)), PERSONAL) => Place::Personal(*id),
            (Some(Place::Volunteer(id)), PROGRAMMES) => Place::Programmes(*id),
            (Some(place), _) => {
                let (target, prefix) = target_of(place)?;
                Place::Nested(target, join(&prefix, key))
            }
        })
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}.{key}")
    }
}

/// The entry an object's fields belong to, and the prefix their names take.
fn target_of(place: &Place) -> Option<(Target, String)> {
    match place {
        Place::Volunteers | Place::Cameras => None,
        Place::Volunteer(id) | Place::Personal(id) => Some((Target::Volunteer(*id), String::new())),
        Place::Programmes(id) => Some((Target::Volunteer(*id), PROGRAMMES.to_owned())),
        Place::Camera(id) => Some((Target::Camera(*id), String::new())),
        Place::Nested(target, prefix) => Some((target.clone(), prefix.clone())),
    }
}

fn describe(
    parent: Option<&Place>,
    key: &str,
    action: &OpType,
    made: Option<&Place>,
) -> Option<FieldWrite> {
    let (target, field) = match parent {
        None => (Target::Roster, key.to_owned()),
        Some(Place::Volunteers) => (Target::Volunteer(key.parse().ok()?), String::new()),
        Some(Place::Cameras) => (Target::Camera(key.parse().ok()?), String::new()),
        Some(place) => {
            let (target, prefix) = target_of(place)?;
            (target, join(&prefix, key))
        }
    };
    let value = match action {
        // The maps every entry is built of say nothing by themselves; a new entry is.
        OpType::Make(_) => match made {
            Some(Place::Volunteer(_) | Place::Camera(_)) => Written::Created,
            _ => return None,
        },
        OpType::Delete => Written::Removed,
        OpType::Put(value) => match (&target, value) {
            // Mitan writes bytes into an entry only sealed: a volunteer's personal fields, and
            // a camera owner's.
            (Target::Volunteer(_) | Target::Camera(_), ScalarValue::Bytes(bytes)) => {
                Written::Sealed(bytes.clone())
            }
            (_, ScalarValue::Str(text)) => Written::Text(text.to_string()),
            (_, ScalarValue::Int(number) | ScalarValue::Timestamp(number)) => Written::Int(*number),
            (_, ScalarValue::Uint(number)) => i64::try_from(*number)
                .map(Written::Int)
                .unwrap_or(Written::Other("uint")),
            (_, ScalarValue::F64(number)) => Written::Float(*number),
            (_, ScalarValue::Boolean(flag)) => Written::Bool(*flag),
            (_, ScalarValue::Bytes(_)) => Written::Other("bytes"),
            (_, ScalarValue::Counter(_)) => Written::Other("counter"),
            (_, ScalarValue::Null) => Written::Other("null"),
            (_, ScalarValue::Unknown { .. }) => Written::Other("unknown"),
        },
        OpType::Increment(_) => Written::Other("increment"),
        OpType::MarkBegin(_) | OpType::MarkEnd(_) => return None,
    };
    Some(FieldWrite {
        target,
        field,
        value,
    })
}

impl FieldWrite {
    /// Whether this write records a volunteer's withdrawal of consent, after which their
    /// personal fields are erased everywhere.
    pub fn is_withdrawal(&self) -> bool {
        matches!(self.target, Target::Volunteer(_))
            && self.field == WITHDRAWN
            && self.value != Written::Removed
    }
}

impl Roster {
    /// Every change of the roster, genesis first, in causal order: each change after the
    /// changes it depends on, as a replay needs them.
    pub fn changes(&mut self) -> Vec<RosterChange> {
        self.changes_since(&[])
    }

    /// The roster as it stood at `heads`: only the changes they include. A read-only copy
    /// for auditors; the roster itself is not touched.
    ///
    /// The copy is the whole document isolated at `heads` (reads see only what those heads
    /// include) rather than a fork that re-applies every change up to them: isolating costs a
    /// copy of the document, re-applying 100,000 changes costs seconds (`docs/bench-log.md`).
    pub fn at(&mut self, heads: &[[u8; 32]]) -> Result<Roster> {
        let heads: Vec<ChangeHash> = heads.iter().map(|hash| ChangeHash(*hash)).collect();
        if let Some(unknown) = heads.iter().find(|hash| !super::holds(&mut self.doc, hash)) {
            return Err(Error::NotFound {
                what: "change",
                id: unknown.to_string(),
            });
        }
        let mut copy = self.doc.clone();
        guard(|| copy.isolate(&heads))?;
        Ok(Roster {
            id: self.id.clone(),
            doc: copy,
            together: self.together,
        })
    }
}
