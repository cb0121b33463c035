//! The translation step of a local run: the target's raw answer, parsed as JSON, queried
//! with each `translationMap` entry (a JSONPath, RFC 9535, evaluated by `serde_json_path`),
//! with `translationMapDefaults` for what a path does not find. What each entry gave, and
//! whether it came from the answer or from its default, is kept for the step display.
//!
//! The reading of a path's nodes (see `docs/test-runs.md`, "Translation map"): one node is
//! that value (a JSON `null` included: a null found is not "nothing found", so no default);
//! several nodes are a JSON array of them, in document order; no node takes the entry's
//! default, and without a default the step fails, naming the entry and its path.

use serde_json::{Map, Value};
use serde_json_path::JsonPath;
use thiserror::Error;

use crate::text::{escape_controls, quoted};

/// How many characters of a body that is not JSON an error quotes.
const QUOTED_CHARS: usize = 40;

/// The translation of one raw answer: every map entry in the map's order.
#[derive(Debug, Clone, PartialEq)]
pub struct Translation {
    pub entries: Vec<TranslatedEntry>,
}

impl Translation {
    /// The value of the entry `name`, if the map has it.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.entries
            .iter()
            .find(|entry| entry.name == name)
            .map(|entry| &entry.value)
    }

    /// Name → value, what the success template reads.
    pub fn values(&self) -> Map<String, Value> {
        self.entries
            .iter()
            .map(|entry| (entry.name.clone(), entry.value.clone()))
            .collect()
    }
}

/// One `translationMap` entry after evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct TranslatedEntry {
    /// The name as in the map (not escaped: a display escapes it, as it does the value).
    pub name: String,
    /// The JSONPath as written in the map (not escaped either).
    pub path: String,
    pub value: Value,
    pub source: Source,
}

/// Where an entry's value came from, for the step display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The path found this many nodes (1: the value itself; more: an array of them).
    Found(usize),
    /// The path found nothing; the value is the entry's `translationMapDefaults` value.
    Default,
}

/// Why the translation step failed. Every text that came from the action or the answer is
/// escaped for a terminal.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TranslateError {
    #[error("the result is empty, not JSON")]
    EmptyBody,
    #[error("the result is not JSON ({reason}); it starts with {start}")]
    NotJson {
        /// The parser's message, with its line and column.
        reason: String,
        /// The body's first characters, quoted and escaped.
        start: String,
    },
    #[error("translationMap[{name}]: the JSONPath must be a string, found {found}")]
    PathNotString { name: String, found: String },
    #[error("translationMap[{name}]: {path} is not a valid JSONPath (RFC 9535): {reason}")]
    InvalidPath {
        name: String,
        path: String,
        reason: String,
    },
    #[error(
        "translationMap[{name}]: {path} found nothing in the result and translationMapDefaults has no {name}"
    )]
    NotFound { name: String, path: String },
    #[error(
        "translationMap[{name}]: {path} takes the translation's values past {} MiB; pick narrower paths",
        MAX_TRANSLATED_BYTES / (1024 * 1024)
    )]
    TooLarge { name: String, path: String },
    #[error(
        "translationMapDefaults[{name}]: must be a string holding JSON text (\"0\", \"[]\", \"\\\"UNKNOWN\\\"\"), found {found}"
    )]
    DefaultNotString { name: String, found: String },
    #[error(
        "translationMapDefaults[{name}]: {text} is not JSON ({reason}); a string default needs its quotes: {quoted}"
    )]
    DefaultNotJson {
        name: String,
        text: String,
        reason: String,
        /// The default as it should likely have been written.
        quoted: String,
    },
}

/// Applies a `translationMap` and its `translationMapDefaults` to a raw answer body.
pub fn translate(
    raw_body: &str,
    map: &Map<String, Value>,
    defaults: &Map<String, Value>,
) -> Result<Translation, TranslateError> {
    translate_parsed(
        raw_body,
        serde_json::from_str(raw_body).as_ref(),
        map,
        defaults,
    )
}

/// [`translate`] of an answer its caller parsed already (`parsed`, from `raw_body`).
pub fn translate_parsed(
    raw_body: &str,
    parsed: Result<&Value, &serde_json::Error>,
    map: &Map<String, Value>,
    defaults: &Map<String, Value>,
) -> Result<Translation, TranslateError> {
    let document = document(raw_body, parsed)?;
    let mut budget = MAX_TRANSLATED_BYTES;
    let entries = map
        .iter()
        .map(|(name, path)| translate_entry(document, name, path, defaults, &mut budget))
        .collect::<Result<_, _>>()?;
    Ok(Translation { entries })
}

