//! Webhook subscriptions as their owners read them, and the bookkeeping of their deliveries:
//! which subscriptions are due, one server's lease on each, and each attempt's outcome.

use async_graphql::EnumType;
use chrono::{DateTime, Utc};
use entity::{
    area, audit_event,
    enums::{EventType, WebhookStatus},
    local_authority, webhook_delivery, webhook_subscription,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Set,
    sea_query::{Expr, ExprTrait, Query},
};

use super::{events::EventFilter, scope::visible};
use crate::{
    domain::codes::{IcbCode, LocalAuthorityCode},
    error::AppError,
    policy::{Caller, Viewer},
};

/// How many of a subscription's latest delivery attempts are kept.
pub const KEPT_DELIVERIES: u64 = 50;

/// The viewer's subscriptions, oldest first.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn list(
    viewer: &Viewer,
    db: &DatabaseConnection,
) -> Result<Vec<webhook_subscription::Model>, AppError> {
    Ok(visible::<webhook_subscription::Entity>(viewer)
        .order_by_asc(webhook_subscription::Column::Id)
        .all(db)
        .await
        .map(super::loaded)?)
}

/// Whom a subscription's deliveries are read as: its owner's role and organisation, never
/// more than a caller of that role may read.
pub fn owner(subscription: &webhook_subscription::Model) -> Viewer {
    Viewer::SignedIn(Caller {
        subject: subscription.created_by.clone(),
        role: subscription.owner_role,
        organisation: subscription.owner_organisation.clone(),
        area_ids: Vec::new(),
        can_write: false,
    })
}

/// The event types a subscription receives.
pub fn event_types(subscription: &webhook_subscription::Model) -> Vec<EventType> {
    let names: Vec<String> = serde_json::from_str(&subscription.event_types).unwrap_or_default();
    EventType::items()
        .iter()
        .filter(|item| names.iter().any(|name| name == item.name))
        .map(|item| item.value)
        .collect()
}

/// The events a subscription receives, as a stream filter; `None` if what it stored cannot
/// be read (no event type this release knows, a code that no longer parses): such a
/// subscription receives nothing rather than more than it asked for.
pub fn filter(subscription: &webhook_subscription::Model) -> Option<EventFilter> {
    let types = event_types(subscription);
    if types.is_empty() {
        return None;
    }
    Some(EventFilter {
        types,
        area: subscription
            .filter_area
            .as_deref()
            .map(LocalAuthorityCode::parse)
            .transpose()
            .ok()?,
        icb: subscription
            .filter_icb
            .as_deref()
            .map(IcbCode::parse)
            .transpose()
            .ok()?,
        region: subscription.filter_region,
    })
}

/// The ONS code of an area's local authority.
pub async fn area_code(db: &DatabaseConnection, area_id: i32) -> Result<Option<String>, AppError> {
    Ok(area::Entity::find_by_id(area_id)
        .find_also_related(local_authority::Entity)
        .one(db)
        .await?
        .and_then(|(_, local_authority)| local_authority)
        .map(|local_authority| local_authority.ons_code))
}

/// The subscriptions that may have something to deliver now: active, not waiting for a
/// retry, not held by a server, and with an event in the log past their cursor. The last
/// spares an idle subscription a lease taken and given back every tick of every server.
pub async fn due(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
) -> Result<Vec<webhook_subscription::Model>, AppError> {
    use webhook_subscription::Column;
    Ok(webhook_subscription::Entity::find()
        .filter(Column::Status.eq(WebhookStatus::Active))
        .filter(
            Condition::any()
                .add(Column::NextAttemptAt.is_null())
                .add(Column::NextAttemptAt.lte(now)),
        )
        .filter(free_at(now))
        .filter(Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(audit_event::Entity)
                .and_where(
                    Expr::col((audit_event::Entity, audit_event::Column::Id)).gt(Expr::col((
                        webhook_subscription::Entity,
                        Column::LastSequence,
                    ))),
                )
                .and_where(
                    Expr::col((audit_event::Entity, audit_event::Column::EventType)).is_not_null(),
                )
                .to_owned(),
        ))
        .order_by_asc(Column::Id)
        .all(db)
        .await?)
}

fn free_at(now: DateTime<Utc>) -> Condition {
    use webhook_subscription::Column;
    Condition::any()
        .add(Column::LeaseUntil.is_null())
        .add(Column::LeaseUntil.lt(now))
}

/// Takes (or extends) this server's lease on a subscription until `until`, so that no other
/// server delivers to it meanwhile, and returns the subscription as it now stands; `None` if
/// another server holds it, it is no longer active, or its next attempt is not yet due. `held`
/// is the lease this server already has, if any.
pub async fn lease(
    db: &DatabaseConnection,
    id: i32,
    now: DateTime<Utc>,
    held: Option<DateTime<Utc>>,
    until: DateTime<Utc>,
) -> Result<Option<webhook_subscription::Model>, AppError> {
    use webhook_subscription::Column;
    let ours = match held {
        Some(held) => Condition::any()
            .add(free_at(now))
            .add(Column::LeaseUntil.eq(held)),
        None => free_at(now),
    };
    let updated = webhook_subscription::Entity::update_many()
        .col_expr(Column::LeaseUntil, Expr::value(until))
        .filter(Column::Id.eq(id))
        .filter(Column::Status.eq(WebhookStatus::Active))
        .filter(
            Condition::any()
                .add(Column::NextAttemptAt.is_null())
                .add(Column::NextAttemptAt.lte(now)),
        )
        .filter(ours)
        .exec(db)
        .await?;
    if updated.rows_affected != 1 {
        return Ok(None);
    }
    Ok(webhook_subscription::Entity::find_by_id(id).one(db).await?)
}

