//! The training cascade through the real server: volunteers enrolled offline name who trained
//! them (a police badge, or another volunteer), the trainers report lays the cascade out as a
//! tree with each trainer's trainees by status, and the roster export carries the trainer.

use mitan_core::demo::Generator;
use mitan_e2e::http::csv_records;
use mitan_e2e::{TestServer, beat, station};

/// 2025-11-23, mid-morning in India.
const NOW: i64 = 1_763_870_000_000;

#[test]
fn trainers_are_counted_as_a_cascade_and_exported() {
    let server = TestServer::start(1).expect("the server starts");
    let dirs = tempfile::tempdir().expect("temp dir");
    let (mut phone, incharge) = server.beat_team(dirs.path()).expect("registers");

    // The in-charge trains Asha; Asha trains Bela and Chanda; Bela trains Devi.
    let mut enrol = |seed: u64, trainer: String| {
        let mut form = Generator::new(seed).enrolment_form(&station(0), &beat(0, 0), "430001");
        form.trained_by = trainer;
        phone.enrol_form(&form, seed, NOW)
    };
    let asha = enrol(1, "CG-100".into());
    let bela = enrol(2, asha.to_string());
    let chanda = enrol(3, asha.to_string());
    let devi = enrol(4, bela.to_string());
    let untrained = enrol(5, String::new());
    phone.sync_ok(NOW + 1_000);
    let verified = server.post(&format!("/v1/volunteers/{bela}/verify"), &incharge, None);
    assert_eq!(verified.status, 200, "{}", verified.body);

    let reply = server.get("/v1/reports/trainers", &incharge);
    assert_eq!(reply.status, 200, "{}", reply.body);
    let report = reply.json();
    let rows: Vec<(String, u64, u64, u64, u64)> = report["trainers"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|row| {
            (
                row["trainer"].as_str().expect("trainer").to_owned(),
                row["depth"].as_u64().expect("depth"),
                row["trainees"].as_u64().expect("trainees"),
                row["verified"].as_u64().expect("verified"),
                row["pending"].as_u64().expect("pending"),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("e:CG-100".to_owned(), 0, 1, 0, 1),
            (format!("v:{asha}"), 1, 2, 1, 1),
            (format!("v:{bela}"), 2, 1, 0, 1),
        ],
        "{report}"
    );
    assert_eq!(report["trainers"][1]["trained_by"], "e:CG-100");
    assert_eq!(report["trainers"][2]["trained_by"], format!("v:{asha}"));

    let export = server.get(
        &format!("/v1/exports?unit={}&include_unverified=true", station(0)),
        &incharge,
    );
    assert_eq!(export.status, 200, "{}", export.body);
    // When each was enrolled, as a person reads it beside the milliseconds.
    assert!(
        export.body.contains("enrolled_at_ist") && export.body.contains("23 Nov 2025"),
        "{}",
        export.body
    );
    let records = csv_records(&export.body);
    let trainer_of = |id: &mitan_core::model::VolunteerId| -> String {
        records
            .iter()
            .find(|record| record[0] == id.to_string())
            .map(|record| record.last().expect("a last column").clone())
            .unwrap_or_else(|| panic!("{id} is not in the export: {}", export.body))
    };
    assert_eq!(trainer_of(&devi), format!("v:{bela}"));
    assert_eq!(trainer_of(&chanda), format!("v:{asha}"));
    assert_eq!(trainer_of(&untrained), "");
}
