//! Tests of file parsing, profile resolution and the whole `resolve`, against a fixed
//! environment and temporary files (never the real HOME or process environment).

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::*;
use crate::rate::RateSpec;

const FILE: &str = "/etc/cxda/config.toml";

const GOOD: &str = r#"
[profiles.prod]
token_url = "https://auth.example.com/oauth/token"
api_base_url = "https://api.example.com"
client_id = "cxda"
client_secret = "${PROD_SECRET}"
"#;

fn env() -> StaticEnv {
    StaticEnv::new()
        .with_paths("/nonexistent/cxda-config", "/nonexistent/cxda-data")
        .with_var("PROD_SECRET", "s3cr3t")
}

fn parse(text: &str) -> ConfigFile {
    ConfigFile::parse(text, Path::new(FILE)).expect("valid config")
}

fn parse_err(text: &str) -> String {
    ConfigFile::parse(text, Path::new(FILE))
        .expect_err("invalid config")
        .to_string()
}

fn profile(text: &str, name: &str) -> Profile {
    parse(text)
        .profile(name, &env())
        .expect("resolvable profile")
}

fn profile_err(text: &str, name: &str) -> String {
    parse(text)
        .profile(name, &env())
        .expect_err("unresolvable profile")
        .to_string()
}

/// GOOD with extra lines appended to `[profiles.prod]`.
fn prod_with(extra: &str) -> String {
    format!("{GOOD}{extra}\n")
}

fn opts(profile: Option<&str>) -> GlobalOptions {
    GlobalOptions {
        profile: profile.map(str::to_string),
        ..GlobalOptions::default()
    }
}

fn connection(p: &Profile) -> &Connection {
    p.connection.as_ref().expect("a connection")
}

// ---- profile choice ----

#[test]
fn profile_flag_beats_profile_variable() {
    let file = parse("default_profile = \"prod\"\n");
    let env = env()
        .with_var(PROFILE_VAR, "staging")
        .with_var(CLIENT_ID_VAR, "id");
    assert_eq!(
        choose_profile(&opts(Some("qa")), &file, &env),
        ("qa".to_string(), ProfileChoice::Flag)
    );
}

#[test]
fn profile_variable_beats_default_profile() {
    let file = parse("default_profile = \"prod\"\n");
    let env = env().with_var(PROFILE_VAR, "staging");
    assert_eq!(
        choose_profile(&opts(None), &file, &env),
        ("staging".to_string(), ProfileChoice::EnvVar)
    );
}

#[test]
fn default_profile_beats_client_id_variable() {
    let file = parse("default_profile = \"prod\"\n");
    let env = env().with_var(CLIENT_ID_VAR, "id");
    assert_eq!(
        choose_profile(&opts(None), &file, &env),
        ("prod".to_string(), ProfileChoice::ConfigDefault)
    );
}

#[test]
fn client_id_variable_chooses_env() {
    let env = env().with_var(CLIENT_ID_VAR, "id");
    assert_eq!(
        choose_profile(&opts(None), &parse(""), &env),
        (ENV.to_string(), ProfileChoice::ClientIdSet)
    );
}

#[test]
fn nothing_configured_falls_back_to_sandbox_with_notice() {
    let env = env().with_var(PROFILE_VAR, "").with_var(CLIENT_ID_VAR, "");
    let (name, why) = choose_profile(&opts(None), &parse(""), &env);
    assert_eq!((name.as_str(), why), (SANDBOX, ProfileChoice::Fallback));
    assert_eq!(
        why.notice(),
        Some("no profile configured: using the embedded sandbox; nothing leaves this machine")
    );
}

#[test]
fn sandbox_chosen_explicitly_has_no_notice() {
    let (name, why) = choose_profile(&opts(Some("sandbox")), &parse(""), &env());
    assert_eq!(name, SANDBOX);
    assert_eq!(why.notice(), None);
}

#[test]
fn unknown_profile_names_its_source_and_the_closest_name() {
    let file = parse(GOOD);
    let err = file
        .profile_named_by("prdo", Some("--profile"), &env())
        .expect_err("unknown");
    let text = err.to_string();
    assert!(text.contains("`prdo` (from --profile)"), "{text}");
    assert!(text.contains("did you mean `prod`?"), "{text}");
    assert!(text.contains(FILE), "{text}");
}

