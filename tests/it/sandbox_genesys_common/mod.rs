//! Helpers shared by the `sandbox_genesys*` tests: a client bound to one sandbox and token
//! for the genesys-cloud paths, and create bodies (`PostActionInput`) for the sandbox's
//! preset integration; `target` a target API for test runs.

use cxda::config::SANDBOX_INTEGRATION_ID;
use cxda::sandbox::{Faults, SandboxHandle};
use reqwest::header::HeaderMap;
use reqwest::{Client, Method};
use serde_json::{Value, json};

use crate::sandbox_common;

pub const ACTIONS: &str = "/api/v2/integrations/actions";
pub const DRAFTS: &str = "/api/v2/integrations/actions/drafts";

/// A create body that passes every check: the platform's minimal example, renamed.
pub fn create_body(name: &str) -> Value {
    json!({
        "name": name,
        "category": "cxda",
        "integrationId": SANDBOX_INTEGRATION_ID,
        "secure": false,
        "contract": {
            "input": {"inputSchema": {"type": "object", "properties": {"id": {"type": "string"}}}},
            "output": {"successSchema": {"type": "object", "properties": {}}}
        },
        "config": {
            "request": {
                "requestUrlTemplate": "https://api.example.com/items/$esc.url(${input.id})",
                "requestType": "GET",
                "headers": {},
                "requestTemplate": "${input.rawRequest}"
            },
            "response": {"translationMap": {}, "translationMapDefaults": {}, "successTemplate": "${rawResult}"}
        }
    })
}

/// A create body for an action a test run can go through every step of: it calls
/// `url_template` with GET (headers `X-Customer-Id` and `Accept`), requires the input
/// `name`, translates the target's `customer` (see `target_common::customer`) and checks the
/// result against its output contract.
pub fn runnable_body(name: &str, url_template: &str) -> Value {
    json!({
        "name": name,
        "category": "cxda",
        "integrationId": SANDBOX_INTEGRATION_ID,
        "secure": false,
        "contract": {
            "input": {"inputSchema": {
                "type": "object",
                "required": ["name"],
                "properties": {"name": {"type": "string"}, "id": {"type": "string"}}
            }},
            "output": {"successSchema": {
                "type": "object",
                "required": ["customerName", "tier", "region"],
                "properties": {
                    "customerName": {"type": "string"},
                    "tier": {"type": "string"},
                    "region": {"type": "string"}
                }
            }}
        },
        "config": {
            "request": {
                "requestUrlTemplate": url_template,
                "requestType": "GET",
                "headers": {"X-Customer-Id": "${input.id}", "Accept": "application/json"},
                "requestTemplate": "${input.rawRequest}"
            },
            "response": {
                "translationMap": {
                    "customerName": "$.customer.name",
                    "tier": "$.customer.tier",
                    "region": "$.customer.region"
                },
                "translationMapDefaults": {"region": "\"EMEA\""},
                "successTemplate": "{\"customerName\": ${customerName}, \"tier\": ${tier}, \"region\": ${region}}"
            }
        }
    })
}

/// One answer: status, headers, body (JSON, or `Null` when empty).
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts the status and, for an error, that the body is an `ErrorBody` with this code.
    pub fn expect_error(&self, status: u16, code: &str) -> &Value {
        assert_eq!(self.status, status, "{}", self.body);
        assert_eq!(self.body["code"], code, "{}", self.body);
        assert_eq!(self.body["status"], status, "{}", self.body);
        let context = self.body["contextId"].as_str().expect("contextId");
        assert!(uuid::Uuid::parse_str(context).is_ok(), "{context}");
        assert!(self.body["message"].as_str().is_some_and(|m| !m.is_empty()));
        assert!(self.body["details"].is_array() && self.body["errors"].is_array());
        &self.body
    }
}

/// A client with a token, against one sandbox.
pub struct Genesys {
    pub sandbox: SandboxHandle,
    pub client: Client,
    pub token: String,
}

