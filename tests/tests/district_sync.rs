//! A real server on loopback and real devices: offline enrolment in three stations, syncs in
//! random order over cut connections, and the server's authorization holding over HTTP.

use std::collections::BTreeSet;

use mitan_core::demo::Generator;
use mitan_core::device::{Device, Moment};
use mitan_core::model::{Decision, Status, VolunteerId};
use mitan_core::store::VolunteerFilter;
use mitan_e2e::{Cut, CutTransport, FieldDevice, TestServer, beat, station};
use mitan_server::auth::Role;

const NOW: i64 = 1_763_900_000_000;
const STATIONS: usize = 3;
const CONSTABLES_PER_BEAT: usize = 3;
const ENROLMENTS_PER_ROUND: usize = 3;

struct Constable {
    field: FieldDevice,
    station: usize,
    beat: String,
    enrolled: Vec<VolunteerId>,
}

fn enrol(constable: &mut Constable, generator: &mut Generator, count: usize, clock: &mut i64) {
    let station_code = station(constable.station);
    for index in 0..count {
        *clock += 1;
        let form = generator.enrolment_form(
            &station_code,
            &constable.beat,
            &Generator::village_lgd(constable.station, index % 4),
        );
        let outcome = constable
            .field
            .device
            .enrol(
                &form,
                Moment {
                    now_ms: *clock,
                    random: generator.next_u128(),
                },
            )
            .expect("a demo enrolment is accepted");
        constable.enrolled.push(outcome.id);
    }
}

fn shuffle<T>(items: &mut [T], generator: &mut Generator) {
    for index in (1..items.len()).rev() {
        let other = generator.below(index as u64 + 1) as usize;
        items.swap(index, other);
    }
}

/// Syncs every device of `group` once, in an order drawn from `seed`, cutting some
/// connections; returns the cuts made.
fn sync_in_random_order(
    server: &TestServer,
    group: &mut [Constable],
    seed: u64,
    clock: i64,
) -> Vec<Cut> {
    let mut generator = Generator::new(seed);
    let mut order: Vec<usize> = (0..group.len()).collect();
    shuffle(&mut order, &mut generator);
    let mut cuts = Vec::new();
    for index in order {
        let field = &mut group[index].field;
        let cut = match generator.below(4) {
            0 => Some(Cut::AfterReply),
            1 => Some(Cut::MidRequest),
            _ => None,
        };
        match cut {
            Some(cut) => {
                cuts.push(cut);
                let mut transport = CutTransport::new(field, server.address, cut);
                field
                    .device
                    .sync(&mut transport, clock)
                    .expect_err("a cut connection fails the sync");
            }
            None => {
                let mut transport = field.transport();
                field
                    .device
                    .sync(&mut transport, clock)
                    .expect("the sync succeeds");
            }
        }
    }
    cuts
}

fn volunteers_on(device: &Device) -> BTreeSet<String> {
    device
        .list(&VolunteerFilter::default())
        .expect("the device index is readable")
        .into_iter()
        .map(|row| row.id.to_string())
        .collect()
}

