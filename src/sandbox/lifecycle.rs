//! The cxone-v2 routes on stored actions (creating one is `actions.rs`):
//! `GET /api/v2/data-actions?page=N&pageSize=M` (paged, oldest first),
//! `GET|PUT|DELETE /api/v2/data-actions/{id}`.
//!
//! Every stored action has a `version` (1 on create, +1 per update), sent as
//! `ETag: "<version>"` with each single action. A `PUT` or `DELETE` with `If-Match`
//! (`"3"`, the bare `3`, a comma-separated list, or `*`) is refused with 412 unless it
//! names the current version; without `If-Match` the change is unconditional (the last
//! write wins), as plain HTTP has it.
//!
//! An update goes through the create's steps where they apply, in this order: 431, 401,
//! 403 (`data-actions:write`), `fail_429`, `error_rate`, 413, 415, 400 (the same payload
//! checks), then under one lock of the store 404, 412, 409 (another action has the name)
//! and the update; then `latency_ms`, then 200 with the stored action. No redirect fault
//! and no `Idempotency-Key` (a PUT is idempotent by itself). A delete: 431, 401, 403,
//! `fail_429`, `error_rate`, then 404, 412, the delete, `latency_ms`, 204.

#![allow(
    clippy::result_large_err,
    reason = "the Err side is the HTTP response to send; it is built once, on the way out"
)]

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Path, RawQuery, State as AxumState};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde_json::json;

use super::actions::{
    BodyRead, action_json, admit, check_payload, declared_length, json_body, name_conflict,
    read_body, store_failed, with_etag, write_faults,
};
use super::faults::Faults;
use super::oauth::Need;
use super::respond;
use super::state::State;

/// The largest page a list answers.
pub(crate) const MAX_PAGE_SIZE: u64 = 100;
/// The page size when the request names none.
pub(crate) const DEFAULT_PAGE_SIZE: u64 = 25;

/// `GET /api/v2/data-actions`: one page of the actions, oldest first, as
/// `{"entities": [...], "page": N, "pageSize": M, "total": T}`. A page past the last is
/// empty; a page or size out of range is a 400.
pub(crate) async fn list(
    AxumState(state): AxumState<Arc<State>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    if let Err(response) = admit(&state, &headers, Need::Read) {
        return response;
    }
    let (page, size) = match paging(query.as_deref()) {
        Ok(paging) => paging,
        Err(response) => return response,
    };
    let skip = usize::try_from((page - 1).saturating_mul(size)).unwrap_or(usize::MAX);
    let take = usize::try_from(size).unwrap_or(usize::MAX);
    // Stitched from the stored bytes: listing never re-serializes an action.
    let mut body = Vec::from(&b"{\"entities\":["[..]);
    let total = {
        let store = match state.store.read() {
            Ok(store) => store,
            Err(error) => return store_failed(error),
        };
        for (i, action) in store.iter().skip(skip).take(take).enumerate() {
            if i > 0 {
                body.push(b',');
            }
            body.extend_from_slice(&action.json);
        }
        store.len()
    };
    body.extend_from_slice(
        format!("],\"page\":{page},\"pageSize\":{size},\"total\":{total}}}").as_bytes(),
    );
    respond::bytes(StatusCode::OK, "application/json", body.into())
}

/// `page` (from 1, default 1) and `pageSize` (1 to [`MAX_PAGE_SIZE`], default
/// [`DEFAULT_PAGE_SIZE`]); the first of a repeated parameter counts.
fn paging(query: Option<&str>) -> Result<(u64, u64), Response> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let value = |name: &str, default: u64, max: u64| -> Result<u64, Response> {
        let Some((_, text)) = pairs.iter().find(|(k, _)| k == name) else {
            return Ok(default);
        };
        match text.trim().parse::<u64>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => {
                let range = if max == u64::MAX {
                    "a whole number from 1".to_string()
                } else {
                    format!("a whole number from 1 to {max}")
                };
                Err(respond::problem(
                    StatusCode::BAD_REQUEST,
                    format!("{name} must be {range}; it is {text:?}"),
                    Some(json!({ "key": name })),
                ))
            }
        }
    };
    Ok((
        value("page", 1, u64::MAX)?,
        value("pageSize", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)?,
    ))
}

/// `GET /api/v2/data-actions/{id}`, with `ETag: "<version>"`.
pub(crate) async fn get(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(response) = admit(&state, &headers, Need::Read) {
        return response;
    }
    let found = match state.store.read() {
        Ok(store) => store
            .get(&id)
            .map(|action| (action.json.clone(), action.version)),
        Err(error) => return store_failed(error),
    };
    match found {
        Some((json, version)) => with_etag(
            respond::bytes(StatusCode::OK, "application/json", json),
            version,
        ),
        None => not_found(&id),
    }
}

