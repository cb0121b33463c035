//! `cxda sandbox`: the embedded API emulation in the foreground (docs/commands.md). Owns the
//! flags (each one a key of [`Faults`]), the `sandbox listening on ...` line that scripts and
//! tests wait for, running until Ctrl-C or SIGTERM, and `--reset` (emptying a store file).

use std::path::{Path, PathBuf};

use std::io::Write as _;
use std::net::SocketAddr;

use anyhow::{Context as _, bail};

use crate::config::GlobalOptions;
use crate::rate::RateSpec;
use crate::sandbox::{
    CLIENT_ID, Faults, MAX_LATENCY_MS, MAX_TOKEN_TTL_S, RedirectFault, Reset, STATE_FILE_NAME,
    Sandbox, SandboxConfig,
};

const AFTER_HELP: &str = "\
Endpoints: POST /oauth/token (client credentials, form-encoded; client id `sandbox`, \
secret `sandbox-secret`, by HTTP Basic or in the body); cxone-v2: POST|GET \
/api/v2/data-actions (GET pages with ?page=N&pageSize=M), GET|PUT|DELETE \
/api/v2/data-actions/{id} (PUT with If-Match: \"VERSION\"); genesys-cloud: the Data Actions \
endpoints under /api/v2/integrations/actions (drafts, validation, publish, list, get, \
PATCH, DELETE, categories) and GET /api/v2/integrations; GET /openapi.json describes them \
all; GET|PUT /_sandbox/faults to read or change the fault \
settings while it runs (JSON, keys as the flags in snake_case: rate_limit, fail_429, \
redirect, latency_ms, error_rate, token_ttl_s; a PUT merges), GET /_sandbox/stats, and \
POST|GET /_sandbox/webhook (a webhook receiver).

The first line on stdout is `sandbox listening on http://HOST:PORT` with the port actually \
bound (https with --tls, then `ca certificate: PATH`).

State: this server keeps its actions in memory (gone when it stops) unless given --state \
FILE. The embedded sandbox of the `sandbox` and `sandbox-genesys` profiles keeps them in \
sandbox.sqlite3 in the data dir, shared by every cxda running at once. `cxda sandbox \
--reset` empties that file (or --state FILE), says what it removed, and exits without \
serving.

Examples:
  cxda sandbox                                   http on 127.0.0.1:8787, 100 requests/min
  cxda sandbox --addr 127.0.0.1:0 --rate-limit off
  cxda sandbox --tls --fail-429 2 --redirect 307
  cxda sandbox --state ./sandbox.sqlite3         keep the actions between runs
  cxda sandbox --reset                           empty the embedded sandbox's store
  curl -X PUT localhost:8787/_sandbox/faults -d '{\"error_rate\": 0.5}'";

