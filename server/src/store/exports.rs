//! The rows exports are made of, and the log of every export taken.

use rusqlite::params;

use super::{AccessRead, ServerStore};
use crate::error::{Error, Result};

/// One volunteer as exported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRow {
    /// Id.
    pub id: String,
    /// Beat.
    pub beat: String,
    /// Station.
    pub station: String,
    /// Village LGD code.
    pub village: String,
    /// Status.
    pub status: String,
    /// Gender.
    pub gender: String,
    /// Devanagari name.
    pub name_devanagari: Option<String>,
    /// Latin name.
    pub name_latin: Option<String>,
    /// Phone, `+91…`.
    pub phone: Option<String>,
    /// Household.
    pub household: Option<String>,
    /// Programme codes, `;`-separated.
    pub programmes: String,
    /// Who enrolled them.
    pub enrolled_by: String,
    /// When, by the phone's clock.
    pub enrolled_at_ms: i64,
    /// Who trained them: `v:<volunteer id>` or `e:<badge>`.
    pub trained_by: Option<String>,
}

/// An export, as logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportTaken {
    /// Who took it.
    pub badge: String,
    /// Their role.
    pub role: String,
    /// The device the request came from, or `cli`.
    pub requested_via: String,
    /// `roster`, `group` or `broadcast`.
    pub kind: String,
    /// `csv` or `vcard`.
    pub format: String,
    /// The unit exported.
    pub unit: String,
    /// The programme, if one.
    pub programme: Option<String>,
    /// Whether pending people were included.
    pub include_unverified: bool,
    /// Whether withdrawn people were included.
    pub include_withdrawn: bool,
    /// The part taken, if one.
    pub part: Option<u32>,
    /// How many people it held.
    pub rows: u64,
}

/// A line of the export log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportLogEntry {
    /// Its sequence number.
    pub seq: i64,
    /// What was taken.
    pub taken: ExportTaken,
    /// When, by the server clock.
    pub at_ms: i64,
}

impl ServerStore {
    /// Volunteers of `beats` with one of `statuses`, optionally in one programme, by beat and
    /// enrolment.
    pub fn export_rows(
        &self,
        beats: &[String],
        statuses: &[&str],
        programme: Option<&str>,
    ) -> Result<Vec<ExportRow>> {
        let beats = to_json(&beats)?;
        let statuses = to_json(&statuses)?;
        let mut statement = self.connection.prepare_cached(
            "SELECT v.id, v.beat, v.station, v.village, v.status, v.gender, v.name_devanagari,
                 v.name_latin, v.phone, v.household,
                 coalesce((SELECT group_concat(p.programme, ';') FROM volunteer_programme p
                     WHERE p.volunteer_id = v.id), ''),
                 v.enrolled_by, v.enrolled_at_ms, v.trained_by
             FROM volunteer v
             WHERE v.beat IN (SELECT value FROM json_each(?1))
                 AND v.status IN (SELECT value FROM json_each(?2))
                 AND (?3 IS NULL OR EXISTS (SELECT 1 FROM volunteer_programme p
                     WHERE p.volunteer_id = v.id AND p.programme = ?3))
             ORDER BY v.beat, v.enrolled_at_ms, v.id",
        )?;
        let rows = statement
            .query_map(params![beats, statuses, programme], |row| {
                Ok(ExportRow {
                    id: row.get(0)?,
                    beat: row.get(1)?,
                    station: row.get(2)?,
                    village: row.get(3)?,
                    status: row.get(4)?,
                    gender: row.get(5)?,
                    name_devanagari: row.get(6)?,
                    name_latin: row.get(7)?,
                    phone: row.get(8)?,
                    household: row.get(9)?,
                    programmes: row.get(10)?,
                    enrolled_by: row.get(11)?,
                    enrolled_at_ms: row.get(12)?,
                    trained_by: row.get(13)?,
                })
            })?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Appends an export to the export log and, as `access`, to the access log, in one
    /// transaction: an auditor never finds an export in one log and not in the other.
    pub fn save_export_log(
        &mut self,
        taken: &ExportTaken,
        access: &AccessRead,
        now_ms: i64,
    ) -> Result<()> {
        let transaction = self.connection.transaction()?;
        transaction.execute(
            "INSERT INTO export_log (badge, role, requested_via, kind, format, unit, programme,
                 include_unverified, include_withdrawn, part, rows, at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                taken.badge,
                taken.role,
                taken.requested_via,
                taken.kind,
                taken.format,
                taken.unit,
                taken.programme,
                taken.include_unverified,
                taken.include_withdrawn,
                taken.part,
                i64::try_from(taken.rows).unwrap_or(i64::MAX),
                now_ms
            ],
        )?;
        super::access::insert(&transaction, access, now_ms)?;
        transaction.commit()?;
        Ok(())
    }

    /// The export log, newest first, from before `before_seq` if given.
    pub fn load_export_log(
        &self,
        limit: u32,
        before_seq: Option<i64>,
    ) -> Result<Vec<ExportLogEntry>> {
        let mut statement = self.connection.prepare_cached(
            "SELECT seq, badge, role, requested_via, kind, format, unit, programme,
                 include_unverified, include_withdrawn, part, rows, at_ms
             FROM export_log WHERE seq < ?1 ORDER BY seq DESC LIMIT ?2",
        )?;
        let rows = statement
            .query_map(params![before_seq.unwrap_or(i64::MAX), limit], |row| {
                Ok(ExportLogEntry {
                    seq: row.get(0)?,
                    taken: ExportTaken {
                        badge: row.get(1)?,
                        role: row.get(2)?,
                        requested_via: row.get(3)?,
                        kind: row.get(4)?,
                        format: row.get(5)?,
                        unit: row.get(6)?,
                        programme: row.get(7)?,
                        include_unverified: row.get(8)?,
                        include_withdrawn: row.get(9)?,
                        part: row.get(10)?,
                        rows: u64::try_from(row.get::<_, i64>(11)?).unwrap_or(0),
                    },
                    at_ms: row.get(12)?,
                })
            })?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(rows)
    }
}

/// A list passed to SQL as a JSON array, read back with `json_each`: one parameter however
/// long the list, and one cached statement.
fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|error| Error::Worker(error.to_string()))
}
