//! `cxda validate` through the real binary: output format, `--json`, and exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The real binary, with an empty config file and none of the variables that choose a
/// profile: the developer's own config or environment never influences a test, and the
/// profile in use is the embedded sandbox (`cxone-v2`) unless the arguments say otherwise.
pub(crate) fn cxda(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cxda"))
        .args(args)
        .env("CXDA_CONFIG", "/dev/null")
        .env_remove("CXDA_PROFILE")
        .env_remove("CXONE_CLIENT_ID")
        .env_remove("GENESYSCLOUD_OAUTHCLIENT_ID")
        .output()
        .expect("run cxda")
}

pub(crate) fn write(dir: &Path, name: &str, text: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write payload");
    path
}

pub(crate) fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

const GOOD: &str = r#"{
  "name": "FetchExternalInventory",
  "type": "REST",
  "configuration": {
    "method": "GET",
    "url": "https://inventory.example.com/stock",
    "headers": { "X-API-Key": "{{key}}" }
  }
}"#;

#[test]
fn a_schema_error_prints_file_line_col_naming_the_field_and_allowed_values() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(
        dir.path(),
        "bad.json",
        GOOD.replace("\"GET\"", "\"FETCH\"").as_bytes(),
    );
    let out = cxda(&["validate", file.to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(1));
    let expected = format!(
        "{}:5:15: error: configuration.method: \"FETCH\" is not allowed; allowed values: GET, POST, PUT, PATCH, DELETE\n",
        file.display()
    );
    assert_eq!(stdout(&out), expected);
}

#[test]
fn warnings_alone_exit_zero_and_print_warning() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(
        dir.path(),
        "warn.json",
        GOOD.replace("{{key}}", "abc123").as_bytes(),
    );
    let out = cxda(&["validate", file.to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(
        text.starts_with(&format!("{}:7:31: warning: ", file.display())),
        "{text}"
    );
}

#[test]
fn a_clean_payload_prints_nothing_on_stdout_and_exits_zero() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "good.json", GOOD.as_bytes());
    let out = cxda(&["validate", file.to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "");
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 file checked: 0 errors, 0 warnings"));
}

#[test]
fn json_prints_one_array_with_file_line_column_path_severity_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = write(
        dir.path(),
        "bad.json",
        GOOD.replace("\"REST\"", "\"SOAP\"").as_bytes(),
    );
    let warn = write(
        dir.path(),
        "warn.json",
        GOOD.replace("{{key}}", "abc").as_bytes(),
    );
    let out = cxda(&[
        "validate",
        "--json",
        bad.to_str().expect("path"),
        warn.to_str().expect("path"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let problems: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("one JSON document");
    let problems = problems.as_array().expect("an array");
    assert_eq!(problems.len(), 2);
    assert_eq!(problems[0]["file"], bad.to_str().expect("path"));
    assert_eq!(problems[0]["line"], 3);
    assert_eq!(problems[0]["column"], 11);
    assert_eq!(problems[0]["path"], "/type");
    assert_eq!(problems[0]["severity"], "error");
    assert!(
        problems[0]["message"]
            .as_str()
            .expect("message")
            .contains("allowed values: REST")
    );
    assert_eq!(problems[1]["severity"], "warning");
    assert_eq!(problems[1]["path"], "/configuration/headers/X-API-Key");
}

/// `cxda validate [FLAGS] FILE` on `text` saved as `name` in `dir`, which must fail the
/// checks (exit 1): the file's path and what was printed on stdout.
fn validate_failing(dir: &Path, name: &str, text: &str, flags: &[&str]) -> (String, String) {
    let file = write(dir, name, text.as_bytes());
    let path = file.to_str().expect("utf-8 path").to_string();
    let args: Vec<&str> = ["validate"]
        .into_iter()
        .chain(flags.iter().copied())
        .chain([path.as_str()])
        .collect();
    let out = cxda(&args);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    (path, stdout(&out))
}

#[test]
fn a_duplicate_key_is_an_error_at_the_repeat_in_text_and_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = GOOD.replace(
        "\"method\": \"GET\",",
        "\"method\": \"GET\", \"url\": \"https://a.example.com\",",
    );
    let (path, printed) = validate_failing(dir.path(), "dup.json", &text, &[]);
    assert_eq!(
        printed,
        format!(
            "{path}:6:5: error: configuration: duplicate key \"url\" (first at line 5, column 22); JSON readers keep only one of its values, so remove the repeat\n"
        )
    );

    let (_, printed) = validate_failing(dir.path(), "dup.json", &text, &["--json"]);
    let problems: serde_json::Value = serde_json::from_str(&printed).expect("one JSON document");
    assert_eq!(
        problems,
        serde_json::json!([{
            "file": path,
            "line": 6,
            "column": 5,
            "path": "/configuration/url",
            "severity": "error",
            "message": "configuration: duplicate key \"url\" (first at line 5, column 22); JSON readers keep only one of its values, so remove the repeat",
        }])
    );
}

#[test]
fn a_payload_over_the_api_body_limit_is_an_error_at_1_1() {
    let dir = tempfile::tempdir().expect("tempdir");
    let big = GOOD.replace(
        "\"method\": \"GET\",",
        &format!(
            "\"method\": \"GET\", \"body\": \"{}\",",
            "x".repeat(cxda::payload::MAX_BODY_BYTES)
        ),
    );
    assert_eq!(big.len(), 1_048_783);
    let (path, printed) = validate_failing(dir.path(), "big.json", &big, &[]);
    assert_eq!(
        printed,
        format!(
            "{path}:1:1: error: payload is 1,048,783 bytes, over the API's 1 MiB (1,048,576-byte) body limit; the server will refuse it with 413\n"
        )
    );
}

#[test]
fn a_missing_file_exits_two_naming_its_path_and_two_wins_over_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = write(dir.path(), "bad.json", b"{");
    let missing = dir.path().join("missing.json");
    let out = cxda(&[
        "validate",
        bad.to_str().expect("path"),
        missing.to_str().expect("path"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("cannot read {}", missing.display())),
        "{stderr}"
    );
    // The readable file is still checked and reported.
    assert!(
        stdout(&out).contains("bad.json:1:2: error: invalid JSON"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_syntax_error_reports_its_position() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(
        dir.path(),
        "syntax.json",
        GOOD.replace("\"REST\",", "\"REST\"").as_bytes(),
    );
    let out = cxda(&["validate", file.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).starts_with(&format!("{}:4:3: error: invalid JSON", file.display())),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_file_that_is_not_utf8_is_a_check_error_at_the_bad_byte() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "latin1.json", b"{\n  \"name\": \"caf\xe9\"\n}");
    let out = cxda(&["validate", file.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("latin1.json:2:15: error: the file is not UTF-8 text"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn control_characters_in_a_payload_are_not_echoed_raw() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(
        dir.path(),
        "esc.json",
        GOOD.replace("\"REST\"", "\"\\u001b[2J\\u009b\"").as_bytes(),
    );
    let out = cxda(&["validate", file.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{9b}'),
        "{text:?}"
    );
}

#[test]
fn global_flags_are_accepted_before_and_after_the_subcommand() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "good.json", GOOD.as_bytes());
    let path = file.to_str().expect("path");
    let data = dir.path().join("data");
    let data = data.to_str().expect("path");
    for args in [
        vec!["--profile", "sandbox", "--data-dir", data, "validate", path],
        vec!["validate", path, "--profile", "sandbox", "--data-dir", data],
    ] {
        let out = cxda(&args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
