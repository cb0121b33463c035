//! The terminal studio (PRODUCT §6): one owner of state ([`app::App`]), background tasks
//! that only send [`message::Message`]s, and pure drawing in [`ui`]. [`run`] is what
//! `cxda [FILE]` calls: set-up, the full-screen terminal, the event loop, and restoring
//! the terminal on every way out.

pub mod history;
pub mod sandbox_controls;
pub mod submission;

pub mod app;
pub mod editor;
mod keys;
pub mod message;
mod runtime;
mod terminal;
#[doc(hidden)]
pub mod testing;
pub mod ui;

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use tokio::sync::mpsc::unbounded_channel;

use crate::audit::AuditLog;
use crate::cli::Outcome;
use crate::config::{self, GlobalOptions, ProcessEnv, Resolved};
use crate::payload::TEMPLATES;
use crate::text::escape_controls;
use app::App;
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
    let resolved = match config::resolve(global, &ProcessEnv) {
        Ok(resolved) => resolved,
        Err(error) => {
            eprintln!("cxda: {error}");
            return Outcome::LocalProblem;
        }
    };
    let text = match file.as_deref().map(read_payload).transpose() {
        Ok(text) => text.flatten(),
        Err(error) => {
            eprintln!("cxda: {error}");
            return Outcome::LocalProblem;
        }
    };
    let Some((_log, audit)) = crate::cli::open_data_dir(&resolved) else {
        return Outcome::LocalProblem;
    };
    let Some(rt) = crate::cli::new_runtime() else {
        return Outcome::LocalProblem;
    };
    let default_text = TEMPLATES.first().map_or("{}", |(_, t)| t);
    let text = text.as_deref().unwrap_or(default_text);
    match rt.block_on(studio(text, file, resolved, audit)) {
        Ok(()) => Outcome::Ok,
        Err(error) => {
            eprintln!("cxda: terminal: {error}");
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

async fn studio(
    text: &str,
    file: Option<PathBuf>,
    resolved: Resolved,
    audit: AuditLog,
) -> std::io::Result<()> {
    terminal::install_panic_hook();
    let mut term = terminal::enter()?;
    let Resolved {
        profile,
        chosen_because,
        ..
    } = resolved;
    let mut app = App::new(text, file, &profile);
    if let Some(notice) = chosen_because.notice() {
        app.status = notice.to_string();
    }
    if let Some(notice) = editor::over_limit_notice(text.len()) {
        app.status = notice;
    }
    // The first frame goes up before anything slow (the sandbox, the HTTP client) starts.
    let drawn = term.draw(|frame| ui::draw(frame, &app, Instant::now()));
    let (tx, rx) = unbounded_channel::<Incoming>();
    let mut runtime = Runtime {
        tx: tx.clone(),
        audit: audit.clone(),
        sandbox: None,
        submissions: HashMap::new(),
        reader_paused: Arc::new(AtomicBool::new(false)),
    };
    let result = match drawn {
        Ok(_) => {
            tokio::spawn(runtime::start(profile, audit, tx.clone()));
            runtime::spawn_reader(tx, Arc::clone(&runtime.reader_paused));
            runtime::event_loop(&mut term, &mut app, &mut runtime, rx).await
        }
        Err(error) => Err(error),
    };
    terminal::restore();
    if let Some(sandbox) = runtime.sandbox.take() {
        sandbox.shutdown().await;
    }
    result
}
