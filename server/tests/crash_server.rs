//! The server crash test of the reliability issue: constables' phones enrol and sync against a
//! real `mitan serve` process while another thread SIGKILLs it at random moments and starts it
//! again on the same database. Afterwards every enrolment the server acknowledged is in its
//! database, SQLite finds the file intact, and every phone converges with the server.
//!
//! The kill count is 20 by default (CI); `MITAN_SERVER_KILLS=100` is the long mode, and
//! `MITAN_CRASH_SEED` replays a run's random delays (the seed is printed).

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use mitan_core::demo::Generator;
use mitan_core::device::{Device, Moment};
use mitan_core::model::{RosterId, Unit, UnitKind, VolunteerId};
use mitan_core::store::VolunteerFilter;
use mitan_server::auth::Role;
use mitan_server::consent::{NoticeSpec, publish_notice};
use mitan_server::field::{FieldProfile, HttpTransport};
use mitan_server::registration::issue_code;
use mitan_server::store::{ServerStore, User};

const MITAN: &str = env!("CARGO_BIN_EXE_mitan");
const STATION: &str = "BSP-PS-KONI";
const BEATS: [&str; 2] = ["BSP-PS-KONI-B01", "BSP-PS-KONI-B02"];
/// Phones per beat: several phones share each roster, so convergence means something.
const PHONES_PER_BEAT: usize = 3;
/// A run that has not reached its kill count by then is stuck, not slow.
const DEADLINE: Duration = Duration::from_secs(600);

/// A small xorshift generator: the delays only need to be spread and replayable.
struct Delays(u64);

impl Delays {
    fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below
    }
}

/// The district: one station of two beats, a constable per phone, and the notices phones
/// enrol under. Written before the first start, as `mitan admin` would.
fn build_district(db: &Path) -> Vec<String> {
    let mut store = ServerStore::open(db).expect("the database opens");
    let units = [
        (UnitKind::State, "CG", None),
        (UnitKind::Range, "CG-BSP", Some("CG")),
        (UnitKind::District, "BSP", Some("CG-BSP")),
        (UnitKind::Circle, "BSP-C1", Some("BSP")),
        (UnitKind::Station, STATION, Some("BSP-C1")),
        (UnitKind::Beat, BEATS[0], Some(STATION)),
        (UnitKind::Beat, BEATS[1], Some(STATION)),
    ];
    for (kind, code, parent) in units {
        store
            .save_unit(&Unit {
                kind,
                code: code.parse().expect("valid code"),
                name_hi: code.to_owned(),
                name_en: code.to_owned(),
                parent: parent.map(|parent| parent.parse().expect("valid code")),
                lgd_code: None,
            })
            .expect("unit saved");
    }
    for language in ["hi", "en"] {
        let spec = NoticeSpec {
            version: 1,
            language: language.into(),
            text: format!("crash test notice ({language})"),
        };
        publish_notice(&mut store, &spec, "test", 0).expect("notice published");
    }
    let mut codes = Vec::new();
    for phone in 0..BEATS.len() * PHONES_PER_BEAT {
        let badge = format!("CG-{:03}", 100 + phone);
        let user = User {
            badge: badge.parse().expect("valid badge"),
            name: format!("Constable {badge}"),
            role: Role::Constable,
            unit: STATION.parse().expect("valid station"),
            beats: vec![beat_of(phone).parse().expect("valid beat")],
        };
        store.save_user(&user, 0).expect("user saved");
        let code =
            issue_code(&mut store, &user.badge, "test", 3_600_000, now_ms()).expect("code issued");
        codes.push(code.code);
    }
    codes
}

fn beat_of(phone: usize) -> &'static str {
    BEATS[phone % BEATS.len()]
}

fn now_ms() -> i64 {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("the clock is after 1970");
    i64::try_from(since_epoch.as_millis()).expect("milliseconds fit")
}

/// A free loopback port, reused by every restart so the phones' profiles stay valid.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// Starts `mitan serve` and waits until it logs that it listens.
fn start_server(db: &Path, port: u16) -> Child {
    let started = Instant::now();
    loop {
        let mut child = Command::new(MITAN)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .env("MITAN_DB", db)
            .env("MITAN_LOG", "info")
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("the server starts");
        let stderr = child.stderr.take().expect("stderr is piped");
        let (listening, ready) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.contains("address=") {
                    let _ = listening.send(());
                }
            }
        });
        if ready.recv_timeout(Duration::from_secs(30)).is_ok() {
            return child;
        }
        // The previous process's socket can linger for a moment after SIGKILL; try again.
        let _ = child.kill();
        let _ = child.wait();
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the server did not start again on port {port}"
        );
    }
}

struct Phone {
    device: Device,
    transport: HttpTransport,
    generator: Generator,
    beat: &'static str,
    /// Enrolled and not yet covered by a sync that succeeded.
    pending: Vec<VolunteerId>,
    /// Covered by a sync that succeeded: the server acknowledged these.
    acknowledged: BTreeSet<VolunteerId>,
    next_random: u128,
}

impl Phone {
    fn register(url: &str, code: &str, dir: &Path, index: usize) -> Phone {
        let profile: FieldProfile =
            mitan_server::field::register(url, code, dir).expect("registers over HTTP");
        let (device, _) = mitan_server::field::open_device(dir).expect("the phone's store opens");
        Phone {
            device,
            transport: profile.transport(),
            generator: Generator::new(9_000 + index as u64),
            beat: beat_of(index),
            pending: Vec::new(),
            acknowledged: BTreeSet::new(),
            next_random: (index as u128) << 64,
        }
    }

