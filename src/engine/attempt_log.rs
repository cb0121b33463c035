//! The one list of a submission's attempts: [`AttemptLog`] folds the executor's
//! [`ExecEvent`]s into the attempts an audit record stores (`n`, `status`, `latency_ms`,
//! `wait_ms`, `retry_after`, `rate_limit`, `error`), plus what the live views show besides
//! (the wait under way, why each wait happened, the last rate-limit figures).
//!
//! The executor folds every event it sends into its own log and writes that log into the
//! record, so a record's `attempts` are the fold of the events its submission reported; the
//! studio's attempts panel and `cxda submit`'s progress fold the same events with this type,
//! so the three cannot disagree.
//!
//! Pure: no clock, no I/O. Any sequence is accepted (a view must survive an odd one): an
//! event about an attempt not seen yet adds it in order of `n`, and since events almost
//! always concern the newest attempt, the work per event is constant.

use std::time::{Duration, Instant};

use super::events::{ExecEvent, WaitReason};
use crate::audit::{Attempt, RateLimit, Step};

/// A step's `attempts`, final `status` and `latency_ms` (its attempts and the waits between
/// them) from its logged attempts.
fn fill_step(step: &mut Step, entries: &[LoggedAttempt]) {
    step.attempts = entries.iter().map(|e| e.attempt.clone()).collect();
    step.status = entries.last().and_then(|e| e.attempt.status);
    step.latency_ms = entries
        .iter()
        .map(|e| e.attempt.latency_ms.saturating_add(e.attempt.wait_ms))
        .sum();
}

/// The `error` of an attempt that was in flight when its submission was cancelled.
pub const CANCELLED_IN_FLIGHT: &str = "cancelled in flight";

/// A submission's attempts so far, and the wait under way.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AttemptLog {
    /// The current step's attempts (the only step's, for a one-request operation), sorted
    /// by `n`.
    entries: Vec<LoggedAttempt>,
    wait: Option<PendingWait>,
    /// The steps begun so far (`StepStarted`), oldest first; the last one's attempts are
    /// `entries` until the next step begins.
    steps: Vec<Step>,
}

/// One attempt as the record stores it, and why the wait after it happened.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoggedAttempt {
    pub attempt: Attempt,
    /// The reason of the latest wait after this attempt (several add up in `wait_ms`); the
    /// record does not keep it.
    pub wait_reason: Option<WaitReason>,
}

impl LoggedAttempt {
    /// Whether the attempt has ended: answered, failed or abandoned. An attempt being sent
    /// has neither a status nor an error.
    pub fn is_over(&self) -> bool {
        self.attempt.status.is_some() || self.attempt.error.is_some()
    }
}

/// The wait reported last, until the next step (or the end) ends it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PendingWait {
    /// The attempt that follows the wait (1-based; 1 for a pacing wait before the first).
    pub attempt: u32,
    pub until: Instant,
    pub wait: Duration,
    pub reason: WaitReason,
}

impl AttemptLog {
    /// Folds one event in.
    pub fn apply(&mut self, event: &ExecEvent) {
        if !matches!(event, ExecEvent::Waiting { .. }) {
            self.wait = None;
        }
        match event {
            ExecEvent::Authorizing | ExecEvent::Redirected { .. } | ExecEvent::Finished(_) => {}
            ExecEvent::StepStarted {
                name, method, url, ..
            } => {
                self.close_step();
                self.steps.push(Step {
                    name: name.clone(),
                    method: method.clone(),
                    url: url.clone(),
                    ..Step::default()
                });
            }
            ExecEvent::Sending { attempt, .. } => {
                self.entry(*attempt);
            }
            ExecEvent::Responded {
                attempt,
                status,
                latency,
                rate,
                retry_after,
                error,
            } => {
                let entry = &mut self.entry(*attempt).attempt;
                entry.status = Some(*status);
                entry.latency_ms = millis(*latency);
                entry.retry_after.clone_from(retry_after);
                entry.rate_limit = *rate;
                entry.error.clone_from(error);
            }
            ExecEvent::TransportFailed {
                attempt,
                latency,
                error,
            } => self.no_answer(*attempt, *latency, error),
            ExecEvent::Abandoned { attempt, latency } => {
                self.no_answer(*attempt, *latency, CANCELLED_IN_FLIGHT);
            }
            ExecEvent::Waiting {
                attempt,
                until,
                wait,
                reason,
            } => {
                // The wait belongs to the attempt before it; a pacing wait before the first
                // attempt belongs to none.
                if let Some(before) = attempt.checked_sub(1).and_then(|n| self.find_mut(n)) {
                    before.attempt.wait_ms = before.attempt.wait_ms.saturating_add(millis(*wait));
                    before.wait_reason = Some(*reason);
                }
                self.wait = Some(PendingWait {
                    attempt: *attempt,
                    until: *until,
                    wait: *wait,
                    reason: *reason,
                });
            }
        }
    }

