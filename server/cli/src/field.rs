//! The command-line field client: a laptop or a test plays a phone. It drives
//! `mitan_core::device::Device`, the same facade the Android app calls, over real HTTP, so
//! what it proves about sync holds for the phones.
//!
//! It lives in `mitan-cli`, beside the server rather than in it, because the server never
//! touches the device facade (STYLE.md); issue 3 puts `mitan field` in the `mitan` binary.

use std::path::{Path, PathBuf};
use std::time::Duration;

use mitan_core::device::{Device, Transport, TransportError, signing_public_key};
use mitan_core::model::{EnrolmentRules, UnitCode, Village};
use mitan_core::store::{DeviceIdentity, StoreKey};
use mitan_server::auth::random_bytes;
use mitan_server::consent::ConsentTermsView;
use mitan_server::http::{OCTET_STREAM, system_clock};
use mitan_server::ops::devices::Replace;
use mitan_server::private_files;
use mitan_server::registration::{RegisterRequest, RegisteredDevice, parse_actor};
use mitan_server::tls::Fingerprint;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// How long one exchange may take before the field client gives up; a 2G link is slow, but a
/// sync that has not answered in this long is better retried.
const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(120);

/// The device store's file name inside a field client's directory.
const DEVICE_STORE: &str = "device.db";

/// The largest reply the field client reads.
const MAX_REPLY_BYTES: u64 = 64 * 1024 * 1024;

fn agent(ca: Option<&[u8]>) -> ureq::Agent {
    crate::pinning::agent(ca, EXCHANGE_TIMEOUT)
}

/// A server's answer read as `T`. A refusal carrying the server's JSON error body is
/// `Error::Refused` with its code, field and message; any other answer but 200 is
/// `Error::Remote` with the body as text.
pub(crate) fn read_answer<T: serde::de::DeserializeOwned>(
    response: &mut ureq::http::Response<ureq::Body>,
) -> Result<T> {
    let status = response.status().as_u16();
    let text = response
        .body_mut()
        .read_to_string()
        .map_err(|error| Error::Network(error.to_string()))?;
    if status != 200 {
        return Err(
            match serde_json::from_str::<mitan_server::ErrorBody>(&text) {
                Ok(body) => Error::Refused {
                    status,
                    code: body.error.code,
                    field: body.error.field,
                    message: body.error.message,
                },
                Err(_) => Error::Remote { status, body: text },
            },
        );
    }
    serde_json::from_str(&text).map_err(|error| Error::Network(error.to_string()))
}

/// Sync over HTTP with a device credential.
#[derive(Debug)]
pub struct HttpTransport {
    agent: ureq::Agent,
    sync_url: String,
    credential: String,
    /// The status of the last answer, if one arrived (for tests and diagnostics).
    pub last_status: Option<u16>,
}

impl HttpTransport {
    /// A transport to the server at `server` (e.g. `http://127.0.0.1:8080`).
    pub fn new(server: &str, credential: &str) -> Self {
        Self::trusting(server, credential, None)
    }

    /// A transport to the server at `server` that trusts the CA `ca` (DER) alone over TLS.
    pub fn trusting(server: &str, credential: &str, ca: Option<&[u8]>) -> Self {
        HttpTransport {
            agent: agent(ca),
            sync_url: format!("{}/v1/sync", server.trim_end_matches('/')),
            credential: credential.to_owned(),
            last_status: None,
        }
    }
}

impl Transport for HttpTransport {
    fn exchange(&mut self, request: Vec<u8>) -> std::result::Result<Vec<u8>, TransportError> {
        self.last_status = None;
        let mut response = self
            .agent
            .post(&self.sync_url)
            .header("Authorization", &format!("Bearer {}", self.credential))
            .content_type(OCTET_STREAM)
            .send(&request[..])
            .map_err(|error| TransportError::Network(error.to_string()))?;
        let status = response.status().as_u16();
        self.last_status = Some(status);
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_REPLY_BYTES)
            .read_to_vec()
            .map_err(|error| TransportError::Network(error.to_string()))?;
        match status {
            200 => Ok(body),
            401 => Err(TransportError::Unauthorized),
            _ => Err(transport_refusal(status, &body)),
        }
    }
}

