//! The studio's remote changes beside the Remote view's reads: `F5` on a text opened from
//! the server pushes it (`Engine::push`: update, or `unchanged`, or refused), `Ctrl+D` shows
//! the editor's diff against the server (`Engine::compare`, the lines `cxda diff` prints),
//! and `d` in the Remote view deletes the selected action after a confirmation.
//!
//! After a push or a create, the action's id and version are written back into the editor
//! when its text carries them (as `cxda push` writes them into the file), so the next `F5`
//! is not refused as stale; the editor's other bytes stay.

use crate::audit::{AuditRecord, Outcome};
use crate::engine::remote::{Comparison, ReadError, difference_lines, summary};
use crate::engine::{Submission, changed_action};
use crate::payload::{carries_id_or_version, with_id_and_version};
use crate::text::escape_controls;
use crate::tui::app::{App, EngineState, Overlay};
use crate::tui::message::{Effect, SubmissionId};

use super::RemoteOrigin;

/// Rows a key moves the diff view by (PgUp / PgDn).
const DIFF_PAGE: usize = 10;

impl App {
    /// `F5` once the checks pass: a push when the text came from the server (an update of
    /// that action), else the create.
    pub(crate) fn submit_effect(&mut self, id: SubmissionId, submission: Submission) -> Effect {
        if self.remote_origin.is_some() {
            self.status = "pushing… (Esc cancels)".to_string();
            Effect::Push { id, submission }
        } else {
            Effect::Submit { id, submission }
        }
    }

    /// A push ended without changing anything: equal to the server's action, or refused
    /// (stale, a genesys-cloud contract change). No record, so no `Finished`.
    pub(crate) fn on_push_settled(&mut self, id: SubmissionId, text: String) {
        if id != self.submission_id {
            return;
        }
        self.submission_pending = false;
        self.status = text;
    }

    /// A record finished: after a create or an update, the editor's text (when it carries
    /// them) gets the action's id and version, and the text now stands for that action.
    pub(crate) fn after_remote_change(&mut self, record: &AuditRecord) {
        let Some((id, version)) = changed_action(record) else {
            return;
        };
        self.status = match (record.outcome, version) {
            (Outcome::Updated, Some(v)) => {
                format!("updated {} to version {v}", escape_controls(&id))
            }
            (Outcome::Updated, None) => format!("updated {}", escape_controls(&id)),
            (_, Some(v)) => format!("created {} (version {v})", escape_controls(&id)),
            (_, None) => format!("created {}", escape_controls(&id)),
        };
        let text = self.editor.text();
        if carries_id_or_version(&text)
            && let Ok(updated) = with_id_and_version(&text, &id, version)
            && updated != text
        {
            let (row, col) = self.editor.cursor();
            self.editor.replace_text(&updated);
            self.editor.jump_to(row, col);
        }
        self.remote.changed(&id, version);
        let name = record.action_name.clone();
        self.remote_origin = Some(RemoteOrigin { id, version, name });
    }

    /// `Ctrl+D`: the editor's text against the server's action (by its `id`, else its
    /// `name`).
    pub(crate) fn request_diff(&mut self) -> Vec<Effect> {
        match &self.engine {
            EngineState::Ready => {
                self.status = "comparing with the server… (Esc cancels)".to_string();
                vec![Effect::DiffRemote {
                    text: self.editor.text(),
                }]
            }
            EngineState::Starting => {
                self.status = "cannot compare yet: the engine is starting".to_string();
                Vec::new()
            }
            EngineState::Failed(error) => {
                self.status = format!("cannot compare: {error}");
                Vec::new()
            }
        }
    }

    /// The comparison asked for with `text` is back: the diff view, or why not.
    pub(crate) fn on_diff(&mut self, text: &str, result: Result<Comparison, ReadError>) {
        match result {
            Ok(found) => {
                let mut lines = vec![summary("editor", &found)];
                lines.extend(difference_lines(text, &found));
                self.status = match (&found.server, found.differences.len()) {
                    (None, _) => "not on the server: F5 creates it".to_string(),
                    (Some(_), 0) => "equal to the server's action".to_string(),
                    (Some(_), n) => format!("{n} difference(s) from the server's action"),
                };
                self.overlay = Some(Overlay::Diff { lines, top: 0 });
            }
            Err(ReadError::Cancelled) => self.status = "comparison cancelled".to_string(),
            Err(error) => {
                self.status = format!("cannot compare: {}", escape_controls(&error.to_string()));
            }
        }
    }

    /// A key in the diff view: scrolls it, or (Esc, q, Ctrl+D) closes it.
    pub(crate) fn diff_key(
        &mut self,
        lines: Vec<String>,
        top: usize,
        key: crossterm::event::KeyCode,
    ) {
        use crossterm::event::KeyCode;
        let last = lines.len().saturating_sub(1);
        let top = match key {
            KeyCode::Esc | KeyCode::Char('q' | 'd') => return,
            KeyCode::Up => top.saturating_sub(1),
            KeyCode::Down => (top + 1).min(last),
            KeyCode::PageUp => top.saturating_sub(DIFF_PAGE),
            KeyCode::PageDown => (top + DIFF_PAGE).min(last),
            KeyCode::Home => 0,
            KeyCode::End => last,
            _ => top,
        };
        self.overlay = Some(Overlay::Diff { lines, top });
    }

    /// `d` in the Remote view: asks before deleting.
    pub(crate) fn ask_delete(&mut self, id: String, name: String, version: Option<u64>) {
        self.overlay = Some(Overlay::ConfirmDelete { id, name, version });
    }

    /// Confirmed: the delete goes to the server.
    pub(crate) fn delete_now(
        &mut self,
        id: String,
        name: String,
        version: Option<u64>,
    ) -> Vec<Effect> {
        self.status = format!("deleting {}…", escape_controls(&name));
        vec![Effect::DeleteRemote { id, name, version }]
    }

    /// The delete's record is written (or why not).
    pub(crate) fn on_deleted(
        &mut self,
        id: &str,
        result: Result<Box<AuditRecord>, String>,
    ) -> Vec<Effect> {
        match result {
            Ok(record) if record.outcome == Outcome::Deleted => {
                self.status = format!(
                    "deleted {} (id {}) · record {}",
                    escape_controls(&record.action_name),
                    escape_controls(id),
                    record.id
                );
                if self.remote_origin.as_ref().is_some_and(|o| o.id == id) {
                    // The text no longer stands for an action on the server: F5 creates it.
                    self.remote_origin = None;
                }
                self.history.on_new_record(*record);
                let request = self.remote.forget(id);
                self.remote_request(request)
            }
            Ok(record) => {
                self.status = format!(
                    "not deleted ({}): {}",
                    record.outcome,
                    escape_controls(record.error.as_deref().unwrap_or("no reason given"))
                );
                self.history.on_new_record(*record);
                Vec::new()
            }
            Err(error) => {
                self.status = format!("not deleted: {}", escape_controls(&error));
                Vec::new()
            }
        }
    }
}
