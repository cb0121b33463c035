//! `cxda test FILE [--input JSON|@FILE] [--var NAME=VALUE]... [--local] [--json]`: runs the
//! action once (`Engine::test`) and prints each step and the result (docs/test-runs.md).
//!
//! Decisions (documented in docs/commands.md):
//! - The file is checked as `cxda validate` checks it first: a file with errors is not run
//!   (exit 1, its first error as FILE:LINE:COL).
//! - The input is checked against the input contract before anything is sent: each problem
//!   on stderr, exit 2 (the input is the command's own argument), no record.
//! - A step's result is shown on one line, cut to fit; `--json` prints the whole report.
//! - A template error's place is printed as FILE:LINE:COL.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use serde_json::{Value, json};

use tokio::sync::mpsc;

use super::Outcome;
use super::list_cmd::connected;
use super::payload_files::read_all;
use crate::audit::Outcome as Record;
use crate::config::{Api, GlobalOptions};
use crate::engine::{ExecEvent, Ran, TestError, TestRequest, Tested};
use crate::payload::check_text_for;
use crate::runner::Operation;
use crate::text::escape_controls;

/// The longest a step's one-line result is printed.
const LINE_CHARS: usize = 100;

const AFTER_HELP: &str = "\
genesys-cloud runs on the platform by default: the file is pushed as the action's draft \
when it differs from the published action, then the platform's test endpoint runs it \
(POST …/{id}/test or …/{id}/draft/test). --local, and every cxone-v2 run, run the action \
on this machine instead: templates (or {{placeholders}}), the request, the translation \
map, the success template and the output contract, step by step.

The input is checked against the input contract first; nothing is sent when it fails. \
--var values fill ${credentials.NAME} (and cxone-v2 placeholders) and are [redacted] in \
the audit record, as are a secure action's inputs. Each run is an audit record \
(operation test, outcome passed or failed).

Exit codes: 0 the run succeeded; 1 it did not (a step failed, the file has errors, the \
platform refused); 2 a local problem (unreadable file, bad --input or --var, an input \
that breaks the input contract); 130 interrupted.

Examples:
  cxda test lookup.json --input '{\"phoneNumber\": \"+13175550123\"}' --var apiToken=$TOKEN --local
  cxda test lookup.json --input @input.json
  cxda test lookup.json --input @input.json --json | jq .report.finalResult";

#[derive(Debug, Clone, Args)]
#[command(after_help = AFTER_HELP)]
pub struct TestArgs {
    /// The action's payload file.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// The input: JSON text, or @FILE to read it from a file (@- for stdin) [default: {}].
    #[arg(long, value_name = "JSON|@FILE")]
    pub input: Option<String>,

    /// A credential (`${credentials.NAME}`) or cxone-v2 placeholder value; repeatable.
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,

    /// genesys-cloud: run on this machine instead of on the platform.
    #[arg(long)]
    pub local: bool,

    /// Print one JSON object: where it ran, the record, the outcome and the report.
    #[arg(long)]
    pub json: bool,
}

/// `NAME=VALUE`, the name not empty. Parsed here rather than by clap, whose error would
/// quote the argument: the value is a secret, never echoed.
fn parse_var(text: &str) -> Option<(String, String)> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => {
            Some((name.trim().to_string(), value.to_string()))
        }
        _ => None,
    }
}

