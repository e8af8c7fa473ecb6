//! The one trait every compared system implements, so the harness drives each through the
//! same drive: start, enrol offline, sync each evening, review, finish.

use std::net::SocketAddr;
use std::path::Path;

use crate::child::Usage;
use crate::workload::{DAYS, DRIVE_START_MS, Enrolment, Review, Workload};

pub mod floor;
pub mod mitan;
pub mod odk;
#[cfg(feature = "samod")]
pub mod samod;

/// What a system held at the end, and what its server used.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Finished {
    /// Enrolments its server (or store) holds.
    pub stored: u64,
    /// Its server's CPU time and peak memory, when it has a server process.
    pub usage: Option<Usage>,
}

/// Bytes a system counts itself, for the floors that have no socket.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OwnBytes {
    /// Bytes the phones would send.
    pub up: u64,
}

/// A system under test.
pub trait System: Sync {
    /// Its name in tables.
    fn name(&self) -> &'static str;

    /// Sets up the district (units, users, registered phones) and starts the server as a
    /// child of `exe`, under `dir`; returns the address the phones reach it at, if any.
    fn start(
        &mut self,
        workload: &Workload,
        exe: &Path,
        dir: &Path,
    ) -> anyhow::Result<Option<SocketAddr>>;

    /// Records `enrolment` on its phone, offline.
    fn enrol(&self, enrolment: &Enrolment) -> anyhow::Result<()>;

    /// `phone`'s sync at the station on the evening of `day`, through `link`.
    fn sync(&self, phone: usize, day: usize, link: Option<SocketAddr>) -> anyhow::Result<()>;

    /// The in-charge of `station` records `reviews` through `link`.
    fn review(
        &self,
        station: usize,
        reviews: &[Review],
        link: Option<SocketAddr>,
    ) -> anyhow::Result<()>;

    /// Its server's CPU time and memory so far, when it has a server process.
    fn usage(&self) -> Option<Usage>;

    /// Bytes it counts itself, when nothing crosses a socket.
    fn own_bytes(&self) -> Option<OwnBytes> {
        None
    }

    /// Stops the server and counts what it stored.
    fn finish(&mut self) -> anyhow::Result<Finished>;
}

/// The evening of `day`, when phones sync at the station.
pub fn evening_ms(day: usize) -> i64 {
    debug_assert!(day < DAYS);
    DRIVE_START_MS + day as i64 * 86_400_000 + 10 * 3_600_000
}

/// The names of every system, in the order tables list them.
/// samod is there only when the crate is built with its `samod` feature.
pub const SYSTEMS: &[&str] = &[
    "mitan",
    #[cfg(feature = "samod")]
    "samod",
    "odk",
    "floor",
];

/// A fresh system called `name`.
pub fn named(name: &str) -> Option<Box<dyn System>> {
    match name {
        "mitan" => Some(Box::new(mitan::Mitan::default())),
        "odk" => Some(Box::new(odk::Odk::default())),
        #[cfg(feature = "samod")]
        "samod" => Some(Box::new(samod::Samod::default())),
        "floor" => Some(Box::new(floor::Floor::default())),
        _ => None,
    }
}

/// Runs the server of `system` over `path` in this process, until standard input closes:
/// what `serve-child` does.
pub fn serve_child(system: &str, path: &Path) -> anyhow::Result<()> {
    match system {
        "mitan" => mitan::serve(path),
        "odk" => odk::serve(path),
        #[cfg(feature = "samod")]
        "samod" => samod::serve(path),
        other => anyhow::bail!("system: no server called {other:?}"),
    }
}
