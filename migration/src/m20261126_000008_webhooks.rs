//! Webhook subscriptions, each with its own cursor in the event log, and their deliveries.

use sea_orm_migration::{prelude::*, schema::*};

use crate::{enumeration, foreign_key, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone)]
enum WebhookSubscription {
    Table,
    Id,
    OwnerRole,
    OwnerOrganisation,
    CreatedBy,
    Url,
    EventTypes,
    FilterArea,
    FilterIcb,
    FilterRegion,
    Secret,
    Status,
    LastSequence,
    Attempts,
    FailingSince,
    NextAttemptAt,
    LeaseUntil,
    CreatedAt,
}

#[derive(DeriveIden, Clone)]
enum WebhookDelivery {
    Table,
    Id,
    SubscriptionId,
    EventSequence,
    Attempt,
    AttemptedAt,
    Succeeded,
    StatusCode,
    Error,
    DurationMs,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WebhookSubscription::Table)
                    .col(pk_auto(WebhookSubscription::Id))
                    .col(enumeration(
                        WebhookSubscription::OwnerRole,
                        &["ofsted", "cqc", "dfe", "nhs_england", "local_partner"],
                    ))
                    .col(string_null(WebhookSubscription::OwnerOrganisation))
                    .col(text(WebhookSubscription::CreatedBy))
                    .col(text(WebhookSubscription::Url))
                    .col(text(WebhookSubscription::EventTypes))
                    .col(string_null(WebhookSubscription::FilterArea))
                    .col(string_null(WebhookSubscription::FilterIcb))
                    .col(string_null(WebhookSubscription::FilterRegion))
                    .col(text(WebhookSubscription::Secret))
                    .col(enumeration(
                        WebhookSubscription::Status,
                        &["active", "paused", "failing"],
                    ))
                    .col(integer(WebhookSubscription::LastSequence))
                    .col(integer(WebhookSubscription::Attempts).default(0))
                    .col(timestamp_with_time_zone_null(
                        WebhookSubscription::FailingSince,
                    ))
                    .col(timestamp_with_time_zone_null(
                        WebhookSubscription::NextAttemptAt,
                    ))
                    .col(timestamp_with_time_zone_null(
                        WebhookSubscription::LeaseUntil,
                    ))
                    .col(timestamp_with_time_zone(WebhookSubscription::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookDelivery::Table)
                    .col(pk_auto(WebhookDelivery::Id))
                    .col(integer(WebhookDelivery::SubscriptionId))
                    .col(integer(WebhookDelivery::EventSequence))
                    .col(integer(WebhookDelivery::Attempt))
                    .col(timestamp_with_time_zone(WebhookDelivery::AttemptedAt))
                    .col(boolean(WebhookDelivery::Succeeded))
                    .col(integer_null(WebhookDelivery::StatusCode))
                    .col(text_null(WebhookDelivery::Error))
                    .col(integer(WebhookDelivery::DurationMs))
                    .foreign_key(&mut foreign_key(
                        WebhookDelivery::Table,
                        WebhookDelivery::SubscriptionId,
                        WebhookSubscription::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        // A subscription's recent deliveries, newest first.
        manager
            .create_index(index(
                "ix_webhook_delivery_subscription",
                WebhookDelivery::Table,
                vec![
                    WebhookDelivery::SubscriptionId.into_iden(),
                    WebhookDelivery::Id.into_iden(),
                ],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(WebhookDelivery::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(WebhookSubscription::Table).to_owned())
            .await
    }
}
