//! `cxda submit` and `cxda audit` never show a literal secret the payload itself carries in
//! a secret-looking `configuration.headers` entry (docs/audit.md, Redaction), wherever it turns up: the
//! request, the server's echo of the stored action, a payload that is not valid JSON. Nor
//! the credentials of a `webhook_url`, delivered or not, in the audit history or the log.

use crate::cli_submit_common;
use crate::files_common;

use cli_submit_common::{TestSandbox, Workspace, stderr, stdout};
use files_common::data_dir_text;
use serde_json::Value;

const SECRET: &str = "literalSECRETvalue123";

fn payload_with_literal_key(action: &str, trailing_comma: bool) -> String {
    let comma = if trailing_comma { "," } else { "" };
    format!(
        r#"{{
  "name": "{action}",
  "type": "REST",
  "configuration": {{
    "method": "GET",
    "url": "https://inventory.example.com/stock",
    "headers": {{ "X-Api-Key": "{SECRET}", "Accept": "application/json"{comma} }}
  }}
}}"#
    )
}

#[test]
fn a_literal_payload_header_echoed_by_the_server_is_redacted_everywhere() {
    let sandbox = TestSandbox::plain();
    let ws = Workspace::new();
    ws.use_sandbox(&sandbox.handle, "");
    let file = ws.file("a.json", &payload_with_literal_key("EchoedSecret", false));

    // Created (the 201 echoes the stored action), then again: a 409 for the taken name.
    let mut shown = String::new();
    let mut ids = Vec::new();
    for expected_exit in [0, 1] {
        let out = ws
            .cxda()
            .env("CXDA_LOG", "trace")
            .args(["submit", "--json", &file])
            .output()
            .expect("run cxda");
        assert_eq!(out.status.code(), Some(expected_exit), "{}", stderr(&out));
        let record: Value = serde_json::from_str(stdout(&out).trim()).expect("a JSON record");
        ids.push(record["id"].as_str().expect("id").to_string());
        shown.push_str(&stdout(&out));
        shown.push_str(&stderr(&out));
    }
    assert_eq!(sandbox.stats().create_requests, 2);
    for id in &ids {
        for args in [
            vec!["audit", "show", id],
            vec!["audit", "show", id, "--json"],
        ] {
            let out = ws.run(&args);
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
            shown.push_str(&stdout(&out));
            shown.push_str(&stderr(&out));
        }
    }
    let stored = data_dir_text(&ws.data_dir());
    assert!(stored.contains("EchoedSecret"), "the records are there");
    assert!(!stored.contains(SECRET), "the data dir holds the secret");
    assert!(
        !shown.contains(SECRET),
        "the output shows the secret:\n{shown}"
    );
}

#[test]
fn a_literal_secret_in_a_payload_that_is_not_valid_json_never_reaches_the_data_dir() {
    let sandbox = TestSandbox::plain();
    let ws = Workspace::new();
    ws.use_sandbox(&sandbox.handle, "");
    let file = ws.file("trailing.json", &payload_with_literal_key("Trailing", true));

    let out = ws.run(&["submit", &file]);

    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let records = ws.audit_records();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["outcome"], "rejected");
    assert!(
        records[0]["request"]["body"]
            .as_str()
            .is_some_and(|text| text.contains("X-Api-Key")),
        "the payload is stored as text: {}",
        records[0]
    );
    assert!(!data_dir_text(&ws.data_dir()).contains(SECRET));
    assert!(!stdout(&out).contains(SECRET) && !stderr(&out).contains(SECRET));
}

const HOOK_PASSWORD: &str = "hookPASSword91";
const HOOK_TOKEN: &str = "hookTOKENvalue73";
const HOOK_SIG: &str = "hookSIGvalue55";

/// A webhook URL to `addr` with a `user:password@` and two secret query values.
fn webhook_url(addr: std::net::SocketAddr) -> String {
    format!(
        "http://hookuser:{HOOK_PASSWORD}@{addr}/_sandbox/webhook?token={HOOK_TOKEN}&sig={HOOK_SIG}&channel=ops"
    )
}

/// Submits one payload with `webhook_url` set, and returns the webhook delivery's record,
/// everything the run left in the data dir (audit history and log) or printed, and the log.
fn submit_with_webhook(url: &str) -> (Value, String, String) {
    let sandbox = TestSandbox::plain();
    let ws = Workspace::new();
    ws.use_sandbox(&sandbox.handle, &format!("webhook_url = \"{url}\""));
    let file = ws.payload("a.json", "Hooked");
    let out = ws.run(&["submit", &file]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let delivery = ws
        .audit_records()
        .into_iter()
        .find(|r| {
            r["outcome"]
                .as_str()
                .is_some_and(|o| o.starts_with("webhook_"))
        })
        .expect("a webhook delivery record");
    let mut seen = data_dir_text(&ws.data_dir());
    seen.push_str(&stdout(&out));
    seen.push_str(&stderr(&out));
    let log = data_dir_text(&cxda::logging::log_dir(&ws.data_dir()));
    (delivery, seen, log)
}

fn assert_no_webhook_credentials(seen: &str) {
    for secret in [HOOK_PASSWORD, HOOK_TOKEN, HOOK_SIG, "hookuser"] {
        assert!(!seen.contains(secret), "{secret} is shown:\n{seen}");
    }
}

#[test]
fn a_webhook_urls_credentials_are_redacted_in_the_record_and_the_log() {
    let receiver = TestSandbox::plain();
    let addr = receiver.handle.addr();

    let (delivery, seen, log) = submit_with_webhook(&webhook_url(addr));

    assert_eq!(delivery["outcome"], "webhook_delivered", "{delivery}");
    let shown = format!(
        "http://[redacted]@{addr}/_sandbox/webhook?token=[redacted]&sig=[redacted]&channel=ops"
    );
    assert_eq!(delivery["url"], shown.as_str());
    assert!(
        delivery["request"]["headers"]
            .as_array()
            .expect("headers")
            .iter()
            .any(|h| h[0] == "Authorization" && h[1] == "[redacted]"),
        "the Basic credentials sent are shown redacted: {delivery}"
    );
    assert!(
        log.contains("webhook delivered") && log.contains(&shown),
        "the log names the delivery and its URL:\n{log}"
    );
    assert_no_webhook_credentials(&seen);
}

#[test]
fn a_webhook_that_cannot_be_reached_shows_no_credentials_in_its_error() {
    // A port nothing listens on: the connection is refused, and reqwest's error names the URL.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port");

    let (delivery, seen, log) = submit_with_webhook(&webhook_url(closed));

    assert_eq!(delivery["outcome"], "webhook_failed", "{delivery}");
    let error = delivery["error"].as_str().expect("an error");
    assert!(error.contains("could not be reached"), "{error}");
    assert_eq!(delivery["attempts"].as_array().map(Vec::len), Some(3));
    assert!(
        log.contains("webhook not delivered") && log.contains("could not be reached"),
        "the log says why:\n{log}"
    );
    assert_no_webhook_credentials(&seen);
}
