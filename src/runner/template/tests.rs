//! Rendering cases, most taken from the platform's documentation of its Velocity macros
//! and of URL form encoding (the examples there, with inputs filled in).

use serde_json::{Value, json};

use super::*;

fn ctx(input: Value) -> Context {
    Context {
        input: input.as_object().cloned().unwrap_or_default(),
        ..Context::default()
    }
}

fn with_credentials(mut ctx: Context, pairs: &[(&str, &str)]) -> Context {
    for (k, v) in pairs {
        ctx.credentials.insert((*k).to_owned(), (*v).to_owned());
    }
    ctx
}

fn rendered(template: &str, ctx: &Context) -> String {
    render(template, ctx).expect("renders")
}

#[test]
fn formal_and_shorthand_references_print_the_input() {
    let c = ctx(json!({"id": "42", "name": "Ann"}));
    assert_eq!(
        rendered("/users/${input.id}?n=$input.name.", &c),
        "/users/42?n=Ann."
    );
    assert_eq!(rendered("$!{input.id}-$!input.name", &c), "42-Ann");
}

#[test]
fn numbers_and_booleans_print_as_their_json_text() {
    let c = ctx(json!({"n": 5, "x": 2.5, "b": true}));
    assert_eq!(
        rendered("${input.n} ${input.x} ${input.b}", &c),
        "5 2.5 true"
    );
}

#[test]
fn a_null_formal_reference_prints_itself_and_a_quiet_one_nothing() {
    let c = ctx(json!({"gone": null}));
    assert_eq!(rendered("[${input.gone}]", &c), "[${input.gone}]");
    assert_eq!(rendered("[${input.missing}]", &c), "[${input.missing}]");
    assert_eq!(rendered("[$input.missing]", &c), "[$input.missing]");
    assert_eq!(rendered("[$!{input.gone}]", &c), "[]");
    assert_eq!(rendered("[$!input.missing]", &c), "[]");
}

#[test]
fn a_dollar_that_starts_no_reference_is_text() {
    let c = ctx(json!({"a": "x"}));
    assert_eq!(rendered("$5.00 $$ ${ } $! $-", &c), "$5.00 $$ ${ } $! $-");
    assert_eq!(rendered("$${input.a}", &c), "$x");
}

#[test]
fn url_and_url_form_encode_are_java_url_encoder() {
    let c = ctx(json!({"q": "a b&c=d/é€*-._~!"}));
    let java = "a+b%26c%3Dd%2F%C3%A9%E2%82%AC*-._%7E%21";
    assert_eq!(rendered("$esc.url(${input.q})", &c), java);
    assert_eq!(rendered("$esc.urlFormEncode($input.q)", &c), java);
}

#[test]
fn uri_encode_is_rfc_3986_with_space_as_percent_20() {
    let c = ctx(json!({"DESCRIPTION": "a b+c*~é", "EMAIL": "ann+1@example.com"}));
    assert_eq!(
        rendered(
            r#"description=$esc.uriEncode("${input.DESCRIPTION}")&email=$esc.uriEncode("${input.EMAIL}")"#,
            &c
        ),
        "description=a%20b%2Bc%2A~%C3%A9&email=ann%2B1%40example.com"
    );
    assert_eq!(
        rendered(
            r#"audience=$esc.uriEncode("https://api.example.com/v1/customers")"#,
            &c
        ),
        "audience=https%3A%2F%2Fapi.example.com%2Fv1%2Fcustomers"
    );
}

