//! Webhook delivery (docs/engine.md, Webhooks) to the sandbox's receiver: the fields, the
//! retry, and a failure that never fails the submission but is recorded.

use crate::engine_common;

use std::time::Duration;

use cxda::audit::{Filter, Outcome};
use cxda::sandbox::Faults;
use engine_common::*;
use reqwest::Url;
use serde_json::json;

fn webhook_profile(sandbox: &cxda::sandbox::SandboxHandle, url: &str) -> cxda::config::Profile {
    let mut profile = profile(sandbox);
    profile.webhook_url = Some(Url::parse(url).expect("webhook url"));
    profile
}

/// The one webhook delivery record in the audit history under `dir`.
fn delivery_record(dir: &std::path::Path) -> cxda::audit::AuditRecord {
    let page = cxda::audit::AuditReader::new(dir)
        .newest(10, Filter::default())
        .expect("history");
    let mut deliveries = page.records.into_iter().filter(|r| r.outcome.is_webhook());
    let delivery = deliveries.next().expect("a delivery record");
    assert!(deliveries.next().is_none(), "one delivery record");
    delivery
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_created_submission_is_announced_with_every_field_and_recorded() {
    let sandbox = start(Faults::off()).await;
    let url = format!("{}/_sandbox/webhook", sandbox.base_url());
    let (engine, dir) = engine(webhook_profile(&sandbox, &url));

    let done = submit_named(&engine, "announced").await;
    assert_eq!(engine.drain_webhooks(Duration::from_secs(10)).await, 0);

    let inbox = webhook_inbox(&sandbox).await;
    assert_eq!(inbox.len(), 1, "{inbox:?}");
    let body = &inbox[0]["body"];
    let record = &done.record;
    assert_eq!(body["event"], "data_action.created");
    assert_eq!(body["status"], 201);
    assert_eq!(body["outcome"], "created");
    assert_eq!(body["latency_ms"], record.latency_ms);
    assert_eq!(body["correlation_id"], record.correlation_id.as_str());
    assert_eq!(body["action_name"], "announced");
    assert_eq!(body["audit_id"], record.id.to_string());
    assert!(body["timestamp"].as_str().is_some_and(|t| t.ends_with('Z')));
    let delivery = delivery_record(dir.path());
    assert_eq!(delivery.outcome, Outcome::WebhookDelivered);
    assert_eq!(delivery.correlation_id, record.correlation_id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_submission_is_announced_as_failed() {
    let sandbox = start(Faults::off()).await;
    let url = format!("{}/_sandbox/webhook", sandbox.base_url());
    let (engine, _dir) = engine(webhook_profile(&sandbox, &url));
    let _ = submit_named(&engine, "twice").await;

    let second = submit_named(&engine, "twice").await;
    engine.drain_webhooks(Duration::from_secs(10)).await;

    assert_eq!(second.record.outcome, Outcome::Rejected);
    let inbox = webhook_inbox(&sandbox).await;
    let failed = inbox
        .iter()
        .find(|d| d["body"]["correlation_id"] == second.record.correlation_id.as_str())
        .expect("the second delivery");
    assert_eq!(failed["body"]["event"], "data_action.failed");
    assert_eq!(failed["body"]["status"], 409);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_that_fails_once_is_retried_and_delivered() {
    let sandbox = start(faults(json!({ "webhook_fail": 1 }))).await;
    let url = format!("{}/_sandbox/webhook", sandbox.base_url());
    let (engine, dir) = engine(webhook_profile(&sandbox, &url));

    let done = submit_named(&engine, "second-time-lucky").await;
    assert_eq!(engine.drain_webhooks(Duration::from_secs(10)).await, 0);

    assert_eq!(webhook_inbox(&sandbox).await.len(), 1);
    let delivery = delivery_record(dir.path());
    assert_eq!(delivery.outcome, Outcome::WebhookDelivered);
    assert_eq!(statuses(&delivery), [Some(503), Some(200)]);
    assert_eq!(delivery.correlation_id, done.record.correlation_id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_webhook_does_not_fail_the_submission_and_is_recorded() {
    let sandbox = start(faults(json!({ "webhook_fail": 100 }))).await;
    let url = format!("{}/_sandbox/webhook", sandbox.base_url());
    let (engine, dir) = engine(webhook_profile(&sandbox, &url));

    let done = submit_named(&engine, "unheard").await;
    assert_eq!(
        done.record.outcome,
        Outcome::Created,
        "{:?}",
        done.record.error
    );
    assert_eq!(engine.drain_webhooks(Duration::from_secs(10)).await, 0);

    let delivery = delivery_record(dir.path());
    assert_eq!(delivery.outcome, Outcome::WebhookFailed);
    assert_eq!(delivery.correlation_id, done.record.correlation_id);
    assert_eq!(delivery.attempts.len(), 3);
    assert!(delivery.error.as_deref().is_some_and(|e| e.contains("503")));
    let submission = read_back(dir.path(), &done.record);
    assert_eq!(submission.outcome, Outcome::Created);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_delivery_ends_at_once_and_is_recorded_as_cancelled() {
    // A receiver that accepts the delivery and never answers.
    let receiver = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a receiver");
    let url = format!("http://{}/hook", receiver.local_addr().expect("address"));
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((stream, _)) = receiver.accept().await {
            open.push(stream);
        }
    });
    let sandbox = start(Faults::off()).await;
    let (engine, dir) = engine(webhook_profile(&sandbox, &url));
    let done = submit_named(&engine, "unheard").await;
    assert_eq!(done.record.outcome, Outcome::Created);
    // Still in flight after a while: nothing answers.
    assert_eq!(engine.drain_webhooks(Duration::from_millis(300)).await, 1);

    engine.cancel_webhooks();
    assert_eq!(engine.drain_webhooks(Duration::from_secs(5)).await, 0);
    let delivery = delivery_record(dir.path());
    assert_eq!(delivery.outcome, Outcome::WebhookFailed);
    let error = delivery.error.as_deref().unwrap_or_default();
    assert!(error.contains("cancelled"), "{error}");
    assert_eq!(delivery.attempts.len(), 1, "{:?}", delivery.attempts);
    assert_eq!(delivery.correlation_id, done.record.correlation_id);
    held.abort();
}
