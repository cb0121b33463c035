//! The platform's models as the emulation reads and writes them: a create body
//! (`PostActionInput`), the updates (`UpdateDraftInput`, `UpdateActionInput`,
//! `PublishDraftInput`), and the `Action` answered. Field names are the platform's; a body
//! that is not JSON, lacks a required field or has one of the wrong type is refused here,
//! before anything is stored.

use serde_json::{Map, Value, json};

use super::error::{ApiError, detail};
use crate::config::SANDBOX_INTEGRATION_ID;

/// The longest `name` and `category` the platform takes.
pub(crate) const MAX_NAME_CHARS: usize = 256;

const ACTIONS_PATH: &str = "/api/v2/integrations/actions";

/// One version of an action: the published one, or its draft.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Definition {
    pub name: String,
    pub category: String,
    pub integration_id: String,
    pub secure: bool,
    pub config: Value,
    pub contract: Value,
    pub version: u64,
    /// `config` and `contract` as JSON text, in bytes: measured once, when the request is
    /// parsed, so that the store's byte limit costs nothing under its lock.
    pub json_bytes: JsonBytes,
}

/// The size of a definition's two large parts as JSON text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct JsonBytes {
    pub config: usize,
    pub contract: usize,
}

impl JsonBytes {
    pub fn of(config: &Value, contract: &Value) -> JsonBytes {
        JsonBytes {
            config: json_len(config),
            contract: json_len(contract),
        }
    }
}

/// Which parts of an `Action` an answer carries: the platform leaves `config` out unless
/// `includeConfig=true` and `contract` out unless `expand=contract`; creates and updates
/// answer with both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct View {
    pub config: bool,
    pub contract: bool,
}

impl View {
    pub const FULL: View = View {
        config: true,
        contract: true,
    };
}

/// Whether a definition is an action's draft or its published version (their `selfUri`s
/// differ).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Published,
    Draft,
}

pub(crate) fn self_uri(id: &str, side: Side) -> String {
    match side {
        Side::Published => format!("{ACTIONS_PATH}/{id}"),
        Side::Draft => format!("{ACTIONS_PATH}/{id}/draft"),
    }
}

impl Definition {
    /// The `Action` the API answers.
    pub fn action(&self, id: &str, side: Side, view: View) -> Value {
        let mut action = Map::new();
        action.insert("id".into(), json!(id));
        action.insert("name".into(), json!(self.name));
        action.insert("integrationId".into(), json!(self.integration_id));
        action.insert("category".into(), json!(self.category));
        if view.contract {
            action.insert("contract".into(), self.contract.clone());
        }
        action.insert("version".into(), json!(self.version));
        action.insert("secure".into(), json!(self.secure));
        if view.config {
            action.insert("config".into(), self.config.clone());
        }
        action.insert("selfUri".into(), json!(self_uri(id, side)));
        Value::Object(action)
    }

    /// The definition as a create body (`PostActionInput`), which is what cxda's own checks
    /// read.
    pub fn as_input(&self) -> Value {
        json!({
            "name": self.name,
            "category": self.category,
            "integrationId": self.integration_id,
            "secure": self.secure,
            "config": self.config,
            "contract": self.contract,
        })
    }

    /// Roughly the bytes this definition holds, for the store's byte limit.
    pub fn cost(&self) -> usize {
        self.name.len()
            + self.category.len()
            + self.integration_id.len()
            + self.json_bytes.config
            + self.json_bytes.contract
    }

    /// A copy holding what `view` shows of it (a listing copies its page under the store's
    /// lock; a config left out of the view is not copied).
    pub fn shown_in(&self, view: View) -> Definition {
        let part = |shown: bool, value: &Value| if shown { value.clone() } else { Value::Null };
        Definition {
            name: self.name.clone(),
            category: self.category.clone(),
            integration_id: self.integration_id.clone(),
            secure: self.secure,
            config: part(view.config, &self.config),
            contract: part(view.contract, &self.contract),
            version: self.version,
            json_bytes: self.json_bytes,
        }
    }
}

