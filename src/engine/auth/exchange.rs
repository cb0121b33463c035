//! One token request (RFC 6749 §4.4): the form, the client authentication (RFC 6749
//! §2.3.1), and the reading of the answer (RFC 6749 §5.1 success, §5.2 error) into an
//! [`Issued`] token or an [`AuthError`]. No caching here; `TokenSource` decides when to call
//! [`request`].

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use reqwest::Url;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue};
use serde_json::Value;

use super::error::{AuthError, SecretForms, scrub, server_text, transport_cause};
use crate::config::{ClientAuth, Connection, Secret};

/// Lifetime of a token whose response has no `expires_in` (docs/engine.md, The token).
pub(super) const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);

/// The most of a token response read; a real one is a few KiB, so anything past this is
/// not a token response and must not be allowed to fill memory.
const MAX_BODY_BYTES: usize = 256 * 1024;

/// A token as the endpoint issued it.
pub(super) struct Issued {
    pub value: String,
    pub lifetime: Duration,
}

/// Everything needed to ask for a token, fixed for the profile's lifetime.
pub(super) struct Endpoint {
    http: reqwest::Client,
    url: Url,
    /// The URL as messages show it: no userinfo, no query.
    pub shown_url: String,
    /// `host:port`, what a network error names.
    pub host: String,
    client_id: String,
    client_secret: Secret,
    /// What error messages are scrubbed of.
    secret_forms: SecretForms,
    auth: ClientAuth,
    /// Space-joined (RFC 6749 §3.3); empty means "send no scope parameter".
    pub scope: String,
    timeout: Duration,
}

impl Endpoint {
    pub fn new(
        http: reqwest::Client,
        connection: &Connection,
        auth: ClientAuth,
        scopes: &[String],
        timeout: Duration,
    ) -> Endpoint {
        let url = connection.token_url.clone();
        Endpoint {
            http,
            shown_url: shown_url(&url),
            host: host_port(&url),
            url,
            client_id: connection.client_id.clone(),
            client_secret: connection.client_secret.clone(),
            secret_forms: SecretForms::new(
                &connection.client_id,
                connection.client_secret.expose(),
            ),
            auth,
            scope: scopes
                .iter()
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" "),
            timeout,
        }
    }

    pub fn auth(&self) -> ClientAuth {
        self.auth
    }

    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    fn secret(&self) -> &str {
        self.client_secret.expose()
    }
}

/// `https://host:port/path`, without a `user:password@` or a query that might carry one.
fn shown_url(url: &Url) -> String {
    let mut shown = url.clone();
    // Both only fail for URLs that cannot have userinfo, which then have none to hide.
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.set_query(None);
    shown.set_fragment(None);
    shown.to_string()
}

