//! Helpers shared by the `engine_*` integration tests: a real sandbox on `127.0.0.1:0`, a
//! profile pointing at it, an [`Engine`] writing to a temporary data dir, and a submission
//! that collects its events. Conditions are waited for with deadlines, never bare sleeps.

use std::time::Duration;

use cxda::audit::{AuditLog, AuditRecord, Redactor};
use cxda::config::{CaCert, Profile};
use cxda::engine::{Engine, ExecEvent, Submission, WaitReason};
use cxda::sandbox::{Faults, Sandbox, SandboxConfig, SandboxHandle};
use reqwest::Url;
use serde_json::Value;
use tempfile::TempDir;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

// The payload and the deadline poll are the sandbox tests' own: one copy for both suites.
pub use crate::sandbox_common::{eventually, payload};
// Everything under the data dir, as text (for greps for secrets); shared with the CLI tests.
pub use crate::files_common::data_dir_text;

pub async fn start(faults: Faults) -> SandboxHandle {
    start_with(SandboxConfig {
        faults,
        ..SandboxConfig::default()
    })
    .await
}

pub async fn start_with(config: SandboxConfig) -> SandboxHandle {
    Sandbox::start(config).await.expect("the sandbox starts")
}

pub async fn start_tls(faults: Faults) -> SandboxHandle {
    start_with(SandboxConfig {
        tls: true,
        faults,
        ..SandboxConfig::default()
    })
    .await
}

/// Faults as `PUT /_sandbox/faults` would merge them into `Faults::off()`.
pub fn faults(patch: Value) -> Faults {
    let mut faults = Faults::off();
    faults.merge(&patch).expect("valid faults");
    faults
}

/// The built-in sandbox profile pointed at `sandbox`, with client-side pacing off so that
/// only what a test sets paces it.
pub fn profile(sandbox: &SandboxHandle) -> Profile {
    let mut profile = Profile::sandbox();
    let url = Url::parse(&sandbox.base_url()).expect("base url");
    profile.complete_sandbox(&url).expect("sandbox profile");
    profile.rate_limit = None;
    profile
}

/// `profile` trusting the TLS sandbox's CA.
pub fn trust(profile: &mut Profile, sandbox: &SandboxHandle) {
    profile.ca_cert = Some(CaCert {
        path: "sandbox-ca.pem".into(),
        pem: sandbox.ca_pem().expect("a TLS sandbox").into_bytes(),
    });
}

/// An engine for `profile` with its audit history in a fresh data dir (kept alive by the
/// returned `TempDir`).
pub fn engine(profile: Profile) -> (Engine, TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let audit = AuditLog::open_with(dir.path(), 64 * 1024 * 1024, Redactor::new())
        .expect("audit log opens");
    (Engine::new(profile, audit).expect("engine"), dir)
}

pub fn submission(name: &str) -> Submission {
    Submission {
        payload: payload(name),
        ..Submission::default()
    }
}

/// A submission's record and every event it reported, in order.
pub struct Submitted {
    pub record: AuditRecord,
    pub events: Vec<ExecEvent>,
}

/// Submits and waits (bounded) for the end.
pub async fn submit(engine: &Engine, submission: Submission) -> Submitted {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let record = tokio::time::timeout(
        Duration::from_secs(60),
        engine.submit(submission, tx, CancellationToken::new()),
    )
    .await
    .expect("the submission ends within a minute")
    .expect("the audit record is written");
    let mut events = Vec::new();
    while let Ok(event) = rx.try_recv() {
        events.push(event);
    }
    Submitted { record, events }
}

pub async fn submit_named(engine: &Engine, name: &str) -> Submitted {
    submit(engine, submission(name)).await
}

/// A plain client for looking at a sandbox from the side (never proxies, never follows).
pub fn side_client() -> reqwest::Client {
    cxda::init_tls();
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

/// `GET {base}/_sandbox/webhook`: the deliveries the sandbox recorded.
pub async fn webhook_inbox(sandbox: &SandboxHandle) -> Vec<Value> {
    side_client()
        .get(format!("{}/_sandbox/webhook", sandbox.base_url()))
        .send()
        .await
        .expect("inbox")
        .json()
        .await
        .expect("inbox json")
}

/// How many actions the sandbox stores, through its own API with a fresh token.
pub async fn stored_count(sandbox: &SandboxHandle) -> u64 {
    let client = side_client();
    let token: Value = client
        .post(sandbox.token_url())
        .basic_auth(cxda::sandbox::CLIENT_ID, Some(cxda::sandbox::CLIENT_SECRET))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("token json");
    let token = token["access_token"].as_str().expect("access_token");
    let list: Value = client
        .get(format!("{}/api/v2/data-actions", sandbox.base_url()))
        .bearer_auth(token)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("list json");
    list["total"].as_u64().expect("total")
}

/// The sandbox's count of responses with `status`.
pub fn responses(sandbox: &SandboxHandle, status: u16) -> u64 {
    sandbox
        .stats()
        .responses
        .get(&status.to_string())
        .copied()
        .unwrap_or(0)
}

/// The reasons of the waits reported, in order, pacing left out (the pacer may add a
/// sliver of its own; the server-asked waits and backoffs are what tests look at).
pub fn waits(events: &[ExecEvent]) -> Vec<WaitReason> {
    events
        .iter()
        .filter_map(|e| match e {
            ExecEvent::Waiting { reason, .. } if *reason != WaitReason::Pacing => Some(*reason),
            _ => None,
        })
        .collect()
}

/// The attempts' statuses, in order.
pub fn statuses(record: &AuditRecord) -> Vec<Option<u16>> {
    record.attempts.iter().map(|a| a.status).collect()
}

/// `record` as the audit history holds it.
pub fn read_back(data_dir: &std::path::Path, record: &AuditRecord) -> AuditRecord {
    cxda::audit::AuditReader::new(data_dir)
        .find(&record.id.to_string())
        .expect("the history reads")
        .expect("the record is in the history")
}
