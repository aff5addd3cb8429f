//! Webhook deliveries: a background task on every server that sends each active subscription
//! the events its owner may see, in log order, signed as Standard Webhooks specifies.
//!
//! Driven by the event log and each subscription's cursor in the database, so nothing is lost
//! to a restart: an event is delivered at least once, and the cursor moves past it only after
//! the endpoint answered 2xx. A failed attempt is retried with exponential backoff and jitter
//! for the retry window (`WEBHOOK_RETRY_WINDOW_SECS`, a day), then the subscription is marked
//! failing. A lease in the subscription's row keeps two servers from delivering to it at once,
//! which keeps deliveries in order. Endpoints are resolved on every delivery and connected to
//! only at public addresses, so a name that points inside the network reaches nothing.

use std::{
    collections::HashSet,
    net::SocketAddr,
    sync::{Arc, Mutex, OnceLock},
    time::{Duration, Instant},
};

use chrono::{DateTime, SubsecRound as _, TimeDelta, Utc};
use entity::{audit_event, webhook_subscription};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use sea_orm::DatabaseConnection;
use serde_json::json;
use standardwebhooks::Webhook;

use crate::{
    config::WebhookSettings,
    data_version::DataVersion,
    domain::{events::EMBARGO_LIFTED, webhooks},
    error::AppError,
    service::{
        change::enum_value,
        events, milestones,
        webhooks::{self as subscriptions, Attempt, Retry},
    },
};

/// How often due retries are looked for when nothing changes.
const TICK: Duration = Duration::from_secs(1);
/// The most events one lease delivers before the subscription is let go for a turn.
const EVENTS_PER_TURN: usize = 100;

pub fn spawn_dispatcher(
    db: DatabaseConnection,
    version: Arc<DataVersion>,
    settings: WebhookSettings,
) {
    let dispatcher = Arc::new(Dispatcher {
        db,
        client: OnceLock::new(),
        settings,
        in_flight: Mutex::new(HashSet::new()),
    });
    tokio::spawn(crate::db::background(async move {
        loop {
            let changed = version.changed();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if let Err(error) = dispatcher.clone().deliver_due().await {
                tracing::warn!(%error, "cannot deliver webhooks");
            }
            tokio::select! {
                () = changed => {}
                () = tokio::time::sleep(TICK) => {}
            }
        }
    }));
}

fn client(settings: &WebhookSettings) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .dns_resolver(Arc::new(PublicAddresses {
            allow_loopback: settings.webhooks_allow_http_loopback,
        }))
        .redirect(reqwest::redirect::Policy::none())
        // A proxy would resolve the endpoint's name itself, past the check of its addresses.
        .no_proxy()
        .timeout(settings.timeout())
        .user_agent(concat!(
            "send-inspections-webhooks/",
            env!("CARGO_PKG_VERSION")
        ))
        .build()
}

/// Resolves endpoint names to their public addresses only: a name that resolves to a private,
/// loopback or link-local address (a server-side request forgery) is not connected to.
struct PublicAddresses {
    allow_loopback: bool,
}

