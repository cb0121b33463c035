//! The event loop: one channel of [`Incoming`] fed by the terminal reader, the engine's
//! build and every effect's task; `App::update` for each message; one redraw per drained
//! batch; a tick only while a countdown is on screen, so an idle studio sleeps. The loop
//! owns the engine and the sandbox handle: the app holds plain data.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::PathBuf;
use std::pin::Pin;
use std::time::{Duration, Instant};

use crossterm::event::EventStream;
use futures_core::Stream;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::app::App;
use super::history;
use super::message::{Effect, Message, SubmissionId};
use super::remote;
use super::terminal::{self, Term};
use super::test_pane::{self, TestRunId};
use crate::audit::AuditLog;
use crate::config::Profile;
use crate::engine::remote::{PushError, PushOutcome, ReadError};
use crate::engine::{Engine, ExecEvent, Submission};
use crate::payload::CheckReport;
use crate::sandbox::SandboxHandle;
use crate::text::escape_controls;

/// How often the screen refreshes while a countdown is shown.
const TICK: Duration = Duration::from_millis(250);
/// Records per history page.
const HISTORY_PAGE: usize = 200;
/// The longest quitting waits for what is in flight: cancelled submissions writing their
/// `cancelled` records, then webhook deliveries finishing (or being cancelled and recorded).
/// The terminal is restored before this wait, so the user has their shell back at once.
pub const QUIT_GRACE: Duration = Duration::from_millis(900);
/// Of the grace, what is kept back to record webhook deliveries cancelled at its end.
const WEBHOOK_RECORD_MARGIN: Duration = Duration::from_millis(150);

/// What reaches the loop: messages for the app, and the built engine, which the loop keeps
/// (the app holds plain data only).
pub enum Incoming {
    App(Message),
    EngineBuilt(Result<Engine, String>),
}

/// What the loop owns besides the app: the engine and the handles effects need.
pub struct Runtime {
    pub tx: UnboundedSender<Incoming>,
    pub audit: AuditLog,
    pub sandbox: Option<SandboxHandle>,
    /// The profile's engine, once built.
    pub base_engine: Option<Engine>,
    /// The engine submissions use: the base one with the session's extra headers.
    pub engine: Option<Engine>,
    pub submissions: HashMap<SubmissionId, (CancellationToken, JoinHandle<()>)>,
    /// Submissions asked for while the engine was being built: they start when it is.
    pub queued: Vec<(SubmissionId, Submission, CancellationToken)>,
    /// The terminal reader; stopped while an external editor owns the terminal.
    pub reader: Option<JoinHandle<()>>,
    /// Cancels the Remote view's list read in flight, and its open in flight.
    pub remote_list: CancellationToken,
    pub remote_open: CancellationToken,
    /// The Test pane's run in flight (or last run).
    pub test_run: Option<(TestRunId, CancellationToken, JoinHandle<()>)>,
}

impl Runtime {
    pub fn new(tx: UnboundedSender<Incoming>, audit: AuditLog) -> Runtime {
        Runtime {
            tx,
            audit,
            sandbox: None,
            base_engine: None,
            engine: None,
            submissions: HashMap::new(),
            queued: Vec::new(),
            reader: None,
            remote_list: CancellationToken::new(),
            remote_open: CancellationToken::new(),
            test_run: None,
        }
    }
}

/// Runs until the app quits or SIGTERM. The terminal is restored as soon as the loop ends,
/// before what is in flight is wound down.
pub async fn event_loop(
    term: &mut Term,
    app: &mut App,
    rt: &mut Runtime,
    mut rx: UnboundedReceiver<Incoming>,
) -> std::io::Result<()> {
    let mut terminate = sigterm();
    rt.reader = Some(spawn_reader(rt.tx.clone()));
    let mut result = Ok(());
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
            match run_effect(effect, rt, term) {
                Ok(asked) => quit |= asked,
                Err(error) => {
                    result = Err(error);
                    quit = true;
                }
            }
        }
        if quit || app.should_quit() {
            break;
        }
        if let Err(error) = term.draw(|frame| super::ui::draw(frame, app, Instant::now())) {
            result = Err(error);
            break;
        }
    }
    terminal::restore();
    if let Some(reader) = rt.reader.take() {
        reader.abort();
    }
    // Reads change nothing on the server: they are cancelled, not waited for.
    rt.remote_list.cancel();
    rt.remote_open.cancel();
    shut_down(rt).await;
    result
}

