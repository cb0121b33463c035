//! `GET /openapi.json`: the sandbox's own OpenAPI 3.0 description of every path it serves,
//! in both dialects, with the schemas of their answers. The genesys-cloud models come from
//! `assets/openapi/genesys-models.json` (the platform's models, trimmed to what the sandbox
//! reads and writes); the cxone-v2, OAuth and `/_sandbox/*` schemas are written here. Built
//! once, on the first request.

use std::sync::{Arc, OnceLock};

use axum::body::Bytes;
use axum::extract::State as AxumState;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::respond;
use super::state::State;

const GENESYS_MODELS: &str = include_str!("../../assets/openapi/genesys-models.json");

/// `GET /openapi.json`.
pub(crate) async fn serve(AxumState(_state): AxumState<Arc<State>>) -> Response {
    static DOCUMENT: OnceLock<Bytes> = OnceLock::new();
    let body =
        DOCUMENT.get_or_init(|| Bytes::from(serde_json::to_vec(&document()).unwrap_or_default()));
    respond::bytes(StatusCode::OK, "application/json", body.clone())
}

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn content(schema: Value) -> Value {
    json!({ "application/json": { "schema": schema } })
}

fn answer(description: &str, schema: Value) -> Value {
    json!({ "description": description, "content": content(schema) })
}

/// The answers a genesys-cloud operation gives besides its success, all `ErrorBody`.
fn genesys_errors(responses: &mut Map<String, Value>, with_body: bool) {
    let mut codes = vec![
        ("400", "bad.request, invalid.value"),
        ("401", "authentication.required, bad.credentials"),
        ("404", "not.found"),
        ("405", "method.not.allowed"),
        ("429", "too.many.requests (with Retry-After)"),
    ];
    if with_body {
        codes.extend([
            ("413", "request.entity.too.large"),
            ("415", "unsupported.media.type"),
            (
                "503",
                "service.unavailable (the error_rate fault, on creates and test runs)",
            ),
        ]);
    }
    for (status, codes) in codes {
        responses.insert(
            status.to_string(),
            answer(&format!("ErrorBody: {codes}"), schema_ref("ErrorBody")),
        );
    }
}

fn query(name: &str, schema: Value, description: &str) -> Value {
    json!({ "name": name, "in": "query", "required": false, "schema": schema, "description": description })
}

fn action_id() -> Value {
    json!({ "name": "actionId", "in": "path", "required": true, "schema": {"type": "string"} })
}

fn paging() -> Vec<Value> {
    vec![
        query(
            "pageSize",
            json!({"type": "integer", "minimum": 1, "maximum": 100, "default": 25}),
            "The page size, 1 to 100",
        ),
        query(
            "pageNumber",
            json!({"type": "integer", "minimum": 1, "default": 1}),
            "The page number, from 1",
        ),
    ]
}

fn list_parameters() -> Vec<Value> {
    let mut parameters = paging();
    parameters.extend([
        query(
            "name",
            json!({"type": "string"}),
            "Partial name, case-insensitive",
        ),
        query(
            "category",
            json!({"type": "string"}),
            "Whole category name, case-insensitive",
        ),
        query(
            "secure",
            json!({"type": "string", "enum": ["true", "false"]}),
            "Only secure (true) or non-secure (false) actions",
        ),
        query(
            "includeConfig",
            json!({"type": "boolean", "default": false}),
            "Return config in the entities",
        ),
    ]);
    parameters
}

fn view_parameters() -> Vec<Value> {
    vec![
        action_id(),
        query(
            "expand",
            json!({"type": "string", "enum": ["contract"]}),
            "Add the contract",
        ),
        query(
            "includeConfig",
            json!({"type": "boolean", "default": false}),
            "Add the config",
        ),
    ]
}

/// A genesys-cloud operation answering `schema` (or 204 when `None`).
fn genesys_op(
    summary: &str,
    parameters: Vec<Value>,
    body: Option<&str>,
    schema: Option<&str>,
) -> Value {
    let mut responses = Map::new();
    match schema {
        Some(name) => {
            responses.insert(
                "200".into(),
                answer("successful operation", schema_ref(name)),
            );
        }
        None => {
            responses.insert("204".into(), json!({"description": "deleted"}));
        }
    }
    genesys_errors(&mut responses, body.is_some());
    let mut op = json!({
        "tags": ["genesys-cloud"],
        "summary": summary,
        "security": [{"bearer": []}],
        "parameters": parameters,
        "responses": responses,
    });
    if let Some(body) = body {
        op["requestBody"] = json!({ "required": true, "content": content(schema_ref(body)) });
    }
    op
}

