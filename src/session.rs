//! What the headless commands and the studio share to run a session: the exit outcome,
//! the async runtime, and the data dir opened for writing history (log and audit). Both
//! `cli` and `tui` use it; neither depends on the other for it.

use std::process::ExitCode;

/// How a command ended, and its exit code (docs/commands.md, Exit codes). A later variant
/// wins when several apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    Ok,
    /// Checks failed, or a submission was not created.
    Failed,
    /// A local problem: usage, configuration, a file that cannot be read or written.
    LocalProblem,
    Interrupted,
}

impl Outcome {
    pub fn exit_code(self) -> ExitCode {
        ExitCode::from(match self {
            Outcome::Ok => 0,
            Outcome::Failed => 1,
            Outcome::LocalProblem => 2,
            Outcome::Interrupted => 130,
        })
    }
}

/// The multi-threaded runtime a command (or the studio) runs on; `None` (after saying why on
/// stderr) if the process cannot start one.
pub fn new_runtime() -> Option<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|error| eprintln!("cxda: cannot start the async runtime: {error}"))
        .ok()
}

/// What a command that writes history needs from the data dir: the dir itself (created
/// 0700), the log file, and the audit log told the profile's secrets. `None` after saying
/// why on stderr: a local problem (exit 2).
pub fn open_data_dir(
    resolved: &crate::config::Resolved,
) -> Option<(crate::logging::LogGuard, crate::audit::AuditLog)> {
    if let Err(error) = crate::config::create_data_dir(&resolved.data_dir) {
        eprintln!("cxda: {error}");
        return None;
    }
    let log = crate::logging::init(&resolved.data_dir);
    match crate::audit::open_for(resolved) {
        Ok(audit) => Some((log, audit)),
        Err(error) => {
            eprintln!("cxda: {error}");
            None
        }
    }
}
