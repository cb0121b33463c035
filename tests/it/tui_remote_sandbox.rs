//! The Remote view against a real sandbox on loopback, on both dialects: actions created
//! through the engine are listed by F4 with the reads the event loop runs
//! (`tui::remote::list` / `open`), and `Enter` puts in the editor exactly what `cxda pull`
//! writes (`editable_payload` of the server's answer), the origin remembered.

use crossterm::event::KeyCode;
use cxda::config::{Api, Profile};
use cxda::engine::Engine;
use cxda::engine::remote::editable_payload;
use cxda::payload::templates_for;
use cxda::sandbox::Faults;
use cxda::tui::message::{Effect, Message};
use cxda::tui::remote;
use cxda::tui::testing::{self, key, type_text};
use tokio_util::sync::CancellationToken;

use crate::{engine_common, engine_genesys_common};

/// Creates `names` through `engine` on `api`; each must be created.
async fn create(engine: &Engine, api: Api, names: &[&str]) {
    for name in names {
        let submission = match api {
            Api::CxoneV2 => engine_common::submission(name),
            Api::GenesysCloud => {
                engine_genesys_common::submission(&engine_genesys_common::payload(name))
            }
        };
        let done = engine_common::submit(engine, submission).await;
        assert_eq!(
            done.record.outcome,
            cxda::audit::Outcome::Created,
            "{:?}",
            done.record.error
        );
    }
}

/// F4, the list read with `engine`, `/gamma`, Enter, the action read: the editor's text is
/// `editable_payload` of what the server answers for it.
async fn open_through_the_view(profile: &Profile, engine: &Engine) {
    let api = profile.api;
    let template = templates_for(api).first().map_or("{}", |(_, t)| *t);
    let mut app = testing::app_with_profile(template, profile);
    testing::make_ready(&mut app);
    let cancel = CancellationToken::new();

    let effects = app.update(key(KeyCode::F(4)));
    let [Effect::ListRemote(load)] = effects.as_slice() else {
        panic!("F4 asks for the list: {effects:?}");
    };
    let result = remote::list(engine, &cancel).await;
    app.update(Message::RemoteList {
        load: *load,
        result,
    });
    let listed: Vec<String> = app
        .remote_view()
        .visible_actions()
        .map(|a| a.name.clone())
        .collect();
    assert_eq!(
        listed,
        ["Alpha", "Beta", "Gamma"],
        "{:?}",
        app.remote_view().error()
    );

    type_text(&mut app, "/gamma\n");
    let effects = app.update(key(KeyCode::Enter));
    let [Effect::OpenRemote { id }] = effects.as_slice() else {
        panic!("Enter asks for the action: {effects:?}");
    };
    let id = id.clone();
    let result = remote::open(engine, &id, &cancel).await;
    app.update(Message::RemoteOpened {
        id: id.clone(),
        result,
    });

    let answer = engine.read_action(&id, &cancel).await.expect("read");
    assert_eq!(app.text(), editable_payload(api, &answer));
    let origin = app.remote_origin().expect("the origin is remembered");
    assert_eq!(origin.id, id);
    assert_eq!(origin.name, "Gamma");
    assert_eq!(origin.version, answer["version"].as_u64());
    assert!(origin.version.is_some(), "{answer}");
    assert!(
        app.status()
            .starts_with(&format!("opened Gamma (id {id}, version ")),
        "{}",
        app.status()
    );
    assert!(
        app.diagnostics().iter().all(|d| !d.is_error()),
        "the opened action checks clean: {:?}",
        app.diagnostics()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cxone_f4_lists_the_sandbox_actions_and_enter_opens_one_as_pull_writes_it() {
    let sandbox = engine_common::start(Faults::off()).await;
    let profile = engine_common::profile(&sandbox);
    let (engine, _dir) = engine_common::engine(profile.clone());
    create(&engine, Api::CxoneV2, &["Alpha", "Beta", "Gamma"]).await;
    open_through_the_view(&profile, &engine).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn genesys_f4_lists_the_sandbox_actions_and_enter_opens_one_as_pull_writes_it() {
    let sandbox = engine_common::start(Faults::off()).await;
    let profile = engine_genesys_common::profile(&sandbox);
    let (engine, _dir) = engine_common::engine(profile.clone());
    create(&engine, Api::GenesysCloud, &["Alpha", "Beta", "Gamma"]).await;
    open_through_the_view(&profile, &engine).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_list_read_answers_cancelled() {
    let sandbox = engine_common::start(Faults::off()).await;
    let (engine, _dir) = engine_common::engine(engine_common::profile(&sandbox));
    let cancel = CancellationToken::new();
    cancel.cancel();
    let result = remote::list(&engine, &cancel).await;
    assert_eq!(result, Err(cxda::engine::remote::ReadError::Cancelled));
}
