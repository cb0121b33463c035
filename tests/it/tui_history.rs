//! The history view against a real audit file and on a `TestBackend`: paging walks
//! the file newest first without asking for a cursor twice, a filter keeps loading while few
//! records match, and snapshots of the list and of a record's detail.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use cxda::audit::{
    Attempt, AuditId, AuditLog, AuditReader, AuditRecord, Cursor, Exchange, Headers, Outcome, Page,
    RateLimit, Redirect,
};
use cxda::tui::history::{HistoryAction, HistoryView, PAGE_SIZE, draw_history, load_page};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

/// A data dir holding `n` records appended in order, correlation ids `c0000`…; every
/// seventh is a failure named `Broken`.
fn history_of(n: usize) -> (tempfile::TempDir, AuditReader) {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = AuditLog::open(dir.path(), 256).expect("open log");
    let records = (0..n)
        .map(|i| {
            let (name, outcome, status) = if i % 7 == 0 {
                ("Broken", Outcome::Failed, None)
            } else {
                ("FetchInventory", Outcome::Created, Some(201))
            };
            AuditRecord {
                correlation_id: format!("c{i:04}"),
                action_name: name.into(),
                status,
                request: Exchange::new(Headers::new(), json!({"name": name, "i": i})),
                ..AuditRecord::new(outcome)
            }
        })
        .collect();
    log.append_batch(records).expect("append");
    let reader = log.reader();
    (dir, reader)
}

fn correlation_ids(records: &[AuditRecord]) -> Vec<String> {
    records.iter().map(|r| r.correlation_id.clone()).collect()
}

#[test]
fn load_page_walks_the_file_newest_first_page_by_page() {
    let (_dir, reader) = history_of(450);
    let mut cursor: Option<Cursor> = None;
    let mut seen = Vec::new();
    let mut sizes = Vec::new();
    loop {
        let page = load_page(&reader, cursor.as_ref(), PAGE_SIZE).expect("page");
        sizes.push(page.records.len());
        seen.extend(correlation_ids(&page.records));
        match page.next {
            Some(next) => {
                assert_ne!(Some(&next), cursor.as_ref(), "a cursor must move back");
                cursor = Some(next);
            }
            None => break,
        }
    }
    assert_eq!(sizes, [200, 200, 50]);
    let expected: Vec<String> = (0..450).rev().map(|i| format!("c{i:04}")).collect();
    assert_eq!(seen, expected);
}

/// Runs the view's load requests against `reader` the way the app does (the page, then
/// `load_more`), recording every cursor asked for.
fn serve(
    view: &mut HistoryView,
    reader: &AuditReader,
    first: HistoryAction,
    asked: &mut Vec<Option<Cursor>>,
) {
    let mut action = first;
    while let HistoryAction::LoadPage(cursor) = action {
        assert!(
            !asked.contains(&cursor),
            "cursor {cursor:?} asked for twice"
        );
        asked.push(cursor.clone());
        // A second request while this one is in flight must not happen.
        assert!(matches!(view.load_more(), HistoryAction::None));
        assert!(matches!(view.open(), HistoryAction::None));
        view.on_page(load_page(reader, cursor.as_ref(), PAGE_SIZE));
        action = view.load_more();
    }
}

#[test]
fn scrolling_to_the_end_loads_each_page_once_until_the_end_of_history() {
    let (_dir, reader) = history_of(450);
    let mut view = HistoryView::new();
    let mut asked = Vec::new();
    let first = view.open();
    serve(&mut view, &reader, first, &mut asked);
    assert_eq!(view.loaded(), 200, "one page until the user scrolls");
    for _ in 0..10 {
        let action = view.handle_key(key(KeyCode::End));
        serve(&mut view, &reader, action, &mut asked);
    }
    assert!(view.at_end());
    assert_eq!(asked.len(), 3);
    assert_eq!(asked[0], None);
    assert_eq!(view.loaded(), 450);
    let shown: Vec<String> = view
        .visible_records()
        .map(|r| r.correlation_id.clone())
        .collect();
    let expected: Vec<String> = (0..450).rev().map(|i| format!("c{i:04}")).collect();
    assert_eq!(shown, expected);
}

