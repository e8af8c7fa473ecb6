//! One person written twice, in two scripts: a Devanagari-only entry on one phone and a
//! Latin-only entry on another, in one village, come out of the duplicates report as a
//! similar-name candidate pair through the core's transliteration key.

use mitan_core::demo::Generator;
use mitan_e2e::{TestServer, beat, station};
use mitan_server::auth::Role;

/// 2025-11-23, mid-morning in India.
const NOW: i64 = 1_763_870_000_000;

#[test]
fn a_devanagari_only_and_a_latin_only_spelling_in_one_village_are_a_candidate_pair() {
    let server = TestServer::start(1).expect("the server starts");
    let dirs = tempfile::tempdir().expect("temp dir");
    let incharge = server
        .staff_device(
            "CG-100",
            Role::StationIncharge,
            &station(0),
            &[],
            dirs.path(),
        )
        .expect("registers")
        .credential();
    let mut ids = Vec::new();
    for (seed, badge, devanagari, latin, phone) in [
        (1, "CG-001", "राजेश कुमार", "", "9827012345"),
        (2, "CG-002", "", "Rajesh Kumaar", "9827054321"),
    ] {
        let mut device = server
            .staff_device(
                badge,
                Role::Constable,
                &station(0),
                &[beat(0, 0)],
                dirs.path(),
            )
            .expect("registers");
        let mut form = Generator::new(seed).enrolment_form(&station(0), &beat(0, 0), "430001");
        form.name_devanagari = devanagari.into();
        form.name_latin = latin.into();
        form.phone = phone.into();
        ids.push(device.enrol_form(&form, seed, NOW).to_string());
        device.sync_ok(NOW + 1_000);
    }
    let reply = server.get("/v1/reports/duplicates", &incharge);
    assert_eq!(reply.status, 200, "{}", reply.body);
    let report = reply.json();
    let paired = report["similar_name"]
        .as_array()
        .expect("similar-name groups")
        .iter()
        .any(|group| {
            let members: Vec<&str> = group["volunteers"]
                .as_array()
                .expect("members")
                .iter()
                .filter_map(|volunteer| volunteer["id"].as_str())
                .collect();
            ids.iter().all(|id| members.contains(&id.as_str()))
        });
    assert!(paired, "{report}");
}
