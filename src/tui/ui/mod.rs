//! Drawing only: `draw(frame, &App, now)` reads the state and never changes it, so a frame
//! can be drawn as often as the loop likes and tests render it to a `TestBackend`.

mod overlays;
mod panes;
mod status;

pub use overlays::KEYS;

use std::time::Instant;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Paragraph, Wrap};

use super::app::{App, Pane};
use super::{history, sandbox_controls, submission};
use crate::text::thousands;

/// The smallest terminal the layout fits; below it a message replaces the panes.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 20;

pub fn draw(frame: &mut Frame, app: &App, now: Instant) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        draw_too_small(frame, area);
        return;
    }
    let [main, status_bar] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
    if app.history_open {
        history::draw_history(frame, main, &app.history);
    } else {
        draw_panes(frame, main, app, now);
    }
    status::draw_status(frame, status_bar, app, now);
    overlays::draw_overlay(frame, area, app);
}

fn draw_panes(frame: &mut Frame, area: Rect, app: &App, now: Instant) {
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(area);
    panes::draw_editor(frame, left, app);
    let sandbox_rows = if app.embedded { 7 } else { 0 };
    let [checks, headers, attempts, sandbox] = Layout::vertical([
        Constraint::Percentage(30),
        Constraint::Percentage(35),
        Constraint::Min(6),
        Constraint::Length(sandbox_rows),
    ])
    .areas(right);
    panes::draw_checks(frame, checks, app);
    panes::draw_headers(frame, headers, app);
    submission::draw_attempts(
        frame,
        attempts,
        &app.submission,
        now,
        app.focus == Pane::Attempts,
    );
    if app.embedded {
        match &app.sandbox {
            Some(controls) => sandbox_controls::draw_sandbox_controls(
                frame,
                sandbox,
                controls,
                app.focus == Pane::Sandbox,
            ),
            None => frame.render_widget(
                Paragraph::new("starting the embedded sandbox…")
                    .block(pane_block("Sandbox", app.focus == Pane::Sandbox)),
                sandbox,
            ),
        }
    }
}

fn draw_too_small(frame: &mut Frame, area: Rect) {
    let text = vec![
        Line::from("Terminal too small"),
        Line::from(format!(
            "{}×{}: cxda needs at least {MIN_WIDTH}×{MIN_HEIGHT}.",
            area.width, area.height
        )),
        Line::from("Enlarge the window; Ctrl+Q quits."),
    ];
    frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
}

/// A pane's frame: the focused one is drawn thick and bright, so that where the keys go
/// is visible at a glance.
pub(crate) fn pane_block(title: &str, focused: bool) -> Block<'static> {
    let block = Block::bordered().title(format!(" {title} "));
    if focused {
        block
            .border_type(BorderType::Thick)
            .border_style(Style::default().fg(Color::Cyan))
            .title_style(Style::default().add_modifier(Modifier::BOLD))
    } else {
        block.border_style(Style::default().fg(Color::DarkGray))
    }
}
