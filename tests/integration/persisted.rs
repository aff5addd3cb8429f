//! Persisted queries: a document sent by its SHA-256 once it is known (automatic persisted
//! queries, over POST and GET), and a server that runs only the operations of its manifest.

use serde_json::{Value, json};

use api::{config::Config, graphql::persisted::hash};

use crate::support::{TestApp, test_config};

const AREA_NAME: &str = "query AreaName($code: String!) { area(code: $code) { name } }";

fn by_hash(document: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash(document) } })
}

async fn post(app: &TestApp, body: Value) -> Value {
    app.client
        .post(app.url("/graphql"))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_document_sent_once_with_its_hash_runs_by_its_hash() {
    let app = TestApp::spawn().await;
    let variables = json!({ "code": "E06000001" });

    let unknown = post(
        &app,
        json!({ "variables": variables, "extensions": by_hash(AREA_NAME) }),
    )
    .await;
    assert_eq!(unknown["errors"][0]["message"], "PersistedQueryNotFound");
    assert_eq!(
        unknown["errors"][0]["extensions"]["code"],
        "PERSISTED_QUERY_NOT_FOUND"
    );

    let forged = post(
        &app,
        json!({ "query": "{ __typename }", "variables": variables, "extensions": by_hash(AREA_NAME) }),
    )
    .await;
    assert_eq!(forged["errors"][0]["extensions"]["code"], "BAD_REQUEST");

    let registered = post(
        &app,
        json!({ "query": AREA_NAME, "variables": variables, "extensions": by_hash(AREA_NAME) }),
    )
    .await;
    assert_eq!(registered["data"]["area"]["name"], "Hartlepool");

    let by_post = post(
        &app,
        json!({ "variables": variables, "extensions": by_hash(AREA_NAME) }),
    )
    .await;
    assert_eq!(by_post["data"]["area"]["name"], "Hartlepool");

    let url = url::Url::parse_with_params(
        &app.url("/graphql"),
        [
            ("variables", variables.to_string()),
            ("extensions", by_hash(AREA_NAME).to_string()),
        ],
    )
    .unwrap();
    let by_get = app.client.get(url).send().await.unwrap();
    assert!(
        by_get.headers().contains_key("etag"),
        "a public GET is cacheable"
    );
    let by_get: Value = by_get.json().await.unwrap();
    assert_eq!(by_get["data"]["area"]["name"], "Hartlepool");

    let (status, nothing) = app.post("", json!({})).await;
    assert_eq!(status, reqwest::StatusCode::BAD_REQUEST);
    assert_eq!(nothing["errors"][0]["extensions"]["code"], "BAD_REQUEST");
}

#[tokio::test]
async fn with_a_manifest_only_its_operations_run() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("manifest.json");
    let operations = json!({
        "format": "apollo-persisted-query-manifest", "version": 1,
        "operations": [{ "id": hash(AREA_NAME), "name": "AreaName", "type": "query", "body": AREA_NAME }]
    });
    std::fs::write(&manifest, operations.to_string()).unwrap();
    let config = Config {
        persisted_queries_file: Some(manifest),
        ..test_config()
    };
    let app = TestApp::spawn_configured(false, config).await;
    let variables = json!({ "code": "E06000001" });

    let hashed = post(
        &app,
        json!({ "variables": variables, "extensions": by_hash(AREA_NAME) }),
    )
    .await;
    assert_eq!(hashed["data"]["area"]["name"], "Hartlepool");
    let in_full = post(&app, json!({ "query": AREA_NAME, "variables": variables })).await;
    assert_eq!(in_full["data"]["area"]["name"], "Hartlepool");

    for refused in [
        json!({ "query": "{ areas { totalCount } }" }),
        json!({ "query": "{ areas { totalCount } }", "extensions": by_hash("{ areas { totalCount } }") }),
    ] {
        let answer = post(&app, refused).await;
        assert_eq!(
            answer["errors"][0]["extensions"]["code"], "OPERATION_NOT_ALLOWED",
            "{answer}"
        );
        assert!(answer.get("data").is_none() || answer["data"].is_null());
    }
}

#[tokio::test]
async fn a_keyed_request_must_carry_its_document() {
    let app = TestApp::spawn().await;
    let answer: Value = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(crate::writes::ofsted())
        .header("idempotency-key", "retry-safe-1")
        .json(&json!({ "extensions": by_hash("mutation { __typename }") }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        answer["errors"][0]["extensions"]["code"], "BAD_REQUEST",
        "{answer}"
    );
}
