//! Supervisor actions taken on the server: verify, reject with a reason, mark a duplicate,
//! and move a volunteer between beats.
//!
//! Each action is a change in the roster document, so it reaches the phones on their next
//! sync like any other change, and it is committed as a sync merge is: change log, volunteer
//! rows and an action record in one transaction, before the roster goes back into memory.
//!
//! An Automerge actor must never have two writers. The server therefore never writes with a
//! phone's actor: each supervisor gets a server-side actor of their own, made on first use
//! and stored as a `device` row whose credential nobody holds (`supervisor_actor` links it to
//! the badge). Phones cannot register that actor, and the change log attributes its changes
//! to the supervisor's badge and server-side device. The district lock makes the server the
//! only writer of those actors.

use mitan_core::model::validate::clean_text;
use mitan_core::model::{
    ChangeMeta, Decision, EntryId, Field, InvalidCode, LgdCode, Roster, RosterChange, RosterId,
    Status, UnitCode, UnitKind, Volunteer, VolunteerId, WithdrawalChannel, inspect_change,
};
use std::collections::BTreeSet;

use mitan_core::model::sealed::{KeyRing, NONCE_LEN, NoKeys, Sealing};
use mitan_core::provenance::DeviceKey;
use serde::{Deserialize, Serialize};

use crate::auth::{hash_secret, new_credential, random_bytes};
use crate::district::{District, received_change};
use crate::error::{Error, Problem, Result};
use crate::ops::{Permission, Policy};
use crate::store::{ActionRecord, KeyUpdate, ReceivedChange, ServerStore, SupervisorDevice, User};

/// The longest rejection reason kept: the constable reads it on a small screen.
pub const MAX_REASON_CHARS: usize = 280;

/// What a supervisor does to a volunteer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SupervisorAction {
    /// The entry checks out.
    Verify,
    /// The entry is refused, with a reason the constable will see.
    Reject {
        /// Why.
        reason: String,
    },
    /// The entry is the same person as another, which is kept.
    DuplicateOf(VolunteerId),
    /// The volunteer belongs to another beat.
    Move {
        /// The beat they move to.
        to: UnitCode,
        /// Their village there, when it is not the one they have: a person who moved house
        /// usually moved village too.
        village: Option<LgdCode>,
    },
    /// The volunteer withdrew consent by telephone and the supervisor records it: the
    /// person is erased from the district (their key destroyed) and from every phone at its
    /// next sync.
    Withdraw {
        /// What the supervisor notes about the call (who called, when), if anything.
        note: Option<String>,
    },
}

/// What an action did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ActionDone {
    /// The volunteer.
    pub volunteer_id: String,
    /// The roster now holding the live entry.
    pub roster: String,
    /// The volunteer's status now.
    pub status: String,
    /// The changes written, hex.
    pub changes: Vec<String>,
}

fn core_error(error: mitan_core::Error) -> Error {
    match error {
        mitan_core::Error::Invalid(rejection) => {
            let first = rejection.first();
            Error::invalid(first.field.as_str(), Problem::Core(first.code))
        }
        mitan_core::Error::NotFound { what, id } => Error::NotFound { what, id },
        mitan_core::Error::AlreadyExists { what, id } => Error::Conflict { what, id },
        other => Error::Core(other),
    }
}

/// The server-side writer of `badge`, made on first use.
pub fn writer_for(
    store: &mut ServerStore,
    badge: &mitan_core::model::BadgeNumber,
    now_ms: i64,
) -> Result<SupervisorDevice> {
    if let Some(writer) = store.load_supervisor_device(badge)? {
        return Ok(writer);
    }
    let device = format!("srv-{}", hex::encode(random_bytes::<8>()?))
        .parse()
        .map_err(|_| Error::Corrupt {
            what: "device id",
            reason: "generated id is not a valid device id".into(),
        })?;
    let writer = SupervisorDevice {
        device,
        actor: random_bytes::<16>()?,
    };
    // A credential is drawn and thrown away: only its hash is stored, so no one can ever
    // authenticate as this device.
    let unusable = hash_secret(&new_credential()?);
    // The server signs what it writes for the supervisor, so the writer's key is the server's.
    let public_key = store.load_server_key()?.public();
    store.save_supervisor_device(badge, &writer, &unusable, &public_key, now_ms)?;
    Ok(writer)
}

