//! Everything that talks to the network: OAuth2 tokens, the outgoing request, the
//! executor (retries, Retry-After, redirects, cancellation), pacing and webhooks.
//!
//! [`Engine`] is the one entry point: one per profile, cheap to clone, shared by the TUI and
//! the headless commands. It owns the profile's HTTP client (`client`), token cache (`auth`)
//! and pacer (`pacing`); [`Engine::submit`] runs the executor (`executor`, with `request`,
//! `response`, `retry` and `redirect`) over the dialect's plan of the operation (`plan`, and
//! `genesys` for the genesys-cloud create), writes the audit record and starts the webhook
//! delivery (`webhook`).

pub mod attempt_log;
pub mod auth;
pub mod client;
pub mod curl;
pub mod events;
mod executor;
mod genesys;
pub mod pacing;
mod plan;
mod preview;
mod redirect;
pub mod remote;
pub mod request;
mod response;
mod retry;
pub mod target;
mod test_run;
mod webhook;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;
use tracing::Instrument as _;

use crate::audit::{AuditError, AuditLog, AuditRecord, Outcome, Redactor};
use crate::config::{ExtraHeader, Profile};

use auth::TokenSource;
use executor::Operation;
use pacing::Pacer;

pub use attempt_log::AttemptLog;
pub use events::{ExecEvent, WaitReason};
pub use preview::{AuthorizationSize, HeaderPlan, RequestPreview, TokenInfo, merge_extra_headers};
pub use redirect::MAX_HOPS;
pub use response::MAX_RESPONSE_BYTES;
pub use test_run::{Ran, TestError, TestRequest, Tested};

/// One payload to submit.
#[derive(Debug, Clone, Default)]
pub struct Submission {
    /// The payload text, sent as is.
    pub payload: String,
    /// The file it came from, if any (for diagnostics only).
    pub source: Option<PathBuf>,
    /// The correlation id (also the Idempotency-Key where the dialect has one); generated
    /// when `None`. Must be 1 to 128 visible ASCII characters, else the submission fails
    /// without sending anything.
    pub correlation_id: Option<String>,
    /// Stop after a valid draft (genesys-cloud: no publish; the outcome is `drafted`). A
    /// dialect without drafts refuses it, sending nothing.
    pub draft: bool,
}

/// The action an update changes.
#[derive(Debug, Clone, Default)]
pub struct UpdateTarget {
    /// The server's id of the action.
    pub id: String,
    /// The server's version the change was computed against: cxone-v2 sends it as
    /// `If-Match`, so a change made meanwhile by someone else is refused (412).
    pub version: Option<u64>,
    /// genesys-cloud: overwrite a draft the action already has instead of refusing.
    pub force: bool,
}

/// Why an [`Engine`] could not be built.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("profile `{profile}`: the embedded sandbox has not been started (no connection)")]
    NoConnection { profile: String },
    #[error("profile `{profile}`: cannot use ca_cert {}: {reason}", path.display())]
    CaCert {
        profile: String,
        path: PathBuf,
        reason: String,
    },
    /// `HTTPS_PROXY` is set but is not a proxy URL: refused rather than ignored, since
    /// going around a proxy the user asked for is worse than not starting.
    #[error(
        "profile `{profile}`: {variable}={value:?} is not a proxy URL ({reason}); fix or unset it"
    )]
    Proxy {
        profile: String,
        variable: String,
        value: String,
        reason: String,
    },
    #[error("profile `{profile}`: cannot build the HTTP client: {reason}")]
    Client { profile: String, reason: String },
    #[error(transparent)]
    Audit(#[from] AuditError),
}

/// The network side of one profile. Cheap to clone; clones share the HTTP client (connection
/// reuse), the token cache, the pacer and the webhook deliveries in flight.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

