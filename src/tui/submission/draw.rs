//! Drawing the attempts panel: the phase line, the table of attempts and the chart of
//! responses over time. Pure: reads the view and the `now` it is given, never the clock, so
//! snapshots are deterministic and a frame costs no I/O.
//!
//! The table fits its width rather than cutting text: the Wait column always gets its
//! widest text whole, and the `Rate limit` then `Retry-After` columns are shown only while
//! they fit beside it (a dropped `Rate limit` column leaves the latest figures in the
//! pane's bottom border). [`pane_height`] tells the studio's layout how many rows keep the
//! chart on screen.

use std::time::{Duration, Instant};

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Axis, Block, Borders, Cell, Chart, Dataset, GraphType, Paragraph, Row, Table,
};

use super::{Phase, ResponseClass, ResponseHistory, SubmissionView, class_index};
use crate::audit::{Outcome, RateLimit};
use crate::engine::attempt_log::LoggedAttempt;
use crate::text::escape_controls;
use crate::tui::widgets::pane_block;

/// Rows the chart needs to be worth drawing (title, three plot rows, axis, labels); below
/// that it is the first thing dropped.
const CHART_MIN_HEIGHT: u16 = 6;
/// Rows the table keeps (header and three attempts) before the chart may take the rest.
const TABLE_MIN_HEIGHT: u16 = 4;
/// Time buckets across the chart, whatever its span.
const CHART_BUCKETS: usize = 30;
/// The spans the chart chooses from: the shortest that holds the oldest response.
const CHART_SPANS_S: [u64; 3] = [60, 300, 600];
/// The rows the pane asks for before the first submission (the chart is empty then).
const IDLE_PANE_HEIGHT: u16 = 6;

/// Widths of the columns before Wait (`#`, Status, Latency: "sending…" and "1372 ms" fit).
const LEAD_WIDTHS: [u16; 3] = [2, 8, 7];
const RETRY_AFTER_WIDTH: u16 = 11;
const RATE_WIDTH: u16 = 17;
/// Between two columns (ratatui's default column spacing).
const SPACING: u16 = 1;

/// The rows the attempts pane asks of the studio's layout: while and after a submission,
/// enough for the phase line, a redirect line, the table's first rows and the chart.
pub fn pane_height(view: &SubmissionView) -> u16 {
    if matches!(view.phase(), Phase::Idle) {
        return IDLE_PANE_HEIGHT;
    }
    let borders = 2;
    let phase = 1;
    let redirect = u16::from(!view.redirects().is_empty());
    let steps = u16::from(view.attempt_log().has_steps());
    let remote = u16::from(remote_line(view).is_some());
    borders + phase + steps + remote + redirect + table_min_height(view) + CHART_MIN_HEIGHT
}

/// The rows the table keeps before the chart may take the rest. An operation of several
/// steps shows each step's status on its steps line, and the table holds only the current
/// step's attempts (mostly one), so it keeps fewer.
fn table_min_height(view: &SubmissionView) -> u16 {
    if view.attempt_log().has_steps() {
        2
    } else {
        TABLE_MIN_HEIGHT
    }
}

/// The server's id (and version) of what a finished submission made, on a line of its own:
/// a genesys-cloud id is a UUID, too long to share the outcome's line in a narrow pane.
fn remote_line(view: &SubmissionView) -> Option<Line<'static>> {
    let record = view.last_record()?;
    let id = record.remote_id.as_deref()?;
    let mut text = format!("id {}", escape_controls(id));
    if let Some(version) = record.version {
        text.push_str(&format!(" · version {version}"));
    }
    Some(Line::styled(text, Style::new().fg(Color::Cyan)))
}

