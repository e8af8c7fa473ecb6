//! The station console: web pages for station in-charges, circle officers, the SP and
//! auditors, served by `mitan serve` beside the API (issue 20).
//!
//! It has no logic of its own. Every page runs the same operation as the API
//! (`ops::reports::Progress`, `ops::reports::Queue`, `ops::review::Verify`, …) under the same
//! `Policy`, with the signed-in officer as the caller (`via` = `console`), so a page can show
//! or do nothing the officer could not ask the API for.
//!
//! * [`session`]: sign-in with badge and password (argon2id), lock-out, server-side
//!   sessions that idle out, CSRF tokens;
//! * [`text`]: every word in Hindi and English, from one catalogue;
//! * [`pages`]: the HTML, rendered on the server (maud escapes every value).

pub mod pages;
pub mod session;
pub mod text;

use std::collections::HashMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Multipart, Path, Query, RawQuery, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::Markup;

use self::pages::Frame;
use self::session::{Checked, Resumed, SESSION_COOKIE, Session};
use self::text::{Key, Lang};
use crate::error::Error;
use crate::http::AppState;
use crate::ops::{Caller, Permission, Policy, ReadOperation, ReplayOperation, WriteOperation};
use crate::reports::ReportQuery;

/// The cookie remembering the officer's language.
const LANG_COOKIE: &str = "mitan_lang";

/// Rows of the review queue on one page.
const QUEUE_PAGE: u32 = 50;

/// The console's routes, merged into the API's router.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/console.css", get(stylesheet))
        .route("/language", get(language))
        .route("/sign-in", get(sign_in_page).post(sign_in))
        .route(
            "/first-password",
            get(first_password_page).post(first_password),
        )
        .route("/sign-out", post(sign_out))
        .route("/progress", get(progress))
        .route("/review", get(review))
        .route("/review/verify", post(verify))
        .route("/review/reject", post(reject))
        .route("/volunteers/{id}", get(volunteer))
        .route("/volunteers/{id}/act", post(act))
        .route("/search", get(search))
        .route("/duplicates", get(duplicates))
        .route("/coverage", get(coverage))
        .route("/programmes", get(programmes))
        .route("/trainers", get(trainers))
        .route("/cameras", get(cameras))
        .route("/groups", get(groups))
        .route("/groups/members", get(group_members))
        .route("/audit", get(audit))
        .route("/audit/history", get(audit_history))
        .route("/audit/progress", get(audit_progress))
        .route("/audit/moved", get(audit_moved))
        .route("/audit/export", get(audit_export))
        .route("/exports", get(exports))
        .route("/exports/file", get(export_file))
        .route("/admin", get(admin_page))
        .route("/admin/hierarchy", post(upload_hierarchy))
        .route("/admin/users", post(upload_users))
        .route("/admin/set/{what}", post(admin_set))
        .route("/devices", get(devices))
        .route("/devices/code", post(issue_code))
        .route("/devices/{id}/revoke", post(revoke))
}

/// The cookies of a request, by name.
fn cookies(headers: &HeaderMap) -> HashMap<String, String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect()
}

fn lang_of(headers: &HeaderMap) -> Lang {
    cookies(headers)
        .get(LANG_COOKIE)
        .map_or(Lang::default(), |code| Lang::from_code(code))
}

/// An HTML answer with `status`. Pages are never cached: they show personal fields.
fn html(status: StatusCode, markup: Markup) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        markup.into_string(),
    )
        .into_response()
}

/// A cookie as the console sets it: never readable by script, never sent from another site,
/// and only over TLS when the server speaks it.
fn cookie(state: &AppState, name: &str, value: &str, max_age_secs: Option<u64>) -> HeaderValue {
    let mut text = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if let Some(age) = max_age_secs {
        text.push_str(&format!("; Max-Age={age}"));
    }
    if state.secure_cookies() {
        text.push_str("; Secure");
    }
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// The fields of a posted form; a field given several times keeps every value.
fn form_fields(body: &Bytes) -> Vec<(String, String)> {
    form_urlencoded::parse(body).into_owned().collect()
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// A signed-in officer, or a redirect to the sign-in page.
pub struct Signed {
    session: Session,
    lang: Lang,
}

impl Signed {
    fn caller(&self) -> Caller {
        Caller {
            user: self.session.user.clone(),
            via: "console".into(),
        }
    }

    /// Whether the officer's role may ever do `permission`: a page offers a form or button
    /// only when this holds, so no one is shown what the operation behind it would refuse.
    fn may(&self, permission: Permission) -> bool {
        Policy::role_may(self.session.user.role, permission)
    }

    fn frame<'a>(&'a self, here: &'a str) -> Frame<'a> {
        Frame {
            lang: self.lang,
            user: Some(&self.session.user),
            csrf: Some(&self.session.csrf),
            here,
        }
    }

    /// `body` as a whole page of this officer's, titled `title`, with `notice` above it.
    fn page(&self, here: &str, title: Key, notice: Option<&str>, body: Markup) -> Response {
        html(
            StatusCode::OK,
            pages::page(&self.frame(here), title, notice, body),
        )
    }

    /// Renders an operation's refusal or failure as a page of this officer's.
    fn failed(&self, here: &str, error: &Error) -> Response {
        let (status, what) = match error {
            Error::Forbidden { .. } => (StatusCode::FORBIDDEN, Key::Refused),
            Error::NotFound { .. } => (StatusCode::NOT_FOUND, Key::NotFound),
            Error::Invalid { .. } | Error::BadRequest { .. } => {
                (StatusCode::BAD_REQUEST, Key::Failed)
            }
            _ => (StatusCode::INTERNAL_SERVER_ERROR, Key::Failed),
        };
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(%error, "console page failed");
        }
        let detail = if status == StatusCode::INTERNAL_SERVER_ERROR {
            String::new()
        } else {
            crate::error::clipped(&error.to_string()).into_owned()
        };
        let body = pages::problem(self.lang, what, &detail);
        html(status, pages::page(&self.frame(here), what, None, body))
    }
}

/// Why a request has no officer behind it.
pub struct NotSigned {
    ended: bool,
}

impl IntoResponse for NotSigned {
    fn into_response(self) -> Response {
        see_other(if self.ended {
            "/sign-in?ended=1"
        } else {
            "/sign-in"
        })
    }
}

impl FromRequestParts<AppState> for Signed {
    type Rejection = NotSigned;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, NotSigned> {
        let lang = lang_of(&parts.headers);
        let Some(token) = cookies(&parts.headers).remove(SESSION_COOKIE) else {
            return Err(NotSigned { ended: false });
        };
        let now_ms = state.now_ms();
        let resumed = state
            .with_reader(move |store| session::resume(store, &token, now_ms))
            .await
            .map_err(|_| NotSigned { ended: false })?;
        match resumed {
            Resumed::Live(session) => {
                if session::needs_touch(&session, now_ms) {
                    let seen = session.clone();
                    // A failed touch only shortens the session; the page is still shown.
                    let _ = state
                        .with_district(move |district, now_ms| {
                            session::touch(district.store_mut(), &seen, now_ms)
                        })
                        .await;
                }
                Ok(Signed { session, lang })
            }
            Resumed::IdledOut(token_hash) => {
                let _ = state
                    .with_district(move |district, now_ms| {
                        session::end(district.store_mut(), &token_hash, now_ms)
                    })
                    .await;
                Err(NotSigned { ended: true })
            }
            Resumed::Gone => Err(NotSigned { ended: true }),
        }
    }
}

async fn home(signed: Result<Signed, NotSigned>) -> Response {
    match signed {
        Ok(_) => see_other("/progress"),
        Err(_) => see_other("/sign-in"),
    }
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        pages::STYLESHEET,
    )
        .into_response()
}

