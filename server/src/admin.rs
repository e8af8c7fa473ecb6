//! Administration: a district's hierarchy and users imported from CSV, campaigns and targets.
//!
//! An import is all or nothing: every row is checked, against the database and the rows above
//! it, inside one transaction, and the first bad row is reported with its line, column and a
//! stable code while nothing of the file is stored.
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
//! badge,name,role,unit,beats
//! CG-1042,Ramesh Sahu,constable,BSP-PS-KONI,BSP-PS-KONI-B01;BSP-PS-KONI-B02
//! ```

use std::collections::HashMap;

use mitan_core::model::{BadgeNumber, LgdCode, Programme, Unit, UnitCode, UnitKind};
use serde::{Deserialize, Serialize};

use crate::auth::Role;
use crate::error::{Error, Result};
use crate::reports::window::Day;
use crate::store::{ServerStore, User};

/// What an import stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
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
}

fn bad(line: u64, field: &'static str, code: &'static str, reason: impl Into<String>) -> Error {
    Error::BadRow {
        line,
        field,
        code,
        reason: reason.into(),
    }
}

/// A CSV file with named columns.
struct Sheet {
    columns: HashMap<String, usize>,
    records: Vec<(u64, csv::StringRecord)>,
}

impl Sheet {
    fn read(text: &str, required: &[&'static str]) -> Result<Sheet> {
        // A spreadsheet saved as "CSV UTF-8" starts with a byte order mark.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut reader = csv::ReaderBuilder::new()
            .flexible(false)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let headers = reader
            .headers()
            .map_err(|error| bad(1, "header", "malformed_csv", error.to_string()))?
            .clone();
        let columns: HashMap<String, usize> = headers
            .iter()
            .enumerate()
            .map(|(index, name)| (name.to_ascii_lowercase(), index))
            .collect();
        for column in required {
            if !columns.contains_key(*column) {
                return Err(bad(
                    1,
                    column,
                    "missing_column",
                    format!("the header has no {column} column"),
                ));
            }
        }
        let mut records = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|error| {
                let line = error.position().map_or(0, csv::Position::line);
                bad(line, "row", "malformed_csv", error.to_string())
            })?;
            let line = record.position().map_or(0, csv::Position::line);
            if record.iter().all(str::is_empty) {
                continue;
            }
            records.push((line, record));
        }
        Ok(Sheet { columns, records })
    }

    fn get<'r>(&self, record: &'r csv::StringRecord, column: &str) -> &'r str {
        self.columns
            .get(column)
            .and_then(|index| record.get(*index))
            .unwrap_or("")
    }
}

fn required<'a>(line: u64, field: &'static str, value: &'a str) -> Result<&'a str> {
    if value.is_empty() {
        Err(bad(line, field, "required", format!("{field} is empty")))
    } else {
        Ok(value)
    }
}

fn code_at(line: u64, field: &'static str, value: &str) -> Result<UnitCode> {
    required(line, field, value)?.parse().map_err(|_| {
        bad(
            line,
            field,
            "bad_format",
            format!("{value:?} is not a unit code"),
        )
    })
}

/// Reads a hierarchy file into rows, each checked on its own.
pub fn parse_hierarchy(text: &str) -> Result<Vec<HierarchyRow>> {
    let sheet = Sheet::read(text, &["kind", "code", "parent", "name_hi", "name_en"])?;
    let mut rows = Vec::with_capacity(sheet.records.len());
    for (line, record) in &sheet.records {
        let line = *line;
        let kind_text = required(line, "kind", sheet.get(record, "kind"))?;
        let kind: UnitKind = kind_text.to_ascii_lowercase().parse().map_err(|_| {
            bad(
                line,
                "kind",
                "unknown_kind",
                format!("unknown unit kind {kind_text:?}"),
            )
        })?;
        let code = code_at(line, "code", sheet.get(record, "code"))?;
        let parent_text = sheet.get(record, "parent");
        let parent = if parent_text.is_empty() {
            None
        } else {
            Some(code_at(line, "parent", parent_text)?)
        };
        let lgd_text = sheet.get(record, "lgd_code");
        let lgd_code: Option<LgdCode> = if lgd_text.is_empty() {
            None
        } else {
            Some(lgd_text.parse().map_err(|_| {
                bad(
                    line,
                    "lgd_code",
                    "bad_lgd_code",
                    format!("{lgd_text:?} is not a 6-digit LGD code"),
                )
            })?)
        };
        let households_text = sheet.get(record, "households");
        let households = if households_text.is_empty() {
            None
        } else {
            Some(households_text.parse::<u32>().map_err(|_| {
                bad(
                    line,
                    "households",
                    "bad_number",
                    format!("{households_text:?} is not a count"),
                )
            })?)
        };
        if households.is_some() && kind != UnitKind::Village {
            return Err(bad(
                line,
                "households",
                "not_a_village",
                "only villages have households",
            ));
        }
        let unit = Unit {
            kind,
            code,
            name_hi: sheet.get(record, "name_hi").to_owned(),
            name_en: sheet.get(record, "name_en").to_owned(),
            parent,
            lgd_code,
        };
        if let Err(invalid) = unit.check() {
            let (field, code) = match (kind, lgd_code, &unit.parent) {
                (UnitKind::Village, None, _) => ("lgd_code", "required"),
                (_, Some(_), _) => ("lgd_code", "not_a_village"),
                (_, _, None) => ("parent", "required"),
                _ => ("name_en", "required"),
            };
            return Err(bad(line, field, code, invalid.to_string()));
        }
        rows.push(HierarchyRow {
            line,
            unit,
            households,
        });
    }
    Ok(rows)
}

