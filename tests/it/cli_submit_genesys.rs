//! `cxda submit --profile sandbox-genesys` through the real binary and its embedded
//! sandbox: the genesys-cloud template is drafted, validated and published (`FILE: created
//! ID (action A, version V)`), `--draft` stops at a valid draft (`FILE: drafted ID (draft D, version V)`), and `--draft` on
//! a cxone-v2 profile is a usage problem with nothing sent.

use std::path::Path;

use crate::cli_submit_common::{Workspace, stderr, stdout};
use serde_json::Value;

/// The genesys template the studio opens on a genesys profile, under a fresh name (the
/// embedded sandbox keeps its actions in the data dir).
fn template(ws: &Workspace, name: &str) -> String {
    let shipped =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/templates/genesys-lookup.json");
    let text = std::fs::read_to_string(&shipped).expect("the genesys template is in the repo");
    let mut value: Value = serde_json::from_str(&text).expect("the template is JSON");
    value["name"] = Value::String(name.to_string());
    let text = serde_json::to_string_pretty(&value).expect("json");
    ws.file(&format!("{name}.json"), &text)
}

/// The record of `cxda audit show ID --json`.
fn record(ws: &Workspace, id: &str) -> Value {
    let out = ws.run(&["audit", "show", id, "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    serde_json::from_str(stdout(&out).trim()).expect("a record")
}

#[test]
fn the_genesys_template_is_published_and_the_line_names_its_version() {
    let ws = Workspace::new();
    let file = template(&ws, "cli-publish");
    let out = ws.run(&["submit", "--profile", "sandbox-genesys", &file]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let text = stdout(&out);
    let line = text.lines().next().expect("a result line");
    let rest = line
        .strip_prefix(&format!("{file}: created "))
        .unwrap_or_else(|| panic!("not a created line: {text}"));
    let (id, remote) = rest.split_once(' ').expect("ID (action A, version V)");
    let record = record(&ws, id);
    assert_eq!(
        remote,
        format!(
            "(action {}, version 2)",
            record["remote_id"].as_str().expect("remote_id")
        ),
        "{line}"
    );
    assert_eq!(record["api"], "genesys-cloud");
    let names: Vec<&str> = record["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(names, ["draft", "validation", "publish"]);
    assert_eq!(record["version"], 2);
    assert!(record["remote_id"].is_string(), "{record}");
}

#[test]
fn draft_stops_at_a_valid_draft() {
    let ws = Workspace::new();
    let file = template(&ws, "cli-draft");
    let out = ws.run(&["submit", "--profile", "sandbox-genesys", "--draft", &file]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let text = stdout(&out);
    let rest = text
        .lines()
        .next()
        .and_then(|l| l.strip_prefix(&format!("{file}: drafted ")))
        .unwrap_or_else(|| panic!("not a drafted line: {text}"));
    let (id, remote) = rest.split_once(' ').expect("ID (draft D, version V)");
    assert_eq!(id.len(), 26, "an audit id: {text}");
    assert!(stderr(&out).contains("1 drafted"), "{}", stderr(&out));
    let record = record(&ws, id);
    assert_eq!(record["outcome"], "drafted");
    assert_eq!(record["version"], 1);
    assert_eq!(
        remote,
        format!(
            "(draft {}, version 1)",
            record["remote_id"].as_str().expect("remote_id")
        )
    );
}

#[test]
fn draft_on_a_cxone_profile_exits_2_and_sends_nothing() {
    let ws = Workspace::new();
    let file = ws.payload("a.json", "NoDrafts");
    let out = ws.run(&["submit", "--profile", "sandbox", "--draft", &file]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--draft needs a genesys-cloud profile"),
        "{}",
        stderr(&out)
    );
    assert_eq!(stdout(&out), "");
    assert!(ws.audit_records().is_empty(), "nothing was recorded");
}
