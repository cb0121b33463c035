//! cxda patch: long lines. A line longer than [`CHECKPOINT_BYTES`] keeps checkpoints (where
//! it is, every few KiB: char count and screen column), so that the cursor's column, the
//! char at a column and the part of the line in view are found from the nearest one, and a
//! keystroke moves the checkpoints after it instead of measuring the line again. Upstream
//! walked the whole line several times per keystroke and frame. See `PATCHED.md`.

use crate::screen_map::{DataLine, char_display_width, display_width, width_from};
use crate::textarea::TextArea;
use crate::wrap::WrappedLine;
use unicode_segmentation::GraphemeCursor;

/// cxda patch: how far apart a long line's checkpoints are, in bytes.
pub(crate) const CHECKPOINT_BYTES: usize = 4096;

/// cxda patch: a place in a long line with the char index and the screen column it is at,
/// so that finding the column of a char, the char at a column or the part of the line the
/// viewport shows starts at the nearest checkpoint instead of the line's start. A keystroke
/// at the end of a one-line 1 MiB JSON text walked the whole line several times per frame
/// (the cursor's column twice, the char under it, and the drawing, grapheme by grapheme).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Checkpoint {
    /// A char boundary of the line.
    pub byte: usize,
    /// The number of chars before `byte`.
    pub chars: usize,
    /// The screen column `byte` starts at.
    pub col: usize,
}

/// The checkpoints of a long line, and its tabs, whose columns an edit before them can
/// change by other than the edit's width.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct LongLine {
    pub checkpoints: Vec<Checkpoint>,
    pub tabs: usize,
}

impl DataLine {
    /// The line's checkpoints; none for a line that is not long.
    pub(crate) fn checkpoints(&self) -> &[Checkpoint] {
        self.long.as_ref().map_or(&[], |long| &long.checkpoints)
    }
}

/// cxda patch: the last checkpoint for which `before` holds (`before` holds for a prefix of
/// the checkpoints), or the line's start.
pub(crate) fn checkpoint_where(
    checkpoints: &[Checkpoint],
    before: impl Fn(&Checkpoint) -> bool,
) -> Checkpoint {
    let n = checkpoints.partition_point(before);
    n.checked_sub(1)
        .map_or_else(Checkpoint::default, |i| checkpoints[i])
}

/// cxda patch: the width, char count and checkpoints of a whole line, in one pass. The line
/// is measured a block of `CHECKPOINT_BYTES` at a time, each block from the column the one
/// before ended at, so the width is the one `display_width` gives.
pub(crate) fn measure_line(
    line: &str,
    tab_len: u8,
    mask: Option<char>,
) -> (usize, usize, Vec<Checkpoint>) {
    if line.len() <= CHECKPOINT_BYTES {
        return (
            display_width(line, tab_len, mask),
            line.chars().count(),
            Vec::new(),
        );
    }
    let mut checkpoints = Vec::with_capacity(line.len() / CHECKPOINT_BYTES);
    let (mut byte, mut chars, mut col) = (0, 0, 0);
    while byte < line.len() {
        let mut end = (byte + CHECKPOINT_BYTES).min(line.len());
        while !line.is_char_boundary(end) {
            end += 1;
        }
        let block = &line[byte..end];
        col = width_from(block, col, usize::MAX, tab_len, mask);
        chars += block.chars().count();
        byte = end;
        if byte < line.len() {
            checkpoints.push(Checkpoint { byte, chars, col });
        }
    }
    (col, chars, checkpoints)
}

/// cxda patch: the grapheme boundary at or before (`forward` false) or at or after `byte`,
/// a char boundary of `line`; `None` if the segmenter asks for more context than the line.
fn grapheme_boundary(line: &str, byte: usize, forward: bool) -> Option<usize> {
    let mut cursor = GraphemeCursor::new(byte, line.len(), true);
    if cursor.is_boundary(line, 0).ok()? {
        return Some(byte);
    }
    let found = if forward {
        cursor.next_boundary(line, 0)
    } else {
        cursor.prev_boundary(line, 0)
    };
    found.ok()?.or(Some(if forward { line.len() } else { 0 }))
}

