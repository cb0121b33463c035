//! The headers every answer under `/api/v2/integrations` carries: the platform's rate-limit
//! figures (`inin-ratelimit-allowed`: the window's limit, `inin-ratelimit-count`: requests
//! used in it, `inin-ratelimit-reset`: seconds until it resets) in place of
//! `X-RateLimit-*`, and an `ININ-Correlation-Id`; and the 429 the shared window's refusal
//! becomes there (`ErrorBody` `too.many.requests`, `Retry-After` in whole seconds).

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::Response;

use super::error::ApiError;
use crate::sandbox::respond;
use crate::sandbox::state::RateDecision;

static ALLOWED: HeaderName = HeaderName::from_static("inin-ratelimit-allowed");
static COUNT: HeaderName = HeaderName::from_static("inin-ratelimit-count");
static RESET: HeaderName = HeaderName::from_static("inin-ratelimit-reset");
static CORRELATION: HeaderName = HeaderName::from_static("inin-correlation-id");

/// A 429 `too.many.requests` with `Retry-After` (whole seconds).
pub(crate) fn too_many_requests(message: String, retry_after_s: u64) -> Response {
    let response =
        ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too.many.requests", message).response();
    respond::with_header(response, header::RETRY_AFTER, &retry_after_s.to_string())
}

/// The shared window (of `period_s` seconds) refused this request.
pub(crate) fn refused(decision: &RateDecision, period_s: u64) -> Response {
    too_many_requests(
        format!(
            "Rate limit exceeded the maximum [{}] requests within [{period_s}] seconds",
            decision.limit
        ),
        decision.reset_s,
    )
}

/// Adds the rate-limit figures (when the limit is on) and a fresh correlation id.
pub(crate) fn stamp(response: &mut Response, decision: Option<&RateDecision>) {
    let headers = response.headers_mut();
    if let Some(decision) = decision {
        let used = decision.limit - decision.remaining;
        headers.insert(ALLOWED.clone(), HeaderValue::from(decision.limit));
        headers.insert(COUNT.clone(), HeaderValue::from(used));
        headers.insert(RESET.clone(), HeaderValue::from(decision.reset_s));
    }
    if let Ok(id) = HeaderValue::from_str(&crate::engine::new_correlation_id()) {
        headers.insert(CORRELATION.clone(), id);
    }
}