/// The steps of an operation of several requests, in order: `✓ draft 200 › ✓ validation
/// 200 › ▸ publish`. The table below shows the current (last) step's attempts.
fn steps_line(view: &SubmissionView) -> Line<'static> {
    let steps = view.attempt_log().steps();
    let last = steps.len().saturating_sub(1);
    let mut spans = vec![Span::styled("steps ", Style::new().fg(Color::DarkGray))];
    for (i, step) in steps.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" › ", Style::new().fg(Color::DarkGray)));
        }
        let (mark, color) = match step.status {
            Some(status) if (200..300).contains(&status) => ("✓", Color::Green),
            Some(_) => ("✗", Color::Red),
            None if i == last && matches!(view.phase(), Phase::Done { .. }) => ("✗", Color::Red),
            None => ("▸", Color::Cyan),
        };
        let status = step.status.map(|s| format!(" {s}")).unwrap_or_default();
        spans.push(Span::styled(
            format!("{mark} {}{status}", escape_controls(&step.name)),
            Style::new().fg(color),
        ));
    }
    Line::from(spans)
}

/// The colour a response class is drawn in, in the table and the chart alike.
pub(crate) fn class_color(class: ResponseClass) -> Color {
    match class {
        ResponseClass::Success => Color::Green,
        ResponseClass::RateLimited => Color::Yellow,
        ResponseClass::Error => Color::Red,
    }
}

/// The attempts panel: each attempt live and a chart of responses over time.
pub fn draw_attempts(
    frame: &mut Frame,
    area: Rect,
    view: &SubmissionView,
    now: Instant,
    focused: bool,
) {
    let title = if view.name().is_empty() {
        "Attempts".to_string()
    } else {
        format!("Attempts · {}", view.name())
    };
    let mut block = pane_block(&title, focused);
    let columns = Columns::fitting(area.width.saturating_sub(2), view);
    if !columns.rate
        && let Some(rate) = view.attempt_log().last_rate_limit()
    {
        let figures = format!(" rate limit {} ", rate_text(rate));
        block = block.title_bottom(Line::from(figures).right_aligned());
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 || inner.width == 0 {
        return;
    }

    let mut rest = inner;
    let phase = Rect { height: 1, ..rest };
    frame.render_widget(Paragraph::new(phase_line(view, now)), phase);
    rest = below(rest, 1);

    let table_min = table_min_height(view);
    if view.attempt_log().has_steps() && rest.height > table_min {
        frame.render_widget(Paragraph::new(steps_line(view)), Rect { height: 1, ..rest });
        rest = below(rest, 1);
    }
    if let Some(line) = remote_line(view)
        && rest.height > table_min
    {
        frame.render_widget(Paragraph::new(line), Rect { height: 1, ..rest });
        rest = below(rest, 1);
    }

    if let Some(redirect) = view.redirects().last()
        && rest.height > table_min
    {
        let text = format!(
            "redirected {} → {}{}",
            redirect.status,
            redirect.to,
            match view.redirects().len() {
                1 => String::new(),
                n => format!(" ({n} redirects)"),
            }
        );
        let line = Line::styled(text, Style::new().fg(Color::Cyan));
        frame.render_widget(Paragraph::new(line), Rect { height: 1, ..rest });
        rest = below(rest, 1);
    }
    if rest.height == 0 {
        return;
    }

    let wanted = 1 + u16::try_from(view.attempts().len().max(1)).unwrap_or(u16::MAX);
    let (table_height, chart_height) = if rest.height >= table_min + CHART_MIN_HEIGHT {
        let table = wanted.min(rest.height - CHART_MIN_HEIGHT);
        (table, rest.height - table)
    } else {
        (rest.height, 0)
    };
    draw_table(
        frame,
        Rect {
            height: table_height,
            ..rest
        },
        view,
        columns,
        now,
    );
    if chart_height > 0 {
        let chart = below(rest, table_height);
        draw_chart(frame, chart, view.responses(), now);
    }
}

/// `area` without its first `rows` rows.
fn below(area: Rect, rows: u16) -> Rect {
    let rows = rows.min(area.height);
    Rect {
        y: area.y + rows,
        height: area.height - rows,
        ..area
    }
}

fn phase_line(view: &SubmissionView, now: Instant) -> Line<'static> {
    let attempts = view.attempts().len();
    let (text, style) = match view.phase() {
        Phase::Idle => (
            "no submission yet".to_string(),
            Style::new().fg(Color::DarkGray),
        ),
        _ if view.is_cancelling() => ("cancelling…".to_string(), Style::new().fg(Color::Yellow)),
        Phase::Authorizing => ("authorizing…".to_string(), Style::new()),
        Phase::Sending { attempt } => (format!("sending attempt {attempt}…"), Style::new()),
        Phase::Waiting(wait) => {
            let (attempt, reason) = (wait.attempt, wait.reason.as_str());
            let text = if wait.until > now {
                format!(
                    "waiting {} ({reason}) before attempt {attempt}",
                    seconds(wait.until.saturating_duration_since(now)),
                )
            } else {
                format!(
                    "waited {} ({reason}), sending attempt {attempt}…",
                    seconds(wait.wait),
                )
            };
            (text, Style::new().fg(Color::Yellow))
        }
        Phase::Done {
            outcome,
            status,
            latency_ms,
            error,
        } => {
            let status = status.map_or_else(String::new, |s| format!(" {s}"));
            let mut text = match outcome {
                Outcome::Created
                | Outcome::Updated
                | Outcome::Deleted
                | Outcome::Rejected
                | Outcome::Drafted => {
                    format!("{outcome}{status} in {}", millis(*latency_ms))
                }
                Outcome::Cancelled => "cancelled".to_string(),
                _ => outcome.to_string(),
            };
            if let Some(error) = error
                && !matches!(
                    outcome,
                    Outcome::Created
                        | Outcome::Updated
                        | Outcome::Deleted
                        | Outcome::Drafted
                        | Outcome::Cancelled
                )
            {
                text.push_str(": ");
                text.push_str(error);
            }
            if attempts > 1 {
                text.push_str(&format!(" · {attempts} attempts"));
            }
            let color = match outcome {
                Outcome::Created | Outcome::Updated => Color::Green,
                Outcome::Drafted | Outcome::Deleted => Color::Cyan,
                Outcome::Cancelled => Color::Yellow,
                _ => Color::Red,
            };
            (text, Style::new().fg(color).add_modifier(Modifier::BOLD))
        }
    };
    Line::styled(text, style)
}