/// `GET /language?set=en&back=/progress`: remembers the language and goes back. Only a path
/// of this site is gone back to, so the link cannot send an officer elsewhere.
async fn language(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let lang = Lang::from_code(query.get("set").map_or("", String::as_str));
    let back = query
        .get("back")
        .filter(|path| path.starts_with('/') && !path.starts_with("//") && !path.contains('\\'))
        .map_or("/", String::as_str);
    let mut response = see_other(back);
    response.headers_mut().append(
        header::SET_COOKIE,
        cookie(&state, LANG_COOKIE, lang.code(), Some(365 * 24 * 3600)),
    );
    response
}

fn bare_frame(lang: Lang, here: &str) -> Frame<'_> {
    Frame {
        lang,
        user: None,
        csrf: None,
        here,
    }
}

async fn sign_in_page(
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let lang = lang_of(&headers);
    let notice = if query.contains_key("ended") {
        Some(Key::SessionEnded)
    } else if query.contains_key("set") {
        Some(Key::PasswordSet)
    } else {
        None
    };
    let body = pages::sign_in(lang, None, notice);
    html(
        StatusCode::OK,
        pages::page(&bare_frame(lang, "/sign-in"), Key::SignIn, None, body),
    )
}

fn sign_in_refused(lang: Lang, status: StatusCode, error: Key) -> Response {
    let body = pages::sign_in(lang, Some(error), None);
    html(
        status,
        pages::page(&bare_frame(lang, "/sign-in"), Key::SignIn, None, body),
    )
}

/// `POST /sign-in`. Every attempt counts against the same per-address allowance as phone
/// registrations before the password is looked at; five wrong passwords in a row lock the
/// badge for fifteen minutes.
async fn sign_in(
    State(state): State<AppState>,
    crate::http::ClientAddress(address): crate::http::ClientAddress,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let lang = lang_of(&headers);
    if let Some(limiter) = state.registration_limiter()
        && limiter.check(address).is_err()
    {
        return sign_in_refused(lang, StatusCode::TOO_MANY_REQUESTS, Key::TooFast);
    }
    let fields = form_fields(&body);
    let badge = field(&fields, "badge").unwrap_or("").to_owned();
    let password = field(&fields, "password").unwrap_or("").to_owned();
    let now_ms = state.now_ms();
    let checked = match state
        .with_reader(move |store| session::check_sign_in(store, &badge, &password, now_ms))
        .await
    {
        Ok(checked) => checked,
        Err(error) => {
            tracing::error!(%error, "sign-in check failed");
            return sign_in_refused(lang, StatusCode::INTERNAL_SERVER_ERROR, Key::Failed);
        }
    };
    let recorded = checked.clone();
    let started = state
        .with_district(move |district, now_ms| {
            session::record_sign_in(district.store_mut(), &recorded, now_ms)
        })
        .await;
    match (checked, started) {
        (_, Err(error)) => {
            tracing::error!(%error, "sign-in record failed");
            sign_in_refused(lang, StatusCode::INTERNAL_SERVER_ERROR, Key::Failed)
        }
        (Checked::Locked, _) => sign_in_refused(lang, StatusCode::TOO_MANY_REQUESTS, Key::Locked),
        (_, Ok(Some(started))) => {
            let mut response = see_other("/progress");
            response.headers_mut().append(
                header::SET_COOKIE,
                cookie(&state, SESSION_COOKIE, &started.token, None),
            );
            response
        }
        (_, Ok(None)) => sign_in_refused(lang, StatusCode::UNAUTHORIZED, Key::WrongSignIn),
    }
}

async fn first_password_page(headers: HeaderMap) -> Response {
    let lang = lang_of(&headers);
    let body = pages::first_password(lang, None);
    html(
        StatusCode::OK,
        pages::page(
            &bare_frame(lang, "/first-password"),
            Key::FirstPassword,
            None,
            body,
        ),
    )
}

/// `POST /first-password`: a one-time code from `mitan admin issue-code --for console` and
/// the new password twice.
async fn first_password(
    State(state): State<AppState>,
    crate::http::ClientAddress(address): crate::http::ClientAddress,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let lang = lang_of(&headers);
    let refused = |status: StatusCode, error: Key| {
        let body = pages::first_password(lang, Some(error));
        html(
            status,
            pages::page(
                &bare_frame(lang, "/first-password"),
                Key::FirstPassword,
                None,
                body,
            ),
        )
    };
    if let Some(limiter) = state.registration_limiter()
        && limiter.check(address).is_err()
    {
        return refused(StatusCode::TOO_MANY_REQUESTS, Key::TooFast);
    }
    let fields = form_fields(&body);
    let password = field(&fields, "password").unwrap_or("").to_owned();
    match session::check_new_password(&password, field(&fields, "again").unwrap_or("")) {
        Err(session::PasswordRefusal::TooShort) => {
            return refused(StatusCode::BAD_REQUEST, Key::PasswordShort);
        }
        Err(_) => return refused(StatusCode::BAD_REQUEST, Key::PasswordsDiffer),
        Ok(()) => {}
    }
    let Ok(hash) = tokio::task::spawn_blocking(move || session::hash_password(&password))
        .await
        .unwrap_or_else(|error| Err(Error::Worker(error.to_string())))
    else {
        return refused(StatusCode::INTERNAL_SERVER_ERROR, Key::Failed);
    };
    let badge = field(&fields, "badge").unwrap_or("").to_owned();
    let code = field(&fields, "code").unwrap_or("").to_owned();
    let set = state
        .with_district(move |district, now_ms| {
            session::set_password(district.store_mut(), &badge, &code, &hash, now_ms)
        })
        .await;
    match set {
        Ok(Ok(())) => see_other("/sign-in?set=1"),
        Ok(Err(_)) => refused(StatusCode::UNAUTHORIZED, Key::CodeRefused),
        Err(error) => {
            tracing::error!(%error, "setting a console password failed");
            refused(StatusCode::INTERNAL_SERVER_ERROR, Key::Failed)
        }
    }
}

