//! Mitan itself: the real server (`mitan_server::run` over a district database, in a child
//! process) and one real field device per phone (`mitan_core::device::Device` over its own
//! SQLCipher store), registered and syncing over HTTP as `mitan field` and the tests do.
//! Station in-charges record their decisions through the server's supervisor actions
//! (`POST /v1/volunteers/{id}/verify|duplicate`), as from the station's computer.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, bail};
use mitan_cli::field::{FieldProfile, HttpTransport};
use mitan_core::device::{Device, Moment};
use mitan_server::AppState;
use mitan_server::auth::Role;
use mitan_server::consent::{NoticeSpec, publish_notice};
use mitan_server::district::{District, DistrictConfig};
use mitan_server::registration::issue_code;
use mitan_server::store::{ServerStore, User};

use super::{Finished, System, evening_ms};
use crate::child::{ServerChild, Usage, listen, runtime};
use crate::parallel;
use crate::workload::{Enrolment, Review, Workload};

/// Up to this many phones, every phone's device stays open for the whole drive. Past it (the
/// 8,000 phones of the 2-lakh drive) only the most recently used ones stay open, and the
/// rest are opened again when their turn comes, as a phone app is after the phone sleeps:
/// thousands of open SQLCipher stores would hold three descriptors and a page cache each,
/// which is the bench's cost, not Mitan's. The harness works phone by phone, so each phone
/// is opened about once per day's enrolments and once per evening's sync.
const PHONES_KEPT_OPEN: usize = 1_000;

/// Phones left open past [`PHONES_KEPT_OPEN`]: well above the phones the harness works on
/// at once.
const RECENT_PHONES_OPEN: usize = 64;

/// One phone: its directory, and its device while open.
struct Phone {
    dir: PathBuf,
    open: Option<(Device, FieldProfile)>,
}

/// Mitan's server and devices.
pub struct Mitan {
    server: Option<ServerChild>,
    db: PathBuf,
    phones: Vec<Mutex<Phone>>,
    /// Drives of up to this many phones keep every phone open.
    kept_open: usize,
    /// At most this many phones stay open in a larger drive.
    recent_open: usize,
    /// Phones open in a larger drive, least recently used first.
    recent: Mutex<VecDeque<usize>>,
    incharges: Vec<String>,
}

impl Default for Mitan {
    fn default() -> Self {
        Mitan::keeping_open(PHONES_KEPT_OPEN, RECENT_PHONES_OPEN)
    }
}

fn locked<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Mitan {
    /// Mitan keeping every phone open in drives of up to `kept_open` phones, and only the
    /// `recent_open` most recently used ones in larger drives (a test's way to reach the
    /// 2-lakh drive's reopening at station size).
    pub fn keeping_open(kept_open: usize, recent_open: usize) -> Self {
        Mitan {
            server: None,
            db: PathBuf::new(),
            phones: Vec::new(),
            kept_open,
            recent_open: recent_open.max(1),
            recent: Mutex::new(VecDeque::new()),
            incharges: Vec::new(),
        }
    }

    /// Runs `work` on phone `index`'s device, opening it first if it is closed.
    fn with_phone<T>(
        &self,
        index: usize,
        work: impl FnOnce(&mut Device, &FieldProfile) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        let done = {
            let mut phone = locked(
                self.phones
                    .get(index)
                    .with_context(|| format!("no phone {index}"))?,
            );
            if phone.open.is_none() {
                let opened = mitan_cli::field::open_device(&phone.dir)
                    .with_context(|| format!("opening phone {}", phone.dir.display()))?;
                phone.open = Some(opened);
            }
            let Some((device, profile)) = phone.open.as_mut() else {
                bail!("phone {index} did not open");
            };
            work(device, profile)
        };
        if self.phones.len() > self.kept_open {
            self.close_all_but_recent(index);
        }
        done
    }

    /// Marks `index` as just used and closes the phones used longest ago beyond
    /// `recent_open`. The queue's lock is released before any phone's is taken,
    /// so a phone finishing its work never waits on a thread that waits on it.
    fn close_all_but_recent(&self, index: usize) {
        let closing: Vec<usize> = {
            let mut recent = locked(&self.recent);
            recent.retain(|&open| open != index);
            recent.push_back(index);
            let over = recent.len().saturating_sub(self.recent_open);
            recent.drain(..over).collect()
        };
        for phone in closing {
            if let Some(phone) = self.phones.get(phone) {
                locked(phone).open = None;
            }
        }
    }
}

fn save_district(store: &mut ServerStore, workload: &Workload, now_ms: i64) -> anyhow::Result<()> {
    // The workload's forms consent to version 1 of the Hindi or English notice; a phone
    // refuses a consent under a notice it never received (docs/adr/0001).
    for (language, text) in [
        (
            "hi",
            "फ़ील्ड डे सूचना: आपका नाम और फ़ोन नंबर मितान सूची में रखा जाएगा।",
        ),
        (
            "en",
            "Field-day notice: your name and phone number are kept in the Mitan roster.",
        ),
    ] {
        let spec = NoticeSpec {
            version: 1,
            language: language.into(),
            text: text.into(),
        };
        publish_notice(store, &spec, "fieldday", now_ms)?;
    }
    for unit in &workload.units {
        store.save_unit(unit)?;
    }
    for phone in &workload.phones {
        store.save_user(
            &User {
                badge: phone.badge.parse()?,
                name: format!("आरक्षक {}", phone.badge),
                role: Role::Constable,
                unit: workload.stations[phone.station].code.parse()?,
                beats: vec![phone.beat.parse()?],
            },
            now_ms,
        )?;
    }
    for station in &workload.stations {
        store.save_user(
            &User {
                badge: station.incharge.parse()?,
                name: format!("थानेदार {}", station.incharge),
                role: Role::StationIncharge,
                unit: station.code.parse()?,
                beats: Vec::new(),
            },
            now_ms,
        )?;
    }
    Ok(())
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as i64)
}

