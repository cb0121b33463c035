//! `cxda validate FILE... [--json] [--api cxone-v2|genesys-cloud]`: the payload checks for
//! scripts and CI.
//!
//! The dialect is `--api`, else the one of the profile in use (resolved as every command
//! resolves it, but never started: checking needs no network and no sandbox). A profile
//! that cannot be resolved is a configuration error, exit 2, as for the other commands.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use clap::Args;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use serde::Serialize;

use super::Outcome;
use crate::config::GlobalOptions;
use crate::dialect::Api;
use crate::payload::{Diagnostic, Severity, check_text_for};

#[derive(Debug, Clone, Args)]
pub struct ValidateArgs {
    /// Payload files to check (`-` reads standard input).
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,

    /// Print one JSON array of {file, line, column, path, severity, message} instead.
    #[arg(long)]
    pub json: bool,

    /// The dialect to check against [default: the api of the profile in use]
    #[arg(long, value_name = "API", value_parser = api_parser())]
    pub api: Option<Api>,
}

/// `--api`: one of the dialects' names; clap lists them on a wrong value (exit 2).
fn api_parser() -> impl TypedValueParser<Value = Api> {
    PossibleValuesParser::new(Api::ALL.map(Api::as_str))
        .map(|name| Api::parse(&name).unwrap_or_default())
}

/// One problem as `--json` prints it (`path` is the JSON pointer).
#[derive(Debug, Serialize)]
struct JsonProblem<'a> {
    file: &'a str,
    line: usize,
    column: usize,
    path: &'a str,
    severity: Severity,
    message: &'a str,
}

pub fn run(args: &ValidateArgs, global: &GlobalOptions) -> Outcome {
    let api = match args.api {
        Some(api) => api,
        None => match crate::session::resolve(global) {
            Some(resolved) => resolved.profile.api,
            None => return Outcome::LocalProblem,
        },
    };
    let mut outcome = Outcome::Ok;
    let mut checked: Vec<(String, Vec<Diagnostic>)> = Vec::new();
    for path in &args.files {
        let name = path.display().to_string();
        match read_payload(path) {
            Ok(Ok(text)) => checked.push((name, check_text_for(api, &text).diagnostics)),
            Ok(Err(not_utf8)) => checked.push((name, vec![not_utf8])),
            Err(error) => {
                eprintln!("cxda: cannot read {name}: {error}");
                outcome = outcome.max(Outcome::LocalProblem);
            }
        }
    }
    let errors = checked
        .iter()
        .flat_map(|(_, d)| d)
        .filter(|d| d.is_error())
        .count();
    let warnings = checked.iter().flat_map(|(_, d)| d).count() - errors;
    if errors > 0 {
        outcome = outcome.max(Outcome::Failed);
    }
    let printed = if args.json {
        print_json(&checked)
    } else {
        print_lines(&checked)
    };
    if let Err(error) = printed {
        // A closed pipe (`| head`) is the reader's choice, not our failure.
        if error.kind() != io::ErrorKind::BrokenPipe {
            eprintln!("cxda: cannot write the report: {error}");
            return outcome.max(Outcome::LocalProblem);
        }
    }
    if !args.json && !checked.is_empty() {
        eprintln!(
            "{} checked: {errors} error{}, {warnings} warning{}",
            plural(checked.len(), "file"),
            if errors == 1 { "" } else { "s" },
            if warnings == 1 { "" } else { "s" },
        );
    }
    outcome
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// The file's text, or a diagnostic at the first byte that is not UTF-8 (a check failure,
/// not a local problem: the file was read, its content is wrong).
fn read_payload(path: &Path) -> io::Result<Result<String, Diagnostic>> {
    let bytes = if path == Path::new("-") {
        let mut buf = Vec::new();
        io::stdin().read_to_end(&mut buf)?;
        buf
    } else {
        std::fs::read(path)?
    };
    Ok(String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let text = String::from_utf8_lossy(valid);
        let line = text.matches('\n').count() + 1;
        let column = text.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        Diagnostic {
            severity: Severity::Error,
            line,
            column,
            pointer: String::new(),
            message: "the file is not UTF-8 text; save it as UTF-8".into(),
        }
    }))
}

fn print_lines(checked: &[(String, Vec<Diagnostic>)]) -> io::Result<()> {
    let mut out = io::stdout().lock();
    for (file, diagnostics) in checked {
        for d in diagnostics {
            writeln!(
                out,
                "{file}:{}:{}: {}: {}",
                d.line,
                d.column,
                d.severity.as_str(),
                d.message
            )?;
        }
    }
    out.flush()
}

fn print_json(checked: &[(String, Vec<Diagnostic>)]) -> io::Result<()> {
    let problems: Vec<JsonProblem> = checked
        .iter()
        .flat_map(|(file, diagnostics)| {
            diagnostics.iter().map(move |d| JsonProblem {
                file,
                line: d.line,
                column: d.column,
                path: &d.pointer,
                severity: d.severity,
                message: &d.message,
            })
        })
        .collect();
    let mut out = io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, &problems)?;
    writeln!(out)?;
    out.flush()
}
