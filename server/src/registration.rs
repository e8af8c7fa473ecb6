//! Registering phones: a station in-charge issues a one-time code for a constable, the phone
//! presents it with its Automerge actor and the public half of its signing key, and gets a
//! device id and a credential shown once.

use mitan_core::model::{BadgeNumber, DeviceId, GENESIS_ACTOR};
use mitan_core::provenance::{PublicKey, is_public_key};
use serde::{Deserialize, Serialize};

use crate::auth::{
    hash_secret, new_credential, new_device_id, new_registration_code, normalize_code,
};
use crate::error::{Error, Problem, Result};
use crate::store::{IssuedCode, Registration, ServerStore};

/// The enrolment quota per employee (25 in the Bilaspur drive). Targets per unit and
/// campaign will replace this constant.
pub const DEFAULT_QUOTA: u32 = 25;

/// How long a registration code works unless told otherwise.
pub const DEFAULT_CODE_TTL_MS: i64 = 24 * 60 * 60 * 1000;

/// The longest a registration code may work: three days, long enough to reach a phone in a
/// far outpost, short enough that a code written on a slip of paper soon stops mattering.
pub const MAX_CODE_TTL_HOURS: u64 = 72;

/// [`MAX_CODE_TTL_HOURS`] in milliseconds.
pub const MAX_CODE_TTL_MS: i64 = MAX_CODE_TTL_HOURS as i64 * 60 * 60 * 1000;

/// Register a device with a one-time code and its Automerge actor and signing key; the
/// credential in the answer is shown once. Answered without a credential, within the
/// registration allowance per address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RegisterRequest {
    /// The one-time code, as typed.
    pub code: String,
    /// The phone's Automerge actor: 16 bytes as 32 hex digits.
    pub actor: String,
    /// The Ed25519 public key the phone signs its changes with: 32 bytes as 64 hex digits.
    /// Every phone sends it; a device registered without one (a supervisor's browser or
    /// script, which only calls the HTTP API) can never have a change accepted by a sync.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<String>,
}

/// What a registered phone gets back: everything it needs to build its identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RegisteredDevice {
    /// The new device id.
    pub device_id: String,
    /// The bearer credential; shown this once, only its hash is kept.
    pub credential: String,
    /// The user's badge.
    pub badge: String,
    /// The user's role.
    pub role: String,
    /// The user's unit (a station for constables and in-charges).
    pub unit: String,
    /// The rosters (beats) the device holds.
    pub beats: Vec<String>,
    /// The enrolment quota per employee.
    pub quota: u32,
    /// Whether the phone may seal a new entry's personal fields together from its first
    /// enrolment, since every phone in use reads that (ADR 0011); its syncs say so again.
    /// Absent from older servers' answers, which means no.
    #[serde(default)]
    pub seal_together: bool,
}

impl crate::ops::Operation for RegisterRequest {
    type Answer = RegisteredDevice;
    const METHOD: crate::ops::Method = crate::ops::Method::Post;
    const PATH: &'static str = "/v1/devices/register";
    const PUBLIC: bool = true;
}

/// What a one-time code is for.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    clap::ValueEnum,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum CodePurpose {
    /// Registering the user's next phone.
    #[default]
    Phone,
    /// Setting the user's first (or a forgotten) password for the station console.
    Console,
}

/// Issues a one-time code for `badge`'s next device.
pub fn issue_code(
    store: &mut ServerStore,
    badge: &BadgeNumber,
    issued_by: &str,
    ttl_ms: i64,
    now_ms: i64,
) -> Result<IssuedCode> {
    issue_code_for(store, CodePurpose::Phone, badge, issued_by, ttl_ms, now_ms)
}

/// Issues a one-time code for `badge`: to register a phone, or to set a console password.
pub fn issue_code_for(
    store: &mut ServerStore,
    purpose: CodePurpose,
    badge: &BadgeNumber,
    issued_by: &str,
    ttl_ms: i64,
    now_ms: i64,
) -> Result<IssuedCode> {
    if !(1..=MAX_CODE_TTL_MS).contains(&ttl_ms) {
        return Err(Error::invalid(
            "ttl_hours",
            Problem::OutOfRange {
                min: 1,
                max: MAX_CODE_TTL_HOURS,
                of: "hours",
            },
        ));
    }
    if store.load_user(badge)?.is_none() {
        return Err(Error::NotFound {
            what: "user",
            id: badge.to_string(),
        });
    }
    let code = new_registration_code()?;
    let expires_at_ms = now_ms.saturating_add(ttl_ms);
    let code_hash = hash_secret(&normalize_code(&code));
    match purpose {
        CodePurpose::Phone => {
            store.save_registration_code(&code_hash, badge, issued_by, now_ms, expires_at_ms)?;
        }
        CodePurpose::Console => {
            store.save_console_code(&code_hash, badge, issued_by, now_ms, expires_at_ms)?;
        }
    }
    // Who issued a code for whom, and until when; never the code itself.
    tracing::info!(%badge, issued_by, expires_at_ms, ?purpose, "one-time code issued");
    Ok(IssuedCode {
        code,
        badge: badge.clone(),
        expires_at_ms,
    })
}

