//! Group lists made by rule (Bihar's women's groups, Rajasthan's circle officer's group of
//! station staff, CLG, Gram Rakshak, Police Mitra, Suraksha Sakhi and the SP): a district
//! admin names a group of a unit and the rules that select its members, volunteers by
//! programme, gender and age band, police staff by role, rank and gender above, at or below
//! the unit. The members are worked out when the list is read, so a group follows its
//! volunteers' reviews and its officers' postings; each phone is in it once however many
//! rules select it. Police staff are members only through their contact (`StaffContact`),
//! imported with the users file, and only once they consented to be listed.

use std::collections::{BTreeSet, HashSet};
use std::fmt;
use std::str::FromStr;

use clap::Args;
use mitan_core::model::validate::parse_phone;
use mitan_core::model::validate::{MAX_LABEL_CHARS, clean_label};
use mitan_core::model::{Field, Gender, Phone, Programme, UnitCode};
use serde::{Deserialize, Serialize};

use crate::auth::Role;
use crate::error::{Error, Problem, Result};
use crate::ops::{Permission, Policy};
use crate::reports::{Scope, Tree};
use crate::store::{GroupVolunteerRow, ServerStore, StaffMemberRow, StoredGroup, User};

/// A police rank, lowest first. Ranks say who a person is in a group list; roles say what
/// they may do in Mitan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rank {
    /// Constable.
    Constable,
    /// Head constable.
    HeadConstable,
    /// Assistant sub-inspector.
    Asi,
    /// Sub-inspector.
    Si,
    /// Inspector.
    Inspector,
    /// Deputy superintendent (a circle officer).
    Dsp,
    /// Assistant superintendent.
    Asp,
    /// Additional superintendent.
    AddlSp,
    /// Superintendent of police.
    Sp,
    /// Deputy inspector general.
    Dig,
    /// Inspector general (a range).
    Ig,
    /// Additional director general.
    Adg,
    /// Director general of police.
    Dgp,
}

impl Rank {
    /// Every rank, lowest first.
    pub const ALL: [Rank; 13] = [
        Rank::Constable,
        Rank::HeadConstable,
        Rank::Asi,
        Rank::Si,
        Rank::Inspector,
        Rank::Dsp,
        Rank::Asp,
        Rank::AddlSp,
        Rank::Sp,
        Rank::Dig,
        Rank::Ig,
        Rank::Adg,
        Rank::Dgp,
    ];

    /// The stable code.
    pub fn as_str(self) -> &'static str {
        match self {
            Rank::Constable => "constable",
            Rank::HeadConstable => "head_constable",
            Rank::Asi => "asi",
            Rank::Si => "si",
            Rank::Inspector => "inspector",
            Rank::Dsp => "dsp",
            Rank::Asp => "asp",
            Rank::AddlSp => "addl_sp",
            Rank::Sp => "sp",
            Rank::Dig => "dig",
            Rank::Ig => "ig",
            Rank::Adg => "adg",
            Rank::Dgp => "dgp",
        }
    }
}

impl fmt::Display for Rank {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Rank {
    type Err = ();

    fn from_str(text: &str) -> std::result::Result<Self, ()> {
        let code = text
            .trim()
            .to_ascii_lowercase()
            .replace(['-', ' ', '.'], "_");
        Rank::ALL
            .into_iter()
            .find(|rank| rank.as_str() == code)
            .ok_or(())
    }
}

/// A member of staff's contact for group lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffContact {
    /// Their mobile number; without one they are in no list.
    pub phone: Option<Phone>,
    /// Their gender, for groups chosen by it.
    pub gender: Option<Gender>,
    /// Their rank.
    pub rank: Rank,
    /// Whether they consented to be listed in group lists.
    pub listed: bool,
}

