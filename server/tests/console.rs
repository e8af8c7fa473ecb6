//! The station console over its router: a first password set with a one-time code, sign-in
//! and its lock after five wrong passwords, sessions that idle out, CSRF tokens, scope, and
//! hostile text shown as text. What only a browser can show (the pages as a person uses
//! them) is in `tests/console/`.

mod common;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use mitan_core::demo::Generator;
use mitan_core::model::UnitKind;
use mitan_core::store::StoreKey;
use mitan_server::auth::Role;
use mitan_server::console::session::{IDLE_MS, LOCK_MS, hash_password};
use mitan_server::registration::{CodePurpose, issue_code_for};

use common::{Api, NOW, enrol_people, register_phone, sync_phone, unit, user};

const STATIONS: &[common::Station<'_>] = &[
    ("BSP-PS-KONI", &["BSP-PS-KONI-B01"]),
    ("BSP-PS-SIRGITTI", &["BSP-PS-SIRGITTI-B01"]),
];

const PASSWORD: &str = "थाना-कोनी-2026";

fn district() -> Api {
    Api::new(
        STATIONS,
        &[
            user(
                "CG-001",
                Role::Constable,
                "BSP-PS-KONI",
                &["BSP-PS-KONI-B01"],
            ),
            user("CG-100", Role::StationIncharge, "BSP-PS-KONI", &[]),
            user("CG-200", Role::StationIncharge, "BSP-PS-SIRGITTI", &[]),
        ],
    )
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

/// The first-password form for CG-100 with `code`.
fn first_password(code: &str) -> Request<Body> {
    form(
        "/first-password",
        None,
        &[
            ("badge", "CG-100"),
            ("code", code),
            ("password", PASSWORD),
            ("again", PASSWORD),
        ],
    )
}

fn page(path: &str, cookie: &str) -> Request<Body> {
    Request::get(path)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .expect("request builds")
}

fn location(headers: &HeaderMap) -> &str {
    headers
        .get(header::LOCATION)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("")
}

/// The session cookie a sign-in set, as a browser sends it back.
fn session_cookie(headers: &HeaderMap) -> String {
    let set = headers
        .get(header::SET_COOKIE)
        .and_then(|value| value.to_str().ok())
        .expect("a cookie is set");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set.contains(attribute), "{set}");
    }
    set.split(';').next().expect("name=value").to_owned()
}

fn set_password(api: &Api, badge: &str) {
    let hash = hash_password(PASSWORD).expect("hashes");
    api.state
        .lock_district()
        .store_mut()
        .force_console_password(&badge.parse().expect("valid"), &hash, NOW)
        .expect("stored");
}

async fn sign_in(api: &Api, badge: &str) -> String {
    let (status, headers, _) = api
        .respond(form(
            "/sign-in",
            None,
            &[("badge", badge), ("password", PASSWORD)],
        ))
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&headers), "/progress");
    session_cookie(&headers)
}

/// The CSRF token of the first form on `html`.
fn csrf_of(html: &str) -> String {
    let start = html
        .find("name=\"csrf\" value=\"")
        .expect("a form with a token")
        + 19;
    html[start..start + 32].to_owned()
}

/// Enrols three volunteers on the Koni constable's phone and syncs them; their ids.
fn enrolled(api: &Api, dir: &std::path::Path) -> Vec<String> {
    let mut district = api.state.lock_district();
    let (mut phone, caller) = register_phone(
        &mut district,
        &dir.join("phone.db"),
        &StoreKey::from_bytes([3; 32]),
        "CG-001",
        [7; 16],
        "BSP-PS-KONI",
    );
    enrol_people(&mut phone, &mut Generator::new(5), 3, |_| "430001".into());
    sync_phone(&mut phone, &mut district, &caller, NOW);
    district
        .store()
        .volunteer_statuses()
        .expect("rows")
        .into_iter()
        .map(|(id, _)| id)
        .collect()
}