pub fn run(args: &TestArgs, global: &GlobalOptions) -> Outcome {
    let Some(mut files) = read_all(std::slice::from_ref(&args.file)) else {
        return Outcome::LocalProblem;
    };
    let Some(file) = files.pop() else {
        return Outcome::LocalProblem;
    };
    let input = match read_input(args.input.as_deref()) {
        Ok(input) => input,
        Err(problem) => {
            eprintln!("cxda: --input: {problem}");
            return Outcome::LocalProblem;
        }
    };
    let mut vars = BTreeMap::new();
    for (n, given) in args.vars.iter().enumerate() {
        let Some((name, value)) = parse_var(given) else {
            eprintln!(
                "cxda: --var number {}: expected NAME=VALUE with a name before the `=` (the value is not shown)",
                n + 1
            );
            return Outcome::LocalProblem;
        };
        if vars.insert(name.clone(), value).is_some() {
            eprintln!(
                "cxda: --var {} is given twice; give each name once",
                escape_controls(&name)
            );
            return Outcome::LocalProblem;
        }
    }
    connected(
        global,
        |_| Ok(()),
        |engine, cancel| async move {
            let report = check_text_for(engine.profile().api, &file.text);
            if let Some(first) = report.errors().next() {
                eprintln!(
                    "{}:{}:{}: error: {} (not run; see cxda validate)",
                    file.name,
                    first.line,
                    first.column,
                    escape_controls(&first.message)
                );
                return Outcome::Failed;
            }
            let api = engine.profile().api;
            if api == Api::GenesysCloud && !args.local && !vars.is_empty() {
                eprintln!(
                    "cxda: note: --var applies to local runs only; on the platform the integration's own credentials fill ${{credentials.X}} (add --local to use --var)"
                );
            }
            let request = TestRequest {
                payload: file.text.clone(),
                source: Some(file.path.clone()),
                input,
                vars,
                local: args.local,
                strict_credentials: true,
            };
            let (events, heard) = mpsc::unbounded_channel();
            let progress = tokio::spawn(announce(file.name.clone(), heard));
            match engine.test(request, events, cancel).await {
                Ok(tested) => {
                    // Every event is in before the result is printed (the run is over, so
                    // its senders are gone; the bound only guards against one kept).
                    let _ = tokio::time::timeout(Duration::from_millis(200), progress).await;
                    shown(&file.name, api, &tested, args.json)
                }
                Err(error) => refused(&file.name, &error),
            }
        },
    )
}

/// What a platform run is doing, on stderr, as it happens (it may take the platform
/// seconds): the push of the draft, the test, and any wait the server asks for. A local run
/// reports nothing until it ends.
async fn announce(name: String, mut events: mpsc::UnboundedReceiver<ExecEvent>) {
    let (mut pushing, mut testing) = (false, false);
    while let Some(event) = events.recv().await {
        match event {
            ExecEvent::StepStarted { .. } if !pushing => {
                pushing = true;
                eprintln!("{name}: pushing the file as the action's draft…");
            }
            ExecEvent::Sending { url, .. } if !testing && url.ends_with("/test") => {
                testing = true;
                eprintln!("{name}: running the platform's test…");
            }
            ExecEvent::Waiting { wait, reason, .. } if wait >= Duration::from_secs(1) => {
                eprintln!(
                    "{name}: waiting {:.1} s ({})",
                    wait.as_secs_f64(),
                    reason.as_str()
                );
            }
            _ => {}
        }
    }
}

/// The input from `--input`: JSON text, `@FILE` or `@-`; `{}` when not given.
fn read_input(given: Option<&str>) -> Result<Value, String> {
    let Some(given) = given else {
        return Ok(json!({}));
    };
    let (text, from) = match given.strip_prefix('@') {
        Some("-") => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| format!("cannot read stdin: {e}"))?;
            (text, "stdin".to_string())
        }
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", escape_controls(path)))?;
            (text, escape_controls(path).into_owned())
        }
        None => (given.to_string(), "the argument".to_string()),
    };
    serde_json::from_str(&text).map_err(|e| {
        format!(
            "{from} is not JSON ({e}, line {} column {}); give an object such as '{{\"phoneNumber\": \"+13175550123\"}}'",
            e.line(),
            e.column()
        )
    })
}

fn refused(name: &str, error: &TestError) -> Outcome {
    match error {
        TestError::Input(problems) => {
            for problem in problems {
                eprintln!(
                    "cxda: {name}: input: {}",
                    escape_controls(&problem.to_string())
                );
            }
            eprintln!("cxda: {name}: not run: fix the input (nothing was sent)");
            Outcome::LocalProblem
        }
        TestError::Audit(e) => {
            eprintln!("cxda: the audit record could not be written: {e}");
            Outcome::LocalProblem
        }
        TestError::Client(e) => {
            eprintln!("cxda: {name}: not run: {}", escape_controls(e));
            Outcome::LocalProblem
        }
        TestError::Push(crate::engine::remote::PushError::Read(
            crate::engine::remote::ReadError::Cancelled,
        )) => Outcome::Interrupted,
        other => {
            eprintln!(
                "cxda: {name}: not run: {}",
                escape_controls(&other.to_string())
            );
            Outcome::Failed
        }
    }
}