/// A test run's operation: the input map in, a `TestExecutionResult` out (200 whether the
/// run succeeded or not).
fn test_op(summary: &str) -> Value {
    let flatten = query(
        "flatten",
        json!({"type": "boolean", "default": false}),
        "Accepted (true or false) and ignored: the sandbox never flattens the answer",
    );
    // Described as an operation with a body (its 413, 415 and 503), whose body is then
    // replaced: the input map is no named model.
    let mut op = genesys_op(
        summary,
        vec![action_id(), flatten],
        Some("TestExecutionResult"),
        Some("TestExecutionResult"),
    );
    op["requestBody"] = json!({
        "required": true,
        "description": "Map of parameters used for variable substitution: the action's input",
        "content": content(json!({"type": "object"})),
    });
    op["responses"]["200"]["description"] =
        json!("the run, step by step; success false (with error) when a step failed");
    op["responses"]["500"] = answer(
        "ErrorBody: internal.server.error (the sandbox cannot build the client that sends the run's request)",
        schema_ref("ErrorBody"),
    );
    op
}

fn genesys_paths() -> Vec<(&'static str, Value)> {
    let id = || vec![action_id()];
    vec![
        (
            "/api/v2/integrations",
            json!({
                "get": genesys_op("Integrations (the sandbox has one, of type custom-rest-actions)", {
                    let mut p = paging();
                    p.push(query("integrationType", json!({"type": "string"}), "Only integrations of this type"));
                    p
                }, None, Some("IntegrationEntityListing")),
            }),
        ),
        (
            "/api/v2/integrations/actions",
            json!({
                "get": genesys_op("Published actions", list_parameters(), None, Some("ActionEntityListing")),
                "post": genesys_op("Create an action, published at once when it validates", vec![], Some("PostActionInput"), Some("Action")),
            }),
        ),
        (
            "/api/v2/integrations/actions/drafts",
            json!({
                "get": genesys_op("Drafts", list_parameters(), None, Some("ActionEntityListing")),
                "post": genesys_op("Create an action as a draft (version 1)", vec![], Some("PostActionInput"), Some("Action")),
            }),
        ),
        (
            "/api/v2/integrations/actions/categories",
            json!({
                "get": genesys_op("The categories in use", paging(), None, Some("CategoryEntityListing")),
            }),
        ),
        (
            "/api/v2/integrations/actions/{actionId}",
            json!({
                "get": genesys_op("A published action", view_parameters(), None, Some("Action")),
                "patch": genesys_op("Update a published action at its version", id(), Some("UpdateActionInput"), Some("Action")),
                "delete": genesys_op("Delete an action and its draft", id(), None, None),
            }),
        ),
        (
            "/api/v2/integrations/actions/{actionId}/draft",
            json!({
                "post": genesys_op("A draft from the published action (no body)", id(), None, Some("Action")),
                "get": genesys_op("The draft", view_parameters(), None, Some("Action")),
                "patch": genesys_op("Update the draft at its version", id(), Some("UpdateDraftInput"), Some("Action")),
                "delete": genesys_op("Delete the draft", id(), None, None),
            }),
        ),
        (
            "/api/v2/integrations/actions/{actionId}/draft/validation",
            json!({
                "get": genesys_op("Validate the draft", id(), None, Some("DraftValidationResult")),
            }),
        ),
        (
            "/api/v2/integrations/actions/{actionId}/draft/publish",
            json!({
                "post": genesys_op("Publish the draft at its version", id(), Some("PublishDraftInput"), Some("Action")),
            }),
        ),
        (
            "/api/v2/integrations/actions/{actionId}/test",
            json!({
                "post": test_op("Run the published action once with cxda's runner, as the platform's test does"),
            }),
        ),
        (
            "/api/v2/integrations/actions/{actionId}/draft/test",
            json!({
                "post": test_op("Run the action's draft once with cxda's runner, as the platform's test does"),
            }),
        ),
    ]
}

