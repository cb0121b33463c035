//! The `genesys-cloud` payload (the platform's `PostActionInput`): its schema and the
//! platform's rules (docs/genesys-cloud.md). Placeholder until the rules land: no problems.

use serde_json::Value;

use super::Diagnostic;
use super::position::{LineIndex, Locator};

/// Every problem of a parsed genesys-cloud payload beyond syntax and duplicate keys.
pub(crate) fn problems(
    _text: &str,
    _index: &LineIndex,
    _locator: &mut Locator<'_>,
    _value: &Value,
) -> Vec<Diagnostic> {
    Vec::new()
}
