//! The volunteer index: rows derived from the roster documents, kept in the same transaction
//! as the changes they come from, so the constable's lists and searches never need a
//! document in memory.

use rusqlite::{Transaction, params, params_from_iter, types::Value as SqlValue};

use super::device_store::{DeviceStore, count};
use crate::error::Result;
use crate::model::validate::{name_key, phonetic_key};
use crate::model::{Camera, RosterId, Volunteer, VolunteerId};

/// One volunteer as the index lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolunteerRow {
    /// Id.
    pub id: VolunteerId,
    /// Name in Devanagari, if given and not withdrawn.
    pub name_devanagari: Option<String>,
    /// Name in Latin letters, if given and not withdrawn.
    pub name_latin: Option<String>,
    /// Phone, unless withdrawn.
    pub phone: Option<String>,
    /// Village LGD code.
    pub village: String,
    /// Beat.
    pub beat: String,
    /// Status identifier (`pending`, `verified`, …).
    pub status: String,
    /// Programmes.
    pub programmes: Vec<String>,
    /// Badge of the enrolling constable.
    pub enrolled_by: String,
    /// Device clock at enrolment.
    pub enrolled_at_ms: i64,
    /// The beat the person moved to, when this row is the entry they left.
    pub moved_to: Option<String>,
}

/// Which volunteers to list. Empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VolunteerFilter {
    /// Only this beat.
    pub beat: Option<String>,
    /// Only this village (LGD code).
    pub village: Option<String>,
    /// Only this status.
    pub status: Option<String>,
    /// Only this programme.
    pub programme: Option<String>,
    /// Only those enrolled by this badge.
    pub enrolled_by: Option<String>,
    /// At most this many rows (0 means no limit).
    pub limit: u32,
    /// Skip this many rows first.
    pub offset: u32,
}

/// A constable's progress against the per-employee quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaProgress {
    /// The quota (25 in the Bilaspur drive).
    pub quota: u32,
    /// Enrolments that count: not rejected, not duplicates, not withdrawn.
    pub counted: u32,
    /// Of those, verified by a supervisor.
    pub verified: u32,
    /// All enrolments, including ones that do not count.
    pub enrolled: u32,
}

/// Upserts the index rows of `volunteers`.
pub(super) fn save_volunteers(
    transaction: &Transaction<'_>,
    roster: &RosterId,
    volunteers: &[Volunteer],
) -> Result<()> {
    let mut upsert = transaction.prepare_cached(
        "INSERT OR REPLACE INTO volunteer (id, roster_id, station, beat, village, status, gender,
             name_devanagari, name_latin, phone, household, enrolled_by, enrolled_on, enrolled_at_ms,
             sealed, moved_to)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
    )?;
    let mut clear_programmes =
        transaction.prepare_cached("DELETE FROM volunteer_programme WHERE volunteer_id = ?1")?;
    let mut add_programme = transaction.prepare_cached(
        "INSERT INTO volunteer_programme (volunteer_id, programme) VALUES (?1, ?2)",
    )?;
    let mut clear_terms =
        transaction.prepare_cached("DELETE FROM search_term WHERE volunteer_id = ?1")?;
    let mut add_term = transaction
        .prepare_cached("INSERT OR IGNORE INTO search_term (term, volunteer_id) VALUES (?1, ?2)")?;
    let mut held_elsewhere =
        transaction.prepare_cached("SELECT 1 FROM volunteer WHERE id = ?1 AND roster_id <> ?2")?;
    for volunteer in volunteers {
        let id = volunteer.id.to_string();
        // A move leaves a marker in the old beat's roster and the live entry in the new one.
        // A phone holding both beats keeps the live row whichever roster it stores last, even
        // when a withdrawal written on the old entry makes it read as withdrawn.
        if volunteer.moved_to.is_some() && held_elsewhere.exists(params![id, roster.as_str()])? {
            continue;
        }
        let personal = volunteer.personal.as_ref();
        // INSERT OR REPLACE deletes the old row first, which cascades to its programmes and
        // terms; the explicit clears keep that true even if foreign keys were ever off.
        clear_programmes.execute([&id])?;
        clear_terms.execute([&id])?;
        upsert.execute(params![
            id,
            roster.as_str(),
            volunteer.station.as_str(),
            volunteer.beat.as_str(),
            volunteer.village.to_string(),
            volunteer.status.as_str(),
            volunteer.gender.as_str(),
            personal.and_then(|p| p.name_devanagari.as_deref()),
            personal.and_then(|p| p.name_latin.as_deref()),
            personal.map(|p| p.phone.as_str()),
            personal.map(|p| p.household.as_str()),
            volunteer.enrolled_by.as_str(),
            volunteer.enrolled_on.as_str(),
            volunteer.enrolled_at_ms,
            volunteer.sealed,
            volunteer.moved_to.as_ref().map(|beat| beat.as_str()),
        ])?;
        for programme in &volunteer.programmes {
            add_programme.execute(params![id, programme.as_str()])?;
        }
        for term in personal.map(search_terms).unwrap_or_default() {
            add_term.execute(params![term, id])?;
        }
    }
    Ok(())
}

