//! The sandbox over HTTPS with the CA it generates at start: trusted when the client trusts
//! that CA, refused with a certificate error otherwise.

use crate::sandbox_common;

use std::error::Error as _;
use std::time::Duration;

use cxda::sandbox::{Faults, Sandbox, SandboxConfig, SandboxHandle};
use reqwest::{Certificate, Client};
use sandbox_common::payload;
use serde_json::Value;

async fn start_tls(ca_dir: Option<std::path::PathBuf>) -> SandboxHandle {
    Sandbox::start(SandboxConfig {
        tls: true,
        faults: Faults::off(),
        ca_dir,
        ..SandboxConfig::default()
    })
    .await
    .expect("the sandbox starts with TLS")
}

fn client_trusting(sandbox: &SandboxHandle) -> Client {
    cxda::init_tls();
    let pem = sandbox.ca_pem().expect("a CA with TLS");
    let ca = Certificate::from_pem(pem.as_bytes()).expect("the CA parses");
    Client::builder()
        .no_proxy()
        .tls_certs_only([ca])
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

#[tokio::test]
async fn a_client_trusting_the_generated_ca_gets_a_token_and_creates() {
    let sandbox = start_tls(None).await;
    assert!(sandbox.base_url().starts_with("https://127.0.0.1:"));
    let client = client_trusting(&sandbox);
    let token: Value = client
        .post(sandbox.token_url())
        .basic_auth(cxda::sandbox::CLIENT_ID, Some(cxda::sandbox::CLIENT_SECRET))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("token over https")
        .json()
        .await
        .expect("json");
    let token = token["access_token"].as_str().expect("token");
    let response = client
        .post(format!("{}/api/v2/data-actions", sandbox.base_url()))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(payload("OverTls"))
        .send()
        .await
        .expect("create over https");
    assert_eq!(response.status(), 201);
}

#[tokio::test]
async fn the_certificate_is_valid_for_localhost() {
    let sandbox = start_tls(None).await;
    let client = client_trusting(&sandbox);
    let url = format!("https://localhost:{}/_sandbox/stats", sandbox.addr().port());
    let response = client.get(url).send().await.expect("https to localhost");
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn a_client_without_the_ca_is_refused_with_a_certificate_error() {
    let sandbox = start_tls(None).await;
    cxda::init_tls();
    let client = Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    let error = client
        .get(format!("{}/_sandbox/stats", sandbox.base_url()))
        .send()
        .await
        .expect_err("an untrusted certificate is refused");
    let mut chain = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        chain.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    assert!(chain.to_lowercase().contains("certificate"), "{chain}");
}

#[tokio::test]
async fn a_stalled_handshake_does_not_block_other_clients() {
    let sandbox = start_tls(None).await;
    // Connects and never says hello.
    let _stalled = tokio::net::TcpStream::connect(sandbox.addr())
        .await
        .expect("connect");
    let client = client_trusting(&sandbox);
    let response = tokio::time::timeout(
        Duration::from_secs(5),
        client
            .get(format!("{}/_sandbox/stats", sandbox.base_url()))
            .send(),
    )
    .await
    .expect("not stuck behind the stalled handshake")
    .expect("https");
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn the_ca_file_is_written_and_removed_on_shutdown() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sandbox = start_tls(Some(dir.path().to_path_buf())).await;
    let path = sandbox.ca_path().expect("a CA file").to_path_buf();
    let written = std::fs::read_to_string(&path).expect("the CA file reads");
    assert_eq!(Some(written), sandbox.ca_pem());
    assert!(path.starts_with(dir.path()));
    sandbox.shutdown().await;
    assert!(!path.exists());
}
