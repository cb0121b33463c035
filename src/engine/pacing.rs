//! Client-side pacing. CONTRACT STUB: being written.

use std::time::Instant;

use crate::audit::RateLimit;
use crate::rate::RateSpec;

/// One profile's pacer, shared by every submission of that profile (cheap to clone).
#[derive(Debug, Clone)]
pub struct Pacer {}

impl Pacer {
    /// `None` = `rate_limit = "off"`: only the server's headers pace.
    pub fn new(_spec: Option<RateSpec>) -> Self {
        Pacer {}
    }
    /// Takes the next send slot and says when it may be used (now, if one is free).
    pub fn reserve(&self) -> Instant {
        Instant::now()
    }
    /// Feeds the server's `X-RateLimit-*` of a response to a request sent at `sent_at`.
    pub fn observe(&self, _sent_at: Instant, _rate: &RateLimit) {}
    /// The server said `Retry-After`: nothing is sent before `until`.
    pub fn hold_until(&self, _until: Instant) {}
}
