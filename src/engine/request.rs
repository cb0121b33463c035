//! The one builder of the outgoing API requests (docs/engine.md): the executor sends what
//! it builds (every step of an operation's plan), the header-budget check measures what it
//! builds, and the TUI's header matrix ([`super::Engine::preview`]) shows what it builds for
//! the first step. Nothing else adds a header.
//!
//! The list holds every header line HTTP/1.1 puts on the wire, `Host` and `Content-Length`
//! included: hyper adds `Content-Length` itself from the body (same value), and `Host` is
//! sent as built here. With reqwest's compression features off and the `User-Agent` set,
//! nothing else is added, so the budget is measured over exactly what is sent. A request
//! without a body (a GET step) has neither `Content-Type` nor `Content-Length`.
//!
//! The payload's own `configuration.headers` are data inside the body, never headers here.

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Client, Method, Url};
use serde_json::Value;

use super::client::USER_AGENT;
use crate::audit::{Headers, REDACTED};
use crate::config::{Api, ExtraHeader, Profile};
use crate::payload::{HeaderBudget, header_budget};

/// What an `Authorization` value is shown as: the scheme, never the token.
pub const AUTHORIZATION_SHOWN: &str = "Bearer [redacted]";

/// Which credentials go on a request.
#[derive(Clone, Copy)]
pub enum Credentials<'a> {
    /// `Authorization: Bearer <token>` and the profile's `extra_headers`: the request goes to
    /// the original origin.
    Bearer(&'a str),
    /// Neither: a redirect took the request to another origin.
    None,
}

/// An API request ready to send (or to show).
#[derive(Clone)]
pub struct ApiRequest {
    pub method: Method,
    pub url: Url,
    /// In the order sent; names as written here (HTTP/1.1 names are case-insensitive and the
    /// size is the same in any case).
    pub headers: Vec<(String, String)>,
    /// The body bytes (`None` for a GET), cheap to clone: every attempt sends the same
    /// bytes again.
    pub body: Option<Bytes>,
}

// By hand: the headers hold the bearer token.
impl std::fmt::Debug for ApiRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiRequest")
            .field("method", &self.method.as_str())
            .field("url", &self.url.as_str())
            .field("headers", &self.shown_headers())
            .field("body_bytes", &self.body.as_ref().map(Bytes::len))
            .finish()
    }
}

/// What the headers of one request depend on besides the URL, the token and the body.
#[derive(Clone, Copy)]
pub struct HeaderSpec<'a> {
    pub extra_headers: &'a [ExtraHeader],
    pub correlation_id: &'a str,
    /// Whether `Idempotency-Key` is sent (the correlation id): only where the dialect has
    /// one (`cxone-v2`); the genesys-cloud platform has none.
    pub idempotency_key: bool,
    /// `If-Match`, as sent (an update's quoted version).
    pub if_match: Option<&'a str>,
}

impl HeaderSpec<'_> {
    /// The spec of `profile`'s requests with `correlation_id`.
    pub fn of<'a>(profile: &'a Profile, correlation_id: &'a str) -> HeaderSpec<'a> {
        HeaderSpec {
            extra_headers: &profile.extra_headers,
            correlation_id,
            idempotency_key: sends_idempotency_key(profile.api),
            if_match: None,
        }
    }
}

/// Whether `api`'s create carries an `Idempotency-Key`.
pub fn sends_idempotency_key(api: Api) -> bool {
    match api {
        Api::CxoneV2 => true,
        Api::GenesysCloud => false,
    }
}

/// Builds the request `method url` for one attempt.
pub fn build_request(
    spec: HeaderSpec<'_>,
    method: Method,
    url: &Url,
    credentials: Credentials<'_>,
    body: Option<Bytes>,
) -> ApiRequest {
    ApiRequest {
        headers: request_headers(spec, url, credentials, body.as_ref().map(Bytes::len)),
        method,
        url: url.clone(),
        body,
    }
}

/// Builds the create request of a one-request dialect (`POST url` with `body`).
pub fn build_create(
    profile: &Profile,
    url: &Url,
    credentials: Credentials<'_>,
    correlation_id: &str,
    body: Bytes,
) -> ApiRequest {
    build_request(
        HeaderSpec::of(profile, correlation_id),
        Method::POST,
        url,
        credentials,
        Some(body),
    )
}

