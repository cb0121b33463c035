//! One test per platform rule of the genesys-cloud checks, each asserting the exact
//! line:col reported (inside a template string, after the escapes before the place).

use crate::dialect::Api;
use crate::payload::{
    CheckReport, Diagnostic, GENESYS_TEMPLATES, Severity, TEMPLATES, check_text_for, templates_for,
};

const BASE: &str = r#"{
  "name": "Lookup",
  "category": "CRM",
  "integrationId": "int-1",
  "contract": {
    "input": { "inputSchema": { "type": "object", "properties": { "id": { "type": "string" }, "flag": { "type": "boolean" } } } },
    "output": { "successSchema": { "type": "object", "properties": { "name": { "type": "string" } } } }
  },
  "config": {
    "request": {
      "requestUrlTemplate": "https://x.example.com/items/$esc.url(${input.id})",
      "requestType": "GET",
      "headers": { "Authorization": "Bearer ${credentials.token}" },
      "requestTemplate": "${input.rawRequest}"
    },
    "response": {
      "translationMap": { "name": "$.name" },
      "successTemplate": "{ \"name\": ${name} }"
    }
  }
}"#;

/// BASE with 1-based line `n` replaced.
pub(super) fn with_line(n: usize, line: &str) -> String {
    BASE.lines()
        .enumerate()
        .map(|(i, l)| if i + 1 == n { line } else { l })
        .collect::<Vec<_>>()
        .join("\n")
}

/// BASE with `from` replaced by `to` on line `n` (which must hold it).
pub(super) fn with_edit(n: usize, from: &str, to: &str) -> String {
    let line = BASE.lines().nth(n - 1).expect("line exists");
    assert!(line.contains(from), "line {n} holds {from}");
    with_line(n, &line.replace(from, to))
}

pub(super) fn check(text: &str) -> CheckReport {
    check_text_for(Api::GenesysCloud, text)
}

pub(super) fn only(text: &str) -> Diagnostic {
    let report = check(text);
    assert_eq!(report.diagnostics.len(), 1, "{:#?}", report.diagnostics);
    report.diagnostics[0].clone()
}

fn assert_at(d: &Diagnostic, severity: Severity, line: usize, column: usize, pointer: &str) {
    assert_eq!(
        (d.severity, d.line, d.column, d.pointer.as_str()),
        (severity, line, column, pointer),
        "{d:#?}"
    );
}

const INPUT_LINE: usize = 6;
const OUTPUT_LINE: usize = 7;
const URL_LINE: usize = 11;

#[test]
fn the_base_payload_is_clean() {
    let report = check(BASE);
    assert!(report.diagnostics.is_empty(), "{:#?}", report.diagnostics);
}

#[test]
fn the_genesys_templates_are_clean_and_submit_on_the_sandbox() {
    assert_eq!(templates_for(Api::CxoneV2), TEMPLATES);
    assert_eq!(templates_for(Api::GenesysCloud), GENESYS_TEMPLATES);
    assert_eq!(GENESYS_TEMPLATES[0].0, "genesys-lookup");
    for (name, text) in GENESYS_TEMPLATES {
        let report = check(text);
        assert!(
            report.diagnostics.is_empty(),
            "{name}: {:#?}",
            report.diagnostics
        );
        let value = report.value.expect("parses");
        assert_eq!(
            value["integrationId"],
            crate::config::SANDBOX_INTEGRATION_ID,
            "{name}"
        );
    }
}

#[test]
fn the_reference_examples_have_no_errors() {
    for (name, text) in [
        (
            "minimal",
            include_str!("../../../tests/fixtures/genesys-create-minimal.json"),
        ),
        (
            "realistic",
            include_str!("../../../tests/fixtures/genesys-create-realistic.json"),
        ),
    ] {
        let report = check(text);
        assert!(!report.has_errors(), "{name}: {:#?}", report.diagnostics);
        // Each puts one input in its URL without $esc.url: warned, not refused.
        let warnings: Vec<&str> = report
            .diagnostics
            .iter()
            .map(|d| d.pointer.as_str())
            .collect();
        assert_eq!(warnings, ["/config/request/requestUrlTemplate"], "{name}");
    }
}

