//! The SQL behind district reports. Every query reads the relational volunteer rows (never a
//! roster document) and groups by beat, employee or village; the report module rolls beats up
//! the hierarchy, which is small, in memory. "Active" means pending or verified: the people
//! who count towards a target, and the only ones who can be duplicates.

use std::collections::{BTreeMap, HashMap};

use rusqlite::ToSql;
use serde::Serialize;

use super::ServerStore;
use crate::error::Result;
use crate::reports::people::SharedPhone;
use crate::reports::window::Window;

/// What a search looks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchTerm {
    /// A canonical mobile number, found through its blind-index tag.
    Phone(String),
    /// A village's LGD code.
    Village(String),
    /// A name's sound-alike key (`phonetic_key`), matched as a whole name or as its words.
    Name(String),
}

impl SearchTerm {
    /// How the search was made, as its answer and the access log say.
    pub fn kind(&self) -> &'static str {
        match self {
            SearchTerm::Phone(_) => "phone",
            SearchTerm::Village(_) => "village",
            SearchTerm::Name(_) => "name",
        }
    }
}

/// What narrows the review queue beyond the caller's beats.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueFilter {
    /// Entries of this status (`pending` if absent).
    pub status: Option<String>,
    /// Of this village (LGD code).
    pub village: Option<String>,
    /// Enrolled by this badge.
    pub enrolled_by: Option<String>,
    /// In this programme.
    pub programme: Option<String>,
}

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

/// What progress counts entries under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountedBy {
    /// Their beat.
    Beat,
    /// The badge of whoever enrolled them.
    Employee,
}

impl CountedBy {
    fn column(self) -> &'static str {
        match self {
            CountedBy::Beat => "v.beat",
            CountedBy::Employee => "v.enrolled_by",
        }
    }
}

/// Volunteers one trainer trained in one beat with one status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainerCount {
    /// `v:<volunteer id>` or `e:<badge>`.
    pub trainer: String,
    /// The trainees' beat.
    pub beat: String,
    /// Their status.
    pub status: String,
    /// How many.
    pub count: u64,
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
    /// Whether the village is not one the hierarchy lists under the beat.
    pub village_outside_beat: bool,
}

/// A window over a list: `limit` items after skipping `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// Items to skip.
    pub offset: u64,
    /// Most items to keep.
    pub limit: u64,
}

impl Page {
    /// Whether the item at `position` (from 0) lies on the page.
    fn holds(self, position: u64) -> bool {
        position >= self.offset && position - self.offset < self.limit
    }
}

/// One page of duplicate candidate groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CandidateGroups {
    /// Groups in all, on every page.
    pub total: u64,
    /// The page's groups in order: each one's key and its members, by id.
    pub groups: Vec<(String, Vec<VolunteerBrief>)>,
}

/// Collects the members of a page's groups, in the page's order whatever order they come in.
struct GroupsOnPage {
    total: u64,
    groups: Vec<(String, Vec<VolunteerBrief>)>,
    position: HashMap<String, usize>,
}

impl GroupsOnPage {
    fn new(total: u64, keys: Vec<String>) -> GroupsOnPage {
        GroupsOnPage {
            total,
            position: keys
                .iter()
                .enumerate()
                .map(|(index, key)| (key.clone(), index))
                .collect(),
            groups: keys.into_iter().map(|key| (key, Vec::new())).collect(),
        }
    }

    fn add(&mut self, key: &str, member: VolunteerBrief) {
        if let Some(&index) = self.position.get(key) {
            self.groups[index].1.push(member);
        }
    }

    fn done(self) -> CandidateGroups {
        CandidateGroups {
            total: self.total,
            groups: self.groups,
        }
    }
}

/// A list as one JSON parameter, read in SQL with `json_each`.
fn json_list(items: &impl Serialize) -> Result<String> {
    serde_json::to_string(items).map_err(|error| crate::error::Error::Worker(error.to_string()))
}

// The last column: whether the hierarchy lists villages under the beat and this one is not
// among them (an entry from before the phones and the server checked villages).
const BRIEF: &str = "v.id, v.roster_id, v.beat, v.station, v.village, v.status, v.name_devanagari,
    v.name_latin, v.phone, v.household, v.enrolled_by, v.enrolled_at_ms, v.name_key,
    EXISTS (SELECT 1 FROM unit u WHERE u.parent = v.beat AND u.kind = 'village')
        AND NOT EXISTS (SELECT 1 FROM unit u
            WHERE u.parent = v.beat AND u.kind = 'village' AND u.lgd_code = v.village)";

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
        village_outside_beat: row.get(13)?,
    })
}