impl StaffContact {
    /// Reads a contact as the users file or `mitan admin add-user` gives it; `None` when
    /// neither a phone nor a rank is given. Each refused part is named with its column.
    pub fn parse(
        phone: &str,
        gender: &str,
        rank: &str,
        listed: &str,
    ) -> std::result::Result<Option<StaffContact>, Vec<(&'static str, String)>> {
        if phone.trim().is_empty() && rank.trim().is_empty() {
            return Ok(None);
        }
        let mut problems = Vec::new();
        let phone = match phone.trim() {
            "" => None,
            typed => parse_phone(Field::Phone, typed)
                .map_err(|invalid| {
                    problems.push(("phone", format!("{typed:?}: {}", invalid.code.as_str())))
                })
                .ok(),
        };
        let gender = match gender.trim() {
            "" => None,
            typed => typed
                .parse::<Gender>()
                .map_err(|_| problems.push(("gender", format!("unknown gender {typed:?}"))))
                .ok(),
        };
        let rank = rank
            .parse::<Rank>()
            .map_err(|()| {
                problems.push((
                    "rank",
                    format!(
                        "{:?} is not a rank ({})",
                        rank.trim(),
                        Rank::ALL.map(Rank::as_str).join(", ")
                    ),
                ))
            })
            .ok();
        let listed = match listed.trim().to_lowercase().as_str() {
            "yes" | "y" | "true" | "1" | "हाँ" | "हां" => Some(true),
            "" | "no" | "n" | "false" | "0" | "नहीं" => Some(false),
            typed => {
                problems.push(("listed", format!("{typed:?} is neither yes nor no")));
                None
            }
        };
        match (rank, listed) {
            (Some(rank), Some(listed)) if problems.is_empty() => Ok(Some(StaffContact {
                phone,
                gender,
                rank,
                listed,
            })),
            _ => Err(problems),
        }
    }
}

/// Where, from a group's unit, a staff rule takes its officers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reach {
    /// The unit and every unit under it (a station's staff for the station's group).
    #[default]
    Below,
    /// The unit itself only.
    Here,
    /// The units above it (the SP and the range's IG for a circle's group).
    Above,
}

/// One rule of a group: whom it selects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "select", rename_all = "snake_case")]
pub enum GroupRule {
    /// Verified volunteers of the unit's beats.
    Volunteers {
        /// Any of these programme codes; every programme if empty.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        programmes: Vec<String>,
        /// Any of these genders (`female`, `male`, `transgender`); every gender if empty.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        genders: Vec<String>,
        /// The youngest age, in years this year.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min_age: Option<u32>,
        /// The oldest age.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_age: Option<u32>,
    },
    /// Police staff with a listed contact.
    Staff {
        /// Any of these roles (`station_incharge`, …); every role if empty.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        roles: Vec<String>,
        /// Any of these ranks; every rank if empty.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        ranks: Vec<Rank>,
        /// Any of these genders; every gender if empty.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        genders: Vec<String>,
        /// Where from the group's unit.
        #[serde(default)]
        reach: Reach,
    },
}

/// The words of a rule as an officer types it.
const RULE_SYNTAX: &str = "a rule: `volunteers` or `staff`, then key=value parts \
     (volunteers: programmes=a,b gender=female age=18-35; staff: roles=a,b ranks=sp,ig \
     gender=female reach=below|here|above)";

fn list<T>(value: &str, parse: impl Fn(&str) -> Option<T>) -> Option<Vec<T>> {
    value
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(parse)
        .collect()
}

impl FromStr for GroupRule {
    type Err = Error;

