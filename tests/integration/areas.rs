//! Areas: lookup by code, filters, orders and paging; the area page, ICB view and overdue stories.

use std::collections::HashSet;

use serde_json::{Value, json};

use crate::support::TestApp;

const AREA_CODES: &str = "query($first: Int, $after: String, $last: Int, $before: String, $filter: AreaFilter, $orderBy: AreaOrder) {
  areas(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { code name } }
  }
}";

fn codes(connection: &Value) -> Vec<String> {
    connection["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| edge["node"]["code"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn paging_forward_visits_every_area_once_in_name_order() {
    let app = TestApp::spawn().await;
    let mut seen = Vec::new();
    let mut names = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let data = app
            .data(AREA_CODES, json!({ "first": 40, "after": after }))
            .await;
        let areas = &data["areas"];
        assert_eq!(areas["totalCount"], 153);
        seen.extend(codes(areas));
        names.extend(
            areas["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"]["name"].as_str().unwrap().to_owned()),
        );
        if areas["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = Some(areas["pageInfo"]["endCursor"].as_str().unwrap().to_owned());
    }
    assert_eq!(seen.len(), 153);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 153);
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
}

#[tokio::test]
async fn paging_backward_mirrors_paging_forward() {
    let app = TestApp::spawn().await;
    let order = json!({ "field": "CODE", "direction": "DESC" });
    let forward = app
        .data(AREA_CODES, json!({ "first": 5, "orderBy": order }))
        .await;
    let cursor = forward["areas"]["edges"][4]["cursor"]
        .as_str()
        .unwrap()
        .to_owned();

    let backward = app
        .data(
            AREA_CODES,
            json!({ "last": 3, "before": cursor, "orderBy": order }),
        )
        .await;

    assert_eq!(
        codes(&backward["areas"]),
        codes(&forward["areas"])[1..4].to_vec()
    );
    assert_eq!(backward["areas"]["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(backward["areas"]["pageInfo"]["hasNextPage"], true);
    let first = codes(&forward["areas"]);
    assert!(first.windows(2).all(|pair| pair[0] > pair[1]), "{first:?}");
}

#[tokio::test]
async fn filters_by_region_type_and_icb() {
    let app = TestApp::spawn().await;
    let count = |filter: Value| {
        let app = &app;
        async move {
            app.data(AREA_CODES, json!({ "first": 200, "filter": filter }))
                .await["areas"]
                .clone()
        }
    };

    assert_eq!(count(json!({ "region": "LONDON" })).await["totalCount"], 33);
    assert_eq!(
        count(json!({ "localAuthorityType": "COUNTY" })).await["totalCount"],
        21
    );
    assert_eq!(
        count(json!({ "region": "LONDON", "localAuthorityType": "CITY_CORPORATION" })).await["totalCount"],
        1
    );
    let by_ods = count(json!({ "icb": "QHM" })).await;
    let by_ons = count(json!({ "icb": "E54000050" })).await;
    assert_eq!(codes(&by_ods), codes(&by_ons));
    // NENC serves the North East's twelve areas, plus parts of Cumberland and Westmorland and Furness.
    assert_eq!(by_ods["totalCount"], 14);
    assert!(codes(&by_ods).contains(&"E06000064".to_owned()));
}

#[tokio::test]
async fn bad_filter_and_paging_input_is_a_user_error() {
    let app = TestApp::spawn().await;
    for variables in [
        json!({ "filter": { "icb": "not an icb" } }),
        json!({ "first": 251 }),
        json!({ "first": 1, "last": 1 }),
        json!({ "after": "garbage" }),
    ] {
        assert_eq!(
            app.error_code(AREA_CODES, variables.clone()).await,
            "BAD_USER_INPUT",
            "{variables}"
        );
    }
}

#[tokio::test]
async fn area_lookup_validates_the_code_and_accepts_reissued_codes() {
    let app = TestApp::spawn().await;
    let query = "query($code: String!) { area(code: $code) { code name } }";

    let barnsley = app.data(query, json!({ "code": "E08000038" })).await;
    assert_eq!(
        barnsley["area"],
        json!({ "code": "E08000016", "name": "Barnsley" })
    );
    let unknown = app.data(query, json!({ "code": "E06000999" })).await;
    assert_eq!(unknown["area"], json!(null));
    assert_eq!(
        app.error_code(query, json!({ "code": "E07000223" })).await,
        "BAD_USER_INPUT"
    );
}

#[tokio::test]
async fn area_page_shows_partnership_history_inspections_plans_and_interventions() {
    let app = TestApp::spawn_with_demo().await;
    let query = "query($code: String!) {
      area(code: $code) {
        code
        partnership {
          validFrom validTo isPrimary
          member { __typename ... on LocalAuthority { code } ... on IntegratedCareBoard { code odsCode } }
        }
        inspections {
          framework kind status outcome publishedOn isSynthetic
          writtenStatementOfActionRequired revisitProgress
          recommendations { position text responsiblePartner isAreaForPriorityAction }
        }
        strategicPlans { version status publishedOn }
        currentStrategicPlan { version }
        priorityActionPlans { status submittedOn openActionCount actions { status recommendation { isAreaForPriorityAction } } }
        engagementMeetings { status heldOn }
        interventions { body kind status announcedOn }
        schedule(asOf: \"2026-11-24\") { nextFullInspectionDueBy monitoringInspectionDueBy isOverdue overdueItems }
      }
    }";
    // The demo's first outcome-3 area whose plan was published: index 9 in ONS-code order.
    let code = nth_area_code(&app, 9).await;

    let area = app.data(query, json!({ "code": code })).await["area"].clone();

    let partnership = area["partnership"].as_array().unwrap();
    assert_eq!(partnership[0]["member"]["__typename"], "LocalAuthority");
    assert!(
        partnership
            .iter()
            .any(|m| m["member"]["__typename"] == "IntegratedCareBoard"
                && m["validFrom"].as_str().unwrap() >= "2022-07-01")
    );
    let inspections = area["inspections"].as_array().unwrap();
    assert!(
        inspections
            .iter()
            .all(|i| i["status"] == "PUBLISHED" && i["isSynthetic"] == true)
    );
    let full_2023 = inspections
        .iter()
        .find(|i| i["framework"] == "FRAMEWORK_2023" && i["kind"] == "FULL")
        .unwrap();
    assert_eq!(full_2023["outcome"], "OUTCOME_3");
    let recommendations = full_2023["recommendations"].as_array().unwrap();
    assert_eq!(recommendations.len(), 3);
    assert_eq!(recommendations[0]["responsiblePartner"], "LOCAL_AUTHORITY");
    assert_eq!(recommendations[0]["isAreaForPriorityAction"], true);
    let plans = area["priorityActionPlans"].as_array().unwrap();
    assert_eq!(plans.len(), 1);
    assert_eq!(plans[0]["status"], "PUBLISHED");
    assert!(
        plans[0]["actions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["recommendation"]["isAreaForPriorityAction"] == true)
    );
    assert_eq!(area["interventions"][0]["body"], "DFE");
    assert_eq!(
        area["interventions"][0]["kind"],
        "STATUTORY_IMPROVEMENT_NOTICE"
    );
    assert!(area["schedule"]["nextFullInspectionDueBy"].is_string());
}

#[tokio::test]
async fn the_public_never_sees_planned_inspections_or_draft_plans() {
    let app = TestApp::spawn_with_demo().await;
    let query = "{ areas(first: 200) { nodes { inspections { status } strategicPlans { status } priorityActionPlans { status } engagementMeetings { status } interventions { status } } } }";

    let data = app.data(query, json!({})).await;

    let nodes = data["areas"]["nodes"].as_array().unwrap();
    let statuses = |field: &str| -> HashSet<String> {
        nodes
            .iter()
            .flat_map(|n| {
                n[field]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r["status"].as_str().unwrap().to_owned())
            })
            .collect()
    };
    assert_eq!(
        statuses("inspections"),
        HashSet::from(["PUBLISHED".to_owned()])
    );
    assert_eq!(
        statuses("strategicPlans"),
        HashSet::from(["PUBLISHED".to_owned()])
    );
    assert_eq!(
        statuses("priorityActionPlans"),
        HashSet::from(["PUBLISHED".to_owned()])
    );
    assert_eq!(
        statuses("engagementMeetings"),
        HashSet::from(["HELD".to_owned()])
    );
    assert_eq!(
        statuses("interventions"),
        HashSet::from(["ANNOUNCED".to_owned()])
    );
}

#[tokio::test]
async fn icb_view_lists_the_areas_it_serves_with_outcomes_and_schedules() {
    let app = TestApp::spawn_with_demo().await;
    let query = "query($code: String!) {
      integratedCareBoard(code: $code) {
        code odsCode name nhsRegion
        areas { code latestFullInspection { outcome } schedule { nextFullInspectionDueBy isOverdue } }
      }
    }";

    let by_ods = app.data(query, json!({ "code": "QHM" })).await;
    let by_ons = app.data(query, json!({ "code": "E54000050" })).await;

    assert_eq!(by_ods, by_ons);
    let icb = &by_ods["integratedCareBoard"];
    assert_eq!(icb["nhsRegion"], "NORTH_EAST_AND_YORKSHIRE");
    assert_eq!(icb["areas"].as_array().unwrap().len(), 14);
    assert_eq!(
        app.data(query, json!({ "code": "QZZ" })).await["integratedCareBoard"],
        json!(null)
    );
}

#[tokio::test]
async fn overdue_filter_agrees_with_each_areas_schedule() {
    let app = TestApp::spawn_with_demo().await;
    let query = "query($overdue: Boolean) {
      areas(first: 200, asOf: \"2026-11-24\", filter: { isOverdue: $overdue }, orderBy: { field: NEXT_DUE_BY }) {
        totalCount
        nodes { schedule(asOf: \"2026-11-24\") { isOverdue overdueItems nextDueBy } }
      }
    }";

    let overdue = app.data(query, json!({ "overdue": true })).await;
    let on_time = app.data(query, json!({ "overdue": false })).await;

    let overdue_nodes = overdue["areas"]["nodes"].as_array().unwrap();
    assert!(!overdue_nodes.is_empty());
    assert!(
        overdue_nodes
            .iter()
            .all(|n| n["schedule"]["isOverdue"] == true
                && !n["schedule"]["overdueItems"].as_array().unwrap().is_empty())
    );
    assert!(
        on_time["areas"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["schedule"]["isOverdue"] == false)
    );
    let total = overdue["areas"]["totalCount"].as_u64().unwrap()
        + on_time["areas"]["totalCount"].as_u64().unwrap();
    assert_eq!(total, 153);
    let due: Vec<&str> = overdue_nodes
        .iter()
        .filter_map(|n| n["schedule"]["nextDueBy"].as_str())
        .collect();
    assert!(
        due.windows(2).all(|pair| pair[0] <= pair[1]),
        "not in due order: {due:?}"
    );
}

#[tokio::test]
async fn latest_outcome_filter_counts_add_up_for_a_national_summary() {
    let app = TestApp::spawn_with_demo().await;
    let query = "{
      all: areas { totalCount }
      outcome1: areas(filter: { latestOutcome: OUTCOME_1 }) { totalCount }
      outcome2: areas(filter: { latestOutcome: OUTCOME_2 }) { totalCount }
      outcome3: areas(filter: { latestOutcome: OUTCOME_3 }, first: 200) { totalCount nodes { latestFullInspection { outcome } } }
      london: areas(filter: { region: LONDON }) { totalCount }
    }";

    let data = app.data(query, json!({})).await;

    let count = |alias: &str| data[alias]["totalCount"].as_u64().unwrap();
    assert_eq!(count("all"), 153);
    assert!(count("outcome1") > 0 && count("outcome2") > 0 && count("outcome3") > 0);
    assert!(count("outcome1") + count("outcome2") + count("outcome3") < 153);
    assert!(
        data["outcome3"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["latestFullInspection"]["outcome"] == "OUTCOME_3")
    );
    assert_eq!(count("london"), 33);
}

async fn nth_area_code(app: &TestApp, index: usize) -> String {
    let data = app
        .data(
            "{ areas(first: 200, orderBy: { field: CODE }) { nodes { code } } }",
            json!({}),
        )
        .await;
    data["areas"]["nodes"][index]["code"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn national_summary_agrees_with_the_area_lists() {
    let app = TestApp::spawn_with_demo().await;
    let summary_query = "{ nationalSummary(asOf: \"2026-11-24\") {
        asOf areaCount areasWithoutOutcome openPriorityActionPlanCount overdueAreaCount
        byLatestOutcome { outcome count } byRegion { region count } overdueItems { item count }
    } }";
    let lists_query = "{
      outcome3: areas(filter: { latestOutcome: OUTCOME_3 }) { totalCount }
      overdue: areas(asOf: \"2026-11-24\", filter: { isOverdue: true }) { totalCount }
      plans: areas(first: 200) { nodes { currentPriorityActionPlan { openActionCount } } }
      late: areas(first: 200, asOf: \"2026-11-24\") { nodes { schedule(asOf: \"2026-11-24\") { overdueItems } } }
    }";

    let summary = app.data(summary_query, json!({})).await["nationalSummary"].clone();
    let lists = app.data(lists_query, json!({})).await;

    assert_eq!(summary["asOf"], "2026-11-24");
    assert_eq!(summary["areaCount"], 153);
    let outcome = |name: &str| {
        summary["byLatestOutcome"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["outcome"] == name)
            .unwrap()["count"]
            .clone()
    };
    assert_eq!(outcome("OUTCOME_3"), lists["outcome3"]["totalCount"]);
    let by_outcome: u64 = summary["byLatestOutcome"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["count"].as_u64().unwrap())
        .sum();
    assert_eq!(
        by_outcome + summary["areasWithoutOutcome"].as_u64().unwrap(),
        153
    );
    let regions = summary["byRegion"].as_array().unwrap();
    assert_eq!(regions.len(), 9);
    assert_eq!(
        regions
            .iter()
            .map(|r| r["count"].as_u64().unwrap())
            .sum::<u64>(),
        153
    );
    assert!(regions.contains(&json!({ "region": "LONDON", "count": 33 })));
    assert_eq!(summary["overdueAreaCount"], lists["overdue"]["totalCount"]);
    let open_plans = lists["plans"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| {
            n["currentPriorityActionPlan"]["openActionCount"]
                .as_u64()
                .is_some_and(|open| open > 0)
        })
        .count();
    assert!(open_plans > 0);
    assert_eq!(summary["openPriorityActionPlanCount"], json!(open_plans));
    let late_monitoring = lists["late"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| {
            n["schedule"]["overdueItems"]
                .as_array()
                .unwrap()
                .contains(&json!("MONITORING_INSPECTION"))
        })
        .count();
    let item = |name: &str| {
        summary["overdueItems"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["item"] == name)
            .unwrap()["count"]
            .clone()
    };
    assert_eq!(item("MONITORING_INSPECTION"), json!(late_monitoring));
}
