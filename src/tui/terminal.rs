//! Entering and leaving the full-screen terminal. Every exit restores it: the normal path
//! calls [`restore`], a panic goes through the hook installed by [`install_panic_hook`]
//! (restore first, so that the message is readable on the normal screen, then exit).

use std::io::{self, Stdout};

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use crossterm::{cursor, execute};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

pub type Term = Terminal<CrosstermBackend<Stdout>>;

/// Raw mode, the alternate screen, mouse capture and bracketed paste.
pub fn enter() -> io::Result<Term> {
    enable_raw_mode()?;
    let mut stdout = io::stdout();
    if let Err(error) = execute!(
        stdout,
        EnterAlternateScreen,
        EnableMouseCapture,
        EnableBracketedPaste
    ) {
        restore();
        return Err(error);
    }
    Terminal::new(CrosstermBackend::new(stdout))
}

/// Undoes [`enter`]; best effort, and harmless when called twice.
pub fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(
        io::stdout(),
        DisableBracketedPaste,
        DisableMouseCapture,
        LeaveAlternateScreen,
        cursor::Show
    );
}

/// A panic anywhere, a background task's included, restores the terminal, prints the
/// message on the normal screen and ends the process (exit 101, as a panic in `main` does):
/// a studio that went on after a task died would show a screen that no longer tells the
/// truth, on a terminal no longer in raw mode. Audit records already reported are on disk.
pub fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
        std::process::exit(101);
    }));
}

/// Back to the full screen after [`restore`] (the external editor returned).
pub fn reenter() -> io::Result<()> {
    enable_raw_mode()?;
    execute!(
        io::stdout(),
        EnterAlternateScreen,
        EnableMouseCapture,
        EnableBracketedPaste
    )
}
