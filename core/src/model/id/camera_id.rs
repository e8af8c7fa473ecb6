//! `CameraId`: a private CCTV camera's id in a roster.

super::ulid_newtype!(
    /// The id of a private CCTV camera entry (Durg's Trinayan register), minted offline.
    CameraId,
    crate::model::Field::CameraId
);
