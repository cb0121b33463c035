//! The parts of an action a run needs, read once from its payload, whatever the dialect:
//! - `genesys-cloud`: `config.request` (`requestUrlTemplate`, `requestType`, `headers`,
//!   `requestTemplate`, default `${input.rawRequest}`), `config.response`
//!   (`translationMap`, `translationMapDefaults`, `successTemplate`, default
//!   `${rawResult}`), `config.timeoutSeconds` (60 when unset), the `contract` and `secure`;
//! - `cxone-v2`: `configuration` (`method`, `url`, `headers`, `body`, `timeout` in
//!   milliseconds) with `{{name}}` placeholders; no contract, no translation: the result is
//!   the target's answer.
//!
//! Each field keeps the JSON pointer it came from, so a template error can be placed in
//! the file.

use std::time::Duration;

use serde_json::{Map, Value};

use crate::dialect::Api;

/// The longest a run's request may take when the action does not say (the platform's
/// default `timeoutSeconds`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// The longest any action's request may take (cxone-v2 `timeout` allows 90,000 ms).
pub const MAX_TIMEOUT: Duration = Duration::from_secs(90);

/// A template and where it sits in the payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub text: String,
    /// JSON pointer of the string in the payload ("" when the text is a default).
    pub pointer: String,
}

impl Located {
    fn at(text: &str, pointer: &str) -> Located {
        Located {
            text: text.to_string(),
            pointer: pointer.to_string(),
        }
    }
}

/// An action as a run reads it.
#[derive(Debug, Clone)]
pub struct RunnableAction {
    pub api: Api,
    pub name: String,
    pub method: String,
    pub url: Located,
    /// Name → value template, in the payload's (key) order.
    pub headers: Vec<(String, Located)>,
    /// genesys-cloud: the `requestTemplate`. cxone-v2: the `body` as JSON text (its
    /// placeholders filled value by value, see `placeholders`), `None` when absent.
    pub body: Option<Located>,
    /// cxone-v2's `body` as JSON (placeholders are filled in its strings).
    pub body_json: Option<Value>,
    pub timeout: Duration,
    pub translation_map: Map<String, Value>,
    pub translation_defaults: Map<String, Value>,
    pub success_template: Option<Located>,
    pub input_schema: Option<Value>,
    pub success_schema: Option<Value>,
    /// The inputs are secrets (`secure: true`).
    pub secure: bool,
}

/// Why a payload cannot be run (its checks should have said so first).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{pointer}: {reason}")]
pub struct NotRunnable {
    pub pointer: String,
    pub reason: String,
}

fn missing(pointer: &str, what: &str) -> NotRunnable {
    NotRunnable {
        pointer: pointer.to_string(),
        reason: format!("missing, or not {what}: a run needs it"),
    }
}

fn string_at<'a>(payload: &'a Value, pointer: &str) -> Option<&'a str> {
    payload.pointer(pointer).and_then(Value::as_str)
}

fn object_at(payload: &Value, pointer: &str) -> Map<String, Value> {
    payload
        .pointer(pointer)
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

fn headers_at(payload: &Value, pointer: &str) -> Result<Vec<(String, Located)>, NotRunnable> {
    object_at(payload, pointer)
        .into_iter()
        .map(|(name, value)| {
            let at = format!("{pointer}/{}", crate::payload::pointer_escape(&name));
            match value.as_str() {
                Some(text) => Ok((name, Located::at(text, &at))),
                None => Err(missing(&at, "a string")),
            }
        })
        .collect()
}

impl RunnableAction {
    /// Reads an action of `api` from its parsed payload.
    pub fn from_payload(api: Api, payload: &Value) -> Result<RunnableAction, NotRunnable> {
        match api {
            Api::GenesysCloud => Self::genesys(payload),
            Api::CxoneV2 => Self::cxone(payload),
        }
    }

    fn genesys(payload: &Value) -> Result<RunnableAction, NotRunnable> {
        const URL: &str = "/config/request/requestUrlTemplate";
        const METHOD: &str = "/config/request/requestType";
        const BODY: &str = "/config/request/requestTemplate";
        const SUCCESS: &str = "/config/response/successTemplate";
        let url = string_at(payload, URL).ok_or_else(|| missing(URL, "a string"))?;
        let method = string_at(payload, METHOD).ok_or_else(|| missing(METHOD, "a string"))?;
        let body = match string_at(payload, BODY) {
            Some(text) => Located::at(text, BODY),
            None => Located::at("${input.rawRequest}", ""),
        };
        let success = match string_at(payload, SUCCESS) {
            Some(text) => Located::at(text, SUCCESS),
            None => Located::at("${rawResult}", ""),
        };
        let timeout = payload
            .pointer("/config/timeoutSeconds")
            .and_then(Value::as_u64)
            .filter(|s| (1..=60).contains(s))
            .map_or(DEFAULT_TIMEOUT, Duration::from_secs);
        Ok(RunnableAction {
            api: Api::GenesysCloud,
            name: string_at(payload, "/name").unwrap_or_default().to_string(),
            method: method.to_ascii_uppercase(),
            url: Located::at(url, URL),
            headers: headers_at(payload, "/config/request/headers")?,
            body: Some(body),
            body_json: None,
            timeout,
            translation_map: object_at(payload, "/config/response/translationMap"),
            translation_defaults: object_at(payload, "/config/response/translationMapDefaults"),
            success_template: Some(success),
            input_schema: payload.pointer("/contract/input/inputSchema").cloned(),
            success_schema: payload.pointer("/contract/output/successSchema").cloned(),
            secure: payload.get("secure").and_then(Value::as_bool) == Some(true),
        })
    }

    fn cxone(payload: &Value) -> Result<RunnableAction, NotRunnable> {
        const URL: &str = "/configuration/url";
        const METHOD: &str = "/configuration/method";
        let url = string_at(payload, URL).ok_or_else(|| missing(URL, "a string"))?;
        let method = string_at(payload, METHOD).ok_or_else(|| missing(METHOD, "a string"))?;
        let body_json = payload.pointer("/configuration/body").cloned();
        let timeout = payload
            .pointer("/configuration/timeout")
            .and_then(Value::as_u64)
            .filter(|ms| (1..=90_000).contains(ms))
            .map_or(DEFAULT_TIMEOUT, Duration::from_millis);
        Ok(RunnableAction {
            api: Api::CxoneV2,
            name: string_at(payload, "/name").unwrap_or_default().to_string(),
            method: method.to_ascii_uppercase(),
            url: Located::at(url, URL),
            headers: headers_at(payload, "/configuration/headers")?,
            body: None,
            body_json,
            timeout,
            translation_map: Map::new(),
            translation_defaults: Map::new(),
            success_template: None,
            input_schema: None,
            success_schema: None,
            secure: false,
        })
    }
}
