//! The district's progress report at a past moment, over real HTTP: two stations' phones
//! enrol and sync over several rounds while supervisors verify, mark a duplicate and record a
//! withdrawal. After each round the live progress report is read; afterwards the report
//! replayed at each of those moments (`GET /v1/audit/report`) must be exactly what was read
//! live, unit by unit and employee by employee, with and without a programme filter.

use std::collections::BTreeMap;
use std::time::Duration;

use mitan_core::demo::Generator;
use mitan_core::device::Moment;
use mitan_core::model::WithdrawalChannel;
use mitan_e2e::{DISTRICT, TestServer, beat, station};
use mitan_server::auth::Role;
use serde_json::Value;

const NOW: i64 = 1_763_870_000_000;

/// What the live and the replayed report share.
fn counted(report: &Value) -> (Value, Value) {
    (report["units"].clone(), report["employees"].clone())
}

/// Each unit's (by `code`) or employee's (by `badge`) counts in `report[list]`:
/// `[enrolled, verified]`.
fn counts_of(report: &Value, list: &str, key: &str) -> BTreeMap<String, [u64; 2]> {
    report[list]
        .as_array()
        .expect("a list")
        .iter()
        .map(|row| {
            let count = |field: &str| row[field].as_u64().expect("a count");
            (
                row[key].as_str().expect("a key").to_owned(),
                [count("enrolled"), count("verified")],
            )
        })
        .collect()
}

/// What moved from the live report `before` to `after`: `[enrolled then, now, verified then,
/// now]` of each unit or employee whose counts changed.
fn moved_between(
    before: &Value,
    after: &Value,
    list: &str,
    key: &str,
) -> BTreeMap<String, [u64; 4]> {
    let then = counts_of(before, list, key);
    counts_of(after, list, key)
        .into_iter()
        .filter_map(|(name, now)| {
            let was = then.get(&name).copied().unwrap_or_default();
            (was != now).then_some((name, [was[0], now[0], was[1], now[1]]))
        })
        .collect()
}

/// What a report diff lists, in the same shape, checking each `by` on the way.
fn moved_in(diff: &Value, list: &str, key: &str) -> BTreeMap<String, [u64; 4]> {
    diff[list]
        .as_array()
        .expect("a list")
        .iter()
        .map(|row| {
            let movement = |field: &str| {
                let (from, to) = (
                    row[field]["from"].as_i64().expect("a count"),
                    row[field]["to"].as_i64().expect("a count"),
                );
                assert_eq!(row[field]["by"].as_i64(), Some(to - from), "{row}");
                [from as u64, to as u64]
            };
            let (enrolled, verified) = (movement("enrolled"), movement("verified"));
            (
                row[key].as_str().expect("a key").to_owned(),
                [enrolled[0], enrolled[1], verified[0], verified[1]],
            )
        })
        .collect()
}

