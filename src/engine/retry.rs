//! How long to wait before the next attempt (docs/engine.md, Retries): the server's `Retry-After`
//! (delta-seconds or an HTTP-date, RFC 9110 §10.2.3) when it sent one, else exponential
//! backoff with full jitter (base 500 ms, cap 30 s), and the cancellable wait itself.

use std::time::{Duration, Instant, SystemTime};

use tokio_util::sync::CancellationToken;

pub const BACKOFF_BASE: Duration = Duration::from_millis(500);
pub const BACKOFF_CAP: Duration = Duration::from_secs(30);

/// The wait a `Retry-After` value asks for, measured from `now`. `None` when the value is
/// neither form (the header is then ignored and backoff applies). A date in the past is 0.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Absurdly long digit strings saturate rather than fail: they still mean "too long".
        return Some(Duration::from_secs(
            value.parse::<u64>().unwrap_or(u64::MAX),
        ));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

/// What a `Retry-After` asks of the executor, measured from one reading of each clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfter {
    /// Not a value the header can hold: ignored (backoff applies).
    Ignored,
    /// Wait `wait`, until `until`.
    Wait { wait: Duration, until: Instant },
    /// Longer than `max_wait` (or further than the monotonic clock can represent): not
    /// waited for, the submission fails naming `wait`.
    TooLong { wait: Duration },
}

/// Reads a `Retry-After` value at (`now_wall`, `now`) against the profile's `max_wait`.
pub fn retry_after(
    raw: &str,
    now_wall: SystemTime,
    now: Instant,
    max_wait: Duration,
) -> RetryAfter {
    let Some(wait) = parse_retry_after(raw, now_wall) else {
        return RetryAfter::Ignored;
    };
    if wait > max_wait {
        return RetryAfter::TooLong { wait };
    }
    // An absurd max_wait_s lets an absurd Retry-After through; `now + wait` would overflow.
    match now.checked_add(wait) {
        Some(until) => RetryAfter::Wait { wait, until },
        None => RetryAfter::TooLong { wait },
    }
}

/// `now + wait`, saturated: when the sum is past what the monotonic clock represents, the
/// furthest instant it does near there (such a wait never ends in practice; a cancel does).
pub fn deadline_after(now: Instant, wait: Duration) -> Instant {
    let mut wait = wait;
    loop {
        if let Some(until) = now.checked_add(wait) {
            return until;
        }
        wait /= 2;
    }
}

/// Full jitter (the AWS architecture blog's "Exponential Backoff and Jitter"): a uniform
/// random wait in `[0, min(cap, base · 2^retry)]`, so many clients that failed together do
/// not come back together. `retry` is 0 for the first retry.
pub fn backoff(retry: u32) -> Duration {
    let ceiling = backoff_ceiling(retry);
    let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
    Duration::from_millis(random_u64() % millis.saturating_add(1))
}

fn backoff_ceiling(retry: u32) -> Duration {
    let factor = 1u32.checked_shl(retry.min(31)).unwrap_or(u32::MAX);
    BACKOFF_BASE.saturating_mul(factor).min(BACKOFF_CAP)
}

fn random_u64() -> u64 {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        // No OS randomness: fall back to the clock's low bits, still spread enough to jitter.
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        return u64::from(nanos);
    }
    u64::from_le_bytes(bytes)
}

/// The submission was cancelled while it waited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled;

/// Sleeps until `until` unless `cancel` fires first.
pub async fn wait_until(until: Instant, cancel: &CancellationToken) -> Result<(), Cancelled> {
    tokio::select! {
        biased;
        () = cancel.cancelled() => Err(Cancelled),
        () = tokio::time::sleep_until(tokio::time::Instant::from_std(until)) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_in_seconds() {
        let now = SystemTime::now();
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
    }

    #[test]
    fn retry_after_as_http_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480);
        // Wed, 21 Oct 2015 07:28:00 GMT is now; 07:28:10 is ten seconds later.
        let wait = parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now);
        assert_eq!(wait, Some(Duration::from_secs(10)));
        let past = parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now);
        assert_eq!(past, Some(Duration::ZERO));
    }

    #[test]
    fn retry_after_garbage_is_ignored() {
        let now = SystemTime::now();
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
        assert_eq!(parse_retry_after("", now), None);
    }

    #[test]
    fn huge_retry_after_saturates() {
        let wait = parse_retry_after("99999999999999999999999", SystemTime::now());
        assert_eq!(wait, Some(Duration::from_secs(u64::MAX)));
    }

    #[test]
    fn an_absurd_retry_after_under_an_absurd_max_wait_is_too_long_not_a_panic() {
        let now = Instant::now();
        let asked = retry_after(
            "18446744073709551615",
            SystemTime::now(),
            now,
            Duration::MAX,
        );
        assert_eq!(
            asked,
            RetryAfter::TooLong {
                wait: Duration::from_secs(u64::MAX)
            }
        );
        assert!(deadline_after(now, Duration::MAX) >= now);
    }

    #[test]
    fn a_retry_after_within_max_wait_is_waited_for() {
        let now = Instant::now();
        let asked = retry_after("2", SystemTime::now(), now, Duration::from_secs(5));
        assert_eq!(
            asked,
            RetryAfter::Wait {
                wait: Duration::from_secs(2),
                until: now + Duration::from_secs(2)
            }
        );
        let asked = retry_after("6", SystemTime::now(), now, Duration::from_secs(5));
        assert_eq!(
            asked,
            RetryAfter::TooLong {
                wait: Duration::from_secs(6)
            }
        );
    }

    #[test]
    fn backoff_stays_under_the_exponential_ceiling_and_the_cap() {
        for retry in 0..40 {
            let ceiling = backoff_ceiling(retry);
            assert!(ceiling <= BACKOFF_CAP);
            for _ in 0..20 {
                assert!(backoff(retry) <= ceiling);
            }
        }
        assert_eq!(backoff_ceiling(0), BACKOFF_BASE);
        assert_eq!(backoff_ceiling(2), Duration::from_secs(2));
        assert_eq!(backoff_ceiling(10), BACKOFF_CAP);
    }

    #[tokio::test]
    async fn a_cancelled_wait_returns_at_once() {
        let cancel = CancellationToken::new();
        cancel.cancel();
        let start = Instant::now();
        let result = wait_until(Instant::now() + Duration::from_secs(30), &cancel).await;
        assert_eq!(result, Err(Cancelled));
        assert!(start.elapsed() < Duration::from_secs(1));
    }
}
