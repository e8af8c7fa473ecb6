//! Administration: a district's hierarchy and users imported from CSV, campaigns and targets.
//!
//! An import is all or nothing: every row is checked on its own, then against the database and
//! the rows above it, and if any row is bad every problem is reported (line, column, a stable
//! code and a reason, up to [`LISTED_PROBLEMS`] of them) while nothing of the file is stored.
//!
//! Hierarchy file, header first (order of columns free, `lgd_code` and `households` optional):
//!
//! ```text
//! kind,code,parent,name_hi,name_en,lgd_code,households
//! station,BSP-PS-KONI,BSP-C1,कोनी,Koni,,
//! beat,BSP-PS-KONI-B01,BSP-PS-KONI,बीट 1,Beat 1,,
//! village,BSP-V-KONI,BSP-PS-KONI-B01,कोनी,Koni,434521,812
//! ```
//!
//! A parent must exist already or come earlier in the file. Users file:
//!
//! ```text
//! badge,name,role,unit,beats,phone,gender,rank,listed
//! CG-1042,Ramesh Sahu,constable,BSP-PS-KONI,BSP-PS-KONI-B01;BSP-PS-KONI-B02,9876543210,male,constable,yes
//! ```
//!
//! `phone`, `gender`, `rank` and `listed` are optional: a member of staff's contact for group
//! lists (`crate::groups`), checked like a volunteer's phone; `listed` is their consent to be
//! put in group lists (`yes` or `no`, no if blank).

use std::collections::HashMap;

use clap::{ArgGroup, Args};
use mitan_core::model::validate::{MAX_LABEL_CHARS, clean_label};
use mitan_core::model::{
    BadgeNumber, Field, InvalidCode, LgdCode, Programme, Unit, UnitCode, UnitKind,
};
use serde::{Deserialize, Serialize};

use crate::auth::Role;
use crate::error::{Error, Problem, Result, quote};
pub use crate::error::{ProblemDetail, RowProblem};
use crate::reports::window::Day;
use crate::store::{ServerStore, User};

/// How many problems a refused import lists; the rest are only counted. A district file has
/// about 2,000 rows, and a file wrong throughout (a shifted column, the wrong sheet) would
/// otherwise answer with thousands of near-identical lines.
pub const LISTED_PROBLEMS: usize = 200;

/// What an import stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImportSummary {
    /// Units added or replaced (villages included).
    pub units: u64,
    /// Of which villages.
    pub villages: u64,
    /// Users added or replaced.
    pub users: u64,
}

/// One hierarchy row, read and checked on its own; the store checks it against the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HierarchyRow {
    /// The line in the file.
    pub line: u64,
    /// The unit.
    pub unit: Unit,
    /// How many households a village has, if known.
    pub households: Option<u32>,
}

/// One user row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    /// The line in the file.
    pub line: u64,
    /// The user.
    pub user: User,
    /// Their contact for group lists, when the file has the contact columns (`phone`,
    /// `rank`, and optionally `gender` and `listed`): `Some(None)` removes a contact the
    /// row no longer gives; `None` leaves whatever is stored.
    pub contact: Option<Option<crate::groups::StaffContact>>,
}

/// The refusal of a file with these problems, in line order and capped; `Ok` if there are none.
fn refuse_if_any(mut problems: Vec<RowProblem>) -> Result<()> {
    if problems.is_empty() {
        return Ok(());
    }
    // Problems are found in passes (each row on its own, then against the hierarchy); an admin
    // reads them top to bottom of the file. The sort is stable, so a row's columns keep order.
    problems.sort_by_key(|problem| problem.line);
    let more = problems.len().saturating_sub(LISTED_PROBLEMS);
    problems.truncate(LISTED_PROBLEMS);
    Err(Error::BadRows { problems, more })
}

/// The store still checks every row inside its transaction and stops at the first it refuses;
/// that refusal is reported in the same shape as the others.
fn as_bad_rows(error: Error) -> Error {
    match error {
        Error::BadRow {
            line,
            field,
            code,
            reason,
        } => Error::BadRows {
            problems: vec![RowProblem::new(line, field, code, reason)],
            more: 0,
        },
        other => other,
    }
}

/// A CSV file with named columns, and the rows that could not be read as CSV.
struct Sheet {
    columns: HashMap<String, usize>,
    /// Each row with its line, and whether its number of fields is wrong (already a problem).
    records: Vec<(u64, csv::StringRecord, bool)>,
    problems: Vec<RowProblem>,
}

