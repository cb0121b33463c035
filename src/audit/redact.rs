//! What never reaches the audit file in clear (docs/audit.md, Redaction): `Authorization`
//! values, client secrets, tokens, and literal values of secret-looking headers — the rule
//! ([`is_secret_header_name`] unless the value is a `{{placeholder}}`) applied to the request's
//! headers (`extra_headers` included) and to the payload's `configuration.headers`.
//!
//! Structured rules come first (header names, JSON field names); then every remaining string
//! goes through [`Redactor::redact_text`], a net for secrets that turn up inside text: the
//! sandbox's `sbx_` tokens, `Bearer`/`Basic` credentials, `access_token=…`-style pairs, the
//! credentials of any URL (`redact_url.rs`), and any literal the caller registered
//! ([`Redactor::with_secret`], e.g. the profile's client secret or a webhook URL's
//! credentials) or that the record's own payload holds under a secret-looking header name (the
//! server echoes the stored action back). Bodies are redacted before they are truncated, so
//! a cut never hides a field name from the structured pass.

use std::borrow::Cow;

use serde_json::Value;

use super::record::{AuditRecord, Headers};
use crate::payload::{has_placeholder, is_secret_header_name};

/// What a secret is replaced with.
pub const REDACTED: &str = "[redacted]";

/// Headers whose values are credentials whatever they hold (a placeholder cannot be sent).
const CREDENTIAL_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
];

/// Whether `name` is a header whose value is a credential whatever it holds
/// (`Authorization`, `Cookie`, …).
pub fn is_credential_header(name: &str) -> bool {
    CREDENTIAL_HEADERS
        .iter()
        .any(|credential| name.eq_ignore_ascii_case(credential))
}

/// Headers cxda sets itself whose names match the secret-looking rule but whose values are
/// not secrets: `Idempotency-Key` carries the correlation id, which the record shows anyway,
/// and hiding it would keep an operator from matching a retry to the server's logs.
const OWN_NON_SECRET_HEADERS: &[&str] = &["idempotency-key"];

/// JSON fields (and `key=value` / `"key": "value"` pairs in text) that hold secrets.
const SECRET_FIELDS: &[&str] = &[
    "access_token",
    "refresh_token",
    "id_token",
    "token",
    "client_secret",
    "secret",
    "password",
    "api_key",
    "apikey",
];

/// Literal secrets shorter than this are not searched for in text: they would match ordinary
/// words and say little about the secret anyway.
const MIN_LITERAL_SECRET: usize = 4;

/// Applies the redaction rules; holds the literal secrets to look for besides the rules.
#[derive(Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

// By hand: a derived `Debug` would print the very secrets it exists to hide.
impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redactor")
            .field(
                "secrets",
                &format_args!("[{} redacted]", self.secrets.len()),
            )
            .finish()
    }
}

impl Redactor {
    pub fn new() -> Redactor {
        Redactor::default()
    }

