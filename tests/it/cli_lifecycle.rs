//! `cxda diff`, `cxda push` and `cxda delete` through the real binary against a test
//! sandbox on loopback, on both dialects: pull → untouched diff exits 0; an edit → diff
//! names the pointer and both values; push → the same id, version + 1, written back into
//! the file (no other byte changed); push again → `unchanged`; a change pushed from another
//! copy → the stale file refused, `--force` overrides; genesys-cloud contract changes
//! refused without `--replace`, which gives a new id (the old one 404); delete → 404; every
//! remote change an audit record.

use serde_json::Value;

use crate::cli_list_pull::Remote;
use crate::cli_submit_common::{stderr, stdout};
use crate::sandbox_common;

/// The HTTP status of `GET` on the action `id` (published, on genesys-cloud).
fn status_of(remote: &Remote, id: &str) -> u16 {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let handle = &remote.sandbox.handle;
    runtime.block_on(async {
        let client = sandbox_common::client();
        let token = sandbox_common::token(&client, handle).await;
        let url = if remote.genesys {
            format!("{}/api/v2/integrations/actions/{id}", handle.base_url())
        } else {
            format!("{}/{id}", sandbox_common::collection_url(handle))
        };
        client
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .expect("get")
            .status()
            .as_u16()
    })
}

fn read_json(path: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json")
}

/// Runs `cxda ARGS`, asserts the exit code, returns stdout.
fn expect(remote: &Remote, args: &[&str], code: i32) -> String {
    let out = remote.ws.run(args);
    assert_eq!(
        out.status.code(),
        Some(code),
        "cxda {args:?}\nstdout: {}\nstderr: {}",
        stdout(&out),
        stderr(&out)
    );
    stdout(&out)
}

/// Replaces `from` by `to` in the file (exactly once).
fn edit(path: &str, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).expect("read");
    assert_eq!(text.matches(from).count(), 1, "{from:?} once in {text}");
    std::fs::write(path, text.replace(from, to)).expect("write");
}

/// The round trip both dialects share; `field` is a top-level string to edit and `old` its
/// value as seeded.
fn round_trip(remote: &Remote, pointer: &str, old: &str, new: &str) -> (String, String) {
    let id = remote.seed(&["Lookup".to_string()]).remove(0);
    let a = remote.ws.path().join("a.json").display().to_string();
    expect(remote, &["pull", &id, "-o", &a], 0);
    let pulled = read_json(&a);
    let version = pulled["version"].as_u64().expect("a version");

    let out = expect(remote, &["diff", &a], 0);
    assert_eq!(out, format!("{a}: equal to {id} (version {version})\n"));

    edit(&a, &format!("\"{old}\""), &format!("\"{new}\""));
    let out = expect(remote, &["diff", &a], 1);
    assert!(
        out.contains(&format!("  {pointer}: server \"{old}\", file \"{new}\"")),
        "{out}"
    );

    let before = std::fs::read_to_string(&a).expect("read");
    let out = expect(remote, &["push", &a], 0);
    let next = version + 1;
    assert_eq!(out, format!("{a}: updated {id} to version {next}\n"));
    let after = std::fs::read_to_string(&a).expect("read");
    assert_eq!(
        after,
        before.replace(
            &format!("\"version\": {version}"),
            &format!("\"version\": {next}")
        ),
        "only the version changed in the file"
    );
    let out = expect(remote, &["diff", &a], 0);
    assert!(out.contains("equal to"), "{out}");
    let out = expect(remote, &["push", &a], 0);
    assert_eq!(out, format!("{a}: unchanged {id} (version {next})\n"));

    // Someone else pushes a change from their own copy: this file is now stale.
    let b = remote.ws.path().join("b.json").display().to_string();
    expect(remote, &["pull", &id, "-o", &b], 0);
    edit(&b, &format!("\"{new}\""), "\"theirs\"");
    expect(remote, &["push", &b], 0);
    edit(&a, &format!("\"{new}\""), "\"mine\"");
    let out = expect(remote, &["push", &a], 1);
    assert!(
        out.contains("refused") && out.contains(&format!("version {next}")),
        "{out}"
    );
    assert!(out.contains("--force"), "{out}");
    let out = expect(remote, &["push", "--force", &a], 0);
    assert!(
        out.contains(&format!("updated {id} to version {}", next + 2)),
        "{out}"
    );
    (id, a)
}

