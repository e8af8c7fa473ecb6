//! `GET /openapi.json`: the OpenAPI document of the HTTP API, built from the same lists that
//! build the router (`http::routes`).
//!
//! An operation (`crate::ops`) documents itself: its request's schema gives the query
//! parameters of a `GET` and the path parameters and body of a `POST`, its answer's schema
//! the 200 response, and every refusal is the one error body. The routes that are not
//! operations (sync, health, metrics and this document) are one row each of
//! [`ROUTES`], with the request and answer described in words. `server/tests/openapi.rs`
//! checks that every documented route answers on a real server and that operations' answers
//! validate against their schemas.

use axum::Json;
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem, PathsBuilder,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{Object, Schema};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, Content, InfoBuilder, OpenApi, OpenApiBuilder, Ref, RefOr, Required,
};
use utoipa::{PartialSchema, ToSchema};

use crate::error::ErrorBody;
use crate::ops::{Method, Operation};

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

/// The document under construction: paths and the schemas they refer to.
pub(crate) struct Document {
    paths: PathsBuilder,
    schemas: Vec<(String, RefOr<Schema>)>,
}

/// What every refusal looks like, in words, beside its schema.
const REFUSAL: &str = "refused: {\"error\": {\"code\": stable code (docs/errors.md), \"message\": …, \"field\"?, \
     \"line\"?}}; a refused CSV import names its first bad row in code, field and line, and lists \
     every problem in \"problems\": [{\"line\", \"field\", \"code\", \"reason\"}] (at most 200) \
     with \"more\" counting those not listed; 429 carries Retry-After";

impl Document {
    fn new() -> Self {
        let mut schemas = vec![(ErrorBody::name().into_owned(), ErrorBody::schema())];
        ErrorBody::schemas(&mut schemas);
        Document {
            paths: PathsBuilder::new(),
            schemas,
        }
    }

    /// Documents operation `O` under `tag`: its summary is its request's doc comment.
    pub(crate) fn operation<O: Operation>(&mut self, tag: &str) {
        let request = match O::schema() {
            RefOr::T(Schema::Object(object)) => object,
            _ => Object::new(),
        };
        let summary = request
            .description
            .clone()
            .unwrap_or_else(|| O::name().into_owned());
        let mut operation = OperationBuilder::new()
            .tag(tag)
            .summary(Some(summary.lines().next().unwrap_or_default().to_owned()))
            .description(Some(summary.clone()))
            .operation_id(Some(O::name().into_owned()));
        if !O::PUBLIC {
            operation =
                operation.security(SecurityRequirement::new("device", Vec::<String>::new()));
        }
        let in_path: Vec<&str> = O::PATH
            .split('/')
            .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
            .collect();
        let mut body = Object::new();
        for (name, property) in &request.properties {
            let required = request.required.contains(name);
            let place = if in_path.contains(&name.as_str()) {
                ParameterIn::Path
            } else if O::METHOD == Method::Get {
                ParameterIn::Query
            } else {
                body.properties.insert(name.clone(), property.clone());
                if required {
                    body.required.push(name.clone());
                }
                continue;
            };
            operation = operation.parameter(
                ParameterBuilder::new()
                    .name(name)
                    .parameter_in(place)
                    .description(description_of(property))
                    .required(if required {
                        Required::True
                    } else {
                        Required::False
                    })
                    .schema(Some(property.clone())),
            );
        }
        if let Some(media) = O::BODY {
            // The body is a file, the request's one field.
            operation = operation.request_body(Some(
                RequestBodyBuilder::new()
                    .description(Some(summary.clone()))
                    .content(media, Content::new(Some(String::schema())))
                    .required(Some(Required::True))
                    .build(),
            ));
        } else if !body.properties.is_empty() {
            let required = !body.required.is_empty();
            operation = operation.request_body(Some(
                RequestBodyBuilder::new()
                    .content(JSON, Content::new(Some(Schema::Object(body))))
                    .required(Some(if required {
                        Required::True
                    } else {
                        Required::False
                    }))
                    .build(),
            ));
        }
        // What the request's fields refer to (an enum such as `ClockName`).
        O::schemas(&mut self.schemas);
        let done = if O::ANSWERS == [JSON] {
            let answer = O::Answer::name().into_owned();
            self.schemas.push((answer.clone(), O::Answer::schema()));
            O::Answer::schemas(&mut self.schemas);
            ResponseBuilder::new()
                .description("done")
                .content(JSON, Content::new(Some(Ref::from_schema_name(answer))))
        } else {
            // A file: its text in one of the media types, and how many parts the whole
            // list has.
            O::ANSWERS.iter().fold(
                ResponseBuilder::new().description(
                    "the file, with Content-Disposition naming it and x-mitan-parts \
                     counting the parts of the whole list",
                ),
                |response, media| response.content(*media, Content::new(Some(O::Answer::schema()))),
            )
        };
        operation = operation
            .response("200", done)
            .response(
                "401",
                ResponseBuilder::new()
                    .description("no credential, an unknown one, or a revoked device"),
            )
            .response(
                "4XX",
                ResponseBuilder::new().description(REFUSAL).content(
                    JSON,
                    Content::new(Some(Ref::from_schema_name(ErrorBody::name()))),
                ),
            );
        let method = match O::METHOD {
            Method::Get => HttpMethod::Get,
            Method::Post => HttpMethod::Post,
            Method::Put => HttpMethod::Put,
        };
        let paths = std::mem::take(&mut self.paths);
        self.paths = paths.path(O::PATH, PathItem::new(method, operation.build()));
    }
}

fn description_of(property: &RefOr<Schema>) -> Option<String> {
    match property {
        RefOr::T(Schema::Object(object)) => object.description.clone(),
        _ => None,
    }
}

/// The document: the operations of `http::routes`, then the rows of [`ROUTES`].
pub fn document() -> OpenApi {
    let mut document = Document::new();
    super::document_operations(&mut document);
    let mut paths = document.paths;
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
            ResponseBuilder::new().description(REFUSAL).content(
                JSON,
                Content::new(Some(Ref::from_schema_name(ErrorBody::name()))),
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
                .schemas_from_iter(document.schemas)
                .build(),
        ))
        .build()
}

/// `GET /openapi.json`.
pub(super) async fn openapi_json() -> Json<OpenApi> {
    Json(document())
}
