//! The command line: clap definitions and the headless commands. Exit codes (PRODUCT §4):
//! 0 ok; 1 checks failed or a submission not created; 2 a local problem (usage,
//! configuration, a file that cannot be read or written); 130 interrupted. 2 wins over 1.

mod validate;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

pub use validate::ValidateArgs;

/// How a command ended, in the order of precedence of PRODUCT §4 (a later variant wins).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    Ok,
    /// Checks failed, or a submission was not created.
    Failed,
    /// A local problem: usage, configuration, a file that cannot be read or written.
    LocalProblem,
    Interrupted,
}

impl Outcome {
    pub fn exit_code(self) -> ExitCode {
        ExitCode::from(match self {
            Outcome::Ok => 0,
            Outcome::Failed => 1,
            Outcome::LocalProblem => 2,
            Outcome::Interrupted => 130,
        })
    }
}

const AFTER_HELP: &str = "\
Without a subcommand, cxda opens the terminal studio (not built yet: for now it prints \
this help). With no profile configured, everything runs against the embedded sandbox, so \
nothing leaves this machine.

Exit codes: 0 ok; 1 checks failed or a submission was not created; 2 a local problem \
(usage, configuration, unreadable file); 130 interrupted.

Examples:
  cxda validate payload.json          check a payload, FILE:LINE:COL per problem
  cxda validate --json a.json b.json  the same as one JSON array
  cxda sandbox --fail-429 3           run the API emulation with three 429s to start";

/// cxda: write, check, submit and audit NICE CXone Data Actions.
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
    /// when CXONE_CLIENT_ID is set, else the embedded sandbox]
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check payload files: JSON syntax, the Data Action schema and secret-looking headers.
    ///
    /// Prints FILE:LINE:COL: error|warning: message per problem (columns count characters).
    /// Exits 0 when there are no errors (warnings alone pass), 1 when a payload has errors,
    /// 2 when a file cannot be read.
    Validate(ValidateArgs),
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Outcome {
    match cli.command {
        Some(Command::Validate(args)) => validate::run(&args),
        None => {
            // The TUI arrives with its own issue; until then the bare command explains itself.
            let mut command = <Cli as clap::CommandFactory>::command();
            let _ = command.print_help();
            Outcome::Ok
        }
    }
}
