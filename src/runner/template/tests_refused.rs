//! Every construct outside the subset is refused, named, at its place; and no template,
//! however broken, makes the parser panic or point outside the text.

use proptest::prelude::*;
use serde_json::json;

use super::*;

/// The error of a template: (construct, offset, kind).
fn refused(template: &str) -> (String, usize, ErrorKind) {
    let e = parse(template).expect_err("refused");
    assert_eq!(
        &template[e.span()],
        e.construct,
        "construct is the text at its span"
    );
    (e.construct, e.offset, e.kind)
}

fn named(construct: &str, offset: usize, kind: ErrorKind) -> (String, usize, ErrorKind) {
    (construct.to_owned(), offset, kind)
}

#[test]
fn directives_are_refused_by_name() {
    use ErrorKind::Directive;
    assert_eq!(
        refused("[#foreach($x in $list)$x#end]"),
        named("#foreach", 1, Directive)
    );
    assert_eq!(refused("a #if($input.x) b"), named("#if", 2, Directive));
    assert_eq!(refused("#set($a = 1)"), named("#set", 0, Directive));
    assert_eq!(refused("x #end"), named("#end", 2, Directive));
    assert_eq!(refused("#macro(m)"), named("#macro", 0, Directive));
    assert_eq!(refused("a#{else}b"), named("#{else}", 1, Directive));
    assert_eq!(
        refused("/x#endpoint"),
        named("#endpoint", 2, ErrorKind::DirectivePrefix)
    );
}

#[test]
fn platform_tools_are_refused_by_name() {
    use ErrorKind::Tool;
    assert_eq!(refused("n=$math.add(1, 2)"), named("$math.add(", 2, Tool));
    assert_eq!(
        refused("${successTemplateUtils.firstFromArray(\"${a}\")}"),
        named("${successTemplateUtils.firstFromArray(", 0, Tool)
    );
    assert_eq!(
        refused("/x$urlTool.optionalQueryParam(\"q\", $input.q)"),
        named("$urlTool.optionalQueryParam(", 2, Tool)
    );
    assert_eq!(refused("at $date"), named("$date", 3, Tool));
}

#[test]
fn method_calls_unknown_macros_and_indexes_are_refused() {
    assert_eq!(
        refused("x=$input.x.toUpperCase()"),
        named("$input.x.toUpperCase(", 2, ErrorKind::MethodCall)
    );
    assert_eq!(
        refused("${input.x.trim()}"),
        named("${input.x.trim(", 0, ErrorKind::MethodCall)
    );
    assert_eq!(
        refused("$esc.foo($input.x)"),
        named("$esc.foo(", 0, ErrorKind::UnknownMacro)
    );
    assert_eq!(
        refused("$esc.jsonDecode($input.x)"),
        named("$esc.jsonDecode(", 0, ErrorKind::UnknownMacro)
    );
    assert_eq!(
        refused("$encoding.base32($input.x)"),
        named("$encoding.base32(", 0, ErrorKind::UnknownMacro)
    );
    assert_eq!(
        refused("$input.x[0]"),
        named("$input.x[", 0, ErrorKind::Index)
    );
}

#[test]
fn unterminated_constructs_are_named_at_their_start() {
    let (construct, offset, kind) = refused("{\"id\": \"${input.id\"}");
    assert_eq!((construct.as_str(), offset), ("${input.id", 8));
    assert!(matches!(kind, ErrorKind::Unterminated(_)));
    assert_eq!(refused("${input.x y}").0, "${input.x");
    assert_eq!(refused("a $esc.url(${input.q}").0, "$esc.url(");
    assert_eq!(refused("$esc.url(\"${input.q})").0, "\"");
    assert_eq!(refused("x #* never closed").0, "#*");
    assert_eq!(refused("x #[[ never closed").0, "#[[");
}

#[test]
fn properties_whole_maps_and_bad_arguments_are_refused() {
    assert_eq!(
        refused("${input.a.b}"),
        named("${input.a.b", 0, ErrorKind::NestedProperty)
    );
    assert_eq!(
        refused("$rawResult.x"),
        named("$rawResult.x", 0, ErrorKind::NestedProperty)
    );
    assert_eq!(
        refused("b=$input"),
        named("$input", 2, ErrorKind::WholeObject)
    );
    assert_eq!(
        refused("${credentials}"),
        named("${credentials", 0, ErrorKind::WholeObject)
    );
    assert!(matches!(refused("$esc.url").2, ErrorKind::MacroArgument(_)));
    assert!(matches!(
        refused("$esc.url()").2,
        ErrorKind::MacroArgument(_)
    ));
    let (construct, offset, _) = refused("$esc.url(42)");
    assert_eq!((construct.as_str(), offset), ("42", 9));
    let (construct, offset, _) = refused("$esc.url($input.a, $input.b)");
    assert_eq!((construct.as_str(), offset), (",", 17));
}