/// The change log's record of a change the server wrote for a supervisor: signed with the
/// server's key as sent by the supervisor's server-side writer, so an export verifies it as
/// it verifies a phone's.
fn received(
    server_key: &DeviceKey,
    writer: &SupervisorDevice,
    roster: &RosterId,
    change: &RosterChange,
) -> Result<ReceivedChange> {
    let info = inspect_change(&change.bytes).map_err(core_error)?;
    let signature = server_key.sign_change(&writer.device, &change.hash);
    Ok(received_change(roster, change, &info, Some(signature)))
}

/// A reason or note as a supervisor typed it, cleaned as every typed text is (control,
/// bidirectional and invisible characters refused) and at most [`MAX_REASON_CHARS`] long: the
/// constable reads it on their phone.
fn typed_text(field: &'static str, core: Field, typed: &str, min: u64) -> Result<String> {
    clean_text(core, typed, MAX_REASON_CHARS).map_err(|invalid| match invalid.code {
        InvalidCode::Required | InvalidCode::TooLong => Error::invalid(
            field,
            Problem::OutOfRange {
                min,
                max: MAX_REASON_CHARS as u64,
                of: "characters",
            },
        ),
        code => Error::invalid(field, Problem::Core(code)),
    })
}

fn roster_of_unit(code: &UnitCode) -> Result<RosterId> {
    code.as_str()
        .parse()
        .map_err(|_| Error::invalid("beat", Problem::unreadable(code.as_str(), "a roster id")))
}

/// Checks that `user` may review volunteers of the beat `beat`.
fn check_reach(store: &ServerStore, user: &User, beat: &str) -> Result<UnitCode> {
    let code: UnitCode = beat.parse().map_err(|_| Error::Corrupt {
        what: "volunteer roster",
        reason: format!("{beat:?} is not a unit code"),
    })?;
    Policy::check(store, user, Permission::Review, Some(&code))?;
    Ok(code)
}

/// Where a volunteer's live entry is, if the caller may act on it.
fn locate(store: &ServerStore, user: &User, id: &VolunteerId) -> Result<(RosterId, String)> {
    let (roster, status) =
        store
            .volunteer_place(&id.to_string())?
            .ok_or_else(|| Error::NotFound {
                what: "volunteer",
                id: id.to_string(),
            })?;
    let beat = check_reach(store, user, &roster)?;
    Ok((roster_of_unit(&beat)?, status))
}

