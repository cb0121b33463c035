//! The attempts panel: `SubmissionView::apply` over scripted executor events, and
//! `draw_attempts` rendered to a `TestBackend` (insta snapshots). Every `Instant` is a fixed
//! offset from one base, and `now` is passed in, so the frames are deterministic.

use std::time::{Duration, Instant};

use cxda::audit::{Attempt, AuditRecord, Outcome, RateLimit};
use cxda::engine::events::{ExecEvent, WaitReason};
use cxda::tui::submission::{Phase, ResponseClass, SubmissionView, draw_attempts};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;

const URL: &str = "http://127.0.0.1:4010/api/v2/data-actions";
const TS: &str = "2026-11-23T21:43:01.123Z";

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn sending(attempt: u32) -> ExecEvent {
    ExecEvent::Sending {
        attempt,
        url: URL.to_string(),
    }
}

fn responded(attempt: u32, status: u16, latency_ms: u64, retry_after: Option<&str>) -> ExecEvent {
    ExecEvent::Responded {
        attempt,
        status,
        latency: ms(latency_ms),
        rate: Some(RateLimit {
            limit: Some(100),
            remaining: Some(if status == 429 { 0 } else { 97 }),
            reset: Some(37),
        }),
        retry_after: retry_after.map(str::to_string),
        error: None,
    }
}

fn waiting(attempt: u32, until: Instant, wait_ms: u64, reason: WaitReason) -> ExecEvent {
    ExecEvent::Waiting {
        attempt,
        until,
        wait: ms(wait_ms),
        reason,
    }
}

fn finished(
    outcome: Outcome,
    status: Option<u16>,
    latency_ms: u64,
    attempts: &[(u32, Option<u16>)],
) -> ExecEvent {
    let mut record = AuditRecord::new(outcome);
    record.ts = TS.to_string();
    record.action_name = "greet-customer".to_string();
    record.url = URL.to_string();
    record.status = status;
    record.latency_ms = latency_ms;
    record.correlation_id = "0f3a9c2e-0000-4000-8000-000000000001".to_string();
    record.attempts = attempts
        .iter()
        .map(|&(n, status)| Attempt {
            n,
            status,
            ..Attempt::default()
        })
        .collect();
    ExecEvent::Finished(Box::new(record))
}

fn started(t0: Instant) -> SubmissionView {
    let mut view = SubmissionView::default();
    view.start("greet-customer".to_string(), URL.to_string(), t0);
    view
}

fn render(view: &SubmissionView, now: Instant, width: u16, height: u16) -> String {
    let mut terminal = match Terminal::new(TestBackend::new(width, height)) {
        Ok(t) => t,
        Err(e) => match e {},
    };
    let drawn = terminal.draw(|frame| draw_attempts(frame, frame.area(), view, now, true));
    assert!(drawn.is_ok());
    terminal.backend().to_string()
}

