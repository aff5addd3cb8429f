//! Who may change what, and who reads the changes: each role's allowed and refused mutations,
//! the audit trail and the outcomes feed as each caller sees them after changes.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    support::{TestApp, token},
    writes::{
        AREA, call, cqc, days_ago, inspection_in_reporting, ofsted, outcome_3_findings,
        signed_outcome_3,
    },
};

fn dfe() -> String {
    token("dfe", None, "read write")
}

fn nhs() -> String {
    token("nhs_england", None, "read write")
}

fn partner() -> String {
    token("local_partner", Some(AREA), "read write")
}

fn other_partner() -> String {
    token("local_partner", Some("E09000033"), "read write")
}

/// The top-level error code of a mutation, with `data` null; or "OK" if it ran (changed or
/// refused by a rule).
async fn access(app: &TestApp, token: Option<&str>, mutation: &str, input: Value) -> String {
    let document = format!(
        "mutation($input: {}Input!) {{ {mutation}(input: $input) {{ userErrors {{ code }} }} }}",
        mutation[..1].to_uppercase() + &mutation[1..]
    );
    let variables = json!({ "input": input });
    let (status, body) = match token {
        Some(token) => app.post_as(token, &document, variables).await,
        None => app.post(&document, variables).await,
    };
    assert_eq!(status, StatusCode::OK, "{body}");
    match body["errors"][0]["extensions"]["code"].as_str() {
        Some(code) => {
            assert_eq!(body["data"], Value::Null, "{body}");
            code.to_owned()
        }
        None => "OK".to_owned(),
    }
}

async fn schedule(app: &TestApp) -> (String, i64) {
    let body = call(
        app,
        &ofsted(),
        "scheduleInspection",
        json!({ "areaCode": AREA, "framework": "FRAMEWORK_2023", "kind": "FULL",
                "plannedStartOn": days_ago(0) }),
        "inspection { id revision }",
    )
    .await;
    let inspection = &body["data"]["scheduleInspection"]["inspection"];
    (
        inspection["id"].as_str().unwrap().to_owned(),
        inspection["revision"].as_i64().unwrap(),
    )
}

async fn propose(app: &TestApp, token: &str, area: &str, kind: &str) -> Value {
    let body = call(
        app,
        token,
        "proposeIntervention",
        json!({ "areaCode": area, "kind": kind, "summary": "Enhanced support" }),
        "intervention { id revision status body }",
    )
    .await;
    body["data"]["proposeIntervention"].clone()
}

