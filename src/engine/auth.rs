//! OAuth2 client credentials (RFC 6749 §4.4) for one profile: the token cache every
//! submission of the profile shares, refreshed before expiry (margin: the smaller of 5
//! minutes and half the lifetime), with exactly one token request in flight however many
//! submissions wait, and one shared refresh after the API rejects a token (a 401).
//!
//! The request itself (form, HTTP Basic per RFC 6749 §2.3.1, reading the answer) is in `exchange`;
//! the errors, worded for a person and free of secrets, are in `error`.
//!
//! Single flight: a tokio mutex is held by whoever is asking the endpoint; the others wait
//! on it and, once they have it, look at the cache again before asking themselves. Holding
//! the guard inside the refreshing future makes this cancellation-safe: a refresher that is
//! dropped (its submission cancelled) drops the guard, and the next waiter asks instead.
//! The cache itself sits behind a std mutex so that [`TokenSource::cached`] never waits.

mod error;
mod exchange;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

pub use error::AuthError;

use crate::config::{ClientAuth, Connection};
use exchange::{Endpoint, Issued};

/// The longest refresh margin (docs/engine.md, The token).
const MAX_MARGIN: Duration = Duration::from_secs(5 * 60);

/// A bearer token. `Debug` never shows it.
#[derive(Clone)]
pub struct AccessToken {
    value: String,
    expires_at: Instant,
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessToken")
            .field("value", &"[redacted]")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

impl AccessToken {
    /// A token from elsewhere (a test, an estimate of the Authorization header's size).
    pub fn new(value: impl Into<String>, expires_at: Instant) -> AccessToken {
        AccessToken {
            value: value.into(),
            expires_at,
        }
    }
    /// The raw token, for the Authorization header only.
    pub fn expose(&self) -> &str {
        &self.value
    }
    pub fn expires_at(&self) -> Instant {
        self.expires_at
    }
    /// True once the token's lifetime is over (as this client measured it).
    pub fn is_expired(&self, now: Instant) -> bool {
        now >= self.expires_at
    }
}

/// When to stop handing out a token of `lifetime` issued at `issued`.
fn refresh_at(issued: Instant, lifetime: Duration) -> (Instant, Instant) {
    // Lifetimes are capped at ten years when parsed, so this cannot overflow in practice;
    // if it ever did, "now" is the safe answer (refresh at once).
    let expires_at = issued.checked_add(lifetime).unwrap_or(issued);
    let margin = MAX_MARGIN.min(lifetime / 2);
    (expires_at.checked_sub(margin).unwrap_or(issued), expires_at)
}

struct Cached {
    token: AccessToken,
    /// From here on a caller triggers a refresh (the token still works until expiry).
    refresh_at: Instant,
    /// The API answered 401 to it: never hand it out again.
    rejected: bool,
}

impl Cached {
    fn fresh(&self, now: Instant) -> bool {
        !self.rejected && now < self.refresh_at
    }
    fn usable(&self, now: Instant) -> bool {
        !self.rejected && !self.token.is_expired(now)
    }
}

#[derive(Default)]
struct CacheState {
    current: Option<Cached>,
    /// Token requests that ran to completion (success or failure).
    attempts: u64,
    /// The failure of attempt number `.0`, shared with whoever waited on that attempt.
    last_failure: Option<(u64, AuthError)>,
}

impl CacheState {
    /// The error of an attempt that finished after `seen` and was the last one: the callers
    /// that waited on it get its answer instead of asking again.
    fn failure_since(&self, seen: u64) -> Option<AuthError> {
        match &self.last_failure {
            Some((n, error)) if *n > seen && *n == self.attempts => Some(error.clone()),
            _ => None,
        }
    }
}

/// What the cache holds for a caller of [`TokenSource::token`].
enum Lookup {
    Fresh(AccessToken),
    /// Past the refresh point, not yet expired.
    InMargin(AccessToken),
    /// Nothing usable; `attempts` token requests had completed when the caller looked.
    Missing {
        attempts: u64,
    },
}

struct Inner {
    endpoint: Endpoint,
    cache: Mutex<CacheState>,
    /// Held by the one caller talking to the token endpoint.
    in_flight: tokio::sync::Mutex<()>,
}

/// The shared token cache of one profile: cheap to clone, one refresh in flight at most.
#[derive(Clone)]
pub struct TokenSource {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let endpoint = &self.inner.endpoint;
        f.debug_struct("TokenSource")
            .field("token_url", &endpoint.shown_url)
            .field("client_id", &endpoint.client_id())
            .field("client_auth", &endpoint.auth())
            .field("scope", &endpoint.scope)
            .field("cached", &self.cached())
            .finish()
    }
}

impl TokenSource {
    pub fn new(
        http: reqwest::Client,
        connection: &Connection,
        auth: ClientAuth,
        scopes: &[String],
        timeout: Duration,
    ) -> Self {
        TokenSource {
            inner: Arc::new(Inner {
                endpoint: Endpoint::new(http, connection, auth, scopes, timeout),
                cache: Mutex::new(CacheState::default()),
                in_flight: tokio::sync::Mutex::new(()),
            }),
        }
    }

    /// The token endpoint as messages show it (no userinfo, no query).
    pub fn token_url(&self) -> &str {
        &self.inner.endpoint.shown_url
    }