// ---- defaults ----

#[test]
fn file_profile_has_every_default() {
    let p = profile(GOOD, "prod");
    assert_eq!(p.kind, ProfileKind::File);
    assert_eq!(p.api, Api::CxoneV2);
    assert_eq!(p.client_auth, ClientAuth::Basic);
    assert_eq!(p.scopes, ["data-actions:write", "data-actions:read"]);
    assert_eq!(p.header_budget_bytes, 8192);
    assert_eq!(p.max_retries, 5);
    assert_eq!(p.max_wait, Duration::from_secs(120));
    assert_eq!(p.timeout, Duration::from_millis(30_000));
    assert!(!p.retry_after_timeout);
    assert_eq!(
        p.rate_limit,
        RateSpec::parse_or_off("100/min").expect("rate")
    );
    assert!(p.ca_cert.is_none());
    assert!(p.webhook_url.is_none());
    assert!(p.extra_headers.is_empty());
    assert!(p.confirm_submit);
}

#[test]
fn sandbox_profile_retries_after_timeout_and_does_not_confirm() {
    let p = profile("", SANDBOX);
    assert_eq!(p.kind, ProfileKind::Sandbox);
    assert!(p.retry_after_timeout);
    assert!(!p.confirm_submit);
    assert!(p.needs_sandbox());
    assert_eq!(p.header_budget_bytes, 8192);
}

#[test]
fn audit_max_mib_defaults_to_256_and_can_be_set() {
    assert_eq!(parse("").audit_max_mib(), 256);
    assert_eq!(parse("audit_max_mib = 8\n").audit_max_mib(), 8);
}

#[test]
fn audit_max_mib_zero_is_refused_with_position() {
    let text = parse_err("audit_max_mib = 0\n");
    assert!(text.starts_with(&format!("{FILE}:1:17:")), "{text}");
}

#[test]
fn every_profile_key_is_read() {
    let p = profile(
        &prod_with(
            r#"api = "cxone-v2"
client_auth = "body"
scopes = ["data-actions:write"]
header_budget_bytes = 4096
max_retries = 2
max_wait_s = 10
timeout_ms = 1500
retry_after_timeout = true
rate_limit = "50/10s"
webhook_url = "https://hooks.example.com/cxda"
extra_headers = { X-Team = "billing" }
confirm_submit = false"#,
        ),
        "prod",
    );
    assert_eq!(p.client_auth, ClientAuth::Body);
    assert_eq!(p.scopes, ["data-actions:write"]);
    assert_eq!(p.header_budget_bytes, 4096);
    assert_eq!(p.max_retries, 2);
    assert_eq!(p.max_wait, Duration::from_secs(10));
    assert_eq!(p.timeout, Duration::from_millis(1500));
    assert!(p.retry_after_timeout);
    assert_eq!(
        p.rate_limit.map(|r| r.to_string()).as_deref(),
        Some("50/10s")
    );
    assert_eq!(
        p.webhook_url.map(String::from).as_deref(),
        Some("https://hooks.example.com/cxda")
    );
    assert_eq!(
        p.extra_headers,
        [ExtraHeader {
            name: "X-Team".into(),
            value: "billing".into()
        }]
    );
    assert!(!p.confirm_submit);
}

#[test]
fn rate_limit_off_disables_pacing() {
    assert_eq!(
        profile(&prod_with("rate_limit = \"off\""), "prod").rate_limit,
        None
    );
}

// ---- connection, expansion, URLs ----

#[test]
fn file_profile_connection_expands_variables() {
    let text = r#"
[profiles.prod]
token_url = "https://${TENANT}.example.com/oauth/token"
api_base_url = "https://api.example.com/base/"
client_id = "${ID}"
client_secret = "${PROD_SECRET}"
"#;
    let env = env().with_var("TENANT", "acme").with_var("ID", "the-id");
    let p = parse(text).profile("prod", &env).expect("profile");
    let c = connection(&p);
    assert_eq!(c.token_url.as_str(), "https://acme.example.com/oauth/token");
    assert_eq!(
        c.create_url.as_str(),
        "https://api.example.com/base/api/v2/data-actions"
    );
    assert_eq!(c.client_id, "the-id");
    assert_eq!(c.client_secret.expose(), "s3cr3t");
}

