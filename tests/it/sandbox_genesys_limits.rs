//! The genesys-cloud paths under the shared rate limit and faults: `inin-ratelimit-*`
//! headers in place of `X-RateLimit-*`, the 429 `ErrorBody`, `fail_429`, `error_rate`,
//! `latency_ms` after the draft is stored, paging through many actions, and the stats.

use std::time::Duration;

use cxda::sandbox::Faults;
use serde_json::{Value, json};

use crate::sandbox_common::{self, put_faults};
use crate::sandbox_genesys_common::{ACTIONS, DRAFTS, Genesys, create_body};

fn limited(spec: &str) -> Faults {
    Faults {
        rate_limit: Some(spec.parse().expect("spec")),
        ..Faults::off()
    }
}

#[tokio::test]
async fn genesys_paths_carry_inin_rate_limit_headers_and_cxone_paths_x_rate_limit() {
    let g = Genesys::start(limited("50/min")).await;
    let first = g.get(ACTIONS).await;
    assert_eq!(first.status, 200);
    assert_eq!(first.header("inin-ratelimit-allowed"), Some("50"));
    let count: u32 = first
        .header("inin-ratelimit-count")
        .expect("count")
        .parse()
        .expect("n");
    let reset: u64 = first
        .header("inin-ratelimit-reset")
        .expect("reset")
        .parse()
        .expect("n");
    assert!((1..=50).contains(&count) && (1..=60).contains(&reset));
    for name in [
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
    ] {
        assert!(first.header(name).is_none(), "{name} on a genesys path");
    }
    // One window for both dialects: the count goes on.
    let second = g.get(DRAFTS).await;
    let next: u32 = second
        .header("inin-ratelimit-count")
        .expect("count")
        .parse()
        .expect("n");
    assert!(next > count, "{next} after {count}");
    // Errors carry them too.
    let missing = g.get(&format!("{ACTIONS}/nope")).await;
    assert_eq!(missing.status, 404);
    assert!(missing.header("inin-ratelimit-count").is_some());

    let cxone = g.get("/api/v2/data-actions").await;
    assert_eq!(cxone.header("x-ratelimit-limit"), Some("50"));
    assert!(cxone.header("inin-ratelimit-allowed").is_none());
    assert!(cxone.header("inin-correlation-id").is_none());
}

#[tokio::test]
async fn past_the_window_a_genesys_request_gets_a_429_error_body_with_retry_after() {
    let g = Genesys::start(limited("3/min")).await;
    let mut refused = None;
    for _ in 0..5 {
        let answer = g.get(ACTIONS).await;
        if answer.status == 429 {
            refused = Some(answer);
            break;
        }
    }
    let refused = refused.expect("a 429 within 5 requests");
    let body = refused.expect_error(429, "too.many.requests");
    assert!(
        body["message"].as_str().is_some_and(|m| m.contains("[3]")),
        "{body}"
    );
    let retry: u64 = refused
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("whole seconds");
    assert!((1..=60).contains(&retry));
    assert_eq!(refused.header("inin-ratelimit-allowed"), Some("3"));
    assert_eq!(refused.header("inin-ratelimit-count"), Some("3"));
    assert!(refused.header("x-ratelimit-limit").is_none());
}

#[tokio::test]
async fn fail_429_and_error_rate_apply_to_the_genesys_creates() {
    let g = Genesys::plain().await;
    put_faults(&g.client, &g.sandbox, json!({"fail_429": 1})).await;
    let refused = g.post(DRAFTS, &create_body("Retried")).await;
    refused.expect_error(429, "too.many.requests");
    assert_eq!(refused.header("retry-after"), Some("1"));
    assert_eq!(g.post(DRAFTS, &create_body("Retried")).await.status, 200);

    put_faults(
        &g.client,
        &g.sandbox,
        json!({"fail_429": 0, "error_rate": 1.0}),
    )
    .await;
    for path in [DRAFTS, ACTIONS] {
        let failed = g.post(path, &create_body("Unlucky")).await;
        failed.expect_error(503, "service.unavailable");
    }
    put_faults(&g.client, &g.sandbox, json!({"error_rate": 0.0})).await;
    let drafts = g.get(&format!("{DRAFTS}?name=Unlucky")).await;
    assert_eq!(drafts.body["total"], 0, "a 503 stores nothing");
}

