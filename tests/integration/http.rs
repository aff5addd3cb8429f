//! The HTTP surface: content types, limits, error codes, GraphiQL and health.

use reqwest::{StatusCode, header};
use serde_json::{Value, json};

use crate::support::TestApp;

#[tokio::test]
async fn non_json_posts_are_refused_before_they_execute() {
    let app = TestApp::spawn().await;
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ] {
        let response = app
            .client
            .post(app.url("/graphql"))
            .header(header::CONTENT_TYPE, content_type)
            .body(r#"{"query":"{ area(code: \"E06000001\") { name } }"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type}"
        );
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(
            body["errors"][0]["extensions"]["code"],
            "UNSUPPORTED_MEDIA_TYPE"
        );
    }
}

#[tokio::test]
async fn oversized_batches_and_malformed_bodies_are_bad_requests() {
    let app = TestApp::spawn().await;
    let six = format!("[{}]", [r#"{"query":"{ __typename }"}"#; 6].join(","));
    for body in [
        six.as_str(),
        "[]",
        "{not json",
        r#"{"variables":{}}"#,
        r#"{"query":1}"#,
        r#"{"query":"{ __typename }","variables":[]}"#,
        r#"{"query":"{ __typename }","operationName":7}"#,
        r#"{"query":"{ __typename }","extensions":"x"}"#,
    ] {
        let response = app
            .client
            .post(app.url("/graphql"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(body.to_owned())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_REQUEST");
    }
}

#[tokio::test]
async fn a_batch_runs_each_operation_and_answers_an_array() {
    let app = TestApp::spawn().await;
    let too_costly = "{ integratedCareBoard(code: \"QHM\") { areas { icbs { areas { icbs { \
                      areas { name } } } } } } }";
    let batch = json!([
        { "query": "{ area(code: \"E06000001\") { name } }" },
        { "query": "query Two { area(code: \"E06000002\") { name } }", "operationName": "Two" },
        { "query": "{ nope }" },
        { "query": too_costly },
        { "query": "{ area(code: \"E06000003\") { name } }" },
    ]);

    let response = app
        .client
        .post(app.url("/graphql"))
        .json(&batch)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    let answers = body.as_array().expect("an array for a batch");
    assert_eq!(answers.len(), 5);
    assert_eq!(answers[0]["data"]["area"]["name"], "Hartlepool");
    assert_eq!(answers[1]["data"]["area"]["name"], "Middlesbrough");
    assert_eq!(
        answers[2]["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
    assert!(answers[0]["extensions"]["cost"]["requestedQueryCost"].is_number());
    // One operation refused for its cost does not stop the others.
    assert_eq!(
        answers[3]["errors"][0]["extensions"]["code"],
        "QUERY_TOO_COMPLEX"
    );
    assert_eq!(answers[4]["data"]["area"]["name"], "Redcar and Cleveland");
}

#[tokio::test]
async fn every_graphql_error_carries_a_code_and_no_suggestions() {
    let app = TestApp::spawn().await;

    assert_eq!(
        app.error_code("{ areas { ", json!({})).await,
        "GRAPHQL_PARSE_FAILED"
    );
    let (_, body) = app.post("{ aeras { totalCount } }", json!({})).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
    assert!(!body.to_string().contains("Did you mean"), "{body}");
    let dated = "{ area(code: \"E06000001\") { schedule(asOf: \"31/12/2026\") { isOverdue } } }";
    assert_eq!(app.error_code(dated, json!({})).await, "BAD_USER_INPUT");
}

#[tokio::test]
async fn queries_deeper_than_the_limit_are_refused() {
    let app = TestApp::spawn().await;
    let mut query = String::from("{ area(code: \"E06000001\") { id ");
    for _ in 0..8 {
        query.push_str("localAuthority { area { ");
    }
    query.push_str("id");
    query.push_str(&" } }".repeat(8));
    query.push_str(" } }");

    assert_eq!(app.error_code(&query, json!({})).await, "QUERY_TOO_COMPLEX");
}

#[tokio::test]
async fn introspection_as_graphiql_sends_it_is_allowed() {
    let app = TestApp::spawn().await;
    let introspection = "query { __schema { types { name fields { name type { name ofType { name ofType { name ofType { name ofType { name ofType { name ofType { name } } } } } } } } } } }";
    let data = app.data(introspection, json!({})).await;
    assert!(data["__schema"]["types"].as_array().unwrap().len() > 20);
}

#[tokio::test]
async fn responses_use_the_media_type_the_client_accepts_and_carry_a_request_id() {
    let app = TestApp::spawn().await;
    let send = |accept: &'static str| {
        app.client
            .post(app.url("/graphql"))
            .header(header::ACCEPT, accept)
            .json(&json!({ "query": "{ __typename }" }))
            .send()
    };

    let graphql_response = send("application/graphql-response+json").await.unwrap();
    let plain = send("application/json").await.unwrap();

    assert_eq!(
        graphql_response.headers()[header::CONTENT_TYPE],
        "application/graphql-response+json"
    );
    assert_eq!(plain.headers()[header::CONTENT_TYPE], "application/json");
    assert!(plain.headers().contains_key("x-request-id"));
}

#[tokio::test]
async fn graphiql_and_health_are_served() {
    let app = TestApp::spawn().await;

    let page = app
        .client
        .get(app.url("/graphql"))
        .header(header::ACCEPT, "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let policy = page.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(policy.contains("script-src 'self'"), "{policy}");
    assert!(!policy.contains("unsafe-eval"), "{policy}");
    let html = page.text().await.unwrap();
    assert!(html.contains("GraphiQL"));
    assert!(
        !html.contains("http"),
        "the page loads something from elsewhere"
    );
    for (asset, media_type) in [
        ("/graphiql/graphiql.min.js", "text/javascript"),
        ("/graphiql/react.production.min.js", "text/javascript"),
        ("/graphiql/react-dom.production.min.js", "text/javascript"),
        ("/graphiql/init.js", "text/javascript"),
        ("/graphiql/graphiql.min.css", "text/css"),
        ("/graphiql/page.css", "text/css"),
    ] {
        assert!(html.contains(asset), "{asset} is not on the page");
        let response = app.get(asset).await;
        assert_eq!(response.status(), StatusCode::OK, "{asset}");
        let served = response.headers()[header::CONTENT_TYPE].to_str().unwrap();
        assert!(served.starts_with(media_type), "{asset}: {served}");
    }
    let missing = app.get("/graphiql/nope.js").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);

    let health = app.get("/health").await;
    assert_eq!(health.status(), StatusCode::OK);
    assert_eq!(
        health.json::<serde_json::Value>().await.unwrap(),
        json!({ "status": "ok" })
    );
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let app = TestApp::spawn().await;
    let query = format!("{{ __typename }} # {}", "x".repeat(70 * 1024));

    let response = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({ "query": query }))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "REQUEST_TOO_LARGE");
}

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

async fn post_accepting(app: &TestApp, accept: &str, body: Value) -> (StatusCode, Value) {
    let response = app
        .client
        .post(app.url("/graphql"))
        .header(header::ACCEPT, accept)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn request_errors_are_400_without_data_for_graphql_response_clients_and_200_for_json_ones() {
    let app = TestApp::spawn().await;
    let cases = [
        (json!({ "query": "{ areas { " }), "GRAPHQL_PARSE_FAILED"),
        (json!({ "query": "{ aeras }" }), "GRAPHQL_VALIDATION_FAILED"),
        (
            json!({ "query": "query A { __typename } query B { __typename }" }),
            "OPERATION_RESOLUTION_FAILURE",
        ),
        (
            json!({ "query": "query A { __typename }", "operationName": "C" }),
            "OPERATION_RESOLUTION_FAILURE",
        ),
    ];
    for (request, code) in cases {
        let (status, body) = post_accepting(&app, GRAPHQL_RESPONSE, request.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{request}");
        assert_eq!(body["errors"][0]["extensions"]["code"], code, "{body}");
        assert!(body.get("data").is_none(), "{body}");
        assert!(body["errors"][0]["extensions"]["requestId"].is_string());

        let (status, body) = post_accepting(&app, "application/json", request.clone()).await;
        assert_eq!(status, StatusCode::OK, "{request}");
        assert_eq!(body["errors"][0]["extensions"]["code"], code, "{body}");
    }
}

#[tokio::test]
async fn get_runs_queries_for_json_clients_and_refuses_mutations() {
    let app = TestApp::spawn().await;
    let get = |query: &'static str| {
        app.client
            .get(app.url("/graphql"))
            .header(header::ACCEPT, "application/json")
            .query(&[("query", query), ("variables", r#"{"code":"E06000001"}"#)])
            .send()
    };

    let query = get("query ($code: String!) { area(code: $code) { name } }")
        .await
        .unwrap();
    let mutation = get("mutation { __typename }").await.unwrap();
    let no_query = app
        .client
        .get(app.url("/graphql"))
        .header(header::ACCEPT, "application/json")
        .send()
        .await
        .unwrap();

    assert_eq!(query.status(), StatusCode::OK);
    let body: Value = query.json().await.unwrap();
    assert_eq!(body["data"]["area"]["name"], "Hartlepool");
    assert_eq!(mutation.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(mutation.headers()[header::ALLOW], "POST");
    let body: Value = mutation.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "METHOD_NOT_ALLOWED"
    );
    assert_eq!(no_query.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn an_error_echoes_only_a_short_prefix_of_the_input() {
    let app = TestApp::spawn().await;
    let huge = "E".repeat(60 * 1024);

    let (_, body) = app
        .post(
            &format!("{{ area(code: \"{huge}\") {{ name }} }}"),
            json!({}),
        )
        .await;

    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.len() < 300, "{} bytes", message.len());

    // async-graphql's own messages name what the document names.
    let (_, body) = app
        .post(&format!("{{ {} }}", "n".repeat(60 * 1024)), json!({}))
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.chars().count() <= 257,
        "{} characters",
        message.len()
    );
}

#[tokio::test]
async fn liveness_and_readiness_answer_and_readiness_follows_the_database() {
    let app = TestApp::spawn().await;
    let status = |path: &'static str| {
        let request = app.get(path);
        async move { request.await.status() }
    };

    assert_eq!(status("/health/live").await, StatusCode::OK);
    assert_eq!(status("/health/ready").await, StatusCode::OK);
    app.db.clone().close().await.unwrap();
    let started = std::time::Instant::now();
    let ready = status("/health/ready").await;
    let (graphql_status, body) = app
        .post("{ area(code: \"E06000001\") { name } }", json!({}))
        .await;

    assert!(started.elapsed() < std::time::Duration::from_secs(1));
    assert_eq!(ready, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(status("/health/live").await, StatusCode::OK);
    assert_eq!(graphql_status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAVAILABLE");
    assert!(body["data"].is_null(), "a 5xx carries no data: {body}");
}

#[tokio::test]
async fn responses_are_compressed_for_clients_that_accept_it() {
    let app = TestApp::spawn().await;
    for encoding in ["gzip", "br"] {
        let response = app
            .client
            .post(app.url("/graphql"))
            .header(header::ACCEPT_ENCODING, encoding)
            .json(&json!({ "query": "{ areas(first: 200) { nodes { code name region } } }" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()[header::CONTENT_ENCODING], encoding);
    }
}

#[tokio::test]
async fn browser_dashboards_on_other_origins_may_call_the_api() {
    let app = TestApp::spawn().await;

    let preflight = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/graphql"))
        .header(header::ORIGIN, "https://dashboard.example")
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
        .header(
            header::ACCESS_CONTROL_REQUEST_HEADERS,
            "content-type, authorization",
        )
        .send()
        .await
        .unwrap();

    assert!(preflight.status().is_success());
    let headers = preflight.headers();
    assert_eq!(headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    let allowed = headers[header::ACCESS_CONTROL_ALLOW_HEADERS]
        .to_str()
        .unwrap()
        .to_lowercase();
    assert!(
        allowed.contains("authorization") && allowed.contains("content-type"),
        "{allowed}"
    );
    assert!(!headers.contains_key(header::ACCESS_CONTROL_ALLOW_CREDENTIALS));
}

#[tokio::test]
async fn every_refusal_is_a_graphql_shaped_error_with_a_code() {
    let app = TestApp::spawn().await;

    let unknown = app.get("/nothing-here").await;
    let put = app
        .client
        .put(app.url("/graphql"))
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();

    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let body: Value = unknown.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND");
    assert_eq!(put.status(), StatusCode::METHOD_NOT_ALLOWED);
    let body: Value = put.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "METHOD_NOT_ALLOWED"
    );
}

#[tokio::test]
async fn a_body_that_does_not_arrive_by_the_deadline_is_408() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let config = api::config::Config {
        limits: api::config::RequestLimits {
            request_timeout_secs: 1,
            ..api::config::RequestLimits::default()
        },
        ..crate::support::test_config()
    };
    let app = TestApp::spawn_configured(false, config).await;
    let mut stream = tokio::net::TcpStream::connect(app.address).await.unwrap();

    // Promise 100 bytes, send 10, and stall.
    stream
        .write_all(
            b"POST /graphql HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n\
              Content-Length: 100\r\n\r\n{\"query\":",
        )
        .await
        .unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        stream.read_to_end(&mut answer),
    )
    .await;

    assert!(read.is_ok(), "no answer within 5 s");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"REQUEST_TIMEOUT\""), "{answer}");
}

#[tokio::test]
async fn a_callers_request_id_is_kept_only_if_short_and_plain() {
    let app = TestApp::spawn().await;
    let send = |id: String| {
        app.client
            .post(app.url("/graphql"))
            .header("x-request-id", id)
            .json(&json!({ "query": "{ __typename }" }))
            .send()
    };

    let plain = send("partner-trace-42".to_owned()).await.unwrap();
    let odd = send(format!("{} {}", "a".repeat(100), "<script>"))
        .await
        .unwrap();

    assert_eq!(plain.headers()["x-request-id"], "partner-trace-42");
    let replaced = odd.headers()["x-request-id"].to_str().unwrap();
    assert!(
        !replaced.contains("script") && replaced.len() == 36,
        "{replaced}"
    );
}
