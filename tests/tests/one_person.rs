//! One person, once. Written twice in two scripts (a Devanagari-only entry on one phone and a
//! Latin-only entry on another, in one village), they come out of the duplicates report as a
//! similar-name candidate pair through the core's transliteration key. Enrolled twice with
//! one mobile number, in two beats of one station, they count once at the station and the
//! district, with the duplicate shown beside the count, in the live report, the console, the
//! lists exported and the report replayed at a past moment alike.

use std::collections::BTreeMap;
use std::time::Duration;

use mitan_core::demo::Generator;
use mitan_e2e::{DISTRICT, FieldDevice, TestServer, beat, station};
use mitan_server::auth::Role;
use serde_json::Value;

/// 2025-11-23, mid-morning in India.
const NOW: i64 = 1_763_870_000_000;

#[test]
fn a_devanagari_only_and_a_latin_only_spelling_in_one_village_are_a_candidate_pair() {
    let server = TestServer::start(1).expect("the server starts");
    let dirs = tempfile::tempdir().expect("temp dir");
    let incharge = server
        .staff_device(
            "CG-100",
            Role::StationIncharge,
            &station(0),
            &[],
            dirs.path(),
        )
        .expect("registers")
        .credential();
    let mut ids = Vec::new();
    for (seed, badge, devanagari, latin, phone) in [
        (1, "CG-001", "राजेश कुमार", "", "9827012345"),
        (2, "CG-002", "", "Rajesh Kumaar", "9827054321"),
    ] {
        let mut device = server
            .staff_device(
                badge,
                Role::Constable,
                &station(0),
                &[beat(0, 0)],
                dirs.path(),
            )
            .expect("registers");
        let mut form = Generator::new(seed).enrolment_form(&station(0), &beat(0, 0), "430001");
        form.name_devanagari = devanagari.into();
        form.name_latin = latin.into();
        form.phone = phone.into();
        ids.push(device.enrol_form(&form, seed, NOW).to_string());
        device.sync_ok(NOW + 1_000);
    }
    let reply = server.get("/v1/reports/duplicates", &incharge);
    assert_eq!(reply.status, 200, "{}", reply.body);
    let report = reply.json();
    let paired = report["similar_name"]
        .as_array()
        .expect("similar-name groups")
        .iter()
        .any(|group| {
            let members: Vec<&str> = group["volunteers"]
                .as_array()
                .expect("members")
                .iter()
                .filter_map(|volunteer| volunteer["id"].as_str())
                .collect();
            ids.iter().all(|id| members.contains(&id.as_str()))
        });
    assert!(paired, "{report}");
}

/// Each unit's (by code) `[enrolled, verified, duplicates]` in a progress report.
fn unit_counts(report: &Value) -> BTreeMap<String, [u64; 3]> {
    rows(report, "units", "code")
}

/// Each employee's (by badge) `[enrolled, verified, duplicates]`.
fn employee_counts(report: &Value) -> BTreeMap<String, [u64; 3]> {
    rows(report, "employees", "badge")
}

fn rows(report: &Value, list: &str, key: &str) -> BTreeMap<String, [u64; 3]> {
    report[list]
        .as_array()
        .unwrap_or_else(|| panic!("{list} in {report}"))
        .iter()
        .map(|row| {
            let count = |field: &str| {
                row[field]
                    .as_u64()
                    .unwrap_or_else(|| panic!("{field} in {row}"))
            };
            (
                row[key].as_str().expect("a key").to_owned(),
                [count("enrolled"), count("verified"), count("duplicates")],
            )
        })
        .collect()
}

/// The live report as `credential` reads it.
fn live(server: &TestServer, credential: &str) -> Value {
    let reply = server.get("/v1/reports/progress", credential);
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()
}

/// The report replayed at `at_ms` on the server's clock, as the auditor reads it.
fn replayed(server: &TestServer, auditor: &str, at_ms: i64) -> Value {
    let reply = server.get(&format!("/v1/audit/report?at_ms={at_ms}"), auditor);
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()
}

