//! Reports and exports over real HTTP, after constables enrolled offline and synced: counts
//! against the default targets, the review queue, duplicates across phones, WhatsApp list
//! parts and caps, vCards, and the export log.

use std::collections::{BTreeMap, BTreeSet};

use mitan_core::demo::Generator;
use mitan_core::model::{EnrolmentForm, VolunteerId};
use mitan_e2e::http::{Reply, column, csv_records};
use mitan_e2e::{DISTRICT, FieldDevice, TestServer, beat, station};
use mitan_server::auth::Role;

const NOW: i64 = 1_763_900_000_000;

fn get(server: &TestServer, path: &str, credential: &str) -> Reply {
    server.get(path, credential)
}

fn post_empty(server: &TestServer, path: &str, credential: &str) -> Reply {
    server.post(path, credential, None)
}

fn credential(device: &FieldDevice) -> String {
    device.credential()
}

fn enrol_form(device: &mut FieldDevice, form: &EnrolmentForm, seed: u64) -> VolunteerId {
    device.enrol_form(form, seed, NOW + seed as i64)
}

fn enrol(
    device: &mut FieldDevice,
    station_index: usize,
    beat_index: usize,
    seed: u64,
) -> VolunteerId {
    device.enrol_seeded(
        &station(station_index),
        &beat(station_index, beat_index),
        seed,
        NOW + seed as i64,
    )
}

fn sync(device: &mut FieldDevice, now_ms: i64) {
    device.sync_ok(now_ms);
}

fn verify(server: &TestServer, supervisor: &str, id: &VolunteerId) {
    let reply = post_empty(server, &format!("/v1/volunteers/{id}/verify"), supervisor);
    assert_eq!(reply.status, 200, "{}", reply.body);
}

fn ids(values: &[serde_json::Value]) -> BTreeSet<String> {
    values
        .iter()
        .map(|volunteer| volunteer["id"].as_str().expect("an id").to_owned())
        .collect()
}

fn set(ids: &[&VolunteerId]) -> BTreeSet<String> {
    ids.iter().map(ToString::to_string).collect()
}

struct World {
    server: TestServer,
    _dirs: tempfile::TempDir,
    /// CG-001, beat 0 of station 0.
    first: FieldDevice,
    /// CG-002, beat 1 of station 0.
    second: FieldDevice,
    /// CG-003, beat 0 of station 1.
    other_station: FieldDevice,
    incharge: FieldDevice,
    admin: FieldDevice,
    auditor: FieldDevice,
}

