//! The one HTTP client of a profile (docs/engine.md): built once and shared by the token source,
//! every submission and the webhook deliveries, so connections are reused.
//!
//! Decisions:
//! - Redirects are never followed by reqwest (`Policy::none()`): the executor decides hop by
//!   hop (`redirect.rs`), because a blind follow would turn a POST into a GET on 301/302 and
//!   carry `Authorization` to another origin.
//! - HTTP/1.1 only: the header budget counts HTTP/1.1 header lines, so that is what is sent.
//! - rustls (ring), TLS ≥ 1.2, the platform's roots plus the profile's `ca_cert`; verification
//!   is never disabled.
//! - Proxies: reqwest's automatic proxy would also send loopback traffic through
//!   `HTTP(S)_PROXY`; instead `HTTPS_PROXY` (or `https_proxy`) is applied by hand to https
//!   URLs only, minus `NO_PROXY`, and never to a loopback host. Plain http only ever goes to
//!   loopback (the transport rule), so `HTTP_PROXY` has nothing to apply to. A value without
//!   a scheme (`proxy.corp:3128`, as curl accepts it) is taken as `http://`; one that is still
//!   not a proxy URL is a configuration error, never silently ignored: the user asked for a
//!   proxy, and going around it would send the traffic where they did not mean it to go.
//! - A connect timeout (TCP and the TLS handshake, which reqwest's connector wraps in the
//!   same timer) shorter than the whole-request timeout: a stalled handshake then fails as a
//!   connect error, known not to have sent anything and so retried, instead of running into
//!   the request timeout, which cannot tell "never sent" from "sent, answer lost".

use std::net::IpAddr;
use std::time::Duration;

use reqwest::{Certificate, Client, ClientBuilder, NoProxy, Proxy, Url};

use super::EngineError;
use crate::config::Profile;

/// `User-Agent: cxda/<version>`, on every request the engine makes.
pub const USER_AGENT: &str = concat!("cxda/", env!("CARGO_PKG_VERSION"));

/// The longest the connect phase (TCP, then the TLS handshake) may take.
pub const MAX_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The connect timeout for a profile's request timeout: at most [`MAX_CONNECT_TIMEOUT`],
/// and three quarters of the request timeout. Strictly shorter than the request timeout on
/// purpose: both timers run during the connect, the request's started first, so with equal
/// values the request timer would fire first and a stalled handshake would still read as
/// "sent, outcome unknown".
pub fn connect_timeout(request_timeout: Duration) -> Duration {
    (request_timeout / 4 * 3).min(MAX_CONNECT_TIMEOUT)
}

/// The settings every client of the engine shares (see the module's decisions): its
/// user agent, no redirects followed, HTTP/1.1, rustls with TLS ≥ 1.2, `timeout` over a
/// whole request with a shorter connect timeout, no retries of reqwest's own.
fn common_builder(timeout: Duration) -> ClientBuilder {
    crate::init_tls();
    Client::builder()
        .user_agent(USER_AGENT)
        .redirect(reqwest::redirect::Policy::none())
        .http1_only()
        .tls_backend_rustls()
        .tls_version_min(reqwest::tls::Version::TLS_1_2)
        .timeout(timeout)
        .connect_timeout(connect_timeout(timeout))
        .tcp_nodelay(true)
        // Never our own retries underneath the executor's: it counts and records each one.
        .retry(reqwest::retry::never())
}

/// `HTTPS_PROXY` (see the module's decisions) applied to a builder, or no proxy at all.
fn with_env_proxy(builder: ClientBuilder, profile: &str) -> Result<ClientBuilder, EngineError> {
    let proxy = https_proxy_from_env().map_err(|e| EngineError::Proxy {
        profile: profile.to_string(),
        variable: e.variable,
        value: e.value,
        reason: e.reason,
    })?;
    Ok(match proxy {
        Some(proxy_url) => builder.proxy(https_proxy(proxy_url)),
        None => builder.no_proxy(),
    })
}

/// Builds the profile's client. Fails on a `ca_cert` that does not hold a certificate, an
/// `HTTPS_PROXY` that is not a proxy URL, or a TLS set-up the platform cannot provide.
pub fn build_client(profile: &Profile) -> Result<Client, EngineError> {
    build_with_roots(profile, profile.timeout, needs_platform_roots(profile))
}