impl TextArea<'_> {
    /// cxda patch: brings the screen map up to date after an edit within the line `row` that
    /// replaced `removed` at byte `at` with `inserted`. A long line without tabs is not
    /// measured again: its width and char count change by those of the two texts and its
    /// checkpoints after the edit move by them, so a keystroke costs the same at any line
    /// length. Anything else is measured again, as [`TextArea::screen_map_edited`] does.
    pub(crate) fn screen_map_line_edited(
        &self,
        row: usize,
        at: usize,
        removed: &str,
        inserted: &str,
    ) {
        if !self.shift_long_line(row, at, removed, inserted) {
            self.screen_map_edited(row, row);
        }
    }

    /// The in-place update of [`TextArea::screen_map_line_edited`]; false when it does not
    /// apply.
    fn shift_long_line(&self, row: usize, at: usize, removed: &str, inserted: &str) -> bool {
        let line = &self.lines[row];
        let mut screen_lines = self.screen_lines.borrow_mut();
        let mut data_pointers = self.data_pointers.borrow_mut();
        let one_to_one =
            screen_lines.len() == self.lines.len() && data_pointers.len() == self.lines.len();
        let (Some(screen), Some(data)) = (screen_lines.get_mut(row), data_pointers.get_mut(row))
        else {
            return false;
        };
        let Some(long) = data.long.as_mut() else {
            return false;
        };
        let has_tab = |text: &str| text.contains('\t');
        let applies = one_to_one
            && self.wrap_width().is_none()
            && long.tabs == 0
            && !has_tab(inserted)
            && line.len() > CHECKPOINT_BYTES
            && inserted.len() <= CHECKPOINT_BYTES
            && screen.wrapped.end_byte + inserted.len() == line.len() + removed.len()
            && line.get(at..at + inserted.len()) == Some(inserted);
        if !applies {
            return false;
        }
        let (tab_len, mask) = (self.tab_length(), self.mask_char());
        let width = |text: &str| width_from(text, 0, usize::MAX, tab_len, mask);
        let (removed_chars, inserted_chars) = (removed.chars().count(), inserted.chars().count());
        let (removed_width, inserted_width) = (width(removed), width(inserted));
        let end = at + removed.len();
        let checkpoints = &mut long.checkpoints;
        checkpoints.retain(|c| c.byte <= at || c.byte >= end);
        // A checkpoint at `at` keeps its place: the text before it is unchanged.
        for c in checkpoints.iter_mut().filter(|c| c.byte > at) {
            c.byte = c.byte + inserted.len() - removed.len();
            c.chars = c.chars + inserted_chars - removed_chars;
            c.col = c.col + inserted_width - removed_width;
        }
        // Typing in one place widens the gap there; past twice the spacing (or with no
        // checkpoint left), measure again.
        let next = checkpoints.partition_point(|c| c.byte <= at);
        let before = next.checked_sub(1).map_or(0, |i| checkpoints[i].byte);
        let after = checkpoints.get(next).map_or(line.len(), |c| c.byte);
        if checkpoints.is_empty() || after - before > 2 * CHECKPOINT_BYTES {
            return false;
        }
        screen.wrapped.end_byte = line.len();
        screen.wrapped.end_col = screen.wrapped.end_col + inserted_chars - removed_chars;
        screen.screen_width = screen.screen_width + inserted_width - removed_width;
        screen.cursor_max_col = screen.screen_width;
        true
    }

    /// cxda patch: the part of the long line `row` that columns `text_left..text_right` of
    /// its text show when lines do not wrap, widened to grapheme boundaries, with the column
    /// it starts at; found from the nearest checkpoints. `None` for a line without
    /// checkpoints (draw it whole, as upstream does).
    pub(crate) fn visible_part(
        &self,
        row: usize,
        text_left: usize,
        text_right: usize,
    ) -> Option<(WrappedLine, usize)> {
        let data_pointers = self.data_pointers.borrow();
        let checkpoints = data_pointers.get(row)?.checkpoints();
        if checkpoints.is_empty() {
            return None;
        }
        let line = &self.lines[row];
        let (tab_len, mask) = (self.tab_length(), self.mask_char());
        // Where the column of `byte`, a char boundary, and the chars before it are.
        let locate = |byte: usize| -> Option<(usize, usize)> {
            let ck = checkpoint_where(checkpoints, |c| c.byte <= byte);
            let part = line.get(ck.byte..byte)?;
            let col = width_from(part, ck.col, usize::MAX, tab_len, mask);
            Some((col, ck.chars + part.chars().count()))
        };

        // The first char that reaches past `text_left`, then back to a grapheme's start.
        let ck = checkpoint_where(checkpoints, |c| c.col <= text_left);
        let (mut byte, mut col) = (ck.byte, ck.col);
        for (i, c) in line.get(ck.byte..)?.char_indices() {
            let width = char_display_width(c, col, tab_len, mask);
            if col + width > text_left {
                break;
            }
            col += width;
            byte = ck.byte + i + c.len_utf8();
        }
        let start = grapheme_boundary(line, byte, false)?;
        let (mut start, mut start_col, mut start_chars) = (start, 0, 0);
        if start > 0 {
            (start_col, start_chars) = locate(start)?;
        }
        // Nothing drawn before it: the line number stays a number, as upstream draws it.
        if start_col == 0 {
            (start, start_chars) = (0, 0);
        }

        // Past the last char that starts before `text_right`, then on to a grapheme's end.
        let (mut byte, mut col) = (start, start_col);
        for (i, c) in line[start..].char_indices() {
            if col >= text_right {
                break;
            }
            col += char_display_width(c, col, tab_len, mask);
            byte = start + i + c.len_utf8();
        }
        let end = grapheme_boundary(line, byte, true)?;
        let end_chars = start_chars + line[start..end].chars().count();
        let part = WrappedLine {
            row,
            start_byte: start,
            end_byte: end,
            start_col: start_chars,
            end_col: end_chars,
            first_in_row: start == 0,
            last_in_row: end == line.len(),
        };
        Some((part, start_col))
    }
}

