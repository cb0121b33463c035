//! The command line: clap definitions and the headless commands. Exit codes (docs/commands.md):
//! 0 ok; 1 checks failed or a submission not created; 2 a local problem (usage,
//! configuration, a file that cannot be read or written); 130 interrupted. 2 wins over 1.

mod audit_cmd;
mod audit_view;
mod batch;
mod config_cmd;
mod delete_cmd;
mod diff_cmd;
mod list_cmd;
mod payload_files;
mod progress;
mod pull_cmd;
mod push_cmd;
pub mod sandbox_cmd;
mod submit;
mod test_cmd;
mod validate;

use std::future::Future;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub use crate::session::Outcome;
pub use validate::ValidateArgs;

use crate::session::new_runtime;

const AFTER_HELP: &str = "\
Without a subcommand, cxda opens the terminal studio on FILE (or a template): edit the \
payload with live checks, see the headers as they will be sent, submit with F5, browse the \
history with F2; F1 lists every key. With no profile configured, everything runs against \
the embedded sandbox, so nothing leaves this machine.

Exit codes: 0 ok; 1 checks failed or a submission was not created; 2 a local problem \
(usage, configuration, unreadable file); 130 interrupted.

Examples:
  cxda validate payload.json          check a payload, FILE:LINE:COL per problem
  cxda validate --json a.json b.json  the same as one JSON array
  cxda validate --api genesys-cloud action.json   a Genesys Cloud data action
  cxda submit payloads/*.json         submit each file, one audit record each
  cxda audit list --failed            the newest submissions that were not created
  cxda audit show 01M8588NXMMHME1CN8C5TS8V48
  cxda test action.json --input '{\"id\": 1}' --local   run it once, step by step
  cxda config                         the profile in use, why, and its hosts and limits
  cxda --profile sandbox-genesys      the studio on the Genesys Cloud dialect, offline
  cxda sandbox --fail-429 3           run the API emulation with three 429s to start";

/// cxda: write, check, submit and audit Data Actions (Genesys Cloud, and the cxone-v2
/// contract).
#[derive(Debug, Parser)]
#[command(name = "cxda", version, about, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    /// Payload to open in the editor (the TUI).
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Flags accepted before or after the subcommand.
#[derive(Debug, Clone, Default, Args)]
pub struct GlobalArgs {
    /// Config file [default: $CXDA_CONFIG, else ~/.config/cxda/config.toml]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Directory for the audit history and logs [default: $CXDA_DATA_DIR, else ~/.local/share/cxda]
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Profile to use [default: $CXDA_PROFILE, else default_profile in the config, else env
    /// when CXONE_CLIENT_ID is set, else genesys-env when GENESYSCLOUD_OAUTHCLIENT_ID is
    /// set, else the embedded sandbox]
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check payload files: JSON syntax, the Data Action schema and secret-looking headers.
    ///
    /// Checks against the dialect of the profile in use, or --api (cxone-v2 or
    /// genesys-cloud; genesys-cloud adds its contract and template rules). Nothing is sent.
    /// Prints FILE:LINE:COL: error|warning: message per problem (columns count characters).
    /// Exits 0 when there are no errors (warnings alone pass), 1 when a payload has errors,
    /// 2 when a file cannot be read or the configuration is wrong.
    Validate(ValidateArgs),

    /// Run the sandbox: the Data Actions API emulated on this machine, with fault injection.
    ///
    /// Prints `sandbox listening on http://HOST:PORT` once it accepts connections (https
    /// with --tls, followed by `ca certificate: PATH`) and serves until Ctrl-C. Credentials:
    /// client id `sandbox`, secret `sandbox-secret`. Faults can also be changed while it
    /// runs: PUT /_sandbox/faults with JSON keys named as the flags (`fail_429`, ...).
    Sandbox(sandbox_cmd::SandboxArgs),

    /// Submit payload files through the engine: OAuth2, pacing, retries, redirects, audit.
    ///
    /// Prints `FILE: created ID`, `FILE: rejected STATUS reason`, `FILE: failed reason` or
    /// `FILE: cancelled` per file, in input order; progress on stderr. Exits 0 when every
    /// file was created, 1 when one was not, 2 on a local problem, 130 when interrupted.
    Submit(submit::SubmitArgs),

    /// Read the audit history: every submission and webhook delivery, newest first.
    ///
    /// `audit list` shows a table (or JSON Lines with --json); `audit show ID` one record
    /// in full: the attempts timeline, redirects, headers and bodies (secrets redacted).
    Audit(audit_cmd::AuditArgs),

    /// Show the profile in use and why: dialect, region, hosts, auth, limits, data dir.
    ///
    /// Never prints a secret: `client_secret` is `set` or `missing`, extra headers are
    /// listed by name. Exits 2 when the profile cannot be resolved, saying why.
    Config(config_cmd::ConfigArgs),

    /// List the actions on the server, paged to the end: id, name, category or type,
    /// version, secure or enabled.
    ///
    /// Prints a table, or one JSON array with --json. Nothing is changed on the server.
    /// Exits 0 when listed, 1 when the server refused or could not be reached, 2 on a local
    /// problem, 130 when interrupted.
    List(list_cmd::ListArgs),

    /// Write an action from the server as an editable payload file (with its id and
    /// version), or every action into a directory with --all.
    ///
    /// Exits 0 when written, 1 when the server refused, could not be reached or has no such
    /// action, 2 on a local problem (a file that cannot be written, or exists with other
    /// content without --force), 130 when interrupted.
    Pull(pull_cmd::PullArgs),

    /// Compare payload files with the server's actions, one line per differing JSON
    /// pointer with both values.
    ///
    /// Key order and the fields only the server writes are ignored. Exits 0 when every
    /// file is equal, 1 when one differs or is absent on the server, 2 on a local problem,
    /// 130 when interrupted.
    Diff(diff_cmd::DiffArgs),

    /// Create or update actions from payload files, then write each one's new id and
    /// version back into its file.
    ///
    /// Equal files are `unchanged` (nothing sent); a file older than the server's version
    /// is refused unless --force; a genesys-cloud contract change needs --replace (a new
    /// id). Exits 0 when every file is created, updated or unchanged, 1 when one is not, 2
    /// on a local problem, 130 when interrupted.
    Push(push_cmd::PushArgs),

    /// Delete an action from the server, by id or exact name.
    ///
    /// Asks on a terminal; needs --yes otherwise. Exits 0 when deleted, 1 when not, 2 on a
    /// local problem, 130 when interrupted.
    Delete(delete_cmd::DeleteArgs),

    /// Run an action once with an input and show each step and the result: on the
    /// platform (genesys-cloud), or on this machine with --local (and always on cxone-v2).
    ///
    /// The input is checked against the input contract first (nothing sent when it fails).
    /// Each run is an audit record (operation test, outcome passed or failed). Exits 0 when
    /// the run succeeded, 1 when it did not, 2 on a local problem, 130 when interrupted.
    Test(test_cmd::TestArgs),
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Outcome {
    match cli.command {
        Some(Command::Validate(args)) => validate::run(&args, &(&cli.global).into()),
        Some(Command::Sandbox(args)) => block_on(sandbox_cmd::run(args, (&cli.global).into())),
        Some(Command::Submit(args)) => submit::run(&args, &(&cli.global).into()),
        Some(Command::Audit(args)) => audit_cmd::run(&args, &(&cli.global).into()),
        Some(Command::Config(args)) => config_cmd::run(&args, &(&cli.global).into()),
        Some(Command::List(args)) => list_cmd::run(&args, &(&cli.global).into()),
        Some(Command::Pull(args)) => pull_cmd::run(&args, &(&cli.global).into()),
        Some(Command::Diff(args)) => diff_cmd::run(&args, &(&cli.global).into()),
        Some(Command::Push(args)) => push_cmd::run(&args, &(&cli.global).into()),
        Some(Command::Delete(args)) => delete_cmd::run(&args, &(&cli.global).into()),
        Some(Command::Test(args)) => test_cmd::run(&args, &(&cli.global).into()),
        None => crate::tui::run(cli.file, &(&cli.global).into()),
    }
}

/// Runs an async command on a fresh runtime; its error is a local problem (exit 2) such as
/// an address that cannot be bound.
fn block_on(command: impl Future<Output = anyhow::Result<()>>) -> Outcome {
    let Some(runtime) = new_runtime() else {
        return Outcome::LocalProblem;
    };
    match runtime.block_on(command) {
        Ok(()) => Outcome::Ok,
        Err(error) => {
            eprintln!("cxda: {error:#}");
            Outcome::LocalProblem
        }
    }
}

impl From<&GlobalArgs> for crate::config::GlobalOptions {
    fn from(args: &GlobalArgs) -> Self {
        crate::config::GlobalOptions {
            config: args.config.clone(),
            data_dir: args.data_dir.clone(),
            profile: args.profile.clone(),
        }
    }
}