/// Refuses a form without the session's CSRF token; `None` when it carries it.
fn forged(signed: &Signed, fields: &[(String, String)], here: &str) -> Option<Response> {
    if signed.session.accepts(field(fields, "csrf")) {
        return None;
    }
    tracing::warn!(badge = %signed.session.user.badge, "console form without its CSRF token");
    let body = pages::problem(signed.lang, Key::BadForm, "");
    Some(html(
        StatusCode::FORBIDDEN,
        pages::page(&signed.frame(here), Key::BadForm, None, body),
    ))
}

async fn sign_out(State(state): State<AppState>, signed: Signed, body: Bytes) -> Response {
    let fields = form_fields(&body);
    if let Some(refusal) = forged(&signed, &fields, "/progress") {
        return refusal;
    }
    let session = signed.session.clone();
    let _ = state
        .with_district(move |district, now_ms| {
            session::sign_out(district.store_mut(), &session, now_ms)
        })
        .await;
    let mut response = see_other("/sign-in");
    response.headers_mut().append(
        header::SET_COOKIE,
        cookie(&state, SESSION_COOKIE, "", Some(0)),
    );
    response
}

/// The campaign, programme, unit and depth a page was asked for.
fn report_query(query: &HashMap<String, String>) -> ReportQuery {
    let chosen = |name: &str| query.get(name).filter(|value| !value.is_empty()).cloned();
    ReportQuery {
        campaign: chosen("campaign"),
        programme: chosen("programme"),
        limit: None,
        offset: None,
        unit: chosen("unit").map(|unit| unit.trim().to_owned()),
        down_to: chosen("down_to"),
    }
}

/// The path of a report page with what it was asked for (unit, depth, campaign, programme),
/// so the language switch comes back to the same view.
fn report_here(path: &str, query: &ReportQuery) -> String {
    let mut asked = form_urlencoded::Serializer::new(String::new());
    for (name, value) in [
        ("unit", &query.unit),
        ("down_to", &query.down_to),
        ("campaign", &query.campaign),
        ("programme", &query.programme),
    ] {
        if let Some(value) = value {
            asked.append_pair(name, value);
        }
    }
    let asked = asked.finish();
    if asked.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{asked}")
    }
}

async fn progress(
    State(state): State<AppState>,
    signed: Signed,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let report_query = report_query(&query);
    let caller = signed.caller();
    let asked = report_query.clone();
    let now_ms = state.now_ms();
    let answer = state
        .with_reader(move |store| {
            let daily = crate::ops::reports::Daily {
                query: asked.clone(),
            }
            .read(store, &caller, now_ms)?;
            let report =
                crate::ops::reports::Progress { query: asked }.read(store, &caller, now_ms)?;
            let campaigns = crate::ops::administration::Campaigns {}
                .read(store, &caller, now_ms)?
                .campaigns;
            Ok((report, daily, campaigns))
        })
        .await;
    match answer {
        Ok((report, daily, campaigns)) => {
            let body = pages::progress(signed.lang, &report, &daily, &campaigns, &report_query);
            signed.page(
                &report_here("/progress", &report_query),
                Key::Progress,
                None,
                body,
            )
        }
        Err(error) => signed.failed(&report_here("/progress", &report_query), &error),
    }
}

fn offset_of(text: Option<&str>) -> u32 {
    text.and_then(|offset| offset.parse().ok()).unwrap_or(0)
}

async fn review(
    State(state): State<AppState>,
    signed: Signed,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let offset = offset_of(query.get("offset").map(String::as_str));
    let notice = match (query.get("verified"), query.contains_key("rejected")) {
        (Some(count), _) => Some(format!(
            "{}: {} {}",
            signed.lang.t(Key::Done),
            count
                .parse::<u64>()
                .map_or_else(|_| "0".into(), crate::ist::count),
            signed.lang.t(Key::VerifiedCount)
        )),
        (None, true) => Some(signed.lang.t(Key::RejectedOne).to_owned()),
        (None, false) => None,
    };
    let chosen = |name: &str| query.get(name).filter(|value| !value.is_empty()).cloned();
    let asked = crate::ops::reports::Queue {
        limit: Some(QUEUE_PAGE),
        offset: Some(offset),
        beat: chosen("beat"),
        village: chosen("village"),
        constable: chosen("constable"),
        programme: chosen("programme"),
        status: chosen("status"),
    };
    let filters = pages::QueueFilters {
        beat: asked.beat.clone(),
        village: asked.village.clone(),
        constable: asked.constable.clone(),
        programme: asked.programme.clone(),
        status: asked.status.clone(),
    };
    let caller = signed.caller();
    let lists = caller.clone();
    let now_ms = state.now_ms();
    let choices = state
        .with_reader(move |store| {
            let units = crate::ops::directory::ListUnits {
                under: Some(lists.user.unit.clone()),
            }
            .read(store, &lists, now_ms)?
            .units;
            // A constable may not list staff; their filter is their own badge anyway.
            let users = crate::ops::directory::ListUsers {
                under: Some(lists.user.unit.clone()),
            }
            .read(store, &lists, now_ms)
            .map(|list| list.users)
            .unwrap_or_default();
            Ok((units, users))
        })
        .await;
    let (units, users) = match choices {
        Ok(choices) => choices,
        Err(error) => return signed.failed("/review", &error),
    };
    let answer = state
        .with_district(move |district, now_ms| asked.write(district, &caller, now_ms))
        .await;
    match answer {
        Ok(queue) => {
            let body = pages::review(
                signed.lang,
                &queue,
                &pages::ReviewChoices {
                    units: &units,
                    users: &users,
                    filters: &filters,
                },
                offset,
                QUEUE_PAGE,
                signed.may(Permission::Review),
                &signed.session.csrf,
            );
            html(
                StatusCode::OK,
                pages::page(
                    &signed.frame("/review"),
                    Key::Review,
                    notice.as_deref(),
                    body,
                ),
            )
        }
        Err(error) => signed.failed("/review", &error),
    }
}