impl Sheet {
    /// Reads the file; a header without the required columns refuses it outright, since no row
    /// can be read without them.
    fn read(text: &str, required: &[&'static str]) -> Result<Sheet> {
        // A spreadsheet saved as "CSV UTF-8" starts with a byte order mark.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        // Flexible, so that a row with a wrong number of fields is still read: it is reported
        // with the others, and its code still counts for duplicates and children below it.
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let headers = reader
            .headers()
            .map_err(|error| Error::BadRows {
                problems: vec![RowProblem::new(
                    1,
                    "header",
                    "malformed_csv",
                    error.to_string(),
                )],
                more: 0,
            })?
            .clone();
        let columns: HashMap<String, usize> = headers
            .iter()
            .enumerate()
            .map(|(index, name)| (name.to_ascii_lowercase(), index))
            .collect();
        let missing: Vec<RowProblem> = required
            .iter()
            .filter(|column| !columns.contains_key(**column))
            .map(|column| {
                RowProblem::new(
                    1,
                    column,
                    "missing_column",
                    format!("the header has no {column} column"),
                )
            })
            .collect();
        refuse_if_any(missing)?;
        let mut records = Vec::new();
        let mut problems = Vec::new();
        for record in reader.records() {
            let record = match record {
                Ok(record) => record,
                Err(error) => {
                    // A flexible reader over UTF-8 text in memory has no error left to give
                    // (the csv crate is lenient even with quotes); should one come anyway, the
                    // reader's position after it cannot be trusted to split rows.
                    let line = error.position().map_or(0, csv::Position::line);
                    problems.push(RowProblem::new(
                        line,
                        "row",
                        "malformed_csv",
                        format!("{error}; the rest of the file was not read"),
                    ));
                    break;
                }
            };
            let line = record.position().map_or(0, csv::Position::line);
            if record.iter().all(str::is_empty) {
                continue;
            }
            let malformed = record.len() != headers.len();
            if malformed {
                problems.push(RowProblem::new(
                    line,
                    "row",
                    "malformed_csv",
                    format!(
                        "the row has {} field(s), the header has {}",
                        record.len(),
                        headers.len()
                    ),
                ));
            }
            records.push((line, record, malformed));
        }
        Ok(Sheet {
            columns,
            records,
            problems,
        })
    }

    /// Whether the header has `column`.
    fn has(&self, column: &str) -> bool {
        self.columns.contains_key(column)
    }

    fn get<'r>(&self, record: &'r csv::StringRecord, column: &str) -> &'r str {
        self.columns
            .get(column)
            .and_then(|index| record.get(*index))
            .unwrap_or("")
    }
}

type Checked<T> = std::result::Result<T, RowProblem>;

/// A typed text of a row refused by the core's validation, with the core's code.
fn typed_problem(line: u64, field: &'static str, code: InvalidCode) -> RowProblem {
    RowProblem::new(
        line,
        field,
        code.as_str(),
        format!("{field} is refused: {code}"),
    )
}

fn required<'a>(line: u64, field: &'static str, value: &'a str) -> Checked<&'a str> {
    if value.is_empty() {
        Err(RowProblem::new(
            line,
            field,
            "required",
            format!("{field} is empty"),
        ))
    } else {
        Ok(value)
    }
}

fn code_at(line: u64, field: &'static str, value: &str) -> Checked<UnitCode> {
    required(line, field, value)?.parse().map_err(|_| {
        RowProblem::new(
            line,
            field,
            "bad_format",
            format!("{} is not a unit code", quote(value)),
        )
    })
}

/// Keeps the value, or the problem for the report; `None` either way tells the caller the row
/// cannot be built.
fn keep<T>(problems: &mut Vec<RowProblem>, checked: Checked<T>) -> Option<T> {
    checked.map_err(|problem| problems.push(problem)).ok()
}

/// A hierarchy file read row by row: the rows good on their own, and the problems of the rest.
struct HierarchySheet {
    rows: Vec<HierarchyRow>,
    problems: Vec<RowProblem>,
    /// The first line of each code in the file, good row or not.
    first_lines: HashMap<UnitCode, u64>,
}

fn read_hierarchy(text: &str) -> Result<HierarchySheet> {
    let mut sheet = Sheet::read(text, &["kind", "code", "parent", "name_hi", "name_en"])?;
    let mut rows = Vec::with_capacity(sheet.records.len());
    let mut problems = std::mem::take(&mut sheet.problems);
    let mut first_lines = HashMap::new();
    for (line, record, malformed) in &sheet.records {
        let line = *line;
        if *malformed {
            // Its columns cannot be trusted, so its fields are not judged; its code, if it
            // reads as one, still counts, so that its children are not each reported as
            // orphans and a second row with the same code is still caught.
            if let Ok(code) = sheet.get(record, "code").parse::<UnitCode>() {
                first_lines.entry(code).or_insert(line);
            }
            continue;
        }
        let problems_before = problems.len();
        let kind_text = sheet.get(record, "kind");
        let kind = keep(
            &mut problems,
            required(line, "kind", kind_text).and_then(|text| {
                text.to_ascii_lowercase().parse::<UnitKind>().map_err(|_| {
                    RowProblem::new(
                        line,
                        "kind",
                        "unknown_kind",
                        format!("unknown unit kind {}", quote(kind_text)),
                    )
                })
            }),
        );
        let code = keep(
            &mut problems,
            code_at(line, "code", sheet.get(record, "code")),
        );
        if let Some(code) = &code {
            if let Some(first) = first_lines.get(code) {
                problems.push(RowProblem::new(
                    line,
                    "code",
                    "duplicate_code",
                    format!("{code} appears twice in the file, first on line {first}"),
                ));
            } else {
                first_lines.insert(code.clone(), line);
            }
        }
        let parent_text = sheet.get(record, "parent");
        let parent = if parent_text.is_empty() {
            Some(None)
        } else {
            keep(&mut problems, code_at(line, "parent", parent_text)).map(Some)
        };
        let lgd_text = sheet.get(record, "lgd_code");
        let lgd_code = if lgd_text.is_empty() {
            Some(None)
        } else {
            keep(
                &mut problems,
                lgd_text.parse::<LgdCode>().map(Some).map_err(|_| {
                    RowProblem::new(
                        line,
                        "lgd_code",
                        "bad_lgd_code",
                        format!("{} is not a 6-digit LGD code", quote(lgd_text)),
                    )
                }),
            )
        };
        let households_text = sheet.get(record, "households");
        let households = if households_text.is_empty() {
            Some(None)
        } else {
            keep(
                &mut problems,
                households_text.parse::<u32>().map(Some).map_err(|_| {
                    RowProblem::new(
                        line,
                        "households",
                        "bad_number",
                        format!("{} is not a count", quote(households_text)),
                    )
                }),
            )
        };
        if matches!(households, Some(Some(_))) && kind.is_some_and(|kind| kind != UnitKind::Village)
        {
            problems.push(RowProblem::new(
                line,
                "households",
                "not_a_village",
                "only villages have households",
            ));
        }
        if problems.len() > problems_before {
            continue;
        }
        let (Some(kind), Some(code), Some(parent), Some(lgd_code), Some(households)) =
            (kind, code, parent, lgd_code, households)
        else {
            // Every `None` above pushed a problem, so the row was skipped already.
            continue;
        };
        let mut unit = Unit {
            kind,
            code,
            name_hi: sheet.get(record, "name_hi").to_owned(),
            name_en: sheet.get(record, "name_en").to_owned(),
            parent,
            lgd_code,
        };
        if let Err((column, invalid)) = unit.clean_names() {
            problems.push(typed_problem(line, column, invalid.code));
            continue;
        }
        // `Unit::check` holds the model's rules and stops at the first; which column it refused
        // is told from the unit, so the admin is pointed at a column they can fix.
        if unit.check().is_err() {
            let (field, code, reason) = match (kind, lgd_code, &unit.parent) {
                (UnitKind::Village, None, _) => (
                    "lgd_code",
                    "required",
                    "a village needs its 6-digit LGD code".to_owned(),
                ),
                (_, Some(_), _) => (
                    "lgd_code",
                    "not_a_village",
                    format!("a {kind} has no LGD code, only villages do"),
                ),
                (_, _, None) => (
                    "parent",
                    "required",
                    format!("a {kind} needs a parent unit"),
                ),
                _ => (
                    "name_en",
                    "required",
                    "a unit needs a name in Hindi or English".to_owned(),
                ),
            };
            problems.push(RowProblem::new(line, field, code, reason));
            continue;
        }
        rows.push(HierarchyRow {
            line,
            unit,
            households,
        });
    }
    Ok(HierarchySheet {
        rows,
        problems,
        first_lines,
    })
}

