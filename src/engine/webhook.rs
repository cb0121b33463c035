//! Webhook delivery (docs/engine.md, Webhooks): after a submission's record is durable, a
//! background task POSTs a summary to the profile's `webhook_url`, retries a few times on
//! failure, and adds its own audit record (`webhook_delivered` / `webhook_failed`, same
//! correlation id).
//!
//! It never delays the submission's result: the task is spawned after the result exists.
//! Tasks are counted ([`Deliveries`]) so a headless command can wait for them, bounded,
//! before it exits ([`super::Engine::drain_webhooks`]); one that must exit sooner (the
//! studio, quitting) cancels those still running ([`super::Engine::cancel_webhooks`]), and
//! each is recorded `webhook_failed`, saying it was cancelled, within milliseconds.
//!
//! The URL may carry credentials (`user:password@`, `?token=…`): the record and the log
//! line show it through [`redact_url`], transport errors are taken without the URL reqwest
//! puts in them, and the engine's redactor knows the credentials' values
//! ([`crate::audit::Redactor::with_url_secrets`]) for any other place that quotes them.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::Url;
use reqwest::header::{CONTENT_TYPE, HeaderValue};
use serde_json::{Value, json};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::Inner;
use super::client::{USER_AGENT, error_chain};
use super::response;
use crate::audit::{
    Attempt, AuditRecord, Exchange, Headers, Outcome, REDACTED, body_value, redact_url,
};
use crate::time::{format_rfc3339_ms, now_ms};

/// Attempts per delivery, and the pause before each retry (short: the result is already
/// out, this only keeps a receiver that blinked from missing the event).
const ATTEMPTS: u32 = 3;
const RETRY_PAUSES: [Duration; 2] = [Duration::from_millis(250), Duration::from_millis(750)];

/// Deliveries still running, shared by every engine of a profile (the studio's, whatever
/// extra headers it sends now).
#[derive(Debug, Default)]
pub(super) struct Deliveries {
    running: AtomicUsize,
    changed: Notify,
    /// Cancels every delivery running or started from now on.
    cancel: CancellationToken,
}

/// Decrements the count when the task ends, however it ends (a panic included).
struct Running(Arc<Inner>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.webhooks.running.fetch_sub(1, Ordering::AcqRel);
        self.0.webhooks.changed.notify_waiters();
    }
}

impl Deliveries {
    /// How many are running now.
    pub(super) fn running(&self) -> usize {
        self.running.load(Ordering::Acquire)
    }

    /// Cancels the deliveries: each ends at once and is recorded as cancelled.
    pub(super) fn cancel(&self) {
        self.cancel.cancel();
    }

    /// Waits until none is running or `timeout` passes; how many are still running.
    pub(super) async fn drain(&self, timeout: Duration) -> usize {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            // Registered before the count is read, so a task ending in between still wakes us.
            notified.as_mut().enable();
            let running = self.running.load(Ordering::Acquire);
            if running == 0 {
                return 0;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.running.load(Ordering::Acquire);
            }
        }
    }
}

/// Starts the delivery for `submission` (its written record) in the background.
pub(super) fn spawn(engine: Arc<Inner>, url: Url, submission: &AuditRecord) {
    let payload = event_body(submission);
    let correlation_id = submission.correlation_id.clone();
    let action_name = submission.action_name.clone();
    engine.webhooks.running.fetch_add(1, Ordering::AcqRel);
    let guard = Running(engine);
    tokio::spawn(async move {
        let engine = Arc::clone(&guard.0);
        let mut record = deliver(&engine, &url, payload, correlation_id, action_name).await;
        engine.redactor.redact_record(&mut record);
        log_outcome(&record);
        if let Err(e) = engine.audit.append_async(record).await {
            tracing::warn!(error = %e, "cannot record a webhook delivery");
        }
        drop(guard);
    });
}

/// The event body (docs/engine.md, Webhooks): `failed` covers every outcome but `created`.
pub fn event_body(record: &AuditRecord) -> Value {
    let event = if record.outcome == Outcome::Created {
        "data_action.created"
    } else {
        "data_action.failed"
    };
    json!({
        "event": event,
        "timestamp": format_rfc3339_ms(now_ms()),
        "status": record.status,
        "outcome": record.outcome.as_str(),
        "latency_ms": record.latency_ms,
        "correlation_id": record.correlation_id,
        "action_name": record.action_name,
        "audit_id": record.id.to_string(),
    })
}

