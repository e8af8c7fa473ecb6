//! The district's programmes through the real server: the admin adds one of the district's
//! own, a phone receives the list with the notices, enrols into it, and refuses a code that is
//! not on it.

use mitan_core::demo::Generator;
use mitan_core::device::Moment;
use mitan_core::model::{Field, InvalidCode};
use mitan_e2e::{DISTRICT, TestServer, beat, station};
use mitan_server::auth::Role;

/// 2025-11-23, mid-morning in India.
const NOW: i64 = 1_763_870_000_000;

#[test]
fn a_phone_enrols_into_the_districts_programmes_and_refuses_any_other() {
    let server = TestServer::start(1).expect("the server starts");
    let dirs = tempfile::tempdir().expect("temp dir");
    let admin = server
        .staff_device("CG-500", Role::DistrictAdmin, DISTRICT, &[], dirs.path())
        .expect("registers")
        .credential();

    let added = server.put(
        "/v1/admin/programmes",
        &admin,
        serde_json::json!({ "code": "nasha_mukti", "name_hi": "नशा मुक्ति", "name_en": "Nasha Mukti" }),
    );
    assert_eq!(added.status, 200, "{}", added.body);
    let refused = server.put(
        "/v1/admin/programmes",
        &admin,
        serde_json::json!({ "code": "Nasha Mukti!", "name_hi": "नशा मुक्ति", "name_en": "Nasha Mukti" }),
    );
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert_eq!(refused.error_field(), "code");
    let listed = server.get("/v1/admin/programmes", &admin).json();
    let codes: Vec<&str> = listed["programmes"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|programme| programme["code"].as_str().expect("code"))
        .collect();
    assert!(
        codes.contains(&"nasha_mukti") && codes.contains(&"cyber_mitan"),
        "{codes:?}"
    );

    let mut phone = server
        .staff_device(
            "CG-001",
            Role::Constable,
            &station(0),
            &[beat(0, 0)],
            dirs.path(),
        )
        .expect("registers");
    assert_eq!(phone.device.programmes().expect("held").len(), codes.len());
    let mut generator = Generator::new(21);
    let mut form = generator.enrolment_form(&station(0), &beat(0, 0), "430001");
    form.programmes = vec!["nasha_mukti".into()];
    phone.enrol_form(&form, 1, NOW);
    let mut typo = generator.enrolment_form(&station(0), &beat(0, 0), "430001");
    typo.programmes = vec!["nasha_mukt".into()];
    let refused = phone
        .device
        .enrol(
            &typo,
            Moment {
                now_ms: NOW,
                random: 2,
            },
        )
        .expect_err("not on the list");
    let mitan_core::Error::Invalid(rejection) = refused else {
        panic!("refused as {refused:?}");
    };
    assert_eq!(
        (rejection.first().field, rejection.first().code),
        (Field::Programmes, InvalidCode::Unknown)
    );
    assert_eq!(phone.sync_ok(NOW + 1_000).refused, 0);
}
