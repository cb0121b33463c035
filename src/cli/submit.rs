//! `cxda submit FILE... [--json] [--concurrency N]`: the set-up around a [`Batch`] —
//! configuration, the files, the data dir, logs, the audit log, the embedded sandbox when
//! the profile is `sandbox`, the engine, Ctrl-C/SIGTERM — and the webhook wait at the end.
//!
//! Decisions (each one documented in docs/commands.md):
//! - Every local problem is found before anything is sent: a configuration error, then
//!   every file that cannot be read (each named on stderr) exit 2 with nothing submitted, so
//!   fixing the command and running it again never meets half a batch already created.
//! - A payload that fails the local checks (`cxda validate`'s errors) is not sent; it is
//!   recorded `rejected` with no status and printed `FILE: rejected - <first error>` (exit
//!   1). Its warnings go to stderr and it is sent.
//! - `ID` in `FILE: created ID` is the audit record id (`cxda audit show ID`); the Data
//!   Action's own id is in that record's response.
//! - Ctrl-C or SIGTERM cancels every submission in flight (recorded `cancelled` by the
//!   engine); files not started yet are recorded `cancelled` ("cancelled before it was
//!   sent") so every file still has its record; exit 130. A second Ctrl-C exits at once.
//! - The webhook wait at the end is announced on stderr (`waiting for N webhook deliveries
//!   (up to 10 s; Ctrl-C to skip)`). A Ctrl-C during it skips it and only it: every file has
//!   its result by then, so the exit code is the batch's, not 130.
//! - `--concurrency` defaults to 4 and takes 1 to 256.
//! - `--draft` needs a genesys-cloud profile (exit 2 otherwise, nothing sent).
//! - `--curl` sends nothing (no token, no audit record, no data dir): it prints each file's
//!   create request(s) as curl commands (`engine::curl`). A file that `submit` would not
//!   send (its checks fail, or the plan refuses it) is named on stderr and not printed
//!   (exit 1). On the embedded sandbox the URLs are `$CXDA_SANDBOX_URL` (default
//!   `http://127.0.0.1:8787`, where `cxda sandbox` listens): the sandbox `submit` would
//!   start dies with its process.

