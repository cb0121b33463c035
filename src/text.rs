//! Text for people. Text that came from outside (a payload, a server) is data: before it
//! reaches a terminal, control characters are made visible so they cannot move the cursor,
//! recolour the screen or retitle the window. Sizes are shown with grouped digits.

use std::borrow::Cow;
use std::fmt::Write;

/// Replaces every control character (C0, DEL, C1; this covers ESC and CSI) with a visible
/// `\u{..}` escape. Text without one is returned as is.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `text` as a JSON string (quotes and escapes), safe on a terminal: how a name or a text
/// from a payload or a server is quoted in a message.
pub fn quoted(text: &str) -> String {
    escape_controls(&serde_json::Value::String(text.to_string()).to_string()).into_owned()
}

/// The first `chars` characters of `text`, `…` when there were more, [`quoted`].
pub fn quoted_start(text: &str, chars: usize) -> String {
    match text.char_indices().nth(chars) {
        Some((end, _)) => quoted(&format!("{}…", &text[..end])),
        None => quoted(text),
    }
}

/// `text` cut to `width` characters, the last one `…` when it is cut.
pub fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// `8192` → `8,192`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups_digits_by_three() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(8192), "8,192");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        assert!(matches!(
            escape_controls("héllo {{x}}"),
            Cow::Borrowed("héllo {{x}}")
        ));
    }

    #[test]
    fn escape_csi_del_and_newline_become_visible() {
        assert_eq!(
            escape_controls("a\u{1b}[2Jb\u{9b}c\u{7f}\n"),
            "a\\u{1b}[2Jb\\u{9b}c\\u{7f}\\u{a}"
        );
    }
}
