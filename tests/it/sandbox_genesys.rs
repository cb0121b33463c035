//! The genesys-cloud endpoints over HTTP: the create sequence (drafts → validation →
//! publish), the published actions, drafts from them, lists, categories, the preset
//! integration, and the errors in `ErrorBody` shape.

use cxda::config::SANDBOX_INTEGRATION_ID;
use reqwest::Method;
use serde_json::{Value, json};

use crate::sandbox_genesys_common::{ACTIONS, DRAFTS, Genesys, create_body};

#[tokio::test]
async fn drafts_then_validation_then_publish_makes_a_published_action() {
    let g = Genesys::plain().await;
    let draft = g.post(DRAFTS, &create_body("Lookup")).await;
    assert_eq!(draft.status, 200, "{}", draft.body);
    let id = draft.body["id"].as_str().expect("id").to_string();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
    assert_eq!(draft.body["version"], 1);
    assert_eq!(draft.body["name"], "Lookup");
    assert_eq!(draft.body["integrationId"], SANDBOX_INTEGRATION_ID);
    assert_eq!(draft.body["selfUri"], format!("{ACTIONS}/{id}/draft"));
    assert_eq!(draft.body["config"], create_body("x")["config"]);
    assert!(draft.header("inin-correlation-id").is_some());

    let validation = g.get(&format!("{ACTIONS}/{id}/draft/validation")).await;
    assert_eq!(validation.status, 200);
    assert_eq!(validation.body, json!({"valid": true, "errors": []}));

    // A draft is not a published action yet.
    g.get(&format!("{ACTIONS}/{id}"))
        .await
        .expect_error(404, "not.found");

    let published = g
        .post(
            &format!("{ACTIONS}/{id}/draft/publish"),
            &json!({"version": 1}),
        )
        .await;
    assert_eq!(published.status, 200, "{}", published.body);
    assert_eq!(published.body["id"], id);
    assert_eq!(published.body["version"], 2);
    assert_eq!(published.body["selfUri"], format!("{ACTIONS}/{id}"));

    let plain = g.get(&format!("{ACTIONS}/{id}")).await;
    assert_eq!(plain.status, 200);
    assert_eq!(plain.body["version"], 2);
    assert!(plain.body.get("config").is_none() && plain.body.get("contract").is_none());
    let full = g
        .get(&format!(
            "{ACTIONS}/{id}?expand=contract&includeConfig=true"
        ))
        .await;
    assert_eq!(full.body["contract"], create_body("x")["contract"]);
    assert_eq!(full.body["config"], create_body("x")["config"]);
    // Publishing ended the draft.
    g.get(&format!("{ACTIONS}/{id}/draft"))
        .await
        .expect_error(404, "not.found");
}

#[tokio::test]
async fn a_stale_publish_version_is_a_400_that_says_so_and_publishes_nothing() {
    let g = Genesys::plain().await;
    let id = g.draft("Stale").await;
    let patched = g
        .patch(
            &format!("{ACTIONS}/{id}/draft"),
            &json!({"version": 1, "category": "other"}),
        )
        .await;
    assert_eq!((patched.status, &patched.body["version"]), (200, &json!(2)));
    let stale = g
        .post(
            &format!("{ACTIONS}/{id}/draft/publish"),
            &json!({"version": 1}),
        )
        .await;
    let body = stale.expect_error(400, "bad.request");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("does not match the current version")),
        "{body}"
    );
    g.get(&format!("{ACTIONS}/{id}"))
        .await
        .expect_error(404, "not.found");
    let ok = g
        .post(
            &format!("{ACTIONS}/{id}/draft/publish"),
            &json!({"version": 2}),
        )
        .await;
    assert_eq!(
        (ok.status, &ok.body["version"], &ok.body["category"]),
        (200, &json!(3), &json!("other"))
    );
}

