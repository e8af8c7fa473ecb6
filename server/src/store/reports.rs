//! The SQL behind district reports. Every query reads the relational volunteer rows (never a
//! roster document) and groups by beat, employee or village; the report module rolls beats up
//! the hierarchy, which is small, in memory. "Active" means pending or verified: the people
//! who count towards a target, and the only ones who can be duplicates.

use rusqlite::params;

use super::ServerStore;
use crate::error::Result;
use crate::reports::window::Window;

/// One unit of the hierarchy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitRow {
    /// Code.
    pub code: String,
    /// Kind.
    pub kind: String,
    /// Parent code.
    pub parent: Option<String>,
    /// Hindi name.
    pub name_hi: String,
    /// English name.
    pub name_en: String,
    /// A village's LGD code.
    pub lgd_code: Option<String>,
}

/// A police employee, for per-employee progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmployeeRow {
    /// Badge.
    pub badge: String,
    /// Name.
    pub name: String,
    /// Role.
    pub role: String,
    /// Unit (their station).
    pub unit: String,
}

/// Active and verified volunteers under one key (a beat, a badge, a programme).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyedCounts {
    /// The key.
    pub key: String,
    /// A second key where the query has one (the beat of a programme count).
    pub beat: String,
    /// Pending or verified.
    pub active: u64,
    /// Verified.
    pub verified: u64,
}

/// Volunteers and households of a village within a beat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VillageCounts {
    /// The beat.
    pub beat: String,
    /// The village's LGD code.
    pub village: String,
    /// Active volunteers.
    pub volunteers: u64,
    /// Distinct households with at least one active volunteer.
    pub households_covered: u64,
}

/// A volunteer as reports list them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolunteerBrief {
    /// Id.
    pub id: String,
    /// The roster (beat) holding them.
    pub roster: String,
    /// Beat.
    pub beat: String,
    /// Station.
    pub station: String,
    /// Village LGD code.
    pub village: String,
    /// Status.
    pub status: String,
    /// Devanagari name.
    pub name_devanagari: Option<String>,
    /// Latin name.
    pub name_latin: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Household.
    pub household: Option<String>,
    /// Who enrolled them.
    pub enrolled_by: String,
    /// When, by the phone's clock.
    pub enrolled_at_ms: i64,
    /// The sound-alike key of the name.
    pub name_key: Option<String>,
}

const BRIEF: &str = "v.id, v.roster_id, v.beat, v.station, v.village, v.status, v.name_devanagari,
    v.name_latin, v.phone, v.household, v.enrolled_by, v.enrolled_at_ms, v.name_key";

fn read_brief(row: &rusqlite::Row<'_>) -> rusqlite::Result<VolunteerBrief> {
    Ok(VolunteerBrief {
        id: row.get(0)?,
        roster: row.get(1)?,
        beat: row.get(2)?,
        station: row.get(3)?,
        village: row.get(4)?,
        status: row.get(5)?,
        name_devanagari: row.get(6)?,
        name_latin: row.get(7)?,
        phone: row.get(8)?,
        household: row.get(9)?,
        enrolled_by: row.get(10)?,
        enrolled_at_ms: row.get(11)?,
        name_key: row.get(12)?,
    })
}

fn read_counts(row: &rusqlite::Row<'_>) -> rusqlite::Result<KeyedCounts> {
    Ok(KeyedCounts {
        key: row.get(0)?,
        beat: row.get(1)?,
        active: u64::try_from(row.get::<_, i64>(2)?).unwrap_or(0),
        verified: u64::try_from(row.get::<_, i64>(3)?).unwrap_or(0),
    })
}

/// The programme condition on `v`, with the programme as `?3` (NULL for every programme).
const IN_PROGRAMME: &str = "(?3 IS NULL OR EXISTS (SELECT 1 FROM volunteer_programme p
    WHERE p.volunteer_id = v.id AND p.programme = ?3))";

