//! The platform's rules for the contract beyond its JSON Schema shape: the input contract is
//! an object of simple values under plain names (none the platform reserves), neither
//! contract uses `$ref`, and the output contract nests no array directly in an array.

use serde_json::{Map, Value};

use super::{Finding, Findings, Place};
use crate::payload::position::pointer_escape;
use crate::payload::schema::{Anchor, label, show};

const INPUT: &str = "/contract/input/inputSchema";
const OUTPUT: &str = "/contract/output/successSchema";

/// Names the platform fills in itself.
const RESERVED: [&str; 3] = ["orgId", "integrationId", "rawRequest"];

/// The types an input property may have.
const SIMPLE: [&str; 5] = ["string", "integer", "number", "boolean", "null"];

pub(super) fn check(value: &Value, out: &mut Findings) {
    if let Some(input) = value.pointer(INPUT).and_then(Value::as_object) {
        input_shape(input, out);
    }
    let mut path = Vec::new();
    if let Some(input) = value.pointer(INPUT) {
        walk(INPUT, input, false, &mut path, out);
    }
    if let Some(output) = value.pointer(OUTPUT) {
        walk(OUTPUT, output, true, &mut path, out);
    }
}

fn input_shape(input: &Map<String, Value>, out: &mut Findings) {
    let type_pointer = format!("{INPUT}/type");
    match input.get("type") {
        Some(Value::String(t)) if t == "object" => {}
        Some(other) => out.push(|| {
            Finding::error(
                type_pointer.clone(),
                Place::Anchor(Anchor::Value),
                format!(
                    "{}: must be \"object\", found {}; the input contract is an object of named values",
                    label(&type_pointer),
                    show(other)
                ),
            )
        }),
        None => out.push(|| {
            Finding::error(
                type_pointer.clone(),
                Place::Anchor(Anchor::Parent),
                format!(
                    "{}: no \"type\"; add \"type\": \"object\" (the input contract is an object of named values)",
                    label(INPUT)
                ),
            )
        }),
    }
    let Some(properties) = input.get("properties").and_then(Value::as_object) else {
        return;
    };
    for (name, property) in properties {
        property_name(name, out);
        property_type(name, property, out);
    }
}

fn property_pointer(name: &str) -> String {
    format!("{INPUT}/properties/{}", pointer_escape(name))
}

fn property_name(name: &str, out: &mut Findings) {
    let problem = if RESERVED.contains(&name) {
        "is reserved by the platform (orgId, integrationId and rawRequest are filled in by it); rename the input"
    } else if !plain_name(name) {
        "is not a valid input name (a letter, then letters, digits, _ or -); rename the input"
    } else {
        return;
    };
    out.push(|| {
        Finding::error(
            property_pointer(name),
            Place::Anchor(Anchor::Key),
            format!(
                "{}: {} {problem}",
                label(INPUT),
                show(&Value::String(name.to_string()))
            ),
        )
    });
}

/// `^[A-Za-z][A-Za-z0-9_-]*$`
fn plain_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn property_type(name: &str, property: &Value, out: &mut Findings) {
    let found = property.get("type");
    if found.is_some_and(simple_type) {
        return;
    }
    out.push(|| {
        let allowed = SIMPLE.join(", ");
        let (place, problem) = match found {
            None => (
                Anchor::Parent,
                format!("has no \"type\"; declare one of {allowed}"),
            ),
            Some(t) => (
                Anchor::Value,
                format!(
                    "has type {}; an input may only be {allowed} (no nested object or array): pass the parts as inputs of their own, or the whole as a string",
                    show_type(t)
                ),
            ),
        };
        let pointer = property_pointer(name);
        Finding::error(
            format!("{pointer}/type"),
            Place::Anchor(place),
            format!("{}: {problem}", label(&pointer)),
        )
    });
}

/// `"string"` or a list such as `["string", "null"]`, every one simple.
fn simple_type(t: &Value) -> bool {
    match t {
        Value::String(s) => SIMPLE.contains(&s.as_str()),
        Value::Array(items) => {
            !items.is_empty()
                && items
                    .iter()
                    .all(|i| i.as_str().is_some_and(|s| SIMPLE.contains(&s)))
        }
        _ => false,
    }
}

fn show_type(t: &Value) -> String {
    match t {
        Value::Array(items) => {
            let names: Vec<String> = items.iter().map(show).collect();
            format!("[{}]", names.join(", "))
        }
        other => show(other),
    }
}

/// Whether a schema node's `type` is or includes `array`.
fn is_array_type(node: &Value) -> bool {
    match node.get("type") {
        Some(Value::String(s)) => s == "array",
        Some(Value::Array(items)) => items.iter().any(|i| i == "array"),
        _ => false,
    }
}

/// One step below a contract's root.
enum Token<'v> {
    Key(&'v str),
    Index(usize),
}

/// Every `$ref` in a contract, and (in the output contract) every array whose items are
/// arrays. `path` holds the steps below `root`, so a pointer is only built for a finding.
fn walk<'v>(
    root: &str,
    node: &'v Value,
    output: bool,
    path: &mut Vec<Token<'v>>,
    out: &mut Findings,
) {
    match node {
        Value::Object(members) => {
            if output && is_array_type(node) {
                let nested: Vec<Option<usize>> = match members.get("items") {
                    Some(Value::Array(tuple)) => tuple
                        .iter()
                        .enumerate()
                        .filter(|(_, item)| is_array_type(item))
                        .map(|(i, _)| Some(i))
                        .collect(),
                    Some(single) if is_array_type(single) => vec![None],
                    _ => Vec::new(),
                };
                for index in nested {
                    out.push(|| {
                        let mut pointer = pointer_of(root, path);
                        pointer.push_str("/items");
                        if let Some(index) = index {
                            pointer.push_str(&format!("/{index}"));
                        }
                        pointer.push_str("/type");
                        Finding::error(
                            pointer.clone(),
                            Place::Anchor(Anchor::Value),
                            format!(
                                "{}: an array of arrays, which the platform's output contract does not take; make the inner array a property of an object",
                                label(&pointer)
                            ),
                        )
                    });
                }
            }
            for (key, child) in members {
                path.push(Token::Key(key));
                if key == "$ref" {
                    out.push(|| {
                        let pointer = pointer_of(root, path);
                        Finding::error(
                            pointer.clone(),
                            Place::Anchor(Anchor::Key),
                            format!(
                                "{}: \"$ref\" is not supported in a contract (found {}); write the referenced schema in place",
                                label(&pointer),
                                show(child)
                            ),
                        )
                    });
                }
                walk(root, child, output, path, out);
                path.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                path.push(Token::Index(i));
                walk(root, child, output, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

fn pointer_of(root: &str, path: &[Token<'_>]) -> String {
    let mut pointer = root.to_string();
    for token in path {
        pointer.push('/');
        match token {
            Token::Key(key) => pointer.push_str(&pointer_escape(key)),
            Token::Index(i) => pointer.push_str(&i.to_string()),
        }
    }
    pointer
}