    /// Also replaces this literal wherever it appears (e.g. the profile's client secret).
    pub fn with_secret(mut self, secret: impl Into<String>) -> Redactor {
        let secret = secret.into();
        if secret.len() >= MIN_LITERAL_SECRET && !self.secrets.contains(&secret) {
            self.secrets.push(secret);
            // Longest first: a secret inside a longer one must not cut the longer one up.
            self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
        self
    }

    /// Redacts every field of a record in place.
    ///
    /// The literal values of the payload's secret-looking `configuration.headers` are
    /// looked for everywhere in the record, like registered secrets: the server echoes the
    /// stored action back (a 201, a 409, a replay), and an error message may quote it, in
    /// places the structural rules do not reach.
    pub fn redact_record(&self, record: &mut AuditRecord) {
        let with_payload = self.with_payload_secrets(&record.request.body);
        let this = with_payload.as_ref().unwrap_or(self);
        this.redact_record_fields(record);
    }

    /// A redactor for showing parts of `payloads` (a payload file and the server's action,
    /// as `cxda diff` does): the literal values of their secret-looking headers are
    /// scrubbed wherever they appear.
    pub fn for_payloads(payloads: &[&Value]) -> Redactor {
        payloads.iter().fold(Redactor::new(), |redactor, payload| {
            redactor.with_payload_secrets(payload).unwrap_or(redactor)
        })
    }

    /// `value`, a part of a payload found at `pointer`, as it may be shown: a literal
    /// secret-looking header value (the part itself, or inside it) is `[redacted]`, and so
    /// is a secret this redactor knows, wherever it appears.
    pub fn redact_payload_part(&self, pointer: &str, value: &mut Value) {
        let (parent, name) = pointer.rsplit_once('/').unwrap_or(("", ""));
        let name = name.replace("~1", "/").replace("~0", "~");
        if PAYLOAD_HEADERS.contains(&parent)
            && is_secret_header_name(&name)
            && !value_is_placeholder_or_empty(value)
        {
            *value = Value::String(REDACTED.to_string());
            return;
        }
        // The headers themselves, or a part that holds them (`/config`, the whole payload).
        for headers in PAYLOAD_HEADERS {
            let below = if pointer == headers {
                Some("")
            } else {
                headers
                    .strip_prefix(pointer)
                    .filter(|rest| rest.starts_with('/'))
            };
            if let Some(part) = below.and_then(|rest| value.pointer_mut(rest)) {
                redact_payload_headers(part);
            }
        }
        self.redact_value(value);
    }

    fn redact_record_fields(&self, record: &mut AuditRecord) {
        self.redact_http_headers(&mut record.request.headers);
        self.redact_http_headers(&mut record.response.headers);
        for body in [&mut record.request.body, &mut record.response.body] {
            for pointer in PAYLOAD_HEADERS {
                if let Some(headers) = body.pointer_mut(pointer) {
                    redact_payload_headers(headers);
                }
            }
        }
        self.redact_value(&mut record.request.body);
        self.redact_value(&mut record.response.body);
        for text in [
            &mut record.profile,
            &mut record.correlation_id,
            &mut record.method,
            &mut record.url,
            &mut record.action_name,
        ] {
            self.redact_string(text);
        }
        if let Some(error) = &mut record.error {
            self.redact_string(error);
        }
        for redirect in &mut record.redirects {
            self.redact_string(&mut redirect.from);
            self.redact_string(&mut redirect.to);
        }
        let step_attempts = record.steps.iter_mut().flat_map(|step| {
            self.redact_string(&mut step.url);
            step.attempts.iter_mut()
        });
        for attempt in record.attempts.iter_mut().chain(step_attempts) {
            for text in [&mut attempt.retry_after, &mut attempt.error]
                .into_iter()
                .flatten()
            {
                self.redact_string(text);
            }
        }
    }

    /// This redactor plus the literal values of the secret-looking headers of `payload`
    /// (its `configuration.headers`, or `"NAME": "VALUE"` pairs when the payload is text
    /// that did not parse as JSON); `None` when it has none.
    fn with_payload_secrets(&self, payload: &Value) -> Option<Redactor> {
        let literals: Vec<String> = match payload {
            Value::String(text) => quoted_secret_pairs(text)
                .into_iter()
                .map(|(start, end)| text[start..end].to_string())
                .collect(),
            body => PAYLOAD_HEADERS
                .iter()
                .filter_map(|pointer| body.pointer(pointer))
                .filter_map(Value::as_object)
                .flatten()
                .filter(|(name, _)| is_secret_header_name(name))
                .filter_map(|(_, value)| value.as_str())
                .filter(|value| !is_placeholder_or_empty(value))
                .map(str::to_string)
                .collect(),
        };
        let fresh: Vec<String> = literals
            .into_iter()
            .filter(|l| l.len() >= MIN_LITERAL_SECRET && !self.secrets.contains(l))
            .collect();
        if fresh.is_empty() {
            return None;
        }
        Some(fresh.into_iter().fold(self.clone(), Redactor::with_secret))
    }

    /// Headers of an HTTP request or response: credential headers always, secret-looking
    /// names unless the value is a placeholder, and the text net on the rest.
    pub fn redact_http_headers(&self, headers: &mut Headers) {
        for (name, value) in &mut headers.0 {
            let lower = name.to_ascii_lowercase();
            let secret_name = is_credential_header(name)
                || (is_secret_header_name(name)
                    && !OWN_NON_SECRET_HEADERS.contains(&lower.as_str())
                    && !is_placeholder_or_empty(value));
            if secret_name {
                REDACTED.clone_into(value);
            } else {
                self.redact_string(value);
            }
        }
    }

    /// Secrets found inside free text (a URL, an error message, a text body).
    pub fn redact_text<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(text);
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = Cow::Owned(out.replace(secret.as_str(), REDACTED));
            }
        }
        for scrub in [
            scrub_sbx_tokens,
            scrub_secret_pairs,
            scrub_auth_schemes,
            super::redact_url::scrub_urls,
        ] {
            if let Some(scrubbed) = scrub(&out) {
                out = Cow::Owned(scrubbed);
            }
        }
        out
    }

    fn redact_string(&self, text: &mut String) {
        if let Cow::Owned(redacted) = self.redact_text(text) {
            *text = redacted;
        }
    }

    fn redact_value(&self, value: &mut Value) {
        match value {
            Value::String(text) => self.redact_string(text),
            Value::Array(items) => items.iter_mut().for_each(|v| self.redact_value(v)),
            Value::Object(map) => {
                for (key, field) in map.iter_mut() {
                    if is_secret_field(key) && !value_is_placeholder_or_empty(field) {
                        *field = Value::String(REDACTED.to_string());
                    } else {
                        self.redact_value(field);
                    }
                }
            }
            // A number can be a registered secret (a PIN a server echoes back).
            Value::Number(number) => {
                let text = number.to_string();
                if self
                    .secrets
                    .iter()
                    .any(|secret| text.contains(secret.as_str()))
                {
                    *value = Value::String(REDACTED.to_string());
                }
            }
            Value::Null | Value::Bool(_) => {}
        }
    }
}

