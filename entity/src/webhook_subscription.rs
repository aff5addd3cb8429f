//! A partner's endpoint for signed webhook deliveries of the domain events it may see, with its
//! own cursor in the event log.

use sea_orm::entity::prelude::*;

use crate::enums::{Region, Role, WebhookStatus};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_subscription")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Whose it is: deliveries carry what this role (and organisation) may see, and only callers
    /// with the same may manage it.
    pub owner_role: Role,
    pub owner_organisation: Option<String>,
    /// The token subject that created it.
    pub created_by: String,
    pub url: String,
    /// The event types delivered, as a JSON array of their stored names.
    pub event_types: String,
    /// Only events of this area (its local authority's ONS code).
    pub filter_area: Option<String>,
    /// Only events of the areas this ICB (ONS or ODS code) serves on the day of delivery.
    pub filter_icb: Option<String>,
    pub filter_region: Option<Region>,
    /// The Standard Webhooks signing secret, `whsec_…`.
    pub secret: String,
    pub status: WebhookStatus,
    /// The last event handled: delivered, or skipped as not for this subscription.
    pub last_sequence: i32,
    /// Failed attempts at delivering the next event.
    pub attempts: i32,
    /// When delivering the next event first failed.
    pub failing_since: Option<DateTimeUtc>,
    /// When the next attempt is due, after a failure.
    pub next_attempt_at: Option<DateTimeUtc>,
    /// Until when one server holds the subscription to deliver, so that deliveries stay in
    /// order when several servers run.
    pub lease_until: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::webhook_delivery::Entity")]
    Delivery,
}

impl Related<super::webhook_delivery::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Delivery.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
