//! One read (`GET`) of the server, with the engine's machinery: the profile's client and
//! extra headers, the shared token (one refresh after a 401), the pacer, and retries of
//! 429/503 and transport failures (with `Retry-After` or backoff, up to `max_retries`; a GET
//! is safe to repeat). Redirects are not followed: a read is answered where it is asked.
//! Nothing is recorded: only remote changes get an audit record.

use std::time::{Instant, SystemTime};

use reqwest::{Method, Url};
use tokio_util::sync::CancellationToken;

use super::ReadError;
use crate::engine::Inner;
use crate::engine::auth::AccessToken;
use crate::engine::client::{TransportFailure, classify, error_chain};
use crate::engine::request::{Credentials, HeaderSpec, build_request};
use crate::engine::response::{self, Answer};
use crate::engine::retry::{RetryAfter, backoff, deadline_after, retry_after, wait_until};

/// Reads `url`; the 2xx answer, or why there is none (a 4xx is [`ReadError::Refused`]).
pub(super) async fn get(
    engine: &Inner,
    url: &Url,
    correlation_id: &str,
    cancel: &CancellationToken,
) -> Result<Answer, ReadError> {
    let profile = &engine.profile;
    let mut token = race(cancel, engine.tokens.token())
        .await?
        .map_err(|e| ReadError::Failed(format!("cannot get an access token: {e}")))?;
    let mut refreshed = false;
    let mut retries: u32 = 0;
    loop {
        let spec = HeaderSpec {
            idempotency_key: false,
            ..HeaderSpec::of(profile, correlation_id)
        };
        let request = build_request(
            spec,
            Method::GET,
            url,
            Credentials::Bearer(token.expose()),
            None,
        );
        if let Err(over) = request.budget(profile.header_budget_bytes).check() {
            return Err(ReadError::Failed(over.to_string()));
        }
        let outgoing = request
            .to_reqwest(&engine.client)
            .map_err(|e| ReadError::Failed(format!("cannot build the request: {e}")))?;
        pace(engine, cancel).await?;
        let sent_at = Instant::now();
        let client = engine.client.clone();
        let result = race(cancel, async move {
            match client.execute(outgoing).await {
                Ok(answer) => Ok(response::read(answer).await),
                Err(e) => Err(e),
            }
        })
        .await?;
        let answer = match result {
            Ok(answer) => answer,
            Err(error) => {
                let text = error_chain(&error);
                if matches!(classify(&error), TransportFailure::Certificate) {
                    let host = url.host_str().unwrap_or_default();
                    return Err(ReadError::Failed(format!(
                        "TLS: the certificate of {host} is not trusted (if this server is yours, set ca_cert in the profile to its CA): {text}"
                    )));
                }
                give_up_after(engine, retries, &text)?;
                sleep(backoff(retries).min(profile.max_wait), cancel).await?;
                retries += 1;
                continue;
            }
        };
        if let Some(rate) = &answer.rate {
            engine.pacer.observe(sent_at, rate);
        }
        let status = answer.status;
        match status {
            200..=299 => return Ok(answer),
            401 if !refreshed => {
                refreshed = true;
                token = refresh(engine, &token, cancel).await?;
            }
            429 | 503 => {
                let reason = response::reason_for(profile.api, status, &answer.body);
                give_up_after(
                    engine,
                    retries,
                    &format!("the server answered {status} ({reason})"),
                )?;
                let wait = match requested_wait(engine, &answer)? {
                    Some(wait) => wait,
                    None => backoff(retries).min(profile.max_wait),
                };
                sleep(wait, cancel).await?;
                retries += 1;
            }
            400..=499 => {
                return Err(ReadError::Refused {
                    status,
                    reason: response::reason_for(profile.api, status, &answer.body),
                });
            }
            _ => {
                return Err(ReadError::Failed(format!(
                    "the server answered {status}: {}",
                    response::reason_for(profile.api, status, &answer.body)
                )));
            }
        }
    }
}

/// `Err` when no retry is left after `retries`.
fn give_up_after(engine: &Inner, retries: u32, what: &str) -> Result<(), ReadError> {
    let max = engine.profile.max_retries;
    if retries >= max {
        return Err(ReadError::Failed(format!(
            "gave up after {} attempts (max_retries = {max}): {what}",
            retries + 1
        )));
    }
    Ok(())
}

/// The wait a `Retry-After` asks for; over `max_wait` the read ends at once.
fn requested_wait(
    engine: &Inner,
    answer: &Answer,
) -> Result<Option<std::time::Duration>, ReadError> {
    let Some(raw) = answer.retry_after.as_deref() else {
        return Ok(None);
    };
    let max_wait = engine.profile.max_wait;
    match retry_after(raw, SystemTime::now(), Instant::now(), max_wait) {
        RetryAfter::Ignored => Ok(None),
        RetryAfter::TooLong { wait } => Err(ReadError::Failed(format!(
            "the server asked to wait {} s (Retry-After), more than max_wait_s = {} s; not waiting",
            wait.as_secs(),
            max_wait.as_secs()
        ))),
        RetryAfter::Wait { wait, until } => {
            engine.pacer.hold_until(until);
            Ok(Some(wait))
        }
    }
}

async fn refresh(
    engine: &Inner,
    rejected: &AccessToken,
    cancel: &CancellationToken,
) -> Result<AccessToken, ReadError> {
    race(cancel, engine.tokens.refresh_after_rejection(rejected))
        .await?
        .map_err(|e| {
            ReadError::Failed(format!(
                "the API rejected the token (401) and a new one could not be obtained: {e}"
            ))
        })
}

/// A send slot from the profile's pacer (shared with every other request of the profile).
async fn pace(engine: &Inner, cancel: &CancellationToken) -> Result<(), ReadError> {
    let max_wait = engine.profile.max_wait;
    let at = engine.pacer.reserve_within(max_wait).map_err(|too_long| {
        ReadError::Failed(format!(
            "the server's rate limit asks to wait {} s, over max_wait_s = {} s; not waiting",
            too_long.wait.as_secs(),
            max_wait.as_secs()
        ))
    })?;
    wait_until(at, cancel)
        .await
        .map_err(|_cancelled| ReadError::Cancelled)
}

async fn sleep(wait: std::time::Duration, cancel: &CancellationToken) -> Result<(), ReadError> {
    wait_until(deadline_after(Instant::now(), wait), cancel)
        .await
        .map_err(|_cancelled| ReadError::Cancelled)
}

/// `fut`, unless `cancel` comes first.
async fn race<T>(cancel: &CancellationToken, fut: impl Future<Output = T>) -> Result<T, ReadError> {
    tokio::select! {
        biased;
        () = cancel.cancelled() => Err(ReadError::Cancelled),
        value = fut => Ok(value),
    }
}
