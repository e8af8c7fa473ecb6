//! Groups made by rule and the staff contacts they list (migration 016): the stored groups,
//! and the rows their rules choose from.

use mitan_core::model::BadgeNumber;
use rusqlite::{OptionalExtension, Transaction, params};

use super::ServerStore;
use crate::error::{Error, Result};
use crate::groups::{GroupRule, Member, StaffContact};

/// A group as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredGroup {
    /// The unit whose group it is.
    pub unit: String,
    /// Its code within the unit.
    pub code: String,
    /// Its name in Hindi.
    pub name_hi: String,
    /// Its name in English.
    pub name_en: String,
    /// Its rules.
    pub rules: Vec<GroupRule>,
}

/// A verified volunteer with a phone, as a group's rules choose among them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupVolunteerRow {
    /// Id.
    pub id: String,
    /// Devanagari name.
    pub name_devanagari: Option<String>,
    /// Latin name.
    pub name_latin: Option<String>,
    /// Phone.
    pub phone: String,
    /// Beat.
    pub beat: String,
    /// Village LGD code.
    pub village: String,
    /// Gender.
    pub gender: String,
    /// Programme codes, space-separated.
    pub programmes: String,
    /// Year of birth, as the age claim gives it.
    pub birth_year: Option<i64>,
}

impl GroupVolunteerRow {
    /// As a member of a list.
    pub fn member(&self) -> Member {
        let name = match (&self.name_devanagari, &self.name_latin) {
            (Some(deva), Some(latin)) => format!("{deva} ({latin})"),
            (Some(name), None) | (None, Some(name)) => name.clone(),
            (None, None) => String::new(),
        };
        Member {
            kind: "volunteer".to_owned(),
            id: self.id.clone(),
            name,
            phone: self.phone.clone(),
            unit: self.beat.clone(),
            village: self.village.clone(),
            detail: self.programmes.clone(),
        }
    }
}

/// A member of staff with a listed contact and a phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffMemberRow {
    /// Badge.
    pub badge: String,
    /// Name.
    pub name: String,
    /// Role in Mitan.
    pub role: String,
    /// Unit.
    pub unit: String,
    /// Phone.
    pub phone: String,
    /// Gender, if recorded.
    pub gender: Option<String>,
    /// Rank.
    pub rank: String,
}

impl StaffMemberRow {
    /// As a member of a list.
    pub fn member(&self) -> Member {
        Member {
            kind: "staff".to_owned(),
            id: self.badge.clone(),
            name: self.name.clone(),
            phone: self.phone.clone(),
            unit: self.unit.clone(),
            village: String::new(),
            detail: self.rank.clone(),
        }
    }
}

/// Writes (or, for `None`, deletes) a member of staff's contact, in `transaction`.
pub(super) fn write_contact(
    transaction: &Transaction<'_>,
    badge: &BadgeNumber,
    contact: Option<&StaffContact>,
    now_ms: i64,
) -> Result<()> {
    match contact {
        Some(contact) => {
            transaction.execute(
                "INSERT OR REPLACE INTO staff_contact (badge, phone, gender, rank, listed,
                     updated_at_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    badge.as_str(),
                    contact.phone.as_ref().map(|phone| phone.as_str()),
                    contact.gender.map(|gender| gender.as_str()),
                    contact.rank.as_str(),
                    contact.listed,
                    now_ms
                ],
            )?;
        }
        None => {
            transaction.execute(
                "DELETE FROM staff_contact WHERE badge = ?1",
                [badge.as_str()],
            )?;
        }
    }
    Ok(())
}

impl ServerStore {
    /// Sets a user's contact for group lists (or removes it, for `None`).
    pub fn save_staff_contact(
        &mut self,
        badge: &BadgeNumber,
        contact: Option<&StaffContact>,
        now_ms: i64,
    ) -> Result<()> {
        let transaction = self.connection.transaction()?;
        write_contact(&transaction, badge, contact, now_ms)?;
        transaction.commit()?;
        Ok(())
    }

