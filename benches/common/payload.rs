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

/// `text` minified onto one line, as other tools write JSON: every whitespace outside
/// strings dropped (the escapes inside strings, `\n` included, stay as written).
#[allow(dead_code, reason = "not every bench that includes this file uses it")]
pub fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in text.chars() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
        } else if c.is_whitespace() {
            continue;
        }
        out.push(c);
    }
    out
}

/// [`payload`] minified onto one line, grown so that the line is about `size` bytes (not
/// over it: minifying drops about a tenth of the pretty text).
#[allow(dead_code, reason = "not every bench that includes this file uses it")]
pub fn one_line_payload(size: usize, method: &str) -> String {
    let first = one_line(&payload(size, method));
    let grown = size.saturating_sub(2048) * size / first.len().max(1);
    let text = one_line(&payload(grown, method));
    if text.len() <= size { text } else { first }
}
