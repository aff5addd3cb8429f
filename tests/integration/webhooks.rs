//! Webhooks: a receiver in the test takes the deliveries and checks their Standard Webhooks
//! signatures, their order, retries after a 500 and a timeout, redelivery by a restarted
//! server, that nothing the subscriber may not see is sent, and that an embargoed report's
//! publication is sent at its `publishAt`.

use std::{
    collections::VecDeque,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    routing::post,
};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use api::config::{Config, WebhookSettings};

use crate::{
    support::{Place, TestApp, test_config, token},
    writes::{
        AREA, call, changed, inspection_in_reporting, notified, ofsted, publish_later,
        signed_outcome_3,
    },
};

/// What the receiver does with the next request.
#[derive(Clone, Copy)]
pub enum Answer {
    Status(u16),
    /// Answers 200 only after this long: past the delivery timeout, a failure.
    Hang(Duration),
}

#[derive(Clone, Debug)]
pub struct Received {
    path: String,
    headers: HeaderMap,
    body: Bytes,
    at: DateTime<Utc>,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    fn id(&self) -> &str {
        self.headers["webhook-id"].to_str().unwrap()
    }

    /// Checks the Standard Webhooks signature with `secret`.
    pub fn verify(&self, secret: &str) {
        standardwebhooks::Webhook::new(secret)
            .unwrap()
            .verify(&self.body, &self.headers)
            .expect("a valid signature");
    }
}

#[derive(Default)]
struct Script {
    answers: VecDeque<Answer>,
    received: Vec<Received>,
}

/// A local endpoint that records what it receives and answers as scripted (200 once the
/// script runs out).
#[derive(Clone)]
pub struct Receiver {
    address: SocketAddr,
    script: Arc<Mutex<Script>>,
}

impl Receiver {
    pub async fn start(answers: &[Answer]) -> Self {
        let script = Arc::new(Mutex::new(Script {
            answers: answers.iter().copied().collect(),
            received: Vec::new(),
        }));
        let router = axum::Router::new()
            .route("/{*path}", post(receive))
            .with_state(script.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        Self { address, script }
    }

    /// From now on, answers 200 to everything.
    fn recover(&self) {
        self.script.lock().unwrap().answers.clear();
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}/{path}", self.address)
    }

    pub fn received(&self, path: &str) -> Vec<Received> {
        let script = self.script.lock().unwrap();
        let path = format!("/{path}");
        script
            .received
            .iter()
            .filter(|received| received.path == path)
            .cloned()
            .collect()
    }

    /// Waits until `count` requests have come to `path`; returns them.
    pub async fn wait_for(&self, path: &str, count: usize) -> Vec<Received> {
        for _ in 0..300 {
            let received = self.received(path);
            if received.len() >= count {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "{count} deliveries to /{path} within 30 s; got {:?}",
            self.received(path)
        );
    }
}

async fn receive(
    State(script): State<Arc<Mutex<Script>>>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let answer = {
        let mut script = script.lock().unwrap();
        script.received.push(Received {
            path: uri.path().to_owned(),
            headers,
            body,
            at: Utc::now(),
        });
        script.answers.pop_front().unwrap_or(Answer::Status(200))
    };
    match answer {
        Answer::Status(status) => StatusCode::from_u16(status).unwrap(),
        Answer::Hang(duration) => {
            tokio::time::sleep(duration).await;
            StatusCode::OK
        }
    }
}

pub fn config(retry_base_ms: u64) -> Config {
    Config {
        webhooks: WebhookSettings {
            webhook_retry_base_ms: retry_base_ms,
            webhook_timeout_ms: 500,
            webhooks_allow_http_loopback: true,
            ..test_config().webhooks
        },
        ..test_config()
    }
}

const SUBSCRIPTION: &str = "webhookSubscription { id url eventTypes status secret }";

/// Registers a subscription as `token`; returns it, with its secret.
pub async fn subscribe(
    app: &TestApp,
    token: &str,
    url: String,
    types: &[&str],
    filter: Value,
) -> Value {
    let body = call(
        app,
        token,
        "createWebhookSubscription",
        json!({ "url": url, "eventTypes": types, "filter": filter }),
        SUBSCRIPTION,
    )
    .await;
    let payload = &body["data"]["createWebhookSubscription"];
    assert_eq!(payload["userErrors"], json!([]), "{body}");
    payload["webhookSubscription"].clone()
}

async fn manage(app: &TestApp, token: &str, mutation: &str, id: &Value) -> Value {
    let body = call(app, token, mutation, json!({ "id": id }), SUBSCRIPTION).await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"][mutation].clone()
}

const SUBSCRIPTIONS: &str = "{ webhookSubscriptions { totalCount nodes {
    id secret status failedAttempts
    deliveries { eventSequence attempt attemptedAt succeeded statusCode error }
} } }";

