//! The genesys-cloud platform's error shape, `ErrorBody` (`message`, `code`, `status`,
//! `contextId`, `details[]`, `errors[]`), as one line a person can act on:
//!
//! ```text
//! bad.request: The request could not be understood; invalid.value config.request.requestType; contextId: 5b2c…
//! ```
//!
//! `code: message`, then each detail (`errorCode fieldName entityId entityName`, the parts
//! present) and each nested error (`code: message` and its details), then `contextId`, which
//! the platform's support asks for and is therefore never cut off by the length bound. The
//! status is the caller's to show (`cxda submit` prints `rejected STATUS …`). Every piece is
//! server text: control characters are escaped.

use serde::Deserialize;
use serde_json::Value;

use crate::engine::response::bound;
use crate::text::escape_controls;

/// The longest `contextId` shown (they are UUIDs; a longer one is not one).
const MAX_CONTEXT_ID_CHARS: usize = 128;

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct ErrorBody {
    message: Option<String>,
    code: Option<String>,
    context_id: Option<String>,
    #[serde(deserialize_with = "null_as_empty")]
    details: Vec<Detail>,
    #[serde(deserialize_with = "null_as_empty")]
    errors: Vec<ErrorBody>,
}

/// A field the platform may send as `null` where it means "none": read as empty.
pub(crate) fn null_as_empty<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Detail {
    error_code: Option<String>,
    field_name: Option<String>,
    entity_id: Option<String>,
    entity_name: Option<String>,
}

/// The line for an `ErrorBody` in `body`; `None` when the body is not one (no `code` and no
/// `message`), for the caller's generic reading.
pub fn render(body: &[u8]) -> Option<String> {
    let error: ErrorBody = serde_json::from_slice(body).ok()?;
    render_error(&error)
}

/// [`render`] for a value already parsed (an entry of a validation's `errors`).
pub fn render_value(value: &Value) -> Option<String> {
    let error = ErrorBody::deserialize(value).ok()?;
    render_error(&error)
}

fn render_error(error: &ErrorBody) -> Option<String> {
    let mut parts = vec![head(error)?];
    push_details(error, &mut parts);
    for nested in &error.errors {
        if let Some(head) = head(nested) {
            parts.push(head);
        }
        push_details(nested, &mut parts);
    }
    let mut text = bound(&parts.join("; "));
    let context = non_empty(&error.context_id)
        .or_else(|| error.errors.iter().find_map(|e| non_empty(&e.context_id)));
    if let Some(context) = context {
        let context: String = context.chars().take(MAX_CONTEXT_ID_CHARS).collect();
        text.push_str("; contextId: ");
        text.push_str(&escape_controls(&context));
    }
    Some(text)
}

/// `code: message`, or whichever of the two there is.
fn head(error: &ErrorBody) -> Option<String> {
    let text = match (non_empty(&error.code), non_empty(&error.message)) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(one), None) | (None, Some(one)) => one.to_string(),
        (None, None) => return None,
    };
    Some(escape_controls(&text).into_owned())
}

fn push_details(error: &ErrorBody, parts: &mut Vec<String>) {
    for detail in &error.details {
        let words: Vec<&str> = [
            &detail.error_code,
            &detail.field_name,
            &detail.entity_id,
            &detail.entity_name,
        ]
        .into_iter()
        .filter_map(non_empty)
        .collect();
        if !words.is_empty() {
            parts.push(escape_controls(&words.join(" ")).into_owned());
        }
    }
}

fn non_empty(text: &Option<String>) -> Option<&str> {
    text.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_message_details_nested_errors_then_the_context_id() {
        let body = br#"{"message":"Validation failed","code":"bad.request","status":400,
            "contextId":"5b2c7e1a-0000-4000-8000-000000000001",
            "details":[{"errorCode":"invalid.value","fieldName":"config.request.requestType"}],
            "errors":[{"code":"invalid.schema","message":"contract.input: $ref is not supported",
                       "details":[{"errorCode":"unsupported","fieldName":"contract.input.inputSchema"}]}]}"#;
        assert_eq!(
            render(body).as_deref(),
            Some(
                "bad.request: Validation failed; invalid.value config.request.requestType; \
                 invalid.schema: contract.input: $ref is not supported; unsupported \
                 contract.input.inputSchema; contextId: 5b2c7e1a-0000-4000-8000-000000000001"
            )
        );
    }

    #[test]
    fn the_context_id_survives_a_long_message() {
        let body = serde_json::json!({
            "code": "bad.request",
            "message": "x".repeat(5_000),
            "contextId": "ctx-1",
        });
        let text = render(body.to_string().as_bytes()).expect("an ErrorBody");
        assert!(text.ends_with("; contextId: ctx-1"), "{text}");
        assert!(text.chars().count() < 400, "bounded");
    }

    #[test]
    fn server_text_is_escaped() {
        let body = br#"{"code":"bad.request\u001b[2J","message":"no\u0007","contextId":"c\r\nX"}"#;
        let text = render(body).expect("an ErrorBody");
        assert!(!text.chars().any(char::is_control), "{text:?}");
    }

    #[test]
    fn a_body_that_is_not_an_error_body_is_left_to_the_caller() {
        assert_eq!(render(br#"{"detail":"problem json"}"#), None);
        assert_eq!(render(b"<html>"), None);
        assert_eq!(
            render(br#"{"code":"not.found"}"#).as_deref(),
            Some("not.found")
        );
    }

    #[test]
    fn null_details_and_errors_read_as_none() {
        let body = br#"{"code":"bad.request","message":"no","details":null,"errors":null}"#;
        assert_eq!(render(body).as_deref(), Some("bad.request: no"));
    }
}
