//! Small drawing pieces every pane uses: the pane frame and number formatting. A leaf:
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

/// `8192` → `8,192`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::thousands;

    #[test]
    fn thousands_groups_digits_by_three() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(8192), "8,192");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
