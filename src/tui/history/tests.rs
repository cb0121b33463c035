//! Unit tests of the view's state: paging, filters, new records, reopening, odd records.
//! Paging across real cursors is covered in `tests/it/tui_history.rs` (a `Cursor` can only
//! come from a real audit file).

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::{Value, json};

use super::*;
use crate::audit::{Exchange, Outcome};

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn record(name: &str, outcome: Outcome, status: Option<u16>) -> AuditRecord {
    AuditRecord {
        action_name: name.into(),
        correlation_id: format!("corr-{name}"),
        status,
        ts: "2026-11-23T21:43:01.123Z".into(),
        request: Exchange::new(Default::default(), json!({"name": name, "type": "REST"})),
        ..AuditRecord::new(outcome)
    }
}

/// A view holding `records` (newest first) as its last page.
fn loaded(records: Vec<AuditRecord>) -> HistoryView {
    let mut view = HistoryView::new();
    assert!(matches!(view.open(), HistoryAction::LoadPage(None)));
    view.on_page(Ok(Page {
        records,
        skipped: 0,
        next: None,
    }));
    view
}

fn names(view: &HistoryView) -> Vec<&str> {
    view.visible_records()
        .map(|r| r.action_name.as_str())
        .collect()
}

#[test]
fn open_asks_for_the_newest_page_once() {
    let mut view = HistoryView::new();
    assert!(matches!(view.open(), HistoryAction::LoadPage(None)));
    assert!(view.loading());
    // In flight: neither reopening nor keys ask again.
    assert!(matches!(view.open(), HistoryAction::None));
    assert!(matches!(
        view.handle_key(key(KeyCode::End)),
        HistoryAction::None
    ));
}

#[test]
fn the_end_of_history_asks_for_nothing_more() {
    let mut view = loaded(vec![record("a", Outcome::Created, Some(201))]);
    assert!(view.at_end());
    assert!(matches!(view.open(), HistoryAction::None));
    assert!(matches!(
        view.handle_key(key(KeyCode::Down)),
        HistoryAction::None
    ));
}

#[test]
fn a_failed_load_is_shown_escaped_and_retried_on_open() {
    let mut view = HistoryView::new();
    let _ = view.open();
    view.on_page(Err(AuditError::Read {
        path: "/x/\u{1b}[2Jaudit.jsonl".into(),
        source: Arc::new(std::io::Error::other("disk on fire")),
    }));
    let error = view.error().unwrap_or_default().to_string();
    assert!(
        error.contains("disk on fire") && !error.contains('\u{1b}'),
        "{error}"
    );
    assert!(!view.loading());
    assert!(matches!(
        view.handle_key(key(KeyCode::Down)),
        HistoryAction::None
    ));
    assert!(matches!(view.open(), HistoryAction::LoadPage(None)));
}

#[test]
fn skipped_lines_add_up_across_pages() {
    let mut view = HistoryView::new();
    view.on_page(Ok(Page {
        records: vec![],
        skipped: 2,
        next: None,
    }));
    view.on_page(Ok(Page {
        records: vec![],
        skipped: 1,
        next: None,
    }));
    assert_eq!(view.skipped(), 3);
}

#[test]
fn o_cycles_all_failed_created() {
    let mut view = loaded(vec![
        record("a", Outcome::Created, Some(201)),
        record("b", Outcome::Rejected, Some(400)),
        record("c", Outcome::Failed, None),
        record("d", Outcome::Cancelled, None),
    ]);
    assert_eq!(names(&view), ["a", "b", "c", "d"]);
    let _ = view.handle_key(key(KeyCode::Char('o')));
    assert_eq!(view.outcome_filter(), OutcomeFilter::Failed);
    assert_eq!(names(&view), ["b", "c", "d"]);
    let _ = view.handle_key(key(KeyCode::Char('o')));
    assert_eq!(names(&view), ["a"]);
    let _ = view.handle_key(key(KeyCode::Char('o')));
    assert_eq!(view.outcome_filter(), OutcomeFilter::All);
    assert_eq!(names(&view).len(), 4);
}

#[test]
fn text_filter_matches_name_correlation_status_and_id_ignoring_case() {
    let mut a = record("FetchInventory", Outcome::Created, Some(201));
    a.correlation_id = "ABC-123".into();
    let b = record("PushOrders", Outcome::Rejected, Some(422));
    let b_id = b.id.to_string();
    let mut view = loaded(vec![a, b]);
    let filter = |view: &mut HistoryView, text: &str| {
        let _ = view.handle_key(key(KeyCode::Char('/')));
        for c in text.chars() {
            let _ = view.handle_key(key(KeyCode::Char(c)));
        }
        let _ = view.handle_key(key(KeyCode::Enter));
        let got: Vec<String> = names(view).iter().map(|s| s.to_string()).collect();
        // Esc while typing clears the filter for the next round.
        let _ = view.handle_key(key(KeyCode::Char('/')));
        let _ = view.handle_key(key(KeyCode::Esc));
        got
    };
    assert_eq!(filter(&mut view, "fetchinv"), ["FetchInventory"]);
    assert_eq!(filter(&mut view, "abc-1"), ["FetchInventory"]);
    assert_eq!(filter(&mut view, "422"), ["PushOrders"]);
    assert_eq!(filter(&mut view, &b_id.to_lowercase()), ["PushOrders"]);
    assert!(filter(&mut view, "nothing").is_empty());
    assert_eq!(names(&view).len(), 2);
}

