//! What the app reacts to ([`Message`]) and what it asks the event loop to do ([`Effect`]).
//! `App::update` turns one into the other without awaiting or touching the disk or the
//! network; the loop runs each effect on a task that reports back with a `Message`.

use std::path::PathBuf;

use crossterm::event::Event;

use crate::audit::{AuditError, Cursor, Page};
use crate::engine::{Engine, ExecEvent, Submission};
use crate::payload::CheckReport;
use crate::sandbox::Faults;

/// Identifies one submission, so that events of an older one are never taken for the
/// current one's.
pub type SubmissionId = u64;

/// Everything [`App::update`](super::app::App::update) reacts to.
#[derive(Debug)]
pub enum Message {
    /// A key, a mouse event, a resize or a paste from the terminal.
    Input(Event),
    /// The engine is ready (the embedded sandbox started, if the profile needs it), or
    /// could not be made.
    EngineReady(Result<Ready, String>),
    Exec(SubmissionId, ExecEvent),
    /// `Engine::submit` ended without a record (the audit file could not be written).
    SubmitFailed(SubmissionId, String),
    /// Checks of a large text, run off the loop; dropped unless `revision` is current.
    ChecksDone {
        revision: u64,
        report: CheckReport,
    },
    HistoryPage(Result<Page, AuditError>),
    Saved(Result<PathBuf, String>),
    /// The text from `$VISUAL`/`$EDITOR`, or why there is none.
    ExternalEdit(Result<String, String>),
    /// Only sent while a countdown is on screen.
    Tick,
}

/// What the started engine brings with it.
#[derive(Debug)]
pub struct Ready {
    pub engine: Engine,
    /// The embedded sandbox's faults, when it is the embedded sandbox.
    pub sandbox_faults: Option<Faults>,
}

/// What the loop does for the app: each may spawn a task that sends a [`Message`] back.
#[derive(Debug)]
pub enum Effect {
    /// Run the checks of a large text off the loop and send `ChecksDone`.
    CheckLarge {
        revision: u64,
        text: String,
    },
    Submit {
        id: SubmissionId,
        engine: Engine,
        submission: Submission,
    },
    Cancel(SubmissionId),
    LoadHistory(Option<Cursor>),
    Save {
        path: PathBuf,
        text: String,
    },
    /// Suspend the TUI, edit `text` in `$VISUAL`/`$EDITOR`, resume, send `ExternalEdit`.
    ExternalEditor {
        text: String,
    },
    SetFaults(Faults),
    Quit,
}
