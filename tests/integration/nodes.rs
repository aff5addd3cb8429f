//! Global IDs: every object refetches through `node(id:)`; hidden and unknown IDs answer null.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use entity::{enums::InspectionStatus, inspection};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use crate::support::TestApp;

const NODE: &str = "query($id: ID!) { node(id: $id) { __typename id } }";

#[tokio::test]
async fn every_object_type_refetches_by_its_id() {
    let app = TestApp::spawn_with_demo().await;
    let query = "{ area(code: \"E06000010\") {
        id localAuthority { id } icbs { id } partnership { id }
        inspections { id recommendations { id } }
        strategicPlans { id } priorityActionPlans { id actions { id } }
        engagementMeetings { id } interventions { id }
    } }";
    let area = app.data(query, json!({})).await["area"].clone();
    let mut ids = vec![area["id"].clone(), area["localAuthority"]["id"].clone()];
    for list in [
        "icbs",
        "partnership",
        "inspections",
        "strategicPlans",
        "priorityActionPlans",
        "engagementMeetings",
        "interventions",
    ] {
        ids.extend(
            area[list]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["id"].clone()),
        );
    }
    ids.extend(
        area["inspections"][0]["recommendations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].clone()),
    );
    ids.extend(
        area["priorityActionPlans"][0]["actions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].clone()),
    );
    assert!(
        ids.len() >= 12,
        "the demo area should have every kind of object: {area}"
    );

    let data = app
        .data(
            "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }",
            json!({ "ids": ids }),
        )
        .await;

    let nodes = data["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), ids.len());
    for (node, id) in nodes.iter().zip(&ids) {
        assert_eq!(&node["id"], id);
    }
    let types: std::collections::HashSet<&str> = nodes
        .iter()
        .map(|n| n["__typename"].as_str().unwrap())
        .collect();
    assert_eq!(types.len(), 11, "{types:?}");
}

#[tokio::test]
async fn a_hidden_inspection_is_indistinguishable_from_a_missing_one() {
    let app = TestApp::spawn_with_demo().await;
    let planned = inspection::Entity::find()
        .filter(inspection::Column::Status.eq(InspectionStatus::Planned))
        .one(&app.db)
        .await
        .unwrap()
        .expect("the demo plans inspections");
    let hidden = URL_SAFE_NO_PAD.encode(format!("Inspection:{}", planned.id));
    let missing = URL_SAFE_NO_PAD.encode("Inspection:999999");

    let (_, hidden_body) = app.post(NODE, json!({ "id": hidden })).await;
    let (_, missing_body) = app.post(NODE, json!({ "id": missing })).await;

    assert_eq!(hidden_body["data"], json!({ "node": null }));
    assert!(hidden_body.get("errors").is_none(), "{hidden_body}");
    assert_eq!(hidden_body["data"], missing_body["data"]);
    assert_eq!(hidden_body["errors"], missing_body["errors"]);
}

#[tokio::test]
async fn foreign_ids_answer_null_and_too_many_ids_are_refused() {
    let app = TestApp::spawn().await;
    for id in [
        "",
        "QXJlYQ",
        "not-base64!",
        &URL_SAFE_NO_PAD.encode("Widget:1"),
    ] {
        assert_eq!(
            app.data(NODE, json!({ "id": id })).await["node"],
            json!(null),
            "{id}"
        );
    }
    let ids: Vec<String> = (0..101)
        .map(|n| URL_SAFE_NO_PAD.encode(format!("Area:{n}")))
        .collect();
    let code = app
        .error_code(
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": ids }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
}
