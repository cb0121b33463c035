//! Builds a [`Profile`] from its `[profiles.NAME]` table (or none, for the built-ins) and the
//! environment, validating every key so that a profile that cannot work as configured fails
//! here, before any network I/O, with the profile and the key named.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use super::ConfigError;
use super::endpoint::{append_path, no_base, parse_endpoint};
use super::env::{Env, non_empty};
use super::expand::expand;
use super::profile::{
    Api, CaCert, ClientAuth, Connection, ExtraHeader, Profile, ProfileKind, Secret,
};
use super::region::Region;
use super::{
    GENESYS_CLIENT_ID_VAR, GENESYS_INTEGRATION_VAR, GENESYS_REGION_VAR, GENESYS_SECRET_VAR,
};
use crate::rate::RateSpec;

/// `[profiles.NAME]` as written in the file. No `Debug`: the extra header values may be
/// secrets (`client_secret` is a [`Secret`] already).
#[derive(Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawProfile {
    pub api: Option<Api>,
    pub region: Option<String>,
    pub integration_id: Option<String>,
    pub token_url: Option<String>,
    pub api_base_url: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    pub client_auth: Option<ClientAuth>,
    pub scopes: Option<Vec<String>>,
    pub header_budget_bytes: Option<u64>,
    pub max_retries: Option<u32>,
    pub max_wait_s: Option<u64>,
    pub timeout_ms: Option<u64>,
    pub retry_after_timeout: Option<bool>,
    pub rate_limit: Option<String>,
    pub ca_cert: Option<PathBuf>,
    pub webhook_url: Option<String>,
    pub extra_headers: Option<BTreeMap<String, String>>,
    pub confirm_submit: Option<bool>,
}

/// Every key a profile table accepts, for the unknown-key check and its hint.
pub(crate) const PROFILE_KEYS: &[&str] = &[
    "api",
    "region",
    "integration_id",
    "token_url",
    "api_base_url",
    "client_id",
    "client_secret",
    "client_auth",
    "scopes",
    "header_budget_bytes",
    "max_retries",
    "max_wait_s",
    "timeout_ms",
    "retry_after_timeout",
    "rate_limit",
    "ca_cert",
    "webhook_url",
    "extra_headers",
    "confirm_submit",
];

/// The keys the built-in profiles take from their own source (the started sandbox, the
/// `CXONE_*` variables); `[profiles.sandbox]` / `[profiles.env]` may set every other key.
pub(crate) const CONNECTION_KEYS: &[&str] = &[
    "token_url",
    "api_base_url",
    "client_id",
    "client_secret",
    "region",
];

/// Why `name` cannot be an extra header (the config's `extra_headers` and the headers the
/// studio adds): not an RFC 9110 token, or a header the engine sets itself.
pub fn check_extra_header_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() || !name.bytes().all(is_token_byte) {
        return Err("not a valid header name (RFC 9110 token characters only)");
    }
    if ENGINE_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name)) {
        return Err("cxda sets this header itself; it cannot be an extra header");
    }
    Ok(())
}

/// What HTTP allows in a field value: visible characters, space and tab, no CR/LF.
pub fn check_extra_header_value(value: &str) -> Result<(), &'static str> {
    if value.chars().any(|c| c.is_control() && c != '\t') {
        return Err("the value holds a control character (such as a line break)");
    }
    Ok(())
}

/// Headers the engine sets itself (docs/engine.md); an extra header must not replace them.
const ENGINE_HEADERS: &[&str] = &[
    "host",
    "content-length",
    "content-type",
    "accept",
    "authorization",
    "user-agent",
    "x-correlation-id",
    "idempotency-key",
    "transfer-encoding",
    "connection",
];

/// What [`build`] needs to know about the file a profile came from.
pub(crate) struct Source<'a> {
    /// The config file, for "add … to FILE" fixes and relative `ca_cert` paths.
    pub file: Option<&'a Path>,
}

