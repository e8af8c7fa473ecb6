//! The ODK-style baseline: each enrolment posted as an OpenRosa submission (a
//! multipart/form-data POST with the XML instance, after a HEAD that asks the server's
//! OpenRosa limits, as ODK Collect sends a batch) to a minimal receiver that stores each in
//! SQLite in its own transaction, as ODK Central stores each submission. Phones authenticate
//! as Central's app users do, with a token in the path; in-charges review through Central's
//! API (`PATCH …/submissions/{instanceId}` with a review state, and a comment naming the
//! kept entry for a duplicate, since Central has no merge).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, bail};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{patch, post};
use rusqlite::Connection;

use super::floor::open_durable;
use super::{Finished, System};
use crate::child::{ServerChild, Usage, listen, runtime};
use crate::records::{self, BOUNDARY, ODK_FORM_ID};
use crate::workload::{Enrolment, Review, Workload};

/// The receiver and the phones' outboxes.
#[derive(Default)]
pub struct Odk {
    server: Option<ServerChild>,
    db: PathBuf,
    badges: Vec<String>,
    tokens: Vec<String>,
    incharge_tokens: Vec<String>,
    outboxes: Vec<Mutex<Vec<String>>>,
}

/// A Central app user's token: 64 characters drawn from the badge, so runs repeat.
fn token(badge: &str) -> String {
    let digits: String = badge.chars().filter(char::is_ascii_alphanumeric).collect();
    format!("{digits:x>64}")
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into()
}

const SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS app_user (token TEXT PRIMARY KEY, badge TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS submission (
        instance_id TEXT PRIMARY KEY, form_id TEXT NOT NULL, submitter TEXT NOT NULL,
        xml TEXT NOT NULL, received_ms INTEGER NOT NULL, review_state TEXT
    );
    CREATE TABLE IF NOT EXISTS comment (
        instance_id TEXT NOT NULL, author TEXT NOT NULL, body TEXT NOT NULL
    );";

impl System for Odk {
    fn name(&self) -> &'static str {
        "odk"
    }

    fn start(
        &mut self,
        workload: &Workload,
        exe: &Path,
        dir: &Path,
    ) -> anyhow::Result<Option<SocketAddr>> {
        self.db = dir.join("odk.db");
        {
            let connection = open_durable(&self.db)?;
            connection.execute_batch(SCHEMA)?;
            let badges = workload
                .phones
                .iter()
                .map(|phone| &phone.badge)
                .chain(workload.stations.iter().map(|station| &station.incharge));
            for badge in badges {
                connection.execute(
                    "INSERT INTO app_user (token, badge) VALUES (?1, ?2)",
                    [token(badge), badge.clone()],
                )?;
            }
        }
        self.badges = workload.phones.iter().map(|p| p.badge.clone()).collect();
        self.tokens = self.badges.iter().map(|badge| token(badge)).collect();
        self.incharge_tokens = workload
            .stations
            .iter()
            .map(|s| token(&s.incharge))
            .collect();
        self.outboxes = workload
            .phones
            .iter()
            .map(|_| Mutex::new(Vec::new()))
            .collect();
        let server = ServerChild::spawn(exe, "odk", &self.db)?;
        let address = server.address;
        self.server = Some(server);
        Ok(Some(address))
    }

    fn enrol(&self, enrolment: &Enrolment) -> anyhow::Result<()> {
        // ODK Collect saves the finalised instance on the phone and sends it later.
        let instance = records::openrosa_instance(enrolment, &self.badges[enrolment.phone]);
        self.outboxes[enrolment.phone]
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(instance);
        Ok(())
    }

    fn sync(&self, phone: usize, _day: usize, link: Option<SocketAddr>) -> anyhow::Result<()> {
        let link = link.context("odk syncs through a link")?;
        let outbox = std::mem::take(
            &mut *self.outboxes[phone]
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        let url = format!(
            "http://{link}/v1/key/{}/projects/1/submission?deviceID=collect:{phone}",
            self.tokens[phone]
        );
        let agent = agent();
        let response = agent
            .head(&url)
            .header("X-OpenRosa-Version", "1.0")
            .call()?;
        if response.status().as_u16() != 204 {
            bail!("HEAD submission: status {}", response.status());
        }
        for instance in outbox {
            let mut response = agent
                .post(&url)
                .header("X-OpenRosa-Version", "1.0")
                .header(
                    "Content-Type",
                    &format!("multipart/form-data; boundary={BOUNDARY}"),
                )
                .send(records::multipart(&instance))?;
            let status = response.status().as_u16();
            let text = response.body_mut().read_to_string()?;
            if status != 201 {
                bail!("POST submission: status {status}: {text}");
            }
        }
        Ok(())
    }

    fn review(
        &self,
        station: usize,
        reviews: &[Review],
        link: Option<SocketAddr>,
    ) -> anyhow::Result<()> {
        let link = link.context("odk reviews through a link")?;
        let agent = agent();
        let bearer = format!("Bearer {}", self.incharge_tokens[station]);
        let base = format!("http://{link}/v1/projects/1/forms/{ODK_FORM_ID}/submissions");
        for review in reviews {
            let (state, comment) = match review {
                Review::Verify(_) => ("approved", None),
                Review::Duplicate(_, kept) => {
                    ("rejected", Some(format!("duplicate of uuid:{kept}")))
                }
            };
            let instance = format!("uuid:{}", review.id());
            let mut calls = vec![(
                format!("{base}/{instance}"),
                "PATCH",
                serde_json::json!({ "reviewState": state }),
            )];
            if let Some(body) = comment {
                calls.push((
                    format!("{base}/{instance}/comments"),
                    "POST",
                    serde_json::json!({ "body": body }),
                ));
            }
            for (url, method, body) in calls {
                let request = ureq::http::Request::builder()
                    .method(method)
                    .uri(&url)
                    .header("Authorization", &bearer)
                    .header("Content-Type", "application/json")
                    .body(body.to_string())?;
                let mut response = agent.run(request)?;
                let status = response.status().as_u16();
                let text = response.body_mut().read_to_string()?;
                if status != 200 {
                    bail!("{method} {url}: status {status}: {text}");
                }
            }
        }
        Ok(())
    }

    fn usage(&self) -> Option<Usage> {
        self.server.as_ref().and_then(|server| server.usage().ok())
    }

    fn finish(&mut self) -> anyhow::Result<Finished> {
        let usage = self.server.take().map(ServerChild::stop).transpose()?;
        let connection = Connection::open(&self.db)?;
        let stored: i64 =
            connection.query_row("SELECT count(*) FROM submission", [], |row| row.get(0))?;
        let stored = stored as u64;
        Ok(Finished { stored, usage })
    }
}

type Db = Arc<Mutex<Connection>>;

/// Runs SQLite work off the async workers, as a real receiver would.
async fn blocking<T: Send + 'static>(
    db: &Db,
    work: impl FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
) -> Result<T, Response> {
    let db = Arc::clone(db);
    tokio::task::spawn_blocking(move || {
        let mut connection = db.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        work(&mut connection)
    })
    .await
    .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())?
    .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

