//! OAuth2 client credentials (RFC 6749 §4.4). CONTRACT STUB: being written.

use std::time::{Duration, Instant};

use crate::config::{ClientAuth, Connection};

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
    /// The raw token, for the Authorization header only.
    pub fn expose(&self) -> &str {
        &self.value
    }
    pub fn expires_at(&self) -> Instant {
        self.expires_at
    }
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum AuthError {
    #[error("stub")]
    Stub,
}

/// The shared token cache of one profile: cheap to clone, one refresh in flight at most.
#[derive(Debug, Clone)]
pub struct TokenSource {}

impl TokenSource {
    pub fn new(
        _http: reqwest::Client,
        _connection: &Connection,
        _auth: ClientAuth,
        _scopes: &[String],
        _timeout: Duration,
    ) -> Self {
        TokenSource {}
    }
    /// A valid token: the cached one, or a fresh one (one request however many callers wait).
    pub async fn token(&self) -> Result<AccessToken, AuthError> {
        Err(AuthError::Stub)
    }
    /// After the API answered 401 to `rejected`: a new token (one refresh, shared).
    pub async fn refresh_after_rejection(
        &self,
        _rejected: &AccessToken,
    ) -> Result<AccessToken, AuthError> {
        Err(AuthError::Stub)
    }
    /// The cached token if any, without waiting (for the TUI's header-budget figure).
    pub fn cached(&self) -> Option<AccessToken> {
        None
    }
}
