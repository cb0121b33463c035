use crate::util::char_to_byte;

#[derive(PartialEq, Eq, Clone, Copy)]
enum CharKind {
    Space,
    Punct,
    Other,
}

impl CharKind {
    fn new(c: char) -> Self {
        if c.is_whitespace() {
            Self::Space
        } else if c == '_' {
            Self::Other
        } else if c.is_ascii_punctuation() {
            Self::Punct
        } else {
            Self::Other
        }
    }
}

/// cxda patch: `line.chars().enumerate().skip(start_col)` without decoding the chars before
/// `start_col` (a word motion at the end of a long line walked all of it).
fn chars_from(line: &str, start_col: usize) -> impl Iterator<Item = (usize, char)> + '_ {
    let start = char_to_byte(line, start_col).unwrap_or(line.len());
    (start_col..).zip(line[start..].chars())
}

pub fn find_word_start_forward(line: &str, start_col: usize) -> Option<usize> {
    let mut it = chars_from(line, start_col);
    let mut prev = CharKind::new(it.next()?.1);
    for (col, c) in it {
        let cur = CharKind::new(c);
        if cur != CharKind::Space && prev != cur {
            return Some(col);
        }
        prev = cur;
    }
    None
}

pub fn find_word_exclusive_end_forward(line: &str, start_col: usize) -> Option<usize> {
    let mut it = chars_from(line, start_col);
    let mut prev = CharKind::new(it.next()?.1);
    for (col, c) in it {
        let cur = CharKind::new(c);
        if prev != CharKind::Space && prev != cur {
            return Some(col);
        }
        prev = cur;
    }
    None
}

pub fn find_word_inclusive_end_forward(line: &str, start_col: usize) -> Option<usize> {
    let mut it = chars_from(line, start_col);
    let (mut last_col, c) = it.next()?;
    let mut prev = CharKind::new(c);
    for (col, c) in it {
        let cur = CharKind::new(c);
        if prev != CharKind::Space && cur != prev {
            return Some(col.saturating_sub(1));
        }
        prev = cur;
        last_col = col;
    }
    if prev != CharKind::Space {
        Some(last_col)
    } else {
        None
    }
}

pub fn find_word_start_backward(line: &str, start_col: usize) -> Option<usize> {
    let idx = char_to_byte(line, start_col).unwrap_or(line.len());
    let mut it = line[..idx].chars().rev().enumerate();
    let mut cur = CharKind::new(it.next()?.1);
    for (i, c) in it {
        let next = CharKind::new(c);
        if cur != CharKind::Space && next != cur {
            return Some(start_col - i);
        }
        cur = next;
    }
    (cur != CharKind::Space).then_some(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// cxda patch: the chars the forward word motions walk, from every column of lines
    /// mixing one- to four-byte chars, are those upstream's walk from the line's start gave
    /// (the backward one finds its start with `char_to_byte`, tested in `util`).
    #[test]
    fn word_motions_walk_the_chars_upstream_walked() {
        let lines = [
            "",
            "fn foo(a) { é_漢 } 😀😀 x",
            "  \"sku\":\"SKU-1\",\"note\":\"line\\nbreak é\"}, {\"a\": [1, 2]}  ",
            "漢字 漢字\tx_y-z",
        ];
        for line in lines {
            for col in 0..=line.chars().count() + 2 {
                let upstream: Vec<_> = line.chars().enumerate().skip(col).collect();
                assert_eq!(
                    chars_from(line, col).collect::<Vec<_>>(),
                    upstream,
                    "{line:?}"
                );
            }
        }
    }
}