fn openrosa(status: StatusCode, body: &'static str) -> Response {
    (
        status,
        [
            ("X-OpenRosa-Version", "1.0"),
            ("X-OpenRosa-Accept-Content-Length", "104857600"),
            ("Content-Type", "text/xml; charset=utf-8"),
        ],
        body,
    )
        .into_response()
}

async fn submission_head() -> Response {
    openrosa(StatusCode::NO_CONTENT, "")
}

async fn submit(
    State(db): State<Db>,
    UrlPath(token): UrlPath<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(boundary) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split_once("boundary="))
        .map(|(_, boundary)| boundary.trim_matches('"').to_owned())
    else {
        return (
            StatusCode::BAD_REQUEST,
            "content-type: expected a multipart boundary",
        )
            .into_response();
    };
    let Ok(text) = std::str::from_utf8(&body) else {
        return (StatusCode::BAD_REQUEST, "body: expected UTF-8").into_response();
    };
    let Some(xml) = records::xml_part(text, &boundary) else {
        return (StatusCode::BAD_REQUEST, "body: no xml_submission_file part").into_response();
    };
    let Some(instance_id) = records::xml_field(xml, "instanceID").map(str::to_owned) else {
        return (StatusCode::BAD_REQUEST, "xml: no meta/instanceID").into_response();
    };
    let xml = xml.to_owned();
    let received_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as i64);
    let stored = blocking(&db, move |connection| {
        let transaction = connection.transaction()?;
        let submitter: Option<String> = transaction
            .query_row(
                "SELECT badge FROM app_user WHERE token = ?1",
                [&token],
                |row| row.get(0),
            )
            .ok();
        let Some(submitter) = submitter else {
            return Ok(false);
        };
        // A resubmission of the same instance is accepted and kept once, as Central does.
        transaction.execute(
            "INSERT OR IGNORE INTO submission
             (instance_id, form_id, submitter, xml, received_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
            rusqlite::params![instance_id, ODK_FORM_ID, submitter, xml, received_ms],
        )?;
        transaction.commit()?;
        Ok(true)
    })
    .await;
    match stored {
        Ok(true) => openrosa(
            StatusCode::CREATED,
            "<OpenRosaResponse xmlns=\"http://openrosa.org/http/response\">\
             <message nature=\"submit_success\">Success</message></OpenRosaResponse>",
        ),
        Ok(false) => (StatusCode::FORBIDDEN, "token: unknown app user").into_response(),
        Err(response) => response,
    }
}

