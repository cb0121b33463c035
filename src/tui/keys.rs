//! What each key does, in order of precedence: `Ctrl+Q` always quits; an overlay (help,
//! confirmation, prompt) takes the keys next; then the Test pane, the history or the Remote
//! view when open; then the global keys (F-keys, Ctrl chords, Tab, Esc); last the focused
//! pane. The help overlay's
//! list (`ui::help::KEYS`) is the documentation of this file — keep them in step.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEvent, MouseEventKind};

use super::app::{App, Overlay, Pane, PromptKind};
use super::message::Effect;
use crate::config::{ExtraHeader, check_extra_header_name, check_extra_header_value};
use crate::text::escape_controls;

/// Rows the mouse wheel scrolls the editor by.
const WHEEL_ROWS: i16 = 3;

impl App {
    pub(crate) fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if key.kind == KeyEventKind::Release {
            return Vec::new();
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && matches!(key.code, KeyCode::Char('q' | 'Q')) {
            self.quit = true;
            return vec![Effect::Quit];
        }
        if let Some(overlay) = self.overlay.take() {
            return self.overlay_key(overlay, key);
        }
        if key.code == KeyCode::F(1) {
            self.overlay = Some(Overlay::Help);
            self.help_scroll = 0;
            return Vec::new();
        }
        if self.test.is_open() {
            return self.test_key(key);
        }
        if self.remote_open {
            if key.code == KeyCode::F(4) {
                return self.close_remote();
            }
            let request = self.remote.handle_key(key);
            return self.remote_request(request);
        }
        if self.history_open {
            if key.code == KeyCode::F(2) {
                self.history_open = false;
                return Vec::new();
            }
            let action = self.history.handle_key(key);
            return self.history_action(action);
        }
        if let Some(effects) = self.global_key(key, ctrl) {
            return effects;
        }
        match self.focus {
            Pane::Editor => {
                if self.editor.key(key) {
                    return self.text_changed();
                }
                Vec::new()
            }
            Pane::Checks => self.checks_key(key),
            Pane::Headers => self.headers_key(key),
            Pane::Attempts => Vec::new(),
            Pane::Sandbox => self.sandbox_key(key),
        }
    }

    /// Keys that work in every pane; `None` when the key is the focused pane's.
    fn global_key(&mut self, key: KeyEvent, ctrl: bool) -> Option<Vec<Effect>> {
        let effects = match (key.code, ctrl) {
            (KeyCode::F(2), _) => self.open_history(),
            (KeyCode::F(4), _) => self.open_remote(),
            (KeyCode::F(5), _) => self.request_submit(),
            (KeyCode::F(6), _) => self.open_test(),
            (KeyCode::F(7), _) => self.copy_as_curl(),
            (KeyCode::F(3), _) => {
                if !self.editor.search_next() {
                    self.prompt(PromptKind::Search);
                }
                Vec::new()
            }
            // Terminals send Ctrl+/ as Ctrl+/, Ctrl+7 or Ctrl+_ depending on their keyboard
            // protocol; all three open the search.
            (KeyCode::Char('/' | '7' | '_'), true) => {
                self.prompt(PromptKind::Search);
                Vec::new()
            }
            (KeyCode::Tab, _) => {
                self.move_focus(1);
                Vec::new()
            }
            (KeyCode::BackTab, _) => {
                self.move_focus(-1);
                Vec::new()
            }
            (KeyCode::Esc, _) => {
                if self.is_submitting() {
                    self.status = "cancelling…".to_string();
                    self.submission.cancel_requested();
                    vec![Effect::Cancel(self.submission_id)]
                } else {
                    Vec::new()
                }
            }
            (KeyCode::Char('s'), true) => match self.file.clone() {
                Some(path) => self.save_to(path),
                None => {
                    // A text opened from the server is offered the name `cxda pull --all`
                    // gives its file.
                    let offered = self.remote_origin.as_ref().map_or(String::new(), |o| {
                        format!("{}.json", crate::engine::remote::safe_file_stem(&o.name))
                    });
                    self.overlay = Some(Overlay::Prompt {
                        kind: PromptKind::SavePath,
                        input: offered,
                    });
                    Vec::new()
                }
            },
            (KeyCode::Char('e'), true) => vec![Effect::ExternalEditor {
                text: self.editor.text(),
            }],
            (KeyCode::Char('t'), true) => match self.editor.format() {
                Ok(()) => {
                    self.status = "formatted".to_string();
                    self.text_changed()
                }
                Err(error) => {
                    self.status = format!("not formatted: {error}");
                    Vec::new()
                }
            },
            (KeyCode::Char('d'), true) => self.request_diff(),
            (KeyCode::Char('z'), true) => {
                if self.editor.undo() {
                    return Some(self.text_changed());
                }
                Vec::new()
            }
            (KeyCode::Char('y'), true) => {
                if self.editor.redo() {
                    return Some(self.text_changed());
                }
                Vec::new()
            }
            _ => return None,
        };
        Some(effects)
    }