/// `POST /review/verify`: every volunteer ticked, one `Verify` each, in one go under the
/// writer; the first refusal stops it and is shown (those before it stand).
async fn verify(State(state): State<AppState>, signed: Signed, body: Bytes) -> Response {
    let fields = form_fields(&body);
    if let Some(refusal) = forged(&signed, &fields, "/review") {
        return refusal;
    }
    let offset = offset_of(field(&fields, "offset"));
    let chosen: Vec<String> = fields
        .iter()
        .filter(|(key, _)| key == "volunteer")
        .map(|(_, value)| value.clone())
        .collect();
    let caller = signed.caller();
    let done = state
        .with_district(move |district, now_ms| {
            let mut verified = 0u64;
            for id in chosen {
                let volunteer = id.parse().map_err(|_| Error::NotFound {
                    what: "volunteer",
                    id: id.clone(),
                })?;
                crate::ops::review::Verify { volunteer }.write(district, &caller, now_ms)?;
                verified += 1;
            }
            Ok(verified)
        })
        .await;
    match done {
        Ok(count) => see_other(&format!("/review?offset={offset}&verified={count}")),
        Err(error) => signed.failed("/review", &error),
    }
}

/// `POST /review/reject`: one `Reject` with the reason typed, which the constable's phone
/// shows after its next sync.
async fn reject(State(state): State<AppState>, signed: Signed, body: Bytes) -> Response {
    let fields = form_fields(&body);
    if let Some(refusal) = forged(&signed, &fields, "/review") {
        return refusal;
    }
    let offset = offset_of(field(&fields, "offset"));
    let id = field(&fields, "volunteer").unwrap_or("").to_owned();
    let reason = field(&fields, "reason").unwrap_or("").to_owned();
    let caller = signed.caller();
    let done = state
        .with_district(move |district, now_ms| {
            let volunteer = id.parse().map_err(|_| Error::NotFound {
                what: "volunteer",
                id: id.clone(),
            })?;
            crate::ops::review::Reject { volunteer, reason }.write(district, &caller, now_ms)
        })
        .await;
    match done {
        Ok(_) => see_other(&format!("/review?offset={offset}&rejected=1")),
        Err(error) => signed.failed("/review", &error),
    }
}

/// `GET /volunteers/{id}`: the record and history (`RecordQuery`, logged as the API logs it),
/// with the beats in the officer's reach to move the person to.
async fn volunteer(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let here = format!("/volunteers/{id}");
    let Ok(volunteer) = id.parse() else {
        let error = Error::NotFound {
            what: "volunteer",
            id,
        };
        return signed.failed(&here, &error);
    };
    let caller = signed.caller();
    let now_ms = state.now_ms();
    let answer = state
        .with_reader(move |store| {
            let record = crate::audit::RecordQuery { volunteer }.replay(
                store,
                &caller,
                now_ms,
                &mut |_, _| {},
            )?;
            let may_review = Policy::role_may(caller.user.role, Permission::Review);
            let beats = if may_review {
                crate::ops::directory::ListUnits {
                    under: Some(caller.user.unit.clone()),
                }
                .read(store, &caller, now_ms)?
                .units
                .into_iter()
                .filter(|unit| unit.kind == "beat")
                .collect()
            } else {
                Vec::new()
            };
            Ok((record, beats, may_review))
        })
        .await;
    let (record, beats, may_review) = match answer {
        Ok(found) => found,
        Err(error) => return signed.failed(&here, &error),
    };
    let record = match crate::http::ops::logged(&state, record).await {
        Ok(record) => record,
        Err(error) => return signed.failed(&here, &error),
    };
    let notice = query
        .contains_key("done")
        .then(|| signed.lang.t(Key::ActionDoneNotice));
    let body = pages::volunteer(
        signed.lang,
        &record,
        &beats,
        may_review,
        &signed.session.csrf,
    );
    signed.page(&here, Key::Volunteer, notice, body)
}

/// `POST /volunteers/{id}/act`: verify, reject, move, mark as a duplicate or record a
/// withdrawal, each the API's own operation.
async fn act(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let here = format!("/volunteers/{id}");
    let fields = form_fields(&body);
    if let Some(refusal) = forged(&signed, &fields, &here) {
        return refusal;
    }
    let text = |name: &str| field(&fields, name).unwrap_or("").to_owned();
    let (action, reason, to, of, note, village) = (
        text("action"),
        text("reason"),
        text("to"),
        text("of"),
        text("note"),
        text("village"),
    );
    let back = field(&fields, "back").map(str::to_owned);
    let caller = signed.caller();
    let target = id.clone();
    let done = state
        .with_district(move |district, now_ms| {
            let unknown = |what: &'static str, id: &str| Error::NotFound {
                what,
                id: id.to_owned(),
            };
            let volunteer = target.parse().map_err(|_| unknown("volunteer", &target))?;
            match action.as_str() {
                "verify" => {
                    crate::ops::review::Verify { volunteer }.write(district, &caller, now_ms)
                }
                "reject" => crate::ops::review::Reject { volunteer, reason }
                    .write(district, &caller, now_ms),
                "move" => crate::ops::review::Move {
                    volunteer,
                    to_beat: to.parse().map_err(|_| unknown("beat", &to))?,
                    village: Some(village.trim().to_owned()).filter(|code| !code.is_empty()),
                }
                .write(district, &caller, now_ms),
                "duplicate" => crate::ops::review::MarkDuplicate {
                    volunteer,
                    duplicate_of: of.trim().parse().map_err(|_| unknown("volunteer", &of))?,
                }
                .write(district, &caller, now_ms),
                "withdraw" => crate::ops::review::Withdraw {
                    volunteer,
                    note: Some(note).filter(|note| !note.trim().is_empty()),
                }
                .write(district, &caller, now_ms),
                other => Err(unknown("action", other)),
            }
        })
        .await;
    match done {
        Ok(_) => match back.as_deref() {
            Some("/duplicates") => see_other("/duplicates?marked=1"),
            _ => see_other(&format!("{here}?done=1")),
        },
        Err(error) => signed.failed(&here, &error),
    }
}