/// The client a local test run of `profile` sends with: the profile's client when it
/// already trusts the platform's roots, else one that does (an action's target is any
/// https host, whatever the profile talks to itself), with the profile's `ca_cert` and
/// proxy either way. Each request sets the action's own timeout.
pub fn build_target_client(profile: &Profile) -> Result<Client, EngineError> {
    build_with_roots(profile, crate::runner::action::MAX_TIMEOUT, true)
}

fn build_with_roots(
    profile: &Profile,
    timeout: Duration,
    platform_roots: bool,
) -> Result<Client, EngineError> {
    let mut builder = common_builder(timeout);
    let mut certs = Vec::new();
    if let Some(ca) = &profile.ca_cert {
        certs = Certificate::from_pem_bundle(&ca.pem).map_err(|e| EngineError::CaCert {
            profile: profile.name.clone(),
            path: ca.path.clone(),
            reason: e.to_string(),
        })?;
        if certs.is_empty() {
            return Err(EngineError::CaCert {
                profile: profile.name.clone(),
                path: ca.path.clone(),
                reason: "it holds no PEM certificate".to_string(),
            });
        }
    }
    builder = if platform_roots {
        builder.tls_certs_merge(certs)
    } else {
        // Nothing this profile talks to uses https: the platform's roots (every file of
        // /etc/ssl/certs, tens of milliseconds and a few hundred KiB) are never read.
        builder.tls_certs_only(certs)
    };
    builder = with_env_proxy(builder, &profile.name)?;
    builder.build().map_err(|e| EngineError::Client {
        profile: profile.name.clone(),
        reason: error_chain(&e),
    })
}

/// A client for test runs outside any profile (the embedded sandbox's genesys-cloud test
/// endpoints): [`build_target_client`] of the built-in `sandbox` profile, which has no
/// `ca_cert`: the platform's roots, `HTTPS_PROXY` as a profile's client applies it, errors
/// naming the `sandbox` profile, whose server runs these tests.
pub fn target_client() -> Result<Client, EngineError> {
    build_target_client(&Profile::sandbox())
}

/// A client built on its first use, on a blocking thread (building one reads the
/// platform's trust roots: tens of milliseconds of file reads a runtime worker must not
/// wait on), then shared; a failed build is kept and said each time.
#[derive(Debug, Clone, Default)]
pub struct LazyClient(std::sync::OnceLock<Result<Client, String>>);

impl LazyClient {
    /// The client, `build` making it the first time.
    pub async fn get(
        &self,
        build: impl FnOnce() -> Result<Client, EngineError> + Send + 'static,
    ) -> Result<Client, String> {
        if let Some(built) = self.0.get() {
            return built.clone();
        }
        let built = tokio::task::spawn_blocking(move || build().map_err(|e| e.to_string()))
            .await
            .unwrap_or_else(|e| Err(format!("building the HTTP client failed: {e}")));
        // Two first uses at once build it twice; the first kept is the one shared.
        self.0.get_or_init(|| built).clone()
    }
}

/// True when a URL the profile talks to (token, API, webhook) is https: only then are the
/// platform's trust roots loaded. A plain-http profile is loopback only (the transport
/// rule), such as the embedded sandbox; a redirect from it to an https origin would then
/// fail as untrusted unless `ca_cert` names that origin's CA.
pub fn needs_platform_roots(profile: &Profile) -> bool {
    let https = |url: &Url| url.scheme() == "https";
    let connection = profile.connection.as_ref();
    connection.is_none_or(|c| https(&c.token_url) || https(&c.api_base_url))
        || profile.webhook_url.as_ref().is_some_and(https)
}

/// An `HTTPS_PROXY` value that is not a proxy URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadProxy {
    /// `HTTPS_PROXY` or `https_proxy`.
    pub variable: String,
    /// The value as set, any `user:password@` replaced with `[redacted]@`.
    pub value: String,
    pub reason: String,
}

/// The proxy `HTTPS_PROXY` (else `https_proxy`) asks for; `Ok(None)` when neither is set.
fn https_proxy_from_env() -> Result<Option<Url>, BadProxy> {
    let set = ["HTTPS_PROXY", "https_proxy"].into_iter().find_map(|name| {
        std::env::var(name)
            .ok()
            .filter(|value| !value.trim().is_empty())
            .map(|value| (name, value))
    });
    match set {
        None => Ok(None),
        Some((name, value)) => parse_proxy(name, &value).map(Some),
    }
}

