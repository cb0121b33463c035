//! The server's fixed rate-limit window as its `X-RateLimit-Limit/Remaining/Reset` headers
//! reveal it, and our own sends counted against it, so that a batch uses each window's
//! budget without overshooting it even while the answers lag behind the sends.
//!
//! Time here is the server's: wall-clock microseconds since the Unix epoch. A `Reset` of R
//! whole seconds on a request sent at `sent` and answered at `recv` puts the window's end in
//! `(sent + R - 1 s, recv + R]`; the answers of one window narrow that interval. Fixed
//! windows are almost always aligned to the epoch (`floor(now / period)`), so while the
//! evidence allows it the end is taken to be the whole second inside the interval: exact,
//! and free of the drift that building each window from its own first answer would add.
//! When the evidence contradicts it (no whole second fits, a window we opened turns out to
//! be already used, refusals while our count says there was room) the model falls back to
//! the interval's upper bound: no window is opened before its true start, though sends
//! spread across an uncertain end may still draw the odd 429, which `Retry-After` covers.
//! The period is the longest `Reset` seen (a window is never shorter than that).

use std::collections::VecDeque;

use crate::audit::RateLimit;

pub(super) const SEC: i64 = 1_000_000;
/// The server may truncate its clock to milliseconds before computing `Reset`.
const SLACK: i64 = 1_000;
/// From a window's end to the first send counted in the next: covers reading two clocks,
/// the server's processing order and an executor that skips waits under a millisecond.
pub(super) const MARGIN: i64 = 3_000;
/// A `Reset` this large is an epoch timestamp (as some APIs send it), not a duration.
const EPOCH_RESET: u64 = 1_000_000_000;
/// The longest window taken for one: a day.
const MAX_RESET: i64 = 86_400 * SEC;
/// How many windows ahead reservations are counted; past that they are not limited.
const MAX_AHEAD: i64 = 4096;

#[derive(Debug, Clone)]
struct Window {
    /// The window ends in `(lo, hi]`.
    lo: i64,
    hi: i64,
    /// Where the previous window ended (`None` for the first one we saw).
    prev_end: Option<i64>,
    /// Our sends placed in this window.
    reserved: u64,
    /// Answers attributed to this window.
    observed: u64,
    /// Answers that came after this window's end: the server may have counted them in the
    /// next one.
    late: u64,
    /// Sends of the previous window still unanswered (or answered late) when it closed:
    /// the server may count them in this one.
    carried: u64,
    /// The lowest `Remaining` seen in this window (it only falls within a window), and
    /// `reserved` when it was seen: sends placed after that are not in the server's count.
    remaining: Option<(u64, u64)>,
    /// Answers saying `Remaining: 0`: the last send that fit, and any refused after it.
    zeros: u64,
    /// Opened by the clock rather than by an answer: its first answer tests the alignment.
    opened_by_us: bool,
}

impl Window {
    fn from_answer(lo: i64, hi: i64, reserved: u64) -> Window {
        Window {
            lo,
            hi,
            prev_end: None,
            reserved,
            observed: 0,
            late: 0,
            carried: 0,
            remaining: None,
            zeros: 0,
            opened_by_us: false,
        }
    }
}

fn floor_sec(t: i64) -> i64 {
    t.div_euclid(SEC) * SEC
}

/// What the server's headers have taught so far.
#[derive(Debug, Clone)]
pub(super) struct ServerWindows {
    limit: Option<u64>,
    /// Microseconds, at least one second.
    period: i64,
    /// Windows end on whole wall-clock seconds, as far as the evidence goes.
    aligned: bool,
    current: Option<Window>,
    /// Sends already placed in the windows after `current` (`[0]` is the next).
    ahead: VecDeque<u64>,
    /// Sends made before any window was known; they belong to the first one seen.
    unplaced: u64,
}

impl Default for ServerWindows {
    fn default() -> Self {
        ServerWindows {
            limit: None,
            period: SEC,
            aligned: true,
            current: None,
            ahead: VecDeque::new(),
            unplaced: 0,
        }
    }
}

