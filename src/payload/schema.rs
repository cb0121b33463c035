//! The embedded schemas (one per dialect), each compiled once, and the translation of
//! validator errors into problems an operator can act on: which field, what was found, what
//! is allowed. Both dialects' messages come from the same translation, so they read alike.

use std::sync::LazyLock;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{ValidationError, Validator};
use serde_json::Value;

use super::position::{pointer_escape, pointer_tokens};
use super::{GENESYS_SCHEMA_JSON, SCHEMA_JSON};
use crate::dialect::Api;
use crate::text::escape_controls;

/// A schema document with its compiled validator; compiling costs far more than
/// validating, so each dialect's happens once.
pub(crate) struct CompiledSchema {
    /// The document, for what the messages quote from it (allowed names, ranges).
    pub(crate) document: Value,
    validator: Validator,
}

impl CompiledSchema {
    fn new(json: &str) -> CompiledSchema {
        let document: Value =
            serde_json::from_str(json).expect("embedded schema is valid JSON (see its unit test)");
        let validator = jsonschema::draft202012::new(&document)
            .expect("embedded schema compiles (see its unit test)");
        CompiledSchema {
            document,
            validator,
        }
    }
}

static CXONE: LazyLock<CompiledSchema> = LazyLock::new(|| CompiledSchema::new(SCHEMA_JSON));
static GENESYS: LazyLock<CompiledSchema> =
    LazyLock::new(|| CompiledSchema::new(GENESYS_SCHEMA_JSON));

/// The compiled schema of a dialect.
pub(crate) fn of(api: Api) -> &'static CompiledSchema {
    match api {
        Api::CxoneV2 => &CXONE,
        Api::GenesysCloud => &GENESYS,
    }
}

/// Compiles the validators now, if nothing has yet (a program that will check a payload
/// soon can do this on another thread while it starts).
pub fn warm_up() {
    LazyLock::force(&CXONE);
    LazyLock::force(&GENESYS);
}

/// Where a problem should be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Anchor {
    /// The value at the problem's pointer.
    Value,
    /// The member name of the problem's pointer (an unknown or badly named member).
    Key,
    /// The object holding the problem's pointer (a missing member).
    Parent,
}

/// A schema problem before it is given a line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SchemaProblem {
    pub pointer: String,
    pub anchor: Anchor,
    pub message: String,
}

/// Every schema problem of a parsed payload of `api`'s dialect.
pub(crate) fn problems(api: Api, value: &Value) -> Vec<SchemaProblem> {
    let schema = of(api);
    let mut out = Vec::new();
    for error in schema.validator.iter_errors(value) {
        translate(&schema.document, &error, &mut out);
    }
    out
}

fn translate(schema: &Value, error: &ValidationError<'_>, out: &mut Vec<SchemaProblem>) {
    let pointer = error.instance_path().as_str().to_string();
    let field = label(&pointer);
    let found = error.instance();
    let mut push = |pointer: String, anchor, message: String| {
        out.push(SchemaProblem {
            pointer,
            anchor,
            message,
        })
    };
    match error.kind() {
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            let child = format!("{pointer}/{}", pointer_escape(name));
            push(
                child.clone(),
                Anchor::Parent,
                format!(
                    "{field}: missing required field \"{name}\"{}",
                    expected_of(schema, &child)
                ),
            );
        }
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            let allowed = allowed_members(schema, error.schema_path().as_str());
            for name in unexpected {
                let hint = match closest(name, &allowed) {
                    Some(best) => format!("; did you mean \"{best}\"?"),
                    None => format!(" (allowed: {})", allowed.join(", ")),
                };
                push(
                    format!("{pointer}/{}", pointer_escape(name)),
                    Anchor::Key,
                    format!(
                        "{field}: unknown field {}{hint}",
                        show(&Value::String(name.clone()))
                    ),
                );
            }
        }
        ValidationErrorKind::Enum { options } => {
            let allowed = list_values(options);
            push(
                pointer,
                Anchor::Value,
                format!(
                    "{field}: {} is not allowed; allowed values: {allowed}",
                    show(found)
                ),
            );
        }
        ValidationErrorKind::Constant { expected_value } => push(
            pointer,
            Anchor::Value,
            format!(
                "{field}: must be {}, found {}",
                show(expected_value),
                show(found)
            ),
        ),
        ValidationErrorKind::Type { kind } => push(
            pointer,
            Anchor::Value,
            format!(
                "{field}: must be {}, found {}",
                type_names(kind),
                show(found)
            ),
        ),
        ValidationErrorKind::MinLength { limit } => push(
            pointer,
            Anchor::Value,
            if *limit == 1 {
                format!("{field}: must not be empty")
            } else {
                format!(
                    "{field}: must be at least {limit} characters long ({} now)",
                    char_len(found)
                )
            },
        ),
        ValidationErrorKind::MaxLength { limit } => push(
            pointer,
            Anchor::Value,
            format!(
                "{field}: must be at most {limit} characters long ({} now)",
                char_len(found)
            ),
        ),
        ValidationErrorKind::Minimum { limit } | ValidationErrorKind::Maximum { limit } => {
            let range = range_of(schema, error.schema_path().as_str())
                .unwrap_or_else(|| format!("limit {limit}"));
            push(
                pointer,
                Anchor::Value,
                format!("{field}: must be {range}, found {}", show(found)),
            );
        }
        ValidationErrorKind::MaxItems { limit } => push(
            pointer,
            Anchor::Value,
            format!(
                "{field}: may have at most {limit} items ({} now)",
                found.as_array().map_or(0, Vec::len)
            ),
        ),
        ValidationErrorKind::UniqueItems => {
            let (index, first) = first_repeat(found).unwrap_or((0, 0));
            let item = found.get(index).map(show).unwrap_or_default();
            push(
                format!("{pointer}/{index}"),
                Anchor::Value,
                format!(
                    "{field}: repeats {item} (first at {pointer}/{first}); each item must be unique"
                ),
            );
        }
        ValidationErrorKind::Pattern { .. } => push(
            pointer.clone(),
            Anchor::Value,
            pattern_message(&pointer, &field, found),
        ),
        ValidationErrorKind::PropertyNames { error: inner } => {
            let name = inner.instance().as_str().unwrap_or_default().to_string();
            push(
                format!("{pointer}/{}", pointer_escape(&name)),
                Anchor::Key,
                format!(
                    "{field}: {} is not a valid HTTP header name (letters, digits and !#$%&'*+-.^_`|~ only, no spaces)",
                    show(&Value::String(name.clone()))
                ),
            );
        }
        _ => push(pointer, Anchor::Value, format!("{field}: {error}")),
    }
}

