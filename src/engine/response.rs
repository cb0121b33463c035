//! Reading what the server answered, defensively: the body with a size cap (a hostile or
//! broken server cannot exhaust memory), the rate-limit headers (`X-RateLimit-*`, and the
//! genesys-cloud platform's `inin-ratelimit-*`) and `Retry-After`, and a short, escaped
//! reason for a rejection in the dialect's error shape (RFC 9457 problem+json `detail` and
//! `errors` summarised; the platform's `ErrorBody`, read by `genesys::error_body`).
//! Everything here treats the server's text as data.

use bytes::{Bytes, BytesMut};
use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::audit::{Headers, RateLimit};
use crate::config::Api;
use crate::text::escape_controls;

/// The most of a response body that is read; the rest is left unread (the connection is
/// then not reused, which is the point with a server that sends that much).
pub const MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;

/// The longest rejection reason kept (the full body is in the audit record).
const MAX_REASON_CHARS: usize = 300;

/// A response as the executor keeps it.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: Headers,
    pub body: Bytes,
    /// The body went past [`MAX_RESPONSE_BYTES`] and was cut there.
    pub cut: bool,
    /// Reading the body failed part-way (the status and headers still stand).
    pub body_error: Option<String>,
    pub rate: Option<RateLimit>,
    pub retry_after: Option<String>,
    pub location: Option<String>,
}

impl Answer {
    /// An answer with `status` and `body` and nothing else: what a plan is handed in tests,
    /// and the stand-in answers the curl export walks a plan with.
    pub fn of(status: u16, body: Bytes) -> Answer {
        Answer {
            status,
            headers: Headers::default(),
            body,
            cut: false,
            body_error: None,
            rate: None,
            retry_after: None,
            location: None,
        }
    }
}

/// Reads the status, headers and (capped) body.
pub async fn read(mut response: reqwest::Response) -> Answer {
    let status = response.status().as_u16();
    let header_map = response.headers().clone();
    let mut body = BytesMut::new();
    let mut cut = false;
    let mut body_error = None;
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let room = MAX_RESPONSE_BYTES - body.len();
                if chunk.len() > room {
                    body.extend_from_slice(&chunk[..room]);
                    cut = true;
                    break;
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(e) => {
                body_error = Some(super::client::error_chain(&e));
                break;
            }
        }
    }
    Answer {
        status,
        headers: headers(&header_map),
        body: body.freeze(),
        cut,
        body_error,
        rate: rate_limit(&header_map),
        retry_after: text_header(&header_map, "retry-after"),
        location: text_header(&header_map, "location"),
    }
}

