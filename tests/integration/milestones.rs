//! The schedule's milestones in the event stream: each day, the items that fall due or overdue
//! are announced once, to each reader as its own schedule of the area has them.

use std::time::Duration;

use chrono::{Days, Months, NaiveDate, Utc};
use serde_json::{Value, json};

use crate::{
    events::{next_event, nothing_for, subscribe},
    plans_write::{PLAN, inspected, ok, other_partner, partner},
    support::{Place, TestApp, test_config, token},
    webhooks::{self, Receiver},
    writes::{AREA, days_ago, ofsted},
};

const MILESTONES: [&str; 2] = ["SCHEDULE_ITEM_DUE", "SCHEDULE_ITEM_OVERDUE"];

fn in_the_area() -> Value {
    json!({ "filter": { "area": AREA, "types": MILESTONES } })
}

/// The milestones of the area on a reader's stream, until it is quiet.
async fn milestones_for(app: &TestApp, token: Option<&str>) -> Vec<(String, String, String)> {
    let mut socket = subscribe(app, token, in_the_area()).await;
    let mut seen = Vec::new();
    loop {
        let next = tokio::time::timeout(Duration::from_secs(3), next_event(&mut socket)).await;
        let Ok(event) = next else { return seen };
        assert_eq!(event["area"]["code"], AREA);
        seen.push((
            event["type"].as_str().unwrap().to_owned(),
            event["scheduleItem"].as_str().unwrap().to_owned(),
            event["dueBy"].as_str().unwrap().to_owned(),
        ));
    }
}

fn seen(kind: &str, item: &str, due_by: NaiveDate) -> (String, String, String) {
    (kind.to_owned(), item.to_owned(), due_by.to_string())
}

async fn due_by(app: &TestApp, token: Option<&str>, field: &str) -> Option<NaiveDate> {
    let query = format!("{{ area(code: \"{AREA}\") {{ schedule {{ {field} }} }} }}");
    let data = match token {
        Some(token) => app.data_as(token, &query, json!({})).await,
        None => app.data(&query, json!({})).await,
    };
    data["area"]["schedule"][field]
        .as_str()
        .map(|date| date.parse().unwrap())
}

