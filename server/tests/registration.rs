//! `POST /v1/devices/register` as an attacker meets it, over real HTTP on loopback: guessing
//! codes is throttled per address and in all, the genesis actor cannot be claimed, and a code
//! lives at most three days.

mod common;

use common::{Served, error_code, issue_code_in, post_over_http, user};
use mitan_core::model::GENESIS_ACTOR;
use mitan_server::auth::Role;
use mitan_server::district::DistrictConfig;
use mitan_server::rate_limit::RegistrationRate;
use mitan_server::registration::{MAX_CODE_TTL_MS, RegisterRequest, issue_code};

const STATION: &str = "BSP-PS-KONI";
const BEAT: &str = "BSP-PS-KONI-B01";

fn start(rate: Option<RegistrationRate>) -> Served {
    Served::start(
        &[(STATION, &[BEAT])],
        &[user("CG-001", Role::Constable, STATION, &[BEAT])],
        DistrictConfig::default(),
        |state| state.with_registration_rate(rate),
    )
}

/// Posts a registration; the status, the `Retry-After` header and the body.
fn register(server: &Served, code: &str, actor: [u8; 16]) -> (u16, Option<String>, Vec<u8>) {
    let request = RegisterRequest {
        code: code.to_owned(),
        actor: hex::encode(actor),
        public_key: None,
    };
    post_over_http(
        &format!("{}/v1/devices/register", server.url),
        None,
        "application/json",
        &serde_json::to_vec(&request).expect("serialises"),
    )
}

#[test]
fn guessing_codes_from_one_address_is_slowed_to_its_allowance() {
    let server = start(RegistrationRate::new(5, 1_000));
    for guess in 0..5 {
        let (status, _, body) = register(&server, &format!("0000-0000-000{guess}"), [1; 16]);
        assert_eq!(status, 401, "{}", String::from_utf8_lossy(&body));
    }
    // Over the allowance, even the right code waits: attempts count before codes are read.
    let code = issue_code_in(&server.state, "CG-001");
    let (status, retry_after, body) = register(&server, &code, [1; 16]);
    assert_eq!(status, 429, "{}", String::from_utf8_lossy(&body));
    assert_eq!(error_code(&body), "rate_limited");
    let wait: u64 = retry_after
        .expect("Retry-After")
        .parse()
        .expect("whole seconds");
    assert!((1..=60).contains(&wait), "{wait}");
}

#[test]
fn registrations_in_all_are_bounded_whatever_the_address() {
    let server = start(RegistrationRate::new(1_000, 3));
    for guess in 0..3 {
        let (status, _, _) = register(&server, &format!("1111-0000-000{guess}"), [2; 16]);
        assert_eq!(status, 401);
    }
    let (status, retry_after, body) = register(&server, "1111-0000-0009", [2; 16]);
    assert_eq!(status, 429);
    assert_eq!(error_code(&body), "rate_limited");
    assert!(retry_after.is_some());
}

#[test]
fn the_genesis_actor_cannot_be_registered() {
    let server = start(None);
    let code = issue_code_in(&server.state, "CG-001");
    let (status, _, body) = register(&server, &code, GENESIS_ACTOR);
    assert_eq!(status, 400, "{}", String::from_utf8_lossy(&body));
    let error: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
    assert_eq!(error["error"]["code"], "reserved");
    assert_eq!(error["error"]["field"], "actor");
    // The code was not spent on the refusal.
    let (status, _, _) = register(&server, &code, [3; 16]);
    assert_eq!(status, 200);
}

#[test]
fn a_code_lives_at_least_an_hour_and_at_most_three_days() {
    let server = start(None);
    let mut district = server.state.lock_district();
    let badge = "CG-001".parse().expect("a badge");
    for ttl_ms in [0, -1, MAX_CODE_TTL_MS + 1, i64::from(u32::MAX) * 3_600_000] {
        let refused =
            issue_code(district.store_mut(), &badge, "test", ttl_ms, 0).expect_err("out of range");
        assert!(
            refused.to_string().starts_with("ttl_hours: 1 to 72 hours"),
            "{refused}"
        );
    }
    issue_code(district.store_mut(), &badge, "test", MAX_CODE_TTL_MS, 0).expect("three days");
}