/// The payload's `configuration.headers` are data, not headers sent, so the secret-looking
/// name rule applies as the payload lint applies it: a placeholder is not a secret, a literal
/// is.
fn redact_payload_headers(headers: &mut Value) {
    let Some(map) = headers.as_object_mut() else {
        return;
    };
    for (name, value) in map.iter_mut() {
        if is_secret_header_name(name) && !value_is_placeholder_or_empty(value) {
            *value = Value::String(REDACTED.to_string());
        }
    }
}

fn is_secret_field(key: &str) -> bool {
    SECRET_FIELDS.iter().any(|f| key.eq_ignore_ascii_case(f))
}

/// Where a payload keeps the headers of the request it describes: `cxone-v2`'s
/// `configuration.headers` and `genesys-cloud`'s `config.request.headers`.
const PAYLOAD_HEADERS: [&str; 2] = ["/configuration/headers", "/config/request/headers"];

/// A value that holds no secret of its own: empty, or filled in when the action runs (a
/// `{{placeholder}}`, or a template reference such as `Bearer ${credentials.apiToken}`).
pub(super) fn is_placeholder_or_empty(value: &str) -> bool {
    value.trim().is_empty()
        || has_placeholder(value)
        || has_template_reference(value)
        || value == REDACTED
}

/// `${…}`, `$!{…}`, or a bare `$input.x` / `$credentials.x`: the genesys-cloud templates'
/// references to values supplied at run time.
fn has_template_reference(value: &str) -> bool {
    value.contains("${")
        || value.contains("$!{")
        || value.contains("$input.")
        || value.contains("$credentials.")
}

fn value_is_placeholder_or_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => is_placeholder_or_empty(s),
        _ => false,
    }
}

/// Characters a token may contain (RFC 7235 token68 plus `_`).
fn is_token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/' | b'=')
}

/// Replaces the byte ranges (sorted, non-overlapping after merging) with [`REDACTED`].
/// Ranges start and end next to ASCII bytes, so slicing stays on character boundaries.
pub(super) fn replace_ranges(text: &str, mut ranges: Vec<(usize, usize)>) -> Option<String> {
    if ranges.is_empty() {
        return None;
    }
    ranges.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end) in ranges {
        if end <= at {
            continue;
        }
        let start = start.max(at);
        out.push_str(&text[at..start]);
        out.push_str(REDACTED);
        at = end;
    }
    out.push_str(&text[at..]);
    Some(out)
}

/// The sandbox's tokens (`sbx_…`), wherever they appear.
fn scrub_sbx_tokens(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let ranges: Vec<(usize, usize)> = memchr::memmem::find_iter(bytes, b"sbx_")
        .map(|start| {
            let len = bytes[start + 4..]
                .iter()
                .take_while(|&&b| is_token_char(b))
                .count();
            (start, start + 4 + len)
        })
        .collect();
    replace_ranges(text, ranges)
}

