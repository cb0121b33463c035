//! The token request of a genesys-cloud profile, captured by a few lines of TCP server
//! written here (the sandbox does not keep the requests it answers): HTTP Basic, a form
//! body of `grant_type=client_credentials` alone, no `scope` (the platform's OAuth client
//! roles decide, and the profile's default scopes are empty).

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use cxda::config::Profile;
use reqwest::Url;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::engine_common::engine;
use crate::engine_genesys_common::{payload, submission};

/// Answers the first request on `listener` with a token and returns the request as text.
async fn capture_token_request(listener: TcpListener) -> String {
    let (mut socket, _) = listener.accept().await.expect("accept");
    let mut request = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = socket.read(&mut buf).await.expect("read");
        assert!(n > 0, "the request ended early");
        request.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&request);
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
    let body = r#"{"access_token":"tok","token_type":"bearer","expires_in":86400}"#;
    let response = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    socket.write_all(response.as_bytes()).await.expect("write");
    String::from_utf8(request).expect("utf8 request")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_request_is_basic_auth_and_grant_type_alone() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base =
        Url::parse(&format!("http://{}/", listener.local_addr().expect("addr"))).expect("base");
    let captured = tokio::spawn(capture_token_request(listener));
    let mut profile = Profile::sandbox_genesys();
    profile.complete_sandbox(&base).expect("profile");
    assert!(
        profile.scopes.is_empty(),
        "genesys-cloud has no default scopes"
    );
    // The create then finds the listener gone: fail fast instead of backing off.
    profile.max_retries = 0;
    profile.timeout = Duration::from_secs(5);
    let (engine, _dir) = engine(profile);
    let done = crate::engine_common::submit(&engine, submission(&payload("TokenOnly"))).await;

    let request = captured.await.expect("the token request was captured");
    let (head, body) = request.split_once("\r\n\r\n").expect("head and body");
    let mut lines = head.lines();
    assert_eq!(lines.next(), Some("POST /oauth/token HTTP/1.1"));
    let header = |name: &str| {
        head.lines().skip(1).find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    };
    let basic = STANDARD.encode("sandbox:sandbox-secret");
    assert_eq!(header("authorization"), Some(format!("Basic {basic}")));
    assert_eq!(
        header("content-type").as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        body, "grant_type=client_credentials",
        "no scope, no client id"
    );
    // The token worked as far as the engine could tell: the create was then attempted.
    assert!(
        !done
            .record
            .error
            .as_deref()
            .unwrap_or_default()
            .contains("token"),
        "{:?}",
        done.record.error
    );
}
