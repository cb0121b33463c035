//! One local test run's overhead above its target's own latency, on loopback: a stand-in
//! target API (axum, plain http, answering a 90-byte customer) is called
//! - `bare`: with reqwest alone, the request already rendered (the target's own latency as
//!   a client sees it);
//! - `run`: by the runner (input check, URL/header/body templates, the request sent by
//!   `engine::target` on the engine's client, translation map, success template, output
//!   contract), without a record;
//! - `recorded`: by `Engine::test` with `local`, which also writes the run's audit record
//!   durably (one fdatasync), as `cxda test --local` does.
//!
//! Prints the median and p99 of each and the overheads (`run` − `bare`, `recorded` −
//! `bare`). Target: the runner's overhead ≤ 2 ms. The request is the studio's genesys
//! template (GET, two escaped query parameters, a credential header).
//!
//! `cargo bench --bench test_run` (`CXDA_RUNS` sets the runs per kind, default 2,000).

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::Instant;

use axum::Router;
use axum::routing::get;
use cxda::audit::{AuditLog, Outcome};
use cxda::config::Profile;
use cxda::engine::{Engine, TestRequest};
use cxda::runner::{Run, RunnableAction};
use cxda::sandbox::{Faults, Sandbox, SandboxConfig};
use reqwest::Url;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

const TARGET_OVERHEAD_MS: f64 = 2.0;
const CUSTOMER: &str =
    r#"{"results": [{"id": "C-1", "name": "Ada Lovelace", "tier": "GOLD", "openCaseCount": 2}]}"#;

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(measure()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("test_run: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Median and p99 of `samples` (µs), in ms.
fn stats(samples: &mut [u64]) -> (f64, f64) {
    samples.sort_unstable();
    let at = |p: f64| {
        let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
        samples.get(i).map_or(0.0, |&us| us as f64 / 1000.0)
    };
    (at(0.5), at(0.99))
}

async fn measure() -> anyhow::Result<ExitCode> {
    let runs: usize = std::env::var("CXDA_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(2_000);
    cxda::init_tls();
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", tcp.local_addr()?);
    let app = Router::new().route("/customers", get(|| async { CUSTOMER }));
    tokio::spawn(async move {
        let _ = axum::serve(tcp, app).await;
    });

    // The engine needs a connection; the embedded sandbox gives it one (no request of a
    // local run goes there).
    let sandbox = Sandbox::start(SandboxConfig {
        faults: Faults::off(),
        ..SandboxConfig::default()
    })
    .await?;
    let mut profile = Profile::sandbox_genesys();
    profile.complete_sandbox(&Url::parse(&sandbox.base_url())?)?;
    profile.rate_limit = None;
    let client = cxda::engine::client::build_client(&profile)?;
    let dir = tempfile::tempdir()?;
    let engine = Engine::new(profile, AuditLog::open(dir.path(), 256)?)?;

    let text = include_str!("../assets/templates/genesys-lookup.json")
        .replace("https://crm.example.com/api/v1", &base);
    let payload: Value = serde_json::from_str(&text)?;
    let action = RunnableAction::from_payload(cxda::config::Api::GenesysCloud, &payload)?;
    let input = json!({"phoneNumber": "+1 317 555 0123", "includeInactive": false});
    let vars = BTreeMap::from([("apiToken".to_string(), "bench-token-0123".to_string())]);
    let cancel = CancellationToken::new();
    let rendered = {
        let mut run = Run::start(&action, input.clone(), vars.clone());
        run.prepare()
            .ok_or_else(|| anyhow::anyhow!("the template did not render"))?
    };

    let mut bare = Vec::with_capacity(runs);
    let mut local = Vec::with_capacity(runs);
    let mut recorded = Vec::with_capacity(runs);
    // Warm the connection pool and the allocator before measuring.
    for i in 0..runs / 10 + runs {
        let measured = i >= runs / 10;
        let started = Instant::now();
        let answer = client
            .get(&rendered.url)
            .header("Authorization", "Bearer bench-token-0123")
            .header("Accept", "application/json")
            .send()
            .await?
            .bytes()
            .await?;
        let took = started.elapsed();
        anyhow::ensure!(
            answer.len() == CUSTOMER.len(),
            "the target answered otherwise"
        );
        if measured {
            bare.push(took.as_micros() as u64);
        }

        let started = Instant::now();
        let mut run = Run::start(&action, input.clone(), vars.clone());
        let prepared = run
            .prepare()
            .ok_or_else(|| anyhow::anyhow!("not prepared"))?;
        let sent = cxda::engine::target::send(&client, &prepared, &cancel).await;
        let report = run.finish(sent.result);
        let took = started.elapsed();
        anyhow::ensure!(report.success, "the run failed: {:?}", report.error);
        if measured {
            local.push(took.as_micros() as u64);
        }

        let started = Instant::now();
        let (events, _) = tokio::sync::mpsc::unbounded_channel();
        let request = TestRequest {
            payload: text.clone(),
            source: None,
            input: input.clone(),
            vars: vars.clone(),
            local: true,
            strict_credentials: true,
        };
        let tested = engine.test(request, events, cancel.clone()).await?;
        let took = started.elapsed();
        anyhow::ensure!(
            tested.record.outcome == Outcome::Passed,
            "the recorded run failed"
        );
        if measured {
            recorded.push(took.as_micros() as u64);
        }
    }
    sandbox.shutdown().await;
    let (bare_p50, bare_p99) = stats(&mut bare);
    let (run_p50, run_p99) = stats(&mut local);
    let (rec_p50, rec_p99) = stats(&mut recorded);
    let overhead = run_p50 - bare_p50;
    println!("test_run: {runs} runs each, loopback target");
    println!("  bare request      p50 {bare_p50:.3} ms  p99 {bare_p99:.3} ms");
    println!(
        "  runner (no record) p50 {run_p50:.3} ms  p99 {run_p99:.3} ms  overhead {overhead:.3} ms (target ≤ {TARGET_OVERHEAD_MS} ms)"
    );
    println!(
        "  cxda test --local p50 {rec_p50:.3} ms  p99 {rec_p99:.3} ms  overhead {:.3} ms (one durable audit append included)",
        rec_p50 - bare_p50
    );
    if overhead > TARGET_OVERHEAD_MS {
        println!("test_run: the runner's overhead is above the {TARGET_OVERHEAD_MS} ms target");
    }
    Ok(ExitCode::SUCCESS)
}
