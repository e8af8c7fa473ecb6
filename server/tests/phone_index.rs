//! The keyed blind index of phones (migration 005): shared phones are grouped by an HMAC of the
//! number under a secret that only the server's database holds. The secret differs from one
//! database to the next, and a withdrawal takes the tag away with the number. Also the paging
//! of duplicate candidates over groups. That no API or CLI output shows the secret is checked
//! beside the `mitan` binary, in `server/cli/tests/phone_index.rs`.

mod common;

use std::path::Path;

use common::phone_index::{
    BEAT_ONE, BEAT_OTHER_STATION, BEAT_TWO, PHONE, admin, district, incharge, save, secret_in,
    volunteer,
};
use hmac::{Hmac, KeyInit, Mac};
use mitan_core::model::{Status, VolunteerId};
use mitan_server::reports::{self, DuplicateReport, ReportQuery};
use mitan_server::store::{KeyUpdate, ServerStore, User};
use sha2::Sha256;

fn phone_tag_in(path: &Path, id: &VolunteerId) -> Option<Vec<u8>> {
    rusqlite::Connection::open(path)
        .expect("the file opens")
        .query_row(
            "SELECT phone_tag FROM volunteer WHERE id = ?1",
            [id.to_string()],
            |row| row.get(0),
        )
        .expect("the row exists")
}

/// HMAC-SHA256 of the canonical number, cut to 16 bytes, computed here independently.
fn expected_tag(secret: &[u8], phone: &str) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret).expect("any key length");
    mac.update(phone.as_bytes());
    mac.finalize().into_bytes()[..16].to_vec()
}

fn duplicates(store: &ServerStore, user: &User, limit: u32, offset: u32) -> DuplicateReport {
    let query = ReportQuery {
        limit: Some(limit),
        offset: Some(offset),
        ..ReportQuery::default()
    };
    reports::duplicates(store, user, &query).expect("the report runs")
}

fn ids(group: &reports::DuplicateGroup) -> Vec<String> {
    group.volunteers.iter().map(|v| v.id.clone()).collect()
}

#[test]
fn one_phone_enrolled_in_two_beats_is_one_group_keyed_by_its_tag_not_the_number() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (path, mut store) = district(dir.path());
    let first = volunteer(1, BEAT_ONE, "Sunita Sahu", PHONE);
    let again = volunteer(2, BEAT_TWO, "Kavita Verma", PHONE);
    let other = volunteer(3, BEAT_TWO, "Geeta Yadav", "+919131975319");
    save(
        &mut store,
        &[first.clone(), again.clone(), other],
        &KeyUpdate::default(),
    );

    let tag = hex::encode(expected_tag(&secret_in(&path), PHONE));
    for user in [admin(), incharge()] {
        let report = duplicates(&store, &user, 100, 0);
        assert_eq!(report.total_groups.same_phone, 1);
        let [group] = &report.same_phone[..] else {
            panic!("one group: {:?}", report.same_phone);
        };
        assert_eq!(group.key, tag);
        assert!(!group.key.contains("9131975318"));
        assert_eq!(ids(group), [first.1.id.to_string(), again.1.id.to_string()]);
        // What a supervisor decides on: who, by name and number.
        let names: Vec<_> = group
            .volunteers
            .iter()
            .map(|v| (v.name_latin.as_deref(), v.phone.as_deref()))
            .collect();
        assert_eq!(
            names,
            [
                (Some("Sunita Sahu"), Some(PHONE)),
                (Some("Kavita Verma"), Some(PHONE))
            ]
        );
    }
}

#[test]
fn the_same_phone_gets_another_secret_and_tag_in_another_database() {
    let dirs = [
        tempfile::tempdir().expect("temp dir"),
        tempfile::tempdir().expect("temp dir"),
    ];
    let mut secrets = Vec::new();
    let mut keys = Vec::new();
    for dir in &dirs {
        let (path, mut store) = district(dir.path());
        save(
            &mut store,
            &[
                volunteer(1, BEAT_ONE, "Sunita Sahu", PHONE),
                volunteer(2, BEAT_TWO, "Kavita Verma", PHONE),
            ],
            &KeyUpdate::default(),
        );
        let secret = secret_in(&path);
        assert_eq!(secret.len(), 32);
        let report = duplicates(&store, &admin(), 100, 0);
        assert_eq!(report.same_phone.len(), 1);
        assert_eq!(
            report.same_phone[0].key,
            hex::encode(expected_tag(&secret, PHONE))
        );
        secrets.push(secret);
        keys.push(report.same_phone[0].key.clone());
    }
    assert_ne!(secrets[0], secrets[1]);
    assert_ne!(keys[0], keys[1]);
}

