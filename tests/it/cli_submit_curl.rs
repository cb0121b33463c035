//! `cxda submit --curl` through the real binary: what it prints holds no token or secret,
//! and the printed script, run by `sh` with `curl` (and `jq` for genesys-cloud) against a
//! test sandbox on loopback, creates the action. Without curl or jq the run is skipped,
//! saying so; the printing is still checked.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::{Command, Output};
use std::time::Duration;

use cxda::config::SANDBOX_INTEGRATION_ID;
use serde_json::Value;

use crate::cli_submit_common::{SCHEMA_ERROR, TestSandbox, Workspace, run_bounded, stderr, stdout};
use crate::sandbox_common;

/// Whether `program` runs; a skip names what is missing.
fn available(program: &str, why: &str) -> bool {
    let found = Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("skipped running the script ({why}): {program} is not on PATH");
    }
    found
}

/// A token from the test sandbox, as the script's user would fetch one.
fn token(sandbox: &TestSandbox) -> String {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime
        .block_on(async { sandbox_common::token(&sandbox_common::client(), &sandbox.handle).await })
}

/// Runs the printed script with `sh` and the environment `vars`.
fn run_script(script: &str, vars: &[(&str, &str)]) -> Output {
    let mut sh = Command::new("sh");
    sh.arg("-c")
        .arg(script)
        .env_remove("HTTPS_PROXY")
        .env_remove("https_proxy")
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy");
    for (name, value) in vars {
        sh.env(name, value);
    }
    run_bounded(&mut sh, Duration::from_secs(60))
}

/// `cxda submit --curl ARGS` in `ws`, which must succeed; its stdout.
fn print(ws: &Workspace, args: &[&str]) -> String {
    let mut all = vec!["submit", "--curl"];
    all.extend(args);
    let out = ws.run(&all);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    stdout(&out)
}

