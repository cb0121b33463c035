//! The Test pane (`F6`): one run of the editor's action with an input typed here, the way
//! `cxda test` runs it (docs/test-runs.md). The input starts as the skeleton of the action's
//! input contract (`{}` without one) and is edited in its own textarea; `Ctrl+R` runs it,
//! `Ctrl+L` (genesys-cloud) switches between a local run and one on the platform, `Esc`
//! cancels a run in flight, else closes the pane.
//!
//! The app does no I/O here either: a run is an [`Effect::Test`], the engine's answer comes
//! back as [`Message::Tested`]. An input that is not JSON, or that breaks the input
//! contract, is refused in the pane before anything is asked of the engine. The studio has
//! no `--var` values: an undefined `${credentials.X}` prints itself, as in any template.

mod draw;
mod run;
#[cfg(test)]
mod tests;

pub use draw::draw_test_pane;
pub(crate) use run::{cancel_test, spawn_test};

use std::cell::Cell;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::Value;

use super::app::{App, EngineState, INLINE_CHECK_BYTES};
use super::editor::Editor;
use super::message::{Effect, Message};
use crate::audit::Outcome;
use crate::dialect::Api;
use crate::engine::remote::{PushError, ReadError};
use crate::engine::{Ran, TestError, TestRequest, Tested};
use crate::runner::RunReport;
use crate::runner::action::RunnableAction;
use crate::runner::contract::input_skeleton_text;

/// Identifies one run, so that the answer of an older one is never taken for the current
/// one's.
pub type TestRunId = u64;

/// Rows `PgUp` / `PgDn` scroll the steps and the result by.
const PAGE: u16 = 10;

/// The keys of the pane, as the help lists them.
pub fn key_help() -> &'static [(&'static str, &'static str)] {
    &[
        ("Ctrl+R", "run the action with the input"),
        (
            "Ctrl+L",
            "genesys-cloud: run locally / on the platform (pushes a draft when the file differs)",
        ),
        (
            "Ctrl+Z / Ctrl+Y, Ctrl+T",
            "undo / redo, pretty-print the input",
        ),
        ("PgUp / PgDn", "scroll the steps and the result"),
        (
            "Esc",
            "cancel the run in flight, else close the pane (F6 closes it too)",
        ),
        (
            "${credentials.X}",
            "has no value in the studio (sent as written): `cxda test --var X=…` gives one",
        ),
    ]
}

/// Where the pane is in its one run.
#[derive(Debug, Clone)]
pub enum TestState {
    /// Nothing run yet (or since the pane was refilled).
    Idle,
    /// Not run: each problem (the input is not JSON, breaks the contract, the engine is not
    /// ready, the payload cannot be run). Plain text, escaped when drawn.
    NotRun {
        headline: String,
        problems: Vec<String>,
    },
    Running {
        local: bool,
        cancelling: bool,
    },
    /// The engine's report of a finished (or cancelled) run.
    Finished(Box<Finished>),
}

/// What the pane keeps of a finished run: the report (already redacted by the runner) and
/// where it ran; never the prepared request.
#[derive(Debug, Clone)]
pub struct Finished {
    pub report: RunReport,
    pub outcome: Outcome,
    pub ran: Ran,
    pub latency_ms: u64,
    /// The run's audit record id.
    pub record_id: String,
    /// A draft was pushed first (a platform run of a file that differs).
    pub pushed: bool,
    /// The final result as pretty JSON, a line each, escaped, at most
    /// [`MAX_RESULT_LINES`] (and a line saying where the rest is): made once when the run
    /// ends, not at every frame, since an answer can be megabytes.
    pub result_lines: Vec<String>,
}

/// The most lines of a final result the pane keeps.
pub const MAX_RESULT_LINES: usize = 2_000;

