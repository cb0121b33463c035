//! The `genesys-cloud` payload's platform rules, beyond its schema
//! (`assets/schema/genesys-action.schema.json`, checked with every dialect's schema):
//! - `contract`: the input contract's shape and names, `$ref`, arrays of arrays;
//! - `lint`: the Velocity templates (balance, variables against the contract and the
//!   translation map, unescaped input in the URL, literal secrets in headers), over
//!   `template`, a small positional scanner;
//! - `escapes`: a place inside a decoded string back to its place in the JSON text;
//! - and here, the missing `integrationId` and the positioning of every finding.
//!
//! docs/genesys-checks.md lists every rule with an example message.

mod contract;
mod escapes;
mod lint;
mod template;

use std::collections::BTreeMap;

use serde_json::Value;

use super::checks::{MAX_DIAGNOSTICS, anchor_offset, at};
use super::position::{LineIndex, Locator};
use super::schema::{Anchor, label};
use super::{Diagnostic, Severity};

/// The platform rules' problems with their positions, and how many more were found than
/// were positioned (positioning is the costly part, and nobody reads the thousandth).
#[derive(Debug, Default)]
pub(crate) struct Problems {
    pub diagnostics: Vec<Diagnostic>,
    pub more: usize,
}

/// A problem before it has a line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Finding {
    pub severity: Severity,
    /// JSON pointer of the value concerned.
    pub pointer: String,
    pub place: Place,
    pub message: String,
}

/// Where a finding is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Place {
    /// As a schema problem is: the value, its member name, or the object holding it.
    Anchor(Anchor),
    /// This byte offset into the decoded string at the pointer (a place in a template).
    Inside(usize),
}

/// The findings of the rules, the first [`MAX_DIAGNOSTICS`] kept and the rest only counted:
/// a rule hands over a closure, so a finding past the cap costs no message (nor the
/// did-you-mean search behind it).
#[derive(Debug, Default)]
pub(super) struct Findings {
    kept: Vec<Finding>,
    more: usize,
}

impl Findings {
    pub(super) fn push(&mut self, finding: impl FnOnce() -> Finding) {
        if self.kept.len() < MAX_DIAGNOSTICS {
            self.kept.push(finding());
        } else {
            self.more += 1;
        }
    }
}

impl Finding {
    pub(super) fn error(pointer: String, place: Place, message: String) -> Finding {
        Finding {
            severity: Severity::Error,
            pointer,
            place,
            message,
        }
    }

    pub(super) fn warning(pointer: String, place: Place, message: String) -> Finding {
        Finding {
            severity: Severity::Warning,
            ..Finding::error(pointer, place, message)
        }
    }
}

/// Every problem of a parsed genesys-cloud payload beyond syntax, duplicate keys and the
/// schema.
pub(crate) fn problems(
    text: &str,
    index: &LineIndex,
    locator: &mut Locator<'_>,
    value: &Value,
) -> Problems {
    let mut findings = Findings::default();
    missing_integration_id(value, &mut findings);
    contract::check(value, &mut findings);
    lint::check(value, &mut findings);
    Problems {
        diagnostics: position(text, index, locator, findings.kept),
        more: findings.more,
    }
}

/// Not a schema error: the profile's `integration_id` fills it in when the action is sent
/// (`validate --api` has no profile, hence "if it has one").
fn missing_integration_id(value: &Value, out: &mut Findings) {
    let Some(action) = value.as_object() else {
        return;
    };
    if action.contains_key("integrationId") {
        return;
    }
    out.push(|| {
        Finding::warning(
            "/integrationId".into(),
            Place::Anchor(Anchor::Parent),
            format!(
                "{}: no \"integrationId\"; the profile's integration_id is used, if it has one; the platform refuses an action without one (set \"integrationId\" here or integration_id in the profile)",
                label("")
            ),
        )
    });
}

/// Lines and columns for findings; the places inside one string are mapped back through
/// its escapes in a single walk of that string.
fn position(
    text: &str,
    index: &LineIndex,
    locator: &mut Locator<'_>,
    findings: Vec<Finding>,
) -> Vec<Diagnostic> {
    let mut offsets = vec![0; findings.len()];
    let mut inside: BTreeMap<&str, Vec<(usize, usize)>> = BTreeMap::new();
    for (i, finding) in findings.iter().enumerate() {
        match finding.place {
            Place::Anchor(anchor) => offsets[i] = anchor_offset(locator, &finding.pointer, anchor),
            Place::Inside(decoded) => inside
                .entry(finding.pointer.as_str())
                .or_default()
                .push((decoded, i)),
        }
    }
    for (pointer, mut places) in inside {
        let Some(string) = locator.locate(pointer) else {
            // Every template pointer comes from the parsed value, so it resolves; if it did
            // not, the closest ancestor still shows where.
            for (_, i) in places {
                offsets[i] = anchor_offset(locator, pointer, Anchor::Value);
            }
            continue;
        };
        places.sort_unstable();
        let decoded: Vec<usize> = places.iter().map(|(d, _)| *d).collect();
        let raw = escapes::raw_offsets(text, string.value, &decoded);
        for ((_, i), offset) in places.into_iter().zip(raw) {
            offsets[i] = offset;
        }
    }
    findings
        .into_iter()
        .zip(offsets)
        .map(|(f, offset)| at(text, index, offset, f.severity, f.pointer, f.message))
        .collect()
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_lint;

/// The 1-based line and column in the payload `text` of byte `offset` of the JSON string
/// at `pointer` (as decoded): where a template error a run found sits in the file. `None`
/// when the pointer does not name a string in the text.
pub fn string_place(text: &str, pointer: &str, offset: usize) -> Option<(usize, usize)> {
    let quote = Locator::new(text).locate(pointer)?.value;
    if text.as_bytes().get(quote) != Some(&b'"') {
        return None;
    }
    let raw = *escapes::raw_offsets(text, quote, &[offset]).first()?;
    Some(LineIndex::new(text).position(text, raw))
}
