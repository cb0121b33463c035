//! "Copy as curl": a payload's create request(s) written out as a POSIX shell script of
//! curl commands (`cxda submit --curl`, the studio's `F7`). Nothing here sends anything.
//!
//! What is written is what the executor would send, because it comes from the same parts:
//! the dialect's plan (`plan`, and `genesys` for the draft → validation → publish sequence)
//! gives each request's method, URL and body, and `request::build_request` its headers.
//! The plan is driven with made-up happy answers (a draft with a stand-in id and version, a
//! valid validation); the stand-ins become shell variables that the script reads from the
//! real answer with `jq`.
//!
//! Never in clear: the token is `$CXDA_TOKEN`, and the value of an extra header that looks
//! secret (the header matrix's rule, `request::shown`) is `$CXDA_HEADER_<NAME>`. `Host` and
//! `Content-Length` are left to curl, which derives both from the URL and the body as the
//! engine's HTTP client does. Every word is quoted for POSIX sh in single quotes, which keep
//! a body byte for byte (backslashes, `$`, backticks, newlines, any UTF-8); bodies go
//! through the `printf` builtin into `--data-binary @-`, so a large one never meets the
//! kernel's limit on one argument.

use std::fmt::Write as _;

use bytes::Bytes;
use reqwest::Url;

use super::plan::{End, Next, Plan, StepRequest, StepResult};
use super::request::{Credentials, build_request, shown};
use super::response::Answer;
use crate::audit::REDACTED;
use crate::config::{Api, ExtraHeader, Profile, ProfileKind};
use crate::text::escape_controls;

/// Where `cxda sandbox` listens by default: the embedded sandbox's requests go there when
/// the process that would have started it is not running.
pub const SANDBOX_DEFAULT_URL: &str = "http://127.0.0.1:8787";

/// The shell variables the script reads.
pub const TOKEN_VARIABLE: &str = "CXDA_TOKEN";
pub const SANDBOX_URL_VARIABLE: &str = "CXDA_SANDBOX_URL";

/// What a stand-in answer says; the script reads the real values into these variables.
const DRAFT_ID_STAND_IN: &str = "cxda-curl-draft-id-stand-in";
const DRAFT_VERSION_STAND_IN: u64 = 7_777_777_777_777_777_777;
/// A plan longer than this is a plan that does not end on happy answers.
const MAX_STEPS: usize = 8;

/// Why a payload's requests cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum CurlError {
    #[error("profile `{profile}` has no connection yet (its sandbox has not started)")]
    NoConnection { profile: String },
    /// The plan refuses the payload before sending anything (no integration id, a draft on
    /// a dialect without drafts); the reason is the plan's.
    #[error("{reason}")]
    NotSendable { reason: String },
    #[error("the body holds a NUL character, which no shell word can")]
    Nul,
}

/// One payload's requests as a script fragment.
#[derive(Debug, Clone)]
pub struct CurlCreate {
    /// Comment lines and commands, each line ending in `\n`; run after [`CurlExport::preamble`].
    pub script: String,
    /// How many requests it sends on the happy path.
    pub requests: usize,
}

/// Writes the create requests of one profile as curl commands.
#[derive(Debug, Clone)]
pub struct CurlExport {
    profile: Profile,
    /// The API base URL as a shell variable (`$CXDA_SANDBOX_URL`): the embedded sandbox of
    /// a process that is not running.
    base_variable: bool,
}

impl CurlExport {
    /// For `profile` as it is: its connection's URLs (a sandbox profile must have started).
    pub fn new(profile: &Profile) -> Result<CurlExport, CurlError> {
        if profile.connection.is_none() {
            return Err(CurlError::NoConnection {
                profile: profile.name.clone(),
            });
        }
        Ok(CurlExport {
            profile: profile.clone(),
            base_variable: false,
        })
    }

    /// For a sandbox profile whose sandbox is not started: its URLs on
    /// `$CXDA_SANDBOX_URL`, by default where `cxda sandbox` listens. An embedded sandbox
    /// lives only as long as its process, so its own URL would be dead by the time the
    /// script runs.
    pub fn for_absent_sandbox(profile: &Profile) -> Result<CurlExport, CurlError> {
        let no_connection = || CurlError::NoConnection {
            profile: profile.name.clone(),
        };
        let mut profile = profile.clone();
        let url = Url::parse(SANDBOX_DEFAULT_URL).map_err(|_| no_connection())?;
        profile
            .complete_sandbox(&url)
            .map_err(|_| no_connection())?;
        Ok(CurlExport {
            profile,
            base_variable: true,
        })
    }

