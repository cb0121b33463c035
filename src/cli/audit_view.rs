//! One audit record laid out for a person (`cxda audit show`), and as a JSON line for
//! scripts (`--json` of `audit list`, `audit show` and `submit`). Everything in a record
//! came from a payload or a server, so every piece of text goes through
//! [`escape_controls`] before it reaches the terminal.

use std::fmt::Write as _;
use std::io::{self, Write};

use serde_json::Value;

use crate::audit::{Attempt, AuditRecord, Exchange};
use crate::text::escape_controls;

/// The record as one compact JSON object and a newline. JSON escapes C0 controls itself;
/// DEL and C1 are left as they are, which is valid JSON for the program reading it.
pub fn write_json_line(out: &mut impl Write, record: &AuditRecord) -> io::Result<()> {
    serde_json::to_writer(&mut *out, record)?;
    out.write_all(b"\n")
}

/// The whole record: a summary, the attempts timeline, redirects, then the request and the
/// response (headers and bodies).
pub fn render(record: &AuditRecord) -> String {
    let mut s = String::new();
    let dash = |text: &str| {
        if text.is_empty() {
            "-".to_string()
        } else {
            escape_controls(text).into_owned()
        }
    };
    let status = record
        .status
        .map_or_else(|| "-".to_string(), |s| s.to_string());
    let fields = [
        ("id", record.id.to_string()),
        ("time", dash(&record.ts)),
        ("outcome", record.outcome.as_str().to_string()),
        ("status", status),
        ("profile", dash(&record.profile)),
        ("action", dash(&record.action_name)),
        ("correlation", dash(&record.correlation_id)),
        (
            "request",
            format!("{} {}", dash(&record.method), dash(&record.url)),
        ),
        ("latency", format!("{} ms", record.latency_ms)),
        ("error", record.error.as_deref().map_or("-".into(), dash)),
    ];
    for (name, value) in fields {
        let _ = writeln!(s, "{name:<12} {value}");
    }
    // Present only in records that have them (a dialect, a server id, a version).
    let optional = [
        ("api", record.api.as_deref().map(dash)),
        ("operation", record.operation.as_deref().map(dash)),
        ("remote id", record.remote_id.as_deref().map(dash)),
        ("version", record.version.map(|v| v.to_string())),
    ];
    for (name, value) in optional {
        if let Some(value) = value {
            let _ = writeln!(s, "{name:<12} {value}");
        }
    }
    if !record.steps.is_empty() {
        let _ = writeln!(s, "\nsteps");
        for (i, step) in record.steps.iter().enumerate() {
            // A local test run's steps other than its request send nothing.
            if step.method.is_empty() && step.status.is_none() && step.attempts.is_empty() {
                let _ = writeln!(s, "  {}. {}", i + 1, dash(&step.name));
                continue;
            }
            let status = step
                .status
                .map_or_else(|| "---".to_string(), |s| s.to_string());
            let _ = writeln!(
                s,
                "  {}. {:<10} {status}  {} {}  {} ms, {} attempt{}",
                i + 1,
                dash(&step.name),
                dash(&step.method),
                dash(&step.url),
                step.latency_ms,
                step.attempts.len(),
                if step.attempts.len() == 1 { "" } else { "s" }
            );
        }
    }
    if !record.attempts.is_empty() {
        let _ = writeln!(s, "\nattempts");
        for attempt in &record.attempts {
            let _ = writeln!(s, "  {}", attempt_line(attempt));
        }
    }
    if !record.redirects.is_empty() {
        let _ = writeln!(s, "\nredirects");
        for r in &record.redirects {
            let _ = writeln!(
                s,
                "  {} {} -> {}",
                r.status,
                escape_controls(&r.from),
                escape_controls(&r.to)
            );
        }
    }
    exchange(&mut s, "request", &record.request);
    exchange(&mut s, "response", &record.response);
    s
}

