//! Positions in the original payload text: byte offsets → 1-based line and character
//! column, JSON pointers → the byte offset of the value (or key) they name, and where a
//! duplicate key and the first key of its name sit.
//!
//! The locator walks the text itself rather than keeping spans for every node, because
//! diagnostics are few and payloads can be a megabyte: building a span tree on every
//! keystroke would cost more than the handful of walks an error report needs.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

/// Line starts of a text, built once per check so every diagnostic's position is a binary
/// search plus a count of characters within one line.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex { starts }
    }

    /// Number of lines (a text ending in `\n` has an empty last line).
    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// Byte offset where 1-based `line` starts, clamped to the last line.
    pub fn line_start(&self, line: usize) -> usize {
        let i = line.clamp(1, self.starts.len()) - 1;
        self.starts[i]
    }

    /// 1-based (line, column in characters) of a byte offset. An offset inside a multi-byte
    /// character or past the end is moved back to the nearest character boundary.
    pub fn position(&self, text: &str, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line - 1];
        let column = text[start..offset].chars().count() + 1;
        (line, column)
    }
}

/// Escapes one reference token for a JSON pointer (RFC 6901 §3).
pub fn pointer_escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Splits a JSON pointer into its unescaped reference tokens.
pub(crate) fn pointer_tokens(pointer: &str) -> Vec<String> {
    if pointer.is_empty() {
        return Vec::new();
    }
    pointer
        .split('/')
        .skip(1)
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect()
}

/// Where a pointer's target sits in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Located {
    /// First byte of the value.
    pub value: usize,
    /// First byte (the opening quote) of the member name, when the value is an object member.
    pub key: Option<usize>,
}

/// A member whose name an earlier member of its object has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Duplicate {
    /// JSON pointer of the object holding both.
    pub object: String,
    /// The member name, unescaped.
    pub name: String,
    /// First byte (the opening quote) of the duplicate's key.
    pub key: usize,
    /// First byte of the first key with that name.
    pub first_key: usize,
}

/// Finds values by JSON pointer in well-formed JSON text. Each object or array is walked
/// at most once whatever the number of lookups into it: its member (or element) positions
/// are kept, so ten problems under a megabyte-long `configuration` cost one walk, not ten.
pub(crate) struct Locator<'a> {
    text: &'a str,
    /// Container start offset → positions of its members (objects) or elements (arrays).
    objects: HashMap<usize, Vec<Member>>,
    arrays: HashMap<usize, Vec<usize>>,
}

struct Member {
    name: String,
    key: usize,
    value: usize,
}

impl<'a> Locator<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Locator {
            text,
            objects: HashMap::new(),
            arrays: HashMap::new(),
        }
    }

    /// Where the pointer's target is. Duplicate member names resolve to the last one, as
    /// the parser keeps the last. `None` if the pointer does not resolve.
    pub(crate) fn locate(&mut self, pointer: &str) -> Option<Located> {
        let mut here = Located {
            value: self.root(),
            key: None,
        };
        for token in pointer_tokens(pointer) {
            let start = here.value;
            here = match self.text.as_bytes().get(start)? {
                b'{' => {
                    let member = self
                        .members_at(start)?
                        .iter()
                        .rev()
                        .find(|m| m.name == token)?;
                    Located {
                        value: member.value,
                        key: Some(member.key),
                    }
                }
                b'[' => {
                    let index: usize = token.parse().ok()?;
                    Located {
                        value: *self.elements_at(start)?.get(index)?,
                        key: None,
                    }
                }
                _ => return None,
            };
        }
        Some(here)
    }

    /// Where a duplicate key sits, and the first member with the same name. `object` holds
    /// child indices in text order from the root (which the pointer cannot express: the
    /// object may sit under an earlier member that a later one with its name hides).
    pub(crate) fn duplicate(&mut self, object: &[usize], member: usize) -> Option<Duplicate> {
        let mut start = self.root();
        let mut pointer = String::new();
        for &index in object {
            start = match self.text.as_bytes().get(start)? {
                b'{' => {
                    let child = self.members_at(start)?.get(index)?;
                    pointer.push('/');
                    pointer.push_str(&pointer_escape(&child.name));
                    child.value
                }
                b'[' => {
                    pointer.push_str(&format!("/{index}"));
                    *self.elements_at(start)?.get(index)?
                }
                _ => return None,
            };
        }
        let members = self.members_at(start)?;
        let repeat = members.get(member)?;
        let first = members.iter().find(|m| m.name == repeat.name)?;
        Some(Duplicate {
            object: pointer,
            name: repeat.name.clone(),
            key: repeat.key,
            first_key: first.key,
        })
    }

    /// The first byte of the document's value.
    fn root(&self) -> usize {
        let mut scanner = Scanner::new(self.text);
        scanner.skip_ws();
        scanner.pos
    }

    /// The members of the object starting at `start`, walked once.
    fn members_at(&mut self, start: usize) -> Option<&[Member]> {
        match self.objects.entry(start) {
            Entry::Occupied(e) => Some(e.into_mut()),
            Entry::Vacant(e) => Some(e.insert(Scanner::at(self.text, start).members()?)),
        }
    }

    /// The element starts of the array starting at `start`, walked once.
    fn elements_at(&mut self, start: usize) -> Option<&[usize]> {
        match self.arrays.entry(start) {
            Entry::Occupied(e) => Some(e.into_mut()),
            Entry::Vacant(e) => Some(e.insert(Scanner::at(self.text, start).elements()?)),
        }
    }
}

