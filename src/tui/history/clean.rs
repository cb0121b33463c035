//! Making outside text safe to draw in the history detail. Bodies came from a payload or a
//! server: an escape sequence in them must not reach the terminal, so they are shown
//! with control characters stripped (single-line fields use
//! [`crate::text::escape_controls`] instead, which shows them). `crate::text` has no
//! stripping variant, so it lives here.

use std::borrow::Cow;
use std::iter::Peekable;
use std::str::Chars;

/// Removes control characters and whole escape sequences (CSI `ESC [ … final`, OSC / DCS /
/// APC / PM / SOS strings up to their terminator, two- and three-character `ESC` sequences,
/// and their C1 forms), keeping `\n` and `\t` for layout. Text without any is borrowed.
pub fn strip_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_stripped) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' | '\t' => out.push(c),
            '\u{1b}' => skip_escape(&mut chars),
            '\u{9b}' => skip_csi(&mut chars),
            // DCS, SOS, OSC, PM, APC: a string up to its terminator.
            '\u{90}' | '\u{98}' | '\u{9d}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn is_stripped(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

/// After an `ESC`: the rest of the sequence it starts.
fn skip_escape(chars: &mut Peekable<Chars<'_>>) {
    match chars.peek() {
        Some('[') => {
            chars.next();
            skip_csi(chars);
        }
        Some(']' | 'P' | 'X' | '^' | '_') => {
            chars.next();
            skip_string(chars);
        }
        Some(&c) if ('\u{20}'..='\u{7e}').contains(&c) => {
            // `ESC ( B` and friends: intermediates (0x20–0x2F) then one final character.
            while chars
                .next_if(|c| ('\u{20}'..='\u{2f}').contains(c))
                .is_some()
            {}
            chars.next_if(|c| ('\u{30}'..='\u{7e}').contains(c));
        }
        // A lone ESC (or one before a newline): only the ESC goes, the layout stays.
        _ => {}
    }
}

/// After a CSI: parameter and intermediate bytes, then the final byte. A malformed sequence
/// stops at the first character that cannot belong to it, which is kept.
fn skip_csi(chars: &mut Peekable<Chars<'_>>) {
    while chars
        .next_if(|c| ('\u{20}'..='\u{3f}').contains(c))
        .is_some()
    {}
    chars.next_if(|c| ('\u{40}'..='\u{7e}').contains(c));
}

/// After an OSC-like introducer: up to BEL, `ESC \` or ST. It stops (keeping it) at a
/// newline, so an unterminated string cannot hide the rest of a body.
fn skip_string(chars: &mut Peekable<Chars<'_>>) {
    while let Some(&c) = chars.peek() {
        match c {
            '\n' => return,
            '\u{7}' | '\u{9c}' => {
                chars.next();
                return;
            }
            '\u{1b}' => {
                chars.next();
                chars.next_if_eq(&'\\');
                return;
            }
            _ => {
                chars.next();
            }
        }
    }
}

/// Tabs as spaces to the next multiple of 4, since a tab in a terminal cell would move the
/// cursor rather than draw.
pub fn expand_tabs(line: &str) -> Cow<'_, str> {
    if !line.contains('\t') {
        return Cow::Borrowed(line);
    }
    let mut out = String::with_capacity(line.len() + 8);
    let mut column = 0usize;
    for c in line.chars() {
        if c == '\t' {
            let pad = 4 - column % 4;
            out.extend(std::iter::repeat_n(' ', pad));
            column += pad;
        } else {
            out.push(c);
            column += 1;
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(strip_controls("a\tb\nc é"), Cow::Borrowed(_)));
    }

    #[test]
    fn csi_sequences_go_whole() {
        assert_eq!(strip_controls("a\u{1b}[2J\u{1b}[31;1mb\u{9b}0mc"), "abc");
    }

    #[test]
    fn osc_strings_go_up_to_their_terminator() {
        assert_eq!(strip_controls("a\u{1b}]0;title\u{7}b"), "ab");
        assert_eq!(strip_controls("a\u{1b}]8;;x\u{1b}\\b"), "ab");
        assert_eq!(strip_controls("a\u{9d}0;t\u{9c}b"), "ab");
    }

    #[test]
    fn an_unterminated_osc_stops_at_the_newline() {
        assert_eq!(strip_controls("a\u{1b}]0;title\nnext"), "a\nnext");
    }

    #[test]
    fn short_escapes_and_other_controls_go_newlines_and_tabs_stay() {
        assert_eq!(
            strip_controls("\u{1b}(Bx\u{1b}cy\r\n\u{7f}\u{0}\tz\u{1b}"),
            "xy\n\tz"
        );
    }

    #[test]
    fn tabs_expand_to_four_columns() {
        assert_eq!(expand_tabs("a\tbc\td"), "a   bc  d");
    }
}
