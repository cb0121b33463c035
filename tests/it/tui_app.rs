//! `App::update` driven with scripted messages: what each key does to the state and which
//! effects it asks for. No terminal, no network.

use crossterm::event::KeyCode;
use cxda::payload::{TEMPLATES, check_text};
use cxda::tui::app::{INLINE_CHECK_BYTES, Overlay, Pane, PromptKind};
use cxda::tui::message::{Effect, Message};
use cxda::tui::testing::{self, ctrl, key, shift_tab, type_text};

fn template() -> &'static str {
    TEMPLATES[0].1
}

/// Valid JSON just over the inline-check limit: `{"description": "ccc…"}`.
fn large_text(fill: char) -> String {
    format!(
        "{{\"description\": \"{}\"}}",
        fill.to_string().repeat(INLINE_CHECK_BYTES)
    )
}

/// Pastes a large text; the revision of the check it starts off the loop.
fn paste_large_text(app: &mut cxda::tui::app::App) -> u64 {
    let effects = app.update(Message::Input(crossterm::event::Event::Paste(large_text(
        'a',
    ))));
    let Some(Effect::CheckLarge { revision, .. }) = effects.into_iter().next() else {
        panic!("a large text must be checked off the loop");
    };
    revision
}

/// In the Headers pane: selects the header `name` (any case) and removes it with `d`.
fn remove_header(app: &mut cxda::tui::app::App, name: &str) {
    let row = app
        .preview()
        .and_then(|p| {
            p.headers
                .iter()
                .position(|(n, _)| n.eq_ignore_ascii_case(name))
        })
        .expect("listed");
    for _ in 0..row {
        app.update(key(KeyCode::Down));
    }
    app.update(key(KeyCode::Char('d')));
}

/// The app on `text`, told its engine (kept by the loop, never by the app) is ready.
fn ready_app(text: &str) -> cxda::tui::app::App {
    testing::ready_app(text, None)
}

/// The extra headers an effect tells the engine to send, by name and value.
fn headers_sent(effects: &[Effect]) -> Option<Vec<(String, String)>> {
    effects.iter().find_map(|e| match e {
        Effect::SetHeaders(headers) => Some(
            headers
                .iter()
                .map(|h| (h.name.clone(), h.value.clone()))
                .collect(),
        ),
        _ => None,
    })
}

#[test]
fn typing_never_returns_an_io_effect() {
    let mut app = testing::app(template());
    let mut effects = type_text(&mut app, "\"x\": 1,\n  abc");
    effects.extend(app.update(key(KeyCode::Backspace)));
    effects.extend(app.update(key(KeyCode::Left)));
    effects.extend(app.update(ctrl('z')));
    assert!(effects.is_empty(), "typing asked for {effects:?}");
}

#[test]
fn checks_follow_the_text_as_it_is_typed() {
    let mut app = testing::app(template());
    assert!(!app.diagnostics().iter().any(|d| d.is_error()));
    type_text(&mut app, "x");
    assert!(app.diagnostics().iter().any(|d| d.is_error()));
}

#[test]
fn a_large_text_is_checked_off_the_loop_one_check_at_a_time() {
    let mut app = testing::app("{}");
    let revision = paste_large_text(&mut app);
    let messages = |app: &cxda::tui::app::App| -> Vec<String> {
        app.diagnostics()
            .iter()
            .map(|d| d.message.clone())
            .collect()
    };
    let shown = messages(&app);
    // Typing while that check runs starts no second one.
    let typed = type_text(&mut app, " x");
    assert!(typed.is_empty(), "a second check was started: {typed:?}");
    // The old revision's result must not show; the text as it is now is checked next.
    let effects = app.update(Message::ChecksDone {
        revision,
        report: check_text("not json"),
    });
    assert_eq!(messages(&app), shown, "a stale result was applied");
    let Some(Effect::CheckLarge {
        revision: latest,
        text,
        ..
    }) = effects.into_iter().next()
    else {
        panic!("the edits made meanwhile were never checked");
    };
    assert_eq!(latest, revision + 2);
    assert!(text.contains("\"} x{}"), "{}", &text[text.len() - 10..]);
    // The current revision's result does show: the `x` is a syntax error of its own.
    let after = app.update(Message::ChecksDone {
        revision: latest,
        report: check_text(&text),
    });
    assert!(after.is_empty(), "{after:?}");
    assert!(app.diagnostics().iter().any(|d| d.is_error()));
    assert_ne!(messages(&app), shown);
}

