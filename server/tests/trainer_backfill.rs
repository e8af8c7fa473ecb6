//! A database from before `volunteer.trained_by` (schema 12) gets its volunteers' trainers,
//! its cameras' rows (schema 15) and its volunteers' years of birth (schema 16) from the
//! rosters when it is first opened at the versions that added them.

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
fn an_older_database_learns_trainers_cameras_and_birth_years_from_the_rosters() {
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
    let camera = phone
        .add_camera(
            &BEAT.parse().expect("a beat"),
            &mitan_core::demo::Generator::new(4).camera_form("430001"),
            Moment {
                now_ms: NOW,
                random: 4,
            },
        )
        .expect("registered");
    sync_phone(&mut phone, &mut district, &caller, NOW);
    drop(district);

    // As schema 12 left it: no trainer column (13 adds it), no programme list (14), no camera
    // rows (15), no staff contacts, groups or birth years (16), no sync manifests (17), no
    // devices' protocols (18), no campaign's unit (19; its widened CHECKs need no undoing).
    {
        let connection = rusqlite::Connection::open(&db).expect("opens");
        connection
            .execute_batch(
                "DROP INDEX volunteer_by_trainer;
                 ALTER TABLE volunteer DROP COLUMN trained_by;
                 DROP TABLE programme;
                 DROP TABLE camera;
                 DROP TABLE erased_camera;
                 DROP TABLE member_group;
                 DROP TABLE staff_contact;
                 ALTER TABLE volunteer DROP COLUMN birth_year;
                 ALTER TABLE change_log DROP COLUMN manifest;
                 DROP TABLE sync_manifest;
                 DROP INDEX device_in_use_by_protocol;
                 ALTER TABLE device DROP COLUMN protocol;
                 DROP INDEX campaign_by_unit;
                 DROP TABLE campaign;
                 CREATE TABLE campaign (
                     code TEXT PRIMARY KEY,
                     name TEXT NOT NULL,
                     programme TEXT,
                     starts_on TEXT NOT NULL,
                     ends_on TEXT NOT NULL,
                     set_by TEXT NOT NULL,
                     set_at_ms INTEGER NOT NULL
                 ) WITHOUT ROWID;
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
    let born: Option<i64> = reader
        .query_row(
            "SELECT birth_year FROM volunteer WHERE id = ?1",
            [trainee.to_string()],
            |row| row.get(0),
        )
        .expect("the row reads");
    assert!(
        born.is_some_and(|year| (1950..2010).contains(&year)),
        "{born:?}"
    );
    let direction: String = reader
        .query_row(
            "SELECT direction FROM camera WHERE id = ?1",
            [camera.to_string()],
            |row| row.get(0),
        )
        .expect("the camera's row was filled in");
    assert!(["n", "ne", "e", "se", "s", "sw", "w", "nw"].contains(&direction.as_str()));
}
