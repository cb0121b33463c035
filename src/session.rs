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

/// The multi-threaded runtime a headless command runs on; `None` (after saying why on
/// stderr) if the process cannot start one.
pub fn new_runtime() -> Option<tokio::runtime::Runtime> {
    build_runtime(&mut tokio::runtime::Builder::new_multi_thread())
}

/// The studio's runtime: its event loop runs on the main thread (`block_on`), so one worker
/// is enough for the tasks (the embedded sandbox, submissions, forwarding), and blocking
/// threads (checks of a large text, history pages, the start-up work) end a second after
/// their last job instead of ten. Both keep an idle studio's memory down: every thread
/// keeps its stack and its allocator arena resident.
pub fn studio_runtime() -> Option<tokio::runtime::Runtime> {
    build_runtime(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_keep_alive(std::time::Duration::from_secs(1)),
    )
}

fn build_runtime(builder: &mut tokio::runtime::Builder) -> Option<tokio::runtime::Runtime> {
    builder
        .enable_all()
        .build()
        .map_err(|error| eprintln!("cxda: cannot start the async runtime: {error}"))
        .ok()
}

/// The configuration for `global` from the process environment; `None` after saying why
/// on stderr (a configuration problem: exit 2).
pub fn resolve(global: &crate::config::GlobalOptions) -> Option<crate::config::Resolved> {
    crate::config::resolve(global, &crate::config::ProcessEnv)
        .map_err(|error| eprintln!("cxda: {error}"))
        .ok()
}

/// What a command that writes history needs from the data dir: the dir itself (created
/// 0700), the log file, and the audit log told the profile's secrets. `None` after saying
/// why on stderr: a local problem (exit 2).
pub fn open_data_dir(
    resolved: &crate::config::Resolved,
) -> Option<(crate::logging::LogGuard, crate::audit::AuditLog)> {
    let log = prepare_data_dir(resolved)?;
    match open_audit(resolved) {
        Ok(audit) => Some((log, audit)),
        Err(error) => {
            eprintln!("cxda: {error}");
            None
        }
    }
}

/// The data dir created (0700) and logging to it started; `None` after saying why on
/// stderr. The audit log is opened apart ([`open_audit`]): creating its file syncs the
/// directory, which can take a while on a busy disk, and the studio does it off its first
/// frame's path.
pub fn prepare_data_dir(resolved: &crate::config::Resolved) -> Option<crate::logging::LogGuard> {
    if let Err(error) = crate::config::create_data_dir(&resolved.data_dir) {
        eprintln!("cxda: {error}");
        return None;
    }
    Some(crate::logging::init(&resolved.data_dir))
}

/// Where the audit log lives and what it must redact: a resolved configuration's data dir,
/// `audit_max_mib` and profile.
#[derive(Debug, Clone)]
pub struct AuditPlace {
    pub data_dir: std::path::PathBuf,
    pub max_mib: u64,
    pub profile: crate::config::Profile,
}

impl AuditPlace {
    pub fn of(resolved: &crate::config::Resolved) -> AuditPlace {
        AuditPlace {
            data_dir: resolved.data_dir.clone(),
            max_mib: resolved.audit_max_mib,
            profile: resolved.profile.clone(),
        }
    }

    /// The audit log, told the profile's literal secrets so they are redacted wherever
    /// they turn up: the client secret, the sandbox's, and values of secret-looking
    /// `extra_headers`. The commands and the studio both open it here, so none can forget
    /// a secret.
    pub fn open(&self) -> Result<crate::audit::AuditLog, crate::audit::AuditError> {
        const MIB: u64 = 1024 * 1024;
        let profile = &self.profile;
        let mut redactor = crate::audit::Redactor::new();
        if let Some(connection) = &profile.connection {
            redactor = redactor.with_secret(connection.client_secret.expose());
        }
        if profile.kind == crate::config::ProfileKind::Sandbox {
            redactor = redactor.with_secret(crate::config::SANDBOX_CLIENT_SECRET);
        }
        for header in profile.extra_headers.iter().filter(|h| h.looks_secret()) {
            redactor = redactor.with_secret(header.value.clone());
        }
        crate::audit::AuditLog::open_with(
            &self.data_dir,
            self.max_mib.saturating_mul(MIB),
            redactor,
        )
    }
}

/// [`AuditPlace::open`] for a resolved configuration.
pub fn open_audit(
    resolved: &crate::config::Resolved,
) -> Result<crate::audit::AuditLog, crate::audit::AuditError> {
    AuditPlace::of(resolved).open()
}
