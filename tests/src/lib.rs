//! Shared setup for the end-to-end tests: a real `mitan` server on loopback, a small district
//! in its database, and field devices that talk to it over real HTTP.

use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};

use mitan_cli::field::{FieldProfile, HttpTransport};
use mitan_core::demo::Generator;
use mitan_core::device::{Device, Moment, SyncReport, Transport, TransportError};
use mitan_core::model::{EnrolmentForm, VolunteerId};
use mitan_core::model::{Unit, UnitKind};
use mitan_core::provenance::DeviceKey;
use mitan_server::AppState;
use mitan_server::auth::Role;
use mitan_server::background::BackgroundServer;
use mitan_server::consent::{NoticeSpec, publish_notice};
use mitan_server::district::{District, DistrictConfig};
use mitan_server::registration::issue_code;
use mitan_server::store::{ServerStore, User};

pub mod console;
pub mod http;

/// The district every test builds: one circle, `stations` stations of two beats each.
pub const DISTRICT: &str = "BSP";

/// The code of station `index`.
pub fn station(index: usize) -> String {
    format!("BSP-PS-{index:02}")
}

/// The code of beat `beat` of station `index`.
pub fn beat(index: usize, beat: usize) -> String {
    format!("BSP-PS-{index:02}-B{beat:02}")
}

/// A real server on loopback over a fresh district database; stopped gracefully when dropped.
pub struct TestServer {
    /// Where it listens, e.g. `http://127.0.0.1:40123`.
    pub url: String,
    /// Its address.
    pub address: SocketAddr,
    /// Its state, to look into the database.
    pub state: AppState,
    /// Its database file.
    pub db: PathBuf,
    // Declared before the directory: the server stops before its database is deleted.
    _running: BackgroundServer,
    _dir: tempfile::TempDir,
}

impl TestServer {
    /// Starts a server over a fresh database holding a district of `stations` stations.
    pub fn start(stations: usize) -> anyhow::Result<Self> {
        Self::start_with(stations, |state| state)
    }

    /// The same, with no per-device sync rate limit: for tests whose phones sync many times
    /// a minute on purpose.
    pub fn start_without_sync_limit(stations: usize) -> anyhow::Result<Self> {
        Self::start_with(stations, |state| state.with_sync_rate(None))
    }

    /// Starts a server serving HTTPS with `tls` (a certificate for `localhost`).
    pub fn start_tls(
        stations: usize,
        tls: std::sync::Arc<mitan_server::tls::RustlsServerConfig>,
    ) -> anyhow::Result<Self> {
        Self::start_serving(stations, |state| state, Some(tls))
    }

    fn start_with(
        stations: usize,
        adjust: impl FnOnce(AppState) -> AppState,
    ) -> anyhow::Result<Self> {
        Self::start_serving(stations, adjust, None)
    }

