//! Client-side pacing for one profile (`rate_limit`; docs/engine.md, Pacing): when each send may
//! go, shared by every submission of the profile.
//!
//! Three limits, the strictest wins, so the server can lower the pace but never raise it
//! above the profile's:
//! - the profile's `rate_limit` as a token bucket (capacity N, refilled at N per PERIOD: a
//!   burst of N goes at once, then one every PERIOD/N), kept as a GCRA theoretical arrival
//!   time;
//! - the server's fixed window, learnt from `X-RateLimit-*` (see `window`): our own sends
//!   are counted against the window's budget, since the answers lag behind the sends when
//!   several submissions are in flight, and the next window's budget opens at its start;
//! - `Retry-After`: nothing goes before it.
//!
//! [`Pacer::reserve`] commits a slot and returns when it may be used; the executor sleeps
//! until then (cancellably). [`Pacer::reserve_within`] does the same unless the server's part
//! of the wait (its windows and `Retry-After`, not the profile's own bucket) is over a cap:
//! then it takes nothing and says how long the server would have had it wait, for the
//! executor to fail on, as it does on an over-long `Retry-After` (`max_wait_s`).
//! A wait that comes from the profile's `rate_limit` alone is the user's own choice and is
//! never capped. The `*_at` variants take the clocks as arguments so that the tests can
//! drive time.

mod window;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::audit::RateLimit;
use crate::rate::RateSpec;
use window::ServerWindows;

/// The profile's token bucket, as the Generic Cell Rate Algorithm: a send at `t` is allowed
/// when `t >= tat - tolerance`, and moves `tat` one interval on.
#[derive(Debug, Clone)]
struct Bucket {
    /// PERIOD / N.
    interval: Duration,
    /// (N - 1) intervals: what lets a burst of N through at once.
    tolerance: Duration,
    /// The theoretical arrival time of the next send; `None` before the first.
    tat: Option<Instant>,
}

impl Bucket {
    fn new(spec: RateSpec) -> Bucket {
        let count = spec.count.max(1);
        let interval = spec.period / count;
        Bucket {
            interval,
            tolerance: interval * (count - 1),
            tat: None,
        }
    }

    fn earliest(&self, now: Instant) -> Instant {
        match self.tat.and_then(|tat| tat.checked_sub(self.tolerance)) {
            Some(allowed) => allowed.max(now),
            None => now,
        }
    }

    fn commit(&mut self, slot: Instant) {
        let base = self.tat.map_or(slot, |tat| tat.max(slot));
        self.tat = Some(base + self.interval);
    }
}

/// Maps between the monotonic clock the executor sleeps on and the wall clock the server's
/// windows are aligned to, from one reading of each.
#[derive(Debug, Clone, Copy)]
struct Clocks {
    now: Instant,
    /// Microseconds since the Unix epoch at `now`.
    wall: i64,
}

impl Clocks {
    fn read() -> Clocks {
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX));
        Clocks {
            now: Instant::now(),
            wall,
        }
    }

    fn wall_of(&self, at: Instant) -> i64 {
        let micros = |d: Duration| i64::try_from(d.as_micros()).unwrap_or(i64::MAX);
        if at >= self.now {
            self.wall.saturating_add(micros(at - self.now))
        } else {
            self.wall.saturating_sub(micros(self.now - at))
        }
    }

    fn instant_of(&self, wall: i64) -> Instant {
        let micros = |d: i64| Duration::from_micros(d.unsigned_abs());
        if wall >= self.wall {
            self.now
                .checked_add(micros(wall - self.wall))
                .unwrap_or(self.now)
        } else {
            self.now
                .checked_sub(micros(self.wall - wall))
                .unwrap_or(self.now)
        }
    }
}

#[derive(Debug)]
struct State {
    bucket: Option<Bucket>,
    server: ServerWindows,
    /// `Retry-After`: no send before this.
    hold: Option<Instant>,
}

