//! The one owner of the studio's state. [`App::update`] takes a [`Message`] and returns the
//! [`Effect`]s the loop must run; it never awaits and does no I/O, so tests drive it with
//! scripted messages. Key handling lives in `keys`; drawing in `ui`.

use std::path::PathBuf;
use std::time::Instant;

use crossterm::event::Event;

use super::editor::Editor;
use super::history::{HistoryAction, HistoryView};
use super::message::{Effect, Message, SubmissionId};
use super::remote::{RemoteOrigin, RemoteView};
use super::sandbox_controls::SandboxControls;
use super::submission::SubmissionView;
use super::test_pane::TestPane;
use crate::config::{ExtraHeader, Profile, ProfileKind};
use crate::dialect::Api;
use crate::engine::{
    ExecEvent, HeaderPlan, RequestPreview, Submission, TokenInfo, merge_extra_headers,
};
use crate::payload::{CheckReport, Diagnostic, check_text_for};
use crate::sandbox::Faults;

/// Texts up to this size are checked on the loop (well under a millisecond); larger ones on
/// a blocking task, so that a keystroke never waits for the schema.
pub const INLINE_CHECK_BYTES: usize = 64 * 1024;

/// The panes `Tab` cycles through, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Editor,
    Checks,
    Headers,
    Attempts,
    Sandbox,
}

/// What sits on top of the panes and takes the keys first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    Help,
    /// Asks before sending (profiles with `confirm_submit`).
    Confirm {
        profile: String,
        url: String,
    },
    Prompt {
        kind: PromptKind,
        input: String,
    },
    /// Asks before an action opened from the server replaces unsaved changes.
    ReplaceEditor {
        id: String,
        name: String,
    },
    /// Asks before the Remote view's `d` deletes an action from the server.
    ConfirmDelete {
        id: String,
        name: String,
        /// The version listed: cxone-v2 refuses the delete if the action changed since.
        version: Option<u64>,
    },
    /// The editor's diff against the server (`Ctrl+D`): the lines `cxda diff` prints,
    /// scrolled to `top`.
    Diff {
        lines: Vec<String>,
        top: usize,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    SavePath,
    /// `Name: value` of a custom tracking header.
    AddHeader,
    Search,
}

impl PromptKind {
    pub fn title(self) -> &'static str {
        match self {
            PromptKind::SavePath => "Save as (path)",
            PromptKind::AddHeader => "Add header (Name: value)",
            PromptKind::Search => "Search (regex)",
        }
    }
}

/// How far the engine (kept by the event loop, not here) has got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineState {
    /// Being built off the loop; submissions wait for it.
    Starting,
    Ready,
    Failed(String),
}

/// The checks pane: the diagnostics of one revision of the text.
#[derive(Debug, Default)]
pub struct Checks {
    pub diagnostics: Vec<Diagnostic>,
    /// The revision these diagnostics are for; behind the editor's while a large text is
    /// being checked off the loop.
    pub revision: u64,
    pub selected: usize,
    /// A large text's check is running off the loop. There is never more than one: the
    /// edits made meanwhile are checked together when it comes back, so fast typing in a
    /// big payload does not queue a check per keystroke on the two cores we may have.
    pub running: bool,
}

