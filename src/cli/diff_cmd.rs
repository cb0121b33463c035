//! `cxda diff FILE... [--json]`: each payload file against the server's action it names
//! (`Engine::compare`: by `id`, else exact `name`), one line per differing JSON pointer with
//! the server's value and the file's.
//!
//! Decisions (documented in docs/commands.md):
//! - Values are shown as compact JSON, escaped, and cut at [`MAX_VALUE_CHARS`] characters
//!   (`…` says so); `(absent)` where one side has no value.
//! - `--json` prints one JSON object per file (JSON Lines) with the values in full.
//! - Either way, the literal value of a secret-looking header (`X-API-Key`, `Authorization`,
//!   …, not a `{{placeholder}}` or `${credentials.x}`) is `[redacted]`, wherever it shows:
//!   a diff ends up in terminals and CI logs.
//! - Files are compared one after the other; a read failure of one is reported and the
//!   others still compared (exit 1).

use std::path::PathBuf;

use clap::Args;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::Outcome;
use super::list_cmd::{connected, read_failed};
use super::payload_files::{PayloadFile, read_all};
use crate::audit::Redactor;
use crate::config::GlobalOptions;
use crate::engine::Engine;
use crate::engine::remote::{Comparison, Difference, ReadError};
use crate::text::escape_controls;

/// The most characters of a value shown on a line.
pub const MAX_VALUE_CHARS: usize = 120;

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
pub fn report(file: &PayloadFile, found: &Comparison) -> String {
    let Some(id) = found.server_id() else {
        return format!("{}: absent on the server\n", file.name);
    };
    let id = escape_controls(&id);
    let version = found
        .server_version()
        .map_or_else(String::new, |v| format!(" (version {v})"));
    if found.differences.is_empty() {
        return format!("{}: equal to {id}{version}\n", file.name);
    }
    let count = found.differences.len();
    let plural = if count == 1 { "" } else { "s" };
    let mut text = format!(
        "{}: differs from {id}{version}, {count} difference{plural}:\n",
        file.name
    );
    let redactor = redactor_for(file, found);
    for difference in &found.differences {
        text.push_str(&line(difference, &redactor));
        text.push('\n');
    }
    text
}

/// `  /pointer: server V, file W`, secrets hidden by `redactor`.
pub fn line(difference: &Difference, redactor: &Redactor) -> String {
    let difference = redacted(difference, redactor);
    format!(
        "  {}: server {}, file {}",
        escape_controls(&difference.pointer),
        shown(difference.server.as_ref()),
        shown(difference.file.as_ref())
    )
}

/// `difference` with the literal values of secret-looking headers (of either side) hidden:
/// a diff is printed to terminals and CI logs.
fn redacted(difference: &Difference, redactor: &Redactor) -> Difference {
    let mut difference = difference.clone();
    for value in [&mut difference.server, &mut difference.file]
        .into_iter()
        .flatten()
    {
        redactor.redact_payload_part(&difference.pointer, value);
    }
    difference
}

/// The redactor for one file and the server's action.
fn redactor_for(file: &PayloadFile, found: &Comparison) -> Redactor {
    let parsed: Value = serde_json::from_str(&file.text).unwrap_or(Value::Null);
    let mut payloads = vec![&parsed];
    payloads.extend(found.server.as_ref());
    Redactor::for_payloads(&payloads)
}

fn shown(value: Option<&Value>) -> String {
    let Some(value) = value else {
        return "(absent)".to_string();
    };
    let text = value.to_string();
    let text = escape_controls(&text);
    if text.chars().count() <= MAX_VALUE_CHARS {
        return text.into_owned();
    }
    let cut: String = text.chars().take(MAX_VALUE_CHARS).collect();
    format!("{cut}…")
}

fn json_line(file: &PayloadFile, found: &Comparison) -> String {
    let status = match (&found.server, found.differences.is_empty()) {
        (None, _) => "absent",
        (Some(_), true) => "equal",
        (Some(_), false) => "different",
    };
    let redactor = redactor_for(file, found);
    let line = json!({
        "file": file.path.display().to_string(),
        "status": status,
        "id": found.server_id(),
        "version": found.server_version(),
        "differences": found
            .differences
            .iter()
            .map(|d| redacted(d, &redactor))
            .collect::<Vec<_>>(),
    });
    format!("{line}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

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
            differences: Vec::new(),
        };
        assert_eq!(report(&file(), &equal), "a.json: equal to a1 (version 2)\n");
        assert_eq!(
            report(&file(), &Comparison::default()),
            "a.json: absent on the server\n"
        );
        let line: Value = serde_json::from_str(&json_line(&file(), &equal)).expect("json");
        assert_eq!(line["status"], "equal");
        assert_eq!(line["id"], "a1");
    }
}
