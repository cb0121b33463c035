//! Drawing the history view: pure, from the view's state. Only the rows on screen are built
//! (a 1,000-row page must fit the 2 ms frame budget), and the detail's lines were built when
//! it opened.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Margin, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Block, Cell, Paragraph, Row, Scrollbar, ScrollbarOrientation, ScrollbarState, Table, Wrap,
};

use super::detail::{display_status, display_time, outcome_style};
use super::{Detail, HistoryView, OutcomeFilter, Paging};
use crate::text::escape_controls;
use crate::tui::widgets::ListWindow;

const DIM: Style = Style::new().fg(Color::DarkGray);

/// Draws the history list, or the open record's detail, in `area`.
pub fn draw_history(frame: &mut Frame, area: Rect, view: &HistoryView) {
    match &view.detail {
        Some(detail) => draw_detail(frame, area, view, detail),
        None => draw_list(frame, area, view),
    }
}

/// ` History · failed only · /inv ` — the filter state rides in the title.
fn title(view: &HistoryView) -> Line<'static> {
    let mut spans = vec![Span::styled(
        " History ",
        Style::new().add_modifier(Modifier::BOLD),
    )];
    if view.outcome != OutcomeFilter::All {
        spans.push(Span::styled(
            format!("· {} ", view.outcome.label()),
            Style::new().fg(Color::Yellow),
        ));
    }
    if view.typing || !view.text.is_empty() {
        let cursor = if view.typing { "▏" } else { "" };
        spans.push(Span::styled(
            format!("· /{}{cursor} ", escape_controls(&view.text)),
            Style::new().fg(Color::Cyan),
        ));
    }
    Line::from(spans)
}

fn draw_list(frame: &mut Frame, area: Rect, view: &HistoryView) {
    let block = Block::bordered().title(title(view));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [table_area, status_area, keys_area] = Layout::vertical([
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(inner);

    // The header takes one row.
    let rows_fit = usize::from(table_area.height.saturating_sub(1)).max(1);
    view.viewport.set(rows_fit);
    let window = ListWindow::new(view.visible.len(), view.selected, view.top, rows_fit);
    let rows = view.visible[window.top..window.end]
        .iter()
        .filter_map(|&i| view.records.get(i))
        .map(|record| {
            Row::new(vec![
                Cell::from(display_time(&record.ts)),
                Cell::from(Span::styled(
                    record.outcome.as_str(),
                    outcome_style(record.outcome),
                )),
                Cell::from(display_status(record.status)),
                Cell::from(escape_controls(&record.action_name).into_owned()),
                Cell::from(escape_controls(&record.correlation_id).into_owned()),
            ])
        });
    let header = Row::new(vec![
        "Time (UTC)",
        "Outcome",
        "Status",
        "Action",
        "Correlation id",
    ])
    .style(DIM.add_modifier(Modifier::BOLD));
    let table = Table::new(
        rows,
        [
            Constraint::Length(19),
            Constraint::Length(17),
            Constraint::Length(6),
            Constraint::Fill(1),
            // A UUID, the usual correlation id, fits whole.
            Constraint::Length(36),
        ],
    )
    .header(header);
    window.render(frame, table, table_area, area);

    frame.render_widget(Paragraph::new(status_line(view)), status_area);
    let keys = if view.typing {
        "type to filter (name, correlation id, status, id) · Enter keep · Esc clear · Backspace delete"
    } else {
        "↑↓ PgUp PgDn Home End move · Enter detail · / filter · o outcome · r reopen payload · Esc close"
    };
    frame.render_widget(Paragraph::new(Span::styled(keys, DIM)), keys_area);
}

/// Counts, the paging state, skipped lines and any notice.
fn status_line(view: &HistoryView) -> Line<'static> {
    let filtered = view.outcome != OutcomeFilter::All || !view.text.is_empty();
    let mut spans = vec![Span::raw(if filtered {
        format!(
            "{} of {} loaded records match",
            view.visible.len(),
            view.records.len()
        )
    } else {
        format!("{} records", view.records.len())
    })];
    let mut push = |text: String, style: Style| {
        spans.push(Span::styled(" · ", DIM));
        spans.push(Span::styled(text, style));
    };
    match &view.paging {
        Paging::NotStarted => {}
        Paging::Loading(_) => push("loading…".into(), Style::new().fg(Color::Cyan)),
        Paging::More(_) => push("more below".into(), DIM),
        Paging::End => push("end of history".into(), DIM),
        Paging::Failed { message, .. } => push(
            format!("cannot load: {message} (F2 retries)"),
            Style::new().fg(Color::Red),
        ),
    }
    if filtered && !matches!(view.paging, Paging::End) {
        push(
            "the filter searches loaded records; older pages load while few match".into(),
            DIM,
        );
    }
    if view.skipped > 0 {
        push(
            match view.skipped {
                1 => "1 unreadable line skipped".to_string(),
                n => format!("{n} unreadable lines skipped"),
            },
            Style::new().fg(Color::Yellow),
        );
    }
    if let Some(notice) = &view.notice {
        push(notice.clone(), Style::new().fg(Color::Yellow));
    }
    Line::from(spans)
}

fn draw_detail(frame: &mut Frame, area: Rect, view: &HistoryView, detail: &Detail) {
    let block = Block::bordered().title(Line::from(vec![
        Span::styled(" History ", Style::new().add_modifier(Modifier::BOLD)),
        Span::raw(format!("· record {} ", detail.id)),
    ]));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [body_area, keys_area] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
    let rows_fit = usize::from(body_area.height).max(1);
    view.viewport.set(rows_fit);

    let scroll = detail.scroll.min(detail.lines.len().saturating_sub(1));
    // Only the lines that can show: wrapping never makes a line shorter than one row.
    let end = (scroll + rows_fit).min(detail.lines.len());
    let lines = detail.lines[scroll.min(end)..end].to_vec();
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), body_area);
    if detail.lines.len() > rows_fit {
        let mut state =
            ScrollbarState::new(detail.lines.len().saturating_sub(rows_fit)).position(scroll);
        frame.render_stateful_widget(
            Scrollbar::new(ScrollbarOrientation::VerticalRight),
            area.inner(Margin {
                vertical: 1,
                horizontal: 0,
            }),
            &mut state,
        );
    }
    let mut keys = vec![Span::styled(
        "↑↓ PgUp PgDn Home End scroll · r reopen payload · Esc back to the list",
        DIM,
    )];
    if let Some(notice) = &view.notice {
        keys.push(Span::styled(" · ", DIM));
        keys.push(Span::styled(notice.clone(), Style::new().fg(Color::Yellow)));
    }
    frame.render_widget(Paragraph::new(Line::from(keys)), keys_area);
}