#[test]
fn json_string_escapes_without_the_quotes() {
    let c = ctx(json!({"text": "He said \"hi\"\\\n\ttab é"}));
    let want = r#"{"text": "He said \"hi\"\\\n\ttab é"}"#;
    assert_eq!(
        rendered(r#"{"text": "$esc.jsonString(${input.text})"}"#, &c),
        want
    );
    assert_eq!(
        rendered(r#"{"text": "$esc.jsonEncode($input.text)"}"#, &c),
        want
    );
}

#[test]
fn base64_of_credentials_in_a_string_argument() {
    let c = with_credentials(
        Context::default(),
        &[("clientid", "user"), ("clientSecret", "pa:ss é")],
    );
    let out =
        parse(r#"Basic $encoding.base64("${credentials.clientid}:${credentials.clientSecret}")"#)
            .expect("parses")
            .render(&c)
            .expect("renders");
    assert_eq!(out.text, "Basic dXNlcjpwYTpzcyDDqQ==");
    assert_eq!(out.redacted(), "Basic [redacted]");
}

#[test]
fn a_macro_of_null_prints_itself_unless_quiet() {
    let c = ctx(json!({}));
    assert_eq!(rendered("q=$esc.url($input.q)", &c), "q=$esc.url($input.q)");
    assert_eq!(rendered("q=$!esc.url($input.q)", &c), "q=");
    assert_eq!(
        rendered("q=${esc.url(${input.q})}", &c),
        "q=${esc.url(${input.q})}"
    );
    // A string argument is never null: the null reference inside prints itself.
    assert_eq!(
        rendered(r#"q=$esc.url("${input.q}")"#, &c),
        "q=%24%7Binput.q%7D"
    );
}

#[test]
fn single_quotes_are_not_interpolated_and_macros_nest() {
    let c = ctx(json!({"q": "a\"b c"}));
    assert_eq!(
        rendered("$esc.url('${input.q} x')", &c),
        "%24%7Binput.q%7D+x"
    );
    assert_eq!(
        rendered("$esc.url( $esc.jsonString( $input.q ) )", &c),
        "a%5C%22b+c"
    );
    assert_eq!(rendered("${esc.url($input.q)}", &c), "a%22b+c");
}

#[test]
fn translation_map_values_go_in_as_json_and_raw_result_as_it_is() {
    let mut c = Context {
        raw_result: Some(r#"{"a":1}"#.to_owned()),
        ..Context::default()
    };
    c.translated.insert("name".into(), json!("Ann"));
    c.translated.insert("count".into(), json!(3));
    c.translated.insert("tags".into(), json!(["x"]));
    c.translated.insert("none".into(), Value::Null);
    assert_eq!(
        rendered(
            r#"{"name": ${name}, "count": $count, "tags": ${tags}, "none": ${none}, "raw": ${rawResult}, "u": ${unknown}}"#,
            &c
        ),
        r#"{"name": "Ann", "count": 3, "tags": ["x"], "none": null, "raw": {"a":1}, "u": ${unknown}}"#
    );
}

#[test]
fn raw_request_is_the_input_as_json() {
    let c = ctx(json!({"id": "42", "n": 1}));
    let text = rendered("${input.rawRequest}", &c);
    let back: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(back, json!({"id": "42", "n": 1}));
}

#[test]
fn one_backslash_escapes_a_reference_as_velocity_does() {
    let c = ctx(json!({"x": "v"}));
    // Defined: printed as written, without the backslash.
    assert_eq!(
        rendered(r"a \${input.x} \$input.x", &c),
        "a ${input.x} $input.x"
    );
    // Undefined: the backslash stays.
    assert_eq!(rendered(r"\${input.y}", &c), r"\${input.y}");
    // Before anything else a backslash is text.
    assert_eq!(rendered(r"C:\dir\ \$5 \\n", &c), r"C:\dir\ \$5 \\n");
    // An escaped directive is text.
    assert_eq!(rendered(r"\#if(${input.x})", &c), "#if(v)");
}

#[test]
fn comments_vanish_and_unparsed_blocks_print_as_written() {
    let c = ctx(json!({"x": "v"}));
    assert_eq!(rendered("a ## note\nb", &c), "a b");
    assert_eq!(rendered("a ## note\r\nb", &c), "a b");
    assert_eq!(rendered("a #* block\n *# b", &c), "a  b");
    assert_eq!(
        rendered("#[[${input.x} #if]]# ${input.x}", &c),
        "${input.x} #if v"
    );
}

#[test]
fn a_hash_that_starts_no_directive_is_text() {
    let c = ctx(json!({"x": "v"}));
    assert_eq!(
        rendered("https://x.example.com/a#section #1 #{x} # ${input.x}", &c),
        "https://x.example.com/a#section #1 #{x} # v"
    );
}

#[test]
fn credentials_and_secure_inputs_are_marked_for_redaction() {
    let c = with_credentials(ctx(json!({"q": "open"})), &[("key", "s3cr3t")]);
    let t =
        parse("?k=${credentials.key}&k2=$esc.url($credentials.key)&q=${input.q}").expect("parses");
    let out = t.render(&c).expect("renders");
    assert_eq!(out.text, "?k=s3cr3t&k2=s3cr3t&q=open");
    assert_eq!(out.redacted(), "?k=[redacted]&k2=[redacted]&q=open");
    let secure = Context {
        secure_input: true,
        ..c
    };
    let out = t.render(&secure).expect("renders");
    assert_eq!(out.redacted(), "?k=[redacted]&k2=[redacted]&q=[redacted]");
    // Touching secrets make one range; a missing credential prints itself, not secret.
    let out = parse("${credentials.key}${credentials.key}${credentials.none}")
        .expect("parses")
        .render(&secure)
        .expect("renders");
    assert_eq!(out.secrets, vec![0..12]);
    assert_eq!(out.redacted(), "[redacted]${credentials.none}");
}

#[test]
fn references_lists_each_with_its_macros() {
    let refs = references(
        r#"/u/$esc.url(${input.id})?t=$!{credentials.token}&b=$encoding.base64("$esc.uriEncode($input.a):${rawResult}") ${name} ${input.rawRequest}"#,
    )
    .expect("parses");
    let seen: Vec<(Variable, Vec<Macro>, bool, bool)> = refs
        .into_iter()
        .map(|r| (r.variable, r.within, r.quiet, r.formal))
        .collect();
    assert_eq!(
        seen,
        vec![
            (Variable::Input("id".into()), vec![Macro::Url], false, true),
            (Variable::Credential("token".into()), vec![], true, true),
            (
                Variable::Input("a".into()),
                vec![Macro::Base64, Macro::UriEncode],
                false,
                false
            ),
            (Variable::RawResult, vec![Macro::Base64], false, true),
            (Variable::Bare("name".into()), vec![], false, true),
            (Variable::RawRequest, vec![], false, true),
        ]
    );
}

#[test]
fn reference_spans_cover_the_reference_as_written() {
    let t = "é ${input.a} $!input.b.";
    let refs = references(t).expect("parses");
    let written: Vec<&str> = refs.iter().map(|r| &t[r.span.clone()]).collect();
    assert_eq!(written, vec!["${input.a}", "$!input.b"]);
}

#[test]
fn names_may_hold_hyphens_and_underscores_as_velocity_names_do() {
    let c = ctx(json!({"first-name": "Ann", "last_name": "Lee"}));
    assert_eq!(
        rendered("$input.first-name $input.last_name", &c),
        "Ann Lee"
    );
}
