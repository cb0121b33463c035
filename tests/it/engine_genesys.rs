//! The genesys-cloud create against the real sandbox over HTTP: drafts → validation →
//! publish as the steps of one record, `--draft`, a draft that fails validation (kept and
//! named), a publish whose version went stale in between, the platform's `ErrorBody` as
//! the reason, and no second action after a drafts answer that was lost.

use std::time::Duration;

use cxda::audit::Outcome;
use cxda::engine::ExecEvent;
use cxda::rate::RateSpec;
use cxda::sandbox::Faults;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::engine_common::{engine, faults, read_back, side_client, start, submit};
use crate::engine_genesys_common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_is_draft_validation_publish_in_one_record() {
    // A window the answers report, far from being reached.
    let sandbox = start(faults(json!({"rate_limit": "1000/s"}))).await;
    let (engine, dir) = engine(profile(&sandbox));
    let (record, events) =
        submit_watching(&engine, submission(&payload("Three steps")), async |_| {}).await;

    assert_eq!(record.outcome, Outcome::Created, "{:?}", record.error);
    assert_eq!(
        steps(&record),
        [
            ("draft", Some(200)),
            ("validation", Some(200)),
            ("publish", Some(200))
        ]
    );
    assert_eq!(record.api.as_deref(), Some("genesys-cloud"));
    let id = record.remote_id.clone().expect("the action's id");
    assert_eq!(
        record.version,
        Some(2),
        "the sandbox publishes draft 1 as 2"
    );
    assert_eq!(record.response.body["id"], id.as_str());
    // The record's request is the first step's: the drafts POST and its headers.
    assert_eq!(record.method, "POST");
    assert!(
        record.url.ends_with("/api/v2/integrations/actions/drafts"),
        "{}",
        record.url
    );
    assert!(record.request.headers.get("Idempotency-Key").is_none());
    assert!(record.request.headers.get("X-Correlation-ID").is_some());
    // Top-level status and attempts are the last step's.
    assert_eq!(record.status, Some(200));
    assert_eq!(record.attempts, record.steps[2].attempts);
    assert!(
        record.steps[1]
            .url
            .ends_with(&format!("/{id}/draft/validation"))
    );
    assert_eq!(record.steps[1].method, "GET");
    // Announced as they started, numbered from 1.
    let started: Vec<(u32, String)> = events
        .iter()
        .filter_map(|e| match e {
            ExecEvent::StepStarted { index, name, .. } => Some((*index, name.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        started,
        [
            (1, "draft".to_string()),
            (2, "validation".to_string()),
            (3, "publish".to_string())
        ]
    );
    // The platform's rate-limit headers were read into each attempt.
    let rate = record.steps[0].attempts[0]
        .rate_limit
        .expect("inin-ratelimit-* read");
    assert_eq!(rate.limit, Some(1000), "{rate:?}");
    assert!(rate.remaining.is_some_and(|r| r < 1000), "{rate:?}");
    // The action is published on the server, and the record is durable as returned.
    let (status, action) = api_get(&sandbox, &format!("/{id}")).await;
    assert_eq!(status, 200, "{action}");
    assert_eq!(action["version"], 2);
    assert_eq!(read_back(dir.path(), &record), record);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draft_stops_after_a_valid_validation() {
    let sandbox = start(Faults::off()).await;
    let (engine, _dir) = engine(profile(&sandbox));
    let mut draft = submission(&payload("Only a draft"));
    draft.draft = true;
    let done = submit(&engine, draft).await;
    let record = &done.record;

    assert_eq!(record.outcome, Outcome::Drafted, "{:?}", record.error);
    assert_eq!(record.error, None);
    assert_eq!(
        steps(record),
        [("draft", Some(200)), ("validation", Some(200))]
    );
    let id = record.remote_id.clone().expect("the draft's id");
    assert_eq!(record.version, Some(1));
    let (status, _) = api_get(&sandbox, &format!("/{id}/draft")).await;
    assert_eq!(status, 200, "the draft is on the server");
    let (status, _) = api_get(&sandbox, &format!("/{id}")).await;
    assert_eq!(status, 404, "and nothing was published");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_draft_is_rejected_with_its_errors_and_kept() {
    let sandbox = start(Faults::off()).await;
    let (engine, _dir) = engine(profile(&sandbox));
    let mut invalid = payload("Invalid draft");
    invalid["config"]["request"]["requestType"] = json!("FETCH");
    let done = submit(&engine, submission(&invalid)).await;
    let record = &done.record;

    assert_eq!(record.outcome, Outcome::Rejected);
    assert_eq!(
        steps(record),
        [("draft", Some(200)), ("validation", Some(200))]
    );
    let id = record.remote_id.clone().expect("the draft's id");
    let error = record.error.as_deref().unwrap_or_default();
    assert!(error.starts_with("draft validation failed: "), "{error}");
    assert!(error.contains("requestType"), "{error}");
    assert!(
        error.ends_with(&format!("draft {id} kept; fix and push again or delete it")),
        "{error}"
    );
    // Every error the platform gave is in the record whole.
    assert_eq!(record.response.body["valid"], false);
    let (status, _) = api_get(&sandbox, &format!("/{id}/draft")).await;
    assert_eq!(status, 200, "the draft is kept");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_shows_the_error_body_code_message_details_and_context_id() {
    let sandbox = start(Faults::off()).await;
    let (engine, _dir) = engine(profile(&sandbox));
    let mut no_category = payload("No category");
    no_category
        .as_object_mut()
        .expect("object")
        .remove("category");
    let done = submit(&engine, submission(&no_category)).await;
    let record = &done.record;

    assert_eq!(record.outcome, Outcome::Rejected);
    assert_eq!(record.status, Some(400));
    assert_eq!(steps(record), [("draft", Some(400))]);
    let body = &record.response.body;
    let context = body["contextId"].as_str().expect("a contextId");
    assert_eq!(body["code"], "bad.request", "{body}");
    let message = body["message"].as_str().expect("a message");
    let details: Vec<String> = body["details"]
        .as_array()
        .expect("details")
        .iter()
        .map(|d| {
            [&d["errorCode"], &d["fieldName"]]
                .iter()
                .filter_map(|v| v.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    assert!(!details.is_empty(), "{body}");
    let mut expected = format!("bad.request: {message}");
    for detail in &details {
        expected.push_str(&format!("; {detail}"));
    }
    expected.push_str(&format!("; contextId: {context}"));
    assert_eq!(record.error.as_deref(), Some(expected.as_str()));
    assert!(expected.contains("category"), "{expected}");
    assert_eq!(record.remote_id, None, "no draft was made");
}

/// The profile at one request a second: the engine waits (pacing) before each step after
/// the first, and yields there.
fn paced(sandbox: &cxda::sandbox::SandboxHandle) -> cxda::config::Profile {
    let mut profile = profile(sandbox);
    profile.rate_limit = Some(RateSpec {
        count: 1,
        period: Duration::from_secs(1),
    });
    profile
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_publish_whose_version_went_stale_is_rejected_and_the_draft_kept() {
    let sandbox = start(Faults::off()).await;
    // The draft is changed on the server while the engine waits to send the publish. The
    // submission runs inside `submit_watching`'s loop, so it is not polled while the PATCH
    // below runs: the publish cannot leave before the draft has changed, and carries the
    // version the drafts answer gave.
    let (engine, _dir) = engine(paced(&sandbox));
    let base = sandbox.base_url();
    let token = side_token(&sandbox).await;
    let mut patched = false;
    let (record, _) = submit_watching(&engine, submission(&payload("Goes stale")), async |event| {
        if let ExecEvent::StepStarted { name, url, .. } = event
            && name == "publish"
        {
            let draft_url = url.trim_end_matches("/publish");
            let response = side_client()
                .patch(draft_url)
                .bearer_auth(&token)
                .json(&json!({"version": 1, "category": "changed"}))
                .send()
                .await
                .expect("the PATCH is answered");
            assert_eq!(response.status().as_u16(), 200, "{base}");
            patched = true;
        }
    })
    .await;
    assert!(patched, "the draft was changed before the publish");

    assert_eq!(record.outcome, Outcome::Rejected, "{:?}", record.error);
    assert_eq!(
        steps(&record),
        [
            ("draft", Some(200)),
            ("validation", Some(200)),
            ("publish", Some(400))
        ]
    );
    let id = record.remote_id.clone().expect("the draft's id");
    let error = record.error.as_deref().unwrap_or_default();
    assert!(error.starts_with("bad.request: "), "{error}");
    assert!(
        error.contains("does not match the current version"),
        "{error}"
    );
    assert!(error.contains("; contextId: "), "{error}");
    assert!(
        error.ends_with(&format!("draft {id} kept; fix and push again or delete it")),
        "{error}"
    );
    let (status, draft) = api_get(&sandbox, &format!("/{id}/draft")).await;
    assert_eq!((status, &draft["version"]), (200, &json!(2)), "{draft}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_drafts_answer_is_looked_up_and_no_second_action_is_made() {
    // The drafts answer comes 1.5 s after the draft is stored, past the 0.5 s timeout.
    let sandbox = start(faults(json!({"latency_ms": 1500}))).await;
    let mut profile = profile(&sandbox);
    profile.timeout = Duration::from_millis(500);
    // Off, and still retried: the lookup is what makes it safe.
    profile.retry_after_timeout = false;
    let (engine, _dir) = engine(profile);
    let done = submit(&engine, submission(&payload("Lost answer"))).await;
    let record = &done.record;

    assert_eq!(record.outcome, Outcome::Created, "{:?}", record.error);
    assert_eq!(
        steps(record),
        [
            ("draft", None),
            ("lookup", Some(200)),
            ("validation", Some(200)),
            ("publish", Some(200))
        ]
    );
    assert!(
        record.steps[0].attempts[0].error.is_some(),
        "{:?}",
        record.steps[0]
    );
    let lookup = &record.steps[1].url;
    assert!(
        lookup.contains("/api/v2/integrations/actions/drafts?name=Lost+answer&")
            && lookup.contains("&includeConfig=true&sortBy=name&sortOrder=ASC&pageSize=100&"),
        "{lookup}"
    );
    assert_eq!(named(&sandbox, "", "Lost answer").await, 1, "one action");
    assert_eq!(
        named(&sandbox, "/drafts", "Lost answer").await,
        0,
        "published"
    );
    assert_eq!(
        record.remote_id.as_deref(),
        Some(record.response.body["id"].as_str().unwrap_or_default())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_503_to_the_drafts_request_is_looked_up_before_it_is_sent_again() {
    // Every drafts request is answered 503 with nothing stored.
    let sandbox = start(faults(json!({"error_rate": 1.0}))).await;
    let mut profile = profile(&sandbox);
    profile.max_retries = 1;
    profile.max_wait = Duration::from_millis(100);
    let (engine, _dir) = engine(profile);
    let done = submit(&engine, submission(&payload("Gateway"))).await;
    let record = &done.record;

    assert_eq!(record.outcome, Outcome::Failed, "{:?}", record.error);
    assert_eq!(
        steps(record),
        [
            ("draft", Some(503)),
            ("lookup", Some(200)),
            ("draft", Some(503)),
            ("lookup", Some(200))
        ]
    );
    let error = record.error.as_deref().unwrap_or_default();
    assert!(error.contains("gave up after 2 drafts requests"), "{error}");
    assert!(
        error.contains("was found, so none was sent again"),
        "{error}"
    );
    assert_eq!(named(&sandbox, "/drafts", "Gateway").await, 0, "no draft");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_while_waiting_to_look_up_ends_before_the_lookup_step() {
    // The drafts answer comes after the timeout; the engine then waits (the timeout, 0.3 s)
    // before the lookup, and the cancel comes in that wait.
    let sandbox = start(faults(json!({"latency_ms": 1500}))).await;
    let mut profile = profile(&sandbox);
    profile.timeout = Duration::from_millis(300);
    let (engine, _dir) = engine(profile);
    let cancel = CancellationToken::new();
    let (record, _) = submit_cancellable(
        &engine,
        submission(&payload("Cancel lookup")),
        cancel.clone(),
        async |event| {
            if matches!(event, ExecEvent::TransportFailed { .. }) {
                cancel.cancel();
            }
        },
    )
    .await;

    assert_eq!(record.outcome, Outcome::Cancelled, "{:?}", record.error);
    let error = record.error.as_deref().unwrap_or_default();
    assert!(
        error.starts_with("cancelled before the lookup step"),
        "{error}"
    );
    assert!(
        error.contains("a draft named \"Cancel lookup\" may exist"),
        "{error}"
    );
    assert!(
        !error.contains("in flight"),
        "no request was in flight: {error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_end_the_engine_reaches_after_the_draft_names_the_kept_draft() {
    let sandbox = start(Faults::off()).await;
    // The engine is cancelled while it waits to send the publish.
    let (engine, _dir) = engine(paced(&sandbox));
    let cancel = CancellationToken::new();
    let (record, _) = submit_cancellable(
        &engine,
        submission(&payload("Cancel publish")),
        cancel.clone(),
        async |event| {
            if let ExecEvent::StepStarted { name, .. } = event
                && name == "publish"
            {
                cancel.cancel();
            }
        },
    )
    .await;

    assert_eq!(record.outcome, Outcome::Cancelled, "{:?}", record.error);
    let id = record.remote_id.clone().expect("the draft's id");
    let error = record.error.as_deref().unwrap_or_default();
    assert!(
        error.ends_with(&format!(
            "; draft {id} kept; fix and push again or delete it"
        )),
        "{error}"
    );
    // The top level is the last step's: the publish, which got no answer.
    assert_eq!(record.status, None);
    assert_eq!(record.response.body, serde_json::Value::Null);
    assert_eq!(
        named(&sandbox, "/drafts", "Cancel publish").await,
        1,
        "kept"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_integration_id_anywhere_is_rejected_before_sending() {
    let sandbox = start(Faults::off()).await;
    let mut profile = profile(&sandbox);
    profile.integration_id = None;
    let (engine, _dir) = engine(profile);
    let mut orphan = payload("Orphan");
    orphan
        .as_object_mut()
        .expect("object")
        .remove("integrationId");
    let done = submit(&engine, submission(&orphan)).await;
    let record = &done.record;
    assert_eq!(record.outcome, Outcome::Rejected);
    assert_eq!(record.status, None);
    assert!(record.attempts.is_empty() && record.steps.is_empty());
    let error = record.error.as_deref().unwrap_or_default();
    assert!(error.contains("integration_id"), "{error}");
    assert_eq!(sandbox.stats().genesys_requests, 0, "nothing was sent");
    assert_eq!(record.request.body["name"], "Orphan");
}
