//! `PUT /v1/admin/notices`, `PUT /v1/admin/policy` and `GET /v1/notices` through the router on
//! a real SQLite file: only the district admin publishes, a bad language or version is refused
//! naming the field, and any registered device fetches the current notices and the policy.

mod common;

use axum::http::StatusCode;
use common::{Api, NOW, error_of, user};
use mitan_server::auth::Role;
use mitan_server::consent::ConsentTermsView;
use serde_json::json;

const STATION: &str = "BSP-PS-SIPAT";
const BEAT: &str = "BSP-PS-SIPAT-B01";

/// A district of one station and beat, its admin, the station's in-charge and a constable.
fn district() -> Api {
    let users = [
        user("CG-500", Role::DistrictAdmin, "BSP", &[]),
        user("CG-100", Role::StationIncharge, STATION, &[]),
        user("CG-101", Role::Constable, STATION, &[BEAT]),
    ];
    Api::new(&[(STATION, &[BEAT])], &users)
}

async fn put(
    fixture: &Api,
    path: &str,
    credential: &str,
    body: serde_json::Value,
) -> (StatusCode, Vec<u8>) {
    fixture
        .send(common::put_json(path, credential, &body))
        .await
}

async fn terms(fixture: &Api, credential: &str) -> (StatusCode, Vec<u8>) {
    fixture.send(common::get("/v1/notices", credential)).await
}

fn notice(version: u32, language: &str, text: &str) -> serde_json::Value {
    json!({ "version": version, "language": language, "text": text })
}

#[tokio::test]
async fn the_admin_publishes_notices_and_a_constables_device_fetches_the_current_ones() {
    let fixture = district();
    let admin = fixture.credential("CG-500", 1).await;
    let constable = fixture.credential("CG-101", 2).await;

    let (status, body) = terms(&fixture, &constable).await;
    assert_eq!(status, StatusCode::OK);
    let empty: ConsentTermsView = serde_json::from_slice(&body).expect("terms");
    assert!(empty.notices.is_empty());
    assert!(!empty.adults_only);

    for (version, language, text) in [
        (1, "hi", "सूचना संस्करण 1"),
        (1, "en", "Notice version 1"),
        (2, "hi", "सूचना संस्करण 2"),
        (1, "hne", "छत्तीसगढ़ी सूचना"),
    ] {
        let (status, body) = put(
            &fixture,
            "/v1/admin/notices",
            &admin,
            notice(version, language, text),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
        let published: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
        assert_eq!(published["published_by"], "CG-500");
        assert_eq!(published["published_at_ms"], NOW);
    }
    let (status, body) = put(
        &fixture,
        "/v1/admin/policy",
        &admin,
        json!({ "adults_only": true }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));

    let (status, body) = terms(&fixture, &constable).await;
    assert_eq!(status, StatusCode::OK);
    let terms: ConsentTermsView = serde_json::from_slice(&body).expect("terms");
    assert!(terms.adults_only);
    let current: Vec<(&str, u32, &str)> = terms
        .notices
        .iter()
        .map(|notice| {
            (
                notice.language.as_str(),
                notice.version,
                notice.text.as_str(),
            )
        })
        .collect();
    assert_eq!(
        current,
        vec![
            ("en", 1, "Notice version 1"),
            ("hi", 2, "सूचना संस्करण 2"),
            ("hne", 1, "छत्तीसगढ़ी सूचना"),
        ]
    );
}

#[tokio::test]
async fn only_the_district_admin_publishes_notices_or_sets_the_policy() {
    let fixture = district();
    let incharge = fixture.credential("CG-100", 1).await;
    let constable = fixture.credential("CG-101", 2).await;
    for credential in [&incharge, &constable] {
        let (status, body) = put(
            &fixture,
            "/v1/admin/notices",
            credential,
            notice(1, "hi", "सूचना"),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(error_of(&body).error.code, "forbidden");
        let (status, _) = put(
            &fixture,
            "/v1/admin/policy",
            credential,
            json!({ "adults_only": true }),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    let (status, _) = put(
        &fixture,
        "/v1/admin/notices",
        "not-a-credential",
        notice(1, "hi", "सूचना"),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = terms(&fixture, "not-a-credential").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (_, body) = terms(&fixture, &constable).await;
    let terms: ConsentTermsView = serde_json::from_slice(&body).expect("terms");
    assert!(terms.notices.is_empty());
    assert!(!terms.adults_only);
}

#[tokio::test]
async fn a_bad_language_version_or_text_is_refused_naming_the_field() {
    let fixture = district();
    let admin = fixture.credential("CG-500", 1).await;
    let (status, _) = put(
        &fixture,
        "/v1/admin/notices",
        &admin,
        notice(3, "hi", "सूचना 3"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    for (body, field, code) in [
        (notice(1, "Hindi", "text"), "language", "bad_format"),
        (notice(1, "", "text"), "language", "bad_format"),
        (notice(0, "en", "text"), "version", "out_of_range"),
        (notice(3, "hi", "again"), "version", "version_not_newer"),
        (notice(2, "hi", "older"), "version", "version_not_newer"),
        (notice(1, "en", "   "), "text", "required"),
    ] {
        let (status, reply) = put(&fixture, "/v1/admin/notices", &admin, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        let error = error_of(&reply).error;
        assert_eq!(error.code, code, "{body}");
        assert_eq!(error.field.as_deref(), Some(field), "{body}");
    }
    let (status, reply) = put(
        &fixture,
        "/v1/admin/notices",
        &admin,
        json!({ "version": -1, "language": "hi" }),
    )
    .await;
    // A body that does not read as a notice names the field it could not read.
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let error = error_of(&reply).error;
    assert_eq!(error.code, "bad_format");
    assert_eq!(error.field.as_deref(), Some("version"));
}
