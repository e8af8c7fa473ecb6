//! Operations: what a person or program asks of the district server, sync aside. Each is one
//! typed request (deriving serde for HTTP and clap for the command line, ids parsed into the
//! core's newtypes where it arrives) and one function that asks [`Policy`] and does the work.
//! The HTTP handlers (`http::ops`) and the `mitan` subcommands are glue over them.
//!
//! Adding an operation is one struct, one `impl` and one routing line; see
//! `review::Verify` for a worked example, and ARCHITECTURE.md. Requests carry `#[group(skip)]`:
//! they are flattened into subcommands of the same name, whose argument group would clash.

/// How an operation travels over HTTP, in one line: `route!(Verify => ActionDone, Post
/// "/v1/volunteers/{volunteer}/verify");` says that the request `Verify` is answered with an
/// `ActionDone`, by `POST` at that path.
macro_rules! route {
    ($request:ty => $answer:ty, $method:ident $path:literal) => {
        impl $crate::ops::Operation for $request {
            type Answer = $answer;
            const METHOD: $crate::ops::Method = $crate::ops::Method::$method;
            const PATH: &'static str = $path;
        }
    };
}

pub mod administration;
pub mod audit;
pub mod devices;
pub mod directory;
pub mod exports;
pub mod groups;
pub mod imports;
pub mod policy;
pub mod reports;
pub mod review;

use serde::Serialize;
use serde::de::DeserializeOwned;

pub use policy::{Permission, Policy};

/// Reads the unit code a request names in `field`, refusing what is not one with the field
/// named (existing or not is the caller's question).
pub fn parse_unit(field: &'static str, text: &str) -> Result<mitan_core::model::UnitCode> {
    text.parse().map_err(|_| {
        Error::invalid(
            field,
            crate::error::Problem::unreadable(text, "a unit code"),
        )
    })
}

use mitan_core::model::BadgeNumber;

use crate::access;
use crate::auth;
use crate::district::District;
use crate::error::{Error, Result};
use crate::exports::Export;
use crate::store::{ServerStore, User};

/// Who asks, and through what: a device's credential over HTTP, or the command line beside
/// the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The person.
    pub user: User,
    /// The device they asked through, or `cli`: what the access log and the supervisor
    /// action log record.
    pub via: String,
}

impl Caller {
    /// The caller behind an authenticated device.
    pub fn device(caller: auth::Caller) -> Self {
        Caller {
            via: caller.device.to_string(),
            user: caller.user,
        }
    }

    /// A user acting at the command line on the district database (`--as BADGE`).
    pub fn console(store: &ServerStore, badge: &BadgeNumber) -> Result<Self> {
        let user = store.load_user(badge)?.ok_or_else(|| Error::NotFound {
            what: "user",
            id: badge.to_string(),
        })?;
        Ok(Caller {
            user,
            via: "cli".into(),
        })
    }

    /// The operator at the database itself (`mitan admin`): whoever holds the file holds
    /// everything in it, so they act as a district admin over the whole hierarchy.
    pub fn operator(store: &ServerStore) -> Result<Self> {
        let root = store
            .load_units()?
            .into_iter()
            .find(|unit| unit.parent.is_none())
            .ok_or_else(|| Error::NotFound {
                what: "unit",
                id: "the top of the hierarchy (import it first)".into(),
            })?;
        Ok(Caller {
            user: User {
                badge: "OPERATOR".parse().map_err(|_| Error::Corrupt {
                    what: "badge",
                    reason: "OPERATOR".into(),
                })?,
                name: "operator at the database".into(),
                role: crate::auth::Role::DistrictAdmin,
                unit: root.code.parse().map_err(|_| Error::Corrupt {
                    what: "unit code",
                    reason: root.code.clone(),
                })?,
                beats: Vec::new(),
            },
            via: "cli".into(),
        })
    }

    /// How the access log names this reader.
    pub fn reader(&self) -> access::Reader<'_> {
        access::Reader {
            user: &self.user,
            via: &self.via,
        }
    }
}

/// How an operation travels over HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// A read: the request's fields are the query string.
    Get,
    /// An action: fields named in the path travel there, the others as a JSON body.
    Post,
    /// A setting stored whole (a campaign, a target, a notice), as a JSON body.
    Put,
}

impl Method {
    /// As OpenAPI spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Post => "post",
            Method::Put => "put",
        }
    }
}

