//! A recommendation of an inspection report.

use sea_orm::entity::prelude::*;

use crate::enums::ResponsiblePartner;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "recommendation")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub inspection_id: i32,
    /// Order within the report, from 1.
    pub position: i32,
    pub text: String,
    pub responsible_partner: ResponsiblePartner,
    /// An area for priority action (outcome 3 reports only).
    pub is_area_for_priority_action: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::inspection::Entity",
        from = "Column::InspectionId",
        to = "super::inspection::Column::Id"
    )]
    Inspection,
}

impl ActiveModelBehavior for ActiveModel {}