/// The header lines of a request with a body of `body_len` bytes (`None`: no body), in the
/// order sent. [`build_request`] uses it, and the preview uses it alone so that sizing the
/// headers of a large payload does not copy the payload.
pub fn request_headers(
    spec: HeaderSpec<'_>,
    url: &Url,
    credentials: Credentials<'_>,
    body_len: Option<usize>,
) -> Vec<(String, String)> {
    let mut headers = Vec::with_capacity(10 + spec.extra_headers.len());
    headers.push(("Host".to_string(), host_header(url)));
    if body_len.is_some() {
        headers.push(("Content-Type".to_string(), "application/json".to_string()));
    }
    headers.push(("Accept".to_string(), "application/json".to_string()));
    if let Credentials::Bearer(token) = credentials {
        headers.push(("Authorization".to_string(), format!("Bearer {token}")));
    }
    headers.push((
        "X-Correlation-ID".to_string(),
        spec.correlation_id.to_string(),
    ));
    if spec.idempotency_key {
        // The same key on every attempt of one submission, so a retry after a lost response
        // is recognised by the server instead of creating a second action.
        headers.push((
            "Idempotency-Key".to_string(),
            spec.correlation_id.to_string(),
        ));
    }
    if let Some(version) = spec.if_match {
        headers.push(("If-Match".to_string(), version.to_string()));
    }
    headers.push(("User-Agent".to_string(), USER_AGENT.to_string()));
    if let Credentials::Bearer(_) = credentials {
        for extra in spec.extra_headers {
            headers.push((extra.name.clone(), extra.value.clone()));
        }
    }
    if let Some(len) = body_len {
        headers.push(("Content-Length".to_string(), len.to_string()));
    }
    headers
}

/// The headers cxda sets itself: none holds a secret, whatever its name looks like
/// (`Idempotency-Key` matches the `*key*` rule but is the correlation id).
const OWN_HEADERS: &[&str] = &[
    "host",
    "content-type",
    "accept",
    "x-correlation-id",
    "idempotency-key",
    "if-match",
    "user-agent",
    "content-length",
];

/// The headers with `Authorization` shown as [`AUTHORIZATION_SHOWN`] and literal values of
/// secret-looking `extra_headers` as `[redacted]`: for the screen and the audit record.
pub fn shown(headers: &[(String, String)]) -> Headers {
    headers
        .iter()
        .map(|(name, value)| {
            let lower = name.to_ascii_lowercase();
            if lower == "authorization" {
                (name.clone(), AUTHORIZATION_SHOWN.to_string())
            } else if !OWN_HEADERS.contains(&lower.as_str())
                && crate::payload::is_secret_header_name(name)
                && !crate::payload::has_placeholder(value)
            {
                (name.clone(), REDACTED.to_string())
            } else {
                (name.clone(), value.clone())
            }
        })
        .collect()
}

/// `Host` as HTTP/1.1 sends it: the port only when it is not the scheme's default.
pub fn host_header(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

/// Same scheme, host and port (RFC 6454): who may see `Authorization` and `extra_headers`.
pub fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str().map(str::to_ascii_lowercase) == b.host_str().map(str::to_ascii_lowercase)
        && a.port_or_known_default() == b.port_or_known_default()
}

impl ApiRequest {
    /// The header budget over exactly these headers.
    pub fn budget(&self, budget_bytes: usize) -> HeaderBudget {
        header_budget(
            self.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
            budget_bytes,
        )
    }

    /// The headers with `Authorization` shown as [`AUTHORIZATION_SHOWN`], for the screen and
    /// the audit record (the audit writer redacts again; this keeps the token out of memory
    /// that outlives the request).
    pub fn shown_headers(&self) -> Headers {
        shown(&self.headers)
    }

    /// The reqwest request. `Content-Length` is left to hyper, which derives the same value
    /// from the body; a header that is not valid on the wire is an `Err` naming it.
    pub fn to_reqwest(&self, client: &Client) -> Result<reqwest::Request, String> {
        let mut map = HeaderMap::with_capacity(self.headers.len());
        for (name, value) in &self.headers {
            if name.eq_ignore_ascii_case("content-length") {
                continue;
            }
            let header_name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| format!("{name:?} is not a valid header name"))?;
            let header_value = HeaderValue::from_str(value)
                .map_err(|_| format!("the value of the {name} header is not valid in HTTP"))?;
            map.append(header_name, header_value);
        }
        let mut builder = client
            .request(self.method.clone(), self.url.clone())
            .headers(map);
        if let Some(body) = &self.body {
            builder = builder.body(body.clone());
        }
        builder.build().map_err(|e| e.to_string())
    }
}

/// The payload's `name`, empty when it has none (an invalid payload is still submitted: the
/// server's answer is the authority).
pub fn action_name(body: &[u8]) -> String {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("name").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_default()
}

