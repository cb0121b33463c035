//! End-to-end measurements of the studio in a real pseudo-terminal: the `cxda`
//! binary of this build runs in a 120x40 portable-pty on the embedded sandbox (a fresh
//! temp `HOME` and data dir each time); a reader thread feeds its output into a vt100
//! parser and checks the condition being waited for after every chunk, so each figure ends
//! at the chunk that put it on screen (no polling, no fixed sleep in the measured path).
//! The same figures as `scripts/bench-tui.sh`, with a far lower harness floor:
//!
//!   a. launch -> first full frame (the status bar's `Ctrl+Q quit`)   target <= 20 ms
//!  a2. launch -> the complete first frame: the token state and the header budget
//!      (`token:` and `/ 8,192 B`) on screen                         target <= floor + 5 ms
//!   b. idle RSS ~2 s after the first frame, the sandbox started    target <= 11 MiB
//!   f. Ctrl+Q -> terminal restored and -> process gone, in three states: idle just after
//!      start, after a submission, and while a submission waits out a Retry-After
//!                              target: gone <= 100 ms idle, <= 1 s with work in flight
//!   g. idle wake-ups per second of the whole process (context switches of every thread
//!      over 10 s, from 2 s after the complete frame)                  target <= 2/s
//!   c. keystroke -> the character on screen, 200 KiB and 1 MiB payloads open, live checks
//!      on (`x` typed at 1:1 and erased with Backspace, each timed)  target <= 8 ms
//!      and the 1 MiB payload minified onto one line, the cursor at 1:1 and at the line's
//!      end (`End`)                                              target <= floor + 4 ms
//!   d. at 1 MiB, keystroke -> that revision's checks on screen (`x` -> `1:1 error`,
//!      Backspace -> `no problems`)                                  target <= 50 ms
//!   e. the floor: the same machinery with `printf` (a) and the tty echoing for `cat` (c).
//!   f. a 29 MB payload on one line, far over the API's 1 MiB body limit: launch -> first
//!      full frame, keystroke -> screen at 1:1 and at the end (target <= 50 ms), then Ctrl+T
//!      (pretty-print) -> on screen, and keystroke -> screen in the pretty-printed text
//!
//! Run: `cargo bench --bench tui_pty` (env: LAUNCH_RUNS=20 KEY_RUNS=60 KEY_GAP_MS=100
//! CHECK_RUNS=10 QUIT_RUNS=5 HUGE_KEY_RUNS=10). Every wait is bounded (10 s) and panics
//! with the screen. Not run by CI.

use std::io::{ErrorKind, Read, Write};
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty};
use tempfile::TempDir;

#[path = "common/payload.rs"]
mod payload;
#[path = "../tests/it/pty_common/mod.rs"]
mod pty_common;
use pty_common::{COLS, ROWS, open_pty, screen_parser, studio_command};

const WAIT: Duration = Duration::from_secs(10);
const MARKER: &str = "Ctrl+Q quit";
/// The complete first frame: the token state and the header budget are known.
const COMPLETE: [&str; 3] = [MARKER, "token:", "/ 8,192 B"];
const CTRL_Q: &[u8] = b"\x11";
const F5: &[u8] = b"\x1b[15~";
const SHIFT_TAB: &[u8] = b"\x1b[Z";
const BACKSPACE: &[u8] = b"\x7f";
const END: &[u8] = b"\x1b[F";
const CTRL_T: &[u8] = b"\x14";
/// The one-line file of f.: 29 MB.
const HUGE_BYTES: usize = 29 * 1000 * 1000;

type Pred = Box<dyn Fn(&vt100::Screen) -> bool + Send>;

/// What the reader thread maintains: the parsed screen, and the condition being waited for
/// with the instant the chunk that satisfied it was parsed.
struct State {
    parser: vt100::Parser,
    watch: Option<Pred>,
    hit: Option<Instant>,
    closed: bool,
}