impl ServerStore {
    /// Every unit of the hierarchy.
    pub fn load_units(&self) -> Result<Vec<UnitRow>> {
        let mut statement = self.connection.prepare_cached(
            "SELECT code, kind, parent, name_hi, name_en, lgd_code FROM unit ORDER BY code",
        )?;
        let rows = statement
            .query_map([], |row| {
                Ok(UnitRow {
                    code: row.get(0)?,
                    kind: row.get(1)?,
                    parent: row.get(2)?,
                    name_hi: row.get(3)?,
                    name_en: row.get(4)?,
                    lgd_code: row.get(5)?,
                })
            })?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Every employee who enrols (constables and station in-charges).
    pub fn load_employees(&self) -> Result<Vec<EmployeeRow>> {
        let mut statement = self.connection.prepare_cached(
            "SELECT badge, name, role, unit FROM user
             WHERE role IN ('constable', 'station_incharge') ORDER BY badge",
        )?;
        let rows = statement
            .query_map([], |row| {
                Ok(EmployeeRow {
                    badge: row.get(0)?,
                    name: row.get(1)?,
                    role: row.get(2)?,
                    unit: row.get(3)?,
                })
            })?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// How many constables work each beat.
    pub fn constables_per_beat(&self) -> Result<Vec<(String, u64)>> {
        let mut statement = self.connection.prepare_cached(
            "SELECT ub.beat, count(*) FROM user_beat ub JOIN user u ON u.badge = ub.badge
             WHERE u.role = 'constable' GROUP BY ub.beat",
        )?;
        let rows = statement
            .query_map([], |row| {
                Ok((
                    row.get(0)?,
                    u64::try_from(row.get::<_, i64>(1)?).unwrap_or(0),
                ))
            })?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Known household counts of villages, by LGD code.
    pub fn village_households(&self) -> Result<Vec<(String, u64)>> {
        let mut statement = self
            .connection
            .prepare_cached("SELECT lgd_code, households FROM village_households")?;
        let rows = statement
            .query_map([], |row| {
                Ok((
                    row.get(0)?,
                    u64::try_from(row.get::<_, i64>(1)?).unwrap_or(0),
                ))
            })?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Active and verified volunteers per beat, enrolled within `window`, in `programme`.
    pub fn count_by_beat(
        &self,
        window: Window,
        programme: Option<&str>,
    ) -> Result<Vec<KeyedCounts>> {
        let sql = format!(
            "SELECT v.beat, v.beat, count(*), coalesce(sum(v.status = 'verified'), 0)
             FROM volunteer v
             WHERE v.status IN ('pending', 'verified')
                 AND v.enrolled_at_ms >= ?1 AND v.enrolled_at_ms < ?2 AND {IN_PROGRAMME}
             GROUP BY v.beat"
        );
        let mut statement = self.connection.prepare_cached(&sql)?;
        let rows = statement
            .query_map(
                params![window.from_ms, window.until_ms, programme],
                read_counts,
            )?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Active and verified volunteers per enrolling employee (and beat).
    pub fn count_by_employee(
        &self,
        window: Window,
        programme: Option<&str>,
    ) -> Result<Vec<KeyedCounts>> {
        let sql = format!(
            "SELECT v.enrolled_by, v.beat, count(*), coalesce(sum(v.status = 'verified'), 0)
             FROM volunteer v
             WHERE v.status IN ('pending', 'verified')
                 AND v.enrolled_at_ms >= ?1 AND v.enrolled_at_ms < ?2 AND {IN_PROGRAMME}
             GROUP BY v.enrolled_by, v.beat"
        );
        let mut statement = self.connection.prepare_cached(&sql)?;
        let rows = statement
            .query_map(
                params![window.from_ms, window.until_ms, programme],
                read_counts,
            )?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Active volunteers per programme and beat.
    pub fn count_by_programme(&self, window: Window) -> Result<Vec<KeyedCounts>> {
        let mut statement = self.connection.prepare_cached(
            "SELECT p.programme, v.beat, count(*), coalesce(sum(v.status = 'verified'), 0)
             FROM volunteer v JOIN volunteer_programme p ON p.volunteer_id = v.id
             WHERE v.status IN ('pending', 'verified')
                 AND v.enrolled_at_ms >= ?1 AND v.enrolled_at_ms < ?2
             GROUP BY p.programme, v.beat",
        )?;
        let rows = statement
            .query_map(params![window.from_ms, window.until_ms], read_counts)?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Active volunteers and distinct households per village and beat.
    pub fn count_by_village(
        &self,
        window: Window,
        programme: Option<&str>,
    ) -> Result<Vec<VillageCounts>> {
        let sql = format!(
            "SELECT v.beat, v.village, count(*), count(DISTINCT v.household)
             FROM volunteer v
             WHERE v.status IN ('pending', 'verified')
                 AND v.enrolled_at_ms >= ?1 AND v.enrolled_at_ms < ?2 AND {IN_PROGRAMME}
             GROUP BY v.beat, v.village"
        );
        let mut statement = self.connection.prepare_cached(&sql)?;
        let rows = statement
            .query_map(params![window.from_ms, window.until_ms, programme], |row| {
                Ok(VillageCounts {
                    beat: row.get(0)?,
                    village: row.get(1)?,
                    volunteers: u64::try_from(row.get::<_, i64>(2)?).unwrap_or(0),
                    households_covered: u64::try_from(row.get::<_, i64>(3)?).unwrap_or(0),
                })
            })?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Pending volunteers in `beats` (every beat if `None`), oldest enrolment first, and how
    /// many are pending in all.
    pub fn pending_review(
        &self,
        beats: Option<&[String]>,
        limit: u32,
        offset: u32,
    ) -> Result<(u64, Vec<VolunteerBrief>)> {
        let beats = beats
            .map(serde_json::to_string)
            .transpose()
            .map_err(|error| crate::error::Error::Worker(error.to_string()))?;
        let scope = "(?1 IS NULL OR v.beat IN (SELECT value FROM json_each(?1)))";
        let total: i64 = self.connection.query_row(
            &format!("SELECT count(*) FROM volunteer v WHERE v.status = 'pending' AND {scope}"),
            params![beats],
            |row| row.get(0),
        )?;
        let mut statement = self.connection.prepare_cached(&format!(
            "SELECT {BRIEF} FROM volunteer v WHERE v.status = 'pending' AND {scope}
             ORDER BY v.enrolled_at_ms, v.id LIMIT ?2 OFFSET ?3"
        ))?;
        let rows = statement
            .query_map(params![beats, limit, offset], read_brief)?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok((u64::try_from(total).unwrap_or(0), rows))
    }

    /// Active volunteers who share a phone with another active volunteer, by phone.
    pub fn shared_phones(&self) -> Result<Vec<VolunteerBrief>> {
        let mut statement = self.connection.prepare_cached(&format!(
            "SELECT {BRIEF} FROM volunteer v
             WHERE v.status IN ('pending', 'verified') AND v.phone IN (
                 SELECT phone FROM volunteer
                 WHERE status IN ('pending', 'verified') AND phone IS NOT NULL
                 GROUP BY phone HAVING count(*) > 1)
             ORDER BY v.phone, v.id"
        ))?;
        let rows = statement
            .query_map([], read_brief)?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Active volunteers of one village whose names sound alike across scripts and
    /// spellings, by village and name key.
    pub fn similar_names(&self) -> Result<Vec<VolunteerBrief>> {
        let mut statement = self.connection.prepare_cached(&format!(
            "SELECT {BRIEF} FROM volunteer v JOIN (
                 SELECT village, name_key FROM volunteer
                 WHERE status IN ('pending', 'verified') AND name_key <> ''
                 GROUP BY village, name_key HAVING count(*) > 1) d
                 ON v.village = d.village AND v.name_key = d.name_key
             WHERE v.status IN ('pending', 'verified')
             ORDER BY v.village, v.name_key, v.id"
        ))?;
        let rows = statement
            .query_map([], read_brief)?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(rows)
    }
}
