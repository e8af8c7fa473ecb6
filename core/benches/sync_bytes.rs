//! The bytes that carry 25 offline enrolments: a device that holds its synced rosters enrols
//! 25 villagers offline and syncs once. Its request is set against the same 25 records as
//! JSON compressed with zstd, the floor. Also counts the round trips of that sync and of a
//! first sync after a reinstall. Goals: at most 1.25× the JSON, one round trip in the common
//! case, at most two after a reinstall.
//!
//! The cost of sealing is measured on the same 25 records in the same run: they are written
//! again with Automerge directly in roster layout 1 (personal fields as plain strings, no keys
//! beside the changes), onto the same rosters the phone holds, and that request is encoded
//! like the real one.

mod support;

use std::collections::BTreeMap;

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{ActorId, AutoCommit, ObjId, ObjType, ROOT, ReadDoc, ScalarValue};
use mitan_core::device::{Device, Moment, SyncReport};
use mitan_core::model::sealed::{EntryKey, SEAL_OVERHEAD, Sealing};
use mitan_core::model::{
    Action, AgeClaim, ChangeMessage, ChangeMeta, Enrolment, EnrolmentRules, RosterId, Volunteer,
    VolunteerId,
};
use mitan_core::store::{DeviceIdentity, StoreKey};
use mitan_core::sync::{Limits, MemoryHub, SyncRequest};
use serde_json::json;

const BEATS: [usize; 2] = [3, 17];
const PER_BEAT: usize = 400;
const ENROLMENTS: usize = 25;

/// A volunteer as a plain JSON record: every field the enrolment change carries.
fn as_json(volunteer: &Volunteer) -> serde_json::Value {
    let personal = volunteer
        .personal
        .as_ref()
        .expect("a fresh enrolment has personal fields");
    json!({
        "id": volunteer.id.to_string(),
        "name_devanagari": personal.name_devanagari,
        "name_latin": personal.name_latin,
        "phone": personal.phone.as_str(),
        "household": personal.household,
        "gender": volunteer.gender.as_str(),
        "age": match volunteer.age {
            AgeClaim::Years(years) => json!({ "years": years }),
            AgeClaim::BirthYear(year) => json!({ "birth_year": year }),
        },
        "village": volunteer.village.to_string(),
        "beat": volunteer.beat.as_str(),
        "station": volunteer.station.as_str(),
        "programmes": volunteer.programmes.iter().map(|programme| programme.as_str()).collect::<Vec<_>>(),
        "enrolled_by": volunteer.enrolled_by.as_str(),
        "enrolled_on": volunteer.enrolled_on.as_str(),
        "enrolled_at_ms": volunteer.enrolled_at_ms,
        "consent": {
            "given_at_ms": volunteer.consent.given_at_ms,
            "language": volunteer.consent.language,
            "notice_version": volunteer.consent.notice_version,
            "witness": volunteer.consent.witness.as_str(),
            "guardian_consented": volunteer.consent.guardian_consented,
        },
    })
}

/// The 25 records as one JSON array, compressed with zstd at `level`.
fn json_floor(device: &mut Device, ids: &[VolunteerId], level: i32) -> (usize, usize) {
    let records: Vec<serde_json::Value> = ids
        .iter()
        .map(|id| as_json(&device.volunteer(id).expect("enrolled just now")))
        .collect();
    let plain = serde_json::to_vec(&records).expect("json of plain values");
    let compressed = zstd::bulk::compress(&plain, level).expect("compress into a vec");
    (plain.len(), compressed.len())
}

/// One beat's roster as the phone holds it, opened with Automerge directly so the same
/// enrolments can be written in another layout onto the same history.
struct MirrorRoster {
    doc: AutoCommit,
    changes: Vec<Vec<u8>>,
}

impl MirrorRoster {
    fn load(saved: &[u8], actor: [u8; 16]) -> Self {
        let doc = AutoCommit::load(saved)
            .expect("a roster saved by this bench loads")
            .with_actor(ActorId::from(actor));
        MirrorRoster {
            doc,
            changes: Vec::new(),
        }
    }

