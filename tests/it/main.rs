//! The integration tests, as one test binary: a module per file, named by area (`audit_*`,
//! `cli_*`, `engine_*`, `sandbox_*`, `tui_*`), and the helpers they share (`*_common`) as
//! ordinary modules. One binary links the crate once, where a binary per file linked it once
//! per file. Filter as usual: `cargo test --test it engine_` runs one area.
//!
//! All tests share one process, so none may change process-wide state (environment
//! variables, the current directory, signal handlers, a panic hook): a test that needs its
//! own environment runs the binary it tests (`cxda`, or this one with a filter) as a child.

// Helpers shared across areas.
mod audit_common;
mod cli_submit_common;
mod engine_common;
mod engine_genesys_common;
mod files_common;
mod pty_common;
mod sandbox_common;
mod sandbox_genesys_common;
mod target_common;

// The audit history: format, reader, redaction, several writer processes.
mod audit_durability;
mod audit_format;
mod audit_reader;
mod audit_redaction;

// The headless commands, run as the real `cxda` binary.
mod cli_audit;
mod cli_config;
mod cli_lifecycle;
mod cli_list_pull;
mod cli_sandbox;
mod cli_submit;
mod cli_submit_curl;
mod cli_submit_genesys;
mod cli_submit_genesys_secrets;
mod cli_submit_secrets;
mod cli_test;
mod cli_validate;
mod cli_validate_genesys;

// The engine against the real sandbox on loopback.
mod engine_auth;
mod engine_budget;
mod engine_genesys;
mod engine_genesys_conformance;
mod engine_genesys_pacing;
mod engine_genesys_token;
mod engine_pacing;
mod engine_record;
mod engine_redirects;
mod engine_retries;
mod engine_timeout;
mod engine_tls;
mod engine_tokens;
mod engine_webhook;

// The sandbox over HTTP.
mod sandbox_admin;
mod sandbox_create;
mod sandbox_faults;
mod sandbox_genesys;
mod sandbox_genesys_conformance;
mod sandbox_genesys_limits;
mod sandbox_genesys_test_run;
mod sandbox_lifecycle;
mod sandbox_lifecycle_cxone;
mod sandbox_oauth;
mod sandbox_openapi;
mod sandbox_persist;
mod sandbox_ratelimit;
mod sandbox_tls;

// The studio: App and views in memory, insta snapshots, the real binary in a pty.
mod tui_app;
mod tui_curl;
mod tui_genesys;
mod tui_history;
mod tui_pty;
mod tui_quit;
mod tui_remote;
mod tui_remote_changes;
mod tui_remote_sandbox;
mod tui_snapshots;
mod tui_submission;
mod tui_submission_sandbox;
mod tui_test_pane;