/// A failed answer as the sync loop takes it: a 4xx with Mitan's error body keeps its stable
/// code (`actor_reused` is acted on); anything else is the server's failure.
fn transport_refusal(status: u16, body: &[u8]) -> TransportError {
    match serde_json::from_slice::<mitan_server::ErrorBody>(body) {
        Ok(answer) if (400..500).contains(&status) => TransportError::Refused {
            status,
            code: answer.error.code,
            message: answer.error.message,
        },
        _ => TransportError::Server {
            status,
            message: String::from_utf8_lossy(body).chars().take(200).collect(),
        },
    }
}

/// What a registered field client keeps beside its device store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldProfile {
    /// The server's base URL.
    pub server: String,
    /// The device's registration, including its credential.
    pub device: RegisteredDevice,
    /// The device's actor, as 32 hex digits.
    pub actor: String,
    /// The key of the encrypted device store, as 64 hex digits. A phone keeps it in the
    /// Android Keystore; a laptop has none, so it sits in this owner-only file, which keeps
    /// the store file unreadable when copied alone, not when the whole directory is.
    pub store_key: String,
    /// The server's CA (DER, as hex) pinned at registration: over TLS the only one trusted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca: Option<String>,
}

impl FieldProfile {
    fn path(dir: &Path) -> PathBuf {
        dir.join("profile.json")
    }

    /// Reads the profile kept in `dir`.
    pub fn load(dir: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(Self::path(dir))?;
        serde_json::from_str(&text).map_err(|error| Error::Profile {
            reason: error.to_string(),
        })
    }

    fn save(&self, dir: &Path) -> Result<()> {
        private_files::create_dir(dir)?;
        let text = serde_json::to_string_pretty(self).map_err(|error| Error::Profile {
            reason: error.to_string(),
        })?;
        // The credential is in here: keep it to its owner where the platform allows.
        private_files::write(&Self::path(dir), text.as_bytes())?;
        Ok(())
    }

    /// The identity the device store records.
    pub fn identity(&self) -> Result<DeviceIdentity> {
        let invalid = |field: &'static str| Error::Profile {
            reason: format!("bad {field}"),
        };
        Ok(DeviceIdentity {
            device_id: self
                .device
                .device_id
                .parse()
                .map_err(|_| invalid("device id"))?,
            actor: parse_actor(&self.actor)?,
            badge: self.device.badge.parse().map_err(|_| invalid("badge"))?,
            station: self.device.unit.parse().map_err(|_| invalid("unit"))?,
            beats: self
                .device
                .beats
                .iter()
                .map(|beat| beat.parse().map_err(|_| invalid("beat")))
                .collect::<Result<_>>()?,
            quota: self.device.quota,
        })
    }

    /// The key of the device store.
    pub fn store_key(&self) -> Result<StoreKey> {
        let bytes: [u8; 32] = hex::decode(&self.store_key)
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or_else(|| Error::Profile {
                reason: "store_key is not 64 hex digits".into(),
            })?;
        Ok(StoreKey::from_bytes(bytes))
    }

    /// A transport to this profile's server with its credential.
    pub fn transport(&self) -> HttpTransport {
        HttpTransport::trusting(&self.server, &self.device.credential, self.ca().as_deref())
    }

    /// The pinned CA, as DER.
    fn ca(&self) -> Option<Vec<u8>> {
        self.ca
            .as_deref()
            .and_then(|hex_der| hex::decode(hex_der).ok())
    }
}

/// `GET path` on the device's server with its credential, read as `T`.
fn get_answer<T: serde::de::DeserializeOwned>(profile: &FieldProfile, path: &str) -> Result<T> {
    let url = format!("{}{path}", profile.server.trim_end_matches('/'));
    let mut response = agent(profile.ca().as_deref())
        .get(&url)
        .header(
            "Authorization",
            &format!("Bearer {}", profile.device.credential),
        )
        .call()
        .map_err(|error| Error::Network(error.to_string()))?;
    read_answer(&mut response)
}

/// Fetches the district's current consent notices, policy and programmes (`GET /v1/notices`).
pub fn fetch_terms(profile: &FieldProfile) -> Result<ConsentTermsView> {
    get_answer(profile, "/v1/notices")
}

