//! Bounded work: the cost model and the caps refuse before execution; the execution caps and
//! the deadline stop a request that gets through; every refusal has its code.

use std::time::{Duration, Instant};

use api::config::{Config, RequestLimits};
use reqwest::{StatusCode, header};
use serde_json::{Value, json};

use crate::support::{TestApp, test_config};

/// ICB → areas → ICBs → areas, `hops` times: tiny to send, enormous to answer.
fn fan_out(hops: usize) -> String {
    let mut query = String::from("{ integratedCareBoard(code: \"QHM\") { areas { ");
    for _ in 0..hops {
        query.push_str("icbs { areas { ");
    }
    query.push_str("name");
    query.push_str(&" } }".repeat(hops));
    query.push_str(" } } }");
    query
}

fn with_limits(limits: RequestLimits) -> Config {
    Config {
        limits,
        ..test_config()
    }
}

fn first_error(body: &Value) -> &Value {
    &body["errors"][0]
}

#[tokio::test]
async fn the_fan_out_query_and_deeper_ones_are_refused_in_milliseconds() {
    let app = TestApp::spawn().await;
    for hops in [2, 5, 6] {
        let query = fan_out(hops);
        let started = Instant::now();

        let (status, body) = app.post(&query, json!({})).await;

        assert!(
            started.elapsed() < Duration::from_millis(500),
            "{hops} hops"
        );
        assert_eq!(status, StatusCode::OK);
        let error = first_error(&body);
        assert_eq!(error["extensions"]["code"], "QUERY_TOO_COMPLEX", "{body}");
        let cost = error["extensions"]["cost"]["requestedQueryCost"]
            .as_u64()
            .unwrap();
        assert!(cost > 25_000, "{hops} hops cost {cost}");
        assert_eq!(error["extensions"]["cost"]["maximumQueryCost"], 25_000);
        assert!(body.get("data").is_none(), "{body}");
    }
}

#[tokio::test]
async fn an_accepted_query_reports_its_cost_as_the_cost_model_counts_it() {
    let app = TestApp::spawn().await;
    // A root field that runs SQL (10) and one scalar (1).
    let (_, name) = app
        .post("{ area(code: \"E06000001\") { name } }", json!({}))
        .await;
    // The same root, and a list of at most 4 ICBs with one field each: 4 × 1 + 1.
    let (_, icbs) = app
        .post("{ area(code: \"E06000001\") { icbs { code } } }", json!({}))
        .await;
    // A selection of only __typename still costs its parent: 200 for the summary.
    let (_, summary) = app
        .post("{ nationalSummary { __typename } }", json!({}))
        .await;

    assert_eq!(name["extensions"]["cost"]["requestedQueryCost"], 11);
    assert_eq!(icbs["extensions"]["cost"]["requestedQueryCost"], 15);
    assert_eq!(summary["extensions"]["cost"]["requestedQueryCost"], 200);
    // Introspection adds 5,000 to what its fields cost.
    let (_, schema) = app
        .post("{ __schema { queryType { name } } }", json!({}))
        .await;
    assert_eq!(schema["extensions"]["cost"]["requestedQueryCost"], 5_003);
}

#[tokio::test]
async fn a_thousand_aliased_summaries_are_refused_before_they_run() {
    let app = TestApp::spawn().await;
    let aliases: String = (0..1_000)
        .map(|i| format!("s{i}: nationalSummary {{ __typename }} "))
        .collect();
    let started = Instant::now();

    let (_, body) = app.post(&format!("{{ {aliases} }}"), json!({})).await;

    assert!(started.elapsed() < Duration::from_millis(500));
    assert_eq!(
        first_error(&body)["extensions"]["code"],
        "QUERY_TOO_COMPLEX"
    );
}

