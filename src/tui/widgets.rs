//! Small drawing pieces every pane uses: the pane frame. A leaf:
//! it depends on nothing else of the studio, so any pane (the app's own, the sandbox
//! controls, the attempts panel) can use it without depending on `ui`.

use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::{Block, BorderType};

/// A pane's frame: the focused one is drawn thick and bright, so that where the keys go
/// is visible at a glance.
pub fn pane_block(title: &str, focused: bool) -> Block<'static> {
    let block = Block::bordered().title(format!(" {title} "));
    if focused {
        block
            .border_type(BorderType::Thick)
            .border_style(Style::default().fg(Color::Cyan))
            .title_style(Style::default().add_modifier(Modifier::BOLD))
    } else {
        block.border_style(Style::default().fg(Color::DarkGray))
    }
}
