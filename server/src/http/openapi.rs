//! `GET /openapi.json`: the OpenAPI document of the HTTP API.
//!
//! Every route is one row of [`ROUTES`], from which the document is built with `utoipa`'s
//! typed model. `server/tests/openapi.rs` keeps the two honest from both sides: each
//! `.route(…)` in `http/mod.rs` must have its rows here, and each row must answer on a real
//! server (neither 404 from the router nor 405). Adding a route without a row fails that test.

use axum::Json;
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem, PathsBuilder,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ComponentsBuilder, Content, InfoBuilder, OpenApi, OpenApiBuilder, Required};

/// How a route authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteAuth {
    /// No credential.
    None,
    /// A device credential as `Authorization: Bearer …`.
    Bearer,
}

/// One documented operation.
#[derive(Debug, Clone, Copy)]
pub struct RouteDoc {
    /// `get`, `post`, `put` or `delete`.
    pub method: &'static str,
    /// The path as the router spells it, e.g. `/v1/devices/{id}/revoke`.
    pub path: &'static str,
    /// The group it belongs to.
    pub tag: &'static str,
    /// One line on what it does.
    pub summary: &'static str,
    /// How it authenticates.
    pub auth: RouteAuth,
    /// The media type and a description of the request body, if it takes one.
    pub body: Option<(&'static str, &'static str)>,
    /// The media type of a successful answer.
    pub answers: &'static str,
    /// Query parameters as (name, description, required); path parameters come from the
    /// `{name}` segments of the path.
    pub query: &'static [(&'static str, &'static str, bool)],
}

const JSON: &str = "application/json";
const OCTETS: &str = "application/octet-stream";
const TEXT: &str = "text/plain";

/// The filters every report takes.
const REPORT_QUERY: &[(&str, &str, bool)] = &[
    (
        "campaign",
        "a campaign code: count only its window and use its targets",
        false,
    ),
    ("programme", "only this programme, e.g. cyber_mitan", false),
    ("limit", "at most this many rows", false),
    ("offset", "skip this many rows", false),
];

