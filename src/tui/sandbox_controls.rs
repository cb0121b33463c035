//! Keys that change the embedded sandbox's faults live, so an operator can start a
//! 429 storm or slow the server down and watch the executor react in the attempts panel.
//!
//! [`SandboxControls`] holds the faults as last applied and turns a key into the next
//! [`Faults`]; the core sends that to the sandbox (`PUT /_sandbox/faults` or the embedded
//! handle) off the UI thread, and calls [`SandboxControls::set_current`] if the sandbox ends
//! up with something else. Each cycling key steps through a short list of values worth
//! watching; a value set elsewhere (flags, the HTTP API) that is not in the list steps to the
//! list's first entry.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::rate::RateSpec;
use crate::sandbox::{Faults, RedirectFault};
use crate::tui::widgets::pane_block;

/// How many creates a 429 storm answers with 429.
pub const STORM_429: u32 = 5;

/// Rate limits `r` cycles through (`None` is off).
const RATE_LIMITS: [Option<RateSpec>; 4] = [
    Some(RateSpec {
        count: 100,
        period: Duration::from_secs(60),
    }),
    Some(RateSpec {
        count: 10,
        period: Duration::from_secs(1),
    }),
    Some(RateSpec {
        count: 2,
        period: Duration::from_secs(1),
    }),
    None,
];
const LATENCIES_MS: [u64; 4] = [0, 250, 1_000, 3_000];
const REDIRECTS: [Option<RedirectFault>; 4] = [
    None,
    Some(RedirectFault::TemporaryRedirect),
    Some(RedirectFault::Found),
    Some(RedirectFault::Loop),
];
const ERROR_RATES: [f64; 3] = [0.0, 0.2, 0.5];
/// Token lifetimes `t` cycles through: the default, then short enough to watch a refresh.
const TOKEN_TTLS_S: [u64; 3] = [crate::sandbox::DEFAULT_TOKEN_TTL_S, 30, 5];

/// The keys of the sandbox pane and what they do, for the pane and the Help overlay.
pub fn key_help() -> &'static [(&'static str, &'static str)] {
    &[
        ("4", "429 storm: the next 5 creates get 429"),
        ("r", "rate limit: 100/min → 10/s → 2/s → off"),
        ("l", "latency: 0 → 250 → 1000 → 3000 ms"),
        ("d", "redirect: off → 307 → 302 → loop"),
        ("e", "error rate: 0 → 0.2 → 0.5"),
        ("t", "token lifetime: 3600 → 30 → 5 s"),
        ("0", "clear all faults (rate limit back to 100/min)"),
    ]
}

/// One line per active fault, or `no faults` (plus the rate limit, which is always shown):
/// for a status bar or a toast after a key.
pub fn faults_summary(faults: &Faults) -> String {
    let mut parts = vec![format!("rate {}", rate_text(faults.rate_limit))];
    if faults.fail_429 > 0 {
        parts.push(format!("429×{}", faults.fail_429));
    }
    if let Some(redirect) = faults.redirect {
        parts.push(format!("redirect {redirect}"));
    }
    if faults.latency_ms > 0 {
        parts.push(format!("latency {} ms", faults.latency_ms));
    }
    if faults.error_rate > 0.0 {
        parts.push(format!("errors {}", faults.error_rate));
    }
    if faults.token_ttl_s != crate::sandbox::DEFAULT_TOKEN_TTL_S {
        parts.push(format!("token ttl {} s", faults.token_ttl_s));
    }
    if faults.webhook_fail > 0 {
        parts.push(format!("webhook fail×{}", faults.webhook_fail));
    }
    parts.join(" · ")
}

fn rate_text(rate: Option<RateSpec>) -> String {
    rate.map_or_else(|| "off".to_string(), |r| r.to_string())
}

/// The entry after `current` in `list`, or the first when `current` is not in it.
fn next_in<T: Copy + PartialEq>(list: &[T], current: T) -> Option<T> {
    let at = list.iter().position(|v| *v == current);
    let next = at.map_or(0, |i| (i + 1) % list.len());
    list.get(next).copied()
}

#[derive(Debug)]
pub struct SandboxControls {
    current: Faults,
}

impl SandboxControls {
    pub fn new(current: Faults) -> Self {
        SandboxControls { current }
    }

    /// A key pressed while the sandbox pane has focus: `Some(faults)` to apply now.
    pub fn handle_key(&mut self, key: KeyEvent) -> Option<Faults> {
        // Releases (reported on some terminals) would apply every change twice; chords with
        // Ctrl or Alt belong to the core (Ctrl+Q must always quit).
        if key.kind == KeyEventKind::Release
            || key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SUPER)
        {
            return None;
        }
        let KeyCode::Char(c) = key.code else {
            return None;
        };
        let mut next = self.current.clone();
        match c.to_ascii_lowercase() {
            '4' => next.fail_429 = STORM_429,
            'r' => next.rate_limit = next_in(&RATE_LIMITS, next.rate_limit)?,
            'l' => next.latency_ms = next_in(&LATENCIES_MS, next.latency_ms)?,
            'd' => next.redirect = next_in(&REDIRECTS, next.redirect)?,
            'e' => next.error_rate = next_in(&ERROR_RATES, next.error_rate)?,
            't' => next.token_ttl_s = next_in(&TOKEN_TTLS_S, next.token_ttl_s)?,
            '0' => next = Faults::default(),
            _ => return None,
        }
        self.current = next.clone();
        Some(next)
    }

    pub fn current(&self) -> &Faults {
        &self.current
    }

    pub fn set_current(&mut self, faults: Faults) {
        self.current = faults;
    }
}

