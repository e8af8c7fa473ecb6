//! Realistic demo data: Hindi and Latin names, valid phones, villages with LGD-style codes.
//! Used by the field-day example, the benchmarks, the tests and the server's demo mode, so
//! they all exercise the same messy, Indian-shaped input. Deterministic for a given seed.

use crate::model::validate::parse_phone;
use crate::model::{CameraForm, EnrolmentForm, Field};

/// Given names as pairs of (Devanagari, Latin).
const GIVEN_NAMES: &[(&str, &str)] = &[
    ("रमेश", "Ramesh"),
    ("सुनीता", "Sunita"),
    ("राजेश", "Rajesh"),
    ("प्रिया", "Priya"),
    ("लक्ष्मी", "Lakshmi"),
    ("अनिल", "Anil"),
    ("गीता", "Gita"),
    ("मोहन", "Mohan"),
    ("सीमा", "Seema"),
    ("दिनेश", "Dinesh"),
    ("कविता", "Kavita"),
    ("संजय", "Sanjay"),
    ("पूजा", "Pooja"),
    ("विकास", "Vikas"),
    ("अंजलि", "Anjali"),
    ("सुरेश", "Suresh"),
    ("ममता", "Mamta"),
    ("राकेश", "Rakesh"),
    ("रेखा", "Rekha"),
    ("मनोज", "Manoj"),
];

/// Family names common in Chhattisgarh and Bihar, as (Devanagari, Latin).
const FAMILY_NAMES: &[(&str, &str)] = &[
    ("साहू", "Sahu"),
    ("वर्मा", "Verma"),
    ("यादव", "Yadav"),
    ("पटेल", "Patel"),
    ("कुमार", "Kumar"),
    ("निषाद", "Nishad"),
    ("ध्रुव", "Dhruw"),
    ("मरकाम", "Markam"),
    ("सिंह", "Singh"),
    ("कश्यप", "Kashyap"),
];

/// Village names as (Devanagari, Latin).
pub const VILLAGE_NAMES: &[(&str, &str)] = &[
    ("सिरगिट्टी", "Sirgitti"),
    ("मोपका", "Mopka"),
    ("सेंदरी", "Sendri"),
    ("लोफंदी", "Lofandi"),
    ("बेलतरा", "Beltara"),
    ("कोनी", "Koni"),
    ("खमतराई", "Khamtarai"),
    ("धूमा", "Dhuma"),
    ("जोंधरा", "Jondhra"),
    ("मस्तूरी", "Masturi"),
    ("सीपत", "Seepat"),
    ("रतनपुर", "Ratanpur"),
];

/// A small deterministic generator (xorshift): demo data must be the same on every run.
#[derive(Debug, Clone)]
pub struct Generator {
    state: u64,
}

