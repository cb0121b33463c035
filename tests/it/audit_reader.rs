//! The tail-first reader (`cxda audit list|show`, rotation): newest first,
//! paging, rotated segments, `--failed`, find by id.

use crate::audit_common;

use audit_common::{read_all, sample_record};
use cxda::audit::{AuditError, AuditId, AuditLog, AuditReader, Filter, Outcome, Redactor};

fn log_with_limit(dir: &std::path::Path, max_bytes: u64) -> AuditLog {
    AuditLog::open_with(dir, max_bytes, Redactor::new()).expect("open")
}

fn tags(records: &[cxda::audit::AuditRecord]) -> Vec<String> {
    records.iter().map(|r| r.correlation_id.clone()).collect()
}

fn expected_newest_first(n: usize) -> Vec<String> {
    (0..n).rev().map(|i| format!("r{i}")).collect()
}

#[test]
fn newest_returns_the_last_records_in_reverse_append_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = AuditLog::open(dir.path(), 256).expect("open");
    for i in 0..30 {
        log.append(sample_record(&format!("r{i}"))).expect("append");
    }
    let page = log.reader().newest(5, Filter::All).expect("read");
    assert_eq!(tags(&page.records), ["r29", "r28", "r27", "r26", "r25"]);
    assert_eq!(page.skipped, 0);
    assert!(page.next.is_some());
}

#[test]
fn paging_yields_every_record_exactly_once_in_reverse_append_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = AuditLog::open(dir.path(), 256).expect("open");
    let batch: Vec<_> = (0..250).map(|i| sample_record(&format!("r{i}"))).collect();
    log.append_batch(batch).expect("append");
    for page_size in [1, 7, 250, 1000] {
        let (records, skipped) = read_all(dir.path(), page_size, Filter::All);
        assert_eq!(
            tags(&records),
            expected_newest_first(250),
            "pages of {page_size}"
        );
        assert_eq!(skipped, 0);
    }
}

#[test]
fn rotation_past_the_limit_keeps_every_record_readable_newest_first() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = log_with_limit(dir.path(), 4096);
    for i in 0..60 {
        log.append(sample_record(&format!("r{i}"))).expect("append");
    }
    let reader = AuditReader::new(dir.path());
    let segments = reader.segment_paths().expect("list");
    assert!(segments.len() > 5, "{} segments", segments.len());
    assert!(segments[0].ends_with("audit.jsonl"));
    for rotated in &segments[1..] {
        let name = rotated
            .file_name()
            .and_then(|n| n.to_str())
            .expect("a name");
        assert!(
            name.starts_with("audit-") && name.ends_with(".jsonl"),
            "{name}"
        );
    }
    for page_size in [1, 4, 9, 100] {
        let (records, skipped) = read_all(dir.path(), page_size, Filter::All);
        assert_eq!(
            tags(&records),
            expected_newest_first(60),
            "pages of {page_size}"
        );
        assert_eq!(skipped, 0);
    }
}

#[test]
fn a_cursor_survives_a_rotation_between_pages() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = log_with_limit(dir.path(), 64 * 1024);
    for i in 0..20 {
        log.append(sample_record(&format!("r{i}"))).expect("append");
    }
    let reader = AuditReader::new(dir.path());
    let first = reader.newest(5, Filter::All).expect("read");
    assert_eq!(tags(&first.records), expected_newest_first(20)[..5]);
    // Enough new records to rotate the file the cursor points into.
    for i in 0..200 {
        log.append(sample_record(&format!("new{i}")))
            .expect("append");
    }
    assert!(reader.segment_paths().expect("list").len() > 1);
    let mut cursor = first.next;
    let mut rest = Vec::new();
    while let Some(at) = cursor {
        let page = reader.page(Some(&at), 4, Filter::All).expect("read");
        rest.extend(page.records);
        cursor = page.next;
    }
    assert_eq!(tags(&rest), expected_newest_first(20)[5..]);
}

#[test]
fn failed_filter_lists_only_records_whose_outcome_is_not_a_success() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = AuditLog::open(dir.path(), 256).expect("open");
    let outcomes = [
        Outcome::Created,
        Outcome::Rejected,
        Outcome::Failed,
        Outcome::Cancelled,
        Outcome::WebhookDelivered,
        Outcome::WebhookFailed,
    ];
    for (i, outcome) in outcomes.iter().cycle().take(60).enumerate() {
        let mut record = sample_record(&format!("r{i}"));
        record.outcome = *outcome;
        log.append(record).expect("append");
    }
    let page = log.reader().newest(3, Filter::Failed).expect("read");
    let got: Vec<_> = page.records.iter().map(|r| r.outcome).collect();
    assert_eq!(
        got,
        [Outcome::WebhookFailed, Outcome::Cancelled, Outcome::Failed]
    );
    let (all_failed, _) = read_all(dir.path(), 7, Filter::Failed);
    assert_eq!(all_failed.len(), 40);
    assert!(all_failed.iter().all(|r| r.outcome != Outcome::Created));
}

#[test]
fn find_returns_the_record_with_that_id_from_any_segment() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = log_with_limit(dir.path(), 8192);
    let ids: Vec<AuditId> = (0..50)
        .map(|i| {
            log.append(sample_record(&format!("r{i}")))
                .expect("append")
                .id
        })
        .collect();
    let reader = log.reader();
    assert!(reader.segment_paths().expect("list").len() > 3);
    for (i, id) in ids.iter().enumerate() {
        let found = reader
            .find(&id.to_string())
            .expect("find")
            .expect("present");
        assert_eq!(found.id, *id);
        assert_eq!(found.correlation_id, format!("r{i}"));
    }
    // Ids are case-insensitive, like ULIDs.
    let lower = ids[3].to_string().to_lowercase();
    assert_eq!(
        reader.find(&lower).expect("find").map(|r| r.id),
        Some(ids[3])
    );
}

#[test]
fn find_of_an_unknown_id_is_none_and_of_a_malformed_id_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = AuditLog::open(dir.path(), 256).expect("open");
    log.append(sample_record("r0")).expect("append");
    let reader = log.reader();
    assert!(
        reader
            .find(&AuditId::new().to_string())
            .expect("find")
            .is_none()
    );
    assert!(matches!(
        reader.find("not-an-id"),
        Err(AuditError::InvalidId(_))
    ));
}

#[test]
fn a_missing_history_reads_as_empty() {
    let dir = tempfile::tempdir().expect("tempdir");
    let page = AuditReader::new(&dir.path().join("never-created"))
        .newest(20, Filter::All)
        .expect("read");
    assert!(page.records.is_empty() && page.next.is_none() && page.skipped == 0);
}
