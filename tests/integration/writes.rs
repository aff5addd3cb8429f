//! The write side over HTTP, on whichever database the suite runs on: the inspection lifecycle
//! from scheduling to an embargoed publication, revisions, refusals that change nothing, access,
//! the event log and the outcomes feed.

use std::time::Duration;

use chrono::{DateTime, Days, NaiveDate, SecondsFormat, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{TestApp, token};

pub const AREA: &str = "E06000001";

pub fn ofsted() -> String {
    token("ofsted", None, "read write")
}

pub fn cqc() -> String {
    token("cqc", None, "read write")
}

pub fn days_ago(days: u64) -> String {
    date(Utc::now().date_naive() - Days::new(days))
}

fn date(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// Runs `mutation(input: $input)` as `token`, selecting `selection` of its payload; returns the
/// whole response body.
pub async fn call(
    app: &TestApp,
    token: &str,
    mutation: &str,
    input: Value,
    selection: &str,
) -> Value {
    let document = format!(
        "mutation($input: {}Input!) {{ {mutation}(input: $input) {{ {selection} userErrors {{ code field message }} }} }}",
        upper_first(mutation)
    );
    let (status, body) = app
        .post_as(token, &document, json!({ "input": input }))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

fn upper_first(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

const INSPECTION: &str = "inspection { id revision status outcome publishAt signedOffBy }";

/// Runs a mutation that must succeed; returns its payload's inspection.
pub async fn changed(app: &TestApp, token: &str, mutation: &str, input: Value) -> Value {
    let body = call(app, token, mutation, input, INSPECTION).await;
    let payload = &body["data"][mutation];
    assert_eq!(payload["userErrors"], json!([]), "{body}");
    payload["inspection"].clone()
}

/// Runs a mutation that must be refused with a user error; returns the error.
pub async fn refused(app: &TestApp, token: &str, mutation: &str, input: Value) -> Value {
    let body = call(app, token, mutation, input, INSPECTION).await;
    let payload = &body["data"][mutation];
    assert_eq!(payload["inspection"], Value::Null, "{body}");
    assert_eq!(
        payload["userErrors"].as_array().map(Vec::len),
        Some(1),
        "{body}"
    );
    payload["userErrors"][0].clone()
}

/// Schedules a full inspection of `area` and notifies it; returns its id and revision.
pub async fn notified(app: &TestApp, area: &str) -> (String, i64) {
    let scheduled = changed(
        app,
        &ofsted(),
        "scheduleInspection",
        json!({ "areaCode": area, "framework": "FRAMEWORK_2023", "kind": "FULL",
                "plannedStartOn": days_ago(14) }),
    )
    .await;
    let id = scheduled["id"].as_str().unwrap().to_owned();
    assert_eq!(scheduled["status"], "PLANNED");
    assert_eq!(scheduled["revision"], 1);
    let notified = changed(
        app,
        &ofsted(),
        "notifyArea",
        json!({ "id": id, "revision": 1, "notifiedOn": days_ago(19) }),
    )
    .await;
    assert_eq!(notified["status"], "NOTIFIED");
    assert_eq!(notified["revision"], 2);
    (id, 2)
}

/// Sets a signed report to publish `seconds` from now; returns the instant and the inspection.
pub async fn publish_later(
    app: &TestApp,
    id: &str,
    revision: i64,
    seconds: i64,
) -> (DateTime<Utc>, Value) {
    let publish_at = Utc::now() + chrono::Duration::seconds(seconds);
    let set = changed(
        app,
        &ofsted(),
        "publishReport",
        json!({ "id": id, "revision": revision,
                "publishAt": publish_at.to_rfc3339_opts(SecondsFormat::Millis, true),
                "reportUrl": "https://reports.ofsted.gov.uk/provider/44/80001" }),
    )
    .await;
    (publish_at, set)
}

/// Schedules a full inspection of `AREA` and takes it to reporting; returns its id and
/// revision.
pub async fn inspection_in_reporting(app: &TestApp) -> (String, i64) {
    let (id, mut revision) = notified(app, AREA).await;
    let steps = [
        ("startOnSite", "onSiteStartOn", 14, "ON_SITE"),
        ("finishOnSite", "onSiteEndOn", 10, "REPORTING"),
    ];
    for (mutation, field, ago, status) in steps {
        let mut input = json!({ "id": id, "revision": revision });
        input[field] = json!(days_ago(ago));
        let inspection = changed(app, &ofsted(), mutation, input).await;
        revision += 1;
        assert_eq!(inspection["status"], status);
        assert_eq!(inspection["revision"], revision);
    }
    (id, revision)
}

pub fn outcome_3_findings(id: &str, revision: i64) -> Value {
    json!({
        "id": id, "revision": revision, "outcome": "OUTCOME_3",
        "recommendations": [
            { "text": "Leaders should reduce waits for autism assessment.",
              "responsiblePartner": "INTEGRATED_CARE_BOARD", "isAreaForPriorityAction": true },
            { "text": "Leaders should improve the local offer.",
              "responsiblePartner": "LOCAL_AUTHORITY" }
        ]
    })
}

/// Takes an inspection in reporting to a shared, doubly signed outcome-3 draft.
pub async fn signed_outcome_3(app: &TestApp, id: &str, mut revision: i64) -> i64 {
    changed(
        app,
        &ofsted(),
        "recordFindings",
        outcome_3_findings(id, revision),
    )
    .await;
    revision += 1;
    changed(
        app,
        &ofsted(),
        "shareDraftReport",
        json!({ "id": id, "revision": revision, "sharedOn": days_ago(3) }),
    )
    .await;
    revision += 1;
    changed(
        app,
        &ofsted(),
        "signOffReport",
        json!({ "id": id, "revision": revision }),
    )
    .await;
    revision += 1;
    let signed = changed(
        app,
        &cqc(),
        "signOffReport",
        json!({ "id": id, "revision": revision }),
    )
    .await;
    revision += 1;
    assert_eq!(signed["signedOffBy"], json!(["OFSTED", "CQC"]));
    revision
}

const AREA_VIEW: &str = "query($code: String!) { area(code: $code) {
    inspections { id status outcome publishedOn recommendations { text } }
    priorityActionPlans { status }
    schedule { monitoringInspectionDueBy priorityActionPlanDueBy nextFullInspectionDueBy }
} }";

async fn area_as(app: &TestApp, token: Option<&str>) -> Value {
    let variables = json!({ "code": AREA });
    let data = match token {
        Some(token) => app.data_as(token, AREA_VIEW, variables).await,
        None => app.data(AREA_VIEW, variables).await,
    };
    data["area"].clone()
}

#[tokio::test]
async fn an_outcome_3_report_is_embargoed_until_its_instant_then_public_with_its_consequences() {
    let app = TestApp::spawn().await;
    let (id, revision) = inspection_in_reporting(&app).await;
    let revision = signed_outcome_3(&app, &id, revision).await;
    let partner = token("local_partner", Some(AREA), "read write");
    let dfe = token("dfe", None, "read");

    let (publish_at, set) = publish_later(&app, &id, revision, 3).await;
    // Until its instant the report is a shared draft, even to the inspectorates.
    assert_eq!(set["status"], "DRAFT_SHARED");
    assert!(set["publishAt"].is_string());

    let public = area_as(&app, None).await;
    assert_eq!(public["inspections"], json!([]), "hidden from the public");
    assert_eq!(public["schedule"]["monitoringInspectionDueBy"], Value::Null);
    let department = area_as(&app, Some(&dfe)).await;
    assert_eq!(department["inspections"][0]["status"], "DRAFT_SHARED");
    assert_eq!(
        department["inspections"][0]["outcome"],
        Value::Null,
        "embargoed for DfE"
    );
    let area = area_as(&app, Some(&partner)).await;
    assert_eq!(
        area["inspections"][0]["outcome"], "OUTCOME_3",
        "the area reads its draft"
    );
    assert_eq!(area["priorityActionPlans"], json!([{ "status": "DRAFT" }]));

    // No process runs in between: the clock alone lifts the embargo.
    let wait = (publish_at - Utc::now()).to_std().unwrap_or_default();
    tokio::time::sleep(wait + Duration::from_millis(200)).await;

    let public = area_as(&app, None).await;
    let published = &public["inspections"][0];
    assert_eq!(published["id"], id.as_str());
    assert_eq!(published["status"], "PUBLISHED");
    assert_eq!(published["outcome"], "OUTCOME_3");
    assert_eq!(published["publishedOn"], date(publish_at.date_naive()));
    assert_eq!(published["recommendations"].as_array().unwrap().len(), 2);
    // The schedule follows at once: a monitoring inspection and the plan are due.
    let schedule = &public["schedule"];
    assert!(
        schedule["monitoringInspectionDueBy"].is_string(),
        "{schedule}"
    );
    assert!(
        schedule["nextFullInspectionDueBy"].is_string(),
        "{schedule}"
    );
    assert!(
        schedule["priorityActionPlanDueBy"].is_string(),
        "{schedule}"
    );
    let department = area_as(&app, Some(&dfe)).await;
    assert_eq!(department["inspections"][0]["outcome"], "OUTCOME_3");
}

/// The inspection's revision and status, and how many events the trail holds, as Ofsted reads
/// them.
async fn state_of(app: &TestApp, id: &str) -> (Value, Value) {
    let data = app
        .data_as(
            &ofsted(),
            "query($id: ID!) { node(id: $id) { ... on Inspection { revision status outcome } }
               auditTrail { totalCount } }",
            json!({ "id": id }),
        )
        .await;
    (
        data["node"].clone(),
        data["auditTrail"]["totalCount"].clone(),
    )
}

#[tokio::test]
async fn every_refused_change_names_its_rule_or_field_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let (id, revision) = inspection_in_reporting(&app).await;
    let before = state_of(&app, &id).await;
    let long = "x".repeat(10_001);
    let many: Vec<Value> = (0..101)
        .map(|n| json!({ "text": format!("Recommendation {n}"), "responsiblePartner": "LOCAL_AUTHORITY" }))
        .collect();
    let cases = [
        (
            "notifyArea",
            json!({ "id": id, "revision": revision, "notifiedOn": days_ago(1) }),
            "INVALID_TRANSITION",
            None,
        ),
        (
            "notifyArea",
            json!({ "id": id, "revision": revision - 1, "notifiedOn": days_ago(1) }),
            "STALE_REVISION",
            Some(json!(["input", "revision"])),
        ),
        (
            "shareDraftReport",
            json!({ "id": id, "revision": revision, "sharedOn": days_ago(1) }),
            "INVALID_TRANSITION",
            None,
        ),
        (
            "signOffReport",
            json!({ "id": id, "revision": revision }),
            "INVALID_TRANSITION",
            None,
        ),
        (
            "publishReport",
            json!({ "id": id, "revision": revision, "reportUrl": "https://reports.ofsted.gov.uk/1" }),
            "INVALID_TRANSITION",
            None,
        ),
        (
            "recordFindings",
            json!({ "id": id, "revision": revision, "outcome": "OUTCOME_1", "monitoringProgress": "SUFFICIENT" }),
            "INVALID_VALUE",
            Some(json!(["input", "monitoringProgress"])),
        ),
        (
            "recordFindings",
            json!({ "id": id, "revision": revision }),
            "INVALID_VALUE",
            Some(json!(["input", "outcome"])),
        ),
        (
            "recordFindings",
            json!({ "id": id, "revision": revision, "outcome": "OUTCOME_2", "recommendations": many }),
            "INVALID_VALUE",
            Some(json!(["input", "recommendations"])),
        ),
        (
            "recordFindings",
            json!({ "id": id, "revision": revision, "outcome": "OUTCOME_2",
            "recommendations": [{ "text": long, "responsiblePartner": "LOCAL_AUTHORITY" }] }),
            "INVALID_VALUE",
            Some(json!(["input", "recommendations", "0", "text"])),
        ),
        (
            "recordFindings",
            json!({ "id": id, "revision": revision, "outcome": "OUTCOME_3",
            "recommendations": [{ "text": "Improve", "responsiblePartner": "LOCAL_AUTHORITY" }] }),
            "INVALID_VALUE",
            Some(json!(["input", "recommendations"])),
        ),
        (
            "cancelInspection",
            json!({ "id": id, "revision": revision, "reason": "   " }),
            "INVALID_VALUE",
            Some(json!(["input", "reason"])),
        ),
        (
            "scheduleInspection",
            json!({ "areaCode": AREA, "framework": "FRAMEWORK_2023", "kind": "FULL", "plannedStartOn": days_ago(0) }),
            "INVALID_TRANSITION",
            None,
        ),
        (
            "scheduleInspection",
            json!({ "areaCode": AREA, "framework": "FRAMEWORK_2016", "kind": "FULL", "plannedStartOn": days_ago(0) }),
            "INVALID_VALUE",
            Some(json!(["input", "framework"])),
        ),
        (
            "scheduleInspection",
            json!({ "areaCode": "E99999999", "framework": "FRAMEWORK_2023", "kind": "FULL", "plannedStartOn": days_ago(0) }),
            "INVALID_VALUE",
            Some(json!(["input", "areaCode"])),
        ),
        (
            "scheduleInspection",
            json!({ "areaCode": AREA, "framework": "FRAMEWORK_2023", "kind": "MONITORING", "plannedStartOn": days_ago(0) }),
            "INVALID_VALUE",
            Some(json!(["input", "follows"])),
        ),
    ];
    for (mutation, input, code, field) in cases {
        let error = refused(&app, &ofsted(), mutation, input).await;
        assert_eq!(error["code"], code, "{mutation}: {error}");
        if let Some(field) = field {
            assert_eq!(error["field"], field, "{mutation}: {error}");
        }
        assert!(!error["message"].as_str().unwrap().is_empty());
    }
    assert_eq!(
        state_of(&app, &id).await,
        before,
        "no refusal changed anything"
    );
    // Refused with an unsafe URL, and a step out of order, once the report can be published.
    let revision = signed_outcome_3(&app, &id, revision).await;
    let error = refused(
        &app,
        &ofsted(),
        "publishReport",
        json!({ "id": id, "revision": revision, "reportUrl": "javascript:alert(1)" }),
    )
    .await;
    assert_eq!(error["field"], json!(["input", "reportUrl"]));
    let mid = state_of(&app, &id).await;
    let error = refused(&app, &ofsted(), "startOnSite",
        json!({ "id": id, "revision": revision, "onSiteStartOn": date(Utc::now().date_naive() + Days::new(1)) })).await;
    assert_eq!(error["code"], "INVALID_TRANSITION");
    assert_eq!(state_of(&app, &id).await, mid, "nothing changed");
    assert_eq!(before.0["status"], "REPORTING");
}