fn problem(description: &str) -> Value {
    json!({ "description": description, "content": { "application/problem+json": { "schema": schema_ref("Problem") } } })
}

fn cxone_create(summary: &str) -> Value {
    json!({
        "tags": ["cxone-v2"],
        "summary": summary,
        "security": [{"bearer": []}],
        "parameters": [{"name": "Idempotency-Key", "in": "header", "required": false, "schema": {"type": "string", "minLength": 1, "maxLength": 255}}],
        "requestBody": {"required": true, "content": content(json!({"type": "object", "description": "A Data Action payload (assets/schema/data-action.schema.json)"}))},
        "responses": {
            "201": {"description": "created (version 1); Location names it", "headers": {"ETag": etag()}, "content": content(schema_ref("DataAction"))},
            "303": answer("created (the redirect: 303 fault); Location names it", schema_ref("DataAction")),
            "301": problem("the redirect fault"), "302": problem("the redirect fault"),
            "307": problem("the redirect fault"), "308": problem("the redirect fault"),
            "400": problem("invalid JSON or payload checks failed (errors), or a bad Idempotency-Key"),
            "401": problem("no valid token"), "403": problem("the token lacks data-actions:write"),
            "409": problem("the name exists"), "413": problem("over 1 MiB"),
            "415": problem("not JSON"), "422": problem("an Idempotency-Key reused with another body"),
            "429": problem("rate limited or the fail_429 fault (Retry-After)"),
            "431": problem("request headers over 8192 bytes"), "503": problem("the error_rate fault"),
        },
    })
}

fn cxone_read(summary: &str, schema: &str, parameters: Vec<Value>) -> Value {
    let mut op = json!({
        "tags": ["cxone-v2"],
        "summary": summary,
        "security": [{"bearer": []}],
        "parameters": parameters,
        "responses": {
            "200": answer("successful operation", schema_ref(schema)),
            "401": problem("no valid token"), "403": problem("the token lacks data-actions:read"),
            "429": problem("rate limited (Retry-After)"),
            "431": problem("request headers over 8192 bytes"),
        },
    });
    if schema == "DataAction" {
        op["responses"]["200"]["headers"] = json!({"ETag": etag()});
        op["responses"]["404"] = problem("no such action");
    } else {
        op["responses"]["400"] = problem("page or pageSize out of range (key names it)");
    }
    op
}

fn etag() -> Value {
    json!({"description": "The action's version, quoted: \"3\"", "schema": {"type": "string"}})
}

fn cxone_id() -> Value {
    json!({"name": "id", "in": "path", "required": true, "schema": {"type": "string"}})
}

fn if_match() -> Value {
    json!({"name": "If-Match", "in": "header", "required": false, "schema": {"type": "string"},
           "description": "The version the change is based on (\"3\", 3, a list, or *); absent: unconditional"})
}

fn cxone_list_parameters() -> Vec<Value> {
    vec![
        query(
            "page",
            json!({"type": "integer", "minimum": 1, "default": 1}),
            "The page number, from 1; past the last, an empty page",
        ),
        query(
            "pageSize",
            json!({"type": "integer", "minimum": 1, "maximum": 100, "default": 25}),
            "The page size, 1 to 100",
        ),
    ]
}

/// `PUT` (`update`) or `DELETE` of one cxone-v2 action.
fn cxone_change(update: bool) -> Value {
    let mut responses = json!({
        "401": problem("no valid token"), "403": problem("the token lacks data-actions:write"),
        "404": problem("no such action"),
        "412": problem("If-Match does not name the current version (currentVersion says it)"),
        "429": problem("rate limited or the fail_429 fault (Retry-After)"),
        "431": problem("request headers over 8192 bytes"), "503": problem("the error_rate fault"),
    });
    let mut op = json!({
        "tags": ["cxone-v2"],
        "security": [{"bearer": []}],
        "parameters": [cxone_id(), if_match()],
    });
    if update {
        op["summary"] = json!("Replace an action with its next version");
        op["requestBody"] = json!({"required": true, "content": content(json!({"type": "object", "description": "A Data Action payload (assets/schema/data-action.schema.json)"}))});
        responses["200"] = json!({"description": "the stored action, version + 1", "headers": {"ETag": etag()}, "content": content(schema_ref("DataAction"))});
        responses["400"] = problem("invalid JSON or payload checks failed (errors)");
        responses["409"] = problem("another action has the name");
        responses["413"] = problem("over 1 MiB");
        responses["415"] = problem("not JSON");
    } else {
        op["summary"] = json!("Delete an action; its name is free again");
        responses["204"] = json!({"description": "deleted"});
    }
    op["responses"] = responses;
    op
}

