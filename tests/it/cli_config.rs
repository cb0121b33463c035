//! `cxda config` through the real binary: which profile and why, the genesys-cloud region's
//! hosts, and never a secret.

use std::path::Path;
use std::process::{Command, Output};

const GENESYS_VARS: [&str; 4] = [
    "GENESYSCLOUD_OAUTHCLIENT_ID",
    "GENESYSCLOUD_OAUTHCLIENT_SECRET",
    "GENESYSCLOUD_REGION",
    "GENESYSCLOUD_INTEGRATION_ID",
];

/// The binary with none of the developer's own settings.
fn cxda(config: &Path, args: &[&str], vars: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cxda"));
    command
        .args(args)
        .env("CXDA_CONFIG", config)
        .env("CXDA_DATA_DIR", config.with_file_name("data"))
        .env_remove("CXDA_PROFILE")
        .env_remove("CXONE_CLIENT_ID");
    for var in GENESYS_VARS {
        command.env_remove(var);
    }
    command.envs(vars.iter().copied());
    command.output().expect("run cxda")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn write_config(dir: &Path, text: &str) -> std::path::PathBuf {
    let path = dir.join("config.toml");
    std::fs::write(&path, text).expect("write config");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
    path
}

#[test]
fn genesys_variables_choose_genesys_env_with_the_region_hosts_and_no_secret() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(dir.path(), "");
    let secret = "gc-secret-value-4711";
    let out = cxda(
        &config,
        &["config", "--json"],
        &[
            ("GENESYSCLOUD_OAUTHCLIENT_ID", "client-1"),
            ("GENESYSCLOUD_OAUTHCLIENT_SECRET", secret),
            ("GENESYSCLOUD_REGION", "eu_west_2"),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(!stdout.contains(secret), "{stdout}");
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(report["profile"], "genesys-env");
    assert_eq!(
        report["chosen_because"],
        "GENESYSCLOUD_OAUTHCLIENT_ID is set"
    );
    assert_eq!(report["api"], "genesys-cloud");
    assert_eq!(report["region"], "eu-west-2 (euw2.pure.cloud)");
    assert_eq!(
        report["token_url"],
        "https://login.euw2.pure.cloud/oauth/token"
    );
    assert_eq!(
        report["create_url"],
        "https://api.euw2.pure.cloud/api/v2/integrations/actions/drafts"
    );
    assert_eq!(report["client_secret"], "set");
    assert_eq!(report["scopes"], serde_json::json!([]));
    assert_eq!(report["rate_limit"], "300/min");
}

#[test]
fn a_file_profile_with_a_region_prints_lines_and_an_explicit_url_wins() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(
        dir.path(),
        r#"
default_profile = "gc"
[profiles.gc]
api = "genesys-cloud"
region = "mypurecloud.de"
token_url = "https://login.example.test/oauth/token"
client_id = "id"
client_secret = "literal-secret-99"
integration_id = "int-1"
"#,
    );
    let out = cxda(&config, &["config"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(!stdout.contains("literal-secret-99"), "{stdout}");
    for line in [
        "profile              gc (default_profile in the config file)",
        "api                  genesys-cloud",
        "region               eu-central-1 (mypurecloud.de)",
        "token_url            https://login.example.test/oauth/token",
        "api_base_url         https://api.mypurecloud.de/",
        "client_secret        set",
        "integration_id       int-1",
    ] {
        assert!(stdout.lines().any(|l| l == line), "{line:?} in\n{stdout}");
    }
}

#[test]
fn an_unknown_region_exits_2_listing_the_known_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(dir.path(), "");
    let out = cxda(
        &config,
        &["config"],
        &[
            ("GENESYSCLOUD_OAUTHCLIENT_ID", "client-1"),
            ("GENESYSCLOUD_OAUTHCLIENT_SECRET", "s"),
            ("GENESYSCLOUD_REGION", "eu-west-9"),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("\"eu-west-9\" is not a Genesys Cloud region"),
        "{stderr}"
    );
    assert!(stderr.contains("us-east-1 (mypurecloud.com)"), "{stderr}");
    assert!(
        stderr.contains("ap-southeast-1 (apse1.pure.cloud)"),
        "{stderr}"
    );
}

#[test]
fn the_sandbox_genesys_profile_has_the_preset_integration() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(dir.path(), "");
    let out = cxda(
        &config,
        &["--profile", "sandbox-genesys", "config", "--json"],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_str(&text(&out.stdout)).expect("json");
    assert_eq!(report["api"], "genesys-cloud");
    assert_eq!(
        report["integration_id"],
        cxda::config::SANDBOX_INTEGRATION_ID
    );
    assert_eq!(report["chosen_because"], "named by --profile");
}
