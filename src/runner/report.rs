//! What a test run reports: its operations, step by step, and the final result, in the
//! shape of the platform's `TestExecutionResult` (`operations: [{step, name, success,
//! result, error}]`, `error`, `finalResult`, `success`), so a local run and a platform test
//! serialise, print and record the same way. An error is the `message`, `code` and `status`
//! of the platform's `ErrorBody`.
//!
//! Every text in a report is already safe to keep: secrets are `[redacted]` by the runner
//! before they get here (the request's URL, headers and body are shown as rendered with
//! their secret ranges replaced).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The operation names, as the platform's test shows them (docs/test-runs.md, Steps).
pub mod names {
    pub const VALIDATE_INPUT: &str = "Validate input against schema";
    pub const RESOLVE_URL: &str = "Resolve request URL template";
    pub const RESOLVE_HEADERS: &str = "Resolve request headers";
    pub const RESOLVE_BODY: &str = "Resolve request body template";
    pub const EXECUTE: &str = "Execute request";
    pub const TRANSLATE: &str = "Resolve translation map";
    pub const SUCCESS_TEMPLATE: &str = "Resolve success template";
    pub const VALIDATE_OUTPUT: &str = "Validate output against schema";
}

/// Why an operation (and so the run) failed: the platform's `ErrorBody` fields a run fills.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepError {
    #[serde(default)]
    pub message: String,
    /// `invalid.value` (the input), `invalid.substitution` (a template), `request.timeout`,
    /// `service.unavailable` (the target could not be reached), `target.status` (the target
    /// answered outside 2xx), `invalid.translation`, `invalid.result` (docs/test-runs.md).
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub status: u16,
}

impl StepError {
    pub fn new(code: &str, status: u16, message: impl Into<String>) -> StepError {
        StepError {
            message: message.into(),
            code: code.to_string(),
            status,
        }
    }
}

/// One operation of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Operation {
    /// 1-based, in the order performed.
    pub step: u32,
    pub name: String,
    pub success: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<StepError>,
}

impl Operation {
    /// What the operation gave, on one line: its error's message, else its result (a
    /// string as it is; the request's answer as `STATUS BODY`, its status first, which
    /// key order would put last; anything else as compact JSON). At most
    /// [`SUMMARY_BYTES`] of it, so a line of a 4 MiB answer costs no more than a short
    /// one (a display cuts it further). Not escaped for a terminal: the caller does that.
    pub fn summary(&self) -> String {
        match (&self.error, &self.result) {
            (Some(error), _) => head(&error.message),
            (None, Some(Value::String(text))) => head(text),
            (None, Some(Value::Object(answer)))
                if self.name == names::EXECUTE
                    && answer.contains_key("status")
                    && answer.contains_key("body") =>
            {
                format!("{} {}", answer["status"], compact(&answer["body"]))
            }
            (None, Some(value)) => compact(value),
            (None, None) => String::new(),
        }
    }
}

/// The most of a result [`Operation::summary`] writes.
pub const SUMMARY_BYTES: usize = 4096;