/// Every route of [`super::app`].
pub const ROUTES: &[RouteDoc] = &[
    RouteDoc {
        method: "post",
        path: "/v1/sync",
        tag: "sync",
        summary: "Offer a device's unacknowledged changes and its heads; get what it lacks. \
                  The reply is sent only after everything accepted is durably committed",
        auth: RouteAuth::Bearer,
        body: Some((
            OCTETS,
            "a SyncRequest, postcard then zstd (mitan_core::sync::wire)",
        )),
        answers: OCTETS,
        query: &[],
    },
    RouteDoc {
        method: "post",
        path: "/v1/devices/register",
        tag: "devices",
        summary: "Register a device with a one-time code and its Automerge actor; the \
                  credential in the answer is shown once",
        auth: RouteAuth::None,
        body: Some((
            JSON,
            "{\"code\": \"abcd-ef01-2345\", \"actor\": \"32 hex digits\"}",
        )),
        answers: JSON,
        query: &[],
    },
    RouteDoc {
        method: "post",
        path: "/v1/devices/{id}/revoke",
        tag: "devices",
        summary: "Revoke a lost device: its credential stops working",
        auth: RouteAuth::Bearer,
        body: None,
        answers: JSON,
        query: &[],
    },
    RouteDoc {
        method: "post",
        path: "/v1/registration-codes",
        tag: "devices",
        summary: "Issue a one-time registration code for a user of the caller's unit",
        auth: RouteAuth::Bearer,
        body: Some((JSON, "{\"badge\": \"CG-4101\", \"ttl_hours\": 24}")),
        answers: JSON,
        query: &[],
    },
    RouteDoc {
        method: "get",
        path: "/v1/reports/progress",
        tag: "reports",
        summary: "Progress of every unit the caller reaches (employee, beat, outpost, station, \
                  circle, district) against its targets",
        auth: RouteAuth::Bearer,
        body: None,
        answers: JSON,
        query: REPORT_QUERY,
    },
    RouteDoc {
        method: "get",
        path: "/v1/reports/coverage",
        tag: "reports",
        summary: "Household coverage per village",
        auth: RouteAuth::Bearer,
        body: None,
        answers: JSON,
        query: REPORT_QUERY,
    },
    RouteDoc {
        method: "get",
        path: "/v1/reports/review-queue",
        tag: "reports",
        summary: "Entries waiting for a supervisor's review",
        auth: RouteAuth::Bearer,
        body: None,
        answers: JSON,
        query: REPORT_QUERY,
    },
    RouteDoc {
        method: "get",
        path: "/v1/reports/duplicates",
        tag: "reports",
        summary: "Duplicate candidates: the same phone (grouped by its tag in the server's \
                  blind index, never by the number), or the same name and village across \
                  scripts and spellings; one page of groups of each kind, with total_groups \
                  per kind",
        auth: RouteAuth::Bearer,
        body: None,
        answers: JSON,
        query: &[
            (
                "limit",
                "at most this many groups of each kind (100 if absent, at most 1000)",
                false,
            ),
            ("offset", "skip this many groups of each kind", false),
        ],
    },
    RouteDoc {
        method: "get",
        path: "/v1/reports/programmes",
        tag: "reports",
        summary: "Counts per programme",
        auth: RouteAuth::Bearer,
        body: None,
        answers: JSON,
        query: REPORT_QUERY,
    },
    RouteDoc {
        method: "post",
        path: "/v1/volunteers/{volunteer}/verify",
        tag: "review",
        summary: "Verify an entry: a change in its roster authored by the supervisor",
        auth: RouteAuth::Bearer,
        body: None,
        answers: JSON,
        query: &[],
    },
    RouteDoc {
        method: "post",
        path: "/v1/volunteers/{volunteer}/reject",
        tag: "review",
        summary: "Reject an entry with a reason the enrolling constable will see",
        auth: RouteAuth::Bearer,
        body: Some((JSON, "{\"reason\": \"…\"}")),
        answers: JSON,
        query: &[],
    },
    RouteDoc {
        method: "post",
        path: "/v1/volunteers/{volunteer}/duplicate",
        tag: "review",
        summary: "Mark an entry as a duplicate of another, which is kept",
        auth: RouteAuth::Bearer,
        body: Some((JSON, "{\"duplicate_of\": \"volunteer id\"}")),
        answers: JSON,
        query: &[],
    },
    RouteDoc {
        method: "post",
        path: "/v1/volunteers/{volunteer}/move",
        tag: "review",
        summary: "Move a volunteer to another beat (both rosters change)",
        auth: RouteAuth::Bearer,
        body: Some((JSON, "{\"to_beat\": \"beat code\"}")),
        answers: JSON,
        query: &[],
    },
    RouteDoc {
        method: "post",
        path: "/v1/volunteers/{volunteer}/withdraw",
        tag: "review",
        summary: "Record a withdrawal of consent given by phone: the person's key is destroyed \
                  and every phone erases them at its next sync",
        auth: RouteAuth::Bearer,
        body: Some((JSON, "{\"note\": \"optional\"}")),
        answers: JSON,
        query: &[],
    },
    RouteDoc {
        method: "get",
        path: "/v1/directory/units",
        tag: "directory",
        summary: "The units under the caller's unit (or under `under`), each after its parent",
        auth: RouteAuth::Bearer,
        body: None,
        answers: JSON,
        query: &[("under", "only this unit and what lies under it", false)],
    },
    RouteDoc {
        method: "get",
        path: "/v1/directory/users",
        tag: "directory",
        summary: "Police staff attached to the caller's unit or below it (supervisors, the \
                  district admin and auditors)",
        auth: RouteAuth::Bearer,
        body: None,
        answers: JSON,
        query: &[("under", "only staff of this unit or below", false)],
    },
    RouteDoc {
        method: "get",
        path: "/v1/directory/devices",
        tag: "directory",
        summary: "Devices registered to staff of the caller's unit: owner, registration, \
                  revocation, and the last change received from each",
        auth: RouteAuth::Bearer,
        body: None,
        answers: JSON,
        query: &[("badge", "only this person's devices", false)],
    },
    RouteDoc {
        method: "get",
        path: "/v1/exports",
        tag: "exports",
        summary: "CSV per unit and programme, or WhatsApp-ready group (≤ 1,024) and broadcast \
                  (≤ 256) lists as CSV or vCard; logged with who took it",
        auth: RouteAuth::Bearer,
        body: None,
        answers: "text/csv",
        query: &[
            ("unit", "the unit whose people are exported", true),
            ("programme", "only this programme", false),
            ("kind", "roster, group or broadcast", false),
            ("format", "csv or vcard", false),
            (
                "include_unverified",
                "also unverified people (withdrawn never)",
                false,
            ),
        ],
    },
    RouteDoc {
        method: "get",
        path: "/v1/exports/log",
        tag: "exports",
        summary: "Who exported what, and when",
        auth: RouteAuth::Bearer,
        body: None,
        answers: JSON,
        query: &[
            ("limit", "at most this many entries", false),
            (
                "before",
                "only entries older than this sequence number: the seq of the last entry of the previous page",
                false,
            ),
        ],
    },
    RouteDoc {
        method: "get",
        path: "/v1/audit/access-log",
        tag: "audit",
        summary: "Every read of volunteers' personal fields (review queue, duplicates, \
                  exports, syncs granting keys): who, through which device, what, for which \
                  scope, how many people, and when. Auditors and district admins only",
        auth: RouteAuth::Bearer,
        body: None,
        answers: JSON,
        query: &[
            (
                "from_ms",
                "only reads at or after this server time (ms)",
                false,
            ),
            ("to_ms", "only reads before this server time (ms)", false),
            ("badge", "only this reader's badge", false),
            (
                "kind",
                "only this kind: review_queue, duplicates, export, sync or history",
                false,
            ),
            (
                "limit",
                "at most this many entries (100 if absent, at most 1,000)",
                false,
            ),
            (
                "before",
                "only entries older than this sequence number: the next_before of the previous page",
                false,
            ),
        ],
    },
    RouteDoc {
        method: "get",
        path: "/v1/audit/history",
        tag: "audit",
        summary: "Every change of a roster, of the rosters under a unit, or of one volunteer, in \
                  order: author (badge and role), device, device clock, server receipt time, \
                  and each field written (personal fields opened with the district's keys, \
                  erased after a withdrawal). Auditors and district admins only; an answer \
                  showing personal fields is logged in the access log",
        auth: RouteAuth::Bearer,
        body: None,
        answers: JSON,
        query: &[
            ("roster", "one roster (beat code)", false),
            ("unit", "every roster under this unit", false),
            (
                "volunteer",
                "one volunteer, across every roster holding their changes",
                false,
            ),
            ("badge", "only changes by this badge", false),
            ("device", "only changes made on this device", false),
            ("from_ms", "only changes at or after this time (ms)", false),
            ("to_ms", "only changes before this time (ms)", false),
            (
                "clock",
                "server (receipt time, the default) or device (the device's claim)",
                false,
            ),
            (
                "limit",
                "at most this many entries (100 if absent, at most 1,000)",
                false,
            ),
            (
                "offset",
                "skip this many entries: the next_offset of the previous page",
                false,
            ),
        ],
    },
    RouteDoc {
        method: "get",
        path: "/v1/audit/state",
        tag: "audit",
        summary: "A roster as it stood at a past time or just after a change, volunteer by \
                  volunteer and field by field. Auditors and district admins only; logged \
                  when it shows personal fields",
        auth: RouteAuth::Bearer,
        body: None,
        answers: JSON,
        query: &[
            ("roster", "the roster (beat code)", true),
            (
                "at_ms",
                "the moment (ms); the latest state if neither this nor change",
                false,
            ),
            (
                "change",
                "a change hash (hex): the roster just after it",
                false,
            ),
            (
                "clock",
                "the clock at_ms is read on: server (default) or device",
                false,
            ),
        ],
    },
    RouteDoc {
        method: "get",
        path: "/v1/audit/diff",
        tag: "audit",
        summary: "What changed in a roster between two moments: volunteers added, and each \
                  field that differs. Auditors and district admins only; logged when it shows \
                  personal fields",
        auth: RouteAuth::Bearer,
        body: None,
        answers: JSON,
        query: &[
            ("roster", "the roster (beat code)", true),
            ("from_ms", "the first moment (ms)", false),
            ("from_change", "the first moment as a change hash", false),
            (
                "to_ms",
                "the second moment (ms); the latest if neither to_ms nor to_change",
                false,
            ),
            ("to_change", "the second moment as a change hash", false),
            (
                "clock",
                "the clock the times are read on: server (default) or device",
                false,
            ),
        ],
    },
    RouteDoc {
        method: "get",
        path: "/v1/audit/report",
        tag: "audit",
        summary: "The progress report (every unit and employee against its target) as it \
                  stood at a past moment: each beat replayed from its change log. Auditors \
                  and district admins only; shows no personal field",
        auth: RouteAuth::Bearer,
        body: None,
        answers: JSON,
        query: &[
            (
                "at_ms",
                "the moment (ms since the epoch); this or change",
                false,
            ),
            (
                "change",
                "or a change's hash: the moment the server received it (server clock only)",
                false,
            ),
            (
                "clock",
                "the clock at_ms is read on: server (default) or device",
                false,
            ),
            (
                "campaign",
                "count only within this campaign's window and programme",
                false,
            ),
            ("programme", "count only this programme", false),
        ],
    },
    RouteDoc {
        method: "get",
        path: "/v1/audit/report/diff",
        tag: "audit",
        summary: "What moved in the progress report between two moments: each unit and \
                  employee whose enrolled or verified count changed, with both counts. \
                  Auditors and district admins only; shows no personal field",
        auth: RouteAuth::Bearer,
        body: None,
        answers: JSON,
        query: &[
            (
                "from_ms",
                "the first moment (ms since the epoch); this or from_change",
                false,
            ),
            (
                "from_change",
                "or a change's hash: the moment the server received it (server clock only)",
                false,
            ),
            (
                "to_ms",
                "the second moment (ms); now if neither to_ms nor to_change (server clock only)",
                false,
            ),
            ("to_change", "the second moment as a change hash", false),
            (
                "clock",
                "the clock the times are read on: server (default) or device",
                false,
            ),
            (
                "campaign",
                "count only within this campaign's window and programme",
                false,
            ),
            ("programme", "count only this programme", false),
        ],
    },
    RouteDoc {
        method: "post",
        path: "/v1/admin/hierarchy",
        tag: "admin",
        summary: "Import the district's units and villages (with LGD codes) from CSV; all or \
                  nothing",
        auth: RouteAuth::Bearer,
        body: Some((
            "text/csv",
            "a header row, then one unit per row: kind, code, parent, name_hi, name_en, and optionally lgd_code and households",
        )),
        answers: JSON,
        query: &[],
    },
    RouteDoc {
        method: "post",
        path: "/v1/admin/users",
        tag: "admin",
        summary: "Import users and roles from CSV; all or nothing",
        auth: RouteAuth::Bearer,
        body: Some((
            "text/csv",
            "a header row, then one user per row: badge, name, role, unit, and a constable's beats",
        )),
        answers: JSON,
        query: &[],
    },
    RouteDoc {
        method: "get",
        path: "/v1/admin/campaigns",
        tag: "admin",
        summary: "Campaigns with their windows and targets",
        auth: RouteAuth::Bearer,
        body: None,
        answers: JSON,
        query: &[],
    },
    RouteDoc {
        method: "put",
        path: "/v1/admin/campaigns",
        tag: "admin",
        summary: "Create or replace a campaign: programme and window (start and end dates)",
        auth: RouteAuth::Bearer,
        body: Some((
            JSON,
            "{\"code\", \"name\", \"programme\" (optional), \"starts_on\": \"YYYY-MM-DD\", \"ends_on\"}",
        )),
        answers: JSON,
        query: &[],
    },
    RouteDoc {
        method: "put",
        path: "/v1/admin/targets",
        tag: "admin",
        summary: "Set a unit's target for a campaign (25 per employee, 200 per station, 100 \
                  per outpost, one per household)",
        auth: RouteAuth::Bearer,
        body: Some((
            JSON,
            "{\"campaign\", \"unit\" or \"badge\", \"volunteers\"}",
        )),
        answers: JSON,
        query: &[],
    },
    RouteDoc {
        method: "put",
        path: "/v1/admin/notices",
        tag: "admin",
        summary: "Publish the next version of a language's consent notice; a published \
                  version is never changed",
        auth: RouteAuth::Bearer,
        body: Some((
            JSON,
            "{\"version\": above every version of the language, \"language\": \"hi\", \
             \"en\" or a 2-3 letter code the district adds, \"text\"}",
        )),
        answers: JSON,
        query: &[],
    },
    RouteDoc {
        method: "put",
        path: "/v1/admin/policy",
        tag: "admin",
        summary: "Set whether the district enrols adults only (then under-18s are refused, \
                  otherwise they need a guardian's consent)",
        auth: RouteAuth::Bearer,
        body: Some((JSON, "{\"adults_only\": true or false}")),
        answers: JSON,
        query: &[],
    },
    RouteDoc {
        method: "get",
        path: "/v1/notices",
        tag: "devices",
        summary: "The current consent notice of each language and the district's policy on \
                  under-18s, for a device to hold and show offline",
        auth: RouteAuth::Bearer,
        body: None,
        answers: JSON,
        query: &[],
    },
    RouteDoc {
        method: "get",
        path: "/healthz",
        tag: "operations",
        summary: "`ok` when the database answers",
        auth: RouteAuth::None,
        body: None,
        answers: TEXT,
        query: &[],
    },
    RouteDoc {
        method: "get",
        path: "/metrics",
        tag: "operations",
        summary: "Prometheus metrics: sync requests by outcome, bytes, changes, durations",
        auth: RouteAuth::None,
        body: None,
        answers: TEXT,
        query: &[],
    },
    RouteDoc {
        method: "get",
        path: "/openapi.json",
        tag: "operations",
        summary: "This document",
        auth: RouteAuth::None,
        body: None,
        answers: JSON,
        query: &[],
    },
];