#[tokio::test]
async fn each_role_changes_only_what_it_owns_and_cannot_find_what_it_cannot_see() {
    let app = TestApp::spawn().await;
    let (planned, revision) = schedule(&app).await;
    let notify = json!({ "id": planned, "revision": revision, "notifiedOn": days_ago(0) });
    let read_only = token("ofsted", None, "read");
    let new_full = json!({ "areaCode": "E06000002", "framework": "FRAMEWORK_2023", "kind": "FULL",
                           "plannedStartOn": days_ago(0) });
    // A planned inspection is the inspectorates' own: to anyone else it does not exist.
    let planned_cases: [(Option<&str>, &str); 6] = [
        (None, "UNAUTHENTICATED"),
        (Some(&read_only), "FORBIDDEN"),
        (Some(&dfe()), "NOT_FOUND"),
        (Some(&nhs()), "NOT_FOUND"),
        (Some(&partner()), "NOT_FOUND"),
        (Some(&other_partner()), "NOT_FOUND"),
    ];
    for (caller, expected) in planned_cases {
        assert_eq!(
            access(&app, caller, "notifyArea", notify.clone()).await,
            expected
        );
    }
    assert_eq!(access(&app, Some(&cqc()), "notifyArea", notify).await, "OK");
    // Once notified, the area and the accountability bodies see it but may not change it.
    let start = json!({ "id": planned, "revision": revision + 1, "onSiteStartOn": days_ago(0) });
    for (caller, expected) in [
        (dfe(), "FORBIDDEN"),
        (nhs(), "FORBIDDEN"),
        (partner(), "FORBIDDEN"),
        (other_partner(), "NOT_FOUND"),
    ] {
        assert_eq!(
            access(&app, Some(&caller), "startOnSite", start.clone()).await,
            expected
        );
    }
    for caller in [dfe(), nhs(), partner()] {
        assert_eq!(
            access(&app, Some(&caller), "scheduleInspection", new_full.clone()).await,
            "FORBIDDEN"
        );
    }
    // A foreign or malformed ID is not found, like a hidden one.
    let foreign = json!({ "id": "QXJlYTox", "revision": 1, "notifiedOn": days_ago(0) });
    assert_eq!(
        access(&app, Some(&ofsted()), "notifyArea", foreign).await,
        "NOT_FOUND"
    );

    // Meetings are the inspectorates'.
    let meeting = json!({ "areaCode": AREA, "scheduledFor": days_ago(0) });
    assert_eq!(
        access(
            &app,
            Some(&cqc()),
            "scheduleEngagementMeeting",
            meeting.clone()
        )
        .await,
        "OK"
    );
    for caller in [dfe(), partner()] {
        assert_eq!(
            access(
                &app,
                Some(&caller),
                "scheduleEngagementMeeting",
                meeting.clone()
            )
            .await,
            "FORBIDDEN"
        );
    }

    // Interventions: each body proposes its own kinds and changes only its own.
    let proposed = propose(&app, &dfe(), AREA, "STATUTORY_IMPROVEMENT_NOTICE").await;
    assert_eq!(proposed["userErrors"], json!([]));
    assert_eq!(proposed["intervention"]["body"], "DFE");
    let refused = propose(&app, &nhs(), AREA, "STATUTORY_IMPROVEMENT_NOTICE").await;
    assert_eq!(refused["userErrors"][0]["code"], "INVALID_VALUE");
    let announce = json!({ "id": proposed["intervention"]["id"], "revision": 1,
                           "announcedOn": days_ago(0) });
    // A proposal is the accountability bodies' own: Ofsted and the area cannot find it.
    for (caller, expected) in [
        (nhs(), "FORBIDDEN"),
        (ofsted(), "NOT_FOUND"),
        (partner(), "NOT_FOUND"),
    ] {
        assert_eq!(
            access(
                &app,
                Some(&caller),
                "announceIntervention",
                announce.clone()
            )
            .await,
            expected
        );
    }
    assert_eq!(
        access(
            &app,
            Some(&ofsted()),
            "proposeIntervention",
            json!({ "areaCode": AREA, "kind": "SUPPORT", "summary": "Support" })
        )
        .await,
        "FORBIDDEN"
    );
    assert_eq!(
        access(&app, Some(&dfe()), "announceIntervention", announce).await,
        "OK"
    );
}

const TRAIL: &str = "{ auditTrail(first: 100) {
    totalCount nodes { action actorSubject sequence objectId changes } } }";

/// The trail a caller reads, without the reference data's own changes, recorded at seeding.
async fn trail(app: &TestApp, token: &str) -> Vec<Value> {
    let data = app.data_as(token, TRAIL, json!({})).await;
    data["auditTrail"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|event| event["actorSubject"] != "reference-data")
        .cloned()
        .collect()
}

fn actions(events: &[Value]) -> Vec<String> {
    let mut actions: Vec<String> = events
        .iter()
        .map(|event| event["action"].as_str().unwrap().to_owned())
        .collect();
    actions.reverse();
    actions
}