#[tokio::test]
async fn an_officer_sets_a_first_password_with_a_code_signs_in_and_signs_out() {
    let api = district();
    let code = issue_code_for(
        api.state.lock_district().store_mut(),
        CodePurpose::Console,
        &"CG-100".parse().expect("valid"),
        "CG-ADMIN",
        3_600_000,
        NOW,
    )
    .expect("issued")
    .code;
    // Too short, then typed differently: refused, nothing set, the code still unspent.
    for (password, again) in [("short", "short"), (PASSWORD, "थाना-कोनी-2025")] {
        let (status, _, body) = api
            .respond(form(
                "/first-password",
                None,
                &[
                    ("badge", "CG-100"),
                    ("code", &code),
                    ("password", password),
                    ("again", again),
                ],
            ))
            .await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "{}",
            String::from_utf8_lossy(&body)
        );
    }
    // A phone's registration code does not set a password.
    let phone_code = api.issue_code("CG-100");
    let (status, _, _) = api.respond(first_password(&phone_code)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, headers, _) = api.respond(first_password(&code)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&headers), "/sign-in?set=1");
    // The code is spent.
    let (status, _, _) = api.respond(first_password(&code)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let cookie = sign_in(&api, "CG-100").await;
    let (status, _, body) = api.respond(page("/progress", &cookie)).await;
    let html = String::from_utf8(body).expect("utf-8");
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("BSP-PS-KONI"), "{html}");
    assert!(
        !html.contains("BSP-PS-SIRGITTI-B01"),
        "another station's beat is shown"
    );

    let csrf = csrf_of(&html);
    let (status, headers, _) = api
        .respond(form("/sign-out", Some(&cookie), &[("csrf", &csrf)]))
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&headers), "/sign-in");
    let (status, headers, _) = api.respond(page("/progress", &cookie)).await;
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "a signed-out session opens nothing"
    );
    assert!(location(&headers).starts_with("/sign-in"));
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_badge_for_fifteen_minutes() {
    let api = district();
    set_password(&api, "CG-100");
    for _ in 0..5 {
        let (status, _, _) = api
            .respond(form(
                "/sign-in",
                None,
                &[("badge", "CG-100"), ("password", "not the password")],
            ))
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let right = [("badge", "CG-100"), ("password", PASSWORD)];
    let (status, _, body) = api.respond(form("/sign-in", None, &right)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        String::from_utf8_lossy(&body).contains("15"),
        "the page says for how long"
    );
    // An unknown badge is refused as a wrong password is.
    let (status, _, _) = api
        .respond(form(
            "/sign-in",
            None,
            &[("badge", "CG-999"), ("password", PASSWORD)],
        ))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    api.clock.advance(LOCK_MS + 1);
    let (status, _, _) = api.respond(form("/sign-in", None, &right)).await;
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "the lock lifts after fifteen minutes"
    );
}

#[tokio::test]
async fn a_session_left_idle_for_thirty_minutes_ends() {
    let api = district();
    set_password(&api, "CG-100");
    let cookie = sign_in(&api, "CG-100").await;
    api.clock.advance(IDLE_MS - 60_000);
    let (status, _, _) = api.respond(page("/progress", &cookie)).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "used within the half hour, it lives on"
    );
    api.clock.advance(IDLE_MS - 60_000);
    let (status, _, _) = api.respond(page("/review", &cookie)).await;
    assert_eq!(status, StatusCode::OK, "each use restarts the half hour");
    api.clock.advance(IDLE_MS + 1);
    let (status, headers, _) = api.respond(page("/progress", &cookie)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&headers), "/sign-in?ended=1");
}

