//! The genesys-cloud test endpoints (`POST …/actions/{id}/test`, `…/{id}/draft/test`) over
//! HTTP: the sandbox runs the action with cxda's runner against a target API served by the
//! test itself on loopback, and answers the platform's `TestExecutionResult`.

use std::time::Duration;

use cxda::runner::report::names;
use reqwest::Method;
use serde_json::{Value, json};

use crate::sandbox_common;
use crate::sandbox_genesys_common::{ACTIONS, Answer, DRAFTS, Genesys, runnable_body};
use crate::target_common::{Target, customer};

const ALL_STEPS: [&str; 8] = [
    names::VALIDATE_INPUT,
    names::RESOLVE_URL,
    names::RESOLVE_HEADERS,
    names::RESOLVE_BODY,
    names::EXECUTE,
    names::TRANSLATE,
    names::SUCCESS_TEMPLATE,
    names::VALIDATE_OUTPUT,
];

/// The `${input.id}` in the path, the `name` URL-encoded in the query.
fn url_template(target: &Target, path: &str) -> String {
    format!(
        "{}/{path}/${{input.id}}?name=$esc.url(${{input.name}})",
        target.base()
    )
}

fn input() -> Value {
    json!({"name": "Ada Lovelace & co", "id": "c-1"})
}

/// A published action calling `path` on the target; returns its id.
async fn published(g: &Genesys, target: &Target, name: &str, path: &str) -> String {
    g.publish_body(&runnable_body(name, &url_template(target, path)))
        .await
}

/// A run's answer: 200 and a `TestExecutionResult`.
fn report(answer: &Answer) -> &Value {
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(answer.body["operations"].is_array(), "{}", answer.body);
    &answer.body
}

fn operation_names(report: &Value) -> Vec<&str> {
    report["operations"]
        .as_array()
        .expect("operations")
        .iter()
        .map(|op| op["name"].as_str().expect("name"))
        .collect()
}

/// The last operation, which failed, and the run's error, which is its error.
fn failed_step(report: &Value) -> &Value {
    assert_eq!(report["success"], false, "{report}");
    let last = report["operations"]
        .as_array()
        .and_then(|ops| ops.last())
        .expect("an operation");
    assert_eq!(last["success"], false, "{report}");
    assert_eq!(last["error"], report["error"], "{report}");
    assert!(report.get("finalResult").is_none(), "{report}");
    last
}

#[tokio::test]
async fn a_test_run_sends_the_resolved_request_and_reports_every_step() {
    let target = Target::serve().await;
    let g = Genesys::plain().await;
    let id = published(&g, &target, "Lookup", "customers").await;
    let answer = g.post(&format!("{ACTIONS}/{id}/test"), &input()).await;
    let report = report(&answer);

    let received = target.received();
    assert_eq!(received.len(), 1, "{received:?}");
    let request = &received[0];
    assert_eq!(request.method, "GET");
    assert_eq!(request.path, "/customers/c-1");
    // `$esc.url` is Java's URLEncoder: space → `+`, `&` → `%26`.
    assert_eq!(request.query.as_deref(), Some("name=Ada+Lovelace+%26+co"));
    assert_eq!(request.header("x-customer-id"), Some("c-1"));
    assert_eq!(request.header("accept"), Some("application/json"));
    assert!(
        request
            .header("user-agent")
            .is_some_and(|ua| ua.starts_with("cxda/")),
        "{:?}",
        request.headers
    );
    assert!(request.header("authorization").is_none());
    assert!(request.body.is_empty(), "a GET carries no body");

    assert_eq!(operation_names(report), ALL_STEPS);
    for (i, op) in report["operations"]
        .as_array()
        .expect("ops")
        .iter()
        .enumerate()
    {
        assert_eq!(op["step"], i + 1, "{op}");
        assert_eq!(op["success"], true, "{op}");
        assert!(op.get("error").is_none(), "{op}");
    }
    let ops = &report["operations"];
    assert_eq!(
        ops[1]["result"],
        format!("{}/customers/c-1?name=Ada+Lovelace+%26+co", target.base())
    );
    assert_eq!(ops[4]["result"], json!({"status": 200, "body": customer()}));
    // The region is not in the answer: its translationMapDefaults value is used.
    let expected = json!({"customerName": "Ada Lovelace", "tier": "GOLD", "region": "EMEA"});
    assert_eq!(ops[5]["result"], expected);
    assert_eq!(report["finalResult"], expected);
    assert_eq!(report["success"], true);
    assert!(report.get("error").is_none(), "{report}");
}

#[tokio::test]
async fn a_missing_required_input_fails_the_first_step_and_sends_nothing() {
    let target = Target::serve().await;
    let g = Genesys::plain().await;
    let id = published(&g, &target, "Lookup", "customers").await;
    let answer = g
        .post(&format!("{ACTIONS}/{id}/test"), &json!({"id": "c-1"}))
        .await;
    let report = report(&answer);
    assert_eq!(operation_names(report), [names::VALIDATE_INPUT]);
    let step = failed_step(report);
    assert_eq!(step["error"]["code"], "invalid.value", "{report}");
    let message = step["error"]["message"].as_str().expect("message");
    assert!(message.contains("\"name\""), "{message}");
    assert!(target.received().is_empty(), "{:?}", target.received());
}

