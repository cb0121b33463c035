//! The engine's token source against the real sandbox on loopback (and, where the sandbox
//! cannot misbehave the way a test needs, a few lines of TCP server written here): one
//! token shared by many callers, refresh before expiry, single flight under concurrency and
//! after a 401, both client authentication methods, and errors a person can act on.

use crate::sandbox_common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use cxda::config::{ClientAuth, Connection, Secret};
use cxda::engine::auth::{AccessToken, AuthError, TokenSource};
use cxda::sandbox::{CLIENT_ID, CLIENT_SECRET, Faults, SandboxHandle};
use reqwest::Url;
use sandbox_common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::Barrier;

const TIMEOUT: Duration = Duration::from_secs(10);

fn scopes() -> Vec<String> {
    vec!["data-actions:write".into(), "data-actions:read".into()]
}

fn connection(token_url: &str, id: &str, secret: &str) -> Connection {
    let token_url = Url::parse(token_url).expect("token url");
    let base = token_url.join("/").expect("base");
    Connection {
        create_url: base.join("/api/v2/data-actions").expect("create url"),
        api_base_url: base,
        token_url,
        client_id: id.into(),
        client_secret: Secret::new(secret),
    }
}

fn source_for(token_url: &str, id: &str, secret: &str, auth: ClientAuth) -> TokenSource {
    source_with_timeout(token_url, id, secret, auth, TIMEOUT)
}

fn source_with_timeout(
    token_url: &str,
    id: &str,
    secret: &str,
    auth: ClientAuth,
    timeout: Duration,
) -> TokenSource {
    TokenSource::new(
        client(),
        &connection(token_url, id, secret),
        auth,
        &scopes(),
        timeout,
    )
}

fn sandbox_source(sandbox: &SandboxHandle) -> TokenSource {
    source_for(
        &sandbox.token_url(),
        CLIENT_ID,
        CLIENT_SECRET,
        ClientAuth::Basic,
    )
}

async fn with_ttl(ttl_s: u64) -> SandboxHandle {
    start(Faults {
        token_ttl_s: ttl_s,
        ..Faults::off()
    })
    .await
}

/// A create with `token` is accepted: the token is real, not just well-formed.
async fn assert_token_works(sandbox: &SandboxHandle, token: &AccessToken, name: &str) {
    let response = create(&client(), sandbox, token.expose(), name).await;
    assert_eq!(response.status(), 201, "a create with the token");
}