/// What the executor and the webhook tasks share.
struct Inner {
    profile: Profile,
    api_base_url: Url,
    create_url: Url,
    client: reqwest::Client,
    /// What a local test run sends with, built on the first run (see
    /// `client::build_target_client`); why not, when it cannot be built.
    target_client: client::LazyClient,
    tokens: TokenSource,
    pacer: Pacer,
    audit: AuditLog,
    /// Applied to every record before it is appended: knows the client secret, whatever
    /// redactor the audit log was opened with.
    redactor: Redactor,
    webhooks: Arc<webhook::Deliveries>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("profile", &self.inner.profile.name)
            .field("create_url", &self.inner.create_url.as_str())
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// Builds the profile's HTTP client, token cache and pacer. The profile must have its
    /// connection (a sandbox profile after `complete_sandbox`).
    ///
    /// The client secret and a webhook URL's credentials are registered with the engine's
    /// own redactor, applied to every record it writes, so they never reach the audit file
    /// even if `audit` was opened with a plain `Redactor::new()` (opening it with
    /// `with_secret(client_secret)` as well costs nothing).
    pub fn new(profile: Profile, audit: AuditLog) -> Result<Engine, EngineError> {
        let Some(connection) = profile.connection.clone() else {
            return Err(EngineError::NoConnection {
                profile: profile.name.clone(),
            });
        };
        let client = client::build_client(&profile)?;
        let tokens = TokenSource::new(
            client.clone(),
            &connection,
            profile.client_auth,
            &profile.scopes,
            profile.timeout,
        );
        let pacer = Pacer::new(profile.rate_limit);
        let mut redactor = Redactor::new().with_secret(connection.client_secret.expose());
        if let Some(url) = &profile.webhook_url {
            redactor = redactor.with_url_secrets(url);
        }
        Ok(Engine {
            inner: Arc::new(Inner {
                api_base_url: connection.api_base_url.clone(),
                create_url: connection.create_url.clone(),
                profile,
                client,
                target_client: client::LazyClient::default(),
                tokens,
                pacer,
                audit,
                redactor,
                webhooks: Arc::default(),
            }),
        })
    }

    /// Runs one submission to its end, writes its audit record (durable) and returns it as
    /// written. Events go to `events` as they happen; `Finished` comes last, after the record
    /// is durable (not sent when writing it failed: the `Err` says why). Cancelling `cancel`
    /// ends the submission within milliseconds, recorded as `cancelled`. With a
    /// `webhook_url`, the delivery starts in the background once the record is written.
    ///
    /// The record: `error` holds the reason for `rejected`/`failed`/`cancelled` (for
    /// `rejected` the server's reason, the status being in `status`; `status` is null for a
    /// request refused before sending, such as the header budget). [`created_id`] gives the
    /// created action's id.
    pub async fn submit(
        &self,
        submission: Submission,
        events: UnboundedSender<ExecEvent>,
        cancel: CancellationToken,
    ) -> Result<AuditRecord, AuditError> {
        let source = submission.source.clone();
        self.run(Operation::Create(submission), source, events, cancel)
            .await
    }

    /// Changes the action `target.id` on the server to `submission`'s payload (its `id` and
    /// `version` are not sent) and writes the record (`operation: update`, outcome
    /// `updated` with the new `version`), as [`Engine::submit`] does for a create. No
    /// webhook: those announce creates.
    pub async fn update(
        &self,
        submission: Submission,
        target: UpdateTarget,
        events: UnboundedSender<ExecEvent>,
        cancel: CancellationToken,
    ) -> Result<AuditRecord, AuditError> {
        let source = submission.source.clone();
        let target = plan::Target {
            id: target.id,
            version: target.version,
            force: target.force,
        };
        self.run(
            Operation::Update { submission, target },
            source,
            events,
            cancel,
        )
        .await
    }

    /// Removes the action `id` (named `name`, for the record) from the server and writes
    /// the record (`operation: delete`, outcome `deleted`). With `version` (the one the
    /// user saw), cxone-v2 refuses to delete an action changed since (412, `rejected`).
    pub async fn delete(
        &self,
        id: &str,
        name: &str,
        version: Option<u64>,
        events: UnboundedSender<ExecEvent>,
        cancel: CancellationToken,
    ) -> Result<AuditRecord, AuditError> {
        let operation = Operation::Delete {
            id: id.to_string(),
            name: name.to_string(),
            version,
            correlation_id: None,
        };
        self.run(operation, None, events, cancel).await
    }

    /// Runs `operation`, writes its record (durable), then reports `Finished`; a created
    /// action's webhook delivery starts once the record is written.
    async fn run(
        &self,
        operation: Operation,
        source: Option<PathBuf>,
        events: UnboundedSender<ExecEvent>,
        cancel: CancellationToken,
    ) -> Result<AuditRecord, AuditError> {
        let redactor = self.inner.redactor.clone();
        self.run_redacted(operation, source, events, cancel, &redactor)
            .await
    }