impl Finished {
    fn result_lines(report: &RunReport, record_id: &str) -> Vec<String> {
        let Some(result) = &report.final_result else {
            return Vec::new();
        };
        let pretty = serde_json::to_string_pretty(result).unwrap_or_default();
        let mut all = pretty.lines();
        let mut lines: Vec<String> = all
            .by_ref()
            .take(MAX_RESULT_LINES)
            .map(|l| crate::text::escape_controls(l).into_owned())
            .collect();
        let more = all.count();
        if more > 0 {
            lines.push(format!(
                "… {more} more lines: the whole result is in record {record_id} (cxda audit show {record_id})"
            ));
        }
        lines
    }
}

#[derive(Debug)]
pub struct TestPane {
    pub(crate) open: bool,
    pub(crate) input: Editor,
    /// The skeleton the input was filled from; a different one (the contract changed)
    /// refills the input when the pane opens, the same one keeps the edits.
    skeleton: Option<String>,
    pub(crate) api: Api,
    /// genesys-cloud: the run is local (else on the platform). cxone-v2 runs only locally.
    pub(crate) local: bool,
    /// The action's name, from the editor's text when the pane opened.
    pub(crate) action_name: String,
    pub(crate) run_id: TestRunId,
    pub(crate) state: TestState,
    /// The first row of the steps and result shown, and the most it scrolls by (set by
    /// the last draw, which alone knows the height).
    pub(crate) scroll: u16,
    pub(crate) scroll_max: Cell<u16>,
}

impl TestPane {
    pub fn new(api: Api) -> TestPane {
        TestPane {
            open: false,
            input: Editor::new("{}"),
            skeleton: None,
            api,
            local: true,
            action_name: String::new(),
            run_id: 0,
            state: TestState::Idle,
            scroll: 0,
            scroll_max: Cell::new(0),
        }
    }

    pub fn is_open(&self) -> bool {
        self.open
    }

    pub fn is_running(&self) -> bool {
        matches!(self.state, TestState::Running { .. })
    }

    pub fn state(&self) -> &TestState {
        &self.state
    }

    /// The input as typed.
    pub fn input_text(&self) -> String {
        self.input.text()
    }

    /// Whether the run goes to the platform (genesys-cloud, local off).
    pub fn on_platform(&self) -> bool {
        self.api == Api::GenesysCloud && !self.local
    }

    /// Where a run goes, as the pane's title says it.
    pub(crate) fn place(&self) -> &'static str {
        if self.on_platform() {
            "on the platform"
        } else {
            "locally"
        }
    }

    fn not_run(&mut self, headline: impl Into<String>, problems: Vec<String>) {
        self.state = TestState::NotRun {
            headline: headline.into(),
            problems,
        };
        self.scroll = 0;
    }

    fn scroll_by(&mut self, rows: i32) {
        let max = i32::from(self.scroll_max.get());
        let next = (i32::from(self.scroll) + rows).clamp(0, max);
        self.scroll = u16::try_from(next).unwrap_or(0);
    }
}

/// The action in `text` as a run reads it, or why it cannot be read.
fn runnable(api: Api, text: &str) -> Result<RunnableAction, String> {
    let payload: Value =
        serde_json::from_str(text).map_err(|e| format!("the payload is not JSON: {e}"))?;
    RunnableAction::from_payload(api, &payload).map_err(|e| e.to_string())
}

impl App {
    /// F6: opens the pane on the editor's action, its input refilled when the contract's
    /// skeleton changed since it was filled.
    pub(crate) fn open_test(&mut self) -> Vec<Effect> {
        if self.editor.byte_len() > INLINE_CHECK_BYTES {
            // Reading a large payload here would hold the screen up (the live checks move
            // off the loop at this size too): the input keeps what it has, and the run
            // reads the payload off the loop and says what is wrong with it.
            let pane = &mut self.test;
            pane.open = true;
            pane.scroll = 0;
            if pane.skeleton.is_none() {
                pane.input = Editor::new("{}");
                pane.skeleton = Some("{}".to_string());
            }
            return Vec::new();
        }
        let action = runnable(self.api, &self.editor.text());
        let pane = &mut self.test;
        pane.open = true;
        pane.scroll = 0;
        match action {
            Ok(action) => {
                pane.action_name = action.name.clone();
                let skeleton = action
                    .input_schema
                    .as_ref()
                    .map_or_else(|| "{}".to_string(), input_skeleton_text);
                let refill = pane.skeleton.as_deref() != Some(skeleton.as_str());
                if refill {
                    pane.input = Editor::new(&skeleton);
                    pane.skeleton = Some(skeleton);
                }
                // A refusal is of the text as it was; the last run's report stays until
                // the next run (or a new contract).
                let refused = matches!(pane.state, TestState::NotRun { .. });
                if (refill || refused) && !pane.is_running() {
                    pane.state = TestState::Idle;
                }
            }
            Err(why) => {
                pane.action_name = String::new();
                if !pane.is_running() {
                    pane.not_run("The editor's action cannot be run", vec![why]);
                }
            }
        }
        Vec::new()
    }

