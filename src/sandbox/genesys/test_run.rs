//! Test runs: `POST …/actions/{id}/test` runs the published action, `POST
//! …/actions/{id}/draft/test` its draft, with the body as the input map, and answer the
//! platform's `TestExecutionResult` (docs/sandbox.md, Test runs). cxda's own runner does the
//! run (`runner`, docs/test-runs.md); the request it prepares goes to the action's target
//! through `engine::target`, with the engine's transport, redirect, timeout and
//! response-size rules.
//!
//! The checks, in order: the rate-limit window (a middleware), 401 without a valid token,
//! the `fail_429` and `error_rate` faults, 413 / 415 for the body, 400 `invalid.value` for a
//! `flatten` that is not `true`/`false` (read, then ignored: the answer is never flattened),
//! 400 `bad.request` for a body that is not a JSON object, 404 `not.found` for an unknown
//! action or a missing draft, 400 `invalid.value` naming the field a run cannot do without
//! (a draft may lack `config.request.requestUrlTemplate`), then the run: 200 whether it
//! succeeded or not (`success`, `error`).
//!
//! The sandbox's integration holds no credentials, so `${credentials.X}` has nothing to
//! resolve to: runs get an empty set. The definition is copied out of the store before the
//! run, so no lock is held while the target answers; axum drops this handler when the
//! client goes away, and with it the request to the target.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, RawQuery, State as AxumState};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::actions::{current_published, injected_fault, json_body};
use super::drafts::current_draft;
use super::error::ApiError;
use super::model::{Definition, Side};
use super::{Query, authenticate};
use crate::dialect::Api;
use crate::runner::{Run, RunReport, RunnableAction};
use crate::sandbox::actions::{declared_length, read_body};
use crate::sandbox::respond;
use crate::sandbox::state::State;

/// `POST /api/v2/integrations/actions/{id}/test`: runs the published action.
pub(crate) async fn published(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Response {
    test(
        &state,
        &id,
        Side::Published,
        query.as_deref(),
        &headers,
        body,
    )
    .await
}

/// `POST /api/v2/integrations/actions/{id}/draft/test`: runs the action's draft.
pub(crate) async fn draft(
    AxumState(state): AxumState<Arc<State>>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Response {
    test(&state, &id, Side::Draft, query.as_deref(), &headers, body).await
}

async fn test(
    state: &State,
    id: &str,
    side: Side,
    query: Option<&str>,
    headers: &HeaderMap,
    body: Body,
) -> Response {
    match checked_run(state, id, side, query, headers, body).await {
        Ok(report) => respond::json(StatusCode::OK, &report),
        Err(refused) => refused,
    }
}

async fn checked_run(
    state: &State,
    id: &str,
    side: Side,
    query: Option<&str>,
    headers: &HeaderMap,
    body: Body,
) -> Result<RunReport, Response> {
    let read = read_body(body, declared_length(headers)).await;
    authenticate(state, headers)?;
    if let Some(refused) = injected_fault(state) {
        return Err(refused);
    }
    if headers.contains_key(TEST_RUN_HEADER) {
        return Err(ApiError::new(
            StatusCode::LOOP_DETECTED,
            "loop.detected",
            "This request was sent by a sandbox test run: an action whose target is the sandbox's own test endpoint would call itself without end",
        )
        .into());
    }
    let Ok(_in_flight) = state.test_runs.try_acquire() else {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too.many.requests",
            format!(
                "The sandbox runs at most {} tests at once; try again when one has finished",
                crate::sandbox::state::MAX_TEST_RUNS
            ),
        )
        .into());
    };
    let body = json_body(headers, read)?;
    // Read so that a bad value is refused as the platform refuses it; the sandbox answers
    // the `TestExecutionResult` as it is, flattened or not.
    Query::parse(query).flag("flatten")?;
    let input = input_map(&body)?;
    let definition = match side {
        Side::Published => current_published(state, id)?,
        Side::Draft => current_draft(state, id)?,
    };
    let action = runnable(&definition)?;
    let client = state.target_client().await.map_err(|reason| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal.server.error",
            format!("The sandbox cannot send a test run's request: {reason}"),
        )
    })?;
    Ok(run(&client, &action, input).await)
}

/// The body: "the map of parameters", a JSON object.
fn input_map(body: &[u8]) -> Result<Value, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(input @ Value::Object(_)) => Ok(input),
        Ok(_) => Err(ApiError::bad_request(
            "The request could not be understood by the server due to malformed syntax: the body must be a JSON object, the map of the action's input parameters",
        )),
        Err(e) => Err(ApiError::bad_request(format!(
            "The request could not be understood by the server due to malformed syntax: {e}"
        ))),
    }
}

/// The definition as the runner reads it; 400 naming the field it cannot do without.
fn runnable(definition: &Definition) -> Result<RunnableAction, ApiError> {
    RunnableAction::from_payload(Api::GenesysCloud, &definition.as_input()).map_err(|e| {
        let field = e.pointer.trim_start_matches('/').replace('/', ".");
        ApiError::invalid_value(
            &field,
            format!("The action cannot be tested: {field} is {}", e.reason),
        )
    })
}

/// The header every request of a sandbox test run carries, so a run whose target is the
/// sandbox's own test endpoint is refused (508) instead of calling itself without end.
pub const TEST_RUN_HEADER: &str = "x-cxda-sandbox-test-run";

/// The run itself: input check, templates, the request, translation, success template,
/// output contract. The sandbox's integration has no credentials: an empty set.
async fn run(client: &reqwest::Client, action: &RunnableAction, input: Value) -> RunReport {
    let run = Run::start(action, input, BTreeMap::new());
    // Never cancelled from here: a client that goes away drops this future, which drops
    // the request in flight.
    let never = CancellationToken::new();
    crate::engine::target::run_once(client, run, Some((TEST_RUN_HEADER, "1")), &never)
        .await
        .report
}