/// Which of the optional columns the table shows.
#[derive(Debug, Clone, Copy)]
struct Columns {
    retry_after: bool,
    rate: bool,
}

impl Columns {
    /// The optional columns that fit in `width` with the Wait column's widest text whole,
    /// `Rate limit` first.
    fn fitting(width: u16, view: &SubmissionView) -> Columns {
        let widest_wait = view
            .attempts()
            .iter()
            .map(widest_wait_text)
            .fold(u16::try_from("Wait".len()).unwrap_or(0), u16::max);
        let lead: u16 = LEAD_WIDTHS.iter().map(|w| w + SPACING).sum();
        let mut used = lead + widest_wait;
        let mut fits = |extra: u16| {
            let fits = used + SPACING + extra <= width;
            if fits {
                used += SPACING + extra;
            }
            fits
        };
        let rate = fits(RATE_WIDTH);
        let retry_after = fits(RETRY_AFTER_WIDTH);
        Columns { retry_after, rate }
    }

    /// The columns after Wait, in table order.
    fn details(self) -> impl Iterator<Item = (&'static str, u16)> {
        [
            (self.retry_after, ("Retry-After", RETRY_AFTER_WIDTH)),
            (self.rate, ("Rate limit", RATE_WIDTH)),
        ]
        .into_iter()
        .filter_map(|(shown, column)| shown.then_some(column))
    }
}

