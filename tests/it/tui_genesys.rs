//! The studio on `sandbox-genesys`, rendered to a 120×40 `TestBackend` from scripted
//! messages (insta snapshots, times and ids masked): the Genesys Cloud template with its
//! checks, a template mistake found at its line:col, and the steps of a publish.

use std::time::{Duration, Instant};

use cxda::audit::{AuditRecord, Outcome};
use cxda::config::Api;
use cxda::engine::events::ExecEvent;
use cxda::payload::templates_for;
use cxda::sandbox::Faults;
use cxda::tui::app::App;
use cxda::tui::message::Effect;
use cxda::tui::testing::{self, exec, key, make_ready, started};

const WIDTH: u16 = 120;
const HEIGHT: u16 = 40;
const BASE: &str = "http://127.0.0.1:9/api/v2/integrations/actions";
const ACTION_ID: &str = "5a7c2e10-0000-4000-8000-00000000a11c";

fn assert_screen(name: &str, text: &str) {
    insta::with_settings!({
        filters => vec![
            (r"\d+m\d{2}s", "[TIME]"),
            (r"cxda/\d+\.\d+\.\d+", "cxda/[VERSION]"),
            (r"\b[0-9A-HJKMNP-TV-Z]{26}\b", "[ID]"),
        ],
    }, {
        insta::assert_snapshot!(name, text);
    });
}

fn template() -> &'static str {
    templates_for(Api::GenesysCloud)
        .first()
        .map(|(_, text)| *text)
        .expect("a genesys template")
}

fn genesys_app(text: &str) -> App {
    let mut app = testing::app_with_profile(text, &testing::sandbox_genesys_profile())
        .with_sandbox(Faults::default());
    make_ready(&mut app);
    app
}

fn screen(app: &App, now: Instant) -> String {
    testing::render(app, WIDTH, HEIGHT, now)
}

#[test]
fn the_template_checks_clean_and_the_status_bar_names_the_dialect() {
    let app = genesys_app(template());
    let text = screen(&app, Instant::now());
    assert!(text.contains("no problems"), "{text}");
    assert!(text.contains("genesys-cloud"), "{text}");
    assert_screen("genesys_template", &text);
}

#[test]
fn an_unknown_input_in_a_template_is_shown_at_its_place_in_the_string() {
    let text = template().replacen("${input.", "${input.x", 1);
    let app = genesys_app(&text);
    let screen = screen(&app, Instant::now());
    assert!(!screen.contains("no problems"), "{screen}");
    assert_screen("genesys_template_mistake", &screen);
}

fn step(index: u32, name: &str, method: &str, url: String) -> ExecEvent {
    ExecEvent::StepStarted {
        index,
        name: name.to_string(),
        method: method.to_string(),
        url,
    }
}

fn answered(status: u16, latency_ms: u64) -> [ExecEvent; 2] {
    [
        ExecEvent::Sending {
            attempt: 1,
            url: String::new(),
        },
        ExecEvent::Responded {
            attempt: 1,
            status,
            latency: Duration::from_millis(latency_ms),
            rate: None,
            retry_after: None,
            error: None,
        },
    ]
}

#[test]
fn f5_shows_the_draft_validation_and_publish_steps_and_the_published_version() {
    let mut app = genesys_app(template());
    let effects = app.update(key(crossterm::event::KeyCode::F(5)));
    assert!(
        effects.iter().any(|e| matches!(e, Effect::Submit { .. })),
        "F5 on the sandbox submits at once: {effects:?}"
    );
    let id = app.submission_id();
    let t0 = Instant::now();
    let _ = app.update(started(id, "Lookup customer by phone"));
    let mut events = vec![ExecEvent::Authorizing];
    events.push(step(1, "draft", "POST", format!("{BASE}/drafts")));
    events.extend(answered(200, 41));
    events.push(step(
        2,
        "validation",
        "GET",
        format!("{BASE}/{ACTION_ID}/draft/validation"),
    ));
    events.extend(answered(200, 12));
    events.push(step(
        3,
        "publish",
        "POST",
        format!("{BASE}/{ACTION_ID}/draft/publish"),
    ));
    events.extend(answered(200, 23));
    for event in events {
        let _ = app.update(exec(id, event));
    }
    let mut record = AuditRecord::new(Outcome::Created);
    record.status = Some(200);
    record.latency_ms = 84;
    record.action_name = "Lookup customer by phone".to_string();
    record.api = Some("genesys-cloud".to_string());
    record.remote_id = Some(ACTION_ID.to_string());
    record.version = Some(1);
    let _ = app.update(exec(id, ExecEvent::Finished(Box::new(record))));
    let text = screen(&app, t0);
    for expected in [
        "✓ draft 200",
        "✓ validation 200",
        "✓ publish 200",
        "created 200",
    ] {
        assert!(text.contains(expected), "{expected:?} missing:\n{text}");
    }
    assert!(
        text.contains(&format!("id {ACTION_ID} · version 1")),
        "{text}"
    );
    assert_screen("genesys_published", &text);
}
