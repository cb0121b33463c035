//! Operation plans: what an operation sends, request by request, as a value the executor
//! runs (docs/engine.md, Plans).
//!
//! A plan is a small state machine: [`Plan::next`] takes what the last step came back with
//! and answers with the next request to send ([`StepRequest`]) or the end ([`End`]). The
//! executor owns everything a request needs whatever it is (the token and its refresh on a
//! 401, pacing, retries with `Retry-After` or backoff, redirects, the header budget,
//! cancellation) and knows no dialect's paths; each dialect's plan knows its paths and
//! bodies and nothing of the wire. So one executor runs every dialect, and the plans are
//! pure enough to be tested without a server.
//!
//! - one request (this file, [`Single`]): the `cxone-v2` create (`POST
//!   {api}/api/v2/data-actions`) and update (`PUT …/{id}` with `If-Match: "VERSION"`), and
//!   the delete of either dialect (`DELETE` of the action's URL);
//! - `genesys-cloud` create: drafts → validation → publish; update: a draft from the action
//!   → `PATCH` of that draft → validation → publish (`super::genesys`).

use std::time::Duration;

use bytes::Bytes;
use reqwest::{Method, Url};
use serde_json::Value;

use super::genesys;
use super::request::HeaderSpec;
use super::response::{self, Answer};
use crate::config::{Api, Profile};

/// How an operation ended, before it becomes a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum End {
    Created,
    /// Stopped after a valid draft, as asked.
    Drafted,
    Updated,
    Deleted,
    /// A test run whose answer says it succeeded (one that did not is `Failed`).
    Passed,
    Rejected(String),
    Failed(String),
    Cancelled(String),
}

/// What to do with a request that was sent and whose answer was lost (a timeout after
/// sending, a connection that died mid-answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum OnLost {
    /// The executor's rule: retried when the request is safe to repeat (a GET), else only
    /// with `retry_after_timeout`.
    Executor,
    /// Handed back to the plan as [`StepResult::Lost`], which knows how to find out what
    /// happened (the genesys-cloud drafts step looks the draft up by name).
    Plan,
}

/// One request of a plan.
#[derive(Debug, Clone)]
pub(super) struct StepRequest {
    /// `draft`, `validation`, `publish`, `lookup`; `create` for a one-request operation.
    pub name: &'static str,
    pub method: Method,
    pub url: Url,
    pub body: Option<Bytes>,
    pub on_lost: OnLost,
    /// `If-Match`, quoted as sent: the version the change was computed against (an update
    /// the server refuses with 412 once someone else changed the action).
    pub if_match: Option<String>,
    /// A cancellable wait before the first attempt (the server may still be processing an
    /// earlier request whose answer was lost).
    pub settle: Duration,
    /// The longest one attempt may take, when not the profile's `timeout` (a platform test
    /// waits for the action's own call to its target).
    pub timeout: Option<Duration>,
}

impl StepRequest {
    /// The headers' spec of this step on `profile`: an `Idempotency-Key` only on a create
    /// (a `POST`, where the dialect has one), `If-Match` when the step carries it. The
    /// executor and the curl export both build a step's headers from it.
    pub fn header_spec<'a>(
        &'a self,
        profile: &'a Profile,
        correlation_id: &'a str,
    ) -> HeaderSpec<'a> {
        let mut spec = HeaderSpec::of(profile, correlation_id);
        spec.idempotency_key &= self.method == Method::POST;
        spec.if_match = self.if_match.as_deref();
        spec
    }

    /// Whether sending it again cannot change anything on the server.
    pub fn is_safe(&self) -> bool {
        self.method == Method::GET
    }
}

/// What a step came back with, for the plan.
#[derive(Debug)]
pub(super) enum StepResult {
    /// The step's final answer: a 2xx, or a status the executor does not retry (the plan
    /// decides what it means, usually through [`settle`]).
    Answered(Answer),
    /// 303: the server processed the request; the result is at this Location.
    SeeOther(String),
    /// Sent, and the answer was lost ([`OnLost::Plan`] only); the error says how.
    Lost(String),
}

/// The plan's next move.
#[derive(Debug)]
pub(super) enum Next {
    Send(StepRequest),
    Done(End),
}

/// The plan of one operation, per dialect.
#[derive(Debug)]
pub(super) enum Plan {
    Single(Box<Single>),
    Genesys(Box<genesys::Create>),
}

