//! `cxda list` and `cxda pull` through the real binary against a test sandbox on loopback
//! (shared across the calls of a test, since the embedded one lives only as long as its
//! process), on both dialects: the whole list across pages, `--name`, `--json`, `--drafts`,
//! exit codes; pull by id and by name, the file valid for `cxda validate`, `--all` with a
//! name collision and the overwrite rule.

use std::collections::HashSet;
use std::net::TcpListener;
use std::path::Path;
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use cxda::config::SANDBOX_INTEGRATION_ID;
use serde_json::Value;

use crate::cli_submit_common::{TestSandbox, Workspace, send_signal, stderr, stdout, wait_bounded};
use crate::sandbox_common;
use crate::sandbox_genesys_common::create_body;

/// A workspace whose profile `t` points at a fresh test sandbox, on `api` (the lifecycle
/// tests use it too).
pub(crate) struct Remote {
    pub ws: Workspace,
    pub sandbox: TestSandbox,
    pub genesys: bool,
}

impl Remote {
    pub fn cxone() -> Remote {
        let sandbox = TestSandbox::plain();
        let ws = Workspace::new();
        ws.use_sandbox(&sandbox.handle, "");
        Remote {
            ws,
            sandbox,
            genesys: false,
        }
    }

    pub fn genesys() -> Remote {
        let sandbox = TestSandbox::plain();
        let ws = Workspace::new();
        ws.use_sandbox(
            &sandbox.handle,
            &format!("api = \"genesys-cloud\"\nintegration_id = \"{SANDBOX_INTEGRATION_ID}\""),
        );
        Remote {
            ws,
            sandbox,
            genesys: true,
        }
    }

    /// Creates an action per name straight over HTTP (published, on genesys-cloud); their ids.
    pub fn seed(&self, names: &[String]) -> Vec<String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let handle = &self.sandbox.handle;
        runtime.block_on(async {
            let client = sandbox_common::client();
            let token = sandbox_common::token(&client, handle).await;
            let mut ids = Vec::new();
            for name in names {
                let (url, body) = if self.genesys {
                    (
                        format!("{}/api/v2/integrations/actions", handle.base_url()),
                        create_body(name).to_string(),
                    )
                } else {
                    (
                        sandbox_common::collection_url(handle),
                        sandbox_common::payload(name),
                    )
                };
                let response = sandbox_common::post_create(&client, &url, &token, body).await;
                let status = response.status().as_u16();
                let value: Value = response.json().await.expect("json");
                assert!((200..300).contains(&status), "{status} {value}");
                ids.push(value["id"].as_str().expect("id").to_string());
            }
            ids
        })
    }

    /// `cxda list --json`, parsed.
    pub fn list_json(&self, more: &[&str]) -> Vec<Value> {
        let mut args = vec!["list", "--json"];
        args.extend(more);
        let out = self.ws.run(&args);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let value: Value = serde_json::from_str(&stdout(&out)).expect("one JSON array");
        value.as_array().expect("an array").clone()
    }
}

fn names(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("act-{i:03}")).collect()
}

