//! One line of `audit.jsonl` (docs/audit.md).
//!
//! Format decisions, fixed here so every writer and reader agrees:
//! - One compact JSON object per line, fields in the order below; `id` and `ts` come first so
//!   a reader can look for an id without parsing whole records.
//! - `status` and `error` are always present (`null` when there is none).
//! - Headers are an ordered list of `[name, value]` pairs, as sent or received: the order and
//!   repeated names (several `Set-Cookie`) survive, which an object would lose.
//! - A body is the JSON value when the bytes parse as JSON, else the text (lossy UTF-8), else
//!   `null` when there was none.
//! - A body whose JSON text is over [`MAX_BODY_BYTES`] is stored as a string holding its first
//!   256 KiB (cut on a character boundary), and its exchange carries `"truncated": true`
//!   (`request.truncated` / `response.truncated`), absent otherwise.
//! - Fields missing from a line read back as their defaults, so older or hand-made lines still
//!   load; unknown fields are ignored (docs/audit.md tells scripts to expect more).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::id::AuditId;

/// Bodies above this many bytes (of their JSON text) are stored truncated.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// One submission's (or webhook delivery's) record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub id: AuditId,
    /// When the record was written (RFC 3339 UTC, milliseconds, `Z`); [`super::AuditLog`]
    /// stamps it on append, whatever it held before.
    #[serde(default)]
    pub ts: String,
    #[serde(default)]
    pub profile: String,
    #[serde(default)]
    pub correlation_id: String,
    #[serde(default)]
    pub method: String,
    #[serde(default)]
    pub url: String,
    /// The payload's `name`; empty when the payload had none.
    #[serde(default)]
    pub action_name: String,
    pub outcome: Outcome,
    /// The final HTTP status, `null` when no response came.
    #[serde(default)]
    pub status: Option<u16>,
    /// From the start of the submission to its outcome, waits included.
    #[serde(default)]
    pub latency_ms: u64,
    #[serde(default)]
    pub attempts: Vec<Attempt>,
    #[serde(default)]
    pub redirects: Vec<Redirect>,
    #[serde(default)]
    pub request: Exchange,
    #[serde(default)]
    pub response: Exchange,
    #[serde(default)]
    pub error: Option<String>,
    /// What the record is about when it is not a create: `update`, `delete`, `test`
    /// (absent means `create`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// The dialect spoken (`cxone-v2`, `genesys-cloud`); absent in records written before
    /// there were two.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api: Option<String>,
    /// The server's id of the action, once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_id: Option<String>,
    /// The action's version on the server after the operation, once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u64>,
    /// The requests of an operation of several (a genesys-cloud create: draft, validation,
    /// publish), in order; `status` and `attempts` above then describe the last one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<Step>,
}

/// One request of an operation of several.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// What the step does: `draft`, `validation`, `publish`, `lookup`, …
    pub name: String,
    pub method: String,
    pub url: String,
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub latency_ms: u64,
    #[serde(default)]
    pub attempts: Vec<Attempt>,
}

impl AuditRecord {
    /// A record with a fresh id and every other field empty, to fill in:
    /// `AuditRecord { profile: "sandbox".into(), ..AuditRecord::new(Outcome::Created) }`.
    pub fn new(outcome: Outcome) -> AuditRecord {
        AuditRecord {
            id: AuditId::new(),
            ts: String::new(),
            profile: String::new(),
            correlation_id: String::new(),
            method: String::new(),
            url: String::new(),
            action_name: String::new(),
            outcome,
            status: None,
            latency_ms: 0,
            attempts: Vec::new(),
            redirects: Vec::new(),
            request: Exchange::default(),
            response: Exchange::default(),
            error: None,
            operation: None,
            api: None,
            remote_id: None,
            version: None,
            steps: Vec::new(),
        }
    }

    /// Cuts bodies over [`MAX_BODY_BYTES`] and marks their exchange `truncated`.
    pub(crate) fn truncate_bodies(&mut self) {
        self.request.truncate_body();
        self.response.truncate_body();
    }
}

