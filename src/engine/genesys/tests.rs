//! The genesys-cloud create plan driven by hand: each answer in, the next request out.

use super::*;
use crate::engine::response::Answer;

const BASE: &str = "http://127.0.0.1:1/";

fn profile() -> Profile {
    Profile::sandbox_genesys()
}

fn payload(name: &str) -> String {
    serde_json::json!({
        "name": name, "category": "cxda", "integrationId": "int-1",
        "config": {"request": {"requestUrlTemplate": "https://x", "requestType": "GET"}},
        "contract": {"input": {"inputSchema": {}}, "output": {"successSchema": {}}},
    })
    .to_string()
}

fn plan(payload: &str, draft_only: bool) -> Create {
    let base = Url::parse(BASE).expect("url");
    Create::new(&profile(), &base, payload.as_bytes(), draft_only).expect("a plan")
}

fn answer(status: u16, body: serde_json::Value) -> Option<StepResult> {
    Some(StepResult::Answered(Answer {
        status,
        headers: Default::default(),
        body: Bytes::from(body.to_string()),
        cut: false,
        body_error: None,
        rate: None,
        retry_after: None,
        location: None,
    }))
}

/// The request the plan sends next, as `(name, method, url, body)`.
fn sends(next: Next) -> (&'static str, Method, String, Option<serde_json::Value>) {
    match next {
        Next::Send(step) => (
            step.name,
            step.method,
            step.url.to_string(),
            step.body
                .map(|b| serde_json::from_slice(&b).expect("a JSON body")),
        ),
        Next::Done(end) => panic!("expected a request, the plan ended: {end:?}"),
    }
}

fn ends(next: Next) -> End {
    match next {
        Next::Done(end) => end,
        Next::Send(step) => panic!("expected the end, the plan sends {}", step.name),
    }
}

fn draft_answer() -> Option<StepResult> {
    answer(
        200,
        serde_json::json!({"id": "act-1", "name": "Echo", "version": 1}),
    )
}

#[test]
fn draft_validation_publish_then_created_with_the_published_version() {
    let mut plan = plan(&payload("Echo"), false);
    let (name, method, url, body) = sends(plan.next(None));
    assert_eq!((name, method), ("draft", Method::POST));
    assert_eq!(url, "http://127.0.0.1:1/api/v2/integrations/actions/drafts");
    assert_eq!(body.expect("a body")["name"], "Echo");

    let (name, method, url, body) = sends(plan.next(draft_answer()));
    assert_eq!((name, method), ("validation", Method::GET));
    assert_eq!(
        url,
        "http://127.0.0.1:1/api/v2/integrations/actions/act-1/draft/validation"
    );
    assert_eq!(body, None);

    let (name, _, url, body) = sends(plan.next(answer(200, serde_json::json!({"valid": true}))));
    assert_eq!(name, "publish");
    assert_eq!(
        url,
        "http://127.0.0.1:1/api/v2/integrations/actions/act-1/draft/publish"
    );
    assert_eq!(body, Some(serde_json::json!({"version": 1})));

    let end = ends(plan.next(answer(
        200,
        serde_json::json!({"id": "act-1", "name": "Echo", "version": 2}),
    )));
    assert_eq!(end, End::Created);
    assert_eq!(plan.remote(), (Some("act-1".to_string()), Some(2)));
}

#[test]
fn a_draft_only_create_stops_after_a_valid_validation() {
    let mut plan = plan(&payload("Echo"), true);
    plan.next(None);
    plan.next(draft_answer());
    let end = ends(plan.next(answer(200, serde_json::json!({"valid": true}))));
    assert_eq!(end, End::Drafted);
    assert_eq!(plan.remote(), (Some("act-1".to_string()), Some(1)));
}

#[test]
fn an_invalid_draft_is_rejected_with_every_error_and_kept() {
    let mut plan = plan(&payload("Echo"), false);
    plan.next(None);
    plan.next(draft_answer());
    let end = ends(plan.next(answer(
        200,
        serde_json::json!({"valid": false, "errors": [
            {"code": "invalid.value", "message": "requestType must be one of GET, POST"},
            {"code": "invalid.schema", "message": "$ref is not supported"},
        ]}),
    )));
    let End::Rejected(text) = end else {
        panic!("rejected, got {end:?}");
    };
    assert_eq!(
        text,
        "draft validation failed: invalid.value: requestType must be one of GET, POST; \
         invalid.schema: $ref is not supported; draft act-1 kept; fix and push again or delete it"
    );
    assert_eq!(plan.remote().0.as_deref(), Some("act-1"));
}

