//! The Remote view (F4): the actions on the server of the profile in use (the embedded
//! sandbox for a sandbox profile), filtered by text, with `Enter` opening one into the
//! editor as `cxda pull` writes it (`engine::remote::editable_payload`).
//!
//! The view owns no I/O. It asks for the list with [`RemoteRequest::Load`] and for one
//! action with [`RemoteRequest::Open`]; the loop runs [`list`] and [`open`] (the engine's
//! reads, cancellable) on a task and hands the answers back through
//! [`RemoteView::on_list`] and [`RemoteView::on_opened`]. `Engine::list_actions` answers
//! with the whole list once it has paged to its end, so the view shows `loading…` until
//! then and the count after. Drawing ([`draw_remote`]) is pure; server text is escaped
//! there, never stored escaped, so the filter matches what the server sent.
//!
//! Rules: one list read at a time (a reload supersedes the one in flight, whose answer is
//! dropped by its [`LoadId`]); one open at a time; `Esc` while either is in flight cancels
//! it, and a cancelled or failed read is shown in the view until `r` reloads.

mod changes;
mod draw;
mod studio;

use std::cell::Cell;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::history::{FilterKey, Motion, contains_ignore_case, filter_key};
use crate::config::Api;
use crate::engine::Engine;
use crate::engine::remote::{ListQuery, ReadError, RemoteAction, editable_payload};
use crate::text::escape_controls;

pub use draw::draw_remote;
pub use studio::RemoteOrigin;

/// Tells the answer of one list read from an older one's.
pub type LoadId = u64;

/// Rows PgUp / PgDn move before the first draw has told the view its height.
const DEFAULT_VIEWPORT: usize = 20;

/// What a key in the Remote view asks the app to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoteRequest {
    None,
    /// Read the server's list (superseding a read in flight) and hand it to
    /// [`RemoteView::on_list`] with this id.
    Load(LoadId),
    /// Cancel the reads in flight: the list's, an open's.
    Cancel {
        list: bool,
        open: bool,
    },
    /// Read the action `id` in full and open it into the editor.
    Open {
        id: String,
        name: String,
    },
    /// Delete the action `id` from the server, once the user confirms.
    Delete {
        id: String,
        name: String,
        version: Option<u64>,
    },
    /// Leave the view.
    Close,
}

/// Where the list stands.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
enum Listing {
    /// Nothing asked for yet.
    #[default]
    NotStarted,
    /// Asked for while the engine is still being built: read once it is.
    WaitingForEngine(LoadId),
    Loading(LoadId),
    Loaded,
    /// `Esc` cancelled the last read.
    Cancelled,
    /// The last read failed (message escaped for the screen).
    Failed(String),
}

/// An action read in full, as the editor gets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedAction {
    pub id: String,
    pub name: String,
    pub version: Option<u64>,
    /// `editable_payload` of the server's answer: what `cxda pull` writes.
    pub text: String,
}

/// The action an open is reading.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Opening {
    id: String,
    name: String,
}

/// The Remote view's state. `Default` is an empty view that loads on [`RemoteView::open`].
#[derive(Debug, Default)]
pub struct RemoteView {
    /// The dialect: which columns show (category and secure, or type and enabled).
    api: Api,
    /// Every action listed, in the server's order. Server text, not escaped.
    actions: Vec<RemoteAction>,
    /// Indices into `actions` of the rows the filter lets through, in order.
    visible: Vec<usize>,
    /// Index into `visible` of the selected row.
    selected: usize,
    /// Index into `visible` of the first row drawn.
    top: usize,
    listing: Listing,
    /// The id of the last list read asked for.
    last_load: LoadId,
    /// The text filter, as typed.
    text: String,
    /// Keys go to the text filter (after `/`).
    typing: bool,
    opening: Option<Opening>,
    /// A one-line message for the footer; cleared by the next key.
    notice: Option<String>,
    /// Rows the last draw had room for; drawing is `&self`, so it records this through a
    /// `Cell` for PgUp / PgDn.
    viewport: Cell<usize>,
}

