//! Moving a volunteer between beats. A roster is one beat's document, so a move touches two
//! rosters and is recorded in both:
//!
//! * the **source** roster gets a `moved` scalar on the entry (`{"to": beat, "by", "at"}`) and
//!   the entry's personal fields are deleted, as on a withdrawal: the source beat's phones no
//!   longer need the person's name and number. The entry then reads as
//!   [`Status::Moved`], and a withdrawal still wins over it;
//! * the **target** roster gets a copy of the entry under the **same** [`VolunteerId`] (an id
//!   is never changed), with the original enrolment record (who enrolled, on which device,
//!   when, the consent and its witness) kept as it was, the beat and station of the target,
//!   a `moved_from` scalar naming the source beat, and the review carried over.
//!
//! Edits made to the source entry on a phone that had not yet seen the move land in the source
//! roster; the replica that knows where the person lives now carries them to the live entry
//! ([`crate::model::lineage`], `carry.rs`). Only pending and verified volunteers move, and
//! never into a roster that already holds them.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType, ReadDoc, ScalarValue};
use serde::{Deserialize, Serialize};

use super::{
    MOVED, MOVED_FROM, PERSONAL, PROGRAMMES, REVIEW, Reader, Roster, RosterChange, VOLUNTEERS,
    encode_age, write_consent, write_personal,
};
use crate::error::{Error, Result};
use crate::model::change_meta::{Action, ChangeMeta};
use crate::model::id::{RosterId, UnitCode, VolunteerId};
use crate::model::invalid::{Field, Invalid, InvalidCode};
use crate::model::review::{Decision, Review};
use crate::model::sealed::{NoKeys, Sealing};
use crate::model::volunteer::{Status, Volunteer};

/// One side of a move between beats, as stored in a roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transfer {
    /// The other beat: where the person went (source side) or came from (target side).
    pub beat: String,
    /// The supervisor who moved them.
    pub by: String,
    /// The supervisor's clock when they did.
    pub at: i64,
}

impl Transfer {
    pub(super) fn encode(&self) -> String {
        serde_json::to_string(self).expect("a struct of strings always serialises")
    }
}

/// The beat a volunteer entry was moved to, if it was.
pub(super) fn moved_to(entry: &Reader<'_>) -> Option<UnitCode> {
    let text = entry.string(MOVED)?;
    let transfer: Transfer = serde_json::from_str(&text).ok()?;
    transfer.beat.parse().ok()
}

fn refuse(field: Field, code: InvalidCode) -> Error {
    Error::Invalid(Invalid::new(field, code).into())
}

impl Roster {
    /// Records in this (source) roster that a volunteer moved to `to`, and deletes their
    /// personal fields here. Only a pending or verified volunteer may move.
    pub fn move_out(
        &mut self,
        id: &VolunteerId,
        to: &RosterId,
        meta: &ChangeMeta,
    ) -> Result<RosterChange> {
        if to == self.id() {
            return Err(refuse(Field::Beat, InvalidCode::Duplicate));
        }
        let current = self
            .volunteer(id, &NoKeys)?
            .ok_or_else(|| Error::NotFound {
                what: "volunteer",
                id: id.to_string(),
            })?;
        if !matches!(current.status, Status::Pending | Status::Verified) {
            return Err(refuse(Field::VolunteerId, InvalidCode::OutOfRange));
        }
        self.mark_moved(id, to, meta)
    }

    /// Writes into this (target) roster the copy of a volunteer read from the source roster
    /// `from` before [`Roster::move_out`], under the same id, placed in this beat and
    /// `station`. The personal fields are sealed again under the volunteer's own key, which
    /// moves with them.
    pub fn move_in(
        &mut self,
        volunteer: &Volunteer,
        from: &RosterId,
        station: &UnitCode,
        meta: &ChangeMeta,
        sealing: &Sealing,
    ) -> Result<RosterChange> {
        if from == self.id() {
            return Err(refuse(Field::Beat, InvalidCode::Duplicate));
        }
        let beat: UnitCode = self
            .id()
            .as_str()
            .parse()
            .map_err(|_| refuse(Field::Beat, InvalidCode::BadFormat))?;
        let personal_fields = volunteer
            .personal
            .as_ref()
            .ok_or_else(|| refuse(Field::Phone, InvalidCode::Required))?;
        let review = match &volunteer.status {
            Status::Pending => None,
            Status::Verified => Some(Review {
                decision: Decision::Verify,
                by: volunteer
                    .reviewed_by
                    .clone()
                    .unwrap_or_else(|| meta.badge.clone()),
                at_ms: meta.device_clock_ms,
            }),
            _ => return Err(refuse(Field::VolunteerId, InvalidCode::OutOfRange)),
        };
        let volunteers = self.require_container(VOLUNTEERS)?;
        if self.entry(VOLUNTEERS, &volunteer.id.to_string())?.is_some() {
            return Err(Error::AlreadyExists {
                what: "volunteer",
                id: volunteer.id.to_string(),
            });
        }
        let transfer = Transfer {
            beat: from.to_string(),
            by: meta.badge.to_string(),
            at: meta.device_clock_ms,
        };
        let together = self.together;
        self.write(Action::Move, volunteer.id.to_string(), meta, |doc| {
            let entry = doc.put_object(&volunteers, volunteer.id.to_string(), ObjType::Map)?;
            let personal = doc.put_object(&entry, PERSONAL, ObjType::Map)?;
            write_personal(
                doc,
                &personal,
                &volunteer.id,
                personal_fields,
                sealing,
                together,
            )?;
            write_copy(doc, &entry, volunteer, &beat, station)?;
            write_consent(doc, &entry, &volunteer.consent)?;
            if let Some(review) = &review {
                doc.put(&entry, REVIEW, review.encode())?;
            }
            doc.put(&entry, MOVED_FROM, transfer.encode())?;
            Ok(())
        })
    }
}