fn assert_lists_every_page(remote: &Remote, kind: &str) {
    let ids = remote.seed(&names(252));
    let listed = remote.list_json(&[]);
    assert_eq!(listed.len(), 252);
    let listed_ids: Vec<&str> = listed.iter().filter_map(|a| a["id"].as_str()).collect();
    assert_eq!(
        listed_ids,
        ids.iter().map(String::as_str).collect::<Vec<_>>()
    );
    let first = &listed[0];
    assert_eq!(first["name"], "act-001");
    assert!(first[kind].is_string(), "{first}");
    assert_eq!(first["version"], 1);

    let filtered = remote.list_json(&["--name", "ACT-25"]);
    let filtered: Vec<&str> = filtered.iter().filter_map(|a| a["name"].as_str()).collect();
    assert_eq!(filtered, ["act-250", "act-251", "act-252"]);

    let out = remote.ws.run(&["list"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let table = stdout(&out);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 253, "a header and a line per action");
    assert!(lines[0].starts_with("ID"), "{table}");
    assert!(lines[0].contains(&kind.to_uppercase()), "{table}");
    assert!(lines[252].starts_with(ids[251].as_str()), "{table}");
}

#[test]
fn list_reads_every_page_on_cxone() {
    let remote = Remote::cxone();
    assert_lists_every_page(&remote, "type");
    let first = &remote.list_json(&[])[0];
    assert!(first.get("secure").is_none(), "{first}");
    let out = remote.ws.run(&["list", "--drafts"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--drafts needs a genesys-cloud profile"));
}

#[test]
fn list_reads_every_page_on_genesys_and_lists_drafts() {
    let remote = Remote::genesys();
    assert_lists_every_page(&remote, "category");
    let first = &remote.list_json(&[])[0];
    assert_eq!(first["secure"], false);
    assert!(remote.list_json(&["--drafts"]).is_empty());
    // Drafts made straight over HTTP are listed with --drafts only.
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let client = sandbox_common::client();
        let token = sandbox_common::token(&client, &remote.sandbox.handle).await;
        let url = format!(
            "{}/api/v2/integrations/actions/drafts",
            remote.sandbox.handle.base_url()
        );
        let body = create_body("a draft").to_string();
        let response = sandbox_common::post_create(&client, &url, &token, body).await;
        assert_eq!(response.status().as_u16(), 200);
    });
    let drafts = remote.list_json(&["--drafts"]);
    assert_eq!(drafts.len(), 1);
    assert_eq!(drafts[0]["name"], "a draft");
    assert_eq!(remote.list_json(&[]).len(), 252);
}

#[test]
fn list_exits_1_when_the_server_cannot_be_reached_or_refuses() {
    let remote = Remote::cxone();
    // Wrong credentials: the token request is refused.
    let config = std::fs::read_to_string(remote.ws.config_path()).expect("config");
    remote
        .ws
        .write_config(&config.replace("sandbox-secret", "wrong-secret"));
    let out = remote.ws.run(&["list"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("access token"), "{}", stderr(&out));
    assert!(!stderr(&out).contains("wrong-secret"), "{}", stderr(&out));
    // Nothing listening.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let base = remote.sandbox.handle.base_url();
    remote.ws.write_config(
        &config
            .replace(&base, &format!("http://127.0.0.1:{port}"))
            .replace(
                "rate_limit = \"off\"",
                "rate_limit = \"off\"\nmax_retries = 0",
            ),
    );
    let out = remote.ws.run(&["list"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
}

/// Sets the sandbox's faults over HTTP.
fn put_faults(remote: &Remote, patch: Value) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let client = sandbox_common::client();
        let response = sandbox_common::put_faults(&client, &remote.sandbox.handle, patch).await;
        assert_eq!(response.status().as_u16(), 200);
    });
}

#[test]
fn list_keeps_to_a_server_rate_limit_and_shows_the_platforms_429_when_out_of_retries() {
    let remote = Remote::genesys();
    remote.seed(&names(252));
    // Three pages, two requests a second: the third is sent only after a wait, learnt from
    // the rate-limit headers or asked by a 429's Retry-After (without either it gets a 429
    // and the list fails).
    put_faults(&remote, serde_json::json!({"rate_limit": "2/s"}));
    assert_eq!(remote.list_json(&[]).len(), 252);

    // One request an hour, spent here: cxda's first page gets the 429.
    put_faults(&remote, serde_json::json!({"rate_limit": "1/hour"}));
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let client = sandbox_common::client();
        let token = sandbox_common::token(&client, &remote.sandbox.handle).await;
        let url = format!(
            "{}/api/v2/integrations/actions",
            remote.sandbox.handle.base_url()
        );
        let status = client
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .expect("get")
            .status();
        assert_eq!(status.as_u16(), 200);
    });
    let config = std::fs::read_to_string(remote.ws.config_path()).expect("config");
    remote.ws.write_config(&config.replace(
        "rate_limit = \"off\"",
        "rate_limit = \"off\"\nmax_retries = 0",
    ));
    let out = remote.ws.run(&["list"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("the server answered 429"), "{err}");
    assert!(
        err.contains("too.many.requests"),
        "the ErrorBody's code: {err}"
    );
    assert!(stdout(&out).is_empty());
}