/// What an update changes: the action `id`, as its payload says it should be.
#[derive(Debug, Clone)]
pub(super) struct Target {
    pub id: String,
    /// The version the change was computed against (the server's when it was read):
    /// cxone-v2 sends it as `If-Match`, genesys-cloud checks the draft made from the
    /// action has it.
    pub version: Option<u64>,
    /// genesys-cloud: a draft the action already has is overwritten rather than refused.
    pub force: bool,
}

impl Plan {
    /// The create plan for `payload` on `profile` (whose connection gives `api_base_url`
    /// and `create_url`); `draft` stops a genesys-cloud create after a valid draft. `Err`
    /// ends the submission before anything is sent.
    pub fn create(
        profile: &Profile,
        api_base_url: &Url,
        create_url: &Url,
        payload: Bytes,
        draft: bool,
    ) -> Result<Plan, End> {
        match profile.api {
            Api::CxoneV2 if draft => Err(no_drafts()),
            Api::CxoneV2 => Ok(Plan::Single(Box::new(Single::new(
                Api::CxoneV2,
                StepRequest {
                    name: "create",
                    method: Method::POST,
                    url: create_url.clone(),
                    body: Some(payload),
                    timeout: None,
                    on_lost: OnLost::Executor,
                    if_match: None,
                    settle: Duration::ZERO,
                },
                End::Created,
            )))),
            Api::GenesysCloud => genesys::Create::new(profile, api_base_url, &payload, draft)
                .map(|plan| Plan::Genesys(Box::new(plan))),
        }
    }

    /// The update of `target` to `payload` (its `id` and `version` are not sent: the URL
    /// and `If-Match` carry them); `draft` stops a genesys-cloud update after a valid draft.
    pub fn update(
        profile: &Profile,
        api_base_url: &Url,
        target: &Target,
        payload: &[u8],
        draft: bool,
    ) -> Result<Plan, End> {
        match profile.api {
            Api::CxoneV2 if draft => Err(no_drafts()),
            Api::CxoneV2 => {
                let body = without_id_and_version(payload)?;
                let mut single = Single::new(
                    Api::CxoneV2,
                    StepRequest {
                        name: "update",
                        method: Method::PUT,
                        url: action_url(profile.api, api_base_url, &target.id)?,
                        body: Some(body),
                        // A PUT of the same body is safe to repeat, and If-Match makes a
                        // repeat after a success a 412 rather than a second change.
                        timeout: None,
                        on_lost: OnLost::Executor,
                        if_match: target.version.map(|v| format!("\"{v}\"")),
                        settle: Duration::ZERO,
                    },
                    End::Updated,
                );
                single.remote = (Some(target.id.clone()), None);
                single.read_version = true;
                Ok(Plan::Single(Box::new(single)))
            }
            Api::GenesysCloud => {
                genesys::Create::update(profile, api_base_url, payload, target, draft)
                    .map(|plan| Plan::Genesys(Box::new(plan)))
            }
        }
    }

    /// The delete of the action `id`: one `DELETE` on either dialect. `version` (the one
    /// the user saw) goes as cxone-v2's `If-Match`, so an action changed since is not
    /// deleted (412); genesys-cloud has no such guard.
    pub fn delete(
        profile: &Profile,
        api_base_url: &Url,
        id: &str,
        version: Option<u64>,
    ) -> Result<Plan, End> {
        let if_match = match profile.api {
            Api::CxoneV2 => version.map(|v| format!("\"{v}\"")),
            Api::GenesysCloud => None,
        };
        let mut single = Single::new(
            profile.api,
            StepRequest {
                name: "delete",
                method: Method::DELETE,
                url: action_url(profile.api, api_base_url, id)?,
                body: None,
                // Not repeated after a lost answer unless `retry_after_timeout`: a repeat
                // would be a 404 that hides whether the first one worked.
                timeout: None,
                on_lost: OnLost::Executor,
                if_match,
                settle: Duration::ZERO,
            },
            End::Deleted,
        );
        single.remote = (Some(id.to_string()), None);
        Ok(Plan::Single(Box::new(single)))
    }