    /// Adds or replaces a group.
    pub fn save_group(&mut self, group: &StoredGroup, defined_by: &str, now_ms: i64) -> Result<()> {
        let rules = serde_json::to_string(&group.rules)
            .map_err(|error| Error::Worker(error.to_string()))?;
        self.connection.execute(
            "INSERT OR REPLACE INTO member_group (unit, code, name_hi, name_en, rules,
                 defined_by, defined_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                group.unit,
                group.code,
                group.name_hi,
                group.name_en,
                rules,
                defined_by,
                now_ms
            ],
        )?;
        Ok(())
    }

    /// Every group, by unit and code.
    pub fn load_groups(&self) -> Result<Vec<StoredGroup>> {
        let mut statement = self.connection.prepare_cached(
            "SELECT unit, code, name_hi, name_en, rules FROM member_group ORDER BY unit, code",
        )?;
        let rows = statement
            .query_map([], read_group)?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        rows.into_iter().collect()
    }

    /// One group.
    pub fn load_group(&self, unit: &str, code: &str) -> Result<Option<StoredGroup>> {
        let mut statement = self.connection.prepare_cached(
            "SELECT unit, code, name_hi, name_en, rules FROM member_group
             WHERE unit = ?1 AND code = ?2",
        )?;
        statement
            .query_row([unit, code], read_group)
            .optional()?
            .transpose()
    }

    /// Verified volunteers with a phone in `beats`, by beat and id.
    pub fn group_volunteers(&self, beats: &[String]) -> Result<Vec<GroupVolunteerRow>> {
        let beats =
            serde_json::to_string(beats).map_err(|error| Error::Worker(error.to_string()))?;
        let mut statement = self.connection.prepare_cached(
            "SELECT id, name_devanagari, name_latin, phone, beat, village, gender, programmes,
                 birth_year
             FROM volunteer
             WHERE status = 'verified' AND phone IS NOT NULL
                 AND beat IN (SELECT value FROM json_each(?1))
             ORDER BY beat, id",
        )?;
        let rows = statement
            .query_map([beats], |row| {
                Ok(GroupVolunteerRow {
                    id: row.get(0)?,
                    name_devanagari: row.get(1)?,
                    name_latin: row.get(2)?,
                    phone: row.get(3)?,
                    beat: row.get(4)?,
                    village: row.get(5)?,
                    gender: row.get(6)?,
                    programmes: row.get::<_, Option<String>>(7)?.unwrap_or_default(),
                    birth_year: row.get(8)?,
                })
            })?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Police staff who consented to be listed and have a phone, by unit and badge.
    pub fn staff_members(&self) -> Result<Vec<StaffMemberRow>> {
        let mut statement = self.connection.prepare_cached(
            "SELECT u.badge, u.name, u.role, u.unit, c.phone, c.gender, c.rank
             FROM staff_contact c JOIN user u ON u.badge = c.badge
             WHERE c.listed = 1 AND c.phone IS NOT NULL
             ORDER BY u.unit, u.badge",
        )?;
        let rows = statement
            .query_map([], |row| {
                Ok(StaffMemberRow {
                    badge: row.get(0)?,
                    name: row.get(1)?,
                    role: row.get(2)?,
                    unit: row.get(3)?,
                    phone: row.get(4)?,
                    gender: row.get(5)?,
                    rank: row.get(6)?,
                })
            })?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(rows)
    }
}

fn read_group(row: &rusqlite::Row<'_>) -> rusqlite::Result<Result<StoredGroup>> {
    let unit: String = row.get(0)?;
    let code: String = row.get(1)?;
    let rules: String = row.get(4)?;
    Ok(match serde_json::from_str(&rules) {
        Ok(rules) => Ok(StoredGroup {
            name_hi: row.get(2)?,
            name_en: row.get(3)?,
            unit,
            code,
            rules,
        }),
        Err(error) => Err(Error::Corrupt {
            what: "group rules",
            reason: format!("{unit}/{code}: {error}"),
        }),
    })
}