/// The first [`SUMMARY_BYTES`] of `text` (at a character boundary).
fn head(text: &str) -> String {
    let mut end = text.len().min(SUMMARY_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

/// `value` as compact JSON, stopped after [`SUMMARY_BYTES`].
fn compact(value: &Value) -> String {
    /// A sink that takes [`SUMMARY_BYTES`] and then refuses, which stops the writer.
    struct Bounded(Vec<u8>);
    impl std::io::Write for Bounded {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            let room = SUMMARY_BYTES - self.0.len();
            if room == 0 {
                return Err(std::io::Error::other("enough for a summary"));
            }
            let n = buf.len().min(room);
            self.0.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut sink = Bounded(Vec::with_capacity(256));
    // Stopping early is the point: the error only says the sink is full.
    let _ = serde_json::to_writer(&mut sink, value);
    match String::from_utf8(sink.0) {
        Ok(text) => text,
        Err(cut) => {
            let valid = cut.utf8_error().valid_up_to();
            String::from_utf8_lossy(&cut.into_bytes()[..valid]).into_owned()
        }
    }
}

/// A whole run: `TestExecutionResult`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunReport {
    #[serde(default)]
    pub operations: Vec<Operation>,
    /// The error of the operation that failed, when one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<StepError>,
    /// What the action would return to a flow: the success template's result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_result: Option<Value>,
    #[serde(default)]
    pub success: bool,
}

impl RunReport {
    /// Appends a successful operation.
    pub fn passed(&mut self, name: &str, result: Value) {
        self.push(name, true, Some(result), None);
    }

    /// Appends a failed operation and makes its error the run's.
    pub fn failed(&mut self, name: &str, error: StepError) {
        self.error = Some(error.clone());
        self.success = false;
        self.push(name, false, None, Some(error));
    }

    /// Appends a failed operation that still has something to show (the target's answer
    /// to a request it refused).
    pub fn failed_with(&mut self, name: &str, result: Value, error: StepError) {
        self.error = Some(error.clone());
        self.success = false;
        self.push(name, false, Some(result), Some(error));
    }

    fn push(&mut self, name: &str, success: bool, result: Option<Value>, error: Option<StepError>) {
        let step = self.operations.len() as u32 + 1;
        self.operations.push(Operation {
            step,
            name: name.to_string(),
            success,
            result,
            error,
        });
    }

    /// Replaces every occurrence of each of `secrets` in the report's texts (results,
    /// errors, the final result) with `[redacted]`.
    pub fn redact(&mut self, secrets: &[String]) {
        let secrets = Secrets::new(secrets);
        if secrets.0.is_none() {
            return;
        }
        for op in &mut self.operations {
            if let Some(result) = &mut op.result {
                secrets.redact_value(result);
            }
            if let Some(error) = &mut op.error {
                error.message = secrets.redact(&error.message).into_owned();
            }
        }
        if let Some(error) = &mut self.error {
            error.message = secrets.redact(&error.message).into_owned();
        }
        if let Some(result) = &mut self.final_result {
            secrets.redact_value(result);
        }
    }

    /// Whether an operation failed already.
    pub fn has_failed(&self) -> bool {
        self.error.is_some()
    }
}

/// The secrets of a run, found in one pass over a text (Aho-Corasick, leftmost-longest:
/// a secret inside a longer one is the longer one's, and a `[redacted]` already written is
/// never looked at again), whatever their number.
pub struct Secrets(Option<aho_corasick::AhoCorasick>);

impl Secrets {
    /// The matcher of `secrets` (empty ones ignored).
    pub fn new(secrets: &[String]) -> Secrets {
        let patterns: Vec<&str> = secrets
            .iter()
            .map(String::as_str)
            .filter(|s| !s.is_empty())
            .collect();
        if patterns.is_empty() {
            return Secrets(None);
        }
        Secrets(
            aho_corasick::AhoCorasick::builder()
                .match_kind(aho_corasick::MatchKind::LeftmostLongest)
                .build(patterns)
                .ok(),
        )
    }

    /// `text` with every secret in it `[redacted]`.
    pub fn redact<'t>(&self, text: &'t str) -> std::borrow::Cow<'t, str> {
        match &self.0 {
            Some(matcher) if matcher.is_match(text) => {
                let replacements = vec![REDACTED; matcher.patterns_len()];
                std::borrow::Cow::Owned(matcher.replace_all(text, &replacements))
            }
            _ => std::borrow::Cow::Borrowed(text),
        }
    }

    fn redact_value(&self, value: &mut Value) {
        match value {
            Value::String(text) => {
                if let std::borrow::Cow::Owned(redacted) = self.redact(text) {
                    *text = redacted;
                }
            }
            // A number can be a secret too (a PIN the target echoes back).
            Value::Number(number) => {
                let text = number.to_string();
                if let std::borrow::Cow::Owned(redacted) = self.redact(&text) {
                    *value = Value::String(redacted);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.redact_value(v)),
            Value::Object(map) => {
                let redacted: serde_json::Map<String, Value> = std::mem::take(map)
                    .into_iter()
                    .map(|(k, mut v)| {
                        self.redact_value(&mut v);
                        (self.redact(&k).into_owned(), v)
                    })
                    .collect();
                *map = redacted;
            }
            Value::Null | Value::Bool(_) => {}
        }
    }
}

const REDACTED: &str = "[redacted]";

/// `text` with every occurrence of each secret replaced by `[redacted]` ([`Secrets`]).
pub fn redact_text(text: &str, secrets: &[String]) -> String {
    Secrets::new(secrets).redact(text).into_owned()
}
