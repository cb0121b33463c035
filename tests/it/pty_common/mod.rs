//! The studio in a pseudo-terminal, as `tests/it/tui_pty.rs` and `benches/tui_pty.rs` both
//! run it: one terminal size, one way to open the pty, and one `cxda` command line that
//! keeps the developer's own config, data and editor out.
#![allow(dead_code, reason = "the test and the bench use different subsets")]

use std::num::NonZeroU16;
use std::path::Path;

use portable_pty::{CommandBuilder, PtyPair, PtySize, native_pty_system};

pub const ROWS: u16 = 40;
pub const COLS: u16 = 120;

/// A `ROWS`×`COLS` pseudo-terminal.
pub fn open_pty() -> PtyPair {
    native_pty_system()
        .openpty(PtySize {
            rows: ROWS,
            cols: COLS,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("open a pty")
}

/// A vt100 parser of the pty's size, with no scrollback.
pub fn screen_parser() -> vt100::Parser {
    let size = |n| NonZeroU16::new(n).expect("non-zero size");
    vt100::Parser::new(size(ROWS), size(COLS), 0)
}

/// `cxda [FILE] --data-dir DATA_DIR` in `home`, on the embedded sandbox: `HOME` and the XDG
/// dirs point into `home`, and every variable that would choose a profile, a data dir or an
/// editor, or turn colours off, is unset.
pub fn studio_command(home: &Path, data_dir: &Path, file: Option<&Path>) -> CommandBuilder {
    let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_cxda"));
    command.arg("--data-dir");
    command.arg(data_dir);
    if let Some(file) = file {
        command.arg(file);
    }
    command.cwd(home);
    command.env("HOME", home);
    command.env("XDG_CONFIG_HOME", home.join(".config"));
    command.env("XDG_DATA_HOME", home.join(".local/share"));
    command.env("TERM", "xterm-256color");
    for var in [
        "CXDA_CONFIG",
        "CXDA_DATA_DIR",
        "CXDA_PROFILE",
        "CXONE_CLIENT_ID",
        "CXONE_CLIENT_SECRET",
        "GENESYSCLOUD_OAUTHCLIENT_ID",
        "GENESYSCLOUD_OAUTHCLIENT_SECRET",
        "GENESYSCLOUD_REGION",
        "GENESYSCLOUD_INTEGRATION_ID",
        "VISUAL",
        "EDITOR",
        "NO_COLOR",
    ] {
        command.env_remove(var);
    }
    command
}
