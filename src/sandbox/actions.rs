//! Creating a cxone-v2 Data Action: `POST /api/v2/data-actions` (and its redirect target
//! `/api/v2/data-actions/moved`), and the pieces the other action routes (`lifecycle.rs`:
//! list, get, update, delete) share with it: the admission checks, the bounded body read,
//! the payload checks and the stored action's JSON.
//!
//! A create goes through these steps, in this order; the first that answers wins:
//!  1. stats count, 2. rate-limit window (429 + `Retry-After`): both are middlewares;
//!  3. 431 when the request's `name: value\r\n` total exceeds 8192 bytes;
//!  4. 401 without a valid, unexpired bearer token; 5. 403 without `data-actions:write`;
//!  6. `fail_429` (authenticated requests only): 429 + `Retry-After: 1`;
//!  7. `error_rate`: 503, nothing stored;
//!  8. `redirect`: 301/302/307/308 to the `/moved` target, or `loop` between the two;
//!  9. 413 over 1 MiB; 10. 415 for a declared non-JSON `Content-Type` (a missing one is
//!     taken as JSON);
//! 11. `Idempotency-Key` seen before: same body → the first response replayed byte for
//!     byte (status, headers, body; the rate-limit headers are this response's own), another
//!     body → 422; a key is remembered as long as the action it created is stored (see
//!     `store.rs` for the store's limits);
//! 12. 400 problem+json for invalid JSON or schema errors (one entry per error, with its
//!     pointer, line and column); 13. 409 when the name exists; 14. store (version 1);
//! 15. `latency_ms` delay; 16. 201 with `Location` and `ETag: "1"` (303 under
//!     `redirect: 303`).
//!
//! Steps 11, 13 and 14 happen under one lock of the store, so two concurrent retries with
//! the same key store once. The payload checks (step 12) run outside it since they are pure:
//! the key is looked up once before them (cheap replays) and again under the lock.
//! Only creates that stored something are recorded for replay: a 400 or 409 is answered
//! the same way on a retry anyway, and a client that fixes its body may reuse the key.
//!
//! The body is read (bounded) before step 3 even though its size only matters at step 9:
//! answering before the client has finished sending makes the connection close with unread
//! data, which resets it and can lose the answer on the client's side.

#![allow(
    clippy::result_large_err,
    reason = "the Err side is the HTTP response to send; it is built once, on the way out"
)]

use std::future::poll_fn;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Path, State as AxumState};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::faults::{Faults, RedirectFault};
use super::oauth::{Need, authorize};
use super::respond;
use super::state::State;
use super::store::{NewAction, Replay, body_digest};
use crate::payload::{Diagnostic, check_text};

/// The largest request header block accepted, counted as the HTTP/1.1 lines
/// `name: value\r\n` (the header budget of docs/engine.md, the server's side of it).
pub const MAX_HEADER_BYTES: usize = 8192;
/// The largest create body accepted (1 MiB), the same limit the payload checks report.
pub use crate::payload::MAX_BODY_BYTES;
/// An oversized body is still read and dropped up to this size, so the client can finish
/// sending and read its 413; past it the connection is simply closed.
const DRAIN_CAP: usize = 16 * MAX_BODY_BYTES;

pub(crate) const COLLECTION_PATH: &str = "/api/v2/data-actions";
pub(crate) const MOVED_PATH: &str = "/api/v2/data-actions/moved";

/// Which of the two create URLs was hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Entry {
    Collection,
    Moved,
}

pub(crate) enum BodyRead {
    Complete(Bytes),
    TooLarge,
    Failed,
}

/// `POST /api/v2/data-actions`.
pub(crate) async fn create(
    AxumState(state): AxumState<Arc<State>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    create_at(&state, Entry::Collection, headers, body).await
}

/// `POST /api/v2/data-actions/{id}`: only `moved`, the redirect target, accepts a create.
pub(crate) async fn create_at_id(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if id != "moved" {
        let response = respond::problem(
            StatusCode::METHOD_NOT_ALLOWED,
            "an action cannot be changed with POST; update it with PUT, or create at /api/v2/data-actions",
            None,
        );
        return respond::with_header(response, header::ALLOW, "GET, PUT, DELETE");
    }
    create_at(&state, Entry::Moved, headers, body).await
}

async fn create_at(state: &State, entry: Entry, headers: HeaderMap, body: Body) -> Response {
    let body = read_body(body, declared_length(&headers)).await;
    match pipeline(state, entry, &headers, body).await {
        Ok(response) | Err(response) => response,
    }
}