#[test]
fn backslash_runs_and_deep_nesting_are_refused() {
    assert_eq!(
        refused(r"a \\${input.x}"),
        named(r"\\$", 2, ErrorKind::Backslashes)
    );
    assert_eq!(refused(r"\\#if").2, ErrorKind::Backslashes);
    let deep = format!(
        "{}$input.x{}",
        "$esc.url(".repeat(MAX_DEPTH + 1),
        ")".repeat(MAX_DEPTH + 1)
    );
    let (construct, offset, kind) = refused(&deep);
    assert_eq!(kind, ErrorKind::TooDeep(MAX_DEPTH));
    assert_eq!((construct.as_str(), offset), ("$esc.url(", 9 * MAX_DEPTH));
    let fine = format!(
        "{}$input.x{}",
        "$esc.url(".repeat(MAX_DEPTH),
        ")".repeat(MAX_DEPTH)
    );
    assert!(parse(&fine).is_ok());
}

#[test]
fn a_nested_input_value_is_refused_at_render_with_its_reference() {
    let ctx = Context {
        input: json!({"tags": ["a"]})
            .as_object()
            .cloned()
            .unwrap_or_default(),
        ..Context::default()
    };
    let e = render("x ${input.tags}", &ctx).expect_err("refused");
    assert_eq!(
        (e.construct.as_str(), e.offset, e.kind),
        ("${input.tags}", 2, ErrorKind::NotFlatInput)
    );
}

#[test]
fn the_message_names_the_construct_with_controls_visible_and_says_what_to_do() {
    let e = parse("$esc.url(\u{1b}[2J)").expect_err("refused");
    let message = e.to_string();
    assert!(
        message.starts_with("`\\u{1b}[2J`: a macro takes one argument"),
        "{message}"
    );
    let e = parse("#foreach($x in $y)").expect_err("refused");
    assert!(
        e.to_string().contains("run this test on the platform"),
        "{e}"
    );
}

#[test]
fn line_col_counts_lines_and_characters_of_the_template() {
    let t = "{\n  \"é\": 1,\n  \"b\": $math.max(1, 2)\n}";
    let e = parse(t).expect_err("refused");
    assert_eq!(e.line_col(t), (3, 8));
}

/// Pieces that make the parser's decisions, mixed with arbitrary text.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("${".to_owned()),
        Just("$!{".to_owned()),
        Just("$!".to_owned()),
        Just("$".to_owned()),
        Just("#if(".to_owned()),
        Just("#".to_owned()),
        Just("##".to_owned()),
        Just("#*".to_owned()),
        Just("*#".to_owned()),
        Just("#[[".to_owned()),
        Just("]]#".to_owned()),
        Just("$esc.url(".to_owned()),
        Just("$encoding.base64(".to_owned()),
        Just("input.".to_owned()),
        Just("credentials.".to_owned()),
        Just(")".to_owned()),
        Just("}".to_owned()),
        Just("\"".to_owned()),
        Just("'".to_owned()),
        Just("\\".to_owned()),
        Just(",".to_owned()),
        Just(".".to_owned()),
        Just("é".to_owned()),
        "[a-z]{1,3}",
        any::<String>(),
    ]
}

fn check(template: &str) -> Result<(), TestCaseError> {
    let ctx = Context {
        input: json!({"a": "x y", "b": 1, "c": null})
            .as_object()
            .cloned()
            .unwrap_or_default(),
        ..Context::default()
    };
    match parse(template) {
        Ok(t) => {
            let _ = t.references();
            if let Ok(out) = t.render(&ctx) {
                let _ = out.redacted();
            }
        }
        Err(e) => {
            let end = e.offset + e.len;
            prop_assert!(end <= template.len(), "{e:?} past the end");
            prop_assert!(template.is_char_boundary(e.offset) && template.is_char_boundary(end));
            prop_assert_eq!(&template[e.span()], e.construct.as_str());
            let _ = e.to_string();
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn built_templates_never_panic_and_errors_lie_in_the_text(
        parts in proptest::collection::vec(fragment(), 0..24)
    ) {
        check(&parts.concat())?;
    }

    #[test]
    fn arbitrary_text_never_panics_and_errors_lie_in_the_text(text in any::<String>()) {
        check(&text)?;
    }
}
