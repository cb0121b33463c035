//! The event loop: one channel of [`Incoming`] fed by the terminal reader
//! thread, the start-up task and every effect's task; `App::update` for each message; one
//! redraw per drained batch; a tick only while a countdown is on screen.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::app::App;
use super::history;
use super::message::{Effect, Message, Ready, SubmissionId};
use super::terminal::{self, Term};
use crate::audit::AuditLog;
use crate::config::Profile;
use crate::engine::Engine;
use crate::payload::CheckReport;
use crate::sandbox::{Sandbox, SandboxHandle};

/// How often the screen refreshes while a countdown is shown.
const TICK: Duration = Duration::from_millis(250);
/// Records per history page.
const HISTORY_PAGE: usize = 200;
/// How long quitting waits for cancelled submissions to write their records.
const QUIT_GRACE: Duration = Duration::from_secs(2);

/// What reaches the loop: messages for the app, and the start-up result, whose sandbox
/// handle the loop keeps (the app holds no I/O handles).
pub enum Incoming {
    App(Message),
    Started(Box<Started>),
}

pub struct Started {
    ready: Result<Ready, String>,
    sandbox: Option<SandboxHandle>,
}

/// What the loop owns besides the app: the handles effects need.
pub struct Runtime {
    pub tx: UnboundedSender<Incoming>,
    pub audit: AuditLog,
    pub sandbox: Option<SandboxHandle>,
    pub submissions: HashMap<SubmissionId, (CancellationToken, JoinHandle<()>)>,
    /// Pauses the terminal reader while an external editor owns the terminal.
    pub reader_paused: Arc<AtomicBool>,
}

/// Runs until the app quits or SIGTERM; the terminal is restored by the caller.
pub async fn event_loop(
    term: &mut Term,
    app: &mut App,
    rt: &mut Runtime,
    mut rx: UnboundedReceiver<Incoming>,
) -> std::io::Result<()> {
    let mut terminate = sigterm();
    for effect in app.startup_effects() {
        run_effect(effect, rt, term)?;
    }
    loop {
        let now = Instant::now();
        let ticking = app.wants_tick(now);
        let first = tokio::select! {
            incoming = rx.recv() => incoming,
            () = tokio::time::sleep(TICK), if ticking => Some(Incoming::App(Message::Tick)),
            () = terminated(&mut terminate) => break,
        };
        let Some(first) = first else { break };
        let mut effects = handle(app, rt, first);
        // Everything already queued is applied before the one redraw.
        while let Ok(incoming) = rx.try_recv() {
            effects.extend(handle(app, rt, incoming));
        }
        let mut quit = false;
        for effect in effects {
            quit |= run_effect(effect, rt, term)?;
        }
        if quit || app.should_quit() {
            break;
        }
        term.draw(|frame| super::ui::draw(frame, app, Instant::now()))?;
    }
    shut_down(rt).await;
    Ok(())
}

fn handle(app: &mut App, rt: &mut Runtime, incoming: Incoming) -> Vec<Effect> {
    match incoming {
        Incoming::App(message) => app.update(message),
        Incoming::Started(started) => {
            let Started { ready, sandbox } = *started;
            rt.sandbox = sandbox;
            app.update(Message::EngineReady(ready))
        }
    }
}

/// Runs one effect; true when it asks to quit.
fn run_effect(effect: Effect, rt: &mut Runtime, term: &mut Term) -> std::io::Result<bool> {
    let tx = rt.tx.clone();
    let send = move |message: Message| {
        let _ = tx.send(Incoming::App(message));
    };
    match effect {
        Effect::Quit => return Ok(true),
        Effect::CheckLarge { revision, text } => {
            tokio::task::spawn_blocking(move || {
                let CheckReport { diagnostics, value } = crate::payload::check_text(&text);
                // The parsed document and the text are freed here, not on the loop: dropping
                // a 1 MiB payload's tree takes milliseconds a keystroke does not have.
                drop((value, text));
                let report = CheckReport {
                    diagnostics,
                    value: None,
                };
                send(Message::ChecksDone { revision, report });
            });
        }
        Effect::Submit {
            id,
            engine,
            submission,
        } => {
            let cancel = CancellationToken::new();
            let (events_tx, mut events_rx) = unbounded_channel();
            let forward = send.clone();
            tokio::spawn(async move {
                while let Some(event) = events_rx.recv().await {
                    forward(Message::Exec(id, event));
                }
            });
            let token = cancel.clone();
            let task = tokio::spawn(async move {
                if let Err(error) = engine.submit(submission, events_tx, token).await {
                    send(Message::SubmitFailed(id, error.to_string()));
                }
            });
            rt.submissions.retain(|_, (_, task)| !task.is_finished());
            rt.submissions.insert(id, (cancel, task));
        }
        Effect::Cancel(id) => {
            if let Some((cancel, _)) = rt.submissions.get(&id) {
                cancel.cancel();
            }
        }
        Effect::LoadHistory(cursor) => {
            let reader = rt.audit.reader();
            tokio::task::spawn_blocking(move || {
                let page = history::load_page(&reader, cursor.as_ref(), HISTORY_PAGE);
                send(Message::HistoryPage(page));
            });
        }
        Effect::Save { path, text } => {
            tokio::task::spawn_blocking(move || {
                let result = save(&path, &text).map(|()| path.clone());
                send(Message::Saved(result));
            });
        }
        Effect::ExternalEditor { text } => {
            let result = suspend_for_editor(term, rt, &text)?;
            send(Message::ExternalEdit(result));
        }
        Effect::SetFaults(faults) => {
            if let Some(sandbox) = &rt.sandbox {
                sandbox.set_faults(faults);
            }
        }
    }
    Ok(false)
}

