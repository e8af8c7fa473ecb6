//! The auditors' history (`mitan_core::history`) replays a scripted week of a beat: three
//! phones enrol, one edits, two supervisors verify and merge a duplicate, and a volunteer
//! withdraws. Every step's roster is rebuilt from the history alone and compared with the
//! roster as it stood live, and with what the script says it must be.

use std::collections::BTreeMap;

use mitan_core::demo::Generator;
use mitan_core::history::{
    Clock, History, HistoryFilter, Point, RosterState, Shown, diff, state_at,
};
use mitan_core::model::sealed::{EntryKey, KeyRing, NoKeys, TestKeys};
use mitan_core::model::{
    Action, ChangeMeta, Decision, EnrolmentRules, EntryId, Roster, RosterId, VolunteerEdit,
    VolunteerId, WithdrawalChannel,
};

const STATION: &str = "BSP-PS-KONI";
const BEAT: &str = "BSP-PS-KONI-B01";
const FIRST_PHONE: &str = "+919876543210";
const SECOND_PHONE: &str = "+919812345678";

struct Writer {
    roster: Roster,
    badge: &'static str,
    device: &'static str,
}

impl Writer {
    fn new(actor: u8, badge: &'static str, device: &'static str) -> Self {
        let mut roster = Roster::genesis(&BEAT.parse::<RosterId>().expect("valid beat"));
        roster.set_actor([actor; 16]);
        Writer {
            roster,
            badge,
            device,
        }
    }

    fn meta(&self, clock_ms: i64) -> ChangeMeta {
        ChangeMeta {
            badge: self.badge.parse().expect("valid badge"),
            device: self.device.parse().expect("valid device"),
            device_clock_ms: clock_ms,
        }
    }

    fn enrol(&mut self, seed: u64, phone: &str, clock_ms: i64) -> VolunteerId {
        let mut generator = Generator::new(seed);
        let mut form = generator.enrolment_form(STATION, BEAT, "430001");
        form.phone = phone.to_owned();
        let enrolment = form
            .validate(&EnrolmentRules::standard(2026))
            .expect("demo forms are valid");
        let id = VolunteerId::from_parts(clock_ms as u64, generator.next_u128());
        let meta = self.meta(clock_ms);
        self.roster
            .enrol(id, &enrolment, &meta, &TestKeys::sealing(&id))
            .expect("enrol");
        id
    }
}

/// Every change `from` has that `to` lacks.
fn deliver(from: &mut Roster, to: &mut Roster) {
    let heads = to.heads();
    let changes: Vec<Vec<u8>> = from
        .changes_since(&heads)
        .into_iter()
        .map(|change| change.bytes)
        .collect();
    to.apply_changes(&changes).expect("changes apply");
}

/// The district's keys: every key but that of a volunteer who withdrew, destroyed when the
/// withdrawal was merged.
struct DistrictKeys(Vec<VolunteerId>);

impl KeyRing for DistrictKeys {
    fn key(&self, entry: &EntryId) -> Option<EntryKey> {
        let withdrawn = entry.volunteer().is_some_and(|id| self.0.contains(&id));
        (!withdrawn).then(|| TestKeys::key_of(entry))
    }
}