/// Asserts that the report replayed at `at_ms` is `live`, unit by unit and employee by
/// employee, duplicates included.
fn assert_replay_agrees(server: &TestServer, auditor: &str, at_ms: i64, live: &Value) {
    let past = replayed(server, auditor, at_ms);
    assert_eq!(past["units"], live["units"], "units at {at_ms}");
    assert_eq!(past["employees"], live["employees"], "employees at {at_ms}");
}

/// How often the ten digits of `phone` occur in `text`.
fn times(text: &str, phone: &str) -> usize {
    text.matches(phone).count()
}

/// The row of `code` in a console page's units table, from its name to the end of the row.
fn unit_row<'a>(html: &'a str, code: &str) -> &'a str {
    let marker = format!("<small>{code}</small>");
    // The lagging units come first; the whole tree follows, so the last row is the tree's.
    let start = html
        .rfind(&marker)
        .unwrap_or_else(|| panic!("{code} in {html}"));
    let end = html[start..]
        .find("</tr>")
        .map_or(html.len(), |end| start + end);
    &html[start..end]
}

#[test]
fn one_phone_enrolled_in_two_beats_counts_once_at_the_station_and_the_district_with_the_duplicate_beside()
 {
    const PHONE: &str = "9827012345";
    let server = TestServer::start(1).expect("the server starts");
    let dirs = tempfile::tempdir().expect("temp dir");
    let incharge = server
        .staff_device(
            "CG-100",
            Role::StationIncharge,
            &station(0),
            &[],
            dirs.path(),
        )
        .expect("registers")
        .credential();
    let auditor = server
        .staff_device("CG-900", Role::Auditor, DISTRICT, &[], dirs.path())
        .expect("registers")
        .credential();
    let constable = |badge: &str, beat_index: usize| -> FieldDevice {
        server
            .staff_device(
                badge,
                Role::Constable,
                &station(0),
                &[beat(0, beat_index)],
                dirs.path(),
            )
            .expect("registers")
    };
    let (mut first, mut second) = (constable("CG-001", 0), constable("CG-002", 1));

    // The first beat's constable enrols Sunita and a neighbour of hers, and syncs.
    let mut sunita = Generator::new(1).enrolment_form(&station(0), &beat(0, 0), "430001");
    sunita.name_devanagari = "सुनीता साहू".into();
    sunita.name_latin = "Sunita Sahu".into();
    sunita.phone = PHONE.into();
    let neighbour = Generator::new(2).enrolment_form(&station(0), &beat(0, 0), "430001");
    assert!(
        !neighbour.phone.contains(PHONE),
        "the neighbour has a phone of her own"
    );
    let sunita_first = first.enrol_form(&sunita, 1, NOW);
    first.enrol_form(&neighbour, 2, NOW + 1);
    first.sync_ok(NOW + 1_000);
    let before = (server.state.now_ms(), live(&server, &auditor));
    std::thread::sleep(Duration::from_millis(3));

    // The second beat's constable enrols her again, her number written another way.
    let mut again = Generator::new(3).enrolment_form(&station(0), &beat(0, 1), "430001");
    again.name_devanagari = "सुनीता साहू".into();
    again.name_latin = "Sunita Sahu".into();
    again.phone = "+91 98270-12345".into();
    let sunita_again = second.enrol_form(&again, 3, NOW + 2);
    second.sync_ok(NOW + 2_000);
    let verified = server.post(
        &format!("/v1/volunteers/{sunita_again}/verify"),
        &incharge,
        None,
    );
    assert_eq!(verified.status, 200, "{}", verified.body);

    // Once at the station and above, once in each beat; the station shows one duplicate.
    let report = live(&server, &auditor);
    let units = unit_counts(&report);
    assert_eq!(units[DISTRICT], [2, 1, 1], "{report}");
    assert_eq!(units[&station(0)], [2, 1, 1], "{report}");
    assert_eq!(units[&beat(0, 0)], [2, 0, 0], "{report}");
    assert_eq!(units[&beat(0, 1)], [1, 1, 0], "{report}");
    let employees = employee_counts(&report);
    assert_eq!(employees["CG-001"], [2, 0, 0], "{report}");
    assert_eq!(employees["CG-002"], [1, 1, 0], "{report}");
    let station_report = live(&server, &incharge);
    assert_eq!(
        unit_counts(&station_report)[&station(0)],
        [2, 1, 1],
        "the in-charge's view counts the same"
    );
    assert_eq!(
        station_report["units"][0]["percent"], 1.0,
        "2 people of the station's 200: {station_report}"
    );

    // The duplicates report lists the two entries as one number, for the in-charge to resolve.
    let duplicates = server.get("/v1/reports/duplicates", &incharge).json();
    let same_phone = duplicates["same_phone"].as_array().expect("groups");
    assert_eq!(same_phone.len(), 1, "{duplicates}");
    assert_eq!(
        same_phone[0]["volunteers"].as_array().map(Vec::len),
        Some(2)
    );

    // The station's WhatsApp lists hold her number once, as its count does.
    for kind in ["group", "broadcast"] {
        for format in ["csv", "vcard"] {
            let list = server.get(
                &format!(
                    "/v1/exports?unit={}&kind={kind}&format={format}&include_unverified=true",
                    station(0)
                ),
                &incharge,
            );
            assert_eq!(list.status, 200, "{}", list.body);
            assert_eq!(
                times(&list.body, PHONE),
                1,
                "{kind} {format}: {}",
                list.body
            );
        }
    }

    // Replayed later, each moment reads as it was read live, the duplicate included.
    assert_replay_agrees(&server, &auditor, before.0, &before.1);
    assert_eq!(unit_counts(&before.1)[&station(0)], [2, 0, 0]);
    let now = server.state.now_ms();
    assert_replay_agrees(&server, &auditor, now, &report);
    let diff = server.get(
        &format!("/v1/audit/report/diff?from_ms={}&to_ms={now}", before.0),
        &auditor,
    );
    assert_eq!(diff.status, 200, "{}", diff.body);
    let diff = diff.json();
    let station_moved = diff["units"]
        .as_array()
        .expect("units")
        .iter()
        .find(|unit| unit["code"] == station(0).as_str())
        .unwrap_or_else(|| panic!("the station moved: {diff}"));
    assert_eq!(station_moved["enrolled"]["by"], 0, "{station_moved}");
    assert_eq!(station_moved["verified"]["by"], 1, "{station_moved}");
    assert_eq!(station_moved["duplicates"]["by"], 1, "{station_moved}");

    // The console shows the figure beside the count, in Hindi and in English, and so does the
    // auditor's page of a past date (an India date, the end of that day).
    let session = server.console_session("CG-100");
    for (lang, words) in [
        ("hi", "एक ही मोबाइल (दोबारा नहीं गिने)"),
        ("en", "Same mobile (not counted again)"),
    ] {
        let html = server.console_page(&session, lang, "/progress");
        assert!(html.contains(words), "{lang}: {html}");
        let row = unit_row(&html, &station(0));
        assert!(
            row.contains("<strong class=\"flag\">1</strong>"),
            "{lang}: {row}"
        );
        assert!(!unit_row(&html, &beat(0, 1)).contains("flag"), "{html}");
    }
    let auditor_session = server.console_session("CG-900");
    // Today in India, as an officer types it ("08 Dec 2026"): after 18:30 UTC, a day ahead
    // of the UTC date.
    let today = mitan_server::ist::date(server.state.now_ms());
    let html = server.console_page(
        &auditor_session,
        "en",
        &format!("/audit/progress?at={}", today.replace(' ', "%20")),
    );
    assert!(html.contains(&format!("{today} 23:59")), "{html}");
    assert!(
        unit_row(&html, &station(0)).contains("<strong class=\"flag\">1</strong>"),
        "{html}"
    );

    // Resolved as a duplicate, the entry leaves the count, which does not move, and the figure.
    let marked = server.post(
        &format!("/v1/volunteers/{sunita_again}/duplicate"),
        &incharge,
        Some(serde_json::json!({ "duplicate_of": sunita_first.to_string() })),
    );
    assert_eq!(marked.status, 200, "{}", marked.body);
    let resolved = live(&server, &auditor);
    let units = unit_counts(&resolved);
    assert_eq!(units[&station(0)], [2, 0, 0], "{resolved}");
    assert_eq!(units[&beat(0, 1)], [0, 0, 0], "{resolved}");
    assert_replay_agrees(&server, &auditor, server.state.now_ms(), &resolved);
}
