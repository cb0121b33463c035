//! `ConfigError`: every way the configuration can fail, worded for the operator who has to
//! fix it (which file, which profile, which key, what to do). All of them are "configuration
//! errors" in the sense of docs/commands.md: exit 2, raised before any network I/O.

use std::path::PathBuf;

use crate::rate::RateSpecError;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "cannot locate the {what} directory (no home directory found): pass {flag} or set {var}"
    )]
    NoProjectDir {
        what: &'static str,
        flag: &'static str,
        var: &'static str,
    },

    #[error("config file {} (named by {named_by}) does not exist", path.display())]
    NotFound {
        path: PathBuf,
        named_by: &'static str,
    },

    #[error("cannot read config file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },

    /// TOML syntax and type errors, positioned with the toml error's span.
    #[error("{}:{line}:{column}: {message}", path.display())]
    Syntax {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },

    #[error(
        "{}:{line}:{column}: unknown key `{key}` in {table}{}",
        path.display(),
        hint_suffix(hint)
    )]
    UnknownKey {
        path: PathBuf,
        line: usize,
        column: usize,
        /// `the top level` or `[profiles.NAME]`.
        table: String,
        key: String,
        hint: Option<String>,
    },

    #[error(
        "{}:{line}:{column}: `{key}` cannot be set in [profiles.{profile}]: {reason}",
        path.display()
    )]
    ReservedKey {
        path: PathBuf,
        line: usize,
        column: usize,
        profile: String,
        key: String,
        reason: &'static str,
    },

    #[error(
        "{} holds a literal `{key}` (profile `{profile}`) but its mode {mode:04o} lets group or \
         others read it: run `chmod 600 {}`, or move the secret to an environment variable and \
         write {key} = \"${{VAR}}\"",
        path.display(),
        path.display()
    )]
    InsecurePermissions {
        path: PathBuf,
        mode: u32,
        profile: String,
        key: String,
    },

    #[error(
        "profile `{name}`{} is not defined{}{}; built in: sandbox, env{}",
        named_by.as_ref().map(|n| format!(" (from {n})")).unwrap_or_default(),
        match file { Some(p) => format!(" in {}", p.display()), None => String::new() },
        hint_suffix(hint),
        if defined.is_empty() { String::new() } else { format!("; defined: {}", defined.join(", ")) }
    )]
    UnknownProfile {
        name: String,
        named_by: Option<String>,
        /// The config file that was read, if any.
        file: Option<PathBuf>,
        defined: Vec<String>,
        hint: Option<String>,
    },

    #[error("profile `{profile}`: `{key}` refers to ${{{var}}}, which is not set (or is empty)")]
    UnsetVariable {
        profile: String,
        key: String,
        var: String,
    },

    #[error("profile `{profile}`: `{key}` has a malformed ${{...}} reference: {reason}")]
    BadReference {
        profile: String,
        key: String,
        reason: &'static str,
    },

    #[error("profile `{profile}`: `{key}` is missing: {fix}")]
    MissingKey {
        profile: String,
        key: String,
        fix: String,
    },

    #[error(
        "profile `{profile}`: `{key}` = {value:?} is not a Genesys Cloud region; use one of: {known}"
    )]
    UnknownRegion {
        profile: String,
        key: String,
        value: String,
        known: String,
    },

    #[error("profile `{profile}`: `{key}` = {value:?} is not a usable URL: {reason}")]
    InvalidUrl {
        profile: String,
        key: String,
        value: String,
        reason: String,
    },

    #[error(
        "profile `{profile}`: `{key}` uses plain http:// to `{host}`, which is not loopback: \
         use https:// (plain http is only allowed to localhost, 127.0.0.0/8 and ::1)"
    )]
    InsecureUrl {
        profile: String,
        key: String,
        host: String,
    },

    #[error("profile `{profile}`: `ca_cert` {} cannot be read: {source}", path.display())]
    CaCertUnreadable {
        profile: String,
        path: PathBuf,
        source: std::io::Error,
    },

    #[error(
        "profile `{profile}`: `ca_cert` {} holds no PEM certificate \
         (expected a -----BEGIN CERTIFICATE----- block)",
        path.display()
    )]
    CaCertNotPem { profile: String, path: PathBuf },

    #[error("profile `{profile}`: `rate_limit`: {source}")]
    RateLimit {
        profile: String,
        source: RateSpecError,
    },

    #[error("profile `{profile}`: `{key}` = {value}: {reason}")]
    InvalidValue {
        profile: String,
        key: String,
        value: String,
        reason: &'static str,
    },

    #[error("cannot create the data directory {}: {source}", path.display())]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn hint_suffix(hint: &Option<String>) -> String {
    match hint {
        Some(h) => format!(" (did you mean `{h}`?)"),
        None => String::new(),
    }
}
