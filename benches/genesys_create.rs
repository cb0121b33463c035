//! genesys-cloud creates through the whole sequence (draft → validation → publish, three
//! requests each) on loopback: the real engine, as `cxda submit --concurrency 16` drives it
//! (16 submissions in flight on one engine: one token, one client, one pacer), against the
//! sandbox in process with its rate limit off and the profile's `rate_limit = "off"`, every
//! record durable in the audit file (fdatasync, group commit) before it counts. Prints
//! actions/s, p50 and p99 latency per action, and the fdatasyncs; exits non-zero if an
//! action was not created.
//!
//! `cargo bench --bench genesys_create` (target: at least 1,000 actions/s on a 2-core box).
//! `CXDA_LOAD_SECS` sets the measured duration (default 5 s).

use std::process::ExitCode;
use std::time::{Duration, Instant};

use cxda::audit::{AuditLog, Outcome};
use cxda::config::{Profile, SANDBOX_INTEGRATION_ID};
use cxda::engine::{Engine, Submission};
use cxda::sandbox::{Faults, Sandbox, SandboxConfig};
use reqwest::Url;
use tokio_util::sync::CancellationToken;

const CONCURRENCY: usize = 16;
const WARM_UP: Duration = Duration::from_millis(500);
const TARGET_PER_SECOND: f64 = 1_000.0;

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
            eprintln!("genesys_create: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// What one worker saw in the measured window.
#[derive(Default)]
struct Tally {
    latencies_us: Vec<u32>,
    not_created: Vec<String>,
}

async fn run() -> anyhow::Result<ExitCode> {
    let seconds: f64 = std::env::var("CXDA_LOAD_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|s: &f64| *s > 0.0)
        .unwrap_or(5.0);
    let duration = Duration::from_secs_f64(seconds);

    cxda::init_tls();
    let sandbox = Sandbox::start(SandboxConfig {
        faults: Faults::off(),
        ..SandboxConfig::default()
    })
    .await?;
    let mut profile = Profile::sandbox_genesys();
    profile.complete_sandbox(&Url::parse(&sandbox.base_url())?)?;
    profile.rate_limit = None;
    let dir = tempfile::tempdir()?;
    let audit = AuditLog::open(dir.path(), 256)?;
    let engine = Engine::new(profile, audit.clone())?;

    let warm_until = Instant::now() + WARM_UP;
    let measure_until = warm_until + duration;
    let workers: Vec<_> = (0..CONCURRENCY)
        .map(|n| tokio::spawn(worker(n, engine.clone(), warm_until, measure_until)))
        .collect();
    let mut tally = Tally::default();
    for worker in workers {
        let part = worker.await?;
        tally.latencies_us.extend(part.latencies_us);
        tally.not_created.extend(part.not_created);
    }
    let syncs = audit.sync_count();
    sandbox.shutdown().await;

    let created = tally.latencies_us.len();
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
        "genesys_create: concurrency {CONCURRENCY}, {:.1} s: {created} actions drafted, validated \
         and published, {per_second:.0} actions/s (target {TARGET_PER_SECOND:.0}), \
         p50 {:.2} ms, p99 {:.2} ms per action; {syncs} fdatasyncs of the audit file in all",
        duration.as_secs_f64(),
        pct(0.50),
        pct(0.99)
    );
    if !tally.not_created.is_empty() || created == 0 {
        eprintln!(
            "genesys_create: FAILED: {} actions not created, first: {:?}",
            tally.not_created.len(),
            tally.not_created.first()
        );
        return Ok(ExitCode::FAILURE);
    }
    if per_second < TARGET_PER_SECOND {
        println!("genesys_create: below the {TARGET_PER_SECOND:.0} actions/s target");
    }
    Ok(ExitCode::SUCCESS)
}

/// One submission after another until `measure_until`; only those started after
/// `warm_until` and finished by `measure_until` are counted (one that ends past the window
/// would add to the count without its time).
async fn worker(n: usize, engine: Engine, warm_until: Instant, measure_until: Instant) -> Tally {
    let mut tally = Tally {
        latencies_us: Vec::with_capacity(8_192),
        not_created: Vec::new(),
    };
    let mut i = 0u64;
    loop {
        let started = Instant::now();
        if started >= measure_until {
            return tally;
        }
        i += 1;
        let submission = Submission {
            payload: payload(&format!("load-{n}-{i}")),
            ..Submission::default()
        };
        // Nobody listens to the events: the receiver is dropped, as a caller may.
        let (events, _) = tokio::sync::mpsc::unbounded_channel();
        let record = engine
            .submit(submission, events, CancellationToken::new())
            .await;
        if started < warm_until {
            continue;
        }
        if Instant::now() > measure_until {
            return tally;
        }
        match record {
            Ok(record) if record.outcome == Outcome::Created => tally
                .latencies_us
                .push(u32::try_from(started.elapsed().as_micros()).unwrap_or(u32::MAX)),
            Ok(record) => tally.not_created.push(format!(
                "{}: {}",
                record.outcome,
                record.error.unwrap_or_default()
            )),
            Err(e) => tally.not_created.push(format!("no record: {e}")),
        }
    }
}

/// A create payload for the sandbox's integration, the shape of the genesys template.
fn payload(name: &str) -> String {
    format!(
        r#"{{"name":"{name}","category":"load","integrationId":"{SANDBOX_INTEGRATION_ID}","secure":false,
"contract":{{"input":{{"inputSchema":{{"type":"object","properties":{{"id":{{"type":"string"}}}}}}}},
"output":{{"successSchema":{{"type":"object","properties":{{"name":{{"type":"string"}}}}}}}}}},
"config":{{"request":{{"requestUrlTemplate":"https://api.example.com/items/$esc.url(${{input.id}})","requestType":"GET","headers":{{}},"requestTemplate":"${{input.rawRequest}}"}},
"response":{{"translationMap":{{"name":"$.name"}},"translationMapDefaults":{{}},"successTemplate":"{{\"name\": ${{name}}}}"}}}}}}"#
    )
}
