//! Network faults between phones and a real server: every phone reaches the server through a
//! proxy on loopback that drops, cuts, delays, duplicates and reorders the HTTP exchanges.
//! Afterwards, with the faults off, every phone converges with the server, every enrolment
//! is there, and nothing is stored twice.
//!
//! 40 rounds by default (CI); `MITAN_FAULT_ROUNDS` sets more for the long mode, and
//! `MITAN_CRASH_SEED` replays a run's choice of faults (the seed is printed).

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mitan_core::model::{RosterId, VolunteerId};
use mitan_core::store::VolunteerFilter;
use mitan_e2e::{FieldDevice, TestServer, beat, station};
use mitan_server::auth::Role;

const PHONES_PER_BEAT: usize = 2;
const BEATS: usize = 2;
const NOW_MS: i64 = 1_764_000_000_000;

/// What the proxy does to one exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Fault {
    /// Passed through untouched.
    None,
    /// The connection closes before anything reaches the server.
    Drop,
    /// Half the request reaches the server, then the connection closes.
    CutRequest,
    /// The server answers in full; the phone gets half the answer.
    CutReply,
    /// Held for up to half a second each way.
    Delay,
    /// The request reaches the server twice; the phone gets the second answer.
    Duplicate,
    /// The phone's connection fails now; the request reaches the server later, after the
    /// next exchange of any phone has passed.
    Reorder,
}

/// A small xorshift generator: the faults only need to be spread and replayable.
struct Dice(u64);

impl Dice {
    fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below
    }

    fn fault(&mut self) -> Fault {
        match self.next(10) {
            0 => Fault::Drop,
            1 => Fault::CutRequest,
            2 => Fault::CutReply,
            3 => Fault::Delay,
            4 => Fault::Duplicate,
            5 => Fault::Reorder,
            _ => Fault::None,
        }
    }
}

/// One HTTP request as the phone sent it: head and body.
fn read_request(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut head = Vec::new();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = value.trim().parse().ok()?;
        }
        head.extend_from_slice(line.as_bytes());
        if line == "\r\n" {
            break;
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    head.extend(body);
    Some(head)
}

/// Sends `request` to the server on a connection of its own and reads the whole answer (the
/// proxy asks the server to close after answering, so the answer ends at EOF).
fn forward(server: SocketAddr, request: &[u8]) -> Option<Vec<u8>> {
    let mut upstream = TcpStream::connect(server).ok()?;
    upstream.write_all(&close_after(request)).ok()?;
    let mut answer = Vec::new();
    upstream.read_to_end(&mut answer).ok()?;
    Some(answer)
}

/// The request with `Connection: close` added, so that one connection carries one exchange.
fn close_after(request: &[u8]) -> Vec<u8> {
    let split = request
        .windows(2)
        .position(|pair| pair == b"\r\n")
        .map_or(0, |at| at + 2);
    [
        &request[..split],
        b"Connection: close\r\n",
        &request[split..],
    ]
    .concat()
}

struct Proxy {
    address: SocketAddr,
    faults_on: Arc<AtomicBool>,
    counts: Arc<Mutex<BTreeMap<Fault, u32>>>,
}

impl Proxy {
    fn start(server: SocketAddr, seed: u64) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("the proxy binds");
        let address = listener.local_addr().expect("an address");
        let faults_on = Arc::new(AtomicBool::new(true));
        let counts = Arc::new(Mutex::new(BTreeMap::new()));
        let (on, tally) = (faults_on.clone(), counts.clone());
        std::thread::spawn(move || {
            let mut dice = Dice(seed | 1);
            let mut held: Vec<Vec<u8>> = Vec::new();
            // One exchange at a time: the phones sync one after another, and a sequential
            // proxy keeps the order of held requests well defined.
            for stream in listener.incoming() {
                let Ok(mut phone) = stream else { continue };
                let _ = phone.set_read_timeout(Some(Duration::from_secs(10)));
                let Some(request) = read_request(&mut phone) else {
                    continue;
                };
                let fault = if on.load(Ordering::SeqCst) {
                    dice.fault()
                } else {
                    Fault::None
                };
                *tally.lock().expect("tally").entry(fault).or_insert(0) += 1;
                match fault {
                    Fault::None => {
                        if let Some(answer) = forward(server, &request) {
                            let _ = phone.write_all(&answer);
                        }
                    }
                    Fault::Drop => {}
                    Fault::CutRequest => {
                        if let Ok(mut upstream) = TcpStream::connect(server) {
                            let _ = upstream.write_all(&request[..request.len() / 2]);
                            let _ = upstream.shutdown(std::net::Shutdown::Both);
                        }
                    }
                    Fault::CutReply => {
                        if let Some(answer) = forward(server, &request) {
                            let _ = phone.write_all(&answer[..answer.len() / 2]);
                        }
                    }
                    Fault::Delay => {
                        std::thread::sleep(Duration::from_millis(dice.next(500)));
                        let answer = forward(server, &request);
                        std::thread::sleep(Duration::from_millis(dice.next(500)));
                        if let Some(answer) = answer {
                            let _ = phone.write_all(&answer);
                        }
                    }
                    Fault::Duplicate => {
                        let _ = forward(server, &request);
                        if let Some(answer) = forward(server, &request) {
                            let _ = phone.write_all(&answer);
                        }
                    }
                    Fault::Reorder => {
                        held.push(request);
                        let _ = phone.shutdown(std::net::Shutdown::Both);
                        continue;
                    }
                }
                drop(phone);
                // Requests held back arrive now, after a newer exchange has passed.
                for late in held.drain(..) {
                    let _ = forward(server, &late);
                }
            }
        });
        Proxy {
            address,
            faults_on,
            counts,
        }
    }
}

