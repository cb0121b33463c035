//! The sandbox's store file: the embedded sandbox remembers between `cxda` processes on the
//! default profile (submit, then list; the same name again is a 409; `--reset` empties it;
//! a corrupt file is a named error), and sandboxes sharing one file see each other's
//! changes, create a name once when two race for it, replay an `Idempotency-Key` across a
//! restart, and keep to the cap, oldest first, in the file too.

use std::path::Path;

use cxda::sandbox::{
    Faults, STATE_FILE_NAME, Sandbox, SandboxConfig, SandboxError, SandboxHandle, StoreLimits,
};
use reqwest::Client;
use serde_json::Value;

use crate::cli_submit_common::{Workspace, stderr, stdout};
use crate::sandbox_common::{self, collection_url, post_create};
use crate::sandbox_genesys_common::create_body;

async fn start_on(path: &Path, limits: StoreLimits) -> SandboxHandle {
    Sandbox::start(SandboxConfig {
        faults: Faults::off(),
        store_limits: limits,
        state_file: Some(path.to_path_buf()),
        ..SandboxConfig::default()
    })
    .await
    .expect("the sandbox starts on the file")
}

async fn names(client: &Client, sandbox: &SandboxHandle, token: &str) -> Vec<String> {
    let body: Value = client
        .get(format!("{}?pageSize=100", collection_url(sandbox)))
        .bearer_auth(token)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("list json");
    body["entities"]
        .as_array()
        .expect("entities")
        .iter()
        .map(|a| a["name"].as_str().expect("name").to_string())
        .collect()
}

fn rows(path: &Path, table: &str) -> i64 {
    let conn = rusqlite::Connection::open(path).expect("open the store file");
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .expect("count rows")
}

#[test]
fn on_the_default_profile_submit_then_list_in_another_process_and_a_second_submit_is_a_409() {
    let ws = Workspace::new();
    let file = ws.payload("a.json", "Remembered lookup");

    let first = ws.run(&["submit", &file]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    assert!(
        stderr(&first).contains("using the embedded sandbox"),
        "{}",
        stderr(&first)
    );
    assert!(ws.data_dir().join(STATE_FILE_NAME).is_file());

    let listed = ws.run(&["list"]);
    assert_eq!(listed.status.code(), Some(0), "{}", stderr(&listed));
    assert!(
        stdout(&listed).contains("Remembered lookup"),
        "{}",
        stdout(&listed)
    );

    let again = ws.run(&["submit", &file]);
    assert_eq!(again.status.code(), Some(1), "{}", stderr(&again));
    assert!(stdout(&again).contains("409"), "{}", stdout(&again));

    let reset = ws.run(&["sandbox", "--reset"]);
    assert_eq!(reset.status.code(), Some(0), "{}", stderr(&reset));
    assert!(
        stdout(&reset).contains("removed 1 cxone-v2 action and 0 genesys-cloud actions"),
        "{}",
        stdout(&reset)
    );
    let listed = ws.run(&["list"]);
    assert_eq!(listed.status.code(), Some(0), "{}", stderr(&listed));
    assert!(
        !stdout(&listed).contains("Remembered lookup"),
        "{}",
        stdout(&listed)
    );
    let fresh = ws.run(&["submit", &file]);
    assert_eq!(fresh.status.code(), Some(0), "{}", stdout(&fresh));
}

/// The lifecycle on the default profile with no configuration, each command its own
/// process: what one process created, the next pulls, diffs, pushes and deletes.
#[test]
fn on_the_default_profile_pull_diff_push_and_delete_work_across_processes() {
    let ws = Workspace::new();
    let file = ws.payload("a.json", "Across processes");
    let run = |args: &[&str], code: i32| {
        let out = ws.run(args);
        assert_eq!(
            out.status.code(),
            Some(code),
            "cxda {args:?}: {}{}",
            stdout(&out),
            stderr(&out)
        );
        stdout(&out)
    };
    run(&["submit", &file], 0);
    let pulled = ws.path().join("pulled.json").display().to_string();
    run(&["pull", "Across processes", "-o", &pulled], 0);
    run(&["diff", &pulled], 0);
    let text = std::fs::read_to_string(&pulled).expect("pulled");
    std::fs::write(&pulled, text.replace("\"GET\"", "\"POST\"")).expect("edit");
    let out = run(&["diff", &pulled], 1);
    assert!(out.contains("server \"GET\", file \"POST\""), "{out}");
    let out = run(&["push", &pulled], 0);
    assert!(out.contains("to version 2"), "{out}");
    let out = run(&["push", &pulled], 0);
    assert!(out.contains("unchanged"), "{out}");
    let out = run(&["delete", "Across processes", "--yes"], 0);
    assert!(out.starts_with("deleted"), "{out}");
    let out = run(&["list", "--json"], 0);
    assert_eq!(out.trim(), "[]");
}

#[test]
fn on_sandbox_genesys_a_submitted_action_is_listed_by_the_next_process() {
    let ws = Workspace::new();
    let file = ws.file("g.json", &create_body("Remembered genesys").to_string());
    let profile = ["--profile", "sandbox-genesys"];

    let first = ws.run(&[&profile[..], &["submit", &file]].concat());
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}{}",
        stdout(&first),
        stderr(&first)
    );
    let listed = ws.run(&[&profile[..], &["list", "--drafts"]].concat());
    let listed_published = ws.run(&[&profile[..], &["list"]].concat());
    let both = format!("{}{}", stdout(&listed), stdout(&listed_published));
    assert!(
        both.contains("Remembered genesys"),
        "{both}{}",
        stderr(&listed)
    );

    let again = ws.run(&[&profile[..], &["submit", &file]].concat());
    assert_eq!(again.status.code(), Some(1), "{}", stdout(&again));
}