/// `access_token=…`, `"client_secret": "…"` and the like inside text (a form body, a text
/// body that did not parse as JSON, a truncated body, a URL query), and `"NAME": "VALUE"`
/// where NAME looks secret by the header name rule (a payload's `configuration.headers` in a
/// text that is not valid JSON, where the structural rule cannot run).
fn scrub_secret_pairs(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let mut ranges = quoted_secret_pairs(text);
    for field in SECRET_FIELDS {
        for key_at in memchr::memmem::find_iter(bytes, field.as_bytes()) {
            let mut i = key_at + field.len();
            let skip = |i: &mut usize, set: &[u8]| {
                while *i < bytes.len() && set.contains(&bytes[*i]) {
                    *i += 1;
                }
            };
            skip(&mut i, b"\"'");
            skip(&mut i, b" \t");
            if i >= bytes.len() || !matches!(bytes[i], b':' | b'=') {
                continue;
            }
            i += 1;
            skip(&mut i, b" \t");
            skip(&mut i, b"\"'");
            let start = i;
            while i < bytes.len() && !b"\"'&,;}] \t\r\n".contains(&bytes[i]) {
                i += 1;
            }
            let value = &text[start..i];
            if value.is_empty()
                || value.starts_with('{')
                || value.starts_with('[')
                || is_placeholder_or_empty(value)
            {
                continue;
            }
            ranges.push((start, i));
        }
    }
    replace_ranges(text, ranges)
}

/// Names that match the secret-looking name rule but whose values are not secrets, so that the
/// text net leaves them readable: cxda's own Idempotency-Key (the correlation id), and an
/// OAuth response's `token_type` (the scheme's name, e.g. `Bearer`).
const NOT_SECRET_NAMES: &[&str] = &["idempotency-key", "token_type"];

/// The byte ranges of the values of `"NAME": "VALUE"` pairs in `text` where NAME looks
/// secret ([`is_secret_header_name`]) and VALUE is a literal (not a placeholder, not empty).
/// A JSON-style scan: backslash escapes are skipped inside strings, and a value whose
/// closing quote is missing (a cut text) runs to the end.
fn quoted_secret_pairs(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    // The index of the quote that closes the string opened at `open`, or `None` at the end.
    let closing = |open: usize| {
        let mut i = open + 1;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' => i += 2,
                b'"' => return Some(i),
                _ => i += 1,
            }
        }
        None
    };
    let skip_space = |mut i: usize| {
        while i < bytes.len() && matches!(bytes[i], b' ' | b'\t' | b'\r' | b'\n') {
            i += 1;
        }
        i
    };
    let mut ranges = Vec::new();
    let mut from = 0;
    while let Some(found) = memchr::memchr(b'"', &bytes[from..]) {
        let open = from + found;
        let Some(close) = closing(open) else { break };
        from = close + 1;
        let colon = skip_space(close + 1);
        if bytes.get(colon) != Some(&b':') {
            continue;
        }
        let value_open = skip_space(colon + 1);
        if bytes.get(value_open) != Some(&b'"') {
            continue;
        }
        let value_close = closing(value_open);
        let (start, end) = (value_open + 1, value_close.unwrap_or(bytes.len()));
        from = value_close.map_or(bytes.len(), |c| c + 1);
        // Quotes, colons and backslashes are ASCII, so these are character boundaries.
        let name = &text[open + 1..close];
        let value = &text[start..end];
        let not_secret = NOT_SECRET_NAMES
            .iter()
            .any(|n| name.eq_ignore_ascii_case(n));
        if is_secret_header_name(name) && !not_secret && !is_placeholder_or_empty(value) {
            ranges.push((start, end));
        }
    }
    ranges
}

/// `Bearer …` / `Basic …` credentials quoted in text (an error message, a header echoed in a
/// body). Only token-like runs of 8+ characters count, so prose such as "Basic auth" stays.
fn scrub_auth_schemes(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let mut ranges = Vec::new();
    for scheme in ["bearer ", "basic "] {
        for at in memchr::memmem::find_iter(bytes, scheme.as_bytes()) {
            let start = at + scheme.len();
            let len = bytes[start..]
                .iter()
                .take_while(|&&b| is_token_char(b))
                .count();
            if len >= 8 {
                ranges.push((start, start + len));
            }
        }
    }
    replace_ranges(text, ranges)
}