    /// [`Engine::run`] with `redactor` applied to the record (the engine's, plus a test
    /// run's own secrets).
    async fn run_redacted(
        &self,
        operation: Operation,
        source: Option<PathBuf>,
        events: UnboundedSender<ExecEvent>,
        cancel: CancellationToken,
        redactor: &Redactor,
    ) -> Result<AuditRecord, AuditError> {
        let announces = matches!(operation, Operation::Create(_));
        let span = tracing::info_span!(
            "submission",
            profile = %self.inner.profile.name,
            source = ?source,
        );
        async {
            let mut record = executor::run(&self.inner, operation, &events, &cancel).await;
            redactor.redact_record(&mut record);
            let written = self.inner.audit.append_async(record).await?;
            let _ = events.send(ExecEvent::Finished(Box::new(written.clone())));
            if announces && let Some(url) = self.inner.profile.webhook_url.clone() {
                webhook::spawn(Arc::clone(&self.inner), url, &written);
            }
            Ok(written)
        }
        .instrument(span)
        .await
    }

    /// The header matrix exactly as the create request (its first request, for a dialect
    /// of several) would send it now, and its budget. Authorization is shown as `Bearer
    /// [redacted]` and sized with the cached token, or with an estimate
    /// ([`AuthorizationSize`]) before one exists. Never waits.
    pub fn preview(&self, payload: &str) -> RequestPreview {
        self.preview_for_length(plan::first_body_len(&self.inner.profile, payload))
    }

    /// [`Engine::preview`] for a payload of `payload_len` bytes: the headers depend on the
    /// payload only through `Content-Length`, so an editor need not join its text to ask.
    pub fn preview_for_length(&self, payload_len: usize) -> RequestPreview {
        self.header_plan()
            .preview(self.token_info().as_ref(), payload_len)
    }

    /// The plain data the create request's headers depend on (for a preview made without
    /// this engine, as the studio does on every keystroke).
    pub fn header_plan(&self) -> HeaderPlan {
        let profile = &self.inner.profile;
        let mut plan = HeaderPlan::for_profile(profile).unwrap_or(HeaderPlan {
            api: profile.api,
            create_url: self.inner.create_url.clone(),
            extra_headers: Vec::new(),
            budget_bytes: profile.header_budget_bytes,
            estimated_token_chars: 0,
        });
        plan.extra_headers.clone_from(&profile.extra_headers);
        plan
    }

    /// Waits (at most `timeout`) for webhook deliveries still running, their audit records
    /// included; returns how many did not finish.
    pub async fn drain_webhooks(&self, timeout: Duration) -> usize {
        self.inner.webhooks.drain(timeout).await
    }

    /// Cancels the webhook deliveries still running: each ends at once and is recorded
    /// `webhook_failed`, saying it was cancelled (drain them to wait for those records).
    /// Deliveries this engine starts afterwards are cancelled as they start.
    pub fn cancel_webhooks(&self) {
        self.inner.webhooks.cancel();
    }

    /// How many webhook deliveries are running now (their audit records included).
    pub fn webhooks_in_flight(&self) -> usize {
        self.inner.webhooks.running()
    }

    pub fn profile(&self) -> &Profile {
        &self.inner.profile
    }

    /// This engine sending `extra_headers` instead of its profile's. The HTTP client (and
    /// its open connections), the token cache and the pacer are shared, so the studio can
    /// add a tracking header without fetching a new token or forgetting the rate it has
    /// learnt. Webhook deliveries are counted (and drained, or cancelled) across both.
    /// The value of a secret-looking header is also scrubbed wherever a record holds it (a
    /// server that echoes it back).
    pub fn with_extra_headers(&self, extra_headers: Vec<ExtraHeader>) -> Engine {
        let inner = &self.inner;
        let redactor = extra_headers
            .iter()
            .filter(|h| h.looks_secret())
            .fold(inner.redactor.clone(), |r, h| {
                r.with_secret(h.value.clone())
            });
        Engine {
            inner: Arc::new(Inner {
                profile: Profile {
                    extra_headers,
                    ..inner.profile.clone()
                },
                api_base_url: inner.api_base_url.clone(),
                create_url: inner.create_url.clone(),
                client: inner.client.clone(),
                target_client: inner.target_client.clone(),
                tokens: inner.tokens.clone(),
                pacer: inner.pacer.clone(),
                audit: inner.audit.clone(),
                redactor,
                webhooks: Arc::clone(&inner.webhooks),
            }),
        }
    }