/// Lets another server take the subscription, if this server still holds it.
pub async fn release(
    db: &DatabaseConnection,
    id: i32,
    held: DateTime<Utc>,
) -> Result<(), AppError> {
    use webhook_subscription::Column;
    webhook_subscription::Entity::update_many()
        .col_expr(
            Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(Column::Id.eq(id))
        .filter(Column::LeaseUntil.eq(held))
        .exec(db)
        .await?;
    Ok(())
}

/// One attempt at delivering an event.
pub struct Attempt {
    pub subscription_id: i32,
    pub event_sequence: i32,
    /// 1 for the first attempt at the event.
    pub number: i32,
    pub at: DateTime<Utc>,
    pub status_code: Option<u16>,
    pub error: Option<String>,
    pub duration_ms: i32,
}

/// What follows a failed attempt.
pub enum Retry {
    At(DateTime<Utc>),
    /// The retry window is over: the subscription is marked failing.
    GiveUp,
}

/// Records a delivered event: the subscription's cursor moves past it. In one transaction, so
/// that a delivery is recorded once its cursor has moved, and not otherwise; and only while
/// this server holds the lease `held` and the cursor is still before the event.
pub async fn delivered(
    db: &DatabaseConnection,
    attempt: Attempt,
    held: DateTime<Utc>,
) -> Result<bool, AppError> {
    use webhook_subscription::Column;
    let txn = sea_orm::TransactionTrait::begin(db).await?;
    let moved = webhook_subscription::Entity::update_many()
        .col_expr(Column::LastSequence, Expr::value(attempt.event_sequence))
        .col_expr(Column::Attempts, Expr::value(0))
        .col_expr(
            Column::FailingSince,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            Column::NextAttemptAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(Column::Id.eq(attempt.subscription_id))
        .filter(Column::LeaseUntil.eq(held))
        .filter(Column::LastSequence.lt(attempt.event_sequence))
        .exec(&txn)
        .await?;
    if moved.rows_affected != 1 {
        return Ok(false);
    }
    record(&txn, attempt, true).await?;
    txn.commit().await?;
    Ok(true)
}

/// Records a failed attempt, and when the next one is due, while this server holds the lease
/// `held`.
pub async fn failed(
    db: &DatabaseConnection,
    attempt: Attempt,
    retry: Retry,
    held: DateTime<Utc>,
) -> Result<(), AppError> {
    use webhook_subscription::Column;
    let txn = sea_orm::TransactionTrait::begin(db).await?;
    let mut update = webhook_subscription::Entity::update_many()
        .col_expr(Column::Attempts, Expr::value(attempt.number))
        .col_expr(
            Column::FailingSince,
            Expr::col(Column::FailingSince).if_null(attempt.at),
        );
    update = match retry {
        Retry::At(at) => update.col_expr(Column::NextAttemptAt, Expr::value(at)),
        Retry::GiveUp => update
            .col_expr(Column::Status, Expr::value(WebhookStatus::Failing))
            .col_expr(
                Column::NextAttemptAt,
                Expr::value(Option::<DateTime<Utc>>::None),
            ),
    };
    let updated = update
        .filter(Column::Id.eq(attempt.subscription_id))
        .filter(Column::LeaseUntil.eq(held))
        // A pause made meanwhile stands.
        .filter(Column::Status.eq(WebhookStatus::Active))
        .exec(&txn)
        .await?;
    if updated.rows_affected == 1 {
        record(&txn, attempt, false).await?;
        txn.commit().await?;
    }
    Ok(())
}

/// Writes an attempt, and forgets all but the subscription's latest [`KEPT_DELIVERIES`].
async fn record(
    db: &impl ConnectionTrait,
    attempt: Attempt,
    succeeded: bool,
) -> Result<(), AppError> {
    use webhook_delivery::Column;
    let subscription_id = attempt.subscription_id;
    webhook_delivery::ActiveModel {
        subscription_id: Set(subscription_id),
        event_sequence: Set(attempt.event_sequence),
        attempt: Set(attempt.number),
        attempted_at: Set(attempt.at),
        succeeded: Set(succeeded),
        status_code: Set(attempt.status_code.map(i32::from)),
        error: Set(attempt.error),
        duration_ms: Set(attempt.duration_ms),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let latest = webhook_delivery::Entity::find()
        .select_only()
        .column(Column::Id)
        .filter(Column::SubscriptionId.eq(subscription_id))
        .order_by_desc(Column::Id)
        .limit(KEPT_DELIVERIES)
        .into_query();
    webhook_delivery::Entity::delete_many()
        .filter(Column::SubscriptionId.eq(subscription_id))
        .filter(Column::Id.not_in_subquery(latest))
        .exec(db)
        .await?;
    Ok(())
}

/// The ids of subscriptions the viewer owns, for the read scope of their deliveries.
pub fn owned_ids(viewer: &Viewer) -> sea_orm::sea_query::SelectStatement {
    visible::<webhook_subscription::Entity>(viewer)
        .select_only()
        .column(webhook_subscription::Column::Id)
        .into_query()
}