#[tokio::test]
async fn an_invalid_draft_fails_validation_with_errors_and_cannot_be_published() {
    let g = Genesys::plain().await;
    let id = g.draft("Broken").await;
    let patched = g
        .patch(
            &format!("{ACTIONS}/{id}/draft"),
            &json!({"version": 1, "config": {}}),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.body);
    let validation = g.get(&format!("{ACTIONS}/{id}/draft/validation")).await;
    assert_eq!(validation.body["valid"], false, "{}", validation.body);
    let errors = validation.body["errors"].as_array().expect("errors");
    assert!(!errors.is_empty());
    for error in errors {
        assert_eq!(error["status"], 400);
        assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    let fields: Vec<&Value> = errors
        .iter()
        .map(|e| &e["details"][0]["fieldName"])
        .collect();
    assert!(fields.contains(&&json!("config.request")), "{fields:?}");

    let refused = g
        .post(
            &format!("{ACTIONS}/{id}/draft/publish"),
            &json!({"version": 2}),
        )
        .await;
    let body = refused.expect_error(400, "bad.request");
    assert_eq!(body["errors"].as_array().map(Vec::len), Some(errors.len()));
    g.get(&format!("{ACTIONS}/{id}"))
        .await
        .expect_error(404, "not.found");
}

#[tokio::test]
async fn create_errors_are_error_bodies_with_the_platform_codes() {
    let g = Genesys::plain().await;
    // Not JSON.
    let response = g
        .client
        .post(g.url(DRAFTS))
        .bearer_auth(&g.token)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 400);
    assert!(response.headers().contains_key("inin-correlation-id"));
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["code"], "bad.request");

    for field in ["name", "category", "integrationId", "config", "contract"] {
        let mut body = create_body("Missing");
        body.as_object_mut().expect("object").remove(field);
        let answer = g.post(DRAFTS, &body).await;
        let error = answer.expect_error(400, "bad.request");
        assert_eq!(error["details"][0]["fieldName"], field, "{error}");
    }
    let mut body = create_body("Elsewhere");
    body["integrationId"] = json!("11111111-2222-4333-8444-555555555555");
    let error = g.post(DRAFTS, &body).await;
    assert_eq!(
        error.expect_error(400, "invalid.value")["details"][0]["fieldName"],
        "integrationId"
    );

    g.draft("Taken").await;
    let taken = g.post(DRAFTS, &create_body("Taken")).await;
    assert!(
        taken.expect_error(400, "bad.request")["message"]
            .as_str()
            .is_some_and(|m| m.contains("already exists"))
    );
    let also_published = g.post(ACTIONS, &create_body("Taken")).await;
    also_published.expect_error(400, "bad.request");
}

#[tokio::test]
async fn every_endpoint_wants_a_bearer_token() {
    let g = Genesys::plain().await;
    let id = g.published("Guarded").await;
    let paths = [
        (Method::GET, "/api/v2/integrations".to_string()),
        (Method::GET, ACTIONS.to_string()),
        (Method::POST, ACTIONS.to_string()),
        (Method::GET, DRAFTS.to_string()),
        (Method::POST, DRAFTS.to_string()),
        (Method::GET, format!("{ACTIONS}/categories")),
        (Method::GET, format!("{ACTIONS}/{id}")),
        (Method::PATCH, format!("{ACTIONS}/{id}")),
        (Method::DELETE, format!("{ACTIONS}/{id}")),
        (Method::POST, format!("{ACTIONS}/{id}/draft")),
        (Method::GET, format!("{ACTIONS}/{id}/draft")),
        (Method::PATCH, format!("{ACTIONS}/{id}/draft")),
        (Method::DELETE, format!("{ACTIONS}/{id}/draft")),
        (Method::GET, format!("{ACTIONS}/{id}/draft/validation")),
        (Method::POST, format!("{ACTIONS}/{id}/draft/publish")),
    ];
    for (method, path) in paths {
        let body =
            (method == Method::POST || method == Method::PATCH).then(|| json!({"version": 1}));
        let none = g
            .send_with(method.clone(), &path, body.as_ref(), None)
            .await;
        none.expect_error(401, "authentication.required");
        let bad = g
            .send_with(method.clone(), &path, body.as_ref(), Some("sbx_not-issued"))
            .await;
        bad.expect_error(401, "bad.credentials");
    }
    // Nothing was changed by the refused requests.
    assert_eq!(g.get(&format!("{ACTIONS}/{id}")).await.status, 200);
}

