//! The map changes over time: an ICB merger today leaves yesterday as it was, and a council
//! split recorded ahead of its date changes nothing until then.

use chrono::{Days, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    support::{TestApp, token},
    writes::call,
};

pub fn nhs() -> String {
    token("nhs_england", None, "read write")
}

fn dfe() -> String {
    token("dfe", None, "read write")
}

fn day(offset: i64) -> String {
    let today = Utc::now().date_naive();
    let day = if offset < 0 {
        today - Days::new(offset.unsigned_abs())
    } else {
        today + Days::new(offset as u64)
    };
    day.format("%Y-%m-%d").to_string()
}

/// Every area each of the two boards serves today, each with whether one of them is its
/// primary ICB.
pub async fn served(app: &TestApp, boards: &[&str]) -> Vec<Value> {
    let mut areas = Vec::new();
    for board in boards {
        let data = app
            .data(
                "query($code: String!) { integratedCareBoard(code: $code) {
                   areas { code icbs { code } } } }",
                json!({ "code": board }),
            )
            .await;
        for area in data["integratedCareBoard"]["areas"].as_array().unwrap() {
            let primary = area["icbs"][0]["code"].as_str().unwrap();
            areas.push(json!({ "areaCode": area["code"], "isPrimary": boards.contains(&primary) }));
        }
    }
    areas
}

/// The input of a merger today of two North East boards, serving `areas`, into `E54000099`.
pub fn merger(areas: &[Value]) -> Value {
    json!({
        "effectiveOn": day(0),
        "icb": { "code": "E54000099", "odsCode": "QZ9", "name": "NHS North East and Yorkshire ICB" },
        "closes": ["E54000050", "QOQ"],
        "areas": areas,
    })
}

/// The areas a local partner belongs to.
pub const BELONGS_TO: &str = "{ viewer { organisation { areas { code } } } }";

const MAP: &str = "query($on: Date) {
  integratedCareBoards(asOf: $on, first: 100) { totalCount }
  hartlepool: area(code: \"E06000001\") { icbs(asOf: $on) { code } partnership(asOf: $on) { isPrimary } }
  areas(asOf: $on, first: 200) { totalCount nodes { code icbs(asOf: $on) { code } } }
}";