#[test]
fn a_corrupt_store_file_is_an_error_naming_it_until_reset() {
    let ws = Workspace::new();
    let path = ws.data_dir().join(STATE_FILE_NAME);
    std::fs::create_dir_all(ws.data_dir()).expect("data dir");
    std::fs::write(
        &path,
        "not a database at all, but long enough to have a header",
    )
    .expect("write");
    let file = ws.payload("a.json", "After the damage");

    let refused = ws.run(&["submit", &file]);
    assert_eq!(refused.status.code(), Some(2), "{}", stdout(&refused));
    let text = stderr(&refused);
    assert!(text.contains(&path.display().to_string()), "{text}");
    assert!(text.contains("cxda sandbox --reset"), "{text}");
    assert!(!text.contains("panicked"), "{text}");

    let reset = ws.run(&["sandbox", "--reset"]);
    assert_eq!(reset.status.code(), Some(0), "{}", stderr(&reset));
    assert!(stdout(&reset).starts_with("removed "), "{}", stdout(&reset));
    let submitted = ws.run(&["submit", &file]);
    assert_eq!(submitted.status.code(), Some(0), "{}", stderr(&submitted));
}

#[tokio::test]
async fn a_store_file_that_cannot_be_read_stops_the_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(STATE_FILE_NAME);
    std::fs::write(&path, vec![0x5a; 4096]).expect("write");
    let error = Sandbox::start(SandboxConfig {
        state_file: Some(path.clone()),
        ..SandboxConfig::default()
    })
    .await
    .expect_err("refused");
    assert!(matches!(error, SandboxError::Store(_)), "{error}");
    assert!(
        error.to_string().contains(&path.display().to_string()),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_sandboxes_on_one_file_see_each_others_changes_and_create_a_raced_name_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(STATE_FILE_NAME);
    let a = start_on(&path, StoreLimits::default()).await;
    let b = start_on(&path, StoreLimits::default()).await;
    let client = sandbox_common::client();
    let (token_a, token_b) = (
        sandbox_common::token(&client, &a).await,
        sandbox_common::token(&client, &b).await,
    );

    let created = sandbox_common::create(&client, &a, &token_a, "made on a").await;
    assert_eq!(created.status(), 201);
    assert_eq!(names(&client, &b, &token_b).await, ["made on a"]);
    let id = created.json::<Value>().await.expect("json")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let deleted = client
        .delete(format!("{}/{id}", collection_url(&b)))
        .bearer_auth(&token_b)
        .send()
        .await
        .expect("delete");
    assert_eq!(deleted.status(), 204);
    assert!(names(&client, &a, &token_a).await.is_empty());

    // Eight creates of one name at once, half through each sandbox.
    let mut tasks = Vec::new();
    for n in 0..8 {
        let (client, sandbox, token) = if n % 2 == 0 {
            (client.clone(), collection_url(&a), token_a.clone())
        } else {
            (client.clone(), collection_url(&b), token_b.clone())
        };
        tasks.push(tokio::spawn(async move {
            post_create(&client, &sandbox, &token, sandbox_common::payload("raced"))
                .await
                .status()
                .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.expect("task"));
    }
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409, 409, 409, 409, 409, 409, 409]);
    assert_eq!(names(&client, &a, &token_a).await, ["raced"]);
    assert_eq!(names(&client, &b, &token_b).await, ["raced"]);

    // The same on the genesys-cloud dialect: one 200, the rest the name's 400.
    let url = |s: &SandboxHandle| format!("{}/api/v2/integrations/actions/drafts", s.base_url());
    let mut tasks = Vec::new();
    for n in 0..6 {
        let (client, url, token) = if n % 2 == 0 {
            (client.clone(), url(&a), token_a.clone())
        } else {
            (client.clone(), url(&b), token_b.clone())
        };
        tasks.push(tokio::spawn(async move {
            post_create(
                &client,
                &url,
                &token,
                create_body("raced genesys").to_string(),
            )
            .await
            .status()
            .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.expect("task"));
    }
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 400, 400, 400, 400, 400]);
    assert_eq!(rows(&path, "genesys_actions"), 1);
    let drafts: Value = client
        .get(format!("{}?name=raced%20genesys", url(&b)))
        .bearer_auth(&token_b)
        .send()
        .await
        .expect("drafts")
        .json()
        .await
        .expect("json");
    assert_eq!(drafts["total"], 1, "{drafts}");
}

