//! Create throughput of the sandbox on loopback: the sandbox in process (rate limit off),
//! 32 concurrent HTTP/1.1 keep-alive clients posting creates with unique names and
//! Idempotency-Keys (as the engine sends them) for a bounded time. Prints creates/s, p50 and
//! p99 latency and the status histogram; exits non-zero if any response was not a 201.
//!
//! `cargo bench --bench sandbox_load` (target: at least 5,000 creates/s on a 2-core box).
//! `CXDA_LOAD_SECS` sets the measured duration (default 5 s). Also prints how many actions
//! the store holds and has evicted at the end, and how much the process's resident memory
//! grew during the run (Linux): at ~20,000 creates/s the store fills (`MAX_STORED_ACTIONS`)
//! within about 5 s, so a run of 10 s or more measures a full store and creates that evict.
//! `CXDA_LOAD_STATE=FILE` runs the same load on a sandbox whose actions follow that SQLite
//! store file (what the embedded sandbox does), to measure creates written through to it.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use cxda::sandbox::{CLIENT_ID, CLIENT_SECRET, Faults, Sandbox, SandboxConfig};

const CLIENTS: usize = 32;
const WARM_UP: Duration = Duration::from_millis(500);
const TARGET_PER_SECOND: f64 = 5_000.0;

struct Tally {
    latencies_us: Vec<u32>,
    statuses: BTreeMap<u16, u64>,
    errors: u64,
}

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
    match runtime.block_on(run()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("sandbox_load: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> anyhow::Result<ExitCode> {
    let seconds: f64 = std::env::var("CXDA_LOAD_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|s: &f64| *s > 0.0)
        .unwrap_or(5.0);
    let duration = Duration::from_secs_f64(seconds);

    cxda::init_tls();
    let state_file = std::env::var_os("CXDA_LOAD_STATE").map(std::path::PathBuf::from);
    if let Some(path) = &state_file {
        println!("store file: {}", path.display());
    }
    let sandbox = Sandbox::start(SandboxConfig {
        faults: Faults::off(),
        state_file,
        ..SandboxConfig::default()
    })
    .await?;
    let client = reqwest::Client::builder()
        .no_proxy()
        .http1_only()
        .pool_max_idle_per_host(CLIENTS)
        .timeout(Duration::from_secs(30))
        .build()?;
    let token_body: serde_json::Value = client
        .post(sandbox.token_url())
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let token = token_body["access_token"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("no access_token in the token response"))?
        .to_string();
    let url = format!("{}/api/v2/data-actions", sandbox.base_url());

    let rss_before = resident_kib();
    let warm_until = Instant::now() + WARM_UP;
    let measure_until = warm_until + duration;
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|n| {
            let (client, url, token) = (client.clone(), url.clone(), token.clone());
            tokio::spawn(load_client(
                n,
                client,
                url,
                token,
                warm_until,
                measure_until,
            ))
        })
        .collect();
    let mut tally = Tally {
        latencies_us: Vec::new(),
        statuses: BTreeMap::new(),
        errors: 0,
    };
    for task in tasks {
        let part = task.await?;
        tally.latencies_us.extend(part.latencies_us);
        for (status, n) in part.statuses {
            *tally.statuses.entry(status).or_default() += n;
        }
        tally.errors += part.errors;
    }
    let store = sandbox.stats();
    let rss_after = resident_kib();
    sandbox.shutdown().await;

    let created = tally.statuses.get(&201).copied().unwrap_or(0);
    let per_second = created as f64 / duration.as_secs_f64();
    tally.latencies_us.sort_unstable();
    let pct = |p: f64| {
        let at = ((tally.latencies_us.len() as f64 - 1.0) * p).round() as usize;
        tally
            .latencies_us
            .get(at)
            .map_or(0.0, |&us| f64::from(us) / 1000.0)
    };
    println!(
        "sandbox_load: {CLIENTS} clients, {:.1} s: {created} creates, {per_second:.0} creates/s \
         (target {TARGET_PER_SECOND:.0}), p50 {:.2} ms, p99 {:.2} ms",
        duration.as_secs_f64(),
        pct(0.50),
        pct(0.99)
    );
    println!(
        "statuses: {:?}, transport errors: {}",
        tally.statuses, tally.errors
    );
    let growth = match (rss_before, rss_after) {
        (Some(before), Some(after)) => format!(
            "{:.1} MiB ({:.1} -> {:.1} MiB)",
            (after as f64 - before as f64) / 1024.0,
            before as f64 / 1024.0,
            after as f64 / 1024.0
        ),
        _ => "not measured (no /proc/self/status)".to_string(),
    };
    println!(
        "store: {} actions stored, {} evicted (cap {}); resident memory grew {growth}",
        store.stored_actions,
        store.evicted_actions,
        cxda::sandbox::MAX_STORED_ACTIONS
    );

    let non_201: u64 = tally
        .statuses
        .iter()
        .filter(|(status, _)| **status != 201)
        .map(|(_, n)| n)
        .sum();
    if non_201 > 0 || tally.errors > 0 || created == 0 {
        eprintln!(
            "sandbox_load: FAILED: {non_201} responses were not 201, {} transport errors",
            tally.errors
        );
        return Ok(ExitCode::FAILURE);
    }
    if per_second < TARGET_PER_SECOND {
        println!("sandbox_load: below the {TARGET_PER_SECOND:.0} creates/s target");
    }
    Ok(ExitCode::SUCCESS)
}

/// One keep-alive client: creates back to back until `measure_until`; only requests sent
/// after `warm_until` are counted.
async fn load_client(
    n: usize,
    client: reqwest::Client,
    url: String,
    token: String,
    warm_until: Instant,
    measure_until: Instant,
) -> Tally {
    let mut tally = Tally {
        latencies_us: Vec::with_capacity(16_384),
        statuses: BTreeMap::new(),
        errors: 0,
    };
    let mut i = 0u64;
    loop {
        let started = Instant::now();
        if started >= measure_until {
            return tally;
        }
        i += 1;
        let body = format!(
            r#"{{"name":"load-{n}-{i}","type":"REST","description":"load test","configuration":{{"method":"POST","url":"https://{{{{host}}}}/api/tickets","timeout":5000,"headers":{{"Content-Type":"application/json"}},"body":{{"subject":"ticket {i}"}}}},"enabled":true,"tags":["load"]}}"#
        );
        let result = client
            .post(&url)
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .header("accept", "application/json")
            .header("idempotency-key", format!("load-{n}-{i}"))
            .body(body)
            .send()
            .await;
        let status = match result {
            Ok(response) => {
                let status = response.status().as_u16();
                // Read the body, as a real client does, so the connection is reused.
                if response.bytes().await.is_err() {
                    tally.errors += 1;
                }
                Some(status)
            }
            Err(_) => None,
        };
        if started < warm_until {
            continue;
        }
        let elapsed = u32::try_from(started.elapsed().as_micros()).unwrap_or(u32::MAX);
        tally.latencies_us.push(elapsed);
        match status {
            Some(status) => *tally.statuses.entry(status).or_default() += 1,
            None => tally.errors += 1,
        }
    }
}

/// The process's resident set (`VmRSS`, KiB), where `/proc` has it.
fn resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}
