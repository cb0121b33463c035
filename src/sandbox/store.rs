//! The sandbox's cxone-v2 action store: stored actions in creation order, indexed by id, by
//! name and by the `Idempotency-Key` that created them, with a bounded memory. An action
//! keeps its place in that order when it is updated (it is listed where it was created) and
//! leaves it when deleted.
//!
//! The store keeps at most [`MAX_STORED_ACTIONS`] actions and [`MAX_STORED_BYTES`] bytes of
//! them (their JSON, names and keys); past either, the oldest actions are forgotten first,
//! as if never created: a GET of an evicted id is a 404, its name is free again (a create
//! with it is a 201, not a 409), and a retry with its `Idempotency-Key` is taken as a new
//! request. A deleted action goes the same way. A key is kept exactly as long as the action
//! it created, so keys need no cap of their own. Eviction is O(log n) per action (an ordered
//! map, and three map removals), so a sandbox left running under load stays as fast and as
//! small.
//!
//! Why these numbers: the `sandbox_load` bench creates about 20,000 actions a second, so a
//! full store holds the last 5 s of that load, or far more than a person's use in days. A
//! full store of the bench's payloads (261 bytes sent, 327 stored) takes about 110 MiB: the
//! bench's resident memory grows by 111 MiB to hold 100,000 actions, about 1.1 KiB each,
//! a third of it the JSON and the rest the indexes. The byte cap keeps larger payloads (up to
//! 1 MiB each) within about as much: 128 MiB of them, plus that per-action overhead.
//!
//! With a store file (`persist/`), the store is the process's working copy of it: a
//! journaled store records the sequence numbers each change touched (evictions included),
//! and only those rows are written; [`Store::restore`] builds it back from the rows.

use std::collections::{BTreeMap, HashMap};

use axum::body::Bytes;
use axum::http::StatusCode;

/// How many actions the store keeps before it forgets the oldest.
pub const MAX_STORED_ACTIONS: usize = 100_000;
/// How many bytes of actions (their JSON, names and keys) the store keeps before it forgets
/// the oldest.
pub const MAX_STORED_BYTES: usize = 128 * 1024 * 1024;

/// How much the store keeps; the oldest actions go first when either limit is passed. The
/// action just stored or updated is always kept, even alone over `max_bytes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreLimits {
    pub max_actions: usize,
    pub max_bytes: usize,
}

impl Default for StoreLimits {
    /// [`MAX_STORED_ACTIONS`] and [`MAX_STORED_BYTES`].
    fn default() -> Self {
        StoreLimits {
            max_actions: MAX_STORED_ACTIONS,
            max_bytes: MAX_STORED_BYTES,
        }
    }
}

/// The sequence numbers a store's changes touched (evictions included), when a store file
/// follows the store; nothing is kept otherwise. Both dialects' stores hold one.
#[derive(Debug, Default)]
pub(crate) struct Journal(Option<Vec<u64>>);

impl Journal {
    pub fn recording() -> Journal {
        Journal(Some(Vec::new()))
    }

    pub fn touched(&mut self, seq: u64) {
        if let Some(journal) = &mut self.0 {
            journal.push(seq);
        }
    }

    /// What was touched since the last call.
    pub fn take(&mut self) -> Vec<u64> {
        self.0.as_mut().map(std::mem::take).unwrap_or_default()
    }
}

/// Stored actions by sequence number (creation order), which the indexes hold, so removing
/// one never renumbers the rest.
pub(crate) struct Store {
    limits: StoreLimits,
    actions: BTreeMap<u64, StoredAction>,
    next_seq: u64,
    bytes: usize,
    evicted: u64,
    by_id: HashMap<String, u64>,
    by_name: HashMap<String, u64>,
    by_key: HashMap<String, u64>,
    /// With a store file (`persist/`): the sequence numbers changed since the last write
    /// to it, so that only those rows are written. `None` in memory: nothing is recorded.
    journal: Journal,
}

pub(crate) struct StoredAction {
    pub id: String,
    pub(crate) name: String,
    /// The action exactly as the API returns it, serialized once per create or update.
    pub json: Bytes,
    /// 1 on create, +1 per update.
    pub version: u64,
    /// When it was created (RFC 3339), kept across updates.
    pub created_at: String,
    /// The status the create answered (201, or 303 under the `redirect: 303` fault).
    pub(crate) status: StatusCode,
    pub(crate) keyed: Option<Keyed>,
}

