//! The payload editor: a ratatui-textarea plus what the app needs around it — a revision
//! counter that tags every check result, JSON auto-indent on Enter, pretty-printing and
//! search. Keys that are the app's (save, submit, panes) never reach it.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::{Color, Modifier, Style};
use ratatui_textarea::{CursorMove, Scrolling, TextArea};

/// How many columns one JSON nesting level is indented by (pretty-printing and Enter).
const INDENT: &str = "  ";

/// What the status bar says when the opened text is over the API's body limit: the Checks
/// pane says it too, but the checks of a text that large take a moment. The limit comes
/// first, as the status bar of a 120-column terminal shows about 32 characters of it.
pub fn over_limit_notice(bytes: usize) -> Option<String> {
    let limit = crate::payload::MAX_BODY_BYTES;
    (bytes > limit).then(|| {
        let mb = bytes as f64 / 1e6;
        format!("over the API's 1 MiB body limit ({mb:.1} MB): the server will refuse it (413)")
    })
}

pub struct Editor {
    area: TextArea<'static>,
    /// Bumped on every change of the text; check results carry the revision they checked.
    revision: u64,
}

impl std::fmt::Debug for Editor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Editor")
            .field("revision", &self.revision)
            .field("lines", &self.area.lines().len())
            .finish_non_exhaustive()
    }
}

impl Editor {
    pub fn new(text: &str) -> Editor {
        let mut editor = Editor {
            area: TextArea::default(),
            revision: 0,
        };
        editor.set_text(text);
        editor
    }

    /// Replaces the whole text (a reopened payload, the external editor's result) as one
    /// edit, so that undo brings the previous text back.
    pub fn replace_text(&mut self, text: &str) {
        self.area.select_all();
        self.area.cut();
        self.area.insert_str(text.replace("\r\n", "\n"));
        self.area.move_cursor(CursorMove::Top);
        self.revision += 1;
    }

    fn set_text(&mut self, text: &str) {
        let mut area = TextArea::new(text.lines().map(str::to_string).collect());
        area.set_line_number_style(Style::default().fg(Color::DarkGray));
        area.set_cursor_line_style(Style::default());
        area.set_tab_length(2);
        area.set_search_style(Style::default().bg(Color::Yellow).fg(Color::Black));
        area.set_cursor_style(Style::default().add_modifier(Modifier::REVERSED));
        self.area = area;
        self.revision += 1;
    }

    pub fn text(&self) -> String {
        self.area.lines().join("\n")
    }

    /// The length in bytes of [`Editor::text`], without joining the lines.
    pub fn byte_len(&self) -> usize {
        let lines = self.area.lines();
        lines.iter().map(String::len).sum::<usize>() + lines.len().saturating_sub(1)
    }

    pub fn revision(&self) -> u64 {
        self.revision
    }

