//! Turning what a constable typed into a validated enrolment, or a list of refused fields.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use super::id::{BadgeNumber, UnitCode};
use super::invalid::{Field, Invalid, InvalidCode};
use super::notice::NoticeRef;
use super::programme::Programme;
use super::validate::{
    LgdCode, clean_devanagari_name, clean_latin_name, clean_name, clean_text, parse_lgd_code,
    parse_phone,
};
use super::volunteer::{AgeClaim, Consent, Gender, Guardian, Personal, Trainer};

/// Longest household description, in characters.
pub const MAX_HOUSEHOLD_CHARS: usize = 80;
/// Longest description of a guardian's relation, in characters.
const MAX_RELATION_CHARS: usize = 40;
/// Youngest age that can be enrolled at all, even with a guardian.
pub const MIN_AGE_YEARS: u8 = 10;
/// Oldest plausible age; anything above is a typing slip.
pub const MAX_AGE_YEARS: u8 = 110;

/// The enrolment form exactly as typed. Text fields may be empty; empty means "not given".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnrolmentForm {
    /// Name in Devanagari (this or `name_latin` is required).
    pub name_devanagari: String,
    /// Name in Latin letters (this or `name_devanagari` is required).
    pub name_latin: String,
    /// Mobile number in any common Indian format.
    pub phone: String,
    /// `female`, `male` or `transgender` (Hindi words are accepted too).
    pub gender: String,
    /// Age in years, if the person gave an age.
    pub age_years: Option<u32>,
    /// Birth year, if the person gave one instead of an age.
    pub birth_year: Option<u32>,
    /// The village's 6-digit LGD code.
    pub village_lgd: String,
    /// The household as one description (house number, head of household), as builds
    /// before the two parts below took it; used only when both parts are empty.
    pub household: String,
    /// The household's house number (`12`, `१२/३`).
    pub house_number: String,
    /// The household's family name (`पटेल`), in any script.
    pub family_name: String,
    /// The beat's unit code.
    pub beat: String,
    /// The station's unit code.
    pub station: String,
    /// Programme codes.
    pub programmes: Vec<String>,
    /// Who trained the person: a volunteer id or a badge number, or empty.
    pub trained_by: String,
    /// Whether the person consented after the notice was shown.
    pub consent_given: bool,
    /// The language of the notice shown.
    pub consent_language: String,
    /// The version of the notice shown.
    pub consent_notice_version: u32,
    /// Guardian's name, for someone under 18.
    pub guardian_name: String,
    /// Guardian's relation, for someone under 18.
    pub guardian_relation: String,
    /// Guardian's mobile number, for someone under 18.
    pub guardian_phone: String,
    /// Whether the guardian consented.
    pub guardian_consent_given: bool,
}

/// District rules and facts from outside the form that validation needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrolmentRules {
    /// The current year by the device clock, to judge birth years.
    pub current_year: u16,
    /// Whether the district enrols adults only (then under-18s are refused outright).
    pub adults_only: bool,
    /// The notices this device can show. A consent naming any other notice is refused: the
    /// person cannot have been shown a text the phone does not hold.
    pub notices: Vec<NoticeRef>,
    /// The villages of each beat, as the district's directory lists them. A village outside
    /// its beat's list is refused; a beat with no list (not yet fetched) is not checked here,
    /// and the server checks it at sync.
    pub villages: BTreeMap<UnitCode, BTreeSet<LgdCode>>,
    /// The district's programmes. A code outside them is refused; an empty list (not yet
    /// received) checks only the code's form.
    pub programmes: BTreeSet<Programme>,
}

impl EnrolmentRules {
    /// Version 1 of the Hindi and English notices, guardians allowed: what tests and
    /// benchmarks enrol under.
    pub fn standard(current_year: u16) -> Self {
        EnrolmentRules {
            current_year,
            adults_only: false,
            notices: vec![NoticeRef::new("hi", 1), NoticeRef::new("en", 1)],
            villages: BTreeMap::new(),
            programmes: BTreeSet::new(),
        }
    }

    /// No notices and guardians allowed: what a field device starts from, before the
    /// district's notices and policy reach it from the server.
    pub fn without_notices(current_year: u16) -> Self {
        EnrolmentRules {
            current_year,
            adults_only: false,
            notices: Vec::new(),
            villages: BTreeMap::new(),
            programmes: BTreeSet::new(),
        }
    }
}

