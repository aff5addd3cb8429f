//! A DfE or NHS England intervention in an area after an inspection.

use sea_orm::entity::prelude::*;

use crate::enums::{InterventionBody, InterventionKind, InterventionStatus};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "intervention")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub area_id: i32,
    pub body: InterventionBody,
    pub kind: InterventionKind,
    pub status: InterventionStatus,
    pub summary: String,
    pub proposed_on: Option<Date>,
    pub announced_on: Option<Date>,
    pub ended_on: Option<Date>,
    pub is_synthetic: bool,
    pub revision: i32,
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
