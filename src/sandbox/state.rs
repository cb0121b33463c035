//! The sandbox's shared state: the current faults (with the fail-429 budget and the rate
//! window that depend on them), issued tokens, the action stores (`store.rs` for cxone-v2,
//! `genesys/store.rs` for genesys-cloud, bounded alike, each in memory or following a store
//! file: `persist/`), the webhook inbox and a cheap random source. No lock here is held across an await, so a std `Mutex` beats an async
//! one. A lock is held for map operations and the copies they need: a genesys listing
//! filters every stored action and copies its page (its JSON is built after), a create or
//! a get copies its one definition into its answer. The checks of a definition and its
//! sizing for the store's limits are done before the lock is taken.

use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use super::faults::Faults;
use super::genesys::store::Store as GenesysStore;
use super::persist::{StoreFileError, Synced};
use super::stats::{Stats, StatsSnapshot};
use super::store::{Store, StoreLimits};
use crate::rate::RateSpec;

/// Locks, taking over a poisoned lock: every critical section here leaves its data valid
/// between statements, so a panic elsewhere must not take the sandbox down.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

pub(crate) struct State {
    faults: Mutex<FaultState>,
    tokens: RwLock<HashMap<String, Grant>>,
    pub store: Synced<Store>,
    pub genesys: Synced<GenesysStore>,
    pub stats: Stats,
    pub webhooks: Mutex<WebhookInbox>,
    pub rng: FastRng,
    /// The client the genesys-cloud test runs send their request with: built at the first
    /// run (it reads the platform's trust roots, which a sandbox that runs no test never
    /// needs), then shared, so connections to a target are reused.
    target_client: crate::engine::client::LazyClient,
    /// The test runs in flight, at most [`MAX_TEST_RUNS`]: each holds a connection to its
    /// target for up to a minute.
    pub test_runs: tokio::sync::Semaphore,
}

/// The most genesys-cloud test runs the sandbox serves at once; more are answered 429.
pub const MAX_TEST_RUNS: usize = 32;

struct FaultState {
    faults: Arc<Faults>,
    fail_429_left: u32,
    webhook_fail_left: u32,
    window: Window,
}

/// The fixed window's position: which window (`floor(now / period)`) and how many requests
/// it has admitted.
#[derive(Default)]
struct Window {
    index: u64,
    used: u32,
}

/// The most webhook deliveries `/_sandbox/webhook` keeps; older ones are dropped first, for
/// the same reason as the action store's limits.
pub const MAX_WEBHOOK_DELIVERIES: usize = 10_000;

/// The deliveries `/_sandbox/webhook` received, oldest first, numbered from 1 in arrival
/// order (numbers keep counting past the ones dropped).
#[derive(Default)]
pub(crate) struct WebhookInbox {
    deliveries: VecDeque<Value>,
    received: u64,
}

impl WebhookInbox {
    /// Keeps a delivery, built from its number; returns that number.
    pub fn push(&mut self, delivery: impl FnOnce(u64) -> Value) -> u64 {
        self.received += 1;
        if self.deliveries.len() >= MAX_WEBHOOK_DELIVERIES {
            self.deliveries.pop_front();
        }
        self.deliveries.push_back(delivery(self.received));
        self.received
    }

    pub fn deliveries(&self) -> &VecDeque<Value> {
        &self.deliveries
    }
}

/// What the rate limiter decided for one request on `/api/v2/*`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RateDecision {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    /// Whole seconds until the window ends, at least 1.
    pub reset_s: u64,
}

/// The scopes a token carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Scopes {
    pub read: bool,
    pub write: bool,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Grant {
    pub expires_at: Instant,
    pub scopes: Scopes,
}

/// Why a bearer token was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenRejection {
    Unknown,
    Expired,
}

impl State {
    /// A sandbox whose actions live in memory only.
    pub fn new(faults: Faults, limits: StoreLimits) -> State {
        State::with_stores(
            faults,
            Synced::in_memory(Store::new(limits)),
            Synced::in_memory(GenesysStore::new(limits)),
        )
    }

    /// A sandbox whose actions follow the store file at `path` (shared with any other
    /// process that opened it).
    pub fn persisted(
        faults: Faults,
        limits: StoreLimits,
        path: &Path,
    ) -> Result<State, StoreFileError> {
        Ok(State::with_stores(
            faults,
            Synced::open(path, limits)?,
            Synced::open(path, limits)?,
        ))
    }

