//! How each protocol version lays the sync messages out on the wire, apart from the messages
//! as the code holds them (`wire`): protocol 4's layout is the messages' own serde layout;
//! protocol 5's is here.
//!
//! Protocol 5 sends nothing twice that the changes already carry: the offers have no
//! per-change signatures (the request's manifest signs them all), and a key of an entry that
//! the changes beside it write travels without the entry's id, in the order
//! [`entries_written`] gives, since the receiver reads those ids from the changes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::serve::entries_written;
use super::wire::{
    EntryRef, Hash, KeyGrant, RejectedChange, RosterOffer, RosterReply, SyncRequest, SyncResponse,
};
use crate::error::{Error, Result};
use crate::provenance::Signature;

/// Protocol 4's request layout.
#[derive(Serialize, Deserialize)]
pub(super) struct RequestV4 {
    pub(super) protocol: u16,
    pub(super) rosters: Vec<RosterOffer>,
}

/// Protocol 5's request layout: offers without per-change signatures, then the manifest's.
#[derive(Serialize, Deserialize)]
pub(super) struct RequestV5 {
    protocol: u16,
    rosters: Vec<OfferV5>,
    manifest: Option<Signature>,
}

/// Protocol 5's offer layout.
#[derive(Serialize, Deserialize)]
struct OfferV5 {
    roster: String,
    heads: Vec<Hash>,
    #[serde(with = "super::packing::changes")]
    changes: Vec<Vec<u8>>,
    keys: SplitKeys,
    want_keys: Vec<EntryRef>,
}

/// Protocol 5's reply layout.
#[derive(Serialize, Deserialize)]
pub(super) struct ResponseV5 {
    protocol: u16,
    rosters: Vec<ReplyV5>,
}

/// Protocol 5's layout of one roster's reply: [`RosterReply`], with its keys split.
#[derive(Serialize, Deserialize)]
struct ReplyV5 {
    roster: String,
    refused: Option<String>,
    rejected: Vec<RejectedChange>,
    #[serde(with = "super::packing::changes")]
    changes: Vec<Vec<u8>>,
    snapshot: Option<Vec<u8>>,
    server_heads: Vec<Hash>,
    more: bool,
    resend_all: bool,
    keys: SplitKeys,
    seal_together: bool,
}

/// Key grants beside a list of changes.
#[derive(Serialize, Deserialize)]
struct SplitKeys {
    /// The keys of the entries the changes write ([`entries_written`], in its order), `None`
    /// for an entry whose key is not sent; trailing `None`s are left off.
    written: Vec<Option<[u8; 32]>>,
    /// Keys of any other entries, with their ids.
    others: Vec<KeyGrant>,
}

impl SplitKeys {
    /// `keys` split against the entries `changes` write.
    fn split(changes: &[Vec<u8>], keys: Vec<KeyGrant>) -> Self {
        if keys.is_empty() {
            return SplitKeys {
                written: Vec::new(),
                others: Vec::new(),
            };
        }
        let mut by_entry: BTreeMap<EntryRef, [u8; 32]> = keys
            .into_iter()
            .map(|grant| (grant.entry, grant.key))
            .collect();
        let mut written: Vec<Option<[u8; 32]>> = entries_written(changes)
            .into_iter()
            .map(|entry| by_entry.remove(&EntryRef::from(entry)))
            .collect();
        while written.last() == Some(&None) {
            written.pop();
        }
        SplitKeys {
            written,
            others: by_entry
                .into_iter()
                .map(|(entry, key)| KeyGrant { entry, key })
                .collect(),
        }
    }

    /// The grants again, the ids read from `changes`; `what` names the message for an error.
    fn join(self, changes: &[Vec<u8>], what: &'static str) -> Result<Vec<KeyGrant>> {
        if self.written.is_empty() {
            return Ok(self.others);
        }
        let entries = entries_written(changes);
        if self.written.len() > entries.len() {
            return Err(Error::Decode {
                what,
                reason: format!(
                    "{} keys for the {} entries the changes write",
                    self.written.len(),
                    entries.len()
                ),
            });
        }
        let mut grants: Vec<KeyGrant> = entries
            .into_iter()
            .zip(self.written)
            .filter_map(|(entry, key)| {
                key.map(|key| KeyGrant {
                    entry: entry.into(),
                    key,
                })
            })
            .collect();
        grants.extend(self.others);
        Ok(grants)
    }
}