#[test]
fn unset_variable_in_profile_names_profile_key_and_variable() {
    let text = GOOD.replace("PROD_SECRET", "MISSING_SECRET");
    let err = profile_err(&text, "prod");
    assert!(
        err.contains("`prod`")
            && err.contains("`client_secret`")
            && err.contains("${MISSING_SECRET}"),
        "{err}"
    );
}

#[test]
fn missing_client_secret_names_profile_key_and_file() {
    let text = GOOD.replace("client_secret = \"${PROD_SECRET}\"", "");
    let err = profile_err(&text, "prod");
    assert!(
        err.contains("profile `prod`: `client_secret` is missing") && err.contains(FILE),
        "{err}"
    );
}

#[test]
fn missing_token_url_is_a_configuration_error() {
    let err = profile_err(&GOOD.replace("token_url", "# token_url"), "prod");
    assert!(err.contains("`token_url` is missing"), "{err}");
}

#[test]
fn plain_http_to_a_remote_host_is_refused_naming_profile_and_key() {
    let text = GOOD.replace("https://api.example.com", "http://api.example.com");
    let err = profile_err(&text, "prod");
    assert!(
        err.contains("profile `prod`")
            && err.contains("`api_base_url`")
            && err.contains("api.example.com"),
        "{err}"
    );
}

#[test]
fn plain_http_to_loopback_is_accepted() {
    for base in [
        "http://127.0.0.1:8787",
        "http://127.9.9.9",
        "http://localhost:1",
        "http://[::1]:8787",
    ] {
        let p = profile(&GOOD.replace("https://api.example.com", base), "prod");
        assert_eq!(
            connection(&p).api_base_url.as_str().trim_end_matches('/'),
            base
        );
    }
}

#[test]
fn plain_http_webhook_to_a_remote_host_is_refused() {
    let err = profile_err(
        &prod_with("webhook_url = \"http://hooks.example.com/x\""),
        "prod",
    );
    assert!(
        err.contains("`webhook_url`") && err.contains("not loopback"),
        "{err}"
    );
}

#[test]
fn unparseable_url_names_profile_key_and_value() {
    let err = profile_err(
        &GOOD.replace("https://api.example.com", "api.example.com"),
        "prod",
    );
    assert!(
        err.contains("`prod`")
            && err.contains("`api_base_url`")
            && err.contains("\"api.example.com\""),
        "{err}"
    );
}

#[test]
fn non_http_scheme_is_refused() {
    let err = profile_err(
        &GOOD.replace("https://api.example.com", "ftp://api.example.com"),
        "prod",
    );
    assert!(
        err.contains("`api_base_url`") && err.contains("https://"),
        "{err}"
    );
}

#[test]
fn bad_rate_limit_names_profile_and_key() {
    let err = profile_err(&prod_with("rate_limit = \"lots\""), "prod");
    assert!(
        err.contains("profile `prod`: `rate_limit`") && err.contains("N/PERIOD"),
        "{err}"
    );
}

#[test]
fn zero_timeout_is_refused() {
    let err = profile_err(&prod_with("timeout_ms = 0"), "prod");
    assert!(err.contains("`timeout_ms`"), "{err}");
}

#[test]
fn scope_with_a_space_is_refused() {
    let err = profile_err(&prod_with("scopes = [\"a b\"]"), "prod");
    assert!(err.contains("`scopes`"), "{err}");
}

#[test]
fn extra_header_cannot_replace_authorization() {
    let err = profile_err(
        &prod_with("extra_headers = { Authorization = \"${PROD_SECRET}\" }"),
        "prod",
    );
    assert!(
        err.contains("extra_headers.Authorization") && err.contains("sets this header itself"),
        "{err}"
    );
}

#[test]
fn extra_header_value_with_a_line_break_is_refused() {
    let err = profile_err(
        &prod_with("extra_headers = { X-Team = \"a\\r\\nEvil: 1\" }"),
        "prod",
    );
    assert!(err.contains("extra_headers.X-Team"), "{err}");
}

#[test]
fn extra_header_values_expand_variables() {
    let p = profile(
        &prod_with("extra_headers = { X-Api-Key = \"${PROD_SECRET}\" }"),
        "prod",
    );
    assert_eq!(p.extra_headers[0].value, "s3cr3t");
}

// ---- TOML errors and unknown keys ----

