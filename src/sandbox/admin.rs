//! The sandbox's own control surface under `/_sandbox/`: the fault settings (GET, and PUT
//! to merge), the counters, and the webhook receiver (POST records a delivery, GET lists
//! them). None of it is rate-limited, authenticated or counted in the stats.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State as AxumState;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::respond;
use super::state::{State, lock};

/// `GET /_sandbox/faults`.
pub(crate) async fn get_faults(AxumState(state): AxumState<Arc<State>>) -> Response {
    respond::json(StatusCode::OK, &*state.faults())
}

/// `PUT /_sandbox/faults`: merges the keys given into the current settings and answers with
/// the result; an unknown key or a bad value is a 400 that names it, and changes nothing.
pub(crate) async fn put_faults(AxumState(state): AxumState<Arc<State>>, body: Bytes) -> Response {
    let patch: Value = match serde_json::from_slice(&body) {
        Ok(patch) => patch,
        Err(e) => {
            return respond::problem(
                StatusCode::BAD_REQUEST,
                format!("the faults body is not JSON: {e}"),
                None,
            );
        }
    };
    let mut faults = (*state.faults()).clone();
    if let Err(e) = faults.merge(&patch) {
        return respond::problem(
            StatusCode::BAD_REQUEST,
            e.to_string(),
            Some(json!({ "key": e.key() })),
        );
    }
    state.set_faults(faults.clone());
    respond::json(StatusCode::OK, &faults)
}

/// `GET /_sandbox/stats`.
pub(crate) async fn stats(AxumState(state): AxumState<Arc<State>>) -> Response {
    respond::json(StatusCode::OK, &state.stats_snapshot())
}

/// `POST /_sandbox/webhook`: records `{id, received_at, headers, body}`. The body is kept
/// as JSON when it parses, else as text. An `Authorization` value is kept as `[redacted]`:
/// whether one was sent is worth seeing, its value is not.
pub(crate) async fn receive_webhook(
    AxumState(state): AxumState<Arc<State>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if state.take_webhook_fail() {
        return respond::problem(
            StatusCode::SERVICE_UNAVAILABLE,
            "injected 503 (fault webhook_fail); the delivery was not recorded",
            None,
        );
    }
    let mut recorded_headers = Map::new();
    for (name, value) in &headers {
        let text = if name == header::AUTHORIZATION {
            "[redacted]".to_string()
        } else {
            String::from_utf8_lossy(value.as_bytes()).into_owned()
        };
        recorded_headers.insert(name.as_str().to_string(), Value::String(text));
    }
    let body = serde_json::from_slice::<Value>(&body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()));
    let received_at = crate::time::format_rfc3339_ms(crate::time::now_ms());
    let id = lock(&state.webhooks).push(|id| {
        json!({
            "id": id,
            "received_at": received_at,
            "headers": recorded_headers,
            "body": body,
        })
    });
    respond::json(StatusCode::OK, &json!({ "id": id }))
}

/// `GET /_sandbox/webhook`: every delivery kept (the last `MAX_WEBHOOK_DELIVERIES`),
/// oldest first.
pub(crate) async fn list_webhooks(AxumState(state): AxumState<Arc<State>>) -> Response {
    let inbox = lock(&state.webhooks).deliveries().clone();
    respond::json(StatusCode::OK, &inbox)
}
