//! The submission in flight, as the attempts panel shows it.
//!
//! [`SubmissionView`] folds the executor's [`ExecEvent`]s into what the panel draws: one row
//! per attempt (status or transport error, latency, the wait that followed it, `Retry-After`,
//! the `X-RateLimit-*` figures), the phase of the submission and, once it is over, its
//! [`AuditRecord`]. It also keeps a bounded, rolling history of responses across submissions
//! for the chart. [`draw_attempts`] (in `draw`) renders it; every time-dependent text is
//! computed from the `now` the caller passes, so a frame is a pure function of its inputs.
//!
//! `apply` runs once per event on the UI thread, so it does constant work per event (a
//! lookup among a handful of rows, a push onto a bounded queue) and accepts any sequence:
//! events after `Finished` are ignored and attempts may arrive out of order.

mod draw;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

pub use draw::draw_attempts;

use crate::audit::{AuditRecord, Outcome, RateLimit};
use crate::engine::events::{ExecEvent, WaitReason};
use crate::text::escape_controls;

/// How far back the response chart remembers.
pub const RESPONSE_HISTORY_SPAN: Duration = Duration::from_secs(600);
/// The most responses the chart remembers, whatever their age: bounds memory under a storm.
pub const RESPONSE_HISTORY_MAX: usize = 2_000;
/// The most attempt rows one submission keeps. The executor's retry budget is far lower;
/// this only guards against a misbehaving event source.
const MAX_ROWS: usize = 512;

/// What the attempts panel knows about the current (or last) submission.
#[derive(Debug, Default)]
pub struct SubmissionView {
    name: String,
    url: String,
    started: Option<Instant>,
    phase: Phase,
    /// Set by the core when the user asked to cancel and `Finished` has not arrived yet.
    cancelling: bool,
    attempts: Vec<AttemptRow>,
    redirects: Vec<RedirectRow>,
    record: Option<Box<AuditRecord>>,
    responses: ResponseHistory,
}

/// Where the submission is. `Idle` before the first one.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Phase {
    #[default]
    Idle,
    Authorizing,
    Sending {
        attempt: u32,
    },
    Waiting {
        /// The attempt that follows the wait.
        attempt: u32,
        until: Instant,
        wait: Duration,
        reason: WaitReason,
    },
    Done {
        outcome: Outcome,
        status: Option<u16>,
        latency_ms: u64,
        /// Escaped for the terminal.
        error: Option<String>,
    },
}

/// One attempt as the table shows it. Server text (errors, `Retry-After`) is stored escaped.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AttemptRow {
    /// 1-based.
    pub n: u32,
    pub status: Option<u16>,
    /// Why the attempt got no response (escaped).
    pub error: Option<String>,
    pub latency: Option<Duration>,
    /// The wait after this attempt, before the next one.
    pub wait: Option<AttemptWait>,
    pub retry_after: Option<String>,
    pub rate: Option<RateLimit>,
}

/// A wait that followed an attempt. Several waits after one attempt (backoff, then pacing)
/// add up in `total`; `until` and `reason` are the latest one's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AttemptWait {
    pub total: Duration,
    /// `None` when the wait is only known from the record (no live event).
    pub until: Option<Instant>,
    pub reason: Option<WaitReason>,
}

/// A redirect that was followed (escaped URLs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedirectRow {
    pub status: u16,
    pub from: String,
    pub to: String,
}

/// The class a response is charted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResponseClass {
    Success,
    RateLimited,
    /// Any other 4xx/5xx, and a transport failure (no response at all).
    Error,
}

impl ResponseClass {
    /// The class of a status; `None` for 1xx/3xx, which are steps, not results (a followed
    /// redirect is neither a success nor an error).
    pub fn of_status(status: u16) -> Option<ResponseClass> {
        match status {
            200..=299 => Some(ResponseClass::Success),
            429 => Some(ResponseClass::RateLimited),
            400.. => Some(ResponseClass::Error),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ResponseClass::Success => "2xx",
            ResponseClass::RateLimited => "429",
            ResponseClass::Error => "errors",
        }
    }

