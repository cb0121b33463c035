//! End to end in a pseudo-terminal: the built `cxda` binary runs in a
//! portable-pty against the embedded sandbox, with a temp data dir and a temp `HOME`; its
//! output is parsed by vt100. First frame, live checks that change as we type, F5 to a
//! `created 201`, F2 to the history holding the record, Ctrl+Q, exit status 0, one audit
//! record, and the terminal back on the main screen. F4 lists the action just created and
//! Enter opens it in the editor as `cxda pull` writes it. F6 tests an action against a
//! target the test serves, and the run's record is in the history.
//!
//! Every wait is a poll of the parsed screen with a generous timeout (a loaded 2-core CI
//! machine runs a debug build here); a timeout panics with the screen as it was.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{Child, MasterPty};

use crate::pty_common;
use pty_common::{COLS, open_pty, screen_parser, studio_command};
/// Per step; the whole test normally takes about a second.
const STEP: Duration = Duration::from_secs(20);
const POLL: Duration = Duration::from_millis(25);

const F2: &[u8] = b"\x1bOQ";
const F4: &[u8] = b"\x1bOS";
const F5: &[u8] = b"\x1b[15~";
const F6: &[u8] = b"\x1b[17~";
const CTRL_R: &[u8] = b"\x12";
const ENTER: &[u8] = b"\r";
const CTRL_Q: &[u8] = b"\x11";
const CTRL_D: &[u8] = b"\x04";
const DOWN: &[u8] = b"\x1b[B";
const END: &[u8] = b"\x1b[F";
const LEFT: &[u8] = b"\x1b[D";
const ESC: &[u8] = b"\x1b";
const BACKSPACE: &[u8] = b"\x7f";
const LEAVE_ALTERNATE_SCREEN: &[u8] = b"\x1b[?1049l";

/// What the reader thread has seen: the parsed screen and every raw byte.
pub(crate) struct Output {
    parser: vt100::Parser,
    raw: Vec<u8>,
    closed: bool,
}

/// `cxda` running in a pseudo-terminal, its output parsed on a reader thread.
pub(crate) struct Session {
    output: Arc<Mutex<Output>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    // Kept open for the session's life: dropping the master hangs the child up.
    _master: Box<dyn MasterPty + Send>,
}

impl Session {
    pub(crate) fn start(home: &Path, data_dir: &Path) -> Session {
        Session::open(home, data_dir, None)
    }

    /// `cxda [FILE]`: the studio on `file`.
    pub(crate) fn open(home: &Path, data_dir: &Path, file: Option<&Path>) -> Session {
        // Nothing configured: the embedded sandbox profile.
        Session::spawn(studio_command(home, data_dir, file))
    }

    /// The studio on the built-in profile `profile` (named by `$CXDA_PROFILE`).
    pub(crate) fn with_profile(home: &Path, data_dir: &Path, profile: &str) -> Session {
        let mut command = studio_command(home, data_dir, None);
        command.env("CXDA_PROFILE", profile);
        Session::spawn(command)
    }

