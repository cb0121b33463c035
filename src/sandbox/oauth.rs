//! OAuth 2.0 for the sandbox: the client-credentials token endpoint (RFC 6749 §4.4, errors
//! per RFC 6749 §5.2) and the bearer-token check the API routes use (RFC 6750 §3 for the
//! `WWW-Authenticate` answers). The only client is `sandbox` / `sandbox-secret`.

#![allow(
    clippy::result_large_err,
    reason = "the Err side is the HTTP response to send; it is built once, on the way out"
)]

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State as AxumState;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::json;

use super::respond;
use super::state::{Grant, Scopes, State, TokenRejection};
use super::{CLIENT_ID, CLIENT_SECRET};

pub(crate) const REALM: &str = "cxda-sandbox";
pub const SCOPE_READ: &str = "data-actions:read";
pub const SCOPE_WRITE: &str = "data-actions:write";

/// An RFC 6749 §5.2 error: `400` except `invalid_client`, which is `401` with a `Basic`
/// challenge so a client that tried Basic knows to retry it (RFC 6749 §5.2 says MUST when the
/// client used the Authorization header; the sandbox says it every time).
fn oauth_error(code: &'static str, description: &str) -> Response {
    let status = if code == "invalid_client" {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::BAD_REQUEST
    };
    let body = json!({ "error": code, "error_description": description });
    let mut response = no_store(respond::json(status, &body));
    if status == StatusCode::UNAUTHORIZED {
        response = respond::with_header(
            response,
            header::WWW_AUTHENTICATE,
            &format!("Basic realm=\"{REALM}\", charset=\"UTF-8\""),
        );
    }
    response
}

/// Token responses must not be cached by anything on the way (RFC 6749 §5.1).
fn no_store(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// `POST /oauth/token`.
pub(crate) async fn token(
    AxumState(state): AxumState<Arc<State>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match grant(&state, &headers, &body) {
        Ok(response) | Err(response) => response,
    }
}

fn grant(state: &State, headers: &HeaderMap, body: &[u8]) -> Result<Response, Response> {
    let form_encoded = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| {
            essence
                .trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !form_encoded {
        return Err(oauth_error(
            "invalid_request",
            "the token request must be form-encoded (Content-Type: application/x-www-form-urlencoded)",
        ));
    }

    let mut params: Vec<(String, String)> = Vec::new();
    for (name, value) in form_urlencoded::parse(body) {
        if params.iter().any(|(seen, _)| *seen == name) {
            // RFC 6749 §3.2: parameters MUST NOT be included more than once.
            return Err(oauth_error(
                "invalid_request",
                &format!("the parameter `{name}` appears more than once"),
            ));
        }
        params.push((name.into_owned(), value.into_owned()));
    }
    let param = |name: &str| {
        params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };

    let basic = match headers.get(header::AUTHORIZATION) {
        None => None,
        Some(value) => Some(basic_credentials(value).ok_or_else(|| {
            oauth_error(
                "invalid_client",
                "the Authorization header is not valid HTTP Basic client credentials",
            )
        })?),
    };
    let in_body = param("client_id").is_some() || param("client_secret").is_some();
    let (id, secret) = match (basic, in_body) {
        (Some(_), true) => {
            // RFC 6749 §2.3: a client MUST NOT use more than one authentication method.
            return Err(oauth_error(
                "invalid_request",
                "the client authenticated both with HTTP Basic and in the body; use one",
            ));
        }
        (Some((id, secret)), false) => (id, secret),
        (None, true) => (
            param("client_id").unwrap_or_default().to_string(),
            param("client_secret").unwrap_or_default().to_string(),
        ),
        (None, false) => {
            return Err(oauth_error(
                "invalid_client",
                "no client credentials: use HTTP Basic or client_id and client_secret in the body",
            ));
        }
    };
    if id != CLIENT_ID || secret != CLIENT_SECRET {
        return Err(oauth_error(
            "invalid_client",
            "unknown client or wrong secret",
        ));
    }

    match param("grant_type") {
        None => {
            return Err(oauth_error(
                "invalid_request",
                "the grant_type parameter is missing",
            ));
        }
        Some("client_credentials") => {}
        Some(other) => {
            return Err(oauth_error(
                "unsupported_grant_type",
                &format!("grant_type `{other}` is not supported; use client_credentials"),
            ));
        }
    }

    let scopes = requested_scopes(param("scope").unwrap_or_default())?;
    let token = new_token()
        .ok_or_else(|| oauth_error("server_error", "the random source failed; try again"))?;
    let ttl_s = state.faults().token_ttl_s;
    let granted = scope_text(scopes);
    state.issue_token(token.clone(), scopes, Duration::from_secs(ttl_s));
    let body = json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": ttl_s,
        "scope": granted,
    });
    Ok(no_store(respond::json(StatusCode::OK, &body)))
}

