use crate::screen_map::ScreenLine;
use crate::textarea::TextArea;
use crate::util::{char_width, num_digits};
use crate::wrap::WrapMode;
#[cfg(feature = "portable-atomic")]
use portable_atomic::{AtomicU64, Ordering};
use ratatui_core::buffer::{Buffer, CellWidth as _};
use ratatui_core::layout::{Alignment, Rect};
use ratatui_core::text::{Line, Span, Text};
use ratatui_core::widgets::Widget;
use ratatui_widgets::paragraph::Paragraph;
use std::cmp;
#[cfg(not(feature = "portable-atomic"))]
use std::sync::atomic::{AtomicU64, Ordering};
use unicode_segmentation::UnicodeSegmentation as _;

// &mut 'a (u16, u16, u16, u16) is not available since `render` method takes immutable reference of TextArea
// instance. In the case, the TextArea instance cannot be accessed from any other objects since it is mutablly
// borrowed.
//
// `ratatui::Frame::render_stateful_widget` would be an assumed way to render a stateful widget. But at this
// point we stick with using `ratatui::Frame::render_widget` because it is simpler API. Users don't need to
// manage states of textarea instances separately.
// https://docs.rs/ratatui/latest/ratatui/terminal/struct.Frame.html#method.render_stateful_widget
// cxda patch: the scroll position is two u32s (upstream packed it with the size into one
// u64 as four u16s), so that a line past 65,535 columns or a text past 65,535 screen lines
// scrolls to its end: upstream's position wrapped around there and drew the wrong part.
#[derive(Default, Debug)]
pub struct Viewport {
    /// The top row (high half) and the left column (low half) shown.
    top: AtomicU64,
    /// The width (bits 16..32) and height (low 16 bits).
    size: AtomicU64,
}

impl Clone for Viewport {
    fn clone(&self) -> Self {
        Viewport {
            top: AtomicU64::new(self.top.load(Ordering::Relaxed)),
            size: AtomicU64::new(self.size.load(Ordering::Relaxed)),
        }
    }
}

impl Viewport {
    pub fn scroll_top(&self) -> (u32, u32) {
        let u = self.top.load(Ordering::Relaxed);
        ((u >> 32) as u32, u as u32)
    }

    pub fn rect(&self) -> (u32, u32, u16, u16) {
        let (row, col) = self.scroll_top();
        let u = self.size.load(Ordering::Relaxed);
        (row, col, (u >> 16) as u16, u as u16)
    }

    pub fn position(&self) -> (u32, u32, u32, u32) {
        let (row_top, col_top, width, height) = self.rect();
        let row_bottom = row_top.saturating_add(height.into()).saturating_sub(1);
        let col_bottom = col_top.saturating_add(width.into()).saturating_sub(1);

        (
            row_top,
            col_top,
            cmp::max(row_top, row_bottom),
            cmp::max(col_top, col_bottom),
        )
    }

    fn store(&self, row: u32, col: u32, width: u16, height: u16) {
        self.top
            .store((u64::from(row) << 32) | u64::from(col), Ordering::Relaxed);
        self.size.store(
            (u64::from(width) << 16) | u64::from(height),
            Ordering::Relaxed,
        );
    }

    pub fn scroll(&mut self, rows: i16, cols: i16) {
        fn apply_scroll(pos: u32, delta: i16) -> u32 {
            pos.saturating_add_signed(delta.into())
        }

        let (row, col) = self.scroll_top();
        let (row, col) = (apply_scroll(row, rows), apply_scroll(col, cols));
        *self.top.get_mut() = (u64::from(row) << 32) | u64::from(col);
    }
}

#[inline]
fn next_scroll_top(prev_top: u32, cursor: u32, len: u16) -> u32 {
    let len = u32::from(len);
    if cursor < prev_top {
        cursor
    } else if prev_top.saturating_add(len) <= cursor {
        cursor + 1 - len
    } else {
        prev_top
    }
}

/// cxda patch: a screen row or column as the viewport stores it.
fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

