//! The Rust half of "one enrolment through Kotlin → FFI against the same enrolment in Rust":
//! the forms, identity, notice and store of `android-demo/jvm-check` (`--mode bench`), enrolled
//! through `mitan_core::device::Device` directly, and through `mitan_ffi::MitanDevice` called
//! from Rust (the wrapper's conversions without JNA). Both print a median per enrolment.
//!
//! `cargo bench -p mitan-ffi --bench enrolment_ffi`, then `android-demo/jvm-check/run.sh --bench`.

use std::time::Instant;

use mitan_core::device::{Device, Moment};
use mitan_core::model::EnrolmentRules;
use mitan_core::store::StoreKey;
use mitan_ffi::{ConsentNotice, ConsentTerms, DeviceIdentity, EnrolmentForm, MitanDevice};

const WARMUP: usize = 20;
const COUNT: usize = 300;
const RUNS: usize = 3;

const GIVEN: [(&str, &str); 5] = [
    ("रमेश", "Ramesh"),
    ("सुनीता", "Sunita"),
    ("प्रिया", "Priya"),
    ("विकास", "Vikas"),
    ("गीता", "Gita"),
];
const FAMILY: [(&str, &str); 5] = [
    ("साहू", "Sahu"),
    ("पटेल", "Patel"),
    ("वर्मा", "Verma"),
    ("यादव", "Yadav"),
    ("दुबे", "Dubey"),
];

/// Volunteer `index`'s form, exactly as `volunteerForm` in the JVM check builds it.
fn form(index: usize) -> EnrolmentForm {
    let (given_deva, given_latin) = GIVEN[index % GIVEN.len()];
    let (family_deva, family_latin) = FAMILY[(index / GIVEN.len()) % FAMILY.len()];
    EnrolmentForm {
        name_devanagari: format!("{given_deva} {family_deva}"),
        name_latin: format!("{given_latin} {family_latin}"),
        phone: format!("98{:08}", 27_000_000 + index),
        gender: if matches!(given_latin, "Sunita" | "Priya" | "Gita") {
            "female"
        } else {
            "male"
        }
        .into(),
        age_years: Some(19 + (index % 60) as u32),
        birth_year: None,
        village_lgd: "434521".into(),
        household: format!("मकान नं. {}", index + 1),
        house_number: String::new(),
        family_name: String::new(),
        beat: "BSP-PS-KONI-B01".into(),
        station: "BSP-PS-KONI".into(),
        programmes: vec!["cyber_mitan".into()],
        trained_by: String::new(),
        consent_given: true,
        consent_language: "hi".into(),
        consent_notice_version: 1,
        guardian_name: String::new(),
        guardian_relation: String::new(),
        guardian_phone: String::new(),
        guardian_consent_given: false,
    }
}

fn identity() -> DeviceIdentity {
    DeviceIdentity {
        device_id: "DEV-BENCH".into(),
        actor: vec![3; 16],
        badge: "CG-001".into(),
        station: "BSP-PS-KONI".into(),
        beats: vec!["BSP-PS-KONI-B01".into()],
        quota: 25,
    }
}

fn terms() -> ConsentTerms {
    ConsentTerms {
        adults_only: false,
        notices: vec![ConsentNotice {
            language: "hi".into(),
            version: 1,
            text: "सूचना".into(),
            published_at_ms: 0,
        }],
    }
}

fn median_us(mut times: Vec<f64>) -> (f64, f64) {
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], times[times.len() * 9 / 10])
}

fn rust_direct(dir: &std::path::Path) -> Vec<f64> {
    let identity: mitan_core::store::DeviceIdentity =
        identity().try_into().expect("a valid identity");
    let mut device = Device::open(
        &dir.join("direct.db"),
        &StoreKey::from_bytes([7; 32]),
        &identity,
        EnrolmentRules::without_notices(2026),
    )
    .expect("open");
    device
        .save_consent_terms(&terms().into(), 0)
        .expect("terms");
    let mut random = 1u128;
    let mut enrol = |index: usize| {
        random += 1;
        let form = form(index).into();
        let start = Instant::now();
        device
            .enrol(
                &form,
                Moment {
                    now_ms: 1_763_900_000_000 + index as i64,
                    random,
                },
            )
            .expect("accepted");
        start.elapsed().as_secs_f64() * 1e6
    };
    (0..WARMUP).for_each(|index| {
        enrol(index);
    });
    (WARMUP..WARMUP + COUNT).map(enrol).collect()
}

fn rust_wrapper(dir: &std::path::Path) -> Vec<f64> {
    let device = MitanDevice::new(
        dir.join("wrapper.db").display().to_string(),
        vec![7; 32],
        identity(),
        2026,
    )
    .expect("open");
    device.save_consent_terms(terms()).expect("terms");
    let enrol = |index: usize| {
        let form = form(index);
        let start = Instant::now();
        device.enrol(form).expect("accepted");
        start.elapsed().as_secs_f64() * 1e6
    };
    (0..WARMUP).for_each(|index| {
        enrol(index);
    });
    (WARMUP..WARMUP + COUNT).map(enrol).collect()
}

fn main() {
    for run in 1..=RUNS {
        let dir = tempfile::tempdir().expect("temp dir");
        let (direct, direct_p90) = median_us(rust_direct(dir.path()));
        let (wrapper, wrapper_p90) = median_us(rust_wrapper(dir.path()));
        println!(
            "run {run}: rust Device::enrol median {direct:.0} µs (p90 {direct_p90:.0}); \
             MitanDevice::enrol from Rust median {wrapper:.0} µs (p90 {wrapper_p90:.0}); \
             count {COUNT}"
        );
    }
}
