//! `mitan-core`: the rosters of community-policing volunteers that every Mitan device and the
//! server share.
//!
//! * [`model`] — the domain, validation, and rosters as Automerge documents (no I/O);
//! * [`sync`] — the wire messages and both sides of the sync protocol (no I/O);
//! * [`store`] — the crash-safe on-device SQLite store;
//! * [`history`] — what auditors read: every change in order, and any past state (no I/O);
//! * [`provenance`] — device signatures of changes, and the audit export checked offline;
//! * [`device`] — the facade a phone calls, joining the three.

#![warn(missing_docs)]

pub mod demo;
pub mod device;
mod error;
pub mod history;
pub mod model;
pub mod provenance;
pub mod store;
pub mod sync;

pub use error::{Error, Result};