impl ServerWindows {
    fn end_of(&self, window: &Window) -> i64 {
        if self.aligned {
            let whole = floor_sec(window.hi);
            if whole > window.lo {
                return whole;
            }
        }
        window.hi
    }

    /// Closes the windows that are over at `now`.
    pub fn advance(&mut self, now: i64) {
        let Some(current) = &self.current else {
            return;
        };
        let opens = self.end_of(current) + MARGIN;
        if now >= opens {
            self.roll((now - opens).div_euclid(self.period) + 1);
        }
    }

    /// Moves `steps` windows on, by the period.
    fn roll(&mut self, steps: i64) {
        let Some(old) = self.current.take() else {
            return;
        };
        let end = self.end_of(&old);
        let shift = steps.saturating_mul(self.period);
        let skipped = usize::try_from(steps - 1).unwrap_or(usize::MAX);
        self.ahead.drain(..skipped.min(self.ahead.len()));
        let carried = if steps == 1 {
            old.reserved.saturating_sub(old.observed) + old.late
        } else {
            0
        };
        self.current = Some(Window {
            lo: old.lo.saturating_add(shift),
            hi: old.hi.saturating_add(shift),
            prev_end: Some(end.saturating_add(shift - self.period)),
            reserved: self.ahead.pop_front().unwrap_or(0),
            observed: 0,
            late: 0,
            carried,
            remaining: None,
            zeros: 0,
            opened_by_us: true,
        });
    }

    /// How many more sends window `index` (0 = current) takes.
    fn budget(&self, index: i64) -> u64 {
        let Some(current) = &self.current else {
            return u64::MAX;
        };
        if index == 0 {
            // Our own count is exact when nobody else shares the budget; the server's count
            // plus what we placed since adds whatever others used.
            let ours = current.reserved + current.carried;
            let since = |at: u64| current.reserved.saturating_sub(at);
            match (self.limit, current.remaining) {
                (Some(limit), Some((remaining, at))) => {
                    let servers = limit.saturating_sub(remaining) + since(at);
                    limit.saturating_sub(ours.max(servers))
                }
                (Some(limit), None) => limit.saturating_sub(ours),
                (None, Some((remaining, at))) => remaining.saturating_sub(since(at)),
                (None, None) => u64::MAX,
            }
        } else {
            let placed = usize::try_from(index - 1)
                .ok()
                .and_then(|i| self.ahead.get(i).copied())
                .unwrap_or(0);
            self.limit.map_or(u64::MAX, |l| l.saturating_sub(placed))
        }
    }

    fn place(&mut self, index: i64) {
        if index == 0 {
            if let Some(current) = &mut self.current {
                current.reserved += 1;
            }
            return;
        }
        let Ok(i) = usize::try_from(index - 1) else {
            return;
        };
        if self.ahead.len() <= i {
            self.ahead.resize(i + 1, 0);
        }
        if let Some(placed) = self.ahead.get_mut(i) {
            *placed += 1;
        }
    }

    /// Places one send at or after `t` in the first window with budget left and says when.
    pub fn reserve(&mut self, t: i64) -> i64 {
        if self.current.is_none() {
            self.unplaced += 1;
            return t;
        }
        let (at, index) = self.slot(t);
        if let Some(index) = index {
            self.place(index);
        }
        at
    }

    /// When a send at or after `t` could go, without placing it.
    pub fn earliest(&self, t: i64) -> i64 {
        self.slot(t).0
    }

    /// The first window at or after `t` with budget left: when a send could go in it, and
    /// its index (`None` when no window is known yet, or past the windows counted).
    fn slot(&self, t: i64) -> (i64, Option<i64>) {
        let Some(current) = &self.current else {
            return (t, None);
        };
        let end0 = self.end_of(current);
        let mut t = t;
        let mut index = if t >= end0 {
            (t - end0).div_euclid(self.period) + 1
        } else {
            0
        };
        while index <= MAX_AHEAD {
            let end = end0.saturating_add(index.saturating_mul(self.period));
            if index > 0 {
                t = t.max(end - self.period + MARGIN);
            }
            if self.budget(index) > 0 {
                return (t, Some(index));
            }
            index += 1;
            t = end + MARGIN;
        }
        (t, None)
    }