/// Starts the embedded sandbox when the profile needs it, then the engine; runs after the
/// first frame so that the screen appears at once.
pub async fn start(mut profile: Profile, audit: AuditLog, tx: UnboundedSender<Incoming>) {
    crate::init_tls();
    let mut sandbox = None;
    if profile.needs_sandbox() {
        match Sandbox::start_for(&mut profile).await {
            Ok(handle) => sandbox = Some(handle),
            Err(error) => {
                let _ = tx.send(Incoming::Started(Box::new(Started {
                    ready: Err(error),
                    sandbox: None,
                })));
                return;
            }
        }
    }
    let sandbox_faults = sandbox.as_ref().map(SandboxHandle::faults);
    let ready = Engine::new(profile, audit)
        .map(|engine| Ready {
            engine,
            sandbox_faults,
        })
        .map_err(|e| e.to_string());
    let _ = tx.send(Incoming::Started(Box::new(Started { ready, sandbox })));
}

/// Writes the text with a final newline (editors and `git diff` expect one).
fn save(path: &std::path::Path, text: &str) -> Result<(), String> {
    let mut content = text.to_string();
    if !content.ends_with('\n') {
        content.push('\n');
    }
    std::fs::write(path, content).map_err(|e| format!("{}: {e}", path.display()))
}

/// Leaves the full screen, runs `$VISUAL`/`$EDITOR` on a temp file holding `text`, comes
/// back and returns the edited text. The loop waits meanwhile: the editor owns the terminal.
fn suspend_for_editor(
    term: &mut Term,
    rt: &Runtime,
    text: &str,
) -> std::io::Result<Result<String, String>> {
    let editor = std::env::var("VISUAL")
        .or_else(|_| std::env::var("EDITOR"))
        .ok()
        .filter(|e| !e.trim().is_empty());
    let Some(editor) = editor else {
        return Ok(Err("set $VISUAL or $EDITOR".to_string()));
    };
    let path = temp_path();
    if let Err(error) = std::fs::write(&path, text) {
        return Ok(Err(format!("cannot write {}: {error}", path.display())));
    }
    rt.reader_paused.store(true, Ordering::SeqCst);
    terminal::restore();
    // `$EDITOR` may carry arguments (`code --wait`): split on whitespace as shells do.
    let mut words = editor.split_whitespace();
    let status = tokio::task::block_in_place(|| {
        let program = words.next().unwrap_or("vi");
        std::process::Command::new(program)
            .args(words)
            .arg(&path)
            .status()
    });
    let back = terminal::reenter();
    rt.reader_paused.store(false, Ordering::SeqCst);
    back?;
    term.clear()?;
    let result = match status {
        Ok(status) if status.success() => {
            std::fs::read_to_string(&path).map_err(|e| format!("cannot read it back: {e}"))
        }
        Ok(status) => Err(format!("{editor} exited with {status}; text unchanged")),
        Err(error) => Err(format!("cannot run {editor}: {error}")),
    };
    let _ = std::fs::remove_file(&path);
    Ok(result)
}

fn temp_path() -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    std::env::temp_dir().join(format!("cxda-{}-{nanos}.json", std::process::id()))
}

/// Cancels what is in flight and gives it a moment to write its `cancelled` records.
async fn shut_down(rt: &mut Runtime) {
    let tasks: Vec<JoinHandle<()>> = rt
        .submissions
        .drain()
        .map(|(_, (cancel, task))| {
            cancel.cancel();
            task
        })
        .collect();
    let _ = tokio::time::timeout(QUIT_GRACE, async {
        for task in tasks {
            let _ = task.await;
        }
    })
    .await;
}

#[cfg(unix)]
type Terminate = Option<tokio::signal::unix::Signal>;
#[cfg(not(unix))]
type Terminate = Option<()>;

fn sigterm() -> Terminate {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        signal(SignalKind::terminate()).ok()
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// Resolves on SIGTERM; never without a listener.
async fn terminated(terminate: &mut Terminate) {
    #[cfg(unix)]
    if let Some(signal) = terminate {
        signal.recv().await;
        return;
    }
    let _ = terminate;
    std::future::pending::<()>().await;
}

/// The terminal reader: a thread, since crossterm's read blocks. It polls with a timeout
/// so that it can pause while an external editor has the terminal.
pub fn spawn_reader(tx: UnboundedSender<Incoming>, paused: Arc<AtomicBool>) {
    std::thread::spawn(move || {
        loop {
            if paused.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(20));
                continue;
            }
            match crossterm::event::poll(Duration::from_millis(100)) {
                Ok(true) => match crossterm::event::read() {
                    Ok(event) => {
                        if tx.send(Incoming::App(Message::Input(event))).is_err() {
                            return;
                        }
                    }
                    Err(_) => return,
                },
                Ok(false) => {
                    if tx.is_closed() {
                        return;
                    }
                }
                Err(_) => return,
            }
        }
    });
}
