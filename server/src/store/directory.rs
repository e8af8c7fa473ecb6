//! The police hierarchy and its users: who works where, and which beats lie under which unit.

use mitan_core::model::validate::{MAX_LABEL_CHARS, clean_label};
use std::collections::BTreeSet;

use mitan_core::model::{BadgeNumber, Field, LgdCode, Unit, UnitCode, UnitKind};
use rusqlite::{OptionalExtension, params};

use super::ServerStore;
use crate::auth::Role;
use crate::error::{Error, Problem, Result};

/// A unit to add; the core's [`Unit`] carries its own invariants.
pub type NewUnit = Unit;

/// A police employee who uses Mitan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Their badge number.
    pub badge: BadgeNumber,
    /// Their name, as the district writes it.
    pub name: String,
    /// Their role.
    pub role: Role,
    /// Where their authority lies (see the `user` table).
    pub unit: UnitCode,
    /// The beats a constable works; empty for other roles.
    pub beats: Vec<UnitCode>,
}

fn corrupt(what: &'static str) -> impl Fn(mitan_core::model::Invalid) -> Error {
    move |_| Error::Corrupt {
        what,
        reason: "stored value does not parse".into(),
    }
}

impl ServerStore {
    /// Adds or replaces a unit. Its parent must exist and be of a kind it may sit under.
    pub fn save_unit(&mut self, unit: &NewUnit) -> Result<()> {
        let mut unit = unit.clone();
        unit.clean_names()
            .map_err(|(column, invalid)| Error::invalid(column, Problem::Core(invalid.code)))?;
        let unit = &unit;
        unit.check()
            .map_err(|invalid| Error::invalid("unit", Problem::Core(invalid.code)))?;
        if let Some(parent) = &unit.parent {
            let parent_kind = self.unit_kind(parent)?.ok_or_else(|| Error::NotFound {
                what: "parent unit",
                id: parent.to_string(),
            })?;
            if !unit.kind.may_sit_under(parent_kind) {
                return Err(Error::invalid(
                    "parent",
                    Problem::WrongParent {
                        kind: unit.kind.to_string(),
                        parent_kind: parent_kind.to_string(),
                    },
                ));
            }
        }
        self.connection.execute(
            "INSERT INTO unit (code, kind, name_hi, name_en, parent, lgd_code)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (code) DO UPDATE SET kind = excluded.kind, name_hi = excluded.name_hi,
                 name_en = excluded.name_en, parent = excluded.parent, lgd_code = excluded.lgd_code",
            params![
                unit.code.as_str(),
                unit.kind.as_str(),
                unit.name_hi,
                unit.name_en,
                unit.parent.as_ref().map(UnitCode::as_str),
                unit.lgd_code.map(|code| code.to_string()),
            ],
        )?;
        Ok(())
    }

    /// The kind of a unit, if it exists.
    pub fn unit_kind(&self, code: &UnitCode) -> Result<Option<UnitKind>> {
        let kind: Option<String> = self
            .connection
            .query_row(
                "SELECT kind FROM unit WHERE code = ?1",
                [code.as_str()],
                |row| row.get(0),
            )
            .optional()?;
        kind.map(|kind| kind.parse().map_err(corrupt("unit kind")))
            .transpose()
    }