/// Runs `n` copies of `call` released together by a barrier and returns their results.
async fn together<F, Fut>(n: usize, call: F) -> Vec<Result<AccessToken, AuthError>>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<AccessToken, AuthError>> + Send + 'static,
{
    let barrier = Arc::new(Barrier::new(n));
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let barrier = Arc::clone(&barrier);
            let fut = call();
            tokio::spawn(async move {
                barrier.wait().await;
                fut.await
            })
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.expect("task"));
    }
    results
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_calls_share_one_token_request() {
    let sandbox = start_plain().await;
    let source = sandbox_source(&sandbox);
    let first = source.token().await.expect("token");
    for _ in 0..49 {
        let again = source.token().await.expect("token");
        assert_eq!(again.expose(), first.expose());
    }
    assert_eq!(sandbox.stats().token_requests, 1);
    assert_token_works(&sandbox, &first, "fifty-calls").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_lived_token_is_refreshed_after_its_margin_before_expiry() {
    let sandbox = with_ttl(2).await;
    let source = sandbox_source(&sandbox);
    let asked = Instant::now();
    let first = source.token().await.expect("token");
    // ttl 2 s → margin min(5 min, 1 s) = 1 s: a new token from 1 s on, the old one
    // still valid until 2 s.
    let second = eventually("a refreshed token", Duration::from_secs(5), || {
        let source = source.clone();
        let first = first.clone();
        async move {
            let token = source.token().await.expect("token");
            (token.expose() != first.expose()).then_some(token)
        }
    })
    .await;
    let refreshed_at = Instant::now();
    let elapsed = refreshed_at - asked;
    assert!(
        elapsed >= Duration::from_secs(1),
        "refreshed after {elapsed:?}"
    );
    assert!(
        refreshed_at < first.expires_at(),
        "refreshed only after expiry ({elapsed:?})"
    );
    assert_eq!(sandbox.stats().token_requests, 2);
    assert_token_works(&sandbox, &second, "refreshed").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_callers_at_expiry_cause_exactly_one_token_request() {
    let sandbox = with_ttl(1).await;
    let source = sandbox_source(&sandbox);
    let first = source.token().await.expect("token");
    tokio::time::sleep_until((first.expires_at() + Duration::from_millis(10)).into()).await;

    let results = together(10, || {
        let source = source.clone();
        async move { source.token().await }
    })
    .await;
    let tokens: Vec<AccessToken> = results.into_iter().map(|r| r.expect("token")).collect();
    assert!(tokens.iter().all(|t| t.expose() == tokens[0].expose()));
    assert_ne!(tokens[0].expose(), first.expose());
    assert_eq!(sandbox.stats().token_requests, 2);
    assert_token_works(&sandbox, &tokens[0], "at-expiry").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_rejections_of_the_same_token_cause_one_refresh() {
    let sandbox = start_plain().await;
    let source = sandbox_source(&sandbox);
    let rejected = source.token().await.expect("token");

    let results = together(10, || {
        let source = source.clone();
        let rejected = rejected.clone();
        async move { source.refresh_after_rejection(&rejected).await }
    })
    .await;
    let tokens: Vec<AccessToken> = results.into_iter().map(|r| r.expect("token")).collect();
    assert!(tokens.iter().all(|t| t.expose() == tokens[0].expose()));
    assert_ne!(tokens[0].expose(), rejected.expose());
    assert_eq!(sandbox.stats().token_requests, 2);
    // The cache now holds the new token, so `token()` needs no further request.
    assert_eq!(
        source.token().await.expect("token").expose(),
        tokens[0].expose()
    );
    assert_eq!(sandbox.stats().token_requests, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejection_of_an_older_token_returns_the_newer_without_a_request() {
    let sandbox = start_plain().await;
    let source = sandbox_source(&sandbox);
    let old = source.token().await.expect("token");
    let new = source.refresh_after_rejection(&old).await.expect("token");
    let again = source.refresh_after_rejection(&old).await.expect("token");
    assert_eq!(again.expose(), new.expose());
    assert_eq!(sandbox.stats().token_requests, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_auth_body_gets_a_working_token() {
    let sandbox = start_plain().await;
    let source = source_for(
        &sandbox.token_url(),
        CLIENT_ID,
        CLIENT_SECRET,
        ClientAuth::Body,
    );
    let token = source.token().await.expect("token");
    assert!(token.expose().starts_with("sbx_"));
    assert_token_works(&sandbox, &token, "body-auth").await;
}

/// The sandbox answers a JSON body with 400 `invalid_request`, so a token at all proves the
/// request went out form-encoded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_request_is_form_encoded_as_the_sandbox_demands() {
    let sandbox = start_plain().await;
    let token = sandbox_source(&sandbox).token().await;
    assert!(token.is_ok(), "{token:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_secret_names_the_token_url_and_not_the_secret() {
    let sandbox = start_plain().await;
    let secret = "wrong-Secret-42";
    let source = source_for(&sandbox.token_url(), CLIENT_ID, secret, ClientAuth::Basic);
    let error = source.token().await.expect_err("rejected");
    let text = error.to_string();
    assert!(
        matches!(error, AuthError::InvalidClient { .. }),
        "{error:?}"
    );
    assert!(
        text.contains(&format!(
            "client id/secret rejected by {}",
            sandbox.token_url()
        )),
        "{text}"
    );
    let basic = STANDARD.encode(format!("{CLIENT_ID}:{secret}"));
    for shown in [text, format!("{error:?}"), format!("{source:?}")] {
        assert!(!shown.contains(secret), "{shown}");
        assert!(!shown.contains(&basic), "{shown}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_scope_reports_the_oauth_error() {
    let sandbox = start_plain().await;
    let source = TokenSource::new(
        client(),
        &connection(&sandbox.token_url(), CLIENT_ID, CLIENT_SECRET),
        ClientAuth::Basic,
        &["tickets:write".to_string()],
        TIMEOUT,
    );
    let text = source.token().await.expect_err("refused").to_string();
    assert!(text.contains("invalid_scope"), "{text}");
    assert!(text.contains("tickets:write"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_port_names_the_host_and_the_cause() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let source = source_for(
        &format!("http://{addr}/oauth/token"),
        "id",
        "secret",
        ClientAuth::Basic,
    );
    let error = source.token().await.expect_err("refused");
    let text = error.to_string();
    assert!(matches!(error, AuthError::Network { .. }), "{error:?}");
    assert!(text.contains(&addr.to_string()), "{text}");
    assert!(text.contains("connection refused"), "{text}");
}

/// Accepts connections, counts them, reads nothing and never answers.
async fn silent_listener() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!(
        "http://{}/oauth/token",
        listener.local_addr().expect("addr")
    );
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&accepted);
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            held.push(socket);
        }
    });
    (url, accepted)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_endpoint_times_out_naming_the_host() {
    let (url, _) = silent_listener().await;
    let source = source_with_timeout(
        &url,
        "id",
        "secret",
        ClientAuth::Basic,
        Duration::from_millis(300),
    );
    let error = source.token().await.expect_err("timeout");
    assert!(matches!(error, AuthError::Timeout { .. }), "{error:?}");
    assert!(error.to_string().contains("127.0.0.1:"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_refresher_does_not_block_the_next_caller() {
    let (url, accepted) = silent_listener().await;
    let source = source_for(&url, "id", "secret", ClientAuth::Basic);

    let first = tokio::spawn({
        let source = source.clone();
        async move { source.token().await }
    });
    eventually("the first token request", Duration::from_secs(5), || {
        let n = accepted.load(Ordering::SeqCst);
        async move { (n >= 1).then_some(()) }
    })
    .await;
    // A second caller now waits on the first one's refresh.
    let second = tokio::spawn({
        let source = source.clone();
        async move { source.token().await }
    });
    first.abort();
    assert!(first.await.is_err_and(|e| e.is_cancelled()));
    eventually(
        "the waiting caller's own token request",
        Duration::from_secs(5),
        || {
            let n = accepted.load(Ordering::SeqCst);
            async move { (n >= 2).then_some(()) }
        },
    )
    .await;
    second.abort();
}

/// Reads one HTTP/1.1 request (headers and a Content-Length body) and answers `response`.
async fn capture_one(listener: TcpListener, response: String) -> String {
    let (mut socket, _) = listener.accept().await.expect("accept");
    let mut request = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = socket.read(&mut buf).await.expect("read");
        assert!(n > 0, "the client closed early");
        request.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&request).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if request.len() >= end + 4 + length {
                break;
            }
        }
    }
    socket.write_all(response.as_bytes()).await.expect("answer");
    String::from_utf8(request).expect("utf8 request")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_request_is_rfc_6749_client_credentials_with_encoded_basic_auth() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!(
        "http://{}/oauth/token",
        listener.local_addr().expect("addr")
    );
    let body = r#"{"access_token":"tok","token_type":"bearer"}"#;
    let response = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let server = tokio::spawn(capture_one(listener, response));
    let source = source_for(&url, "a b:c%", "p@ss:w+rd", ClientAuth::Basic);
    let token = source.token().await.expect("token");
    assert_eq!(token.expose(), "tok");
    // No expires_in: an hour.
    let left = token.expires_at() - Instant::now();
    assert!(left > Duration::from_secs(3590) && left <= Duration::from_secs(3600));

    let request = server.await.expect("server");
    let lower = request.to_ascii_lowercase();
    assert!(
        request.starts_with("POST /oauth/token HTTP/1.1\r\n"),
        "{request}"
    );
    assert!(
        lower.contains("\r\ncontent-type: application/x-www-form-urlencoded\r\n"),
        "{request}"
    );
    assert!(
        lower.contains("\r\naccept: application/json\r\n"),
        "{request}"
    );
    let basic = STANDARD.encode("a+b%3Ac%25:p%40ss%3Aw%2Brd");
    assert!(
        request.contains(&format!("\r\nauthorization: Basic {basic}\r\n")),
        "{request}"
    );
    assert!(
        request.ends_with(
            "\r\n\r\ngrant_type=client_credentials&scope=data-actions%3Awrite+data-actions%3Aread"
        ),
        "{request}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_certificate_names_the_host_and_the_certificate_problem() {
    let sandbox = cxda::sandbox::Sandbox::start(cxda::sandbox::SandboxConfig {
        tls: true,
        faults: Faults::off(),
        ..Default::default()
    })
    .await
    .expect("tls sandbox");
    let error = sandbox_source(&sandbox)
        .token()
        .await
        .expect_err("untrusted");
    let text = error.to_string();
    assert!(matches!(error, AuthError::Network { .. }), "{error:?}");
    assert!(text.contains(&sandbox.addr().to_string()), "{text}");
    assert!(text.to_ascii_lowercase().contains("certificate"), "{text}");
}
