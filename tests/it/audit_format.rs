//! The audit file's format (docs/audit.md): fields, `ts`, ids, truncation, file mode.

use crate::audit_common;

use audit_common::sample_record;
use cxda::audit::{AuditId, AuditLog, Filter, MAX_BODY_BYTES, format_rfc3339_ms};
use serde_json::{Value, json};

fn raw_lines(dir: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(dir.join("audit.jsonl"))
        .expect("read audit.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

fn now_rfc3339() -> String {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis();
    format_rfc3339_ms(u64::try_from(ms).expect("ms fit u64"))
}

/// `^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$`
fn is_rfc3339_utc_millis(ts: &str) -> bool {
    let pattern = "dddd-dd-ddTdd:dd:dd.dddZ";
    ts.len() == pattern.len()
        && ts.bytes().zip(pattern.bytes()).all(|(c, p)| match p {
            b'd' => c.is_ascii_digit(),
            _ => c == p,
        })
}

#[test]
fn a_written_line_has_every_field_of_section_5() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = AuditLog::open(dir.path(), 256).expect("open");
    log.append(sample_record("corr-1")).expect("append");
    let line = &raw_lines(dir.path())[0];
    for field in [
        "id",
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
        assert!(line.get(field).is_some(), "missing {field}: {line}");
    }
    assert_eq!(line["outcome"], "created");
    assert_eq!(line["status"], 201);
    assert_eq!(line["error"], Value::Null);
    assert_eq!(
        line["attempts"][0],
        json!({"n": 1, "status": 201, "latency_ms": 41, "wait_ms": 0, "retry_after": null,
               "rate_limit": {"limit": 100, "remaining": 99, "reset": 37}})
    );
    assert!(line["request"]["headers"].is_array());
    assert!(line["request"]["body"].is_object());
    assert!(line["response"]["headers"].is_array());
    assert!(line["response"]["body"].is_object());
    assert!(line.get("truncated").is_none() && line["request"].get("truncated").is_none());
}

#[test]
fn ts_is_rfc3339_utc_with_milliseconds_at_write_time() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = AuditLog::open(dir.path(), 256).expect("open");
    let before = now_rfc3339();
    let mut record = sample_record("corr-ts");
    record.ts = "1999-01-01T00:00:00.000Z".into();
    let written = log.append(record).expect("append");
    let after = now_rfc3339();
    let ts = raw_lines(dir.path())[0]["ts"]
        .as_str()
        .expect("ts is a string")
        .to_string();
    assert!(is_rfc3339_utc_millis(&ts), "{ts}");
    // Fixed-width, so text order is time order.
    assert!(before <= ts && ts <= after, "{before} <= {ts} <= {after}");
    assert_eq!(written.ts, ts);
}

#[test]
fn ids_are_unique_and_increase_in_append_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = AuditLog::open(dir.path(), 256).expect("open");
    for i in 0..200 {
        log.append(sample_record(&format!("c{i}"))).expect("append");
    }
    let ids: Vec<String> = raw_lines(dir.path())
        .iter()
        .map(|l| l["id"].as_str().expect("id string").to_string())
        .collect();
    assert_eq!(ids.len(), 200);
    for pair in ids.windows(2) {
        assert!(pair[0] < pair[1], "{} !< {}", pair[0], pair[1]);
        let (a, b): (AuditId, AuditId) = (
            pair[0].parse().expect("an id"),
            pair[1].parse().expect("an id"),
        );
        assert!(a < b && a.timestamp_ms() <= b.timestamp_ms());
    }
}

#[test]
fn bodies_over_256_kib_are_stored_truncated_and_marked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = AuditLog::open(dir.path(), 256).expect("open");
    let mut record = sample_record("corr-big");
    let big: Vec<String> = (0..40_000).map(|i| format!("item-{i:06}")).collect();
    record.request.body = json!({"name": "Big", "items": big});
    log.append(record).expect("append");

    let line = &raw_lines(dir.path())[0];
    assert_eq!(line["request"]["truncated"], true);
    let body = line["request"]["body"]
        .as_str()
        .expect("a truncated body is text");
    assert_eq!(body.len(), MAX_BODY_BYTES);
    assert!(body.starts_with('{') && body.contains(r#""item-000000","item-000001""#));
    assert!(line["response"].get("truncated").is_none());
    // And it reads back through the reader like any record.
    let page = cxda::audit::AuditReader::new(dir.path())
        .newest(1, Filter::All)
        .expect("read");
    assert!(page.records[0].request.truncated);
}

#[cfg(unix)]
#[test]
fn audit_file_is_created_with_mode_0600_and_the_data_dir_with_0700() {
    use std::os::unix::fs::PermissionsExt;
    let parent = tempfile::tempdir().expect("tempdir");
    let data_dir = parent.path().join("data");
    let log = AuditLog::open(&data_dir, 256).expect("open");
    log.append(sample_record("corr-mode")).expect("append");
    let mode =
        |p: &std::path::Path| std::fs::metadata(p).expect("stat").permissions().mode() & 0o777;
    assert_eq!(mode(&data_dir.join("audit.jsonl")), 0o600);
    assert_eq!(mode(&data_dir), 0o700);
}

#[cfg(unix)]
#[test]
fn an_existing_audit_file_readable_by_others_is_tightened_to_0600() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("audit.jsonl");
    std::fs::write(&path, "").expect("create");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    AuditLog::open(dir.path(), 256).expect("open");
    let mode = std::fs::metadata(&path).expect("stat").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn text_bodies_are_stored_as_strings_and_json_bodies_as_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = AuditLog::open(dir.path(), 256).expect("open");
    let mut record = sample_record("corr-text");
    record.response.body = cxda::audit::body_value(b"<html>bad gateway</html>");
    record.request.body = cxda::audit::body_value(br#"{"name":"X"}"#);
    log.append(record).expect("append");
    let line = &raw_lines(dir.path())[0];
    assert_eq!(line["response"]["body"], "<html>bad gateway</html>");
    assert_eq!(line["request"]["body"], json!({"name": "X"}));
}