async fn post_keyed(
    app: &TestApp,
    token: &str,
    key: &str,
    body: &Value,
) -> (StatusCode, Option<String>, Value) {
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(token)
        .header("idempotency-key", key)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let replayed = response
        .headers()
        .get("idempotent-replayed")
        .map(|value| value.to_str().unwrap().to_owned());
    (status, replayed, response.json().await.unwrap())
}

#[tokio::test]
async fn a_retry_with_the_same_key_gets_the_first_response_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let schedule = |planned: String| {
        json!({
            "query": "mutation($input: ScheduleInspectionInput!) { scheduleInspection(input: $input) {
                inspection { id revision } userErrors { code } } }",
            "variables": { "input": { "areaCode": AREA, "framework": "FRAMEWORK_2023",
                                      "kind": "FULL", "plannedStartOn": planned } }
        })
    };
    let request = schedule(days_ago(0));
    let (status, replayed, first) = post_keyed(&app, &ofsted(), "retry-1", &request).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(replayed, None);
    assert!(
        first["data"]["scheduleInspection"]["inspection"]["id"].is_string(),
        "{first}"
    );
    let (status, replayed, second) = post_keyed(&app, &ofsted(), "retry-1", &request).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(replayed.as_deref(), Some("true"));
    assert_eq!(second, first, "the first response, again");
    let count = app
        .data_as(
            &ofsted(),
            "{ area(code: \"E06000001\") { inspections { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        count["area"]["inspections"].as_array().unwrap().len(),
        1,
        "scheduled once"
    );
    let trail = app
        .data_as(
            &ofsted(),
            "{ auditTrail(filter: { area: \"E06000001\" }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(trail["auditTrail"]["totalCount"], 1, "one event");

    // The same key for a different request is refused; a new key runs (and is refused by the
    // rules, as the area already has an open full inspection), and that answer is kept too.
    let (status, _, reused) = post_keyed(&app, &ofsted(), "retry-1", &schedule(days_ago(1))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        reused["errors"][0]["extensions"]["code"],
        "IDEMPOTENCY_KEY_REUSED"
    );
    let (_, _, refused) = post_keyed(&app, &ofsted(), "retry-2", &request).await;
    assert_eq!(
        refused["data"]["scheduleInspection"]["userErrors"][0]["code"],
        "INVALID_TRANSITION"
    );
    let (_, replayed, again) = post_keyed(&app, &ofsted(), "retry-2", &request).await;
    assert_eq!((replayed.as_deref(), &again), (Some("true"), &refused));
    // Keys are each caller's own: CQC's "retry-1" is not Ofsted's.
    let (_, replayed, _) = post_keyed(&app, &cqc(), "retry-1", &request).await;
    assert_eq!(replayed, None);
    // A key that is not a short visible string is refused before anything runs.
    let (status, _, bad) = post_keyed(&app, &ofsted(), &"k".repeat(300), &request).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(bad["errors"][0]["extensions"]["code"], "BAD_REQUEST");
}

