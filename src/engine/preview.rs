//! The create request's header matrix as plain data: what the studio shows and sizes on
//! every keystroke without holding (or locking) a live engine.
//!
//! A [`HeaderPlan`] is everything the headers depend on besides the token and the payload
//! (the dialect, the create URL, the extra headers, the budget); [`TokenInfo`] is what the
//! preview needs of a token (its length, its expiry: never its value). [`HeaderPlan::preview`]
//! builds the headers through the same [`request_headers`] the executor sends, so what is
//! shown is what is sent, and [`super::Engine::preview`] is this same function over the
//! engine's state. For an operation of several requests (a genesys-cloud create) it is the
//! first request, the one that carries the payload.

use std::time::Instant;

use reqwest::Url;

use super::request::{Credentials, HeaderSpec, request_headers, sends_idempotency_key, shown};
use crate::audit::Headers;
use crate::config::{Api, ExtraHeader, Profile, ProfileKind};
use crate::payload::{HeaderBudget, header_budget};

/// How the Authorization header of a [`RequestPreview`] was sized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorizationSize {
    /// With the cached token: exact.
    CachedToken,
    /// No token yet: a token of this many characters was assumed.
    Estimated { token_chars: usize },
}

/// The create request as it would be sent now, for the TUI's header matrix and budget.
#[derive(Debug, Clone)]
pub struct RequestPreview {
    pub method: String,
    pub url: String,
    /// Every header in the order sent; Authorization shows `Bearer [redacted]`, and
    /// X-Correlation-ID (and Idempotency-Key, where the dialect sends one) a placeholder of
    /// the generated id's length.
    pub headers: Headers,
    /// Measured over the headers as sent (with the real or estimated token length).
    pub budget: HeaderBudget,
    pub authorization: AuthorizationSize,
}

/// What the preview needs of the cached token: its size and when it expires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenInfo {
    /// Characters of the access token (the `Authorization` value is `Bearer ` and these).
    pub chars: usize,
    pub expires_at: Instant,
}

/// Token length assumed before one exists: the sandbox's are `sbx_` + 43 characters; real
/// tokens are JWTs, commonly around a kilobyte.
const SANDBOX_TOKEN_CHARS: usize = 47;
const ESTIMATED_TOKEN_CHARS: usize = 1024;

/// What the preview shows for the correlation id: as long as a generated one (a UUID).
pub(super) const PREVIEW_CORRELATION_ID: &str = "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx";

/// Everything the create request's headers depend on but the token and the payload.
#[derive(Debug, Clone)]
pub struct HeaderPlan {
    /// The dialect: whether an `Idempotency-Key` is sent.
    pub api: Api,
    pub create_url: Url,
    /// The extra headers sent (the profile's, or the studio session's on top of them).
    pub extra_headers: Vec<ExtraHeader>,
    pub budget_bytes: usize,
    /// The token length assumed until a token exists.
    pub estimated_token_chars: usize,
}

impl HeaderPlan {
    /// The plan of `profile`'s create request; `None` before it has a connection (a
    /// sandbox profile whose sandbox has not started).
    pub fn for_profile(profile: &Profile) -> Option<HeaderPlan> {
        let connection = profile.connection.as_ref()?;
        Some(HeaderPlan {
            api: profile.api,
            create_url: connection.create_url.clone(),
            extra_headers: profile.extra_headers.clone(),
            budget_bytes: profile.header_budget_bytes,
            estimated_token_chars: if profile.kind == ProfileKind::Sandbox {
                SANDBOX_TOKEN_CHARS
            } else {
                ESTIMATED_TOKEN_CHARS
            },
        })
    }

    /// This plan sending `extra_headers` instead.
    pub fn with_extra_headers(&self, extra_headers: Vec<ExtraHeader>) -> HeaderPlan {
        HeaderPlan {
            extra_headers,
            ..self.clone()
        }
    }