/// `configuration.headers["X-Key"]`, `tags[2]`: the field as an operator reads it.
pub(crate) fn label(pointer: &str) -> String {
    let mut out = String::new();
    let mut parent_is_headers = false;
    for token in pointer_tokens(pointer) {
        if parent_is_headers || token.contains(['.', ' ', '"']) {
            out.push_str(&format!("[{}]", show(&Value::String(token.clone()))));
        } else if !out.is_empty() && token.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{token}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&token);
        }
        parent_is_headers = token == "headers";
    }
    if out.is_empty() {
        "payload".into()
    } else {
        escape_controls(&out).into_owned()
    }
}

/// A JSON value shown briefly: strings quoted (control characters escaped by JSON itself),
/// long values cut, so a megabyte body never lands in a message.
pub(crate) fn show(value: &Value) -> String {
    const MAX: usize = 48;
    let text = match value {
        Value::Object(_) => return "an object".into(),
        Value::Array(_) => return "an array".into(),
        Value::Null => return "null".into(),
        other => other.to_string(),
    };
    let text = if text.chars().count() <= MAX {
        text
    } else {
        let cut: String = text.chars().take(MAX).collect();
        format!("{cut}…")
    };
    escape_controls(&text).into_owned()
}

fn article(t: &str) -> String {
    match t {
        "array" | "integer" | "object" => format!("an {t}"),
        "null" => "null".to_string(),
        _ => format!("a {t}"),
    }
}

fn type_names(kind: &TypeKind) -> String {
    match kind {
        TypeKind::Single(t) => article(&t.to_string()),
        TypeKind::Multiple(ts) => {
            let names: Vec<String> = ts.into_iter().map(|t| article(&t.to_string())).collect();
            names.join(" or ")
        }
    }
}

fn list_values(options: &Value) -> String {
    match options.as_array() {
        Some(items) => items
            .iter()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
            .collect::<Vec<_>>()
            .join(", "),
        None => options.to_string(),
    }
}

fn char_len(value: &Value) -> usize {
    value.as_str().map_or(0, |s| s.chars().count())
}

/// Property names allowed by the object schema whose `additionalProperties` failed.
fn allowed_members(schema: &Value, schema_path: &str) -> Vec<String> {
    let object_path = schema_path
        .strip_suffix("/additionalProperties")
        .unwrap_or(schema_path);
    schema
        .pointer(&format!("{object_path}/properties"))
        .and_then(Value::as_object)
        .map(|props| props.keys().cloned().collect())
        .unwrap_or_default()
}

/// The allowed name closest to a typo, if it is close enough to be the likely intent.
/// Called with thousands of names (a genesys input contract), so a candidate whose letters
/// alone put it out of reach costs no edit distance (which allocates), and the distance is
/// the cheaper one where an adjacent transposition, the usual typo, is one edit.
pub(crate) fn closest<'a>(name: &str, allowed: &'a [String]) -> Option<&'a str> {
    let lower = name.to_lowercase();
    let mut counts = [0; 128];
    allowed
        .iter()
        .filter_map(|candidate| {
            let reach = 2.max(candidate.len() / 3);
            if distance_floor(&lower, candidate, &mut counts) > reach {
                return None;
            }
            let distance = strsim::osa_distance(&lower, candidate);
            (distance <= reach).then_some((distance, candidate.as_str()))
        })
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// A lower bound of the edit distance between two names, without allocating: one edit
/// changes the count of at most two characters by one each, so half the difference in
/// counts (rounded up) is never more than the distance. Only for ASCII; else 0. `counts`
/// is all zeros before and after (it is reused across candidates).
fn distance_floor(a: &str, b: &str, counts: &mut [i64; 128]) -> usize {
    if !a.is_ascii() || !b.is_ascii() {
        return 0;
    }
    for byte in a.bytes() {
        counts[usize::from(byte)] += 1;
    }
    for byte in b.bytes() {
        counts[usize::from(byte)] -= 1;
    }
    let mut differing = 0;
    for byte in a.bytes().chain(b.bytes()) {
        let count = &mut counts[usize::from(byte)];
        differing += count.unsigned_abs();
        *count = 0;
    }
    usize::try_from(differing.div_ceil(2)).unwrap_or(usize::MAX)
}

