//! `cxda test` in the engine: one run of an action, recorded (`operation: test`, outcome
//! `passed`, `failed` or `cancelled`) (docs/test-runs.md).
//!
//! - Locally (`cxone-v2` always, `genesys-cloud` with `local`): the runner's steps, with
//!   the request sent by [`super::target`] on this profile's client. The record keeps the
//!   request as shown (secrets `[redacted]`), the run's report as the response body, and
//!   one step per operation.
//! - On the platform (`genesys-cloud`): the file is pushed as the action's draft when it
//!   differs from the published action (a push of its own, recorded as such), then the
//!   platform's test endpoint runs it: `POST …/{id}/test`, or `…/{id}/draft/test`. Its
//!   `TestExecutionResult` is the report. An action that is not on the server cannot be
//!   tested there: refused, pointing at `--local` and `cxda push`.
//!
//! The input is checked against the input contract first, in both cases; when it fails,
//! nothing is sent and no record is written. `--var` values and a `secure` action's input
//! values are registered with the record's redactor on top of their structural redaction.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use serde_json::{Map, Value};
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

use super::attempt_log::millis;
use super::executor::Operation;
use super::remote::{PushError, PushOptions, PushOutcome, ReadError};
use super::target::{self, Sent};
use super::{Engine, ExecEvent, Submission};
use crate::audit::{AuditError, AuditRecord, Exchange, Headers, Outcome, Redactor, Step};
use crate::config::Api;
use crate::runner::action::NotRunnable;
use crate::runner::contract::ContractError;
use crate::runner::report::names;
use crate::runner::{Prepared, Run, RunReport, RunnableAction, SendFailure, check_input};

/// One test run to make.
#[derive(Debug, Clone, Default)]
pub struct TestRequest {
    /// The payload text (the file).
    pub payload: String,
    pub source: Option<PathBuf>,
    /// The input: a JSON object.
    pub input: Value,
    /// `--var NAME=VALUE`: `${credentials.NAME}`, and cxone-v2 placeholders.
    pub vars: BTreeMap<String, String>,
    /// genesys-cloud: run locally instead of on the platform.
    pub local: bool,
    /// A local run fails the step whose template names a credential no `vars` entry
    /// gives, naming the `--var` to add (`cxda test`); otherwise the reference is sent as
    /// written, as Velocity prints it (the studio, which has no vars).
    pub strict_credentials: bool,
}

/// Where a run ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ran {
    Local,
    /// The platform, on the published action `id`.
    Published {
        id: String,
    },
    /// The platform, on the draft of action `id` the file was pushed to.
    Draft {
        id: String,
    },
}

/// A finished run.
#[derive(Debug, Clone)]
pub struct Tested {
    pub report: RunReport,
    /// The run's record, as written.
    pub record: AuditRecord,
    pub ran: Ran,
    /// The records of the push that made the draft, when one was made.
    pub pushed: Vec<AuditRecord>,
}

