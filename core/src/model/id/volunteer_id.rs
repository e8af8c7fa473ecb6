//! `VolunteerId`: a volunteer's id, minted offline on the enrolling phone.

super::ulid_newtype!(
    /// A volunteer's id. Minted on the phone at enrolment and never changed, even when the
    /// volunteer moves beat or is merged as a duplicate.
    ///
    /// ```
    /// use mitan_core::model::VolunteerId;
    /// let id = VolunteerId::from_parts(1_763_000_000_000, 42);
    /// let parsed: VolunteerId = id.to_string().parse().unwrap();
    /// assert_eq!(id, parsed);
    /// ```
    VolunteerId,
    crate::model::Field::VolunteerId
);