#[test]
fn toml_syntax_error_has_file_line_and_column() {
    let text = parse_err("audit_max_mib = 8\n[profiles.prod\n");
    assert!(text.starts_with(&format!("{FILE}:2:")), "{text}");
}

#[test]
fn toml_type_error_has_file_line_and_column() {
    let text = parse_err(&prod_with("max_retries = \"five\""));
    let line = GOOD.lines().count() + 1;
    assert!(text.starts_with(&format!("{FILE}:{line}:15:")), "{text}");
}

#[test]
fn unknown_api_is_refused_with_position() {
    let text = parse_err(&prod_with("api = \"cxone-v3\""));
    assert!(text.contains("cxone-v2"), "{text}");
}

#[test]
fn unknown_profile_key_has_position_and_hint() {
    let text = parse_err(&prod_with("rate_limt = \"5/s\""));
    let line = GOOD.lines().count() + 1;
    assert_eq!(
        text,
        format!(
            "{FILE}:{line}:1: unknown key `rate_limt` in [profiles.prod] (did you mean `rate_limit`?)"
        )
    );
}

#[test]
fn unknown_key_that_is_a_prefix_gets_the_full_name() {
    assert!(parse_err(&prod_with("timeout = 5")).contains("did you mean `timeout_ms`?"));
}

#[test]
fn unknown_top_level_key_has_hint() {
    let text = parse_err("default_profil = \"prod\"\n");
    assert!(
        text.contains(
            "unknown key `default_profil` in the top level (did you mean `default_profile`?)"
        ),
        "{text}"
    );
}

#[test]
fn unknown_key_without_a_close_match_has_no_hint() {
    assert!(!parse_err(&prod_with("colour = \"blue\"")).contains("did you mean"));
}

// ---- built-in profiles ----

#[test]
fn env_profile_reads_the_cxone_variables() {
    for tenant in ["https://tenant.example.com", "https://tenant.example.com/"] {
        let env = env()
            .with_var("CXONE_CLIENT_ID", "id")
            .with_var("CXONE_CLIENT_SECRET", "secret")
            .with_var("CXONE_TENANT_URL", tenant)
            .with_var("CXONE_API_BASE_URL", "https://api.example.com");
        let p = parse("").profile(ENV, &env).expect("env profile");
        let c = connection(&p);
        assert_eq!(
            c.token_url.as_str(),
            "https://tenant.example.com/oauth/token"
        );
        assert_eq!(c.api_base_url.as_str(), "https://api.example.com/");
        assert_eq!(
            c.create_url.as_str(),
            "https://api.example.com/api/v2/data-actions"
        );
        assert_eq!(
            (c.client_id.as_str(), c.client_secret.expose()),
            ("id", "secret")
        );
        assert_eq!(p.kind, ProfileKind::Env);
        assert!(p.confirm_submit && !p.retry_after_timeout);
    }
}

#[test]
fn env_profile_without_secret_says_which_variable_to_set() {
    let env = env().with_var("CXONE_CLIENT_ID", "id");
    let err = parse("")
        .profile(ENV, &env)
        .expect_err("no secret")
        .to_string();
    assert!(
        err.contains("profile `env`: `client_secret` is missing: set CXONE_CLIENT_SECRET"),
        "{err}"
    );
}

#[test]
fn builtin_profile_tables_override_other_keys() {
    let p = profile(
        "[profiles.sandbox]\nrate_limit = \"off\"\nconfirm_submit = true\n",
        SANDBOX,
    );
    assert_eq!(p.rate_limit, None);
    assert!(p.confirm_submit && p.retry_after_timeout);
}

#[test]
fn builtin_profile_tables_cannot_set_connection_keys() {
    let text = parse_err("[profiles.env]\ntoken_url = \"https://x.example.com\"\n");
    assert!(
        text.starts_with(&format!(
            "{FILE}:2:1: `token_url` cannot be set in [profiles.env]"
        )),
        "{text}"
    );
    assert!(
        parse_err("[profiles.sandbox]\nclient_secret = \"x\"\n").contains("[profiles.sandbox]")
    );
}

