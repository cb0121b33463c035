//! Response building shared by the routes: RFC 9457 problem+json bodies for the API's
//! errors, JSON bodies, and RFC 3339 timestamps (UTC, milliseconds, `Z`) without pulling in
//! a date crate.

use axum::body::{Body, Bytes};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::Serialize;
use serde_json::{Value, json};

pub(crate) const PROBLEM_JSON: &str = "application/problem+json";

/// A response with a JSON body. Serializing our own types cannot fail; if it somehow did,
/// the client still gets a well-formed 500 rather than a dropped connection.
pub(crate) fn json<T: Serialize>(status: StatusCode, value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => bytes(status, "application/json", body.into()),
        Err(_) => bytes(
            StatusCode::INTERNAL_SERVER_ERROR,
            "text/plain",
            Bytes::from_static(b"could not serialize the response"),
        ),
    }
}

pub(crate) fn bytes(status: StatusCode, content_type: &'static str, body: Bytes) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// An `application/problem+json` response. `extra` members (an `errors` array, say) are
/// merged into the body.
pub(crate) fn problem(
    status: StatusCode,
    detail: impl Into<String>,
    extra: Option<Value>,
) -> Response {
    let mut body = json!({
        "type": "about:blank",
        "title": status.canonical_reason().unwrap_or("Error"),
        "status": status.as_u16(),
        "detail": detail.into(),
    });
    if let (Some(Value::Object(extra)), Some(map)) = (extra, body.as_object_mut()) {
        map.extend(extra);
    }
    match serde_json::to_vec(&body) {
        Ok(bytes_) => bytes(status, PROBLEM_JSON, bytes_.into()),
        Err(_) => bytes(status, PROBLEM_JSON, Bytes::new()),
    }
}

/// Adds a header; values that are not valid header text are skipped (every caller passes
/// ASCII it built itself, so this never drops anything in practice).
pub(crate) fn with_header(mut response: Response, name: HeaderName, value: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(value) {
        response.headers_mut().insert(name, value);
    }
    response
}