    fn prompt(&mut self, kind: PromptKind) {
        self.overlay = Some(Overlay::Prompt {
            kind,
            input: String::new(),
        });
    }

    /// Saves the text to `path`; once saved, it counts as clean.
    fn save_to(&mut self, path: std::path::PathBuf) -> Vec<Effect> {
        self.saving_revision = Some(self.editor.revision());
        vec![Effect::Save {
            path,
            text: self.editor.text(),
        }]
    }

    fn move_focus(&mut self, step: isize) {
        let panes = self.panes();
        let at = panes.iter().position(|p| *p == self.focus).unwrap_or(0);
        let len = panes.len() as isize;
        let next = (at as isize + step).rem_euclid(len) as usize;
        self.focus = panes.get(next).copied().unwrap_or(Pane::Editor);
    }

    /// Keys while an overlay is open; the overlay was taken out and is put back unless the
    /// key closes it.
    fn overlay_key(&mut self, overlay: Overlay, key: KeyEvent) -> Vec<Effect> {
        match overlay {
            Overlay::Help => {
                if !matches!(key.code, KeyCode::Esc | KeyCode::F(1) | KeyCode::Char('q')) {
                    self.overlay = Some(Overlay::Help);
                    self.scroll_help(key.code);
                }
                Vec::new()
            }
            Overlay::ConfirmDelete { id, name, version } => match key.code {
                KeyCode::Char('y' | 'Y') => self.delete_now(id, name, version),
                KeyCode::Char('n' | 'N') | KeyCode::Esc | KeyCode::Enter => {
                    self.status = format!("not deleted: {}", escape_controls(&name));
                    Vec::new()
                }
                _ => {
                    self.overlay = Some(Overlay::ConfirmDelete { id, name, version });
                    Vec::new()
                }
            },
            Overlay::Diff { lines, top } => {
                let closes_with_ctrl_d =
                    key.code == KeyCode::Char('d') && key.modifiers.contains(KeyModifiers::CONTROL);
                if !closes_with_ctrl_d {
                    self.diff_key(lines, top, key.code);
                }
                Vec::new()
            }
            Overlay::ReplaceEditor { id, name } => match key.code {
                KeyCode::Char('y' | 'Y') | KeyCode::Enter => self.read_to_open(id, name),
                KeyCode::Char('n' | 'N') | KeyCode::Esc => {
                    self.status = format!(
                        "not opened: {} would have replaced unsaved changes",
                        escape_controls(&name)
                    );
                    Vec::new()
                }
                _ => {
                    self.overlay = Some(Overlay::ReplaceEditor { id, name });
                    Vec::new()
                }
            },
            Overlay::Confirm { profile, url } => match key.code {
                KeyCode::Char('y' | 'Y') | KeyCode::Enter => self.submit_now(),
                KeyCode::Char('n' | 'N') | KeyCode::Esc => {
                    self.status = "not sent".to_string();
                    Vec::new()
                }
                _ => {
                    self.overlay = Some(Overlay::Confirm { profile, url });
                    Vec::new()
                }
            },
            Overlay::Prompt { kind, mut input } => match key.code {
                KeyCode::Esc => Vec::new(),
                KeyCode::Enter => self.prompt_done(kind, input.trim()),
                KeyCode::Backspace => {
                    input.pop();
                    self.overlay = Some(Overlay::Prompt { kind, input });
                    Vec::new()
                }
                KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                    input.push(c);
                    self.overlay = Some(Overlay::Prompt { kind, input });
                    Vec::new()
                }
                _ => {
                    self.overlay = Some(Overlay::Prompt { kind, input });
                    Vec::new()
                }
            },
        }
    }

    /// The help is taller than small screens: the arrows and pages scroll it.
    fn scroll_help(&mut self, code: KeyCode) {
        let max = self.help_scroll_max.get();
        self.help_scroll = match code {
            KeyCode::Up => self.help_scroll.saturating_sub(1),
            KeyCode::Down => self.help_scroll.saturating_add(1),
            KeyCode::PageUp => self.help_scroll.saturating_sub(10),
            KeyCode::PageDown => self.help_scroll.saturating_add(10),
            KeyCode::Home => 0,
            KeyCode::End => max,
            _ => self.help_scroll,
        }
        .min(max);
    }

    fn prompt_done(&mut self, kind: PromptKind, input: &str) -> Vec<Effect> {
        if input.is_empty() {
            return Vec::new();
        }
        match kind {
            PromptKind::SavePath => self.save_to(input.into()),
            PromptKind::Search => {
                self.status = match self.editor.search(input) {
                    Ok(true) => format!("found /{input}/ (F3: next)"),
                    Ok(false) => format!("no match for /{input}/"),
                    Err(error) => format!("not a valid search: {error}"),
                };
                self.focus = Pane::Editor;
                Vec::new()
            }
            PromptKind::AddHeader => self.add_header(input),
        }
    }

    fn add_header(&mut self, input: &str) -> Vec<Effect> {
        let Some((name, value)) = input.split_once(':') else {
            self.status = "a header is `Name: value`".to_string();
            return Vec::new();
        };
        let (name, value) = (name.trim(), value.trim());
        // The config's rules: a token, not one of the engine's own headers (Authorization,
        // Host, …, which would otherwise be sent twice), no control character in the value.
        let checked = check_extra_header_name(name).and_then(|()| check_extra_header_value(value));
        if let Err(reason) = checked {
            self.status = format!("header `{}` not added: {reason}", escape_controls(name));
            return Vec::new();
        }
        self.custom_headers
            .retain(|h| !h.name.eq_ignore_ascii_case(name));
        self.custom_headers.push(ExtraHeader {
            name: name.to_string(),
            value: value.to_string(),
        });
        self.status = format!("added header {name}");
        self.apply_custom_headers()
    }

    fn checks_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let count = self.checks.diagnostics.len();
        match key.code {
            KeyCode::Up => self.checks.selected = self.checks.selected.saturating_sub(1),
            KeyCode::Down if count > 0 => {
                self.checks.selected = (self.checks.selected + 1).min(count - 1);
            }
            KeyCode::Enter => {
                if let Some(d) = self.checks.diagnostics.get(self.checks.selected) {
                    // Diagnostics are 1-based; the editor's cursor is 0-based.
                    let (row, col) = (d.line.saturating_sub(1), d.column.saturating_sub(1));
                    self.editor.jump_to(row, col);
                    self.focus = Pane::Editor;
                }
            }
            _ => {}
        }
        Vec::new()
    }

    fn headers_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let rows = self.preview.as_ref().map_or(0, |p| p.headers.0.len());
        match key.code {
            KeyCode::Up => self.header_selected = self.header_selected.saturating_sub(1),
            KeyCode::Down if rows > 0 => {
                self.header_selected = (self.header_selected + 1).min(rows - 1);
            }
            KeyCode::Char('a') => self.prompt(PromptKind::AddHeader),
            KeyCode::Char('d') => {
                let name = self
                    .preview
                    .as_ref()
                    .and_then(|p| p.headers.0.get(self.header_selected))
                    .map(|(name, _)| name.clone());
                match name {
                    Some(name) if self.is_custom_header(&name) => {
                        self.custom_headers
                            .retain(|h| !h.name.eq_ignore_ascii_case(&name));
                        self.status = format!("removed header {name}");
                        return self.apply_custom_headers();
                    }
                    _ => self.status = "only headers added here (a) can be removed".to_string(),
                }
            }
            _ => {}
        }
        Vec::new()
    }

    fn sandbox_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let Some(controls) = &mut self.sandbox else {
            return Vec::new();
        };
        match controls.handle_key(key) {
            Some(faults) => {
                controls.set_current(faults.clone());
                self.status = format!(
                    "sandbox: {}",
                    super::sandbox_controls::faults_summary(&faults)
                );
                vec![Effect::SetFaults(faults)]
            }
            None => Vec::new(),
        }
    }

    pub(crate) fn on_paste(&mut self, text: &str) -> Vec<Effect> {
        if let Some(Overlay::Prompt { input, .. }) = &mut self.overlay {
            // A prompt is one line.
            input.push_str(&text.replace(['\r', '\n'], " "));
            return Vec::new();
        }
        if self.overlay.is_none() && self.test.is_open() {
            self.test_paste(text);
            return Vec::new();
        }
        if self.overlay.is_none()
            && !self.history_open
            && !self.remote_open
            && self.focus == Pane::Editor
        {
            self.editor.paste(text);
            return self.text_changed();
        }
        Vec::new()
    }

    /// The wheel scrolls the Remote view or the history when open, else the editor.
    pub(crate) fn on_mouse(&mut self, mouse: MouseEvent) -> Vec<Effect> {
        let rows = match mouse.kind {
            MouseEventKind::ScrollDown => WHEEL_ROWS,
            MouseEventKind::ScrollUp => -WHEEL_ROWS,
            _ => return Vec::new(),
        };
        if self.overlay.is_some() {
            return Vec::new();
        }
        if self.test.is_open() {
            self.test_wheel(rows);
            return Vec::new();
        }
        if self.remote_open {
            self.remote.wheel(rows);
            return Vec::new();
        }
        if self.history_open {
            let action = self.history.wheel(rows);
            return self.history_action(action);
        }
        self.editor.scroll(rows);
        Vec::new()
    }
}
