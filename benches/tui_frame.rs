//! One full TUI frame: a 1 MiB payload in the editor, its checks done, the engine
//! ready with the sandbox pane, and a 1,000-row history page loaded. Target: ≤ 2 ms.
//!
//! Drawn with `ui::draw` into ratatui's `TestBackend` at 200×50 (a large, realistic
//! terminal) and at 120×40:
//! - `editor_frame`: the main screen (editor near the end of the 1 MiB text, checks,
//!   headers, attempts, sandbox, status bar), the frame every keystroke redraws;
//! - `history_frame`: the `History` view open over the 1,000 loaded rows;
//! - `*_repaint`: the same after `Terminal::clear`, so the diff writes every cell (what a
//!   resize or the first frame costs);
//! - `*_one_line`: the same payload minified onto one line (as other tools write JSON), the
//!   cursor at 1:1 or at the end of the line, and at 29 MB, far over the API's body limit.
//!
//! Run: `cargo bench --bench tui_frame`

use std::time::Instant;

use crossterm::event::KeyCode;
use cxda::audit::{AuditRecord, Exchange, Headers, Outcome, Page};
use cxda::payload::{CheckReport, check_text};
use cxda::sandbox::Faults;
use cxda::tui::app::App;

#[path = "common/payload.rs"]
mod common;
use common::{one_line_payload, payload};
use cxda::tui::message::{Effect, Message};
use cxda::tui::{testing, ui};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;

fn main() {
    divan::main();
}

const SIZES: [(u16, u16); 2] = [(200, 50), (120, 40)];
const PAYLOAD_BYTES: usize = 1024 * 1024;
const HISTORY_ROWS: usize = 1000;
/// The one-line file of the studio's long-line measurements: 29 MB on one line.
const HUGE_BYTES: usize = 29 * 1000 * 1000;
/// Where the cursor sits in a one-line payload.
const ONE_LINE_AT: [&str; 2] = ["1:1", "end"];

/// 1,000 records, newest first, a mix of outcomes (as a page from the audit tail).
fn history_page() -> Page {
    let records = (0..HISTORY_ROWS)
        .rev()
        .map(|i| {
            let (name, outcome, status) = match i % 10 {
                0 => ("BrokenAction", Outcome::Failed, None),
                1 => ("FetchExternalInventory", Outcome::Rejected, Some(400)),
                _ => ("FetchExternalInventory", Outcome::Created, Some(201)),
            };
            AuditRecord {
                correlation_id: format!("0b7c5e2a-6f1d-4c3b-9a8e-{i:012}"),
                action_name: name.into(),
                status,
                request: Exchange::new(Headers::new(), json!({"name": name, "i": i})),
                ..AuditRecord::new(outcome)
            }
        })
        .collect();
    Page {
        records,
        skipped: 0,
        next: None,
    }
}

/// The text in the editor and where the cursor goes in it.
#[derive(Clone, Copy)]
enum Text {
    /// The 1 MiB payload pretty-printed, the cursor 2,000 lines down.
    Pretty,
    /// `bytes` of payload on one line, the cursor at 1:1 or (`at_end`) at the end.
    OneLine { bytes: usize, at_end: bool },
}

impl Text {
    fn one_line(bytes: usize, at: &str) -> Text {
        Text::OneLine {
            bytes,
            at_end: at == "end",
        }
    }
}

/// The app with everything loaded; `history_open` leaves the History view up.
fn loaded_app(what: Text, history_open: bool) -> App {
    let text = match what {
        Text::Pretty => payload(PAYLOAD_BYTES, "GET"),
        Text::OneLine { bytes, .. } => one_line_payload(bytes, "GET"),
    };
    let mut app = testing::ready_app(&text, Some(Faults::default()));
    // The large text's checks run off the loop in the studio: run them here and hand the
    // result back tagged with the revision, as the loop does.
    for effect in app.startup_effects() {
        if let Effect::CheckLarge { revision, text, .. } = effect {
            let report = check_text(&text);
            app.update(Message::ChecksDone { revision, report });
        }
    }
    // Only the over-limit diagnostic, if any: the payload itself is valid.
    assert!(
        app.diagnostics().len() <= usize::from(text.len() > PAYLOAD_BYTES),
        "{:?}",
        app.diagnostics()
    );
    match what {
        // The cursor far down the text, so the editor draws from deep inside it.
        Text::Pretty => {
            for _ in 0..2000 {
                app.update(testing::key(KeyCode::Down));
            }
        }
        Text::OneLine { at_end, .. } => {
            if at_end {
                app.update(testing::key(KeyCode::End));
            }
        }
    }
    // F2 asks for the first page; the loop would load it on a blocking task.
    let effects = app.update(testing::key(KeyCode::F(2)));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::LoadHistory(None))),
        "{effects:?}"
    );
    app.update(Message::HistoryPage(Ok(history_page())));
    assert_eq!(app.history_view().loaded(), HISTORY_ROWS);
    if !history_open {
        app.update(testing::key(KeyCode::Esc));
    }
    app
}

