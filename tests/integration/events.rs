//! The event stream (`subscription { events }` over graphql-transport-ws): the domain events
//! a viewer may see, in log order, resumable from a cursor, with an embargoed report's
//! publication sent when the embargo lifts and not before.

use std::time::Duration;

use chrono::Utc;
use serde_json::{Value, json};

use crate::{
    support::{TestApp, token},
    websocket::{Socket, connect, json_of, receive, send},
    writes::{inspection_in_reporting, notified, ofsted, publish_later, signed_outcome_3},
};

const EVENTS: &str = "subscription($after: String, $filter: EventFilter) {
    events(after: $after, filter: $filter) {
        cursor sequence type occurredAt objectId area { code } logEntry { action }
        scheduleItem dueBy summary
    }
}";

/// A socket signed in as `token` (the public if none), subscribed to the event stream.
pub async fn subscribe(app: &TestApp, token: Option<&str>, variables: Value) -> Socket {
    let mut socket = connect(app).await;
    let init = match token {
        Some(token) => json!({ "type": "connection_init",
                               "payload": { "Authorization": format!("Bearer {token}") } }),
        None => json!({ "type": "connection_init" }),
    };
    send(&mut socket, init).await;
    assert_eq!(
        json_of(receive(&mut socket).await)["type"],
        "connection_ack"
    );
    send(
        &mut socket,
        json!({ "id": "events", "type": "subscribe",
                "payload": { "query": EVENTS, "variables": variables } }),
    )
    .await;
    socket
}

/// The next event on the stream.
pub async fn next_event(socket: &mut Socket) -> Value {
    let message = json_of(receive(socket).await);
    assert_eq!(message["type"], "next", "{message}");
    assert!(message["payload"]["errors"].is_null(), "{message}");
    message["payload"]["data"]["events"].clone()
}

/// Asserts nothing arrives on the stream for `quiet`.
pub async fn nothing_for(socket: &mut Socket, quiet: Duration) {
    use futures_util::StreamExt;
    if let Ok(message) = tokio::time::timeout(quiet, socket.next()).await {
        panic!("expected nothing, got {message:?}");
    }
}

