//! `cxda validate` on the `genesys-cloud` dialect through the real binary: `--api`, the
//! dialect of the profile in use, text and `--json`, the usage and configuration errors.

use super::cli_validate::{cxda, stdout, write};

/// One error of each kind of rule the dialect adds, and a warning: an input the contract
/// does not define (with its hint), a success-template name after escaped quotes, a
/// literal secret in a header.
const ACTION: &str = r#"{
  "name": "Lookup",
  "category": "CRM",
  "integrationId": "int-1",
  "contract": {
    "input": { "inputSchema": { "type": "object", "properties": { "phone": { "type": "string" } } } },
    "output": { "successSchema": { "type": "object", "properties": { "name": { "type": "string" } } } }
  },
  "config": {
    "request": {
      "requestUrlTemplate": "https://crm.example.com/c?p=$esc.url(${input.phnoe})",
      "requestType": "GET",
      "headers": { "X-API-Key": "abc123" }
    },
    "response": {
      "translationMap": { "name": "$.name" },
      "successTemplate": "{ \"name\": ${nmae} }"
    }
  }
}"#;

const TEMPLATE: &str = include_str!("../../assets/templates/genesys-lookup.json");

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn api_genesys_cloud_prints_each_platform_rule_at_its_line_and_column() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "action.json", ACTION.as_bytes());
    let path = file.to_str().expect("utf-8 path");
    let out = cxda(&["validate", "--api", "genesys-cloud", path]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!(
            "{path}:11:67: error: config.request.requestUrlTemplate: \"${{input.phnoe}}\" uses input \"phnoe\", which the input contract does not define; did you mean \"phone\"?\n\
             {path}:13:33: warning: config.request.headers[\"X-API-Key\"]: a literal value in a header that looks secret; reference a credential of the integration instead (such as ${{credentials.apiKey}}) so the secret is not stored in the action\n\
             {path}:17:39: error: config.response.successTemplate: \"${{nmae}}\" is neither a translationMap key nor rawResult; did you mean \"name\"?\n"
        )
    );
    assert!(
        stderr(&out).contains("1 file checked: 2 errors, 1 warning"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn api_genesys_cloud_json_prints_the_same_problems_in_the_same_shape() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "action.json", ACTION.as_bytes());
    let path = file.to_str().expect("utf-8 path");
    let out = cxda(&["validate", "--json", "--api", "genesys-cloud", path]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let problems: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("one JSON document");
    let problems = problems.as_array().expect("an array");
    let found: Vec<(u64, u64, &str, &str)> = problems
        .iter()
        .map(|p| {
            let keys: Vec<&str> = p
                .as_object()
                .expect("an object")
                .keys()
                .map(String::as_str)
                .collect();
            assert_eq!(
                keys,
                ["column", "file", "line", "message", "path", "severity"]
            );
            assert_eq!(p["file"], path);
            (
                p["line"].as_u64().expect("line"),
                p["column"].as_u64().expect("column"),
                p["path"].as_str().expect("path"),
                p["severity"].as_str().expect("severity"),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (11, 67, "/config/request/requestUrlTemplate", "error"),
            (13, 33, "/config/request/headers/X-API-Key", "warning"),
            (17, 39, "/config/response/successTemplate", "error"),
        ]
    );
}

#[test]
fn the_profile_sandbox_genesys_checks_against_its_dialect() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "action.json", ACTION.as_bytes());
    let path = file.to_str().expect("utf-8 path");
    let out = cxda(&["validate", "--profile", "sandbox-genesys", path]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with(&format!(
            "{path}:11:67: error: config.request.requestUrlTemplate: "
        )),
        "{}",
        stdout(&out)
    );
    // The profile flag also works before the subcommand, and nothing is started: the
    // template checks clean and the command ends at once.
    let template = write(dir.path(), "template.json", TEMPLATE.as_bytes());
    let out = cxda(&[
        "--profile",
        "sandbox-genesys",
        "validate",
        template.to_str().expect("path"),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert_eq!(stdout(&out), "");
    assert!(
        stderr(&out).contains("1 file checked: 0 errors, 0 warnings"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn without_api_or_profile_a_genesys_payload_meets_the_cxone_rules() {
    let dir = tempfile::tempdir().expect("tempdir");
    let template = write(dir.path(), "template.json", TEMPLATE.as_bytes());
    let out = cxda(&["validate", template.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("error: payload: missing required field \"type\" (one of REST)"),
        "{}",
        stdout(&out)
    );
    let out = cxda(&[
        "validate",
        "--api",
        "cxone-v2",
        "--profile",
        "sandbox-genesys",
        template.to_str().expect("path"),
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "--api wins over the profile's dialect"
    );
}

#[test]
fn the_reference_examples_have_no_errors() {
    for name in [
        "genesys-create-minimal.json",
        "genesys-create-realistic.json",
    ] {
        let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        let out = cxda(&["validate", "--api", "genesys-cloud", &path]);
        assert_eq!(out.status.code(), Some(0), "{name}: {}", stdout(&out));
        // Their one warning: an input in the URL that $esc.url does not escape.
        let lines: Vec<String> = stdout(&out).lines().map(str::to_string).collect();
        assert_eq!(lines.len(), 1, "{name}: {lines:?}");
        assert!(
            lines[0].contains(": warning: config.request.requestUrlTemplate: input "),
            "{}",
            lines[0]
        );
    }
}

#[test]
fn an_unknown_api_is_a_usage_error_listing_both() {
    let out = cxda(&["validate", "--api", "genesys", "x.json"]);
    assert_eq!(out.status.code(), Some(2));
    let text = stderr(&out);
    assert!(
        text.contains("invalid value 'genesys' for '--api <API>'"),
        "{text}"
    );
    assert!(
        text.contains("cxone-v2") && text.contains("genesys-cloud"),
        "{text}"
    );
}

#[test]
fn a_profile_that_does_not_resolve_is_a_configuration_error_unless_api_is_given() {
    let dir = tempfile::tempdir().expect("tempdir");
    let template = write(dir.path(), "template.json", TEMPLATE.as_bytes());
    let path = template.to_str().expect("path");
    let out = cxda(&["validate", "--profile", "nope", path]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("nope"), "{}", stderr(&out));
    assert_eq!(stdout(&out), "", "nothing is checked");
    let out = cxda(&[
        "validate",
        "--api",
        "genesys-cloud",
        "--profile",
        "nope",
        path,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}
