//! The sandbox's fault settings: one serde struct that the `cxda sandbox` flags build, that
//! `GET /_sandbox/faults` shows and that `PUT /_sandbox/faults` merges into. Keys are the flag
//! names in snake_case (docs/sandbox.md, Faults). Beyond the flags there are two extras for
//! the engine's tests: `redirect_location` (an absolute URL that overrides the redirect's
//! `Location`, to send a create to another origin or from https to http) and `webhook_fail`
//! (the first N webhook deliveries get 503), and `redirect` also takes `301`, `303` and
//! `308`.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use axum::http::{StatusCode, Uri};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::rate::RateSpec;

/// Longest response delay `latency_ms` accepts (10 minutes): longer is a typo, not a test.
pub const MAX_LATENCY_MS: u64 = 600_000;
/// Longest token lifetime `token_ttl_s` accepts (one year).
pub const MAX_TOKEN_TTL_S: u64 = 365 * 24 * 3600;
/// The token lifetime when no fault says otherwise (also the engine's for a token response
/// without `expires_in`).
pub const DEFAULT_TOKEN_TTL_S: u64 = 3600;

/// How a create at `/api/v2/data-actions` is redirected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RedirectFault {
    /// 301: the POST would turn into a GET on the way (an engine must not follow it).
    MovedPermanently,
    /// 302: as 301.
    Found,
    /// 303: the POST is processed and stored, then answered with 303 and the created
    /// resource's `Location` (nothing to resend).
    SeeOther,
    /// 307: method and body kept; the `Location` accepts the create.
    TemporaryRedirect,
    /// 308: as 307.
    PermanentRedirect,
    /// 307 from A (`/api/v2/data-actions`) to B (`/api/v2/data-actions/moved`) and from B
    /// back to A.
    Loop,
}

impl RedirectFault {
    /// The text used by the flag and the faults JSON (`"307"`, `"loop"`).
    pub fn as_str(self) -> &'static str {
        match self {
            RedirectFault::MovedPermanently => "301",
            RedirectFault::Found => "302",
            RedirectFault::SeeOther => "303",
            RedirectFault::TemporaryRedirect => "307",
            RedirectFault::PermanentRedirect => "308",
            RedirectFault::Loop => "loop",
        }
    }

    /// The status the redirected response carries.
    pub fn status(self) -> StatusCode {
        match self {
            RedirectFault::MovedPermanently => StatusCode::MOVED_PERMANENTLY,
            RedirectFault::Found => StatusCode::FOUND,
            RedirectFault::SeeOther => StatusCode::SEE_OTHER,
            RedirectFault::TemporaryRedirect | RedirectFault::Loop => {
                StatusCode::TEMPORARY_REDIRECT
            }
            RedirectFault::PermanentRedirect => StatusCode::PERMANENT_REDIRECT,
        }
    }

    /// Parses `off` as `None`, else as [`FromStr`].
    pub fn parse_or_off(text: &str) -> Result<Option<RedirectFault>, String> {
        if text.trim().eq_ignore_ascii_case("off") {
            Ok(None)
        } else {
            text.parse().map(Some)
        }
    }
}

impl FromStr for RedirectFault {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "301" => Ok(RedirectFault::MovedPermanently),
            "302" => Ok(RedirectFault::Found),
            "303" => Ok(RedirectFault::SeeOther),
            "307" => Ok(RedirectFault::TemporaryRedirect),
            "308" => Ok(RedirectFault::PermanentRedirect),
            "loop" => Ok(RedirectFault::Loop),
            _ => Err(format!(
                "unknown redirect {text:?} (expected 302, 307, loop; also 301, 303, 308, off)"
            )),
        }
    }
}

impl fmt::Display for RedirectFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The fault settings of a running sandbox. `Default` is what `cxda sandbox` runs with when
/// no flag is given: the documented `100/min` rate limit and no faults.
#[derive(Debug, Clone, PartialEq)]
pub struct Faults {
    /// The fixed-window limit on `/api/v2/*`; `None` is `off`.
    pub rate_limit: Option<RateSpec>,
    /// The first N authenticated creates (since start or the last change) get 429.
    pub fail_429: u32,
    pub redirect: Option<RedirectFault>,
    /// Overrides the redirect's `Location` (absolute URL). Extra, not a flag.
    pub redirect_location: Option<String>,
    /// Delay before answering a create that stored an action.
    pub latency_ms: u64,
    /// The fraction of creates answered 503 with nothing stored, `0.0..=1.0`.
    pub error_rate: f64,
    /// Lifetime of tokens issued from now on.
    pub token_ttl_s: u64,
    /// The first N webhook deliveries (since start or the last change) get 503. Extra.
    pub webhook_fail: u32,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            rate_limit: Some(RateSpec {
                count: 100,
                period: Duration::from_secs(60),
            }),
            fail_429: 0,
            redirect: None,
            redirect_location: None,
            latency_ms: 0,
            error_rate: 0.0,
            token_ttl_s: DEFAULT_TOKEN_TTL_S,
            webhook_fail: 0,
        }
    }
}