fn types(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|event| event["type"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn events_stream_in_log_order_as_the_viewer_may_see_them_and_resume_from_a_cursor() {
    let app = TestApp::spawn().await;
    // Starting the server recorded the map's changes as reference data events: this test
    // follows one area.
    let area = json!({ "filter": { "area": "E06000001" } });
    let mut inspectorate = subscribe(&app, Some(&ofsted()), area.clone()).await;
    let mut public = subscribe(&app, None, area).await;

    let (id, revision) = inspection_in_reporting(&app).await;
    let revision = signed_outcome_3(&app, &id, revision).await;
    let (publish_at, _) = publish_later(&app, &id, revision, 3).await;

    let mut seen = vec![
        next_event(&mut inspectorate).await,
        next_event(&mut inspectorate).await,
    ];
    assert_eq!(types(&seen), ["INSPECTION_NOTIFIED", "DRAFT_REPORT_SHARED"]);
    assert!(seen.iter().all(|event| event["objectId"] == id.as_str()));
    assert_eq!(seen[0]["area"]["code"], "E06000001");
    assert_eq!(seen[1]["logEntry"]["action"], "shareDraftReport");
    assert!(seen[0]["sequence"].as_i64() < seen[1]["sequence"].as_i64());
    // Nothing more until the embargo lifts. The public's stream is silent until then: it may
    // follow the inspection only once its report is public, and is then sent what happened.
    nothing_for(&mut inspectorate, Duration::from_millis(1500)).await;
    let mut to_public = vec![next_event(&mut public).await];
    assert!(Utc::now() >= publish_at, "sent before publishAt");
    while to_public.last().unwrap()["type"] != "REPORT_PUBLISHED" {
        to_public.push(next_event(&mut public).await);
    }
    assert_eq!(
        types(&to_public),
        [
            "INSPECTION_NOTIFIED",
            "DRAFT_REPORT_SHARED",
            "REPORT_PUBLISHED"
        ]
    );
    assert!(
        to_public.iter().all(|event| event["logEntry"].is_null()),
        "the trail (who did what) is not the public's"
    );
    let published = to_public.pop().unwrap();
    assert_eq!(published["objectId"], id.as_str());
    seen.push(next_event(&mut inspectorate).await);
    assert_eq!(seen[2]["logEntry"]["action"], "embargoLifted");
    assert_eq!(
        seen[2]["cursor"], published["cursor"],
        "one event for every viewer"
    );

    // A subscriber that reconnects with its last cursor gets what followed it, once.
    let mut resumed = subscribe(
        &app,
        Some(&ofsted()),
        json!({ "after": seen[0]["cursor"], "filter": { "area": "E06000001" } }),
    )
    .await;
    assert_eq!(next_event(&mut resumed).await, seen[1]);
    assert_eq!(next_event(&mut resumed).await, seen[2]);
    nothing_for(&mut resumed, Duration::from_millis(500)).await;
}

#[tokio::test]
async fn the_stream_is_narrowed_by_type_and_area_and_refuses_a_foreign_cursor() {
    let app = TestApp::spawn().await;
    let (id, revision) = inspection_in_reporting(&app).await;
    signed_outcome_3(&app, &id, revision).await;

    let shared_only = json!({ "filter": { "types": ["DRAFT_REPORT_SHARED"] } });
    let mut socket = subscribe(&app, Some(&ofsted()), shared_only).await;
    assert_eq!(next_event(&mut socket).await["type"], "DRAFT_REPORT_SHARED");
    nothing_for(&mut socket, Duration::from_millis(500)).await;

    let elsewhere = json!({ "filter": { "area": "E09000033" } });
    let mut socket = subscribe(&app, Some(&ofsted()), elsewhere).await;
    nothing_for(&mut socket, Duration::from_millis(500)).await;

    let partner = token("local_partner", Some("E06000001"), "read");
    let mut socket = subscribe(
        &app,
        Some(&partner),
        json!({ "filter": { "area": "E06000001" } }),
    )
    .await;
    assert_eq!(
        types(&[next_event(&mut socket).await, next_event(&mut socket).await]),
        ["INSPECTION_NOTIFIED", "DRAFT_REPORT_SHARED"],
        "the area follows its own inspection"
    );

    let mut socket = subscribe(&app, None, json!({ "after": "bm90LWEtY3Vyc29y" })).await;
    let message = json_of(receive(&mut socket).await);
    assert_eq!(
        message["payload"]["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{message}"
    );
}

#[tokio::test]
async fn a_subscription_outlives_the_request_deadline() {
    let mut config = crate::support::test_config();
    config.limits.request_timeout_secs = 1;
    let app = TestApp::spawn_configured(false, config).await;
    // Enough fields per event that the events below resolve more than a request's clock check
    // allows between two looks at the deadline.
    let aliases: String = (0..29).map(|n| format!("s{n}: sequence ")).collect();
    let query = format!(
        "subscription {{ events(filter: {{ types: [INSPECTION_NOTIFIED] }}) {{ {aliases} objectId }} }}"
    );
    let mut socket = connect(&app).await;
    let init = json!({ "type": "connection_init",
                       "payload": { "Authorization": format!("Bearer {}", ofsted()) } });
    send(&mut socket, init).await;
    assert_eq!(
        json_of(receive(&mut socket).await)["type"],
        "connection_ack"
    );
    send(
        &mut socket,
        json!({ "id": "events", "type": "subscribe", "payload": { "query": query } }),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let areas = [
        "E06000001",
        "E06000002",
        "E06000003",
        "E06000004",
        "E06000005",
        "E06000006",
        "E06000007",
        "E06000008",
        "E06000009",
        "E06000010",
    ];
    for area in areas {
        notified(&app, area).await;
    }
    for _ in areas {
        let event = next_event(&mut socket).await;
        assert!(event["objectId"].is_string(), "{event}");
    }
}