#[test]
fn sandbox_profile_completes_from_the_base_url() {
    let mut p = Profile::sandbox();
    let base = reqwest::Url::parse("http://127.0.0.1:40123").expect("url");
    p.complete_sandbox(&base).expect("completed");
    let c = connection(&p);
    assert_eq!(c.token_url.as_str(), "http://127.0.0.1:40123/oauth/token");
    assert_eq!(c.api_base_url.as_str(), "http://127.0.0.1:40123/");
    assert_eq!(
        c.create_url.as_str(),
        "http://127.0.0.1:40123/api/v2/data-actions"
    );
    assert_eq!(
        (c.client_id.as_str(), c.client_secret.expose()),
        ("sandbox", "sandbox-secret")
    );
    assert!(!p.needs_sandbox());
}

// ---- secrets ----

#[test]
fn secret_is_redacted_by_debug_and_display() {
    let s = Secret::new("hunter2");
    assert_eq!(format!("{s:?}"), "[redacted]");
    assert_eq!(format!("{s}"), "[redacted]");
    assert_eq!(s.expose(), "hunter2");
}

#[test]
fn profile_debug_shows_no_secret() {
    let p = profile(
        &prod_with("extra_headers = { X-Api-Key = \"${PROD_SECRET}\", X-Team = \"billing\" }"),
        "prod",
    );
    let debug = format!("{p:?}");
    assert!(!debug.contains("s3cr3t"), "{debug}");
    assert!(debug.contains("billing"), "{debug}");
}

// ---- files on disk: permissions, ca_cert, resolve ----

fn write_config(dir: &Path, text: &str, mode: u32) -> PathBuf {
    let path = dir.join("config.toml");
    std::fs::write(&path, text).expect("write config");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).expect("chmod");
    }
    #[cfg(not(unix))]
    let _ = mode;
    path
}

const LITERAL: &str = r#"
[profiles.prod]
token_url = "https://auth.example.com/oauth/token"
api_base_url = "https://api.example.com"
client_id = "cxda"
client_secret = "hunter2"
"#;

#[cfg(unix)]
#[test]
fn literal_secret_in_group_readable_file_is_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = write_config(tmp.path(), LITERAL, 0o644);
    let err = ConfigFile::load(&path).expect_err("refused").to_string();
    assert!(
        err.contains(&path.display().to_string()) && err.contains("chmod 600"),
        "{err}"
    );
    assert!(!err.contains("hunter2"), "{err}");
}

#[cfg(unix)]
#[test]
fn literal_secret_in_private_file_is_accepted() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = write_config(tmp.path(), LITERAL, 0o600);
    let file = ConfigFile::load(&path).expect("accepted");
    let p = file.profile("prod", &env()).expect("profile");
    assert_eq!(connection(&p).client_secret.expose(), "hunter2");
}

#[cfg(unix)]
#[test]
fn variable_secret_in_group_readable_file_is_accepted() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = write_config(tmp.path(), GOOD, 0o644);
    assert!(ConfigFile::load(&path).is_ok());
}

#[cfg(unix)]
#[test]
fn literal_secret_header_in_group_readable_file_is_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = write_config(
        tmp.path(),
        &prod_with("extra_headers = { X-Api-Key = \"abc\" }"),
        0o640,
    );
    let err = ConfigFile::load(&path).expect_err("refused").to_string();
    assert!(
        err.contains("extra_headers.X-Api-Key") && err.contains("chmod 600"),
        "{err}"
    );
}

#[cfg(unix)]
#[test]
fn literal_plain_header_in_group_readable_file_is_accepted() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = write_config(
        tmp.path(),
        &prod_with("extra_headers = { X-Team = \"billing\" }"),
        0o644,
    );
    assert!(ConfigFile::load(&path).is_ok());
}

const PEM: &str = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

#[test]
fn relative_ca_cert_is_read_from_the_config_directory() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(tmp.path().join("ca.pem"), PEM).expect("write pem");
    let path = write_config(tmp.path(), &prod_with("ca_cert = \"ca.pem\""), 0o600);
    let p = ConfigFile::load(&path)
        .expect("file")
        .profile("prod", &env())
        .expect("profile");
    let ca = p.ca_cert.expect("ca_cert");
    assert_eq!(ca.path, tmp.path().join("ca.pem"));
    assert_eq!(ca.pem, PEM.as_bytes());
}

#[test]
fn unreadable_ca_cert_names_profile_key_and_path() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = write_config(tmp.path(), &prod_with("ca_cert = \"missing.pem\""), 0o600);
    let err = ConfigFile::load(&path)
        .expect("file")
        .profile("prod", &env())
        .expect_err("unreadable");
    let text = err.to_string();
    assert!(
        text.contains("profile `prod`: `ca_cert`") && text.contains("missing.pem"),
        "{text}"
    );
}