#[test]
fn a_filter_matching_few_keeps_loading_pages_until_the_end() {
    let (_dir, reader) = history_of(450);
    let mut view = HistoryView::new();
    let mut asked = Vec::new();
    let first = view.open();
    serve(&mut view, &reader, first, &mut asked);
    // Only correlation ids c0000–c0009 match, all in the oldest page.
    let mut action = view.handle_key(key(KeyCode::Char('/')));
    for c in "C000".chars() {
        serve(&mut view, &reader, action, &mut asked);
        action = view.handle_key(key(KeyCode::Char(c)));
    }
    serve(&mut view, &reader, action, &mut asked);
    assert!(view.at_end());
    let shown: Vec<String> = view
        .visible_records()
        .map(|r| r.correlation_id.clone())
        .collect();
    let expected: Vec<String> = (0..10).rev().map(|i| format!("c{i:04}")).collect();
    assert_eq!(shown, expected);
    // The outcome filter narrows further: of those, c0000 and c0007 failed.
    let _ = view.handle_key(key(KeyCode::Enter));
    let _ = view.handle_key(key(KeyCode::Char('o')));
    let failed: Vec<String> = view
        .visible_records()
        .map(|r| r.correlation_id.clone())
        .collect();
    assert_eq!(failed, ["c0007", "c0000"]);
}

#[test]
fn a_torn_line_is_skipped_and_counted() {
    let (dir, reader) = history_of(3);
    let path = dir.path().join("audit.jsonl");
    let mut text = std::fs::read_to_string(&path).expect("read");
    text.push_str("{\"id\":\"torn");
    std::fs::write(&path, text).expect("write");
    let mut view = HistoryView::new();
    let mut asked = Vec::new();
    let first = view.open();
    serve(&mut view, &reader, first, &mut asked);
    assert_eq!((view.loaded(), view.skipped()), (3, 1));
}

// ---- Snapshots -------------------------------------------------------------------------

fn id(text: &str) -> AuditId {
    text.parse().expect("a valid id")
}

/// Three records with fixed ids and times: a created one, a rejected one after a 429
/// backoff and a redirect, and a cancelled one without a response.
fn fixed_records() -> Vec<AuditRecord> {
    let created = AuditRecord {
        id: id("01KBDJ6Z2A0000000000000003"),
        ts: "2026-11-23T21:43:01.123Z".into(),
        profile: "sandbox".into(),
        correlation_id: "7f3c9a2e-5b1d-4e8f-9a6c-1d2e3f4a5b6c".into(),
        method: "POST".into(),
        url: "http://127.0.0.1:8787/api/v2/data-actions".into(),
        action_name: "FetchExternalInventory".into(),
        status: Some(201),
        latency_ms: 1342,
        attempts: vec![
            Attempt {
                n: 1,
                status: Some(429),
                latency_ms: 38,
                wait_ms: 1200,
                retry_after: Some("1".into()),
                rate_limit: Some(RateLimit {
                    limit: Some(100),
                    remaining: Some(0),
                    reset: Some(1),
                }),
                error: None,
            },
            Attempt {
                n: 2,
                status: Some(201),
                latency_ms: 41,
                wait_ms: 0,
                retry_after: None,
                rate_limit: Some(RateLimit {
                    limit: Some(100),
                    remaining: Some(99),
                    reset: Some(60),
                }),
                error: None,
            },
        ],
        redirects: vec![Redirect {
            status: 307,
            from: "http://127.0.0.1:8787/api/v1/data-actions".into(),
            to: "http://127.0.0.1:8787/api/v2/data-actions".into(),
        }],
        request: Exchange::new(
            [
                ("Authorization", "Bearer [redacted]"),
                ("Content-Type", "application/json"),
                ("X-Correlation-ID", "7f3c9a2e-5b1d-4e8f-9a6c-1d2e3f4a5b6c"),
            ]
            .into_iter()
            .collect(),
            json!({"name": "FetchExternalInventory", "type": "REST",
                   "configuration": {"method": "GET", "url": "https://inventory.example.com/items"}}),
        ),
        response: Exchange::new(
            [("Content-Type", "application/json")].into_iter().collect(),
            // A server that tried to clear the screen: the detail shows the text without it.
            json!({"id": "42", "note": "ok\u{1b}[2J\u{9b}31mdone"}),
        ),
        error: None,
        outcome: Outcome::Created,
        ..AuditRecord::new(Outcome::Created)
    };
    let rejected = AuditRecord {
        id: id("01KBDJ5Y1B0000000000000002"),
        ts: "2026-11-23T21:42:10.004Z".into(),
        correlation_id: "0b8d4c1a-2e3f-4a5b-8c7d-9e0f1a2b3c4d".into(),
        action_name: "PushOrders".into(),
        status: Some(422),
        outcome: Outcome::Rejected,
        error: Some("the API rejected the payload: configuration.url is required".into()),
        ..AuditRecord::new(Outcome::Rejected)
    };
    let cancelled = AuditRecord {
        id: id("01KBDJ4X0C0000000000000001"),
        ts: "2026-11-23T21:40:59.999Z".into(),
        correlation_id: "d4c3b2a1-0f9e-8d7c-6b5a-493827161504".into(),
        action_name: "SyncContacts".into(),
        outcome: Outcome::Cancelled,
        ..AuditRecord::new(Outcome::Cancelled)
    };
    vec![created, rejected, cancelled]
}

