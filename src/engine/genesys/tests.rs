//! The genesys-cloud create plan driven by hand: each answer in, the next request out.

use super::*;
use crate::engine::response::Answer;
use std::time::Duration;

const BASE: &str = "http://127.0.0.1:1/";

pub(super) fn profile() -> Profile {
    Profile::sandbox_genesys()
}

fn config() -> serde_json::Value {
    serde_json::json!({"request": {"requestUrlTemplate": "https://x", "requestType": "GET"}})
}

pub(super) fn payload(name: &str) -> String {
    serde_json::json!({
        "name": name, "category": "cxda", "integrationId": "int-1",
        "config": config(),
        "contract": {"input": {"inputSchema": {}}, "output": {"successSchema": {}}},
    })
    .to_string()
}

/// A draft as the lookup lists it (`includeConfig=true`) with the content `payload` sends.
fn listed(id: &str, name: &str, version: u64) -> serde_json::Value {
    serde_json::json!({"id": id, "name": name, "integrationId": "int-1", "version": version,
        "category": "cxda", "secure": false, "config": config()})
}

fn listing(entities: serde_json::Value) -> Option<StepResult> {
    answer(
        200,
        serde_json::json!({"entities": entities, "pageNumber": 1, "pageCount": 1}),
    )
}

fn lost() -> Option<StepResult> {
    Some(StepResult::Lost("timed out".into()))
}

fn plan(payload: &str, draft_only: bool) -> Create {
    let base = Url::parse(BASE).expect("url");
    Create::new(&profile(), &base, payload.as_bytes(), draft_only).expect("a plan")
}

pub(super) fn answer(status: u16, body: serde_json::Value) -> Option<StepResult> {
    raw(status, Bytes::from(body.to_string()))
}

/// An answer whose body is `body` as it is (JSON or not).
pub(super) fn raw(status: u16, body: Bytes) -> Option<StepResult> {
    Some(StepResult::Answered(Answer::of(status, body)))
}