    /// Oldest first.
    pub fn entries(&self) -> &[LoggedAttempt] {
        &self.entries
    }

    pub fn last(&self) -> Option<&LoggedAttempt> {
        self.entries.last()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The number of the attempt after the last one (1 before any).
    pub fn next_attempt(&self) -> u32 {
        self.last().map_or(1, |e| e.attempt.n.saturating_add(1))
    }

    /// The wait under way: from its `Waiting` event until the next event of another kind.
    pub fn wait(&self) -> Option<&PendingWait> {
        self.wait.as_ref()
    }

    /// The name of the step under way (`draft`, `validation`, …); `None` for a one-request
    /// operation.
    pub fn step_name(&self) -> Option<&str> {
        self.steps.last().map(|s| s.name.as_str())
    }

    /// The `X-RateLimit-*` figures of the latest response that had them.
    pub fn last_rate_limit(&self) -> Option<RateLimit> {
        self.entries.iter().rev().find_map(|e| e.attempt.rate_limit)
    }

    /// The attempts as a record stores them.
    pub fn attempts(&self) -> Vec<Attempt> {
        self.entries.iter().map(|e| e.attempt.clone()).collect()
    }

    /// [`AttemptLog::attempts`], consuming the log.
    pub fn into_attempts(self) -> Vec<Attempt> {
        self.entries.into_iter().map(|e| e.attempt).collect()
    }

    /// Whether the operation has steps (several requests).
    pub fn has_steps(&self) -> bool {
        !self.steps.is_empty()
    }

    /// The steps begun so far, the current one with its attempts up to now; empty for a
    /// one-request operation.
    pub fn steps(&self) -> Vec<Step> {
        let mut steps = self.steps.clone();
        if let Some(last) = steps.last_mut() {
            fill_step(last, &self.entries);
        }
        steps
    }

    /// The steps (as [`AttemptLog::steps`]) and the last step's attempts: what a record
    /// stores in `steps` and `attempts`.
    pub fn into_steps_and_attempts(self) -> (Vec<Step>, Vec<Attempt>) {
        let steps = self.steps();
        (steps, self.into_attempts())
    }

    /// Ends the current step: its attempts move into it and the next step starts afresh.
    fn close_step(&mut self) {
        let entries = std::mem::take(&mut self.entries);
        if let Some(last) = self.steps.last_mut() {
            fill_step(last, &entries);
        }
    }

    fn no_answer(&mut self, n: u32, latency: Duration, error: &str) {
        let entry = &mut self.entry(n).attempt;
        entry.status = None;
        entry.latency_ms = millis(latency);
        entry.error = Some(error.to_string());
    }

    fn find_mut(&mut self, n: u32) -> Option<&mut LoggedAttempt> {
        self.entries.iter_mut().rev().find(|e| e.attempt.n == n)
    }

    /// The entry of attempt `n`, added in order when it is new.
    fn entry(&mut self, n: u32) -> &mut LoggedAttempt {
        // Sorted by `n`, and events almost always touch the last entry: search backwards.
        let found = self.entries.iter().rposition(|e| e.attempt.n <= n);
        let index = match found {
            Some(i) if self.entries[i].attempt.n == n => i,
            _ => {
                let at = found.map_or(0, |i| i + 1);
                let attempt = Attempt {
                    n,
                    ..Attempt::default()
                };
                self.entries.insert(
                    at,
                    LoggedAttempt {
                        attempt,
                        wait_reason: None,
                    },
                );
                at
            }
        };
        &mut self.entries[index]
    }
}

impl<'a> FromIterator<&'a ExecEvent> for AttemptLog {
    fn from_iter<I: IntoIterator<Item = &'a ExecEvent>>(events: I) -> Self {
        let mut log = AttemptLog::default();
        for event in events {
            log.apply(event);
        }
        log
    }
}

