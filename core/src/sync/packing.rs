//! A lossless, denser wire form for a list of Automerge changes.
//!
//! An Automerge change carries a 4-byte checksum and the 32-byte hash of every change it
//! depends on. Within one offer, almost every change depends on the one just before it, so
//! those hashes repeat information the receiver can recompute, and being random they are the
//! one part of a change zstd cannot shrink: about a quarter of a 25-enrolment request.
//! Packing replaces each dependency on an earlier change of the same list by its distance
//! back; unpacking rebuilds the exact bytes. The change's 4-byte checksum stays: unpacking
//! recomputes it, so without the sent one a change damaged on the way (by a faulty link or a
//! buggy sender) would be rebuilt into a different, valid change under the same actor and
//! sequence number, and the sender's genuine change would then be refused for good.
//!
//! A change is packed only when rebuilding it gives back its original bytes; anything else
//! (garbage, another chunk type, a bad checksum) travels as it came, so the receiver judges
//! it exactly as if it had not been packed.

use std::collections::HashMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

/// The first bytes of every Automerge chunk.
const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
/// The chunk type of an uncompressed change.
const CHANGE_CHUNK: u8 = 1;

/// One change on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
enum Packed {
    /// Bytes sent as they are.
    Raw(Vec<u8>),
    /// A change chunk, its dependencies listed apart.
    Change {
        /// The chunk's checksum, checked against the rebuilt chunk's.
        checksum: [u8; 4],
        /// The dependencies, in the change's own order.
        deps: Vec<Dep>,
        /// The change body after the dependencies.
        rest: Vec<u8>,
    },
}

/// A dependency of a packed change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
enum Dep {
    /// The change this many places earlier in the same list (1 = the one just before).
    Back(u32),
    /// A change outside the list.
    Hash([u8; 32]),
}

/// Serde adapter for `Vec<Vec<u8>>` fields holding encoded changes.
pub(super) mod changes {
    use super::*;

    pub(in crate::sync) fn serialize<S: Serializer>(
        changes: &[Vec<u8>],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        pack(changes).serialize(serializer)
    }

    pub(in crate::sync) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<Vec<u8>>, D::Error> {
        let packed = Vec::<Packed>::deserialize(deserializer)?;
        unpack(packed).map_err(serde::de::Error::custom)
    }
}

fn pack(changes: &[Vec<u8>]) -> Vec<Packed> {
    let mut position_of: HashMap<[u8; 32], usize> = HashMap::new();
    let mut packed = Vec::with_capacity(changes.len());
    for (index, bytes) in changes.iter().enumerate() {
        match split(bytes) {
            Some(SplitChange { hash, deps, rest }) => {
                let deps = deps
                    .into_iter()
                    .map(|dep| match position_of.get(&dep) {
                        Some(&earlier) => Dep::Back((index - earlier) as u32),
                        None => Dep::Hash(dep),
                    })
                    .collect();
                position_of.insert(hash, index);
                let mut checksum = [0; 4];
                checksum.copy_from_slice(&hash[..4]);
                packed.push(Packed::Change {
                    checksum,
                    deps,
                    rest: rest.to_vec(),
                });
            }
            None => packed.push(Packed::Raw(bytes.clone())),
        }
    }
    packed
}

fn unpack(packed: Vec<Packed>) -> Result<Vec<Vec<u8>>, String> {
    let mut hashes: Vec<Option<[u8; 32]>> = Vec::with_capacity(packed.len());
    let mut changes = Vec::with_capacity(packed.len());
    for (index, entry) in packed.into_iter().enumerate() {
        match entry {
            Packed::Raw(bytes) => {
                hashes.push(None);
                changes.push(bytes);
            }
            Packed::Change {
                checksum,
                deps,
                rest,
            } => {
                let mut resolved = Vec::with_capacity(deps.len());
                for dep in deps {
                    resolved.push(match dep {
                        Dep::Hash(hash) => hash,
                        Dep::Back(distance) => index
                            .checked_sub(distance as usize)
                            .filter(|_| distance > 0)
                            .and_then(|earlier| hashes[earlier])
                            .ok_or_else(|| {
                                format!("change {index}: dependency {distance} back is no change")
                            })?,
                    });
                }
                let (hash, bytes) = assemble(&resolved, &rest);
                if hash[..4] != checksum {
                    return Err(format!(
                        "change {index}: damaged, its checksum does not match"
                    ));
                }
                hashes.push(Some(hash));
                changes.push(bytes);
            }
        }
    }
    Ok(changes)
}

/// A change chunk taken apart.
struct SplitChange<'a> {
    hash: [u8; 32],
    deps: Vec<[u8; 32]>,
    rest: &'a [u8],
}

/// Splits an uncompressed change chunk into its hash, dependencies and the rest of its body,
/// if rebuilding it from those parts gives back exactly `bytes`.
fn split(bytes: &[u8]) -> Option<SplitChange<'_>> {
    let header = bytes.get(..9)?;
    if header[..4] != MAGIC || header[8] != CHANGE_CHUNK {
        return None;
    }
    let mut cursor = &bytes[9..];
    let body_len = usize::try_from(leb128::read::unsigned(&mut cursor).ok()?).ok()?;
    if cursor.len() != body_len {
        return None;
    }
    let mut body = cursor;
    let dep_count = usize::try_from(leb128::read::unsigned(&mut body).ok()?).ok()?;
    let mut deps = Vec::with_capacity(dep_count.min(body.len() / 32));
    for _ in 0..dep_count {
        let (dep, after) = body.split_first_chunk::<32>()?;
        deps.push(*dep);
        body = after;
    }
    let (hash, rebuilt) = assemble(&deps, body);
    (rebuilt == bytes).then_some(SplitChange {
        hash,
        deps,
        rest: body,
    })
}

