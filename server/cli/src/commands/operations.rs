//! Running an operation from the command line: on the district database beside the server
//! (`--db FILE --as BADGE`), or on a running server (`--server URL --credential TOKEN`),
//! through the same [`mitan_server::ops`] requests the HTTP API serves.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use mitan_server::district::{District, DistrictConfig};
use mitan_server::http::system_clock;
use mitan_server::ops::{
    Caller, Method, Operation, ReadOperation, ReplayOperation, WriteOperation,
};
use mitan_server::store::ServerStore;

use crate::error::{Error, Result};

/// How long a command waits for a server's answer.
const REMOTE_TIMEOUT: Duration = Duration::from_secs(60);

/// Where a command acts: one of a database and a badge, or a server and a credential.
#[derive(Debug, Clone, Args)]
pub struct Target {
    /// The district database, used directly (beside a running server too: it notices).
    #[arg(long, env = "MITAN_DB", conflicts_with = "server")]
    pub db: Option<PathBuf>,
    /// The badge of the person acting on the database: what they may do and see is theirs,
    /// and the access and action logs name them, as requested via `cli`.
    #[arg(long = "as", requires = "db")]
    pub badge: Option<String>,
    /// A running server's address, e.g. `https://mitan.bilaspur.example:8443`.
    #[arg(long, env = "MITAN_SERVER")]
    pub server: Option<String>,
    /// The database's key, if it is encrypted.
    #[command(flatten)]
    pub key: super::database::KeyFile,
    /// The device credential to act with on `--server`.
    #[arg(
        long,
        env = "MITAN_CREDENTIAL",
        requires = "server",
        hide_env_values = true
    )]
    pub credential: Option<String>,
}

enum Place {
    Database { db: PathBuf, badge: String },
    Server { url: String, credential: String },
}

impl Target {
    fn place(&self) -> Result<Place> {
        match (&self.db, &self.badge, &self.server, &self.credential) {
            (Some(db), Some(badge), None, _) => Ok(Place::Database {
                db: db.clone(),
                badge: badge.clone(),
            }),
            (Some(_), None, None, _) => Err(Error::Invalid {
                field: "as",
                reason: "give --as BADGE: the person acting on the database".into(),
            }),
            (None, _, Some(url), Some(credential)) => Ok(Place::Server {
                url: url.trim_end_matches('/').to_owned(),
                credential: credential.clone(),
            }),
            (None, _, Some(_), None) => Err(Error::Invalid {
                field: "credential",
                reason: "give --credential (or MITAN_CREDENTIAL) to act on --server".into(),
            }),
            _ => Err(Error::Invalid {
                field: "db",
                reason: "give --db FILE --as BADGE, or --server URL --credential TOKEN".into(),
            }),
        }
    }

    fn console(store: &ServerStore, badge: &str) -> Result<Caller> {
        Ok(Caller::console(
            store,
            &mitan_server::auth::parse_badge(badge)?,
        )?)
    }

    /// Runs an operation that reads counts.
    pub fn read<O: ReadOperation>(&self, request: O) -> Result<O::Answer> {
        match self.place()? {
            Place::Database { db, badge } => {
                let store = self.key.open_reader(&db)?;
                let caller = Self::console(&store, &badge)?;
                Ok(request.read(&store, &caller, system_clock()())?)
            }
            Place::Server { url, credential } => remote(&url, &credential, &request),
        }
    }

