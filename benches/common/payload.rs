//! Payloads for the benchmarks, shared by `checks` and `tui_frame` (included with
//! `#[path]`: benches are separate crates).

/// A valid payload whose `configuration.body` grows to just under `size` bytes of ordinary,
/// nested JSON (objects, arrays, strings with escapes, numbers) — what a big payload is. It
/// stays under `size` so that a 1 MiB one is within the API's body limit.
pub fn payload(size: usize, method: &str) -> String {
    let mut items = Vec::new();
    let mut len = 0;
    let mut i = 0;
    loop {
        let item = format!(
            r#"{{"sku": "SKU-{i:06}", "qty": {q}, "price": {p}.{c:02}, "tags": ["a", "b\"{i}"], "ok": true, "note": "line\nbreak é"}}"#,
            q = i % 97,
            p = i % 1000,
            c = i % 100
        );
        len += item.len() + 2;
        if len > size.saturating_sub(400) {
            break;
        }
        items.push(item);
        i += 1;
    }
    format!(
        r#"{{
  "name": "BulkInventory",
  "description": "generated for the cxda benchmarks",
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
