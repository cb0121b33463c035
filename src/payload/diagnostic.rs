//! The one problem report shared by the CLI, the TUI's checks pane and the sandbox's
//! problem+json responses.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A problem in a payload text. `line` and `column` are 1-based, the column counted in
/// characters (not bytes), and always name a cursor position inside the text: a line that
/// exists and a column at most one past that line's last character.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub line: usize,
    pub column: usize,
    /// JSON pointer (RFC 6901) of the value concerned; `""` for the whole document or for a
    /// syntax error.
    pub pointer: String,
    pub message: String,
}

impl Diagnostic {
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}