/// A fault key or value that `PUT /_sandbox/faults` (or a config) cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FaultsError {
    #[error("unknown fault key `{key}` (known keys: {})", Faults::KEYS.join(", "))]
    UnknownKey { key: String },
    #[error("invalid value for fault `{key}`: {reason}")]
    InvalidValue { key: String, reason: String },
    #[error("the faults must be a JSON object of settings")]
    NotAnObject,
}

impl FaultsError {
    /// The key the error is about, when there is one.
    pub fn key(&self) -> Option<&str> {
        match self {
            FaultsError::UnknownKey { key } | FaultsError::InvalidValue { key, .. } => Some(key),
            FaultsError::NotAnObject => None,
        }
    }
}

impl Faults {
    /// Every key the faults JSON knows, in the order it is shown.
    pub const KEYS: [&'static str; 8] = [
        "rate_limit",
        "fail_429",
        "redirect",
        "redirect_location",
        "latency_ms",
        "error_rate",
        "token_ttl_s",
        "webhook_fail",
    ];

    /// No faults and no rate limit: what tests and benchmarks usually want as a baseline.
    pub fn off() -> Self {
        Faults {
            rate_limit: None,
            ..Faults::default()
        }
    }

    /// Merges a JSON object of settings into these (PUT semantics: keys not named keep
    /// their value). All or nothing: on an error nothing changes.
    pub fn merge(&mut self, patch: &Value) -> Result<(), FaultsError> {
        let map = patch.as_object().ok_or(FaultsError::NotAnObject)?;
        let mut next = self.clone();
        for (key, value) in map {
            next.set(key, value)?;
        }
        *self = next;
        Ok(())
    }

    fn set(&mut self, key: &str, value: &Value) -> Result<(), FaultsError> {
        let invalid = |reason: &str| FaultsError::InvalidValue {
            key: key.to_string(),
            reason: reason.to_string(),
        };
        match key {
            "rate_limit" => {
                self.rate_limit = match value {
                    Value::Null => None,
                    Value::String(text) => {
                        RateSpec::parse_or_off(text).map_err(|e| invalid(&e.to_string()))?
                    }
                    _ => {
                        return Err(invalid(
                            "expected \"N/PERIOD\" (such as \"100/min\") or \"off\"",
                        ));
                    }
                }
            }
            "fail_429" => {
                self.fail_429 =
                    whole_number(value, 0, u64::from(u32::MAX)).map_err(|r| invalid(&r))? as u32
            }
            "redirect" => {
                self.redirect = match value {
                    Value::Null => None,
                    Value::String(text) => {
                        RedirectFault::parse_or_off(text).map_err(|r| invalid(&r))?
                    }
                    Value::Number(n) => {
                        Some(n.to_string().parse().map_err(|r: String| invalid(&r))?)
                    }
                    _ => {
                        return Err(invalid(
                            "expected \"302\", \"307\", \"loop\", \"301\", \"303\", \"308\" or \"off\"",
                        ));
                    }
                }
            }
            "redirect_location" => {
                self.redirect_location = match value {
                    Value::Null => None,
                    Value::String(text) => Some(absolute_http_url(text).map_err(|r| invalid(&r))?),
                    _ => {
                        return Err(invalid(
                            "expected an absolute http:// or https:// URL, or null",
                        ));
                    }
                }
            }
            "latency_ms" => {
                self.latency_ms = whole_number(value, 0, MAX_LATENCY_MS).map_err(|r| invalid(&r))?
            }
            "error_rate" => {
                let rate = value
                    .as_f64()
                    .filter(|r| (0.0..=1.0).contains(r))
                    .ok_or_else(|| invalid("expected a number from 0.0 to 1.0"))?;
                self.error_rate = rate;
            }
            "token_ttl_s" => {
                self.token_ttl_s =
                    whole_number(value, 1, MAX_TOKEN_TTL_S).map_err(|r| invalid(&r))?
            }
            "webhook_fail" => {
                self.webhook_fail =
                    whole_number(value, 0, u64::from(u32::MAX)).map_err(|r| invalid(&r))? as u32
            }
            _ => {
                return Err(FaultsError::UnknownKey {
                    key: key.to_string(),
                });
            }
        }
        Ok(())
    }
}

