//! The header budget: measured over exactly what is sent, checked after the token and
//! before the create; over it nothing is sent. The preview shows the same headers, with the
//! same total the server measures.

use crate::engine_common;

use cxda::audit::Outcome;
use cxda::config::{ExtraHeader, Profile};
use cxda::engine::{AuthorizationSize, Engine};
use cxda::sandbox::Faults;
use engine_common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extra_headers_over_the_budget_are_rejected_and_nothing_is_sent() {
    let sandbox = start(Faults::off()).await;
    let mut profile = profile(&sandbox);
    profile.extra_headers.push(ExtraHeader {
        name: "X-Trace-Context".to_string(),
        value: "t".repeat(9000),
    });
    let (engine, _dir) = engine(profile);

    let done = submit_named(&engine, "too-many-headers").await;

    let record = &done.record;
    assert_eq!(record.outcome, Outcome::Rejected);
    assert_eq!(record.status, None);
    assert!(record.attempts.is_empty());
    let error = record.error.as_deref().unwrap_or_default();
    assert!(error.contains("8192-byte budget"), "{error}");
    assert!(
        error.contains("X-Trace-Context"),
        "names the largest header: {error}"
    );
    assert_eq!(sandbox.stats().create_requests, 0);
}

/// A profile with an `X-Pad` extra header padded so the preview's total is `total`.
async fn padded_to(
    sandbox: &cxda::sandbox::SandboxHandle,
    total: usize,
    budget: usize,
) -> (Engine, tempfile::TempDir) {
    let mut profile: Profile = profile(sandbox);
    profile.header_budget_bytes = budget;
    profile.extra_headers.push(ExtraHeader {
        name: "X-Pad".to_string(),
        value: String::new(),
    });
    let (probe, _dir) = engine(profile.clone());
    let _ = submit_named(&probe, "warm-up").await; // a cached token makes the preview exact
    let preview = probe.preview(&payload("padded"));
    assert_eq!(preview.authorization, AuthorizationSize::CachedToken);
    profile.extra_headers[0].value = "p".repeat(total - preview.budget.total);
    engine(profile)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headers_exactly_at_the_budget_are_sent_and_accepted() {
    let sandbox = start(Faults::off()).await;
    let (engine, _dir) = padded_to(&sandbox, 8192, 8192).await;

    let done = submit_named(&engine, "padded").await;

    assert_eq!(
        done.record.outcome,
        Outcome::Created,
        "{:?}",
        done.record.error
    );
    assert_eq!(responses(&sandbox, 431), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_preview_total_is_what_the_server_measures() {
    // One byte over 8192 by the preview's count, with the engine's own budget raised so it
    // sends anyway: the sandbox, counting the bytes it received, must refuse with 431.
    let sandbox = start(Faults::off()).await;
    let (engine, _dir) = padded_to(&sandbox, 8193, 9000).await;

    let done = submit_named(&engine, "padded").await;

    assert_eq!(done.record.outcome, Outcome::Rejected);
    assert_eq!(done.record.status, Some(431));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_preview_shows_the_headers_sent_with_authorization_redacted() {
    let sandbox = start(Faults::off()).await;
    let (engine, _dir) = engine(profile(&sandbox));
    let before = engine.preview(&payload("preview"));
    assert!(matches!(
        before.authorization,
        AuthorizationSize::Estimated { .. }
    ));

    let done = submit_named(&engine, "preview").await;
    let after = engine.preview(&payload("preview"));

    assert_eq!(after.authorization, AuthorizationSize::CachedToken);
    assert_eq!(
        after.headers.get("Authorization"),
        Some("Bearer [redacted]")
    );
    let sent: Vec<&str> = done.record.request.headers.iter().map(|(n, _)| n).collect();
    let shown: Vec<&str> = after.headers.iter().map(|(n, _)| n).collect();
    assert_eq!(sent, shown);
    assert_eq!(
        before.budget.total, after.budget.total,
        "the sandbox estimate is exact"
    );
}
