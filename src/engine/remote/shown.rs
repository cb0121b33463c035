//! How a comparison is shown, the same in `cxda diff` and in the studio's diff view: a
//! summary line (`LABEL: equal to ID (version V)`, `absent on the server`, `differs from ID
//! (version V), N differences:`) and one line per differing JSON pointer,
//! `  /pointer: server VALUE, file VALUE`. Values are compact JSON, escaped, cut at
//! [`MAX_VALUE_CHARS`] characters (`…` says so), `(absent)` where one side has none. The
//! literal value of a secret-looking header of either side is `[redacted]` wherever it
//! shows: a diff ends up in terminals and CI logs.

use serde_json::Value;

use super::Comparison;
use super::diff::Difference;
use crate::audit::Redactor;
use crate::text::escape_controls;

/// The most characters of a value shown on a line.
pub const MAX_VALUE_CHARS: usize = 120;

/// The summary line for `label` (a file name, `editor`), without a newline.
pub fn summary(label: &str, found: &Comparison) -> String {
    let Some(id) = found.server_id() else {
        return format!("{label}: absent on the server");
    };
    let id = escape_controls(&id);
    let version = found
        .server_version()
        .map_or_else(String::new, |v| format!(" (version {v})"));
    let by_name = if found.by_name_instead_of_id {
        " (found by name: the file's id is not on the server)"
    } else {
        ""
    };
    match found.differences.len() {
        0 => format!("{label}: equal to {id}{version}{by_name}"),
        1 => format!("{label}: differs from {id}{version}{by_name}, 1 difference:"),
        n => format!("{label}: differs from {id}{version}{by_name}, {n} differences:"),
    }
}

/// One line per difference of `file_text` (the payload compared) from the server's.
pub fn difference_lines(file_text: &str, found: &Comparison) -> Vec<String> {
    redacted_differences(file_text, found)
        .iter()
        .map(|d| {
            format!(
                "  {}: server {}, file {}",
                escape_controls(&d.pointer),
                shown(d.server.as_ref()),
                shown(d.file.as_ref())
            )
        })
        .collect()
}

/// The differences with the literal values of secret-looking headers hidden.
pub fn redacted_differences(file_text: &str, found: &Comparison) -> Vec<Difference> {
    let parsed: Value = serde_json::from_str(file_text).unwrap_or(Value::Null);
    let mut payloads = vec![&parsed];
    payloads.extend(found.server.as_ref());
    let redactor = Redactor::for_payloads(&payloads);
    found
        .differences
        .iter()
        .map(|difference| {
            let mut difference = difference.clone();
            for value in [&mut difference.server, &mut difference.file]
                .into_iter()
                .flatten()
            {
                redactor.redact_payload_part(&difference.pointer, value);
            }
            difference
        })
        .collect()
}

fn shown(value: Option<&Value>) -> String {
    let Some(value) = value else {
        return "(absent)".to_string();
    };
    let text = value.to_string();
    let text = escape_controls(&text);
    if text.chars().count() <= MAX_VALUE_CHARS {
        return text.into_owned();
    }
    let cut: String = text.chars().take(MAX_VALUE_CHARS).collect();
    format!("{cut}…")
}
