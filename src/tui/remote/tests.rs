//! Unit tests of the view's state: reads superseded and cancelled, the filter, opening.
//! The app's side (effects, the editor, the origin) is in `tests/it/tui_remote.rs`.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn action(id: &str, name: &str, kind: &str) -> RemoteAction {
    RemoteAction {
        id: id.into(),
        name: name.into(),
        kind: Some(kind.into()),
        version: Some(1),
        enabled: Some(true),
        ..RemoteAction::default()
    }
}

fn loaded(actions: Vec<RemoteAction>) -> RemoteView {
    let mut view = RemoteView::new(Api::CxoneV2);
    let RemoteRequest::Load(load) = view.open() else {
        panic!("the first open reads the list");
    };
    view.on_list(load, Ok(actions));
    view
}

fn names(view: &RemoteView) -> Vec<&str> {
    view.visible_actions().map(|a| a.name.as_str()).collect()
}

#[test]
fn open_reads_once_and_a_reload_supersedes_the_read_in_flight() {
    let mut view = RemoteView::new(Api::CxoneV2);
    let RemoteRequest::Load(first) = view.open() else {
        panic!("a read");
    };
    assert!(view.loading());
    assert_eq!(view.open(), RemoteRequest::None, "one read at a time");
    let RemoteRequest::Load(second) = view.handle_key(key(KeyCode::Char('r'))) else {
        panic!("r reloads");
    };
    assert_ne!(first, second);
    view.on_list(first, Ok(vec![action("old", "Old", "REST")]));
    assert_eq!(view.listed(), 0, "the superseded answer is dropped");
    view.on_list(second, Ok(vec![action("a", "A", "REST")]));
    assert_eq!(names(&view), ["A"]);
    assert!(!view.loading());
    assert_eq!(
        view.open(),
        RemoteRequest::None,
        "loaded: F4 shows it as is"
    );
}

#[test]
fn esc_cancels_a_read_then_closes_and_a_late_answer_is_dropped() {
    let mut view = RemoteView::new(Api::CxoneV2);
    let RemoteRequest::Load(load) = view.open() else {
        panic!("a read");
    };
    assert_eq!(
        view.handle_key(key(KeyCode::Esc)),
        RemoteRequest::Cancel {
            list: true,
            open: false
        }
    );
    assert_eq!(view.error(), Some("cancelled"));
    view.on_list(load, Err(ReadError::Cancelled));
    view.on_list(load, Ok(vec![action("a", "A", "REST")]));
    assert_eq!(view.listed(), 0);
    assert_eq!(view.handle_key(key(KeyCode::Esc)), RemoteRequest::Close);
    assert!(matches!(view.open(), RemoteRequest::Load(_)), "F4 retries");
}

#[test]
fn a_failure_is_kept_escaped() {
    let mut view = RemoteView::new(Api::GenesysCloud);
    let RemoteRequest::Load(load) = view.open() else {
        panic!("a read");
    };
    view.on_list(
        load,
        Err(ReadError::Refused {
            status: 403,
            reason: "no\u{1b}[2J".into(),
        }),
    );
    let error = view.error().unwrap_or_default();
    assert!(
        error.contains("403") && !error.contains('\u{1b}'),
        "{error}"
    );
}

#[test]
fn the_engine_starting_holds_the_read_until_it_is_built_or_fails() {
    let mut view = RemoteView::new(Api::CxoneV2);
    let RemoteRequest::Load(load) = view.open() else {
        panic!("a read");
    };
    view.wait_for_engine(load);
    assert!(view.loading());
    assert_eq!(view.engine_ready(), Some(load));
    assert_eq!(view.engine_ready(), None, "started once");

    let mut view = RemoteView::new(Api::CxoneV2);
    let RemoteRequest::Load(load) = view.open() else {
        panic!("a read");
    };
    view.wait_for_engine(load);
    view.engine_failed("no trust roots");
    assert!(view.error().is_some_and(|e| e.contains("no trust roots")));
}