#[tokio::test]
async fn of_concurrent_changes_from_one_revision_exactly_one_wins() {
    let app = TestApp::spawn().await;
    let (id, revision) = inspection_in_reporting(&app).await;
    let attempts = (0..6).map(|n| {
        let app = &app;
        let id = id.clone();
        async move {
            let mut input = outcome_3_findings(&id, revision);
            input["recommendations"][0]["text"] = json!(format!("Attempt {n}"));
            call(
                app,
                &ofsted(),
                "recordFindings",
                input,
                "inspection { revision }",
            )
            .await
        }
    });
    let results = futures_util::future::join_all(attempts).await;
    let won: Vec<_> = results
        .iter()
        .filter(|body| body["data"]["recordFindings"]["userErrors"] == json!([]))
        .collect();
    let stale = results
        .iter()
        .filter(|body| body["data"]["recordFindings"]["userErrors"][0]["code"] == "STALE_REVISION")
        .count();
    assert_eq!(won.len(), 1, "{results:?}");
    assert_eq!(stale, 5, "{results:?}");
    assert_eq!(
        won[0]["data"]["recordFindings"]["inspection"]["revision"],
        revision + 1
    );
    let trail = app
        .data_as(
            &ofsted(),
            "{ auditTrail(first: 50) { nodes { action } } }",
            json!({}),
        )
        .await;
    let findings = trail["auditTrail"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|event| event["action"] == "recordFindings")
        .count();
    assert_eq!(findings, 1, "one event for the one change");
}