/// A proxy variable's value as a URL: `http://` is assumed when it has no scheme; only
/// `http` and `https` proxies with a host are accepted.
pub fn parse_proxy(variable: &str, value: &str) -> Result<Url, BadProxy> {
    let trimmed = value.trim();
    let with_scheme = if trimmed.contains("://") {
        trimmed.to_string()
    } else {
        format!("http://{trimmed}")
    };
    let bad = |reason: String| BadProxy {
        variable: variable.to_string(),
        value: hide_userinfo(trimmed),
        reason,
    };
    let url = Url::parse(&with_scheme).map_err(|e| bad(e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad(format!(
            "the scheme {}:// is not supported for a proxy (http:// or https://)",
            url.scheme()
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("it names no host".to_string()));
    }
    Ok(url)
}

/// `scheme://user:password@host` → `scheme://[redacted]@host`, so that an error quoting a
/// proxy variable never shows its credentials.
fn hide_userinfo(value: &str) -> String {
    let start = value.find("://").map_or(0, |i| i + 3);
    let authority_end = value[start..]
        .find(['/', '?', '#'])
        .map_or(value.len(), |i| start + i);
    match value[start..authority_end].rfind('@') {
        Some(at) => format!("{}[redacted]{}", &value[..start], &value[start + at..]),
        None => value.to_string(),
    }
}

/// A proxy for https URLs that are neither loopback nor excluded by `NO_PROXY`.
fn https_proxy(proxy_url: Url) -> Proxy {
    Proxy::custom(move |url| proxy_for(url, &proxy_url)).no_proxy(NoProxy::from_env())
}

/// Which proxy `url` goes through, if any (NO_PROXY is applied by reqwest afterwards).
fn proxy_for(url: &Url, proxy_url: &Url) -> Option<Url> {
    let host = url.host_str()?;
    (url.scheme() == "https" && !is_loopback(host)).then(|| proxy_url.clone())
}

/// Loopback as the transport rule means it: `localhost`, 127.0.0.0/8 and `::1` (also IPv4-mapped).
/// `host` as `Url::host_str` gives it (IPv6 in brackets).
pub fn is_loopback(host: &str) -> bool {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    match bare.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => ip.is_loopback(),
        Ok(IpAddr::V6(ip)) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        Err(_) => bare.eq_ignore_ascii_case("localhost"),
    }
}

/// The transport rule for a URL the engine is about to use (config already applied it
/// to the configured URLs; redirect targets come from the server): https, or plain http to a
/// loopback host. `Err` says why not.
pub fn check_transport(url: &Url) -> Result<(), String> {
    let Some(host) = url.host_str() else {
        return Err(format!("{url} has no host"));
    };
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(host) => Ok(()),
        "http" => Err(format!(
            "plain http:// to {host} is refused: only https, or http to a loopback host"
        )),
        other => Err(format!("the scheme {other}:// is not supported ({url})")),
    }
}

/// A transport error with its causes, `: `-joined, e.g. "error sending request for url (…):
/// client error (Connect): invalid peer certificate: UnknownIssuer". reqwest's own `Display`
/// stops at the first line, which hides the cause a person needs.
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut current = next_cause(error);
    while let Some(cause) = current {
        let line = cause.to_string();
        if !text.contains(&line) {
            text.push_str(": ");
            text.push_str(&line);
        }
        current = next_cause(cause);
    }
    text
}

/// `source()`, except that an `io::Error` wrapping another error yields that error: the
/// standard `source()` of a custom `io::Error` skips it (and it is where rustls puts the
/// certificate error).
fn next_cause<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a (dyn std::error::Error + 'static)> {
    if let Some(io) = error.downcast_ref::<std::io::Error>()
        && let Some(inner) = io.get_ref()
    {
        return Some(inner);
    }
    error.source()
}

/// Whether a transport error is the server's certificate not being trusted (or not matching
/// the host): such an error is final, retrying cannot fix it.
pub fn is_certificate_error(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(cause) = current {
        if let Some(tls) = cause.downcast_ref::<rustls::Error>() {
            return matches!(
                tls,
                rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented
            );
        }
        current = next_cause(cause);
    }
    false
}

/// Why a request got no response.
pub enum TransportFailure {
    /// The server's certificate is not trusted or does not match: final.
    Certificate,
    /// Nothing was sent (connect failed): safe to retry.
    NotSent,
    /// Sent, then the answer was lost (timeout, reset): the server may have acted on it.
    AfterSend,
}

