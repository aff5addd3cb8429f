//! One recorded step of progress on a priority action: its status, note and author.

use sea_orm::entity::prelude::*;

use crate::enums::ActionStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "action_progress")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub priority_action_id: i32,
    pub status: ActionStatus,
    pub note: Option<String>,
    pub completed_on: Option<Date>,
    pub recorded_at: DateTimeUtc,
    /// The token subject that recorded it.
    pub actor_subject: String,
    /// The recording partner's organisation (LA or ICB ONS code).
    pub actor_organisation: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::priority_action::Entity",
        from = "Column::PriorityActionId",
        to = "super::priority_action::Column::Id"
    )]
    PriorityAction,
}

impl ActiveModelBehavior for ActiveModel {}
