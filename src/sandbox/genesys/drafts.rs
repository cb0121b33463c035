//! Drafts: `POST …/actions/drafts` (a new action as a draft, version 1), `POST|GET|PATCH|
//! DELETE …/actions/{id}/draft`, `GET …/{id}/draft/validation` and
//! `POST …/{id}/draft/publish`.
//!
//! Versions: an action has one counter. A new draft is version 1; each draft PATCH at the
//! current version adds one; publishing the draft at its version makes the published
//! action that version plus one and ends the draft; a draft made from a published action
//! starts at the action's version. A stale version is a 400 whose message says "does not
//! match the current version".

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, RawQuery, State as AxumState};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::json;

use super::actions::{self, authenticated_body, name_taken, no_content, refuse_invalid};
use super::error::ApiError;
use super::model::{self, Definition, Side, View};
use super::{Query, authenticate, validation};
use crate::sandbox::respond;
use crate::sandbox::state::State;

fn no_draft(id: &str) -> ApiError {
    ApiError::not_found(format!("No draft for an action with id {id}"))
}

/// A copy of the draft (the store's lock is released on return).
pub(super) fn current_draft(state: &State, id: &str) -> Result<Definition, ApiError> {
    state
        .genesys
        .read()?
        .get(id)
        .and_then(|a| a.draft.clone())
        .ok_or_else(|| no_draft(id))
}

/// `POST /api/v2/integrations/actions/drafts`.
pub(crate) async fn create(
    AxumState(state): AxumState<Arc<State>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    actions::create(&state, &headers, body, Side::Draft).await
}

/// `POST /api/v2/integrations/actions/{id}/draft` (no body): a draft from the published
/// action, at its version. 400 when the action already has a draft.
pub(crate) async fn from_published(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    authenticate(&state, &headers)?;
    let mut store = state.genesys.write()?;
    let draft = store
        .modify(&id, |action| match (&action.published, &action.draft) {
            (None, _) => Err(ApiError::not_found(format!(
                "No published action with id {id}"
            ))),
            (Some(_), Some(_)) => Err(ApiError::bad_request(format!(
                "The action {id} already has a draft; change, publish or delete it"
            ))),
            (Some(published), None) => {
                action.draft = Some(published.clone());
                Ok(published.clone())
            }
        })
        .unwrap_or_else(|| Err(ApiError::not_found(format!("No action with id {id}"))))?;
    store.commit()?;
    Ok(respond::json(
        StatusCode::OK,
        &draft.action(&id, Side::Draft, View::FULL),
    ))
}

/// `GET /api/v2/integrations/actions/{id}/draft` (`expand=contract`, `includeConfig=true`).
pub(crate) async fn get(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    authenticate(&state, &headers)?;
    let view = Query::parse(query.as_deref()).view()?;
    let draft = current_draft(&state, &id)?;
    Ok(respond::json(
        StatusCode::OK,
        &draft.action(&id, Side::Draft, view),
    ))
}

/// `PATCH /api/v2/integrations/actions/{id}/draft`: an `UpdateDraftInput` at the draft's
/// version. The contract and `secure` of an action that was published stay as published.
pub(crate) async fn update(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let body = authenticated_body(&state, &headers, body).await?;
    let update = model::parse_draft_update(&body)?;
    let mut store = state.genesys.write()?;
    if let Some(name) = &update.name
        && store.name_taken(name, Some(&id))
    {
        return Err(name_taken(name));
    }
    let draft = store
        .modify(&id, |action| {
            let Some(draft) = &action.draft else {
                return Err(no_draft(&id));
            };
            if update.version != draft.version {
                return Err(model::stale_version("draft", update.version, draft.version));
            }
            let next = update.apply(draft);
            if let Some(published) = &action.published
                && (next.contract != published.contract || next.secure != published.secure)
            {
                return Err(ApiError::bad_request(
                    "The contract and secure flag of a published action cannot be changed; delete the action and create it again",
                ));
            }
            action.draft = Some(next.clone());
            Ok(next)
        })
        .unwrap_or_else(|| Err(no_draft(&id)))?;
    store.commit()?;
    Ok(respond::json(
        StatusCode::OK,
        &draft.action(&id, Side::Draft, View::FULL),
    ))
}

/// `DELETE /api/v2/integrations/actions/{id}/draft`: 204; an action never published goes
/// with its draft.
pub(crate) async fn delete(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    authenticate(&state, &headers)?;
    let mut store = state.genesys.write()?;
    store
        .modify(&id, |action| action.draft.take())
        .flatten()
        .ok_or_else(|| no_draft(&id))?;
    store.commit()?;
    Ok(no_content())
}

/// `GET /api/v2/integrations/actions/{id}/draft/validation` → `DraftValidationResult`.
pub(crate) async fn validation(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    authenticate(&state, &headers)?;
    let draft = current_draft(&state, &id)?;
    // Outside the lock and off the worker: the checks of a large draft take milliseconds.
    let (_, errors) = validation::errors_off_worker(draft).await?;
    Ok(respond::json(
        StatusCode::OK,
        &json!({ "valid": errors.is_empty(), "errors": errors }),
    ))
}

/// `POST /api/v2/integrations/actions/{id}/draft/publish` with `{"version": V}`: the draft,
/// when V is its version and it validates, becomes the published action: one version past
/// the one it replaces (so an update is one version more), or V + 1 for a first publish.
pub(crate) async fn publish(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let body = authenticated_body(&state, &headers, body).await?;
    let version = model::parse_publish(&body)?;
    let draft = current_draft(&state, &id)?;
    if version != draft.version {
        return Err(model::stale_version("draft", version, draft.version));
    }
    let draft = refuse_invalid(draft).await?;
    let mut store = state.genesys.write()?;
    let published = store
        .modify(&id, |action| match &action.draft {
            Some(now) if *now == draft => {
                let mut published = draft.clone();
                published.version = action
                    .published
                    .as_ref()
                    .map_or(draft.version, |before| before.version)
                    + 1;
                action.published = Some(published.clone());
                action.draft = None;
                Ok(published)
            }
            Some(now) => Err(model::stale_version("draft", version, now.version)),
            None => Err(no_draft(&id)),
        })
        .unwrap_or_else(|| Err(no_draft(&id)))?;
    store.commit()?;
    Ok(respond::json(
        StatusCode::OK,
        &published.action(&id, Side::Published, View::FULL),
    ))
}
