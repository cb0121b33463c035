//! The submission in flight, as the attempts panel shows it. CONTRACT STUB: being written.

use std::time::Instant;

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::audit::AuditRecord;
use crate::engine::events::ExecEvent;

/// What the attempts panel knows about the current (or last) submission.
#[derive(Debug, Default)]
pub struct SubmissionView {}

impl SubmissionView {
    /// A new submission of the action `name` to `url` begins (clears the previous one's attempts,
    /// keeps the response chart's history).
    pub fn start(&mut self, _name: String, _url: String, _now: Instant) {}
    /// One executor event, as it arrives.
    pub fn apply(&mut self, _event: &ExecEvent, _now: Instant) {}
    pub fn is_running(&self) -> bool {
        false
    }
    /// True while a countdown is on screen: the event loop ticks only then.
    pub fn countdown_active(&self, _now: Instant) -> bool {
        false
    }
    /// The finished submission's record, once `Finished` arrived.
    pub fn last_record(&self) -> Option<&AuditRecord> {
        None
    }
}

/// The attempts panel: each attempt live and a chart of responses over time.
pub fn draw_attempts(
    _frame: &mut Frame,
    _area: Rect,
    _view: &SubmissionView,
    _now: Instant,
    _focused: bool,
) {
}