struct Shared {
    state: Mutex<State>,
    wake: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().expect("pty state lock")
    }

    /// Waits for the reader's next chunk (or its end) until `deadline`.
    fn wait<'a>(&self, st: MutexGuard<'a, State>, deadline: Instant) -> MutexGuard<'a, State> {
        let left = deadline.saturating_duration_since(Instant::now());
        self.wake.wait_timeout(st, left).expect("pty state lock").0
    }
}

/// A program in a pseudo-terminal, its output parsed on a reader thread.
struct Term {
    shared: Arc<Shared>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    spawned: Instant,
    // Kept open for the child's life: dropping the master hangs it up.
    _master: Box<dyn MasterPty + Send>,
    // Removed after the child is gone (fields drop after `Drop::drop`).
    _home: Option<TempDir>,
}

impl Term {
    /// Spawns `command` with `first` already armed (see [`Term::arm`]), the reader running.
    fn spawn(command: CommandBuilder, home: Option<TempDir>, first: Pred) -> Term {
        let pty = open_pty();
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                parser: screen_parser(),
                watch: Some(first),
                hit: None,
                closed: false,
            }),
            wake: Condvar::new(),
        });
        let mut reader = pty.master.try_clone_reader().expect("pty reader");
        let writer = pty.master.take_writer().expect("pty writer");
        let feed = Arc::clone(&shared);
        std::thread::spawn(move || {
            let mut buf = [0u8; 64 * 1024];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) => break,
                    Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                    Err(_) => break,
                    Ok(n) => {
                        let mut st = feed.lock();
                        st.parser.process(&buf[..n]);
                        let hit = st.hit.is_none()
                            && st.watch.as_ref().is_some_and(|p| p(st.parser.screen()));
                        if hit {
                            st.hit = Some(Instant::now());
                        }
                        drop(st);
                        feed.wake.notify_all();
                    }
                }
            }
            feed.lock().closed = true;
            feed.wake.notify_all();
        });
        let spawned = Instant::now();
        let child = pty.slave.spawn_command(command).expect("spawn the program");
        // Only the child holds the slave now, so reads end when it exits.
        drop(pty.slave);
        Term {
            shared,
            writer,
            child,
            spawned,
            _master: pty.master,
            _home: home,
        }
    }

    /// From just before the spawn to the first condition on screen: the launch time.
    fn since_spawn(&self, what: &str) -> Duration {
        self.wait_hit(what).saturating_duration_since(self.spawned)
    }

    fn pid(&self) -> u32 {
        self.child.process_id().expect("the child's pid")
    }

    /// Ctrl+Q, then the time until the terminal is back on the main screen and until the
    /// process is gone (its exit status polled every 0.1 ms).
    fn timed_quit(mut self) -> (Duration, Duration) {
        self.arm(|s| !s.alternate_screen());
        let t0 = Instant::now();
        self.send(CTRL_Q);
        let gone = loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                assert!(status.success(), "cxda exited with {status:?}");
                break t0.elapsed();
            }
            assert!(t0.elapsed() < WAIT, "cxda did not exit in {WAIT:?}");
            std::thread::sleep(Duration::from_micros(100));
        };
        let restored = self
            .wait_hit("the main screen back")
            .saturating_duration_since(t0);
        (restored, gone)
    }

    /// Sets the condition to wait for; true if the screen already satisfies it.
    fn arm(&self, pred: impl Fn(&vt100::Screen) -> bool + Send + 'static) -> bool {
        let mut st = self.shared.lock();
        let now = pred(st.parser.screen());
        st.hit = now.then(Instant::now);
        st.watch = Some(Box::new(pred));
        now
    }

    /// The instant the armed condition first held on screen; panics after [`WAIT`].
    fn wait_hit(&self, what: &str) -> Instant {
        self.try_hit(WAIT).unwrap_or_else(|why| {
            panic!(
                "{why} waiting for {what}; the screen:\n{}\n{}",
                self.shared.lock().parser.screen().contents(),
                "-".repeat(usize::from(COLS))
            )
        })
    }

    /// The instant the armed condition first held on screen, or why it did not in `within`.
    fn try_hit(&self, within: Duration) -> Result<Instant, &'static str> {
        let deadline = Instant::now() + within;
        let mut st = self.shared.lock();
        loop {
            if let Some(at) = st.hit.take() {
                st.watch = None;
                return Ok(at);
            }
            if st.closed || Instant::now() >= deadline {
                st.watch = None;
                return Err(["timed out", "the program exited"][usize::from(st.closed)]);
            }
            st = self.shared.wait(st, deadline);
        }
    }

    fn wait_for(&self, what: &str, pred: impl Fn(&vt100::Screen) -> bool + Send + 'static) {
        self.arm(pred);
        self.wait_hit(what);
    }

    /// `End`, then whether the end of the one-line payload (`"]}`) is drawn within [`WAIT`]
    /// (a build whose viewport stops at column 65,535 never draws it).
    fn end_of_line(&mut self) -> bool {
        self.send(END);
        self.arm(|s| row(s, 1).contains("\"]}"));
        let shown = self.try_hit(WAIT).is_ok();
        if !shown {
            let screen = self.shared.lock().parser.screen().contents();
            let line = screen.lines().nth(1).unwrap_or_default().to_string();
            println!("   the end of the line is never drawn (row 1: {line})");
        }
        shown
    }

    fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).expect("write to the pty");
        self.writer.flush().expect("flush the pty");
    }

    /// From just before `bytes` are written to the chunk that makes `pred` hold.
    fn timed_key(&mut self, bytes: &[u8], what: &str, pred: Pred) -> Duration {
        assert!(!self.arm(pred), "{what}: on screen before the keystroke");
        let t0 = Instant::now();
        self.send(bytes);
        self.wait_hit(what).saturating_duration_since(t0)
    }

    /// Waits (bounded) for the pty to close and the child to exit; panics on a failure.
    fn wait_exit(mut self, what: &str) {
        let deadline = Instant::now() + WAIT;
        let mut st = self.shared.lock();
        while !st.closed && Instant::now() < deadline {
            st = self.shared.wait(st, deadline);
        }
        drop(st);
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                assert!(status.success(), "{what} exited with {status:?}");
                return;
            }
            assert!(Instant::now() < deadline, "{what} did not exit in {WAIT:?}");
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    fn quit(mut self) {
        self.send(CTRL_Q);
        self.wait_exit("cxda after Ctrl+Q");
    }
}

