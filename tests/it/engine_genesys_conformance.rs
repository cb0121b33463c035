//! What cxda sends on the genesys-cloud dialect, checked against the platform's own
//! description (`tests/fixtures/genesys-actions.swagger.json`, a subset rebuilt from the
//! official SDK): a recording proxy on loopback stands between the engine and the real
//! sandbox, and every request body cxda sends is validated against the definition the
//! description names for its path and method (`PostActionInput` for the draft,
//! `PublishDraftInput` for the publish).

use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use cxda::audit::Outcome;
use cxda::sandbox::SandboxHandle;
use reqwest::Url;
use serde_json::{Value, json};

use crate::engine_common::{engine, side_client, start};
use crate::engine_genesys_common::{payload, submission, submit_watching};

/// One request as cxda sent it: method, path and body.
#[derive(Debug, Clone)]
struct Sent {
    method: Method,
    path: String,
    body: Bytes,
}

#[derive(Clone)]
struct Proxy {
    upstream: String,
    sent: Arc<Mutex<Vec<Sent>>>,
}

/// Records the request, then forwards it to the sandbox and relays the answer.
async fn forward(State(proxy): State<Proxy>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 4 << 20)
        .await
        .expect("the request body is read");
    let path_and_query = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_string();
    proxy.sent.lock().expect("lock").push(Sent {
        method: parts.method.clone(),
        path: parts.uri.path().to_string(),
        body: body.clone(),
    });
    let mut headers = HeaderMap::new();
    for (name, value) in &parts.headers {
        if name != "host" {
            headers.append(name, value.clone());
        }
    }
    let answer = side_client()
        .request(parts.method, format!("{}{path_and_query}", proxy.upstream))
        .headers(headers)
        .body(body)
        .send()
        .await
        .expect("the sandbox answers");
    let status = StatusCode::from_u16(answer.status().as_u16()).expect("status");
    let mut response = Response::builder().status(status);
    for (name, value) in answer.headers() {
        if name != "content-length" && name != "transfer-encoding" {
            response = response.header(name, value);
        }
    }
    let bytes = answer.bytes().await.expect("the answer body");
    response.body(Body::from(bytes)).expect("response")
}

/// A recording proxy in front of `sandbox`: its base URL and what it has seen.
async fn proxy(sandbox: &SandboxHandle) -> (String, Arc<Mutex<Vec<Sent>>>) {
    let sent = Arc::new(Mutex::new(Vec::new()));
    let state = Proxy {
        upstream: sandbox.base_url().trim_end_matches('/').to_string(),
        sent: Arc::clone(&sent),
    };
    let app = axum::Router::new().fallback(forward).with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/"), sent)
}

fn swagger() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/genesys-actions.swagger.json"
    );
    let text = std::fs::read_to_string(path).expect("the platform's description");
    serde_json::from_str(&text).expect("it parses")
}

/// The body definition the description names for `method` on the path `template`.
fn body_definition(swagger: &Value, template: &str, method: &Method) -> Option<String> {
    let operation = &swagger["paths"][template][method.as_str().to_ascii_lowercase()];
    let parameters = operation["parameters"].as_array()?;
    let body = parameters.iter().find(|p| p["in"] == "body")?;
    let reference = body["schema"]["$ref"].as_str()?;
    reference.strip_prefix("#/definitions/").map(str::to_string)
}

/// `/api/v2/integrations/actions/abc/draft/publish` → `…/{actionId}/draft/publish`.
fn template_of(path: &str) -> String {
    let parts: Vec<&str> = path.split('/').collect();
    parts
        .iter()
        .enumerate()
        .map(|(i, part)| {
            let after_actions = i == 5 && parts.get(4) == Some(&"actions");
            if after_actions && !matches!(*part, "drafts" | "categories") {
                "{actionId}"
            } else {
                part
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn check(swagger: &Value, name: &str, body: &Value) -> Vec<String> {
    let root =
        json!({"$ref": format!("#/definitions/{name}"), "definitions": swagger["definitions"]});
    let validator = jsonschema::draft4::options()
        .should_validate_formats(false)
        .build(&root)
        .expect("the definitions compile");
    validator
        .iter_errors(body)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_body_cxda_sends_matches_the_platforms_definition() {
    let swagger = swagger();
    let sandbox = start(cxda::sandbox::Faults::off()).await;
    let (base, sent) = proxy(&sandbox).await;
    let mut profile = cxda::config::Profile::sandbox_genesys();
    profile
        .complete_sandbox(&Url::parse(&base).expect("url"))
        .expect("profile");
    profile.rate_limit = None;
    let (engine, _dir) = engine(profile);
    // A file pulled from the server carries `id` and `version`: never sent on a create.
    let mut action = payload("Conformance");
    action["id"] = json!("not-sent");
    action["version"] = json!(7);
    action
        .as_object_mut()
        .expect("object")
        .remove("integrationId");
    let (record, _) = submit_watching(&engine, submission(&action), async |_| {}).await;
    assert_eq!(record.outcome, Outcome::Created, "{:?}", record.error);

    let sent = sent.lock().expect("lock").clone();
    let mut checked = Vec::new();
    for request in sent.iter().filter(|s| s.path.starts_with("/api/v2/")) {
        let template = template_of(&request.path);
        assert!(
            swagger["paths"].get(&template).is_some(),
            "{} {} is not a path of the platform",
            request.method,
            request.path
        );
        let Some(name) = body_definition(&swagger, &template, &request.method) else {
            assert!(
                request.body.is_empty(),
                "{} {template} takes no body",
                request.method
            );
            continue;
        };
        let body: Value = serde_json::from_slice(&request.body).expect("a JSON body");
        let errors = check(&swagger, &name, &body);
        assert!(
            errors.is_empty(),
            "{template}: not a {name}: {errors:?}\n{body}"
        );
        checked.push((name, body));
    }
    let names: Vec<&str> = checked.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["PostActionInput", "PublishDraftInput"]);
    let draft = &checked[0].1;
    assert!(
        draft.get("id").is_none() && draft.get("version").is_none(),
        "{draft}"
    );
    assert_eq!(draft["integrationId"], cxda::config::SANDBOX_INTEGRATION_ID);
    assert!(checked[1].1["version"].is_u64(), "{}", checked[1].1);
    // The token request went through the proxy too, as a form without a scope.
    let token = sent
        .iter()
        .find(|s| s.path == "/oauth/token")
        .expect("a token request");
    assert_eq!(&token.body[..], b"grant_type=client_credentials");
}

/// The check above must be able to fail: a draft without its contract is refused.
#[test]
fn the_definition_refuses_a_draft_without_its_contract() {
    let swagger = swagger();
    let mut draft = payload("Broken");
    draft.as_object_mut().expect("object").remove("contract");
    let errors = check(&swagger, "PostActionInput", &draft);
    assert!(errors.iter().any(|e| e.contains("contract")), "{errors:?}");
    assert_eq!(
        template_of("/api/v2/integrations/actions/abc/draft/publish"),
        "/api/v2/integrations/actions/{actionId}/draft/publish"
    );
    assert_eq!(
        template_of("/api/v2/integrations/actions/drafts"),
        "/api/v2/integrations/actions/drafts"
    );
}
