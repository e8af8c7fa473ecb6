//! Levels above the district (issue 24): a state of two ranges, one of them under a zone, two
//! districts; the DGP's monitoring cell, a range IG and a state administrator reaching what
//! their roles allow through the API and the station console, and nothing more.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use mitan_core::demo::Generator;
use mitan_core::model::UnitKind;
use mitan_core::store::StoreKey;
use mitan_server::auth::Role;
use mitan_server::console::session::hash_password;
use mitan_server::ops::{Permission, Policy};
use serde_json::{Value, json};

use common::{
    Api, NOW, enrol_people, error_code, get, post, put_json, register_phone, sync_phone, unit, user,
};

const STATIONS: &[common::Station<'_>] = &[
    ("BSP-PS-KONI", &["BSP-PS-KONI-B01"]),
    ("BSP-PS-SIRGITTI", &["BSP-PS-SIRGITTI-B01"]),
];

const PASSWORD: &str = "मुख्यालय-निगरानी-2026";

/// Chhattisgarh with Bilaspur's range straight under the state and Durg's under a northern
/// zone; three volunteers enrolled in Bilaspur (Koni) and two in Durg.
async fn state() -> (Api, tempfile::TempDir) {
    let api = Api::new(
        STATIONS,
        &[
            user(
                "CG-001",
                Role::Constable,
                "BSP-PS-KONI",
                &["BSP-PS-KONI-B01"],
            ),
            user("CG-0001", Role::DistrictAdmin, "BSP", &[]),
        ],
    );
    {
        let mut district = api.state.lock_district();
        let store = district.store_mut();
        for unit in [
            unit(UnitKind::Zone, "CG-N", Some("CG")),
            unit(UnitKind::Range, "CG-DRG", Some("CG-N")),
            unit(UnitKind::District, "DRG", Some("CG-DRG")),
            unit(UnitKind::Circle, "DRG-C1", Some("DRG")),
            unit(UnitKind::Station, "DRG-PS-A", Some("DRG-C1")),
            unit(UnitKind::Beat, "DRG-PS-A-B01", Some("DRG-PS-A")),
        ] {
            store.save_unit(&unit).expect("unit saved");
        }
        for user in [
            user("CG-501", Role::Constable, "DRG-PS-A", &["DRG-PS-A-B01"]),
            user("CG-0500", Role::DistrictAdmin, "DRG", &[]),
            user("CG-0101", Role::RangeIg, "CG-BSP", &[]),
            user("CG-0010", Role::StateMonitor, "CG", &[]),
            user("CG-0011", Role::StateAdmin, "CG", &[]),
        ] {
            store.save_user(&user, NOW).expect("user saved");
        }
    }
    let dir = tempfile::tempdir().expect("temp dir");
    {
        let mut district = api.state.lock_district();
        for (badge, station, actor, count, seed) in [
            ("CG-001", "BSP-PS-KONI", 7u8, 3, 5u64),
            ("CG-501", "DRG-PS-A", 8u8, 2, 6u64),
        ] {
            let (mut phone, caller) = register_phone(
                &mut district,
                &dir.path().join(format!("{badge}.db")),
                &StoreKey::from_bytes([actor; 32]),
                badge,
                [actor; 16],
                station,
            );
            enrol_people(&mut phone, &mut Generator::new(seed), count, |_| {
                "430001".into()
            });
            sync_phone(&mut phone, &mut district, &caller, NOW);
        }
    }
    (api, dir)
}

/// (code, enrolled, target) of each unit of a progress report, in its order.
fn rows(report: &Value) -> Vec<(String, u64, u64)> {
    report["units"]
        .as_array()
        .expect("units")
        .iter()
        .map(|unit| {
            (
                unit["code"].as_str().expect("code").to_owned(),
                unit["enrolled"].as_u64().expect("enrolled"),
                unit["target"].as_u64().expect("target"),
            )
        })
        .collect()
}

fn codes(report: &Value) -> Vec<String> {
    rows(report).into_iter().map(|(code, _, _)| code).collect()
}

