//! What a roster may not hold, refused through the in-memory reference server exactly as the
//! district server refuses it (`sync::apply_ruled`): each refusal with its code, alone, while
//! the honest work offered in the same request still lands.

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{ActorId, AutoCommit, ObjId, ObjType, ROOT, ReadDoc};
use mitan_core::demo::Generator;
use mitan_core::model::sealed::{NoKeys, TestKeys};
use mitan_core::model::{
    CameraForm, CameraId, ChangeMeta, Enrolment, EnrolmentRules, EntryId, Roster, RosterChange,
    RosterId, Status, Trainer, VolunteerId, WithdrawalChannel,
};
use mitan_core::sync::{
    DistrictFacts, Hash, Limits, MemoryHub, Refusal, RejectedChange, RosterOffer, RosterReply,
    Ruling, SyncRequest, SyncResponse, apply_ruled, entries_written, erased_key, grants_for,
};

const STATION: &str = "BSP-PS-KONI";
const BEAT: &str = "BSP-PS-KONI-B01";
const OTHER_BEAT: &str = "BSP-PS-KONI-B02";
const NOW: i64 = 1_763_900_000_000;
/// The actor of the tampered phone. The hub checks no provenance, so each phone below is just
/// an actor of its own: two replicas sharing one would reuse its sequence numbers.
const ACTOR: [u8; 16] = [7; 16];
/// An honest phone of the same beat.
const HONEST: [u8; 16] = [8; 16];

fn roster_id(beat: &str) -> RosterId {
    beat.parse().expect("valid roster id")
}

fn meta() -> ChangeMeta {
    ChangeMeta {
        badge: "CG-007".parse().expect("valid badge"),
        device: "dev-7".parse().expect("valid device"),
        device_clock_ms: NOW,
    }
}

/// A phone's replica of `beat`'s roster, writing as `actor`.
fn replica(beat: &str, actor: [u8; 16]) -> Roster {
    let mut roster = Roster::genesis(&roster_id(beat));
    roster.set_actor(actor);
    roster
}

/// An enrolment written into `roster` through the core's own API for a person of `beat`,
/// with the validated enrolment then altered by `tamper`: what a phone whose validation was
/// patched sends.
fn enrol(
    roster: &mut Roster,
    beat: &str,
    seed: u64,
    tamper: impl FnOnce(&mut Enrolment),
) -> (VolunteerId, RosterChange) {
    let mut generator = Generator::new(seed);
    let form = generator.enrolment_form(STATION, beat, &Generator::village_lgd(0, 0));
    let mut enrolment = form
        .validate(&EnrolmentRules::standard(2026))
        .expect("demo forms are valid");
    tamper(&mut enrolment);
    let id = VolunteerId::from_parts(NOW as u64 + seed, generator.next_u128());
    let change = roster
        .enrol(id, &enrolment, &meta(), &TestKeys::sealing(&id))
        .expect("the core writes what it is given");
    (id, change)
}

/// An offer of `changes` to `beat`'s roster, with the keys of the entries they write.
fn offer(beat: &str, changes: &[&RosterChange]) -> RosterOffer {
    let changes: Vec<Vec<u8>> = changes.iter().map(|change| change.bytes.clone()).collect();
    RosterOffer {
        roster: beat.to_owned(),
        heads: Vec::new(),
        keys: grants_for(&entries_written(&changes), &TestKeys),
        want_keys: Vec::new(),
        changes,
        signatures: Vec::new(),
    }
}

/// One request to `hub`, decoded.
fn exchange(hub: &mut MemoryHub, rosters: Vec<RosterOffer>) -> SyncResponse {
    let request = SyncRequest::new(rosters);
    let reply = hub.handle(&request.encode()).expect("the hub answers");
    SyncResponse::decode(&reply, &Limits::default()).expect("a sync reply")
}

/// The refusals in a reply, by hash.
fn refusals(reply: &RosterReply) -> Vec<(Hash, Option<Refusal>)> {
    assert_eq!(reply.refused, None, "the offer was refused whole");
    reply
        .rejected
        .iter()
        .map(|rejected| (rejected.hash, rejected.refusal()))
        .collect()
}

/// Whether the hub's copy of `beat` holds `volunteer`.
fn hub_holds(hub: &MemoryHub, beat: &str, volunteer: &VolunteerId) -> bool {
    hub.roster(&roster_id(beat))
        .and_then(|roster| roster.volunteer(volunteer, &NoKeys).ok().flatten())
        .is_some()
}

