//! The `cxda` binary: parse the command line and hand over to the library.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cxda::cli::Cli::parse();
    cxda::cli::run(cli).exit_code()
}
