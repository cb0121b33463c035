//! The template lint: the four places the platform runs Velocity (the URL, each header
//! value, the request body and the success template), each scanned once, each finding at
//! its place inside the string.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use super::template::{self, Reference, Scan};
use super::{Finding, Findings, Place};
use crate::payload::is_secret_header_name;
use crate::payload::position::pointer_escape;
use crate::payload::schema::{Anchor, closest, label, show};
use crate::text::thousands;

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

/// How many input names the unknown-input message lists before "… and N more".
const LISTED_NAMES: usize = 10;

/// Which template is being linted: what its references may name differs.
enum Field<'v> {
    Url,
    Header(&'v str),
    Body,
    Success,
}

/// Names a reference may use: a set to look them up, the list (sorted, as the parsed value
/// keeps them) for the did-you-mean search and the message, and the hint for each unknown
/// name, found once (a template may repeat one unknown name thousands of times).
struct Names<'v> {
    set: HashSet<&'v str>,
    list: Vec<String>,
    hints: HashMap<&'v str, String>,
}

impl<'v> Names<'v> {
    fn contains(&self, name: &str) -> bool {
        self.set.contains(name)
    }

    /// The hint for an unknown `name`, made by `make` from the known names the first time.
    fn hint(&mut self, name: &'v str, make: impl FnOnce(&'v str, &[String]) -> String) -> String {
        let list = &self.list;
        self.hints
            .entry(name)
            .or_insert_with(|| make(name, list))
            .clone()
    }
}

/// What the references of all four templates are checked against.
struct Known<'v> {
    /// `None` when there is no input contract to check against (the schema reports that).
    inputs: Option<Names<'v>>,
    /// The translation map's keys and `rawResult`.
    success: Names<'v>,
}

fn string_at<'v>(node: Option<&'v Value>, key: &str) -> Option<&'v str> {
    node?.get(key)?.as_str()
}

pub(super) fn check(value: &Value, out: &mut Findings) {
    let response = value.pointer("/config/response");
    let keys = response
        .and_then(|r| r.get("translationMap")?.as_object())
        .map(Map::keys)
        .into_iter()
        .flatten()
        .map(String::as_str);
    let mut known = Known {
        inputs: input_names(value).map(names),
        success: names(keys.chain([RAW_RESULT])),
    };
    let request = value.pointer("/config/request");
    if let Some(url) = string_at(request, "requestUrlTemplate") {
        let pointer = "/config/request/requestUrlTemplate".to_string();
        lint(&pointer, url, &Field::Url, &mut known, out);
    }
    if let Some(headers) = request.and_then(|r| r.get("headers")?.as_object()) {
        for (name, header) in headers {
            if let Some(header) = header.as_str() {
                let pointer = format!("/config/request/headers/{}", pointer_escape(name));
                lint(&pointer, header, &Field::Header(name), &mut known, out);
            }
        }
    }
    if let Some(body) = string_at(request, "requestTemplate") {
        let pointer = "/config/request/requestTemplate".to_string();
        lint(&pointer, body, &Field::Body, &mut known, out);
    }
    if let Some(success) = string_at(response, "successTemplate") {
        let pointer = "/config/response/successTemplate".to_string();
        lint(&pointer, success, &Field::Success, &mut known, out);
    }
}

fn names<'v>(list: impl Iterator<Item = &'v str> + Clone) -> Names<'v> {
    Names {
        set: list.clone().collect(),
        list: list.map(str::to_string).collect(),
        hints: HashMap::new(),
    }
}

/// The input contract's property names; `None` when there is no input contract.
fn input_names(value: &Value) -> Option<impl Iterator<Item = &str> + Clone> {
    let schema = value.pointer("/contract/input/inputSchema")?.as_object()?;
    let properties = schema.get("properties").and_then(Value::as_object);
    Some(
        properties
            .map(Map::keys)
            .into_iter()
            .flatten()
            .map(String::as_str),
    )
}