    /// This export with `extra_headers` sent instead of the profile's (the studio's session
    /// headers on top of the profile's).
    pub fn with_extra_headers(&self, extra_headers: Vec<ExtraHeader>) -> CurlExport {
        let mut export = self.clone();
        export.profile.extra_headers = extra_headers;
        export
    }

    /// The script's first lines: what it is, the variables it needs (checked at once by the
    /// shell), `set -eu`.
    pub fn preamble(&self) -> String {
        let profile = &self.profile;
        let mut out = String::from("#!/bin/sh\n");
        let _ = writeln!(
            out,
            "# The create request(s) of profile `{}` ({}) as cxda would send them; nothing was sent.",
            escape_controls(&profile.name),
            profile.api
        );
        let token_url = profile
            .connection
            .as_ref()
            .map(|c| self.shown_url(&c.token_url))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "# {TOKEN_VARIABLE}: a bearer token of this profile (client credentials at {token_url})."
        );
        let secrets = self.secret_headers();
        for (name, variable) in &secrets {
            let _ = writeln!(
                out,
                "# {variable}: the value of the {} header (it looks secret, so it is not written here).",
                escape_controls(name)
            );
        }
        if profile.kind == ProfileKind::Sandbox {
            if self.base_variable {
                let _ = writeln!(
                    out,
                    "# The embedded sandbox lives only as long as the cxda process that starts it: these\n\
                     # requests go to {SANDBOX_URL_VARIABLE} (default {SANDBOX_DEFAULT_URL}, where `cxda sandbox` listens)."
                );
            } else if let Some(connection) = &profile.connection {
                let _ = writeln!(
                    out,
                    "# {} is the embedded sandbox: it answers only while the cxda process that started it runs.",
                    self.shown_url(&connection.api_base_url)
                );
            }
        }
        if profile.api == Api::GenesysCloud {
            out.push_str(
                "# Needs jq, which reads the draft's id and version from the draft's answer.\n",
            );
        }
        out.push_str(
            "# Host and Content-Length are left to curl, which sets them from the URL and the body as cxda does.\n\
             # curl 7.76 or later (--fail-with-body); the script stops at the first request refused.\n\
             set -eu\n",
        );
        if self.base_variable {
            let _ = writeln!(
                out,
                ": \"${{{SANDBOX_URL_VARIABLE}:={SANDBOX_DEFAULT_URL}}}\""
            );
        }
        let _ = writeln!(
            out,
            ": \"${{{TOKEN_VARIABLE}:?set {TOKEN_VARIABLE} to a bearer token (see above)}}\""
        );
        for (_, variable) in &secrets {
            let _ = writeln!(
                out,
                ": \"${{{variable}:?set {variable} to the header's value (see above)}}\""
            );
        }
        out
    }

    /// `payload`'s create (`draft`: a genesys-cloud create that stops after a valid
    /// draft) as curl commands, with a new correlation id, under a comment naming `label`.
    pub fn create(&self, label: &str, payload: &str, draft: bool) -> Result<CurlCreate, CurlError> {
        let correlation_id = super::new_correlation_id();
        let steps = self.steps(payload, draft)?;
        let mut script = String::new();
        let names: Vec<&str> = steps.iter().map(|s| s.name).collect();
        let _ = writeln!(
            script,
            "\n# {}: {} ({})",
            escape_controls(label),
            names.join(" → "),
            self.profile.api
        );
        for (index, step) in steps.iter().enumerate() {
            let captured = index == 0 && steps.len() > 1;
            self.write_step(&mut script, step, &correlation_id, captured, index > 0)?;
        }
        Ok(CurlCreate {
            script,
            requests: steps.len(),
        })
    }

    /// The plan's requests on the happy path, in order.
    fn steps(&self, payload: &str, draft: bool) -> Result<Vec<StepRequest>, CurlError> {
        let connection =
            self.profile
                .connection
                .as_ref()
                .ok_or_else(|| CurlError::NoConnection {
                    profile: self.profile.name.clone(),
                })?;
        let mut plan = Plan::create(
            &self.profile,
            &connection.api_base_url,
            &connection.create_url,
            Bytes::copy_from_slice(payload.as_bytes()),
            draft,
        )
        .map_err(not_sendable)?;
        let mut steps = Vec::new();
        let mut last = None;
        loop {
            match plan.next(last.take()) {
                Next::Send(step) if steps.len() < MAX_STEPS => {
                    steps.push(step);
                    last = Some(StepResult::Answered(happy_answer()));
                }
                Next::Send(_) => {
                    return Err(CurlError::NotSendable {
                        reason: format!("the create did not end within {MAX_STEPS} requests"),
                    });
                }
                Next::Done(End::Created | End::Drafted) => return Ok(steps),
                Next::Done(end) => return Err(not_sendable(end)),
            }
        }
    }

    /// One request as a command (publish after a comment on its version). `captured`: its
    /// answer is kept in a variable the later requests read; `later`: it may use those.
    fn write_step(
        &self,
        out: &mut String,
        step: &StepRequest,
        correlation_id: &str,
        captured: bool,
        later: bool,
    ) -> Result<(), CurlError> {
        let request = build_request(
            step.header_spec(&self.profile, correlation_id),
            step.method.clone(),
            &step.url,
            Credentials::Bearer(TOKEN_STAND_IN),
            step.body.clone(),
        );
        let answer = step.name.to_ascii_uppercase();
        let validation = step.name == "validation";
        if step.name == "publish" {
            out.push_str("# publish: the draft's version (DRAFT_VERSION, from the draft's answer) must be passed to publish.\n");
        }
        let mut curl = String::from("curl -sS --fail-with-body --http1.1");
        if let Some(ca) = &self.profile.ca_cert {
            let _ = write!(curl, " --cacert {}", quote(&ca.path.display().to_string()));
        }
        if !captured && !validation {
            // The answer's JSON does not end in a newline; the next prompt or comment would
            // start on its line.
            curl.push_str(" -w '\\n'");
        }
        let _ = write!(
            curl,
            " -X {} {}",
            step.method.as_str(),
            self.url_word(&step.url, later).render()
        );
        let shown = shown(&request.headers);
        for ((name, value), (_, shown_value)) in request.headers.iter().zip(shown.0.iter()) {
            if name.eq_ignore_ascii_case("host") || name.eq_ignore_ascii_case("content-length") {
                continue;
            }
            let word = if name.eq_ignore_ascii_case("authorization") {
                Word(vec![
                    Part::Text(format!("{name}: Bearer ")),
                    Part::Var(TOKEN_VARIABLE.to_string()),
                ])
            } else if shown_value == REDACTED && value != REDACTED {
                Word(vec![
                    Part::Text(format!("{name}: ")),
                    Part::Var(header_variable(name)),
                ])
            } else {
                Word(vec![Part::Text(format!("{name}: {value}"))])
            };
            let _ = write!(curl, " \\\n  -H {}", word.render());
        }
        let command = match &step.body {
            Some(body) => {
                let text = String::from_utf8_lossy(body);
                if text.contains('\0') {
                    return Err(CurlError::Nul);
                }
                let body_word = if later {
                    version_word(&text)
                } else {
                    Word(vec![Part::Text(text.into_owned())])
                };
                format!(
                    "printf '%s' {} |\n  {curl} \\\n  --data-binary @-",
                    body_word.render()
                )
            }
            None => curl,
        };
        if captured || validation {
            let _ = writeln!(
                out,
                "{answer}=$({command}) || {{ printf '%s\\n' \"${answer}\" >&2; exit 1; }}"
            );
            let _ = writeln!(out, "printf '%s\\n' \"${answer}\"");
        } else {
            let _ = writeln!(out, "{command}");
        }
        if captured {
            let _ = writeln!(out, "DRAFT_ID=$(printf '%s' \"${answer}\" | jq -r .id)");
            let _ = writeln!(
                out,
                "DRAFT_VERSION=$(printf '%s' \"${answer}\" | jq -r .version)"
            );
        }
        if validation {
            let _ = writeln!(
                out,
                "printf '%s' \"${answer}\" | jq -e '.valid == true' >/dev/null || {{ echo 'draft validation failed: the draft is kept' >&2; exit 1; }}"
            );
        }
        Ok(())
    }

    /// The URL as a shell word: the draft's id as `$DRAFT_ID` in later requests, and the
    /// API base as `$CXDA_SANDBOX_URL` for an absent sandbox.
    fn url_word(&self, url: &Url, later: bool) -> Word {
        let text = url.as_str();
        let mut parts = Vec::new();
        let mut rest = text;
        if self.base_variable
            && let Some(connection) = &self.profile.connection
        {
            let base = connection.api_base_url.as_str().trim_end_matches('/');
            if let Some(tail) = text.strip_prefix(base) {
                parts.push(Part::Var(SANDBOX_URL_VARIABLE.to_string()));
                rest = tail;
            }
        }
        if later {
            parts.extend(split_stand_in(rest, DRAFT_ID_STAND_IN, "DRAFT_ID"));
        } else {
            parts.push(Part::Text(rest.to_string()));
        }
        Word(parts)
    }

    /// A URL for a comment: the base as `$CXDA_SANDBOX_URL` for an absent sandbox.
    fn shown_url(&self, url: &Url) -> String {
        let word = self.url_word(url, false);
        word.0
            .iter()
            .map(|part| match part {
                Part::Text(text) => escape_controls(text).into_owned(),
                Part::Var(name) => format!("${name}"),
            })
            .collect()
    }

    /// The extra headers whose values the header matrix hides, with their variables.
    fn secret_headers(&self) -> Vec<(String, String)> {
        let pairs: Vec<(String, String)> = self
            .profile
            .extra_headers
            .iter()
            .map(|h| (h.name.clone(), h.value.clone()))
            .collect();
        pairs
            .iter()
            .zip(shown(&pairs).0.iter())
            .filter(|((_, value), (_, shown))| shown == REDACTED && value != REDACTED)
            .map(|((name, _), _)| (name.clone(), header_variable(name)))
            .collect()
    }
}