/// Writes the `moved` marker on an entry the person leaves, and deletes its personal fields:
/// the live entry elsewhere holds them now.
pub(super) fn mark_moved(
    doc: &mut AutoCommit,
    entry: &ObjId,
    personal: &ObjId,
    transfer: &Transfer,
) -> Result<()> {
    doc.put(entry, MOVED, transfer.encode())?;
    let present: Vec<String> = doc.keys(personal).collect();
    for key in present {
        doc.delete(personal, key.as_str())?;
    }
    Ok(())
}

/// The fields of the entry that are not personal, consent or review, copied as they were
/// except for the beat and station.
fn write_copy(
    doc: &mut AutoCommit,
    entry: &ObjId,
    volunteer: &Volunteer,
    beat: &UnitCode,
    station: &UnitCode,
) -> Result<()> {
    doc.put(entry, "gender", volunteer.gender.as_str())?;
    doc.put(entry, "age", encode_age(volunteer.age))?;
    doc.put(entry, "village", volunteer.village.to_string())?;
    doc.put(entry, "beat", beat.as_str())?;
    doc.put(entry, "station", station.as_str())?;
    let programmes = doc.put_object(entry, PROGRAMMES, ObjType::Map)?;
    for programme in &volunteer.programmes {
        doc.put(&programmes, programme.as_str(), true)?;
    }
    doc.put(entry, "enrolled_by", volunteer.enrolled_by.as_str())?;
    doc.put(entry, "enrolled_on", volunteer.enrolled_on.as_str())?;
    doc.put(
        entry,
        "enrolled_at",
        ScalarValue::Timestamp(volunteer.enrolled_at_ms),
    )?;
    if let Some(trainer) = &volunteer.trained_by {
        doc.put(entry, "trained_by", trainer.encode())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::sealed::TestKeys;
    use crate::model::{EnrolmentForm, EnrolmentRules, WithdrawalChannel};

    fn meta(badge: &str, device: &str, clock: i64) -> ChangeMeta {
        ChangeMeta {
            badge: badge.parse().expect("valid badge"),
            device: device.parse().expect("valid device"),
            device_clock_ms: clock,
        }
    }

    fn enrolled(beat: &RosterId) -> (Roster, VolunteerId) {
        let mut roster = Roster::genesis(beat);
        roster.set_actor([1; 16]);
        let form = EnrolmentForm {
            name_devanagari: "रमेश साहू".into(),
            name_latin: "Ramesh Sahu".into(),
            phone: "9876543210".into(),
            gender: "male".into(),
            age_years: Some(34),
            village_lgd: "123456".into(),
            household: "H-12".into(),
            beat: beat.to_string(),
            station: "BSP-PS-KONI".into(),
            programmes: vec!["cyber_mitan".into()],
            consent_given: true,
            consent_language: "hi".into(),
            consent_notice_version: 1,
            ..EnrolmentForm::default()
        };
        let enrolment = form
            .validate(&EnrolmentRules::standard(2026))
            .expect("a valid form");
        let id = VolunteerId::from_parts(1_763_000_000_000, 7);
        roster
            .enrol(
                id,
                &enrolment,
                &meta("CG-1", "dev-1", 1_000),
                &TestKeys::sealing(&id),
            )
            .expect("enrols");
        (roster, id)
    }

    #[test]
    fn a_moved_volunteer_reads_as_moved_in_the_source_and_live_in_the_target() {
        let source_id: RosterId = "BSP-PS-KONI-B01".parse().expect("valid");
        let target_id: RosterId = "BSP-PS-SIPAT-B02".parse().expect("valid");
        let (mut source, id) = enrolled(&source_id);
        source
            .review(&id, Decision::Verify, &meta("SHO-1", "srv-1", 2_000))
            .expect("verified");
        let before = source
            .volunteer(&id, &TestKeys)
            .expect("reads")
            .expect("present");

        let mut target = Roster::genesis(&target_id);
        target.set_actor([2; 16]);
        let supervisor = meta("SHO-1", "srv-1", 3_000);
        target
            .move_in(
                &before,
                &source_id,
                &"BSP-PS-SIPAT".parse().expect("valid"),
                &supervisor,
                &TestKeys::sealing(&before.id),
            )
            .expect("copied in");
        source
            .move_out(&id, &target_id, &supervisor)
            .expect("moved out");

        let left = source
            .volunteer(&id, &TestKeys)
            .expect("reads")
            .expect("present");
        assert_eq!(
            left.status,
            Status::Moved {
                to: "BSP-PS-SIPAT-B02".parse().expect("valid")
            }
        );
        assert_eq!(left.personal, None);

        let arrived = target
            .volunteer(&id, &TestKeys)
            .expect("reads")
            .expect("present");
        assert_eq!(arrived.status, Status::Verified);
        assert_eq!(arrived.beat.as_str(), "BSP-PS-SIPAT-B02");
        assert_eq!(arrived.station.as_str(), "BSP-PS-SIPAT");
        assert_eq!(arrived.personal, before.personal);
        assert_eq!(arrived.enrolled_by, before.enrolled_by);
        assert_eq!(arrived.enrolled_on, before.enrolled_on);
        assert_eq!(arrived.consent, before.consent);
        assert_eq!(arrived.programmes, before.programmes);
    }

    #[test]
    fn a_withdrawal_wins_over_a_move_and_a_withdrawn_person_cannot_move() {
        let source_id: RosterId = "BSP-PS-KONI-B01".parse().expect("valid");
        let target_id: RosterId = "BSP-PS-KONI-B02".parse().expect("valid");
        let (mut source, id) = enrolled(&source_id);
        source
            .move_out(&id, &target_id, &meta("SHO-1", "srv-1", 2_000))
            .expect("moved out");
        source
            .withdraw(
                &id,
                WithdrawalChannel::PhoneCall,
                &meta("CG-1", "dev-1", 3_000),
            )
            .expect("withdrawn");
        let entry = source
            .volunteer(&id, &TestKeys)
            .expect("reads")
            .expect("present");
        assert_eq!(entry.status, Status::Withdrawn);
        assert!(
            source
                .move_out(&id, &target_id, &meta("SHO-1", "srv-1", 4_000))
                .is_err()
        );
    }

    #[test]
    fn a_move_into_a_roster_that_holds_the_volunteer_is_refused() {
        let beat: RosterId = "BSP-PS-KONI-B01".parse().expect("valid");
        let (mut roster, id) = enrolled(&beat);
        let volunteer = roster
            .volunteer(&id, &TestKeys)
            .expect("reads")
            .expect("present");
        let other: RosterId = "BSP-PS-KONI-B02".parse().expect("valid");
        let station: UnitCode = "BSP-PS-KONI".parse().expect("valid");
        let supervisor = meta("SHO-1", "srv-1", 2_000);
        assert!(
            roster
                .move_in(
                    &volunteer,
                    &beat,
                    &station,
                    &supervisor,
                    &TestKeys::sealing(&volunteer.id)
                )
                .is_err()
        );
        let mut target = Roster::genesis(&other);
        target
            .move_in(
                &volunteer,
                &beat,
                &station,
                &supervisor,
                &TestKeys::sealing(&volunteer.id),
            )
            .expect("first copy");
        assert!(matches!(
            target.move_in(
                &volunteer,
                &beat,
                &station,
                &supervisor,
                &TestKeys::sealing(&volunteer.id)
            ),
            Err(Error::AlreadyExists { .. })
        ));
    }

    #[test]
    fn a_move_reaches_another_replica_of_the_source_roster() {
        let source_id: RosterId = "BSP-PS-KONI-B01".parse().expect("valid");
        let target_id: RosterId = "BSP-PS-KONI-B02".parse().expect("valid");
        let (mut server_copy, id) = enrolled(&source_id);
        let mut phone_copy = Roster::load(&source_id, Some(&server_copy.save()), &[])
            .expect("the phone loads the roster");
        let change = server_copy
            .move_out(&id, &target_id, &meta("SHO-1", "srv-1", 2_000))
            .expect("moved out");
        phone_copy
            .apply_changes(&[change.bytes])
            .expect("the phone applies the move");
        assert!(matches!(
            phone_copy
                .volunteer(&id, &TestKeys)
                .expect("reads")
                .expect("present")
                .status,
            Status::Moved { .. }
        ));
    }
}
