//! `cxda diff FILE... [--json]`: each payload file against the server's action it names
//! (`Engine::compare`: by `id`, else exact `name`), one line per differing JSON pointer with
//! the server's value and the file's.
//!
//! Decisions (documented in docs/commands.md):
//! - The lines are `engine::remote::shown`'s (the studio's diff view shows the same): values
//!   as compact JSON, escaped, cut at 120 characters, `(absent)` where one side has none.
//! - `--json` prints one JSON object per file (JSON Lines) with the values in full.
//! - Either way, the literal value of a secret-looking header (`X-API-Key`, `Authorization`,
//!   …, not a `{{placeholder}}` or `${credentials.x}`) is `[redacted]`, wherever it shows:
//!   a diff ends up in terminals and CI logs.
//! - Files are compared one after the other; a read failure of one is reported and the
//!   others still compared (exit 1).

use std::path::PathBuf;

use clap::Args;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::Outcome;
use super::list_cmd::{connected, read_failed};
use super::payload_files::{PayloadFile, read_all};
use crate::config::GlobalOptions;
use crate::engine::Engine;
use crate::engine::remote::{
    Comparison, ReadError, difference_lines, redacted_differences, summary,
};
use crate::text::escape_controls;

const AFTER_HELP: &str = "\
Each file is matched to the server's action by its `id`, else by its exact `name`. Key \
order does not matter, nor do the fields only the server writes (id, version, selfUri, \
createdAt, updatedAt). genesys-cloud: a file without integrationId is compared with the \
profile's integration_id, one without secure as false.

Prints per file:
  FILE: equal to ID (version V)
  FILE: absent on the server
  FILE: differs from ID (version V), N differences:
    /config/request/requestType: server \"GET\", file \"POST\"
    /config/response/successTemplate: server (absent), file \"${rawResult}\"

Exit codes: 0 every file equal; 1 a file differs, is absent on the server, or the server \
could not be read; 2 a local problem (a file that cannot be read); 130 interrupted.

Examples:
  cxda pull 'Lookup customer' -o lookup.json && cxda diff lookup.json
  cxda diff actions/*.json --json | jq 'select(.status != \"equal\")'";

#[derive(Debug, Clone, Args)]
#[command(after_help = AFTER_HELP)]
pub struct DiffArgs {
    /// Payload files.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,

    /// One JSON object per file (JSON Lines), values in full.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &DiffArgs, global: &GlobalOptions) -> Outcome {
    let Some(files) = read_all(&args.files) else {
        return Outcome::LocalProblem;
    };
    connected(
        global,
        |_| Ok(()),
        |engine, cancel| async move { diff_all(&engine, &files, args.json, &cancel).await },
    )
}

async fn diff_all(
    engine: &Engine,
    files: &[PayloadFile],
    json: bool,
    cancel: &CancellationToken,
) -> Outcome {
    let mut outcome = Outcome::Ok;
    for file in files {
        if cancel.is_cancelled() {
            return Outcome::Interrupted;
        }
        let found = match engine.compare(&file.text, cancel).await {
            Ok(comparison) => comparison,
            Err(ReadError::Cancelled) => return read_failed(&ReadError::Cancelled),
            Err(error) => {
                eprintln!(
                    "cxda: {}: {}",
                    file.name,
                    escape_controls(&error.to_string())
                );
                outcome = outcome.max(Outcome::Failed);
                continue;
            }
        };
        let equal = found.server.is_some() && found.differences.is_empty();
        if !equal {
            outcome = outcome.max(Outcome::Failed);
        }
        let text = if json {
            json_line(file, &found)
        } else {
            report(file, &found)
        };
        print!("{text}");
    }
    outcome
}

/// The lines for one file.
fn report(file: &PayloadFile, found: &Comparison) -> String {
    let mut text = summary(&file.name, found);
    text.push('\n');
    for line in difference_lines(&file.text, found) {
        text.push_str(&line);
        text.push('\n');
    }
    text
}

fn json_line(file: &PayloadFile, found: &Comparison) -> String {
    let status = match (&found.server, found.differences.is_empty()) {
        (None, _) => "absent",
        (Some(_), true) => "equal",
        (Some(_), false) => "different",
    };
    let line = json!({
        "file": file.path.display().to_string(),
        "status": status,
        "id": found.server_id(),
        "version": found.server_version(),
        "differences": redacted_differences(&file.text, found),
    });
    format!("{line}\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::remote::{Difference, MAX_VALUE_CHARS};

    fn file() -> PayloadFile {
        PayloadFile {
            name: "a.json".into(),
            path: "a.json".into(),
            text: String::new(),
        }
    }

    #[test]
    fn a_difference_shows_both_values_escaped_and_cut() {
        let long = "x".repeat(500);
        let found = Comparison {
            server: Some(json!({"id": "a1", "version": 2})),
            by_name_instead_of_id: false,
            differences: vec![
                Difference {
                    pointer: "/name".into(),
                    server: Some(json!("old\u{1b}[31m")),
                    file: Some(json!(long)),
                },
                Difference {
                    pointer: "/tags".into(),
                    server: None,
                    file: Some(json!(["a"])),
                },
            ],
        };
        let text = report(&file(), &found);
        assert!(text.starts_with("a.json: differs from a1 (version 2), 2 differences:\n"));
        assert!(!text.contains('\u{1b}'), "{text}");
        assert!(
            text.contains("  /tags: server (absent), file [\"a\"]\n"),
            "{text}"
        );
        let name_line = text.lines().nth(1).expect("a line");
        assert!(name_line.ends_with('…'), "{name_line}");
        assert!(
            name_line.chars().count() < 2 * MAX_VALUE_CHARS,
            "{name_line}"
        );
    }

    #[test]
    fn literal_header_secrets_are_hidden_on_both_sides() {
        let file = PayloadFile {
            text: r#"{"configuration": {"headers": {"X-API-Key": "new-secret-1"}}}"#.into(),
            ..file()
        };
        let found = Comparison {
            server: Some(
                json!({"id": "a1", "configuration": {"headers": {"X-API-Key": "old-secret-0"}}}),
            ),
            by_name_instead_of_id: false,
            differences: vec![Difference {
                pointer: "/configuration/headers/X-API-Key".into(),
                server: Some(json!("old-secret-0")),
                file: Some(json!("new-secret-1")),
            }],
        };
        for text in [report(&file, &found), json_line(&file, &found)] {
            assert!(
                !text.contains("secret-0") && !text.contains("secret-1"),
                "{text}"
            );
            assert!(text.contains("[redacted]"), "{text}");
        }
    }

    #[test]
    fn equal_and_absent() {
        let equal = Comparison {
            server: Some(json!({"id": "a1", "version": 2})),
            by_name_instead_of_id: false,
            differences: Vec::new(),
        };
        assert_eq!(report(&file(), &equal), "a.json: equal to a1 (version 2)\n");
        assert_eq!(
            report(&file(), &Comparison::default()),
            "a.json: absent on the server\n"
        );
        let line: serde_json::Value =
            serde_json::from_str(&json_line(&file(), &equal)).expect("json");
        assert_eq!(line["status"], "equal");
        assert_eq!(line["id"], "a1");
    }
}
