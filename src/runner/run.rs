//! One run of an action, step by step as the platform's test does, with the sending left to
//! the caller so this stays pure (the engine sends with its client and rules, the sandbox
//! with its own):
//!
//! ```text
//! Run::start ──(input checked)──▶ Run::prepare ──▶ Prepared ──caller sends──▶ Run::finish
//!   1 Validate input against schema   2 Resolve request URL template   5 Execute request
//!                                     3 Resolve request headers        6 Resolve translation map
//!                                     4 Resolve request body template  7 Resolve success template
//!                                                                      8 Validate output against schema
//! ```
//!
//! A `cxone-v2` run has steps 2 to 5 (its placeholders filled), and its result is the
//! target's answer. A step that fails ends the run; the report says which and why. What a
//! report shows of the request has every secret (a `--var` value, a `secure` action's
//! input) replaced by `[redacted]`; only [`Prepared`]'s own fields hold them in clear.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Map, Value, json};

use super::action::{Located, RunnableAction};
use super::contract::{self, ContractError};
use super::placeholders::{self, Place, Values};
use super::report::{RunReport, StepError, names};
use super::template::{self, Context, Rendered, TemplateError, Variable};
use super::translate;
use crate::dialect::Api;
use crate::payload::is_secret_header_name;
use crate::text::escape_controls;

/// The shortest secret taken out of a whole report by its text (a shorter one would take
/// out unrelated text too).
const MIN_SCRUBBED_CHARS: usize = 3;

/// How many characters of a body that is not JSON a message quotes.
const QUOTED_CHARS: usize = 60;

/// The request a run sends, in clear (secrets included: never shown, never recorded).
#[derive(Clone)]
pub struct Prepared {
    pub method: String,
    pub url: String,
    /// The URL with its secrets `[redacted]`.
    pub url_shown: String,
    pub headers: Vec<PreparedHeader>,
    /// `None` for a method without a body (GET, DELETE, HEAD).
    pub body: Option<String>,
    pub body_shown: Option<String>,
    /// The body holds a secret: not sent again to another origin on a redirect.
    pub body_secret: bool,
    pub timeout: Duration,
    /// Every secret as it was sent (each value, and each encoding of it a template
    /// wrote) of three characters or more, to take out of any text about the request (see
    /// [`Prepared::hide`]; a shorter one would take out unrelated text).
    pub secrets: Vec<String>,
}

/// Only what may be shown: the values as sent hold secrets.
impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prepared")
            .field("method", &self.method)
            .field("url", &self.url_shown)
            .field("headers", &self.headers)
            .field("body", &self.body_shown)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for PreparedHeader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.name, self.shown)
    }
}

impl std::fmt::Debug for Run<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Run")
            .field("action", &self.action.name)
            .field("report", &self.report)
            .finish_non_exhaustive()
    }
}

impl Prepared {
    /// `text` (an error, a Location) with every secret as sent and the URL as sent
    /// replaced by their shown forms.
    pub fn hide(&self, text: &str) -> String {
        let text = if self.url == self.url_shown {
            text.to_string()
        } else {
            text.replace(self.url.trim(), &self.url_shown)
        };
        super::report::redact_text(&text, &self.secrets)
    }
}

/// One header of a [`Prepared`] request.
#[derive(Clone)]
pub struct PreparedHeader {
    pub name: String,
    pub value: String,
    /// The value with its secrets `[redacted]`.
    pub shown: String,
    /// The value holds a secret, or the name is a credential header or looks secret: not
    /// carried to another origin on a redirect.
    pub secret: bool,
}

/// What the target answered.
#[derive(Debug, Clone)]
pub struct TargetAnswer {
    pub status: u16,
    pub body: Vec<u8>,
    /// The body was longer than the engine reads and was cut.
    pub cut: bool,
}

/// Why the request got no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendFailure {
    Timeout(String),
    /// The target could not be reached (connection, TLS, a body that broke off).
    Unreachable(String),
    /// Not sent, or not followed: the transport or redirect rules refused it.
    Refused(String),
    Cancelled,
}

/// A run in progress.
pub struct Run<'a> {
    action: &'a RunnableAction,
    /// The payload's text, to place a template error at its line and column.
    payload_text: Option<&'a str>,
    ctx: Context,
    report: RunReport,
    /// Secrets as sent (see [`Prepared::secrets`]), taken out of the report at the end.
    secrets: Vec<String>,
    /// A `${credentials.X}` without a `--var X` fails its step (rather than print as
    /// written, as Velocity does, and meet a 401).
    requires_credentials: bool,
}