    /// `volunteers programmes=gram_rakshak,police_mitra gender=female age=18-35`, or
    /// `staff ranks=sp,ig reach=above`.
    fn from_str(text: &str) -> Result<Self> {
        let refused = || Error::invalid("rules", Problem::unreadable(text, RULE_SYNTAX));
        let mut words = text.split_whitespace();
        let mut rule = match words.next() {
            Some("volunteers") => GroupRule::Volunteers {
                programmes: Vec::new(),
                genders: Vec::new(),
                min_age: None,
                max_age: None,
            },
            Some("staff") => GroupRule::Staff {
                roles: Vec::new(),
                ranks: Vec::new(),
                genders: Vec::new(),
                reach: Reach::Below,
            },
            _ => return Err(refused()),
        };
        for word in words {
            let (key, value) = word.split_once('=').ok_or_else(refused)?;
            let genders_of = |value: &str| {
                list(value, |item| {
                    item.parse::<Gender>()
                        .ok()
                        .map(|gender| gender.as_str().to_owned())
                })
            };
            match (&mut rule, key) {
                (GroupRule::Volunteers { programmes, .. }, "programmes" | "programme") => {
                    *programmes = list(value, |item| {
                        item.parse::<Programme>()
                            .ok()
                            .map(|code| code.as_str().to_owned())
                    })
                    .ok_or_else(refused)?;
                }
                (
                    GroupRule::Volunteers { genders, .. } | GroupRule::Staff { genders, .. },
                    "gender" | "genders",
                ) => *genders = genders_of(value).ok_or_else(refused)?,
                (
                    GroupRule::Volunteers {
                        min_age, max_age, ..
                    },
                    "age",
                ) => {
                    let (low, high) = value.split_once('-').ok_or_else(refused)?;
                    let bound = |text: &str| -> Result<Option<u32>> {
                        match text.trim() {
                            "" => Ok(None),
                            digits => digits.parse().map(Some).map_err(|_| refused()),
                        }
                    };
                    *min_age = bound(low)?;
                    *max_age = bound(high)?;
                    if let (Some(low), Some(high)) = (*min_age, *max_age)
                        && low > high
                    {
                        return Err(refused());
                    }
                }
                (GroupRule::Staff { roles, .. }, "roles" | "role") => {
                    *roles = list(value, |item| {
                        item.parse::<Role>()
                            .ok()
                            .map(|role| role.as_str().to_owned())
                    })
                    .ok_or_else(refused)?;
                }
                (GroupRule::Staff { ranks, .. }, "ranks" | "rank") => {
                    *ranks = list(value, |item| item.parse().ok()).ok_or_else(refused)?;
                }
                (GroupRule::Staff { reach, .. }, "reach") => {
                    *reach = match value {
                        "below" => Reach::Below,
                        "here" => Reach::Here,
                        "above" => Reach::Above,
                        _ => return Err(refused()),
                    };
                }
                _ => return Err(refused()),
            }
        }
        Ok(rule)
    }
}

impl fmt::Display for GroupRule {
    /// The rule as it is typed, so a listed group can be defined again from what it shows.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let joined = |items: &[String]| items.join(",");
        match self {
            GroupRule::Volunteers {
                programmes,
                genders: chosen,
                min_age,
                max_age,
            } => {
                f.write_str("volunteers")?;
                if !programmes.is_empty() {
                    write!(f, " programmes={}", joined(programmes))?;
                }
                if !chosen.is_empty() {
                    write!(f, " gender={}", joined(chosen))?;
                }
                if min_age.is_some() || max_age.is_some() {
                    let bound =
                        |age: &Option<u32>| age.map(|age| age.to_string()).unwrap_or_default();
                    write!(f, " age={}-{}", bound(min_age), bound(max_age))?;
                }
                Ok(())
            }
            GroupRule::Staff {
                roles,
                ranks,
                genders: chosen,
                reach,
            } => {
                f.write_str("staff")?;
                if !roles.is_empty() {
                    write!(f, " roles={}", joined(roles))?;
                }
                if !ranks.is_empty() {
                    let codes: Vec<String> = ranks.iter().map(ToString::to_string).collect();
                    write!(f, " ranks={}", joined(&codes))?;
                }
                if !chosen.is_empty() {
                    write!(f, " gender={}", joined(chosen))?;
                }
                let reach = match reach {
                    Reach::Below => "below",
                    Reach::Here => "here",
                    Reach::Above => "above",
                };
                write!(f, " reach={reach}")
            }
        }
    }
}