/// Milliseconds as the record counts them (truncated, saturating).
pub(crate) fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn sending(attempt: u32) -> ExecEvent {
        ExecEvent::Sending {
            attempt,
            url: "http://127.0.0.1:1/api/v2/data-actions".into(),
        }
    }

    fn responded(attempt: u32, status: u16) -> ExecEvent {
        ExecEvent::Responded {
            attempt,
            status,
            latency: ms(12),
            rate: None,
            retry_after: None,
            error: None,
        }
    }

    fn waiting(attempt: u32, wait_ms: u64, reason: WaitReason) -> ExecEvent {
        let now = Instant::now();
        ExecEvent::Waiting {
            attempt,
            until: now + ms(wait_ms),
            wait: ms(wait_ms),
            reason,
        }
    }

    fn statuses(log: &AttemptLog) -> Vec<(u32, Option<u16>)> {
        log.entries()
            .iter()
            .map(|e| (e.attempt.n, e.attempt.status))
            .collect()
    }

    #[test]
    fn an_answer_fills_in_the_attempt_being_sent() {
        let rate = RateLimit {
            limit: Some(100),
            remaining: Some(0),
            reset: Some(37),
        };
        let mut log = AttemptLog::default();
        log.apply(&sending(1));
        assert!(log.last().is_some_and(|e| !e.is_over()), "in flight");
        log.apply(&ExecEvent::Responded {
            attempt: 1,
            status: 429,
            latency: Duration::from_micros(42_900),
            rate: Some(rate),
            retry_after: Some("1".into()),
            error: Some("response body cut at 1 bytes".into()),
        });
        assert_eq!(
            log.attempts(),
            [Attempt {
                n: 1,
                status: Some(429),
                latency_ms: 42,
                wait_ms: 0,
                retry_after: Some("1".into()),
                rate_limit: Some(rate),
                error: Some("response body cut at 1 bytes".into()),
            }]
        );
        assert_eq!(log.last_rate_limit(), Some(rate));
        assert_eq!(log.next_attempt(), 2);
    }

    #[test]
    fn a_wait_belongs_to_the_attempt_before_it_and_waits_add_up() {
        let mut log = AttemptLog::default();
        log.apply(&responded(1, 503));
        log.apply(&waiting(2, 300, WaitReason::Backoff));
        log.apply(&waiting(2, 200, WaitReason::Pacing));
        let first = &log.entries()[0];
        assert_eq!(first.attempt.wait_ms, 500);
        assert_eq!(first.wait_reason, Some(WaitReason::Pacing));
        let wait = log.wait().map(|w| (w.attempt, w.wait, w.reason));
        assert_eq!(wait, Some((2, ms(200), WaitReason::Pacing)));
    }

    #[test]
    fn a_pacing_wait_before_the_first_attempt_belongs_to_none() {
        let mut log = AttemptLog::default();
        log.apply(&waiting(1, 500, WaitReason::Pacing));
        assert!(log.is_empty());
        assert!(log.wait().is_some());
        log.apply(&sending(1));
        assert!(log.wait().is_none(), "sending ends the wait");
        assert_eq!(log.len(), 1);
    }

    #[test]
    fn the_end_ends_the_wait() {
        let mut log = AttemptLog::default();
        log.apply(&responded(1, 429));
        log.apply(&waiting(2, 30_000, WaitReason::RetryAfter));
        log.apply(&ExecEvent::Finished(Box::new(
            crate::audit::AuditRecord::new(crate::audit::Outcome::Cancelled),
        )));
        assert!(log.wait().is_none());
        assert_eq!(log.attempts()[0].wait_ms, 30_000, "the wait stays recorded");
    }

    #[test]
    fn a_transport_failure_and_a_cancel_in_flight_have_an_error_and_no_status() {
        let mut log = AttemptLog::default();
        log.apply(&sending(1));
        log.apply(&ExecEvent::TransportFailed {
            attempt: 1,
            latency: ms(3),
            error: "connection refused".into(),
        });
        log.apply(&sending(2));
        log.apply(&ExecEvent::Abandoned {
            attempt: 2,
            latency: ms(40),
        });
        let got: Vec<(Option<u16>, u64, Option<&str>)> = log
            .entries()
            .iter()
            .map(|e| {
                let a = &e.attempt;
                (a.status, a.latency_ms, a.error.as_deref())
            })
            .collect();
        assert_eq!(
            got,
            [
                (None, 3, Some("connection refused")),
                (None, 40, Some(CANCELLED_IN_FLIGHT))
            ]
        );
        assert!(log.entries().iter().all(LoggedAttempt::is_over));
    }

    #[test]
    fn attempts_arriving_out_of_order_are_kept_sorted() {
        let log: AttemptLog = [responded(3, 500), responded(1, 429), responded(2, 429)]
            .iter()
            .collect();
        assert_eq!(
            statuses(&log),
            [(1, Some(429)), (2, Some(429)), (3, Some(500))]
        );
    }

    #[test]
    fn a_repeated_event_changes_the_same_attempt() {
        let log: AttemptLog = [sending(1), responded(1, 503), responded(1, 201)]
            .iter()
            .collect();
        assert_eq!(statuses(&log), [(1, Some(201))]);
    }

    #[test]
    fn the_last_rate_limit_is_the_latest_response_that_had_one() {
        let rate = RateLimit {
            limit: Some(10),
            remaining: Some(3),
            reset: Some(5),
        };
        let mut log = AttemptLog::default();
        log.apply(&ExecEvent::Responded {
            attempt: 1,
            status: 429,
            latency: ms(1),
            rate: Some(rate),
            retry_after: None,
            error: None,
        });
        log.apply(&responded(2, 307));
        assert_eq!(log.last_rate_limit(), Some(rate));
        assert_eq!(AttemptLog::default().last_rate_limit(), None);
    }
}