/// The `Idempotency-Key` a create came with and the SHA-256 of its request body, to tell a
/// retry (same body) from a client bug (another body) without keeping the body.
pub(crate) struct Keyed {
    pub(crate) key: String,
    pub(crate) body_digest: BodyDigest,
    /// The create's answer once the action has been updated: a replay answers as the
    /// create did, not with the current version.
    pub(crate) created_json: Option<Bytes>,
}

pub(crate) type BodyDigest = [u8; 32];

/// Computed by the caller, outside the store's lock: hashing a 1 MiB body takes milliseconds.
pub(crate) fn body_digest(body: &[u8]) -> BodyDigest {
    let digest = ring::digest::digest(&ring::digest::SHA256, body);
    let mut out = [0u8; 32];
    out.copy_from_slice(digest.as_ref());
    out
}

/// A create to store (at version 1).
pub(crate) struct NewAction {
    pub id: String,
    pub name: String,
    pub json: Bytes,
    pub created_at: String,
    pub status: StatusCode,
    /// The `Idempotency-Key` and the request body's [`body_digest`], when the create had a key.
    pub key: Option<(String, BodyDigest)>,
}

/// What an `Idempotency-Key` lookup found.
pub(crate) enum Replay<'a> {
    /// The key is new (or its action was evicted or deleted).
    None,
    /// Same key, same body: answer as the create did.
    Same {
        status: StatusCode,
        id: &'a str,
        json: &'a Bytes,
    },
    /// Same key, another body: a client bug.
    Mismatch,
}

impl Store {
    pub fn new(limits: StoreLimits) -> Store {
        Store {
            limits,
            actions: BTreeMap::new(),
            next_seq: 0,
            bytes: 0,
            evicted: 0,
            by_id: HashMap::new(),
            by_name: HashMap::new(),
            by_key: HashMap::new(),
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

    /// The sequence numbers changed (stored, updated or removed) since the last call.
    pub fn take_journal(&mut self) -> Vec<u64> {
        self.journal.take()
    }

    fn touched(&mut self, seq: u64) {
        self.journal.touched(seq);
    }

    /// The action at a sequence number (its place in creation order).
    pub fn at(&self, seq: u64) -> Option<&StoredAction> {
        self.actions.get(&seq)
    }

    /// Puts back an action read from a store file at its sequence number: indexed, not
    /// journaled, no limit enforced (the file is kept within them by its writers).
    pub fn restore(&mut self, seq: u64, action: StoredAction) {
        self.next_seq = self.next_seq.max(seq + 1);
        self.put(seq, action);
    }

    /// Indexes (id, name, idempotency key) and stores an action at `seq`, counting its
    /// bytes.
    fn put(&mut self, seq: u64, action: StoredAction) {
        self.by_id.insert(action.id.clone(), seq);
        self.by_name.insert(action.name.clone(), seq);
        if let Some(keyed) = &action.keyed {
            self.by_key.insert(keyed.key.clone(), seq);
        }
        self.bytes += action.cost();
        self.actions.insert(seq, action);
    }

    pub fn set_evicted(&mut self, evicted: u64) {
        self.evicted = evicted;
    }

    pub fn replay(&self, key: &str, body: &BodyDigest) -> Replay<'_> {
        let Some(action) = self.by_key.get(key).and_then(|seq| self.actions.get(seq)) else {
            return Replay::None;
        };
        match &action.keyed {
            Some(keyed) if keyed.body_digest == *body => Replay::Same {
                status: action.status,
                id: &action.id,
                json: keyed.created_json.as_ref().unwrap_or(&action.json),
            },
            _ => Replay::Mismatch,
        }
    }

    /// True when an action other than the one with id `except` is named `name`.
    pub fn name_taken(&self, name: &str, except: Option<&str>) -> bool {
        self.by_name
            .get(name)
            .is_some_and(|&seq| except.is_none_or(|id| self.by_id.get(id) != Some(&seq)))
    }

    pub fn id_exists(&self, id: &str) -> bool {
        self.by_id.contains_key(id)
    }

    /// Stores a create whose name, id and key the caller found free under the same lock,
    /// then forgets the oldest actions while the store is over its limits.
    pub fn insert(&mut self, new: NewAction) {
        let seq = self.next_seq;
        self.next_seq += 1;
        let keyed = new.key.map(|(key, body_digest)| Keyed {
            key,
            body_digest,
            created_json: None,
        });
        let action = StoredAction {
            id: new.id,
            name: new.name,
            json: new.json,
            version: 1,
            created_at: new.created_at,
            status: new.status,
            keyed,
        };
        self.put(seq, action);
        self.touched(seq);
        self.enforce_limits(seq);
    }

    /// Replaces the stored action `id` with its next version (`json`, named `name`, which the
    /// caller found free under the same lock); `None` when there is no such id, else the
    /// new version.
    pub fn update(&mut self, id: &str, name: String, json: Bytes) -> Option<u64> {
        let seq = *self.by_id.get(id)?;
        let action = self.actions.get_mut(&seq)?;
        self.bytes -= action.cost();
        if action.name != name {
            remove_if_at(&mut self.by_name, &action.name, seq);
            self.by_name.insert(name.clone(), seq);
            action.name = name;
        }
        let previous = std::mem::replace(&mut action.json, json);
        if let Some(keyed) = &mut action.keyed {
            keyed.created_json.get_or_insert(previous);
        }
        action.version += 1;
        let version = action.version;
        self.bytes += action.cost();
        self.touched(seq);
        self.enforce_limits(seq);
        Some(version)
    }

    /// Forgets the action `id` as if it had never been created; false when there is none.
    pub fn remove(&mut self, id: &str) -> bool {
        let Some(&seq) = self.by_id.get(id) else {
            return false;
        };
        self.remove_at(seq);
        true
    }

    /// Forgets the oldest actions, but never `keep` (the one just written), while the
    /// store is over its limits.
    fn enforce_limits(&mut self, keep: u64) {
        while self.actions.len() > self.limits.max_actions
            || (self.bytes > self.limits.max_bytes && self.actions.len() > 1)
        {
            let Some(&oldest) = self.actions.keys().find(|&&seq| seq != keep) else {
                return;
            };
            self.remove_at(oldest);
            self.evicted += 1;
        }
    }

    fn remove_at(&mut self, seq: u64) {
        let Some(old) = self.actions.remove(&seq) else {
            return;
        };
        self.touched(seq);
        self.bytes -= old.cost();
        // Names, ids and keys are unique among stored actions, so each index entry for
        // them is this action's; the check only guards that invariant.
        remove_if_at(&mut self.by_id, &old.id, seq);
        remove_if_at(&mut self.by_name, &old.name, seq);
        if let Some(keyed) = &old.keyed {
            remove_if_at(&mut self.by_key, &keyed.key, seq);
        }
    }

    pub fn get(&self, id: &str) -> Option<&StoredAction> {
        self.by_id.get(id).and_then(|seq| self.actions.get(seq))
    }

    /// Every stored action, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &StoredAction> {
        self.actions.values()
    }