/// How a submission (or a webhook delivery) ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Created,
    Rejected,
    Failed,
    Cancelled,
    /// A genesys-cloud create stopped, as asked, after a valid draft (`--draft`).
    Drafted,
    /// An action changed on the server (`cxda push` of a different file).
    Updated,
    /// An action removed from the server (`cxda delete`, or the first half of a
    /// `push --replace`).
    Deleted,
    /// A test run (`operation: test`) whose every step succeeded; one that did not is
    /// `failed`.
    Passed,
    WebhookDelivered,
    WebhookFailed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Created => "created",
            Outcome::Rejected => "rejected",
            Outcome::Failed => "failed",
            Outcome::Cancelled => "cancelled",
            Outcome::Drafted => "drafted",
            Outcome::Updated => "updated",
            Outcome::Deleted => "deleted",
            Outcome::Passed => "passed",
            Outcome::WebhookDelivered => "webhook_delivered",
            Outcome::WebhookFailed => "webhook_failed",
        }
    }

    /// What `cxda audit list --failed` shows: every outcome that is not a success. A
    /// delivered webhook is a success too, so it is not listed among failures.
    pub fn is_failure(self) -> bool {
        !matches!(
            self,
            Outcome::Created
                | Outcome::Drafted
                | Outcome::Updated
                | Outcome::Deleted
                | Outcome::Passed
                | Outcome::WebhookDelivered
        )
    }

    /// Whether the record is about a webhook delivery rather than a submission.
    pub fn is_webhook(self) -> bool {
        matches!(self, Outcome::WebhookDelivered | Outcome::WebhookFailed)
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One HTTP attempt of a submission.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    /// 1-based.
    pub n: u32,
    /// `null` when no response came (connection failure, timeout).
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub latency_ms: u64,
    /// The wait after this attempt before the next one (0 when none followed).
    #[serde(default)]
    pub wait_ms: u64,
    /// The `Retry-After` header as received (seconds or an HTTP-date), if any.
    #[serde(default)]
    pub retry_after: Option<String>,
    /// The `X-RateLimit-*` headers of the response, `null` when it had none.
    #[serde(default)]
    pub rate_limit: Option<RateLimit>,
    /// Why the attempt failed when it has no status (e.g. "connection refused").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// `X-RateLimit-Limit`, `-Remaining` and `-Reset` (seconds until the window ends).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateLimit {
    #[serde(default)]
    pub limit: Option<u64>,
    #[serde(default)]
    pub remaining: Option<u64>,
    #[serde(default)]
    pub reset: Option<u64>,
}

/// One redirect met (followed or refused): its status and where it pointed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redirect {
    pub status: u16,
    pub from: String,
    pub to: String,
}

/// A request or a response: its headers and body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Exchange {
    #[serde(default)]
    pub headers: Headers,
    #[serde(default)]
    pub body: Value,
    /// The body was over [`MAX_BODY_BYTES`] and holds only its beginning, as a string.
    #[serde(default, skip_serializing_if = "is_false")]
    pub truncated: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Exchange {
    pub fn new(headers: Headers, body: Value) -> Exchange {
        Exchange {
            headers,
            body,
            truncated: false,
        }
    }

    fn truncate_body(&mut self) {
        let text = match &self.body {
            Value::Null => return,
            Value::String(s) if s.len() <= MAX_BODY_BYTES => return,
            Value::String(s) => s.clone(),
            other => match serde_json::to_string(other) {
                Ok(text) if text.len() > MAX_BODY_BYTES => text,
                _ => return,
            },
        };
        let mut cut = MAX_BODY_BYTES;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        self.body = Value::String(text[..cut].to_string());
        self.truncated = true;
    }
}

/// Headers as an ordered list of `(name, value)` pairs; on disk `[["name","value"], ...]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Headers(pub Vec<(String, String)>);

impl Headers {
    pub fn new() -> Headers {
        Headers::default()
    }

    pub fn push(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.0.push((name.into(), value.into()));
    }

    /// The first value of `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<N: Into<String>, V: Into<String>> FromIterator<(N, V)> for Headers {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(iter: I) -> Self {
        Headers(
            iter.into_iter()
                .map(|(n, v)| (n.into(), v.into()))
                .collect(),
        )
    }
}

/// A body as the record stores it: `null` when empty, the JSON value when the bytes parse as
/// JSON, else the text (invalid UTF-8 replaced).
pub fn body_value(bytes: &[u8]) -> Value {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Value::Null;
    }
    serde_json::from_slice(bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_value_keeps_json_as_json_and_text_as_text() {
        assert_eq!(body_value(br#"{"a":1}"#), serde_json::json!({"a": 1}));
        assert_eq!(body_value(b"not json"), Value::String("not json".into()));
        assert_eq!(body_value(b""), Value::Null);
    }

    #[test]
    fn small_body_is_not_truncated() {
        let mut ex = Exchange::new(Headers::new(), serde_json::json!({"a": "b"}));
        ex.truncate_body();
        assert!(!ex.truncated);
    }

    #[test]
    fn truncation_cuts_on_a_character_boundary() {
        let mut ex = Exchange::new(Headers::new(), Value::String("é".repeat(MAX_BODY_BYTES)));
        ex.truncate_body();
        assert!(ex.truncated);
        let Value::String(s) = &ex.body else {
            panic!("body is a string")
        };
        assert!(s.len() <= MAX_BODY_BYTES && s.len() > MAX_BODY_BYTES - 4);
    }

    #[test]
    fn outcomes_serialize_in_snake_case() {
        assert_eq!(
            serde_json::to_string(&Outcome::WebhookDelivered)
                .ok()
                .as_deref(),
            Some("\"webhook_delivered\"")
        );
    }

    #[test]
    fn headers_serialize_as_ordered_pairs() {
        let h: Headers = [("B", "1"), ("A", "2"), ("B", "3")].into_iter().collect();
        assert_eq!(
            serde_json::to_string(&h).ok().as_deref(),
            Some(r#"[["B","1"],["A","2"],["B","3"]]"#)
        );
    }
}
