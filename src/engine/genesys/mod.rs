//! The genesys-cloud dialect's create, as a plan the executor runs (docs/engine.md, The
//! genesys-cloud create). Every path and body of the sequence lives here; the executor
//! sends each request with its usual machinery (token, pacing, retries, redirects, budget).
//!
//! ```text
//!  [payload: id/version dropped, integrationId filled from the profile]
//!        │ (no integrationId anywhere → Rejected, nothing sent)
//!        ▼
//!  draft:      POST {api}/api/v2/integrations/actions/drafts ──4xx──► Rejected
//!        │ 2xx {id, version}      │ answer lost (timeout after sending, 502/503/504,
//!        │                        │ an unreadable 2xx); wait ≤ 2 s, then
//!        │                        ▼
//!        │     lookup: GET …/actions/drafts?name=N&category=C&includeConfig=true&… (paged)
//!        │          │ exactly one equal to what was sent ──┐
//!        │          ├ several, or namesakes that differ ─► Failed (ids listed, nothing resent)
//!        │          ├ non-2xx, unreadable, page cap ─────► Failed ("may exist")
//!        │          └ none → draft again (≤ max_retries lost answers, then Failed)
//!        ▼                                                 │
//!  validation: GET …/actions/{id}/draft/validation ◄───────┘
//!        │ valid: false ─► Rejected (every error; "draft {id} kept")
//!        │ valid, --draft ─► Drafted (remote_id = the draft's id)
//!        ▼
//!  publish:    POST …/actions/{id}/draft/publish {"version": V} ──4xx──► Rejected (draft kept)
//!        │ 2xx {id, version}          │ answer lost
//!        │                            ▼
//!        │     check: GET …/actions/{id}: version ≥ V → Created, else Failed (draft kept)
//!        ▼
//!     Created (remote_id = id, version = the published version)
//! ```
//!
//! An update of the action `A` (`cxda push` of a changed file) makes its draft from the
//! action instead, then sends the file's content into it, and goes on as above:
//!
//! ```text
//!  draft:  POST …/actions/{A}/draft (a draft from the action) ─2xx─┐
//!        │ 400 (A already has a draft): with --force ─► read: GET …/actions/{A}/draft
//!        │                              without ──────► Rejected (the draft is not ours)
//!        ▼                                                          │
//!  patch:  PATCH …/actions/{A}/draft {name, category, config, contract, secure, version}
//!        ▼ 2xx {version}
//!  validation → publish (as above) → Updated (remote_id = A, version = the new version)
//! ```
//!
//! The platform has no Idempotency-Key, so a drafts request whose answer was lost may have
//! made a draft: it is looked up before anything is sent again, whatever
//! `retry_after_timeout` says, and only a draft equal to what was sent is carried on. An end
//! the executor reaches on its own goes through [`Create::interrupted`], which names the
//! kept draft.

pub(crate) mod error_body;
mod lookup;

use std::time::Duration;

use bytes::Bytes;
use reqwest::{Method, Url};
use serde::Deserialize;
use serde_json::Value;

use super::plan::{End, Next, OnLost, StepRequest, StepResult, Target, settle};
use super::response::bound;
use crate::config::{Api, Profile};
use crate::text::escape_controls;
#[cfg(test)]
use lookup::MAX_LOOKUP_PAGES;
use lookup::{Candidate, LOOKUP_SETTLE};

/// The most validation errors listed in the outcome (the record keeps them all).
const MAX_VALIDATION_ERRORS: usize = 20;

/// The body of the drafts request for `payload`: `id` and `version` (written by a pull)
/// dropped, `integrationId` filled from the profile's `integration_id` when absent. The
/// payload's own bytes when nothing changes; a payload that is not a JSON object is sent as
/// written (the server's answer is the authority). `Err` when there is no integration id
/// at all.
pub(super) fn draft_body(payload: &[u8], profile: &Profile) -> Result<Bytes, End> {
    let Ok(Value::Object(mut object)) = serde_json::from_slice::<Value>(payload) else {
        return Ok(Bytes::copy_from_slice(payload));
    };
    let mut changed = object.remove("id").is_some();
    changed |= object.remove("version").is_some();
    let has_integration = object
        .get("integrationId")
        .and_then(Value::as_str)
        .is_some_and(|id| !id.trim().is_empty());
    if !has_integration {
        let Some(id) = profile
            .integration_id
            .as_deref()
            .filter(|id| !id.is_empty())
        else {
            return Err(End::Rejected(format!(
                "the payload has no integrationId and profile `{}` sets no integration_id; add one of them (the id of the integration the action belongs to)",
                profile.name
            )));
        };
        object.insert("integrationId".to_string(), Value::String(id.to_string()));
        changed = true;
    }
    if !changed {
        return Ok(Bytes::copy_from_slice(payload));
    }
    serde_json::to_vec(&Value::Object(object))
        .map(Bytes::from)
        .map_err(|e| End::Failed(format!("cannot write the drafts request body: {e}")))
}

