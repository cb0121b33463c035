//! An action's contracts at run time: the input checked before anything is sent, the result
//! checked against the output contract after the success template, and the input skeleton
//! the studio's Test pane starts from. Contracts are JSON schemas in the draft-04 style the
//! platform uses; each check compiles its schema afresh (a run checks once, nothing is kept).
//!
//! Messages never quote a value of the input or the result, only its JSON type: the input
//! of a `secure` action is a secret, and a message may reach a record. Names and pointers
//! from the contract or the document are escaped for a terminal.

use jsonschema::ValidationError;
use jsonschema::error::{TypeKind, ValidationErrorKind};
use serde_json::{Map, Value};
use thiserror::Error;

use crate::payload::pointer_escape;
use crate::payload::pointer_tokens;
use crate::text::{escape_controls, quoted};

/// One problem of a document against its contract.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ContractError {
    /// The document breaks the contract at `pointer` (a JSON pointer into the document, ""
    /// for the whole of it; for a missing property, where it should be).
    #[error("{message}")]
    Violation { pointer: String, message: String },
    /// The contract itself does not compile as a draft-04 schema.
    #[error("the {contract} is not a valid JSON schema (draft-04): {reason}")]
    InvalidSchema {
        contract: &'static str,
        reason: String,
    },
}

impl ContractError {
    /// The JSON pointer into the checked document; "" for a contract that does not compile.
    pub fn pointer(&self) -> &str {
        match self {
            ContractError::Violation { pointer, .. } => pointer,
            ContractError::InvalidSchema { .. } => "",
        }
    }
}

/// Which document is checked; it decides how a place is named in messages.
#[derive(Debug, Clone, Copy)]
enum Checked {
    /// The input: a flat object, so a place is a property name.
    Input,
    /// The result: any depth, so a place is a JSON pointer.
    Output,
}

impl Checked {
    fn contract(self) -> &'static str {
        match self {
            Checked::Input => "input contract",
            Checked::Output => "output contract",
        }
    }

    /// `property "phoneNumber"` for the input, `/customer/tier` for the result.
    fn place(self, pointer: &str) -> String {
        let place = match (self, pointer) {
            (Checked::Input, "") => "the input".to_string(),
            (Checked::Output, "") => "the result".to_string(),
            // A flat input's places are its properties; anything deeper keeps its pointer.
            (Checked::Input, _) if pointer.matches('/').count() == 1 => {
                format!(
                    "property {}",
                    quoted(&pointer_tokens(pointer).pop().unwrap_or_default())
                )
            }
            (_, _) => pointer.to_string(),
        };
        escape_controls(&place).into_owned()
    }
}

/// Checks a result (what the success template gave) against the output contract's
/// `successSchema`.
pub fn validate_output(result: &Value, contract: &Value) -> Result<(), Vec<ContractError>> {
    validate(result, contract, Checked::Output)
}

/// Checks an input against the input contract's `inputSchema`: what a test run does first,
/// sending nothing when it fails.
pub fn validate_input(input: &Value, input_schema: &Value) -> Result<(), Vec<ContractError>> {
    validate(input, input_schema, Checked::Input)
}

fn validate(document: &Value, schema: &Value, checked: Checked) -> Result<(), Vec<ContractError>> {
    let validator = jsonschema::draft4::new(schema).map_err(|error| {
        let place = error.instance_path().as_str();
        let reason = error.masked().to_string();
        let reason = if place.is_empty() {
            reason
        } else {
            format!("at {place}: {reason}")
        };
        vec![ContractError::InvalidSchema {
            contract: checked.contract(),
            reason: escape_controls(&reason).into_owned(),
        }]
    })?;
    let mut errors = Vec::new();
    for error in validator.iter_errors(document) {
        describe(schema, &error, checked, &mut errors);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn describe(
    schema: &Value,
    error: &ValidationError<'_>,
    checked: Checked,
    out: &mut Vec<ContractError>,
) {
    let pointer = error.instance_path().as_str().to_string();
    let place = checked.place(&pointer);
    let mut push = |pointer: String, message: String| {
        out.push(ContractError::Violation {
            pointer: escape_controls(&pointer).into_owned(),
            message,
        })
    };
    match error.kind() {
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            let expected = expected_type(schema, error.schema_path().as_str(), name);
            let message = match (checked, pointer.as_str()) {
                (Checked::Input, "") => {
                    format!("missing required property {}{expected}", quoted(name))
                }
                _ => format!(
                    "{place}: missing required property {}{expected}",
                    quoted(name)
                ),
            };
            push(format!("{pointer}/{}", pointer_escape(name)), message);
        }
        ValidationErrorKind::Type { kind } => push(
            pointer.clone(),
            format!(
                "{place} must be {}, found {}",
                type_names(kind),
                type_of(error.instance())
            ),
        ),
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            let allowed = allowed_properties(schema, error.schema_path().as_str());
            for name in unexpected {
                let child = format!("{pointer}/{}", pointer_escape(name));
                push(
                    child.clone(),
                    format!(
                        "{} is not in the {} (it allows: {allowed})",
                        match checked {
                            Checked::Input => format!("property {}", quoted(name)),
                            Checked::Output => escape_controls(&child).into_owned(),
                        },
                        checked.contract()
                    ),
                );
            }
        }
        ValidationErrorKind::Enum { options } => push(
            pointer.clone(),
            format!(
                "{place} must be one of {}",
                escape_controls(&options.to_string())
            ),
        ),
        _ => push(
            pointer.clone(),
            format!(
                "{place}: {}",
                escape_controls(&error.masked_with("the value").to_string())
            ),
        ),
    }
}

