//! The embedded API emulation (docs/sandbox.md): an axum server with the OAuth token endpoint,
//! the Data Actions API, fault injection and optional HTTPS with a CA generated at start.
//! [`Sandbox::start`] runs it on a tokio runtime and returns a [`SandboxHandle`]; the
//! `sandbox` profile, `cxda sandbox` and the tests all start it that way.
//!
//! Routes: `POST /oauth/token`; `POST|GET /api/v2/data-actions` (create, paged list),
//! `GET|PUT|DELETE /api/v2/data-actions/{id}` (`lifecycle.rs`),
//! `POST /api/v2/data-actions/moved` (the redirect target); `GET|PUT /_sandbox/faults`, `GET /_sandbox/stats`, `POST|GET /_sandbox/webhook`;
//! the genesys-cloud dialect under `/api/v2/integrations` (`genesys/`); `GET /openapi.json`
//! (`openapi.rs`), which describes all of them.
//! The create pipeline's order is documented in `actions.rs`; the action store keeps at
//! most [`MAX_STORED_ACTIONS`] actions ([`MAX_STORED_BYTES`] bytes), forgetting the oldest
//! first (`store.rs`), and the webhook inbox the last [`MAX_WEBHOOK_DELIVERIES`]. Given a
//! store file ([`SandboxConfig::state_file`]), both dialects' action stores follow it, shared
//! with every process that opened it (`persist/`); the embedded sandbox keeps one in the
//! data dir ([`STATE_FILE_NAME`]).

mod actions;
mod admin;
mod faults;
mod genesys;
mod lifecycle;
mod oauth;
mod openapi;
mod persist;
mod ratelimit;
mod respond;
mod state;
mod stats;
mod store;
mod tls;

use std::fs::OpenOptions;
use std::io::{self, Write as _};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::response::Response;
use axum::routing::{get, post};
use axum::serve::ListenerExt as _;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use actions::{MAX_BODY_BYTES, MAX_HEADER_BYTES};
pub use faults::{
    DEFAULT_TOKEN_TTL_S, Faults, FaultsError, MAX_LATENCY_MS, MAX_TOKEN_TTL_S, RedirectFault,
};
pub use genesys::SANDBOX_INTEGRATION_NAME;
pub use oauth::{SCOPE_READ, SCOPE_WRITE};
pub use persist::{Reset, STATE_FILE_NAME, StoreFileError, reset};
pub use state::MAX_WEBHOOK_DELIVERIES;
pub use stats::StatsSnapshot;
pub use store::{MAX_STORED_ACTIONS, MAX_STORED_BYTES, StoreLimits};

use state::State;

/// The sandbox's one OAuth client (docs/sandbox.md, Credentials).
pub const CLIENT_ID: &str = "sandbox";
/// Its secret: public by design, the sandbox guards nothing.
pub const CLIENT_SECRET: &str = "sandbox-secret";

/// How long [`SandboxHandle::shutdown`] lets requests in flight finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: io::Error },
    #[error("cannot generate the sandbox certificates: {0}")]
    Certificate(String),
    #[error("cannot set up TLS: {0}")]
    Tls(String),
    #[error("cannot write the CA certificate to {path}: {source}")]
    WriteCa { path: PathBuf, source: io::Error },
    #[error(transparent)]
    Store(#[from] StoreFileError),
}

/// How to start a sandbox.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Where to listen; port 0 picks a free one (see [`SandboxHandle::addr`]).
    pub addr: SocketAddr,
    /// Serve HTTPS with a CA generated at start.
    pub tls: bool,
    /// The fault settings at start (changeable later through `/_sandbox/faults` or
    /// [`SandboxHandle::set_faults`]).
    pub faults: Faults,
    /// With `tls`, also write the CA certificate (PEM) to a new file in this directory,
    /// named `cxda-sandbox-ca-PORT-RANDOM.pem`; removed again on shutdown.
    pub ca_dir: Option<PathBuf>,
    /// How many actions (and bytes of them) are kept before the oldest are forgotten.
    pub store_limits: StoreLimits,
    /// A SQLite file the actions of both dialects are kept in (created when missing), shared
    /// with any other sandbox that opened it; `None`: in memory only.
    pub state_file: Option<PathBuf>,
}

impl Default for SandboxConfig {
    /// An ephemeral loopback port, plain HTTP, the default faults (`100/min`), the default
    /// store limits ([`MAX_STORED_ACTIONS`], [`MAX_STORED_BYTES`]).
    fn default() -> Self {
        SandboxConfig {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            tls: false,
            faults: Faults::default(),
            ca_dir: None,
            store_limits: StoreLimits::default(),
            state_file: None,
        }
    }
}