    fn with_stores(faults: Faults, store: Synced<Store>, genesys: Synced<GenesysStore>) -> State {
        State {
            faults: Mutex::new(FaultState {
                fail_429_left: faults.fail_429,
                webhook_fail_left: faults.webhook_fail,
                faults: Arc::new(faults),
                window: Window::default(),
            }),
            tokens: RwLock::new(HashMap::new()),
            store,
            genesys,
            stats: Stats::new(),
            webhooks: Mutex::new(WebhookInbox::default()),
            rng: FastRng::new(),
            target_client: crate::engine::client::LazyClient::default(),
            test_runs: tokio::sync::Semaphore::new(MAX_TEST_RUNS),
        }
    }

    /// The test runs' client (see `engine::client::target_client`), built at the first
    /// run; `Err` says why it could not be built.
    pub async fn target_client(&self) -> Result<reqwest::Client, String> {
        self.target_client
            .get(crate::engine::client::target_client)
            .await
    }

    /// The counters, with the store's size and evictions.
    pub fn stats_snapshot(&self) -> StatsSnapshot {
        let mut snapshot = self.stats.snapshot();
        let store = self.store.memory();
        snapshot.stored_actions = store.len() as u64;
        snapshot.evicted_actions = store.evicted();
        drop(store);
        let genesys = self.genesys.memory();
        snapshot.stored_genesys_actions = genesys.len() as u64;
        snapshot.evicted_genesys_actions = genesys.evicted();
        snapshot
    }

    pub fn faults(&self) -> Arc<Faults> {
        Arc::clone(&lock(&self.faults).faults)
    }

    /// Installs new settings. Every change re-arms the fail-429 and webhook-fail budgets
    /// (they count from start or from the last change of faults), even a PUT that
    /// repeats the current values, so a test can re-arm with the same PUT. The rate window
    /// restarts only when the limit itself changes.
    pub fn set_faults(&self, faults: Faults) {
        let mut guard = lock(&self.faults);
        if guard.faults.rate_limit != faults.rate_limit {
            guard.window = Window::default();
        }
        guard.fail_429_left = faults.fail_429;
        guard.webhook_fail_left = faults.webhook_fail;
        guard.faults = Arc::new(faults);
    }

    /// Spends one of the fail-429 budget; true when this request is to get the 429.
    pub fn take_fail_429(&self) -> bool {
        take_one(&mut lock(&self.faults).fail_429_left)
    }

    pub fn take_webhook_fail(&self) -> bool {
        take_one(&mut lock(&self.faults).webhook_fail_left)
    }

    /// Admits or refuses one request in the epoch-aligned fixed window; `None` when the
    /// limit is off.
    pub fn rate_check(&self, now: SystemTime) -> Option<RateDecision> {
        let mut guard = lock(&self.faults);
        let spec: RateSpec = guard.faults.rate_limit?;
        let since_epoch = now.duration_since(UNIX_EPOCH).unwrap_or_default();
        let period_ms = spec.period.as_millis().max(1);
        let now_ms = since_epoch.as_millis();
        let index = u64::try_from(now_ms / period_ms).unwrap_or(u64::MAX);
        let window_end_ms = (now_ms / period_ms + 1) * period_ms;
        let reset_s = u64::try_from((window_end_ms - now_ms).div_ceil(1000))
            .unwrap_or(u64::MAX)
            .max(1);
        let window = &mut guard.window;
        if window.index != index {
            *window = Window { index, used: 0 };
        }
        let allowed = window.used < spec.count;
        if allowed {
            window.used += 1;
        }
        Some(RateDecision {
            allowed,
            limit: spec.count,
            remaining: spec.count - window.used,
            reset_s,
        })
    }

    /// Records a token with the current `token_ttl_s`.
    pub fn issue_token(&self, token: String, scopes: Scopes, ttl: Duration) {
        let now = Instant::now();
        let mut tokens = self.tokens.write().unwrap_or_else(PoisonError::into_inner);
        // Expired tokens are only dropped when the map has grown, so issuing stays O(1)
        // amortised and an expired token still answers `invalid_token` for a while.
        if tokens.len() >= 4096 && tokens.len().is_power_of_two() {
            tokens.retain(|_, grant| grant.expires_at > now);
        }
        tokens.insert(
            token,
            Grant {
                expires_at: now + ttl,
                scopes,
            },
        );
    }