#[tokio::test]
async fn review_needs_the_forms_token_and_stays_within_the_officers_station() {
    let api = district();
    let dir = tempfile::tempdir().expect("temp dir");
    let ids = enrolled(&api, dir.path());
    set_password(&api, "CG-100");
    set_password(&api, "CG-200");
    let koni = sign_in(&api, "CG-100").await;
    let (_, _, body) = api.respond(page("/review", &koni)).await;
    let html = String::from_utf8(body).expect("utf-8");
    for id in &ids {
        assert!(html.contains(id.as_str()), "{id} waits in the queue");
    }
    let csrf = csrf_of(&html);

    // Without its token, or with another, the form changes nothing.
    for token in ["", "0123456789abcdef0123456789abcdef"] {
        let (status, _, _) = api
            .respond(form(
                "/review/verify",
                Some(&koni),
                &[("csrf", token), ("volunteer", &ids[0])],
            ))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    // Another station's in-charge is refused, with their own token.
    let sirgitti = sign_in(&api, "CG-200").await;
    let (_, _, body) = api.respond(page("/review", &sirgitti)).await;
    let other = String::from_utf8(body).expect("utf-8");
    assert!(
        !other.contains(ids[0].as_str()),
        "the queue shows another station's people"
    );
    let (status, _, _) = api
        .respond(form(
            "/review/verify",
            Some(&sirgitti),
            &[("csrf", &csrf_of(&other)), ("volunteer", &ids[0])],
        ))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let statuses = api
        .state
        .lock_district()
        .store()
        .volunteer_statuses()
        .expect("rows");
    assert!(
        statuses.iter().all(|(_, status)| status == "pending"),
        "{statuses:?}"
    );

    // With it: two verified in one go, one rejected with a reason.
    let (status, headers, _) = api
        .respond(form(
            "/review/verify",
            Some(&koni),
            &[
                ("csrf", &csrf),
                ("volunteer", &ids[0]),
                ("volunteer", &ids[1]),
            ],
        ))
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        location(&headers).contains("verified=2"),
        "{}",
        location(&headers)
    );
    let (status, _, _) = api
        .respond(form(
            "/review/reject",
            Some(&koni),
            &[
                ("csrf", &csrf),
                ("volunteer", &ids[2]),
                ("reason", "फ़ोटो साफ़ नहीं"),
            ],
        ))
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let mut statuses = api
        .state
        .lock_district()
        .store()
        .volunteer_statuses()
        .expect("rows");
    statuses.sort();
    let verified = statuses
        .iter()
        .filter(|(_, status)| status == "verified")
        .count();
    let rejected = statuses
        .iter()
        .filter(|(_, status)| status == "rejected")
        .count();
    assert_eq!((verified, rejected), (2, 1), "{statuses:?}");
}

#[tokio::test]
async fn hostile_text_in_a_unit_name_is_shown_as_text() {
    let api = district();
    {
        let mut district = api.state.lock_district();
        // Written straight into the database, past the imports' checks, as a tampered
        // database or an older build might hold it.
        let mut hostile = unit(UnitKind::Beat, "BSP-PS-KONI-B02", Some("BSP-PS-KONI"));
        hostile.name_en = "<script>alert(1)</script><img src=x onerror=alert(2)>\"".into();
        hostile.name_hi = hostile.name_en.clone();
        district.store_mut().save_unit(&hostile).expect("saved");
    }
    set_password(&api, "CG-100");
    let cookie = sign_in(&api, "CG-100").await;
    let (status, _, body) = api.respond(page("/progress", &cookie)).await;
    let html = String::from_utf8(body).expect("utf-8");
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(!html.contains("<script>"), "{html}");
    assert!(!html.contains("<img src=x"), "{html}");
}

