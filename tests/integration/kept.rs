//! Answers kept in memory: served again without SQL, byte for byte the same, to the same
//! audience only, and never after a write or the clock has changed them.

use std::{
    io::Read as _,
    time::{Duration, Instant},
};

use api::config::Config;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    map_write::{BELONGS_TO, merger, nhs, served},
    support::{
        TestApp, connect_to_schema, contract_query, new_postgres_schema, test_config, token,
    },
    writes::{AREA, call, changed, days_ago, ofsted},
};

const INSPECTIONS: &str =
    "query($code: String!) { area(code: $code) { inspections { id status plannedStartOn } } }";

fn unlimited() -> Config {
    let mut config = test_config();
    config.limits.rate_limit_cost_per_second = 0;
    config
}

/// Ofsted schedules a full inspection of `area`; returns it.
async fn schedule(app: &TestApp, area: &str) -> Value {
    changed(
        app,
        &ofsted(),
        "scheduleInspection",
        json!({ "areaCode": area, "framework": "FRAMEWORK_2023", "kind": "FULL",
                "plannedStartOn": days_ago(14) }),
    )
    .await
}

/// Runs a query, and counts the SQL statements it took.
async fn counted(
    app: &TestApp,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> (usize, Value) {
    let before = app.statements();
    let data = match token {
        Some(token) => app.data_as(token, query, variables).await,
        None => app.data(query, variables).await,
    };
    (app.statements() - before, data)
}

/// Sends the same request until it is served from memory, which runs less SQL than reading it
/// (with PostgreSQL, answers are kept only once the server listens for changes); fails if it
/// never is.
async fn until_kept(app: &TestApp, token: Option<&str>, query: &str, variables: Value) -> Value {
    app.responses.forget_all();
    let (ran, _) = counted(app, token, query, variables.clone()).await;
    for _ in 0..100 {
        let (statements, data) = counted(app, token, query, variables.clone()).await;
        if statements < ran {
            return data;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the answer was never served from memory");
}

async fn raw(app: &TestApp, body: &Value, encoding: &str) -> (StatusCode, Option<String>, Vec<u8>) {
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("accept-encoding", encoding)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let content_encoding = response
        .headers()
        .get("content-encoding")
        .map(|value| value.to_str().unwrap().to_owned());
    (
        status,
        content_encoding,
        response.bytes().await.unwrap().to_vec(),
    )
}

#[tokio::test]
async fn a_query_asked_again_is_served_from_memory_with_the_same_bytes_in_every_encoding() {
    let app = TestApp::spawn_configured(true, unlimited()).await;
    let query = contract_query("national_dashboard.graphql");
    until_kept(&app, None, &query, json!({})).await;
    // Kept under the request as sent: this one is new, so it runs.
    let body = json!({ "query": query });
    let (status, _, ran) = raw(&app, &body, "identity").await;
    assert_eq!(status, StatusCode::OK);

    let before = app.statements();
    let (_, encoding, served) = raw(&app, &body, "identity").await;
    assert_eq!(app.statements(), before, "served without SQL");
    assert_eq!(encoding, None);
    assert_eq!(
        String::from_utf8(served).unwrap(),
        String::from_utf8(ran.clone()).unwrap()
    );

    let (_, encoding, gzipped) = raw(&app, &body, "gzip").await;
    assert_eq!(encoding.as_deref(), Some("gzip"));
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(&gzipped[..])
        .read_to_end(&mut unzipped)
        .unwrap();
    assert_eq!(unzipped, ran);
    let (_, encoding, compressed) = raw(&app, &body, "gzip, br").await;
    assert_eq!(encoding.as_deref(), Some("br"));
    let mut decompressed = Vec::new();
    brotli::Decompressor::new(&compressed[..], 4096)
        .read_to_end(&mut decompressed)
        .unwrap();
    assert_eq!(decompressed, ran);
    assert!(
        compressed.len() * 5 < ran.len(),
        "{} bytes",
        compressed.len()
    );
}

#[tokio::test]
async fn a_local_partners_answer_is_served_from_memory_without_sql() {
    let app = TestApp::spawn_configured(true, unlimited()).await;
    let partner = token("local_partner", Some(AREA), "read");
    let query = contract_query("national_dashboard.graphql");
    // Repeated, as `until_kept` does: with PostgreSQL nothing is kept until the server hears.
    for _ in 0..100 {
        let (statements, _) = counted(&app, Some(&partner), &query, json!({})).await;
        if statements == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("every answer ran SQL: the partner's areas, or the answer, were never kept");
}

#[tokio::test]
async fn a_served_answer_still_costs_its_query_and_reports_the_callers_bucket() {
    // A bucket deep enough for however many tries the answer takes to be kept, refilled too
    // slowly to blur what one answer spends however slow the machine.
    let mut config = test_config();
    config.limits.rate_limit_burst = 10_000_000;
    config.limits.rate_limit_cost_per_second = 1;
    let app = TestApp::spawn_configured(true, config).await;
    let query = contract_query("national_dashboard.graphql");
    let cost_of = |body: &Value| body["extensions"]["cost"].clone();
    let (_, first) = app.post(&query, json!({})).await;
    until_kept(&app, None, &query, json!({})).await;
    let (_, before) = app.post(&query, json!({})).await;
    let (_, after) = app.post(&query, json!({})).await;
    assert_eq!(after["data"], first["data"]);
    let cost = cost_of(&first)["requestedQueryCost"].as_u64().unwrap();
    assert!(cost > 1);
    assert_eq!(cost_of(&after)["requestedQueryCost"], cost);
    let available = |body: &Value| {
        cost_of(body)["throttleStatus"]["currentlyAvailable"]
            .as_u64()
            .unwrap()
    };
    // The bucket refills by a unit a second meanwhile.
    let spent = available(&before) - available(&after);
    assert!(
        spent + 30 >= cost && spent <= cost,
        "spent {spent} of {cost}"
    );
}

#[tokio::test]
async fn a_kept_answer_is_looked_up_only_for_a_request_that_would_run_without_a_key() {
    let app = TestApp::spawn().await;
    let variables = json!({ "code": AREA });
    let sent = json!({ "query": INSPECTIONS, "variables": variables });
    until_kept(&app, None, INSPECTIONS, variables.clone()).await;
    let post = |token: &'static str, body: String| {
        app.client
            .post(app.url("/graphql"))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };

    // The same bytes with credentials that do not hold are refused, not answered.
    let refused = post("not-a-token", sent.to_string()).await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let refused: Value = refused.json().await.unwrap();
    assert_eq!(
        refused["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );
    assert!(refused.get("data").is_none(), "{refused}");

    // A body that does not parse is refused for that first, whatever its credentials.
    let unparsed = post("not-a-token", "{not json".to_owned()).await.unwrap();
    assert_eq!(unparsed.status(), StatusCode::BAD_REQUEST);
    let unparsed: Value = unparsed.json().await.unwrap();
    assert_eq!(unparsed["errors"][0]["extensions"]["code"], "BAD_REQUEST");

    // With an Idempotency-Key the query runs, however it was answered before.
    let before = app.statements();
    let keyed = app
        .client
        .post(app.url("/graphql"))
        .header("idempotency-key", "read-once")
        .json(&sent)
        .send()
        .await
        .unwrap();
    assert_eq!(keyed.status(), StatusCode::OK);
    let keyed: Value = keyed.json().await.unwrap();
    assert_eq!(keyed["data"]["area"]["inspections"], json!([]));
    assert!(app.statements() > before, "answered from memory");
}

#[tokio::test]
async fn a_write_is_visible_to_the_next_read_on_the_same_server() {
    let app = TestApp::spawn().await;
    let ofsted = ofsted();
    let variables = json!({ "code": AREA });
    let empty = until_kept(&app, Some(&ofsted), INSPECTIONS, variables.clone()).await;
    assert_eq!(empty["area"]["inspections"], json!([]));

    let scheduled = schedule(&app, AREA).await;
    let data = app.data_as(&ofsted, INSPECTIONS, variables).await;
    assert_eq!(data["area"]["inspections"][0]["id"], scheduled["id"]);
}

#[tokio::test]
async fn an_answer_is_served_only_to_viewers_who_see_the_same_data() {
    let app = TestApp::spawn().await;
    let ofsted = ofsted();
    schedule(&app, AREA).await;
    let variables = json!({ "code": AREA });
    let planned = until_kept(&app, Some(&ofsted), INSPECTIONS, variables.clone()).await;
    assert_eq!(planned["area"]["inspections"][0]["status"], "PLANNED");
    // Asked at once, with Ofsted's answer kept, the public still gets its own.
    let public = app.data(INSPECTIONS, variables.clone()).await;
    assert_eq!(public["area"]["inspections"], json!([]));

    // A planned inspection is the inspectorates' own until the area is notified.
    let others = [
        None,
        Some(token("dfe", None, "read")),
        Some(token("nhs_england", None, "read")),
        Some(token("local_partner", Some(AREA), "read")),
    ];
    for other in &others {
        let data = until_kept(&app, other.as_deref(), INSPECTIONS, variables.clone()).await;
        assert_eq!(data["area"]["inspections"], json!([]), "{other:?}");
    }
    let data = app.data_as(&ofsted, INSPECTIONS, variables).await;
    assert_eq!(data["area"]["inspections"], planned["area"]["inspections"]);

    // The caller's own identity is never shared, even within an audience.
    let viewer = "{ viewer { subject } }";
    for subject in ["first", "second", "first"] {
        let token = crate::support::token_for(subject, "local_partner", Some(AREA), "read");
        let data = app.data_as(&token, viewer, json!({})).await;
        assert_eq!(data["viewer"]["subject"], subject);
    }
}

#[tokio::test]
async fn a_change_made_behind_the_apis_back_is_served_once_the_answers_are_forgotten() {
    use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
    let app = TestApp::spawn().await;
    let query = "query($code: String!) { area(code: $code) { name } }";
    let variables = json!({ "code": AREA });
    until_kept(&app, None, query, variables.clone()).await;
    let council = entity::local_authority::Entity::find()
        .filter(entity::local_authority::Column::OnsCode.eq(AREA))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut renamed: entity::local_authority::ActiveModel = council.into();
    renamed.name = Set("Renamed".to_owned());
    renamed.update(&app.db).await.unwrap();
    app.responses.forget_all();
    let data = app.data(query, variables).await;
    assert_eq!(data["area"]["name"], "Renamed");
}

/// Asks `happened` every 10 ms until it says yes; fails, naming `what`, after a second.
async fn within_a_second<F: Future<Output = bool>>(what: &str, mut happened: impl FnMut() -> F) {
    let started = Instant::now();
    while !happened().await {
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{what}: not within a second"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Whether `app` serves the inspections of `area` with `id` among them.
async fn serves_inspection(app: &TestApp, token: &str, area: &str, id: &Value) -> bool {
    let data = app
        .data_as(token, INSPECTIONS, json!({ "code": area }))
        .await;
    let inspections = data["area"]["inspections"].as_array().unwrap().clone();
    inspections.iter().any(|inspection| &inspection["id"] == id)
}

/// A schema of its own in the PostgreSQL database of `TEST_DATABASE_URL`: (url, schema).
async fn postgres_schema() -> (String, String) {
    let url = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|url| url.starts_with("postgres"))
        .expect("TEST_DATABASE_URL names a PostgreSQL database");
    let schema = new_postgres_schema(&url).await;
    (url, schema)
}

/// Two servers on one PostgreSQL database, as replicas behind a load balancer: each keeps its
/// answers, and each serves a write made through the other within a second.
#[tokio::test]
#[ignore = "needs PostgreSQL: run with TEST_DATABASE_URL and --ignored, as .ci/run does"]
async fn replicas_on_one_postgresql_database_serve_each_others_writes_within_a_second() {
    let (url, schema) = postgres_schema().await;
    let first =
        TestApp::spawn_on(connect_to_schema(&url, &schema).await, false, test_config()).await;
    let second =
        TestApp::spawn_on(connect_to_schema(&url, &schema).await, false, test_config()).await;
    let ofsted = ofsted();
    // One full inspection is open at a time: each round schedules one in an area of its own.
    for (writer, reader, area) in [(&first, &second, AREA), (&second, &first, "E06000002")] {
        let variables = json!({ "code": area });
        until_kept(writer, Some(&ofsted), INSPECTIONS, variables.clone()).await;
        until_kept(reader, Some(&ofsted), INSPECTIONS, variables.clone()).await;
        let scheduled = schedule(writer, area).await;
        let seen = writer.data_as(&ofsted, INSPECTIONS, variables).await;
        assert_eq!(
            seen["area"]["inspections"][0]["id"], scheduled["id"],
            "the writer reads its write at once"
        );
        let id = &scheduled["id"];
        within_a_second("the other replica serves the write", || {
            serves_inspection(reader, &ofsted, area, id)
        })
        .await;
    }

    // A partner of a board one replica records is let in by the other: its refusal, which
    // the other may have kept, does not outlive the change.
    let partner = token("local_partner", Some("E54000099"), "read");
    let (status, _) = second.post_as(&partner, BELONGS_TO, json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let areas = served(&first, &["E54000050", "E54000051"]).await;
    let body = call(
        &first,
        &nhs(),
        "recordIcbChange",
        merger(&areas),
        "integratedCareBoard { code }",
    )
    .await;
    assert_eq!(
        body["data"]["recordIcbChange"]["integratedCareBoard"]["code"], "E54000099",
        "{body}"
    );
    within_a_second(
        "the other replica lets the new board's partner in",
        || async { second.post_as(&partner, BELONGS_TO, json!({})).await.0 == StatusCode::OK },
    )
    .await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: run with TEST_DATABASE_URL and --ignored, as .ci/run does"]
async fn replicas_forget_what_they_keep_when_another_process_migrates_or_seeds() {
    let (url, schema) = postgres_schema().await;
    let running =
        TestApp::spawn_on(connect_to_schema(&url, &schema).await, false, test_config()).await;
    let other = connect_to_schema(&url, &schema).await;
    let ofsted = ofsted();
    let kept = || {
        until_kept(
            &running,
            Some(&ofsted),
            INSPECTIONS,
            json!({ "code": AREA }),
        )
    };

    kept().await;
    api::db::migrate(&other).await.unwrap();
    forgotten_within_a_second(&running, &ofsted, "api migrate").await;

    kept().await;
    api::db::prepare(&other, false).await.unwrap();
    forgotten_within_a_second(&running, &ofsted, "a start").await;
}

/// Waits until `app` runs SQL again for the inspections `until_kept` kept, as it does once
/// `after` has told it that the data changed.
async fn forgotten_within_a_second(app: &TestApp, token: &str, after: &str) {
    let variables = json!({ "code": AREA });
    within_a_second(&format!("{after} ends the kept answer"), || async {
        counted(app, Some(token), INSPECTIONS, variables.clone())
            .await
            .0
            > 0
    })
    .await;
}
