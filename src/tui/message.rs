//! What the app reacts to ([`Message`]) and what it asks the event loop to do ([`Effect`]).
//! `App::update` turns one into the other without awaiting or touching the disk or the
//! network; the loop runs each effect on a task that reports back with a `Message`.

use crate::dialect::Api;
use std::path::PathBuf;
use std::time::Instant;

use crossterm::event::Event;

use crate::audit::AuditRecord;
use crate::audit::{AuditError, Cursor, Page};
use crate::config::ExtraHeader;
use crate::engine::remote::{Comparison, ReadError, RemoteAction};
use crate::engine::{ExecEvent, Submission, TestError, TestRequest, Tested, TokenInfo};
use crate::payload::CheckReport;
use crate::sandbox::Faults;
use crate::tui::remote::{LoadId, OpenedAction};
use crate::tui::test_pane::TestRunId;

/// Identifies one submission, so that events of an older one are never taken for the
/// current one's.
pub type SubmissionId = u64;

/// Everything [`App::update`](super::app::App::update) reacts to.
#[derive(Debug)]
pub enum Message {
    /// A key, a mouse event, a resize or a paste from the terminal.
    Input(Event),
    /// The engine (its HTTP client) is built, so submissions can start; or why it could
    /// not be. It is built after the first frame, off the loop: reading the platform's
    /// trust roots takes tens of milliseconds.
    EngineReady(Result<(), String>),
    /// The cached token's size and expiry after a submission (never its value).
    Token(Option<TokenInfo>),
    /// A submission's task began: the action's name, read from the payload off the loop.
    SubmissionStarted {
        id: SubmissionId,
        name: String,
        at: Instant,
    },
    /// An executor event, stamped when it reached the studio.
    Exec {
        id: SubmissionId,
        at: Instant,
        event: ExecEvent,
    },
    /// `Engine::submit` ended without a record (the audit file could not be written).
    SubmitFailed {
        id: SubmissionId,
        error: String,
        at: Instant,
    },
    /// Checks of a large text, run off the loop; dropped unless `revision` is current.
    ChecksDone {
        revision: u64,
        report: CheckReport,
    },
    HistoryPage(Result<Page, AuditError>),
    /// The server's list, read for the Remote view's read `load`.
    RemoteList {
        load: LoadId,
        result: Result<Vec<RemoteAction>, ReadError>,
    },
    /// A push (`F5` on a text opened from the server) ended without a remote change:
    /// `text` says why (unchanged, refused), for the status line.
    PushSettled {
        id: SubmissionId,
        text: String,
    },
    /// The server's action compared with the editor's `text` (`Ctrl+D`).
    DiffDone {
        text: String,
        result: Result<Comparison, ReadError>,
    },
    /// The action `id` deleted from the server (its record), or why there is no record.
    RemoteDeleted {
        id: String,
        result: Result<Box<AuditRecord>, String>,
    },
    /// The action `id` read in full for the editor.
    RemoteOpened {
        id: String,
        result: Result<OpenedAction, ReadError>,
    },
    /// The Test pane's run `id` ended: the engine's report and record, or why it did not run.
    Tested {
        id: TestRunId,
        result: Result<Box<Tested>, TestError>,
    },
    Saved(Result<PathBuf, String>),
    /// The text from `$VISUAL`/`$EDITOR`, or why there is none.
    ExternalEdit(Result<String, String>),
    /// Only sent while a countdown is on screen.
    Tick,
    /// The terminal can no longer be read (closed, or a read error): the studio quits.
    TerminalClosed,
}

/// What the loop does for the app: each may spawn a task that sends a [`Message`] back.
#[derive(Debug)]
pub enum Effect {
    /// Run the checks of a large text off the loop and send `ChecksDone`.
    CheckLarge {
        revision: u64,
        text: String,
        /// The dialect whose checks apply.
        api: Api,
    },
    /// Submit with the engine the loop holds; its events come back as `Exec`.
    Submit {
        id: SubmissionId,
        submission: Submission,
    },
    /// Push the text opened from the server (`Engine::push`): events of a remote change
    /// come back as `Exec` (with `SubmissionStarted` before the first), an end without one
    /// as `PushSettled`. `Cancel(id)` cancels it.
    Push {
        id: SubmissionId,
        submission: Submission,
    },
    /// Compare `text` with the server's action and send `DiffDone`.
    DiffRemote {
        text: String,
    },
    /// Delete the action `id` (named `name`) and send `RemoteDeleted`.
    DeleteRemote {
        id: String,
        name: String,
        version: Option<u64>,
    },
    /// From now on the engine sends these extra headers (the profile's and the session's).
    SetHeaders(Vec<ExtraHeader>),
    Cancel(SubmissionId),
    LoadHistory(Option<Cursor>),
    /// Read the server's list with the engine (cancelling a list read in flight) and send
    /// `RemoteList`.
    ListRemote(LoadId),
    /// Read the action `id` in full and send `RemoteOpened`.
    OpenRemote {
        id: String,
    },
    /// Run the Test pane's action (`Engine::test`) and send `Tested`; `CancelTest(id)`
    /// cancels it.
    Test {
        id: TestRunId,
        request: TestRequest,
    },
    CancelTest(TestRunId),
    /// Cancel the Remote view's list read in flight.
    CancelRemoteList,
    /// Cancel the Remote view's open in flight.
    CancelRemoteOpen,
    Save {
        path: PathBuf,
        text: String,
    },
    /// Suspend the TUI, edit `text` in `$VISUAL`/`$EDITOR`, resume, send `ExternalEdit`.
    ExternalEditor {
        text: String,
    },
    SetFaults(Faults),
    /// Write this OSC 52 sequence to the terminal, which puts its text on the clipboard.
    SetClipboard {
        sequence: Vec<u8>,
    },
    Quit,
}
