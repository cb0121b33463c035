//! The studio's screens, rendered to a 120×40 `TestBackend` from scripted messages and
//! compared with insta snapshots (times, ports and ids masked).

use std::time::Instant;

use crossterm::event::KeyCode;
use cxda::payload::TEMPLATES;
use cxda::sandbox::Faults;
use cxda::tui::app::App;
use cxda::tui::testing::{self, key, type_text};

const WIDTH: u16 = 120;
const HEIGHT: u16 = 40;

fn screen(app: &App, width: u16, height: u16) -> String {
    testing::render(app, width, height, Instant::now())
}

/// Masks what changes from run to run.
fn assert_screen(name: &str, text: &str) {
    insta::with_settings!({
        filters => vec![
            (r"\d+m\d{2}s", "[TIME]"),
            (r"127\.0\.0\.1:\d+", "127.0.0.1:[PORT]"),
            (r"cxda/\d+\.\d+\.\d+", "cxda/[VERSION]"),
            (r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "[UUID]"),
            (r"\b[0-9A-HJKMNP-TV-Z]{26}\b", "[ID]"),
        ],
    }, {
        insta::assert_snapshot!(name, text);
    });
}

/// `text` with the engine ready against an address nothing listens on.
fn ready_app(text: &str) -> App {
    testing::ready_app(text, Some(Faults::default()))
}

#[test]
fn clean_payload() {
    let app = ready_app(TEMPLATES[0].1);
    assert!(app.diagnostics().is_empty(), "{:?}", app.diagnostics());
    assert_screen("clean_payload", &screen(&app, WIDTH, HEIGHT));
}

#[test]
fn syntax_error() {
    let mut app = ready_app(TEMPLATES[0].1);
    // After `{` on line 1: a stray word makes the JSON invalid.
    app.update(key(KeyCode::End));
    type_text(&mut app, " oops");
    assert_screen("syntax_error", &screen(&app, WIDTH, HEIGHT));
}

#[test]
fn schema_errors() {
    let app = ready_app("{\n  \"name\": 42,\n  \"type\": \"SOAP\",\n  \"configuration\": {}\n}");
    assert_screen("schema_errors", &screen(&app, WIDTH, HEIGHT));
}

#[test]
fn header_budget_over() {
    let mut profile = testing::sandbox_profile();
    profile.header_budget_bytes = 256;
    let mut app =
        testing::app_with_profile(TEMPLATES[0].1, &profile).with_sandbox(Faults::default());
    testing::make_ready(&mut app);
    let text = screen(&app, WIDTH, HEIGHT);
    assert!(text.contains("/ 256 B"), "{text}");
    assert!(text.contains("largest:"), "{text}");
    assert_screen("header_budget_over", &text);
}

#[test]
fn help() {
    let mut app = ready_app(TEMPLATES[0].1);
    app.update(key(KeyCode::F(1)));
    let top = screen(&app, WIDTH, HEIGHT);
    // Taller than 40 rows: End scrolls to its last line.
    app.update(key(KeyCode::End));
    let bottom = screen(&app, WIDTH, HEIGHT);
    assert_ne!(top, bottom, "the help scrolls");
    let every = cxda::tui::ui::KEYS
        .iter()
        .chain(cxda::tui::history::key_help())
        .chain(cxda::tui::remote::key_help())
        .chain(cxda::tui::sandbox_controls::key_help());
    for (keys, what) in every {
        // Each key on a line with the start of what it does.
        let start: String = what.chars().take(30).collect();
        let listed = |text: &str| {
            text.lines()
                .any(|l| l.contains(&format!("│{keys} ")) && l.contains(&start))
        };
        assert!(listed(&top) || listed(&bottom), "help lacks {keys}: {what}");
    }
    app.update(key(KeyCode::Home));
    assert_eq!(screen(&app, WIDTH, HEIGHT), top);
    assert_screen("help", &top);
    assert_screen("help_end", &bottom);
}

#[test]
fn too_small() {
    let app = testing::app(TEMPLATES[0].1);
    let text = screen(&app, 60, 15);
    assert!(text.contains("Terminal too small"));
    assert_screen("too_small", &text);
}

#[test]
fn starting() {
    let app = testing::app(TEMPLATES[0].1);
    let text = screen(&app, WIDTH, HEIGHT);
    assert!(
        text.contains("SANDBOX") && text.contains("starting"),
        "{text}"
    );
    assert_screen("starting", &text);
}

/// The top-left corner of the pane whose title starts with `title`: the cell two to the left
/// of the title's first letter (` {title} ` is drawn right after the corner).
fn pane_corner(buffer: &ratatui::buffer::Buffer, title: &str) -> Option<String> {
    let area = buffer.area;
    let needle: Vec<String> = format!(" {title}").chars().map(String::from).collect();
    for y in area.top()..area.bottom() {
        let row: Vec<&str> = (area.left()..area.right())
            .map(|x| buffer.cell((x, y)).map_or("", |c| c.symbol()))
            .collect();
        let found = row
            .windows(needle.len())
            .position(|w| w.iter().zip(&needle).all(|(a, b)| *a == b.as_str()));
        if let Some(x) = found.filter(|x| *x > 0) {
            return row.get(x - 1).map(|s| (*s).to_string());
        }
    }
    None
}

#[test]
fn tab_to_attempts_draws_its_border_thick() {
    use cxda::tui::app::Pane;

    let thick = ratatui::symbols::border::THICK.top_left;
    let plain = ratatui::symbols::border::PLAIN.top_left;
    let mut app = ready_app(TEMPLATES[0].1);

    let buffer = testing::render_buffer(&app, WIDTH, HEIGHT, Instant::now());
    assert_eq!(pane_corner(&buffer, "Attempts").as_deref(), Some(plain));
    assert_eq!(pane_corner(&buffer, "Sandbox").as_deref(), Some(plain));

    for _ in 0..3 {
        app.update(key(KeyCode::Tab));
    }
    assert_eq!(app.focus(), Pane::Attempts);
    let buffer = testing::render_buffer(&app, WIDTH, HEIGHT, Instant::now());
    assert_eq!(pane_corner(&buffer, "Attempts").as_deref(), Some(thick));
    assert_eq!(pane_corner(&buffer, "Sandbox").as_deref(), Some(plain));

    app.update(key(KeyCode::Tab));
    assert_eq!(app.focus(), Pane::Sandbox);
    let buffer = testing::render_buffer(&app, WIDTH, HEIGHT, Instant::now());
    assert_eq!(pane_corner(&buffer, "Attempts").as_deref(), Some(plain));
    assert_eq!(pane_corner(&buffer, "Sandbox").as_deref(), Some(thick));
}
