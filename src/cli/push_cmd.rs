//! `cxda push FILE... [--draft] [--replace] [--force] [--concurrency N] [--json]`: each
//! payload file created or updated on the server (`Engine::push` decides which), then its
//! new `id` and `version` written back into the file (`payload::with_id_and_version`, those
//! two values only).
//!
//! Decisions (documented in docs/commands.md):
//! - Every file is read and checked (`cxda validate`'s errors) before anything is sent; a
//!   file that cannot be read is a local problem (exit 2, nothing sent), one that fails the
//!   checks is not pushed (`FILE: rejected - …`, exit 1) and has no record, since nothing
//!   changed on the server.
//! - Lines are printed in input order as soon as a file and every file before it are done;
//!   at most `--concurrency` files (default 4) are pushed at once.
//! - The write-back happens only while the file still holds what was pushed: a file edited
//!   during the push is left alone, and the line says which id and version to note.
//! - `--replace` prints the delete and the create on two lines, the second saying the id
//!   changed and which flows break.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use serde_json::json;
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::Outcome;
use super::list_cmd::connected;
use super::payload_files::{PayloadFile, read_all, rewrite_if_unchanged};
use crate::audit::{AuditRecord, Outcome as Record};
use crate::config::{Api, GlobalOptions, Profile};
use crate::engine::remote::{PushError, PushOptions, PushOutcome, ReadError};
use crate::engine::{Engine, Submission, created_id};
use crate::payload::{carries_id_or_version, check_text_for, with_id_and_version};
use crate::text::escape_controls;

const AFTER_HELP: &str = "\
Each file is matched to the server's action by its `id`, else by its exact `name`:
  not on the server    created, as `cxda submit` does
  equal                unchanged: nothing is sent
  different            updated: cxone-v2 PUT with If-Match: \"VERSION\" (a change made \
meanwhile is refused, 412); genesys-cloud a draft from the action, PATCH, validation, publish
A file whose `version` is older than the server's is refused: the action changed since the \
pull (--force overwrites that change). On genesys-cloud a changed contract or secure flag \
cannot be applied to a published action: refused, unless --replace, which deletes the \
action and creates it again under a NEW id (flows that call the old id break).

After a create or an update the file gets the action's id and version (those two values \
only; every other byte stays), so pull, edit, push, edit, push works without a new pull.

Prints one line per file, in the order given:
  FILE: created ID (version V)
  FILE: updated ID to version V
  FILE: unchanged ID (version V)
  FILE: refused: reason         nothing was sent
  FILE: rejected STATUS reason  the server refused it
  FILE: failed reason
Each remote change is an audit record (cxda audit list).

Exit codes: 0 every file created, updated or unchanged; 1 one was refused, rejected or \
failed; 2 a local problem (a file that cannot be read or written back); 130 interrupted.

