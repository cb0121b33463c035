//! Full payload checks (syntax, schema, secret lint, positions) over 1 KiB, 100 KiB and
//! 1 MiB payloads. Target (issue 2): ≤ 10 ms median at 1 MiB.
//!
//! Run: `cargo bench --bench checks`

use cxda::payload::check_text;

fn main() {
    divan::main();
}

const SIZES: [usize; 3] = [1024, 100 * 1024, 1024 * 1024];

/// A valid payload whose `configuration.body` grows to about `size` bytes of ordinary,
/// nested JSON (objects, arrays, strings with escapes, numbers) — what a big payload is.
fn payload(size: usize, method: &str) -> String {
    let mut items = Vec::new();
    let mut len = 0;
    let mut i = 0;
    while len < size.saturating_sub(400) {
        let item = format!(
            r#"{{"sku": "SKU-{i:06}", "qty": {q}, "price": {p}.{c:02}, "tags": ["a", "b\"{i}"], "ok": true, "note": "line\nbreak é"}}"#,
            q = i % 97,
            p = i % 1000,
            c = i % 100
        );
        len += item.len() + 2;
        items.push(item);
        i += 1;
    }
    format!(
        r#"{{
  "name": "BulkInventory",
  "description": "generated for the checks benchmark",
  "type": "REST",
  "configuration": {{
    "body": [{}],
    "method": "{method}",
    "url": "https://inventory.example.com/api/v2/stock",
    "timeout": 3000,
    "headers": {{ "X-API-Key": "{{{{key}}}}" }}
  }},
  "tags": ["inventory"]
}}"#,
        items.join(",\n")
    )
}

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
