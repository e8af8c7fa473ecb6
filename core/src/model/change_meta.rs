//! Who made a change, on which device, and when by the device's clock.
//!
//! Automerge records an actor per change but not a person; the roster puts the badge, the
//! device and the action into each change's message, and the device's clock into its time.

use serde::{Deserialize, Serialize};

use super::id::{BadgeNumber, DeviceId};

/// What a change did, as recorded in its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// The deterministic first change every replica of a roster shares.
    Genesis,
    /// A volunteer was enrolled.
    Enrol,
    /// A volunteer's fields were edited.
    Edit,
    /// A supervisor verified, rejected or marked a duplicate.
    Review,
    /// A volunteer withdrew consent.
    Withdraw,
    /// A camera was registered.
    Camera,
    /// A camera was taken off the register and its owner erased.
    RemoveCamera,
    /// A supervisor moved a volunteer between beats (recorded in both rosters).
    Move,
}

/// The author of a change: the person, the device, and the device's clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeMeta {
    /// The badge number of the person acting.
    pub badge: BadgeNumber,
    /// The device the change was made on.
    pub device: DeviceId,
    /// The device's clock in milliseconds since the Unix epoch: a claim, never the truth.
    pub device_clock_ms: i64,
}

/// The message stored in each change. Short keys because it travels over 2G with every change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeMessage {
    /// The action.
    #[serde(rename = "a")]
    pub action: Action,
    /// The author's badge.
    #[serde(rename = "b")]
    pub badge: String,
    /// The device.
    #[serde(rename = "d")]
    pub device: String,
    /// The entry acted on (volunteer or camera id), when there is one.
    #[serde(rename = "e", default, skip_serializing_if = "Option::is_none")]
    pub entry: Option<String>,
    /// For a change carried from a volunteer's old entry to their live one
    /// (`model::lineage`): the hash, in hex, of the original change it repeats. The badge and
    /// device above are then the original author's, not the carrier's.
    #[serde(rename = "c", default, skip_serializing_if = "Option::is_none")]
    pub carried_from: Option<String>,
}

impl ChangeMessage {
    /// Encodes the message as compact JSON.
    pub fn encode(&self) -> String {
        serde_json::to_string(self).expect("a struct of strings always serialises")
    }

    /// Decodes a change message; `None` for messages Mitan did not write.
    pub fn decode(text: &str) -> Option<Self> {
        serde_json::from_str(text).ok()
    }
}