/// What the token is while the headers are built; never in the output (the Authorization
/// header is written from its name).
const TOKEN_STAND_IN: &str = "cxda-curl-token-stand-in";

/// `CXDA_HEADER_` and the header's name in upper case, every other character `_`.
fn header_variable(name: &str) -> String {
    let tail: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("CXDA_HEADER_{tail}")
}

fn not_sendable(end: End) -> CurlError {
    let reason = match end {
        End::Rejected(reason) | End::Failed(reason) | End::Cancelled(reason) => reason,
        // A create ends in no other way; this also covers ends of other operations.
        _ => "the create ended before its first request".to_string(),
    };
    CurlError::NotSendable { reason }
}

/// A 2xx answer every step of a create takes as success: a draft or an action with the
/// stand-in id and version, a valid validation.
fn happy_answer() -> Answer {
    let body = serde_json::json!({
        "id": DRAFT_ID_STAND_IN,
        "version": DRAFT_VERSION_STAND_IN,
        "valid": true,
        "errors": [],
    });
    Answer::of(200, Bytes::from(body.to_string()))
}

/// A later request's body with the stand-in version as `$DRAFT_VERSION`.
fn version_word(text: &str) -> Word {
    Word(split_stand_in(
        text,
        &DRAFT_VERSION_STAND_IN.to_string(),
        "DRAFT_VERSION",
    ))
}

