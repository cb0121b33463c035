//! The Test pane through `App::update`, drawn on a `TestBackend`: opening on the contract's
//! skeleton, the input refused before any effect (not JSON, against the contract), the
//! run's effect with the edited input, cancelling, and a report drawn escaped. A real run
//! against a target is in `tests/it/tui_test_pane.rs`.

use std::time::Instant;

use crossterm::event::KeyCode;
use serde_json::json;

use super::*;
use crate::audit::AuditRecord;
use crate::payload::{GENESYS_TEMPLATES, TEMPLATES};
use crate::runner::report::names;
use crate::tui::testing::{self, ctrl, key, type_text};

fn genesys_app() -> App {
    let mut app =
        testing::app_with_profile(GENESYS_TEMPLATES[0].1, &testing::sandbox_genesys_profile());
    testing::make_ready(&mut app);
    app
}

fn screen(app: &App) -> String {
    testing::render(app, 120, 40, Instant::now())
}

/// Puts `text` between the quotes of the skeleton's `phoneNumber` (line 2).
fn type_phone(app: &mut App, text: &str) {
    for code in [KeyCode::Down, KeyCode::End, KeyCode::Left, KeyCode::Left] {
        app.update(key(code));
    }
    type_text(app, text);
}

fn problems(app: &App) -> Vec<String> {
    match app.test_pane().state() {
        TestState::NotRun { problems, .. } => problems.clone(),
        other => panic!("not refused: {other:?}"),
    }
}

#[test]
fn f6_opens_on_the_skeleton_of_the_input_contract_and_esc_closes() {
    let mut app = genesys_app();
    assert!(app.update(key(KeyCode::F(6))).is_empty());
    assert!(app.test_is_open());
    assert_eq!(
        app.test_pane().input_text(),
        "{\n  \"phoneNumber\": \"\",\n  \"includeInactive\": false\n}"
    );
    let text = screen(&app);
    assert!(
        text.contains("Test · Lookup customer by phone · runs locally"),
        "{text}"
    );
    assert!(
        text.contains("Ctrl+R run · Ctrl+L run on the platform"),
        "{text}"
    );
    assert!(text.contains("\"phoneNumber\": \"\","), "{text}");
    app.update(key(KeyCode::Esc));
    assert!(!app.test_is_open());
    assert!(!screen(&app).contains("Steps and result"));
}

#[test]
fn edits_are_kept_when_the_pane_opens_again_on_the_same_contract() {
    let mut app = genesys_app();
    app.update(key(KeyCode::F(6)));
    type_phone(&mut app, "+1555");
    app.update(key(KeyCode::F(6)));
    assert!(!app.test_is_open(), "F6 closes too");
    app.update(key(KeyCode::F(6)));
    assert!(app.test_pane().input_text().contains("\"+1555\""));
}

#[test]
fn input_that_is_not_json_is_an_error_in_the_pane_and_nothing_runs() {
    let mut app = genesys_app();
    app.update(key(KeyCode::F(6)));
    type_text(&mut app, "oops");
    assert!(app.update(ctrl('r')).is_empty());
    assert_eq!(problems(&app).len(), 1);
    assert!(app.test_is_open());
    let text = screen(&app);
    assert!(text.contains("Not run: the input is not JSON"), "{text}");
}

#[test]
fn input_against_the_contract_names_each_problem_and_nothing_runs() {
    let mut app = genesys_app();
    app.update(key(KeyCode::F(6)));
    // A number where the contract says string.
    for code in [KeyCode::Down, KeyCode::End, KeyCode::Left] {
        app.update(key(code));
    }
    for _ in 0..2 {
        app.update(key(KeyCode::Backspace));
    }
    type_text(&mut app, "42");
    assert!(
        app.update(ctrl('r')).is_empty(),
        "{}",
        app.test_pane().input_text()
    );
    assert_eq!(
        problems(&app),
        ["property \"phoneNumber\" must be a string, found an integer"]
    );
    assert!(screen(&app).contains("does not match the input contract"));
}