    /// Keys while the pane is open (after `Ctrl+Q`, the overlays and `F1`).
    pub(crate) fn test_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match (key.code, ctrl) {
            (KeyCode::Esc | KeyCode::F(6), _) => self.cancel_or_close_test(key.code),
            // The studio's other views and actions wait until the pane is closed; say so
            // rather than swallow the key.
            (KeyCode::F(2) | KeyCode::F(4) | KeyCode::F(5) | KeyCode::F(7), _) => {
                self.status = "the Test pane is open: Esc (or F6) closes it first".to_string();
                Vec::new()
            }
            (KeyCode::Char('r'), true) => self.run_test(),
            (KeyCode::Char('l'), true) => {
                self.toggle_test_place();
                Vec::new()
            }
            (KeyCode::PageUp, _) => {
                self.test.scroll_by(-i32::from(PAGE));
                Vec::new()
            }
            (KeyCode::PageDown, _) => {
                self.test.scroll_by(i32::from(PAGE));
                Vec::new()
            }
            (KeyCode::Char('z'), true) => {
                self.test.input.undo();
                Vec::new()
            }
            (KeyCode::Char('y'), true) => {
                self.test.input.redo();
                Vec::new()
            }
            (KeyCode::Char('t'), true) => {
                if let Err(error) = self.test.input.format() {
                    self.status = format!("input not formatted: {error}");
                }
                Vec::new()
            }
            _ => {
                self.test.input.key(key);
                Vec::new()
            }
        }
    }

    fn cancel_or_close_test(&mut self, code: KeyCode) -> Vec<Effect> {
        match &mut self.test.state {
            TestState::Running { cancelling, .. } if code == KeyCode::Esc => {
                *cancelling = true;
                self.status = "cancelling the test run…".to_string();
                vec![Effect::CancelTest(self.test.run_id)]
            }
            TestState::Running { .. } => {
                self.status = "a test run is in flight (Esc cancels it)".to_string();
                Vec::new()
            }
            _ => {
                self.test.open = false;
                Vec::new()
            }
        }
    }

    fn toggle_test_place(&mut self) {
        if self.test.api != Api::GenesysCloud {
            self.status = "cxone-v2 actions run locally only".to_string();
            return;
        }
        if self.test.is_running() {
            self.status = "a test run is in flight (Esc cancels it)".to_string();
            return;
        }
        self.test.local = !self.test.local;
        self.status = format!("the test runs {}", self.test.place());
    }

    /// `Ctrl+R`: the input checked here (JSON, the input contract), then the run asked of
    /// the engine.
    pub(crate) fn run_test(&mut self) -> Vec<Effect> {
        if self.test.is_running() {
            self.status = "a test run is in flight (Esc cancels it)".to_string();
            return Vec::new();
        }
        let input_text = self.test.input.text();
        let input: Value = match serde_json::from_str(&input_text) {
            Ok(input) => input,
            Err(error) => {
                self.test
                    .not_run("Not run: the input is not JSON", vec![error.to_string()]);
                return Vec::new();
            }
        };
        let payload = self.editor.text();
        // A large payload is read by the run, off the loop (see `open_test`); the engine
        // answers the same problems as these checks.
        if payload.len() <= INLINE_CHECK_BYTES {
            let action = match runnable(self.api, &payload) {
                Ok(action) => action,
                Err(why) => {
                    self.test
                        .not_run("Not run: the editor's action cannot be run", vec![why]);
                    return Vec::new();
                }
            };
            if let Err(problems) = crate::runner::check_input(&action, &input) {
                self.test.not_run(
                    "Not run: the input does not match the input contract",
                    problems.iter().map(ToString::to_string).collect(),
                );
                return Vec::new();
            }
            self.test.action_name = action.name;
        }
        match &self.engine {
            EngineState::Ready => {}
            EngineState::Starting => {
                self.test.not_run(
                    "Not run: the engine is starting",
                    vec!["Ctrl+R again in a moment".to_string()],
                );
                return Vec::new();
            }
            EngineState::Failed(error) => {
                self.test
                    .not_run("Not run: the engine did not start", vec![error.clone()]);
                return Vec::new();
            }
        }
        self.test.run_id += 1;
        let local = !self.test.on_platform();
        self.test.state = TestState::Running {
            local,
            cancelling: false,
        };
        self.test.scroll = 0;
        self.status = format!("testing {}… (Esc cancels)", self.test.place());
        vec![Effect::Test {
            id: self.test.run_id,
            request: TestRequest {
                payload,
                source: self.file.clone(),
                input,
                vars: Default::default(),
                local,
                // No vars here: a credential is sent as written (the help says so).
                strict_credentials: false,
            },
        }]
    }

    /// The engine's answer for run `id`.
    pub(crate) fn on_tested(
        &mut self,
        id: TestRunId,
        result: Result<Box<Tested>, TestError>,
    ) -> Vec<Effect> {
        let cancelling = match self.test.state {
            TestState::Running { cancelling, .. } if id == self.test.run_id => cancelling,
            _ => return Vec::new(),
        };
        self.test.scroll = 0;
        match result {
            Ok(tested) => {
                let Tested {
                    report,
                    record,
                    ran,
                    pushed,
                } = *tested;
                if self.test.action_name.is_empty() {
                    // A large payload is named by its run (it was not read on the loop).
                    self.test.action_name = record.action_name.clone();
                }
                self.status = format!("test {} · record {}", record.outcome, record.id);
                let record_id = record.id.to_string();
                self.test.state = TestState::Finished(Box::new(Finished {
                    result_lines: Finished::result_lines(&report, &record_id),
                    report,
                    outcome: record.outcome,
                    ran,
                    latency_ms: record.latency_ms,
                    record_id,
                    pushed: !pushed.is_empty(),
                }));
                // The pushed draft's records first: the history lists newest first.
                for pushed in pushed {
                    self.history.on_new_record(pushed);
                }
                self.history.on_new_record(record);
            }
            Err(TestError::Input(problems)) => {
                self.test.not_run(
                    "Not run: the input does not match the input contract",
                    problems.iter().map(ToString::to_string).collect(),
                );
                self.status = "test not run".to_string();
            }
            Err(TestError::Push(PushError::Read(ReadError::Cancelled))) => {
                self.test.not_run(
                    "Cancelled",
                    vec!["cancelled before the run: nothing was tested".to_string()],
                );
                self.status = "test cancelled".to_string();
            }
            Err(error) => {
                let headline = if cancelling { "Cancelled" } else { "Not run" };
                self.test.not_run(headline, vec![error.to_string()]);
                self.status = "test not run".to_string();
            }
        }
        Vec::new()
    }

    pub fn test_pane(&self) -> &TestPane {
        &self.test
    }

    pub fn test_is_open(&self) -> bool {
        self.test.open
    }

    /// A paste while the pane is open goes into its input.
    pub(crate) fn test_paste(&mut self, text: &str) {
        self.test.input.paste(text);
    }

    /// The mouse wheel scrolls the steps and the result.
    pub(crate) fn test_wheel(&mut self, rows: i16) {
        self.test.scroll_by(i32::from(rows));
    }
}

/// The message a run's task sends back.
pub fn tested(id: TestRunId, result: Result<Tested, TestError>) -> Message {
    Message::Tested {
        id,
        result: result.map(Box::new),
    }
}