/// Space-delimited scopes (RFC 6749 §3.3); none requested means both.
fn requested_scopes(text: &str) -> Result<Scopes, Response> {
    let mut scopes = Scopes::default();
    let mut any = false;
    for scope in text.split(' ').filter(|s| !s.is_empty()) {
        any = true;
        match scope {
            SCOPE_READ => scopes.read = true,
            SCOPE_WRITE => scopes.write = true,
            other => {
                return Err(oauth_error(
                    "invalid_scope",
                    &format!("unknown scope `{other}` (known: {SCOPE_READ} {SCOPE_WRITE})"),
                ));
            }
        }
    }
    if !any {
        scopes = Scopes {
            read: true,
            write: true,
        };
    }
    Ok(scopes)
}

fn scope_text(scopes: Scopes) -> String {
    match (scopes.read, scopes.write) {
        (true, true) => format!("{SCOPE_READ} {SCOPE_WRITE}"),
        (true, false) => SCOPE_READ.to_string(),
        (false, true) => SCOPE_WRITE.to_string(),
        (false, false) => String::new(),
    }
}

/// `sbx_` and 256 random bits from the OS.
fn new_token() -> Option<String> {
    let mut random = [0u8; 32];
    getrandom::fill(&mut random).ok()?;
    Some(format!("sbx_{}", URL_SAFE_NO_PAD.encode(random)))
}

/// Decodes `Basic base64(urlencode(id) ":" urlencode(secret))` (RFC 6749 §2.3.1).
fn basic_credentials(value: &HeaderValue) -> Option<(String, String)> {
    let value = value.to_str().ok()?.trim();
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = STANDARD.decode(encoded.trim()).ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((form_decode(id)?, form_decode(secret)?))
}

/// `application/x-www-form-urlencoded` decoding of one component: `+` is a space, `%XX` a
/// byte; the result must be UTF-8.
fn form_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                let hex = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            _ => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// Which scope a route needs.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Need {
    Read,
    Write,
}

/// The token of an `Authorization: Bearer …` header, if the request has one; both dialects'
/// bearer checks start here.
pub(crate) fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
}

/// The bearer check for `/api/v2/*`: 401 without a usable token (with `invalid_token` when
/// one was given but is unknown or expired), 403 without the scope.
pub(crate) fn authorize(state: &State, headers: &HeaderMap, need: Need) -> Result<Grant, Response> {
    let token = bearer_token(headers);
    let Some(token) = token else {
        let response = respond::problem(
            StatusCode::UNAUTHORIZED,
            "a bearer token is required: get one from POST /oauth/token",
            None,
        );
        return Err(respond::with_header(
            response,
            header::WWW_AUTHENTICATE,
            &format!("Bearer realm=\"{REALM}\""),
        ));
    };
    let grant = state.check_token(token).map_err(|why| {
        let description = match why {
            TokenRejection::Unknown => "the access token is not known",
            TokenRejection::Expired => "the access token expired",
        };
        let response = respond::problem(StatusCode::UNAUTHORIZED, description, None);
        respond::with_header(
            response,
            header::WWW_AUTHENTICATE,
            &format!(
                "Bearer realm=\"{REALM}\", error=\"invalid_token\", error_description=\"{description}\""
            ),
        )
    })?;
    let (allowed, scope) = match need {
        Need::Read => (grant.scopes.read, SCOPE_READ),
        Need::Write => (grant.scopes.write, SCOPE_WRITE),
    };
    if !allowed {
        let response = respond::problem(
            StatusCode::FORBIDDEN,
            format!("the access token lacks the `{scope}` scope"),
            None,
        );
        return Err(respond::with_header(
            response,
            header::WWW_AUTHENTICATE,
            &format!("Bearer realm=\"{REALM}\", error=\"insufficient_scope\", scope=\"{scope}\""),
        ));
    }
    Ok(grant)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_form_decoded_after_base64() {
        let encoded = STANDARD.encode("my+client%3Aid:p%40ss+word");
        let value = HeaderValue::from_str(&format!("Basic {encoded}")).expect("header");
        assert_eq!(
            basic_credentials(&value),
            Some(("my client:id".to_string(), "p@ss word".to_string()))
        );
    }

    #[test]
    fn basic_credentials_refuse_other_schemes_and_bad_escapes() {
        let bearer = HeaderValue::from_static("Bearer abc");
        assert_eq!(basic_credentials(&bearer), None);
        let encoded = STANDARD.encode("id:%zz");
        let value = HeaderValue::from_str(&format!("Basic {encoded}")).expect("header");
        assert_eq!(basic_credentials(&value), None);
    }

    #[test]
    fn tokens_carry_256_random_bits_after_the_prefix() {
        let a = new_token().expect("token");
        let b = new_token().expect("token");
        assert!(a.starts_with("sbx_"));
        assert_eq!(a.len(), 4 + 43);
        assert_ne!(a, b);
    }
}