/// Answers both areas for priority action and submits the plan: the area and those who
/// follow it read it; the public does not until it is published.
async fn submit_priority_action_plan(app: &TestApp) {
    let view = app.data_as(&partner(), PLAN, json!({})).await;
    let plan_id = view["area"]["priorityActionPlans"][0]["id"].clone();
    let priorities: Vec<Value> = view["area"]["inspections"][0]["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["isAreaForPriorityAction"] == true)
        .map(|r| r["id"].clone())
        .collect();
    for (revision, priority) in priorities.iter().enumerate() {
        ok(
            app,
            &partner(),
            "addPriorityAction",
            json!({
            "planId": plan_id, "revision": revision + 1, "description": "Act on it",
            "recommendationId": priority, "responsiblePartner": "LOCAL_AUTHORITY" }),
            "priorityAction { id }",
        )
        .await;
    }
    ok(
        app,
        &partner(),
        "submitPriorityActionPlan",
        json!({ "id": plan_id, "revision": 3, "submittedOn": days_ago(0) }),
        "priorityActionPlan { status }",
    )
    .await;
}

#[tokio::test]
async fn each_reader_is_told_the_milestones_of_its_own_schedule_once() {
    let receiver = Receiver::start(&[]).await;
    let app = TestApp::spawn_configured(false, webhooks::config(200)).await;
    inspected(&app, "OUTCOME_3", 0).await;
    submit_priority_action_plan(&app).await;
    let dfe = token("dfe", None, "read write");
    let hook = webhooks::subscribe(&app, &dfe, receiver.url("dfe"), &MILESTONES, json!({})).await;
    // The public's schedule still waits for the plan; DfE's knows it was submitted.
    let plan_due = due_by(&app, None, "priorityActionPlanDueBy").await.unwrap();
    assert_eq!(
        due_by(&app, Some(&dfe), "priorityActionPlanDueBy").await,
        None
    );
    let update_due = due_by(&app, None, "strategicPlanUpdateDueBy")
        .await
        .unwrap();
    assert_eq!(
        due_by(&app, Some(&dfe), "strategicPlanUpdateDueBy").await,
        Some(update_due)
    );

    let announce = |day| api::service::milestones::announce(&app.db, day);
    let the_day_after = plan_due + Days::new(1);
    assert!(announce(plan_due).await.unwrap() >= 1);
    assert!(announce(the_day_after).await.unwrap() >= 1);
    assert_eq!(announce(the_day_after).await.unwrap(), 0, "a day once");
    assert_eq!(announce(plan_due).await.unwrap(), 0, "never a day gone by");
    assert!(announce(update_due).await.unwrap() >= 1);

    let everyones = seen("SCHEDULE_ITEM_DUE", "STRATEGIC_PLAN_UPDATE", update_due);
    let outsiders = vec![
        seen(
            "SCHEDULE_ITEM_DUE",
            "PRIORITY_ACTION_PLAN_SUBMISSION",
            plan_due,
        ),
        seen(
            "SCHEDULE_ITEM_OVERDUE",
            "PRIORITY_ACTION_PLAN_SUBMISSION",
            plan_due,
        ),
        everyones.clone(),
    ];
    assert_eq!(milestones_for(&app, None).await, outsiders);
    assert_eq!(
        milestones_for(&app, Some(&other_partner())).await,
        outsiders
    );
    for follower in [dfe, partner(), ofsted()] {
        assert_eq!(
            milestones_for(&app, Some(&follower)).await,
            std::slice::from_ref(&everyones)
        );
    }
    // The trail records what was told to whom: all of it for the inspectorates, and the
    // area's own followers read theirs.
    let trail = |token: String| {
        let app = &app;
        async move {
            let query = format!(
                "{{ auditTrail(first: 50, filter: {{ area: \"{AREA}\" }}) {{ nodes {{ action summary }} }} }}"
            );
            let data = app.data_as(&token, &query, json!({})).await;
            data["auditTrail"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|entry| {
                    entry["action"]
                        .as_str()
                        .unwrap()
                        .starts_with("scheduleItem")
                })
                .count()
        }
    };
    assert_eq!(trail(ofsted()).await, 3);
    assert_eq!(trail(partner()).await, 3);

    // A webhook delivers what its owner's stream sends, naming the item and its date.
    let delivered = receiver.wait_for("dfe", 1).await;
    delivered[0].verify(hook["secret"].as_str().unwrap());
    let body = delivered[0].json();
    assert_eq!(body["type"], "SCHEDULE_ITEM_DUE");
    assert_eq!(body["data"]["scheduleItem"], "STRATEGIC_PLAN_UPDATE");
    assert_eq!(body["data"]["dueBy"], update_due.to_string());
    assert_eq!(body["data"]["areaCode"], AREA);
    assert_eq!(receiver.received("dfe").len(), 1);
}

#[tokio::test]
async fn a_server_announces_todays_milestones_once_whichever_servers_run() {
    let place = Place::new().await;
    let writer = TestApp::spawn_on(place.connect().await, false, test_config()).await;
    // Outcome 1 a year ago: the next engagement meeting falls due 12 months after the report,
    // today, or yesterday when today has no date a year back (29 February).
    let today = Utc::now().date_naive();
    let published = today.checked_sub_months(Months::new(12)).unwrap();
    let due = published.checked_add_months(Months::new(12)).unwrap();
    ok(&writer, &ofsted(), "importHistoricalInspection", json!({
        "areaCode": AREA, "framework": "FRAMEWORK_2023", "kind": "FULL",
        "onSiteStartOn": (published - Days::new(60)).to_string(),
        "onSiteEndOn": (published - Days::new(56)).to_string(),
        "publishedOn": published.to_string(), "outcome": "OUTCOME_1",
        "recommendations": [{ "text": "Improve the local offer", "responsiblePartner": "LOCAL_AUTHORITY" }],
        "reportUrl": "https://reports.ofsted.gov.uk/9"
    }), "inspection { id }").await;
    assert_eq!(
        due_by(&writer, None, "nextEngagementMeetingDueBy").await,
        Some(due)
    );

    let announcing = || {
        let mut config = test_config();
        config.announce_milestones = true;
        config
    };
    let first = TestApp::spawn_on(place.connect().await, false, announcing()).await;
    let second = TestApp::spawn_on(place.connect().await, false, announcing()).await;
    let kind = if due == today {
        "SCHEDULE_ITEM_DUE"
    } else {
        "SCHEDULE_ITEM_OVERDUE"
    };
    let mut socket = subscribe(&first, None, in_the_area()).await;
    let event = tokio::time::timeout(Duration::from_secs(10), next_event(&mut socket))
        .await
        .expect("the milestone is announced");
    assert_eq!(event["type"], kind);
    assert_eq!(event["scheduleItem"], "ENGAGEMENT_MEETING");
    assert_eq!(event["dueBy"], due.to_string());
    assert_eq!(
        event["summary"],
        if due == today {
            format!("The next engagement meeting falls due today, {due}")
        } else {
            format!("The next engagement meeting is overdue: it was due by {due}")
        }
    );
    // Neither server announces it again, nor one started later.
    let _third = TestApp::spawn_on(place.connect().await, false, announcing()).await;
    nothing_for(&mut socket, Duration::from_secs(2)).await;
    drop(second);
}
