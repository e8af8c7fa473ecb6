//! A district-wide report holds up no sync: the progress, coverage and programme reports run
//! on a read-only connection of their own (`AppState::with_reader`, as `ops::read` runs every
//! counting operation), so a phone syncing while one is being read is acknowledged at once.
//! Were a report read under the district's writer, the sync below could not even start.

use mitan_core::demo::Generator;
use mitan_e2e::{FieldDevice, TestServer, beat, station};
use mitan_server::auth::Role;
use mitan_server::ops::reports::{Coverage, Programmes, Progress};
use mitan_server::ops::{Caller, ReadOperation};

const NOW: i64 = 1_763_870_000_000;

fn enrol_and_sync(phone: &mut FieldDevice, seed: u64) {
    let form = Generator::new(seed).enrolment_form(&station(0), &beat(0, 0), "430001");
    phone.enrol_form(&form, seed, NOW + seed as i64);
    let report = phone.sync_ok(NOW + 10_000 + seed as i64);
    assert_eq!(report.acknowledged, 1, "{report:?}");
}

#[test]
fn a_phone_syncs_while_reports_are_being_read() {
    let server = TestServer::start_without_sync_limit(1).expect("the server starts");
    let dirs = tempfile::tempdir().expect("temp dir");
    server
        .add_user("CG-001", Role::Constable, &station(0), &[beat(0, 0)])
        .expect("constable added");
    server
        .add_user("CG-100", Role::StationIncharge, &station(0), &[])
        .expect("in-charge added");
    let mut phone = server
        .field_device("CG-001", &dirs.path().join("phone"))
        .expect("registers");
    enrol_and_sync(&mut phone, 1);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let now_ms = server.state.now_ms();
    let (before, during, after) = runtime
        .block_on(server.state.with_reader(move |reading| {
            let incharge = Caller::console(reading, &"CG-100".parse().expect("a badge"))?;
            let enrolled = |report: &mitan_server::reports::ProgressReport| {
                report
                    .units
                    .iter()
                    .find(|unit| unit.code == station(0))
                    .map_or(0, |unit| unit.enrolled)
            };
            let before = enrolled(&Progress::default().read(reading, &incharge, now_ms)?);
            // Mid-read, a phone syncs through the real server, and is acknowledged.
            enrol_and_sync(&mut phone, 2);
            Coverage::default().read(reading, &incharge, now_ms)?;
            let during = enrolled(&Progress::default().read(reading, &incharge, now_ms)?);
            Programmes::default().read(reading, &incharge, now_ms)?;
            enrol_and_sync(&mut phone, 3);
            let after = enrolled(&Progress::default().read(reading, &incharge, now_ms)?);
            Ok((before, during, after))
        }))
        .expect("the reports and the syncs all go through");
    assert_eq!((before, during, after), (1, 2, 3));
}
