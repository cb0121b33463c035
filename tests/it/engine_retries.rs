//! Retries against the real sandbox: 429 with Retry-After, giving up after `max_retries`,
//! a Retry-After beyond `max_wait_s`, and cancelling a backoff wait.

use crate::engine_common;

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use cxda::audit::Outcome;
use cxda::engine::{ExecEvent, WaitReason};
use engine_common::*;
use serde_json::json;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_429s_then_created_on_attempt_three_after_waiting_retry_after() {
    let sandbox = start(faults(json!({ "fail_429": 2 }))).await;
    let (engine, _dir) = engine(profile(&sandbox));
    let started = Instant::now();

    let done = submit_named(&engine, "after-two-429").await;

    let record = &done.record;
    assert_eq!(record.outcome, Outcome::Created, "{:?}", record.error);
    assert_eq!(statuses(record), [Some(429), Some(429), Some(201)]);
    assert_eq!(record.attempts[0].retry_after.as_deref(), Some("1"));
    assert!(record.attempts[0].wait_ms >= 1000 && record.attempts[1].wait_ms >= 1000);
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        waits(&done.events),
        [WaitReason::RetryAfter, WaitReason::RetryAfter]
    );
    assert!(matches!(done.events.last(), Some(ExecEvent::Finished(_))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_429s_fail_after_max_retries_with_every_attempt_recorded() {
    let sandbox = start(faults(json!({ "fail_429": 1000 }))).await;
    let mut profile = profile(&sandbox);
    profile.max_retries = 2;
    let (engine, _dir) = engine(profile);

    let done = submit_named(&engine, "always-429").await;

    let record = &done.record;
    assert_eq!(record.outcome, Outcome::Failed);
    assert_eq!(statuses(record), [Some(429), Some(429), Some(429)]);
    assert_eq!(
        record.attempts.iter().map(|a| a.n).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert_eq!(record.status, Some(429));
    let error = record.error.as_deref().unwrap_or_default();
    assert!(
        error.contains("max_retries = 2") && error.contains("429"),
        "{error}"
    );
    assert_eq!(sandbox.stats().create_requests, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_over_max_wait_fails_at_once_naming_the_figure() {
    // One create per 1000-hour window: the second gets a Retry-After of up to weeks.
    let sandbox = start(faults(json!({ "rate_limit": "1/1000h" }))).await;
    let mut profile = profile(&sandbox);
    profile.max_wait = Duration::from_secs(30);
    let (first_engine, _dir1) = engine(profile.clone());
    let first = submit_named(&first_engine, "takes-the-slot").await;
    assert_eq!(first.record.outcome, Outcome::Created);
    let (engine, _dir2) = engine(profile);
    let started = Instant::now();

    let done = submit_named(&engine, "told-to-wait").await;

    assert!(started.elapsed() < Duration::from_secs(5), "it waited");
    let record = &done.record;
    assert_eq!(record.outcome, Outcome::Failed);
    assert_eq!(statuses(record), [Some(429)]);
    let asked = record.attempts[0].retry_after.clone().expect("Retry-After");
    let error = record.error.as_deref().unwrap_or_default();
    assert!(error.contains(&format!("wait {asked} s")), "{error}");
    assert!(error.contains("max_wait_s = 30 s"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_during_a_backoff_wait_returns_within_100ms_and_records_cancelled() {
    // 503 without Retry-After: the backoff path. Cancel in the first wait long enough to be
    // sure the cancel lands inside it.
    let sandbox = start(faults(json!({ "error_rate": 1.0 }))).await;
    let mut profile = profile(&sandbox);
    profile.max_retries = 30;
    let (engine, dir) = engine(profile);
    let (tx, mut rx) = mpsc::unbounded_channel();
    let cancel = CancellationToken::new();
    let task = {
        let engine = engine.clone();
        let cancel = cancel.clone();
        tokio::spawn(async move { engine.submit(submission("cancelled"), tx, cancel).await })
    };

    let cancelled_at = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(event) = rx.recv().await {
            if let ExecEvent::Waiting {
                reason: WaitReason::Backoff,
                wait,
                ..
            } = event
                && wait >= Duration::from_millis(300)
            {
                let at = Instant::now();
                cancel.cancel();
                return at;
            }
        }
        panic!("the submission ended without a long backoff wait");
    })
    .await
    .expect("a long backoff wait within a minute");
    let record = task.await.expect("task").expect("record written");
    let elapsed = cancelled_at.elapsed();

    assert!(elapsed < Duration::from_millis(100), "took {elapsed:?}");
    assert_eq!(record.outcome, Outcome::Cancelled);
    assert!(record.attempts.iter().all(|a| a.status == Some(503)));
    let written = read_back(dir.path(), &record);
    assert_eq!(written.outcome, Outcome::Cancelled);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_rate_limit_wait_over_max_wait_fails_at_once_naming_the_figure() {
    // The sandbox's windows are whole hours of the epoch: keep clear of the next boundary,
    // where the window would reset within max_wait.
    let into_hour = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
        % 3600;
    if into_hour > 3600 - 30 {
        tokio::time::sleep(Duration::from_secs(3600 - into_hour + 1)).await;
    }
    let sandbox = start(faults(json!({ "rate_limit": "1/h" }))).await;
    let mut profile = profile(&sandbox);
    profile.max_wait = Duration::from_secs(2);
    let (engine, _dir) = engine(profile);
    let first = submit_named(&engine, "takes-the-hour").await;
    assert_eq!(
        first.record.outcome,
        Outcome::Created,
        "{:?}",
        first.record.error
    );
    let reset = first.record.attempts[0]
        .rate_limit
        .and_then(|r| r.reset)
        .expect("X-RateLimit-Reset");
    let started = Instant::now();

    // Same engine: its pacer learnt from the first answer that this hour's one create is
    // spent, and would wait for the next window.
    let done = submit_named(&engine, "paced-past-max-wait").await;

    assert!(started.elapsed() < Duration::from_secs(5), "it waited");
    let record = &done.record;
    assert_eq!(record.outcome, Outcome::Failed);
    assert!(record.attempts.is_empty(), "nothing was sent: {record:?}");
    assert_eq!(sandbox.stats().create_requests, 1);
    let error = record.error.as_deref().unwrap_or_default();
    let figure: u64 = error
        .strip_prefix("the server's rate limit asks to wait ")
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("names the wait: {error}"));
    assert!(
        figure.abs_diff(reset) <= 1,
        "{figure} s vs Reset: {reset}: {error}"
    );
    assert!(error.contains("over max_wait_s = 2 s"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_the_last_attempt_gets_no_answer_the_status_is_null_not_an_earlier_ones() {
    // Attempt 1: an injected 429 (answered at once). Attempt 2: stored, but answered after
    // the client has timed out.
    let sandbox = start(faults(json!({ "fail_429": 1, "latency_ms": 1500 }))).await;
    let mut profile = profile(&sandbox);
    profile.timeout = Duration::from_millis(500);
    profile.retry_after_timeout = false;
    let (engine, dir) = engine(profile);

    let done = submit_named(&engine, "answer-lost").await;

    let record = read_back(dir.path(), &done.record);
    assert_eq!(record.outcome, Outcome::Failed);
    assert_eq!(statuses(&record), [Some(429), None]);
    assert_eq!(record.status, None);
    assert!(record.response.headers.is_empty(), "{:?}", record.response);
    assert_eq!(record.response.body, serde_json::Value::Null);
}
