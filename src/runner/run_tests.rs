use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::*;
use crate::runner::report::names;

fn genesys(url: &str, success: &str) -> Value {
    json!({
        "name": "Lookup",
        "secure": false,
        "contract": {
            "input": {"inputSchema": {"type": "object", "required": ["id"],
                "properties": {"id": {"type": "string"}}}},
            "output": {"successSchema": {"type": "object",
                "properties": {"name": {"type": "string"}}}}
        },
        "config": {
            "request": {
                "requestUrlTemplate": url,
                "requestType": "POST",
                "headers": {"Authorization": "Bearer ${credentials.token}"},
                "requestTemplate": "{\"id\": \"$esc.jsonString(${input.id})\"}"
            },
            "response": {
                "translationMap": {"name": "$.customer.name"},
                "translationMapDefaults": {},
                "successTemplate": success
            }
        }
    })
}

fn action(payload: &Value) -> RunnableAction {
    RunnableAction::from_payload(Api::GenesysCloud, payload).expect("runnable")
}

fn vars() -> BTreeMap<String, String> {
    BTreeMap::from([("token".to_string(), "tok-secret".to_string())])
}

fn answer(status: u16, body: &str) -> Result<TargetAnswer, SendFailure> {
    Ok(TargetAnswer {
        status,
        body: body.as_bytes().to_vec(),
        cut: false,
    })
}

/// A genesys run of `payload` with input `{"id": "1"}` and [`vars`], answered `body` (`status`).
fn answered(payload: &Value, status: u16, body: &str) -> RunReport {
    let action = action(payload);
    let mut run = Run::start(&action, json!({"id": "1"}), vars());
    run.prepare().expect("prepared");
    run.finish(answer(status, body))
}

/// The name of the report's last operation.
fn last_step(report: &RunReport) -> Option<&str> {
    report.operations.last().map(|o| o.name.as_str())
}

fn names_of(report: &RunReport) -> Vec<&str> {
    report.operations.iter().map(|o| o.name.as_str()).collect()
}

