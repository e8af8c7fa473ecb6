//! The consent record on a phone: the district's notices and policy held in the store and used
//! offline, and the rules for people under 18.

use std::path::Path;

use mitan_core::Error;
use mitan_core::device::{Device, Moment};
use mitan_core::model::{
    ConsentNotice, ConsentTerms, EnrolmentForm, EnrolmentRules, Field, InvalidCode,
};
use mitan_core::store::{DeviceIdentity, StoreKey};

const STATION: &str = "BSP-PS-KONI";
const BEAT: &str = "BSP-PS-KONI-B01";
const NOW: i64 = 1_763_900_000_000;

fn identity() -> DeviceIdentity {
    DeviceIdentity {
        device_id: "dev-1".parse().expect("valid device id"),
        actor: [1; 16],
        badge: "CG-001".parse().expect("valid badge"),
        station: STATION.parse().expect("valid station"),
        beats: vec![BEAT.parse().expect("valid beat")],
        quota: 25,
    }
}

/// A field device as it starts: no notices of its own, everything from the district.
fn open(dir: &Path) -> Device {
    Device::open(
        &dir.join("device.db"),
        &StoreKey::from_bytes([7; 32]),
        &identity(),
        EnrolmentRules::without_notices(2026),
    )
    .expect("store opens")
}

fn terms(adults_only: bool) -> ConsentTerms {
    ConsentTerms {
        adults_only,
        notices: vec![
            ConsentNotice::checked(
                "hi",
                2,
                "आपका नाम और फ़ोन नंबर पुलिस मितान सूची में रखा जाएगा।",
                10,
            )
            .expect("valid"),
            ConsentNotice::checked("hne", 1, "तोर नाँव अउ फोन नंबर मितान सूची म रखे जाही।", 10)
                .expect("valid"),
        ],
    }
}

fn form(age: u32, language: &str, version: u32) -> EnrolmentForm {
    EnrolmentForm {
        name_devanagari: "सुनीता साहू".into(),
        phone: "9876543210".into(),
        gender: "female".into(),
        age_years: Some(age),
        village_lgd: "434521".into(),
        household: "House 12".into(),
        beat: BEAT.into(),
        station: STATION.into(),
        programmes: vec!["cyber_mitan".into()],
        consent_given: true,
        consent_language: language.into(),
        consent_notice_version: version,
        ..EnrolmentForm::default()
    }
}

fn with_guardian(form: EnrolmentForm) -> EnrolmentForm {
    EnrolmentForm {
        guardian_name: "रमेश साहू".into(),
        guardian_relation: "father".into(),
        guardian_phone: "9876543211".into(),
        guardian_consent_given: true,
        ..form
    }
}

fn moment(random: u128) -> Moment {
    Moment {
        now_ms: NOW,
        random,
    }
}

fn refused(device: &mut Device, form: &EnrolmentForm) -> Vec<(Field, InvalidCode)> {
    match device.enrol(form, moment(99)) {
        Err(Error::Invalid(rejection)) => rejection
            .problems
            .iter()
            .map(|invalid| (invalid.field, invalid.code))
            .collect(),
        other => panic!("the form must be refused, got {other:?}"),
    }
}

#[test]
fn a_device_without_the_districts_notices_refuses_enrolment_on_the_notice() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut device = open(dir.path());
    assert_eq!(device.notice("hi").expect("read"), None);
    assert_eq!(
        refused(&mut device, &form(30, "hi", 1)),
        vec![(Field::ConsentNotice, InvalidCode::Unknown)]
    );
    assert_eq!(device.pending_sync_count().expect("count"), 0);
}

#[test]
fn notices_received_once_are_shown_and_used_offline_after_reopening() {
    let dir = tempfile::tempdir().expect("temp dir");
    open(dir.path())
        .save_consent_terms(&terms(false), NOW)
        .expect("terms stored");
    // Reopened with no server in reach: the notices come from the store.
    let mut device = open(dir.path());
    let hindi = device.notice("HI").expect("read").expect("held");
    assert_eq!(hindi.version, 2);
    assert!(hindi.text.starts_with("आपका नाम"));
    assert_eq!(device.notices().expect("notices").len(), 2);

    device
        .enrol(&form(30, "hne", 1), moment(1))
        .expect("a consent to a held notice in a language the district added");
    assert_eq!(
        refused(&mut device, &form(30, "hi", 1)),
        vec![(Field::ConsentNotice, InvalidCode::Unknown)],
        "version 1 of the Hindi notice never reached this device"
    );
    assert_eq!(
        refused(&mut device, &form(30, "en", 1)),
        vec![(Field::ConsentLanguage, InvalidCode::Unknown)]
    );
    let enrolled = device
        .enrol(&with_guardian(form(15, "hi", 2)), moment(2))
        .expect("a minor with a guardian's consent");
    let volunteer = device.volunteer(&enrolled.id).expect("stored");
    assert!(volunteer.consent.guardian_consented);
    assert_eq!(
        (
            volunteer.consent.language.as_str(),
            volunteer.consent.notice_version
        ),
        ("hi", 2)
    );
    assert_eq!(volunteer.consent.witness.as_str(), "CG-001");
    let guardian = volunteer
        .personal
        .and_then(|personal| personal.guardian)
        .expect("the guardian is kept");
    assert_eq!(guardian.relation, "father");
}

#[test]
fn under_18_without_guardian_consent_is_refused_with_a_clear_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut device = open(dir.path());
    device
        .save_consent_terms(&terms(false), NOW)
        .expect("terms stored");
    let no_consent = EnrolmentForm {
        guardian_consent_given: false,
        ..with_guardian(form(16, "hi", 2))
    };
    let Err(Error::Invalid(rejection)) = device.enrol(&no_consent, moment(3)) else {
        panic!("the form must be refused");
    };
    assert_eq!(rejection.problems.len(), 1);
    let problem = rejection.first();
    assert_eq!(problem.field.as_str(), "guardian_consent");
    assert_eq!(problem.code.as_str(), "guardian_consent_required");
    assert_eq!(device.store().volunteer_count().expect("count"), 0);
}

#[test]
fn the_districts_adults_only_policy_refuses_minors_even_with_a_guardian() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut device = open(dir.path());
    device
        .save_consent_terms(&terms(true), NOW)
        .expect("terms stored");
    assert!(device.rules().adults_only);
    assert_eq!(
        refused(&mut device, &with_guardian(form(17, "hi", 2))),
        vec![(Field::Age, InvalidCode::AdultsOnly)]
    );
    device
        .enrol(&form(18, "hi", 2), moment(4))
        .expect("an adult is enrolled");
    // The district lifts the policy: the next delivery replaces it.
    device
        .save_consent_terms(&terms(false), NOW + 1)
        .expect("terms stored");
    device
        .enrol(&with_guardian(form(17, "hi", 2)), moment(5))
        .expect("a minor with a guardian, once the district allows it");
}

#[test]
fn a_malformed_notice_from_the_server_is_refused_and_nothing_is_stored() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut device = open(dir.path());
    let mut bad = terms(true);
    bad.notices.push(ConsentNotice {
        language: "hindi".into(),
        version: 3,
        text: "text".into(),
        published_at_ms: 10,
    });
    assert!(matches!(
        device.save_consent_terms(&bad, NOW),
        Err(Error::Invalid(_))
    ));
    assert!(device.notices().expect("notices").is_empty());
    assert!(!device.rules().adults_only);
}
