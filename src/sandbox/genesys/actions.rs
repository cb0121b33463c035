//! Creating actions (`POST …/actions/drafts` and `POST …/actions`, one pipeline) and the
//! published actions (`GET`, `PATCH`, `DELETE …/actions/{id}`).
//!
//! A create goes through these steps; the first that answers wins: the rate-limit window
//! (a middleware), 401 without a valid token, `fail_429` (429 `too.many.requests`,
//! `Retry-After: 1`), `error_rate` (503 `service.unavailable`, nothing stored), 413 over
//! 1 MiB, 415 for a declared non-JSON body, 400 for a body that is not a valid
//! `PostActionInput` (`bad.request`, or `invalid.value` naming the field), for a create
//! published at once the draft validation (400 with the validation errors in `errors`),
//! 400 when another action has the name, store, the `latency_ms` delay, 200 with the
//! `Action`. The delay comes after the store, so a client that times out has still made the
//! action (what a lookup by name before a retry is for).

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State as AxumState};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::error::{ApiError, detail};
use super::model::{self, Definition, Side, View};
use super::{Query, authenticate, headers, new_id, validation};
use crate::sandbox::actions::{
    BodyRead, MAX_BODY_BYTES, declared_length, json_content_type, read_body,
};
use crate::sandbox::respond;
use crate::sandbox::state::State;

/// `POST /api/v2/integrations/actions`: a create published at once (version 1).
pub(crate) async fn create_published(
    AxumState(state): AxumState<Arc<State>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    create(&state, &headers, body, Side::Published).await
}

/// The create pipeline of both create endpoints (see the module's doc for its order).
pub(super) async fn create(state: &State, headers: &HeaderMap, body: Body, side: Side) -> Response {
    let read = read_body(body, declared_length(headers)).await;
    match create_steps(state, headers, read, side).await {
        Ok(response) => response,
        Err(response) => response,
    }
}

async fn create_steps(
    state: &State,
    request_headers: &HeaderMap,
    read: BodyRead,
    side: Side,
) -> Result<Response, Response> {
    authenticate(state, request_headers)?;
    if let Some(refused) = injected_fault(state) {
        return Err(refused);
    }
    let faults = state.faults();
    let body = json_body(request_headers, read)?;
    let mut definition = model::parse_create(&body)?;
    if side == Side::Published {
        definition = refuse_invalid(definition).await?;
    }
    let answer = {
        let mut store = state.genesys.write().map_err(ApiError::from)?;
        if store.name_taken(&definition.name, None) {
            return Err(name_taken(&definition.name).into());
        }
        let mut id = new_id();
        while store.get(&id).is_some() {
            id = new_id();
        }
        let answer = definition.action(&id, side, View::FULL);
        match side {
            Side::Published => store.insert(id, Some(definition), None),
            Side::Draft => store.insert(id, None, Some(definition)),
        }
        store.commit().map_err(ApiError::from)?;
        answer
    };
    if faults.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(faults.latency_ms)).await;
    }
    Ok(respond::json(StatusCode::OK, &answer))
}

/// The write faults, after the token check: the answer of the one that fires, if any:
/// `fail_429` (429 `too.many.requests`, `Retry-After: 1`), then `error_rate` (503
/// `service.unavailable`, nothing done).
pub(super) fn injected_fault(state: &State) -> Option<Response> {
    if state.take_fail_429() {
        return Some(headers::too_many_requests(
            "Rate limit exceeded (injected 429, fault fail_429)".to_string(),
            1,
        ));
    }
    let error_rate = state.faults().error_rate;
    if error_rate > 0.0 && state.rng.next_f64() < error_rate {
        return Some(
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "service.unavailable",
                "Service Unavailable (injected 503, fault error_rate); nothing was stored or run",
            )
            .into(),
        );
    }
    None
}

