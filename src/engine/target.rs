//! The one request of a local test run, sent to the action's own target with the rules the
//! executor keeps for the platform (docs/test-runs.md, The request):
//! - the profile's client: its TLS (rustls, TLS ≥ 1.2, the platform's roots plus
//!   `ca_cert`), its proxy, connection reuse; plain http only to a loopback host;
//! - the action's timeout over the whole exchange, redirects included, the body read up to
//!   [`super::MAX_RESPONSE_BYTES`];
//! - redirects decided hop by hop by `redirect::decide`: 307/308 followed; 301/302 refused
//!   for a request with a body (following would drop it); for a request without one (GET,
//!   DELETE) they and 303 are followed as 307 would be; 303 after a body is fetched with a
//!   GET, as RFC 9110 §15.4.4 says. A header holding a secret (or named like one) is not
//!   carried to another origin, and a body holding one is not sent there at all: such a
//!   redirect is refused;
//! - no retry: a test shows what one call does;
//! - cancellable at every await.
//!
//! Error texts and the redirects recorded name the URL as shown, with every secret as sent
//! `[redacted]` ([`Prepared::hide`]).

use std::time::{Duration, Instant};

use reqwest::{Client, Method, Url};
use tokio_util::sync::CancellationToken;

use super::client::{check_transport, error_chain};
use super::redirect::{self, RedirectDecision};
use super::request::same_origin;
use super::response;
use crate::audit::Redirect;
use crate::runner::{Prepared, PreparedHeader, Run, RunReport, SendFailure, TargetAnswer};

/// What sending gave: the answer or why none came, the redirects met, and how long it took.
#[derive(Debug)]
pub struct Sent {
    pub result: Result<TargetAnswer, SendFailure>,
    pub redirects: Vec<Redirect>,
    pub latency_ms: u64,
}

/// A whole run: what `cxda test --local` and the sandbox's test endpoints both do.
#[derive(Debug)]
pub struct RunOutcome {
    pub report: RunReport,
    /// The request, when the templates resolved.
    pub prepared: Option<Prepared>,
    /// What sending it gave, when it was sent.
    pub sent: Option<Sent>,
}

/// Runs `run` to its end: prepares the request, sends it on `client` with `marker` added
/// (a header naming who sends, such as the sandbox's loop guard), finishes the steps.
pub async fn run_once(
    client: &Client,
    mut run: Run<'_>,
    marker: Option<(&str, &str)>,
    cancel: &CancellationToken,
) -> RunOutcome {
    let prepared = run.prepare().map(|mut prepared| {
        if let Some((name, value)) = marker {
            prepared.headers.push(PreparedHeader {
                name: name.to_string(),
                value: value.to_string(),
                shown: value.to_string(),
                secret: false,
            });
        }
        prepared
    });
    let sent = match &prepared {
        Some(prepared) => Some(send(client, prepared, cancel).await),
        None => None,
    };
    // A run whose templates failed has its report already; the result given is not read.
    let result = sent
        .as_ref()
        .map_or(Err(SendFailure::Cancelled), |s| s.result.clone());
    RunOutcome {
        report: run.finish(result),
        prepared,
        sent,
    }
}

/// Sends `prepared` and reads the answer.
pub async fn send(client: &Client, prepared: &Prepared, cancel: &CancellationToken) -> Sent {
    let started = Instant::now();
    let mut redirects = Vec::new();
    let result = follow(client, prepared, cancel, &mut redirects).await;
    Sent {
        result,
        redirects,
        latency_ms: started.elapsed().as_millis() as u64,
    }
}