/// Builds and validates the profile `name` of `kind` from its table (if any). `builtin_api`
/// is the dialect of a built-in profile, which its table may not change.
pub(crate) fn build(
    name: &str,
    kind: ProfileKind,
    builtin_api: Option<Api>,
    raw: Option<&RawProfile>,
    source: Source<'_>,
    env: &dyn Env,
) -> Result<Profile, ConfigError> {
    let empty = RawProfile::default();
    let raw = raw.unwrap_or(&empty);
    let invalid = |key: &str, value: String, reason: &'static str| ConfigError::InvalidValue {
        profile: name.to_string(),
        key: key.to_string(),
        value,
        reason,
    };
    let api = match (builtin_api, raw.api) {
        (Some(fixed), Some(asked)) if fixed != asked => {
            return Err(invalid(
                "api",
                asked.to_string(),
                "a built-in profile's dialect is fixed; define a profile of your own for another",
            ));
        }
        (Some(api), _) | (None, Some(api)) => api,
        (None, None) => Api::CxoneV2,
    };
    let mut p = Profile::with_defaults_for(name, kind, api);
    if api != Api::GenesysCloud {
        for (key, set) in [
            ("region", raw.region.is_some()),
            ("integration_id", raw.integration_id.is_some()),
        ] {
            if set {
                return Err(invalid(
                    key,
                    "(set)".to_string(),
                    "only a profile with api = \"genesys-cloud\" takes this key",
                ));
            }
        }
    }
    if let Some(id) = &raw.integration_id {
        let id = expand(id, name, "integration_id", env)?;
        if !id.is_empty() {
            p.integration_id = Some(id);
        }
    }
    if let Some(auth) = raw.client_auth {
        p.client_auth = auth;
    }
    if let Some(scopes) = &raw.scopes {
        for s in scopes {
            if s.is_empty()
                || s.chars()
                    .any(|c| c.is_whitespace() || c == '"' || c == '\\')
            {
                return Err(invalid(
                    "scopes",
                    format!("{s:?}"),
                    "a scope is one non-empty word without spaces, quotes or backslashes (RFC 6749 §3.3)",
                ));
            }
        }
        p.scopes = scopes.clone();
    }
    if let Some(n) = raw.header_budget_bytes {
        p.header_budget_bytes = usize::try_from(n)
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| invalid("header_budget_bytes", n.to_string(), "must be at least 1"))?;
    }
    if let Some(n) = raw.max_retries {
        p.max_retries = n;
    }
    if let Some(s) = raw.max_wait_s {
        p.max_wait = Duration::from_secs(s);
    }
    if let Some(ms) = raw.timeout_ms {
        if ms == 0 {
            return Err(invalid("timeout_ms", "0".to_string(), "must be at least 1"));
        }
        p.timeout = Duration::from_millis(ms);
    }
    if let Some(b) = raw.retry_after_timeout {
        p.retry_after_timeout = b;
    }
    if let Some(b) = raw.confirm_submit {
        p.confirm_submit = b;
    }
    if let Some(text) = &raw.rate_limit {
        p.rate_limit = RateSpec::parse_or_off(text).map_err(|source| ConfigError::RateLimit {
            profile: name.to_string(),
            source,
        })?;
    }
    if let Some(path) = &raw.ca_cert {
        p.ca_cert = Some(read_ca_cert(name, path, source.file)?);
    }
    if let Some(text) = &raw.webhook_url {
        let url = parse_endpoint(
            name,
            "webhook_url",
            &expand(text, name, "webhook_url", env)?,
        )?;
        p.webhook_url = Some(url);
    }
    if let Some(headers) = &raw.extra_headers {
        p.extra_headers = extra_headers(name, headers, env)?;
    }

    p.connection = match kind {
        ProfileKind::Sandbox => None,
        ProfileKind::Env => Some(env_connection(&p, env)?),
        ProfileKind::GenesysEnv => Some(genesys_env_connection(&mut p, env)?),
        ProfileKind::File => Some(file_connection(&mut p, raw, source.file, env)?),
    };
    Ok(p)
}

/// The region named by `value` (a domain or an SDK name), or the error listing them all.
fn find_region(profile: &str, key: &str, value: &str) -> Result<Region, ConfigError> {
    Region::find(value).ok_or_else(|| ConfigError::UnknownRegion {
        profile: profile.to_string(),
        key: key.to_string(),
        value: value.to_string(),
        known: Region::known_list(),
    })
}

/// `genesys-env`: the variables of the platform's Terraform provider. The region is
/// required: a token for one region is refused by every other, so a guessed default would
/// only fail later and less clearly.
fn genesys_env_connection(p: &mut Profile, env: &dyn Env) -> Result<Connection, ConfigError> {
    let name = p.name.clone();
    let var = |key: &str, var: &str| {
        non_empty(env, var).ok_or_else(|| ConfigError::MissingKey {
            profile: name.clone(),
            key: key.to_string(),
            fix: format!("set {var}"),
        })
    };
    let client_id = var("client_id", GENESYS_CLIENT_ID_VAR)?;
    let client_secret = Secret::new(var("client_secret", GENESYS_SECRET_VAR)?);
    let region = match non_empty(env, GENESYS_REGION_VAR) {
        Some(text) => find_region(&name, GENESYS_REGION_VAR, &text)?,
        None => {
            return Err(ConfigError::MissingKey {
                profile: name.clone(),
                key: "region".to_string(),
                fix: format!(
                    "set {GENESYS_REGION_VAR} to your region, one of: {}",
                    Region::known_list()
                ),
            });
        }
    };
    if let Some(id) = non_empty(env, GENESYS_INTEGRATION_VAR) {
        p.integration_id = Some(id);
    }
    p.region = Some(region);
    let token_url = parse_endpoint(&name, "token_url", &region.token_url())?;
    let api_base_url = parse_endpoint(&name, "api_base_url", &region.api_base_url())?;
    p.connection_for(token_url, api_base_url, client_id, client_secret)
}

