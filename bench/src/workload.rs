//! The field-day workload: a district's hierarchy, the phones that enrol in it, and what
//! happens on each day of a two-day drive, drawn from one seed so every system replays the
//! same drive.
//!
//! Every form is checked with the core's own validation (`EnrolmentForm::validate`) before it
//! enters the workload, so each record is one a constable's phone would accept.

use mitan_core::demo::Generator;
use mitan_core::model::validate::transliterate_devanagari;
use mitan_core::model::{EnrolmentForm, EnrolmentRules, Unit, UnitKind, VolunteerId};

/// How many enrolments each employee is asked for (Bilaspur's Cyber Mitan drive).
pub const QUOTA: usize = 25;

/// Days in the drive; every phone syncs at its station at the end of each.
pub const DAYS: usize = 2;

/// Two phones cover each beat (a constable and a head constable or SI), so every beat's
/// roster is written by two devices, as on a real beat.
pub const PHONES_PER_BEAT: usize = 2;

/// Villages per beat.
pub const VILLAGES_PER_BEAT: usize = 3;

/// The year by the phones' clocks during the drive, which validation judges ages against.
pub const CURRENT_YEAR: u16 = 2026;

/// The first day's first enrolment, 2026-11-24 09:00 IST by the phones' clocks.
pub const DRIVE_START_MS: i64 = 1_763_955_000_000;

const DAY_MS: i64 = 86_400_000;

/// A district's size: how many stations, and how many phones enrol at each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    /// Its name on the command line and in tables.
    pub name: &'static str,
    /// Police stations.
    pub stations: usize,
    /// Employees enrolling at each station, one phone each.
    pub phones_per_station: usize,
}

impl Size {
    /// One station of twelve employees: 300 enrolments, the smoke test's size.
    pub const STATION: Size = Size {
        name: "station",
        stations: 1,
        phones_per_station: 12,
    };
    /// A circle: four stations of ten.
    pub const CIRCLE: Size = Size {
        name: "circle",
        stations: 4,
        phones_per_station: 10,
    };
    /// A district's 32 stations, ten phones each: 8,000 enrolments.
    pub const DISTRICT: Size = Size {
        name: "district",
        stations: 32,
        phones_per_station: 10,
    };
    /// The 2-lakh drive: 8,000 phones over the same 32 stations. Run only on request.
    pub const LAKH2: Size = Size {
        name: "lakh2",
        stations: 32,
        phones_per_station: 250,
    };

    /// Every named size, smallest first.
    pub const ALL: [Size; 4] = [Size::STATION, Size::CIRCLE, Size::DISTRICT, Size::LAKH2];

    /// The size called `name`.
    pub fn named(name: &str) -> Option<Size> {
        Size::ALL.into_iter().find(|size| size.name == name)
    }

    /// Phones in the district.
    pub fn phones(&self) -> usize {
        self.stations * self.phones_per_station
    }

    /// Enrolments the drive makes (the quota of every phone).
    pub fn enrolments(&self) -> usize {
        self.phones() * QUOTA
    }
}

/// What share of the drive's enrolments are people enrolled a second time, and what share
/// carry a spelling slip.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mix {
    /// Share of enrolments that re-enrol someone the other phone of the beat already has.
    pub duplicates: f64,
    /// Share of enrolments with a misspelt name (still a name a phone accepts).
    pub typos: f64,
}

impl Default for Mix {
    fn default() -> Self {
        // Two constables walking the same villages meet the same people; a few percent
        // enrolled twice is what a supervisor's duplicate queue is for.
        Mix {
            duplicates: 0.04,
            typos: 0.06,
        }
    }
}

/// A phone and where it enrols.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone {
    /// The employee's badge.
    pub badge: String,
    /// Index of the station in [`Workload::stations`].
    pub station: usize,
    /// Its beat's code.
    pub beat: String,
    /// The LGD codes of the beat's villages.
    pub villages: Vec<String>,
}

/// A station, its in-charge (who reviews the day's entries) and its beats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Station {
    /// Unit code.
    pub code: String,
    /// The station in-charge's badge.
    pub incharge: String,
    /// Its beats' codes.
    pub beats: Vec<String>,
}

