//! One body taking over from another on a date: a council reorganisation or an ICB merger.

use sea_orm::entity::prelude::*;

use crate::enums::SuccessionKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "succession")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Whether the ids are local authorities' or ICBs'.
    pub kind: SuccessionKind,
    pub predecessor_id: i32,
    pub successor_id: i32,
    /// The first day of the successor.
    pub effective_on: Date,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
