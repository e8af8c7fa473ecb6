//! Trains the zstd dictionary that sync protocol 5 compresses every message with
//! (`core/src/sync/dictionary_v5.bin`), and measures it on messages it was not trained on.
//!
//! A dictionary is fixed per protocol version: phones and the server must hold the same one,
//! so this is run once when a protocol is made, and the file is never rewritten for a shipped
//! version (`sync::wire` pins its id). The samples are the requests and replies of phones
//! syncing day after day through the reference hub, in districts, stations, beats and
//! villages with codes drawn at random, so the dictionary learns the layout of a message and
//! of an enrolment's change, not any one district's codes. Personal fields are sealed, so no
//! name or number can reach it.
//!
//! ```sh
//! cargo run --release -p mitan-core --example train_sync_dictionary            # measure only
//! cargo run --release -p mitan-core --example train_sync_dictionary -- --write  # new protocol
//! ```

use std::path::Path;

use mitan_core::demo::Generator;
use mitan_core::device::{Device, Moment};
use mitan_core::model::EnrolmentRules;
use mitan_core::store::{DeviceIdentity, StoreKey};
use mitan_core::sync::MemoryHub;

/// The dictionary's size: larger ones gained under 2 % more on these samples.
const DICTIONARY_BYTES: usize = 16 * 1024;
const NOW: i64 = 1_763_900_000_000;
const DISTRICTS: &[&str] = &[
    "BSP", "RPR", "DRG", "KRB", "JSP", "RGH", "BLD", "BMT", "SRG", "KKR",
];

/// The decompressed requests and replies of `beats` beats' phones syncing for a few days,
/// with codes drawn from `seed`.
fn messages(seed: u64, beats: usize) -> Vec<Vec<u8>> {
    let mut codes = Generator::new(seed);
    let mut messages = Vec::new();
    for beat_number in 0..beats {
        let district = DISTRICTS[codes.below(DISTRICTS.len() as u64) as usize];
        let letters: String = (0..4 + codes.below(4))
            .map(|_| char::from(b'A' + codes.below(26) as u8))
            .collect();
        let station = format!("{district}-PS-{letters}");
        let beat = format!("{station}-B{:02}", 1 + codes.below(12));
        let villages: Vec<String> = (0..4)
            .map(|_| format!("{:06}", 100_000 + codes.below(800_000)))
            .collect();
        let dir = tempfile::tempdir().expect("temp dir");
        let mut hub = MemoryHub::default();
        let mut people = Generator::new(seed * 1_000 + beat_number as u64);
        let mut phones: Vec<Device> = (1..=2u8)
            .map(|number| {
                let identity = DeviceIdentity {
                    device_id: format!("dev-{seed}-{beat_number}-{number}")
                        .parse()
                        .expect("valid device id"),
                    actor: [number ^ beat_number as u8; 16],
                    badge: format!("CG-{number:03}").parse().expect("valid badge"),
                    station: station.parse().expect("valid station"),
                    beats: vec![beat.parse().expect("valid beat")],
                    quota: 25,
                };
                Device::open(
                    &dir.path().join(format!("phone-{number}.db")),
                    &StoreKey::from_bytes([number; 32]),
                    &identity,
                    EnrolmentRules::standard(2026),
                )
                .expect("store opens")
            })
            .collect();
        for day in 0..3i64 {
            for phone in &mut phones {
                let count = 1 + people.below(25) as usize;
                for index in 0..count {
                    let village = &villages[people.below(villages.len() as u64) as usize];
                    let form = people.enrolment_form(&station, &beat, village);
                    let moment = Moment {
                        now_ms: NOW + day * 86_400_000 + index as i64 * 60_000,
                        random: people.next_u128(),
                    };
                    phone.enrol(&form, moment).expect("a demo form is accepted");
                }
                let mut transport = |request: Vec<u8>| {
                    let reply = hub.handle(&request).map_err(|error| error.to_string())?;
                    for message in [&request, &reply] {
                        messages.push(
                            mitan_core::sync::inflate(message, 1 << 26).expect("a zstd frame"),
                        );
                    }
                    Ok::<_, String>(reply)
                };
                phone
                    .sync(&mut transport, NOW + day * 86_400_000)
                    .expect("the sync succeeds");
            }
        }
    }
    messages
}

fn compressed_total(messages: &[Vec<u8>], dictionary: Option<&[u8]>) -> usize {
    let mut compressor = match dictionary {
        Some(dictionary) => zstd::bulk::Compressor::with_dictionary(15, dictionary),
        None => zstd::bulk::Compressor::new(15),
    }
    .expect("a compressor");
    messages
        .iter()
        .map(|message| compressor.compress(message).expect("compresses").len())
        .sum()
}

fn main() {
    let write = std::env::args().any(|argument| argument == "--write");
    let training = messages(1, 60);
    let held_out = messages(2, 20);
    let trained = zstd::dict::from_samples(&training, DICTIONARY_BYTES).expect("trains");
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/sync/dictionary_v5.bin");
    let shipped = std::fs::read(&path).ok();
    let plain = compressed_total(&held_out, None);
    println!(
        "{} training messages, {} held out ({} bytes compressed without a dictionary)",
        training.len(),
        held_out.len(),
        plain
    );
    for (name, dictionary) in [
        ("trained now", Some(&trained)),
        ("shipped", shipped.as_ref()),
    ] {
        if let Some(dictionary) = dictionary {
            let with = compressed_total(&held_out, Some(dictionary));
            println!(
                "{name}: {} bytes, {with} bytes compressed with it, {:.3}× without",
                dictionary.len(),
                with as f64 / plain as f64
            );
        }
    }
    if write {
        std::fs::write(&path, &trained).expect("the dictionary is written");
        println!("wrote {}", path.display());
    }
}
