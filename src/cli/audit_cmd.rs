//! `cxda audit list` and `cxda audit show`: the audit history for people (a table, a
//! readable record) and for scripts (`--json`, full records as JSON Lines).
//!
//! Decisions (each one documented in docs/commands.md):
//! - Only the data dir is resolved, not the profile: reading the history needs no
//!   credentials, so a profile that cannot connect does not stop anyone reading it.
//! - A data dir with no history yet is an empty list (exit 0, a note on stderr); nothing is
//!   created by reading.
//! - `audit show ID`: a malformed id is a usage error (exit 2); a well-formed id with no
//!   record is exit 1 — the command worked, the answer is "not there", as `grep` would say.
//! - `--limit` defaults to 20 and must be ≥ 1; `--failed` keeps every outcome that is not
//!   a success (`rejected`, `failed`, `cancelled`, `webhook_failed`).
//! - Unreadable (torn or corrupt) lines are skipped and counted in a note on stderr, so
//!   `--json` output stays clean.

use std::io::{self, Write};

use clap::{Args, Subcommand};

use super::Outcome;
use super::audit_view::{self, write_json_line};
use crate::audit::{AuditError, AuditReader, AuditRecord, Filter};
use crate::config::{GlobalOptions, ProcessEnv};
use crate::text::escape_controls;

const LIST_HELP: &str = "\
Columns: time (UTC), outcome, final HTTP status (- when no response came), the payload's \
action name, the correlation id (also the Idempotency-Key sent), and the record id to \
pass to `cxda audit show`. Unreadable lines (a write torn by a crash) are skipped and \
counted in a note on stderr.

Examples:
  cxda audit list                     the 20 newest records
  cxda audit list --failed --limit 5  the 5 newest that were not a success
  cxda audit list --json | jq .status full records, one JSON object per line";

const SHOW_HELP: &str = "\
Shows every field: outcome, status, the attempts timeline (status, latency, the wait that \
followed and why, rate-limit headers), redirects, request and response headers and \
bodies (secrets appear as [redacted]), and the error.

Exit codes: 0 shown; 1 no record has this id; 2 the id is malformed.

Examples:
  cxda audit show 01JD3XK2M4N5P6Q7R8S9T0VWXY
  cxda audit show 01JD3XK2M4N5P6Q7R8S9T0VWXY --json | jq .attempts";

#[derive(Debug, Clone, Args)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub command: AuditCommand,
}

#[derive(Debug, Clone, Subcommand)]
pub enum AuditCommand {
    /// List records, newest first (reverse append order).
    #[command(after_help = LIST_HELP)]
    List(ListArgs),
    /// Show one record in full.
    #[command(after_help = SHOW_HELP)]
    Show(ShowArgs),
}

#[derive(Debug, Clone, Args)]
pub struct ListArgs {
    /// How many records to show.
    #[arg(long, value_name = "N", default_value_t = 20,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub limit: u64,

    /// Only records that are not a success (rejected, failed, cancelled, webhook_failed).
    #[arg(long)]
    pub failed: bool,

    /// Print full records as JSON Lines instead of the table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct ShowArgs {
    /// The record id (26 characters, as `cxda audit list` or `cxda submit` print it).
    #[arg(value_name = "ID")]
    pub id: String,

    /// Print the record as one JSON object instead.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &AuditArgs, global: &GlobalOptions) -> Outcome {
    let data_dir = match crate::config::data_dir(global, &ProcessEnv) {
        Ok(dir) => dir,
        Err(error) => {
            eprintln!("cxda: {error}");
            return Outcome::LocalProblem;
        }
    };
    let reader = AuditReader::new(&data_dir);
    let result = match &args.command {
        AuditCommand::List(list) => run_list(&reader, list),
        AuditCommand::Show(show) => run_show(&reader, show),
    };
    match result {
        Ok(outcome) => outcome,
        Err(Problem::Audit(AuditError::InvalidId(error))) => {
            eprintln!("cxda: {error}");
            Outcome::LocalProblem
        }
        Err(Problem::Audit(error)) => {
            eprintln!("cxda: {error}");
            Outcome::LocalProblem
        }
        // A closed pipe (`| head`) is the reader's choice, not our failure.
        Err(Problem::Output(error)) if error.kind() == io::ErrorKind::BrokenPipe => Outcome::Ok,
        Err(Problem::Output(error)) => {
            eprintln!("cxda: cannot write the output: {error}");
            Outcome::LocalProblem
        }
    }
}

enum Problem {
    Audit(AuditError),
    Output(io::Error),
}

impl From<AuditError> for Problem {
    fn from(error: AuditError) -> Self {
        Problem::Audit(error)
    }
}

