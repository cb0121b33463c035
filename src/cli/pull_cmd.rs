//! `cxda pull ID|NAME [-o FILE]` and `cxda pull --all DIR`: the server's action as an
//! editable payload file of the profile's dialect (`engine::remote::editable_payload`),
//! read through the engine (`Engine::find_action`, `Engine::read_action`).
//!
//! Decisions (documented in docs/commands.md):
//! - ID|NAME is tried as an id first, then as an exact name (several → exit 1, ids listed).
//! - A file that exists with other content is not overwritten without `--force` (exit 2,
//!   nothing written for it); one with the same content is left as it is.
//! - `--all`: the published actions, one file per action named from its name
//!   (`safe_file_stem`), `-ID` appended to every name two actions share; at most
//!   `--concurrency` reads in flight (default 4).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use clap::Args;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::Outcome;
use super::list_cmd::{connected, read_failed};
use crate::config::{Api, GlobalOptions};
use crate::engine::Engine;
use crate::engine::remote::{ListQuery, RemoteAction, editable_payload, safe_file_stem};
use crate::text::escape_controls;

const AFTER_HELP: &str = "\
The file has the create payload's keys in their usual order (name first), then `id` and \
`version`, which `cxda push` uses; fields only the server writes (selfUri, createdAt) are \
left out. Without -o the payload goes to stdout.

--all DIR writes one file per published action, DIR/<name>.json, the name in lower case \
with every other character run turned into `-`; when two actions give the same name, each \
gets `-<id>` appended. DIR is created if missing. A file that exists with other content is \
kept unless --force.

Exit codes: 0 written; 1 the server refused, could not be reached, or has no such action \
(or several by that name); 2 a local problem (a file that cannot be written or exists); \
130 interrupted.

Examples:
  cxda pull 'Lookup customer by phone' -o lookup.json
  cxda pull 3f1e…-id > action.json
  cxda pull --all backup/ --concurrency 8";

#[derive(Debug, Clone, Args)]
#[command(after_help = AFTER_HELP)]
pub struct PullArgs {
    /// The action's id, or its exact name.
    #[arg(
        value_name = "ID|NAME",
        required_unless_present = "all",
        conflicts_with = "all"
    )]
    pub key: Option<String>,

    /// Write the payload to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE", conflicts_with = "all")]
    pub output: Option<PathBuf>,

    /// Every published action, one file each, into DIR.
    #[arg(long, value_name = "DIR")]
    pub all: Option<PathBuf>,

    /// Overwrite files that exist with other content.
    #[arg(long)]
    pub force: bool,

    /// How many actions are read at once with --all.
    #[arg(long, value_name = "N", default_value_t = 4,
          value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,
}

pub fn run(args: &PullArgs, global: &GlobalOptions) -> Outcome {
    connected(
        global,
        |_| Ok(()),
        |engine, cancel| async move {
            match (&args.all, &args.key) {
                (Some(dir), _) => pull_all(&engine, dir, args, &cancel).await,
                (None, Some(key)) => pull_one(&engine, key, args, &cancel).await,
                (None, None) => Outcome::LocalProblem,
            }
        },
    )
}

async fn pull_one(
    engine: &Engine,
    key: &str,
    args: &PullArgs,
    cancel: &CancellationToken,
) -> Outcome {
    let action = match engine.find_action(key, cancel).await {
        Ok(action) => action,
        Err(error) => return read_failed(&error),
    };
    let text = editable_payload(engine.profile().api, &action);
    let Some(path) = &args.output else {
        print!("{text}");
        return Outcome::Ok;
    };
    match write_file(path, &text, args.force) {
        Ok(()) => {
            eprintln!(
                "{}: {}",
                escape_controls(&path.display().to_string()),
                described(&action)
            );
            Outcome::Ok
        }
        Err(problem) => {
            eprintln!("cxda: {problem}");
            Outcome::LocalProblem
        }
    }
}

/// `pulled ID (version V)` for the line after a write.
fn described(action: &serde_json::Value) -> String {
    let id = match &action["id"] {
        serde_json::Value::String(id) => id.clone(),
        other => other.to_string(),
    };
    let version = match &action["version"] {
        serde_json::Value::Null => String::new(),
        v => format!(" (version {v})"),
    };
    escape_controls(&format!("pulled {id}{version}")).into_owned()
}

/// Writes `text` to `path` unless a file with other content is there (and not `force`).
fn write_file(path: &Path, text: &str, force: bool) -> Result<(), String> {
    let shown = escape_controls(&path.display().to_string()).into_owned();
    match std::fs::read(path) {
        Ok(existing) if existing == text.as_bytes() => return Ok(()),
        Ok(_) if !force => {
            return Err(format!(
                "{shown} exists with other content; not overwritten (--force overwrites it)"
            ));
        }
        _ => {}
    }
    std::fs::write(path, text).map_err(|e| format!("cannot write {shown}: {e}"))
}

