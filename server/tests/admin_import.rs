//! `POST /v1/admin/hierarchy` and `POST /v1/admin/users` through the router, on a real SQLite
//! file: a good file is stored and shows up in reports; a file with bad rows is refused naming
//! each one's line, field and a stable code, and nothing of it is stored; only the district
//! admin may import.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use mitan_core::model::{Unit, UnitKind};
use mitan_server::auth::Role;
use mitan_server::district::{District, DistrictConfig};
use mitan_server::registration::{RegisteredDevice, issue_code};
use mitan_server::store::{ServerStore, User};
use mitan_server::{AppState, ErrorBody, app};
use tower::ServiceExt;

const NOW: i64 = 1_763_900_000_000;

struct Fixture {
    _dir: tempfile::TempDir,
    state: AppState,
    router: Router,
}

fn unit(kind: UnitKind, code: &str, parent: Option<&str>) -> Unit {
    Unit {
        kind,
        code: code.parse().expect("valid code"),
        name_hi: format!("{code} हिंदी"),
        name_en: code.to_owned(),
        parent: parent.map(|parent| parent.parse().expect("valid code")),
        lgd_code: None,
    }
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
        ] {
            store.save_unit(&unit(kind, code, parent)).expect("unit");
        }
        for (badge, role, unit) in [
            ("CG-500", Role::DistrictAdmin, "BSP"),
            ("CG-100", Role::StationIncharge, "BSP-PS-SIPAT"),
            ("CG-900", Role::Auditor, "BSP"),
        ] {
            store
                .save_user(
                    &User {
                        badge: badge.parse().expect("badge"),
                        name: format!("Officer {badge}"),
                        role,
                        unit: unit.parse().expect("unit"),
                        beats: Vec::new(),
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

    /// Registers a phone for `badge` and returns its credential.
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
        let body =
            serde_json::json!({ "code": code, "actor": hex::encode([actor; 16]) }).to_string();
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

    async fn import(&self, path: &str, credential: &str, csv: &str) -> (StatusCode, Vec<u8>) {
        self.send(
            Request::post(path)
                .header(header::AUTHORIZATION, format!("Bearer {credential}"))
                .header(header::CONTENT_TYPE, "text/csv")
                .body(Body::from(csv.to_owned()))
                .expect("request"),
        )
        .await
    }

    async fn get_json(&self, path: &str, credential: &str) -> serde_json::Value {
        let (status, body) = self
            .send(
                Request::get(path)
                    .header(header::AUTHORIZATION, format!("Bearer {credential}"))
                    .body(Body::empty())
                    .expect("request"),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
        serde_json::from_slice(&body).expect("JSON")
    }

    /// Every unit code in the database.
    fn unit_codes(&self) -> Vec<String> {
        let mut codes: Vec<String> = self
            .state
            .lock_district()
            .store()
            .load_units()
            .expect("units")
            .into_iter()
            .map(|row| row.code)
            .collect();
        codes.sort();
        codes
    }

    fn households(&self) -> Vec<(String, u64)> {
        self.state
            .lock_district()
            .store()
            .village_households()
            .expect("households")
    }
}

const GOOD: &str = "kind,code,parent,name_hi,name_en,lgd_code,households
station,BSP-PS-KONI,BSP-C1,कोनी,Koni,,
beat,BSP-PS-KONI-B01,BSP-PS-KONI,बीट 1,Beat 1,,
beat,BSP-PS-KONI-B02,BSP-PS-KONI,बीट 2,Beat 2,,
village,BSP-V-KONI,BSP-PS-KONI-B01,कोनी,Koni,434521,812
";

fn error_of(body: &[u8]) -> ErrorBody {
    serde_json::from_slice(body).unwrap_or_else(|error| {
        panic!("an error body ({error}): {}", String::from_utf8_lossy(body))
    })
}

#[tokio::test]
async fn a_good_hierarchy_file_is_stored_and_reported() {
    let fixture = Fixture::new();
    let admin = fixture.credential("CG-500", 1).await;
    let (status, body) = fixture.import("/v1/admin/hierarchy", &admin, GOOD).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let summary: serde_json::Value = serde_json::from_slice(&body).expect("summary");
    assert_eq!(summary["units"], 4);
    assert_eq!(summary["villages"], 1);

    let codes = fixture.unit_codes();
    for code in [
        "BSP-PS-KONI",
        "BSP-PS-KONI-B01",
        "BSP-PS-KONI-B02",
        "BSP-V-KONI",
    ] {
        assert!(codes.contains(&code.to_owned()), "{code} stored: {codes:?}");
    }
    assert_eq!(fixture.households(), vec![("434521".to_owned(), 812)]);

    // The new station shows in the admin's progress report with the default target, under
    // its circle, with Hindi names kept.
    let progress = fixture.get_json("/v1/reports/progress", &admin).await;
    let koni = progress["units"]
        .as_array()
        .expect("units")
        .iter()
        .find(|unit| unit["code"] == "BSP-PS-KONI")
        .cloned()
        .expect("the imported station is reported");
    assert_eq!(koni["kind"], "station");
    assert_eq!(koni["parent"], "BSP-C1");
    assert_eq!(koni["name_hi"], "कोनी");
    assert_eq!(koni["target"], 200);
    // And the village, with its household count, in the coverage report.
    let coverage = fixture.get_json("/v1/reports/coverage", &admin).await;
    let village = coverage["villages"]
        .as_array()
        .expect("villages")
        .iter()
        .find(|village| village["lgd_code"] == "434521")
        .cloned()
        .expect("the imported village is covered");
    assert_eq!(village["households"], 812);
    assert_eq!(village["name_en"], "Koni");

    // Importing the same file again replaces, it does not duplicate.
    let (status, _) = fixture.import("/v1/admin/hierarchy", &admin, GOOD).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fixture.unit_codes(), codes);
}

#[tokio::test]
async fn a_file_with_one_bad_row_is_refused_naming_line_field_and_code_and_nothing_is_stored() {
    let fixture = Fixture::new();
    let admin = fixture.credential("CG-500", 1).await;
    let before = fixture.unit_codes();
    let header = "kind,code,parent,name_hi,name_en,lgd_code,households\n";
    let good_rows = "station,BSP-PS-KONI,BSP-C1,कोनी,Koni,,\n\
                     beat,BSP-PS-KONI-B01,BSP-PS-KONI,बीट 1,Beat 1,,\n";
    // The bad row is line 4 of each file, after two good rows (which must not be kept).
    for (bad_row, field, code) in [
        (
            "village,BSP-V-KONI,BSP-PS-KONI-B01,कोनी,Koni,43452,812\n",
            "lgd_code",
            "bad_lgd_code",
        ),
        (
            "village,BSP-V-KONI,BSP-PS-KONI-B01,कोनी,Koni,ABCDEF,812\n",
            "lgd_code",
            "bad_lgd_code",
        ),
        (
            "beat,BSP-PS-KONI-B02,BSP-PS-NOWHERE,बीट 2,Beat 2,,\n",
            "parent",
            "unknown_parent",
        ),
        (
            "thana,BSP-PS-KONI-B02,BSP-PS-KONI,बीट 2,Beat 2,,\n",
            "kind",
            "unknown_kind",
        ),
        (
            "village,BSP-V-KONI,BSP-PS-KONI,कोनी,Koni,434521,\n",
            "parent",
            "wrong_parent_kind",
        ),
        (
            "beat,BSP-PS-KONI-B01,BSP-PS-KONI,बीट 1,Beat 1,,\n",
            "code",
            "duplicate_code",
        ),
    ] {
        let file = format!("{header}{good_rows}{bad_row}");
        let (status, body) = fixture.import("/v1/admin/hierarchy", &admin, &file).await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "{bad_row}: {}",
            String::from_utf8_lossy(&body)
        );
        let error = error_of(&body).error;
        assert_eq!(error.code, code, "{bad_row}: {}", error.message);
        assert_eq!(error.field.as_deref(), Some(field), "{bad_row}");
        assert_eq!(error.line, Some(4), "{bad_row}");
        assert_eq!(
            fixture.unit_codes(),
            before,
            "nothing of {bad_row:?} stored"
        );
        assert!(fixture.households().is_empty());
    }

    // A missing column is named too, as line 1.
    let (status, body) = fixture
        .import(
            "/v1/admin/hierarchy",
            &admin,
            "kind,code,name_hi,name_en\nstation,BSP-PS-KONI,कोनी,Koni\n",
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let error = error_of(&body).error;
    assert_eq!(
        (error.code.as_str(), error.field.as_deref(), error.line),
        ("missing_column", Some("parent"), Some(1))
    );
    assert_eq!(fixture.unit_codes(), before);
}

#[tokio::test]
async fn a_file_with_several_bad_rows_lists_every_problem_and_stores_nothing() {
    let fixture = Fixture::new();
    let admin = fixture.credential("CG-500", 1).await;
    let units_before = fixture.unit_codes().len();
    let households_before = fixture.households().len();
    // Three rows bad in three ways (a column on its own, a parent neither stored nor above,
    // an unknown kind) among good ones, which are not kept either.
    let file = "kind,code,parent,name_hi,name_en,lgd_code,households
station,BSP-PS-KONI,BSP-C1,कोनी,Koni,,
beat,BSP-PS-KONI-B01,BSP-PS-KONI,बीट 1,Beat 1,,
village,BSP-V-KONI,BSP-PS-KONI-B01,कोनी,Koni,43452,812
beat,BSP-PS-KONI-B02,BSP-PS-KONI,बीट 2,Beat 2,,
beat,BSP-PS-KONI-B03,BSP-PS-NOWHERE,बीट 3,Beat 3,,
village,BSP-V-LATA,BSP-PS-KONI-B02,लता,Lata,434522,300
thana,BSP-PS-KONI-B04,BSP-PS-KONI,बीट 4,Beat 4,,
";
    let (status, body) = fixture.import("/v1/admin/hierarchy", &admin, file).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "{}",
        String::from_utf8_lossy(&body)
    );
    let error = error_of(&body).error;
    // The fields of a single bad row still describe the first one, for older clients.
    assert_eq!(
        (error.code.as_str(), error.field.as_deref(), error.line),
        ("bad_lgd_code", Some("lgd_code"), Some(4))
    );
    assert!(
        error
            .message
            .starts_with("line 4: lgd_code: bad_lgd_code: "),
        "{}",
        error.message
    );
    assert!(
        error.message.ends_with("(and 2 more problem(s))"),
        "{}",
        error.message
    );
    let listed: Vec<(u64, &str, &str)> = error
        .problems
        .iter()
        .map(|problem| (problem.line, problem.field.as_str(), problem.code.as_str()))
        .collect();
    assert_eq!(
        listed,
        [
            (4, "lgd_code", "bad_lgd_code"),
            (6, "parent", "unknown_parent"),
            (8, "kind", "unknown_kind"),
        ]
    );
    // Each reason, read beside its field, says what to fix.
    assert!(
        error.problems[0].reason.contains("\"43452\""),
        "{:?}",
        error.problems
    );
    assert!(
        error.problems[1].reason.contains("BSP-PS-NOWHERE"),
        "{:?}",
        error.problems
    );
    assert!(
        error.problems[2].reason.contains("\"thana\""),
        "{:?}",
        error.problems
    );
    assert_eq!(error.more, Some(0));
    assert_eq!(fixture.unit_codes().len(), units_before, "no unit stored");
    assert_eq!(
        fixture.households().len(),
        households_before,
        "no household stored"
    );

    // A file wrong throughout lists the first 200 problems and counts the rest.
    let mut wrong = String::from("kind,code,parent,name_hi,name_en\n");
    for index in 0..250 {
        wrong.push_str(&format!("thana,BSP-PS-X{index},BSP-C1,थाना,Thana\n"));
    }
    let (status, body) = fixture.import("/v1/admin/hierarchy", &admin, &wrong).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let error = error_of(&body).error;
    assert_eq!(error.problems.len(), 200);
    assert_eq!(error.problems[199].line, 201);
    assert_eq!(error.more, Some(50));
    assert_eq!(fixture.unit_codes().len(), units_before);
}

#[tokio::test]
async fn a_users_file_with_a_bad_row_stores_no_user() {
    let fixture = Fixture::new();
    let admin = fixture.credential("CG-500", 1).await;
    let (status, body) = fixture.import("/v1/admin/hierarchy", &admin, GOOD).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let file = "badge,name,role,unit,beats
CG-1042,Ramesh Sahu,constable,BSP-PS-KONI,BSP-PS-KONI-B01;BSP-PS-KONI-B02
CG-1043,Sunita Verma,sub_inspector,BSP-PS-KONI,
";
    let (status, body) = fixture.import("/v1/admin/users", &admin, file).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let error = error_of(&body).error;
    assert_eq!(
        (error.code.as_str(), error.field.as_deref(), error.line),
        ("unknown_role", Some("role"), Some(3))
    );
    let stored = fixture
        .state
        .lock_district()
        .store()
        .load_user(&"CG-1042".parse().expect("badge"))
        .expect("reads");
    assert!(
        stored.is_none(),
        "the good row before the bad one is not kept"
    );

    // Fixed, the file is stored and the constable appears in the progress report.
    let fixed = file.replace("sub_inspector", "constable");
    let (status, body) = fixture.import("/v1/admin/users", &admin, &fixed).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let summary: serde_json::Value = serde_json::from_slice(&body).expect("summary");
    assert_eq!(summary["users"], 2);
    let progress = fixture.get_json("/v1/reports/progress", &admin).await;
    let beat = progress["units"]
        .as_array()
        .expect("units")
        .iter()
        .find(|unit| unit["code"] == "BSP-PS-KONI-B01")
        .cloned()
        .expect("beat reported");
    // One constable works the beat now: the default 25.
    assert_eq!(beat["target"], 25);
}

#[tokio::test]
async fn only_the_district_admin_imports() {
    let fixture = Fixture::new();
    let before = fixture.unit_codes();
    for (badge, actor) in [("CG-100", 2), ("CG-900", 3)] {
        let credential = fixture.credential(badge, actor).await;
        for path in ["/v1/admin/hierarchy", "/v1/admin/users"] {
            let (status, body) = fixture.import(path, &credential, GOOD).await;
            assert_eq!(
                status,
                StatusCode::FORBIDDEN,
                "{badge} on {path}: {}",
                String::from_utf8_lossy(&body)
            );
            assert_eq!(error_of(&body).error.code, "forbidden");
        }
    }
    let (status, _) = fixture
        .import("/v1/admin/hierarchy", "not-a-credential", GOOD)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(fixture.unit_codes(), before);
}
