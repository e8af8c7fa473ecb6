//! Sync between a device and the server, as messages and pure state machines: no sockets, no
//! clocks, no files. Both sides of the protocol live here so that the phone and the server
//! cannot drift apart, and every sync bug can be replayed in a plain test.
//! The rules of what a roster may hold (`rules`) live here too, so the server and the
//! reference hub refuse the same changes with the same [`Refusal`] codes.

mod client;
mod compression;
mod hub;
mod layouts;
mod packing;
mod refusal;
mod rules;
mod serve;
mod wire;

pub use client::{ClientSession, Incoming, RosterState, RosterUpdate, SyncUpdate};
pub use compression::{DICTIONARY_V5, dictionary_v5_id, inflate};
pub use hub::MemoryHub;
pub use refusal::Refusal;
pub use rules::{
    DistrictFacts, RefusedEntry, RuledOffer, Ruling, TrainerLookup, apply_ruled, erased_camera_key,
    erased_key,
};
pub use serve::{
    MAX_CHANGE_BYTES, MAX_CHANGE_OPS, MISSING_DEPENDENCY, OUTSIDE_LAYOUT, OVERSIZE_CHANGE,
    OfferOutcome, StoredChange, UNDECODABLE, accepted_grants, apply_offer, entries_written,
    grants_for, key_candidates, refuse_offer, reply_to_offer,
};
pub use wire::{
    EntryRef, Hash, KeyGrant, Limits, OLDEST_PROTOCOL, PROTOCOL_VERSION, RejectedChange,
    RosterOffer, RosterReply, SyncRequest, SyncResponse,
};