async fn follow(
    client: &Client,
    prepared: &Prepared,
    cancel: &CancellationToken,
    redirects: &mut Vec<Redirect>,
) -> Result<TargetAnswer, SendFailure> {
    let shown = &prepared.url_shown;
    let hide = |text: &str| prepared.hide(text);
    let deadline = Instant::now() + prepared.timeout;
    let first = Url::parse(prepared.url.trim())
        .map_err(|e| SendFailure::Refused(format!("{shown} is not a URL: {e}")))?;
    check_transport(&first).map_err(|reason| SendFailure::Refused(hide(&reason)))?;
    let mut method = Method::from_bytes(prepared.method.as_bytes()).map_err(|_| {
        SendFailure::Refused(format!("{:?} is not an HTTP method", prepared.method))
    })?;
    let mut body = prepared.body.clone();
    // A 303 turned the request into a GET: the body's `Content-Type` goes with the body.
    let mut body_dropped = false;
    let mut url = first.clone();
    let mut visited = vec![first.clone()];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(SendFailure::Timeout(format!(
                "no answer within the action's timeout of {} (redirects included)",
                duration_text(prepared.timeout)
            )));
        }
        let mut request = client.request(method.clone(), url.clone()).timeout(left);
        let cross_origin = !same_origin(&first, &url);
        for header in &prepared.headers {
            let dropped = (cross_origin && header.secret)
                || (body_dropped && header.name.eq_ignore_ascii_case("content-type"));
            if dropped {
                continue;
            }
            request = request.header(&header.name, &header.value);
        }
        if let Some(body) = &body {
            request = request.body(body.clone());
        }
        let response = tokio::select! {
            () = cancel.cancelled() => return Err(SendFailure::Cancelled),
            sent = request.send() => sent,
        };
        let response = match response {
            Ok(r) => r,
            Err(e) if e.is_timeout() => {
                return Err(SendFailure::Timeout(format!(
                    "no answer from {} within the action's timeout of {}",
                    hide(url.as_str()),
                    duration_text(prepared.timeout)
                )));
            }
            Err(e) if e.is_builder() => {
                return Err(SendFailure::Refused(hide(&error_chain(&e.without_url()))));
            }
            Err(e) => {
                return Err(SendFailure::Unreachable(format!(
                    "{}: {}",
                    hide(url.as_str()),
                    hide(&error_chain(&e.without_url()))
                )));
            }
        };
        let answer = tokio::select! {
            () = cancel.cancelled() => return Err(SendFailure::Cancelled),
            answer = response::read(response) => answer,
        };
        if let Some(error) = &answer.body_error {
            if error.contains("timed out") || error.contains("timeout") {
                return Err(SendFailure::Timeout(format!(
                    "the answer did not finish within the action's timeout of {}",
                    duration_text(prepared.timeout)
                )));
            }
            return Err(SendFailure::Unreachable(format!(
                "the answer broke off: {}",
                hide(error)
            )));
        }
        if !(300..400).contains(&answer.status) || answer.status == 304 {
            return Ok(TargetAnswer {
                status: answer.status,
                body: answer.body.to_vec(),
                cut: answer.cut,
            });
        }
        let has_body = body.is_some();
        // Without a body nothing can be dropped, so 301/302/303 are as safe as 307.
        let judged = match answer.status {
            301 | 302 if !has_body => 307,
            303 => 307,
            other => other,
        };
        let decision = redirect::decide_as(
            judged,
            answer.status,
            answer.location.as_deref(),
            &url,
            &visited,
            redirects.len(),
        );
        let to = match &decision {
            RedirectDecision::Follow(next) => next.to_string(),
            RedirectDecision::SeeOther(to) | RedirectDecision::Refuse { to, .. } => to.clone(),
        };
        redirects.push(Redirect {
            status: answer.status,
            from: hide(url.as_str()),
            to: hide(&to),
        });
        match decision {
            RedirectDecision::Follow(next)
                if prepared.body_secret && !same_origin(&first, &next) =>
            {
                return Err(SendFailure::Refused(format!(
                    "the target redirected ({}) to another origin, {}; not followed, since the body holds a secret",
                    answer.status,
                    hide(next.as_str())
                )));
            }
            RedirectDecision::Follow(next) => {
                if answer.status == 303 && body.is_some() {
                    method = Method::GET;
                    body = None;
                    body_dropped = true;
                }
                visited.push(next.clone());
                url = next;
            }
            // Not answered for a 303, which is judged as a 307 above; refused should that
            // ever change.
            RedirectDecision::SeeOther(to) => {
                return Err(SendFailure::Refused(format!(
                    "the target answered 303 See Other to {}",
                    hide(&to)
                )));
            }
            RedirectDecision::Refuse { error, .. } => {
                return Err(SendFailure::Refused(hide(&error)));
            }
        }
    }
}

/// `1 s`, `1.5 s`, `500 ms`, `1234 ms`.
fn duration_text(duration: Duration) -> String {
    let ms = duration.as_millis();
    if ms < 1000 || !ms.is_multiple_of(100) {
        format!("{ms} ms")
    } else if ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else {
        format!("{:.1} s", duration.as_secs_f64())
    }
}
