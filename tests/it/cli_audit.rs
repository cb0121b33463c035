//! `cxda audit list` and `cxda audit show` through the real binary, over histories written
//! with the library's `AuditLog` (and one made by `cxda submit`).

use crate::cli_submit_common;

use std::io::Write as _;

use cli_submit_common::{Workspace, stderr, stdout};
use cxda::audit::{AuditLog, AuditRecord, Outcome};
use serde_json::Value;

/// Appends one record per `(action, outcome, status)`, in order; returns their ids.
fn history(ws: &Workspace, records: &[(&str, Outcome, Option<u16>)]) -> Vec<String> {
    let log = AuditLog::open(&ws.data_dir(), 256).expect("open the audit log");
    records
        .iter()
        .map(|(action, outcome, status)| {
            let record = AuditRecord {
                action_name: (*action).to_string(),
                profile: "sandbox".into(),
                correlation_id: format!("corr-{action}"),
                status: *status,
                ..AuditRecord::new(*outcome)
            };
            log.append(record).expect("append").id.to_string()
        })
        .collect()
}

#[test]
fn list_shows_the_newest_record_first() {
    let ws = Workspace::new();
    history(
        &ws,
        &[
            ("First", Outcome::Created, Some(201)),
            ("Second", Outcome::Failed, None),
            ("Third", Outcome::Created, Some(201)),
        ],
    );
    let out = ws.run(&["audit", "list"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let header = text.lines().next().expect("a header");
    for column in [
        "TIME",
        "OUTCOME",
        "STATUS",
        "ACTION",
        "CORRELATION ID",
        "ID",
    ] {
        assert!(header.contains(column), "{header}");
    }
    // TIME is two words (date and time), so the action is the 5th word of a row.
    let actions: Vec<String> = text
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().nth(4).unwrap_or_default().to_string())
        .collect();
    assert_eq!(actions, ["Third", "Second", "First"], "{text}");
}

#[test]
fn list_limit_keeps_only_the_newest_n() {
    let ws = Workspace::new();
    let ids = history(
        &ws,
        &[
            ("A", Outcome::Created, Some(201)),
            ("B", Outcome::Created, Some(201)),
            ("C", Outcome::Created, Some(201)),
        ],
    );
    let out = ws.run(&["audit", "list", "--limit", "2", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let got: Vec<String> = stdout(&out)
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("json");
            v["id"].as_str().expect("id").to_string()
        })
        .collect();
    assert_eq!(got, [ids[2].clone(), ids[1].clone()]);
}

#[test]
fn list_failed_keeps_only_records_that_are_not_a_success() {
    let ws = Workspace::new();
    history(
        &ws,
        &[
            ("Ok1", Outcome::Created, Some(201)),
            ("Bad1", Outcome::Rejected, Some(409)),
            ("Ok2", Outcome::Created, Some(201)),
            ("Bad2", Outcome::Failed, None),
            ("Hook", Outcome::WebhookDelivered, Some(200)),
        ],
    );
    let out = ws.run(&["audit", "list", "--failed", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let actions: Vec<String> = stdout(&out)
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("json");
            v["action_name"].as_str().expect("name").to_string()
        })
        .collect();
    assert_eq!(actions, ["Bad2", "Bad1"]);
}

#[test]
fn list_json_prints_full_records_one_per_line() {
    let ws = Workspace::new();
    let ids = history(&ws, &[("Full", Outcome::Created, Some(201))]);
    let out = ws.run(&["audit", "list", "--json"]);
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 1);
    let record: Value = serde_json::from_str(text.trim_end()).expect("json");
    assert_eq!(record["id"], ids[0].as_str());
    for field in [
        "ts",
        "profile",
        "correlation_id",
        "method",
        "url",
        "action_name",
        "outcome",
        "status",
        "latency_ms",
        "attempts",
        "redirects",
        "request",
        "response",
        "error",
    ] {
        assert!(record.get(field).is_some(), "missing {field}: {text}");
    }
}

#[test]
fn list_skips_a_torn_line_and_says_so_on_stderr() {
    let ws = Workspace::new();
    history(&ws, &[("Before", Outcome::Created, Some(201))]);
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(ws.data_dir().join("audit.jsonl"))
        .expect("open");
    file.write_all(b"{\"id\":\"01JD3XK2M4N5P6Q7R8S9T0VW")
        .expect("tear");
    drop(file);
    let out = ws.run(&["audit", "list", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 1);
    assert!(
        stderr(&out).contains("1 unreadable line skipped"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn list_on_a_fresh_data_dir_is_empty_and_creates_nothing() {
    let ws = Workspace::new();
    let out = ws.run(&["audit", "list"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert!(stderr(&out).contains("no records"), "{}", stderr(&out));
    assert!(!ws.data_dir().exists());
}

#[test]
fn show_prints_the_record_by_id_with_its_attempts() {
    let ws = Workspace::new();
    let file = ws.payload("a.json", "ShowMe");
    let submitted = ws.run(&["submit", &file]);
    assert_eq!(submitted.status.code(), Some(0), "{}", stderr(&submitted));
    let line = stdout(&submitted);
    let id = line
        .trim_end()
        .rsplit_once(": created ")
        .map(|(_, id)| id.to_string())
        .expect("a created line");
    let out = ws.run(&["audit", "show", &id]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    for expected in [
        format!("id           {id}"),
        "outcome      created".to_string(),
        "status       201".to_string(),
        "action       ShowMe".to_string(),
        "attempts\n  #1  201".to_string(),
        "Authorization: [redacted]".to_string(),
        "response body".to_string(),
    ] {
        assert!(text.contains(&expected), "missing {expected:?} in\n{text}");
    }
    let json = ws.run(&["audit", "show", &id, "--json"]);
    let record: Value = serde_json::from_str(stdout(&json).trim_end()).expect("json");
    assert_eq!(record["id"], id.as_str());
}

#[test]
fn show_an_unknown_id_exits_1() {
    let ws = Workspace::new();
    history(&ws, &[("Other", Outcome::Created, Some(201))]);
    let out = ws.run(&["audit", "show", "01JD3XK2M4N5P6Q7R8S9T0VWXY"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no audit record with id"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn show_a_malformed_id_is_a_usage_error_exit_2() {
    let ws = Workspace::new();
    let out = ws.run(&["audit", "show", "not-an-id"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("is not an audit id"),
        "{}",
        stderr(&out)
    );
}
