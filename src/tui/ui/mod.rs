//! Drawing only: `draw(frame, &App, now)` reads the state and never changes it, so a frame
//! can be drawn as often as the loop likes and tests render it to a `TestBackend`.

mod overlays;
mod panes;
mod status;

pub use overlays::KEYS;

use std::time::Instant;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::app::{App, Pane};
use super::submission::{self, SubmissionView};
pub(crate) use super::widgets::pane_block;
use super::{history, remote, sandbox_controls};
pub(crate) use crate::text::thousands;

/// The smallest terminal the layout fits; below it a message replaces the panes.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 20;

pub fn draw(frame: &mut Frame, app: &App, now: Instant) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        draw_too_small(frame, area);
        return;
    }
    let [main, status_bar] = above_status_bar(area);
    if app.test.is_open() {
        super::test_pane::draw_test_pane(frame, main, &app.test);
    } else if app.remote_open {
        remote::draw_remote(frame, main, &app.remote);
    } else if app.history_open {
        history::draw_history(frame, main, &app.history);
    } else {
        draw_panes(frame, area, app, now);
    }
    status::draw_status(frame, status_bar, app, now);
    overlays::draw_overlay(frame, area, app);
}

fn above_status_bar(screen: Rect) -> [Rect; 2] {
    Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(screen)
}

/// Where the panes view puts each pane on `screen`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaneAreas {
    pub editor: Rect,
    pub checks: Rect,
    pub headers: Rect,
    pub attempts: Rect,
    /// Empty without the embedded sandbox.
    pub sandbox: Rect,
}

/// Rows the checks and headers panes keep between them before the attempts pane may grow:
/// the eight headers a create sends, the checks' verdict and budget, a few problems.
const CHECKS_AND_HEADERS_MIN: u16 = 18;

/// The editor on the left; on the right the checks, the headers, the attempts and the
/// embedded sandbox's controls. Once a submission has started, the attempts pane grows to
/// the rows that keep its response chart on screen, if the checks and headers keep
/// [`CHECKS_AND_HEADERS_MIN`] rows (from 120×40 up).
pub fn pane_areas(screen: Rect, embedded: bool, submission: &SubmissionView) -> PaneAreas {
    let [main, _] = above_status_bar(screen);
    let [editor, right] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(main);
    let sandbox_rows = if embedded { 7 } else { 0 };
    let mut right_column = Layout::vertical([
        Constraint::Percentage(30),
        Constraint::Percentage(35),
        Constraint::Min(6),
        Constraint::Length(sandbox_rows),
    ])
    .areas(right);
    let wanted = submission::pane_height(submission);
    let room = right.height.saturating_sub(sandbox_rows);
    if right_column[2].height < wanted && room >= wanted + CHECKS_AND_HEADERS_MIN {
        // The same 30:35 shares of what the attempts pane leaves.
        right_column = Layout::vertical([
            Constraint::Fill(30),
            Constraint::Fill(35),
            Constraint::Length(wanted),
            Constraint::Length(sandbox_rows),
        ])
        .areas(right);
    }
    let [checks, headers, attempts, sandbox] = right_column;
    PaneAreas {
        editor,
        checks,
        headers,
        attempts,
        sandbox,
    }
}

fn draw_panes(frame: &mut Frame, screen: Rect, app: &App, now: Instant) {
    let PaneAreas {
        editor,
        checks,
        headers,
        attempts,
        sandbox,
    } = pane_areas(screen, app.embedded, &app.submission);
    panes::draw_editor(frame, editor, app);
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
