//! The sandbox's token endpoint over real HTTP: RFC 6749 client credentials, its section 5.2 error
//! bodies and the headers docs/sandbox.md documents.

use crate::sandbox_common;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use cxda::sandbox::{CLIENT_ID, CLIENT_SECRET};
use sandbox_common::*;
use serde_json::Value;

#[tokio::test]
async fn basic_client_auth_gets_a_bearer_token_with_no_store() {
    let sandbox = start_plain().await;
    let client = client();
    let response = token_response(&client, &sandbox, None).await;
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "cache-control"), "no-store");
    assert_eq!(header(&response, "pragma"), "no-cache");
    let body: Value = response.json().await.expect("json");
    assert!(
        body["access_token"]
            .as_str()
            .expect("token")
            .starts_with("sbx_")
    );
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
}

#[tokio::test]
async fn an_omitted_scope_grants_read_and_write() {
    let sandbox = start_plain().await;
    let body: Value = token_response(&client(), &sandbox, None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(body["scope"], "data-actions:read data-actions:write");
}

#[tokio::test]
async fn a_requested_scope_is_granted_alone() {
    let sandbox = start_plain().await;
    let body: Value = token_response(&client(), &sandbox, Some("data-actions:read"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(body["scope"], "data-actions:read");
}

#[tokio::test]
async fn client_credentials_in_the_body_are_accepted() {
    let sandbox = start_plain().await;
    let response = client()
        .post(sandbox.token_url())
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
        ])
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn basic_credentials_are_form_decoded_after_base64() {
    // RFC 6749 §2.3.1: id and secret are form-urlencoded before Base64. `%2D` is `-`.
    let sandbox = start_plain().await;
    let encoded = STANDARD.encode("sandbox:sandbox%2Dsecret");
    let response = client()
        .post(sandbox.token_url())
        .header("authorization", format!("Basic {encoded}"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn a_json_body_is_invalid_request() {
    let sandbox = start_plain().await;
    let response = client()
        .post(sandbox.token_url())
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .json(&serde_json::json!({"grant_type": "client_credentials"}))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"], "invalid_request");
    assert!(body["error_description"].is_string());
}

#[tokio::test]
async fn a_wrong_secret_is_invalid_client_with_a_basic_challenge() {
    let sandbox = start_plain().await;
    let response = client()
        .post(sandbox.token_url())
        .basic_auth(CLIENT_ID, Some("not-the-secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 401);
    assert!(header(&response, "www-authenticate").starts_with("Basic realm="));
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"], "invalid_client");
}

#[tokio::test]
async fn a_wrong_secret_in_the_body_is_invalid_client_too() {
    let sandbox = start_plain().await;
    let response = client()
        .post(sandbox.token_url())
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", "nope"),
        ])
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 401);
    assert!(response.headers().contains_key("www-authenticate"));
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"], "invalid_client");
}

#[tokio::test]
async fn basic_and_body_auth_together_are_invalid_request() {
    let sandbox = start_plain().await;
    let response = client()
        .post(sandbox.token_url())
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
        ])
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"], "invalid_request");
}

#[tokio::test]
async fn another_grant_type_is_unsupported_grant_type() {
    let sandbox = start_plain().await;
    let response = client()
        .post(sandbox.token_url())
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(&[("grant_type", "password")])
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"], "unsupported_grant_type");
}

#[tokio::test]
async fn an_unknown_scope_is_invalid_scope() {
    let sandbox = start_plain().await;
    let response = token_response(&client(), &sandbox, Some("data-actions:read admin")).await;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"], "invalid_scope");
}

#[tokio::test]
async fn each_token_is_new() {
    let sandbox = start_plain().await;
    let client = client();
    let a = token(&client, &sandbox).await;
    let b = token(&client, &sandbox).await;
    assert_ne!(a, b);
}
