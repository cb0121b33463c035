//! Parsing a payload text into a `serde_json::Value` while noting every duplicate key, in
//! objects at any depth.
//!
//! serde_json keeps the last of two equal keys without a word. Our own visitor builds the
//! same `Value` and sees each member as it goes into its object, so a duplicate is noticed
//! where the parser already is, at no extra cost: no second pass over the text. Only
//! where each duplicate sits (a path of child indices) is noted here; its line and column
//! come from the locator (`position.rs`), and only for the duplicates that are reported.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// A member whose key an earlier member of the same object already has (keys compared
/// after JSON unescaping, so `"a"` and `"\u0061"` are equal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DuplicateKey {
    /// Child indices in text order (members of objects, elements of arrays) from the
    /// root to the object holding the duplicate.
    pub object: Vec<usize>,
    /// The duplicate's index among that object's members, in text order.
    pub member: usize,
}

/// The duplicate keys of one text: the first `limit` noted, the rest only counted.
#[derive(Debug, Default)]
pub(crate) struct DuplicateKeys {
    pub noted: Vec<DuplicateKey>,
    pub more: usize,
    limit: usize,
}

/// Parses `text` exactly as `serde_json::from_str::<Value>` does (same errors, positions
/// and recursion limit; the last of equal keys wins) and notes up to `limit` duplicates.
pub(crate) fn parse(text: &str, limit: usize) -> Result<(Value, DuplicateKeys), serde_json::Error> {
    let mut duplicates = DuplicateKeys {
        limit,
        ..DuplicateKeys::default()
    };
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = ValueSeed {
        at: None,
        duplicates: &mut duplicates,
    }
    .deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok((value, duplicates))
}

/// One step of the path to the value being parsed, kept on the stack: a path is only
/// written out when a duplicate needs it.
struct Step<'p> {
    parent: Option<&'p Step<'p>>,
    index: usize,
}

impl DuplicateKeys {
    fn note(&mut self, object: Option<&Step<'_>>, member: usize) {
        if self.noted.len() >= self.limit {
            self.more += 1;
            return;
        }
        let mut path = Vec::new();
        let mut step = object;
        while let Some(s) = step {
            path.push(s.index);
            step = s.parent;
        }
        path.reverse();
        self.noted.push(DuplicateKey {
            object: path,
            member,
        });
    }
}

/// Builds one value (the one at `at`), noting the duplicates inside it.
struct ValueSeed<'p, 'd> {
    at: Option<&'p Step<'p>>,
    duplicates: &'d mut DuplicateKeys,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_, '_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

/// The same values as serde_json's own `Value` visitor builds from JSON text.
impl<'de> Visitor<'de> for ValueSeed<'_, '_> {
    type Value = Value;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("any valid JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Value, E> {
        Ok(Number::from_f64(value).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_owned()))
    }

    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut elements: A) -> Result<Value, A::Error> {
        let mut array = Vec::new();
        loop {
            let step = Step {
                parent: self.at,
                index: array.len(),
            };
            let seed = ValueSeed {
                at: Some(&step),
                duplicates: &mut *self.duplicates,
            };
            match elements.next_element_seed(seed)? {
                Some(element) => array.push(element),
                None => return Ok(Value::Array(array)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut members: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        let mut index = 0;
        while let Some(key) = members.next_key::<String>()? {
            let step = Step {
                parent: self.at,
                index,
            };
            let value = members.next_value_seed(ValueSeed {
                at: Some(&step),
                duplicates: &mut *self.duplicates,
            })?;
            if object.insert(key, value).is_some() {
                self.duplicates.note(self.at, index);
            }
            index += 1;
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn duplicates(text: &str) -> Vec<(Vec<usize>, usize)> {
        let (_, found) = parse(text, usize::MAX).expect("valid JSON");
        found
            .noted
            .into_iter()
            .map(|d| (d.object, d.member))
            .collect()
    }

    #[test]
    fn builds_the_value_serde_json_builds() {
        let text =
            r#"{"a": [1, -2, 3.5, 1e300, "s\u00e9", true, null, {}], "b": {"c": {}}, "a": 0}"#;
        let (value, found) = parse(text, 10).expect("valid JSON");
        let expected: Value = serde_json::from_str(text).expect("valid JSON");
        assert_eq!(value, expected);
        assert_eq!(found.noted.len(), 1);
    }

    #[test]
    fn reports_the_same_syntax_errors_as_serde_json() {
        for text in ["{", "[1,]", "{\"a\" 1}", "{} x", "", &"[".repeat(200)] {
            let ours = parse(text, 10).err().map(|e| e.to_string());
            let theirs = serde_json::from_str::<Value>(text)
                .err()
                .map(|e| e.to_string());
            assert_eq!(ours, theirs, "{text}");
        }
    }

    #[test]
    fn notes_the_path_to_each_repeat_at_any_depth() {
        assert_eq!(duplicates(r#"{"a": 1, "b": 2}"#), vec![]);
        assert_eq!(duplicates(r#"{"a": 1, "a": 2}"#), vec![(vec![], 1)]);
        assert_eq!(
            duplicates(r#"[0, {"x": {"k": 1, "j": 2, "k": 3}}]"#),
            vec![(vec![1, 0], 2)]
        );
        assert_eq!(
            duplicates(r#"{"a": 1, "\u0061": 2, "a": 3}"#),
            vec![(vec![], 1), (vec![], 2)]
        );
    }

    #[test]
    fn counts_the_repeats_past_the_limit() {
        let (_, found) = parse(r#"{"a": 1, "a": 2, "a": 3, "a": 4}"#, 2).expect("valid JSON");
        assert_eq!(found.noted.len(), 2);
        assert_eq!(found.more, 1);
    }
}
