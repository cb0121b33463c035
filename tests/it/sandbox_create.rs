//! The Data Actions API of the sandbox over real HTTP: each status of docs/sandbox.md for a
//! create, idempotent replay, and reading actions back.

use crate::sandbox_common;

use sandbox_common::*;
use serde_json::Value;

#[tokio::test]
async fn a_valid_create_is_201_with_location_and_the_stored_action() {
    let sandbox = start_plain().await;
    let client = client();
    let token = token(&client, &sandbox).await;
    let response = create(&client, &sandbox, &token, "Inventory").await;
    assert_eq!(response.status(), 201);
    let location = header(&response, "location").to_string();
    let body: Value = response.json().await.expect("json");
    let id = body["id"].as_str().expect("id");
    assert_eq!(location, format!("/api/v2/data-actions/{id}"));
    assert_eq!(body["name"], "Inventory");
    assert_eq!(body["configuration"]["method"], "GET");
    let created_at = body["createdAt"].as_str().expect("createdAt");
    assert!(
        created_at.ends_with('Z') && created_at.len() == 24,
        "{created_at}"
    );
}

#[tokio::test]
async fn the_location_of_a_created_action_reads_it_back() {
    let sandbox = start_plain().await;
    let client = client();
    let token = token(&client, &sandbox).await;
    let response = create(&client, &sandbox, &token, "ReadBack").await;
    let location = header(&response, "location").to_string();
    let created: Value = response.json().await.expect("json");
    let fetched: Value = client
        .get(format!("{}{location}", sandbox.base_url()))
        .bearer_auth(&token)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(fetched, created);
}

#[tokio::test]
async fn the_list_holds_every_created_action_in_order() {
    let sandbox = start_plain().await;
    let client = client();
    let token = token(&client, &sandbox).await;
    for name in ["First", "Second"] {
        assert_eq!(create(&client, &sandbox, &token, name).await.status(), 201);
    }
    let list: Value = client
        .get(collection_url(&sandbox))
        .bearer_auth(&token)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    assert_eq!(list["total"], 2);
    assert_eq!(list["entities"][0]["name"], "First");
    assert_eq!(list["entities"][1]["name"], "Second");
}

#[tokio::test]
async fn an_unknown_id_is_404() {
    let sandbox = start_plain().await;
    let client = client();
    let token = token(&client, &sandbox).await;
    let response = client
        .get(format!("{}/nope", collection_url(&sandbox)))
        .bearer_auth(&token)
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn a_create_without_a_token_is_401_with_a_bearer_challenge() {
    let sandbox = start_plain().await;
    let response = client()
        .post(collection_url(&sandbox))
        .header("content-type", "application/json")
        .body(payload("NoToken"))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 401);
    let challenge = header(&response, "www-authenticate");
    assert!(challenge.starts_with("Bearer"), "{challenge}");
    assert!(!challenge.contains("invalid_token"), "{challenge}");
}

#[tokio::test]
async fn an_unknown_token_is_401_invalid_token() {
    let sandbox = start_plain().await;
    let client = client();
    let response = create(&client, &sandbox, "sbx_forged", "Forged").await;
    assert_eq!(response.status(), 401);
    let challenge = header(&response, "www-authenticate");
    assert!(
        challenge.starts_with("Bearer") && challenge.contains("error=\"invalid_token\""),
        "{challenge}"
    );
}

#[tokio::test]
async fn a_create_without_the_write_scope_is_403() {
    let sandbox = start_plain().await;
    let client = client();
    let token = token_with_scope(&client, &sandbox, Some("data-actions:read")).await;
    let response = create(&client, &sandbox, &token, "ReadOnly").await;
    assert_eq!(response.status(), 403);
    assert_eq!(
        header(&response, "content-type"),
        "application/problem+json"
    );
}

#[tokio::test]
async fn a_read_scope_token_can_list() {
    let sandbox = start_plain().await;
    let client = client();
    let token = token_with_scope(&client, &sandbox, Some("data-actions:read")).await;
    assert_eq!(stored_count(&client, &sandbox, &token).await, 0);
}

#[tokio::test]
async fn an_existing_name_is_409() {
    let sandbox = start_plain().await;
    let client = client();
    let token = token(&client, &sandbox).await;
    assert_eq!(
        create(&client, &sandbox, &token, "Twice").await.status(),
        201
    );
    let response = create(&client, &sandbox, &token, "Twice").await;
    assert_eq!(response.status(), 409);
    assert_eq!(
        header(&response, "content-type"),
        "application/problem+json"
    );
    assert_eq!(stored_count(&client, &sandbox, &token).await, 1);
}

