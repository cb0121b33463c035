//! What can go wrong getting a token, said the way a person can act on it: which endpoint,
//! which host, what the server or the network said. Server text is data (control characters
//! escaped, length capped) and nothing here ever holds the secret, the Basic credentials or a
//! token: the messages are built from the URL shown without userinfo, the status, the OAuth
//! `error` fields and the transport's causes, each scrubbed of the secret.

use std::error::Error as _;

use crate::text::escape_controls;

/// Longest server-provided text kept in a message (an `error_description`, an excerpt).
const MAX_SERVER_TEXT: usize = 200;

/// Why no token could be had. `Clone` because one failed refresh answers every caller that
/// was waiting on it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// RFC 6749 §5.2 `invalid_client` (or a bare 401): the id or the secret is wrong.
    #[error("client id/secret rejected by {token_url}{}", detail_suffix(.detail))]
    InvalidClient {
        token_url: String,
        /// The server's `error_description`, escaped.
        detail: Option<String>,
    },
    /// Another OAuth error (`invalid_scope`, `unauthorized_client`, …).
    #[error(
        "the token endpoint {token_url} refused the request (HTTP {status}): {error}{}",
        detail_suffix(.description)
    )]
    OAuth {
        token_url: String,
        status: u16,
        error: String,
        description: Option<String>,
    },
    /// No HTTP answer: DNS, connection refused, TLS, a reset.
    #[error("cannot reach the token endpoint at {host}: {cause}")]
    Network { host: String, cause: String },
    /// No complete answer within the profile's `timeout_ms`.
    #[error("the token endpoint at {host} did not answer within {after_ms} ms")]
    Timeout { host: String, after_ms: u64 },
    /// An answer that is not an OAuth token response: not JSON, no `access_token`, an HTML
    /// error page.
    #[error("unexpected answer from the token endpoint {token_url} (HTTP {status}): {what}")]
    Unexpected {
        token_url: String,
        status: u16,
        what: String,
    },
    /// A token of a type this client cannot send (only Bearer, RFC 6750).
    #[error(
        "the token endpoint {token_url} issued a token of type {token_type:?}; only Bearer tokens are supported"
    )]
    UnsupportedTokenType {
        token_url: String,
        token_type: String,
    },
}

fn detail_suffix(detail: &Option<String>) -> String {
    match detail {
        Some(text) if !text.is_empty() => format!(" ({text})"),
        _ => String::new(),
    }
}

/// Every form the client secret travels in, any of which a server may echo back: as
/// configured, form-urlencoded (in the body with `client_auth = "body"`, and inside the
/// Basic credential), and the Basic credential itself (Base64 of the form-encoded
/// `id:secret`, RFC 6749 §2.3.1), padded or not. Longest first, so that a form containing
/// another is replaced whole.
#[derive(Clone)]
pub(super) struct SecretForms(Vec<String>);

// By hand: a derived `Debug` would print the very secrets it exists to hide.
impl std::fmt::Debug for SecretForms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretForms([{} redacted])", self.0.len())
    }
}

impl SecretForms {
    pub(super) fn new(client_id: &str, secret: &str) -> SecretForms {
        if secret.is_empty() {
            return SecretForms(Vec::new());
        }
        let basic = super::exchange::basic_credential(client_id, secret);
        let mut forms = vec![
            secret.to_string(),
            super::exchange::form_component(secret),
            basic.trim_end_matches('=').to_string(),
            basic,
        ];
        forms.retain(|form| !form.is_empty());
        forms.sort_by_key(|form| std::cmp::Reverse(form.len()));
        forms.dedup();
        SecretForms(forms)
    }
}

/// Makes text from outside safe to show: no control characters, at most
/// `MAX_SERVER_TEXT` characters, and never the secret in any of its forms (a server may
/// echo what it got).
pub(super) fn server_text(text: &str, secret: &SecretForms) -> String {
    let scrubbed = scrub(text, secret);
    let escaped = escape_controls(scrubbed.trim());
    let mut out: String = escaped.chars().take(MAX_SERVER_TEXT).collect();
    if escaped.chars().nth(MAX_SERVER_TEXT).is_some() {
        out.push('…');
    }
    out
}