/// Starts sandboxes.
pub struct Sandbox;

impl Sandbox {
    /// Starts the embedded sandbox (default faults, an ephemeral loopback port, its actions
    /// kept in [`STATE_FILE_NAME`] in `data_dir`, created when missing) and points the
    /// `sandbox` profile at it: what the commands and the studio do on a sandbox profile.
    /// The error says what failed, for a status line or stderr.
    pub async fn start_for(
        profile: &mut crate::config::Profile,
        data_dir: &Path,
    ) -> Result<SandboxHandle, String> {
        crate::config::create_data_dir(data_dir).map_err(|e| e.to_string())?;
        let config = SandboxConfig {
            state_file: Some(data_dir.join(STATE_FILE_NAME)),
            ..SandboxConfig::default()
        };
        let handle = Sandbox::start(config)
            .await
            .map_err(|e| format!("cannot start the embedded sandbox: {e}"))?;
        let url = reqwest::Url::parse(&handle.base_url())
            .map_err(|e| format!("the embedded sandbox's URL is not valid: {e}"))?;
        profile.complete_sandbox(&url).map_err(|e| e.to_string())?;
        Ok(handle)
    }

    /// Binds, generates certificates when asked, and starts serving in a background task
    /// of the current tokio runtime. Returns once the port is bound, so the first request
    /// can follow at once.
    pub async fn start(config: SandboxConfig) -> Result<SandboxHandle, SandboxError> {
        // Before binding: a store file that cannot be used stops the start.
        let state = Arc::new(match &config.state_file {
            Some(path) => State::persisted(config.faults.clone(), config.store_limits, path)?,
            None => State::new(config.faults.clone(), config.store_limits),
        });
        let tcp = TcpListener::bind(config.addr)
            .await
            .map_err(|source| SandboxError::Bind {
                addr: config.addr,
                source,
            })?;
        let addr = tcp.local_addr().map_err(|source| SandboxError::Bind {
            addr: config.addr,
            source,
        })?;
        let app = router(Arc::clone(&state));
        let (shutdown_tx, shutdown_rx) = oneshot::channel::<()>();
        let signal = async move {
            // A dropped sender (the handle dropped) also means stop.
            let _ = shutdown_rx.await;
        };

        let (ca_pem, ca_path, task) = if config.tls {
            crate::init_tls();
            let material = tls::generate()?;
            let ca_path = match &config.ca_dir {
                Some(dir) => Some(write_ca(dir, addr.port(), &material.ca_pem)?),
                None => None,
            };
            let listener = tls::TlsListener::new(tcp, material.server_config)
                .map_err(|e| SandboxError::Tls(e.to_string()))?;
            let serve = axum::serve(listener, app).with_graceful_shutdown(signal);
            let task = tokio::spawn(async move {
                let _ = serve.await;
            });
            (Some(material.ca_pem), ca_path, task)
        } else {
            let listener = tcp.tap_io(|stream| {
                // Small request/response pairs: Nagle would only add latency.
                let _ = stream.set_nodelay(true);
            });
            let serve = axum::serve(listener, app).with_graceful_shutdown(signal);
            let task = tokio::spawn(async move {
                let _ = serve.await;
            });
            (None, None, task)
        };

        Ok(SandboxHandle {
            addr,
            tls: config.tls,
            ca_pem,
            ca_path,
            state,
            shutdown: Some(shutdown_tx),
            task: Some(task),
        })
    }
}

fn router(state: Arc<State>) -> Router {
    let api = Router::new()
        .route("/data-actions", post(actions::create).get(lifecycle::list))
        .route(
            "/data-actions/{id}",
            get(lifecycle::get)
                .post(actions::create_at_id)
                .put(lifecycle::update)
                .delete(lifecycle::delete),
        )
        .merge(genesys::routes())
        .fallback(api_not_found)
        .layer(from_fn_with_state(Arc::clone(&state), ratelimit::limit));
    let counted = Router::new()
        .route("/oauth/token", post(oauth::token))
        .nest("/api/v2", api)
        .fallback(not_found)
        .layer(from_fn_with_state(Arc::clone(&state), stats::count));
    let control = Router::new()
        .route(
            "/_sandbox/faults",
            get(admin::get_faults).put(admin::put_faults),
        )
        .route("/_sandbox/stats", get(admin::stats))
        .route("/openapi.json", get(openapi::serve))
        .route(
            "/_sandbox/webhook",
            post(admin::receive_webhook).get(admin::list_webhooks),
        );
    counted.merge(control).with_state(state)
}