fn audit_operations(remote: &Remote) -> Vec<(String, String)> {
    let mut records: Vec<(String, String)> = remote
        .ws
        .audit_records()
        .iter()
        .map(|r| {
            (
                r["operation"].as_str().unwrap_or("create").to_string(),
                r["outcome"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    records.reverse();
    records
}

#[test]
fn cxone_pull_diff_push_and_delete() {
    let remote = Remote::cxone();
    let (id, a) = round_trip(&remote, "/description", "sandbox test", "edited");
    assert_eq!(status_of(&remote, &id), 200);

    let out = expect(&remote, &["delete", &id, "--yes"], 0);
    assert!(out.starts_with("deleted \"Lookup\""), "{out}");
    assert_eq!(status_of(&remote, &id), 404);
    // The file names an id that is gone and a name that is free: a push creates it again.
    let out = expect(&remote, &["push", &a], 0);
    let created: Vec<&str> = out.trim_end().split(' ').collect();
    assert_eq!(created[1], "created", "{out}");
    let new_id = read_json(&a)["id"].as_str().expect("id").to_string();
    assert_ne!(new_id, id);
    assert_eq!(read_json(&a)["version"], 1);
    assert_eq!(status_of(&remote, &new_id), 200);

    assert_eq!(
        audit_operations(&remote),
        [
            ("update", "updated"),
            ("update", "updated"),
            ("update", "updated"),
            ("delete", "deleted"),
            ("create", "created"),
        ]
        .map(|(o, r)| (o.to_string(), r.to_string()))
    );
}

#[test]
fn genesys_pull_diff_push_replace_and_delete() {
    let remote = Remote::genesys();
    let (id, a) = round_trip(&remote, "/category", "cxda", "edited");

    // A contract change cannot be made in place.
    let text = std::fs::read_to_string(&a).expect("read");
    let mut value: Value = serde_json::from_str(&text).expect("json");
    value["contract"]["input"]["inputSchema"]["properties"]["extra"] =
        serde_json::json!({"type": "string"});
    std::fs::write(&a, serde_json::to_string_pretty(&value).expect("json")).expect("write");
    let out = expect(&remote, &["push", &a], 1);
    assert!(out.contains("--replace") && out.contains("NEW id"), "{out}");
    let out = expect(&remote, &["push", "--replace", &a], 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines[0].contains(&format!("deleted {id}")), "{out}");
    let new_id = read_json(&a)["id"].as_str().expect("id").to_string();
    assert_ne!(new_id, id);
    assert!(
        lines[1].contains(&format!("created {new_id}")) && lines[1].contains("NEW id"),
        "{out}"
    );
    assert_eq!(status_of(&remote, &id), 404);
    assert_eq!(status_of(&remote, &new_id), 200);

    expect(&remote, &["delete", &new_id, "--yes"], 0);
    assert_eq!(status_of(&remote, &new_id), 404);
    let operations = audit_operations(&remote);
    assert_eq!(
        operations,
        [
            ("update", "updated"),
            ("update", "updated"),
            ("update", "updated"),
            ("delete", "deleted"),
            ("create", "created"),
            ("delete", "deleted"),
        ]
        .map(|(o, r)| (o.to_string(), r.to_string()))
    );
}

#[test]
fn a_new_file_is_created_and_gets_its_id_and_version() {
    let remote = Remote::genesys();
    let path = remote.ws.path().join("new.json");
    let mut body = crate::sandbox_genesys_common::create_body("Brand new");
    body.as_object_mut()
        .expect("object")
        .remove("integrationId");
    let text = serde_json::to_string_pretty(&body).expect("json");
    std::fs::write(&path, &text).expect("write");
    let path = path.display().to_string();
    expect(&remote, &["diff", &path], 1);
    let out = expect(&remote, &["push", &path], 0);
    let value = read_json(&path);
    let id = value["id"].as_str().expect("id written back");
    assert_eq!(out, format!("{path}: created {id} (version 2)\n"));
    assert_eq!(value["version"], 2);
    let written = std::fs::read_to_string(&path).expect("read");
    assert!(
        written.starts_with(text.trim_end_matches("\n}")),
        "{written}"
    );
    expect(&remote, &["diff", &path], 0);
}

#[test]
fn delete_needs_yes_off_a_terminal_and_names_what_is_missing() {
    let remote = Remote::cxone();
    let id = remote.seed(&["Keep me".to_string()]).remove(0);
    let out = remote.ws.run(&["delete", &id]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--yes"), "{}", stderr(&out));
    assert_eq!(status_of(&remote, &id), 200);
    let out = remote.ws.run(&["delete", "no such action", "--yes"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("no such action"), "{}", stderr(&out));
}

#[test]
fn push_refuses_files_that_fail_the_checks_and_flags_of_the_other_dialect() {
    let remote = Remote::cxone();
    let bad = remote
        .ws
        .file("bad.json", crate::cli_submit_common::SCHEMA_ERROR);
    let out = expect(&remote, &["push", &bad], 1);
    assert!(out.starts_with(&format!("{bad}: rejected - ")), "{out}");
    let good = remote.ws.payload("good.json", "Good");
    let out = remote.ws.run(&["push", "--replace", &good]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("genesys-cloud"), "{}", stderr(&out));
    assert!(remote.ws.audit_records().is_empty(), "nothing was sent");
}

#[test]
fn a_file_whose_id_is_gone_does_not_silently_update_a_namesake() {
    let remote = Remote::cxone();
    let id = remote.seed(&["Shared name".to_string()]).remove(0);
    let a = remote.ws.path().join("a.json").display().to_string();
    expect(&remote, &["pull", &id, "-o", &a], 0);
    // The file now names an id this server never had (pulled elsewhere, say).
    edit(&a, &format!("\"{id}\""), "\"da_elsewhere\"");
    edit(&a, "\"sandbox test\"", "\"mine\"");
    let out = expect(&remote, &["diff", &a], 1);
    assert!(out.contains("found by name"), "{out}");
    let out = expect(&remote, &["push", &a], 1);
    assert!(
        out.contains("refused") && out.contains("da_elsewhere") && out.contains("--force"),
        "{out}"
    );
    let out = expect(&remote, &["push", "--force", &a], 0);
    assert!(out.contains(&format!("updated {id} to version 2")), "{out}");
    assert_eq!(
        read_json(&a)["id"],
        id.as_str(),
        "the file now names the action it updated"
    );
    // --replace with --draft would leave only a draft: refused before anything is read.
    let out = remote.ws.run(&["push", "--replace", "--draft", &a]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}
