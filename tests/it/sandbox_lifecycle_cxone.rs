//! The cxone-v2 action lifecycle of the sandbox over real HTTP (docs/sandbox.md): versions
//! and `ETag`, `PUT` with `If-Match`, `DELETE`, and the paged list.

use std::collections::HashSet;

use reqwest::{Client, Method, Response};
use serde_json::{Value, json};

use crate::sandbox_common::{self, *};
use cxda::sandbox::{Faults, SandboxHandle};

struct Cx {
    sandbox: SandboxHandle,
    client: Client,
    token: String,
}

struct Answer {
    status: u16,
    etag: Option<String>,
    content_type: String,
    body: Value,
}

impl Cx {
    async fn start(faults: Faults) -> Cx {
        let sandbox = sandbox_common::start(faults).await;
        let client = client();
        let token = token(&client, &sandbox).await;
        Cx {
            sandbox,
            client,
            token,
        }
    }

    async fn plain() -> Cx {
        Cx::start(Faults::off()).await
    }

    fn url(&self, path: &str) -> String {
        format!("{}/api/v2/data-actions{path}", self.sandbox.base_url())
    }

    async fn raw(
        &self,
        method: Method,
        path: &str,
        body: Option<String>,
        if_match: Option<&str>,
    ) -> Response {
        let mut request = self
            .client
            .request(method, self.url(path))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body);
        }
        if let Some(tag) = if_match {
            request = request.header("if-match", tag);
        }
        request.send().await.expect("request")
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<String>,
        if_match: Option<&str>,
    ) -> Answer {
        answer(self.raw(method, path, body, if_match).await).await
    }

    async fn create(&self, name: &str) -> Answer {
        self.send(Method::POST, "", Some(payload(name)), None).await
    }

    /// Creates and answers the id.
    async fn created(&self, name: &str) -> String {
        let created = self.create(name).await;
        assert_eq!(created.status, 201, "{}", created.body);
        created.body["id"].as_str().expect("id").to_string()
    }

    async fn get(&self, id: &str) -> Answer {
        self.send(Method::GET, &format!("/{id}"), None, None).await
    }

    async fn put(&self, id: &str, body: String, if_match: Option<&str>) -> Answer {
        self.send(Method::PUT, &format!("/{id}"), Some(body), if_match)
            .await
    }

    async fn delete(&self, id: &str, if_match: Option<&str>) -> Answer {
        self.send(Method::DELETE, &format!("/{id}"), None, if_match)
            .await
    }

    async fn page(&self, query: &str) -> Answer {
        self.send(Method::GET, &format!("?{query}"), None, None)
            .await
    }
}

async fn answer(response: Response) -> Answer {
    let status = response.status().as_u16();
    let text_header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let etag = text_header("etag");
    let content_type = text_header("content-type").unwrap_or_default();
    let bytes = response.bytes().await.expect("body");
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).expect("a JSON body")
    };
    Answer {
        status,
        etag,
        content_type,
        body,
    }
}

/// The test payload with another description.
fn edited(name: &str, description: &str) -> String {
    let mut value: Value = serde_json::from_str(&payload(name)).expect("payload");
    value["description"] = json!(description);
    value.to_string()
}

fn assert_problem(answer: &Answer, status: u16) {
    assert_eq!(answer.status, status, "{}", answer.body);
    assert_eq!(answer.content_type, "application/problem+json");
    assert_eq!(answer.body["status"], status);
}

#[tokio::test]
async fn a_create_is_version_1_with_an_etag_and_get_says_the_same() {
    let cx = Cx::plain().await;
    let created = cx.create("Versioned").await;
    assert_eq!(created.status, 201);
    assert_eq!(created.body["version"], 1);
    assert_eq!(created.etag.as_deref(), Some("\"1\""));
    let id = created.body["id"].as_str().expect("id");
    let got = cx.get(id).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body, created.body);
    assert_eq!(got.etag.as_deref(), Some("\"1\""));
}