impl Genesys {
    pub async fn start(faults: Faults) -> Genesys {
        let sandbox = sandbox_common::start(faults).await;
        let client = sandbox_common::client();
        let token = sandbox_common::token(&client, &sandbox).await;
        Genesys {
            sandbox,
            client,
            token,
        }
    }

    pub async fn plain() -> Genesys {
        Genesys::start(Faults::off()).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.base_url())
    }

    /// A request with the token and, when given, a JSON body.
    pub async fn send(&self, method: Method, path: &str, body: Option<&Value>) -> Answer {
        self.send_with(method, path, body, Some(&self.token)).await
    }

    pub async fn send_with(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        token: Option<&str>,
    ) -> Answer {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&bytes)))
        };
        Answer {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Answer {
        self.send(Method::POST, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: &Value) -> Answer {
        self.send(Method::PATCH, path, Some(body)).await
    }

    /// A draft named `name`; returns its id.
    pub async fn draft(&self, name: &str) -> String {
        let answer = self.post(DRAFTS, &create_body(name)).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.body["id"].as_str().expect("id").to_string()
    }

    /// An action named `name`, published through draft → publish; returns its id.
    pub async fn published(&self, name: &str) -> String {
        self.publish_body(&create_body(name)).await
    }

    /// The action `body` creates, published through draft → publish; returns its id.
    pub async fn publish_body(&self, body: &Value) -> String {
        let answer = self.post(DRAFTS, body).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        let id = answer.body["id"].as_str().expect("id").to_string();
        let answer = self
            .post(
                &format!("{ACTIONS}/{id}/draft/publish"),
                &json!({"version": 1}),
            )
            .await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        id
    }
}

/// One answer of [`exchanges`], with the path template its request matched.
pub struct Exchange {
    pub method: Method,
    pub template: &'static str,
    pub status: u16,
    pub body: Value,
}

/// Runs every genesys-cloud endpoint through its successes and its errors (400, 401, 404,
/// 429, 503) and returns each answer, to check their shapes against a description.
pub async fn exchanges() -> Vec<Exchange> {
    const ID: &str = "/api/v2/integrations/actions/{actionId}";
    const DRAFT: &str = "/api/v2/integrations/actions/{actionId}/draft";
    const VALIDATION: &str = "/api/v2/integrations/actions/{actionId}/draft/validation";
    const PUBLISH: &str = "/api/v2/integrations/actions/{actionId}/draft/publish";
    const TEST: &str = "/api/v2/integrations/actions/{actionId}/test";
    const DRAFT_TEST: &str = "/api/v2/integrations/actions/{actionId}/draft/test";
    let g = Genesys::plain().await;
    let mut seen = Vec::new();
    let mut record = |method: Method, template: &'static str, answer: Answer| {
        seen.push(Exchange {
            method,
            template,
            status: answer.status,
            body: answer.body,
        });
    };
    let draft = g.post(DRAFTS, &create_body("Shapes")).await;
    let id = draft.body["id"].as_str().expect("id").to_string();
    let at = |suffix: &str| format!("{ACTIONS}/{id}{suffix}");
    record(Method::POST, DRAFTS, draft);
    record(
        Method::POST,
        DRAFTS,
        g.post(DRAFTS, &json!({"name": 1})).await,
    );
    record(
        Method::POST,
        DRAFTS,
        g.post(DRAFTS, &create_body("Shapes")).await,
    );
    let anonymous = g
        .send_with(Method::POST, DRAFTS, Some(&create_body("Anonymous")), None)
        .await;
    record(Method::POST, DRAFTS, anonymous);
    record(
        Method::GET,
        VALIDATION,
        g.get(&at("/draft/validation")).await,
    );
    record(
        Method::GET,
        DRAFT,
        g.get(&at("/draft?expand=contract&includeConfig=true"))
            .await,
    );
    record(
        Method::PATCH,
        DRAFT,
        g.patch(&at("/draft"), &json!({"version": 1, "category": "shapes"}))
            .await,
    );
    record(
        Method::POST,
        PUBLISH,
        g.post(&at("/draft/publish"), &json!({"version": 1})).await,
    );
    record(
        Method::POST,
        PUBLISH,
        g.post(&at("/draft/publish"), &json!({"version": 2})).await,
    );
    record(Method::GET, ID, g.get(&at("")).await);
    record(
        Method::GET,
        ID,
        g.get(&at("?expand=contract&includeConfig=true")).await,
    );
    record(
        Method::GET,
        ID,
        g.get(&format!("{ACTIONS}/00000000-0000-4000-8000-000000000000"))
            .await,
    );
    record(
        Method::PATCH,
        ID,
        g.patch(&at(""), &json!({"version": 3, "name": "Shapes 2"}))
            .await,
    );
    record(Method::POST, DRAFT, g.post(&at("/draft"), &json!({})).await);
    record(
        Method::PATCH,
        DRAFT,
        g.patch(&at("/draft"), &json!({"version": 4, "config": {}}))
            .await,
    );
    record(
        Method::GET,
        VALIDATION,
        g.get(&at("/draft/validation")).await,
    );
    record(
        Method::POST,
        PUBLISH,
        g.post(&at("/draft/publish"), &json!({"version": 5})).await,
    );
    record(
        Method::GET,
        DRAFTS,
        g.get(&format!("{DRAFTS}?includeConfig=true")).await,
    );
    record(
        Method::POST,
        ACTIONS,
        g.post(ACTIONS, &create_body("Direct")).await,
    );
    record(
        Method::GET,
        ACTIONS,
        g.get(&format!("{ACTIONS}?pageSize=1&pageNumber=2")).await,
    );
    record(
        Method::GET,
        ACTIONS,
        g.get(&format!("{ACTIONS}?pageSize=500")).await,
    );
    let categories = g.get(&format!("{ACTIONS}/categories")).await;
    record(
        Method::GET,
        "/api/v2/integrations/actions/categories",
        categories,
    );
    let integrations = g
        .get("/api/v2/integrations?integrationType=custom-rest-actions")
        .await;
    record(Method::GET, "/api/v2/integrations", integrations);
    let deleted = g.send(Method::DELETE, &at(""), None).await;
    assert_eq!(deleted.status, 204);
    record(Method::GET, ID, g.get(&at("")).await);

    // Test runs: one that passes, one whose input fails the contract, and their errors.
    let target = crate::target_common::Target::serve().await;
    let url = format!("{}/customers/$esc.url(${{input.name}})", target.base());
    let runnable = g.publish_body(&runnable_body("Runnable", &url)).await;
    let test = format!("{ACTIONS}/{runnable}/test");
    let input = json!({"name": "Ada", "id": "c-1"});
    record(Method::POST, TEST, g.post(&test, &input).await);
    record(
        Method::POST,
        TEST,
        g.post(&test, &json!({"id": "c-1"})).await,
    );
    record(Method::POST, TEST, g.post(&test, &json!(["Ada"])).await);
    let draft_test = format!("{ACTIONS}/{runnable}/draft/test");
    record(Method::POST, DRAFT_TEST, g.post(&draft_test, &input).await);

    sandbox_common::put_faults(&g.client, &g.sandbox, json!({"fail_429": 1})).await;
    record(
        Method::POST,
        DRAFTS,
        g.post(DRAFTS, &create_body("Refused")).await,
    );
    let unlucky = json!({"fail_429": 0, "error_rate": 1.0});
    sandbox_common::put_faults(&g.client, &g.sandbox, unlucky).await;
    record(
        Method::POST,
        ACTIONS,
        g.post(ACTIONS, &create_body("Unlucky")).await,
    );
    let limited = json!({"error_rate": 0.0, "rate_limit": "1/min"});
    sandbox_common::put_faults(&g.client, &g.sandbox, limited).await;
    for _ in 0..2 {
        record(Method::GET, ACTIONS, g.get(ACTIONS).await);
    }
    let statuses: std::collections::BTreeSet<u16> = seen.iter().map(|e| e.status).collect();
    for status in [200, 400, 401, 404, 429, 503] {
        assert!(statuses.contains(&status), "no {status} among {statuses:?}");
    }
    seen
}