/// Masks what a real run would vary (ports, wall-clock stamps); the scripted frames hold none
/// today, but a snapshot must not start failing when a port or a time reaches the screen.
macro_rules! assert_frame {
    ($name:expr, $frame:expr) => {
        insta::with_settings!({filters => vec![
            (r"127\.0\.0\.1:\d+", "127.0.0.1:[port]"),
            (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", "[time]"),
        ]}, {
            insta::assert_snapshot!($name, $frame);
        });
    };
}

/// A 429 with `Retry-After: 1`, then a 503 now waiting out a backoff.
fn backoff_in_progress(t0: Instant) -> SubmissionView {
    let mut view = started(t0);
    // An earlier submission's responses, for the chart.
    let earlier = t0.checked_sub(Duration::from_secs(40)).unwrap_or(t0);
    view.apply(&responded(1, 201, 120, None), earlier);
    view.apply(&ExecEvent::Authorizing, t0);
    view.apply(&sending(1), t0);
    view.apply(&responded(1, 429, 42, Some("1")), t0 + ms(42));
    view.apply(
        &waiting(2, t0 + ms(1_042), 1_000, WaitReason::RetryAfter),
        t0 + ms(42),
    );
    view.apply(&sending(2), t0 + ms(1_042));
    view.apply(&responded(2, 503, 18, None), t0 + ms(1_060));
    view.apply(
        &waiting(3, t0 + ms(2_260), 1_200, WaitReason::Backoff),
        t0 + ms(1_060),
    );
    view
}

#[test]
fn a_429_with_retry_after_waits_with_a_countdown_then_creates() {
    let t0 = Instant::now();
    let mut view = started(t0);
    assert_eq!(view.phase(), &Phase::Authorizing);
    assert!(view.is_running());
    view.apply(&ExecEvent::Authorizing, t0);
    view.apply(&sending(1), t0);
    view.apply(&responded(1, 429, 40, Some("1")), t0 + ms(40));
    let until = t0 + ms(1_040);
    view.apply(
        &waiting(2, until, 1_000, WaitReason::RetryAfter),
        t0 + ms(40),
    );

    assert!(view.countdown_active(t0 + ms(500)));
    assert!(!view.countdown_active(until));
    let row = &view.attempts()[0].attempt;
    assert_eq!(
        (row.n, row.status, row.retry_after.as_deref()),
        (1, Some(429), Some("1"))
    );
    assert_eq!(row.rate_limit.and_then(|r| r.remaining), Some(0));
    assert_eq!(row.wait_ms, 1_000);
    let frame = render(&view, t0 + ms(240), 80, 20);
    assert!(frame.contains("waiting 0.8 s (Retry-After)"), "{frame}");

    view.apply(&sending(2), until);
    assert_eq!(view.phase(), &Phase::Sending { attempt: 2 });
    view.apply(&responded(2, 201, 312, None), until + ms(312));
    view.apply(
        &finished(
            Outcome::Created,
            Some(201),
            1_352,
            &[(1, Some(429)), (2, Some(201))],
        ),
        until + ms(320),
    );

    assert!(!view.is_running());
    assert!(!view.countdown_active(until + ms(320)));
    assert!(matches!(
        view.phase(),
        Phase::Done {
            outcome: Outcome::Created,
            status: Some(201),
            ..
        }
    ));
    assert_eq!(view.last_record().map(|r| r.latency_ms), Some(1_352));
    assert_eq!(
        view.responses()
            .counts(until + ms(320), Duration::from_secs(60)),
        [1, 1, 0]
    );
}

#[test]
fn a_transport_failure_is_an_error_row_charted_as_an_error() {
    let t0 = Instant::now();
    let mut view = started(t0);
    view.apply(&sending(1), t0);
    view.apply(
        &ExecEvent::TransportFailed {
            attempt: 1,
            latency: ms(3),
            error: "connection refused".to_string(),
        },
        t0 + ms(3),
    );
    let row = &view.attempts()[0].attempt;
    assert_eq!(
        (row.status, row.error.as_deref()),
        (None, Some("connection refused"))
    );
    assert_eq!(
        view.responses().iter().map(|(_, c)| c).collect::<Vec<_>>(),
        [ResponseClass::Error]
    );

    view.apply(
        &finished(Outcome::Failed, None, 3, &[(1, None)])
            .map_error("cannot reach the server: connection refused"),
        t0 + ms(4),
    );
    let frame = render(&view, t0 + ms(4), 80, 20);
    assert!(frame.contains("failed: cannot reach the server"), "{frame}");
    assert!(frame.contains("connection refused"), "{frame}");
}

#[test]
fn cancel_shows_cancelling_until_the_cancelled_record_arrives() {
    let t0 = Instant::now();
    let mut view = started(t0);
    view.apply(&responded(1, 429, 40, Some("30")), t0);
    view.apply(
        &waiting(
            2,
            t0 + Duration::from_secs(30),
            30_000,
            WaitReason::RetryAfter,
        ),
        t0,
    );
    view.cancel_requested();
    assert!(view.is_cancelling());
    assert!(render(&view, t0 + ms(100), 80, 20).contains("cancelling…"));

    view.apply(
        &finished(Outcome::Cancelled, Some(429), 100, &[(1, Some(429))]),
        t0 + ms(100),
    );
    assert!(!view.is_cancelling());
    assert!(
        !view.countdown_active(t0 + ms(200)),
        "no tick after a cancel"
    );
    let frame = render(&view, t0 + ms(200), 80, 20);
    assert!(frame.contains("cancelled"), "{frame}");
}

#[test]
fn cancel_when_nothing_runs_changes_nothing() {
    let mut view = SubmissionView::default();
    view.cancel_requested();
    assert!(!view.is_cancelling());
    assert_eq!(view.phase(), &Phase::Idle);
}

#[test]
fn events_after_finished_are_ignored() {
    let t0 = Instant::now();
    let mut view = started(t0);
    view.apply(&responded(1, 201, 10, None), t0);
    view.apply(
        &finished(Outcome::Created, Some(201), 10, &[(1, Some(201))]),
        t0,
    );
    view.apply(&sending(2), t0 + ms(1));
    view.apply(&responded(2, 500, 10, None), t0 + ms(2));
    view.apply(
        &waiting(3, t0 + Duration::from_secs(5), 5_000, WaitReason::Backoff),
        t0 + ms(2),
    );
    view.apply(&finished(Outcome::Failed, Some(500), 20, &[]), t0 + ms(3));

    assert_eq!(view.attempts().len(), 1);
    assert!(!view.countdown_active(t0 + ms(3)));
    assert!(matches!(
        view.phase(),
        Phase::Done {
            outcome: Outcome::Created,
            ..
        }
    ));
    assert_eq!(view.responses().len(), 1);
}

#[test]
fn the_attempts_are_the_fold_of_the_events_and_the_record_gives_the_outcome() {
    let t0 = Instant::now();
    let mut view = started(t0);
    view.apply(&responded(2, 201, 10, None), t0);
    // A record that disagrees with the events: the panel does not patch its rows from it.
    view.apply(
        &finished(
            Outcome::Created,
            Some(201),
            10,
            &[(1, Some(429)), (2, Some(201))],
        ),
        t0,
    );
    let rows: Vec<(u32, Option<u16>)> = view
        .attempts()
        .iter()
        .map(|r| (r.attempt.n, r.attempt.status))
        .collect();
    assert_eq!(rows, [(2, Some(201))]);
    assert!(matches!(
        view.phase(),
        Phase::Done {
            outcome: Outcome::Created,
            latency_ms: 10,
            ..
        }
    ));
}

#[test]
fn events_without_start_still_build_a_view() {
    let t0 = Instant::now();
    let mut view = SubmissionView::default();
    view.apply(&waiting(1, t0 + ms(500), 500, WaitReason::Pacing), t0);
    assert!(view.countdown_active(t0));
    assert!(
        view.attempts().is_empty(),
        "a pacing wait before attempt 1 has no row"
    );
    assert!(render(&view, t0, 80, 20).contains("waiting 0.5 s (pacing) before attempt 1"));
}

#[test]
fn start_clears_the_attempts_but_keeps_the_chart_history() {
    let t0 = Instant::now();
    let mut view = started(t0);
    view.apply(&responded(1, 429, 10, Some("1")), t0);
    view.apply(
        &finished(Outcome::Failed, Some(429), 10, &[(1, Some(429))]),
        t0,
    );
    view.start("other".to_string(), URL.to_string(), t0 + ms(5));
    assert!(view.attempts().is_empty());
    assert!(view.last_record().is_none());
    assert_eq!(view.name(), "other");
    assert_eq!(view.responses().len(), 1);
}

#[test]
fn server_text_reaches_the_screen_escaped() {
    let t0 = Instant::now();
    let mut view = started(t0);
    view.apply(
        &ExecEvent::TransportFailed {
            attempt: 1,
            latency: ms(1),
            error: "boom\u{1b}[2J".to_string(),
        },
        t0,
    );
    view.apply(&responded(2, 429, 1, Some("5\u{7}")), t0);
    let frame = render(&view, t0, 80, 20);
    assert!(frame.contains("boom\\u{1b}[2J"), "{frame}");
    assert!(frame.contains("5\\u{7}"), "{frame}");
    assert!(!frame.contains('\u{1b}') && !frame.contains('\u{7}'));
}

#[test]
fn any_area_renders_without_panicking() {
    let t0 = Instant::now();
    let view = backoff_in_progress(t0);
    for width in [1, 5, 20, 40, 80, 120] {
        for height in [0, 1, 2, 3, 5, 8, 10, 11, 12, 20, 40] {
            render(&view, t0 + ms(1_460), width, height);
        }
    }
}

#[test]
fn a_short_pane_drops_the_chart_first() {
    let t0 = Instant::now();
    let view = backoff_in_progress(t0);
    let frame = render(&view, t0 + ms(1_460), 80, 9);
    assert!(!frame.contains("Responses"), "{frame}");
    assert!(frame.contains("waiting 0.8 s (backoff)"), "{frame}");
    assert!(render(&view, t0 + ms(1_460), 80, 20).contains("Responses"));
}

#[test]
fn snapshot_waiting_out_a_backoff() {
    let t0 = Instant::now();
    let view = backoff_in_progress(t0);
    assert!(view.countdown_active(t0 + ms(1_460)));
    assert_frame!(
        "waiting_out_a_backoff",
        render(&view, t0 + ms(1_460), 80, 20)
    );
}

#[test]
fn snapshot_finished_201() {
    let t0 = Instant::now();
    let view = created_after_a_retry_and_a_redirect(t0);
    assert_frame!("finished_201", render(&view, t0 + ms(2_000), 80, 20));
}

/// The attempts pane as the studio lays it out on a `width`×`height` terminal with the
/// embedded sandbox's controls (the tallest right column), rendered at that size.
fn render_in_studio(view: &SubmissionView, now: Instant, width: u16, height: u16) -> String {
    let screen = Rect::new(0, 0, width, height);
    let area = cxda::tui::ui::pane_areas(screen, true, view).attempts;
    render(view, now, area.width, area.height)
}

/// A 429 with `Retry-After: 1`, a 307 followed, then 201: the submission over.
fn created_after_a_retry_and_a_redirect(t0: Instant) -> SubmissionView {
    let mut view = started(t0);
    view.apply(&ExecEvent::Authorizing, t0);
    view.apply(&sending(1), t0 + ms(20));
    view.apply(&responded(1, 429, 40, Some("1")), t0 + ms(60));
    view.apply(
        &waiting(2, t0 + ms(1_060), 1_000, WaitReason::RetryAfter),
        t0 + ms(60),
    );
    view.apply(&sending(2), t0 + ms(1_060));
    view.apply(&responded(2, 307, 9, None), t0 + ms(1_069));
    view.apply(
        &ExecEvent::Redirected {
            status: 307,
            from: URL.to_string(),
            to: format!("{URL}/moved"),
        },
        t0 + ms(1_070),
    );
    view.apply(&sending(3), t0 + ms(1_070));
    view.apply(&responded(3, 201, 302, None), t0 + ms(1_372));
    view.apply(
        &finished(
            Outcome::Created,
            Some(201),
            1_372,
            &[(1, Some(429)), (2, Some(307)), (3, Some(201))],
        ),
        t0 + ms(1_380),
    );
    view
}

/// While a backoff runs and once created, at 120×40 and up: the Wait text whole and the
/// chart on screen (snapshots at 120×40 and 160×50; 200×60 only asserted).
#[test]
fn from_120_columns_the_wait_is_whole_and_the_chart_stays_while_and_after() {
    let t0 = Instant::now();
    let moments = [
        (
            "waiting_out_a_backoff",
            backoff_in_progress(t0),
            t0 + ms(1_460),
            ["waiting 0.8 s (backoff)", "before attempt 3"],
        ),
        (
            "created_after_retries",
            created_after_a_retry_and_a_redirect(t0),
            t0 + ms(2_000),
            ["redirected 307", "created 201"],
        ),
    ];
    for (width, height) in [(120, 40), (160, 50), (200, 60)] {
        for (moment, view, now, texts) in &moments {
            let frame = render_in_studio(view, *now, width, height);
            for text in ["waited 1.0 s (Retry-After)", "Responses, last 60 s"]
                .iter()
                .chain(texts)
            {
                assert!(frame.contains(text), "{width}×{height}: {text}\n{frame}");
            }
            if width <= 160 {
                assert_frame!(format!("studio_{width}x{height}_{moment}"), frame);
            }
        }
    }
}

#[test]
fn the_pane_grows_once_a_submission_starts_while_checks_and_headers_keep_their_rows() {
    let idle = SubmissionView::default();
    let running = started(Instant::now());
    let areas =
        |view, width, height| cxda::tui::ui::pane_areas(Rect::new(0, 0, width, height), true, view);
    let (before, during) = (areas(&idle, 120, 40), areas(&running, 120, 40));
    assert!(
        before.attempts.height < during.attempts.height,
        "{before:?} vs {during:?}"
    );
    assert!(
        during.headers.height >= 10,
        "the eight headers of a create stay whole: {during:?}"
    );
    assert!(
        during.checks.height >= 5,
        "the verdict and the budget: {during:?}"
    );
    // Below 120×40 the checks and headers would be squeezed out: the layout stays put.
    assert_eq!(areas(&idle, 100, 30), areas(&running, 100, 30));
}

/// Sets the record's error on a `Finished` event (the helper builds records without one).
trait MapError {
    fn map_error(self, error: &str) -> Self;
}

impl MapError for ExecEvent {
    fn map_error(self, error: &str) -> Self {
        match self {
            ExecEvent::Finished(mut record) => {
                record.error = Some(error.to_string());
                ExecEvent::Finished(record)
            }
            other => other,
        }
    }
}
