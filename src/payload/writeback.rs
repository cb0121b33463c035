//! What `cxda push` writes back into a payload file after a create or an update: the
//! action's `id` and `version` at the top level, and nothing else. The values are replaced
//! where they stand, byte for byte; a missing one is added after the last top-level member,
//! indented like it (or on the same line in a one-line object). Every other byte of the
//! file (key order, spacing, escapes, comments-free JSON as the user wrote it) stays.

use serde_json::Value;

use super::position::{TopMember, top_level_members};

/// Why the file cannot take the values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteBackError {
    #[error("the file is not a JSON object any more")]
    NotAnObject,
}

/// Whether `text` is a JSON object with a top-level `id` or `version` (a pulled file, or
/// one pushed before): the files whose values a later push keeps up to date.
pub fn carries_id_or_version(text: &str) -> bool {
    serde_json::from_str::<Value>(text)
        .ok()
        .is_some_and(|v| v.get("id").is_some() || v.get("version").is_some())
}

/// `text` with its top-level `id` set to `id` and, when given, `version` to `version`.
pub fn with_id_and_version(
    text: &str,
    id: &str,
    version: Option<u64>,
) -> Result<String, WriteBackError> {
    // Checked once: each splice below writes valid JSON into valid JSON.
    if !matches!(serde_json::from_str::<Value>(text), Ok(Value::Object(_))) {
        return Err(WriteBackError::NotAnObject);
    }
    let mut text = text.to_string();
    let id_json = Value::String(id.to_string()).to_string();
    text = with_member(&text, "id", &id_json)?;
    if let Some(version) = version {
        text = with_member(&text, "version", &version.to_string())?;
    }
    Ok(text)
}

/// `text` (a JSON object) with the top-level member `name` holding `json` (the last of that
/// name, which is the one a parser keeps), added when absent.
fn with_member(text: &str, name: &str, json: &str) -> Result<String, WriteBackError> {
    let members = top_level_members(text).ok_or(WriteBackError::NotAnObject)?;
    if let Some(member) = members.iter().rev().find(|m| m.name == name) {
        let mut out = String::with_capacity(text.len() + json.len());
        out.push_str(&text[..member.value.start]);
        out.push_str(json);
        out.push_str(&text[member.value.end..]);
        return Ok(out);
    }
    let key = Value::String(name.to_string()).to_string();
    Ok(match members.last() {
        Some(last) => {
            let separator = match indent_of(text, last) {
                Some(indent) => format!(",\n{indent}"),
                None => ", ".to_string(),
            };
            let at = last.value.end;
            format!("{}{separator}{key}: {json}{}", &text[..at], &text[at..])
        }
        None => {
            // `{}` (any spacing inside): the member goes right after the brace.
            let brace = text.find('{').ok_or(WriteBackError::NotAnObject)?;
            let at = brace + 1;
            format!("{}{key}: {json}{}", &text[..at], &text[at..])
        }
    })
}

/// The whitespace before `member`'s key when it starts its own line; `None` when other
/// text precedes it on the line (a one-line object).
fn indent_of<'a>(text: &'a str, member: &TopMember) -> Option<&'a str> {
    let before = &text[..member.key];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let indent = &before[line_start..];
    (before.contains('\n') && indent.chars().all(|c| c == ' ' || c == '\t')).then_some(indent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn existing_values_are_replaced_in_place() {
        let text = "{\n  \"name\": \"A\",\n  \"id\":   \"old\" ,\n  \"version\": 3\n}\n";
        let out = with_id_and_version(text, "new", Some(4)).expect("written");
        assert_eq!(
            out,
            "{\n  \"name\": \"A\",\n  \"id\":   \"new\" ,\n  \"version\": 4\n}\n"
        );
    }

    #[test]
    fn missing_values_follow_the_last_member_with_its_indent() {
        let text = "{\n    \"name\": \"A\",\n    \"configuration\": {\"x\": [1, 2]}\n}";
        let out = with_id_and_version(text, "a\"1", Some(1)).expect("written");
        assert_eq!(
            out,
            "{\n    \"name\": \"A\",\n    \"configuration\": {\"x\": [1, 2]},\n    \"id\": \"a\\\"1\",\n    \"version\": 1\n}"
        );
        let parsed: Value = serde_json::from_str(&out).expect("still JSON");
        assert_eq!(parsed["id"], "a\"1");
    }

    #[test]
    fn one_line_and_empty_objects() {
        assert_eq!(
            with_id_and_version(r#"{"name":"A"}"#, "x", None).expect("written"),
            r#"{"name":"A", "id": "x"}"#
        );
        assert_eq!(
            with_id_and_version("{ }", "x", Some(2)).expect("written"),
            r#"{"id": "x", "version": 2 }"#
        );
    }

    #[test]
    fn every_other_byte_stays() {
        // Escapes, odd spacing and a nested `id` are untouched; the top-level one changes.
        let text = "{\"config\" : {\"id\": \"inner\"},\r\n \"name\":\"caf\\u00e9\",\"id\":\"o\"}";
        let out = with_id_and_version(text, "n", None).expect("written");
        assert_eq!(out, text.replace("\"id\":\"o\"", "\"id\":\"n\""));
    }

    #[test]
    fn not_an_object_is_refused() {
        assert_eq!(
            with_id_and_version("[1]", "x", None),
            Err(WriteBackError::NotAnObject)
        );
        assert_eq!(
            with_id_and_version("{broken", "x", None),
            Err(WriteBackError::NotAnObject)
        );
    }
}
