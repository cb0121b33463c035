//! Live progress of `cxda submit` on stderr, fed by the executor's [`ExecEvent`]s, which
//! each file folds into an [`AttemptLog`] (the fold that gives its audit record its
//! `attempts`). Two views of the same state:
//! - a terminal gets indicatif bars: one for the batch (done/total and the counts of each
//!   outcome) and one line per file in flight (its attempt, the last answer, a countdown
//!   while it waits), redrawn by [`Progress::tick`];
//! - anything else (a pipe, a CI log) gets plain lines, only for what a person reading a
//!   log wants to know: retries and their waits, transport failures, redirects, and pacing
//!   waits of a second or more (shorter ones are the normal pace of a batch, one per file).
//!
//! Result lines go to stdout through [`Progress::print_stdout`], which hides the bars while
//! it writes so the two never mix on one terminal.

use std::io::{self, Write};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::engine::{AttemptLog, ExecEvent, WaitReason};
use crate::text::escape_controls;

/// At most this many per-file lines under the batch bar; more in flight are counted only.
const MAX_FILE_LINES: usize = 8;
/// Plain mode leaves out pacing waits shorter than this.
const PLAIN_PACING_MIN: Duration = Duration::from_secs(1);

/// How a file ended, for the counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    Created,
    Drafted,
    Rejected,
    Failed,
    Cancelled,
}

pub struct Progress {
    bars: Option<Bars>,
    state: Mutex<State>,
}

struct Bars {
    multi: MultiProgress,
    batch: ProgressBar,
    file_style: ProgressStyle,
}

#[derive(Default)]
struct State {
    files: Vec<FileState>,
    created: usize,
    drafted: usize,
    rejected: usize,
    failed: usize,
    cancelled: usize,
    in_flight: usize,
}

#[derive(Default)]
struct FileState {
    name: String,
    started: bool,
    /// Its attempts so far and the wait under way.
    attempts: AttemptLog,
    line: Option<ProgressBar>,
}

impl Progress {
    /// Bars when stderr is a terminal (`terminal`), plain lines otherwise. `names` are the
    /// files in input order, already escaped for the terminal.
    pub fn new(names: Vec<String>, terminal: bool) -> Progress {
        let total = names.len() as u64;
        let bars = terminal.then(|| {
            let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
            let batch_style =
                ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {msg} ({elapsed})")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> ");
            let batch = multi.add(ProgressBar::new(total).with_style(batch_style));
            batch.enable_steady_tick(Duration::from_millis(120));
            let file_style = ProgressStyle::with_template("  {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner());
            Bars {
                multi,
                batch,
                file_style,
            }
        });
        let state = State {
            files: names
                .into_iter()
                .map(|name| FileState {
                    name,
                    ..FileState::default()
                })
                .collect(),
            ..State::default()
        };
        let progress = Progress {
            bars,
            state: Mutex::new(state),
        };
        progress.redraw_batch(&progress.lock());
        progress
    }