#[test]
fn ctrl_r_runs_the_edited_input_and_esc_cancels_the_run_in_flight() {
    let mut app = genesys_app();
    app.update(key(KeyCode::F(6)));
    type_phone(&mut app, "+15550100");
    let effects = app.update(ctrl('r'));
    let [Effect::Test { id, request }] = effects.as_slice() else {
        panic!("one run: {effects:?}");
    };
    assert_eq!(
        request.input,
        json!({"phoneNumber": "+15550100", "includeInactive": false})
    );
    assert!(request.local);
    assert!(request.vars.is_empty());
    assert_eq!(request.payload, GENESYS_TEMPLATES[0].1.trim_end());
    let id = *id;
    assert!(screen(&app).contains("running locally… (Esc cancels)"));

    // Esc cancels; the pane stays and says so.
    let effects = app.update(key(KeyCode::Esc));
    assert!(
        matches!(effects.as_slice(), [Effect::CancelTest(c)] if *c == id),
        "{effects:?}"
    );
    assert!(app.test_is_open());
    assert!(screen(&app).contains("cancelling…"));

    let mut record = AuditRecord::new(Outcome::Cancelled);
    record.operation = Some("test".into());
    let report = RunReport {
        error: Some(crate::runner::StepError::new(
            "request.cancelled",
            0,
            "cancelled",
        )),
        ..RunReport::default()
    };
    app.update(tested(
        id,
        Ok(Tested {
            report,
            record,
            ran: Ran::Local,
            pushed: Vec::new(),
        }),
    ));
    assert!(app.test_is_open());
    let text = screen(&app);
    assert!(
        text.contains("cancelled · ") && text.contains("ran locally"),
        "{text}"
    );
    assert_eq!(
        app.history_view().loaded(),
        1,
        "the record is in the history"
    );
    // Nothing runs now: Esc closes.
    assert!(app.update(key(KeyCode::Esc)).is_empty());
    assert!(!app.test_is_open());
}

#[test]
fn ctrl_l_switches_a_genesys_run_to_the_platform() {
    let mut app = genesys_app();
    app.update(key(KeyCode::F(6)));
    type_phone(&mut app, "1");
    app.update(ctrl('l'));
    assert!(screen(&app).contains("runs on the platform"));
    let effects = app.update(ctrl('r'));
    assert!(
        matches!(effects.as_slice(), [Effect::Test { request, .. }] if !request.local),
        "{effects:?}"
    );
}

#[test]
fn a_cxone_action_starts_from_an_empty_object_and_runs_locally_only() {
    let mut app = testing::ready_app(TEMPLATES[0].1, None);
    app.update(key(KeyCode::F(6)));
    assert_eq!(app.test_pane().input_text(), "{}");
    app.update(ctrl('l'));
    assert_eq!(app.status(), "cxone-v2 actions run locally only");
    assert!(!screen(&app).contains("Ctrl+L"));
    let effects = app.update(ctrl('r'));
    assert!(
        matches!(effects.as_slice(), [Effect::Test { request, .. }] if request.local),
        "{effects:?}"
    );
}

#[test]
fn the_engines_input_errors_are_listed_and_a_stale_answer_is_dropped() {
    let mut app = genesys_app();
    app.update(key(KeyCode::F(6)));
    type_phone(&mut app, "1");
    app.update(ctrl('r'));
    let id = app.test_pane().run_id;
    // An older run's answer changes nothing.
    app.update(tested(id - 1, Err(TestError::Refused("old".into()))));
    assert!(app.test_pane().is_running());
    let problems = vec![crate::runner::contract::ContractError::Violation {
        pointer: "/phoneNumber".into(),
        message: "missing required property \"phoneNumber\" (a string)".into(),
    }];
    app.update(tested(id, Err(TestError::Input(problems))));
    let text = screen(&app);
    assert!(text.contains("• missing required property"), "{text}");
}