/// Why an enrolment is in the workload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// A new person, typed cleanly.
    Fresh,
    /// A new person whose name has a spelling slip.
    Typo,
    /// Someone already enrolled by the other phone of the beat, spelt and written anew.
    Duplicate {
        /// The earlier enrolment, which the supervisor keeps.
        of: VolunteerId,
    },
}

/// One enrolment: the form as typed, and the moment the phone records it at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolment {
    /// The volunteer id the phone will mint from `clock_ms` and `random`.
    pub id: VolunteerId,
    /// Index of the enrolling phone in [`Workload::phones`].
    pub phone: usize,
    /// The form.
    pub form: EnrolmentForm,
    /// The phone's clock when it was typed.
    pub clock_ms: i64,
    /// The randomness the phone draws for the id.
    pub random: u128,
    /// Why it is here.
    pub kind: Kind,
}

/// A station in-charge's decision on one day's entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Review {
    /// The entry checks out.
    Verify(VolunteerId),
    /// The first is the same person as the second, which is kept.
    Duplicate(VolunteerId, VolunteerId),
}

impl Review {
    /// The entry decided on.
    pub fn id(&self) -> VolunteerId {
        match self {
            Review::Verify(id) | Review::Duplicate(id, _) => *id,
        }
    }
}

/// One day of the drive.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Day {
    /// For each phone, the indices in [`Workload::enrolments`] it enrols that day.
    pub by_phone: Vec<Vec<usize>>,
    /// For each station, its in-charge's decisions after the evening's syncs.
    pub reviews: Vec<Vec<Review>>,
}

/// The whole drive.
#[derive(Debug, Clone)]
pub struct Workload {
    /// Its size.
    pub size: Size,
    /// The seed it was drawn from.
    pub seed: u64,
    /// The district's units, parents first: state, range, district, circles, stations,
    /// outposts, beats, villages.
    pub units: Vec<Unit>,
    /// The stations.
    pub stations: Vec<Station>,
    /// The phones.
    pub phones: Vec<Phone>,
    /// Every enrolment, in the order they are typed across the district.
    pub enrolments: Vec<Enrolment>,
    /// The days.
    pub days: Vec<Day>,
    /// Forms a constable typed wrong first (a phone number a digit short, a missing gender),
    /// which validation refused and the constable retyped; they never enter a store.
    pub refused_first_attempts: usize,
}

/// The district's code.
pub const DISTRICT: &str = "FD";

/// Stations per circle.
const STATIONS_PER_CIRCLE: usize = 4;

fn station_code(station: usize) -> String {
    format!("FD-PS-{station:03}")
}

fn unit(
    kind: UnitKind,
    code: &str,
    name_hi: String,
    name_en: String,
    parent: Option<&str>,
) -> Unit {
    Unit {
        kind,
        code: code
            .parse()
            .expect("field-day unit codes are written to be valid"),
        name_hi,
        name_en,
        parent: parent.map(|parent| parent.parse().expect("parents are valid codes")),
        lgd_code: None,
    }
}

/// Misspells a name as constables do (a dropped letter, a doubled vowel, श for स), keeping
/// it a name; `None` when the name offers no slip.
fn misspell(generator: &mut Generator, name: &str) -> Option<String> {
    if name.is_empty() {
        return None;
    }
    let swaps: &[(&str, &str)] = &[
        ("श", "स"),
        ("ी", "ि"),
        ("ू", "ु"),
        ("sh", "s"),
        ("ee", "i"),
        ("a ", "aa "),
        ("i", "ee"),
        ("v", "w"),
        ("े", "ै"),
        ("ा", ""),
        ("u", "oo"),
        ("a", "aa"),
    ];
    let start = generator.below(swaps.len() as u64) as usize;
    (0..swaps.len())
        .map(|offset| swaps[(start + offset) % swaps.len()])
        .find(|(from, _)| name.contains(from))
        .map(|(from, to)| name.replacen(from, to, 1))
}