/// cxda patch: text for the equivalence tests of the long-line paths.
#[cfg(test)]
pub(crate) mod test_text {
    /// What long lines are made of: JSON-like ASCII, and around it the chars whose columns
    /// are not one per byte (tabs, controls, two-byte, wide, combining, the halfwidth sound
    /// mark that takes a cell).
    const PIECES: [&str; 12] = [
        "{\"sku\": \"SKU-000123\", \"qty\": 42}, ",
        "é",
        "漢字",
        "e\u{301}",
        "\t",
        "\u{1}",
        "ｶﾞ",
        "a",
        " ",
        "\"note\": \"line\\nbreak\", ",
        "ß",
        "0123456789abcdef",
    ];

    /// A xorshift generator: the same pseudo-random sequence on every run.
    pub(crate) struct Rng(pub u64);

    impl Rng {
        pub(crate) fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n.max(1) as u64) as usize
        }
    }

    /// A line of at least `bytes` bytes of pieces picked by `rng`, mostly ASCII.
    pub(crate) fn long_line(rng: &mut Rng, bytes: usize) -> String {
        let mut line = String::new();
        while line.len() < bytes {
            let piece = match rng.below(4) {
                0 => PIECES[rng.below(PIECES.len())],
                _ => PIECES[0],
            };
            line.push_str(piece);
        }
        line
    }
}

#[cfg(test)]
mod tests {
    use super::test_text::{Rng, long_line};
    use super::*;
    use crate::cursor::{DataCursor, ScreenCursor};
    use crate::screen_map::char_offset_for_screen_col;

    /// cxda patch: a long line's measure is the upstream one (width, char count), and each
    /// checkpoint holds the char count and the column of the text before it.
    #[test]
    fn long_line_measure_equals_the_whole_line_walk() {
        let mut rng = Rng(7);
        for bytes in [CHECKPOINT_BYTES + 1, 3 * CHECKPOINT_BYTES + 77] {
            let line = long_line(&mut rng, bytes);
            for (tab_len, mask) in [(4, None), (2, None), (0, None), (4, Some('*'))] {
                let (width, chars, checkpoints) = measure_line(&line, tab_len, mask);
                assert_eq!(width, display_width(&line, tab_len, mask));
                assert_eq!(chars, line.chars().count());
                assert!(checkpoints.len() >= bytes / CHECKPOINT_BYTES);
                for ck in checkpoints {
                    let before = &line[..ck.byte];
                    assert_eq!(ck.chars, before.chars().count());
                    assert_eq!(ck.col, display_width(before, tab_len, mask));
                }
            }
        }
    }

