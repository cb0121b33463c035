//! cxda: a terminal studio for Data Actions, in two dialects: Genesys Cloud
//! (`genesys-cloud`) and the `cxone-v2` contract the product started from.
//!
//! What each module owns:
//! - [`audit`]: the append-only audit history (JSON Lines) and its tail-first reader.
//! - [`payload`]: the payload schema, templates and the checks (syntax, schema, secret
//!   lint, header budget) with positions in the original text.
//! - [`config`]: profiles, the config file, `${VAR}` expansion, data and config dirs.
//! - [`dialect`]: the two dialects (`cxone-v2`, `genesys-cloud`) and their defaults.
//! - [`engine`]: OAuth2, the request builder, the executor, pacing and webhooks.
//! - [`rate`]: `N/PERIOD` rate specifications shared by pacing and the sandbox.
//! - [`runner`]: the local test runner's parts (the template subset, the translation map, the contract checks).
//! - [`sandbox`]: the embedded API emulation (axum) with fault injection and TLS.
//! - [`cli`]: the headless commands.
//! - [`session`]: what the commands and the studio share to run: the exit outcome, the
//!   async runtime, the data dir opened for history.
//! - [`logging`]: diagnostics to a daily rolling file under the data dir.
//! - [`text`]: making outside text safe to print on a terminal.
//! - [`tui`]: the terminal studio: App state, messages, drawing.
//! - [`time`]: the RFC 3339 `ts` and the compact segment-name time forms (on the `time` crate).

pub mod audit;
pub mod cli;
pub mod config;
pub mod dialect;
pub mod engine;
pub mod logging;
pub mod payload;
pub mod rate;
pub mod runner;
pub mod sandbox;
pub mod session;
pub mod text;
pub mod time;
pub mod tui;

/// Installs rustls's ring crypto provider for the process (ring only: no aws-lc, no OpenSSL).
/// Idempotent; every entry point that does TLS (server or client) calls it first.
pub fn init_tls() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Err only means another provider was installed first, which is then the one used.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}
