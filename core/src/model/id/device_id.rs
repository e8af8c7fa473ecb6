//! `DeviceId`: the id a phone gets when it registers.

use crate::model::Field;

super::code_newtype!(
    /// A registered device, e.g. `dev-0042`. At most 48 ASCII characters.
    DeviceId,
    Field::Device,
    48
);
