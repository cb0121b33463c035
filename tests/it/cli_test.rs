//! `cxda test` through the real binary, with the action's target API served by the test
//! itself (`target_common`): the request the target receives (path, query escaping,
//! headers, body), every step and the translated, validated result; the input checked
//! first (nothing sent); an unsupported template construct named at its place; a target
//! error, a timeout and the redirect rules; a cxone-v2 run over https with placeholders; and
//! `--var` values never on screen or on disk.

use serde_json::Value;

use crate::cli_list_pull::Remote;
use crate::cli_submit_common::{Workspace, stderr, stdout};
use crate::files_common::data_dir_text;
use crate::target_common::Target;

const TOKEN: &str = "tok-3f9a-never-shown";

/// `cxda test FILE --local --input INPUT EXTRA...` in the remote's workspace, asserting the
/// exit code; (stdout, stderr).
fn local(remote: &Remote, file: &str, input: &str, extra: &[&str], code: i32) -> (String, String) {
    let mut args = vec!["test", file, "--local", "--input", input];
    args.extend_from_slice(extra);
    expect(remote, &args, code)
}

/// The studio's genesys template with its target moved to `target` + `path`.
fn lookup(target: &Target, path: &str) -> String {
    include_str!("../../assets/templates/genesys-lookup.json").replace(
        "https://crm.example.com/api/v1/customers",
        &format!("{}{path}", target.base()),
    )
}

/// Runs `cxda ARGS` in the remote's workspace, asserts the exit code; (stdout, stderr).
fn expect(remote: &Remote, args: &[&str], code: i32) -> (String, String) {
    let out = remote.ws.run(args);
    let (o, e) = (stdout(&out), stderr(&out));
    assert_eq!(
        out.status.code(),
        Some(code),
        "cxda {args:?}\nstdout: {o}\nstderr: {e}"
    );
    (o, e)
}

fn tests_recorded(ws: &Workspace) -> Vec<Value> {
    ws.audit_records()
        .into_iter()
        .filter(|r| r["operation"] == "test")
        .collect()
}

#[test]
fn a_local_genesys_run_sends_the_rendered_request_and_shows_every_step() {
    let target = Target::http();
    let remote = Remote::genesys();
    let file = remote
        .ws
        .file("lookup.json", &lookup(&target, "/customers"));
    let var = format!("apiToken={TOKEN}");
    let (out, err) = local(
        &remote,
        &file,
        r#"{"phoneNumber": "+1 317/555&0123", "includeInactive": true}"#,
        &["--var", &var],
        0,
    );
    let received = target.received();
    assert_eq!(received.len(), 1, "{received:?}");
    let request = &received[0];
    assert_eq!(request.method, "GET");
    assert_eq!(
        request.target,
        "/customers?phone=%2B1+317%2F555%260123&inactive=true"
    );
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(request.header("accept"), Some("application/json"));
    for (n, name) in [
        (1, "Validate input against schema"),
        (2, "Resolve request URL template"),
        (3, "Resolve request headers"),
        (4, "Resolve request body template"),
        (5, "Execute request"),
        (6, "Resolve translation map"),
        (7, "Resolve success template"),
        (8, "Validate output against schema"),
    ] {
        assert!(
            out.contains(&format!("  {n} ✓ {name}")),
            "step {n} in\n{out}"
        );
    }
    assert!(out.contains("Bearer [redacted]"), "{out}");
    assert!(out.contains("\"customerId\": \"C-1\""), "{out}");
    assert!(out.contains("\"tier\": \"GOLD\""), "{out}");
    assert!(out.contains("\"openCases\": 2"), "{out}");
    assert!(out.contains(": passed (record "), "{out}");
    let records = tests_recorded(&remote.ws);
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["outcome"], "passed");
    assert_eq!(records[0]["status"], 200);
    assert_eq!(records[0]["action_name"], "Lookup customer by phone");
    for text in [&out, &err, &data_dir_text(&remote.ws.data_dir())] {
        assert!(!text.contains(TOKEN), "the --var value leaked:\n{text}");
    }
}

