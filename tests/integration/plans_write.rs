//! The area's improvement cycle through the API alone: its strategic plan, and the priority
//! action plan an outcome 3 requires, from draft to publication with DfE's and NHS England's
//! feedback, and progress on its actions.

use serde_json::{Value, json};

use crate::{
    support::{TestApp, token},
    writes::{AREA, call, days_ago, ofsted},
};

pub fn partner() -> String {
    token("local_partner", Some(AREA), "read write")
}

fn icb_partner() -> String {
    // North East and North Cumbria ICB serves Hartlepool.
    token("local_partner", Some("E54000050"), "read write")
}

pub fn other_partner() -> String {
    token("local_partner", Some("E09000033"), "read write")
}

/// Runs a mutation that must succeed; returns its payload.
pub async fn ok(
    app: &TestApp,
    token: &str,
    mutation: &str,
    input: Value,
    selection: &str,
) -> Value {
    let body = call(app, token, mutation, input, selection).await;
    let payload = body["data"][mutation].clone();
    assert_eq!(payload["userErrors"], json!([]), "{mutation}: {body}");
    payload
}

/// Runs a mutation that a rule refuses; returns the user error's code.
async fn refused(app: &TestApp, token: &str, mutation: &str, input: Value) -> String {
    let body = call(app, token, mutation, input, "").await;
    body["data"][mutation]["userErrors"][0]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("{mutation}: expected a user error: {body}"))
        .to_owned()
}

/// The top-level error code of a mutation.
async fn denied(app: &TestApp, token: &str, mutation: &str, input: Value) -> String {
    let body = call(app, token, mutation, input, "").await;
    assert_eq!(body["data"], Value::Null, "{body}");
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Imports a published 2023 full inspection of the area with `outcome`; with outcome 3, two
/// areas for priority action.
pub async fn inspected(app: &TestApp, outcome: &str, published_ago: u64) {
    let recommendations = if outcome == "OUTCOME_3" {
        json!([
            { "text": "Reduce waits for assessment", "responsiblePartner": "INTEGRATED_CARE_BOARD", "isAreaForPriorityAction": true },
            { "text": "Improve EHC plan timeliness", "responsiblePartner": "LOCAL_AUTHORITY", "isAreaForPriorityAction": true }
        ])
    } else {
        json!([{ "text": "Improve the local offer", "responsiblePartner": "LOCAL_AUTHORITY" }])
    };
    ok(app, &ofsted(), "importHistoricalInspection", json!({
        "areaCode": AREA, "framework": "FRAMEWORK_2023", "kind": "FULL",
        "onSiteStartOn": days_ago(published_ago + 60), "onSiteEndOn": days_ago(published_ago + 56),
        "publishedOn": days_ago(published_ago), "outcome": outcome,
        "recommendations": recommendations, "reportUrl": "https://reports.ofsted.gov.uk/9"
    }), "inspection { id }").await;
}

const SCHEDULE: &str = "{ area(code: \"E06000001\") { strategicPlans { version status }
    schedule { strategicPlanUpdateDueBy priorityActionPlanDueBy } } }";

