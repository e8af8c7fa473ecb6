//! `RosterId`: which roster document a change belongs to.

use crate::model::Field;

super::code_newtype!(
    /// The id of one roster document. A roster holds one beat's volunteers and cameras, so
    /// its id is the beat's unit code (docs/adr, ADR 0008, says why a beat is the unit).
    RosterId,
    Field::Beat,
    48
);

impl RosterId {
    /// The roster of a beat.
    pub fn for_beat(beat: &super::UnitCode) -> Self {
        RosterId(beat.as_str().to_owned())
    }
}
