//! The genesys-cloud actions the sandbox holds, beside the cxone-v2 store (`../store.rs`)
//! and bounded the same way ([`StoreLimits`]: the newest actions, and bytes of them, are
//! kept; the oldest go first). An action has an id and up to two definitions: the
//! published one and a draft. Names are unique across actions (an action's draft and
//! published version may share one).

use std::collections::{BTreeMap, HashMap};

use super::model::Definition;
use crate::sandbox::store::{Journal, StoreLimits};

pub(crate) struct StoredAction {
    pub id: String,
    pub published: Option<Definition>,
    pub draft: Option<Definition>,
    pub(crate) seq: u64,
}

impl StoredAction {
    fn names(&self) -> impl Iterator<Item = &str> {
        self.published
            .iter()
            .chain(self.draft.iter())
            .map(|d| d.name.as_str())
    }

    fn cost(&self) -> usize {
        self.id.len()
            + self
                .published
                .iter()
                .chain(self.draft.iter())
                .map(Definition::cost)
                .sum::<usize>()
    }
}

pub(crate) struct Store {
    limits: StoreLimits,
    /// Creation order: sequence number → id.
    order: BTreeMap<u64, String>,
    actions: HashMap<String, StoredAction>,
    by_name: HashMap<String, String>,
    next_seq: u64,
    bytes: usize,
    evicted: u64,
    /// With a store file (`persist/`): the sequence numbers changed since the last write
    /// to it. `None` in memory: nothing is recorded.
    journal: Journal,
}

impl Store {
    pub fn new(limits: StoreLimits) -> Store {
        Store {
            limits,
            order: BTreeMap::new(),
            actions: HashMap::new(),
            by_name: HashMap::new(),
            next_seq: 0,
            bytes: 0,
            evicted: 0,
            journal: Journal::default(),
        }
    }

    /// An empty store that records what changes, for a store file to follow it.
    pub fn journaled(limits: StoreLimits) -> Store {
        Store {
            journal: Journal::recording(),
            ..Store::new(limits)
        }
    }

    /// The sequence numbers changed (stored, changed or removed) since the last call.
    pub fn take_journal(&mut self) -> Vec<u64> {
        self.journal.take()
    }

    fn touched(&mut self, seq: u64) {
        self.journal.touched(seq);
    }

    /// The action at a sequence number (its place in creation order).
    pub fn at(&self, seq: u64) -> Option<&StoredAction> {
        self.order.get(&seq).and_then(|id| self.actions.get(id))
    }

    /// Puts back an action read from a store file at its sequence number: indexed, not
    /// journaled, no limit enforced (the file is kept within them by its writers).
    pub fn restore(
        &mut self,
        seq: u64,
        id: String,
        published: Option<Definition>,
        draft: Option<Definition>,
    ) {
        self.next_seq = self.next_seq.max(seq + 1);
        self.put(seq, id, published, draft);
    }

    /// Indexes and stores an action at `seq`.
    fn put(
        &mut self,
        seq: u64,
        id: String,
        published: Option<Definition>,
        draft: Option<Definition>,
    ) {
        let action = StoredAction {
            id: id.clone(),
            published,
            draft,
            seq,
        };
        self.index(&action);
        self.order.insert(seq, id.clone());
        self.actions.insert(id, action);
    }

    pub fn set_evicted(&mut self, evicted: u64) {
        self.evicted = evicted;
    }

    pub fn get(&self, id: &str) -> Option<&StoredAction> {
        self.actions.get(id)
    }

    /// True when an action other than `except` has a definition named `name`.
    pub fn name_taken(&self, name: &str, except: Option<&str>) -> bool {
        self.by_name
            .get(name)
            .is_some_and(|owner| Some(owner.as_str()) != except)
    }

