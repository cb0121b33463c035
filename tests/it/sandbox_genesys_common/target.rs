//! A target API for test runs, served by the test itself on `127.0.0.1:0` (plain http,
//! loopback): it records every request it receives and answers by path: `/fail/…` with a
//! 500, `/slow/…` with a 200 once [`Target::release`] lets it (counting the requests whose
//! sender went away first in [`Target::abandoned`]), anything else with a 200 and
//! [`customer`] at once.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

/// The body of a 200.
pub fn customer() -> Value {
    json!({"customer": {"name": "Ada Lovelace", "tier": "GOLD"}, "openCases": 2})
}

/// One request as the target received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: Method,
    pub path: String,
    /// The raw query, as sent (escapes kept).
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// The running target; stops when dropped.
pub struct Target {
    pub addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
    gate: Arc<Semaphore>,
    abandoned: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

/// Counts a `/slow` request as abandoned when its handler is dropped before answering.
struct Unanswered(Option<Arc<AtomicUsize>>);

impl Drop for Unanswered {
    fn drop(&mut self) {
        if let Some(abandoned) = self.0.take() {
            abandoned.fetch_add(1, Ordering::SeqCst);
        }
    }
}

impl Target {
    pub async fn start() -> Target {
        let received = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&received);
        let gate = Arc::new(Semaphore::new(0));
        let abandoned = Arc::new(AtomicUsize::new(0));
        let (gate_in, abandoned_in) = (Arc::clone(&gate), Arc::clone(&abandoned));
        let app = Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let seen = Arc::clone(&seen);
                let gate = Arc::clone(&gate_in);
                let abandoned = Arc::clone(&abandoned_in);
                async move {
                    let failing = uri.path().starts_with("/fail");
                    let slow = uri.path().starts_with("/slow");
                    seen.lock().expect("lock").push(Received {
                        method,
                        path: uri.path().to_string(),
                        query: uri.query().map(str::to_string),
                        headers,
                        body,
                    });
                    if slow {
                        let mut unanswered = Unanswered(Some(abandoned));
                        gate.acquire().await.expect("gate open").forget();
                        unanswered.0 = None;
                    }
                    if failing {
                        (
                            StatusCode::INTERNAL_SERVER_ERROR,
                            [("content-type", "application/json")],
                            json!({"message": "the target broke"}).to_string(),
                        )
                    } else {
                        (
                            StatusCode::OK,
                            [("content-type", "application/json")],
                            customer().to_string(),
                        )
                    }
                }
            },
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Target {
            addr,
            received,
            gate,
            abandoned,
            task,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Lets one `/slow` request answer.
    pub fn release(&self) {
        self.gate.add_permits(1);
    }

    /// How many `/slow` requests were dropped unanswered (their sender went away).
    pub fn abandoned(&self) -> usize {
        self.abandoned.load(Ordering::SeqCst)
    }

    /// Every request received so far, oldest first.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().expect("lock").clone()
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        self.task.abort();
    }
}
