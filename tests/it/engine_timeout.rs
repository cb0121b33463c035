//! A response lost to the client timeout: retried with the same Idempotency-Key when
//! `retry_after_timeout` is on (the server keeps one action), else failed as unknown.

use crate::engine_common;

use std::time::Duration;

use cxda::audit::Outcome;
use engine_common::*;
use serde_json::json;

fn slow_profile(sandbox: &cxda::sandbox::SandboxHandle, retry: bool) -> cxda::config::Profile {
    let mut profile = profile(sandbox);
    profile.timeout = Duration::from_millis(500);
    profile.retry_after_timeout = retry;
    profile
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timed_out_create_is_retried_with_the_same_key_and_stored_once() {
    let sandbox = start(faults(json!({ "latency_ms": 1500 }))).await;
    let (engine, _dir) = engine(slow_profile(&sandbox, true));

    let done = submit_named(&engine, "slow-but-once").await;

    let record = &done.record;
    assert_eq!(record.outcome, Outcome::Created, "{:?}", record.error);
    assert_eq!(statuses(record), [None, Some(201)]);
    assert!(record.attempts[0].error.is_some());
    assert_eq!(
        record.request.headers.get("X-Correlation-ID"),
        Some(record.correlation_id.as_str())
    );
    // Two creates, one action: the second carried the first one's Idempotency-Key and got
    // the stored response replayed.
    assert_eq!(sandbox.stats().create_requests, 2);
    assert_eq!(stored_count(&sandbox).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_retry_after_timeout_a_timed_out_create_fails_as_unknown_and_is_not_resent() {
    let sandbox = start(faults(json!({ "latency_ms": 1500 }))).await;
    let (engine, _dir) = engine(slow_profile(&sandbox, false));

    let done = submit_named(&engine, "slow-unknown").await;

    let record = &done.record;
    assert_eq!(record.outcome, Outcome::Failed);
    let error = record.error.as_deref().unwrap_or_default();
    assert!(
        error.contains("outcome unknown: the server may have created it"),
        "{error}"
    );
    assert_eq!(record.attempts.len(), 1);
    assert_eq!(sandbox.stats().create_requests, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_connection_is_retried_then_fails_naming_the_cause() {
    // Bind and drop: a loopback port with nobody listening refuses at once.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let sandbox = start(cxda::sandbox::Faults::off()).await;
    let mut profile = profile(&sandbox);
    let base = reqwest::Url::parse(&format!("http://127.0.0.1:{port}")).expect("url");
    let connection = profile.connection.clone().expect("connection");
    profile.connection = Some(cxda::config::Connection {
        create_url: profile.api.create_url(&base).expect("create url"),
        api_base_url: base,
        ..connection
    });
    profile.max_retries = 2;
    let (engine, _dir) = engine(profile);

    let done = submit_named(&engine, "nobody-home").await;

    let record = &done.record;
    assert_eq!(record.outcome, Outcome::Failed);
    assert_eq!(statuses(record), [None, None, None]);
    let error = record.error.as_deref().unwrap_or_default();
    assert!(error.contains(&format!("127.0.0.1:{port}")), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_tls_handshake_is_retried_as_a_connection_failure_not_an_unknown_outcome() {
    // Accepts connections and never says a word: every TLS handshake stalls.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    // Tokens come from a real sandbox; only the create goes to the silent listener.
    let sandbox = start(cxda::sandbox::Faults::off()).await;
    let mut profile = profile(&sandbox);
    let base = reqwest::Url::parse(&format!("https://127.0.0.1:{port}")).expect("url");
    let connection = profile.connection.clone().expect("connection");
    profile.connection = Some(cxda::config::Connection {
        create_url: profile.api.create_url(&base).expect("create url"),
        api_base_url: base,
        ..connection
    });
    // The connect timeout is then 1.5 s: half a second ahead of the request timeout, room
    // enough for a busy machine to still see the connect timer fire first.
    profile.timeout = Duration::from_secs(2);
    profile.retry_after_timeout = false;
    profile.max_retries = 1;
    let (engine, _dir) = engine(profile);

    let done = submit_named(&engine, "silent-handshake").await;

    silent.abort();
    let record = &done.record;
    assert_eq!(record.outcome, Outcome::Failed);
    assert_eq!(statuses(record), [None, None], "retried: {record:?}");
    let error = record.error.as_deref().unwrap_or_default();
    assert!(!error.contains("outcome unknown"), "{error}");
    assert!(error.contains("could not connect"), "{error}");
    assert_eq!(record.status, None);
}