/// An `Action` as the platform answers it (a draft or a published action), as far as the
/// plan needs it.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct ActionAnswer {
    id: Option<String>,
    name: Option<String>,
    integration_id: Option<String>,
    version: Option<u64>,
    category: Option<String>,
    secure: Option<bool>,
    config: Option<Value>,
    contract: Option<Value>,
}

/// `DraftValidationResult`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Validation {
    valid: bool,
    #[serde(deserialize_with = "error_body::null_as_empty")]
    errors: Vec<Value>,
}

/// Where the plan is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Start,
    Drafting,
    LookingUp {
        page: u32,
    },
    Validating,
    Publishing,
    /// Reading the action after a publish whose answer was lost.
    Checking,
    /// Update: making a draft from the action.
    FromAction,
    /// Update: reading the draft the action already has (`--force`).
    ReadingDraft,
    /// Update: sending the file's content into the draft.
    Patching,
    Over,
}

/// What an update changes, beside what a create needs.
#[derive(Debug)]
struct Updating {
    id: String,
    /// The action's version the change was computed against: a draft made from the action
    /// at another version means someone changed it since (refused unless `force`).
    expected: Option<u64>,
    /// A draft the action already has is overwritten rather than refused, and so is a
    /// change made since the read.
    force: bool,
    /// `UpdateDraftInput` without its `version` (the draft's, known once it exists).
    patch: serde_json::Map<String, Value>,
}

/// The fields of a payload an `UpdateDraftInput` carries (no `integrationId`: it cannot
/// change).
const UPDATE_DRAFT_FIELDS: [&str; 5] = ["name", "category", "config", "contract", "secure"];

/// The genesys-cloud create of one payload.
#[derive(Debug)]
pub(in crate::engine) struct Create {
    api_base: Url,
    body: Bytes,
    /// The action's name, for the lookup (empty: no lookup possible).
    name: String,
    /// The integration the draft belongs to, to tell it from a namesake elsewhere.
    integration_id: Option<String>,
    /// The body sent, parsed: what a draft found by the lookup must equal.
    sent: Value,
    /// The wait before a lookup's first page.
    settle: Duration,
    /// Drafts named as ours found by the lookup so far (every page).
    candidates: Vec<Candidate>,
    /// A drafts request was answered 2xx with a body that could not be read: a draft was
    /// made, so a lookup that finds none does not send another.
    made: bool,
    draft_only: bool,
    max_retries: u32,
    state: State,
    /// Drafts requests whose answer was lost so far.
    lost: u32,
    last_lost: String,
    /// The draft's id and version, once known.
    draft: Option<(String, Option<u64>)>,
    /// The published action's id and version.
    published: Option<(Option<String>, Option<u64>)>,
    /// An update of an existing action rather than a create.
    updating: Option<Updating>,
}

