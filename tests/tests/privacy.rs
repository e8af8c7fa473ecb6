//! Erasure end to end: a volunteer is enrolled on a phone, synced to a real server over HTTP,
//! exported, and then withdraws. Afterwards their name and number are in no byte of the
//! server's database, of the phones' stores, or of any new export, while the history still
//! replays on a freshly installed phone.

use mitan_core::demo::Generator;
use mitan_core::device::Moment;
use mitan_core::model::{EnrolmentForm, Status, WithdrawalChannel};
use mitan_core::provenance::{read_export, verify_export};
use mitan_e2e::http::csv_records;
use mitan_e2e::{TestServer, beat, database_bytes, found_in, station};
use mitan_server::auth::Role;
use mitan_server::store::ServerStore;

const NOW: i64 = 1_763_870_000_000;
const NAME_LATIN: &str = "Jhummanlal Kosariya";
const NAME_DEVANAGARI: &str = "झुम्मनलाल कोसरिया";
const PHONE_DIGITS: &str = "9131975318";

fn rare_person() -> EnrolmentForm {
    let mut form = Generator::new(77).enrolment_form(&station(0), &beat(0, 0), "430001");
    form.name_devanagari = NAME_DEVANAGARI.into();
    form.name_latin = NAME_LATIN.into();
    form.phone = PHONE_DIGITS.into();
    form
}

/// Which of the person's identifiers appear in `bytes`.
fn traces(bytes: &[u8]) -> Vec<&'static str> {
    found_in(
        bytes,
        &[NAME_LATIN, "Jhummanlal", NAME_DEVANAGARI, PHONE_DIGITS],
    )
}

#[test]
fn a_withdrawn_volunteer_is_in_no_byte_of_server_phones_or_new_exports_and_history_replays() {
    let server = TestServer::start(1).expect("the server starts");
    let dirs = tempfile::tempdir().expect("temp dir");
    for badge in ["CG-001", "CG-002"] {
        server
            .add_user(badge, Role::Constable, &station(0), &[beat(0, 0)])
            .expect("constable added");
    }
    server
        .add_user("CG-100", Role::StationIncharge, &station(0), &[])
        .expect("in-charge added");
    let mut enrolling = server
        .field_device("CG-001", &dirs.path().join("enrolling"))
        .expect("registers");
    let mut colleague = server
        .field_device("CG-002", &dirs.path().join("colleague"))
        .expect("registers");
    let incharge = server
        .field_device("CG-100", &dirs.path().join("incharge"))
        .expect("registers")
        .credential();

    let id = enrolling.enrol_form(&rare_person(), 1, NOW);
    let staying = enrolling.enrol_seeded(&station(0), &beat(0, 0), 2, NOW + 1);
    enrolling.sync_ok(NOW + 10_000);
    colleague.sync_ok(NOW + 10_000);
    assert!(
        colleague
            .device
            .volunteer(&id)
            .expect("on the colleague's phone")
            .personal
            .is_some(),
        "the colleague's phone got the key with the entry"
    );
    let export_path = format!("/v1/exports?unit={}&include_unverified=true", station(0));
    let before = server.get(&export_path, &incharge);
    assert_eq!(before.status, 200, "{}", before.body);
    assert!(before.body.contains(NAME_LATIN), "{}", before.body);
    // The test can see the person where they are: in the server's rows and both phones.
    assert!(!traces(&database_bytes(&server.db)).is_empty());
    assert!(!traces(&colleague.store_bytes()).is_empty());
    // On disk the phone's store is encrypted: nothing of the person shows even now.
    assert!(traces(&database_bytes(&dirs.path().join("colleague/device.db"))).is_empty());

    // The person asks to be removed; the constable taps "withdraw" and syncs.
    enrolling
        .device
        .withdraw(
            &id,
            WithdrawalChannel::InPerson,
            Moment {
                now_ms: NOW + 20_000,
                random: 3,
            },
        )
        .expect("withdrawn");
    enrolling.sync_ok(NOW + 30_000);
    colleague.sync_ok(NOW + 30_000);

    assert_eq!(
        traces(&database_bytes(&server.db)),
        Vec::<&str>::new(),
        "server database"
    );
    for (phone, device) in [("enrolling", &enrolling), ("colleague", &colleague)] {
        assert_eq!(
            traces(&device.store_bytes()),
            Vec::<&str>::new(),
            "{phone}'s store"
        );
    }
    for query in [
        export_path.clone(),
        format!("{export_path}&include_withdrawn=true"),
        format!("{export_path}&kind=group"),
        format!("{export_path}&kind=broadcast&format=vcard"),
    ] {
        let after = server.get(&query, &incharge);
        assert_eq!(after.status, 200, "{}", after.body);
        assert_eq!(traces(after.body.as_bytes()), Vec::<&str>::new(), "{query}");
    }
    let roster = csv_records(&server.get(&export_path, &incharge).body);
    assert_eq!(roster.len(), 1, "only the volunteer who stayed");
    assert_eq!(roster[0][0], staying.to_string());

    // The history still replays: a phone installed now rebuilds the roster from it, with
    // the person's entry present and erased.
    let mut fresh = server
        .field_device("CG-002", &dirs.path().join("fresh"))
        .expect("registers again");
    fresh.sync_ok(NOW + 40_000);
    let replayed = fresh.device.volunteer(&id).expect("the entry replays");
    assert_eq!(replayed.status, Status::Withdrawn);
    assert!(replayed.personal.is_none() && !replayed.sealed);
    assert!(
        fresh
            .device
            .volunteer(&staying)
            .expect("replays")
            .personal
            .is_some()
    );
    assert_eq!(traces(&fresh.store_bytes()), Vec::<&str>::new());

    // The audit export of this history, withdrawal and all, verifies offline (issue 4 asks
    // it of issue 6), and holds the person's fields only as ciphertext nobody can open.
    server
        .add_user("CG-900", Role::Auditor, mitan_e2e::DISTRICT, &[])
        .expect("auditor added");
    let reading = ServerStore::open_reader(&server.db).expect("a reader opens");
    let auditor = reading
        .load_user(&"CG-900".parse().expect("valid"))
        .expect("reads")
        .expect("the auditor exists");
    let export = mitan_server::provenance::export(
        &reading,
        &auditor,
        &mitan_server::provenance::ExportQuery::default(),
        NOW + 50_000,
        &mut |_, _| {},
    )
    .expect("exports");
    let verdict = verify_export(&export.file).expect("an export");
    assert!(verdict.passed(), "{:?}", verdict.findings);
    assert_eq!(verdict.changes, server.logged_changes());
    let (_, signed) = read_export(&export.file).expect("reads");
    assert_eq!(traces(&signed.body), Vec::<&str>::new(), "audit export");
}

