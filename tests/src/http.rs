//! The JSON and CSV side of the API as a supervisor's browser or script reaches it: plain
//! HTTP requests with a bearer credential, answers read whatever their status.

use crate::TestServer;

/// An HTTP answer: status, the `x-mitan-parts` header of list exports, and the body.
#[derive(Debug)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// How many parts a WhatsApp list export has, when it is one.
    pub parts: Option<String>,
    /// The body as text.
    pub body: String,
}

impl Reply {
    /// The body as JSON; panics with the body when it is not.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|error| panic!("the body is not JSON ({error}): {}", self.body))
    }

    /// The `error.field` of a JSON error body.
    pub fn error_field(&self) -> String {
        self.json()["error"]["field"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

fn read(mut response: ureq::http::Response<ureq::Body>) -> Reply {
    Reply {
        status: response.status().as_u16(),
        parts: response
            .headers()
            .get("x-mitan-parts")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned),
        body: response
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_string()
            .expect("the body reads"),
    }
}

fn bearer(credential: &str) -> String {
    format!("Bearer {credential}")
}

impl TestServer {
    /// `GET path` with `credential`.
    pub fn get(&self, path: &str, credential: &str) -> Reply {
        read(
            agent()
                .get(&format!("{}{path}", self.url))
                .header("Authorization", &bearer(credential))
                .call()
                .expect("the server answers"),
        )
    }

    /// `POST path` with `credential` and a JSON body, or none.
    pub fn post(&self, path: &str, credential: &str, body: Option<serde_json::Value>) -> Reply {
        let request = agent()
            .post(&format!("{}{path}", self.url))
            .header("Authorization", &bearer(credential));
        read(
            match body {
                Some(body) => request
                    .header("Content-Type", "application/json")
                    .send(body.to_string()),
                None => request.send_empty(),
            }
            .expect("the server answers"),
        )
    }

    /// `POST path` with `credential` and a binary body, as a phone sends a sync; the status and
    /// the body's bytes (a sync answer is binary, an error is JSON).
    pub fn post_bytes(&self, path: &str, credential: &str, body: &[u8]) -> (u16, Vec<u8>) {
        let mut response = agent()
            .post(&format!("{}{path}", self.url))
            .header("Authorization", &bearer(credential))
            .header("Content-Type", "application/octet-stream")
            .send(body)
            .expect("the server answers");
        let bytes = response
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_vec()
            .expect("the body reads");
        (response.status().as_u16(), bytes)
    }

    /// `PUT path` with `credential` and a JSON body.
    pub fn put(&self, path: &str, credential: &str, body: serde_json::Value) -> Reply {
        read(
            agent()
                .put(&format!("{}{path}", self.url))
                .header("Authorization", &bearer(credential))
                .header("Content-Type", "application/json")
                .send(body.to_string())
                .expect("the server answers"),
        )
    }
}

/// The records of a CSV export, header left out.
pub fn csv_records(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes())
        .records()
        .map(|record| {
            record
                .expect("the export is well-formed CSV")
                .iter()
                .map(str::to_owned)
                .collect()
        })
        .collect()
}

/// One column of `records`.
pub fn column(records: &[Vec<String>], index: usize) -> Vec<String> {
    records.iter().map(|record| record[index].clone()).collect()
}