impl Drop for Term {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn contains(text: &'static str) -> Pred {
    Box::new(move |s: &vt100::Screen| s.contents().contains(text))
}

fn contains_all(texts: &'static [&'static str]) -> Pred {
    Box::new(move |s: &vt100::Screen| {
        let contents = s.contents();
        texts.iter().all(|t| contents.contains(t))
    })
}

/// Context switches of every thread of `pid` now, by thread id.
fn context_switches(pid: u32) -> std::collections::HashMap<String, u64> {
    let mut out = std::collections::HashMap::new();
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return out;
    };
    for task in tasks.flatten() {
        let Ok(status) = std::fs::read_to_string(task.path().join("status")) else {
            continue;
        };
        let switches: u64 = status
            .lines()
            .filter(|l| l.starts_with("voluntary_ctxt") || l.starts_with("nonvoluntary_ctxt"))
            .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
            .sum();
        out.insert(task.file_name().to_string_lossy().into_owned(), switches);
    }
    out
}

/// Wake-ups of the whole process over `span`: the context switches of every thread alive at
/// both ends, plus those of threads started meanwhile, plus one for each that ended.
fn wakeups(pid: u32, span: Duration) -> u64 {
    let before = context_switches(pid);
    std::thread::sleep(span);
    let after = context_switches(pid);
    let counted: u64 = after
        .iter()
        .map(|(tid, n)| n - before.get(tid).copied().unwrap_or(0))
        .sum();
    let ended = before
        .keys()
        .filter(|tid| !after.contains_key(*tid))
        .count();
    counted + ended as u64
}

