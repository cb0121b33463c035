//! The audit history's reader and writer costs.
//!
//! - `newest_20`: the newest 20 records from a 10,000- and a 1,000,000-record history (about
//!   600 bytes a record, generated once into a temp dir). Target: ≤ 20 ms, the same order at
//!   both sizes (the reader reads backwards from the end, so the file size does not matter).
//! - `find_100th_newest`: `cxda audit show` for a recent record.
//! - `append_*`: durable appends per second (every record fdatasync'd before it returns):
//!   2,000 records in batches of 16 (`append_batch`), from 16 threads at once (automatic group
//!   commit), and one at a time (one sync each) for comparison.
//!
//! Run: `cargo bench --bench audit_tail`. The generated files are removed at the end.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use cxda::audit::{
    Attempt, AuditLog, AuditReader, AuditRecord, Exchange, Filter, Outcome, RateLimit,
    format_rfc3339_ms,
};
use divan::Bencher;

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}
use divan::counter::ItemsCount;
use serde_json::json;

const SIZES: [usize; 2] = [10_000, 1_000_000];

/// The temp dir holding every generated history, removed when the run ends.
static ROOT: OnceLock<tempfile::TempDir> = OnceLock::new();
/// Fewest and most syncs one `append_2000_from_16_threads` iteration needed.
static THREAD_SYNCS: Mutex<(u64, u64)> = Mutex::new((u64::MAX, 0));
/// Data dirs generated so far, by record count.
static HISTORIES: Mutex<Vec<(usize, PathBuf)>> = Mutex::new(Vec::new());

fn main() {
    divan::main();
    let (fewest, most) = *THREAD_SYNCS.lock().expect("syncs lock");
    if most > 0 {
        eprintln!("append_2000_from_16_threads: {fewest}..{most} fdatasyncs per 2000 appends");
    }
    if let Some(root) = ROOT.get() {
        // Statics are never dropped, so remove the (up to ~600 MB of) generated files here.
        let _ = std::fs::remove_dir_all(root.path());
    }
}

fn root() -> &'static Path {
    ROOT.get_or_init(|| tempfile::tempdir().expect("temp dir for the benchmark"))
        .path()
}

/// A realistic record: a create with its headers, payload and response; every fiftieth one a
/// submission that met a 429 first.
fn record(i: usize) -> AuditRecord {
    let correlation = format!("c0ffee00-{i:012x}");
    let mut attempts = vec![Attempt {
        n: 1,
        status: Some(201),
        latency_ms: 38,
        wait_ms: 0,
        retry_after: None,
        rate_limit: Some(RateLimit {
            limit: Some(100),
            remaining: Some(57),
            reset: Some(23),
        }),
        error: None,
    }];
    if i.is_multiple_of(50) {
        attempts.insert(
            0,
            Attempt {
                n: 1,
                status: Some(429),
                latency_ms: 12,
                wait_ms: 1000,
                retry_after: Some("1".into()),
                rate_limit: Some(RateLimit {
                    limit: Some(100),
                    remaining: Some(0),
                    reset: Some(1),
                }),
                error: None,
            },
        );
        attempts[1].n = 2;
    }
    AuditRecord {
        // As the writer stamps it: when written, which is after the id was minted.
        ts: format_rfc3339_ms(now_ms()),
        profile: "sandbox".into(),
        correlation_id: correlation.clone(),
        method: "POST".into(),
        url: "http://127.0.0.1:8787/api/v2/data-actions".into(),
        action_name: format!("FetchExternalInventory{i}"),
        status: Some(201),
        latency_ms: 40,
        attempts,
        request: Exchange::new(
            [
                ("Authorization", "[redacted]"),
                ("Idempotency-Key", correlation.as_str()),
            ]
            .into_iter()
            .collect(),
            json!({"name": format!("FetchExternalInventory{i}"), "type": "REST",
                   "configuration": {"method": "GET", "url": "https://inventory.example.com/stock"}}),
        ),
        response: Exchange::new(
            [("Location", format!("/api/v2/data-actions/{i}"))]
                .into_iter()
                .collect(),
            json!({"id": i, "createdAt": "2026-11-23T21:43:01.123Z"}),
        ),
        ..AuditRecord::new(Outcome::Created)
    }
}

/// A data dir with `count` records, written once per run in the writer's line format.
fn history(count: usize) -> PathBuf {
    let mut histories = HISTORIES.lock().expect("histories lock");
    if let Some((_, dir)) = histories.iter().find(|(n, _)| *n == count) {
        return dir.clone();
    }
    let dir = root().join(format!("history-{count}"));
    std::fs::create_dir_all(&dir).expect("create data dir");
    let file = std::fs::File::create(dir.join("audit.jsonl")).expect("create audit.jsonl");
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let mut bytes = 0usize;
    for i in 0..count {
        let line = serde_json::to_vec(&record(i)).expect("encode");
        bytes += line.len() + 1;
        out.write_all(&line).expect("write");
        out.write_all(b"\n").expect("write");
    }
    out.flush().expect("flush");
    eprintln!(
        "generated {count} records, {:.1} MB, {} bytes a record on average",
        bytes as f64 / 1e6,
        bytes / count
    );
    histories.push((count, dir.clone()));
    dir
}

#[divan::bench(args = SIZES)]
fn newest_20(bencher: Bencher, records: usize) {
    let reader = AuditReader::new(&history(records));
    bencher.bench_local(|| {
        let page = reader.newest(20, Filter::All).expect("read");
        assert_eq!(page.records.len(), 20);
        page
    });
}

#[divan::bench(args = SIZES)]
fn find_100th_newest(bencher: Bencher, records: usize) {
    let dir = history(records);
    let reader = AuditReader::new(&dir);
    let target = reader.newest(100, Filter::All).expect("read").records[99]
        .id
        .to_string();
    bencher.bench_local(|| reader.find(&target).expect("find").expect("present"));
}

/// A fresh data dir for one writer benchmark iteration.
fn fresh_log() -> AuditLog {
    let dir = tempfile::tempdir_in(root()).expect("temp dir").keep();
    AuditLog::open(&dir, 256).expect("open")
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn append_2000_in_batches_of_16(bencher: Bencher) {
    bencher
        .counter(ItemsCount::new(2000usize))
        .with_inputs(|| (fresh_log(), (0..2000).map(record).collect::<Vec<_>>()))
        .bench_local_values(|(log, records)| {
            let mut records = records.into_iter();
            loop {
                let batch: Vec<_> = records.by_ref().take(16).collect();
                if batch.is_empty() {
                    break;
                }
                log.append_batch(batch).expect("append");
            }
            assert_eq!(log.sync_count(), 125);
        });
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn append_2000_from_16_threads(bencher: Bencher) {
    bencher
        .counter(ItemsCount::new(2000usize))
        .with_inputs(fresh_log)
        .bench_local_values(|log| {
            std::thread::scope(|scope| {
                for t in 0..16 {
                    let log = &log;
                    scope.spawn(move || {
                        for i in 0..125 {
                            log.append(record(t * 125 + i)).expect("append");
                        }
                    });
                }
            });
            let syncs = log.sync_count();
            let mut range = THREAD_SYNCS.lock().expect("syncs lock");
            *range = (range.0.min(syncs), range.1.max(syncs));
        });
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn append_200_one_at_a_time(bencher: Bencher) {
    bencher
        .counter(ItemsCount::new(200usize))
        .with_inputs(fresh_log)
        .bench_local_values(|log| {
            for i in 0..200 {
                log.append(record(i)).expect("append");
            }
        });
}