    /// Learns from the headers of an answer to a send at `sent`, received at `recv`.
    pub fn observe(&mut self, sent: i64, recv: i64, rate: &RateLimit) {
        // A limit of 0 would stop everything for good; it is a server bug, not a pace.
        if let Some(limit) = rate.limit.filter(|l| *l > 0) {
            self.limit = Some(limit);
        }
        let (Some(remaining), Some(reset)) = (rate.remaining, rate.reset) else {
            return;
        };
        let (lo, hi) = if reset >= EPOCH_RESET {
            let end = i64::try_from(reset).unwrap_or(i64::MAX).saturating_mul(SEC);
            (end.saturating_sub(SLACK), end)
        } else {
            let reset = i64::try_from(reset).unwrap_or(i64::MAX).saturating_mul(SEC);
            (
                sent.saturating_add(reset) - SEC - SLACK,
                recv.saturating_add(reset),
            )
        };
        if hi.saturating_sub(recv) > MAX_RESET {
            // Not a rate window anyone paces by; `Retry-After` still holds when it matters.
            return;
        }
        if reset < EPOCH_RESET {
            self.period = self.period.max(hi - recv);
        }
        let Some(current) = &self.current else {
            self.current = Some(Window::from_answer(lo, hi, self.unplaced));
            self.unplaced = 0;
            self.apply(lo, hi, recv, remaining);
            return;
        };
        if let Some(prev_end) = current.prev_end
            && sent < prev_end + MARGIN
            && lo < prev_end
        {
            // Sent before this window opened and consistent with the previous end: an
            // answer about a window that is over.
            return;
        }
        if lo >= self.end_of(current) {
            // The server is already in a later window than we thought.
            for _ in 0..64 {
                match &self.current {
                    Some(w) if lo >= self.end_of(w) => self.roll(1),
                    _ => break,
                }
            }
            if self.current.as_ref().is_some_and(|w| lo >= self.end_of(w)) {
                self.current = Some(Window::from_answer(lo, hi, 0));
                self.ahead.clear();
            }
        }
        self.apply(lo, hi, recv, remaining);
    }

    fn apply(&mut self, lo: i64, hi: i64, recv: i64, remaining: u64) {
        let limit = self.limit;
        let Some(mut window) = self.current.take() else {
            return;
        };
        let (both_lo, both_hi) = (window.lo.max(lo), window.hi.min(hi));
        if both_lo < both_hi {
            (window.lo, window.hi) = (both_lo, both_hi);
        } else {
            // A prediction the server contradicts: its answer wins.
            (window.lo, window.hi) = (lo, hi);
        }
        if self.aligned && floor_sec(window.hi) <= window.lo {
            tracing::debug!("rate-limit windows do not end on whole seconds; pacing on bounds");
            self.aligned = false;
        }
        if window.opened_by_us
            && window.observed == 0
            && let Some(limit) = limit
            && limit.saturating_sub(remaining) > window.reserved + window.carried
        {
            // A window we opened on the clock was already in use: either its start was
            // wrong or someone else shares the budget. Either way, only bounds are safe.
            tracing::debug!("rate-limit window opened early or shared; pacing on bounds");
            self.aligned = false;
        }
        if remaining == 0 {
            window.zeros += 1;
            if window.zeros > 1
                && limit.is_some_and(|limit| window.reserved + window.carried <= limit)
            {
                // Refusals although we never sent more than the limit in this window: its
                // boundaries were wrong, or someone else shares the budget.
                tracing::debug!("refused inside a window with room; pacing on bounds");
                self.aligned = false;
            }
        }
        window.observed += 1;
        if recv > self.end_of(&window) {
            window.late += 1;
        }
        if window
            .remaining
            .is_none_or(|(lowest, _)| remaining < lowest)
        {
            window.remaining = Some((remaining, window.reserved));
        }
        self.current = Some(window);
    }

    #[cfg(test)]
    pub fn aligned(&self) -> bool {
        self.aligned
    }
}