#[test]
fn a_withdrawal_by_phone_recorded_by_the_incharge_erases_the_person_everywhere() {
    let server = TestServer::start(2).expect("the server starts");
    let dirs = tempfile::tempdir().expect("temp dir");
    server
        .add_user("CG-001", Role::Constable, &station(0), &[beat(0, 0)])
        .expect("constable added");
    server
        .add_user("CG-100", Role::StationIncharge, &station(0), &[])
        .expect("in-charge added");
    server
        .add_user("CG-200", Role::StationIncharge, &station(1), &[])
        .expect("other in-charge added");
    let mut phone = server
        .field_device("CG-001", &dirs.path().join("phone"))
        .expect("registers");
    let incharge = server
        .field_device("CG-100", &dirs.path().join("incharge"))
        .expect("registers")
        .credential();
    let other_incharge = server
        .field_device("CG-200", &dirs.path().join("other"))
        .expect("registers")
        .credential();
    let id = phone.enrol_form(&rare_person(), 1, NOW);
    phone.sync_ok(NOW + 10_000);
    let keys_before = server
        .state
        .lock_district()
        .store()
        .key_count()
        .expect("keys count");
    assert_eq!(keys_before, 1);

    let path = format!("/v1/volunteers/{id}/withdraw");
    let note = serde_json::json!({ "note": "रिश्तेदार ने फ़ोन पर बताया, 23 नवंबर" });
    let refused = server.post(&path, &other_incharge, Some(note.clone()));
    assert_eq!(refused.status, 403, "{}", refused.body);
    let done = server.post(&path, &incharge, Some(note));
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(done.json()["status"], "withdrawn");
    assert_eq!(
        server
            .state
            .lock_district()
            .store()
            .key_count()
            .expect("keys count"),
        0,
        "the district's copy of the key is destroyed with the withdrawal"
    );
    assert_eq!(traces(&database_bytes(&server.db)), Vec::<&str>::new());

    // The phone that enrolled the person erases them at its next sync.
    assert!(
        phone
            .device
            .volunteer(&id)
            .expect("present")
            .personal
            .is_some()
    );
    phone.sync_ok(NOW + 20_000);
    let erased = phone.device.volunteer(&id).expect("the entry stays");
    assert_eq!(erased.status, Status::Withdrawn);
    assert!(erased.personal.is_none() && !erased.sealed);
    assert_eq!(traces(&phone.store_bytes()), Vec::<&str>::new());

    // Withdrawing twice is refused, not recorded again.
    let again = server.post(&path, &incharge, None);
    assert_eq!(again.status, 400, "{}", again.body);
}
