//! Configuration (docs/configuration.md): where the config file and the data directory are, which
//! profile is in use and why, and the profile itself, resolved and validated so that a
//! profile that cannot work is a configuration error before any network I/O.
//!
//! - `paths`: config file and data dir precedence, the private data dir.
//! - `file`: the TOML file, unknown keys, the permission rule for literal secrets.
//! - `profile`: [`Profile`] with every key at its default or as configured.
//! - `build`: a profile from its table and the environment, validated.
//! - `endpoint`: URL parsing and the https-or-loopback rule.
//! - `expand`: `${VAR}` references.
//! - `env`: the environment, injectable for tests.
//!
//! Decisions (each one documented in docs/configuration.md):
//! - `[profiles.sandbox]` and `[profiles.env]` may override every key of the built-in except
//!   the connection keys (`token_url`, `api_base_url`, `client_id`, `client_secret`), which
//!   come from the started sandbox / the `CXONE_*` variables; setting one is an error.
//! - `${VAR}` works in `token_url`, `api_base_url`, `client_id`, `client_secret`,
//!   `webhook_url` and `extra_headers` values, alone or inside text. A variable set to the
//!   empty string counts as unset, here and for `CXDA_*` / `CXONE_*`.
//! - The permission rule covers `client_secret` and the values of secret-looking
//!   `extra_headers` (the secret-looking name rule) in every profile of the file, not only the one
//!   in use: the file is exposed whichever profile runs.
//! - `webhook_url` follows the same transport rule as the API URLs (https, or http to
//!   loopback). `extra_headers` may not replace a header cxda sets itself (Authorization,
//!   Content-Type, Idempotency-Key, …).
//! - A relative `ca_cert` is resolved against the config file's directory; the file must hold
//!   a PEM certificate. `timeout_ms`, `header_budget_bytes` and `audit_max_mib` must be ≥ 1.

mod build;
mod endpoint;
mod env;
mod error;
mod expand;
mod file;
mod paths;
mod profile;
mod region;

use std::path::PathBuf;

pub use build::{check_extra_header_name, check_extra_header_value};
pub use env::{Env, ProcessEnv, ProjectPaths, StaticEnv};
pub use error::ConfigError;
pub use file::ConfigFile;
pub use paths::{
    CONFIG_VAR, ConfigLocation, DATA_DIR_VAR, PathOrigin, config_location, create_data_dir,
    data_dir,
};
pub use profile::{
    Api, CaCert, ClientAuth, Connection, ENV, ExtraHeader, GENESYS_ENV, Profile, ProfileKind,
    SANDBOX, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, SANDBOX_GENESYS, SANDBOX_INTEGRATION_ID,
    Secret,
};
pub use region::{REGIONS, Region};

pub const PROFILE_VAR: &str = "CXDA_PROFILE";
/// Setting it makes `env` the default profile (after the flags, `$CXDA_PROFILE` and
/// `default_profile`).
pub const CLIENT_ID_VAR: &str = "CXONE_CLIENT_ID";
/// Setting it makes `genesys-env` the default profile (after everything above).
pub const GENESYS_CLIENT_ID_VAR: &str = "GENESYSCLOUD_OAUTHCLIENT_ID";
pub const GENESYS_SECRET_VAR: &str = "GENESYSCLOUD_OAUTHCLIENT_SECRET";
pub const GENESYS_REGION_VAR: &str = "GENESYSCLOUD_REGION";
pub const GENESYS_INTEGRATION_VAR: &str = "GENESYSCLOUD_INTEGRATION_ID";
/// What a headless command prints on stderr when it falls back to the sandbox.
pub const FALLBACK_NOTICE: &str =
    "no profile configured: using the embedded sandbox; nothing leaves this machine";

/// The global flags `--config`, `--data-dir`, `--profile`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GlobalOptions {
    pub config: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    pub profile: Option<String>,
}

/// Why the profile in use is the one it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileChoice {
    /// `--profile NAME`.
    Flag,
    /// `$CXDA_PROFILE`.
    EnvVar,
    /// `default_profile` in the config file.
    ConfigDefault,
    /// `env`, because `CXONE_CLIENT_ID` is set.
    ClientIdSet,
    /// `genesys-env`, because `GENESYSCLOUD_OAUTHCLIENT_ID` is set.
    GenesysClientIdSet,
    /// Nothing chose: the embedded sandbox.
    Fallback,
}

impl ProfileChoice {
    /// Where the choice came from, for messages ("profile `x` (from --profile) …").
    pub fn describe(self) -> &'static str {
        match self {
            ProfileChoice::Flag => "--profile",
            ProfileChoice::EnvVar => "$CXDA_PROFILE",
            ProfileChoice::ConfigDefault => "default_profile in the config file",
            ProfileChoice::ClientIdSet => "CXONE_CLIENT_ID being set",
            ProfileChoice::GenesysClientIdSet => "GENESYSCLOUD_OAUTHCLIENT_ID being set",
            ProfileChoice::Fallback => "no profile being configured",
        }
    }

    /// The line a headless command prints on stderr for this choice, if any.
    pub fn notice(self) -> Option<&'static str> {
        (self == ProfileChoice::Fallback).then_some(FALLBACK_NOTICE)
    }
}

/// `--profile NAME` > `$CXDA_PROFILE` > `default_profile` > `env` when `CXONE_CLIENT_ID` is
/// set > `genesys-env` when `GENESYSCLOUD_OAUTHCLIENT_ID` is set > `sandbox`.
pub fn choose_profile(
    options: &GlobalOptions,
    file: &ConfigFile,
    env: &dyn Env,
) -> (String, ProfileChoice) {
    if let Some(name) = options.profile.as_ref().filter(|n| !n.is_empty()) {
        (name.clone(), ProfileChoice::Flag)
    } else if let Some(name) = env::non_empty(env, PROFILE_VAR) {
        (name, ProfileChoice::EnvVar)
    } else if let Some(name) = file.default_profile() {
        (name.to_string(), ProfileChoice::ConfigDefault)
    } else if env::non_empty(env, CLIENT_ID_VAR).is_some() {
        (ENV.to_string(), ProfileChoice::ClientIdSet)
    } else if env::non_empty(env, GENESYS_CLIENT_ID_VAR).is_some() {
        (GENESYS_ENV.to_string(), ProfileChoice::GenesysClientIdSet)
    } else {
        (SANDBOX.to_string(), ProfileChoice::Fallback)
    }
}

/// Everything a command needs from the configuration.
#[derive(Debug)]
pub struct Resolved {
    pub config: ConfigLocation,
    /// False when the default config file does not exist (every default applies).
    pub config_exists: bool,
    /// Not created yet: call [`create_data_dir`] before writing to it.
    pub data_dir: PathBuf,
    pub audit_max_mib: u64,
    pub profile: Profile,
    pub chosen_because: ProfileChoice,
}

/// Locates and reads the config file, picks the profile and resolves it.
pub fn resolve(options: &GlobalOptions, env: &dyn Env) -> Result<Resolved, ConfigError> {
    let config = config_location(options, env)?;
    let file = ConfigFile::load_location(&config)?;
    let data_dir = data_dir(options, env)?;
    let (name, chosen_because) = choose_profile(options, &file, env);
    let profile = file.profile_named_by(&name, Some(chosen_because.describe()), env)?;
    Ok(Resolved {
        config_exists: file.exists(),
        config,
        data_dir,
        audit_max_mib: file.audit_max_mib(),
        profile,
        chosen_because,
    })
}

#[cfg(test)]
mod tests;