#[tokio::test]
async fn put_with_the_current_version_stores_the_next_one() {
    let cx = Cx::plain().await;
    let first = cx.created("Before").await;
    let id = cx.created("Edited").await;
    let created = cx.get(&id).await.body;

    let updated = cx.put(&id, edited("Edited", "v2"), Some("\"1\"")).await;
    assert_eq!(updated.status, 200, "{}", updated.body);
    assert_eq!(updated.etag.as_deref(), Some("\"2\""));
    assert_eq!(updated.body["version"], 2);
    assert_eq!(updated.body["id"], id.as_str());
    assert_eq!(updated.body["description"], "v2");
    assert_eq!(updated.body["createdAt"], created["createdAt"]);
    let got = cx.get(&id).await;
    assert_eq!(
        (got.body.clone(), got.etag.as_deref()),
        (updated.body, Some("\"2\""))
    );

    // The bare number is accepted as If-Match, and no If-Match at all is an
    // unconditional update.
    let bare = cx.put(&id, edited("Edited", "v3"), Some("2")).await;
    assert_eq!((bare.status, bare.body["version"].clone()), (200, json!(3)));
    let blind = cx.put(&id, edited("Renamed", "v4"), None).await;
    assert_eq!(
        (blind.status, blind.body["version"].clone()),
        (200, json!(4))
    );

    // Updated in place: still listed second; the old name is free again.
    let list = cx.page("").await.body;
    assert_eq!(list["entities"][0]["id"], first.as_str());
    assert_eq!(list["entities"][1]["name"], "Renamed");
    assert_eq!(cx.create("Edited").await.status, 201);
}

#[tokio::test]
async fn a_stale_if_match_is_412_and_changes_nothing() {
    let cx = Cx::plain().await;
    let id = cx.created("Contended").await;
    assert_eq!(
        cx.put(&id, edited("Contended", "theirs"), Some("\"1\""))
            .await
            .status,
        200
    );

    let stale = cx
        .put(&id, edited("Contended", "mine"), Some("\"1\""))
        .await;
    assert_problem(&stale, 412);
    assert_eq!(stale.body["currentVersion"], 2);
    let got = cx.get(&id).await;
    assert_eq!(
        (got.body["version"].clone(), got.body["description"].clone()),
        (json!(2), json!("theirs"))
    );

    let stale_delete = cx.delete(&id, Some("\"1\"")).await;
    assert_problem(&stale_delete, 412);
    assert_eq!(cx.get(&id).await.status, 200);
    assert_eq!(cx.delete(&id, Some("\"2\"")).await.status, 204);
}

#[tokio::test]
async fn put_to_another_actions_name_is_409_and_to_an_unknown_id_404() {
    let cx = Cx::plain().await;
    cx.created("Taken").await;
    let id = cx.created("Mine").await;
    let conflict = cx.put(&id, edited("Taken", "x"), Some("\"1\"")).await;
    assert_problem(&conflict, 409);
    assert_eq!(cx.get(&id).await.body["name"], "Mine");

    let missing = cx
        .put("da_0000000000000000", payload("Anything"), None)
        .await;
    assert_problem(&missing, 404);
}

#[tokio::test]
async fn put_makes_the_checks_of_a_create() {
    let cx = Cx::plain().await;
    let id = cx.created("Checked").await;

    let invalid = cx
        .put(
            &id,
            json!({"name": "Checked", "type": "SOAP"}).to_string(),
            None,
        )
        .await;
    assert_problem(&invalid, 400);
    let errors = invalid.body["errors"].as_array().expect("errors");
    assert!(!errors.is_empty());
    assert!(
        errors.iter().all(|e| e["pointer"].is_string()),
        "{errors:?}"
    );
    assert!(
        invalid.body.to_string().contains("/type"),
        "{}",
        invalid.body
    );

    let too_big = cx
        .put(&id, " ".repeat(cxda::sandbox::MAX_BODY_BYTES + 1), None)
        .await;
    assert_problem(&too_big, 413);

    let huge_header = cx
        .client
        .put(cx.url(&format!("/{id}")))
        .bearer_auth(&cx.token)
        .header("x-padding", "p".repeat(cxda::sandbox::MAX_HEADER_BYTES))
        .body(payload("Checked"))
        .send()
        .await
        .expect("send");
    assert_eq!(huge_header.status(), 431);

    let anonymous = cx
        .client
        .put(cx.url(&format!("/{id}")))
        .body(payload("Checked"))
        .send()
        .await
        .expect("send");
    assert_eq!(anonymous.status(), 401);

    let reader = token_with_scope(&cx.client, &cx.sandbox, Some("data-actions:read")).await;
    for method in [Method::PUT, Method::DELETE] {
        let refused = cx
            .client
            .request(method.clone(), cx.url(&format!("/{id}")))
            .bearer_auth(&reader)
            .body(payload("Checked"))
            .send()
            .await
            .expect("send");
        assert_eq!(refused.status(), 403, "{method}");
    }
    assert_eq!(cx.get(&id).await.body["version"], 1, "nothing changed");
}