/// What every operation declares.
pub trait Operation: Serialize + DeserializeOwned + utoipa::ToSchema + Send + 'static {
    /// Its answer, as JSON over HTTP and as `--json` on the command line.
    type Answer: Serialize + DeserializeOwned + utoipa::ToSchema + Send + 'static;
    /// Its HTTP method.
    const METHOD: Method;
    /// Its HTTP path; a `{name}` segment carries the request's field of that name.
    const PATH: &'static str;
    /// The media types its answer comes in: JSON, unless it hands over a file.
    const ANSWERS: &'static [&'static str] = &["application/json"];
    /// The media type of its body when that is not JSON (a CSV import): the body is then
    /// the request's text ([`TextRequest`]).
    const BODY: Option<&'static str> = None;
    /// Whether it is answered without a credential (a phone registering has none yet).
    const PUBLIC: bool = false;
}

/// A request whose body is a text file (a CSV import) rather than JSON.
pub trait TextRequest: WriteOperation {
    /// The request holding `text`.
    fn from_text(text: String) -> Self;
}

/// An operation that only reads counts: it runs on a read-only connection of its own, so a
/// district-wide report never holds up a sync.
pub trait ReadOperation: Operation {
    /// Does it.
    fn read(self, store: &ServerStore, caller: &Caller, now_ms: i64) -> Result<Self::Answer>;
}

/// An operation that writes district state, or reads personal fields and logs that it did:
/// it runs with the district's writer.
pub trait WriteOperation: Operation {
    /// Does it.
    fn write(self, district: &mut District, caller: &Caller, now_ms: i64) -> Result<Self::Answer>;
}

/// An operation that hands over a file (an export as CSV or vCard) and logs who took it: it
/// runs with the district's writer, and its answer travels as the file itself.
pub trait FileOperation: Operation<Answer = String> {
    /// Makes the file and logs it.
    fn take(self, district: &mut District, caller: &Caller, now_ms: i64) -> Result<Export>;
}

/// A replay's answer, with the access-log line to write before it is shown; `None` when it
/// opens no personal field.
pub use crate::audit::Answer as Replayed;

/// An operation that replays the merge history. A replay of a whole district takes seconds,
/// so it reads on a read-only connection of its own and holds up no sync; what it opened is
/// written to the access log afterwards, with the writer, before the answer leaves.
pub trait ReplayOperation: Operation {
    /// Does it, telling `progress` how many rosters of how many are replayed.
    fn replay(
        self,
        store: &ServerStore,
        caller: &Caller,
        now_ms: i64,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Replayed<Self::Answer>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn documented<O: Operation>() -> bool {
        let document = crate::http::openapi_document();
        let Some(item) = document.paths.paths.get(O::PATH) else {
            return false;
        };
        match O::METHOD {
            Method::Get => item.get.is_some(),
            Method::Post => item.post.is_some(),
            Method::Put => item.put.is_some(),
        }
    }

    /// The command line reaches a server through each operation's method and path, so each
    /// must be a route the server documents (and so serves: both come from one list).
    #[test]
    fn every_operation_travels_on_a_documented_route() {
        assert!(documented::<review::Verify>());
        assert!(documented::<review::Reject>());
        assert!(documented::<review::MarkDuplicate>());
        assert!(documented::<review::Move>());
        assert!(documented::<review::Withdraw>());
        assert!(documented::<reports::Progress>());
        assert!(documented::<reports::Coverage>());
        assert!(documented::<reports::Programmes>());
        assert!(documented::<reports::Trainers>());
        assert!(documented::<reports::CameraQuery>());
        assert!(documented::<crate::groups::GroupSpec>());
        assert!(documented::<crate::groups::GroupQuery>());
        assert!(documented::<groups::GroupMembers>());
        assert!(documented::<reports::Queue>());
        assert!(documented::<reports::Duplicates>());
        assert!(documented::<directory::ListUnits>());
        assert!(documented::<directory::ListUsers>());
        assert!(documented::<directory::ListDevices>());
        assert!(documented::<administration::Campaigns>());
        assert!(documented::<crate::admin::CampaignSpec>());
        assert!(documented::<crate::admin::TargetSpec>());
        assert!(documented::<crate::consent::NoticeSpec>());
        assert!(documented::<crate::consent::PolicySpec>());
        assert!(documented::<administration::Notices>());
        assert!(documented::<administration::Programmes>());
        assert!(documented::<devices::IssueCode>());
        assert!(documented::<devices::Revoke>());
        assert!(documented::<crate::audit::HistoryQuery>());
        assert!(documented::<crate::audit::StateQuery>());
        assert!(documented::<crate::audit::DiffQuery>());
        assert!(documented::<crate::reports::past::PastReportQuery>());
        assert!(documented::<crate::reports::progress_diff::ReportDiffQuery>());
        assert!(documented::<crate::access::AccessLogQuery>());
        assert!(documented::<crate::exports::ExportQuery>());
        assert!(documented::<crate::exports::ExportLogQuery>());
        assert!(documented::<imports::ImportHierarchy>());
        assert!(documented::<imports::ImportUsers>());
        assert!(documented::<crate::registration::RegisterRequest>());
    }
}
