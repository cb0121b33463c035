//! The Remote view (F4) driven through `App::update` with scripted messages: the list read
//! asked for (held while the engine starts), its answer, the filter, `Enter` asking for the
//! read of one action, the action landing in the editor with its origin remembered, the
//! confirmation before unsaved changes are replaced, cancelling; and snapshots of the view
//! (a filtered list, a narrow screen, an error) on a `TestBackend`. No network: the reads
//! against a real sandbox are in `tui_remote_sandbox.rs`.

use std::time::Instant;

use crossterm::event::KeyCode;
use cxda::engine::remote::{ReadError, RemoteAction};
use cxda::payload::TEMPLATES;
use cxda::tui::app::{App, Overlay, PromptKind};
use cxda::tui::message::{Effect, Message};
use cxda::tui::remote::{LoadId, OpenedAction, RemoteOrigin};
use cxda::tui::testing::{self, ctrl, key, type_text};

fn template() -> &'static str {
    TEMPLATES[0].1
}

/// The editor's text on the template (the editor keeps no final newline).
fn template_text() -> String {
    template().trim_end_matches('\n').to_string()
}

fn ready_app() -> App {
    testing::ready_app(template(), None)
}

/// The one list read `effects` ask for.
fn list_read(effects: &[Effect]) -> LoadId {
    let loads: Vec<LoadId> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::ListRemote(load) => Some(*load),
            _ => None,
        })
        .collect();
    assert_eq!(loads.len(), 1, "one list read expected in {effects:?}");
    loads[0]
}

/// The id of the one action read `effects` ask for.
fn open_read(effects: &[Effect]) -> String {
    match effects {
        [Effect::OpenRemote { id }] => id.clone(),
        other => panic!("one open expected, got {other:?}"),
    }
}

fn cxone(id: &str, name: &str, kind: &str, version: u64, enabled: bool) -> RemoteAction {
    RemoteAction {
        id: id.into(),
        name: name.into(),
        kind: Some(kind.into()),
        version: Some(version),
        enabled: Some(enabled),
        ..RemoteAction::default()
    }
}

fn listing() -> Vec<RemoteAction> {
    vec![
        cxone("da_01J9Z3", "Lookup Customer", "REST", 3, true),
        cxone("da_01J9Z4", "Push Orders", "REST", 1, false),
        // Server text with an escape sequence: drawn escaped, never interpreted.
        cxone("da_01J9Z5", "Evil\u{1b}[2J name", "SOAP", 2, true),
        cxone("da_01J9Z6", "Lookup Invoice", "REST", 12, true),
        cxone("da_01J9Z7", "Refund", "REST", 1, true),
    ]
}

/// F4 on `app`, its list answered with `actions`.
fn opened_on(app: &mut App, actions: Vec<RemoteAction>) {
    let load = list_read(&app.update(key(KeyCode::F(4))));
    assert!(app.remote_view().loading());
    let effects = app.update(Message::RemoteList {
        load,
        result: Ok(actions),
    });
    assert!(effects.is_empty(), "{effects:?}");
}

fn the_action(id: &str, version: u64) -> OpenedAction {
    OpenedAction {
        id: id.into(),
        name: "Push Orders".into(),
        version: Some(version),
        text: format!(
            "{{\n  \"name\": \"Push Orders\",\n  \"type\": \"REST\",\n  \"id\": \"{id}\",\n  \"version\": {version}\n}}\n"
        ),
    }
}

fn names(app: &App) -> Vec<String> {
    app.remote_view()
        .visible_actions()
        .map(|a| a.name.clone())
        .collect()
}

#[test]
fn f4_reads_the_list_and_enter_opens_the_selected_action_into_the_editor() {
    let mut app = ready_app();
    opened_on(&mut app, listing());
    assert!(app.remote_is_open());
    assert_eq!(app.remote_view().listed(), 5);

    type_text(&mut app, "/push\n");
    assert_eq!(names(&app), ["Push Orders"]);
    let id = open_read(&app.update(key(KeyCode::Enter)));
    assert_eq!(id, "da_01J9Z4");
    assert!(app.remote_view().opening());

    let opened = the_action(&id, 1);
    let effects = app.update(Message::RemoteOpened {
        id: id.clone(),
        result: Ok(opened.clone()),
    });
    assert!(effects.is_empty(), "a small text is checked inline");
    assert_eq!(app.text(), opened.text);
    assert!(!app.remote_is_open(), "the view closes on the editor");
    assert_eq!(
        app.remote_origin(),
        Some(&RemoteOrigin {
            id: id.clone(),
            version: Some(1),
            name: "Push Orders".into()
        })
    );
    assert_eq!(
        app.status(),
        "opened Push Orders (id da_01J9Z4, version 1) from the server"
    );
}

