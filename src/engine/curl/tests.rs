use std::path::Path;
use std::process::Command;

use super::*;
use crate::config::ExtraHeader;

/// A sandbox profile as if its sandbox listened on port 9.
fn started(mut profile: Profile) -> Profile {
    let url = Url::parse("http://127.0.0.1:9/").expect("url");
    profile.complete_sandbox(&url).expect("a sandbox profile");
    profile
}

fn cxone() -> CurlExport {
    CurlExport::new(&started(Profile::sandbox())).expect("an export")
}

fn genesys() -> CurlExport {
    CurlExport::new(&started(Profile::sandbox_genesys())).expect("an export")
}

const PAYLOAD: &str = "{\n  \"name\": \"it's $HOME `id` \\\\n ünï ✓\",\n  \"type\": \"REST\"\n}\n";

/// `sh`, when there is one to run (a test without it says so and checks the rest).
fn sh() -> Option<Command> {
    let found = Path::new("/bin/sh").exists();
    if !found {
        eprintln!("skipped the shell part: no /bin/sh on this machine");
    }
    found.then(|| Command::new("/bin/sh"))
}

fn has(program: &str) -> bool {
    let found = Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("skipped the part that needs {program}: not on PATH");
    }
    found
}

/// Runs `script` in sh with the environment `vars`; its stdout, asserting success.
fn run_sh(script: &str, dir: &Path, vars: &[(&str, &str)]) -> Option<Vec<u8>> {
    let mut sh = sh()?;
    sh.arg("-c").arg(script).current_dir(dir);
    for (name, value) in vars {
        sh.env(name, value);
    }
    let out = sh.output().expect("run sh");
    assert!(
        out.status.success(),
        "{script}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(out.stdout)
}

#[test]
fn quoting_keeps_every_character_through_sh() {
    let words = [
        "plain",
        "",
        "it's",
        "''",
        "two\nlines\n",
        "$HOME ${X:-y} $(id)",
        "`id`",
        "back\\slash \\n \\'",
        "ünïcødé ✓ 日本",
        "!bang ^caret *glob* ~tilde # hash ; & | < >",
        "\"double\" 'single'",
    ];
    let dir = tempfile::tempdir().expect("tempdir");
    for word in words {
        let script = format!("printf '%s' {}", quote(word));
        let Some(out) = run_sh(&script, dir.path(), &[]) else {
            return;
        };
        assert_eq!(String::from_utf8_lossy(&out), word, "{script}");
    }
}

#[test]
fn a_word_with_variables_expands_them_as_one_word() {
    let word = Word(vec![
        Part::Text("a b'".into()),
        Part::Var("X".into()),
        Part::Text("/c".into()),
    ]);
    assert_eq!(word.render(), r#"'a b'\'''"$X"'/c'"#);
    assert_eq!(Word(Vec::new()).render(), "''");
    let dir = tempfile::tempdir().expect("tempdir");
    let script = format!("set -- {}; printf '%s|%s' \"$#\" \"$1\"", word.render());
    if let Some(out) = run_sh(&script, dir.path(), &[("X", "x y*")]) {
        assert_eq!(String::from_utf8_lossy(&out), "1|a b'x y*/c");
    }
}

#[test]
fn the_cxone_create_is_one_post_with_the_engines_headers_and_no_token() {
    let export = cxone();
    let create = export.create("a.json", PAYLOAD, false).expect("written");
    assert_eq!(create.requests, 1);
    let script = &create.script;
    assert!(
        script.contains("-X POST 'http://127.0.0.1:9/api/v2/data-actions'"),
        "{script}"
    );
    assert!(
        script.contains(r#"-H 'Authorization: Bearer '"$CXDA_TOKEN""#),
        "{script}"
    );
    for name in [
        "Content-Type: application/json",
        "Accept: application/json",
        "X-Correlation-ID: ",
        "Idempotency-Key: ",
        "User-Agent: cxda/",
    ] {
        assert!(script.contains(&format!("-H '{name}")), "{name}: {script}");
    }
    assert!(!script.contains("Host:"), "{script}");
    assert!(!script.contains("Content-Length"), "{script}");
    assert!(!script.contains(TOKEN_STAND_IN), "{script}");
    // The Idempotency-Key is the correlation id, as the engine sends it.
    let value = |name: &str| {
        script
            .lines()
            .find_map(|l| l.split_once(&format!("-H '{name}: ")))
            .map(|(_, v)| v.split('\'').next().unwrap_or_default().to_string())
            .expect(name)
    };
    assert_eq!(value("X-Correlation-ID"), value("Idempotency-Key"));
    assert_eq!(value("X-Correlation-ID").len(), 36);
}

#[test]
fn a_genesys_create_is_draft_validation_publish_with_the_drafts_id_and_version() {
    let create = genesys().create("g.json", PAYLOAD, false).expect("written");
    assert_eq!(create.requests, 3);
    let script = &create.script;
    assert!(script.contains("draft → validation → publish"), "{script}");
    assert!(
        script.contains("-X POST 'http://127.0.0.1:9/api/v2/integrations/actions/drafts'"),
        "{script}"
    );
    assert!(
        script.contains(
            r#"-X GET 'http://127.0.0.1:9/api/v2/integrations/actions/'"$DRAFT_ID"'/draft/validation'"#
        ),
        "{script}"
    );
    assert!(
        script.contains(
            r#"-X POST 'http://127.0.0.1:9/api/v2/integrations/actions/'"$DRAFT_ID"'/draft/publish'"#
        ),
        "{script}"
    );
    assert!(
        script.contains(r#"printf '%s' '{"version":'"$DRAFT_VERSION"'}'"#),
        "{script}"
    );
    assert!(script.contains("must be passed to publish"), "{script}");
    assert!(script.contains("jq -r .id"), "{script}");
    // The drafts body is the engine's: integrationId filled from the profile.
    assert!(
        script.contains(crate::config::SANDBOX_INTEGRATION_ID),
        "{script}"
    );
    assert!(!script.contains("Idempotency-Key"), "{script}");
    assert!(!script.contains(DRAFT_ID_STAND_IN), "{script}");
    assert!(
        !script.contains(&DRAFT_VERSION_STAND_IN.to_string()),
        "{script}"
    );
    let drafted = genesys().create("g.json", PAYLOAD, true).expect("written");
    assert_eq!(drafted.requests, 2);
    assert!(!drafted.script.contains("/draft/publish"));
}

#[test]
fn secret_extra_headers_are_variables_and_others_are_written_as_sent() {
    let mut profile = started(Profile::sandbox());
    profile.extra_headers = vec![
        ExtraHeader {
            name: "X-Api-Key".into(),
            value: "s3cr3t-value".into(),
        },
        ExtraHeader {
            name: "X-Team".into(),
            value: "billing".into(),
        },
    ];
    let export = CurlExport::new(&profile).expect("an export");
    let text = export.preamble()
        + &export
            .create("a.json", PAYLOAD, false)
            .expect("written")
            .script;
    assert!(!text.contains("s3cr3t"), "{text}");
    assert!(
        text.contains(r#"-H 'X-Api-Key: '"$CXDA_HEADER_X_API_KEY""#),
        "{text}"
    );
    assert!(text.contains(": \"${CXDA_HEADER_X_API_KEY:?"), "{text}");
    assert!(text.contains("-H 'X-Team: billing'"), "{text}");
}

#[test]
fn an_absent_sandbox_is_reached_through_a_variable() {
    let export = CurlExport::for_absent_sandbox(&Profile::sandbox()).expect("an export");
    let preamble = export.preamble();
    assert!(
        preamble.contains(": \"${CXDA_SANDBOX_URL:=http://127.0.0.1:8787}\""),
        "{preamble}"
    );
    assert!(preamble.contains("lives only as long as"), "{preamble}");
    let script = export
        .create("a.json", PAYLOAD, false)
        .expect("written")
        .script;
    assert!(
        script.contains(r#"-X POST "$CXDA_SANDBOX_URL"'/api/v2/data-actions'"#),
        "{script}"
    );
    assert!(!script.contains("8787"), "{script}");
}

#[test]
fn what_the_plan_refuses_is_not_written() {
    let refused = cxone().create("a.json", PAYLOAD, true);
    assert!(
        matches!(refused, Err(CurlError::NotSendable { ref reason }) if reason.contains("no drafts")),
        "{refused:?}"
    );
    let mut profile = started(Profile::sandbox_genesys());
    profile.integration_id = None;
    let refused = CurlExport::new(&profile)
        .expect("an export")
        .create("g.json", PAYLOAD, false);
    assert!(
        matches!(refused, Err(CurlError::NotSendable { ref reason }) if reason.contains("integrationId")),
        "{refused:?}"
    );
    assert!(matches!(
        CurlExport::new(&Profile::sandbox()),
        Err(CurlError::NoConnection { .. })
    ));
}

#[test]
fn the_whole_script_is_valid_sh() {
    for export in [cxone(), genesys()] {
        let text = export.preamble()
            + &export
                .create("x\ny.json", PAYLOAD, false)
                .expect("written")
                .script;
        let Some(mut sh) = sh() else { return };
        let out = sh.arg("-n").arg("-c").arg(&text).output().expect("sh -n");
        assert!(
            out.status.success(),
            "{text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// A `curl` shell function that writes its arguments (one a line) and stdin to files and
/// answers like a draft that validates.
/// The count is in a file: most calls run in a command substitution's subshell.
const FAKE_CURL: &str = r#"curl() {
  n=$(($(cat count 2>/dev/null || echo 0) + 1))
  echo "$n" > count
  printf '%s\n' "$@" > "args.$n"
  case "$*" in *--data-binary*) cat > "body.$n" ;; esac
  printf '%s' '{"id":"d-1","version":3,"valid":true}'
}
"#;

#[test]
fn the_script_hands_curl_the_exact_body_and_headers() {
    let export = cxone();
    let create = export.create("a.json", PAYLOAD, false).expect("written");
    let script = format!("{}{FAKE_CURL}{}", export.preamble(), create.script);
    let dir = tempfile::tempdir().expect("tempdir");
    if run_sh(&script, dir.path(), &[("CXDA_TOKEN", "tok-123")]).is_none() {
        return;
    }
    let body = std::fs::read(dir.path().join("body.1")).expect("the body curl read");
    assert_eq!(String::from_utf8_lossy(&body), PAYLOAD);
    let args = std::fs::read_to_string(dir.path().join("args.1")).expect("args");
    let args: Vec<&str> = args.lines().collect();
    assert!(args.contains(&"Authorization: Bearer tok-123"), "{args:?}");
    assert!(args.contains(&"--http1.1"), "{args:?}");
}

#[test]
fn the_genesys_script_passes_the_drafts_id_and_version_on() {
    if !has("jq") {
        return;
    }
    let export = genesys();
    let create = export.create("g.json", PAYLOAD, false).expect("written");
    let script = format!("{}{FAKE_CURL}{}", export.preamble(), create.script);
    let dir = tempfile::tempdir().expect("tempdir");
    if run_sh(&script, dir.path(), &[("CXDA_TOKEN", "tok-123")]).is_none() {
        return;
    }
    let validation = std::fs::read_to_string(dir.path().join("args.2")).expect("args");
    assert!(
        validation.contains("http://127.0.0.1:9/api/v2/integrations/actions/d-1/draft/validation"),
        "{validation}"
    );
    let publish = std::fs::read_to_string(dir.path().join("args.3")).expect("args");
    assert!(
        publish.contains("http://127.0.0.1:9/api/v2/integrations/actions/d-1/draft/publish"),
        "{publish}"
    );
    let body = std::fs::read_to_string(dir.path().join("body.3")).expect("publish body");
    assert_eq!(body, r#"{"version":3}"#);
    let draft = std::fs::read_to_string(dir.path().join("body.1")).expect("drafts body");
    let draft: serde_json::Value = serde_json::from_str(&draft).expect("json");
    assert_eq!(
        draft["integrationId"],
        crate::config::SANDBOX_INTEGRATION_ID
    );
}

#[test]
fn a_profiles_ca_cert_is_curls_cacert() {
    let mut profile = started(Profile::sandbox());
    profile.ca_cert = Some(crate::config::CaCert {
        path: "/tmp/my ca/it's.pem".into(),
        pem: Vec::new(),
    });
    let export = CurlExport::new(&profile).expect("an export");
    let script = export
        .create("a.json", PAYLOAD, false)
        .expect("written")
        .script;
    assert!(
        script.contains(r"--cacert '/tmp/my ca/it'\''s.pem'"),
        "{script}"
    );
}