/// "between 1 and 90000 milliseconds" from the schema beside a failed minimum/maximum (the
/// unit is the one its description starts with).
fn range_of(schema: &Value, schema_path: &str) -> Option<String> {
    let parent = schema_path.rsplit_once('/')?.0;
    let node = schema.pointer(parent)?;
    let description = node.get("description").and_then(Value::as_str);
    let unit = match description {
        Some(d) if d.starts_with("Milliseconds") => " milliseconds",
        Some(d) if d.starts_with("Seconds") => " seconds",
        _ => "",
    };
    match (node.get("minimum"), node.get("maximum")) {
        (Some(lo), Some(hi)) => Some(format!("between {lo} and {hi}{unit}")),
        (Some(lo), None) => Some(format!("at least {lo}{unit}")),
        (None, Some(hi)) => Some(format!("at most {hi}{unit}")),
        (None, None) => None,
    }
}

/// What the schema expects of a field, for the missing-field message.
fn expected_of(schema: &Value, pointer: &str) -> String {
    let mut node = schema;
    for token in pointer_tokens(pointer) {
        match node.get("properties").and_then(|p| p.get(&token)) {
            Some(next) => node = next,
            None => return String::new(),
        }
    }
    if let Some(options) = node.get("enum") {
        format!(" (one of {})", list_values(options))
    } else if let Some(t) = node.get("type").and_then(Value::as_str) {
        format!(" ({})", article(t))
    } else {
        String::new()
    }
}

/// The index of the first item equal to an earlier one, and that earlier index.
fn first_repeat(value: &Value) -> Option<(usize, usize)> {
    let items = value.as_array()?;
    items.iter().enumerate().find_map(|(i, item)| {
        items[..i]
            .iter()
            .position(|earlier| earlier == item)
            .map(|j| (i, j))
    })
}

/// Patterns are unreadable to operators; each patterned field gets its own sentence.
fn pattern_message(pointer: &str, field: &str, found: &Value) -> String {
    match pointer {
        "/name" => format!(
            "{field}: must not contain control characters, found {}",
            show(found)
        ),
        "/configuration/url" => format!(
            "{field}: must be an https:// URL ({{{{placeholders}}}} allowed after https://, no spaces), found {}",
            show(found)
        ),
        _ => format!("{field}: has an invalid format: {}", show(found)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_schemas_compile_under_2020_12() {
        for api in Api::ALL {
            let document: Value = serde_json::from_str(match api {
                Api::CxoneV2 => SCHEMA_JSON,
                Api::GenesysCloud => GENESYS_SCHEMA_JSON,
            })
            .expect("valid JSON");
            assert!(jsonschema::draft202012::new(&document).is_ok(), "{api}");
            assert_eq!(
                document["$schema"], "https://json-schema.org/draft/2020-12/schema",
                "{api}"
            );
        }
    }

    #[test]
    fn label_reads_like_the_payload() {
        assert_eq!(label(""), "payload");
        assert_eq!(label("/configuration/method"), "configuration.method");
        assert_eq!(label("/tags/2"), "tags[2]");
        assert_eq!(
            label("/configuration/headers/X-API-Key"),
            "configuration.headers[\"X-API-Key\"]"
        );
    }

    #[test]
    fn closest_suggests_near_typos_only() {
        let allowed: Vec<String> = ["name", "enabled", "configuration"]
            .map(String::from)
            .to_vec();
        assert_eq!(closest("enabeld", &allowed), Some("enabled"));
        assert_eq!(closest("Name", &allowed), Some("name"));
        assert_eq!(closest("configuartion", &allowed), Some("configuration"));
        assert_eq!(closest("zzzzzz", &allowed), None);
    }

    #[test]
    fn the_distance_floor_never_exceeds_the_distance() {
        for (a, b) in [
            ("enabeld", "enabled"),
            ("name", "nmae"),
            ("in12", "zz_12"),
            ("abc", ""),
            ("configuartion", "configuration"),
            ("kitten", "sitting"),
        ] {
            let mut counts = [0; 128];
            assert!(
                distance_floor(a, b, &mut counts) <= strsim::osa_distance(a, b),
                "{a} {b}"
            );
            assert_eq!(counts, [0; 128]);
        }
        assert_eq!(distance_floor("in12", "zz_12", &mut [0; 128]), 3);
    }

    #[test]
    fn show_cuts_long_values() {
        let long = Value::String("x".repeat(500));
        assert!(show(&long).chars().count() < 60);
    }
}
