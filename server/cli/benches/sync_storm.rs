//! The sync benchmarks of issue 3, printed as tables of ratios against floors measured in the
//! same run (never timed assertions):
//!
//! 1. **Sync storm**: 1,000 devices × 25 enrolments, prepared offline, sent by a few concurrent
//!    clients to a real server on 127.0.0.1; the server's ingest rate against raw SQLite
//!    inserts of the same rows in the same batches (25 per transaction, WAL +
//!    `synchronous=FULL`) on the same disk. Goal ≥ 20 %.
//! 2. **Bytes per enrolment on the wire**, against zstd-compressed JSON of the same records
//!    (goal ≤ 1.25×) and against ODK Collect-style OpenRosa submissions, one multipart/form-data
//!    POST with an XML instance per record (goal ≤ 0.2×).
//! 3. **Round trips per sync** through the phone's own `Device` and the field client's HTTP
//!    transport: a device that has news and is behind (goal 1), and a reinstalled phone
//!    (goal ≤ 2).
//!
//! Run with `cargo bench -p mitan-cli --bench sync_storm`; `MITAN_BENCH_DEVICES` shrinks the
//! storm for a quick look.

use mitan_core::model::sealed::TestKeys;
use mitan_core::provenance::DeviceKey;
use mitan_core::sync::{entries_written, grants_for};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use mitan_core::demo::Generator;
use mitan_core::device::Moment;
use mitan_core::model::{
    ChangeMeta, EnrolmentForm, EnrolmentRules, Roster, RosterId, Unit, UnitKind, VolunteerId,
};
use mitan_core::sync::{RosterOffer, SyncRequest};
use mitan_server::AppState;
use mitan_server::auth::Role;
use mitan_server::background::BackgroundServer;
use mitan_server::consent::{NoticeSpec, publish_notice};
use mitan_server::district::{District, DistrictConfig};
use mitan_server::registration::{RegisterRequest, issue_code, register};
use mitan_server::store::{ServerStore, User};

const ENROLMENTS_PER_DEVICE: usize = 25;
const BEATS_PER_STATION: usize = 50;
const CLIENTS: usize = 4;
const NOW_MS: i64 = 1_763_900_000_000;

fn station_code(station: usize) -> String {
    format!("BSP-PS-{station:03}")
}

fn beat_code(device: usize) -> String {
    format!(
        "{}-B{:02}",
        station_code(device / BEATS_PER_STATION),
        device % BEATS_PER_STATION
    )
}

fn badge(device: usize) -> String {
    format!("CG-{:05}", 10_000 + device)
}

/// One enrolment as every format below carries it.
struct Record {
    id: VolunteerId,
    form: EnrolmentForm,
    badge: String,
    device: String,
    clock_ms: i64,
}

/// A device's offline work: its credential, its encoded sync request and its records.
struct Prepared {
    credential: String,
    body: Vec<u8>,
    records: Vec<Record>,
}

fn save_district(store: &mut ServerStore, devices: usize) {
    // The demo generator's forms consent to version 1 in Hindi or English, and a phone refuses
    // an enrolment under a notice it never received (docs/adr/0001).
    for language in ["hi", "en"] {
        let spec = NoticeSpec {
            version: 1,
            language: language.into(),
            text: format!("Mitan bench notice ({language})"),
        };
        publish_notice(store, &spec, "bench", 0).expect("notice published");
    }
    let mut save = |kind: UnitKind, code: &str, parent: Option<&str>| {
        store
            .save_unit(&Unit {
                kind,
                code: code.parse().expect("valid code"),
                name_hi: format!("{code} हिंदी"),
                name_en: code.to_owned(),
                parent: parent.map(|parent| parent.parse().expect("valid code")),
                lgd_code: None,
            })
            .expect("unit saved");
    };
    save(UnitKind::State, "CG", None);
    save(UnitKind::Range, "CG-BSP", Some("CG"));
    save(UnitKind::District, "BSP", Some("CG-BSP"));
    save(UnitKind::Circle, "BSP-C1", Some("BSP"));
    for device in 0..devices {
        if device % BEATS_PER_STATION == 0 {
            save(
                UnitKind::Station,
                &station_code(device / BEATS_PER_STATION),
                Some("BSP-C1"),
            );
        }
        save(
            UnitKind::Beat,
            &beat_code(device),
            Some(&station_code(device / BEATS_PER_STATION)),
        );
    }
}

