//! Each fault of `cxda sandbox` (docs/sandbox.md, Faults) over real HTTP, set at start or
//! changed at run time through `/_sandbox/faults`.

use crate::sandbox_common;

use std::time::{Duration, Instant};

use cxda::sandbox::{Faults, RedirectFault};
use sandbox_common::*;
use serde_json::{Value, json};

fn with(f: impl FnOnce(&mut Faults)) -> Faults {
    let mut faults = Faults::off();
    f(&mut faults);
    faults
}

#[tokio::test]
async fn fail_429_answers_the_first_n_authenticated_creates_with_retry_after_1() {
    let sandbox = start(with(|f| f.fail_429 = 2)).await;
    let client = client();
    // Authentication is checked first: a request without a token spends nothing.
    let anonymous = client
        .post(collection_url(&sandbox))
        .header("content-type", "application/json")
        .body(payload("Anon"))
        .send()
        .await
        .expect("send");
    assert_eq!(anonymous.status(), 401);
    let token = token(&client, &sandbox).await;
    for i in 0..2 {
        let response = create(&client, &sandbox, &token, &format!("Early{i}")).await;
        assert_eq!(response.status(), 429);
        assert_eq!(header(&response, "retry-after"), "1");
    }
    assert_eq!(
        create(&client, &sandbox, &token, "Third").await.status(),
        201
    );
    assert_eq!(stored_count(&client, &sandbox, &token).await, 1);
}

async fn assert_redirect_then_create_at_location(status: u16, fault: RedirectFault) {
    let sandbox = start(with(|f| f.redirect = Some(fault))).await;
    let client = client();
    let token = token(&client, &sandbox).await;
    let name = format!("Redirected{status}");
    let response = create(&client, &sandbox, &token, &name).await;
    assert_eq!(response.status(), status);
    let location = header(&response, "location").to_string();
    assert!(location.starts_with('/'), "same origin: {location}");
    assert_eq!(stored_count(&client, &sandbox, &token).await, 0);
    let url = format!("{}{location}", sandbox.base_url());
    let moved = post_create(&client, &url, &token, payload(&name)).await;
    assert_eq!(moved.status(), 201);
    let created = header(&moved, "location").to_string();
    let fetched = client
        .get(format!("{}{created}", sandbox.base_url()))
        .bearer_auth(&token)
        .send()
        .await
        .expect("get");
    assert_eq!(fetched.status(), 200);
}

#[tokio::test]
async fn redirect_307_points_to_a_same_origin_location_that_accepts_the_create() {
    assert_redirect_then_create_at_location(307, RedirectFault::TemporaryRedirect).await;
}

#[tokio::test]
async fn redirect_302_points_to_a_same_origin_location_that_accepts_the_create() {
    assert_redirect_then_create_at_location(302, RedirectFault::Found).await;
}

#[tokio::test]
async fn redirect_loop_bounces_between_two_urls() {
    let sandbox = start(with(|f| f.redirect = Some(RedirectFault::Loop))).await;
    let client = client();
    let token = token(&client, &sandbox).await;
    let a = collection_url(&sandbox);
    let first = post_create(&client, &a, &token, payload("Loop")).await;
    assert_eq!(first.status(), 307);
    let b = format!("{}{}", sandbox.base_url(), header(&first, "location"));
    assert_ne!(a, b);
    let second = post_create(&client, &b, &token, payload("Loop")).await;
    assert_eq!(second.status(), 307);
    assert_eq!(
        format!("{}{}", sandbox.base_url(), header(&second, "location")),
        a
    );
    assert_eq!(stored_count(&client, &sandbox, &token).await, 0);
}

#[tokio::test]
async fn redirect_303_stores_the_action_and_points_to_it() {
    let sandbox = start(with(|f| f.redirect = Some(RedirectFault::SeeOther))).await;
    let client = client();
    let token = token(&client, &sandbox).await;
    let response = create(&client, &sandbox, &token, "SeeOther").await;
    assert_eq!(response.status(), 303);
    let location = header(&response, "location").to_string();
    let fetched: Value = client
        .get(format!("{}{location}", sandbox.base_url()))
        .bearer_auth(&token)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(fetched["name"], "SeeOther");
}

#[tokio::test]
async fn redirect_location_overrides_the_location() {
    let elsewhere = "https://elsewhere.example/api/v2/data-actions";
    let sandbox = start(with(|f| {
        f.redirect = Some(RedirectFault::TemporaryRedirect);
        f.redirect_location = Some(elsewhere.to_string());
    }))
    .await;
    let client = client();
    let token = token(&client, &sandbox).await;
    let response = create(&client, &sandbox, &token, "Away").await;
    assert_eq!(response.status(), 307);
    assert_eq!(header(&response, "location"), elsewhere);
}

