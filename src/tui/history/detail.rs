//! The detail of one record, built once when it opens (pretty-printing a 256 KiB body on
//! every frame would blow the frame budget) as plain lines the view scrolls through.

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use serde_json::Value;

use super::clean::{expand_tabs, strip_controls};
use crate::audit::{AuditRecord, Exchange, Outcome};
use crate::text::escape_controls;

/// Lines longer than this are cut into several: a one-line 256 KiB text body would otherwise
/// be wrapped from its start on every frame.
const MAX_LINE_CHARS: usize = 512;

/// The colour an outcome is drawn in, in the list and the detail.
pub fn outcome_style(outcome: Outcome) -> Style {
    let color = match outcome {
        Outcome::Created | Outcome::Updated | Outcome::Passed | Outcome::WebhookDelivered => {
            Color::Green
        }
        Outcome::Drafted | Outcome::Deleted => Color::Cyan,
        Outcome::Rejected => Color::Yellow,
        Outcome::Failed | Outcome::WebhookFailed => Color::Red,
        Outcome::Cancelled => Color::DarkGray,
    };
    Style::new().fg(color)
}

/// `2026-11-23T21:43:01.123Z` as `2026-11-23 21:43:01`; anything else shown as stored
/// (escaped), since a hand-made line may hold any text.
pub fn display_time(ts: &str) -> String {
    match (ts.get(..10), ts.get(11..19)) {
        (Some(date), Some(time)) if ts.as_bytes().get(10) == Some(&b'T') => {
            format!("{date} {time}")
        }
        _ => escape_controls(ts).into_owned(),
    }
}

/// The status as shown: the code, or `—` when no response came.
pub fn display_status(status: Option<u16>) -> String {
    status.map_or_else(|| "—".to_string(), |s| s.to_string())
}

fn heading(text: &str) -> Line<'static> {
    Line::from(Span::styled(
        text.to_string(),
        Style::new().add_modifier(Modifier::BOLD),
    ))
}

fn field(name: &str, value: impl Into<String>) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{name:<15}"), Style::new().fg(Color::DarkGray)),
        Span::raw(value.into()),
    ])
}

/// Every line of a record's detail.
pub fn build(record: &AuditRecord) -> Vec<Line<'static>> {
    let mut lines = vec![
        field("Record", record.id.to_string()),
        field("Time", format!("{} UTC", display_time(&record.ts))),
        Line::from(vec![
            Span::styled(
                format!("{:<15}", "Outcome"),
                Style::new().fg(Color::DarkGray),
            ),
            Span::styled(
                record.outcome.as_str(),
                outcome_style(record.outcome).add_modifier(Modifier::BOLD),
            ),
            Span::raw(format!(
                "   status {}   {} ms",
                display_status(record.status),
                record.latency_ms
            )),
        ]),
        field("Profile", escape_controls(&record.profile).into_owned()),
        field(
            "Request",
            format!(
                "{} {}",
                escape_controls(&record.method),
                escape_controls(&record.url)
            ),
        ),
        field("Action", escape_controls(&record.action_name).into_owned()),
        field(
            "Correlation id",
            escape_controls(&record.correlation_id).into_owned(),
        ),
    ];
    if let Some(api) = &record.api {
        lines.push(field("Dialect", escape_controls(api).into_owned()));
    }
    if let Some(id) = &record.remote_id {
        let version = record
            .version
            .map_or_else(String::new, |v| format!("   version {v}"));
        lines.push(field(
            "Server id",
            format!("{}{version}", escape_controls(id)),
        ));
    }
    if let Some(error) = &record.error {
        lines.push(Line::from(vec![
            Span::styled(format!("{:<15}", "Error"), Style::new().fg(Color::DarkGray)),
            Span::styled(
                escape_controls(error).into_owned(),
                Style::new().fg(Color::Red),
            ),
        ]));
    }

    if !record.steps.is_empty() {
        lines.push(Line::default());
        lines.push(heading(&format!("Steps ({})", record.steps.len())));
        for (i, step) in record.steps.iter().enumerate() {
            lines.push(Line::from(format!(
                "  {}. {:<10} {:>6}  {:>6} ms  {} {}  ({} attempt{})",
                i + 1,
                escape_controls(&step.name),
                display_status(step.status),
                step.latency_ms,
                escape_controls(&step.method),
                escape_controls(&step.url),
                step.attempts.len(),
                if step.attempts.len() == 1 { "" } else { "s" }
            )));
        }
    }

    lines.push(Line::default());
    let attempts_of = if record.steps.is_empty() {
        String::new()
    } else {
        " of the last step".to_string()
    };
    lines.push(heading(&format!(
        "Attempts{attempts_of} ({})",
        record.attempts.len()
    )));
    if record.attempts.is_empty() {
        lines.push(Line::from("  none"));
    } else {
        lines.push(Line::styled(
            format!(
                "  {:>3}  {:>6}  {:>9}  {:>9}  {:<12}  {}",
                "n", "status", "latency", "wait", "Retry-After", "rate limit"
            ),
            Style::new().fg(Color::DarkGray),
        ));
        for attempt in &record.attempts {
            let rate = attempt.rate_limit.map_or_else(
                || "—".to_string(),
                |r| {
                    let n = |v: Option<u64>| v.map_or_else(|| "?".to_string(), |v| v.to_string());
                    format!(
                        "{}/{} left, reset {}s",
                        n(r.remaining),
                        n(r.limit),
                        n(r.reset)
                    )
                },
            );
            let mut text = format!(
                "  {:>3}  {:>6}  {:>6} ms  {:>6} ms  {:<12}  {}",
                attempt.n,
                display_status(attempt.status),
                attempt.latency_ms,
                attempt.wait_ms,
                attempt
                    .retry_after
                    .as_deref()
                    .map_or_else(|| "—".into(), escape_controls),
                rate
            );
            if let Some(error) = &attempt.error {
                text.push_str("  ");
                text.push_str(&escape_controls(error));
            }
            lines.push(Line::from(text));
        }
    }

    if !record.redirects.is_empty() {
        lines.push(Line::default());
        lines.push(heading(&format!("Redirects ({})", record.redirects.len())));
        for redirect in &record.redirects {
            lines.push(Line::from(format!(
                "  {}  {} → {}",
                redirect.status,
                escape_controls(&redirect.from),
                escape_controls(&redirect.to)
            )));
        }
    }

    exchange(&mut lines, "Request", &record.request);
    exchange(&mut lines, "Response", &record.response);
    lines
}