#[tokio::test]
async fn an_unsupported_construct_fails_naming_it_and_sends_nothing() {
    let target = Target::serve().await;
    let g = Genesys::plain().await;
    let template = format!(
        "{}/customers/#if($input.id)${{input.id}}#end",
        target.base()
    );
    let draft = g.post(DRAFTS, &runnable_body("Branching", &template)).await;
    assert_eq!(draft.status, 200, "{}", draft.body);
    let id = draft.body["id"].as_str().expect("id");
    let answer = g
        .post(&format!("{ACTIONS}/{id}/draft/test"), &input())
        .await;
    let report = report(&answer);
    assert_eq!(
        operation_names(report),
        [names::VALIDATE_INPUT, names::RESOLVE_URL]
    );
    let step = failed_step(report);
    assert_eq!(step["error"]["code"], "invalid.substitution", "{report}");
    let message = step["error"]["message"].as_str().expect("message");
    assert!(message.contains("#if"), "{message}");
    assert!(message.contains("requestUrlTemplate"), "{message}");
    assert!(target.received().is_empty());
}

#[tokio::test]
async fn a_target_answering_500_fails_the_execute_operation() {
    let target = Target::serve().await;
    let g = Genesys::plain().await;
    let id = published(&g, &target, "Broken", "fail").await;
    let answer = g.post(&format!("{ACTIONS}/{id}/test"), &input()).await;
    let report = report(&answer);
    assert_eq!(operation_names(report), ALL_STEPS[..5]);
    let step = failed_step(report);
    assert_eq!(step["error"]["code"], "target.status", "{report}");
    assert_eq!(step["error"]["status"], 500, "{report}");
    assert!(
        step["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("the target broke")),
        "{report}"
    );
    assert_eq!(
        step["result"],
        json!({"status": 500, "body": {"message": "the target broke"}})
    );
    assert_eq!(target.received().len(), 1);
}

#[tokio::test]
async fn draft_test_runs_the_drafts_template_and_test_the_published_one() {
    let target = Target::serve().await;
    let g = Genesys::plain().await;
    let id = published(&g, &target, "Lookup", "published").await;
    let draft = g.post(&format!("{ACTIONS}/{id}/draft"), &json!({})).await;
    assert_eq!(draft.status, 200, "{}", draft.body);
    let mut config = draft.body["config"].clone();
    config["request"]["requestUrlTemplate"] = json!(url_template(&target, "drafted"));
    let changed = g
        .patch(
            &format!("{ACTIONS}/{id}/draft"),
            &json!({"version": draft.body["version"], "config": config}),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);

    let drafted = g
        .post(&format!("{ACTIONS}/{id}/draft/test"), &input())
        .await;
    assert_eq!(report(&drafted)["success"], true, "{}", drafted.body);
    let live = g.post(&format!("{ACTIONS}/{id}/test"), &input()).await;
    assert_eq!(report(&live)["success"], true, "{}", live.body);
    let paths: Vec<String> = target.received().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/drafted/c-1", "/published/c-1"]);
}

#[tokio::test]
async fn refusals_are_error_bodies_and_run_nothing() {
    let target = Target::serve().await;
    let g = Genesys::plain().await;
    let id = published(&g, &target, "Lookup", "customers").await;
    let unknown = "00000000-0000-4000-8000-000000000000";
    g.post(&format!("{ACTIONS}/{unknown}/test"), &input())
        .await
        .expect_error(404, "not.found");
    g.post(&format!("{ACTIONS}/{unknown}/draft/test"), &input())
        .await
        .expect_error(404, "not.found");
    // Published, but no draft.
    g.post(&format!("{ACTIONS}/{id}/draft/test"), &input())
        .await
        .expect_error(404, "not.found");
    let test = format!("{ACTIONS}/{id}/test");
    for body in [json!(["Ada"]), json!("Ada"), json!(null)] {
        g.post(&test, &body).await.expect_error(400, "bad.request");
    }
    let bad_flatten = g.post(&format!("{test}?flatten=maybe"), &input()).await;
    bad_flatten.expect_error(400, "invalid.value");
    g.send_with(Method::POST, &test, Some(&input()), None)
        .await
        .expect_error(401, "authentication.required");
    assert!(target.received().is_empty(), "{:?}", target.received());

    // A draft a run cannot do without: no URL template.
    let mut body = runnable_body("Unfinished", "");
    body["config"]["request"]
        .as_object_mut()
        .expect("request")
        .remove("requestUrlTemplate");
    let draft = g.post(DRAFTS, &body).await;
    assert_eq!(draft.status, 200, "{}", draft.body);
    let draft_id = draft.body["id"].as_str().expect("id");
    let refused = g
        .post(&format!("{ACTIONS}/{draft_id}/draft/test"), &input())
        .await;
    let error = refused.expect_error(400, "invalid.value");
    assert_eq!(
        error["details"][0]["fieldName"], "config.request.requestUrlTemplate",
        "{error}"
    );

    // `flatten` is accepted, and changes nothing.
    let flat = g.post(&format!("{test}?flatten=true"), &input()).await;
    let plain = g.post(&test, &input()).await;
    assert_eq!(report(&flat)["finalResult"], report(&plain)["finalResult"]);
    assert_eq!(report(&flat)["operations"], report(&plain)["operations"]);
}

#[tokio::test]
async fn the_write_faults_apply_to_test_runs() {
    let target = Target::serve().await;
    let g = Genesys::plain().await;
    let id = published(&g, &target, "Lookup", "customers").await;
    let test = format!("{ACTIONS}/{id}/test");
    sandbox_common::put_faults(&g.client, &g.sandbox, json!({"fail_429": 1})).await;
    let limited = g.post(&test, &input()).await;
    limited.expect_error(429, "too.many.requests");
    assert_eq!(limited.header("retry-after"), Some("1"));
    sandbox_common::put_faults(
        &g.client,
        &g.sandbox,
        json!({"fail_429": 0, "error_rate": 1.0}),
    )
    .await;
    g.post(&test, &input())
        .await
        .expect_error(503, "service.unavailable");
    assert!(target.received().is_empty());
}

#[tokio::test]
async fn a_run_waiting_on_its_target_holds_up_no_other_request() {
    let target = Target::serve().await;
    let g = Genesys::plain().await;
    let id = published(&g, &target, "Slow", "slow").await;
    let test = format!("{ACTIONS}/{id}/test");
    let running = tokio::spawn({
        let (client, url, token) = (g.client.clone(), g.url(&test), g.token.clone());
        async move {
            let response = client
                .post(url)
                .bearer_auth(token)
                .json(&input())
                .send()
                .await
                .expect("send");
            response.json::<Value>().await.expect("json")
        }
    });
    sandbox_common::eventually(
        "the run to reach its target",
        Duration::from_secs(10),
        || {
            let seen = target.received().len();
            async move { (seen == 1).then_some(()) }
        },
    )
    .await;
    // A write (the store's write lock) and a read go through while the run waits.
    let other = tokio::time::timeout(Duration::from_secs(5), async {
        let made = g.draft("Meanwhile").await;
        let read = g.get(&format!("{ACTIONS}/{id}")).await;
        assert_eq!(read.status, 200, "{}", read.body);
        made
    })
    .await
    .expect("other requests answer while a run waits on its target");
    assert!(!other.is_empty());
    target.release();
    let report = running.await.expect("the run");
    assert_eq!(report["success"], true, "{report}");
}

#[tokio::test]
async fn a_client_that_goes_away_takes_its_run_with_it() {
    let target = Target::serve().await;
    let g = Genesys::plain().await;
    let id = published(&g, &target, "Slow", "slow").await;
    // The client goes away once the target has the run's request, however long that took.
    let request = g
        .client
        .post(g.url(&format!("{ACTIONS}/{id}/test")))
        .bearer_auth(&g.token)
        .json(&input());
    let impatient = tokio::spawn(request.send());
    sandbox_common::eventually(
        "the run's request to reach the target",
        Duration::from_secs(10),
        || {
            let arrived = target.received().len();
            async move { (arrived == 1).then_some(()) }
        },
    )
    .await;
    impatient.abort();
    sandbox_common::eventually(
        "the target's request to be dropped",
        Duration::from_secs(10),
        || {
            let abandoned = target.abandoned();
            async move { (abandoned == 1).then_some(()) }
        },
    )
    .await;
}

#[tokio::test]
async fn an_action_whose_target_is_its_own_test_endpoint_is_stopped_at_once() {
    let g = Genesys::plain().await;
    let draft = g
        .post(DRAFTS, &runnable_body("Loop", "http://127.0.0.1:9/unused"))
        .await;
    assert_eq!(draft.status, 200, "{}", draft.body);
    let id = draft.body["id"].as_str().expect("id").to_string();
    let mut config = draft.body["config"].clone();
    config["request"]["requestUrlTemplate"] = json!(g.url(&format!("{ACTIONS}/{id}/draft/test")));
    config["request"]["requestType"] = json!("POST");
    config["request"]["headers"]["Authorization"] = json!(format!("Bearer {}", g.token));
    let changed = g
        .patch(
            &format!("{ACTIONS}/{id}/draft"),
            &json!({"version": draft.body["version"], "config": config}),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);

    let started = std::time::Instant::now();
    let answer = g
        .post(&format!("{ACTIONS}/{id}/draft/test"), &input())
        .await;
    let report = report(&answer);
    let step = failed_step(report);
    assert_eq!(step["name"], names::EXECUTE, "{report}");
    assert_eq!(step["error"]["status"], 508, "{report}");
    assert_eq!(step["result"]["body"]["code"], "loop.detected", "{report}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}