/// What the script says one volunteer looks like: status, and the phone as shown.
type Expected = BTreeMap<VolunteerId, (&'static str, Shown)>;

/// One listed change: action, badge, device, device clock.
type Listed<'a> = (Option<Action>, Option<&'a str>, Option<&'a str>, i64);

fn phone_of(state: &RosterState, id: &VolunteerId) -> Option<Shown> {
    state
        .volunteers
        .iter()
        .find(|volunteer| volunteer.id == id.to_string())
        .and_then(|volunteer| volunteer.fields.get("phone").cloned())
}

fn assert_matches(state: &RosterState, expected: &Expected, step: &str) {
    let found: BTreeMap<String, (String, Option<Shown>)> = state
        .volunteers
        .iter()
        .map(|volunteer| {
            (
                volunteer.id.clone(),
                (
                    volunteer.status.clone(),
                    volunteer.fields.get("phone").cloned(),
                ),
            )
        })
        .collect();
    let wanted: BTreeMap<String, (String, Option<Shown>)> = expected
        .iter()
        .map(|(id, (status, phone))| (id.to_string(), ((*status).to_owned(), Some(phone.clone()))))
        .collect();
    assert_eq!(found, wanted, "{step}");
}

#[test]
fn a_scripted_week_replays_to_the_exact_state_of_every_step() {
    let mut district = Writer::new(9, "CG-1", "srv-district");
    let mut phone_a = Writer::new(1, "CG-101", "dev-a");
    let mut phone_b = Writer::new(2, "CG-102", "dev-b");
    let mut phone_c = Writer::new(3, "CG-103", "dev-c");
    let mut incharge = Writer::new(11, "CG-900", "srv-incharge");
    let mut circle_officer = Writer::new(12, "CG-950", "srv-co");

    // The live state after each step, and what the script says it must be.
    let mut live: Vec<RosterState> = Vec::new();
    let mut expected: Vec<Expected> = Vec::new();
    let mut step = Expected::new();
    let snapshot = |district: &mut Writer| {
        let heads = district.roster.heads();
        let count = district.roster.change_count();
        RosterState::of(&district.roster, heads, count, &TestKeys)
    };
    let opened = |text: &str| Shown::Opened(text.to_owned());

    // 1. Phone A enrols Sunita.
    let first = phone_a.enrol(1, FIRST_PHONE, 1_000);
    deliver(&mut phone_a.roster, &mut district.roster);
    step.insert(first, ("pending", opened(FIRST_PHONE)));
    live.push(snapshot(&mut district));
    expected.push(step.clone());

    // 2. Phone B, offline, enrols the same person again.
    let again = phone_b.enrol(2, FIRST_PHONE, 2_000);
    deliver(&mut phone_b.roster, &mut district.roster);
    step.insert(again, ("pending", opened(FIRST_PHONE)));
    live.push(snapshot(&mut district));
    expected.push(step.clone());

    // 3. Phone C enrols someone who will later withdraw: erased at every moment of the replay.
    let leaver = phone_c.enrol(3, "+917000012345", 3_000);
    deliver(&mut phone_c.roster, &mut district.roster);
    step.insert(leaver, ("pending", Shown::Erased));
    live.push(snapshot(&mut district));
    expected.push(step.clone());

    // 4. Phone A corrects Sunita's number.
    let edit = VolunteerEdit {
        phone: Some(SECOND_PHONE.into()),
        ..VolunteerEdit::default()
    }
    .validate()
    .expect("valid edit");
    let meta = phone_a.meta(4_000);
    phone_a
        .roster
        .edit(&first, &edit, &meta, Some(&TestKeys::sealing(&first)))
        .expect("edit");
    deliver(&mut phone_a.roster, &mut district.roster);
    step.insert(first, ("pending", opened(SECOND_PHONE)));
    live.push(snapshot(&mut district));
    expected.push(step.clone());

    // 5. The station in-charge verifies her.
    deliver(&mut district.roster, &mut incharge.roster);
    let meta = incharge.meta(5_000);
    incharge
        .roster
        .review(&first, Decision::Verify, &meta)
        .expect("verify");
    deliver(&mut incharge.roster, &mut district.roster);
    step.insert(first, ("verified", opened(SECOND_PHONE)));
    live.push(snapshot(&mut district));
    expected.push(step.clone());

    // 6. The circle officer merges the duplicate into her first entry.
    deliver(&mut district.roster, &mut circle_officer.roster);
    let meta = circle_officer.meta(6_000);
    circle_officer
        .roster
        .review(&again, Decision::DuplicateOf(first), &meta)
        .expect("duplicate");
    deliver(&mut circle_officer.roster, &mut district.roster);
    step.insert(again, ("duplicate", opened(FIRST_PHONE)));
    live.push(snapshot(&mut district));
    expected.push(step.clone());

    // 7. The third volunteer withdraws on phone C.
    let meta = phone_c.meta(7_000);
    phone_c
        .roster
        .withdraw(&leaver, WithdrawalChannel::InPerson, &meta)
        .expect("withdraw");
    deliver(&mut phone_c.roster, &mut district.roster);
    step.insert(leaver, ("withdrawn", Shown::Erased));
    live.push(snapshot(&mut district));
    expected.push(step.clone());

    // The district destroyed the leaver's key; the server received step k at k × 10 s.
    let keys = DistrictKeys(vec![leaver]);
    let history = History::of(&mut district.roster, &keys)
        .expect("history reads")
        .with_receipts(|hash| {
            live.iter()
                .position(|state| state.heads.contains(hash))
                .map(|step| (step as i64 + 1) * 10_000)
        })
        .with_roles(|badge| {
            Some(
                if badge.starts_with("CG-9") {
                    "supervisor"
                } else {
                    "constable"
                }
                .into(),
            )
        });

    // The listing: genesis, then one change per step, with author, device and clock.
    let listed: Vec<Listed<'_>> = history
        .entries
        .iter()
        .map(|entry| {
            (
                entry.action,
                entry.badge.as_deref(),
                entry.device.as_deref(),
                entry.device_clock_ms,
            )
        })
        .collect();
    assert_eq!(
        listed,
        vec![
            (Some(Action::Genesis), None, None, 0),
            (Some(Action::Enrol), Some("CG-101"), Some("dev-a"), 1_000),
            (Some(Action::Enrol), Some("CG-102"), Some("dev-b"), 2_000),
            (Some(Action::Enrol), Some("CG-103"), Some("dev-c"), 3_000),
            (Some(Action::Edit), Some("CG-101"), Some("dev-a"), 4_000),
            (
                Some(Action::Review),
                Some("CG-900"),
                Some("srv-incharge"),
                5_000
            ),
            (Some(Action::Review), Some("CG-950"), Some("srv-co"), 6_000),
            (Some(Action::Withdraw), Some("CG-103"), Some("dev-c"), 7_000),
        ]
    );
    assert_eq!(history.entries[5].role.as_deref(), Some("supervisor"));
    assert_eq!(history.entries[4].received_at_ms, Some(40_000));

    // Field by field: the edit wrote the new number, opened; the leaver's enrolment is erased.
    let edit_fields: Vec<(&str, &Shown)> = history.entries[4]
        .fields
        .iter()
        .map(|field| (field.field.as_str(), &field.shown))
        .collect();
    assert_eq!(edit_fields, vec![("phone", &opened(SECOND_PHONE))]);
    let leaver_phone = history.entries[3]
        .fields
        .iter()
        .find(|field| field.field == "phone")
        .expect("the enrolment wrote a phone");
    assert_eq!(leaver_phone.shown, Shown::Erased);
    assert!(
        history.entries[7]
            .fields
            .iter()
            .any(|field| field.field == "phone" && field.shown == Shown::Removed),
        "the withdrawal removes the personal fields"
    );
    assert!(history.opened.contains(&first.to_string()));
    assert!(!history.opened.contains(&leaver.to_string()));

    // Every step, three ways: through its change, its device clock and its receipt time.
    for (index, (live_state, wanted)) in live.iter().zip(&expected).enumerate() {
        let entry = &history.entries[index + 1];
        let points = [
            Point::Change(entry.hash),
            Point::Time {
                at_ms: entry.device_clock_ms,
                clock: Clock::Device,
            },
            Point::Time {
                at_ms: (index as i64 + 1) * 10_000,
                clock: Clock::Server,
            },
        ];
        for point in points {
            let replayed =
                state_at(&mut district.roster, &history, &point, &keys).expect("state replays");
            let step = format!("step {} at {point:?}", index + 1);
            assert_matches(&replayed, wanted, &step);
            assert_eq!(replayed.heads, live_state.heads, "{step}");
            assert_eq!(replayed.changes, live_state.changes, "{step}");
            // Apart from the leaver, erased throughout, the replay is the live roster.
            let mut live_erased = live_state.clone();
            for volunteer in &mut live_erased.volunteers {
                if volunteer.id == leaver.to_string() {
                    volunteer.fields = replayed
                        .volunteers
                        .iter()
                        .find(|replayed| replayed.id == volunteer.id)
                        .expect("the leaver is in the replay")
                        .fields
                        .clone();
                }
            }
            assert_eq!(replayed, live_erased, "{step}");
        }
    }

    // Before anything was enrolled there is only the genesis.
    let empty = state_at(
        &mut district.roster,
        &history,
        &Point::Time {
            at_ms: 500,
            clock: Clock::Device,
        },
        &keys,
    )
    .expect("state replays");
    assert!(empty.volunteers.is_empty());
    assert_eq!(empty.changes, 1);

    // The diff from step 3 to the end: the edit and verification, the duplicate, the
    // withdrawal.
    let before = state_at(
        &mut district.roster,
        &history,
        &Point::Change(history.entries[3].hash),
        &keys,
    )
    .expect("state replays");
    let after = state_at(&mut district.roster, &history, &Point::Latest, &keys).expect("latest");
    let changed = diff(&before, &after);
    assert!(changed.added.is_empty() && changed.removed.is_empty());
    let statuses: BTreeMap<String, (String, String)> = changed
        .changed
        .iter()
        .map(|volunteer| {
            (
                volunteer.id.clone(),
                (
                    volunteer.status_before.clone(),
                    volunteer.status_after.clone(),
                ),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        BTreeMap::from([
            (first.to_string(), ("pending".into(), "verified".into())),
            (again.to_string(), ("pending".into(), "duplicate".into())),
            (leaver.to_string(), ("pending".into(), "withdrawn".into())),
        ])
    );
    let first_diff = changed
        .changed
        .iter()
        .find(|volunteer| volunteer.id == first.to_string())
        .expect("the first volunteer changed");
    let phone_diff = first_diff
        .fields
        .iter()
        .find(|field| field.field == "phone")
        .expect("the phone changed");
    assert_eq!(phone_diff.before, Some(opened(FIRST_PHONE)));
    assert_eq!(phone_diff.after, Some(opened(SECOND_PHONE)));
    assert_eq!(phone_of(&after, &leaver), Some(Shown::Erased));

    // Filters: one author, one device, one volunteer, a window of receipt times.
    let by = |filter: HistoryFilter| -> Vec<u64> {
        history.filtered(&filter).map(|entry| entry.seq).collect()
    };
    assert_eq!(
        by(HistoryFilter {
            badge: Some("CG-101".into()),
            ..HistoryFilter::default()
        }),
        vec![1, 4]
    );
    assert_eq!(
        by(HistoryFilter {
            device: Some("dev-c".into()),
            ..HistoryFilter::default()
        }),
        vec![3, 7]
    );
    assert_eq!(
        by(HistoryFilter {
            volunteer: Some(first),
            ..HistoryFilter::default()
        }),
        vec![1, 4, 5]
    );
    assert_eq!(
        by(HistoryFilter {
            volunteer: Some(again),
            ..HistoryFilter::default()
        }),
        vec![2, 6]
    );
    assert_eq!(
        by(HistoryFilter {
            from_ms: Some(20_000),
            to_ms: Some(50_000),
            ..HistoryFilter::default()
        }),
        vec![2, 3, 4]
    );
    assert_eq!(
        by(HistoryFilter {
            from_ms: Some(5_000),
            clock: Clock::Device,
            ..HistoryFilter::default()
        }),
        vec![5, 6, 7]
    );
}

#[test]
fn a_reader_without_keys_sees_personal_fields_sealed_and_a_withdrawal_still_replays() {
    let mut phone = Writer::new(1, "CG-101", "dev-a");
    let id = phone.enrol(1, FIRST_PHONE, 1_000);
    let meta = phone.meta(2_000);
    phone
        .roster
        .withdraw(&id, WithdrawalChannel::InPerson, &meta)
        .expect("withdraw");
    let other = phone.enrol(2, SECOND_PHONE, 3_000);
    let history = History::of(&mut phone.roster, &NoKeys).expect("history reads");
    let phones: Vec<(String, Shown)> = history
        .entries
        .iter()
        .flat_map(|entry| &entry.fields)
        .filter(|field| field.field == "phone")
        .map(|field| {
            (
                field.volunteer.clone().unwrap_or_default(),
                field.shown.clone(),
            )
        })
        .collect();
    assert_eq!(
        phones,
        vec![
            (id.to_string(), Shown::Erased),
            (id.to_string(), Shown::Removed),
            (other.to_string(), Shown::Sealed),
        ]
    );
    assert!(history.opened.is_empty());
    let state = state_at(&mut phone.roster, &history, &Point::Latest, &NoKeys).expect("replays");
    assert_eq!(phone_of(&state, &other), Some(Shown::Sealed));
    assert_eq!(phone_of(&state, &id), Some(Shown::Erased));
}

#[test]
fn an_unknown_change_is_refused_by_name() {
    let mut phone = Writer::new(1, "CG-101", "dev-a");
    phone.enrol(1, FIRST_PHONE, 1_000);
    let history = History::of(&mut phone.roster, &NoKeys).expect("history reads");
    let error = history
        .heads_at(&Point::Change([7; 32]))
        .expect_err("no such change")
        .to_string();
    assert!(error.contains("0707"), "{error}");
}
