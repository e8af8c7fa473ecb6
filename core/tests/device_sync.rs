//! Devices with real SQLite stores syncing through the in-memory reference server.

mod common;

use mitan_core::Error;
use mitan_core::demo::Generator;
use mitan_core::device::{
    Device, Moment, Problem, Transport, TransportError, UNSUPPORTED_PROTOCOL,
};
use mitan_core::model::{Decision, EnrolmentForm, Field, InvalidCode, Status};
use mitan_core::store::VolunteerFilter;
use mitan_core::sync::MemoryHub;

use common::{BEAT, NOW, STATION, open, sync};

fn enrol_many(device: &mut Device, generator: &mut Generator, count: usize) {
    for index in 0..count {
        let form = generator.enrolment_form(STATION, BEAT, &Generator::village_lgd(0, index % 4));
        let moment = Moment {
            now_ms: NOW + index as i64,
            random: generator.next_u128(),
        };
        device
            .enrol(&form, moment)
            .expect("demo enrolment is accepted");
    }
}

#[test]
fn two_constables_enrol_offline_and_converge_in_one_round_trip_each() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut hub = MemoryHub::default();
    let mut generator = Generator::new(1);
    let mut first = open(dir.path(), 1);
    let mut second = open(dir.path(), 2);
    enrol_many(&mut first, &mut generator, 25);
    enrol_many(&mut second, &mut generator, 25);
    assert_eq!(first.pending_sync_count().expect("count"), 25);

    let report = sync(&mut first, &mut hub);
    assert_eq!(report.round_trips, 1);
    assert_eq!(report.acknowledged, 25);
    // The second device has news and is behind: still one round trip.
    let report = sync(&mut second, &mut hub);
    assert_eq!(report.round_trips, 1);
    assert_eq!(report.acknowledged, 25);
    sync(&mut first, &mut hub);

    for device in [&first, &second] {
        assert_eq!(device.pending_sync_count().expect("count"), 0);
        assert_eq!(device.store().volunteer_count().expect("count"), 50);
        let mine = device.my_quota().expect("quota");
        assert_eq!((mine.enrolled, mine.counted, mine.quota), (25, 25, 25));
    }
}

#[test]
fn a_sync_tells_its_observer_after_each_stored_round() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut hub = MemoryHub::default();
    let mut generator = Generator::new(3);
    let mut phone = open(dir.path(), 1);
    enrol_many(&mut phone, &mut generator, 25);

    let mut heard = Vec::new();
    let mut transport = |request: Vec<u8>| hub.handle(&request).map_err(|error| error.to_string());
    let report = phone
        .sync_observed(&mut transport, NOW, &mut |progress| heard.push(progress))
        .expect("sync succeeds");

    assert_eq!(heard.len(), report.round_trips as usize);
    let rounds: Vec<u32> = heard.iter().map(|progress| progress.round).collect();
    assert_eq!(rounds, (1..=report.round_trips).collect::<Vec<_>>());
    let last = heard.last().expect("one round at least");
    assert_eq!(last.pending, 0, "everything acknowledged by the last round");
    assert_eq!(last.acknowledged, 25);
    assert_eq!(
        (last.bytes_up, last.bytes_down, last.received),
        (report.bytes_up, report.bytes_down, report.received)
    );
}

/// A server of the previous release, answering as `mitan serve` of that release did: it
/// holds no dictionary, so a protocol 5 frame does not even decompress (`malformed_body`),
/// and it refuses any version but 4 (`unsupported_protocol`).
struct OldServer<'a> {
    hub: &'a mut MemoryHub,
    versions_seen: Vec<u16>,
}

impl Transport for OldServer<'_> {
    fn exchange(&mut self, request: Vec<u8>) -> Result<Vec<u8>, TransportError> {
        let refused = |code: &str, message: String| TransportError::Refused {
            status: 400,
            code: code.into(),
            message,
        };
        let plain = mitan_core::sync::inflate(&request, 1 << 24).expect("a sync frame");
        let (protocol, _) = postcard::take_from_bytes::<u16>(&plain).expect("a version");
        self.versions_seen.push(protocol);
        if let Err(error) = zstd::bulk::decompress(&request, 1 << 24) {
            return Err(refused("malformed_body", format!("zstd: {error}")));
        }
        if protocol != 4 {
            return Err(refused(
                UNSUPPORTED_PROTOCOL,
                format!("protocol {protocol} not supported (this server speaks 4)"),
            ));
        }
        self.hub
            .handle(&request)
            .map_err(|error| TransportError::Network(error.to_string()))
    }
}

