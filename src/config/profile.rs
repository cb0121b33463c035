//! A resolved profile: everything the engine needs to reach one API, every key of
//! docs/configuration.md at its default or as configured. Building one from a table and
//! validating it is `build.rs`; URL rules are `endpoint.rs`.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use reqwest::Url;
use serde::Deserialize;

use super::ConfigError;
use super::endpoint::{append_path, check_endpoint, no_base};
use super::region::Region;
pub use crate::dialect::Api;
use crate::rate::RateSpec;

pub const SANDBOX: &str = "sandbox";
pub const ENV: &str = "env";
/// The embedded sandbox spoken to in the `genesys-cloud` dialect.
pub const SANDBOX_GENESYS: &str = "sandbox-genesys";
/// Built from the `GENESYSCLOUD_*` variables (those of the platform's Terraform provider).
pub const GENESYS_ENV: &str = "genesys-env";
/// The id of the integration the embedded sandbox has from the start (type
/// `custom-rest-actions`): the `integration_id` of `sandbox-genesys`.
pub const SANDBOX_INTEGRATION_ID: &str = "8a1f2c3d-0000-4000-8000-000000c0da01";
pub const SANDBOX_CLIENT_ID: &str = "sandbox";
pub const SANDBOX_CLIENT_SECRET: &str = "sandbox-secret";

/// A credential. `Debug` and `Display` print `[redacted]`, so it cannot reach a log, a panic
/// message or the screen by accident; [`Secret::expose`] is the one deliberate way out.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileKind {
    /// The embedded sandbox; its connection exists once the sandbox has started.
    Sandbox,
    /// Built from the `CXONE_*` variables.
    Env,
    /// Built from the `GENESYSCLOUD_*` variables.
    GenesysEnv,
    /// A `[profiles.NAME]` table of the config file.
    File,
}

/// How the client authenticates to the token endpoint (RFC 6749 §2.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClientAuth {
    #[default]
    Basic,
    Body,
}

/// The endpoints and credentials: always present for file and env profiles, present for the
/// sandbox profile once [`Profile::complete_sandbox`] has run.
#[derive(Debug, Clone)]
pub struct Connection {
    pub token_url: Url,
    pub api_base_url: Url,
    /// `api_base_url` plus the API's create path, computed once here.
    pub create_url: Url,
    pub client_id: String,
    pub client_secret: Secret,
}

/// `ca_cert`: the path (resolved) and the PEM read when the profile was resolved, so the
/// engine does not have a second way to fail on it.
#[derive(Clone)]
pub struct CaCert {
    pub path: PathBuf,
    pub pem: Vec<u8>,
}

impl fmt::Debug for CaCert {
    // The path says which certificate; the bytes would only bury the rest of a Profile dump.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CaCert")
            .field("path", &self.path)
            .field("pem_bytes", &self.pem.len())
            .finish()
    }
}

/// One of `extra_headers`. `Debug` redacts the value when the name looks secret.
#[derive(Clone, PartialEq, Eq)]
pub struct ExtraHeader {
    pub name: String,
    pub value: String,
}

impl ExtraHeader {
    /// The secret-looking name rule: `*key*`, `*token*`, `*secret*`, `authorization`, `*password*`.
    pub fn looks_secret(&self) -> bool {
        looks_secret(&self.name)
    }
}

impl fmt::Debug for ExtraHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value: &dyn fmt::Debug = if self.looks_secret() {
            &"[redacted]"
        } else {
            &self.value
        };
        f.debug_struct("ExtraHeader")
            .field("name", &self.name)
            .field("value", value)
            .finish()
    }
}

/// The secret-looking name rule, shared with the payload lint and the audit redaction.
pub(crate) fn looks_secret(name: &str) -> bool {
    crate::payload::is_secret_header_name(name)
}