/// Replaces every occurrence of each form of the secret with `[redacted]`. A very short
/// secret is still replaced: a message that loses a few ordinary characters is cheaper
/// than a leak.
pub(super) fn scrub(text: &str, secret: &SecretForms) -> String {
    secret.0.iter().fold(text.to_string(), |text, form| {
        text.replace(form.as_str(), "[redacted]")
    })
}

/// The cause of a transport failure, from the innermost errors of the `source()` chain
/// (reqwest's own top line only repeats the URL): "connection refused", "invalid peer
/// certificate: UnknownIssuer", "dns error: …".
pub(super) fn transport_cause(error: &reqwest::Error, secret: &SecretForms) -> String {
    let mut causes: Vec<String> = Vec::new();
    let mut source = error.source();
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>()
            && let Some(plain) = plain_io_kind(io.kind())
        {
            causes.push(plain.to_string());
            break;
        }
        let text = cause.to_string();
        // hyper's "client error (Connect)" only says which layer failed, not why.
        if !text.starts_with("client error (") {
            causes.push(text);
        }
        source = cause.source();
    }
    // Each layer wraps the next ("tcp connect error", then the OS error), so the last two
    // causes say the most; keep those that add something.
    causes.dedup();
    let tail: Vec<&String> = causes.iter().rev().take(2).collect();
    let text = match tail.as_slice() {
        [] => error.to_string(),
        [only] => (*only).clone(),
        [last, before] if before.contains(last.as_str()) => (*before).clone(),
        [last, before] => format!("{before}: {last}"),
        _ => error.to_string(),
    };
    let hint = if text.contains("UnknownIssuer") {
        " (the certificate is not signed by a trusted root; a profile's ca_cert adds one)"
    } else {
        ""
    };
    server_text(&format!("{text}{hint}"), secret)
}

/// The I/O failures worth naming in plain words rather than as an OS message.
fn plain_io_kind(kind: std::io::ErrorKind) -> Option<&'static str> {
    use std::io::ErrorKind::*;
    match kind {
        ConnectionRefused => Some("connection refused"),
        ConnectionReset => Some("connection reset by the server"),
        ConnectionAborted => Some("connection aborted"),
        UnexpectedEof => Some("the server closed the connection without answering"),
        HostUnreachable => Some("host unreachable"),
        NetworkUnreachable => Some("network unreachable"),
        TimedOut => Some("connection timed out"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_text_escapes_controls_caps_length_and_hides_the_secret() {
        let text = format!("bad \u{1b}[2J {} {}", "s3cr3t", "x".repeat(500));
        let shown = server_text(&text, &SecretForms::new("id", "s3cr3t"));
        assert!(!shown.contains('\u{1b}'));
        assert!(!shown.contains("s3cr3t"));
        assert!(shown.contains("[redacted]"));
        assert!(shown.chars().count() <= MAX_SERVER_TEXT + 1);
        assert!(shown.ends_with('…'));
    }

    #[test]
    fn scrub_hides_the_basic_credential_and_the_form_encoded_secret() {
        let forms = SecretForms::new("my id", "p@ss w+rd");
        // Base64 of "my+id:p%40ss+w%2Brd", and the form-encoded secret alone.
        let basic = "bXkraWQ6cCU0MHNzK3clMkJyZA==";
        let text = format!(
            "got Basic {basic}, also {} and client_secret=p%40ss+w%2Brd",
            basic.trim_end_matches('=')
        );
        let shown = scrub(&text, &forms);
        assert!(!shown.contains("bXkraWQ6cCU0MHNzK3clMkJyZA"), "{shown}");
        assert!(!shown.contains("p%40ss+w%2Brd"), "{shown}");
        assert_eq!(shown.matches("[redacted]").count(), 3, "{shown}");
        assert!(!format!("{forms:?}").contains("p@ss"));
    }

    #[test]
    fn invalid_client_names_the_token_url() {
        let error = AuthError::InvalidClient {
            token_url: "https://idp.example/oauth/token".into(),
            detail: Some("unknown client".into()),
        };
        assert_eq!(
            error.to_string(),
            "client id/secret rejected by https://idp.example/oauth/token (unknown client)"
        );
    }
}