/// The server's rate limit (its `X-RateLimit-*` windows or a `Retry-After`) would have a send
/// wait `wait`, over the cap given to [`Pacer::reserve_within`]; no slot was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerWaitTooLong {
    pub wait: Duration,
}

/// One profile's pacer, shared by every submission of that profile (cheap to clone).
#[derive(Debug, Clone)]
pub struct Pacer {
    spec: Option<RateSpec>,
    state: Arc<Mutex<State>>,
}

impl Pacer {
    /// `None` = `rate_limit = "off"`: only the server's headers pace.
    pub fn new(spec: Option<RateSpec>) -> Self {
        Pacer {
            spec,
            state: Arc::new(Mutex::new(State {
                bucket: spec.map(Bucket::new),
                server: ServerWindows::default(),
                hold: None,
            })),
        }
    }

    /// The profile's own limit (`None` when `off`).
    pub fn spec(&self) -> Option<RateSpec> {
        self.spec
    }

    /// Takes the next send slot and says when it may be used (now, if one is free).
    pub fn reserve(&self) -> Instant {
        self.reserve_at(Clocks::read())
    }

    /// As [`Pacer::reserve`], unless the server's rate limit alone would have the send wait
    /// longer than `max_server_wait`: then nothing is taken and the error says how long.
    pub fn reserve_within(&self, max_server_wait: Duration) -> Result<Instant, ServerWaitTooLong> {
        self.reserve_within_at(Clocks::read(), max_server_wait)
    }

    fn reserve_at(&self, clocks: Clocks) -> Instant {
        match self.reserve_within_at(clocks, Duration::MAX) {
            Ok(slot) => slot,
            // No wait is longer than Duration::MAX; should it ever be, the server's figure
            // is as late as anything.
            Err(too_long) => clocks.now.checked_add(too_long.wait).unwrap_or(clocks.now),
        }
    }

    fn reserve_within_at(
        &self,
        clocks: Clocks,
        max_server_wait: Duration,
    ) -> Result<Instant, ServerWaitTooLong> {
        let mut state = self.lock();
        state.server.advance(clocks.wall);
        // The server's part, from now and regardless of the bucket: its hold, its windows.
        let held = state.hold.map_or(clocks.now, |hold| hold.max(clocks.now));
        let by_server = clocks
            .instant_of(state.server.earliest(clocks.wall_of(held)))
            .max(held);
        let server_wait = by_server.saturating_duration_since(clocks.now);
        if server_wait > max_server_wait {
            return Err(ServerWaitTooLong { wait: server_wait });
        }
        let mut slot = clocks.now;
        if let Some(hold) = state.hold {
            slot = slot.max(hold);
        }
        if let Some(bucket) = &state.bucket {
            slot = slot.max(bucket.earliest(clocks.now));
        }
        let server_slot = state.server.reserve(clocks.wall_of(slot));
        // The round trip through microseconds may land a hair before `slot`.
        let slot = clocks.instant_of(server_slot).max(slot);
        if let Some(bucket) = &mut state.bucket {
            bucket.commit(slot);
        }
        Ok(slot)
    }

    /// Feeds the server's `X-RateLimit-*` of a response to a request sent at `sent_at`.
    pub fn observe(&self, sent_at: Instant, rate: &RateLimit) {
        self.observe_at(Clocks::read(), sent_at, rate);
    }

    fn observe_at(&self, clocks: Clocks, sent_at: Instant, rate: &RateLimit) {
        let mut state = self.lock();
        state.server.advance(clocks.wall);
        state
            .server
            .observe(clocks.wall_of(sent_at), clocks.wall, rate);
    }

    /// The server said `Retry-After`: nothing is sent before `until`.
    pub fn hold_until(&self, until: Instant) {
        let mut state = self.lock();
        state.hold = Some(state.hold.map_or(until, |hold| hold.max(until)));
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every update is a few assignments that cannot panic half-way; a poisoned lock
        // still holds a consistent state.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests;