/// Registers `devices` constables' phones (in process: registration is not what is measured)
/// and prepares each one's 25 enrolments offline, as encoded sync requests.
fn prepare(store: &mut ServerStore, devices: usize) -> Vec<Prepared> {
    let rules = EnrolmentRules::standard(2026);
    let mut generator = Generator::new(7);
    (0..devices)
        .map(|device| {
            let beat = beat_code(device);
            let station = station_code(device / BEATS_PER_STATION);
            store
                .save_user(
                    &User {
                        badge: badge(device).parse().expect("valid badge"),
                        name: format!("Constable {device}"),
                        role: Role::Constable,
                        unit: station.parse().expect("valid station"),
                        beats: vec![beat.parse().expect("valid beat")],
                    },
                    NOW_MS,
                )
                .expect("user saved");
            let actor: [u8; 16] = generator.next_u128().to_le_bytes();
            let signing_key = DeviceKey::from_secret(actor.repeat(2).try_into().expect("32 bytes"));
            let code = issue_code(
                store,
                &badge(device).parse().expect("valid badge"),
                "bench",
                3_600_000,
                NOW_MS,
            )
            .expect("code issued")
            .code;
            let registered = register(
                store,
                &RegisterRequest {
                    code,
                    actor: hex::encode(actor),
                    public_key: Some(hex::encode(signing_key.public())),
                },
                NOW_MS,
            )
            .expect("device registered");
            let roster_id: RosterId = beat.parse().expect("valid roster");
            let mut roster = Roster::genesis(&roster_id);
            roster.set_actor(actor);
            // Protocol 5 phones in a district where every phone reads it (ADR 0011).
            roster.seal_personal_together(true);
            let mut records = Vec::with_capacity(ENROLMENTS_PER_DEVICE);
            let mut changes = Vec::with_capacity(ENROLMENTS_PER_DEVICE);
            for index in 0..ENROLMENTS_PER_DEVICE {
                let village = Generator::village_lgd(device % 100, index % 4);
                let form = generator.enrolment_form(&station, &beat, &village);
                let enrolment = form.validate(&rules).expect("demo forms are valid");
                let clock_ms = NOW_MS + (index as i64) * 60_000;
                let meta = ChangeMeta {
                    badge: registered.badge.parse().expect("valid badge"),
                    device: registered.device_id.parse().expect("valid device"),
                    device_clock_ms: clock_ms,
                };
                let id = VolunteerId::from_parts(clock_ms as u64, generator.next_u128());
                changes.push(
                    roster
                        .enrol(id, &enrolment, &meta, &TestKeys::sealing(&id))
                        .expect("enrolled")
                        .bytes,
                );
                records.push(Record {
                    id,
                    form,
                    badge: registered.badge.clone(),
                    device: registered.device_id.clone(),
                    clock_ms,
                });
            }
            // Offered as `Device::sync` does: the device's own heads beside its changes, so
            // the server knows what the device holds and sends back only what it lacks.
            let body = SyncRequest::new(vec![RosterOffer {
                roster: beat,
                heads: roster.heads(),
                // A phone sends its enrolments' keys beside them.
                keys: grants_for(&entries_written(&changes), &TestKeys),
                want_keys: Vec::new(),
                changes,
                signatures: Vec::new(),
            }])
            .signed_by(
                &registered.device_id.parse().expect("valid device"),
                &signing_key,
            )
            .encode();
            Prepared {
                credential: registered.credential,
                body,
                records,
            }
        })
        .collect()
}

/// Sends every prepared request from `CLIENTS` threads; returns the wall time and the reply
/// bytes.
fn storm(url: &str, prepared: &Arc<Vec<Prepared>>) -> (Duration, u64) {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let clients: Vec<JoinHandle<u64>> = (0..CLIENTS)
        .map(|_| {
            let next = Arc::clone(&next);
            let prepared = Arc::clone(prepared);
            let sync_url = format!("{url}/v1/sync");
            std::thread::spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .build()
                    .into();
                let mut reply_bytes = 0;
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(device) = prepared.get(index) else {
                        break;
                    };
                    let mut response = agent
                        .post(&sync_url)
                        .header("Authorization", &format!("Bearer {}", device.credential))
                        .content_type("application/octet-stream")
                        .send(&device.body[..])
                        .expect("the server answers");
                    let status = response.status().as_u16();
                    let body = response.body_mut().read_to_vec().expect("reply reads");
                    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
                    reply_bytes += body.len() as u64;
                }
                reply_bytes
            })
        })
        .collect();
    let reply_bytes = clients
        .into_iter()
        .map(|client| client.join().expect("a client thread"))
        .sum();
    (started.elapsed(), reply_bytes)
}