#[tokio::test]
async fn the_monitoring_cell_sees_the_state_rolled_up_by_zone_range_and_district() {
    let (api, _dir) = state().await;
    let cell = api.credential("CG-0010", 20).await;

    let report = api.get_json("/v1/reports/progress", &cell).await;
    assert_eq!(
        rows(&report),
        vec![
            ("CG".into(), 5, 600),
            ("CG-BSP".into(), 3, 400),
            ("BSP".into(), 3, 400),
            ("CG-N".into(), 2, 200),
            ("CG-DRG".into(), 2, 200),
            ("DRG".into(), 2, 200),
        ],
        "down to the districts, each counting everything under it"
    );
    assert_eq!(
        report["employees"],
        json!([]),
        "no constable lines at state level"
    );

    // Further down when asked, and any unit of the state opened on its own.
    let stations = api
        .get_json("/v1/reports/progress?down_to=station", &cell)
        .await;
    assert!(codes(&stations).contains(&"DRG-PS-A".to_owned()));
    assert!(!codes(&stations).contains(&"DRG-PS-A-B01".to_owned()));
    let durg = api.get_json("/v1/reports/progress?unit=DRG", &cell).await;
    assert_eq!(
        codes(&durg),
        vec!["DRG", "DRG-C1", "DRG-PS-A", "DRG-PS-A-B01"],
        "a district opens down to its beats"
    );
    assert!(
        durg["employees"]
            .as_array()
            .expect("employees")
            .iter()
            .any(|employee| employee["badge"] == json!("CG-501")),
        "Durg's constable is listed once the rows reach the stations"
    );

    // Coverage and programme counts rolled up the same way.
    let coverage = api.get_json("/v1/reports/coverage", &cell).await;
    let volunteers: Vec<(String, u64)> = coverage["units"]
        .as_array()
        .expect("units")
        .iter()
        .map(|unit| {
            (
                unit["code"].as_str().expect("code").to_owned(),
                unit["volunteers"].as_u64().expect("volunteers"),
            )
        })
        .collect();
    assert_eq!(
        volunteers,
        vec![
            ("CG".into(), 5),
            ("CG-BSP".into(), 3),
            ("BSP".into(), 3),
            ("CG-N".into(), 2),
            ("CG-DRG".into(), 2),
            ("DRG".into(), 2)
        ]
    );
    assert_eq!(coverage["units"][0]["villages_reached"], json!(1));
    assert_eq!(
        coverage["villages"],
        json!([]),
        "villages roll up at state level"
    );
    let programmes = api.get_json("/v1/reports/programmes", &cell).await;
    let total: u64 = programmes["programmes"]
        .as_array()
        .expect("programmes")
        .iter()
        .map(|count| count["volunteers"].as_u64().expect("count"))
        .sum();
    let state_row: u64 = programmes["units"][0]["programmes"]
        .as_array()
        .expect("the state's programmes")
        .iter()
        .map(|count| count["volunteers"].as_u64().expect("count"))
        .sum();
    assert_eq!(programmes["units"][0]["code"], json!("CG"));
    assert_eq!(state_row, total, "the state's row is the total");
    assert!(total >= 5, "every volunteer is in a programme");
}

#[tokio::test]
async fn a_range_ig_sees_their_range_and_is_refused_the_other() {
    let (api, _dir) = state().await;
    let ig = api.credential("CG-0101", 21).await;
    let report = api.get_json("/v1/reports/progress", &ig).await;
    assert_eq!(
        rows(&report),
        vec![("CG-BSP".into(), 3, 400), ("BSP".into(), 3, 400)]
    );
    for path in [
        "/v1/reports/progress?unit=DRG",
        "/v1/reports/coverage?unit=CG-DRG",
        "/v1/reports/programmes?unit=CG",
    ] {
        let (status, body) = api.send(get(path, &ig)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(error_code(&body), "forbidden", "{path}");
    }
    let (status, _) = api
        .send(get("/v1/reports/progress?unit=NOWHERE", &ig))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = api
        .send(get("/v1/reports/progress?down_to=thana", &ig))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&body), "bad_format");
}