fn reviewer(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::to_owned)
}

async fn set_review_state(
    State(db): State<Db>,
    UrlPath(instance_id): UrlPath<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(token) = reviewer(&headers) else {
        return (
            StatusCode::UNAUTHORIZED,
            "authorization: bearer token required",
        )
            .into_response();
    };
    let state = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|value| value["reviewState"].as_str().map(str::to_owned));
    let Some(state) = state
        .filter(|state| ["approved", "rejected", "hasIssues", "edited"].contains(&state.as_str()))
    else {
        return (
            StatusCode::BAD_REQUEST,
            "reviewState: expected approved, rejected, hasIssues or edited",
        )
            .into_response();
    };
    let updated = blocking(&db, move |connection| {
        let transaction = connection.transaction()?;
        let known: bool = transaction.query_row(
            "SELECT count(*) > 0 FROM app_user WHERE token = ?1",
            [&token],
            |row| row.get(0),
        )?;
        let changed = known
            && transaction.execute(
                "UPDATE submission SET review_state = ?2 WHERE instance_id = ?1",
                [&instance_id, &state],
            )? == 1;
        transaction.commit()?;
        Ok(changed)
    })
    .await;
    match updated {
        Ok(true) => (StatusCode::OK, "{\"success\":true}").into_response(),
        Ok(false) => (StatusCode::NOT_FOUND, "submission: not found").into_response(),
        Err(response) => response,
    }
}

async fn add_comment(
    State(db): State<Db>,
    UrlPath(instance_id): UrlPath<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(token) = reviewer(&headers) else {
        return (
            StatusCode::UNAUTHORIZED,
            "authorization: bearer token required",
        )
            .into_response();
    };
    let Some(text) = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|value| value["body"].as_str().map(str::to_owned))
    else {
        return (StatusCode::BAD_REQUEST, "body: expected a comment").into_response();
    };
    let added = blocking(&db, move |connection| {
        let transaction = connection.transaction()?;
        let author: Option<String> = transaction
            .query_row(
                "SELECT badge FROM app_user WHERE token = ?1",
                [&token],
                |row| row.get(0),
            )
            .ok();
        let Some(author) = author else {
            return Ok(false);
        };
        transaction.execute(
            "INSERT INTO comment (instance_id, author, body) VALUES (?1, ?2, ?3)",
            [&instance_id, &author, &text],
        )?;
        transaction.commit()?;
        Ok(true)
    })
    .await;
    match added {
        Ok(true) => (StatusCode::OK, "{\"success\":true}").into_response(),
        Ok(false) => (StatusCode::FORBIDDEN, "token: unknown user").into_response(),
        Err(response) => response,
    }
}

/// The receiver's routes over the database at `db`.
pub fn receiver(db: Db) -> Router {
    Router::new()
        .route(
            "/v1/key/{token}/projects/1/submission",
            post(submit).head(submission_head).get(submission_head),
        )
        .route(
            &format!("/v1/projects/1/forms/{ODK_FORM_ID}/submissions/{{instance}}"),
            patch(set_review_state),
        )
        .route(
            &format!("/v1/projects/1/forms/{ODK_FORM_ID}/submissions/{{instance}}/comments"),
            post(add_comment),
        )
        .with_state(db)
}

/// The receiver over the database at `db`, until standard input closes.
pub fn serve(db: &Path) -> anyhow::Result<()> {
    let connection = open_durable(db)?;
    connection.execute_batch(SCHEMA)?;
    let db = Arc::new(Mutex::new(connection));
    runtime()?.block_on(async move {
        let (listener, closed) = listen().await?;
        axum::serve(listener, receiver(db))
            .with_graceful_shutdown(closed)
            .await?;
        Ok(())
    })
}