#[test]
fn the_filter_matches_name_id_and_type_ignoring_case() {
    let mut view = loaded(vec![
        action("da-1", "Lookup Customer", "REST"),
        action("da-2", "Push Orders", "SOAP"),
    ]);
    let mut filter = |text: &str| {
        let _ = view.handle_key(key(KeyCode::Char('/')));
        for c in text.chars() {
            let _ = view.handle_key(key(KeyCode::Char(c)));
        }
        let _ = view.handle_key(key(KeyCode::Enter));
        let got: Vec<String> = names(&view).iter().map(|s| s.to_string()).collect();
        let _ = view.handle_key(key(KeyCode::Char('/')));
        let _ = view.handle_key(key(KeyCode::Esc));
        got
    };
    assert_eq!(filter("lookup"), ["Lookup Customer"]);
    assert_eq!(filter("DA-2"), ["Push Orders"]);
    assert_eq!(filter("soap"), ["Push Orders"]);
    assert!(filter("nothing").is_empty());
}

#[test]
fn letters_typed_into_the_filter_are_not_keys() {
    let mut view = loaded(vec![action("a", "A", "REST")]);
    let _ = view.handle_key(key(KeyCode::Char('/')));
    assert_eq!(
        view.handle_key(key(KeyCode::Char('r'))),
        RemoteRequest::None
    );
    assert!(!view.loading(), "r typed, not a reload");
    assert_eq!(view.text_filter(), "r");
}

#[test]
fn enter_asks_to_open_the_selected_action_once_at_a_time() {
    let mut view = loaded(vec![action("a", "A", "REST"), action("b", "B", "REST")]);
    let _ = view.handle_key(key(KeyCode::Down));
    let request = view.handle_key(key(KeyCode::Enter));
    assert_eq!(
        request,
        RemoteRequest::Open {
            id: "b".into(),
            name: "B".into()
        }
    );
    view.start_opening("b".into(), "B".into());
    assert_eq!(view.handle_key(key(KeyCode::Enter)), RemoteRequest::None);
    assert!(view.notice().is_some_and(|n| n.contains("already")));
    // An answer for another id is not this open's.
    let other = OpenedAction {
        id: "a".into(),
        name: "A".into(),
        version: Some(1),
        text: "{}".into(),
    };
    assert_eq!(view.on_opened("a", Ok(other)), None);
    assert!(view.opening());
    assert_eq!(
        view.on_opened("b", Err(ReadError::Failed("gone\u{7}".into()))),
        None
    );
    assert!(!view.opening());
    let notice = view.notice().unwrap_or_default();
    assert!(
        notice.contains("cannot open B") && !notice.contains('\u{7}'),
        "{notice}"
    );
}

#[test]
fn esc_while_opening_cancels_the_open_and_its_answer_is_dropped() {
    let mut view = loaded(vec![action("a", "A", "REST")]);
    view.start_opening("a".into(), "A".into());
    assert_eq!(
        view.handle_key(key(KeyCode::Esc)),
        RemoteRequest::Cancel {
            list: false,
            open: true
        }
    );
    let late = OpenedAction {
        id: "a".into(),
        name: "A".into(),
        version: Some(1),
        text: "{}".into(),
    };
    assert_eq!(view.on_opened("a", Ok(late)), None);
}

#[test]
fn a_reload_keeps_the_selected_action_selected() {
    let mut view = loaded(vec![action("a", "A", "REST"), action("b", "B", "REST")]);
    let _ = view.handle_key(key(KeyCode::Down));
    let RemoteRequest::Load(load) = view.handle_key(key(KeyCode::Char('r'))) else {
        panic!("a reload");
    };
    view.on_list(
        load,
        Ok(vec![
            action("c", "C", "REST"),
            action("a", "A", "REST"),
            action("b", "B", "REST"),
        ]),
    );
    assert_eq!(view.selected_action().map(|a| a.id.as_str()), Some("b"));
}

#[test]
fn opened_takes_id_name_and_version_from_the_answer_and_the_text_pull_writes() {
    let answer = serde_json::json!({"id": "da-9", "name": "N", "version": 4, "type": "REST",
        "createdAt": "2026"});
    let opened = opened(Api::CxoneV2, "da-9", &answer);
    assert_eq!((opened.id.as_str(), opened.version), ("da-9", Some(4)));
    assert_eq!(opened.name, "N");
    assert_eq!(opened.text, editable_payload(Api::CxoneV2, &answer));
}
