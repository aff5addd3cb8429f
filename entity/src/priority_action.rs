//! One action of a priority action plan, against an area for priority action.

use sea_orm::entity::prelude::*;

use crate::enums::{ActionStatus, ResponsiblePartner};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "priority_action")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub priority_action_plan_id: i32,
    /// The recommendation (an area for priority action) the action addresses.
    pub recommendation_id: Option<i32>,
    pub position: i32,
    pub description: String,
    pub status: ActionStatus,
    pub due_on: Option<Date>,
    pub completed_on: Option<Date>,
    pub progress_note: Option<String>,
    pub revision: i32,
    /// The partner responsible for the action.
    pub responsible_partner: Option<ResponsiblePartner>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::priority_action_plan::Entity",
        from = "Column::PriorityActionPlanId",
        to = "super::priority_action_plan::Column::Id"
    )]
    PriorityActionPlan,
}

impl ActiveModelBehavior for ActiveModel {}