/// Every write the API documents, as a plausible request: the read-only roles must be refused
/// each one by the policy, not by the request's shape.
fn writes(volunteer: &str, device: &str) -> Vec<(String, &'static str, String, &'static str)> {
    let json_type = "application/json";
    vec![
        (
            "/v1/admin/campaigns".into(),
            "PUT",
            json!({"code": "cm-x", "name": "X", "starts_on": "2026-01-01", "ends_on": "2026-01-31"})
                .to_string(),
            json_type,
        ),
        (
            "/v1/admin/targets".into(),
            "PUT",
            json!({"campaign": "cm-x", "unit": "BSP", "volunteers": 10}).to_string(),
            json_type,
        ),
        (
            "/v1/admin/notices".into(),
            "PUT",
            json!({"version": 9, "language": "hi", "text": "सूचना"}).to_string(),
            json_type,
        ),
        (
            "/v1/admin/policy".into(),
            "PUT",
            json!({"adults_only": true}).to_string(),
            json_type,
        ),
        (
            "/v1/admin/programmes".into(),
            "PUT",
            json!({"code": "beat_mitra", "name_hi": "बीट मित्र", "name_en": "Beat Mitra"}).to_string(),
            json_type,
        ),
        (
            "/v1/admin/groups".into(),
            "PUT",
            json!({"unit": "CG", "code": "state-group", "name_hi": "राज्य", "name_en": "State",
                   "rules": ["staff ranks=sp reach=below"]})
            .to_string(),
            json_type,
        ),
        (
            "/v1/admin/hierarchy".into(),
            "POST",
            "kind,code,parent,name_hi,name_en\nstation,BSP-PS-NEW,BSP-C1,नया,New\n".into(),
            "text/csv",
        ),
        (
            "/v1/admin/users".into(),
            "POST",
            "badge,name,role,unit\nCG-7777,New,station_incharge,BSP-PS-KONI\n".into(),
            "text/csv",
        ),
        (
            format!("/v1/volunteers/{volunteer}/verify"),
            "POST",
            "{}".into(),
            json_type,
        ),
        (
            format!("/v1/volunteers/{volunteer}/reject"),
            "POST",
            json!({"reason": "wrong village"}).to_string(),
            json_type,
        ),
        (
            format!("/v1/volunteers/{volunteer}/duplicate"),
            "POST",
            json!({"duplicate_of": volunteer}).to_string(),
            json_type,
        ),
        (
            format!("/v1/volunteers/{volunteer}/move"),
            "POST",
            json!({"to_beat": "BSP-PS-SIRGITTI-B01"}).to_string(),
            json_type,
        ),
        (
            format!("/v1/volunteers/{volunteer}/withdraw"),
            "POST",
            json!({"note": "by phone"}).to_string(),
            json_type,
        ),
        (
            "/v1/registration-codes".into(),
            "POST",
            json!({"badge": "CG-001"}).to_string(),
            json_type,
        ),
        (
            format!("/v1/devices/{device}/revoke"),
            "POST",
            "{}".into(),
            json_type,
        ),
    ]
}