#[tokio::test]
async fn the_trail_shows_each_change_only_to_those_who_may_read_its_object_now() {
    let app = TestApp::spawn().await;
    let (id, revision) = schedule(&app).await;
    // Before notification, only the inspectorates know of the inspection.
    assert_eq!(
        actions(&trail(&app, &ofsted()).await),
        ["scheduleInspection"]
    );
    assert!(trail(&app, &partner()).await.is_empty());
    let (status, body) = app.post(TRAIL, json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body["data"]["auditTrail"]["totalCount"], 0,
        "the public reads no trail"
    );

    let (id, revision) = inspection_in_reporting_from(&app, &id, revision).await;
    call(
        &app,
        &ofsted(),
        "recordFindings",
        outcome_3_findings(&id, revision),
        "",
    )
    .await;
    // The area follows the inspection, but not its embargoed findings.
    let area_trail = trail(&app, &partner()).await;
    assert_eq!(
        actions(&area_trail),
        [
            "scheduleInspection",
            "notifyArea",
            "startOnSite",
            "finishOnSite"
        ]
    );
    assert!(
        !serde_json::to_string(&area_trail)
            .unwrap()
            .contains("OUTCOME_3")
    );

    // A DfE proposal is DfE's until announced; the area never learns of it before.
    let proposed = propose(&app, &dfe(), AREA, "CHALLENGE").await;
    assert_eq!(actions(&trail(&app, &dfe()).await), ["proposeIntervention"]);
    assert_eq!(trail(&app, &partner()).await.len(), 4);
    assert_eq!(
        trail(&app, &ofsted()).await.len(),
        5,
        "the proposal is hidden from Ofsted too"
    );
    assert!(
        trail(&app, &nhs()).await.is_empty(),
        "NHS England reads its own actions"
    );
    call(
        &app,
        &dfe(),
        "announceIntervention",
        json!({ "id": proposed["intervention"]["id"], "revision": 1, "announcedOn": days_ago(0) }),
        "",
    )
    .await;
    let area_trail = trail(&app, &partner()).await;
    assert_eq!(
        actions(&area_trail)[4..],
        ["proposeIntervention", "announceIntervention"]
    );

    // Sharing the draft opens the report, and its history, to the area.
    call(
        &app,
        &ofsted(),
        "shareDraftReport",
        json!({ "id": id, "revision": revision + 1, "sharedOn": days_ago(0) }),
        "",
    )
    .await;
    let area_trail = trail(&app, &partner()).await;
    assert!(actions(&area_trail).contains(&"recordFindings".to_owned()));
    // Every event carries its sequence (increasing in log order), its object and its changes.
    let all = trail(&app, &ofsted()).await;
    let sequences: Vec<i64> = all
        .iter()
        .rev()
        .map(|e| e["sequence"].as_i64().unwrap())
        .collect();
    assert!(
        sequences.windows(2).all(|pair| pair[0] < pair[1]),
        "{sequences:?}"
    );
    let findings = all
        .iter()
        .find(|e| e["action"] == "recordFindings")
        .unwrap();
    assert_eq!(findings["objectId"], id.as_str());
    assert_eq!(
        findings["changes"]["outcome"],
        json!({ "before": null, "after": "OUTCOME_3" })
    );
    assert_eq!(
        findings["changes"]["recommendations"]["after"][0]["responsiblePartner"],
        "INTEGRATED_CARE_BOARD"
    );
    assert_eq!(
        findings["changes"]["recommendations"]["after"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    // Another area's partner reads nothing of this area.
    assert!(trail(&app, &other_partner()).await.is_empty());
}

/// Takes the scheduled inspection `id` to reporting.
async fn inspection_in_reporting_from(app: &TestApp, id: &str, mut revision: i64) -> (String, i64) {
    for (mutation, field, ago) in [
        ("notifyArea", "notifiedOn", 9),
        ("startOnSite", "onSiteStartOn", 7),
        ("finishOnSite", "onSiteEndOn", 3),
    ] {
        let mut input = json!({ "id": id, "revision": revision });
        input[field] = json!(days_ago(ago));
        let body = call(app, &ofsted(), mutation, input, "inspection { revision }").await;
        assert_eq!(body["data"][mutation]["userErrors"], json!([]), "{body}");
        revision += 1;
    }
    (id.to_owned(), revision)
}

const FEED: &str =
    "query($since: DateTime) { inspections(first: 50, filter: { updatedSince: $since }) {
    totalCount nodes { id status notifiedOn plannedStartOn cancellationReason updatedAt } } }";