#[test]
fn list_interrupted_while_waiting_for_the_server_exits_130() {
    // A server that accepts connections and never answers.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let (accepted, connections) = mpsc::channel();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            let Ok(stream) = stream else { break };
            held.push(stream);
            if accepted.send(()).is_err() {
                break;
            }
        }
    });
    let ws = Workspace::new();
    ws.write_config(&format!(
        "default_profile = \"t\"\n\n[profiles.t]\n\
         token_url = \"{base}/oauth/token\"\n\
         api_base_url = \"{base}\"\n\
         client_id = \"sandbox\"\n\
         client_secret = \"sandbox-secret\"\n\
         timeout_ms = 60000\n\
         rate_limit = \"off\"\n"
    ));
    let mut child = ws
        .cxda()
        .arg("list")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn cxda");
    connections
        .recv_timeout(Duration::from_secs(20))
        .expect("cxda connects before the timeout");
    send_signal(&child, "INT");
    let status = wait_bounded(&mut child, Duration::from_secs(10));
    assert_eq!(status.code(), Some(130));
}

/// Pulls `key` into `file`, checks the result line and returns the file's JSON.
fn pull_to_file(remote: &Remote, key: &str, file: &Path) -> Value {
    let file_arg = file.to_str().expect("utf-8");
    let out = remote.ws.run(&["pull", key, "-o", file_arg]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("pulled "), "{}", stderr(&out));
    let text = std::fs::read_to_string(file).expect("the file");
    serde_json::from_str(&text).expect("JSON")
}

fn assert_pulls(remote: &Remote, api: &str) {
    let ids = remote.seed(&["Pull me".to_string(), "Other".to_string()]);
    let by_name = remote.ws.path().join("by-name.json");
    let value = pull_to_file(remote, "Pull me", &by_name);
    assert_eq!(value["id"], ids[0].as_str());
    assert_eq!(value["version"], 1);
    assert_eq!(value["name"], "Pull me");
    let text = std::fs::read_to_string(&by_name).expect("file");
    assert!(text.starts_with("{\n  \"name\": \"Pull me\""), "{text}");
    for server_only in ["selfUri", "createdAt"] {
        assert!(!text.contains(server_only), "{text}");
    }
    // The file is a payload of its dialect.
    let path = by_name.to_str().expect("utf-8");
    let out = remote.ws.run(&["validate", "--api", api, path]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );

    // By id, to stdout: the same text.
    let out = remote.ws.run(&["pull", &ids[0]]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), text);

    let out = remote.ws.run(&["pull", "No such action"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("no action has the id or the name"));
}

#[test]
fn pull_by_id_and_by_name_on_cxone() {
    assert_pulls(&Remote::cxone(), "cxone-v2");
}

#[test]
fn pull_by_id_and_by_name_on_genesys() {
    let remote = Remote::genesys();
    assert_pulls(&remote, "genesys-cloud");
    let value = pull_to_file(&remote, "Other", &remote.ws.path().join("other.json"));
    assert!(
        value["contract"]["input"]["inputSchema"].is_object(),
        "{value}"
    );
    assert_eq!(value["config"]["request"]["requestType"], "GET");
    assert_eq!(value["integrationId"], SANDBOX_INTEGRATION_ID);
}

#[test]
fn pull_all_writes_a_file_per_action_and_keeps_changed_files() {
    let remote = Remote::cxone();
    let ids = remote.seed(&[
        "Same Name".to_string(),
        "same-name".to_string(),
        "Third one".to_string(),
    ]);
    let dir = remote.ws.path().join("backup/nested");
    let dir_arg = dir.to_str().expect("utf-8");
    let out = remote.ws.run(&["pull", "--all", dir_arg]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .expect("the dir was made")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let mut expected = vec![
        format!("same-name-{}.json", ids[0].to_lowercase().replace('_', "-")),
        format!("same-name-{}.json", ids[1].to_lowercase().replace('_', "-")),
        "third-one.json".to_string(),
    ];
    expected.sort();
    assert_eq!(files, expected);
    let pulled: HashSet<String> = files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(dir.join(f)).expect("file");
            let value: Value = serde_json::from_str(&text).expect("json");
            value["id"].as_str().expect("id").to_string()
        })
        .collect();
    assert_eq!(pulled, ids.iter().cloned().collect());

    // Again: the same content, nothing to refuse.
    let out = remote.ws.run(&["pull", "--all", dir_arg]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // An edited file is kept, unless --force.
    let third = dir.join("third-one.json");
    std::fs::write(&third, "{\"edited\": true}\n").expect("edit");
    let out = remote.ws.run(&["pull", "--all", dir_arg]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("exists with other content"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(&third).expect("file"),
        "{\"edited\": true}\n"
    );
    let out = remote.ws.run(&["pull", "--all", dir_arg, "--force"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        std::fs::read_to_string(&third)
            .expect("file")
            .contains("Third one")
    );
}
