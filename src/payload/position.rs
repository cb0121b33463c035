//! position
pub struct LineIndex;
pub fn pointer_escape(s: &str) -> String { s.replace('~', "~0").replace('/', "~1") }
