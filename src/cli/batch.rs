//! The batch behind `cxda submit`: local checks first, then at most N submissions in flight
//! on one [`Engine`] (one token, one pacer, one HTTP client), results printed in input
//! order as soon as a file and every file before it are done.
//!
//! Every file gets exactly one audit record, and its line is printed only once that record
//! is durable — so whatever a killed `cxda submit` had reported is in the history:
//! - submitted files: the engine writes the record before `submit` returns;
//! - payloads that fail the local checks are not sent: they are recorded here as `rejected`
//!   with status `null` and the first error (`FILE: rejected - …`);
//! - files not yet started when the batch is interrupted are recorded here as `cancelled`
//!   with the error "cancelled before it was sent" and no attempts.

use std::collections::{HashMap, VecDeque};
use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::Outcome;
use super::audit_view::write_json_line;
use super::progress::{Ended, Progress};
use crate::audit::{AuditError, AuditLog, AuditRecord, Exchange, Headers, Outcome as Record};
use crate::config::Profile;
use crate::engine::{Engine, Submission};
use crate::payload::{Diagnostic, check_text_for};
use crate::text::escape_controls;

/// One input file, read.
pub struct Input {
    /// As given on the command line, escaped for the terminal.
    pub name: String,
    pub path: PathBuf,
    /// The text, or why it is not text (not UTF-8): a check failure, not a local problem.
    pub text: Result<String, Diagnostic>,
}

pub struct Batch {
    pub engine: Engine,
    pub audit: AuditLog,
    pub progress: Arc<Progress>,
    pub cancel: CancellationToken,
    pub concurrency: usize,
    pub json: bool,
    /// Stop each create after a valid draft (`--draft`).
    pub draft: bool,
}

/// How one file ended: its durable record, or why there is none.
enum Done {
    Record(Box<AuditRecord>),
    /// The record could not be written (or the task died): a local problem.
    Unrecorded(String),
}

impl Batch {
    /// Runs every file to its end and prints the results; returns the exit outcome.
    pub async fn run(self, inputs: Vec<Input>) -> Outcome {
        let mut results: Vec<Option<Done>> = inputs.iter().map(|_| None).collect();
        let mut printer = Printer::new(&inputs, self.json, Arc::clone(&self.progress));
        let profile = self.engine.profile().clone();

        let mut rejected = Vec::new();
        let mut queue = VecDeque::new();
        for (index, input) in inputs.iter().enumerate() {
            match local_check(&profile, input, &self.progress) {
                Err(record) => rejected.push((index, *record)),
                Ok(text) => queue.push_back((index, text)),
            }
        }
        self.record_local(rejected, &mut results, &mut printer)
            .await;
        printer.print_ready(&mut results);

        let mut set = JoinSet::new();
        let mut indices = HashMap::new();
        loop {
            while set.len() < self.concurrency && !self.cancel.is_cancelled() {
                let Some((index, payload)) = queue.pop_front() else {
                    break;
                };
                let submission = Submission {
                    payload,
                    source: Some(inputs[index].path.clone()),
                    correlation_id: None,
                    draft: self.draft,
                };
                let task = set.spawn(submit_one(
                    self.engine.clone(),
                    submission,
                    index,
                    Arc::clone(&self.progress),
                    self.cancel.clone(),
                ));
                indices.insert(task.id(), index);
            }
            let Some(joined) = set.join_next_with_id().await else {
                break;
            };
            let (id, done) = match joined {
                Ok((id, Ok(record))) => (id, Done::Record(Box::new(record))),
                Ok((id, Err(error))) => (id, Done::Unrecorded(error.to_string())),
                Err(error) => (
                    error.id(),
                    Done::Unrecorded(format!("internal error: {error}")),
                ),
            };
            if let Some(index) = indices.remove(&id) {
                printer.finished(index, &done);
                results[index] = Some(done);
                printer.print_ready(&mut results);
            }
        }

        // Interrupted: whatever never started is cancelled too, and recorded as such.
        let not_started: Vec<(usize, AuditRecord)> = queue
            .into_iter()
            .map(|(index, payload)| (index, not_started(&profile, &payload)))
            .collect();
        self.record_local(not_started, &mut results, &mut printer)
            .await;
        printer.print_ready(&mut results);
        printer.outcome
    }

