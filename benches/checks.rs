//! Full payload checks (body limit, syntax, duplicate keys, schema, secret lint, positions)
//! over 1 KiB, 100 KiB and 1 MiB payloads; target ≤ 10 ms median at 1 MiB. And a 30 MB
//! payload on one line, far over the API's body limit, which must not take seconds.
//!
//! And the genesys-cloud worst case: thousands of inputs, tens of thousands of references
//! to inputs the contract does not define (each one a problem); its cost must not grow with
//! inputs × references (past the 200 shown, a problem is only counted).
//!
//! Run: `cargo bench --bench checks`

use cxda::config::Api;
use cxda::payload::{check_text, check_text_for};

#[path = "common/payload.rs"]
mod common;
use common::payload;

fn main() {
    divan::main();
}

const SIZES: [usize; 3] = [1024, 100 * 1024, 1024 * 1024];

#[divan::bench(args = SIZES)]
fn valid_payload(bencher: divan::Bencher, size: usize) {
    let text = payload(size, "GET");
    assert!(check_text(&text).diagnostics.is_empty());
    bencher
        .counter(divan::counter::BytesCount::new(text.len()))
        .bench(|| check_text(divan::black_box(&text)));
}

/// Errors after the big body: positions are found by walking past it.
#[divan::bench(args = SIZES)]
fn payload_with_errors(bencher: divan::Bencher, size: usize) {
    let text = payload(size, "FETCH").replace("\"timeout\": 3000", "\"timeout\": 0, \"timout\": 1");
    assert_eq!(check_text(&text).diagnostics.len(), 3);
    bencher
        .counter(divan::counter::BytesCount::new(text.len()))
        .bench(|| check_text(divan::black_box(&text)));
}

/// A duplicate key in every item of the big body: thousands found, the first 200 located.
#[divan::bench]
fn duplicate_keys_1_mib(bencher: divan::Bencher) {
    let text =
        payload(1024 * 1024 - 64 * 1024, "GET").replace("\"ok\": true", "\"ok\": 1, \"ok\": 2");
    assert!(text.len() <= cxda::payload::MAX_BODY_BYTES);
    assert_eq!(check_text(&text).diagnostics.len(), 200);
    bencher
        .counter(divan::counter::BytesCount::new(text.len()))
        .bench(|| check_text(divan::black_box(&text)));
}

/// A 30 MB payload on one line (minified, as other tools write it), far over the API's body
/// limit: what the studio's off-loop check and `cxda validate` pay for a file that big.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn oversized_one_line(bencher: divan::Bencher) {
    let text = one_line_30_mb();
    assert_eq!(check_text(&text).diagnostics.len(), 1);
    bencher
        .counter(divan::counter::BytesCount::new(text.len()))
        .bench(|| check_text(divan::black_box(&text)));
}

fn one_line_30_mb() -> String {
    let pretty = payload(30 * 1024 * 1024, "GET");
    let value: serde_json::Value = serde_json::from_str(&pretty).expect("valid payload");
    value.to_string()
}

/// 5,000 input properties and 20,000 references to undefined inputs, each its own name:
/// 200 problems shown, the rest counted.
#[divan::bench(sample_count = 20)]
fn genesys_unknown_inputs_flood(bencher: divan::Bencher) {
    let text = genesys_flood(5_000, 20_000);
    assert_eq!(
        check_text_for(Api::GenesysCloud, &text).diagnostics.len(),
        200
    );
    bencher
        .counter(divan::counter::BytesCount::new(text.len()))
        .bench(|| check_text_for(Api::GenesysCloud, divan::black_box(&text)));
}

fn genesys_flood(inputs: usize, unknown: usize) -> String {
    let properties: Vec<String> = (0..inputs)
        .map(|i| format!(r#""in{i}": {{ "type": "string" }}"#))
        .collect();
    let body: String = (0..unknown)
        .map(|i| format!("${{input.zz_{i}}} "))
        .collect();
    format!(
        r#"{{
  "name": "Flood",
  "category": "Bench",
  "integrationId": "int-1",
  "contract": {{
    "input": {{ "inputSchema": {{ "type": "object", "properties": {{ {} }} }} }},
    "output": {{ "successSchema": {{ "type": "object", "properties": {{}} }} }}
  }},
  "config": {{
    "request": {{
      "requestUrlTemplate": "https://x.example.com/items",
      "requestType": "POST",
      "headers": {{}},
      "requestTemplate": "{body}"
    }},
    "response": {{ "translationMap": {{}}, "successTemplate": "${{rawResult}}" }}
  }}
}}"#,
        properties.join(", ")
    )
}