#[tokio::test]
async fn a_strategic_plan_is_drafted_revised_and_published_and_meets_the_schedule() {
    let app = TestApp::spawn().await;
    inspected(&app, "OUTCOME_2", 30).await;
    let before = app.data(SCHEDULE, json!({})).await;
    assert!(
        before["area"]["schedule"]["strategicPlanUpdateDueBy"].is_string(),
        "{before}"
    );

    let plan = ok(
        &app,
        &partner(),
        "createStrategicPlanDraft",
        json!({ "areaCode": AREA, "title": "SEND strategy 2026-2029" }),
        "strategicPlan { id version status revision }",
    )
    .await;
    let plan = &plan["strategicPlan"];
    assert_eq!(
        (plan["version"].clone(), plan["status"].clone()),
        (json!(1), json!("DRAFT"))
    );
    let id = plan["id"].as_str().unwrap().to_owned();
    assert_eq!(
        refused(
            &app,
            &icb_partner(),
            "createStrategicPlanDraft",
            json!({ "areaCode": AREA, "title": "Another" })
        )
        .await,
        "INVALID_TRANSITION",
        "one draft at a time, whichever partner asks"
    );
    assert_eq!(
        app.data(SCHEDULE, json!({})).await["area"]["strategicPlans"],
        json!([]),
        "the draft is the area's own"
    );
    // Two partners edit the draft from one revision: one of them is told to read again.
    let first = call(
        &app,
        &partner(),
        "updateStrategicPlanDraft",
        json!({ "id": id, "revision": 1, "title": "SEND strategy, revised" }),
        "strategicPlan { revision }",
    )
    .await;
    assert_eq!(
        first["data"]["updateStrategicPlanDraft"]["strategicPlan"]["revision"],
        2
    );
    assert_eq!(
        refused(
            &app,
            &icb_partner(),
            "updateStrategicPlanDraft",
            json!({ "id": id, "revision": 1, "title": "ICB's edit" })
        )
        .await,
        "STALE_REVISION"
    );
    // Another area's partner cannot find the draft.
    assert_eq!(
        denied(
            &app,
            &other_partner(),
            "updateStrategicPlanDraft",
            json!({ "id": id, "revision": 2, "title": "Not ours" })
        )
        .await,
        "NOT_FOUND"
    );
    let published = ok(
        &app,
        &partner(),
        "publishStrategicPlan",
        json!({ "id": id, "revision": 2, "publishedOn": days_ago(0),
                "documentUrl": "https://www.hartlepool.gov.uk/send-strategy.pdf" }),
        "strategicPlan { status publishedOn documentUrl }",
    )
    .await;
    assert_eq!(published["strategicPlan"]["status"], "PUBLISHED");
    let after = app.data(SCHEDULE, json!({})).await;
    assert_eq!(
        after["area"]["strategicPlans"],
        json!([{ "version": 1, "status": "PUBLISHED" }])
    );
    assert_eq!(
        after["area"]["schedule"]["strategicPlanUpdateDueBy"],
        Value::Null,
        "{after}"
    );
    // A published version is never edited; another area's partner sees it but may not change it.
    assert_eq!(
        refused(
            &app,
            &partner(),
            "updateStrategicPlanDraft",
            json!({ "id": id, "revision": 3, "title": "Edited" })
        )
        .await,
        "INVALID_TRANSITION"
    );
    assert_eq!(
        denied(
            &app,
            &other_partner(),
            "updateStrategicPlanDraft",
            json!({ "id": id, "revision": 3, "title": "Edited" })
        )
        .await,
        "FORBIDDEN"
    );
    // The next version starts as a draft, and a withdrawn draft leaves every list.
    let next = ok(
        &app,
        &partner(),
        "createStrategicPlanDraft",
        json!({ "areaCode": AREA, "title": "SEND strategy 2027" }),
        "strategicPlan { id version }",
    )
    .await;
    assert_eq!(next["strategicPlan"]["version"], 2);
    let withdrawn = ok(
        &app,
        &partner(),
        "withdrawStrategicPlanDraft",
        json!({ "id": next["strategicPlan"]["id"], "revision": 1 }),
        "strategicPlan { id status }",
    )
    .await;
    assert_eq!(withdrawn["strategicPlan"]["status"], "WITHDRAWN");
    let lists = app.data_as(&partner(), SCHEDULE, json!({})).await;
    assert_eq!(
        lists["area"]["strategicPlans"],
        json!([{ "version": 1, "status": "PUBLISHED" }])
    );
}

pub const PLAN: &str = "{ area(code: \"E06000001\") {
    inspections { recommendations { id isAreaForPriorityAction } }
    priorityActionPlans { id revision status returnReasons actions { id revision } } } }";