async fn pipeline(
    state: &State,
    entry: Entry,
    headers: &HeaderMap,
    body: BodyRead,
) -> Result<Response, Response> {
    admit(state, headers, Need::Write)?;
    let faults = write_faults(state)?;
    let see_other = match (faults.redirect, entry) {
        (None, _) => false,
        (Some(RedirectFault::SeeOther), _) => true,
        (Some(RedirectFault::Loop), Entry::Moved) => {
            return Err(redirect(RedirectFault::Loop, COLLECTION_PATH));
        }
        (Some(fault), Entry::Collection) => {
            let location = faults.redirect_location.as_deref().unwrap_or(MOVED_PATH);
            return Err(redirect(fault, location));
        }
        (Some(_), Entry::Moved) => false,
    };

    let body = json_body(headers, body)?;
    let key = idempotency_key(headers)?.map(|key| (key, body_digest(&body)));
    if let Some((key, digest)) = &key {
        replayed(
            state
                .store
                .read()
                .map_err(store_failed)?
                .replay(key, digest),
        )?;
    }

    let (payload, name) = check_payload(&body)?;

    let response = {
        let mut store = state.store.write().map_err(store_failed)?;
        if let Some((key, digest)) = &key {
            replayed(store.replay(key, digest))?;
        }
        if store.name_taken(&name, None) {
            return Err(name_conflict(&name));
        }
        let mut id = new_id(state);
        while store.id_exists(&id) {
            id = new_id(state);
        }
        let created_at = crate::time::format_rfc3339_ms(crate::time::now_ms());
        let json = action_json(&id, payload, 1, &created_at)?;
        let status = if see_other {
            StatusCode::SEE_OTHER
        } else {
            StatusCode::CREATED
        };
        let response = created_response(status, &id, json.clone());
        store.insert(NewAction {
            id,
            name,
            json,
            created_at,
            status,
            key,
        });
        store.commit().map_err(store_failed)?;
        response
    };

    if faults.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(faults.latency_ms)).await;
    }
    Ok(response)
}

/// The faults every write (create, update, delete) is subject to after admission:
/// `fail_429`, then `error_rate`. Hands back the settings for the steps that follow.
pub(crate) fn write_faults(state: &State) -> Result<Arc<Faults>, Response> {
    if state.take_fail_429() {
        let response = respond::problem(
            StatusCode::TOO_MANY_REQUESTS,
            "injected 429 (fault fail_429)",
            None,
        );
        return Err(respond::with_header(response, header::RETRY_AFTER, "1"));
    }
    let faults = state.faults();
    if faults.error_rate > 0.0 && state.rng.next_f64() < faults.error_rate {
        // No Retry-After: the engine's backoff path is the one this exercises.
        return Err(respond::problem(
            StatusCode::SERVICE_UNAVAILABLE,
            "injected 503 (fault error_rate); nothing was stored or changed",
            None,
        ));
    }
    Ok(faults)
}

/// The body of a create or update: 413 past 1 MiB, 400 when it could not be read, 415 for a
/// declared non-JSON `Content-Type`.
pub(crate) fn json_body(headers: &HeaderMap, body: BodyRead) -> Result<Bytes, Response> {
    let body = match body {
        BodyRead::Complete(body) => body,
        BodyRead::TooLarge => {
            return Err(respond::problem(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the body exceeds {MAX_BODY_BYTES} bytes (1 MiB)"),
                None,
            ));
        }
        BodyRead::Failed => {
            return Err(respond::problem(
                StatusCode::BAD_REQUEST,
                "the request body could not be read",
                None,
            ));
        }
    };
    if !json_content_type(headers) {
        return Err(respond::problem(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "the body must be JSON (Content-Type: application/json)",
            None,
        ));
    }
    Ok(body)
}

/// The 500 when the store file could not be read or written (nothing was changed).
pub(crate) fn store_failed(error: super::persist::StoreFileError) -> Response {
    respond::problem(StatusCode::INTERNAL_SERVER_ERROR, error.to_string(), None)
}

pub(crate) fn name_conflict(name: &str) -> Response {
    respond::problem(
        StatusCode::CONFLICT,
        format!("an action named {name:?} already exists"),
        None,
    )
}

/// `ETag: "<version>"`.
pub(crate) fn with_etag(response: Response, version: u64) -> Response {
    respond::with_header(response, header::ETAG, &format!("\"{version}\""))
}

/// The checks every `/api/v2` route makes after the rate limit: 431, then 401 and 403.
pub(crate) fn admit(state: &State, headers: &HeaderMap, need: Need) -> Result<(), Response> {
    let total: usize = headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    if total > MAX_HEADER_BYTES {
        return Err(respond::problem(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            format!(
                "the request headers total {total} bytes, over the {MAX_HEADER_BYTES}-byte limit"
            ),
            None,
        ));
    }
    authorize(state, headers, need).map(|_| ())
}

fn redirect(fault: RedirectFault, location: &str) -> Response {
    let response = respond::problem(
        fault.status(),
        format!("injected redirect (fault redirect {fault}) to {location}"),
        None,
    );
    respond::with_header(response, header::LOCATION, location)
}

/// A replay is the create's response built again from what was stored: the same status,
/// headers and body bytes as the first time.
fn replayed(replay: Replay<'_>) -> Result<(), Response> {
    match replay {
        Replay::None => Ok(()),
        Replay::Same { status, id, json } => Err(created_response(status, id, json.clone())),
        Replay::Mismatch => Err(respond::problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "this Idempotency-Key was already used with a different body",
            None,
        )),
    }
}

