//! The crash-safe on-device store: SQLCipher (encrypted SQLite) in WAL mode with
//! `synchronous=FULL`, roster documents as snapshot plus change log, volunteers' keys, the
//! district's consent notices and policy, and an index of volunteers for the constable's
//! queries.
//!
//! Every write that the app is told about has been committed first; a process killed at any
//! instant leaves either the whole write or none of it.

mod device_store;
mod index;
mod keys;
mod notices;
mod places;
mod programmes;
mod recovery;
mod schema;

pub use device_store::{
    DeviceIdentity, DeviceStore, RosterParts, StoreKey, finish_sqlcipher_setup,
};
pub use index::{QuotaProgress, VolunteerFilter, VolunteerRow};
pub use keys::KeyChanges;
pub use schema::{SCHEMA_VERSION, apply_migrations};
