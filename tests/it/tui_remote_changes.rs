//! The studio's remote changes against a real sandbox on loopback, driven through
//! `App::update` the way the event loop drives it (each effect run with the engine, its
//! answer handed back): `F5` on an action opened from the server pushes it (an update, its
//! new version written back into the editor; then `unchanged`), `Ctrl+D` shows the
//! editor's diff against the server, `d` in the Remote view deletes after a confirmation.
//! Snapshots of the diff view and the delete confirmation.

use std::time::Instant;

use crossterm::event::KeyCode;
use cxda::audit::Outcome;
use cxda::config::Api;
use cxda::engine::remote::PushOutcome;
use cxda::engine::{Engine, ExecEvent};
use cxda::payload::templates_for;
use cxda::sandbox::Faults;
use cxda::tui::app::{App, Overlay};
use cxda::tui::message::{Effect, Message};
use cxda::tui::remote;
use cxda::tui::testing::{self, ctrl, key, type_text};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::engine_common;

/// Runs the effects the studio asks for that reach the server, as the event loop does,
/// and hands their answers back; returns the effects it did not run.
async fn run(app: &mut App, engine: &Engine, effects: Vec<Effect>) -> Vec<Effect> {
    let cancel = CancellationToken::new();
    let mut left = Vec::new();
    let mut queue: Vec<Effect> = effects;
    while let Some(effect) = queue.pop() {
        let more = match effect {
            Effect::ListRemote(load) => {
                let result = remote::list(engine, &cancel).await;
                app.update(Message::RemoteList { load, result })
            }
            Effect::OpenRemote { id } => {
                let result = remote::open(engine, &id, &cancel).await;
                app.update(Message::RemoteOpened { id, result })
            }
            Effect::DiffRemote { text } => {
                let result = engine.compare(&text, &cancel).await;
                app.update(Message::DiffDone { text, result })
            }
            Effect::DeleteRemote { id, name, version } => {
                let (events, _) = mpsc::unbounded_channel();
                let result = engine
                    .delete(&id, &name, version, events, cancel.clone())
                    .await
                    .map(Box::new)
                    .map_err(|e| e.to_string());
                app.update(Message::RemoteDeleted { id, result })
            }
            Effect::Push { id, submission } => {
                let (events, mut received) = mpsc::unbounded_channel();
                let name = cxda::engine::request::action_name(submission.payload.as_bytes());
                let pushed = engine
                    .push(submission, Default::default(), events, cancel.clone())
                    .await
                    .expect("a push outcome");
                let mut seen: Vec<ExecEvent> = Vec::new();
                while let Ok(event) = received.try_recv() {
                    seen.push(event);
                }
                if !seen.is_empty() {
                    app.update(testing::started(id, &name));
                }
                for event in seen {
                    app.update(testing::exec(id, event));
                }
                match pushed {
                    PushOutcome::Changed { .. } => Vec::new(),
                    PushOutcome::Unchanged { .. } => app.update(Message::PushSettled {
                        id,
                        text: "unchanged: equal to the server's action".into(),
                    }),
                    PushOutcome::Refused(why) => app.update(Message::PushSettled {
                        id,
                        text: format!("not pushed: {why}"),
                    }),
                }
            }
            other => {
                left.push(other);
                Vec::new()
            }
        };
        queue.extend(more);
    }
    left
}

/// A studio on the sandbox with "Gamma" created and opened from the Remote view.
async fn opened(api: Api) -> (App, Engine, cxda::sandbox::SandboxHandle, tempfile::TempDir) {
    let sandbox = engine_common::start(Faults::off()).await;
    let profile = match api {
        Api::CxoneV2 => engine_common::profile(&sandbox),
        Api::GenesysCloud => crate::engine_genesys_common::profile(&sandbox),
    };
    let (engine, dir) = engine_common::engine(profile.clone());
    for name in ["Alpha", "Gamma"] {
        let submission = match api {
            Api::CxoneV2 => engine_common::submission(name),
            Api::GenesysCloud => crate::engine_genesys_common::submission(
                &crate::engine_genesys_common::payload(name),
            ),
        };
        let done = engine_common::submit(&engine, submission).await;
        assert_eq!(
            done.record.outcome,
            Outcome::Created,
            "{:?}",
            done.record.error
        );
    }
    let template = templates_for(api).first().map_or("{}", |(_, t)| *t);
    let mut app = testing::app_with_profile(template, &profile);
    testing::make_ready(&mut app);
    let effects = app.update(key(KeyCode::F(4)));
    run(&mut app, &engine, effects).await;
    let effects = type_text(&mut app, "/gamma\n");
    run(&mut app, &engine, effects).await;
    let effects = app.update(key(KeyCode::Enter));
    run(&mut app, &engine, effects).await;
    assert!(app.remote_origin().is_some(), "{}", app.status());
    (app, engine, sandbox, dir)
}