    /// The cached token's size and expiry, if there is one (never its value).
    pub fn token_info(&self) -> Option<TokenInfo> {
        self.inner.tokens.cached().map(|t| TokenInfo {
            chars: t.expose().len(),
            expires_at: t.expires_at(),
        })
    }
}

/// The id of the action a `created` record created: its `remote_id` (a genesys-cloud
/// create), else the response body's `id`, else (a 303) the last path segment of the
/// Location recorded. `None` for other outcomes.
pub fn created_id(record: &AuditRecord) -> Option<String> {
    if record.outcome != Outcome::Created {
        return None;
    }
    if let Some(id) = &record.remote_id {
        return Some(id.clone());
    }
    let from_body = match record.response.body.get("id") {
        Some(serde_json::Value::String(id)) => Some(id.clone()),
        Some(serde_json::Value::Number(id)) => Some(id.to_string()),
        _ => None,
    };
    from_body.or_else(|| {
        let location = record.redirects.iter().rev().find(|r| r.status == 303)?;
        let url = Url::parse(&location.to).ok()?;
        let last = url.path_segments()?.rev().find(|s| !s.is_empty())?;
        Some(last.to_string())
    })
}

/// The action a `created` or `updated` record is about, and its version after the change
/// (the record's `version`, else the answer's); `None` for other outcomes.
pub fn changed_action(record: &AuditRecord) -> Option<(String, Option<u64>)> {
    let id = match record.outcome {
        Outcome::Created => created_id(record),
        Outcome::Updated => record.remote_id.clone(),
        _ => None,
    }?;
    let version = record.version.or_else(|| {
        record
            .response
            .body
            .get("version")
            .and_then(serde_json::Value::as_u64)
    });
    Some((id, version))
}

/// A new correlation id: a random (version 4) UUID, hyphenated, in lower case. The bytes come
/// from `getrandom` (already a dependency) rather than `uuid`'s `v4` feature, which would
/// link a second `getrandom` major version for the same system call.
pub fn new_correlation_id() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // No OS randomness: time still makes an id unique enough to trace.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        bytes = nanos.to_le_bytes();
    }
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn correlation_ids_are_uuid_v4() {
        // 64 ids: random bits would pass the version and variant checks by chance only
        // once in 16 and 4 ids, never 64 in a row.
        let ids: Vec<String> = (0..64).map(|_| new_correlation_id()).collect();
        for id in &ids {
            // 8-4-4-4-12 lower-case hex; version nibble 4; variant bits 10 (8, 9, a or b).
            assert_eq!(id.len(), preview::PREVIEW_CORRELATION_ID.len(), "{id}");
            let groups: Vec<usize> = id.split('-').map(str::len).collect();
            assert_eq!(groups, [8, 4, 4, 4, 12], "{id}");
            assert!(
                id.bytes()
                    .all(|c| c == b'-' || c.is_ascii_digit() || (b'a'..=b'f').contains(&c)),
                "{id}"
            );
            assert_eq!(id.as_bytes()[14], b'4', "{id}");
            assert!(
                matches!(id.as_bytes()[19], b'8' | b'9' | b'a' | b'b'),
                "{id}"
            );
        }
        let distinct: std::collections::HashSet<&String> = ids.iter().collect();
        assert_eq!(distinct.len(), ids.len());
    }

    #[test]
    fn created_id_falls_back_to_the_see_other_location() {
        let mut record = AuditRecord::new(Outcome::Created);
        record.redirects.push(crate::audit::Redirect {
            status: 303,
            from: "http://127.0.0.1:1/api/v2/data-actions".into(),
            to: "http://127.0.0.1:1/api/v2/data-actions/da_9".into(),
        });
        assert_eq!(created_id(&record).as_deref(), Some("da_9"));
        record.outcome = Outcome::Failed;
        assert_eq!(created_id(&record), None);
    }
}
