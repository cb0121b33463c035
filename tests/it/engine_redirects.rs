//! Redirects of the create POST against the real sandbox: 307/308 followed with the body,
//! 301/302 refused with the reason, 303 taken as processed, loops stopped, credentials kept
//! to the original origin, and https→http refused.

use crate::engine_common;

use cxda::audit::Outcome;
use cxda::config::ExtraHeader;
use cxda::engine::ExecEvent;
use cxda::sandbox::Faults;
use engine_common::*;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn temporary_redirect_is_followed_with_method_and_body() {
    let sandbox = start(faults(json!({ "redirect": "307" }))).await;
    let (engine, _dir) = engine(profile(&sandbox));

    let done = submit_named(&engine, "via-307").await;

    let record = &done.record;
    assert_eq!(record.outcome, Outcome::Created, "{:?}", record.error);
    assert_eq!(statuses(record), [Some(307), Some(201)]);
    assert_eq!(record.redirects.len(), 1);
    assert!(
        record.redirects[0]
            .to
            .ends_with("/api/v2/data-actions/moved")
    );
    assert_eq!(
        record.response.body["name"], "via-307",
        "the body reached the target"
    );
    assert_eq!(stored_count(&sandbox).await, 1);
    assert!(
        done.events
            .iter()
            .any(|e| matches!(e, ExecEvent::Redirected { status: 307, .. }))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permanent_redirect_is_followed_too() {
    let sandbox = start(faults(json!({ "redirect": "308" }))).await;
    let (engine, _dir) = engine(profile(&sandbox));

    let done = submit_named(&engine, "via-308").await;

    assert_eq!(
        done.record.outcome,
        Outcome::Created,
        "{:?}",
        done.record.error
    );
    assert_eq!(statuses(&done.record), [Some(308), Some(201)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn found_is_not_followed_and_the_error_explains_the_lost_payload() {
    let sandbox = start(faults(json!({ "redirect": "302" }))).await;
    let (engine, _dir) = engine(profile(&sandbox));

    let done = submit_named(&engine, "via-302").await;

    let record = &done.record;
    assert_eq!(record.outcome, Outcome::Failed);
    assert_eq!(record.status, Some(302));
    let error = record.error.as_deref().unwrap_or_default();
    assert!(error.contains("into a GET"), "{error}");
    assert!(error.contains("dropped its body"), "{error}");
    assert!(
        error.contains("/api/v2/data-actions/moved"),
        "names the Location: {error}"
    );
    assert_eq!(sandbox.stats().create_requests, 1);
    assert_eq!(stored_count(&sandbox).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_redirect_is_recorded_but_not_reported_as_a_redirect_event() {
    let sandbox = start(faults(json!({ "redirect": "302" }))).await;
    let (engine, _dir) = engine(profile(&sandbox));

    let done = submit_named(&engine, "refused-302").await;

    let statuses: Vec<u16> = done.record.redirects.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [302]);
    assert!(
        !done
            .events
            .iter()
            .any(|e| matches!(e, ExecEvent::Redirected { .. })),
        "{:?}",
        done.events
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_loop_is_stopped_at_the_first_repeat() {
    let sandbox = start(faults(json!({ "redirect": "loop" }))).await;
    let (engine, _dir) = engine(profile(&sandbox));

    let done = submit_named(&engine, "in-a-loop").await;

    let record = &done.record;
    assert_eq!(record.outcome, Outcome::Failed);
    let error = record.error.as_deref().unwrap_or_default();
    assert!(error.contains("redirect loop"), "{error}");
    // A → B (followed), B → A (seen): two requests, no more.
    assert_eq!(statuses(record), [Some(307), Some(307)]);
    assert_eq!(sandbox.stats().create_requests, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn see_other_is_created_with_the_location_and_one_request() {
    let sandbox = start(faults(json!({ "redirect": "303" }))).await;
    let (engine, _dir) = engine(profile(&sandbox));

    let done = submit_named(&engine, "via-303").await;

    let record = &done.record;
    assert_eq!(record.outcome, Outcome::Created, "{:?}", record.error);
    assert_eq!(record.status, Some(303));
    assert_eq!(record.redirects.len(), 1);
    assert!(
        record.redirects[0].to.contains("/api/v2/data-actions/da_"),
        "{:?}",
        record.redirects
    );
    assert_eq!(sandbox.stats().create_requests, 1);
    assert_eq!(stored_count(&sandbox).await, 1);
    let id = cxda::engine::created_id(record).expect("an id");
    assert!(id.starts_with("da_"), "{id}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_to_another_origin_carries_neither_authorization_nor_extra_headers() {
    // The second sandbox's webhook receiver records whatever is POSTed to it, headers
    // included (an Authorization would show as "[redacted]"), and answers 200.
    let other = start(Faults::off()).await;
    let sandbox = start(faults(json!({
        "redirect": "307",
        "redirect_location": format!("{}/_sandbox/webhook", other.base_url()),
    })))
    .await;
    let mut profile = profile(&sandbox);
    profile.extra_headers.push(ExtraHeader {
        name: "X-Team".to_string(),
        value: "billing".to_string(),
    });
    let (engine, _dir) = engine(profile);

    let done = submit_named(&engine, "cross-origin").await;

    assert_eq!(
        done.record.outcome,
        Outcome::Created,
        "{:?}",
        done.record.error
    );
    let inbox = webhook_inbox(&other).await;
    assert_eq!(inbox.len(), 1, "{inbox:?}");
    let headers = inbox[0]["headers"].as_object().expect("headers");
    assert!(!headers.contains_key("authorization"), "{headers:?}");
    assert!(!headers.contains_key("x-team"), "{headers:?}");
    assert_eq!(
        headers.get("idempotency-key"),
        Some(&Value::String(done.record.correlation_id.clone()))
    );
    assert_eq!(
        inbox[0]["body"]["name"], "cross-origin",
        "the body was carried"
    );
    let sent = &done.record.request.headers;
    assert_eq!(
        sent.get("authorization"),
        None,
        "the record shows the last request as sent"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_from_https_to_http_is_refused() {
    let plain = start(Faults::off()).await;
    let sandbox = start_tls(faults(json!({
        "redirect": "307",
        "redirect_location": format!("{}/api/v2/data-actions", plain.base_url()),
    })))
    .await;
    let mut profile = profile(&sandbox);
    trust(&mut profile, &sandbox);
    let (engine, _dir) = engine(profile);

    let done = submit_named(&engine, "downgrade").await;

    let record = &done.record;
    assert_eq!(record.outcome, Outcome::Failed);
    let error = record.error.as_deref().unwrap_or_default();
    assert!(error.contains("https to plain http"), "{error}");
    assert_eq!(plain.stats().create_requests, 0);
    assert_eq!(plain.stats().token_requests, 0);
}