#[tokio::test]
async fn a_change_moves_in_the_feed_and_a_cancellation_leaves_a_tombstone_for_those_who_followed() {
    let app = TestApp::spawn().await;
    let (id, revision) = inspection_in_reporting(&app).await;
    let dfe_token = dfe();
    let first = app
        .data_as(&dfe_token, FEED, json!({ "since": null }))
        .await;
    let row = &first["inspections"]["nodes"][0];
    assert_eq!(row["status"], "REPORTING");
    let synced_at = row["updatedAt"].as_str().unwrap().to_owned();
    let public = app.data(FEED, json!({ "since": null })).await;
    assert_eq!(public["inspections"]["totalCount"], 0);

    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let body = call(&app, &ofsted(), "cancelInspection",
        json!({ "id": id, "revision": revision, "reason": "Coordinated with the ILACS inspection" }),
        "inspection { status cancellationReason }").await;
    assert_eq!(
        body["data"]["cancelInspection"]["inspection"]["status"],
        "CANCELLED"
    );

    // DfE, syncing from where it was, meets the tombstone: its ID and status, nothing else.
    let later = app
        .data_as(&dfe_token, FEED, json!({ "since": synced_at }))
        .await;
    let nodes = later["inspections"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 1, "{later}");
    assert_eq!(nodes[0]["id"], id.as_str());
    assert_eq!(nodes[0]["status"], "CANCELLED");
    assert_eq!(nodes[0]["notifiedOn"], Value::Null);
    assert_eq!(nodes[0]["plannedStartOn"], Value::Null);
    assert_eq!(nodes[0]["cancellationReason"], Value::Null);
    assert!(nodes[0]["updatedAt"].as_str().unwrap() > synced_at.as_str());
    let partner_feed = app
        .data_as(&partner(), FEED, json!({ "since": null }))
        .await;
    assert_eq!(
        partner_feed["inspections"]["nodes"][0]["status"],
        "CANCELLED"
    );
    // The inspectorates read it whole; the public never knew of it.
    let inspectorate = app.data_as(&ofsted(), FEED, json!({ "since": null })).await;
    assert_eq!(
        inspectorate["inspections"]["nodes"][0]["cancellationReason"],
        "Coordinated with the ILACS inspection"
    );
    assert_eq!(
        app.data(FEED, json!({ "since": null })).await["inspections"]["totalCount"],
        0
    );
}

#[tokio::test]
async fn a_monitoring_inspection_follows_the_published_outcome_3_and_records_its_own_finding() {
    let app = TestApp::spawn().await;
    let (full, revision) = inspection_in_reporting(&app).await;
    let revision = signed_outcome_3(&app, &full, revision).await;
    let body = call(
        &app,
        &ofsted(),
        "publishReport",
        json!({ "id": full, "revision": revision, "reportUrl": "https://reports.ofsted.gov.uk/2" }),
        "inspection { status }",
    )
    .await;
    assert_eq!(
        body["data"]["publishReport"]["inspection"]["status"],
        "PUBLISHED"
    );

    let body = call(
        &app,
        &ofsted(),
        "scheduleInspection",
        json!({ "areaCode": AREA, "framework": "FRAMEWORK_2023", "kind": "MONITORING",
                "plannedStartOn": days_ago(0), "follows": full }),
        "inspection { id revision kind follows { id outcome } }",
    )
    .await;
    let monitoring = &body["data"]["scheduleInspection"]["inspection"];
    assert_eq!(monitoring["follows"]["id"], full.as_str(), "{body}");
    let id = monitoring["id"].as_str().unwrap().to_owned();
    let (id, revision) = inspection_in_reporting_from(&app, &id, 1).await;
    // Never a full inspection's outcome.
    let body = call(
        &app,
        &ofsted(),
        "recordFindings",
        json!({ "id": id, "revision": revision, "outcome": "OUTCOME_2" }),
        "",
    )
    .await;
    assert_eq!(
        body["data"]["recordFindings"]["userErrors"][0]["field"],
        json!(["input", "outcome"])
    );
    let body = call(
        &app,
        &ofsted(),
        "recordFindings",
        json!({ "id": id, "revision": revision, "monitoringProgress": "INSUFFICIENT" }),
        "inspection { monitoringProgress outcome }",
    )
    .await;
    let recorded = &body["data"]["recordFindings"]["inspection"];
    assert_eq!(recorded["monitoringProgress"], "INSUFFICIENT", "{body}");
    assert_eq!(recorded["outcome"], Value::Null);

    // A monitoring inspection needs an outcome-3 inspection to follow, or a reason.
    let body = call(
        &app,
        &ofsted(),
        "scheduleInspection",
        json!({ "areaCode": "E06000002", "framework": "FRAMEWORK_2023", "kind": "MONITORING",
                "plannedStartOn": days_ago(0), "follows": full }),
        "",
    )
    .await;
    assert_eq!(
        body["data"]["scheduleInspection"]["userErrors"][0]["code"],
        "INVALID_TRANSITION"
    );
    let body = call(
        &app,
        &cqc(),
        "scheduleInspection",
        json!({ "areaCode": "E06000002", "framework": "FRAMEWORK_2023", "kind": "MONITORING",
                "plannedStartOn": days_ago(0), "discretionReason": "Concerns raised by parents" }),
        "inspection { discretionReason }",
    )
    .await;
    assert_eq!(
        body["data"]["scheduleInspection"]["inspection"]["discretionReason"],
        "Concerns raised by parents"
    );
}

