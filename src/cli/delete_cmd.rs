//! `cxda delete ID|NAME [--yes]`: removes an action from the server (`Engine::delete`, one
//! audit record), after finding it as `cxda pull` does (id first, then exact name).
//!
//! Decisions (documented in docs/commands.md):
//! - On a terminal it asks `Delete …? [y/N]` naming the action, its id, version and the
//!   profile; anything but `y`/`yes` keeps it (exit 1, nothing sent).
//! - Not on a terminal (a script, CI) it needs `--yes`: without it, exit 2 before anything
//!   is read, since a script that forgot the flag must not hang on a question.

use std::io::{BufRead as _, IsTerminal as _, Write as _};

use clap::Args;
use serde_json::Value;
use tokio::sync::mpsc;

use super::Outcome;
use super::list_cmd::{connected, read_failed};
use crate::audit::Outcome as Record;
use crate::config::GlobalOptions;
use crate::text::escape_controls;

const AFTER_HELP: &str = "\
ID|NAME is tried as an id first, then as an exact name (several actions of that name: \
exit 1, their ids listed; delete one by its id).

On a terminal cxda asks before deleting; elsewhere --yes is required. The deletion is an \
audit record (operation delete, outcome deleted).

Exit codes: 0 deleted; 1 not deleted (answered no, no such action, the server refused or \
could not be reached); 2 a local problem (no --yes off a terminal); 130 interrupted.

Examples:
  cxda delete 'Lookup customer (old)'
  cxda delete 3f1e…-id --yes";

#[derive(Debug, Clone, Args)]
#[command(after_help = AFTER_HELP)]
pub struct DeleteArgs {
    /// The action's id, or its exact name.
    #[arg(value_name = "ID|NAME")]
    pub key: String,

    /// Delete without asking (required when stdin is not a terminal).
    #[arg(long, short)]
    pub yes: bool,
}

pub fn run(args: &DeleteArgs, global: &GlobalOptions) -> Outcome {
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if !args.yes && !interactive {
        eprintln!("cxda: delete needs --yes when not run on a terminal (nothing was deleted)");
        return Outcome::LocalProblem;
    }
    connected(
        global,
        |_| Ok(()),
        |engine, cancel| async move {
            let action = match engine.find_action(&args.key, &cancel).await {
                Ok(action) => action,
                Err(error) => return read_failed(&error),
            };
            let text = |key: &str| action.get(key).and_then(Value::as_str).unwrap_or_default();
            let id = text("id").to_string();
            let name = text("name").to_string();
            let version = action.get("version").and_then(Value::as_u64);
            let described = format!(
                "{:?} ({}{})",
                escape_controls(&name),
                escape_controls(&id),
                version.map_or_else(String::new, |v| format!(", version {v}"))
            );
            if !args.yes {
                let question = format!(
                    "Delete action {described} from profile `{}`? [y/N] ",
                    engine.profile().name
                );
                let answer = tokio::task::spawn_blocking(move || ask(&question));
                let confirmed = tokio::select! {
                    answer = answer => answer.unwrap_or(false),
                    () = cancel.cancelled() => {
                        // The question's thread blocks on the terminal until a line comes:
                        // nothing was sent, nothing is open, so the process ends here.
                        eprintln!();
                        eprintln!("cxda: interrupted; nothing was deleted");
                        std::process::exit(130);
                    }
                };
                if !confirmed {
                    eprintln!("not deleted");
                    return Outcome::Failed;
                }
            }
            let (events, _) = mpsc::unbounded_channel();
            let record = match engine.delete(&id, &name, version, events, cancel).await {
                Ok(record) => record,
                Err(error) => {
                    eprintln!("cxda: the audit record could not be written: {error}");
                    return Outcome::LocalProblem;
                }
            };
            match record.outcome {
                Record::Deleted => {
                    println!("deleted {described} (record {})", record.id);
                    Outcome::Ok
                }
                Record::Cancelled => Outcome::Interrupted,
                _ => {
                    let status = record
                        .status
                        .map_or_else(|| "-".to_string(), |s| s.to_string());
                    eprintln!(
                        "cxda: not deleted ({status}): {} (record {})",
                        escape_controls(record.error.as_deref().unwrap_or("no reason given")),
                        record.id
                    );
                    Outcome::Failed
                }
            }
        },
    )
}

/// Asks `question` on stderr; whether the answer is `y` or `yes`.
fn ask(question: &str) -> bool {
    let mut err = std::io::stderr().lock();
    if err
        .write_all(question.as_bytes())
        .and_then(|()| err.flush())
        .is_err()
    {
        return false;
    }
    let mut answer = String::new();
    if std::io::stdin().lock().read_line(&mut answer).is_err() {
        return false;
    }
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}
