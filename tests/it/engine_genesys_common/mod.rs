//! Helpers shared by the `engine_genesys*` tests: a genesys-cloud payload the sandbox
//! accepts, the `sandbox-genesys` profile pointed at a sandbox, a submission whose events
//! are watched while it runs, and a look at the sandbox's actions through its own API.

use std::time::Duration;

use cxda::audit::AuditRecord;
use cxda::config::{Profile, SANDBOX_INTEGRATION_ID};
use cxda::engine::{Engine, ExecEvent, Submission};
use cxda::sandbox::SandboxHandle;
use reqwest::Url;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::engine_common::side_client;

/// A create payload (`PostActionInput`) named `name`, valid for the sandbox.
pub fn payload(name: &str) -> Value {
    json!({
        "name": name,
        "category": "cxda",
        "integrationId": SANDBOX_INTEGRATION_ID,
        "secure": false,
        "contract": {
            "input": {"inputSchema": {"type": "object", "properties": {"id": {"type": "string"}}}},
            "output": {"successSchema": {"type": "object", "properties": {}}}
        },
        "config": {
            "request": {
                "requestUrlTemplate": "https://api.example.com/items/$esc.url(${input.id})",
                "requestType": "GET",
                "headers": {},
                "requestTemplate": "${input.rawRequest}"
            },
            "response": {"translationMap": {}, "translationMapDefaults": {}, "successTemplate": "${rawResult}"}
        }
    })
}

pub fn submission(payload: &Value) -> Submission {
    Submission {
        payload: payload.to_string(),
        ..Submission::default()
    }
}

/// The built-in `sandbox-genesys` profile pointed at `sandbox`, client-side pacing off.
pub fn profile(sandbox: &SandboxHandle) -> Profile {
    let mut profile = Profile::sandbox_genesys();
    let url = Url::parse(&sandbox.base_url()).expect("base url");
    profile.complete_sandbox(&url).expect("sandbox profile");
    profile.rate_limit = None;
    profile
}

/// Submits and hands every event to `on_event` as it comes (bounded: a minute).
pub async fn submit_watching(
    engine: &Engine,
    submission: Submission,
    on_event: impl AsyncFnMut(&ExecEvent),
) -> (AuditRecord, Vec<ExecEvent>) {
    submit_cancellable(engine, submission, CancellationToken::new(), on_event).await
}

/// [`submit_watching`] with the submission's cancellation token. The submission runs inside
/// this loop, not on a task of its own: while `on_event` runs, the engine is not polled.
pub async fn submit_cancellable(
    engine: &Engine,
    submission: Submission,
    cancel: CancellationToken,
    mut on_event: impl AsyncFnMut(&ExecEvent),
) -> (AuditRecord, Vec<ExecEvent>) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let run = engine.submit(submission, tx, cancel);
    tokio::pin!(run);
    let mut events = Vec::new();
    let record = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            tokio::select! {
                biased;
                Some(event) = rx.recv() => {
                    on_event(&event).await;
                    events.push(event);
                }
                record = &mut run => {
                    while let Ok(event) = rx.try_recv() {
                        events.push(event);
                    }
                    return record.expect("the audit record is written");
                }
            }
        }
    })
    .await
    .expect("the submission ends within a minute");
    (record, events)
}

/// The steps' names and final statuses.
pub fn steps(record: &AuditRecord) -> Vec<(&str, Option<u16>)> {
    record
        .steps
        .iter()
        .map(|s| (s.name.as_str(), s.status))
        .collect()
}

/// A fresh token from the sandbox, for looking at it from the side.
pub async fn side_token(sandbox: &SandboxHandle) -> String {
    let token: Value = side_client()
        .post(sandbox.token_url())
        .basic_auth(cxda::sandbox::CLIENT_ID, Some(cxda::sandbox::CLIENT_SECRET))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("token json");
    token["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}

/// `GET {base}/api/v2/integrations/actions{tail}` with a side token: status and body.
pub async fn api_get(sandbox: &SandboxHandle, tail: &str) -> (u16, Value) {
    let response = side_client()
        .get(format!(
            "{}/api/v2/integrations/actions{tail}",
            sandbox.base_url()
        ))
        .bearer_auth(side_token(sandbox).await)
        .send()
        .await
        .expect("the sandbox answers");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// How many actions (published, `""`) or drafts (`"/drafts"`) are named exactly `name`.
pub async fn named(sandbox: &SandboxHandle, listing: &str, name: &str) -> usize {
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("name", name)
        .append_pair("pageSize", "100")
        .finish();
    let (status, body) = api_get(sandbox, &format!("{listing}?{query}")).await;
    assert_eq!(status, 200, "{body}");
    body["entities"]
        .as_array()
        .expect("entities")
        .iter()
        .filter(|e| e["name"] == name)
        .count()
}