#[test]
fn typing_letters_go_to_the_filter_not_to_the_keys() {
    let mut view = loaded(vec![record("a", Outcome::Created, Some(201))]);
    let _ = view.handle_key(key(KeyCode::Char('/')));
    assert!(view.typing());
    assert!(matches!(
        view.handle_key(key(KeyCode::Char('r'))),
        HistoryAction::None
    ));
    assert!(matches!(
        view.handle_key(key(KeyCode::Char('o'))),
        HistoryAction::None
    ));
    assert_eq!(view.text_filter(), "ro");
    assert_eq!(view.outcome_filter(), OutcomeFilter::All);
    let _ = view.handle_key(key(KeyCode::Backspace));
    assert_eq!(view.text_filter(), "r");
    let _ = view.handle_key(key(KeyCode::Enter));
    assert!(!view.typing());
    assert_eq!(view.text_filter(), "r");
}

#[test]
fn esc_closes_the_detail_first_then_the_view() {
    let mut view = loaded(vec![record("a", Outcome::Created, Some(201))]);
    let _ = view.handle_key(key(KeyCode::Enter));
    assert!(view.detail_open());
    assert!(matches!(
        view.handle_key(key(KeyCode::Esc)),
        HistoryAction::None
    ));
    assert!(!view.detail_open());
    assert!(matches!(
        view.handle_key(key(KeyCode::Esc)),
        HistoryAction::Close
    ));
}

#[test]
fn a_new_record_goes_on_top_and_the_selection_stays_on_its_record() {
    let mut view = loaded(vec![
        record("a", Outcome::Created, Some(201)),
        record("b", Outcome::Created, Some(201)),
    ]);
    let _ = view.handle_key(key(KeyCode::Down));
    assert_eq!(
        view.selected_record().map(|r| r.action_name.as_str()),
        Some("b")
    );
    view.on_new_record(record("new", Outcome::Created, Some(201)));
    assert_eq!(names(&view), ["new", "a", "b"]);
    assert_eq!(
        view.selected_record().map(|r| r.action_name.as_str()),
        Some("b")
    );
}

#[test]
fn a_new_record_hidden_by_the_filter_leaves_the_selection_alone() {
    let mut view = loaded(vec![
        record("a", Outcome::Failed, None),
        record("b", Outcome::Failed, None),
    ]);
    let _ = view.handle_key(key(KeyCode::Char('o')));
    let _ = view.handle_key(key(KeyCode::Down));
    view.on_new_record(record("ok", Outcome::Created, Some(201)));
    assert_eq!(names(&view), ["a", "b"]);
    assert_eq!(
        view.selected_record().map(|r| r.action_name.as_str()),
        Some("b")
    );
    assert_eq!(view.loaded(), 3);
}

#[test]
fn a_record_seen_twice_shows_once() {
    let first = record("a", Outcome::Created, Some(201));
    let mut view = HistoryView::new();
    let _ = view.open();
    // It finished while the first page was being read, so the page holds it too.
    view.on_new_record(first.clone());
    view.on_page(Ok(Page {
        records: vec![first.clone(), record("older", Outcome::Created, Some(201))],
        skipped: 0,
        next: None,
    }));
    view.on_new_record(first);
    assert_eq!(names(&view), ["a", "older"]);
}

#[test]
fn r_reopens_the_request_body_as_pretty_json() {
    let mut view = loaded(vec![record("a", Outcome::Created, Some(201))]);
    let HistoryAction::Reopen(text) = view.handle_key(key(KeyCode::Char('r'))) else {
        panic!("r reopens");
    };
    assert_eq!(text, "{\n  \"name\": \"a\",\n  \"type\": \"REST\"\n}");
    // From the detail too.
    let _ = view.handle_key(key(KeyCode::Enter));
    assert!(matches!(
        view.handle_key(key(KeyCode::Char('r'))),
        HistoryAction::Reopen(_)
    ));
}