    /// Whether `unit` is `ancestor` or lies anywhere under it.
    pub fn unit_is_within(&self, unit: &UnitCode, ancestor: &UnitCode) -> Result<bool> {
        // The hierarchy is at most eight levels deep, so walking up is a handful of lookups.
        let found: Option<i64> = self
            .connection
            .query_row(
                "WITH RECURSIVE up (code, parent, depth) AS (
                     SELECT code, parent, 0 FROM unit WHERE code = ?1
                     UNION ALL
                     SELECT unit.code, unit.parent, up.depth + 1
                     FROM unit JOIN up ON unit.code = up.parent WHERE up.depth < 16)
                 SELECT 1 FROM up WHERE code = ?2 LIMIT 1",
                params![unit.as_str(), ancestor.as_str()],
                |row| row.get(0),
            )
            .optional()?;
        Ok(found.is_some())
    }

    /// The LGD codes of the villages the hierarchy lists directly under `beat`: what an entry
    /// of that beat's roster may name. Empty when the district imported no villages there.
    pub fn villages_of_beat(&self, beat: &UnitCode) -> Result<BTreeSet<LgdCode>> {
        let mut statement = self.connection.prepare_cached(
            "SELECT lgd_code FROM unit WHERE kind = 'village' AND parent = ?1 AND lgd_code IS NOT NULL",
        )?;
        let codes = statement
            .query_map([beat.as_str()], |row| row.get::<_, String>(0))?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        codes
            .into_iter()
            .map(|code| code.parse().map_err(corrupt("village LGD code")))
            .collect()
    }

    /// Every beat under `unit` (or `unit` itself, if it is a beat), in code order.
    pub fn beats_within(&self, unit: &UnitCode) -> Result<Vec<UnitCode>> {
        let mut statement = self.connection.prepare_cached(
            "WITH RECURSIVE down (code, kind, depth) AS (
                 SELECT code, kind, 0 FROM unit WHERE code = ?1
                 UNION ALL
                 SELECT unit.code, unit.kind, down.depth + 1
                 FROM unit JOIN down ON unit.parent = down.code WHERE down.depth < 16)
             SELECT code FROM down WHERE kind = 'beat' ORDER BY code",
        )?;
        let codes = statement
            .query_map([unit.as_str()], |row| row.get::<_, String>(0))?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        codes
            .into_iter()
            .map(|code| code.parse().map_err(corrupt("unit code")))
            .collect()
    }

    /// Adds or replaces a user. The unit must be of the kind the role is attached to, and a
    /// constable's beats must lie under their station.
    pub fn save_user(&mut self, user: &User, now_ms: i64) -> Result<()> {
        let mut user = user.clone();
        user.name = clean_label(Field::EmployeeName, &user.name, MAX_LABEL_CHARS)
            .map_err(|invalid| Error::invalid("name", Problem::Core(invalid.code)))?;
        let user = &user;
        let kind = self.unit_kind(&user.unit)?.ok_or_else(|| Error::NotFound {
            what: "unit",
            id: user.unit.to_string(),
        })?;
        if kind != user.role.unit_kind() {
            return Err(Error::invalid(
                "unit",
                Problem::WrongUnitKind {
                    role: user.role.to_string(),
                    belongs_to: user.role.unit_kind().to_string(),
                    given: kind.to_string(),
                },
            ));
        }
        if user.role != Role::Constable && !user.beats.is_empty() {
            return Err(Error::invalid(
                "beats",
                Problem::NotForRole {
                    role: user.role.to_string(),
                },
            ));
        }
        for beat in &user.beats {
            if self.unit_kind(beat)? != Some(UnitKind::Beat)
                || !self.unit_is_within(beat, &user.unit)?
            {
                return Err(Error::invalid(
                    "beats",
                    Problem::OutsideUnit {
                        beat: beat.to_string(),
                        unit: user.unit.to_string(),
                    },
                ));
            }
        }
        let transaction = self.connection.transaction()?;
        write_user(&transaction, user, now_ms)?;
        transaction.commit()?;
        Ok(())
    }

    /// A user by badge, with their beats.
    pub fn load_user(&self, badge: &BadgeNumber) -> Result<Option<User>> {
        let row = self
            .connection
            .query_row(
                "SELECT name, role, unit FROM user WHERE badge = ?1",
                [badge.as_str()],
                |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                    ))
                },
            )
            .optional()?;
        let Some((name, role, unit)) = row else {
            return Ok(None);
        };
        let mut statement = self
            .connection
            .prepare_cached("SELECT beat FROM user_beat WHERE badge = ?1 ORDER BY beat")?;
        let beats = statement
            .query_map([badge.as_str()], |row| row.get::<_, String>(0))?
            .collect::<std::result::Result<Vec<_>, _>>()?
            .into_iter()
            .map(|beat| beat.parse().map_err(corrupt("beat")))
            .collect::<Result<Vec<UnitCode>>>()?;
        Ok(Some(User {
            badge: badge.clone(),
            name,
            role: role.parse().map_err(|_| Error::Corrupt {
                what: "user role",
                reason: role.clone(),
            })?,
            unit: unit.parse().map_err(corrupt("unit code"))?,
            beats,
        }))
    }

    /// Every user of the district, by badge.
    pub fn load_users(&self) -> Result<Vec<User>> {
        let mut statement = self
            .connection
            .prepare_cached("SELECT badge FROM user ORDER BY badge")?;
        let badges = statement
            .query_map([], |row| row.get::<_, String>(0))?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let mut users = Vec::with_capacity(badges.len());
        for badge in badges {
            let badge: BadgeNumber = badge.parse().map_err(corrupt("badge"))?;
            if let Some(user) = self.load_user(&badge)? {
                users.push(user);
            }
        }
        Ok(users)
    }

    /// The rosters a user's devices hold: a constable's beats, or every beat under the unit.
    pub fn rosters_of(&self, user: &User) -> Result<Vec<UnitCode>> {
        if user.role == Role::Constable {
            Ok(user.beats.clone())
        } else {
            self.beats_within(&user.unit)
        }
    }
}