/// `#2  429   12 ms  Retry-After 1  limit 50 remaining 0 reset 1 s  then waited 1000 ms`.
fn attempt_line(attempt: &Attempt) -> String {
    let status = attempt
        .status
        .map_or_else(|| "---".to_string(), |s| s.to_string());
    let mut line = format!("#{:<2} {status:<4} {:>6} ms", attempt.n, attempt.latency_ms);
    if let Some(error) = &attempt.error {
        let _ = write!(line, "  {}", escape_controls(error));
    }
    if let Some(retry_after) = &attempt.retry_after {
        let _ = write!(line, "  Retry-After {}", escape_controls(retry_after));
    }
    if let Some(rate) = &attempt.rate_limit {
        let part = |name: &str, v: Option<u64>| v.map(|v| format!(" {name} {v}"));
        let text: String = [
            part("limit", rate.limit),
            part("remaining", rate.remaining),
            part("reset", rate.reset).map(|p| format!("{p} s")),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !text.is_empty() {
            let _ = write!(line, " {text}");
        }
    }
    if attempt.wait_ms > 0 {
        let _ = write!(line, "  then waited {} ms", attempt.wait_ms);
    }
    line
}

fn exchange(s: &mut String, what: &str, exchange: &Exchange) {
    if !exchange.headers.is_empty() {
        let _ = writeln!(s, "\n{what} headers");
        for (name, value) in exchange.headers.iter() {
            let _ = writeln!(s, "  {}: {}", escape_controls(name), escape_controls(value));
        }
    }
    if exchange.body.is_null() {
        return;
    }
    let note = if exchange.truncated {
        " (truncated: only the first 256 KiB were kept)"
    } else {
        ""
    };
    let _ = writeln!(s, "\n{what} body{note}");
    let text = match &exchange.body {
        Value::String(text) => text.clone(),
        other => serde_json::to_string_pretty(other).unwrap_or_default(),
    };
    // Line by line, so the layout's own newlines stay while any inside a line are escaped.
    for line in text.lines() {
        let _ = writeln!(s, "  {}", escape_controls(line));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{Headers, Outcome, RateLimit, Redirect};

    fn sample() -> AuditRecord {
        let mut record = AuditRecord::new(Outcome::Created);
        record.ts = "2026-11-23T21:43:01.123Z".into();
        record.status = Some(201);
        record.action_name = "inventory-get".into();
        record.method = "POST".into();
        record.url = "http://127.0.0.1:1/api/v2/data-actions".into();
        record.attempts = vec![
            Attempt {
                n: 1,
                status: Some(429),
                latency_ms: 3,
                wait_ms: 1000,
                retry_after: Some("1".into()),
                rate_limit: Some(RateLimit {
                    limit: Some(50),
                    remaining: Some(0),
                    reset: Some(1),
                }),
                error: None,
            },
            Attempt {
                n: 2,
                status: Some(201),
                latency_ms: 5,
                ..Attempt::default()
            },
        ];
        record.redirects = vec![Redirect {
            status: 307,
            from: "http://a/x".into(),
            to: "http://a/y".into(),
        }];
        record.request = Exchange::new(
            [("Authorization", "[redacted]")].into_iter().collect(),
            serde_json::json!({"name": "inventory-get"}),
        );
        record.response = Exchange::new(Headers::new(), Value::String("ok\u{1b}[2J".into()));
        record
    }

    #[test]
    fn show_lays_out_summary_timeline_redirects_and_exchanges() {
        let text = render(&sample());
        for expected in [
            "outcome      created",
            "status       201",
            "#1  429",
            "Retry-After 1",
            "limit 50 remaining 0 reset 1 s",
            "then waited 1000 ms",
            "#2  201",
            "307 http://a/x -> http://a/y",
            "request headers\n  Authorization: [redacted]",
            "\"name\": \"inventory-get\"",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in\n{text}");
        }
    }

    #[test]
    fn show_lists_a_genesys_create_s_steps_its_id_and_version() {
        let mut record = sample();
        record.api = Some("genesys-cloud".into());
        record.remote_id = Some("5a7c\u{1b}[2J".into());
        record.version = Some(2);
        record.steps = ["draft", "validation", "publish"]
            .iter()
            .map(|name| crate::audit::Step {
                name: (*name).to_string(),
                method: "POST".into(),
                url: format!("https://api.example/{name}"),
                status: Some(200),
                latency_ms: 12,
                attempts: vec![Attempt::default()],
            })
            .collect();
        let text = render(&record);
        assert!(text.contains("api          genesys-cloud\n"), "{text}");
        assert!(text.contains("version      2\n"), "{text}");
        assert!(text.contains("remote id    5a7c\\u{1b}[2J\n"), "{text}");
        assert!(!text.contains('\u{1b}'), "{text}");
        assert!(
            text.contains(
                "\nsteps\n  1. draft      200  POST https://api.example/draft  12 ms, 1 attempt\n"
            ),
            "{text}"
        );
        assert!(text.contains("  3. publish    200"), "{text}");
        let plain = render(&sample());
        assert!(!plain.contains("steps"), "{plain}");
        assert!(!plain.contains("remote id"), "{plain}");
    }

    #[test]
    fn show_escapes_control_characters_from_the_server() {
        let text = render(&sample());
        assert!(!text.contains('\u{1b}'));
        assert!(text.contains("ok\\u{1b}[2J"));
    }

    #[test]
    fn json_line_is_one_line_that_reads_back() {
        let record = sample();
        let mut out = Vec::new();
        write_json_line(&mut out, &record).expect("write");
        assert_eq!(out.iter().filter(|&&b| b == b'\n').count(), 1);
        let back: AuditRecord = serde_json::from_slice(&out).expect("parse");
        assert_eq!(back, record);
    }
}
