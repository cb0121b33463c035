//! The studio's copy as curl (`F7`): the effect carries the OSC 52 sequence of the create's
//! curl commands, the status line says what was copied, and a payload that does not parse
//! copies nothing and says why. `App` driven with scripted messages, drawn on a TestBackend.

use std::time::Instant;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use crossterm::event::KeyCode;
use cxda::tui::clipboard::osc52;
use cxda::tui::message::Effect;
use cxda::tui::testing::{self, key, make_ready};

/// The text an OSC 52 sequence puts on the clipboard.
fn clipboard_text(sequence: &[u8]) -> String {
    let inner = sequence
        .strip_prefix(b"\x1b]52;c;")
        .and_then(|s| s.strip_suffix(b"\x07"))
        .expect("ESC ] 52 ; c ; … BEL");
    let decoded = STANDARD.decode(inner).expect("base64");
    String::from_utf8(decoded).expect("UTF-8")
}

fn copied(effects: Vec<Effect>) -> Vec<u8> {
    match effects.as_slice() {
        [Effect::SetClipboard { sequence }] => sequence.clone(),
        other => panic!("one SetClipboard effect, got {other:?}"),
    }
}

#[test]
fn f7_copies_the_cxone_create_as_curl_and_says_so() {
    let text = cxda::payload::TEMPLATES[0].1;
    let mut app = testing::ready_app(text, None);
    let sequence = copied(app.update(key(KeyCode::F(7))));
    let script = clipboard_text(&sequence);
    assert_eq!(osc52(&script), sequence);
    assert!(script.starts_with("#!/bin/sh\n"), "{script}");
    assert!(
        script.contains("-X POST 'http://127.0.0.1:9/api/v2/data-actions'"),
        "{script}"
    );
    assert!(
        script.contains(r#"'Authorization: Bearer '"$CXDA_TOKEN""#),
        "{script}"
    );
    assert!(script.contains("Idempotency-Key: "), "{script}");
    // The body is the editor's text, byte for byte, between the quotes.
    assert!(
        script.contains(&format!(
            "printf '%s' '{}'",
            text.trim_end_matches('\n').replace('\'', "'\\''")
        )),
        "{script}"
    );
    let status = app.status().to_string();
    assert!(
        status.starts_with("copied as curl (1 request, ") && status.ends_with(" KB) — OSC 52"),
        "{status}"
    );
    let screen = testing::render(&app, 140, 30, Instant::now());
    assert!(screen.contains("copied as curl (1 request"), "{screen}");
}

#[test]
fn f7_on_genesys_copies_three_requests_with_the_session_headers() {
    let profile = testing::sandbox_genesys_profile();
    let text = cxda::payload::templates_for(profile.api)[0].1;
    let mut app = testing::app_with_profile(text, &profile);
    make_ready(&mut app);
    // A session header that looks secret: a variable in the copy, never its value.
    app.update(key(KeyCode::Tab));
    app.update(key(KeyCode::Tab));
    app.update(key(KeyCode::Char('a')));
    testing::type_text(&mut app, "X-Api-Key: hush-hush");
    app.update(key(KeyCode::Enter));
    let script = clipboard_text(&copied(app.update(key(KeyCode::F(7)))));
    assert!(script.contains("draft → validation → publish"), "{script}");
    assert!(
        script.contains(r#""$DRAFT_ID"'/draft/publish'"#),
        "{script}"
    );
    assert!(!script.contains("hush-hush"), "{script}");
    assert!(
        script.contains(r#"-H 'X-Api-Key: '"$CXDA_HEADER_X_API_KEY""#),
        "{script}"
    );
    assert!(
        app.status().starts_with("copied as curl (3 requests, "),
        "{}",
        app.status()
    );
}

#[test]
fn f7_on_text_that_does_not_parse_copies_nothing_and_says_why() {
    let mut app = testing::ready_app("{\"name\": \"x\",,}", None);
    let effects = app.update(key(KeyCode::F(7)));
    assert!(effects.is_empty(), "{effects:?}");
    let status = app.status().to_string();
    assert!(status.starts_with("not copied: 1:"), "{status}");
    let screen = testing::render(&app, 140, 30, Instant::now());
    assert!(screen.contains("not copied: 1:"), "{screen}");
}

#[test]
fn f7_before_the_sandbox_listens_copies_nothing() {
    let mut app = testing::app("{}");
    assert!(app.update(key(KeyCode::F(7))).is_empty());
    assert!(app.status().starts_with("not copied: "), "{}", app.status());
}

#[test]
fn f7_in_the_running_studio_writes_the_osc52_sequence_to_the_terminal() {
    let home = tempfile::tempdir().expect("temp home");
    let data = tempfile::tempdir().expect("temp data dir");
    let mut session = crate::tui_pty::Session::start(home.path(), &data.path().join("cxda"));
    session.wait_for("the embedded sandbox ready (token state)", |s| {
        s.contains("SANDBOX") && s.contains("token:") && !s.contains("sandbox starting")
    });
    session.send(b"\x1b[18~"); // F7
    session.wait_for("the copy's confirmation", |s| {
        s.contains("copied as curl (1 request")
    });
    let raw = session.raw();
    let start = raw
        .windows(7)
        .position(|w| w == b"\x1b]52;c;")
        .expect("an OSC 52 sequence written");
    let end = raw[start..]
        .iter()
        .position(|&b| b == 0x07)
        .expect("ended by BEL");
    let script = clipboard_text(&raw[start..start + end + 1]);
    assert!(script.contains("/api/v2/data-actions'"), "{script}");
    assert!(
        script.contains("is the embedded sandbox: it answers only while"),
        "{script}"
    );
    assert!(!script.contains("sandbox-secret"), "{script}");
    session.send(b"\x11"); // Ctrl+Q
    assert!(session.wait_exit().success());
}