#[tokio::test]
async fn a_body_over_1_mib_is_413() {
    let sandbox = start_plain().await;
    let client = client();
    let token = token(&client, &sandbox).await;
    // Valid JSON, so only the size can be the problem.
    let padding = "x".repeat(cxda::sandbox::MAX_BODY_BYTES);
    let body = payload("Big").replacen("sandbox test", &padding, 1);
    assert!(body.len() > cxda::sandbox::MAX_BODY_BYTES);
    let response = post_create(&client, &collection_url(&sandbox), &token, body).await;
    assert_eq!(response.status(), 413);
}

#[tokio::test]
async fn headers_over_8192_bytes_are_431() {
    let sandbox = start_plain().await;
    let client = client();
    let token = token(&client, &sandbox).await;
    let response = client
        .post(collection_url(&sandbox))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .header("x-tracking", "t".repeat(8200))
        .body(payload("HugeHeaders"))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 431);
}

#[tokio::test]
async fn headers_just_under_the_limit_are_accepted() {
    let sandbox = start_plain().await;
    let client = client();
    let token = token(&client, &sandbox).await;
    // Everything but the padding header stays well under 1 KiB.
    let response = client
        .post(collection_url(&sandbox))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .header("x-tracking", "t".repeat(7000))
        .body(payload("BigButFine"))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 201);
}

/// A create that the payload checks reject: asserts a 400 problem+json, returns the problem.
async fn rejected_create(
    client: &reqwest::Client,
    sandbox: &cxda::sandbox::SandboxHandle,
    token: &str,
    body: String,
) -> Value {
    let response = post_create(client, &collection_url(sandbox), token, body).await;
    assert_eq!(response.status(), 400);
    assert_eq!(
        header(&response, "content-type"),
        "application/problem+json"
    );
    response.json().await.expect("json")
}

#[tokio::test]
async fn invalid_json_is_400_problem_json_with_line_and_column() {
    let sandbox = start_plain().await;
    let client = client();
    let token = token(&client, &sandbox).await;
    let body = "{\n  \"name\": \"Broken\",\n  \"type\": \n}".to_string();
    let problem = rejected_create(&client, &sandbox, &token, body).await;
    let errors = problem["errors"].as_array().expect("errors");
    assert!(!errors.is_empty());
    assert_eq!(errors[0]["pointer"], "");
    assert_eq!(errors[0]["line"], 4, "{problem}");
    assert!(errors[0]["column"].as_u64().is_some());
    assert!(errors[0]["detail"].is_string());
}

#[tokio::test]
async fn a_schema_error_is_400_with_its_json_pointer() {
    let sandbox = start_plain().await;
    let client = client();
    let token = token(&client, &sandbox).await;
    let body = payload("BadMethod").replace("\"GET\"", "\"FETCH\"");
    let problem = rejected_create(&client, &sandbox, &token, body).await;
    let errors = problem["errors"].as_array().expect("errors");
    let method = errors
        .iter()
        .find(|e| e["pointer"] == "/configuration/method")
        .unwrap_or_else(|| panic!("no error at /configuration/method in {problem}"));
    assert!(method["line"].as_u64().is_some() && method["column"].as_u64().is_some());
    assert_eq!(stored_count(&client, &sandbox, &token).await, 0);
}

#[tokio::test]
async fn a_duplicate_key_is_400_with_the_pointer_and_position_of_the_repeat() {
    let sandbox = start_plain().await;
    let client = client();
    let token = token(&client, &sandbox).await;
    let body = payload("Duplicated").replace(
        "\"method\":\"GET\"",
        "\"method\":\"GET\",\"method\":\"POST\"",
    );
    let repeat = body.rfind("\"method\"").expect("the repeat");
    let problem = rejected_create(&client, &sandbox, &token, body).await;
    let errors = problem["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{problem}");
    assert_eq!(errors[0]["pointer"], "/configuration/method");
    assert_eq!(errors[0]["line"], 1);
    assert_eq!(errors[0]["column"], repeat + 1, "{problem}");
    let detail = errors[0]["detail"].as_str().expect("detail");
    assert!(detail.contains("duplicate key \"method\""), "{detail}");
    assert_eq!(stored_count(&client, &sandbox, &token).await, 0);
}

#[tokio::test]
async fn a_retry_with_the_same_idempotency_key_replays_the_first_response() {
    let sandbox = start_plain().await;
    let client = client();
    let token = token(&client, &sandbox).await;
    let send = || {
        client
            .post(collection_url(&sandbox))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .header("idempotency-key", "submission-1")
            .body(payload("OnlyOnce"))
            .send()
    };
    let first = send().await.expect("first");
    let second = send().await.expect("second");
    assert_eq!(first.status(), 201);
    assert_eq!(second.status(), first.status());
    assert_eq!(header(&second, "location"), header(&first, "location"));
    assert_eq!(
        header(&second, "content-type"),
        header(&first, "content-type")
    );
    let (a, b) = (
        first.bytes().await.expect("a"),
        second.bytes().await.expect("b"),
    );
    assert_eq!(a, b);
    assert_eq!(stored_count(&client, &sandbox, &token).await, 1);
}