#[derive(Debug, Clone)]
pub struct Profile {
    pub name: String,
    pub kind: ProfileKind,
    pub api: Api,
    /// `region` (genesys-cloud): where the hosts came from, when they came from a region.
    pub region: Option<Region>,
    /// `integration_id` (genesys-cloud): used when a payload has no `integrationId`.
    pub integration_id: Option<String>,
    pub connection: Option<Connection>,
    pub client_auth: ClientAuth,
    pub scopes: Vec<String>,
    pub header_budget_bytes: usize,
    pub max_retries: u32,
    /// `max_wait_s`: the longest single wait a server may ask for.
    pub max_wait: Duration,
    /// `timeout_ms`.
    pub timeout: Duration,
    pub retry_after_timeout: bool,
    /// `None` is `rate_limit = "off"`.
    pub rate_limit: Option<RateSpec>,
    pub ca_cert: Option<CaCert>,
    pub webhook_url: Option<Url>,
    pub extra_headers: Vec<ExtraHeader>,
    pub confirm_submit: bool,
}

impl Profile {
    /// Every key at its default (docs/configuration.md) for `cxone-v2`, no connection yet.
    pub fn with_defaults(name: &str, kind: ProfileKind) -> Profile {
        Profile::with_defaults_for(name, kind, Api::CxoneV2)
    }

    /// Every key at its default for a profile speaking `api`, no connection yet.
    pub fn with_defaults_for(name: &str, kind: ProfileKind, api: Api) -> Profile {
        let sandbox = kind == ProfileKind::Sandbox;
        Profile {
            name: name.to_string(),
            kind,
            api,
            region: None,
            integration_id: (kind == ProfileKind::Sandbox && api == Api::GenesysCloud)
                .then(|| SANDBOX_INTEGRATION_ID.to_string()),
            connection: None,
            client_auth: ClientAuth::Basic,
            scopes: api.default_scopes(),
            header_budget_bytes: 8192,
            max_retries: 5,
            max_wait: Duration::from_secs(120),
            timeout: Duration::from_millis(30_000),
            retry_after_timeout: sandbox,
            rate_limit: Some(api.default_rate_limit()),
            ca_cert: None,
            webhook_url: None,
            extra_headers: Vec::new(),
            confirm_submit: !sandbox,
        }
    }

    /// The built-in `sandbox` profile with no overrides: no connection until the embedded
    /// sandbox has started.
    pub fn sandbox() -> Profile {
        Profile::with_defaults(SANDBOX, ProfileKind::Sandbox)
    }

    /// The built-in `sandbox-genesys` profile with no overrides.
    pub fn sandbox_genesys() -> Profile {
        Profile::with_defaults_for(SANDBOX_GENESYS, ProfileKind::Sandbox, Api::GenesysCloud)
    }

    /// The built-in profile named `name`, if it is one, and the dialect it speaks.
    pub fn builtin(name: &str) -> Option<(ProfileKind, Api)> {
        match name {
            SANDBOX => Some((ProfileKind::Sandbox, Api::CxoneV2)),
            SANDBOX_GENESYS => Some((ProfileKind::Sandbox, Api::GenesysCloud)),
            ENV => Some((ProfileKind::Env, Api::CxoneV2)),
            GENESYS_ENV => Some((ProfileKind::GenesysEnv, Api::GenesysCloud)),
            _ => None,
        }
    }

    /// Fills in the connection of a sandbox profile from the started sandbox's base URL:
    /// token URL `{base}/oauth/token`, API base `{base}`, the sandbox's fixed credentials.
    pub fn complete_sandbox(&mut self, base_url: &Url) -> Result<(), ConfigError> {
        let base = check_endpoint(&self.name, "api_base_url", base_url.clone())?;
        let token_url =
            append_path(&base, &["oauth", "token"]).ok_or_else(|| no_base(&self.name, &base))?;
        self.connection = Some(self.connection_for(
            token_url,
            base,
            SANDBOX_CLIENT_ID.to_string(),
            Secret::new(SANDBOX_CLIENT_SECRET),
        )?);
        Ok(())
    }

    /// True for a sandbox profile whose sandbox has not been started yet.
    pub fn needs_sandbox(&self) -> bool {
        self.kind == ProfileKind::Sandbox && self.connection.is_none()
    }

    pub(crate) fn connection_for(
        &self,
        token_url: Url,
        api_base_url: Url,
        client_id: String,
        client_secret: Secret,
    ) -> Result<Connection, ConfigError> {
        let create_url = self
            .api
            .create_url(&api_base_url)
            .ok_or_else(|| no_base(&self.name, &api_base_url))?;
        Ok(Connection {
            token_url,
            api_base_url,
            create_url,
            client_id,
            client_secret,
        })
    }
}