/// The action names `cxda list --json` shows, with their versions.
fn listed(ws: &Workspace) -> Vec<(String, Value)> {
    let out = ws.run(&["list", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let value: Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    value
        .as_array()
        .expect("an array")
        .iter()
        .map(|a| {
            (
                a["name"].as_str().unwrap_or_default().to_string(),
                a["version"].clone(),
            )
        })
        .collect()
}

#[test]
fn cxone_curl_on_the_embedded_sandbox_uses_its_url_variable_and_creates_the_action() {
    // No profile: the embedded sandbox, which --curl does not start.
    let ws = Workspace::new();
    let file = ws.payload("a.json", "curl-made");
    let script = print(&ws, &[&file]);
    assert!(script.starts_with("#!/bin/sh\n"), "{script}");
    assert!(
        script.contains(r#""$CXDA_SANDBOX_URL"'/api/v2/data-actions'"#),
        "{script}"
    );
    assert!(
        script.contains(r#"'Authorization: Bearer '"$CXDA_TOKEN""#),
        "{script}"
    );
    assert!(!script.contains("sandbox-secret"), "{script}");
    assert!(!ws.data_dir().join("audit").exists(), "nothing recorded");

    if !available("curl", "cxone-v2 create") {
        return;
    }
    let sandbox = TestSandbox::plain();
    let token = token(&sandbox);
    assert!(!script.contains(&token));
    let base = sandbox.handle.base_url();
    let out = run_script(
        &script,
        &[("CXDA_TOKEN", &token), ("CXDA_SANDBOX_URL", &base)],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let answer: Value = serde_json::from_str(stdout(&out).trim()).expect("the create's answer");
    assert_eq!(answer["name"], "curl-made", "{answer}");

    // The same action, seen by cxda on a profile pointing at that sandbox.
    let check = Workspace::new();
    check.use_sandbox(&sandbox.handle, "");
    let names = listed(&check);
    assert_eq!(names.len(), 1, "{names:?}");
    assert_eq!(names[0].0, "curl-made");

    // Run again: the same Idempotency-Key, so the server answers with the same action.
    let again = run_script(
        &script,
        &[("CXDA_TOKEN", &token), ("CXDA_SANDBOX_URL", &base)],
    );
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert_eq!(listed(&check).len(), 1);
}

#[test]
fn a_secret_extra_header_is_a_variable_and_the_script_still_sends_it() {
    let sandbox = TestSandbox::plain();
    let ws = Workspace::new();
    ws.use_sandbox(
        &sandbox.handle,
        r#"extra_headers = { "X-Api-Key" = "s3cr3t-hdr-value", "X-Team" = "billing" }"#,
    );
    let file = ws.payload("a.json", "with-headers");
    let script = print(&ws, &[&file]);
    assert!(!script.contains("s3cr3t-hdr-value"), "{script}");
    assert!(
        script.contains(r#"-H 'X-Api-Key: '"$CXDA_HEADER_X_API_KEY""#),
        "{script}"
    );
    assert!(script.contains("-H 'X-Team: billing'"), "{script}");
    // A profile with a connection: its own URL, no variable.
    assert!(
        script.contains(&format!(
            "'{}/api/v2/data-actions'",
            sandbox.handle.base_url()
        )),
        "{script}"
    );
    if !available("curl", "headers sent") {
        return;
    }
    // An unset header variable stops the script before anything is sent.
    let token = token(&sandbox);
    let out = run_script(&script, &[("CXDA_TOKEN", &token)]);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains("CXDA_HEADER_X_API_KEY"),
        "{}",
        stderr(&out)
    );
    assert_eq!(sandbox.stats().create_requests, 0);
    let out = run_script(
        &script,
        &[
            ("CXDA_TOKEN", &token),
            ("CXDA_HEADER_X_API_KEY", "from-env"),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(sandbox.stats().create_requests, 1);
}

#[test]
fn genesys_curl_runs_draft_validation_publish_and_publishes_the_action() {
    let sandbox = TestSandbox::plain();
    let ws = Workspace::new();
    ws.use_sandbox(
        &sandbox.handle,
        &format!("api = \"genesys-cloud\"\nintegration_id = \"{SANDBOX_INTEGRATION_ID}\""),
    );
    let template = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("assets/templates/genesys-lookup.json"),
    )
    .expect("the template");
    let mut action: Value = serde_json::from_str(&template).expect("json");
    action["name"] = Value::from("curl-genesys");
    let file = ws.file(
        "g.json",
        &serde_json::to_string_pretty(&action).expect("json"),
    );
    let script = print(&ws, &[&file]);
    assert!(script.contains("DRAFT_ID=$("), "{script}");
    assert!(script.contains("must be passed to publish"), "{script}");
    assert!(!script.contains("sandbox-secret"), "{script}");
    let drafted = print(&ws, &["--draft", &file]);
    assert!(!drafted.contains("/draft/publish"), "{drafted}");

    if !available("curl", "genesys-cloud create") || !available("jq", "genesys-cloud create") {
        return;
    }
    let token = token(&sandbox);
    let out = run_script(&script, &[("CXDA_TOKEN", &token)]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    // Published from draft version 1, as `cxda submit` publishes it: version 2.
    let names = listed(&ws);
    assert_eq!(names, [("curl-genesys".to_string(), Value::from(2))]);
}

#[test]
fn a_file_that_fails_the_checks_is_named_and_not_printed() {
    let ws = Workspace::new();
    let good = ws.payload("good.json", "fine");
    let bad = ws.file("bad.json", SCHEMA_ERROR);
    let out = ws.run(&["submit", "--curl", &good, &bad]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("bad.json: not printed - payload check failed: 3:"),
        "{}",
        stderr(&out)
    );
    let script = stdout(&out);
    assert!(script.contains("good.json"), "{script}");
    assert!(!script.contains("SOAP"), "{script}");
    let both = ws.run(&["submit", "--curl", "--json", &good]);
    assert_eq!(both.status.code(), Some(2), "--json and --curl conflict");
}

/// Reads one HTTP/1.1 request (headers and a Content-Length body) and answers 201.
fn capture_one(listener: &TcpListener) -> (Vec<(String, String)>, Vec<u8>) {
    let (stream, _) = listener.accept().expect("curl connects");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut line = String::new();
    reader.read_line(&mut line).expect("request line");
    let mut headers = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line).expect("header line");
        let trimmed = line.trim_end_matches(['\r', '\n']);
        if trimmed.is_empty() {
            break;
        }
        let (name, value) = trimmed.split_once(':').expect("a header");
        headers.push((name.to_ascii_lowercase(), value.trim().to_string()));
    }
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .map_or(0, |(_, v)| v.parse().expect("a length"));
    let mut body = vec![0; length];
    reader.read_exact(&mut body).expect("the body");
    let mut stream = stream;
    let _ = stream.write_all(
        b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
    );
    (headers, body)
}

#[test]
fn curl_sends_the_very_headers_and_body_the_engine_builds() {
    if !available("curl", "header comparison") {
        return;
    }
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let ws = Workspace::new();
    let payload = "{\n  \"name\": \"it's $x `y` \\\\ ü\",\n  \"type\": \"REST\",\n  \"configuration\": {\"method\": \"GET\", \"url\": \"https://a.example.com\"}\n}\n";
    let file = ws.file("a.json", payload);
    let script = print(&ws, &[&file]);
    let server = std::thread::spawn(move || capture_one(&listener));
    let out = run_script(
        &script,
        &[("CXDA_TOKEN", "tok-xyz"), ("CXDA_SANDBOX_URL", &base)],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (mut sent, body) = server.join().expect("the capture");
    assert_eq!(String::from_utf8_lossy(&body), payload);

    // The engine's own create request with the same URL, token and correlation id.
    let correlation_id = sent
        .iter()
        .find(|(n, _)| n == "x-correlation-id")
        .map(|(_, v)| v.clone())
        .expect("a correlation id");
    let mut profile = cxda::config::Profile::sandbox();
    profile
        .complete_sandbox(&reqwest::Url::parse(&base).expect("url"))
        .expect("profile");
    let url = profile
        .connection
        .as_ref()
        .expect("connection")
        .create_url
        .clone();
    let request = cxda::engine::request::build_create(
        &profile,
        &url,
        cxda::engine::request::Credentials::Bearer("tok-xyz"),
        &correlation_id,
        bytes::Bytes::from(payload),
    );
    let mut built: Vec<(String, String)> = request
        .headers
        .iter()
        .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
        .collect();
    sent.sort();
    built.sort();
    assert_eq!(sent, built);
}