/// Writes a user and replaces their beats, inside the caller's transaction. The caller has
/// checked the role, unit and beats; both `save_user` and the CSV import share this write so
/// that a user means the same rows whichever way they arrive.
pub(super) fn write_user(
    connection: &rusqlite::Connection,
    user: &User,
    now_ms: i64,
) -> rusqlite::Result<()> {
    connection.execute(
        "INSERT INTO user (badge, name, role, unit, created_at_ms) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (badge) DO UPDATE SET name = excluded.name, role = excluded.role,
             unit = excluded.unit",
        params![
            user.badge.as_str(),
            user.name,
            user.role.as_str(),
            user.unit.as_str(),
            now_ms
        ],
    )?;
    connection.execute(
        "DELETE FROM user_beat WHERE badge = ?1",
        [user.badge.as_str()],
    )?;
    for beat in &user.beats {
        connection.execute(
            "INSERT INTO user_beat (badge, beat) VALUES (?1, ?2)",
            params![user.badge.as_str(), beat.as_str()],
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(kind: UnitKind, code: &str, parent: Option<&str>) -> Unit {
        Unit {
            kind,
            code: code.parse().expect("valid code"),
            name_hi: String::new(),
            name_en: code.to_owned(),
            parent: parent.map(|parent| parent.parse().expect("valid code")),
            lgd_code: None,
        }
    }

    fn store() -> ServerStore {
        let mut store = ServerStore::open_in_memory().expect("store opens");
        for (kind, code, parent) in [
            (UnitKind::State, "CG", None),
            (UnitKind::Range, "R", Some("CG")),
            (UnitKind::District, "D", Some("R")),
            (UnitKind::Circle, "C", Some("D")),
            (UnitKind::Station, "S1", Some("C")),
            (UnitKind::Outpost, "S1-OP", Some("S1")),
            (UnitKind::Beat, "S1-B1", Some("S1")),
            (UnitKind::Beat, "S1-OP-B1", Some("S1-OP")),
            (UnitKind::Station, "S2", Some("C")),
            (UnitKind::Beat, "S2-B1", Some("S2")),
        ] {
            store.save_unit(&unit(kind, code, parent)).expect("saved");
        }
        store
    }

    fn code(text: &str) -> UnitCode {
        text.parse().expect("valid code")
    }

    #[test]
    fn beats_under_an_outpost_belong_to_its_station_and_circle() {
        let store = store();
        assert!(
            store
                .unit_is_within(&code("S1-OP-B1"), &code("S1"))
                .expect("query")
        );
        assert!(
            store
                .unit_is_within(&code("S1-OP-B1"), &code("C"))
                .expect("query")
        );
        assert!(
            !store
                .unit_is_within(&code("S2-B1"), &code("S1"))
                .expect("query")
        );
        assert_eq!(
            store.beats_within(&code("S1")).expect("query"),
            vec![code("S1-B1"), code("S1-OP-B1")]
        );
        assert_eq!(store.beats_within(&code("C")).expect("query").len(), 3);
    }

    #[test]
    fn a_unit_under_a_parent_of_the_wrong_kind_is_refused() {
        let mut store = store();
        let error = store
            .save_unit(&unit(UnitKind::Beat, "C-B1", Some("C")))
            .expect_err("a beat cannot sit under a circle");
        assert!(matches!(
            error,
            Error::Invalid {
                field: "parent",
                ..
            }
        ));
        assert!(matches!(
            store.save_unit(&unit(UnitKind::Beat, "X-B1", Some("X"))),
            Err(Error::NotFound { .. })
        ));
    }

    #[test]
    fn a_constable_may_not_work_a_beat_of_another_station() {
        let mut store = store();
        let user = User {
            badge: "CG-1".parse().expect("valid"),
            name: "Ramesh".into(),
            role: Role::Constable,
            unit: code("S1"),
            beats: vec![code("S2-B1")],
        };
        assert!(matches!(
            store.save_user(&user, 0),
            Err(Error::Invalid { field: "beats", .. })
        ));
        let circle_officer_at_station = User {
            role: Role::CircleOfficer,
            beats: Vec::new(),
            ..user
        };
        assert!(matches!(
            store.save_user(&circle_officer_at_station, 0),
            Err(Error::Invalid { field: "unit", .. })
        ));
    }
}