fn host_port(url: &Url) -> String {
    let host = url.host_str().unwrap_or("(no host)");
    match url.port_or_known_default() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

/// `application/x-www-form-urlencoded` encoding of one value, as RFC 6749 §2.3.1 requires
/// for the client id and secret before they are joined and Base64-encoded.
pub(super) fn form_component(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// `base64(urlencode(id) ":" urlencode(secret))`, the credential of the Basic scheme.
pub(super) fn basic_credential(id: &str, secret: &str) -> String {
    STANDARD.encode(format!("{}:{}", form_component(id), form_component(secret)))
}

/// `Basic base64(urlencode(id) ":" urlencode(secret))`, marked sensitive so that no
/// `Debug` of the request shows it.
pub(super) fn basic_authorization(id: &str, secret: &str) -> Option<HeaderValue> {
    let credential = basic_credential(id, secret);
    let mut value = HeaderValue::from_str(&format!("Basic {credential}")).ok()?;
    value.set_sensitive(true);
    Some(value)
}

/// Asks the endpoint for a token, within the profile's timeout (connect, send and read).
pub(super) async fn request(endpoint: &Endpoint) -> Result<Issued, AuthError> {
    match tokio::time::timeout(endpoint.timeout, exchange(endpoint)).await {
        Ok(result) => result,
        Err(_) => Err(AuthError::Timeout {
            host: endpoint.host.clone(),
            after_ms: u64::try_from(endpoint.timeout.as_millis()).unwrap_or(u64::MAX),
        }),
    }
}

async fn exchange(endpoint: &Endpoint) -> Result<Issued, AuthError> {
    let mut form: Vec<(&str, &str)> = vec![("grant_type", "client_credentials")];
    if !endpoint.scope.is_empty() {
        form.push(("scope", &endpoint.scope));
    }
    let mut builder = endpoint
        .http
        .post(endpoint.url.clone())
        .header(ACCEPT, "application/json");
    match endpoint.auth {
        ClientAuth::Basic => {
            // A value that cannot be a header cannot happen (Base64 is ASCII); fall back to
            // the body rather than sending no credentials at all.
            match basic_authorization(&endpoint.client_id, endpoint.secret()) {
                Some(value) => builder = builder.header(AUTHORIZATION, value),
                None => {
                    form.push(("client_id", &endpoint.client_id));
                    form.push(("client_secret", endpoint.secret()));
                }
            }
        }
        ClientAuth::Body => {
            form.push(("client_id", &endpoint.client_id));
            form.push(("client_secret", endpoint.secret()));
        }
    }
    // `form` sets `Content-Type: application/x-www-form-urlencoded`.
    let mut response = builder
        .form(&form)
        .send()
        .await
        .map_err(|e| network_error(endpoint, &e))?;
    let status = response.status().as_u16();
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| network_error(endpoint, &e))?
    {
        let room = MAX_BODY_BYTES.saturating_sub(body.len());
        body.extend_from_slice(chunk.get(..room).unwrap_or(&chunk));
        if body.len() >= MAX_BODY_BYTES {
            break;
        }
    }
    if (200..300).contains(&status) {
        parse_success(endpoint, status, &body)
    } else {
        Err(parse_failure(endpoint, status, &body))
    }
}

fn network_error(endpoint: &Endpoint, error: &reqwest::Error) -> AuthError {
    if error.is_timeout() {
        return AuthError::Timeout {
            host: endpoint.host.clone(),
            after_ms: u64::try_from(endpoint.timeout.as_millis()).unwrap_or(u64::MAX),
        };
    }
    AuthError::Network {
        host: endpoint.host.clone(),
        cause: transport_cause(error, &endpoint.secret_forms),
    }
}

/// RFC 6749 §5.1. A 2xx body is never quoted in an error: it may hold a token under a name
/// this client does not know.
fn parse_success(endpoint: &Endpoint, status: u16, body: &[u8]) -> Result<Issued, AuthError> {
    let unexpected = |what: String| AuthError::Unexpected {
        token_url: endpoint.shown_url.clone(),
        status,
        what,
    };
    let json: Value = serde_json::from_slice(body).map_err(|_| {
        unexpected(format!(
            "the body is not JSON ({} bytes); expected an OAuth token response",
            body.len()
        ))
    })?;
    let Some(object) = json.as_object() else {
        return Err(unexpected("the body is JSON but not an object".into()));
    };
    let token = object
        .get("access_token")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty());
    let Some(token) = token else {
        let keys: Vec<String> = object
            .keys()
            .map(|k| server_text(k, &endpoint.secret_forms))
            .collect();
        return Err(unexpected(format!(
            "no access_token in the response (its keys: {})",
            keys.join(", ")
        )));
    };
    // RFC 6749 §5.1 makes token_type required; a server that leaves it out is taken at
    // its word that the token is a bearer one, the only kind a client-credentials API uses.
    if let Some(token_type) = object.get("token_type") {
        let bearer = token_type
            .as_str()
            .is_some_and(|t| t.eq_ignore_ascii_case("bearer"));
        if !bearer {
            return Err(AuthError::UnsupportedTokenType {
                token_url: endpoint.shown_url.clone(),
                token_type: server_text(&token_type.to_string(), &endpoint.secret_forms),
            });
        }
    }
    Ok(Issued {
        value: token.to_string(),
        lifetime: object
            .get("expires_in")
            .and_then(seconds)
            .unwrap_or(DEFAULT_LIFETIME),
    })
}