    /// Writes records made here (not by the engine) in one group commit, then fills them in.
    async fn record_local(
        &self,
        records: Vec<(usize, AuditRecord)>,
        results: &mut [Option<Done>],
        printer: &mut Printer,
    ) {
        if records.is_empty() {
            return;
        }
        let (indices, records): (Vec<usize>, Vec<AuditRecord>) = records.into_iter().unzip();
        let log = self.audit.clone();
        let written = tokio::task::spawn_blocking(move || log.append_batch(records))
            .await
            .map_err(|e| AuditError::Task {
                message: e.to_string(),
            })
            .and_then(|r| r);
        match written {
            Ok(written) => {
                for (index, record) in indices.into_iter().zip(written) {
                    let done = Done::Record(Box::new(record));
                    printer.finished(index, &done);
                    results[index] = Some(done);
                }
            }
            Err(error) => {
                for index in indices {
                    let done = Done::Unrecorded(error.to_string());
                    printer.finished(index, &done);
                    results[index] = Some(done);
                }
            }
        }
    }
}

/// One submission, its events forwarded to the progress display as they come.
async fn submit_one(
    engine: Engine,
    submission: Submission,
    index: usize,
    progress: Arc<Progress>,
    cancel: CancellationToken,
) -> Result<AuditRecord, AuditError> {
    let (events, mut received) = mpsc::unbounded_channel();
    let submit = engine.submit(submission, events, cancel);
    tokio::pin!(submit);
    loop {
        tokio::select! {
            biased;
            Some(event) = received.recv() => progress.event(index, &event),
            result = &mut submit => {
                while let Ok(event) = received.try_recv() {
                    progress.event(index, &event);
                }
                return result;
            }
        }
    }
}

/// The payload text to send, or the `rejected` record of a payload that fails the local
/// checks (errors only; warnings go to stderr and the payload is sent).
fn local_check(
    profile: &Profile,
    input: &Input,
    progress: &Progress,
) -> Result<String, Box<AuditRecord>> {
    let text = match &input.text {
        Ok(text) => text,
        Err(not_text) => {
            let mut record = base_record(profile, Record::Rejected, Value::Null);
            record.error = Some(check_failure(not_text, 0));
            return Err(Box::new(record));
        }
    };
    let report = check_text_for(profile.api, text);
    for warning in report.diagnostics.iter().filter(|d| !d.is_error()) {
        progress.note(&format!(
            "{}:{}:{}: warning: {}",
            input.name,
            warning.line,
            warning.column,
            escape_controls(&warning.message)
        ));
    }
    let mut errors = report.errors();
    let Some(first) = errors.next() else {
        return Ok(text.clone());
    };
    let more = errors.count();
    let body = report
        .value
        .clone()
        .unwrap_or_else(|| Value::String(text.clone()));
    let mut record = base_record(profile, Record::Rejected, body);
    record.error = Some(check_failure(first, more));
    Err(Box::new(record))
}

fn check_failure(first: &Diagnostic, more: usize) -> String {
    let more = match more {
        0 => String::new(),
        1 => " (and 1 more error)".to_string(),
        n => format!(" (and {n} more errors)"),
    };
    format!(
        "payload check failed, not sent: {}:{}: {}{more}",
        first.line, first.column, first.message
    )
}

fn not_started(profile: &Profile, payload: &str) -> AuditRecord {
    let body = serde_json::from_str(payload).unwrap_or_else(|_| Value::String(payload.into()));
    let mut record = base_record(profile, Record::Cancelled, body);
    record.error = Some("cancelled before it was sent".to_string());
    record
}

/// A record for a create request that was never sent: where it would have gone and the
/// payload, no attempts, no status.
fn base_record(profile: &Profile, outcome: Record, body: Value) -> AuditRecord {
    let action_name = body
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    AuditRecord {
        profile: profile.name.clone(),
        api: Some(profile.api.as_str().to_string()),
        method: "POST".to_string(),
        url: profile
            .connection
            .as_ref()
            .map(|c| c.create_url.to_string())
            .unwrap_or_default(),
        action_name,
        request: Exchange::new(Headers::new(), body),
        ..AuditRecord::new(outcome)
    }
}

/// Prints results in input order, each as soon as it and every earlier file are done, and
/// folds them into the exit outcome.
struct Printer {
    names: Vec<String>,
    json: bool,
    next: usize,
    progress: Arc<Progress>,
    outcome: Outcome,
    /// After a failed write to stdout nothing more is printed; the batch still runs (its
    /// records are the durable result).
    stdout_closed: bool,
}

