//! `UnitCode`: the code of a unit in the police hierarchy.

use crate::model::Field;

super::code_newtype!(
    /// The code of a state, range, district, circle, station, outpost, beat or village, as the
    /// district's register writes it (e.g. `BSP-PS-SIRGITTI-B03`). At most 48 ASCII
    /// characters.
    UnitCode,
    Field::UnitCode,
    48
);