fn draw_table(
    frame: &mut Frame,
    area: Rect,
    view: &SubmissionView,
    columns: Columns,
    now: Instant,
) {
    if area.height == 0 {
        return;
    }
    let header = ["#", "Status", "Latency", "Wait"]
        .into_iter()
        .chain(columns.details().map(|(name, _)| name));
    let header = Row::new(header).style(Style::new().add_modifier(Modifier::BOLD));
    // The newest attempts matter most: when they do not all fit, the oldest scroll away.
    let room = usize::from(area.height.saturating_sub(1));
    let attempts = view.attempts();
    let shown = &attempts[attempts.len().saturating_sub(room)..];
    let rows = shown.iter().map(|row| attempt_row(row, view, columns, now));
    let widths = LEAD_WIDTHS
        .into_iter()
        .map(Constraint::Length)
        .chain([Constraint::Fill(1)])
        .chain(
            columns
                .details()
                .map(|(_, width)| Constraint::Length(width)),
        );
    frame.render_widget(
        Table::new(rows, widths)
            .header(header)
            .column_spacing(SPACING),
        area,
    );
}

fn attempt_row(
    row: &LoggedAttempt,
    view: &SubmissionView,
    columns: Columns,
    now: Instant,
) -> Row<'static> {
    let attempt = &row.attempt;
    let status = match (attempt.status, &attempt.error) {
        (Some(status), _) => {
            let color = ResponseClass::of_status(status).map_or(Color::Cyan, class_color);
            Cell::new(status.to_string()).style(Style::new().fg(color))
        }
        (None, Some(_)) => Cell::new("error").style(Style::new().fg(Color::Red)),
        (None, None) if view.phase() == &(Phase::Sending { attempt: attempt.n }) => {
            Cell::new("sending…")
        }
        (None, None) => Cell::new("—"),
    };
    let latency = if row.is_over() {
        millis(attempt.latency_ms)
    } else {
        String::new()
    };
    let mut cells = vec![
        Cell::new(attempt.n.to_string()),
        status,
        Cell::new(latency),
        wait_cell(row, view, now),
    ];
    let details = u16::from(columns.retry_after) + u16::from(columns.rate);
    match (&attempt.error, attempt.status) {
        // A transport failure has no headers to show: its reason takes their columns.
        (Some(error), None) if details > 0 => cells.push(
            Cell::new(escape_controls(error).into_owned())
                .style(Style::new().fg(Color::Red))
                .column_span(details),
        ),
        (Some(_), None) => {}
        _ => {
            if columns.retry_after {
                let retry_after = attempt.retry_after.as_deref().unwrap_or("");
                cells.push(Cell::new(escape_controls(retry_after).into_owned()));
            }
            if columns.rate {
                cells.push(Cell::new(
                    attempt.rate_limit.map_or_else(String::new, rate_text),
                ));
            }
        }
    }
    Row::new(cells)
}

/// The wait after `row` while it counts down, else as it went.
fn wait_cell(row: &LoggedAttempt, view: &SubmissionView, now: Instant) -> Cell<'static> {
    let total = row.attempt.wait_ms;
    if total == 0 && row.wait_reason.is_none() {
        return Cell::new("");
    }
    let reason = wait_reason_text(row);
    match view.phase() {
        Phase::Waiting(wait)
            if wait.attempt == row.attempt.n.saturating_add(1) && wait.until > now =>
        {
            Cell::new(format!(
                "waiting {}{reason}",
                seconds(wait.until.saturating_duration_since(now))
            ))
            .style(Style::new().fg(Color::Yellow))
        }
        _ => Cell::new(format!(
            "waited {}{reason}",
            seconds(Duration::from_millis(total))
        )),
    }
}

fn wait_reason_text(row: &LoggedAttempt) -> String {
    row.wait_reason
        .map_or_else(String::new, |r| format!(" ({})", r.as_str()))
}

/// The widest text `row`'s wait cell can show: a countdown never shows more than the
/// total, and "waiting" is one letter longer than "waited".
fn widest_wait_text(row: &LoggedAttempt) -> u16 {
    if row.attempt.wait_ms == 0 && row.wait_reason.is_none() {
        return 0;
    }
    let text = format!(
        "waiting {}{}",
        seconds(Duration::from_millis(row.attempt.wait_ms)),
        wait_reason_text(row)
    );
    u16::try_from(Span::raw(text).width()).unwrap_or(u16::MAX)
}

