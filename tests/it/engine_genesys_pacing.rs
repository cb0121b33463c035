//! Pacing on the genesys-cloud platform's `inin-ratelimit-*` headers alone: a batch of
//! creates (three requests each) from 16 concurrent submissions through the real engine,
//! client-side pacing off, against the sandbox limited to 20 requests a second, gets at most
//! 1 % of its answers refused with 429.

use std::time::Instant;

use cxda::audit::Outcome;
use serde_json::json;
use tokio::task::JoinSet;

use crate::engine_common::{engine, faults, responses, start, submit};
use crate::engine_genesys_common::{payload, profile, submission};

const CREATES: usize = 60;
const CONCURRENCY: usize = 16;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inin_headers_alone_pace_a_batch_with_at_most_one_percent_429() {
    let sandbox = start(faults(json!({"rate_limit": "20/s"}))).await;
    let (engine, _dir) = engine(profile(&sandbox));
    let started = Instant::now();
    let mut set = JoinSet::new();
    let mut next = 0;
    let mut created = 0;
    let mut limits = Vec::new();
    while next < CREATES || !set.is_empty() {
        while next < CREATES && set.len() < CONCURRENCY {
            let engine = engine.clone();
            let name = format!("Paced {next}");
            set.spawn(async move { submit(&engine, submission(&payload(&name))).await });
            next += 1;
        }
        let done = set.join_next().await.expect("a task").expect("no panic");
        assert_eq!(
            done.record.outcome,
            Outcome::Created,
            "{:?}",
            done.record.error
        );
        created += 1;
        limits.extend(
            done.record
                .steps
                .iter()
                .flat_map(|s| &s.attempts)
                .filter_map(|a| a.rate_limit.and_then(|r| r.limit)),
        );
    }
    let elapsed = started.elapsed();
    let ok = responses(&sandbox, 200);
    let refused = responses(&sandbox, 429);
    let total = ok + refused;
    println!(
        "{created} genesys creates ({total} requests) in {:.1} s at 20/s: {refused} answered 429",
        elapsed.as_secs_f64()
    );
    assert_eq!(created, CREATES);
    assert!(
        limits.iter().all(|&l| l == 20) && !limits.is_empty(),
        "every answer carried inin-ratelimit-allowed: 20 ({limits:?})"
    );
    assert!(
        refused * 100 <= total,
        "{refused} of {total} answers were 429 (more than 1 %)"
    );
}
