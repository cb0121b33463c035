//! The editor, checks and headers panes.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, ListState, Paragraph};

use super::{pane_block, thousands};
use crate::engine::{AuthorizationSize, RequestPreview};
use crate::payload::{HeaderBudget, Severity};
use crate::text::escape_controls;
use crate::tui::app::{App, Pane};

/// From this share of the budget on, the checks pane names the largest header.
const NEAR_BUDGET_PERCENT: usize = 90;

pub fn draw_editor(frame: &mut Frame, area: Rect, app: &App) {
    let name = app.file.as_ref().map_or_else(
        || "untitled".to_string(),
        |p| escape_controls(&p.display().to_string()).into_owned(),
    );
    let (row, col) = app.editor.cursor();
    let block = pane_block(&format!("Payload · {name} · {}:{}", row + 1, col + 1), {
        app.focus == Pane::Editor && !app.history_open
    });
    let inner = block.inner(area);
    frame.render_widget(block, area);
    frame.render_widget(app.editor.textarea(), inner);
}

pub fn draw_checks(frame: &mut Frame, area: Rect, app: &App) {
    let focused = app.focus == Pane::Checks;
    let stale = app.checks.revision != app.editor.revision();
    let title = if stale {
        "Checks (checking…)"
    } else {
        "Checks"
    };
    let block = pane_block(title, focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [list_area, budget_area] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(2)]).areas(inner);

    let diagnostics = &app.checks.diagnostics;
    if diagnostics.is_empty() {
        frame.render_widget(
            Paragraph::new(Line::styled(
                "✓ Syntax and schema: no problems",
                Style::default().fg(Color::Green),
            )),
            list_area,
        );
    } else {
        let width = usize::from(list_area.width.saturating_sub(2)).max(10);
        let items: Vec<ListItem> = diagnostics
            .iter()
            .map(|d| {
                let (label, color) = match d.severity {
                    Severity::Error => ("error", Color::Red),
                    _ => ("warning", Color::Yellow),
                };
                let head = format!("{}:{} {label} ", d.line, d.column);
                let message = escape_controls(&d.message).into_owned();
                // Messages wrap: a cut-off "allowed values" list would hide the fix.
                let mut chunks = wrap(
                    &message,
                    width.saturating_sub(head.chars().count()).max(10),
                    width,
                );
                let first = if chunks.is_empty() {
                    String::new()
                } else {
                    chunks.remove(0)
                };
                let mut lines = vec![Line::from(vec![
                    Span::styled(format!("{}:{} ", d.line, d.column), Style::default().bold()),
                    Span::styled(format!("{label} "), Style::default().fg(color)),
                    Span::raw(first),
                ])];
                lines.extend(chunks.into_iter().map(|c| Line::from(format!("  {c}"))));
                ListItem::new(lines)
            })
            .collect();
        let mut state = ListState::default();
        if focused {
            state.select(Some(app.checks.selected));
        }
        let list = List::new(items)
            .highlight_style(Style::default().add_modifier(Modifier::REVERSED))
            .highlight_symbol("› ");
        frame.render_stateful_widget(list, list_area, &mut state);
    }
    frame.render_widget(
        Paragraph::new(budget_lines(app.preview.as_ref())),
        budget_area,
    );
}

/// `Headers: N / 8,192 B`, and the largest header once near or over the budget.
fn budget_lines(preview: Option<&RequestPreview>) -> Vec<Line<'static>> {
    let Some(HeaderBudget {
        total,
        budget,
        largest,
    }) = preview.map(|p| &p.budget)
    else {
        return vec![Line::from("Headers: … (waiting for the engine)")];
    };
    let over = total > budget;
    let near = total.saturating_mul(100) >= budget.saturating_mul(NEAR_BUDGET_PERCENT);
    let color = if over {
        Color::Red
    } else if near {
        Color::Yellow
    } else {
        Color::Green
    };
    let mut lines = vec![Line::from(vec![
        Span::styled(
            format!("Headers: {} / {} B", thousands(*total), thousands(*budget)),
            Style::default().fg(color),
        ),
        Span::raw(if over {
            "  over budget: not sendable"
        } else {
            ""
        }),
    ])];
    if near && let Some((name, bytes)) = largest {
        lines.push(Line::from(format!(
            "largest: {} ({} B)",
            escape_controls(name),
            thousands(*bytes)
        )));
    }
    lines
}

pub fn draw_headers(frame: &mut Frame, area: Rect, app: &App) {
    let focused = app.focus == Pane::Headers;
    let block = pane_block("Headers (as sent) · a add · d remove", focused);
    let Some(preview) = &app.preview else {
        frame.render_widget(Paragraph::new("waiting for the engine…").block(block), area);
        return;
    };
    let auth_bytes = authorization_bytes(preview);
    let items: Vec<ListItem> = preview
        .headers
        .0
        .iter()
        .map(|(name, value)| {
            let mut spans = vec![
                Span::styled(format!("{name}: "), Style::default().fg(Color::Cyan)),
                Span::raw(escape_controls(value).into_owned()),
            ];
            if name.eq_ignore_ascii_case("authorization") {
                spans.push(Span::styled(
                    format!(" ({} B)", thousands(auth_bytes)),
                    Style::default().fg(Color::DarkGray),
                ));
            }
            if app.is_custom_header(name) {
                spans.push(Span::styled(" +", Style::default().fg(Color::Magenta)));
            }
            ListItem::new(Line::from(spans))
        })
        .collect();
    let mut state = ListState::default();
    if focused {
        state.select(Some(app.header_selected));
    }
    let list = List::new(items)
        .block(block)
        .highlight_style(Style::default().add_modifier(Modifier::REVERSED));
    frame.render_stateful_widget(list, area, &mut state);
}

/// The real Authorization value's bytes (`Bearer ` and the token): estimated before a
/// token exists, else what the budget counted beyond the other header lines.
fn authorization_bytes(preview: &RequestPreview) -> usize {
    match preview.authorization {
        AuthorizationSize::Estimated { token_chars } => "Bearer ".len() + token_chars,
        AuthorizationSize::CachedToken => {
            let others: usize = preview
                .headers
                .0
                .iter()
                .filter(|(n, _)| !n.eq_ignore_ascii_case("authorization"))
                .map(|(n, v)| n.len() + 2 + v.len() + 2)
                .sum();
            // The Authorization line is `Authorization: value\r\n`.
            preview
                .budget
                .total
                .saturating_sub(others)
                .saturating_sub("Authorization".len() + 4)
        }
    }
}

/// Splits `text` into pieces of at most `first` characters for the first line and
/// `rest - 2` after it (continuation lines are indented by two).
fn wrap(text: &str, first: usize, rest: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut line = String::new();
    let mut limit = first;
    for word in text.split(' ') {
        let len = line.chars().count();
        if len > 0 && len + 1 + word.chars().count() > limit {
            out.push(std::mem::take(&mut line));
            limit = rest.saturating_sub(2).max(8);
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
        // A single word longer than the line is cut hard.
        while line.chars().count() > limit {
            let head: String = line.chars().take(limit).collect();
            line = line.chars().skip(limit).collect();
            out.push(head);
            limit = rest.saturating_sub(2).max(8);
        }
    }
    if !line.is_empty() {
        out.push(line);
    }
    out
}