#[cfg(test)]
mod tests {
    #[test]
    fn payload_parts_shown_by_diff_hide_literal_header_secrets() {
        let file = serde_json::json!({"configuration": {"headers": {
            "X-API-Key": "literal-key-123", "Accept": "application/json",
            "Authorization": "Bearer {{token}}"}}});
        let redactor = Redactor::for_payloads(&[&file]);
        let mut part = Value::String("literal-key-123".into());
        redactor.redact_payload_part("/configuration/headers/X-API-Key", &mut part);
        assert_eq!(part, REDACTED);
        let mut whole = file.clone();
        redactor.redact_payload_part("", &mut whole);
        assert_eq!(whole["configuration"]["headers"]["X-API-Key"], REDACTED);
        assert_eq!(
            whole["configuration"]["headers"]["Accept"],
            "application/json"
        );
        assert_eq!(
            whole["configuration"]["headers"]["Authorization"],
            "Bearer {{token}}"
        );
        // The literal elsewhere (a URL echoing it) is scrubbed too.
        let mut url = Value::String("https://x.example.com/?k=literal-key-123".into());
        redactor.redact_payload_part("/configuration/url", &mut url);
        assert!(!url.to_string().contains("literal-key-123"), "{url}");
        let mut plain = Value::String("GET".into());
        redactor.redact_payload_part("/configuration/method", &mut plain);
        assert_eq!(plain, "GET");
    }

    use super::*;

    fn text(s: &str) -> String {
        Redactor::new().redact_text(s).into_owned()
    }

    #[test]
    fn sbx_tokens_are_redacted_anywhere_in_text() {
        assert_eq!(text("token sbx_abc-123.x done"), "token [redacted] done");
    }

    #[test]
    fn form_style_secrets_are_redacted() {
        assert_eq!(
            text("grant_type=client_credentials&client_secret=hunter22&scope=x"),
            "grant_type=client_credentials&client_secret=[redacted]&scope=x"
        );
    }