/// A validated enrolment, ready to be written into a roster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolment {
    /// Personal fields.
    pub personal: Personal,
    /// Gender.
    pub gender: Gender,
    /// Age or birth year.
    pub age: AgeClaim,
    /// Village.
    pub village: LgdCode,
    /// Beat.
    pub beat: UnitCode,
    /// Station.
    pub station: UnitCode,
    /// Programmes (at least one).
    pub programmes: BTreeSet<Programme>,
    /// Trainer, if recorded.
    pub trained_by: Option<Trainer>,
    /// Notice language.
    pub consent_language: String,
    /// Notice version.
    pub consent_notice_version: u32,
    /// Whether a guardian consented.
    pub guardian_consented: bool,
}

impl Enrolment {
    /// The consent record, witnessed by `witness` at `given_at_ms` on the device clock.
    pub fn consent(&self, witness: &BadgeNumber, given_at_ms: i64) -> Consent {
        Consent {
            given_at_ms,
            language: self.consent_language.clone(),
            notice_version: self.consent_notice_version,
            witness: witness.clone(),
            guardian_consented: self.guardian_consented,
        }
    }
}

/// Every field that was refused, in form order. Never empty.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Rejection {
    /// The refused fields with their codes.
    pub problems: Vec<Invalid>,
}

impl Rejection {
    /// The first refused field, for callers that show one error at a time.
    pub fn first(&self) -> Invalid {
        *self
            .problems
            .first()
            .expect("a Rejection is only built from a non-empty list")
    }
}

impl From<Invalid> for Rejection {
    fn from(invalid: Invalid) -> Self {
        Rejection {
            problems: vec![invalid],
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.problems.iter().map(Invalid::to_string).collect();
        write!(f, "enrolment refused: {}", parts.join("; "))
    }
}

/// Collects refused fields so that the constable sees all of them at once, not one per try.
#[derive(Default)]
struct Problems(Vec<Invalid>);

impl Problems {
    fn take<T>(&mut self, result: Result<T, Invalid>) -> Option<T> {
        result.map_err(|invalid| self.0.push(invalid)).ok()
    }
}

/// An optional text field: empty means absent, anything else must pass `check`.
fn optional<T>(
    input: &str,
    check: impl FnOnce(&str) -> Result<T, Invalid>,
) -> Result<Option<T>, Invalid> {
    if input.trim().is_empty() {
        Ok(None)
    } else {
        check(input).map(Some)
    }
}

fn parse_age(form: &EnrolmentForm, current_year: u16) -> Result<AgeClaim, Invalid> {
    let out_of_range = Invalid::new(Field::Age, InvalidCode::OutOfRange);
    match (form.age_years, form.birth_year) {
        (Some(years), _) => {
            let years = u8::try_from(years).map_err(|_| out_of_range)?;
            if (MIN_AGE_YEARS..=MAX_AGE_YEARS).contains(&years) {
                Ok(AgeClaim::Years(years))
            } else {
                Err(out_of_range)
            }
        }
        (None, Some(year)) => {
            let year = u16::try_from(year).map_err(|_| out_of_range)?;
            let oldest = current_year.saturating_sub(u16::from(MAX_AGE_YEARS));
            let youngest = current_year.saturating_sub(u16::from(MIN_AGE_YEARS));
            if (oldest..=youngest).contains(&year) {
                Ok(AgeClaim::BirthYear(year))
            } else {
                Err(out_of_range)
            }
        }
        (None, None) => Err(Invalid::new(Field::Age, InvalidCode::Required)),
    }
}

impl EnrolmentForm {
    /// Validates the whole form against the district's rules. On failure nothing is written
    /// anywhere and every refused field is listed.
    pub fn validate(&self, rules: &EnrolmentRules) -> Result<Enrolment, Rejection> {
        let mut problems = Problems::default();
        let name_devanagari = problems.take(optional(&self.name_devanagari, clean_devanagari_name));
        let name_latin = problems.take(optional(&self.name_latin, clean_latin_name));
        if let (Some(None), Some(None)) = (&name_devanagari, &name_latin) {
            problems
                .0
                .push(Invalid::new(Field::NameDevanagari, InvalidCode::Required));
        }
        let phone = problems.take(parse_phone(Field::Phone, &self.phone));
        let gender = problems.take(self.gender.parse::<Gender>());
        let age = problems.take(parse_age(self, rules.current_year));
        let village = problems.take(parse_lgd_code(&self.village_lgd));
        // The two parts when the form gives either; the one description otherwise.
        let household = if self.house_number.trim().is_empty() && self.family_name.trim().is_empty()
        {
            problems.take(clean_text(
                Field::Household,
                &self.household,
                MAX_HOUSEHOLD_CHARS,
            ))
        } else {
            match super::Household::parse(&self.house_number, &self.family_name) {
                Ok(household) => Some(household.encode()),
                Err(refused) => {
                    problems.0.extend(refused);
                    None
                }
            }
        };
        let beat = problems.take(UnitCode::parse_as(Field::Beat, &self.beat));
        let station = problems.take(UnitCode::parse_as(Field::Station, &self.station));
        let programmes = problems.take(
            parse_programmes(&self.programmes)
                .and_then(|programmes| known_programmes(programmes, &rules.programmes)),
        );
        let trained_by = problems.take(optional(&self.trained_by, parse_trainer));
        if let (Some(village), Some(beat)) = (village, &beat)
            && let Some(listed) = rules.villages.get(beat)
            && !listed.contains(&village)
        {
            problems
                .0
                .push(Invalid::new(Field::Village, InvalidCode::NotInBeat));
        }

        if !self.consent_given {
            problems
                .0
                .push(Invalid::new(Field::Consent, InvalidCode::Required));
        }
        let language = self.consent_language.trim().to_ascii_lowercase();
        for invalid in notice_problems(&language, self.consent_notice_version, &rules.notices) {
            problems.0.push(invalid);
        }

        let minor = age.is_some_and(|age| age.may_be_minor(rules.current_year));
        let guardian = if minor {
            if rules.adults_only {
                problems
                    .0
                    .push(Invalid::new(Field::Age, InvalidCode::AdultsOnly));
                None
            } else {
                match self.guardian() {
                    Ok(guardian) => Some(guardian),
                    Err(refused) => {
                        problems.0.extend(refused);
                        None
                    }
                }
            }
        } else {
            None
        };

        if !problems.0.is_empty() {
            return Err(Rejection {
                problems: problems.0,
            });
        }
        let missing = "every field was checked above and an error returned if any was refused";
        Ok(Enrolment {
            personal: Personal {
                name_devanagari: name_devanagari.expect(missing),
                name_latin: name_latin.expect(missing),
                phone: phone.expect(missing),
                household: household.expect(missing),
                guardian,
            },
            gender: gender.expect(missing),
            age: age.expect(missing),
            village: village.expect(missing),
            beat: beat.expect(missing),
            station: station.expect(missing),
            programmes: programmes.expect(missing),
            trained_by: trained_by.expect(missing),
            consent_language: language,
            consent_notice_version: self.consent_notice_version,
            guardian_consented: minor,
        })
    }