    fn start_serving(
        stations: usize,
        adjust: impl FnOnce(AppState) -> AppState,
        tls: Option<std::sync::Arc<mitan_server::tls::RustlsServerConfig>>,
    ) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let db = dir.path().join("server.db");
        let mut store = ServerStore::open(&db)?;
        build_district(&mut store, stations)?;
        let state = adjust(AppState::new(District::new(
            store,
            DistrictConfig::default(),
        )));
        let running = match tls {
            Some(tls) => BackgroundServer::start_tls(state.clone(), tls)?,
            None => BackgroundServer::start(state.clone())?,
        };
        Ok(TestServer {
            url: running.url.clone(),
            address: running.address,
            state,
            db,
            _running: running,
            _dir: dir,
        })
    }

    /// Issues a one-time code for `badge`, as `mitan admin issue-code` does.
    pub fn code_for(&self, badge: &str) -> anyhow::Result<String> {
        let mut district = self.state.lock_district();
        Ok(issue_code(
            district.store_mut(),
            &badge.parse()?,
            "test",
            3_600_000,
            self.state.now_ms(),
        )?
        .code)
    }

    /// Adds a user, as `mitan admin add-user` does.
    pub fn add_user(
        &self,
        badge: &str,
        role: Role,
        unit: &str,
        beats: &[String],
    ) -> anyhow::Result<()> {
        let user = User {
            badge: badge.parse()?,
            name: format!("Officer {badge}"),
            role,
            unit: unit.parse()?,
            beats: beats
                .iter()
                .map(|beat| beat.parse())
                .collect::<Result<_, _>>()?,
        };
        let now_ms = self.state.now_ms();
        self.state
            .lock_district()
            .store_mut()
            .save_user(&user, now_ms)?;
        Ok(())
    }

    /// Adds the user `badge` and registers a field device for them in `dir/badge`: a member of
    /// staff with their phone, as most tests begin.
    pub fn staff_device(
        &self,
        badge: &str,
        role: Role,
        unit: &str,
        beats: &[String],
        dir: &Path,
    ) -> anyhow::Result<FieldDevice> {
        self.add_user(badge, role, unit, beats)?;
        self.field_device(badge, &dir.join(badge))
    }

    /// The two people most tests start with, each with a registered phone in `dir`: constable
    /// CG-001 of beat 0 of station 0, and the station's in-charge CG-100, whose credential is
    /// returned for the API.
    pub fn beat_team(&self, dir: &Path) -> anyhow::Result<(FieldDevice, String)> {
        let constable =
            self.staff_device("CG-001", Role::Constable, &station(0), &[beat(0, 0)], dir)?;
        let incharge = self.staff_device("CG-100", Role::StationIncharge, &station(0), &[], dir)?;
        Ok((constable, incharge.credential()))
    }

    /// Registers a field device for `badge` in `dir` over HTTP and opens its store.
    pub fn field_device(&self, badge: &str, dir: &Path) -> anyhow::Result<FieldDevice> {
        self.pinned_field_device(badge, None, dir)
    }

    /// The same, pinning the CA `pin` when the server speaks HTTPS.
    pub fn pinned_field_device(
        &self,
        badge: &str,
        pin: Option<mitan_server::tls::Fingerprint>,
        dir: &Path,
    ) -> anyhow::Result<FieldDevice> {
        let code = self.code_for(badge)?;
        mitan_cli::field::register(&self.url, &code, pin, dir)?;
        let (device, profile) = mitan_cli::field::open_device(dir)?;
        Ok(FieldDevice { device, profile })
    }

    /// How many changes the server's log holds.
    pub fn logged_changes(&self) -> u64 {
        self.state
            .lock_district()
            .store()
            .change_log_count()
            .expect("the change log is readable")
    }

    /// Takes the district's signed audit export as the auditor `badge` at `now_ms`, as
    /// `mitan audit export` does, and asserts that it verifies whole, as `mitan audit verify`
    /// checks it offline.
    pub fn assert_audit_export_verifies(&self, badge: &str, now_ms: i64) {
        let store = ServerStore::open_reader(&self.db).expect("a reader opens");
        let auditor = store
            .load_user(&badge.parse().expect("valid badge"))
            .expect("reads")
            .expect("the auditor exists");
        let file = mitan_server::provenance::export(
            &store,
            &auditor,
            &mitan_server::provenance::ExportQuery::default(),
            now_ms,
            &mut |_, _| {},
        )
        .expect("exports")
        .file;
        let verdict = mitan_core::provenance::verify_export(&file).expect("an export");
        assert!(verdict.findings.is_empty(), "{:?}", verdict.findings);
    }

    /// Every volunteer on the server, as (id, status).
    pub fn volunteers(&self) -> Vec<(String, String)> {
        self.state
            .lock_district()
            .store()
            .volunteer_statuses()
            .expect("the volunteer table is readable")
    }
}

fn build_district(store: &mut ServerStore, stations: usize) -> anyhow::Result<()> {
    // Version 1 of the Hindi and English notices, which the demo generator's forms name; a
    // device receives them at registration, as from a district that published them.
    for (language, text) in [
        (
            "hi",
            "परीक्षण सूचना: आपका नाम और फ़ोन नंबर मितान सूची में रखा जाएगा।",
        ),
        (
            "en",
            "Test notice: your name and phone number are kept in the Mitan roster.",
        ),
    ] {
        let spec = NoticeSpec {
            version: 1,
            language: language.into(),
            text: text.into(),
        };
        publish_notice(store, &spec, "test", 0)?;
    }
    let mut add = |kind: UnitKind, code: &str, parent: Option<&str>| -> anyhow::Result<()> {
        store.save_unit(&Unit {
            kind,
            code: code.parse()?,
            name_hi: format!("{code} (हिंदी)"),
            name_en: code.to_owned(),
            parent: parent.map(str::parse).transpose()?,
            lgd_code: None,
        })?;
        Ok(())
    };
    add(UnitKind::State, "CG", None)?;
    add(UnitKind::Range, "CG-BSP", Some("CG"))?;
    add(UnitKind::District, DISTRICT, Some("CG-BSP"))?;
    add(UnitKind::Circle, "BSP-C1", Some(DISTRICT))?;
    for index in 0..stations {
        add(UnitKind::Station, &station(index), Some("BSP-C1"))?;
        for beat_index in 0..2 {
            add(
                UnitKind::Beat,
                &beat(index, beat_index),
                Some(&station(index)),
            )?;
        }
    }
    Ok(())
}

/// A registered field device: the phone's own facade and what it was told at registration.
pub struct FieldDevice {
    /// The device facade, over a real SQLite store.
    pub device: Device,
    /// Its registration.
    pub profile: FieldProfile,
}

impl FieldDevice {
    /// A transport to the server with this device's credential.
    pub fn transport(&self) -> HttpTransport {
        self.profile.transport()
    }