#[test]
fn a_phone_falls_back_to_protocol_4_for_a_server_not_yet_upgraded() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut hub = MemoryHub::default();
    let mut generator = Generator::new(5);
    let mut phone = open(dir.path(), 1);
    enrol_many(&mut phone, &mut generator, 3);
    let mut old = OldServer {
        hub: &mut hub,
        versions_seen: Vec::new(),
    };
    let report = phone
        .sync(&mut old, NOW)
        .expect("the sync succeeds in protocol 4");
    assert_eq!(old.versions_seen, vec![5, 4]);
    assert_eq!(report.acknowledged, 3);
    assert_eq!(phone.pending_sync_count().expect("count"), 0);
    assert_eq!(
        hub.keys().len(),
        3,
        "the hub holds the three enrolments' keys"
    );
}

#[test]
fn a_village_outside_the_beats_list_is_refused_on_the_phone_once_the_list_is_held() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut device = open(dir.path(), 1);
    let mut generator = Generator::new(9);
    let beat: mitan_core::model::UnitCode = BEAT.parse().expect("beat");
    let listed = Generator::village_lgd(0, 0);
    let elsewhere = Generator::village_lgd(0, 1);
    let moment = |random| Moment {
        now_ms: NOW,
        random,
    };
    // Before the list arrives the phone cannot tell, and the server checks at sync.
    let unchecked = generator.enrolment_form(STATION, BEAT, &elsewhere);
    let early = device
        .enrol(&unchecked, moment(1))
        .expect("no list held yet");

    let koni = mitan_core::model::Village::checked(&listed, "कोनी", "Koni").expect("village");
    device.save_villages(&beat, &[koni]).expect("saved");
    let outside = generator.enrolment_form(STATION, BEAT, &elsewhere);
    let Err(Error::Invalid(rejection)) = device.enrol(&outside, moment(2)) else {
        panic!("a village outside the beat must be refused");
    };
    assert_eq!(
        rejection
            .problems
            .iter()
            .map(|p| (p.field, p.code))
            .collect::<Vec<_>>(),
        vec![(Field::Village, InvalidCode::NotInBeat)]
    );
    // Also after the store is opened again, and for a correction.
    drop(device);
    let mut device = open(dir.path(), 1);
    assert!(device.enrol(&outside, moment(3)).is_err());
    let inside = generator.enrolment_form(STATION, BEAT, &listed);
    device.enrol(&inside, moment(4)).expect("a listed village");
    let edit = mitan_core::model::VolunteerEdit {
        village_lgd: Some(elsewhere.clone()),
        ..Default::default()
    };
    let Err(Error::Invalid(rejection)) = device.edit(&early.id, &edit, moment(5)) else {
        panic!("a correction to a village outside the beat must be refused");
    };
    assert_eq!(rejection.first().code, InvalidCode::NotInBeat);
    let fixed = mitan_core::model::VolunteerEdit {
        village_lgd: Some(listed),
        ..Default::default()
    };
    device
        .edit(&early.id, &fixed, moment(6))
        .expect("corrected into the beat");
    assert_eq!(device.store().volunteer_count().expect("count"), 2);
}