fn row(screen: &vt100::Screen, index: usize) -> String {
    screen.rows(0, COLS).nth(index).unwrap_or_default()
}

/// `cxda [FILE]` on the embedded sandbox, nothing configured, a fresh HOME and data dir;
/// spawned, and waited for until its first full frame. Returns the launch time too.
fn studio(file: Option<&Path>) -> (Term, Duration) {
    let home = tempfile::tempdir().expect("temp home");
    let command = studio_command(home.path(), &home.path().join("data"), file);
    let term = Term::spawn(command, Some(home), contains(MARKER));
    let launch = term.since_spawn("the first full frame");
    (term, launch)
}

/// [`studio`] on nothing, waited for until its complete first frame (token state and header
/// budget); returns the time from the spawn to that frame.
fn studio_complete() -> (Term, Duration) {
    let home = tempfile::tempdir().expect("temp home");
    let command = studio_command(home.path(), &home.path().join("data"), None);
    let term = Term::spawn(command, Some(home), contains_all(&COMPLETE));
    let complete = term.since_spawn("the complete first frame");
    (term, complete)
}

/// What the environment asks for (defaults in the header).
struct Config {
    launch_runs: usize,
    key_pairs: usize,
    gap: Duration,
    check_runs: usize,
    quit_runs: usize,
    huge_key_pairs: usize,
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).map_or(default, |v| {
        v.parse()
            .unwrap_or_else(|_| panic!("{name}={v}: not a number"))
    })
}

