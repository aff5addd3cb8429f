//! The partners' contract documents run unchanged and answer with the real reference data.

use serde_json::{Value, json};

use crate::support::{TestApp, contract_query};

#[tokio::test]
async fn national_dashboard_returns_every_area_with_real_codes_in_one_page() {
    let app = TestApp::spawn().await;

    let data = app
        .data(&contract_query("national_dashboard.graphql"), json!({}))
        .await;

    let areas = &data["areas"];
    assert_eq!(areas["totalCount"], 153);
    assert_eq!(areas["pageInfo"]["hasNextPage"], false);
    let nodes = areas["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 153);
    let hartlepool = nodes.iter().find(|n| n["code"] == "E06000001").unwrap();
    assert_eq!(hartlepool["name"], "Hartlepool");
    assert_eq!(hartlepool["region"], "NORTH_EAST");
    assert_eq!(
        hartlepool["localAuthority"],
        json!({ "code": "E06000001", "name": "Hartlepool" })
    );
    assert_eq!(
        hartlepool["icbs"],
        json!([{
            "code": "E54000050",
            "odsCode": "QHM",
            "name": "NHS North East and North Cumbria Integrated Care Board"
        }])
    );
    // Reference data only: nothing inspected, nothing due.
    assert_eq!(hartlepool["latestFullInspection"], json!(null));
    assert_eq!(hartlepool["schedule"]["isOverdue"], false);
    assert_eq!(hartlepool["currentPriorityActionPlan"], json!(null));
}

#[tokio::test]
async fn an_area_split_between_icbs_lists_the_main_icb_first_and_follows_the_2026_mergers() {
    let app = TestApp::spawn().await;

    let data = app
        .data(
            "{ area(code: \"E10000012\") {
                 before: icbs(asOf: \"2026-03-31\") { odsCode }
                 since: icbs(asOf: \"2026-04-01\") { odsCode } } }",
            json!({}),
        )
        .await;

    let ods = |list: &Value| -> Vec<String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|icb| icb["odsCode"].as_str().unwrap().to_owned())
            .collect()
    };
    // Until the mergers, Mid and South Essex covered most of Essex; SNEE and HWE served the rest.
    let before = ods(&data["area"]["before"]);
    assert_eq!(before[0], "QH8");
    assert_eq!(before.len(), 3);
    assert!(before.contains(&"QJG".to_owned()) && before.contains(&"QM7".to_owned()));
    // Since 1 April 2026 one Essex ICB serves it all.
    assert_eq!(ods(&data["area"]["since"]), ["D7T5G"]);
}

#[tokio::test]
async fn national_dashboard_shows_the_demo_history() {
    let app = TestApp::spawn_with_demo().await;

    let data = app
        .data(&contract_query("national_dashboard.graphql"), json!({}))
        .await;

    let nodes = data["areas"]["nodes"].as_array().unwrap();
    let outcome_3 = nodes
        .iter()
        .filter(|n| n["latestFullInspection"]["outcome"] == "OUTCOME_3")
        .count();
    let with_plan = nodes
        .iter()
        .filter(|n| n["currentPriorityActionPlan"].is_object())
        .count();
    assert!(outcome_3 > 0);
    // Every published plan answers an outcome-3 inspection; draft ones are hidden from the public.
    assert!(with_plan > 0 && with_plan <= outcome_3);
}

#[tokio::test]
async fn area_name_answers_by_code() {
    let app = TestApp::spawn().await;

    let data = app
        .data(
            &contract_query("area_name.graphql"),
            json!({ "code": "E09000033" }),
        )
        .await;

    assert_eq!(data, json!({ "area": { "name": "Westminster" } }));
}

#[test]
fn the_benchmarks_copies_of_the_contract_queries_are_current() {
    for name in ["national_dashboard.graphql", "area_name.graphql"] {
        let copy = format!("{}/examples/queries/{name}", env!("CARGO_MANIFEST_DIR"));
        assert_eq!(
            std::fs::read_to_string(&copy).unwrap(),
            contract_query(name),
            "{copy} differs from the contract"
        );
    }
}

#[tokio::test]
async fn the_benchmarks_own_queries_run_for_the_public() {
    let app = TestApp::spawn_with_demo().await;
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/queries");
    let page = std::fs::read_to_string(format!("{dir}/area_page.graphql")).unwrap();
    let feed = std::fs::read_to_string(format!("{dir}/outcomes_feed.graphql")).unwrap();

    let area = app.data(&page, json!({ "code": "E06000010" })).await;
    let outcomes = app.data(&feed, json!({ "outcome": "OUTCOME_3" })).await;

    assert_eq!(area["area"]["code"], "E06000010");
    assert!(!area["area"]["inspections"].as_array().unwrap().is_empty());
    let nodes = outcomes["inspections"]["nodes"].as_array().unwrap();
    assert!(!nodes.is_empty() && nodes.iter().all(|n| n["outcome"] == "OUTCOME_3"));
}

#[tokio::test]
async fn reference_lists_hold_every_local_authority_and_icb() {
    let app = TestApp::spawn().await;
    let query = "{
      localAuthorities(first: 200) { totalCount nodes { code type area { code } } }
      integratedCareBoards(first: 50, asOf: \"2026-03-31\") { totalCount pageInfo { hasNextPage } nodes { code odsCode nhsRegion } }
      today: integratedCareBoards(first: 50) { totalCount }
      firstTwo: integratedCareBoards(first: 2) { pageInfo { hasNextPage } nodes { code } }
    }";

    let data = app.data(query, json!({})).await;

    let las = data["localAuthorities"]["nodes"].as_array().unwrap();
    assert_eq!(data["localAuthorities"]["totalCount"], 153);
    assert_eq!(las.len(), 153);
    assert!(las.iter().all(|la| la["area"]["code"] == la["code"]));
    let of_type = |kind: &str| las.iter().filter(|la| la["type"] == kind).count();
    assert_eq!(
        [
            of_type("COUNTY"),
            of_type("UNITARY"),
            of_type("METROPOLITAN_DISTRICT"),
            of_type("LONDON_BOROUGH"),
            of_type("CITY_CORPORATION")
        ],
        [21, 63, 36, 32, 1]
    );
    let icbs = data["integratedCareBoards"]["nodes"].as_array().unwrap();
    assert_eq!(data["integratedCareBoards"]["totalCount"], 42);
    assert_eq!(icbs.len(), 42);
    assert!(
        icbs.iter()
            .all(|icb| icb["code"].as_str().unwrap().starts_with("E54"))
    );
    assert!(icbs.contains(
        &json!({ "code": "E54000050", "odsCode": "QHM", "nhsRegion": "NORTH_EAST_AND_YORKSHIRE" })
    ));
    assert_eq!(
        data["today"]["totalCount"], 36,
        "42 became 36 on 1 April 2026"
    );
    assert_eq!(data["firstTwo"]["pageInfo"]["hasNextPage"], true);
    assert_eq!(data["firstTwo"]["nodes"][0]["code"], "E54000008");
}

#[tokio::test]
async fn every_query_in_the_readme_runs() {
    let app = TestApp::spawn_with_demo().await;
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let blocks: Vec<&str> = readme
        .split("```graphql")
        .skip(1)
        .map(|rest| rest.split("```").next().unwrap())
        // Subscriptions run over the websocket; tests/integration/events.rs runs them.
        .filter(|block| !block.trim_start().starts_with("subscription"))
        .collect();
    assert!(blocks.len() >= 5, "the README's examples went missing");

    for block in blocks {
        let (status, body) = app.post(block, json!({})).await;
        assert_eq!(status, reqwest::StatusCode::OK, "{block}");
        assert!(body.get("errors").is_none(), "{block}\n{body}");
        assert!(
            shows_something(&body["data"]),
            "as printed, this example shows the public nothing:\n{block}\n{body}"
        );
    }
}

/// Whether an answer holds a non-empty list or a count above zero somewhere: an example that
/// answers only empty lists and zeros shows a reader nothing.
fn shows_something(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::Array(items) => !items.is_empty(),
        serde_json::Value::Object(fields) => fields.values().any(shows_something),
        serde_json::Value::Number(number) => number.as_u64().is_some_and(|n| n > 0),
        _ => false,
    }
}

#[test]
fn the_readme_documents_every_setting_and_every_error_code() {
    use clap::CommandFactory;
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let command = api::config::Cli::command();
    let settings: Vec<String> = command
        .get_arguments()
        .filter_map(|argument| argument.get_env())
        .map(|name| name.to_string_lossy().into_owned())
        .collect();
    assert!(settings.len() > 20, "{settings:?}");
    for setting in settings {
        assert!(
            readme.contains(&format!("`{setting}`")),
            "{setting} is not in the README"
        );
    }
    for code in api::error::Code::ALL {
        assert!(
            readme.contains(&format!("| `{code}` |")),
            "{code} is not in the README's error table"
        );
    }
}
