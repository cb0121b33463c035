//! Helpers shared by the `sandbox_genesys*` tests: a client bound to one sandbox and token
//! for the genesys-cloud paths, and create bodies (`PostActionInput`) for the sandbox's
//! preset integration.

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
        let id = self.draft(name).await;
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