    pub fn textarea(&self) -> &TextArea<'static> {
        &self.area
    }

    /// (row, column), both 0-based, in characters.
    pub fn cursor(&self) -> (usize, usize) {
        let cursor = self.area.cursor();
        (cursor.0, cursor.1)
    }

    /// Hands a key to the textarea; true when the text changed.
    pub fn key(&mut self, key: KeyEvent) -> bool {
        let changed = match key.code {
            KeyCode::Enter if !key.modifiers.contains(KeyModifiers::ALT) => {
                self.newline_with_indent();
                true
            }
            // Ctrl+Y, the textarea's own paste, is redo here; Alt+Y pastes what was cut.
            KeyCode::Char('y') if key.modifiers == KeyModifiers::ALT => self.area.paste(),
            // Tab moves between panes (README, The studio); the textarea never sees it.
            KeyCode::Tab | KeyCode::BackTab => false,
            _ => self.area.input(key),
        };
        if changed {
            self.revision += 1;
        }
        changed
    }

    /// Inserts pasted text as is (no auto-indent: the paste has its own).
    pub fn paste(&mut self, text: &str) {
        if self.area.insert_str(text.replace("\r\n", "\n")) {
            self.revision += 1;
        }
    }

    /// Enter keeps the current line's indentation, one level deeper after `{` or `[`.
    fn newline_with_indent(&mut self) {
        let (row, col) = self.cursor();
        let line = self.area.lines().get(row).cloned().unwrap_or_default();
        let mut indent: String = line.chars().take_while(|c| *c == ' ').collect();
        let before = line.chars().take(col).collect::<String>();
        if matches!(before.trim_end().chars().last(), Some('{' | '[')) {
            indent.push_str(INDENT);
        }
        self.area.insert_newline();
        if !indent.is_empty() {
            self.area.insert_str(indent);
        }
    }

    pub fn undo(&mut self) -> bool {
        let changed = self.area.undo();
        if changed {
            self.revision += 1;
        }
        changed
    }

    pub fn redo(&mut self) -> bool {
        let changed = self.area.redo();
        if changed {
            self.revision += 1;
        }
        changed
    }

    /// Pretty-prints the JSON with two-space indentation, keeping the key order. `Err` with
    /// the parse error when the text is not JSON (the text is left alone).
    pub fn format(&mut self) -> Result<(), String> {
        let text = self.text();
        serde_json::from_str::<serde::de::IgnoredAny>(&text).map_err(|e| e.to_string())?;
        let pretty = pretty_json(&text);
        let (row, col) = self.cursor();
        // Select everything and insert over it, so that undo brings the old text back.
        self.area.select_all();
        self.area.cut();
        self.area.insert_str(pretty);
        self.jump_to(row, col);
        self.revision += 1;
        Ok(())
    }

    /// Moves the cursor to (row, column), 0-based, clamped to the text (past row or column
    /// 65,535 too, which the textarea's `CursorMove::Jump` cannot reach).
    pub fn jump_to(&mut self, row: usize, col: usize) {
        self.area.jump_to(row, col);
    }

    /// Searches forward for `pattern` (a regular expression, as the textarea takes it);
    /// `Ok(false)` when nothing matches.
    pub fn search(&mut self, pattern: &str) -> Result<bool, String> {
        self.area
            .set_search_pattern(pattern)
            .map_err(|e| e.to_string())?;
        Ok(self.area.search_forward(true))
    }

    /// The next match of the last search; false without one.
    pub fn search_next(&mut self) -> bool {
        self.area.search_pattern().is_some() && self.area.search_forward(false)
    }

    pub fn scroll(&mut self, rows: i16) {
        self.area.scroll(Scrolling::Delta { rows, cols: 0 });
    }
}

/// Re-indents valid JSON text token by token, so that key order and number spelling stay
/// exactly as written (a parse and re-serialise would sort keys and rewrite numbers).
fn pretty_json(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut chars = text.chars().peekable();
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        for _ in 0..depth {
            out.push_str(INDENT);
        }
    };
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                // An empty object or array stays on one line.
                while chars.peek().is_some_and(|c| c.is_whitespace()) {
                    chars.next();
                }
                if matches!(chars.peek(), Some('}' | ']')) {
                    if let Some(close) = chars.next() {
                        out.push(close);
                    }
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn enter_after_an_opening_brace_indents_one_level_deeper() {
        let mut editor = Editor::new("  \"a\": {");
        editor.jump_to(0, 8);
        editor.key(key(KeyCode::Enter));
        assert_eq!(editor.text(), "  \"a\": {\n    ");
    }

    #[test]
    fn format_pretty_prints_and_undo_restores() {
        let mut editor = Editor::new("{\"b\":[1,2.50],\"a\":{}}");
        editor.format().expect("valid JSON");
        assert_eq!(
            editor.text(),
            "{\n  \"b\": [\n    1,\n    2.50\n  ],\n  \"a\": {}\n}"
        );
        editor.undo();
        editor.undo();
        assert_eq!(editor.text(), "{\"b\":[1,2.50],\"a\":{}}");
    }

    #[test]
    fn a_text_over_the_body_limit_is_named_as_such() {
        let limit = crate::payload::MAX_BODY_BYTES;
        assert_eq!(over_limit_notice(limit), None);
        let notice = over_limit_notice(29_000_000).expect("over the limit");
        assert!(
            notice.starts_with("over the API's 1 MiB body limit (29.0 MB)"),
            "{notice}"
        );
    }

    #[test]
    fn every_change_bumps_the_revision() {
        let mut editor = Editor::new("{}");
        let before = editor.revision();
        editor.key(key(KeyCode::Char('x')));
        assert!(editor.revision() > before);
        let after = editor.revision();
        editor.key(key(KeyCode::Left));
        assert_eq!(editor.revision(), after);
    }
}