impl System for Mitan {
    fn name(&self) -> &'static str {
        "mitan"
    }

    fn start(
        &mut self,
        workload: &Workload,
        exe: &Path,
        dir: &Path,
    ) -> anyhow::Result<Option<SocketAddr>> {
        self.db = dir.join("district.db");
        let badges: Vec<String> = workload
            .phones
            .iter()
            .map(|phone| phone.badge.clone())
            .chain(workload.stations.iter().map(|s| s.incharge.clone()))
            .collect();
        // Hierarchy, users and one-time codes are written before the server starts, as
        // `mitan admin` would; registering is done over HTTP but is not what is measured.
        let codes: Vec<String> = {
            let mut store = ServerStore::open(&self.db)?;
            let now = now_ms();
            save_district(&mut store, workload, now)?;
            badges
                .iter()
                .map(|badge| -> anyhow::Result<String> {
                    Ok(issue_code(&mut store, &badge.parse()?, "fieldday", 86_400_000, now)?.code)
                })
                .collect::<anyhow::Result<_>>()?
        };
        let server = ServerChild::spawn(exe, "mitan", &self.db)?;
        let url = format!("http://{}", server.address);
        let registered: Vec<FieldProfile> = parallel::map(&codes, 2, |index, code| {
            let phone_dir = dir.join("phones").join(&badges[index]);
            mitan_cli::field::register(&url, code, None, &phone_dir)
                .with_context(|| format!("registering {}", badges[index]))
        })?;
        let phones = workload.phones.len();
        let keep_open = phones <= self.kept_open;
        self.phones = parallel::map(&registered[..phones], 2, |index, _| {
            let dir = dir.join("phones").join(&badges[index]);
            let open = keep_open
                .then(|| mitan_cli::field::open_device(&dir))
                .transpose()?;
            Ok(Mutex::new(Phone { dir, open }))
        })?;
        self.incharges = registered[phones..]
            .iter()
            .map(|profile| profile.device.credential.clone())
            .collect();
        let address = server.address;
        self.server = Some(server);
        Ok(Some(address))
    }

    fn enrol(&self, enrolment: &Enrolment) -> anyhow::Result<()> {
        self.with_phone(enrolment.phone, |device, _| {
            let outcome = device.enrol(
                &enrolment.form,
                Moment {
                    now_ms: enrolment.clock_ms,
                    random: enrolment.random,
                },
            )?;
            if outcome.id != enrolment.id {
                bail!(
                    "enrolment {}: the phone minted {} instead",
                    enrolment.id,
                    outcome.id
                );
            }
            Ok(())
        })
    }

    fn sync(&self, phone: usize, day: usize, link: Option<SocketAddr>) -> anyhow::Result<()> {
        let link = link.context("mitan syncs through a link")?;
        self.with_phone(phone, |device, profile| {
            let mut transport =
                HttpTransport::new(&format!("http://{link}"), &profile.device.credential);
            let report = device
                .sync(&mut transport, evening_ms(day))
                .with_context(|| {
                    format!(
                        "phone {}: sync (status {:?})",
                        profile.device.badge, transport.last_status
                    )
                })?;
            if report.refused > 0 {
                bail!(
                    "phone {}: the server refused {} changes",
                    profile.device.badge,
                    report.refused
                );
            }
            Ok(())
        })
    }

    fn review(
        &self,
        station: usize,
        reviews: &[Review],
        link: Option<SocketAddr>,
    ) -> anyhow::Result<()> {
        let link = link.context("mitan reviews through a link")?;
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(std::time::Duration::from_secs(120)))
            .build()
            .into();
        let bearer = format!("Bearer {}", self.incharges[station]);
        for review in reviews {
            let (path, body) = match review {
                Review::Verify(id) => (format!("/v1/volunteers/{id}/verify"), None),
                Review::Duplicate(twin, kept) => (
                    format!("/v1/volunteers/{twin}/duplicate"),
                    Some(serde_json::json!({ "duplicate_of": kept.to_string() }).to_string()),
                ),
            };
            let request = agent
                .post(&format!("http://{link}{path}"))
                .header("Authorization", &bearer);
            let mut response = match body {
                Some(body) => request
                    .header("Content-Type", "application/json")
                    .send(body)?,
                None => request.send_empty()?,
            };
            let status = response.status().as_u16();
            let text = response.body_mut().read_to_string()?;
            if status != 200 {
                bail!("{path}: status {status}: {text}");
            }
        }
        Ok(())
    }

    fn usage(&self) -> Option<Usage> {
        self.server.as_ref().and_then(|server| server.usage().ok())
    }

    fn finish(&mut self) -> anyhow::Result<Finished> {
        let usage = self.server.take().map(ServerChild::stop).transpose()?;
        self.phones.clear();
        let stored = ServerStore::open(&self.db)?.volunteer_count()?;
        Ok(Finished { stored, usage })
    }
}

/// The Mitan server over the district database at `db`, as `mitan serve` runs it, with the
/// per-device sync rate limit lifted: the bench compresses two evenings into seconds.
pub fn serve(db: &Path) -> anyhow::Result<()> {
    let store = ServerStore::open(db)?;
    let state = AppState::new(District::new(store, DistrictConfig::default()))
        .with_sync_rate(None)
        .with_registration_rate(None);
    runtime()?.block_on(async move {
        let (listener, closed) = listen().await?;
        mitan_server::run(listener, state, closed).await?;
        Ok(())
    })
}