#[test]
fn a_withdrawn_volunteers_tag_goes_with_their_phone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (path, mut store) = district(dir.path());
    let kept = volunteer(1, BEAT_ONE, "Sunita Sahu", PHONE);
    let (roster, mut leaving) = volunteer(2, BEAT_TWO, "Kavita Verma", PHONE);
    save(
        &mut store,
        &[kept.clone(), (roster.clone(), leaving.clone())],
        &KeyUpdate::default(),
    );
    let tag = phone_tag_in(&path, &leaving.id).expect("tagged at merge");
    assert_eq!(tag, expected_tag(&secret_in(&path), PHONE));

    // A withdrawal, as a merge writes it: no personal fields, and the key destroyed.
    leaving.personal = None;
    leaving.status = Status::Withdrawn;
    save(
        &mut store,
        &[(roster, leaving.clone())],
        &KeyUpdate {
            erased: vec![leaving.id],
            ..KeyUpdate::default()
        },
    );
    assert_eq!(phone_tag_in(&path, &leaving.id), None);
    assert!(phone_tag_in(&path, &kept.1.id).is_some());
    let report = duplicates(&store, &admin(), 100, 0);
    assert_eq!(report.total_groups.same_phone, 0);
    assert!(report.same_phone.is_empty());
    // The tag is still the kept volunteer's, so it may stay in the file; a lone number's tag
    // after the withdrawal of the only holder must not.
    let (roster, mut alone) = volunteer(3, BEAT_ONE, "Geeta Yadav", "+919131975300");
    save(
        &mut store,
        &[(roster.clone(), alone.clone())],
        &KeyUpdate::default(),
    );
    let alone_tag = phone_tag_in(&path, &alone.id).expect("tagged at merge");
    alone.personal = None;
    alone.status = Status::Withdrawn;
    save(
        &mut store,
        &[(roster, alone.clone())],
        &KeyUpdate {
            erased: vec![alone.id],
            ..KeyUpdate::default()
        },
    );
    drop(store);
    let mut bytes = std::fs::read(&path).expect("the file reads");
    bytes.extend(std::fs::read(path.with_extension("db-wal")).unwrap_or_default());
    assert!(
        !bytes
            .windows(alone_tag.len())
            .any(|window| window == alone_tag),
        "the withdrawn volunteer's tag is in no byte of the database"
    );
}

#[test]
fn duplicate_groups_page_by_limit_and_offset_with_totals_per_kind_in_a_stable_order() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (_path, mut store) = district(dir.path());
    // Five pairs within the first station, each sharing a phone and a name; one more pair
    // split between the two stations.
    let names = [
        "Sunita Sahu",
        "Ramesh Verma",
        "Geeta Yadav",
        "Mahesh Patel",
        "Kavita Kashyap",
    ];
    let mut rows = Vec::new();
    for (index, name) in names.iter().enumerate() {
        let n = index as u64 * 2;
        let phone = format!("+91913197530{index}");
        rows.push(volunteer(n, BEAT_ONE, name, &phone));
        rows.push(volunteer(n + 1, BEAT_TWO, name, &phone));
    }
    rows.push(volunteer(20, BEAT_ONE, "Lata Netam", "+919131975399"));
    rows.push(volunteer(
        21,
        BEAT_OTHER_STATION,
        "Usha Markam",
        "+919131975399",
    ));
    save(&mut store, &rows, &KeyUpdate::default());

    let whole = duplicates(&store, &admin(), 100, 0);
    assert_eq!(whole.total_groups.same_phone, 6);
    assert_eq!(whole.total_groups.similar_name, 5);
    assert_eq!(whole.same_phone.len(), 6);
    assert_eq!(whole.similar_name.len(), 5);
    let mut phone_keys: Vec<&str> = whole.same_phone.iter().map(|g| g.key.as_str()).collect();
    let in_order = phone_keys.clone();
    phone_keys.sort_unstable();
    assert_eq!(phone_keys, in_order, "phone groups come in tag order");

    // Pages of two: neither overlapping nor skipping, in the order of the whole list.
    let mut same_phone = Vec::new();
    let mut similar_name = Vec::new();
    for offset in [0, 2, 4, 6] {
        let page = duplicates(&store, &admin(), 2, offset);
        assert_eq!(page.total_groups, whole.total_groups);
        assert!(page.same_phone.len() <= 2 && page.similar_name.len() <= 2);
        same_phone.extend(page.same_phone);
        similar_name.extend(page.similar_name);
    }
    assert_eq!(same_phone, whole.same_phone);
    assert_eq!(similar_name, whole.similar_name);
    assert!(duplicates(&store, &admin(), 2, 6).same_phone.is_empty());

    // A limit of 0 still shows one group; the same query gives the same page.
    assert_eq!(duplicates(&store, &admin(), 0, 0).same_phone.len(), 1);
    assert_eq!(
        duplicates(&store, &admin(), 3, 1),
        duplicates(&store, &admin(), 3, 1)
    );

    // The in-charge's totals count only groups of two within their station.
    let station = duplicates(&store, &incharge(), 100, 0);
    assert_eq!(station.total_groups.same_phone, 5);
    assert_eq!(station.total_groups.similar_name, 5);
    assert!(station.same_phone.iter().all(|group| {
        group
            .volunteers
            .iter()
            .all(|v| v.beat == BEAT_ONE || v.beat == BEAT_TWO)
    }));
}
