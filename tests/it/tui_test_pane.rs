//! The studio's Test pane (`F6`) running a real local test: the genesys-cloud lookup
//! template pointed at a target served by the test itself (`target_common`, plain http on
//! loopback), driven through `App::update` the way the event loop drives it (the
//! `Test` effect run with the engine, its answer handed back). The target sees the input
//! in its query; the pane shows each step, the translated result and the record, which
//! reaches the History view. Snapshot of the pane with the finished run.

use std::time::Instant;

use crossterm::event::KeyCode;
use cxda::audit::Outcome;
use cxda::engine::{Engine, Ran};
use cxda::payload::GENESYS_TEMPLATES;
use cxda::tui::app::App;
use cxda::tui::message::Effect;
use cxda::tui::test_pane::{TestState, tested};
use cxda::tui::testing::{self, ctrl, key, type_text};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::engine_common;
use crate::target_common::Target;

/// The query and the `Authorization` header of each request `target` received.
fn seen(target: &Target) -> Vec<(String, Option<String>)> {
    target
        .received()
        .into_iter()
        .map(|r| {
            let authorization = r.header("authorization").map(str::to_string);
            (r.query.unwrap_or_default(), authorization)
        })
        .collect()
}

/// The lookup template aimed at `base`, without its credential header (the studio has no
/// `--var` values).
fn lookup_at(base: &str) -> String {
    let mut payload: Value = serde_json::from_str(GENESYS_TEMPLATES[0].1).expect("template");
    let request = &mut payload["config"]["request"];
    let url = request["requestUrlTemplate"]
        .as_str()
        .expect("a URL template")
        .replace("https://crm.example.com", base);
    request["requestUrlTemplate"] = Value::String(url);
    request["headers"] = json!({"Accept": "application/json"});
    serde_json::to_string_pretty(&payload).expect("JSON")
}

/// Runs the `Test` effects as the event loop does and hands their answers back; returns
/// the runs' results as the engine gave them.
async fn run(app: &mut App, engine: &Engine, effects: Vec<Effect>) -> Vec<cxda::engine::Ran> {
    let mut ran = Vec::new();
    for effect in effects {
        let Effect::Test { id, request } = effect else {
            panic!("only a test run is asked for: {effect:?}");
        };
        let (events, _) = mpsc::unbounded_channel();
        let result = tokio::time::timeout(
            std::time::Duration::from_secs(30),
            engine.test(request, events, CancellationToken::new()),
        )
        .await
        .expect("the run ends within 30 s");
        if let Ok(tested) = &result {
            ran.push(tested.ran.clone());
        }
        app.update(tested(id, result));
    }
    ran
}

