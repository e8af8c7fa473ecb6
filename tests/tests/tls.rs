//! The server over real TLS, with a CA the test makes as a district would (`mitan admin
//! make-ca`, `make-cert`): a phone pins the CA's fingerprint at registration and then syncs
//! over HTTPS; a wrong pin, or a server whose certificate is under another CA, is refused,
//! and nothing reaches either server.

use std::path::Path;
use std::sync::Arc;

use mitan_e2e::{TestServer, beat, station};
use mitan_server::auth::Role;
use mitan_server::tls::{
    Fingerprint, IssuedCertificate, RustlsServerConfig, load_server_config, make_ca,
    make_server_certificate,
};

const NOW_MS: i64 = 1_764_000_000_000;

/// A server certificate for `localhost` under `ca`, loaded as the server loads its files.
fn server_tls(ca: &IssuedCertificate, dir: &Path) -> Arc<RustlsServerConfig> {
    let issued = make_server_certificate(
        &ca.certificate_pem,
        &ca.key_pem,
        &["localhost".into(), "127.0.0.1".into()],
    )
    .expect("a server certificate");
    let (chain, key) = (dir.join("server.pem"), dir.join("server-key.pem"));
    std::fs::write(&chain, &issued.certificate_pem).expect("chain written");
    std::fs::write(&key, &issued.key_pem).expect("key written");
    load_server_config(&chain, &key).expect("the files load")
}

fn district_over_tls(ca: &IssuedCertificate, dir: &Path) -> TestServer {
    let server = TestServer::start_tls(1, server_tls(ca, dir)).expect("the server starts");
    server
        .add_user("CG-001", Role::Constable, &station(0), &[beat(0, 0)])
        .expect("constable added");
    server
}

#[test]
fn a_phone_pins_the_districts_ca_and_syncs_over_https() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ca = make_ca("BSP").expect("a CA");
    let server = district_over_tls(&ca, dir.path());
    assert!(
        server.url.starts_with("https://localhost:"),
        "{}",
        server.url
    );

    let mut phone = server
        .pinned_field_device("CG-001", Some(ca.ca_fingerprint), &dir.path().join("phone"))
        .expect("the phone registers over HTTPS");
    assert!(phone.profile.ca.is_some(), "the CA is kept in the profile");
    let id = phone.enrol_seeded(&station(0), &beat(0, 0), 1, NOW_MS);
    let report = phone.sync_ok(NOW_MS);
    assert_eq!(report.acknowledged, 1);
    assert!(
        server
            .volunteers()
            .iter()
            .any(|(stored, _)| *stored == id.to_string())
    );

    // Plain HTTP to the TLS port gets no answer a client could take for one.
    let plain = server.url.replace("https://localhost", "http://127.0.0.1");
    let answer = ureq::get(&format!("{plain}/healthz")).call();
    assert!(answer.is_err(), "{answer:?}");
}

#[test]
fn a_wrong_pin_or_no_pin_is_refused_before_anything_is_sent() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ca = make_ca("BSP").expect("a CA");
    let other = make_ca("BSP").expect("another CA");
    let server = district_over_tls(&ca, dir.path());

    let Err(refused) =
        server.pinned_field_device("CG-001", Some(other.ca_fingerprint), &dir.path().join("a"))
    else {
        panic!("registered under another CA's fingerprint");
    };
    assert!(refused.to_string().contains("CA"), "{refused}");
    let Err(unpinned) = server.pinned_field_device("CG-001", None, &dir.path().join("b")) else {
        panic!("registered over HTTPS without a pin");
    };
    assert!(
        unpinned.to_string().contains("ca-fingerprint"),
        "{unpinned}"
    );
    let garbage = Fingerprint::parse(&format!("sha256:{}", "0".repeat(64))).expect("reads");
    assert!(
        server
            .pinned_field_device("CG-001", Some(garbage), &dir.path().join("c"))
            .is_err()
    );
    assert_eq!(
        server
            .state
            .lock_district()
            .store()
            .load_devices()
            .expect("devices")
            .len(),
        0,
        "no device was registered"
    );
}

#[test]
fn a_phone_refuses_a_server_whose_certificate_is_not_under_its_pinned_ca() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ca = make_ca("BSP").expect("a CA");
    let server = district_over_tls(&ca, dir.path());
    let mut phone = server
        .pinned_field_device("CG-001", Some(ca.ca_fingerprint), &dir.path().join("phone"))
        .expect("the phone registers");
    phone.enrol_seeded(&station(0), &beat(0, 0), 2, NOW_MS);

    // An impostor on the same name, with a certificate from a CA of its own.
    let impostor_dir = dir.path().join("impostor");
    std::fs::create_dir_all(&impostor_dir).expect("folder");
    let impostor_ca = make_ca("BSP").expect("an impostor's CA");
    let impostor = district_over_tls(&impostor_ca, &impostor_dir);
    phone.profile.server = impostor.url.clone();
    let mut transport = phone.profile.transport();
    let failed = phone.device.sync(&mut transport, NOW_MS);
    assert!(failed.is_err(), "the phone synced with an impostor");
    assert_eq!(impostor.logged_changes(), 0, "nothing reached the impostor");
    assert!(impostor.volunteers().is_empty());
}