    /// The guardian block, required in full for someone who may be under 18. Every refused
    /// part is listed, so the constable asks the guardian for everything missing at once.
    fn guardian(&self) -> Result<Guardian, Vec<Invalid>> {
        let mut problems = Problems::default();
        if !self.guardian_consent_given {
            problems.0.push(Invalid::new(
                Field::GuardianConsent,
                InvalidCode::GuardianConsentRequired,
            ));
        }
        let name = problems.take(clean_name(Field::GuardianName, &self.guardian_name));
        let relation = problems.take(clean_text(
            Field::GuardianRelation,
            &self.guardian_relation,
            MAX_RELATION_CHARS,
        ));
        let phone = problems.take(parse_phone(Field::GuardianPhone, &self.guardian_phone));
        match (name, relation, phone) {
            (Some(name), Some(relation), Some(phone)) if problems.0.is_empty() => Ok(Guardian {
                name,
                relation,
                phone,
            }),
            _ => Err(problems.0),
        }
    }
}

/// What is wrong with the notice a consent names, given the notices this device holds. A
/// device that holds none refuses every consent on `consent_notice`: it has nothing it could
/// have shown.
fn notice_problems(language: &str, version: u32, held: &[NoticeRef]) -> Vec<Invalid> {
    let mut problems = Vec::new();
    let language_held = held.iter().any(|notice| notice.language == language);
    if language.is_empty() {
        problems.push(Invalid::new(Field::ConsentLanguage, InvalidCode::Required));
    } else if !held.is_empty() && !language_held {
        problems.push(Invalid::new(Field::ConsentLanguage, InvalidCode::Unknown));
    }
    if version == 0 {
        problems.push(Invalid::new(Field::ConsentNotice, InvalidCode::Required));
    } else if held.is_empty()
        || (language_held
            && !held
                .iter()
                .any(|notice| notice.language == language && notice.version == version))
    {
        problems.push(Invalid::new(Field::ConsentNotice, InvalidCode::Unknown));
    }
    problems
}

fn parse_programmes(codes: &[String]) -> Result<BTreeSet<Programme>, Invalid> {
    let mut programmes = BTreeSet::new();
    for code in codes {
        programmes.insert(code.parse::<Programme>()?);
    }
    if programmes.is_empty() {
        return Err(Invalid::new(Field::Programmes, InvalidCode::Required));
    }
    Ok(programmes)
}

/// `programmes` when each is one of the district's `known` (every one when the list is not
/// known yet); else the field refused as `unknown`: a typo would make a programme of its own.
pub fn known_programmes(
    programmes: BTreeSet<Programme>,
    known: &BTreeSet<Programme>,
) -> Result<BTreeSet<Programme>, Invalid> {
    if known.is_empty() || programmes.is_subset(known) {
        Ok(programmes)
    } else {
        Err(Invalid::new(Field::Programmes, InvalidCode::Unknown))
    }
}

/// A trainer is typed either as a volunteer id (26 characters) or as a badge number.
fn parse_trainer(input: &str) -> Result<Trainer, Invalid> {
    let trimmed = input.trim();
    if let Ok(id) = trimmed.parse() {
        return Ok(Trainer::Volunteer(id));
    }
    BadgeNumber::parse_as(Field::TrainedBy, trimmed).map(Trainer::Employee)
}

/// Whether a phone's validation would refuse `value` as the personal field stored under
/// `key` (`name_deva`, `phone`, …), read on its own: a change carried from an entry the person
/// left writes some fields, not the whole person. An unknown key is refused.
pub(crate) fn refused_personal_value(key: &str, value: &str) -> Option<Field> {
    let refused = match key {
        "name_deva" => clean_devanagari_name(value).err(),
        "name_latin" => clean_latin_name(value).err(),
        "household" => clean_text(Field::Household, value, MAX_HOUSEHOLD_CHARS).err(),
        "guardian_name" => clean_name(Field::GuardianName, value).err(),
        "guardian_relation" => clean_text(Field::GuardianRelation, value, MAX_RELATION_CHARS).err(),
        "phone" => value
            .parse::<super::Phone>()
            .err()
            .map(|_| Invalid::new(Field::Phone, InvalidCode::BadFormat)),
        "guardian_phone" => value
            .parse::<super::Phone>()
            .err()
            .map(|_| Invalid::new(Field::GuardianPhone, InvalidCode::BadFormat)),
        _ => Some(Invalid::new(Field::Phone, InvalidCode::Unknown)),
    };
    refused.map(|invalid| invalid.field)
}

impl Personal {
    /// The first field that a phone's validation would have refused, if any. An entry read
    /// back from a roster went through validation on an honest phone; one that fails here
    /// was written by a phone whose validation was bypassed, and a server refuses it.
    pub fn refused_field(&self) -> Option<Invalid> {
        let checks = [
            self.name_devanagari
                .as_deref()
                .map(|name| clean_devanagari_name(name).err()),
            self.name_latin
                .as_deref()
                .map(|name| clean_latin_name(name).err()),
            Some(clean_text(Field::Household, &self.household, MAX_HOUSEHOLD_CHARS).err()),
            self.guardian
                .as_ref()
                .map(|guardian| clean_name(Field::GuardianName, &guardian.name).err()),
            self.guardian.as_ref().map(|guardian| {
                clean_text(
                    Field::GuardianRelation,
                    &guardian.relation,
                    MAX_RELATION_CHARS,
                )
                .err()
            }),
        ];
        checks.into_iter().flatten().flatten().next()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minor_form() -> EnrolmentForm {
        EnrolmentForm {
            name_devanagari: "सुनीता साहू".into(),
            phone: "9876543210".into(),
            gender: "female".into(),
            age_years: Some(16),
            village_lgd: "434521".into(),
            household: "House 12, Sahu family".into(),
            beat: "BSP-PS-KONI-B01".into(),
            station: "BSP-PS-KONI".into(),
            programmes: vec!["cyber_mitan".into()],
            consent_given: true,
            consent_language: "hi".into(),
            consent_notice_version: 1,
            ..EnrolmentForm::default()
        }
    }

    fn with_guardian(form: EnrolmentForm) -> EnrolmentForm {
        EnrolmentForm {
            guardian_name: "रमेश साहू".into(),
            guardian_relation: "father".into(),
            guardian_phone: "+91 98765 43211".into(),
            guardian_consent_given: true,
            ..form
        }
    }

    fn refused(form: &EnrolmentForm, rules: &EnrolmentRules) -> Vec<(Field, InvalidCode)> {
        let rejection = form.validate(rules).expect_err("the form must be refused");
        rejection
            .problems
            .iter()
            .map(|invalid| (invalid.field, invalid.code))
            .collect()
    }

    #[test]
    fn under_18_without_guardian_consent_is_refused_naming_the_guardian_consent() {
        let form = EnrolmentForm {
            guardian_consent_given: false,
            ..with_guardian(minor_form())
        };
        let rejection = form
            .validate(&EnrolmentRules::standard(2026))
            .expect_err("a minor without a guardian's consent is refused");
        assert_eq!(
            rejection.problems,
            vec![Invalid::new(
                Field::GuardianConsent,
                InvalidCode::GuardianConsentRequired
            )]
        );
        assert_eq!(
            rejection.to_string(),
            "enrolment refused: guardian_consent: guardian_consent_required"
        );
    }

    #[test]
    fn under_18_with_nothing_of_the_guardian_lists_every_guardian_field() {
        assert_eq!(
            refused(&minor_form(), &EnrolmentRules::standard(2026)),
            vec![
                (Field::GuardianConsent, InvalidCode::GuardianConsentRequired),
                (Field::GuardianName, InvalidCode::Required),
                (Field::GuardianRelation, InvalidCode::Required),
                (Field::GuardianPhone, InvalidCode::Required),
            ]
        );
    }

    #[test]
    fn under_18_with_a_bad_guardian_phone_is_refused_on_that_phone() {
        let form = EnrolmentForm {
            guardian_phone: "12345".into(),
            ..with_guardian(minor_form())
        };
        let problems = refused(&form, &EnrolmentRules::standard(2026));
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].0, Field::GuardianPhone);
    }