#[test]
fn choosing_a_problem_moves_the_editor_cursor_to_it() {
    let mut app = testing::app("{\n  \"name\": x\n}");
    let first = app.diagnostics().first().cloned().expect("a syntax error");
    app.update(key(KeyCode::Tab));
    assert_eq!(app.focus(), Pane::Checks);
    app.update(key(KeyCode::Enter));
    assert_eq!(app.focus(), Pane::Editor);
    assert_eq!(app.cursor(), (first.line - 1, first.column - 1));
}

#[test]
fn tab_and_shift_tab_cycle_the_panes() {
    let mut app = testing::app(template());
    app.update(key(KeyCode::Tab));
    assert_eq!(app.focus(), Pane::Checks);
    app.update(shift_tab());
    app.update(shift_tab());
    assert_eq!(app.focus(), Pane::Sandbox);
}

#[test]
fn f5_on_a_confirm_profile_asks_first_then_submits_on_y() {
    let mut profile = testing::sandbox_profile();
    profile.confirm_submit = true;
    let mut app = testing::app_with_profile(template(), &profile);
    testing::make_ready(&mut app);
    assert!(app.update(key(KeyCode::F(5))).is_empty());
    assert!(matches!(app.overlay(), Some(Overlay::Confirm { .. })));
    let effects = app.update(key(KeyCode::Char('y')));
    assert!(matches!(effects.as_slice(), [Effect::Submit { id: 1, .. }]));
    assert!(app.overlay().is_none());
}

#[test]
fn f5_before_the_engine_is_ready_says_so_and_sends_nothing() {
    let mut app = testing::app(template());
    assert!(app.update(key(KeyCode::F(5))).is_empty());
    assert!(app.status().contains("starting"));
}

#[test]
fn esc_closes_the_top_overlay_first() {
    let mut app = testing::app(template());
    app.update(key(KeyCode::F(1)));
    assert_eq!(app.overlay(), Some(&Overlay::Help));
    let effects = app.update(key(KeyCode::Esc));
    assert!(effects.is_empty());
    assert!(app.overlay().is_none());
}

#[test]
fn ctrl_q_quits_from_an_overlay() {
    let mut app = testing::app(template());
    app.update(ctrl('s'));
    assert!(matches!(
        app.overlay(),
        Some(Overlay::Prompt {
            kind: PromptKind::SavePath,
            ..
        })
    ));
    let effects = app.update(ctrl('q'));
    assert!(matches!(effects.as_slice(), [Effect::Quit]));
    assert!(app.should_quit());
}

#[test]
fn save_without_a_file_asks_for_a_path_then_saves_there() {
    let mut app = testing::app(template());
    app.update(ctrl('s'));
    type_text(&mut app, "out.json");
    let effects = app.update(key(KeyCode::Enter));
    match effects.as_slice() {
        [Effect::Save { path, text }] => {
            assert_eq!(path.to_str(), Some("out.json"));
            assert_eq!(text, &app.text());
        }
        other => panic!("expected a save, got {other:?}"),
    }
}

#[test]
fn an_added_header_is_shown_at_once_and_handed_to_the_engine() {
    let mut app = ready_app(template());
    app.update(key(KeyCode::Tab));
    app.update(key(KeyCode::Tab));
    assert_eq!(app.focus(), Pane::Headers);
    app.update(key(KeyCode::Char('a')));
    type_text(&mut app, "X-Trace: abc");
    let effects = app.update(key(KeyCode::Enter));
    assert_eq!(
        headers_sent(&effects),
        Some(vec![("X-Trace".to_string(), "abc".to_string())])
    );
    let shown = |app: &cxda::tui::app::App| {
        app.preview()
            .and_then(|p| p.headers.get("X-Trace").map(str::to_string))
    };
    assert_eq!(shown(&app).as_deref(), Some("abc"));
    // `d` on the selected custom header removes it again, from the screen and the engine.
    let row = app
        .preview()
        .and_then(|p| p.headers.iter().position(|(n, _)| n == "X-Trace"))
        .expect("listed");
    for _ in 0..row {
        app.update(key(KeyCode::Down));
    }
    let effects = app.update(key(KeyCode::Char('d')));
    assert_eq!(headers_sent(&effects), Some(vec![]), "{}", app.status());
    assert_eq!(shown(&app), None);
}

#[test]
fn a_header_added_while_the_engine_is_built_reaches_it_when_it_is_ready() {
    let mut app = testing::app_with_profile(template(), &testing::sandbox_profile());
    app.update(key(KeyCode::Tab));
    app.update(key(KeyCode::Tab));
    app.update(key(KeyCode::Char('a')));
    type_text(&mut app, "X-Trace: early");
    let effects = app.update(key(KeyCode::Enter));
    assert_eq!(headers_sent(&effects), None, "no engine to tell yet");
    assert_eq!(
        headers_sent(&testing::make_ready(&mut app)),
        Some(vec![("X-Trace".to_string(), "early".to_string())])
    );
}