    pub const ALL: [ResponseClass; 3] = [
        ResponseClass::Success,
        ResponseClass::RateLimited,
        ResponseClass::Error,
    ];
}

/// Responses over time, across submissions: bounded by age and by count.
#[derive(Debug, Default, Clone)]
pub struct ResponseHistory {
    points: VecDeque<(Instant, ResponseClass)>,
}

impl ResponseHistory {
    /// Records one response at `at` and forgets what is too old or too many.
    pub fn push(&mut self, at: Instant, class: ResponseClass) {
        self.points.push_back((at, class));
        while self.points.len() > RESPONSE_HISTORY_MAX {
            self.points.pop_front();
        }
        // Age is measured from the newest point, so no clock is read here.
        while let Some(&(front, _)) = self.points.front() {
            if at.saturating_duration_since(front) > RESPONSE_HISTORY_SPAN {
                self.points.pop_front();
            } else {
                break;
            }
        }
    }

    pub fn len(&self) -> usize {
        self.points.len()
    }

    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// Oldest first.
    pub fn iter(&self) -> impl Iterator<Item = (Instant, ResponseClass)> + '_ {
        self.points.iter().copied()
    }

    /// How many responses of each class (in [`ResponseClass::ALL`] order) arrived within
    /// `window` before `now`.
    pub fn counts(&self, now: Instant, window: Duration) -> [usize; 3] {
        let mut counts = [0; 3];
        for (at, class) in self.iter() {
            if now.saturating_duration_since(at) <= window {
                counts[class_index(class)] += 1;
            }
        }
        counts
    }
}

pub(crate) fn class_index(class: ResponseClass) -> usize {
    match class {
        ResponseClass::Success => 0,
        ResponseClass::RateLimited => 1,
        ResponseClass::Error => 2,
    }
}

impl SubmissionView {
    /// A new submission of the action `name` to `url` begins (clears the previous one's attempts,
    /// keeps the response chart's history).
    pub fn start(&mut self, name: String, url: String, now: Instant) {
        let responses = std::mem::take(&mut self.responses);
        *self = SubmissionView {
            name: escape_controls(&name).into_owned(),
            url: escape_controls(&url).into_owned(),
            started: Some(now),
            phase: Phase::Authorizing,
            responses,
            ..SubmissionView::default()
        };
    }

    /// One executor event, as it arrives.
    pub fn apply(&mut self, event: &ExecEvent, now: Instant) {
        // A finished submission's view is final: late or duplicated events must not reopen it.
        if matches!(self.phase, Phase::Done { .. }) {
            return;
        }
        if self.started.is_none() {
            self.started = Some(now);
        }
        match event {
            ExecEvent::Authorizing => self.phase = Phase::Authorizing,
            ExecEvent::Sending { attempt, url } => {
                self.row(*attempt);
                if self.url.is_empty() {
                    self.url = escape_controls(url).into_owned();
                }
                self.phase = Phase::Sending { attempt: *attempt };
            }
            ExecEvent::Responded {
                attempt,
                status,
                latency,
                rate,
                retry_after,
            } => {
                if let Some(row) = self.row(*attempt) {
                    row.status = Some(*status);
                    row.error = None;
                    row.latency = Some(*latency);
                    row.rate = *rate;
                    row.retry_after = retry_after.as_deref().map(|r| escape_controls(r).into());
                }
                if let Some(class) = ResponseClass::of_status(*status) {
                    self.responses.push(now, class);
                }
            }
            ExecEvent::TransportFailed { attempt, error } => {
                if let Some(row) = self.row(*attempt) {
                    row.status = None;
                    row.error = Some(escape_controls(error).into_owned());
                }
                self.responses.push(now, ResponseClass::Error);
            }
            ExecEvent::Waiting {
                attempt,
                until,
                wait,
                reason,
            } => {
                // The wait belongs to the attempt before it (as the record's `wait_ms`); a
                // pacing wait before the first attempt has no row and shows in the phase only.
                if *attempt > 1
                    && let Some(row) = self.row(attempt - 1)
                {
                    let total = row.wait.map_or(Duration::ZERO, |w| w.total);
                    row.wait = Some(AttemptWait {
                        total: total.saturating_add(*wait),
                        until: Some(*until),
                        reason: Some(*reason),
                    });
                }
                self.phase = Phase::Waiting {
                    attempt: *attempt,
                    until: *until,
                    wait: *wait,
                    reason: *reason,
                };
            }
            ExecEvent::Redirected { status, from, to } => {
                if self.redirects.len() < MAX_ROWS {
                    self.redirects.push(RedirectRow {
                        status: *status,
                        from: escape_controls(from).into_owned(),
                        to: escape_controls(to).into_owned(),
                    });
                }
            }
            ExecEvent::Finished(record) => self.finish(record),
        }
    }