#[tokio::test]
async fn the_read_only_roles_are_refused_every_write_and_every_export() {
    let (api, _dir) = state().await;
    let volunteer = api
        .state
        .lock_district()
        .store()
        .volunteer_statuses()
        .expect("rows")
        .into_iter()
        .map(|(id, _)| id)
        .next()
        .expect("a volunteer");
    let device = api.register("CG-001", [30; 16]).await.device_id;
    let listed = writes(&volunteer, &device);

    // Every POST and PUT the API documents is in the list, but those a caller makes for
    // itself alone: registering a phone, syncing it (changes of a read-only role's phone are
    // refused change by change), and replacing its own registration.
    let document = api.get_json("/openapi.json", "").await;
    let templated = |path: &str| {
        path.replace(&volunteer, "{volunteer}")
            .replace(&device, "{id}")
    };
    for (path, item) in document["paths"].as_object().expect("paths") {
        for method in ["post", "put"] {
            if item.get(method).is_none()
                || ["/v1/devices/register", "/v1/sync", "/v1/devices/replace"]
                    .contains(&path.as_str())
            {
                continue;
            }
            assert!(
                listed
                    .iter()
                    .any(|(listed, verb, _, _)| templated(listed) == *path
                        && verb.eq_ignore_ascii_case(method)),
                "{method} {path} is a write this test does not try"
            );
        }
    }

    for badge in ["CG-0010", "CG-0101"] {
        let credential = api
            .credential(badge, if badge == "CG-0010" { 40 } else { 41 })
            .await;
        for (path, method, body, content_type) in &listed {
            let request = Request::builder()
                .method(*method)
                .uri(path.as_str())
                .header(header::AUTHORIZATION, format!("Bearer {credential}"))
                .header(header::CONTENT_TYPE, *content_type)
                .body(Body::from(body.clone()))
                .expect("request builds");
            let (status, answer) = api.send(request).await;
            assert_eq!(
                status,
                StatusCode::FORBIDDEN,
                "{badge} {method} {path}: {}",
                String::from_utf8_lossy(&answer)
            );
        }
        let (status, _) = api
            .send(get("/v1/exports?kind=roster&unit=BSP", &credential))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{badge} takes no export");
    }
    // Nothing changed: the volunteer is still pending and the campaign was never made.
    let store_statuses = api
        .state
        .lock_district()
        .store()
        .volunteer_statuses()
        .expect("rows");
    assert!(store_statuses.iter().all(|(_, status)| status == "pending"));
    let admin = api.credential("CG-0011", 42).await;
    let campaigns = api.get_json("/v1/admin/campaigns", &admin).await;
    assert_eq!(campaigns["campaigns"], json!([]));
}