fn text_header(map: &HeaderMap, name: &str) -> Option<String> {
    map.get(name)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

/// Headers as received, in order (values that are not UTF-8 lossily decoded).
pub fn headers(map: &HeaderMap) -> Headers {
    map.iter()
        .map(|(name, value)| {
            (
                name.as_str().to_string(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// The server's rate-limit window: `X-RateLimit-Limit`, `-Remaining`, `-Reset`, else the
/// genesys-cloud platform's `inin-ratelimit-allowed` (the window's limit), `-count` (used
/// in it: remaining = allowed − count) and `-reset` (seconds until it resets); `None` when
/// neither set is there. Both feed the pacer the same way.
pub fn rate_limit(map: &HeaderMap) -> Option<RateLimit> {
    let number = |name: &str| {
        map.get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|s| s.trim().parse::<u64>().ok())
    };
    let rate = RateLimit {
        limit: number("x-ratelimit-limit"),
        remaining: number("x-ratelimit-remaining"),
        reset: number("x-ratelimit-reset"),
    };
    let any = |r: &RateLimit| r.limit.is_some() || r.remaining.is_some() || r.reset.is_some();
    if any(&rate) {
        return Some(rate);
    }
    let allowed = number("inin-ratelimit-allowed");
    let count = number("inin-ratelimit-count");
    let inin = RateLimit {
        limit: allowed,
        remaining: allowed.zip(count).map(|(a, c)| a.saturating_sub(c)),
        reset: number("inin-ratelimit-reset"),
    };
    any(&inin).then_some(inin)
}

/// [`reason`] in `api`'s error shape: the genesys-cloud platform's `ErrorBody` (code,
/// message, details, nested errors, contextId) when the body is one.
pub fn reason_for(api: Api, status: u16, body: &[u8]) -> String {
    match api {
        Api::GenesysCloud => {
            super::genesys::error_body::render(body).unwrap_or_else(|| reason(status, body))
        }
        Api::CxoneV2 => reason(status, body),
    }
}

/// Why the server refused: `title: detail (pointer: message; …)` for problem+json, the
/// OAuth-style `error`/`error_description`, else the start of the text body, else the
/// status's name. Control characters escaped, length bounded.
pub fn reason(status: u16, body: &[u8]) -> String {
    let from_json = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|value| json_reason(&value));
    let text = from_json.unwrap_or_else(|| {
        let text = String::from_utf8_lossy(body);
        let text = text.trim();
        if text.is_empty() {
            status_name(status).to_string()
        } else {
            text.to_string()
        }
    });
    bound(&escape_controls(&text))
}

fn json_reason(value: &Value) -> Option<String> {
    let str_of = |key: &str| value.get(key).and_then(Value::as_str).map(str::trim);
    let main = str_of("detail")
        .filter(|s| !s.is_empty())
        .or_else(|| str_of("title"))
        .or_else(|| str_of("error_description"))
        .or_else(|| str_of("message"))
        .or_else(|| str_of("error"))
        .map(str::to_string);
    let errors: Vec<String> = value
        .get("errors")
        .and_then(Value::as_array)
        .map(|errors| errors.iter().take(3).filter_map(error_entry).collect())
        .unwrap_or_default();
    let more = value
        .get("errors")
        .and_then(Value::as_array)
        .map_or(0, |e| e.len().saturating_sub(3));
    match (main, errors.is_empty()) {
        (None, true) => None,
        (main, _) => {
            let mut text = main.unwrap_or_default();
            if !errors.is_empty() {
                if !text.is_empty() {
                    text.push_str(": ");
                }
                text.push_str(&errors.join("; "));
                if more > 0 {
                    text.push_str(&format!("; and {more} more"));
                }
            }
            Some(text)
        }
    }
}

fn error_entry(entry: &Value) -> Option<String> {
    if let Some(text) = entry.as_str() {
        return Some(text.to_string());
    }
    let message = ["detail", "message", "title"]
        .iter()
        .find_map(|k| entry.get(*k).and_then(Value::as_str))?;
    match entry.get("pointer").and_then(Value::as_str) {
        Some(pointer) if !pointer.is_empty() => Some(format!("{pointer}: {message}")),
        _ => Some(message.to_string()),
    }
}

pub(super) fn bound(text: &str) -> String {
    if text.chars().count() <= MAX_REASON_CHARS {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(MAX_REASON_CHARS).collect();
    cut.push('…');
    cut
}

fn status_name(status: u16) -> &'static str {
    reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("no reason given")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_json_reason_has_detail_and_pointed_errors() {
        let body = br#"{"title":"Bad Request","detail":"the payload has 2 errors","errors":[
            {"pointer":"/name","detail":"is required"},{"pointer":"/type","detail":"must be REST"}]}"#;
        assert_eq!(
            reason(400, body),
            "the payload has 2 errors: /name: is required; /type: must be REST"
        );
    }

    #[test]
    fn reason_escapes_control_characters() {
        let body = "{\"detail\":\"bad\\u001b[2J\"}";
        let text = reason(409, body.as_bytes());
        assert!(!text.contains('\u{1b}'), "{text}");
        assert!(text.contains("\\u{1b}"), "{text}");
    }

    #[test]
    fn empty_body_reason_is_the_status_name() {
        assert_eq!(reason(403, b""), "Forbidden");
    }

    #[test]
    fn long_reasons_are_bounded() {
        let body = "x".repeat(10_000);
        assert!(reason(400, body.as_bytes()).chars().count() <= MAX_REASON_CHARS + 1);
    }

    #[test]
    fn inin_headers_give_the_limit_what_is_left_and_the_reset() {
        let mut map = HeaderMap::new();
        map.insert("inin-ratelimit-allowed", "300".parse().expect("value"));
        map.insert("inin-ratelimit-count", "298".parse().expect("value"));
        map.insert("inin-ratelimit-reset", "41".parse().expect("value"));
        assert_eq!(
            rate_limit(&map),
            Some(RateLimit {
                limit: Some(300),
                remaining: Some(2),
                reset: Some(41)
            })
        );
        map.insert("inin-ratelimit-count", "301".parse().expect("value"));
        assert_eq!(rate_limit(&map).and_then(|r| r.remaining), Some(0));
    }

    #[test]
    fn x_ratelimit_wins_over_inin() {
        let mut map = HeaderMap::new();
        map.insert("inin-ratelimit-allowed", "300".parse().expect("value"));
        map.insert("x-ratelimit-remaining", "7".parse().expect("value"));
        assert_eq!(rate_limit(&map).and_then(|r| r.limit), None);
    }

    #[test]
    fn rate_limit_needs_at_least_one_header() {
        let mut map = HeaderMap::new();
        assert_eq!(rate_limit(&map), None);
        map.insert("x-ratelimit-remaining", "7".parse().expect("value"));
        assert_eq!(
            rate_limit(&map),
            Some(RateLimit {
                limit: None,
                remaining: Some(7),
                reset: None
            })
        );
    }
}