    fn spawn(command: portable_pty::CommandBuilder) -> Session {
        let pty = open_pty();
        let child = pty.slave.spawn_command(command).expect("spawn cxda");
        // Only the child holds the slave now, so reads end when it exits.
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().expect("pty reader");
        let writer = pty.master.take_writer().expect("pty writer");
        let output = Arc::new(Mutex::new(Output {
            parser: screen_parser(),
            raw: Vec::new(),
            closed: false,
        }));
        let shared = Arc::clone(&output);
        std::thread::spawn(move || {
            let mut buf = [0u8; 64 * 1024];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        let mut out = shared.lock().expect("output lock");
                        out.parser.process(&buf[..n]);
                        out.raw.extend_from_slice(&buf[..n]);
                    }
                }
            }
            shared.lock().expect("output lock").closed = true;
        });
        Session {
            output,
            writer,
            child,
            _master: pty.master,
        }
    }

    pub(crate) fn screen(&self) -> String {
        self.output
            .lock()
            .expect("output lock")
            .parser
            .screen()
            .contents()
    }

    /// Every byte the studio has written so far, escape sequences included.
    pub(crate) fn raw(&self) -> Vec<u8> {
        self.output.lock().expect("output lock").raw.clone()
    }

    pub(crate) fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).expect("write to the pty");
        self.writer.flush().expect("flush the pty");
    }

    /// Polls the parsed screen until `cond` holds; panics with the screen after [`STEP`].
    pub(crate) fn wait_for(&self, what: &str, cond: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if cond(&screen) {
                return screen;
            }
            if start.elapsed() > STEP {
                panic!(
                    "timed out after {STEP:?} waiting for {what}; the screen:\n{}\n{}",
                    screen,
                    "-".repeat(COLS as usize)
                );
            }
            std::thread::sleep(POLL);
        }
    }

    /// Waits for the child to exit; kills it (and panics with the screen) after [`STEP`].
    pub(crate) fn wait_exit(&mut self) -> portable_pty::ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            if start.elapsed() > STEP {
                let _ = self.child.kill();
                panic!(
                    "cxda did not exit within {STEP:?} of Ctrl+Q; the screen:\n{}",
                    self.screen()
                );
            }
            std::thread::sleep(POLL);
        }
    }

    /// Sends Ctrl+Q and returns how long the process took to be gone (its status polled
    /// every millisecond) and its exit status; panics after [`STEP`].
    pub(crate) fn timed_quit(&mut self) -> (Duration, portable_pty::ExitStatus) {
        let sent = Instant::now();
        self.send(CTRL_Q);
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return (sent.elapsed(), status);
            }
            if sent.elapsed() > STEP {
                let _ = self.child.kill();
                panic!(
                    "cxda did not exit within {STEP:?} of Ctrl+Q:\n{}",
                    self.screen()
                );
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Waits (bounded) until the reader has parsed everything the exited child wrote.
    pub(crate) fn drain(&self) {
        let start = Instant::now();
        while !self.output.lock().expect("output lock").closed && start.elapsed() < STEP {
            std::thread::sleep(POLL);
        }
    }

    /// True once the terminal is back on the main screen (after [`Session::drain`]).
    pub(crate) fn restored(&self) -> bool {
        self.drain();
        !self
            .output
            .lock()
            .expect("output lock")
            .parser
            .screen()
            .alternate_screen()
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // A failed step must not leave the binary running.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The text of the Checks pane: from its title down to the bottom of its box, cut at the
/// box's left edge (so the payload text on the left cannot satisfy a check by accident).
fn checks_pane(screen: &str) -> String {
    let mut lines = screen.lines();
    let Some((title, col)) = lines.by_ref().find_map(|line| {
        let at = line.find("Checks")?;
        // The box's corner is two characters before the title (`┌ Checks`).
        let col = line[..at].chars().count().saturating_sub(2);
        Some((line, col))
    }) else {
        return String::new();
    };
    let mut out: String = title.chars().skip(col).collect();
    out.push('\n');
    for line in lines {
        let right: String = line.chars().skip(col).collect();
        if right.starts_with('└') || right.starts_with('┗') {
            break;
        }
        out.push_str(&right);
        out.push('\n');
    }
    out
}

#[test]
fn studio_checks_submits_shows_history_quits_and_restores_the_terminal() {
    let home = tempfile::tempdir().expect("temp home");
    let data = tempfile::tempdir().expect("temp data dir");
    let data_dir = data.path().join("cxda");
    let mut session = Session::start(home.path(), &data_dir);

    // 1. The first frame: the editor with the template, the Checks pane, the status bar.
    session.wait_for("the first frame (Payload, Checks, SANDBOX)", |s| {
        s.contains("Payload") && s.contains("Checks") && s.contains("SANDBOX")
    });
    session.wait_for("the template's clean checks", |s| {
        checks_pane(s).contains("no problems")
    });
    // The sandbox comes up alongside the first frame; submit only once it is ready.
    session.wait_for("the embedded sandbox ready (token state)", |s| {
        s.contains("token:") && !s.contains("sandbox starting")
    });

    // 2. Live checks: break the JSON at 1:1, see the error with its line:col, then fix it.
    session.send(b"x");
    session.wait_for("the syntax error at 1:1 in the Checks pane", |s| {
        let checks = checks_pane(s);
        checks.contains("1:1") && checks.contains("error") && !checks.contains("no problems")
    });
    session.send(BACKSPACE);
    session.wait_for("the checks clean again after the fix", |s| {
        let checks = checks_pane(s);
        checks.contains("no problems") && !checks.contains("error")
    });

    // 3. F5: confirm if the profile asks, then the created result in the attempts pane.
    session.send(F5);
    let screen = session.wait_for("the created result or a confirmation", |s| {
        s.contains("created 201") || s.contains("Confirm submit")
    });
    if screen.contains("Confirm submit") && !screen.contains("created 201") {
        session.send(b"y");
    }
    session.wait_for("`created 201` in the Attempts pane", |s| {
        s.contains("Attempts") && s.contains("created 201")
    });

    // 4. F2: the history, with the record's action name and outcome on a row.
    session.send(F2);
    session.wait_for("the History view with the created record", |s| {
        s.contains("History")
            && s.lines()
                .any(|l| l.contains("FetchExternalInventory") && l.contains("created"))
    });

    // 5. Ctrl+Q from the history view: exit status 0.
    session.send(CTRL_Q);
    let status = session.wait_exit();
    assert!(
        status.success(),
        "cxda exited with {status:?}; the screen:\n{}",
        session.screen()
    );

    // The reader drains what the child wrote before it exited.
    session.drain();
    {
        let out = session.output.lock().expect("output lock");
        assert!(
            !out.parser.screen().alternate_screen(),
            "the terminal was left on the alternate screen:\n{}",
            out.parser.screen().contents()
        );
        assert!(
            out.raw
                .windows(LEAVE_ALTERNATE_SCREEN.len())
                .any(|w| w == LEAVE_ALTERNATE_SCREEN),
            "cxda never wrote the leave-alternate-screen sequence"
        );
    }

    // 6. The audit file: exactly one record, created.
    let audit_path = data_dir.join("audit.jsonl");
    let audit = std::fs::read_to_string(&audit_path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", audit_path.display()));
    let records: Vec<serde_json::Value> = audit
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("an audit line is JSON"))
        .collect();
    assert_eq!(records.len(), 1, "one audit record expected:\n{audit}");
    assert_eq!(records[0]["outcome"], "created", "{audit}");
    assert_eq!(
        records[0]["action_name"], "FetchExternalInventory",
        "{audit}"
    );
    assert_eq!(records[0]["status"], 201, "{audit}");
}

/// The second row of the screen: the editor's first line.
fn first_text_row(screen: &str) -> String {
    screen.lines().nth(1).unwrap_or_default().to_string()
}

#[test]
fn a_one_line_payload_over_the_body_limit_opens_says_so_and_takes_typing_at_its_end() {
    let home = tempfile::tempdir().expect("temp home");
    let data = tempfile::tempdir().expect("temp data dir");
    // 2 MB of JSON on one line, far past column 65,535, where the viewport used to stop.
    let file = home.path().join("one-line.json");
    let text = format!(
        "{{\"name\":\"Big\",\"description\":\"{}\",\"tags\":[\"end\"]}}",
        "abc é ".repeat(350_000)
    );
    std::fs::write(&file, &text).expect("write the payload");
    let mut session = Session::open(home.path(), &data.path().join("cxda"), Some(&file));

    session.wait_for("the limit stated in the status bar", |s| {
        s.contains("SANDBOX") && s.contains("over the API's 1 MiB body limit")
    });
    session.send(b"\x1b[F");
    session.wait_for("the end of the line in view after End", |s| {
        first_text_row(s).contains("[\"end\"]}")
    });
    session.send(b"x");
    session.wait_for("the x typed at the end", |s| {
        first_text_row(s).contains("[\"end\"]}x")
    });
    session.send(BACKSPACE);
    session.wait_for("the x erased", |s| {
        let row = first_text_row(s);
        row.contains("[\"end\"]}") && !row.contains("}x")
    });
    session.send(CTRL_Q);
    let status = session.wait_exit();
    assert!(status.success(), "cxda exited with {status:?}");
}

#[test]
fn on_sandbox_genesys_the_studio_opens_the_genesys_template_and_f5_drafts_validates_and_publishes()
{
    let home = tempfile::tempdir().expect("temp home");
    let data = tempfile::tempdir().expect("temp data dir");
    let data_dir = data.path().join("cxda");
    let mut session = Session::with_profile(home.path(), &data_dir, "sandbox-genesys");

    session.wait_for("the genesys template, the dialect in the status bar", |s| {
        s.contains("\"category\"") && s.contains("SANDBOX") && s.contains("genesys-cloud")
    });
    session.wait_for("the template's clean checks", |s| {
        checks_pane(s).contains("no problems")
    });
    session.wait_for("the embedded sandbox ready (token state)", |s| {
        s.contains("token:") && !s.contains("sandbox starting")
    });
    session.send(F5);
    session.wait_for("the three steps and the created action", |s| {
        s.contains("draft 200")
            && s.contains("validation 200")
            && s.contains("publish 200")
            && s.contains("created 200")
    });
    session.send(CTRL_Q);
    let status = session.wait_exit();
    assert!(status.success(), "cxda exited with {status:?}");

    let audit = std::fs::read_to_string(data_dir.join("audit.jsonl")).expect("audit file");
    let record: serde_json::Value =
        serde_json::from_str(audit.lines().next().expect("one record")).expect("json");
    assert_eq!(record["outcome"], "created", "{audit}");
    assert_eq!(record["api"], "genesys-cloud", "{audit}");
    let steps: Vec<&str> = record["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| s["name"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(steps, ["draft", "validation", "publish"], "{audit}");
    assert!(record["remote_id"].is_string(), "{audit}");
}

#[test]
fn f4_lists_the_action_just_created_enter_opens_it_and_f5_pushes_it() {
    let home = tempfile::tempdir().expect("temp home");
    let data = tempfile::tempdir().expect("temp data dir");
    let mut session = Session::start(home.path(), &data.path().join("cxda"));
    session.wait_for("the embedded sandbox ready (token state)", |s| {
        s.contains("token:") && !s.contains("sandbox starting")
    });
    session.send(F5);
    let screen = session.wait_for("the created result or a confirmation", |s| {
        s.contains("created 201") || s.contains("Confirm submit")
    });
    if screen.contains("Confirm submit") && !screen.contains("created 201") {
        session.send(b"y");
    }
    session.wait_for("`created 201`", |s| s.contains("created 201"));

    // F4: the server's list, with the action on a row and its count.
    session.send(F4);
    session.wait_for("the Remote view listing the created action", |s| {
        s.contains("Remote")
            && s.contains("1 action")
            && s.lines()
                .any(|l| l.contains("> FetchExternalInventory") && l.contains("REST"))
    });
    // Enter: the action as `cxda pull` writes it, its id and version at the top level.
    session.send(ENTER);
    session.wait_for("the pulled action in the editor", |s| {
        s.contains("Payload")
            && s.contains("\"id\": \"")
            && s.contains("\"version\": 1")
            && s.contains("opened FetchExternal")
    });

    // F5 on the opened action pushes it: equal to the server's, so nothing is sent.
    session.send(F5);
    session.wait_for("`unchanged` on the status line", |s| {
        s.contains("unchanged: equal to")
    });
    // An edit (the name gets a `2`: line 2 is `"name": "…",`), then F5 updates it: the same
    // id, version 2, written back into the editor.
    for keys in [DOWN, END, LEFT, LEFT, b"2".as_slice()] {
        session.send(keys);
    }
    session.wait_for("the edited name", |s| s.contains("FetchExternalInventory2"));
    session.send(F5);
    // (The status line is cut at 120 columns; the attempts panel says it in full.)
    session.wait_for(
        "`updated 200`, version 2, written back into the editor",
        |s| s.contains("updated 200") && s.contains("· version 2") && s.contains("\"version\": 2"),
    );
    // Ctrl+D: the editor against the server, equal now.
    session.send(CTRL_D);
    session.wait_for("the diff view saying equal", |s| {
        s.contains("Diff against the server") && s.contains("editor: equal to")
    });
    session.send(ESC);
    session.send(CTRL_Q);
    let status = session.wait_exit();
    assert!(status.success(), "cxda exited with {status:?}");
}

/// A cxone-v2 action `StockProbe` on `url`, written to `home/stock.json`.
fn stock_probe(home: &Path, url: &str) -> std::path::PathBuf {
    let file = home.join("stock.json");
    let payload = serde_json::json!({
        "name": "StockProbe",
        "type": "REST",
        "configuration": {"method": "GET", "url": url, "timeout": 90000},
        "enabled": true
    });
    std::fs::write(&file, payload.to_string()).expect("write the payload");
    file
}

#[test]
fn f6_tests_the_action_locally_against_its_target_and_the_record_is_in_the_history() {
    let target = crate::target_common::Target::http();
    let addr = target.addr;
    let home = tempfile::tempdir().expect("temp home");
    let data = tempfile::tempdir().expect("temp data dir");
    let data_dir = data.path().join("cxda");
    let file = stock_probe(home.path(), &format!("http://{addr}/stock"));
    let mut session = Session::open(home.path(), &data_dir, Some(&file));
    session.wait_for("the embedded sandbox ready (token state)", |s| {
        s.contains("token:") && !s.contains("sandbox starting")
    });

    session.send(F6);
    session.wait_for("the Test pane on the action, its input `{}`", |s| {
        s.contains("Test · StockProbe · runs locally") && s.contains("Ctrl+R run")
    });
    session.send(CTRL_R);
    session.wait_for("the passed run, its steps and the target's answer", |s| {
        s.contains("✓ passed · ")
            && s.contains("ran locally")
            && s.contains("✓ Execute request")
            && s.contains("\"qty\": 7")
    });
    // Esc closes the pane (nothing runs); F2 lists the run's record.
    session.send(ESC);
    // (A lone ESC followed at once by F2's `ESC O Q` would read as one sequence.)
    session.wait_for("the editor again", |s| {
        s.contains("Payload") && !s.contains("Steps and result")
    });
    session.send(F2);
    session.wait_for("the History view with the passed test", |s| {
        s.contains("History") && s.contains("passed") && s.contains("StockProbe")
    });
    session.send(CTRL_Q);
    let status = session.wait_exit();
    assert!(status.success(), "cxda exited with {status:?}");

    let audit = std::fs::read_to_string(data_dir.join("audit.jsonl")).expect("audit file");
    let record: serde_json::Value =
        serde_json::from_str(audit.lines().next().expect("one record")).expect("json");
    assert_eq!(record["operation"], "test", "{audit}");
    assert_eq!(record["outcome"], "passed", "{audit}");
}

#[test]
fn esc_cancels_a_test_run_in_flight_and_the_pane_says_so() {
    let target = crate::target_common::Target::http();
    let addr = target.addr;
    let home = tempfile::tempdir().expect("temp home");
    let data = tempfile::tempdir().expect("temp data dir");
    let data_dir = data.path().join("cxda");
    let file = stock_probe(home.path(), &format!("http://{addr}/slow"));
    let mut session = Session::open(home.path(), &data_dir, Some(&file));
    session.wait_for("the embedded sandbox ready (token state)", |s| {
        s.contains("token:") && !s.contains("sandbox starting")
    });
    session.send(F6);
    session.wait_for("the Test pane", |s| s.contains("Test · StockProbe"));
    session.send(CTRL_R);
    session.wait_for("the run in flight", |s| {
        s.contains("running locally… (Esc cancels)")
    });
    session.send(ESC);
    session.wait_for("the run cancelled, the pane still open", |s| {
        s.contains("cancelled · ") && s.contains("ran locally") && s.contains("Steps and result")
    });
    session.send(CTRL_Q);
    let status = session.wait_exit();
    assert!(status.success(), "cxda exited with {status:?}");
    let audit = std::fs::read_to_string(data_dir.join("audit.jsonl")).expect("audit file");
    let record: serde_json::Value =
        serde_json::from_str(audit.lines().next().expect("one record")).expect("json");
    assert_eq!(record["operation"], "test", "{audit}");
    assert_eq!(record["outcome"], "cancelled", "{audit}");
}
