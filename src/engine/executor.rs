//! One submission, from the token to its outcome (docs/engine.md), running the operation's
//! plan (`plan`) step by step. Each step is one request, sent with the machinery below:
//!
//! ```text
//!                 ┌──────────── cancel (any state) ───────────────► Cancelled
//!                 │
//!  Authorizing ──token──► plan.next() ──Done──► the plan's end (Created, Drafted, Rejected…)
//!                            ▲   │ Send(step)  [StepStarted when the plan has steps]
//!                            │   ▼
//!                            │ [budget check] ──over──► Rejected (nothing sent)
//!                            │   │
//!                            │   ▼
//!            ┌──────────► [pacing wait] ──► Sending(n) ──2xx, 4xx, 5xx (not 503)──┐
//!            │                                  │  ├─303 (processed)───────────────┤
//!            │                                  │  ├─answer lost or 502/503/504,   │
//!            │                                  │  │ plan asked ───────────────────┤
//!            │                                  │  ├─301/302, refused──► Failed    │
//!            │      Redirecting(hop ≤ 5) ◄─307/308┤                                │
//!            ├──────────────┘                   │         step result ◄────────────┘
//!            │      refresh token ◄──401 (once)─┤         (back to plan.next)
//!            ├──────────────┘                   │
//!            │  Waiting(Retry-After | backoff) ◄┴─429/503, connection failure,
//!            └──────────────┘                     timeout (a GET, or retry_after_timeout)
//!                 (over max_retries or max_wait → Failed; so is a pacing wait that the
//!                  server's rate limit stretches past max_wait)
//! ```
//!
//! Before each step the cancellation is checked, and a step may ask for a short wait first
//! (the genesys-cloud lookup). An end reached here after the plan has begun goes through
//! [`Plan::interrupted`], which adds what the server kept (a draft). Every transition is
//! reported as an [`ExecEvent`] as it happens. The record's `attempts`
//! and `steps` are not built beside the events: [`Run::emit`] folds each event it sends into
//! an [`AttemptLog`], and that log becomes the record's `steps` and `attempts`, so the
//! attempts panel, the CLI progress (which fold the same events) and the audit record cannot
//! disagree. Every wait and every request in flight is raced against the cancellation token.
//! A body is one `Bytes` sent again on each attempt (never a stream consumed by the first);
//! where the dialect has an Idempotency-Key, it is the correlation id throughout.

use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use reqwest::{Method, Url};
use serde_json::Value;
use tokio::sync::mpsc::{self, UnboundedSender};
use tokio_util::sync::CancellationToken;

use super::attempt_log::{AttemptLog, millis};
use super::auth::AccessToken;
use super::client::{TransportFailure, classify, error_chain};
use super::events::{ExecEvent, WaitReason};
use super::plan::{End, Next, OnLost, Plan, StepRequest, StepResult, Target};
use super::redirect::{self, RedirectDecision};
use super::remote::ReadError;
use super::request::{
    ApiRequest, Credentials, action_name, build_request, check_correlation_id, same_origin,
};
use super::response::{self, Answer};
use super::retry::{Cancelled, RetryAfter, backoff, deadline_after, retry_after, wait_until};
use super::{Inner, Submission};
use crate::audit::{AuditRecord, Exchange, Outcome, Redirect, body_value};

/// What the executor runs: one remote change.
#[derive(Debug)]
pub(super) enum Operation {
    Create(Submission),
    /// The action `target.id` changed to the submission's payload.
    Update {
        submission: Submission,
        target: Target,
    },
    /// The action `id` (named `name`, for the record) removed.
    Delete {
        id: String,
        name: String,
        /// The version the user saw (cxone-v2 `If-Match`).
        version: Option<u64>,
        correlation_id: Option<String>,
    },
    /// A test run on the platform of the action `id` (its draft when `draft`) with
    /// `input`; `shown_input` is what the record keeps of it (a `secure` action's values
    /// `[redacted]`).
    Test {
        id: String,
        name: String,
        draft: bool,
        input: Value,
        shown_input: Value,
        /// The action's own timeout: the platform's test waits that long for the target.
        action_timeout: Duration,
    },
}