impl Generator {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        Generator {
            state: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
        }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.state;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.state = x;
        x
    }

    /// 128 random bits, for ids.
    pub fn next_u128(&mut self) -> u128 {
        (u128::from(self.next_u64()) << 64) | u128::from(self.next_u64())
    }

    /// A number in `0..bound`.
    pub fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound.max(1)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// A valid Indian mobile number, written the way people write them. Numbers that the
    /// phone metadata knows as landlines (some 6/7/8 ranges are STD codes) are drawn again.
    pub fn phone(&mut self) -> String {
        let digits = loop {
            let first = [b'6', b'7', b'8', b'9'][self.below(4) as usize] as char;
            let candidate = format!("{first}{:09}", self.below(1_000_000_000));
            if parse_phone(Field::Phone, &candidate).is_ok() {
                break candidate;
            }
        };
        match self.below(4) {
            0 => format!("{} {}", &digits[..5], &digits[5..]),
            1 => format!("+91-{}-{}", &digits[..5], &digits[5..]),
            2 => format!("0{} {}", &digits[..5], &digits[5..]),
            _ => format!("+91 {digits}"),
        }
    }

    /// A filled enrolment form for someone in `village_lgd` of `beat`.
    pub fn enrolment_form(
        &mut self,
        station: &str,
        beat: &str,
        village_lgd: &str,
    ) -> EnrolmentForm {
        let (given_deva, given_latin) = *self.pick(GIVEN_NAMES);
        let (family_deva, family_latin) = *self.pick(FAMILY_NAMES);
        let female = matches!(
            given_latin,
            "Sunita"
                | "Priya"
                | "Lakshmi"
                | "Gita"
                | "Seema"
                | "Kavita"
                | "Pooja"
                | "Anjali"
                | "Mamta"
                | "Rekha"
        );
        let scripts = self.below(10);
        let age = 18 + self.below(45) as u32;
        EnrolmentForm {
            // Most constables type the Devanagari name; some add the Latin one, a few only it.
            name_devanagari: if scripts < 9 {
                format!("{given_deva} {family_deva}")
            } else {
                String::new()
            },
            name_latin: if scripts >= 5 {
                format!("{given_latin} {family_latin}")
            } else {
                String::new()
            },
            phone: self.phone(),
            gender: if female { "female" } else { "male" }.into(),
            age_years: Some(age),
            birth_year: None,
            village_lgd: village_lgd.into(),
            household: format!("मकान नं. {}, {family_deva} परिवार", 1 + self.below(300)),
            beat: beat.into(),
            station: station.into(),
            programmes: vec![
                if female && self.below(3) == 0 {
                    "suraksha_sakhi"
                } else {
                    "cyber_mitan"
                }
                .into(),
            ],
            trained_by: String::new(),
            consent_given: true,
            consent_language: if self.below(5) == 0 { "en" } else { "hi" }.into(),
            consent_notice_version: 1,
            ..EnrolmentForm::default()
        }
    }

    /// A private CCTV camera of village `village_lgd`, its owner a demo person, somewhere
    /// around Bilaspur, looking one of the eight ways over a chowk, a gate or a road.
    pub fn camera_form(&mut self, village_lgd: &str) -> CameraForm {
        let (given_deva, _) = *self.pick(GIVEN_NAMES);
        let (family_deva, _) = *self.pick(FAMILY_NAMES);
        let offset = |generator: &mut Generator| generator.below(600) as f64 / 10_000.0;
        CameraForm {
            owner_name: format!("{given_deva} {family_deva}"),
            owner_phone: self.phone(),
            latitude: 22.05 + offset(self),
            longitude: 82.12 + offset(self),
            village_lgd: village_lgd.into(),
            coverage: (*self.pick(&["चौक और बस स्टैंड", "स्कूल का गेट", "मुख्य सड़क", "बाज़ार"])).to_owned(),
            direction: (*self.pick(&["n", "ne", "e", "se", "s", "sw", "w", "nw"])).to_owned(),
            recording_days: (*self.pick(&["7", "15", "30"])).to_owned(),
        }
    }

    /// A six-digit LGD-style village code, stable for `(beat_index, village_index)`.
    pub fn village_lgd(beat_index: usize, village_index: usize) -> String {
        format!("{:06}", 430_000 + beat_index * 100 + village_index + 1)
    }
}

/// The Automerge actor of the demo device that enrolled entry `index` of beat `beat_index`:
/// one device per 25 enrolments, as in the Bilaspur drive (25 per employee).
#[cfg(any(test, feature = "test-support"))]
fn demo_actor(beat_index: usize, index: usize) -> [u8; 16] {
    (((beat_index as u128 + 1) << 64) | ((index / 25) as u128 + 1)).to_be_bytes()
}

/// A roster of `volunteers` demo enrolments for beat `beat` (the `beat_index`-th of
/// `station`), built in memory with the test keys. Every 25 enrolments come from another
/// device (its own actor, badge and device id), as a real roster's would; entry `index` is
/// made at `first_clock_ms + index` on its device's clock. For benchmarks and tests.
#[cfg(any(test, feature = "test-support"))]
pub fn beat_roster(
    station: &str,
    beat: &str,
    beat_index: usize,
    volunteers: usize,
    seed: u64,
) -> crate::model::Roster {
    use crate::model::sealed::TestKeys;
    use crate::model::{ChangeMeta, EnrolmentRules, Roster, RosterId, VolunteerId};

    let roster_id: RosterId = beat.parse().expect("a valid beat code");
    let mut roster = Roster::genesis(&roster_id);
    let rules = EnrolmentRules::standard(2026);
    let mut generator = Generator::new(seed);
    for index in 0..volunteers {
        let form = generator.enrolment_form(
            station,
            beat,
            &Generator::village_lgd(beat_index, index % 8),
        );
        let enrolment = form.validate(&rules).expect("demo forms are valid");
        let clock_ms = DEMO_CLOCK_MS + index as i64;
        let meta = ChangeMeta {
            badge: format!("CG-{:03}", index / 25)
                .parse()
                .expect("a valid badge"),
            device: format!("dev-{beat_index}-{}", index / 25)
                .parse()
                .expect("a valid device id"),
            device_clock_ms: clock_ms,
        };
        let id = VolunteerId::from_parts(clock_ms as u64, generator.next_u128());
        if index % 25 == 0 {
            roster.set_actor(demo_actor(beat_index, index));
        }
        roster
            .enrol(id, &enrolment, &meta, &TestKeys::sealing(&id))
            .expect("a demo enrolment is accepted");
    }
    roster
}

/// The device clock of a demo roster's first enrolment (22 November 2025, India time).
#[cfg(any(test, feature = "test-support"))]
pub const DEMO_CLOCK_MS: i64 = 1_763_900_000_000;