/// A text column borrowed from the row, to match on before copying anything.
fn text_at<'row>(row: &'row rusqlite::Row<'_>, index: usize) -> rusqlite::Result<&'row str> {
    row.get_ref(index)?.as_str().map_err(|error| {
        rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, error.into())
    })
}

/// A blob column borrowed from the row.
fn blob_at<'row>(row: &'row rusqlite::Row<'_>, index: usize) -> rusqlite::Result<&'row [u8]> {
    row.get_ref(index)?.as_blob().map_err(|error| {
        rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Blob, error.into())
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

/// The programme condition on `v`, with the programme as `?3` (NULL for every programme). It
/// reads the row's own copy of its programmes (migration 003), which the report indexes hold,
/// so the filter costs no lookup; codes are `[a-z0-9_]`, so a space never occurs inside one.
const IN_PROGRAMME: &str =
    "(?3 IS NULL OR instr(' ' || v.programmes || ' ', ' ' || ?3 || ' ') > 0)";

/// The units (usually beats) a query may read: every one, or those listed.
///
/// A list goes to SQL as one JSON parameter read with `json_each`, so however long it is the
/// statement stays one cached statement; and as a plain `IN` on an indexed column, so SQLite
/// searches the index once per listed unit instead of reading the district and letting Rust
/// throw most of it away.
struct Within {
    json: Option<String>,
}

impl Within {
    fn new(codes: Option<&[String]>) -> Result<Within> {
        let json = codes
            .map(serde_json::to_string)
            .transpose()
            .map_err(|error| crate::error::Error::Worker(error.to_string()))?;
        Ok(Within { json })
    }

    /// `AND <column> IN (...)` with the list as parameter `?index`, or nothing.
    fn condition(&self, column: &str, index: usize) -> String {
        match self.json {
            Some(_) => format!(" AND {column} IN (SELECT value FROM json_each(?{index}))"),
            None => String::new(),
        }
    }

    /// `leading` followed by the list, when there is one: the parameters of a statement built
    /// with [`Within::condition`].
    fn params<'a>(&'a self, leading: &[&'a dyn ToSql]) -> Vec<&'a dyn ToSql> {
        let mut all = leading.to_vec();
        if let Some(json) = &self.json {
            all.push(json);
        }
        all
    }
}

/// The statement of [`ServerStore::shared_phone_entries`].
fn shared_phone_sql(by: CountedBy, within: &Within) -> String {
    let key = by.column();
    format!(
        "SELECT {key}, v.phone_tag, v.status = 'verified' FROM volunteer v
         WHERE v.status IN ('pending', 'verified')
             AND v.phone_tag IN (
                 SELECT phone_tag FROM volunteer
                 WHERE status IN ('pending', 'verified') AND phone_tag IS NOT NULL
                 GROUP BY phone_tag HAVING count(*) > 1)
             AND v.enrolled_at_ms >= ?1 AND v.enrolled_at_ms < ?2 AND {IN_PROGRAMME}{}",
        within.condition(key, 4)
    )
}

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

    /// Active and verified volunteers per beat, enrolled within `window`, in `programme`,
    /// counting only volunteers whose beat is one of `units` when given.
    pub fn count_by_beat(
        &self,
        window: Window,
        programme: Option<&str>,
        units: Option<&[String]>,
    ) -> Result<Vec<KeyedCounts>> {
        let within = Within::new(units)?;
        let sql = format!(
            "SELECT v.beat, v.beat, count(*), coalesce(sum(v.status = 'verified'), 0)
             FROM volunteer v
             WHERE v.status IN ('pending', 'verified')
                 AND v.enrolled_at_ms >= ?1 AND v.enrolled_at_ms < ?2 AND {IN_PROGRAMME}{}
             GROUP BY v.beat",
            within.condition("v.beat", 4)
        );
        let mut statement = self.connection.prepare_cached(&sql)?;
        let rows = statement
            .query_map(
                &within.params(&[&window.from_ms, &window.until_ms, &programme])[..],
                read_counts,
            )?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Per day in India (days since 1970-01-01): active volunteers enrolled that day by the
    /// enrolling phone's clock, and verifications the server recorded that day (the day a
    /// verified row last changed), within `window` and `beats` (every beat if `None`).
    pub fn count_by_day(
        &self,
        window: Window,
        programme: Option<&str>,
        beats: Option<&[String]>,
    ) -> Result<Vec<(i64, u64, u64)>> {
        let within = Within::new(beats)?;
        let day = |column: &str| {
            format!(
                "(({column} + {IST}) / {DAY})",
                IST = 19_800_000,
                DAY = 86_400_000
            )
        };
        let count = |sql: String| -> Result<Vec<(i64, u64)>> {
            let mut statement = self.connection.prepare_cached(&sql)?;
            let rows = statement
                .query_map(
                    &within.params(&[&window.from_ms, &window.until_ms, &programme])[..],
                    |row| Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?)),
                )?
                .collect::<std::result::Result<Vec<_>, _>>()?;
            Ok(rows
                .into_iter()
                .map(|(day, count)| (day, u64::try_from(count).unwrap_or(0)))
                .collect())
        };
        let enrolled = count(format!(
            "SELECT {} AS day, count(*) FROM volunteer v
             WHERE v.status IN ('pending', 'verified')
                 AND v.enrolled_at_ms >= ?1 AND v.enrolled_at_ms < ?2 AND {IN_PROGRAMME}{}
             GROUP BY day",
            day("v.enrolled_at_ms"),
            within.condition("v.beat", 4)
        ))?;
        let verified = count(format!(
            // The repeated status term lets SQLite use the active-by-beat index.
            "SELECT {} AS day, count(*) FROM volunteer v
             WHERE v.status IN ('pending', 'verified') AND v.status = 'verified'
                 AND v.updated_at_ms >= ?1 AND v.updated_at_ms < ?2 AND {IN_PROGRAMME}{}
             GROUP BY day",
            day("v.updated_at_ms"),
            within.condition("v.beat", 4)
        ))?;
        let mut days: std::collections::BTreeMap<i64, (u64, u64)> = Default::default();
        for (day, count) in enrolled {
            days.entry(day).or_default().0 = count;
        }
        for (day, count) in verified {
            days.entry(day).or_default().1 = count;
        }
        Ok(days
            .into_iter()
            .map(|(day, (enrolled, verified))| (day, enrolled, verified))
            .collect())
    }

    /// Active and verified volunteers per enrolling employee, in whatever beat they enrolled
    /// them, counting only the employees in `badges` when given. The second key is empty.
    pub fn count_by_employee(
        &self,
        window: Window,
        programme: Option<&str>,
        badges: Option<&[String]>,
    ) -> Result<Vec<KeyedCounts>> {
        let within = Within::new(badges)?;
        let sql = format!(
            "SELECT v.enrolled_by, '', count(*), coalesce(sum(v.status = 'verified'), 0)
             FROM volunteer v
             WHERE v.status IN ('pending', 'verified')
                 AND v.enrolled_at_ms >= ?1 AND v.enrolled_at_ms < ?2 AND {IN_PROGRAMME}{}
             GROUP BY v.enrolled_by",
            within.condition("v.enrolled_by", 4)
        );
        let mut statement = self.connection.prepare_cached(&sql)?;
        let rows = statement
            .query_map(
                &within.params(&[&window.from_ms, &window.until_ms, &programme])[..],
                read_counts,
            )?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// The active entries progress counts (enrolled within `window`, in `programme`, under
    /// one of `keys` when given) whose phone's tag some other active entry of the district
    /// holds, each with the beat or badge it is counted under: what `reports::people` needs
    /// to count each phone once, whatever the report's size.
    ///
    /// The tags held twice come from one ordered read of the phone-tag index (as the
    /// duplicates report finds them), and only their entries are then read, so a district
    /// with few duplicates reads few rows. A tag held twice in the district may be held once
    /// among the entries counted: the rule leaves nothing out for it.
    pub fn shared_phone_entries(
        &self,
        by: CountedBy,
        window: Window,
        programme: Option<&str>,
        keys: Option<&[String]>,
    ) -> Result<Vec<SharedPhone>> {
        let within = Within::new(keys)?;
        let mut statement = self
            .connection
            .prepare_cached(&shared_phone_sql(by, &within))?;
        let rows = statement
            .query_map(
                &within.params(&[&window.from_ms, &window.until_ms, &programme])[..],
                |row| {
                    Ok(SharedPhone {
                        key: row.get(0)?,
                        tag: row.get(1)?,
                        verified: row.get(2)?,
                    })
                },
            )?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Active volunteers per programme and beat, in `beats` when given.
    ///
    /// SQL groups by beat and programme set, from the row's own copy of its programmes, in
    /// one read of an index; each set is then split here, so a volunteer in two programmes
    /// counts in both, as a join with `volunteer_programme` would count them.
    pub fn count_by_programme(
        &self,
        window: Window,
        beats: Option<&[String]>,
    ) -> Result<Vec<KeyedCounts>> {
        let within = Within::new(beats)?;
        let sql = format!(
            "SELECT v.beat, v.programmes, count(*), coalesce(sum(v.status = 'verified'), 0)
             FROM volunteer v
             WHERE v.status IN ('pending', 'verified')
                 AND v.enrolled_at_ms >= ?1 AND v.enrolled_at_ms < ?2{}
             GROUP BY v.beat, v.programmes",
            within.condition("v.beat", 3)
        );
        let mut statement = self.connection.prepare_cached(&sql)?;
        let mut counts: BTreeMap<(String, String), (u64, u64)> = BTreeMap::new();
        let mut rows = statement.query(&within.params(&[&window.from_ms, &window.until_ms])[..])?;
        while let Some(row) = rows.next()? {
            let set = read_counts(row)?;
            for programme in set.beat.split_whitespace() {
                let entry = counts
                    .entry((programme.to_owned(), set.key.clone()))
                    .or_default();
                entry.0 += set.active;
                entry.1 += set.verified;
            }
        }
        Ok(counts
            .into_iter()
            .map(|((key, beat), (active, verified))| KeyedCounts {
                key,
                beat,
                active,
                verified,
            })
            .collect())
    }

    /// Trainees per trainer, beat and status, in `beats` when given.
    pub fn count_by_trainer(&self, beats: Option<&[String]>) -> Result<Vec<TrainerCount>> {
        let within = Within::new(beats)?;
        let sql = format!(
            "SELECT v.trained_by, v.beat, v.status, count(*) FROM volunteer v
             WHERE v.trained_by IS NOT NULL{}
             GROUP BY v.trained_by, v.beat, v.status",
            within.condition("v.beat", 1)
        );
        let mut statement = self.connection.prepare_cached(&sql)?;
        let rows = statement
            .query_map(&within.params(&[])[..], |row| {
                Ok(TrainerCount {
                    trainer: row.get(0)?,
                    beat: row.get(1)?,
                    status: row.get(2)?,
                    count: row.get::<_, i64>(3)?.try_into().unwrap_or(0),
                })
            })?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Who trained each of `volunteers` (by id), for those that name a trainer.
    pub fn trainers_of(&self, volunteers: &[String]) -> Result<BTreeMap<String, String>> {
        let ids = serde_json::to_string(volunteers)
            .map_err(|error| crate::error::Error::Worker(error.to_string()))?;
        let mut statement = self.connection.prepare_cached(
            "SELECT id, trained_by FROM volunteer
             WHERE trained_by IS NOT NULL AND id IN (SELECT value FROM json_each(?1))",
        )?;
        let pairs = statement
            .query_map([ids], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<std::result::Result<BTreeMap<String, String>, _>>()?;
        Ok(pairs)
    }

    /// Active volunteers and distinct households per village and beat, in `beats` when given.
    pub fn count_by_village(
        &self,
        window: Window,
        programme: Option<&str>,
        beats: Option<&[String]>,
    ) -> Result<Vec<VillageCounts>> {
        let within = Within::new(beats)?;
        let sql = format!(
            "SELECT v.beat, v.village, count(*), count(DISTINCT coalesce(mitan_household_key(v.household), v.household))
             FROM volunteer v
             WHERE v.status IN ('pending', 'verified')
                 AND v.enrolled_at_ms >= ?1 AND v.enrolled_at_ms < ?2 AND {IN_PROGRAMME}{}
             GROUP BY v.beat, v.village",
            within.condition("v.beat", 4)
        );
        let mut statement = self.connection.prepare_cached(&sql)?;
        let rows = statement
            .query_map(
                &within.params(&[&window.from_ms, &window.until_ms, &programme])[..],
                |row| {
                    Ok(VillageCounts {
                        beat: row.get(0)?,
                        village: row.get(1)?,
                        volunteers: u64::try_from(row.get::<_, i64>(2)?).unwrap_or(0),
                        households_covered: u64::try_from(row.get::<_, i64>(3)?).unwrap_or(0),
                    })
                },
            )?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Pending volunteers in `beats` (every beat if `None`), oldest enrolment first, and how
    /// many are pending in all.
    pub fn pending_review(
        &self,
        beats: Option<&[String]>,
        filter: &QueueFilter,
        limit: u32,
        offset: u32,
    ) -> Result<(u64, Vec<VolunteerBrief>)> {
        let within = Within::new(beats)?;
        // Within beats, the pending entries of the active-by-beat index (whose WHERE the
        // repeated status term lets SQLite use); for the district, the pending index. Another
        // status is asked as a parameter.
        let mut conditions = match (filter.status.as_deref(), &within.json) {
            (None | Some("pending"), Some(_)) => {
                "status IN ('pending', 'verified') AND status = 'pending'".to_owned()
            }
            (None | Some("pending"), None) => "status = 'pending'".to_owned(),
            (Some(_), _) => "status = ?4".to_owned(),
        };
        for (value, condition) in [
            (&filter.village, " AND village = ?5"),
            (&filter.enrolled_by, " AND enrolled_by = ?6"),
            (
                &filter.programme,
                " AND id IN (SELECT volunteer_id FROM volunteer_programme WHERE programme = ?7)",
            ),
        ] {
            if value.is_some() {
                conditions.push_str(condition);
            }
        }
        conditions.push_str(&within.condition("beat", 3));
        let status = filter.status.clone().unwrap_or_default();
        let village = filter.village.clone().unwrap_or_default();
        let enrolled_by = filter.enrolled_by.clone().unwrap_or_default();
        let programme = filter.programme.clone().unwrap_or_default();
        let json = within.json.clone().unwrap_or_default();
        // Every statement numbers its parameters alike, so each binds the same list; SQLite
        // takes a list longer than the statement uses only when it is numbered, as here.
        let bind = |statement: &mut rusqlite::CachedStatement<'_>| -> Result<()> {
            let values: [(usize, &dyn ToSql); 7] = [
                (1, &limit),
                (2, &offset),
                (3, &json),
                (4, &status),
                (5, &village),
                (6, &enrolled_by),
                (7, &programme),
            ];
            for (index, value) in values {
                if statement.parameter_index(&format!("?{index}"))?.is_some() {
                    statement.raw_bind_parameter(index, value)?;
                }
            }
            Ok(())
        };
        let mut count = self.connection.prepare_cached(&format!(
            "SELECT count(*) FROM volunteer WHERE {conditions}"
        ))?;
        bind(&mut count)?;
        let total: i64 = count
            .raw_query()
            .next()?
            .map(|row| row.get(0))
            .transpose()?
            .unwrap_or(0);
        // The page is picked from the index alone; only its rows are then read in full.
        let mut statement = self.connection.prepare_cached(&format!(
            "SELECT {BRIEF} FROM volunteer v WHERE v.id IN (
                 SELECT id FROM volunteer WHERE {conditions}
                 ORDER BY enrolled_at_ms, id LIMIT ?1 OFFSET ?2)
             ORDER BY v.enrolled_at_ms, v.id"
        ))?;
        bind(&mut statement)?;
        let mut rows = Vec::new();
        let mut found = statement.raw_query();
        while let Some(row) = found.next()? {
            rows.push(read_brief(row)?);
        }
        Ok((u64::try_from(total).unwrap_or(0), rows))
    }

    /// Volunteers in `beats` (every beat if `None`) that `term` finds, oldest enrolment first.
    pub fn search_volunteers(
        &self,
        beats: Option<&[String]>,
        term: &SearchTerm,
        limit: u32,
    ) -> Result<Vec<VolunteerBrief>> {
        let within = Within::new(beats)?;
        let (condition, value): (&str, Box<dyn ToSql>) = match term {
            SearchTerm::Phone(phone) => (
                "phone_tag = ?1",
                Box::new(self.phone_index.tag(phone).to_vec()),
            ),
            SearchTerm::Village(code) => ("village = ?1", Box::new(code.clone())),
            // The key holds lowercase ASCII words only, so it carries no LIKE wildcard: the
            // whole name, or a name one of whose words begins with it.
            SearchTerm::Name(key) => (
                "(name_key = ?1 OR name_key LIKE ?1 || '%' OR name_key LIKE '% ' || ?1 || '%')",
                Box::new(key.clone()),
            ),
        };
        let mut statement = self.connection.prepare_cached(&format!(
            "SELECT {BRIEF} FROM volunteer v WHERE {condition}{}
             ORDER BY v.enrolled_at_ms, v.id LIMIT ?2",
            within.condition("v.beat", 3)
        ))?;
        let rows = statement
            .query_map(&within.params(&[value.as_ref(), &limit])[..], read_brief)?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// One page of the groups of active volunteers in `beats` (every beat if `None`) who
    /// share a phone, found by the phone's tag in the blind index (migration 005), and how
    /// many such groups there are. Groups come in tag order, which is stable and says nothing
    /// about the numbers; each is keyed by its tag in hex.
    pub fn shared_phones(&self, beats: Option<&[String]>, page: Page) -> Result<CandidateGroups> {
        let within = Within::new(beats)?;
        // The tags held twice, from an index alone; only the page's are kept.
        let mut total = 0;
        let mut keys: Vec<String> = Vec::new();
        {
            let mut statement = self.connection.prepare_cached(&format!(
                "SELECT phone_tag FROM volunteer
                 WHERE status IN ('pending', 'verified') AND phone_tag IS NOT NULL{}
                 GROUP BY phone_tag HAVING count(*) > 1
                 ORDER BY phone_tag",
                within.condition("beat", 1),
            ))?;
            let mut rows = statement.query(&within.params(&[])[..])?;
            while let Some(row) = rows.next()? {
                if page.holds(total) {
                    keys.push(hex::encode(blob_at(row, 0)?));
                }
                total += 1;
            }
        }
        // Then the people holding the page's tags, looked up through the same index.
        let page_json = json_list(&keys)?;
        let mut statement = self.connection.prepare_cached(&format!(
            "SELECT {BRIEF}, v.phone_tag FROM volunteer v
             WHERE v.status IN ('pending', 'verified'){}
                 AND v.phone_tag IN (SELECT unhex(value) FROM json_each(?1))
             ORDER BY v.id",
            within.condition("v.beat", 2),
        ))?;
        let mut groups = GroupsOnPage::new(total, keys);
        let mut rows = statement.query(&within.params(&[&page_json])[..])?;
        while let Some(row) = rows.next()? {
            let key = hex::encode(blob_at(row, 14)?);
            groups.add(&key, read_brief(row)?);
        }
        Ok(groups.done())
    }

    /// One page of the groups of active volunteers in `beats` (every beat if `None`) whose
    /// names sound alike across scripts and spellings, within one village, and how many such
    /// groups there are; by village, then name key, each keyed "village name_key".
    pub fn similar_names(&self, beats: Option<&[String]>, page: Page) -> Result<CandidateGroups> {
        let within = Within::new(beats)?;
        // First the keys held twice, from an index alone: village, then name key, each in
        // SQL's order (text compares bytewise under SQLite's BINARY collation). Across the
        // district nearly every active volunteer has a sound-alike in their village, so only
        // the page's keys are kept.
        let mut total = 0;
        let mut pairs: Vec<(String, String)> = Vec::new();
        {
            let mut statement = self.connection.prepare_cached(&format!(
                "SELECT village, name_key FROM volunteer
                 WHERE status IN ('pending', 'verified') AND name_key <> ''{}
                 GROUP BY village, name_key HAVING count(*) > 1
                 ORDER BY village, name_key",
                within.condition("beat", 1),
            ))?;
            let mut rows = statement.query(&within.params(&[])[..])?;
            while let Some(row) = rows.next()? {
                if page.holds(total) {
                    pairs.push((row.get(0)?, row.get(1)?));
                }
                total += 1;
            }
        }
        // Then the people of the page's groups, a search of the name index per group; the
        // CROSS JOIN keeps the page as the outer loop.
        let page_json = json_list(&pairs)?;
        let mut statement = self.connection.prepare_cached(&format!(
            "SELECT {BRIEF} FROM json_each(?1) AS page CROSS JOIN volunteer v
                 ON v.village = page.value ->> 0 AND v.name_key = page.value ->> 1
             WHERE v.status IN ('pending', 'verified'){}
             ORDER BY v.id",
            within.condition("v.beat", 2),
        ))?;
        let keys = pairs
            .iter()
            .map(|(village, name_key)| format!("{village} {name_key}"))
            .collect();
        let mut groups = GroupsOnPage::new(total, keys);
        let mut rows = statement.query(&within.params(&[&page_json])[..])?;
        while let Some(row) = rows.next()? {
            let key = format!("{} {}", text_at(row, 4)?, text_at(row, 12)?);
            groups.add(&key, read_brief(row)?);
        }
        Ok(groups.done())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use mitan_core::model::{
        AgeClaim, Consent, Gender, Personal, RosterId, Status, Volunteer, VolunteerId,
    };

    use super::*;
    use crate::reports::people::{self, Entry, Tallied};
    use crate::store::KeyUpdate;

    /// Volunteer `n` of `beat`, enrolled by `badge` at `at_ms` with `phone`, in `programme`.
    fn volunteer(
        n: u64,
        beat: &str,
        badge: &str,
        phone: &str,
        programme: &str,
        status: Status,
    ) -> (RosterId, Volunteer) {
        let volunteer = Volunteer {
            id: VolunteerId::from_parts(1_763_900_000_000 + n, u128::from(n)),
            personal: Some(Personal {
                name_devanagari: Some(format!("स्वयंसेवक {n}")),
                name_latin: None,
                phone: phone.parse().expect("a canonical phone"),
                household: format!("H-{n}"),
                guardian: None,
            }),
            gender: Gender::Female,
            age: AgeClaim::Years(30),
            village: 400_001u32.try_into().expect("valid LGD code"),
            beat: beat.parse().expect("valid beat"),
            station: "BSP-PS-00".parse().expect("valid station"),
            programmes: BTreeSet::from([programme.parse().expect("valid programme")]),
            enrolled_by: badge.parse().expect("valid badge"),
            enrolled_on: "dev-1".parse().expect("valid device"),
            enrolled_at_ms: 1_763_900_000_000 + i64::try_from(n).expect("small"),
            trained_by: None,
            consent: Consent {
                given_at_ms: 1_763_900_000_000,
                language: "hi".into(),
                notice_version: 1,
                witness: badge.parse().expect("valid badge"),
                guardian_consented: false,
            },
            status,
            reviewed_by: None,
            conflicts: Vec::new(),
            sealed: false,
            moved_to: None,
        };
        (beat.parse().expect("valid roster"), volunteer)
    }

    /// A station's two beats: one phone in both beats, twice in the first by two constables,
    /// once more withdrawn; a second phone twice, one entry in another programme; a third
    /// phone once.
    fn store() -> ServerStore {
        let mut store = ServerStore::open_in_memory().expect("store opens");
        let (b1, b2) = ("BSP-PS-00-B01", "BSP-PS-00-B02");
        let (sunita, ramesh, geeta) = ("+919827012345", "+919827054321", "+919827000000");
        let rows = [
            volunteer(1, b1, "CG-1", sunita, "cyber_mitan", Status::Pending),
            volunteer(2, b1, "CG-2", sunita, "cyber_mitan", Status::Verified),
            volunteer(3, b2, "CG-2", sunita, "cyber_mitan", Status::Verified),
            volunteer(4, b2, "CG-2", sunita, "cyber_mitan", Status::Withdrawn),
            volunteer(5, b1, "CG-1", ramesh, "cyber_mitan", Status::Pending),
            volunteer(6, b1, "CG-1", ramesh, "police_mitan", Status::Pending),
            volunteer(7, b2, "CG-2", geeta, "cyber_mitan", Status::Pending),
        ];
        store
            .save_merge(
                &"dev-1".parse().expect("valid device"),
                &"CG-1".parse().expect("valid badge"),
                &[],
                &rows,
                &KeyUpdate::default(),
                0,
            )
            .expect("merge saved");
        store
    }

    /// Every counted row, read whole: what the replays hand to the rule.
    fn every_row(
        store: &ServerStore,
        by: CountedBy,
        programme: Option<&str>,
    ) -> Vec<(String, Option<Vec<u8>>, bool)> {
        let sql = format!(
            "SELECT {}, v.phone_tag, v.status = 'verified', v.programmes FROM volunteer v
             WHERE v.status IN ('pending', 'verified')",
            by.column()
        );
        let mut statement = store.connection.prepare(&sql).expect("prepares");
        statement
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, Option<Vec<u8>>>(1)?,
                    row.get::<_, bool>(2)?,
                    row.get::<_, String>(3)?,
                ))
            })
            .expect("runs")
            .collect::<std::result::Result<Vec<_>, _>>()
            .expect("rows decode")
            .into_iter()
            .filter(|row| {
                programme.is_none_or(|programme| row.3.split(' ').any(|p| p == programme))
            })
            .map(|(key, tag, verified, _)| (key, tag, verified))
            .collect()
    }

    fn up(beat: &str) -> Vec<String> {
        if beat.starts_with("BSP-PS-00-") {
            vec![beat.to_owned(), "BSP-PS-00".to_owned()]
        } else {
            vec![beat.to_owned()]
        }
    }

    #[test]
    fn the_live_query_and_the_rule_over_every_row_count_the_same_people() {
        let store = store();
        for by in [CountedBy::Beat, CountedBy::Employee] {
            for programme in [None, Some("cyber_mitan"), Some("police_mitan")] {
                let live = Tallied {
                    counts: match by {
                        CountedBy::Beat => store.count_by_beat(Window::ALL, programme, None),
                        CountedBy::Employee => {
                            store.count_by_employee(Window::ALL, programme, None)
                        }
                    }
                    .expect("counts"),
                    shared: store
                        .shared_phone_entries(by, Window::ALL, programme, None)
                        .expect("shared phones"),
                };
                let rows = every_row(&store, by, programme);
                let whole = Tallied::of_entries(rows.iter().map(|(key, tag, verified)| Entry {
                    key,
                    tag: tag.as_deref(),
                    verified: *verified,
                }));
                assert_eq!(
                    people::count(&live, up),
                    people::count(&whole, up),
                    "{by:?} {programme:?}"
                );
            }
        }
        let live = Tallied {
            counts: store
                .count_by_beat(Window::ALL, None, None)
                .expect("counts"),
            shared: store
                .shared_phone_entries(CountedBy::Beat, Window::ALL, None, None)
                .expect("shared phones"),
        };
        let counted = people::count(&live, up);
        // Sunita once in each beat and once at the station; Ramesh twice in the first beat.
        let people = |enrolled, verified, duplicates| people::People {
            enrolled,
            verified,
            duplicates,
        };
        assert_eq!(counted["BSP-PS-00-B01"], people(2, 1, 2));
        assert_eq!(counted["BSP-PS-00-B02"], people(2, 1, 0));
        assert_eq!(counted["BSP-PS-00"], people(3, 1, 3));
    }

    #[test]
    fn shared_phones_are_found_in_the_phone_tag_index_and_no_table_is_scanned() {
        let store = store();
        let beats = ["BSP-PS-00-B01".to_owned()];
        for by in [CountedBy::Beat, CountedBy::Employee] {
            for keys in [None, Some(&beats[..])] {
                let within = Within::new(keys).expect("a list");
                let sql = format!("EXPLAIN QUERY PLAN {}", shared_phone_sql(by, &within));
                let mut statement = store.connection.prepare(&sql).expect("plan prepares");
                let plan: Vec<String> = statement
                    .query_map(&within.params(&[&0, &1, &None::<String>])[..], |row| {
                        row.get::<_, String>(3)
                    })
                    .expect("plan runs")
                    .collect::<std::result::Result<_, _>>()
                    .expect("plan rows decode");
                assert!(
                    plan.iter().any(|step| step.starts_with(
                        "SEARCH volunteer USING COVERING INDEX volunteer_active_by_phone_tag"
                    ) || step.starts_with(
                        "SCAN volunteer USING COVERING INDEX volunteer_active_by_phone_tag"
                    )),
                    "{by:?} {keys:?}: {plan:?}"
                );
                assert!(
                    !plan
                        .iter()
                        .any(|step| step == "SCAN v" || step == "SCAN volunteer"),
                    "{by:?} {keys:?}: {plan:?}"
                );
            }
        }
    }
}