impl Operation {
    /// The record's `operation`: absent for a create, as in every record written before
    /// there were others.
    fn name(&self) -> Option<&'static str> {
        match self {
            Operation::Create(_) => None,
            Operation::Update { .. } => Some("update"),
            Operation::Delete { .. } => Some("delete"),
            Operation::Test { .. } => Some("test"),
        }
    }
}

/// Runs `operation` to its end and returns its record, not yet written.
pub(super) async fn run(
    engine: &Inner,
    operation: Operation,
    events: &UnboundedSender<ExecEvent>,
    cancel: &CancellationToken,
) -> AuditRecord {
    let started = Instant::now();
    let profile = &engine.profile;
    let mut record = AuditRecord::new(Outcome::Failed);
    record.profile = profile.name.clone();
    record.api = Some(profile.api.as_str().to_string());
    record.operation = operation.name().map(str::to_string);
    let mut keeps_request_body = false;
    let (correlation_id, plan) = match operation {
        Operation::Create(submission) => {
            let body = Bytes::from(submission.payload);
            record.method = "POST".to_string();
            record.url = engine.create_url.to_string();
            record.action_name = action_name(&body);
            record.request = Exchange::new(Default::default(), body_value(&body));
            let plan = Plan::create(
                profile,
                &engine.api_base_url,
                &engine.create_url,
                body,
                submission.draft,
            );
            (submission.correlation_id, plan)
        }
        Operation::Update { submission, target } => {
            let body = Bytes::from(submission.payload);
            record.action_name = action_name(&body);
            record.remote_id = Some(target.id.clone());
            record.request = Exchange::new(Default::default(), body_value(&body));
            let plan = Plan::update(
                profile,
                &engine.api_base_url,
                &target,
                &body,
                submission.draft,
            );
            (submission.correlation_id, plan)
        }
        Operation::Delete {
            id,
            name,
            version,
            correlation_id,
        } => {
            record.method = "DELETE".to_string();
            record.action_name = name;
            record.remote_id = Some(id.clone());
            (
                correlation_id,
                Plan::delete(profile, &engine.api_base_url, &id, version),
            )
        }
        Operation::Test {
            id,
            name,
            draft,
            input,
            shown_input,
            action_timeout,
        } => {
            record.method = "POST".to_string();
            record.action_name = name;
            record.remote_id = Some(id.clone());
            record.request = Exchange::new(Default::default(), shown_input);
            keeps_request_body = true;
            (
                None,
                Plan::test(
                    profile,
                    &engine.api_base_url,
                    &id,
                    draft,
                    &input,
                    action_timeout,
                ),
            )
        }
    };
    let correlation_id = correlation_id.unwrap_or_else(super::new_correlation_id);
    record.correlation_id = correlation_id.clone();
    let mut run = Run {
        engine,
        events,
        cancel,
        correlation_id,
        record,
        attempts: AttemptLog::default(),
        steps: 0,
        refreshed: false,
        keeps_request_body,
    };
    let (end, remote) = match (check_correlation_id(&run.correlation_id), plan) {
        (Err(error), _) => (End::Failed(error), (None, None)),
        (Ok(()), Err(end)) => (end, (None, None)),
        (Ok(()), Ok(mut plan)) => {
            let end = run.execute(&mut plan).await;
            (end, plan.remote())
        }
    };
    let mut record = run.record;
    (record.steps, record.attempts) = run.attempts.into_steps_and_attempts();
    let (remote_id, version) = remote;
    record.remote_id = remote_id.or(record.remote_id);
    record.version = version;
    let (outcome, error) = match end {
        End::Created => (Outcome::Created, None),
        End::Drafted => (Outcome::Drafted, None),
        End::Updated => (Outcome::Updated, None),
        End::Deleted => (Outcome::Deleted, None),
        End::Passed => (Outcome::Passed, None),
        End::Rejected(e) => (Outcome::Rejected, Some(e)),
        End::Failed(e) => (Outcome::Failed, Some(e)),
        End::Cancelled(e) => (Outcome::Cancelled, Some(e)),
    };
    record.outcome = outcome;
    record.error = error;
    record.latency_ms = millis(started.elapsed());
    tracing::info!(
        correlation_id = %record.correlation_id,
        outcome = %record.outcome,
        status = ?record.status,
        steps = record.steps.len(),
        attempts = record.attempts.len(),
        latency_ms = record.latency_ms,
        "submission finished"
    );
    record
}

