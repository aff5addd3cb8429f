//! No N+1: the dashboard issues the same, small number of SQL statements for 153 areas as for
//! ten times as many.

use serde_json::json;

use api::config::Config;

use crate::support::{TestApp, contract_query, test_config};

#[tokio::test]
async fn dashboard_and_summary_statement_counts_do_not_grow_with_the_number_of_areas() {
    // What running the query costs: answers kept from one request to the next would cost none.
    let config = Config {
        response_cache_bytes: 0,
        ..test_config()
    };
    let app = TestApp::spawn_configured(true, config).await;
    let dashboard =
        contract_query("national_dashboard.graphql").replace("first: 200", "first: 250");
    let summary = "{ nationalSummary { areaCount openPriorityActionPlanCount overdueAreaCount } }";
    let (for_153, data) = app.count_statements(&dashboard, json!({})).await;
    assert_eq!(data["areas"]["totalCount"], 153);
    let (summary_for_153, _) = app.count_statements(summary, json!({})).await;

    api::db::synthetic::fill(&app.db, 1377).await.unwrap();
    let (for_1530, data) = app.count_statements(&dashboard, json!({})).await;
    let (summary_for_1530, summary_data) = app.count_statements(summary, json!({})).await;

    assert_eq!(data["areas"]["totalCount"], 1530);
    assert_eq!(
        for_153, for_1530,
        "statements grew with the number of areas"
    );
    // The areas, then one query per relation: ICBs, inspections, meetings, strategic plans,
    // priority action plans and their actions.
    assert_eq!(for_153, 7, "statements for one dashboard");
    assert_eq!(summary_data["nationalSummary"]["areaCount"], 1530);
    // The areas, their histories (four), and the actions of their current plans.
    assert_eq!((summary_for_153, summary_for_1530), (6, 6));
}
