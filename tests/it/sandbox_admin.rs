//! The sandbox's control endpoints over real HTTP: `/_sandbox/stats` and the webhook
//! receiver.

use crate::sandbox_common;

use cxda::sandbox::Faults;
use sandbox_common::*;
use serde_json::{Value, json};

#[tokio::test]
async fn stats_count_token_and_create_requests_and_responses_by_status() {
    let sandbox = start(Faults {
        fail_429: 1,
        ..Faults::off()
    })
    .await;
    let client = client();
    let token = token(&client, &sandbox).await;
    assert_eq!(create(&client, &sandbox, &token, "A").await.status(), 429);
    assert_eq!(create(&client, &sandbox, &token, "A").await.status(), 201);
    assert_eq!(create(&client, &sandbox, &token, "B").await.status(), 201);
    assert_eq!(create(&client, &sandbox, &token, "B").await.status(), 409);
    let stats = get_json(&client, &format!("{}/_sandbox/stats", sandbox.base_url())).await;
    assert_eq!(stats["token_requests"], 1);
    assert_eq!(stats["create_requests"], 4);
    assert_eq!(
        stats["responses"],
        json!({"200": 1, "201": 2, "409": 1, "429": 1})
    );
}

#[tokio::test]
async fn stats_leave_out_the_sandbox_control_traffic() {
    let sandbox = start_plain().await;
    let client = client();
    let stats_url = format!("{}/_sandbox/stats", sandbox.base_url());
    put_faults(&client, &sandbox, json!({"latency_ms": 0})).await;
    get_json(&client, &format!("{}/_sandbox/faults", sandbox.base_url())).await;
    get_json(&client, &stats_url).await;
    let stats = get_json(&client, &stats_url).await;
    assert_eq!(stats["token_requests"], 0);
    assert_eq!(stats["create_requests"], 0);
    assert_eq!(stats["responses"], json!({}));
}

#[tokio::test]
async fn the_handle_reports_the_same_stats() {
    let sandbox = start_plain().await;
    let client = client();
    token(&client, &sandbox).await;
    let stats = sandbox.stats();
    assert_eq!(stats.token_requests, 1);
    assert_eq!(stats.responses.get("200"), Some(&1));
}

#[tokio::test]
async fn the_webhook_receiver_records_deliveries_in_order() {
    let sandbox = start_plain().await;
    let client = client();
    let url = format!("{}/_sandbox/webhook", sandbox.base_url());
    for event in ["data_action.created", "data_action.failed"] {
        let response = client
            .post(&url)
            .json(&json!({"event": event, "correlation_id": "c-1"}))
            .send()
            .await
            .expect("deliver");
        assert!(response.status().is_success());
    }
    let deliveries = get_json(&client, &url).await;
    let deliveries = deliveries.as_array().expect("array");
    assert_eq!(deliveries.len(), 2);
    assert_eq!(deliveries[0]["body"]["event"], "data_action.created");
    assert_eq!(deliveries[1]["body"]["event"], "data_action.failed");
    assert_eq!(deliveries[0]["headers"]["content-type"], "application/json");
    assert!(
        deliveries[0]["received_at"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z'))
    );
}

#[tokio::test]
async fn the_webhook_receiver_redacts_an_authorization_header() {
    let sandbox = start_plain().await;
    let client = client();
    let url = format!("{}/_sandbox/webhook", sandbox.base_url());
    client
        .post(&url)
        .bearer_auth("sbx_should_not_be_shown")
        .body("not json")
        .send()
        .await
        .expect("deliver");
    let deliveries: Value = get_json(&client, &url).await;
    assert_eq!(deliveries[0]["headers"]["authorization"], "[redacted]");
    assert_eq!(deliveries[0]["body"], "not json");
}

#[tokio::test]
async fn webhook_fail_refuses_the_first_deliveries() {
    let sandbox = start(Faults {
        webhook_fail: 1,
        ..Faults::off()
    })
    .await;
    let client = client();
    let url = format!("{}/_sandbox/webhook", sandbox.base_url());
    let deliver = || client.post(&url).json(&json!({"event": "x"})).send();
    assert_eq!(deliver().await.expect("first").status(), 503);
    assert_eq!(deliver().await.expect("second").status(), 200);
    let deliveries = get_json(&client, &url).await;
    assert_eq!(deliveries.as_array().map(Vec::len), Some(1));
}
