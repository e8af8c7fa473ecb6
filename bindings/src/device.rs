//! `MitanDevice`, the phone's Mitan as Kotlin holds it: one object over the core's `Device`.
//!
//! Calls block: the app makes them off the main thread. One lock serialises them, because
//! the core's device writes through one SQLite connection; a sync holds it for its round trips.

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use mitan_core::device::{Device, Moment};
use mitan_core::model::{EnrolmentRules, VolunteerId};
use mitan_core::store::StoreKey;

use crate::error::ApiError;
use crate::records::{
    ConsentNotice, ConsentTerms, DeviceIdentity, DistrictProgramme, EnrolmentForm,
    EnrolmentReceipt, QuotaStatus, Replacement, RosterFilter, SyncSummary, Village,
    VolunteerChange, VolunteerDetail, VolunteerSummary,
};
use crate::transport::{Bridge, SyncObserver, SyncTransport};

/// The phone's clock. Read here, at the outermost Rust layer, because the core takes time as
/// an argument (so that its tests replay).
fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
        })
}

/// The clock and fresh randomness for a new id, drawn from the operating system.
fn moment() -> Result<Moment, ApiError> {
    let mut random = [0u8; 16];
    getrandom::fill(&mut random).map_err(|error| ApiError::Internal {
        reason: format!("randomness unavailable: {error}"),
    })?;
    Ok(Moment {
        now_ms: now_ms(),
        random: u128::from_le_bytes(random),
    })
}

fn volunteer_id(text: &str) -> Result<VolunteerId, ApiError> {
    Ok(text.parse()?)
}

/// The public key (32 bytes) this phone signs its changes with, drawn inside the store at
/// `path` (created if absent, encrypted with `store_key`) on first call. The app calls it
/// before registering, since the registration sends it; `MitanDevice` later finds the same key.
#[uniffi::export]
pub fn device_public_key(path: String, store_key: Vec<u8>) -> Result<Vec<u8>, ApiError> {
    let key: [u8; 32] = store_key
        .try_into()
        .map_err(|_| ApiError::invalid("store_key", mitan_core::model::InvalidCode::BadFormat))?;
    let public =
        mitan_core::device::signing_public_key(Path::new(&path), &StoreKey::from_bytes(key))?;
    Ok(public.to_vec())
}

/// Keeps the bearer credential the server answered a registration with inside the encrypted
/// store at `path` (created if absent), not in the app's plain files. Call it as soon as the
/// answer arrives.
#[uniffi::export]
pub fn save_device_credential(
    path: String,
    store_key: Vec<u8>,
    device_id: String,
    credential: String,
) -> Result<(), ApiError> {
    let device: mitan_core::model::DeviceId = device_id.parse()?;
    let key: [u8; 32] = store_key
        .try_into()
        .map_err(|_| ApiError::invalid("store_key", mitan_core::model::InvalidCode::BadFormat))?;
    Ok(mitan_core::device::save_credential(
        Path::new(&path),
        &StoreKey::from_bytes(key),
        &device,
        &credential,
    )?)
}

/// A phone's encrypted store, its identity and its rosters.
#[derive(uniffi::Object)]
pub struct MitanDevice {
    device: Mutex<Device>,
}

impl MitanDevice {
    fn device(&self) -> Result<MutexGuard<'_, Device>, ApiError> {
        // A poisoned lock means an earlier call panicked half-way; the store itself is still
        // consistent (every write is one transaction), but the in-memory rosters may not be,
        // so the app should close and reopen the device.
        self.device.lock().map_err(|_| ApiError::Internal {
            reason: "device: an earlier call failed mid-way; reopen the device".into(),
        })
    }
}

#[uniffi::export]
impl MitanDevice {
    /// Opens (creating on first use) the store at `path`, encrypted with `store_key` (32
    /// bytes the app keeps in the Android Keystore). `current_year` judges birth years.
    /// A store of another device, or another key, is refused and left untouched.
    #[uniffi::constructor]
    pub fn new(
        path: String,
        store_key: Vec<u8>,
        identity: DeviceIdentity,
        current_year: u16,
    ) -> Result<Arc<Self>, ApiError> {
        let key: [u8; 32] = store_key.try_into().map_err(|_| {
            ApiError::invalid("store_key", mitan_core::model::InvalidCode::BadFormat)
        })?;
        let identity = identity.try_into()?;
        let device = Device::open(
            Path::new(&path),
            &StoreKey::from_bytes(key),
            &identity,
            // No notices of the app's own: only notices received from the district can be
            // consented to (docs/adr/0001).
            EnrolmentRules::without_notices(current_year),
        )?;
        Ok(Arc::new(MitanDevice {
            device: Mutex::new(device),
        }))
    }

