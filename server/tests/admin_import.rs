//! `POST /v1/admin/hierarchy` and `POST /v1/admin/users` through the router, on a real SQLite
//! file: a good file is stored and shows up in reports; a file with bad rows is refused naming
//! each one's line, field and a stable code, and nothing of it is stored; only the district
//! admin may import.

mod common;

use axum::http::StatusCode;
use common::{Api, error_of, user};
use mitan_server::auth::Role;

/// A district of one station with no beats yet, its admin, the station's in-charge and the
/// auditor.
fn district() -> Api {
    let users = [
        user("CG-500", Role::DistrictAdmin, "BSP", &[]),
        user("CG-100", Role::StationIncharge, "BSP-PS-SIPAT", &[]),
        user("CG-900", Role::Auditor, "BSP", &[]),
    ];
    Api::new(&[("BSP-PS-SIPAT", &[])], &users)
}

async fn import(fixture: &Api, path: &str, credential: &str, csv: &str) -> (StatusCode, Vec<u8>) {
    fixture
        .send(common::post(path, credential, "text/csv", csv.to_owned()))
        .await
}

/// Every unit code in the database.
fn unit_codes(fixture: &Api) -> Vec<String> {
    let mut codes: Vec<String> = fixture
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

fn households(fixture: &Api) -> Vec<(String, u64)> {
    fixture
        .state
        .lock_district()
        .store()
        .village_households()
        .expect("households")
}

const GOOD: &str = "kind,code,parent,name_hi,name_en,lgd_code,households
station,BSP-PS-KONI,BSP-C1,कोनी,Koni,,
beat,BSP-PS-KONI-B01,BSP-PS-KONI,बीट 1,Beat 1,,
beat,BSP-PS-KONI-B02,BSP-PS-KONI,बीट 2,Beat 2,,
village,BSP-V-KONI,BSP-PS-KONI-B01,कोनी,Koni,434521,812
";

#[tokio::test]
async fn a_good_hierarchy_file_is_stored_and_reported() {
    let fixture = district();
    let admin = fixture.credential("CG-500", 1).await;
    let (status, body) = import(&fixture, "/v1/admin/hierarchy", &admin, GOOD).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let summary: serde_json::Value = serde_json::from_slice(&body).expect("summary");
    assert_eq!(summary["units"], 4);
    assert_eq!(summary["villages"], 1);

    let codes = unit_codes(&fixture);
    for code in [
        "BSP-PS-KONI",
        "BSP-PS-KONI-B01",
        "BSP-PS-KONI-B02",
        "BSP-V-KONI",
    ] {
        assert!(codes.contains(&code.to_owned()), "{code} stored: {codes:?}");
    }
    assert_eq!(households(&fixture), vec![("434521".to_owned(), 812)]);

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
    let (status, _) = import(&fixture, "/v1/admin/hierarchy", &admin, GOOD).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(unit_codes(&fixture), codes);
}

#[tokio::test]
async fn a_file_with_one_bad_row_is_refused_naming_line_field_and_code_and_nothing_is_stored() {
    let fixture = district();
    let admin = fixture.credential("CG-500", 1).await;
    let before = unit_codes(&fixture);
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
        let (status, body) = import(&fixture, "/v1/admin/hierarchy", &admin, &file).await;
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
            unit_codes(&fixture),
            before,
            "nothing of {bad_row:?} stored"
        );
        assert!(households(&fixture).is_empty());
    }

    // A missing column is named too, as line 1.
    let (status, body) = import(
        &fixture,
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
    assert_eq!(unit_codes(&fixture), before);
}

#[tokio::test]
async fn a_file_with_several_bad_rows_lists_every_problem_and_stores_nothing() {
    let fixture = district();
    let admin = fixture.credential("CG-500", 1).await;
    let units_before = unit_codes(&fixture).len();
    let households_before = households(&fixture).len();
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
    let (status, body) = import(&fixture, "/v1/admin/hierarchy", &admin, file).await;
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
    assert_eq!(unit_codes(&fixture).len(), units_before, "no unit stored");
    assert_eq!(
        households(&fixture).len(),
        households_before,
        "no household stored"
    );

    // A file wrong throughout lists the first 200 problems and counts the rest.
    let mut wrong = String::from("kind,code,parent,name_hi,name_en\n");
    for index in 0..250 {
        wrong.push_str(&format!("thana,BSP-PS-X{index},BSP-C1,थाना,Thana\n"));
    }
    let (status, body) = import(&fixture, "/v1/admin/hierarchy", &admin, &wrong).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let error = error_of(&body).error;
    assert_eq!(error.problems.len(), 200);
    assert_eq!(error.problems[199].line, 201);
    assert_eq!(error.more, Some(50));
    assert_eq!(unit_codes(&fixture).len(), units_before);
}

#[tokio::test]
async fn a_users_file_with_a_bad_row_stores_no_user() {
    let fixture = district();
    let admin = fixture.credential("CG-500", 1).await;
    let (status, body) = import(&fixture, "/v1/admin/hierarchy", &admin, GOOD).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let file = "badge,name,role,unit,beats
CG-1042,Ramesh Sahu,constable,BSP-PS-KONI,BSP-PS-KONI-B01;BSP-PS-KONI-B02
CG-1043,Sunita Verma,sub_inspector,BSP-PS-KONI,
";
    let (status, body) = import(&fixture, "/v1/admin/users", &admin, file).await;
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
    let (status, body) = import(&fixture, "/v1/admin/users", &admin, &fixed).await;
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
    assert_eq!(beat["no_constable"], false);
}

#[tokio::test]
async fn a_beat_no_constable_works_is_flagged_in_progress_not_given_a_silent_zero() {
    let fixture = district();
    let admin = fixture.credential("CG-500", 1).await;
    let (status, _) = import(&fixture, "/v1/admin/hierarchy", &admin, GOOD).await;
    assert_eq!(status, StatusCode::OK);
    let progress = fixture.get_json("/v1/reports/progress", &admin).await;
    let beats: Vec<&serde_json::Value> = progress["units"]
        .as_array()
        .expect("units")
        .iter()
        .filter(|unit| unit["kind"] == "beat")
        .collect();
    assert!(!beats.is_empty(), "{progress}");
    for beat in beats {
        let staffed = beat["target"] != 0;
        assert_eq!(beat["no_constable"], !staffed, "{beat}");
    }
}

#[tokio::test]
async fn only_the_district_admin_imports() {
    let fixture = district();
    let before = unit_codes(&fixture);
    for (badge, actor) in [("CG-100", 2), ("CG-900", 3)] {
        let credential = fixture.credential(badge, actor).await;
        for path in ["/v1/admin/hierarchy", "/v1/admin/users"] {
            let (status, body) = import(&fixture, path, &credential, GOOD).await;
            assert_eq!(
                status,
                StatusCode::FORBIDDEN,
                "{badge} on {path}: {}",
                String::from_utf8_lossy(&body)
            );
            assert_eq!(error_of(&body).error.code, "forbidden");
        }
    }
    let (status, _) = import(&fixture, "/v1/admin/hierarchy", "not-a-credential", GOOD).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(unit_codes(&fixture), before);
}