#[test]
fn the_text_opened_is_no_file_and_ctrl_s_offers_a_name_after_the_action() {
    let mut app = ready_app();
    opened_on(&mut app, listing());
    app.update(key(KeyCode::Down));
    let id = open_read(&app.update(key(KeyCode::Enter)));
    app.update(Message::RemoteOpened {
        id: id.clone(),
        result: Ok(the_action(&id, 1)),
    });
    assert!(app.update(ctrl('s')).is_empty());
    assert_eq!(
        app.overlay(),
        Some(&Overlay::Prompt {
            kind: PromptKind::SavePath,
            input: "push-orders.json".into()
        })
    );
}

#[test]
fn f4_again_and_esc_close_the_view_and_reopening_shows_the_list_without_reading_again() {
    let mut app = ready_app();
    opened_on(&mut app, listing());
    assert!(app.update(key(KeyCode::F(4))).is_empty());
    assert!(!app.remote_is_open());
    assert!(
        app.update(key(KeyCode::F(4))).is_empty(),
        "loaded: no new read"
    );
    assert!(app.remote_is_open());
    assert!(app.update(key(KeyCode::Esc)).is_empty());
    assert!(!app.remote_is_open());
    // `r` reads it again.
    app.update(key(KeyCode::F(4)));
    list_read(&app.update(key(KeyCode::Char('r'))));
}

#[test]
fn keys_in_the_view_never_reach_the_editor() {
    let mut app = ready_app();
    opened_on(&mut app, listing());
    type_text(&mut app, "xyz");
    app.update(Message::Input(crossterm::event::Event::Paste(
        "pasted".into(),
    )));
    assert_eq!(app.text(), template_text());
}

#[test]
fn f4_while_the_engine_starts_reads_once_it_is_ready() {
    let mut app = testing::app_with_profile(template(), &testing::sandbox_profile());
    assert!(app.update(key(KeyCode::F(4))).is_empty());
    assert!(app.remote_view().loading());
    let text = testing::render(&app, 120, 30, Instant::now());
    assert!(text.contains("waiting for the engine"), "{text}");
    list_read(&testing::make_ready(&mut app));
}

#[test]
fn an_engine_that_failed_shows_why_in_the_view() {
    let mut app = testing::app(template());
    app.update(key(KeyCode::F(4)));
    app.update(Message::EngineReady(Err("no trust roots".into())));
    let error = app.remote_view().error().unwrap_or_default();
    assert!(error.contains("no trust roots"), "{error}");
    // F4 again (closed then opened) tries again, and fails again without a read.
    app.update(key(KeyCode::F(4)));
    assert!(app.update(key(KeyCode::F(4))).is_empty());
    assert!(app.remote_view().error().is_some());
}

#[test]
fn esc_while_loading_cancels_and_the_late_answer_is_dropped() {
    let mut app = ready_app();
    let load = list_read(&app.update(key(KeyCode::F(4))));
    let effects = app.update(key(KeyCode::Esc));
    assert!(matches!(effects.as_slice(), [Effect::CancelRemoteList]));
    assert!(
        app.remote_is_open(),
        "the first Esc cancels, the view stays"
    );
    app.update(Message::RemoteList {
        load,
        result: Err(ReadError::Cancelled),
    });
    let text = testing::render(&app, 120, 30, Instant::now());
    assert!(text.contains("list cancelled (r reloads)"), "{text}");
}

#[test]
fn unsaved_changes_are_replaced_only_after_a_yes() {
    let mut app = ready_app();
    app.update(key(KeyCode::End));
    type_text(&mut app, " ");
    let edited = app.text();
    opened_on(&mut app, listing());
    assert!(app.update(key(KeyCode::Enter)).is_empty());
    assert!(matches!(
        app.overlay(),
        Some(Overlay::ReplaceEditor { name, .. }) if name == "Lookup Customer"
    ));
    // No: nothing is read, the text stays.
    assert!(app.update(key(KeyCode::Char('n'))).is_empty());
    assert!(app.status().starts_with("not opened"), "{}", app.status());
    assert_eq!(app.text(), edited);
    // Yes: the read is asked for.
    app.update(key(KeyCode::Enter));
    let id = open_read(&app.update(key(KeyCode::Char('y'))));
    assert_eq!(id, "da_01J9Z3");
}

#[test]
fn a_saved_text_is_replaced_without_asking() {
    let mut app = ready_app();
    app.update(key(KeyCode::End));
    type_text(&mut app, " ");
    app.update(ctrl('s'));
    let effects = type_text(&mut app, "a.json\n");
    assert!(matches!(effects.as_slice(), [Effect::Save { .. }]));
    app.update(Message::Saved(Ok("a.json".into())));
    opened_on(&mut app, listing());
    open_read(&app.update(key(KeyCode::Enter)));
    assert!(app.overlay().is_none());
}

