//! `/openapi.json` stays true: every route the router declares is documented with the same
//! methods, and every documented operation answers on a real server (a router miss, 404 with
//! no error body, or a 405, fails).

use std::collections::{BTreeMap, BTreeSet};

use mitan_server::AppState;
use mitan_server::background::BackgroundServer;
use mitan_server::district::{District, DistrictConfig};
use mitan_server::store::ServerStore;

fn start() -> BackgroundServer {
    let store = ServerStore::open_in_memory().expect("store opens");
    let state = AppState::new(District::new(store, DistrictConfig::default()));
    BackgroundServer::start(state).expect("the server starts")
}

/// The routes declared in `http/mod.rs`, read from its source: path → methods. Every
/// `.route("path", …)` call is taken up to the next `.route(` or `.layer(`, and the method
/// routers named in it (`get(`, `post(`, `.put(`, `axum::routing::delete(` …) are collected.
fn declared_routes() -> BTreeMap<String, BTreeSet<String>> {
    let source = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/http/mod.rs"))
        .expect("the router's source is readable");
    let app = source
        .split("pub fn app(")
        .nth(1)
        .expect("http/mod.rs defines app()");
    let app = app.split("\n}\n").next().expect("app() ends");
    let mut routes: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for call in app.split(".route(").skip(1) {
        let call = call.split(".layer(").next().unwrap_or(call);
        let path = call
            .split('"')
            .nth(1)
            .expect("a route's path is a string literal");
        let rest = &call[call.find(path).map_or(0, |at| at + path.len())..];
        let methods = routes.entry(path.to_owned()).or_default();
        for method in ["get", "post", "put", "delete", "patch"] {
            let named = rest.match_indices(&format!("{method}(")).any(|(at, _)| {
                // `get(` but not `target(` or `forget(`: the character before is not part of
                // an identifier.
                at == 0
                    || !rest[..at]
                        .chars()
                        .next_back()
                        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
            });
            if named {
                methods.insert(method.to_owned());
            }
        }
        assert!(!methods.is_empty(), "no method found for route {path}");
    }
    routes
}

fn documented(document: &serde_json::Value) -> BTreeMap<String, BTreeSet<String>> {
    document["paths"]
        .as_object()
        .expect("the document has paths")
        .iter()
        .map(|(path, item)| {
            let methods = item
                .as_object()
                .expect("a path item is an object")
                .keys()
                .filter(|key| ["get", "post", "put", "delete", "patch"].contains(&key.as_str()))
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
    let document: serde_json::Value =
        serde_json::from_str(&response.body_mut().read_to_string().expect("body"))
            .expect("the document is JSON");
    assert!(
        document["openapi"]
            .as_str()
            .is_some_and(|version| version.starts_with("3.")),
        "an OpenAPI 3 document"
    );

    let declared = declared_routes();
    let documented = documented(&document);
    assert!(declared.contains_key("/v1/sync"), "the source scan works");
    for (path, methods) in &declared {
        assert_eq!(
            documented.get(path),
            Some(methods),
            "route {path} {methods:?} must be documented in server/src/http/openapi.rs ROUTES"
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
}