#[test]
fn a_genesys_run_goes_through_every_step_and_keeps_secrets_out_of_the_report() {
    let payload = genesys(
        "https://crm.example.com/c/$esc.url(${input.id})",
        "{\"name\": ${name}}",
    );
    let action = action(&payload);
    let mut run = Run::start(&action, json!({"id": "a b"}), vars());
    let prepared = run.prepare().expect("prepared");
    assert_eq!(prepared.url, "https://crm.example.com/c/a+b");
    assert_eq!(prepared.body.as_deref(), Some("{\"id\": \"a b\"}"));
    let auth = &prepared.headers[0];
    assert_eq!(
        (auth.value.as_str(), auth.shown.as_str()),
        ("Bearer tok-secret", "Bearer [redacted]")
    );
    assert!(auth.secret);
    assert!(prepared.headers.iter().any(|h| h.name == "Content-Type"));
    let report = run.finish(answer(200, r#"{"customer": {"name": "Ada"}}"#));
    assert!(report.success, "{report:?}");
    assert_eq!(
        names_of(&report),
        [
            names::VALIDATE_INPUT,
            names::RESOLVE_URL,
            names::RESOLVE_HEADERS,
            names::RESOLVE_BODY,
            names::EXECUTE,
            names::TRANSLATE,
            names::SUCCESS_TEMPLATE,
            names::VALIDATE_OUTPUT
        ]
    );
    assert_eq!(report.final_result, Some(json!({"name": "Ada"})));
    let text = serde_json::to_string(&report).expect("json");
    assert!(!text.contains("tok-secret"), "{text}");
    let steps: Vec<u32> = report.operations.iter().map(|o| o.step).collect();
    assert_eq!(steps, [1, 2, 3, 4, 5, 6, 7, 8]);
}

#[test]
fn an_input_that_breaks_the_contract_fails_the_first_step_and_prepares_nothing() {
    let payload = genesys("https://x.example/", "${rawResult}");
    let action = action(&payload);
    let mut run = Run::start(&action, json!({"id": 7}), vars());
    assert!(run.prepare().is_none());
    let report = run.finish(answer(200, "{}"));
    assert_eq!(names_of(&report), [names::VALIDATE_INPUT]);
    let error = report.error.expect("error");
    assert_eq!(error.code, "invalid.value");
    assert!(error.message.contains("\"id\""), "{}", error.message);
    assert!(
        !error.message.contains('7'),
        "values are never quoted: {}",
        error.message
    );
}

#[test]
fn a_construct_outside_the_subset_fails_its_step_with_its_place_in_the_file() {
    let text = r##"{
  "name": "X",
  "config": {
    "request": {
      "requestUrlTemplate": "https://x.example/#if($input.id)a#end",
      "requestType": "GET"
    }
  }
}"##;
    let payload: Value = serde_json::from_str(text).expect("json");
    let action = action(&payload);
    let mut run = Run::start(&action, json!({}), BTreeMap::new()).with_payload_text(text);
    assert!(run.prepare().is_none());
    let report = run.finish(Err(SendFailure::Cancelled));
    assert_eq!(last_step(&report), Some(names::RESOLVE_URL));
    let error = report.error.expect("error");
    assert_eq!(error.code, "invalid.substitution");
    assert!(error.message.starts_with("5:48: "), "{}", error.message);
    assert!(error.message.contains("#if"), "{}", error.message);
}

#[test]
fn a_target_answering_outside_2xx_fails_the_execute_step_with_its_answer_shown() {
    let payload = genesys("https://x.example/", "${rawResult}");
    let report = answered(&payload, 404, r#"{"message": "no such customer"}"#);
    let last = report.operations.last().expect("an operation");
    assert_eq!(last.name, names::EXECUTE);
    assert!(!last.success);
    assert_eq!(
        last.result.as_ref().map(|r| r["status"].clone()),
        Some(json!(404))
    );
    let error = report.error.expect("error");
    assert_eq!((error.code.as_str(), error.status), ("target.status", 404));
}

#[test]
fn a_missing_translation_without_default_fails_naming_the_entry() {
    let payload = genesys("https://x.example/", "{\"name\": ${name}}");
    let report = answered(&payload, 200, r#"{"other": 1}"#);
    assert_eq!(last_step(&report), Some(names::TRANSLATE));
    let error = report.error.expect("error");
    assert!(
        error.message.contains("name") && error.message.contains("$.customer.name"),
        "{}",
        error.message
    );
}

#[test]
fn a_result_that_breaks_the_output_contract_fails_the_last_step() {
    let payload = genesys("https://x.example/", "{\"name\": 5}");
    let report = answered(&payload, 200, r#"{"customer": {"name": "Ada"}}"#);
    assert_eq!(last_step(&report), Some(names::VALIDATE_OUTPUT));
    assert!(report.final_result.is_none());
    assert!(!report.success);
}

#[test]
fn a_success_template_that_is_not_json_fails_its_step() {
    let payload = genesys("https://x.example/", "name is ${name}");
    let report = answered(&payload, 200, r#"{"customer": {"name": "Ada"}}"#);
    assert_eq!(last_step(&report), Some(names::SUCCESS_TEMPLATE));
    assert_eq!(
        report.error.map(|e| e.code),
        Some("invalid.result".to_string())
    );
}

#[test]
fn a_get_sends_no_body_and_a_timeout_is_the_execute_steps_error() {
    let mut payload = genesys("https://x.example/", "${rawResult}");
    payload["config"]["request"]["requestType"] = json!("get");
    payload["config"]["timeoutSeconds"] = json!(5);
    let action = action(&payload);
    let mut run = Run::start(&action, json!({"id": "1"}), vars());
    let prepared = run.prepare().expect("prepared");
    assert_eq!(prepared.method, "GET");
    assert!(prepared.body.is_none());
    assert!(!prepared.headers.iter().any(|h| h.name == "Content-Type"));
    assert_eq!(prepared.timeout, std::time::Duration::from_secs(5));
    let report = run.finish(Err(SendFailure::Timeout("no answer".into())));
    assert_eq!(
        report.error.map(|e| e.code),
        Some("request.timeout".to_string())
    );
}

#[test]
fn a_cxone_run_fills_placeholders_and_returns_the_answer() {
    let payload = json!({
        "name": "Ticket", "type": "REST",
        "configuration": {
            "method": "POST",
            "url": "https://api.example.com/t/{{ticketId}}",
            "headers": {"X-Api-Key": "{{apiKey}}"},
            "body": {"priority": "{{priority}}"},
            "timeout": 2500
        }
    });
    let action = RunnableAction::from_payload(Api::CxoneV2, &payload).expect("runnable");
    let vars = BTreeMap::from([("apiKey".to_string(), "key-9876".to_string())]);
    let mut run = Run::start(&action, json!({"ticketId": "T 1", "priority": 2}), vars);
    let prepared = run.prepare().expect("prepared");
    assert_eq!(prepared.url, "https://api.example.com/t/T%201");
    assert_eq!(prepared.body.as_deref(), Some(r#"{"priority":2}"#));
    assert_eq!(prepared.timeout, std::time::Duration::from_millis(2500));
    let report = run.finish(answer(201, r#"{"ok": true}"#));
    assert!(report.success);
    assert_eq!(names_of(&report)[0], names::RESOLVE_URL);
    assert_eq!(report.final_result, Some(json!({"ok": true})));
    assert!(
        !serde_json::to_string(&report)
            .expect("json")
            .contains("key-9876")
    );
}

#[test]
fn the_report_serialises_with_the_platforms_field_names() {
    let payload = genesys("https://x.example/", "${rawResult}");
    let report = answered(&payload, 200, r#"{"customer": {"name": "Ada"}}"#);
    let value = serde_json::to_value(&report).expect("json");
    assert!(value.get("finalResult").is_some() && value.get("success").is_some());
    let op = &value["operations"][0];
    for key in ["step", "name", "success", "result"] {
        assert!(op.get(key).is_some(), "{key} in {op}");
    }
}

#[test]
fn a_credential_without_a_var_fails_its_step_only_when_required() {
    let payload = genesys("https://x.example/", "${rawResult}");
    let action = action(&payload);
    let mut strict =
        Run::start(&action, json!({"id": "1"}), BTreeMap::new()).requiring_credentials();
    assert!(strict.prepare().is_none());
    let report = strict.finish(Err(SendFailure::Cancelled));
    assert_eq!(last_step(&report), Some(names::RESOLVE_HEADERS));
    let error = report.error.expect("error");
    assert!(
        error.message.contains("--var token=VALUE"),
        "{}",
        error.message
    );
    let mut lenient = Run::start(&action, json!({"id": "1"}), BTreeMap::new());
    let prepared = lenient.prepare().expect("prepared as written");
    assert_eq!(prepared.headers[0].value, "Bearer ${credentials.token}");
}

#[test]
fn a_secret_the_target_echoes_is_taken_out_of_the_whole_report() {
    let payload = genesys(
        "https://x.example/$esc.url(${credentials.token})",
        "${rawResult}",
    );
    let action = action(&payload);
    let mut run = Run::start(&action, json!({"id": "1"}), vars());
    let prepared = run.prepare().expect("prepared");
    assert!(
        prepared.body_secret
            || !prepared
                .body
                .as_deref()
                .unwrap_or_default()
                .contains("tok-secret")
    );
    assert_eq!(
        prepared.hide("see https://x.example/tok-secret"),
        "see https://x.example/[redacted]"
    );
    let report = run.finish(answer(
        200,
        r#"{"customer": {"name": "tok-secret"}, "seen": "Bearer tok-secret"}"#,
    ));
    let text = serde_json::to_string(&report).expect("json");
    assert!(!text.contains("tok-secret"), "{text}");
    assert!(text.contains("Bearer [redacted]"), "{text}");
}

#[test]
fn an_echoed_number_a_literal_secret_header_and_a_quoted_secret_are_all_redacted() {
    let mut payload = genesys("https://x.example/", "{\"name\": ${name}, \"pin\": ${pin}}");
    payload["config"]["request"]["headers"]["X-Api-Key"] = json!("literal-key-12345");
    payload["config"]["response"]["translationMap"]["pin"] = json!("$.pin");
    let action = action(&payload);
    let vars = BTreeMap::from([
        ("token".to_string(), "sk_live_ABCDEFGHIJKLMNOP".to_string()),
        ("pin".to_string(), "987654".to_string()),
    ]);
    let mut run = Run::start(&action, json!({"id": "1"}), vars.clone());
    let prepared = run.prepare().expect("prepared");
    let key = prepared
        .headers
        .iter()
        .find(|h| h.name == "X-Api-Key")
        .expect("the key");
    assert_eq!(
        (key.value.as_str(), key.shown.as_str()),
        ("literal-key-12345", "[redacted]")
    );
    let report = run.finish(answer(
        200,
        r#"{"customer": {"name": "Ada"}, "pin": 987654, "echo": "literal-key-12345"}"#,
    ));
    let text = serde_json::to_string(&report).expect("json");
    for secret in ["987654", "literal-key-12345"] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }

    // A refusal quoting the first characters of the answer: no part of the token.
    let mut run = Run::start(&action, json!({"id": "1"}), vars);
    run.prepare().expect("prepared");
    let report = run.finish(answer(
        401,
        r#"{"error":"unauthorized","message":"the token sk_live_ABCDEFGHIJKLMNOP is invalid"}"#,
    ));
    let message = report.error.expect("error").message;
    assert!(!message.contains("sk_live_ABC"), "{message}");
}

#[test]
fn a_short_secret_does_not_mangle_other_text() {
    let payload = genesys(
        "https://x.example/?retries=${credentials.token}",
        "${rawResult}",
    );
    let action = action(&payload);
    let vars = BTreeMap::from([("token".to_string(), "0".to_string())]);
    let mut run = Run::start(&action, json!({"id": "1"}), vars);
    let prepared = run.prepare().expect("prepared");
    assert_eq!(prepared.url_shown, "https://x.example/?retries=[redacted]");
    assert_eq!(
        prepared.hide("the server answered 302 Found, see http://127.0.0.1:8080/x"),
        "the server answered 302 Found, see http://127.0.0.1:8080/x"
    );
    assert_eq!(
        prepared.hide("no answer from https://x.example/?retries=0"),
        "no answer from https://x.example/?retries=[redacted]"
    );
}

#[test]
fn escaped_and_quiet_credentials_need_no_var() {
    let mut payload = genesys("https://x.example/", "${rawResult}");
    payload["config"]["request"]["headers"] = json!({
        "X-Literal": "\\${credentials.token}",
        "X-Optional": "$!{credentials.maybe}"
    });
    let action = action(&payload);
    let mut run = Run::start(&action, json!({"id": "1"}), BTreeMap::new()).requiring_credentials();
    let prepared = run.prepare().expect("nothing required");
    let value = |name: &str| {
        prepared
            .headers
            .iter()
            .find(|h| h.name == name)
            .map(|h| h.value.clone())
    };
    assert_eq!(value("X-Optional").as_deref(), Some(""));
    assert_eq!(
        value("X-Literal").as_deref(),
        Some("\\${credentials.token}")
    );
}

#[test]
fn a_success_template_that_grows_past_the_cap_fails_its_step() {
    let template = "${rawResult}".repeat(40);
    let payload = genesys("https://x.example/", &template);
    let action = action(&payload);
    let mut run = Run::start(&action, json!({"id": "1"}), vars());
    run.prepare().expect("prepared");
    let big = format!(
        r#"{{"customer": {{"name": "{}"}}}}"#,
        "x".repeat(1024 * 1024)
    );
    let report = run.finish(answer(200, &big));
    assert_eq!(last_step(&report), Some(names::SUCCESS_TEMPLATE));
    let error = report.error.expect("error");
    assert!(
        error.message.contains("grows past 16 MiB"),
        "{}",
        error.message
    );
}