/// The state of one submission while it runs.
struct Run<'a> {
    engine: &'a Inner,
    events: &'a UnboundedSender<ExecEvent>,
    cancel: &'a CancellationToken,
    correlation_id: String,
    /// Everything but `steps` and `attempts`, which come from `attempts` at the end.
    record: AuditRecord,
    /// The fold of every event sent: the record's `steps` and `attempts`.
    attempts: AttemptLog,
    /// Steps sent so far (the first one's request is the record's `request`).
    steps: u32,
    /// The one token refresh after a 401 has been used (for the current step).
    refreshed: bool,
    /// The record's request body was set from what may be kept (a test's input, secure
    /// values redacted): the first step's body, sent in clear, does not replace it.
    keeps_request_body: bool,
}

impl Run<'_> {
    /// Reports `event` and folds it into the attempts the record will hold: the one way an
    /// attempt gets into the record.
    fn emit(&mut self, event: ExecEvent) {
        self.attempts.apply(&event);
        // A caller that stopped listening does not stop the submission.
        let _ = self.events.send(event);
    }

    /// Gets a token, then sends the plan's steps until it ends.
    async fn execute(&mut self, plan: &mut Plan) -> End {
        self.emit(ExecEvent::Authorizing);
        tracing::debug!(correlation_id = %self.correlation_id, "authorizing");
        let mut token = match self.race(self.engine.tokens.token()).await {
            None => return End::Cancelled("cancelled while getting a token".to_string()),
            Some(Err(e)) => return End::Failed(format!("cannot get an access token: {e}")),
            Some(Ok(token)) => token,
        };
        let mut last = None;
        loop {
            let step = match plan.next(last.take()) {
                Next::Done(end) => return end,
                Next::Send(step) => step,
            };
            if self.cancel.is_cancelled() {
                return plan.interrupted(End::Cancelled(format!(
                    "cancelled before the {} step",
                    step.name
                )));
            }
            self.steps += 1;
            // The top level describes the last step only; one 401 refresh per step.
            self.record.status = None;
            self.record.response = Exchange::default();
            self.refreshed = false;
            if self.steps == 1 {
                self.record.method = step.method.to_string();
                self.record.url = step.url.to_string();
                // A first step without a body (an update's draft from the action) keeps the
                // payload the record was given.
                if let Some(body) = &step.body
                    && !self.keeps_request_body
                {
                    self.record.request.body = body_value(body);
                }
            }
            if plan.has_steps() {
                self.emit(ExecEvent::StepStarted {
                    index: self.steps,
                    name: step.name.to_string(),
                    method: step.method.to_string(),
                    url: step.url.to_string(),
                });
                tracing::debug!(correlation_id = %self.correlation_id, step = step.name, url = %step.url, "step");
            }
            if !step.settle.is_zero() {
                tracing::debug!(correlation_id = %self.correlation_id, step = step.name, wait_ms = millis(step.settle), "settling");
                let until = deadline_after(Instant::now(), step.settle);
                if wait_until(until, self.cancel).await.is_err() {
                    return plan.interrupted(End::Cancelled(format!(
                        "cancelled before the {} step",
                        step.name
                    )));
                }
            }
            match self.step(&step, &mut token).await {
                Ok(result) => last = Some(result),
                Err(end) => return plan.interrupted(end),
            }
        }
    }

    /// Sends one step's request until it has a final answer: retries, waits, redirects and
    /// the token refresh happen here. `Err` ends the submission.
    async fn step(
        &mut self,
        step: &StepRequest,
        token: &mut AccessToken,
    ) -> Result<StepResult, End> {
        let profile = &self.engine.profile;
        let original = step.url.clone();
        let mut url = original.clone();
        let mut visited = vec![url.clone()];
        let mut retries: u32 = 0;
        loop {
            let on_origin = same_origin(&url, &original);
            let credentials = if on_origin {
                Credentials::Bearer(token.expose())
            } else {
                Credentials::None
            };
            let request = build_request(
                step.header_spec(profile, &self.correlation_id),
                step.method.clone(),
                &url,
                credentials,
                step.body.clone(),
            );
            if self.steps == 1 {
                self.record.request.headers = request.shown_headers();
            }
            if let Err(over) = request.budget(profile.header_budget_bytes).check() {
                return Err(End::Rejected(over.to_string()));
            }
            let n = self.attempts.next_attempt();
            let (result, sent_at) = self.send(&request, n, step.timeout).await?;
            let answer = match result {
                Ok(answer) => answer,
                Err(error) => {
                    let lost = matches!(classify(&error), TransportFailure::AfterSend);
                    if lost && step.on_lost == OnLost::Plan {
                        let text = error_chain(&error);
                        self.no_answer(ExecEvent::TransportFailed {
                            attempt: n,
                            latency: sent_at.elapsed(),
                            error: text.clone(),
                        });
                        return Ok(StepResult::Lost(format!(
                            "no answer to attempt {n}: {text}"
                        )));
                    }
                    self.after_transport_failure(n, sent_at, &url, &error, retries, step)
                        .await?;
                    retries += 1;
                    continue;
                }
            };
            self.record_answer(n, sent_at, &answer);
            let status = answer.status;
            // A gateway's error to a request the plan settles itself: it may have been
            // processed, so the plan finds out before anything is sent again.
            if step.on_lost == OnLost::Plan && matches!(status, 502..=504) {
                return Ok(StepResult::Lost(format!(
                    "attempt {n} was answered {status}"
                )));
            }
            match status {
                300..=399 => {
                    let hops = visited.len() - 1;
                    let location = answer.location.as_deref();
                    match redirect::decide(status, location, &url, &visited, hops) {
                        RedirectDecision::Follow(target) => {
                            self.note_redirect(status, &url, target.as_str(), true);
                            visited.push(target.clone());
                            url = target;
                        }
                        RedirectDecision::SeeOther(to) => {
                            self.note_redirect(status, &url, &to, true);
                            return Ok(StepResult::SeeOther(to));
                        }
                        RedirectDecision::Refuse { to, error } => {
                            // Recorded, not announced: the final error already says it.
                            self.note_redirect(status, &url, &to, false);
                            return Err(End::Failed(error));
                        }
                    }
                }
                // One refresh and one retry per step; a second 401 is the server's final word.
                401 if on_origin && !self.refreshed => {
                    self.refreshed = true;
                    *token = self.refresh(token).await?;
                }
                429 | 503 => {
                    self.after_busy(n, &answer, retries).await?;
                    retries += 1;
                }
                _ => return Ok(StepResult::Answered(answer)),
            }
        }
    }

    /// Waits for a send slot, then sends attempt `n` and reads the answer, racing both
    /// against the cancellation; `timeout` is the step's own limit on the attempt, when
    /// not the profile's. `Err` ends the submission.
    async fn send(
        &mut self,
        request: &ApiRequest,
        n: u32,
        timeout: Option<Duration>,
    ) -> Result<(Result<Answer, reqwest::Error>, Instant), End> {
        let mut outgoing = request
            .to_reqwest(&self.engine.client)
            .map_err(|e| End::Failed(format!("cannot build the request: {e}")))?;
        if let Some(limit) = timeout {
            *outgoing.timeout_mut() = Some(limit);
        }
        self.pace(n).await?;
        self.emit(ExecEvent::Sending {
            attempt: n,
            url: request.url.to_string(),
        });
        tracing::debug!(correlation_id = %self.correlation_id, attempt = n, url = %request.url, "sending");
        let sent_at = Instant::now();
        let client = self.engine.client.clone();
        let exchange = async move {
            match client.execute(outgoing).await {
                Ok(response) => Ok(response::read(response).await),
                Err(e) => Err(e),
            }
        };
        match self.race(exchange).await {
            Some(result) => Ok((result, sent_at)),
            None => {
                self.no_answer(ExecEvent::Abandoned {
                    attempt: n,
                    latency: sent_at.elapsed(),
                });
                let done = may_have(&request.method);
                Err(End::Cancelled(if done.is_empty() {
                    format!("cancelled while attempt {n} was in flight")
                } else {
                    format!("cancelled while attempt {n} was in flight; {done}")
                }))
            }
        }
    }

    /// Records a request that got no answer and waits before the retry; `Err` when it is
    /// not retried (certificate, unknown outcome of a request that is not safe to repeat
    /// without `retry_after_timeout`, no retries left, cancelled).
    async fn after_transport_failure(
        &mut self,
        n: u32,
        sent_at: Instant,
        url: &Url,
        error: &reqwest::Error,
        retries: u32,
        step: &StepRequest,
    ) -> Result<(), End> {
        let profile = &self.engine.profile;
        let text = error_chain(error);
        self.no_answer(ExecEvent::TransportFailed {
            attempt: n,
            latency: sent_at.elapsed(),
            error: text.clone(),
        });
        tracing::debug!(correlation_id = %self.correlation_id, attempt = n, error = %text, "transport failure");
        let failure = classify(error);
        match failure {
            TransportFailure::Certificate => {
                let host = url.host_str().unwrap_or_default();
                return Err(End::Failed(format!(
                    "TLS: the certificate of {host} is not trusted (if this server is yours, set ca_cert in the profile to its CA): {text}"
                )));
            }
            TransportFailure::AfterSend if !profile.retry_after_timeout && !step.is_safe() => {
                return Err(End::Failed(format!(
                    "outcome unknown: {} (no answer to attempt {n}: {text}); not retried because retry_after_timeout is off",
                    may_have(&step.method)
                )));
            }
            TransportFailure::NotSent | TransportFailure::AfterSend => {}
        }
        if retries >= profile.max_retries {
            let what = if matches!(failure, TransportFailure::NotSent) {
                "could not connect (nothing was sent): "
            } else {
                ""
            };
            return Err(End::Failed(format!(
                "gave up after {n} attempts (max_retries = {}): {what}{text}",
                profile.max_retries
            )));
        }
        let wait = backoff(retries).min(profile.max_wait);
        self.wait(n + 1, wait, WaitReason::Backoff)
            .await
            .map_err(|Cancelled| End::Cancelled("cancelled during a backoff wait".to_string()))
    }

    /// A 429 or 503: waits as the server asked (or backs off) before the retry; `Err` when
    /// no retries are left, the server asks for more than `max_wait`, or on cancel.
    async fn after_busy(&mut self, n: u32, answer: &Answer, retries: u32) -> Result<(), End> {
        let profile = &self.engine.profile;
        let status = answer.status;
        if retries >= profile.max_retries {
            return Err(End::Failed(format!(
                "gave up after {n} attempts (max_retries = {}): the server answered {status} ({})",
                profile.max_retries,
                response::reason_for(profile.api, status, &answer.body)
            )));
        }
        let (wait, reason) = match self.requested_wait(answer)? {
            Some(wait) => (wait, WaitReason::RetryAfter),
            None => (backoff(retries).min(profile.max_wait), WaitReason::Backoff),
        };
        self.wait(n + 1, wait, reason).await.map_err(|Cancelled| {
            End::Cancelled(format!(
                "cancelled during the {} wait after attempt {n}",
                reason.as_str()
            ))
        })
    }

    /// The wait a `Retry-After` asks for (`Ok(None)` without a usable one); over `max_wait`
    /// the submission ends at once, without waiting.
    fn requested_wait(&self, answer: &Answer) -> Result<Option<Duration>, End> {
        let Some(raw) = answer.retry_after.as_deref() else {
            return Ok(None);
        };
        let max_wait = self.engine.profile.max_wait;
        match retry_after(raw, SystemTime::now(), Instant::now(), max_wait) {
            RetryAfter::Ignored => Ok(None),
            RetryAfter::TooLong { wait } => Err(End::Failed(format!(
                "the server asked to wait {} s (Retry-After: {}), more than max_wait_s = {} s; not waiting",
                wait.as_secs(),
                crate::text::escape_controls(raw.trim()),
                max_wait.as_secs()
            ))),
            RetryAfter::Wait { wait, until } => {
                // Other submissions of this profile must not send before then either.
                self.engine.pacer.hold_until(until);
                Ok(Some(wait))
            }
        }
    }

    /// An attempt that got no response (`event` says how it ended). The record's `status`
    /// and `response` are the last attempt's (docs/audit.md: the final status, or null), so an earlier
    /// attempt's answer is cleared rather than left to pass for this one's.
    fn no_answer(&mut self, event: ExecEvent) {
        self.emit(event);
        self.record.status = None;
        self.record.response = Exchange::default();
    }

    fn record_answer(&mut self, n: u32, sent_at: Instant, answer: &Answer) {
        let latency = sent_at.elapsed();
        if let Some(rate) = &answer.rate {
            self.engine.pacer.observe(sent_at, rate);
        }
        self.record.status = Some(answer.status);
        self.record.response = Exchange::new(answer.headers.clone(), body_value(&answer.body));
        self.emit(ExecEvent::Responded {
            attempt: n,
            status: answer.status,
            latency,
            rate: answer.rate,
            retry_after: answer.retry_after.clone(),
            error: answer.body_error.clone().or_else(|| {
                answer.cut.then(|| {
                    format!(
                        "response body cut at {} bytes",
                        response::MAX_RESPONSE_BYTES
                    )
                })
            }),
        });
        tracing::debug!(correlation_id = %self.correlation_id, attempt = n, status = answer.status, "responded");
    }

    /// Records a redirect met; `taken` (a 307/308 followed, a 303 accepted) also reports
    /// it as an event.
    fn note_redirect(&mut self, status: u16, from: &Url, to: &str, taken: bool) {
        self.record.redirects.push(Redirect {
            status,
            from: from.to_string(),
            to: to.to_string(),
        });
        if taken {
            self.emit(ExecEvent::Redirected {
                status,
                from: from.to_string(),
                to: to.to_string(),
            });
        }
        tracing::debug!(correlation_id = %self.correlation_id, status, to, taken, "redirect");
    }

    /// After a 401: a new token (one refresh shared with every submission of the profile).
    async fn refresh(&mut self, rejected: &AccessToken) -> Result<AccessToken, End> {
        self.emit(ExecEvent::Authorizing);
        match self
            .race(self.engine.tokens.refresh_after_rejection(rejected))
            .await
        {
            None => Err(End::Cancelled(
                "cancelled while refreshing the token".to_string(),
            )),
            Some(Err(e)) => Err(End::Failed(format!(
                "the API rejected the token (401) and a new one could not be obtained: {e}"
            ))),
            Some(Ok(token)) => Ok(token),
        }
    }

    /// Takes a send slot from the profile's pacer and waits for it. A wait the server's rate
    /// limit imposes is held to `max_wait` like a `Retry-After` (a `Remaining: 0` with a
    /// `Reset` of an hour must not park the batch for an hour); one from the profile's own
    /// `rate_limit` is the user's choice and is not.
    async fn pace(&mut self, next: u32) -> Result<(), End> {
        let max_wait = self.engine.profile.max_wait;
        let at = match self.engine.pacer.reserve_within(max_wait) {
            Ok(at) => at,
            Err(too_long) => {
                return Err(End::Failed(format!(
                    "the server's rate limit asks to wait {} s, over max_wait_s = {} s; not waiting",
                    whole_seconds_up(too_long.wait),
                    max_wait.as_secs()
                )));
            }
        };
        let wait = at.saturating_duration_since(Instant::now());
        // Below a millisecond the wait is noise, not pacing worth showing.
        if wait < Duration::from_millis(1) {
            return Ok(());
        }
        self.wait(next, wait, WaitReason::Pacing)
            .await
            .map_err(|Cancelled| End::Cancelled("cancelled while waiting for a send slot".into()))
    }

    /// A cancellable wait before attempt `next`, reported (the report adds it to the
    /// previous attempt's `wait_ms`).
    async fn wait(
        &mut self,
        next: u32,
        wait: Duration,
        reason: WaitReason,
    ) -> Result<(), Cancelled> {
        let until = deadline_after(Instant::now(), wait);
        self.emit(ExecEvent::Waiting {
            attempt: next,
            until,
            wait,
            reason,
        });
        tracing::debug!(correlation_id = %self.correlation_id, next, wait_ms = millis(wait), reason = reason.as_str(), "waiting");
        wait_until(until, self.cancel).await
    }

    /// `fut`, unless the submission is cancelled first (`None`). Dropping `fut` drops the
    /// request in flight with it.
    async fn race<T>(&self, fut: impl Future<Output = T>) -> Option<T> {
        tokio::select! {
            biased;
            () = self.cancel.cancelled() => None,
            value = fut => Some(value),
        }
    }
}

