//! Building and driving an [`App`] without a terminal, a network or a sandbox, for the TUI's
//! snapshot tests: scripted [`Message`]s in, a `TestBackend` rendering out.

use std::path::Path;
use std::time::Instant;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

use super::app::App;
use super::message::{Effect, Message, Ready};
use crate::audit::AuditLog;
use crate::config::Profile;
use crate::engine::Engine;
use crate::sandbox::Faults;

/// An app on the built-in sandbox profile with `text` in the editor; the engine not
/// started (status bar: `sandbox starting…`).
pub fn app(text: &str) -> App {
    App::new(text, None, &Profile::sandbox())
}

/// An app on `profile` (a copy of a configured one, say, to test `confirm_submit`).
pub fn app_with_profile(text: &str, profile: &Profile) -> App {
    App::new(text, None, profile)
}

/// A sandbox-profile engine pointed at `http://127.0.0.1:9` (nothing listens there: a
/// submission fails with a transport error) writing its audit records under `data_dir`.
/// Building it touches no network.
pub fn sandbox_engine(data_dir: &Path) -> Result<Engine, String> {
    let mut profile = Profile::sandbox();
    let url = reqwest::Url::parse("http://127.0.0.1:9/").map_err(|e| e.to_string())?;
    profile.complete_sandbox(&url).map_err(|e| e.to_string())?;
    engine_for(profile, data_dir)
}

/// An engine for a profile that has its connection (e.g. one completed against a sandbox
/// started by the test), auditing under `data_dir`.
pub fn engine_for(profile: Profile, data_dir: &Path) -> Result<Engine, String> {
    let audit = AuditLog::open(data_dir, 16).map_err(|e| e.to_string())?;
    Engine::new(profile, audit).map_err(|e| e.to_string())
}

/// Hands the app its engine, as the loop does once start-up is over; `faults` makes the
/// sandbox pane appear with them.
pub fn make_ready(app: &mut App, engine: Engine, faults: Option<Faults>) -> Vec<Effect> {
    app.update(Message::EngineReady(Ok(Ready {
        engine,
        sandbox_faults: faults,
    })))
}

pub fn key(code: KeyCode) -> Message {
    Message::Input(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

pub fn ctrl(c: char) -> Message {
    Message::Input(Event::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::CONTROL,
    )))
}

pub fn shift_tab() -> Message {
    Message::Input(Event::Key(KeyEvent::new(
        KeyCode::BackTab,
        KeyModifiers::SHIFT,
    )))
}

/// Types `text` key by key (`\n` as Enter); the effects of every keystroke.
pub fn type_text(app: &mut App, text: &str) -> Vec<Effect> {
    text.chars()
        .flat_map(|c| {
            let code = if c == '\n' {
                KeyCode::Enter
            } else {
                KeyCode::Char(c)
            };
            app.update(key(code))
        })
        .collect()
}

/// The frame `ui::draw` produces on a `width`×`height` terminal at `now`.
pub fn render_buffer(app: &App, width: u16, height: u16, now: Instant) -> Buffer {
    let mut terminal = match Terminal::new(TestBackend::new(width, height)) {
        Ok(terminal) => terminal,
        // TestBackend never fails to start; an empty buffer makes any assertion fail loudly.
        Err(_) => return Buffer::empty(ratatui::layout::Rect::new(0, 0, width, height)),
    };
    let _ = terminal.draw(|frame| super::ui::draw(frame, app, now));
    terminal.backend().buffer().clone()
}

/// The frame as text: one line per row, trailing spaces trimmed (for insta snapshots).
pub fn render(app: &App, width: u16, height: u16, now: Instant) -> String {
    let buffer = render_buffer(app, width, height, now);
    let mut out = String::new();
    for y in 0..height {
        let mut line = String::new();
        for x in 0..width {
            if let Some(cell) = buffer.cell((x, y)) {
                line.push_str(cell.symbol());
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
