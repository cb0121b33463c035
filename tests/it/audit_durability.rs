//! The appender under crashes and concurrency (docs/audit.md, Files): torn tails, several processes
//! appending at once (this test binary re-runs itself as the writer processes), rotation
//! under contention, group commit, and records reported done surviving a SIGKILL.

use crate::audit_common;

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use audit_common::{read_all, sample_record};
use cxda::audit::{AuditLog, AuditReader, AuditRecord, Filter};

// The child writer's instructions, passed through the environment.
const CHILD_DIR: &str = "CXDA_AUDIT_TEST_CHILD_DIR";
const CHILD_TAG: &str = "CXDA_AUDIT_TEST_CHILD_TAG";
const CHILD_COUNT: &str = "CXDA_AUDIT_TEST_CHILD_COUNT";
const CHILD_MAX_BYTES: &str = "CXDA_AUDIT_TEST_CHILD_MAX_BYTES";
const CHILD_GO_FILE: &str = "CXDA_AUDIT_TEST_CHILD_GO_FILE";

/// Not a test of its own: the body of a writer process spawned by the tests below. It appends
/// `COUNT` records one by one (one lock and one sync each) tagged `TAG-<i>`, printing each
/// id once `append` returned, i.e. once it is durable.
#[test]
#[ignore = "run as a child process by the multi-process tests in this file"]
fn audit_writer_child_process() {
    let (Ok(dir), Ok(tag)) = (std::env::var(CHILD_DIR), std::env::var(CHILD_TAG)) else {
        return;
    };
    let count: usize = std::env::var(CHILD_COUNT)
        .expect("count")
        .parse()
        .expect("a count");
    let max_bytes: u64 = std::env::var(CHILD_MAX_BYTES)
        .expect("max bytes")
        .parse()
        .expect("a size");
    if let Ok(go) = std::env::var(CHILD_GO_FILE) {
        // Start together with the other writers, so their appends really overlap.
        let deadline = Instant::now() + Duration::from_secs(30);
        while !Path::new(&go).exists() {
            assert!(Instant::now() < deadline, "no go signal");
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    let log = AuditLog::open_with(Path::new(&dir), max_bytes, Default::default()).expect("open");
    let stdout = std::io::stdout();
    for i in 0..count {
        let written = log
            .append(sample_record(&format!("{tag}-{i}")))
            .expect("append");
        let mut out = stdout.lock();
        writeln!(out, "durable {}", written.id).expect("stdout");
        out.flush().expect("flush");
    }
}

fn spawn_writer(dir: &Path, tag: &str, count: usize, max_bytes: u64, go: &Path) -> Child {
    Command::new(std::env::current_exe().expect("test binary path"))
        .args([
            "audit_durability::audit_writer_child_process",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
            "-q",
        ])
        .env(CHILD_DIR, dir)
        .env(CHILD_TAG, tag)
        .env(CHILD_COUNT, count.to_string())
        .env(CHILD_MAX_BYTES, max_bytes.to_string())
        .env(CHILD_GO_FILE, go)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn a writer process")
}

/// Runs `writers` processes appending `each` records at once; returns the data dir.
fn run_writers(writers: usize, each: usize, max_bytes: u64) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let go = dir.path().join("go");
    let children: Vec<Child> = (0..writers)
        .map(|w| spawn_writer(dir.path(), &format!("w{w}"), each, max_bytes, &go))
        .collect();
    std::fs::write(&go, b"").expect("signal go");
    for child in children {
        let out = child.wait_with_output().expect("wait for a writer");
        assert!(out.status.success(), "a writer failed: {:?}", out.status);
        let durable = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| l.starts_with("durable "))
            .count();
        assert_eq!(durable, each, "the child ran its appends");
    }
    std::fs::remove_file(&go).expect("remove go file");
    dir
}

/// Each writer's records, in the order they were found (newest first).
fn assert_every_record_once(records: &[AuditRecord], writers: usize, each: usize) {
    assert_eq!(records.len(), writers * each);
    let ids: HashSet<_> = records.iter().map(|r| r.id).collect();
    assert_eq!(ids.len(), records.len(), "ids are unique");
    let tags: HashSet<_> = records.iter().map(|r| r.correlation_id.as_str()).collect();
    for w in 0..writers {
        for i in 0..each {
            assert!(
                tags.contains(format!("w{w}-{i}").as_str()),
                "w{w}-{i} missing"
            );
        }
        // One process's records keep its append order (newest first here).
        let mine: Vec<usize> = records
            .iter()
            .filter_map(|r| r.correlation_id.strip_prefix(&format!("w{w}-")))
            .map(|i| i.parse().expect("an index"))
            .collect();
        assert!(
            mine.windows(2).all(|p| p[0] > p[1]),
            "writer {w} out of order"
        );
    }
}

#[test]
fn four_processes_appending_250_records_each_leave_exactly_1000_valid_lines() {
    let dir = run_writers(4, 250, 1 << 30);
    let text = std::fs::read_to_string(dir.path().join("audit.jsonl")).expect("read");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1000);
    let records: Vec<AuditRecord> = lines
        .iter()
        .rev()
        .map(|l| serde_json::from_str(l).expect("every line is a whole record"))
        .collect();
    assert!(text.ends_with('\n'));
    assert_every_record_once(&records, 4, 250);
}

