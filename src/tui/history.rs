//! The history view (F2): the audit records newest first, loaded page by
//! page from the tail of `audit.jsonl` (never the whole file), filtered by outcome and by
//! text, with a detail per record and a key that reopens a past payload in the editor.
//!
//! The view owns no I/O. It asks for pages with [`HistoryAction::LoadPage`]; the app runs
//! [`load_page`] on a blocking task and hands the result back to [`HistoryView::on_page`],
//! then calls [`HistoryView::load_more`] (a filtered list that is still short wants the next
//! page without a key press). Finished submissions come in through
//! [`HistoryView::on_new_record`]. Drawing ([`draw_history`]) is pure.
//!
//! Paging rules: at most one page in flight; each cursor is asked for once (the next one
//! comes from the page that answered it); a failed load is shown in the view and retried
//! only when the view is opened again.

mod clean;
mod detail;
mod draw;

use std::collections::HashSet;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::text::Line;

use crate::audit::{AuditError, AuditId, AuditReader, AuditRecord, Cursor, Outcome, Page};
use crate::text::escape_controls;

pub use clean::strip_controls;
pub use detail::body_text;
pub use draw::draw_history;

/// Records asked for per page: a few screens' worth, cheap to read (~100 KiB).
pub const PAGE_SIZE: usize = 200;

/// The next page is asked for once the selection is this close to the end of the (filtered)
/// rows loaded, or a screen, whichever is more; so a filter matching few records keeps
/// loading until it has a screenful.
const PREFETCH_ROWS: usize = 50;

/// Rows PgUp / PgDn move before the first draw has told the view its height.
const DEFAULT_VIEWPORT: usize = 20;

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

/// Which outcomes the list shows; `o` cycles through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutcomeFilter {
    #[default]
    All,
    /// Everything that is not a success ([`Outcome::is_failure`]): rejected, failed,
    /// cancelled, failed webhook deliveries.
    Failed,
    Created,
}

impl OutcomeFilter {
    /// The next filter in the `o` cycle.
    pub fn next(self) -> OutcomeFilter {
        match self {
            OutcomeFilter::All => OutcomeFilter::Failed,
            OutcomeFilter::Failed => OutcomeFilter::Created,
            OutcomeFilter::Created => OutcomeFilter::All,
        }
    }

    pub fn matches(self, outcome: Outcome) -> bool {
        match self {
            OutcomeFilter::All => true,
            OutcomeFilter::Failed => outcome.is_failure(),
            OutcomeFilter::Created => outcome == Outcome::Created,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            OutcomeFilter::All => "all",
            OutcomeFilter::Failed => "failed only",
            OutcomeFilter::Created => "created only",
        }
    }
}

/// Where loading stands.
#[derive(Debug, Default)]
enum Paging {
    /// Nothing asked for yet.
    #[default]
    NotStarted,
    /// This cursor's page is in flight.
    Loading(Option<Cursor>),
    /// More history behind this cursor, not asked for yet.
    More(Cursor),
    /// The oldest record is loaded.
    End,
    /// The last load failed (message escaped for the screen); `retry` is what `open`
    /// asks for again.
    Failed { message: String, retry: Retry },
}

#[derive(Debug)]
enum Retry {
    From(Option<Cursor>),
    /// The cursor's segment is gone (`StaleCursor`): start over from the newest.
    Restart,
}

/// The detail of one record, its lines built when it opened.
#[derive(Debug)]
struct Detail {
    id: AuditId,
    lines: Vec<Line<'static>>,
    scroll: usize,
}