/// The keys of the Remote view, for the help overlay.
pub fn key_help() -> &'static [(&'static str, &'static str)] {
    &[
        ("F4", "open the server's actions (F4 / Esc closes)"),
        ("↑ ↓ PgUp PgDn Home End", "move through the actions"),
        (
            "Enter",
            "open the selected action in the editor, as `cxda pull` writes it",
        ),
        (
            "/",
            "filter by text (name, id, category or type); Enter keeps, Esc clears",
        ),
        ("r", "reload the list from the server"),
        (
            "d",
            "delete the selected action from the server (asks first)",
        ),
        ("Esc", "cancel a read in flight, else close the view"),
    ]
}

impl RemoteView {
    pub fn new(api: Api) -> RemoteView {
        RemoteView {
            api,
            ..RemoteView::default()
        }
    }

    /// Called when the view opens: the list to read, unless one is loaded or being read.
    pub fn open(&mut self) -> RemoteRequest {
        match self.listing {
            Listing::NotStarted | Listing::Cancelled | Listing::Failed(_) => self.reload(),
            _ => RemoteRequest::None,
        }
    }

    /// A new read of the list, superseding any in flight.
    fn reload(&mut self) -> RemoteRequest {
        self.last_load += 1;
        self.listing = Listing::Loading(self.last_load);
        RemoteRequest::Load(self.last_load)
    }

    /// The engine is not built yet: the read `load` waits for it.
    pub fn wait_for_engine(&mut self, load: LoadId) {
        if self.listing == Listing::Loading(load) {
            self.listing = Listing::WaitingForEngine(load);
        }
    }

    /// The read waiting for the engine, now marked in flight; the app starts it.
    pub fn engine_ready(&mut self) -> Option<LoadId> {
        match self.listing {
            Listing::WaitingForEngine(load) => {
                self.listing = Listing::Loading(load);
                Some(load)
            }
            _ => None,
        }
    }

    /// The engine could not be built: the waiting read fails with `error`.
    pub fn engine_failed(&mut self, error: &str) {
        if let Listing::WaitingForEngine(load) = self.listing {
            self.on_list(load, Err(ReadError::Failed(error.to_string())));
        }
    }

    pub fn handle_key(&mut self, key: KeyEvent) -> RemoteRequest {
        if key.kind == KeyEventKind::Release {
            return RemoteRequest::None;
        }
        self.notice = None;
        if self.typing {
            self.typing_key(key);
            return RemoteRequest::None;
        }
        // Ctrl / Alt chords belong to the app (Ctrl+Q, …), not to `r` or `/`.
        let plain = !key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        match key.code {
            KeyCode::Esc => return self.esc(),
            KeyCode::Enter => return self.request_open(),
            KeyCode::Char('/') if plain => self.typing = true,
            KeyCode::Char('r') if plain => return self.reload(),
            KeyCode::Char('d') if plain => return self.request_delete(),
            code => self.move_key(code),
        }
        RemoteRequest::None
    }

    /// `Esc`: cancels what is in flight, else closes the view.
    fn esc(&mut self) -> RemoteRequest {
        let list = matches!(
            self.listing,
            Listing::Loading(_) | Listing::WaitingForEngine(_)
        );
        if list {
            self.listing = Listing::Cancelled;
        }
        let open = self.abandon_open();
        if list || open {
            RemoteRequest::Cancel { list, open }
        } else {
            RemoteRequest::Close
        }
    }

    /// Drops the open in flight, if any (its answer will be ignored); whether there was one.
    /// Closing the view does this: the text must not land in an editor being typed in.
    pub fn abandon_open(&mut self) -> bool {
        match self.opening.take() {
            Some(opening) => {
                self.notice = Some(format!(
                    "not opened: reading {} was cancelled",
                    escape_controls(&opening.name)
                ));
                true
            }
            None => false,
        }
    }

    fn request_delete(&mut self) -> RemoteRequest {
        match self.selected_action() {
            Some(action) => RemoteRequest::Delete {
                id: action.id.clone(),
                name: action.name.clone(),
                version: action.version,
            },
            None => {
                self.notice = Some("no action selected".to_string());
                RemoteRequest::None
            }
        }
    }