fn http_method(method: &str) -> HttpMethod {
    match method {
        "get" => HttpMethod::Get,
        "put" => HttpMethod::Put,
        "delete" => HttpMethod::Delete,
        "patch" => HttpMethod::Patch,
        _ => HttpMethod::Post,
    }
}

/// The document, built from [`ROUTES`].
pub fn document() -> OpenApi {
    let mut paths = PathsBuilder::new();
    for route in ROUTES {
        let mut operation = OperationBuilder::new()
            .tag(route.tag)
            .summary(Some(route.summary))
            .operation_id(Some(format!(
                "{}_{}",
                route.method,
                route
                    .path
                    .trim_matches('/')
                    .replace(['/', '-', '.'], "_")
                    .replace(['{', '}'], "")
            )))
            .response(
                "200",
                ResponseBuilder::new()
                    .description("done")
                    .content(route.answers, Content::new(None::<utoipa::openapi::Schema>)),
            );
        for segment in route.path.split('/') {
            if let Some(name) = segment
                .strip_prefix('{')
                .and_then(|rest| rest.strip_suffix('}'))
            {
                operation = operation.parameter(
                    ParameterBuilder::new()
                        .name(name)
                        .parameter_in(ParameterIn::Path)
                        .required(Required::True)
                        .build(),
                );
            }
        }
        for (name, description, required) in route.query {
            operation = operation.parameter(
                ParameterBuilder::new()
                    .name(*name)
                    .parameter_in(ParameterIn::Query)
                    .description(Some(*description))
                    .required(if *required {
                        Required::True
                    } else {
                        Required::False
                    })
                    .build(),
            );
        }
        if let Some((media_type, description)) = route.body {
            operation = operation.request_body(Some(
                RequestBodyBuilder::new()
                    .description(Some(description))
                    .content(media_type, Content::new(None::<utoipa::openapi::Schema>))
                    .build(),
            ));
        }
        if route.auth == RouteAuth::Bearer {
            operation = operation
                .security(SecurityRequirement::new("device", Vec::<String>::new()))
                .response(
                    "401",
                    ResponseBuilder::new()
                        .description("no credential, an unknown one, or a revoked device"),
                );
        }
        operation = operation.response(
            "4XX",
            ResponseBuilder::new().description(
                "refused: {\"error\": {\"code\": stable code, \"message\": …, \"field\"?, \
                 \"line\"?}}; a refused CSV import names its first bad row in code, field and \
                 line, and lists every problem in \"problems\": [{\"line\", \"field\", \"code\", \
                 \"reason\"}] (at most 200) with \"more\" counting those not listed; 429 \
                 carries Retry-After",
            ),
        );
        paths = paths.path(
            route.path,
            PathItem::new(http_method(route.method), operation.build()),
        );
    }
    let bearer = HttpBuilder::new()
        .scheme(HttpAuthScheme::Bearer)
        .description(Some(
            "the device credential handed out once at registration",
        ))
        .build();
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("Mitan")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "Rosters of community-policing volunteers: phones sync offline work; \
                     district officers read reports",
                ))
                .build(),
        )
        .paths(paths.build())
        .components(Some(
            ComponentsBuilder::new()
                .security_scheme("device", SecurityScheme::Http(bearer))
                .build(),
        ))
        .build()
}

/// `GET /openapi.json`.
pub(super) async fn openapi_json() -> Json<OpenApi> {
    Json(document())
}
