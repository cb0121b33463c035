//! Building and driving an [`App`] without a terminal, a network, a sandbox or an engine,
//! for the TUI's tests: scripted [`Message`]s in, a `TestBackend` rendering out.

use std::time::Instant;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

use super::app::App;
use super::message::{Effect, Message, SubmissionId};
use crate::config::Profile;
use crate::engine::ExecEvent;
use crate::sandbox::Faults;

/// An app on the built-in sandbox profile with `text` in the editor, its sandbox not
/// started (status bar: `sandbox starting…`, no headers yet).
pub fn app(text: &str) -> App {
    App::new(text, None, &Profile::sandbox())
}

/// An app on `profile` (a copy of a configured one, say, to test `confirm_submit`).
pub fn app_with_profile(text: &str, profile: &Profile) -> App {
    App::new(text, None, profile)
}

/// The built-in sandbox profile pointed at `http://127.0.0.1:9` (nothing listens there),
/// as if its sandbox had started there.
pub fn sandbox_profile() -> Profile {
    started_at_port_9(Profile::sandbox())
}

/// The built-in `sandbox-genesys` profile, completed as [`sandbox_profile`] is.
pub fn sandbox_genesys_profile() -> Profile {
    started_at_port_9(Profile::sandbox_genesys())
}

/// A built-in sandbox profile completed as if its sandbox listened at `http://127.0.0.1:9`.
fn started_at_port_9(mut profile: Profile) -> Profile {
    if let Ok(url) = reqwest::Url::parse("http://127.0.0.1:9/") {
        // A fixed loopback URL always completes a built-in sandbox profile.
        let _ = profile.complete_sandbox(&url);
    }
    profile
}

/// An app on [`sandbox_profile`] whose engine is ready; `faults` makes the sandbox pane
/// appear with them. No engine exists: the app never holds one.
pub fn ready_app(text: &str, faults: Option<Faults>) -> App {
    let mut app = App::new(text, None, &sandbox_profile());
    if let Some(faults) = faults {
        app = app.with_sandbox(faults);
    }
    make_ready(&mut app);
    app
}

/// Tells the app its engine is built, as the loop does.
pub fn make_ready(app: &mut App) -> Vec<Effect> {
    app.update(Message::EngineReady(Ok(())))
}

/// An executor event of submission `id`, arriving now.
pub fn exec(id: SubmissionId, event: ExecEvent) -> Message {
    Message::Exec {
        id,
        at: Instant::now(),
        event,
    }
}

/// The submission's task began (as the loop reports it) for the action `name`.
pub fn started(id: SubmissionId, name: &str) -> Message {
    Message::SubmissionStarted {
        id,
        name: name.to_string(),
        at: Instant::now(),
    }
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
