//! One test per rule of the payload checks, each asserting the exact line:col reported.

use super::*;
use crate::payload::{Diagnostic, GENESYS_TEMPLATES, Severity, TEMPLATES};
use proptest::prelude::*;

const BASE: &str = r#"{
  "name": "FetchExternalInventory",
  "type": "REST",
  "configuration": {
    "method": "GET",
    "url": "https://inventory.example.com/stock",
    "timeout": 3000,
    "headers": { "X-API-Key": "{{key}}" }
  },
  "enabled": true,
  "tags": ["inventory"]
}"#;

/// BASE with 1-based line `n` replaced.
fn with_line(n: usize, line: &str) -> String {
    BASE.lines()
        .enumerate()
        .map(|(i, l)| if i + 1 == n { line } else { l })
        .collect::<Vec<_>>()
        .join("\n")
}

fn only(text: &str) -> Diagnostic {
    let report = check_text(text);
    assert_eq!(report.diagnostics.len(), 1, "{:#?}", report.diagnostics);
    report.diagnostics[0].clone()
}

fn assert_at(d: &Diagnostic, line: usize, column: usize, pointer: &str) {
    assert_eq!(
        (d.line, d.column, d.pointer.as_str()),
        (line, column, pointer),
        "{d:#?}"
    );
}

#[test]
fn the_base_payload_and_the_templates_are_clean() {
    assert!(check_text(BASE).diagnostics.is_empty());
    for (name, text) in TEMPLATES {
        let report = check_text(text);
        assert!(
            report.diagnostics.is_empty(),
            "{name}: {:#?}",
            report.diagnostics
        );
    }
}