use std::io::{IsTerminal, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clap::Args;
use tokio_util::sync::CancellationToken;

use super::Outcome;
use super::batch::{Batch, Input};
use super::progress::Progress;
use crate::audit::AuditLog;
use crate::config::{self, GlobalOptions, Profile, Resolved};
use crate::engine::curl::CurlExport;
use crate::payload::{Diagnostic, Severity};
use crate::text::escape_controls;

/// How long the command waits for webhook deliveries still running.
const WEBHOOK_WAIT: Duration = Duration::from_secs(10);

const AFTER_HELP: &str = "\
Prints one line per file, in the order given, as soon as that file and every file before \
it are done:
  FILE: created ID              ID is the audit record (cxda audit show ID)
  FILE: created ID (action A, version V)
                                genesys-cloud: published as action A, version V
  FILE: drafted ID (draft D, version V)
                                genesys-cloud with --draft: a valid draft, not published
  FILE: rejected STATUS reason  the server refused it (STATUS - : not sent, e.g. a payload
                                that fails the checks of `cxda validate`)
  FILE: failed reason           not created: network, TLS, retries exhausted, ...
  FILE: cancelled               interrupted by Ctrl-C before it completed

Progress (attempts, waits with Retry-After or backoff, redirects) goes to stderr: a progress \
bar on a terminal, plain lines otherwise. Every file gets one audit record, written durably \
before its line is printed. With a profile's webhook_url, cxda waits up to 10 s for the \
deliveries before it exits (Ctrl-C skips that wait).

Exit codes: 0 every file created; 1 a file was rejected or failed; 2 a local problem (a \
file that cannot be read, the configuration, the audit file); 130 interrupted (Ctrl-C or \
SIGTERM cancels what is in flight; a second Ctrl-C quits at once).

With --curl nothing is sent (no token is asked for, no record is written): stdout gets a \
POSIX sh script of curl commands, each file's create request(s) exactly as cxda would send \
them (headers, body, HTTP/1.1; Host and Content-Length left to curl, which sets the same). \
The token is read from $CXDA_TOKEN, and an extra header that looks secret from \
$CXDA_HEADER_<NAME> (its name in upper case, other characters as _): their values are \
never printed. genesys-cloud: draft, validation, publish, the later ones reading the \
draft's id and version from its answer with jq. On the embedded sandbox the URLs start with \
$CXDA_SANDBOX_URL (default http://127.0.0.1:8787, where `cxda sandbox` listens), since the \
sandbox this command would start lives only as long as it does. A file that fails the \
checks is named on stderr and not printed (exit 1).

Examples:
  cxda submit payload.json                    against the embedded sandbox when no profile is set
  cxda submit --curl payload.json > create.sh && CXDA_TOKEN=... sh create.sh
  cxda submit --profile prod actions/*.json --concurrency 8
  cxda submit a.json b.json --json | jq -r .outcome";

#[derive(Debug, Clone, Args)]
#[command(after_help = AFTER_HELP)]
pub struct SubmitArgs {
    /// Payload files to submit (`-` reads one payload from standard input).
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,

    /// Print each file's audit record as a JSON line (in input order) instead of the
    /// result lines.
    #[arg(long)]
    pub json: bool,

    /// How many submissions may be in flight at once. They share one token, one client
    /// and the profile's rate limit.
    #[arg(long, value_name = "N", default_value_t = 4,
          value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,

    /// Stop each create after a valid draft, without publishing it (genesys-cloud
    /// profiles): `FILE: drafted ID`, the draft's id in the record's remote_id.
    #[arg(long)]
    pub draft: bool,

    /// Send nothing: print each file's create request(s) as curl commands (a POSIX sh
    /// script; the token as $CXDA_TOKEN, never its value).
    #[arg(long, conflicts_with = "json")]
    pub curl: bool,
}

pub fn run(args: &SubmitArgs, global: &GlobalOptions) -> Outcome {
    let Some(resolved) = crate::session::resolve(global) else {
        return Outcome::LocalProblem;
    };
    if args.draft && resolved.profile.api != config::Api::GenesysCloud {
        eprintln!(
            "cxda: --draft needs a genesys-cloud profile; profile `{}` speaks {}, which has no drafts",
            resolved.profile.name, resolved.profile.api
        );
        return Outcome::LocalProblem;
    }
    let Some(inputs) = read_inputs(&args.files) else {
        eprintln!("cxda: nothing was submitted");
        return Outcome::LocalProblem;
    };
    if args.curl {
        return print_curl(&resolved.profile, &inputs, args.draft);
    }
    let Some((_log, audit)) = crate::session::open_data_dir(&resolved) else {
        return Outcome::LocalProblem;
    };
    let Some(runtime) = crate::session::new_runtime() else {
        return Outcome::LocalProblem;
    };
    let Resolved {
        profile,
        chosen_because,
        ..
    } = resolved;
    if let Some(notice) = chosen_because.notice() {
        eprintln!("{notice}");
    }
    runtime.block_on(submit_all(args, profile, audit, inputs))
}

/// Each file's text, or `None` after naming every file that could not be read.
fn read_inputs(files: &[PathBuf]) -> Option<Vec<Input>> {
    let mut inputs = Vec::with_capacity(files.len());
    let mut unreadable = false;
    for path in files {
        let name = escape_controls(&path.display().to_string()).into_owned();
        match read_file(path) {
            Ok(bytes) => inputs.push(Input {
                name,
                path: path.clone(),
                text: String::from_utf8(bytes).map_err(|e| not_utf8(&e)),
            }),
            Err(error) => {
                eprintln!("cxda: cannot read {name}: {error}");
                unreadable = true;
            }
        }
    }
    (!unreadable).then_some(inputs)
}

fn read_file(path: &Path) -> std::io::Result<Vec<u8>> {
    if path == Path::new("-") {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf)?;
        Ok(buf)
    } else {
        std::fs::read(path)
    }
}

/// Where the first byte that is not UTF-8 is, as `cxda validate` reports it.
fn not_utf8(error: &std::string::FromUtf8Error) -> Diagnostic {
    let valid = &error.as_bytes()[..error.utf8_error().valid_up_to()];
    let text = String::from_utf8_lossy(valid);
    Diagnostic {
        severity: Severity::Error,
        line: text.matches('\n').count() + 1,
        column: text.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1,
        pointer: String::new(),
        message: "the file is not UTF-8 text; save it as UTF-8".into(),
    }
}

/// `--curl`: each file's create request(s) as curl commands on stdout, after the script's
/// preamble; the files `submit` would not send are named on stderr instead.
fn print_curl(profile: &Profile, inputs: &[Input], draft: bool) -> Outcome {
    let export = if profile.needs_sandbox() {
        CurlExport::for_absent_sandbox(profile)
    } else {
        CurlExport::new(profile)
    };
    let export = match export {
        Ok(export) => export,
        Err(error) => {
            eprintln!("cxda: {error}");
            return Outcome::LocalProblem;
        }
    };
    let mut script = export.preamble();
    let mut outcome = Outcome::Ok;
    for input in inputs {
        match curl_of(&export, profile, input, draft) {
            Ok(create) => script.push_str(&create),
            Err(reason) => {
                eprintln!("{}: not printed - {reason}", input.name);
                outcome = Outcome::Failed;
            }
        }
    }
    let mut stdout = std::io::stdout().lock();
    if let Err(error) = stdout
        .write_all(script.as_bytes())
        .and_then(|()| stdout.flush())
    {
        eprintln!("cxda: cannot write the script: {error}");
        return Outcome::LocalProblem;
    }
    outcome
}

/// One file's commands, or why `submit` would not send it (the local checks, then the
/// plan); its warnings go to stderr.
fn curl_of(
    export: &CurlExport,
    profile: &Profile,
    input: &Input,
    draft: bool,
) -> Result<String, String> {
    let text = input.text.as_ref().map_err(|d| {
        format!(
            "payload check failed: {}:{}: {}",
            d.line, d.column, d.message
        )
    })?;
    let report = crate::payload::check_text_for(profile.api, text);
    for d in &report.diagnostics {
        if !d.is_error() {
            eprintln!(
                "{}:{}:{}: warning: {}",
                input.name,
                d.line,
                d.column,
                escape_controls(&d.message)
            );
        }
    }
    if let Some(d) = report.errors().next() {
        return Err(format!(
            "payload check failed: {}:{}: {}",
            d.line,
            d.column,
            escape_controls(&d.message)
        ));
    }
    export
        .create(&input.name, text, draft)
        .map(|create| create.script)
        .map_err(|e| escape_controls(&e.to_string()).into_owned())
}

async fn submit_all(
    args: &SubmitArgs,
    profile: Profile,
    audit: AuditLog,
    inputs: Vec<Input>,
) -> Outcome {
    // Kept alive until the batch and the webhook wait are over; dropping it stops it.
    let (_sandbox, engine) = match super::list_cmd::start_engine(profile, audit.clone()).await {
        Ok(started) => started,
        Err(error) => {
            eprintln!("cxda: {error}");
            return Outcome::LocalProblem;
        }
    };
    tracing::info!(
        profile = %engine.profile().name,
        files = inputs.len(),
        concurrency = args.concurrency,
        "submit started"
    );
    let names = inputs.iter().map(|i| i.name.clone()).collect();
    let progress = Arc::new(Progress::new(names, std::io::stderr().is_terminal()));
    let cancel = CancellationToken::new();
    let webhook_wait = Arc::new(AtomicBool::new(false));
    let signals = Signals::install().map(|s| {
        tokio::spawn(s.watch(
            cancel.clone(),
            Arc::clone(&progress),
            Arc::clone(&webhook_wait),
        ))
    });
    let ticker = progress.is_live().then(|| {
        let progress = Arc::clone(&progress);
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_millis(100));
            loop {
                every.tick().await;
                progress.tick();
            }
        })
    });
    let started = Instant::now();
    let batch = Batch {
        engine: engine.clone(),
        audit,
        progress: Arc::clone(&progress),
        cancel: cancel.clone(),
        concurrency: usize::from(args.concurrency),
        json: args.json,
        draft: args.draft,
    };
    let mut outcome = batch.run(inputs).await;
    if let Some(ticker) = ticker {
        ticker.abort();
    }
    progress.clear();
    eprintln!("{}", progress.summary(started.elapsed()));

    let interrupted_in_batch = cancel.is_cancelled();
    let pending = engine.webhooks_in_flight();
    if pending > 0 {
        // Set before the announcement, so that a Ctrl-C it prompts is taken as a skip.
        webhook_wait.store(!interrupted_in_batch, Ordering::Release);
        // Up to ten silent seconds after the last result would look like a hang.
        eprintln!(
            "waiting for {pending} webhook {} (up to {} s; Ctrl-C to {})",
            deliveries(pending),
            WEBHOOK_WAIT.as_secs(),
            if interrupted_in_batch {
                "quit now"
            } else {
                "skip"
            }
        );
        let left = if interrupted_in_batch {
            // Already interrupted: still wait (bounded) for the records of deliveries under
            // way; another Ctrl-C quits at once (see Signals::watch).
            engine.drain_webhooks(WEBHOOK_WAIT).await
        } else {
            tokio::select! {
                left = engine.drain_webhooks(WEBHOOK_WAIT) => left,
                () = cancel.cancelled() => 0,
            }
        };
        if left > 0 {
            eprintln!(
                "cxda: {left} webhook {} did not finish within {} s",
                deliveries(left),
                WEBHOOK_WAIT.as_secs()
            );
        }
    }
    // A Ctrl-C that only skipped the webhook wait interrupted no submission.
    if interrupted_in_batch {
        outcome = outcome.max(Outcome::Interrupted);
    }
    if let Some(signals) = signals {
        signals.abort();
    }
    tracing::info!(exit = ?outcome, "submit finished");
    outcome
}

fn deliveries(n: usize) -> &'static str {
    if n == 1 { "delivery" } else { "deliveries" }
}

/// Ctrl-C and SIGTERM, listened for from the moment this is made (a signal before
/// [`Signals::watch`] runs is not lost).
pub(super) struct Signals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    /// `None` when the process cannot listen for them (then Ctrl-C kills it outright).
    pub(super) fn install() -> Option<Signals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Some(Signals {
                interrupt: signal(SignalKind::interrupt()).ok()?,
                terminate: signal(SignalKind::terminate()).ok()?,
            })
        }
        #[cfg(not(unix))]
        {
            Some(Signals {})
        }
    }

    pub(super) async fn next(&mut self) {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.interrupt.recv() => {}
                _ = self.terminate.recv() => {}
            }
        }
        #[cfg(not(unix))]
        {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }

    /// The first signal cancels the batch (or, once `webhook_wait` is set, only skips the
    /// webhook wait); the next one exits at once (the records written so far are durable;
    /// one being written may be torn, which readers skip).
    async fn watch(
        mut self,
        cancel: CancellationToken,
        progress: Arc<Progress>,
        webhook_wait: Arc<AtomicBool>,
    ) {
        loop {
            self.next().await;
            if cancel.is_cancelled() {
                progress.note("cxda: interrupted again: quitting now");
                progress.clear();
                std::process::exit(130);
            }
            if webhook_wait.load(Ordering::Acquire) {
                progress.note("cxda: not waiting for the webhook deliveries");
                tracing::info!("interrupted: skipping the webhook wait");
            } else {
                progress.note(
                    "cxda: interrupted: cancelling what is in flight (Ctrl-C again to quit now)",
                );
                tracing::info!("interrupted: cancelling the batch");
            }
            cancel.cancel();
        }
    }
}