/// Reads a hierarchy file into rows, each checked on its own; any bad row refuses the file,
/// listing every problem.
pub fn parse_hierarchy(text: &str) -> Result<Vec<HierarchyRow>> {
    let sheet = read_hierarchy(text)?;
    refuse_if_any(sheet.problems)?;
    Ok(sheet.rows)
}

/// The problems of rows good on their own that do not fit the hierarchy: a parent neither
/// stored nor on an earlier line, or of a kind the unit cannot sit under. These are the
/// store's rules, checked before its transaction so that they are reported with the rest.
fn hierarchy_problems(store: &ServerStore, sheet: &HierarchySheet) -> Result<Vec<RowProblem>> {
    let mut problems = Vec::new();
    // A unit written earlier in the same transaction replaces the stored one, so a parent on an
    // earlier line is judged by its kind in the file.
    let mut kinds_above: HashMap<&UnitCode, UnitKind> = HashMap::new();
    for row in &sheet.rows {
        let unit = &row.unit;
        if let Some(parent) = &unit.parent {
            let parent_kind = match kinds_above.get(parent) {
                Some(kind) => Some(*kind),
                None if sheet
                    .first_lines
                    .get(parent)
                    .is_some_and(|line| *line < row.line) =>
                {
                    // The parent's row is refused on its own; its children are judged once it
                    // is fixed rather than each reported as under an unknown parent.
                    None
                }
                None => match store.unit_kind(parent)? {
                    Some(kind) => Some(kind),
                    None => {
                        problems.push(RowProblem::new(
                            row.line,
                            "parent",
                            "unknown_parent",
                            format!("{parent} is neither stored nor on an earlier line"),
                        ));
                        None
                    }
                },
            };
            if let Some(parent_kind) = parent_kind
                && !unit.kind.may_sit_under(parent_kind)
            {
                problems.push(RowProblem::new(
                    row.line,
                    "parent",
                    "wrong_parent_kind",
                    format!("a {} cannot sit under a {parent_kind}", unit.kind),
                ));
            }
        }
        if sheet.first_lines.get(&unit.code) == Some(&row.line) {
            kinds_above.insert(&unit.code, unit.kind);
        }
    }
    Ok(problems)
}

/// A users file read row by row: the rows good on their own, and the problems of the rest.
struct UserSheet {
    rows: Vec<UserRow>,
    problems: Vec<RowProblem>,
}