/// Why a run did not happen (nothing sent, unless said).
#[derive(Debug, thiserror::Error)]
pub enum TestError {
    #[error("the payload is not JSON: {0}")]
    NotJson(String),
    #[error(transparent)]
    NotRunnable(#[from] NotRunnable),
    /// The input breaks the input contract: each problem.
    #[error("the input does not match the input contract: {}", crate::runner::run::messages(.0))]
    Input(Vec<ContractError>),
    /// The platform run was refused before its test (not on the server; the push was
    /// refused); why, escaped.
    #[error("{0}")]
    Refused(String),
    /// The push that makes the draft did not make it (its record says why).
    #[error("the file could not be pushed as a draft ({outcome}): {reason}")]
    NotDrafted { outcome: Outcome, reason: String },
    #[error(transparent)]
    Push(#[from] PushError),
    #[error(transparent)]
    Audit(#[from] AuditError),
    /// The HTTP client for the action's target could not be built (a `ca_cert`, a proxy).
    #[error("{0}")]
    Client(String),
}

impl Engine {
    /// Runs `request` once (see the module doc) and writes its record.
    pub async fn test(
        &self,
        request: TestRequest,
        events: UnboundedSender<ExecEvent>,
        cancel: CancellationToken,
    ) -> Result<Tested, TestError> {
        let payload: Value = serde_json::from_str(&request.payload)
            .map_err(|e| TestError::NotJson(e.to_string()))?;
        let action = RunnableAction::from_payload(self.profile().api, &payload)?;
        check_input(&action, &request.input).map_err(TestError::Input)?;
        if self.profile().api == Api::GenesysCloud && !request.local {
            return self
                .test_on_platform(request, &payload, &action, events, cancel)
                .await;
        }
        let record = self
            .test_locally(&request, &action, &payload, &cancel)
            .await?;
        let _ = events.send(ExecEvent::Finished(Box::new(record.0.clone())));
        Ok(Tested {
            record: record.0,
            report: record.1,
            ran: Ran::Local,
            pushed: Vec::new(),
        })
    }

    async fn test_locally(
        &self,
        request: &TestRequest,
        action: &RunnableAction,
        payload: &Value,
        cancel: &CancellationToken,
    ) -> Result<(AuditRecord, RunReport), TestError> {
        let started = Instant::now();
        let client = self.target_client().await.map_err(TestError::Client)?;
        let mut run = Run::start(action, request.input.clone(), request.vars.clone())
            .with_payload_text(&request.payload);
        if request.strict_credentials {
            run = run.requiring_credentials();
        }
        let target::RunOutcome {
            report,
            prepared,
            sent,
        } = target::run_once(&client, run, None, cancel).await;
        let mut record = self.local_record(action, payload, &report, prepared.as_ref(), sent);
        record.latency_ms = millis(started.elapsed());
        tracing::info!(
            correlation_id = %record.correlation_id,
            outcome = %record.outcome,
            latency_ms = record.latency_ms,
            "test run finished"
        );
        let secrets = prepared.iter().flat_map(|p| p.secrets.iter().cloned());
        let redactor = secrets.fold(
            secrets_redactor(&self.inner.redactor, request, action),
            Redactor::with_secret,
        );
        redactor.redact_record(&mut record);
        let written = self.inner.audit.append_async(record).await?;
        Ok((written, report))
    }

    /// The client a local run sends with (see `client::build_target_client`), built on
    /// the first run.
    async fn target_client(&self) -> Result<reqwest::Client, String> {
        if super::client::needs_platform_roots(&self.inner.profile) {
            return Ok(self.inner.client.clone());
        }
        let profile = self.inner.profile.clone();
        self.inner
            .target_client
            .get(move || super::client::build_target_client(&profile))
            .await
    }

    fn local_record(
        &self,
        action: &RunnableAction,
        payload: &Value,
        report: &RunReport,
        prepared: Option<&Prepared>,
        sent: Option<Sent>,
    ) -> AuditRecord {
        let cancelled = matches!(
            sent.as_ref().map(|s| &s.result),
            Some(Err(SendFailure::Cancelled))
        );
        let outcome = if report.success {
            Outcome::Passed
        } else if cancelled {
            Outcome::Cancelled
        } else {
            Outcome::Failed
        };
        let profile = self.profile();
        let mut record = AuditRecord::new(outcome);
        record.profile = profile.name.clone();
        record.api = Some(profile.api.as_str().to_string());
        record.operation = Some("test".to_string());
        record.correlation_id = super::new_correlation_id();
        record.action_name = action.name.clone();
        record.remote_id = payload
            .get("id")
            .and_then(Value::as_str)
            .map(str::to_string);
        record.method = action.method.clone();
        record.url = prepared.map_or_else(|| action.url.text.clone(), |p| p.url_shown.clone());
        record.error = report.error.as_ref().map(|e| e.message.clone());
        if let Some(prepared) = prepared {
            let headers = Headers(
                prepared
                    .headers
                    .iter()
                    .map(|h| (h.name.clone(), h.shown.clone()))
                    .collect(),
            );
            let body = prepared
                .body_shown
                .as_ref()
                .map_or(Value::Null, |b| crate::audit::body_value(b.as_bytes()));
            record.request = Exchange::new(headers, body);
        }
        let status = sent
            .as_ref()
            .and_then(|s| s.result.as_ref().ok())
            .map(|a| a.status);
        record.status = status;
        record.response = Exchange::new(
            Headers::new(),
            serde_json::to_value(report).unwrap_or(Value::Null),
        );
        let latency_ms = sent.as_ref().map_or(0, |s| s.latency_ms);
        record.steps = report
            .operations
            .iter()
            .map(|op| {
                let execute = op.name == names::EXECUTE;
                Step {
                    name: op.name.clone(),
                    method: if execute {
                        record.method.clone()
                    } else {
                        String::new()
                    },
                    url: if execute {
                        record.url.clone()
                    } else {
                        String::new()
                    },
                    status: if execute { status } else { None },
                    latency_ms: if execute { latency_ms } else { 0 },
                    attempts: Vec::new(),
                }
            })
            .collect();
        if let Some(sent) = sent {
            record.redirects = sent.redirects;
        }
        record
    }

    async fn test_on_platform(
        &self,
        request: TestRequest,
        file: &Value,
        action: &RunnableAction,
        events: UnboundedSender<ExecEvent>,
        cancel: CancellationToken,
    ) -> Result<Tested, TestError> {
        let comparison = self
            .compare(&request.payload, &cancel)
            .await
            .map_err(PushError::from)?;
        let Some(id) = comparison.server_id() else {
            return self
                .test_unpublished(&request, file, action, events, cancel)
                .await;
        };
        let (id, draft, pushed) = if comparison.differences.is_empty() {
            (id, false, Vec::new())
        } else if self.draft_is_the_file(&id, file, &cancel).await? == Some(true) {
            // The action's draft already holds this file (the last run pushed it): tested
            // as it is, nothing pushed again.
            (id, true, Vec::new())
        } else {
            let submission = Submission {
                payload: request.payload.clone(),
                source: request.source.clone(),
                draft: true,
                ..Submission::default()
            };
            let options = PushOptions {
                draft: true,
                reuse_draft: true,
                ..PushOptions::default()
            };
            match self
                .push(submission, options, events.clone(), cancel.clone())
                .await?
            {
                PushOutcome::Refused(why) => {
                    return Err(TestError::Refused(format!(
                        "{why} (a platform test pushes the file as the action's draft first; --local runs it without pushing)"
                    )));
                }
                PushOutcome::Unchanged { id, .. } => (id, false, Vec::new()),
                PushOutcome::Changed { records, .. } => {
                    let last = records.last();
                    match last.map(|r| r.outcome) {
                        Some(Outcome::Drafted) => (id, true, records),
                        outcome => {
                            return Err(TestError::NotDrafted {
                                outcome: outcome.unwrap_or(Outcome::Failed),
                                reason: last.and_then(|r| r.error.clone()).unwrap_or_default(),
                            });
                        }
                    }
                }
            }
        };
        let ran = if draft {
            Ran::Draft { id: id.clone() }
        } else {
            Ran::Published { id: id.clone() }
        };
        let record = self
            .run_test_request(&request, action, &id, draft, events, cancel)
            .await?;
        let report = platform_report(&record);
        Ok(Tested {
            report,
            record,
            ran,
            pushed,
        })
    }

    /// Whether the action `id`'s draft equals `file` (the server's own fields aside);
    /// `None` when the action has no draft.
    async fn draft_is_the_file(
        &self,
        id: &str,
        file: &Value,
        cancel: &CancellationToken,
    ) -> Result<Option<bool>, TestError> {
        let draft = match self.read_draft(id, cancel).await {
            Ok(draft) => draft,
            Err(ReadError::Refused {
                status: 400 | 404, ..
            }) => return Ok(None),
            Err(other) => return Err(PushError::from(other).into()),
        };
        let profile = self.profile();
        let changed = super::remote::differences(
            profile.api,
            &draft,
            file,
            profile.integration_id.as_deref(),
        );
        Ok(Some(changed.is_empty()))
    }

    /// The platform's test of action `id` (its draft when `draft`) with the request's
    /// input: one executor operation and its record, a `secure` action's input values
    /// `[redacted]` in it.
    async fn run_test_request(
        &self,
        request: &TestRequest,
        action: &RunnableAction,
        id: &str,
        draft: bool,
        events: UnboundedSender<ExecEvent>,
        cancel: CancellationToken,
    ) -> Result<AuditRecord, AuditError> {
        let shown_input = if action.secure {
            redact_values(&request.input)
        } else {
            request.input.clone()
        };
        let operation = Operation::Test {
            id: id.to_string(),
            name: action.name.clone(),
            draft,
            input: request.input.clone(),
            shown_input,
            action_timeout: action.timeout,
        };
        let redactor = secrets_redactor(&self.inner.redactor, request, action);
        self.run_redacted(operation, request.source.clone(), events, cancel, &redactor)
            .await
    }
}

/// The engine's redactor plus every `--var` value and, for a `secure` action, every input
/// value, as literal secrets.
fn secrets_redactor(base: &Redactor, request: &TestRequest, action: &RunnableAction) -> Redactor {
    let mut values: Vec<String> = request.vars.values().cloned().collect();
    if action.secure
        && let Some(input) = request.input.as_object()
    {
        values.extend(
            input
                .values()
                .filter(|value| !value.is_null())
                .map(crate::runner::run::value_text),
        );
    }
    values
        .iter()
        .flat_map(|v| crate::runner::template::encodings(v))
        .fold(base.clone(), Redactor::with_secret)
}

impl Engine {
    /// A platform run of a file whose action is not published: when its `id` names an
    /// action that exists as a draft only (`cxda push --draft` made it) and that draft is
    /// the file, the draft is tested; otherwise refused, saying what to do.
    async fn test_unpublished(
        &self,
        request: &TestRequest,
        file: &Value,
        action: &RunnableAction,
        events: UnboundedSender<ExecEvent>,
        cancel: CancellationToken,
    ) -> Result<Tested, TestError> {
        let name = crate::text::escape_controls(&action.name).into_owned();
        // `cxda push --draft` of a new file leaves no id in it: its draft is found by name.
        let file_id = match file.get("id").and_then(Value::as_str) {
            Some(id) => Some(id.to_string()),
            None => {
                let query = super::remote::ListQuery {
                    name: Some(action.name.clone()),
                    drafts: true,
                };
                let mut drafts = self
                    .list_actions(&query, &cancel)
                    .await
                    .map_err(PushError::from)?;
                drafts.retain(|d| d.name == action.name);
                match drafts.as_slice() {
                    [one] => Some(one.id.clone()),
                    _ => None,
                }
            }
        };
        let equal = match &file_id {
            Some(id) => self.draft_is_the_file(id, file, &cancel).await?,
            None => None,
        };
        let (Some(id), Some(equal)) = (file_id, equal) else {
            return Err(TestError::Refused(format!(
                "{name} is not published on the server, and the platform tests only the actions it has: run the test with --local, or `cxda push` the file first"
            )));
        };
        if !equal {
            return Err(TestError::Refused(format!(
                "{name} ({}) exists only as a draft, and the draft differs from the file; cxda does not update a draft that was never published: run the test with --local, or publish it (`cxda push` after deleting the draft)",
                crate::text::escape_controls(&id)
            )));
        }
        let record = self
            .run_test_request(request, action, &id, true, events, cancel)
            .await?;
        Ok(Tested {
            report: platform_report(&record),
            record,
            ran: Ran::Draft { id },
            pushed: Vec::new(),
        })
    }
}

/// The platform's `TestExecutionResult` as the record keeps it (redacted); when it cannot
/// be read back (no answer, or one over the record's body limit, kept cut), a report of
/// the outcome alone that says where the rest is.
fn platform_report(record: &AuditRecord) -> RunReport {
    if !record.response.truncated
        && let Ok(report) = serde_json::from_value::<RunReport>(record.response.body.clone())
        && (!report.operations.is_empty() || record.status == Some(200))
    {
        return report;
    }
    let message = if record.response.truncated {
        format!(
            "the platform's answer is larger than the {} KiB a record keeps; its start is in record {} (cxda audit show {})",
            crate::audit::MAX_BODY_BYTES / 1024,
            record.id,
            record.id
        )
    } else {
        record.error.clone().unwrap_or_default()
    };
    let passed = record.outcome == Outcome::Passed;
    RunReport {
        error: (!passed || record.response.truncated).then(|| {
            crate::runner::StepError::new("request.failed", record.status.unwrap_or(0), message)
        }),
        success: passed,
        ..RunReport::default()
    }
}

/// An input with each value `[redacted]` (a `secure` action's, as a record keeps it).
fn redact_values(input: &Value) -> Value {
    match input {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, _)| (k.clone(), Value::String("[redacted]".into())))
                .collect::<Map<_, _>>(),
        ),
        other => other.clone(),
    }
}
