//! Counters since start for `GET /_sandbox/stats`, and the outermost middleware that feeds
//! them. The `/_sandbox/*` routes sit outside this layer, so reading the stats (or changing
//! faults) never shows up in them. Atomics only: this runs on every request.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::{Request, State as AxumState};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use serde::Serialize;

use super::state::State;

/// Slots for status codes 0..=599. A code outside (hyper never produces one) would be
/// counted in slot 0 rather than lost.
const STATUS_SLOTS: usize = 600;

pub(crate) struct Stats {
    token_requests: AtomicU64,
    create_requests: AtomicU64,
    genesys_requests: AtomicU64,
    responses: Vec<AtomicU64>,
}

/// A snapshot, serialized as the stats endpoint's body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatsSnapshot {
    pub token_requests: u64,
    pub create_requests: u64,
    /// Responses by status code (`{"201": 3, "429": 2}`); codes never sent are absent.
    pub responses: BTreeMap<String, u64>,
    /// Actions stored now.
    pub stored_actions: u64,
    /// Actions forgotten, oldest first, to keep the store within its limits.
    pub evicted_actions: u64,
    /// Requests under `/api/v2/integrations` (the genesys-cloud dialect), any method.
    pub genesys_requests: u64,
    /// genesys-cloud actions stored now (an action with a draft and a published version
    /// counts once).
    pub stored_genesys_actions: u64,
    /// genesys-cloud actions forgotten, oldest first, to keep their store within its limits.
    pub evicted_genesys_actions: u64,
}

impl Stats {
    pub fn new() -> Stats {
        Stats {
            token_requests: AtomicU64::new(0),
            create_requests: AtomicU64::new(0),
            genesys_requests: AtomicU64::new(0),
            responses: (0..STATUS_SLOTS).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    fn record(&self, status: StatusCode) {
        let slot = usize::from(status.as_u16());
        if let Some(counter) = self.responses.get(slot).or_else(|| self.responses.first()) {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The counters; the stores' four are left at 0 for the caller to fill in.
    pub fn snapshot(&self) -> StatsSnapshot {
        let responses = self
            .responses
            .iter()
            .enumerate()
            .filter_map(|(code, n)| {
                let n = n.load(Ordering::Relaxed);
                (n > 0).then(|| (code.to_string(), n))
            })
            .collect();
        StatsSnapshot {
            token_requests: self.token_requests.load(Ordering::Relaxed),
            create_requests: self.create_requests.load(Ordering::Relaxed),
            responses,
            stored_actions: 0,
            evicted_actions: 0,
            genesys_requests: self.genesys_requests.load(Ordering::Relaxed),
            stored_genesys_actions: 0,
            evicted_genesys_actions: 0,
        }
    }
}

/// True for the paths that accept a create: cxone-v2's two (the second is the redirect
/// target) and genesys-cloud's two (a draft, or an action published at once).
pub(crate) fn is_create_path(path: &str) -> bool {
    matches!(
        path,
        "/api/v2/data-actions"
            | "/api/v2/data-actions/moved"
            | "/api/v2/integrations/actions/drafts"
            | "/api/v2/integrations/actions"
    )
}

/// Counts the request first (so requests the rate limiter refuses are counted too), then the
/// status of whatever answered it.
pub(crate) async fn count(
    AxumState(state): AxumState<Arc<State>>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    if path == "/oauth/token" {
        state.stats.token_requests.fetch_add(1, Ordering::Relaxed);
    } else if request.method() == Method::POST && is_create_path(path) {
        state.stats.create_requests.fetch_add(1, Ordering::Relaxed);
    }
    if super::genesys::owns(path) {
        state.stats.genesys_requests.fetch_add(1, Ordering::Relaxed);
    }
    let response = next.run(request).await;
    state.stats.record(response.status());
    response
}
