//! Edits to an enrolled volunteer: validated field by field, like the enrolment form.

use super::enrolment::{MAX_HOUSEHOLD_CHARS, Rejection};
use super::invalid::{Field, Invalid};
use super::programme::Programme;
use super::validate::{
    LgdCode, Phone, clean_devanagari_name, clean_latin_name, clean_text, parse_lgd_code,
    parse_phone,
};
use super::volunteer::{AgeClaim, Gender};

/// The fields a constable may change after enrolment. `None` (or an empty list) leaves a
/// field as it is; there is no way to blank a required field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VolunteerEdit {
    /// New Devanagari name.
    pub name_devanagari: Option<String>,
    /// New Latin name.
    pub name_latin: Option<String>,
    /// New phone.
    pub phone: Option<String>,
    /// New household.
    pub household: Option<String>,
    /// New gender.
    pub gender: Option<String>,
    /// New age in years.
    pub age_years: Option<u32>,
    /// New birth year.
    pub birth_year: Option<u32>,
    /// New village LGD code.
    pub village_lgd: Option<String>,
    /// Programmes to join.
    pub add_programmes: Vec<String>,
    /// Programmes to leave.
    pub remove_programmes: Vec<String>,
}

/// One validated field change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldUpdate {
    /// Devanagari name.
    NameDevanagari(String),
    /// Latin name.
    NameLatin(String),
    /// Phone.
    Phone(Phone),
    /// Household.
    Household(String),
    /// Gender.
    Gender(Gender),
    /// Age or birth year.
    Age(AgeClaim),
    /// Village.
    Village(LgdCode),
    /// Join a programme.
    AddProgramme(Programme),
    /// Leave a programme.
    RemoveProgramme(Programme),
}

impl VolunteerEdit {
    /// Validates every given field; on failure lists every refused one.
    pub fn validate(&self) -> Result<Vec<FieldUpdate>, Rejection> {
        let mut updates = Vec::new();
        let mut problems: Vec<Invalid> = Vec::new();
        let mut push = |result: Result<FieldUpdate, Invalid>| match result {
            Ok(update) => updates.push(update),
            Err(invalid) => problems.push(invalid),
        };
        if let Some(name) = &self.name_devanagari {
            push(clean_devanagari_name(name).map(FieldUpdate::NameDevanagari));
        }
        if let Some(name) = &self.name_latin {
            push(clean_latin_name(name).map(FieldUpdate::NameLatin));
        }
        if let Some(phone) = &self.phone {
            push(parse_phone(Field::Phone, phone).map(FieldUpdate::Phone));
        }
        if let Some(household) = &self.household {
            push(
                clean_text(Field::Household, household, MAX_HOUSEHOLD_CHARS)
                    .map(FieldUpdate::Household),
            );
        }
        if let Some(gender) = &self.gender {
            push(gender.parse().map(FieldUpdate::Gender));
        }
        if let Some(years) = self.age_years {
            let years = u8::try_from(years).unwrap_or(u8::MAX);
            push(age_in_range(AgeClaim::Years(years)));
        } else if let Some(year) = self.birth_year {
            let year = u16::try_from(year).unwrap_or(0);
            push(age_in_range(AgeClaim::BirthYear(year)));
        }
        if let Some(village) = &self.village_lgd {
            push(parse_lgd_code(village).map(FieldUpdate::Village));
        }
        for code in &self.add_programmes {
            push(code.parse().map(FieldUpdate::AddProgramme));
        }
        for code in &self.remove_programmes {
            push(code.parse().map(FieldUpdate::RemoveProgramme));
        }
        if problems.is_empty() {
            Ok(updates)
        } else {
            Err(Rejection { problems })
        }
    }
}

fn age_in_range(age: AgeClaim) -> Result<FieldUpdate, Invalid> {
    use super::enrolment::{MAX_AGE_YEARS, MIN_AGE_YEARS};
    use super::invalid::InvalidCode;
    let plausible = match age {
        AgeClaim::Years(years) => (MIN_AGE_YEARS..=MAX_AGE_YEARS).contains(&years),
        AgeClaim::BirthYear(year) => (1900..=2200).contains(&year),
    };
    if plausible {
        Ok(FieldUpdate::Age(age))
    } else {
        Err(Invalid::new(Field::Age, InvalidCode::OutOfRange))
    }
}