#[test]
fn syntax_error_reports_line_and_character_column() {
    let d = only(&with_line(3, r#"  "type": "REST" ,,"#));
    assert_at(&d, 3, 19, "");
    assert!(d.message.starts_with("invalid JSON"), "{}", d.message);
}

#[test]
fn syntax_error_column_counts_characters_after_multibyte_text() {
    let d = only(&with_line(2, r#"  "name": "Überprüfung€", oops"#));
    assert_at(&d, 2, 27, "");
}

#[test]
fn unterminated_text_points_at_its_end() {
    let text = "{\n  \"name\": \"x\",\n";
    let d = only(text);
    assert_at(&d, 3, 1, "");
    assert!(d.message.contains("ends too early"), "{}", d.message);
}

#[test]
fn end_of_input_is_reported_one_past_the_last_character() {
    assert_at(&only("{"), 1, 2, "");
    assert_at(&only("[1, 2"), 1, 6, "");
    assert_at(&only("{\"a\": "), 1, 7, "");
    assert_at(&only(""), 1, 1, "");
}

#[test]
fn a_byte_order_mark_is_named() {
    let d = only(&format!("\u{feff}{BASE}"));
    assert_at(&d, 1, 1, "");
    assert!(d.message.contains("byte-order mark"));
}

#[test]
fn missing_name_points_at_the_parent_object() {
    let text = BASE.replace("  \"name\": \"FetchExternalInventory\",\n", "");
    let d = only(&text);
    assert_at(&d, 1, 1, "/name");
    assert!(
        d.message.contains("missing required field \"name\""),
        "{}",
        d.message
    );
}

#[test]
fn missing_method_points_at_configuration() {
    let d = only(&with_line(5, ""));
    assert_at(&d, 4, 20, "/configuration/method");
    assert!(
        d.message.contains("GET, POST, PUT, PATCH, DELETE"),
        "{}",
        d.message
    );
}

#[test]
fn empty_name_is_an_error_at_the_value() {
    let d = only(&with_line(2, r#"  "name": "","#));
    assert_at(&d, 2, 11, "/name");
    assert!(d.message.contains("must not be empty"));
}

#[test]
fn name_longer_than_128_characters_is_an_error() {
    let d = only(&with_line(
        2,
        &format!(r#"  "name": "{}","#, "é".repeat(129)),
    ));
    assert_at(&d, 2, 11, "/name");
    assert!(
        d.message.contains("at most 128 characters long (129 now)"),
        "{}",
        d.message
    );
    assert!(
        check_text(&with_line(
            2,
            &format!(r#"  "name": "{}","#, "é".repeat(128))
        ))
        .diagnostics
        .is_empty()
    );
}

#[test]
fn name_with_a_control_character_is_an_error() {
    for escaped in [r"\u0007", r"\n", r"\u007f", r"\u0085"] {
        let d = only(&with_line(2, &format!(r#"  "name": "a{escaped}b","#)));
        assert_at(&d, 2, 11, "/name");
        assert!(d.message.contains("control characters"), "{}", d.message);
    }
}

#[test]
fn description_over_1024_characters_is_an_error() {
    let d = only(&with_line(
        3,
        &format!(
            r#"  "type": "REST", "description": "{}","#,
            "d".repeat(1025)
        ),
    ));
    assert_at(&d, 3, 34, "/description");
}

#[test]
fn type_other_than_rest_names_the_allowed_value() {
    let d = only(&with_line(3, r#"  "type": "SOAP","#));
    assert_at(&d, 3, 11, "/type");
    assert!(
        d.message
            .contains("\"SOAP\" is not allowed; allowed values: REST"),
        "{}",
        d.message
    );
}

#[test]
fn unknown_top_level_field_points_at_the_key_with_a_hint() {
    let d = only(&with_line(10, r#"  "enabeld": true,"#));
    assert_at(&d, 10, 3, "/enabeld");
    assert!(
        d.message.contains("did you mean \"enabled\"?"),
        "{}",
        d.message
    );
}

#[test]
fn unknown_field_without_a_close_match_lists_the_allowed_names() {
    let d = only(&with_line(10, r#"  "zzzzzzzz": true,"#));
    assert_at(&d, 10, 3, "/zzzzzzzz");
    assert!(d.message.contains("allowed: "), "{}", d.message);
    assert!(d.message.contains("configuration"), "{}", d.message);
}

#[test]
fn unknown_configuration_field_gets_a_hint() {
    let d = only(&with_line(7, r#"    "timout": 3000,"#));
    assert_at(&d, 7, 5, "/configuration/timout");
    assert!(
        d.message.contains("did you mean \"timeout\"?"),
        "{}",
        d.message
    );
}

#[test]
fn method_outside_the_list_names_the_allowed_values() {
    let d = only(&with_line(5, r#"    "method": "FETCH","#));
    assert_at(&d, 5, 15, "/configuration/method");
    assert!(
        d.message
            .contains("allowed values: GET, POST, PUT, PATCH, DELETE"),
        "{}",
        d.message
    );
}

#[test]
fn plain_http_url_is_an_error() {
    let d = only(&with_line(
        6,
        r#"    "url": "http://inventory.example.com","#,
    ));
    assert_at(&d, 6, 12, "/configuration/url");
    assert!(d.message.contains("https://"), "{}", d.message);
}

#[test]
fn placeholders_are_allowed_anywhere_after_https() {
    for url in [
        "https://{{host}}/x",
        "https://{{sub}}.example.com:{{port}}/a?b={{c}}",
        "https://h/{{a.b}}",
    ] {
        let text = with_line(6, &format!(r#"    "url": "{url}","#));
        assert!(check_text(&text).diagnostics.is_empty(), "{url}");
    }
    for url in [
        "https://",
        "https://a b",
        "https://{{}}",
        "https://{single}",
        "{{scheme}}://x",
    ] {
        let d = only(&with_line(6, &format!(r#"    "url": "{url}","#)));
        assert_at(&d, 6, 12, "/configuration/url");
    }
}

#[test]
fn timeout_outside_1_to_90000_is_an_error() {
    for bad in ["0", "90001", "-5"] {
        let d = only(&with_line(7, &format!(r#"    "timeout": {bad},"#)));
        assert_at(&d, 7, 16, "/configuration/timeout");
        assert!(
            d.message.contains("between 1 and 90000 milliseconds"),
            "{}",
            d.message
        );
    }
}

#[test]
fn timeout_must_be_an_integer() {
    for bad in ["\"3000\"", "30.5"] {
        let d = only(&with_line(7, &format!(r#"    "timeout": {bad},"#)));
        assert_at(&d, 7, 16, "/configuration/timeout");
        assert!(d.message.contains("must be an integer"), "{}", d.message);
    }
}

#[test]
fn header_values_must_be_strings() {
    let d = only(&with_line(8, r#"    "headers": { "X-Count": 5 }"#));
    assert_at(&d, 8, 29, "/configuration/headers/X-Count");
}

#[test]
fn invalid_header_name_points_at_the_name() {
    let d = only(&with_line(8, r#"    "headers": { "Bad Name": "v" }"#));
    assert_at(&d, 8, 18, "/configuration/headers/Bad Name");
    assert!(
        d.message.contains("not a valid HTTP header name"),
        "{}",
        d.message
    );
}

#[test]
fn body_accepts_any_json() {
    for body in [
        "null",
        "[1, {\"a\": []}]",
        "\"text\"",
        "{\"deep\": {\"x\": 1}}",
    ] {
        let text = with_line(7, &format!(r#"    "timeout": 3000, "body": {body},"#));
        assert!(check_text(&text).diagnostics.is_empty(), "{body}");
    }
}

#[test]
fn enabled_must_be_a_boolean() {
    let d = only(&with_line(10, r#"  "enabled": "yes","#));
    assert_at(&d, 10, 14, "/enabled");
    assert!(d.message.contains("must be a boolean"), "{}", d.message);
}

#[test]
fn repeated_tag_points_at_the_repeat() {
    let d = only(&with_line(11, r#"  "tags": ["a", "b", "a"]"#));
    assert_at(&d, 11, 22, "/tags/2");
    assert!(d.message.contains("first at /tags/0"), "{}", d.message);
}

#[test]
fn tag_length_is_1_to_64() {
    let d = only(&with_line(11, r#"  "tags": ["ok", ""]"#));
    assert_at(&d, 11, 18, "/tags/1");
    let d = only(&with_line(
        11,
        &format!(r#"  "tags": ["{}"]"#, "t".repeat(65)),
    ));
    assert_at(&d, 11, 12, "/tags/0");
}

#[test]
fn more_than_20_tags_is_an_error() {
    let tags: Vec<String> = (0..21).map(|i| format!("\"t{i}\"")).collect();
    let d = only(&with_line(
        11,
        &format!(r#"  "tags": [{}]"#, tags.join(",")),
    ));
    assert_at(&d, 11, 11, "/tags");
    assert!(
        d.message.contains("at most 20 items (21 now)"),
        "{}",
        d.message
    );
}

#[test]
fn literal_secret_looking_header_is_a_warning_at_its_value() {
    for name in [
        "X-API-Key",
        "Authorization",
        "x-session-token",
        "Client-Secret",
        "DB-Password",
    ] {
        let d = only(&with_line(
            8,
            &format!(r#"    "headers": {{ "{name}": "s3cr3t" }}"#),
        ));
        assert_eq!(d.severity, Severity::Warning);
        assert_eq!((d.line, d.column), (8, 22 + name.chars().count()), "{name}");
        assert!(d.message.contains("{{placeholder}}"), "{}", d.message);
    }
}

#[test]
fn placeholder_or_ordinary_headers_are_not_warned() {
    for line in [
        r#"    "headers": { "Authorization": "Bearer {{token}}" }"#,
        r#"    "headers": { "X-API-Key": "{{key}}" }"#,
        r#"    "headers": { "Accept": "application/json" }"#,
    ] {
        assert!(
            check_text(&with_line(8, line)).diagnostics.is_empty(),
            "{line}"
        );
    }
}

#[test]
fn warnings_alone_do_not_count_as_errors() {
    let report = check_text(&with_line(8, r#"    "headers": { "X-API-Key": "abc" }"#));
    assert!(!report.has_errors());
    assert!(report.value.is_some());
}

#[test]
fn problems_are_listed_in_text_order() {
    let text = with_line(3, r#"  "type": "SOAP","#).replace("\"GET\"", "\"FETCH\"");
    let lines: Vec<usize> = check_text(&text)
        .diagnostics
        .iter()
        .map(|d| d.line)
        .collect();
    assert_eq!(lines, vec![3, 5]);
}

#[test]
fn a_flood_of_problems_is_capped_with_a_summary() {
    let tags: Vec<&str> = std::iter::repeat_n("1", 500).collect();
    let text = with_line(11, &format!(r#"  "tags": [{}]"#, tags.join(",")));
    let report = check_text(&text);
    assert_eq!(report.diagnostics.len(), MAX_DIAGNOSTICS);
    let last = report.diagnostics.last().expect("has diagnostics");
    assert!(
        last.message.contains("more problems not shown"),
        "{}",
        last.message
    );
}

/// Line, column and pointer of every diagnostic, in order.
fn positions(report: &CheckReport) -> Vec<(usize, usize, &str)> {
    report
        .diagnostics
        .iter()
        .map(|d| (d.line, d.column, d.pointer.as_str()))
        .collect()
}

#[test]
fn a_duplicate_top_level_key_is_an_error_at_the_repeat_naming_the_first() {
    let d = only(&with_line(3, r#"  "type": "REST", "name": "Other","#));
    assert_eq!(d.severity, Severity::Error);
    assert_at(&d, 3, 19, "/name");
    assert_eq!(
        d.message,
        "payload: duplicate key \"name\" (first at line 2, column 3); JSON readers keep only one of its values, so remove the repeat"
    );
}

#[test]
fn a_duplicate_key_in_a_nested_object_is_found() {
    let d = only(&with_line(
        7,
        r#"    "timeout": 3000, "url": "https://b.example.com","#,
    ));
    assert_at(&d, 7, 22, "/configuration/url");
    assert!(
        d.message
            .starts_with("configuration: duplicate key \"url\" (first at line 6, column 5)"),
        "{}",
        d.message
    );
}

#[test]
fn a_duplicate_key_in_an_array_of_objects_is_found() {
    let d = only(&with_line(
        7,
        r#"    "timeout": 3000, "body": [{"a": 1}, {"a": 1, "b": 2, "a": 3}],"#,
    ));
    assert_at(&d, 7, 58, "/configuration/body/1/a");
    assert!(
        d.message.contains("(first at line 7, column 42)"),
        "{}",
        d.message
    );
}

#[test]
fn keys_are_compared_after_unescaping() {
    let d = only(&with_line(
        10,
        r#"  "enabled": true, "en\u0061bled": false,"#,
    ));
    assert_at(&d, 10, 20, "/enabled");
    assert!(
        d.message
            .contains("duplicate key \"enabled\" (first at line 10, column 3)"),
        "{}",
        d.message
    );
}

#[test]
fn three_occurrences_are_two_findings_each_naming_the_first() {
    let text = with_line(
        5,
        r#"    "method": "GET", "method": "GET", "method": "GET","#,
    );
    let report = check_text(&text);
    assert_eq!(
        positions(&report),
        vec![
            (5, 22, "/configuration/method"),
            (5, 39, "/configuration/method")
        ]
    );
    for d in &report.diagnostics {
        assert!(
            d.message.contains("(first at line 5, column 5)"),
            "{}",
            d.message
        );
    }
}

#[test]
fn a_duplicate_inside_a_value_that_a_later_key_replaces_is_still_found() {
    let text = with_line(
        7,
        r#"    "timeout": 3000, "body": {"x": 1, "x": 2}, "body": null,"#,
    );
    let report = check_text(&text);
    assert_eq!(
        positions(&report),
        vec![
            (7, 39, "/configuration/body/x"),
            (7, 48, "/configuration/body")
        ],
        "{:#?}",
        report.diagnostics
    );
}

#[test]
fn a_control_character_in_a_duplicate_key_is_not_shown_raw() {
    let d = only(&with_line(
        7,
        r#"    "timeout": 3000, "body": {"\u001b[2J": 1, "\u001b[2J": 2},"#,
    ));
    assert!(d.message.contains(r#""\u001b[2J""#), "{}", d.message);
    assert!(!d.message.contains('\u{1b}'), "{:?}", d.message);
}

#[test]
fn a_flood_of_duplicate_keys_is_capped_and_counted() {
    let members = vec![r#""a": 0"#; 300].join(", ");
    let text = with_line(
        7,
        &format!(r#"    "timeout": 3000, "body": {{{members}}},"#),
    );
    let report = check_text(&text);
    assert_eq!(report.diagnostics.len(), MAX_DIAGNOSTICS);
    let last = report.diagnostics.last().expect("has diagnostics");
    // 299 duplicates: 199 shown, the 200th line says how many more there are.
    assert!(
        last.message.starts_with("100 more problems not shown"),
        "{}",
        last.message
    );
}

/// BASE with a `configuration.body` string of `fill` repeated `n` times.
fn with_body_string(fill: &str, n: usize) -> String {
    with_line(
        7,
        &format!(r#"    "timeout": 3000, "body": "{}","#, fill.repeat(n)),
    )
}

#[test]
fn a_payload_over_the_body_limit_is_an_error_at_1_1_naming_both_sizes() {
    let fits = with_body_string("x", 0).len();
    let at_limit = with_body_string("x", MAX_BODY_BYTES - fits);
    assert_eq!(at_limit.len(), MAX_BODY_BYTES);
    assert!(check_text(&at_limit).diagnostics.is_empty());

    let over = with_body_string("x", MAX_BODY_BYTES - fits + 1);
    let d = only(&over);
    assert_eq!(d.severity, Severity::Error);
    assert_at(&d, 1, 1, "");
    assert_eq!(
        d.message,
        "payload is 1,048,577 bytes, over the API's 1 MiB (1,048,576-byte) body limit; the server will refuse it with 413"
    );
}

#[test]
fn the_body_limit_counts_utf8_bytes_not_characters() {
    let text = with_body_string("é", MAX_BODY_BYTES / 2);
    assert!(text.chars().count() < MAX_BODY_BYTES);
    let d = only(&text);
    assert_at(&d, 1, 1, "");
    assert!(d.message.contains("body limit"), "{}", d.message);
}

#[test]
fn an_oversized_text_that_is_not_json_gets_both_errors() {
    let text = format!("{{\"a\": \"{}\"", "x".repeat(MAX_BODY_BYTES));
    let report = check_text(&text);
    let messages: Vec<&str> = report
        .diagnostics
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(messages.len(), 2, "{messages:#?}");
    assert!(messages[0].contains("body limit"), "{}", messages[0]);
    assert!(messages[1].starts_with("invalid JSON"), "{}", messages[1]);
}

#[test]
fn header_budget_counts_name_colon_space_value_crlf() {
    let budget = header_budget([("Host", "a"), ("X-Long", "0123456789")], 100);
    assert_eq!(budget.total, (4 + 2 + 1 + 2) + (6 + 2 + 10 + 2));
    assert_eq!(budget.largest, Some(("X-Long".into(), 20)));
    assert!(budget.check().is_ok());
}

#[test]
fn header_budget_over_names_total_budget_and_largest() {
    let big = "x".repeat(9000);
    let err = header_budget([("Host", "h"), ("X-Trace", big.as_str())], 8192)
        .check()
        .expect_err("over budget");
    assert_eq!(
        (err.total, err.budget, err.largest_name.as_str()),
        (9 + 9011, 8192, "X-Trace")
    );
    let text = err.to_string();
    assert!(
        text.contains("9020") && text.contains("8192") && text.contains("X-Trace"),
        "{text}"
    );
}

#[test]
fn header_budget_at_exactly_the_budget_passes() {
    assert!(header_budget([("A", "b")], 6).check().is_ok());
    assert!(header_budget([("A", "bc")], 6).check().is_err());
}

/// A position must be a place a cursor can stand in the text.
fn assert_inside(text: &str, d: &Diagnostic) {
    let lines: Vec<&str> = text.split('\n').collect();
    assert!(
        d.line >= 1 && d.line <= lines.len(),
        "line {} of {} in {text:?}",
        d.line,
        lines.len()
    );
    let chars = lines[d.line - 1].chars().count();
    assert!(
        d.column >= 1 && d.column <= chars + 1,
        "col {} of {chars} in {text:?}",
        d.column
    );
}

fn json_like() -> impl Strategy<Value = String> {
    // Fragments of payload-ish JSON glued in random order reach far more parser states
    // (and schema paths) than uniform random text does.
    let piece = prop_oneof![
        Just("{".to_string()),
        Just("}".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just(",".to_string()),
        Just(":".to_string()),
        Just("\n".to_string()),
        Just("\"name\"".to_string()),
        Just("\"configuration\"".to_string()),
        Just("\"headers\"".to_string()),
        Just("\"tags\"".to_string()),
        Just("\"ü€\"".to_string()),
        Just("\"\\u006eame\"".to_string()),
        Just("\"\\u00e9\\\"\"".to_string()),
        Just("12.5e3".to_string()),
        Just("true".to_string()),
        "[ -~]{0,6}",
    ];
    prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics_and_positions_lie_inside(text in any::<String>()) {
        for d in check_text(&text).diagnostics {
            assert_inside(&text, &d);
        }
    }

    #[test]
    fn json_like_text_never_panics_and_positions_lie_inside(text in json_like()) {
        for d in check_text(&text).diagnostics {
            assert_inside(&text, &d);
        }
    }

    #[test]
    fn mutated_payloads_never_panic_and_positions_lie_inside(cut in 0usize..400, insert in "[ -~\n]{0,3}") {
        let base = TEMPLATES[1].1;
        let mut at = cut.min(base.len());
        while !base.is_char_boundary(at) { at -= 1; }
        let text = format!("{}{}{}", &base[..at], insert, &base[at..]);
        for d in check_text(&text).diagnostics {
            assert_inside(&text, &d);
        }
    }

    /// Velocity-ish characters spliced into the genesys template: a template finding
    /// must stand on the `$`, `#` or `(` it is about, whatever escapes come before.
    #[test]
    fn mutated_genesys_payloads_never_panic_and_template_findings_stand_on_their_sign(
        cut in 0usize..2400,
        insert in "[${}()#!\"'\\\\a-z. é]{0,4}",
    ) {
        let base = GENESYS_TEMPLATES[0].1;
        let mut at = cut.min(base.len());
        while !base.is_char_boundary(at) { at -= 1; }
        let text = format!("{}{}{}", &base[..at], insert, &base[at..]);
        for d in check_text_for(Api::GenesysCloud, &text).diagnostics {
            assert_inside(&text, &d);
            let about_a_sign = ["is never closed", "uses input", "neither a translationMap key", "is not URL-escaped"];
            if about_a_sign.iter().any(|m| d.message.contains(m)) {
                let line = text.split('\n').nth(d.line - 1).unwrap_or_default();
                let sign = line.chars().nth(d.column - 1);
                prop_assert!(matches!(sign, Some('$' | '#' | '(')), "{d:#?} in {line}");
            }
        }
    }
}
