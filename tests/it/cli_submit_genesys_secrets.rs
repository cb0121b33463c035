//! A genesys-cloud action whose request headers hold a literal secret: `cxda submit
//! --profile sandbox-genesys` publishes it (the checks only warn), and the secret is in
//! none of what cxda keeps or shows (the audit file, the log, `audit show`, the output),
//! although the draft, validation and publish answers all echo the action's config.

use crate::cli_submit_common::{Workspace, stderr, stdout};
use crate::engine_genesys_common::payload;
use crate::files_common::data_dir_text;

const SECRET: &str = "gcLiteralHeaderSecret4711";

#[test]
fn a_literal_secret_in_a_genesys_request_header_is_kept_nowhere() {
    let ws = Workspace::new();
    let mut action = payload("Secret header");
    action["config"]["request"]["headers"] = serde_json::json!({
        "X-Api-Key": SECRET,
        "Authorization": "Bearer ${credentials.apiToken}"
    });
    let file = ws.file("secret.json", &action.to_string());
    let out = ws
        .cxda()
        .env("CXDA_LOG", "trace")
        .args(["submit", "--profile", "sandbox-genesys", "--json", &file])
        .output()
        .expect("run cxda");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let record: serde_json::Value =
        serde_json::from_str(stdout(&out).trim()).expect("a JSON record");
    assert_eq!(record["outcome"], "created", "{record}");
    let id = record["id"].as_str().expect("id");
    let shown = ws.run(&["audit", "show", id]);
    let everything = format!(
        "{}{}{}{}",
        stdout(&out),
        stderr(&out),
        stdout(&shown),
        data_dir_text(&ws.data_dir())
    );
    assert!(
        !everything.contains(SECRET),
        "the secret leaked:\n{everything}"
    );
    assert!(
        everything.contains("Bearer ${credentials.apiToken}"),
        "a template reference is kept as written"
    );
}
