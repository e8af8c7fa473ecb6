//! `mitan-server`: where the phones' offline work becomes district state.
//!
//! * [`store`] — the server's SQLite database (hierarchy, users, devices, change log,
//!   current volunteers);
//! * [`district`] — a sync request applied, durably committed, then answered;
//! * [`auth`] and [`registration`] — credentials, roles and who may touch which roster;
//! * [`ops`] — every operation a person or program asks for (sync aside), one typed request
//!   and one function each, and the one [`ops::Policy`] that authorizes them all;
//! * [`http`] — the axum routes, [`app`] and [`run`], with [`rate_limit`] per device;
//! * [`admin`], [`reports`], [`supervisor`] and [`exports`] — hierarchy and targets, district
//!   reports, supervisors' actions written into rosters, and WhatsApp-ready lists;
//! * [`access`] — the access log: every read of volunteers' personal fields, for auditors;
//! * [`background`] — a server on its own thread on loopback, for tests and benches.
//!
//! The `mitan` command, the command-line field client and the demo live beside it in
//! `server/cli` (`mitan-cli`): they drive the phone's device facade, which the server never
//! uses.

pub mod access;
pub mod admin;
pub mod audit;
pub mod auth;
pub mod background;
pub mod consent;
pub mod console;
pub mod district;
mod error;
pub mod exports;
pub mod groups;
pub mod http;
pub mod ist;
pub mod metrics;
pub mod ops;
pub mod private_files;
pub mod programmes;
pub mod provenance;
pub mod rate_limit;
pub mod registration;
pub mod reports;
pub mod roster_cache;
pub mod store;
pub mod supervisor;
pub mod tls;

pub use error::{Error, ErrorBody, ErrorDetail, Problem, Result};
pub use http::{AppState, app, run};