#[test]
fn a_header_cxda_sets_itself_or_a_value_with_a_line_break_is_refused() {
    let mut app = ready_app(template());
    app.update(key(KeyCode::Tab));
    app.update(key(KeyCode::Tab));
    let headers = |app: &cxda::tui::app::App| app.extra_headers().len();
    for input in ["Authorization: Bearer mine", "host: evil.example"] {
        app.update(key(KeyCode::Char('a')));
        type_text(&mut app, input);
        app.update(key(KeyCode::Enter));
        assert!(
            app.status().contains("cxda sets this header itself"),
            "{}",
            app.status()
        );
        assert_eq!(headers(&app), 0, "{input} was added");
    }
    app.update(key(KeyCode::Char('a')));
    app.update(Message::Input(crossterm::event::Event::Paste(
        "X-Trace: a\u{1b}[2Jb".into(),
    )));
    app.update(key(KeyCode::Enter));
    assert!(
        app.status().contains("control character"),
        "{}",
        app.status()
    );
    assert!(!app.status().contains('\u{1b}'));
    assert_eq!(headers(&app), 0);
}

#[test]
fn f5_waits_for_the_checks_of_a_large_text() {
    let big = format!(
        "{{\"name\": \"Big\", \"type\": \"REST\", \"configuration\": {{\"url\": \"https://example.com/x\", \"method\": \"POST\", \"body\": [\"{}\"]}}}}",
        "a".repeat(INLINE_CHECK_BYTES)
    );
    let mut app = ready_app(&big);
    let Some(Effect::CheckLarge { revision, text, .. }) = app.startup_effects().into_iter().next()
    else {
        panic!("a large text is checked off the loop");
    };
    // Before its checks are back, F5 sends nothing and says why.
    assert!(app.update(key(KeyCode::F(5))).is_empty());
    assert!(app.status().contains("still running"), "{}", app.status());
    app.update(Message::ChecksDone {
        revision,
        report: check_text(&text),
    });
    assert!(
        app.diagnostics().iter().all(|d| !d.is_error()),
        "{:?}",
        app.diagnostics()
    );
    let sent = app.update(key(KeyCode::F(5)));
    assert!(
        matches!(sent.as_slice(), [Effect::Submit { .. }]),
        "{sent:?} / {}",
        app.status()
    );
}

#[test]
fn format_pretty_prints_and_undo_brings_the_text_back() {
    let mut app = testing::app("{\"name\":\"a\",\"tags\":[]}");
    app.update(ctrl('t'));
    assert_eq!(app.text(), "{\n  \"name\": \"a\",\n  \"tags\": []\n}");
    app.update(ctrl('z'));
    app.update(ctrl('z'));
    assert_eq!(app.text(), "{\"name\":\"a\",\"tags\":[]}");
}

#[test]
fn f2_opens_the_history_and_asks_for_its_first_page() {
    let mut app = testing::app(template());
    let effects = app.update(key(KeyCode::F(2)));
    // The history view decides whether a page is needed; the app only runs what it asks.
    assert!(effects.iter().all(|e| matches!(e, Effect::LoadHistory(_))));
}

#[test]
fn a_large_opened_file_is_checked_by_a_startup_effect() {
    let big = large_text('a');
    let mut app = testing::app(&big);
    assert!(matches!(
        app.startup_effects().as_slice(),
        [Effect::CheckLarge { .. }]
    ));
    assert!(testing::app("{}").startup_effects().is_empty());
}

#[test]
fn a_sandbox_key_applies_faults_through_an_effect() {
    let mut app = testing::ready_app(template(), Some(cxda::sandbox::Faults::default()));
    app.update(shift_tab());
    assert_eq!(app.focus(), Pane::Sandbox);
    let effects = app.update(key(KeyCode::Char('4')));
    assert!(
        matches!(effects.as_slice(), [Effect::SetFaults(f)] if f.fail_429 > 0),
        "{effects:?}"
    );
}

