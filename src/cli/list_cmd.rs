//! `cxda list [--name TEXT] [--drafts] [--json]`: every action on the server, paged to the
//! end, read through the engine (`Engine::list_actions`). Also the set-up the reading
//! commands share ([`connected`]): configuration, data dir, the embedded sandbox on a
//! sandbox profile, the engine, Ctrl-C.
//!
//! Decisions (documented in docs/commands.md): `--json` prints one JSON array; `--name` is
//! a case-insensitive "contains"; `--drafts` needs a genesys-cloud profile (exit 2).

use std::future::Future;
use std::io::Write;

use clap::Args;
use tokio_util::sync::CancellationToken;

use super::Outcome;
use super::submit::Signals;
use crate::audit::AuditLog;
use crate::config::{Api, GlobalOptions, Profile, Resolved};
use crate::engine::Engine;
use crate::engine::remote::{ListQuery, ReadError, RemoteAction};
use crate::sandbox::{Sandbox, SandboxHandle};
use crate::text::escape_controls;

const AFTER_HELP: &str = "\
Prints a table: ID, NAME, CATEGORY (genesys-cloud) or TYPE (cxone-v2), VERSION, and SECURE \
(genesys-cloud) or ENABLED (cxone-v2); --json prints one JSON array of \
{id, name, category|type, version, secure|enabled} instead.

Exit codes: 0 listed; 1 the server refused or could not be reached; 2 a local problem \
(usage, configuration); 130 interrupted.

Examples:
  cxda list
  cxda list --name lookup --json | jq -r '.[].id'
  cxda list --profile sandbox-genesys --drafts";

#[derive(Debug, Clone, Args)]
#[command(after_help = AFTER_HELP)]
pub struct ListArgs {
    /// Only the actions whose name contains TEXT (case-insensitive).
    #[arg(long, value_name = "TEXT")]
    pub name: Option<String>,

    /// The drafts instead of the published actions (genesys-cloud profiles).
    #[arg(long)]
    pub drafts: bool,

    /// One JSON array on stdout instead of the table.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &ListArgs, global: &GlobalOptions) -> Outcome {
    let check = |profile: &Profile| {
        if args.drafts && profile.api != Api::GenesysCloud {
            return Err(format!(
                "--drafts needs a genesys-cloud profile; profile `{}` speaks {}, which has no drafts",
                profile.name, profile.api
            ));
        }
        Ok(())
    };
    connected(global, check, |engine, cancel| async move {
        let query = ListQuery {
            name: args.name.clone(),
            drafts: args.drafts,
        };
        match engine.list_actions(&query, &cancel).await {
            Ok(actions) => print(&actions, engine.profile().api, args.json),
            Err(error) => read_failed(&error),
        }
    })
}

/// Says why a read failed and gives its exit outcome.
pub(super) fn read_failed(error: &ReadError) -> Outcome {
    if *error == ReadError::Cancelled {
        eprintln!("cxda: interrupted");
        return Outcome::Interrupted;
    }
    eprintln!("cxda: {}", escape_controls(&error.to_string()));
    Outcome::Failed
}

fn print(actions: &[RemoteAction], api: Api, json: bool) -> Outcome {
    let text = if json {
        match serde_json::to_string(actions) {
            Ok(text) => text + "\n",
            Err(error) => {
                eprintln!("cxda: cannot write the list: {error}");
                return Outcome::LocalProblem;
            }
        }
    } else {
        table(actions, api)
    };
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Outcome::Ok,
        // A closed pipe (`cxda list | head`) is the reader's choice, not a failure.
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Outcome::Ok,
        Err(error) => {
            eprintln!("cxda: cannot write the list: {error}");
            Outcome::LocalProblem
        }
    }
}