#[derive(Debug)]
pub struct App {
    pub(crate) editor: Editor,
    pub(crate) file: Option<PathBuf>,
    /// `SANDBOX` for the embedded sandbox, else the profile's name.
    pub(crate) profile_label: String,
    /// The dialect the profile speaks: its checks run on the editor's text.
    pub(crate) api: Api,
    /// What the status bar says of the dialect beside the profile (`genesys-cloud ·
    /// usw2.pure.cloud`); empty for `cxone-v2`, the contract the studio started from.
    pub(crate) dialect_label: String,
    pub(crate) confirm_submit: bool,
    /// The embedded sandbox: its controls pane exists.
    pub(crate) embedded: bool,
    pub(crate) engine: EngineState,
    /// The profile's name, as the confirmation names it.
    pub(crate) profile_name: String,
    /// What the create request's headers depend on, with the profile's own extra headers;
    /// `None` while the profile has no connection (its sandbox did not start).
    pub(crate) plan: Option<HeaderPlan>,
    /// The cached token's size and expiry, as the loop last reported them.
    pub(crate) token: Option<TokenInfo>,
    pub(crate) checks: Checks,
    pub(crate) preview: Option<RequestPreview>,
    /// Tracking headers added in this session, on top of the profile's `extra_headers`.
    pub(crate) custom_headers: Vec<ExtraHeader>,
    pub(crate) header_selected: usize,
    pub(crate) submission: SubmissionView,
    pub(crate) submission_id: SubmissionId,
    /// F5 was pressed and the submission's task has not reported `SubmissionStarted` yet.
    pub(crate) submission_pending: bool,
    pub(crate) history: HistoryView,
    pub(crate) history_open: bool,
    pub(crate) remote: RemoteView,
    pub(crate) remote_open: bool,
    /// The Test pane (`F6`): its input, its run and whether it is open.
    pub(crate) test: TestPane,
    /// The server action the editor's text was opened from (F4, Enter); `None` once the
    /// text is replaced by one from elsewhere.
    pub(crate) remote_origin: Option<RemoteOrigin>,
    /// The editor's revision when its text was last opened or saved: a later one has
    /// changes that opening an action would replace.
    pub(crate) clean_revision: u64,
    /// The revision a save in flight writes; clean once it is saved.
    pub(crate) saving_revision: Option<u64>,
    /// The help overlay's first line shown, and the most it can scroll by (set by the
    /// last draw, which alone knows the height).
    pub(crate) help_scroll: u16,
    pub(crate) help_scroll_max: std::cell::Cell<u16>,
    pub(crate) sandbox: Option<SandboxControls>,
    pub(crate) focus: Pane,
    pub(crate) overlay: Option<Overlay>,
    pub(crate) status: String,
    pub(crate) quit: bool,
    /// What `F7` copies the create requests with; `None` while the profile has no connection.
    pub(crate) curl: Option<crate::engine::curl::CurlExport>,
}

/// The status bar's dialect label: the dialect, and where its hosts are (the region's
/// domain, or the API host when the URLs were given without a region; nothing for the
/// embedded sandbox, whose port is chosen when it starts).
fn dialect_label(profile: &Profile) -> String {
    if profile.api == Api::CxoneV2 {
        return String::new();
    }
    let place = match (&profile.region, &profile.connection) {
        (Some(region), _) => Some(region.domain.to_string()),
        (None, Some(c)) if profile.kind != ProfileKind::Sandbox => {
            c.api_base_url.host_str().map(str::to_string)
        }
        _ => None,
    };
    match place {
        Some(place) => format!("{} · {place}", profile.api),
        None => profile.api.to_string(),
    }
}

impl App {
    /// The app for `profile` with `text` in the editor; pure. A profile with its connection
    /// (a sandbox profile once its sandbox listens) shows its headers and budget at once;
    /// the loop sends `EngineReady` when the engine itself is built.
    pub fn new(text: &str, file: Option<PathBuf>, profile: &Profile) -> App {
        let embedded = profile.kind == ProfileKind::Sandbox;
        let editor = Editor::new(text);
        let clean_revision = editor.revision();
        let mut app = App {
            editor,
            file,
            profile_label: if embedded {
                "SANDBOX".to_string()
            } else {
                profile.name.clone()
            },
            api: profile.api,
            dialect_label: dialect_label(profile),
            confirm_submit: profile.confirm_submit,
            embedded,
            engine: EngineState::Starting,
            profile_name: profile.name.clone(),
            plan: HeaderPlan::for_profile(profile),
            token: None,
            checks: Checks::default(),
            preview: None,
            custom_headers: Vec::new(),
            header_selected: 0,
            submission: SubmissionView::default(),
            submission_id: 0,
            submission_pending: false,
            history: HistoryView::default(),
            history_open: false,
            remote: RemoteView::new(profile.api),
            remote_open: false,
            test: TestPane::new(profile.api),
            remote_origin: None,
            clean_revision,
            saving_revision: None,
            help_scroll: 0,
            help_scroll_max: std::cell::Cell::new(0),
            sandbox: None,
            focus: Pane::Editor,
            overlay: None,
            status: String::new(),
            quit: false,
            curl: crate::engine::curl::CurlExport::new(profile).ok(),
        };
        // The first frame shows the checks of a small text; a large one's are asked for by
        // `startup_effects` once the loop runs.
        if app.editor.byte_len() <= INLINE_CHECK_BYTES {
            let _ = app.text_changed();
        } else {
            app.refresh_preview();
        }
        app
    }

