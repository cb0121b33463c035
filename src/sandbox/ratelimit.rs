//! The fixed-window rate limit on `/api/v2/*` (docs/sandbox.md), as a middleware so that every
//! response there (404s and 405s included) carries the window's figures, and a refused
//! request gets 429 with `Retry-After` before any other check. One window for both
//! dialects; the figures are `X-RateLimit-Limit`, `X-RateLimit-Remaining` and
//! `X-RateLimit-Reset` on the cxone-v2 paths, the platform's `inin-ratelimit-*` (and an
//! `ErrorBody` 429) under `/api/v2/integrations` (`genesys/headers.rs`). The window
//! arithmetic lives in [`State::rate_check`](super::state::State::rate_check).

use std::sync::Arc;
use std::time::SystemTime;

use axum::extract::{Request, State as AxumState};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use super::genesys;
use super::respond;
use super::state::{RateDecision, State};

static LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
static REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
static RESET: HeaderName = HeaderName::from_static("x-ratelimit-reset");

pub(crate) async fn limit(
    AxumState(state): AxumState<Arc<State>>,
    request: Request,
    next: Next,
) -> Response {
    if genesys::owns(request.uri().path()) {
        return limit_genesys(&state, request, next).await;
    }
    let Some(decision) = state.rate_check(SystemTime::now()) else {
        return next.run(request).await;
    };
    let mut response = if decision.allowed {
        next.run(request).await
    } else {
        let response = respond::problem(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "rate limit of {} requests per window exceeded; retry in {} s",
                decision.limit, decision.reset_s
            ),
            None,
        );
        respond::with_header(response, header::RETRY_AFTER, &decision.reset_s.to_string())
    };
    stamp(&mut response, &decision);
    response
}

async fn limit_genesys(state: &State, request: Request, next: Next) -> Response {
    let decision = state.rate_check(SystemTime::now());
    let mut response = match &decision {
        Some(refusal) if !refusal.allowed => {
            let period_s = state
                .faults()
                .rate_limit
                .map_or(0, |spec| spec.period.as_secs());
            genesys::headers::refused(refusal, period_s)
        }
        _ => next.run(request).await,
    };
    genesys::headers::stamp(&mut response, decision.as_ref());
    response
}

fn stamp(response: &mut Response, decision: &RateDecision) {
    let headers = response.headers_mut();
    headers.insert(LIMIT.clone(), HeaderValue::from(decision.limit));
    headers.insert(REMAINING.clone(), HeaderValue::from(decision.remaining));
    headers.insert(RESET.clone(), HeaderValue::from(decision.reset_s));
}
