//! The template lint at scale (a flood of problems is capped and counted, a long list of
//! inputs is cut in the message) and the secret-header rule's idea of a literal.

use super::tests::{check, only, with_edit, with_line};
use crate::payload::Severity;
use crate::payload::checks::MAX_DIAGNOSTICS;

/// A payload whose input contract has `inputs` properties (`in0` …) and whose body
/// template references `unknown` inputs none of them defines, each under its own name.
fn flood(inputs: usize, unknown: usize) -> String {
    let properties: Vec<String> = (0..inputs)
        .map(|i| format!(r#""in{i}": {{ "type": "string" }}"#))
        .collect();
    let body: String = (0..unknown)
        .map(|i| format!("${{input.zz_{i}}} "))
        .collect();
    let text = with_line(
        6,
        &format!(
            r#"    "input": {{ "inputSchema": {{ "type": "object", "properties": {{ {} }} }} }},"#,
            properties.join(", ")
        ),
    );
    let text = text.replace(
        r#""requestUrlTemplate": "https://x.example.com/items/$esc.url(${input.id})""#,
        r#""requestUrlTemplate": "https://x.example.com/items""#,
    );
    text.replace(
        r#""requestTemplate": "${input.rawRequest}""#,
        &format!(r#""requestTemplate": "{body}""#),
    )
}

#[test]
fn a_flood_of_distinct_unknown_inputs_is_capped_and_every_one_counted() {
    let report = check(&flood(5_000, 20_000));
    assert_eq!(report.diagnostics.len(), MAX_DIAGNOSTICS);
    let shown = &report.diagnostics[..MAX_DIAGNOSTICS - 1];
    assert!(
        shown.iter().all(|d| d.severity == Severity::Error
            && d.message
                .contains("which the input contract does not define")),
        "{:#?}",
        &shown[..3]
    );
    let last = report.diagnostics.last().expect("a summary");
    assert_eq!(
        last.message,
        format!(
            "{} more problems not shown; fix these first",
            20_000 - (MAX_DIAGNOSTICS - 1)
        )
    );
}

#[test]
fn the_unknown_input_message_lists_ten_inputs_then_how_many_more() {
    let d = only(&flood(25, 1));
    assert!(
        d.message.ends_with(
            "add it to contract.input.inputSchema.properties (defined: in0, in1, in10, in11, in12, in13, in14, in15, in16, in17 … and 15 more)"
        ),
        "{}",
        d.message
    );
}

#[test]
fn a_repeated_unknown_success_name_is_capped_and_counted() {
    let many = "${nmae} ".repeat(1_000);
    let text = with_edit(
        18,
        r#""successTemplate": "{ \"name\": ${name} }""#,
        &format!(r#""successTemplate": "{many}""#),
    );
    let report = check(&text);
    assert_eq!(report.diagnostics.len(), MAX_DIAGNOSTICS);
    assert!(
        report.diagnostics[0]
            .message
            .ends_with("did you mean \"name\"?")
    );
    let last = report.diagnostics.last().expect("a summary");
    assert_eq!(
        last.message,
        format!(
            "{} more problems not shown; fix these first",
            1_000 - (MAX_DIAGNOSTICS - 1)
        )
    );
}

#[test]
fn a_macro_over_literals_in_a_secret_header_is_warned() {
    let text = with_edit(
        13,
        r#"{ "Authorization": "Bearer ${credentials.token}" }"#,
        r#"{ "Authorization": "Basic $encoding.base64(\"user:pass\")" }"#,
    );
    let d = only(&text);
    assert_eq!(d.severity, Severity::Warning);
    assert_eq!(d.pointer, "/config/request/headers/Authorization");
    assert!(
        d.message
            .contains("a literal value in a header that looks secret")
    );
    assert!(!d.message.contains("user:pass"));
}

#[test]
fn a_macro_over_references_in_a_secret_header_is_not_warned() {
    for header in [
        r#"Basic $encoding.base64(\"${credentials.user}:${credentials.pass}\")"#,
        r#"Basic $encoding.base64(\"$credentials.user:$credentials.pass\")"#,
        r#"Bearer $!{credentials.token}"#,
        r#"$input.id"#,
    ] {
        let text = with_edit(
            13,
            r#"{ "Authorization": "Bearer ${credentials.token}" }"#,
            &format!(r#"{{ "Authorization": "{header}" }}"#),
        );
        assert!(
            check(&text).diagnostics.is_empty(),
            "{header}: {:#?}",
            check(&text).diagnostics
        );
    }
}