    /// Stores a new action under an id the caller found free (under the same lock), then
    /// forgets the oldest actions while the store is over its limits.
    pub fn insert(&mut self, id: String, published: Option<Definition>, draft: Option<Definition>) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.put(seq, id, published, draft);
        self.touched(seq);
        self.enforce_limits();
    }

    /// Changes an action in place (its names and size re-indexed); an action left with
    /// neither a published version nor a draft is removed. `None` when there is no such id.
    pub fn modify<R>(
        &mut self,
        id: &str,
        change: impl FnOnce(&mut StoredAction) -> R,
    ) -> Option<R> {
        let mut action = self.actions.remove(id)?;
        self.unindex(&action);
        let result = change(&mut action);
        self.touched(action.seq);
        if action.published.is_none() && action.draft.is_none() {
            self.order.remove(&action.seq);
        } else {
            self.index(&action);
            self.actions.insert(action.id.clone(), action);
            self.enforce_limits();
        }
        Some(result)
    }

    /// Every action, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &StoredAction> + Clone {
        self.order.values().filter_map(|id| self.actions.get(id))
    }

    pub fn len(&self) -> usize {
        self.actions.len()
    }

    /// How many actions were forgotten to stay within the limits.
    pub fn evicted(&self) -> u64 {
        self.evicted
    }

    fn index(&mut self, action: &StoredAction) {
        for name in action.names() {
            self.by_name.insert(name.to_string(), action.id.clone());
        }
        self.bytes += action.cost();
    }

    fn unindex(&mut self, action: &StoredAction) {
        for name in action.names() {
            if self.by_name.get(name) == Some(&action.id) {
                self.by_name.remove(name);
            }
        }
        self.bytes -= action.cost();
    }

    /// The newest action is always kept, even alone over the byte limit.
    fn enforce_limits(&mut self) {
        while self.actions.len() > self.limits.max_actions
            || (self.bytes > self.limits.max_bytes && self.actions.len() > 1)
        {
            let Some((seq, id)) = self.order.pop_first() else {
                return;
            };
            self.touched(seq);
            if let Some(old) = self.actions.remove(&id) {
                self.unindex(&old);
                self.evicted += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn definition(name: &str) -> Definition {
        Definition {
            name: name.to_string(),
            category: "c".to_string(),
            integration_id: "i".to_string(),
            secure: false,
            config: json!({}),
            contract: json!({}),
            version: 1,
            json_bytes: Default::default(),
        }
    }

    fn limits(max_actions: usize, max_bytes: usize) -> StoreLimits {
        StoreLimits {
            max_actions,
            max_bytes,
        }
    }

    #[test]
    fn past_the_count_limit_the_oldest_go_first_and_free_their_names() {
        let mut store = Store::new(limits(2, usize::MAX));
        for n in 1..=3 {
            store.insert(format!("id{n}"), None, Some(definition(&format!("n{n}"))));
        }
        let ids: Vec<&str> = store.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["id2", "id3"]);
        assert_eq!(store.evicted(), 1);
        assert!(!store.name_taken("n1", None));
        assert!(store.name_taken("n2", None) && !store.name_taken("n2", Some("id2")));
    }

    #[test]
    fn modify_reindexes_names_and_removes_an_emptied_action() {
        let mut store = Store::new(limits(10, usize::MAX));
        store.insert("a".into(), None, Some(definition("old")));
        store.modify("a", |a| {
            a.published = a.draft.take().map(|mut d| {
                d.name = "new".into();
                d
            });
        });
        assert!(!store.name_taken("old", None) && store.name_taken("new", None));
        store.modify("a", |a| a.published = None);
        assert_eq!(store.len(), 0);
        assert!(!store.name_taken("new", None));
        assert_eq!((store.bytes, store.order.len()), (0, 0));
        assert!(store.modify("a", |_| ()).is_none());
    }

    #[test]
    fn past_the_byte_limit_the_oldest_go_but_the_newest_stays() {
        let mut store = Store::new(limits(100, 1));
        store.insert("a".into(), Some(definition("a")), None);
        store.insert("b".into(), Some(definition("b")), None);
        assert_eq!(
            store.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(),
            ["b"]
        );
    }
}