/// When the server made a delivery attempt, by its own clock.
fn attempted_at(delivery: &Value) -> chrono::DateTime<chrono::Utc> {
    delivery["attemptedAt"].as_str().unwrap().parse().unwrap()
}

/// The caller's first subscription once `attempts` deliveries to it are recorded. The
/// receiver sees a request before the server records its outcome, so a test that has seen the
/// request waits for the record; and reads again after it, since a subscription and its
/// deliveries are read by separate statements.
async fn recorded(app: &TestApp, token: &str, attempts: usize) -> Value {
    for _ in 0..100 {
        let listed = app.data_as(token, SUBSCRIPTIONS, json!({})).await;
        let deliveries = listed["webhookSubscriptions"]["nodes"][0]["deliveries"]
            .as_array()
            .map_or(0, Vec::len);
        if deliveries >= attempts {
            let listed = app.data_as(token, SUBSCRIPTIONS, json!({})).await;
            return listed["webhookSubscriptions"]["nodes"][0].clone();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{attempts} deliveries were never recorded");
}

#[tokio::test]
async fn deliveries_are_signed_in_log_order_with_the_embargoed_publication_at_its_instant() {
    let receiver = Receiver::start(&[]).await;
    let app = TestApp::spawn_configured(false, config(200)).await;
    let dfe = token("dfe", None, "read write");
    let subscription = subscribe(
        &app,
        &dfe,
        receiver.url("dfe"),
        &["INSPECTION_NOTIFIED", "REPORT_PUBLISHED"],
        json!({ "area": AREA }),
    )
    .await;
    let secret = subscription["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{secret}");
    assert_eq!(subscription["status"], "ACTIVE");

    // The secret is given once; the subscription is its owner's alone.
    let listed = app.data_as(&dfe, SUBSCRIPTIONS, json!({})).await;
    assert_eq!(
        listed["webhookSubscriptions"]["nodes"][0]["id"],
        subscription["id"]
    );
    assert_eq!(
        listed["webhookSubscriptions"]["nodes"][0]["secret"],
        Value::Null
    );
    let others = app.data_as(&ofsted(), SUBSCRIPTIONS, json!({})).await;
    assert_eq!(others["webhookSubscriptions"]["totalCount"], 0);

    // Another area's inspection is filtered out; this area's is delivered.
    notified(&app, "E09000033").await;
    let (id, revision) = inspection_in_reporting(&app).await;
    let revision = signed_outcome_3(&app, &id, revision).await;
    let (publish_at, _) = publish_later(&app, &id, revision, 2).await;

    let received = receiver.wait_for("dfe", 2).await;
    for delivery in &received {
        delivery.verify(&secret);
    }
    let bodies: Vec<Value> = received.iter().map(Received::json).collect();
    assert_eq!(bodies[0]["type"], "INSPECTION_NOTIFIED");
    assert_eq!(bodies[1]["type"], "REPORT_PUBLISHED");
    assert!(
        received[1].at >= publish_at,
        "the publication was sent before publishAt"
    );
    for body in &bodies {
        assert_eq!(body["data"]["id"], id.as_str());
        assert_eq!(body["data"]["areaCode"], AREA);
        assert!(body["timestamp"].is_string());
    }
    assert!(bodies[0]["data"]["sequence"].as_i64() < bodies[1]["data"]["sequence"].as_i64());
    assert_ne!(received[0].id(), received[1].id());
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.received("dfe").len(), 2, "each event once");

    let deliveries = &recorded(&app, &dfe, 2).await["deliveries"];
    assert_eq!(deliveries.as_array().unwrap().len(), 2, "{deliveries}");
    assert_eq!(deliveries[0]["succeeded"], true);
    assert_eq!(deliveries[0]["statusCode"], 200);

    // A new secret signs what follows; the old one no longer verifies.
    let rotated = manage(&app, &dfe, "rotateWebhookSecret", &subscription["id"]).await;
    let new_secret = rotated["webhookSubscription"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(new_secret, secret);
    notified(&app, AREA).await;
    let received = receiver.wait_for("dfe", 3).await;
    received[2].verify(&new_secret);
    assert!(
        standardwebhooks::Webhook::new(&secret)
            .unwrap()
            .verify(&received[2].body, &received[2].headers)
            .is_err()
    );
}

#[tokio::test]
async fn an_event_is_sent_only_if_the_owner_may_see_it_when_it_is_sent() {
    let receiver = Receiver::start(&[]).await;
    let app = TestApp::spawn_configured(false, config(200)).await;
    let dfe = token("dfe", None, "read write");
    let types = ["INSPECTION_NOTIFIED"];
    let department = subscribe(&app, &dfe, receiver.url("dfe"), &types, json!({})).await;
    subscribe(&app, &ofsted(), receiver.url("ofsted"), &types, json!({})).await;
    let paused = manage(&app, &dfe, "pauseWebhookSubscription", &department["id"]).await;
    assert_eq!(paused["webhookSubscription"]["status"], "PAUSED");

    // Notified, then cancelled: DfE does not follow cancelled inspections, the inspectorates do.
    let (cancelled, revision) = notified(&app, AREA).await;
    changed(
        &app,
        &ofsted(),
        "cancelInspection",
        json!({ "id": cancelled, "revision": revision, "reason": "The area was merged." }),
    )
    .await;
    let resumed = manage(&app, &dfe, "resumeWebhookSubscription", &department["id"]).await;
    assert_eq!(resumed["webhookSubscription"]["status"], "ACTIVE");
    let (followed, _) = notified(&app, "E09000033").await;

    let to_ofsted = receiver.wait_for("ofsted", 2).await;
    assert_eq!(to_ofsted[0].json()["data"]["id"], cancelled.as_str());
    let to_department = receiver.wait_for("dfe", 1).await;
    assert_eq!(to_department[0].json()["data"]["id"], followed.as_str());
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        receiver.received("dfe").len(),
        1,
        "the cancelled inspection was sent to DfE"
    );

    // Local partners may not register endpoints; a private address is refused.
    let partner = token("local_partner", Some(AREA), "read write");
    let body = call(
        &app,
        &partner,
        "createWebhookSubscription",
        json!({ "url": receiver.url("partner"), "eventTypes": types }),
        SUBSCRIPTION,
    )
    .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{body}"
    );
    let body = call(
        &app,
        &dfe,
        "createWebhookSubscription",
        json!({ "url": "https://10.0.0.7/hook", "eventTypes": types }),
        SUBSCRIPTION,
    )
    .await;
    let error = &body["data"]["createWebhookSubscription"]["userErrors"][0];
    assert_eq!(error["code"], "INVALID_VALUE", "{body}");
    assert_eq!(error["field"], json!(["input", "url"]));

    // Deleted, it receives nothing more.
    let deleted = call(
        &app,
        &dfe,
        "deleteWebhookSubscription",
        json!({ "id": department["id"] }),
        "deletedWebhookSubscriptionId",
    )
    .await;
    assert_eq!(
        deleted["data"]["deleteWebhookSubscription"]["deletedWebhookSubscriptionId"],
        department["id"]
    );
    notified(&app, "E06000052").await;
    receiver.wait_for("ofsted", 3).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.received("dfe").len(), 1);
}