/// Builds a change chunk from its dependencies and the rest of its body, with the header and
/// checksum Automerge writes; returns its hash and bytes.
fn assemble(deps: &[[u8; 32]], rest: &[u8]) -> ([u8; 32], Vec<u8>) {
    let mut body = Vec::with_capacity(5 + deps.len() * 32 + rest.len());
    write_unsigned(&mut body, deps.len() as u64);
    for dep in deps {
        body.extend_from_slice(dep);
    }
    body.extend_from_slice(rest);
    let mut typed_length = vec![CHANGE_CHUNK];
    write_unsigned(&mut typed_length, body.len() as u64);
    let hash: [u8; 32] = Sha256::new()
        .chain_update(&typed_length)
        .chain_update(&body)
        .finalize()
        .into();
    let mut bytes = Vec::with_capacity(8 + typed_length.len() + body.len());
    bytes.extend_from_slice(&MAGIC);
    bytes.extend_from_slice(&hash[..4]);
    bytes.extend_from_slice(&typed_length);
    bytes.extend_from_slice(&body);
    (hash, bytes)
}

fn write_unsigned(out: &mut Vec<u8>, value: u64) {
    leb128::write::unsigned(out, value).expect("writing to a Vec cannot fail");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::Generator;
    use crate::model::sealed::TestKeys;
    use crate::model::{ChangeMeta, EnrolmentRules, Roster, VolunteerId};

    fn enrolments(count: usize) -> Vec<Vec<u8>> {
        let beat = "BSP-PS-KONI-B01";
        let mut roster = Roster::genesis(&beat.parse().expect("valid beat"));
        roster.set_actor([4; 16]);
        let mut generator = Generator::new(11);
        let rules = EnrolmentRules::standard(2026);
        (0..count)
            .map(|index| {
                let form = generator.enrolment_form(
                    "BSP-PS-KONI",
                    beat,
                    &Generator::village_lgd(0, index % 3),
                );
                let enrolment = form.validate(&rules).expect("demo forms are valid");
                let meta = ChangeMeta {
                    badge: "CG-0042".parse().expect("valid badge"),
                    device: "phone-1".parse().expect("valid device"),
                    device_clock_ms: 1_763_900_000_000 + index as i64,
                };
                let id =
                    VolunteerId::from_parts(meta.device_clock_ms as u64, generator.next_u128());
                roster
                    .enrol(id, &enrolment, &meta, &TestKeys::sealing(&id))
                    .expect("enrol")
                    .bytes
            })
            .collect()
    }

    fn round_trip(changes: &[Vec<u8>]) -> Vec<Vec<u8>> {
        let bytes = postcard::to_stdvec(&pack(changes)).expect("packs");
        let packed: Vec<Packed> = postcard::from_bytes(&bytes).expect("decodes");
        unpack(packed).expect("unpacks")
    }

    #[test]
    fn a_chain_of_enrolments_comes_back_byte_for_byte_with_back_references() {
        let changes = enrolments(25);
        let packed = pack(&changes);
        assert!(
            matches!(&packed[0], Packed::Change { deps, .. } if matches!(deps[..], [Dep::Hash(_)]))
        );
        for entry in &packed[1..] {
            assert!(matches!(entry, Packed::Change { deps, .. } if deps[..] == [Dep::Back(1)]));
        }
        assert_eq!(round_trip(&changes), changes);
        let plain = postcard::to_stdvec(&changes).expect("encodes");
        let dense = postcard::to_stdvec(&packed).expect("encodes");
        assert!(
            dense.len() + 24 * 32 <= plain.len(),
            "{} vs {}",
            dense.len(),
            plain.len()
        );
    }

    #[test]
    fn garbage_and_altered_changes_travel_unchanged() {
        let mut changes = enrolments(3);
        changes[1][5] ^= 0xff; // a wrong checksum must reach the receiver wrong
        changes.push(b"not a change at all".to_vec());
        changes.push(Vec::new());
        let packed = pack(&changes);
        assert!(matches!(packed[1], Packed::Raw(_)));
        assert!(matches!(packed[3], Packed::Raw(_)));
        assert!(matches!(packed[4], Packed::Raw(_)));
        assert_eq!(round_trip(&changes), changes);
    }

    #[test]
    fn a_back_reference_to_nothing_is_an_error_not_a_panic() {
        for distance in [0, 1, 5, u32::MAX] {
            let packed = vec![Packed::Change {
                checksum: [0; 4],
                deps: vec![Dep::Back(distance)],
                rest: vec![1, 2, 3],
            }];
            assert!(unpack(packed).is_err());
        }
        let after_raw = vec![
            Packed::Raw(vec![9]),
            Packed::Change {
                checksum: [0; 4],
                deps: vec![Dep::Back(1)],
                rest: vec![],
            },
        ];
        assert!(unpack(after_raw).is_err());
    }

    #[test]
    fn a_change_damaged_after_packing_is_refused_not_rebuilt_into_another() {
        let changes = enrolments(3);
        let clean = pack(&changes);
        let mut damaged_body = clean.clone();
        if let Packed::Change { rest, .. } = &mut damaged_body[1] {
            let middle = rest.len() / 2;
            rest[middle] ^= 0x01;
        }
        assert!(unpack(damaged_body).is_err());
        let mut damaged_dep = clean;
        if let Packed::Change { deps, .. } = &mut damaged_dep[2] {
            deps[0] = Dep::Back(2);
        }
        assert!(unpack(damaged_dep).is_err());
    }
}