    pub fn check_token(&self, token: &str) -> Result<Grant, TokenRejection> {
        let tokens = self.tokens.read().unwrap_or_else(PoisonError::into_inner);
        let grant = tokens.get(token).ok_or(TokenRejection::Unknown)?;
        if Instant::now() >= grant.expires_at {
            return Err(TokenRejection::Expired);
        }
        Ok(*grant)
    }
}

fn take_one(left: &mut u32) -> bool {
    if *left > 0 {
        *left -= 1;
        true
    } else {
        false
    }
}

/// A lock-free generator (wyrand over an atomic counter) for what needs speed, not secrecy:
/// action ids and the error-rate draw. Tokens use the OS generator instead.
pub(crate) struct FastRng(AtomicU64);

impl FastRng {
    fn new() -> FastRng {
        let mut seed = [0u8; 8];
        // A fixed seed only makes ids predictable, which a local emulator can live with.
        if getrandom::fill(&mut seed).is_err() {
            let nanos = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_nanos();
            seed = (nanos as u64).to_le_bytes();
        }
        FastRng(AtomicU64::new(u64::from_le_bytes(seed)))
    }

    pub fn next_u64(&self) -> u64 {
        let s = self
            .0
            .fetch_add(0xa076_1d64_78bd_642f, Ordering::Relaxed)
            .wrapping_add(0xa076_1d64_78bd_642f);
        let t = u128::from(s) * u128::from(s ^ 0xe703_7ed1_a0b4_28db);
        ((t >> 64) as u64) ^ (t as u64)
    }

    /// Uniform in `[0, 1)`.
    pub fn next_f64(&self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64, millis: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs) + Duration::from_millis(millis)
    }

    fn limited(spec: &str) -> State {
        let mut faults = Faults::off();
        faults.rate_limit = Some(spec.parse().expect("spec"));
        State::new(faults, StoreLimits::default())
    }

    #[test]
    fn the_window_admits_count_then_refuses_until_the_next_epoch_window() {
        let state = limited("2/10s");
        let first = state.rate_check(at(1_000_000_003, 0)).expect("on");
        assert!(first.allowed);
        assert_eq!((first.limit, first.remaining, first.reset_s), (2, 1, 7));
        assert!(state.rate_check(at(1_000_000_004, 0)).expect("on").allowed);
        let third = state.rate_check(at(1_000_000_009, 500)).expect("on");
        assert!(!third.allowed);
        assert_eq!((third.remaining, third.reset_s), (0, 1));
        // 1_000_000_010 is a multiple of 10 s: a new window.
        assert!(state.rate_check(at(1_000_000_010, 0)).expect("on").allowed);
    }

    #[test]
    fn reset_rounds_up_to_whole_seconds() {
        let state = limited("5/min");
        let d = state.rate_check(at(120, 500)).expect("on");
        assert_eq!(d.reset_s, 60);
    }

    #[test]
    fn off_makes_no_decision() {
        assert!(
            State::new(Faults::off(), StoreLimits::default())
                .rate_check(SystemTime::now())
                .is_none()
        );
    }

    #[test]
    fn changing_faults_rearms_fail_429() {
        let mut faults = Faults::off();
        faults.fail_429 = 1;
        let state = State::new(faults.clone(), StoreLimits::default());
        assert!(state.take_fail_429());
        assert!(!state.take_fail_429());
        state.set_faults(faults);
        assert!(state.take_fail_429());
    }

    #[test]
    fn the_webhook_inbox_drops_the_oldest_past_its_limit_and_keeps_numbering() {
        let mut inbox = WebhookInbox::default();
        for _ in 0..MAX_WEBHOOK_DELIVERIES + 2 {
            inbox.push(Value::from);
        }
        let kept = inbox.deliveries();
        assert_eq!(kept.len(), MAX_WEBHOOK_DELIVERIES);
        assert_eq!(kept.front(), Some(&Value::from(3)));
        assert_eq!(
            kept.back(),
            Some(&Value::from(MAX_WEBHOOK_DELIVERIES as u64 + 2))
        );
    }

    #[test]
    fn fast_rng_floats_stay_in_the_unit_interval() {
        let rng = FastRng::new();
        assert!(
            (0..10_000)
                .map(|_| rng.next_f64())
                .all(|x| (0.0..1.0).contains(&x))
        );
    }
}