#[tokio::test]
async fn latency_delays_the_drafts_answer_after_the_draft_is_stored() {
    let g = Genesys::plain().await;
    put_faults(&g.client, &g.sandbox, json!({"latency_ms": 3000})).await;
    let timed_out = g
        .client
        .post(g.url(DRAFTS))
        .bearer_auth(&g.token)
        .json(&create_body("Slow"))
        .timeout(Duration::from_millis(300))
        .send()
        .await;
    assert!(
        timed_out.is_err_and(|e| e.is_timeout()),
        "the answer came within 300 ms"
    );
    // The draft exists although its answer never arrived: a lookup by name finds it.
    let found =
        sandbox_common::eventually("the draft to be listed", Duration::from_secs(2), || async {
            let list = g.get(&format!("{DRAFTS}?name=slow")).await;
            (list.body["total"] == 1).then_some(list.body)
        })
        .await;
    assert_eq!(found["entities"][0]["name"], "Slow");
}

#[tokio::test]
async fn paging_252_actions_by_100_gives_three_pages_and_the_right_totals() {
    let g = Genesys::plain().await;
    for n in 0..252 {
        let answer = g
            .post(ACTIONS, &create_body(&format!("Action {n:03}")))
            .await;
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
    let mut names = Vec::new();
    let mut next = Some(format!("{ACTIONS}?pageSize=100&pageNumber=1"));
    let mut pages = 0;
    while let Some(path) = next {
        let page = g.get(&path).await;
        assert_eq!(page.status, 200);
        pages += 1;
        assert_eq!(
            (&page.body["total"], &page.body["pageCount"]),
            (&json!(252), &json!(3))
        );
        assert_eq!(page.body["pageSize"], 100);
        assert_eq!(page.body["pageNumber"], pages);
        assert_eq!(page.body["selfUri"], path);
        assert_eq!(
            page.body["firstUri"],
            format!("{ACTIONS}?pageSize=100&pageNumber=1")
        );
        assert_eq!(
            page.body["lastUri"],
            format!("{ACTIONS}?pageSize=100&pageNumber=3")
        );
        assert_eq!(page.body.get("previousUri").is_some(), pages > 1);
        names.extend(
            page.body["entities"]
                .as_array()
                .expect("entities")
                .iter()
                .map(|e| e["name"].as_str().expect("name").to_string()),
        );
        next = page
            .body
            .get("nextUri")
            .and_then(Value::as_str)
            .map(str::to_string);
    }
    assert_eq!(pages, 3);
    let expected: Vec<String> = (0..252).map(|n| format!("Action {n:03}")).collect();
    assert_eq!(names, expected, "every action once, oldest first");
    let past = g.get(&format!("{ACTIONS}?pageSize=100&pageNumber=4")).await;
    assert_eq!(
        (&past.body["entities"], &past.body["total"]),
        (&json!([]), &json!(252))
    );
    let default = g.get(ACTIONS).await;
    assert_eq!(
        (&default.body["pageSize"], &default.body["pageCount"]),
        (&json!(25), &json!(11))
    );
}

#[tokio::test]
async fn stats_count_genesys_creates_and_requests() {
    let g = Genesys::plain().await;
    g.draft("Counted").await;
    g.post(ACTIONS, &create_body("Counted too")).await;
    g.get(ACTIONS).await;
    let stats = g.sandbox.stats();
    assert_eq!(stats.create_requests, 2);
    assert_eq!(stats.genesys_requests, 3);
    assert_eq!(stats.stored_genesys_actions, 2);
    assert_eq!(stats.stored_actions, 0);
    // The token request and the three above.
    assert_eq!(stats.responses.get("200"), Some(&4));
}
