//! Households through the real server: the form gives the house number and the family name
//! apart, the phone warns (without refusing) when the household already has a volunteer in
//! the beat however it was written, and coverage counts households by their key, not by how
//! the constable typed them.

use mitan_core::demo::Generator;
use mitan_core::device::{Moment, Problem};
use mitan_core::model::{EnrolmentForm, Field, InvalidCode};
use mitan_e2e::{TestServer, beat, station};

/// 2025-11-23, mid-morning in India.
const NOW: i64 = 1_763_870_000_000;
const VILLAGE: &str = "430001";

fn form(seed: u64, house_number: &str, family_name: &str, household: &str) -> EnrolmentForm {
    EnrolmentForm {
        house_number: house_number.into(),
        family_name: family_name.into(),
        household: household.into(),
        ..Generator::new(seed).enrolment_form(&station(0), &beat(0, 0), VILLAGE)
    }
}

#[test]
fn one_household_written_two_ways_warns_on_the_phone_and_counts_once_in_coverage() {
    let server = TestServer::start(1).expect("the server starts");
    let dirs = tempfile::tempdir().expect("temp dir");
    let (mut phone, incharge) = server.beat_team(dirs.path()).expect("registers");
    let mut enrol = |seed: u64, form: &EnrolmentForm| {
        phone
            .device
            .enrol(
                form,
                Moment {
                    now_ms: NOW + seed as i64,
                    random: u128::from(seed),
                },
            )
            .expect("enrolled: a shared household is a warning, not a refusal")
    };

    let first = enrol(1, &form(1, "12", "पटेल", ""));
    assert!(first.problems.is_empty(), "{:?}", first.problems);
    // The same house in Devanagari digits and a free description, by a builds-before form.
    let second = enrol(2, &form(2, "", "", "मकान नं. १२, Patel परिवार"));
    assert_eq!(second.problems, [Problem::SameHouseholdAs(first.id)]);
    let third = enrol(3, &form(3, "12-A", "", ""));
    assert!(third.problems.is_empty(), "12-A is another house");
    // Without a number the family name is the household, in either script.
    let fourth = enrol(4, &form(4, "", "साहू", ""));
    assert!(fourth.problems.is_empty());
    let fifth = enrol(5, &form(5, "", "Sahu", ""));
    assert_eq!(fifth.problems, [Problem::SameHouseholdAs(fourth.id)]);

    // A house number without a digit is refused beside its field, and nothing is stored.
    let refused = phone
        .device
        .enrol(
            &form(6, "पीपल के पास", "साहू", ""),
            Moment {
                now_ms: NOW + 6,
                random: 6,
            },
        )
        .expect_err("refused");
    let mitan_core::Error::Invalid(rejection) = refused else {
        panic!("refused for another reason: {refused:?}");
    };
    assert_eq!(
        rejection
            .problems
            .iter()
            .map(|problem| (problem.field, problem.code))
            .collect::<Vec<_>>(),
        [(Field::HouseNumber, InvalidCode::BadFormat)]
    );

    phone.sync_ok(NOW + 10_000);
    let reply = server.get("/v1/reports/coverage", &incharge);
    assert_eq!(reply.status, 200, "{}", reply.body);
    let report = reply.json();
    let village = report["villages"]
        .as_array()
        .expect("villages")
        .iter()
        .find(|village| village["lgd_code"] == VILLAGE)
        .expect("the village is covered")
        .clone();
    // Five volunteers in three households: house 12, house 12-A, the Sahu family.
    assert_eq!(village["volunteers"], 5, "{village}");
    assert_eq!(village["households_covered"], 3, "{village}");
}
