//! What the device tests share: a constable's phone of the Koni station's first beat, with a
//! real encrypted store, syncing through the in-memory reference server.

use std::path::Path;

use mitan_core::device::{Device, SyncReport};
use mitan_core::model::EnrolmentRules;
use mitan_core::store::{DeviceIdentity, StoreKey};
use mitan_core::sync::MemoryHub;

pub(crate) const STATION: &str = "BSP-PS-KONI";
pub(crate) const BEAT: &str = "BSP-PS-KONI-B01";
pub(crate) const NOW: i64 = 1_763_900_000_000;

/// Phone `number`: its own device id, actor and constable.
pub(crate) fn identity(number: u8) -> DeviceIdentity {
    DeviceIdentity {
        device_id: format!("dev-{number}").parse().expect("valid device id"),
        actor: [number; 16],
        badge: format!("CG-{number:03}").parse().expect("valid badge"),
        station: STATION.parse().expect("valid station"),
        beats: vec![BEAT.parse().expect("valid beat")],
        quota: 25,
    }
}

/// The store key of phone `number`.
pub(crate) fn store_key(number: u8) -> StoreKey {
    StoreKey::from_bytes([number; 32])
}

/// Opens phone `number`'s store in `dir` (`device-N.db`).
pub(crate) fn open(dir: &Path, number: u8) -> Device {
    Device::open(
        &dir.join(format!("device-{number}.db")),
        &store_key(number),
        &identity(number),
        EnrolmentRules::standard(2026),
    )
    .expect("store opens")
}

/// Syncs `device` with `hub`.
pub(crate) fn sync(device: &mut Device, hub: &mut MemoryHub) -> SyncReport {
    let mut transport = |request: Vec<u8>| hub.handle(&request).map_err(|error| error.to_string());
    device.sync(&mut transport, NOW).expect("sync succeeds")
}
