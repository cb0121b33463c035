//! What the executor reports while it works. The audit record's `attempts`, the attempts
//! panel and the CLI progress are three folds of these events by one type,
//! [`AttemptLog`](super::attempt_log::AttemptLog).

use std::time::{Duration, Instant};

use crate::audit::{AuditRecord, RateLimit};

/// Why a submission is waiting before its next attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitReason {
    /// The server asked, with `Retry-After`.
    RetryAfter,
    /// No `Retry-After`: exponential backoff with full jitter.
    Backoff,
    /// Client-side pacing (the profile's `rate_limit`, lowered by the server's headers).
    Pacing,
}

impl WaitReason {
    pub fn as_str(self) -> &'static str {
        match self {
            WaitReason::RetryAfter => "Retry-After",
            WaitReason::Backoff => "backoff",
            WaitReason::Pacing => "pacing",
        }
    }
}

/// One step of a submission, in the order it happens. Every attempt that is sent ends in
/// exactly one of `Responded`, `TransportFailed` or `Abandoned`.
#[derive(Debug, Clone)]
pub enum ExecEvent {
    /// Getting a token (from the cache or the token endpoint).
    Authorizing,
    /// Step `index` (1-based) of an operation of several requests begins (a genesys-cloud
    /// create: draft, validation, publish); the attempts that follow, numbered from 1
    /// again, are this step's. A single-request operation sends none.
    StepStarted {
        index: u32,
        name: String,
        method: String,
        url: String,
    },
    /// Attempt `attempt` (1-based) is being sent to `url`.
    Sending { attempt: u32, url: String },
    /// The server answered attempt `attempt`.
    Responded {
        attempt: u32,
        status: u16,
        latency: Duration,
        rate: Option<RateLimit>,
        retry_after: Option<String>,
        /// The body could not be read whole (cut at the size limit, or a read error).
        error: Option<String>,
    },
    /// Attempt `attempt` failed before any response (connection refused, TLS, timeout).
    TransportFailed {
        attempt: u32,
        latency: Duration,
        error: String,
    },
    /// Attempt `attempt` was in flight when the submission was cancelled: no answer was
    /// read, and whether the server acted on it is unknown.
    Abandoned { attempt: u32, latency: Duration },
    /// Waiting until `until` before the next attempt; cancellable.
    Waiting {
        /// The attempt that follows the wait (1-based; 1 for a pacing wait before the first).
        attempt: u32,
        until: Instant,
        wait: Duration,
        reason: WaitReason,
    },
    /// A 307/308 is being followed (or a 303 recorded). A refused redirect (301/302, a
    /// loop, https→http) is not reported here: it is in the record and the final error.
    Redirected {
        status: u16,
        from: String,
        to: String,
    },
    /// The submission is over and its record is durable in the audit file.
    Finished(Box<AuditRecord>),
}
