//! `cxda config [--json]`: the profile a command would use, why it is that one, and what it
//! resolves to (dialect, hosts, auth, limits, where files go). Never a secret: the client
//! secret is `set` or `missing`, and URLs are shown with their credentials redacted.

use std::io::{self, Write};

use clap::Args;
use serde::Serialize;

use super::Outcome;
use crate::audit::redact_url;
use crate::config::{self, GlobalOptions, ProfileKind, Resolved};

#[derive(Debug, Clone, Args)]
pub struct ConfigArgs {
    /// Print one JSON object instead of `key: value` lines.
    #[arg(long)]
    pub json: bool,
}

/// What `cxda config` reports, in the order it prints it.
#[derive(Debug, Serialize)]
struct Report {
    profile: String,
    chosen_because: &'static str,
    api: &'static str,
    region: Option<String>,
    token_url: String,
    api_base_url: String,
    create_url: String,
    client_id: Option<String>,
    client_secret: &'static str,
    client_auth: &'static str,
    scopes: Vec<String>,
    integration_id: Option<String>,
    rate_limit: String,
    header_budget_bytes: usize,
    max_retries: u32,
    max_wait_s: u64,
    timeout_ms: u128,
    retry_after_timeout: bool,
    confirm_submit: bool,
    webhook_url: Option<String>,
    extra_headers: Vec<String>,
    ca_cert: Option<String>,
    data_dir: String,
    config_file: String,
    config_file_exists: bool,
}

/// Why the profile is the one in use, as a reader would say it.
fn why(choice: config::ProfileChoice) -> &'static str {
    use config::ProfileChoice as C;
    match choice {
        C::Flag => "named by --profile",
        C::EnvVar => "named by $CXDA_PROFILE",
        C::ConfigDefault => "default_profile in the config file",
        C::ClientIdSet => "CXONE_CLIENT_ID is set",
        C::GenesysClientIdSet => "GENESYSCLOUD_OAUTHCLIENT_ID is set",
        C::Fallback => "no profile is configured: the embedded sandbox",
    }
}

/// Where a sandbox profile's URLs come from before its sandbox has started.
const EMBEDDED: &str = "the embedded sandbox (a loopback port chosen when it starts)";

impl Report {
    fn new(resolved: &Resolved) -> Report {
        let p = &resolved.profile;
        let connection = p.connection.as_ref();
        let url_or = |f: fn(&config::Connection) -> String| {
            connection.map_or_else(|| EMBEDDED.to_string(), f)
        };
        Report {
            profile: p.name.clone(),
            chosen_because: why(resolved.chosen_because),
            api: p.api.as_str(),
            region: p
                .region
                .map(|r| format!("{} ({})", r.dashed_name(), r.domain)),
            token_url: url_or(|c| redact_url(c.token_url.as_str()).into_owned()),
            api_base_url: url_or(|c| redact_url(c.api_base_url.as_str()).into_owned()),
            create_url: url_or(|c| redact_url(c.create_url.as_str()).into_owned()),
            client_id: match p.kind {
                ProfileKind::Sandbox => Some(config::SANDBOX_CLIENT_ID.to_string()),
                _ => connection.map(|c| c.client_id.clone()),
            },
            client_secret: match (p.kind, connection) {
                (ProfileKind::Sandbox, _) => "set",
                (_, Some(c)) if !c.client_secret.expose().is_empty() => "set",
                _ => "missing",
            },
            client_auth: match p.client_auth {
                config::ClientAuth::Basic => "basic",
                config::ClientAuth::Body => "body",
            },
            scopes: p.scopes.clone(),
            integration_id: p.integration_id.clone(),
            rate_limit: p
                .rate_limit
                .map_or_else(|| "off".to_string(), |r| r.to_string()),
            header_budget_bytes: p.header_budget_bytes,
            max_retries: p.max_retries,
            max_wait_s: p.max_wait.as_secs(),
            timeout_ms: p.timeout.as_millis(),
            retry_after_timeout: p.retry_after_timeout,
            confirm_submit: p.confirm_submit,
            webhook_url: p
                .webhook_url
                .as_ref()
                .map(|u| redact_url(u.as_str()).into_owned()),
            // Names only: a value may be a secret.
            extra_headers: p.extra_headers.iter().map(|h| h.name.clone()).collect(),
            ca_cert: p.ca_cert.as_ref().map(|c| c.path.display().to_string()),
            data_dir: resolved.data_dir.display().to_string(),
            config_file: resolved.config.path.display().to_string(),
            config_file_exists: resolved.config_exists,
        }
    }

    fn write_lines(&self, out: &mut impl Write) -> io::Result<()> {
        let none = || "(none)".to_string();
        let list = |items: &[String]| {
            if items.is_empty() {
                none()
            } else {
                items.join(" ")
            }
        };
        let config_file = if self.config_file_exists {
            self.config_file.clone()
        } else {
            format!("{} (absent: every default applies)", self.config_file)
        };
        let rows: [(&str, String); 24] = [
            (
                "profile",
                format!("{} ({})", self.profile, self.chosen_because),
            ),
            ("api", self.api.to_string()),
            ("region", self.region.clone().unwrap_or_else(none)),
            ("token_url", self.token_url.clone()),
            ("api_base_url", self.api_base_url.clone()),
            ("create_url", self.create_url.clone()),
            ("client_id", self.client_id.clone().unwrap_or_else(none)),
            (
                "client_secret",
                if self.api_base_url == EMBEDDED {
                    format!("{} (the sandbox's own)", self.client_secret)
                } else {
                    self.client_secret.to_string()
                },
            ),
            ("client_auth", self.client_auth.to_string()),
            ("scopes", list(&self.scopes)),
            (
                "integration_id",
                self.integration_id.clone().unwrap_or_else(none),
            ),
            ("rate_limit", self.rate_limit.clone()),
            ("header_budget_bytes", self.header_budget_bytes.to_string()),
            ("max_retries", self.max_retries.to_string()),
            ("max_wait_s", self.max_wait_s.to_string()),
            ("timeout_ms", self.timeout_ms.to_string()),
            ("retry_after_timeout", self.retry_after_timeout.to_string()),
            ("confirm_submit", self.confirm_submit.to_string()),
            ("webhook_url", self.webhook_url.clone().unwrap_or_else(none)),
            ("extra_headers", list(&self.extra_headers)),
            ("ca_cert", self.ca_cert.clone().unwrap_or_else(none)),
            ("data_dir", self.data_dir.clone()),
            ("config_file", config_file),
            (
                "secrets",
                "never shown; client_secret says set or missing".to_string(),
            ),
        ];
        for (key, value) in rows {
            writeln!(out, "{key:<20} {}", crate::text::escape_controls(&value))?;
        }
        Ok(())
    }
}

pub fn run(args: &ConfigArgs, global: &GlobalOptions) -> Outcome {
    let Some(resolved) = crate::session::resolve(global) else {
        return Outcome::LocalProblem;
    };
    let report = Report::new(&resolved);
    let mut out = io::stdout().lock();
    let written = if args.json {
        serde_json::to_writer_pretty(&mut out, &report)
            .map_err(io::Error::other)
            .and_then(|()| writeln!(out))
    } else {
        report.write_lines(&mut out)
    };
    match written {
        Ok(()) => Outcome::Ok,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Outcome::Ok,
        Err(e) => {
            eprintln!("cxda: cannot write the report: {e}");
            Outcome::LocalProblem
        }
    }
}