    /// Stores the district's notices and policy, as fetched from `GET /v1/notices`.
    pub fn save_consent_terms(&self, terms: ConsentTerms) -> Result<(), ApiError> {
        Ok(self.device()?.save_consent_terms(&terms.into(), now_ms())?)
    }

    /// Holds `villages` as the villages of `beat` (one of this phone's), replacing the ones
    /// held; fetched from the directory (`GET /v1/directory/units?under=BEAT`). A village
    /// with a malformed code or name refuses the whole list and changes nothing.
    pub fn save_villages(&self, beat: String, villages: Vec<Village>) -> Result<(), ApiError> {
        let beat = beat.parse()?;
        let villages = villages
            .into_iter()
            .map(TryInto::try_into)
            .collect::<Result<Vec<mitan_core::model::Village>, ApiError>>()?;
        Ok(self.device()?.save_villages(&beat, &villages)?)
    }

    /// The villages held for `beat`, by English name: the enrolment form's choices.
    pub fn villages(&self, beat: String) -> Result<Vec<Village>, ApiError> {
        let beat = beat.parse()?;
        Ok(self
            .device()?
            .villages(&beat)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Records whether the server lets this phone seal a new entry's personal fields together
    /// (`seal_together` in the registration answer); each sync reply says so again.
    pub fn allow_sealing_together(&self, allowed: bool) -> Result<(), ApiError> {
        Ok(self.device()?.allow_sealing_together(allowed)?)
    }

    /// Holds `programmes` as the district's list (from `GET /v1/notices`), replacing the one
    /// held; from then on an enrolment naming any other code is refused.
    pub fn save_programmes(&self, programmes: Vec<DistrictProgramme>) -> Result<(), ApiError> {
        let programmes = programmes
            .into_iter()
            .map(TryInto::try_into)
            .collect::<Result<Vec<mitan_core::model::DistrictProgramme>, ApiError>>()?;
        Ok(self.device()?.save_programmes(&programmes)?)
    }

    /// The district's programmes held, by code; until the list arrives, the built-in ones
    /// (their names are the app's).
    pub fn programmes(&self) -> Result<Vec<DistrictProgramme>, ApiError> {
        let held = self.device()?.programmes()?;
        if !held.is_empty() {
            return Ok(held.into_iter().map(Into::into).collect());
        }
        Ok(mitan_core::model::Programme::BUILT_IN
            .iter()
            .map(|code| DistrictProgramme {
                code: (*code).to_owned(),
                name_hi: String::new(),
                name_en: String::new(),
            })
            .collect())
    }

    /// The newest notice held in `language`, to show before a person consents; absent until
    /// the district's notice in that language reaches the phone.
    pub fn notice(&self, language: String) -> Result<Option<ConsentNotice>, ApiError> {
        Ok(self.device()?.notice(&language)?.map(Into::into))
    }

    /// Enrols a volunteer; returns once the enrolment is durable on the phone. A refused form
    /// throws `ApiException.Invalid` naming every refused field, and stores nothing.
    pub fn enrol(&self, form: EnrolmentForm) -> Result<EnrolmentReceipt, ApiError> {
        let moment = moment()?;
        Ok(self.device()?.enrol(&form.into(), moment)?.into())
    }

    /// One volunteer as the roster shows them now.
    pub fn volunteer(&self, volunteer_id: String) -> Result<VolunteerDetail, ApiError> {
        let id = self::volunteer_id(&volunteer_id)?;
        Ok(self.device()?.volunteer(&id)?.into())
    }

    /// The history of one volunteer on this phone, in causal order: enrolment, edits,
    /// reviews (a supervisor's arrive with a sync), withdrawal; each with the fields it
    /// wrote.
    pub fn history(&self, volunteer_id: String) -> Result<Vec<VolunteerChange>, ApiError> {
        let id = self::volunteer_id(&volunteer_id)?;
        let entries = self.device()?.volunteer_history(&id)?;
        Ok(entries
            .into_iter()
            .filter_map(VolunteerChange::from_entry)
            .collect())
    }

    /// The roster list, from the phone's index.
    pub fn list(&self, filter: RosterFilter) -> Result<Vec<VolunteerSummary>, ApiError> {
        let rows = self.device()?.list(&filter.into())?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Volunteers whose name (in either script, spelled by sound) or phone matches `query`.
    pub fn search(&self, query: String, limit: u32) -> Result<Vec<VolunteerSummary>, ApiError> {
        let rows = self.device()?.search(&query, limit)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// This constable's enrolments against the quota.
    pub fn my_quota(&self) -> Result<QuotaStatus, ApiError> {
        Ok(self.device()?.my_quota()?.into())
    }

    /// How many changes wait to be synced.
    pub fn pending_sync_count(&self) -> Result<u64, ApiError> {
        Ok(self.device()?.pending_sync_count()?)
    }

    /// When the last sync finished, by the phone's clock; absent before the first.
    pub fn last_sync_ms(&self) -> Result<Option<i64>, ApiError> {
        Ok(self.device()?.last_sync_ms()?)
    }

    /// Corrects a volunteer's fields (after a rejection, say); durable on return. A refused
    /// edit changes nothing and lists every refused field.
    pub fn edit(
        &self,
        volunteer: String,
        edit: mitan_core::model::VolunteerEdit,
    ) -> Result<(), ApiError> {
        let id = volunteer_id(&volunteer)?;
        Ok(self.device()?.edit(&id, &edit, moment()?)?)
    }

    /// Records that the volunteer withdrew consent, told to this constable in person, and
    /// destroys this phone's copy of their key; durable on return.
    pub fn withdraw(&self, volunteer: String) -> Result<(), ApiError> {
        let id = volunteer_id(&volunteer)?;
        Ok(self.device()?.withdraw(
            &id,
            mitan_core::model::WithdrawalChannel::InPerson,
            moment()?,
        )?)
    }

    /// Registers a private CCTV camera in `beat`; returns its id, durable on return.
    pub fn add_camera(
        &self,
        beat: String,
        camera: mitan_core::model::CameraForm,
    ) -> Result<String, ApiError> {
        let beat = mitan_core::model::UnitCode::parse_as(mitan_core::model::Field::Beat, &beat)?;
        Ok(self
            .device()?
            .add_camera(&beat, &camera, moment()?)?
            .to_string())
    }

    /// The cameras of `beat` on this phone, removed ones included, owners shown where this
    /// phone holds the camera's key.
    pub fn cameras(&self, beat: String) -> Result<Vec<crate::records::CameraRecord>, ApiError> {
        let beat = mitan_core::model::UnitCode::parse_as(mitan_core::model::Field::Beat, &beat)?;
        Ok(self
            .device()?
            .cameras(&beat)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Takes a camera off the register for `reason` (`owner_asked`, `dismantled` or
    /// `entered_in_error`) and destroys this phone's copy of its key in the same
    /// transaction; durable on return.
    pub fn remove_camera(&self, camera: String, reason: String) -> Result<(), ApiError> {
        let id: mitan_core::model::CameraId = camera.parse().map_err(|_| {
            mitan_core::model::Invalid::new(
                mitan_core::model::Field::CameraId,
                mitan_core::model::InvalidCode::BadFormat,
            )
        })?;
        let reason: mitan_core::model::CameraRemoval = reason.parse()?;
        Ok(self.device()?.remove_camera(&id, reason, moment()?)?)
    }

    /// The bearer credential kept in the store for this phone's registration, if any.
    pub fn credential(&self) -> Result<Option<String>, ApiError> {
        Ok(self.device()?.credential()?)
    }

    /// Keeps the bearer credential issued for `device_id` (this phone's registration, or the
    /// new one of a recovery, kept before `adopt_replacement`).
    pub fn save_credential(&self, device_id: String, credential: String) -> Result<(), ApiError> {
        let device: mitan_core::model::DeviceId = device_id.parse()?;
        Ok(self.device()?.save_credential(&device, &credential)?)
    }

    /// Draws a new actor and signing key for a phone whose sync was refused with
    /// `actor_reused` (its store was restored from a backup or cloned), and keeps them in the
    /// store. Register them with the server, then call `adopt_replacement` with the answer.
    pub fn prepare_replacement(&self) -> Result<Replacement, ApiError> {
        Ok(self.device()?.prepare_replacement()?.into())
    }

    /// Switches the phone to the identity the server registered for its replacement. What
    /// the phone wrote that the server never acknowledged is written again under it by the
    /// next `sync`, with the same volunteer ids. Returns how many changes wait for that.
    /// Keep the identity before calling: a store opened later with it finishes the switch.
    pub fn adopt_replacement(&self, identity: DeviceIdentity) -> Result<u64, ApiError> {
        let identity = identity.try_into()?;
        Ok(self.device()?.adopt_replacement(&identity)?)
    }

    /// Syncs every roster through `transport`. Returns once every reply is stored; the
    /// server acknowledges a change only after its own commit, so an acknowledged change is
    /// durable on both sides.
    /// `observer`, when given, hears after each round trip whose reply is stored.
    pub fn sync(
        &self,
        transport: Box<dyn SyncTransport>,
        observer: Option<Box<dyn SyncObserver>>,
    ) -> Result<SyncSummary, ApiError> {
        let mut bridge = Bridge(transport.as_ref());
        let mut tell = |progress: mitan_core::device::SyncProgress| {
            if let Some(observer) = &observer {
                observer.round_stored(progress);
            }
        };
        Ok(self
            .device()?
            .sync_observed(&mut bridge, now_ms(), &mut tell)?
            .into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::{ChangeAction, EnrolmentProblem};

    fn identity() -> DeviceIdentity {
        DeviceIdentity {
            device_id: "DEV-1".into(),
            actor: vec![5; 16],
            badge: "CG-001".into(),
            station: "BSP-PS-KONI".into(),
            beats: vec!["BSP-PS-KONI-B01".into()],
            quota: 25,
        }
    }

    fn opened(dir: &tempfile::TempDir) -> Arc<MitanDevice> {
        let path = dir.path().join("phone.db").display().to_string();
        let device = MitanDevice::new(path, vec![9; 32], identity(), 2026).expect("opens");
        device
            .save_consent_terms(ConsentTerms {
                adults_only: false,
                notices: vec![ConsentNotice {
                    language: "hi".into(),
                    version: 1,
                    text: "सूचना".into(),
                    published_at_ms: 0,
                }],
            })
            .expect("terms stored");
        device
    }

    fn form(phone: &str) -> EnrolmentForm {
        EnrolmentForm {
            name_devanagari: "रमेश साहू".into(),
            name_latin: "Ramesh Sahu".into(),
            phone: phone.into(),
            gender: "male".into(),
            age_years: Some(34),
            village_lgd: "434521".into(),
            household: "मकान नं. 4".into(),
            beat: "BSP-PS-KONI-B01".into(),
            station: "BSP-PS-KONI".into(),
            programmes: vec!["cyber_mitan".into()],
            consent_given: true,
            consent_language: "hi".into(),
            consent_notice_version: 1,
            ..EnrolmentForm::default()
        }
    }

    struct Unreachable;

    impl SyncTransport for Unreachable {
        fn exchange(&self, _request: Vec<u8>) -> Result<Vec<u8>, ApiError> {
            Err(ApiError::Network {
                reason: "no signal".into(),
            })
        }
    }

    #[test]
    fn an_enrolment_is_listed_found_counted_and_has_its_history() {
        let dir = tempfile::tempdir().expect("temp dir");
        let device = opened(&dir);
        let receipt = device.enrol(form("98270 00001")).expect("accepted");
        assert!(receipt.problems.is_empty());
        let again = device.enrol(form("+91 9827000001")).expect("accepted");
        // The same person twice: the same number, and the same household.
        assert_eq!(
            again.problems,
            vec![
                EnrolmentProblem::SamePhoneAs {
                    volunteer_id: receipt.volunteer_id.clone()
                },
                EnrolmentProblem::SameHouseholdAs {
                    volunteer_id: receipt.volunteer_id.clone()
                }
            ]
        );

        let listed = device.list(RosterFilter::default()).expect("listed");
        assert_eq!(listed.len(), 2);
        let found = device.search("ramesh".into(), 10).expect("searched");
        assert_eq!(found.len(), 2);
        let detail = device
            .volunteer(receipt.volunteer_id.clone())
            .expect("read");
        assert_eq!(detail.phone.as_deref(), Some("+919827000001"));
        assert_eq!(detail.age_years, Some(34));
        assert_eq!(device.my_quota().expect("quota").enrolled, 2);
        assert_eq!(device.pending_sync_count().expect("pending"), 2);
        assert_eq!(device.last_sync_ms().expect("last sync"), None);

        let history = device.history(receipt.volunteer_id).expect("history");
        assert_eq!(history.len(), 1, "{history:?}");
        assert_eq!(history[0].action, ChangeAction::Enrol);
        assert_eq!(history[0].badge, "CG-001");
        assert_eq!(history[0].device, "DEV-1");
        assert_eq!(history[0].hash.len(), 64);
    }

    #[test]
    fn an_invalid_phone_is_refused_naming_the_field_and_stores_nothing() {
        let dir = tempfile::tempdir().expect("temp dir");
        let device = opened(&dir);
        let refused = device.enrol(form("12345")).expect_err("refused");
        let ApiError::Invalid {
            field, problems, ..
        } = &refused
        else {
            panic!("expected Invalid, got {refused:?}");
        };
        assert_eq!(field, "phone");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(device.my_quota().expect("quota").enrolled, 0);
        assert!(matches!(
            device.volunteer("not-an-id".into()),
            Err(ApiError::Invalid { field, .. }) if field == "volunteer_id"
        ));
    }

    #[test]
    fn a_store_key_of_the_wrong_length_or_value_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("phone.db").display().to_string();
        let short = MitanDevice::new(path.clone(), vec![9; 16], identity(), 2026);
        assert!(
            matches!(&short, Err(ApiError::Invalid { field, .. }) if field == "store_key"),
            "{:?}",
            short.err()
        );
        drop(opened(&dir));
        let wrong = MitanDevice::new(path, vec![8; 32], identity(), 2026);
        assert!(
            matches!(&wrong, Err(ApiError::Storage { .. })),
            "{:?}",
            wrong.err()
        );
    }

    #[test]
    fn a_transport_failure_is_a_network_error_and_the_changes_stay_pending() {
        let dir = tempfile::tempdir().expect("temp dir");
        let device = opened(&dir);
        device.enrol(form("9827000001")).expect("accepted");
        let failed = device
            .sync(Box::new(Unreachable), None)
            .expect_err("no signal");
        assert!(
            matches!(&failed, ApiError::Network { reason } if reason.contains("no signal")),
            "{failed:?}"
        );
        assert_eq!(device.pending_sync_count().expect("pending"), 1);
        assert_eq!(device.last_sync_ms().expect("last sync"), None);
    }

    #[test]
    fn villages_are_held_for_the_phones_own_beats_and_a_bad_list_changes_nothing() {
        let dir = tempfile::tempdir().expect("temp dir");
        let device = opened(&dir);
        let koni = Village {
            lgd_code: "434521".into(),
            name_hi: "कोनी".into(),
            name_en: "Koni".into(),
        };
        let beat = "BSP-PS-KONI-B01".to_string();
        device
            .save_villages(beat.clone(), vec![koni.clone()])
            .expect("saved");
        assert_eq!(
            device.villages(beat.clone()).expect("read"),
            vec![koni.clone()]
        );

        let typo = Village {
            lgd_code: "43452".into(),
            ..koni.clone()
        };
        assert!(matches!(
            device.save_villages(beat.clone(), vec![typo]),
            Err(ApiError::Invalid { .. })
        ));
        assert!(
            device
                .save_villages("BSP-PS-KONI-B09".into(), vec![koni.clone()])
                .is_err(),
            "not this phone's beat"
        );
        assert_eq!(device.villages(beat).expect("read"), vec![koni]);
    }
}