fn read_users(text: &str) -> Result<UserSheet> {
    let mut sheet = Sheet::read(text, &["badge", "name", "role", "unit"])?;
    let mut rows = Vec::with_capacity(sheet.records.len());
    let mut problems = std::mem::take(&mut sheet.problems);
    let mut first_lines: HashMap<BadgeNumber, u64> = HashMap::new();
    for (line, record, malformed) in &sheet.records {
        let line = *line;
        if *malformed {
            // Its columns cannot be trusted; see `read_hierarchy`.
            if let Ok(badge) = sheet.get(record, "badge").parse::<BadgeNumber>() {
                first_lines.entry(badge).or_insert(line);
            }
            continue;
        }
        let problems_before = problems.len();
        let badge_text = sheet.get(record, "badge");
        let badge = keep(
            &mut problems,
            required(line, "badge", badge_text).and_then(|text| {
                text.parse::<BadgeNumber>().map_err(|_| {
                    RowProblem::new(
                        line,
                        "badge",
                        "bad_format",
                        format!("{} is not a badge number", quote(badge_text)),
                    )
                })
            }),
        );
        if let Some(badge) = &badge {
            if let Some(first) = first_lines.get(badge) {
                problems.push(RowProblem::new(
                    line,
                    "badge",
                    "duplicate_badge",
                    format!("{badge} appears twice in the file, first on line {first}"),
                ));
            } else {
                first_lines.insert(badge.clone(), line);
            }
        }
        let name = keep(
            &mut problems,
            required(line, "name", sheet.get(record, "name")).and_then(|typed| {
                clean_label(Field::EmployeeName, typed, MAX_LABEL_CHARS)
                    .map_err(|invalid| typed_problem(line, "name", invalid.code))
            }),
        );
        let role_text = sheet.get(record, "role");
        let role = keep(
            &mut problems,
            required(line, "role", role_text).and_then(|text| {
                text.parse::<Role>().map_err(|_| {
                    RowProblem::new(
                        line,
                        "role",
                        "unknown_role",
                        format!("unknown role {}", quote(role_text)),
                    )
                })
            }),
        );
        let unit = keep(
            &mut problems,
            code_at(line, "unit", sheet.get(record, "unit")),
        );
        let contact = if sheet.has("phone") || sheet.has("rank") {
            match crate::groups::StaffContact::parse(
                sheet.get(record, "phone"),
                sheet.get(record, "gender"),
                sheet.get(record, "rank"),
                sheet.get(record, "listed"),
            ) {
                Ok(contact) => Some(contact),
                Err(refused) => {
                    for (column, reason) in refused {
                        problems.push(RowProblem::new(line, column, "bad_contact", reason));
                    }
                    None
                }
            }
        } else {
            None
        };
        let beats: Vec<Option<UnitCode>> = sheet
            .get(record, "beats")
            .split([';', ' '])
            .filter(|beat| !beat.is_empty())
            .map(|beat| keep(&mut problems, code_at(line, "beats", beat)))
            .collect();
        if problems.len() > problems_before {
            continue;
        }
        let (Some(badge), Some(name), Some(role), Some(unit), Some(beats)) = (
            badge,
            name,
            role,
            unit,
            beats.into_iter().collect::<Option<Vec<_>>>(),
        ) else {
            continue;
        };
        rows.push(UserRow {
            line,
            user: User {
                badge,
                name,
                role,
                unit,
                beats,
            },
            contact,
        });
    }
    Ok(UserSheet { rows, problems })
}

/// Reads a users file into rows, each checked on its own; any bad row refuses the file,
/// listing every problem.
pub fn parse_users(text: &str) -> Result<Vec<UserRow>> {
    let sheet = read_users(text)?;
    refuse_if_any(sheet.problems)?;
    Ok(sheet.rows)
}

/// The problems of user rows good on their own that do not fit the stored hierarchy, with the
/// rules of [`ServerStore::save_user`]: a unit that exists and suits the role, and beats only
/// for a constable, each under the constable's unit.
fn user_problems(store: &ServerStore, rows: &[UserRow]) -> Result<Vec<RowProblem>> {
    let mut problems = Vec::new();
    for row in rows {
        let user = &row.user;
        let line = row.line;
        let unit_kind = store.unit_kind(&user.unit)?;
        match unit_kind {
            None => problems.push(RowProblem::new(
                line,
                "unit",
                "unknown_unit",
                format!("{} is not stored", user.unit),
            )),
            Some(kind) if kind != user.role.unit_kind() => problems.push(RowProblem::new(
                line,
                "unit",
                "wrong_unit_kind",
                format!(
                    "a {} belongs to a {}, not a {kind}",
                    user.role,
                    user.role.unit_kind()
                ),
            )),
            Some(_) => {}
        }
        if user.role != Role::Constable && !user.beats.is_empty() {
            problems.push(RowProblem::new(
                line,
                "beats",
                "beats_for_constables_only",
                format!("only constables work beats, not a {}", user.role),
            ));
            continue;
        }
        // Under an unknown unit every beat would be refused too; one problem says it.
        if unit_kind.is_none() {
            continue;
        }
        for beat in &user.beats {
            if store.unit_kind(beat)? != Some(UnitKind::Beat)
                || !store.unit_is_within(beat, &user.unit)?
            {
                problems.push(RowProblem::new(
                    line,
                    "beats",
                    "not_a_beat_of_unit",
                    format!("{beat} is not a beat of {}", user.unit),
                ));
            }
        }
    }
    Ok(problems)
}

/// The problems of hierarchy rows that reach outside what `by` administers: a unit already
/// stored outside their units (another district's, or one above theirs), a parent outside
/// them, or a unit without a parent (a new top of the hierarchy, the operator's to add). A
/// parent on an earlier line is judged on its own line.
fn hierarchy_reach_problems(
    store: &ServerStore,
    by: &User,
    sheet: &HierarchySheet,
) -> Result<Vec<RowProblem>> {
    let mut problems = Vec::new();
    for row in &sheet.rows {
        let unit = &row.unit;
        if store.unit_kind(&unit.code)?.is_some()
            && !crate::ops::Policy::reaches(store, by, &unit.code)?
        {
            problems.push(RowProblem::new(
                row.line,
                "code",
                "outside_your_units",
                format!("{} is outside {}", unit.code, by.unit),
            ));
            continue;
        }
        match &unit.parent {
            None => problems.push(RowProblem::new(
                row.line,
                "parent",
                "outside_your_units",
                format!(
                    "a unit without a parent would sit above {}; the operator adds it",
                    by.unit
                ),
            )),
            Some(parent)
                if sheet
                    .first_lines
                    .get(parent)
                    .is_some_and(|line| *line < row.line) => {}
            Some(parent) => {
                if store.unit_kind(parent)?.is_some()
                    && !crate::ops::Policy::reaches(store, by, parent)?
                {
                    problems.push(RowProblem::new(
                        row.line,
                        "parent",
                        "outside_your_units",
                        format!("{parent} is outside {}", by.unit),
                    ));
                }
            }
        }
    }
    Ok(problems)
}