    /// Runs a replay of the merge history, telling `progress` how far it is on the database
    /// (a server's replay is one request). On the database, what the replay opened is
    /// written to the access log before the answer is returned to be shown.
    pub fn replay<O: ReplayOperation>(
        &self,
        request: O,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<O::Answer> {
        match self.place()? {
            Place::Database { db, badge } => {
                let store = self.key.open_reader(&db)?;
                let caller = Self::console(&store, &badge)?;
                let answer = request.replay(&store, &caller, system_clock()(), progress)?;
                if let Some(line) = answer.access {
                    drop(store);
                    self.key.open(&db)?.save_access(&line, system_clock()())?;
                }
                Ok(answer.value)
            }
            Place::Server { url, credential } => remote(&url, &credential, &request),
        }
    }

    /// The database, read only, and the person reading it, for what only the command line
    /// does there (`what`, e.g. the signed export).
    pub fn database_reader(&self, what: &str) -> Result<(ServerStore, Caller)> {
        match self.place()? {
            Place::Database { db, badge } => {
                let store = self.key.open_reader(&db)?;
                let caller = Self::console(&store, &badge)?;
                Ok((store, caller))
            }
            Place::Server { .. } => Err(Error::Invalid {
                field: "server",
                reason: format!("{what} reads the district database: give --db FILE --as BADGE"),
            }),
        }
    }

    /// Runs an operation that writes, or reads personal fields and logs it.
    pub fn write<O: WriteOperation>(&self, request: O) -> Result<O::Answer> {
        match self.place()? {
            Place::Database { db, badge } => {
                let store = self.key.open(&db)?;
                let caller = Self::console(&store, &badge)?;
                let mut district = District::new(store, DistrictConfig::default());
                Ok(request.write(&mut district, &caller, system_clock()())?)
            }
            Place::Server { url, credential } => remote(&url, &credential, &request),
        }
    }
}

/// Sends `request` to the server at `url` as its route says, and reads the answer.
fn remote<O: Operation>(url: &str, credential: &str, request: &O) -> Result<O::Answer> {
    let serde_json::Value::Object(mut fields) =
        serde_json::to_value(request).map_err(|error| Error::Encode(error.to_string()))?
    else {
        return Err(Error::Encode("a request is a JSON object".into()));
    };
    // Absent options travel as nothing at all.
    fields.retain(|_, value| !value.is_null());
    let mut path = O::PATH.to_owned();
    for name in placeholders(O::PATH) {
        let value = fields.remove(&name).ok_or_else(|| Error::Invalid {
            field: "path",
            reason: format!("the request has no {name}"),
        })?;
        let text = match value {
            serde_json::Value::String(text) => text,
            other => other.to_string(),
        };
        let encoded: String = form_urlencoded::byte_serialize(text.as_bytes()).collect();
        path = path.replace(&format!("{{{name}}}"), &encoded);
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(REMOTE_TIMEOUT))
        .http_status_as_error(false)
        .build()
        .into();
    let authorization = format!("Bearer {credential}");
    let network = |error: ureq::Error| Error::Network(format!("{url}: {error}"));
    let mut response = match O::METHOD {
        Method::Get => {
            let query = serde_urlencoded::to_string(&fields)
                .map_err(|error| Error::Encode(error.to_string()))?;
            let address = if query.is_empty() {
                format!("{url}{path}")
            } else {
                format!("{url}{path}?{query}")
            };
            agent
                .get(&address)
                .header("Authorization", &authorization)
                .call()
                .map_err(network)?
        }
        Method::Post | Method::Put => {
            let body =
                serde_json::to_vec(&fields).map_err(|error| Error::Encode(error.to_string()))?;
            let address = format!("{url}{path}");
            let request = if O::METHOD == Method::Post {
                agent.post(&address)
            } else {
                agent.put(&address)
            };
            request
                .header("Authorization", &authorization)
                .content_type("application/json")
                .send(&body[..])
                .map_err(network)?
        }
    };
    crate::field::read_answer(&mut response)
}

/// The `{name}` segments of a route.
fn placeholders(path: &str) -> Vec<String> {
    path.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_route_names_the_fields_its_path_carries() {
        assert_eq!(
            placeholders("/v1/volunteers/{volunteer}/move"),
            vec!["volunteer".to_owned()]
        );
        assert!(placeholders("/v1/reports/progress").is_empty());
    }
}