    /// The headers of a create request with a payload of `payload_len` bytes, sized with
    /// `token` when there is one, else with the estimate. Pure: no clock, no lock. (A
    /// genesys-cloud payload that has an `id` or `version`, or lacks `integrationId`, is
    /// sent rewritten, a few bytes longer or shorter: [`super::Engine::preview`] sizes that
    /// body exactly.)
    pub fn preview(&self, token: Option<&TokenInfo>, payload_len: usize) -> RequestPreview {
        let (chars, authorization) = match token {
            Some(token) => (token.chars, AuthorizationSize::CachedToken),
            None => (
                self.estimated_token_chars,
                AuthorizationSize::Estimated {
                    token_chars: self.estimated_token_chars,
                },
            ),
        };
        // Only the length of the token matters here: the value is shown redacted.
        let stand_in = "x".repeat(chars);
        let spec = HeaderSpec {
            extra_headers: &self.extra_headers,
            correlation_id: PREVIEW_CORRELATION_ID,
            idempotency_key: sends_idempotency_key(self.api),
            if_match: None,
        };
        let headers = request_headers(
            spec,
            &self.create_url,
            Credentials::Bearer(&stand_in),
            Some(payload_len),
        );
        let budget = header_budget(
            headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
            self.budget_bytes,
        );
        RequestPreview {
            method: "POST".to_string(),
            url: self.create_url.to_string(),
            headers: shown(&headers),
            budget,
            authorization,
        }
    }
}

/// The extra headers a studio session sends: the profile's, with the session's added on
/// top (a session header replaces a profile header of the same name, in any case).
pub fn merge_extra_headers(profile: &[ExtraHeader], session: &[ExtraHeader]) -> Vec<ExtraHeader> {
    let mut headers = profile.to_vec();
    for header in session {
        headers.retain(|h| !h.name.eq_ignore_ascii_case(&header.name));
        headers.push(header.clone());
    }
    headers
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn plan() -> HeaderPlan {
        let mut profile = Profile::sandbox();
        let url = Url::parse("http://127.0.0.1:8787/").expect("url");
        profile.complete_sandbox(&url).expect("sandbox profile");
        HeaderPlan::for_profile(&profile).expect("a connection")
    }

    fn header(name: &str, value: &str) -> ExtraHeader {
        ExtraHeader {
            name: name.to_string(),
            value: value.to_string(),
        }
    }

    #[test]
    fn a_profile_without_a_connection_has_no_plan() {
        assert!(HeaderPlan::for_profile(&Profile::sandbox()).is_none());
    }

    #[test]
    fn the_token_is_sized_by_its_length_and_never_shown() {
        let token = TokenInfo {
            chars: 900,
            expires_at: Instant::now() + Duration::from_secs(60),
        };
        let estimated = plan().preview(None, 10);
        let cached = plan().preview(Some(&token), 10);
        assert_eq!(
            estimated.authorization,
            AuthorizationSize::Estimated {
                token_chars: SANDBOX_TOKEN_CHARS
            }
        );
        assert_eq!(cached.authorization, AuthorizationSize::CachedToken);
        assert_eq!(
            cached.budget.total - estimated.budget.total,
            900 - SANDBOX_TOKEN_CHARS
        );
        assert_eq!(
            cached.headers.get("Authorization"),
            Some(super::super::request::AUTHORIZATION_SHOWN)
        );
    }

    #[test]
    fn a_genesys_preview_has_no_idempotency_key_and_shows_the_drafts_request() {
        let mut profile = Profile::sandbox_genesys();
        let url = Url::parse("http://127.0.0.1:8787/").expect("url");
        profile.complete_sandbox(&url).expect("sandbox profile");
        let preview = HeaderPlan::for_profile(&profile)
            .expect("a connection")
            .preview(None, 10);
        assert_eq!(preview.headers.get("Idempotency-Key"), None);
        assert!(preview.headers.get("X-Correlation-ID").is_some());
        assert_eq!(
            preview.url,
            "http://127.0.0.1:8787/api/v2/integrations/actions/drafts"
        );
        assert!(
            plan()
                .preview(None, 10)
                .headers
                .get("Idempotency-Key")
                .is_some()
        );
    }

    #[test]
    fn content_length_follows_the_payload() {
        let preview = plan().preview(None, 123_456);
        assert_eq!(preview.headers.get("Content-Length"), Some("123456"));
    }

    #[test]
    fn session_headers_replace_profile_headers_of_the_same_name() {
        let merged = merge_extra_headers(
            &[header("X-Team", "a"), header("X-Env", "prod")],
            &[header("x-team", "b"), header("X-New", "c")],
        );
        let names: Vec<(&str, &str)> = merged
            .iter()
            .map(|h| (h.name.as_str(), h.value.as_str()))
            .collect();
        assert_eq!(names, [("X-Env", "prod"), ("x-team", "b"), ("X-New", "c")]);
    }
}