    /// The core calls this when the user asks to cancel, so the panel says so until the
    /// executor's `Finished` (outcome `cancelled`) arrives.
    pub fn cancel_requested(&mut self) {
        if self.is_running() {
            self.cancelling = true;
        }
    }

    pub fn is_running(&self) -> bool {
        !matches!(self.phase, Phase::Idle | Phase::Done { .. })
    }

    /// True while a countdown is on screen: the event loop ticks only then.
    pub fn countdown_active(&self, now: Instant) -> bool {
        matches!(self.phase, Phase::Waiting { until, .. } if until > now)
    }

    /// The finished submission's record, once `Finished` arrived.
    pub fn last_record(&self) -> Option<&AuditRecord> {
        self.record.as_deref()
    }

    pub fn phase(&self) -> &Phase {
        &self.phase
    }

    pub fn attempts(&self) -> &[AttemptRow] {
        &self.attempts
    }

    pub fn redirects(&self) -> &[RedirectRow] {
        &self.redirects
    }

    pub fn responses(&self) -> &ResponseHistory {
        &self.responses
    }

    /// The action's name as given to `start` (escaped).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The target URL (escaped).
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn is_cancelling(&self) -> bool {
        self.cancelling && self.is_running()
    }

    /// The row of attempt `n`, created (in order) when it is new. `None` only past
    /// [`MAX_ROWS`].
    fn row(&mut self, n: u32) -> Option<&mut AttemptRow> {
        // Rows are sorted by `n`; events almost always touch the last one, so search backwards.
        let found = self.attempts.iter().rposition(|r| r.n <= n);
        let index = match found {
            Some(i) if self.attempts[i].n == n => i,
            _ => {
                if self.attempts.len() >= MAX_ROWS {
                    return None;
                }
                let at = found.map_or(0, |i| i + 1);
                self.attempts.insert(
                    at,
                    AttemptRow {
                        n,
                        ..AttemptRow::default()
                    },
                );
                at
            }
        };
        self.attempts.get_mut(index)
    }

    /// The submission ended without a record: the engine could not write it to the audit
    /// file. The panel stops counting and says so; the last status seen stays. When that was
    /// a 2xx the action exists on the server, and the message says so: sending it again
    /// would be a new submission (a new Idempotency-Key) and could create it twice.
    pub fn fail_unrecorded(&mut self, error: &str, now: Instant) {
        if !self.is_running() {
            return;
        }
        let latency_ms = self.started.map_or(0, |t| {
            u64::try_from(now.duration_since(t).as_millis()).unwrap_or(u64::MAX)
        });
        let status = self.attempts.iter().rev().find_map(|row| row.status);
        let error = escape_controls(error);
        let message = match status {
            Some(status @ 200..=299) => format!(
                "the server answered {status} (created) but it is not recorded in the audit file: {error}"
            ),
            _ => format!("not recorded in the audit file: {error}"),
        };
        self.phase = Phase::Done {
            outcome: Outcome::Failed,
            status,
            latency_ms,
            error: Some(message),
        };
        self.cancelling = false;
    }

