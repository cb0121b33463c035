//! `GET /openapi.json`: an OpenAPI 3 document (parsed by `openapiv3`) that describes every
//! path the sandbox serves and nothing it does not, whose declared answer schemas the
//! sandbox's answers meet.

use reqwest::Method;
use serde_json::{Value, json};

use crate::sandbox_common;
use crate::sandbox_genesys_common::{Genesys, exchanges};

/// Every (method, path) the sandbox's router serves.
const SERVED: &[(&str, &str)] = &[
    ("post", "/oauth/token"),
    ("post", "/api/v2/data-actions"),
    ("get", "/api/v2/data-actions"),
    ("get", "/api/v2/data-actions/{id}"),
    ("put", "/api/v2/data-actions/{id}"),
    ("delete", "/api/v2/data-actions/{id}"),
    ("post", "/api/v2/data-actions/moved"),
    ("get", "/_sandbox/faults"),
    ("put", "/_sandbox/faults"),
    ("get", "/_sandbox/stats"),
    ("post", "/_sandbox/webhook"),
    ("get", "/_sandbox/webhook"),
    ("get", "/openapi.json"),
    ("get", "/api/v2/integrations"),
    ("get", "/api/v2/integrations/actions"),
    ("post", "/api/v2/integrations/actions"),
    ("get", "/api/v2/integrations/actions/drafts"),
    ("post", "/api/v2/integrations/actions/drafts"),
    ("get", "/api/v2/integrations/actions/categories"),
    ("get", "/api/v2/integrations/actions/{actionId}"),
    ("patch", "/api/v2/integrations/actions/{actionId}"),
    ("delete", "/api/v2/integrations/actions/{actionId}"),
    ("post", "/api/v2/integrations/actions/{actionId}/draft"),
    ("get", "/api/v2/integrations/actions/{actionId}/draft"),
    ("patch", "/api/v2/integrations/actions/{actionId}/draft"),
    ("delete", "/api/v2/integrations/actions/{actionId}/draft"),
    (
        "get",
        "/api/v2/integrations/actions/{actionId}/draft/validation",
    ),
    (
        "post",
        "/api/v2/integrations/actions/{actionId}/draft/publish",
    ),
    ("post", "/api/v2/integrations/actions/{actionId}/test"),
    ("post", "/api/v2/integrations/actions/{actionId}/draft/test"),
];

const METHODS: [&str; 5] = ["get", "put", "post", "patch", "delete"];

async fn document(g: &Genesys) -> Value {
    let answer = g.get("/openapi.json").await;
    assert_eq!(answer.status, 200);
    answer.body
}

#[tokio::test]
async fn the_document_parses_as_openapi_3() {
    let g = Genesys::plain().await;
    let body = document(&g).await;
    let parsed: openapiv3::OpenAPI =
        serde_json::from_value(body.clone()).expect("an OpenAPI 3.0 document");
    assert!(parsed.openapi.starts_with("3."), "{}", parsed.openapi);
    assert!(
        parsed
            .components
            .is_some_and(|c| c.schemas.contains_key("Action"))
    );
    // Not rate-limited, not counted.
    assert_eq!(
        g.sandbox.stats().responses.values().sum::<u64>(),
        1,
        "only the token request"
    );
}

#[tokio::test]
async fn every_served_path_is_described_and_every_described_one_is_served() {
    let g = Genesys::plain().await;
    let body = document(&g).await;
    let paths = body["paths"].as_object().expect("paths");
    for (method, path) in SERVED {
        assert!(
            paths
                .get(*path)
                .and_then(|item| item.get(*method))
                .is_some(),
            "{method} {path} is not described"
        );
    }
    let mut described = 0;
    for (path, item) in paths {
        for method in METHODS.iter().filter(|m| item.get(**m).is_some()) {
            described += 1;
            assert!(
                SERVED.contains(&(method, path.as_str())),
                "{method} {path} is described but not in SERVED"
            );
            // Served: the answer is not the router's own 404 for an unknown path, nor a 405.
            let concrete = path
                .replace("{actionId}", "00000000-0000-4000-8000-000000000000")
                .replace("{id}", "da_0");
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let body = (method != Method::GET && method != Method::DELETE).then(|| json!({}));
            let answer = g.send(method.clone(), &concrete, body.as_ref()).await;
            assert_ne!(answer.status, 405, "{method} {path}");
            let text = answer.body.to_string();
            assert!(
                !(answer.status == 404
                    && (text.contains("no such endpoint")
                        || text.contains("The requested resource was not found."))),
                "{method} {path} is not served: {text}"
            );
        }
    }
    assert_eq!(described, SERVED.len());
}

/// The schema the document declares for this answer, as a draft-4 validator whose refs
/// resolve in the document's components.
fn validator(document: &Value, path: &str, method: &str, status: u16) -> jsonschema::Validator {
    let response = &document["paths"][path][method]["responses"][status.to_string()];
    let content = response["content"]
        .as_object()
        .unwrap_or_else(|| panic!("{method} {path} declares no body for {status}"));
    let schema = content
        .values()
        .next()
        .map(|c| c["schema"].clone())
        .expect("a schema");
    let mut root = json!({ "components": document["components"] });
    if let (Value::Object(root), Value::Object(schema)) = (&mut root, schema) {
        root.extend(schema);
    }
    nullable_as_json_schema(&mut root);
    // `format: uri` is not checked: links are written as paths, as the platform writes them.
    jsonschema::draft4::options()
        .should_validate_formats(false)
        .build(&root)
        .expect("the declared schema compiles")
}