#[tokio::test]
async fn a_delivery_is_retried_after_a_500_and_a_timeout_with_growing_delays() {
    let receiver =
        Receiver::start(&[Answer::Status(500), Answer::Hang(Duration::from_secs(2))]).await;
    let base = Duration::from_millis(400);
    let app = TestApp::spawn_configured(false, config(base.as_millis().try_into().unwrap())).await;
    let subscription = subscribe(
        &app,
        &ofsted(),
        receiver.url("ofsted"),
        &["INSPECTION_NOTIFIED"],
        json!({}),
    )
    .await;
    let secret = subscription["secret"].as_str().unwrap();
    notified(&app, AREA).await;

    let received = receiver.wait_for("ofsted", 3).await;
    assert!(
        received
            .iter()
            .all(|delivery| delivery.id() == received[0].id())
    );
    for delivery in &received {
        delivery.verify(secret);
    }
    let node = recorded(&app, &ofsted(), 3).await;
    let deliveries = &node["deliveries"];
    assert_eq!(deliveries[0]["attempt"], 3);
    // At least half the base delay before the first retry, at least the base before the
    // second (twice the base, less up to half), by the server's own clock: the receiver sees
    // each attempt late by however long its connection took.
    let at = |index: usize| attempted_at(&deliveries[index]);
    assert!(at(1) - at(2) >= chrono::Duration::milliseconds(200));
    assert!(at(0) - at(1) >= chrono::Duration::milliseconds(400));
    assert_eq!(deliveries[0]["succeeded"], true);
    assert_eq!(deliveries[1]["attempt"], 2);
    assert_eq!(deliveries[1]["statusCode"], Value::Null);
    assert_eq!(
        deliveries[1]["error"],
        "the endpoint did not answer in time"
    );
    assert_eq!(deliveries[2]["attempt"], 1);
    assert_eq!(deliveries[2]["statusCode"], 500);
    assert_eq!(node["status"], "ACTIVE");
    assert_eq!(node["failedAttempts"], 0);
}