/// Prints a finished run; its exit outcome.
fn shown(name: &str, api: Api, tested: &Tested, as_json: bool) -> Outcome {
    let outcome = match tested.record.outcome {
        Record::Passed => Outcome::Ok,
        Record::Cancelled => Outcome::Interrupted,
        _ => Outcome::Failed,
    };
    let (ran, id, draft) = match &tested.ran {
        Ran::Local => ("local", None, false),
        Ran::Published { id } => ("platform", Some(id.as_str()), false),
        Ran::Draft { id } => ("platform", Some(id.as_str()), true),
    };
    if as_json {
        let shown = json!({
            "file": name,
            "api": api.as_str(),
            "ran": ran,
            "actionId": id,
            "draft": draft,
            "record": tested.record.id.to_string(),
            "outcome": tested.record.outcome.as_str(),
            "report": tested.report,
        });
        println!("{shown}");
        return outcome;
    }
    for record in &tested.pushed {
        // The action had a draft already (a previous test's, or someone's work in progress):
        // it now holds this file, which the user should know.
        let over = if record.steps.iter().any(|s| s.name == "read draft") {
            ", replacing the draft it already had"
        } else {
            ""
        };
        println!(
            "{name}: pushed as the draft of action {}{over} ({}, record {})",
            escape_controls(id.unwrap_or_default()),
            record.outcome,
            record.id
        );
    }
    let place = match (&tested.ran, draft) {
        (Ran::Local, _) => "locally".to_string(),
        (_, true) => format!(
            "on the platform, the draft of {}",
            escape_controls(id.unwrap_or_default())
        ),
        (_, false) => format!(
            "on the platform, action {}",
            escape_controls(id.unwrap_or_default())
        ),
    };
    println!("{name}: test {place}");
    for operation in &tested.report.operations {
        println!("{}", step_line(name, operation));
    }
    if let Some(result) = &tested.report.final_result {
        let pretty = serde_json::to_string_pretty(result).unwrap_or_default();
        println!("result:");
        for line in pretty.lines() {
            println!("  {}", escape_controls(line));
        }
    }
    let verdict = tested.record.outcome.as_str();
    match (&tested.report.error, tested.record.outcome) {
        (_, Record::Passed) => println!("{name}: passed (record {})", tested.record.id),
        (Some(error), _) => println!(
            "{name}: {verdict}: {} (record {})",
            escape_controls(&located(name, &error.message)),
            tested.record.id
        ),
        (None, _) => println!(
            "{name}: {verdict}: {} (record {})",
            escape_controls(tested.record.error.as_deref().unwrap_or("no reason given")),
            tested.record.id
        ),
    }
    outcome
}

/// `  3 ✓ Resolve request headers: {…}`, cut to fit one line.
fn step_line(name: &str, operation: &Operation) -> String {
    let mark = if operation.success { "✓" } else { "✗" };
    let detail = match &operation.error {
        Some(error) => located(name, &error.message),
        None => operation.summary(),
    };
    let detail = crate::text::fit(&escape_controls(&detail), LINE_CHARS + 1);
    let sep = if detail.is_empty() { "" } else { ": " };
    format!(
        "  {} {mark} {}{sep}{detail}",
        operation.step,
        escape_controls(&operation.name)
    )
}

/// A message that starts with the place in the file (`LINE:COL: …`) as `FILE:LINE:COL: …`.
fn located(name: &str, message: &str) -> String {
    let mut parts = message.splitn(3, ':');
    let (Some(line), Some(col)) = (parts.next(), parts.next()) else {
        return message.to_string();
    };
    let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if numeric(line) && numeric(col) {
        format!("{name}:{message}")
    } else {
        message.to_string()
    }
}
