//! The terminal studio: one owner of state ([`app::App`]), background tasks
//! that only send [`message::Message`]s, and pure drawing in [`ui`]. [`run`] is what
//! `cxda [FILE]` calls: set-up, the full-screen terminal, the event loop, and restoring
//! the terminal on every way out.

pub mod history;
pub mod remote;
pub mod sandbox_controls;
pub mod submission;
pub mod test_pane;

pub mod app;
pub mod clipboard;
pub mod editor;
mod keys;
pub mod message;
mod runtime;
mod terminal;
#[doc(hidden)]
pub mod testing;
pub mod ui;
pub mod widgets;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

use tokio::sync::mpsc::unbounded_channel;

use crate::config::{GlobalOptions, Resolved};
use crate::payload::templates_for;
use crate::sandbox::Sandbox;
use crate::session::AuditPlace;
use crate::session::Outcome;
use crate::text::escape_controls;
use app::App;
use message::Message;
use runtime::{Incoming, Runtime};

/// Opens the studio on `file` (loaded into the editor; a file that does not exist yet
/// starts from the default template and is created by the first save).
pub fn run(file: Option<PathBuf>, global: &GlobalOptions) -> Outcome {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        eprintln!(
            "cxda: the studio needs a terminal; for scripts use `cxda validate`, `cxda submit` or `cxda audit`"
        );
        return Outcome::LocalProblem;
    }
    let Some(resolved) = crate::session::resolve(global) else {
        return Outcome::LocalProblem;
    };
    let text = match file.as_deref().map(read_payload).transpose() {
        Ok(text) => text.flatten(),
        Err(error) => {
            eprintln!("cxda: {error}");
            return Outcome::LocalProblem;
        }
    };
    let Some(_log) = crate::session::prepare_data_dir(&resolved) else {
        return Outcome::LocalProblem;
    };
    let Some(rt) = crate::session::studio_runtime() else {
        return Outcome::LocalProblem;
    };
    // The dialect's own starting action: a Genesys Cloud profile opens on one.
    let default_text = templates_for(resolved.profile.api)
        .first()
        .map_or("{}", |(_, t)| t);
    let text = text.as_deref().unwrap_or(default_text);
    let ended = rt.block_on(studio(text, file, resolved));
    // What is still running (the sandbox's connections, a blocking task) is not waited
    // for: every record in flight was written or cancelled within the quit grace.
    rt.shutdown_background();
    match ended {
        Ok(()) => Outcome::Ok,
        Err(error) => {
            eprintln!("cxda: {error}");
            Outcome::LocalProblem
        }
    }
}

/// The file's text; `None` when it does not exist yet.
fn read_payload(path: &Path) -> Result<Option<String>, String> {
    let name = escape_controls(&path.display().to_string()).into_owned();
    match std::fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| format!("{name} is not UTF-8 text; save it as UTF-8")),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(format!("cannot read {name}: {error}")),
    }
}

/// Why the studio could not run (after the terminal is restored).
#[derive(Debug, thiserror::Error)]
enum StudioError {
    #[error("terminal: {0}")]
    Terminal(#[from] std::io::Error),
    #[error(transparent)]
    Audit(#[from] crate::audit::AuditError),
}

async fn studio(text: &str, file: Option<PathBuf>, resolved: Resolved) -> Result<(), StudioError> {
    terminal::install_panic_hook();
    // Off the first frame's path, on the other core: the audit log (creating its file syncs
    // the directory) and the payload schema the first checks need.
    let audit = tokio::task::spawn_blocking({
        let place = AuditPlace::of(&resolved);
        move || place.open()
    });
    tokio::task::spawn_blocking(crate::payload::compile_schema);
    let Resolved {
        mut profile,
        chosen_because,
        data_dir,
        ..
    } = resolved;
    // The embedded sandbox listens before the first frame (binding a loopback port takes
    // well under a millisecond), so that frame already shows the request's headers and
    // budget; the engine, whose trust roots take longer, is built after it.
    let mut sandbox = None;
    let mut not_started = None;
    if profile.needs_sandbox() {
        match Sandbox::start_for(&mut profile, &data_dir).await {
            Ok(handle) => sandbox = Some(handle),
            Err(error) => not_started = Some(error),
        }
    }
    let mut term = terminal::enter()?;
    let mut app = App::new(text, file, &profile);
    if let Some(handle) = &sandbox {
        app = app.with_sandbox(handle.faults());
    }
    if let Some(notice) = chosen_because.notice() {
        app.status = notice.to_string();
    }
    if let Some(error) = not_started {
        let _ = app.update(Message::EngineReady(Err(error)));
    }
    if let Some(notice) = editor::over_limit_notice(text.len()) {
        app.status = notice;
    }
    let drawn = term.draw(|frame| ui::draw(frame, &app, Instant::now()));
    let audit = match audit.await {
        Ok(Ok(audit)) => audit,
        Ok(Err(error)) => {
            terminal::restore();
            return Err(error.into());
        }
        Err(join) => {
            terminal::restore();
            return Err(std::io::Error::other(join.to_string()).into());
        }
    };
    let (tx, rx) = unbounded_channel::<Incoming>();
    let mut runtime = Runtime::new(tx.clone(), audit.clone());
    runtime.sandbox = sandbox;
    let result = match drawn {
        Ok(_) => {
            if app.engine_state() == &app::EngineState::Starting {
                runtime::build_engine(profile, audit, tx);
            }
            runtime::event_loop(&mut term, &mut app, &mut runtime, rx).await
        }
        Err(error) => Err(error),
    };
    terminal::restore();
    Ok(result?)
}
