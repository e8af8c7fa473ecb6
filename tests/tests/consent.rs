//! The consent record end to end: a field device receives the district's notices and policy
//! from a real server at registration and at each sync, and enrols under them offline.

use mitan_core::Error;
use mitan_core::device::Moment;
use mitan_core::model::{EnrolmentForm, Field, InvalidCode};
use mitan_e2e::{DISTRICT, FieldDevice, TestServer, beat, station};
use mitan_server::auth::Role;
use serde_json::json;

const NOW: i64 = 1_763_900_000_000;

fn form(age: u32, phone: &str, language: &str, version: u32) -> EnrolmentForm {
    EnrolmentForm {
        name_latin: "Sunita Sahu".into(),
        phone: phone.into(),
        gender: "female".into(),
        age_years: Some(age),
        village_lgd: "430001".into(),
        household: "House 4".into(),
        beat: beat(0, 0),
        station: station(0),
        programmes: vec!["cyber_mitan".into()],
        consent_given: true,
        consent_language: language.into(),
        consent_notice_version: version,
        ..EnrolmentForm::default()
    }
}

fn with_guardian(form: EnrolmentForm) -> EnrolmentForm {
    EnrolmentForm {
        guardian_name: "Ramesh Sahu".into(),
        guardian_relation: "father".into(),
        guardian_phone: "9876500001".into(),
        guardian_consent_given: true,
        ..form
    }
}

fn enrol(
    field: &mut FieldDevice,
    form: &EnrolmentForm,
    random: u128,
) -> mitan_core::Result<mitan_core::device::EnrolOutcome> {
    field.device.enrol(
        form,
        Moment {
            now_ms: NOW,
            random,
        },
    )
}

fn refused(field: &mut FieldDevice, form: &EnrolmentForm) -> Vec<(Field, InvalidCode)> {
    match enrol(field, form, 999) {
        Err(Error::Invalid(rejection)) => rejection
            .problems
            .iter()
            .map(|invalid| (invalid.field, invalid.code))
            .collect(),
        other => panic!("the form must be refused, got {other:?}"),
    }
}

#[test]
fn a_field_device_enrols_under_the_notices_and_policy_the_district_publishes() {
    let server = TestServer::start(1).expect("the server starts");
    let dirs = tempfile::tempdir().expect("temp dir");
    server
        .add_user("CG-500", Role::DistrictAdmin, DISTRICT, &[])
        .expect("admin added");
    server
        .add_user("CG-001", Role::Constable, &station(0), &[beat(0, 0)])
        .expect("constable added");
    let admin = server
        .field_device("CG-500", &dirs.path().join("admin"))
        .expect("admin registers")
        .credential();
    let mut phone = server
        .field_device("CG-001", &dirs.path().join("phone"))
        .expect("the constable's phone registers");

    // Registration brought the district's notices: the phone shows them and enrols offline.
    let hindi = phone.device.notice("hi").expect("read").expect("held");
    assert_eq!(hindi.version, 1);
    assert_eq!(
        refused(&mut phone, &form(16, "9876500010", "hi", 1)),
        vec![
            (Field::GuardianConsent, InvalidCode::GuardianConsentRequired),
            (Field::GuardianName, InvalidCode::Required),
            (Field::GuardianRelation, InvalidCode::Required),
            (Field::GuardianPhone, InvalidCode::Required),
        ]
    );
    enrol(
        &mut phone,
        &with_guardian(form(16, "9876500010", "hi", 1)),
        1,
    )
    .expect("a minor with a guardian's consent");

    // The district rewords its Hindi notice and turns to adults only.
    let reply = server.put(
        "/v1/admin/notices",
        &admin,
        json!({ "version": 2, "language": "hi", "text": "संशोधित सूचना: केवल वयस्क।" }),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let reply = server.put("/v1/admin/policy", &admin, json!({ "adults_only": true }));
    assert_eq!(reply.status, 200, "{}", reply.body);
    let reply = server.put(
        "/v1/admin/notices",
        &phone.credential(),
        json!({ "version": 3, "language": "hi", "text": "not the admin" }),
    );
    assert_eq!(reply.status, 403);

    // Until the phone syncs it cannot have shown version 2.
    assert_eq!(
        refused(&mut phone, &form(30, "9876500011", "hi", 2)),
        vec![(Field::ConsentNotice, InvalidCode::Unknown)]
    );

    let synced = mitan_cli::field::sync(&mut phone.device, &phone.profile).expect("sync");
    assert!(synced.terms_unfetched.is_none(), "{synced:?}");
    let hindi = phone.device.notice("hi").expect("read").expect("held");
    assert_eq!(
        (hindi.version, hindi.text.as_str()),
        (2, "संशोधित सूचना: केवल वयस्क।")
    );
    assert!(phone.device.rules().adults_only);
    assert_eq!(
        refused(&mut phone, &with_guardian(form(16, "9876500012", "hi", 2))),
        vec![(Field::Age, InvalidCode::AdultsOnly)]
    );
    let adult = enrol(&mut phone, &form(30, "9876500011", "hi", 2), 2).expect("an adult");
    // The English notice is still version 1, and the phone still holds it.
    enrol(&mut phone, &form(40, "9876500013", "en", 1), 3).expect("an adult, in English");

    let synced = mitan_cli::field::sync(&mut phone.device, &phone.profile).expect("sync");
    assert!(synced.terms_unfetched.is_none(), "{synced:?}");
    assert_eq!(phone.device.pending_sync_count().expect("count"), 0);
    let on_server = server.volunteers();
    assert_eq!(on_server.len(), 3, "{on_server:?}");
    assert!(on_server.iter().any(|(id, _)| id == &adult.id.to_string()));
    let recorded = phone.device.volunteer(&adult.id).expect("held");
    assert_eq!(
        (
            recorded.consent.language.as_str(),
            recorded.consent.notice_version
        ),
        ("hi", 2)
    );
    assert_eq!(recorded.consent.witness.as_str(), "CG-001");
}