/// ` (a string)` when the schema beside a failed `required` gives the property's type.
fn expected_type(schema: &Value, required_path: &str, name: &str) -> String {
    let parent = required_path
        .strip_suffix("/required")
        .unwrap_or(required_path);
    let property = format!("{parent}/properties/{}", pointer_escape(name));
    match schema.pointer(&property).and_then(|p| p.get("type")) {
        Some(Value::String(t)) => format!(" ({})", article(t)),
        _ => String::new(),
    }
}

/// The property names of the object schema whose `additionalProperties` failed.
fn allowed_properties(schema: &Value, schema_path: &str) -> String {
    let parent = schema_path
        .strip_suffix("/additionalProperties")
        .unwrap_or(schema_path);
    let names: Vec<String> = schema
        .pointer(&format!("{parent}/properties"))
        .and_then(Value::as_object)
        .map(|properties| properties.keys().map(|name| quoted(name)).collect())
        .unwrap_or_default();
    if names.is_empty() {
        "no properties".into()
    } else {
        names.join(", ")
    }
}

fn type_names(kind: &TypeKind) -> String {
    match kind {
        TypeKind::Single(t) => article(t.as_str()),
        TypeKind::Multiple(set) => set
            .into_iter()
            .map(|t| article(t.as_str()))
            .collect::<Vec<_>>()
            .join(" or "),
    }
}

fn article(type_name: &str) -> String {
    match type_name {
        "array" | "integer" | "object" => format!("an {type_name}"),
        "null" => "null".into(),
        other => format!("a {}", escape_controls(other)),
    }
}

/// The JSON type of a value, the only thing a message says of it.
fn type_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The input the studio's Test pane starts from: each property of the input contract with a
/// placeholder of its type (see [`input_skeleton_text`] for the order).
pub fn input_skeleton(input_schema: &Value) -> Value {
    Value::Object(skeleton_members(input_schema).into_iter().collect())
}

/// The skeleton as pretty JSON text with the required properties first (in the contract's
/// `required` order), then the others: the order a JSON object value does not keep.
pub fn input_skeleton_text(input_schema: &Value) -> String {
    let members = skeleton_members(input_schema);
    if members.is_empty() {
        return "{}".into();
    }
    let lines: Vec<String> = members
        .iter()
        .map(|(name, value)| format!("  {}: {value}", Value::String(name.clone())))
        .collect();
    format!("{{\n{}\n}}", lines.join(",\n"))
}

fn skeleton_members(input_schema: &Value) -> Vec<(String, Value)> {
    let empty = Map::new();
    let properties = input_schema
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let required: Vec<&str> = input_schema
        .get("required")
        .and_then(Value::as_array)
        .map(|names| names.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut members: Vec<(String, Value)> = Vec::with_capacity(properties.len());
    for name in &required {
        if !members.iter().any(|(seen, _)| seen == name) {
            members.push((name.to_string(), placeholder(properties.get(*name))));
        }
    }
    for (name, property) in properties {
        if !required.contains(&name.as_str()) {
            members.push((name.clone(), placeholder(Some(property))));
        }
    }
    members
}

/// `""`, `0`, `false`, `null` (and `{}`, `[]`) by the property's type; for a list of
/// types, the first that is not null.
fn placeholder(property: Option<&Value>) -> Value {
    let type_name = match property.and_then(|p| p.get("type")) {
        Some(Value::String(t)) => t.as_str(),
        Some(Value::Array(types)) => types
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("null"),
        _ => "null",
    };
    match type_name {
        "string" => Value::String(String::new()),
        "integer" | "number" => Value::from(0),
        "boolean" => Value::Bool(false),
        "object" => Value::Object(Map::new()),
        "array" => Value::Array(Vec::new()),
        _ => Value::Null,
    }
}

#[cfg(test)]
#[path = "contract_tests.rs"]
mod tests;