/// The body of a request that must carry JSON: 413 over the limit, 415 for another declared
/// type, 400 when it could not be read.
pub(super) fn json_body(headers: &HeaderMap, read: BodyRead) -> Result<Bytes, ApiError> {
    let body = match read {
        BodyRead::Complete(body) => body,
        BodyRead::TooLarge => {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "request.entity.too.large",
                format!("The request body exceeds {MAX_BODY_BYTES} bytes (1 MiB)"),
            ));
        }
        BodyRead::Failed => {
            return Err(ApiError::bad_request("The request body could not be read"));
        }
    };
    if !json_content_type(headers) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported.media.type",
            "Unsupported Media Type - Unsupported or incorrect media type, such as an incorrect Content-Type value in the header.",
        ));
    }
    Ok(body)
}

/// Reads a JSON body after the token check.
pub(super) async fn authenticated_body(
    state: &State,
    headers: &HeaderMap,
    body: Body,
) -> Result<Bytes, ApiError> {
    let read = read_body(body, declared_length(headers)).await;
    authenticate(state, headers)?;
    json_body(headers, read)
}

pub(super) fn name_taken(name: &str) -> ApiError {
    ApiError::bad_request(format!("An action named {name:?} already exists"))
        .with_detail(detail("bad.request", "name"))
}

/// 400 with the validation errors in `errors`, when the definition would not validate;
/// else the definition back.
pub(super) async fn refuse_invalid(definition: Definition) -> Result<Definition, ApiError> {
    let (definition, errors) = validation::errors_off_worker(definition).await?;
    if errors.is_empty() {
        Ok(definition)
    } else {
        Err(ApiError::bad_request(format!(
            "The action is not valid: {} error{}; see errors",
            errors.len(),
            if errors.len() == 1 { "" } else { "s" }
        ))
        .with_errors(errors))
    }
}

fn no_action(id: &str) -> ApiError {
    ApiError::not_found(format!("No published action with id {id}"))
}

/// A copy of the published definition (the store's lock is released on return).
pub(super) fn current_published(state: &State, id: &str) -> Result<Definition, ApiError> {
    state
        .genesys
        .read()?
        .get(id)
        .and_then(|a| a.published.clone())
        .ok_or_else(|| no_action(id))
}

/// `GET /api/v2/integrations/actions/{id}` (`expand=contract`, `includeConfig=true`).
pub(crate) async fn get(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    authenticate(&state, &headers)?;
    let view = Query::parse(query.as_deref()).view()?;
    let store = state.genesys.read()?;
    let published = store
        .get(&id)
        .and_then(|a| a.published.as_ref())
        .ok_or_else(|| no_action(&id))?;
    Ok(respond::json(
        StatusCode::OK,
        &published.action(&id, Side::Published, view),
    ))
}

/// `PATCH /api/v2/integrations/actions/{id}`: an `UpdateActionInput` at the current version;
/// the result must validate.
pub(crate) async fn update(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let body = authenticated_body(&state, &headers, body).await?;
    let update = model::parse_action_update(&body)?;
    let current = current_published(&state, &id)?;
    if update.version != current.version {
        return Err(model::stale_version(
            "action",
            update.version,
            current.version,
        ));
    }
    let next = refuse_invalid(update.apply(&current)).await?;
    let mut store = state.genesys.write()?;
    if store.name_taken(&next.name, Some(&id)) {
        return Err(name_taken(&next.name));
    }
    let answer = next.action(&id, Side::Published, View::FULL);
    // Checked again under this lock: another request may have changed it since.
    store
        .modify(&id, |action| match &action.published {
            Some(now) if *now == current => {
                action.published = Some(next);
                Ok(())
            }
            Some(now) => Err(model::stale_version("action", update.version, now.version)),
            None => Err(no_action(&id)),
        })
        .unwrap_or_else(|| Err(no_action(&id)))?;
    store.commit()?;
    Ok(respond::json(StatusCode::OK, &answer))
}

/// `DELETE /api/v2/integrations/actions/{id}`: the action and its draft; 204.
pub(crate) async fn delete(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    authenticate(&state, &headers)?;
    let mut store = state.genesys.write()?;
    if store.get(&id).is_none_or(|a| a.published.is_none()) {
        return Err(no_action(&id));
    }
    store.modify(&id, |action| {
        action.published = None;
        action.draft = None;
    });
    store.commit()?;
    Ok(no_content())
}

pub(super) fn no_content() -> Response {
    axum::response::IntoResponse::into_response(StatusCode::NO_CONTENT)
}
