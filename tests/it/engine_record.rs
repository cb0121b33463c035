//! The audit record a submission leaves: every field the audit format names, attempts that
//! are the fold of the events the submission reported, and no secret anywhere under the
//! data dir.

use crate::engine_common;

use std::time::Duration;

use cxda::audit::Outcome;
use cxda::config::ExtraHeader;
use cxda::engine::{AttemptLog, ExecEvent, WaitReason};
use cxda::sandbox::Faults;
use engine_common::*;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Asserts that the record's attempts are what the events fold to, with the reducer the
/// attempts panel and the CLI progress use.
fn assert_attempts_are_the_fold(record: &cxda::audit::AuditRecord, events: &[ExecEvent]) {
    let fold: AttemptLog = events.iter().collect();
    assert_eq!(fold.attempts(), record.attempts, "{events:#?}");
    assert!(fold.wait().is_none(), "no wait outlives the submission");
}

/// `http://127.0.0.1:PORT` with nothing listening on PORT (bound, then released).
fn nothing_listens() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("local addr").port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_records_attempts_are_the_fold_of_the_events_through_retries_and_a_redirect() {
    // A 429 with Retry-After, then a 307 to a port nothing listens on: two connection
    // failures with a backoff between, then no retries left.
    let dead = format!("{}/api/v2/data-actions/moved", nothing_listens());
    let sandbox = start(faults(json!({
        "fail_429": 1,
        "redirect": "307",
        "redirect_location": dead,
    })))
    .await;
    let mut profile = profile(&sandbox);
    profile.max_retries = 2;
    let (engine, _dir) = engine(profile);

    let done = submit_named(&engine, "folded-retries").await;

    let record = &done.record;
    assert_eq!(record.outcome, Outcome::Failed, "{:?}", record.error);
    assert_eq!(statuses(record), [Some(429), Some(307), None, None]);
    assert_eq!(record.attempts[0].retry_after.as_deref(), Some("1"));
    assert!(record.attempts[0].wait_ms >= 1_000, "{record:?}");
    assert!(record.attempts[2].error.is_some(), "{record:?}");
    assert_eq!(
        waits(&done.events),
        [WaitReason::RetryAfter, WaitReason::Backoff]
    );
    assert_attempts_are_the_fold(record, &done.events);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_records_attempts_are_the_fold_of_the_events_through_503_backoffs() {
    let sandbox = start(faults(json!({ "error_rate": 1.0 }))).await;
    let mut profile = profile(&sandbox);
    profile.max_retries = 2;
    let (engine, _dir) = engine(profile);

    let done = submit_named(&engine, "folded-503").await;

    assert_eq!(statuses(&done.record), [Some(503), Some(503), Some(503)]);
    assert_eq!(
        waits(&done.events),
        [WaitReason::Backoff, WaitReason::Backoff]
    );
    assert_attempts_are_the_fold(&done.record, &done.events);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attempt_cancelled_in_flight_is_reported_and_recorded_alike() {
    // The sandbox answers 3 s after storing: the cancel lands while attempt 1 is in flight.
    let sandbox = start(faults(json!({ "latency_ms": 3_000 }))).await;
    let (engine, _dir) = engine(profile(&sandbox));
    let (tx, mut rx) = mpsc::unbounded_channel();
    let cancel = CancellationToken::new();
    let task = {
        let engine = engine.clone();
        let cancel = cancel.clone();
        tokio::spawn(async move { engine.submit(submission("in-flight"), tx, cancel).await })
    };
    let events = tokio::time::timeout(Duration::from_secs(30), async {
        let mut events = Vec::new();
        while let Some(event) = rx.recv().await {
            if matches!(event, ExecEvent::Sending { .. }) {
                cancel.cancel();
            }
            events.push(event);
        }
        events
    })
    .await
    .expect("the submission ends");
    let record = task.await.expect("task").expect("record written");

    assert_eq!(record.outcome, Outcome::Cancelled);
    assert_eq!(statuses(&record), [None]);
    assert_eq!(
        record.attempts[0].error.as_deref(),
        Some(cxda::engine::attempt_log::CANCELLED_IN_FLIGHT)
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, ExecEvent::Abandoned { attempt: 1, .. })),
        "{events:?}"
    );
    assert_attempts_are_the_fold(&record, &events);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_created_record_has_every_field_and_is_reported_last() {
    let sandbox = start(Faults::default()).await;
    let (engine, dir) = engine(profile(&sandbox));

    let done = submit_named(&engine, "recorded").await;

    let record = read_back(dir.path(), &done.record);
    assert_eq!(record, done.record, "what was returned is what was written");
    assert_eq!(record.profile, "sandbox");
    assert_eq!(record.method, "POST");
    assert!(record.url.ends_with("/api/v2/data-actions"));
    assert_eq!(record.action_name, "recorded");
    assert_eq!(record.outcome, Outcome::Created);
    assert_eq!(record.status, Some(201));
    assert_eq!(record.error, None);
    assert_eq!(record.attempts.len(), 1);
    let rate = record.attempts[0]
        .rate_limit
        .expect("the sandbox's X-RateLimit-*");
    assert_eq!(rate.limit, Some(100));
    assert_eq!(
        record.request.headers.get("X-Correlation-ID"),
        Some(record.correlation_id.as_str())
    );
    assert_eq!(record.request.body["name"], "recorded");
    assert!(record.response.headers.get("location").is_some());
    assert!(cxda::engine::created_id(&record).is_some_and(|id| id.starts_with("da_")));
    let kinds: Vec<&str> = done
        .events
        .iter()
        .map(|e| match e {
            ExecEvent::Authorizing => "authorizing",
            ExecEvent::Sending { .. } => "sending",
            ExecEvent::Responded { .. } => "responded",
            ExecEvent::Finished(_) => "finished",
            _ => "other",
        })
        .collect();
    assert_eq!(kinds, ["authorizing", "sending", "responded", "finished"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_the_data_dir() {
    let sandbox = start(Faults::off()).await;
    let mut profile = profile(&sandbox);
    profile.extra_headers.push(ExtraHeader {
        name: "X-Api-Key".to_string(),
        value: "literal-key-value-123".to_string(),
    });
    let (engine, dir) = engine(profile);

    let done = submit_named(&engine, "secretive").await;
    assert_eq!(
        done.record.outcome,
        Outcome::Created,
        "{:?}",
        done.record.error
    );

    let text = data_dir_text(dir.path());
    assert!(!text.contains("sandbox-secret"));
    assert!(
        !text.contains("c2FuZGJveDpzYW5kYm94LXNlY3JldA"),
        "Basic encoding"
    );
    assert!(!text.contains("sbx_"), "a token");
    assert!(!text.contains("literal-key-value-123"));
    let line: Value = serde_json::from_str(text.lines().next().expect("a line")).expect("json");
    assert_eq!(line["request"]["headers"][3][1], "[redacted]", "{line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_payload_is_rejected_with_the_servers_reasons() {
    let sandbox = start(Faults::off()).await;
    let (engine, _dir) = engine(profile(&sandbox));

    let done = submit(
        &engine,
        cxda::engine::Submission {
            payload: r#"{"name":"x","type":"SOAP"}"#.to_string(),
            ..Default::default()
        },
    )
    .await;

    let record = &done.record;
    assert_eq!(record.outcome, Outcome::Rejected);
    assert_eq!(record.status, Some(400));
    let error = record.error.as_deref().unwrap_or_default();
    assert!(
        error.contains("/type") || error.contains("/configuration"),
        "{error}"
    );
}
