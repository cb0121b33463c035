//! A stand-in for an action's own target API (the CRM a data action calls), served by the
//! test on `127.0.0.1:0`: plain http (which the engine allows to loopback) or https with a
//! generated CA. It keeps every request it receives, so a test can assert what was sent.
//! One for every test of test runs: the CLI's, the sandbox's endpoints, the studio's.
//!
//! Routes, by path:
//! - ending in `/customers`: [`CUSTOMERS`] (a search result, for the studio's template);
//! - `/stock`: `{"sku": "A-1", "qty": 7}`;
//! - `/fail…`: 500; `/missing…`: 404;
//! - `/slow…`: answers as the same path without `/slow` would, once [`Target::release`]
//!   lets it (or after a minute), counting in [`Target::abandoned`] those whose sender went
//!   away first;
//! - `/found`: 302, `/temporary`: 307, to `/customers`; `/elsewhere`: 307 to the same
//!   server under another origin (`localhost` instead of `127.0.0.1`); `/bounce`: 302 to
//!   `/customers` with the same query;
//! - `/echo`: the request's headers as JSON;
//! - anything else: [`customer`].

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

/// What a path ending in `/customers` answers.
pub const CUSTOMERS: &str =
    r#"{"results": [{"id": "C-1", "name": "Ada Lovelace", "tier": "GOLD", "openCaseCount": 2}]}"#;

/// What any other path answers.
pub fn customer() -> Value {
    json!({"customer": {"name": "Ada Lovelace", "tier": "GOLD"}, "openCases": 2})
}

/// How long `/slow` waits for [`Target::release`] at most.
const SLOW: Duration = Duration::from_secs(60);

/// One request as the target received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    /// The raw query, as sent (escapes kept).
    pub query: Option<String>,
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

/// What the handlers share with the test.
struct Shared {
    received: Mutex<Vec<Received>>,
    gate: Semaphore,
    abandoned: AtomicUsize,
}

/// The running target; stops when dropped.
pub struct Target {
    pub addr: SocketAddr,
    /// The CA to trust, for an https target.
    pub ca_pem: Option<String>,
    tls: bool,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
    /// Its own runtime, when started outside one (see [`Target::http`]).
    _runtime: Option<tokio::runtime::Runtime>,
}

impl Target {
    /// Plain http, served on the current runtime (async tests).
    pub async fn serve() -> Target {
        Target::start(false).await
    }

    /// Plain http, served by a runtime of its own (tests that are not async).
    pub fn http() -> Target {
        Target::on_own_runtime(false)
    }

    /// https with a generated CA ([`Target::ca_pem`]), on a runtime of its own.
    pub fn https() -> Target {
        Target::on_own_runtime(true)
    }

    fn on_own_runtime(tls: bool) -> Target {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let mut target = runtime.block_on(Target::start(tls));
        target._runtime = Some(runtime);
        target
    }

    async fn start(tls: bool) -> Target {
        let shared = Arc::new(Shared {
            received: Mutex::default(),
            gate: Semaphore::new(0),
            abandoned: AtomicUsize::new(0),
        });
        let tcp = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = tcp.local_addr().expect("addr");
        let state = Arc::clone(&shared);
        let router = Router::new().fallback(move |method, uri, headers, body| {
            answer(Arc::clone(&state), addr, method, uri, headers, body)
        });
        let (ca_pem, task) = if tls {
            let (ca, task) = cxda::sandbox::serve_tls(tcp, router).expect("tls target");
            (Some(ca), task)
        } else {
            let task = tokio::spawn(async move {
                let _ = axum::serve(tcp, router).await;
            });
            (None, task)
        };
        Target {
            addr,
            ca_pem,
            tls,
            shared,
            task,
            _runtime: None,
        }
    }

    /// `http://127.0.0.1:PORT` (or https).
    pub fn base(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// Every request received so far, oldest first.
    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().expect("log").clone()
    }

    /// Lets one `/slow` request answer.
    pub fn release(&self) {
        self.shared.gate.add_permits(1);
    }

    /// How many `/slow` requests were dropped unanswered (their sender went away).
    pub fn abandoned(&self) -> usize {
        self.shared.abandoned.load(Ordering::SeqCst)
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Counts a `/slow` request as abandoned when its handler is dropped before answering.
struct Unanswered(Option<Arc<Shared>>);

impl Drop for Unanswered {
    fn drop(&mut self) {
        if let Some(shared) = self.0.take() {
            shared.abandoned.fetch_add(1, Ordering::SeqCst);
        }
    }
}

async fn answer(
    shared: Arc<Shared>,
    addr: SocketAddr,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_string();
    let target = uri
        .path_and_query()
        .map_or_else(|| path.clone(), ToString::to_string);
    shared.received.lock().expect("log").push(Received {
        method: method.to_string(),
        path: path.clone(),
        query: uri.query().map(str::to_string),
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
    let json = |status: StatusCode, text: String| {
        (status, [(header::CONTENT_TYPE, "application/json")], text).into_response()
    };
    let moved = |status: StatusCode, to: String| (status, [(header::LOCATION, to)]).into_response();
    match path.as_str() {
        p if p.starts_with("/slow") => {
            let mut unanswered = Unanswered(Some(Arc::clone(&shared)));
            if let Ok(Ok(permit)) = tokio::time::timeout(SLOW, shared.gate.acquire()).await {
                permit.forget();
            }
            unanswered.0 = None;
            if p.ends_with("/customers") {
                json(StatusCode::OK, CUSTOMERS.into())
            } else {
                json(StatusCode::OK, customer().to_string())
            }
        }
        p if p.ends_with("/customers") => json(StatusCode::OK, CUSTOMERS.into()),
        "/stock" => json(StatusCode::OK, json!({"sku": "A-1", "qty": 7}).to_string()),
        p if p.starts_with("/fail") => json(
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"message": "the target broke"}).to_string(),
        ),
        p if p.starts_with("/missing") => json(
            StatusCode::NOT_FOUND,
            json!({"message": "no such customer"}).to_string(),
        ),
        "/found" => moved(StatusCode::FOUND, "/customers".into()),
        "/temporary" => moved(StatusCode::TEMPORARY_REDIRECT, "/customers".into()),
        "/elsewhere" => moved(
            StatusCode::TEMPORARY_REDIRECT,
            format!("http://localhost:{}/customers", addr.port()),
        ),
        "/bounce" => moved(
            StatusCode::FOUND,
            format!("/customers?{}", uri.query().unwrap_or_default()),
        ),
        "/echo" => {
            let echoed: serde_json::Map<String, Value> = headers
                .iter()
                .map(|(n, v)| {
                    let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
                    (n.to_string(), Value::String(v))
                })
                .collect();
            json(StatusCode::OK, Value::Object(echoed).to_string())
        }
        _ => json(StatusCode::OK, customer().to_string()),
    }
}