#[test]
fn processes_rotating_at_once_lose_no_record_and_no_file_is_rotated_twice() {
    let dir = run_writers(4, 100, 16 * 1024);
    let (records, skipped) = read_all(dir.path(), 37, Filter::All);
    assert_eq!(skipped, 0);
    assert_every_record_once(&records, 4, 100);
    let segments = AuditReader::new(dir.path()).segment_paths().expect("list");
    assert!(segments.len() > 10, "rotated: {} segments", segments.len());
    for segment in &segments {
        let len = std::fs::metadata(segment).expect("stat").len();
        // A rotated file is never appended to again, so none grows far past the limit.
        assert!(len <= 16 * 1024, "{} is {len} bytes", segment.display());
    }
}

#[test]
fn a_torn_last_line_is_skipped_and_counted_and_the_next_append_gets_a_line_of_its_own() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("audit.jsonl");
    {
        let log = AuditLog::open(dir.path(), 256).expect("open");
        for i in 0..3 {
            log.append(sample_record(&format!("before-{i}")))
                .expect("append");
        }
    }
    // A crash halfway through writing a record: half a line, no newline.
    let whole = serde_json::to_string(&sample_record("torn")).expect("encode");
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .expect("open for the torn write");
    file.write_all(&whole.as_bytes()[..whole.len() / 2])
        .expect("torn write");
    drop(file);

    let page = AuditReader::new(dir.path())
        .newest(10, Filter::All)
        .expect("read");
    assert_eq!(page.records.len(), 3);
    assert_eq!(page.skipped, 1);

    // The next process appends after the crash.
    let log = AuditLog::open(dir.path(), 256).expect("reopen");
    let after = log.append(sample_record("after")).expect("append");

    let page = AuditReader::new(dir.path())
        .newest(10, Filter::All)
        .expect("read");
    assert_eq!(page.records.len(), 4);
    assert_eq!(page.skipped, 1);
    assert_eq!(page.records[0].id, after.id);
    let text = std::fs::read_to_string(&path).expect("read");
    let last: AuditRecord =
        serde_json::from_str(text.lines().last().expect("a last line")).expect("a whole line");
    assert_eq!(last.id, after.id);
}

#[test]
fn a_corrupt_line_in_the_middle_is_skipped_and_counted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = AuditLog::open(dir.path(), 256).expect("open");
    log.append(sample_record("a")).expect("append");
    std::fs::OpenOptions::new()
        .append(true)
        .open(log.path())
        .and_then(|mut f| f.write_all(b"{\"id\": garbage \xff\n"))
        .expect("corrupt");
    log.append(sample_record("b")).expect("append");
    let (records, skipped) = read_all(dir.path(), 1, Filter::All);
    let tags: Vec<_> = records.iter().map(|r| r.correlation_id.as_str()).collect();
    assert_eq!(tags, ["b", "a"]);
    assert_eq!(skipped, 1);
}

#[test]
fn a_batch_is_written_with_a_single_sync() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = AuditLog::open(dir.path(), 256).expect("open");
    let batch: Vec<AuditRecord> = (0..16).map(|i| sample_record(&format!("b{i}"))).collect();
    let written = log.append_batch(batch).expect("append batch");
    assert_eq!(written.len(), 16);
    assert_eq!(log.sync_count(), 1);
    let (records, _) = read_all(dir.path(), 100, Filter::All);
    let tags: Vec<_> = records
        .iter()
        .rev()
        .map(|r| r.correlation_id.clone())
        .collect();
    let expected: Vec<_> = (0..16).map(|i| format!("b{i}")).collect();
    assert_eq!(tags, expected);
}

#[test]
fn concurrent_appends_from_threads_all_land_once_and_never_need_more_syncs_than_appends() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = AuditLog::open(dir.path(), 256).expect("open");
    let threads = 16;
    let each = 25;
    let barrier = std::sync::Barrier::new(threads);
    std::thread::scope(|scope| {
        for t in 0..threads {
            let (log, barrier) = (&log, &barrier);
            scope.spawn(move || {
                barrier.wait();
                for i in 0..each {
                    log.append(sample_record(&format!("w{t}-{i}")))
                        .expect("append");
                }
            });
        }
    });
    let (records, skipped) = read_all(dir.path(), 50, Filter::All);
    assert_eq!(skipped, 0);
    assert_every_record_once(&records, threads, each);
    let syncs = log.sync_count();
    assert!(
        syncs >= 1 && syncs <= (threads * each) as u64,
        "{syncs} syncs"
    );
}

#[cfg(unix)]
#[test]
fn records_reported_durable_survive_a_sigkill_of_the_writer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let go = dir.path().join("go");
    std::fs::write(&go, b"").expect("go");
    let mut child = spawn_writer(dir.path(), "k", 1_000_000, 1 << 30, &go);
    let stdout = child.stdout.take().expect("child stdout");
    // Keep the pipe open until the kill, so the writer is stopped mid-stream by SIGKILL.
    let mut lines = BufReader::new(stdout).lines();
    let mut reported = Vec::new();
    while reported.len() < 50 {
        let line = lines
            .next()
            .expect("the writer keeps reporting")
            .expect("read");
        if let Some(id) = line.strip_prefix("durable ") {
            reported.push(id.to_string());
        }
    }
    child.kill().expect("SIGKILL the writer");
    child.wait().expect("reap the writer");
    drop(lines);
    assert_eq!(reported.len(), 50);
    let reader = AuditReader::new(dir.path());
    for id in &reported {
        assert!(reader.find(id).expect("find").is_some(), "{id} lost");
    }
    // The file may end mid-record; nothing before that is lost.
    let (records, skipped) = read_all(dir.path(), 64, Filter::All);
    assert!(records.len() >= 50 && skipped <= 1);
}