/// The problems of user rows that reach outside what `by` administers: a user placed outside
/// their units (a state role is placed by those who hold the state), or a badge already
/// stored for someone outside them, who would be moved in.
fn user_reach_problems(
    store: &ServerStore,
    by: &User,
    rows: &[UserRow],
) -> Result<Vec<RowProblem>> {
    let mut problems = Vec::new();
    for row in rows {
        let user = &row.user;
        if store.unit_kind(&user.unit)?.is_some()
            && !crate::ops::Policy::reaches(store, by, &user.unit)?
        {
            problems.push(RowProblem::new(
                row.line,
                "unit",
                "outside_your_units",
                format!("{} is outside {}", user.unit, by.unit),
            ));
            continue;
        }
        if let Some(stored) = store.load_user(&user.badge)?
            && !crate::ops::Policy::reaches(store, by, &stored.unit)?
        {
            problems.push(RowProblem::new(
                row.line,
                "badge",
                "outside_your_units",
                format!(
                    "{} belongs to {}, outside {}",
                    user.badge, stored.unit, by.unit
                ),
            ));
        }
    }
    Ok(problems)
}

/// Imports a hierarchy file as the operator at the database, who holds every unit; nothing is
/// stored unless every row is good, and a refusal lists every problem found.
pub fn import_hierarchy(store: &mut ServerStore, text: &str) -> Result<ImportSummary> {
    import_hierarchy_within(store, None, text)
}

/// Imports a hierarchy file for `by`, whose units every row must stay within.
pub fn import_hierarchy_by(
    store: &mut ServerStore,
    by: &User,
    text: &str,
) -> Result<ImportSummary> {
    import_hierarchy_within(store, Some(by), text)
}

fn import_hierarchy_within(
    store: &mut ServerStore,
    by: Option<&User>,
    text: &str,
) -> Result<ImportSummary> {
    let sheet = read_hierarchy(text)?;
    let mut problems = hierarchy_problems(store, &sheet)?;
    if let Some(by) = by {
        problems.extend(hierarchy_reach_problems(store, by, &sheet)?);
    }
    problems.extend(sheet.problems);
    refuse_if_any(problems)?;
    store.save_hierarchy_rows(&sheet.rows).map_err(as_bad_rows)
}

/// Imports a users file as the operator at the database; nothing is stored unless every row
/// is good, and a refusal lists every problem found.
pub fn import_users(store: &mut ServerStore, text: &str, now_ms: i64) -> Result<ImportSummary> {
    import_users_within(store, None, text, now_ms)
}

/// Imports a users file for `by`, whose units every user must be placed within: a district
/// admin adds the district's staff, a state admin the state's, its ranges' and its districts'.
pub fn import_users_by(
    store: &mut ServerStore,
    by: &User,
    text: &str,
    now_ms: i64,
) -> Result<ImportSummary> {
    import_users_within(store, Some(by), text, now_ms)
}

fn import_users_within(
    store: &mut ServerStore,
    by: Option<&User>,
    text: &str,
    now_ms: i64,
) -> Result<ImportSummary> {
    let sheet = read_users(text)?;
    let mut problems = user_problems(store, &sheet.rows)?;
    if let Some(by) = by {
        problems.extend(user_reach_problems(store, by, &sheet.rows)?);
    }
    problems.extend(sheet.problems);
    refuse_if_any(problems)?;
    store
        .save_user_rows(&sheet.rows, now_ms)
        .map_err(as_bad_rows)
}

/// A campaign as set by a district admin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Args, utoipa::ToSchema)]
#[group(skip)]
pub struct CampaignSpec {
    /// Its code, e.g. `cyber-mitan-2025` (2-48 letters, digits, - or _).
    #[arg(long)]
    pub code: String,
    /// Its name.
    #[arg(long)]
    pub name: String,
    /// The programme it counts; every programme if absent.
    #[serde(default)]
    #[arg(long)]
    pub programme: Option<String>,
    /// First day, `YYYY-MM-DD`.
    #[arg(long)]
    pub starts_on: String,
    /// Last day, included.
    #[arg(long)]
    pub ends_on: String,
    /// The unit whose campaign it is: a district (its own drive), or a range, zone or state
    /// whose campaign sets targets for every district under it. The caller's own unit if
    /// absent (at the database: the district, or the top of a hierarchy of several).
    #[serde(default)]
    #[arg(long)]
    pub unit: Option<String>,
}

/// A campaign as stored, with its window checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Campaign {
    /// Its code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// The programme counted, or every programme.
    pub programme: Option<Programme>,
    /// First day.
    pub starts_on: Day,
    /// Last day, included.
    pub ends_on: Day,
    /// The unit it belongs to.
    pub unit: Option<UnitCode>,
}

