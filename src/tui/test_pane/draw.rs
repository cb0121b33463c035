//! Drawing the Test pane: pure, from its state. The input on the left (the textarea); on
//! the right what the run gave: each step on one line (number, ✓/✗, name, its result or
//! error), then the final result as pretty JSON or the run's error. Every text from the
//! report (the target's answer, the templates' output) is escaped here; the report is
//! already redacted, and the prepared request is never drawn.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::{Finished, TestPane, TestState};
use crate::audit::Outcome;
use crate::dialect::Api;
use crate::engine::Ran;
use crate::runner::{Operation, StepError};
use crate::text::escape_controls;
use crate::tui::widgets::pane_block;

const DIM: Style = Style::new().fg(Color::DarkGray);
const BOLD: Style = Style::new().add_modifier(Modifier::BOLD);

/// Draws the pane in `area` (the screen above the status bar).
pub fn draw_test_pane(frame: &mut Frame, area: Rect, pane: &TestPane) {
    let block = Block::bordered()
        .title(title(pane))
        .title_bottom(keys(pane))
        .border_style(Style::default().fg(Color::Cyan));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [input_area, run_area] =
        Layout::horizontal([Constraint::Percentage(40), Constraint::Percentage(60)]).areas(inner);

    let (row, col) = pane.input.cursor();
    let input_block = pane_block(&format!("Input (JSON) · {}:{}", row + 1, col + 1), true);
    let input_inner = input_block.inner(input_area);
    frame.render_widget(input_block, input_area);
    frame.render_widget(pane.input.textarea(), input_inner);

    let run_block = pane_block("Steps and result", false);
    let run_inner = run_block.inner(run_area);
    frame.render_widget(run_block, run_area);
    let width = usize::from(run_inner.width).max(10);
    let lines = run_lines(pane, width);
    let total = u16::try_from(lines.len()).unwrap_or(u16::MAX);
    let max = total.saturating_sub(run_inner.height);
    pane.scroll_max.set(max);
    frame.render_widget(
        Paragraph::new(lines).scroll((pane.scroll.min(max), 0)),
        run_inner,
    );
}

fn title(pane: &TestPane) -> String {
    let name = if pane.action_name.is_empty() {
        String::new()
    } else {
        format!(" · {}", escape_controls(&pane.action_name))
    };
    format!(" Test{name} · runs {} ", pane.place())
}

fn keys(pane: &TestPane) -> String {
    let place = match (pane.api, pane.local) {
        (Api::CxoneV2, _) => "",
        (Api::GenesysCloud, true) => " · Ctrl+L run on the platform",
        (Api::GenesysCloud, false) => " · Ctrl+L run locally",
    };
    let esc = if pane.is_running() {
        "Esc cancel"
    } else {
        "Esc close"
    };
    format!(" Ctrl+R run{place} · PgUp PgDn scroll · {esc} ")
}

fn run_lines(pane: &TestPane, width: usize) -> Vec<Line<'static>> {
    match &pane.state {
        TestState::Idle => {
            let mut lines: Vec<Line> = wrapped(
                &format!("Ctrl+R runs the action {} with this input.", pane.place()),
                width,
            )
            .into_iter()
            .map(Line::from)
            .collect();
            lines.push(Line::from(""));
            lines.extend(
                wrapped(
                    "${credentials.X} has no value in the studio (it is sent as written): \
                     `cxda test --var X=…` gives one.",
                    width,
                )
                .into_iter()
                .map(|l| Line::styled(l, DIM)),
            );
            lines
        }
        TestState::NotRun { headline, problems } => {
            let mut lines = vec![Line::styled(headline.clone(), BOLD.fg(Color::Red))];
            for problem in problems {
                let text = format!("• {}", escape_controls(problem));
                lines.extend(wrapped(&text, width).into_iter().map(Line::from));
            }
            lines
        }
        TestState::Running { local, cancelling } => {
            let place = if *local { "locally" } else { "on the platform" };
            let text = if *cancelling {
                "cancelling…".to_string()
            } else {
                format!("running {place}… (Esc cancels)")
            };
            vec![Line::styled(text, Style::default().fg(Color::Yellow))]
        }
        TestState::Finished(finished) => finished_lines(finished, width),
    }
}