    /// A valid token: the cached one, or a fresh one (one request however many callers wait).
    pub async fn token(&self) -> Result<AccessToken, AuthError> {
        let now = Instant::now();
        let lookup = {
            let cache = self.cache();
            match &cache.current {
                Some(cached) if cached.fresh(now) => Lookup::Fresh(cached.token.clone()),
                Some(cached) if cached.usable(now) => Lookup::InMargin(cached.token.clone()),
                _ => Lookup::Missing {
                    attempts: cache.attempts,
                },
            }
        };
        let seen = match lookup {
            Lookup::Fresh(token) => return Ok(token),
            // The old token still works: one caller refreshes and everyone else carries on
            // with it rather than queueing.
            Lookup::InMargin(old) => return self.refresh_in_margin(old).await,
            Lookup::Missing { attempts } => attempts,
        };
        let _guard = self.inner.in_flight.lock().await;
        {
            let cache = self.cache();
            if let Some(cached) = cache.current.as_ref().filter(|c| c.fresh(Instant::now())) {
                return Ok(cached.token.clone());
            }
            if let Some(error) = cache.failure_since(seen) {
                return Err(error);
            }
        }
        self.fetch().await
    }

    async fn refresh_in_margin(&self, old: AccessToken) -> Result<AccessToken, AuthError> {
        let Ok(_guard) = self.inner.in_flight.try_lock() else {
            return Ok(old);
        };
        if let Some(cached) = self
            .cache()
            .current
            .as_ref()
            .filter(|c| c.fresh(Instant::now()))
        {
            return Ok(cached.token.clone());
        }
        match self.fetch().await {
            Ok(token) => Ok(token),
            Err(error) if !old.is_expired(Instant::now()) => {
                tracing::warn!(%error, "token refresh failed; the current token is still valid");
                Ok(old)
            }
            Err(error) => Err(error),
        }
    }

    /// After the API answered 401 to `rejected`: a new token (one refresh, shared).
    pub async fn refresh_after_rejection(
        &self,
        rejected: &AccessToken,
    ) -> Result<AccessToken, AuthError> {
        let seen = {
            let mut cache = self.cache();
            let now = Instant::now();
            if let Some(cached) = cache.current.as_mut() {
                if cached.token.value == rejected.value {
                    cached.rejected = true;
                } else if cached.usable(now) {
                    return Ok(cached.token.clone());
                }
            }
            cache.attempts
        };
        let _guard = self.inner.in_flight.lock().await;
        {
            let cache = self.cache();
            let now = Instant::now();
            if let Some(cached) = cache.current.as_ref()
                && cached.token.value != rejected.value
                && cached.usable(now)
            {
                return Ok(cached.token.clone());
            }
            if let Some(error) = cache.failure_since(seen) {
                return Err(error);
            }
        }
        self.fetch().await
    }

    /// The cached token if any, without waiting (for the TUI's header-budget figure). It
    /// may be expired or rejected; [`AccessToken::is_expired`] says.
    pub fn cached(&self) -> Option<AccessToken> {
        self.cache().current.as_ref().map(|c| c.token.clone())
    }

    /// Asks the endpoint and records the outcome. Called with `in_flight` held. If this
    /// future is dropped mid-request nothing is recorded, so the next waiter asks again.
    async fn fetch(&self) -> Result<AccessToken, AuthError> {
        let endpoint = &self.inner.endpoint;
        tracing::debug!(token_url = %endpoint.shown_url, "requesting an access token");
        // Measured from before the request: the server's clock started no earlier.
        let issued = Instant::now();
        let result = exchange::request(endpoint).await;
        let mut cache = self.cache();
        cache.attempts += 1;
        match result {
            Ok(Issued { value, lifetime }) => {
                let (refresh_at, expires_at) = refresh_at(issued, lifetime);
                let token = AccessToken { value, expires_at };
                tracing::info!(
                    token_url = %endpoint.shown_url,
                    lifetime_s = lifetime.as_secs(),
                    "access token obtained"
                );
                cache.current = Some(Cached {
                    token: token.clone(),
                    refresh_at,
                    rejected: false,
                });
                cache.last_failure = None;
                Ok(token)
            }
            Err(error) => {
                tracing::warn!(%error, "token request failed");
                let attempt = cache.attempts;
                cache.last_failure = Some((attempt, error.clone()));
                Err(error)
            }
        }
    }

    fn cache(&self) -> MutexGuard<'_, CacheState> {
        // The state is a few plain fields updated in one step each; a panic elsewhere while
        // it was held cannot have left it half-written.
        self.inner
            .cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn margin_is_half_a_short_lifetime() {
        let t0 = Instant::now();
        let (refresh, expires) = refresh_at(t0, Duration::from_secs(2));
        assert_eq!(expires - t0, Duration::from_secs(2));
        assert_eq!(refresh - t0, Duration::from_secs(1));
    }

    #[test]
    fn margin_is_five_minutes_for_a_long_lifetime() {
        let t0 = Instant::now();
        let (refresh, _) = refresh_at(t0, Duration::from_secs(3600));
        assert_eq!(refresh - t0, Duration::from_secs(3300));
    }

    #[test]
    fn debug_of_a_token_hides_it() {
        let token = AccessToken::new("sbx_secret", Instant::now());
        assert!(!format!("{token:?}").contains("sbx_secret"));
    }

    #[test]
    fn a_failure_is_shared_only_with_those_who_waited_on_it() {
        let error = AuthError::Timeout {
            host: "h:1".into(),
            after_ms: 5,
        };
        let state = CacheState {
            current: None,
            attempts: 3,
            last_failure: Some((3, error.clone())),
        };
        assert_eq!(state.failure_since(2), Some(error));
        assert_eq!(state.failure_since(3), None);
    }
}
