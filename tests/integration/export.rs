//! Bulk exports: streamed CSV and NDJSON under the caller's policy, with the GraphQL reads'
//! filters, codes on every row, and validators from the event log.

use std::collections::HashSet;

use reqwest::{StatusCode, header};
use serde_json::{Value, json};

use crate::{
    support::{TestApp, token},
    writes::{AREA, changed, inspection_in_reporting, ofsted, signed_outcome_3},
};

async fn export(app: &TestApp, path: &str, bearer: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(app.url(path));
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

async fn csv_rows(response: reqwest::Response) -> (Vec<String>, Vec<Vec<String>>) {
    let text = response.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|record| record.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (header, rows)
}

async fn ndjson_rows(response: reqwest::Response) -> Vec<Value> {
    let text = response.text().await.unwrap();
    text.lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

#[tokio::test]
async fn exports_stream_every_visible_row_with_its_codes_in_csv_and_ndjson() {
    let app = TestApp::spawn_with_demo().await;
    let count = app
        .data("{ inspections(first: 1) { totalCount } }", json!({}))
        .await["inspections"]["totalCount"]
        .as_u64()
        .unwrap() as usize;
    assert!(count > 250, "more than one page is exported: {count}");

    let response = export(&app, "/export/inspections.csv", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "text/csv; charset=utf-8"
    );
    assert!(response.headers().contains_key(header::LAST_MODIFIED));
    let (columns, rows) = csv_rows(response).await;
    // Ofsted's management-information headers in their order, with the API's own beside them.
    assert_eq!(
        columns,
        [
            "inspection_id",
            "report_url",
            "local_area_partnership",
            "local_authority_code",
            "ofsted_region",
            "icb_ons_codes",
            "icb_ods_codes",
            "inspection_framework",
            "inspection_type",
            "status",
            "inspection_start_date",
            "inspection_end_date",
            "inspection_publication_date",
            "inspection_outcome",
            "priority_action_plan_required",
            "number_of_areas_for_priority_action",
            "written_statement_of_action_required",
            "updated_at",
        ]
    );
    assert_eq!(rows.len(), count);
    let at = |name: &str| columns.iter().position(|column| column == name).unwrap();
    let (id, ons) = (at("inspection_id"), at("local_authority_code"));
    let (icb_ons, icb_ods) = (at("icb_ons_codes"), at("icb_ods_codes"));
    assert_eq!(
        rows.iter()
            .map(|row| &row[id])
            .collect::<HashSet<_>>()
            .len(),
        count,
        "each inspection once"
    );
    assert!(rows.iter().all(|row| row[ons].starts_with('E')));
    // Every ICB by both codes; none only for councils abolished before ICBs began (2022).
    let boards = |row: &Vec<String>, column: usize| row[column].split_whitespace().count();
    assert!(
        rows.iter()
            .all(|row| boards(row, icb_ons) == boards(row, icb_ods))
    );
    let with_boards = rows.iter().filter(|row| boards(row, icb_ods) > 0).count();
    assert!(
        with_boards * 10 >= rows.len() * 8,
        "{with_boards} of {} rows",
        rows.len()
    );

    let outcome_3 = app
        .data(
            "{ inspections(filter: { outcome: OUTCOME_3 }) { totalCount } }",
            json!({}),
        )
        .await["inspections"]["totalCount"]
        .clone();
    let filtered =
        ndjson_rows(export(&app, "/export/inspections.ndjson?outcome=OUTCOME_3", None).await).await;
    assert_eq!(json!(filtered.len()), outcome_3);
    assert!(
        filtered
            .iter()
            .all(|row| row["inspection_outcome"] == "OUTCOME_3"
                && row["priority_action_plan_required"] == true
                && row["number_of_areas_for_priority_action"].as_u64() > Some(0))
    );

    let areas = ndjson_rows(export(&app, "/export/areas.ndjson", None).await).await;
    assert_eq!(areas.len(), 153);
    assert!(
        areas
            .iter()
            .any(|area| area["latest_inspection_outcome"].is_string())
    );
    assert!(
        areas
            .iter()
            .all(|area| area["next_full_inspection_due_by"].is_string()
                || area["latest_inspection_outcome"].is_null())
    );
    let (_, actions) = csv_rows(export(&app, "/export/priority-actions.csv", None).await).await;
    assert!(!actions.is_empty(), "published plans' actions are public");

    for (path, status, code) in [
        (
            "/export/inspections.csv?outcome=OUTCOME_9",
            StatusCode::BAD_REQUEST,
            "BAD_USER_INPUT",
        ),
        (
            "/export/areas.csv?updatedSince=2026-01-01T00:00:00Z",
            StatusCode::BAD_REQUEST,
            "BAD_USER_INPUT",
        ),
        (
            "/export/priority-actions.csv?region=LONDON",
            StatusCode::BAD_REQUEST,
            "BAD_USER_INPUT",
        ),
        ("/export/schools.csv", StatusCode::NOT_FOUND, "NOT_FOUND"),
    ] {
        let response = export(&app, path, None).await;
        assert_eq!(response.status(), status, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["errors"][0]["extensions"]["code"], code, "{path}");
    }
    let response = export(&app, "/export/areas.csv", Some("not.a.token")).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

/// The public export at `path`, asked again with the validator it was given.
async fn revalidated(app: &TestApp, path: &str, etag: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .header(header::IF_NONE_MATCH, etag)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_export_holds_what_the_caller_may_read_and_is_304_until_something_changes() {
    let app = TestApp::spawn().await;
    let (id, revision) = inspection_in_reporting(&app).await;
    let dfe = token("dfe", None, "read");
    let area = format!("/export/inspections.ndjson?area={AREA}");

    let public = export(&app, &area, None).await;
    let public_tag = public.headers()[header::ETAG].to_str().unwrap().to_owned();
    assert!(ndjson_rows(public).await.is_empty(), "not yet published");
    let department = ndjson_rows(export(&app, &area, Some(&dfe)).await).await;
    assert_eq!(department.len(), 1, "DfE follows a notified inspection");
    assert_eq!(department[0]["inspection_id"], id.as_str());
    assert_eq!(department[0]["status"], "REPORTING");

    let unchanged = revalidated(&app, &area, &public_tag).await;
    assert_eq!(unchanged.status(), StatusCode::NOT_MODIFIED);

    let revision = signed_outcome_3(&app, &id, revision).await;
    // DfE follows the inspection, but its findings are embargoed until published.
    let drafted = ndjson_rows(export(&app, &area, Some(&dfe)).await).await;
    assert_eq!(drafted[0]["status"], "DRAFT_SHARED");
    for finding in [
        "inspection_outcome",
        "priority_action_plan_required",
        "number_of_areas_for_priority_action",
    ] {
        assert_eq!(drafted[0][finding], Value::Null, "{finding}");
    }
    changed(
        &app,
        &ofsted(),
        "publishReport",
        json!({ "id": id, "revision": revision,
                "reportUrl": "https://reports.ofsted.gov.uk/provider/44/80001" }),
    )
    .await;
    let changed_since = revalidated(&app, &area, &public_tag).await;
    assert_eq!(changed_since.status(), StatusCode::OK);
    let published = ndjson_rows(changed_since).await;
    assert_eq!(published[0]["inspection_outcome"], "OUTCOME_3");
    assert_eq!(published[0]["priority_action_plan_required"], true);
    assert_eq!(published[0]["number_of_areas_for_priority_action"], 1);
    assert_eq!(published[0]["local_authority_code"], AREA);
}

#[tokio::test]
async fn an_export_past_the_callers_budget_says_when_to_retry() {
    // Room for one export (it costs 1,000), refilled in ten seconds.
    let mut config = crate::support::test_config();
    config.limits.rate_limit_burst = 1_000;
    config.limits.max_cost = 1_000;
    config.limits.rate_limit_cost_per_second = 100;
    let app = TestApp::spawn_configured(true, config).await;
    assert_eq!(
        export(&app, "/export/areas.csv", None).await.status(),
        StatusCode::OK
    );

    let refused = export(&app, "/export/areas.csv", None).await;

    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = refused.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((9..=10).contains(&retry_after), "{retry_after}");
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "RATE_LIMITED");
}
