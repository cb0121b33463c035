//! The engine's use of tokens against the real sandbox: one token shared by many
//! submissions, a refresh before a short-lived token expires, and a 401 answered by one
//! refresh and one retry.

use crate::engine_common;

use std::time::Duration;

use cxda::audit::Outcome;
use cxda::sandbox::{Faults, SandboxConfig};
use engine_common::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_submissions_share_one_token() {
    let sandbox = start(Faults::off()).await;
    let (engine, _dir) = engine(profile(&sandbox));
    let mut tasks = Vec::new();
    for i in 0..50 {
        let engine = engine.clone();
        tasks.push(tokio::spawn(async move {
            submit_named(&engine, &format!("shared-token-{i}")).await
        }));
    }
    for task in tasks {
        let done = task.await.expect("task");
        assert_eq!(
            done.record.outcome,
            Outcome::Created,
            "{:?}",
            done.record.error
        );
    }
    assert_eq!(sandbox.stats().token_requests, 1);
    assert_eq!(responses(&sandbox, 201), 50);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_lived_token_is_refreshed_before_it_expires() {
    let sandbox = start(faults(json!({ "token_ttl_s": 2 }))).await;
    let (engine, _dir) = engine(profile(&sandbox));
    let first = submit_named(&engine, "short-ttl-1").await;
    assert_eq!(
        first.record.outcome,
        Outcome::Created,
        "{:?}",
        first.record.error
    );
    let expires = engine.token_info().expect("a cached token").expires_at;
    // The refresh margin is at most half the lifetime, so past the expiry it is certainly due.
    tokio::time::sleep_until(tokio::time::Instant::from_std(expires)).await;
    let second = submit_named(&engine, "short-ttl-2").await;
    assert_eq!(
        second.record.outcome,
        Outcome::Created,
        "{:?}",
        second.record.error
    );
    assert_eq!(sandbox.stats().token_requests, 2);
    assert_eq!(
        responses(&sandbox, 401),
        0,
        "the expired token was never sent"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_401_refreshes_the_token_once_and_the_retry_is_created() {
    // A token the server no longer knows: the sandbox is restarted on the same port, so the
    // engine's cached token (still valid by its clock) is rejected.
    let first = start(Faults::off()).await;
    let addr = first.addr();
    let (engine, _dir) = engine(profile(&first));
    let before = submit_named(&engine, "before-restart").await;
    assert_eq!(before.record.outcome, Outcome::Created);
    first.shutdown().await;
    let second = eventually(
        "the port to be free again",
        Duration::from_secs(10),
        || async {
            cxda::sandbox::Sandbox::start(SandboxConfig {
                addr,
                faults: Faults::off(),
                ..SandboxConfig::default()
            })
            .await
            .ok()
        },
    )
    .await;

    let after = submit_named(&engine, "after-restart").await;

    assert_eq!(
        after.record.outcome,
        Outcome::Created,
        "{:?}",
        after.record.error
    );
    let statuses = statuses(&after.record);
    assert_eq!(statuses[statuses.len() - 2..], [Some(401), Some(201)]);
    assert_eq!(second.stats().token_requests, 1);
    assert_eq!(responses(&second, 401), 1);
    assert_eq!(responses(&second, 201), 1);
}

/// The studio adds a tracking header by deriving an engine: the header is sent from then
/// on, and the token fetched before is reused (no second token request).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_engine_with_an_added_header_sends_it_and_keeps_the_token() {
    let sandbox = start(Faults::off()).await;
    let (engine, _dir) = engine(profile(&sandbox));
    let before = submit_named(&engine, "before-header").await;
    assert_eq!(
        before.record.outcome,
        Outcome::Created,
        "{:?}",
        before.record.error
    );
    assert_eq!(before.record.request.headers.get("X-Trace"), None);

    let traced = engine.with_extra_headers(vec![cxda::config::ExtraHeader {
        name: "X-Trace".into(),
        value: "ticket-42".into(),
    }]);
    let after = submit_named(&traced, "after-header").await;
    assert_eq!(
        after.record.outcome,
        Outcome::Created,
        "{:?}",
        after.record.error
    );
    assert_eq!(
        after.record.request.headers.get("X-Trace"),
        Some("ticket-42")
    );
    assert_eq!(
        sandbox.stats().token_requests,
        1,
        "the token was fetched again"
    );
    // The original engine is unchanged.
    let plain = submit_named(&engine, "without-header").await;
    assert_eq!(plain.record.request.headers.get("X-Trace"), None);
}

/// A secret-looking header added in the studio is scrubbed by value too: when the server
/// echoes it back (here it comes back in the created action's description), the audit
/// file does not hold it in clear.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_added_secret_looking_header_is_scrubbed_wherever_it_shows() {
    const VALUE: &str = "live-key-5f2c9a71d3";
    let sandbox = start(Faults::off()).await;
    let (engine, dir) = engine(profile(&sandbox));
    let keyed = engine.with_extra_headers(vec![cxda::config::ExtraHeader {
        name: "X-Api-Key".into(),
        value: VALUE.into(),
    }]);
    let mut payload: serde_json::Value =
        serde_json::from_str(&submission("echoed-key").payload).expect("payload");
    payload["description"] = json!(format!("calls with {VALUE}"));
    let done = submit(
        &keyed,
        cxda::engine::Submission {
            payload: payload.to_string(),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(
        done.record.outcome,
        Outcome::Created,
        "{:?}",
        done.record.error
    );
    let stored = data_dir_text(dir.path());
    assert!(stored.contains("echoed-key"), "the record was not written");
    assert!(
        !stored.contains(VALUE),
        "the header's value reached the data dir"
    );
}
