//! The audit history (docs/audit.md): one JSON Lines record per submission and per webhook
//! delivery in `<data dir>/audit.jsonl`, appended and never rewritten, plus the tail-first
//! reader the `cxda audit` commands and the TUI history pane page through.
//!
//! What it owns:
//! - [`AuditRecord`] and its parts: the on-disk format (see [`record`] for the decisions);
//! - [`Redactor`]: what never reaches the file in clear. [`AuditLog`] redacts inside every
//!   append, so there is no way to write a record that skipped it; [`redact_url`] shows a
//!   URL without its credentials, for logs and messages;
//! - [`AuditLog`]: the writer — advisory lock, torn-tail repair, whole-record writes,
//!   `fdatasync` before an append returns, group commit of appends that arrive together,
//!   rotation past `audit_max_mib`, bodies over 256 KiB cut and marked;
//! - [`AuditReader`]: newest records first by reading backwards in blocks (cost follows the
//!   records asked for, not the file size), a [`Cursor`] to page further back across rotated
//!   segments, torn or corrupt lines skipped and counted, and [`AuditReader::find`] by id;
//! - [`AuditId`]: unique, time-ordered ids (ULID layout).

mod id;
mod reader;
pub mod record;
mod redact;
mod redact_url;
mod segments;
mod writer;

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use crate::time::format_rfc3339_ms;
pub use id::{AuditId, InvalidAuditId};
pub use reader::{AuditReader, Cursor, Filter, Page};
pub use record::{
    Attempt, AuditRecord, Exchange, Headers, MAX_BODY_BYTES, Outcome, RateLimit, Redirect, Step,
    body_value,
};
pub use redact::{REDACTED, Redactor, is_credential_header};
pub use redact_url::{is_secret_query_name, redact_url};
pub use writer::AuditLog;

/// The file records are appended to, inside the data dir.
pub const AUDIT_FILE: &str = "audit.jsonl";

/// Everything that can go wrong with the audit history. I/O errors name the path; the
/// sources are shared (`Arc`) because one failed group commit fails every append in it.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AuditError {
    #[error("cannot create the audit directory {}: {source}", path.display())]
    CreateDir {
        path: PathBuf,
        #[source]
        source: Arc<io::Error>,
    },
    #[error("cannot open the audit file {}: {source}", path.display())]
    Open {
        path: PathBuf,
        #[source]
        source: Arc<io::Error>,
    },
    #[error("cannot lock the audit file {}: {source}", path.display())]
    Lock {
        path: PathBuf,
        #[source]
        source: Arc<io::Error>,
    },
    #[error("cannot write the audit file {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: Arc<io::Error>,
    },
    #[error("cannot rotate the audit file {} to {}: {source}", path.display(), to.display())]
    Rotate {
        path: PathBuf,
        to: PathBuf,
        #[source]
        source: Arc<io::Error>,
    },
    #[error("cannot read the audit history {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: Arc<io::Error>,
    },
    #[error("cannot encode an audit record for {}: {message}", path.display())]
    Encode { path: PathBuf, message: String },
    #[error(
        "the audit file {} kept changing under the lock (rotated by other processes); the record was not written",
        path.display()
    )]
    Contended { path: PathBuf },
    #[error(
        "the history position in {} no longer exists (the segment was removed); start again from the newest",
        path.display()
    )]
    StaleCursor { path: PathBuf },
    #[error(transparent)]
    InvalidId(#[from] InvalidAuditId),
    #[error("the audit writer task stopped: {message}")]
    Task { message: String },
}

// `map_err` helpers: each names the path the failed operation was on.
impl AuditError {
    pub(crate) fn create_dir(path: &Path) -> impl FnOnce(io::Error) -> Self + '_ {
        move |e| Self::CreateDir {
            path: path.to_path_buf(),
            source: Arc::new(e),
        }
    }
    pub(crate) fn open(path: &Path) -> impl FnOnce(io::Error) -> Self + '_ {
        move |e| Self::Open {
            path: path.to_path_buf(),
            source: Arc::new(e),
        }
    }
    pub(crate) fn lock(path: &Path) -> impl FnOnce(io::Error) -> Self + '_ {
        move |e| Self::Lock {
            path: path.to_path_buf(),
            source: Arc::new(e),
        }
    }
    pub(crate) fn write(path: &Path) -> impl FnOnce(io::Error) -> Self + '_ {
        move |e| Self::Write {
            path: path.to_path_buf(),
            source: Arc::new(e),
        }
    }
    pub(crate) fn read(path: &Path) -> impl FnOnce(io::Error) -> Self + '_ {
        move |e| Self::Read {
            path: path.to_path_buf(),
            source: Arc::new(e),
        }
    }
}