fn lint<'v>(
    pointer: &str,
    text: &'v str,
    field: &Field<'_>,
    known: &mut Known<'v>,
    out: &mut Findings,
) {
    let scan = template::scan(text);
    let name = label(pointer);
    for open in &scan.unclosed {
        out.push(|| {
            let snippet: String = text[open.start..].chars().take(32).collect();
            let after = if open.closer == '}' {
                "after the variable name"
            } else {
                "after its arguments"
            };
            Finding::error(
                pointer.to_string(),
                Place::Inside(open.start),
                format!(
                    "{name}: {} is never closed in {}; add \"{}\" {after}",
                    open.opened,
                    shown(&snippet),
                    open.closer
                ),
            )
        });
    }
    let locals: HashSet<&str> = match field {
        Field::Success => scan.locals.iter().copied().collect(),
        _ => HashSet::new(),
    };
    for reference in &scan.references {
        if let Some(inputs) = known.inputs.as_mut() {
            unknown_input(pointer, &name, reference, inputs, out);
        }
        match field {
            Field::Url => unescaped_input(pointer, &name, reference, out),
            Field::Success => {
                unknown_success_name(pointer, &name, reference, &mut known.success, &locals, out)
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

/// The first names of a long list, then how many more.
fn listed(names: &[String]) -> String {
    let shown = names[..names.len().min(LISTED_NAMES)].join(", ");
    match names.len().saturating_sub(LISTED_NAMES) {
        0 => shown,
        more => format!("{shown} … and {} more", thousands(more)),
    }
}

fn unknown_input<'v>(
    pointer: &str,
    name: &str,
    reference: &Reference<'v>,
    inputs: &mut Names<'v>,
    out: &mut Findings,
) {
    let Some(input) = reference.member().filter(|_| reference.root() == "input") else {
        return;
    };
    if input == RAW_REQUEST || inputs.contains(input) {
        return;
    }
    out.push(|| {
        let hint = inputs.hint(input, |input, inputs| match closest(input, inputs) {
            Some(best) => format!("did you mean \"{best}\"?"),
            None if inputs.is_empty() => {
                "the input contract has no properties; add it to contract.input.inputSchema.properties"
                    .to_string()
            }
            None => format!(
                "add it to contract.input.inputSchema.properties (defined: {})",
                listed(inputs)
            ),
        });
        Finding::error(
            pointer.to_string(),
            Place::Inside(reference.start),
            format!(
                "{name}: {} uses input {}, which the input contract does not define; {hint}",
                shown(reference.written),
                shown(input)
            ),
        )
    });
}

fn unescaped_input(pointer: &str, name: &str, reference: &Reference<'_>, out: &mut Findings) {
    if reference.root() != "input" || reference.escaped {
        return;
    }
    out.push(|| {
        Finding::warning(
            pointer.to_string(),
            Place::Inside(reference.start),
            format!(
                "{name}: input {} is not URL-escaped; write $esc.url({}) so a value with /, ?, & or a space cannot change the URL",
                shown(reference.written),
                reference.written
            ),
        )
    });
}

fn unknown_success_name<'v>(
    pointer: &str,
    name: &str,
    reference: &Reference<'v>,
    known: &mut Names<'v>,
    locals: &HashSet<&str>,
    out: &mut Findings,
) {
    let root = reference.root();
    if !reference.formal
        || known.contains(root)
        || SUCCESS_NAMES.contains(&root)
        || locals.contains(root)
    {
        return;
    }
    out.push(|| {
        let hint = known.hint(root, |root, known| match closest(root, known) {
            Some(best) => format!("did you mean \"{best}\"?"),
            None => format!("add {} to config.response.translationMap", shown(root)),
        });
        Finding::error(
            pointer.to_string(),
            Place::Inside(reference.start),
            format!(
                "{name}: {} is neither a translationMap key nor rawResult; {hint}",
                shown(reference.written)
            ),
        )
    });
}

/// A header value is literal when it holds no reference: a macro call over literals
/// (`$encoding.base64("user:pass")`) still stores the secret in the action.
fn literal_secret(
    pointer: &str,
    name: &str,
    header: &str,
    text: &str,
    scan: &Scan<'_>,
    out: &mut Findings,
) {
    if !is_secret_header_name(header)
        || text.trim().is_empty()
        || !scan.references.is_empty()
        || !scan.unclosed.is_empty()
    {
        return;
    }
    out.push(|| {
        Finding::warning(
            pointer.to_string(),
            Place::Anchor(Anchor::Value),
            format!(
                "{name}: a literal value in a header that looks secret; reference a credential of the integration instead (such as ${{credentials.apiKey}}) so the secret is not stored in the action"
            ),
        )
    });
}
