//! `/openapi.json` stays true. The router and the document are built from the same lists
//! (`http::app`): operations document themselves, and every other route has its rows. Here:
//! those rows cover exactly the routes served that way, every documented operation answers
//! on a real server (a router miss, 404 with no error body, or a 405, fails), every operation
//! carries schemas, and what operations answer validates against their schemas.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{Api, NOW, get, post, register_phone, sync_phone, user};
use mitan_core::demo::Generator;
use mitan_core::store::StoreKey;
use mitan_server::AppState;
use mitan_server::auth::Role;
use mitan_server::background::BackgroundServer;
use mitan_server::district::{District, DistrictConfig};
use mitan_server::http::{DOCUMENTED_ROUTES, ROUTES};
use mitan_server::store::ServerStore;
use serde_json::Value;

const STATION: &str = "BSP-PS-KONI";
const BEAT: &str = "BSP-PS-KONI-B01";

fn start() -> BackgroundServer {
    let store = ServerStore::open_in_memory().expect("store opens");
    let state = AppState::new(District::new(store, DistrictConfig::default()));
    BackgroundServer::start(state).expect("the server starts")
}

const METHODS: [&str; 5] = ["get", "post", "put", "delete", "patch"];

fn documented(document: &Value) -> BTreeMap<String, BTreeSet<String>> {
    document["paths"]
        .as_object()
        .expect("the document has paths")
        .iter()
        .map(|(path, item)| {
            let methods = item
                .as_object()
                .expect("a path item is an object")
                .keys()
                .filter(|key| METHODS.contains(&key.as_str()))
                .cloned()
                .collect();
            (path.clone(), methods)
        })
        .collect()
}

