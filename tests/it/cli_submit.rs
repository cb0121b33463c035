//! `cxda submit` through the real binary: the sandbox fallback, result lines in input order,
//! `--json`, local checks, exit codes 1/2/130, and that no secret reaches the data dir.

use crate::cli_submit_common;

use std::process::Stdio;
use std::time::Duration;

use cli_submit_common::{
    SCHEMA_ERROR, TestSandbox, Workspace, line_channel, send_signal, stderr, stdout, wait_bounded,
};
use cxda::sandbox::Faults;
use serde_json::Value;

/// `FILE: created ID` → ID.
fn created_id(line: &str) -> &str {
    line.rsplit_once(": created ")
        .map(|(_, id)| id)
        .unwrap_or_else(|| panic!("not a created line: {line}"))
}

#[test]
fn without_a_profile_it_uses_the_embedded_sandbox_says_so_and_creates() {
    let ws = Workspace::new();
    let file = ws.payload("a.json", "FallbackCreates");
    let out = ws.run(&["submit", &file]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "no profile configured: using the embedded sandbox; nothing leaves this machine"
        ),
        "{}",
        stderr(&out)
    );
    let text = stdout(&out);
    let line = text.lines().next().expect("a result line");
    assert!(line.starts_with(&format!("{file}: created ")), "{text}");
    assert_eq!(created_id(line).len(), 26, "an audit id: {line}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(ws.data_dir())
            .expect("data dir")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700, "the data dir is private");
    }
}

#[test]
fn results_are_printed_in_input_order_whatever_the_outcome() {
    let sandbox = TestSandbox::plain();
    let ws = Workspace::new();
    ws.use_sandbox(&sandbox.handle, "");
    let taken = ws.payload("taken.json", "Taken");
    let first = ws.run(&["submit", &taken]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));

    let a = ws.payload("a.json", "OrderA");
    let bad = ws.file("bad.json", SCHEMA_ERROR);
    let b = ws.payload("b.json", "OrderB");
    let out = ws.run(&["submit", &a, &bad, &taken, &b, "--concurrency", "4"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(lines[0].starts_with(&format!("{a}: created ")), "{text}");
    assert!(
        lines[1].starts_with(&format!(
            "{bad}: rejected - payload check failed, not sent: 3:"
        )),
        "{text}"
    );
    assert!(
        lines[2].starts_with(&format!("{taken}: rejected 409 ")),
        "{text}"
    );
    assert!(lines[3].starts_with(&format!("{b}: created ")), "{text}");
}

#[test]
fn json_prints_each_files_audit_record_in_input_order() {
    let sandbox = TestSandbox::plain();
    let ws = Workspace::new();
    ws.use_sandbox(&sandbox.handle, "");
    let files: Vec<String> = (0..5)
        .map(|i| ws.payload(&format!("p{i}.json"), &format!("Json{i}")))
        .collect();
    let mut args = vec!["submit", "--json", "--concurrency", "3"];
    args.extend(files.iter().map(String::as_str));
    let out = ws.run(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let records: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(records.len(), 5);
    for (i, record) in records.iter().enumerate() {
        assert_eq!(record["action_name"], format!("Json{i}"));
        assert_eq!(record["outcome"], "created");
        assert_eq!(record["status"], 201);
        assert!(record["id"].as_str().is_some_and(|id| id.len() == 26));
    }
}

#[test]
fn a_payload_with_schema_errors_exits_1_is_recorded_and_nothing_is_sent() {
    let sandbox = TestSandbox::plain();
    let ws = Workspace::new();
    ws.use_sandbox(&sandbox.handle, "");
    let bad = ws.file("bad.json", SCHEMA_ERROR);
    let out = ws.run(&["submit", &bad]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with(&format!(
            "{bad}: rejected - payload check failed, not sent: 3:"
        )),
        "{}",
        stdout(&out)
    );
    let stats = sandbox.stats();
    assert_eq!((stats.token_requests, stats.create_requests), (0, 0));
    let records = ws.audit_records();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["outcome"], "rejected");
    assert_eq!(records[0]["status"], Value::Null);
}

#[test]
fn a_missing_file_exits_2_naming_it_and_nothing_is_sent() {
    let sandbox = TestSandbox::plain();
    let ws = Workspace::new();
    ws.use_sandbox(&sandbox.handle, "");
    let good = ws.payload("good.json", "NotSentEither");
    let missing = ws.path().join("missing.json");
    let missing = missing.to_str().expect("utf-8");
    let out = ws.run(&["submit", &good, missing]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("cannot read {missing}")),
        "{}",
        stderr(&out)
    );
    assert_eq!(stdout(&out), "");
    let stats = sandbox.stats();
    assert_eq!((stats.token_requests, stats.create_requests), (0, 0));
}