fn other_paths() -> Vec<(&'static str, Value)> {
    let sandbox = |summary: &str, schema: Value| {
        json!({
            "tags": ["sandbox"], "summary": summary,
            "responses": {"200": answer("successful operation", schema)},
        })
    };
    vec![
        (
            "/oauth/token",
            json!({"post": {
                "tags": ["oauth"],
                "summary": "Client-credentials token (HTTP Basic or client_id/client_secret in the form)",
                "security": [{"basic": []}, {}],
                "requestBody": {"required": true, "content": {"application/x-www-form-urlencoded": {"schema": {
                    "type": "object", "required": ["grant_type"],
                    "properties": {"grant_type": {"type": "string", "enum": ["client_credentials"]},
                                   "scope": {"type": "string"}, "client_id": {"type": "string"}, "client_secret": {"type": "string"}}}}}},
                "responses": {
                    "200": answer("a token", schema_ref("TokenResponse")),
                    "400": answer("invalid_request, unsupported_grant_type, invalid_scope", schema_ref("OAuthError")),
                    "401": answer("invalid_client", schema_ref("OAuthError")),
                },
            }}),
        ),
        (
            "/api/v2/data-actions",
            json!({
                "post": cxone_create("Create a Data Action"),
                "get": cxone_read("One page of the stored actions, oldest first", "DataActionList", cxone_list_parameters()),
            }),
        ),
        (
            "/api/v2/data-actions/moved",
            json!({
                "post": cxone_create("The redirect fault's target; accepts a create like the collection"),
            }),
        ),
        (
            "/api/v2/data-actions/{id}",
            json!({
                "get": cxone_read("One action", "DataAction", vec![cxone_id()]),
                "put": cxone_change(true),
                "delete": cxone_change(false),
            }),
        ),
        (
            "/_sandbox/faults",
            json!({
                "get": sandbox("The fault settings", schema_ref("Faults")),
                "put": {
                    "tags": ["sandbox"], "summary": "Merge settings into the faults",
                    "requestBody": {"required": true, "content": content(schema_ref("Faults"))},
                    "responses": {"200": answer("the settings now", schema_ref("Faults")),
                                  "400": problem("an unknown key or a bad value, named in key")},
                },
            }),
        ),
        (
            "/_sandbox/stats",
            json!({"get": sandbox("Counters since start", schema_ref("Stats"))}),
        ),
        (
            "/_sandbox/webhook",
            json!({
                "get": sandbox("The deliveries recorded, oldest first", json!({"type": "array", "items": schema_ref("WebhookDelivery")})),
                "post": {
                    "tags": ["sandbox"], "summary": "Record a webhook delivery",
                    "requestBody": {"required": false, "content": {"*/*": {"schema": {}}}},
                    "responses": {"200": answer("recorded", json!({"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}})),
                                  "503": problem("the webhook_fail fault")},
                },
            }),
        ),
        (
            "/openapi.json",
            json!({"get": sandbox("This document", json!({"type": "object"}))}),
        ),
    ]
}

/// The schemas of the cxone-v2 API, the token endpoint and `/_sandbox/*`.
fn other_schemas() -> Value {
    json!({
        "Problem": {"type": "object", "required": ["type", "title", "status", "detail"], "properties": {
            "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
            "detail": {"type": "string"}, "key": {"type": "string"}, "currentVersion": {"type": "integer"},
            "errors": {"type": "array", "items": {"type": "object", "required": ["pointer", "detail"], "properties": {
                "pointer": {"type": "string"}, "detail": {"type": "string"},
                "line": {"type": "integer"}, "column": {"type": "integer"}}}}}},
        "DataAction": {"type": "object", "required": ["id", "name", "type", "configuration", "version", "createdAt"], "properties": {
            "id": {"type": "string"}, "name": {"type": "string"}, "description": {"type": "string"},
            "version": {"type": "integer", "minimum": 1, "description": "1 on create, +1 per update"},
            "type": {"type": "string", "enum": ["REST"]}, "configuration": {"type": "object"},
            "enabled": {"type": "boolean"}, "tags": {"type": "array", "items": {"type": "string"}},
            "createdAt": {"type": "string", "format": "date-time"}}},
        "DataActionList": {"type": "object", "required": ["entities", "page", "pageSize", "total"], "properties": {
            "entities": {"type": "array", "items": schema_ref("DataAction")}, "page": {"type": "integer"},
            "pageSize": {"type": "integer"}, "total": {"type": "integer"}}},
        "TokenResponse": {"type": "object", "required": ["access_token", "token_type", "expires_in", "scope"], "properties": {
            "access_token": {"type": "string"}, "token_type": {"type": "string"},
            "expires_in": {"type": "integer"}, "scope": {"type": "string"}}},
        "OAuthError": {"type": "object", "required": ["error"], "properties": {
            "error": {"type": "string"}, "error_description": {"type": "string"}}},
        "Faults": {"type": "object", "properties": {
            "rate_limit": {"type": "string"}, "fail_429": {"type": "integer"}, "redirect": {"type": "string", "nullable": true},
            "redirect_location": {"type": "string", "nullable": true}, "latency_ms": {"type": "integer"}, "error_rate": {"type": "number"},
            "token_ttl_s": {"type": "integer"}, "webhook_fail": {"type": "integer"}}},
        "Stats": {"type": "object", "required": ["token_requests", "create_requests", "responses"], "properties": {
            "token_requests": {"type": "integer"}, "create_requests": {"type": "integer"},
            "responses": {"type": "object", "additionalProperties": {"type": "integer"}},
            "stored_actions": {"type": "integer"}, "evicted_actions": {"type": "integer"},
            "genesys_requests": {"type": "integer"}, "stored_genesys_actions": {"type": "integer"},
            "evicted_genesys_actions": {"type": "integer"}}},
        "WebhookDelivery": {"type": "object", "required": ["id", "received_at", "headers", "body"], "properties": {
            "id": {"type": "integer"}, "received_at": {"type": "string", "format": "date-time"},
            "headers": {"type": "object", "additionalProperties": {"type": "string"}}, "body": {}}},
    })
}

/// The whole document.
pub(crate) fn document() -> Value {
    let mut schemas = serde_json::from_str::<Value>(GENESYS_MODELS)
        .ok()
        .and_then(|models| models.get("schemas").cloned())
        .and_then(|s| s.as_object().cloned())
        .unwrap_or_default();
    if let Value::Object(other) = other_schemas() {
        schemas.extend(other);
    }
    let paths: Map<String, Value> = other_paths()
        .into_iter()
        .chain(genesys_paths())
        .map(|(path, item)| (path.to_string(), item))
        .collect();
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "cxda sandbox",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The embedded sandbox of cxda: the cxone-v2 Data Actions API, the genesys-cloud Data Actions endpoints under /api/v2/integrations, the OAuth token endpoint and the sandbox's own /_sandbox controls (docs/sandbox.md).",
        },
        "tags": [
            {"name": "cxone-v2"}, {"name": "genesys-cloud"}, {"name": "oauth"}, {"name": "sandbox"},
        ],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "A token from POST /oauth/token"},
                "basic": {"type": "http", "scheme": "basic", "description": "The OAuth client: sandbox / sandbox-secret"},
            },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_models_parse_and_every_ref_resolves() {
        let models: Value = serde_json::from_str(GENESYS_MODELS).expect("the models parse");
        assert!(models["schemas"]["Action"].is_object());
        let document = document();
        let text = document.to_string();
        let schemas = &document["components"]["schemas"];
        for reference in text.split("\"$ref\":\"").skip(1) {
            let target = reference.split('"').next().unwrap_or_default();
            let name = target
                .strip_prefix("#/components/schemas/")
                .expect("a schema ref");
            assert!(schemas.get(name).is_some(), "{target} does not resolve");
        }
    }
}
