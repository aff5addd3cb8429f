//! `/metrics`: a Prometheus scrape that counts requests by operation and code, their latency,
//! query cost, rows loaded, the pool, rate-limit refusals and the build.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::TestApp;

async fn scrape(app: &TestApp) -> String {
    let response = app.get("/metrics").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    response.text().await.unwrap()
}

/// The value of the sample whose line starts with `series` (name and labels).
fn sample(scrape: &str, series: &str) -> f64 {
    scrape
        .lines()
        .find(|line| line.starts_with(series))
        .and_then(|line| line.rsplit(' ').next())
        .map_or(0.0, |value| value.parse().unwrap())
}

#[tokio::test]
async fn a_scrape_counts_requests_by_operation_and_outcome() {
    let app = TestApp::spawn().await;
    let ok = r#"send_inspections_requests_total{operation="MetricsProbe",code="OK"}"#;
    let failed = r#"send_inspections_requests_total{operation="MetricsProbe",code="GRAPHQL_VALIDATION_FAILED"}"#;
    let before = scrape(&app).await;

    let query = "query MetricsProbe { area(code: \"E06000001\") { name icbs { code } } }";
    app.data(query, json!({})).await;
    app.data(query, json!({})).await;
    app.post("query MetricsProbe { nope }", json!({})).await;
    let after = scrape(&app).await;

    assert_eq!(sample(&after, ok) - sample(&before, ok), 2.0, "{after}");
    assert_eq!(sample(&after, failed) - sample(&before, failed), 1.0);
    for name in [
        "send_inspections_request_duration_seconds_bucket",
        "send_inspections_query_cost_bucket",
        "send_inspections_database_rows_loaded_total",
        "send_inspections_database_connections{state=\"idle\"}",
        "send_inspections_database_connections{state=\"in_use\"}",
        "send_inspections_build_info{version=",
    ] {
        assert!(after.contains(name), "{name} missing from the scrape");
    }
    assert!(
        sample(&after, "send_inspections_database_rows_loaded_total")
            > sample(&before, "send_inspections_database_rows_loaded_total")
    );
}