    /// The bearer credential the device was given at registration.
    pub fn credential(&self) -> String {
        self.profile.device.credential.clone()
    }

    /// Enrols the demo generator's volunteer number `seed` in `beat` of `station`, offline.
    pub fn enrol_seeded(
        &mut self,
        station: &str,
        beat: &str,
        seed: u64,
        now_ms: i64,
    ) -> VolunteerId {
        let form = Generator::new(seed).enrolment_form(station, beat, "430001");
        self.enrol_form(&form, seed, now_ms)
    }

    /// Enrols `form`, offline; `seed` makes the volunteer id.
    pub fn enrol_form(&mut self, form: &EnrolmentForm, seed: u64, now_ms: i64) -> VolunteerId {
        self.device
            .enrol(
                form,
                Moment {
                    now_ms,
                    random: u128::from(seed) << 32 | 0xABCD,
                },
            )
            .expect("the enrolment is accepted")
            .id
    }

    /// What this phone's store holds, decrypted with its key (the file itself is encrypted),
    /// for tests that look for a person's bytes in it.
    pub fn store_bytes(&self) -> Vec<u8> {
        let dir = tempfile::tempdir().expect("temp dir");
        let copy = dir.path().join("plain.db");
        self.device.store().decrypted_copy(&copy).expect("decrypts");
        std::fs::read(copy).expect("the copy reads")
    }

    /// The key this phone signs its changes with, as its store holds it: what a tampered
    /// phone's software could read and misuse.
    pub fn signing_key(&self) -> DeviceKey {
        self.device
            .store()
            .load_signing_key()
            .expect("the store reads")
            .expect("a registered phone has a signing key")
    }

    /// Syncs over real HTTP; panics with the last HTTP status when the sync fails.
    pub fn sync_ok(&mut self, now_ms: i64) -> SyncReport {
        let mut transport = self.transport();
        let result = self.device.sync(&mut transport, now_ms);
        result.unwrap_or_else(|error| {
            panic!(
                "sync failed with status {:?}: {error}",
                transport.last_status
            )
        })
    }
}

/// A SQLite database and its write-ahead log, as bytes: what a copy of the server's files
/// would show.
pub fn database_bytes(path: &Path) -> Vec<u8> {
    let mut bytes = std::fs::read(path).expect("the database file reads");
    let wal = path.with_file_name(format!(
        "{}-wal",
        path.file_name()
            .and_then(|name| name.to_str())
            .unwrap_or_default()
    ));
    if let Ok(log) = std::fs::read(wal) {
        bytes.extend(log);
    }
    bytes
}

/// Which of `needles` appear in `bytes`, in the order given: the privacy tests' check that
/// a person's name or number is nowhere in a file.
pub fn found_in(bytes: &[u8], needles: &[&'static str]) -> Vec<&'static str> {
    needles
        .iter()
        .copied()
        .filter(|needle| {
            bytes
                .windows(needle.len())
                .any(|window| window == needle.as_bytes())
        })
        .collect()
}

/// How a connection fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// The request reaches the server, which commits and answers, but the reply is lost.
    AfterReply,
    /// Half of the request body is written, then the connection closes.
    MidRequest,
}

/// A transport that fails once in the given way, then behaves.
pub struct CutTransport {
    inner: HttpTransport,
    address: SocketAddr,
    credential: String,
    cut: Option<Cut>,
}

impl CutTransport {
    /// Cuts the first exchange of `device`'s sync as `cut` says.
    pub fn new(device: &FieldDevice, address: SocketAddr, cut: Cut) -> Self {
        CutTransport {
            inner: device.transport(),
            address,
            credential: device.profile.device.credential.clone(),
            cut: Some(cut),
        }
    }
}

impl Transport for CutTransport {
    fn exchange(&mut self, request: Vec<u8>) -> Result<Vec<u8>, TransportError> {
        match self.cut.take() {
            None => self.inner.exchange(request),
            Some(Cut::AfterReply) => {
                self.inner.exchange(request)?;
                Err(TransportError::Network(
                    "connection reset after the server answered".into(),
                ))
            }
            Some(Cut::MidRequest) => {
                send_half(self.address, &self.credential, &request)
                    .map_err(|error| TransportError::Network(error.to_string()))?;
                Err(TransportError::Network(
                    "connection reset mid-request".into(),
                ))
            }
        }
    }
}

/// Writes a sync request's headers and half its body, then closes the connection.
fn send_half(address: SocketAddr, credential: &str, body: &[u8]) -> std::io::Result<()> {
    let mut stream = TcpStream::connect(address)?;
    write!(
        stream,
        "POST /v1/sync HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {credential}\r\n\
         Content-Type: application/octet-stream\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )?;
    stream.write_all(&body[..body.len() / 2])?;
    stream.flush()?;
    stream.shutdown(std::net::Shutdown::Both)
}
