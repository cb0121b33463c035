//! Small drawing pieces every pane uses: the pane frame, and the selectable list the
//! History and Remote views draw (its window of rows and its table). A leaf:
//! it depends on nothing else of the studio, so any pane (the app's own, the sandbox
//! controls, the attempts panel) can use it without depending on `ui`.

use ratatui::Frame;
use ratatui::layout::{Margin, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::{
    Block, BorderType, HighlightSpacing, Scrollbar, ScrollbarOrientation, ScrollbarState, Table,
    TableState,
};

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

/// The rows of a list of `len` items that show in `rows_fit` rows: the selection clamped
/// to the list, and the first row moved only as far as it takes to keep it in view. The
/// key handlers keep `top` right for the last height; a resize since then is fixed here
/// without mutating the view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListWindow {
    pub len: usize,
    pub rows_fit: usize,
    pub selected: usize,
    pub top: usize,
    /// One past the last row shown.
    pub end: usize,
}

impl ListWindow {
    pub fn new(len: usize, selected: usize, top: usize, rows_fit: usize) -> ListWindow {
        let selected = selected.min(len.saturating_sub(1));
        let top = if selected < top {
            selected
        } else if selected >= top + rows_fit {
            selected + 1 - rows_fit
        } else {
            top
        };
        let end = (top + rows_fit).min(len);
        ListWindow {
            len,
            rows_fit,
            selected,
            top: top.min(end),
            end,
        }
    }

    /// Draws `table` (the window's rows) with the selected row highlighted, and a scrollbar
    /// along `frame_area` (the bordered box) when the list does not fit.
    pub fn render(&self, frame: &mut Frame, table: Table, table_area: Rect, frame_area: Rect) {
        let table = table
            .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED))
            .highlight_symbol("> ")
            .highlight_spacing(HighlightSpacing::Always);
        let mut state =
            TableState::new().with_selected((self.len > 0).then_some(self.selected - self.top));
        frame.render_stateful_widget(table, table_area, &mut state);
        if self.len > self.rows_fit {
            let mut scroll = ScrollbarState::new(self.len).position(self.selected);
            frame.render_stateful_widget(
                Scrollbar::new(ScrollbarOrientation::VerticalRight),
                frame_area.inner(Margin {
                    vertical: 1,
                    horizontal: 0,
                }),
                &mut scroll,
            );
        }
    }
}