    /// The platform test of the action `id` (its draft when `draft`) with `input`: one
    /// `POST …/{id}/test` or `…/{id}/draft/test`. Its answer, a `TestExecutionResult`, ends
    /// it `Passed` when it says `success`, else `Failed` with its error's message.
    ///
    /// The request may take the action's own timeout plus [`TEST_MARGIN`] (the platform
    /// calls the target meanwhile), the profile's `timeout` at the least.
    pub fn test(
        profile: &Profile,
        api_base_url: &Url,
        id: &str,
        draft: bool,
        input: &Value,
        action_timeout: Duration,
    ) -> Result<Plan, End> {
        let mut url = action_url(profile.api, api_base_url, id)?;
        if let Ok(mut segments) = url.path_segments_mut() {
            if draft {
                segments.push("draft");
            }
            segments.push("test");
        }
        let body = serde_json::to_vec(input)
            .map(Bytes::from)
            .map_err(|e| End::Failed(format!("cannot write the request body: {e}")))?;
        let mut single = Single::new(
            profile.api,
            StepRequest {
                name: "test",
                method: Method::POST,
                url,
                body: Some(body),
                // A test may call the target again; a lost answer is not repeated.
                timeout: Some((action_timeout + TEST_MARGIN).max(profile.timeout)),
                on_lost: OnLost::Executor,
                if_match: None,
                settle: Duration::ZERO,
            },
            End::Passed,
        );
        single.remote = (Some(id.to_string()), None);
        single.judges_test = true;
        Ok(Plan::Single(Box::new(single)))
    }

    /// Whether each request is announced as a step (`ExecEvent::StepStarted`) and recorded
    /// in `steps`: not for an operation of one request, whose record stays as it was.
    pub fn has_steps(&self) -> bool {
        matches!(self, Plan::Genesys(_))
    }

    pub fn next(&mut self, last: Option<StepResult>) -> Next {
        match self {
            Plan::Single(plan) => plan.next(last),
            Plan::Genesys(plan) => plan.next(last),
        }
    }

    /// `end`, reached by the executor after the plan's last step began (a budget over, no
    /// retries left, a wait over `max_wait`, a failed token refresh, a refused redirect, a
    /// cancel), with what the plan knows of what the server kept.
    pub fn interrupted(&self, end: End) -> End {
        match self {
            Plan::Single(_) => end,
            Plan::Genesys(plan) => plan.interrupted(end),
        }
    }

    /// The server's id of the action and its version, once known.
    pub fn remote(&self) -> (Option<String>, Option<u64>) {
        match self {
            Plan::Single(plan) => plan.remote.clone(),
            Plan::Genesys(plan) => plan.remote(),
        }
    }
}

fn no_drafts() -> End {
    End::Rejected(
        "a draft was asked for, but the cxone-v2 dialect has no drafts (use a genesys-cloud profile)"
            .to_string(),
    )
}

fn action_url(api: Api, api_base_url: &Url, id: &str) -> Result<Url, End> {
    api.action_url(api_base_url, id).ok_or_else(|| {
        End::Failed(format!(
            "the API base URL {api_base_url} cannot take a path"
        ))
    })
}

/// `payload` without its top-level `id` and `version` (written by a pull, carried by the
/// URL and `If-Match` instead); its own bytes when it has neither or is not an object.
pub(super) fn without_id_and_version(payload: &[u8]) -> Result<Bytes, End> {
    let Ok(Value::Object(mut object)) = serde_json::from_slice::<Value>(payload) else {
        return Ok(Bytes::copy_from_slice(payload));
    };
    let had_id = object.remove("id").is_some();
    if !(object.remove("version").is_some() || had_id) {
        return Ok(Bytes::copy_from_slice(payload));
    }
    serde_json::to_vec(&Value::Object(object))
        .map(Bytes::from)
        .map_err(|e| End::Failed(format!("cannot write the request body: {e}")))
}

/// The bytes the first request of `profile`'s create carries for `payload` (the header
/// preview sizes `Content-Length` with them).
pub(super) fn first_body_len(profile: &Profile, payload: &str) -> usize {
    match profile.api {
        Api::CxoneV2 => payload.len(),
        Api::GenesysCloud => genesys::draft_body(payload.as_bytes(), profile)
            .map_or(payload.len(), |body| body.len()),
    }
}

/// A final answer that is not a 2xx as the end it means: a 4xx is the server's refusal
/// (`Rejected`, its reason in the dialect's error shape), anything else a failure.
pub(super) fn settle(api: Api, answer: &Answer) -> Result<(), End> {
    let status = answer.status;
    match status {
        200..=299 => Ok(()),
        400..=499 => Err(End::Rejected(response::reason_for(
            api,
            status,
            &answer.body,
        ))),
        _ => Err(End::Failed(format!(
            "the server answered {status}: {}",
            response::reason_for(api, status, &answer.body)
        ))),
    }
}

/// What a platform test may take beyond the action's own timeout: the platform's work
/// around the call to the target.
pub(super) const TEST_MARGIN: Duration = Duration::from_secs(15);