fn file_connection(
    p: &mut Profile,
    raw: &RawProfile,
    file: Option<&Path>,
    env: &dyn Env,
) -> Result<Connection, ConfigError> {
    let name = p.name.as_str();
    let required = |key: &str, value: Option<&str>| -> Result<String, ConfigError> {
        let missing = || ConfigError::MissingKey {
            profile: name.to_string(),
            key: key.to_string(),
            fix: match file {
                Some(f) => format!(
                    "add `{key} = \"...\"` to [profiles.{name}] in {}",
                    f.display()
                ),
                None => format!("add `{key} = \"...\"` to [profiles.{name}]"),
            },
        };
        let value = value.ok_or_else(missing)?;
        let expanded = expand(value, name, key, env)?;
        if expanded.is_empty() {
            Err(missing())
        } else {
            Ok(expanded)
        }
    };
    // A region gives both URLs; an explicit URL wins over it.
    let region = match &raw.region {
        Some(text) => Some(find_region(
            name,
            "region",
            &expand(text, name, "region", env)?,
        )?),
        None => None,
    };
    let genesys = p.api == Api::GenesysCloud;
    let url = |key: &str, explicit: Option<&str>, from_region: Option<String>| match (
        explicit,
        from_region,
    ) {
        (None, Some(derived)) => parse_endpoint(name, key, &derived),
        (None, None) if genesys => Err(ConfigError::MissingKey {
            profile: name.to_string(),
            key: "region".to_string(),
            fix: format!(
                "add `region = \"...\"` (it gives token_url and api_base_url), one of: {}",
                Region::known_list()
            ),
        }),
        (explicit, _) => parse_endpoint(name, key, &required(key, explicit)?),
    };
    let token_url = url(
        "token_url",
        raw.token_url.as_deref(),
        region.map(Region::token_url),
    )?;
    let api_base_url = url(
        "api_base_url",
        raw.api_base_url.as_deref(),
        region.map(Region::api_base_url),
    )?;
    let client_id = required("client_id", raw.client_id.as_deref())?;
    let client_secret = Secret::new(required(
        "client_secret",
        raw.client_secret.as_ref().map(Secret::expose),
    )?);
    // The region names where requests go only if it gave at least one of the URLs.
    p.region = region.filter(|_| raw.token_url.is_none() || raw.api_base_url.is_none());
    p.connection_for(token_url, api_base_url, client_id, client_secret)
}

/// The CXone tutorials' variables. `CXONE_TENANT_URL` gives the token URL
/// (`{tenant}/oauth/token`, whether or not the tenant URL ends in `/`).
fn env_connection(p: &Profile, env: &dyn Env) -> Result<Connection, ConfigError> {
    let name = p.name.as_str();
    let var = |key: &str, var: &str| {
        non_empty(env, var).ok_or_else(|| ConfigError::MissingKey {
            profile: name.to_string(),
            key: key.to_string(),
            fix: format!("set {var}"),
        })
    };
    let client_id = var("client_id", "CXONE_CLIENT_ID")?;
    let client_secret = Secret::new(var("client_secret", "CXONE_CLIENT_SECRET")?);
    let tenant = parse_endpoint(
        name,
        "CXONE_TENANT_URL",
        &var("token_url", "CXONE_TENANT_URL")?,
    )?;
    let token_url =
        append_path(&tenant, &["oauth", "token"]).ok_or_else(|| no_base(name, &tenant))?;
    let api_base_url = parse_endpoint(
        name,
        "CXONE_API_BASE_URL",
        &var("api_base_url", "CXONE_API_BASE_URL")?,
    )?;
    p.connection_for(token_url, api_base_url, client_id, client_secret)
}

fn extra_headers(
    profile: &str,
    headers: &BTreeMap<String, String>,
    env: &dyn Env,
) -> Result<Vec<ExtraHeader>, ConfigError> {
    let invalid = |name: &str, reason: &'static str| ConfigError::InvalidValue {
        profile: profile.to_string(),
        key: format!("extra_headers.{name}"),
        value: String::from("(header)"),
        reason,
    };
    let mut out: Vec<ExtraHeader> = Vec::with_capacity(headers.len());
    for (name, value) in headers {
        check_extra_header_name(name).map_err(|reason| invalid(name, reason))?;
        if out.iter().any(|h| h.name.eq_ignore_ascii_case(name)) {
            return Err(invalid(
                name,
                "set twice (header names are case-insensitive)",
            ));
        }
        let key = format!("extra_headers.{name}");
        let value = expand(value, profile, &key, env)?;
        check_extra_header_value(&value).map_err(|reason| invalid(name, reason))?;
        out.push(ExtraHeader {
            name: name.clone(),
            value,
        });
    }
    Ok(out)
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn read_ca_cert(profile: &str, path: &Path, file: Option<&Path>) -> Result<CaCert, ConfigError> {
    let path = match file.and_then(Path::parent) {
        Some(dir) if path.is_relative() => dir.join(path),
        _ => path.to_path_buf(),
    };
    let pem = std::fs::read(&path).map_err(|source| ConfigError::CaCertUnreadable {
        profile: profile.to_string(),
        path: path.clone(),
        source,
    })?;
    let marker = b"-----BEGIN CERTIFICATE-----";
    if !pem.windows(marker.len()).any(|w| w == marker) {
        return Err(ConfigError::CaCertNotPem {
            profile: profile.to_string(),
            path,
        });
    }
    Ok(CaCert { path, pem })
}