/// The history view's state. `Default` is an empty view that loads on [`HistoryView::open`].
#[derive(Debug, Default)]
pub struct HistoryView {
    /// Every record loaded, newest first.
    records: Vec<AuditRecord>,
    /// Their ids: a record can arrive both from a page and from `on_new_record`.
    ids: HashSet<AuditId>,
    /// Indices into `records` of the rows the filters let through, in order.
    visible: Vec<usize>,
    /// Index into `visible` of the selected row.
    selected: usize,
    /// Index into `visible` of the first row drawn.
    top: usize,
    paging: Paging,
    /// Torn or corrupt lines passed over by every page so far.
    skipped: usize,
    outcome: OutcomeFilter,
    /// The text filter, as typed.
    text: String,
    /// Keys go to the text filter (after `/`).
    typing: bool,
    detail: Option<Detail>,
    /// A one-line message for the footer (e.g. why `r` did nothing); cleared by the next key.
    notice: Option<String>,
    /// Rows the last draw had room for (the list's or the detail's); drawing is `&self`,
    /// so it records this through a `Cell` for PgUp / PgDn and scrolling.
    viewport: std::cell::Cell<usize>,
}

/// The keys of the history view, for the help overlay.
pub fn key_help() -> &'static [(&'static str, &'static str)] {
    &[
        ("F2", "open the history"),
        (
            "↑ ↓ PgUp PgDn Home End",
            "move through the history / scroll the detail",
        ),
        ("Enter", "open the selected record's detail"),
        (
            "/",
            "filter by text (name, correlation id, status, id); Enter keeps, Esc clears",
        ),
        ("o", "cycle the outcome filter: all → failed → created"),
        ("r", "reopen the record's request body in the editor"),
        ("Esc", "close the detail, else the history"),
    ]
}

impl HistoryView {
    pub fn new() -> HistoryView {
        HistoryView::default()
    }

    /// Called when the view opens; the first page to load, if none is loaded yet (or a
    /// retry of the load that failed).
    pub fn open(&mut self) -> HistoryAction {
        if let Paging::Failed { retry, .. } = &self.paging {
            let from = match retry {
                Retry::From(cursor) => cursor.clone(),
                Retry::Restart => {
                    // The loaded rows may overlap what the restart reads; ids dedupe them,
                    // but the order would not hold, so start from empty.
                    self.records.clear();
                    self.ids.clear();
                    self.rebuild_visible();
                    None
                }
            };
            self.paging = Paging::Loading(from.clone());
            return HistoryAction::LoadPage(from);
        }
        self.load_more()
    }

    /// The next page to load, if one is wanted now: the first page, or the next one when the
    /// selection is near the end of the rows shown (which a short filtered list always is).
    /// Never while a page is in flight, after the end, or after a failure. The app calls this
    /// after [`HistoryView::on_page`]; key handling calls it itself.
    pub fn load_more(&mut self) -> HistoryAction {
        match &self.paging {
            Paging::NotStarted => {
                self.paging = Paging::Loading(None);
                HistoryAction::LoadPage(None)
            }
            Paging::More(cursor) if self.near_end() => {
                let cursor = cursor.clone();
                self.paging = Paging::Loading(Some(cursor.clone()));
                HistoryAction::LoadPage(Some(cursor))
            }
            _ => HistoryAction::None,
        }
    }

    fn near_end(&self) -> bool {
        let margin = PREFETCH_ROWS.max(self.viewport_rows());
        self.visible.len().saturating_sub(self.selected) <= margin
    }

    fn viewport_rows(&self) -> usize {
        match self.viewport.get() {
            0 => DEFAULT_VIEWPORT,
            rows => rows,
        }
    }

    pub fn handle_key(&mut self, key: KeyEvent) -> HistoryAction {
        if key.kind == KeyEventKind::Release {
            return HistoryAction::None;
        }
        self.notice = None;
        if self.detail.is_some() {
            return self.detail_key(key);
        }
        if self.typing {
            return self.typing_key(key);
        }
        // Ctrl / Alt chords belong to the app (Ctrl+Q, …), not to `r` or `o`.
        let plain = !key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        match key.code {
            KeyCode::Esc => return HistoryAction::Close,
            KeyCode::Enter => self.open_detail(),
            KeyCode::Char('/') if plain => self.typing = true,
            KeyCode::Char('o') if plain => self.set_outcome(self.outcome.next()),
            KeyCode::Char('r') if plain => return self.reopen(),
            code => self.move_key(code),
        }
        self.load_more()
    }

