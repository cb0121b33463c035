//! The file a pull writes: the server's action as an editable payload of the profile's
//! dialect. Its top-level keys come in the order a create payload has them (`name` first),
//! then any other key the server sent, then `id` and `version` (which push reads back);
//! the fields only the server writes are dropped (genesys-cloud `selfUri`, cxone-v2
//! `createdAt`). Nested objects keep serde_json's order (sorted by key).

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;

use crate::config::Api;

/// The create payload's keys, in the order the templates write them.
fn create_keys(api: Api) -> &'static [&'static str] {
    match api {
        Api::CxoneV2 => &[
            "name",
            "description",
            "type",
            "configuration",
            "enabled",
            "tags",
        ],
        Api::GenesysCloud => &[
            "name",
            "category",
            "integrationId",
            "secure",
            "contract",
            "config",
        ],
    }
}

/// Keys only the server writes, dropped from the file (`id` and `version` are kept).
pub(super) fn server_only(api: Api) -> &'static [&'static str] {
    match api {
        Api::CxoneV2 => &["createdAt", "updatedAt"],
        Api::GenesysCloud => &["selfUri"],
    }
}

/// The top-level members in the order written.
struct Ordered<'a>(Vec<(&'a str, &'a Value)>);

impl Serialize for Ordered<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

/// `action` (as the server answers it) as the pretty JSON text of a payload file, ending in
/// a newline. A value that is not an object is written as it is.
pub fn editable_payload(api: Api, action: &Value) -> String {
    let text = match action {
        Value::Object(object) => {
            let create = create_keys(api);
            let tail = ["id", "version"];
            let dropped = server_only(api);
            let mut members: Vec<(&str, &Value)> = create
                .iter()
                .filter_map(|key| object.get_key_value(*key))
                .map(|(k, v)| (k.as_str(), v))
                .collect();
            members.extend(
                object
                    .iter()
                    .filter(|(k, _)| {
                        let k = k.as_str();
                        !create.contains(&k) && !tail.contains(&k) && !dropped.contains(&k)
                    })
                    .map(|(k, v)| (k.as_str(), v)),
            );
            members.extend(
                tail.iter()
                    .filter_map(|key| object.get_key_value(*key))
                    .map(|(k, v)| (k.as_str(), v)),
            );
            serde_json::to_string_pretty(&Ordered(members))
        }
        other => serde_json::to_string_pretty(other),
    };
    // Serializing a Value to a string cannot fail (its keys are strings).
    let mut text = text.unwrap_or_default();
    text.push('\n');
    text
}

/// The longest file stem made from a name.
const MAX_STEM_CHARS: usize = 80;

/// A file name stem from an action's name: lower case, `[a-z0-9-]` only (every other run
/// of characters becomes one `-`), no `-` at either end, at most 80 characters; `action`
/// when nothing is left.
pub fn safe_file_stem(name: &str) -> String {
    let mut stem = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            stem.push(c);
        } else if !stem.is_empty() && !stem.ends_with('-') {
            stem.push('-');
        }
        if stem.len() >= MAX_STEM_CHARS {
            break;
        }
    }
    let stem = stem.trim_end_matches('-');
    if stem.is_empty() {
        "action".to_string()
    } else {
        stem.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_genesys_action_is_written_in_create_order_without_self_uri() {
        let action = json!({
            "selfUri": "/api/v2/integrations/actions/a1",
            "version": 3,
            "secure": false,
            "name": "Lookup",
            "id": "a1",
            "config": {"request": {}},
            "contract": {},
            "integrationId": "i1",
            "category": "CRM"
        });
        let text = editable_payload(Api::GenesysCloud, &action);
        let keys: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("  \""))
            .filter_map(|l| l.trim().split('"').nth(1))
            .collect();
        assert_eq!(
            keys,
            [
                "name",
                "category",
                "integrationId",
                "secure",
                "contract",
                "config",
                "id",
                "version"
            ]
        );
        assert!(!text.contains("selfUri"), "{text}");
        assert!(text.ends_with("}\n"));
    }

    #[test]
    fn a_cxone_action_drops_created_at_and_keeps_unknown_keys() {
        let action = json!({"id": "da_1", "version": 2, "createdAt": "2026", "name": "n",
            "type": "REST", "configuration": {}, "extra": 1});
        let value: Value =
            serde_json::from_str(&editable_payload(Api::CxoneV2, &action)).expect("json");
        assert_eq!(
            value,
            json!({"id": "da_1", "version": 2, "name": "n", "type": "REST",
                "configuration": {}, "extra": 1})
        );
    }

    #[test]
    fn file_stems_are_safe() {
        assert_eq!(
            safe_file_stem("Lookup Customer (v2)!"),
            "lookup-customer-v2"
        );
        assert_eq!(safe_file_stem("../../etc/passwd"), "etc-passwd");
        assert_eq!(safe_file_stem("Ünïcode ☃"), "n-code");
        assert_eq!(safe_file_stem("☃"), "action");
        assert_eq!(safe_file_stem(&"a".repeat(200)).len(), MAX_STEM_CHARS);
    }
}
