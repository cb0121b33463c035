//! The translation step: one behaviour per test, on answers written out here.

use super::*;
use serde_json::json;

/// A CRM answer like the one the realistic example action reads.
const CUSTOMERS: &str = r#"{
  "results": [
    { "id": "c-1", "name": "Ada Lovelace", "tier": "GOLD", "openCaseCount": 2, "tags": ["vip"] },
    { "id": "c-2", "name": "Charles Babbage", "tier": null, "openCaseCount": 0 }
  ],
  "page": { "total": 2 },
  "a b": "spaced"
}"#;

fn map(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

fn run(paths: Value, defaults: Value) -> Result<Translation, TranslateError> {
    translate(CUSTOMERS, &map(paths), &map(defaults))
}

fn one(path: &str) -> TranslatedEntry {
    let translation = run(json!({ "x": path }), json!({})).expect("translates");
    translation.entries.into_iter().next().expect("one entry")
}

#[test]
fn a_path_finding_one_value_gives_that_value() {
    let entry = one("$.results[0].name");
    assert_eq!(entry.value, json!("Ada Lovelace"));
    assert_eq!(entry.source, Source::Found(1));
    assert_eq!(entry.path, "$.results[0].name");
}

#[test]
fn a_path_finding_an_object_gives_the_object() {
    assert_eq!(one("$.page").value, json!({ "total": 2 }));
}

#[test]
fn a_path_finding_several_values_gives_an_array_in_document_order() {
    let entry = one("$.results[*].id");
    assert_eq!(entry.value, json!(["c-1", "c-2"]));
    assert_eq!(entry.source, Source::Found(2));
}

#[test]
fn a_null_found_is_a_value_and_takes_no_default() {
    let translation = run(
        json!({ "tier": "$.results[1].tier" }),
        json!({ "tier": "\"STANDARD\"" }),
    )
    .expect("translates");
    assert_eq!(translation.get("tier"), Some(&Value::Null));
    assert_eq!(translation.entries[0].source, Source::Found(1));
}

#[test]
fn nothing_found_takes_a_quoted_string_default() {
    let translation = run(
        json!({ "tier": "$.results[5].tier" }),
        json!({ "tier": "\"UNKNOWN\"" }),
    )
    .expect("translates");
    assert_eq!(translation.get("tier"), Some(&json!("UNKNOWN")));
    assert_eq!(translation.entries[0].source, Source::Default);
}

#[test]
fn nothing_found_takes_a_number_default() {
    let translation = run(
        json!({ "openCases": "$.missing.count" }),
        json!({ "openCases": "0" }),
    )
    .expect("translates");
    assert_eq!(translation.get("openCases"), Some(&json!(0)));
}

#[test]
fn nothing_found_takes_an_array_default() {
    let translation = run(
        json!({ "tags": "$.results[?@.tier == 'PLATINUM'].tags" }),
        json!({ "tags": "[]" }),
    )
    .expect("translates");
    assert_eq!(translation.get("tags"), Some(&json!([])));
    assert_eq!(translation.entries[0].source, Source::Default);
}

#[test]
fn nothing_found_without_a_default_fails_naming_the_entry_and_the_path() {
    let error = run(
        json!({ "fullName": "$.results[0].name", "tier": "$.customer.tier" }),
        json!({ "fullName": "\"?\"" }),
    )
    .expect_err("tier has no default");
    assert_eq!(
        error,
        TranslateError::NotFound {
            name: "\"tier\"".into(),
            path: "\"$.customer.tier\"".into(),
        }
    );
    assert_eq!(
        error.to_string(),
        "translationMap[\"tier\"]: \"$.customer.tier\" found nothing in the result and translationMapDefaults has no \"tier\""
    );
}

#[test]
fn an_unquoted_string_default_is_an_error_that_shows_the_quotes() {
    let error = run(
        json!({ "tier": "$.nothing" }),
        json!({ "tier": "STANDARD" }),
    )
    .expect_err("STANDARD is not JSON");
    let message = error.to_string();
    assert!(
        message.starts_with("translationMapDefaults[\"tier\"]: \"STANDARD\" is not JSON"),
        "{message}"
    );
    assert!(
        message.ends_with("a string default needs its quotes: \"\\\"STANDARD\\\"\""),
        "{message}"
    );
}

#[test]
fn a_default_that_is_not_a_string_is_an_error() {
    let error = run(json!({ "n": "$.nothing" }), json!({ "n": 0 })).expect_err("0 is no string");
    assert_eq!(
        error,
        TranslateError::DefaultNotString {
            name: "\"n\"".into(),
            found: "0".into(),
        }
    );
}

#[test]
fn a_default_is_not_read_when_the_path_finds_a_value() {
    // The bad default would fail if it were parsed.
    let translation = run(
        json!({ "tier": "$.results[0].tier" }),
        json!({ "tier": "not json" }),
    )
    .expect("the default is not needed");
    assert_eq!(translation.get("tier"), Some(&json!("GOLD")));
}

#[test]
fn an_invalid_jsonpath_names_the_entry_the_path_and_the_parser_message() {
    let error = run(json!({ "broken": "$.results[" }), json!({})).expect_err("invalid");
    let TranslateError::InvalidPath { name, path, reason } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(name, "\"broken\"");
    assert_eq!(path, "\"$.results[\"");
    assert!(reason.contains("position"), "{reason}");
    assert!(
        error
            .to_string()
            .starts_with("translationMap[\"broken\"]: \"$.results[\" is not a valid JSONPath"),
        "{error}"
    );
}

#[test]
fn paths_other_engines_take_are_invalid_under_rfc_9535() {
    // Some engines take a path without the `$`, or a script expression.
    for path in ["results[0].id", "$.results[(@.length-1)]"] {
        assert!(
            matches!(
                run(json!({ "id": path }), json!({})),
                Err(TranslateError::InvalidPath { .. })
            ),
            "{path}"
        );
    }
}

#[test]
fn a_path_that_is_not_a_string_is_an_error() {
    assert_eq!(
        run(json!({ "id": 7 }), json!({})),
        Err(TranslateError::PathNotString {
            name: "\"id\"".into(),
            found: "7".into(),
        })
    );
}

#[test]
fn a_body_that_is_not_json_is_an_error_quoting_its_first_characters_escaped() {
    let body = "<html>\n\u{1b}[31m<head><title>502 Bad Gateway</title></head> and more text";
    let error = translate(body, &Map::new(), &Map::new()).expect_err("HTML");
    let TranslateError::NotJson { reason, start } = &error else {
        panic!("{error:?}");
    };
    assert!(reason.contains("line 1 column 1"), "{reason}");
    assert!(start.starts_with("\"<html>\\n\\u001b[31m<head>"), "{start}");
    assert!(start.ends_with("…\""), "{start}");
    assert!(!error.to_string().contains('\u{1b}'));
}

#[test]
fn an_empty_body_is_an_error() {
    assert_eq!(
        translate(" \n", &Map::new(), &Map::new()),
        Err(TranslateError::EmptyBody)
    );
}

#[test]
fn an_empty_map_translates_any_json_body() {
    let translation = translate("[1, 2]", &Map::new(), &Map::new()).expect("JSON");
    assert!(translation.entries.is_empty());
}

#[test]
fn entries_keep_the_map_order() {
    let paths = map(json!({ "b": "$.page.total", "a": "$['a b']", "c": "$.results[1].id" }));
    let translation = translate(CUSTOMERS, &paths, &Map::new()).expect("translates");
    let names: Vec<&str> = translation
        .entries
        .iter()
        .map(|e| e.name.as_str())
        .collect();
    let expected: Vec<&str> = paths.keys().map(String::as_str).collect();
    assert_eq!(names, expected);
    assert_eq!(
        Value::Object(translation.values()),
        json!({ "a": "spaced", "b": 2, "c": "c-2" })
    );
}

#[test]
fn rfc_9535_filter_without_parentheses() {
    let entry = one("$.results[?@.openCaseCount == 2].name");
    assert_eq!(entry.value, json!("Ada Lovelace"));
}

#[test]
fn rfc_9535_filter_with_parentheses_and_a_string_literal() {
    assert_eq!(one("$.results[?(@.tier == 'GOLD')].id").value, json!("c-1"));
}

#[test]
fn rfc_9535_descendant_segment() {
    let entry = one("$..id");
    assert_eq!(entry.value, json!(["c-1", "c-2"]));
    assert_eq!(one("$..total").value, json!(2));
}

#[test]
fn rfc_9535_bracketed_name_with_a_space() {
    assert_eq!(one("$['a b']").value, json!("spaced"));
}

#[test]
fn rfc_9535_functions_length_and_match() {
    assert_eq!(
        one("$.results[?length(@.tags) == 1].id").value,
        json!("c-1")
    );
    assert_eq!(
        one("$.results[?match(@.name, 'Charles.*')].id").value,
        json!("c-2")
    );
}

#[test]
fn the_realistic_example_action_translates_with_its_defaults() {
    // translationMap and translationMapDefaults of the example "Lookup customer by phone"
    // action; the answer has no tier and no open case count.
    let paths = map(json!({
        "customerId": "$.results[0].id",
        "fullName":   "$.results[0].name",
        "tier":       "$.results[0].tier",
        "openCases":  "$.results[0].openCaseCount"
    }));
    let defaults = map(json!({ "tier": "\"STANDARD\"", "openCases": "0" }));
    let body = r#"{"results":[{"id":"c-9","name":"Grace Hopper"}]}"#;
    let translation = translate(body, &paths, &defaults).expect("translates");
    assert_eq!(
        Value::Object(translation.values()),
        json!({ "customerId": "c-9", "fullName": "Grace Hopper", "tier": "STANDARD", "openCases": 0 })
    );
    let defaulted: Vec<&str> = translation
        .entries
        .iter()
        .filter(|e| e.source == Source::Default)
        .map(|e| e.name.as_str())
        .collect();
    assert_eq!(defaulted, ["openCases", "tier"]);
}

#[test]
fn control_characters_in_names_and_paths_are_escaped_in_errors() {
    let error = run(json!({ "x\u{1b}]0;t\u{7}": "$.no\u{9b}pe" }), json!({})).expect_err("x");
    let message = error.to_string();
    assert!(!message.chars().any(char::is_control), "{message:?}");
}

#[test]
fn values_past_the_budget_fail_the_step_rather_than_take_the_memory() {
    let big = format!(
        r#"{{"a": "{}"}}"#,
        "x".repeat(MAX_TRANSLATED_BYTES / 4 - 100)
    );
    let mut map = Map::new();
    for i in 0..5 {
        map.insert(format!("copy{i}"), json!("$"));
    }
    let error = translate(&big, &map, &Map::new()).expect_err("over the budget");
    assert!(matches!(error, TranslateError::TooLarge { .. }), "{error}");
    assert!(
        error.to_string().contains("copy4"),
        "the fifth copy is the one over: {error}"
    );
    map.remove("copy4");
    assert!(
        translate(&big, &map, &Map::new()).is_ok(),
        "four copies fit"
    );
}