#[tokio::test]
async fn the_language_is_remembered_and_the_way_back_stays_on_this_site() {
    let api = district();
    let (status, headers, _) = api
        .respond(
            Request::get("/language?set=en&back=//evil.example/x")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&headers), "/");
    let set = headers
        .get(header::SET_COOKIE)
        .and_then(|value| value.to_str().ok())
        .expect("remembered");
    assert!(set.starts_with("mitan_lang=en"), "{set}");
    let (_, _, body) = api
        .respond(
            Request::get("/sign-in")
                .header(header::COOKIE, "mitan_lang=en")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    let html = String::from_utf8(body).expect("utf-8");
    assert!(
        html.contains("<html lang=\"en\">") && html.contains("Badge number"),
        "{html}"
    );
    let (_, _, body) = api
        .respond(
            Request::get("/sign-in")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert!(
        String::from_utf8_lossy(&body).contains("बैज नंबर"),
        "Hindi by default"
    );
}

#[tokio::test]
async fn a_volunteers_page_shows_the_record_and_history_within_scope_and_logs_the_reading() {
    let api = district();
    let dir = tempfile::tempdir().expect("temp dir");
    let ids = enrolled(&api, dir.path());
    set_password(&api, "CG-100");
    set_password(&api, "CG-200");
    let koni = sign_in(&api, "CG-100").await;
    let logged = |api: &Api| {
        let filter = mitan_server::store::AccessFilter {
            badge: Some("CG-100".into()),
            ..Default::default()
        };
        let district = api.state.lock_district();
        let lines = district
            .store()
            .load_access_log(&filter, 100)
            .expect("the log reads");
        lines
            .into_iter()
            .filter(|line| line.read.requested_via == "console")
            .count()
    };
    let logged_before = logged(&api);
    let (status, _, body) = api
        .respond(page(&format!("/volunteers/{}", ids[0]), &koni))
        .await;
    let html = String::from_utf8(body).expect("utf-8");
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("+91"), "the phone, opened: {html}");
    assert!(html.contains("CG-001"), "who enrolled");
    assert!(html.contains("<ol class=\"timeline\">"), "{html}");
    assert!(html.contains("enrol"), "the enrolment in the history");
    assert_eq!(logged(&api), logged_before + 1, "the reading is logged");

    // Rejected from the page, the reason shows on it and in the history.
    let csrf = csrf_of(&html);
    let (status, headers, _) = api
        .respond(form(
            &format!("/volunteers/{}/act", ids[0]),
            Some(&koni),
            &[("csrf", &csrf), ("action", "reject"), ("reason", "गाँव गलत")],
        ))
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location(&headers).ends_with("?done=1"));
    let (_, _, body) = api
        .respond(page(&format!("/volunteers/{}", ids[0]), &koni))
        .await;
    let html = String::from_utf8(body).expect("utf-8");
    assert!(
        html.contains("गाँव गलत") && html.contains("rejected"),
        "{html}"
    );

    // Another station's in-charge opening it by URL is refused.
    let sirgitti = sign_in(&api, "CG-200").await;
    let (status, _, _) = api
        .respond(page(&format!("/volunteers/{}", ids[1]), &sirgitti))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = api.respond(page("/volunteers/not-an-id", &koni)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_devices_page_counts_silent_phones_issues_a_slip_and_revokes() {
    let api = district();
    let dir = tempfile::tempdir().expect("temp dir");
    enrolled(&api, dir.path());
    set_password(&api, "CG-100");
    let silent = |html: &str| html.contains("<strong>1</strong>");
    let koni = sign_in(&api, "CG-100").await;
    let (status, _, body) = api.respond(page("/devices", &koni)).await;
    let html = String::from_utf8(body).expect("utf-8");
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("CG-001") && !silent(&html), "{html}");
    let old_app = |html: &str| html.contains("सिंक प्रोटोकॉल 4") || html.contains("sync protocol 4");
    assert!(!old_app(&html), "the phone synced in protocol 5: {html}");

    // A phone whose last sync was in protocol 4 is marked: it keeps the district's phones
    // from sealing new entries' fields together until it is updated (ADR 0011).
    api.database()
        .execute("UPDATE device SET protocol = 4 WHERE badge = 'CG-001'", [])
        .expect("the device row");
    let (_, _, body) = api.respond(page("/devices", &koni)).await;
    let html = String::from_utf8(body).expect("utf-8");
    assert!(old_app(&html), "{html}");
    api.database()
        .execute("UPDATE device SET protocol = 5 WHERE badge = 'CG-001'", [])
        .expect("the device row");

    // Three days on, the phone that synced at the start is silent.
    api.clock.advance(3 * 24 * 60 * 60 * 1000);
    let koni = sign_in(&api, "CG-100").await;
    let (_, _, body) = api.respond(page("/devices", &koni)).await;
    let html = String::from_utf8(body).expect("utf-8");
    assert!(silent(&html), "{html}");

    // A slip for CG-001's next phone: the code, the server, and a QR code of both.
    let csrf = csrf_of(&html);
    let (status, _, body) = api
        .respond(
            Request::post("/devices/code")
                .header(header::COOKIE, &koni)
                .header(header::HOST, "mitan.bsp.example:8443")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!(
                    "csrf={csrf}&badge=CG-001&for=phone&ttl_hours=24"
                )))
                .expect("request"),
        )
        .await;
    let slip = String::from_utf8(body).expect("utf-8");
    assert_eq!(status, StatusCode::OK, "{slip}");
    assert!(
        slip.contains("http://mitan.bsp.example:8443") && slip.contains("<svg"),
        "{slip}"
    );
    let code_at = slip.find("class=\"code\">").expect("the code") + 13;
    let code = &slip[code_at..code_at + 14];
    let (status, _) = api.send(common::register_request(code, [9; 16])).await;
    assert_eq!(status, StatusCode::OK, "the slip's code registers a phone");

    // Revoking the first phone stops its credential.
    let device = api
        .state
        .lock_district()
        .store()
        .load_devices()
        .expect("devices")
        .into_iter()
        .find(|device| device.last_sync_at_ms.is_some())
        .expect("the phone that synced")
        .device;
    let (status, headers, _) = api
        .respond(form(
            &format!("/devices/{device}/revoke"),
            Some(&koni),
            &[("csrf", &csrf)],
        ))
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{headers:?}");
    let revoked = api
        .state
        .lock_district()
        .store()
        .load_device(&device)
        .expect("reads")
        .expect("the device");
    assert!(revoked.revoked);
}