#[tokio::test]
async fn a_merger_today_leaves_yesterday_as_it_was_and_today_correct() {
    let app = TestApp::spawn().await;
    let yesterday = app.data(MAP, json!({ "on": day(-1) })).await;
    let areas = served(&app, &["E54000050", "E54000051"]).await;
    // A partner of the board to come is refused until the board exists.
    let partner = token("local_partner", Some("E54000099"), "read");
    let (status, _) = app.post_as(&partner, BELONGS_TO, json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let merger = merger(&areas);
    // DfE does not keep the ICB map; closing a board without serving its areas is refused.
    let body = call(
        &app,
        &dfe(),
        "recordIcbChange",
        merger.clone(),
        "integratedCareBoard { code }",
    )
    .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
    let mut partial = merger.clone();
    partial["areas"] = json!([areas[0]]);
    let body = call(
        &app,
        &nhs(),
        "recordIcbChange",
        partial,
        "integratedCareBoard { code }",
    )
    .await;
    assert_eq!(
        body["data"]["recordIcbChange"]["userErrors"][0]["code"], "INVALID_TRANSITION",
        "{body}"
    );

    let body = call(
        &app,
        &nhs(),
        "recordIcbChange",
        merger,
        "integratedCareBoard { code odsCode validFrom areas { code } }",
    )
    .await;
    let board = &body["data"]["recordIcbChange"]["integratedCareBoard"];
    assert_eq!(board["validFrom"], day(0), "{body}");
    assert_eq!(board["areas"].as_array().unwrap().len(), areas.len());

    assert_eq!(
        app.data(MAP, json!({ "on": day(-1) })).await,
        yesterday,
        "yesterday is unchanged"
    );
    let today = app.data(MAP, json!({ "on": day(0) })).await;
    assert_eq!(
        today["integratedCareBoards"]["totalCount"],
        yesterday["integratedCareBoards"]["totalCount"]
            .as_i64()
            .unwrap()
            - 1
    );
    assert_eq!(
        today["hartlepool"]["icbs"],
        json!([{ "code": "E54000099" }])
    );
    assert_eq!(
        yesterday["hartlepool"]["icbs"],
        json!([{ "code": "E54000050" }])
    );
    assert_eq!(
        today["areas"]["totalCount"],
        yesterday["areas"]["totalCount"]
    );
    // Every area still has exactly one primary ICB.
    for area in today["areas"]["nodes"].as_array().unwrap() {
        assert!(!area["icbs"].as_array().unwrap().is_empty(), "{area}");
    }
    // The closed board is still found by its code, and names its successor.
    let closed = app
        .data(
            "{ integratedCareBoard(code: \"QHM\") { validTo successors { code } } }",
            json!({}),
        )
        .await;
    assert_eq!(closed["integratedCareBoard"]["validTo"], day(0));
    assert_eq!(
        closed["integratedCareBoard"]["successors"],
        json!([{ "code": "E54000099" }])
    );
    // A local partner of the new board belongs to its areas from the change on.
    let viewer = app.data_as(&partner, BELONGS_TO, json!({})).await;
    assert_eq!(
        viewer["viewer"]["organisation"]["areas"]
            .as_array()
            .unwrap()
            .len(),
        areas.len()
    );
}

#[tokio::test]
async fn a_council_split_recorded_ahead_changes_nothing_until_its_date() {
    let app = TestApp::spawn().await;
    let vesting = day(120);
    let before = app
        .data(
            "{ localAuthorities(first: 200) { totalCount } areas(first: 200) { totalCount } }",
            json!({}),
        )
        .await;
    let body = call(
        &app,
        &dfe(),
        "recordLocalAuthorityChange",
        json!({
            "effectiveOn": vesting,
            "predecessors": ["E10000030"],
            "successors": [
                { "code": "E06000991", "name": "East Surrey", "type": "UNITARY" },
                { "code": "E06000992", "name": "West Surrey", "type": "UNITARY" }
            ]
        }),
        "localAuthorities { code validFrom area { code icbs(asOf: \"2099-01-01\") { code } } }",
    )
    .await;
    let successors = body["data"]["recordLocalAuthorityChange"]["localAuthorities"].clone();
    assert_eq!(successors.as_array().map(Vec::len), Some(2), "{body}");
    assert_eq!(successors[0]["validFrom"], vesting);
    assert_eq!(
        successors[0]["area"]["icbs"][0],
        json!({ "code": "E54000069" }),
        "the ICBs serving Surrey serve them, its primary first"
    );

    let now = app
        .data(
            "{ localAuthorities(first: 200) { totalCount } areas(first: 200) { totalCount }
                surrey: area(code: \"E10000030\") { name } }",
            json!({}),
        )
        .await;
    assert_eq!(
        now["localAuthorities"], before["localAuthorities"],
        "nothing changes before the date"
    );
    assert_eq!(now["areas"], before["areas"]);
    assert_eq!(now["surrey"]["name"], "Surrey");
    let then = app
        .data("query($on: Date) { localAuthorities(asOf: $on, first: 200) { totalCount }
                areas(asOf: $on, first: 200) { nodes { code } }
                localAuthority: area(code: \"E10000030\") { localAuthority { validTo successors { name } } } }",
            json!({ "on": vesting }))
        .await;
    assert_eq!(
        then["localAuthorities"]["totalCount"],
        before["localAuthorities"]["totalCount"].as_i64().unwrap() + 1
    );
    let codes: Vec<&str> = then["areas"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|area| area["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"E06000991") && !codes.contains(&"E10000030"));
    assert_eq!(
        then["localAuthority"]["localAuthority"]["successors"],
        json!([{ "name": "East Surrey" }, { "name": "West Surrey" }])
    );
    // Changes are recorded in date order: an ICB change before the split that touches Surrey,
    // recorded after it, is refused; so is a board for an area that does not exist yet.
    let earlier = call(&app, &nhs(), "recordIcbChange", json!({
        "effectiveOn": day(60),
        "icb": { "code": "E54000069", "odsCode": "S9B9J", "name": "NHS Surrey and Sussex Integrated Care Board" },
        "areas": [{ "areaCode": "E10000030", "isPrimary": true }, { "areaCode": "E10000032", "isPrimary": true },
                  { "areaCode": "E10000011", "isPrimary": true }, { "areaCode": "E06000043", "isPrimary": true }]
    }), "integratedCareBoard { code }").await;
    assert_eq!(
        earlier["data"]["recordIcbChange"]["userErrors"][0]["code"], "INVALID_TRANSITION",
        "{earlier}"
    );
    let unborn = call(&app, &nhs(), "recordIcbChange", json!({
        "effectiveOn": day(0),
        "icb": { "code": "E54000069", "odsCode": "S9B9J", "name": "NHS Surrey and Sussex Integrated Care Board" },
        "areas": [{ "areaCode": "E06000991", "isPrimary": true }]
    }), "integratedCareBoard { code }").await;
    assert_eq!(
        unborn["data"]["recordIcbChange"]["userErrors"][0]["code"], "INVALID_TRANSITION",
        "{unborn}"
    );
    // A code already in use, or a council that no longer exists then, is refused.
    let again = call(
        &app,
        &dfe(),
        "recordLocalAuthorityChange",
        json!({
            "effectiveOn": day(200), "predecessors": ["E10000030"],
            "successors": [{ "code": "E06000993", "name": "Surrey again", "type": "UNITARY" }]
        }),
        "localAuthorities { code }",
    )
    .await;
    assert_eq!(
        again["data"]["recordLocalAuthorityChange"]["userErrors"][0]["code"],
        "INVALID_TRANSITION"
    );
}

#[tokio::test]
async fn the_shipped_2026_changes_are_history_and_a_reissued_code_still_finds_its_board() {
    let app = TestApp::spawn().await;
    let data = app
        .data(
            "{ old: integratedCareBoard(code: \"E54000042\") { code odsCode }
               frimley: integratedCareBoard(code: \"QNQ\") { validTo successors { odsCode } }
               westminster: area(code: \"E09000033\") {
                 before: icbs(asOf: \"2026-03-31\") { odsCode } since: icbs { odsCode } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data["old"],
        json!({ "code": "E54000067", "odsCode": "QRL" })
    );
    assert_eq!(data["frimley"]["validTo"], "2026-04-01");
    assert_eq!(
        data["frimley"]["successors"],
        json!([{ "odsCode": "S0E4D" }])
    );
    assert_eq!(data["westminster"]["before"], json!([{ "odsCode": "QRV" }]));
    assert_eq!(
        data["westminster"]["since"],
        json!([{ "odsCode": "Z9B2Z" }])
    );
    // A partner's token that still names the old code finds the board's areas.
    let partner = token("local_partner", Some("E54000042"), "read");
    let viewer = app
        .data_as(
            &partner,
            "{ viewer { organisation { areas { code } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        viewer["viewer"]["organisation"]["areas"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
}

#[tokio::test]
async fn an_abolished_council_keeps_its_history_and_names_its_successors() {
    let app = TestApp::spawn_with_demo().await;
    let cumbria = app
        .data(
            "{ area(code: \"E10000006\") { name localAuthority { validTo successors { code } }
                 partnership(asOf: \"2023-03-31\") { isPrimary } } }",
            json!({}),
        )
        .await;
    let council = &cumbria["area"]["localAuthority"];
    assert_eq!(council["validTo"], "2023-04-01");
    assert_eq!(
        council["successors"],
        json!([{ "code": "E06000063" }, { "code": "E06000064" }])
    );
    assert!(
        !cumbria["area"]["partnership"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // No council has history from before it existed; its predecessors' areas hold it.
    let areas = app
        .data(
            "query($on: Date) { areas(first: 200, asOf: $on) { nodes { code
                 localAuthority { validFrom } inspections { framework onSiteStartOn } } } }",
            json!({ "on": day(0) }),
        )
        .await;
    for area in areas["areas"]["nodes"].as_array().unwrap() {
        let Some(began) = area["localAuthority"]["validFrom"].as_str() else {
            continue;
        };
        for inspection in area["inspections"].as_array().unwrap() {
            let start = inspection["onSiteStartOn"].as_str().unwrap_or("9999");
            assert!(
                start >= began,
                "{} inspected before it existed: {inspection}",
                area["code"]
            );
        }
    }
    let predecessors = [
        "E06000028",
        "E06000029",
        "E10000009",
        "E10000002",
        "E10000021",
        "E10000006",
        "E10000023",
        "E10000027",
    ];
    let mut with_history = 0;
    for code in predecessors {
        let area = app
            .data(
                "query($code: String!) { area(code: $code) { inspections { framework } } }",
                json!({ "code": code }),
            )
            .await;
        if !area["area"]["inspections"].as_array().unwrap().is_empty() {
            with_history += 1;
        }
    }
    assert!(
        with_history > 0,
        "predecessors hold the 2016-framework history"
    );
    // Today's lists hold today's councils only.
    let today = app
        .data("{ localAuthorities(first: 200) { totalCount } }", json!({}))
        .await;
    assert_eq!(today["localAuthorities"]["totalCount"], 153);
}

#[tokio::test]
async fn the_2023_codes_of_surrey_heartlands_and_sussex_still_find_them() {
    let app = TestApp::spawn().await;
    for (old, current) in [("E54000052", "QXU"), ("E54000053", "QNX")] {
        let data = app
            .data(
                "query($code: String!) { integratedCareBoard(code: $code) { odsCode successors { odsCode } } }",
                json!({ "code": old }),
            )
            .await;
        assert_eq!(data["integratedCareBoard"]["odsCode"], current);
        assert_eq!(
            data["integratedCareBoard"]["successors"],
            json!([{ "odsCode": "S9B9J" }])
        );
    }
}