    #[test]
    fn under_18_with_guardian_consent_is_accepted_and_recorded() {
        let enrolment = with_guardian(minor_form())
            .validate(&EnrolmentRules::standard(2026))
            .expect("a minor with a guardian's consent is accepted");
        assert!(enrolment.guardian_consented);
        let guardian = enrolment
            .personal
            .guardian
            .clone()
            .expect("the guardian is kept");
        assert_eq!(guardian.relation, "father");
        assert_eq!(guardian.phone.as_str(), "+919876543211");
        let witness: BadgeNumber = "CG-1042".parse().expect("badge");
        let consent = enrolment.consent(&witness, 1_700_000_000_000);
        assert_eq!(consent.language, "hi");
        assert_eq!(consent.notice_version, 1);
        assert_eq!(consent.witness, witness);
        assert!(consent.guardian_consented);
    }

    #[test]
    fn under_18_is_refused_in_an_adults_only_district_even_with_a_guardian() {
        let rules = EnrolmentRules {
            adults_only: true,
            ..EnrolmentRules::standard(2026)
        };
        assert_eq!(
            refused(&with_guardian(minor_form()), &rules),
            vec![(Field::Age, InvalidCode::AdultsOnly)]
        );
        let adult = EnrolmentForm {
            age_years: Some(30),
            ..minor_form()
        };
        adult.validate(&rules).expect("adults are enrolled");
    }