/// The floor: the same rows inserted straight into SQLite, 25 per transaction, with the
/// server's durability settings, on the same disk.
fn raw_inserts(dir: &std::path::Path, prepared: &[Prepared]) -> Duration {
    let connection = rusqlite::Connection::open(dir.join("raw.db")).expect("raw db opens");
    connection
        .pragma_update(None, "journal_mode", "WAL")
        .expect("WAL");
    connection
        .pragma_update(None, "synchronous", "FULL")
        .expect("FULL");
    connection
        .execute_batch(
            "CREATE TABLE volunteer (
                id TEXT PRIMARY KEY, beat TEXT NOT NULL, station TEXT NOT NULL,
                name_deva TEXT, name_latin TEXT, phone TEXT NOT NULL, gender TEXT NOT NULL,
                age INTEGER, village TEXT NOT NULL, household TEXT NOT NULL,
                programmes TEXT NOT NULL, consent_language TEXT NOT NULL,
                enrolled_by TEXT NOT NULL, device TEXT NOT NULL, device_clock_ms INTEGER NOT NULL
            ) WITHOUT ROWID;
            CREATE INDEX volunteer_by_beat ON volunteer (beat);
            CREATE INDEX volunteer_by_phone ON volunteer (phone);",
        )
        .expect("schema");
    let started = Instant::now();
    for device in prepared {
        let transaction = connection.unchecked_transaction().expect("transaction");
        {
            let mut insert = transaction
                .prepare_cached(
                    "INSERT INTO volunteer VALUES
                     (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
                )
                .expect("statement");
            for record in &device.records {
                let form = &record.form;
                insert
                    .execute(rusqlite::params![
                        record.id.to_string(),
                        form.beat,
                        form.station,
                        form.name_devanagari,
                        form.name_latin,
                        form.phone,
                        form.gender,
                        form.age_years,
                        form.village_lgd,
                        form.household,
                        form.programmes.join(","),
                        form.consent_language,
                        record.badge,
                        record.device,
                        record.clock_ms,
                    ])
                    .expect("row inserted");
            }
        }
        transaction.commit().expect("commit");
    }
    started.elapsed()
}

fn json_record(record: &Record) -> serde_json::Value {
    let form = &record.form;
    serde_json::json!({
        "id": record.id.to_string(),
        "name_deva": form.name_devanagari,
        "name_latin": form.name_latin,
        "phone": form.phone,
        "gender": form.gender,
        "age": form.age_years,
        "village": form.village_lgd,
        "household": form.household,
        "beat": form.beat,
        "station": form.station,
        "programmes": form.programmes,
        "consent": {
            "given": form.consent_given,
            "language": form.consent_language,
            "notice_version": form.consent_notice_version,
        },
        "enrolled_by": record.badge,
        "device": record.device,
        "device_clock_ms": record.clock_ms,
    })
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// One OpenRosa submission as ODK Collect posts it: multipart/form-data with the XML
/// instance as `xml_submission_file`. Headers count too: they cross the 2G link as well.
fn odk_submission(record: &Record, url: &str) -> Vec<u8> {
    let form = &record.form;
    let instance = format!(
        "<?xml version='1.0' ?><data id=\"mitan_enrolment\" version=\"2024110101\" \
         xmlns:jr=\"http://openrosa.org/javarosa\" xmlns:orx=\"http://openrosa.org/xforms\">\
         <name_deva>{}</name_deva><name_latin>{}</name_latin><phone>{}</phone>\
         <gender>{}</gender><age>{}</age><village>{}</village><household>{}</household>\
         <beat>{}</beat><station>{}</station><programmes>{}</programmes>\
         <consent_given>{}</consent_given><consent_language>{}</consent_language>\
         <consent_notice_version>{}</consent_notice_version><enrolled_by>{}</enrolled_by>\
         <device>{}</device><start>{}</start>\
         <meta><instanceID>uuid:{}</instanceID></meta></data>",
        xml_escape(&form.name_devanagari),
        xml_escape(&form.name_latin),
        xml_escape(&form.phone),
        form.gender,
        form.age_years.unwrap_or_default(),
        form.village_lgd,
        xml_escape(&form.household),
        form.beat,
        form.station,
        form.programmes.join(" "),
        if form.consent_given { "yes" } else { "no" },
        form.consent_language,
        form.consent_notice_version,
        record.badge,
        record.device,
        record.clock_ms,
        record.id,
    );
    let boundary = "----ODKCollectBoundary7d3a1c2e9f";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"xml_submission_file\"; \
         filename=\"submission.xml\"\r\nContent-Type: text/xml; charset=utf-8\r\n\r\n\
         {instance}\r\n--{boundary}--\r\n"
    );
    let head = format!(
        "POST {url}/submission?deviceID=collect:{} HTTP/1.1\r\nHost: district.example\r\n\
         X-OpenRosa-Version: 1.0\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n\
         Content-Length: {}\r\nAuthorization: Bearer {}\r\n\r\n",
        record.device,
        body.len(),
        "0".repeat(64),
    );
    [head.into_bytes(), body.into_bytes()].concat()
}

