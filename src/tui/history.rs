//! The history view (F2). CONTRACT STUB: being written.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;

use crate::audit::{AuditError, AuditReader, AuditRecord, Cursor, Page};

/// What a key in the history view asks the app to do.
#[derive(Debug)]
pub enum HistoryAction {
    None,
    /// Load the next page back from this cursor (`None`: the newest) on a blocking task and
    /// hand it to [`HistoryView::on_page`].
    LoadPage(Option<Cursor>),
    /// Put this payload text in the editor.
    Reopen(String),
    /// Leave the history view.
    Close,
}

#[derive(Debug, Default)]
pub struct HistoryView {}

impl HistoryView {
    /// Called when the view opens; the first page to load, if none is loaded yet.
    pub fn open(&mut self) -> HistoryAction {
        HistoryAction::None
    }
    pub fn handle_key(&mut self, _key: KeyEvent) -> HistoryAction {
        HistoryAction::None
    }
    pub fn on_page(&mut self, _page: Result<Page, AuditError>) {}
    /// A submission finished: its record goes on top.
    pub fn on_new_record(&mut self, _record: AuditRecord) {}
}

/// Reads one page; blocking, so the app runs it with `spawn_blocking`.
pub fn load_page(
    reader: &AuditReader,
    cursor: Option<&Cursor>,
    limit: usize,
) -> Result<Page, AuditError> {
    reader.page(cursor, limit, crate::audit::Filter::All)
}

pub fn draw_history(_frame: &mut Frame, _area: Rect, _view: &HistoryView) {}
