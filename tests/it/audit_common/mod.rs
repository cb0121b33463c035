//! Helpers shared by the `audit_*` integration tests: a realistic record and ways to read
//! the whole history back.

use std::path::Path;

use cxda::audit::{
    Attempt, AuditReader, AuditRecord, Cursor, Exchange, Filter, Headers, Outcome, RateLimit,
};
use serde_json::json;

/// A created-submission record of about 600 bytes once written, tagged with `tag`.
pub fn sample_record(tag: &str) -> AuditRecord {
    AuditRecord {
        profile: "sandbox".into(),
        correlation_id: tag.to_string(),
        method: "POST".into(),
        url: "http://127.0.0.1:8787/api/v2/data-actions".into(),
        action_name: "FetchExternalInventory".into(),
        status: Some(201),
        latency_ms: 42,
        attempts: vec![Attempt {
            n: 1,
            status: Some(201),
            latency_ms: 41,
            wait_ms: 0,
            retry_after: None,
            rate_limit: Some(RateLimit {
                limit: Some(100),
                remaining: Some(99),
                reset: Some(37),
            }),
            error: None,
        }],
        request: Exchange::new(
            [
                ("Content-Type", "application/json"),
                ("Accept", "application/json"),
                ("X-Correlation-ID", tag),
                ("Idempotency-Key", tag),
                ("User-Agent", "cxda/0.1.0"),
            ]
            .into_iter()
            .collect(),
            json!({"name": "FetchExternalInventory", "type": "REST",
                   "configuration": {"method": "GET", "url": "https://inventory.example.com/items"}}),
        ),
        response: Exchange::new(
            [
                ("Content-Type", "application/json"),
                ("Location", "/api/v2/data-actions/42"),
            ]
            .into_iter()
            .collect::<Headers>(),
            json!({"id": "42", "createdAt": "2026-11-23T21:43:01Z"}),
        ),
        ..AuditRecord::new(Outcome::Created)
    }
}

/// Every record, newest first, paging `page_size` at a time; also the skipped count.
pub fn read_all(dir: &Path, page_size: usize, filter: Filter) -> (Vec<AuditRecord>, usize) {
    let reader = AuditReader::new(dir);
    let mut records = Vec::new();
    let mut skipped = 0;
    let mut cursor: Option<Cursor> = None;
    loop {
        let page = reader
            .page(cursor.as_ref(), page_size, filter)
            .expect("read a page");
        records.extend(page.records);
        skipped += page.skipped;
        match page.next {
            Some(next) => cursor = Some(next),
            None => return (records, skipped),
        }
    }
}

/// Every file under `dir`, recursively, as one byte string (for grep-style assertions).
pub fn all_bytes_under(dir: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("list dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            out.extend(all_bytes_under(&path));
        } else {
            out.extend(std::fs::read(&path).expect("read file"));
        }
    }
    out
}

pub fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}