impl Resolve for PublicAddresses {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_loopback = self.allow_loopback;
        Box::pin(async move {
            let resolved = tokio::net::lookup_host((name.as_str(), 0)).await?;
            let public: Vec<SocketAddr> = resolved
                .filter(|address| webhooks::may_receive(address.ip(), allow_loopback))
                .collect();
            if public.is_empty() {
                return Err("the endpoint's name resolves to no public address".into());
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

/// A subscription's place in the in-flight set, given up when its turn ends however it ends
/// (a panic included), so that the subscription is never left out of later rounds.
struct InFlight {
    dispatcher: Arc<Dispatcher>,
    id: i32,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.dispatcher.lock_in_flight().remove(&self.id);
    }
}

struct Dispatcher {
    db: DatabaseConnection,
    /// Built for the first delivery, not at start: its TLS roots are memory a server without
    /// subscriptions never needs.
    client: OnceLock<reqwest::Client>,
    settings: WebhookSettings,
    /// The subscriptions this server is delivering to now, each in a task of its own, so that
    /// a slow endpoint holds up only its own deliveries.
    in_flight: Mutex<HashSet<i32>>,
}

impl Dispatcher {
    /// Starts a turn, in a task of its own, at every due subscription not already in one.
    async fn deliver_due(self: Arc<Self>) -> Result<(), AppError> {
        let due = subscriptions::due(&self.db, Utc::now()).await?;
        for subscription in due {
            let id = subscription.id;
            if !self.lock_in_flight().insert(id) {
                continue;
            }
            let in_flight = InFlight {
                dispatcher: self.clone(),
                id,
            };
            tokio::spawn(crate::db::background(async move {
                if let Err(error) = in_flight.dispatcher.turn(id).await {
                    tracing::warn!(%error, subscription = id, "webhook delivery stopped");
                }
                drop(in_flight);
            }));
        }
        Ok(())
    }

    fn lock_in_flight(&self) -> std::sync::MutexGuard<'_, HashSet<i32>> {
        self.in_flight
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// One server's turn at a subscription: under a lease, its next events in order, until
    /// none is left, one fails, or the turn is over. Each event is read against the row as the
    /// lease found it, so a cursor, a retry time or a secret changed elsewhere is respected.
    async fn turn(&self, id: i32) -> Result<(), AppError> {
        let lease_for = TimeDelta::from_std(self.settings.timeout() * 2 + Duration::from_secs(10))
            .unwrap_or(TimeDelta::minutes(1));
        let mut held = None;
        for _ in 0..EVENTS_PER_TURN {
            let now = Utc::now();
            // Whole milliseconds, which both databases store exactly, so that the lease can be
            // recognised again to extend it.
            let until = (now + lease_for).trunc_subsecs(3);
            let Some(subscription) = subscriptions::lease(&self.db, id, now, held, until).await?
            else {
                // Paused, deleted or taken meanwhile: let go of what this server still holds.
                break;
            };
            held = Some(until);
            let owner = subscriptions::owner(&subscription);
            let Some(filter) = subscriptions::filter(&subscription) else {
                tracing::warn!(
                    subscription = id,
                    "the subscription's stored filter cannot be read"
                );
                break;
            };
            let next = events::after(
                &owner,
                &self.db,
                subscription.last_sequence,
                &filter,
                now.date_naive(),
                1,
            )
            .await?;
            let Some(event) = next.into_iter().next() else {
                break;
            };
            if !self.attempt(&subscription, &event, until).await? {
                break;
            }
        }
        match held {
            Some(held) => subscriptions::release(&self.db, id, held).await,
            None => Ok(()),
        }
    }

    /// Sends one event; records the attempt. True if it was delivered.
    async fn attempt(
        &self,
        subscription: &webhook_subscription::Model,
        event: &audit_event::Model,
        held: DateTime<Utc>,
    ) -> Result<bool, AppError> {
        let client = self.client()?;
        let body = self.body(event).await?;
        let started = Instant::now();
        let at = Utc::now();
        let outcome = self.send(client, subscription, event.id, &body).await;
        let mut attempt = Attempt {
            subscription_id: subscription.id,
            event_sequence: event.id,
            number: subscription.attempts + 1,
            at,
            status_code: None,
            error: None,
            duration_ms: i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX),
        };
        match outcome {
            Ok(status) if status.is_success() => {
                attempt.status_code = Some(status.as_u16());
                // False if the lease was lost meanwhile: the turn ends, the event stays due.
                subscriptions::delivered(&self.db, attempt, held).await
            }
            failure => {
                match failure {
                    Ok(status) => attempt.status_code = Some(status.as_u16()),
                    Err(error) => attempt.error = Some(error),
                }
                let failing_since = subscription.failing_since.unwrap_or(at);
                let retry = if webhooks::gives_up(failing_since, at, self.settings.retry_window()) {
                    tracing::warn!(
                        subscription = subscription.id,
                        "webhook endpoint failed for the whole retry window: marked failing"
                    );
                    Retry::GiveUp
                } else {
                    let failed = u32::try_from(attempt.number).unwrap_or(u32::MAX);
                    let delay =
                        webhooks::retry_delay(failed, self.settings.retry_base(), rand::random());
                    Retry::At(at + TimeDelta::from_std(delay).unwrap_or(TimeDelta::hours(1)))
                };
                subscriptions::failed(&self.db, attempt, retry, held).await?;
                Ok(false)
            }
        }
    }

    /// `{ type, timestamp, data: { id, areaCode, … } }`, as Standard Webhooks shapes a payload.
    async fn body(&self, event: &audit_event::Model) -> Result<String, AppError> {
        let area_code = match event.area_id {
            Some(area_id) => subscriptions::area_code(&self.db, area_id).await?,
            None => None,
        };
        let event_type = event.event_type.map_or(serde_json::Value::Null, enum_value);
        let milestone = milestones::recorded(event);
        let body = json!({
            "type": event_type,
            "timestamp": event.occurred_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "data": {
                "id": event.object_id,
                "areaCode": area_code,
                "sequence": event.id,
                "cursor": events::cursor(event.id),
                "summary": event.summary,
                "embargoLifted": event.action == EMBARGO_LIFTED,
                "scheduleItem": milestone.map(|(item, _)| enum_value(item)),
                "dueBy": milestone.map(|(_, due_by)| due_by.to_string()),
            }
        });
        Ok(body.to_string())
    }

    /// The client, built now if this is the first delivery. A failure to build it is the
    /// server's, not the endpoint's: no attempt is recorded, and the next turn tries again.
    fn client(&self) -> Result<&reqwest::Client, AppError> {
        if let Some(client) = self.client.get() {
            return Ok(client);
        }
        let built = client(&self.settings).map_err(|error| {
            tracing::error!(%error, "cannot build the webhook client");
            AppError::Internal
        })?;
        Ok(self.client.get_or_init(|| built))
    }

    /// Posts a signed body; the endpoint's status, or why there was none.
    async fn send(
        &self,
        client: &reqwest::Client,
        subscription: &webhook_subscription::Model,
        sequence: i32,
        body: &str,
    ) -> Result<reqwest::StatusCode, String> {
        let allow_loopback = self.settings.webhooks_allow_http_loopback;
        let url = webhooks::endpoint("url", &subscription.url, allow_loopback)
            .map_err(|rejection| format!("the endpoint may not receive deliveries: {rejection}"))?;
        let message_id = format!("evt_{sequence}");
        let timestamp = Utc::now().timestamp();
        let signature = Webhook::new(&subscription.secret)
            .and_then(|webhook| webhook.sign(&message_id, timestamp, body.as_bytes()))
            .map_err(|error| {
                tracing::error!(%error, subscription = subscription.id, "cannot sign a delivery");
                "the delivery could not be signed".to_owned()
            })?;
        let response = client
            .post(url)
            .header(standardwebhooks::HEADER_WEBHOOK_ID, message_id)
            .header(
                standardwebhooks::HEADER_WEBHOOK_TIMESTAMP,
                timestamp.to_string(),
            )
            .header(standardwebhooks::HEADER_WEBHOOK_SIGNATURE, signature)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_owned())
            .send()
            .await
            .map_err(|error| describe(&error))?;
        Ok(response.status())
    }
}

/// Why a request got no answer, in words fit for the subscription's owner: never the internal
/// detail of the error.
fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        "the endpoint did not answer in time".to_owned()
    } else if error.is_connect() {
        "could not connect to the endpoint at a public address".to_owned()
    } else {
        "the request to the endpoint failed".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_name_is_connected_to_only_at_its_public_addresses() {
        let name = |host: &str| host.parse::<Name>().unwrap();
        let strict = PublicAddresses {
            allow_loopback: false,
        };
        assert!(strict.resolve(name("localhost")).await.is_err());
        let development = PublicAddresses {
            allow_loopback: true,
        };
        let addresses: Vec<SocketAddr> = development
            .resolve(name("localhost"))
            .await
            .unwrap()
            .collect();
        assert!(addresses.iter().all(|address| address.ip().is_loopback()));
    }
}
