//! One change made through the API: who made it, when, to what, and in which area.

use sea_orm::entity::prelude::*;

use crate::enums::{EventType, Role};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_event")]
pub struct Model {
    /// The event's sequence number in the log: handed out in commit order, never reused.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    pub occurred_at: DateTimeUtc,
    /// The token's subject.
    pub actor_subject: String,
    pub actor_role: Role,
    /// A local partner's organisation (LA or ICB ONS code).
    pub actor_organisation: Option<String>,
    /// The area the change concerns; `None` for national reference data.
    pub area_id: Option<i32>,
    /// The operation that made the change: the mutation's name, e.g. `publishReport`.
    pub action: String,
    /// The global ID of the object changed.
    pub object_id: Option<String>,
    pub summary: String,
    /// What the event reveals, for its read policy: `inspection`, `report` (an inspection's
    /// findings), `engagement_meeting`, `intervention`, … An event is readable only by those who
    /// may read that object as it stands now.
    pub object_kind: Option<String>,
    /// The row of the object, in the table `object_kind` names.
    pub object_row_id: Option<i32>,
    /// The changed fields before and after, as a JSON object `{ field: { before, after } }`.
    pub changes: Option<String>,
    /// The domain event this change announces to subscribers, if any, once it is in effect.
    pub event_type: Option<EventType>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::area::Entity",
        from = "Column::AreaId",
        to = "super::area::Column::Id"
    )]
    Area,
}

impl ActiveModelBehavior for ActiveModel {}
