//! How a payload file differs from the server's action: one [`Difference`] per JSON
//! pointer, found by `json-patch` (RFC 6902) on the two values made comparable first. Key
//! order never matters (the values are compared, not the text), and neither do the fields
//! only the server writes (`id`, `version`, `selfUri`, `createdAt`, …). A genesys-cloud file
//! without `integrationId` is compared as pushed, with the profile's; one without `secure`
//! as the platform takes it, `false`.

use serde::Serialize;
use serde_json::{Map, Value};

use super::editable::server_only;
use crate::config::Api;

/// One differing place.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Difference {
    /// The JSON pointer of the place (`/config/request/requestType`); `""` for the whole.
    pub pointer: String,
    /// The server's value there; `None` when the server has none.
    pub server: Option<Value>,
    /// The file's value there; `None` when the file has none.
    pub file: Option<Value>,
}

/// The top-level fields a comparison ignores besides the dialect's server-only ones.
const IGNORED: [&str; 2] = ["id", "version"];

/// The differences from `server` (the action as read) to `file` (the payload), in the
/// order `json-patch` finds them (stable for the same inputs).
pub fn differences(
    api: Api,
    server: &Value,
    file: &Value,
    integration_id: Option<&str>,
) -> Vec<Difference> {
    let server = comparable(api, server, None);
    let file = comparable(api, file, integration_id);
    let mut pointers: Vec<String> = Vec::new();
    for operation in json_patch::diff(&server, &file).0 {
        let path = match &operation {
            json_patch::PatchOperation::Add(op) => op.path.to_string(),
            json_patch::PatchOperation::Remove(op) => op.path.to_string(),
            json_patch::PatchOperation::Replace(op) => op.path.to_string(),
            // `diff` makes only the three above.
            _ => continue,
        };
        let pointer = whole_resized_array(&server, &file, &path);
        if !pointers.contains(&pointer) {
            pointers.push(pointer);
        }
    }
    pointers
        .into_iter()
        .map(|pointer| Difference {
            server: server.pointer(&pointer).cloned(),
            file: file.pointer(&pointer).cloned(),
            pointer,
        })
        .collect()
}

/// `path`, cut at the first array whose length differs between the two sides. The patch
/// `json-patch` makes removes and adds elements one after another, so inside such an array
/// its indexes shift as it goes; the array as a whole is what differs, with both values
/// read where they are.
fn whole_resized_array(server: &Value, file: &Value, path: &str) -> String {
    let mut prefix = String::new();
    for token in path.split('/').skip(1) {
        let resized = match (server.pointer(&prefix), file.pointer(&prefix)) {
            (Some(Value::Array(a)), Some(Value::Array(b))) => a.len() != b.len(),
            (Some(Value::Array(_)), _) | (_, Some(Value::Array(_))) => true,
            _ => false,
        };
        if resized {
            return prefix;
        }
        prefix.push('/');
        prefix.push_str(token);
    }
    path.to_string()
}

/// `value` without the fields the comparison ignores, with what a push would add filled
/// in (genesys-cloud: `integrationId` from `integration_id` when absent, `secure` false).
fn comparable(api: Api, value: &Value, integration_id: Option<&str>) -> Value {
    let Value::Object(object) = value else {
        return value.clone();
    };
    let dropped = server_only(api);
    let mut kept: Map<String, Value> = object
        .iter()
        .filter(|(key, _)| !IGNORED.contains(&key.as_str()) && !dropped.contains(&key.as_str()))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    if api == Api::GenesysCloud {
        if let Some(id) = integration_id
            && !kept.contains_key("integrationId")
        {
            kept.insert("integrationId".into(), Value::String(id.to_string()));
        }
        kept.entry("secure").or_insert(Value::Bool(false));
    }
    Value::Object(kept)
}