/// Headers as stored (the writer already redacted secrets) and the body.
fn exchange(lines: &mut Vec<Line<'static>>, what: &str, exchange: &Exchange) {
    lines.push(Line::default());
    lines.push(heading(&format!(
        "{what} headers ({})",
        exchange.headers.len()
    )));
    for (name, value) in exchange.headers.iter() {
        lines.push(Line::from(vec![
            Span::styled(
                format!("  {}: ", escape_controls(name)),
                Style::new().fg(Color::Cyan),
            ),
            Span::raw(escape_controls(value).into_owned()),
        ]));
    }
    lines.push(Line::default());
    let mut title = vec![Span::styled(
        format!("{what} body"),
        Style::new().add_modifier(Modifier::BOLD),
    )];
    if exchange.truncated {
        title.push(Span::styled(
            "  [truncated: only the first 256 KiB was stored]",
            Style::new().fg(Color::Yellow),
        ));
    }
    lines.push(Line::from(title));
    match body_text(&exchange.body, exchange.truncated) {
        None => lines.push(Line::styled("  (none)", Style::new().fg(Color::DarkGray))),
        Some(text) => {
            for line in strip_controls(&text).lines() {
                push_chunked(lines, &expand_tabs(line));
            }
        }
    }
}

fn push_chunked(lines: &mut Vec<Line<'static>>, line: &str) {
    let mut rest = line;
    loop {
        let cut = rest
            .char_indices()
            .nth(MAX_LINE_CHARS)
            .map_or(rest.len(), |(i, _)| i);
        lines.push(Line::from(format!("  {}", &rest[..cut])));
        rest = &rest[cut..];
        if rest.is_empty() {
            return;
        }
    }
}

/// A body as text to read or to edit: JSON pretty-printed (a string that holds JSON too,
/// unless it was truncated and so no longer parses), other text as is, `None` when empty.
/// Control characters are still in it.
pub fn body_text(body: &Value, truncated: bool) -> Option<String> {
    match body {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => {
            let parsed = (!truncated)
                .then(|| serde_json::from_str::<Value>(s).ok())
                .flatten()
                .filter(|v| v.is_object() || v.is_array());
            Some(
                match parsed.and_then(|v| serde_json::to_string_pretty(&v).ok()) {
                    Some(pretty) => pretty,
                    None => s.clone(),
                },
            )
        }
        other => serde_json::to_string_pretty(other).ok(),
    }
}

#[cfg(test)]
mod steps_tests {
    use super::*;
    use crate::audit::Step;

    fn text(lines: &[Line<'_>]) -> String {
        lines
            .iter()
            .map(|l| {
                l.spans
                    .iter()
                    .map(|s| s.content.as_ref())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn a_genesys_record_shows_its_dialect_server_id_and_steps_escaped() {
        let mut record = AuditRecord::new(Outcome::Created);
        record.api = Some("genesys-cloud".into());
        record.remote_id = Some("act\u{1b}[2J-1".into());
        record.version = Some(2);
        record.steps = ["draft", "validation", "publish"]
            .iter()
            .map(|name| Step {
                name: (*name).into(),
                method: "POST".into(),
                url: format!("http://127.0.0.1:9/{name}"),
                status: Some(200),
                latency_ms: 7,
                attempts: vec![crate::audit::Attempt::default()],
            })
            .collect();
        let shown = text(&build(&record));
        assert!(shown.contains("Dialect        genesys-cloud"), "{shown}");
        assert!(
            shown.contains("Server id      act\\u{1b}[2J-1   version 2"),
            "{shown}"
        );
        assert!(!shown.contains('\u{1b}'), "{shown}");
        assert!(shown.contains("Steps (3)"), "{shown}");
        assert!(
            shown.contains(
                "  2. validation    200       7 ms  POST http://127.0.0.1:9/validation  (1 attempt)"
            ),
            "{shown}"
        );
        assert!(shown.contains("Attempts of the last step (0)"), "{shown}");
        let plain = text(&build(&AuditRecord::new(Outcome::Created)));
        assert!(
            !plain.contains("Steps") && !plain.contains("Dialect"),
            "{plain}"
        );
    }
}