/// Fetches the villages the hierarchy lists under `beat` (`GET /v1/directory/units`).
pub fn fetch_villages(profile: &FieldProfile, beat: &UnitCode) -> Result<Vec<Village>> {
    let units: mitan_server::ops::directory::UnitList =
        get_answer(profile, &format!("/v1/directory/units?under={beat}"))?;
    units
        .units
        .into_iter()
        .filter(|unit| unit.kind == "village")
        .filter_map(|unit| {
            let code = unit.lgd_code?;
            Some(
                Village::checked(&code, &unit.name_hi, &unit.name_en)
                    .map_err(|invalid| Error::from(mitan_core::Error::from(invalid))),
            )
        })
        .collect()
}

/// Fetches the district's notices, policy and programmes and the villages of the device's
/// beats, and stores them on `device`, so that it can show the notices, apply the policy and
/// check programmes and villages offline.
pub fn refresh_terms(device: &mut Device, profile: &FieldProfile) -> Result<ConsentTermsView> {
    let terms = fetch_terms(profile)?;
    device.save_consent_terms(&terms.to_terms(), system_clock()())?;
    let programmes = terms
        .to_programmes()
        .map_err(|invalid| Error::from(mitan_core::Error::from(invalid)))?;
    device.save_programmes(&programmes)?;
    for beat in device.identity().beats.clone() {
        let villages = fetch_villages(profile, &beat)?;
        device.save_villages(&beat, &villages)?;
    }
    Ok(terms)
}

/// Syncs `device` with its server, then refreshes the district's notices and policy: the
/// station visit that brings rosters up to date brings the consent terms with them.
pub fn sync(device: &mut Device, profile: &FieldProfile) -> Result<Synced> {
    let mut transport = profile.transport();
    let started = std::time::Instant::now();
    let report = device.sync(&mut transport, system_clock()())?;
    let elapsed = started.elapsed();
    // The sync is done and acknowledged whatever happens next: a failure to fetch the
    // notices is reported beside it, never in its place.
    let terms_unfetched = refresh_terms(device, profile).err();
    Ok(Synced {
        report,
        elapsed,
        terms_unfetched,
    })
}

/// What a sync did, and whether the district's notices and policy came after it.
#[derive(Debug)]
pub struct Synced {
    /// The sync, acknowledged by the server.
    pub report: mitan_core::device::SyncReport,
    /// How long the sync itself took, from the first request to the last reply stored (the
    /// notices fetched after it not included).
    pub elapsed: std::time::Duration,
    /// Why the notices and policy could not be fetched after it, if they could not; the
    /// device keeps those it had.
    pub terms_unfetched: Option<Error>,
}

/// Asks the server at `server` to register a new device with a one-time code, and keeps
/// the answer in `dir`; then creates the device store and stores the district's notices and
/// policy in it, so the device can enrol from its first moment offline. The actor is drawn
/// fresh: one per device, never reused.
///
/// A server on `https://` must be pinned: `pin` is the fingerprint of its CA, printed on the
/// registration slip, and the CA is taken from the server's handshake only if it matches;
/// every later request trusts that CA alone.
pub fn register(
    server: &str,
    code: &str,
    pin: Option<Fingerprint>,
    dir: &Path,
) -> Result<FieldProfile> {
    let ca = match (server.starts_with("https://"), pin) {
        (true, Some(pin)) => Some(crate::pinning::pinned_ca(server, pin)?),
        (true, None) => {
            return Err(Error::Invalid {
                field: "ca-fingerprint",
                reason: "an https:// server is trusted through its CA's fingerprint: give the \
                         one printed with the registration code"
                    .into(),
            });
        }
        (false, _) => None,
    };
    let actor = hex::encode(random_bytes::<16>()?);
    // The store exists before the registration: its signing key is drawn inside it, and the
    // registration carries the public half.
    private_files::create_dir(dir)?;
    let store_key = StoreKey::from_bytes(random_bytes::<32>()?);
    let public_key = signing_public_key(&dir.join(DEVICE_STORE), &store_key)?;
    let request = RegisterRequest {
        code: code.to_owned(),
        actor: actor.clone(),
        public_key: Some(hex::encode(public_key)),
    };
    let body = serde_json::to_vec(&request).map_err(|error| Error::Network(error.to_string()))?;
    let url = format!("{}/v1/devices/register", server.trim_end_matches('/'));
    let mut response = agent(ca.as_deref())
        .post(&url)
        .content_type("application/json")
        .send(&body[..])
        .map_err(|error| Error::Network(error.to_string()))?;
    let device: RegisteredDevice = read_answer(&mut response)?;
    let profile = FieldProfile {
        server: server.to_owned(),
        device,
        actor,
        store_key: hex::encode(store_key.as_bytes()),
        ca: ca.map(hex::encode),
    };
    profile.save(dir)?;
    let (mut device, _) = open_device(dir)?;
    device.allow_sealing_together(profile.device.seal_together)?;
    refresh_terms(&mut device, &profile)?;
    Ok(profile)
}