#[test]
fn ca_cert_without_a_certificate_is_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(tmp.path().join("ca.pem"), "not a cert").expect("write");
    let path = write_config(tmp.path(), &prod_with("ca_cert = \"ca.pem\""), 0o600);
    let err = ConfigFile::load(&path)
        .expect("file")
        .profile("prod", &env())
        .expect_err("not pem");
    assert!(matches!(err, ConfigError::CaCertNotPem { .. }), "{err}");
}

#[test]
fn resolve_without_any_config_uses_the_sandbox() {
    let r = resolve(&GlobalOptions::default(), &env()).expect("resolved");
    assert!(!r.config_exists);
    assert_eq!(
        r.config.path,
        PathBuf::from("/nonexistent/cxda-config/config.toml")
    );
    assert_eq!(r.data_dir, PathBuf::from("/nonexistent/cxda-data"));
    assert_eq!(r.profile.kind, ProfileKind::Sandbox);
    assert_eq!(r.chosen_because, ProfileChoice::Fallback);
    assert_eq!(r.audit_max_mib, 256);
}

#[test]
fn resolve_with_a_missing_named_config_is_an_error() {
    let options = GlobalOptions {
        config: Some(PathBuf::from("/nonexistent/named.toml")),
        ..GlobalOptions::default()
    };
    let err = resolve(&options, &env()).expect_err("missing").to_string();
    assert!(
        err.contains("/nonexistent/named.toml") && err.contains("--config"),
        "{err}"
    );
    let env = env().with_var(CONFIG_VAR, "/nonexistent/var.toml");
    let err = resolve(&GlobalOptions::default(), &env)
        .expect_err("missing")
        .to_string();
    assert!(err.contains("$CXDA_CONFIG"), "{err}");
}

#[test]
fn resolve_reads_the_file_named_by_the_variable_and_its_default_profile() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = write_config(
        tmp.path(),
        &format!("default_profile = \"prod\"\n{GOOD}"),
        0o600,
    );
    let env = env().with_var(CONFIG_VAR, path.display().to_string());
    let r = resolve(&GlobalOptions::default(), &env).expect("resolved");
    assert!(r.config_exists);
    assert_eq!(
        (r.profile.name.as_str(), r.chosen_because),
        ("prod", ProfileChoice::ConfigDefault)
    );
}

#[test]
fn resolve_reports_an_undefined_default_profile_with_its_source() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = write_config(tmp.path(), "default_profile = \"nope\"\n", 0o600);
    let options = GlobalOptions {
        config: Some(path),
        ..GlobalOptions::default()
    };
    let err = resolve(&options, &env())
        .expect_err("undefined")
        .to_string();
    assert!(err.contains("`nope` (from default_profile"), "{err}");
}

const GENESYS: &str = r#"
[profiles.gc]
api = "genesys-cloud"
region = "usw2.pure.cloud"
client_id = "gc-client"
client_secret = "${PROD_SECRET}"
"#;

#[test]
fn genesys_profile_takes_both_hosts_from_its_region() {
    let p = profile(GENESYS, "gc");
    assert_eq!(p.api, Api::GenesysCloud);
    assert_eq!(p.region.map(|r| r.sdk_name), Some("us_west_2"));
    let c = connection(&p);
    assert_eq!(
        c.token_url.as_str(),
        "https://login.usw2.pure.cloud/oauth/token"
    );
    assert_eq!(c.api_base_url.as_str(), "https://api.usw2.pure.cloud/");
    assert_eq!(
        c.create_url.as_str(),
        "https://api.usw2.pure.cloud/api/v2/integrations/actions/drafts"
    );
}

#[test]
fn genesys_defaults_send_no_scope_and_pace_at_300_a_minute() {
    let p = profile(GENESYS, "gc");
    assert!(p.scopes.is_empty(), "{:?}", p.scopes);
    assert_eq!(
        p.rate_limit,
        Some(RateSpec {
            count: 300,
            period: Duration::from_secs(60)
        })
    );
    let overridden = profile(&format!("{GENESYS}rate_limit = \"20/s\"\n"), "gc");
    assert_eq!(overridden.rate_limit.map(|r| r.count), Some(20));
}