/// `remaining/limit reset Ns`, with `?` for a header the response lacked.
fn rate_text(rate: RateLimit) -> String {
    let figure = |v: Option<u64>| v.map_or_else(|| "?".to_string(), |v| v.to_string());
    format!(
        "{}/{} reset {}s",
        figure(rate.remaining),
        figure(rate.limit),
        figure(rate.reset)
    )
}

/// A latency: milliseconds while short, seconds once they are hard to read.
fn millis(ms: u64) -> String {
    if ms < 10_000 {
        format!("{ms} ms")
    } else {
        format!("{:.1} s", ms as f64 / 1000.0)
    }
}

/// A wait or a countdown, to a tenth of a second (what a countdown tick can show).
fn seconds(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

fn draw_chart(frame: &mut Frame, area: Rect, history: &ResponseHistory, now: Instant) {
    let oldest = history
        .iter()
        .next()
        .map_or(Duration::ZERO, |(at, _)| now.saturating_duration_since(at));
    let span_s = CHART_SPANS_S
        .into_iter()
        .find(|s| oldest <= Duration::from_secs(*s))
        .unwrap_or(CHART_SPANS_S[CHART_SPANS_S.len() - 1]);
    let span = span_s as f64;
    let bucket = span / CHART_BUCKETS as f64;

    let mut counts = [[0u32; 3]; CHART_BUCKETS];
    for (at, class) in history.iter() {
        // A response stamped after `now` (a caller's clock skew) counts as now.
        let ago = now.saturating_duration_since(at).as_secs_f64();
        if ago > span {
            continue;
        }
        let back = ((ago / bucket) as usize).min(CHART_BUCKETS - 1);
        counts[CHART_BUCKETS - 1 - back][class_index(class)] += 1;
    }
    let peak = counts.iter().flatten().copied().max().unwrap_or(0).max(1);

    // Three bars per bucket, side by side, so the classes never hide one another; empty
    // buckets draw nothing (a zero bar would still put a dot on the axis).
    let data: Vec<Vec<(f64, f64)>> = (0..3)
        .map(|c| {
            counts
                .iter()
                .enumerate()
                .filter(|(_, k)| k[c] > 0)
                .map(|(i, k)| {
                    let x = -span + i as f64 * bucket + (c as f64 + 0.5) * bucket / 3.0;
                    (x, f64::from(k[c]))
                })
                .collect()
        })
        .collect();
    let datasets = ResponseClass::ALL
        .iter()
        .zip(&data)
        .map(|(class, points)| {
            Dataset::default()
                .marker(Marker::Braille)
                .graph_type(GraphType::Bar)
                .style(Style::new().fg(class_color(*class)))
                .data(points)
        })
        .collect();

    let totals = history.counts(now, Duration::from_secs(span_s));
    let mut title = vec![Span::raw(format!(" Responses, last {span_s} s "))];
    for class in ResponseClass::ALL {
        title.push(Span::styled(
            format!(" ■ {} {}", class.label(), totals[class_index(class)]),
            Style::new().fg(class_color(class)),
        ));
    }
    let axis = Style::new().fg(Color::DarkGray);
    let chart = Chart::new(datasets)
        .block(Block::new().borders(Borders::TOP).title(Line::from(title)))
        .legend_position(None)
        .x_axis(Axis::default().style(axis).bounds([-span, 0.0]).labels([
            format!("-{span_s} s"),
            format!("-{} s", span_s / 2),
            "now".to_string(),
        ]))
        .y_axis(
            Axis::default()
                .style(axis)
                .bounds([0.0, f64::from(peak)])
                .labels(["0".to_string(), peak.to_string()]),
        );
    frame.render_widget(chart, area);
}