#[tokio::test]
async fn after_a_restart_the_actions_are_there_and_a_retry_with_the_same_key_replays() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(STATE_FILE_NAME);
    let client = sandbox_common::client();
    let send = |sandbox: &SandboxHandle, token: &str| {
        client
            .post(collection_url(sandbox))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .header("idempotency-key", "retry-1")
            .body(sandbox_common::payload("kept"))
            .send()
    };

    let first = start_on(&path, StoreLimits::default()).await;
    let token = sandbox_common::token(&client, &first).await;
    let created = send(&first, &token).await.expect("create");
    assert_eq!(created.status(), 201);
    let created_body = created.text().await.expect("body");
    first.shutdown().await;

    let second = start_on(&path, StoreLimits::default()).await;
    let token = sandbox_common::token(&client, &second).await;
    assert_eq!(names(&client, &second, &token).await, ["kept"]);
    let retried = send(&second, &token).await.expect("retry");
    assert_eq!(retried.status(), 201);
    assert_eq!(retried.text().await.expect("body"), created_body);
    assert_eq!(rows(&path, "cxone_actions"), 1);
}

#[tokio::test]
async fn past_the_cap_the_oldest_go_first_from_the_file_too() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(STATE_FILE_NAME);
    let limits = StoreLimits {
        max_actions: 3,
        max_bytes: usize::MAX,
    };
    let sandbox = start_on(&path, limits).await;
    let client = sandbox_common::client();
    let token = sandbox_common::token(&client, &sandbox).await;
    for n in 1..=5 {
        let response = sandbox_common::create(&client, &sandbox, &token, &format!("a{n}")).await;
        assert_eq!(response.status(), 201);
    }
    assert_eq!(names(&client, &sandbox, &token).await, ["a3", "a4", "a5"]);
    assert_eq!(rows(&path, "cxone_actions"), 3);
    let other = start_on(&path, limits).await;
    let token = sandbox_common::token(&client, &other).await;
    assert_eq!(names(&client, &other, &token).await, ["a3", "a4", "a5"]);
    // The oldest's name is free again, for either sandbox.
    let again = sandbox_common::create(&client, &other, &token, "a1").await;
    assert_eq!(again.status(), 201);
    assert_eq!(rows(&path, "cxone_actions"), 3);
}