fn render(view: &HistoryView) -> String {
    let mut terminal = Terminal::new(TestBackend::new(120, 30)).expect("terminal");
    terminal
        .draw(|frame| draw_history(frame, frame.area(), view))
        .expect("draw");
    terminal.backend().to_string()
}

/// Ids and times are fixed here, but masked like every TUI snapshot so the files stay
/// stable if the fixtures come from a real log.
fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"\b[0-9A-HJKMNP-TV-Z]{26}\b", "[audit-id----------------]");
    settings.add_filter(
        r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}",
        "[time-------------]",
    );
    settings
}

fn loaded_view() -> HistoryView {
    let mut view = HistoryView::new();
    let _ = view.open();
    view.on_page(Ok(Page {
        records: fixed_records(),
        skipped: 1,
        next: None,
    }));
    view
}

#[test]
fn snapshot_history_list() {
    let mut view = loaded_view();
    let _ = view.handle_key(key(KeyCode::Down));
    settings().bind(|| insta::assert_snapshot!("history_list", render(&view)));
}

#[test]
fn snapshot_history_list_filtered() {
    let mut view = loaded_view();
    let _ = view.handle_key(key(KeyCode::Char('o')));
    let _ = view.handle_key(key(KeyCode::Char('/')));
    let _ = view.handle_key(key(KeyCode::Char('p')));
    settings().bind(|| insta::assert_snapshot!("history_list_filtered", render(&view)));
}

#[test]
fn snapshot_history_detail() {
    let mut view = loaded_view();
    let _ = view.handle_key(key(KeyCode::Enter));
    settings().bind(|| insta::assert_snapshot!("history_detail", render(&view)));
}

#[test]
fn snapshot_history_detail_scrolled_to_the_bodies() {
    let mut view = loaded_view();
    let _ = view.handle_key(key(KeyCode::Enter));
    let _ = render(&view);
    let _ = view.handle_key(key(KeyCode::End));
    settings().bind(|| insta::assert_snapshot!("history_detail_end", render(&view)));
}

#[test]
fn snapshot_a_new_record_on_top() {
    let mut view = loaded_view();
    let _ = view.handle_key(key(KeyCode::Down));
    view.on_new_record(AuditRecord {
        id: id("01KBDJ7A3D0000000000000004"),
        ts: "2026-11-23T21:44:00.000Z".into(),
        correlation_id: "new-one".into(),
        action_name: "JustSubmitted".into(),
        status: Some(201),
        ..AuditRecord::new(Outcome::Created)
    });
    let screen = render(&view);
    let rows: Vec<&str> = screen
        .lines()
        .filter(|l| l.contains("JustSubmitted") || l.contains("> "))
        .collect();
    assert!(rows[0].contains("JustSubmitted"), "{screen}");
    assert!(
        screen
            .lines()
            .any(|l| l.contains("> ") && l.contains("PushOrders")),
        "{screen}"
    );
}