/// `PUT /api/v2/data-actions/{id}`: the action's next version.
pub(crate) async fn update(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let body = read_body(body, declared_length(&headers)).await;
    match update_pipeline(&state, &id, &headers, body).await {
        Ok(response) | Err(response) => response,
    }
}

async fn update_pipeline(
    state: &State,
    id: &str,
    headers: &HeaderMap,
    body: BodyRead,
) -> Result<Response, Response> {
    admit(state, headers, Need::Write)?;
    let faults = write_faults(state)?;
    let body = json_body(headers, body)?;
    let (payload, name) = check_payload(&body)?;
    let (json, version) = {
        let mut store = state.store.write().map_err(store_failed)?;
        let Some(current) = store.get(id) else {
            return Err(not_found(id));
        };
        precondition(headers, current.version)?;
        let version = current.version + 1;
        let created_at = current.created_at.clone();
        if store.name_taken(&name, Some(id)) {
            return Err(name_conflict(&name));
        }
        let json = action_json(id, payload, version, &created_at)?;
        store.update(id, name, json.clone());
        store.commit().map_err(store_failed)?;
        (json, version)
    };
    delay(&faults).await;
    Ok(with_etag(
        respond::bytes(StatusCode::OK, "application/json", json),
        version,
    ))
}

/// `DELETE /api/v2/data-actions/{id}`: 204, and the id is gone and its name free.
pub(crate) async fn delete(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    match delete_pipeline(&state, &id, &headers).await {
        Ok(response) | Err(response) => response,
    }
}

async fn delete_pipeline(
    state: &State,
    id: &str,
    headers: &HeaderMap,
) -> Result<Response, Response> {
    admit(state, headers, Need::Write)?;
    let faults = write_faults(state)?;
    {
        let mut store = state.store.write().map_err(store_failed)?;
        let Some(current) = store.get(id) else {
            return Err(not_found(id));
        };
        precondition(headers, current.version)?;
        store.remove(id);
        store.commit().map_err(store_failed)?;
    }
    delay(&faults).await;
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::NO_CONTENT;
    Ok(response)
}

async fn delay(faults: &Faults) {
    if faults.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(faults.latency_ms)).await;
    }
}

fn not_found(id: &str) -> Response {
    respond::problem(
        StatusCode::NOT_FOUND,
        format!("no action with id {id:?}"),
        None,
    )
}

/// 412 unless `If-Match` is absent or names `version` (or is `*`).
fn precondition(headers: &HeaderMap, version: u64) -> Result<(), Response> {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Ok(());
    };
    let text = value.to_str().unwrap_or_default();
    if if_match_names(text, version) {
        return Ok(());
    }
    Err(respond::problem(
        StatusCode::PRECONDITION_FAILED,
        // A header's text is visible ASCII, so it is quoted as it came.
        format!(
            "If-Match {text} does not match the current version, \"{version}\"; get the action again"
        ),
        Some(json!({ "currentVersion": version })),
    ))
}

/// True when the `If-Match` list names `version`: `*`, `"3"`, `W/"3"` or a bare `3`.
fn if_match_names(text: &str, version: u64) -> bool {
    text.split(',').map(str::trim).any(|tag| {
        if tag == "*" {
            return true;
        }
        let tag = tag.strip_prefix("W/").unwrap_or(tag);
        let tag = tag
            .strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .unwrap_or(tag);
        tag.parse::<u64>() == Ok(version)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_accepts_quoted_bare_weak_listed_and_star() {
        for text in ["\"3\"", "3", "W/\"3\"", "\"1\", \"3\"", "*", " \"3\" "] {
            assert!(if_match_names(text, 3), "{text}");
        }
        for text in ["\"2\"", "2", "\"03x\"", "", "\"\"", "\"3"] {
            assert!(!if_match_names(text, 3), "{text}");
        }
    }

    #[test]
    fn paging_defaults_bounds_and_refusals() {
        assert_eq!(paging(None).ok(), Some((1, DEFAULT_PAGE_SIZE)));
        assert_eq!(paging(Some("page=3&pageSize=100")).ok(), Some((3, 100)));
        assert_eq!(paging(Some("pageSize=1&other=x")).ok(), Some((1, 1)));
        for bad in [
            "page=0",
            "pageSize=0",
            "pageSize=101",
            "page=-1",
            "page=x",
            "pageSize=",
        ] {
            let refused = paging(Some(bad)).err().map(|r| r.status());
            assert_eq!(refused, Some(StatusCode::BAD_REQUEST), "{bad}");
        }
    }
}