/// The top-level members of well-formed JSON text whose root is an object: for each, its
/// name, the offset of its key's opening quote and the byte range of its value.
pub(crate) fn top_level_members(text: &str) -> Option<Vec<TopMember>> {
    let mut locator = Locator::new(text);
    let root = locator.root();
    let members = locator.members_at(root)?;
    members
        .iter()
        .map(|m| {
            let mut scanner = Scanner::at(text, m.value);
            scanner.skip_value()?;
            Some(TopMember {
                name: m.name.clone(),
                key: m.key,
                value: m.value..scanner.pos,
            })
        })
        .collect()
}

/// One member of the root object, as [`top_level_members`] finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TopMember {
    pub name: String,
    pub key: usize,
    pub value: std::ops::Range<usize>,
}

/// One-off lookup (tests); checks use a [`Locator`] so lookups share walks.
#[cfg(test)]
pub(crate) fn locate(text: &str, pointer: &str) -> Option<Located> {
    Locator::new(text).locate(pointer)
}

/// A forward-only cursor over JSON text that can skip values without building them.
struct Scanner<'a> {
    bytes: &'a [u8],
    text: &'a str,
    pos: usize,
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str) -> Self {
        Scanner::at(text, 0)
    }

    fn at(text: &'a str, pos: usize) -> Self {
        Scanner {
            bytes: text.as_bytes(),
            text,
            pos,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        self.skip_ws();
        (self.peek()? == byte).then(|| self.pos += 1)
    }

    /// Skips a string starting at its opening quote; returns the slice with the quotes.
    fn skip_string(&mut self) -> Option<&'a str> {
        let start = self.pos;
        if self.peek()? != b'"' {
            return None;
        }
        self.pos += 1;
        loop {
            // Strings are most of a big payload's bytes: jump straight to the next quote or
            // backslash instead of looking at every byte.
            self.pos += memchr::memchr2(b'"', b'\\', self.bytes.get(self.pos..)?)?;
            match self.peek()? {
                b'"' => {
                    self.pos += 1;
                    return self.text.get(start..self.pos);
                }
                _ => self.pos += 2,
            }
        }
    }

    /// Skips any value; nesting is tracked with a counter, not recursion, so depth is free.
    fn skip_value(&mut self) -> Option<()> {
        self.skip_ws();
        let mut depth = 0usize;
        loop {
            match self.peek()? {
                b'"' => {
                    self.skip_string()?;
                }
                b'{' | b'[' => {
                    depth += 1;
                    self.pos += 1;
                }
                b'}' | b']' => {
                    depth = depth.checked_sub(1)?;
                    self.pos += 1;
                }
                b',' | b':' | b' ' | b'\t' | b'\n' | b'\r' if depth > 0 => self.pos += 1,
                _ => {
                    // A number or literal: runs until a delimiter.
                    while let Some(b) = self.peek() {
                        if matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                            break;
                        }
                        self.pos += 1;
                    }
                }
            }
            if depth == 0 {
                return Some(());
            }
        }
    }

    /// At `{`: every member's name and positions, in text order.
    fn members(&mut self) -> Option<Vec<Member>> {
        self.eat(b'{')?;
        let mut members = Vec::new();
        self.skip_ws();
        if self.peek()? == b'}' {
            return Some(members);
        }
        loop {
            self.skip_ws();
            let key = self.pos;
            let raw = self.skip_string()?;
            self.eat(b':')?;
            self.skip_ws();
            members.push(Member {
                name: decode_key(raw)?,
                key,
                value: self.pos,
            });
            self.skip_value()?;
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                _ => return Some(members),
            }
        }
    }

    /// At `[`: the start of every element.
    fn elements(&mut self) -> Option<Vec<usize>> {
        self.eat(b'[')?;
        let mut starts = Vec::new();
        self.skip_ws();
        if self.peek()? == b']' {
            return Some(starts);
        }
        loop {
            self.skip_ws();
            starts.push(self.pos);
            self.skip_value()?;
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                _ => return Some(starts),
            }
        }
    }
}

