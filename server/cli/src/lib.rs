//! `mitan-cli`: the `mitan` command, and the field client it shares with the tests and benches.
//!
//! * [`commands`] — the `mitan` command: `serve`, `admin`, `audit`, `review`, `report` and
//!   `field`, glue over the operations of [`mitan_server`] (on the database, or on a running
//!   server over HTTP);
//! * [`field`] — the command-line field client: a laptop or a test plays a phone, driving
//!   `mitan_core::device::Device` over real HTTP;
//! * [`demo`] — `mitan serve --demo`: a demo district filled through simulated phones.
//!
//! The server library never uses the phone's device facade (STYLE.md); whatever needs both a
//! server and a phone lives here, so the arrows point one way: `mitan-cli` → `mitan-server`
//! → `mitan-core`.

pub mod commands;
pub mod demo;
mod error;
pub mod field;
pub mod pinning;

pub use commands::{Cli, execute};
pub use error::{Error, Result};
