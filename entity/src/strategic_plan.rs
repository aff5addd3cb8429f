//! One version of an area's strategic plan for SEND.

use sea_orm::entity::prelude::*;

use crate::enums::StrategicPlanStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "strategic_plan")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub area_id: i32,
    /// 1 for the area's first version, then consecutive.
    pub version: i32,
    pub title: String,
    pub status: StrategicPlanStatus,
    pub published_on: Option<Date>,
    pub document_url: Option<String>,
    pub is_synthetic: bool,
    pub revision: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
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
