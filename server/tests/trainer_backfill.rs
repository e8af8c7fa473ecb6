//! A database from before `volunteer.trained_by` (schema 12) gets its volunteers' trainers
//! from the rosters when it is first opened at the version that added the column.

mod common;

use mitan_core::device::Moment;
use mitan_core::store::StoreKey;
use mitan_server::auth::Role;
use mitan_server::district::{District, DistrictConfig};
use mitan_server::store::ServerStore;

use common::{NOW, district_store, register_phone, sync_phone, user};

const STATION: &str = "BSP-PS-KONI";
const BEAT: &str = "BSP-PS-KONI-B01";

#[test]
fn an_older_database_learns_each_volunteers_trainer_from_the_rosters() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("server.db");
    let store = district_store(
        &db,
        &[(STATION, &[BEAT])],
        &[user("CG-001", Role::Constable, STATION, &[BEAT])],
    );
    let mut district = District::new(store, DistrictConfig::default());
    let (mut phone, caller) = register_phone(
        &mut district,
        &dir.path().join("phone.db"),
        &StoreKey::from_bytes([7; 32]),
        "CG-001",
        [7; 16],
        STATION,
    );
    let mut generator = mitan_core::demo::Generator::new(3);
    let mut enrol = |trainer: String, random: u128| {
        let mut form = generator.enrolment_form(STATION, BEAT, "430001");
        form.trained_by = trainer;
        phone
            .enrol(
                &form,
                Moment {
                    now_ms: NOW,
                    random,
                },
            )
            .expect("enrolled")
            .id
    };
    let trainer = enrol("CG-100".into(), 1);
    let trainee = enrol(trainer.to_string(), 2);
    let untrained = enrol(String::new(), 3);
    sync_phone(&mut phone, &mut district, &caller, NOW);
    drop(district);

    // As schema 12 left it: no trainer column (13 adds it) and no programme list (14).
    {
        let connection = rusqlite::Connection::open(&db).expect("opens");
        connection
            .execute_batch(
                "DROP INDEX volunteer_by_trainer;
                 ALTER TABLE volunteer DROP COLUMN trained_by;
                 DROP TABLE programme;
                 PRAGMA user_version = 12;",
            )
            .expect("set back");
    }
    let _store = ServerStore::open(&db).expect("reopens and migrates");
    let reader = rusqlite::Connection::open(&db).expect("opens");
    let trainers = |id: &mitan_core::model::VolunteerId| -> Option<String> {
        reader
            .query_row(
                "SELECT trained_by FROM volunteer WHERE id = ?1",
                [id.to_string()],
                |row| row.get(0),
            )
            .expect("the row reads")
    };
    assert_eq!(trainers(&trainer).as_deref(), Some("e:CG-100"));
    assert_eq!(trainers(&trainee), Some(format!("v:{trainer}")));
    assert_eq!(trainers(&untrained), None);
}
