//! The keyed blind index of phones as the command line shows it: no API answer, no export
//! and nothing `mitan` prints carries the secret. The index itself is tested with the server
//! (`server/tests/phone_index.rs`), whose district this test shares.

mod common;

use std::process::Command;

use common::issue_code_in;
use common::phone_index::{BEAT_ONE, BEAT_TWO, PHONE, district, save, secret_in, volunteer};
use mitan_server::AppState;
use mitan_server::background::BackgroundServer;
use mitan_server::district::{District, DistrictConfig};
use mitan_server::http::openapi_document;
use mitan_server::registration::RegisteredDevice;
use mitan_server::store::KeyUpdate;

fn mitan(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_mitan"))
        .args(args)
        .env("MITAN_LOG", "info")
        .output()
        .expect("the binary runs");
    assert!(
        output.status.success(),
        "mitan {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    text
}

/// The forms in which the secret could be shown.
fn spellings(secret: &[u8]) -> Vec<Vec<u8>> {
    vec![
        secret.to_vec(),
        hex::encode(secret).into_bytes(),
        hex::encode_upper(secret).into_bytes(),
        // A JSON array of bytes, as serde writes a Vec<u8>.
        format!("{secret:?}").replace(' ', "").into_bytes(),
    ]
}

fn assert_free_of(secret: &[u8], what: &str, output: &[u8]) {
    for spelling in spellings(secret) {
        assert!(
            !output
                .windows(spelling.len())
                .any(|window| window == spelling.as_slice()),
            "{what} shows the phone index secret"
        );
    }
}

#[test]
fn no_api_or_cli_output_contains_the_secret() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (path, mut store) = district(dir.path());
    save(
        &mut store,
        &[
            volunteer(1, BEAT_ONE, "Sunita Sahu", PHONE),
            volunteer(2, BEAT_TWO, "Kavita Verma", PHONE),
        ],
        &KeyUpdate::default(),
    );
    let secret = secret_in(&path);
    assert_free_of(
        &secret,
        "the store's debug output",
        format!("{store:?}").as_bytes(),
    );

    let state = AppState::new(District::new(store, DistrictConfig::default()));
    let server = BackgroundServer::start(state.clone()).expect("the server starts");
    let code = issue_code_in(&state, "SP-BSP");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut registered = agent
        .post(&format!("{}/v1/devices/register", server.url))
        .header("Content-Type", "application/json")
        .send(serde_json::json!({ "code": code, "actor": "11".repeat(16) }).to_string())
        .expect("the server answers");
    let registered: RegisteredDevice =
        serde_json::from_slice(&registered.body_mut().read_to_vec().expect("the body reads"))
            .expect("registration reply");

    // Every GET route without a path parameter, exports in each kind and format.
    let document = serde_json::to_value(openapi_document()).expect("the document as JSON");
    let mut paths: Vec<String> = document["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .filter(|(path, item)| !path.contains('{') && item["get"].is_object())
        .filter(|(_, item)| {
            item["get"]["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .all(|parameter| parameter["required"] != true)
        })
        // The audit history needs one of its scopes, the past report a moment or a change
        // and its diff a first moment, each optional on its own.
        .map(|(path, _)| match path.as_str() {
            "/v1/audit/history" => "/v1/audit/history?unit=BSP".to_owned(),
            "/v1/audit/report" => format!("/v1/audit/report?at_ms={}", state.now_ms()),
            "/v1/audit/report/diff" => "/v1/audit/report/diff?from_ms=0".to_owned(),
            path => path.to_owned(),
        })
        .collect();
    assert!(paths.iter().any(|path| path == "/v1/reports/progress"));
    for query in [
        "unit=BSP&include_unverified=true",
        "unit=BSP&include_unverified=true&kind=group&format=vcard",
        "unit=BSP&include_unverified=true&kind=broadcast",
    ] {
        paths.push(format!("/v1/exports?{query}"));
    }
    paths.push("/v1/reports/duplicates?limit=1000".into());
    for path in &paths {
        let mut reply = agent
            .get(&format!("{}{path}", server.url))
            .header(
                "Authorization",
                &format!("Bearer {}", registered.credential),
            )
            .call()
            .expect("the server answers");
        assert!(reply.status().is_success(), "{path}: {}", reply.status());
        let body = reply.body_mut().read_to_vec().expect("the body reads");
        assert_free_of(&secret, path, &body);
    }
    drop(server);

    // The command line: an export to files and what it prints.
    let db = path.to_str().expect("utf-8 path");
    let out = dir.path().join("export");
    std::fs::create_dir(&out).expect("export directory");
    let printed = mitan(&[
        "admin",
        "--db",
        db,
        "export",
        "--as",
        "SP-BSP",
        "--unit",
        "BSP",
        "--include-unverified",
        "--out",
        out.to_str().expect("utf-8 path"),
    ]);
    assert_free_of(&secret, "mitan admin export", printed.as_bytes());
    for file in std::fs::read_dir(&out).expect("the export wrote files") {
        let file = file.expect("a directory entry").path();
        let bytes = std::fs::read(&file).expect("the export file reads");
        assert!(!bytes.is_empty());
        assert_free_of(&secret, &file.display().to_string(), &bytes);
    }
    let printed = mitan(&["admin", "--db", db, "issue-code", "--badge", "SHO-KONI"]);
    assert_free_of(&secret, "mitan admin issue-code", printed.as_bytes());
}
