//! An engagement meeting between the inspectorates and an area, about annual.

use sea_orm::entity::prelude::*;

use crate::enums::EngagementMeetingStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "engagement_meeting")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub area_id: i32,
    pub status: EngagementMeetingStatus,
    pub scheduled_for: Date,
    pub held_on: Option<Date>,
    pub notes: Option<String>,
    pub cancellation_reason: Option<String>,
    pub revision: i32,
    pub is_synthetic: bool,
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