/// What a request that got no response may have done. `is_connect` is asked before anything
/// about timeouts: the connect timeout (TCP and TLS handshake) surfaces as a connect error
/// that is also a timeout, and it sent nothing. Only the whole-request timeout, which is not
/// a connect error, counts as "sent, answer lost".
pub fn classify(error: &reqwest::Error) -> TransportFailure {
    if is_certificate_error(error) {
        TransportFailure::Certificate
    } else if error.is_connect() {
        TransportFailure::NotSent
    } else {
        TransportFailure::AfterSend
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).expect("url")
    }

    #[test]
    fn platform_roots_only_for_a_profile_that_uses_https() {
        let mut profile = Profile::sandbox();
        profile
            .complete_sandbox(&url("http://127.0.0.1:8787/"))
            .expect("sandbox profile");
        assert!(!needs_platform_roots(&profile));
        assert!(build_client(&profile).is_ok());
        profile.webhook_url = Some(url("https://hooks.example.com/x"));
        assert!(needs_platform_roots(&profile));
        let mut tls = Profile::sandbox();
        tls.complete_sandbox(&url("https://127.0.0.1:8787/"))
            .expect("sandbox profile");
        assert!(needs_platform_roots(&tls));
        assert!(
            needs_platform_roots(&Profile::sandbox()),
            "no connection yet"
        );
    }

    #[test]
    fn loopback_is_localhost_127_8_and_ipv6_one() {
        for host in [
            "localhost",
            "127.0.0.1",
            "127.9.9.9",
            "[::1]",
            "[::ffff:127.0.0.1]",
        ] {
            assert!(is_loopback(host), "{host}");
        }
        for host in ["example.com", "10.0.0.1", "[::2]", "localhost.example.com"] {
            assert!(!is_loopback(host), "{host}");
        }
    }

    #[test]
    fn plain_http_is_refused_for_a_remote_host() {
        let err = check_transport(&url("http://api.example.com/x")).expect_err("refused");
        assert!(err.contains("api.example.com"), "{err}");
        assert!(check_transport(&url("http://127.0.0.1:9/x")).is_ok());
        assert!(check_transport(&url("https://api.example.com/x")).is_ok());
    }

    #[test]
    fn loopback_never_goes_through_the_proxy() {
        let proxy = url("http://proxy.example.com:3128");
        assert_eq!(proxy_for(&url("https://127.0.0.1:8443/a"), &proxy), None);
        assert_eq!(proxy_for(&url("https://localhost/a"), &proxy), None);
        assert_eq!(proxy_for(&url("http://127.0.0.1/a"), &proxy), None);
        assert_eq!(
            proxy_for(&url("https://api.example.com/a"), &proxy),
            Some(proxy)
        );
    }

    #[test]
    fn a_proxy_without_a_scheme_is_taken_as_http() {
        let proxy = parse_proxy("HTTPS_PROXY", " proxy.example.com:3128 ").expect("a proxy");
        assert_eq!(proxy.as_str(), "http://proxy.example.com:3128/");
        let proxy = parse_proxy("HTTPS_PROXY", "https://proxy.example.com").expect("a proxy");
        assert_eq!(proxy.scheme(), "https");
    }

    #[test]
    fn a_proxy_that_is_not_a_url_is_an_error_naming_the_variable_and_hiding_credentials() {
        let bad = parse_proxy("https_proxy", "http://user:pw@proxy.example.com:99999")
            .expect_err("port out of range");
        assert_eq!(bad.variable, "https_proxy");
        assert_eq!(bad.value, "http://[redacted]@proxy.example.com:99999");
        let bad = parse_proxy("HTTPS_PROXY", "socks5://proxy.example.com").expect_err("socks");
        assert!(bad.reason.contains("socks5"), "{}", bad.reason);
    }

    #[test]
    fn the_connect_timeout_is_shorter_than_the_request_timeout_and_at_most_ten_seconds() {
        assert_eq!(
            connect_timeout(Duration::from_secs(2)),
            Duration::from_millis(1500)
        );
        assert_eq!(
            connect_timeout(Duration::from_secs(30)),
            MAX_CONNECT_TIMEOUT
        );
        assert_eq!(connect_timeout(Duration::MAX), MAX_CONNECT_TIMEOUT);
    }

    #[test]
    fn error_chain_reaches_inside_io_errors() {
        let inner = std::io::Error::other("invalid peer certificate: UnknownIssuer");
        let outer = std::io::Error::other(inner);
        let text = error_chain(&outer);
        assert!(text.contains("UnknownIssuer"), "{text}");
    }
}