    /// cxda patch: in a long line, the column of every char, the char under the cursor and
    /// the char at every column are those the walk from the line's start gives.
    #[test]
    fn checkpoint_lookups_equal_the_whole_line_walk() {
        let mut rng = Rng(11);
        let line = long_line(&mut rng, 2 * CHECKPOINT_BYTES + 500);
        for (tab_len, mask) in [(4, None), (3, None), (4, Some('漢'))] {
            let mut textarea = TextArea::from([line.as_str()]);
            textarea.set_tab_length(tab_len);
            if let Some(mask) = mask {
                textarea.set_mask_char(mask);
            }
            let checkpoints = textarea.data_pointers.borrow()[0].checkpoints().to_vec();
            assert!(!checkpoints.is_empty());
            // Every 5th char or column, and every one near a checkpoint.
            let sampled = |n: usize, at: fn(&Checkpoint) -> usize| {
                n % 5 == 0 || checkpoints.iter().any(|c| at(c).abs_diff(n) < 24)
            };
            // The walk from the line's start, once: each char's column and width.
            let chars: Vec<char> = line.chars().collect();
            let mut cols = vec![0];
            for &c in &chars {
                let col = cols[cols.len() - 1];
                cols.push(col + char_display_width(c, col, tab_len, mask));
            }
            for (i, &col) in cols.iter().enumerate() {
                if !sampled(i, |c| c.chars) {
                    continue;
                }
                let sc = textarea.array_to_screen(DataCursor(0, i));
                assert_eq!(sc.col, col, "column of char {i}");
                assert_eq!(sc.char, chars.get(i).copied(), "char {i}");
            }
            // `char_offset_for_screen_col`: the chars that end at or before the column,
            // stopping at the first that starts at it.
            let mut want = 0;
            for screen_col in 0..=cols[chars.len()] + 2 {
                while want < chars.len() && cols[want] < screen_col && cols[want + 1] <= screen_col
                {
                    want += 1;
                }
                if !sampled(screen_col, |c| c.col) {
                    continue;
                }
                let sc = ScreenCursor {
                    row: 0,
                    col: screen_col,
                    char: None,
                    dc: None,
                };
                assert_eq!(
                    textarea.screen_to_array(sc),
                    DataCursor(0, want),
                    "{screen_col}"
                );
            }
            // Spot checks of that reading against the upstream function itself.
            for screen_col in [0, 1, 4095, 4096, 4100, cols[chars.len()]] {
                let sc = ScreenCursor {
                    row: 0,
                    col: screen_col,
                    char: None,
                    dc: None,
                };
                let want = char_offset_for_screen_col(&line, screen_col, tab_len, mask);
                assert_eq!(textarea.screen_to_array(sc), DataCursor(0, want));
            }
        }
    }

    /// The map as a full rebuild of the same text makes it, but for where the checkpoints
    /// of a long line are: each must hold the char count and the column of the text before
    /// it, no two more than twice their spacing apart, as many as the line needs.
    fn assert_map_is_rebuilt_map(textarea: &TextArea<'_>, step: &str) {
        let mut fresh = TextArea::new(textarea.lines.clone());
        fresh.set_tab_length(textarea.tab_length());
        let (tab_len, mask) = (textarea.tab_length(), textarea.mask_char());
        let got = format!("{:?}", textarea.screen_lines.borrow());
        let want = format!("{:?}", fresh.screen_lines.borrow());
        assert!(got == want, "after {step}: the edited screen lines differ");
        let (data, fresh_data) = (
            textarea.data_pointers.borrow(),
            fresh.data_pointers.borrow(),
        );
        assert_eq!(data.len(), fresh_data.len(), "after {step}");
        for (row, (got, want)) in data.iter().zip(fresh_data.iter()).enumerate() {
            let line = &textarea.lines[row];
            let at = format!("after {step}, row {row}");
            assert_eq!(got.first_screen_line, want.first_screen_line, "{at}");
            assert_eq!(got.screen_line_count, want.screen_line_count, "{at}");
            let tabs = |data: &DataLine| data.long.as_ref().map(|long| long.tabs);
            assert_eq!(tabs(got), tabs(want), "{at}");
            let mut last = 0;
            for ck in got.checkpoints() {
                let before = line.get(..ck.byte).expect("a char boundary");
                assert_eq!(ck.chars, before.chars().count(), "{at}");
                assert_eq!(ck.col, display_width(before, tab_len, mask), "{at}");
                assert!(
                    ck.byte > last && ck.byte - last <= 2 * CHECKPOINT_BYTES,
                    "{at}"
                );
                last = ck.byte;
            }
            assert!(line.len() - last <= 2 * CHECKPOINT_BYTES, "{at}");
        }
    }

