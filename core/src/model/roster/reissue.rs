//! Writing again, under a phone's new actor, the changes its old actor made that the server
//! never took: the recovery of a phone restored from a backup or cloned (ADR 0008).
//!
//! Such a phone's actor has already spent the sequence numbers it would write next on other
//! changes, so nothing it writes under that actor can ever be merged. Its set-aside changes are
//! read back from their own operations and written again as new changes of the replacement
//! actor: the same values into the same entries, the same action, author badge and device
//! clock, the new device in the message (it is the one that signs them).
//!
//! Operations name the object they write by the id of the operation that made it. An object
//! made by a change written again gets a new id, so later set-aside changes are pointed at it
//! through [`Recreated`]; every other object (the roster's maps, entries the server already
//! holds) keeps its id, which is the same on every replica.

use std::collections::HashMap;

use automerge::legacy::{Key, ObjectId, OpType};
use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType, ROOT};

use super::{Roster, RosterChange, decode_change, guard};
use crate::error::{Error, Result};
use crate::model::change_meta::ChangeMessage;
use crate::model::id::DeviceId;

/// The objects made by changes already written again, by the id their original operation had
/// (counter and actor), and the object each became.
#[derive(Debug, Default)]
pub struct Recreated(HashMap<(u64, Vec<u8>), ObjId>);

fn unrepeatable(reason: impl Into<String>) -> Error {
    Error::Decode {
        what: "change set aside",
        reason: reason.into(),
    }
}

impl Roster {
    /// Writes what the change `bytes` wrote again, as this replica's own new change signed for
    /// `device`, and returns it. The change must be one Mitan wrote (its message names the
    /// action), and must write maps only, as every Mitan change does; otherwise nothing is
    /// written. Changes must come in the order they were made, sharing one `recreated`.
    pub fn reissue(
        &mut self,
        bytes: &[u8],
        device: &DeviceId,
        recreated: &mut Recreated,
    ) -> Result<RosterChange> {
        let change = decode_change(bytes)?;
        let expanded = guard(|| change.decode())?;
        let mut message = expanded
            .message
            .as_deref()
            .and_then(ChangeMessage::decode)
            .ok_or_else(|| unrepeatable("its message is not one Mitan writes"))?;
        message.device = device.to_string();
        let actor = expanded.actor_id.to_bytes().to_vec();
        let start = expanded.start_op.get();
        let mut made = Vec::new();
        let written = (|| {
            for (index, op) in expanded.operations.iter().enumerate() {
                let obj = self.object(&op.obj, recreated)?;
                let Key::Map(name) = &op.key else {
                    return Err(unrepeatable("it writes a list, which Mitan never does"));
                };
                let name = name.as_str();
                let doc: &mut AutoCommit = &mut self.doc;
                match &op.action {
                    OpType::Make(ObjType::Map) => {
                        // Later operations, of this change or the next, name it by this id.
                        let new = doc.put_object(&obj, name, ObjType::Map)?;
                        let id = (start + index as u64, actor.clone());
                        recreated.0.insert(id.clone(), new);
                        made.push(id);
                    }
                    OpType::Put(value) => doc.put(&obj, name, value.clone())?,
                    OpType::Delete => doc.delete(&obj, name)?,
                    OpType::Increment(by) => doc.increment(&obj, name, *by)?,
                    OpType::Make(_) | OpType::MarkBegin(_) | OpType::MarkEnd(_) => {
                        return Err(unrepeatable("it makes an object Mitan never makes"));
                    }
                }
            }
            Ok(())
        })();
        match written {
            Ok(()) => Ok(self.commit_message(&message, expanded.time)),
            Err(error) => {
                self.doc.rollback();
                for id in made {
                    recreated.0.remove(&id);
                }
                Err(error)
            }
        }
    }

    /// The object an operation names: one recreated here, or one this document holds under
    /// the same id.
    fn object(&self, obj: &ObjectId, recreated: &Recreated) -> Result<ObjId> {
        match obj {
            ObjectId::Root => Ok(ROOT),
            ObjectId::Id(id) => {
                let key = (id.0, id.1.to_bytes().to_vec());
                if let Some(new) = recreated.0.get(&key) {
                    return Ok(new.clone());
                }
                let text = format!("{}@{}", id.0, id.1);
                guard(|| self.doc.import_obj(&text))?.map_err(|_| {
                    unrepeatable(format!(
                        "it writes object {text}, which this roster does not hold"
                    ))
                })
            }
        }
    }
}