#[tokio::test]
async fn an_outcome_3_area_writes_submits_revises_and_publishes_its_plan_and_records_progress() {
    let app = TestApp::spawn().await;
    inspected(&app, "OUTCOME_3", 5).await;
    let dfe = token("dfe", None, "read write");
    let nhs = token("nhs_england", None, "read write");
    let view = app.data_as(&partner(), PLAN, json!({})).await;
    let plan = view["area"]["priorityActionPlans"][0].clone();
    assert_eq!(plan["status"], "DRAFT");
    let plan_id = plan["id"].as_str().unwrap().to_owned();
    let priorities: Vec<String> = view["area"]["inspections"][0]["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["isAreaForPriorityAction"] == true)
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(priorities.len(), 2);
    // Nobody outside the area can find the draft.
    assert_eq!(
        denied(
            &app,
            &dfe,
            "returnPriorityActionPlan",
            json!({ "id": plan_id, "revision": 1, "reasons": "No" })
        )
        .await,
        "NOT_FOUND"
    );

    let added = ok(&app, &partner(), "addPriorityAction", json!({
        "planId": plan_id, "revision": 1, "description": "Commission extra assessment capacity",
        "recommendationId": priorities[0], "responsiblePartner": "INTEGRATED_CARE_BOARD",
        "dueOn": days_ago(0) }),
        "priorityAction { id revision responsiblePartner } priorityActionPlan { revision actions { id } }").await;
    assert_eq!(added["priorityActionPlan"]["revision"], 2);
    let action = added["priorityAction"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        refused(
            &app,
            &partner(),
            "addPriorityAction",
            json!({ "planId": plan_id, "revision": 2,
            "description": "Not an APA", "recommendationId": "UmVjb21tZW5kYXRpb246OTk5" })
        )
        .await,
        "INVALID_VALUE"
    );
    // One area for priority action is still unanswered.
    assert_eq!(
        refused(
            &app,
            &partner(),
            "submitPriorityActionPlan",
            json!({ "id": plan_id, "revision": 2, "submittedOn": days_ago(0) })
        )
        .await,
        "INVALID_TRANSITION"
    );
    assert_eq!(
        refused(
            &app,
            &partner(),
            "recordActionProgress",
            json!({ "id": action, "revision": 1, "status": "IN_PROGRESS" })
        )
        .await,
        "INVALID_TRANSITION"
    );
    ok(
        &app,
        &icb_partner(),
        "addPriorityAction",
        json!({
        "planId": plan_id, "revision": 2, "description": "Clear the EHC plan backlog",
        "recommendationId": priorities[1], "responsiblePartner": "LOCAL_AUTHORITY" }),
        "priorityAction { id }",
    )
    .await;
    let submitted = ok(
        &app,
        &partner(),
        "submitPriorityActionPlan",
        json!({ "id": plan_id, "revision": 3, "submittedOn": days_ago(0) }),
        "priorityActionPlan { status revision }",
    )
    .await;
    assert_eq!(submitted["priorityActionPlan"]["status"], "SUBMITTED");
    // A submitted plan is not edited; the inspectorates read it but give no feedback.
    assert_eq!(
        refused(
            &app,
            &partner(),
            "updatePriorityAction",
            json!({ "id": action, "revision": 1, "description": "Changed" })
        )
        .await,
        "INVALID_TRANSITION"
    );
    assert_eq!(
        denied(
            &app,
            &ofsted(),
            "acknowledgePriorityActionPlan",
            json!({ "id": plan_id, "revision": 4, "acknowledgedOn": days_ago(0) })
        )
        .await,
        "FORBIDDEN"
    );
    assert_eq!(
        denied(
            &app,
            &other_partner(),
            "submitPriorityActionPlan",
            json!({ "id": plan_id, "revision": 4, "submittedOn": days_ago(0) })
        )
        .await,
        "NOT_FOUND"
    );

    let returned = ok(
        &app,
        &dfe,
        "returnPriorityActionPlan",
        json!({ "id": plan_id, "revision": 4, "reasons": "Add measurable milestones" }),
        "priorityActionPlan { status returnReasons }",
    )
    .await;
    assert_eq!(returned["priorityActionPlan"]["status"], "RETURNED");
    for reader in [partner(), ofsted(), nhs.clone()] {
        let seen = app.data_as(&reader, PLAN, json!({})).await;
        assert_eq!(
            seen["area"]["priorityActionPlans"][0]["returnReasons"],
            "Add measurable milestones"
        );
    }
    ok(&app, &partner(), "updatePriorityAction",
        json!({ "id": action, "revision": 1, "description": "Commission 400 extra assessments by March" }),
        "priorityAction { revision }").await;
    ok(
        &app,
        &partner(),
        "submitPriorityActionPlan",
        json!({ "id": plan_id, "revision": 5, "submittedOn": days_ago(0) }),
        "priorityActionPlan { status }",
    )
    .await;
    assert_eq!(
        refused(
            &app,
            &partner(),
            "publishPriorityActionPlan",
            json!({ "id": plan_id, "revision": 6,
        "publishedOn": days_ago(0), "documentUrl": "https://www.hartlepool.gov.uk/pap.pdf" })
        )
        .await,
        "INVALID_TRANSITION",
        "publication needs acknowledgement"
    );
    ok(
        &app,
        &nhs,
        "acknowledgePriorityActionPlan",
        json!({ "id": plan_id, "revision": 6, "acknowledgedOn": days_ago(0) }),
        "priorityActionPlan { status }",
    )
    .await;
    let published = ok(
        &app,
        &partner(),
        "publishPriorityActionPlan",
        json!({ "id": plan_id, "revision": 7,
        "publishedOn": days_ago(0), "documentUrl": "https://www.hartlepool.gov.uk/pap.pdf" }),
        "priorityActionPlan { status documentUrl }",
    )
    .await;
    assert_eq!(published["priorityActionPlan"]["status"], "PUBLISHED");
    let public = app
        .data(
            "{ area(code: \"E06000001\") { priorityActionPlans { status } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        public["area"]["priorityActionPlans"],
        json!([{ "status": "PUBLISHED" }])
    );

    // Progress, three times: the history keeps each status, note, date and author.
    let steps = [
        (
            partner(),
            json!({ "status": "IN_PROGRESS", "note": "Recruiting assessors" }),
        ),
        (
            icb_partner(),
            json!({ "status": "IN_PROGRESS", "note": "Half the backlog cleared" }),
        ),
        (
            partner(),
            json!({ "status": "COMPLETED", "note": "Done", "completedOn": days_ago(0) }),
        ),
    ];
    let mut revision = 2;
    let mut last = Value::Null;
    for (author, mut input) in steps {
        input["id"] = json!(action);
        input["revision"] = json!(revision);
        last = ok(&app, &author, "recordActionProgress", input,
            "priorityAction { status completedOn revision progressHistory { status note completedOn recordedBy organisation } }").await;
        revision += 1;
    }
    let history = last["priorityAction"]["progressHistory"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(history.len(), 3);
    assert_eq!(history[0]["note"], "Recruiting assessors");
    assert_eq!(history[1]["organisation"], "E54000050");
    assert_eq!(history[2]["status"], "COMPLETED");
    assert_eq!(last["priorityAction"]["status"], "COMPLETED");
    assert_eq!(
        refused(
            &app,
            &partner(),
            "recordActionProgress",
            json!({ "id": action, "revision": revision, "status": "COMPLETED" })
        )
        .await,
        "INVALID_VALUE",
        "a completed action says when"
    );
    assert_eq!(
        denied(
            &app,
            &dfe,
            "recordActionProgress",
            json!({ "id": action, "revision": revision, "status": "IN_PROGRESS" })
        )
        .await,
        "FORBIDDEN"
    );
}