    /// Writes the ops `Roster::enrol` writes, in its order, under the same keys and with the
    /// same change message and time. With `sealing`, personal fields are sealed as layout 2
    /// seals them; without, they are plain strings as in layout 1. Returns the change's length.
    fn enrol(
        &mut self,
        id: &VolunteerId,
        enrolment: &Enrolment,
        meta: &ChangeMeta,
        sealing: Option<&Sealing>,
    ) -> usize {
        let doc = &mut self.doc;
        let (_, volunteers) = doc
            .get(ROOT, "volunteers")
            .expect("read the root")
            .expect("every roster has a volunteers map from genesis");
        let entry = doc
            .put_object(&volunteers, id.to_string(), ObjType::Map)
            .expect("write");
        let personal = doc
            .put_object(&entry, "personal", ObjType::Map)
            .expect("write");
        match sealing {
            // As a phone of protocol 5 seals a new entry, once the server lets it: every
            // field together, one value (ADR 0011).
            Some(sealing) => {
                let together = enrolment.personal.together();
                doc.put(&personal, "all", sealing.seal(*id, "all", 0, &together))
                    .expect("write");
            }
            None => {
                for (field, value) in enrolment.personal.sealed_fields() {
                    doc.put(&personal, field, value).expect("write");
                }
            }
        }
        let consent = enrolment.consent(&meta.badge, meta.device_clock_ms);
        let age = match enrolment.age {
            AgeClaim::Years(years) => format!("y:{years}"),
            AgeClaim::BirthYear(year) => format!("b:{year}"),
        };
        let put = |doc: &mut AutoCommit, key: &str, value: ScalarValue| {
            doc.put(&entry, key, value).expect("write");
        };
        put(doc, "gender", enrolment.gender.as_str().into());
        put(doc, "age", age.into());
        put(doc, "village", enrolment.village.to_string().into());
        put(doc, "beat", enrolment.beat.as_str().into());
        put(doc, "station", enrolment.station.as_str().into());
        let programmes: ObjId = doc
            .put_object(&entry, "programmes", ObjType::Map)
            .expect("write");
        for programme in &enrolment.programmes {
            doc.put(&programmes, programme.as_str(), true)
                .expect("write");
        }
        put(doc, "enrolled_by", meta.badge.as_str().into());
        put(doc, "enrolled_on", meta.device.as_str().into());
        put(
            doc,
            "enrolled_at",
            ScalarValue::Timestamp(meta.device_clock_ms),
        );
        if let Some(trainer) = &enrolment.trained_by {
            put(doc, "trained_by", trainer.encode().into());
        }
        put(
            doc,
            "consent_at",
            ScalarValue::Timestamp(consent.given_at_ms),
        );
        put(doc, "consent_lang", consent.language.as_str().into());
        put(
            doc,
            "consent_notice",
            u64::from(consent.notice_version).into(),
        );
        put(doc, "consent_witness", consent.witness.as_str().into());
        put(doc, "guardian_consent", consent.guardian_consented.into());
        let message = ChangeMessage {
            action: Action::Enrol,
            badge: meta.badge.to_string(),
            device: meta.device.to_string(),
            entry: Some(id.to_string()),
            carried_from: None,
        };
        doc.commit_with(
            CommitOptions::default()
                .with_message(message.encode())
                .with_time(meta.device_clock_ms),
        );
        let change = doc
            .get_last_local_change()
            .expect("a change was committed just above")
            .raw_bytes()
            .to_vec();
        let length = change.len();
        self.changes.push(change);
        length
    }

    fn heads(&mut self) -> Vec<[u8; 32]> {
        self.doc
            .get_heads()
            .into_iter()
            .map(|hash| hash.0)
            .collect()
    }
}

/// The quiet-case request rebuilt without encryption: the same 25 records written in layout 1
/// onto the rosters the phone held, offered exactly as the phone offered its own (same
/// rosters, same order), without key grants. Also checks, change by change, that the mirror
/// writes what `Roster::enrol` wrote: sealed the same way, it must come out the same length.
struct Unsealed {
    request: SyncRequest,
    personal_fields: usize,
    /// Sealed values: one per enrolment, its fields sealed together.
    sealed_values: usize,
    sealed_change_bytes: usize,
    plain_change_bytes: usize,
}