fn finished_lines(finished: &Finished, width: usize) -> Vec<Line<'static>> {
    let report = &finished.report;
    let (verdict, colour) = match finished.outcome {
        Outcome::Cancelled => ("cancelled", Color::Yellow),
        _ if report.success => ("✓ passed", Color::Green),
        _ => ("✗ failed", Color::Red),
    };
    let place = match &finished.ran {
        Ran::Local => "ran locally".to_string(),
        Ran::Published { id } => format!("ran on the platform, action {}", escape_controls(id)),
        Ran::Draft { id } => format!(
            "ran on the platform, the draft of {}{}",
            escape_controls(id),
            if finished.pushed {
                " (pushed first)"
            } else {
                ""
            }
        ),
    };
    let mut lines = vec![Line::from(vec![
        Span::styled(verdict, BOLD.fg(colour)),
        Span::styled(
            format!(
                " · {} ms · record {}",
                finished.latency_ms, finished.record_id
            ),
            DIM,
        ),
    ])];
    lines.extend(
        wrapped(&place, width)
            .into_iter()
            .map(|l| Line::styled(l, DIM)),
    );
    lines.push(Line::from(""));
    let name_width = report
        .operations
        .iter()
        .map(|op| op.name.chars().count())
        .max()
        .unwrap_or(0);
    for op in &report.operations {
        lines.push(step_line(op, name_width, width));
    }
    if report.operations.is_empty() {
        lines.push(Line::styled("no steps reported", DIM));
    }
    lines.push(Line::from(""));
    if let Some(error) = &report.error {
        lines.push(Line::styled("Error", BOLD.fg(Color::Red)));
        lines.extend(
            wrapped(&escape_controls(&error.message), width)
                .into_iter()
                .map(Line::from),
        );
        lines.push(Line::styled(error_code(error), DIM));
    } else if report.final_result.is_some() {
        lines.push(Line::styled("Result", BOLD));
        for line in &finished.result_lines {
            lines.extend(wrapped(line, width).into_iter().map(Line::from));
        }
    }
    lines
}

/// ` 3 ✓ Resolve request headers   {"Accept":"application/json"}`, cut to `width`.
fn step_line(op: &Operation, name_width: usize, width: usize) -> Line<'static> {
    let (mark, colour) = if op.success {
        ("✓", Color::Green)
    } else {
        ("✗", Color::Red)
    };
    let detail = escape_controls(&op.summary()).into_owned();
    let head = format!("{:>2} ", op.step);
    let name = format!(" {:<name_width$}  ", escape_controls(&op.name));
    let room = width.saturating_sub(head.chars().count() + 1 + name.chars().count());
    let detail_style = if op.error.is_some() {
        Style::default().fg(Color::Red)
    } else {
        Style::default()
    };
    Line::from(vec![
        Span::styled(head, DIM),
        Span::styled(mark, Style::default().fg(colour)),
        Span::raw(name),
        Span::styled(crate::text::fit(&detail, room), detail_style),
    ])
}

fn error_code(error: &StepError) -> String {
    match (error.code.is_empty(), error.status) {
        (true, 0) => String::new(),
        (false, 0) => format!("({})", escape_controls(&error.code)),
        (true, status) => format!("(status {status})"),
        (false, status) => format!("({}, status {status})", escape_controls(&error.code)),
    }
}

/// `text` in pieces of `width` characters (JSON and messages have few spaces to wrap at).
fn wrapped(text: &str, width: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    if chars.is_empty() {
        return vec![String::new()];
    }
    chars
        .chunks(width.max(1))
        .map(|chunk| chunk.iter().collect())
        .collect()
}
