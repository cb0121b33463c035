//! What `cxda diff` and `cxda push` decide from a payload file and the server: which action
//! the file is (its `id`, else its exact `name`), how it differs ([`Engine::compare`]), and
//! the remote change a push makes ([`Engine::push`]):
//!
//! - not on the server: a create, as `cxda submit`;
//! - equal: `unchanged`, nothing sent, no record;
//! - the file's `version` older than the server's: refused (changed since the pull), unless
//!   `force`;
//! - found by name while the file's `id` is not on the server: refused unless `force` (it
//!   may be another action that happens to share the name);
//! - genesys-cloud, `contract`, `secure` or `integrationId` changed: refused, since a
//!   published action cannot change them in place, unless `replace`: a delete, then a
//!   create (a new id; never with `draft`, which would leave only a draft);
//! - otherwise an update (the dialect's plan: `PUT` with `If-Match`, or the draft sequence).
//!
//! Every remote change is an operation of the executor and writes its own record.

use serde_json::Value;
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

use super::ReadError;
use super::diff::{Difference, differences, needs_replace};
use crate::audit::{AuditError, AuditRecord, Outcome};
use crate::config::Api;
use crate::engine::{Engine, ExecEvent, Submission, UpdateTarget, changed_action};
use crate::text::escape_controls;

/// A file against the server.
#[derive(Debug, Clone, Default)]
pub struct Comparison {
    /// The server's action the file is, as read; `None` when there is none.
    pub server: Option<Value>,
    /// The file has an `id` the server does not know, and the action was found by the
    /// file's name instead.
    pub by_name_instead_of_id: bool,
    /// Empty when equal (or absent on the server).
    pub differences: Vec<Difference>,
}

impl Comparison {
    /// The server's id of the action.
    pub fn server_id(&self) -> Option<String> {
        self.server.as_ref().and_then(id_of)
    }

