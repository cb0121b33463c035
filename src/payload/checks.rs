//! Pure payload checks. (Being written: signatures are the contract.)
use super::Diagnostic;

/// The result of checking one payload text.
#[derive(Debug, Clone, Default)]
pub struct CheckReport {
    /// Errors and warnings in text order.
    pub diagnostics: Vec<Diagnostic>,
    /// The parsed payload when the text is valid JSON (even if the schema rejects it).
    pub value: Option<serde_json::Value>,
}

impl CheckReport {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

pub fn check_text(_text: &str) -> CheckReport {
    CheckReport::default()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderBudget {
    pub total: usize,
    pub budget: usize,
    pub largest: Option<(String, usize)>,
}
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("x")]
pub struct HeaderBudgetError;

pub fn header_budget<'a>(_headers: impl IntoIterator<Item = (&'a str, &'a str)>, budget: usize) -> HeaderBudget {
    HeaderBudget { total: 0, budget, largest: None }
}