/// The request the plan sends next, as `(name, method, url, body)`.
pub(super) fn sends(next: Next) -> (&'static str, Method, String, Option<serde_json::Value>) {
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

pub(super) fn ends(next: Next) -> End {
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
    let Next::Send(step) = plan.next(lost()) else {
        panic!("a lookup");
    };
    assert_eq!((step.name, step.method), ("lookup", Method::GET));
    assert_eq!(
        step.url.as_str(),
        "http://127.0.0.1:1/api/v2/integrations/actions/drafts?name=Echo+one&category=cxda\
         &includeConfig=true&sortBy=name&sortOrder=ASC&pageSize=100&pageNumber=1"
    );
    // The server may still be making the draft: the first page waits a little.
    assert_eq!(step.settle, Duration::from_secs(2));
    // A namesake in another integration and a partial match are not ours.
    let (name, _, url, _) = sends(plan.next(listing(serde_json::json!([
        {"id": "other", "name": "Echo one", "integrationId": "int-2", "version": 1},
        {"id": "partial", "name": "Echo one two", "integrationId": "int-1", "version": 1},
        listed("act-7", "Echo one", 3),
    ]))));
    assert_eq!(name, "validation");
    assert!(url.contains("/act-7/draft/validation"), "{url}");
    let (_, _, _, body) = sends(plan.next(answer(200, serde_json::json!({"valid": true}))));
    assert_eq!(body, Some(serde_json::json!({"version": 3})));
}

#[test]
fn a_lookup_pages_on_then_sends_the_draft_again_when_none_was_found() {
    let mut plan = plan(&payload("Echo"), false);
    plan.next(None);
    plan.next(Some(StepResult::Lost("timed out".into())));
    let (name, _, url, _) = sends(plan.next(answer(
        200,
        serde_json::json!({"entities": [{"id": "x", "name": "Echoes"}], "pageNumber": 1, "pageCount": 2}),
    )));
    assert_eq!(name, "lookup");
    assert!(url.ends_with("pageNumber=2"), "{url}");
    let mut again = self::plan(&payload("Echo"), false);
    again.next(None);
    again.next(lost());
    let Next::Send(step) = again.next(answer(
        200,
        serde_json::json!({"entities": [], "pageNumber": 1, "pageCount": 2}),
    )) else {
        panic!("page 2");
    };
    assert_eq!(step.settle, Duration::ZERO, "only the first page waits");
    let (name, method, _, _) = sends(plan.next(answer(
        200,
        serde_json::json!({"entities": [], "pageNumber": 2, "pageCount": 2}),
    )));
    assert_eq!((name, method), ("draft", Method::POST));
    let (name, _, _, _) = sends(plan.next(draft_answer()));
    assert_eq!(name, "validation");
}

#[test]
fn lost_answers_past_max_retries_fail_saying_no_draft_was_found() {
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
            assert!(text.contains("was found, so none was sent again"), "{text}");
            assert!(!text.contains("none was made"), "{text}");
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

/// A plan for "Echo" whose drafts answer was lost: its next request is the lookup.
fn looking_up() -> Create {
    let mut plan = plan(&payload("Echo"), false);
    plan.next(None);
    plan.next(lost());
    plan
}

#[test]
fn a_namesake_with_other_content_is_never_continued_nor_sent_again() {
    let mut plan = looking_up();
    let mut older = listed("kept-1", "Echo", 1);
    older["config"]["request"]["requestType"] = "POST".into();
    let end = ends(plan.next(listing(serde_json::json!([older]))));
    let End::Failed(text) = end else {
        panic!("failed, got {end:?}");
    };
    assert!(
        text.contains(
            "drafts named \"Echo\" exist (ids kept-1); cannot tell which one this submission made"
        ),
        "{text}"
    );
    assert_eq!(plan.remote(), (None, None), "nothing continued");
}

#[test]
fn several_equal_drafts_fail_listing_every_id() {
    let mut plan = looking_up();
    let end = ends(plan.next(listing(serde_json::json!([
        listed("a-1", "Echo", 1),
        listed("a-2", "Echo", 1),
    ]))));
    assert!(
        matches!(end, End::Failed(ref text) if text.contains("(ids a-1, a-2)")),
        "{end:?}"
    );
}

#[test]
fn the_one_equal_draft_is_continued_beside_a_different_namesake() {
    let mut plan = looking_up();
    let mut secure = listed("secure-1", "Echo", 1);
    secure["secure"] = true.into();
    let mut other_category = listed("cat-1", "Echo", 1);
    other_category["category"] = "other".into();
    let mut no_config = listed("bare-1", "Echo", 1);
    no_config
        .as_object_mut()
        .expect("an object")
        .remove("config");
    let (name, _, url, _) = sends(plan.next(listing(serde_json::json!([
        secure,
        other_category,
        no_config,
        listed("ours", "Echo", 4),
    ]))));
    assert_eq!(name, "validation");
    assert!(url.contains("/ours/draft/validation"), "{url}");
}

#[test]
fn a_refused_or_capped_lookup_fails_saying_a_draft_may_exist() {
    let mut plan = looking_up();
    let end = ends(plan.next(answer(
        403,
        serde_json::json!({"code": "forbidden", "message": "no"}),
    )));
    assert!(
        matches!(end, End::Failed(ref t) if t.contains("answered 403") && t.contains("may exist")),
        "{end:?}"
    );

    let mut plan = looking_up();
    plan.state = State::LookingUp {
        page: MAX_LOOKUP_PAGES,
    };
    let end = ends(plan.next(answer(
        200,
        serde_json::json!({"entities": [], "pageNumber": MAX_LOOKUP_PAGES, "pageCount": MAX_LOOKUP_PAGES + 1}),
    )));
    assert!(
        matches!(end, End::Failed(ref t) if t.contains("more are left") && t.contains("may exist")),
        "{end:?}"
    );
}

#[test]
fn an_unreadable_drafts_answer_is_looked_up_and_not_sent_again() {
    let mut plan = plan(&payload("Echo"), false);
    plan.next(None);
    let unreadable = raw(200, Bytes::from_static(b"<html>"));
    let (name, _, _, _) = sends(plan.next(unreadable));
    assert_eq!(name, "lookup");
    let end = ends(plan.next(listing(serde_json::json!([]))));
    assert!(
        matches!(end, End::Failed(ref t) if t.contains("its id is unreadable")),
        "{end:?}"
    );
}

#[test]
fn a_lost_publish_answer_is_read_back_by_id() {
    let published = |version: u64| {
        let mut plan = plan(&payload("Echo"), false);
        plan.next(None);
        plan.next(draft_answer());
        let (name, _, _, _) = sends(plan.next(answer(200, serde_json::json!({"valid": true}))));
        assert_eq!(name, "publish");
        let (name, method, url, _) = sends(plan.next(lost()));
        assert_eq!((name, method), ("check", Method::GET));
        assert_eq!(url, "http://127.0.0.1:1/api/v2/integrations/actions/act-1");
        let end = ends(plan.next(answer(
            200,
            serde_json::json!({"id": "act-1", "name": "Echo", "version": version}),
        )));
        (end, plan.remote())
    };
    assert_eq!(
        published(2),
        (End::Created, (Some("act-1".to_string()), Some(2)))
    );
    let (end, _) = published(0);
    assert!(
        matches!(end, End::Failed(ref t) if t.contains("not published") && t.contains("draft act-1 kept")),
        "{end:?}"
    );
    let mut plan = plan(&payload("Echo"), false);
    plan.next(None);
    plan.next(draft_answer());
    plan.next(answer(200, serde_json::json!({"valid": true})));
    plan.next(lost());
    let end = ends(plan.next(answer(404, serde_json::json!({"code": "not.found"}))));
    assert!(
        matches!(end, End::Failed(ref t) if t.contains("not published") && t.contains("draft act-1 kept")),
        "{end:?}"
    );
}

#[test]
fn an_unreadable_publish_answer_is_created_with_the_draft_id_and_no_version() {
    let mut plan = plan(&payload("Echo"), false);
    plan.next(None);
    plan.next(draft_answer());
    plan.next(answer(200, serde_json::json!({"valid": true})));
    let end = ends(plan.next(raw(200, Bytes::from_static(b"not json"))));
    assert_eq!(end, End::Created);
    assert_eq!(plan.remote(), (Some("act-1".to_string()), None));
}

#[test]
fn an_executor_end_names_the_kept_draft_or_the_unfinished_lookup() {
    let mut plan = plan(&payload("Echo"), false);
    plan.next(None);
    plan.next(draft_answer());
    let end = plan.interrupted(End::Cancelled("cancelled before the publish step".into()));
    assert_eq!(
        end,
        End::Cancelled(
            "cancelled before the publish step; draft act-1 kept; fix and push again or delete it"
                .into()
        )
    );
    let plan = looking_up();
    let end = plan.interrupted(End::Failed("no retries left".into()));
    assert!(
        matches!(end, End::Failed(ref t) if t.contains("a draft named \"Echo\" may exist")),
        "{end:?}"
    );
}

#[test]
fn null_validation_errors_read_as_none() {
    let mut plan = plan(&payload("Echo"), false);
    plan.next(None);
    plan.next(draft_answer());
    let end = ends(plan.next(answer(
        200,
        serde_json::json!({"valid": false, "errors": null}),
    )));
    assert!(
        matches!(end, End::Rejected(ref t) if t.starts_with("draft validation failed: the server gave no reason")),
        "{end:?}"
    );
}