    #[test]
    fn json_style_secret_pairs_in_text_are_redacted() {
        assert_eq!(
            text(r#"{"access_token": "abcdef", "token_type":"Bearer""#),
            r#"{"access_token": "[redacted]", "token_type":"Bearer""#
        );
    }

    #[test]
    fn placeholders_in_secret_pairs_survive() {
        assert_eq!(text("password={{pw}}"), "password={{pw}}");
    }

    #[test]
    fn bearer_credentials_in_text_are_redacted_but_prose_is_not() {
        assert_eq!(text("sent Bearer eyJhbGciOi.x.y"), "sent Bearer [redacted]");
        assert_eq!(text("Basic auth failed"), "Basic auth failed");
    }

    #[test]
    fn a_secret_inside_a_longer_one_does_not_cut_the_longer_one_up() {
        let r = Redactor::new().with_secret("1234").with_secret("12345678");
        assert_eq!(r.redact_text("pin 12345678"), "pin [redacted]");
    }

    #[test]
    fn a_number_that_is_a_registered_secret_is_redacted() {
        let r = Redactor::new().with_secret("987654");
        let mut value = serde_json::json!({"pin": 987654, "count": 3});
        r.redact_value(&mut value);
        assert_eq!(value, serde_json::json!({"pin": "[redacted]", "count": 3}));
    }

    #[test]
    fn registered_literal_secrets_are_redacted() {
        let r = Redactor::new().with_secret("s3cr3t-value");
        assert_eq!(r.redact_text("oops s3cr3t-value!"), "oops [redacted]!");
    }

    #[test]
    fn debug_output_does_not_show_registered_secrets() {
        let r = Redactor::new().with_secret("s3cr3t-value");
        assert!(!format!("{r:?}").contains("s3cr3t"));
    }

    #[test]
    fn text_without_secrets_is_not_copied() {
        assert!(matches!(
            Redactor::new().redact_text("nothing here"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn secret_fields_in_json_bodies_are_redacted_and_placeholders_kept() {
        let mut v = serde_json::json!({
            "access_token": "abc", "nested": [{"password": "pw"}], "token": "{{t}}", "n": 1
        });
        Redactor::new().redact_value(&mut v);
        assert_eq!(
            v,
            serde_json::json!({
                "access_token": REDACTED, "nested": [{"password": REDACTED}], "token": "{{t}}", "n": 1
            })
        );
    }

    #[test]
    fn idempotency_key_is_kept_but_other_key_headers_are_redacted() {
        let mut h = Headers(vec![
            ("Idempotency-Key".into(), "c0ffee".into()),
            ("X-Api-Key".into(), "abc".into()),
        ]);
        Redactor::new().redact_http_headers(&mut h);
        assert_eq!(h.get("idempotency-key"), Some("c0ffee"));
        assert_eq!(h.get("x-api-key"), Some(REDACTED));
    }

    #[test]
    fn secret_looking_quoted_pairs_in_text_are_redacted_but_placeholders_kept() {
        assert_eq!(
            text(r#"{"headers": {"X-Api-Key": "lit\"eral", "Accept": "a/b", "Token": "{{t}}",}"#),
            r#"{"headers": {"X-Api-Key": "[redacted]", "Accept": "a/b", "Token": "{{t}}",}"#
        );
    }

    #[test]
    fn a_quoted_secret_pair_cut_before_its_closing_quote_is_redacted_to_the_end() {
        assert_eq!(
            text(r#"{"X-Auth-Token" : "abcdef"#),
            r#"{"X-Auth-Token" : "[redacted]"#
        );
    }

    #[test]
    fn payload_header_literals_are_redacted_wherever_the_record_echoes_them() {
        let payload = serde_json::json!({
            "name": "n",
            "configuration": { "headers": { "X-Api-Key": "literalSECRET123", "X-Ref": "{{r}}" } }
        });
        let mut record = AuditRecord::new(crate::audit::Outcome::Failed);
        record.request.body = payload.clone();
        record.response.body = serde_json::json!({ "id": "da_1", "echo": payload });
        record
            .response
            .headers
            .push("X-Echo", "got literalSECRET123");
        record.error = Some("the server said: literalSECRET123 is bad".into());
        Redactor::new().redact_record(&mut record);
        let text = serde_json::to_string(&record).expect("json");
        assert!(!text.contains("literalSECRET123"), "{text}");
        assert!(text.contains("{{r}}"), "{text}");
    }

    #[test]
    fn genesys_request_header_literals_are_redacted_in_bodies_steps_and_errors() {
        let payload = serde_json::json!({
            "name": "n",
            "config": { "request": { "headers": {
                "X-Api-Key": "gcLiteralKey987",
                "Authorization": "Bearer ${credentials.apiToken}"
            } } }
        });
        let mut record = AuditRecord::new(crate::audit::Outcome::Created);
        record.request.body = payload.clone();
        // The platform echoes the action's config back.
        record.response.body = serde_json::json!({ "id": "a1", "config": payload["config"] });
        record.steps.push(crate::audit::Step {
            name: "publish".into(),
            method: "POST".into(),
            url: "https://api.example/x?key=gcLiteralKey987".into(),
            attempts: vec![crate::audit::Attempt {
                error: Some("echo gcLiteralKey987".into()),
                ..crate::audit::Attempt::default()
            }],
            ..crate::audit::Step::default()
        });
        Redactor::new().redact_record(&mut record);
        let text = serde_json::to_string(&record).expect("json");
        assert!(!text.contains("gcLiteralKey987"), "{text}");
        assert!(
            text.contains("Bearer ${credentials.apiToken}"),
            "a template reference is not a secret: {text}"
        );
    }

    #[test]
    fn payload_header_literals_of_a_text_payload_are_redacted_in_the_response() {
        let mut record = AuditRecord::new(crate::audit::Outcome::Rejected);
        record.request.body =
            Value::String(r#"{"configuration":{"headers":{"apiKey":"s3cr3tv4l"},}}"#.into());
        record.response.body = Value::String("bad header value s3cr3tv4l".into());
        Redactor::new().redact_record(&mut record);
        let text = serde_json::to_string(&record).expect("json");
        assert!(!text.contains("s3cr3tv4l"), "{text}");
    }

    #[test]
    fn authorization_is_redacted_even_when_it_looks_like_a_placeholder() {
        let mut h: Headers = [("Authorization", "{{x}}"), ("Accept", "application/json")]
            .into_iter()
            .collect();
        Redactor::new().redact_http_headers(&mut h);
        assert_eq!(h.get("authorization"), Some(REDACTED));
        assert_eq!(h.get("accept"), Some("application/json"));
    }
}