#[test]
fn a_programme_outside_the_districts_list_is_refused_once_the_list_is_held() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut device = open(dir.path(), 1);
    let mut generator = Generator::new(12);
    let moment = |random| Moment {
        now_ms: NOW,
        random,
    };
    let form = |generator: &mut Generator, programme: &str| EnrolmentForm {
        programmes: vec![programme.to_owned()],
        ..generator.enrolment_form(STATION, BEAT, &Generator::village_lgd(0, 0))
    };
    // Before the list arrives any well-formed code is taken, as it always was.
    let early = device
        .enrol(&form(&mut generator, "durg_trinayan"), moment(1))
        .expect("no list held yet")
        .id;
    let list = [
        mitan_core::model::DistrictProgramme::checked("cyber_mitan", "साइबर मितान", "Cyber Mitan")
            .expect("programme"),
        mitan_core::model::DistrictProgramme::checked("nasha_mukti", "नशा मुक्ति", "Nasha Mukti")
            .expect("programme"),
    ];
    device.save_programmes(&list).expect("saved");
    let Err(Error::Invalid(rejection)) =
        device.enrol(&form(&mut generator, "cyber_mitra"), moment(2))
    else {
        panic!("a mistyped programme must be refused");
    };
    assert_eq!(
        rejection
            .problems
            .iter()
            .map(|p| (p.field, p.code))
            .collect::<Vec<_>>(),
        vec![(Field::Programmes, InvalidCode::Unknown)]
    );
    device
        .enrol(&form(&mut generator, "nasha_mukti"), moment(3))
        .expect("the district's own programme");
    drop(device);
    let mut device = open(dir.path(), 1);
    assert_eq!(device.programmes().expect("held").len(), 2);
    let join = mitan_core::model::VolunteerEdit {
        add_programmes: vec!["police_mitra".into()],
        ..Default::default()
    };
    assert!(
        device.edit(&early, &join, moment(4)).is_err(),
        "not on the list"
    );
}

#[test]
fn a_refused_form_names_every_field_and_stores_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut device = open(dir.path(), 1);
    let form = EnrolmentForm {
        name_devanagari: "रमेश\u{200B}".into(),
        phone: "12345".into(),
        gender: "female".into(),
        age_years: Some(16),
        village_lgd: "43001".into(),
        household: "मकान 4".into(),
        beat: BEAT.into(),
        station: STATION.into(),
        programmes: vec!["cyber_mitan".into()],
        consent_given: true,
        consent_language: "hi".into(),
        consent_notice_version: 1,
        ..EnrolmentForm::default()
    };
    let moment = Moment {
        now_ms: NOW,
        random: 7,
    };
    let Err(Error::Invalid(rejection)) = device.enrol(&form, moment) else {
        panic!("the form must be refused");
    };
    let refused: Vec<(Field, InvalidCode)> = rejection
        .problems
        .iter()
        .map(|p| (p.field, p.code))
        .collect();
    assert!(
        refused.contains(&(Field::NameDevanagari, InvalidCode::InvisibleCharacter)),
        "{refused:?}"
    );
    assert!(
        refused.contains(&(Field::Phone, InvalidCode::NotMobile))
            || refused.contains(&(Field::Phone, InvalidCode::BadFormat)),
        "{refused:?}"
    );
    assert!(
        refused.contains(&(Field::Village, InvalidCode::BadFormat)),
        "{refused:?}"
    );
    assert!(
        refused.contains(&(Field::GuardianConsent, InvalidCode::GuardianConsentRequired)),
        "{refused:?}"
    );
    assert_eq!(device.pending_sync_count().expect("count"), 0);
    assert_eq!(device.store().volunteer_count().expect("count"), 0);
}

#[test]
fn an_enrolment_in_a_beat_the_constable_does_not_work_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut device = open(dir.path(), 1);
    let form = Generator::new(3).enrolment_form(STATION, "BSP-PS-KONI-B09", "430001");
    let error = device
        .enrol(
            &form,
            Moment {
                now_ms: NOW,
                random: 1,
            },
        )
        .expect_err("foreign beat");
    let Error::Invalid(rejection) = error else {
        panic!("expected a validation error, got {error}")
    };
    assert_eq!(rejection.first().field, Field::Beat);
}