#[tokio::test]
async fn each_document_cap_refuses_just_past_it_and_accepts_at_it() {
    let limits = RequestLimits {
        max_aliases: 3,
        max_root_fields: 4,
        max_directives: 2,
        max_tokens: 60,
        ..RequestLimits::default()
    };
    let app = TestApp::spawn_configured(false, with_limits(limits)).await;
    let area = "area(code: \"E06000001\") { name }";
    let cases = [
        // At the caps: 3 aliases, 4 root fields, 2 directives.
        (
            format!("{{ a: {area} b: {area} c: {area} __typename }}"),
            None,
        ),
        (
            "{ __typename @include(if: true) @skip(if: false) }".to_owned(),
            None,
        ),
        // One past each.
        (
            format!("{{ a: {area} b: {area} c: {area} d: {area} }}"),
            Some("aliases"),
        ),
        (
            format!(
                "{{ {area} __typename __typename ... on Query {{ __typename }} ...F }} fragment F on Query {{ __typename }}"
            ),
            Some("root fields"),
        ),
        (
            "{ __typename @include(if: true) @skip(if: false) @include(if: true) }".to_owned(),
            Some("directives"),
        ),
        (
            format!("{{ {} }}", "__typename ".repeat(59)),
            Some("tokens"),
        ),
    ];
    for (query, refused_for) in cases {
        let (_, body) = app.post(&query, json!({})).await;
        match refused_for {
            None => assert!(body.get("errors").is_none(), "{query}: {body}"),
            Some(what) => {
                assert_eq!(
                    first_error(&body)["extensions"]["code"],
                    "QUERY_TOO_COMPLEX"
                );
                let message = first_error(&body)["message"].as_str().unwrap();
                assert!(message.contains(what), "{query}: {body}");
            }
        }
    }
}

#[tokio::test]
async fn oversized_variables_are_refused() {
    let limits = RequestLimits {
        max_variables_bytes: 100,
        ..RequestLimits::default()
    };
    let app = TestApp::spawn_configured(false, with_limits(limits)).await;
    let query = "query ($code: String!) { area(code: $code) { name } }";

    let (ok_status, _) = app.post(query, json!({ "code": "E06000001" })).await;
    let (status, body) = app
        .post(
            query,
            json!({ "code": "E06000001", "padding": "x".repeat(200) }),
        )
        .await;

    assert_eq!(ok_status, StatusCode::OK);
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        first_error(&body)["extensions"]["code"],
        "REQUEST_TOO_LARGE"
    );
}