/// Run the sandbox API server in the foreground until Ctrl-C.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct SandboxArgs {
    /// Address to listen on. Port 0 picks a free port; the line printed at start names the
    /// one bound.
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:8787")]
    pub addr: String,

    /// Serve HTTPS, with a certificate for localhost, 127.0.0.1 and ::1 signed by a CA
    /// generated at start. The CA certificate (PEM) is written to the system temp dir
    /// ($TMPDIR, else /tmp) as cxda-sandbox-ca-PORT-XXXXXXXX.pem, printed as
    /// `ca certificate: PATH`, and removed on exit: point a profile's `ca_cert` at it.
    #[arg(long)]
    pub tls: bool,

    /// Rate limit on /api/v2/*: a fixed window aligned to the Unix epoch, N requests per
    /// PERIOD (100/min, 50/10s, 5/s), or `off`. Responses there carry X-RateLimit-Limit,
    /// -Remaining and -Reset; over the limit, 429 with Retry-After.
    #[arg(
        long,
        value_name = "N/PERIOD|off",
        default_value = "100/min",
        value_parser = parse_rate_limit
    )]
    pub rate_limit: RateLimit,

    /// The first N authenticated create requests (from start, or from the last change of
    /// faults) get 429 with `Retry-After: 1`.
    #[arg(long = "fail-429", value_name = "N", default_value_t = 0)]
    pub fail_429: u32,

    /// Answer creates with a redirect: 307 or 302 to a Location on the same origin that
    /// accepts the create (/api/v2/data-actions/moved); `loop`: 307 from the collection to
    /// /moved and from /moved back. Also 301, 308, and 303 (the create is stored, then
    /// answered 303 with the new action's Location).
    #[arg(long, value_name = "302|307|loop", value_parser = parse_redirect)]
    pub redirect: Option<RedirectFault>,

    /// Delay the answer to a create by N milliseconds, after the action is stored (so a
    /// client that times out has still created it).
    #[arg(
        long,
        value_name = "N",
        default_value_t = 0,
        value_parser = clap::value_parser!(u64).range(0..=MAX_LATENCY_MS)
    )]
    pub latency_ms: u64,

    /// Answer that fraction (0.0 to 1.0) of creates with 503; nothing is stored for them.
    #[arg(long, value_name = "F", default_value_t = 0.0, value_parser = parse_error_rate)]
    pub error_rate: f64,

    /// Keep the actions (both dialects: versions, drafts, idempotency keys) in this SQLite
    /// file, created when missing, shared with any other sandbox using it. Without it,
    /// they live in memory and go when the server stops.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,

    /// Empty the store (--state FILE, else the embedded sandbox's sandbox.sqlite3 in the
    /// data dir), print what was removed, and exit without serving.
    #[arg(long)]
    pub reset: bool,

    /// Tokens issued live N seconds (the `expires_in` of the token response).
    #[arg(
        long,
        value_name = "N",
        default_value_t = crate::sandbox::DEFAULT_TOKEN_TTL_S,
        value_parser = clap::value_parser!(u64).range(1..=MAX_TOKEN_TTL_S)
    )]
    pub token_ttl_s: u64,
}

/// `--rate-limit`: `N/PERIOD`, or `off` (`None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit(pub Option<RateSpec>);

fn parse_rate_limit(text: &str) -> Result<RateLimit, String> {
    RateSpec::parse_or_off(text)
        .map(RateLimit)
        .map_err(|e| e.to_string())
}

fn parse_redirect(text: &str) -> Result<RedirectFault, String> {
    text.parse()
}

fn parse_error_rate(text: &str) -> Result<f64, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|rate| (0.0..=1.0).contains(rate))
        .ok_or_else(|| format!("{text:?} is not a fraction from 0.0 to 1.0"))
}

impl SandboxArgs {
    /// The fault settings these flags ask for.
    pub fn faults(&self) -> Faults {
        Faults {
            rate_limit: self.rate_limit.0,
            fail_429: self.fail_429,
            redirect: self.redirect,
            latency_ms: self.latency_ms,
            error_rate: self.error_rate,
            token_ttl_s: self.token_ttl_s,
            ..Faults::off()
        }
    }
}

/// Runs the sandbox until Ctrl-C or SIGTERM, then shuts it down gracefully (requests in
/// flight finish) and removes the CA file.
pub async fn run(args: SandboxArgs, global: GlobalOptions) -> anyhow::Result<()> {
    if args.reset {
        let path = match &args.state {
            Some(path) => path.clone(),
            None => {
                crate::config::data_dir(&global, &crate::config::ProcessEnv)?.join(STATE_FILE_NAME)
            }
        };
        return reset(&path);
    }
    let addr = resolve(&args.addr).await?;
    let faults = args.faults();
    let config = SandboxConfig {
        addr,
        tls: args.tls,
        faults: faults.clone(),
        ca_dir: args.tls.then(std::env::temp_dir),
        state_file: args.state.clone(),
        ..SandboxConfig::default()
    };
    let handle = Sandbox::start(config).await?;
    {
        let scheme = if handle.is_tls() { "https" } else { "http" };
        let mut out = std::io::stdout().lock();
        writeln!(out, "sandbox listening on {scheme}://{}", handle.addr())?;
        if let Some(path) = handle.ca_path() {
            writeln!(out, "ca certificate: {}", path.display())?;
        }
        out.flush()?;
    }
    let kept = match &args.state {
        Some(path) => format!("actions kept in {}", path.display()),
        None => "actions kept in memory".to_string(),
    };
    eprintln!(
        "token URL {} (client id `{CLIENT_ID}`, secret in --help); faults {}; {kept}; Ctrl-C stops",
        handle.token_url(),
        serde_json::to_string(&faults).unwrap_or_default()
    );
    let stopped = wait_for_stop().await;
    handle.shutdown().await;
    stopped.context("cannot listen for Ctrl-C / SIGTERM")?;
    eprintln!("sandbox stopped");
    Ok(())
}