/// The sync request's bytes on the wire, with the same HTTP head a field client sends.
fn sync_on_wire(body_len: usize, credential: &str) -> usize {
    let head = format!(
        "POST /v1/sync HTTP/1.1\r\nHost: district.example\r\n\
         Content-Type: application/octet-stream\r\nContent-Length: {body_len}\r\n\
         Authorization: Bearer {credential}\r\n\r\n"
    );
    head.len() + body_len
}

fn round_trips(url: &str, state: &AppState, dir: &std::path::Path) -> (u32, u32, u32) {
    let beat = beat_code(0);
    let code_for = |device_badge: &str| {
        let mut district = state.lock_district();
        issue_code(
            district.store_mut(),
            &device_badge.parse().expect("valid badge"),
            "bench",
            3_600_000,
            state.now_ms(),
        )
        .expect("code issued")
        .code
    };
    let mut generator = Generator::new(99);
    let phone = |name: &str| {
        let phone_dir = dir.join(name);
        mitan_cli::field::register(url, &code_for(&badge(0)), None, &phone_dir)
            .expect("registers over HTTP");
        mitan_cli::field::open_device(&phone_dir).expect("device opens")
    };
    let mut enrol = |device: &mut mitan_core::device::Device, count: usize| {
        for index in 0..count {
            let form = generator.enrolment_form(
                &station_code(0),
                &beat,
                &Generator::village_lgd(0, index % 4),
            );
            device
                .enrol(
                    &form,
                    Moment {
                        now_ms: state.now_ms(),
                        random: generator.next_u128(),
                    },
                )
                .expect("enrolled");
        }
    };
    let (mut first, first_profile) = phone("first");
    let (mut second, second_profile) = phone("second");
    enrol(&mut first, 5);
    first
        .sync(&mut first_profile.transport(), state.now_ms())
        .expect("first syncs");
    // The second phone has news of its own and is behind the first: the common case.
    enrol(&mut second, 5);
    let common = second
        .sync(&mut second_profile.transport(), state.now_ms())
        .expect("second syncs")
        .round_trips;
    // Nothing new on either side: the device still asks once, in case it is behind.
    let quiet = second
        .sync(&mut second_profile.transport(), state.now_ms())
        .expect("second syncs again")
        .round_trips;
    // The first phone is wiped and reinstalled: a new registration and an empty store.
    let (mut reinstalled, reinstalled_profile) = phone("reinstalled");
    enrol(&mut reinstalled, 2);
    let reinstall = reinstalled
        .sync(&mut reinstalled_profile.transport(), state.now_ms())
        .expect("reinstalled syncs")
        .round_trips;
    (common, quiet, reinstall)
}