#[test]
fn the_input_is_checked_first_and_nothing_is_sent_when_it_fails() {
    let target = Target::http();
    let remote = Remote::genesys();
    let file = remote
        .ws
        .file("lookup.json", &lookup(&target, "/customers"));
    let (_, err) = local(&remote, &file, r#"{"includeInactive": "yes"}"#, &[], 2);
    assert!(
        err.contains("missing required property \"phoneNumber\" (a string)"),
        "{err}"
    );
    assert!(
        err.contains("property \"includeInactive\" must be a boolean, found a string"),
        "{err}"
    );
    assert!(target.received().is_empty());
    assert!(tests_recorded(&remote.ws).is_empty());
    let (_, err) = local(&remote, &file, "{oops", &[], 2);
    assert!(err.contains("--input: the argument is not JSON"), "{err}");
}

#[test]
fn an_unsupported_construct_is_named_at_its_place_in_the_file_and_nothing_is_sent() {
    let target = Target::http();
    let remote = Remote::genesys();
    let text = lookup(&target, "/customers").replace(
        "&inactive=$!esc.url($input.includeInactive)",
        "#if($input.includeInactive)&inactive=true#end",
    );
    let file = remote.ws.file("lookup.json", &text);
    let (out, _) = local(&remote, &file, r#"{"phoneNumber": "1"}"#, &[], 1);
    let (line, _) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("#if"))
        .expect("the line");
    let col = text
        .lines()
        .nth(line)
        .and_then(|l| l.find("#if"))
        .expect("col")
        + 1;
    assert!(
        out.contains(&format!(
            "{file}:{}:{col}: /config/request/requestUrlTemplate",
            line + 1
        )),
        "{out}"
    );
    assert!(out.contains("`#if`"), "{out}");
    assert!(out.contains("  2 ✗ Resolve request URL template"), "{out}");
    assert!(target.received().is_empty());
    assert_eq!(tests_recorded(&remote.ws)[0]["outcome"], "failed");
}

#[test]
fn a_target_error_fails_the_execute_step_and_json_gives_the_whole_report() {
    let target = Target::http();
    let remote = Remote::genesys();
    let file = remote.ws.file("lookup.json", &lookup(&target, "/missing"));
    let (out, _) = expect(
        &remote,
        &[
            "test",
            &file,
            "--local",
            "--json",
            "--input",
            r#"{"phoneNumber": "1"}"#,
            "--var",
            "apiToken=t0k",
        ],
        1,
    );
    let shown: Value = serde_json::from_str(out.trim()).expect("one JSON object");
    assert_eq!(shown["ran"], "local");
    assert_eq!(shown["outcome"], "failed");
    let report = &shown["report"];
    assert_eq!(report["success"], false);
    assert_eq!(report["error"]["code"], "target.status");
    assert_eq!(report["error"]["status"], 404);
    let last = report["operations"]
        .as_array()
        .and_then(|o| o.last())
        .expect("operations");
    assert_eq!(last["name"], "Execute request");
    assert_eq!(last["result"]["body"]["message"], "no such customer");
    let record = &tests_recorded(&remote.ws)[0];
    assert_eq!(
        (record["outcome"].as_str(), record["status"].as_u64()),
        (Some("failed"), Some(404))
    );
    assert_eq!(record["id"], shown["record"]);
}

#[test]
fn the_actions_timeout_bounds_the_request() {
    let target = Target::http();
    let remote = Remote::genesys();
    let text = lookup(&target, "/slow").replace("\"timeoutSeconds\": 10", "\"timeoutSeconds\": 1");
    let file = remote.ws.file("lookup.json", &text);
    let started = std::time::Instant::now();
    let (out, _) = local(
        &remote,
        &file,
        r#"{"phoneNumber": "1"}"#,
        &["--var", "apiToken=t0k"],
        1,
    );
    assert!(
        started.elapsed() < std::time::Duration::from_millis(2900),
        "{:?}",
        started.elapsed()
    );
    assert!(
        out.contains("  5 ✗ Execute request: no answer from"),
        "{out}"
    );
    assert!(out.contains("within the action's timeout of 1 s"), "{out}");
}

/// The lookup as a POST of the input (`${input.rawRequest}`) to `path`.
fn posting(target: &Target, path: &str) -> String {
    lookup(target, path)
        .replace("\"requestType\": \"GET\"", "\"requestType\": \"POST\"")
        .replace(
            "?phone=$esc.url(${input.phoneNumber})&inactive=$!esc.url($input.includeInactive)",
            "",
        )
}

#[test]
fn redirects_keep_the_body_or_are_refused_and_credentials_stay_on_their_origin() {
    let target = Target::http();
    let remote = Remote::genesys();
    let var = format!("apiToken={TOKEN}");
    let run = |path: &str, code: i32| {
        let file = remote.ws.file("post.json", &posting(&target, path));
        expect(
            &remote,
            &[
                "test",
                &file,
                "--local",
                "--input",
                r#"{"phoneNumber": "1"}"#,
                "--var",
                &var,
            ],
            code,
        )
        .0
    };
    let out = run("/temporary", 0);
    let received = target.received();
    assert_eq!(received.len(), 2, "{out}");
    assert!(
        received
            .iter()
            .all(|r| r.method == "POST" && r.body == r#"{"phoneNumber":"1"}"#),
        "{received:?}"
    );
    assert_eq!(received[1].target, "/customers");

    let out = run("/found", 1);
    assert!(out.contains("302"), "{out}");
    assert!(out.contains("dropped its body"), "{out}");
    assert_eq!(target.received().len(), 3, "the 302 is not followed");

    run("/elsewhere", 0);
    let received = target.received();
    let moved = received.last().expect("the followed request");
    assert_eq!(moved.target, "/customers");
    assert_eq!(
        moved.header("host").map(|h| h.starts_with("localhost:")),
        Some(true)
    );
    assert_eq!(moved.header("authorization"), None, "{moved:?}");
    assert!(
        received[received.len() - 2]
            .header("authorization")
            .is_some()
    );
}

#[test]
fn a_cxone_run_fills_its_placeholders_over_https_with_the_profiles_ca() {
    let target = Target::https();
    let ws = Workspace::new();
    let sandbox = crate::cli_submit_common::TestSandbox::plain();
    let ca = ws.file("target-ca.pem", target.ca_pem.as_deref().expect("a CA"));
    ws.use_sandbox(&sandbox.handle, &format!("ca_cert = \"{ca}\""));
    let payload = format!(
        r#"{{
  "name": "Open ticket",
  "type": "REST",
  "configuration": {{
    "method": "POST",
    "url": "{}/tickets/{{{{queue}}}}?lang={{{{lang}}}}",
    "headers": {{"X-Api-Key": "{{{{apiKey}}}}"}},
    "body": {{"priority": "{{{{priority}}}}", "note": "from {{{{queue}}}}"}}
  }}
}}"#,
        target.base()
    );
    let file = ws.file("ticket.json", &payload);
    let var = format!("apiKey={TOKEN}");
    let out = ws.run(&[
        "test",
        &file,
        "--input",
        r#"{"queue": "billing EU", "lang": "fr", "priority": 2}"#,
        "--var",
        &var,
    ]);
    let (o, e) = (stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(0), "stdout: {o}\nstderr: {e}");
    let received = target.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].target, "/tickets/billing%20EU?lang=fr");
    assert_eq!(received[0].header("x-api-key"), Some(TOKEN));
    let body: Value = serde_json::from_str(&received[0].body).expect("json body");
    assert_eq!(
        body,
        serde_json::json!({"priority": 2, "note": "from billing EU"})
    );
    assert!(o.contains("\"tier\": \"GOLD\""), "{o}");
    assert!(o.contains("\"X-Api-Key\":\"[redacted]\""), "{o}");
    for text in [&o, &e, &data_dir_text(&ws.data_dir())] {
        assert!(!text.contains(TOKEN), "the --var value leaked:\n{text}");
    }
}