/// A create always stores version 1, so its answer (and a replay of it) carries `ETag: "1"`.
fn created_response(status: StatusCode, id: &str, json: Bytes) -> Response {
    let response = with_etag(respond::bytes(status, "application/json", json), 1);
    respond::with_header(
        response,
        header::LOCATION,
        &format!("{COLLECTION_PATH}/{id}"),
    )
}

fn new_id(state: &State) -> String {
    format!("da_{:016x}", state.rng.next_u64())
}

/// The fields the server owns: a body's own values for them are replaced, never stored.
const READ_ONLY_FIELDS: [&str; 3] = ["id", "version", "createdAt"];

/// The stored action: `id`, the payload's fields, `version`, `createdAt`.
pub(crate) fn action_json(
    id: &str,
    mut payload: Map<String, Value>,
    version: u64,
    created_at: &str,
) -> Result<Bytes, Response> {
    for field in READ_ONLY_FIELDS {
        payload.remove(field);
    }
    let mut action = Map::with_capacity(payload.len() + 3);
    action.insert("id".to_string(), Value::String(id.to_string()));
    action.extend(payload);
    action.insert("version".to_string(), Value::from(version));
    action.insert(
        "createdAt".to_string(),
        Value::String(created_at.to_string()),
    );
    serde_json::to_vec(&action).map(Bytes::from).map_err(|_| {
        respond::problem(
            StatusCode::INTERNAL_SERVER_ERROR,
            "could not serialize the action",
            None,
        )
    })
}

/// The payload checks shared with the CLI and the TUI; only errors reject (warnings, such
/// as a literal secret header, are the author's business).
pub(crate) fn check_payload(body: &Bytes) -> Result<(Map<String, Value>, String), Response> {
    let Ok(text) = std::str::from_utf8(body) else {
        return Err(invalid(vec![json!({
            "pointer": "", "detail": "the body is not valid UTF-8", "line": 1, "column": 1,
        })]));
    };
    let report = check_text(text);
    if report.has_errors() {
        let errors = report
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(problem_entry)
            .collect();
        return Err(invalid(errors));
    }
    // The checks hand back the parsed value; parse here only if they did not, so the
    // store never holds something that is not an object with a string name.
    let value = match report.value {
        Some(value) => value,
        None => serde_json::from_str(text).map_err(|e| {
            invalid(vec![json!({
                "pointer": "", "detail": e.to_string(), "line": e.line().max(1), "column": e.column().max(1),
            })])
        })?,
    };
    let Value::Object(payload) = value else {
        return Err(invalid(vec![json!({
            "pointer": "", "detail": "the payload must be a JSON object", "line": 1, "column": 1,
        })]));
    };
    let Some(name) = payload
        .get("name")
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return Err(invalid(vec![json!({
            "pointer": "/name", "detail": "`name` is required and must be a string", "line": 1, "column": 1,
        })]));
    };
    Ok((payload, name))
}

fn problem_entry(d: &Diagnostic) -> Value {
    json!({
        "pointer": d.pointer,
        "detail": d.message,
        "line": d.line,
        "column": d.column,
    })
}

fn invalid(errors: Vec<Value>) -> Response {
    let count = errors.len();
    respond::problem(
        StatusCode::BAD_REQUEST,
        format!(
            "the payload has {count} error{}",
            if count == 1 { "" } else { "s" }
        ),
        Some(json!({ "errors": errors })),
    )
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, Response> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    match value.to_str() {
        Ok(key) if !key.is_empty() && key.len() <= 255 => Ok(Some(key.to_string())),
        _ => Err(respond::problem(
            StatusCode::BAD_REQUEST,
            "Idempotency-Key must be 1 to 255 visible ASCII characters",
            None,
        )),
    }
}

pub(crate) fn json_content_type(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return true;
    };
    let essence = value
        .to_str()
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json" || essence.ends_with("+json")
}

pub(crate) fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

/// Reads up to [`MAX_BODY_BYTES`]; past that keeps reading (and dropping) up to
/// [`DRAIN_CAP`]. A body that arrives in one frame, the usual case, is not copied.
pub(crate) async fn read_body(mut body: Body, declared: Option<u64>) -> BodyRead {
    if declared.is_some_and(|n| n > DRAIN_CAP as u64) {
        return BodyRead::TooLarge;
    }
    let mut chunks: Vec<Bytes> = Vec::new();
    let mut total = 0usize;
    while let Some(frame) = poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
        let Ok(frame) = frame else {
            return BodyRead::Failed;
        };
        if let Ok(data) = frame.into_data() {
            total += data.len();
            if total > DRAIN_CAP {
                return BodyRead::TooLarge;
            }
            if total <= MAX_BODY_BYTES {
                chunks.push(data);
            }
        }
    }
    if total > MAX_BODY_BYTES {
        return BodyRead::TooLarge;
    }
    match chunks.len() {
        0 => BodyRead::Complete(Bytes::new()),
        1 => BodyRead::Complete(chunks.swap_remove(0)),
        _ => BodyRead::Complete(chunks.concat().into()),
    }
}