/// `PUT /v1/admin/groups` and `mitan admin define-group`: a group of a unit, added or
/// replaced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Args, utoipa::ToSchema)]
#[group(skip)]
pub struct GroupSpec {
    /// The unit whose group it is (a station, a circle, the district, …).
    #[arg(long)]
    pub unit: String,
    /// Its code within the unit: 2 to 32 lowercase letters, digits, `-` or `_`.
    #[arg(long)]
    pub code: String,
    /// Its name in Hindi.
    #[arg(long)]
    pub name_hi: String,
    /// Its name in English.
    #[arg(long)]
    pub name_en: String,
    /// Its rules, one each (repeat the option): `volunteers programmes=gram_rakshak
    /// gender=female age=18-35`, `staff ranks=sp,ig reach=above`. A member is whoever any
    /// rule selects.
    #[arg(long = "rule", required = true)]
    pub rules: Vec<String>,
}

/// A group with how many its rules select now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GroupView {
    /// The unit.
    pub unit: String,
    /// The code.
    pub code: String,
    /// Its name in Hindi.
    pub name_hi: String,
    /// Its name in English.
    pub name_en: String,
    /// Its rules, as typed.
    pub rules: Vec<String>,
    /// Volunteers in it.
    pub volunteers: u64,
    /// Police staff in it.
    pub staff: u64,
    /// Members in all, each phone once.
    pub members: u64,
    /// Selections left out because the phone was already in the list (one person selected
    /// by two rules, or enrolled twice).
    pub repeated: u64,
}

/// `GET /v1/groups`: the groups of the units in reach.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GroupList {
    /// By unit, then code.
    pub groups: Vec<GroupView>,
}

/// `GET /v1/groups`: the groups of the caller's units, or of one unit and those under it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Args, utoipa::ToSchema)]
#[group(skip)]
pub struct GroupQuery {
    /// Only groups of this unit and the units under it.
    #[serde(default)]
    #[arg(long)]
    pub unit: Option<String>,
}

/// One member of a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Member {
    /// `volunteer` or `staff`.
    pub kind: String,
    /// The volunteer id, or the officer's badge.
    pub id: String,
    /// The name to show (Devanagari and Latin for a volunteer who gave both).
    pub name: String,
    /// Mobile number.
    pub phone: String,
    /// The beat (a volunteer's) or unit (an officer's).
    pub unit: String,
    /// A volunteer's village (LGD code); empty for staff.
    pub village: String,
    /// A volunteer's programmes, or an officer's rank.
    pub detail: String,
}

/// A group's members, each phone once, with the counts a [`GroupView`] shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The members, in the order the rules selected them.
    pub members: Vec<Member>,
    /// Selections left out as phones already listed.
    pub repeated: u64,
}

fn group_code(text: &str) -> Result<String> {
    let code = text.trim();
    let good = (2..=32).contains(&code.len())
        && code.starts_with(|c: char| c.is_ascii_lowercase())
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if good {
        Ok(code.to_owned())
    } else {
        Err(Error::invalid(
            "code",
            Problem::unreadable(
                code,
                "a group code (2-32 lowercase letters, digits, - or _)",
            ),
        ))
    }
}

/// Adds or replaces a group; the rules are read back as typed so that a mistyped one is
/// refused with the rule quoted, and nothing is stored.
pub fn define_group(
    store: &mut ServerStore,
    user: &User,
    spec: &GroupSpec,
    now_ms: i64,
) -> Result<GroupView> {
    let unit = crate::ops::parse_unit("unit", &spec.unit)?;
    if store.unit_kind(&unit)?.is_none() {
        return Err(Error::NotFound {
            what: "unit",
            id: unit.to_string(),
        });
    }
    Policy::check(store, user, Permission::Administer, Some(&unit))?;
    let code = group_code(&spec.code)?;
    let label = |field: &'static str, name: &str| {
        clean_label(Field::UnitName, name, MAX_LABEL_CHARS)
            .map_err(|invalid| Error::invalid(field, Problem::Core(invalid.code)))
    };
    if spec.rules.is_empty() {
        return Err(Error::invalid("rules", Problem::Missing { what: "a rule" }));
    }
    let rules = spec
        .rules
        .iter()
        .map(|rule| rule.parse::<GroupRule>())
        .collect::<Result<Vec<_>>>()?;
    let group = StoredGroup {
        unit: unit.to_string(),
        code,
        name_hi: label("name_hi", &spec.name_hi)?,
        name_en: label("name_en", &spec.name_en)?,
        rules,
    };
    store.save_group(&group, user.badge.as_str(), now_ms)?;
    view(store, &Tree::load(store)?, &group, now_ms)
}