#[test]
fn reopen_of_a_json_string_body_pretty_prints_it_and_strips_controls_from_text() {
    let mut json_text = record("a", Outcome::Created, Some(201));
    json_text.request.body = Value::String(r#"{"a":1}"#.into());
    assert_eq!(
        payload_text(&json_text).as_deref(),
        Some("{\n  \"a\": 1\n}")
    );
    let mut text = record("b", Outcome::Created, Some(201));
    text.request.body = Value::String("not json\u{1b}[2J here".into());
    assert_eq!(payload_text(&text).as_deref(), Some("not json here"));
}

#[test]
fn reopen_without_a_body_does_nothing_and_says_so() {
    let mut r = record("a", Outcome::Failed, None);
    r.request.body = Value::Null;
    let mut view = loaded(vec![r]);
    assert!(matches!(
        view.handle_key(key(KeyCode::Char('r'))),
        HistoryAction::None
    ));
    assert!(view.notice.is_some());
    let mut empty = HistoryView::new();
    assert!(matches!(
        empty.handle_key(key(KeyCode::Char('r'))),
        HistoryAction::None
    ));
}

#[test]
fn ctrl_chords_are_not_history_keys() {
    let mut view = loaded(vec![record("a", Outcome::Created, Some(201))]);
    let ctrl_r = KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL);
    assert!(matches!(view.handle_key(ctrl_r), HistoryAction::None));
}

#[test]
fn moving_stays_within_the_rows() {
    let mut view = loaded(
        (0..30)
            .map(|i| record(&format!("r{i}"), Outcome::Created, Some(201)))
            .collect(),
    );
    let _ = view.handle_key(key(KeyCode::Up));
    assert_eq!(view.selected, 0);
    let _ = view.handle_key(key(KeyCode::PageDown));
    assert_eq!(view.selected, DEFAULT_VIEWPORT);
    let _ = view.handle_key(key(KeyCode::End));
    assert_eq!(view.selected, 29);
    let _ = view.handle_key(key(KeyCode::Down));
    assert_eq!(view.selected, 29);
    assert!(view.top <= 29 && 29 < view.top + DEFAULT_VIEWPORT);
    let _ = view.handle_key(key(KeyCode::Home));
    assert_eq!((view.selected, view.top), (0, 0));
}

#[test]
fn odd_records_build_a_detail_without_panicking() {
    let mut bare = AuditRecord::new(Outcome::Failed);
    bare.ts = "garbage\u{1b}[2J".into();
    bare.error = Some("boom\u{7}".into());
    let mut huge = record("huge", Outcome::Created, Some(201));
    huge.request.body = Value::String("x".repeat(MAX_HUGE));
    huge.request.truncated = true;
    huge.response.body = Value::String("line\u{1b}]0;owned\u{7}\n\tindented\r\n".repeat(1000));
    let mut control = record("ctl\u{1b}[31m", Outcome::Created, Some(201));
    control.request.headers.push("X-\u{1b}Evil", "v\u{9b}2J");
    for r in [bare, huge, control] {
        let lines = detail::build(&r);
        for line in &lines {
            for span in &line.spans {
                assert!(
                    !span.content.chars().any(|c| c.is_control()),
                    "control character drawn: {:?}",
                    span.content
                );
            }
        }
        let mut view = loaded(vec![r]);
        let _ = view.handle_key(key(KeyCode::Enter));
        let _ = view.handle_key(key(KeyCode::End));
        let _ = view.handle_key(key(KeyCode::PageDown));
        let _ = view.handle_key(key(KeyCode::Char('r')));
    }
}

/// A stored body as large as the writer keeps.
const MAX_HUGE: usize = crate::audit::MAX_BODY_BYTES;

#[test]
fn a_huge_single_line_body_is_cut_into_bounded_lines() {
    let mut huge = record("huge", Outcome::Created, Some(201));
    huge.response.body = Value::String("y".repeat(MAX_HUGE));
    let lines = detail::build(&huge);
    assert!(lines.iter().all(|l| l.width() <= 600));
    assert!(lines.len() > MAX_HUGE / 600);
}

#[test]
fn key_help_names_every_history_key() {
    let keys: Vec<&str> = key_help().iter().map(|(k, _)| *k).collect();
    for wanted in ["Enter", "/", "o", "r", "Esc"] {
        assert!(keys.contains(&wanted), "{wanted} missing from {keys:?}");
    }
}

#[test]
fn the_wheel_moves_the_selection_and_scrolls_an_open_detail() {
    let records = (0..10)
        .map(|i| record(&format!("A{i}"), Outcome::Created, Some(201)))
        .collect();
    let mut view = loaded(records);
    assert!(matches!(view.wheel(3), HistoryAction::None));
    assert_eq!(
        view.selected_record().map(|r| r.action_name.as_str()),
        Some("A3")
    );
    view.wheel(100);
    assert_eq!(
        view.selected_record().map(|r| r.action_name.as_str()),
        Some("A9")
    );
    view.wheel(-3);
    assert_eq!(
        view.selected_record().map(|r| r.action_name.as_str()),
        Some("A6")
    );
    view.handle_key(key(KeyCode::Enter));
    let lines = view
        .detail
        .as_ref()
        .map(|d| d.lines.len())
        .unwrap_or_default();
    view.viewport.set(2);
    view.wheel(3);
    assert_eq!(
        view.detail.as_ref().map(|d| d.scroll),
        Some(3.min(lines - 2))
    );
    view.wheel(-3);
    assert_eq!(view.detail.as_ref().map(|d| d.scroll), Some(0));
    // The selection did not move under the detail.
    assert_eq!(
        view.selected_record().map(|r| r.action_name.as_str()),
        Some("A6")
    );
}