/// OpenAPI 3.0's `nullable: true` beside a `type` is JSON Schema's `type: [T, "null"]`.
fn nullable_as_json_schema(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            if map.remove("nullable") == Some(Value::Bool(true))
                && let Some(Value::String(kind)) = map.get("type").cloned()
            {
                map.insert("type".into(), json!([kind, "null"]));
            }
            map.values_mut().for_each(nullable_as_json_schema);
        }
        Value::Array(items) => items.iter_mut().for_each(nullable_as_json_schema),
        _ => {}
    }
}

fn check(document: &Value, path: &str, method: &str, status: u16, body: &Value) {
    let errors: Vec<String> = validator(document, path, method, status)
        .iter_errors(body)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{method} {path} {status}: {errors:?}\n{body}"
    );
}

#[tokio::test]
async fn genesys_answers_meet_the_schemas_the_document_declares() {
    let g = Genesys::plain().await;
    let document = document(&g).await;
    for exchange in exchanges().await {
        let method = exchange.method.as_str().to_ascii_lowercase();
        check(
            &document,
            exchange.template,
            &method,
            exchange.status,
            &exchange.body,
        );
    }
}

#[tokio::test]
async fn cxone_oauth_and_sandbox_answers_meet_the_schemas_the_document_declares() {
    let g = Genesys::plain().await;
    let document = document(&g).await;
    let sandbox = &g.sandbox;
    let token = sandbox_common::token_response(&g.client, sandbox, None).await;
    check(
        &document,
        "/oauth/token",
        "post",
        200,
        &token.json().await.expect("json"),
    );
    let bad = g
        .client
        .post(sandbox.token_url())
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("send");
    check(
        &document,
        "/oauth/token",
        "post",
        401,
        &bad.json().await.expect("json"),
    );

    let created = sandbox_common::create(&g.client, sandbox, &g.token, "Described").await;
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.expect("json");
    check(&document, "/api/v2/data-actions", "post", 201, &created);
    let again = sandbox_common::create(&g.client, sandbox, &g.token, "Described").await;
    assert_eq!(again.status(), 409);
    check(
        &document,
        "/api/v2/data-actions",
        "post",
        409,
        &again.json().await.expect("json"),
    );
    let list = g.get("/api/v2/data-actions").await;
    check(&document, "/api/v2/data-actions", "get", 200, &list.body);
    let one = g
        .get(&format!(
            "/api/v2/data-actions/{}",
            created["id"].as_str().expect("id")
        ))
        .await;
    check(
        &document,
        "/api/v2/data-actions/{id}",
        "get",
        200,
        &one.body,
    );
    let missing = g.get("/api/v2/data-actions/da_0").await;
    check(
        &document,
        "/api/v2/data-actions/{id}",
        "get",
        404,
        &missing.body,
    );

    let id = created["id"].as_str().expect("id");
    let edited: Value =
        serde_json::from_str(&sandbox_common::payload("Described")).expect("payload");
    let one_path = format!("/api/v2/data-actions/{id}");
    let updated = g.send(Method::PUT, &one_path, Some(&edited)).await;
    assert_eq!(updated.status, 200);
    check(
        &document,
        "/api/v2/data-actions/{id}",
        "put",
        200,
        &updated.body,
    );
    let stale = g
        .client
        .put(g.url(&one_path))
        .bearer_auth(&g.token)
        .header("if-match", "\"1\"")
        .json(&edited)
        .send()
        .await
        .expect("send");
    assert_eq!(stale.status(), 412);
    check(
        &document,
        "/api/v2/data-actions/{id}",
        "put",
        412,
        &stale.json().await.expect("json"),
    );
    let bad_page = g.get("/api/v2/data-actions?pageSize=101").await;
    check(
        &document,
        "/api/v2/data-actions",
        "get",
        400,
        &bad_page.body,
    );
    assert_eq!(g.send(Method::DELETE, &one_path, None).await.status, 204);
    let gone = g.send(Method::DELETE, &one_path, None).await;
    check(
        &document,
        "/api/v2/data-actions/{id}",
        "delete",
        404,
        &gone.body,
    );

    for (path, method) in [
        ("/_sandbox/faults", "get"),
        ("/_sandbox/stats", "get"),
        ("/_sandbox/webhook", "get"),
    ] {
        check(&document, path, method, 200, &g.get(path).await.body);
    }
    let put = sandbox_common::put_faults(&g.client, sandbox, json!({"latency_ms": 0})).await;
    check(
        &document,
        "/_sandbox/faults",
        "put",
        200,
        &put.json().await.expect("json"),
    );
    let refused = sandbox_common::put_faults(&g.client, sandbox, json!({"fial_429": 1})).await;
    check(
        &document,
        "/_sandbox/faults",
        "put",
        400,
        &refused.json().await.expect("json"),
    );
    let webhook = g.post("/_sandbox/webhook", &json!({"event": "x"})).await;
    check(&document, "/_sandbox/webhook", "post", 200, &webhook.body);
    check(
        &document,
        "/_sandbox/webhook",
        "get",
        200,
        &g.get("/_sandbox/webhook").await.body,
    );
}