#[test]
fn the_progress_report_replayed_at_each_moment_is_what_was_read_live() {
    let server = TestServer::start(2).expect("the server starts");
    let dirs = tempfile::tempdir().expect("temp dir");
    let constables = [
        ("CG-001", 0, 0),
        ("CG-002", 0, 1),
        ("CG-003", 1, 0),
        ("CG-004", 1, 1),
    ];
    for (badge, station_index, beat_index) in constables {
        server
            .add_user(
                badge,
                Role::Constable,
                &station(station_index),
                &[beat(station_index, beat_index)],
            )
            .expect("constable added");
    }
    server
        .add_user("CG-100", Role::StationIncharge, &station(0), &[])
        .expect("in-charge added");
    server
        .add_user("CG-900", Role::Auditor, DISTRICT, &[])
        .expect("auditor added");
    let mut phones: Vec<_> = constables
        .iter()
        .map(|(badge, _, _)| {
            server
                .field_device(badge, &dirs.path().join(badge))
                .expect("registers")
        })
        .collect();
    let incharge = server
        .field_device("CG-100", &dirs.path().join("incharge"))
        .expect("registers")
        .credential();
    let auditor = server
        .field_device("CG-900", &dirs.path().join("auditor"))
        .expect("registers")
        .credential();

    // The moments recorded, each with the live report (all programmes, then Cyber Mitan).
    let mut moments: Vec<(i64, Value, Value)> = Vec::new();
    let record = |moments: &mut Vec<(i64, Value, Value)>| {
        let all = server.get("/v1/reports/progress", &auditor);
        assert_eq!(all.status, 200, "{}", all.body);
        let cyber = server.get("/v1/reports/progress?programme=cyber_mitan", &auditor);
        assert_eq!(cyber.status, 200, "{}", cyber.body);
        moments.push((server.state.now_ms(), all.json(), cyber.json()));
        // The next change is received strictly after the moment recorded.
        std::thread::sleep(Duration::from_millis(3));
    };
    let mut seed = 0;
    let mut enrol = |phone: &mut mitan_e2e::FieldDevice, station_index, beat_index, now_ms| {
        seed += 1;
        let form = Generator::new(seed).enrolment_form(
            &station(station_index),
            &beat(station_index, beat_index),
            "430001",
        );
        phone.enrol_form(&form, seed, now_ms)
    };

    record(&mut moments);
    // Day one: every constable enrols and syncs at the station.
    let mut enrolled = Vec::new();
    for (phone, (_, station_index, beat_index)) in phones.iter_mut().zip(constables) {
        for round in 0..3 {
            enrolled.push(enrol(phone, station_index, beat_index, NOW + round));
        }
        phone.sync_ok(NOW + 1_000);
        record(&mut moments);
    }
    // The in-charge verifies two of station 0's, and marks a third a duplicate of the first.
    for id in &enrolled[..2] {
        let verified = server.post(&format!("/v1/volunteers/{id}/verify"), &incharge, None);
        assert_eq!(verified.status, 200, "{}", verified.body);
    }
    record(&mut moments);
    let marked = server.post(
        &format!("/v1/volunteers/{}/duplicate", enrolled[3]),
        &incharge,
        Some(serde_json::json!({ "duplicate_of": enrolled[0].to_string() })),
    );
    assert_eq!(marked.status, 200, "{}", marked.body);
    record(&mut moments);
    // Day two: one of station 1's volunteers withdraws; two more are enrolled there.
    phones[2]
        .device
        .withdraw(
            &enrolled[6],
            WithdrawalChannel::InPerson,
            Moment {
                now_ms: NOW + 86_400_000,
                random: 77,
            },
        )
        .expect("withdrawn");
    enrol(&mut phones[3], 1, 1, NOW + 86_400_000);
    enrol(&mut phones[3], 1, 1, NOW + 86_400_001);
    phones[2].sync_ok(NOW + 86_401_000);
    record(&mut moments);
    phones[3].sync_ok(NOW + 86_401_000);
    record(&mut moments);

    // The last moment counts what the script did: 14 enrolled, one duplicate and one
    // withdrawal out, two verified.
    let last = &moments.last().expect("moments").1;
    assert_eq!(last["units"][0]["code"], DISTRICT);
    assert_eq!(last["units"][0]["enrolled"], 12);
    assert_eq!(last["units"][0]["verified"], 2);

    for (index, (at_ms, all, cyber)) in moments.iter().enumerate() {
        let replayed = server.get(&format!("/v1/audit/report?at_ms={at_ms}"), &auditor);
        assert_eq!(replayed.status, 200, "{}", replayed.body);
        let replayed = replayed.json();
        assert_eq!(counted(&replayed), counted(all), "moment {index}");
        assert_eq!(replayed["clock"], "server");
        let filtered = server.get(
            &format!("/v1/audit/report?at_ms={at_ms}&programme=cyber_mitan"),
            &auditor,
        );
        assert_eq!(filtered.status, 200, "{}", filtered.body);
        assert_eq!(counted(&filtered.json()), counted(cyber), "moment {index}");
    }

    // What moved between two moments is what moved between the live reports read then: each
    // unit and employee that moved with both counts, the others counted as unchanged.
    for pair in moments.windows(2) {
        let ((from_ms, before, _), (to_ms, after, _)) = (&pair[0], &pair[1]);
        let diff = server.get(
            &format!("/v1/audit/report/diff?from_ms={from_ms}&to_ms={to_ms}"),
            &auditor,
        );
        assert_eq!(diff.status, 200, "{}", diff.body);
        let diff = diff.json();
        let units = moved_between(before, after, "units", "code");
        assert_eq!(
            moved_in(&diff, "units", "code"),
            units,
            "{from_ms}..{to_ms}"
        );
        let employees = moved_between(before, after, "employees", "badge");
        assert_eq!(
            moved_in(&diff, "employees", "badge"),
            employees,
            "{from_ms}..{to_ms}"
        );
        let all_units = after["units"].as_array().expect("units").len();
        assert_eq!(
            diff["units_unchanged"].as_u64(),
            Some((all_units - units.len()) as u64)
        );
        assert_eq!(diff["from"]["at_ms"], *from_ms);
        assert_eq!(diff["to"]["at_ms"], *to_ms);
    }
    // The whole drive up to now, in one programme: every unit went from what the first live
    // report counted to what the last one counts.
    let (start, _, _) = &moments[0];
    let drive = server
        .get(
            &format!("/v1/audit/report/diff?from_ms={start}&programme=cyber_mitan"),
            &auditor,
        )
        .json();
    let (_, _, last_cyber) = moments.last().expect("moments");
    assert_eq!(
        moved_in(&drive, "units", "code"),
        moved_between(&moments[0].2, last_cyber, "units", "code")
    );
    assert_eq!(drive["counted"]["programme"], "cyber_mitan");

    // Before anything was received no roster held anything.
    let (before, _, _) = &moments[0];
    let empty = server
        .get(&format!("/v1/audit/report?at_ms={}", before - 1), &auditor)
        .json();
    assert_eq!(empty["rosters"], 0, "{empty}");
    assert_eq!(empty["changes"], 0, "{empty}");
    assert_eq!(empty["units"][0]["enrolled"], 0);

    // On the phones' clocks, the first day's twelve enrolments, before any review (the
    // supervisors acted on the server's clock, a year after the phones' NOW).
    let first_day = server
        .get(
            &format!("/v1/audit/report?at_ms={}&clock=device", NOW + 2),
            &auditor,
        )
        .json();
    assert_eq!(first_day["clock"], "device", "{first_day}");
    assert_eq!(first_day["units"][0]["enrolled"], 12, "{first_day}");
    assert_eq!(first_day["units"][0]["verified"], 0, "{first_day}");
    assert_eq!(first_day["rosters"], 4, "{first_day}");
    let (after, _, _) = moments.last().expect("moments");
    let full = server
        .get(&format!("/v1/audit/report?at_ms={after}"), &auditor)
        .json();
    assert_eq!(full["rosters"], 4, "{full}");
    assert!(full["changes"].as_u64().unwrap_or(0) > 14, "{full}");

    // A change names the moment the server received it: the supervisor's duplicate mark
    // (day one) gives the report of that moment, and says which change named it.
    let history = server
        .get(
            &format!("/v1/audit/history?unit={DISTRICT}&limit=1000"),
            &auditor,
        )
        .json();
    let marked_change = history["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|entry| entry["action"] == "review" && entry["entry"] == enrolled[3].to_string())
        .expect("the duplicate mark is in the history");
    let hash = marked_change["hash"].as_str().expect("a hash");
    let received = marked_change["received_at_ms"].as_i64().expect("a receipt");
    let by_change = server.get(&format!("/v1/audit/report?change={hash}"), &auditor);
    assert_eq!(by_change.status, 200, "{}", by_change.body);
    let by_change = by_change.json();
    let by_time = server
        .get(&format!("/v1/audit/report?at_ms={received}"), &auditor)
        .json();
    assert_eq!(counted(&by_change), counted(&by_time));
    assert_eq!(by_change["at_ms"], received);
    assert_eq!(by_change["change"], hash);
    let (_, right_after, _) = moments
        .iter()
        .find(|(at_ms, _, _)| *at_ms >= received)
        .expect("a moment was recorded after the mark");
    assert_eq!(
        counted(&by_change),
        counted(right_after),
        "the live report read right after the mark"
    );
    for (query, status, field) in [
        (format!("change={hash}&at_ms={received}"), 400, "change"),
        (format!("change={hash}&clock=device"), 400, "clock"),
        ("change=zz".to_owned(), 400, "change"),
        (format!("change={}", "00".repeat(32)), 404, ""),
    ] {
        let answer = server.get(&format!("/v1/audit/report?{query}"), &auditor);
        assert_eq!(answer.status, status, "{query}: {}", answer.body);
        if !field.is_empty() {
            assert_eq!(answer.error_field(), field, "{query}");
        }
    }

    // From the duplicate mark's arrival to the end: the withdrawal and the two late
    // enrolments at station 1, and the mark's own station no more.
    let since_mark = server.get(
        &format!("/v1/audit/report/diff?from_change={hash}&to_ms={after}"),
        &auditor,
    );
    assert_eq!(since_mark.status, 200, "{}", since_mark.body);
    let since_mark = since_mark.json();
    assert_eq!(since_mark["from"]["change"], hash);
    assert_eq!(
        moved_in(&since_mark, "units", "code"),
        moved_between(right_after, last, "units", "code")
    );
    let unit = |code: &str| {
        moved_in(&since_mark, "units", "code")
            .get(code)
            .copied()
            .unwrap_or_default()
    };
    assert_eq!(
        unit(&station(1))[1] as i64 - unit(&station(1))[0] as i64,
        1,
        "{since_mark}"
    );
    assert_eq!(unit(&station(0)), [0; 4], "{since_mark}");
    for (query, status, field) in [
        (String::new(), 400, "from_ms"),
        (format!("from_ms={after}&to_ms={start}"), 400, "to_ms"),
        (format!("from_ms={start}&clock=device"), 400, "to_ms"),
        (
            format!("from_change={hash}&from_ms={start}"),
            400,
            "from_change",
        ),
        ("from_change=zz".to_owned(), 400, "from_change"),
        (
            format!("from_ms={start}&to_change={}", "00".repeat(32)),
            404,
            "",
        ),
    ] {
        let answer = server.get(&format!("/v1/audit/report/diff?{query}"), &auditor);
        assert_eq!(answer.status, status, "{query}: {}", answer.body);
        if !field.is_empty() {
            assert_eq!(answer.error_field(), field, "{query}");
        }
    }
    let refused = server.get(&format!("/v1/audit/report/diff?from_ms={start}"), &incharge);
    assert_eq!(refused.status, 403, "{}", refused.body);

    // Auditors and the district admin only; the moment is required and named when missing.
    let refused = server.get(&format!("/v1/audit/report?at_ms={after}"), &incharge);
    assert_eq!(refused.status, 403, "{}", refused.body);
    let missing = server.get("/v1/audit/report", &auditor);
    assert_eq!(missing.status, 400, "{}", missing.body);
    assert_eq!(missing.error_field(), "at_ms");
    let bad_clock = server.get(
        &format!("/v1/audit/report?at_ms={after}&clock=sundial"),
        &auditor,
    );
    assert_eq!(bad_clock.status, 400, "{}", bad_clock.body);
    assert_eq!(bad_clock.error_field(), "clock");
}