/// How a platform test ended, from its `TestExecutionResult`.
fn test_end(body: &[u8]) -> End {
    let Ok(result) = serde_json::from_slice::<Value>(body) else {
        return End::Failed("the test's answer is not JSON".to_string());
    };
    if result.get("success").and_then(Value::as_bool) == Some(true) {
        return End::Passed;
    }
    let message = result
        .pointer("/error/message")
        .and_then(Value::as_str)
        .unwrap_or("the test did not succeed");
    End::Failed(crate::text::escape_controls(message).into_owned())
}

/// An operation of one request: 2xx is `done`; a 4xx or 5xx ends it through [`settle`].
#[derive(Debug)]
pub(super) struct Single {
    step: StepRequest,
    done: End,
    sent: bool,
    remote: (Option<String>, Option<u64>),
    /// The answer's `version` is the action's new version (an update).
    read_version: bool,
    /// Whose error shape a refusal is read in.
    api: Api,
    /// The answer is a `TestExecutionResult`, whose `success` decides the end.
    judges_test: bool,
}

impl Single {
    fn new(api: Api, step: StepRequest, done: End) -> Single {
        Single {
            step,
            done,
            sent: false,
            remote: (None, None),
            read_version: false,
            api,
            judges_test: false,
        }
    }

    fn next(&mut self, last: Option<StepResult>) -> Next {
        match last {
            None if !self.sent => {
                self.sent = true;
                Next::Send(self.step.clone())
            }
            None => Next::Done(End::Failed(format!(
                "the {} request was already sent",
                self.step.name
            ))),
            Some(StepResult::Answered(answer)) => Next::Done(match settle(self.api, &answer) {
                Ok(()) => {
                    if self.read_version {
                        self.remote.1 = serde_json::from_slice::<Value>(&answer.body)
                            .ok()
                            .and_then(|v| v.get("version").and_then(Value::as_u64));
                    }
                    if self.judges_test {
                        return Next::Done(test_end(&answer.body));
                    }
                    self.done.clone()
                }
                Err(end) => end,
            }),
            Some(StepResult::SeeOther(_)) => Next::Done(self.done.clone()),
            Some(StepResult::Lost(error)) => Next::Done(End::Failed(error)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Answer {
        Answer::of(status, Bytes::from(body.to_string()))
    }

    fn cxone() -> Plan {
        let url = Url::parse("http://127.0.0.1:1/api/v2/data-actions").expect("url");
        let base = Url::parse("http://127.0.0.1:1/").expect("url");
        Plan::create(
            &Profile::sandbox(),
            &base,
            &url,
            Bytes::from_static(b"{}"),
            false,
        )
        .expect("a plan")
    }

    #[test]
    fn the_cxone_create_is_one_post_and_no_steps() {
        let mut plan = cxone();
        assert!(!plan.has_steps());
        let Next::Send(step) = plan.next(None) else {
            panic!("a request first");
        };
        assert_eq!((step.name, step.method), ("create", Method::POST));
        assert_eq!(step.on_lost, OnLost::Executor);
        let end = plan.next(Some(StepResult::Answered(answer(201, "{}"))));
        assert!(matches!(end, Next::Done(End::Created)), "{end:?}");
        assert_eq!(plan.remote(), (None, None));
    }

    #[test]
    fn a_cxone_4xx_is_rejected_and_a_5xx_failed() {
        let mut plan = cxone();
        plan.next(None);
        let end = plan.next(Some(StepResult::Answered(answer(
            409,
            r#"{"detail":"taken"}"#,
        ))));
        assert!(
            matches!(end, Next::Done(End::Rejected(ref r)) if r == "taken"),
            "{end:?}"
        );
        let mut plan = cxone();
        plan.next(None);
        let end = plan.next(Some(StepResult::Answered(answer(500, ""))));
        assert!(
            matches!(end, Next::Done(End::Failed(ref r)) if r.starts_with("the server answered 500")),
            "{end:?}"
        );
    }

    fn base() -> Url {
        Url::parse("http://127.0.0.1:1/").expect("url")
    }

    #[test]
    fn the_cxone_update_is_a_put_with_if_match_and_reads_the_new_version() {
        let target = Target {
            id: "da_1".into(),
            version: Some(3),
            force: false,
        };
        let payload = br#"{"name":"N","id":"da_1","version":3,"type":"REST"}"#;
        let mut plan =
            Plan::update(&Profile::sandbox(), &base(), &target, payload, false).expect("plan");
        let Next::Send(step) = plan.next(None) else {
            panic!("a request first");
        };
        assert_eq!((step.name, step.method.clone()), ("update", Method::PUT));
        assert_eq!(
            step.url.as_str(),
            "http://127.0.0.1:1/api/v2/data-actions/da_1"
        );
        assert_eq!(step.if_match.as_deref(), Some("\"3\""));
        let body: Value = serde_json::from_slice(&step.body.expect("body")).expect("json");
        assert_eq!(body, serde_json::json!({"name": "N", "type": "REST"}));
        let end = plan.next(Some(StepResult::Answered(answer(
            200,
            r#"{"id":"da_1","version":4}"#,
        ))));
        assert!(matches!(end, Next::Done(End::Updated)), "{end:?}");
        assert_eq!(plan.remote(), (Some("da_1".into()), Some(4)));
    }

    #[test]
    fn a_stale_update_is_rejected_with_the_servers_reason() {
        let target = Target {
            id: "da_1".into(),
            version: Some(3),
            force: false,
        };
        let mut plan =
            Plan::update(&Profile::sandbox(), &base(), &target, b"{}", false).expect("plan");
        plan.next(None);
        let end = plan.next(Some(StepResult::Answered(answer(
            412,
            r#"{"detail":"version 3 is not the current version 4"}"#,
        ))));
        assert!(
            matches!(end, Next::Done(End::Rejected(ref r)) if r.contains("current version 4")),
            "{end:?}"
        );
    }

    #[test]
    fn a_delete_is_one_delete_of_the_actions_url_on_either_dialect() {
        for (profile, url) in [
            (
                Profile::sandbox(),
                "http://127.0.0.1:1/api/v2/data-actions/a%2Fb",
            ),
            (
                Profile::sandbox_genesys(),
                "http://127.0.0.1:1/api/v2/integrations/actions/a%2Fb",
            ),
        ] {
            let mut plan = Plan::delete(&profile, &base(), "a/b", None).expect("plan");
            let Next::Send(step) = plan.next(None) else {
                panic!("a request first");
            };
            assert_eq!(
                (step.method.clone(), step.url.as_str()),
                (Method::DELETE, url)
            );
            assert_eq!(step.body, None);
            let end = plan.next(Some(StepResult::Answered(answer(204, ""))));
            assert!(matches!(end, Next::Done(End::Deleted)), "{end:?}");
            assert_eq!(plan.remote(), (Some("a/b".into()), None));
        }
    }

    #[test]
    fn a_draft_on_cxone_is_refused_before_sending() {
        let url = Url::parse("http://127.0.0.1:1/api/v2/data-actions").expect("url");
        let refused = Plan::create(&Profile::sandbox(), &url, &url, Bytes::new(), true);
        assert!(matches!(refused, Err(End::Rejected(ref r)) if r.contains("no drafts")));
    }

    #[test]
    fn a_platform_test_posts_the_input_to_the_action_or_its_draft_and_reads_success() {
        let profile = Profile::sandbox_genesys();
        let input = serde_json::json!({"phoneNumber": "+1"});
        for (draft, url) in [
            (
                false,
                "http://127.0.0.1:1/api/v2/integrations/actions/a1/test",
            ),
            (
                true,
                "http://127.0.0.1:1/api/v2/integrations/actions/a1/draft/test",
            ),
        ] {
            let mut plan = Plan::test(
                &profile,
                &base(),
                "a1",
                draft,
                &input,
                Duration::from_secs(60),
            )
            .expect("plan");
            let Next::Send(step) = plan.next(None) else {
                panic!("a request first");
            };
            assert_eq!(
                (step.method.clone(), step.url.as_str()),
                (Method::POST, url)
            );
            assert_eq!(
                step.body.as_deref(),
                Some(br#"{"phoneNumber":"+1"}"#.as_slice())
            );
            let end = plan.next(Some(StepResult::Answered(answer(
                200,
                r#"{"operations": [], "success": true, "finalResult": {}}"#,
            ))));
            assert!(matches!(end, Next::Done(End::Passed)), "{end:?}");
        }
        let mut plan =
            Plan::test(&profile, &base(), "a1", false, &input, Duration::ZERO).expect("plan");
        plan.next(None);
        let end = plan.next(Some(StepResult::Answered(answer(
            200,
            r#"{"success": false, "error": {"message": "the target answered 404\u001b[2J"}}"#,
        ))));
        assert!(
            matches!(end, Next::Done(End::Failed(ref m)) if m == "the target answered 404\\u{1b}[2J"),
            "{end:?}"
        );
        let mut plan =
            Plan::test(&profile, &base(), "gone", false, &input, Duration::ZERO).expect("plan");
        plan.next(None);
        let end = plan.next(Some(StepResult::Answered(answer(
            404,
            r#"{"message": "not found"}"#,
        ))));
        assert!(matches!(end, Next::Done(End::Rejected(_))), "{end:?}");
    }
}