/// Checks a campaign as given.
pub fn check_campaign(spec: &CampaignSpec) -> Result<Campaign> {
    let code = spec.code.trim();
    let well_formed = (2..=48).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !well_formed {
        return Err(Error::invalid(
            "code",
            Problem::unreadable(&spec.code, "a campaign code (2-48 letters, digits, - or _)"),
        ));
    }
    if spec.name.trim().is_empty() {
        return Err(Error::invalid("name", Problem::Missing { what: "a name" }));
    }
    let name = clean_label(Field::CampaignName, &spec.name, MAX_LABEL_CHARS)
        .map_err(|invalid| Error::invalid("name", Problem::Core(invalid.code)))?;
    let programme = spec
        .programme
        .as_deref()
        .filter(|text| !text.trim().is_empty())
        .map(|text| {
            text.parse::<Programme>().map_err(|_| {
                Error::invalid("programme", Problem::unreadable(text, "a programme code"))
            })
        })
        .transpose()?;
    let starts_on: Day = spec.starts_on.parse().map_err(|_| {
        Error::invalid(
            "starts_on",
            Problem::unreadable(&spec.starts_on, "a date (YYYY-MM-DD)"),
        )
    })?;
    let ends_on: Day = spec.ends_on.parse().map_err(|_| {
        Error::invalid(
            "ends_on",
            Problem::unreadable(&spec.ends_on, "a date (YYYY-MM-DD)"),
        )
    })?;
    if ends_on < starts_on {
        return Err(Error::invalid(
            "ends_on",
            Problem::EndsBeforeStart {
                starts: starts_on.to_string(),
                ends: ends_on.to_string(),
            },
        ));
    }
    let unit = spec
        .unit
        .as_deref()
        .map(str::trim)
        .filter(|text| !text.is_empty())
        .map(|text| crate::ops::parse_unit("unit", text))
        .transpose()?;
    Ok(Campaign {
        code: code.to_owned(),
        name,
        programme,
        starts_on,
        ends_on,
        unit,
    })
}

/// Refuses a campaign's unit unless it is a district or a unit above one: a campaign is a
/// district's own drive, or a range's, zone's or state's for the districts under it.
fn check_campaign_unit(store: &ServerStore, unit: &UnitCode) -> Result<()> {
    match store.unit_kind(unit)? {
        None => Err(Error::NotFound {
            what: "unit",
            id: unit.to_string(),
        }),
        Some(kind) if kind > UnitKind::District => Err(Error::invalid(
            "unit",
            Problem::unreadable(
                unit.as_str(),
                "a district, range, zone or state (a campaign belongs to one)",
            ),
        )),
        Some(_) => Ok(()),
    }
}

/// Checks a campaign and adds or replaces it, as the operator at the database: a campaign
/// naming no unit belongs to the district (or the top of a hierarchy of several).
pub fn set_campaign(
    store: &mut ServerStore,
    spec: &CampaignSpec,
    set_by: &str,
    now_ms: i64,
) -> Result<Campaign> {
    let mut campaign = check_campaign(spec)?;
    if campaign.unit.is_none() {
        campaign.unit = store.default_campaign_unit()?;
    }
    if let Some(unit) = &campaign.unit {
        check_campaign_unit(store, unit)?;
    }
    store.save_campaign(&campaign, set_by, now_ms)?;
    Ok(campaign)
}

/// Whether `user` administers the campaign of `unit` (`None`: set before campaigns belonged
/// to units, so the whole hierarchy's, which only an administrator of its top reaches).
fn administers_campaign_of(store: &ServerStore, user: &User, unit: Option<&str>) -> Result<bool> {
    match unit {
        Some(unit) => {
            crate::ops::Policy::reaches(store, user, &crate::ops::parse_unit("unit", unit)?)
        }
        None => Ok(store
            .load_units()?
            .iter()
            .any(|row| row.parent.is_none() && row.code == user.unit.as_str())),
    }
}

/// Whether `user` sees the campaign of `unit`: their own units' and those above them (a
/// state's campaign is every district's), or one of the whole hierarchy.
pub fn campaign_visible(store: &ServerStore, user: &User, unit: Option<&str>) -> Result<bool> {
    let Some(unit) = unit else {
        return Ok(true);
    };
    let unit = crate::ops::parse_unit("unit", unit)?;
    Ok(store.unit_is_within(&unit, &user.unit)? || store.unit_is_within(&user.unit, &unit)?)
}

/// Checks a campaign and adds or replaces it for `user`: a campaign of their own unit unless
/// it names another within it. A campaign already stored under the same code belongs to its
/// unit's administrators, and is refused to the rest.
pub fn set_campaign_by(
    store: &mut ServerStore,
    user: &User,
    spec: &CampaignSpec,
    set_by: &str,
    now_ms: i64,
) -> Result<Campaign> {
    let mut campaign = check_campaign(spec)?;
    let unit = campaign.unit.clone().unwrap_or_else(|| user.unit.clone());
    check_campaign_unit(store, &unit)?;
    crate::ops::Policy::check(store, user, crate::ops::Permission::Administer, Some(&unit))?;
    if let Some(stored) = store.load_campaign(&campaign.code)?
        && !administers_campaign_of(store, user, stored.unit.as_deref())?
    {
        return Err(Error::Forbidden {
            reason: format!(
                "campaign {} belongs to {}",
                stored.code,
                stored.unit.as_deref().unwrap_or("the whole hierarchy")
            ),
        });
    }
    campaign.unit = Some(unit);
    store.save_campaign(&campaign, set_by, now_ms)?;
    Ok(campaign)
}

/// A campaign as listed, with its explicit targets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CampaignView {
    /// The campaign.
    #[serde(flatten)]
    pub campaign: CampaignSpec,
    /// Its explicit targets.
    pub targets: Vec<TargetSpec>,
}

/// Every campaign with its explicit targets, newest first, as the operator sees them.
pub fn load_campaigns(store: &ServerStore) -> Result<Vec<CampaignView>> {
    campaign_views(store, None)
}

/// The campaigns `user` sees (their units' and those above them), each with the targets set
/// within their units, newest first.
pub fn load_campaigns_for(store: &ServerStore, user: &User) -> Result<Vec<CampaignView>> {
    campaign_views(store, Some(user))
}

