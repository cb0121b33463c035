//! Helpers shared by the `sandbox_*` integration tests: start a sandbox on `127.0.0.1:0`,
//! a plain reqwest client (no proxy, no redirect following), tokens, payloads, and a
//! deadline loop for conditions that take time.

use std::future::Future;
use std::time::{Duration, Instant};

use cxda::sandbox::{CLIENT_ID, CLIENT_SECRET, Faults, Sandbox, SandboxConfig, SandboxHandle};
use reqwest::{Client, Response};
use serde_json::Value;

pub async fn start(faults: Faults) -> SandboxHandle {
    Sandbox::start(SandboxConfig {
        faults,
        ..SandboxConfig::default()
    })
    .await
    .expect("the sandbox starts")
}

/// A sandbox with no faults and no rate limit.
pub async fn start_plain() -> SandboxHandle {
    start(Faults::off()).await
}

pub fn client() -> Client {
    cxda::init_tls();
    Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

pub async fn token_response(
    client: &Client,
    sandbox: &SandboxHandle,
    scope: Option<&str>,
) -> Response {
    let mut form = vec![("grant_type", "client_credentials")];
    if let Some(scope) = scope {
        form.push(("scope", scope));
    }
    client
        .post(sandbox.token_url())
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(&form)
        .send()
        .await
        .expect("token request")
}

pub async fn token_with_scope(
    client: &Client,
    sandbox: &SandboxHandle,
    scope: Option<&str>,
) -> String {
    let response = token_response(client, sandbox, scope).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("token json");
    body["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}

pub async fn token(client: &Client, sandbox: &SandboxHandle) -> String {
    token_with_scope(client, sandbox, None).await
}

/// A valid payload with the given name.
pub fn payload(name: &str) -> String {
    serde_json::json!({
        "name": name,
        "description": "sandbox test",
        "type": "REST",
        "configuration": {
            "method": "GET",
            "url": "https://inventory.example.com/api/v2/stock",
            "timeout": 3000,
            "headers": { "Accept": "application/json" }
        },
        "enabled": true,
        "tags": ["test"]
    })
    .to_string()
}

pub fn collection_url(sandbox: &SandboxHandle) -> String {
    format!("{}/api/v2/data-actions", sandbox.base_url())
}

pub async fn post_create(client: &Client, url: &str, token: &str, body: String) -> Response {
    client
        .post(url)
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("create request")
}

pub async fn create(client: &Client, sandbox: &SandboxHandle, token: &str, name: &str) -> Response {
    post_create(client, &collection_url(sandbox), token, payload(name)).await
}

pub async fn get_json(client: &Client, url: &str) -> Value {
    client
        .get(url)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json")
}

pub async fn put_faults(client: &Client, sandbox: &SandboxHandle, patch: Value) -> Response {
    client
        .put(format!("{}/_sandbox/faults", sandbox.base_url()))
        .json(&patch)
        .send()
        .await
        .expect("put faults")
}

/// The number of stored actions, as `GET /api/v2/data-actions` reports it.
pub async fn stored_count(client: &Client, sandbox: &SandboxHandle, token: &str) -> u64 {
    let body: Value = client
        .get(collection_url(sandbox))
        .bearer_auth(token)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("list json");
    body["total"].as_u64().expect("total")
}

/// Polls `check` until it yields `Some`, or panics after `limit` naming `what`.
pub async fn eventually<T, F, Fut>(what: &str, limit: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + limit;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub fn header<'a>(response: &'a Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .unwrap_or_else(|| panic!("missing header {name}"))
        .to_str()
        .expect("ascii header")
}
