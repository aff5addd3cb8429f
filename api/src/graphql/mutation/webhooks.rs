//! Webhook subscriptions, registered and managed by DfE, NHS England and the inspectorates.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use entity::{
    enums::{EventType, Region},
    webhook_subscription,
};

use super::{Parts, UserError, answer, claim, payload, row_id};
use crate::{
    config::WebhookSettings,
    graphql::{context, cost, id::NodeType, types::webhook::WebhookSubscription},
    service::{
        change::ChangeError,
        write::webhooks::{self, Command, NewSubscription},
    },
};

#[derive(Default)]
pub struct WebhookMutations;

#[derive(InputObject)]
pub struct CreateWebhookSubscriptionInput {
    /// Where to post deliveries: an https URL whose host is a public address.
    pub url: String,
    /// The event types to deliver; at least one.
    pub event_types: Vec<EventType>,
    /// Only events of this area, ICB or region.
    pub filter: Option<WebhookFilterInput>,
}

/// Narrows a subscription's events; all given conditions must hold.
#[derive(InputObject, Default)]
pub struct WebhookFilterInput {
    /// Events concerning this area, by its local authority's ONS code.
    pub area: Option<String>,
    /// Events concerning the areas this ICB serves on the day of delivery, by its ONS or ODS
    /// code.
    pub icb: Option<String>,
    /// Events concerning areas in this ONS region.
    pub region: Option<Region>,
}

/// Declares the input of a mutation that names one webhook subscription by its global ID.
macro_rules! subscription_input {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(InputObject)]
        pub struct $name {
            pub id: ID,
        }
    )*};
}

subscription_input!(
    /// The input of `pauseWebhookSubscription`.
    PauseWebhookSubscriptionInput,
    /// The input of `resumeWebhookSubscription`.
    ResumeWebhookSubscriptionInput,
    /// The input of `rotateWebhookSecret`.
    RotateWebhookSecretInput,
    /// The input of `deleteWebhookSubscription`.
    DeleteWebhookSubscriptionInput,
);

payload!(
    /// The result of `createWebhookSubscription`: the subscription, with its secret.
    CreateWebhookSubscriptionPayload, webhook_subscription: WebhookSubscription
);
payload!(
    /// The result of `pauseWebhookSubscription`.
    PauseWebhookSubscriptionPayload, webhook_subscription: WebhookSubscription
);
payload!(
    /// The result of `resumeWebhookSubscription`.
    ResumeWebhookSubscriptionPayload, webhook_subscription: WebhookSubscription
);
payload!(
    /// The result of `rotateWebhookSecret`: the subscription, with its new secret.
    RotateWebhookSecretPayload, webhook_subscription: WebhookSubscription
);

/// The result of `deleteWebhookSubscription`.
#[derive(SimpleObject)]
pub struct DeleteWebhookSubscriptionPayload {
    /// The ID of the subscription deleted, or null if nothing was.
    pub deleted_webhook_subscription_id: Option<ID>,
    /// The subscription as it was when it was deleted.
    pub webhook_subscription: Option<WebhookSubscription>,
    pub user_errors: Vec<UserError>,
}

async fn subscription(
    ctx: &Context<'_>,
    result: Result<webhook_subscription::Model, ChangeError>,
    wrap: fn(webhook_subscription::Model) -> WebhookSubscription,
) -> Result<Parts<WebhookSubscription>> {
    answer::<webhook_subscription::Entity, _>(ctx, result, |model| model.id, wrap).await
}

/// Applies `command` to the subscription `id` names.
async fn manage(
    ctx: &Context<'_>,
    id: &ID,
    command: Command,
) -> Result<Result<webhook_subscription::Model, ChangeError>> {
    let row = row_id(id, NodeType::WebhookSubscription, "webhook subscription")?;
    Ok(webhooks::manage(
        context::db(ctx)?,
        context::viewer(ctx)?,
        claim(ctx),
        row,
        command,
    )
    .await)
}

#[Object]
impl WebhookMutations {
    /// Registers an endpoint for signed deliveries (Standard Webhooks) of the events the
    /// caller's role may see, from now on (DfE, NHS England, Ofsted, CQC). The payload carries
    /// the signing secret, this once only.
    #[graphql(complexity = "cost::mutation(child_complexity)")]
    async fn create_webhook_subscription(
        &self,
        ctx: &Context<'_>,
        input: CreateWebhookSubscriptionInput,
    ) -> Result<CreateWebhookSubscriptionPayload> {
        let settings = ctx.data::<WebhookSettings>()?;
        let filter = input.filter.unwrap_or_default();
        let new = NewSubscription {
            url: input.url,
            event_types: input.event_types,
            area: filter.area,
            icb: filter.icb,
            region: filter.region,
        };
        let result = webhooks::create(
            context::db(ctx)?,
            context::viewer(ctx)?,
            claim(ctx),
            new,
            settings.webhooks_allow_http_loopback,
        )
        .await;
        Ok(subscription(ctx, result, WebhookSubscription::with_secret)
            .await?
            .into())
    }

    /// Stops deliveries; events wait, and are delivered when it resumes.
    #[graphql(complexity = "cost::mutation(child_complexity)")]
    async fn pause_webhook_subscription(
        &self,
        ctx: &Context<'_>,
        input: PauseWebhookSubscriptionInput,
    ) -> Result<PauseWebhookSubscriptionPayload> {
        let result = manage(ctx, &input.id, Command::Pause).await?;
        Ok(subscription(ctx, result, WebhookSubscription::new)
            .await?
            .into())
    }

    /// Starts deliveries again where they stopped (after a pause, or once failing), with a
    /// fresh retry window.
    #[graphql(complexity = "cost::mutation(child_complexity)")]
    async fn resume_webhook_subscription(
        &self,
        ctx: &Context<'_>,
        input: ResumeWebhookSubscriptionInput,
    ) -> Result<ResumeWebhookSubscriptionPayload> {
        let result = manage(ctx, &input.id, Command::Resume).await?;
        Ok(subscription(ctx, result, WebhookSubscription::new)
            .await?
            .into())
    }

    /// Replaces the signing secret; the payload carries the new one, this once only.
    #[graphql(complexity = "cost::mutation(child_complexity)")]
    async fn rotate_webhook_secret(
        &self,
        ctx: &Context<'_>,
        input: RotateWebhookSecretInput,
    ) -> Result<RotateWebhookSecretPayload> {
        let result = manage(ctx, &input.id, Command::RotateSecret).await?;
        Ok(subscription(ctx, result, WebhookSubscription::with_secret)
            .await?
            .into())
    }

    /// Deletes a subscription and its delivery history.
    #[graphql(complexity = "cost::mutation(child_complexity)")]
    async fn delete_webhook_subscription(
        &self,
        ctx: &Context<'_>,
        input: DeleteWebhookSubscriptionInput,
    ) -> Result<DeleteWebhookSubscriptionPayload> {
        let result = manage(ctx, &input.id, Command::Delete).await?;
        context::loader(ctx)?.enable_all_cache(false);
        Ok(match result {
            Ok(deleted) => DeleteWebhookSubscriptionPayload {
                deleted_webhook_subscription_id: Some(input.id),
                webhook_subscription: Some(WebhookSubscription::new(deleted)),
                user_errors: Vec::new(),
            },
            Err(ChangeError::Rejected(rejection)) => DeleteWebhookSubscriptionPayload {
                deleted_webhook_subscription_id: None,
                webhook_subscription: None,
                user_errors: vec![rejection.into()],
            },
            Err(ChangeError::Failed(error)) => {
                return Err(async_graphql::ErrorExtensions::extend(&error));
            }
        })
    }
}