/// Capitalises each word, as a constable types a name in Latin letters.
fn capitalise(name: &str) -> String {
    name.split(' ')
        .map(|word| {
            let mut letters = word.chars();
            letters.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(letters).collect()
            })
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Rewrites the phone number the way another person would say it: the same ten digits.
fn rewrite_phone(generator: &mut Generator, phone: &str) -> String {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    let ten = &digits[digits.len() - 10..];
    match generator.below(3) {
        0 => ten.to_owned(),
        1 => format!("+91 {} {}", &ten[..5], &ten[5..]),
        _ => format!("0{ten}"),
    }
}

impl Workload {
    /// Draws the drive for `size` from `seed`.
    pub fn generate(size: Size, seed: u64, mix: Mix) -> Workload {
        let rules = EnrolmentRules::standard(CURRENT_YEAR);
        let mut generator = Generator::new(seed);
        let mut units = vec![
            unit(
                UnitKind::State,
                "CG",
                "छत्तीसगढ़".into(),
                "Chhattisgarh".into(),
                None,
            ),
            unit(
                UnitKind::Range,
                "CG-FD",
                "फ़ील्ड डे रेंज".into(),
                "Field-day range".into(),
                Some("CG"),
            ),
            unit(
                UnitKind::District,
                DISTRICT,
                "फ़ील्ड डे ज़िला".into(),
                "Field-day district".into(),
                Some("CG-FD"),
            ),
        ];
        let mut stations = Vec::new();
        let mut phones = Vec::new();
        let village_names = mitan_core::demo::VILLAGE_NAMES;
        let mut beat_index = 0;
        for station in 0..size.stations {
            let code = station_code(station);
            let circle = format!("FD-C{}", station / STATIONS_PER_CIRCLE + 1);
            if station % STATIONS_PER_CIRCLE == 0 {
                units.push(unit(
                    UnitKind::Circle,
                    &circle,
                    format!("अनुभाग {}", station / STATIONS_PER_CIRCLE + 1),
                    format!("Circle {}", station / STATIONS_PER_CIRCLE + 1),
                    Some(DISTRICT),
                ));
            }
            let (name_hi, name_en) = village_names[station % village_names.len()];
            units.push(unit(
                UnitKind::Station,
                &code,
                format!("थाना {name_hi}"),
                format!("{name_en} police station"),
                Some(&circle),
            ));
            let outpost = format!("{code}-OP1");
            units.push(unit(
                UnitKind::Outpost,
                &outpost,
                format!("{name_hi} चौकी"),
                format!("{name_en} outpost"),
                Some(&code),
            ));
            let beats_here = size.phones_per_station.div_ceil(PHONES_PER_BEAT);
            let mut beats = Vec::new();
            for beat_in_station in 0..beats_here {
                let beat = format!("{code}-B{:03}", beat_in_station + 1);
                // A quarter of the beats hang off the outpost, the rest off the station.
                let parent = if beat_in_station % 4 == 3 {
                    &outpost
                } else {
                    &code
                };
                units.push(unit(
                    UnitKind::Beat,
                    &beat,
                    format!("बीट {}", beat_in_station + 1),
                    format!("Beat {}", beat_in_station + 1),
                    Some(parent),
                ));
                let mut villages = Vec::new();
                for village in 0..VILLAGES_PER_BEAT {
                    let lgd = Generator::village_lgd(beat_index, village);
                    let (village_hi, village_en) = village_names
                        [(beat_index * VILLAGES_PER_BEAT + village) % village_names.len()];
                    let mut village_unit = unit(
                        UnitKind::Village,
                        &format!("{beat}-V{}", village + 1),
                        village_hi.to_owned(),
                        village_en.to_owned(),
                        Some(&beat),
                    );
                    village_unit.lgd_code = Some(lgd.parse().expect("demo LGD codes are valid"));
                    units.push(village_unit);
                    villages.push(lgd);
                }
                beats.push((beat, villages));
                beat_index += 1;
            }
            for phone_in_station in 0..size.phones_per_station {
                let (beat, villages) = &beats[phone_in_station / PHONES_PER_BEAT];
                phones.push(Phone {
                    badge: format!("CG-{:06}", 100_000 + phones.len()),
                    station,
                    beat: beat.clone(),
                    villages: villages.clone(),
                });
            }
            stations.push(Station {
                code,
                incharge: format!("CG-{:06}", 900_000 + station),
                beats: beats.into_iter().map(|(beat, _)| beat).collect(),
            });
        }

        // Each phone's quota, split over the two days as the day's work allows.
        let day_one: Vec<usize> = (0..phones.len())
            .map(|_| 10 + generator.below(6) as usize)
            .collect();
        let mut enrolments: Vec<Enrolment> = Vec::with_capacity(size.enrolments());
        let mut days = Vec::new();
        let mut refused_first_attempts = 0;
        // The other phone of each beat: whose people a phone may meet again.
        let partners: Vec<Option<usize>> = (0..phones.len())
            .map(|index| {
                let beat_start = index - index % PHONES_PER_BEAT;
                (beat_start..(beat_start + PHONES_PER_BEAT).min(phones.len()))
                    .find(|&other| other != index && phones[other].beat == phones[index].beat)
            })
            .collect();
        let mut originals_by_phone: Vec<Vec<usize>> = vec![Vec::new(); phones.len()];
        for day in 0..DAYS {
            let mut by_phone = vec![Vec::new(); phones.len()];
            let mut reviews = vec![Vec::new(); stations.len()];
            for (phone_index, phone) in phones.iter().enumerate() {
                let count = if day == 0 {
                    day_one[phone_index]
                } else {
                    QUOTA - day_one[phone_index]
                };
                for slot in 0..count {
                    let clock_ms = DRIVE_START_MS
                        + day as i64 * DAY_MS
                        + slot as i64 * 25 * 60_000
                        + generator.below(600_000) as i64;
                    let random = generator.next_u128();
                    let id = VolunteerId::from_parts(clock_ms as u64, random);
                    let village =
                        &phone.villages[generator.below(phone.villages.len() as u64) as usize];
                    let station_code = &stations[phone.station].code;
                    let roll = generator.below(10_000) as f64 / 10_000.0;
                    let earlier = partners[phone_index]
                        .and_then(|partner| {
                            let originals = &originals_by_phone[partner];
                            let back = generator.below(8) as usize;
                            originals
                                .len()
                                .checked_sub(back + 1)
                                .map(|at| originals[at])
                        })
                        .map(|index| (enrolments[index].id, enrolments[index].form.clone()));
                    let (form, kind) = match earlier {
                        Some((original, original_form)) if roll < mix.duplicates => {
                            let mut form = original_form;
                            form.phone = rewrite_phone(&mut generator, &form.phone);
                            // The second constable writes the name their own way: in
                            // Devanagari with a slip, or in Latin letters as it sounds to them.
                            // Either way the number is the only sure key.
                            if !form.name_devanagari.is_empty() && generator.below(2) == 0 {
                                form.name_latin = String::new();
                                if let Some(slip) = misspell(&mut generator, &form.name_devanagari)
                                {
                                    form.name_devanagari = slip;
                                }
                            } else {
                                let latin = if form.name_latin.is_empty() {
                                    capitalise(&transliterate_devanagari(&form.name_devanagari))
                                } else {
                                    form.name_latin.clone()
                                };
                                form.name_latin = misspell(&mut generator, &latin).unwrap_or(latin);
                                form.name_devanagari = String::new();
                            }
                            (form, Kind::Duplicate { of: original })
                        }
                        _ => {
                            let mut form =
                                generator.enrolment_form(station_code, &phone.beat, village);
                            let mut kind = Kind::Fresh;
                            if roll >= mix.duplicates && roll < mix.duplicates + mix.typos {
                                let (deva, latin) = (&form.name_devanagari, &form.name_latin);
                                let slip = if latin.is_empty() || generator.below(2) == 0 {
                                    misspell(&mut generator, deva).map(|slip| (slip, true))
                                } else {
                                    misspell(&mut generator, latin).map(|slip| (slip, false))
                                };
                                if let Some((slip, devanagari)) = slip {
                                    if devanagari {
                                        form.name_devanagari = slip;
                                    } else {
                                        form.name_latin = slip;
                                    }
                                    kind = Kind::Typo;
                                }
                            }
                            (form, kind)
                        }
                    };
                    // One form in fifty is first typed with a digit missing from the phone
                    // number; the phone refuses it and the constable types it again.
                    if generator.below(50) == 0 {
                        let mut slip = form.clone();
                        let digits: String =
                            slip.phone.chars().filter(char::is_ascii_digit).collect();
                        slip.phone = digits[digits.len() - 9..].to_owned();
                        if slip.validate(&rules).is_err() {
                            refused_first_attempts += 1;
                        }
                    }
                    form.validate(&rules).unwrap_or_else(|rejection| {
                        panic!("the workload drew a form no phone accepts: {rejection:?}")
                    });
                    by_phone[phone_index].push(enrolments.len());
                    if !matches!(kind, Kind::Duplicate { .. }) {
                        originals_by_phone[phone_index].push(enrolments.len());
                    }
                    enrolments.push(Enrolment {
                        id,
                        phone: phone_index,
                        form,
                        clock_ms,
                        random,
                        kind,
                    });
                }
            }
            // Each evening the in-charge decides on everything enrolled that day.
            for indices in &by_phone {
                for &index in indices {
                    let enrolment = &enrolments[index];
                    let station = phones[enrolment.phone].station;
                    reviews[station].push(match enrolment.kind {
                        Kind::Duplicate { of } => Review::Duplicate(enrolment.id, of),
                        Kind::Fresh | Kind::Typo => Review::Verify(enrolment.id),
                    });
                }
            }
            days.push(Day { by_phone, reviews });
        }
        Workload {
            size,
            seed,
            units,
            stations,
            phones,
            enrolments,
            days,
            refused_first_attempts,
        }
    }

    /// How many enrolments of `kind`'s sort the drive has: fresh, typo, duplicate.
    pub fn count(&self, matches: impl Fn(&Kind) -> bool) -> usize {
        self.enrolments
            .iter()
            .filter(|enrolment| matches(&enrolment.kind))
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{HashMap, HashSet};

    fn station() -> Workload {
        Workload::generate(Size::STATION, 7, Mix::default())
    }

    #[test]
    fn every_phone_enrols_its_quota_over_two_days() {
        let workload = station();
        assert_eq!(workload.enrolments.len(), Size::STATION.enrolments());
        for phone in 0..workload.phones.len() {
            let total: usize = workload
                .days
                .iter()
                .map(|day| day.by_phone[phone].len())
                .sum();
            assert_eq!(total, QUOTA, "phone {phone}");
            assert!(workload.days[0].by_phone[phone].len() >= 10);
        }
    }

    #[test]
    fn the_same_seed_draws_the_same_drive_and_another_seed_another() {
        let first = station();
        let again = station();
        assert_eq!(first.enrolments, again.enrolments);
        let other = Workload::generate(Size::STATION, 8, Mix::default());
        assert_ne!(first.enrolments, other.enrolments);
    }

    #[test]
    fn every_form_passes_the_phones_validation_and_ids_are_unique() {
        let workload = station();
        let rules = EnrolmentRules::standard(CURRENT_YEAR);
        let mut ids = HashSet::new();
        for enrolment in &workload.enrolments {
            let valid = enrolment.form.validate(&rules).expect("valid");
            assert!(ids.insert(enrolment.id), "id {} drawn twice", enrolment.id);
            assert_eq!(
                enrolment.id,
                VolunteerId::from_parts(enrolment.clock_ms as u64, enrolment.random)
            );
            // Every enrolment stays in its phone's beat and station.
            let phone = &workload.phones[enrolment.phone];
            assert_eq!(valid.beat.to_string(), phone.beat);
            assert!(phone.villages.contains(&enrolment.form.village_lgd));
            assert!(valid.personal.phone.as_str().starts_with("+91"));
        }
    }

    #[test]
    fn duplicates_reuse_the_partners_person_with_the_same_number_written_differently() {
        let workload = Workload::generate(Size::CIRCLE, 7, Mix::default());
        let rules = EnrolmentRules::standard(CURRENT_YEAR);
        let by_id: HashMap<VolunteerId, &Enrolment> =
            workload.enrolments.iter().map(|e| (e.id, e)).collect();
        let duplicates = workload.count(|kind| matches!(kind, Kind::Duplicate { .. }));
        let typos = workload.count(|kind| *kind == Kind::Typo);
        let total = workload.enrolments.len() as f64;
        assert!(
            (0.02..0.06).contains(&(duplicates as f64 / total)),
            "{duplicates}"
        );
        assert!((0.03..0.09).contains(&(typos as f64 / total)), "{typos}");
        for enrolment in &workload.enrolments {
            let Kind::Duplicate { of } = enrolment.kind else {
                continue;
            };
            let original = by_id[&of];
            assert_ne!(original.phone, enrolment.phone);
            assert_eq!(
                workload.phones[original.phone].beat, workload.phones[enrolment.phone].beat,
                "the beat's other phone"
            );
            assert!(original.clock_ms < enrolment.clock_ms + DAY_MS);
            let phone_of = |form: &EnrolmentForm| {
                form.validate(&rules)
                    .expect("valid")
                    .personal
                    .phone
                    .as_str()
                    .to_owned()
            };
            assert_eq!(phone_of(&original.form), phone_of(&enrolment.form));
        }
    }

    #[test]
    fn names_come_in_devanagari_and_latin_and_some_are_misspelt() {
        let workload = station();
        let devanagari = workload
            .enrolments
            .iter()
            .filter(|e| {
                e.form
                    .name_devanagari
                    .chars()
                    .any(|c| ('\u{0900}'..='\u{097F}').contains(&c))
            })
            .count();
        let latin = workload
            .enrolments
            .iter()
            .filter(|e| e.form.name_latin.chars().any(|c| c.is_ascii_alphabetic()))
            .count();
        assert!(devanagari > workload.enrolments.len() / 2);
        assert!(latin > workload.enrolments.len() / 4);
        assert!(workload.count(|kind| *kind == Kind::Typo) > 0);
    }

    #[test]
    fn each_evening_the_incharge_decides_on_every_entry_of_the_day_once() {
        let workload = station();
        let mut decided = HashSet::new();
        for day in &workload.days {
            for reviews in &day.reviews {
                for review in reviews {
                    assert!(decided.insert(review.id()));
                    if let Review::Duplicate(twin, kept) = review {
                        assert_ne!(twin, kept);
                        assert!(
                            decided.contains(kept)
                                || day.reviews.iter().flatten().any(|r| r.id() == *kept)
                        );
                    }
                }
            }
        }
        assert_eq!(decided.len(), workload.enrolments.len());
    }

    #[test]
    fn the_hierarchy_runs_from_state_to_villages_with_lgd_codes() {
        let workload = Workload::generate(Size::CIRCLE, 7, Mix::default());
        let count = |kind: UnitKind| workload.units.iter().filter(|u| u.kind == kind).count();
        assert_eq!(count(UnitKind::Station), 4);
        assert_eq!(count(UnitKind::Outpost), 4);
        assert_eq!(count(UnitKind::Beat), 20);
        assert_eq!(count(UnitKind::Village), 60);
        let codes: HashSet<String> = workload.units.iter().map(|u| u.code.to_string()).collect();
        for unit in &workload.units {
            if let Some(parent) = &unit.parent {
                assert!(
                    codes.contains(&parent.to_string()),
                    "{} before its parent",
                    unit.code
                );
            }
            assert_eq!(unit.lgd_code.is_some(), unit.kind == UnitKind::Village);
        }
    }

    #[test]
    fn sizes_scale_to_two_lakh() {
        assert_eq!(Size::LAKH2.enrolments(), 200_000);
        assert_eq!(Size::DISTRICT.enrolments(), 8_000);
        assert_eq!(Size::named("circle"), Some(Size::CIRCLE));
        assert_eq!(Size::named("town"), None);
    }
}