Examples:
  cxda pull 'Lookup customer' -o lookup.json
  $EDITOR lookup.json && cxda diff lookup.json && cxda push lookup.json
  cxda push actions/*.json --concurrency 8";

#[derive(Debug, Clone, Args)]
#[command(after_help = AFTER_HELP)]
pub struct PushArgs {
    /// Payload files.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,

    /// genesys-cloud: stop after a valid draft (not published; nothing written back).
    #[arg(long)]
    pub draft: bool,

    /// genesys-cloud: apply a contract or secure change by deleting the action and
    /// creating it again. The action gets a NEW id: flows that call the old one break.
    #[arg(long)]
    pub replace: bool,

    /// Push over a newer version on the server (someone else's change is lost), and over
    /// a draft the action already has (genesys-cloud).
    #[arg(long)]
    pub force: bool,

    /// How many files are pushed at once.
    #[arg(long, value_name = "N", default_value_t = 4,
          value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,

    /// One JSON object per file (JSON Lines).
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &PushArgs, global: &GlobalOptions) -> Outcome {
    let Some(files) = read_all(&args.files) else {
        return Outcome::LocalProblem;
    };
    connected(
        global,
        |profile| check_flags(args, profile),
        |engine, cancel| async move { push_all(engine, files, args, cancel).await },
    )
}

fn check_flags(args: &PushArgs, profile: &Profile) -> Result<(), String> {
    if args.draft && args.replace {
        return Err(
            "--replace with --draft would delete a published action and leave only a draft; use one of them"
                .to_string(),
        );
    }
    if profile.api == Api::CxoneV2 && (args.draft || args.replace) {
        let flag = if args.draft { "--draft" } else { "--replace" };
        return Err(format!(
            "{flag} is for genesys-cloud profiles; profile `{}` speaks cxone-v2",
            profile.name
        ));
    }
    Ok(())
}

/// How one file ended.
enum Done {
    /// Not pushed: it fails the checks (the first error).
    NotValid(String),
    Pushed(PushOutcome),
    /// The engine could not read the server or write a record.
    Error(PushError),
}

async fn push_all(
    engine: Engine,
    files: Vec<PayloadFile>,
    args: &PushArgs,
    cancel: CancellationToken,
) -> Outcome {
    let options = PushOptions {
        draft: args.draft,
        replace: args.replace,
        force: args.force,
        reuse_draft: false,
    };
    let files: Vec<Arc<PayloadFile>> = files.into_iter().map(Arc::new).collect();
    let slots = Arc::new(Semaphore::new(usize::from(args.concurrency)));
    let mut set = JoinSet::new();
    let mut indices = HashMap::new();
    for (index, file) in files.iter().enumerate() {
        let engine = engine.clone();
        let file = Arc::clone(file);
        let slots = Arc::clone(&slots);
        let cancel = cancel.clone();
        let task = set.spawn(async move {
            let Ok(_slot) = slots.acquire_owned().await else {
                return Done::Error(PushError::Read(ReadError::Cancelled));
            };
            if cancel.is_cancelled() {
                return Done::Error(PushError::Read(ReadError::Cancelled));
            }
            push_one(&engine, &file, options, cancel).await
        });
        indices.insert(task.id(), index);
    }
    let mut results: Vec<Option<Done>> = files.iter().map(|_| None).collect();
    let mut next = 0;
    let mut out = Output {
        json: args.json,
        closed: false,
    };
    let mut outcome = Outcome::Ok;
    while let Some(joined) = set.join_next_with_id().await {
        let (id, done) = match joined {
            Ok((id, done)) => (id, done),
            Err(error) => (
                error.id(),
                Done::Error(PushError::Read(ReadError::Failed(format!(
                    "internal error: {error}"
                )))),
            ),
        };
        if let Some(index) = indices.remove(&id) {
            results[index] = Some(done);
        }
        while let Some(Some(done)) = results.get_mut(next).map(Option::take) {
            let file = &files[next];
            outcome = outcome.max(finish(file, &done, &mut out));
            next += 1;
        }
    }
    outcome
}

async fn push_one(
    engine: &Engine,
    file: &PayloadFile,
    options: PushOptions,
    cancel: CancellationToken,
) -> Done {
    let report = check_text_for(engine.profile().api, &file.text);
    if let Some(first) = report.errors().next() {
        return Done::NotValid(format!(
            "{}:{}: {}",
            first.line,
            first.column,
            escape_controls(&first.message)
        ));
    }
    let submission = Submission {
        payload: file.text.clone(),
        source: Some(file.path.clone()),
        ..Submission::default()
    };
    // Nobody shows a push's attempts: the line per file is its progress.
    let (events, _) = mpsc::unbounded_channel();
    match engine.push(submission, options, events, cancel).await {
        Ok(pushed) => Done::Pushed(pushed),
        Err(error) => Done::Error(error),
    }
}

/// Prints `file`'s lines (and writes its id and version back); its exit outcome.
fn finish(file: &PayloadFile, done: &Done, out: &mut Output) -> Outcome {
    let (lines, outcome) = match done {
        Done::NotValid(error) => (
            vec![Line::plain("rejected", format!("rejected - {error}"))],
            Outcome::Failed,
        ),
        Done::Error(PushError::Read(ReadError::Cancelled)) => (
            vec![Line::plain("cancelled", "cancelled".into())],
            Outcome::Interrupted,
        ),
        Done::Error(PushError::Read(error)) => (
            vec![Line::plain(
                "failed",
                format!("failed: {}", escape_controls(&error.to_string())),
            )],
            Outcome::Failed,
        ),
        Done::Error(PushError::Audit(error)) => (
            vec![Line::plain(
                "failed",
                format!("failed: the audit record could not be written: {error}"),
            )],
            Outcome::LocalProblem,
        ),
        Done::Pushed(PushOutcome::Refused(why)) => (
            vec![Line::plain("refused", format!("refused: {why}"))],
            Outcome::Failed,
        ),
        Done::Pushed(PushOutcome::Unchanged { id, version }) => {
            let mut line = Line::plain(
                "unchanged",
                format!(
                    "unchanged {}{}",
                    escape_controls(id),
                    version_note(*version)
                ),
            );
            line.id = Some(id.clone());
            line.version = *version;
            let mut lines = vec![line];
            let mut outcome = Outcome::Ok;
            // Equal content at another version (an older pull): a file that carries its
            // id and version takes the server's, so the next change is not refused as stale.
            if carries_id_or_version(&file.text)
                && let Err(problem) = write_back(file, id, *version)
            {
                lines.push(Line::plain("failed", problem));
                outcome = Outcome::LocalProblem;
            }
            (lines, outcome)
        }
        Done::Pushed(PushOutcome::Changed { records, now }) => changed(file, records, now.as_ref()),
    };
    for line in &lines {
        let text = if out.json {
            json!({
                "file": file.path.display().to_string(),
                "outcome": line.outcome,
                "id": line.id,
                "version": line.version,
                "record": line.record,
                "message": line.text,
            })
            .to_string()
        } else {
            format!("{}: {}", file.name, line.text)
        };
        out.line(&text);
    }
    outcome
}

/// Standard output, which a reader may close (`cxda push … | head`): the pushes go on and
/// their records are written; only the printing stops.
struct Output {
    json: bool,
    closed: bool,
}

impl Output {
    fn line(&mut self, text: &str) {
        if self.closed {
            return;
        }
        let mut stdout = std::io::stdout().lock();
        if writeln!(stdout, "{text}")
            .and_then(|()| stdout.flush())
            .is_err()
        {
            self.closed = true;
        }
    }
}

/// One printed line.
struct Line {
    outcome: &'static str,
    text: String,
    id: Option<String>,
    version: Option<u64>,
    record: Option<String>,
}

impl Line {
    fn plain(outcome: &'static str, text: String) -> Line {
        Line {
            outcome,
            text,
            id: None,
            version: None,
            record: None,
        }
    }
}

fn version_note(version: Option<u64>) -> String {
    version.map_or_else(String::new, |v| format!(" (version {v})"))
}

/// The lines of the remote changes a push made, the write-back done.
fn changed(
    file: &PayloadFile,
    records: &[AuditRecord],
    now: Option<&(String, Option<u64>)>,
) -> (Vec<Line>, Outcome) {
    let mut lines = Vec::new();
    let mut outcome = Outcome::Ok;
    let replaced = records
        .first()
        .filter(|r| records.len() > 1 && r.outcome == Record::Deleted)
        .and_then(|r| r.remote_id.clone());
    for record in records {
        let id = action_id(record);
        let version = match now {
            Some((now_id, version)) if Some(now_id) == id.as_ref() => *version,
            _ => record.version,
        };
        let shown_id = escape_controls(id.as_deref().unwrap_or("?")).into_owned();
        let text = match record.outcome {
            Record::Created => {
                let mut text = format!("created {shown_id}{}", version_note(version));
                if let Some(old) = &replaced {
                    text.push_str(&format!(
                        "; a NEW id: flows that call {} must now call {shown_id}",
                        escape_controls(old)
                    ));
                }
                text
            }
            Record::Updated => match version {
                Some(v) => format!("updated {shown_id} to version {v}"),
                None => format!("updated {shown_id}"),
            },
            Record::Deleted => format!("deleted {shown_id} (to create it again)"),
            Record::Drafted => format!(
                "drafted {shown_id}{} (not published)",
                version_note(version)
            ),
            Record::Rejected => {
                outcome = outcome.max(Outcome::Failed);
                let status = record
                    .status
                    .map_or_else(|| "-".to_string(), |s| s.to_string());
                format!("rejected {status} {}", reason(record))
            }
            Record::Cancelled => {
                outcome = outcome.max(Outcome::Interrupted);
                format!("cancelled: {}", reason(record))
            }
            _ => {
                outcome = outcome.max(Outcome::Failed);
                format!("failed: {}", reason(record))
            }
        };
        let mut line = Line::plain(record.outcome.as_str(), text);
        line.id = id.clone();
        line.version = version;
        line.record = Some(record.id.to_string());
        lines.push(line);
    }
    let last = records.last().map(|r| r.outcome);
    if let Some(old) = &replaced
        && last != Some(Record::Created)
    {
        lines.push(Line::plain(
            "failed",
            format!(
                "action {} was deleted and the new one was not created: it no longer exists on the server; push the file again to create it (under a new id)",
                escape_controls(old)
            ),
        ));
    }
    if let Some((id, version)) = now
        && let Err(problem) = write_back(file, id, *version)
    {
        lines.push(Line::plain("failed", problem));
        outcome = outcome.max(Outcome::LocalProblem);
    }
    (lines, outcome)
}

/// The server's id of the action a record is about.
fn action_id(record: &AuditRecord) -> Option<String> {
    created_id(record).or_else(|| record.remote_id.clone())
}

fn reason(record: &AuditRecord) -> String {
    escape_controls(record.error.as_deref().unwrap_or("no reason given")).into_owned()
}

/// The file with its new id and version; `Err` says what was not written.
fn write_back(file: &PayloadFile, id: &str, version: Option<u64>) -> Result<(), String> {
    let note = || {
        format!(
            "the file was not updated; its id is {}{}",
            escape_controls(id),
            version_note(version)
        )
    };
    let text =
        with_id_and_version(&file.text, id, version).map_err(|e| format!("{e}: {}", note()))?;
    match rewrite_if_unchanged(&file.path, &file.text, &text) {
        Ok(true) => Ok(()),
        Ok(false) => Err(format!("changed while it was pushed: {}", note())),
        Err(error) => Err(format!("cannot write it: {error}: {}", note())),
    }
}
