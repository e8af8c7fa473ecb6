//! `BadgeNumber`: how a police employee is named in every change they author.

use crate::model::Field;

super::code_newtype!(
    /// A police employee's badge (belt) number, e.g. `CG-1234`. At most 24 ASCII characters.
    BadgeNumber,
    Field::EnrolledBy,
    24
);