/// Reads a users file into rows, each checked on its own.
pub fn parse_users(text: &str) -> Result<Vec<UserRow>> {
    let sheet = Sheet::read(text, &["badge", "name", "role", "unit"])?;
    let mut rows = Vec::with_capacity(sheet.records.len());
    for (line, record) in &sheet.records {
        let line = *line;
        let badge_text = required(line, "badge", sheet.get(record, "badge"))?;
        let badge: BadgeNumber = badge_text.parse().map_err(|_| {
            bad(
                line,
                "badge",
                "bad_format",
                format!("{badge_text:?} is not a badge number"),
            )
        })?;
        let name = required(line, "name", sheet.get(record, "name"))?.to_owned();
        let role_text = required(line, "role", sheet.get(record, "role"))?;
        let role: Role = role_text.parse().map_err(|_| {
            bad(
                line,
                "role",
                "unknown_role",
                format!("unknown role {role_text:?}"),
            )
        })?;
        let unit = code_at(line, "unit", sheet.get(record, "unit"))?;
        let beats = sheet
            .get(record, "beats")
            .split([';', ' '])
            .filter(|beat| !beat.is_empty())
            .map(|beat| code_at(line, "beats", beat))
            .collect::<Result<Vec<_>>>()?;
        rows.push(UserRow {
            line,
            user: User {
                badge,
                name,
                role,
                unit,
                beats,
            },
        });
    }
    Ok(rows)
}

/// Imports a hierarchy file; nothing is stored unless every row is good.
pub fn import_hierarchy(store: &mut ServerStore, text: &str) -> Result<ImportSummary> {
    let rows = parse_hierarchy(text)?;
    store.save_hierarchy_rows(&rows)
}

/// Imports a users file; nothing is stored unless every row is good.
pub fn import_users(store: &mut ServerStore, text: &str, now_ms: i64) -> Result<ImportSummary> {
    let rows = parse_users(text)?;
    store.save_user_rows(&rows, now_ms)
}

/// A campaign as set by a district admin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignSpec {
    /// Its code, e.g. `cyber-mitan-2025`.
    pub code: String,
    /// Its name.
    pub name: String,
    /// The programme it counts; every programme if absent.
    #[serde(default)]
    pub programme: Option<String>,
    /// First day, `YYYY-MM-DD`.
    pub starts_on: String,
    /// Last day, included.
    pub ends_on: String,
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
}