#[tokio::test]
async fn an_auditor_replays_history_and_past_progress_reads_the_logs_and_takes_the_signed_export() {
    let api = Api::new(
        STATIONS,
        &[
            user(
                "CG-001",
                Role::Constable,
                "BSP-PS-KONI",
                &["BSP-PS-KONI-B01"],
            ),
            user("CG-100", Role::StationIncharge, "BSP-PS-KONI", &[]),
            user("CG-900", Role::Auditor, "BSP", &[]),
        ],
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let ids = enrolled(&api, dir.path());
    set_password(&api, "CG-100");
    set_password(&api, "CG-900");
    // The in-charge reads a volunteer's page and takes a roster export: both logged.
    let koni = sign_in(&api, "CG-100").await;
    let (status, _, _) = api
        .respond(page(&format!("/volunteers/{}", ids[0]), &koni))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, headers, body) = api
        .respond(page("/exports/file?unit=BSP-PS-KONI&kind=roster&format=csv&programme=&include_unverified=true", &koni))
        .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert!(
        headers[header::CONTENT_DISPOSITION]
            .to_str()
            .expect("text")
            .contains(".csv")
    );
    assert_eq!(
        String::from_utf8_lossy(&body).lines().count(),
        4,
        "a header and three people"
    );
    // The audit page is the auditor's, not the in-charge's.
    let (status, _, _) = api.respond(page("/audit", &koni)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let auditor = sign_in(&api, "CG-900").await;
    let (status, _, body) = api.respond(page("/audit", &auditor)).await;
    let html = String::from_utf8(body).expect("utf-8");
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        html.contains("console") && html.contains("CG-100"),
        "the in-charge's reads: {html}"
    );
    assert!(html.contains("roster csv"), "the export taken: {html}");

    let (status, _, body) = api
        .respond(page(
            &format!("/audit/history?volunteer={}", ids[0]),
            &auditor,
        ))
        .await;
    let html = String::from_utf8(body).expect("utf-8");
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        html.contains("enrol") && html.contains("BSP-PS-KONI-B01"),
        "{html}"
    );
    let (status, _, body) = api
        .respond(page("/audit/history?unit=BSP-PS-KONI-B01", &auditor))
        .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));

    // Progress the day before the enrolments, and what moved since.
    let (status, _, body) = api
        .respond(page("/audit/progress?at=2025-01-01", &auditor))
        .await;
    let html = String::from_utf8(body).expect("utf-8");
    assert_eq!(status, StatusCode::OK, "{html}");
    let (status, _, body) = api
        .respond(page("/audit/moved?from=2025-01-01&to=", &auditor))
        .await;
    let html = String::from_utf8(body).expect("utf-8");
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("BSP-PS-KONI"), "{html}");
    let (status, _, _) = api
        .respond(page("/audit/progress?at=yesterday", &auditor))
        .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a date that does not read is named"
    );

    let (status, _, body) = api.respond(page("/audit/export", &auditor)).await;
    assert_eq!(status, StatusCode::OK);
    let verdict = mitan_core::provenance::verify_export(&body).expect("an export");
    assert!(verdict.findings.is_empty(), "{:?}", verdict.findings);
}