/// What a recovery did: the phone's new registration, and how many of its changes wait to
/// be written again under it at the next sync.
#[derive(Debug)]
pub struct Recovered {
    /// The new profile, kept in the directory.
    pub profile: FieldProfile,
    /// Changes of the old identity set aside.
    pub set_aside: u64,
}

/// Re-registers the field device in `dir` under a new actor and signing key: the recovery of
/// a store restored from a backup or copied (`actor_reused`), or of a device revoked while it
/// held work. With `code` (one-time, from the in-charge) it registers as a new phone would;
/// without, it asks with its own credential (`POST /v1/devices/replace`), which revokes the
/// old registration. The new profile is kept before the store adopts it, so a crash between
/// the two is finished by the next open.
pub fn recover(dir: &Path, code: Option<&str>) -> Result<Recovered> {
    let (mut device, profile) = open_device(dir)?;
    let replacement = device.prepare_replacement()?;
    let actor = hex::encode(replacement.actor);
    let public_key = hex::encode(replacement.public_key);
    let base = profile.server.trim_end_matches('/');
    let agent = agent(profile.ca().as_deref());
    let mut response = match code {
        Some(code) => {
            let request = RegisterRequest {
                code: code.to_owned(),
                actor: actor.clone(),
                public_key: Some(public_key),
            };
            let body =
                serde_json::to_vec(&request).map_err(|error| Error::Encode(error.to_string()))?;
            agent
                .post(&format!("{base}/v1/devices/register"))
                .content_type("application/json")
                .send(&body[..])
        }
        None => {
            let request = Replace {
                actor: actor.clone(),
                public_key,
            };
            let body =
                serde_json::to_vec(&request).map_err(|error| Error::Encode(error.to_string()))?;
            agent
                .post(&format!("{base}/v1/devices/replace"))
                .header(
                    "Authorization",
                    &format!("Bearer {}", profile.device.credential),
                )
                .content_type("application/json")
                .send(&body[..])
        }
    }
    .map_err(|error| Error::Network(error.to_string()))?;
    let registered: RegisteredDevice = read_answer(&mut response)?;
    let profile = FieldProfile {
        device: registered,
        actor,
        ..profile
    };
    profile.save(dir)?;
    let set_aside = device.adopt_replacement(&profile.identity()?)?;
    Ok(Recovered { profile, set_aside })
}

/// Opens the device store kept in `dir`.
pub fn open_device(dir: &Path) -> Result<(Device, FieldProfile)> {
    let profile = FieldProfile::load(dir)?;
    let identity = profile.identity()?;
    let device = Device::open(
        &dir.join(DEVICE_STORE),
        &profile.store_key()?,
        &identity,
        rules_now(),
    )?;
    Ok((device, profile))
}

/// Today's enrolment rules before the district's terms: no notices of the client's own, so
/// that only a notice received from the district can be consented to.
pub fn rules_now() -> EnrolmentRules {
    let now_ms = system_clock()();
    // Days since the epoch to a civil year is close enough for the age rules when taken
    // from 365.2425-day years; the rules only ask which year it is.
    let year = 1970.0 + (now_ms / 86_400_000) as f64 / 365.2425;
    EnrolmentRules::without_notices(year as u16)
}