#[test]
fn a_finished_report_is_drawn_escaped_with_each_step_and_the_result() {
    let mut app = genesys_app();
    app.update(key(KeyCode::F(6)));
    type_phone(&mut app, "1");
    app.update(ctrl('r'));
    let id = app.test_pane().run_id;
    let mut report = RunReport::default();
    report.passed(names::VALIDATE_INPUT, json!({"phoneNumber": "1"}));
    report.passed(names::EXECUTE, json!("\u{1b}]0;owned\u{7}"));
    report.final_result = Some(json!({"fullName": "Ann\u{9b}31m"}));
    report.success = true;
    let mut record = AuditRecord::new(Outcome::Passed);
    record.latency_ms = 7;
    app.update(tested(
        id,
        Ok(Tested {
            report,
            record,
            ran: Ran::Local,
            pushed: Vec::new(),
        }),
    ));
    let text = screen(&app);
    assert!(
        text.contains("✓ passed · 7 ms · record ") && text.contains("ran locally"),
        "{text}"
    );
    assert!(
        text.contains(" 1 ✓ Validate input against schema  {\"phoneNumber\":\"1\"}"),
        "{text}"
    );
    assert!(text.contains("\\u{1b}]0;owned\\u{7}"), "{text}");
    assert!(text.contains("\"fullName\": \"Ann\\u{9b}31m\""), "{text}");
    let buffer = testing::render_buffer(&app, 120, 40, Instant::now());
    assert!(
        buffer
            .content()
            .iter()
            .all(|cell| !cell.symbol().chars().any(char::is_control)),
        "a control character reached the screen"
    );
    assert_eq!(app.history_view().loaded(), 1);
}

#[test]
fn a_payload_that_cannot_run_is_said_in_the_pane_and_forgotten_once_fixed() {
    let mut app = genesys_app();
    let good = app.text();
    app.update(Message::ExternalEdit(Ok("{ not json".into())));
    app.update(key(KeyCode::F(6)));
    assert!(problems(&app)[0].starts_with("the payload is not JSON"));
    assert!(app.update(ctrl('r')).is_empty());
    app.update(key(KeyCode::Esc));
    app.update(Message::ExternalEdit(Ok(good)));
    app.update(key(KeyCode::F(6)));
    assert!(matches!(app.test_pane().state(), TestState::Idle));
    assert!(app.test_pane().input_text().contains("phoneNumber"));
}

#[test]
fn a_large_payload_is_not_read_on_the_loop_and_the_run_checks_it() {
    // The genesys template padded past the inline limit with a long description.
    let mut payload: serde_json::Value =
        serde_json::from_str(GENESYS_TEMPLATES[0].1).expect("the template");
    payload["category"] = json!("x".repeat(crate::tui::app::INLINE_CHECK_BYTES));
    let text = serde_json::to_string_pretty(&payload).expect("json");
    let mut app = testing::app_with_profile(&text, &testing::sandbox_genesys_profile());
    testing::make_ready(&mut app);
    app.update(key(KeyCode::F(6)));
    assert!(app.test_is_open());
    // Not read for its skeleton: the input starts empty.
    assert_eq!(app.test_pane().input_text(), "{}");
    // Not checked against the contract here either: the run goes to the engine, which
    // checks it off the loop and answers its problems.
    let effects = app.update(ctrl('r'));
    assert!(
        matches!(effects.as_slice(), [Effect::Test { .. }]),
        "{effects:?}"
    );
}

#[test]
fn the_studios_other_keys_say_the_pane_is_open() {
    let mut app = genesys_app();
    app.update(key(KeyCode::F(6)));
    let before = app.test_pane().input_text();
    assert!(
        app.update(key(KeyCode::F(5))).is_empty(),
        "no submission from the pane"
    );
    assert!(app.test_is_open());
    assert_eq!(app.test_pane().input_text(), before);
    assert_eq!(
        app.status,
        "the Test pane is open: Esc (or F6) closes it first"
    );
}