/// `GET /devices`: the devices of the officer's units (`ListDevices`), silent ones marked.
async fn devices(
    State(state): State<AppState>,
    signed: Signed,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let caller = signed.caller();
    let now_ms = state.now_ms();
    let answer = state
        .with_reader(move |store| {
            let devices = crate::ops::directory::ListDevices { badge: None }
                .read(store, &caller, now_ms)?
                .devices;
            let may_manage = Policy::role_may(caller.user.role, Permission::ManageDevices);
            let users = if may_manage {
                crate::ops::directory::ListUsers {
                    under: Some(caller.user.unit.clone()),
                }
                .read(store, &caller, now_ms)?
                .users
            } else {
                Vec::new()
            };
            Ok((devices, users, may_manage))
        })
        .await;
    match answer {
        Ok((devices, users, may_manage)) => {
            let notice = query
                .contains_key("revoked")
                .then(|| signed.lang.t(Key::RevokedNotice));
            let body = pages::devices(
                signed.lang,
                &devices,
                &users,
                may_manage,
                &signed.session.csrf,
                now_ms,
            );
            signed.page("/devices", Key::Devices, notice, body)
        }
        Err(error) => signed.failed("/devices", &error),
    }
}

/// The address phones reach this server at, as the officer's browser reached it.
fn public_url(state: &AppState, headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("localhost");
    let scheme = if state.secure_cookies() {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

/// `POST /devices/code`: `IssueCode`, answered with the slip to hand over.
async fn issue_code(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let fields = form_fields(&body);
    if let Some(refusal) = forged(&signed, &fields, "/devices") {
        return refusal;
    }
    let badge = field(&fields, "badge").unwrap_or("").to_owned();
    let purpose = match field(&fields, "for") {
        Some("console") => crate::registration::CodePurpose::Console,
        _ => crate::registration::CodePurpose::Phone,
    };
    let ttl_hours = field(&fields, "ttl_hours").and_then(|hours| hours.parse().ok());
    let caller = signed.caller();
    let issued = state
        .with_district(move |district, now_ms| {
            let badge = badge.parse().map_err(|_| Error::NotFound {
                what: "user",
                id: badge.clone(),
            })?;
            crate::ops::devices::IssueCode {
                badge,
                ttl_hours,
                purpose,
            }
            .write(district, &caller, now_ms)
        })
        .await;
    match issued {
        Ok(issued) => {
            let server = public_url(&state, &headers);
            let body = pages::slip(signed.lang, &issued, &server, state.ca_fingerprint());
            signed.page("/devices", Key::Slip, None, body)
        }
        Err(error) => signed.failed("/devices", &error),
    }
}

/// `POST /devices/{id}/revoke`: `Revoke`.
async fn revoke(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let fields = form_fields(&body);
    if let Some(refusal) = forged(&signed, &fields, "/devices") {
        return refusal;
    }
    let caller = signed.caller();
    let done = state
        .with_district(move |district, now_ms| {
            let device = id.parse().map_err(|_| Error::NotFound {
                what: "device",
                id: id.clone(),
            })?;
            crate::ops::devices::Revoke { id: device }.write(district, &caller, now_ms)
        })
        .await;
    match done {
        Ok(revoked) => see_other(&format!("/devices?revoked={}", revoked.device_id)),
        Err(error) => signed.failed("/devices", &error),
    }
}

/// `GET /duplicates`: `Duplicates` (logged), side by side.
async fn duplicates(
    State(state): State<AppState>,
    signed: Signed,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let caller = signed.caller();
    let asked = crate::ops::reports::Duplicates {
        query: report_query(&query),
    };
    let answer = state
        .with_district(move |district, now_ms| asked.write(district, &caller, now_ms))
        .await;
    match answer {
        Ok(report) => {
            let notice = query
                .contains_key("marked")
                .then(|| signed.lang.t(Key::MarkedNotice));
            let body = pages::duplicates(
                signed.lang,
                &report,
                signed.may(Permission::Review),
                &signed.session.csrf,
            );
            signed.page("/duplicates", Key::Duplicates, notice, body)
        }
        Err(error) => signed.failed("/duplicates", &error),
    }
}

/// `GET /coverage`: `Coverage`, per village.
async fn coverage(
    State(state): State<AppState>,
    signed: Signed,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    rolled_up_page(
        &state,
        signed,
        &query,
        ("/coverage", Key::Coverage),
        |query, store, caller, now_ms| {
            crate::ops::reports::Coverage { query }.read(store, caller, now_ms)
        },
        pages::coverage,
    )
    .await
}

/// `GET /programmes`: `Programmes`, volunteers per programme in all and per unit.
async fn programmes(
    State(state): State<AppState>,
    signed: Signed,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    rolled_up_page(
        &state,
        signed,
        &query,
        ("/programmes", Key::ByProgramme),
        |query, store, caller, now_ms| {
            crate::ops::reports::Programmes { query }.read(store, caller, now_ms)
        },
        pages::programmes,
    )
    .await
}

/// A report that opens at a unit in reach and lists down to a level, with the campaign
/// picker: `read` answers it on a reader connection, `draw` lays it out at `path`.
async fn rolled_up_page<R: Send + 'static>(
    state: &AppState,
    signed: Signed,
    query: &HashMap<String, String>,
    (path, key): (&'static str, Key),
    read: fn(ReportQuery, &crate::store::ServerStore, &Caller, i64) -> crate::error::Result<R>,
    draw: fn(Lang, &R, &[crate::admin::CampaignView], &ReportQuery) -> Markup,
) -> Response {
    let report_query = report_query(query);
    let caller = signed.caller();
    let asked = report_query.clone();
    let now_ms = state.now_ms();
    let answer = state
        .with_reader(move |store| {
            let report = read(asked, store, &caller, now_ms)?;
            let campaigns = crate::ops::administration::Campaigns {}
                .read(store, &caller, now_ms)?
                .campaigns;
            Ok((report, campaigns))
        })
        .await;
    match answer {
        Ok((report, campaigns)) => {
            let body = draw(signed.lang, &report, &campaigns, &report_query);
            signed.page(&report_here(path, &report_query), key, None, body)
        }
        Err(error) => signed.failed(&report_here(path, &report_query), &error),
    }
}

/// `GET /trainers`: `Trainers`, the training cascade.
async fn trainers(State(state): State<AppState>, signed: Signed) -> Response {
    let caller = signed.caller();
    let now_ms = state.now_ms();
    let answer = state
        .with_reader(move |store| crate::ops::reports::Trainers {}.read(store, &caller, now_ms))
        .await;
    match answer {
        Ok(report) => {
            let body = pages::trainers(signed.lang, &report);
            signed.page("/trainers", Key::Trainers, None, body)
        }
        Err(error) => signed.failed("/trainers", &error),
    }
}

/// `GET /cameras`: `CameraQuery`, the private CCTV cameras of the officer's units.
async fn cameras(
    State(state): State<AppState>,
    signed: Signed,
    Query(query): Query<crate::reports::cameras::CameraQuery>,
) -> Response {
    let caller = signed.caller();
    let now_ms = state.now_ms();
    let answer = state
        .with_reader(move |store| query.read(store, &caller, now_ms))
        .await;
    match answer {
        Ok(report) => {
            let body = pages::cameras(signed.lang, &report);
            signed.page("/cameras", Key::Cameras, None, body)
        }
        Err(error) => signed.failed("/cameras", &error),
    }
}

/// `GET /groups`: `GroupQuery`, the groups of the officer's units.
async fn groups(State(state): State<AppState>, signed: Signed) -> Response {
    let caller = signed.caller();
    let now_ms = state.now_ms();
    let answer = state
        .with_reader(move |store| crate::groups::GroupQuery::default().read(store, &caller, now_ms))
        .await;
    match answer {
        Ok(list) => {
            let body = pages::groups(signed.lang, &list);
            signed.page("/groups", Key::Groups, None, body)
        }
        Err(error) => signed.failed("/groups", &error),
    }
}

/// `GET /groups/members?unit=…&code=…`: `GroupMembers`, logged as the API logs it.
async fn group_members(
    State(state): State<AppState>,
    signed: Signed,
    Query(query): Query<crate::ops::groups::GroupMembers>,
) -> Response {
    let caller = signed.caller();
    let answer = state
        .with_district(move |district, now_ms| query.write(district, &caller, now_ms))
        .await;
    match answer {
        Ok(list) => {
            let body = pages::group_members(signed.lang, &list);
            signed.page("/groups", Key::GroupMembers, None, body)
        }
        Err(error) => signed.failed("/groups", &error),
    }
}

/// Runs a replay (`ReplayOperation`) for a page, writing its access-log line before the
/// answer is shown, as the API does.
async fn replayed<O: ReplayOperation>(
    state: &AppState,
    caller: Caller,
    request: O,
) -> Result<O::Answer, Error> {
    let now_ms = state.now_ms();
    let answer = state
        .with_reader(move |store| request.replay(store, &caller, now_ms, &mut |_, _| {}))
        .await?;
    crate::http::ops::logged(state, answer).await
}

/// `GET /audit`: the replay forms, the access log and the export log.
async fn audit(State(state): State<AppState>, signed: Signed) -> Response {
    let caller = signed.caller();
    let now_ms = state.now_ms();
    let answer = state
        .with_reader(move |store| {
            let access = crate::access::AccessLogQuery::default().read(store, &caller, now_ms)?;
            let exports = crate::exports::ExportLogQuery::default().read(store, &caller, now_ms)?;
            Ok((access, exports))
        })
        .await;
    match answer {
        Ok((access, exports)) => {
            let body = pages::audit(signed.lang, &access, &exports);
            signed.page("/audit", Key::Audit, None, body)
        }
        Err(error) => signed.failed("/audit", &error),
    }
}

/// `GET /audit/history?volunteer=…` or `?unit=…`: `HistoryQuery`, as a timeline.
async fn audit_history(
    State(state): State<AppState>,
    signed: Signed,
    RawQuery(query): RawQuery,
) -> Response {
    let request: crate::audit::HistoryQuery =
        match crate::http::ops::from_query(query.as_deref().unwrap_or("")) {
            Ok(request) => request,
            Err(error) => return signed.failed("/audit", &error),
        };
    // A unit that is a beat is asked as its roster, which replays one document.
    let request = match (&request.unit, &request.roster) {
        (Some(unit), None) => match unit.as_str().parse() {
            Ok(roster)
                if state
                    .with_reader({
                        let unit = unit.clone();
                        move |store| {
                            Ok(store.unit_kind(&unit)? == Some(mitan_core::model::UnitKind::Beat))
                        }
                    })
                    .await
                    .unwrap_or(false) =>
            {
                crate::audit::HistoryQuery {
                    roster: Some(roster),
                    unit: None,
                    ..request
                }
            }
            _ => request,
        },
        _ => request,
    };
    match replayed(&state, signed.caller(), request).await {
        Ok(page) => {
            let body = pages::history(signed.lang, &page);
            signed.page("/audit", Key::History, None, body)
        }
        Err(error) => signed.failed("/audit", &error),
    }
}

/// A date as an officer types it: the end of that day in India, or the moment given.
fn typed_moment(text: &str, field: &'static str) -> Result<i64, Error> {
    let at = crate::ist::parse_moment(text).map_err(|_| {
        Error::invalid(
            field,
            crate::Problem::unreadable(text, "a date such as 2026-12-07"),
        )
    })?;
    let date_only = !text.contains(':') && text.parse::<i64>().is_err();
    Ok(if date_only {
        at + 24 * 60 * 60 * 1000 - 1
    } else {
        at
    })
}

/// `GET /audit/progress?at=2026-12-07`: `PastReportQuery`.
async fn audit_progress(
    State(state): State<AppState>,
    signed: Signed,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let at = match typed_moment(query.get("at").map_or("", String::as_str), "at") {
        Ok(at) => at,
        Err(error) => return signed.failed("/audit", &error),
    };
    let request = crate::reports::past::PastReportQuery {
        at_ms: Some(at),
        ..Default::default()
    };
    match replayed(&state, signed.caller(), request).await {
        Ok(past) => {
            let body = pages::past_progress(signed.lang, &past);
            signed.page("/audit", Key::ProgressAt, None, body)
        }
        Err(error) => signed.failed("/audit", &error),
    }
}

/// `GET /audit/moved?from=…&to=…`: `ReportDiffQuery`.
async fn audit_moved(
    State(state): State<AppState>,
    signed: Signed,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let from = typed_moment(query.get("from").map_or("", String::as_str), "from");
    let to = match query.get("to").filter(|to| !to.is_empty()) {
        Some(to) => typed_moment(to, "to").map(Some),
        None => Ok(None),
    };
    let (from, to) = match (from, to) {
        (Ok(from), Ok(to)) => (from, to),
        (Err(error), _) | (_, Err(error)) => return signed.failed("/audit", &error),
    };
    let request = crate::reports::progress_diff::ReportDiffQuery {
        from_ms: Some(from),
        to_ms: to,
        ..Default::default()
    };
    match replayed(&state, signed.caller(), request).await {
        Ok(diff) => {
            let body = pages::moved(signed.lang, &diff);
            signed.page("/audit", Key::WhatMoved, None, body)
        }
        Err(error) => signed.failed("/audit", &error),
    }
}

/// `GET /audit/export`: the signed audit export of the officer's unit, as `mitan audit
/// export` writes it, for `mitan audit verify` to check offline.
async fn audit_export(State(state): State<AppState>, signed: Signed) -> Response {
    let user = signed.session.user.clone();
    let now_ms = state.now_ms();
    let done = state
        .with_reader(move |store| {
            crate::provenance::export(
                store,
                &user,
                &crate::provenance::ExportQuery::default(),
                now_ms,
                &mut |_, _| {},
            )
        })
        .await;
    match done {
        Ok(done) => (
            [
                (header::CONTENT_TYPE, "application/octet-stream"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"mitan-audit-export.bin\"",
                ),
                (header::CACHE_CONTROL, "no-store"),
            ],
            done.file,
        )
            .into_response(),
        Err(error) => signed.failed("/audit", &error),
    }
}

/// `GET /exports`: the form for a list of one of the officer's units.
async fn exports(State(state): State<AppState>, signed: Signed) -> Response {
    // The form would only lead to a refusal: the page is refused as the export would be.
    if let Err(error) = Policy::check_role(&signed.session.user, Permission::Export) {
        return signed.failed("/exports", &error);
    }
    let caller = signed.caller();
    let now_ms = state.now_ms();
    let units = state
        .with_reader(move |store| {
            Ok(crate::ops::directory::ListUnits {
                under: Some(caller.user.unit.clone()),
            }
            .read(store, &caller, now_ms)?
            .units)
        })
        .await;
    match units {
        Ok(units) => {
            let body = pages::exports(signed.lang, &units);
            signed.page("/exports", Key::Exports, None, body)
        }
        Err(error) => signed.failed("/exports", &error),
    }
}

/// `GET /exports/file?unit=…`: `ExportQuery`, logged, handed over as the file.
async fn export_file(
    State(state): State<AppState>,
    signed: Signed,
    RawQuery(query): RawQuery,
) -> Response {
    // An empty programme means every programme.
    let query: String = form_urlencoded::parse(query.as_deref().unwrap_or("").as_bytes())
        .filter(|(_, value)| !value.is_empty())
        .fold(
            form_urlencoded::Serializer::new(String::new()),
            |mut out, (key, value)| {
                out.append_pair(&key, &value);
                out
            },
        )
        .finish();
    let request: crate::exports::ExportQuery = match crate::http::ops::from_query(&query) {
        Ok(request) => request,
        Err(error) => return signed.failed("/exports", &error),
    };
    let caller = signed.caller();
    let file = state
        .with_district(move |district, now_ms| {
            use crate::ops::FileOperation;
            // A list in several parts (a WhatsApp group holds so many) comes as one zip, one
            // file a part; each part is logged as taken, as the API logs it.
            if request.part.is_some() || !request.kind_taken().is_list() {
                return request.take(district, &caller, now_ms).map(Download::File);
            }
            let first = crate::exports::ExportQuery {
                part: Some(1),
                ..request.clone()
            }
            .take(district, &caller, now_ms)?;
            if first.parts <= 1 {
                return Ok(Download::File(first));
            }
            let mut parts = vec![first];
            for part in 2..=parts[0].parts {
                parts.push(
                    crate::exports::ExportQuery {
                        part: Some(part),
                        ..request.clone()
                    }
                    .take(district, &caller, now_ms)?,
                );
            }
            zipped(&parts).map(Download::Zip)
        })
        .await;
    match file {
        Ok(Download::File(file)) => crate::http::ops::file_response(file),
        Ok(Download::Zip((name, bytes))) => (
            [
                (header::CONTENT_TYPE, "application/zip".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{}\"", name.replace('"', "")),
                ),
                (header::CACHE_CONTROL, "no-store".to_owned()),
            ],
            bytes,
        )
            .into_response(),
        Err(error) => signed.failed("/exports", &error),
    }
}

/// What an export page hands over: one file, or a zip of a list's parts (name, bytes).
enum Download {
    File(crate::exports::Export),
    Zip((String, Vec<u8>)),
}

/// The parts of a list as one zip, each under its own file name.
fn zipped(parts: &[crate::exports::Export]) -> Result<(String, Vec<u8>), Error> {
    use std::io::Write as _;
    let failed = |error: &dyn std::fmt::Display| Error::Worker(format!("zip: {error}"));
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for part in parts {
        writer
            .start_file(part.filename.as_str(), options)
            .map_err(|error| failed(&error))?;
        writer
            .write_all(part.body.as_bytes())
            .map_err(|error| failed(&error))?;
    }
    let bytes = writer
        .finish()
        .map_err(|error| failed(&error))?
        .into_inner();
    let stem = parts[0]
        .filename
        .rsplit_once('.')
        .map_or(parts[0].filename.as_str(), |(stem, _)| stem);
    Ok((format!("{stem}-all-parts.zip"), bytes))
}

/// `GET /admin`: the uploads, campaigns and targets, notices and policy, for the district
/// administrator (the ops refuse anyone else).
async fn admin_page(
    State(state): State<AppState>,
    signed: Signed,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let notice = query
        .contains_key("saved")
        .then(|| signed.lang.t(Key::Saved));
    admin_view(&state, &signed, StatusCode::OK, None, notice).await
}

/// The administration page, with what the last upload did and a notice.
async fn admin_view(
    state: &AppState,
    signed: &Signed,
    status: StatusCode,
    outcome: Option<&pages::ImportOutcome>,
    notice: Option<&str>,
) -> Response {
    if let Err(error) = Policy::check_role(&signed.session.user, Permission::Administer) {
        return signed.failed("/admin", &error);
    }
    let caller = signed.caller();
    let now_ms = state.now_ms();
    let settings = state
        .with_reader(move |store| {
            let campaigns = crate::ops::administration::Campaigns {}
                .read(store, &caller, now_ms)?
                .campaigns;
            let terms = crate::ops::administration::Notices {}.read(store, &caller, now_ms)?;
            Ok((campaigns, terms))
        })
        .await;
    let (campaigns, terms) = match settings {
        Ok(settings) => settings,
        Err(error) => return signed.failed("/admin", &error),
    };
    let body = pages::admin(
        signed.lang,
        &signed.session.csrf,
        outcome,
        &campaigns,
        &terms,
    );
    html(
        status,
        pages::page(&signed.frame("/admin"), Key::Administration, notice, body),
    )
}

/// `POST /admin/set/{what}`: a campaign, a target, a programme, a notice or the policy on
/// minors, each
/// the API's own `PUT` operation.
async fn admin_set(
    State(state): State<AppState>,
    signed: Signed,
    Path(what): Path<String>,
    body: Bytes,
) -> Response {
    let fields = form_fields(&body);
    if let Some(refusal) = forged(&signed, &fields, "/admin") {
        return refusal;
    }
    // The form's fields as the operation's request, an empty one left out (a campaign of
    // every programme).
    let given: Vec<(String, String)> = fields
        .iter()
        .filter(|(key, value)| key != "csrf" && !value.is_empty())
        .cloned()
        .collect();
    let query = given
        .iter()
        .fold(
            form_urlencoded::Serializer::new(String::new()),
            |mut out, (key, value)| {
                out.append_pair(key, value);
                out
            },
        )
        .finish();
    let adults_only = fields
        .iter()
        .any(|(key, value)| key == "adults_only" && value == "true");
    let subject = field(&fields, "subject").unwrap_or("").trim().to_owned();
    let group_fields = fields.clone();
    let group_field = move |name: &str| field(&group_fields, name).unwrap_or("").trim().to_owned();
    let caller = signed.caller();
    let done = state
        .with_district(move |district, now_ms| {
            use crate::http::ops::from_query;
            match what.as_str() {
                "campaign" => {
                    let spec: crate::admin::CampaignSpec = from_query(&query)?;
                    spec.write(district, &caller, now_ms).map(drop)
                }
                "target" => {
                    let mut spec: crate::admin::TargetSpec = from_query(&query)?;
                    // One box for both: a badge of the district's staff, or else a unit.
                    let is_badge = subject
                        .parse()
                        .ok()
                        .map(|badge| district.store().load_user(&badge))
                        .transpose()?
                        .flatten()
                        .is_some();
                    if is_badge {
                        spec.badge = Some(subject);
                    } else {
                        spec.unit = Some(subject);
                    }
                    spec.write(district, &caller, now_ms).map(drop)
                }
                "notice" => {
                    let spec: crate::consent::NoticeSpec = from_query(&query)?;
                    spec.write(district, &caller, now_ms).map(drop)
                }
                "programme" => {
                    let spec: crate::programmes::ProgrammeSpec = from_query(&query)?;
                    spec.write(district, &caller, now_ms).map(drop)
                }
                // The rules come one a line from a text box, which a query string cannot
                // carry as a list.
                "group" => crate::groups::GroupSpec {
                    unit: group_field("unit"),
                    code: group_field("code"),
                    name_hi: group_field("name_hi"),
                    name_en: group_field("name_en"),
                    rules: group_field("rules")
                        .lines()
                        .map(str::trim)
                        .filter(|line| !line.is_empty())
                        .map(str::to_owned)
                        .collect(),
                }
                .write(district, &caller, now_ms)
                .map(drop),
                "policy" => crate::consent::PolicySpec { adults_only }
                    .write(district, &caller, now_ms)
                    .map(drop),
                other => Err(Error::NotFound {
                    what: "setting",
                    id: other.to_owned(),
                }),
            }
        })
        .await;
    match done {
        Ok(()) => see_other("/admin?saved=1"),
        Err(error) => signed.failed("/admin", &error),
    }
}

async fn upload_hierarchy(
    State(state): State<AppState>,
    signed: Signed,
    form: Multipart,
) -> Response {
    upload(state, signed, form, false).await
}

async fn upload_users(State(state): State<AppState>, signed: Signed, form: Multipart) -> Response {
    upload(state, signed, form, true).await
}

async fn upload(state: AppState, signed: Signed, mut form: Multipart, users: bool) -> Response {
    let mut fields = Vec::new();
    let mut csv = None;
    while let Ok(Some(part)) = form.next_field().await {
        let name = part.name().unwrap_or("").to_owned();
        match (name.as_str(), part.bytes().await) {
            ("file", Ok(bytes)) => csv = Some(bytes),
            (_, Ok(bytes)) => fields.push((name, String::from_utf8_lossy(&bytes).into_owned())),
            (_, Err(_)) => break,
        }
    }
    if let Some(refusal) = forged(&signed, &fields, "/admin") {
        return refusal;
    }
    let Some(csv) = csv.map(|bytes| String::from_utf8_lossy(&bytes).into_owned()) else {
        return signed.failed(
            "/admin",
            &Error::invalid("file", crate::Problem::unreadable("", "a CSV file")),
        );
    };
    let caller = signed.caller();
    let done = state
        .with_district(move |district, now_ms| {
            if users {
                crate::ops::imports::ImportUsers { csv }.write(district, &caller, now_ms)
            } else {
                crate::ops::imports::ImportHierarchy { csv }.write(district, &caller, now_ms)
            }
        })
        .await;
    let (status, outcome) = match done {
        Ok(summary) => (StatusCode::OK, pages::ImportOutcome::Saved(summary)),
        Err(Error::BadRows { problems, more }) => (
            StatusCode::BAD_REQUEST,
            pages::ImportOutcome::Refused { problems, more },
        ),
        Err(error) => return signed.failed("/admin", &error),
    };
    admin_view(&state, &signed, status, Some(&outcome), None).await
}

/// `GET /search?q=…`: `Search` (logged), by name, mobile or village.
async fn search(
    State(state): State<AppState>,
    signed: Signed,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let text = query.get("q").cloned().unwrap_or_default();
    let caller = signed.caller();
    let asked = crate::ops::review::Search {
        q: text.clone(),
        limit: None,
    };
    let found = state
        .with_district(move |district, now_ms| asked.write(district, &caller, now_ms))
        .await;
    match found {
        Ok(found) => {
            let body = pages::search(signed.lang, &text, &found);
            signed.page("/search", Key::Search, None, body)
        }
        Err(error) => signed.failed("/search", &error),
    }
}