async fn push_edit_diff_and_delete(api: Api, field: &str) {
    let (mut app, engine, _sandbox, _dir) = opened(api).await;
    let id = app.remote_origin().expect("origin").id.clone();
    let version = app
        .remote_origin()
        .expect("origin")
        .version
        .expect("a version");

    // F5 unedited: equal to the server's, nothing sent.
    let effects = app.update(key(KeyCode::F(5)));
    assert!(
        matches!(effects.as_slice(), [Effect::Push { .. }]),
        "{effects:?}"
    );
    run(&mut app, &engine, effects).await;
    assert!(app.status().starts_with("unchanged"), "{}", app.status());

    // An edit, then F5: updated, the version written back, the rest of the text as it was.
    let before = app.text();
    let edited = before.replacen(
        &format!("\"{field}\": \""),
        &format!("\"{field}\": \"new "),
        1,
    );
    assert_ne!(edited, before, "{field} in {before}");
    app.update(Message::ExternalEdit(Ok(edited.clone())));
    let effects = app.update(key(KeyCode::F(5)));
    run(&mut app, &engine, effects).await;
    let next = version + 1;
    assert_eq!(
        app.status(),
        format!("updated {id} to version {next}"),
        "{:?}",
        app.submission().phase()
    );
    assert_eq!(
        app.text(),
        edited.replace(
            &format!("\"version\": {version}"),
            &format!("\"version\": {next}")
        )
    );
    assert_eq!(app.remote_origin().expect("origin").version, Some(next));

    // Ctrl+D: equal now; an edit shows its pointer and both values.
    let effects = app.update(ctrl('d'));
    run(&mut app, &engine, effects).await;
    let Some(Overlay::Diff { lines, .. }) = app.overlay() else {
        panic!("the diff view: {:?} / {}", app.overlay(), app.status());
    };
    assert_eq!(lines[0], format!("editor: equal to {id} (version {next})"));
    app.update(key(KeyCode::Esc));
    assert!(app.overlay().is_none());
    let changed = app.text().replacen("\"new ", "\"newer ", 1);
    app.update(Message::ExternalEdit(Ok(changed)));
    let effects = app.update(ctrl('d'));
    run(&mut app, &engine, effects).await;
    let Some(Overlay::Diff { lines, .. }) = app.overlay() else {
        panic!("the diff view");
    };
    assert!(lines[0].contains("1 difference"), "{lines:?}");
    assert!(
        lines[1].starts_with(&format!("  /{field}: server \"new ")),
        "{lines:?}"
    );
    assert!(lines[1].contains("file \"newer "), "{lines:?}");
    app.update(key(KeyCode::Esc));

    // d in the Remote view, confirmed: deleted on the server, the row gone, the origin too.
    let effects = app.update(key(KeyCode::F(4)));
    run(&mut app, &engine, effects).await;
    let effects = app.update(key(KeyCode::Char('d')));
    assert!(effects.is_empty(), "asks first: {effects:?}");
    assert!(
        matches!(app.overlay(), Some(Overlay::ConfirmDelete { .. })),
        "{:?}",
        app.overlay()
    );
    let effects = app.update(key(KeyCode::Char('y')));
    run(&mut app, &engine, effects).await;
    assert!(app.status().starts_with("deleted "), "{}", app.status());
    assert!(app.remote_origin().is_none());
    let names: Vec<String> = app
        .remote_view()
        .visible_actions()
        .map(|a| a.name.clone())
        .collect();
    assert!(!names.iter().any(|n| n.contains("Gamma")), "{names:?}");
    let gone = engine.read_action(&id, &CancellationToken::new()).await;
    assert!(
        matches!(
            gone,
            Err(cxda::engine::remote::ReadError::Refused { status: 404, .. })
        ),
        "{gone:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cxone_f5_pushes_an_opened_action_ctrl_d_diffs_and_d_deletes() {
    push_edit_diff_and_delete(Api::CxoneV2, "description").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn genesys_f5_pushes_an_opened_action_ctrl_d_diffs_and_d_deletes() {
    push_edit_diff_and_delete(Api::GenesysCloud, "category").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_the_diff_view_and_the_delete_confirmation() {
    let (mut app, engine, _sandbox, _dir) = opened(Api::CxoneV2).await;
    let edited = app.text().replacen("\"GET\"", "\"POST\"", 1).replacen(
        "\"enabled\": true",
        "\"enabled\": false",
        1,
    );
    app.update(Message::ExternalEdit(Ok(edited)));
    let effects = app.update(ctrl('d'));
    run(&mut app, &engine, effects).await;
    let text = testing::render(&app, 120, 30, Instant::now());
    let id = app.remote_origin().expect("origin").id.clone();
    let stable = |text: &str| text.replace(&id, "da_ID");
    assert!(text.contains("Diff against the server"), "{text}");
    insta::with_settings!({ filters => vec![(r"\d+m\d{2}s", "[TIME]")] }, {
        insta::assert_snapshot!("remote_diff", stable(&text));
    });
    app.update(key(KeyCode::Esc));
    let effects = app.update(key(KeyCode::F(4)));
    run(&mut app, &engine, effects).await;
    app.update(key(KeyCode::Char('d')));
    let text = testing::render(&app, 120, 30, Instant::now());
    assert!(text.contains("Delete from the server"), "{text}");
    // n keeps it.
    app.update(key(KeyCode::Char('n')));
    assert!(app.status().starts_with("not deleted"), "{}", app.status());
    insta::with_settings!({ filters => vec![(r"\d+m\d{2}s", "[TIME]"), (r"da_[0-9a-f]{16}", "da_ID")] }, {
        insta::assert_snapshot!("remote_delete_confirmation", text);
    });
}
