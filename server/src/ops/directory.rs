//! The district's directory as the caller reaches it: units, police staff, devices.

use std::collections::HashMap;

use clap::Args;
use mitan_core::model::{BadgeNumber, UnitCode};
use serde::{Deserialize, Serialize};

use super::{Caller, Permission, Policy, ReadOperation};
use crate::error::Result;
use crate::store::{DeviceListing, ServerStore, UnitRow};

/// The units under the caller's unit (or a unit they name), parents before children.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Args, utoipa::ToSchema)]
#[group(skip)]
pub struct ListUnits {
    /// Only this unit and what lies under it.
    #[arg(long)]
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub under: Option<UnitCode>,
}

/// One unit of the hierarchy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UnitEntry {
    /// Its code.
    pub code: String,
    /// state, zone, range, district, circle, station, outpost, beat or village.
    pub kind: String,
    /// The unit it sits under.
    pub parent: Option<String>,
    /// Its name in Hindi.
    pub name_hi: String,
    /// Its name in English.
    pub name_en: String,
    /// A village's LGD code.
    pub lgd_code: Option<String>,
}

/// The units listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UnitList {
    /// In the order of the hierarchy, each unit after its parent.
    pub units: Vec<UnitEntry>,
}

route!(ListUnits => UnitList, Get "/v1/directory/units");

impl ReadOperation for ListUnits {
    fn read(self, store: &ServerStore, caller: &Caller, _: i64) -> Result<UnitList> {
        Policy::check(
            store,
            &caller.user,
            Permission::ListUnits,
            self.under.as_ref(),
        )?;
        let top = self.under.as_ref().unwrap_or(&caller.user.unit);
        let tree = crate::reports::Tree::load(store)?;
        let rows = store.load_units()?;
        let by_code: HashMap<&str, &UnitRow> =
            rows.iter().map(|row| (row.code.as_str(), row)).collect();
        // The subtree comes depth first, so each unit follows its parent.
        let units = tree
            .subtree(top.as_str())
            .iter()
            .filter_map(|code| by_code.get(code.as_str()))
            .map(|row| UnitEntry {
                code: row.code.clone(),
                kind: row.kind.clone(),
                parent: row.parent.clone(),
                name_hi: row.name_hi.clone(),
                name_en: row.name_en.clone(),
                lgd_code: row.lgd_code.clone(),
            })
            .collect();
        Ok(UnitList { units })
    }
}

/// The police staff of the caller's unit (or a unit they name).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Args, utoipa::ToSchema)]
#[group(skip)]
pub struct ListUsers {
    /// Only staff attached to this unit or below it.
    #[arg(long)]
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub under: Option<UnitCode>,
}

/// One member of staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UserEntry {
    /// Badge number.
    #[schema(value_type = String)]
    pub badge: BadgeNumber,
    /// Name.
    pub name: String,
    /// Role.
    pub role: String,
    /// The unit their authority covers.
    #[schema(value_type = String)]
    pub unit: UnitCode,
    /// A constable's beats.
    #[schema(value_type = Vec<String>)]
    pub beats: Vec<UnitCode>,
}

/// The staff listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UserList {
    /// By badge.
    pub users: Vec<UserEntry>,
}

route!(ListUsers => UserList, Get "/v1/directory/users");

impl ReadOperation for ListUsers {
    fn read(self, store: &ServerStore, caller: &Caller, _: i64) -> Result<UserList> {
        Policy::check(
            store,
            &caller.user,
            Permission::ListUsers,
            self.under.as_ref(),
        )?;
        let top = self.under.as_ref().unwrap_or(&caller.user.unit);
        let mut users = Vec::new();
        for user in store.load_users()? {
            if store.unit_is_within(&user.unit, top)? {
                users.push(UserEntry {
                    badge: user.badge,
                    name: user.name,
                    role: user.role.to_string(),
                    unit: user.unit,
                    beats: user.beats,
                });
            }
        }
        Ok(UserList { users })
    }
}

/// The devices registered to staff of the caller's unit, or to one badge.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Args, utoipa::ToSchema)]
#[group(skip)]
pub struct ListDevices {
    /// Only this person's devices.
    #[arg(long)]
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub badge: Option<BadgeNumber>,
}

/// The devices listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeviceList {
    /// Newest registration first.
    pub devices: Vec<DeviceListing>,
}

route!(ListDevices => DeviceList, Get "/v1/directory/devices");

impl ReadOperation for ListDevices {
    fn read(self, store: &ServerStore, caller: &Caller, _: i64) -> Result<DeviceList> {
        Policy::check(store, &caller.user, Permission::ListDevices, None)?;
        if let Some(badge) = &self.badge {
            let owner = store
                .load_user(badge)?
                .ok_or_else(|| crate::Error::NotFound {
                    what: "user",
                    id: badge.to_string(),
                })?;
            Policy::check(
                store,
                &caller.user,
                Permission::ListDevices,
                Some(&owner.unit),
            )?;
        }
        let mut devices = Vec::new();
        for device in store.load_devices()? {
            if self
                .badge
                .as_ref()
                .is_some_and(|badge| *badge != device.badge)
            {
                continue;
            }
            let Some(owner) = store.load_user(&device.badge)? else {
                continue;
            };
            if store.unit_is_within(&owner.unit, &caller.user.unit)? {
                devices.push(device);
            }
        }
        Ok(DeviceList { devices })
    }
}
