//! The one place that answers "may this caller do this to this unit". Every operation asks it
//! before reading or writing anything; a unit outside the caller's reach is refused (403),
//! never answered with a silently narrower result.

use std::fmt;

use mitan_core::model::UnitCode;

use crate::auth::Role;
use crate::error::{Error, Result};
use crate::store::{ServerStore, User};

/// What an operation does, as the policy sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Verify, reject, mark a duplicate, move, or record a withdrawal by telephone.
    Review,
    /// Read counts: progress, coverage, programmes.
    ReadCounts,
    /// Read volunteers' personal fields in lists (review queue, duplicate candidates); each
    /// answer is logged in the access log.
    ReadPersonal,
    /// List the units of the hierarchy.
    ListUnits,
    /// List police staff (names, roles, units).
    ListUsers,
    /// List registered devices.
    ListDevices,
    /// Set the district's campaigns, targets, consent notices and policy.
    Administer,
    /// Read campaigns with their targets, and the consent notices a phone enrols under.
    ReadSettings,
    /// Issue registration codes to staff, and revoke their devices.
    ManageDevices,
    /// Take exports of names and numbers (rosters, group and broadcast lists).
    Export,
    /// Read the audit history, the access log and the export log.
    Audit,
}

impl Permission {
    /// Every permission, for the policy's table test.
    pub const ALL: [Permission; 11] = [
        Permission::Review,
        Permission::ReadCounts,
        Permission::ReadPersonal,
        Permission::ListUnits,
        Permission::ListUsers,
        Permission::ListDevices,
        Permission::Administer,
        Permission::ReadSettings,
        Permission::ManageDevices,
        Permission::Export,
        Permission::Audit,
    ];

    fn as_str(self) -> &'static str {
        match self {
            Permission::Review => "review volunteers",
            Permission::ReadCounts => "read reports",
            Permission::ReadPersonal => "read volunteers' lists",
            Permission::ListUnits => "list units",
            Permission::ListUsers => "list users",
            Permission::ListDevices => "list devices",
            Permission::Administer => "administer the district",
            Permission::ReadSettings => "read the district's settings",
            Permission::ManageDevices => "manage devices",
            Permission::Export => "take exports",
            Permission::Audit => "read the audit history",
        }
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The authorization rules.
#[derive(Debug, Clone, Copy, Default)]
pub struct Policy;

impl Policy {
    /// Whether a role may ever do this, whatever the unit. Constables read their own beats'
    /// counts and lists; supervisors review their units; the auditor, a range IG and the
    /// state's monitoring cell read everything in their unit and write nothing; the state
    /// administrator administers the state (its staff, campaigns, targets and groups) but
    /// reviews no volunteer, which stays with the supervisors near the field.
    pub fn role_may(role: Role, permission: Permission) -> bool {
        use Permission::*;
        use Role::*;
        match permission {
            Review => matches!(role, StationIncharge | CircleOfficer | DistrictAdmin),
            ReadCounts | ReadPersonal | ListUnits | ReadSettings => true,
            ListUsers | ListDevices => !matches!(role, Constable),
            Administer => matches!(role, DistrictAdmin | StateAdmin),
            ManageDevices => role.manages_devices(),
            // Exports carry names and numbers: they go to the officers who run the groups
            // (the state administrator runs the state's); an auditor reads the export log
            // instead, and the monitoring roles read the lists on screen, logged.
            Export => matches!(
                role,
                StationIncharge | CircleOfficer | DistrictAdmin | StateAdmin
            ),
            // The history reaches every beat; the district and state admins answer for how
            // officers handle volunteers' data.
            Audit => matches!(role, Auditor | DistrictAdmin | StateAdmin),
        }
    }

    /// Whether `unit` lies within what `user` reaches: a constable's own beats, anyone
    /// else's unit and everything under it.
    pub fn reaches(store: &ServerStore, user: &User, unit: &UnitCode) -> Result<bool> {
        if user.role == Role::Constable {
            return Ok(user.beats.contains(unit));
        }
        store.unit_is_within(unit, &user.unit)
    }

    /// Refuses unless `user`'s role may ever do `permission`.
    pub fn check_role(user: &User, permission: Permission) -> Result<()> {
        if Self::role_may(user.role, permission) {
            Ok(())
        } else {
            Err(Error::Forbidden {
                reason: format!("a {} does not {permission}", user.role),
            })
        }
    }