/// Takes one supervisor action, durably.
pub fn act(
    district: &mut District,
    user: &User,
    requested_via: &str,
    id: &VolunteerId,
    action: SupervisorAction,
    now_ms: i64,
) -> Result<ActionDone> {
    Policy::check(district.store(), user, Permission::Review, None)?;
    let (roster_id, _) = locate(district.store(), user, id)?;
    let writer = writer_for(district.store_mut(), &user.badge, now_ms)?;
    let meta = ChangeMeta {
        badge: user.badge.clone(),
        device: writer.device.clone(),
        device_clock_ms: now_ms,
    };
    let mut record = ActionRecord {
        action: "verify",
        volunteer: id.to_string(),
        roster: roster_id.clone(),
        target_roster: None,
        duplicate_of: None,
        reason: None,
        badge: user.badge.clone(),
        role: user.role.to_string(),
        requested_via: requested_via.to_owned(),
        change_hash: [0; 32],
    };
    let decision = match action {
        SupervisorAction::Move { to, village } => {
            let destination = Destination { beat: &to, village };
            return move_between_beats(
                district,
                user,
                &writer,
                &meta,
                record,
                id,
                &roster_id,
                destination,
            );
        }
        SupervisorAction::Withdraw { note } => {
            return withdraw_by_phone(district, &writer, &meta, record, id, &roster_id, note);
        }
        SupervisorAction::Verify => Decision::Verify,
        SupervisorAction::Reject { reason } => {
            let reason = typed_text("reason", Field::Reason, &reason, 1)?;
            record.action = "reject";
            record.reason = Some(reason.clone());
            Decision::Reject { reason }
        }
        SupervisorAction::DuplicateOf(kept) => {
            if kept == *id {
                return Err(Error::invalid("duplicate_of", Problem::SelfReference));
            }
            let (_, kept_status) = locate(district.store(), user, &kept)?;
            if !matches!(kept_status.as_str(), "pending" | "verified") {
                return Err(Error::invalid(
                    "duplicate_of",
                    Problem::WrongStatus {
                        id: kept.to_string(),
                        status: kept_status.to_string(),
                        needed: "a volunteer to keep",
                    },
                ));
            }
            record.action = "duplicate";
            record.duplicate_of = Some(kept.to_string());
            Decision::DuplicateOf(kept)
        }
    };
    let mut roster = district.take_roster(&roster_id)?;
    // On any failure below the roster is dropped, not put back: it may hold a change the
    // database does not, and the next use reloads it from what was committed.
    roster.set_actor(writer.actor);
    let change = roster.review(id, decision, &meta).map_err(core_error)?;
    // The row written beside the change keeps the person's name and number: read with the key.
    let keys = district
        .store()
        .load_keys(&BTreeSet::from([EntryId::Volunteer(*id)]))?;
    let volunteer = current(&roster, id, &keys)?;
    record.change_hash = change.hash;
    let server_key = district.store().load_server_key()?;
    district.store_mut().save_supervision(
        &writer,
        &[received(&server_key, &writer, &roster_id, &change)?],
        &[(roster_id.clone(), volunteer.clone())],
        &record,
        &KeyUpdate::default(),
        now_ms,
    )?;
    district.keep_roster(roster);
    tracing::info!(volunteer = %id, action = record.action, by = %user.badge, "supervisor action");
    Ok(ActionDone {
        volunteer_id: id.to_string(),
        roster: roster_id.to_string(),
        status: volunteer.status.as_str().to_owned(),
        changes: vec![hex::encode(change.hash)],
    })
}

fn current(roster: &Roster, id: &VolunteerId, keys: &dyn KeyRing) -> Result<Volunteer> {
    roster
        .volunteer(id, keys)
        .map_err(core_error)?
        .ok_or_else(|| Error::NotFound {
            what: "volunteer",
            id: id.to_string(),
        })
}

/// Where a move sends a volunteer: the beat, and the village there if it changes.
struct Destination<'a> {
    beat: &'a UnitCode,
    village: Option<LgdCode>,
}