#[tokio::test]
async fn the_review_queue_narrows_by_village_beat_constable_programme_and_status() {
    let api = district();
    let dir = tempfile::tempdir().expect("temp dir");
    let ids = enrolled(&api, dir.path());
    set_password(&api, "CG-100");
    let koni = sign_in(&api, "CG-100").await;
    let waiting = |html: &str| {
        let at = html.find("<strong class=\"total\">").expect("a count") + 22;
        html[at..at + html[at..].find('<').expect("closed")].to_owned()
    };
    let queue = |query: &'static str| {
        let koni = koni.clone();
        let api = &api;
        async move {
            let (status, _, body) = api.respond(page(&format!("/review?{query}"), &koni)).await;
            (status, String::from_utf8(body).expect("utf-8"))
        }
    };
    for (query, count) in [
        ("village=430001", "3"),
        ("village=430002", "0"),
        ("beat=BSP-PS-KONI-B01&constable=CG-001", "3"),
        ("constable=CG-002", "0"),
        ("programme=cyber_mitan", "3"),
        ("programme=gram_rakshak", "0"),
        ("status=verified", "0"),
    ] {
        let (status, html) = queue(query).await;
        assert_eq!(status, StatusCode::OK, "{query}: {html}");
        assert_eq!(waiting(&html), count, "{query}");
    }
    let (status, _) = queue("beat=BSP-PS-SIRGITTI-B01").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a beat of another station");
    let (status, _) = queue("status=lost").await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a status that does not exist is named"
    );
    let (_, html) = queue("").await;
    let csrf = csrf_of(&html);
    api.respond(form(
        "/review/verify",
        Some(&koni),
        &[("csrf", &csrf), ("volunteer", &ids[0])],
    ))
    .await;
    let (_, html) = queue("status=verified").await;
    assert_eq!(waiting(&html), "1");
    assert!(html.contains(ids[0].as_str()));
}

#[tokio::test]
async fn search_finds_by_name_in_either_script_by_mobile_and_by_village_within_scope() {
    let api = district();
    let dir = tempfile::tempdir().expect("temp dir");
    let ids = enrolled(&api, dir.path());
    set_password(&api, "CG-100");
    set_password(&api, "CG-200");
    let (deva, phone) = {
        let district = api.state.lock_district();
        let store = district.store();
        let (total, rows) = store
            .pending_review(None, &Default::default(), 10, 0)
            .expect("rows");
        assert_eq!(total, 3);
        let first = rows
            .into_iter()
            .find(|row| row.id == ids[0])
            .expect("the first");
        (
            first.name_devanagari.expect("a Devanagari name"),
            first.phone.expect("a phone"),
        )
    };
    // Typed in Latin letters by someone who heard the name: the entry holds Devanagari only.
    let latin = mitan_core::model::validate::transliterate_devanagari(&deva);
    let koni = sign_in(&api, "CG-100").await;
    let found = |query: String, cookie: String| {
        let api = &api;
        async move {
            let path = format!(
                "/search?{}",
                form_urlencoded::Serializer::new(String::new())
                    .append_pair("q", &query)
                    .finish()
            );
            let (status, _, body) = api.respond(page(&path, &cookie)).await;
            (status, String::from_utf8(body).expect("utf-8"))
        }
    };
    let latin_first = latin.split(' ').next().expect("a word").to_lowercase();
    let deva_first = deva.split(' ').next().expect("a word").to_owned();
    let spaced = format!("{} {}", &phone[3..8], &phone[8..]);
    for (query, by) in [
        (latin_first, "मिलती-जुलती"),
        (deva_first, "मिलती-जुलती"),
        (spaced, "मोबाइल से"),
    ] {
        let (status, html) = found(query.clone(), koni.clone()).await;
        assert_eq!(status, StatusCode::OK, "{query}: {html}");
        assert!(
            html.contains(ids[0].as_str()),
            "{query} finds the first: {html}"
        );
        assert!(html.contains(by), "{query}: {html}");
    }
    let (_, html) = found("430001".into(), koni.clone()).await;
    assert!(
        ids.iter().all(|id| html.contains(id.as_str())),
        "the village's three: {html}"
    );
    // Another station's in-charge finds none of them.
    let sirgitti = sign_in(&api, "CG-200").await;
    let (_, html) = found(latin.clone(), sirgitti).await;
    assert!(!html.contains(ids[0].as_str()), "{html}");
    let (status, _) = found("   ".into(), koni).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn progress_draws_enrolments_and_verifications_day_by_day() {
    let api = district();
    let dir = tempfile::tempdir().expect("temp dir");
    let ids = enrolled(&api, dir.path());
    set_password(&api, "CG-100");
    let koni = sign_in(&api, "CG-100").await;
    let (_, _, body) = api.respond(page("/review", &koni)).await;
    let csrf = csrf_of(&String::from_utf8(body).expect("utf-8"));
    api.respond(form(
        "/review/verify",
        Some(&koni),
        &[("csrf", &csrf), ("volunteer", &ids[1])],
    ))
    .await;
    let (status, _, body) = api.respond(page("/progress", &koni)).await;
    let html = String::from_utf8(body).expect("utf-8");
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("<svg class=\"daily\""), "{html}");
    // 23 Nov 2025 in India: the three enrolments, and the verification recorded that day.
    assert!(html.contains("2025-11-23: नामांकित 3"), "{html}");
    assert!(html.contains("2025-11-23: सत्यापित 1"), "{html}");
}

