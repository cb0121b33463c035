//! The sandbox controls: each key's cycle, the keys that must pass through, and the pane
//! rendered to a `TestBackend` (insta snapshot).

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use cxda::rate::RateSpec;
use cxda::sandbox::{Faults, RedirectFault};
use cxda::tui::sandbox_controls::{
    STORM_429, SandboxControls, draw_sandbox_controls, faults_summary, key_help,
};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn press(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

/// Presses `c` `times` times and returns what each press asked to apply, read by `field`.
fn cycle<T>(c: char, times: usize, field: impl Fn(&Faults) -> T) -> Vec<T> {
    let mut controls = SandboxControls::new(Faults::default());
    (0..times)
        .map(|_| {
            let applied = controls.handle_key(press(c));
            assert_eq!(
                applied.as_ref(),
                Some(controls.current()),
                "returned = kept"
            );
            field(controls.current())
        })
        .collect()
}

fn rate(text: &str) -> Option<RateSpec> {
    RateSpec::parse_or_off(text).ok().flatten()
}

#[test]
fn four_starts_a_429_storm() {
    let mut controls = SandboxControls::new(Faults::off());
    let faults = controls.handle_key(press('4'));
    assert_eq!(faults.map(|f| f.fail_429), Some(STORM_429));
    assert_eq!(STORM_429, 5);
}

#[test]
fn r_cycles_the_rate_limit_through_off_and_back() {
    assert_eq!(
        cycle('r', 4, |f| f.rate_limit),
        [rate("10/s"), rate("2/s"), None, rate("100/min")]
    );
}

#[test]
fn l_cycles_the_latency() {
    assert_eq!(cycle('l', 4, |f| f.latency_ms), [250, 1_000, 3_000, 0]);
}

#[test]
fn d_cycles_the_redirect_mode() {
    assert_eq!(
        cycle('d', 4, |f| f.redirect),
        [
            Some(RedirectFault::TemporaryRedirect),
            Some(RedirectFault::Found),
            Some(RedirectFault::Loop),
            None
        ]
    );
}

#[test]
fn e_cycles_the_error_rate() {
    assert_eq!(cycle('e', 3, |f| f.error_rate), [0.2, 0.5, 0.0]);
}

#[test]
fn t_cycles_the_token_lifetime() {
    assert_eq!(cycle('t', 3, |f| f.token_ttl_s), [30, 5, 3600]);
}

#[test]
fn a_rate_set_elsewhere_steps_to_the_first_of_the_cycle() {
    let mut controls = SandboxControls::new(Faults {
        rate_limit: rate("7/s"),
        ..Faults::default()
    });
    let faults = controls.handle_key(press('r'));
    assert_eq!(faults.and_then(|f| f.rate_limit), rate("100/min"));
}

#[test]
fn zero_clears_every_fault_to_the_default() {
    let mut controls = SandboxControls::new(Faults::off());
    for c in ['4', 'l', 'd', 'e', 't'] {
        controls.handle_key(press(c));
    }
    assert_ne!(controls.current(), &Faults::default());
    assert_eq!(controls.handle_key(press('0')), Some(Faults::default()));
    assert_eq!(controls.current(), &Faults::default());
}

#[test]
fn chords_releases_and_other_keys_pass_through() {
    let mut controls = SandboxControls::new(Faults::default());
    let ignored = [
        KeyEvent::new(KeyCode::Char('q'), KeyModifiers::CONTROL),
        KeyEvent::new(KeyCode::Char('r'), KeyModifiers::ALT),
        KeyEvent::new_with_kind(
            KeyCode::Char('r'),
            KeyModifiers::NONE,
            KeyEventKind::Release,
        ),
        KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE),
        KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE),
        press('x'),
    ];
    for key in ignored {
        assert_eq!(controls.handle_key(key), None, "{key:?}");
    }
    assert_eq!(controls.current(), &Faults::default());
}

#[test]
fn key_help_lists_exactly_the_keys_that_act() {
    for (key, _) in key_help() {
        let c = key.chars().next().unwrap_or(' ');
        let mut controls = SandboxControls::new(Faults::off());
        assert!(
            controls.handle_key(press(c)).is_some(),
            "key {key} listed but inert"
        );
    }
    let listed: Vec<char> = key_help()
        .iter()
        .filter_map(|(k, _)| k.chars().next())
        .collect();
    for c in ('a'..='z').chain('0'..='9') {
        let mut controls = SandboxControls::new(Faults::off());
        if controls.handle_key(press(c)).is_some() {
            assert!(listed.contains(&c), "key {c} acts but is not listed");
        }
    }
}

#[test]
fn set_current_replaces_what_the_pane_shows() {
    let mut controls = SandboxControls::new(Faults::default());
    controls.set_current(Faults::off());
    assert_eq!(faults_summary(controls.current()), "rate off");
}

fn render(controls: &SandboxControls, width: u16, height: u16) -> String {
    let mut terminal = match Terminal::new(TestBackend::new(width, height)) {
        Ok(t) => t,
        Err(e) => match e {},
    };
    let drawn = terminal.draw(|frame| draw_sandbox_controls(frame, frame.area(), controls, false));
    assert!(drawn.is_ok());
    terminal.backend().to_string()
}

#[test]
fn any_area_renders_without_panicking() {
    let controls = SandboxControls::new(Faults::default());
    for width in [1, 3, 10, 30, 60] {
        for height in [0, 1, 2, 5, 10, 20] {
            render(&controls, width, height);
        }
    }
}

#[test]
fn snapshot_sandbox_controls_during_a_storm() {
    let mut controls = SandboxControls::new(Faults::default());
    for c in ['4', 'r', 'l', 'd'] {
        controls.handle_key(press(c));
    }
    insta::assert_snapshot!("sandbox_controls", render(&controls, 56, 18));
}

#[test]
fn snapshot_sandbox_controls_compact_keeps_the_keys_visible() {
    let mut controls = SandboxControls::new(Faults::default());
    for c in ['4', 'e'] {
        controls.handle_key(press(c));
    }
    let frame = render(&controls, 48, 7);
    assert!(
        frame.contains("4\u{a0}storm") || frame.contains("4 storm"),
        "{frame}"
    );
    insta::assert_snapshot!("sandbox_controls_compact", frame);
}
