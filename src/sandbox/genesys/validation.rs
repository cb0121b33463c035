//! Draft validation (`GET …/{id}/draft/validation`, and the check a publish makes): cxda's
//! own genesys-cloud checks (`payload::check_text_for`) over the draft written as a create
//! body, then the parts an executable action cannot lack (a request URL and method, both
//! contract schemas) when those checks found nothing. Each problem is one `ErrorBody`.

use axum::http::StatusCode;
use serde_json::Value;

use super::error::ApiError;
use super::model::Definition;
use crate::dialect::Api;
use crate::payload::check_text_for;

/// The methods a request may use.
const REQUEST_TYPES: [&str; 5] = ["GET", "PUT", "POST", "PATCH", "DELETE"];

/// [`errors`] on tokio's blocking pool: the checks of a large draft take milliseconds, and
/// the studio runs the sandbox in-process on one worker, whose other requests would wait.
/// The draft goes there and comes back, not copied.
pub(crate) async fn errors_off_worker(
    draft: Definition,
) -> Result<(Definition, Vec<Value>), ApiError> {
    tokio::task::spawn_blocking(move || {
        let errors = errors(&draft);
        (draft, errors)
    })
    .await
    .map_err(|_| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal.server.error",
            "The validation of the action failed unexpectedly",
        )
    })
}

/// Every error of a draft, as `ErrorBody` values; empty when it is valid.
fn errors(draft: &Definition) -> Vec<Value> {
    let text = serde_json::to_string_pretty(&draft.as_input()).unwrap_or_default();
    let report = check_text_for(Api::GenesysCloud, &text);
    let found: Vec<Value> = report
        .errors()
        .map(|d| problem(&field_name(&d.pointer), &d.message))
        .collect();
    if !found.is_empty() {
        return found;
    }
    structural(draft)
}

fn problem(field: &str, message: &str) -> Value {
    if field.is_empty() {
        ApiError::bad_request(message).body()
    } else {
        ApiError::invalid_value(field, message).body()
    }
}

/// A JSON pointer as the platform names fields: `/config/request/requestType` →
/// `config.request.requestType`.
fn field_name(pointer: &str) -> String {
    pointer
        .split('/')
        .skip(1)
        .map(|part| part.replace("~1", "/").replace("~0", "~"))
        .collect::<Vec<_>>()
        .join(".")
}

fn structural(draft: &Definition) -> Vec<Value> {
    let mut errors = Vec::new();
    let request = draft.config.get("request");
    let url = request.and_then(|r| r.get("requestUrlTemplate"));
    if url.and_then(Value::as_str).is_none_or(str::is_empty) {
        errors.push(problem(
            "config.request.requestUrlTemplate",
            "config.request.requestUrlTemplate is required: the URL the action calls",
        ));
    }
    let method = request
        .and_then(|r| r.get("requestType"))
        .and_then(Value::as_str);
    if !method.is_some_and(|m| REQUEST_TYPES.contains(&m)) {
        errors.push(problem(
            "config.request.requestType",
            &format!(
                "config.request.requestType is required and must be one of {}",
                REQUEST_TYPES.join(", ")
            ),
        ));
    }
    for (part, schema) in [("input", "inputSchema"), ("output", "successSchema")] {
        if !draft
            .contract
            .get(part)
            .and_then(|p| p.get(schema))
            .is_some_and(Value::is_object)
        {
            let field = format!("contract.{part}.{schema}");
            errors.push(problem(&field, &format!("{field} is required")));
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn draft(config: Value) -> Definition {
        Definition {
            name: "n".into(),
            category: "c".into(),
            integration_id: crate::config::SANDBOX_INTEGRATION_ID.into(),
            secure: false,
            config,
            contract: json!({"input": {"inputSchema": {"type": "object", "properties": {}}},
                             "output": {"successSchema": {"type": "object", "properties": {}}}}),
            version: 1,
            json_bytes: Default::default(),
        }
    }

    #[test]
    fn a_complete_draft_is_valid() {
        let config = json!({"request": {"requestUrlTemplate": "https://x.example/", "requestType": "GET",
                                        "requestTemplate": "${input.rawRequest}"},
                            "response": {"translationMap": {}, "successTemplate": "${rawResult}"}});
        assert_eq!(errors(&draft(config)), Vec::<Value>::new());
    }

    #[test]
    fn a_draft_without_a_request_names_the_missing_request() {
        let found = errors(&draft(json!({})));
        let fields: Vec<&Value> = found
            .iter()
            .map(|e| &e["details"][0]["fieldName"])
            .collect();
        assert_eq!(fields, ["config.request"], "{found:?}");
        assert!(
            found
                .iter()
                .all(|e| e["code"] == "invalid.value" && e["status"] == 400)
        );
    }

    #[test]
    fn pointers_become_dotted_field_names() {
        assert_eq!(field_name("/config/headers/a~1b"), "config.headers.a/b");
        assert_eq!(field_name(""), "");
    }
}