/// Masks what changes from run to run.
fn assert_screen(name: &str, text: &str) {
    insta::with_settings!({
        filters => vec![
            (r"127\.0\.0\.1:\d+", "127.0.0.1:[PORT]"),
            // The run's time changes its width: the padding after it goes with it.
            (r"\b\d+ ms · record [0-9A-HJKMNP-TV-Z]{26} *", "[N] ms · record [ID] "),
            (r"\b\d+ ms\b", "[N] ms"),
            (r"\b[0-9A-HJKMNP-TV-Z]{26}\b", "[ID]"),
        ],
    }, {
        insta::assert_snapshot!(name, text);
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f6_runs_the_action_locally_against_its_target_and_shows_every_step() {
    let target = Target::serve().await;
    let base = target.base();
    let profile = testing::sandbox_genesys_profile();
    let (engine, dir) = engine_common::engine(profile.clone());
    let mut app = testing::app_with_profile(&lookup_at(&base), &profile);
    testing::make_ready(&mut app);

    app.update(key(KeyCode::F(6)));
    // Into the quotes of `"phoneNumber": ""` (line 2).
    for code in [KeyCode::Down, KeyCode::End, KeyCode::Left, KeyCode::Left] {
        app.update(key(code));
    }
    type_text(&mut app, "+1 555 0100");
    let effects = app.update(ctrl('r'));
    assert_eq!(run(&mut app, &engine, effects).await, [Ran::Local]);

    // The target got the input, URL-encoded as the platform's `$esc.url` does.
    let queries = seen(&target);
    assert_eq!(
        queries,
        [("phone=%2B1+555+0100&inactive=false".to_string(), None)]
    );

    let TestState::Finished(finished) = app.test_pane().state() else {
        panic!("a finished run: {:?}", app.test_pane().state());
    };
    assert!(finished.report.success, "{:?}", finished.report);
    assert_eq!(finished.outcome, Outcome::Passed);
    assert_eq!(
        finished.report.final_result,
        Some(
            json!({"customerId": "C-1", "fullName": "Ada Lovelace", "tier": "GOLD", "openCases": 2})
        )
    );

    // Its record is in the History view, and on disk.
    let record = app
        .history_view()
        .visible_records()
        .next()
        .expect("the run's record")
        .clone();
    assert_eq!(record.outcome, Outcome::Passed);
    assert_eq!(record.operation.as_deref(), Some("test"));
    let on_disk = engine_common::read_back(dir.path(), &record);
    assert_eq!(on_disk.outcome, Outcome::Passed);

    let text = testing::render(&app, 120, 40, Instant::now());
    assert!(
        text.contains("✓ passed · ") && text.contains("ran locally"),
        "{text}"
    );
    assert_screen("test_pane_finished", &text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_studio_has_no_vars_so_a_credential_is_sent_as_written() {
    let target = Target::serve().await;
    let base = target.base();
    let profile = testing::sandbox_genesys_profile();
    let (engine, _dir) = engine_common::engine(profile.clone());
    // The template as it is: `Authorization: Bearer ${credentials.apiToken}`.
    let text = GENESYS_TEMPLATES[0]
        .1
        .replace("https://crm.example.com", &base);
    let mut app = testing::app_with_profile(&text, &profile);
    testing::make_ready(&mut app);
    app.update(key(KeyCode::F(6)));
    for code in [KeyCode::Down, KeyCode::End, KeyCode::Left, KeyCode::Left] {
        app.update(key(code));
    }
    type_text(&mut app, "1");
    let effects = app.update(ctrl('r'));
    run(&mut app, &engine, effects).await;

    // An undefined reference prints itself, as Velocity does (docs/templates.md).
    assert_eq!(
        seen(&target),
        [(
            "phone=1&inactive=false".to_string(),
            Some("Bearer ${credentials.apiToken}".to_string())
        )]
    );
    let screen = testing::render(&app, 120, 40, Instant::now());
    assert!(
        screen.contains("✓ passed · ") && screen.contains("ran locally"),
        "{screen}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_l_runs_on_the_platform_pushing_the_changed_file_as_a_draft_first() {
    let target = Target::serve().await;
    let base = target.base();
    let sandbox = engine_common::start(cxda::sandbox::Faults::off()).await;
    let profile = crate::engine_genesys_common::profile(&sandbox);
    let (engine, _dir) = engine_common::engine(profile.clone());
    let published = lookup_at(&base);
    let created = engine_common::submit(
        &engine,
        cxda::engine::Submission {
            payload: published.clone(),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(
        created.record.outcome,
        Outcome::Created,
        "{:?}",
        created.record.error
    );
    let id = cxda::engine::created_id(&created.record).expect("the created id");

    // The editor's file differs from the published action: the run pushes it as a draft.
    let edited = published.replacen("CRM Web Services", "CRM Web Services 2", 1);
    assert_ne!(edited, published);
    let mut app = testing::app_with_profile(&edited, &profile);
    testing::make_ready(&mut app);
    app.update(key(KeyCode::F(6)));
    for code in [KeyCode::Down, KeyCode::End, KeyCode::Left, KeyCode::Left] {
        app.update(key(code));
    }
    type_text(&mut app, "1");
    app.update(ctrl('l'));
    let effects = app.update(ctrl('r'));
    assert!(
        matches!(effects.as_slice(), [Effect::Test { request, .. }] if !request.local),
        "{effects:?}"
    );
    assert_eq!(
        run(&mut app, &engine, effects).await,
        [Ran::Draft { id: id.clone() }],
        "{:?}",
        app.test_pane().state()
    );
    let screen = testing::render(&app, 160, 50, Instant::now());
    assert!(
        screen.contains(&format!(
            "ran on the platform, the draft of {id} (pushed first)"
        )),
        "{screen}"
    );
    // The draft's push and the run are both in the history, the run on top.
    let outcomes: Vec<Outcome> = app
        .history_view()
        .visible_records()
        .map(|r| r.outcome)
        .collect();
    assert_eq!(outcomes.last(), Some(&Outcome::Drafted), "{outcomes:?}");
    let top = app
        .history_view()
        .visible_records()
        .next()
        .expect("the run");
    assert_eq!(top.operation.as_deref(), Some("test"));
}
