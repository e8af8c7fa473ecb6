//! Administration in the store: imports of the hierarchy and users in one transaction each,
//! campaigns, and explicit targets.

use mitan_core::model::{UnitCode, UnitKind};
use rusqlite::{OptionalExtension, Transaction, params};

use super::ServerStore;
use crate::admin::{Campaign, HierarchyRow, ImportSummary, TargetSubject, UserRow};
use crate::auth::Role;
use crate::error::{Error, Result};

/// A campaign row as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCampaign {
    /// Its code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// The programme counted, or every programme.
    pub programme: Option<String>,
    /// First day, `YYYY-MM-DD`.
    pub starts_on: String,
    /// Last day, included.
    pub ends_on: String,
    /// The unit it belongs to; `None` for one set before campaigns belonged to units, which
    /// belongs to the whole hierarchy.
    pub unit: Option<String>,
}

/// An explicit target as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTarget {
    /// `unit` or `employee`.
    pub subject_kind: String,
    /// The unit code or badge.
    pub subject: String,
    /// How many volunteers.
    pub volunteers: u32,
}

fn kind_in(transaction: &Transaction<'_>, code: &UnitCode) -> Result<Option<UnitKind>> {
    let kind: Option<String> = transaction
        .query_row(
            "SELECT kind FROM unit WHERE code = ?1",
            [code.as_str()],
            |row| row.get(0),
        )
        .optional()?;
    Ok(kind.and_then(|kind| kind.parse().ok()))
}