    /// The app of the embedded sandbox, whose controls start from `faults`.
    pub fn with_sandbox(mut self, faults: Faults) -> App {
        self.sandbox = Some(SandboxControls::new(faults));
        self
    }

    /// What the loop runs before the first input: the checks of a large opened file.
    pub fn startup_effects(&mut self) -> Vec<Effect> {
        if self.checks.revision == self.editor.revision() {
            return Vec::new();
        }
        self.text_changed()
    }

    pub fn should_quit(&self) -> bool {
        self.quit
    }

    /// The id of the current (or last) submission: its events are `Exec(id, _)`.
    pub fn submission_id(&self) -> SubmissionId {
        self.submission_id
    }

    pub fn submission(&self) -> &SubmissionView {
        &self.submission
    }

    pub fn history_view(&self) -> &HistoryView {
        &self.history
    }

    pub fn text(&self) -> String {
        self.editor.text()
    }

    pub fn status(&self) -> &str {
        &self.status
    }

    pub fn focus(&self) -> Pane {
        self.focus
    }

    pub fn overlay(&self) -> Option<&Overlay> {
        self.overlay.as_ref()
    }

    pub fn engine_state(&self) -> &EngineState {
        &self.engine
    }

    /// The create request's headers as they would be sent now (with this session's
    /// headers), and their budget; `None` while the profile has no connection.
    pub fn preview(&self) -> Option<&RequestPreview> {
        self.preview.as_ref()
    }