/// A quoted JSON string from the text, unescaped.
fn decode_key(raw: &str) -> Option<String> {
    let inner = &raw[1..raw.len() - 1];
    if inner.contains('\\') {
        serde_json::from_str(raw).ok()
    } else {
        Some(inner.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, pointer: &str) -> (usize, usize) {
        let loc = locate(text, pointer).expect("pointer resolves");
        LineIndex::new(text).position(text, loc.value)
    }

    #[test]
    fn position_counts_characters_not_bytes() {
        let text = "{\"ü€\": 1}";
        let index = LineIndex::new(text);
        let one = text.find('1').expect("digit");
        assert_eq!(index.position(text, one), (1, 8));
    }

    #[test]
    fn position_after_trailing_newline_is_on_the_empty_last_line() {
        let text = "{}\n";
        let index = LineIndex::new(text);
        assert_eq!(index.line_count(), 2);
        assert_eq!(index.position(text, 3), (2, 1));
        assert_eq!(index.position(text, 99), (2, 1));
    }

    #[test]
    fn position_inside_a_multibyte_char_moves_back_to_its_start() {
        let text = "é";
        assert_eq!(LineIndex::new(text).position(text, 1), (1, 1));
    }

    #[test]
    fn locates_nested_members_and_elements() {
        let text = "{\n  \"a\": {\"b\": [10, {\"c\": true}]},\n  \"d\": 4\n}";
        assert_eq!(at(text, ""), (1, 1));
        assert_eq!(at(text, "/a"), (2, 8));
        assert_eq!(at(text, "/a/b/1/c"), (2, 25));
        assert_eq!(at(text, "/d"), (3, 8));
    }

    #[test]
    fn locate_reports_the_key_of_a_member() {
        let text = "{ \"x\" : 1 }";
        let loc = locate(text, "/x").expect("resolves");
        assert_eq!(loc.key, Some(2));
        assert_eq!(loc.value, 8);
    }

    #[test]
    fn locate_skips_strings_containing_delimiters() {
        let text = r#"{"s": "a\"}],{[", "t": [1, "]", 2]}"#;
        assert_eq!(at(text, "/t/2"), (1, 33));
    }

    #[test]
    fn locate_unescapes_pointer_tokens_and_member_names() {
        let text = r#"{"a/b": 1, "m~n": 2, "\u0041": 3}"#;
        assert_eq!(at(text, "/a~1b"), (1, 9));
        assert_eq!(at(text, "/m~0n"), (1, 19));
        assert_eq!(at(text, "/A"), (1, 32));
    }

    #[test]
    fn duplicate_members_resolve_to_the_last() {
        let text = r#"{"k": 1, "k": 2}"#;
        assert_eq!(at(text, "/k"), (1, 15));
    }

    #[test]
    fn missing_targets_do_not_resolve() {
        let text = r#"{"a": [1], "b": {}}"#;
        assert_eq!(locate(text, "/z"), None);
        assert_eq!(locate(text, "/a/1"), None);
        assert_eq!(locate(text, "/a/x"), None);
        assert_eq!(locate(text, "/b/c"), None);
    }

    #[test]
    fn pointer_escape_round_trips_through_tokens() {
        let name = "a/b~c";
        let pointer = format!("/{}", pointer_escape(name));
        assert_eq!(pointer_tokens(&pointer), vec![name.to_string()]);
    }
}