/// The searchable terms of a person's names: each word folded, and each word's phonetic key
/// behind a `~` so that the two kinds never match each other by accident.
fn search_terms(personal: &crate::model::Personal) -> Vec<String> {
    let mut terms = Vec::new();
    for name in [&personal.name_devanagari, &personal.name_latin]
        .into_iter()
        .flatten()
    {
        for word in name.split_whitespace() {
            let folded = name_key(word);
            if !folded.is_empty() {
                terms.push(folded);
            }
            let phonetic = phonetic_key(word);
            if !phonetic.is_empty() {
                terms.push(format!("~{phonetic}"));
            }
        }
    }
    terms
}

/// Upserts the index rows of `cameras`. A row keeps where the camera is and what it covers,
/// never its owner: the store file is encrypted (SQLCipher), but no list or search needs the
/// owner, so the only copy of their name and phone on the phone stays the sealed one in the
/// roster, opened with the camera's key when one camera is shown.
pub(super) fn save_cameras(
    transaction: &Transaction<'_>,
    roster: &RosterId,
    cameras: &[Camera],
) -> Result<()> {
    let mut upsert = transaction.prepare_cached(
        "INSERT OR REPLACE INTO camera (id, roster_id, village, latitude, longitude, coverage, sealed)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for camera in cameras {
        upsert.execute(params![
            camera.id.to_string(),
            roster.as_str(),
            camera.village.to_string(),
            camera.latitude,
            camera.longitude,
            camera.coverage,
            camera.sealed,
        ])?;
    }
    Ok(())
}

const ROW_COLUMNS: &str =
    "v.id, v.name_devanagari, v.name_latin, v.phone, v.village, v.beat, v.status,
     (SELECT group_concat(programme, ',') FROM volunteer_programme p WHERE p.volunteer_id = v.id),
     v.enrolled_by, v.enrolled_at_ms, v.moved_to";

fn read_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<VolunteerRow> {
    let id: String = row.get(0)?;
    let id = id.parse().map_err(|error| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(error))
    })?;
    let programmes: Option<String> = row.get(7)?;
    Ok(VolunteerRow {
        id,
        name_devanagari: row.get(1)?,
        name_latin: row.get(2)?,
        phone: row.get(3)?,
        village: row.get(4)?,
        beat: row.get(5)?,
        status: row.get(6)?,
        programmes: programmes
            .map(|list| list.split(',').map(str::to_owned).collect())
            .unwrap_or_default(),
        enrolled_by: row.get(8)?,
        enrolled_at_ms: row.get(9)?,
        moved_to: row.get(10)?,
    })
}