    /// The action `id` is at `version` now (the studio changed it): its row says so; an
    /// action the list does not hold (just created) makes the next `F4` read the list again.
    pub fn changed(&mut self, id: &str, version: Option<u64>) {
        match self.actions.iter_mut().find(|a| a.id == id) {
            Some(action) => action.version = version.or(action.version),
            None if self.listing == Listing::Loaded => self.listing = Listing::NotStarted,
            None => {}
        }
    }

    /// The action `id` was deleted: its row goes.
    pub fn forget(&mut self, id: &str) -> RemoteRequest {
        self.actions.retain(|a| a.id != id);
        self.rebuild_visible();
        RemoteRequest::None
    }

    fn request_open(&mut self) -> RemoteRequest {
        if let Some(opening) = &self.opening {
            self.notice = Some(format!(
                "already reading {} (Esc cancels)",
                escape_controls(&opening.name)
            ));
            return RemoteRequest::None;
        }
        match self.selected_action() {
            Some(action) => RemoteRequest::Open {
                id: action.id.clone(),
                name: action.name.clone(),
            },
            None => {
                self.notice = Some("no action selected".to_string());
                RemoteRequest::None
            }
        }
    }

    /// The app sent the read of `id` (after any confirmation): the view shows it in flight
    /// and takes its answer.
    pub fn start_opening(&mut self, id: String, name: String) {
        self.opening = Some(Opening { id, name });
    }

    fn typing_key(&mut self, key: KeyEvent) {
        match filter_key(key, &self.text) {
            FilterKey::Keep => self.typing = false,
            FilterKey::Set { text, done } => {
                self.typing = !done;
                self.set_text(text);
            }
            FilterKey::Move(code) => self.move_key(code),
        }
    }

    /// The mouse wheel: `rows` down (negative: up) through the list.
    pub fn wheel(&mut self, rows: i16) {
        self.notice = None;
        self.move_selection(Motion::By(isize::from(rows)));
    }

    fn move_key(&mut self, code: KeyCode) {
        if let Some(motion) = Motion::of_key(code, self.viewport_rows()) {
            self.move_selection(motion);
        }
    }

    fn move_selection(&mut self, motion: Motion) {
        self.selected = motion.apply(self.selected, self.visible.len().saturating_sub(1));
        self.keep_selection_in_view();
    }

    fn viewport_rows(&self) -> usize {
        match self.viewport.get() {
            0 => DEFAULT_VIEWPORT,
            rows => rows,
        }
    }

    fn keep_selection_in_view(&mut self) {
        let rows = self.viewport_rows().max(1);
        if self.selected < self.top {
            self.top = self.selected;
        } else if self.selected >= self.top + rows {
            self.top = self.selected + 1 - rows;
        }
    }

    /// The answer to the list read `load`; an older read's is dropped.
    pub fn on_list(&mut self, load: LoadId, result: Result<Vec<RemoteAction>, ReadError>) {
        if !matches!(self.listing, Listing::Loading(l) | Listing::WaitingForEngine(l) if l == load)
        {
            return;
        }
        match result {
            Ok(actions) => {
                // The same action stays selected across a reload when it is still there.
                let was = self.selected_action().map(|a| a.id.clone());
                self.actions = actions;
                self.listing = Listing::Loaded;
                self.rebuild_visible();
                self.selected = was
                    .and_then(|id| {
                        self.visible
                            .iter()
                            .position(|&i| self.actions.get(i).is_some_and(|a| a.id == id))
                    })
                    .unwrap_or(0);
                self.top = 0;
                self.keep_selection_in_view();
            }
            Err(error) => {
                self.listing = Listing::Failed(escape_controls(&error.to_string()).into_owned());
            }
        }
    }

    /// The answer to an open: the action to put in the editor when it is the one being
    /// read; a failure stays in the view. `None` for an answer nobody waits for any more.
    pub fn on_opened(
        &mut self,
        id: &str,
        result: Result<OpenedAction, ReadError>,
    ) -> Option<OpenedAction> {
        if self.opening.as_ref().is_none_or(|o| o.id != id) {
            return None;
        }
        let opening = self.opening.take()?;
        match result {
            Ok(opened) => Some(opened),
            Err(error) => {
                self.notice = Some(format!(
                    "cannot open {}: {}",
                    escape_controls(&opening.name),
                    escape_controls(&error.to_string())
                ));
                None
            }
        }
    }