// The graphemes of a span that ratatui draws, with their widths in cells. Ratatui draws no
// control chars, so they take no columns here either.
fn drawn_graphemes<'s>(span: &'s Span<'_>) -> impl Iterator<Item = (&'s str, usize)> {
    span.content
        .graphemes(true)
        .filter(|g| !g.contains(char::is_control))
        .map(|g| (g, g.cell_width().into()))
}

// Cut the columns `left..left + width` out of a line. A wide char cut by either edge
// becomes blank cells in its own style, so the other cells keep their columns and a
// cursor on that char is still drawn.
fn clip_line(line: Line<'_>, left: usize, width: usize) -> Line<'_> {
    // `Line::width` gives no cells to the halfwidth sound marks ﾞ and ﾟ, so count the cells
    // ratatui draws.
    let line_width: usize = line
        .spans
        .iter()
        .flat_map(drawn_graphemes)
        .map(|(_, w)| w)
        .sum();
    if left == 0 && line_width <= width {
        return line;
    }
    clip_line_always(line, left, width)
}

/// The clipping of [`clip_line`], also when the line fits.
fn clip_line_always(line: Line<'_>, left: usize, width: usize) -> Line<'_> {
    let right = left + width;
    let mut col = 0;
    let mut spans = Vec::with_capacity(line.spans.len());
    for span in &line.spans {
        let mut text = String::new();
        for (grapheme, grapheme_width) in drawn_graphemes(span) {
            let start = col;
            col += grapheme_width;
            if left <= start && col <= right {
                text.push_str(grapheme);
            } else if start < right && left < col {
                let cells = cmp::min(col, right) - cmp::max(start, left);
                text.extend(std::iter::repeat_n(' ', cells));
            }
        }
        if !text.is_empty() {
            spans.push(Span::styled(text, span.style));
        }
    }
    Line { spans, ..line }
}

impl<'a> TextArea<'a> {
    fn text_widget(
        &'a self,
        top_row: usize,
        height: usize,
        top_col: usize,
        width: u16,
    ) -> Text<'a> {
        let lnum_len = num_digits(self.lines().len());
        let screen_lines = self.screen_lines.borrow();
        let bottom_row = cmp::min(top_row + height, screen_lines.len());
        let mut lines = Vec::with_capacity(bottom_row - top_row);
        for row in &screen_lines[top_row..bottom_row] {
            let line = &self.lines()[row.wrapped.row];
            if let Some(part) = self.visible_line(row, top_col, width.into(), lnum_len) {
                lines.push(part);
                continue;
            }
            let mut spans = self.line_spans_segment(line, &row.wrapped, lnum_len, 0);
            // Scroll here, not with `Paragraph::scroll`, which draws a wide char cut by the left
            // edge whole and drops one cut by the right edge. Like that scroll, only left-aligned
            // text is scrolled.
            if self.alignment() == Alignment::Left {
                spans = clip_line(spans, top_col, width.into());
            }
            lines.push(spans);
        }
        Text::from(lines)
    }

    /// cxda patch: a long line as [`clip_line`] cuts it, built from only the part of it the
    /// viewport shows (found from the line's checkpoints, see `screen_map`) instead of the
    /// whole line, whose every grapheme upstream walked on every frame. The part starts at a
    /// grapheme boundary at the screen column the screen map gives it, which is the column
    /// upstream's walk reaches there whenever each grapheme before it is as wide as its
    /// chars (not so for emoji sequences joined by ZWJ or with a variation selector: there
    /// the part is placed by the columns the cursor is placed by). `None` when the line is
    /// drawn whole, as upstream draws it: a line without checkpoints, with wrapping, not
    /// left-aligned, with a zero tab length (tabs are then not drawn but take a column), or
    /// one that fits the viewport unscrolled (upstream does not clip that one).
    fn visible_line(
        &'a self,
        row: &ScreenLine,
        left: usize,
        width: usize,
        lnum_len: u8,
    ) -> Option<Line<'a>> {
        if self.wrap_mode() != WrapMode::None
            || self.alignment() != Alignment::Left
            || self.tab_length() == 0
        {
            return None;
        }
        let lnum_width = usize::from(self.line_number_width());
        if left == 0 && lnum_width + row.screen_width <= width {
            return None;
        }
        let text_left = left.saturating_sub(lnum_width);
        let text_right = (left + width).saturating_sub(lnum_width);
        let (part, start_col) = self.visible_part(row.wrapped.row, text_left, text_right)?;
        let line = &self.lines()[row.wrapped.row];
        let spans = self.line_spans_segment(line, &part, lnum_len, start_col);
        Some(clip_line_always(spans, left - start_col, width))
    }

    fn scroll_top_row(&self, prev_top: u32, height: u16) -> u32 {
        next_scroll_top(prev_top, to_u32(self.screen_cursor().row), height)
    }

    fn scroll_top_col(&self, prev_top: u32, width: u16) -> u32 {
        let screen = self.screen_cursor();
        let mut cursor = to_u32(screen.col);
        // Adjust the cursor position due to the width of line number.
        if self.line_number_style().is_some() {
            let lnum = u32::from(self.line_number_width());
            if cursor <= lnum {
                cursor *= 2; // Smoothly slide the line number into the screen on scrolling left
            } else {
                cursor += lnum; // The cursor position is shifted by the line number part
            };
        }
        // Scrolling right brings the whole char under the cursor into view, not just its
        // first column. A char wider than the viewport keeps its first column in view.
        // A masked line draws the mask char, so that is the char whose width counts.
        let glyph = screen.char.map(|c| self.mask_char().unwrap_or(c));
        let glyph_width = glyph.map_or(1, char_width).max(1) as u32;
        let right = cursor + glyph_width - 1;
        next_scroll_top(next_scroll_top(prev_top, right, width), cursor, width)
    }
}