/// Parses an actor given as 32 hex digits.
pub fn parse_actor(text: &str) -> Result<[u8; 16]> {
    let invalid = || {
        Error::invalid(
            "actor",
            Problem::unreadable(text, "an actor (16 bytes as 32 hex digits)"),
        )
    };
    let bytes = hex::decode(text.trim()).map_err(|_| invalid())?;
    let actor: [u8; 16] = bytes.try_into().map_err(|_| invalid())?;
    if actor == GENESIS_ACTOR {
        // Every replica writes the first change of a roster as this actor; a device that
        // claimed it could write changes every replica takes for the shared genesis.
        return Err(Error::invalid(
            "actor",
            Problem::Reserved {
                for_what: "the first change of every roster",
            },
        ));
    }
    Ok(actor)
}

/// Parses a device's public key given as 64 hex digits, refusing bytes that are no usable
/// Ed25519 key.
pub fn parse_public_key(text: &str) -> Result<PublicKey> {
    let invalid = || {
        Error::invalid(
            "public_key",
            Problem::unreadable(text, "an Ed25519 public key (32 bytes as 64 hex digits)"),
        )
    };
    let bytes = hex::decode(text.trim()).map_err(|_| invalid())?;
    let key: PublicKey = bytes.try_into().map_err(|_| invalid())?;
    if !is_public_key(&key) {
        return Err(invalid());
    }
    Ok(key)
}

/// Registers a new device in place of `old`, which asked with its credential (see
/// [`crate::ops::devices::Replace`]): the same owner, a new id, actor, key and credential.
pub fn replace(
    store: &mut ServerStore,
    old: &DeviceId,
    request: &crate::ops::devices::Replace,
    now_ms: i64,
) -> Result<RegisteredDevice> {
    let actor = parse_actor(&request.actor)?;
    let public_key = parse_public_key(&request.public_key)?;
    let credential = new_credential()?;
    let device: DeviceId = new_device_id()?;
    let badge = store.replace_device(
        old,
        &Registration {
            code_hash: [0; 32],
            device: device.clone(),
            actor,
            credential_hash: hash_secret(&credential),
            public_key: Some(public_key),
        },
        now_ms,
    )?;
    registered(store, &badge, device, credential)
}

/// The answer to a registration of `device` for `badge`'s user.
fn registered(
    store: &ServerStore,
    badge: &BadgeNumber,
    device: DeviceId,
    credential: String,
) -> Result<RegisteredDevice> {
    let user = store.load_user(badge)?.ok_or_else(|| Error::NotFound {
        what: "user",
        id: badge.to_string(),
    })?;
    let beats = store.rosters_of(&user)?;
    Ok(RegisteredDevice {
        device_id: device.to_string(),
        credential,
        badge: badge.to_string(),
        role: user.role.to_string(),
        unit: user.unit.to_string(),
        beats: beats.iter().map(ToString::to_string).collect(),
        quota: DEFAULT_QUOTA,
        seal_together: store.every_device_speaks(mitan_core::sync::PROTOCOL_VERSION)?,
    })
}

/// Registers a device with a one-time code.
pub fn register(
    store: &mut ServerStore,
    request: &RegisterRequest,
    now_ms: i64,
) -> Result<RegisteredDevice> {
    let actor = parse_actor(&request.actor)?;
    let public_key = request
        .public_key
        .as_deref()
        .map(parse_public_key)
        .transpose()?;
    let credential = new_credential()?;
    let device: DeviceId = new_device_id()?;
    let badge = store.register_device(
        &Registration {
            code_hash: hash_secret(&normalize_code(&request.code)),
            device: device.clone(),
            actor,
            credential_hash: hash_secret(&credential),
            public_key,
        },
        now_ms,
    )?;
    registered(store, &badge, device, credential)
}