/// Checks an input against the action's input contract; what `cxda test` does before
/// anything else, sending nothing when it fails. An input must be a JSON object.
pub fn check_input(action: &RunnableAction, input: &Value) -> Result<(), Vec<ContractError>> {
    match &action.input_schema {
        Some(schema) => contract::validate_input(input, schema),
        None if input.is_object() => Ok(()),
        None => contract::validate_input(input, &json!({"type": "object"})),
    }
}

/// Every problem's message, on one line.
pub fn messages(errors: &[ContractError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl<'a> Run<'a> {
    /// Starts a run of `action` with `input` (an object) and `vars` (`${credentials.X}`,
    /// cxone-v2 placeholders): its first step checks the input against the input contract.
    pub fn start(
        action: &'a RunnableAction,
        input: Value,
        vars: BTreeMap<String, String>,
    ) -> Run<'a> {
        let mut report = RunReport::default();
        let checked = check_input(action, &input);
        let input = match input {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        if action.api == Api::GenesysCloud || checked.is_err() {
            match checked {
                Ok(()) => report.passed(
                    names::VALIDATE_INPUT,
                    json!("the input matches the input contract"),
                ),
                Err(errors) => report.failed(
                    names::VALIDATE_INPUT,
                    StepError::new("invalid.value", 400, messages(&errors)),
                ),
            }
        }
        let mut secrets: Vec<String> = vars.values().flat_map(|v| template::encodings(v)).collect();
        if action.secure {
            secrets.extend(
                input
                    .values()
                    .filter(|v| !v.is_null())
                    .flat_map(|v| template::encodings(&value_text(v))),
            );
        }
        Run {
            action,
            payload_text: None,
            ctx: Context {
                input,
                credentials: vars,
                secure_input: action.secure,
                ..Context::default()
            },
            report,
            secrets,
            requires_credentials: false,
        }
    }

    /// Fails a step whose template names a credential that has no value, naming the
    /// `--var` to give: what `cxda test` wants. The sandbox leaves such references as
    /// written, as the platform would for an integration without that credential.
    pub fn requiring_credentials(mut self) -> Run<'a> {
        self.requires_credentials = true;
        self
    }

    /// Places template errors in this payload text (line and column in the file).
    pub fn with_payload_text(mut self, text: &'a str) -> Run<'a> {
        self.payload_text = Some(text);
        self
    }

    /// The report so far.
    pub fn report(&self) -> &RunReport {
        &self.report
    }

    /// Resolves the request (steps 2 to 4): `None` when a step failed (the report says
    /// which), else the request to send.
    pub fn prepare(&mut self) -> Option<Prepared> {
        if self.report.has_failed() {
            return None;
        }
        match self.action.api {
            Api::GenesysCloud => self.prepare_templates(),
            Api::CxoneV2 => self.prepare_placeholders(),
        }
    }

    fn render(&mut self, located: &Located) -> Result<Rendered, StepError> {
        let parsed =
            template::parse(&located.text).map_err(|e| self.template_error(located, &e))?;
        if self.requires_credentials {
            // A quiet reference (`$!{credentials.x}`) prints nothing when undefined: the
            // author made it optional.
            let missing = parsed
                .references()
                .into_iter()
                .find_map(|r| match r.variable {
                    Variable::Credential(name)
                        if !r.quiet && !self.ctx.credentials.contains_key(&name) =>
                    {
                        Some(name)
                    }
                    _ => None,
                });
            if let Some(name) = missing {
                return Err(StepError::new(
                    "invalid.substitution",
                    500,
                    format!(
                        "{}: ${{credentials.{}}} has no value: give --var {}=VALUE",
                        escape_controls(&located.pointer),
                        escape_controls(&name),
                        escape_controls(&name)
                    ),
                ));
            }
        }
        let rendered = parsed
            .render(&self.ctx)
            .map_err(|e| self.template_error(located, &e))?;
        for range in &rendered.secrets {
            let secret = rendered.text[range.clone()].to_string();
            if !self.secrets.contains(&secret) {
                self.secrets.push(secret);
            }
        }
        Ok(rendered)
    }

    fn template_error(&self, located: &Located, error: &TemplateError) -> StepError {
        let place = self
            .payload_text
            .filter(|_| !located.pointer.is_empty())
            .and_then(|text| crate::payload::string_place(text, &located.pointer, error.offset))
            .map(|(line, col)| format!("{line}:{col}: "))
            .unwrap_or_default();
        let (line, col) = error.line_col(&located.text);
        let pointer = if located.pointer.is_empty() {
            "the default template".to_string()
        } else {
            escape_controls(&located.pointer).into_owned()
        };
        StepError::new(
            "invalid.substitution",
            500,
            format!("{place}{pointer} (template {line}:{col}): {error}"),
        )
    }

    fn prepare_templates(&mut self) -> Option<Prepared> {
        let action = self.action;
        let url = match self.render(&action.url) {
            Ok(url) => url,
            Err(e) => return self.fail(names::RESOLVE_URL, e),
        };
        self.report
            .passed(names::RESOLVE_URL, json!(url.redacted()));
        let mut headers = Vec::with_capacity(action.headers.len());
        for (name, located) in &action.headers {
            let value = match self.render(located) {
                Ok(value) => value,
                Err(e) => return self.fail(names::RESOLVE_HEADERS, e),
            };
            if value.text.chars().any(char::is_control) {
                let e = StepError::new(
                    "invalid.substitution",
                    500,
                    format!(
                        "header {}: the value holds a control character, which a header cannot carry",
                        escape_controls(name)
                    ),
                );
                return self.fail(names::RESOLVE_HEADERS, e);
            }
            let literal_secret = value.secrets.is_empty() && is_secret_header_name(name);
            if literal_secret && !self.secrets.contains(&value.text) {
                // A secret written into the file itself (the checks warn about it) is
                // still a secret: shown and kept `[redacted]`.
                self.secrets.push(value.text.clone());
            }
            headers.push(PreparedHeader {
                name: name.clone(),
                shown: if literal_secret {
                    "[redacted]".to_string()
                } else {
                    value.redacted()
                },
                secret: !value.secrets.is_empty() || carries_secret(name),
                value: value.text,
            });
        }
        self.report
            .passed(names::RESOLVE_HEADERS, shown_headers(&headers));
        let body = match action.body.as_ref().map(|b| self.render(b)).transpose() {
            Ok(body) => body,
            Err(e) => return self.fail(names::RESOLVE_BODY, e),
        };
        let sends_body = method_has_body(&action.method);
        let shown = body.as_ref().map(Rendered::redacted);
        self.report.passed(
            names::RESOLVE_BODY,
            match (&shown, sends_body) {
                (Some(text), true) => json!(text),
                (_, _) => json!(format!("not sent: a {} request has no body", action.method)),
            },
        );
        let body = body.filter(|_| sends_body);
        if body.is_some() {
            with_json_content_type(&mut headers);
        }
        Some(Prepared {
            method: action.method.clone(),
            url: url.text.clone(),
            url_shown: url.redacted(),
            headers,
            body_shown: shown.filter(|_| sends_body),
            body_secret: body.as_ref().is_some_and(|b| !b.secrets.is_empty()),
            body: body.map(|b| b.text),
            timeout: action.timeout,
            secrets: self.scrubbed_secrets(),
        })
    }

    fn prepare_placeholders(&mut self) -> Option<Prepared> {
        let action = self.action;
        let values = Values {
            vars: &self.ctx.credentials,
            input: &self.ctx.input,
        };
        let placeholder_error = |e: placeholders::PlaceholderError| {
            StepError::new("invalid.substitution", 500, e.to_string())
        };
        let url =
            match placeholders::fill(&action.url.text, values, Place::Url, &action.url.pointer) {
                Ok(url) => url,
                Err(e) => return self.fail(names::RESOLVE_URL, placeholder_error(e)),
            };
        self.report.passed(names::RESOLVE_URL, json!(url.shown));
        let mut headers = Vec::with_capacity(action.headers.len());
        for (name, located) in &action.headers {
            match placeholders::fill(&located.text, values, Place::Header, &located.pointer) {
                Ok(value) => {
                    let literal_secret = value.shown == value.text && is_secret_header_name(name);
                    if literal_secret && !self.secrets.contains(&value.text) {
                        self.secrets.push(value.text.clone());
                    }
                    headers.push(PreparedHeader {
                        name: name.clone(),
                        secret: value.shown != value.text || carries_secret(name),
                        shown: if literal_secret {
                            "[redacted]".to_string()
                        } else {
                            value.shown
                        },
                        value: value.text,
                    });
                }
                Err(e) => return self.fail(names::RESOLVE_HEADERS, placeholder_error(e)),
            }
        }
        self.report
            .passed(names::RESOLVE_HEADERS, shown_headers(&headers));
        let sends_body = method_has_body(&action.method);
        let body = match &action.body_json {
            Some(body) if sends_body => {
                match placeholders::fill_body(body, values, "/configuration/body") {
                    Ok((sent, shown)) => Some((sent.to_string(), shown.to_string())),
                    Err(e) => return self.fail(names::RESOLVE_BODY, placeholder_error(e)),
                }
            }
            _ => None,
        };
        self.report.passed(
            names::RESOLVE_BODY,
            match (&body, &action.body_json) {
                (Some((_, shown)), _) => json!(shown),
                (None, Some(_)) => {
                    json!(format!("not sent: a {} request has no body", action.method))
                }
                (None, None) => json!("no body"),
            },
        );
        if body.is_some() {
            with_json_content_type(&mut headers);
        }
        let body_secret = body.as_ref().is_some_and(|(sent, shown)| sent != shown);
        let (body, body_shown) = body.unzip();
        Some(Prepared {
            method: action.method.clone(),
            url: url.text,
            url_shown: url.shown,
            headers,
            body,
            body_shown,
            body_secret,
            timeout: action.timeout,
            secrets: self.scrubbed_secrets(),
        })
    }

    /// `text` with this run's secrets out, before a part of it is quoted.
    fn redacted(&self, text: &str) -> String {
        super::report::redact_text(text, &self.scrubbed_secrets())
    }

    /// The secrets long enough to take out of any text by their text alone.
    fn scrubbed_secrets(&self) -> Vec<String> {
        self.secrets
            .iter()
            .filter(|s| s.chars().count() >= MIN_SCRUBBED_CHARS)
            .cloned()
            .collect()
    }

    fn fail(&mut self, step: &str, error: StepError) -> Option<Prepared> {
        self.report.failed(step, error);
        None
    }

    /// Ends the run with what the request came back with (steps 5 to 8). Every secret of
    /// three characters or more is then taken out of the whole report, wherever it shows
    /// (a target that echoes its request); shorter ones are redacted where a template put
    /// them only.
    pub fn finish(self, sent: Result<TargetAnswer, SendFailure>) -> RunReport {
        let secrets = self.scrubbed_secrets();
        let mut report = self.run_to_the_end(sent);
        report.redact(&secrets);
        report
    }

    fn run_to_the_end(mut self, sent: Result<TargetAnswer, SendFailure>) -> RunReport {
        if self.report.has_failed() {
            return self.report;
        }
        let answer = match sent {
            Ok(answer) => answer,
            Err(failure) => {
                let error = match failure {
                    SendFailure::Timeout(m) => StepError::new("request.timeout", 408, m),
                    SendFailure::Unreachable(m) => StepError::new("service.unavailable", 503, m),
                    SendFailure::Refused(m) => StepError::new("request.refused", 400, m),
                    SendFailure::Cancelled => {
                        StepError::new("cancelled", 499, "cancelled before the target answered")
                    }
                };
                self.report.failed(names::EXECUTE, error);
                return self.report;
            }
        };
        let raw = String::from_utf8_lossy(&answer.body).into_owned();
        // The answer is parsed once: translated (genesys-cloud) before its parsed form
        // moves into the step's result.
        let parsed = serde_json::from_str::<Value>(&raw);
        let answered = !answer.cut && (200..300).contains(&answer.status);
        let translation = (answered && self.action.api == Api::GenesysCloud).then(|| {
            translate::translate_parsed(
                &raw,
                parsed.as_ref(),
                &self.action.translation_map,
                &self.action.translation_defaults,
            )
        });
        let body_value = parsed.unwrap_or_else(|_| Value::String(raw.clone()));
        let final_cxone = (answered && self.action.api == Api::CxoneV2).then(|| body_value.clone());
        let shown = Value::Object(Map::from_iter([
            ("status".to_string(), json!(answer.status)),
            ("body".to_string(), body_value),
        ]));
        if answer.cut {
            let e = StepError::new(
                "response.too.large",
                502,
                format!(
                    "the answer is larger than {} MiB, the most cxda reads",
                    crate::engine::MAX_RESPONSE_BYTES / (1024 * 1024)
                ),
            );
            self.report.failed_with(names::EXECUTE, shown, e);
            return self.report;
        }
        if !(200..300).contains(&answer.status) {
            let e = StepError::new(
                "target.status",
                answer.status,
                format!(
                    "the target answered {}: {}",
                    answer.status,
                    quoted_start(&self.redacted(&raw))
                ),
            );
            self.report.failed_with(names::EXECUTE, shown, e);
            return self.report;
        }
        self.report.passed(names::EXECUTE, shown);
        match (translation, final_cxone) {
            (Some(translation), _) => self.respond(raw, translation),
            (None, final_result) => {
                self.report.final_result = final_result;
                self.report.success = true;
                self.report
            }
        }
    }

    fn respond(
        mut self,
        raw: String,
        translation: Result<translate::Translation, translate::TranslateError>,
    ) -> RunReport {
        let action = self.action;
        let translation = match translation {
            Ok(t) => t,
            Err(e) => {
                // Its quote of the answer is taken again from the answer with its
                // secrets out: a cut could leave part of one that the whole-report
                // scrub would not recognise.
                let e = match e {
                    translate::TranslateError::NotJson { reason, .. } => {
                        translate::TranslateError::NotJson {
                            reason,
                            start: translate::quoted_start(&self.redacted(&raw)),
                        }
                    }
                    other => other,
                };
                let e = StepError::new("invalid.translation", 500, e.to_string());
                self.report.failed(names::TRANSLATE, e);
                return self.report;
            }
        };
        let values = translation.values();
        self.report
            .passed(names::TRANSLATE, Value::Object(values.clone()));
        self.ctx.raw_result = Some(raw);
        self.ctx.translated = values;
        let Some(success) = action.success_template.as_ref() else {
            return self.report;
        };
        let rendered = match self.render(success) {
            Ok(r) => r,
            Err(e) => {
                self.report.failed(names::SUCCESS_TEMPLATE, e);
                return self.report;
            }
        };
        let result = match serde_json::from_str::<Value>(&rendered.text) {
            Ok(v) => v,
            Err(e) => {
                let e = StepError::new(
                    "invalid.result",
                    500,
                    format!(
                        "the success template did not give JSON ({e}); it gave {}",
                        quoted_start(&self.redacted(&rendered.redacted()))
                    ),
                );
                self.report.failed(names::SUCCESS_TEMPLATE, e);
                return self.report;
            }
        };
        let shown = if rendered.secrets.is_empty() {
            result.clone()
        } else {
            let redacted = rendered.redacted();
            serde_json::from_str(&redacted).unwrap_or(Value::String(redacted))
        };
        self.report.passed(names::SUCCESS_TEMPLATE, shown.clone());
        if let Some(schema) = &action.success_schema
            && let Err(errors) = contract::validate_output(&result, schema)
        {
            let e = StepError::new("invalid.result", 500, messages(&errors));
            self.report.failed(names::VALIDATE_OUTPUT, e);
            return self.report;
        }
        if action.success_schema.is_some() {
            self.report.passed(
                names::VALIDATE_OUTPUT,
                json!("the result matches the output contract"),
            );
        }
        self.report.final_result = Some(shown);
        self.report.success = true;
        self.report
    }
}

/// Whether a header of this name holds a secret whatever its value: a credential header,
/// or a secret-looking name (`X-Api-Key`, `*token*`, …).
fn carries_secret(name: &str) -> bool {
    crate::audit::is_credential_header(name) || is_secret_header_name(name)
}

/// A value as a template prints it: a string as it is, anything else as JSON.
pub(crate) fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn shown_headers(headers: &[PreparedHeader]) -> Value {
    Value::Object(
        headers
            .iter()
            .map(|h| (h.name.clone(), Value::String(h.shown.clone())))
            .collect(),
    )
}

/// Adds `Content-Type: application/json` to a request with a body whose action sets none
/// (the platform's default).
fn with_json_content_type(headers: &mut Vec<PreparedHeader>) {
    if headers
        .iter()
        .any(|h| h.name.eq_ignore_ascii_case("content-type"))
    {
        return;
    }
    headers.push(PreparedHeader {
        name: "Content-Type".into(),
        value: "application/json".into(),
        shown: "application/json".into(),
        secret: false,
    });
}

/// Whether a request of this method carries the rendered body.
pub fn method_has_body(method: &str) -> bool {
    matches!(method, "POST" | "PUT" | "PATCH")
}

/// The start of a text, quoted and escaped for a message.
fn quoted_start(text: &str) -> String {
    crate::text::quoted_start(text, QUOTED_CHARS)
}

#[cfg(test)]
#[path = "run_tests.rs"]
mod tests;
