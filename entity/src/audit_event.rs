//! One change made through the API: who made it, when, to what, and in which area.

use sea_orm::entity::prelude::*;

use crate::enums::Role;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub occurred_at: DateTimeUtc,
    /// The token's subject.
    pub actor_subject: String,
    pub actor_role: Role,
    /// A local partner's organisation (LA or ICB ONS code).
    pub actor_organisation: Option<String>,
    /// The area the change concerns; `None` for national reference data.
    pub area_id: Option<i32>,
    /// What was done, e.g. `inspection.publish`.
    pub action: String,
    /// The global ID of the object changed.
    pub object_id: Option<String>,
    pub summary: String,
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