fn json_len(value: &Value) -> usize {
    serde_json::to_vec(value).map_or(0, |v| v.len())
}

/// A body as a JSON object, or the platform's 400 `bad.request`.
fn object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(format!(
            "The request could not be understood by the server due to malformed syntax: {e}"
        ))
    })?;
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(ApiError::bad_request(
            "The request could not be understood by the server due to malformed syntax: the body must be a JSON object",
        )),
    }
}

fn missing(field: &str) -> ApiError {
    ApiError::bad_request(format!("{field} is required")).with_detail(detail("required", field))
}

/// A string of 1 to 256 characters, when present.
fn name_like(map: &Map<String, Value>, field: &str) -> Result<Option<String>, ApiError> {
    match map.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => {
            let chars = text.chars().count();
            if chars == 0 || chars > MAX_NAME_CHARS {
                Err(ApiError::invalid_value(
                    field,
                    format!("{field} must be 1 to {MAX_NAME_CHARS} characters long; it is {chars}"),
                ))
            } else {
                Ok(Some(text.clone()))
            }
        }
        Some(_) => Err(ApiError::invalid_value(
            field,
            format!("{field} must be a string"),
        )),
    }
}

fn boolean(map: &Map<String, Value>, field: &str) -> Result<Option<bool>, ApiError> {
    match map.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(ApiError::invalid_value(
            field,
            format!("{field} must be true or false"),
        )),
    }
}

/// `config`, when present: an `ActionConfig` object (its `timeoutSeconds`, when given, a
/// whole number from 1 to 60).
fn config(map: &Map<String, Value>) -> Result<Option<Value>, ApiError> {
    let Some(config) = map.get("config").filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let Some(fields) = config.as_object() else {
        return Err(ApiError::invalid_value(
            "config",
            "config must be an object",
        ));
    };
    if let Some(timeout) = fields.get("timeoutSeconds")
        && !timeout.as_u64().is_some_and(|t| (1..=60).contains(&t))
    {
        return Err(ApiError::invalid_value(
            "config.timeoutSeconds",
            "config.timeoutSeconds must be a whole number from 1 to 60",
        ));
    }
    for part in ["request", "response"] {
        if fields.get(part).is_some_and(|p| !p.is_object()) {
            let field = format!("config.{part}");
            return Err(ApiError::invalid_value(
                &field,
                format!("{field} must be an object"),
            ));
        }
    }
    Ok(Some(config.clone()))
}

/// `contract`, when present: an `ActionContractInput`, whose `input.inputSchema` and
/// `output.successSchema` are required objects.
fn contract(map: &Map<String, Value>) -> Result<Option<Value>, ApiError> {
    let Some(contract) = map.get("contract").filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    if !contract.is_object() {
        return Err(ApiError::invalid_value(
            "contract",
            "contract must be an object",
        ));
    }
    for (part, schema) in [("input", "inputSchema"), ("output", "successSchema")] {
        let field = format!("contract.{part}.{schema}");
        match contract.get(part).and_then(|p| p.get(schema)) {
            None | Some(Value::Null) => return Err(missing(&field)),
            Some(Value::Object(_)) => {}
            Some(_) => {
                return Err(ApiError::invalid_value(
                    &field,
                    format!("{field} must be a JSON Schema object"),
                ));
            }
        }
    }
    Ok(Some(contract.clone()))
}

fn version(map: &Map<String, Value>) -> Result<u64, ApiError> {
    match map.get("version") {
        None | Some(Value::Null) => Err(missing("version")),
        Some(v) => v
            .as_u64()
            .ok_or_else(|| ApiError::invalid_value("version", "version must be a whole number")),
    }
}