/// Checks a campaign as given.
pub fn check_campaign(spec: &CampaignSpec) -> Result<Campaign> {
    let code = spec.code.trim();
    let well_formed = (2..=48).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !well_formed {
        return Err(Error::Invalid {
            field: "code",
            reason: format!(
                "{:?} is not a campaign code (2-48 letters, digits, - or _)",
                spec.code
            ),
        });
    }
    if spec.name.trim().is_empty() {
        return Err(Error::Invalid {
            field: "name",
            reason: "a campaign needs a name".into(),
        });
    }
    let programme = spec
        .programme
        .as_deref()
        .filter(|text| !text.trim().is_empty())
        .map(|text| {
            text.parse::<Programme>().map_err(|_| Error::Invalid {
                field: "programme",
                reason: format!("{text:?} is not a programme code"),
            })
        })
        .transpose()?;
    let starts_on: Day = spec.starts_on.parse().map_err(|_| Error::Invalid {
        field: "starts_on",
        reason: format!("{:?} is not a date (YYYY-MM-DD)", spec.starts_on),
    })?;
    let ends_on: Day = spec.ends_on.parse().map_err(|_| Error::Invalid {
        field: "ends_on",
        reason: format!("{:?} is not a date (YYYY-MM-DD)", spec.ends_on),
    })?;
    if ends_on < starts_on {
        return Err(Error::Invalid {
            field: "ends_on",
            reason: format!("{ends_on} is before {starts_on}"),
        });
    }
    Ok(Campaign {
        code: code.to_owned(),
        name: spec.name.trim().to_owned(),
        programme,
        starts_on,
        ends_on,
    })
}

/// Checks a campaign and adds or replaces it.
pub fn set_campaign(
    store: &mut ServerStore,
    spec: &CampaignSpec,
    set_by: &str,
    now_ms: i64,
) -> Result<Campaign> {
    let campaign = check_campaign(spec)?;
    store.save_campaign(&campaign, set_by, now_ms)?;
    Ok(campaign)
}

/// A campaign as listed, with its explicit targets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignView {
    /// The campaign.
    #[serde(flatten)]
    pub campaign: CampaignSpec,
    /// Its explicit targets.
    pub targets: Vec<TargetSpec>,
}

/// Every campaign with its explicit targets, newest first.
pub fn load_campaigns(store: &ServerStore) -> Result<Vec<CampaignView>> {
    store
        .load_campaigns()?
        .into_iter()
        .map(|campaign| {
            let targets = store
                .load_targets(&campaign.code)?
                .into_iter()
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
                },
                targets,
            })
        })
        .collect()
}

/// An explicit target: for a unit or for an employee (by badge), in one campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetSpec {
    /// The campaign.
    pub campaign: String,
    /// A unit code; give this or `badge`.
    #[serde(default)]
    pub unit: Option<String>,
    /// An employee's badge; give this or `unit`.
    #[serde(default)]
    pub badge: Option<String>,
    /// How many volunteers.
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

/// Checks a target against the store and saves it.
pub fn set_target(
    store: &mut ServerStore,
    spec: &TargetSpec,
    set_by: &str,
    now_ms: i64,
) -> Result<()> {
    let subject = match (&spec.unit, &spec.badge) {
        (Some(unit), None) => {
            let code: UnitCode = unit.parse().map_err(|_| Error::Invalid {
                field: "unit",
                reason: format!("{unit:?} is not a unit code"),
            })?;
            if store.unit_kind(&code)?.is_none() {
                return Err(Error::NotFound {
                    what: "unit",
                    id: code.to_string(),
                });
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
            return Err(Error::Invalid {
                field: "unit",
                reason: "give exactly one of unit and badge".into(),
            });
        }
    };
    if store.load_campaign(&spec.campaign)?.is_none() {
        return Err(Error::NotFound {
            what: "campaign",
            id: spec.campaign.clone(),
        });
    }
    store.save_target(&spec.campaign, &subject, spec.volunteers, set_by, now_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_lgd_code_is_reported_with_its_line_and_column() {
        let text = "kind,code,parent,name_hi,name_en,lgd_code\n\
                    station,S1,C1,स्टेशन,Station,\n\
                    village,V1,S1-B1,गाँव,Village,12AB56\n";
        match parse_hierarchy(text) {
            Err(Error::BadRow {
                line, field, code, ..
            }) => assert_eq!((line, field, code), (3, "lgd_code", "bad_lgd_code")),
            other => panic!("expected a bad row, got {other:?}"),
        }
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
    fn a_file_without_a_required_column_is_refused() {
        assert!(matches!(
            parse_users("badge,name,unit\nCG-1,Ramesh,S1\n"),
            Err(Error::BadRow {
                field: "role",
                code: "missing_column",
                ..
            })
        ));
    }

    #[test]
    fn a_campaign_ending_before_it_starts_is_refused() {
        let spec = CampaignSpec {
            code: "cm-2025".into(),
            name: "Cyber Mitan".into(),
            programme: Some("cyber_mitan".into()),
            starts_on: "2025-11-24".into(),
            ends_on: "2025-11-23".into(),
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