/// Makes every append to the event log fail, as a fault at the last step of a change would.
async fn break_the_event_log(db: &sea_orm::DatabaseConnection) {
    use sea_orm::{ConnectionTrait, DbBackend};
    let statements: &[&str] = match db.get_database_backend() {
        DbBackend::Sqlite => &["CREATE TRIGGER fail_event BEFORE INSERT ON audit_event \
             BEGIN SELECT RAISE(ABORT, 'injected failure'); END"],
        _ => &[
            "CREATE FUNCTION fail_event() RETURNS trigger AS $$ \
             BEGIN RAISE EXCEPTION 'injected failure'; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER fail_event BEFORE INSERT ON audit_event \
             FOR EACH ROW EXECUTE FUNCTION fail_event()",
        ],
    };
    for statement in statements {
        db.execute_unprepared(statement).await.unwrap();
    }
}

#[tokio::test]
async fn a_failure_at_the_last_step_leaves_no_partial_change() {
    let app = TestApp::spawn().await;
    let (id, revision) = inspection_in_reporting(&app).await;
    let revision = signed_outcome_3(&app, &id, revision).await;
    let before = app
        .data_as(
            &ofsted(),
            "query($id: ID!) { node(id: $id) { ... on Inspection { revision status publishAt
               recommendations { text } } } }",
            json!({ "id": id }),
        )
        .await;
    break_the_event_log(&app.db).await;
    // Publishing writes the inspection and opens the priority action plan before the event.
    let (status, body) = app
        .post_as(
            &ofsted(),
            "mutation($input: PublishReportInput!) { publishReport(input: $input) {
               inspection { id } userErrors { code } } }",
            json!({ "input": { "id": id, "revision": revision,
                               "reportUrl": "https://reports.ofsted.gov.uk/1" } }),
        )
        .await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "INTERNAL");
    assert!(
        !body.to_string().contains("injected"),
        "no internals: {body}"
    );
    let after = app
        .data_as(
            &ofsted(),
            "query($id: ID!) { node(id: $id) { ... on Inspection { revision status publishAt
               recommendations { text } } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(after, before, "nothing of the change was kept");
    // The plan an outcome 3 opens is the area's draft, which Ofsted cannot read: count rows.
    use sea_orm::{EntityTrait, PaginatorTrait};
    let plans = entity::priority_action_plan::Entity::find()
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(plans, 0, "no plan was opened");
}