#[test]
fn a_missing_secret_is_a_config_error_exit_2_before_any_network_io() {
    let sandbox = TestSandbox::plain();
    let ws = Workspace::new();
    let base = sandbox.handle.base_url();
    ws.write_config(&format!(
        "default_profile = \"t\"\n[profiles.t]\ntoken_url = \"{base}/oauth/token\"\n\
         api_base_url = \"{base}\"\nclient_id = \"sandbox\"\n\
         client_secret = \"${{CXDA_TEST_SECRET_THAT_IS_NOT_SET}}\"\n"
    ));
    let file = ws.payload("a.json", "NeverSent");
    let out = ws
        .cxda()
        .env_remove("CXDA_TEST_SECRET_THAT_IS_NOT_SET")
        .args(["submit", &file])
        .output()
        .expect("run cxda");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("profile `t`") && err.contains("client_secret"),
        "{err}"
    );
    let stats = sandbox.stats();
    assert_eq!((stats.token_requests, stats.create_requests), (0, 0));
}

#[test]
fn plain_progress_names_each_retry_and_redirect_and_the_record_keeps_the_attempts() {
    let sandbox = TestSandbox::start(Faults {
        fail_429: 1,
        redirect: Some(cxda::sandbox::RedirectFault::TemporaryRedirect),
        ..Faults::off()
    });
    let ws = Workspace::new();
    ws.use_sandbox(&sandbox.handle, "");
    let file = ws.payload("a.json", "Progressing");
    let out = ws.run(&["submit", &file]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().collect();
    let base = sandbox.handle.base_url();
    let expected = [
        format!("{file}: attempt 1 → 429, waiting 1.0 s (Retry-After)"),
        format!("{file}: 307 redirect to {base}/api/v2/data-actions/moved"),
    ];
    for line in &expected {
        assert!(lines.contains(&line.as_str()), "{line:?} in:\n{err}");
    }
    let records = ws.audit_records();
    let statuses: Vec<&Value> = records[0]["attempts"]
        .as_array()
        .expect("attempts")
        .iter()
        .map(|a| &a["status"])
        .collect();
    assert_eq!(statuses, [429, 307, 201]);
    assert!(records[0]["attempts"][0]["wait_ms"].as_u64() >= Some(1_000));
}

#[test]
fn ctrl_c_during_a_wait_cancels_every_file_records_each_and_exits_130() {
    let sandbox = TestSandbox::start(Faults {
        fail_429: 1_000,
        ..Faults::off()
    });
    let ws = Workspace::new();
    ws.use_sandbox(&sandbox.handle, "");
    let files: Vec<String> = (0..3)
        .map(|i| ws.payload(&format!("c{i}.json"), &format!("Cancel{i}")))
        .collect();
    let mut child = ws
        .cxda()
        .args(["submit", "--concurrency", "2"])
        .args(&files)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn cxda");
    let out = line_channel(child.stdout.take().expect("stdout"));
    let err = line_channel(child.stderr.take().expect("stderr"));
    // Plain progress (stderr is a pipe): wait until a 429 wait is under way.
    loop {
        let line = err
            .recv_timeout(Duration::from_secs(20))
            .expect("a waiting line on stderr before the timeout");
        if line.contains("429") && line.contains("waiting") {
            break;
        }
    }
    send_signal(&child, "INT");
    let status = wait_bounded(&mut child, Duration::from_secs(10));
    assert_eq!(status.code(), Some(130));
    let lines: Vec<String> = out.iter().collect();
    let expected: Vec<String> = files.iter().map(|f| format!("{f}: cancelled")).collect();
    assert_eq!(lines, expected);
    let records = ws.audit_records();
    assert_eq!(records.len(), 3, "one record per file");
    assert!(
        records.iter().all(|r| r["outcome"] == "cancelled"),
        "{records:?}"
    );
}

#[test]
fn a_batch_killed_with_sigkill_keeps_every_record_it_reported() {
    let sandbox = TestSandbox::start(Faults {
        latency_ms: 30,
        ..Faults::off()
    });
    let ws = Workspace::new();
    ws.use_sandbox(&sandbox.handle, "");
    let files: Vec<String> = (0..60)
        .map(|i| ws.payload(&format!("k{i:02}.json"), &format!("Kill{i:02}")))
        .collect();
    let mut child = ws
        .cxda()
        .args(["submit", "--concurrency", "2"])
        .args(&files)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn cxda");
    let out = line_channel(child.stdout.take().expect("stdout"));
    let mut reported = Vec::new();
    while reported.len() < 8 {
        let line = out
            .recv_timeout(Duration::from_secs(20))
            .expect("result lines before the timeout");
        reported.push(created_id(&line).to_string());
    }
    send_signal(&child, "KILL");
    let status = wait_bounded(&mut child, Duration::from_secs(10));
    assert_eq!(status.code(), None, "killed by a signal");
    // Lines that were already in the pipe were reported too.
    reported.extend(out.iter().map(|l| created_id(&l).to_string()));
    let ids: Vec<String> = ws
        .audit_records()
        .iter()
        .filter_map(|r| r["id"].as_str().map(String::from))
        .collect();
    for id in &reported {
        assert!(ids.contains(id), "reported {id} is not in the history");
    }
    assert!(reported.len() < files.len(), "the kill came before the end");
}

#[test]
fn no_secret_reaches_the_audit_file_or_the_logs() {
    const HEADER_SECRET: &str = "hdr-secret-5c9e1f7a";
    let ws = Workspace::new();
    ws.write_config(&format!(
        "[profiles.sandbox.extra_headers]\nX-Api-Token = \"{HEADER_SECRET}\"\n"
    ));
    let file = ws.payload("a.json", "NoSecrets");
    let out = ws
        .cxda()
        .env("CXDA_LOG", "trace")
        .args(["--profile", "sandbox", "submit", &file])
        .output()
        .expect("run cxda");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut files = Vec::new();
    collect_files(&ws.data_dir(), &mut files);
    assert!(
        files.iter().any(|f| f.ends_with("audit.jsonl")),
        "{files:?}"
    );
    assert!(
        files.iter().any(|f| f.to_string_lossy().contains("logs")),
        "{files:?}"
    );
    for path in files {
        let text = String::from_utf8_lossy(&std::fs::read(&path).expect("read")).into_owned();
        for secret in [
            "sandbox-secret",
            "c2FuZGJveDpzYW5kYm94LXNlY3JldA==",
            "sbx_",
            HEADER_SECRET,
        ] {
            assert!(
                !text.contains(secret),
                "{secret} found in {}",
                path.display()
            );
        }
    }
}

#[test]
fn it_waits_for_the_webhook_delivery_and_its_record_before_exiting() {
    let sandbox = TestSandbox::plain();
    let ws = Workspace::new();
    let hook = format!(
        "webhook_url = \"{}/_sandbox/webhook\"",
        sandbox.handle.base_url()
    );
    ws.use_sandbox(&sandbox.handle, &hook);
    let file = ws.payload("a.json", "Hooked");
    let out = ws.run(&["submit", &file]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let outcomes: Vec<Value> = ws
        .audit_records()
        .iter()
        .map(|r| r["outcome"].clone())
        .collect();
    assert_eq!(outcomes, ["webhook_delivered", "created"]);
}

#[test]
fn the_webhook_wait_is_announced_and_ctrl_c_skips_it_keeping_the_batch_exit_code() {
    // A webhook receiver that accepts connections and never answers: the delivery hangs.
    let receiver = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let hook = format!(
        "webhook_url = \"http://{}/hook\"",
        receiver.local_addr().expect("addr")
    );
    std::thread::spawn(move || {
        let held: Vec<_> = receiver.incoming().collect();
        drop(held);
    });
    let sandbox = TestSandbox::plain();
    let ws = Workspace::new();
    ws.use_sandbox(&sandbox.handle, &hook);
    let file = ws.payload("a.json", "HookNeverAnswers");
    let mut child = ws
        .cxda()
        .args(["submit", &file])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn cxda");
    let out = line_channel(child.stdout.take().expect("stdout"));
    let err = line_channel(child.stderr.take().expect("stderr"));
    loop {
        let line = err
            .recv_timeout(Duration::from_secs(20))
            .expect("the webhook wait announced on stderr");
        if line == "waiting for 1 webhook delivery (up to 10 s; Ctrl-C to skip)" {
            break;
        }
    }
    let interrupted = std::time::Instant::now();
    send_signal(&child, "INT");
    let status = wait_bounded(&mut child, Duration::from_secs(20));
    assert!(
        interrupted.elapsed() < Duration::from_secs(5),
        "the 10 s wait was not skipped: {:?}",
        interrupted.elapsed()
    );
    assert_eq!(status.code(), Some(0), "the file was created");
    let lines: Vec<String> = out.iter().collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains(": created "), "{lines:?}");
}

#[test]
fn an_https_proxy_that_is_not_a_url_is_a_config_error_exit_2_naming_it() {
    let sandbox = TestSandbox::plain();
    let ws = Workspace::new();
    ws.use_sandbox(&sandbox.handle, "");
    let file = ws.payload("a.json", "BadProxy");
    let out = ws
        .cxda()
        .env("HTTPS_PROXY", "http://user:pw@[proxy")
        .args(["submit", &file])
        .output()
        .expect("run cxda");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("HTTPS_PROXY=\"http://[redacted]@[proxy\" is not a proxy URL"),
        "{err}"
    );
    assert!(!err.contains("pw"), "{err}");
    let stats = sandbox.stats();
    assert_eq!((stats.token_requests, stats.create_requests), (0, 0));
}

#[test]
fn a_bad_cxda_log_value_warns_and_the_command_carries_on() {
    let ws = Workspace::new();
    let bad = ws.file("bad.json", SCHEMA_ERROR);
    let out = ws
        .cxda()
        .env("CXDA_LOG", "loud")
        .args(["submit", &bad])
        .output()
        .expect("run cxda");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("CXDA_LOG=\"loud\" is not a level"),
        "{}",
        stderr(&out)
    );
}

fn collect_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            collect_files(&path, out);
        } else {
            out.push(path);
        }
    }
}
