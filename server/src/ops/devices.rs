//! Registration codes and revocation: an in-charge, a circle officer or the district admin
//! hands out one-time codes to the staff of their units and revokes their lost phones.

use clap::Args;
use mitan_core::model::{BadgeNumber, DeviceId};
use serde::{Deserialize, Serialize};

use super::{Caller, Permission, Policy, WriteOperation};
use crate::district::District;
use crate::error::{Error, Result};
use crate::registration::{self, CodePurpose, DEFAULT_CODE_TTL_MS, RegisteredDevice};
use crate::store::{ServerStore, User};

/// Issue a one-time registration code for a member of the caller's units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Args, utoipa::ToSchema)]
#[group(skip)]
pub struct IssueCode {
    /// The badge the code is for.
    #[arg(long)]
    #[schema(value_type = String)]
    pub badge: BadgeNumber,
    /// How long it works, in hours: 1 to 72 (24 if absent).
    #[arg(long)]
    #[serde(default)]
    pub ttl_hours: Option<u32>,
    /// What it is for: registering a phone (the default), or setting a password for the
    /// station console.
    #[arg(long = "for", value_enum, default_value_t)]
    #[serde(default, rename = "for")]
    pub purpose: CodePurpose,
}

/// A code issued: shown once, never stored in clear.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CodeIssued {
    /// The one-time code.
    pub code: String,
    /// For whom.
    pub badge: String,
    /// When it expires, by the server clock.
    pub expires_at_ms: i64,
}

fn owner(store: &ServerStore, badge: &BadgeNumber) -> Result<User> {
    store.load_user(badge)?.ok_or_else(|| Error::NotFound {
        what: "user",
        id: badge.to_string(),
    })
}

route!(IssueCode => CodeIssued, Post "/v1/registration-codes");

impl WriteOperation for IssueCode {
    fn write(self, district: &mut District, caller: &Caller, now_ms: i64) -> Result<CodeIssued> {
        let user = owner(district.store(), &self.badge)?;
        Policy::check(
            district.store(),
            &caller.user,
            Permission::ManageDevices,
            Some(&user.unit),
        )?;
        let ttl_ms = self
            .ttl_hours
            .map_or(DEFAULT_CODE_TTL_MS, |hours| i64::from(hours) * 3_600_000);
        let issued = registration::issue_code_for(
            district.store_mut(),
            self.purpose,
            &self.badge,
            caller.user.badge.as_str(),
            ttl_ms,
            now_ms,
        )?;
        Ok(CodeIssued {
            code: issued.code,
            badge: issued.badge.to_string(),
            expires_at_ms: issued.expires_at_ms,
        })
    }
}

/// Revoke a lost or replaced device: its credential stops working at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Args, utoipa::ToSchema)]
#[group(skip)]
pub struct Revoke {
    /// The device's id.
    #[schema(value_type = String)]
    pub id: DeviceId,
}

/// A device revoked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Revoked {
    /// The device revoked.
    pub device_id: String,
}

route!(Revoke => Revoked, Post "/v1/devices/{id}/revoke");

impl WriteOperation for Revoke {
    fn write(self, district: &mut District, caller: &Caller, now_ms: i64) -> Result<Revoked> {
        Policy::check(
            district.store(),
            &caller.user,
            Permission::ManageDevices,
            None,
        )?;
        let record = district
            .store()
            .load_device(&self.id)?
            .ok_or_else(|| Error::NotFound {
                what: "device",
                id: self.id.to_string(),
            })?;
        let user = owner(district.store(), &record.badge)?;
        Policy::check(
            district.store(),
            &caller.user,
            Permission::ManageDevices,
            Some(&user.unit),
        )?;
        district
            .store_mut()
            .revoke_device(&self.id, caller.user.badge.as_str(), now_ms)?;
        tracing::info!(device = %self.id, by = %caller.user.badge, "device revoked");
        Ok(Revoked {
            device_id: self.id.to_string(),
        })
    }
}

/// Re-register the calling phone under a new actor and signing key, with its own credential:
/// the recovery of a phone whose sync was refused with `actor_reused` (its store was restored
/// from a backup, or cloned). The answer is a new device whose credential is shown once; the
/// calling device is revoked in the same transaction, so one credential recovers one phone,
/// and any other copy of it needs a code from the in-charge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Replace {
    /// The new Automerge actor: 16 bytes as 32 hex digits, never registered before.
    pub actor: String,
    /// The new Ed25519 public key: 32 bytes as 64 hex digits.
    pub public_key: String,
}

route!(Replace => RegisteredDevice, Post "/v1/devices/replace");

impl WriteOperation for Replace {
    fn write(
        self,
        district: &mut District,
        caller: &Caller,
        now_ms: i64,
    ) -> Result<RegisteredDevice> {
        // Only a phone has a device to replace; an officer at the command line has none.
        let old: DeviceId = caller.via.parse().map_err(|_| Error::Forbidden {
            reason: "only a registered phone can replace itself".into(),
        })?;
        let replaced = registration::replace(district.store_mut(), &old, &self, now_ms)?;
        tracing::info!(
            old = %old,
            device = %replaced.device_id,
            badge = %replaced.badge,
            "device replaced itself (restored from a backup or cloned)"
        );
        Ok(replaced)
    }
}
