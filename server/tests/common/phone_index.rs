//! The district of the phone-index tests (`server/tests/phone_index.rs`, and the command
//! line's in `server/cli/tests/phone_index.rs`): two stations, their admin and the first
//! station's in-charge, volunteers sharing a phone saved as a merge would, and the index's
//! secret read from the file.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use mitan_core::model::{
    AgeClaim, Consent, Gender, Personal, RosterId, Status, Volunteer, VolunteerId,
};
use mitan_server::auth::Role;
use mitan_server::store::{KeyUpdate, ServerStore, User};

use super::{NOW, district_store, user};

pub(crate) const STATION_ONE: &str = "BSP-PS-KONI";
pub(crate) const STATION_TWO: &str = "BSP-PS-SIPAT";
pub(crate) const BEAT_ONE: &str = "BSP-PS-KONI-B01";
pub(crate) const BEAT_TWO: &str = "BSP-PS-KONI-B02";
pub(crate) const BEAT_OTHER_STATION: &str = "BSP-PS-SIPAT-B01";
pub(crate) const PHONE: &str = "+919131975318";

pub(crate) fn admin() -> User {
    user("SP-BSP", Role::DistrictAdmin, "BSP", &[])
}

pub(crate) fn incharge() -> User {
    user("SHO-KONI", Role::StationIncharge, STATION_ONE, &[])
}

/// A district of two stations (two beats in the first, one in the second), its admin and the
/// first station's in-charge, in a database file.
pub(crate) fn district(dir: &Path) -> (PathBuf, ServerStore) {
    let path = dir.join("server.db");
    let store = district_store(
        &path,
        &[
            (STATION_ONE, &[BEAT_ONE, BEAT_TWO]),
            (STATION_TWO, &[BEAT_OTHER_STATION]),
        ],
        &[admin(), incharge()],
    );
    (path, store)
}

/// Volunteer `n` of `beat`, named `name`, with mobile `phone`.
pub(crate) fn volunteer(n: u64, beat: &str, name: &str, phone: &str) -> (RosterId, Volunteer) {
    let station = if beat.starts_with(STATION_ONE) {
        STATION_ONE
    } else {
        STATION_TWO
    };
    let volunteer = Volunteer {
        id: VolunteerId::from_parts(1_763_900_000_000 + n, u128::from(n)),
        personal: Some(Personal {
            name_devanagari: None,
            name_latin: Some(name.to_owned()),
            phone: phone.parse().expect("valid phone"),
            household: format!("H-{n}"),
            guardian: None,
        }),
        gender: Gender::Female,
        age: AgeClaim::Years(30),
        village: 400_001u32.try_into().expect("valid LGD code"),
        beat: beat.parse().expect("valid beat"),
        station: station.parse().expect("valid station"),
        programmes: BTreeSet::from(["cyber_mitan".parse().expect("valid programme")]),
        enrolled_by: "CG-1".parse().expect("valid badge"),
        enrolled_on: "dev-1".parse().expect("valid device"),
        enrolled_at_ms: NOW + i64::try_from(n).expect("small"),
        trained_by: None,
        consent: Consent {
            given_at_ms: NOW,
            language: "hi".into(),
            notice_version: 1,
            witness: "CG-1".parse().expect("valid badge"),
            guardian_consented: false,
        },
        status: Status::Pending,
        reviewed_by: None,
        conflicts: Vec::new(),
        sealed: false,
        moved_to: None,
    };
    (beat.parse().expect("valid roster"), volunteer)
}

pub(crate) fn save(store: &mut ServerStore, rows: &[(RosterId, Volunteer)], keys: &KeyUpdate) {
    store
        .save_merge(
            &"dev-1".parse().expect("valid device"),
            &"CG-1".parse().expect("valid badge"),
            &[],
            rows,
            keys,
            NOW,
        )
        .expect("merge saved");
}

/// The secret as the database holds it, read around the store as an attacker with the file
/// would.
pub(crate) fn secret_in(path: &Path) -> Vec<u8> {
    rusqlite::Connection::open(path)
        .expect("the file opens")
        .query_row("SELECT secret FROM phone_index_secret", [], |row| {
            row.get(0)
        })
        .expect("migration 005 drew a secret")
}