    pub fn server_version(&self) -> Option<u64> {
        self.server
            .as_ref()
            .and_then(|s| s.get("version"))
            .and_then(Value::as_u64)
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct PushOptions {
    /// genesys-cloud: stop after a valid draft.
    pub draft: bool,
    /// genesys-cloud: a change of `contract` or `secure` deletes the action and creates it
    /// again (a new id).
    pub replace: bool,
    /// Push over a newer server version, and over a draft the action already has.
    pub force: bool,
    /// genesys-cloud: overwrite a draft the action already has (a test run's push, which
    /// replaces the draft it made last time), without the rest of `force`.
    pub reuse_draft: bool,
}

/// What a push did.
#[derive(Debug)]
pub enum PushOutcome {
    /// Equal to the server's action: nothing sent. Its id and version (for the file).
    Unchanged { id: String, version: Option<u64> },
    /// The remote changes made, each with its durable record, in order (a replace: the
    /// delete, then the create). The last one's outcome is the push's.
    Changed {
        records: Vec<AuditRecord>,
        /// The action's id and version after a create or an update (the version read back
        /// when the answer did not say it), for the file; `None` otherwise.
        now: Option<(String, Option<u64>)>,
    },
    /// Refused before anything was sent; why, escaped.
    Refused(String),
}

/// Why a push has no outcome.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(transparent)]
    Audit(#[from] AuditError),
}

impl Engine {
    /// `text` (a payload file) against the server's action it names. `Err` when the file
    /// is not a JSON object, or the server cannot be read.
    pub async fn compare(
        &self,
        text: &str,
        cancel: &CancellationToken,
    ) -> Result<Comparison, ReadError> {
        let file = parse_object(text)?;
        let Some((server, by_id)) = self.locate(&file, cancel).await? else {
            return Ok(Comparison::default());
        };
        let profile = self.profile();
        let differences = differences(
            profile.api,
            &server,
            &file,
            profile.integration_id.as_deref(),
        );
        Ok(Comparison {
            server: Some(server),
            by_name_instead_of_id: !by_id && id_of(&file).is_some(),
            differences,
        })
    }

    /// Creates or updates the server's action from `submission`'s payload, as the module
    /// doc says. Events of each remote change go to `events` as they happen.
    pub async fn push(
        &self,
        submission: Submission,
        options: PushOptions,
        events: UnboundedSender<ExecEvent>,
        cancel: CancellationToken,
    ) -> Result<PushOutcome, PushError> {
        let comparison = match self.compare(&submission.payload, &cancel).await {
            Err(ReadError::Failed(why)) if why.starts_with(NOT_AN_OBJECT) => {
                return Ok(PushOutcome::Refused(why));
            }
            other => other?,
        };
        let Some(id) = comparison.server_id() else {
            let submission = Submission {
                draft: options.draft,
                ..submission
            };
            let record = self.submit(submission, events, cancel.clone()).await?;
            return Ok(self.changed(vec![record], &cancel).await);
        };
        let server_version = comparison.server_version();
        if comparison.differences.is_empty() {
            return Ok(PushOutcome::Unchanged {
                id,
                version: server_version,
            });
        }
        let file = parse_object(&submission.payload).ok();
        if comparison.by_name_instead_of_id && !options.force {
            let file_id = file.as_ref().and_then(id_of).unwrap_or_default();
            return Ok(PushOutcome::Refused(format!(
                "the file's id {} is not on the server, but action {} has its name: push with --force to update that action with this file, or remove `id` and `version` from the file and rename it to create a new one",
                escape_controls(&file_id),
                escape_controls(&id)
            )));
        }
        let file_version = file
            .as_ref()
            .and_then(|f| f.get("version").and_then(Value::as_u64));
        if let (Some(file), Some(server)) = (file_version, server_version)
            && file < server
            && !options.force
            && !comparison.by_name_instead_of_id
        {
            return Ok(PushOutcome::Refused(format!(
                "the file is at version {file} but action {} is at version {server} on the server: it was changed since it was pulled; pull it again and redo the edit, or push with --force to overwrite that change",
                escape_controls(&id)
            )));
        }
        let api = self.profile().api;
        if api == Api::GenesysCloud && needs_replace(&comparison.differences) {
            return self
                .replace(submission, &comparison, id, options, events, cancel)
                .await;
        }
        let target = UpdateTarget {
            id,
            version: server_version,
            force: options.force || options.reuse_draft,
        };
        let submission = Submission {
            draft: options.draft,
            ..submission
        };
        let record = self
            .update(submission, target, events, cancel.clone())
            .await?;
        Ok(self.changed(vec![record], &cancel).await)
    }

    /// A genesys-cloud change a published action cannot take in place: refused, or with
    /// `replace` the action deleted and created again (a new id).
    async fn replace(
        &self,
        submission: Submission,
        comparison: &Comparison,
        id: String,
        options: PushOptions,
        events: UnboundedSender<ExecEvent>,
        cancel: CancellationToken,
    ) -> Result<PushOutcome, PushError> {
        let what = "the contract, the secure flag or the integrationId";
        if !options.replace {
            return Ok(PushOutcome::Refused(format!(
                "{what} of the published action {} changed, which the platform cannot change in place; push with --replace to delete it and create it again: it gets a NEW id, and every flow that calls {} must be changed to the new one",
                escape_controls(&id),
                escape_controls(&id)
            )));
        }
        if options.draft {
            return Ok(PushOutcome::Refused(format!(
                "--replace with --draft would delete the published action {} and leave only a draft: replace without --draft",
                escape_controls(&id)
            )));
        }
        let name = comparison
            .server
            .as_ref()
            .and_then(|s| s.get("name"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let version = comparison.server_version();
        let deleted = self
            .delete(&id, &name, version, events.clone(), cancel.clone())
            .await?;
        if deleted.outcome != Outcome::Deleted {
            return Ok(PushOutcome::Changed {
                records: vec![deleted],
                now: None,
            });
        }
        let created = self.submit(submission, events, cancel.clone()).await?;
        Ok(self.changed(vec![deleted, created], &cancel).await)
    }

    /// The outcome of `records` (the last one the push's), with the action's id and
    /// version after a create or an update; a version the answer did not give is read
    /// back, so the file never keeps a version older than the server's.
    async fn changed(&self, records: Vec<AuditRecord>, cancel: &CancellationToken) -> PushOutcome {
        let now = match records.last().and_then(changed_action) {
            Some((id, None)) => {
                let read = self.read_action(&id, cancel).await.ok();
                let version = read
                    .as_ref()
                    .and_then(|a| a.get("version"))
                    .and_then(Value::as_u64);
                Some((id, version))
            }
            known => known,
        };
        PushOutcome::Changed { records, now }
    }

    /// The server's action `file` names: by its `id`, else the one action named exactly
    /// its `name`; with whether it was found by id.
    async fn locate(
        &self,
        file: &Value,
        cancel: &CancellationToken,
    ) -> Result<Option<(Value, bool)>, ReadError> {
        let id = id_of(file);
        let name = file.get("name").and_then(Value::as_str);
        self.locate_by(id.as_deref(), name, cancel).await
    }
}

/// How a file that is not a JSON object is refused (`push` tells it from a read failure).
const NOT_AN_OBJECT: &str = "the file is not a JSON object";

fn parse_object(text: &str) -> Result<Value, ReadError> {
    match serde_json::from_str::<Value>(text) {
        Ok(value @ Value::Object(_)) => Ok(value),
        Ok(_) => Err(ReadError::Failed(format!(
            "{NOT_AN_OBJECT}: nothing to compare"
        ))),
        Err(e) => Err(ReadError::Failed(format!("{NOT_AN_OBJECT}: {e}"))),
    }
}

/// An action's `id`, a string or a number.
fn id_of(value: &Value) -> Option<String> {
    match value.get("id")? {
        Value::String(id) if !id.is_empty() => Some(id.clone()),
        Value::Number(id) => Some(id.to_string()),
        _ => None,
    }
}
