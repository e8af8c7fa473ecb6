//! One person, once: how progress turns roster entries into people. The same mobile number
//! enrolled on two phones makes two entries (both are kept for a supervisor to resolve, see
//! `Roster::duplicate_phones`), but a unit has enrolled one person, so it counts once there.
//!
//! The rule, the same for the live report and for every replay of the past:
//!
//! - An entry is active (pending or verified), enrolled within the campaign's window and in
//!   its programme; the report counts only those.
//! - At each unit (a beat, an outpost, a station, a circle, the district) and for each
//!   employee, every phone counts once among the entries filed under that unit or enrolled by
//!   that employee; the other entries with that phone are the unit's *duplicates*, shown
//!   beside its count. A person entered in two beats of one station counts once in each beat
//!   and once at the station, which shows one duplicate: every figure is the people on that
//!   unit's own lists, so the beats may add up to more than the station, never the station
//!   to more than its people.
//! - A person is verified at a unit when one of their entries there is verified.
//! - Phones are compared by their tag in the server's blind index, never as numbers. An
//!   entry without a tag (its key never reached the server, or was erased with a withdrawal)
//!   is a person of its own.
//!
//! Where the entries come from is the caller's affair ([`super::Tally`]): SQL over the
//! volunteer rows for the live report, the replayed rosters for the past. Both hand over the
//! entries' counts per key and the entries whose phone may be shared ([`Tallied`]); [`count`]
//! applies the rule.

use std::collections::{BTreeMap, HashMap};

use crate::store::KeyedCounts;

/// An active entry whose phone another counted entry may also have.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SharedPhone {
    /// The key it is counted under: its beat, or the badge of whoever enrolled it.
    pub key: String,
    /// Its phone's tag in the blind index.
    pub tag: Vec<u8>,
    /// Whether the entry is verified.
    pub verified: bool,
}

/// The entries a report counts, as a [`super::Tally`] hands them over.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tallied {
    /// Active and verified entries per key.
    pub counts: Vec<KeyedCounts>,
    /// At least every counted entry whose phone another counted entry has. Entries whose
    /// phone no other counted entry has may be among them (the live query reads the
    /// district's shared phones, whatever their window): they leave nothing out.
    pub shared: Vec<SharedPhone>,
}

/// One counted entry, for [`Tallied::of_entries`].
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    /// The key it is counted under.
    pub key: &'a str,
    /// Its phone's tag, if the server can tell it.
    pub tag: Option<&'a [u8]>,
    /// Whether it is verified.
    pub verified: bool,
}

impl Tallied {
    /// The counts and shared phones of `entries`, every one of which is counted: what the
    /// replays hand over, as the live query does in SQL.
    pub fn of_entries<'a>(entries: impl IntoIterator<Item = Entry<'a>>) -> Tallied {
        let mut counts: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
        let mut by_tag: BTreeMap<&[u8], Vec<Entry<'a>>> = BTreeMap::new();
        for entry in entries {
            let count = counts.entry(entry.key).or_default();
            count.0 += 1;
            count.1 += u64::from(entry.verified);
            if let Some(tag) = entry.tag {
                by_tag.entry(tag).or_default().push(entry);
            }
        }
        Tallied {
            counts: counts
                .into_iter()
                .map(|(key, (active, verified))| KeyedCounts {
                    key: key.to_owned(),
                    beat: String::new(),
                    active,
                    verified,
                })
                .collect(),
            shared: by_tag
                .into_values()
                .filter(|entries| entries.len() > 1)
                .flatten()
                .map(|entry| SharedPhone {
                    key: entry.key.to_owned(),
                    tag: entry.tag.unwrap_or_default().to_vec(),
                    verified: entry.verified,
                })
                .collect(),
        }
    }
}

/// People at one unit or employee.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct People {
    /// People with an active entry: each phone once.
    pub enrolled: u64,
    /// People with a verified entry.
    pub verified: u64,
    /// Active entries left out of `enrolled` because another entry counted here has the
    /// same phone.
    pub duplicates: u64,
}