/// A `PostActionInput`: `name`, `category`, `integrationId` (the sandbox's one
/// integration), `config` and `contract` required, `secure` optional. The new definition
/// has version 1.
pub(crate) fn parse_create(body: &[u8]) -> Result<Definition, ApiError> {
    let map = object(body)?;
    let name = name_like(&map, "name")?.ok_or_else(|| missing("name"))?;
    let category = name_like(&map, "category")?.ok_or_else(|| missing("category"))?;
    let integration_id = match map.get("integrationId") {
        None | Some(Value::Null) => return Err(missing("integrationId")),
        Some(Value::String(id)) if id == SANDBOX_INTEGRATION_ID => id.clone(),
        Some(other) => {
            return Err(ApiError::invalid_value(
                "integrationId",
                format!(
                    "integrationId {other} does not name an integration of type custom-rest-actions; the sandbox has one: {SANDBOX_INTEGRATION_ID}"
                ),
            ));
        }
    };
    let config = config(&map)?.ok_or_else(|| missing("config"))?;
    let contract = contract(&map)?.ok_or_else(|| missing("contract"))?;
    let secure = boolean(&map, "secure")?.unwrap_or(false);
    Ok(Definition {
        json_bytes: JsonBytes::of(&config, &contract),
        name,
        category,
        integration_id,
        secure,
        config,
        contract,
        version: 1,
    })
}

/// An `UpdateDraftInput` or `UpdateActionInput`: the version it was read at, and the
/// fields to replace.
#[derive(Debug, Clone, Default)]
pub(crate) struct Update {
    pub version: u64,
    pub name: Option<String>,
    pub category: Option<String>,
    pub config: Option<Value>,
    pub contract: Option<Value>,
    pub secure: Option<bool>,
    /// The new `config` and `contract` measured (0 for one not given).
    pub json_bytes: JsonBytes,
}

impl Update {
    /// `base` with this update's fields replaced and the version one more.
    pub fn apply(&self, base: &Definition) -> Definition {
        Definition {
            name: self.name.clone().unwrap_or_else(|| base.name.clone()),
            category: self
                .category
                .clone()
                .unwrap_or_else(|| base.category.clone()),
            integration_id: base.integration_id.clone(),
            secure: self.secure.unwrap_or(base.secure),
            config: self.config.clone().unwrap_or_else(|| base.config.clone()),
            contract: self
                .contract
                .clone()
                .unwrap_or_else(|| base.contract.clone()),
            version: base.version + 1,
            json_bytes: JsonBytes {
                config: if self.config.is_some() {
                    self.json_bytes.config
                } else {
                    base.json_bytes.config
                },
                contract: if self.contract.is_some() {
                    self.json_bytes.contract
                } else {
                    base.json_bytes.contract
                },
            },
        }
    }
}

impl Update {
    fn measured(mut self) -> Update {
        self.json_bytes = JsonBytes {
            config: self.config.as_ref().map_or(0, json_len),
            contract: self.contract.as_ref().map_or(0, json_len),
        };
        self
    }
}

/// An `UpdateDraftInput`: `version` required; `name`, `category`, `config`, `contract`,
/// `secure` optional.
pub(crate) fn parse_draft_update(body: &[u8]) -> Result<Update, ApiError> {
    let map = object(body)?;
    Ok(Update {
        version: version(&map)?,
        name: name_like(&map, "name")?,
        category: name_like(&map, "category")?,
        config: config(&map)?,
        contract: contract(&map)?,
        secure: boolean(&map, "secure")?,
        json_bytes: JsonBytes::default(),
    }
    .measured())
}

/// An `UpdateActionInput`: `version` required; `name`, `category`, `config` optional. The
/// contract, `secure` and `integrationId` of a published action cannot change.
pub(crate) fn parse_action_update(body: &[u8]) -> Result<Update, ApiError> {
    let map = object(body)?;
    for fixed in ["contract", "secure", "integrationId"] {
        if map.get(fixed).is_some_and(|v| !v.is_null()) {
            return Err(ApiError::bad_request(format!(
                "{fixed} cannot be changed on a published action; UpdateActionInput takes version, name, category and config"
            ))
            .with_detail(detail("bad.request", fixed)));
        }
    }
    Ok(Update {
        version: version(&map)?,
        name: name_like(&map, "name")?,
        category: name_like(&map, "category")?,
        config: config(&map)?,
        contract: None,
        secure: None,
        json_bytes: JsonBytes::default(),
    }
    .measured())
}