    /// The extra headers the engine sends: the profile's, with this session's on top.
    pub fn extra_headers(&self) -> Vec<ExtraHeader> {
        let profile = self.plan.as_ref().map_or(&[][..], |p| &p.extra_headers);
        merge_extra_headers(profile, &self.custom_headers)
    }

    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.checks.diagnostics
    }

    /// The editor cursor, 0-based (row, column).
    pub fn cursor(&self) -> (usize, usize) {
        self.editor.cursor()
    }

    /// True while the loop must tick (a countdown is on screen).
    pub fn wants_tick(&self, now: Instant) -> bool {
        self.submission.countdown_active(now)
    }

    pub fn update(&mut self, message: Message) -> Vec<Effect> {
        match message {
            Message::Input(Event::Key(key)) => self.on_key(key),
            Message::Input(Event::Paste(text)) => self.on_paste(&text),
            Message::Input(Event::Mouse(mouse)) => self.on_mouse(mouse),
            Message::Input(_) => Vec::new(),
            Message::EngineReady(ready) => self.on_engine_ready(ready),
            Message::Token(token) => {
                self.token = token;
                self.refresh_preview();
                Vec::new()
            }
            Message::SubmissionStarted { id, name, at } => {
                if id == self.submission_id && self.submission_pending {
                    self.submission_pending = false;
                    let url = self.preview.as_ref().map(|p| p.url.clone());
                    self.submission.start(name, url.unwrap_or_default(), at);
                }
                Vec::new()
            }
            Message::Exec { id, at, event } => self.on_exec(id, at, event),
            Message::SubmitFailed { id, error, at } => {
                if id == self.submission_id {
                    self.submission_pending = false;
                    self.submission.fail_unrecorded(&error, at);
                    self.status = format!(
                        "submission failed: {}",
                        crate::text::escape_controls(&error)
                    );
                }
                Vec::new()
            }
            Message::ChecksDone { revision, report } => {
                self.checks.running = false;
                // A result for an older text would show problems that are no longer there:
                // it is dropped, and the text as it is now is checked instead (unless a
                // small text was checked inline meanwhile).
                if revision == self.editor.revision() {
                    self.set_checks(revision, report);
                    Vec::new()
                } else if self.checks.revision != self.editor.revision() {
                    self.text_changed()
                } else {
                    Vec::new()
                }
            }
            Message::HistoryPage(page) => {
                self.history.on_page(page);
                // A filter that matches few records keeps reading further back.
                let more = self.history.load_more();
                self.history_action(more)
            }
            Message::RemoteList { load, result } => {
                self.remote.on_list(load, result);
                Vec::new()
            }
            Message::RemoteOpened { id, result } => self.on_remote_opened(&id, result),
            Message::PushSettled { id, text } => {
                self.on_push_settled(id, text);
                Vec::new()
            }
            Message::DiffDone { text, result } => {
                self.on_diff(&text, result);
                Vec::new()
            }
            Message::RemoteDeleted { id, result } => self.on_deleted(&id, result),
            Message::Tested { id, result } => self.on_tested(id, result),
            Message::Saved(Ok(path)) => {
                if let Some(revision) = self.saving_revision.take() {
                    self.clean_revision = revision;
                }
                self.status = format!("saved {}", path.display());
                self.file = Some(path);
                Vec::new()
            }
            Message::Saved(Err(error)) => {
                self.saving_revision = None;
                self.status = format!("not saved: {error}");
                Vec::new()
            }
            Message::ExternalEdit(Ok(text)) => {
                self.editor.replace_text(&text);
                self.status = "reloaded from the external editor".to_string();
                self.text_changed()
            }
            Message::ExternalEdit(Err(error)) => {
                self.status = format!("external editor: {error}");
                Vec::new()
            }
            Message::Tick => Vec::new(),
            Message::TerminalClosed => {
                self.quit = true;
                vec![Effect::Quit]
            }
        }
    }

    fn on_engine_ready(&mut self, ready: Result<(), String>) -> Vec<Effect> {
        match ready {
            Ok(()) => {
                self.engine = EngineState::Ready;
                // Headers added while the engine was being built are not in it yet.
                let mut effects = if self.custom_headers.is_empty() {
                    Vec::new()
                } else {
                    vec![Effect::SetHeaders(self.extra_headers())]
                };
                effects.extend(self.remote_engine_ready());
                effects
            }
            Err(error) => {
                self.status = if self.submission_pending {
                    format!("not submitted: {error}")
                } else {
                    error.clone()
                };
                self.submission_pending = false;
                self.remote.engine_failed(&error);
                self.engine = EngineState::Failed(error);
                Vec::new()
            }
        }
    }

    fn on_exec(&mut self, id: SubmissionId, at: Instant, event: ExecEvent) -> Vec<Effect> {
        if id != self.submission_id {
            return Vec::new();
        }
        self.submission.apply(&event, at);
        if let ExecEvent::Finished(record) = event {
            self.status = match crate::engine::created_id(&record) {
                Some(created) => format!("created {}", crate::text::escape_controls(&created)),
                None => format!(
                    "{}{}",
                    record.outcome.as_str(),
                    record
                        .error
                        .as_deref()
                        .map(|e| format!(": {}", crate::text::escape_controls(e)))
                        .unwrap_or_default()
                ),
            };
            self.after_remote_change(&record);
            self.history.on_new_record(*record);
        }
        Vec::new()
    }

    /// Re-checks after any change of the text: inline when small, else off the loop, one
    /// check at a time (see [`Checks::running`]).
    pub(crate) fn text_changed(&mut self) -> Vec<Effect> {
        let revision = self.editor.revision();
        let len = self.editor.byte_len();
        self.refresh_preview_for(len);
        if len <= INLINE_CHECK_BYTES {
            let report = check_text_for(self.api, &self.editor.text());
            self.set_checks(revision, report);
            Vec::new()
        } else if self.checks.running {
            Vec::new()
        } else {
            self.checks.running = true;
            vec![Effect::CheckLarge {
                revision,
                text: self.editor.text(),
                api: self.api,
            }]
        }
    }

    fn set_checks(&mut self, revision: u64, report: CheckReport) {
        self.checks.diagnostics = report.diagnostics;
        self.checks.revision = revision;
        self.checks.selected = self
            .checks
            .selected
            .min(self.checks.diagnostics.len().saturating_sub(1));
    }

    /// The session's headers changed: the preview shows them at once, and the engine (on
    /// the loop's side) is told to send them; it keeps its token and its pacer.
    pub(crate) fn apply_custom_headers(&mut self) -> Vec<Effect> {
        self.refresh_preview();
        if self.engine == EngineState::Ready {
            vec![Effect::SetHeaders(self.extra_headers())]
        } else {
            Vec::new()
        }
    }

    pub(crate) fn refresh_preview(&mut self) {
        self.refresh_preview_for(self.editor.byte_len());
    }

    fn refresh_preview_for(&mut self, payload_len: usize) {
        if let Some(plan) = &self.plan {
            let plan = plan.with_extra_headers(self.extra_headers());
            self.preview = Some(plan.preview(self.token.as_ref(), payload_len));
        }
    }

    /// F5: checks first, then the confirmation when the profile asks for one.
    pub(crate) fn request_submit(&mut self) -> Vec<Effect> {
        match &self.engine {
            // While the engine is being built (tens of milliseconds after the first frame),
            // the loop holds the submission and starts it when the engine is ready.
            EngineState::Ready | EngineState::Starting if self.plan.is_some() => {}
            EngineState::Ready | EngineState::Starting => {
                self.status = "not ready to submit yet: the sandbox is starting".to_string();
                return Vec::new();
            }
            EngineState::Failed(error) => {
                self.status = format!("cannot submit: {error}");
                return Vec::new();
            }
        }
        if self.is_submitting() {
            self.status = "a submission is in flight (Esc cancels it)".to_string();
            return Vec::new();
        }
        // The problems shown are an older text's while a large text is being checked: they
        // can neither clear nor block this one.
        if self.checks.revision != self.editor.revision() {
            self.status =
                "not sent: the checks of this text are still running; F5 again in a moment"
                    .to_string();
            return Vec::new();
        }
        let errors = self
            .checks
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .count();
        if errors > 0 {
            self.status = format!("not sent: fix the {errors} error(s) in Checks first");
            return Vec::new();
        }
        if self.confirm_submit {
            self.overlay = Some(Overlay::Confirm {
                profile: self.profile_name.clone(),
                url: {
                    let url = self
                        .preview
                        .as_ref()
                        .map(|p| p.url.clone())
                        .unwrap_or_default();
                    match self.api {
                        Api::CxoneV2 => url,
                        // The first request of three: say what follows it.
                        Api::GenesysCloud => format!("{url}, then validation and publish"),
                    }
                },
            });
            return Vec::new();
        }
        self.submit_now()
    }

    pub(crate) fn submit_now(&mut self) -> Vec<Effect> {
        if matches!(self.engine, EngineState::Failed(_)) || self.is_submitting() {
            return Vec::new();
        }
        self.submission_id += 1;
        self.submission_pending = true;
        self.status = "submitting… (Esc cancels)".to_string();
        let submission = Submission {
            payload: self.editor.text(),
            source: self.file.clone(),
            correlation_id: None,
            draft: false,
        };
        vec![self.submit_effect(self.submission_id, submission)]
    }

    /// A submission is in flight, or asked for and not begun yet.
    pub(crate) fn is_submitting(&self) -> bool {
        self.submission_pending || self.submission.is_running()
    }

    pub(crate) fn open_history(&mut self) -> Vec<Effect> {
        self.history_open = true;
        let action = self.history.open();
        self.history_action(action)
    }

    pub(crate) fn history_action(&mut self, action: HistoryAction) -> Vec<Effect> {
        match action {
            HistoryAction::None => Vec::new(),
            HistoryAction::LoadPage(cursor) => vec![Effect::LoadHistory(cursor)],
            HistoryAction::Reopen(text) => {
                self.history_open = false;
                self.focus = Pane::Editor;
                self.editor.replace_text(&text);
                // The text is a past submission's now, not the server action's.
                self.remote_origin = None;
                self.status = "reopened a past payload (Ctrl+Z undoes)".to_string();
                self.text_changed()
            }
            HistoryAction::Close => {
                self.history_open = false;
                Vec::new()
            }
        }
    }

    /// The panes `Tab` visits: the sandbox's only with the embedded sandbox.
    pub(crate) fn panes(&self) -> &'static [Pane] {
        if self.embedded {
            &[
                Pane::Editor,
                Pane::Checks,
                Pane::Headers,
                Pane::Attempts,
                Pane::Sandbox,
            ]
        } else {
            &[Pane::Editor, Pane::Checks, Pane::Headers, Pane::Attempts]
        }
    }

    /// Custom headers as the headers pane lists them, with whether each came from this
    /// session (and so can be removed).
    pub(crate) fn is_custom_header(&self, name: &str) -> bool {
        self.custom_headers
            .iter()
            .any(|h| h.name.eq_ignore_ascii_case(name))
    }
}