/// `expires_in` as a number of seconds; some servers send it as a string.
fn seconds(value: &Value) -> Option<Duration> {
    let secs = match value {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    if !secs.is_finite() {
        return None;
    }
    // Ten years is "does not expire" for a process; it also keeps Instant arithmetic safe.
    Some(Duration::from_secs_f64(
        secs.clamp(0.0, 10.0 * 365.0 * 86_400.0),
    ))
}

/// RFC 6749 §5.2, or whatever else a failing endpoint sends.
fn parse_failure(endpoint: &Endpoint, status: u16, body: &[u8]) -> AuthError {
    let secret = &endpoint.secret_forms;
    let json: Option<Value> = serde_json::from_slice(body).ok();
    let field = |name: &str| {
        json.as_ref()
            .and_then(|j| j.get(name))
            .and_then(Value::as_str)
            .map(|text| server_text(text, secret))
    };
    let error = field("error");
    let description = field("error_description");
    match error.as_deref() {
        Some("invalid_client") => AuthError::InvalidClient {
            token_url: endpoint.shown_url.clone(),
            detail: description,
        },
        Some(code) => AuthError::OAuth {
            token_url: endpoint.shown_url.clone(),
            status,
            error: code.to_string(),
            description,
        },
        // A bare 401 from a token endpoint can only be about the client's credentials.
        None if status == 401 => AuthError::InvalidClient {
            token_url: endpoint.shown_url.clone(),
            detail: None,
        },
        None => {
            let text = String::from_utf8_lossy(body);
            let what = if text.trim().is_empty() {
                "an empty body".to_string()
            } else {
                server_text(&scrub(&text, secret), secret)
            };
            AuthError::Unexpected {
                token_url: endpoint.shown_url.clone(),
                status,
                what,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(url: &str) -> Endpoint {
        crate::init_tls();
        let url = Url::parse(url).expect("url");
        let connection = Connection {
            token_url: url.clone(),
            api_base_url: url.clone(),
            create_url: url,
            client_id: "id".into(),
            client_secret: Secret::new("hunter2"),
        };
        Endpoint::new(
            reqwest::Client::new(),
            &connection,
            ClientAuth::Basic,
            &["b".into(), " ".into(), "a".into()],
            Duration::from_secs(1),
        )
    }

    #[test]
    fn basic_credentials_are_form_encoded_before_base64() {
        let value = basic_authorization("a b:c%", "p@ss+wörd&=").expect("header");
        let text = value.to_str().expect("ascii");
        let encoded = text.strip_prefix("Basic ").expect("scheme");
        let decoded = String::from_utf8(STANDARD.decode(encoded).expect("base64")).expect("utf8");
        assert_eq!(decoded, "a+b%3Ac%25:p%40ss%2Bw%C3%B6rd%26%3D");
        assert!(value.is_sensitive());
    }

    #[test]
    fn the_colon_splits_only_id_from_secret() {
        let value = basic_authorization("id:with:colons", "secret:too").expect("header");
        let encoded = value.to_str().expect("ascii").trim_start_matches("Basic ");
        let decoded = String::from_utf8(STANDARD.decode(encoded).expect("base64")).expect("utf8");
        assert_eq!(decoded.matches(':').count(), 1);
    }

    #[test]
    fn scopes_are_space_joined_without_blanks() {
        assert_eq!(endpoint("https://idp.example/token").scope, "b a");
    }

    #[test]
    fn shown_url_drops_userinfo_and_query() {
        let e = endpoint("https://user:pw@idp.example:8443/oauth/token?key=v#f");
        assert_eq!(e.shown_url, "https://idp.example:8443/oauth/token");
        assert_eq!(e.host, "idp.example:8443");
    }

    #[test]
    fn missing_expires_in_means_an_hour_and_strings_are_read() {
        let e = endpoint("https://idp.example/token");
        let issued = parse_success(&e, 200, br#"{"access_token":"t","token_type":"bearer"}"#)
            .expect("token");
        assert_eq!(issued.lifetime, DEFAULT_LIFETIME);
        let issued = parse_success(
            &e,
            200,
            br#"{"access_token":"t","token_type":"Bearer","expires_in":"120"}"#,
        )
        .expect("token");
        assert_eq!(issued.lifetime, Duration::from_secs(120));
    }

    #[test]
    fn a_token_less_success_names_keys_never_values() {
        let e = endpoint("https://idp.example/token");
        let error = parse_success(&e, 200, br#"{"accessToken":"sbx_leak"}"#)
            .err()
            .expect("an error");
        let text = error.to_string();
        assert!(text.contains("accessToken"), "{text}");
        assert!(!text.contains("sbx_leak"), "{text}");
    }

    #[test]
    fn a_mac_token_is_refused() {
        let e = endpoint("https://idp.example/token");
        let error = parse_success(&e, 200, br#"{"access_token":"t","token_type":"mac"}"#)
            .err()
            .expect("an error");
        assert!(matches!(error, AuthError::UnsupportedTokenType { .. }));
    }

    #[test]
    fn oauth_errors_carry_code_and_escaped_description_without_the_secret() {
        let e = endpoint("https://idp.example/token");
        let body = br#"{"error":"invalid_scope","error_description":"no \u001b[31m hunter2"}"#;
        let text = parse_failure(&e, 400, body).to_string();
        assert!(text.contains("invalid_scope"), "{text}");
        assert!(!text.contains('\u{1b}'), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
    }

    #[test]
    fn an_html_error_page_is_excerpted() {
        let e = endpoint("https://idp.example/token");
        let text = parse_failure(&e, 502, b"<html>Bad gateway</html>").to_string();
        assert!(text.contains("HTTP 502"), "{text}");
        assert!(text.contains("Bad gateway"), "{text}");
    }
}