fn unsealed_request(
    sealed_request: &SyncRequest,
    saved_rosters: &BTreeMap<String, Vec<u8>>,
    identity: &DeviceIdentity,
    enrolments: &[(VolunteerId, Enrolment, Moment)],
) -> Unsealed {
    let mut plain: BTreeMap<String, MirrorRoster> = BTreeMap::new();
    let mut sealed: BTreeMap<String, MirrorRoster> = BTreeMap::new();
    let mut personal_count = 0;
    let mut sealed_values = 0;
    let mut mirrored_sealed_lengths: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (id, enrolment, moment) in enrolments {
        let roster = RosterId::for_beat(&enrolment.beat).to_string();
        let saved = &saved_rosters[&roster];
        let meta = ChangeMeta {
            badge: identity.badge.clone(),
            device: identity.device_id.clone(),
            device_clock_ms: moment.now_ms,
        };
        let sealing = Sealing {
            key: EntryKey::from_bytes([0x5e; 32]),
            nonce_seed: [0x17; 12],
        };
        plain
            .entry(roster.clone())
            .or_insert_with(|| MirrorRoster::load(saved, identity.actor))
            .enrol(id, enrolment, &meta, None);
        let length = sealed
            .entry(roster.clone())
            .or_insert_with(|| MirrorRoster::load(saved, identity.actor))
            .enrol(id, enrolment, &meta, Some(&sealing));
        mirrored_sealed_lengths
            .entry(roster)
            .or_default()
            .push(length);
        personal_count += enrolment.personal.sealed_fields().len();
        sealed_values += 1;
    }
    let mut request = sealed_request.clone();
    let mut sealed_change_bytes = 0;
    let mut plain_change_bytes = 0;
    for offer in &mut request.rosters {
        let real: Vec<usize> = offer.changes.iter().map(Vec::len).collect();
        assert_eq!(
            mirrored_sealed_lengths
                .get(&offer.roster)
                .cloned()
                .unwrap_or_default(),
            real,
            "the layout mirror must write the ops Roster::enrol writes ({})",
            offer.roster
        );
        sealed_change_bytes += real.iter().sum::<usize>();
        if let Some(mirror) = plain.get_mut(&offer.roster) {
            offer.changes = mirror.changes.clone();
            offer.heads = mirror.heads();
        }
        plain_change_bytes += offer.changes.iter().map(Vec::len).sum::<usize>();
        offer.keys.clear();
        offer.want_keys.clear();
    }
    Unsealed {
        request,
        personal_fields: personal_count,
        sealed_values,
        sealed_change_bytes,
        plain_change_bytes,
    }
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let rules = || EnrolmentRules::standard(2026);
    let mut hub = MemoryHub::with_limits(support::seeding_limits());
    let mut saved_rosters = BTreeMap::new();
    for beat in BEATS {
        let mut roster = support::build_roster(beat, PER_BEAT, 1_000 + beat as u64);
        support::seed_hub(&mut hub, &mut roster);
        saved_rosters.insert(roster.id().to_string(), roster.save());
    }
    let identity = support::constable_identity("constable", 0xC0, &BEATS);
    let colleague_identity = support::constable_identity("colleague", 0xC2, &BEATS);

    // Both phones hold their synced rosters.
    let mut device = Device::open(
        &dir.path().join("constable.db"),
        &StoreKey::from_bytes([7; 32]),
        &identity,
        rules(),
    )
    .expect("open");
    let first_sync = support::sync_with(&mut device, &mut hub, 1_764_000_000_000);
    let mut colleague = Device::open(
        &dir.path().join("colleague.db"),
        &StoreKey::from_bytes([7; 32]),
        &colleague_identity,
        rules(),
    )
    .expect("open");
    support::sync_with(&mut colleague, &mut hub, 1_764_000_000_000);

    // Case 1: 25 offline enrolments, nothing new at the hub.
    let ours = support::enrol_offline(&mut device, ENROLMENTS, 5);
    let exchanges_before = hub.exchanges();
    let (quiet, quiet_requests) = support::sync_capturing(&mut device, &mut hub, 1_764_100_000_000);
    let quiet_exchanges = hub.exchanges() - exchanges_before;

    // The same request without encryption, and the sealed one without its key grants.
    let beat_codes: Vec<String> = BEATS.iter().map(|beat| support::beat_code(*beat)).collect();
    let enrolments: Vec<(VolunteerId, Enrolment, Moment)> =
        support::offline_forms(&beat_codes, ENROLMENTS, 5)
            .into_iter()
            .zip(&ours)
            .map(|((form, moment), id)| {
                let enrolment = form.validate(&rules()).expect("demo forms are valid");
                (*id, enrolment, moment)
            })
            .collect();
    let sealed_request = SyncRequest::decode(&quiet_requests[0], &Limits::default())
        .expect("the phone's own request decodes");
    assert_eq!(
        quiet_requests[0].len() as u64,
        quiet.bytes_up,
        "the quiet sync is one request"
    );
    let mut without_grants = sealed_request.clone();
    for offer in &mut without_grants.rosters {
        offer.keys.clear();
    }
    let grants: usize = sealed_request
        .rosters
        .iter()
        .map(|offer| offer.keys.len())
        .sum();
    let sealed_no_grants_bytes = without_grants.encode().len();
    let unsealed = unsealed_request(&sealed_request, &saved_rosters, &identity, &enrolments);
    let unsealed_bytes = unsealed.request.encode().len();

    // Case 2: 25 more offline, while a colleague's 25 wait at the hub for us.
    let theirs = support::enrol_offline(&mut colleague, ENROLMENTS, 6);
    support::sync_with(&mut colleague, &mut hub, 1_764_150_000_000);
    let ours_again = support::enrol_offline(&mut device, ENROLMENTS, 7);
    let exchanges_before = hub.exchanges();
    let busy = support::sync_with(&mut device, &mut hub, 1_764_200_000_000);
    let busy_exchanges = hub.exchanges() - exchanges_before;

    // Case 3: the phone is reinstalled: an empty store with the same identity.
    let mut reinstalled = Device::open(
        &dir.path().join("reinstalled.db"),
        &StoreKey::from_bytes([7; 32]),
        &identity,
        rules(),
    )
    .expect("open");
    let exchanges_before = hub.exchanges();
    let reinstall = support::sync_with(&mut reinstalled, &mut hub, 1_764_300_000_000);
    let reinstall_exchanges = hub.exchanges() - exchanges_before;
    let reinstalled_rows = reinstalled.store().volunteer_count().expect("count");

    let (json_plain, json_15) = json_floor(&mut device, &ours, 15);
    let (_, json_3) = json_floor(&mut device, &ours, 3);
    let (_, json_19) = json_floor(&mut device, &ours, 19);
    let (theirs_plain, theirs_15) = json_floor(&mut device, &theirs, 15);
    let (_, ours_again_15) = json_floor(&mut device, &ours_again, 15);

    let ratio = |bytes: u64, floor: usize| format!("{:.2}×", bytes as f64 / floor as f64);
    let sync_row = |what: &str, report: &SyncReport, exchanges: u64| {
        vec![
            what.to_owned(),
            report.bytes_up.to_string(),
            report.bytes_down.to_string(),
            format!("{} ({} at the hub)", report.round_trips, exchanges),
        ]
    };
    support::print_table(
        &format!(
            "Sync of {ENROLMENTS} offline enrolments ({} beats × {PER_BEAT} volunteers on the device)",
            BEATS.len()
        ),
        &["sync", "bytes up", "bytes down", "round trips"],
        &[
            sync_row("first sync of a new phone (2 snapshots)", &first_sync, 1),
            sync_row(
                "25 enrolments, nothing new at the hub",
                &quiet,
                quiet_exchanges,
            ),
            sync_row(
                "25 enrolments, a colleague's 25 waiting",
                &busy,
                busy_exchanges,
            ),
            sync_row(
                &format!("reinstall: empty store, same beats ({reinstalled_rows} rows indexed)"),
                &reinstall,
                reinstall_exchanges,
            ),
        ],
    );
    support::print_table(
        "The same 25 records as JSON (one array, every field the change carries)",
        &["encoding", "bytes", "Mitan request (quiet case) ÷ this"],
        &[
            vec![
                "JSON, uncompressed".into(),
                json_plain.to_string(),
                ratio(quiet.bytes_up, json_plain),
            ],
            vec![
                "JSON + zstd level 3".into(),
                json_3.to_string(),
                ratio(quiet.bytes_up, json_3),
            ],
            vec![
                "JSON + zstd level 15 (the floor)".into(),
                json_15.to_string(),
                ratio(quiet.bytes_up, json_15),
            ],
            vec![
                "JSON + zstd level 19".into(),
                json_19.to_string(),
                ratio(quiet.bytes_up, json_19),
            ],
        ],
    );
    support::print_table(
        "Busy case against its own floors (JSON + zstd 15)",
        &["direction", "Mitan bytes", "JSON + zstd 15", "ratio"],
        &[
            vec![
                "up: our 25".into(),
                busy.bytes_up.to_string(),
                ours_again_15.to_string(),
                ratio(busy.bytes_up, ours_again_15),
            ],
            vec![
                format!("down: the colleague's 25 ({theirs_plain} B as plain JSON)"),
                busy.bytes_down.to_string(),
                theirs_15.to_string(),
                ratio(busy.bytes_down, theirs_15),
            ],
        ],
    );
    let sealed_bytes = quiet.bytes_up as usize;
    let extra = sealed_bytes.saturating_sub(unsealed_bytes);
    let share_of_extra = |bytes: usize| {
        if extra == 0 {
            "-".to_owned()
        } else {
            format!("{:.0} %", 100.0 * bytes as f64 / extra as f64)
        }
    };
    support::print_table(
        &format!(
            "Cost of encryption: the quiet-case request ({ENROLMENTS} enrolments, {} personal fields) with and without sealing",
            unsealed.personal_fields
        ),
        &[
            "request",
            "bytes on the wire",
            "÷ without encryption",
            "÷ JSON + zstd 15",
        ],
        &[
            vec![
                "without encryption: layout 1, plain personal fields, no key grants".into(),
                unsealed_bytes.to_string(),
                "1.00×".into(),
                ratio(unsealed_bytes as u64, json_15),
            ],
            vec![
                "sealed fields, key grants left out".into(),
                sealed_no_grants_bytes.to_string(),
                ratio(sealed_no_grants_bytes as u64, unsealed_bytes),
                ratio(sealed_no_grants_bytes as u64, json_15),
            ],
            vec![
                format!("as sent: sealed fields + {grants} key grants"),
                sealed_bytes.to_string(),
                ratio(sealed_bytes as u64, unsealed_bytes),
                ratio(sealed_bytes as u64, json_15),
            ],
        ],
    );
    support::print_table(
        "Where the extra bytes of the sealed request go (compressed, as sent)",
        &["part", "bytes", "share of the extra", "before compression"],
        &[
            vec![
                "field overhead: nonce + tag, and ciphertext zstd cannot shrink".into(),
                sealed_no_grants_bytes
                    .saturating_sub(unsealed_bytes)
                    .to_string(),
                share_of_extra(sealed_no_grants_bytes.saturating_sub(unsealed_bytes)),
                format!(
                    "{} B of raw changes ({} → {}; {SEAL_OVERHEAD} B × {} values = {} B)",
                    unsealed.sealed_change_bytes as i64 - unsealed.plain_change_bytes as i64,
                    unsealed.plain_change_bytes,
                    unsealed.sealed_change_bytes,
                    unsealed.sealed_values,
                    SEAL_OVERHEAD * unsealed.sealed_values
                ),
            ],
            vec![
                // Protocol 5 sends a key of an entry the offered changes write without its id,
                // which the changes carry: a one-byte presence tag and the key.
                format!("key grants ({grants} × 32 B key + 1 B, ids read from the changes)"),
                sealed_bytes
                    .saturating_sub(sealed_no_grants_bytes)
                    .to_string(),
                share_of_extra(sealed_bytes.saturating_sub(sealed_no_grants_bytes)),
                format!("{} B", grants * 33),
            ],
            vec![
                "total extra".into(),
                extra.to_string(),
                "100 %".into(),
                String::new(),
            ],
        ],
    );
    println!(
        "ratio: sealed request / request without encryption {:.2}× ({sealed_bytes} B / {unsealed_bytes} B)",
        sealed_bytes as f64 / unsealed_bytes as f64
    );
    let bytes_met = quiet.bytes_up as f64 <= 1.25 * json_15 as f64;
    let rounds_met = quiet.round_trips == 1 && busy.round_trips == 1;
    let reinstall_met = reinstall.round_trips <= 2;
    let verdict = |met: bool| if met { "met" } else { "MISSED" };
    println!(
        "goal: request ≤ 1.25× JSON + zstd 15: {}; one round trip in the common case: {}; ≤ 2 after a reinstall: {}",
        verdict(bytes_met),
        verdict(rounds_met),
        verdict(reinstall_met)
    );
}