fn whole_number(value: &Value, min: u64, max: u64) -> Result<u64, String> {
    value
        .as_u64()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| format!("expected a whole number from {min} to {max}"))
}

/// The override must be usable as a `Location` header and absolute, since the point is to
/// leave the sandbox's origin.
fn absolute_http_url(text: &str) -> Result<String, String> {
    let uri: Uri = text
        .parse()
        .map_err(|_| format!("{text:?} is not a valid URL"))?;
    match (uri.scheme_str(), uri.authority()) {
        (Some("http" | "https"), Some(_)) => Ok(text.to_string()),
        _ => Err(format!(
            "{text:?} is not an absolute http:// or https:// URL"
        )),
    }
}

impl Serialize for Faults {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(Self::KEYS.len()))?;
        let rate = self
            .rate_limit
            .map_or_else(|| "off".to_string(), |r| r.to_string());
        map.serialize_entry("rate_limit", &rate)?;
        map.serialize_entry("fail_429", &self.fail_429)?;
        map.serialize_entry("redirect", &self.redirect.map(RedirectFault::as_str))?;
        map.serialize_entry("redirect_location", &self.redirect_location)?;
        map.serialize_entry("latency_ms", &self.latency_ms)?;
        map.serialize_entry("error_rate", &self.error_rate)?;
        map.serialize_entry("token_ttl_s", &self.token_ttl_s)?;
        map.serialize_entry("webhook_fail", &self.webhook_fail)?;
        map.end()
    }
}

/// Reads a (possibly partial) settings object over the defaults, with the same validation
/// and key-naming errors as the PUT.
impl<'de> Deserialize<'de> for Faults {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = Map::<String, Value>::deserialize(deserializer)?;
        let mut faults = Faults::default();
        faults
            .merge(&Value::Object(map))
            .map_err(serde::de::Error::custom)?;
        Ok(faults)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn default_is_the_documented_rate_limit_and_no_faults() {
        let f = Faults::default();
        assert_eq!(
            f.rate_limit.map(|r| r.to_string()).as_deref(),
            Some("100/min")
        );
        assert_eq!(
            (f.fail_429, f.redirect, f.latency_ms, f.token_ttl_s),
            (0, None, 0, 3600)
        );
    }

    #[test]
    fn merge_keeps_unnamed_keys() {
        let mut f = Faults::off();
        f.merge(&json!({"fail_429": 2})).expect("merge");
        f.merge(&json!({"redirect": 307, "rate_limit": "5/s"}))
            .expect("merge");
        assert_eq!(f.fail_429, 2);
        assert_eq!(f.redirect, Some(RedirectFault::TemporaryRedirect));
        assert_eq!(f.rate_limit.map(|r| r.to_string()).as_deref(), Some("5/s"));
    }

    #[test]
    fn merge_names_an_unknown_key_and_changes_nothing() {
        let mut f = Faults::off();
        let err = f
            .merge(&json!({"fail_429": 3, "fial_429": 1}))
            .expect_err("unknown");
        assert_eq!(err.key(), Some("fial_429"));
        assert_eq!(f, Faults::off());
    }

    #[test]
    fn merge_names_the_key_of_a_bad_value() {
        for (key, value) in [
            ("error_rate", json!(1.5)),
            ("token_ttl_s", json!(0)),
            ("redirect", json!("404")),
            ("rate_limit", json!("fast")),
            ("latency_ms", json!(-1)),
            ("redirect_location", json!("/relative")),
        ] {
            let err = Faults::off().merge(&json!({ key: value })).expect_err(key);
            assert_eq!(err.key(), Some(key), "{err}");
        }
    }

    #[test]
    fn serializes_with_the_flag_spellings_and_round_trips() {
        let mut f = Faults::off();
        f.merge(&json!({"redirect": "loop", "error_rate": 0.25}))
            .expect("merge");
        let v = serde_json::to_value(&f).expect("serialize");
        assert_eq!(v["rate_limit"], "off");
        assert_eq!(v["redirect"], "loop");
        let back: Faults = serde_json::from_value(v).expect("deserialize");
        assert_eq!(back, f);
    }
}
