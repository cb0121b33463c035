use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::*;

fn values<'a>(vars: &'a BTreeMap<String, String>, input: &'a Map<String, Value>) -> Values<'a> {
    Values { vars, input }
}

fn input(value: Value) -> Map<String, Value> {
    value.as_object().cloned().unwrap_or_default()
}

#[test]
fn a_url_placeholder_is_percent_encoded_after_the_host_and_inserted_as_is_in_it() {
    let vars = BTreeMap::new();
    let inp = input(json!({"tenant": "eu1", "q": "a b/c&d"}));
    let filled = fill(
        "https://{{tenant}}.example.com/find?q={{q}}",
        values(&vars, &inp),
        Place::Url,
        "/configuration/url",
    )
    .expect("filled");
    assert_eq!(filled.text, "https://eu1.example.com/find?q=a%20b%2Fc%26d");
    assert_eq!(filled.shown, filled.text);
}

#[test]
fn a_var_wins_over_an_input_and_is_redacted_where_shown() {
    let vars = BTreeMap::from([("token".to_string(), "s3cr3t".to_string())]);
    let inp = input(json!({"token": "from-input"}));
    let filled = fill(
        "Bearer {{ token }}",
        values(&vars, &inp),
        Place::Header,
        "/h",
    )
    .expect("filled");
    assert_eq!(filled.text, "Bearer s3cr3t");
    assert_eq!(filled.shown, "Bearer [redacted]");
}

#[test]
fn a_placeholder_without_a_value_names_itself_and_its_place() {
    let vars = BTreeMap::new();
    let inp = Map::new();
    let error = fill(
        "https://x.example/{{id}}",
        values(&vars, &inp),
        Place::Url,
        "/configuration/url",
    )
    .expect_err("no value");
    let text = error.to_string();
    assert!(
        text.contains("{{id}}") && text.contains("/configuration/url"),
        "{text}"
    );
    assert!(text.contains("--var id="), "{text}");
}

#[test]
fn a_control_character_in_a_header_value_is_refused() {
    let vars = BTreeMap::new();
    let inp = input(json!({"x": "a\r\nInjected: 1"}));
    let error = fill("{{x}}", values(&vars, &inp), Place::Header, "/h").expect_err("refused");
    assert!(matches!(error, PlaceholderError::ControlInHeader { .. }));
}

#[test]
fn text_that_only_looks_like_a_placeholder_stays_text() {
    assert!(find("{{ }} {{a b}} {{unclosed").is_empty());
    let found: Vec<&str> = find("{{a}}{{b.c}}").into_iter().map(|(_, n)| n).collect();
    assert_eq!(found, ["a", "b.c"]);
}

#[test]
fn a_body_string_that_is_one_placeholder_takes_the_value_with_its_type() {
    let vars = BTreeMap::from([("key".to_string(), "k-123456".to_string())]);
    let inp = input(json!({"count": 3, "name": "Ada"}));
    let body = json!({"n": "{{count}}", "greeting": "hi {{name}}", "auth": "{{key}}", "list": ["{{count}}", true]});
    let (sent, shown) =
        fill_body(&body, values(&vars, &inp), "/configuration/body").expect("filled");
    assert_eq!(
        sent,
        json!({"n": 3, "greeting": "hi Ada", "auth": "k-123456", "list": [3, true]})
    );
    assert_eq!(shown["auth"], "[redacted]");
    assert_eq!(shown["n"], 3);
}

#[test]
fn a_missing_body_placeholder_names_its_pointer() {
    let vars = BTreeMap::new();
    let inp = Map::new();
    let body = json!({"a": [{"b": "x {{gone}}"}]});
    let error = fill_body(&body, values(&vars, &inp), "/configuration/body").expect_err("missing");
    assert!(
        error.to_string().contains("/configuration/body/a/0/b"),
        "{error}"
    );
}

#[test]
fn a_url_in_the_query_does_not_move_where_the_host_ends() {
    let vars = BTreeMap::new();
    let inp = input(json!({"base": "https://api.example.com", "q": "a&b=c"}));
    let filled = fill(
        "{{base}}/search?q={{q}}&cb=https://cb.example/x",
        values(&vars, &inp),
        Place::Url,
        "/configuration/url",
    )
    .expect("filled");
    assert_eq!(
        filled.text,
        "https://api.example.com/search?q=a%26b%3Dc&cb=https://cb.example/x"
    );
}