#[tokio::test]
async fn a_list_in_several_parts_downloads_as_one_zip_each_part_logged() {
    let api = district();
    let dir = tempfile::tempdir().expect("temp dir");
    enrolled(&api, dir.path());
    set_password(&api, "CG-100");
    let koni = sign_in(&api, "CG-100").await;
    let (status, headers, body) = api
        .respond(page(
            "/exports/file?unit=BSP-PS-KONI&kind=group&format=csv&include_unverified=true&part_size=1",
            &koni,
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert_eq!(headers[header::CONTENT_TYPE], "application/zip");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(body)).expect("a zip");
    assert_eq!(archive.len(), 3, "one file a part");
    let mut first = String::new();
    std::io::Read::read_to_string(&mut archive.by_index(0).expect("a part"), &mut first)
        .expect("text");
    assert!(first.lines().count() >= 2, "{first}");
    let logged = api
        .state
        .lock_district()
        .store()
        .load_export_log(100, None)
        .expect("the log reads")
        .len();
    assert_eq!(logged, 3, "each part logged as taken");
}

#[tokio::test]
async fn the_trainers_page_lays_out_the_cascade_with_each_trainers_trainees() {
    let api = district();
    let dir = tempfile::tempdir().expect("temp dir");
    {
        let mut district = api.state.lock_district();
        let (mut phone, caller) = register_phone(
            &mut district,
            &dir.path().join("phone.db"),
            &StoreKey::from_bytes([3; 32]),
            "CG-001",
            [7; 16],
            "BSP-PS-KONI",
        );
        let mut generator = Generator::new(8);
        let mut enrol = |trainer: String, random: u128| {
            let mut form = generator.enrolment_form("BSP-PS-KONI", "BSP-PS-KONI-B01", "430001");
            form.trained_by = trainer;
            phone
                .enrol(
                    &form,
                    mitan_core::device::Moment {
                        now_ms: NOW,
                        random,
                    },
                )
                .expect("enrolled")
                .id
        };
        let lead = enrol("CG-100".into(), 1);
        enrol(lead.to_string(), 2);
        sync_phone(&mut phone, &mut district, &caller, NOW);
    }
    set_password(&api, "CG-100");
    let koni = sign_in(&api, "CG-100").await;
    let (status, _, body) = api.respond(page("/trainers", &koni)).await;
    let html = String::from_utf8(body).expect("utf-8");
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("पुलिस कर्मी CG-100"), "{html}");
    // The volunteer trainer, one step down, links to their page.
    assert!(html.contains("padding-left: 2em"), "{html}");
    assert!(html.contains("href=\"/volunteers/"), "{html}");
}