fn bench_frame(bencher: divan::Bencher, size: (u16, u16), history_open: bool, repaint: bool) {
    bench_frame_of(bencher, size, Text::Pretty, history_open, repaint);
}

fn bench_frame_of(
    bencher: divan::Bencher,
    size: (u16, u16),
    what: Text,
    history_open: bool,
    repaint: bool,
) {
    let app = loaded_app(what, history_open);
    let mut terminal = Terminal::new(TestBackend::new(size.0, size.1)).expect("terminal");
    let now = Instant::now();
    terminal
        .draw(|frame| ui::draw(frame, &app, now))
        .expect("first draw");
    bencher.bench_local(|| {
        if repaint {
            terminal.clear().expect("clear");
        }
        terminal
            .draw(|frame| ui::draw(frame, divan::black_box(&app), now))
            .map(|_| ())
            .expect("draw")
    });
}

#[divan::bench(args = SIZES)]
fn editor_frame(bencher: divan::Bencher, size: (u16, u16)) {
    bench_frame(bencher, size, false, false);
}

#[divan::bench(args = SIZES)]
fn editor_frame_repaint(bencher: divan::Bencher, size: (u16, u16)) {
    bench_frame(bencher, size, false, true);
}

/// The editor frame at 120x40 with the 1 MiB payload on one line.
#[divan::bench(args = ONE_LINE_AT)]
fn editor_frame_one_line(bencher: divan::Bencher, at: &str) {
    let what = Text::one_line(PAYLOAD_BYTES, at);
    bench_frame_of(bencher, SIZES[1], what, false, false);
}

#[divan::bench(args = SIZES)]
fn history_frame(bencher: divan::Bencher, size: (u16, u16)) {
    bench_frame(bencher, size, true, false);
}

#[divan::bench(args = SIZES)]
fn history_frame_repaint(bencher: divan::Bencher, size: (u16, u16)) {
    bench_frame(bencher, size, true, true);
}

/// What one keystroke costs on the loop before the redraw, in the 1 MiB text: `App::update`
/// of a character typed and of the Backspace that removes it, the text-changed bookkeeping
/// included. Each keystroke's large check is answered at once with a result computed
/// beforehand (the check itself runs off the loop), so every keystroke also pays what
/// starting a check costs: joining the text for it.
#[divan::bench]
fn keystroke_update(bencher: divan::Bencher) {
    bench_keystroke(bencher, Text::Pretty);
}

/// The same with the 1 MiB payload on one line.
#[divan::bench(args = ONE_LINE_AT)]
fn keystroke_update_one_line(bencher: divan::Bencher, at: &str) {
    bench_keystroke(bencher, Text::one_line(PAYLOAD_BYTES, at));
}

/// The same with a 29 MB payload on one line (few samples: each is a whole keystroke pair).
#[divan::bench(args = ONE_LINE_AT, sample_count = 10, sample_size = 1)]
fn keystroke_update_one_line_29mb(bencher: divan::Bencher, at: &str) {
    bench_keystroke(bencher, Text::one_line(HUGE_BYTES, at));
}

fn bench_keystroke(bencher: divan::Bencher, what: Text) {
    let mut app = loaded_app(what, false);
    // What the loop receives: the diagnostics only (the parsed document is freed off it).
    let report = CheckReport {
        diagnostics: check_text(&app.text()).diagnostics,
        value: None,
    };
    let press = move |app: &mut App, code: KeyCode| {
        for effect in app.update(testing::key(code)) {
            if let Effect::CheckLarge { revision, text, .. } = effect {
                divan::black_box(text);
                app.update(Message::ChecksDone {
                    revision,
                    report: report.clone(),
                });
            }
        }
    };
    bencher.bench_local(|| {
        press(&mut app, KeyCode::Char('x'));
        press(&mut app, KeyCode::Backspace);
    });
}
