//! Pure payload checks: the API's body limit, JSON syntax, duplicate keys, the schema, the
//! secret-header lint, and the header budget. No I/O; the CLI, the TUI and the sandbox all
//! call these.

use serde_json::Value;

use super::parse::{self, DuplicateKey};
use super::position::{LineIndex, Locator, pointer_escape};
use super::schema::{self, Anchor, label, show};
use super::{Diagnostic, MAX_BODY_BYTES, Severity};
use crate::dialect::Api;
use crate::text::thousands;

/// More problems than this are summarised: nobody reads the ten-thousandth, and locating
/// each one walks the text.
pub(crate) const MAX_DIAGNOSTICS: usize = 200;

/// The result of checking one payload text.
#[derive(Debug, Clone, Default)]
pub struct CheckReport {
    /// Errors and warnings in text order.
    pub diagnostics: Vec<Diagnostic>,
    /// The parsed payload when the text is valid JSON (even if the schema rejects it).
    pub value: Option<Value>,
}

impl CheckReport {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }
}

/// Checks a `cxone-v2` payload text: its size against the API's body limit, syntax,
/// duplicate keys; when it parses, the schema and the secret lint.
pub fn check_text(text: &str) -> CheckReport {
    check_text_for(Api::CxoneV2, text)
}

/// Checks a payload text of `api`'s dialect: what every dialect shares (body limit, syntax,
/// duplicate keys), then that dialect's schema and rules.
pub fn check_text_for(api: Api, text: &str) -> CheckReport {
    let index = LineIndex::new(text);
    let mut diagnostics: Vec<Diagnostic> = over_body_limit(text).into_iter().collect();
    if text.starts_with('\u{feff}') {
        diagnostics.push(Diagnostic {
            severity: Severity::Error,
            line: 1,
            column: 1,
            pointer: String::new(),
            message:
                "the text starts with a byte-order mark (U+FEFF); save it as UTF-8 without BOM"
                    .into(),
        });
        return CheckReport {
            diagnostics,
            value: None,
        };
    }
    let (value, duplicates) = match parse::parse(text, MAX_DIAGNOSTICS) {
        Ok(parsed) => parsed,
        Err(error) => {
            diagnostics.push(syntax_diagnostic(text, &index, &error));
            return CheckReport {
                diagnostics,
                value: None,
            };
        }
    };
    let mut locator = Locator::new(text);
    diagnostics.extend(schema::problems(api, &value).into_iter().map(|p| {
        let offset = anchor_offset(&mut locator, &p.pointer, p.anchor);
        at(text, &index, offset, Severity::Error, p.pointer, p.message)
    }));
    let mut not_noted = duplicates.more;
    match api {
        Api::CxoneV2 => {
            diagnostics.extend(secret_header_warnings(text, &index, &mut locator, &value));
        }
        Api::GenesysCloud => {
            let rules = super::genesys::problems(text, &index, &mut locator, &value);
            diagnostics.extend(rules.diagnostics);
            not_noted += rules.more;
        }
    }
    diagnostics.extend(
        duplicates
            .noted
            .iter()
            .map(|d| duplicate_key_error(text, &index, &mut locator, d)),
    );
    diagnostics.sort_by_key(|d| (d.line, d.column, d.severity));
    if diagnostics.len() + not_noted > MAX_DIAGNOSTICS {
        let hidden = diagnostics.len() + not_noted - (MAX_DIAGNOSTICS - 1);
        diagnostics.truncate(MAX_DIAGNOSTICS - 1);
        let last = diagnostics.last().cloned();
        if let Some(last) = last {
            diagnostics.push(Diagnostic {
                message: format!("{hidden} more problems not shown; fix these first"),
                ..last
            });
        }
    }
    CheckReport {
        diagnostics,
        value: Some(value),
    }
}

/// The API refuses a larger body outright, whatever is in it.
fn over_body_limit(text: &str) -> Option<Diagnostic> {
    (text.len() > MAX_BODY_BYTES).then(|| Diagnostic {
        severity: Severity::Error,
        line: 1,
        column: 1,
        pointer: String::new(),
        message: format!(
            "payload is {} bytes, over the API's {} MiB ({}-byte) body limit; the server will refuse it with 413",
            thousands(text.len()),
            MAX_BODY_BYTES >> 20,
            thousands(MAX_BODY_BYTES)
        ),
    })
}

/// Shown at the repeated key, naming where the first one is: which of the two values a
/// reader keeps is up to the reader, so the payload does not say one thing.
fn duplicate_key_error(
    text: &str,
    index: &LineIndex,
    locator: &mut Locator<'_>,
    duplicate: &DuplicateKey,
) -> Diagnostic {
    let Some(found) = locator.duplicate(&duplicate.object, duplicate.member) else {
        // The locator walks the text the parser accepted, so this is not expected; the
        // problem is still reported rather than lost.
        let message = "payload: a duplicate key (its position could not be found)".to_string();
        return at(text, index, 0, Severity::Error, String::new(), message);
    };
    let (line, column) = index.position(text, found.first_key);
    let message = format!(
        "{}: duplicate key {} (first at line {line}, column {column}); JSON readers keep only one of its values, so remove the repeat",
        label(&found.object),
        show(&Value::String(found.name.clone())),
    );
    let pointer = format!("{}/{}", found.object, pointer_escape(&found.name));
    at(text, index, found.key, Severity::Error, pointer, message)
}

pub(crate) fn at(
    text: &str,
    index: &LineIndex,
    offset: usize,
    severity: Severity,
    pointer: String,
    message: String,
) -> Diagnostic {
    let (line, column) = index.position(text, offset);
    Diagnostic {
        severity,
        line,
        column,
        pointer,
        message,
    }
}