#[tokio::test]
async fn a_response_that_resolves_too_many_fields_is_refused_whole() {
    let limits = RequestLimits {
        max_resolved_fields: 100,
        ..RequestLimits::default()
    };
    let app = TestApp::spawn_configured(false, with_limits(limits)).await;

    let (small_status, _) = app
        .post("{ areas(first: 10) { nodes { name } } }", json!({}))
        .await;
    let (_, body) = app
        .post("{ areas(first: 200) { nodes { name } } }", json!({}))
        .await;

    assert_eq!(small_status, StatusCode::OK);
    assert_eq!(
        first_error(&body)["extensions"]["code"],
        "RESPONSE_TOO_LARGE"
    );
    assert!(body["data"].is_null(), "{body}");
    assert_eq!(body["errors"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_response_over_the_byte_limit_is_refused_not_sent() {
    let limits = RequestLimits {
        max_response_bytes: 2_000,
        ..RequestLimits::default()
    };
    let app = TestApp::spawn_configured(false, with_limits(limits)).await;

    let (_, small) = app
        .post("{ areas(first: 5) { nodes { name } } }", json!({}))
        .await;
    let (_, body) = app
        .post("{ areas(first: 200) { nodes { name } } }", json!({}))
        .await;

    assert!(small.get("errors").is_none(), "{small}");
    assert_eq!(
        first_error(&body)["extensions"]["code"],
        "RESPONSE_TOO_LARGE"
    );
    assert!(body.get("data").is_none());
}

#[tokio::test]
async fn a_runaway_request_is_stopped_at_the_deadline() {
    let limits = RequestLimits {
        request_timeout_secs: 1,
        max_cost: usize::MAX,
        max_resolved_fields: usize::MAX,
        max_response_bytes: usize::MAX,
        ..RequestLimits::default()
    };
    let app = TestApp::spawn_configured(false, with_limits(limits)).await;
    let started = Instant::now();

    let response = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({ "query": fan_out(5) }))
        .send()
        .await
        .unwrap();

    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(response.headers().contains_key(header::RETRY_AFTER));
    let body: Value = response.json().await.unwrap();
    assert_eq!(first_error(&body)["extensions"]["code"], "TIMEOUT");
    // The server is free again.
    let (status, _) = app
        .post("{ area(code: \"E06000001\") { name } }", json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_panic_is_an_internal_error_with_the_request_id_and_the_server_goes_on() {
    let app = TestApp::spawn().await;

    let response = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({
            "query": "query PanicForTest { __typename }",
            "operationName": api::graphql::test_hooks::PANIC_OPERATION,
        }))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let body: Value = response.json().await.unwrap();
    assert_eq!(first_error(&body)["extensions"]["code"], "INTERNAL");
    assert_eq!(first_error(&body)["extensions"]["requestId"], request_id);
    assert_eq!(first_error(&body)["message"], "internal error");
    let (status, _) = app.post("{ __typename }", json!({})).await;
    assert_eq!(status, StatusCode::OK);
}

/// The largest number of `child` rows sharing one `parent` value.
async fn most_per(app: &TestApp, table: &str, parent: &str, condition: &str) -> usize {
    use sea_orm::{ConnectionTrait, Statement};
    let sql = format!(
        "SELECT COALESCE(MAX(n), 0) AS most FROM \
         (SELECT COUNT(*) AS n FROM {table} WHERE {condition} GROUP BY {parent}) AS counts"
    );
    let row = app
        .db
        .query_one_raw(Statement::from_string(app.db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap();
    let most: i64 = row.try_get("", "most").unwrap();
    usize::try_from(most).unwrap()
}

#[tokio::test]
async fn the_cost_models_bounds_hold_for_the_reference_and_demo_data() {
    use api::graphql::cost;
    let app = TestApp::spawn_with_demo().await;
    let current = "valid_to IS NULL AND integrated_care_board_id IS NOT NULL";
    let bounds = [
        (
            "partnership_membership",
            "area_id",
            current,
            cost::MAX_ICBS_PER_AREA,
        ),
        (
            "partnership_membership",
            "integrated_care_board_id",
            current,
            cost::MAX_AREAS_PER_ICB,
        ),
        (
            "partnership_membership",
            "area_id",
            "1 = 1",
            cost::MAX_MEMBERSHIPS_PER_AREA,
        ),
        (
            "inspection",
            "area_id",
            "1 = 1",
            cost::MAX_INSPECTIONS_PER_AREA,
        ),
        (
            "recommendation",
            "inspection_id",
            "1 = 1",
            cost::MAX_RECOMMENDATIONS_PER_INSPECTION,
        ),
        (
            "strategic_plan",
            "area_id",
            "1 = 1",
            cost::MAX_STRATEGIC_PLANS_PER_AREA,
        ),
        (
            "priority_action_plan",
            "area_id",
            "1 = 1",
            cost::MAX_PRIORITY_ACTION_PLANS_PER_AREA,
        ),
        (
            "priority_action",
            "priority_action_plan_id",
            "1 = 1",
            cost::MAX_ACTIONS_PER_PLAN,
        ),
        (
            "engagement_meeting",
            "area_id",
            "1 = 1",
            cost::MAX_ENGAGEMENT_MEETINGS_PER_AREA,
        ),
        (
            "intervention",
            "area_id",
            "1 = 1",
            cost::MAX_INTERVENTIONS_PER_AREA,
        ),
    ];
    for (table, parent, condition, bound) in bounds {
        let most = most_per(&app, table, parent, condition).await;
        assert!(most > 0, "{table} has no rows to check");
        assert!(most <= bound, "{table} per {parent}: {most} > {bound}");
    }
}

#[tokio::test]
async fn each_caller_spends_its_own_bucket_of_query_cost() {
    let limits = RequestLimits {
        max_cost: 100,
        rate_limit_burst: 100,
        rate_limit_cost_per_second: 1,
        ..RequestLimits::default()
    };
    let app = TestApp::spawn_configured(false, with_limits(limits)).await;
    // 10 for the root, 4 × 12 + 1 for the ICBs: 59.
    let query = "{ area(code: \"E06000001\") { icbs { code odsCode name nhsRegion id \
                 c1: code c2: code c3: code c4: code c5: code c6: code c7: code } } }";
    let send = |token: Option<String>| {
        let mut request = app
            .client
            .post(app.url("/graphql"))
            .json(&json!({ "query": query }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };

    let first = send(None).await.unwrap();
    let second = send(None).await.unwrap();
    let other_caller = send(Some(crate::support::token("dfe", None, "read")))
        .await
        .unwrap();

    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(first.headers()["ratelimit-policy"], "\"cost\";q=100;w=100");
    let state = first.headers()["ratelimit"].to_str().unwrap().to_owned();
    let body: Value = first.json().await.unwrap();
    let spent = body["extensions"]["cost"]["requestedQueryCost"]
        .as_u64()
        .unwrap();
    let left = body["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"]
        .as_u64()
        .unwrap();
    assert!(spent > 50 && left == 100 - spent, "{body}");
    assert!(state.starts_with(&format!("\"cost\";r={left};")), "{state}");

    assert_eq!(second.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = second.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after >= 1, "{retry_after}");
    let body: Value = second.json().await.unwrap();
    assert_eq!(first_error(&body)["extensions"]["code"], "RATE_LIMITED");

    assert_eq!(other_caller.status(), StatusCode::OK);
    let unauthenticated = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth("not-a-token")
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(unauthenticated.status(), StatusCode::UNAUTHORIZED);
    assert!(unauthenticated.headers().contains_key("ratelimit-policy"));
}

#[tokio::test]
async fn fragments_that_multiply_are_refused_before_they_are_written_out() {
    let app = TestApp::spawn().await;
    let mut query = String::from("{ ...F0 }");
    for level in 0..20 {
        query.push_str(&format!(
            " fragment F{level} on Query {{ ...F{next} ...F{next} ...F{next} }}",
            next = level + 1
        ));
    }
    query.push_str(" fragment F20 on Query { __typename }");
    let started = Instant::now();

    let (_, body) = app.post(&query, json!({})).await;

    assert!(started.elapsed() < Duration::from_millis(500));
    assert_eq!(
        first_error(&body)["extensions"]["code"],
        "QUERY_TOO_COMPLEX"
    );
    assert!(
        first_error(&body)["message"]
            .as_str()
            .unwrap()
            .contains("fragments"),
        "{body}"
    );
}

#[tokio::test]
async fn a_cost_too_large_to_add_up_is_still_refused() {
    let app = TestApp::spawn().await;
    // Deep enough that the costs multiply past any integer; with __typename beside it, an
    // unchecked sum would wrap round to a small number.
    let mut query = String::from("{ __typename integratedCareBoards(first: 250) { nodes { ");
    for _ in 0..6 {
        query.push_str("areas { icbs { ");
    }
    query.push_str("a: name b: name c: name");
    query.push_str(&" } }".repeat(6));
    query.push_str(" } } }");

    let (_, body) = app.post(&query, json!({})).await;

    assert_eq!(
        first_error(&body)["extensions"]["code"],
        "QUERY_TOO_COMPLEX",
        "{body}"
    );
}