fn world() -> World {
    let server = TestServer::start(2).expect("the server starts");
    let dirs = tempfile::tempdir().expect("temp dir");
    for (badge, station_index, beat_index) in [("CG-001", 0, 0), ("CG-002", 0, 1), ("CG-003", 1, 0)]
    {
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
        .add_user("CG-500", Role::DistrictAdmin, DISTRICT, &[])
        .expect("admin added");
    server
        .add_user("CG-900", Role::Auditor, DISTRICT, &[])
        .expect("auditor added");
    let device = |badge: &str| {
        server
            .field_device(badge, &dirs.path().join(badge))
            .expect("registers")
    };
    World {
        first: device("CG-001"),
        second: device("CG-002"),
        other_station: device("CG-003"),
        incharge: device("CG-100"),
        admin: device("CG-500"),
        auditor: device("CG-900"),
        server,
        _dirs: dirs,
    }
}

#[test]
fn reports_count_enrolments_against_default_targets_and_list_pending_and_duplicates() {
    let mut world = world();
    // Offline for days: CG-001 enrols four, CG-002 three, one of them with the phone number
    // of CG-001's first volunteer; CG-003 of the other station two.
    let a: Vec<VolunteerId> = (101..105)
        .map(|seed| enrol(&mut world.first, 0, 0, seed))
        .collect();
    let shared_phone = Generator::new(101)
        .enrolment_form(&station(0), &beat(0, 0), "430001")
        .phone;
    let mut b: Vec<VolunteerId> = (201..203)
        .map(|seed| enrol(&mut world.second, 0, 1, seed))
        .collect();
    let mut twin = Generator::new(203).enrolment_form(&station(0), &beat(0, 1), "430002");
    twin.phone = shared_phone;
    b.push(enrol_form(&mut world.second, &twin, 203));
    let c: Vec<VolunteerId> = (301..303)
        .map(|seed| enrol(&mut world.other_station, 1, 0, seed))
        .collect();
    sync(&mut world.first, NOW + 10_000);
    sync(&mut world.second, NOW + 10_000);
    sync(&mut world.other_station, NOW + 10_000);
    assert_eq!(world.server.volunteers().len(), 9);

    let incharge = credential(&world.incharge);
    verify(&world.server, &incharge, &a[0]);
    verify(&world.server, &incharge, &a[1]);

    // Progress, as the in-charge of station 0: only station 0 and its beats.
    let reply = get(&world.server, "/v1/reports/progress", &incharge);
    assert_eq!(reply.status, 200, "{}", reply.body);
    let progress = reply.json();
    let units: BTreeMap<String, serde_json::Value> = progress["units"]
        .as_array()
        .expect("units")
        .iter()
        .map(|unit| {
            (
                unit["code"].as_str().expect("code").to_owned(),
                unit.clone(),
            )
        })
        .collect();
    assert_eq!(
        units.keys().cloned().collect::<BTreeSet<_>>(),
        BTreeSet::from([station(0), beat(0, 0), beat(0, 1)]),
        "the in-charge sees only their station"
    );
    let station_a = &units[&station(0)];
    assert_eq!(station_a["target"], 200);
    assert_eq!(station_a["target_source"], "default");
    // Seven entries, six people: the twin's number is counted once at the station, and her
    // second entry is shown beside the count.
    assert_eq!(station_a["enrolled"], 6);
    assert_eq!(station_a["duplicates"], 1);
    assert_eq!(station_a["verified"], 2);
    assert_eq!(station_a["percent"], 3.0);
    for (code, enrolled, verified) in [(beat(0, 0), 4, 2), (beat(0, 1), 3, 0)] {
        let unit = &units[&code];
        // One constable works each beat: 25 each. Each beat holds the number once.
        assert_eq!(unit["target"], 25, "{code}");
        assert_eq!(unit["enrolled"], enrolled, "{code}");
        assert_eq!(unit["verified"], verified, "{code}");
        assert_eq!(unit["duplicates"], 0, "{code}");
    }
    let employees: BTreeMap<String, serde_json::Value> = progress["employees"]
        .as_array()
        .expect("employees")
        .iter()
        .map(|employee| {
            (
                employee["badge"].as_str().expect("badge").to_owned(),
                employee.clone(),
            )
        })
        .collect();
    assert!(
        !employees.contains_key("CG-003"),
        "another station's constable"
    );
    let first = &employees["CG-001"];
    assert_eq!(
        (
            &first["target"],
            &first["enrolled"],
            &first["verified"],
            &first["percent"]
        ),
        (
            &serde_json::json!(25),
            &serde_json::json!(4),
            &serde_json::json!(2),
            &serde_json::json!(16.0)
        )
    );
    assert_eq!(employees["CG-002"]["enrolled"], 3);
    assert_eq!(employees["CG-002"]["verified"], 0);

    // The district admin sees both stations; the circle and district sum the stations.
    let reply = get(
        &world.server,
        "/v1/reports/progress",
        &credential(&world.admin),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let all = reply.json();
    let unit = |code: &str| {
        all["units"]
            .as_array()
            .expect("units")
            .iter()
            .find(|unit| unit["code"] == code)
            .cloned()
            .unwrap_or_else(|| panic!("{code} is in the admin's report"))
    };
    assert_eq!(unit(&station(1))["enrolled"], 2);
    assert_eq!(unit(DISTRICT)["target"], 400);
    assert_eq!(unit(DISTRICT)["target_source"], "sum");
    assert_eq!(unit(DISTRICT)["enrolled"], 8);
    assert_eq!(unit(DISTRICT)["duplicates"], 1);
    assert_eq!(unit(DISTRICT)["verified"], 2);

    // A constable sees their own beat and their own line only.
    let reply = get(
        &world.server,
        "/v1/reports/progress",
        &credential(&world.first),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let own = reply.json();
    let codes: Vec<&str> = own["units"]
        .as_array()
        .expect("units")
        .iter()
        .map(|unit| unit["code"].as_str().expect("code"))
        .collect();
    assert_eq!(codes, vec![beat(0, 0).as_str()]);
    let badges: Vec<&str> = own["employees"]
        .as_array()
        .expect("employees")
        .iter()
        .map(|employee| employee["badge"].as_str().expect("badge"))
        .collect();
    assert_eq!(badges, vec!["CG-001"]);

    // The review queue: the five pending ones of station 0, none of station 1.
    let reply = get(&world.server, "/v1/reports/review-queue", &incharge);
    assert_eq!(reply.status, 200, "{}", reply.body);
    let queue = reply.json();
    assert_eq!(queue["total"], 5);
    assert_eq!(
        ids(queue["volunteers"].as_array().expect("volunteers")),
        set(&[&a[2], &a[3], &b[0], &b[1], &b[2]])
    );
    assert!(
        queue["volunteers"]
            .as_array()
            .expect("volunteers")
            .iter()
            .all(|volunteer| volunteer["status"] == "pending")
    );
    // Paged.
    let mut paged = BTreeSet::new();
    for offset in [0, 2, 4] {
        let reply = get(
            &world.server,
            &format!("/v1/reports/review-queue?limit=2&offset={offset}"),
            &incharge,
        );
        assert_eq!(reply.status, 200, "{}", reply.body);
        let page = reply.json();
        assert_eq!(page["total"], 5);
        let listed = page["volunteers"].as_array().expect("volunteers");
        assert_eq!(listed.len(), if offset == 4 { 1 } else { 2 });
        paged.extend(ids(listed));
    }
    assert_eq!(paged.len(), 5, "pages neither overlap nor skip");
    // The admin's queue holds station 1's too.
    let reply = get(
        &world.server,
        "/v1/reports/review-queue",
        &credential(&world.admin),
    );
    assert_eq!(reply.json()["total"], 7);
    assert!(
        ids(reply.json()["volunteers"].as_array().expect("volunteers")).contains(&c[0].to_string())
    );

    // Duplicates: the two people with one phone, enrolled on two phones offline.
    let reply = get(&world.server, "/v1/reports/duplicates", &incharge);
    assert_eq!(reply.status, 200, "{}", reply.body);
    let duplicates = reply.json();
    let same_phone = duplicates["same_phone"].as_array().expect("same_phone");
    assert_eq!(same_phone.len(), 1, "{same_phone:?}");
    assert_eq!(
        ids(same_phone[0]["volunteers"].as_array().expect("volunteers")),
        set(&[&a[0], &b[2]])
    );
    // The group is keyed by the phone's tag in the server's blind index, never by the number;
    // the supervisor still sees who is in it, by name.
    let key = same_phone[0]["key"].as_str().expect("key");
    assert!(
        key.len() == 32 && key.bytes().all(|byte| byte.is_ascii_hexdigit()),
        "16 bytes of tag in hex: {key}"
    );
    let digits: String = twin.phone.chars().filter(char::is_ascii_digit).collect();
    assert!(!key.contains(&digits[digits.len() - 10..]), "{key}");
    for listed in same_phone[0]["volunteers"].as_array().expect("volunteers") {
        assert!(
            listed["name_devanagari"].is_string() || listed["name_latin"].is_string(),
            "{listed}"
        );
    }
    assert_eq!(duplicates["total_groups"]["same_phone"], 1);
    let similar_names = duplicates["total_groups"]["similar_name"]
        .as_u64()
        .expect("a count of similar-name groups");
    // Paged over groups: the second page of one group holds no phone group, the totals stay.
    let reply = get(
        &world.server,
        "/v1/reports/duplicates?limit=1&offset=1",
        &incharge,
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let page = reply.json();
    assert!(
        page["same_phone"]
            .as_array()
            .expect("same_phone")
            .is_empty()
    );
    assert_eq!(page["total_groups"]["same_phone"], 1);
    assert_eq!(page["total_groups"]["similar_name"], similar_names);
    assert!(page["similar_name"].as_array().expect("similar_name").len() <= 1);
    let reply = get(
        &world.server,
        "/v1/reports/duplicates?limit=1&offset=0",
        &incharge,
    );
    assert_eq!(reply.json()["same_phone"], duplicates["same_phone"]);

    // Programmes: every active volunteer of station 0 is counted once (one programme each).
    let reply = get(&world.server, "/v1/reports/programmes", &incharge);
    assert_eq!(reply.status, 200, "{}", reply.body);
    let programmes = reply.json();
    let (volunteers, verified) = programmes["programmes"]
        .as_array()
        .expect("programmes")
        .iter()
        .fold((0, 0), |(volunteers, verified), programme| {
            (
                volunteers + programme["volunteers"].as_u64().expect("count"),
                verified + programme["verified"].as_u64().expect("count"),
            )
        });
    assert_eq!((volunteers, verified), (7, 2));

    // Unauthenticated callers get nothing.
    let reply = get(&world.server, "/v1/reports/progress", "not-a-credential");
    assert_eq!(reply.status, 401);
}

#[test]
fn exports_part_lists_write_vcards_leave_out_the_unverified_and_are_logged() {
    let mut world = world();
    let mut enrolled = Vec::new();
    for seed in 401..406 {
        enrolled.push(enrol(&mut world.first, 0, 0, seed));
    }
    // A name with an apostrophe, in both scripts.
    let mut named = Generator::new(406).enrolment_form(&station(0), &beat(0, 0), "430001");
    named.name_devanagari = "रीता डी'सूज़ा".to_owned();
    named.name_latin = "Rita D'Souza".to_owned();
    let rita = enrol_form(&mut world.first, &named, 406);
    enrolled.push(rita);
    let pending = enrol(&mut world.first, 0, 0, 407);
    sync(&mut world.first, NOW + 10_000);
    let incharge = credential(&world.incharge);
    for id in &enrolled {
        verify(&world.server, &incharge, id);
    }
    let verified: BTreeSet<String> = enrolled.iter().map(ToString::to_string).collect();
    let unit = station(0);
    let mut taken = 0;

    // A group list with parts larger than the list: one part, only the verified.
    let reply = get(
        &world.server,
        &format!("/v1/exports?unit={unit}&kind=group&format=csv&part_size=100"),
        &incharge,
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    taken += 1;
    assert_eq!(reply.parts.as_deref(), Some("1"));
    let records = csv_records(&reply.body);
    assert_eq!(
        column(&records, 5).into_iter().collect::<BTreeSet<_>>(),
        verified
    );
    assert!(column(&records, 0).iter().all(|part| part == "1"));
    assert!(
        column(&records, 2)
            .iter()
            .all(|phone| phone.starts_with("'+91") && phone.len() == 14),
        "{:?}",
        column(&records, 2)
    );

    // Pending people only on request.
    let reply = get(
        &world.server,
        &format!("/v1/exports?unit={unit}&kind=group&include_unverified=true"),
        &incharge,
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    taken += 1;
    let with_pending: BTreeSet<String> = column(&csv_records(&reply.body), 5).into_iter().collect();
    assert_eq!(with_pending.len(), 7);
    assert!(with_pending.contains(&pending.to_string()));
    let reply = get(
        &world.server,
        &format!("/v1/exports?unit={unit}"),
        &incharge,
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    taken += 1;
    assert_eq!(
        column(&csv_records(&reply.body), 0)
            .into_iter()
            .collect::<BTreeSet<_>>(),
        verified,
        "a roster export leaves the pending one out too"
    );

    // Small parts: 6 people in parts of 4, then only part 2.
    let reply = get(
        &world.server,
        &format!("/v1/exports?unit={unit}&kind=broadcast&part_size=4"),
        &incharge,
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    taken += 1;
    assert_eq!(reply.parts.as_deref(), Some("2"));
    let records = csv_records(&reply.body);
    assert_eq!(column(&records, 0), vec!["1", "1", "1", "1", "2", "2"]);
    let reply = get(
        &world.server,
        &format!("/v1/exports?unit={unit}&kind=broadcast&part_size=4&part=2"),
        &incharge,
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    taken += 1;
    assert_eq!(reply.parts.as_deref(), Some("2"));
    assert_eq!(
        column(&csv_records(&reply.body), 5),
        column(&records, 5)[4..].to_vec()
    );
    let reply = get(
        &world.server,
        &format!("/v1/exports?unit={unit}&kind=broadcast&part_size=4&part=3"),
        &incharge,
    );
    assert_eq!(reply.status, 400, "{}", reply.body);

    // Parts above WhatsApp's caps are refused.
    for (kind, size) in [("group", 1_025), ("broadcast", 257), ("group", 0)] {
        let reply = get(
            &world.server,
            &format!("/v1/exports?unit={unit}&kind={kind}&part_size={size}"),
            &incharge,
        );
        assert_eq!(reply.status, 400, "{kind} of {size}: {}", reply.body);
        assert_eq!(reply.json()["error"]["field"], "part_size");
    }
    for (kind, size) in [("group", 1_024), ("broadcast", 256)] {
        let reply = get(
            &world.server,
            &format!("/v1/exports?unit={unit}&kind={kind}&part_size={size}"),
            &incharge,
        );
        assert_eq!(reply.status, 200, "{kind} of {size}: {}", reply.body);
        taken += 1;
    }

    // vCards: one card per verified person, a +91 number each, lines folded and escaped.
    let reply = get(
        &world.server,
        &format!("/v1/exports?unit={unit}&kind=group&format=vcard"),
        &incharge,
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    taken += 1;
    assert_eq!(reply.parts.as_deref(), Some("1"));
    let text = &reply.body;
    assert!(text.ends_with("\r\n"));
    for physical in text.split("\r\n") {
        assert!(physical.len() <= 75, "an unfolded line: {physical:?}");
    }
    let unfolded = text.replace("\r\n ", "");
    let lines: Vec<&str> = unfolded
        .split("\r\n")
        .filter(|line| !line.is_empty())
        .collect();
    let count = |prefix: &str| lines.iter().filter(|line| line.starts_with(prefix)).count();
    assert_eq!(count("BEGIN:VCARD"), 6);
    assert_eq!(count("END:VCARD"), 6);
    assert_eq!(count("VERSION:3.0"), 6);
    let phones: Vec<&str> = lines
        .iter()
        .filter_map(|line| line.strip_prefix("TEL;TYPE=CELL:"))
        .collect();
    assert_eq!(phones.len(), 6);
    for phone in &phones {
        assert!(
            phone.len() == 13
                && phone.starts_with("+91")
                && phone[3..].bytes().all(|b| b.is_ascii_digit()),
            "{phone}"
        );
    }
    let notes: BTreeSet<String> = lines
        .iter()
        .filter_map(|line| line.strip_prefix("NOTE:Mitan "))
        .map(|note| note.split(' ').next().expect("an id").to_owned())
        .collect();
    assert_eq!(notes, verified);
    assert!(
        lines.contains(&"FN:रीता डी'सूज़ा (Rita D'Souza)"),
        "the name survives in both scripts"
    );
    assert!(lines.contains(&"N:रीता डी'सूज़ा (Rita D'Souza);;;;"));
    // Text values escape the vCard separators: apart from N's own structure, no bare ',' or
    // ';' in any value.
    for line in &lines {
        let (name, value) = line.split_once(':').expect("a content line");
        let value = if name == "N" {
            value.trim_end_matches(";;;;")
        } else {
            value
        };
        let bare = value
            .char_indices()
            .any(|(at, c)| (c == ',' || c == ';') && !value[..at].ends_with('\\'));
        assert!(!bare, "unescaped separator in {line:?}");
    }

    // Who may not export: a constable, and anyone outside the unit.
    let reply = get(
        &world.server,
        &format!("/v1/exports?unit={unit}&kind=group"),
        &credential(&world.first),
    );
    assert_eq!(reply.status, 403, "{}", reply.body);
    let reply = get(
        &world.server,
        &format!("/v1/exports?unit={}&kind=group", station(1)),
        &incharge,
    );
    assert_eq!(reply.status, 403, "{}", reply.body);
    let reply = get(
        &world.server,
        &format!("/v1/exports?unit={unit}&kind=group"),
        &credential(&world.auditor),
    );
    assert_eq!(reply.status, 403, "{}", reply.body);

    // The log: every export taken, newest first, with the caller's badge and device; refused
    // requests are not in it.
    let reply = get(
        &world.server,
        "/v1/exports/log",
        &credential(&world.auditor),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let log = reply.json();
    let lines = log["exports"].as_array().expect("exports");
    assert_eq!(lines.len(), taken);
    for line in lines {
        assert_eq!(line["badge"], "CG-100");
        assert_eq!(line["role"], "station_incharge");
        assert_eq!(
            line["requested_via"],
            world.incharge.profile.device.device_id.as_str()
        );
        assert_eq!(line["unit"], unit.as_str());
    }
    let newest = &lines[0];
    assert_eq!(newest["kind"], "group");
    assert_eq!(newest["format"], "vcard");
    assert_eq!(newest["rows"], 6);
    let oldest = &lines[lines.len() - 1];
    assert_eq!(oldest["format"], "csv");
    assert_eq!(oldest["include_unverified"], false);
    assert_eq!(oldest["rows"], 6);
    assert_eq!(lines[lines.len() - 2]["include_unverified"], true);
    assert_eq!(lines[lines.len() - 2]["rows"], 7);
    // The district admin reads it too; the in-charge does not.
    let reply = get(
        &world.server,
        "/v1/exports/log?limit=1",
        &credential(&world.admin),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        reply.json()["exports"].as_array().expect("exports").len(),
        1
    );
    let reply = get(&world.server, "/v1/exports/log", &incharge);
    assert_eq!(reply.status, 403, "{}", reply.body);
}

#[test]
fn a_broadcast_part_never_holds_more_than_256_and_a_group_part_more_than_1024() {
    let mut world = world();
    for seed in 1_000..1_300 {
        enrol(&mut world.first, 0, 0, seed);
    }
    sync(&mut world.first, NOW + 10_000);
    assert_eq!(world.server.volunteers().len(), 300);
    let incharge = credential(&world.incharge);
    let unit = station(0);
    // People with a number of their own: the lists hold one contact per number.
    let reply = get(
        &world.server,
        &format!("/v1/exports?unit={unit}&include_unverified=true"),
        &incharge,
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let roster = csv_records(&reply.body);
    assert_eq!(roster.len(), 300);
    let numbers: BTreeSet<String> = column(&roster, 3).into_iter().collect();
    let contacts = numbers.len();
    assert!(contacts > 256, "{contacts} distinct numbers");

    // Broadcast, at the default part size: parts of 256.
    let reply = get(
        &world.server,
        &format!("/v1/exports?unit={unit}&kind=broadcast&include_unverified=true"),
        &incharge,
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let expected_parts = contacts.div_ceil(256);
    assert_eq!(reply.parts, Some(expected_parts.to_string()));
    let records = csv_records(&reply.body);
    assert_eq!(records.len(), contacts);
    let mut per_part: BTreeMap<String, usize> = BTreeMap::new();
    for part in column(&records, 0) {
        *per_part.entry(part).or_default() += 1;
    }
    assert_eq!(per_part.len(), expected_parts);
    assert!(
        per_part.values().all(|members| *members <= 256),
        "{per_part:?}"
    );
    assert_eq!(per_part["1"], 256);
    assert_eq!(
        column(&records, 2).into_iter().collect::<BTreeSet<_>>(),
        numbers
    );
    let reply = get(
        &world.server,
        &format!(
            "/v1/exports?unit={unit}&kind=broadcast&include_unverified=true&part=1&format=vcard"
        ),
        &incharge,
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body.matches("BEGIN:VCARD\r\n").count(), 256);
    assert_eq!(reply.body.matches("END:VCARD\r\n").count(), 256);

    // Group, at the default part size: all in one part of at most 1,024.
    let reply = get(
        &world.server,
        &format!("/v1/exports?unit={unit}&kind=group&include_unverified=true"),
        &incharge,
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.parts.as_deref(), Some("1"));
    assert_eq!(csv_records(&reply.body).len(), contacts);
    // Asking for a bigger part is refused, not silently widened.
    let reply = get(
        &world.server,
        &format!("/v1/exports?unit={unit}&kind=broadcast&include_unverified=true&part_size=300"),
        &incharge,
    );
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(reply.json()["error"]["field"], "part_size");
}