#[test]
fn a_cxone_payload_is_refused_with_the_genesys_field_names() {
    let report = check(crate::payload::TEMPLATES[0].1);
    assert!(report.has_errors());
    assert!(
        report
            .diagnostics
            .iter()
            .any(|d| d.message == "payload: missing required field \"category\" (a string)"),
        "{:#?}",
        report.diagnostics
    );
}

// ----- the schema ---------------------------------------------------------------------

#[test]
fn a_missing_integration_id_is_a_warning_at_the_object() {
    let d = only(&with_line(4, ""));
    assert_at(&d, Severity::Warning, 1, 1, "/integrationId");
    assert_eq!(
        d.message,
        "payload: no \"integrationId\"; the profile's integration_id is used, if it has one; the platform refuses an action without one (set \"integrationId\" here or integration_id in the profile)"
    );
}

#[test]
fn a_misspelt_top_level_field_gets_a_hint_and_the_required_one_is_missing() {
    let report = check(&with_line(3, r#"  "categry": "CRM","#));
    let found: Vec<(usize, usize, &str, &str)> = report
        .diagnostics
        .iter()
        .map(|d| (d.line, d.column, d.pointer.as_str(), d.message.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (
                1,
                1,
                "/category",
                "payload: missing required field \"category\" (a string)"
            ),
            (
                3,
                3,
                "/categry",
                "payload: unknown field \"categry\"; did you mean \"category\"?"
            ),
        ]
    );
}

#[test]
fn id_and_version_are_allowed_at_the_top_level() {
    let text = with_line(
        4,
        r#"  "integrationId": "int-1", "id": "abc", "version": 3,"#,
    );
    assert!(check(&text).diagnostics.is_empty());
    let d = only(&with_line(
        4,
        r#"  "integrationId": "int-1", "version": "3","#,
    ));
    assert_at(&d, Severity::Error, 4, 40, "/version");
}

#[test]
fn an_empty_name_is_an_error() {
    let d = only(&with_edit(2, "\"Lookup\"", "\"\""));
    assert_at(&d, Severity::Error, 2, 11, "/name");
    assert_eq!(d.message, "name: must not be empty");
}

#[test]
fn a_name_over_256_characters_is_an_error() {
    let d = only(&with_edit(2, "Lookup", &"n".repeat(257)));
    assert_at(&d, Severity::Error, 2, 11, "/name");
    assert_eq!(
        d.message,
        "name: must be at most 256 characters long (257 now)"
    );
}

#[test]
fn timeout_seconds_is_1_to_60() {
    let d = only(&with_line(9, r#"  "config": { "timeoutSeconds": 61,"#));
    assert_at(&d, Severity::Error, 9, 33, "/config/timeoutSeconds");
    assert_eq!(
        d.message,
        "config.timeoutSeconds: must be between 1 and 60 seconds, found 61"
    );
}

#[test]
fn request_type_outside_the_list_names_the_allowed_values() {
    let d = only(&with_edit(12, "\"GET\"", "\"FETCH\""));
    assert_at(&d, Severity::Error, 12, 22, "/config/request/requestType");
    assert_eq!(
        d.message,
        "config.request.requestType: \"FETCH\" is not allowed; allowed values: GET, PUT, POST, PATCH, DELETE"
    );
}

#[test]
fn a_misspelt_request_field_gets_a_hint() {
    let d = only(&with_edit(14, "\"requestTemplate\"", "\"requestTemplat\""));
    assert_at(&d, Severity::Error, 14, 7, "/config/request/requestTemplat");
    assert_eq!(
        d.message,
        "config.request: unknown field \"requestTemplat\"; did you mean \"requestTemplate\"?"
    );
}

// ----- the contract -------------------------------------------------------------------

#[test]
fn a_nested_object_in_the_input_contract_is_an_error_at_its_type() {
    let d = only(&with_edit(
        INPUT_LINE,
        r#""id": { "type": "string" }"#,
        r#""id": { "type": "object" }"#,
    ));
    assert_at(
        &d,
        Severity::Error,
        INPUT_LINE,
        83,
        "/contract/input/inputSchema/properties/id/type",
    );
    assert_eq!(
        d.message,
        "contract.input.inputSchema.properties.id: has type \"object\"; an input may only be string, integer, number, boolean, null (no nested object or array): pass the parts as inputs of their own, or the whole as a string"
    );
}

#[test]
fn an_input_property_without_a_type_is_an_error_at_the_property() {
    let d = only(&with_edit(
        INPUT_LINE,
        r#""id": { "type": "string" }"#,
        r#""id": { "description": "x" }"#,
    ));
    assert_at(
        &d,
        Severity::Error,
        INPUT_LINE,
        73,
        "/contract/input/inputSchema/properties/id/type",
    );
    assert!(
        d.message
            .ends_with("has no \"type\"; declare one of string, integer, number, boolean, null"),
        "{}",
        d.message
    );
}

#[test]
fn a_list_of_simple_types_is_allowed() {
    let text = with_edit(
        INPUT_LINE,
        r#"{ "type": "boolean" }"#,
        r#"{ "type": ["boolean", "null"] }"#,
    );
    assert!(check(&text).diagnostics.is_empty());
}

#[test]
fn an_input_contract_that_is_not_an_object_is_an_error_at_its_type() {
    let d = only(&with_edit(
        INPUT_LINE,
        r#""inputSchema": { "type": "object""#,
        r#""inputSchema": { "type": "array""#,
    ));
    assert_at(
        &d,
        Severity::Error,
        INPUT_LINE,
        41,
        "/contract/input/inputSchema/type",
    );
    assert_eq!(
        d.message,
        "contract.input.inputSchema.type: must be \"object\", found \"array\"; the input contract is an object of named values"
    );
}

#[test]
fn an_input_name_outside_the_pattern_is_an_error_at_the_name() {
    let d = only(&with_edit(INPUT_LINE, "\"flag\"", "\"fl ag\""));
    assert_at(
        &d,
        Severity::Error,
        INPUT_LINE,
        95,
        "/contract/input/inputSchema/properties/fl ag",
    );
    assert_eq!(
        d.message,
        "contract.input.inputSchema: \"fl ag\" is not a valid input name (a letter, then letters, digits, _ or -); rename the input"
    );
}

#[test]
fn a_reserved_input_name_is_an_error_at_the_name() {
    for reserved in ["orgId", "integrationId", "rawRequest"] {
        let d = only(&with_edit(
            INPUT_LINE,
            "\"flag\"",
            &format!("\"{reserved}\""),
        ));
        assert_at(
            &d,
            Severity::Error,
            INPUT_LINE,
            95,
            &format!("/contract/input/inputSchema/properties/{reserved}"),
        );
        assert!(
            d.message.contains("is reserved by the platform"),
            "{}",
            d.message
        );
    }
}

#[test]
fn a_ref_in_a_contract_is_an_error_at_the_key() {
    let d = only(&with_edit(
        OUTPUT_LINE,
        r#""name": { "type": "string" }"#,
        r##""name": { "$ref": "#/definitions/x" }"##,
    ));
    assert_at(
        &d,
        Severity::Error,
        OUTPUT_LINE,
        80,
        "/contract/output/successSchema/properties/name/$ref",
    );
    assert_eq!(
        d.message,
        "contract.output.successSchema.properties.name.$ref: \"$ref\" is not supported in a contract (found \"#/definitions/x\"); write the referenced schema in place"
    );
}

#[test]
fn an_array_of_arrays_in_the_output_contract_is_an_error_at_the_inner_type() {
    let d = only(&with_edit(
        OUTPUT_LINE,
        r#""name": { "type": "string" }"#,
        r#""name": { "type": "array", "items": { "type": "array" } }"#,
    ));
    assert_at(
        &d,
        Severity::Error,
        OUTPUT_LINE,
        116,
        "/contract/output/successSchema/properties/name/items/type",
    );
    assert!(d.message.contains("an array of arrays"), "{}", d.message);
}

#[test]
fn an_array_of_objects_holding_arrays_is_fine() {
    let text = with_edit(
        OUTPUT_LINE,
        r#""name": { "type": "string" }"#,
        r#""name": { "type": "array", "items": { "type": "object", "properties": { "tags": { "type": "array", "items": { "type": "string" } } } } }"#,
    );
    assert!(
        check(&text).diagnostics.is_empty(),
        "{:#?}",
        check(&text).diagnostics
    );
}

// ----- the templates ------------------------------------------------------------------

#[test]
fn an_unclosed_macro_is_an_error_at_its_dollar_in_the_string() {
    let d = only(&with_edit(URL_LINE, "${input.id})\"", "${input.id}\""));
    assert_at(
        &d,
        Severity::Error,
        URL_LINE,
        58,
        "/config/request/requestUrlTemplate",
    );
    assert_eq!(
        d.message,
        "config.request.requestUrlTemplate: $esc.url( is never closed in \"$esc.url(${input.id}\"; add \")\" after its arguments"
    );
}

#[test]
fn an_unclosed_reference_is_found_after_escapes_in_the_string() {
    // \" \u00e9 and \\ before the place: each is longer in the text than decoded.
    let d = only(&with_line(
        14,
        r#"      "requestTemplate": "{\"note\": \"caf\u00e9 \\ \", \"id\": \"${input.id\"}""#,
    ));
    assert_at(
        &d,
        Severity::Error,
        14,
        67,
        "/config/request/requestTemplate",
    );
    assert_eq!(
        d.message,
        "config.request.requestTemplate: ${ is never closed in \"${input.id\\\"}\"; add \"}\" after the variable name"
    );
}

#[test]
fn a_place_on_a_later_line_of_a_multiline_payload_keeps_its_line() {
    // The same string split over no lines (JSON strings cannot hold a raw newline), but the
    // object around it spread over several: the line is the string's.
    let text = BASE.replace(
        r#""requestTemplate": "${input.rawRequest}""#,
        "\"requestTemplate\":\n        \"\\t$!{input.flag\"",
    );
    let d = only(&text);
    assert_at(
        &d,
        Severity::Error,
        15,
        12,
        "/config/request/requestTemplate",
    );
}

#[test]
fn an_unknown_input_is_an_error_with_a_did_you_mean() {
    let d = only(&with_edit(URL_LINE, "input.id", "input.ids"));
    assert_at(
        &d,
        Severity::Error,
        URL_LINE,
        67,
        "/config/request/requestUrlTemplate",
    );
    assert_eq!(
        d.message,
        "config.request.requestUrlTemplate: \"${input.ids}\" uses input \"ids\", which the input contract does not define; did you mean \"id\"?"
    );
}

#[test]
fn an_unknown_input_without_a_close_name_lists_the_defined_ones() {
    let d = only(&with_edit(URL_LINE, "input.id", "input.zzzzzz"));
    assert_at(
        &d,
        Severity::Error,
        URL_LINE,
        67,
        "/config/request/requestUrlTemplate",
    );
    assert!(
        d.message
            .ends_with("add it to contract.input.inputSchema.properties (defined: flag, id)"),
        "{}",
        d.message
    );
}

#[test]
fn raw_request_is_always_an_input_and_shorthand_references_are_checked_too() {
    let text = with_edit(URL_LINE, "${input.id}", "$input.rawRequest");
    assert!(
        check(&text).diagnostics.is_empty(),
        "{:#?}",
        check(&text).diagnostics
    );
    let d = only(&with_edit(URL_LINE, "${input.id}", "$input.idd"));
    assert_at(
        &d,
        Severity::Error,
        URL_LINE,
        67,
        "/config/request/requestUrlTemplate",
    );
}

#[test]
fn a_success_template_name_outside_the_translation_map_is_an_error_after_escapes() {
    let d = only(&with_edit(18, "${name}", "${nmae}"));
    assert_at(
        &d,
        Severity::Error,
        18,
        39,
        "/config/response/successTemplate",
    );
    assert_eq!(
        d.message,
        "config.response.successTemplate: \"${nmae}\" is neither a translationMap key nor rawResult; did you mean \"name\"?"
    );
}

#[test]
fn a_success_template_may_use_raw_result_quiet_references_and_its_own_locals() {
    let text = with_line(
        18,
        r##"      "successTemplate": "#set($n = 1)$!{rawResult} $!{name} ${n} $esc.jsonString(${input.id})""##,
    );
    assert!(
        check(&text).diagnostics.is_empty(),
        "{:#?}",
        check(&text).diagnostics
    );
}

#[test]
fn input_in_the_url_outside_an_escaping_macro_is_a_warning() {
    let d = only(&with_edit(URL_LINE, "$esc.url(${input.id})", "${input.id}"));
    assert_at(
        &d,
        Severity::Warning,
        URL_LINE,
        58,
        "/config/request/requestUrlTemplate",
    );
    assert_eq!(
        d.message,
        "config.request.requestUrlTemplate: input \"${input.id}\" is not URL-escaped; write $esc.url(${input.id}) so a value with /, ?, & or a space cannot change the URL"
    );
    for escaping in [
        "$esc.uriEncode(${input.id})",
        "$esc.urlFormEncode($input.id)",
    ] {
        let text = with_edit(URL_LINE, "$esc.url(${input.id})", escaping);
        assert!(check(&text).diagnostics.is_empty(), "{escaping}");
    }
}

#[test]
fn a_literal_value_in_a_secret_looking_header_is_a_warning_at_its_value() {
    let d = only(&with_line(
        13,
        r#"      "headers": { "X-API-Key": "abc123" },"#,
    ));
    assert_at(
        &d,
        Severity::Warning,
        13,
        33,
        "/config/request/headers/X-API-Key",
    );
    assert_eq!(
        d.message,
        "config.request.headers[\"X-API-Key\"]: a literal value in a header that looks secret; reference a credential of the integration instead (such as ${credentials.apiKey}) so the secret is not stored in the action"
    );
    assert!(!d.message.contains("abc123"));
}

#[test]
fn a_header_holding_a_template_reference_or_an_ordinary_name_is_not_warned() {
    for headers in [
        r#"{ "X-API-Key": "$credentials.key" }"#,
        r#"{ "Token": "$encoding.base64(${credentials.a})" }"#,
        r#"{ "Accept": "application/json" }"#,
    ] {
        let text = with_edit(
            13,
            r#"{ "Authorization": "Bearer ${credentials.token}" }"#,
            headers,
        );
        assert!(check(&text).diagnostics.is_empty(), "{headers}");
    }
}

#[test]
fn a_flood_of_template_problems_is_capped_with_a_summary() {
    let many = "${input.nope}".repeat(500);
    let text = with_line(14, &format!("      \"requestTemplate\": \"{many}\""));
    let report = check(&text);
    assert_eq!(
        report.diagnostics.len(),
        crate::payload::checks::MAX_DIAGNOSTICS
    );
    let last = report.diagnostics.last().expect("a summary");
    assert_eq!(last.message, "301 more problems not shown; fix these first");
}