impl Printer {
    fn new(inputs: &[Input], json: bool, progress: Arc<Progress>) -> Printer {
        Printer {
            names: inputs.iter().map(|i| i.name.clone()).collect(),
            json,
            next: 0,
            progress,
            outcome: Outcome::Ok,
            stdout_closed: false,
        }
    }

    /// Counts a result as it arrives (the progress bar's counts follow completion, not the
    /// printing order) and folds it into the exit outcome.
    fn finished(&mut self, index: usize, done: &Done) {
        let (ended, outcome) = match done {
            Done::Record(record) => match record.outcome {
                Record::Created => (Ended::Created, Outcome::Ok),
                Record::Drafted => (Ended::Drafted, Outcome::Ok),
                Record::Rejected => (Ended::Rejected, Outcome::Failed),
                // Cancelled only happens on Ctrl-C/SIGTERM, which sets 130 for the batch.
                Record::Cancelled => (Ended::Cancelled, Outcome::Failed),
                _ => (Ended::Failed, Outcome::Failed),
            },
            Done::Unrecorded(_) => (Ended::Failed, Outcome::LocalProblem),
        };
        if let Done::Record(record) = done {
            tracing::info!(
                file = %self.names.get(index).map_or("", String::as_str),
                outcome = record.outcome.as_str(),
                status = record.status,
                audit_id = %record.id,
                "submission done"
            );
        }
        self.outcome = self.outcome.max(outcome);
        self.progress.finished(index, ended);
    }

    fn print_ready(&mut self, results: &mut [Option<Done>]) {
        while let Some(slot) = results.get_mut(self.next) {
            let Some(done) = slot.take() else { return };
            let name = self.names.get(self.next).cloned().unwrap_or_default();
            self.next += 1;
            if let Done::Unrecorded(error) = &done {
                self.progress.note(&format!(
                    "cxda: {name}: no audit record was written: {}",
                    escape_controls(error)
                ));
            }
            if self.stdout_closed {
                continue;
            }
            let text = match (&done, self.json) {
                (Done::Record(record), true) => {
                    let mut line = Vec::new();
                    match write_json_line(&mut line, record) {
                        Ok(()) => String::from_utf8_lossy(&line).into_owned(),
                        Err(_) => continue,
                    }
                }
                (Done::Unrecorded(_), true) => continue,
                (done, false) => format!("{}\n", result_line(&name, done)),
            };
            if let Err(error) = self.progress.print_stdout(&text) {
                self.stdout_closed = true;
                if error.kind() != io::ErrorKind::BrokenPipe {
                    self.progress
                        .note(&format!("cxda: cannot write the results: {error}"));
                    self.outcome = self.outcome.max(Outcome::LocalProblem);
                }
            }
        }
    }
}

/// `FILE: created ID` (the audit record id; `(action REMOTE, version V)` after it when the
/// server gave them), `FILE: drafted ID (draft REMOTE, version V)`, `FILE: rejected STATUS reason`,
/// `FILE: failed reason` or `FILE: cancelled` (each with `(draft REMOTE, version V)` when a
/// draft was left on the server).
fn result_line(name: &str, done: &Done) -> String {
    let record = match done {
        Done::Record(record) => record,
        Done::Unrecorded(error) => {
            return format!(
                "{name}: failed no audit record written: {}",
                escape_controls(error)
            );
        }
    };
    // The server's id and version, when the dialect gives them (genesys-cloud): the audit
    // record id alone would send the user to `cxda audit show` to find the action.
    let remote = |what: &str| {
        let id = record
            .remote_id
            .as_deref()
            .map(|id| format!("{what} {}", escape_controls(id)));
        let version = record.version.map(|v| format!("version {v}"));
        let parts: Vec<String> = id.into_iter().chain(version).collect();
        if parts.is_empty() {
            String::new()
        } else {
            format!(" ({})", parts.join(", "))
        }
    };
    match record.outcome {
        Record::Created => format!("{name}: created {}{}", record.id, remote("action")),
        Record::Drafted => format!("{name}: drafted {}{}", record.id, remote("draft")),
        Record::Rejected => {
            let status = record
                .status
                .map_or_else(|| "-".to_string(), |s| s.to_string());
            format!("{name}: rejected {status} {}", reason(record))
        }
        // A draft left on the server is named, so it can be found and deleted.
        Record::Cancelled => format!("{name}: cancelled{}", remote("draft")),
        _ => format!("{name}: failed {}{}", reason(record), remote("draft")),
    }
}