/// A `PublishDraftInput`: `{"version": V}`.
pub(crate) fn parse_publish(body: &[u8]) -> Result<u64, ApiError> {
    version(&object(body)?)
}

/// The 400 a stale `version` gets; the platform's message says "does not match the current
/// version", which is what clients look for before they re-read and retry.
pub(crate) fn stale_version(what: &str, given: u64, current: u64) -> ApiError {
    ApiError::bad_request(format!(
        "Version {given} does not match the current version {current} of the {what}"
    ))
    .with_detail(detail("bad.request", "version"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn create_body() -> Value {
        json!({
            "name": "Lookup", "category": "CRM", "integrationId": SANDBOX_INTEGRATION_ID,
            "config": {"request": {"requestUrlTemplate": "https://x.example/", "requestType": "GET"}},
            "contract": {"input": {"inputSchema": {"type": "object"}}, "output": {"successSchema": {"type": "object"}}},
        })
    }

    fn parse(value: &Value) -> Result<Definition, ApiError> {
        parse_create(value.to_string().as_bytes())
    }

    #[test]
    fn the_size_is_measured_at_parse_and_an_update_keeps_what_it_does_not_replace() {
        let body = create_body();
        let d = parse(&body).expect("valid");
        let config_len = body["config"].to_string().len();
        let contract_len = body["contract"].to_string().len();
        assert_eq!(
            d.json_bytes,
            JsonBytes {
                config: config_len,
                contract: contract_len
            }
        );
        assert_eq!(
            d.cost(),
            6 + 3 + SANDBOX_INTEGRATION_ID.len() + config_len + contract_len
        );
        let update = parse_action_update(br#"{"version": 1, "config": {"a": 1}}"#).expect("valid");
        let next = update.apply(&d);
        assert_eq!(
            next.json_bytes,
            JsonBytes {
                config: r#"{"a":1}"#.len(),
                contract: contract_len
            }
        );
        assert_eq!(d.shown_in(View::FULL), d);
        let listed = d.shown_in(View {
            config: false,
            contract: false,
        });
        assert_eq!((listed.config, listed.contract), (Value::Null, Value::Null));
    }

    #[test]
    fn a_create_body_becomes_version_1_not_secure_by_default() {
        let d = parse(&create_body()).expect("valid");
        assert_eq!((d.version, d.secure, d.name.as_str()), (1, false, "Lookup"));
    }

    #[test]
    fn required_fields_are_named_and_bad_values_are_invalid_value() {
        for field in ["name", "category", "integrationId", "config", "contract"] {
            let mut body = create_body();
            body.as_object_mut().expect("object").remove(field);
            let e = parse(&body).expect_err(field);
            assert_eq!(e.code, "bad.request", "{field}");
            assert_eq!(e.details[0]["fieldName"], field);
        }
        let mut body = create_body();
        body["integrationId"] = json!("0000");
        assert_eq!(parse(&body).expect_err("id").code, "invalid.value");
        body = create_body();
        body["name"] = json!("x".repeat(257));
        assert_eq!(parse(&body).expect_err("long").code, "invalid.value");
        body = create_body();
        body["contract"]["output"] = json!({});
        let e = parse(&body).expect_err("contract");
        assert_eq!(e.details[0]["fieldName"], "contract.output.successSchema");
        assert_eq!(
            parse_create(b"{not json").expect_err("syntax").code,
            "bad.request"
        );
    }

    #[test]
    fn an_action_update_refuses_what_cannot_change_after_publishing() {
        let e = parse_action_update(br#"{"version": 1, "secure": true}"#).expect_err("secure");
        assert_eq!(e.details[0]["fieldName"], "secure");
        let u = parse_action_update(br#"{"version": 3, "name": "New"}"#).expect("valid");
        assert_eq!((u.version, u.name.as_deref()), (3, Some("New")));
        assert_eq!(
            parse_publish(b"{}").expect_err("no version").details[0]["fieldName"],
            "version"
        );
    }
}