/// The most the values of one translation may add up to, as JSON text: twice the largest
/// answer read. A map of many entries, or a path such as `$..*` over a deep answer, copies
/// the answer many times over; past this the step fails rather than take the memory.
pub const MAX_TRANSLATED_BYTES: usize = 2 * crate::engine::MAX_RESPONSE_BYTES;

/// Takes the JSON size of `nodes` out of `budget`, without building their text; `false`
/// when they do not fit.
fn fits(nodes: &[&Value], budget: &mut usize) -> bool {
    struct Counter {
        left: usize,
    }
    impl std::io::Write for Counter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if buf.len() > self.left {
                return Err(std::io::Error::other("over the translation budget"));
            }
            self.left -= buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    // What a node costs beyond its text: a separator in the array that holds several, and
    // the value it is built into (a short text is a much larger `Value`).
    const PER_NODE: usize = 1 + std::mem::size_of::<Value>();
    let mut counter = Counter { left: *budget };
    let fitted = nodes.iter().all(|node| {
        counter.left = match counter.left.checked_sub(PER_NODE) {
            Some(left) => left,
            None => return false,
        };
        serde_json::to_writer(&mut counter, node).is_ok()
    });
    *budget = counter.left;
    fitted
}

/// The answer as a JSON document, or why it is not one.
fn document<'v>(
    raw_body: &str,
    parsed: Result<&'v Value, &serde_json::Error>,
) -> Result<&'v Value, TranslateError> {
    if raw_body.trim().is_empty() {
        return Err(TranslateError::EmptyBody);
    }
    parsed.map_err(|error| TranslateError::NotJson {
        reason: error.to_string(),
        start: quoted_start(raw_body),
    })
}

fn translate_entry(
    document: &Value,
    name: &str,
    path: &Value,
    defaults: &Map<String, Value>,
    budget: &mut usize,
) -> Result<TranslatedEntry, TranslateError> {
    let shown_name = quoted(name);
    let Some(path_text) = path.as_str() else {
        return Err(TranslateError::PathNotString {
            name: shown_name,
            found: brief(path),
        });
    };
    let shown_path = quoted(path_text);
    let query = JsonPath::parse(path_text).map_err(|error| TranslateError::InvalidPath {
        name: shown_name.clone(),
        path: shown_path.clone(),
        reason: escape_controls(&error.to_string()).into_owned(),
    })?;
    let nodes = query.query(document).all();
    if !fits(&nodes, budget) {
        return Err(TranslateError::TooLarge {
            name: shown_name,
            path: shown_path,
        });
    }
    let (value, source) = match nodes.as_slice() {
        [] => match defaults.get(name) {
            Some(default) => (parse_default(name, default)?, Source::Default),
            None => {
                return Err(TranslateError::NotFound {
                    name: shown_name,
                    path: shown_path,
                });
            }
        },
        [one] => ((*one).clone(), Source::Found(1)),
        many => (
            Value::Array(many.iter().map(|node| (*node).clone()).collect()),
            Source::Found(many.len()),
        ),
    };
    Ok(TranslatedEntry {
        name: name.to_string(),
        path: path_text.to_string(),
        value,
        source,
    })
}

/// A default is JSON text inside a string: `"0"`, `"[]"`, `"\"UNKNOWN\""`.
fn parse_default(name: &str, default: &Value) -> Result<Value, TranslateError> {
    let Some(text) = default.as_str() else {
        return Err(TranslateError::DefaultNotString {
            name: quoted(name),
            found: brief(default),
        });
    };
    serde_json::from_str(text).map_err(|error| TranslateError::DefaultNotJson {
        name: quoted(name),
        text: quoted(text),
        reason: error.to_string(),
        quoted: quoted(&Value::String(text.to_string()).to_string()),
    })
}

/// A JSON value in a message: its text, cut when long.
fn brief(value: &Value) -> String {
    escape_controls(&cut(&value.to_string())).into_owned()
}

/// The first characters of `text`, quoted and escaped, for a message.
pub fn quoted_start(text: &str) -> String {
    crate::text::quoted_start(text, QUOTED_CHARS)
}

fn cut(text: &str) -> String {
    match text.char_indices().nth(QUOTED_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

#[cfg(test)]
#[path = "translate_tests.rs"]
mod tests;