/// A correlation id goes into two headers: visible ASCII only, bounded.
pub fn check_correlation_id(id: &str) -> Result<(), String> {
    let valid = !id.is_empty() && id.len() <= 128 && id.bytes().all(|b| b.is_ascii_graphic());
    if valid {
        Ok(())
    } else {
        Err(format!(
            "the correlation id {:?} cannot be sent: 1 to 128 visible ASCII characters",
            crate::text::escape_controls(id)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ExtraHeader;

    fn url(text: &str) -> Url {
        Url::parse(text).expect("url")
    }

    fn profile_with_extra() -> Profile {
        let mut profile = Profile::sandbox();
        profile.extra_headers.push(ExtraHeader {
            name: "X-Team".to_string(),
            value: "billing".to_string(),
        });
        profile
    }

    fn names(request: &ApiRequest) -> Vec<&str> {
        request.headers.iter().map(|(n, _)| n.as_str()).collect()
    }

    #[test]
    fn host_carries_the_port_only_when_not_default() {
        assert_eq!(
            host_header(&url("https://api.example.com/x")),
            "api.example.com"
        );
        assert_eq!(
            host_header(&url("https://api.example.com:443/x")),
            "api.example.com"
        );
        assert_eq!(
            host_header(&url("http://127.0.0.1:8787/x")),
            "127.0.0.1:8787"
        );
        assert_eq!(host_header(&url("http://[::1]:9/x")), "[::1]:9");
    }

    #[test]
    fn original_origin_gets_authorization_and_extra_headers() {
        let request = build_create(
            &profile_with_extra(),
            &url("http://127.0.0.1:8787/api/v2/data-actions"),
            Credentials::Bearer("tok"),
            "cid",
            Bytes::from_static(b"{}"),
        );
        assert_eq!(
            names(&request),
            [
                "Host",
                "Content-Type",
                "Accept",
                "Authorization",
                "X-Correlation-ID",
                "Idempotency-Key",
                "User-Agent",
                "X-Team",
                "Content-Length"
            ]
        );
    }

    #[test]
    fn genesys_sends_no_idempotency_key_and_a_get_has_no_body_headers() {
        let profile = Profile::sandbox_genesys();
        let post = build_create(
            &profile,
            &url("http://127.0.0.1:8787/api/v2/integrations/actions/drafts"),
            Credentials::Bearer("tok"),
            "cid",
            Bytes::from_static(b"{}"),
        );
        assert_eq!(
            names(&post),
            [
                "Host",
                "Content-Type",
                "Accept",
                "Authorization",
                "X-Correlation-ID",
                "User-Agent",
                "Content-Length"
            ]
        );
        let get = build_request(
            HeaderSpec::of(&profile, "cid"),
            Method::GET,
            &url("http://127.0.0.1:8787/api/v2/integrations/actions/a/draft/validation"),
            Credentials::Bearer("tok"),
            None,
        );
        assert_eq!(
            names(&get),
            [
                "Host",
                "Accept",
                "Authorization",
                "X-Correlation-ID",
                "User-Agent"
            ]
        );
    }

    #[test]
    fn another_origin_gets_neither_authorization_nor_extra_headers() {
        let request = build_create(
            &profile_with_extra(),
            &url("http://127.0.0.1:9999/elsewhere"),
            Credentials::None,
            "cid",
            Bytes::from_static(b"{}"),
        );
        let names = names(&request);
        assert!(!names.contains(&"Authorization"));
        assert!(!names.contains(&"X-Team"));
    }

    #[test]
    fn budget_counts_every_line_sent() {
        let request = build_create(
            &Profile::sandbox(),
            &url("http://127.0.0.1:8787/api/v2/data-actions"),
            Credentials::Bearer("tok"),
            "cid",
            Bytes::from_static(b"{\"a\":1}"),
        );
        let expected: usize = request
            .headers
            .iter()
            .map(|(n, v)| n.len() + v.len() + 4)
            .sum();
        assert_eq!(request.budget(8192).total, expected);
    }

    #[test]
    fn shown_headers_never_hold_the_token() {
        let request = build_create(
            &Profile::sandbox(),
            &url("http://127.0.0.1:8787/api/v2/data-actions"),
            Credentials::Bearer("sbx_secret_token"),
            "cid",
            Bytes::new(),
        );
        let shown = request.shown_headers();
        assert_eq!(shown.get("authorization"), Some(AUTHORIZATION_SHOWN));
        assert_eq!(shown.get("idempotency-key"), Some("cid"), "not a secret");
        assert!(!format!("{request:?}").contains("sbx_secret_token"));
    }

    #[test]
    fn action_name_is_the_payloads_name() {
        assert_eq!(action_name(br#"{"name":"x","type":"REST"}"#), "x");
        assert_eq!(action_name(b"not json"), "");
    }

    #[test]
    fn correlation_ids_must_be_header_safe() {
        assert!(check_correlation_id("abc-123").is_ok());
        assert!(check_correlation_id("").is_err());
        assert!(check_correlation_id("a b").is_err());
        assert!(check_correlation_id("a\r\nX-Evil: 1").is_err());
    }

    #[test]
    fn origins_differ_by_port_and_scheme() {
        let a = url("http://127.0.0.1:1/x");
        assert!(same_origin(&a, &url("http://127.0.0.1:1/y")));
        assert!(!same_origin(&a, &url("http://127.0.0.1:2/x")));
        assert!(!same_origin(&url("https://h/x"), &url("http://h/x")));
        assert!(same_origin(&url("https://h/x"), &url("https://h:443/y")));
    }
}