/// Each action's file name in `dir`: its safe stem, `-ID` appended where stems collide.
fn file_names(actions: &[RemoteAction]) -> Vec<String> {
    let stems: Vec<String> = actions.iter().map(|a| safe_file_stem(&a.name)).collect();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for stem in &stems {
        *counts.entry(stem.as_str()).or_default() += 1;
    }
    let mut taken = std::collections::HashSet::new();
    stems
        .iter()
        .zip(actions)
        .map(|(stem, action)| {
            let mut name = if counts[stem.as_str()] > 1 {
                format!("{stem}-{}", safe_file_stem(&action.id))
            } else {
                stem.clone()
            };
            let base = name.clone();
            let mut n = 2;
            while !taken.insert(name.clone()) {
                name = format!("{base}-{n}");
                n += 1;
            }
            format!("{name}.json")
        })
        .collect()
}

async fn pull_all(
    engine: &Engine,
    dir: &Path,
    args: &PullArgs,
    cancel: &CancellationToken,
) -> Outcome {
    let shown_dir = escape_controls(&dir.display().to_string()).into_owned();
    if let Err(error) = std::fs::create_dir_all(dir) {
        eprintln!("cxda: cannot create {shown_dir}: {error}");
        return Outcome::LocalProblem;
    }
    let actions = match engine.list_actions(&ListQuery::default(), cancel).await {
        Ok(actions) => actions,
        Err(error) => return read_failed(&error),
    };
    let names = file_names(&actions);
    let api = engine.profile().api;
    let mut queue = actions.iter().zip(&names).enumerate();
    let mut set = JoinSet::new();
    let mut outcome = Outcome::Ok;
    let mut written = 0usize;
    let concurrency = usize::from(args.concurrency);
    loop {
        while set.len() < concurrency && !cancel.is_cancelled() {
            let Some((index, (action, name))) = queue.next() else {
                break;
            };
            set.spawn(pull_to(
                engine.clone(),
                api,
                action.id.clone(),
                dir.join(name),
                args.force,
                cancel.clone(),
                index,
            ));
        }
        let Some(joined) = set.join_next().await else {
            break;
        };
        let (index, result) = match joined {
            Ok(done) => done,
            Err(error) => {
                eprintln!("cxda: internal error: {error}");
                outcome = outcome.max(Outcome::LocalProblem);
                continue;
            }
        };
        let file = escape_controls(&names[index]).into_owned();
        match result {
            Ok(()) => {
                written += 1;
                println!(
                    "{shown_dir}/{file}: pulled {}",
                    escape_controls(&actions[index].id)
                );
            }
            Err(Failure::Read(error)) => {
                if error != crate::engine::remote::ReadError::Cancelled {
                    eprintln!("cxda: {file}: {}", escape_controls(&error.to_string()));
                }
                outcome = outcome.max(Outcome::Failed);
            }
            Err(Failure::Write(problem)) => {
                eprintln!("cxda: {problem}");
                outcome = outcome.max(Outcome::LocalProblem);
            }
        }
    }
    eprintln!(
        "{written} of {} actions written to {shown_dir}",
        actions.len()
    );
    outcome
}

enum Failure {
    Read(crate::engine::remote::ReadError),
    Write(String),
}

async fn pull_to(
    engine: Engine,
    api: Api,
    id: String,
    path: PathBuf,
    force: bool,
    cancel: CancellationToken,
    index: usize,
) -> (usize, Result<(), Failure>) {
    let result = match engine.read_action(&id, &cancel).await {
        Ok(action) => {
            let text = editable_payload(api, &action);
            tokio::task::spawn_blocking(move || write_file(&path, &text, force))
                .await
                .unwrap_or_else(|e| Err(format!("internal error: {e}")))
                .map_err(Failure::Write)
        }
        Err(error) => Err(Failure::Read(error)),
    };
    (index, result)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn action(id: &str, name: &str) -> RemoteAction {
        RemoteAction {
            id: id.into(),
            name: name.into(),
            ..RemoteAction::default()
        }
    }

    #[test]
    fn colliding_names_get_their_id() {
        let names = file_names(&[
            action("A1", "Lookup"),
            action("b2", "lookup!"),
            action("c3", "Other"),
        ]);
        assert_eq!(names, ["lookup-a1.json", "lookup-b2.json", "other.json"]);
    }
}