/// Whether the differences touch what a published genesys-cloud action cannot change in
/// place: its `contract`, `secure` or `integrationId` (an update's `UpdateDraftInput` has
/// no `integrationId` at all).
pub fn needs_replace(differences: &[Difference]) -> bool {
    differences.iter().any(|d| {
        let top = d.pointer.split('/').nth(1).unwrap_or_default();
        d.pointer.is_empty() || matches!(top, "contract" | "secure" | "integrationId")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn key_order_and_read_only_fields_do_not_differ() {
        let server = json!({"id": "a1", "version": 3, "createdAt": "x", "name": "N",
            "configuration": {"b": 1, "a": 2}});
        let file = serde_json::from_str::<Value>(
            r#"{"configuration": {"a": 2, "b": 1}, "name": "N", "version": 2}"#,
        )
        .expect("json");
        assert_eq!(differences(Api::CxoneV2, &server, &file, None), vec![]);
    }

    #[test]
    fn a_change_names_its_pointer_and_both_values() {
        let server = json!({"name": "N", "configuration": {"timeout": 5, "old": true}});
        let file = json!({"name": "N", "configuration": {"timeout": 7, "new": "x"}});
        let found = differences(Api::CxoneV2, &server, &file, None);
        assert!(
            found.contains(&Difference {
                pointer: "/configuration/timeout".into(),
                server: Some(json!(5)),
                file: Some(json!(7)),
            }),
            "{found:?}"
        );
        assert!(
            found.contains(&Difference {
                pointer: "/configuration/old".into(),
                server: Some(json!(true)),
                file: None,
            }),
            "{found:?}"
        );
        assert!(
            found.contains(&Difference {
                pointer: "/configuration/new".into(),
                server: None,
                file: Some(json!("x")),
            }),
            "{found:?}"
        );
        assert_eq!(found.len(), 3);
    }

    #[test]
    fn a_genesys_file_is_compared_as_it_would_be_pushed() {
        let server = json!({"name": "N", "integrationId": "int-1", "secure": false,
            "selfUri": "/api/v2/integrations/actions/a1", "contract": {}});
        let file = json!({"name": "N", "contract": {}});
        assert_eq!(
            differences(Api::GenesysCloud, &server, &file, Some("int-1")),
            vec![]
        );
        let other = differences(Api::GenesysCloud, &server, &file, Some("int-2"));
        assert_eq!(other.len(), 1, "{other:?}");
        assert!(
            needs_replace(&other),
            "integrationId cannot change in place"
        );
        let secure = json!({"name": "N", "contract": {}, "secure": true});
        let found = differences(Api::GenesysCloud, &server, &secure, Some("int-1"));
        assert!(needs_replace(&found), "{found:?}");
        let renamed = json!({"name": "M", "contract": {}});
        let found = differences(Api::GenesysCloud, &server, &renamed, Some("int-1"));
        assert!(!needs_replace(&found), "{found:?}");
    }

    #[test]
    fn a_resized_array_differs_as_a_whole_with_both_values() {
        let server = json!({"tags": ["a", "b", "c"], "config": {"list": [1, 2]}});
        let file = json!({"tags": ["a"], "config": {"list": [1, 3]}});
        let found = differences(Api::CxoneV2, &server, &file, None);
        assert_eq!(
            found,
            vec![
                Difference {
                    pointer: "/config/list/1".into(),
                    server: Some(json!(2)),
                    file: Some(json!(3)),
                },
                Difference {
                    pointer: "/tags".into(),
                    server: Some(json!(["a", "b", "c"])),
                    file: Some(json!(["a"])),
                },
            ]
            .into_iter()
            .filter(|d| found.contains(d))
            .collect::<Vec<_>>()
        );
        assert_eq!(found.len(), 2, "{found:?}");
    }

    #[test]
    fn pointers_escape_slashes_and_tildes() {
        let server = json!({"config": {"a/b~c": 1}});
        let file = json!({"config": {"a/b~c": 2}});
        let found = differences(Api::GenesysCloud, &server, &file, None);
        assert_eq!(found[0].pointer, "/config/a~1b~0c");
        assert_eq!(found[0].server, Some(json!(1)));
    }
}
