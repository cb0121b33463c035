//! Diagnostics: `tracing` events to a daily rolling file under `<data dir>/logs`
//! (`cxda.YYYY-MM-DD.log`, the last [`KEEP_DAYS`] kept), written by a background thread so a
//! slow disk never stalls a submission. The level comes from `CXDA_LOG` (`error`, `warn`,
//! `info`, `debug`, `trace`, or `off`; default `info`).
//!
//! What is logged is decided at the call sites, and none of them log headers, bodies,
//! tokens or secrets: the audit history (redacted) is the record of what was sent; the log
//! only says what cxda did and why.

use std::path::{Path, PathBuf};

use tracing::level_filters::LevelFilter;
use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_appender::rolling::{Builder, Rotation};

/// The variable that sets the level.
pub const LOG_VAR: &str = "CXDA_LOG";
/// Log lines queued for the writer thread before new ones are dropped.
const LOG_QUEUE_LINES: usize = 4096;
/// The subdirectory of the data dir that holds the log files.
pub const LOG_DIR: &str = "logs";
/// Daily files older than this many days are removed when a new one starts.
pub const KEEP_DAYS: usize = 14;

const DEFAULT_LEVEL: LevelFilter = LevelFilter::INFO;

/// Keeps the background writer alive: events still queued are written when it drops, so
/// hold it until the command ends.
#[must_use = "dropping the guard stops the log writer"]
pub struct LogGuard {
    _worker: Option<WorkerGuard>,
}

impl std::fmt::Debug for LogGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogGuard")
            .field("active", &self._worker.is_some())
            .finish()
    }
}

/// A `CXDA_LOG` value: the level, or why it is not one.
pub fn parse_level(text: &str) -> Result<LevelFilter, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "error" => Ok(LevelFilter::ERROR),
        "warn" | "warning" => Ok(LevelFilter::WARN),
        "info" => Ok(LevelFilter::INFO),
        "debug" => Ok(LevelFilter::DEBUG),
        "trace" => Ok(LevelFilter::TRACE),
        "off" => Ok(LevelFilter::OFF),
        _ => Err(format!(
            "{LOG_VAR}={:?} is not a level (error, warn, info, debug, trace, off); using {}",
            crate::text::escape_controls(text),
            DEFAULT_LEVEL.to_string().to_ascii_lowercase()
        )),
    }
}

/// The level `CXDA_LOG` asks for; an unset or empty variable is the default, a bad value
/// is the default plus a warning to print.
pub fn level_from(value: Option<&str>) -> (LevelFilter, Option<String>) {
    match value.filter(|v| !v.trim().is_empty()) {
        None => (DEFAULT_LEVEL, None),
        Some(text) => match parse_level(text) {
            Ok(level) => (level, None),
            Err(warning) => (DEFAULT_LEVEL, Some(warning)),
        },
    }
}

/// `<data dir>/logs`.
pub fn log_dir(data_dir: &Path) -> PathBuf {
    data_dir.join(LOG_DIR)
}

/// Starts logging to `<data_dir>/logs` at the level of `$CXDA_LOG`. The data dir must exist
/// (see [`crate::config::create_data_dir`]). Logging is a diagnostic aid, not the record:
/// when it cannot start (an unwritable dir, a subscriber already installed) a warning goes
/// to stderr and the command carries on without it.
pub fn init(data_dir: &Path) -> LogGuard {
    let value = std::env::var(LOG_VAR).ok();
    let (level, warning) = level_from(value.as_deref());
    if let Some(warning) = warning {
        eprintln!("cxda: warning: {warning}");
    }
    if level == LevelFilter::OFF {
        return LogGuard { _worker: None };
    }
    match start(&log_dir(data_dir), level) {
        Ok(worker) => LogGuard {
            _worker: Some(worker),
        },
        Err(reason) => {
            eprintln!("cxda: warning: logging disabled: {reason}");
            LogGuard { _worker: None }
        }
    }
}

fn start(dir: &Path, level: LevelFilter) -> Result<WorkerGuard, String> {
    create_private_dir(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let appender = Builder::new()
        .rotation(Rotation::DAILY)
        .filename_prefix("cxda")
        .filename_suffix("log")
        .max_log_files(KEEP_DAYS)
        .build(dir)
        .map_err(|e| format!("cannot open a log file in {}: {e}", dir.display()))?;
    // The default queue holds 128,000 lines and is allocated and touched up front: 4 MiB of
    // the studio's resident memory for a log that writes a few lines a minute. A full queue
    // drops lines (lossy) rather than blocking a request.
    let (writer, worker) = NonBlockingBuilder::default()
        .buffered_lines_limit(LOG_QUEUE_LINES)
        .lossy(true)
        .finish(appender);
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_max_level(level)
        .with_ansi(false)
        .with_target(true)
        .try_init()
        .map_err(|e| format!("a logger is already installed: {e}"))?;
    Ok(worker)
}

/// The logs say which endpoints were used and when; like the audit file, they are the
/// owner's only (0700), whatever the umask.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_level_parses_in_any_case() {
        for (text, level) in [
            ("error", LevelFilter::ERROR),
            ("WARN", LevelFilter::WARN),
            (" info ", LevelFilter::INFO),
            ("Debug", LevelFilter::DEBUG),
            ("trace", LevelFilter::TRACE),
            ("off", LevelFilter::OFF),
        ] {
            assert_eq!(parse_level(text), Ok(level), "{text}");
        }
    }

    #[test]
    fn unset_or_empty_is_info_without_a_warning() {
        assert_eq!(level_from(None), (LevelFilter::INFO, None));
        assert_eq!(level_from(Some("  ")), (LevelFilter::INFO, None));
    }

    #[test]
    fn a_bad_value_keeps_info_and_warns_naming_the_value() {
        let (level, warning) = level_from(Some("loud"));
        assert_eq!(level, LevelFilter::INFO);
        let warning = warning.expect("a warning");
        assert!(warning.contains("CXDA_LOG=\"loud\""), "{warning}");
        assert!(warning.contains("using info"), "{warning}");
    }

    #[test]
    fn control_characters_in_a_bad_value_are_escaped() {
        let (_, warning) = level_from(Some("\u{1b}[2J"));
        assert!(!warning.expect("a warning").contains('\u{1b}'));
    }
}
