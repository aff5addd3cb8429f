//! `WebhookSubscription` and its `WebhookDelivery` attempts.

use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{
    enums::{EventType, Region, WebhookStatus},
    webhook_delivery, webhook_subscription,
};

use super::children;
use crate::{
    graphql::{
        cost,
        id::{NodeType, encode},
        sharing,
    },
    service::webhooks,
};

/// The most deliveries a subscription lists.
const MAX_DELIVERIES: i32 = webhooks::KEPT_DELIVERIES as i32;

/// An endpoint that receives signed deliveries of the domain events its owner may see.
pub struct WebhookSubscription {
    model: webhook_subscription::Model,
    /// Whether this answer may carry the secret: only the one that made it.
    reveals_secret: bool,
}

impl WebhookSubscription {
    pub fn new(model: webhook_subscription::Model) -> Self {
        Self {
            model,
            reveals_secret: false,
        }
    }

    /// The subscription with its secret, for the answer to the change that made the secret.
    pub fn with_secret(model: webhook_subscription::Model) -> Self {
        Self {
            model,
            reveals_secret: true,
        }
    }
}

/// Which events a subscription receives, besides their types.
#[derive(SimpleObject)]
pub struct WebhookFilter {
    /// Events of this area (its local authority's ONS code).
    area: Option<String>,
    /// Events of the areas this ICB serves on the day of delivery.
    icb: Option<String>,
    /// Events of areas in this region.
    region: Option<Region>,
}

#[Object]
impl WebhookSubscription {
    /// The object's opaque global ID.
    pub async fn id(&self) -> ID {
        encode(NodeType::WebhookSubscription, self.model.id)
    }

    /// Where deliveries are posted.
    async fn url(&self) -> &str {
        &self.model.url
    }

    /// The event types delivered.
    async fn event_types(&self) -> Vec<EventType> {
        webhooks::event_types(&self.model)
    }

    async fn filter(&self) -> WebhookFilter {
        WebhookFilter {
            area: self.model.filter_area.clone(),
            icb: self.model.filter_icb.clone(),
            region: self.model.filter_region,
        }
    }

    async fn status(&self, ctx: &Context<'_>) -> WebhookStatus {
        sharing::not_kept(ctx);
        self.model.status
    }

    /// The Standard Webhooks signing secret (`whsec_…`): given once, in the payload of
    /// `createWebhookSubscription` or `rotateWebhookSecret`, and null everywhere else.
    async fn secret(&self) -> Option<&str> {
        self.reveals_secret.then_some(self.model.secret.as_str())
    }

    /// The sequence number of the last event handled; deliveries resume after it.
    async fn last_sequence(&self, ctx: &Context<'_>) -> i32 {
        sharing::not_kept(ctx);
        self.model.last_sequence
    }

    /// Failed attempts at delivering the next event.
    async fn failed_attempts(&self, ctx: &Context<'_>) -> i32 {
        sharing::not_kept(ctx);
        self.model.attempts
    }

    /// When delivering the next event first failed; null while deliveries succeed.
    async fn failing_since(&self, ctx: &Context<'_>) -> Option<DateTime<Utc>> {
        sharing::not_kept(ctx);
        self.model.failing_since
    }

    /// When the next attempt is due, after a failure.
    async fn next_attempt_at(&self, ctx: &Context<'_>) -> Option<DateTime<Utc>> {
        sharing::not_kept(ctx);
        self.model.next_attempt_at
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }

    /// The latest delivery attempts, newest first (the last 50 are kept).
    #[graphql(complexity = "cost::list(MAX_DELIVERIES as usize, child_complexity)")]
    async fn deliveries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many, at most 50; 10 if omitted.")] first: Option<i32>,
    ) -> Result<Vec<WebhookDelivery>> {
        sharing::not_kept(ctx);
        let first = usize::try_from(first.unwrap_or(10).clamp(0, MAX_DELIVERIES)).unwrap_or(0);
        let all = children::<webhook_delivery::Entity>(ctx, self.model.id).await?;
        Ok(all
            .iter()
            .rev()
            .take(first)
            .cloned()
            .map(WebhookDelivery)
            .collect())
    }
}

/// One attempt at delivering an event to a subscription.
pub struct WebhookDelivery(webhook_delivery::Model);

#[Object]
impl WebhookDelivery {
    /// The event's sequence number in the log.
    async fn event_sequence(&self) -> i32 {
        self.0.event_sequence
    }

    /// 1 for the first attempt at the event, 2 for its first retry, …
    async fn attempt(&self) -> i32 {
        self.0.attempt
    }

    async fn attempted_at(&self) -> DateTime<Utc> {
        self.0.attempted_at
    }

    /// Whether the endpoint answered 2xx in time.
    async fn succeeded(&self) -> bool {
        self.0.succeeded
    }

    /// The endpoint's HTTP status, if it answered.
    async fn status_code(&self) -> Option<i32> {
        self.0.status_code
    }

    /// Why the attempt failed when no status tells.
    async fn error(&self) -> Option<&str> {
        self.0.error.as_deref()
    }

    async fn duration_ms(&self) -> i32 {
        self.0.duration_ms
    }
}