/// `text` with every `stand_in` replaced by the variable `name`.
fn split_stand_in(text: &str, stand_in: &str, name: &str) -> Vec<Part> {
    let mut parts = Vec::new();
    for (index, piece) in text.split(stand_in).enumerate() {
        if index > 0 {
            parts.push(Part::Var(name.to_string()));
        }
        if !piece.is_empty() {
            parts.push(Part::Text(piece.to_string()));
        }
    }
    parts
}

/// A piece of one shell word.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    /// Kept as it is.
    Text(String),
    /// Expanded by the shell, as one word (in double quotes).
    Var(String),
}

/// One shell word made of literal text and variables.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Word(Vec<Part>);

impl Word {
    fn render(&self) -> String {
        if self.0.is_empty() {
            return "''".to_string();
        }
        self.0
            .iter()
            .map(|part| match part {
                Part::Text(text) => quote(text),
                Part::Var(name) => format!("\"${name}\""),
            })
            .collect()
    }
}

/// `text` as one POSIX shell word: in single quotes, inside which every character is
/// itself (newlines, `$`, backticks, backslashes, any UTF-8); a single quote closes the
/// quotes, is escaped, and reopens them (`'\''`).
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    out.push_str(&text.replace('\'', "'\\''"));
    out.push('\'');
    out
}

#[cfg(test)]
mod tests;