#[test]
fn region_by_sdk_name_with_dashes_and_an_explicit_url_that_wins() {
    let text = GENESYS.replace("usw2.pure.cloud", "eu-central-1")
        + "api_base_url = \"https://api.proxy.example\"\n";
    let p = profile(&text, "gc");
    let c = connection(&p);
    assert_eq!(
        c.token_url.as_str(),
        "https://login.mypurecloud.de/oauth/token"
    );
    assert_eq!(c.api_base_url.as_str(), "https://api.proxy.example/");
}

#[test]
fn unknown_region_lists_every_known_one() {
    let err = profile_err(&GENESYS.replace("usw2.pure.cloud", "moon-1"), "gc");
    assert!(err.contains("profile `gc`: `region` = \"moon-1\""), "{err}");
    for r in REGIONS {
        assert!(err.contains(r.domain), "{} missing from {err}", r.domain);
    }
}

#[test]
fn region_on_a_cxone_profile_is_refused() {
    let err = profile_err(&prod_with("region = \"mypurecloud.com\""), "prod");
    assert!(err.contains("`region`"), "{err}");
    assert!(err.contains("genesys-cloud"), "{err}");
}

#[test]
fn genesys_profile_without_region_or_urls_says_what_to_add() {
    let err = profile_err(&GENESYS.replace("region = \"usw2.pure.cloud\"\n", ""), "gc");
    assert!(err.contains("`region` is missing"), "{err}");
    assert!(err.contains("usw2.pure.cloud"), "{err}");
}

#[test]
fn genesys_client_id_variable_chooses_genesys_env_after_cxone_env() {
    let file = parse("");
    let genesys = env().with_var(GENESYS_CLIENT_ID_VAR, "gc");
    assert_eq!(
        choose_profile(&opts(None), &file, &genesys),
        (GENESYS_ENV.to_string(), ProfileChoice::GenesysClientIdSet)
    );
    let both = genesys.with_var(CLIENT_ID_VAR, "cx");
    assert_eq!(choose_profile(&opts(None), &file, &both).0, ENV.to_string());
}

#[test]
fn genesys_env_reads_the_terraform_variables_and_needs_the_region() {
    let vars = env()
        .with_var(GENESYS_CLIENT_ID_VAR, "gc")
        .with_var(GENESYS_SECRET_VAR, "gs")
        .with_var(GENESYS_INTEGRATION_VAR, "int-9");
    let no_region = parse("")
        .profile(GENESYS_ENV, &vars)
        .expect_err("no region")
        .to_string();
    assert!(no_region.contains("set GENESYSCLOUD_REGION"), "{no_region}");
    assert!(no_region.contains("mypurecloud.com"), "{no_region}");
    let vars = vars.with_var(GENESYS_REGION_VAR, "US-EAST-1");
    let p = parse("").profile(GENESYS_ENV, &vars).expect("profile");
    assert_eq!(p.api, Api::GenesysCloud);
    assert_eq!(p.integration_id.as_deref(), Some("int-9"));
    assert_eq!(
        connection(&p).token_url.as_str(),
        "https://login.mypurecloud.com/oauth/token"
    );
    let missing = parse("")
        .profile(GENESYS_ENV, &env().with_var(GENESYS_CLIENT_ID_VAR, "gc"))
        .expect_err("no secret")
        .to_string();
    assert!(missing.contains(GENESYS_SECRET_VAR), "{missing}");
}

#[test]
fn sandbox_genesys_speaks_genesys_with_the_preset_integration_and_keeps_its_dialect() {
    let p = parse("").profile(SANDBOX_GENESYS, &env()).expect("profile");
    assert_eq!(p.kind, ProfileKind::Sandbox);
    assert_eq!(p.api, Api::GenesysCloud);
    assert_eq!(p.integration_id.as_deref(), Some(SANDBOX_INTEGRATION_ID));
    let err = profile_err(
        "[profiles.sandbox-genesys]\napi = \"cxone-v2\"\n",
        SANDBOX_GENESYS,
    );
    assert!(err.contains("dialect is fixed"), "{err}");
    let err = parse_err("[profiles.genesys-env]\nregion = \"mypurecloud.ie\"\n");
    assert!(err.contains("GENESYSCLOUD_"), "{err}");
}