/// One read (`GET url`) with the machinery of every step (the shared token and its
/// refresh, pacing, retries with `Retry-After` or backoff, redirects, the header budget,
/// cancellation); the 2xx answer, or why there is none (a 4xx is [`ReadError::Refused`]).
/// Reads change nothing, so they make no record and report no events.
pub(super) async fn read(
    engine: &Inner,
    url: &Url,
    correlation_id: &str,
    cancel: &CancellationToken,
) -> Result<Answer, ReadError> {
    // Nobody listens: a read's attempts are not shown.
    let (events, _) = mpsc::unbounded_channel();
    let mut run = Run {
        engine,
        events: &events,
        cancel,
        correlation_id: correlation_id.to_string(),
        record: AuditRecord::new(Outcome::Failed),
        attempts: AttemptLog::default(),
        steps: 1,
        refreshed: false,
        keeps_request_body: false,
    };
    let mut token = match run.race(engine.tokens.token()).await {
        None => return Err(ReadError::Cancelled),
        Some(Err(e)) => {
            return Err(ReadError::Failed(format!(
                "cannot get an access token: {e}"
            )));
        }
        Some(Ok(token)) => token,
    };
    let step = StepRequest {
        name: "read",
        method: Method::GET,
        url: url.clone(),
        body: None,
        timeout: None,
        on_lost: OnLost::Executor,
        if_match: None,
        settle: Duration::ZERO,
    };
    let api = engine.profile.api;
    match run.step(&step, &mut token).await {
        Ok(StepResult::Answered(answer)) => match answer.status {
            200..=299 => Ok(answer),
            status @ 400..=499 => Err(ReadError::Refused {
                status,
                reason: response::reason_for(api, status, &answer.body),
            }),
            status => Err(ReadError::Failed(format!(
                "the server answered {status}: {}",
                response::reason_for(api, status, &answer.body)
            ))),
        },
        Ok(StepResult::SeeOther(to)) => Err(ReadError::Failed(format!(
            "the server answered 303 See Other ({}) to a read",
            crate::text::escape_controls(&to)
        ))),
        Ok(StepResult::Lost(error)) => Err(ReadError::Failed(error)),
        Err(End::Cancelled(_)) => Err(ReadError::Cancelled),
        Err(End::Rejected(e) | End::Failed(e)) => Err(ReadError::Failed(e)),
        Err(other) => Err(ReadError::Failed(format!(
            "internal error: a read ended {other:?}"
        ))),
    }
}

/// What a request whose answer was lost may have done: `the server may have created it`
/// (a POST), `changed it` (PUT, PATCH), `deleted it`; empty for a read.
fn may_have(method: &Method) -> &'static str {
    match *method {
        Method::POST => "the server may have created it",
        Method::PUT | Method::PATCH => "the server may have changed it",
        Method::DELETE => "the server may have deleted it",
        _ => "",
    }
}

/// Whole seconds, rounded up: a wait of 3599.2 s is not "3599 s".
fn whole_seconds_up(duration: Duration) -> u64 {
    duration
        .as_secs()
        .saturating_add(u64::from(duration.subsec_nanos() > 0))
}