    /// Whether [`Progress::tick`] has anything to redraw (countdowns exist only with bars).
    pub fn is_live(&self) -> bool {
        self.bars.is_some()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // Progress is display only: a panic elsewhere must not silence the rest of it.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// One executor event of file `index`.
    pub fn event(&self, index: usize, event: &ExecEvent) {
        let mut state = self.lock();
        if let Some(file) = state.files.get(index)
            && !file.started
        {
            state.in_flight += 1;
            if let Some(file) = state.files.get_mut(index) {
                file.started = true;
            }
        }
        let shown_lines = state.files.iter().filter(|f| f.line.is_some()).count();
        let Some(file) = state.files.get_mut(index) else {
            return;
        };
        file.attempts.apply(event);
        let plain = match event {
            ExecEvent::Waiting { wait, reason, .. } => {
                let short_pacing = *reason == WaitReason::Pacing && *wait < PLAIN_PACING_MIN;
                (!short_pacing).then(|| {
                    format!(
                        "{}: {}waiting {:.1} s ({})",
                        file.name,
                        answer_prefix(file),
                        wait.as_secs_f64(),
                        reason.as_str()
                    )
                })
            }
            ExecEvent::Redirected { status, to, .. } => Some(format!(
                "{}: {status} redirect to {}",
                file.name,
                escape_controls(to)
            )),
            // Once per lookup, not once per page of it.
            ExecEvent::StepStarted { name, url, .. } if name == "lookup" && is_first_page(url) => {
                Some(format!(
                    "{}: the draft request's answer was lost; looking the draft up by name",
                    file.name
                ))
            }
            _ => None,
        };
        if let Some(bars) = &self.bars {
            if file.line.is_none() && shown_lines < MAX_FILE_LINES {
                let line = bars.multi.add(ProgressBar::new_spinner());
                line.set_style(bars.file_style.clone());
                file.line = Some(line);
            }
            if let Some(line) = &file.line {
                line.set_message(file_line(file, Instant::now()));
            }
            drop(state);
            self.redraw_batch(&self.lock());
        } else if let Some(text) = plain {
            eprintln!("{text}");
        }
    }

    /// File `index` is over (its result line is about to be printed).
    pub fn finished(&self, index: usize, ended: Ended) {
        let mut state = self.lock();
        match ended {
            Ended::Created => state.created += 1,
            Ended::Drafted => state.drafted += 1,
            Ended::Rejected => state.rejected += 1,
            Ended::Failed => state.failed += 1,
            Ended::Cancelled => state.cancelled += 1,
        }
        if let Some(file) = state.files.get_mut(index) {
            let was_started = std::mem::replace(&mut file.started, false);
            // The countdown stops with the file, whatever its last event was.
            file.attempts = AttemptLog::default();
            if let Some(line) = file.line.take() {
                line.finish_and_clear();
                if let Some(bars) = &self.bars {
                    bars.multi.remove(&line);
                }
            }
            if was_started {
                state.in_flight = state.in_flight.saturating_sub(1);
            }
        }
        if let Some(bars) = &self.bars {
            bars.batch.inc(1);
        }
        self.redraw_batch(&state);
    }

    /// Redraws the countdowns of files that are waiting.
    pub fn tick(&self) {
        let state = self.lock();
        let now = Instant::now();
        for file in state.files.iter().filter(|f| f.attempts.wait().is_some()) {
            if let Some(line) = &file.line {
                line.set_message(file_line(file, now));
            }
        }
    }

    /// Writes a result line to stdout, with the bars out of the way.
    pub fn print_stdout(&self, text: &str) -> io::Result<()> {
        let write = || {
            let mut out = io::stdout().lock();
            out.write_all(text.as_bytes())?;
            // Flushed per line: a reader (a script, a test) may act on each as it comes.
            out.flush()
        };
        match &self.bars {
            Some(bars) => bars.multi.suspend(write),
            None => write(),
        }
    }

    /// A line for the person watching (a warning, an interruption), on stderr above the
    /// bars so that their next redraw does not wipe it.
    pub fn note(&self, text: &str) {
        match &self.bars {
            Some(bars) => {
                if bars.multi.println(text).is_err() {
                    eprintln!("{text}");
                }
            }
            None => eprintln!("{text}"),
        }
    }

    /// Removes the bars, leaving the terminal as it was.
    pub fn clear(&self) {
        if let Some(bars) = &self.bars {
            bars.batch.finish_and_clear();
            let _ = bars.multi.clear();
        }
    }

    /// `3 files: 2 created, 1 failed` for the end of the batch.
    pub fn summary(&self, elapsed: Duration) -> String {
        let state = self.lock();
        let total = state.files.len();
        let parts: Vec<String> = [
            (state.created, "created"),
            (state.drafted, "drafted"),
            (state.rejected, "rejected"),
            (state.failed, "failed"),
            (state.cancelled, "cancelled"),
        ]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
        format!(
            "{total} file{}: {} in {:.1} s",
            if total == 1 { "" } else { "s" },
            if parts.is_empty() {
                "nothing done".to_string()
            } else {
                parts.join(", ")
            },
            elapsed.as_secs_f64()
        )
    }

    fn redraw_batch(&self, state: &State) {
        let Some(bars) = &self.bars else { return };
        let mut msg = format!("{} created", state.created);
        if state.drafted > 0 {
            msg.push_str(&format!(" · {} drafted", state.drafted));
        }
        msg.push_str(&format!(
            " · {} rejected · {} failed",
            state.rejected, state.failed
        ));
        if state.cancelled > 0 {
            msg.push_str(&format!(" · {} cancelled", state.cancelled));
        }
        if state.in_flight > 0 {
            msg.push_str(&format!(" · {} in flight", state.in_flight));
        }
        bars.batch.set_message(msg);
    }
}

/// The last attempt and its answer (a status code or why none came), once it has one.
/// Whether a listing `url` asks for its first page (`pageNumber=1`, or none).
fn is_first_page(url: &str) -> bool {
    reqwest::Url::parse(url).is_ok_and(|url| {
        url.query_pairs()
            .find(|(key, _)| key == "pageNumber")
            .is_none_or(|(_, page)| page == "1")
    })
}

fn last_answer(file: &FileState) -> Option<(u32, String)> {
    let last = file.attempts.last()?;
    let attempt = &last.attempt;
    let answer = match (attempt.status, &attempt.error) {
        (Some(status), _) => status.to_string(),
        (None, Some(error)) => escape_controls(error).into_owned(),
        (None, None) => return None,
    };
    Some((attempt.n, answer))
}

/// `draft ` while an operation of several steps is in its draft step, else nothing.
fn step_prefix(file: &FileState) -> String {
    file.attempts
        .step_name()
        .map_or_else(String::new, |name| format!("{name} "))
}

/// `attempt 2 → 429, ` when the file has had an answer, else nothing.
fn answer_prefix(file: &FileState) -> String {
    match last_answer(file) {
        Some((n, answer)) => format!("{}attempt {n} → {answer}, ", step_prefix(file)),
        None => String::new(),
    }
}

/// The per-file line under the bar. A wait before the first attempt (pacing) is not a
/// retry, so it does not say "retry".
fn file_line(file: &FileState, now: Instant) -> String {
    if let Some(wait) = file.attempts.wait() {
        return format!(
            "{}: {}{} {:.1} s ({})",
            file.name,
            answer_prefix(file),
            if file.attempts.is_empty() {
                "waiting"
            } else {
                "retry in"
            },
            wait.until.saturating_duration_since(now).as_secs_f64(),
            wait.reason.as_str()
        );
    }
    let step = step_prefix(file);
    match (file.attempts.last(), last_answer(file)) {
        (None, _) if step.is_empty() => format!("{}: authorizing", file.name),
        (None, _) => format!("{}: {step}waiting", file.name),
        (Some(_), Some((n, answer))) => format!("{}: {step}attempt {n} → {answer}", file.name),
        (Some(last), None) => format!("{}: {step}attempt {} sending", file.name, last.attempt.n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file that reported `events`.
    fn file(events: &[ExecEvent]) -> FileState {
        FileState {
            name: "a.json".into(),
            attempts: events.iter().collect(),
            ..FileState::default()
        }
    }

    fn sending(attempt: u32) -> ExecEvent {
        ExecEvent::Sending {
            attempt,
            url: "http://127.0.0.1:1/".into(),
        }
    }

    fn responded(attempt: u32, status: u16) -> ExecEvent {
        ExecEvent::Responded {
            attempt,
            status,
            latency: Duration::from_millis(5),
            rate: None,
            retry_after: None,
            error: None,
        }
    }

    fn waiting(attempt: u32, until: Instant, reason: WaitReason) -> ExecEvent {
        ExecEvent::Waiting {
            attempt,
            until,
            wait: Duration::from_secs(1),
            reason,
        }
    }

    #[test]
    fn a_waiting_file_shows_its_last_answer_and_the_countdown() {
        let now = Instant::now();
        let until = now + Duration::from_millis(800);
        let f = file(&[
            sending(1),
            responded(1, 429),
            waiting(2, now, WaitReason::RetryAfter),
            sending(2),
            responded(2, 429),
            waiting(3, until, WaitReason::RetryAfter),
        ]);
        assert_eq!(
            file_line(&f, now),
            "a.json: attempt 2 → 429, retry in 0.8 s (Retry-After)"
        );
    }

    #[test]
    fn a_transport_failure_is_the_last_answer_escaped() {
        let now = Instant::now();
        let f = file(&[
            sending(1),
            ExecEvent::TransportFailed {
                attempt: 1,
                latency: Duration::from_millis(2),
                error: "refused\u{1b}[2J".into(),
            },
            waiting(2, now + Duration::from_millis(300), WaitReason::Backoff),
        ]);
        assert_eq!(
            file_line(&f, now),
            "a.json: attempt 1 → refused\\u{1b}[2J, retry in 0.3 s (backoff)"
        );
    }

    #[test]
    fn a_paced_first_attempt_is_waiting_not_a_retry() {
        let now = Instant::now();
        let f = file(&[
            ExecEvent::Authorizing,
            waiting(1, now + Duration::from_millis(1500), WaitReason::Pacing),
        ]);
        assert_eq!(file_line(&f, now), "a.json: waiting 1.5 s (pacing)");
    }

    #[test]
    fn a_file_before_its_first_answer_says_so() {
        let now = Instant::now();
        assert_eq!(
            file_line(&file(&[ExecEvent::Authorizing]), now),
            "a.json: authorizing"
        );
        assert_eq!(
            file_line(&file(&[sending(1)]), now),
            "a.json: attempt 1 sending"
        );
        let retry = [sending(1), responded(1, 503), sending(2)];
        assert_eq!(
            file_line(&file(&retry), now),
            "a.json: attempt 2 sending",
            "not the previous attempt's answer"
        );
        assert_eq!(
            file_line(&file(&[sending(1), responded(1, 201)]), now),
            "a.json: attempt 1 → 201"
        );
    }

    #[test]
    fn a_file_in_a_step_names_it() {
        let now = Instant::now();
        let step = |name: &str| ExecEvent::StepStarted {
            index: 1,
            name: name.into(),
            method: "GET".into(),
            url: "http://127.0.0.1:1/".into(),
        };
        let f = file(&[
            step("draft"),
            sending(1),
            responded(1, 200),
            step("validation"),
        ]);
        assert_eq!(file_line(&f, now), "a.json: validation waiting");
        let f = file(&[step("validation"), sending(1), responded(1, 200)]);
        assert_eq!(file_line(&f, now), "a.json: validation attempt 1 → 200");
    }

    #[test]
    fn only_the_first_page_of_a_lookup_is_announced() {
        let drafts = "http://127.0.0.1:1/api/v2/integrations/actions/drafts?name=E";
        assert!(is_first_page(&format!(
            "{drafts}&pageSize=100&pageNumber=1"
        )));
        assert!(!is_first_page(&format!(
            "{drafts}&pageSize=100&pageNumber=2"
        )));
        assert!(!is_first_page(&format!("{drafts}&pageNumber=11")));
        assert!(is_first_page(drafts));
    }

    #[test]
    fn summary_counts_only_the_outcomes_that_happened() {
        let progress = Progress::new(vec!["a".into(), "b".into(), "c".into()], false);
        progress.finished(0, Ended::Created);
        progress.finished(1, Ended::Created);
        progress.finished(2, Ended::Failed);
        let summary = progress.summary(Duration::from_millis(1500));
        assert_eq!(summary, "3 files: 2 created, 1 failed in 1.5 s");
        let progress = Progress::new(vec!["a".into()], false);
        progress.finished(0, Ended::Drafted);
        let summary = progress.summary(Duration::from_millis(100));
        assert_eq!(summary, "1 file: 1 drafted in 0.1 s");
    }
}