#[test]
fn phones_behind_a_faulty_link_converge_and_nothing_is_stored_twice() {
    let rounds: u32 = std::env::var("MITAN_FAULT_ROUNDS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(40);
    let seed: u64 = std::env::var("MITAN_CRASH_SEED")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(0x5eed_f00d);
    eprintln!("network faults: {rounds} rounds, MITAN_CRASH_SEED={seed}");

    let server = TestServer::start_without_sync_limit(1).expect("server starts");
    let proxy = Proxy::start(server.address, seed);
    let dir = tempfile::tempdir().expect("temp dir");
    let mut phones: Vec<(String, FieldDevice, BTreeSet<VolunteerId>)> = Vec::new();
    for index in 0..BEATS * PHONES_PER_BEAT {
        let badge = format!("CG-{:03}", 100 + index);
        let phone_beat = beat(0, index % BEATS);
        server
            .add_user(
                &badge,
                Role::Constable,
                &station(0),
                std::slice::from_ref(&phone_beat),
            )
            .expect("constable added");
        let code = server.code_for(&badge).expect("code issued");
        let phone_dir = dir.path().join(&badge);
        // Registration goes straight to the server; every sync after it goes to the proxy.
        mitan_cli::field::register(&server.url, &code, None, &phone_dir).expect("registers");
        let (device, mut profile) = mitan_cli::field::open_device(&phone_dir).expect("opens");
        profile.server = format!("http://{}", proxy.address);
        phones.push((phone_beat, FieldDevice { device, profile }, BTreeSet::new()));
    }

    let mut dice = Dice(seed.rotate_left(29) | 1);
    let (mut attempts, mut failures) = (0u32, 0u32);
    for round in 0..rounds {
        for (index, (phone_beat, phone, enrolled)) in phones.iter_mut().enumerate() {
            for _ in 0..=dice.next(2) {
                let seed = u64::from(round) * 1_000 + index as u64 * 10 + enrolled.len() as u64;
                enrolled.insert(phone.enrol_seeded(&station(0), phone_beat, seed, NOW_MS));
            }
            attempts += 1;
            let mut transport = phone.transport();
            if phone.device.sync(&mut transport, NOW_MS).is_err() {
                failures += 1;
            }
        }
    }

    proxy.faults_on.store(false, Ordering::SeqCst);
    for _ in 0..2 {
        for (_, phone, _) in &mut phones {
            let report = phone.sync_ok(NOW_MS);
            assert_eq!(report.refused, 0);
        }
    }

    let mut by_beat: BTreeMap<String, BTreeSet<VolunteerId>> = BTreeMap::new();
    for (phone_beat, _, enrolled) in &phones {
        by_beat
            .entry(phone_beat.clone())
            .or_default()
            .extend(enrolled.iter().copied());
    }
    let total: usize = by_beat.values().map(BTreeSet::len).sum();
    for (phone_beat, expected) in &by_beat {
        let roster: RosterId = phone_beat.parse().expect("valid roster");
        let stored: BTreeSet<VolunteerId> = server
            .state
            .lock_district()
            .store()
            .volunteer_ids_in(&roster)
            .expect("the server lists a roster")
            .into_iter()
            .collect();
        assert_eq!(&stored, expected, "the server's {phone_beat}");
        for (_, phone, _) in phones.iter().filter(|(beat, _, _)| beat == phone_beat) {
            let listed: BTreeSet<VolunteerId> = phone
                .device
                .list(&VolunteerFilter {
                    beat: Some(phone_beat.clone()),
                    ..VolunteerFilter::default()
                })
                .expect("the phone lists")
                .into_iter()
                .map(|row| row.id)
                .collect();
            assert_eq!(&listed, expected, "a phone of {phone_beat} diverged");
        }
    }
    // Each enrolment is one change: a duplicated or replayed request stores nothing again.
    assert_eq!(
        server.logged_changes(),
        total as u64,
        "a change stored twice"
    );
    let counts = proxy.counts.lock().expect("tally").clone();
    eprintln!(
        "{rounds} rounds: {total} enrolments, {failures} of {attempts} syncs failed under \
         faults; faults applied: {counts:?}; converged, each change stored once"
    );
}
