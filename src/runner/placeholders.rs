//! The `cxone-v2` dialect's `{{name}}` placeholders, filled for a run from `--var` values
//! (secrets: shown `[redacted]`) and then from the input's properties.
//!
//! - A placeholder is `{{`, a name of letters, digits, `_`, `-` or `.` (spaces around it
//!   allowed), and `}}`; any other `{{` is text.
//! - In the URL, a value is percent-encoded (RFC 3986's unreserved characters kept), except
//!   in the host, where it is inserted as it is and the URL's own parsing checks it.
//! - In a header, inserted as it is; a value with a control character is refused (it could
//!   end the header line).
//! - In the body, a string that is one placeholder and nothing else becomes the value with
//!   its JSON type (an input's number stays a number); elsewhere the value is inserted as
//!   text.
//! - A placeholder without a value is an error naming it and where it is.

use std::collections::BTreeMap;

use percent_encoding::utf8_percent_encode;
use serde_json::{Map, Value};

use super::run::value_text;
use super::template::URI_RESERVED;

/// Where a placeholder is filled, which decides its encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Url,
    Header,
    Body,
}

/// The values placeholders take.
#[derive(Debug, Clone, Copy)]
pub struct Values<'a> {
    pub vars: &'a BTreeMap<String, String>,
    pub input: &'a Map<String, Value>,
}

/// One value: its text, its JSON form, and whether it is a secret.
struct Found {
    text: String,
    json: Value,
    secret: bool,
}

impl Values<'_> {
    fn get(&self, name: &str) -> Option<Found> {
        if let Some(value) = self.vars.get(name) {
            return Some(Found {
                text: value.clone(),
                json: Value::String(value.clone()),
                secret: true,
            });
        }
        let value = self.input.get(name)?;
        Some(Found {
            text: value_text(value),
            json: value.clone(),
            secret: false,
        })
    }
}

/// A filled text, and the same text with each secret value `[redacted]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filled {
    pub text: String,
    pub shown: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlaceholderError {
    #[error(
        "{{{{{name}}}}} at {pointer} has no value: give --var {name}=VALUE or an input property \"{name}\""
    )]
    NoValue { name: String, pointer: String },
    #[error(
        "{{{{{name}}}}} at {pointer}: the value holds a control character, which a header cannot carry"
    )]
    ControlInHeader { name: String, pointer: String },
}

/// The placeholders of a text: (byte range, name), in order.
pub fn find(text: &str) -> Vec<(std::ops::Range<usize>, &str)> {
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(open) = text[at..].find("{{").map(|i| at + i) {
        let inner_start = open + 2;
        let Some(close) = text[inner_start..].find("}}").map(|i| inner_start + i) else {
            break;
        };
        let name = text[inner_start..close].trim();
        let valid = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if valid {
            found.push((open..close + 2, name));
            at = close + 2;
        } else {
            at = open + 1;
        }
    }
    found
}

/// Where the host of a URL template ends: the first `/`, `?` or `#` after its scheme's
/// `://` (one that comes before any of them: a `://` in the query is not the scheme's).
fn host_end(url: &str) -> usize {
    let first_delimiter = url.find(['/', '?', '#']).unwrap_or(url.len());
    let start = match url.find("://") {
        Some(i) if i <= first_delimiter => i + 3,
        _ => 0,
    };
    url[start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| start + i)
}

/// Fills the placeholders of `text` (found at `pointer`) for `place`.
pub fn fill(
    text: &str,
    values: Values<'_>,
    place: Place,
    pointer: &str,
) -> Result<Filled, PlaceholderError> {
    let host_end = if place == Place::Url {
        host_end(text)
    } else {
        0
    };
    let mut filled = Filled {
        text: String::with_capacity(text.len()),
        shown: String::with_capacity(text.len()),
    };
    let mut at = 0;
    for (range, name) in find(text) {
        let Some(found) = values.get(name) else {
            return Err(PlaceholderError::NoValue {
                name: name.to_string(),
                pointer: pointer.to_string(),
            });
        };
        let literal = &text[at..range.start];
        filled.text.push_str(literal);
        filled.shown.push_str(literal);
        let value = match place {
            Place::Url if range.start >= host_end => {
                utf8_percent_encode(&found.text, URI_RESERVED).to_string()
            }
            Place::Header if found.text.chars().any(char::is_control) => {
                return Err(PlaceholderError::ControlInHeader {
                    name: name.to_string(),
                    pointer: pointer.to_string(),
                });
            }
            _ => found.text,
        };
        filled.text.push_str(&value);
        filled
            .shown
            .push_str(if found.secret { "[redacted]" } else { &value });
        at = range.end;
    }
    filled.text.push_str(&text[at..]);
    filled.shown.push_str(&text[at..]);
    Ok(filled)
}

/// Fills a JSON body: every string, recursively (see the module doc). Gives the body as
/// sent and as shown.
pub fn fill_body(
    body: &Value,
    values: Values<'_>,
    pointer: &str,
) -> Result<(Value, Value), PlaceholderError> {
    match body {
        Value::String(text) => {
            let whole = find(text);
            if let [(range, name)] = whole.as_slice()
                && range.start == 0
                && range.end == text.len()
            {
                let Some(found) = values.get(name) else {
                    return Err(PlaceholderError::NoValue {
                        name: name.to_string(),
                        pointer: pointer.to_string(),
                    });
                };
                let shown = if found.secret {
                    Value::String("[redacted]".into())
                } else {
                    found.json.clone()
                };
                return Ok((found.json, shown));
            }
            let filled = fill(text, values, Place::Body, pointer)?;
            Ok((Value::String(filled.text), Value::String(filled.shown)))
        }
        Value::Array(items) => {
            let mut sent = Vec::with_capacity(items.len());
            let mut shown = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let (s, w) = fill_body(item, values, &format!("{pointer}/{i}"))?;
                sent.push(s);
                shown.push(w);
            }
            Ok((Value::Array(sent), Value::Array(shown)))
        }
        Value::Object(members) => {
            let mut sent = Map::new();
            let mut shown = Map::new();
            for (key, item) in members {
                let at = format!("{pointer}/{}", crate::payload::pointer_escape(key));
                let (s, w) = fill_body(item, values, &at)?;
                sent.insert(key.clone(), s);
                shown.insert(key.clone(), w);
            }
            Ok((Value::Object(sent), Value::Object(shown)))
        }
        other => Ok((other.clone(), other.clone())),
    }
}

#[cfg(test)]
#[path = "placeholders_tests.rs"]
mod tests;
