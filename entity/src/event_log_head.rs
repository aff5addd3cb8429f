//! The head of the event log: one row, whose update hands out sequence numbers in commit order.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "event_log_head")]
pub struct Model {
    /// Always 1.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    /// The last sequence number handed out.
    pub last_sequence: i32,
    /// The last day whose schedule milestones (items falling due or overdue) were announced;
    /// `None` until the first announcement.
    pub schedule_announced_through: Option<Date>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
