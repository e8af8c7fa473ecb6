//! `PUT /v1/admin/notices`, `PUT /v1/admin/policy` and `GET /v1/notices` through the router on
//! a real SQLite file: only the district admin publishes, a bad language or version is refused
//! naming the field, and any registered device fetches the current notices and the policy.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use mitan_core::model::{Unit, UnitKind};
use mitan_server::auth::Role;
use mitan_server::consent::ConsentTermsView;
use mitan_server::district::{District, DistrictConfig};
use mitan_server::registration::{RegisteredDevice, issue_code};
use mitan_server::store::{ServerStore, User};
use mitan_server::{AppState, ErrorBody, app};
use serde_json::json;
use tower::ServiceExt;

const NOW: i64 = 1_763_900_000_000;

struct Fixture {
    _dir: tempfile::TempDir,
    state: AppState,
    router: Router,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut store = ServerStore::open(&dir.path().join("server.db")).expect("store opens");
        for (kind, code, parent) in [
            (UnitKind::State, "CG", None),
            (UnitKind::Range, "CG-BSP", Some("CG")),
            (UnitKind::District, "BSP", Some("CG-BSP")),
            (UnitKind::Circle, "BSP-C1", Some("BSP")),
            (UnitKind::Station, "BSP-PS-SIPAT", Some("BSP-C1")),
            (UnitKind::Beat, "BSP-PS-SIPAT-B01", Some("BSP-PS-SIPAT")),
        ] {
            store
                .save_unit(&Unit {
                    kind,
                    code: code.parse().expect("valid code"),
                    name_hi: code.to_owned(),
                    name_en: code.to_owned(),
                    parent: parent.map(|parent| parent.parse().expect("valid code")),
                    lgd_code: None,
                })
                .expect("unit");
        }
        for (badge, role, unit, beats) in [
            ("CG-500", Role::DistrictAdmin, "BSP", vec![]),
            ("CG-100", Role::StationIncharge, "BSP-PS-SIPAT", vec![]),
            (
                "CG-101",
                Role::Constable,
                "BSP-PS-SIPAT",
                vec!["BSP-PS-SIPAT-B01".parse().expect("beat")],
            ),
        ] {
            store
                .save_user(
                    &User {
                        badge: badge.parse().expect("badge"),
                        name: format!("Officer {badge}"),
                        role,
                        unit: unit.parse().expect("unit"),
                        beats,
                    },
                    NOW,
                )
                .expect("user");
        }
        let state = AppState::new(District::new(store, DistrictConfig::default()))
            .with_clock(std::sync::Arc::new(|| NOW));
        let router = app(state.clone());
        Fixture {
            _dir: dir,
            state,
            router,
        }
    }

    async fn send(&self, request: Request<Body>) -> (StatusCode, Vec<u8>) {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router answers");
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body reads")
            .to_bytes()
            .to_vec();
        (status, body)
    }

    async fn credential(&self, badge: &str, actor: u8) -> String {
        let code = {
            let mut district = self.state.lock_district();
            issue_code(
                district.store_mut(),
                &badge.parse().expect("badge"),
                "test",
                3_600_000,
                NOW,
            )
            .expect("code")
            .code
        };
        let body = json!({ "code": code, "actor": hex::encode([actor; 16]) }).to_string();
        let (status, body) = self
            .send(
                Request::post("/v1/devices/register")
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from(body))
                    .expect("request"),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
        let registered: RegisteredDevice = serde_json::from_slice(&body).expect("reply");
        registered.credential
    }

    async fn put(
        &self,
        path: &str,
        credential: &str,
        body: serde_json::Value,
    ) -> (StatusCode, Vec<u8>) {
        self.send(
            Request::put(path)
                .header(header::AUTHORIZATION, format!("Bearer {credential}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .expect("request"),
        )
        .await
    }

    async fn terms(&self, credential: &str) -> (StatusCode, Vec<u8>) {
        self.send(
            Request::get("/v1/notices")
                .header(header::AUTHORIZATION, format!("Bearer {credential}"))
                .body(Body::empty())
                .expect("request"),
        )
        .await
    }
}

fn error_of(body: &[u8]) -> ErrorBody {
    serde_json::from_slice(body).unwrap_or_else(|error| {
        panic!("an error body ({error}): {}", String::from_utf8_lossy(body))
    })
}

fn notice(version: u32, language: &str, text: &str) -> serde_json::Value {
    json!({ "version": version, "language": language, "text": text })
}

#[tokio::test]
async fn the_admin_publishes_notices_and_a_constables_device_fetches_the_current_ones() {
    let fixture = Fixture::new();
    let admin = fixture.credential("CG-500", 1).await;
    let constable = fixture.credential("CG-101", 2).await;

    let (status, body) = fixture.terms(&constable).await;
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
        let (status, body) = fixture
            .put("/v1/admin/notices", &admin, notice(version, language, text))
            .await;
        assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
        let published: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
        assert_eq!(published["published_by"], "CG-500");
        assert_eq!(published["published_at_ms"], NOW);
    }
    let (status, body) = fixture
        .put("/v1/admin/policy", &admin, json!({ "adults_only": true }))
        .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));

    let (status, body) = fixture.terms(&constable).await;
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
    let fixture = Fixture::new();
    let incharge = fixture.credential("CG-100", 1).await;
    let constable = fixture.credential("CG-101", 2).await;
    for credential in [&incharge, &constable] {
        let (status, body) = fixture
            .put("/v1/admin/notices", credential, notice(1, "hi", "सूचना"))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(error_of(&body).error.code, "forbidden");
        let (status, _) = fixture
            .put(
                "/v1/admin/policy",
                credential,
                json!({ "adults_only": true }),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    let (status, _) = fixture
        .put(
            "/v1/admin/notices",
            "not-a-credential",
            notice(1, "hi", "सूचना"),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = fixture.terms("not-a-credential").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (_, body) = fixture.terms(&constable).await;
    let terms: ConsentTermsView = serde_json::from_slice(&body).expect("terms");
    assert!(terms.notices.is_empty());
    assert!(!terms.adults_only);
}

#[tokio::test]
async fn a_bad_language_version_or_text_is_refused_naming_the_field() {
    let fixture = Fixture::new();
    let admin = fixture.credential("CG-500", 1).await;
    let (status, _) = fixture
        .put("/v1/admin/notices", &admin, notice(3, "hi", "सूचना 3"))
        .await;
    assert_eq!(status, StatusCode::OK);
    for (body, field) in [
        (notice(1, "Hindi", "text"), "language"),
        (notice(1, "", "text"), "language"),
        (notice(0, "en", "text"), "version"),
        (notice(3, "hi", "again"), "version"),
        (notice(2, "hi", "older"), "version"),
        (notice(1, "en", "   "), "text"),
    ] {
        let (status, reply) = fixture.put("/v1/admin/notices", &admin, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        let error = error_of(&reply).error;
        assert_eq!(error.code, "invalid", "{body}");
        assert_eq!(error.field.as_deref(), Some(field), "{body}");
    }
    let (status, reply) = fixture
        .put(
            "/v1/admin/notices",
            &admin,
            json!({ "version": -1, "language": "hi" }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_of(&reply).error.code, "malformed_body");
}
