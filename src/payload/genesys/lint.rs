//! The template lint: the four places the platform runs Velocity (the URL, each header
//! value, the request body and the success template), each scanned once, each finding at
//! its place inside the string.

use serde_json::{Map, Value};

use super::template::{self, Reference, Scan};
use super::{Finding, Place};
use crate::payload::is_secret_header_name;
use crate::payload::position::pointer_escape;
use crate::payload::schema::{Anchor, closest, label, show};

/// Always defined: the whole input as the caller sent it.
const RAW_REQUEST: &str = "rawRequest";

/// Always defined in the success template: the response body as received.
const RAW_RESULT: &str = "rawResult";

/// Names a success template may start a `${…}` with besides the translation map's keys:
/// the input, the platform's tools, Velocity's loop variables.
const SUCCESS_NAMES: [&str; 9] = [
    "input",
    "esc",
    "encoding",
    "math",
    "successTemplateUtils",
    "urlTool",
    "foreach",
    "velocityCount",
    "velocityHasNext",
];

/// Which template is being linted: what its references may name differs.
enum Field<'v> {
    Url,
    Header(&'v str),
    Body,
    Success(Vec<String>),
}

fn string_at<'v>(node: Option<&'v Value>, key: &str) -> Option<&'v str> {
    node?.get(key)?.as_str()
}

pub(super) fn check(value: &Value, out: &mut Vec<Finding>) {
    let inputs = input_names(value);
    let request = value.pointer("/config/request");
    if let Some(url) = string_at(request, "requestUrlTemplate") {
        let pointer = "/config/request/requestUrlTemplate".to_string();
        lint(&pointer, url, &Field::Url, inputs.as_deref(), out);
    }
    if let Some(headers) = request.and_then(|r| r.get("headers")?.as_object()) {
        for (name, header) in headers {
            if let Some(header) = header.as_str() {
                let pointer = format!("/config/request/headers/{}", pointer_escape(name));
                lint(
                    &pointer,
                    header,
                    &Field::Header(name),
                    inputs.as_deref(),
                    out,
                );
            }
        }
    }
    if let Some(body) = string_at(request, "requestTemplate") {
        let pointer = "/config/request/requestTemplate".to_string();
        lint(&pointer, body, &Field::Body, inputs.as_deref(), out);
    }
    let response = value.pointer("/config/response");
    if let Some(success) = string_at(response, "successTemplate") {
        let keys = response
            .and_then(|r| r.get("translationMap")?.as_object())
            .map(|map| map.keys().cloned().collect())
            .unwrap_or_default();
        let pointer = "/config/response/successTemplate".to_string();
        lint(
            &pointer,
            success,
            &Field::Success(keys),
            inputs.as_deref(),
            out,
        );
    }
}

/// The input contract's property names; `None` when there is no input contract to check
/// against (the schema reports that).
fn input_names(value: &Value) -> Option<Vec<String>> {
    let schema = value.pointer("/contract/input/inputSchema")?.as_object()?;
    let properties = schema.get("properties").and_then(Value::as_object);
    Some(
        properties
            .map(Map::keys)
            .into_iter()
            .flatten()
            .cloned()
            .collect(),
    )
}

fn lint(
    pointer: &str,
    text: &str,
    field: &Field<'_>,
    inputs: Option<&[String]>,
    out: &mut Vec<Finding>,
) {
    let scan = template::scan(text);
    let name = label(pointer);
    for open in &scan.unclosed {
        let snippet: String = text[open.start..].chars().take(32).collect();
        let after = if open.closer == '}' {
            "after the variable name"
        } else {
            "after its arguments"
        };
        out.push(Finding::error(
            pointer.to_string(),
            Place::Inside(open.start),
            format!(
                "{name}: {} is never closed in {}; add \"{}\" {after}",
                open.opened,
                shown(&snippet),
                open.closer
            ),
        ));
    }
    for reference in &scan.references {
        if let Some(inputs) = inputs {
            unknown_input(pointer, &name, reference, inputs, out);
        }
        match field {
            Field::Url => unescaped_input(pointer, &name, reference, out),
            Field::Success(keys) => {
                unknown_success_name(pointer, &name, reference, keys, &scan, out)
            }
            Field::Header(_) | Field::Body => {}
        }
    }
    if let Field::Header(header) = field {
        literal_secret(pointer, &name, header, text, &scan, out);
    }
}

/// A value shown in a message: quoted, escaped, cut.
fn shown(text: &str) -> String {
    show(&Value::String(text.to_string()))
}

fn unknown_input(
    pointer: &str,
    name: &str,
    reference: &Reference<'_>,
    inputs: &[String],
    out: &mut Vec<Finding>,
) {
    let Some(input) = reference.member().filter(|_| reference.root() == "input") else {
        return;
    };
    if input == RAW_REQUEST || inputs.iter().any(|i| i == input) {
        return;
    }
    let hint = match closest(input, inputs) {
        Some(best) => format!("did you mean \"{best}\"?"),
        None if inputs.is_empty() => {
            "the input contract has no properties; add it to contract.input.inputSchema.properties"
                .to_string()
        }
        None => format!(
            "add it to contract.input.inputSchema.properties (defined: {})",
            inputs.join(", ")
        ),
    };
    out.push(Finding::error(
        pointer.to_string(),
        Place::Inside(reference.start),
        format!(
            "{name}: {} uses input {}, which the input contract does not define; {hint}",
            shown(reference.written),
            shown(input)
        ),
    ));
}

fn unescaped_input(pointer: &str, name: &str, reference: &Reference<'_>, out: &mut Vec<Finding>) {
    if reference.root() != "input" || reference.escaped {
        return;
    }
    out.push(Finding::warning(
        pointer.to_string(),
        Place::Inside(reference.start),
        format!(
            "{name}: input {} is not URL-escaped; write $esc.url({}) so a value with /, ?, & or a space cannot change the URL",
            shown(reference.written),
            reference.written
        ),
    ));
}

fn unknown_success_name(
    pointer: &str,
    name: &str,
    reference: &Reference<'_>,
    keys: &[String],
    scan: &Scan<'_>,
    out: &mut Vec<Finding>,
) {
    let root = reference.root();
    if !reference.formal
        || root == RAW_RESULT
        || keys.iter().any(|k| k == root)
        || SUCCESS_NAMES.contains(&root)
        || scan.locals.contains(&root)
    {
        return;
    }
    let mut known = keys.to_vec();
    known.push(RAW_RESULT.to_string());
    let hint = match closest(root, &known) {
        Some(best) => format!("did you mean \"{best}\"?"),
        None => format!("add {} to config.response.translationMap", shown(root)),
    };
    out.push(Finding::error(
        pointer.to_string(),
        Place::Inside(reference.start),
        format!(
            "{name}: {} is neither a translationMap key nor rawResult; {hint}",
            shown(reference.written)
        ),
    ));
}

/// A header value is literal when it holds no reference and no macro call.
fn literal_secret(
    pointer: &str,
    name: &str,
    header: &str,
    text: &str,
    scan: &Scan<'_>,
    out: &mut Vec<Finding>,
) {
    if !is_secret_header_name(header)
        || text.trim().is_empty()
        || !scan.references.is_empty()
        || scan.calls > 0
        || !scan.unclosed.is_empty()
    {
        return;
    }
    out.push(Finding::warning(
        pointer.to_string(),
        Place::Anchor(Anchor::Value),
        format!(
            "{name}: a literal value in a header that looks secret; reference a credential of the integration instead (such as ${{credentials.apiKey}}) so the secret is not stored in the action"
        ),
    ));
}