    /// Refuses unless `user` may do `permission`, on `unit` when the operation names one.
    pub fn check(
        store: &ServerStore,
        user: &User,
        permission: Permission,
        unit: Option<&UnitCode>,
    ) -> Result<()> {
        Self::check_role(user, permission)?;
        if let Some(unit) = unit
            && !Self::reaches(store, user, unit)?
        {
            let reach = if user.role == Role::Constable {
                format!("the beats of {}", user.badge)
            } else {
                user.unit.to_string()
            };
            return Err(Error::Forbidden {
                reason: format!("{unit} is outside {reach}"),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mitan_core::model::{Unit, UnitKind};

    fn unit(kind: UnitKind, code: &str, parent: Option<&str>) -> Unit {
        Unit {
            kind,
            code: code.parse().expect("valid code"),
            name_hi: code.into(),
            name_en: code.into(),
            parent: parent.map(|parent| parent.parse().expect("valid code")),
            lgd_code: None,
        }
    }

    fn store() -> ServerStore {
        let mut store = ServerStore::open_in_memory().expect("store opens");
        for unit in [
            unit(UnitKind::State, "CG", None),
            unit(UnitKind::Zone, "CG-N", Some("CG")),
            unit(UnitKind::Range, "CG-BSP", Some("CG-N")),
            unit(UnitKind::District, "BSP", Some("CG-BSP")),
            unit(UnitKind::Circle, "BSP-C1", Some("BSP")),
            unit(UnitKind::Station, "BSP-PS-A", Some("BSP-C1")),
            unit(UnitKind::Beat, "BSP-PS-A-B01", Some("BSP-PS-A")),
            unit(UnitKind::Station, "BSP-PS-B", Some("BSP-C1")),
            unit(UnitKind::Beat, "BSP-PS-B-B01", Some("BSP-PS-B")),
            unit(UnitKind::Range, "CG-DRG", Some("CG-N")),
            unit(UnitKind::District, "DRG", Some("CG-DRG")),
            unit(UnitKind::Circle, "DRG-C1", Some("DRG")),
            unit(UnitKind::Station, "DRG-PS-A", Some("DRG-C1")),
            unit(UnitKind::Beat, "DRG-PS-A-B01", Some("DRG-PS-A")),
        ] {
            store.save_unit(&unit).expect("unit saved");
        }
        store
    }

    fn user(role: Role) -> User {
        let (unit, beats) = match role {
            Role::Constable => ("BSP-PS-A", vec!["BSP-PS-A-B01".parse().expect("valid")]),
            Role::StationIncharge => ("BSP-PS-A", vec![]),
            Role::CircleOfficer => ("BSP-C1", vec![]),
            Role::DistrictAdmin | Role::Auditor => ("BSP", vec![]),
            Role::RangeIg => ("CG-BSP", vec![]),
            Role::StateMonitor | Role::StateAdmin => ("CG", vec![]),
        };
        User {
            badge: "CG-1".parse().expect("valid"),
            name: "Test".into(),
            role,
            unit: unit.parse().expect("valid"),
            beats,
        }
    }

    /// Role × permission × a unit inside and one outside the caller's reach, against the
    /// table of what each role may do.
    #[test]
    fn every_role_and_permission_in_and_out_of_scope_gets_the_expected_answer() {
        use Permission::*;
        use Role::*;
        let store = store();
        let expected = |role: Role, permission: Permission| -> bool {
            !matches!(
                (role, permission),
                (
                    Constable,
                    Review | ListUsers | ListDevices | ManageDevices | Export
                ) | (Auditor, Review | ManageDevices | Export)
                    | (
                        RangeIg | StateMonitor,
                        Review | ManageDevices | Export | Administer | Audit
                    )
                    | (StateAdmin, Review)
                    | (
                        Constable | StationIncharge | CircleOfficer | Auditor,
                        Administer
                    )
                    | (Constable | StationIncharge | CircleOfficer, Audit)
            )
        };
        // A beat of station A is inside every caller's reach; station B's beat is outside the
        // constable's and the in-charge's, inside the circle's, the district's, the range's
        // and the state's; a beat of Durg, another range, is inside the state's alone.
        let inside: UnitCode = "BSP-PS-A-B01".parse().expect("valid");
        let outside: UnitCode = "BSP-PS-B-B01".parse().expect("valid");
        let other_range: UnitCode = "DRG-PS-A-B01".parse().expect("valid");
        for role in Role::ALL {
            let caller = user(role);
            let reaches_outside = !matches!(role, Constable | StationIncharge);
            let reaches_other_range = matches!(role, StateMonitor | StateAdmin);
            for permission in Permission::ALL {
                let answer = Policy::check(&store, &caller, permission, Some(&other_range));
                assert_eq!(
                    answer.is_ok(),
                    expected(role, permission) && reaches_other_range,
                    "{role} {permission} on {other_range}"
                );
            }
            for permission in Permission::ALL {
                let allowed = expected(role, permission);
                assert_eq!(
                    Policy::check(&store, &caller, permission, None).is_ok(),
                    allowed,
                    "{role} {permission} in their own scope"
                );
                assert_eq!(
                    Policy::check(&store, &caller, permission, Some(&inside)).is_ok(),
                    allowed,
                    "{role} {permission} on {inside}"
                );
                let answer = Policy::check(&store, &caller, permission, Some(&outside));
                assert_eq!(
                    answer.is_ok(),
                    allowed && reaches_outside,
                    "{role} {permission} on {outside}"
                );
                if let Err(error) = answer {
                    assert!(matches!(error, Error::Forbidden { .. }), "{error}");
                }
            }
        }
    }

    /// What the read-only roles may do is only ever reading: no permission that changes a
    /// roster, a setting or a device is theirs.
    #[test]
    fn the_read_only_roles_hold_no_permission_that_writes() {
        use Permission::*;
        for role in Role::ALL.into_iter().filter(|role| role.reads_only()) {
            for permission in [Review, Administer, ManageDevices, Export] {
                assert!(
                    !Policy::role_may(role, permission),
                    "{role} must not {permission}"
                );
            }
        }
    }
}
