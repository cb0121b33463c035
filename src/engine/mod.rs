//! Everything that talks to the network: OAuth2 tokens, the outgoing request, the
//! executor (retries, Retry-After, redirects, cancellation), pacing and webhooks.

pub mod auth;
pub mod events;
pub mod pacing;