    /// The mouse wheel: `rows` down (negative: up) through the list, or through the detail
    /// when it is open. Scrolling towards the oldest loaded record reads further back.
    pub fn wheel(&mut self, rows: i16) -> HistoryAction {
        self.notice = None;
        let motion = Motion::By(isize::from(rows));
        if self.detail.is_some() {
            self.scroll_detail(motion);
            return HistoryAction::None;
        }
        self.move_selection(motion);
        self.load_more()
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

    /// The detail scrolls until its last line is at the bottom of the view.
    fn scroll_detail(&mut self, motion: Motion) {
        let page = self.viewport_rows().max(1);
        if let Some(detail) = self.detail.as_mut() {
            let last = detail.lines.len().saturating_sub(page);
            detail.scroll = motion.apply(detail.scroll, last);
        }
    }

    fn typing_key(&mut self, key: KeyEvent) -> HistoryAction {
        match filter_key(key, &self.text) {
            FilterKey::Keep => self.typing = false,
            FilterKey::Set { text, done } => {
                self.typing = !done;
                self.set_text(text);
            }
            FilterKey::Move(code) => self.move_key(code),
        }
        self.load_more()
    }

    fn detail_key(&mut self, key: KeyEvent) -> HistoryAction {
        let plain = !key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        match key.code {
            KeyCode::Esc => {
                self.detail = None;
                return HistoryAction::None;
            }
            KeyCode::Char('r') if plain => return self.reopen(),
            _ => {}
        }
        if let Some(motion) = Motion::of_key(key.code, self.viewport_rows()) {
            self.scroll_detail(motion);
        }
        HistoryAction::None
    }

    fn open_detail(&mut self) {
        if let Some(record) = self.selected_record() {
            self.detail = Some(Detail {
                id: record.id,
                lines: detail::build(record),
                scroll: 0,
            });
        }
    }

    /// `r`: the selected (or detailed) record's request body as editor text.
    fn reopen(&mut self) -> HistoryAction {
        let record = match &self.detail {
            Some(detail) => self.records.iter().find(|r| r.id == detail.id),
            None => self.selected_record(),
        };
        let Some(record) = record else {
            self.notice = Some("no record selected".into());
            return HistoryAction::None;
        };
        match payload_text(record) {
            Some(text) => {
                if record.request.truncated {
                    self.notice =
                        Some("reopened a truncated body: only its first 256 KiB was stored".into());
                }
                HistoryAction::Reopen(text)
            }
            None => {
                self.notice = Some("this record has no request body to reopen".into());
                HistoryAction::None
            }
        }
    }

    pub fn on_page(&mut self, page: Result<Page, AuditError>) {
        let page = match page {
            Ok(page) => page,
            Err(error) => {
                let retry = match (&error, std::mem::take(&mut self.paging)) {
                    (AuditError::StaleCursor { .. }, _) => Retry::Restart,
                    (_, Paging::Loading(cursor)) => Retry::From(cursor),
                    (_, Paging::More(cursor)) => Retry::From(Some(cursor)),
                    (_, _) => Retry::From(None),
                };
                self.paging = Paging::Failed {
                    message: escape_controls(&error.to_string()).into_owned(),
                    retry,
                };
                return;
            }
        };
        self.skipped += page.skipped;
        for record in page.records {
            if self.ids.insert(record.id) {
                if self.matches(&record) {
                    self.visible.push(self.records.len());
                }
                self.records.push(record);
            }
        }
        // Only the answer to the page asked for moves the paging on; a stray page (the app
        // loading on its own) still adds its records.
        if matches!(self.paging, Paging::Loading(_) | Paging::NotStarted) {
            self.paging = match page.next {
                Some(cursor) => Paging::More(cursor),
                None => Paging::End,
            };
        }
    }

    /// A submission finished: its record goes on top. The selected row stays on the record
    /// it was on.
    pub fn on_new_record(&mut self, record: AuditRecord) {
        if !self.ids.insert(record.id) {
            return;
        }
        let shown = self.matches(&record);
        self.records.insert(0, record);
        self.rebuild_visible_keeping(shown);
    }

    fn rebuild_visible_keeping(&mut self, new_on_top_shown: bool) {
        let had_rows = !self.visible.is_empty();
        self.rebuild_visible();
        if new_on_top_shown && had_rows {
            self.selected += 1;
            // When scrolled away from the top, the rows on screen stay put; at the top, the
            // new record shows above the selection.
            if self.top > 0 {
                self.top += 1;
            }
            self.keep_selection_in_view();
        }
    }

    fn matches(&self, record: &AuditRecord) -> bool {
        self.outcome.matches(record.outcome) && text_matches(record, &self.text)
    }

    fn rebuild_visible(&mut self) {
        let visible = (0..self.records.len())
            .filter(|&i| self.matches(&self.records[i]))
            .collect();
        self.visible = visible;
        self.selected = self.selected.min(self.visible.len().saturating_sub(1));
        self.keep_selection_in_view();
    }

    /// A filter changed: keep the selected record selected if it still shows, else go to
    /// the top.
    fn refilter(&mut self) {
        let was = self.visible.get(self.selected).copied();
        self.rebuild_visible();
        self.selected = was
            .and_then(|index| self.visible.iter().position(|&i| i == index))
            .unwrap_or(0);
        self.top = 0;
        self.keep_selection_in_view();
    }

    fn set_outcome(&mut self, outcome: OutcomeFilter) {
        self.outcome = outcome;
        self.refilter();
    }

    fn set_text(&mut self, text: String) {
        self.text = text;
        self.refilter();
    }

    fn keep_selection_in_view(&mut self) {
        let rows = self.viewport_rows().max(1);
        if self.selected < self.top {
            self.top = self.selected;
        } else if self.selected >= self.top + rows {
            self.top = self.selected + 1 - rows;
        }
    }

    /// The record under the selection, if any row shows.
    pub fn selected_record(&self) -> Option<&AuditRecord> {
        self.visible
            .get(self.selected)
            .and_then(|&i| self.records.get(i))
    }

    /// The records that pass the filters, newest first.
    pub fn visible_records(&self) -> impl Iterator<Item = &AuditRecord> {
        self.visible.iter().filter_map(|&i| self.records.get(i))
    }

    /// How many records are loaded (filtered or not).
    pub fn loaded(&self) -> usize {
        self.records.len()
    }

    /// Whether a record's detail is open (`Esc` then closes it rather than the view).
    pub fn detail_open(&self) -> bool {
        self.detail.is_some()
    }

    /// Whether keys are going to the text filter: the app should pass every key here
    /// (letters included) rather than treat them as its own shortcuts.
    pub fn typing(&self) -> bool {
        self.typing
    }

    pub fn outcome_filter(&self) -> OutcomeFilter {
        self.outcome
    }

    pub fn text_filter(&self) -> &str {
        &self.text
    }

    /// Torn or corrupt lines skipped so far.
    pub fn skipped(&self) -> usize {
        self.skipped
    }

    /// Whether a page is in flight.
    pub fn loading(&self) -> bool {
        matches!(self.paging, Paging::Loading(_))
    }

    /// Whether the oldest record is loaded.
    pub fn at_end(&self) -> bool {
        matches!(self.paging, Paging::End)
    }

    /// The last load's error, escaped for the screen.
    pub fn error(&self) -> Option<&str> {
        match &self.paging {
            Paging::Failed { message, .. } => Some(message),
            _ => None,
        }
    }
}

/// Whether `needle` occurs in the record's action name, correlation id, status or id,
/// ignoring case. An empty needle matches everything.
fn text_matches(record: &AuditRecord, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    let needle = needle.to_lowercase();
    let status = record.status.map(|s| s.to_string()).unwrap_or_default();
    [
        record.action_name.as_str(),
        record.correlation_id.as_str(),
        status.as_str(),
        &record.id.to_string(),
    ]
    .iter()
    .any(|field| contains_ignore_case(field, &needle))
}

/// What a key does to a text filter being typed (History's and the Remote view's).
pub(crate) enum FilterKey {
    /// `Enter`: the filter stays, typing ends.
    Keep,
    /// The filter becomes `text`; `done` when typing ends too (`Esc` clears it).
    Set { text: String, done: bool },
    /// Not a filter key: it moves through the list.
    Move(KeyCode),
}

pub(crate) fn filter_key(key: KeyEvent, text: &str) -> FilterKey {
    match key.code {
        KeyCode::Enter => FilterKey::Keep,
        KeyCode::Esc => FilterKey::Set {
            text: String::new(),
            done: true,
        },
        KeyCode::Backspace => {
            let mut text = text.to_string();
            text.pop();
            FilterKey::Set { text, done: false }
        }
        KeyCode::Char(c)
            if !key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
        {
            let mut text = text.to_string();
            text.push(c);
            FilterKey::Set { text, done: false }
        }
        code => FilterKey::Move(code),
    }
}

/// `needle_lower` is lower case already. ASCII haystacks (the common case) are compared
/// without allocating.
pub(crate) fn contains_ignore_case(haystack: &str, needle_lower: &str) -> bool {
    if haystack.is_ascii() && needle_lower.is_ascii() {
        let (h, n) = (haystack.as_bytes(), needle_lower.as_bytes());
        return n.len() <= h.len() && h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n));
    }
    haystack.to_lowercase().contains(needle_lower)
}