#[test]
fn closing_the_view_while_an_action_is_read_cancels_the_open() {
    let mut app = ready_app();
    opened_on(&mut app, listing());
    let id = open_read(&app.update(key(KeyCode::Enter)));
    let effects = app.update(key(KeyCode::F(4)));
    assert!(matches!(effects.as_slice(), [Effect::CancelRemoteOpen]));
    assert!(!app.remote_is_open());
    // Typing goes on in the editor; the answer, come anyway, replaces nothing.
    type_text(&mut app, "x");
    let typed = app.text();
    app.update(Message::RemoteOpened {
        id: id.clone(),
        result: Ok(the_action(&id, 1)),
    });
    assert_eq!(app.text(), typed);
    assert!(app.remote_origin().is_none());
}

#[test]
fn a_failed_open_stays_in_the_view_escaped_and_the_editor_is_untouched() {
    let mut app = ready_app();
    opened_on(&mut app, listing());
    let id = open_read(&app.update(key(KeyCode::Enter)));
    app.update(Message::RemoteOpened {
        id,
        result: Err(ReadError::Refused {
            status: 404,
            reason: "gone\u{1b}]0;pwned\u{7}".into(),
        }),
    });
    assert!(app.remote_is_open());
    assert_eq!(app.text(), template_text());
    assert!(app.remote_origin().is_none());
    let notice = app.remote_view().notice().unwrap_or_default();
    assert!(
        notice.contains("404") && !notice.contains('\u{1b}'),
        "{notice}"
    );
}

#[test]
fn a_reopened_past_payload_is_no_longer_the_server_action() {
    let mut app = ready_app();
    opened_on(&mut app, listing());
    let id = open_read(&app.update(key(KeyCode::Enter)));
    app.update(Message::RemoteOpened {
        id: id.clone(),
        result: Ok(the_action(&id, 3)),
    });
    assert!(app.remote_origin().is_some());
    // F2, a page with one record, `r` reopens its body.
    app.update(key(KeyCode::F(2)));
    let record = cxda::audit::AuditRecord {
        request: cxda::audit::Exchange::new(
            Default::default(),
            serde_json::json!({"name": "Past", "type": "REST"}),
        ),
        ..cxda::audit::AuditRecord::new(cxda::audit::Outcome::Created)
    };
    app.update(Message::HistoryPage(Ok(cxda::audit::Page {
        records: vec![record],
        skipped: 0,
        next: None,
    })));
    app.update(key(KeyCode::Char('r')));
    assert!(app.text().contains("Past"));
    assert!(app.remote_origin().is_none());
}

// Snapshots.

fn assert_screen(name: &str, text: &str) {
    insta::with_settings!({
        filters => vec![(r"\d+m\d{2}s", "[TIME]")],
    }, {
        insta::assert_snapshot!(name, text);
    });
}

#[test]
fn snapshot_a_filtered_list() {
    let mut app = ready_app();
    opened_on(&mut app, listing());
    type_text(&mut app, "/lookup\n");
    let text = testing::render(&app, 120, 30, Instant::now());
    assert!(text.contains("2 of 5 actions match"), "{text}");
    assert_screen("remote_list_filtered", &text);
}

#[test]
fn snapshot_escaped_server_text() {
    let mut app = ready_app();
    opened_on(&mut app, listing());
    let text = testing::render(&app, 120, 30, Instant::now());
    assert!(text.contains("Evil\\u{1b}[2J name"), "{text}");
    assert!(!text.contains('\u{1b}'));
    assert_screen("remote_list", &text);
}

fn genesys_app() -> App {
    let mut app = testing::app_with_profile(
        cxda::payload::templates_for(cxda::config::Api::GenesysCloud)
            .first()
            .map(|(_, t)| *t)
            .unwrap_or("{}"),
        &testing::sandbox_genesys_profile(),
    );
    testing::make_ready(&mut app);
    app
}

#[test]
fn snapshot_a_narrow_genesys_list_shortens_its_ids() {
    let mut app = genesys_app();
    let actions = (1..=3)
        .map(|i| RemoteAction {
            id: format!("5a7c2e10-0000-4000-8000-00000000a1{i:02}"),
            name: format!("Genesys lookup number {i}"),
            category: Some("CRM".into()),
            version: Some(i),
            secure: Some(i == 2),
            ..RemoteAction::default()
        })
        .collect();
    opened_on(&mut app, actions);
    let text = testing::render(&app, 80, 20, Instant::now());
    assert!(
        text.contains("Category") && text.contains("Secure"),
        "{text}"
    );
    assert!(text.contains('…'), "{text}");
    assert_screen("remote_list_narrow_genesys", &text);
}

#[test]
fn snapshot_an_error() {
    let mut app = genesys_app();
    let load = list_read(&app.update(key(KeyCode::F(4))));
    app.update(Message::RemoteList {
        load,
        result: Err(ReadError::Refused {
            status: 403,
            reason: "missing permission integrations:action:view\u{1b}[31m".into(),
        }),
    });
    let text = testing::render(&app, 120, 20, Instant::now());
    assert!(text.contains("cannot list"), "{text}");
    assert!(text.contains("403"), "{text}");
    assert_screen("remote_error", &text);
}