/// A change written straight into a copy of `roster` with Automerge under [`ACTOR`], as a
/// tampered phone could, naming `entry` in its message with `action`. The change is also
/// applied to `roster`, so the phone's next change follows it.
fn raw_change(
    roster: &mut Roster,
    action: &str,
    entry: Option<&str>,
    edit: impl FnOnce(&mut AutoCommit),
) -> RosterChange {
    let mut doc = AutoCommit::load(&roster.save()).expect("the roster loads");
    let heads = doc.get_heads();
    doc.set_actor(ActorId::from(ACTOR));
    edit(&mut doc);
    let named = entry.map_or(String::new(), |entry| format!(r#","e":"{entry}""#));
    doc.commit_with(CommitOptions::default().with_message(format!(
        r#"{{"a":"{action}","b":"CG-007","d":"dev-7"{named}}}"#
    )));
    let changes = doc.get_changes(&heads);
    assert_eq!(changes.len(), 1);
    let change = RosterChange {
        hash: changes[0].hash().0,
        bytes: changes[0].raw_bytes().to_vec(),
    };
    roster
        .apply_changes(std::slice::from_ref(&change.bytes))
        .expect("the phone holds its own change");
    change
}

/// The map under `path` from the document's root.
fn map_at(doc: &AutoCommit, path: &[&str]) -> ObjId {
    path.iter().fold(ROOT, |parent, key| {
        doc.get(&parent, *key)
            .expect("read")
            .unwrap_or_else(|| panic!("{key} exists"))
            .1
    })
}

#[test]
fn a_volunteer_written_into_another_beats_roster_is_refused_alone_and_honest_work_lands() {
    let mut hub = MemoryHub::default();
    let mut mixed = replica(BEAT, ACTOR);
    let (honest, honest_change) = enrol(&mut mixed, BEAT, 1, |_| {});
    let (misplaced, misplaced_change) = enrol(&mut mixed, OTHER_BEAT, 2, |_| {});
    // Written after the misplaced enrolment, so it depends on it and cannot land without it.
    let (built_on, built_on_change) = enrol(&mut mixed, BEAT, 3, |_| {});
    let mut other = replica(OTHER_BEAT, ACTOR);
    let (elsewhere, elsewhere_change) = enrol(&mut other, OTHER_BEAT, 4, |_| {});

    let reply = exchange(
        &mut hub,
        vec![
            offer(BEAT, &[&honest_change, &misplaced_change, &built_on_change]),
            offer(OTHER_BEAT, &[&elsewhere_change]),
        ],
    );
    assert_eq!(
        refusals(&reply.rosters[0]),
        vec![
            (misplaced_change.hash, Some(Refusal::BeatMismatch)),
            (built_on_change.hash, Some(Refusal::MissingDependency)),
        ]
    );
    assert_eq!(reply.rosters[0].server_heads, vec![honest_change.hash]);
    assert!(refusals(&reply.rosters[1]).is_empty());
    assert!(hub_holds(&hub, BEAT, &honest));
    assert!(!hub_holds(&hub, BEAT, &misplaced));
    assert!(!hub_holds(&hub, BEAT, &built_on));
    assert!(hub_holds(&hub, OTHER_BEAT, &elsewhere));
    // The refused entry's key, offered beside it, is not kept either.
    assert!(!hub.keys().contains_key(&EntryId::Volunteer(misplaced)));
    assert!(hub.keys().contains_key(&EntryId::Volunteer(honest)));

    // Offered again, it is refused again and nothing else changes.
    let again = exchange(
        &mut hub,
        vec![offer(BEAT, &[&honest_change, &misplaced_change])],
    );
    assert_eq!(
        refusals(&again.rosters[0]),
        vec![(misplaced_change.hash, Some(Refusal::BeatMismatch))]
    );
    assert_eq!(again.rosters[0].server_heads, vec![honest_change.hash]);
}

#[test]
fn names_a_phone_would_refuse_are_refused_from_a_tampered_phone() {
    let tampered_names = [
        ("10,000 characters", "Ramesh ".repeat(1_430)),
        ("right-to-left override", "Ram\u{202E}hsem".to_owned()),
        ("zero-width space", "Ram\u{200B}esh".to_owned()),
        ("mixed scripts in a Latin name", "Ramesh रमेश".to_owned()),
        ("a control character", "Ramesh\u{0007}".to_owned()),
    ];
    let mut hub = MemoryHub::default();
    for (seed, (what, name)) in tampered_names.into_iter().enumerate() {
        let seed = 10 + 2 * seed as u64;
        let mut phone = replica(BEAT, [10 + seed as u8; 16]);
        let (refused, tampered) = enrol(&mut phone, BEAT, seed, |enrolment| {
            enrolment.personal.name_latin = Some(name);
        });
        let mut honest_phone = replica(BEAT, [40 + seed as u8; 16]);
        let (honest, honest_change) = enrol(&mut honest_phone, BEAT, seed + 1, |_| {});
        let reply = exchange(&mut hub, vec![offer(BEAT, &[&tampered, &honest_change])]);
        assert_eq!(
            refusals(&reply.rosters[0]),
            vec![(tampered.hash, Some(Refusal::InvalidEntry))],
            "{what}"
        );
        assert!(!hub_holds(&hub, BEAT, &refused), "{what}");
        assert!(hub_holds(&hub, BEAT, &honest), "{what}");
    }
}

#[test]
fn a_name_written_in_plain_text_is_refused_and_never_reaches_the_roster() {
    let mut hub = MemoryHub::default();
    let mut phone = replica(BEAT, ACTOR);
    let (volunteer, enrolment) = enrol(&mut phone, BEAT, 30, |_| {});
    let reply = exchange(&mut hub, vec![offer(BEAT, &[&enrolment])]);
    assert!(refusals(&reply.rosters[0]).is_empty());

    // The same phone overwrites the sealed name with the name in plain text, which would sit
    // in every phone's history for good, beside an honest enrolment in the same request.
    let entry = volunteer.to_string();
    let plain = raw_change(&mut phone, "edit", Some(&entry), |doc| {
        let personal = map_at(doc, &["volunteers", &entry, "personal"]);
        doc.put(&personal, "name_latin", "Jhummanlal").expect("put");
    });
    let (honest, honest_change) = enrol(&mut replica(BEAT, HONEST), BEAT, 31, |_| {});
    let (elsewhere, elsewhere_change) =
        enrol(&mut replica(OTHER_BEAT, ACTOR), OTHER_BEAT, 32, |_| {});
    let reply = exchange(
        &mut hub,
        vec![
            offer(BEAT, &[&plain, &honest_change]),
            offer(OTHER_BEAT, &[&elsewhere_change]),
        ],
    );
    assert_eq!(
        refusals(&reply.rosters[0]),
        vec![(plain.hash, Some(Refusal::InvalidEntry))]
    );
    assert!(refusals(&reply.rosters[1]).is_empty());
    assert!(hub_holds(&hub, BEAT, &honest));
    assert!(hub_holds(&hub, OTHER_BEAT, &elsewhere));
    let roster = hub
        .roster_mut(&roster_id(BEAT))
        .expect("the hub holds the beat");
    let saved = roster.save();
    assert!(
        !String::from_utf8_lossy(&saved).contains("Jhummanlal"),
        "the plain name reached the hub's roster"
    );
    let kept = roster
        .volunteer(&volunteer, &TestKeys)
        .expect("the entry reads back")
        .expect("the entry is there");
    assert!(kept.personal.is_some());
}

#[test]
fn an_unreadable_camera_is_refused_and_honest_work_lands() {
    let mut hub = MemoryHub::default();
    let mut phone = replica(BEAT, ACTOR);
    let camera_id = CameraId::from_parts(NOW as u64, 77);
    let camera = CameraForm {
        owner_name: "फग्गूराम ध्रुव".into(),
        owner_phone: "9407312468".into(),
        latitude: 22.08,
        longitude: 82.14,
        village_lgd: "430001".into(),
        coverage: "बस स्टैंड".into(),
        direction: "ne".into(),
        recording_days: "30".into(),
    }
    .validate(camera_id)
    .expect("a valid camera");
    let registered = phone
        .add_camera(&camera, &meta(), &TestKeys::sealing(&camera_id))
        .expect("registered");
    let reply = exchange(&mut hub, vec![offer(BEAT, &[&registered])]);
    assert!(refusals(&reply.rosters[0]).is_empty());

    // The owner's sealed name overwritten in plain text: the camera no longer reads back.
    let entry = camera_id.to_string();
    let plain_owner = raw_change(&mut phone, "camera", Some(&entry), |doc| {
        let owner = map_at(doc, &["cameras", &entry, "owner"]);
        doc.put(&owner, "owner_name", "Sukhdev").expect("put");
    });
    let (honest, honest_change) = enrol(&mut replica(BEAT, HONEST), BEAT, 40, |_| {});
    let (elsewhere, elsewhere_change) =
        enrol(&mut replica(OTHER_BEAT, ACTOR), OTHER_BEAT, 41, |_| {});
    let reply = exchange(
        &mut hub,
        vec![
            offer(BEAT, &[&plain_owner, &honest_change]),
            offer(OTHER_BEAT, &[&elsewhere_change]),
        ],
    );
    assert_eq!(
        refusals(&reply.rosters[0]),
        vec![(plain_owner.hash, Some(Refusal::InvalidEntry))]
    );
    assert!(refusals(&reply.rosters[1]).is_empty());
    assert!(hub_holds(&hub, BEAT, &honest));
    assert!(hub_holds(&hub, OTHER_BEAT, &elsewhere));
    let roster = hub
        .roster(&roster_id(BEAT))
        .expect("the hub holds the beat");
    assert!(
        roster.camera(&camera_id, &TestKeys).is_ok(),
        "the camera still reads back"
    );
}

#[test]
fn an_entry_written_by_a_change_naming_no_entry_refuses_the_whole_offer() {
    let mut hub = MemoryHub::default();
    let mut phone = replica(BEAT, ACTOR);
    let (before, before_change) = enrol(&mut phone, BEAT, 50, |_| {});
    exchange(&mut hub, vec![offer(BEAT, &[&before_change])]);

    // An honest enrolment, then a change naming no entry that writes a volunteer which does
    // not read back: refusing changes by the entry they name cannot single it out.
    let (honest, honest_change) = enrol(&mut phone, BEAT, 51, |_| {});
    let hidden = raw_change(&mut phone, "edit", None, |doc| {
        let volunteers = map_at(doc, &["volunteers"]);
        let entry = doc
            .put_object(&volunteers, "01KAXXXXXXXXXXXXXXXXXXXXXX", ObjType::Map)
            .expect("map");
        doc.put(&entry, "beat", BEAT).expect("put");
    });
    let reply = exchange(&mut hub, vec![offer(BEAT, &[&honest_change, &hidden])]);
    assert_eq!(
        reply.rosters[0].refused.as_deref(),
        Some(Refusal::InvalidEntry.as_str())
    );
    assert!(reply.rosters[0].rejected.is_empty());
    let roster = hub
        .roster_mut(&roster_id(BEAT))
        .expect("the hub holds the beat");
    assert_eq!(
        roster.heads(),
        vec![before_change.hash],
        "nothing was applied"
    );
    assert!(hub_holds(&hub, BEAT, &before));
    assert!(!hub_holds(&hub, BEAT, &honest));
}

#[test]
fn a_withdrawal_on_the_entry_a_person_left_erases_their_key_at_once() {
    let mut hub = MemoryHub::default();
    let mut phone = replica(BEAT, ACTOR);
    let (volunteer, enrolment) = enrol(&mut phone, BEAT, 60, |_| {});
    exchange(&mut hub, vec![offer(BEAT, &[&enrolment])]);
    let entry = EntryId::Volunteer(volunteer);
    assert!(hub.keys().contains_key(&entry));

    // A supervisor moves the person to the other beat while the phone, offline, records
    // their withdrawal on the entry they are leaving.
    let mut supervisor = Roster::genesis(&roster_id(BEAT));
    supervisor.set_actor([9; 16]);
    supervisor
        .apply_changes(std::slice::from_ref(&enrolment.bytes))
        .expect("the enrolment applies");
    let moved = supervisor
        .move_out(&volunteer, &roster_id(OTHER_BEAT), &meta())
        .expect("moved out");
    let withdrawal = phone
        .withdraw(&volunteer, WithdrawalChannel::InPerson, &meta())
        .expect("withdrawn");
    let reply = exchange(&mut hub, vec![offer(BEAT, &[&moved, &withdrawal])]);
    assert!(refusals(&reply.rosters[0]).is_empty());

    let left = hub
        .roster(&roster_id(BEAT))
        .and_then(|roster| roster.volunteer(&volunteer, &NoKeys).ok().flatten())
        .expect("the entry they left is still there");
    assert!(left.moved_to.is_some());
    assert_eq!(left.status, Status::Withdrawn);
    assert_eq!(erased_key(&left), Some(entry));
    assert!(
        !hub.keys().contains_key(&entry),
        "the hub kept the key of a person who withdrew"
    );
}

#[test]
fn the_callers_own_checks_refuse_a_change_beside_the_roster_rules() {
    let mut roster = Roster::genesis(&roster_id(BEAT));
    let mut phone = replica(BEAT, ACTOR);
    let (honest, honest_change) = enrol(&mut phone, BEAT, 70, |_| {});
    let (misplaced, misplaced_change) = enrol(&mut phone, OTHER_BEAT, 71, |_| {});
    let mut foreign_phone = Roster::genesis(&roster_id(BEAT));
    foreign_phone.set_actor([8; 16]);
    let (_, foreign_change) = enrol(&mut foreign_phone, BEAT, 72, |_| {});

    let ruling = apply_ruled(
        &mut roster,
        &offer(BEAT, &[&honest_change, &misplaced_change, &foreign_change]),
        &DistrictFacts::default(),
        |info, _| {
            if info.actor == ACTOR {
                Ok(())
            } else {
                Err(Refusal::ForgedActor)
            }
        },
        |_| Ok::<_, mitan_core::Error>(std::collections::BTreeMap::new()),
    )
    .expect("the offer applies");
    let Ruling::Applied(ruled) = ruling else {
        panic!("the offer was refused whole: {ruling:?}");
    };
    assert_eq!(
        ruled.outcome.rejected,
        vec![
            RejectedChange::new(misplaced_change.hash, Refusal::BeatMismatch),
            RejectedChange::new(foreign_change.hash, Refusal::ForgedActor),
        ]
    );
    assert_eq!(
        ruled
            .refused
            .iter()
            .map(|entry| (entry.entry.clone(), entry.refusal))
            .collect::<Vec<_>>(),
        vec![(misplaced.to_string(), Refusal::BeatMismatch)]
    );
    assert_eq!(
        ruled
            .volunteers
            .iter()
            .map(|volunteer| volunteer.id)
            .collect::<Vec<_>>(),
        vec![honest]
    );
    assert_eq!(ruled.keys.len(), 1, "only the kept entry's key is accepted");
    assert!(ruled.erased.is_empty());
    assert_eq!(roster.heads(), vec![honest_change.hash]);
}

#[test]
fn a_volunteer_in_a_village_outside_the_beat_is_refused_alone_when_the_caller_knows_the_villages() {
    let listed = Generator::village_lgd(0, 0);
    let villages: std::collections::BTreeSet<mitan_core::model::LgdCode> =
        [listed.parse().expect("lgd code")].into();
    let mut phone = replica(BEAT, ACTOR);
    let (honest, honest_change) = enrol(&mut phone, BEAT, 80, |_| {});
    // 999999 is in no district; a tampered phone (or one that never received the list) can
    // still write it.
    let (stray, stray_change) = enrol(&mut phone, BEAT, 81, |enrolment| {
        enrolment.village = "999999".parse().expect("lgd code");
    });
    let changes = offer(BEAT, &[&honest_change, &stray_change]);

    let mut roster = Roster::genesis(&roster_id(BEAT));
    let ruling = apply_ruled(
        &mut roster,
        &changes,
        &DistrictFacts {
            villages: Some(&villages),
            ..DistrictFacts::default()
        },
        |_, _| Ok(()),
        |_| Ok::<_, mitan_core::Error>(std::collections::BTreeMap::new()),
    )
    .expect("the offer applies");
    let Ruling::Applied(ruled) = ruling else {
        panic!("refused whole: {ruling:?}");
    };
    assert_eq!(ruled.refused.len(), 1, "{:?}", ruled.refused);
    assert_eq!(ruled.refused[0].entry, stray.to_string());
    assert_eq!(ruled.refused[0].refusal, Refusal::VillageOutsideBeat);
    assert_eq!(Refusal::VillageOutsideBeat.as_str(), "village_outside_beat");
    assert!(roster.volunteer(&honest, &NoKeys).expect("reads").is_some());
    assert!(roster.volunteer(&stray, &NoKeys).expect("reads").is_none());

    // Without a list (a beat the directory gives no villages) nothing is checked.
    let mut unlisted = Roster::genesis(&roster_id(BEAT));
    let ruling = apply_ruled(
        &mut unlisted,
        &changes,
        &DistrictFacts::default(),
        |_, _| Ok(()),
        |_| Ok::<_, mitan_core::Error>(std::collections::BTreeMap::new()),
    )
    .expect("the offer applies");
    let Ruling::Applied(ruled) = ruling else {
        panic!("refused whole: {ruling:?}");
    };
    assert!(ruled.refused.is_empty());
}

/// The id [`enrol`] gives the volunteer of `seed`, known before they are enrolled: what only a
/// tampered phone could name as a trainer.
fn id_of(seed: u64) -> VolunteerId {
    let mut generator = Generator::new(seed);
    generator.enrolment_form(STATION, BEAT, &Generator::village_lgd(0, 0));
    VolunteerId::from_parts(NOW as u64 + seed, generator.next_u128())
}

#[test]
fn a_loop_of_trainers_is_refused_within_a_roster_and_through_other_beats() {
    let mut phone = replica(BEAT, ACTOR);
    let (honest, honest_change) = enrol(&mut phone, BEAT, 90, |_| {});
    // Bela names Chanda as her trainer before Chanda exists; Chanda names Bela.
    let (bela, bela_change) = enrol(&mut phone, BEAT, 91, |enrolment| {
        enrolment.trained_by = Some(Trainer::Volunteer(id_of(92)));
    });
    let (chanda, chanda_change) = enrol(&mut phone, BEAT, 92, |enrolment| {
        enrolment.trained_by = Some(Trainer::Volunteer(bela));
    });
    assert_eq!(chanda, id_of(92));
    let mut roster = Roster::genesis(&roster_id(BEAT));
    let ruling = apply_ruled(
        &mut roster,
        &offer(BEAT, &[&honest_change, &bela_change, &chanda_change]),
        &DistrictFacts::default(),
        |_, _| Ok(()),
        |_| Ok::<_, mitan_core::Error>(std::collections::BTreeMap::new()),
    )
    .expect("the offer applies");
    let Ruling::Applied(ruled) = ruling else {
        panic!("refused whole: {ruling:?}");
    };
    let refused: Vec<(String, Refusal, String)> = ruled
        .refused
        .iter()
        .map(|entry| (entry.entry.clone(), entry.refusal, entry.detail.clone()))
        .collect();
    let mut expected = vec![
        (
            bela.to_string(),
            Refusal::InvalidEntry,
            "in a loop of 2 trainers".to_owned(),
        ),
        (
            chanda.to_string(),
            Refusal::InvalidEntry,
            "in a loop of 2 trainers".to_owned(),
        ),
    ];
    expected.sort();
    assert_eq!(refused, expected);
    assert!(roster.volunteer(&honest, &NoKeys).expect("reads").is_some());

    // A loop through another beat: Devi's trainer is a volunteer elsewhere whose trainer,
    // as the district's rows say, is Devi.
    let elsewhere = id_of(99);
    let mut phone = replica(BEAT, HONEST);
    let (devi, devi_change) = enrol(&mut phone, BEAT, 93, |enrolment| {
        enrolment.trained_by = Some(Trainer::Volunteer(elsewhere));
    });
    let trainer_of = |id: &VolunteerId| (*id == elsewhere).then_some(Trainer::Volunteer(devi));
    let mut roster = Roster::genesis(&roster_id(BEAT));
    let ruling = apply_ruled(
        &mut roster,
        &offer(BEAT, &[&devi_change]),
        &DistrictFacts {
            trainer_of: Some(&trainer_of),
            ..DistrictFacts::default()
        },
        |_, _| Ok(()),
        |_| Ok::<_, mitan_core::Error>(std::collections::BTreeMap::new()),
    )
    .expect("the offer applies");
    let Ruling::Applied(ruled) = ruling else {
        panic!("refused whole: {ruling:?}");
    };
    assert_eq!(ruled.refused.len(), 1, "{:?}", ruled.refused);
    assert_eq!(ruled.refused[0].entry, devi.to_string());

    // Without the district's rows the same entry is kept: nothing in the roster closes it.
    let mut roster = Roster::genesis(&roster_id(BEAT));
    let Ruling::Applied(ruled) = apply_ruled(
        &mut roster,
        &offer(BEAT, &[&devi_change]),
        &DistrictFacts::default(),
        |_, _| Ok(()),
        |_| Ok::<_, mitan_core::Error>(std::collections::BTreeMap::new()),
    )
    .expect("the offer applies") else {
        panic!("refused whole");
    };
    assert!(ruled.refused.is_empty());
}