/// `--reset`: empties the store file and says what went.
fn reset(path: &Path) -> anyhow::Result<()> {
    let shown = path.display();
    match crate::sandbox::reset(path)? {
        Reset::Missing => println!("nothing to reset: {shown} does not exist"),
        Reset::Emptied { cxone, genesys } => println!(
            "emptied {shown}: removed {} and {} (with their versions, drafts and idempotency keys)",
            plural(cxone, "cxone-v2 action"),
            plural(genesys, "genesys-cloud action"),
        ),
        Reset::Removed { reason } => {
            println!("removed {shown}: it was not a readable sandbox store ({reason})");
        }
    }
    Ok(())
}

fn plural(n: u64, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// `HOST:PORT`, where HOST may be a name (`localhost:8787`); the first address it resolves
/// to is used.
async fn resolve(text: &str) -> anyhow::Result<SocketAddr> {
    if let Ok(addr) = text.parse() {
        return Ok(addr);
    }
    let mut addrs = tokio::net::lookup_host(text)
        .await
        .with_context(|| format!("--addr {text:?}: expected HOST:PORT"))?;
    match addrs.next() {
        Some(addr) => Ok(addr),
        None => bail!("--addr {text:?}: the host resolves to no address"),
    }
}

async fn wait_for_stop() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut terminate = signal(SignalKind::terminate())?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result,
            _ = terminate.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{Args as _, Command};

    fn parse(args: &[&str]) -> Result<SandboxArgs, clap::Error> {
        let command = SandboxArgs::augment_args(Command::new("sandbox"));
        let matches =
            command.try_get_matches_from(std::iter::once("sandbox").chain(args.iter().copied()))?;
        <SandboxArgs as clap::FromArgMatches>::from_arg_matches(&matches)
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        let args = parse(&[]).expect("parse");
        assert_eq!(args.addr, "127.0.0.1:8787");
        assert!(!args.tls);
        let faults = args.faults();
        assert_eq!(
            faults.rate_limit.map(|r| r.to_string()).as_deref(),
            Some("100/min")
        );
        assert_eq!(
            (faults.fail_429, faults.redirect, faults.latency_ms),
            (0, None, 0)
        );
        assert_eq!(faults.token_ttl_s, 3600);
    }

    #[test]
    fn every_flag_reaches_the_faults() {
        let args = parse(&[
            "--rate-limit",
            "off",
            "--fail-429",
            "3",
            "--redirect",
            "loop",
            "--latency-ms",
            "250",
            "--error-rate",
            "0.5",
            "--token-ttl-s",
            "1",
            "--tls",
            "--addr",
            "127.0.0.1:0",
        ])
        .expect("parse");
        let faults = args.faults();
        assert_eq!(faults.rate_limit, None);
        assert_eq!(faults.fail_429, 3);
        assert_eq!(faults.redirect, Some(RedirectFault::Loop));
        assert_eq!((faults.latency_ms, faults.token_ttl_s), (250, 1));
        assert!((faults.error_rate - 0.5).abs() < f64::EPSILON);
        assert!(args.tls);
    }

    #[test]
    fn bad_values_are_usage_errors() {
        for bad in [
            ["--error-rate", "1.5"],
            ["--redirect", "404"],
            ["--rate-limit", "lots"],
            ["--token-ttl-s", "0"],
        ] {
            assert!(parse(&bad).is_err(), "{bad:?}");
        }
    }
}