    fn enrol(&mut self) {
        let form = self.generator.enrolment_form(STATION, self.beat, "430001");
        self.next_random += 1;
        let outcome = self
            .device
            .enrol(
                &form,
                Moment {
                    now_ms: now_ms(),
                    random: self.next_random,
                },
            )
            .expect("an enrolment is durable on the phone whatever the server does");
        self.pending.push(outcome.id);
    }

    /// One sync attempt; a dead or dying server is an expected failure here.
    fn sync(&mut self) -> bool {
        match self.device.sync(&mut self.transport, now_ms()) {
            Ok(report) => {
                assert_eq!(report.refused, 0, "the server refused an honest change");
                self.acknowledged.extend(self.pending.drain(..));
                true
            }
            Err(_) => false,
        }
    }

    fn listed(&self) -> BTreeSet<VolunteerId> {
        self.device
            .list(&VolunteerFilter {
                beat: Some(self.beat.to_owned()),
                ..VolunteerFilter::default()
            })
            .expect("the phone lists its beat")
            .into_iter()
            .map(|row| row.id)
            .collect()
    }
}

/// Kills the server at random moments until `target` kills, restarting it each time; the
/// last start is left running and returned.
fn killer(
    db: PathBuf,
    port: u16,
    first: Child,
    target: u32,
    seed: u64,
    kills: Arc<AtomicU32>,
    give_up: Arc<AtomicBool>,
) -> Child {
    let mut delays = Delays(seed | 1);
    let mut server = first;
    while kills.load(Ordering::SeqCst) < target && !give_up.load(Ordering::SeqCst) {
        // 20 ms to a second of service: long enough for several syncs to finish, short
        // enough that many kills land in the middle of one.
        std::thread::sleep(Duration::from_millis(20 + delays.next(980)));
        server.kill().expect("SIGKILL the server");
        server.wait().expect("the killed server is reaped");
        kills.fetch_add(1, Ordering::SeqCst);
        server = start_server(&db, port);
    }
    server
}

#[test]
fn sigkilled_server_loses_nothing_it_acknowledged_and_phones_converge() {
    let target: u32 = std::env::var("MITAN_SERVER_KILLS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(20);
    let seed: u64 = std::env::var("MITAN_CRASH_SEED")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or_else(|| now_ms().unsigned_abs());
    eprintln!("server crash test: {target} kills, MITAN_CRASH_SEED={seed}");

    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("district.db");
    let codes = build_district(&db);
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let server = start_server(&db, port);
    let mut phones: Vec<Phone> = codes
        .iter()
        .enumerate()
        .map(|(index, code)| {
            Phone::register(
                &url,
                code,
                &dir.path().join(format!("phone-{index}")),
                index,
            )
        })
        .collect();

    let kills = Arc::new(AtomicU32::new(0));
    let give_up = Arc::new(AtomicBool::new(false));
    let killing = {
        let (db, kills, give_up) = (db.clone(), kills.clone(), give_up.clone());
        std::thread::spawn(move || killer(db, port, server, target, seed, kills, give_up))
    };

    let started = Instant::now();
    let (mut attempts, mut failures) = (0u32, 0u32);
    let mut delays = Delays(seed.rotate_left(17) | 1);
    while kills.load(Ordering::SeqCst) < target {
        if started.elapsed() > DEADLINE {
            give_up.store(true, Ordering::SeqCst);
            break;
        }
        for phone in &mut phones {
            for _ in 0..=delays.next(3) {
                phone.enrol();
            }
            attempts += 1;
            if !phone.sync() {
                failures += 1;
            }
        }
    }
    let mut server = killing.join().expect("the killer thread ends");
    assert!(
        !give_up.load(Ordering::SeqCst),
        "only {} of {target} kills within {DEADLINE:?}",
        kills.load(Ordering::SeqCst)
    );

    // The server now runs undisturbed: every phone delivers what it still holds, then a
    // second round brings each phone what the others sent.
    for _ in 0..2 {
        for phone in &mut phones {
            let mut tries = 0;
            while !phone.sync() {
                tries += 1;
                assert!(tries < 20, "a phone cannot sync with a running server");
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
    server.kill().expect("stop the server");
    server.wait().expect("reaped");

    let store = ServerStore::open(&db).expect("the database reopens");
    assert!(
        store.integrity_ok().expect("integrity_check runs"),
        "PRAGMA integrity_check failed after {target} kills"
    );
    let mut by_beat: BTreeMap<&str, BTreeSet<VolunteerId>> = BTreeMap::new();
    for phone in &phones {
        assert!(phone.pending.is_empty());
        by_beat
            .entry(phone.beat)
            .or_default()
            .extend(phone.acknowledged.iter().copied());
    }
    let enrolled: usize = by_beat.values().map(BTreeSet::len).sum();
    for (beat, acknowledged) in &by_beat {
        let roster: RosterId = beat.parse().expect("valid roster id");
        let stored: BTreeSet<VolunteerId> = store
            .volunteer_ids_in(&roster)
            .expect("the server lists a roster")
            .into_iter()
            .collect();
        let lost: Vec<_> = acknowledged.difference(&stored).collect();
        assert!(lost.is_empty(), "acknowledged but lost in {beat}: {lost:?}");
        assert_eq!(
            &stored, acknowledged,
            "the server holds exactly what was sent"
        );
        for phone in phones.iter().filter(|phone| phone.beat == *beat) {
            assert_eq!(&phone.listed(), acknowledged, "a phone of {beat} diverged");
        }
    }
    eprintln!(
        "{target} kills: {enrolled} enrolments acknowledged, {failures} of {attempts} sync \
         attempts failed mid-storm, converged after, integrity ok, in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