#[test]
fn a_lost_reply_is_retried_without_duplicates() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut hub = MemoryHub::default();
    let mut device = open(dir.path(), 1);
    enrol_many(&mut device, &mut Generator::new(5), 10);
    // The server stores the request, but the reply never reaches the phone.
    let mut lossy = |request: Vec<u8>| {
        hub.handle(&request).map_err(|error| error.to_string())?;
        Err::<Vec<u8>, String>("connection reset".into())
    };
    assert!(matches!(
        device.sync(&mut lossy, NOW),
        Err(Error::Transport(_))
    ));
    assert_eq!(device.pending_sync_count().expect("count"), 10);
    let report = sync(&mut device, &mut hub);
    assert_eq!(report.acknowledged, 10);
    assert_eq!(device.pending_sync_count().expect("count"), 0);
    let roster = hub
        .roster(&BEAT.parse().expect("valid"))
        .expect("hub has the roster");
    assert_eq!(roster.volunteers(hub.keys()).len(), 10);
}

#[test]
fn a_reinstalled_phone_gets_the_roster_back_in_one_round_trip() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut hub = MemoryHub::default();
    let mut device = open(dir.path(), 1);
    enrol_many(&mut device, &mut Generator::new(6), 25);
    sync(&mut device, &mut hub);
    drop(device);

    let fresh_dir = tempfile::tempdir().expect("temp dir");
    let mut reinstalled = open(fresh_dir.path(), 3);
    let report = sync(&mut reinstalled, &mut hub);
    assert_eq!(report.round_trips, 1);
    assert_eq!(reinstalled.store().volunteer_count().expect("count"), 25);
}

#[test]
fn a_reinstalled_phone_with_offline_work_gets_the_roster_as_one_snapshot() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut hub = MemoryHub::default();
    let mut first = open(dir.path(), 1);
    enrol_many(&mut first, &mut Generator::new(6), 200);
    sync(&mut first, &mut hub);
    let roster_bytes = hub
        .roster_mut(&BEAT.parse().expect("valid"))
        .expect("hub has the roster")
        .save()
        .len() as u64;

    // The new phone enrols before its first sync, so it offers heads the server learns only
    // from that offer: the reply must still be the compact document, not 200 changes.
    let mut reinstalled = open(dir.path(), 3);
    enrol_many(&mut reinstalled, &mut Generator::new(7), 2);
    let report = sync(&mut reinstalled, &mut hub);
    assert_eq!(report.round_trips, 1);
    assert_eq!(report.acknowledged, 2);
    assert_eq!(reinstalled.store().volunteer_count().expect("count"), 202);
    // Beside the document come the 202 volunteers' keys (48 bytes each, incompressible).
    let keys_bytes = 202 * 48;
    assert!(
        report.bytes_down <= roster_bytes + keys_bytes + 1024,
        "reply of {} bytes for a roster that saves to {roster_bytes}",
        report.bytes_down
    );
}

#[test]
fn a_server_that_lost_a_phones_history_gets_back_only_the_phones_own_changes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut hub = MemoryHub::default();
    let mut first = open(dir.path(), 1);
    let mut second = open(dir.path(), 2);
    enrol_many(&mut first, &mut Generator::new(8), 5);
    enrol_many(&mut second, &mut Generator::new(9), 3);
    sync(&mut first, &mut hub);
    sync(&mut second, &mut hub);
    sync(&mut first, &mut hub);
    assert_eq!(first.store().volunteer_count().expect("count"), 8);

    // The server is restored from a backup that predates every sync.
    let mut restored = MemoryHub::default();
    let report = sync(&mut first, &mut restored);
    assert_eq!(
        report.acknowledged, 5,
        "only the first phone's own enrolments"
    );
    let roster = restored
        .roster(&BEAT.parse().expect("valid"))
        .expect("the restored server has the roster again");
    assert_eq!(roster.volunteers(restored.keys()).len(), 5);
    assert_eq!(
        restored.keys().len(),
        5,
        "the phone sends its own volunteers' keys again with their enrolments"
    );
    assert_eq!(first.pending_sync_count().expect("count"), 0);
}