/// The groups of `user`'s units, or of `query.unit` and the units under it.
pub fn list_groups(
    store: &ServerStore,
    user: &User,
    query: &GroupQuery,
    now_ms: i64,
) -> Result<GroupList> {
    Policy::check(store, user, Permission::ReadCounts, None)?;
    let tree = Tree::load(store)?;
    let scope = Scope::of(user, &tree);
    let within: Option<BTreeSet<String>> = match query.unit.as_deref().filter(|u| !u.is_empty()) {
        Some(text) => {
            let unit = crate::ops::parse_unit("unit", text)?;
            Policy::check(store, user, Permission::ReadCounts, Some(&unit))?;
            Some(tree.subtree(unit.as_str()).into_iter().collect())
        }
        None => None,
    };
    let groups = store
        .load_groups()?
        .into_iter()
        .filter(|group| scope.has_unit(&group.unit))
        .filter(|group| {
            within
                .as_ref()
                .is_none_or(|units| units.contains(&group.unit))
        })
        .map(|group| view(store, &tree, &group, now_ms))
        .collect::<Result<Vec<_>>>()?;
    Ok(GroupList { groups })
}

/// The group `code` of `unit`, checked to be one the caller may export or read the members
/// of (`permission` on its unit).
pub fn group_for(
    store: &ServerStore,
    user: &User,
    unit: &UnitCode,
    code: &str,
    permission: Permission,
) -> Result<StoredGroup> {
    Policy::check(store, user, permission, Some(unit))?;
    store
        .load_group(unit.as_str(), code)?
        .ok_or_else(|| Error::NotFound {
            what: "group",
            id: format!("{unit}/{code}"),
        })
}

fn view(store: &ServerStore, tree: &Tree, group: &StoredGroup, now_ms: i64) -> Result<GroupView> {
    Ok(view_of(group, &members(store, tree, group, now_ms)?))
}

/// A group with the counts of its members as resolved.
pub fn view_of(group: &StoredGroup, resolved: &Resolved) -> GroupView {
    let staff = resolved
        .members
        .iter()
        .filter(|member| member.kind == "staff")
        .count() as u64;
    GroupView {
        unit: group.unit.clone(),
        code: group.code.clone(),
        name_hi: group.name_hi.clone(),
        name_en: group.name_en.clone(),
        rules: group.rules.iter().map(ToString::to_string).collect(),
        volunteers: resolved.members.len() as u64 - staff,
        staff,
        members: resolved.members.len() as u64,
        repeated: resolved.repeated,
    }
}