fn campaign_views(store: &ServerStore, user: Option<&User>) -> Result<Vec<CampaignView>> {
    let mut seen = Vec::new();
    for campaign in store.load_campaigns()? {
        if let Some(user) = user
            && !campaign_visible(store, user, campaign.unit.as_deref())?
        {
            continue;
        }
        seen.push(campaign);
    }
    let employees: HashMap<String, String> = match user {
        Some(_) => store
            .load_employees()?
            .into_iter()
            .map(|employee| (employee.badge, employee.unit))
            .collect(),
        None => HashMap::new(),
    };
    let tree = match user {
        Some(_) => Some(crate::reports::Tree::load(store)?),
        None => None,
    };
    let reach: Option<std::collections::HashSet<String>> = match (user, &tree) {
        (Some(user), Some(tree)) => Some(
            crate::reports::Scope::of(user, tree)
                .units()
                .iter()
                .cloned()
                .collect(),
        ),
        _ => None,
    };
    seen.into_iter()
        .map(|campaign| {
            let targets = store
                .load_targets(&campaign.code)?
                .into_iter()
                .filter(|target| {
                    let Some(reach) = &reach else {
                        return true;
                    };
                    let unit = if target.subject_kind == "unit" {
                        Some(&target.subject)
                    } else {
                        employees.get(&target.subject)
                    };
                    unit.is_some_and(|unit| reach.contains(unit))
                })
                .map(|target| {
                    let unit = target.subject_kind == "unit";
                    TargetSpec {
                        campaign: campaign.code.clone(),
                        unit: unit.then(|| target.subject.clone()),
                        badge: (!unit).then_some(target.subject),
                        volunteers: target.volunteers,
                    }
                })
                .collect();
            Ok(CampaignView {
                campaign: CampaignSpec {
                    code: campaign.code,
                    name: campaign.name,
                    programme: campaign.programme,
                    starts_on: campaign.starts_on,
                    ends_on: campaign.ends_on,
                    unit: campaign.unit,
                },
                targets,
            })
        })
        .collect()
}

/// An explicit target: for a unit or for an employee (by badge), in one campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Args, utoipa::ToSchema)]
#[group(skip)]
#[command(group(ArgGroup::new("subject").required(true).args(["unit", "badge"])))]
pub struct TargetSpec {
    /// The campaign's code.
    #[arg(long)]
    pub campaign: String,
    /// A unit code (any level); give this or `badge`.
    #[serde(default)]
    #[arg(long)]
    pub unit: Option<String>,
    /// An employee's badge; give this or `unit`.
    #[serde(default)]
    #[arg(long)]
    pub badge: Option<String>,
    /// How many volunteers.
    #[arg(long)]
    pub volunteers: u32,
}

/// What a target is set on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetSubject {
    /// A unit.
    Unit(UnitCode),
    /// An employee.
    Employee(BadgeNumber),
}

/// Checks a target for `user` and saves it: the campaign must be one they see, and the
/// target's unit (or employee's unit) within both their units and the campaign's. A campaign
/// of a unit above theirs sets their own unit's target from above: they split it among the
/// units under them, and leave their own to those who set the campaign.
pub fn set_target_by(
    store: &mut ServerStore,
    user: &User,
    spec: &TargetSpec,
    set_by: &str,
    now_ms: i64,
) -> Result<()> {
    let campaign = store
        .load_campaign(&spec.campaign)?
        .ok_or_else(|| Error::NotFound {
            what: "campaign",
            id: spec.campaign.clone(),
        })?;
    if !campaign_visible(store, user, campaign.unit.as_deref())? {
        return Err(Error::Forbidden {
            reason: format!(
                "campaign {} belongs to {}, neither above nor within {}",
                campaign.code,
                campaign.unit.as_deref().unwrap_or("?"),
                user.unit
            ),
        });
    }
    let subject_unit: UnitCode = match (&spec.unit, &spec.badge) {
        (Some(unit), None) => crate::ops::parse_unit("unit", unit)?,
        (None, Some(badge)) => {
            let badge = crate::auth::parse_badge(badge)?;
            store
                .load_user(&badge)?
                .ok_or_else(|| Error::NotFound {
                    what: "user",
                    id: badge.to_string(),
                })?
                .unit
        }
        // `set_target` names the problem.
        _ => return set_target(store, spec, set_by, now_ms),
    };
    if store.unit_kind(&subject_unit)?.is_some() {
        crate::ops::Policy::check(
            store,
            user,
            crate::ops::Permission::Administer,
            Some(&subject_unit),
        )?;
        // That the unit lies within the campaign's own is `set_target`'s to check, for the
        // operator at the database too.
        if let Some(owner) = campaign.unit.as_deref() {
            let owner = crate::ops::parse_unit("unit", owner)?;
            if spec.unit.is_some() && subject_unit == user.unit && owner != user.unit {
                return Err(Error::Forbidden {
                    reason: format!(
                        "the target of {subject_unit} in {}'s campaign {} is set by {owner}",
                        owner, campaign.code
                    ),
                });
            }
        }
    }
    set_target(store, spec, set_by, now_ms)
}