#[test]
fn a_text_made_small_while_its_large_check_runs_is_checked_inline_and_the_late_result_dropped() {
    let mut app = testing::app("{}");
    let revision = paste_large_text(&mut app);
    // The external editor brings back a small, broken text: checked at once.
    app.update(Message::ExternalEdit(Ok("{\"name\": }".into())));
    let inline: Vec<String> = app
        .diagnostics()
        .iter()
        .map(|d| d.message.clone())
        .collect();
    assert!(app.diagnostics().iter().any(|d| d.is_error()));
    // The large text's result arrives late: dropped, and nothing more to check.
    let late = app.update(Message::ChecksDone {
        revision,
        report: check_text("{}"),
    });
    assert!(late.is_empty(), "{late:?}");
    let now: Vec<String> = app
        .diagnostics()
        .iter()
        .map(|d| d.message.clone())
        .collect();
    assert_eq!(now, inline);
    // And the next large text is checked again (the one-at-a-time flag was released).
    let big_again = large_text('b');
    let effects = app.update(Message::ExternalEdit(Ok(big_again)));
    assert!(
        matches!(effects.as_slice(), [Effect::CheckLarge { .. }]),
        "{effects:?}"
    );
}

#[test]
fn a_submission_whose_record_could_not_be_written_ends_in_the_panel() {
    let mut app = ready_app(template());
    let effects = app.update(key(KeyCode::F(5)));
    assert!(matches!(effects.as_slice(), [Effect::Submit { id: 1, .. }]));
    app.update(testing::started(1, "InventoryLookup"));
    assert!(app.submission().is_running());
    app.update(Message::SubmitFailed {
        id: 1,
        error: "disk full".into(),
        at: std::time::Instant::now(),
    });
    assert!(!app.submission().is_running());
    assert!(app.status().contains("disk full"), "{}", app.status());
    // F5 works again.
    let again = app.update(key(KeyCode::F(5)));
    assert!(
        matches!(again.as_slice(), [Effect::Submit { id: 2, .. }]),
        "{again:?}"
    );
}

#[test]
fn the_wheel_scrolls_the_history_when_it_is_open_else_the_editor() {
    use crossterm::event::{Event, MouseEvent, MouseEventKind};
    let wheel_down = Message::Input(Event::Mouse(MouseEvent {
        kind: MouseEventKind::ScrollDown,
        column: 10,
        row: 10,
        modifiers: crossterm::event::KeyModifiers::NONE,
    }));
    let mut app = testing::app(template());
    app.update(key(KeyCode::F(2)));
    let records = (0..20)
        .map(|i| cxda::audit::AuditRecord {
            action_name: format!("A{i}"),
            ..cxda::audit::AuditRecord::new(cxda::audit::Outcome::Created)
        })
        .collect();
    app.update(Message::HistoryPage(Ok(cxda::audit::Page {
        records,
        skipped: 0,
        next: None,
    })));
    let selected = |app: &cxda::tui::app::App| {
        app.history_view()
            .selected_record()
            .map(|r| r.action_name.clone())
    };
    assert_eq!(selected(&app).as_deref(), Some("A0"));
    let cursor = app.cursor();
    app.update(wheel_down);
    assert_eq!(selected(&app).as_deref(), Some("A3"));
    assert_eq!(app.cursor(), cursor);
}

