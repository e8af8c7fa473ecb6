//! The district database encrypted at rest (`--db-key-file`): a copy of the file shows
//! nothing without its key, a wrong key or a missing one is refused in words that say which,
//! and a plain database is encrypted in place with its content kept.

use mitan_core::model::UnitKind;
use mitan_server::Error;
use mitan_server::auth::Role;
use mitan_server::store::{DatabaseKey, NewUnit, ServerStore, User, encrypt_in_place};

const NAME: &str = "Sunita Netam the Unmistakable";

fn fill(store: &mut ServerStore) {
    for (kind, code, parent) in [
        (UnitKind::State, "CG", None),
        (UnitKind::Range, "CG-BSP", Some("CG")),
        (UnitKind::District, "BSP", Some("CG-BSP")),
        (UnitKind::Circle, "BSP-C1", Some("BSP")),
        (UnitKind::Station, "BSP-PS-KONI", Some("BSP-C1")),
    ] {
        store
            .save_unit(&NewUnit {
                kind,
                code: code.parse().expect("a unit code"),
                name_hi: code.into(),
                name_en: code.into(),
                parent: parent.map(|parent| parent.parse().expect("a unit code")),
                lgd_code: None,
            })
            .expect("unit saved");
    }
    store
        .save_user(
            &User {
                badge: "CG-001".parse().expect("a badge"),
                name: NAME.into(),
                role: Role::Constable,
                unit: "BSP-PS-KONI".parse().expect("a unit"),
                beats: Vec::new(),
            },
            0,
        )
        .expect("user saved");
}

fn holds(path: &std::path::Path, text: &str) -> bool {
    let mut bytes = std::fs::read(path).expect("the file reads");
    // What a commit left in the WAL counts too.
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    bytes.extend(std::fs::read(std::path::PathBuf::from(wal)).unwrap_or_default());
    bytes
        .windows(text.len())
        .any(|window| window == text.as_bytes())
}

#[test]
fn an_encrypted_database_opens_only_with_its_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("district.db");
    let key = DatabaseKey::create_file(&dir.path().join("district.key")).expect("a key");
    {
        let mut store = ServerStore::open_keyed(&path, Some(&key)).expect("created encrypted");
        fill(&mut store);
    }
    assert!(!holds(&path, NAME), "the name is not in the file");
    assert!(!holds(&path, "SQLite format 3"), "not even SQLite's header");

    let reopened = ServerStore::open_keyed(&path, Some(&key)).expect("opens with its key");
    assert_eq!(
        reopened
            .load_user(&"CG-001".parse().expect("a badge"))
            .expect("reads")
            .expect("the user")
            .name,
        NAME
    );
    let reader = ServerStore::open_reader_keyed(&path, Some(&key)).expect("a reader opens");
    reader.ping().expect("and reads");
    drop((reopened, reader));

    let other = DatabaseKey::create_file(&dir.path().join("other.key")).expect("a key");
    let wrong = ServerStore::open_keyed(&path, Some(&other)).expect_err("another key");
    assert!(
        matches!(wrong, Error::Locked { keyed: true, .. }),
        "{wrong}"
    );
    assert!(
        wrong.to_string().contains("does not open with this key"),
        "{wrong}"
    );
    let none = ServerStore::open(&path).expect_err("no key");
    assert!(matches!(none, Error::Locked { keyed: false, .. }), "{none}");
    assert!(none.to_string().contains("--db-key-file"), "{none}");
}

#[test]
fn a_plain_database_is_encrypted_in_place_with_everything_kept() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("district.db");
    {
        let mut store = ServerStore::open(&path).expect("created plain");
        fill(&mut store);
    }
    assert!(holds(&path, NAME), "plain, the name is in the file");
    let key = DatabaseKey::create_file(&dir.path().join("district.key")).expect("a key");
    encrypt_in_place(&path, &key).expect("encrypted");
    assert!(!holds(&path, NAME), "encrypted, it is not");
    let store = ServerStore::open_keyed(&path, Some(&key)).expect("opens with the key");
    assert!(store.integrity_ok().expect("checks"));
    assert_eq!(store.load_units().expect("units").len(), 5);
    assert!(
        store
            .load_user(&"CG-001".parse().expect("a badge"))
            .expect("reads")
            .is_some()
    );
    assert!(ServerStore::open(&path).is_err(), "and only with it");
}

#[test]
fn a_key_file_is_never_overwritten_and_must_hold_a_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("district.key");
    let key = DatabaseKey::create_file(&path).expect("a key");
    assert!(
        DatabaseKey::create_file(&path).is_err(),
        "an existing key file stays"
    );
    assert_eq!(DatabaseKey::from_file(&path).expect("reads back"), key);
    std::fs::write(&path, "not a key").expect("written");
    let refused = DatabaseKey::from_file(&path).expect_err("no key in it");
    assert!(refused.to_string().contains("64 hex digits"), "{refused}");
}