/// Why a submission did not create: the record's error, else what the server said (a
/// problem+json `detail` or `title`, an OAuth `error`), else the status.
fn reason(record: &AuditRecord) -> String {
    if let Some(error) = &record.error {
        return escape_controls(error).into_owned();
    }
    let body = &record.response.body;
    let said = ["detail", "title", "error_description", "error", "message"]
        .iter()
        .find_map(|key| body.get(key).and_then(Value::as_str))
        .or_else(|| body.as_str().filter(|s| !s.is_empty()));
    match (said, record.status) {
        (Some(text), _) => escape_controls(text).into_owned(),
        (None, Some(status)) => format!("HTTP {status}"),
        (None, None) => "no response".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payload::Severity;

    fn record(outcome: Record) -> AuditRecord {
        AuditRecord::new(outcome)
    }

    #[test]
    fn created_line_names_the_audit_record() {
        let r = record(Record::Created);
        let id = r.id.to_string();
        assert_eq!(
            result_line("a.json", &Done::Record(Box::new(r))),
            format!("a.json: created {id}")
        );
    }

    #[test]
    fn a_genesys_create_names_its_version_and_a_draft_says_drafted() {
        let mut r = record(Record::Created);
        r.version = Some(2);
        r.remote_id = Some("act-1".into());
        let id = r.id.to_string();
        assert_eq!(
            result_line("a.json", &Done::Record(Box::new(r))),
            format!("a.json: created {id} (action act-1, version 2)")
        );
        let mut r = record(Record::Drafted);
        r.remote_id = Some("dr\u{1b}-9".into());
        r.version = Some(1);
        let id = r.id.to_string();
        assert_eq!(
            result_line("a.json", &Done::Record(Box::new(r))),
            format!("a.json: drafted {id} (draft dr\\u{{1b}}-9, version 1)")
        );
    }

    #[test]
    fn rejected_line_has_the_status_and_the_servers_detail() {
        let mut r = record(Record::Rejected);
        r.status = Some(409);
        r.response.body = serde_json::json!({"title": "Conflict", "detail": "name exists"});
        assert_eq!(
            result_line("a.json", &Done::Record(Box::new(r))),
            "a.json: rejected 409 name exists"
        );
    }

    #[test]
    fn cancelled_and_failed_lines_name_the_kept_draft() {
        let mut r = record(Record::Cancelled);
        r.remote_id = Some("dr-1".into());
        r.version = Some(1);
        assert_eq!(
            result_line("a.json", &Done::Record(Box::new(r))),
            "a.json: cancelled (draft dr-1, version 1)"
        );
        let mut r = record(Record::Failed);
        r.error = Some("no retries left".into());
        r.remote_id = Some("dr-2".into());
        assert_eq!(
            result_line("a.json", &Done::Record(Box::new(r))),
            "a.json: failed no retries left (draft dr-2)"
        );
    }

    #[test]
    fn failed_line_escapes_the_error() {
        let mut r = record(Record::Failed);
        r.error = Some("bad\u{1b}[2J".into());
        assert_eq!(
            result_line("a.json", &Done::Record(Box::new(r))),
            "a.json: failed bad\\u{1b}[2J"
        );
    }

    #[test]
    fn local_check_failure_names_the_first_error_and_counts_the_rest() {
        let d = Diagnostic {
            severity: Severity::Error,
            line: 3,
            column: 11,
            pointer: "/type".into(),
            message: "type: bad".into(),
        };
        assert_eq!(
            check_failure(&d, 2),
            "payload check failed, not sent: 3:11: type: bad (and 2 more errors)"
        );
    }

    #[test]
    fn a_payload_with_errors_is_recorded_rejected_without_a_status() {
        let input = Input {
            name: "a.json".into(),
            path: "a.json".into(),
            text: Ok(r#"{"name": "x", "type": "SOAP"}"#.into()),
        };
        let progress = Progress::new(vec!["a.json".into()], false);
        let Err(r) = local_check(&Profile::sandbox(), &input, &progress) else {
            panic!("rejected")
        };
        assert_eq!(
            (r.outcome, r.status, r.action_name.as_str()),
            (Record::Rejected, None, "x")
        );
        assert!(r.attempts.is_empty());
    }
}
