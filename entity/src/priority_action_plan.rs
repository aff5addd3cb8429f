//! A priority action plan (area SEND), required after an outcome-3 full inspection.

use sea_orm::entity::prelude::*;

use crate::enums::PriorityActionPlanStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "priority_action_plan")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub area_id: i32,
    /// The outcome-3 full inspection that required the plan.
    pub inspection_id: i32,
    pub status: PriorityActionPlanStatus,
    pub submitted_on: Option<Date>,
    /// When Ofsted and the CQC acknowledged the submitted plan.
    pub acknowledged_on: Option<Date>,
    pub published_on: Option<Date>,
    pub document_url: Option<String>,
    pub is_synthetic: bool,
    pub revision: i32,
    /// The area's summary of its plan.
    pub summary: Option<String>,
    /// Why DfE or NHS England returned the plan, while it is returned.
    pub return_reasons: Option<String>,
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
    #[sea_orm(
        belongs_to = "super::inspection::Entity",
        from = "Column::InspectionId",
        to = "super::inspection::Column::Id"
    )]
    Inspection,
}

impl ActiveModelBehavior for ActiveModel {}
