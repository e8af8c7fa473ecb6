//! The columns reports search by are written by the merge path (migration 003): the
//! sound-alike name key is the core's `phonetic_key` of the name as merged, and follows a
//! change of name.

use std::collections::BTreeSet;

use mitan_core::model::validate::phonetic_key;
use mitan_core::model::{
    AgeClaim, Consent, Gender, Personal, RosterId, Status, Volunteer, VolunteerId,
};
use mitan_server::store::{KeyUpdate, Page, ServerStore};

fn volunteer(n: u64, devanagari: Option<&str>, latin: Option<&str>) -> Volunteer {
    Volunteer {
        id: VolunteerId::from_parts(1_763_900_000_000 + n, u128::from(n)),
        personal: Some(Personal {
            name_devanagari: devanagari.map(str::to_owned),
            name_latin: latin.map(str::to_owned),
            phone: format!("+919{n:09}").parse().expect("valid phone"),
            household: format!("H-{n}"),
            guardian: None,
        }),
        gender: Gender::Female,
        age: AgeClaim::Years(30),
        village: 400_001u32.try_into().expect("valid LGD code"),
        beat: "BSP-PS-000-B00".parse().expect("valid beat"),
        station: "BSP-PS-000".parse().expect("valid station"),
        programmes: BTreeSet::from(["cyber_mitan".parse().expect("valid programme")]),
        enrolled_by: "CG-1".parse().expect("valid badge"),
        enrolled_on: "dev-1".parse().expect("valid device"),
        enrolled_at_ms: 1_763_900_000_000 + i64::try_from(n).expect("small"),
        trained_by: None,
        consent: Consent {
            given_at_ms: 1_763_900_000_000,
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
    }
}

fn save(store: &mut ServerStore, volunteers: &[Volunteer]) {
    let roster: RosterId = "BSP-PS-000-B00".parse().expect("valid roster");
    let rows: Vec<(RosterId, Volunteer)> = volunteers
        .iter()
        .map(|volunteer| (roster.clone(), volunteer.clone()))
        .collect();
    store
        .save_merge(
            &"dev-1".parse().expect("valid device"),
            &"CG-1".parse().expect("valid badge"),
            &[],
            &rows,
            &KeyUpdate::default(),
            0,
        )
        .expect("merge saved");
}

/// The stored name key of every pending volunteer, by id.
fn keys(store: &ServerStore) -> Vec<(String, Option<String>)> {
    let (_, rows) = store
        .pending_review(None, &Default::default(), 100, 0)
        .expect("queue reads");
    rows.into_iter().map(|row| (row.id, row.name_key)).collect()
}

#[test]
fn the_merge_writes_the_core_name_key_of_the_devanagari_name_else_the_latin_one() {
    let mut store = ServerStore::open_in_memory().expect("store opens");
    let both = volunteer(1, Some("सुनीता साहू"), Some("Sunita Sahu"));
    let latin_only = volunteer(2, None, Some("Suneeta Saahu"));
    let without_personal_fields = Volunteer {
        personal: None,
        ..volunteer(3, Some("रमेश"), None)
    };
    save(
        &mut store,
        &[
            both.clone(),
            latin_only.clone(),
            without_personal_fields.clone(),
        ],
    );
    assert_eq!(
        keys(&store),
        vec![
            (both.id.to_string(), Some(phonetic_key("सुनीता साहू"))),
            (
                latin_only.id.to_string(),
                Some(phonetic_key("Suneeta Saahu"))
            ),
            (without_personal_fields.id.to_string(), None),
        ]
    );
    // The two spellings of one name share a key, so the duplicate search pairs them.
    let similar = store
        .similar_names(
            None,
            Page {
                offset: 0,
                limit: 100,
            },
        )
        .expect("duplicates read");
    assert_eq!(similar.total, 1);
    let ids: Vec<&str> = similar.groups[0]
        .1
        .iter()
        .map(|row| row.id.as_str())
        .collect();
    assert_eq!(ids, [both.id.to_string(), latin_only.id.to_string()]);
}

#[test]
fn a_renamed_volunteer_gets_the_key_of_the_new_name() {
    let mut store = ServerStore::open_in_memory().expect("store opens");
    let before = volunteer(1, Some("गीता वर्मा"), Some("Geeta Verma"));
    save(&mut store, std::slice::from_ref(&before));
    let mut after = before.clone();
    if let Some(personal) = after.personal.as_mut() {
        personal.name_devanagari = Some("कविता यादव".into());
    }
    save(&mut store, std::slice::from_ref(&after));
    assert_eq!(
        keys(&store),
        vec![(before.id.to_string(), Some(phonetic_key("कविता यादव")))]
    );
    assert_ne!(phonetic_key("कविता यादव"), phonetic_key("गीता वर्मा"));
}