    /// The record is the authority: rows the live events missed are filled in from it.
    fn finish(&mut self, record: &AuditRecord) {
        for attempt in &record.attempts {
            let Some(row) = self.row(attempt.n) else {
                break;
            };
            if row.status.is_none() && row.error.is_none() {
                row.status = attempt.status;
                row.error = attempt.error.as_deref().map(|e| escape_controls(e).into());
            }
            if row.latency.is_none() {
                row.latency = Some(Duration::from_millis(attempt.latency_ms));
            }
            if row.wait.is_none() && attempt.wait_ms > 0 {
                row.wait = Some(AttemptWait {
                    total: Duration::from_millis(attempt.wait_ms),
                    until: None,
                    reason: None,
                });
            }
            if row.retry_after.is_none() {
                row.retry_after = attempt
                    .retry_after
                    .as_deref()
                    .map(|r| escape_controls(r).into());
            }
            if row.rate.is_none() {
                row.rate = attempt.rate_limit;
            }
        }
        if self.name.is_empty() {
            self.name = escape_controls(&record.action_name).into_owned();
        }
        if self.url.is_empty() {
            self.url = escape_controls(&record.url).into_owned();
        }
        self.phase = Phase::Done {
            outcome: record.outcome,
            status: record.status,
            latency_ms: record.latency_ms,
            error: record.error.as_deref().map(|e| escape_controls(e).into()),
        };
        self.cancelling = false;
        self.record = Some(Box::new(record.clone()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn responded(attempt: u32, status: u16) -> ExecEvent {
        ExecEvent::Responded {
            attempt,
            status,
            latency: Duration::from_millis(10),
            rate: None,
            retry_after: None,
        }
    }

    #[test]
    fn a_submission_that_could_not_be_recorded_stops_running() {
        let t = Instant::now();
        let mut v = SubmissionView::default();
        v.start("A".into(), "http://x/".into(), t);
        v.apply(&responded(1, 201), t);
        v.fail_unrecorded("disk full\u{1b}[2J", t + Duration::from_millis(40));
        assert!(!v.is_running());
        let Phase::Done {
            outcome,
            status,
            latency_ms,
            error,
        } = v.phase()
        else {
            panic!("{:?}", v.phase());
        };
        assert_eq!(
            (*outcome, *status, *latency_ms),
            (Outcome::Failed, Some(201), 40)
        );
        let error = error.as_deref().unwrap_or_default();
        assert!(
            error.contains("not recorded") && !error.contains('\u{1b}'),
            "{error}"
        );
        assert!(error.contains("answered 201 (created)"), "{error}");
    }

    #[test]
    fn attempts_arriving_out_of_order_are_kept_sorted() {
        let t = Instant::now();
        let mut v = SubmissionView::default();
        v.apply(&responded(3, 500), t);
        v.apply(&responded(1, 429), t);
        v.apply(&responded(2, 429), t);
        let ns: Vec<u32> = v.attempts().iter().map(|r| r.n).collect();
        assert_eq!(ns, [1, 2, 3]);
    }

    #[test]
    fn waits_after_one_attempt_add_up() {
        let t = Instant::now();
        let mut v = SubmissionView::default();
        v.apply(&responded(1, 429), t);
        for ms in [300, 200] {
            v.apply(
                &ExecEvent::Waiting {
                    attempt: 2,
                    until: t + Duration::from_millis(ms),
                    wait: Duration::from_millis(ms),
                    reason: WaitReason::Backoff,
                },
                t,
            );
        }
        let wait = v.attempts()[0].wait.map(|w| w.total);
        assert_eq!(wait, Some(Duration::from_millis(500)));
    }

    #[test]
    fn history_is_bounded_by_count_and_age() {
        let t = Instant::now();
        let mut h = ResponseHistory::default();
        for i in 0..(RESPONSE_HISTORY_MAX as u64 + 10) {
            h.push(t + Duration::from_millis(i), ResponseClass::Success);
        }
        assert_eq!(h.len(), RESPONSE_HISTORY_MAX);
        h.push(t + Duration::from_secs(3600), ResponseClass::Error);
        assert_eq!(h.len(), 1);
    }

    #[test]
    fn redirect_statuses_are_not_charted() {
        assert_eq!(ResponseClass::of_status(307), None);
        assert_eq!(ResponseClass::of_status(201), Some(ResponseClass::Success));
        assert_eq!(ResponseClass::of_status(503), Some(ResponseClass::Error));
    }
}
