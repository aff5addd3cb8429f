//! The outcomes feed: stable cursor order for incremental sync, filters and counts.

use std::collections::HashSet;

use entity::{enums::InspectionStatus, inspection};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::support::TestApp;

const FEED: &str = "query($first: Int, $after: String, $last: Int, $before: String, $filter: InspectionFilter, $orderBy: InspectionOrder) {
  inspections(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage endCursor startCursor }
    edges { cursor node { id updatedAt outcome framework kind publishedOn area { code region } } }
  }
}";

fn ids(connection: &Value) -> Vec<String> {
    connection["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| edge["node"]["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn walk_forward(app: &TestApp, filter: Value, page_size: i32) -> Vec<Value> {
    let mut nodes = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let data = app
            .data(
                FEED,
                json!({ "first": page_size, "after": after, "filter": filter }),
            )
            .await;
        let feed = &data["inspections"];
        nodes.extend(
            feed["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"].clone()),
        );
        if feed["pageInfo"]["hasNextPage"] == false {
            return nodes;
        }
        after = Some(feed["pageInfo"]["endCursor"].as_str().unwrap().to_owned());
    }
}

#[tokio::test]
async fn the_feed_pages_through_every_published_inspection_once_in_change_order() {
    let app = TestApp::spawn_with_demo().await;
    let published = inspection::Entity::find()
        .filter(inspection::Column::Status.eq(InspectionStatus::Published))
        .count(&app.db)
        .await
        .unwrap();
    let all = inspection::Entity::find().count(&app.db).await.unwrap();
    assert!(
        all > published,
        "the demo has unpublished inspections to hide"
    );

    let nodes = walk_forward(&app, json!({}), 37).await;

    assert_eq!(nodes.len() as u64, published);
    let unique: HashSet<&str> = nodes.iter().map(|n| n["id"].as_str().unwrap()).collect();
    assert_eq!(unique.len(), nodes.len());
    let stamps: Vec<&str> = nodes
        .iter()
        .map(|n| n["updatedAt"].as_str().unwrap())
        .collect();
    assert!(stamps.windows(2).all(|pair| pair[0] <= pair[1]));
    let total = app.data(FEED, json!({ "first": 1 })).await["inspections"]["totalCount"].clone();
    assert_eq!(total, json!(published));
}

#[tokio::test]
async fn paging_backward_returns_the_pages_before_a_cursor() {
    let app = TestApp::spawn_with_demo().await;
    let forward = app.data(FEED, json!({ "first": 10 })).await;
    let tenth = forward["inspections"]["edges"][9]["cursor"]
        .as_str()
        .unwrap()
        .to_owned();

    let backward = app.data(FEED, json!({ "last": 4, "before": tenth })).await;

    assert_eq!(
        ids(&backward["inspections"]),
        ids(&forward["inspections"])[5..9].to_vec()
    );
    assert_eq!(backward["inspections"]["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(backward["inspections"]["pageInfo"]["hasNextPage"], true);
    let first_page = app.data(FEED, json!({ "first": 3 })).await;
    assert_eq!(
        first_page["inspections"]["pageInfo"]["hasPreviousPage"],
        false
    );
}

#[tokio::test]
async fn descending_order_lists_the_latest_changes_first() {
    let app = TestApp::spawn_with_demo().await;
    let order = json!({ "field": "UPDATED_AT", "direction": "DESC" });
    let first = app
        .data(FEED, json!({ "first": 5, "orderBy": order }))
        .await;
    let cursor = first["inspections"]["pageInfo"]["endCursor"]
        .as_str()
        .unwrap()
        .to_owned();
    let second = app
        .data(
            FEED,
            json!({ "first": 5, "after": cursor, "orderBy": order }),
        )
        .await;

    let stamps: Vec<String> = [&first, &second]
        .iter()
        .flat_map(|page| page["inspections"]["edges"].as_array().unwrap().clone())
        .map(|e| e["node"]["updatedAt"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(stamps.len(), 10);
    assert!(
        stamps.windows(2).all(|pair| pair[0] >= pair[1]),
        "{stamps:?}"
    );
}

#[tokio::test]
async fn filters_narrow_the_feed_and_its_count() {
    let app = TestApp::spawn_with_demo().await;

    let outcome_3 = walk_forward(
        &app,
        json!({ "outcome": "OUTCOME_3", "framework": "FRAMEWORK_2023" }),
        50,
    )
    .await;
    assert!(!outcome_3.is_empty());
    assert!(
        outcome_3
            .iter()
            .all(|n| n["outcome"] == "OUTCOME_3" && n["framework"] == "FRAMEWORK_2023")
    );

    let revisits = walk_forward(&app, json!({ "kind": "REVISIT" }), 50).await;
    assert!(!revisits.is_empty() && revisits.iter().all(|n| n["kind"] == "REVISIT"));

    let london = walk_forward(&app, json!({ "region": "LONDON" }), 50).await;
    assert!(!london.is_empty() && london.iter().all(|n| n["area"]["region"] == "LONDON"));

    let north_east_icb = walk_forward(&app, json!({ "icb": "QHM" }), 50).await;
    assert!(!north_east_icb.is_empty());
    assert!(
        north_east_icb
            .iter()
            .all(|n| ["NORTH_EAST", "NORTH_WEST"].contains(&n["area"]["region"].as_str().unwrap()))
    );

    let window = json!({ "publishedOnOrAfter": "2024-01-01", "publishedOnOrBefore": "2024-12-31" });
    let in_2024 = walk_forward(&app, window.clone(), 50).await;
    assert!(!in_2024.is_empty());
    assert!(
        in_2024
            .iter()
            .all(|n| n["publishedOn"].as_str().unwrap().starts_with("2024"))
    );
    let count = app
        .data(FEED, json!({ "first": 1, "filter": window }))
        .await["inspections"]["totalCount"]
        .clone();
    assert_eq!(count, json!(in_2024.len()));

    let hartlepool = walk_forward(&app, json!({ "area": "E06000001" }), 50).await;
    assert!(hartlepool.iter().all(|n| n["area"]["code"] == "E06000001"));
}

#[tokio::test]
async fn updated_since_returns_only_later_changes() {
    let app = TestApp::spawn_with_demo().await;
    let all = walk_forward(&app, json!({}), 100).await;
    let middle = all[all.len() / 2]["updatedAt"].as_str().unwrap().to_owned();

    let since = walk_forward(&app, json!({ "updatedSince": middle }), 100).await;

    let expected: Vec<&Value> = all
        .iter()
        .filter(|n| n["updatedAt"].as_str().unwrap() >= middle.as_str())
        .collect();
    assert_eq!(since.len(), expected.len());
    assert!(since.len() < all.len());
}

#[tokio::test]
async fn bad_feed_input_is_a_user_error() {
    let app = TestApp::spawn().await;
    for variables in [
        json!({ "after": "bm90IGEgY3Vyc29y" }),
        json!({ "filter": { "area": "E54000050" } }),
        json!({ "filter": { "publishedOnOrAfter": "24/11/2026" } }),
        json!({ "filter": { "updatedSince": "yesterday" } }),
        json!({ "last": -1 }),
    ] {
        assert_eq!(
            app.error_code(FEED, variables.clone()).await,
            "BAD_USER_INPUT",
            "{variables}"
        );
    }
}
