//! `cxda sandbox` through the real binary: the listening line with the bound port, the CA
//! file over TLS, real requests against it, and a clean stop on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

struct Running {
    child: Child,
    lines: std::io::Lines<BufReader<ChildStdout>>,
}

impl Running {
    fn start(args: &[&str]) -> Running {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cxda"))
            .arg("sandbox")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn cxda sandbox");
        let stdout = child.stdout.take().expect("piped stdout");
        Running {
            child,
            lines: BufReader::new(stdout).lines(),
        }
    }

    /// The next stdout line; the read blocks, and the child is killed on drop if it hangs
    /// past the test harness's own timeout.
    fn line(&mut self) -> String {
        self.lines.next().expect("a line").expect("utf-8 line")
    }

    fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("run kill");
        assert!(sent.success());
        for _ in 0..200 {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        let _ = self.child.kill();
        panic!("cxda sandbox did not stop within 5 s of SIGTERM");
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

#[test]
fn prints_the_bound_port_serves_it_and_stops_on_sigterm() {
    let mut sandbox = Running::start(&["--addr", "127.0.0.1:0", "--rate-limit", "off"]);
    let line = sandbox.line();
    let base = line
        .strip_prefix("sandbox listening on ")
        .expect("listening line");
    assert!(base.starts_with("http://127.0.0.1:"), "{line}");
    assert_ne!(base, "http://127.0.0.1:0", "the real port is printed");
    let status = runtime().block_on(async {
        cxda::init_tls();
        let client = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("client");
        let response = client
            .post(format!("{base}/oauth/token"))
            .basic_auth("sandbox", Some("sandbox-secret"))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .expect("token request");
        response.status()
    });
    assert_eq!(status, 200);
    let exit = sandbox.terminate();
    assert_eq!(exit.code(), Some(0), "a stop on SIGTERM is a normal end");
}

#[test]
fn with_tls_prints_the_ca_path_and_serves_https_trusting_it() {
    let mut sandbox = Running::start(&["--addr", "127.0.0.1:0", "--tls"]);
    let line = sandbox.line();
    let base = line
        .strip_prefix("sandbox listening on ")
        .expect("listening line")
        .to_string();
    assert!(base.starts_with("https://127.0.0.1:"), "{line}");
    let ca_line = sandbox.line();
    let ca_path = ca_line
        .strip_prefix("ca certificate: ")
        .expect("ca line")
        .to_string();
    let pem =
        std::fs::read_to_string(&ca_path).expect("the CA file exists when its line is printed");
    assert!(pem.contains("BEGIN CERTIFICATE"));
    let (trusted, untrusted) = runtime().block_on(async {
        cxda::init_tls();
        let ca = reqwest::Certificate::from_pem(pem.as_bytes()).expect("CA parses");
        let trusting = reqwest::Client::builder()
            .no_proxy()
            .tls_certs_only([ca])
            .build()
            .expect("client");
        let trusted = trusting
            .get(format!("{base}/_sandbox/stats"))
            .send()
            .await
            .map(|r| r.status());
        let plain = reqwest::Client::builder()
            .no_proxy()
            .tls_certs_only([])
            .build()
            .expect("client");
        let untrusted = plain.get(format!("{base}/_sandbox/stats")).send().await;
        (trusted, untrusted)
    });
    assert_eq!(trusted.expect("https with the CA"), 200);
    assert!(untrusted.is_err(), "a client without the CA is refused");
    assert_eq!(sandbox.terminate().code(), Some(0));
    assert!(
        !std::path::Path::new(&ca_path).exists(),
        "the CA file is removed on exit"
    );
}

#[test]
fn a_bad_flag_value_is_a_usage_error() {
    for args in [
        ["--rate-limit", "5/fortnight"],
        ["--error-rate", "1.5"],
        ["--redirect", "304"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_cxda"))
            .arg("sandbox")
            .args(args)
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(args[1]),
            "{args:?}"
        );
    }
}

#[test]
fn an_address_in_use_exits_two_naming_it() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_cxda"))
        .args(["sandbox", "--addr", &addr])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(&addr));
}
