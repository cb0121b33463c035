//! Keys that change the embedded sandbox's faults live. CONTRACT STUB: being written.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;

use crate::sandbox::Faults;

#[derive(Debug)]
pub struct SandboxControls {
    current: Faults,
}

impl SandboxControls {
    pub fn new(current: Faults) -> Self {
        SandboxControls { current }
    }
    /// A key pressed while the sandbox pane has focus: `Some(faults)` to apply now.
    pub fn handle_key(&mut self, _key: KeyEvent) -> Option<Faults> {
        None
    }
    pub fn current(&self) -> &Faults {
        &self.current
    }
    pub fn set_current(&mut self, faults: Faults) {
        self.current = faults;
    }
}

pub fn draw_sandbox_controls(
    _frame: &mut Frame,
    _area: Rect,
    _controls: &SandboxControls,
    _focused: bool,
) {
}
