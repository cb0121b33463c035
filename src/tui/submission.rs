//! The submission in flight, as the attempts panel shows it.
//!
//! [`SubmissionView`] folds the executor's [`ExecEvent`]s into what the panel draws: the
//! attempts (status or transport error, latency, the wait that followed, `Retry-After`, the
//! `X-RateLimit-*` figures) in an [`AttemptLog`], the same fold that gives the audit record
//! its `attempts`; the phase of the submission and, once it is over, its [`AuditRecord`]
//! (for the outcome, never to patch the attempts). It also keeps a bounded, rolling history
//! of responses across submissions for the chart. [`draw_attempts`] (in `draw`) renders it;
//! every time-dependent text is computed from the `now` the caller passes, so a frame is a
//! pure function of its inputs. Server text is kept as received and escaped when drawn.
//!
//! `apply` runs once per event on the UI thread, so it does constant work per event (the
//! log's update of its newest attempt, a push onto a bounded queue) and accepts any
//! sequence: events after `Finished` are ignored and attempts may arrive out of order.

mod draw;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

pub use draw::{draw_attempts, pane_height};

use crate::audit::{AuditRecord, Outcome};
use crate::engine::attempt_log::{AttemptLog, LoggedAttempt, PendingWait};
use crate::engine::events::ExecEvent;
use crate::text::escape_controls;

/// How far back the response chart remembers.
pub const RESPONSE_HISTORY_SPAN: Duration = Duration::from_secs(600);
/// The most responses the chart remembers, whatever their age: bounds memory under a storm.
pub const RESPONSE_HISTORY_MAX: usize = 2_000;
/// The most redirect rows one submission keeps. The executor follows far fewer; this only
/// guards against a misbehaving event source.
const MAX_REDIRECTS: usize = 512;

/// What the attempts panel knows about the current (or last) submission.
#[derive(Debug, Default)]
pub struct SubmissionView {
    name: String,
    url: String,
    started: Option<Instant>,
    phase: Phase,
    /// Set by the core when the user asked to cancel and `Finished` has not arrived yet.
    cancelling: bool,
    attempts: AttemptLog,
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
    /// The attempt log's wait under way.
    Waiting(PendingWait),
    Done {
        outcome: Outcome,
        status: Option<u16>,
        latency_ms: u64,
        /// Escaped for the terminal.
        error: Option<String>,
    },
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
        self.attempts.apply(event);
        match event {
            ExecEvent::Authorizing => self.phase = Phase::Authorizing,
            // Shown from the log's steps; the phase follows the step's own attempts.
            ExecEvent::StepStarted { .. } => {}
            ExecEvent::Sending { attempt, url } => {
                if self.url.is_empty() {
                    self.url = escape_controls(url).into_owned();
                }
                self.phase = Phase::Sending { attempt: *attempt };
            }
            ExecEvent::Responded { status, .. } => {
                if let Some(class) = ResponseClass::of_status(*status) {
                    self.responses.push(now, class);
                }
            }
            ExecEvent::TransportFailed { .. } => self.responses.push(now, ResponseClass::Error),
            // Not an answer: the record (and `Finished`) say the submission was cancelled.
            ExecEvent::Abandoned { .. } => {}
            ExecEvent::Waiting { .. } => {
                if let Some(wait) = self.attempts.wait() {
                    self.phase = Phase::Waiting(*wait);
                }
            }
            ExecEvent::Redirected { status, from, to } => {
                if self.redirects.len() < MAX_REDIRECTS {
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
        matches!(self.phase, Phase::Waiting(wait) if wait.until > now)
    }

    /// The finished submission's record, once `Finished` arrived.
    pub fn last_record(&self) -> Option<&AuditRecord> {
        self.record.as_deref()
    }

    pub fn phase(&self) -> &Phase {
        &self.phase
    }

    /// The attempts so far, oldest first, as the record will store them (server text not
    /// escaped) with the reason of each wait.
    pub fn attempts(&self) -> &[LoggedAttempt] {
        self.attempts.entries()
    }

    /// The attempts and the live state of their fold.
    pub fn attempt_log(&self) -> &AttemptLog {
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
        let status = self
            .attempts
            .entries()
            .iter()
            .rev()
            .find_map(|e| e.attempt.status);
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

    /// The outcome comes from the record; the attempts stay the fold of the events.
    fn finish(&mut self, record: &AuditRecord) {
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
            error: None,
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
