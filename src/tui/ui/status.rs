//! The status bar: profile, token state, key hints and the last status message.

use std::time::Instant;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::text::escape_controls;
use crate::tui::app::{App, EngineState};

pub fn draw_status(frame: &mut Frame, area: Rect, app: &App, now: Instant) {
    let profile = Span::styled(
        format!(" {} ", app.profile_label),
        Style::default()
            .fg(Color::Black)
            .bg(if app.embedded {
                Color::Green
            } else {
                Color::Yellow
            })
            .add_modifier(Modifier::BOLD),
    );
    let dialect = (!app.dialect_label.is_empty()).then(|| {
        Span::styled(
            format!(" {} ", app.dialect_label),
            Style::default().fg(Color::Black).bg(Color::Magenta),
        )
    });
    let line = Line::from_iter([profile].into_iter().chain(dialect).chain([
        Span::raw(" "),
        Span::styled(token_state(app, now), Style::default().fg(Color::Cyan)),
        Span::styled(
            " │ F1 help · F5 submit · F6 test · F2 history · Ctrl+Q quit │ ",
            Style::default().fg(Color::DarkGray),
        ),
        Span::raw(escape_controls(&app.status).into_owned()),
    ]));
    frame.render_widget(Paragraph::new(line), area);
}

/// Whether a token is cached and for how long; before the profile has a connection, that
/// its sandbox is starting.
fn token_state(app: &App, now: Instant) -> String {
    if let EngineState::Failed(_) = app.engine {
        return "engine failed".to_string();
    }
    if app.plan.is_none() {
        return if app.embedded {
            "sandbox starting…".to_string()
        } else {
            "starting…".to_string()
        };
    }
    match app.token.map(|t| t.expires_at) {
        None => "token: none yet".to_string(),
        Some(expires) if expires > now => {
            let left = expires.duration_since(now).as_secs();
            format!("token: valid {}m{:02}s", left / 60, left % 60)
        }
        Some(_) => "token: expired".to_string(),
    }
}
