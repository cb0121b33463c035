//! The contract checks and the input skeleton, on the example actions' contracts (copied
//! here as literals: a "Lookup customer by phone" action and a minimal echo action).

use super::*;
use serde_json::json;

/// The input contract of the "Lookup customer by phone" example action.
fn lookup_input() -> Value {
    json!({
        "$schema": "http://json-schema.org/draft-04/schema#",
        "title": "LookupCustomerRequest",
        "type": "object",
        "required": ["phoneNumber"],
        "properties": {
            "phoneNumber": { "type": "string", "description": "E.164 caller number" },
            "includeInactive": { "type": "boolean" }
        },
        "additionalProperties": true
    })
}

/// Its output contract (`successSchema`).
fn lookup_output() -> Value {
    json!({
        "$schema": "http://json-schema.org/draft-04/schema#",
        "title": "LookupCustomerResponse",
        "type": "object",
        "properties": {
            "customerId": { "type": "string" },
            "fullName":   { "type": "string" },
            "tier":       { "type": "string" },
            "openCases":  { "type": "integer" }
        },
        "additionalProperties": true
    })
}

/// The input contract of the minimal echo example action.
fn echo_input() -> Value {
    json!({ "type": "object", "properties": { "id": { "type": "string" } } })
}

/// An input contract with every property type and a closed set of properties.
fn strict_input() -> Value {
    json!({
        "type": "object",
        "required": ["zip", "count"],
        "properties": {
            "active": { "type": "boolean" },
            "count": { "type": "integer" },
            "nothing": { "type": "null" },
            "ratio": { "type": "number" },
            "zip": { "type": "string" },
            "label": { "type": ["null", "string"] }
        },
        "additionalProperties": false
    })
}

fn violations(result: Result<(), Vec<ContractError>>) -> Vec<(String, String)> {
    result
        .expect_err("fails")
        .into_iter()
        .map(|error| (error.pointer().to_string(), error.to_string()))
        .collect()
}

#[test]
fn a_result_that_follows_the_output_contract_passes() {
    let result = json!({ "customerId": "c-1", "fullName": "Ada", "tier": "GOLD", "openCases": 2 });
    assert_eq!(validate_output(&result, &lookup_output()), Ok(()));
}

#[test]
fn a_result_with_wrong_types_fails_with_each_pointer() {
    let result = json!({ "customerId": 7, "fullName": "Ada", "tier": "GOLD", "openCases": 2.5 });
    let mut found = violations(validate_output(&result, &lookup_output()));
    found.sort();
    assert_eq!(
        found,
        [
            (
                "/customerId".to_string(),
                "/customerId must be a string, found an integer".to_string()
            ),
            (
                "/openCases".to_string(),
                "/openCases must be an integer, found a number".to_string()
            ),
        ]
    );
}

#[test]
fn a_nested_output_contract_points_into_arrays() {
    let contract = json!({
        "type": "object",
        "properties": {
            "cases": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id"],
                    "properties": { "id": { "type": "string" } }
                }
            }
        }
    });
    let result = json!({ "cases": [{ "id": "a" }, { "title": "no id" }] });
    assert_eq!(
        violations(validate_output(&result, &contract)),
        [(
            "/cases/1/id".to_string(),
            "/cases/1: missing required property \"id\" (a string)".to_string()
        )]
    );
}

#[test]
fn a_result_that_is_not_an_object_names_the_result() {
    assert_eq!(
        violations(validate_output(&json!([1]), &lookup_output())),
        [(
            String::new(),
            "the result must be an object, found an array".to_string()
        )]
    );
}

#[test]
fn other_keywords_keep_the_validator_message_without_the_value() {
    let contract =
        json!({ "type": "object", "properties": { "code": { "type": "string", "maxLength": 3 } } });
    let found = violations(validate_output(&json!({ "code": "SECRET-42" }), &contract));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0, "/code");
    assert!(found[0].1.starts_with("/code: "), "{}", found[0].1);
    assert!(!found[0].1.contains("SECRET"), "{}", found[0].1);
}

#[test]
fn an_enum_lists_the_allowed_values() {
    let contract = json!({ "properties": { "tier": { "enum": ["GOLD", "SILVER"] } } });
    assert_eq!(
        violations(validate_output(&json!({ "tier": "TIN" }), &contract)),
        [(
            "/tier".to_string(),
            "/tier must be one of [\"GOLD\",\"SILVER\"]".to_string()
        )]
    );
}

#[test]
fn a_contract_that_does_not_compile_is_its_own_error() {
    let errors = validate_output(&json!({}), &json!({ "type": "no-such-type" })).expect_err("bad");
    assert_eq!(errors.len(), 1);
    assert!(
        matches!(
            &errors[0],
            ContractError::InvalidSchema {
                contract: "output contract",
                ..
            }
        ),
        "{errors:?}"
    );
    assert_eq!(errors[0].pointer(), "");
    assert!(
        errors[0]
            .to_string()
            .starts_with("the output contract is not a valid JSON schema (draft-04): at /type: "),
        "{}",
        errors[0]
    );
}