#[tokio::test]
async fn delete_is_204_then_the_id_is_gone_and_the_name_free() {
    let cx = Cx::plain().await;
    let id = cx.created("Doomed").await;
    let deleted = cx.delete(&id, None).await;
    assert_eq!((deleted.status, deleted.body.clone()), (204, Value::Null));
    assert_problem(&cx.get(&id).await, 404);
    assert_problem(&cx.put(&id, payload("Doomed"), None).await, 404);
    assert_problem(&cx.delete(&id, None).await, 404);
    assert_eq!(cx.page("").await.body["total"], 0);
    let again = cx.create("Doomed").await;
    assert_eq!(
        (again.status, again.body["version"].clone()),
        (201, json!(1))
    );
    assert_ne!(again.body["id"], id.as_str());
}

#[tokio::test]
async fn a_replayed_create_answers_as_the_create_did_after_an_update() {
    let cx = Cx::plain().await;
    let keyed = |body: String| {
        cx.client
            .post(cx.url(""))
            .bearer_auth(&cx.token)
            .header("idempotency-key", "k-1")
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let first = answer(keyed(payload("Keyed")).await.expect("send")).await;
    assert_eq!(first.status, 201);
    let id = first.body["id"].as_str().expect("id");
    assert_eq!(
        cx.put(id, edited("Keyed", "later"), Some("\"1\""))
            .await
            .status,
        200
    );
    let replay = answer(keyed(payload("Keyed")).await.expect("send")).await;
    assert_eq!((replay.status, replay.body), (201, first.body));
    assert_eq!(replay.etag.as_deref(), Some("\"1\""));
}

#[tokio::test]
async fn two_hundred_fifty_two_actions_list_in_three_pages_of_100_in_creation_order() {
    let cx = Cx::plain().await;
    let mut created = Vec::new();
    for n in 0..252 {
        created.push(cx.created(&format!("Paged {n:03}")).await);
    }
    let mut listed = Vec::new();
    for (page, expected_len) in [(1, 100), (2, 100), (3, 52)] {
        let answer = cx.page(&format!("page={page}&pageSize=100")).await;
        assert_eq!(answer.status, 200);
        assert_eq!(answer.body["page"], page);
        assert_eq!(answer.body["pageSize"], 100);
        assert_eq!(answer.body["total"], 252);
        let entities = answer.body["entities"].as_array().expect("entities");
        assert_eq!(entities.len(), expected_len, "page {page}");
        listed.extend(
            entities
                .iter()
                .map(|a| a["id"].as_str().expect("id").to_string()),
        );
    }
    assert_eq!(listed, created, "every action once, oldest first");
    assert_eq!(listed.iter().collect::<HashSet<_>>().len(), 252);
    let past = cx.page("page=4&pageSize=100").await;
    assert_eq!(past.status, 200);
    assert_eq!(past.body["entities"], json!([]));
    assert_eq!(past.body["total"], 252);
    let default = cx.page("").await.body;
    assert_eq!(
        (default["page"].clone(), default["pageSize"].clone()),
        (json!(1), json!(25))
    );
    assert_eq!(default["entities"].as_array().map(Vec::len), Some(25));
}

#[tokio::test]
async fn paging_values_out_of_range_are_400_naming_the_parameter() {
    let cx = Cx::plain().await;
    for (query, key) in [
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=two", "page"),
        ("pageSize=0", "pageSize"),
        ("pageSize=101", "pageSize"),
        ("pageSize=", "pageSize"),
    ] {
        let refused = cx.page(query).await;
        assert_problem(&refused, 400);
        assert_eq!(refused.body["key"], key, "{query}");
    }
    assert_eq!(cx.page("page=1&pageSize=100").await.status, 200);
}

#[tokio::test]
async fn updates_and_deletes_meet_the_rate_limit_and_the_fail_429_fault() {
    let mut faults = Faults::off();
    faults.rate_limit = Some("1000/min".parse().expect("rate"));
    faults.fail_429 = 0;
    let cx = Cx::start(faults.clone()).await;
    let id = cx.created("Limited").await;
    faults.fail_429 = 2;
    cx.sandbox.set_faults(faults);
    let refused = cx
        .raw(
            Method::PUT,
            &format!("/{id}"),
            Some(payload("Limited")),
            None,
        )
        .await;
    assert_eq!(refused.status(), 429);
    assert_eq!(header(&refused, "retry-after"), "1");
    let refused = cx.raw(Method::DELETE, &format!("/{id}"), None, None).await;
    assert_eq!(refused.status(), 429);
    let updated = cx
        .raw(
            Method::PUT,
            &format!("/{id}"),
            Some(payload("Limited")),
            None,
        )
        .await;
    assert_eq!(updated.status(), 200);
    assert_eq!(header(&updated, "x-ratelimit-limit"), "1000");
    let deleted = cx.raw(Method::DELETE, &format!("/{id}"), None, None).await;
    assert_eq!(deleted.status(), 204);
    assert!(deleted.headers().contains_key("x-ratelimit-remaining"));
}
