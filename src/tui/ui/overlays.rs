//! What is drawn over the panes: the help (every key, scrolling when taller than the
//! screen), the confirmations (submit, replacing unsaved changes) and the one-line prompts.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use crate::text::escape_controls;
use crate::tui::app::{App, Overlay};
use crate::tui::{history, remote, sandbox_controls, test_pane};

/// Every key, as the help overlay lists it: `(keys, what they do)`. `keys.rs` implements
/// these; the history and Remote views' and the sandbox pane's own keys are listed by them.
pub const KEYS: &[(&str, &str)] = &[
    ("F1", "this help (↑ ↓ PgUp PgDn scroll, Esc closes)"),
    ("F2", "history of submissions (F2 / Esc closes)"),
    (
        "F3",
        "find the next match (asks for a search the first time)",
    ),
    (
        "F4",
        "Remote: the server's actions; Enter opens one (F4 / Esc closes)",
    ),
    (
        "F5",
        "submit: create, or push (update) an action opened from the server",
    ),
    (
        "F6",
        "Test pane: run the action once with an input (F6 / Esc closes)",
    ),
    (
        "F7",
        "copy the create request(s) as curl to the clipboard (OSC 52)",
    ),
    (
        "Esc",
        "close the top overlay, else cancel the submission in flight",
    ),
    ("Tab / Shift+Tab", "next / previous pane"),
    ("Ctrl+Q", "quit, from any state"),
    ("Ctrl+S", "save (to FILE, else asks for a path)"),
    (
        "Ctrl+D",
        "diff the editor against the server's action (by id, else name)",
    ),
    ("Ctrl+T", "format: pretty-print the JSON"),
    ("Ctrl+Z / Ctrl+Y", "undo / redo"),
    ("Ctrl+/", "search (a regular expression)"),
    ("Ctrl+E", "edit in $VISUAL / $EDITOR, then reload"),
    ("Enter", "new line, indented like the JSON around it"),
    ("Mouse wheel", "scroll the editor"),
    (
        "Checks: Up/Down, Enter",
        "choose a problem, move the cursor to it",
    ),
    (
        "Headers: a / d",
        "add a tracking header (Name: value) / remove the selected one",
    ),
    (
        "Editor: move",
        "arrows, Home/End, PageUp/PageDown; Shift+arrows select",
    ),
    (
        "Editor: edit",
        "Ctrl+C copy, Ctrl+X cut, Alt+Y paste that, Ctrl+K delete to line end",
    ),
];

/// A question in a box 70 wide and `height` high, centred: the confirmations.
fn draw_question(frame: &mut Frame, area: Rect, title: &str, text: Vec<Line>, height: u16) {
    let popup = centered(area, 70, height);
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(text)
            .wrap(Wrap { trim: false })
            .block(Block::bordered().title(title.to_string())),
        popup,
    );
}

/// The diff view: the lines as `cxda diff` prints them (already escaped), scrolled to
/// `top`, over most of the screen.
fn draw_diff(frame: &mut Frame, area: Rect, lines: &[String], top: usize) {
    let width = area.width.saturating_sub(4).max(20);
    let height = area.height.saturating_sub(4).max(5);
    let popup = centered(area, width, height);
    let rows = usize::from(popup.height.saturating_sub(2));
    let shown: Vec<Line> = lines
        .iter()
        .skip(top)
        .take(rows)
        .enumerate()
        .map(|(i, line)| {
            if i == 0 && top == 0 {
                Line::styled(line.clone(), Style::default().bold())
            } else {
                Line::from(line.clone())
            }
        })
        .collect();
    let last = (top + rows).min(lines.len());
    let title = format!(
        " Diff against the server · {}–{} of {} · ↑ ↓ PgUp PgDn · Esc closes ",
        (top + 1).min(lines.len()),
        last,
        lines.len()
    );
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(shown).block(Block::bordered().title(title)),
        popup,
    );
}

/// The help's widest box.
const HELP_WIDTH: u16 = 110;