impl Create {
    pub(super) fn new(
        profile: &Profile,
        api_base: &Url,
        payload: &[u8],
        draft_only: bool,
    ) -> Result<Create, End> {
        let body = draft_body(payload, profile)?;
        let parsed: Option<Value> = serde_json::from_slice(&body).ok();
        let text_of = |key: &str| {
            parsed
                .as_ref()
                .and_then(|v| v.get(key))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let create = Create {
            api_base: api_base.clone(),
            name: text_of("name").unwrap_or_default(),
            integration_id: text_of("integrationId"),
            sent: parsed.clone().unwrap_or(Value::Null),
            settle: LOOKUP_SETTLE.min(profile.timeout).min(profile.max_wait),
            candidates: Vec::new(),
            made: false,
            body,
            draft_only,
            max_retries: profile.max_retries,
            state: State::Start,
            lost: 0,
            last_lost: String::new(),
            draft: None,
            published: None,
            updating: None,
        };
        // Every URL below is this one's sibling: one check that the base takes a path.
        create.url(&["drafts"])?;
        Ok(create)
    }

    /// The update of `target` to `payload`: its draft from the action, patched, validated
    /// and published (`draft_only` stops after a valid draft).
    pub(super) fn update(
        profile: &Profile,
        api_base: &Url,
        payload: &[u8],
        target: &Target,
        draft_only: bool,
    ) -> Result<Create, End> {
        let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(payload) else {
            return Err(End::Rejected(
                "the payload is not a JSON object: nothing to update the action with".into(),
            ));
        };
        let patch = object
            .into_iter()
            .filter(|(key, _)| UPDATE_DRAFT_FIELDS.contains(&key.as_str()))
            .collect();
        let mut plan = Create::new(profile, api_base, payload, draft_only)?;
        plan.updating = Some(Updating {
            id: target.id.clone(),
            expected: target.version,
            force: target.force,
            patch,
        });
        Ok(plan)
    }

    /// The server's id and version: the published action's once published, else the
    /// draft's.
    pub(in crate::engine) fn remote(&self) -> (Option<String>, Option<u64>) {
        match (&self.published, &self.draft) {
            (Some((id, version)), draft) => (
                id.clone()
                    .or_else(|| draft.as_ref().map(|(id, _)| id.clone())),
                *version,
            ),
            (None, Some((id, version))) => (Some(id.clone()), *version),
            (None, None) => (None, None),
        }
    }

    pub(in crate::engine) fn next(&mut self, last: Option<StepResult>) -> Next {
        let next = match self.advance(last) {
            Ok(next) => next,
            Err(end) => Next::Done(end),
        };
        if matches!(next, Next::Done(_)) {
            self.state = State::Over;
        }
        next
    }

    /// The move after `last`; `Err` is an end reached early (an error answer, a body that
    /// is not the platform's), so that `?` reads as "or stop here".
    fn advance(&mut self, last: Option<StepResult>) -> Result<Next, End> {
        match (self.state, last) {
            (State::Start, None) if self.updating.is_some() => self.send_from_action(),
            (State::Start, None) => self.send_draft(),
            (State::FromAction, Some(StepResult::Answered(answer))) => self.drafted_from_action(&answer),
            // It may have made the draft: read it rather than make another.
            (State::FromAction, Some(StepResult::Lost(_))) => self.send_read_draft(),
            (State::ReadingDraft, Some(StepResult::Answered(answer))) => {
                settle(Api::GenesysCloud, &answer).map_err(|end| self.kept(end))?;
                let draft = parse::<ActionAnswer>(&answer.body, "the draft")
                    .map_err(|end| self.kept(end))?;
                self.draft = Some((self.target_id()?, draft.version));
                self.check_unchanged_since_read()?;
                self.send_patch()
            }
            (State::Patching, Some(StepResult::Answered(answer))) => {
                settle(Api::GenesysCloud, &answer).map_err(|end| self.kept(end))?;
                let draft = parse::<ActionAnswer>(&answer.body, "the draft")
                    .map_err(|end| self.kept(end))?;
                self.draft = Some((self.target_id()?, draft.version));
                self.send_validation()
            }
            (State::Drafting, Some(StepResult::Answered(answer))) => {
                settle(Api::GenesysCloud, &answer)?;
                let Ok(action) = parse::<ActionAnswer>(&answer.body, "the draft") else {
                    // A draft was made and its id cannot be read: find it by name.
                    self.made = true;
                    return self.after_lost("the drafts answer (2xx) could not be read".into());
                };
                let id = action.id.filter(|id| !id.is_empty()).ok_or_else(|| {
                    End::Failed("the drafts answer has no id: cannot validate or publish the draft".into())
                })?;
                self.draft = Some((id, action.version));
                self.send_validation()
            }
            (State::Drafting, Some(StepResult::Lost(error))) => self.after_lost(error),
            (State::LookingUp { page }, Some(StepResult::Answered(answer))) => {
                self.looked_up(page, &answer)
            }
            (State::Validating, Some(StepResult::Answered(answer))) => {
                settle(Api::GenesysCloud, &answer).map_err(|end| self.kept(end))?;
                let validation = parse::<Validation>(&answer.body, "the draft validation")
                    .map_err(|end| self.kept(end))?;
                if !validation.valid {
                    return Err(self.kept(End::Rejected(validation_failure(&validation.errors))));
                }
                if self.draft_only {
                    return Ok(Next::Done(End::Drafted));
                }
                self.send_publish()
            }
            (State::Publishing, Some(StepResult::Answered(answer))) => {
                settle(Api::GenesysCloud, &answer).map_err(|end| self.kept(end))?;
                match parse::<ActionAnswer>(&answer.body, "the published action") {
                    Ok(action) => {
                        self.published =
                            Some((action.id.filter(|id| !id.is_empty()), action.version));
                    }
                    Err(_) => {
                        // Published (a 2xx); its version is unknown. The draft's id is the
                        // action's id.
                        tracing::warn!(
                            "the publish answer (2xx) could not be read; the action's version is unknown"
                        );
                        self.published = Some((None, None));
                    }
                }
                Ok(Next::Done(self.published_end()))
            }
            (State::Publishing, Some(StepResult::Lost(error))) => self.send_check(error),
            (State::Checking, Some(StepResult::Answered(answer))) => self.checked(&answer),
            (state, Some(StepResult::SeeOther(to))) => Err(self.kept(End::Failed(format!(
                "the server answered 303 See Other ({}) to the {} request; cxda cannot continue the create from there",
                escape_controls(&to),
                step_name(state)
            )))),
            (state, Some(StepResult::Lost(error))) => Err(self.kept(End::Failed(format!(
                "no answer to the {} request: {error}",
                step_name(state)
            )))),
            (state, last) => Err(End::Failed(format!(
                "internal error: the genesys-cloud create was in state {state:?} and got {}",
                if last.is_some() { "an answer" } else { "none" }
            ))),
        }
    }

    /// The action read after a publish whose answer was lost: published at the draft's
    /// version or later is `Created`; anything else leaves the draft kept.
    fn checked(&mut self, answer: &crate::engine::response::Answer) -> Result<Next, End> {
        // A create is published at the draft's version or later; an update moves the
        // action past the version it was read at.
        let sent = match self.updating.as_ref().and_then(|u| u.expected) {
            Some(before) => before + 1,
            None => self.draft.as_ref().and_then(|(_, v)| *v).unwrap_or(0),
        };
        let action = (200..=299)
            .contains(&answer.status)
            .then(|| parse::<ActionAnswer>(&answer.body, "the action").ok())
            .flatten();
        match action {
            // 404: no published action with that id.
            None if answer.status == 404 => Err(self.kept(End::Failed(format!(
                "{}; the action is not published",
                self.last_lost
            )))),
            Some(action) if action.version.is_some_and(|v| v >= sent) => {
                self.published = Some((action.id.filter(|id| !id.is_empty()), action.version));
                Ok(Next::Done(self.published_end()))
            }
            Some(_) => Err(self.kept(End::Failed(format!(
                "{}; the action is not published at version {sent}",
                self.last_lost
            )))),
            None => Err(self.kept(End::Failed(format!(
                "{}; reading the action back was answered {}, so whether it was published is unknown",
                self.last_lost, answer.status
            )))),
        }
    }

    fn send_draft(&mut self) -> Result<Next, End> {
        self.state = State::Drafting;
        Ok(Next::Send(StepRequest {
            name: "draft",
            method: Method::POST,
            url: self.url(&["drafts"])?,
            body: Some(self.body.clone()),
            // Without a name there is nothing to look up: the executor's rule applies.
            timeout: None,
            on_lost: if self.name.is_empty() {
                OnLost::Executor
            } else {
                OnLost::Plan
            },
            if_match: None,
            settle: Duration::ZERO,
        }))
    }

    /// How a publish ends: the action created, or updated.
    fn published_end(&self) -> End {
        if self.updating.is_some() {
            End::Updated
        } else {
            End::Created
        }
    }

    fn target_id(&self) -> Result<String, End> {
        self.updating
            .as_ref()
            .map(|u| u.id.clone())
            .ok_or_else(|| End::Failed("internal error: not an update".into()))
    }

    /// Update: `POST …/actions/{id}/draft`, a draft from the published action.
    fn send_from_action(&mut self) -> Result<Next, End> {
        self.state = State::FromAction;
        let id = self.target_id()?;
        Ok(Next::Send(StepRequest {
            name: "draft",
            method: Method::POST,
            url: self.url(&[&id, "draft"])?,
            body: None,
            timeout: None,
            on_lost: OnLost::Plan,
            if_match: None,
            settle: Duration::ZERO,
        }))
    }

    /// The answer to the draft from the action: a draft to patch, or (400) one the action
    /// already had, taken over only with `--force`.
    fn drafted_from_action(
        &mut self,
        answer: &crate::engine::response::Answer,
    ) -> Result<Next, End> {
        let force = self.updating.as_ref().is_some_and(|u| u.force);
        if answer.status == 400 && force {
            return self.send_read_draft();
        }
        if let Err(end) = settle(Api::GenesysCloud, answer) {
            let note = if answer.status == 400 {
                " (the action may already have a draft: publish or delete it, or push with --force to overwrite it)"
            } else {
                ""
            };
            return Err(self.amend(end, note));
        }
        let draft = parse::<ActionAnswer>(&answer.body, "the draft")?;
        self.draft = Some((self.target_id()?, draft.version));
        self.check_unchanged_since_read()?;
        self.send_patch()
    }

    /// The draft (made from the action, or found after a lost answer) is at the version
    /// the change was computed against: a draft made from the action starts at the
    /// action's version, so another one means the action changed since it was read (or
    /// the draft found is not ours). Refused, the draft kept, unless `force`.
    fn check_unchanged_since_read(&self) -> Result<(), End> {
        let Some(updating) = &self.updating else {
            return Ok(());
        };
        let draft = self.draft.as_ref().and_then(|(_, v)| *v);
        match (updating.expected, draft) {
            (Some(expected), Some(draft)) if expected != draft && !updating.force => {
                Err(self.kept(End::Rejected(format!(
                    "the action changed on the server since it was read (version {expected}; its draft is at version {draft}): diff and pull it again, or push with --force to overwrite"
                ))))
            }
            _ => Ok(()),
        }
    }

    /// Update: `GET …/actions/{id}/draft`, for its version.
    fn send_read_draft(&mut self) -> Result<Next, End> {
        self.state = State::ReadingDraft;
        let id = self.target_id()?;
        Ok(Next::Send(StepRequest {
            name: "read draft",
            method: Method::GET,
            url: self.url(&[&id, "draft"])?,
            body: None,
            timeout: None,
            on_lost: OnLost::Executor,
            if_match: None,
            settle: self.settle,
        }))
    }

    /// Update: `PATCH …/actions/{id}/draft` with the file's content at the draft's version.
    fn send_patch(&mut self) -> Result<Next, End> {
        self.state = State::Patching;
        let id = self.target_id()?;
        let version = self.draft.as_ref().and_then(|(_, v)| *v).ok_or_else(|| {
            self.kept(End::Failed(
                "the draft's version is unknown (the server's answer had none): cannot change it"
                    .into(),
            ))
        })?;
        let mut patch = self
            .updating
            .as_ref()
            .map(|u| u.patch.clone())
            .unwrap_or_default();
        patch.insert("version".into(), Value::from(version));
        let body = serde_json::to_vec(&Value::Object(patch))
            .map_err(|e| End::Failed(format!("cannot write the draft update: {e}")))?;
        Ok(Next::Send(StepRequest {
            name: "patch",
            method: Method::PATCH,
            url: self.url(&[&id, "draft"])?,
            body: Some(Bytes::from(body)),
            // Sent again after a lost answer, the version makes it a 400, not a second change.
            timeout: None,
            on_lost: OnLost::Executor,
            if_match: None,
            settle: Duration::ZERO,
        }))
    }

    fn send_validation(&mut self) -> Result<Next, End> {
        self.state = State::Validating;
        let id = self.draft_id()?;
        Ok(Next::Send(StepRequest {
            name: "validation",
            method: Method::GET,
            url: self.url(&[&id, "draft", "validation"])?,
            body: None,
            timeout: None,
            on_lost: OnLost::Executor,
            if_match: None,
            settle: Duration::ZERO,
        }))
    }

    fn send_publish(&mut self) -> Result<Next, End> {
        self.state = State::Publishing;
        let id = self.draft_id()?;
        let version = self.draft.as_ref().and_then(|(_, v)| *v).ok_or_else(|| {
            self.kept(End::Failed(
                "the draft's version is unknown (the drafts answer had none): cannot publish it"
                    .into(),
            ))
        })?;
        Ok(Next::Send(StepRequest {
            name: "publish",
            method: Method::POST,
            url: self.url(&[&id, "draft", "publish"])?,
            body: Some(Bytes::from(
                serde_json::json!({ "version": version }).to_string(),
            )),
            // A lost answer is settled by reading the action back, never by a resend.
            timeout: None,
            on_lost: OnLost::Plan,
            if_match: None,
            settle: Duration::ZERO,
        }))
    }

    /// After a publish whose answer was lost: `GET …/actions/{id}`, the published action.
    fn send_check(&mut self, error: String) -> Result<Next, End> {
        self.state = State::Checking;
        self.last_lost = format!("no answer to the publish request: {error}");
        let id = self.draft_id()?;
        Ok(Next::Send(StepRequest {
            name: "check",
            method: Method::GET,
            url: self.url(&[&id])?,
            body: None,
            timeout: None,
            on_lost: OnLost::Executor,
            if_match: None,
            settle: self.settle,
        }))
    }

    fn draft_id(&self) -> Result<String, End> {
        self.draft
            .as_ref()
            .map(|(id, _)| id.clone())
            .ok_or_else(|| End::Failed("internal error: no draft id".into()))
    }

    /// `{api}/api/v2/integrations/actions/{tail…}`, each part of `tail` one path segment
    /// (percent-encoded as needed: an id is server text).
    fn url(&self, tail: &[&str]) -> Result<Url, End> {
        let mut url = self.api_base.clone();
        url.set_query(None);
        url.path_segments_mut()
            .map_err(|()| {
                End::Failed(format!(
                    "the API base URL {} cannot take a path",
                    self.api_base
                ))
            })?
            .pop_if_empty()
            .extend(["api", "v2", "integrations", "actions"])
            .extend(tail);
        Ok(url)
    }

    /// `end` with what happened to the draft made so far (kept on the server).
    fn kept(&self, end: End) -> End {
        match &self.draft {
            Some((id, _)) if self.updating.is_some() => self.amend(
                end,
                &format!(
                    "; the draft of {} is kept: publish or delete it, or push with --force to overwrite it",
                    escape_controls(id)
                ),
            ),
            Some((id, _)) => self.amend(
                end,
                &format!(
                    "; draft {} kept; fix and push again or delete it",
                    escape_controls(id)
                ),
            ),
            None => end,
        }
    }

    /// `end`, reached by the executor (budget, retries, waits, token, redirect, cancel),
    /// with what is known of the draft: kept, or possibly made while looking it up.
    pub(in crate::engine) fn interrupted(&self, end: End) -> End {
        match self.state {
            State::LookingUp { .. } => self.may_exist(end),
            _ => self.kept(end),
        }
    }

    fn amend(&self, end: End, note: &str) -> End {
        match end {
            End::Rejected(text) => End::Rejected(text + note),
            End::Failed(text) => End::Failed(text + note),
            End::Cancelled(text) => End::Cancelled(text + note),
            other => other,
        }
    }
}

fn step_name(state: State) -> &'static str {
    match state {
        State::Start | State::Drafting => "draft",
        State::LookingUp { .. } => "lookup",
        State::Validating => "validation",
        State::Publishing => "publish",
        State::Checking => "check",
        State::FromAction => "draft",
        State::ReadingDraft => "read draft",
        State::Patching => "patch",
        State::Over => "last",
    }
}

/// A 2xx body of the expected shape, else `Failed` naming what was expected.
fn parse<T: serde::de::DeserializeOwned>(body: &[u8], what: &str) -> Result<T, End> {
    serde_json::from_slice(body).map_err(|e| {
        End::Failed(format!(
            "the server's answer with {what} is not what the platform sends: {}",
            bound(&escape_controls(&e.to_string()))
        ))
    })
}

/// `draft validation failed: e1; e2; …`, each error as the platform's `ErrorBody` line.
fn validation_failure(errors: &[Value]) -> String {
    let mut shown: Vec<String> = errors
        .iter()
        .take(MAX_VALIDATION_ERRORS)
        .map(|e| {
            error_body::render_value(e).unwrap_or_else(|| bound(&escape_controls(&e.to_string())))
        })
        .collect();
    if errors.len() > MAX_VALIDATION_ERRORS {
        shown.push(format!(
            "and {} more (all in the record)",
            errors.len() - MAX_VALIDATION_ERRORS
        ));
    }
    if shown.is_empty() {
        shown.push("the server gave no reason".to_string());
    }
    format!("draft validation failed: {}", shown.join("; "))
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_update;