impl From<SyncRequest> for RequestV5 {
    fn from(request: SyncRequest) -> Self {
        RequestV5 {
            protocol: request.protocol,
            rosters: request
                .rosters
                .into_iter()
                .map(|offer| OfferV5 {
                    keys: SplitKeys::split(&offer.changes, offer.keys),
                    roster: offer.roster,
                    heads: offer.heads,
                    changes: offer.changes,
                    want_keys: offer.want_keys,
                })
                .collect(),
            manifest: request.manifest,
        }
    }
}

impl RequestV5 {
    /// How many changes the request offers.
    pub(super) fn change_count(&self) -> usize {
        self.rosters.iter().map(|offer| offer.changes.len()).sum()
    }

    pub(super) fn into_request(self) -> Result<SyncRequest> {
        let mut rosters = Vec::with_capacity(self.rosters.len());
        for offer in self.rosters {
            rosters.push(RosterOffer {
                keys: offer.keys.join(&offer.changes, "sync request")?,
                roster: offer.roster,
                heads: offer.heads,
                changes: offer.changes,
                want_keys: offer.want_keys,
                signatures: Vec::new(),
            });
        }
        Ok(SyncRequest {
            protocol: self.protocol,
            rosters,
            manifest: self.manifest,
        })
    }
}

impl From<SyncResponse> for ResponseV5 {
    fn from(response: SyncResponse) -> Self {
        ResponseV5 {
            protocol: response.protocol,
            rosters: response
                .rosters
                .into_iter()
                .map(|reply| ReplyV5 {
                    keys: SplitKeys::split(&reply.changes, reply.keys),
                    roster: reply.roster,
                    refused: reply.refused,
                    rejected: reply.rejected,
                    changes: reply.changes,
                    snapshot: reply.snapshot,
                    server_heads: reply.server_heads,
                    more: reply.more,
                    resend_all: reply.resend_all,
                    seal_together: reply.seal_together,
                })
                .collect(),
        }
    }
}

impl ResponseV5 {
    pub(super) fn into_response(self) -> Result<SyncResponse> {
        let mut rosters = Vec::with_capacity(self.rosters.len());
        for reply in self.rosters {
            rosters.push(RosterReply {
                keys: reply.keys.join(&reply.changes, "sync response")?,
                roster: reply.roster,
                refused: reply.refused,
                rejected: reply.rejected,
                changes: reply.changes,
                snapshot: reply.snapshot,
                server_heads: reply.server_heads,
                more: reply.more,
                resend_all: reply.resend_all,
                seal_together: reply.seal_together,
            });
        }
        Ok(SyncResponse {
            protocol: self.protocol,
            rosters,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(byte: u8) -> KeyGrant {
        KeyGrant {
            entry: EntryRef::Volunteer([byte; 16]),
            key: [byte; 32],
        }
    }

    #[test]
    fn keys_of_entries_no_change_writes_keep_their_ids() {
        let changes = vec![b"not a change".to_vec()];
        let split = SplitKeys::split(&changes, vec![grant(1), grant(2)]);
        assert!(split.written.is_empty());
        assert_eq!(split.others, vec![grant(1), grant(2)]);
        let joined = split.join(&changes, "test").expect("joins");
        assert_eq!(joined, vec![grant(1), grant(2)]);
    }

    #[test]
    fn more_positional_keys_than_written_entries_are_refused() {
        let split = SplitKeys {
            written: vec![Some([1; 32])],
            others: Vec::new(),
        };
        let refused = split
            .join(&[b"not a change".to_vec()], "sync request")
            .expect_err("no entry to give the key to");
        assert!(
            refused.to_string().contains("1 keys for the 0 entries"),
            "{refused}"
        );
    }
}