/// Whoever the group's rules select now, each phone once, in the order of the rules.
pub fn members(
    store: &ServerStore,
    tree: &Tree,
    group: &StoredGroup,
    now_ms: i64,
) -> Result<Resolved> {
    let this_year = i64::from(crate::ist::year(now_ms));
    let below: HashSet<String> = tree.subtree(&group.unit).into_iter().collect();
    let above: HashSet<String> = tree.up_from(&group.unit).into_iter().skip(1).collect();
    let mut volunteers: Option<Vec<GroupVolunteerRow>> = None;
    let mut staff: Option<Vec<StaffMemberRow>> = None;
    let mut seen: HashSet<String> = HashSet::new();
    let mut resolved = Resolved {
        members: Vec::new(),
        repeated: 0,
    };
    let mut add = |member: Member, resolved: &mut Resolved| {
        if seen.insert(member.phone.clone()) {
            resolved.members.push(member);
        } else {
            resolved.repeated += 1;
        }
    };
    for rule in &group.rules {
        match rule {
            GroupRule::Volunteers {
                programmes,
                genders,
                min_age,
                max_age,
            } => {
                if volunteers.is_none() {
                    let beats: Vec<String> = below
                        .iter()
                        .filter(|code| tree.is_beat(code))
                        .cloned()
                        .collect();
                    volunteers = Some(store.group_volunteers(&beats)?);
                }
                for row in volunteers.iter().flatten() {
                    let age = row.birth_year.map(|born| this_year - born);
                    let chosen = (programmes.is_empty()
                        || programmes
                            .iter()
                            .any(|programme| row.programmes.split(' ').any(|p| p == programme)))
                        && (genders.is_empty() || genders.contains(&row.gender))
                        && min_age.is_none_or(|min| age.is_some_and(|age| age >= i64::from(min)))
                        && max_age.is_none_or(|max| age.is_some_and(|age| age <= i64::from(max)));
                    if chosen {
                        add(row.member(), &mut resolved);
                    }
                }
            }
            GroupRule::Staff {
                roles,
                ranks,
                genders,
                reach,
            } => {
                if staff.is_none() {
                    staff = Some(store.staff_members()?);
                }
                for row in staff.iter().flatten() {
                    let placed = match reach {
                        Reach::Below => below.contains(&row.unit),
                        Reach::Here => row.unit == group.unit,
                        Reach::Above => above.contains(&row.unit),
                    };
                    let chosen = placed
                        && (roles.is_empty() || roles.contains(&row.role))
                        && (ranks.is_empty() || ranks.iter().any(|rank| rank.as_str() == row.rank))
                        && (genders.is_empty()
                            || row
                                .gender
                                .as_ref()
                                .is_some_and(|gender| genders.contains(gender)));
                    if chosen {
                        add(row.member(), &mut resolved);
                    }
                }
            }
        }
    }
    Ok(resolved)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_read_back_as_typed() {
        for text in [
            "volunteers",
            "volunteers programmes=gram_rakshak,police_mitra gender=female age=18-35",
            "volunteers age=-25",
            "staff reach=below",
            "staff ranks=sp,ig reach=above",
            "staff roles=station_incharge,constable gender=female reach=here",
        ] {
            let rule: GroupRule = text.parse().expect(text);
            let shown = rule.to_string();
            assert_eq!(shown.parse::<GroupRule>().expect(&shown), rule, "{text}");
        }
    }

    #[test]
    fn a_mistyped_rule_is_refused_with_the_rule_quoted() {
        for text in [
            "",
            "everyone",
            "volunteers gender=woman",
            "volunteers ranks=sp",
            "staff programmes=clg_member",
            "volunteers age=40-20",
            "staff reach=sideways",
            "volunteers programmes=Gram Rakshak",
        ] {
            let error = text.parse::<GroupRule>().expect_err(text);
            assert!(error.to_string().contains("rules"), "{text}: {error}");
        }
    }

    #[test]
    fn a_contact_needs_a_rank_and_a_mobile_that_reads() {
        let contact = StaffContact::parse("98765 43210", "महिला", "SP", "yes")
            .expect("valid")
            .expect("given");
        assert_eq!(contact.rank, Rank::Sp);
        assert_eq!(contact.gender, Some(Gender::Female));
        assert_eq!(
            contact.phone.map(|phone| phone.as_str().to_owned()),
            Some("+919876543210".to_owned())
        );
        assert!(contact.listed);
        assert_eq!(StaffContact::parse("", "", "", ""), Ok(None));
        let refused = StaffContact::parse("12345", "", "captain", "maybe").expect_err("refused");
        let columns: Vec<&str> = refused.iter().map(|(column, _)| *column).collect();
        assert_eq!(columns, ["phone", "rank", "listed"]);
    }
}