#[tokio::test]
async fn latency_ms_delays_the_created_response() {
    let sandbox = start(with(|f| f.latency_ms = 600)).await;
    let client = client();
    let token = token(&client, &sandbox).await;
    let started = Instant::now();
    let response = create(&client, &sandbox, &token, "Slow").await;
    assert_eq!(response.status(), 201);
    assert!(
        started.elapsed() >= Duration::from_millis(600),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn latency_ms_applies_after_the_action_is_stored() {
    let sandbox = start(with(|f| f.latency_ms = 60_000)).await;
    let client = client();
    let token = token(&client, &sandbox).await;
    let request = client
        .post(collection_url(&sandbox))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(payload("StoredFirst"))
        .send();
    // The response is a minute away, but the action is there long before.
    let pending = tokio::spawn(request);
    eventually("the action stored", Duration::from_secs(20), || async {
        (stored_count(&client, &sandbox, &token).await == 1).then_some(())
    })
    .await;
    assert!(!pending.is_finished());
    pending.abort();
}

#[tokio::test]
async fn error_rate_one_answers_every_create_with_503_and_stores_nothing() {
    let sandbox = start(with(|f| f.error_rate = 1.0)).await;
    let client = client();
    let token = token(&client, &sandbox).await;
    for i in 0..10 {
        let response = create(&client, &sandbox, &token, &format!("Unlucky{i}")).await;
        assert_eq!(response.status(), 503);
    }
    assert_eq!(stored_count(&client, &sandbox, &token).await, 0);
}

#[tokio::test]
async fn error_rate_zero_never_answers_503() {
    let sandbox = start(with(|f| f.error_rate = 0.0)).await;
    let client = client();
    let token = token(&client, &sandbox).await;
    for i in 0..50 {
        let response = create(&client, &sandbox, &token, &format!("Lucky{i}")).await;
        assert_eq!(response.status(), 201);
    }
}

#[tokio::test]
async fn error_rate_half_answers_some_creates_with_503() {
    let sandbox = start(with(|f| f.error_rate = 0.5)).await;
    let client = client();
    let token = token(&client, &sandbox).await;
    let mut failed = 0;
    for i in 0..200 {
        let status = create(&client, &sandbox, &token, &format!("Coin{i}"))
            .await
            .status();
        assert!(status == 201 || status == 503, "{status}");
        failed += usize::from(status == 503);
    }
    // Binomial(200, 0.5): outside 50..=150 has odds far below one in a billion.
    assert!((50..=150).contains(&failed), "{failed} of 200");
    assert_eq!(
        stored_count(&client, &sandbox, &token).await,
        200 - failed as u64
    );
}

#[tokio::test]
async fn a_token_from_token_ttl_s_1_expires_after_a_second() {
    let sandbox = start(with(|f| f.token_ttl_s = 1)).await;
    let client = client();
    let response = token_response(&client, &sandbox, None).await;
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["expires_in"], 1);
    let token = body["access_token"].as_str().expect("token").to_string();
    let challenge = eventually("the token to expire", Duration::from_secs(15), || async {
        let response = client
            .get(collection_url(&sandbox))
            .bearer_auth(&token)
            .send()
            .await
            .expect("send");
        (response.status() == 401).then(|| header(&response, "www-authenticate").to_string())
    })
    .await;
    assert!(challenge.contains("invalid_token"), "{challenge}");
}

#[tokio::test]
async fn token_ttl_s_applies_to_tokens_issued_afterwards() {
    let sandbox = start_plain().await;
    let client = client();
    let put = put_faults(&client, &sandbox, json!({"token_ttl_s": 42})).await;
    assert_eq!(put.status(), 200);
    let body: Value = token_response(&client, &sandbox, None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(body["expires_in"], 42);
}

#[tokio::test]
async fn a_put_of_faults_changes_behaviour_at_run_time() {
    let sandbox = start_plain().await;
    let client = client();
    let token = token(&client, &sandbox).await;
    assert_eq!(
        create(&client, &sandbox, &token, "Before").await.status(),
        201
    );
    let put = put_faults(&client, &sandbox, json!({"fail_429": 1})).await;
    assert_eq!(put.status(), 200);
    let refused = create(&client, &sandbox, &token, "During").await;
    assert_eq!(refused.status(), 429);
    assert_eq!(
        create(&client, &sandbox, &token, "After").await.status(),
        201
    );
}

#[tokio::test]
async fn a_put_of_faults_merges_into_the_current_settings() {
    let sandbox = start_plain().await;
    let client = client();
    put_faults(&client, &sandbox, json!({"latency_ms": 5})).await;
    put_faults(
        &client,
        &sandbox,
        json!({"redirect": "307", "rate_limit": "10/s"}),
    )
    .await;
    let faults = get_json(&client, &format!("{}/_sandbox/faults", sandbox.base_url())).await;
    assert_eq!(faults["latency_ms"], 5);
    assert_eq!(faults["redirect"], "307");
    assert_eq!(faults["rate_limit"], "10/s");
    assert_eq!(faults["fail_429"], 0);
    assert_eq!(faults["token_ttl_s"], 3600);
}

#[tokio::test]
async fn a_put_of_faults_rearms_fail_429() {
    let sandbox = start(with(|f| f.fail_429 = 1)).await;
    let client = client();
    let token = token(&client, &sandbox).await;
    assert_eq!(create(&client, &sandbox, &token, "A").await.status(), 429);
    assert_eq!(create(&client, &sandbox, &token, "B").await.status(), 201);
    put_faults(&client, &sandbox, json!({"latency_ms": 0})).await;
    assert_eq!(create(&client, &sandbox, &token, "C").await.status(), 429);
}

#[tokio::test]
async fn an_unknown_fault_key_is_400_naming_it() {
    let sandbox = start_plain().await;
    let client = client();
    let response = put_faults(&client, &sandbox, json!({"fail_492": 1})).await;
    assert_eq!(response.status(), 400);
    let problem: Value = response.json().await.expect("json");
    assert_eq!(problem["key"], "fail_492");
    assert!(
        problem["detail"]
            .as_str()
            .expect("detail")
            .contains("fail_492")
    );
}

#[tokio::test]
async fn a_bad_fault_value_is_400_naming_the_key_and_changes_nothing() {
    let sandbox = start_plain().await;
    let client = client();
    let response = put_faults(&client, &sandbox, json!({"fail_429": 3, "error_rate": 2})).await;
    assert_eq!(response.status(), 400);
    let problem: Value = response.json().await.expect("json");
    assert_eq!(problem["key"], "error_rate");
    let faults = get_json(&client, &format!("{}/_sandbox/faults", sandbox.base_url())).await;
    assert_eq!(faults["fail_429"], 0);
}