#[test]
fn devices_of_three_stations_sync_in_random_order_over_cut_connections_and_converge() {
    let server = TestServer::start(STATIONS).expect("the server starts");
    let dirs = tempfile::tempdir().expect("temp dir");
    let mut generator = Generator::new(2026);
    let mut clock = NOW;

    let mut constables = Vec::new();
    let mut incharges = Vec::new();
    for station_index in 0..STATIONS {
        let incharge_badge = format!("SHO-{station_index}");
        server
            .add_user(
                &incharge_badge,
                Role::StationIncharge,
                &station(station_index),
                &[],
            )
            .expect("in-charge added");
        incharges.push(
            server
                .field_device(&incharge_badge, &dirs.path().join(&incharge_badge))
                .expect("in-charge device registers"),
        );
        for beat_index in 0..2 {
            for number in 0..CONSTABLES_PER_BEAT {
                let badge = format!("CG-{station_index}{beat_index}{number}");
                let beat_code = beat(station_index, beat_index);
                server
                    .add_user(
                        &badge,
                        Role::Constable,
                        &station(station_index),
                        std::slice::from_ref(&beat_code),
                    )
                    .expect("constable added");
                constables.push(Constable {
                    field: server
                        .field_device(&badge, &dirs.path().join(&badge))
                        .expect("constable device registers"),
                    station: station_index,
                    beat: beat_code,
                    enrolled: Vec::new(),
                });
            }
        }
    }
    assert_eq!(constables.len() + incharges.len(), 21);

    // Two rounds of offline work, each followed by syncs in random order: one thread per
    // station, so the server sees concurrent requests, and about a quarter of the syncs over a
    // connection that fails (after the server answered, or half-way through the body).
    let mut cuts = Vec::new();
    for round in 0..2u64 {
        for constable in &mut constables {
            enrol(constable, &mut generator, ENROLMENTS_PER_ROUND, &mut clock);
        }
        let per_station = constables.len() / STATIONS;
        let server = &server;
        cuts.extend(std::thread::scope(|scope| {
            let workers: Vec<_> = constables
                .chunks_mut(per_station)
                .enumerate()
                .map(|(index, group)| {
                    let seed = 100 * round + index as u64;
                    scope.spawn(move || sync_in_random_order(server, group, seed, clock))
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|worker| worker.join().expect("a station's syncs finish"))
                .collect::<Vec<Cut>>()
        }));
        clock += 60_000;
    }
    assert!(
        cuts.contains(&Cut::AfterReply),
        "the seeds must lose some replies"
    );
    assert!(
        cuts.contains(&Cut::MidRequest),
        "the seeds must cut some requests"
    );

    // Everyone syncs cleanly twice: the first pass delivers everything, the second brings
    // each device what others delivered after it.
    for _pass in 0..2 {
        for field in constables
            .iter_mut()
            .map(|constable| &mut constable.field)
            .chain(incharges.iter_mut())
        {
            clock += 1000;
            let mut transport = field.transport();
            field
                .device
                .sync(&mut transport, clock)
                .expect("a clean sync succeeds");
        }
    }

    // The server holds exactly the union of every device's work, once.
    let everyone: BTreeSet<String> = constables
        .iter()
        .flat_map(|constable| constable.enrolled.iter().map(ToString::to_string))
        .collect();
    let total = constables.len() * 2 * ENROLMENTS_PER_ROUND;
    assert_eq!(everyone.len(), total);
    let on_server: BTreeSet<String> = server.volunteers().into_iter().map(|(id, _)| id).collect();
    assert_eq!(on_server, everyone);
    assert_eq!(server.logged_changes(), total as u64);

    // Every device converged on its own rosters and has nothing left to send.
    for constable in &constables {
        let same_beat: BTreeSet<String> = constables
            .iter()
            .filter(|other| other.beat == constable.beat)
            .flat_map(|other| other.enrolled.iter().map(ToString::to_string))
            .collect();
        assert_eq!(volunteers_on(&constable.field.device), same_beat);
        assert_eq!(
            constable.field.device.pending_sync_count().expect("count"),
            0
        );
    }
    for (station_index, incharge) in incharges.iter().enumerate() {
        let same_station: BTreeSet<String> = constables
            .iter()
            .filter(|other| other.station == station_index)
            .flat_map(|other| other.enrolled.iter().map(ToString::to_string))
            .collect();
        assert_eq!(volunteers_on(&incharge.device), same_station);
    }

    // The in-charge of station 1 verifies someone a constable enrolled; it reaches the phone.
    let enrolled_by = constables
        .iter()
        .position(|constable| constable.station == 1)
        .expect("station 1 has constables");
    let person = constables[enrolled_by].enrolled[0];
    clock += 1000;
    incharges[1]
        .device
        .review(
            &person,
            Decision::Verify,
            Moment {
                now_ms: clock,
                random: 0,
            },
        )
        .expect("the in-charge verifies");
    let mut transport = incharges[1].transport();
    let report = incharges[1]
        .device
        .sync(&mut transport, clock)
        .expect("the in-charge syncs");
    assert_eq!(report.acknowledged, 1);
    let mut transport = constables[enrolled_by].field.transport();
    constables[enrolled_by]
        .field
        .device
        .sync(&mut transport, clock)
        .expect("the constable syncs");
    assert_eq!(
        constables[enrolled_by]
            .field
            .device
            .volunteer(&person)
            .expect("present")
            .status,
        Status::Verified
    );
    let statuses = server.volunteers();
    let status_on_server = statuses
        .iter()
        .find(|(id, _)| *id == person.to_string())
        .map(|(_, status)| status.as_str());
    assert_eq!(status_on_server, Some("verified"));
}