fn main() {
    let devices: usize = std::env::var("MITAN_BENCH_DEVICES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(1_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = ServerStore::open(&dir.path().join("server.db")).expect("store opens");
    save_district(&mut store, devices);
    let preparing = Instant::now();
    let prepared = Arc::new(prepare(&mut store, devices));
    eprintln!(
        "prepared {devices} devices × {ENROLMENTS_PER_DEVICE} enrolments offline in {:.1} s",
        preparing.elapsed().as_secs_f64()
    );
    // Each device sends one request, so the rate limit would not bite; it is lifted anyway so
    // that nothing but ingest is measured.
    let state = AppState::new(District::new(store, DistrictConfig::default()))
        .with_sync_rate(None)
        .with_registration_rate(None);
    let server = BackgroundServer::start(state.clone()).expect("the server starts");

    let (server_time, reply_bytes) = storm(&server.url, &prepared);
    let enrolments = (devices * ENROLMENTS_PER_DEVICE) as f64;
    let logged = state
        .lock_district()
        .store()
        .change_log_count()
        .expect("count");
    assert_eq!(logged as f64, enrolments, "every enrolment is in the log");
    let raw_time = raw_inserts(dir.path(), &prepared);
    let server_rate = enrolments / server_time.as_secs_f64();
    let raw_rate = enrolments / raw_time.as_secs_f64();

    println!(
        "\n## Sync storm: {devices} devices × {ENROLMENTS_PER_DEVICE} enrolments, {CLIENTS} concurrent clients\n"
    );
    println!("| path | time (s) | enrolments/s | vs raw SQLite |");
    println!("|---|---:|---:|---:|");
    println!(
        "| raw SQLite inserts, 25 per transaction, WAL + synchronous=FULL | {:.2} | {:.0} | 100 % |",
        raw_time.as_secs_f64(),
        raw_rate
    );
    println!(
        "| mitan server over HTTP (decode, authorize, Automerge merge, change log + rows, fsync, reply) | {:.2} | {:.0} | {:.1} % (goal ≥ 20 %) |",
        server_time.as_secs_f64(),
        server_rate,
        100.0 * server_rate / raw_rate
    );

    // Bytes per enrolment, over the same records.
    let mut wire_body = 0usize;
    let mut wire_total = 0usize;
    let mut json_zstd = 0usize;
    let mut json_plain = 0usize;
    let mut odk = 0usize;
    for device in prepared.iter() {
        wire_body += device.body.len();
        wire_total += sync_on_wire(device.body.len(), &device.credential);
        let json = serde_json::to_vec(&serde_json::Value::Array(
            device.records.iter().map(json_record).collect(),
        ))
        .expect("JSON serialises");
        json_plain += json.len();
        // The same zstd level as the sync messages, for a like-for-like comparison.
        json_zstd += zstd::bulk::compress(&json, 15).expect("zstd").len();
        odk += device
            .records
            .iter()
            .map(|record| odk_submission(record, "https://district.example").len())
            .sum::<usize>();
    }
    let per = |bytes: usize| bytes as f64 / enrolments;
    println!("\n## Bytes per enrolment, device to server (batches of {ENROLMENTS_PER_DEVICE})\n");
    println!("| format | bytes/enrolment | mitan sync body ÷ this |");
    println!("|---|---:|---:|");
    println!(
        "| mitan sync request body (Automerge changes, postcard + zstd) | {:.1} | 1.00 |",
        per(wire_body)
    );
    println!(
        "| mitan sync request with its HTTP head | {:.1} | {:.2} |",
        per(wire_total),
        per(wire_body) / per(wire_total)
    );
    println!(
        "| JSON of the same records, plain | {:.1} | {:.2} |",
        per(json_plain),
        per(wire_body) / per(json_plain)
    );
    println!(
        "| JSON of the same records, zstd level 15 | {:.1} | {:.2} (goal ≤ 1.25) |",
        per(json_zstd),
        per(wire_body) / per(json_zstd)
    );
    println!(
        "| ODK Collect OpenRosa submissions (multipart XML, one POST each, with HTTP head) | {:.1} | {:.3} (with head: {:.3}; goal ≤ 0.2) |",
        per(odk),
        per(wire_body) / per(odk),
        per(wire_total) / per(odk)
    );
    println!(
        "\nreplies to the storm: {:.1} bytes per enrolment acknowledged",
        per(reply_bytes as usize)
    );

    let (common, quiet, reinstall) = round_trips(&server.url, &state, dir.path());
    println!("\n## Round trips per sync (phone facade over HTTP)\n");
    println!("| case | round trips | goal |");
    println!("|---|---:|---:|");
    println!("| device has news and is behind | {common} | 1 |");
    println!("| nothing new on either side | {quiet} | 1 |");
    println!("| reinstalled phone (new registration, empty store) with news | {reinstall} | ≤ 2 |");
}