#[tokio::test]
async fn a_subscription_failing_for_its_whole_retry_window_waits_to_be_resumed() {
    let receiver = Receiver::start(&[Answer::Status(500); 100]).await;
    let mut settings = config(100);
    settings.webhooks.webhook_retry_window_secs = 1;
    // The test reads the subscription often.
    settings.limits.rate_limit_cost_per_second = 0;
    let app = TestApp::spawn_configured(false, settings).await;
    let subscription = subscribe(
        &app,
        &ofsted(),
        receiver.url("ofsted"),
        &["INSPECTION_NOTIFIED"],
        json!({}),
    )
    .await;
    notified(&app, AREA).await;

    let mut failing = Value::Null;
    for _ in 0..100 {
        let listed = app.data_as(&ofsted(), SUBSCRIPTIONS, json!({})).await;
        let node = &listed["webhookSubscriptions"]["nodes"][0];
        if node["status"] == "FAILING" {
            failing = node.clone();
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Read afresh each time, though no change was logged: delivery state is never kept.
    assert_eq!(failing["status"], "FAILING", "marked failing within 10 s");
    let attempts = receiver.received("ofsted");
    assert!(attempts.len() >= 2, "retried before giving up");
    // By the server's own clock: the receiver sees the first attempt late by its connection.
    let deliveries = failing["deliveries"].as_array().unwrap();
    let first = deliveries.iter().find(|delivery| delivery["attempt"] == 1);
    assert!(
        attempted_at(&deliveries[0]) - attempted_at(first.unwrap()) >= chrono::Duration::seconds(1),
        "gave up within its window: {deliveries:?}"
    );
    assert_eq!(failing["deliveries"][0]["succeeded"], false);
    // A failing subscription is not tried again until its owner resumes it.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(receiver.received("ofsted").len(), attempts.len());

    receiver.recover();
    manage(
        &app,
        &ofsted(),
        "resumeWebhookSubscription",
        &subscription["id"],
    )
    .await;
    let delivered = receiver.wait_for("ofsted", attempts.len() + 1).await;
    assert_eq!(
        delivered.last().unwrap().id(),
        attempts[0].id(),
        "the same event"
    );
    let node = recorded(&app, &ofsted(), attempts.len() + 1).await;
    assert_eq!(node["status"], "ACTIVE");
    assert_eq!(node["deliveries"][0]["succeeded"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_waiting_for_its_retry_is_made_after_the_server_restarts() {
    let receiver = Receiver::start(&[Answer::Status(503)]).await;
    let place = Place::new().await;
    let first = place.again();
    let first_receiver = receiver.clone();
    // The first server runs on a runtime of its own, dropped once its first attempt failed:
    // its tasks stop where they are, as a process that is killed.
    let secret = std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async move {
            let app = TestApp::spawn_on(first.connect().await, false, config(1_000)).await;
            let subscription = subscribe(
                &app,
                &ofsted(),
                first_receiver.url("ofsted"),
                &["INSPECTION_NOTIFIED"],
                json!({}),
            )
            .await;
            notified(&app, AREA).await;
            first_receiver.wait_for("ofsted", 1).await;
            let node = recorded(&app, &ofsted(), 1).await;
            assert_eq!(node["failedAttempts"], 1);
            subscription["secret"].as_str().unwrap().to_owned()
        })
    })
    .join()
    .unwrap();

    let app = TestApp::spawn_on(place.connect().await, false, config(1_000)).await;
    let received = receiver.wait_for("ofsted", 2).await;
    assert_eq!(received[0].id(), received[1].id(), "the same event again");
    received[1].verify(&secret);
    let deliveries = &recorded(&app, &ofsted(), 2).await["deliveries"];
    assert_eq!(deliveries[0]["attempt"], 2);
    assert_eq!(deliveries[0]["succeeded"], true);
    assert_eq!(deliveries[1]["statusCode"], 503);
}

#[tokio::test]
async fn a_subscription_with_nothing_past_its_cursor_is_not_due() {
    let receiver = Receiver::start(&[]).await;
    let app = TestApp::spawn_configured(false, config(200)).await;
    subscribe(
        &app,
        &token("dfe", None, "read write"),
        receiver.url("dfe"),
        &["INSPECTION_NOTIFIED"],
        json!({}),
    )
    .await;

    let due = api::service::webhooks::due(&app.db, chrono::Utc::now())
        .await
        .unwrap();

    assert_eq!(due.len(), 0, "an idle subscription is leased every tick");
}
