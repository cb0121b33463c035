//! The audit record a submission leaves: every PRODUCT §5 field, and no secret anywhere
//! under the data dir.

use crate::engine_common;

use cxda::audit::Outcome;
use cxda::config::ExtraHeader;
use cxda::engine::ExecEvent;
use cxda::sandbox::Faults;
use engine_common::*;
use serde_json::Value;

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
