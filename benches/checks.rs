//! Full payload checks (syntax, schema, secret lint, positions) over 1 KiB, 100 KiB and
//! 1 MiB payloads. Target: ≤ 10 ms median at 1 MiB.
//!
//! Run: `cargo bench --bench checks`

use cxda::payload::check_text;

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
