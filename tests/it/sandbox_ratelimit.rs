//! The sandbox's fixed-window rate limit over real HTTP. Windows are aligned to the epoch,
//! so a test can straddle a boundary: each test either reads `X-RateLimit-Reset` to notice
//! a new window and start over, or waits for the next window with a deadline.

use crate::sandbox_common;

use std::time::Duration;

use cxda::sandbox::Faults;
use reqwest::Response;
use sandbox_common::*;

fn limited(spec: &str) -> Faults {
    Faults {
        rate_limit: Some(spec.parse().expect("spec")),
        ..Faults::off()
    }
}

fn number(response: &Response, name: &str) -> u64 {
    header(response, name).parse().expect("a whole number")
}

#[tokio::test]
async fn the_window_admits_its_count_then_answers_429_with_retry_after() {
    let client = client();
    // A run that crosses the hour boundary sees the reset rise and starts over.
    for _attempt in 0..3 {
        let sandbox = start(limited("3/h")).await;
        let token = token(&client, &sandbox).await;
        let mut seen = Vec::new();
        for _ in 0..4 {
            let response = client
                .get(collection_url(&sandbox))
                .bearer_auth(&token)
                .send()
                .await
                .expect("send");
            seen.push(response);
        }
        let resets: Vec<u64> = seen
            .iter()
            .map(|r| number(r, "x-ratelimit-reset"))
            .collect();
        if resets.windows(2).any(|w| w[1] > w[0]) {
            continue;
        }
        let statuses: Vec<u16> = seen.iter().map(|r| r.status().as_u16()).collect();
        assert_eq!(statuses, [200, 200, 200, 429]);
        let remaining: Vec<u64> = seen
            .iter()
            .map(|r| number(r, "x-ratelimit-remaining"))
            .collect();
        assert_eq!(remaining, [2, 1, 0, 0]);
        assert!(seen.iter().all(|r| number(r, "x-ratelimit-limit") == 3));
        assert!(
            resets.iter().all(|&r| (1..=3600).contains(&r)),
            "{resets:?}"
        );
        let refused = &seen[3];
        let retry_after = number(refused, "retry-after");
        assert!((1..=3600).contains(&retry_after));
        assert_eq!(retry_after, resets[3]);
        return;
    }
    panic!("three runs in a row crossed a window boundary");
}

#[tokio::test]
async fn the_next_window_admits_again() {
    let sandbox = start(limited("2/2s")).await;
    let client = client();
    let token = token(&client, &sandbox).await;
    let list = || {
        client
            .get(collection_url(&sandbox))
            .bearer_auth(&token)
            .send()
    };
    let retry_after = eventually("a 429", Duration::from_secs(20), || async {
        let response = list().await.expect("send");
        (response.status() == 429).then(|| number(&response, "retry-after"))
    })
    .await;
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    eventually(
        "a request admitted again",
        Duration::from_secs(20),
        || async { (list().await.expect("send").status() == 200).then_some(()) },
    )
    .await;
}

#[tokio::test]
async fn every_api_response_carries_the_rate_limit_headers() {
    let sandbox = start(limited("50/h")).await;
    let client = client();
    // A 401 and a 404 under /api/v2 count and carry them as much as a success.
    let unauthenticated = client
        .get(collection_url(&sandbox))
        .send()
        .await
        .expect("send");
    assert_eq!(unauthenticated.status(), 401);
    let missing = client
        .get(format!("{}/api/v2/nothing-here", sandbox.base_url()))
        .send()
        .await
        .expect("send");
    assert_eq!(missing.status(), 404);
    for response in [&unauthenticated, &missing] {
        assert_eq!(number(response, "x-ratelimit-limit"), 50);
        assert!(number(response, "x-ratelimit-reset") >= 1);
        assert!(number(response, "x-ratelimit-remaining") < 50);
    }
}

#[tokio::test]
async fn the_token_endpoint_is_not_rate_limited() {
    let sandbox = start(limited("1/h")).await;
    let client = client();
    for _ in 0..3 {
        let response = token_response(&client, &sandbox, None).await;
        assert_eq!(response.status(), 200);
        assert!(!response.headers().contains_key("x-ratelimit-limit"));
    }
}

#[tokio::test]
async fn off_means_no_limit_and_no_headers() {
    let sandbox = start_plain().await;
    let client = client();
    let token = token(&client, &sandbox).await;
    for i in 0..150 {
        let response = create(&client, &sandbox, &token, &format!("Unlimited{i}")).await;
        assert_eq!(response.status(), 201);
        assert!(!response.headers().contains_key("x-ratelimit-limit"));
        assert!(!response.headers().contains_key("x-ratelimit-remaining"));
    }
}