#[tokio::test]
async fn unknown_ids_paths_and_methods_answer_error_bodies() {
    let g = Genesys::plain().await;
    let missing = "00000000-0000-4000-8000-000000000000";
    for path in [
        format!("{ACTIONS}/{missing}"),
        format!("{ACTIONS}/{missing}/draft"),
        format!("{ACTIONS}/{missing}/draft/validation"),
        "/api/v2/integrations/nothing/here".to_string(),
    ] {
        let answer = g.get(&path).await;
        answer.expect_error(404, "not.found");
        assert!(answer.header("inin-correlation-id").is_some(), "{path}");
    }
    g.send(Method::PUT, ACTIONS, Some(&json!({})))
        .await
        .expect_error(405, "method.not.allowed");
    // The cxone-v2 paths keep their own error shape.
    let cxone = g.get("/api/v2/nothing").await;
    assert_eq!(
        (cxone.status, &cxone.body["title"]),
        (404, &json!("Not Found"))
    );
}

#[tokio::test]
async fn a_published_action_is_updated_at_its_version_and_deleted() {
    let g = Genesys::plain().await;
    let id = g.published("Editable").await;
    let path = format!("{ACTIONS}/{id}");
    let stale = g
        .patch(&path, &json!({"version": 1, "name": "Renamed"}))
        .await;
    assert!(
        stale.expect_error(400, "bad.request")["message"]
            .as_str()
            .is_some_and(|m| m.contains("does not match the current version"))
    );
    let fixed = g.patch(&path, &json!({"version": 2, "secure": true})).await;
    assert_eq!(
        fixed.expect_error(400, "bad.request")["details"][0]["fieldName"],
        "secure"
    );
    let renamed = g
        .patch(&path, &json!({"version": 2, "name": "Renamed"}))
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    assert_eq!(
        (&renamed.body["name"], &renamed.body["version"]),
        (&json!("Renamed"), &json!(3))
    );
    // The old name is free again, the new one is taken.
    g.draft("Editable").await;
    g.post(DRAFTS, &create_body("Renamed"))
        .await
        .expect_error(400, "bad.request");

    let deleted = g.send(Method::DELETE, &path, None).await;
    assert_eq!((deleted.status, &deleted.body), (204, &Value::Null));
    g.get(&path).await.expect_error(404, "not.found");
    g.send(Method::DELETE, &path, None)
        .await
        .expect_error(404, "not.found");
}

#[tokio::test]
async fn a_draft_from_a_published_action_is_patched_validated_and_published() {
    let g = Genesys::plain().await;
    let id = g.published("Versioned").await;
    let path = format!("{ACTIONS}/{id}/draft");
    let draft = g.post(&path, &json!({})).await;
    assert_eq!(draft.status, 200, "{}", draft.body);
    assert_eq!(
        (&draft.body["version"], &draft.body["selfUri"]),
        (&json!(2), &json!(path))
    );
    g.post(&path, &json!({}))
        .await
        .expect_error(400, "bad.request");

    let mut contract = create_body("x")["contract"].clone();
    contract["input"]["inputSchema"]["properties"]["more"] = json!({"type": "string"});
    g.patch(&path, &json!({"version": 2, "contract": contract}))
        .await
        .expect_error(400, "bad.request");
    let mut config = create_body("x")["config"].clone();
    config["timeoutSeconds"] = json!(20);
    let patched = g
        .patch(&path, &json!({"version": 2, "config": config}))
        .await;
    assert_eq!((patched.status, &patched.body["version"]), (200, &json!(3)));
    assert_eq!(
        g.get(&format!("{path}?includeConfig=true")).await.body["config"]["timeoutSeconds"],
        20
    );
    // The published action is unchanged until the draft is published.
    let live = g.get(&format!("{ACTIONS}/{id}?includeConfig=true")).await;
    assert_eq!(
        (
            &live.body["version"],
            live.body["config"].get("timeoutSeconds")
        ),
        (&json!(2), None)
    );
    let published = g
        .post(&format!("{path}/publish"), &json!({"version": 3}))
        .await;
    // One version past the published action it replaces (2), whatever the draft's count.
    assert_eq!(
        (published.status, &published.body["version"]),
        (200, &json!(3))
    );
    assert_eq!(published.body["config"]["timeoutSeconds"], 20);

    // A draft deleted leaves the published action.
    g.post(&path, &json!({})).await;
    assert_eq!(g.send(Method::DELETE, &path, None).await.status, 204);
    g.get(&path).await.expect_error(404, "not.found");
    assert_eq!(g.get(&format!("{ACTIONS}/{id}")).await.status, 200);
}

