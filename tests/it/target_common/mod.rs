//! A stand-in for an action's own target API (the CRM a data action calls), served by the
//! test on `127.0.0.1:0`, plain http (which the engine allows to loopback) or https with a
//! generated CA. It keeps every request it receives, so a test can assert what was sent.
//!
//! Routes: `/customers` answers a customer; `/missing` 404; `/slow` answers after 3 s;
//! `/found` 302 and `/temporary` 307 to `/customers`; `/elsewhere` 307 to the same
//! server under another origin (`localhost` instead of `127.0.0.1`); `/bounce` 302 to
//! `/customers` with the same query; `/echo` answers the request's headers; anything else
//! 200 with `{"ok": true}`.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

/// The customer `/customers` answers.
pub const CUSTOMERS: &str =
    r#"{"results": [{"id": "C-1", "name": "Ada Lovelace", "tier": "GOLD", "openCaseCount": 2}]}"#;

/// One request as the target received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

type Log = Arc<Mutex<Vec<Received>>>;

/// The running target; stops when dropped.
pub struct Target {
    /// `http://127.0.0.1:PORT` or `https://127.0.0.1:PORT`.
    pub base: String,
    /// The CA to trust, for an https target.
    pub ca_pem: Option<String>,
    received: Log,
    _runtime: tokio::runtime::Runtime,
}

impl Target {
    pub fn http() -> Target {
        Target::start(false)
    }

    pub fn https() -> Target {
        Target::start(true)
    }

    fn start(tls: bool) -> Target {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let received: Log = Arc::default();
        let log = Arc::clone(&received);
        let (addr, ca_pem) = runtime.block_on(async move {
            let tcp = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            let addr: SocketAddr = tcp.local_addr().expect("addr");
            let router = Router::new().fallback(move |method, uri, headers, body| {
                answer(Arc::clone(&log), addr, method, uri, headers, body)
            });
            if tls {
                let (ca, _task) = cxda::sandbox::serve_tls(tcp, router).expect("tls target");
                (addr, Some(ca))
            } else {
                tokio::spawn(async move {
                    let _ = axum::serve(tcp, router).await;
                });
                (addr, None)
            }
        });
        let scheme = if tls { "https" } else { "http" };
        Target {
            base: format!("{scheme}://{addr}"),
            ca_pem,
            received,
            _runtime: runtime,
        }
    }

    /// Every request received so far, in order.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().expect("log").clone()
    }
}

async fn answer(
    log: Log,
    addr: SocketAddr,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let target = uri
        .path_and_query()
        .map_or_else(|| uri.path().to_string(), ToString::to_string);
    log.lock().expect("log").push(Received {
        method: method.to_string(),
        target,
        headers: headers
            .iter()
            .map(|(n, v)| {
                (
                    n.to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    let json = |status: StatusCode, text: &'static str| {
        (status, [(header::CONTENT_TYPE, "application/json")], text).into_response()
    };
    let moved = |status: StatusCode, to: String| (status, [(header::LOCATION, to)]).into_response();
    match uri.path() {
        "/customers" => json(StatusCode::OK, CUSTOMERS),
        "/missing" => json(StatusCode::NOT_FOUND, r#"{"message": "no such customer"}"#),
        "/slow" => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            json(StatusCode::OK, CUSTOMERS)
        }
        "/found" => moved(StatusCode::FOUND, "/customers".into()),
        "/bounce" => moved(
            StatusCode::FOUND,
            format!("/customers?{}", uri.query().unwrap_or_default()),
        ),
        "/echo" => {
            let echoed: serde_json::Map<String, serde_json::Value> = headers
                .iter()
                .map(|(n, v)| {
                    let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
                    (n.to_string(), serde_json::Value::String(v))
                })
                .collect();
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                serde_json::Value::Object(echoed).to_string(),
            )
                .into_response()
        }
        "/temporary" => moved(StatusCode::TEMPORARY_REDIRECT, "/customers".into()),
        "/elsewhere" => moved(
            StatusCode::TEMPORARY_REDIRECT,
            format!("http://localhost:{}/customers", addr.port()),
        ),
        _ => json(StatusCode::OK, r#"{"ok": true}"#),
    }
}