impl Widget for &TextArea<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let inner_area = if let Some(b) = self.block() {
            b.inner(area)
        } else {
            area
        };
        let Rect { width, height, .. } = inner_area;

        if self.area.get() != inner_area {
            self.area.set(inner_area);
            // cxda patch: only wrapped lines depend on the viewport's size.
            self.refresh_wrapped_screen_map();
        }

        let (prev_top_row, prev_top_col) = self.viewport.scroll_top();
        let (text, top_row, top_col) = if self.is_empty() && !self.placeholder.lines.is_empty() {
            let mut placeholder = self.placeholder.clone();
            let cursor = Span::styled(" ", self.cursor_style);
            if let Some(first_line) = placeholder.lines.first_mut() {
                first_line.spans.insert(0, cursor);
            } else {
                placeholder.lines.push(Line::from(vec![cursor]));
            }
            (placeholder, 0, 0)
        } else {
            let top_row = self.scroll_top_row(prev_top_row, height);
            let top_col = if self.wrap_mode() == WrapMode::None {
                self.scroll_top_col(prev_top_col, width)
            } else {
                0
            };
            (
                self.text_widget(top_row as _, height as _, top_col as _, width)
                    .style(self.style()),
                top_row,
                top_col,
            )
        };

        // To get fine control over the text color and the surrrounding block they have to be rendered separately
        // see https://github.com/ratatui/ratatui/issues/144
        let mut text_area = area;
        let inner = Paragraph::new(text).alignment(self.alignment());
        if let Some(b) = self.block() {
            text_area = b.inner(area);
            b.render(area, buf)
        }

        // Store scroll top position for rendering on the next tick
        self.viewport.store(top_row, top_col, width, height);

        inner.render(text_area, buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::long_line::CHECKPOINT_BYTES;
    use crate::long_line::test_text::{Rng, long_line};
    use ratatui_core::style::{Color, Style};

    /// Upstream's text for the rows in view: each line built whole, then clipped.
    fn upstream_text<'a>(
        textarea: &'a TextArea<'a>,
        top_row: usize,
        height: usize,
        top_col: usize,
        width: u16,
    ) -> Text<'a> {
        let lnum_len = num_digits(textarea.lines().len());
        let screen_lines = textarea.screen_lines.borrow();
        let bottom_row = cmp::min(top_row + height, screen_lines.len());
        let mut lines = Vec::new();
        for row in &screen_lines[top_row..bottom_row] {
            let line = &textarea.lines()[row.wrapped.row];
            let spans = textarea.line_spans_segment(line, &row.wrapped, lnum_len, 0);
            lines.push(clip_line(spans, top_col, width.into()));
        }
        Text::from(lines)
    }

    /// cxda patch: long lines drawn from the part in view are the cells upstream drew from
    /// the whole lines: with and without line numbers, the cursor anywhere (so scrolled
    /// anywhere), a selection, search matches, tabs, wide chars cut by either edge,
    /// combining and control chars.
    #[test]
    fn long_lines_draw_as_upstream_drew_them() {
        let mut rng = Rng(5);
        let lines: Vec<String> = (0..5)
            .map(|i| match i % 2 {
                0 => long_line(&mut rng, 2 * CHECKPOINT_BYTES + 300),
                _ => "short é\tline".to_string(),
            })
            .collect();
        for numbers in [false, true] {
            for width in [17u16, 40] {
                let mut textarea = TextArea::new(lines.clone());
                if numbers {
                    textarea.set_line_number_style(Style::default().fg(Color::DarkGray));
                }
                #[cfg(feature = "search")]
                textarea
                    .set_search_pattern("é|x0|漢")
                    .expect("a valid pattern");
                let area = Rect::new(0, 0, width, 4);
                for step in 0..120 {
                    let row = rng.below(lines.len());
                    let col = rng.below(lines[row].chars().count() + 1);
                    textarea.jump_to(row, col);
                    if step % 7 == 0 {
                        textarea.start_selection();
                        textarea.jump_to(row, col + rng.below(30));
                    } else {
                        textarea.cancel_selection();
                    }
                    let mut drawn = Buffer::empty(area);
                    (&textarea).render(area, &mut drawn);

                    let (top_row, top_col) = textarea.viewport.scroll_top();
                    let text = upstream_text(&textarea, top_row as _, 4, top_col as _, width)
                        .style(textarea.style());
                    let mut upstream = Buffer::empty(area);
                    Paragraph::new(text).render(area, &mut upstream);
                    assert_eq!(
                        drawn, upstream,
                        "step {step}: at {row}:{col}, width {width}"
                    );
                }
            }
        }
    }

    /// cxda patch: a line far past 65,535 columns scrolls to its end.
    #[test]
    fn a_line_past_65535_columns_scrolls_to_its_end() {
        let mut textarea = TextArea::new(vec![format!("{}END", "a".repeat(70_000))]);
        textarea.jump_to(0, usize::MAX);
        let area = Rect::new(0, 0, 20, 1);
        let mut buffer = Buffer::empty(area);
        (&textarea).render(area, &mut buffer);
        let row: String = (0..20).map(|x| buffer[(x, 0)].symbol()).collect();
        assert!(row.ends_with("aaaEND "), "{row:?}");
    }

    /// cxda patch: select all selects past row and char 65,535.
    #[test]
    fn select_all_reaches_the_end_of_a_long_text() {
        let mut lines: Vec<String> = (0..70_000).map(|i| i.to_string()).collect();
        lines.push("b".repeat(70_000));
        let mut textarea = TextArea::new(lines);
        textarea.select_all();
        assert!(textarea.cut());
        assert_eq!(textarea.lines(), [""]);
    }

    #[test]
    fn viewport_store_and_load() {
        let vp = Viewport::default();
        vp.store(3, 7, 80, 24);
        assert_eq!(vp.scroll_top(), (3, 7));
        let (row, col, width, height) = vp.rect();
        assert_eq!((row, col, width, height), (3, 7, 80, 24));
    }

    #[test]
    fn viewport_clone() {
        let vp = Viewport::default();
        vp.store(5, 2, 40, 10);
        let vp2 = vp.clone();
        assert_eq!(vp2.scroll_top(), (5, 2));
    }
}
