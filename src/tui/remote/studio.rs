//! How the app drives the Remote view: opening and closing it, turning its requests into
//! effects (the engine may still be starting), and putting an opened action in the editor,
//! asking first when the editor holds changes not saved anywhere.

use super::{OpenedAction, RemoteRequest};
use crate::engine::remote::ReadError;
use crate::text::escape_controls;
use crate::tui::app::{App, EngineState, Overlay, Pane};
use crate::tui::message::Effect;

/// The server action the editor's text was opened from: what an update of it (and a diff
/// against the server) starts from. Server text, not escaped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteOrigin {
    pub id: String,
    /// The version read; `None` when the server gave none.
    pub version: Option<u64>,
    pub name: String,
}

impl App {
    /// F4: the Remote view, reading the list unless it is loaded or being read.
    pub(crate) fn open_remote(&mut self) -> Vec<Effect> {
        self.remote_open = true;
        let request = self.remote.open();
        self.remote_request(request)
    }

    pub(crate) fn remote_request(&mut self, request: RemoteRequest) -> Vec<Effect> {
        match request {
            RemoteRequest::None => Vec::new(),
            RemoteRequest::Load(load) => match &self.engine {
                EngineState::Ready => vec![Effect::ListRemote(load)],
                EngineState::Starting => {
                    self.remote.wait_for_engine(load);
                    Vec::new()
                }
                EngineState::Failed(error) => {
                    let error = ReadError::Failed(format!("the engine did not start: {error}"));
                    self.remote.on_list(load, Err(error));
                    Vec::new()
                }
            },
            RemoteRequest::Cancel { list, open } => cancel_effects(list, open),
            RemoteRequest::Open { id, name } => {
                if self.has_unsaved_changes() {
                    self.overlay = Some(Overlay::ReplaceEditor { id, name });
                    Vec::new()
                } else {
                    self.read_to_open(id, name)
                }
            }
            RemoteRequest::Delete { id, name, version } => {
                self.ask_delete(id, name, version);
                Vec::new()
            }
            RemoteRequest::Close => self.close_remote(),
        }
    }

    /// F4 in the view: closes it; an open in flight is cancelled (a list read goes on, and
    /// shows when the view opens again).
    pub(crate) fn close_remote(&mut self) -> Vec<Effect> {
        self.remote_open = false;
        cancel_effects(false, self.remote.abandon_open())
    }

    /// Sends the read of the action to open (after any confirmation).
    pub(crate) fn read_to_open(&mut self, id: String, name: String) -> Vec<Effect> {
        self.remote.start_opening(id.clone(), name);
        vec![Effect::OpenRemote { id }]
    }

    /// The engine is built: a list read that waited for it starts.
    pub(crate) fn remote_engine_ready(&mut self) -> Vec<Effect> {
        self.remote
            .engine_ready()
            .map(Effect::ListRemote)
            .into_iter()
            .collect()
    }

    /// An action read in full: into the editor, the view closed, the origin remembered.
    /// The text is no file's (Ctrl+S asks for a path, offering one named after the action).
    pub(crate) fn on_remote_opened(
        &mut self,
        id: &str,
        result: Result<OpenedAction, ReadError>,
    ) -> Vec<Effect> {
        let Some(opened) = self.remote.on_opened(id, result) else {
            return Vec::new();
        };
        self.remote_open = false;
        self.focus = Pane::Editor;
        self.editor.replace_text(&opened.text);
        self.clean_revision = self.editor.revision();
        self.file = None;
        let version = opened
            .version
            .map_or(String::new(), |v| format!(", version {v}"));
        self.status = format!(
            "opened {} (id {}{version}) from the server",
            escape_controls(&opened.name),
            escape_controls(&opened.id)
        );
        self.remote_origin = Some(RemoteOrigin {
            id: opened.id,
            version: opened.version,
            name: opened.name,
        });
        self.text_changed()
    }

    /// The editor's text changed since it was opened or last saved.
    pub(crate) fn has_unsaved_changes(&self) -> bool {
        self.editor.revision() != self.clean_revision
    }

    /// The action the editor's text was opened from, if it came from the server.
    pub fn remote_origin(&self) -> Option<&RemoteOrigin> {
        self.remote_origin.as_ref()
    }

    pub fn remote_view(&self) -> &super::RemoteView {
        &self.remote
    }

    pub fn remote_is_open(&self) -> bool {
        self.remote_open
    }
}

fn cancel_effects(list: bool, open: bool) -> Vec<Effect> {
    let mut effects = Vec::new();
    if list {
        effects.push(Effect::CancelRemoteList);
    }
    if open {
        effects.push(Effect::CancelRemoteOpen);
    }
    effects
}