#[test]
fn an_input_that_follows_the_input_contract_passes() {
    let input = json!({ "phoneNumber": "+3225551234", "includeInactive": false, "extra": 1 });
    assert_eq!(validate_input(&input, &lookup_input()), Ok(()));
}

#[test]
fn a_missing_required_input_property_is_named_with_its_type() {
    let input = json!({ "includeInactive": true });
    assert_eq!(
        violations(validate_input(&input, &lookup_input())),
        [(
            "/phoneNumber".to_string(),
            "missing required property \"phoneNumber\" (a string)".to_string()
        )]
    );
}

#[test]
fn a_wrong_input_type_names_the_property_and_not_the_value() {
    let input = json!({ "phoneNumber": "+3225551234", "includeInactive": "yes-secret" });
    let found = violations(validate_input(&input, &lookup_input()));
    assert_eq!(
        found,
        [(
            "/includeInactive".to_string(),
            "property \"includeInactive\" must be a boolean, found a string".to_string()
        )]
    );
}

#[test]
fn an_extra_input_property_fails_when_the_contract_forbids_it() {
    let input = json!({ "zip": "1000", "count": 1, "colour": "red" });
    assert_eq!(
        violations(validate_input(&input, &strict_input())),
        [(
            "/colour".to_string(),
            "property \"colour\" is not in the input contract (it allows: \"active\", \"count\", \"label\", \"nothing\", \"ratio\", \"zip\")"
                .to_string()
        )]
    );
}

#[test]
fn every_input_problem_is_reported_at_once() {
    let input = json!({ "count": "3", "ratio": true });
    let mut found = violations(validate_input(&input, &strict_input()));
    found.sort();
    assert_eq!(
        found,
        [
            (
                "/count".to_string(),
                "property \"count\" must be an integer, found a string".to_string()
            ),
            (
                "/ratio".to_string(),
                "property \"ratio\" must be a number, found a boolean".to_string()
            ),
            (
                "/zip".to_string(),
                "missing required property \"zip\" (a string)".to_string()
            ),
        ]
    );
}

#[test]
fn an_input_that_is_not_an_object_names_the_input() {
    assert_eq!(
        violations(validate_input(&json!("+3225551234"), &lookup_input())),
        [(
            String::new(),
            "the input must be an object, found a string".to_string()
        )]
    );
}

#[test]
fn a_union_type_lists_each_type() {
    let input = json!({ "zip": "1000", "count": 1, "label": 3 });
    assert_eq!(
        violations(validate_input(&input, &strict_input())),
        [(
            "/label".to_string(),
            "property \"label\" must be null or a string, found an integer".to_string()
        )]
    );
}

#[test]
fn names_with_control_characters_are_escaped() {
    let contract = json!({
        "type": "object",
        "required": ["a\u{1b}[2J"],
        "properties": { "b\u{9b}": { "type": "string" } },
        "additionalProperties": false
    });
    let errors = validate_input(&json!({ "c\u{7}": 1 }), &contract).expect_err("fails");
    for error in &errors {
        let text = format!("{} {}", error.pointer(), error);
        assert!(!text.chars().any(char::is_control), "{text:?}");
    }
    assert_eq!(errors.len(), 2);
}

#[test]
fn the_skeleton_of_the_lookup_action_puts_required_properties_first() {
    assert_eq!(
        input_skeleton(&lookup_input()),
        json!({ "phoneNumber": "", "includeInactive": false })
    );
    assert_eq!(
        input_skeleton_text(&lookup_input()),
        "{\n  \"phoneNumber\": \"\",\n  \"includeInactive\": false\n}"
    );
}

#[test]
fn the_skeleton_of_the_echo_action() {
    assert_eq!(input_skeleton(&echo_input()), json!({ "id": "" }));
    assert_eq!(input_skeleton_text(&echo_input()), "{\n  \"id\": \"\"\n}");
}

#[test]
fn the_skeleton_fills_each_type() {
    assert_eq!(
        input_skeleton(&strict_input()),
        json!({
            "active": false,
            "count": 0,
            "label": "",
            "nothing": null,
            "ratio": 0,
            "zip": ""
        })
    );
    let text = input_skeleton_text(&strict_input());
    let order: Vec<&str> = text
        .lines()
        .filter_map(|line| line.trim().split('"').nth(1))
        .collect();
    assert_eq!(
        order,
        ["zip", "count", "active", "label", "nothing", "ratio"]
    );
}

#[test]
fn the_skeleton_of_a_contract_without_properties_is_an_empty_object() {
    let contract = json!({ "type": "object" });
    assert_eq!(input_skeleton(&contract), json!({}));
    assert_eq!(input_skeleton_text(&contract), "{}");
}

#[test]
fn the_skeleton_passes_the_contract_it_comes_from() {
    for contract in [lookup_input(), echo_input(), strict_input()] {
        let skeleton: Value =
            serde_json::from_str(&input_skeleton_text(&contract)).expect("JSON text");
        assert_eq!(skeleton, input_skeleton(&contract));
        assert_eq!(validate_input(&skeleton, &contract), Ok(()), "{contract}");
    }
}
