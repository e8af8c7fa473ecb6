//! A bounded cache of loaded rosters. Loading a roster replays its snapshot and log, which is
//! the slow part of a sync; holding every roster ever touched is how automerge-repo servers
//! ran out of memory (PITFALLS), so the least recently used roster is dropped past a limit.

use std::collections::HashMap;

use mitan_core::model::{Roster, RosterId};

/// Loaded rosters, at most `capacity` of them.
#[derive(Debug)]
pub struct RosterCache {
    capacity: usize,
    tick: u64,
    entries: HashMap<RosterId, (Roster, u64)>,
}

impl RosterCache {
    /// An empty cache holding at most `capacity` rosters (at least one).
    pub fn new(capacity: usize) -> Self {
        RosterCache {
            capacity: capacity.max(1),
            tick: 0,
            entries: HashMap::new(),
        }
    }

    /// Takes a roster out of the cache, so that the caller owns it while it works; it goes
    /// back with [`RosterCache::insert`] only if the work succeeded.
    pub fn take(&mut self, id: &RosterId) -> Option<Roster> {
        self.entries.remove(id).map(|(roster, _)| roster)
    }

    /// Adds a roster, dropping the least recently used ones beyond the capacity.
    pub fn insert(&mut self, roster: Roster) {
        self.tick += 1;
        self.entries
            .insert(roster.id().clone(), (roster, self.tick));
        while self.entries.len() > self.capacity {
            // A linear scan is fine: the capacity is in the hundreds and eviction is rare.
            let Some(oldest) = self
                .entries
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(id, _)| id.clone())
            else {
                break;
            };
            self.entries.remove(&oldest);
        }
    }

    /// Whether a roster is cached.
    pub fn contains(&self, id: &RosterId) -> bool {
        self.entries.contains_key(id)
    }

    /// How many rosters are cached.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roster(code: &str) -> Roster {
        Roster::genesis(&code.parse().expect("valid roster id"))
    }

    #[test]
    fn the_least_recently_used_roster_is_dropped_past_capacity() {
        let mut cache = RosterCache::new(2);
        cache.insert(roster("B-1"));
        cache.insert(roster("B-2"));
        let first = cache.take(&"B-1".parse().expect("valid")).expect("cached");
        cache.insert(first);
        cache.insert(roster("B-3"));
        assert_eq!(cache.len(), 2);
        assert!(cache.contains(&"B-1".parse().expect("valid")));
        assert!(!cache.contains(&"B-2".parse().expect("valid")));
        assert!(cache.contains(&"B-3".parse().expect("valid")));
    }
}