/// At the configured gap and with none: `x` typed, then Backspace, each timed to row `at`
/// showing `typed`, then `erased` without `typed`.
fn keystrokes(term: &mut Term, cfg: &Config, label: &str, at: usize, texts: [&'static str; 2]) {
    keystroke_pairs(term, cfg, cfg.key_pairs, label, at, texts);
}

fn keystroke_pairs(
    term: &mut Term,
    cfg: &Config,
    pairs: usize,
    label: &str,
    at: usize,
    texts: [&'static str; 2],
) {
    let [typed, erased] = texts;
    for gap in [cfg.gap, Duration::ZERO] {
        let mut samples = Vec::new();
        for _ in 0..pairs {
            let show = move |s: &vt100::Screen| row(s, at).contains(typed);
            samples.push(term.timed_key(b"x", "the typed x", Box::new(show)));
            std::thread::sleep(gap);
            let gone = move |s: &vt100::Screen| {
                let r = row(s, at);
                r.contains(erased) && !r.contains(typed)
            };
            samples.push(term.timed_key(BACKSPACE, "the x erased", Box::new(gone)));
            std::thread::sleep(gap);
        }
        report(&format!("{label}, gap {} ms", gap.as_millis()), &samples);
        // Let the last revision's checks land before what comes next.
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// Median, min, max and count, in milliseconds.
fn report(label: &str, samples: &[Duration]) {
    let mut ms: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1e3).collect();
    ms.sort_by(f64::total_cmp);
    let n = ms.len();
    let median = (ms[(n - 1) / 2] + ms[n / 2]) / 2.0;
    println!(
        "   {label:<40} median {median:7.3} ms (min {:.3}, max {:.3}, n={n})",
        ms[0],
        ms[n - 1]
    );
}

/// Brings a fresh studio into the state its quit is timed in.
type Prepare = fn(&mut Term);

/// f.: Ctrl+Q in three states, each run on a fresh studio.
fn quit_times(cfg: &Config) {
    let runs = cfg.quit_runs;
    println!("== f. Ctrl+Q -> terminal restored / process gone ({runs} runs each)");
    let states: [(&str, Prepare); 3] = [
        ("idle, just after start", |_| {}),
        ("after a submission", |term| {
            term.send(F5);
            term.wait_for("created 201", contains("created 201"));
        }),
        ("waiting out a Retry-After", |term| {
            // The Sandbox pane (Shift+Tab from the editor), `4`: a storm of 429s with
            // Retry-After: 1; F5 then waits out the first.
            term.send(SHIFT_TAB);
            term.send(b"4");
            term.wait_for("the 429 storm set", contains("429×5"));
            term.send(F5);
            term.wait_for(
                "the Retry-After wait",
                contains("(Retry-After) before attempt"),
            );
        }),
    ];
    for (label, prepare) in states {
        let (mut restored, mut gone) = (Vec::new(), Vec::new());
        for _ in 0..runs {
            let (mut term, _) = studio_complete();
            prepare(&mut term);
            let (r, g) = term.timed_quit();
            restored.push(r);
            gone.push(g);
        }
        report(&format!("{label}: terminal restored"), &restored);
        report(&format!("{label}: process gone"), &gone);
    }
}

fn main() {
    let cfg = Config {
        launch_runs: env_usize("LAUNCH_RUNS", 20).max(1),
        key_pairs: env_usize("KEY_RUNS", 60).div_ceil(2).max(1),
        gap: Duration::from_millis(env_usize("KEY_GAP_MS", 100) as u64),
        check_runs: env_usize("CHECK_RUNS", 10).max(1),
        quit_runs: env_usize("QUIT_RUNS", 5).max(1),
        huge_key_pairs: env_usize("HUGE_KEY_RUNS", 10).div_ceil(2).max(1),
    };

    let runs = cfg.launch_runs;
    println!("== a. launch -> first full frame ({runs} runs, {COLS}x{ROWS})");
    let (mut floor, mut launch) = (Vec::new(), Vec::new());
    for _ in 0..cfg.launch_runs {
        let mut printf = CommandBuilder::new("printf");
        printf.arg(format!("floor {MARKER}"));
        let term = Term::spawn(printf, None, contains(MARKER));
        floor.push(term.since_spawn("the printf marker"));
        term.wait_exit("printf");
        let (term, t) = studio(None);
        launch.push(t);
        term.quit();
    }
    report("e. floor (printf of the marker)", &floor);
    report("cxda first full frame", &launch);

    println!("== a2. launch -> the complete first frame ({runs} runs)");
    let mut complete = Vec::new();
    for _ in 0..cfg.launch_runs {
        let (term, t) = studio_complete();
        complete.push(t);
        term.quit();
    }
    report("e. floor (printf of the marker)", &floor);
    report("cxda complete first frame", &complete);

    quit_times(&cfg);

    println!("== g. idle wake-ups (2 s after the complete frame, over 10 s)");
    let (term, _) = studio_complete();
    std::thread::sleep(Duration::from_secs(2));
    let span = Duration::from_secs(10);
    let woken = wakeups(term.pid(), span);
    println!(
        "   whole process: {woken} in {} s = {:.2}/s",
        span.as_secs(),
        woken as f64 / span.as_secs_f64()
    );
    term.quit();

    println!("== b. idle RSS (the complete first frame up, 2 s idle)");
    let (term, _) = studio_complete();
    std::thread::sleep(Duration::from_secs(2));
    let path = format!("/proc/{}/status", term.pid());
    let status = std::fs::read_to_string(&path).expect("read /proc/<pid>/status");
    for line in status.lines() {
        match line.split_whitespace().collect::<Vec<_>>()[..] {
            [key @ ("Name:" | "Threads:"), value, ..] => println!("   {key:<9} {value}"),
            [key @ ("VmRSS:" | "VmHWM:"), kb, ..] => {
                let kib: f64 = kb.parse().expect("a kB figure in /proc/<pid>/status");
                println!("   {key:<9} {:.2} MiB ({kb} kB)", kib / 1024.0);
            }
            _ => {}
        }
    }
    term.quit();

    let keys = 2 * cfg.key_pairs;
    println!("== c. keystroke -> the character on screen ({keys} keystrokes each)");
    let mut cat = CommandBuilder::new("sh");
    cat.arg("-c");
    cat.arg("stty icanon echo echoe; printf ready; exec cat >/dev/null");
    let mut term = Term::spawn(cat, None, contains("ready"));
    term.wait_hit("sh ready");
    keystrokes(
        &mut term,
        &cfg,
        "e. floor (cat, tty echo)",
        0,
        ["readyx", "ready"],
    );
    drop(term);

    let work = tempfile::tempdir().expect("temp work dir");
    for (name, bytes) in [("200 KiB", 200 * 1024), ("1 MiB", 1024 * 1024)] {
        let file = work.path().join(format!("payload-{bytes}.json"));
        std::fs::write(&file, payload::payload(bytes, "GET")).expect("write the payload");
        let (mut term, _) = studio(Some(&file));
        term.wait_for("the clean checks and the engine (token:)", |s| {
            let text = s.contents();
            text.contains("no problems") && text.contains("token:") && !text.contains("checking…")
        });
        let label = format!("cxda, {name} payload");
        keystrokes(&mut term, &cfg, &label, 1, [" 1 x{", " 1 {"]);
        if bytes == 1024 * 1024 {
            let gap = cfg.gap.as_millis();
            println!("== d. keystroke -> that revision's checks on screen, 1 MiB, gap {gap} ms");
            term.wait_for("no problems", contains("no problems"));
            let (mut broken, mut fixed) = (Vec::new(), Vec::new());
            for _ in 0..cfg.check_runs {
                broken.push(term.timed_key(b"x", "1:1 error", contains("1:1 error")));
                std::thread::sleep(cfg.gap);
                fixed.push(term.timed_key(BACKSPACE, "no problems", contains("no problems")));
                std::thread::sleep(cfg.gap);
            }
            report("break the JSON -> '1:1 error'", &broken);
            report("fix it -> 'no problems'", &fixed);
        }
        term.quit();
    }
    let file = work.path().join("payload-one-line.json");
    let text = payload::one_line_payload(1024 * 1024, "GET");
    std::fs::write(&file, &text).expect("write the payload");
    let (mut term, _) = studio(Some(&file));
    term.wait_for("the clean checks and the engine (token:)", |s| {
        let text = s.contents();
        text.contains("no problems") && text.contains("token:") && !text.contains("checking…")
    });
    let label = format!("cxda, {} KiB one line, at 1:1", text.len() / 1024);
    keystrokes(&mut term, &cfg, &label, 1, [" 1 x{", " 1 {"]);
    if term.end_of_line() {
        let label = format!("cxda, {} KiB one line, at the end", text.len() / 1024);
        keystrokes(&mut term, &cfg, &label, 1, ["\"]}x", "\"]}"]);
    }
    term.quit();

    huge_one_line(&cfg, work.path());
    println!("== done (read each figure against the floor, e., beside it)");
}

/// f. The 29 MB one-line file: its launch, then keystrokes at 1:1 and at the end.
fn huge_one_line(cfg: &Config, work: &Path) {
    let file = work.join("payload-29mb.json");
    let text = payload::one_line_payload(HUGE_BYTES, "GET");
    std::fs::write(&file, &text).expect("write the payload");
    let mb = text.len() as f64 / 1e6;
    let keys = 2 * cfg.huge_key_pairs;
    println!("== f. a {mb:.1} MB payload on one line ({keys} keystrokes each)");
    let (mut term, launch) = studio(Some(&file));
    report("launch -> first full frame", &[launch]);
    term.wait_for("the engine (token:)", contains("token:"));
    let pairs = cfg.huge_key_pairs;
    keystroke_pairs(&mut term, cfg, pairs, "at 1:1", 1, [" 1 x{", " 1 {"]);
    if term.end_of_line() {
        keystroke_pairs(&mut term, cfg, pairs, "at the end", 1, ["\"]}x", "\"]}"]);
    }
    // Ctrl+T makes the lines short; the cursor lands on the first line, after its `{`.
    let format = term.timed_key(CTRL_T, "'formatted'", contains("formatted"));
    report("Ctrl+T -> the pretty-printed text on screen", &[format]);
    let label = "pretty-printed, at 1:2";
    keystroke_pairs(&mut term, cfg, pairs, label, 1, [" 1 {x", " 1 {"]);
    term.quit();
}