/// Short names of the keys, for the compact layout (same order and keys as [`key_help`]).
const KEY_SHORT: [(&str, &str); 7] = [
    ("4", "storm"),
    ("r", "rate"),
    ("l", "latency"),
    ("d", "redirect"),
    ("e", "errors"),
    ("t", "ttl"),
    ("0", "clear"),
];

/// One fault as the pane shows it.
struct FaultLine {
    key: &'static str,
    /// The label of the compact layout.
    short: &'static str,
    value: String,
    /// Differs from `Faults::default()`: highlighted.
    active: bool,
}

/// The compact layout's unit after a value: its labels drop the key's unit suffix.
fn unit_of(key: &str) -> &'static str {
    match key {
        "latency_ms" => "\u{a0}ms",
        "token_ttl_s" => "\u{a0}s",
        _ => "",
    }
}

fn fault_lines(f: &Faults) -> Vec<FaultLine> {
    let default = Faults::default();
    let line = |key, short, value: String, active| FaultLine {
        key,
        short,
        value,
        active,
    };
    let mut lines = vec![
        line(
            "rate_limit",
            "rate",
            rate_text(f.rate_limit),
            f.rate_limit != default.rate_limit,
        ),
        line(
            "fail_429",
            "fail_429",
            f.fail_429.to_string(),
            f.fail_429 > 0,
        ),
        line(
            "redirect",
            "redirect",
            f.redirect.map_or("off", RedirectFault::as_str).to_string(),
            f.redirect.is_some(),
        ),
        line(
            "latency_ms",
            "latency",
            f.latency_ms.to_string(),
            f.latency_ms > 0,
        ),
        line(
            "error_rate",
            "errors",
            f.error_rate.to_string(),
            f.error_rate > 0.0,
        ),
        line(
            "token_ttl_s",
            "ttl",
            f.token_ttl_s.to_string(),
            f.token_ttl_s != default.token_ttl_s,
        ),
    ];
    // The extras only matter (and only take a line) when set.
    if let Some(location) = &f.redirect_location {
        lines.push(line(
            "redirect_location",
            "location",
            crate::text::escape_controls(location).into_owned(),
            true,
        ));
    }
    if f.webhook_fail > 0 {
        lines.push(line(
            "webhook_fail",
            "webhook fail",
            f.webhook_fail.to_string(),
            true,
        ));
    }
    lines
}

fn value_style(active: bool) -> Style {
    if active {
        Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD)
    } else {
        Style::new()
    }
}

fn key_style() -> Style {
    Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD)
}

/// The sandbox pane: the current faults (active ones highlighted) and the keys. Tall enough,
/// one fault and one key per line; otherwise both flow across the width, so the keys stay
/// visible in the few rows the core gives the pane.
pub fn draw_sandbox_controls(
    frame: &mut Frame,
    area: Rect,
    controls: &SandboxControls,
    focused: bool,
) {
    let block = pane_block("Sandbox", focused);
    let inner = block.inner(area);
    let faults = fault_lines(&controls.current);
    let full_height = faults.len() + 1 + key_help().len();

    let paragraph = if usize::from(inner.height) >= full_height {
        let mut lines: Vec<Line> = faults
            .into_iter()
            .map(|f| {
                Line::from(vec![
                    Span::styled(format!("{:<12}", f.key), Style::new().fg(Color::DarkGray)),
                    Span::styled(f.value, value_style(f.active)),
                ])
            })
            .collect();
        lines.push(Line::raw(""));
        for (key, what) in key_help() {
            lines.push(Line::from(vec![
                Span::styled(format!(" {key} "), key_style()),
                Span::raw(" "),
                Span::raw(*what),
            ]));
        }
        Paragraph::new(lines)
    } else {
        // A no-break space inside each item keeps a label with its value when the line wraps.
        let mut fault_spans = Vec::new();
        for f in faults {
            fault_spans.push(Span::styled(
                format!("{}\u{a0}", f.short),
                Style::new().fg(Color::DarkGray),
            ));
            let value = format!("{}{}", f.value, unit_of(f.key));
            fault_spans.push(Span::styled(value, value_style(f.active)));
            fault_spans.push(Span::raw("  "));
        }
        let mut key_spans = Vec::new();
        for (key, what) in KEY_SHORT {
            key_spans.push(Span::styled(key, key_style()));
            key_spans.push(Span::raw(format!("\u{a0}{what}  ")));
        }
        Paragraph::new(vec![Line::from(fault_spans), Line::from(key_spans)])
            .wrap(Wrap { trim: true })
    };
    frame.render_widget(paragraph.block(block), area);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_outside_the_cycle_steps_to_its_first_entry() {
        assert_eq!(next_in(&LATENCIES_MS, 42), Some(0));
        assert_eq!(next_in(&LATENCIES_MS, 3_000), Some(0));
        assert_eq!(next_in(&LATENCIES_MS, 0), Some(250));
    }

    #[test]
    fn short_key_names_cover_the_same_keys_as_the_help() {
        let short: Vec<&str> = KEY_SHORT.iter().map(|(k, _)| *k).collect();
        let help: Vec<&str> = key_help().iter().map(|(k, _)| *k).collect();
        assert_eq!(short, help);
    }

    #[test]
    fn summary_names_only_active_faults() {
        assert_eq!(faults_summary(&Faults::default()), "rate 100/min");
        let f = Faults {
            fail_429: 5,
            latency_ms: 250,
            ..Faults::off()
        };
        assert_eq!(faults_summary(&f), "rate off · 429×5 · latency 250 ms");
    }
}