#[test]
fn a_lost_drafts_answer_is_looked_up_by_name_and_a_found_draft_continued() {
    let mut plan = plan(&payload("Echo one"), false);
    plan.next(None);
    let (name, method, url, _) = sends(plan.next(Some(StepResult::Lost("timed out".into()))));
    assert_eq!((name, method), ("lookup", Method::GET));
    assert_eq!(
        url,
        "http://127.0.0.1:1/api/v2/integrations/actions/drafts?name=Echo+one&pageSize=100&pageNumber=1"
    );
    // A namesake in another integration and a partial match are not ours.
    let (name, _, url, _) = sends(plan.next(answer(
        200,
        serde_json::json!({"entities": [
            {"id": "other", "name": "Echo one", "integrationId": "int-2", "version": 1},
            {"id": "partial", "name": "Echo one two", "integrationId": "int-1", "version": 1},
            {"id": "act-7", "name": "Echo one", "integrationId": "int-1", "version": 3},
        ], "pageNumber": 1, "pageCount": 1}),
    )));
    assert_eq!(name, "validation");
    assert!(url.contains("/act-7/draft/validation"), "{url}");
    let (_, _, _, body) = sends(plan.next(answer(200, serde_json::json!({"valid": true}))));
    assert_eq!(body, Some(serde_json::json!({"version": 3})));
}

#[test]
fn a_lookup_pages_on_then_sends_the_draft_again_when_none_was_made() {
    let mut plan = plan(&payload("Echo"), false);
    plan.next(None);
    plan.next(Some(StepResult::Lost("timed out".into())));
    let (name, _, url, _) = sends(plan.next(answer(
        200,
        serde_json::json!({"entities": [{"id": "x", "name": "Echoes"}], "pageNumber": 1, "pageCount": 2}),
    )));
    assert_eq!(name, "lookup");
    assert!(url.ends_with("pageNumber=2"), "{url}");
    let (name, method, _, _) = sends(plan.next(answer(
        200,
        serde_json::json!({"entities": [], "pageNumber": 2, "pageCount": 2}),
    )));
    assert_eq!((name, method), ("draft", Method::POST));
    let (name, _, _, _) = sends(plan.next(draft_answer()));
    assert_eq!(name, "validation");
}

#[test]
fn lost_answers_past_max_retries_fail_saying_no_draft_was_made() {
    let mut profile = profile();
    profile.max_retries = 1;
    let base = Url::parse(BASE).expect("url");
    let mut plan = Create::new(&profile, &base, payload("Echo").as_bytes(), false).expect("plan");
    plan.next(None);
    let empty = || answer(200, serde_json::json!({"entities": [], "pageCount": 1}));
    for _ in 0..2 {
        sends(plan.next(Some(StepResult::Lost("timed out".into()))));
        let next = plan.next(empty());
        if let Next::Done(End::Failed(text)) = next {
            assert!(text.contains("gave up after 2 drafts requests"), "{text}");
            assert!(text.contains("so none was made"), "{text}");
            return;
        }
    }
    panic!("the plan did not give up");
}

#[test]
fn a_stale_publish_is_rejected_with_the_error_body_and_the_draft_kept() {
    let mut plan = plan(&payload("Echo"), false);
    plan.next(None);
    plan.next(draft_answer());
    plan.next(answer(200, serde_json::json!({"valid": true})));
    let end = ends(plan.next(answer(
        400,
        serde_json::json!({"code": "bad.request", "status": 400,
            "message": "Version 1 does not match the current version 2", "contextId": "ctx-9"}),
    )));
    assert_eq!(
        end,
        End::Rejected(
            "bad.request: Version 1 does not match the current version 2; contextId: ctx-9; \
             draft act-1 kept; fix and push again or delete it"
                .into()
        )
    );
}

#[test]
fn a_rejected_draft_request_keeps_nothing() {
    let mut plan = plan(&payload("Echo"), false);
    plan.next(None);
    let end = ends(plan.next(answer(
        400,
        serde_json::json!({"code": "invalid.value", "message": "name is required"}),
    )));
    assert_eq!(end, End::Rejected("invalid.value: name is required".into()));
    assert_eq!(plan.remote(), (None, None));
}

#[test]
fn the_drafts_body_drops_id_and_version_and_fills_the_integration() {
    let profile = profile();
    let written = r#"{"id":"act-1","version":4,"name":"Echo"}"#;
    let body = draft_body(written.as_bytes(), &profile).expect("a body");
    let body: serde_json::Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(
        body,
        serde_json::json!({"name": "Echo", "integrationId": crate::config::SANDBOX_INTEGRATION_ID})
    );
    // Nothing to change: the bytes as written.
    let as_written = "{ \"name\": \"Echo\", \"integrationId\": \"mine\" }";
    let body = draft_body(as_written.as_bytes(), &profile).expect("a body");
    assert_eq!(&body[..], as_written.as_bytes());
}

#[test]
fn no_integration_id_anywhere_is_rejected_naming_integration_id() {
    let mut profile = profile();
    profile.integration_id = None;
    let refused = draft_body(br#"{"name":"Echo"}"#, &profile).expect_err("refused");
    let End::Rejected(text) = refused else {
        panic!("rejected, got {refused:?}");
    };
    assert!(text.contains("integration_id"), "{text}");
    assert!(text.contains("integrationId"), "{text}");
}

#[test]
fn a_draft_id_is_one_escaped_path_segment() {
    let mut plan = plan(&payload("Echo"), false);
    plan.next(None);
    let (_, _, url, _) = sends(plan.next(answer(
        200,
        serde_json::json!({"id": "a/../b?c", "version": 1}),
    )));
    assert_eq!(
        url,
        "http://127.0.0.1:1/api/v2/integrations/actions/a%2F..%2Fb%3Fc/draft/validation"
    );
}