/// The table, columns padded to their widest cell (in characters); server text escaped.
fn table(actions: &[RemoteAction], api: Api) -> String {
    let (kind, flag) = match api {
        Api::GenesysCloud => ("CATEGORY", "SECURE"),
        Api::CxoneV2 => ("TYPE", "ENABLED"),
    };
    let yes_no = |b: Option<bool>| match b {
        Some(true) => "yes",
        Some(false) => "no",
        None => "-",
    };
    let mut rows = vec![[
        "ID".to_string(),
        "NAME".to_string(),
        kind.to_string(),
        "VERSION".to_string(),
        flag.to_string(),
    ]];
    rows.extend(actions.iter().map(|a| {
        let kind = match api {
            Api::GenesysCloud => a.category.as_deref(),
            Api::CxoneV2 => a.kind.as_deref(),
        };
        let flag = match api {
            Api::GenesysCloud => a.secure,
            Api::CxoneV2 => a.enabled,
        };
        [
            escape_controls(&a.id).into_owned(),
            escape_controls(&a.name).into_owned(),
            escape_controls(kind.unwrap_or("-")).into_owned(),
            a.version.map_or_else(|| "-".to_string(), |v| v.to_string()),
            yes_no(flag).to_string(),
        ]
    }));
    let mut widths = [0usize; 5];
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut text = String::new();
    for row in &rows {
        let mut line = String::new();
        for (i, (cell, width)) in row.iter().zip(widths).enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(cell);
                let pad = width - cell.chars().count() + 2;
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

/// Runs `body` with an engine on the profile in use: the configuration resolved (and
/// `check`ed) before anything else, the data dir opened, the embedded sandbox started on a
/// sandbox profile, Ctrl-C or SIGTERM cancelling `body`'s token (then the outcome is 130). A problem
/// before `body` runs is a local one (exit 2).
pub(super) fn connected<F, Fut>(
    global: &GlobalOptions,
    check: impl FnOnce(&Profile) -> Result<(), String>,
    body: F,
) -> Outcome
where
    F: FnOnce(Engine, CancellationToken) -> Fut,
    Fut: Future<Output = Outcome>,
{
    let Some(resolved) = crate::session::resolve(global) else {
        return Outcome::LocalProblem;
    };
    if let Err(problem) = check(&resolved.profile) {
        eprintln!("cxda: {problem}");
        return Outcome::LocalProblem;
    }
    let Some((_log, audit)) = crate::session::open_data_dir(&resolved) else {
        return Outcome::LocalProblem;
    };
    let Some(runtime) = crate::session::new_runtime() else {
        return Outcome::LocalProblem;
    };
    let Resolved {
        profile,
        chosen_because,
        ..
    } = resolved;
    if let Some(notice) = chosen_because.notice() {
        eprintln!("{notice}");
    }
    runtime.block_on(async move {
        // Kept alive until `body` is over; dropping it stops it.
        let (_sandbox, engine) = match start_engine(profile, audit).await {
            Ok(started) => started,
            Err(problem) => {
                eprintln!("cxda: {problem}");
                return Outcome::LocalProblem;
            }
        };
        let cancel = CancellationToken::new();
        // Listening from here on: a signal while the first request is in flight is not lost.
        let on_interrupt = Signals::install().map(|mut signals| {
            let cancel = cancel.clone();
            tokio::spawn(async move {
                signals.next().await;
                cancel.cancel();
            })
        });
        let outcome = body(engine, cancel.clone()).await;
        if let Some(task) = on_interrupt {
            task.abort();
        }
        if cancel.is_cancelled() {
            outcome.max(Outcome::Interrupted)
        } else {
            outcome
        }
    })
}

/// The engine on `profile`, with the embedded sandbox started first on a sandbox profile
/// (the handle keeps it running; dropping it stops it). `Err` says why not: a local problem.
pub(super) async fn start_engine(
    mut profile: Profile,
    audit: AuditLog,
) -> Result<(Option<SandboxHandle>, Engine), String> {
    crate::init_tls();
    let sandbox = if profile.needs_sandbox() {
        Some(Sandbox::start_for(&mut profile, audit.dir()).await?)
    } else {
        None
    };
    let engine = Engine::new(profile, audit).map_err(|e| e.to_string())?;
    Ok((sandbox, engine))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_pads_columns_and_escapes_server_text() {
        let actions = [
            RemoteAction {
                id: "a1".into(),
                name: "Look\x1b[31mup".into(),
                category: Some("CRM".into()),
                version: Some(2),
                secure: Some(true),
                ..RemoteAction::default()
            },
            RemoteAction {
                id: "longer-id".into(),
                name: "x".into(),
                ..RemoteAction::default()
            },
        ];
        let text = table(&actions, Api::GenesysCloud);
        let lines: Vec<&str> = text.lines().collect();
        assert!(!text.contains('\x1b'), "{text:?}");
        assert_eq!(lines[0].find("NAME"), lines[2].find('x'));
        assert!(lines[1].ends_with("2        yes"), "{text}");
        assert!(lines[2].ends_with("-        -"), "{text}");
    }
}