#[test]
fn a_secure_actions_inputs_are_redacted_on_screen_and_in_the_record() {
    const PHONE: &str = "+13175550199";
    let target = Target::http();
    let remote = Remote::genesys();
    let text = lookup(&target, "/customers").replace("\"secure\": false", "\"secure\": true");
    let file = remote.ws.file("lookup.json", &text);
    let input = format!(r#"{{"phoneNumber": "{PHONE}"}}"#);
    let args = [
        "test",
        &file,
        "--local",
        "--input",
        &input,
        "--var",
        "apiToken=t0k",
    ];
    let (out, err) = expect(&remote, &args, 0);
    let received = target.received();
    assert!(
        received[0].target.contains("%2B13175550199"),
        "{received:?}"
    );
    assert!(out.contains("?phone=[redacted]&inactive="), "{out}");
    let data = data_dir_text(&remote.ws.data_dir());
    for text in [&out, &err, &data] {
        assert!(
            !text.contains(PHONE) && !text.contains("%2B13175550199"),
            "a secure input leaked:\n{text}"
        );
    }
    assert_eq!(tests_recorded(&remote.ws)[0]["outcome"], "passed");
}

#[test]
fn ctrl_c_while_the_target_is_slow_cancels_the_run_and_records_it() {
    use std::process::Stdio;
    use std::time::Duration;

    let target = Target::http();
    let remote = Remote::genesys();
    let text = lookup(&target, "/slow").replace("\"timeoutSeconds\": 10", "\"timeoutSeconds\": 30");
    let file = remote.ws.file("lookup.json", &text);
    let mut child = remote
        .ws
        .cxda()
        .args([
            "test",
            &file,
            "--local",
            "--input",
            r#"{"phoneNumber": "1"}"#,
            "--var",
            "apiToken=t0k",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while target.received().is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "the request never came"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    crate::cli_submit_common::send_signal(&child, "INT");
    let started = std::time::Instant::now();
    let status = crate::cli_submit_common::wait_bounded(&mut child, Duration::from_secs(10));
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(status.code(), Some(130));
    let record = &tests_recorded(&remote.ws)[0];
    assert_eq!(record["outcome"], "cancelled");
}

#[test]
fn on_the_platform_the_published_action_is_tested_and_a_changed_file_as_its_draft() {
    let target = Target::http();
    let remote = Remote::genesys();
    let file = remote
        .ws
        .file("lookup.json", &lookup(&target, "/customers"));
    let input = r#"{"phoneNumber": "+1 317"}"#;

    let (_, err) = expect(&remote, &["test", &file, "--input", input], 1);
    assert!(err.contains("is not published on the server"), "{err}");
    assert!(err.contains("--local"), "{err}");
    assert!(target.received().is_empty());

    expect(&remote, &["push", &file], 0);
    let (out, err) = expect(&remote, &["test", &file, "--input", input], 0);
    assert!(out.contains(": test on the platform, action "), "{out}");
    assert!(err.contains(": running the platform's test…"), "{err}");
    assert!(!err.contains("pushing"), "{err}");
    assert!(!out.contains("pushed as the draft"), "{out}");
    assert!(out.contains("\"customerId\": \"C-1\""), "{out}");
    let received = target.received();
    assert_eq!(
        received.len(),
        1,
        "the sandbox ran the action against the target once"
    );
    assert_eq!(received[0].target, "/customers?phone=%2B1+317&inactive=");

    // A changed file runs as the action's draft: pushed there first; run again, the draft
    // already holds it (nothing pushed); changed again, pushed over that draft (said so).
    let edit = |from: &str, to: &str| {
        let text = std::fs::read_to_string(&file).expect("read");
        assert!(text.contains(from), "{from} in {text}");
        std::fs::write(&file, text.replace(from, to)).expect("edit");
    };
    edit("/customers?", "/customers?v=2&");
    let (out, err) = expect(&remote, &["test", &file, "--input", input], 0);
    assert!(out.contains(": pushed as the draft of action "), "{out}");
    assert!(
        err.contains(": pushing the file as the action's draft…"),
        "{err}"
    );
    assert!(!out.contains("replacing the draft"), "{out}");
    let (out, err) = expect(&remote, &["test", &file, "--input", input], 0);
    assert!(
        out.contains(": test on the platform, the draft of "),
        "{out}"
    );
    assert!(
        !out.contains("pushed") && !err.contains("pushing"),
        "{out}{err}"
    );
    edit("\"0\"", "\"7\"");
    let (out, _) = expect(&remote, &["test", &file, "--input", input], 0);
    assert!(
        out.contains(", replacing the draft it already had (drafted"),
        "{out}"
    );
    let (out, _) = expect(&remote, &["test", &file, "--input", input, "--json"], 0);
    let shown: Value = serde_json::from_str(out.trim()).expect("json");
    assert_eq!(
        (shown["ran"].as_str(), shown["draft"].as_bool()),
        (Some("platform"), Some(true)),
        "{out}"
    );
    assert_eq!(shown["report"]["success"], true, "{out}");
    let received = target.received();
    assert_eq!(received.len(), 5);
    assert!(
        received[1..]
            .iter()
            .all(|r| r.target.starts_with("/customers?v=2&")),
        "{received:?}"
    );
    let records = remote.ws.audit_records();
    let tests: Vec<&Value> = records
        .iter()
        .filter(|r| r["operation"] == "test")
        .collect();
    assert_eq!(tests.len(), 5);
    assert!(tests.iter().all(|r| r["outcome"] == "passed"));
    assert!(
        tests[0]["url"]
            .as_str()
            .is_some_and(|u| u.ends_with("/draft/test")),
        "newest first: {:?}",
        tests[0]["url"]
    );
    // Two pushes made the draft (updates that stop before publishing), the second over
    // the first's draft, which is read first: a `read draft` step.
    let drafted: Vec<&Value> = records
        .iter()
        .filter(|r| r["operation"] == "update" && r["outcome"] == "drafted")
        .collect();
    assert_eq!(drafted.len(), 2, "{records:?}");
    let over = drafted[0]["steps"].as_array().expect("steps");
    assert!(over.iter().any(|s| s["name"] == "read draft"), "{over:?}");
}

#[test]
fn a_secret_in_a_redirected_url_or_an_echoed_answer_is_never_shown_or_kept() {
    let target = Target::http();
    let remote = Remote::genesys();
    let var = format!("apiToken={TOKEN}");
    let input = r#"{"phoneNumber": "1"}"#;
    let text = lookup(&target, "/bounce").replace(
        "&inactive=",
        "&key=$esc.url(${credentials.apiToken})&inactive=",
    );
    let file = remote.ws.file("bounce.json", &text);
    let (out, err) = local(&remote, &file, input, &["--var", &var], 0);
    let received = target.received();
    assert_eq!(received.len(), 2, "{received:?}");
    assert!(
        received[1].target.contains(TOKEN),
        "the secret was sent: {received:?}"
    );

    // A target that echoes the request: the token is in its answer, not on screen.
    let file = remote.ws.file("echo.json", &lookup(&target, "/echo"));
    let (out2, err2) = expect(
        &remote,
        &[
            "test", &file, "--local", "--json", "--input", input, "--var", &var,
        ],
        1,
    );
    assert!(out2.contains("Bearer [redacted]"), "{out2}");

    let data = data_dir_text(&remote.ws.data_dir());
    for text in [&out, &err, &out2, &err2, &data] {
        assert!(!text.contains(TOKEN), "the --var value leaked:\n{text}");
    }
    let bounced = &tests_recorded(&remote.ws)[1];
    assert_eq!(bounced["redirects"][0]["status"], 302);
    assert!(
        bounced["redirects"][0]["to"]
            .as_str()
            .is_some_and(|to| to.contains("key=[redacted]")),
        "{bounced}"
    );
}

#[test]
fn a_body_holding_a_secret_is_not_sent_to_another_origin() {
    let target = Target::http();
    let remote = Remote::genesys();
    let text = posting(&target, "/elsewhere").replace(
        "\"requestTemplate\": \"${input.rawRequest}\"",
        "\"requestTemplate\": \"{\\\"token\\\": \\\"${credentials.apiToken}\\\"}\"",
    );
    assert!(text.contains("credentials.apiToken}\\\"}"), "{text}");
    let file = remote.ws.file("post.json", &text);
    let var = format!("apiToken={TOKEN}");
    let (out, _) = local(
        &remote,
        &file,
        r#"{"phoneNumber": "1"}"#,
        &["--var", &var],
        1,
    );
    assert!(
        out.contains("not followed, since the body holds a secret"),
        "{out}"
    );
    assert_eq!(
        target.received().len(),
        1,
        "only the first origin got the body"
    );
}

#[test]
fn a_credential_without_its_var_fails_naming_the_var_and_a_bad_var_is_not_echoed() {
    let target = Target::http();
    let remote = Remote::genesys();
    let file = remote
        .ws
        .file("lookup.json", &lookup(&target, "/customers"));
    let (out, _) = local(&remote, &file, r#"{"phoneNumber": "1"}"#, &[], 1);
    assert!(
        out.contains("${credentials.apiToken} has no value: give --var apiToken=VALUE"),
        "{out}"
    );
    assert!(target.received().is_empty());
    let (_, err) = expect(&remote, &["test", &file, "--local", "--var", TOKEN], 2);
    assert!(err.contains("--var number 1: expected NAME=VALUE"), "{err}");
    assert!(!err.contains(TOKEN), "{err}");
}

#[test]
fn a_platform_test_waits_for_the_actions_own_call_past_the_profiles_timeout() {
    let target = Target::http();
    let sandbox = crate::cli_submit_common::TestSandbox::plain();
    let ws = Workspace::new();
    ws.use_sandbox(
        &sandbox.handle,
        &format!(
            "api = \"genesys-cloud\"\nintegration_id = \"{}\"\ntimeout_ms = 1000",
            cxda::config::SANDBOX_INTEGRATION_ID
        ),
    );
    let file = ws.file("slow.json", &lookup(&target, "/slow/customers"));
    let out = ws.run(&["push", &file]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    std::thread::scope(|scope| {
        // The target answers well after the profile's 1 s: what is tested is that the
        // platform's test is given the action's own time.
        scope.spawn(|| {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
            while target.received().is_empty() && std::time::Instant::now() < deadline {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            std::thread::sleep(std::time::Duration::from_millis(1500));
            target.release();
        });
        let out = ws.run(&["test", &file, "--input", r#"{"phoneNumber": "1"}"#]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}\n{}",
            stdout(&out),
            stderr(&out)
        );
        assert!(
            stdout(&out).contains(": passed (record "),
            "{}",
            stdout(&out)
        );
    });
}

#[test]
fn an_action_pushed_as_a_draft_only_is_tested_as_that_draft() {
    let target = Target::http();
    let remote = Remote::genesys();
    let file = remote
        .ws
        .file("lookup.json", &lookup(&target, "/customers"));
    let input = r#"{"phoneNumber": "+1 317"}"#;
    expect(&remote, &["push", "--draft", &file], 0);

    let (out, _) = expect(&remote, &["test", &file, "--input", input], 0);
    assert!(
        out.contains(": test on the platform, the draft of "),
        "{out}"
    );
    assert!(out.contains("\"customerId\": \"C-1\""), "{out}");
    assert_eq!(target.received().len(), 1);

    let text = std::fs::read_to_string(&file).expect("read");
    std::fs::write(&file, text.replace("\"0\"", "\"7\"")).expect("edit");
    let (_, err) = expect(&remote, &["test", &file, "--input", input], 1);
    assert!(
        err.contains("exists only as a draft, and the draft differs from the file"),
        "{err}"
    );
    assert!(err.contains("--local"), "{err}");
    assert_eq!(target.received().len(), 1, "nothing sent");
}