    #[test]
    fn a_consent_to_a_notice_the_device_does_not_hold_is_refused() {
        let adult = EnrolmentForm {
            age_years: Some(30),
            ..minor_form()
        };
        let rules = EnrolmentRules {
            notices: vec![NoticeRef::new("hi", 2), NoticeRef::new("hne", 1)],
            ..EnrolmentRules::standard(2026)
        };
        assert_eq!(
            refused(&adult, &rules),
            vec![(Field::ConsentNotice, InvalidCode::Unknown)]
        );
        let english = EnrolmentForm {
            consent_language: "en".into(),
            ..adult.clone()
        };
        assert_eq!(
            refused(&english, &rules),
            vec![(Field::ConsentLanguage, InvalidCode::Unknown)]
        );
        let chhattisgarhi = EnrolmentForm {
            consent_language: "HNE".into(),
            ..adult.clone()
        };
        let enrolment = chhattisgarhi.validate(&rules).expect("a district language");
        assert_eq!(enrolment.consent_language, "hne");
    }

    #[test]
    fn a_device_holding_no_notices_refuses_every_consent_on_the_notice() {
        let adult = EnrolmentForm {
            age_years: Some(30),
            ..minor_form()
        };
        assert_eq!(
            refused(&adult, &EnrolmentRules::without_notices(2026)),
            vec![(Field::ConsentNotice, InvalidCode::Unknown)]
        );
    }
}
