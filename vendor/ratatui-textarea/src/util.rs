use ratatui_core::buffer::CellWidth as _;

pub fn spaces(size: u8) -> &'static str {
    const SPACES: &str = "                                                                                                                                                                                                                                                                ";
    &SPACES[..size as usize]
}

/// The number of cells ratatui draws `c` in. Unlike `UnicodeWidthChar::width`, this counts the
/// halfwidth katakana sound marks `ﾞ` and `ﾟ` as one cell each. Control chars are not drawn, so
/// they take no cells.
pub fn char_width(c: char) -> usize {
    if c.is_control() {
        0
    } else {
        c.encode_utf8(&mut [0; 4]).cell_width().into()
    }
}

pub fn num_digits(i: usize) -> u8 {
    f64::log10(i as f64) as u8 + 1
}

#[derive(Debug, Clone)]
pub struct Pos {
    pub row: usize,
    pub col: usize,
    pub offset: usize,
}

impl Pos {
    pub fn new(row: usize, col: usize, offset: usize) -> Self {
        Self { row, col, offset }
    }
}

/// cxda patch: the byte offset of the char at index `col` in `line`, `None` past its last
/// char; what `line.char_indices().nth(col)` gives, without decoding every char before it.
/// Chars are counted as the bytes that are not UTF-8 continuation bytes, 32 at a time so
/// that the count vectorises: finding the cursor at the end of a 1 MiB line costs tens of
/// microseconds instead of a millisecond.
pub fn char_to_byte(line: &str, col: usize) -> Option<usize> {
    const CHUNK: usize = 32;
    let bytes = line.as_bytes();
    let is_char_start = |b: &u8| (*b as i8) >= -0x40;
    let mut left = col;
    let mut pos = 0;
    for chunk in bytes.chunks_exact(CHUNK) {
        let starts = chunk.iter().filter(|b| is_char_start(b)).count();
        if starts > left {
            break;
        }
        left -= starts;
        pos += CHUNK;
    }
    // A char cut by the chunk edge was counted in the chunk it starts in.
    while pos < bytes.len() && !is_char_start(&bytes[pos]) {
        pos += 1;
    }
    line[pos..].char_indices().nth(left).map(|(i, _)| pos + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// cxda patch: `char_to_byte` is `char_indices().nth` for every index of lines that
    /// mix one- to four-byte chars across the 32-byte chunk edges.
    #[test]
    fn char_to_byte_equals_char_indices_nth() {
        let pieces = ["a", "é", "漢", "😀", "\t", "e\u{301}"];
        let mut lines = vec![String::new()];
        for (i, piece) in pieces.iter().enumerate() {
            for len in [1, 7, 31, 32, 33, 70] {
                let filler = "x".repeat(len);
                lines.push(format!("{filler}{piece}").repeat(i + 2));
                lines.push(piece.repeat(len));
            }
        }
        for line in &lines {
            for col in 0..=line.chars().count() + 2 {
                assert_eq!(
                    char_to_byte(line, col),
                    line.char_indices().nth(col).map(|(i, _)| i),
                    "{line:?} at {col}"
                );
            }
        }
    }
}