    pub fn len(&self) -> usize {
        self.actions.len()
    }

    /// How many actions were forgotten to stay within the limits (deletes not counted).
    pub fn evicted(&self) -> u64 {
        self.evicted
    }
}

impl StoredAction {
    /// What the action counts against [`StoreLimits::max_bytes`]: the bytes it holds that
    /// grow with the payload (the fixed overhead per action is bounded by the count).
    fn cost(&self) -> usize {
        self.json.len()
            + self.name.len()
            + self.keyed.as_ref().map_or(0, |k| {
                k.key.len() + k.created_json.as_ref().map_or(0, Bytes::len)
            })
    }
}

fn remove_if_at(index: &mut HashMap<String, u64>, name: &str, seq: u64) {
    if index.get(name) == Some(&seq) {
        index.remove(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(max_actions: usize, max_bytes: usize) -> StoreLimits {
        StoreLimits {
            max_actions,
            max_bytes,
        }
    }

    fn action(n: u32, keyed: bool) -> NewAction {
        NewAction {
            id: format!("da_{n}"),
            name: format!("name-{n}"),
            json: Bytes::from(format!("{{\"id\":\"da_{n}\"}}")),
            created_at: String::new(),
            status: StatusCode::CREATED,
            key: keyed.then(|| {
                (
                    format!("key-{n}"),
                    body_digest(format!("body-{n}").as_bytes()),
                )
            }),
        }
    }

    fn ids(store: &Store) -> Vec<&str> {
        store.iter().map(|a| a.id.as_str()).collect()
    }

    #[test]
    fn past_the_count_limit_the_oldest_actions_go_first() {
        let mut store = Store::new(limits(3, usize::MAX));
        for n in 1..=5 {
            store.insert(action(n, true));
        }
        assert_eq!(ids(&store), ["da_3", "da_4", "da_5"]);
        assert_eq!(store.evicted(), 2);
        assert!(store.get("da_2").is_none());
        assert_eq!(store.get("da_4").map(|a| a.id.as_str()), Some("da_4"));
        assert!(!store.name_taken("name-2", None) && store.name_taken("name-3", None));
        assert!(!store.id_exists("da_1") && store.id_exists("da_5"));
        assert!(matches!(
            store.replay("key-1", &body_digest(b"body-1")),
            Replay::None
        ));
        assert!(matches!(
            store.replay("key-3", &body_digest(b"body-3")),
            Replay::Same { id, .. } if id == "da_3"
        ));
        assert!(matches!(
            store.replay("key-3", &body_digest(b"other")),
            Replay::Mismatch
        ));
    }

    #[test]
    fn an_evicted_name_can_be_stored_again_and_is_then_the_newest() {
        let mut store = Store::new(limits(2, usize::MAX));
        for n in 1..=3 {
            store.insert(action(n, false));
        }
        let mut again = action(9, false);
        again.name = "name-1".to_string();
        store.insert(again);
        assert_eq!(ids(&store), ["da_3", "da_9"]);
        assert!(store.name_taken("name-1", None));
    }

    #[test]
    fn past_the_byte_limit_the_oldest_go_first_but_the_newest_stays() {
        // Each unkeyed action costs its JSON (13 bytes) and its name (6).
        let mut store = Store::new(limits(100, 40));
        for n in 1..=3 {
            store.insert(action(n, false));
        }
        assert_eq!(ids(&store), ["da_2", "da_3"]);
        let mut big = action(4, false);
        big.json = Bytes::from(vec![b' '; 100]);
        store.insert(big);
        assert_eq!(ids(&store), ["da_4"]);
        assert_eq!(store.bytes, 106);
    }

    #[test]
    fn the_byte_count_follows_inserts_and_evictions() {
        let mut store = Store::new(limits(2, usize::MAX));
        for n in 1..=10 {
            store.insert(action(n, n % 2 == 0));
        }
        let expected: usize = store.iter().map(StoredAction::cost).sum();
        assert_eq!(store.bytes, expected);
        assert_eq!(store.by_key.len(), 1);
        assert_eq!((store.by_id.len(), store.by_name.len()), (2, 2));
    }

    #[test]
    fn an_update_keeps_the_place_bumps_the_version_and_moves_the_name() {
        let mut store = Store::new(limits(10, usize::MAX));
        for n in 1..=3 {
            store.insert(action(n, n == 2));
        }
        let v = store.update("da_2", "renamed".into(), Bytes::from_static(b"{\"v\":2}"));
        assert_eq!(v, Some(2));
        assert_eq!(ids(&store), ["da_1", "da_2", "da_3"]);
        assert!(!store.name_taken("name-2", None));
        assert!(store.name_taken("renamed", None) && !store.name_taken("renamed", Some("da_2")));
        assert!(store.name_taken("renamed", Some("da_1")));
        assert_eq!(store.get("da_2").map(|a| a.version), Some(2));
        // The create's key still replays the create's answer, not the update's.
        assert!(matches!(
            store.replay("key-2", &body_digest(b"body-2")),
            Replay::Same { json, .. } if json.as_ref() == b"{\"id\":\"da_2\"}"
        ));
        assert_eq!(store.update("da_9", "x".into(), Bytes::new()), None);
        let expected: usize = store.iter().map(StoredAction::cost).sum();
        assert_eq!(store.bytes, expected);
    }

    #[test]
    fn a_removed_action_frees_its_id_name_and_key_and_is_not_an_eviction() {
        let mut store = Store::new(limits(10, usize::MAX));
        store.insert(action(1, true));
        store.insert(action(2, false));
        assert!(store.remove("da_1"));
        assert!(!store.remove("da_1"));
        assert_eq!(ids(&store), ["da_2"]);
        assert!(!store.id_exists("da_1") && !store.name_taken("name-1", None));
        assert!(matches!(
            store.replay("key-1", &body_digest(b"body-1")),
            Replay::None
        ));
        assert_eq!((store.evicted(), store.len()), (0, 1));
        assert_eq!(
            store.bytes,
            store.iter().map(StoredAction::cost).sum::<usize>()
        );
    }

    #[test]
    fn an_updated_action_that_outgrows_the_byte_limit_stays_and_older_ones_go() {
        let mut store = Store::new(limits(100, 60));
        for n in 1..=3 {
            store.insert(action(n, false));
        }
        store.update("da_1", "name-1".into(), Bytes::from(vec![b' '; 50]));
        assert_eq!(ids(&store), ["da_1"]);
    }
}