#[test]
fn a_session_header_overrides_the_profiles_own_and_removing_it_brings_that_back() {
    let mut profile = testing::sandbox_profile();
    profile.extra_headers = vec![cxda::config::ExtraHeader {
        name: "X-Team".into(),
        value: "payments".into(),
    }];
    let mut app = testing::app_with_profile(template(), &profile);
    testing::make_ready(&mut app);
    let team = |app: &cxda::tui::app::App| -> Vec<String> {
        app.preview()
            .map(|p| {
                p.headers
                    .iter()
                    .filter(|(n, _)| n.eq_ignore_ascii_case("x-team"))
                    .map(|(_, v)| v.to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(team(&app), ["payments"]);
    app.update(key(KeyCode::Tab));
    app.update(key(KeyCode::Tab));
    app.update(key(KeyCode::Char('a')));
    type_text(&mut app, "x-team: search");
    app.update(key(KeyCode::Enter));
    assert_eq!(team(&app), ["search"], "{}", app.status());
    remove_header(&mut app, "x-team");
    assert_eq!(team(&app), ["payments"], "{}", app.status());
}

#[test]
fn a_second_f5_before_the_first_submission_began_sends_nothing() {
    let mut app = ready_app(template());
    let first = app.update(key(KeyCode::F(5)));
    assert!(matches!(first.as_slice(), [Effect::Submit { id: 1, .. }]));
    assert!(app.update(key(KeyCode::F(5))).is_empty());
    assert!(app.status().contains("in flight"), "{}", app.status());
    // Esc cancels it even before its task has reported.
    let cancel = app.update(key(KeyCode::Esc));
    assert!(
        matches!(cancel.as_slice(), [Effect::Cancel(1)]),
        "{cancel:?}"
    );
}

#[test]
fn the_submission_is_named_by_its_task_and_timed_by_its_events() {
    let mut app = ready_app(template());
    app.update(key(KeyCode::F(5)));
    assert_eq!(
        app.submission().name(),
        "",
        "the loop does not parse the payload"
    );
    app.update(testing::started(1, "InventoryLookup"));
    assert_eq!(app.submission().name(), "InventoryLookup");
    // Events of an older submission are not this one's.
    app.update(testing::started(7, "Other"));
    assert_eq!(app.submission().name(), "InventoryLookup");
}

#[test]
fn the_token_reported_by_the_loop_sizes_authorization_and_shows_in_the_status_bar() {
    let mut app = ready_app(template());
    let estimated = app.preview().expect("a preview").budget.total;
    let now = std::time::Instant::now();
    app.update(Message::Token(Some(cxda::engine::TokenInfo {
        chars: 1000,
        expires_at: now + std::time::Duration::from_secs(125),
    })));
    let preview = app.preview().expect("a preview");
    assert_eq!(
        preview.authorization,
        cxda::engine::AuthorizationSize::CachedToken
    );
    assert!(preview.budget.total > estimated);
    let screen = testing::render(&app, 120, 40, now);
    assert!(screen.contains("token: valid 2m05s"), "{screen}");
}

#[test]
fn f5_while_the_engine_is_built_is_sent_for_the_loop_to_start_when_it_is_ready() {
    let mut app = testing::app_with_profile(template(), &testing::sandbox_profile());
    let effects = app.update(key(KeyCode::F(5)));
    assert!(
        matches!(effects.as_slice(), [Effect::Submit { id: 1, .. }]),
        "{effects:?}"
    );
    // The engine could not be built: the submission never started, and the status says so.
    app.update(Message::EngineReady(Err("cannot use ca_cert".into())));
    assert!(app.status().contains("not submitted"), "{}", app.status());
    assert!(app.update(key(KeyCode::F(5))).is_empty());
    assert!(app.status().contains("cannot submit"), "{}", app.status());
}

/// One line of valid JSON, `{"a":[0,1,…]}`, longer than 65,535 chars (the textarea's u16
/// cursor jump stopped there).
fn long_one_line() -> String {
    let numbers: Vec<String> = (0..20_000).map(|i| i.to_string()).collect();
    let text = format!("{{\"a\":[{}]}}", numbers.join(","));
    assert!(text.len() > 100_000);
    text
}

/// Runs the checks a large text asks for, as the loop does off it.
fn finish_large_checks(app: &mut cxda::tui::app::App, effects: Vec<Effect>) {
    for effect in effects {
        if let Effect::CheckLarge { revision, text, .. } = effect {
            let report = check_text(&text);
            app.update(Message::ChecksDone { revision, report });
        }
    }
}

#[test]
fn ctrl_t_pretty_prints_all_of_a_line_past_65535_chars_and_undo_restores_it() {
    let text = long_one_line();
    let mut app = testing::app(&text);
    app.update(ctrl('t'));
    let pretty = app.text();
    assert!(pretty.lines().count() > 20_000, "not pretty-printed");
    let parse = |t: &str| serde_json::from_str::<serde_json::Value>(t).expect("JSON");
    assert_eq!(parse(&pretty), parse(&text), "the whole text, reformatted");
    app.update(ctrl('z'));
    app.update(ctrl('z'));
    assert_eq!(app.text(), text);
}

#[test]
fn a_problem_far_into_a_long_line_moves_the_cursor_to_it() {
    let text = long_one_line().replace("]}", "],}");
    let mut app = testing::app(&text);
    let effects = app.startup_effects();
    finish_large_checks(&mut app, effects);
    let problem = app.diagnostics().first().cloned().expect("a syntax error");
    assert!(problem.column > 100_000, "{problem:?}");
    app.update(key(KeyCode::Tab));
    app.update(key(KeyCode::Enter));
    assert_eq!(app.cursor(), (0, problem.column - 1));
}

#[test]
fn typing_at_the_end_of_a_long_line_lands_there() {
    let text = long_one_line();
    let mut app = testing::app(&text);
    app.update(key(KeyCode::End));
    assert_eq!(app.cursor(), (0, text.chars().count()));
    type_text(&mut app, "x");
    app.update(key(KeyCode::Backspace));
    type_text(&mut app, " ");
    assert_eq!(app.text(), format!("{text} "));
}