fn within_in(transaction: &Transaction<'_>, unit: &UnitCode, ancestor: &UnitCode) -> Result<bool> {
    let found: Option<i64> = transaction
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

fn bad(line: u64, field: &'static str, code: &'static str, reason: String) -> Error {
    Error::BadRow {
        line,
        field,
        code,
        reason,
    }
}

impl ServerStore {
    /// Stores checked hierarchy rows in one transaction; the first row that does not fit the
    /// hierarchy (unknown parent, parent of the wrong kind, a code given twice) aborts it.
    pub fn save_hierarchy_rows(&mut self, rows: &[HierarchyRow]) -> Result<ImportSummary> {
        let transaction = self.connection.transaction()?;
        let mut summary = ImportSummary::default();
        let mut seen = std::collections::HashSet::new();
        for row in rows {
            let unit = &row.unit;
            if !seen.insert(unit.code.clone()) {
                return Err(bad(
                    row.line,
                    "code",
                    "duplicate_code",
                    format!("{} appears twice in the file", unit.code),
                ));
            }
            if let Some(parent) = &unit.parent {
                let parent_kind = kind_in(&transaction, parent)?.ok_or_else(|| {
                    bad(
                        row.line,
                        "parent",
                        "unknown_parent",
                        format!("{parent} is neither stored nor on an earlier line"),
                    )
                })?;
                if !unit.kind.may_sit_under(parent_kind) {
                    return Err(bad(
                        row.line,
                        "parent",
                        "wrong_parent_kind",
                        format!("a {} cannot sit under a {parent_kind}", unit.kind),
                    ));
                }
            }
            transaction.execute(
                "INSERT INTO unit (code, kind, name_hi, name_en, parent, lgd_code)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (code) DO UPDATE SET kind = excluded.kind,
                     name_hi = excluded.name_hi, name_en = excluded.name_en,
                     parent = excluded.parent, lgd_code = excluded.lgd_code",
                params![
                    unit.code.as_str(),
                    unit.kind.as_str(),
                    unit.name_hi,
                    unit.name_en,
                    unit.parent.as_ref().map(UnitCode::as_str),
                    unit.lgd_code.map(|code| code.to_string()),
                ],
            )?;
            if let (Some(lgd), Some(households)) = (unit.lgd_code, row.households) {
                transaction.execute(
                    "INSERT OR REPLACE INTO village_households (lgd_code, households)
                     VALUES (?1, ?2)",
                    params![lgd.to_string(), households],
                )?;
            }
            summary.units += 1;
            if unit.kind == UnitKind::Village {
                summary.villages += 1;
            }
        }
        transaction.commit()?;
        Ok(summary)
    }

    /// Stores checked user rows in one transaction, with the rules of
    /// [`ServerStore::save_user`], each failure naming its line.
    pub fn save_user_rows(&mut self, rows: &[UserRow], now_ms: i64) -> Result<ImportSummary> {
        let transaction = self.connection.transaction()?;
        let mut seen = std::collections::HashSet::new();
        for row in rows {
            let user = &row.user;
            let line = row.line;
            if !seen.insert(user.badge.clone()) {
                return Err(bad(
                    line,
                    "badge",
                    "duplicate_badge",
                    format!("{} appears twice in the file", user.badge),
                ));
            }
            let kind = kind_in(&transaction, &user.unit)?.ok_or_else(|| {
                bad(
                    line,
                    "unit",
                    "unknown_unit",
                    format!("{} is not stored", user.unit),
                )
            })?;
            if kind != user.role.unit_kind() {
                return Err(bad(
                    line,
                    "unit",
                    "wrong_unit_kind",
                    format!(
                        "a {} belongs to a {}, not a {kind}",
                        user.role,
                        user.role.unit_kind()
                    ),
                ));
            }
            if user.role != Role::Constable && !user.beats.is_empty() {
                return Err(bad(
                    line,
                    "beats",
                    "beats_for_constables_only",
                    format!("only constables work beats, not a {}", user.role),
                ));
            }
            for beat in &user.beats {
                if kind_in(&transaction, beat)? != Some(UnitKind::Beat)
                    || !within_in(&transaction, beat, &user.unit)?
                {
                    return Err(bad(
                        line,
                        "beats",
                        "not_a_beat_of_unit",
                        format!("{beat} is not a beat of {}", user.unit),
                    ));
                }
            }
            super::directory::write_user(&transaction, user, now_ms)?;
            if let Some(contact) = &row.contact {
                super::groups::write_contact(&transaction, &user.badge, contact.as_ref(), now_ms)?;
            }
        }
        transaction.commit()?;
        Ok(ImportSummary {
            users: rows.len() as u64,
            ..ImportSummary::default()
        })
    }

    /// Adds or replaces a campaign.
    pub fn save_campaign(&mut self, campaign: &Campaign, set_by: &str, now_ms: i64) -> Result<()> {
        self.connection.execute(
            "INSERT INTO campaign (code, name, programme, starts_on, ends_on, set_by, set_at_ms,
                 unit)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (code) DO UPDATE SET name = excluded.name,
                 programme = excluded.programme, starts_on = excluded.starts_on,
                 ends_on = excluded.ends_on, set_by = excluded.set_by,
                 set_at_ms = excluded.set_at_ms, unit = excluded.unit",
            params![
                campaign.code,
                campaign.name,
                campaign
                    .programme
                    .as_ref()
                    .map(|programme| programme.as_str()),
                campaign.starts_on.to_string(),
                campaign.ends_on.to_string(),
                set_by,
                now_ms,
                campaign.unit.as_ref().map(UnitCode::as_str),
            ],
        )?;
        Ok(())
    }

    /// The unit a campaign set at the database belongs to unless it names one: the district,
    /// when the hierarchy has one, or else its top; `None` while there is no hierarchy.
    pub fn default_campaign_unit(&self) -> Result<Option<UnitCode>> {
        let districts: Vec<String> = self
            .connection
            .prepare_cached("SELECT code FROM unit WHERE kind = 'district' LIMIT 2")?
            .query_map([], |row| row.get(0))?
            .collect::<std::result::Result<_, _>>()?;
        let code = match districts.as_slice() {
            [district] => Some(district.clone()),
            _ => self
                .connection
                .query_row(
                    "SELECT code FROM unit WHERE parent IS NULL ORDER BY code LIMIT 1",
                    [],
                    |row| row.get::<_, String>(0),
                )
                .optional()?,
        };
        code.map(|code| {
            code.parse().map_err(|_| Error::Corrupt {
                what: "unit code",
                reason: code.clone(),
            })
        })
        .transpose()
    }

    /// A campaign by code.
    pub fn load_campaign(&self, code: &str) -> Result<Option<StoredCampaign>> {
        Ok(self
            .connection
            .query_row(
                "SELECT code, name, programme, starts_on, ends_on, unit FROM campaign
                 WHERE code = ?1",
                [code],
                read_campaign,
            )
            .optional()?)
    }

    /// Every campaign, newest first.
    pub fn load_campaigns(&self) -> Result<Vec<StoredCampaign>> {
        let mut statement = self.connection.prepare_cached(
            "SELECT code, name, programme, starts_on, ends_on, unit FROM campaign
             ORDER BY starts_on DESC, code",
        )?;
        let rows = statement
            .query_map([], read_campaign)?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Sets an explicit target.
    pub fn save_target(
        &mut self,
        campaign: &str,
        subject: &TargetSubject,
        volunteers: u32,
        set_by: &str,
        now_ms: i64,
    ) -> Result<()> {
        let (kind, subject) = match subject {
            TargetSubject::Unit(code) => ("unit", code.as_str()),
            TargetSubject::Employee(badge) => ("employee", badge.as_str()),
        };
        self.connection.execute(
            "INSERT OR REPLACE INTO target (campaign, subject_kind, subject, volunteers, set_by,
                 set_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![campaign, kind, subject, volunteers, set_by, now_ms],
        )?;
        Ok(())
    }

    /// The explicit targets of a campaign.
    pub fn load_targets(&self, campaign: &str) -> Result<Vec<StoredTarget>> {
        let mut statement = self.connection.prepare_cached(
            "SELECT subject_kind, subject, volunteers FROM target WHERE campaign = ?1
             ORDER BY subject_kind, subject",
        )?;
        let rows = statement
            .query_map([campaign], |row| {
                Ok(StoredTarget {
                    subject_kind: row.get(0)?,
                    subject: row.get(1)?,
                    volunteers: row.get(2)?,
                })
            })?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(rows)
    }
}

fn read_campaign(row: &rusqlite::Row<'_>) -> rusqlite::Result<StoredCampaign> {
    Ok(StoredCampaign {
        code: row.get(0)?,
        name: row.get(1)?,
        programme: row.get(2)?,
        starts_on: row.get(3)?,
        ends_on: row.get(4)?,
        unit: row.get(5)?,
    })
}