/// Checks a target against the store and saves it, as the operator at the database: the unit
/// (or the employee's unit) must exist and lie within the campaign's unit, so a district's
/// campaign never carries a target for another district's station.
pub fn set_target(
    store: &mut ServerStore,
    spec: &TargetSpec,
    set_by: &str,
    now_ms: i64,
) -> Result<()> {
    let subject = match (&spec.unit, &spec.badge) {
        (Some(unit), None) => {
            let code = crate::ops::parse_unit("unit", unit)?;
            match store.unit_kind(&code)? {
                None => {
                    return Err(Error::NotFound {
                        what: "unit",
                        id: code.to_string(),
                    });
                }
                Some(kind @ UnitKind::Village) => {
                    return Err(Error::invalid(
                        "unit",
                        Problem::NotReported {
                            unit: code.to_string(),
                            kind: kind.to_string(),
                        },
                    ));
                }
                Some(_) => {}
            }
            TargetSubject::Unit(code)
        }
        (None, Some(badge)) => {
            let badge = crate::auth::parse_badge(badge)?;
            if store.load_user(&badge)?.is_none() {
                return Err(Error::NotFound {
                    what: "user",
                    id: badge.to_string(),
                });
            }
            TargetSubject::Employee(badge)
        }
        _ => {
            return Err(Error::invalid(
                "unit",
                Problem::ExactlyOne {
                    of: "unit and badge",
                },
            ));
        }
    };
    let campaign = store
        .load_campaign(&spec.campaign)?
        .ok_or_else(|| Error::NotFound {
            what: "campaign",
            id: spec.campaign.clone(),
        })?;
    if let Some(owner) = campaign.unit.as_deref() {
        let owner = crate::ops::parse_unit("unit", owner)?;
        let subject_unit = match &subject {
            TargetSubject::Unit(code) => code.clone(),
            TargetSubject::Employee(badge) => {
                store
                    .load_user(badge)?
                    .ok_or_else(|| Error::NotFound {
                        what: "user",
                        id: badge.to_string(),
                    })?
                    .unit
            }
        };
        if !store.unit_is_within(&subject_unit, &owner)? {
            return Err(Error::Forbidden {
                reason: format!(
                    "{subject_unit} is outside {owner}, whose campaign {} is",
                    campaign.code
                ),
            });
        }
    }
    store.save_target(&spec.campaign, &subject, spec.volunteers, set_by, now_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The (line, field, code) of every problem listed, and how many more there were.
    fn listed(
        result: Result<impl std::fmt::Debug>,
    ) -> (Vec<(u64, &'static str, &'static str)>, usize) {
        match result {
            Err(Error::BadRows { problems, more }) => (
                problems
                    .iter()
                    .map(|problem| (problem.line, problem.field, problem.code))
                    .collect(),
                more,
            ),
            other => panic!("expected bad rows, got {other:?}"),
        }
    }

    #[test]
    fn a_bad_lgd_code_is_reported_with_its_line_and_column() {
        let text = "kind,code,parent,name_hi,name_en,lgd_code\n\
                    station,S1,C1,स्टेशन,Station,\n\
                    village,V1,S1-B1,गाँव,Village,12AB56\n";
        assert_eq!(
            listed(parse_hierarchy(text)),
            (vec![(3, "lgd_code", "bad_lgd_code")], 0)
        );
    }

    #[test]
    fn every_bad_row_and_column_is_reported_in_line_order() {
        let text = "kind,code,parent,name_hi,name_en,lgd_code,households\n\
                    thana,S1,C1,स्टेशन,Station,,\n\
                    beat,S1-B1,S1,बीट,Beat,,\n\
                    village,V1,S1-B1,गाँव,Village,12AB56,many\n\
                    beat,S1-B1,S1,बीट,Beat,,\n\
                    village,V2,S1-B1,गाँव\n";
        assert_eq!(
            listed(parse_hierarchy(text)),
            (
                vec![
                    (2, "kind", "unknown_kind"),
                    (4, "lgd_code", "bad_lgd_code"),
                    (4, "households", "bad_number"),
                    (5, "code", "duplicate_code"),
                    (6, "row", "malformed_csv"),
                ],
                0
            )
        );
    }

    #[test]
    fn a_file_wrong_throughout_lists_the_first_problems_and_counts_the_rest() {
        let mut text = String::from("badge,name,role,unit\n");
        for index in 0..250 {
            text.push_str(&format!("CG-{index},Name {index},inspector,S1\n"));
        }
        let (problems, more) = listed(parse_users(&text));
        assert_eq!(problems.len(), LISTED_PROBLEMS);
        assert_eq!(problems[0], (2, "role", "unknown_role"));
        assert_eq!(more, 250 - LISTED_PROBLEMS);
    }

    #[test]
    fn a_quoted_name_with_a_comma_reads_whole() {
        let text = "kind,code,parent,name_hi,name_en\n\
                    station,S1,C1,\"कोनी, बिलासपुर\",\"Koni, Bilaspur\"\n";
        let rows = parse_hierarchy(text).expect("parses");
        assert_eq!(rows[0].unit.name_en, "Koni, Bilaspur");
        assert_eq!(rows[0].line, 2);
    }

    #[test]
    fn a_file_without_required_columns_is_refused_naming_each() {
        assert_eq!(
            listed(parse_users("badge,unit\nCG-1,S1\n")),
            (
                vec![(1, "name", "missing_column"), (1, "role", "missing_column")],
                0
            )
        );
    }

    #[test]
    fn a_campaign_ending_before_it_starts_is_refused() {
        let spec = CampaignSpec {
            code: "cm-2025".into(),
            name: "Cyber Mitan".into(),
            programme: Some("cyber_mitan".into()),
            starts_on: "2025-11-24".into(),
            ends_on: "2025-11-23".into(),
            unit: None,
        };
        assert!(matches!(
            check_campaign(&spec),
            Err(Error::Invalid {
                field: "ends_on",
                ..
            })
        ));
    }
}