#[tokio::test]
async fn the_state_admin_places_state_and_range_staff_and_a_district_admin_cannot() {
    let (api, _dir) = state().await;
    let admin = api.credential("CG-0011", 22).await;
    let file = "badge,name,role,unit\n\
                CG-0102,Durg IG,range_ig,CG-DRG\n\
                CG-0012,Second cell,state_monitor,CG\n\
                CG-0501,Durg SP office,district_admin,DRG\n";
    let (status, body) = api
        .send(post("/v1/admin/users", &admin, "text/csv", file))
        .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let placed = api.get_json("/v1/directory/users", &admin).await;
    let text = placed.to_string();
    for badge in ["CG-0102", "CG-0012", "CG-0501"] {
        assert!(text.contains(badge), "{badge} in {text}");
    }

    // The Durg IG signs in and sees Durg's range, not Bilaspur's.
    let durg_ig = api.credential("CG-0102", 23).await;
    let report = api.get_json("/v1/reports/progress", &durg_ig).await;
    assert_eq!(codes(&report), vec!["CG-DRG", "DRG"]);

    // A district admin places no one above or beside their district.
    let sp = api.credential("CG-0001", 24).await;
    for (file, line) in [
        ("badge,name,role,unit\nCG-0013,Me,state_admin,CG\n", "CG"),
        (
            "badge,name,role,unit\nCG-0014,Other,station_incharge,DRG-PS-A\n",
            "DRG",
        ),
        (
            "badge,name,role,unit\nCG-0500,Moved,district_admin,BSP\n",
            "moved",
        ),
    ] {
        let (status, body) = api
            .send(post("/v1/admin/users", &sp, "text/csv", file))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{line}");
        let text = String::from_utf8_lossy(&body);
        assert!(text.contains("outside_your_units"), "{line}: {text}");
    }
    // Nor a unit outside it.
    let (status, body) = api
        .send(post(
            "/v1/admin/hierarchy",
            &sp,
            "text/csv",
            "kind,code,parent,name_hi,name_en\nstation,DRG-PS-B,DRG-C1,ख,B\n",
        ))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(String::from_utf8_lossy(&body).contains("outside_your_units"));
    // The state admin adds a zone and a range under it.
    let (status, body) = api
        .send(post(
            "/v1/admin/hierarchy",
            &admin,
            "text/csv",
            "kind,code,parent,name_hi,name_en\nzone,CG-S,CG,दक्षिण ज़ोन,South zone\n\
             range,CG-BST,CG-S,बस्तर रेंज,Bastar range\n",
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
}

#[tokio::test]
async fn a_state_campaign_sets_each_districts_target_and_each_district_splits_its_own() {
    let (api, _dir) = state().await;
    let admin = api.credential("CG-0011", 25).await;
    let campaign = json!({"code": "cm-state-2026", "name": "राज्य साइबर मितान",
                          "starts_on": "2025-11-01", "ends_on": "2026-03-31"});
    let saved = api
        .send(put_json("/v1/admin/campaigns", &admin, &campaign))
        .await;
    assert_eq!(
        saved.0,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&saved.1)
    );
    let saved: Value = serde_json::from_slice(&saved.1).expect("JSON");
    assert_eq!(
        saved["unit"],
        json!("CG"),
        "a state admin's campaign is the state's"
    );
    for (unit, volunteers) in [("BSP", 1_000), ("DRG", 500)] {
        let target = json!({"campaign": "cm-state-2026", "unit": unit, "volunteers": volunteers});
        let (status, body) = api
            .send(put_json("/v1/admin/targets", &admin, &target))
            .await;
        assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    }

    // Bilaspur's SP sees the state's campaign, splits the district's target among its
    // stations, and cannot change the district's own target or Durg's.
    let sp = api.credential("CG-0001", 26).await;
    let seen = api.get_json("/v1/admin/campaigns", &sp).await;
    assert_eq!(seen["campaigns"][0]["code"], json!("cm-state-2026"));
    assert_eq!(
        seen["campaigns"][0]["targets"],
        json!([{"campaign": "cm-state-2026", "unit": "BSP", "badge": null, "volunteers": 1000}]),
        "Durg's target is not Bilaspur's to see"
    );
    let koni = json!({"campaign": "cm-state-2026", "unit": "BSP-PS-KONI", "volunteers": 600});
    let (status, _) = api.send(put_json("/v1/admin/targets", &sp, &koni)).await;
    assert_eq!(status, StatusCode::OK);
    for unit in ["BSP", "DRG"] {
        let target = json!({"campaign": "cm-state-2026", "unit": unit, "volunteers": 5});
        let (status, _) = api.send(put_json("/v1/admin/targets", &sp, &target)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{unit}");
    }
    // Nor replace the state's campaign.
    let (status, _) = api
        .send(put_json("/v1/admin/campaigns", &sp, &campaign))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Each district keeps its own campaigns: Bilaspur's is not Durg's to see or count by.
    let own = json!({"code": "bsp-drive", "name": "Bilaspur drive",
                     "starts_on": "2025-11-01", "ends_on": "2025-12-31"});
    let (status, body) = api.send(put_json("/v1/admin/campaigns", &sp, &own)).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let durg_sp = api.credential("CG-0500", 27).await;
    let durg_sees = api.get_json("/v1/admin/campaigns", &durg_sp).await;
    let durg_codes: Vec<&str> = durg_sees["campaigns"]
        .as_array()
        .expect("campaigns")
        .iter()
        .map(|view| view["code"].as_str().expect("code"))
        .collect();
    assert_eq!(durg_codes, vec!["cm-state-2026"]);
    let (status, _) = api
        .send(get("/v1/reports/progress?campaign=bsp-drive", &durg_sp))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The cell counts the state against the campaign's targets.
    let cell = api.credential("CG-0010", 28).await;
    let report = api
        .get_json("/v1/reports/progress?campaign=cm-state-2026", &cell)
        .await;
    let rows = rows(&report);
    assert!(rows.contains(&("BSP".into(), 3, 1_000)), "{rows:?}");
    assert!(rows.contains(&("DRG".into(), 2, 500)), "{rows:?}");
    assert!(rows.contains(&("CG".into(), 5, 1_500)), "{rows:?}");
}

#[tokio::test]
async fn the_state_group_is_listed_to_the_cell_and_its_members_read_under_the_log() {
    let (api, _dir) = state().await;
    // A group's volunteers are the verified ones: each district's SP verifies their own.
    let ids: Vec<String> = api
        .state
        .lock_district()
        .store()
        .volunteer_statuses()
        .expect("rows")
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let bilaspur = api.credential("CG-0001", 32).await;
    let durg = api.credential("CG-0500", 33).await;
    for id in &ids {
        let path = format!("/v1/volunteers/{id}/verify");
        let (status, _) = api
            .send(post(&path, &bilaspur, "application/json", "{}"))
            .await;
        if status == StatusCode::FORBIDDEN {
            let (status, body) = api.send(post(&path, &durg, "application/json", "{}")).await;
            assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
        } else {
            assert_eq!(status, StatusCode::OK);
        }
    }
    let admin = api.credential("CG-0011", 29).await;
    let group = json!({"unit": "CG", "code": "state-cyber", "name_hi": "राज्य साइबर समूह",
                       "name_en": "State cyber group",
                       "rules": ["volunteers", "staff ranks=sp,ig reach=below"]});
    let (status, body) = api.send(put_json("/v1/admin/groups", &admin, &group)).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let cell = api.credential("CG-0010", 30).await;
    let list = api.get_json("/v1/groups", &cell).await;
    assert_eq!(list["groups"][0]["code"], json!("state-cyber"));
    assert_eq!(list["groups"][0]["volunteers"], json!(5));
    let members = api
        .get_json("/v1/groups/members?unit=CG&code=state-cyber", &cell)
        .await;
    assert_eq!(members["members"].as_array().expect("members").len(), 5);
    let logged: i64 = api
        .database()
        .query_row(
            "SELECT count(*) FROM access_log WHERE badge = 'CG-0010'",
            [],
            |row| row.get(0),
        )
        .expect("the log reads");
    assert_eq!(logged, 1);
    // A range IG does not reach the state's group.
    let ig = api.credential("CG-0101", 31).await;
    let (status, _) = api
        .send(get("/v1/groups/members?unit=CG&code=state-cyber", &ig))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

fn form(path: &str, cookie: Option<&str>, fields: &[(&str, &str)]) -> Request<Body> {
    let body: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    let mut request =
        Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    request.body(Body::from(body)).expect("request builds")
}

fn page(path: &str, cookie: &str) -> Request<Body> {
    Request::get(path)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .expect("request builds")
}

async fn sign_in(api: &Api, badge: &str, lang: &str) -> String {
    let hash = hash_password(PASSWORD).expect("hashes");
    api.state
        .lock_district()
        .store_mut()
        .force_console_password(&badge.parse().expect("valid"), &hash, NOW)
        .expect("stored");
    let (status, headers, _) = api
        .respond(form(
            "/sign-in",
            None,
            &[("badge", badge), ("password", PASSWORD)],
        ))
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let session = headers
        .get(header::SET_COOKIE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .expect("a session cookie")
        .to_owned();
    format!("{session}; mitan_lang={lang}")
}

async fn html(api: &Api, path: &str, cookie: &str) -> (StatusCode, String) {
    let (status, _, body) = api.respond(page(path, cookie)).await;
    (status, String::from_utf8(body).expect("utf-8"))
}

#[tokio::test]
async fn the_cell_follows_the_state_in_the_console_in_hindi_and_english_and_changes_nothing() {
    let (api, _dir) = state().await;
    let cell = sign_in(&api, "CG-0010", "hi").await;
    let (status, progress) = html(&api, "/progress", &cell).await;
    assert_eq!(status, StatusCode::OK, "{progress}");
    assert!(
        progress.contains("पुलिस मुख्यालय निगरानी प्रकोष्ठ"),
        "the role in Hindi"
    );
    for district in ["BSP", "DRG", "CG-N", "CG-DRG"] {
        assert!(progress.contains(district), "{district}");
    }
    assert!(progress.contains("ज़िला"), "kinds named in Hindi");
    assert!(
        progress.contains("href=\"/progress?unit=DRG\""),
        "a district opens"
    );
    assert!(
        !progress.contains("href=\"/admin\""),
        "no administration offered"
    );
    assert!(
        !progress.contains("href=\"/exports\""),
        "no exports offered"
    );

    let (status, durg) = html(&api, "/progress?unit=DRG", &cell).await;
    assert_eq!(status, StatusCode::OK);
    assert!(durg.contains("DRG-PS-A-B01"), "Durg down to its beats");
    assert!(
        durg.contains("href=\"/progress?unit=CG-DRG\""),
        "one level up"
    );
    // The language switch comes back to Durg, not to the state.
    assert!(
        durg.contains("back=%2Fprogress%3Funit%3DDRG\""),
        "the way back keeps the unit"
    );
    let (status, headers, _) = api
        .respond(page(
            "/language?set=en&back=%2Fprogress%3Funit%3DDRG",
            &cell,
        ))
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        headers
            .get(header::LOCATION)
            .and_then(|to| to.to_str().ok()),
        Some("/progress?unit=DRG")
    );

    let english = sign_in(&api, "CG-0010", "en").await;
    let (status, coverage) = html(&api, "/coverage", &english).await;
    assert_eq!(status, StatusCode::OK);
    assert!(coverage.contains("Villages with volunteers"), "{coverage}");
    assert!(
        coverage.contains("PHQ monitoring cell"),
        "the role in English"
    );
    let (status, programmes) = html(&api, "/programmes", &english).await;
    assert_eq!(status, StatusCode::OK, "{programmes}");
    assert!(programmes.contains("By programme"));
    let (status, _) = html(&api, "/groups", &english).await;
    assert_eq!(status, StatusCode::OK);

    // Pages and forms that write are refused, whatever the form carries.
    let (status, _) = html(&api, "/admin", &english).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, review) = html(&api, "/review", &english).await;
    let token_at = review.find("name=\"csrf\" value=\"").expect("a form") + 19;
    let csrf = review[token_at..token_at + 32].to_owned();
    for (path, fields) in [
        (
            "/admin/set/campaign",
            vec![
                ("code", "cm-x"),
                ("name", "X"),
                ("starts_on", "2026-01-01"),
                ("ends_on", "2026-01-31"),
            ],
        ),
        ("/devices/code", vec![("badge", "CG-001")]),
    ] {
        let mut fields = fields;
        fields.push(("csrf", csrf.as_str()));
        let (status, _, _) = api.respond(form(path, Some(&english), &fields)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }

    // A range IG opening another range in the console is refused.
    let ig = sign_in(&api, "CG-0101", "en").await;
    let (status, _) = html(&api, "/progress?unit=DRG", &ig).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// The forms on `html` that post, as (action, the permission the operation behind it asks).
/// Signing out asks none.
fn posting_forms(html: &str) -> Vec<(String, Option<Permission>)> {
    html.split("<form")
        .skip(1)
        .filter_map(|rest| rest.split_once('>').map(|(tag, _)| tag))
        .filter(|tag| tag.contains("method=\"post\""))
        .map(|tag| {
            let action = tag
                .split_once("action=\"")
                .and_then(|(_, rest)| rest.split_once('"'))
                .map(|(action, _)| action.to_owned())
                .expect("a posting form names its action");
            let permission = if action == "/sign-out" {
                None
            } else if action.starts_with("/review/") || action.ends_with("/act") {
                Some(Permission::Review)
            } else if action.starts_with("/devices/") {
                Some(Permission::ManageDevices)
            } else if action.starts_with("/admin/") {
                Some(Permission::Administer)
            } else {
                panic!("a form posting to {action} that this test does not know")
            };
            (action, permission)
        })
        .collect()
}

/// Every console page of `badge`'s, read in English: (path, status, HTML).
async fn console_pages(
    api: &Api,
    badge: &str,
    volunteer: &str,
) -> Vec<(String, StatusCode, String)> {
    let cookie = sign_in(api, badge, "en").await;
    let mut pages = Vec::new();
    for path in [
        "/progress".to_owned(),
        "/review".to_owned(),
        "/duplicates".to_owned(),
        "/coverage".to_owned(),
        "/programmes".to_owned(),
        "/trainers".to_owned(),
        "/cameras".to_owned(),
        "/groups".to_owned(),
        "/search?q=430001".to_owned(),
        format!("/volunteers/{volunteer}"),
        "/devices".to_owned(),
        "/exports".to_owned(),
        "/audit".to_owned(),
        "/admin".to_owned(),
    ] {
        let (status, html) = html(api, &path, &cookie).await;
        assert!(
            matches!(status, StatusCode::OK | StatusCode::FORBIDDEN),
            "{badge} {path}: {status}"
        );
        pages.push((path, status, html));
    }
    pages
}

#[tokio::test]
async fn each_console_page_offers_only_the_forms_the_officers_role_may_use() {
    let (api, dir) = state().await;
    {
        let mut district = api.state.lock_district();
        for user in [
            user("CG-0900", Role::Auditor, "BSP", &[]),
            user("CG-100", Role::StationIncharge, "BSP-PS-KONI", &[]),
        ] {
            district
                .store_mut()
                .save_user(&user, NOW)
                .expect("user saved");
        }
        // One person enrolled twice on another phone of Koni's constable: a duplicate pair,
        // so the duplicates page has a button to offer.
        let (mut phone, caller) = register_phone(
            &mut district,
            &dir.path().join("second.db"),
            &StoreKey::from_bytes([9; 32]),
            "CG-001",
            [9; 16],
            "BSP-PS-KONI",
        );
        let mut generator = Generator::new(11);
        let form = generator.enrolment_form("BSP-PS-KONI", "BSP-PS-KONI-B01", "430001");
        for index in 0..2 {
            phone
                .enrol(
                    &form,
                    mitan_core::device::Moment {
                        now_ms: NOW + index,
                        random: generator.next_u128(),
                    },
                )
                .expect("enrolled");
        }
        sync_phone(&mut phone, &mut district, &caller, NOW);
    }
    let koni_volunteer = {
        let database = api.database();
        database
            .query_row(
                "SELECT id FROM volunteer WHERE beat = 'BSP-PS-KONI-B01' LIMIT 1",
                [],
                |row| row.get::<_, String>(0),
            )
            .expect("a Koni volunteer")
    };

    // The roles that only read, and the state administrator, who reviews no one: every form
    // a page of theirs offers is one their role may use, and the read-only roles' pages post
    // nowhere but to sign out.
    for (badge, role) in [
        ("CG-0900", Role::Auditor),
        ("CG-0101", Role::RangeIg),
        ("CG-0010", Role::StateMonitor),
        ("CG-0011", Role::StateAdmin),
    ] {
        for (path, _, html) in console_pages(&api, badge, &koni_volunteer).await {
            let forms = posting_forms(&html);
            assert!(
                forms.iter().any(|(action, _)| action == "/sign-out"),
                "{badge} {path}: no sign-out"
            );
            for (action, permission) in forms {
                if let Some(permission) = permission {
                    assert!(
                        Policy::role_may(role, permission),
                        "{role} is offered {action} on {path}"
                    );
                    assert!(!role.reads_only(), "{role} is offered {action} on {path}");
                }
            }
            assert!(
                !html.contains("form=\"bulk\""),
                "{badge} {path}: boxes for a bulk verification"
            );
        }
    }

    // The station in-charge still has every form of theirs.
    let mut offered: Vec<String> = Vec::new();
    for (path, status, html) in console_pages(&api, "CG-100", &koni_volunteer).await {
        if path != "/admin" && path != "/audit" {
            assert_eq!(status, StatusCode::OK, "{path}: {html}");
        }
        offered.extend(posting_forms(&html).into_iter().map(|(action, _)| action));
    }
    let act = format!("/volunteers/{koni_volunteer}/act");
    for wanted in [
        "/review/verify",
        "/review/reject",
        act.as_str(),
        "/devices/code",
    ] {
        assert!(
            offered.iter().any(|action| action == wanted),
            "the in-charge is not offered {wanted}: {offered:?}"
        );
    }
    assert!(
        offered
            .iter()
            .any(|action| action.ends_with("/act") && *action != act),
        "no duplicate to mark: {offered:?}"
    );
    assert!(
        offered
            .iter()
            .any(|action| action.starts_with("/devices/") && action.ends_with("/revoke")),
        "no device to revoke: {offered:?}"
    );
}
