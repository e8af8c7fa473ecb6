//! The training cascade (Bilaspur's Cyber Mitan volunteers trained by other volunteers, who
//! were trained by police staff): who trained how many, their trainees' review status, and
//! who trained each volunteer trainer, laid out as a tree.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::{Scope, Tree};
use crate::error::Result;
use crate::store::{ServerStore, TrainerCount, User};

/// `GET /v1/reports/trainers`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TrainerReport {
    /// Every trainer with a trainee in the caller's units, in the order of the cascade: each
    /// trainer before those they trained, at their `depth`.
    pub trainers: Vec<TrainerEntry>,
}

/// One trainer and their trainees in scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TrainerEntry {
    /// The trainer as the roster records them: `v:<volunteer id>` or `e:<badge>`.
    pub trainer: String,
    /// The volunteer id, when the trainer is a volunteer.
    pub volunteer: Option<String>,
    /// The badge, when the trainer is police staff.
    pub badge: Option<String>,
    /// Who trained this trainer (`v:…` or `e:…`), when they are a volunteer who names one.
    pub trained_by: Option<String>,
    /// Steps from the top of the cascade: 0 for a trainer nobody in it trained.
    pub depth: u32,
    /// Trainees in scope, of every status.
    pub trainees: u64,
    /// Of them, verified.
    pub verified: u64,
    /// Of them, waiting for review.
    pub pending: u64,
    /// Of them, rejected, marked duplicate, withdrawn or moved away.
    pub other: u64,
    /// Whether the trainer sits in a loop of trainers (A trained B, B trained A). No phone
    /// writes one; it is shown rather than followed forever.
    pub in_loop: bool,
}

/// The cascade within `user`'s units.
pub fn trainers(store: &ServerStore, user: &User) -> Result<TrainerReport> {
    let tree = Tree::load(store)?;
    let scope = Scope::of(user, &tree);
    let mut counts: BTreeMap<String, [u64; 3]> = BTreeMap::new();
    for TrainerCount {
        trainer,
        beat,
        status,
        count,
    } in store.count_by_trainer(scope.beat_filter().as_deref())?
    {
        if !scope.has_beat(&beat) {
            continue;
        }
        let entry = counts.entry(trainer).or_default();
        match status.as_str() {
            "verified" => entry[0] += count,
            "pending" => entry[1] += count,
            _ => entry[2] += count,
        }
    }
    let volunteers: Vec<String> = counts
        .keys()
        .filter_map(|trainer| trainer.strip_prefix("v:").map(str::to_owned))
        .collect();
    let parents = store.trainers_of(&volunteers)?;
    let parent = |trainer: &str| -> Option<String> {
        trainer
            .strip_prefix("v:")
            .and_then(|id| parents.get(id).cloned())
    };

    // Children under each parent that is itself a listed trainer; the rest are roots.
    let mut children: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut roots = Vec::new();
    for trainer in counts.keys() {
        match parent(trainer).filter(|up| counts.contains_key(up)) {
            Some(up) => children.entry(up).or_default().push(trainer.clone()),
            None => roots.push(trainer.clone()),
        }
    }
    let mut ordered = Vec::new();
    let mut placed = BTreeSet::new();
    let mut stack: Vec<(String, u32)> = roots.into_iter().rev().map(|root| (root, 0)).collect();
    while let Some((trainer, depth)) = stack.pop() {
        if !placed.insert(trainer.clone()) {
            continue;
        }
        for child in children.get(&trainer).into_iter().flatten().rev() {
            stack.push((child.clone(), depth + 1));
        }
        ordered.push((trainer, depth, false));
    }
    // Whatever no root reaches sits in a loop: listed last, each at depth 0.
    for trainer in counts.keys() {
        if !placed.contains(trainer) {
            ordered.push((trainer.clone(), 0, true));
        }
    }
    Ok(TrainerReport {
        trainers: ordered
            .into_iter()
            .map(|(trainer, depth, in_loop)| {
                let [verified, pending, other] = counts[&trainer];
                TrainerEntry {
                    volunteer: trainer.strip_prefix("v:").map(str::to_owned),
                    badge: trainer.strip_prefix("e:").map(str::to_owned),
                    trained_by: parent(&trainer),
                    depth,
                    trainees: verified + pending + other,
                    verified,
                    pending,
                    other,
                    in_loop,
                    trainer,
                }
            })
            .collect(),
    })
}