/// The byte offset a problem is shown at; falls back to the closest ancestor that exists.
pub(crate) fn anchor_offset(locator: &mut Locator<'_>, pointer: &str, anchor: Anchor) -> usize {
    let target = match anchor {
        Anchor::Parent => parent(pointer),
        Anchor::Value | Anchor::Key => pointer,
    };
    let mut p = target;
    loop {
        if let Some(found) = locator.locate(p) {
            return match anchor {
                Anchor::Key if p == target => found.key.unwrap_or(found.value),
                _ => found.value,
            };
        }
        if p.is_empty() {
            return 0;
        }
        p = parent(p);
    }
}

fn parent(pointer: &str) -> &str {
    pointer.rsplit_once('/').map_or("", |(head, _)| head)
}

/// serde_json reports a 1-based line and a byte column; turn that into our character
/// column and strip its " at line L column C" suffix, which would repeat the position.
fn syntax_diagnostic(text: &str, index: &LineIndex, error: &serde_json::Error) -> Diagnostic {
    let line = error.line().max(1);
    let line_start = index.line_start(line);
    let line_end = text[line_start..]
        .find('\n')
        .map_or(text.len(), |n| line_start + n);
    // The column is 1-based for an offending character (serde has consumed it) but counts
    // the bytes before the end for end of input, which is one past the last character.
    let column = match error.classify() {
        serde_json::error::Category::Eof => error.column(),
        _ => error.column().saturating_sub(1),
    };
    let offset = (line_start + column).min(line_end);
    let full = error.to_string();
    let reason = full
        .rsplit_once(" at line ")
        .map_or(full.as_str(), |(head, _)| head);
    // serde_json's wording is written for Rust programmers; say it for payload authors.
    let reason = match reason {
        "expected ident" => "not a JSON literal (expected true, false or null)",
        "expected value" => {
            "expected a JSON value (an object, array, string, number, true, false or null)"
        }
        "key must be a string" => "object keys must be double-quoted strings",
        "control character (\\u0000-\\u001F) found while parsing a string" => {
            "a raw control character inside a string; write it escaped (\\n, \\t or \\u00XX)"
        }
        other => other,
    };
    let message = match error.classify() {
        serde_json::error::Category::Eof => {
            format!(
                "invalid JSON: {reason} (the text ends too early; is a closing bracket or quote missing?)"
            )
        }
        _ => format!("invalid JSON: {reason}"),
    };
    at(text, index, offset, Severity::Error, String::new(), message)
}

/// Whether a header name looks like it carries a secret (`*key*`, `*token*`,
/// `*secret*`, `authorization`, `*password*`). The audit trail redacts by the same rule.
pub fn is_secret_header_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower == "authorization"
        || ["key", "token", "secret", "password"]
            .iter()
            .any(|s| lower.contains(s))
}

/// Whether a header value is (or contains) a `{{placeholder}}` rather than a literal.
pub fn has_placeholder(value: &str) -> bool {
    value
        .find("{{")
        .is_some_and(|open| value[open + 2..].find("}}").is_some_and(|close| close > 0))
}

fn secret_header_warnings<'a>(
    text: &'a str,
    index: &'a LineIndex,
    locator: &'a mut Locator<'_>,
    value: &'a Value,
) -> impl Iterator<Item = Diagnostic> + 'a {
    value
        .pointer("/configuration/headers")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(move |(name, header_value)| {
            let literal = header_value.as_str()?;
            if !is_secret_header_name(name) || literal.trim().is_empty() || has_placeholder(literal) {
                return None;
            }
            let pointer = format!("/configuration/headers/{}", pointer_escape(name));
            let message = format!(
                "{}: a literal value in a header that looks secret; use a {{{{placeholder}}}} so the secret is not stored in the Data Action",
                label(&pointer)
            );
            let offset = anchor_offset(locator, &pointer, Anchor::Value);
            Some(at(text, index, offset, Severity::Warning, pointer, message))
        })
}

/// The size of a request's headers as the header budget counts them: the sum over every
/// header of `name: value\r\n` (docs/engine.md, The header budget).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderBudget {
    pub total: usize,
    pub budget: usize,
    /// The largest header line: its name and its bytes (`name: value\r\n`).
    pub largest: Option<(String, usize)>,
}

/// The request's headers are larger than the profile's `header_budget_bytes`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "request headers total {total} bytes, over the {budget}-byte budget; the largest is {largest_name} ({largest_bytes} bytes)"
)]
pub struct HeaderBudgetError {
    pub total: usize,
    pub budget: usize,
    pub largest_name: String,
    pub largest_bytes: usize,
}

impl HeaderBudget {
    pub fn is_over(&self) -> bool {
        self.total > self.budget
    }

    /// `Err` naming the total, the budget and the largest header when over budget.
    pub fn check(&self) -> Result<(), HeaderBudgetError> {
        if !self.is_over() {
            return Ok(());
        }
        let (largest_name, largest_bytes) = self.largest.clone().unwrap_or_default();
        Err(HeaderBudgetError {
            total: self.total,
            budget: self.budget,
            largest_name,
            largest_bytes,
        })
    }
}

/// Measures headers against a budget. Call it with exactly the headers that are sent.
pub fn header_budget<'a>(
    headers: impl IntoIterator<Item = (&'a str, &'a str)>,
    budget: usize,
) -> HeaderBudget {
    let mut total = 0;
    let mut largest: Option<(String, usize)> = None;
    for (name, value) in headers {
        let bytes = name.len() + 2 + value.len() + 2;
        total += bytes;
        if largest.as_ref().is_none_or(|(_, b)| bytes > *b) {
            largest = Some((name.to_string(), bytes));
        }
    }
    HeaderBudget {
        total,
        budget,
        largest,
    }
}

#[cfg(test)]
#[path = "checks_tests.rs"]
mod tests;