#[tokio::test]
async fn a_held_publication_is_hidden_again_and_takes_back_its_plan_until_released() {
    let app = TestApp::spawn().await;
    let (id, revision) = inspection_in_reporting(&app).await;
    let revision = signed_outcome_3(&app, &id, revision).await;
    let partner = token("local_partner", Some(AREA), "read");
    let publish_at = (Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    changed(
        &app,
        &ofsted(),
        "publishReport",
        json!({ "id": id, "revision": revision, "publishAt": publish_at,
                "reportUrl": "https://reports.ofsted.gov.uk/3" }),
    )
    .await;
    assert_eq!(
        area_as(&app, Some(&partner)).await["priorityActionPlans"],
        json!([{ "status": "DRAFT" }])
    );

    let held = call(
        &app,
        &ofsted(),
        "holdPublication",
        json!({ "id": id, "revision": revision + 1, "reason": "Pre-election period" }),
        "inspection { status publishAt heldReason }",
    )
    .await;
    let held = &held["data"]["holdPublication"]["inspection"];
    assert_eq!(held["status"], "DRAFT_SHARED");
    assert_eq!(held["publishAt"], Value::Null);
    assert_eq!(held["heldReason"], "Pre-election period");
    assert_eq!(
        area_as(&app, Some(&partner)).await["priorityActionPlans"],
        json!([])
    );
    // Held, it cannot be published again except by release, nor held twice.
    let error = refused(
        &app,
        &ofsted(),
        "holdPublication",
        json!({ "id": id, "revision": revision + 2, "reason": "Again" }),
    )
    .await;
    assert_eq!(error["code"], "INVALID_TRANSITION");
    let error = refused(&app, &ofsted(), "publishReport",
        json!({ "id": id, "revision": revision + 2, "reportUrl": "https://reports.ofsted.gov.uk/3" })).await;
    assert_eq!(error["code"], "INVALID_TRANSITION");

    let released = changed(
        &app,
        &ofsted(),
        "releasePublication",
        json!({ "id": id, "revision": revision + 2 }),
    )
    .await;
    assert_eq!(
        released["status"], "PUBLISHED",
        "released with no instant: now"
    );
    let public = area_as(&app, None).await;
    assert_eq!(public["inspections"][0]["outcome"], "OUTCOME_3");
    assert_eq!(
        area_as(&app, Some(&partner)).await["priorityActionPlans"],
        json!([{ "status": "DRAFT" }])
    );
    // Once public, it stays public.
    let error = refused(
        &app,
        &ofsted(),
        "cancelInspection",
        json!({ "id": id, "revision": revision + 3, "reason": "Too late" }),
    )
    .await;
    assert_eq!(error["code"], "INVALID_TRANSITION");
}

#[tokio::test]
async fn a_key_applies_to_one_operation_not_a_batch() {
    let app = TestApp::spawn().await;
    let query = json!({ "query": "{ viewer { role } }" });
    let (status, _, body) = post_keyed(&app, &ofsted(), "batch-1", &json!([query, query])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_REQUEST");
}

#[tokio::test]
async fn a_later_mutation_of_the_same_document_reads_what_the_earlier_one_changed() {
    let app = TestApp::spawn().await;
    let body = call(
        &app,
        &ofsted(),
        "scheduleInspection",
        json!({ "areaCode": AREA, "framework": "FRAMEWORK_2023", "kind": "FULL",
                "plannedStartOn": days_ago(0) }),
        "inspection { id }",
    )
    .await;
    let id = body["data"]["scheduleInspection"]["inspection"]["id"].clone();
    let (_, body) = app
        .post_as(
            &ofsted(),
            "mutation($id: ID!, $today: Date!) {
               first: notifyArea(input: { id: $id, revision: 1, notifiedOn: $today }) {
                 inspection { area { inspections { status } } } }
               second: startOnSite(input: { id: $id, revision: 2, onSiteStartOn: $today }) {
                 inspection { area { inspections { status } } } } }",
            json!({ "id": id, "today": days_ago(0) }),
        )
        .await;
    assert_eq!(
        body["data"]["first"]["inspection"]["area"]["inspections"][0]["status"],
        "NOTIFIED"
    );
    assert_eq!(
        body["data"]["second"]["inspection"]["area"]["inspections"][0]["status"], "ON_SITE",
        "{body}"
    );
}
