//! Auditors replay the merge history over HTTP: three phones and two supervisors enrol, edit,
//! verify, merge a duplicate and record a withdrawal; afterwards `GET /v1/audit/state` at each
//! step's change gives back exactly the roster the auditor saw live at that step (the person
//! who withdrew erased throughout), the history names every author, role and device, and every
//! answer that showed personal fields is in the access log. A replay in progress holds up no
//! sync, and writes nothing.

use mitan_core::demo::Generator;
use mitan_core::device::Moment;
use mitan_core::model::{VolunteerEdit, WithdrawalChannel};
use mitan_e2e::{DISTRICT, TestServer, beat, station};
use mitan_server::auth::Role;
use serde_json::Value;

const NOW: i64 = 1_763_870_000_000;
const FIRST_PHONE: &str = "9876543210";
const SECOND_PHONE: &str = "+919812345678";

#[test]
fn a_scripted_history_replays_over_http_to_the_state_of_every_step() {
    let server = TestServer::start(1).expect("the server starts");
    let dirs = tempfile::tempdir().expect("temp dir");
    for badge in ["CG-001", "CG-002", "CG-003"] {
        server
            .add_user(badge, Role::Constable, &station(0), &[beat(0, 0)])
            .expect("constable added");
    }
    server
        .add_user("CG-100", Role::StationIncharge, &station(0), &[])
        .expect("in-charge added");
    server
        .add_user("CG-150", Role::CircleOfficer, "BSP-C1", &[])
        .expect("circle officer added");
    server
        .add_user("CG-900", Role::Auditor, DISTRICT, &[])
        .expect("auditor added");
    let mut phone_a = server
        .field_device("CG-001", &dirs.path().join("a"))
        .expect("registers");
    let mut phone_b = server
        .field_device("CG-002", &dirs.path().join("b"))
        .expect("registers");
    let mut phone_c = server
        .field_device("CG-003", &dirs.path().join("c"))
        .expect("registers");
    let incharge = server
        .field_device("CG-100", &dirs.path().join("incharge"))
        .expect("registers")
        .credential();
    let circle_officer = server
        .field_device("CG-150", &dirs.path().join("co"))
        .expect("registers")
        .credential();
    let auditor = server
        .field_device("CG-900", &dirs.path().join("auditor"))
        .expect("registers")
        .credential();
    let roster = beat(0, 0);
    let history_path = format!("/v1/audit/history?roster={roster}&limit=1000");

    // After each step: the newest change, and the roster as the auditor saw it then.
    let mut steps: Vec<(String, Value)> = Vec::new();
    let record = |steps: &mut Vec<(String, Value)>| {
        let history = server.get(&history_path, &auditor);
        assert_eq!(history.status, 200, "{}", history.body);
        let newest = history.json()["entries"]
            .as_array()
            .and_then(|entries| entries.last())
            .and_then(|entry| entry["hash"].as_str())
            .expect("the history has changes")
            .to_owned();
        let live = server.get(&format!("/v1/audit/state?roster={roster}"), &auditor);
        assert_eq!(live.status, 200, "{}", live.body);
        steps.push((newest, live.json()));
    };
    let form = |seed: u64, phone: &str| {
        let mut form = Generator::new(seed).enrolment_form(&station(0), &roster, "430001");
        form.phone = phone.to_owned();
        form
    };

    // 1–3. Three phones enrol; phone B enrols the same person as phone A.
    let first = phone_a.enrol_form(&form(1, FIRST_PHONE), 1, NOW);
    phone_a.sync_ok(NOW + 1_000);
    record(&mut steps);
    let again = phone_b.enrol_form(&form(2, FIRST_PHONE), 2, NOW + 2_000);
    phone_b.sync_ok(NOW + 3_000);
    record(&mut steps);
    let leaver = phone_c.enrol_form(&form(3, "7000012345"), 3, NOW + 4_000);
    phone_c.sync_ok(NOW + 5_000);
    record(&mut steps);

    // 4. Phone A corrects the number.
    phone_a
        .device
        .edit(
            &first,
            &VolunteerEdit {
                phone: Some(SECOND_PHONE.into()),
                ..VolunteerEdit::default()
            },
            Moment {
                now_ms: NOW + 6_000,
                random: 4,
            },
        )
        .expect("edited");
    phone_a.sync_ok(NOW + 7_000);
    record(&mut steps);

    // 5–6. The in-charge verifies; the circle officer merges the duplicate.
    let verified = server.post(&format!("/v1/volunteers/{first}/verify"), &incharge, None);
    assert_eq!(verified.status, 200, "{}", verified.body);
    record(&mut steps);
    let merged = server.post(
        &format!("/v1/volunteers/{again}/duplicate"),
        &circle_officer,
        Some(serde_json::json!({ "duplicate_of": first.to_string() })),
    );
    assert_eq!(merged.status, 200, "{}", merged.body);
    record(&mut steps);

    // 7. The third person withdraws on phone C.
    phone_c
        .device
        .withdraw(
            &leaver,
            WithdrawalChannel::InPerson,
            Moment {
                now_ms: NOW + 8_000,
                random: 5,
            },
        )
        .expect("withdrawn");
    phone_c.sync_ok(NOW + 9_000);
    record(&mut steps);

    // What the auditor saw live at each step, checked against the script.
    let status = |state: &Value, id: &str| -> String {
        state["volunteers"]
            .as_array()
            .and_then(|volunteers| volunteers.iter().find(|volunteer| volunteer["id"] == id))
            .map(|volunteer| volunteer["status"].as_str().unwrap_or_default().to_owned())
            .unwrap_or_else(|| "absent".into())
    };
    let phone = |state: &Value, id: &str| -> Value {
        state["volunteers"]
            .as_array()
            .and_then(|volunteers| volunteers.iter().find(|volunteer| volunteer["id"] == id))
            .map(|volunteer| volunteer["fields"]["phone"].clone())
            .unwrap_or(Value::Null)
    };
    let (first, again, leaver) = (first.to_string(), again.to_string(), leaver.to_string());
    let expected = [
        ["pending", "absent", "absent"],
        ["pending", "pending", "absent"],
        ["pending", "pending", "pending"],
        ["pending", "pending", "pending"],
        ["verified", "pending", "pending"],
        ["verified", "duplicate", "pending"],
        ["verified", "duplicate", "withdrawn"],
    ];
    for ((_, live), wanted) in steps.iter().zip(&expected) {
        let found = [
            status(live, &first),
            status(live, &again),
            status(live, &leaver),
        ];
        assert_eq!(found, wanted.map(str::to_owned));
    }
    assert_eq!(
        phone(&steps[2].1, &first),
        serde_json::json!({ "shown": "opened", "value": "+919876543210" })
    );
    assert_eq!(
        phone(&steps[3].1, &first),
        serde_json::json!({ "shown": "opened", "value": SECOND_PHONE })
    );
    assert_eq!(
        phone(&steps[6].1, &leaver),
        serde_json::json!({ "shown": "erased" })
    );

    // Replayed afterwards, each step is exactly what was seen live, except that the person
    // who withdrew is erased at every moment, before the withdrawal too.
    for (index, (hash, live)) in steps.iter().enumerate() {
        let replayed = server.get(
            &format!("/v1/audit/state?roster={roster}&change={hash}"),
            &auditor,
        );
        assert_eq!(replayed.status, 200, "{}", replayed.body);
        let mut replayed = replayed.json();
        let mut live = live.clone();
        for state in [&mut live, &mut replayed] {
            if let Some(volunteers) = state["volunteers"].as_array_mut() {
                for volunteer in volunteers {
                    if volunteer["id"] == leaver.as_str() {
                        volunteer["fields"]
                            .as_object_mut()
                            .expect("fields")
                            .retain(|name, _| {
                                !["name_deva", "name_latin", "phone", "household"]
                                    .contains(&name.as_str())
                            });
                    }
                }
            }
        }
        assert_eq!(replayed, live, "step {}", index + 1);
        let leaver_then = server
            .get(
                &format!("/v1/audit/state?roster={roster}&change={hash}"),
                &auditor,
            )
            .json();
        if index >= 2 {
            assert_eq!(
                phone(&leaver_then, &leaver),
                serde_json::json!({ "shown": "erased" })
            );
        }
    }

    // The history names each author with their role and device, and both clocks.
    let history = server.get(&history_path, &auditor).json();
    let authors: Vec<(String, String, String)> = history["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .skip(1)
        .map(|entry| {
            (
                entry["action"].as_str().unwrap_or_default().to_owned(),
                entry["badge"].as_str().unwrap_or_default().to_owned(),
                entry["role"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let owned = |items: [(&str, &str, &str); 7]| -> Vec<(String, String, String)> {
        items
            .iter()
            .map(|(a, b, c)| ((*a).to_owned(), (*b).to_owned(), (*c).to_owned()))
            .collect()
    };
    assert_eq!(
        authors,
        owned([
            ("enrol", "CG-001", "constable"),
            ("enrol", "CG-002", "constable"),
            ("enrol", "CG-003", "constable"),
            ("edit", "CG-001", "constable"),
            ("review", "CG-100", "station_incharge"),
            ("review", "CG-150", "circle_officer"),
            ("withdraw", "CG-003", "constable"),
        ])
    );
    for entry in history["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .skip(1)
    {
        assert!(entry["received_at_ms"].is_i64(), "{entry}");
        assert!(entry["device"].is_string(), "{entry}");
    }
    let edit = &history["entries"][4];
    assert_eq!(edit["device_clock_ms"], NOW + 6_000);
    assert_eq!(
        edit["fields"],
        serde_json::json!([{
            "volunteer": first,
            "field": "phone",
            "shown": "opened",
            "value": SECOND_PHONE,
        }])
    );

    // One volunteer's history, and one device's.
    let own = server
        .get(&format!("/v1/audit/history?volunteer={first}"), &auditor)
        .json();
    let actions: Vec<&str> = own["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|entry| entry["action"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(actions, ["enrol", "edit", "review"]);
    let device_c = history["entries"][3]["device"]
        .as_str()
        .expect("a device")
        .to_owned();
    let by_device = server
        .get(
            &format!("/v1/audit/history?unit={}&device={device_c}", station(0)),
            &auditor,
        )
        .json();
    assert_eq!(by_device["total"], 2);

    // A unit's history reports its progress beat by beat, as `mitan audit history` draws it:
    // from none to every beat under the station, one at a time, beats never synced included.
    let reading = mitan_server::store::ServerStore::open_reader(&server.db).expect("a reader");
    let auditor_user = reading
        .load_user(&"CG-900".parse().expect("a badge"))
        .expect("reads")
        .expect("the auditor exists");
    let beats = reading
        .beats_within(&station(0).parse().expect("a unit code"))
        .expect("reads")
        .len() as u64;
    assert!(beats > 1, "the station has several beats");
    let mut seen = Vec::new();
    let page = mitan_server::audit::history_with_progress(
        &reading,
        mitan_server::access::Reader {
            user: &auditor_user,
            via: "cli",
        },
        &mitan_server::audit::HistoryQuery {
            unit: Some(station(0).parse().expect("a unit code")),
            device: Some(device_c.parse().expect("a device id")),
            ..mitan_server::audit::HistoryQuery::default()
        },
        &mut |done, total| seen.push((done, total)),
    )
    .expect("the unit's history");
    assert_eq!(page.value.total, 2, "the same answer as over HTTP");
    let wanted: Vec<(u64, u64)> = (0..=beats).map(|done| (done, beats)).collect();
    assert_eq!(seen, wanted);

    // The diff between step 3 and now: the number, the verification, the duplicate, the
    // withdrawal.
    let diff = server.get(
        &format!("/v1/audit/diff?roster={roster}&from_change={}", steps[2].0),
        &auditor,
    );
    assert_eq!(diff.status, 200, "{}", diff.body);
    let changed: Vec<(String, String)> = diff.json()["changed"]
        .as_array()
        .expect("changed")
        .iter()
        .map(|volunteer| {
            (
                volunteer["id"].as_str().unwrap_or_default().to_owned(),
                volunteer["status_after"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect();
    let mut wanted = vec![
        (first.clone(), "verified".to_owned()),
        (again.clone(), "duplicate".to_owned()),
        (leaver.clone(), "withdrawn".to_owned()),
    ];
    wanted.sort();
    let mut changed = changed;
    changed.sort();
    assert_eq!(changed, wanted);
    // Read backwards, the same two moments are refused, not answered as a reversed diff.
    for path in [
        format!(
            "/v1/audit/diff?roster={roster}&from_change={}&to_change={}",
            steps[6].0, steps[2].0
        ),
        format!(
            "/v1/audit/diff?roster={roster}&from_ms={NOW}&to_ms={}",
            NOW - 1
        ),
    ] {
        let backwards = server.get(&path, &auditor);
        assert_eq!(backwards.status, 400, "{path}: {}", backwards.body);
        assert_eq!(backwards.json()["error"]["code"], "ends_before_start");
    }

    // Only auditors and the district admin replay; every replay showing personal fields is
    // in the access log.
    let refused = server.get(&history_path, &incharge);
    assert_eq!(refused.status, 403, "{}", refused.body);
    let log = server
        .get("/v1/audit/access-log?kind=history&limit=1000", &auditor)
        .json();
    let lines = log["entries"].as_array().expect("entries");
    assert!(!lines.is_empty());
    assert!(
        lines
            .iter()
            .all(|line| line["badge"] == "CG-900" && line["role"] == "auditor"),
        "{log}"
    );
    let bad = server.get(
        &format!("/v1/audit/state?roster={roster}&change=abc"),
        &auditor,
    );
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert_eq!(bad.error_field(), "change");
    let unknown = server.get(
        &format!("/v1/audit/state?roster={roster}&change={}", "00".repeat(32)),
        &auditor,
    );
    assert_eq!(unknown.status, 404, "{}", unknown.body);
}

#[test]
fn a_replay_in_progress_holds_up_no_sync_and_writes_nothing() {
    let server = TestServer::start_without_sync_limit(1).expect("the server starts");
    let dirs = tempfile::tempdir().expect("temp dir");
    for (badge, beat_index) in [("CG-001", 0), ("CG-002", 1)] {
        server
            .add_user(badge, Role::Constable, &station(0), &[beat(0, beat_index)])
            .expect("constable added");
    }
    server
        .add_user("CG-900", Role::Auditor, DISTRICT, &[])
        .expect("auditor added");
    let mut phones: Vec<_> = [("CG-001", 0), ("CG-002", 1)]
        .into_iter()
        .map(|(badge, beat_index)| {
            let mut phone = server
                .field_device(badge, &dirs.path().join(badge))
                .expect("registers");
            let form = Generator::new(beat_index as u64 + 1).enrolment_form(
                &station(0),
                &beat(0, beat_index),
                "430001",
            );
            phone.enrol_form(&form, beat_index as u64 + 1, NOW);
            phone.sync_ok(NOW + 1_000);
            phone
        })
        .collect();
    let auditor = server
        .field_device("CG-900", &dirs.path().join("auditor"))
        .expect("registers")
        .credential();

    // The replays a server runs, through the same `AppState::with_reader` as every
    // `GET /v1/audit/…`: on a read-only connection of their own, on the blocking pool. Half-way
    // through each, a phone syncs through the real server: it must be acknowledged while the
    // replay is still reading.
    let before = server.logged_changes();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let (history_total, rosters, synced) = runtime
        .block_on(server.state.with_reader(move |reading| {
            let auditor_user = reading
                .load_user(&"CG-900".parse().expect("a badge"))?
                .expect("the auditor exists");
            let mut seed = 10;
            let mut synced = 0;
            let mut sync_meanwhile = |phone: &mut mitan_e2e::FieldDevice, beat_index: usize| {
                seed += 1;
                let form = Generator::new(seed).enrolment_form(
                    &station(0),
                    &beat(0, beat_index),
                    "430001",
                );
                phone.enrol_form(&form, seed, NOW + 2_000);
                let report = phone.sync_ok(NOW + 3_000);
                assert_eq!(report.acknowledged, 1, "{report:?}");
                synced += 1;
            };
            let page = mitan_server::audit::history_with_progress(
                reading,
                mitan_server::access::Reader {
                    user: &auditor_user,
                    via: "cli",
                },
                &mitan_server::audit::HistoryQuery {
                    unit: Some(station(0).parse().expect("a unit code")),
                    ..mitan_server::audit::HistoryQuery::default()
                },
                &mut |done, total| {
                    if done == 1 && total > 1 {
                        sync_meanwhile(&mut phones[0], 0);
                    }
                },
            )?;
            let report = mitan_server::reports::past::progress_at(
                reading,
                &auditor_user,
                &mitan_server::reports::past::PastReportQuery {
                    at_ms: Some(i64::MAX),
                    ..Default::default()
                },
                &mut |done, total| {
                    if done == 1 && total > 1 {
                        sync_meanwhile(&mut phones[1], 1);
                    }
                },
            )?;
            Ok((page.value.total, report.moment.rosters, synced))
        }))
        .expect("the replays");
    assert_eq!(synced, 2, "a sync ran inside each replay");
    assert!(history_total >= 2, "{history_total}");
    assert!(rosters >= 2, "{rosters}");
    assert_eq!(
        server.logged_changes(),
        before + 2,
        "both syncs were stored while the replays read"
    );

    // What a replay writes: nothing. The counts-only replays over HTTP leave the database and
    // its log byte for byte as they were (a replay showing personal fields adds its
    // access-log line, through the writer, and nothing else: see the test above).
    let untouched = mitan_e2e::database_bytes(&server.db);
    let now = server.state.now_ms();
    for path in [
        format!("/v1/audit/report?at_ms={now}"),
        format!("/v1/audit/report/diff?from_ms={NOW}"),
        format!("/v1/audit/report?at_ms={now}&clock=device"),
    ] {
        let answer = server.get(&path, &auditor);
        assert_eq!(answer.status, 200, "{path}: {}", answer.body);
    }
    assert!(
        mitan_e2e::database_bytes(&server.db) == untouched,
        "a replay changed the database"
    );
}
