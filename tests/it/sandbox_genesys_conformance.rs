//! Every genesys-cloud answer the sandbox gives, checked against the platform's API
//! description (`tests/fixtures/genesys-actions.swagger.json`, a copy of the public API
//! description rebuilt from the platform's SDK): the definition each (path, method, status)
//! names there, validated as JSON Schema draft 4 (Swagger 2.0 schemas are that dialect,
//! and their `#/definitions/X` refs resolve in a root that keeps `definitions`).

use std::path::PathBuf;

use serde_json::{Value, json};

use crate::sandbox_genesys_common::exchanges;

fn swagger() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/genesys-actions.swagger.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("the API description at {}: {e}", path.display()));
    serde_json::from_str(&text).expect("the swagger parses")
}

/// The definitions, with the two fields the SDK generator types `object` for a Java `Object`
/// (any JSON value) loosened to any value: a test run's `result` is a string for some
/// operations (the URL resolved), and `finalResult` is whatever the success template gave.
fn definitions(swagger: &Value) -> Value {
    let mut definitions = swagger["definitions"].clone();
    for (model, field) in [
        ("TestExecutionOperationResult", "result"),
        ("TestExecutionResult", "finalResult"),
    ] {
        let property = definitions[model]["properties"][field]
            .as_object_mut()
            .unwrap_or_else(|| panic!("{model}.{field} is in the swagger"));
        assert_eq!(
            property.remove("type"),
            Some(json!("object")),
            "{model}.{field}"
        );
    }
    definitions
}

/// The definition the swagger names for this answer, if it describes the path.
fn definition(swagger: &Value, template: &str, method: &str, status: u16) -> Option<String> {
    let operation = swagger["paths"].get(template)?.get(method)?;
    let reference = operation["responses"][status.to_string()]["schema"]["$ref"]
        .as_str()
        .unwrap_or_else(|| panic!("{method} {template} has no schema for {status}"));
    Some(reference.trim_start_matches("#/definitions/").to_string())
}

#[tokio::test]
async fn every_genesys_answer_matches_the_platforms_definition() {
    let swagger = swagger();
    let definitions = definitions(&swagger);
    let mut checked = std::collections::BTreeMap::<String, usize>::new();
    let mut runs = Vec::new();
    for exchange in exchanges().await {
        let method = exchange.method.as_str().to_ascii_lowercase();
        let Some(name) = definition(&swagger, exchange.template, &method, exchange.status) else {
            // The integrations listing is outside the swagger's subset (Data Actions only).
            assert_eq!(exchange.template, "/api/v2/integrations");
            continue;
        };
        let root = json!({
            "$ref": format!("#/definitions/{name}"),
            "definitions": definitions,
        });
        // `format: uri` is not checked: the platform writes its links as paths.
        let validator = jsonschema::draft4::options()
            .should_validate_formats(false)
            .build(&root)
            .expect("the definitions compile");
        let errors: Vec<String> = validator
            .iter_errors(&exchange.body)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{method} {} {} is not a {name}: {errors:?}\n{}",
            exchange.template,
            exchange.status,
            exchange.body
        );
        if name == "TestExecutionResult" {
            runs.push(exchange.body["success"].clone());
        }
        *checked.entry(name).or_default() += 1;
    }
    assert!(
        runs.contains(&json!(true)) && runs.contains(&json!(false)),
        "a passing and a failing test run are checked: {runs:?}"
    );
    for name in [
        "Action",
        "ActionEntityListing",
        "DraftValidationResult",
        "ErrorBody",
        "CategoryEntityListing",
        "TestExecutionResult",
    ] {
        assert!(
            checked.contains_key(name),
            "no answer checked as {name}: {checked:?}"
        );
    }
}

/// The check above must be able to fail: an answer with a field of the wrong type is
/// refused by the same validator.
#[test]
fn the_definitions_refuse_a_wrong_shape() {
    let swagger = swagger();
    let root = json!({"$ref": "#/definitions/ErrorBody", "definitions": swagger["definitions"]});
    let validator = jsonschema::draft4::options()
        .should_validate_formats(false)
        .build(&root)
        .expect("compiles");
    assert!(!validator.is_valid(&json!({"status": "400", "details": [{"fieldName": 3}]})));
    assert!(validator.is_valid(&json!({"status": 400, "code": "bad.request"})));
}