    fn matches(&self, action: &RemoteAction) -> bool {
        text_matches(action, &self.text)
    }

    fn rebuild_visible(&mut self) {
        let visible = (0..self.actions.len())
            .filter(|&i| self.matches(&self.actions[i]))
            .collect();
        self.visible = visible;
        self.selected = self.selected.min(self.visible.len().saturating_sub(1));
        self.keep_selection_in_view();
    }

    /// The filter changed: keep the selected action selected if it still shows, else go to
    /// the top.
    fn set_text(&mut self, text: String) {
        self.text = text;
        let was = self.visible.get(self.selected).copied();
        self.rebuild_visible();
        self.selected = was
            .and_then(|index| self.visible.iter().position(|&i| i == index))
            .unwrap_or(0);
        self.top = 0;
        self.keep_selection_in_view();
    }

    /// The action under the selection, if any row shows.
    pub fn selected_action(&self) -> Option<&RemoteAction> {
        self.visible
            .get(self.selected)
            .and_then(|&i| self.actions.get(i))
    }

    /// The actions that pass the filter, in the server's order.
    pub fn visible_actions(&self) -> impl Iterator<Item = &RemoteAction> {
        self.visible.iter().filter_map(|&i| self.actions.get(i))
    }

    /// How many actions were listed (filtered or not).
    pub fn listed(&self) -> usize {
        self.actions.len()
    }

    /// Whether a list read is in flight (or waiting for the engine).
    pub fn loading(&self) -> bool {
        matches!(
            self.listing,
            Listing::Loading(_) | Listing::WaitingForEngine(_)
        )
    }

    /// Whether an action is being read to open.
    pub fn opening(&self) -> bool {
        self.opening.is_some()
    }

    /// Whether keys are going to the text filter.
    pub fn typing(&self) -> bool {
        self.typing
    }

    pub fn text_filter(&self) -> &str {
        &self.text
    }

    /// The last read's error (or `cancelled`), escaped for the screen.
    pub fn error(&self) -> Option<&str> {
        match &self.listing {
            Listing::Cancelled => Some("cancelled"),
            Listing::Failed(message) => Some(message),
            _ => None,
        }
    }

    /// The footer's one-line message (why `Enter` did nothing, an open that failed).
    pub fn notice(&self) -> Option<&str> {
        self.notice.as_deref()
    }
}

/// Whether `needle` occurs in the action's name, id, category or type, ignoring case. An
/// empty needle matches everything.
fn text_matches(action: &RemoteAction, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    let needle = needle.to_lowercase();
    [
        Some(action.name.as_str()),
        Some(action.id.as_str()),
        action.category.as_deref(),
        action.kind.as_deref(),
    ]
    .into_iter()
    .flatten()
    .any(|field| contains_ignore_case(field, &needle))
}

/// Reads the server's whole list (every page) with `engine`: what the loop runs for
/// [`RemoteRequest::Load`].
pub async fn list(
    engine: &Engine,
    cancel: &CancellationToken,
) -> Result<Vec<RemoteAction>, ReadError> {
    engine.list_actions(&ListQuery::default(), cancel).await
}

/// Reads the action `id` in full and makes it the editor's text, as `cxda pull` writes it:
/// what the loop runs for [`RemoteRequest::Open`].
pub async fn open(
    engine: &Engine,
    id: &str,
    cancel: &CancellationToken,
) -> Result<OpenedAction, ReadError> {
    let action = engine.read_action(id, cancel).await?;
    Ok(opened(engine.profile().api, id, &action))
}

/// The server's answer for `id` as the editor gets it.
pub fn opened(api: Api, id: &str, action: &Value) -> OpenedAction {
    OpenedAction {
        id: match &action["id"] {
            Value::String(id) => id.clone(),
            _ => id.to_string(),
        },
        name: action["name"].as_str().unwrap_or_default().to_string(),
        version: action["version"].as_u64(),
        text: editable_payload(api, action),
    }
}

#[cfg(test)]
mod tests;