fn handle(app: &mut App, rt: &mut Runtime, incoming: Incoming) -> Vec<Effect> {
    match incoming {
        Incoming::App(message) => app.update(message),
        Incoming::EngineBuilt(Ok(engine)) => {
            rt.engine = Some(engine.clone());
            rt.base_engine = Some(engine);
            let effects = app.update(Message::EngineReady(Ok(())));
            // Headers added meanwhile reach the engine before the queued submissions start.
            let (headers, others): (Vec<Effect>, Vec<Effect>) = effects
                .into_iter()
                .partition(|e| matches!(e, Effect::SetHeaders(_)));
            for effect in headers {
                if let Effect::SetHeaders(headers) = effect
                    && let Some(base) = &rt.base_engine
                {
                    rt.engine = Some(base.with_extra_headers(headers));
                }
            }
            for (id, submission, cancel) in std::mem::take(&mut rt.queued) {
                if let Some(engine) = rt.engine.clone() {
                    spawn_submission(rt, id, engine, submission, cancel);
                }
            }
            others
        }
        Incoming::EngineBuilt(Err(error)) => {
            rt.queued.clear();
            app.update(Message::EngineReady(Err(error)))
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
        Effect::CheckLarge {
            revision,
            text,
            api,
        } => {
            tokio::task::spawn_blocking(move || {
                let CheckReport { diagnostics, value } = crate::payload::check_text_for(api, &text);
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
        Effect::Submit { id, submission } => match rt.engine.clone() {
            Some(engine) => spawn_submission(rt, id, engine, submission, CancellationToken::new()),
            // F5 right after the first frame: the engine is still being built.
            None => rt.queued.push((id, submission, CancellationToken::new())),
        },
        Effect::SetHeaders(headers) => {
            if let Some(base) = &rt.base_engine {
                rt.engine = Some(base.with_extra_headers(headers));
            }
        }
        Effect::Cancel(id) => {
            let running = rt.submissions.get(&id).map(|(cancel, _)| cancel);
            let queued = rt.queued.iter().find(|q| q.0 == id).map(|q| &q.2);
            // A queued one still starts, at once cancelled, so it is recorded like any other.
            if let Some(cancel) = running.or(queued) {
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
        Effect::ListRemote(load) => {
            // A new list supersedes the one in flight.
            let cancel = renew(&mut rt.remote_list);
            let engine = rt.engine.clone();
            tokio::spawn(async move {
                let result = match engine {
                    Some(engine) => remote::list(&engine, &cancel).await,
                    None => Err(not_built()),
                };
                send(Message::RemoteList { load, result });
            });
        }
        Effect::OpenRemote { id } => {
            let cancel = renew(&mut rt.remote_open);
            let engine = rt.engine.clone();
            tokio::spawn(async move {
                let result = match engine {
                    Some(engine) => remote::open(&engine, &id, &cancel).await,
                    None => Err(not_built()),
                };
                send(Message::RemoteOpened { id, result });
            });
        }
        Effect::Push { id, submission } => match rt.engine.clone() {
            Some(engine) => spawn_push(rt, id, engine, submission),
            None => send(Message::PushSettled {
                id,
                text: "not pushed: the engine is not built yet".to_string(),
            }),
        },
        Effect::DiffRemote { text } => {
            // One read for the editor at a time: a comparison supersedes an open.
            let cancel = renew(&mut rt.remote_open);
            let engine = rt.engine.clone();
            tokio::spawn(async move {
                let result = match engine {
                    Some(engine) => engine.compare(&text, &cancel).await,
                    None => Err(not_built()),
                };
                send(Message::DiffDone { text, result });
            });
        }
        Effect::DeleteRemote { id, name, version } => {
            let engine = rt.engine.clone();
            tokio::spawn(async move {
                let result = match engine {
                    Some(engine) => {
                        // The record says how it went; nobody shows a delete's attempts.
                        let (events, _) = unbounded_channel();
                        engine
                            .delete(&id, &name, version, events, CancellationToken::new())
                            .await
                            .map(Box::new)
                            .map_err(|e| e.to_string())
                    }
                    None => Err("the engine is not built yet".to_string()),
                };
                send(Message::RemoteDeleted { id, result });
            });
        }
        Effect::Test { id, request } => test_pane::spawn_test(rt, id, request),
        Effect::CancelTest(id) => test_pane::cancel_test(rt, id),
        Effect::CancelRemoteList => rt.remote_list.cancel(),
        Effect::CancelRemoteOpen => rt.remote_open.cancel(),
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
        Effect::SetClipboard { sequence } => {
            // Between two frames: the sequence moves no cursor and draws nothing.
            let backend = term.backend_mut();
            backend.write_all(&sequence)?;
            backend.flush()?;
        }
    }
    Ok(false)
}

/// Cancels the read `slot` holds and puts a fresh token there for the next one.
fn renew(slot: &mut CancellationToken) -> CancellationToken {
    slot.cancel();
    *slot = CancellationToken::new();
    slot.clone()
}

/// The app asks for reads only once the engine is ready; should one come before, it fails
/// rather than waits.
fn not_built() -> crate::engine::remote::ReadError {
    crate::engine::remote::ReadError::Failed("the engine is not built yet".to_string())
}

/// Runs a submission on its own task: the action's name is read from the payload there
/// (off the loop), its events come back stamped with the time they arrived, and the
/// token it leaves in the cache is reported when it ends.
fn spawn_submission(
    rt: &mut Runtime,
    id: SubmissionId,
    engine: Engine,
    submission: Submission,
    cancel: CancellationToken,
) {
    let tx = rt.tx.clone();
    let send = move |message: Message| {
        let _ = tx.send(Incoming::App(message));
    };
    let (events_tx, events_rx) = unbounded_channel();
    let forward = send.clone();
    let token = cancel.clone();
    let task = tokio::spawn(async move {
        let name = crate::engine::request::action_name(submission.payload.as_bytes());
        // Sent before the executor starts, so it is queued ahead of every event.
        send(Message::SubmissionStarted {
            id,
            name,
            at: Instant::now(),
        });
        let forwarding = forward_events(id, events_rx, forward, None);
        let result = engine.submit(submission, events_tx, token).await;
        // Every event is forwarded before the outcome of a failed write is reported.
        let _ = forwarding.await;
        if let Err(error) = result {
            send(Message::SubmitFailed {
                id,
                error: error.to_string(),
                at: Instant::now(),
            });
        }
        send(Message::Token(engine.token_info()));
    });
    track(rt, id, cancel, task);
}

/// Forwards a run's events to the loop, each stamped with the time it arrived. With
/// `announce` (the action's name), `SubmissionStarted` goes just ahead of the first one.
fn forward_events(
    id: SubmissionId,
    mut events: UnboundedReceiver<ExecEvent>,
    forward: impl Fn(Message) + Send + 'static,
    mut announce: Option<String>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        while let Some(event) = events.recv().await {
            if let Some(name) = announce.take() {
                forward(Message::SubmissionStarted {
                    id,
                    name,
                    at: Instant::now(),
                });
            }
            forward(Message::Exec {
                id,
                at: Instant::now(),
                event,
            });
        }
    })
}

/// Keeps a run's cancel token and task (for Esc and for quitting), forgetting finished ones.
fn track(rt: &mut Runtime, id: SubmissionId, cancel: CancellationToken, task: JoinHandle<()>) {
    rt.submissions.retain(|_, (_, task)| !task.is_finished());
    rt.submissions.insert(id, (cancel, task));
}

/// Runs a push on its own task. It reads the server first and may end without a remote
/// change (`PushSettled`); `SubmissionStarted` is sent just before the first event of a
/// change, so the attempts panel starts only for a request that changes something.
fn spawn_push(rt: &mut Runtime, id: SubmissionId, engine: Engine, submission: Submission) {
    let tx = rt.tx.clone();
    let send = move |message: Message| {
        let _ = tx.send(Incoming::App(message));
    };
    let cancel = CancellationToken::new();
    let (events_tx, events_rx) = unbounded_channel();
    let forward = send.clone();
    let token = cancel.clone();
    let task = tokio::spawn(async move {
        let name = crate::engine::request::action_name(submission.payload.as_bytes());
        let forwarding = forward_events(id, events_rx, forward, Some(name));
        let options = crate::engine::remote::PushOptions::default();
        let result = engine.push(submission, options, events_tx, token).await;
        let _ = forwarding.await;
        let settled = match result {
            Ok(PushOutcome::Changed { .. }) => None,
            Ok(PushOutcome::Unchanged {
                id: action,
                version,
            }) => Some(format!(
                "unchanged: equal to {}{} on the server, nothing sent",
                escape_controls(&action),
                version.map_or_else(String::new, |v| format!(" (version {v})"))
            )),
            Ok(PushOutcome::Refused(why)) => Some(format!("not pushed: {why}")),
            Err(PushError::Read(ReadError::Cancelled)) => Some("push cancelled".to_string()),
            Err(error) => Some(format!(
                "not pushed: {}",
                escape_controls(&error.to_string())
            )),
        };
        if let Some(text) = settled {
            send(Message::PushSettled { id, text });
        }
        send(Message::Token(engine.token_info()));
    });
    track(rt, id, cancel, task);
}

/// Builds the engine off the loop (reading the platform's trust roots, for an https
/// profile, takes tens of milliseconds) and hands it to the loop.
pub fn build_engine(profile: Profile, audit: AuditLog, tx: UnboundedSender<Incoming>) {
    tokio::task::spawn_blocking(move || {
        let built = Engine::new(profile, audit).map_err(|e| e.to_string());
        let _ = tx.send(Incoming::EngineBuilt(built));
    });
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
    rt: &mut Runtime,
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
    // The reader would take the editor's keystrokes: it stops (its stream dropped) until the
    // editor returns.
    if let Some(reader) = rt.reader.take() {
        reader.abort();
    }
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
    rt.reader = Some(spawn_reader(rt.tx.clone()));
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

/// Cancels what is in flight and waits, at most [`QUIT_GRACE`], for its records: the
/// cancelled submissions' first, then the webhook deliveries (those the cancelled
/// submissions start included), which are cancelled and recorded when the grace runs out.
async fn shut_down(rt: &mut Runtime) {
    let deadline = tokio::time::Instant::now() + QUIT_GRACE;
    let tasks: Vec<JoinHandle<()>> = rt
        .submissions
        .drain()
        .map(|(_, (cancel, task))| (cancel, task))
        .chain(rt.test_run.take().map(|(_, cancel, task)| (cancel, task)))
        .map(|(cancel, task)| {
            cancel.cancel();
            task
        })
        .collect();
    let _ = tokio::time::timeout_at(deadline - WEBHOOK_RECORD_MARGIN, async {
        for task in tasks {
            let _ = task.await;
        }
    })
    .await;
    if let Some(engine) = &rt.engine {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let unfinished = engine
            .drain_webhooks(left.saturating_sub(WEBHOOK_RECORD_MARGIN))
            .await;
        if unfinished > 0 {
            engine.cancel_webhooks();
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            engine.drain_webhooks(left).await;
        }
    }
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

/// The terminal reader: crossterm's event stream, which sleeps until the terminal has
/// input (no polling, so an idle studio does not wake), forwarding each event to the loop.
/// Aborting the task drops the stream, which stops crossterm's reading thread.
fn spawn_reader(tx: UnboundedSender<Incoming>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut stream = EventStream::new();
        loop {
            let next = std::future::poll_fn(|cx| Pin::new(&mut stream).poll_next(cx)).await;
            match next {
                Some(Ok(event)) => {
                    if tx.send(Incoming::App(Message::Input(event))).is_err() {
                        return;
                    }
                }
                // The terminal is gone (closed, or a read error): the studio ends as if asked.
                Some(Err(_)) | None => {
                    let _ = tx.send(Incoming::App(Message::TerminalClosed));
                    return;
                }
            }
        }
    })
}