pub fn draw_overlay(frame: &mut Frame, area: Rect, app: &App) {
    match &app.overlay {
        None => {}
        Some(Overlay::Help) => draw_help(frame, area, app),
        Some(Overlay::ReplaceEditor { name, .. }) => {
            let text = vec![
                Line::from(vec![
                    Span::raw("Replace the editor's unsaved changes with "),
                    Span::styled(escape_controls(name).into_owned(), Style::default().bold()),
                    Span::raw(" from the server?"),
                ]),
                Line::from("They are saved nowhere else."),
                Line::from(""),
                Line::styled(
                    "y / Enter: open   n / Esc: keep the editor as it is",
                    Style::default().fg(Color::DarkGray),
                ),
            ];
            draw_question(frame, area, " Open from the server ", text, 6);
        }
        Some(Overlay::ConfirmDelete { id, name, .. }) => {
            let text = vec![
                Line::from(vec![
                    Span::raw("Delete "),
                    Span::styled(escape_controls(name).into_owned(), Style::default().bold()),
                    Span::raw(format!(
                        " (id {}) from the server of profile ",
                        escape_controls(id)
                    )),
                    Span::styled(
                        escape_controls(&app.profile_name).into_owned(),
                        Style::default().bold(),
                    ),
                    Span::raw("?"),
                ]),
                Line::from("Flows that call it stop working. This cannot be undone."),
                Line::from(""),
                Line::styled(
                    "y: delete   n / Esc: keep it",
                    Style::default().fg(Color::DarkGray),
                ),
            ];
            draw_question(frame, area, " Delete from the server ", text, 7);
        }
        Some(Overlay::Diff { lines, top }) => draw_diff(frame, area, lines, *top),
        Some(Overlay::Confirm { profile, url }) => {
            let text = vec![
                Line::from(vec![
                    Span::raw("Submit to profile "),
                    Span::styled(
                        escape_controls(profile).into_owned(),
                        Style::default().bold(),
                    ),
                    Span::raw("?"),
                ]),
                Line::from(format!("POST {}", escape_controls(url))),
                Line::from(""),
                Line::styled(
                    "y / Enter: send   n / Esc: cancel",
                    Style::default().fg(Color::DarkGray),
                ),
            ];
            draw_question(frame, area, " Confirm submit ", text, 6);
        }
        Some(Overlay::Prompt { kind, input }) => {
            let popup = centered(area, 60, 3);
            frame.render_widget(Clear, popup);
            frame.render_widget(
                Paragraph::new(format!("{}▏", escape_controls(input))).block(
                    Block::bordered().title(format!(" {} · Enter ok · Esc cancel ", kind.title())),
                ),
                popup,
            );
        }
    }
}

fn draw_help(frame: &mut Frame, area: Rect, app: &App) {
    // The views own their keys; their lists come from them so that help cannot drift.
    let sections: [(&str, &[(&str, &str)]); 5] = [
        ("", KEYS),
        ("History view", history::key_help()),
        ("Remote view", remote::key_help()),
        ("Test pane (F6)", test_pane::key_help()),
        (
            "Sandbox pane (embedded sandbox)",
            sandbox_controls::key_help(),
        ),
    ];
    let width = sections
        .iter()
        .flat_map(|(_, keys)| keys.iter())
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    // Wrapped here rather than by the paragraph, so that the scroll counts screen lines.
    let popup_width = area.width.min(HELP_WIDTH);
    let what_width = usize::from(popup_width.saturating_sub(2))
        .saturating_sub(width + 2)
        .max(16);
    let mut lines: Vec<Line> = Vec::new();
    for (title, keys) in sections {
        if !title.is_empty() {
            lines.push(Line::styled(title, Style::default().bold().underlined()));
        }
        for (keys, what) in keys {
            for (i, part) in wrap_words(what, what_width).into_iter().enumerate() {
                let keys = if i == 0 { *keys } else { "" };
                lines.push(Line::from(vec![
                    Span::styled(
                        format!("{keys:<width$}  "),
                        Style::default().fg(Color::Cyan),
                    ),
                    Span::raw(part),
                ]));
            }
        }
    }
    let total = u16::try_from(lines.len()).unwrap_or(u16::MAX);
    let popup = centered(area, HELP_WIDTH, total.saturating_add(2));
    let shown = popup.height.saturating_sub(2);
    let max = total.saturating_sub(shown);
    app.help_scroll_max.set(max);
    let scroll = app.help_scroll.min(max);
    let title = if max == 0 {
        " Help ".to_string()
    } else {
        format!(
            " Help · lines {}–{} of {total} · ↑ ↓ PgUp PgDn scroll ",
            scroll + 1,
            scroll + shown
        )
    };
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines)
            .scroll((scroll, 0))
            .block(Block::bordered().title(title)),
        popup,
    );
}

/// `text` cut at spaces into lines of at most `width` characters (a longer word is a line
/// of its own).
fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split(' ') {
        let last = lines.last_mut().map_or(0, |l| l.chars().count());
        if last > 0 && last + 1 + word.chars().count() > width {
            lines.push(String::new());
        }
        if let Some(line) = lines.last_mut() {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines
}

/// A box of at most `width`×`height` in the middle of `area`.
fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [row] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [popup] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(row);
    popup
}