async fn deliver(
    engine: &Inner,
    url: &Url,
    payload: Value,
    correlation_id: String,
    action_name: String,
) -> AuditRecord {
    let started = Instant::now();
    let body = Bytes::from(payload.to_string());
    let mut record = AuditRecord::new(Outcome::WebhookFailed);
    record.profile = engine.profile.name.clone();
    record.correlation_id = correlation_id;
    record.method = "POST".to_string();
    record.url = redact_url(url.as_str()).into_owned();
    record.action_name = action_name;
    let mut headers: Headers = [
        ("Content-Type", "application/json"),
        ("User-Agent", USER_AGENT),
    ]
    .into_iter()
    .collect();
    if !url.username().is_empty() || url.password().is_some() {
        // reqwest sends a URL's `user:password@` as Basic credentials.
        headers.push("Authorization", REDACTED);
    }
    record.request = Exchange::new(headers, payload);

    let mut last_error = String::new();
    let cancel = &engine.webhooks.cancel;
    for n in 1..=ATTEMPTS {
        let sent_at = Instant::now();
        let exchange = async {
            let result = engine
                .client
                .post(url.clone())
                .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                .body(body.clone())
                .send()
                .await;
            match result {
                Ok(reply) => Ok(response::read(reply).await),
                Err(e) => Err(e),
            }
        };
        let result = tokio::select! {
            biased;
            () = cancel.cancelled() => {
                record.attempts.push(Attempt {
                    n,
                    latency_ms: elapsed_ms(sent_at),
                    error: Some("cancelled in flight".to_string()),
                    ..Attempt::default()
                });
                return cancelled(record, started, &format!("attempt {n} was in flight"));
            }
            result = exchange => result,
        };
        let latency_ms = u64::try_from(sent_at.elapsed().as_millis()).unwrap_or(u64::MAX);
        let mut attempt = Attempt {
            n,
            latency_ms,
            ..Attempt::default()
        };
        match result {
            Ok(answer) => {
                attempt.status = Some(answer.status);
                attempt.retry_after = answer.retry_after.clone();
                record.status = Some(answer.status);
                record.response = Exchange::new(answer.headers.clone(), body_value(&answer.body));
                if (200..300).contains(&answer.status) {
                    record.attempts.push(attempt);
                    record.outcome = Outcome::WebhookDelivered;
                    record.error = None;
                    record.latency_ms = elapsed_ms(started);
                    return record;
                }
                last_error = format!(
                    "the webhook answered {}: {}",
                    answer.status,
                    response::reason(answer.status, &answer.body)
                );
            }
            Err(e) => {
                // The record shows the URL, without its credentials; the error's copy of
                // it would show the query's.
                let e = e.without_url();
                last_error = format!("the webhook could not be reached: {}", error_chain(&e));
                attempt.error = Some(last_error.clone());
            }
        }
        if let Some(pause) = RETRY_PAUSES.get(usize::try_from(n - 1).unwrap_or(usize::MAX)) {
            attempt.wait_ms = u64::try_from(pause.as_millis()).unwrap_or(u64::MAX);
            record.attempts.push(attempt);
            tokio::select! {
                biased;
                () = cancel.cancelled() => {
                    return cancelled(record, started, &format!("waiting to retry after attempt {n}"));
                }
                () = tokio::time::sleep(*pause) => {}
            }
        } else {
            record.attempts.push(attempt);
        }
    }
    record.error = Some(format!(
        "not delivered after {ATTEMPTS} attempts: {last_error}"
    ));
    record.latency_ms = elapsed_ms(started);
    record
}

/// A delivery ended by [`Deliveries::cancel`] (`when`: what it was doing): not delivered.
fn cancelled(mut record: AuditRecord, started: Instant, when: &str) -> AuditRecord {
    record.outcome = Outcome::WebhookFailed;
    record.error = Some(format!("not delivered: cancelled when cxda quit ({when})"));
    record.latency_ms = elapsed_ms(started);
    record
}

/// One line per delivery, from the redacted record: where it went and how it ended.
fn log_outcome(record: &AuditRecord) {
    let attempts = record.attempts.len();
    if record.outcome == Outcome::WebhookDelivered {
        tracing::info!(correlation_id = %record.correlation_id, url = %record.url, attempts, "webhook delivered");
    } else {
        let error = record.error.as_deref().unwrap_or_default();
        tracing::warn!(correlation_id = %record.correlation_id, url = %record.url, attempts, error, "webhook not delivered");
    }
}

fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_outcome_but_created_is_a_failed_event() {
        let mut record = AuditRecord::new(Outcome::Rejected);
        record.status = Some(409);
        record.correlation_id = "c1".into();
        let body = event_body(&record);
        assert_eq!(body["event"], "data_action.failed");
        assert_eq!(body["outcome"], "rejected");
        assert_eq!(body["status"], 409);
        assert_eq!(body["audit_id"], record.id.to_string());
        record.outcome = Outcome::Created;
        assert_eq!(event_body(&record)["event"], "data_action.created");
    }

    #[test]
    fn the_body_has_every_field_of_the_event() {
        let body = event_body(&AuditRecord::new(Outcome::Cancelled));
        for key in [
            "event",
            "timestamp",
            "status",
            "outcome",
            "latency_ms",
            "correlation_id",
            "action_name",
            "audit_id",
        ] {
            assert!(body.get(key).is_some(), "{key}");
        }
    }
}