#[test]
fn every_route_is_documented_and_every_documented_operation_answers() {
    let server = start();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut response = agent
        .get(&format!("{}/openapi.json", server.url))
        .call()
        .expect("the server answers");
    assert_eq!(response.status().as_u16(), 200);
    let document: Value =
        serde_json::from_str(&response.body_mut().read_to_string().expect("body"))
            .expect("the document is JSON");
    assert!(
        document["openapi"]
            .as_str()
            .is_some_and(|version| version.starts_with("3.")),
        "an OpenAPI 3 document"
    );

    // The rows of ROUTES are exactly the routes served from them, method for method.
    let served: BTreeSet<(String, String)> = DOCUMENTED_ROUTES
        .iter()
        .flat_map(|(path, methods)| {
            methods
                .iter()
                .map(|method| ((*path).to_owned(), (*method).to_owned()))
        })
        .collect();
    let rows: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|route| (route.path.to_owned(), route.method.to_owned()))
        .collect();
    assert_eq!(rows, served);

    let documented = documented(&document);
    for (path, method) in &served {
        assert!(
            documented
                .get(path)
                .is_some_and(|found| found.contains(method)),
            "{method} {path} is served and must be in the document"
        );
    }
    for (path, methods) in &documented {
        // Path parameters get a value the handler will refuse, never one the router misses.
        let concrete = path
            .split('/')
            .map(|segment| {
                if segment.starts_with('{') {
                    "dev-0000000000000000"
                } else {
                    segment
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        let url = format!("{}{concrete}", server.url);
        for method in methods {
            let mut response = match method.as_str() {
                "get" => agent.get(&url).call(),
                "delete" => agent.delete(&url).call(),
                "post" => agent.post(&url).send(&b""[..]),
                "put" => agent.put(&url).send(&b""[..]),
                _ => agent.patch(&url).send(&b""[..]),
            }
            .expect("the server answers");
            let status = response.status().as_u16();
            let body = response.body_mut().read_to_string().unwrap_or_default();
            assert_ne!(status, 405, "{method} {path}: method not allowed");
            // A handler's own 404 names what it did not find; the router's is empty.
            assert!(
                status != 404 || body.contains("not_found"),
                "{method} {path}: no such route"
            );
        }
    }

    // Every operation (a route without a row) describes its answer and refusals by schema.
    for (path, methods) in &documented {
        for method in methods {
            if served.contains(&(path.clone(), method.clone())) {
                continue;
            }
            let operation = &document["paths"][path][method];
            let content = operation["responses"]["200"]["content"]
                .as_object()
                .cloned()
                .unwrap_or_default();
            match content.get("application/json") {
                Some(json) => assert!(
                    is_object(&document, &json["schema"]),
                    "{method} {path}: the answer has a schema"
                ),
                // A file (an export): each of its media types says what the body is.
                None => assert!(
                    !content.is_empty()
                        && content.values().all(|media| media["schema"].is_object()),
                    "{method} {path}: the file answer has media types with schemas"
                ),
            }
            let refusal = &operation["responses"]["4XX"]["content"]["application/json"]["schema"];
            assert!(
                resolve(&document, refusal).is_some(),
                "{method} {path}: refusals have a schema"
            );
            let parameters = operation["parameters"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            for parameter in parameters {
                assert!(
                    parameter["schema"].is_object(),
                    "{method} {path}: parameter {} has a schema",
                    parameter["name"]
                );
            }
        }
    }
}

/// The schema `schema` stands for, following a `$ref` into the components.
fn resolve<'a>(document: &'a Value, schema: &'a Value) -> Option<&'a Value> {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference.strip_prefix("#/components/schemas/")?;
            document["components"]["schemas"].get(name)
        }
        None => schema.is_object().then_some(schema),
    }
}

/// Whether `schema` describes a JSON object: an object, or all of several (a struct with a
/// flattened part).
fn is_object(document: &Value, schema: &Value) -> bool {
    resolve(document, schema).is_some_and(|schema| match schema["allOf"].as_array() {
        Some(parts) => parts.iter().all(|part| is_object(document, part)),
        None => schema["type"] == "object",
    })
}

/// Every property an object schema names, through `allOf`; `None` when some part is
/// free-form and so any property may appear.
fn property_names(document: &Value, schema: &Value) -> Option<BTreeSet<String>> {
    let schema = resolve(document, schema)?;
    if let Some(parts) = schema["allOf"].as_array() {
        let mut names = BTreeSet::new();
        for part in parts {
            names.extend(property_names(document, part)?);
        }
        return Some(names);
    }
    Some(schema["properties"].as_object()?.keys().cloned().collect())
}

/// Checks `value` against `schema`, as far as the document's schemas go (types, required and
/// known properties, array items, `oneOf`/`allOf`/`anyOf`), and returns every mismatch with
/// its path.
fn validate(document: &Value, schema: &Value, value: &Value, path: &str) -> Vec<String> {
    validate_part(document, schema, value, path, true)
}

/// As [`validate`]; `closed` refuses properties the schema does not name (a part of an
/// `allOf` is checked open, and the whole against every part's names).
fn validate_part(
    document: &Value,
    schema: &Value,
    value: &Value,
    path: &str,
    closed: bool,
) -> Vec<String> {
    let Some(schema) = resolve(document, schema) else {
        return vec![format!("{path}: unresolvable schema {schema}")];
    };
    let mut problems = Vec::new();
    for key in ["oneOf", "anyOf"] {
        if let Some(choices) = schema[key].as_array() {
            if !choices
                .iter()
                .any(|choice| validate(document, choice, value, path).is_empty())
            {
                problems.push(format!("{path}: matches none of {key}"));
            }
            return problems;
        }
    }
    if let Some(parts) = schema["allOf"].as_array() {
        // Each part names some of the fields; together they name them all, unless one is
        // free-form (a flattened type the document does not spell out).
        for part in parts {
            problems.extend(validate_part(document, part, value, path, false));
        }
        if let (true, Some(known), Value::Object(fields)) =
            (closed, property_names(document, schema), value)
        {
            for name in fields.keys().filter(|name| !known.contains(*name)) {
                problems.push(format!("{path}: {name} is not in the schema"));
            }
        }
        return problems;
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(one) => vec![one.as_str()],
        Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let kind = match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(number) if number.is_i64() || number.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    let fits = types.is_empty()
        || types.contains(&kind)
        || (kind == "integer" && types.contains(&"number"))
        || (kind == "null" && schema["nullable"] == true);
    if !fits {
        problems.push(format!("{path}: a {kind} where the schema says {types:?}"));
        return problems;
    }
    if let Value::Object(fields) = value {
        for required in schema["required"].as_array().into_iter().flatten() {
            let name = required.as_str().unwrap_or_default();
            if !fields.contains_key(name) {
                problems.push(format!("{path}: required {name} is missing"));
            }
        }
        if let Some(properties) = schema["properties"].as_object() {
            for (name, field) in fields {
                match properties.get(name) {
                    Some(property) => problems.extend(validate(
                        document,
                        property,
                        field,
                        &format!("{path}.{name}"),
                    )),
                    None if closed => {
                        problems.push(format!("{path}: {name} is not in the schema"));
                    }
                    None => {}
                }
            }
        }
    }
    if let (Value::Array(items), Some(item_schema)) = (value, schema.get("items")) {
        for (index, item) in items.iter().enumerate() {
            problems.extend(validate(
                document,
                item_schema,
                item,
                &format!("{path}[{index}]"),
            ));
        }
    }
    problems
}

#[tokio::test]
async fn what_every_operation_answers_validates_against_its_schema() {
    let api = Api::new(
        &[(STATION, &[BEAT])],
        &[
            user("CG-001", Role::Constable, STATION, &[BEAT]),
            user("CG-100", Role::StationIncharge, STATION, &[]),
            user("CG-900", Role::Auditor, "BSP", &[]),
        ],
    );
    // A phone enrols a few people and syncs, so every report has rows to describe.
    let phone_dir = tempfile::tempdir().expect("temp dir");
    {
        let mut district = api.state.lock_district();
        let (mut phone, caller) = register_phone(
            &mut district,
            &phone_dir.path().join("phone.db"),
            &StoreKey::from_bytes([3; 32]),
            "CG-001",
            [3; 16],
            STATION,
        );
        let mut generator = Generator::new(5);
        common::enrol_people(&mut phone, &mut generator, 4, |_| "430001".into());
        sync_phone(&mut phone, &mut district, &caller, NOW);
        // A group of the station, so that its members have an answer to describe.
        district
            .store_mut()
            .save_group(
                &mitan_server::store::StoredGroup {
                    unit: STATION.into(),
                    code: "everyone".into(),
                    name_hi: "सभी".into(),
                    name_en: "Everyone".into(),
                    rules: vec!["volunteers".parse().expect("a rule")],
                },
                "CG-900",
                NOW,
            )
            .expect("the group is saved");
    }
    let incharge = api.credential("CG-100", 9).await;
    let auditor = api.credential("CG-900", 10).await;
    let (_, body) = api.send(get("/openapi.json", "")).await;
    let document: Value = serde_json::from_slice(&body).expect("the document");
    let queue = api.get_json("/v1/reports/review-queue", &incharge).await;
    let first = queue["volunteers"][0]["id"]
        .as_str()
        .expect("an id")
        .to_owned();

    let mut checked = 0;
    for (path, methods) in documented(&document) {
        for method in methods {
            // Every read is asked; of the actions, a verification stands for the rest, which
            // need bodies or other callers (settings are the district admin's and read back
            // what they were given).
            if method != "get" && !path.ends_with("/verify") {
                continue;
            }
            let operation = &document["paths"][&path][&method];
            if operation["operationId"].is_null()
                || operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
                    .is_null()
            {
                continue;
            }
            let concrete = path.replace("{volunteer}", &first);
            // The audit operations are an auditor's, and most name a roster or a moment.
            let (concrete, caller) = match path.as_str() {
                "/v1/audit/history" | "/v1/audit/state" => {
                    (format!("{concrete}?roster={BEAT}"), &auditor)
                }
                "/v1/audit/diff" => (format!("{concrete}?roster={BEAT}&from_ms=0"), &auditor),
                "/v1/audit/report" => (format!("{concrete}?at_ms={NOW}"), &auditor),
                "/v1/audit/report/diff" => (format!("{concrete}?from_ms=0"), &auditor),
                "/v1/volunteer-record" => (format!("{concrete}?volunteer={first}"), &incharge),
                "/v1/search" => (format!("{concrete}?q=430001"), &incharge),
                "/v1/groups/members" => (
                    format!("{concrete}?unit={STATION}&code=everyone"),
                    &incharge,
                ),
                audit if audit.starts_with("/v1/audit/") || audit == "/v1/exports/log" => {
                    (concrete, &auditor)
                }
                _ => (concrete, &incharge),
            };
            let (status, body) = match method.as_str() {
                "get" => api.send(get(&concrete, caller)).await,
                _ => {
                    api.send(post(&concrete, caller, "application/json", b"{}".to_vec()))
                        .await
                }
            };
            assert_eq!(
                status,
                200,
                "{method} {path}: {}",
                String::from_utf8_lossy(&body)
            );
            let answer: Value = serde_json::from_slice(&body).expect("JSON");
            let schema = &operation["responses"]["200"]["content"]["application/json"]["schema"];
            let problems = validate(&document, schema, &answer, &format!("{method} {path}"));
            assert!(problems.is_empty(), "{problems:#?}");
            checked += 1;
        }
    }
    assert!(checked >= 9, "only {checked} operations checked");
    // The validator is not a rubber stamp: a report missing its rows and with a stray field
    // is refused on both counts.
    let wrong = serde_json::json!({ "counted": { "campaign": 7 }, "units": [], "stray": true });
    let problems = validate(
        &document,
        &serde_json::json!({ "$ref": "#/components/schemas/ProgressReport" }),
        &wrong,
        "wrong",
    );
    assert_eq!(problems.len(), 3, "{problems:#?}");

    // A refusal validates against the error body's schema.
    let (status, body) = api
        .send(post(
            "/v1/volunteers/not-an-id/verify",
            &incharge,
            "application/json",
            b"{}".to_vec(),
        ))
        .await;
    assert_eq!(status, 400);
    let refusal: Value = serde_json::from_slice(&body).expect("JSON");
    let problems = validate(
        &document,
        &serde_json::json!({ "$ref": "#/components/schemas/ErrorBody" }),
        &refusal,
        "refusal",
    );
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(refusal["error"]["field"], "volunteer");

    // Every route reads its query the same way: one that does not read is the JSON error body
    // naming the field, never a plain-text 400.
    for (path, field) in [
        ("/v1/reports/progress?limit=ten", "limit"),
        ("/v1/audit/history?unit=BSP&limit=ten", "limit"),
        ("/v1/audit/report?at_ms=noon", "at_ms"),
        ("/v1/exports?unit=BSP&part_size=many", "part_size"),
    ] {
        let (status, body) = api.send(get(path, &incharge)).await;
        assert_eq!(status, 400, "{path}");
        let refusal: Value = serde_json::from_slice(&body)
            .unwrap_or_else(|_| panic!("{path}: {}", String::from_utf8_lossy(&body)));
        assert_eq!(refusal["error"]["field"], field, "{path}: {refusal}");
    }
}

#[test]
fn a_csv_import_takes_its_file_as_the_body_and_registration_needs_no_credential() {
    let document = serde_json::to_value(mitan_server::http::openapi_document()).expect("JSON");
    for path in ["/v1/admin/hierarchy", "/v1/admin/users"] {
        let operation = &document["paths"][path]["post"];
        assert!(
            operation["requestBody"]["content"]["text/csv"]["schema"]["type"] == "string",
            "{path}: {operation}"
        );
        assert!(
            operation["security"].is_array(),
            "{path} needs a credential"
        );
    }
    let register = &document["paths"]["/v1/devices/register"]["post"];
    assert!(register["security"].is_null(), "{register}");
    assert!(
        register["requestBody"]["content"]["application/json"]["schema"]["properties"]["code"]
            .is_object(),
        "{register}"
    );
}