async fn not_found() -> Response {
    respond::problem(
        StatusCode::NOT_FOUND,
        "no such endpoint in the sandbox",
        None,
    )
}

/// A path under `/api/v2` that no route serves, in the error shape of the dialect the path
/// belongs to.
async fn api_not_found(uri: axum::http::Uri) -> Response {
    if genesys::owns(uri.path()) {
        genesys::no_such_endpoint()
    } else {
        not_found().await
    }
}

/// Writes the CA with `create_new`, so a file planted at the name beforehand (a shared
/// temp dir) is never followed or overwritten.
fn write_ca(dir: &Path, port: u16, pem: &str) -> Result<PathBuf, SandboxError> {
    let mut last_error = None;
    for _ in 0..8 {
        let mut suffix = [0u8; 4];
        let _ = getrandom::fill(&mut suffix);
        let name = format!(
            "cxda-sandbox-ca-{port}-{:08x}.pem",
            u32::from_le_bytes(suffix)
        );
        let path = dir.join(name);
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(mut file) => {
                return file
                    .write_all(pem.as_bytes())
                    .and_then(|()| file.sync_all())
                    .map(|()| path.clone())
                    .map_err(|source| SandboxError::WriteCa { path, source });
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last_error = Some((path, e)),
            Err(source) => return Err(SandboxError::WriteCa { path, source }),
        }
    }
    let (path, source) = last_error.unwrap_or_else(|| {
        (
            dir.to_path_buf(),
            io::Error::other("no free file name for the CA certificate"),
        )
    });
    Err(SandboxError::WriteCa { path, source })
}

/// A running sandbox. Dropping it stops the server (best effort, without waiting);
/// [`shutdown`](Self::shutdown) stops it and waits.
pub struct SandboxHandle {
    addr: SocketAddr,
    tls: bool,
    ca_pem: Option<String>,
    ca_path: Option<PathBuf>,
    state: Arc<State>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl SandboxHandle {
    /// The address actually bound.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` (`https://` with TLS). An unspecified bind address
    /// (`0.0.0.0`, `::`) is given as loopback, so the URL is one a client can use.
    pub fn base_url(&self) -> String {
        let ip = match self.addr.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", SocketAddr::new(ip, self.addr.port()))
    }

    /// The token endpoint, `{base_url}/oauth/token`.
    pub fn token_url(&self) -> String {
        format!("{}/oauth/token", self.base_url())
    }

    pub fn is_tls(&self) -> bool {
        self.tls
    }

    /// The generated CA certificate (PEM) when serving HTTPS.
    pub fn ca_pem(&self) -> Option<String> {
        self.ca_pem.clone()
    }

    /// Where the CA certificate was written, when `ca_dir` was given.
    pub fn ca_path(&self) -> Option<&Path> {
        self.ca_path.as_deref()
    }

    /// The current fault settings.
    pub fn faults(&self) -> Faults {
        (*self.state.faults()).clone()
    }

    /// Replaces the fault settings, as a PUT of every key would.
    pub fn set_faults(&self, faults: Faults) {
        self.state.set_faults(faults);
    }

    /// The counters `/_sandbox/stats` shows.
    pub fn stats(&self) -> StatsSnapshot {
        self.state.stats_snapshot()
    }

    /// Stops accepting, lets requests in flight finish (up to a few seconds), and removes
    /// the CA file if one was written.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(SHUTDOWN_GRACE, &mut task)
                .await
                .is_err()
        {
            task.abort();
        }
        self.remove_ca_file();
    }

    fn remove_ca_file(&mut self) {
        if let Some(path) = self.ca_path.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

impl Drop for SandboxHandle {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.remove_ca_file();
    }
}

impl std::fmt::Debug for SandboxHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxHandle")
            .field("addr", &self.addr)
            .field("tls", &self.tls)
            .field("ca_path", &self.ca_path)
            .finish_non_exhaustive()
    }
}

/// Serves `router` over HTTPS on `tcp` with a freshly generated CA, as the sandbox does with
/// `--tls`: for a test's own stand-in of an action's target API, which the engine must reach
/// with its TLS rules. Returns the CA certificate (PEM) to trust, and the serving task
/// (abort it to stop). Needs a Tokio runtime.
pub fn serve_tls(
    tcp: tokio::net::TcpListener,
    router: axum::Router,
) -> Result<(String, tokio::task::JoinHandle<()>), SandboxError> {
    crate::init_tls();
    let material = tls::generate()?;
    let listener = tls::TlsListener::new(tcp, material.server_config)
        .map_err(|e| SandboxError::Tls(e.to_string()))?;
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ok((material.ca_pem, task))
}
