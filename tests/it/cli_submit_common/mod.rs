//! Helpers shared by the `cli_submit*` and `cli_audit*` tests: a private workspace (config
//! file, data dir, payload files) that keeps the developer's own config and data out, the
//! real binary, and an in-process sandbox on `127.0.0.1:0` that a config profile points at.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use cxda::sandbox::{Faults, Sandbox, SandboxConfig, SandboxHandle, StatsSnapshot};
use serde_json::Value;

/// A temp dir holding `config.toml` (empty unless written), `data/` and payload files.
pub struct Workspace {
    pub dir: tempfile::TempDir,
}

impl Workspace {
    pub fn new() -> Workspace {
        let ws = Workspace {
            dir: tempfile::tempdir().expect("tempdir"),
        };
        ws.write_config("");
        ws
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn data_dir(&self) -> PathBuf {
        self.path().join("data")
    }

    pub fn config_path(&self) -> PathBuf {
        self.path().join("config.toml")
    }

    /// Writes the config file, mode 0600 (literal secrets in it are allowed then).
    pub fn write_config(&self, text: &str) {
        let path = self.config_path();
        std::fs::write(&path, text).expect("write config");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                .expect("chmod 600");
        }
    }

    /// A profile `t` (the default) pointing at `sandbox`, plus any extra TOML lines for it.
    pub fn use_sandbox(&self, sandbox: &SandboxHandle, extra: &str) {
        let base = sandbox.base_url();
        self.write_config(&format!(
            "default_profile = \"t\"\n\n[profiles.t]\n\
             token_url = \"{base}/oauth/token\"\n\
             api_base_url = \"{base}\"\n\
             client_id = \"sandbox\"\n\
             client_secret = \"sandbox-secret\"\n\
             rate_limit = \"off\"\n{extra}\n"
        ));
    }

    /// Writes a payload file and returns its path as a string.
    pub fn file(&self, name: &str, text: &str) -> String {
        let path = self.path().join(name);
        std::fs::write(&path, text).expect("write payload");
        path.to_str().expect("utf-8 path").to_string()
    }

    /// A valid payload named `action` in `name`.
    pub fn payload(&self, name: &str, action: &str) -> String {
        self.file(name, &payload(action))
    }

    /// `cxda` with this workspace's config and data dir and nothing from the environment
    /// that could pick another profile or dir.
    pub fn cxda(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_cxda"));
        command
            .env("CXDA_CONFIG", self.config_path())
            .env_remove("CXDA_PROFILE")
            .env_remove("CXDA_DATA_DIR")
            .env_remove("CXONE_CLIENT_ID")
            .env_remove("CXONE_CLIENT_SECRET")
            .env_remove("HTTPS_PROXY")
            .env_remove("https_proxy")
            .env_remove("HTTP_PROXY")
            .env_remove("http_proxy")
            .arg("--data-dir")
            .arg(self.data_dir())
            .stdin(Stdio::null());
        command
    }

    pub fn run(&self, args: &[&str]) -> Output {
        run_bounded(self.cxda().args(args), Duration::from_secs(60))
    }

    /// `cxda audit list --json --limit 10000`, parsed; panics on a line that is not a record.
    pub fn audit_records(&self) -> Vec<Value> {
        let out = self.run(&["audit", "list", "--json", "--limit", "10000"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        stdout(&out)
            .lines()
            .map(|line| serde_json::from_str(line).expect("a JSON record per line"))
            .collect()
    }
}

pub fn payload(action: &str) -> String {
    format!(
        r#"{{
  "name": "{action}",
  "type": "REST",
  "configuration": {{
    "method": "GET",
    "url": "https://inventory.example.com/stock",
    "headers": {{ "X-API-Key": "{{{{key}}}}" }}
  }}
}}"#
    )
}

/// A payload that fails the schema: `type` is not `REST`.
pub const SCHEMA_ERROR: &str = r#"{
  "name": "broken",
  "type": "SOAP",
  "configuration": { "method": "GET", "url": "https://x.example.com" }
}"#;

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs a command to its end, killing it if it outlives `limit`.
pub fn run_bounded(command: &mut Command, limit: Duration) -> Output {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn cxda");
    let out = drain(child.stdout.take());
    let err = drain(child.stderr.take());
    let status = wait_bounded(&mut child, limit);
    Output {
        status,
        stdout: out.recv_timeout(limit).unwrap_or_default(),
        stderr: err.recv_timeout(limit).unwrap_or_default(),
    }
}

fn drain(pipe: Option<impl Read + Send + 'static>) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut buf);
        }
        let _ = tx.send(buf);
    });
    rx
}

pub fn wait_bounded(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("cxda did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Lines of a child's pipe, delivered through a channel so a test can wait with a timeout.
pub fn line_channel(pipe: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Sends `signal` (`INT`, `KILL`, …) to a process with the `kill` command.
pub fn send_signal(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(child.id().to_string())
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -{signal} failed");
}

/// An in-process sandbox on a free loopback port, served by its own runtime (the test
/// thread is busy running the binary).
pub struct TestSandbox {
    pub handle: SandboxHandle,
    _runtime: tokio::runtime::Runtime,
}

impl TestSandbox {
    pub fn start(faults: Faults) -> TestSandbox {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let handle = runtime
            .block_on(Sandbox::start(SandboxConfig {
                faults,
                ..SandboxConfig::default()
            }))
            .expect("the sandbox starts");
        TestSandbox {
            handle,
            _runtime: runtime,
        }
    }

    /// No faults, no rate limit.
    pub fn plain() -> TestSandbox {
        TestSandbox::start(Faults::off())
    }

    pub fn stats(&self) -> StatsSnapshot {
        self.handle.stats()
    }
}
