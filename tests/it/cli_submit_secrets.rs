//! `cxda submit` and `cxda audit` never show a literal secret the payload itself carries in
//! a secret-looking `configuration.headers` entry (docs/audit.md, Redaction), wherever it
//! turns up: the request, the server's echo of the stored action, a payload that is not valid JSON.

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
