//! The genesys-cloud update plan driven by hand: a draft from the action, the patch at the
//! draft's version, validation, publish; a draft already there (refused, or taken over with
//! `force`); a lost answer to the draft from the action.

use super::tests::{answer, ends, payload, profile, sends};
use super::*;

fn update(force: bool) -> Create {
    let base = Url::parse("http://127.0.0.1:1/").expect("url");
    let target = Target {
        id: "act-9".into(),
        version: Some(4),
        force,
    };
    let mut text: Value = serde_json::from_str(&payload("Echo")).expect("json");
    text["id"] = Value::from("act-9");
    text["version"] = Value::from(4);
    Create::update(
        &profile(),
        &base,
        text.to_string().as_bytes(),
        &target,
        false,
    )
    .expect("a plan")
}

const AT: &str = "http://127.0.0.1:1/api/v2/integrations/actions/act-9";

#[test]
fn draft_from_the_action_patch_validation_publish_then_updated() {
    let mut plan = update(false);
    let (name, method, url, body) = sends(plan.next(None));
    assert_eq!((name, method), ("draft", Method::POST));
    assert_eq!(url, format!("{AT}/draft"));
    assert_eq!(body, None);

    let (name, method, url, body) = sends(plan.next(answer(
        200,
        serde_json::json!({"id": "act-9", "name": "Echo", "version": 4}),
    )));
    assert_eq!((name, method), ("patch", Method::PATCH));
    assert_eq!(url, format!("{AT}/draft"));
    let body = body.expect("a body");
    assert_eq!(body["version"], 4, "the draft's version: {body}");
    assert_eq!(body["name"], "Echo");
    for absent in ["id", "integrationId"] {
        assert!(
            body.get(absent).is_none(),
            "{absent} is not an UpdateDraftInput field"
        );
    }

    let (name, _, url, _) = sends(plan.next(answer(
        200,
        serde_json::json!({"id": "act-9", "name": "Echo", "version": 5}),
    )));
    assert_eq!(
        (name, url.as_str()),
        ("validation", &*format!("{AT}/draft/validation"))
    );
    let (name, _, _, body) = sends(plan.next(answer(200, serde_json::json!({"valid": true}))));
    assert_eq!(name, "publish");
    assert_eq!(body, Some(serde_json::json!({"version": 5})));
    let end = ends(plan.next(answer(
        200,
        serde_json::json!({"id": "act-9", "name": "Echo", "version": 5}),
    )));
    assert_eq!(end, End::Updated);
    assert_eq!(plan.remote(), (Some("act-9".into()), Some(5)));
}

#[test]
fn a_draft_already_there_is_refused_without_force() {
    let mut plan = update(false);
    plan.next(None);
    let end = ends(plan.next(answer(
        400,
        serde_json::json!({"status": 400, "code": "bad.request", "message": "already has a draft"}),
    )));
    let End::Rejected(reason) = end else {
        panic!("rejected expected: {end:?}");
    };
    assert!(reason.contains("already has a draft"), "{reason}");
    assert!(reason.contains("--force"), "{reason}");
}

#[test]
fn a_draft_already_there_is_read_and_patched_with_force() {
    let mut plan = update(true);
    plan.next(None);
    let (name, method, url, _) = sends(plan.next(answer(
        400,
        serde_json::json!({"status": 400, "code": "bad.request", "message": "already has a draft"}),
    )));
    assert_eq!(
        (name, method, url),
        ("read draft", Method::GET, format!("{AT}/draft"))
    );
    let (name, _, _, body) = sends(plan.next(answer(
        200,
        serde_json::json!({"id": "act-9", "name": "Someone's", "version": 7}),
    )));
    assert_eq!(name, "patch");
    assert_eq!(body.expect("a body")["version"], 7);
}

#[test]
fn a_lost_draft_from_the_action_is_read_rather_than_made_again() {
    let mut plan = update(false);
    plan.next(None);
    let (name, method, _, _) = sends(plan.next(Some(StepResult::Lost("timed out".into()))));
    assert_eq!((name, method), ("read draft", Method::GET));
}

#[test]
fn a_refused_patch_names_the_kept_draft() {
    let mut plan = update(false);
    plan.next(None);
    plan.next(answer(
        200,
        serde_json::json!({"id": "act-9", "version": 4}),
    ));
    let end = ends(plan.next(answer(
        400,
        serde_json::json!({"status": 400, "code": "bad.request", "message": "contract cannot change"}),
    )));
    let End::Rejected(reason) = end else {
        panic!("rejected expected: {end:?}");
    };
    assert!(reason.contains("contract cannot change"), "{reason}");
    assert!(reason.contains("the draft of act-9 is kept"), "{reason}");
    assert!(reason.contains("--force"), "{reason}");
}

#[test]
fn a_change_made_since_the_read_is_refused_unless_forced() {
    // Read at version 4; the draft made from the action is at 6: someone published since.
    for (force, refused) in [(false, true), (true, false)] {
        let mut plan = update(force);
        plan.next(None);
        let next = plan.next(answer(
            200,
            serde_json::json!({"id": "act-9", "version": 6}),
        ));
        if refused {
            let End::Rejected(reason) = ends(next) else {
                panic!("rejected expected");
            };
            assert!(
                reason.contains("changed on the server since it was read"),
                "{reason}"
            );
            assert!(
                reason.contains("version 4") && reason.contains("version 6"),
                "{reason}"
            );
        } else {
            let (name, _, _, body) = sends(next);
            assert_eq!(name, "patch");
            assert_eq!(body.expect("body")["version"], 6);
        }
    }
}

#[test]
fn a_lost_draft_answer_takes_the_draft_found_only_at_the_version_read() {
    let mut plan = update(false);
    plan.next(None);
    plan.next(Some(StepResult::Lost("timed out".into())));
    // Someone else's draft, at another version: not ours to patch.
    let end = ends(plan.next(answer(
        200,
        serde_json::json!({"id": "act-9", "version": 9}),
    )));
    assert!(
        matches!(end, End::Rejected(ref r) if r.contains("since it was read")),
        "{end:?}"
    );
    let mut plan = update(false);
    plan.next(None);
    plan.next(Some(StepResult::Lost("timed out".into())));
    let (name, ..) = sends(plan.next(answer(
        200,
        serde_json::json!({"id": "act-9", "version": 4}),
    )));
    assert_eq!(name, "patch");
}

#[test]
fn a_lost_publish_of_an_update_is_settled_by_the_version_past_the_read() {
    let mut plan = update(false);
    plan.next(None);
    plan.next(answer(
        200,
        serde_json::json!({"id": "act-9", "version": 4}),
    ));
    plan.next(answer(
        200,
        serde_json::json!({"id": "act-9", "version": 5}),
    ));
    plan.next(answer(200, serde_json::json!({"valid": true})));
    let (name, ..) = sends(plan.next(Some(StepResult::Lost("timed out".into()))));
    assert_eq!(name, "check");
    let end = ends(plan.next(answer(
        200,
        serde_json::json!({"id": "act-9", "version": 5}),
    )));
    assert_eq!(end, End::Updated);
}