#[tokio::test]
async fn a_2016_written_statement_of_action_and_its_revisit_are_imported_as_real_history() {
    let app = TestApp::spawn().await;
    let import = |input: Value| {
        let app = &app;
        async move {
            call(app, &ofsted(), "importHistoricalInspection", input,
                "inspection { id status isSynthetic writtenStatementOfActionRequired revisitProgress publishedOn follows { id } }").await
        }
    };
    let body = import(json!({
        "areaCode": AREA, "framework": "FRAMEWORK_2016", "kind": "FULL",
        "onSiteStartOn": "2018-03-05", "onSiteEndOn": "2018-03-09", "publishedOn": "2018-05-01",
        "writtenStatementOfActionRequired": true,
        "recommendations": [{ "text": "Weak joint commissioning", "responsiblePartner": "PARTNERSHIP" }],
        "reportUrl": "https://files.ofsted.gov.uk/v1/file/50000001"
    })).await;
    let full = &body["data"]["importHistoricalInspection"]["inspection"];
    assert_eq!(full["status"], "PUBLISHED", "{body}");
    assert_eq!(full["isSynthetic"], false);
    let full_id = full["id"].as_str().unwrap().to_owned();
    // A revisit must follow it, and not run backwards in time.
    let revisit = json!({
        "areaCode": AREA, "framework": "FRAMEWORK_2016", "kind": "REVISIT", "follows": full_id,
        "onSiteStartOn": "2020-01-13", "onSiteEndOn": "2020-01-15", "publishedOn": "2020-03-02",
        "revisitProgress": "SUFFICIENT_IN_SOME",
        "reportUrl": "https://files.ofsted.gov.uk/v1/file/50000002"
    });
    let mut backwards = revisit.clone();
    backwards["publishedOn"] = json!("2019-12-01");
    let body = import(backwards).await;
    assert_eq!(
        body["data"]["importHistoricalInspection"]["userErrors"][0]["field"],
        json!(["input", "publishedOn"])
    );
    let mut unfollowed = revisit.clone();
    unfollowed.as_object_mut().unwrap().remove("follows");
    let body = import(unfollowed).await;
    assert_eq!(
        body["data"]["importHistoricalInspection"]["userErrors"][0]["code"],
        "INVALID_VALUE"
    );
    let body = import(revisit).await;
    let imported = &body["data"]["importHistoricalInspection"]["inspection"];
    assert_eq!(imported["revisitProgress"], "SUFFICIENT_IN_SOME", "{body}");
    assert_eq!(imported["follows"]["id"], full_id.as_str());
    // The public reads both at once: history is published.
    let public = app
        .data(
            "{ area(code: \"E06000001\") { inspections { kind isSynthetic } } }",
            json!({}),
        )
        .await;
    assert_eq!(public["area"]["inspections"].as_array().unwrap().len(), 2);
}