    /// cxda patch: after every kind of edit, undo and redo, on short and long lines, the map
    /// that re-measures only what an edit changed is the map a full rebuild makes.
    #[test]
    fn edited_map_equals_a_full_rebuild() {
        let mut rng = Rng(3);
        let mut lines = Vec::new();
        for i in 0..6 {
            lines.push(format!("  \"k{i}\": \"é\tx\","));
        }
        let mut textarea = TextArea::new(lines);
        textarea.set_tab_length(2);
        let (mut moved, mut measured) = (0, 0);
        for step in 0..1000 {
            // Keep a long line with tabs (measured again on each edit) and one without
            // (whose map is moved, not measured) in the text.
            for tabs in [false, true] {
                let long = |l: &String| l.len() > CHECKPOINT_BYTES && l.contains('\t') == tabs;
                if !textarea.lines.iter().any(long) {
                    let line = long_line(&mut rng, 2 * CHECKPOINT_BYTES);
                    let line = if tabs {
                        line + "\t"
                    } else {
                        line.replace('\t', " ")
                    };
                    textarea.insert_str(format!("\n{line}\n"));
                }
            }
            assert_map_is_rebuilt_map(&textarea, &format!("step {step} (long lines)"));
            let rows = textarea.lines.len();
            // Half the edits in a long line.
            let long_rows: Vec<usize> = (0..rows)
                .filter(|&r| textarea.lines[r].len() > CHECKPOINT_BYTES)
                .collect();
            let row = match rng.below(2) {
                0 => long_rows[rng.below(long_rows.len())],
                _ => rng.below(rows),
            };
            let col = rng.below(textarea.lines[row].chars().count() + 2);
            textarea.jump_to(row, col);
            let long_without_tabs = {
                let line = &textarea.lines[textarea.cursor().0];
                line.len() > CHECKPOINT_BYTES && !line.contains('\t')
            };
            let what = rng.below(32);
            match what {
                0..=9 => {
                    let tab = rng.below(20) == 0;
                    textarea.insert_char(if tab {
                        '\t'
                    } else {
                        ['x', 'é', '漢', 'ß'][rng.below(4)]
                    })
                }
                10..=14 => _ = textarea.delete_char(),
                15..=16 => _ = textarea.delete_next_char(),
                17 => _ = textarea.insert_str("ab\ncd\n\tef"),
                18..=19 => _ = textarea.insert_str("one line é"),
                20 => textarea.insert_newline(),
                21..=22 => {
                    // Upstream mishandles a deletion past the text's end (its yank becomes
                    // a one-line chunk), which is not what this test is about.
                    let DataCursor(row, col) = textarea.cursor();
                    let left: usize = textarea.lines[row..]
                        .iter()
                        .map(|l| l.chars().count() + 1)
                        .sum::<usize>()
                        - col
                        - 1;
                    let chars = [rng.below(40), rng.below(CHECKPOINT_BYTES + 40)][what - 21];
                    _ = textarea.delete_str(chars.min(left));
                }
                23..=24 => _ = textarea.undo(),
                25..=26 => _ = textarea.redo(),
                27 => {
                    textarea.start_selection();
                    textarea.jump_to(rng.below(rows), 3);
                    textarea.cut();
                }
                28 => _ = textarea.paste(),
                29 => _ = textarea.delete_word(),
                30 => _ = textarea.delete_line_by_end(),
                _ => _ = textarea.delete_newline(),
            }
            if long_without_tabs && what <= 16 {
                moved += 1;
            } else {
                measured += 1;
            }
            assert_map_is_rebuilt_map(&textarea, &format!("step {step} (edit {what})"));
        }
        assert!(
            moved > 100 && measured > 100,
            "{moved} moved, {measured} measured"
        );
    }
}
