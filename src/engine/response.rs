//! Reading what the server answered, defensively: the body with a size cap (a hostile or
//! broken server cannot exhaust memory), the `X-RateLimit-*` and `Retry-After` headers, the
//! created action's id, and a short, escaped reason for a rejection (RFC 9457 problem+json
//! `detail` and `errors` summarised). Everything here treats the server's text as data.

use bytes::{Bytes, BytesMut};
use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::audit::{Headers, RateLimit};
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

/// `X-RateLimit-Limit`, `-Remaining`, `-Reset`; `None` when none of them is there.
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
    (rate.limit.is_some() || rate.remaining.is_some() || rate.reset.is_some()).then_some(rate)
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

fn bound(text: &str) -> String {
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