/// Moves a volunteer: a copy into the target roster, a `moved` marker in the source, both in
/// one transaction (see `core/src/model/roster/transfer.rs` for the semantics).
#[allow(clippy::too_many_arguments)]
fn move_between_beats(
    district: &mut District,
    user: &User,
    writer: &SupervisorDevice,
    meta: &ChangeMeta,
    mut record: ActionRecord,
    id: &VolunteerId,
    source_id: &RosterId,
    destination: Destination<'_>,
) -> Result<ActionDone> {
    let to = destination.beat;
    if district.store().unit_kind(to)? != Some(UnitKind::Beat) {
        return Err(Error::invalid(
            "to_beat",
            Problem::NotABeat {
                unit: to.to_string(),
            },
        ));
    }
    check_reach(district.store(), user, to.as_str())?;
    let target_id = roster_of_unit(to)?;
    if &target_id == source_id {
        return Err(Error::invalid(
            "to_beat",
            Problem::AlreadyThere {
                id: id.to_string(),
                unit: to.to_string(),
            },
        ));
    }
    let tree = crate::reports::Tree::load(district.store())?;
    let station: UnitCode = tree
        .station_of(to.as_str())
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| {
            Error::invalid(
                "to_beat",
                Problem::NoStation {
                    unit: to.to_string(),
                },
            )
        })?;
    let mut source = district.take_roster(source_id)?;
    let mut target = district.take_roster(&target_id)?;
    source.set_actor(writer.actor);
    target.set_actor(writer.actor);
    let keys = district
        .store()
        .load_keys(&BTreeSet::from([EntryId::Volunteer(*id)]))?;
    let mut before = current(&source, id, &keys)?;
    // The village is checked against the new beat's, as the server checks every entry of a
    // roster at sync: a move into a beat that does not list the person's village would leave
    // an entry that every later change to it is refused for.
    if let Some(village) = destination.village {
        before.village = village;
    }
    let listed = district.store().villages_of_beat(to)?;
    if !listed.is_empty() && !listed.contains(&before.village) {
        return Err(Error::invalid(
            "village",
            Problem::Core(mitan_core::model::InvalidCode::NotInBeat),
        ));
    }
    // The copy is sealed again under the volunteer's own key, so the server needs it; a
    // volunteer whose phone has not yet delivered it waits for that phone's next sync.
    let key = keys
        .get(&EntryId::Volunteer(*id))
        .cloned()
        .ok_or_else(|| Error::Conflict {
            what: "volunteer key (the enrolling phone has not synced it yet)",
            id: id.to_string(),
        })?;
    let sealing = Sealing {
        key,
        nonce_seed: random_bytes::<NONCE_LEN>()?,
    };
    let copied = target
        .move_in(&before, source_id, &station, meta, &sealing)
        .map_err(core_error)?;
    let marked = source.move_out(id, &target_id, meta).map_err(core_error)?;
    let arrived = current(&target, id, &keys)?;
    record.action = "move";
    record.target_roster = Some(target_id.clone());
    record.change_hash = marked.hash;
    let server_key = district.store().load_server_key()?;
    district.store_mut().save_supervision(
        writer,
        &[
            received(&server_key, writer, &target_id, &copied)?,
            received(&server_key, writer, source_id, &marked)?,
        ],
        &[(target_id.clone(), arrived.clone())],
        &record,
        &KeyUpdate::default(),
        meta.device_clock_ms,
    )?;
    district.keep_roster(source);
    district.keep_roster(target);
    tracing::info!(volunteer = %id, from = %source_id, to = %target_id, by = %user.badge, "volunteer moved");
    Ok(ActionDone {
        volunteer_id: id.to_string(),
        roster: target_id.to_string(),
        status: arrived.status.as_str().to_owned(),
        changes: vec![hex::encode(copied.hash), hex::encode(marked.hash)],
    })
}

/// Records a withdrawal given by telephone: the withdrawal change, the destruction of the
/// district's copy of the key and the scrubbed row, in one transaction.
fn withdraw_by_phone(
    district: &mut District,
    writer: &SupervisorDevice,
    meta: &ChangeMeta,
    mut record: ActionRecord,
    id: &VolunteerId,
    roster_id: &RosterId,
    note: Option<String>,
) -> Result<ActionDone> {
    let note = note
        .filter(|note| !note.trim().is_empty())
        .map(|note| typed_text("note", Field::Note, &note, 0))
        .transpose()?;
    let mut roster = district.take_roster(roster_id)?;
    if current(&roster, id, &NoKeys)?.status == Status::Withdrawn {
        district.keep_roster(roster);
        return Err(Error::invalid(
            "volunteer",
            Problem::WrongStatus {
                id: id.to_string(),
                status: "withdrawn".to_owned(),
                needed: "a volunteer to erase",
            },
        ));
    }
    roster.set_actor(writer.actor);
    let change = roster
        .withdraw(id, WithdrawalChannel::PhoneCall, meta)
        .map_err(core_error)?;
    let volunteer = current(&roster, id, &NoKeys)?;
    record.action = "withdraw";
    record.reason = note;
    record.change_hash = change.hash;
    let keys = KeyUpdate {
        erased: vec![*id],
        ..KeyUpdate::default()
    };
    let server_key = district.store().load_server_key()?;
    district.store_mut().save_supervision(
        writer,
        &[received(&server_key, writer, roster_id, &change)?],
        &[(roster_id.clone(), volunteer.clone())],
        &record,
        &keys,
        meta.device_clock_ms,
    )?;
    district.keep_roster(roster);
    tracing::info!(volunteer = %id, by = %record.badge, "withdrawal by phone recorded; key destroyed");
    Ok(ActionDone {
        volunteer_id: id.to_string(),
        roster: roster_id.to_string(),
        status: volunteer.status.as_str().to_owned(),
        changes: vec![hex::encode(change.hash)],
    })
}
