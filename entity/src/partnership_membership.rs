//! One body's membership of an area's partnership over a period: exactly one of the local
//! authority or the ICB is set. Dated so that the CCG→ICB change of 1 July 2022 and later
//! boundary changes are history, not overwrites.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "partnership_membership")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub area_id: i32,
    pub local_authority_id: Option<i32>,
    pub integrated_care_board_id: Option<i32>,
    /// For an ICB: whether it covers most of the area (areas split between ICBs have one).
    pub is_primary: bool,
    pub valid_from: Date,
    /// Exclusive end; `None` while the membership lasts.
    pub valid_to: Option<Date>,
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
        belongs_to = "super::integrated_care_board::Entity",
        from = "Column::IntegratedCareBoardId",
        to = "super::integrated_care_board::Column::Id"
    )]
    IntegratedCareBoard,
}

impl Related<super::integrated_care_board::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::IntegratedCareBoard.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