/// A record's request body as payload text for the editor: JSON pretty-printed, text as
/// stored, control characters stripped (they cannot be part of a valid payload outside JSON
/// escapes, and the editor draws what it holds). `None` when it had no body.
pub fn payload_text(record: &AuditRecord) -> Option<String> {
    let text = body_text(&record.request.body, record.request.truncated)?;
    Some(strip_controls(&text).into_owned())
}

/// Reads one page; blocking, so the app runs it with `spawn_blocking`.
pub fn load_page(
    reader: &AuditReader,
    cursor: Option<&Cursor>,
    limit: usize,
) -> Result<Page, AuditError> {
    reader.page(cursor, limit, crate::audit::Filter::All)
}

/// A move through the list or the detail: by rows (the arrows, a page, the wheel), or to
/// either end. The Remote view moves through its list the same way.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Motion {
    By(isize),
    Home,
    End,
}

impl Motion {
    pub(crate) fn of_key(code: KeyCode, page: usize) -> Option<Motion> {
        let page = isize::try_from(page.max(1)).unwrap_or(isize::MAX);
        Some(match code {
            KeyCode::Up => Motion::By(-1),
            KeyCode::Down => Motion::By(1),
            KeyCode::PageUp => Motion::By(-page),
            KeyCode::PageDown => Motion::By(page),
            KeyCode::Home => Motion::Home,
            KeyCode::End => Motion::End,
            _ => return None,
        })
    }

    /// `from` moved, within `0..=last`.
    pub(crate) fn apply(self, from: usize, last: usize) -> usize {
        match self {
            Motion::By(rows) if rows < 0 => from.saturating_sub(rows.unsigned_abs()),
            Motion::By(rows) => from.saturating_add(rows.unsigned_abs()).min(last),
            Motion::Home => 0,
            Motion::End => last,
        }
    }
}

#[cfg(test)]
mod tests;