impl DeviceStore {
    fn query_rows(&self, sql: &str, values: Vec<SqlValue>) -> Result<Vec<VolunteerRow>> {
        let mut statement = self.connection().prepare_cached(sql)?;
        let rows = statement
            .query_map(params_from_iter(values), read_row)?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Lists volunteers by beat, village, status, programme or enrolling constable, newest
    /// enrolment first.
    pub fn list_volunteers(&self, filter: &VolunteerFilter) -> Result<Vec<VolunteerRow>> {
        let mut conditions = Vec::new();
        let mut values: Vec<SqlValue> = Vec::new();
        let mut add = |condition: &str, value: &Option<String>| {
            if let Some(value) = value {
                values.push(SqlValue::Text(value.clone()));
                conditions.push(condition.replace('?', &format!("?{}", values.len())));
            }
        };
        add("v.beat = ?", &filter.beat);
        add("v.village = ?", &filter.village);
        add("v.status = ?", &filter.status);
        add(
            "EXISTS (SELECT 1 FROM volunteer_programme p WHERE p.volunteer_id = v.id AND p.programme = ?)",
            &filter.programme,
        );
        add("v.enrolled_by = ?", &filter.enrolled_by);
        let where_clause = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        let limit = if filter.limit == 0 {
            -1
        } else {
            i64::from(filter.limit)
        };
        let sql = format!(
            "SELECT {ROW_COLUMNS} FROM volunteer v {where_clause}
             ORDER BY v.enrolled_at_ms DESC, v.id LIMIT {limit} OFFSET {}",
            filter.offset
        );
        self.query_rows(&sql, values)
    }

    /// Finds volunteers by name prefix in either script, or by phone. Every word of the
    /// query must match the start of some word of the name, spelled as typed or by sound
    /// (so "ramesh", "Rames" and "रमेश" find each other). A query of digits searches phones.
    pub fn search_volunteers(&self, query: &str, limit: u32) -> Result<Vec<VolunteerRow>> {
        let limit = if limit == 0 { -1 } else { i64::from(limit) };
        let digits: String = query
            .chars()
            .filter_map(|c| c.to_digit(10).and_then(|d| char::from_digit(d, 10)))
            .collect();
        let has_letters = query.chars().any(char::is_alphabetic);
        if !has_letters && digits.len() >= 3 {
            let national = if digits.len() > 10 {
                &digits[digits.len() - 10..]
            } else {
                &digits
            };
            let sql = format!(
                "SELECT {ROW_COLUMNS} FROM volunteer v WHERE v.phone LIKE ?1
                 ORDER BY v.enrolled_at_ms DESC LIMIT {limit}"
            );
            return self.query_rows(&sql, vec![SqlValue::Text(format!("%{national}%"))]);
        }
        let mut conditions = Vec::new();
        let mut values: Vec<SqlValue> = Vec::new();
        for word in query.split_whitespace().take(4) {
            let folded = name_key(word);
            let phonetic = phonetic_key(word);
            if folded.is_empty() && phonetic.is_empty() {
                continue;
            }
            // A prefix range on the primary key uses the index; LIKE would not with Devanagari.
            let first = values.len() + 1;
            values.push(SqlValue::Text(folded.clone()));
            values.push(SqlValue::Text(format!("{folded}\u{10FFFF}")));
            values.push(SqlValue::Text(format!("~{phonetic}")));
            values.push(SqlValue::Text(format!("~{phonetic}\u{10FFFF}")));
            conditions.push(format!(
                "v.id IN (SELECT volunteer_id FROM search_term WHERE
                   (term >= ?{first} AND term < ?{}) OR (term >= ?{} AND term < ?{}))",
                first + 1,
                first + 2,
                first + 3
            ));
        }
        if conditions.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {ROW_COLUMNS} FROM volunteer v WHERE {} ORDER BY v.enrolled_at_ms DESC LIMIT {limit}",
            conditions.join(" AND ")
        );
        self.query_rows(&sql, values)
    }

    /// Other volunteers with this exact phone number (a likely duplicate).
    pub fn volunteers_with_phone(&self, phone: &str) -> Result<Vec<VolunteerId>> {
        let mut statement = self
            .connection()
            .prepare_cached("SELECT id FROM volunteer WHERE phone = ?1 ORDER BY id")?;
        let ids = statement
            .query_map([phone], |row| row.get::<_, String>(0))?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(ids.into_iter().filter_map(|id| id.parse().ok()).collect())
    }

    /// Active volunteers (pending or verified) of `beat` living in `village` whose household
    /// has the key `key` ([`crate::model::household_key`]): the household already has a
    /// volunteer. A village's entries on one phone are a few hundred, so the keys are
    /// computed here rather than stored.
    pub fn volunteers_in_household(
        &self,
        beat: &str,
        village: &str,
        key: &str,
    ) -> Result<Vec<VolunteerId>> {
        let mut statement = self.connection().prepare_cached(
            "SELECT id, household FROM volunteer
             WHERE beat = ?1 AND village = ?2 AND status IN ('pending', 'verified')
                 AND household IS NOT NULL
             ORDER BY id",
        )?;
        let rows = statement
            .query_map([beat, village], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
            })?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(rows
            .into_iter()
            .filter(|(_, household)| crate::model::household_key(household).as_deref() == Some(key))
            .filter_map(|(id, _)| id.parse().ok())
            .collect())
    }

    /// A constable's enrolments against their quota.
    pub fn quota_progress(&self, badge: &str, quota: u32) -> Result<QuotaProgress> {
        let (enrolled, counted, verified) = self.connection().query_row(
            "SELECT count(*),
                    coalesce(sum(status IN ('pending', 'verified')), 0),
                    coalesce(sum(status = 'verified'), 0)
             FROM volunteer WHERE enrolled_by = ?1",
            [badge],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )?;
        Ok(QuotaProgress {
            quota,
            counted,
            verified,
            enrolled,
        })
    }

    /// How many volunteers the index holds.
    pub fn volunteer_count(&self) -> Result<u64> {
        count(self.connection(), "SELECT count(*) FROM volunteer", [])
    }
}