/// People per unit: each key's entries in `tallied` count at every unit `units_of(key)`
/// names (a beat and every unit above it; an employee alone), each phone once per unit.
pub fn count(tallied: &Tallied, units_of: impl Fn(&str) -> Vec<String>) -> HashMap<String, People> {
    let mut people: HashMap<String, People> = HashMap::new();
    for row in &tallied.counts {
        for unit in units_of(&row.key) {
            let at = people.entry(unit).or_default();
            at.enrolled += row.active;
            at.verified += row.verified;
        }
    }
    // Entries and verified entries of each phone at each unit.
    let mut per_phone: HashMap<(String, &[u8]), (u64, u64)> = HashMap::new();
    for entry in &tallied.shared {
        for unit in units_of(&entry.key) {
            let at = per_phone.entry((unit, entry.tag.as_slice())).or_default();
            at.0 += 1;
            at.1 += u64::from(entry.verified);
        }
    }
    for ((unit, _), (entries, verified)) in per_phone {
        let at = people.entry(unit).or_default();
        // A shared entry is a counted one, so the counts above hold it; saturating keeps a
        // tally that broke that promise from wrapping round.
        let left_out = entries - 1;
        at.enrolled = at.enrolled.saturating_sub(left_out);
        at.duplicates += left_out;
        at.verified = at.verified.saturating_sub(verified.saturating_sub(1));
    }
    people
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A beat's units: itself, its station and the district.
    fn up(beat: &str) -> Vec<String> {
        let station = beat.split_once('/').map_or(beat, |(station, _)| station);
        vec![beat.to_owned(), station.to_owned(), "district".to_owned()]
    }

    fn entry<'a>(key: &'a str, tag: Option<&'a [u8]>, verified: bool) -> Entry<'a> {
        Entry { key, tag, verified }
    }

    fn people(enrolled: u64, verified: u64, duplicates: u64) -> People {
        People {
            enrolled,
            verified,
            duplicates,
        }
    }

    #[test]
    fn one_phone_in_two_beats_of_a_station_counts_once_in_each_beat_and_once_above() {
        let tallied = Tallied::of_entries([
            entry("s1/b1", Some(b"ramesh"), false),
            entry("s1/b2", Some(b"ramesh"), true),
            entry("s1/b2", Some(b"sunita"), false),
        ]);
        let counted = count(&tallied, up);
        assert_eq!(counted["s1/b1"], people(1, 0, 0));
        assert_eq!(counted["s1/b2"], people(2, 1, 0));
        assert_eq!(counted["s1"], people(2, 1, 1));
        assert_eq!(counted["district"], people(2, 1, 1));
    }

    #[test]
    fn one_phone_twice_in_one_beat_counts_once_there_and_verified_once() {
        let tallied = Tallied::of_entries([
            entry("s1/b1", Some(b"ramesh"), true),
            entry("s1/b1", Some(b"ramesh"), true),
            entry("s1/b1", Some(b"ramesh"), false),
        ]);
        let counted = count(&tallied, up);
        assert_eq!(counted["s1/b1"], people(1, 1, 2));
        assert_eq!(counted["district"], people(1, 1, 2));
    }

    #[test]
    fn an_entry_without_a_tag_is_a_person_of_its_own() {
        let tallied = Tallied::of_entries([
            entry("s1/b1", None, false),
            entry("s1/b1", None, false),
            entry("s1/b1", Some(b"ramesh"), false),
        ]);
        assert!(tallied.shared.is_empty());
        assert_eq!(count(&tallied, up)["s1"], people(3, 0, 0));
    }

    #[test]
    fn stations_apart_count_the_phone_once_each_and_the_district_once() {
        let tallied = Tallied::of_entries([
            entry("s1/b1", Some(b"ramesh"), false),
            entry("s2/b1", Some(b"ramesh"), false),
        ]);
        let counted = count(&tallied, up);
        assert_eq!(counted["s1"], people(1, 0, 0));
        assert_eq!(counted["s2"], people(1, 0, 0));
        assert_eq!(counted["district"], people(1, 0, 1));
    }

    #[test]
    fn an_employee_counts_a_phone_once_among_their_own_entries_only() {
        let tallied = Tallied::of_entries([
            entry("CG-1", Some(b"ramesh"), false),
            entry("CG-1", Some(b"ramesh"), false),
            entry("CG-2", Some(b"ramesh"), false),
        ]);
        let counted = count(&tallied, |badge| vec![badge.to_owned()]);
        assert_eq!(counted["CG-1"], people(1, 0, 1));
        assert_eq!(counted["CG-2"], people(1, 0, 0));
    }

    #[test]
    fn shared_entries_beyond_those_sharing_leave_nothing_out() {
        // The live query hands over every entry whose phone the district holds twice, even
        // when the other entry lies outside the campaign's window.
        let mut tallied = Tallied::of_entries([
            entry("s1/b1", Some(b"ramesh"), false),
            entry("s1/b2", Some(b"sunita"), true),
        ]);
        let exact = count(&tallied, up);
        tallied.shared = vec![
            SharedPhone {
                key: "s1/b1".into(),
                tag: b"ramesh".to_vec(),
                verified: false,
            },
            SharedPhone {
                key: "s1/b2".into(),
                tag: b"sunita".to_vec(),
                verified: true,
            },
        ];
        assert_eq!(count(&tallied, up), exact);
        assert_eq!(exact["s1"], people(2, 1, 0));
    }

    #[test]
    fn nothing_counted_is_nobody() {
        assert!(count(&Tallied::default(), up).is_empty());
    }
}