#[tokio::test]
async fn a_create_at_the_actions_collection_is_published_at_once_when_valid() {
    let g = Genesys::plain().await;
    let created = g.post(ACTIONS, &create_body("Direct")).await;
    assert_eq!(created.status, 200, "{}", created.body);
    assert_eq!(created.body["version"], 1);
    let id = created.body["id"].as_str().expect("id");
    assert_eq!(created.body["selfUri"], format!("{ACTIONS}/{id}"));
    let mut invalid = create_body("Direct invalid");
    invalid["config"] = json!({});
    let refused = g.post(ACTIONS, &invalid).await;
    assert!(
        !refused.expect_error(400, "bad.request")["errors"]
            .as_array()
            .expect("errors")
            .is_empty()
    );
}

#[tokio::test]
async fn lists_filter_by_name_and_include_config_only_when_asked() {
    let g = Genesys::plain().await;
    for name in ["Customer lookup", "customer CREATE", "Order status"] {
        g.draft(name).await;
    }
    g.published("Published customer").await;
    let drafts = g.get(&format!("{DRAFTS}?name=CUSTOMER")).await;
    assert_eq!(drafts.status, 200);
    let names: Vec<&str> = drafts.body["entities"]
        .as_array()
        .expect("entities")
        .iter()
        .filter_map(|e| e["name"].as_str())
        .collect();
    assert_eq!(names, ["Customer lookup", "customer CREATE"]);
    assert_eq!(drafts.body["total"], 2);
    assert!(drafts.body["entities"][0].get("config").is_none());
    assert!(drafts.body["entities"][0].get("contract").is_none());
    assert_eq!(
        drafts.body["selfUri"],
        format!("{DRAFTS}?pageSize=25&pageNumber=1&name=CUSTOMER")
    );
    let with_config = g
        .get(&format!("{DRAFTS}?name=order&includeConfig=true"))
        .await;
    assert_eq!(
        with_config.body["entities"][0]["config"],
        create_body("x")["config"]
    );

    let published = g.get(&format!("{ACTIONS}?name=customer")).await;
    assert_eq!(published.body["total"], 1);
    assert_eq!(published.body["entities"][0]["name"], "Published customer");
    let none = g.get(&format!("{ACTIONS}?name=nothing-like-it")).await;
    assert_eq!(
        (&none.body["total"], &none.body["entities"]),
        (&json!(0), &json!([]))
    );
    g.get(&format!("{ACTIONS}?pageSize=101"))
        .await
        .expect_error(400, "invalid.value");
    g.get(&format!("{ACTIONS}?pageNumber=0"))
        .await
        .expect_error(400, "invalid.value");
    g.get(&format!("{ACTIONS}?includeConfig=maybe"))
        .await
        .expect_error(400, "invalid.value");
}

#[tokio::test]
async fn categories_and_the_preset_integration() {
    let g = Genesys::plain().await;
    let mut body = create_body("In CRM");
    body["category"] = json!("CRM");
    assert_eq!(g.post(DRAFTS, &body).await.status, 200);
    g.published("In cxda").await;
    let categories = g.get(&format!("{ACTIONS}/categories")).await;
    assert_eq!(categories.status, 200);
    assert_eq!(
        categories.body["entities"],
        json!([{"name": "CRM"}, {"name": "cxda"}])
    );
    assert_eq!(categories.body["total"], 2);

    let integrations = g
        .get("/api/v2/integrations?integrationType=custom-rest-actions")
        .await;
    assert_eq!(integrations.status, 200);
    assert_eq!(integrations.body["total"], 1);
    let preset = &integrations.body["entities"][0];
    assert_eq!(preset["id"], SANDBOX_INTEGRATION_ID);
    assert_eq!(preset["name"], cxda::sandbox::SANDBOX_INTEGRATION_NAME);
    assert_eq!(preset["integrationType"]["id"], "custom-rest-actions");
    assert_eq!(preset["intendedState"], "ENABLED");
    let other = g
        .get("/api/v2/integrations?integrationType=purecloud-data-actions")
        .await;
    assert_eq!(
        (&other.body["total"], &other.body["entities"]),
        (&json!(0), &json!([]))
    );
}
