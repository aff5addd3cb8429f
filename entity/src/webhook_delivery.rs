//! One attempt at delivering an event to a webhook subscription.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_delivery")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub subscription_id: i32,
    /// The event's sequence number in the log.
    pub event_sequence: i32,
    /// 1 for the first attempt at this event, 2 for its first retry, …
    pub attempt: i32,
    pub attempted_at: DateTimeUtc,
    /// Whether the endpoint answered 2xx in time.
    pub succeeded: bool,
    pub status_code: Option<i32>,
    /// Why it failed, when no status tells: a timeout, a refused connection, a forbidden address.
    pub error: Option<String>,
    pub duration_ms: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::webhook_subscription::Entity",
        from = "Column::SubscriptionId",
        to = "super::webhook_subscription::Column::Id"
    )]
    Subscription,
}

impl Related<super::webhook_subscription::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Subscription.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