#[test]
fn a_supervisors_verification_reaches_the_enrolling_phone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut hub = MemoryHub::default();
    let mut constable = open(dir.path(), 1);
    let form = Generator::new(8).enrolment_form(STATION, BEAT, "430001");
    let outcome = constable
        .enrol(
            &form,
            Moment {
                now_ms: NOW,
                random: 99,
            },
        )
        .expect("enrol");
    sync(&mut constable, &mut hub);

    let mut supervisor = open(dir.path(), 7);
    sync(&mut supervisor, &mut hub);
    supervisor
        .review(
            &outcome.id,
            Decision::Verify,
            Moment {
                now_ms: NOW + 10,
                random: 0,
            },
        )
        .expect("verify");
    sync(&mut supervisor, &mut hub);

    sync(&mut constable, &mut hub);
    assert_eq!(
        constable.volunteer(&outcome.id).expect("present").status,
        Status::Verified
    );
    let verified = constable
        .list(&VolunteerFilter {
            status: Some("verified".into()),
            ..Default::default()
        })
        .expect("list");
    assert_eq!(verified.len(), 1);
    assert_eq!(constable.my_quota().expect("quota").verified, 1);
}

#[test]
fn the_same_phone_enrolled_twice_on_one_device_is_flagged_not_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut device = open(dir.path(), 1);
    let mut generator = Generator::new(9);
    let mut form = generator.enrolment_form(STATION, BEAT, "430001");
    form.phone = "98765 43210".into();
    let first = device
        .enrol(
            &form,
            Moment {
                now_ms: NOW,
                random: 1,
            },
        )
        .expect("first");
    form.phone = "+91 9876543210".into();
    let second = device
        .enrol(
            &form,
            Moment {
                now_ms: NOW + 1,
                random: 2,
            },
        )
        .expect("second");
    assert!(first.problems.is_empty());
    // The same person twice: the same number, and the same household.
    assert_eq!(
        second.problems,
        vec![
            Problem::SamePhoneAs(first.id),
            Problem::SameHouseholdAs(first.id)
        ]
    );
    assert_eq!(
        device.duplicate_phones().expect("duplicates"),
        vec![vec![first.id, second.id]]
    );
}

#[test]
fn search_finds_names_across_scripts_and_by_phone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut device = open(dir.path(), 1);
    let mut form = Generator::new(10).enrolment_form(STATION, BEAT, "430001");
    form.name_devanagari = "रमेश साहू".into();
    form.name_latin = String::new();
    form.phone = "98765 43210".into();
    let ramesh = device
        .enrol(
            &form,
            Moment {
                now_ms: NOW,
                random: 1,
            },
        )
        .expect("enrol");
    form.name_devanagari = String::new();
    form.name_latin = "Suneeta Verma".into();
    form.phone = "91234 56780".into();
    let sunita = device
        .enrol(
            &form,
            Moment {
                now_ms: NOW + 1,
                random: 2,
            },
        )
        .expect("enrol");

    let ids = |query: &str| -> Vec<_> {
        device
            .search(query, 10)
            .expect("search")
            .into_iter()
            .map(|row| row.id)
            .collect()
    };
    assert_eq!(ids("रमे"), vec![ramesh.id]);
    assert_eq!(ids("Ramesh"), vec![ramesh.id]);
    assert_eq!(ids("rames sahu"), vec![ramesh.id]);
    assert_eq!(ids("सुनीता"), vec![sunita.id]);
    assert_eq!(ids("sunita"), vec![sunita.id]);
    assert_eq!(ids("43210"), vec![ramesh.id]);
    assert_eq!(ids("+91 91234 56780"), vec![sunita.id]);
    assert!(ids("Mohan").is_empty());
}

#[test]
fn everything_survives_closing_and_compaction() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut hub = MemoryHub::default();
    let mut device = open(dir.path(), 1);
    let mut generator = Generator::new(11);
    enrol_many(&mut device, &mut generator, 20);
    sync(&mut device, &mut hub);
    enrol_many(&mut device, &mut generator, 5);
    device.compact().expect("compact");
    drop(device);

    let mut reopened = open(dir.path(), 1);
    assert_eq!(reopened.store().volunteer_count().expect("count"), 25);
    assert_eq!(reopened.pending_sync_count().expect("count"), 5);
    assert!(reopened.store().integrity_ok().expect("check"));
    let report = sync(&mut reopened, &mut hub);
    assert_eq!(report.acknowledged, 5);
    let roster = hub.roster(&BEAT.parse().expect("valid")).expect("present");
    assert_eq!(roster.volunteers(hub.keys()).len(), 25);
}