#[tokio::test]
async fn a_reused_idempotency_key_with_another_body_is_422() {
    let sandbox = start_plain().await;
    let client = client();
    let token = token(&client, &sandbox).await;
    let send = |name: &'static str| {
        client
            .post(collection_url(&sandbox))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .header("idempotency-key", "submission-2")
            .body(payload(name))
            .send()
    };
    assert_eq!(send("One").await.expect("one").status(), 201);
    let response = send("Other").await.expect("other");
    assert_eq!(response.status(), 422);
    assert_eq!(stored_count(&client, &sandbox, &token).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_identical_retries_store_once() {
    let sandbox = start_plain().await;
    let client = client();
    let token = token(&client, &sandbox).await;
    let url = collection_url(&sandbox);
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let (client, url, token) = (client.clone(), url.clone(), token.clone());
            tokio::spawn(async move {
                let response = client
                    .post(url)
                    .bearer_auth(token)
                    .header("content-type", "application/json")
                    .header("idempotency-key", "racing")
                    .body(payload("Racing"))
                    .send()
                    .await
                    .expect("send");
                (
                    response.status().as_u16(),
                    response.bytes().await.expect("body"),
                )
            })
        })
        .collect();
    let mut bodies = Vec::new();
    for task in tasks {
        let (status, body) = task.await.expect("task");
        assert_eq!(status, 201);
        bodies.push(body);
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]));
    assert_eq!(stored_count(&client, &sandbox, &token).await, 1);
}

/// A keyed create: the status and the created (or replayed) id.
async fn keyed_create(
    client: &reqwest::Client,
    sandbox: &cxda::sandbox::SandboxHandle,
    token: &str,
    key: &str,
    name: &str,
) -> (u16, String) {
    let response = client
        .post(collection_url(sandbox))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .header("idempotency-key", key)
        .body(payload(name))
        .send()
        .await
        .expect("create");
    let status = response.status().as_u16();
    let body: Value = response.json().await.expect("json");
    (status, body["id"].as_str().unwrap_or_default().to_string())
}

/// The names `GET /api/v2/data-actions` lists, in its order.
async fn listed_names(
    client: &reqwest::Client,
    sandbox: &cxda::sandbox::SandboxHandle,
    token: &str,
) -> Vec<String> {
    let list: Value = client
        .get(collection_url(sandbox))
        .bearer_auth(token)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    let items = list["entities"].as_array().expect("entities");
    assert_eq!(list["total"], items.len());
    items
        .iter()
        .map(|a| a["name"].as_str().expect("name").to_string())
        .collect()
}

#[tokio::test]
async fn past_the_store_limit_the_oldest_actions_and_their_keys_are_forgotten_first() {
    let sandbox = cxda::sandbox::Sandbox::start(cxda::sandbox::SandboxConfig {
        faults: cxda::sandbox::Faults::off(),
        store_limits: cxda::sandbox::StoreLimits {
            max_actions: 3,
            max_bytes: cxda::sandbox::MAX_STORED_BYTES,
        },
        ..cxda::sandbox::SandboxConfig::default()
    })
    .await
    .expect("the sandbox starts");
    let client = client();
    let token = token(&client, &sandbox).await;
    let mut ids = Vec::new();
    for n in 1..=5 {
        let (status, id) = keyed_create(
            &client,
            &sandbox,
            &token,
            &format!("k{n}"),
            &format!("A{n}"),
        )
        .await;
        assert_eq!(status, 201);
        ids.push(id);
    }
    assert_eq!(
        listed_names(&client, &sandbox, &token).await,
        ["A3", "A4", "A5"]
    );
    let status_of = |id: &str| {
        client
            .get(format!("{}/{id}", collection_url(&sandbox)))
            .bearer_auth(&token)
            .send()
    };
    assert_eq!(status_of(&ids[0]).await.expect("get").status(), 404);
    assert_eq!(status_of(&ids[2]).await.expect("get").status(), 200);

    // The evicted A1's name is free again; a kept action's key still replays; the evicted
    // A2's key is a new request.
    assert_eq!(create(&client, &sandbox, &token, "A1").await.status(), 201);
    assert_eq!(
        keyed_create(&client, &sandbox, &token, "k5", "A5").await,
        (201, ids[4].clone())
    );
    let (status, again) = keyed_create(&client, &sandbox, &token, "k2", "A2").await;
    assert_eq!(status, 201);
    assert_ne!(again, ids[1]);
    assert_eq!(
        listed_names(&client, &sandbox, &token).await,
        ["A5", "A1", "A2"]
    );
    let stats = sandbox.stats();
    assert_eq!((stats.stored_actions, stats.evicted_actions), (3, 4));
}