impl From<io::Error> for Problem {
    fn from(error: io::Error) -> Self {
        Problem::Output(error)
    }
}

fn run_list(reader: &AuditReader, args: &ListArgs) -> Result<Outcome, Problem> {
    let filter = if args.failed {
        Filter::Failed
    } else {
        Filter::All
    };
    let limit = usize::try_from(args.limit).unwrap_or(usize::MAX);
    let page = reader.newest(limit, filter)?;
    let mut out = io::stdout().lock();
    if args.json {
        for record in &page.records {
            write_json_line(&mut out, record)?;
        }
    } else if !page.records.is_empty() {
        write_table(&mut out, &page.records)?;
    }
    out.flush()?;
    if page.skipped > 0 {
        eprintln!(
            "cxda: note: {} unreadable line{} skipped (torn or corrupt)",
            page.skipped,
            if page.skipped == 1 { "" } else { "s" }
        );
    }
    if page.records.is_empty() && !args.json {
        let what = if args.failed {
            "no failed records"
        } else {
            "no records"
        };
        eprintln!("cxda: {what} in the audit history");
    }
    Ok(Outcome::Ok)
}

fn run_show(reader: &AuditReader, args: &ShowArgs) -> Result<Outcome, Problem> {
    let Some(record) = reader.find(&args.id)? else {
        eprintln!(
            "cxda: no audit record with id {}",
            escape_controls(args.id.trim())
        );
        return Ok(Outcome::Failed);
    };
    let mut out = io::stdout().lock();
    if args.json {
        write_json_line(&mut out, &record)?;
    } else {
        out.write_all(audit_view::render(&record).as_bytes())?;
    }
    out.flush()?;
    Ok(Outcome::Ok)
}

/// The longest action name shown in the table; the rest is cut with `…` (`show` has it all).
const ACTION_WIDTH: usize = 32;

fn write_table(out: &mut impl Write, records: &[AuditRecord]) -> io::Result<()> {
    let header = [
        "TIME",
        "OUTCOME",
        "STATUS",
        "ACTION",
        "CORRELATION ID",
        "ID",
    ]
    .map(String::from);
    let rows: Vec<[String; 6]> = records.iter().map(table_row).collect();
    let mut widths = header.clone().map(|h| h.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for row in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (i, (cell, width)) in row.iter().zip(widths).enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                let pad = width - cell.chars().count();
                line.push_str(cell);
                line.extend(std::iter::repeat_n(' ', pad + 2));
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

fn table_row(record: &AuditRecord) -> [String; 6] {
    let status = record
        .status
        .map_or_else(|| "-".to_string(), |s| s.to_string());
    let action = if record.action_name.is_empty() {
        "-".to_string()
    } else {
        crate::text::fit(&escape_controls(&record.action_name), ACTION_WIDTH)
    };
    let correlation = if record.correlation_id.is_empty() {
        "-".to_string()
    } else {
        escape_controls(&record.correlation_id).into_owned()
    };
    [
        short_time(&record.ts),
        record.outcome.as_str().to_string(),
        status,
        action,
        correlation,
        record.id.to_string(),
    ]
}

/// `2026-11-23T21:43:01.123Z` → `2026-11-23 21:43:01Z`: seconds are enough in a list, and
/// the `Z` says it is UTC. Anything else (a hand-made line) is shown escaped, as it is.
fn short_time(ts: &str) -> String {
    match (ts.get(..10), ts.get(11..19)) {
        (Some(date), Some(time)) if ts.len() >= 20 && ts.ends_with('Z') => {
            format!("{date} {time}Z")
        }
        _ if ts.is_empty() => "-".to_string(),
        _ => escape_controls(ts).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::Outcome as RecordOutcome;

    #[test]
    fn short_time_drops_milliseconds_and_keeps_utc() {
        assert_eq!(
            short_time("2026-11-23T21:43:01.123Z"),
            "2026-11-23 21:43:01Z"
        );
        assert_eq!(short_time(""), "-");
        assert_eq!(short_time("yesterday"), "yesterday");
    }

    #[test]
    fn long_action_names_are_cut_with_an_ellipsis() {
        let cut = crate::text::fit(&"a".repeat(40), ACTION_WIDTH);
        assert_eq!(cut.chars().count(), ACTION_WIDTH);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn table_cells_escape_control_characters() {
        let mut record = AuditRecord::new(RecordOutcome::Failed);
        record.action_name = "evil\u{1b}]0;title\u{7}".into();
        let mut out = Vec::new();
        write_table(&mut out, &[record]).expect("write");
        let text = String::from_utf8(out).expect("utf-8");
        assert!(!text.contains('\u{1b}'), "{text}");
        assert!(text.contains("failed"), "{text}");
    }
}
